// jsondrip.js: apply a jsondrip patch stream in the browser (or Node).
//
// A dependency-free ES module, shipped with the Python package
// (jsondrip/static/jsondrip.js). The wire format is documented in
// jsondrip.patch: every message is JSON text, either a bare string (the open
// string grew by it) or {"op": "add"|"append"|"end"|"replace", "path", "value"}
// with JSON Pointer paths. Safe on hostile input: members are always set as own
// properties (a "__proto__" key is a plain key, never the prototype), paths only
// go through own properties and real array indices, and nothing recurses.
//
//   import { follow } from "/static/jsondrip.js";
//   follow(new EventSource("/recipe"), {
//     onUpdate(value, op) { render(value, op); },
//     onDone(value) { ... },
//     onError(error) { show(error.message, error.line, error.column); },
//   });

/** A message that is malformed or does not fit the value. */
export class PatchError extends Error {
  constructor(message) {
    super(message);
    this.name = "PatchError";
  }
}

const hasOwn = (node, key) => Object.prototype.hasOwnProperty.call(node, key);
const isObject = (node) => typeof node === "object" && node !== null && !Array.isArray(node);
const INDEX = /^(0|[1-9][0-9]*)$/;

function setOwn(node, key, value) {
  Object.defineProperty(node, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/** JSON Pointer text for reference tokens: ["a/b", "0"] -> "/a~1b/0". */
export function pointer(tokens) {
  let out = "";
  for (const token of tokens) {
    out += "/" + String(token).replace(/~/g, "~0").replace(/\//g, "~1");
  }
  return out;
}

/** The unescaped reference tokens of a JSON Pointer (RFC 6901). */
export function parsePointer(text) {
  if (typeof text !== "string") throw new PatchError("a path must be a string");
  if (text === "") return [];
  if (text[0] !== "/") throw new PatchError(`a JSON Pointer starts with '/': ${JSON.stringify(text)}`);
  const tokens = text.slice(1).split("/");
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.includes("~")) {
      if (/~[^01]|~$/.test(token)) {
        throw new PatchError(`'~' must be followed by '0' or '1' in ${JSON.stringify(text)}`);
      }
      tokens[i] = token.replace(/~1/g, "/").replace(/~0/g, "~");
    }
  }
  return tokens;
}

/** A fresh receiving state: {value: null, cursor: null} (cursor: the open value's tokens). */
export function createState(value = null) {
  return { value, cursor: null };
}

function show(tokens) {
  return JSON.stringify(pointer(tokens));
}

function keyOf(node, token, tokens) {
  if (Array.isArray(node)) {
    if (!INDEX.test(token)) throw new PatchError(`${JSON.stringify(token)} in ${show(tokens)} is not an array index`);
    const index = Number(token);
    if (index >= node.length) throw new PatchError(`${show(tokens)} does not exist`);
    return index;
  }
  if (isObject(node)) {
    if (!hasOwn(node, token)) throw new PatchError(`${show(tokens)} does not exist`);
    return token;
  }
  throw new PatchError(`${show(tokens)} goes through a value that is not an object or array`);
}

function resolve(state, tokens, count) {
  let node = state.value;
  for (let i = 0; i < count; i++) node = node[keyOf(node, tokens[i], tokens)];
  return node;
}

function append(state, tokens, text) {
  if (tokens.length === 0) {
    if (typeof state.value !== "string") throw new PatchError("an append to a value that is not a string");
    state.value += text;
    return;
  }
  const parent = resolve(state, tokens, tokens.length - 1);
  const key = keyOf(parent, tokens[tokens.length - 1], tokens);
  if (typeof parent[key] !== "string") throw new PatchError(`an append to ${show(tokens)}, which is not a string`);
  if (Array.isArray(parent)) parent[key] += text;
  else setOwn(parent, key, parent[key] + text);
}

function put(state, tokens, value, replace) {
  if (tokens.length === 0) {
    if (replace && state.value === null) throw new PatchError("a replace of a root that does not exist");
    state.value = value;
    return;
  }
  const parent = resolve(state, tokens, tokens.length - 1);
  const token = tokens[tokens.length - 1];
  if (Array.isArray(parent)) {
    let index;
    if (token === "-") index = parent.length;
    else if (INDEX.test(token)) index = Number(token);
    else throw new PatchError(`${JSON.stringify(token)} in ${show(tokens)} is not an array index`);
    if (replace) {
      if (index >= parent.length) throw new PatchError(`a replace of ${show(tokens)}, which does not exist`);
      parent[index] = value;
    } else if (index === parent.length) parent.push(value);
    else if (index < parent.length) parent.splice(index, 0, value);
    else throw new PatchError(`an add at ${show(tokens)}, past the end of the array`);
  } else if (isObject(parent)) {
    if (replace && !hasOwn(parent, token)) throw new PatchError(`a replace of ${show(tokens)}, which does not exist`);
    setOwn(parent, token, value);
  } else {
    throw new PatchError(`the parent of ${show(tokens)} is not an object or array`);
  }
}

const opens = (value) => typeof value === "string" || (typeof value === "object" && value !== null);

/**
 * Apply one message (decoded JSON) to `state`; return it as an explicit op
 * {op, path, value?} (a bare string becomes {op: "append", path, value}).
 * Throws PatchError, leaving the state as it was, when the message does not fit.
 */
export function applyPatch(state, message) {
  if (typeof message === "string") {
    if (state.cursor === null) throw new PatchError("an append with no open string");
    append(state, state.cursor, message);
    return { op: "append", path: pointer(state.cursor), value: message };
  }
  if (!isObject(message)) throw new PatchError("a message is a string or an object");
  const op = message.op;
  if (op !== "add" && op !== "append" && op !== "end" && op !== "replace") {
    throw new PatchError(`unknown op ${JSON.stringify(op)}`);
  }
  let tokens;
  if (hasOwn(message, "path")) tokens = parsePointer(message.path);
  else if ((op === "end" || op === "append") && state.cursor !== null) tokens = state.cursor;
  else throw new PatchError(op === "end" ? "an end with no open value" : `${JSON.stringify(op)} needs a path`);
  if (op === "end") {
    resolve(state, tokens, tokens.length); // it must exist
    state.cursor = tokens.length ? tokens.slice(0, -1) : null;
    return { op, path: pointer(tokens) };
  }
  if (!hasOwn(message, "value")) throw new PatchError(`${JSON.stringify(op)} needs a value`);
  const value = message.value;
  if (op === "append") {
    if (typeof value !== "string") throw new PatchError("an append's value must be a string");
    append(state, tokens, value);
    state.cursor = tokens;
  } else {
    put(state, tokens, value, op === "replace");
    if (opens(value)) state.cursor = tokens;
  }
  return { op, path: pointer(tokens), value };
}

/** Server-sent events from text pieces: feed(text) -> [{event, data}] (W3C rules, comments skipped). */
export class SSEParser {
  constructor() {
    this.buffer = "";
    this.event = "";
    this.data = [];
    this.sawCR = false;
  }

  feed(text) {
    const events = [];
    let buffer = this.buffer + text;
    if (this.sawCR && buffer[0] === "\n") buffer = buffer.slice(1);
    this.sawCR = false;
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/g;
      match.lastIndex = start;
      const found = match.exec(buffer);
      if (found === null) break;
      if (found[0] === "\r" && found.index === buffer.length - 1) this.sawCR = true;
      this.line(buffer.slice(start, found.index), events);
      start = found.index + found[0].length;
    }
    this.buffer = buffer.slice(start);
    return events;
  }

  line(line, events) {
    if (line === "") {
      if (this.data.length) events.push({ event: this.event || "message", data: this.data.join("\n") });
      this.event = "";
      this.data = [];
      return;
    }
    if (line[0] === ":") return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value[0] === " ") value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
  }
}

/**
 * Follow a jsondrip patch stream (what jsondrip.web sends): an EventSource, a
 * fetch Response, or a ReadableStream of its bytes. Calls onUpdate(value, op)
 * after every message, then onDone(value) or onError(error) once, where error
 * has message, and offset/line/column/reason when the server sent them.
 * Returns {state, close(), finished: Promise<value>} (finished rejects with the error).
 */
export function follow(source, { onUpdate = () => {}, onDone = () => {}, onError = () => {} } = {}) {
  const state = createState();
  let ended = false;
  let closeSource = () => {};
  let settle;
  let fail;
  const finished = new Promise((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  finished.catch(() => {}); // a caller may use onError only

  const finish = (error) => {
    if (ended) return;
    ended = true;
    closeSource();
    if (error) {
      onError(error);
      fail(error);
    } else {
      onDone(state.value);
      settle(state.value);
    }
  };
  const failure = (data, fallback) => {
    let details = {};
    try {
      details = JSON.parse(data);
    } catch {
      details = {};
    }
    const error = new Error(isObject(details) && typeof details.message === "string" ? details.message : fallback);
    if (isObject(details)) {
      for (const key of ["offset", "line", "column", "reason", "type"]) if (hasOwn(details, key)) error[key] = details[key];
    }
    return error;
  };
  const dispatch = (event, data) => {
    if (ended) return;
    if (event === "message") {
      let op;
      try {
        op = applyPatch(state, JSON.parse(data));
      } catch (error) {
        finish(error);
        return;
      }
      onUpdate(state.value, op);
    } else if (event === "done") finish(null);
    else if (event === "error") finish(failure(data, "the server reported an error"));
  };

  if (typeof source.getReader === "function" || (source && source.body && typeof source.body.getReader === "function")) {
    const reader = (source.body || source).getReader();
    closeSource = () => {
      reader.cancel().catch(() => {});
    };
    (async () => {
      const decoder = new TextDecoder();
      const sse = new SSEParser();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const { event, data } of sse.feed(decoder.decode(value, { stream: true }))) dispatch(event, data);
          if (ended) return;
        }
        for (const { event, data } of sse.feed(decoder.decode() + "\n\n")) dispatch(event, data);
        finish(new Error("the stream ended before its end event"));
      } catch (error) {
        finish(error);
      }
    })();
  } else {
    closeSource = () => source.close();
    source.addEventListener("message", (event) => dispatch("message", event.data));
    source.addEventListener("done", () => dispatch("done", ""));
    source.addEventListener("error", (event) => {
      // A server "error" event has data; the browser's own one (connection lost) has none.
      if (typeof event.data === "string") dispatch("error", event.data);
      else finish(new Error("the connection was lost before the end event"));
    });
  }
  return {
    state,
    finished,
    close() {
      finish(new Error("closed by the page"));
    },
  };
}
