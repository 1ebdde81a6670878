// node --test tests/js: the browser client, against the shared conformance cases.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  PatchError,
  SSEParser,
  applyPatch,
  createState,
  follow,
  parsePointer,
  pointer,
} from "../../src/jsondrip/static/jsondrip.js";

const cases = JSON.parse(readFileSync(new URL("../conformance/patch_cases.json", import.meta.url), "utf8"));

test("the conformance file has cases", () => {
  assert.ok(cases.length > 30);
});

for (const kase of cases) {
  test(`conformance: ${kase.name}`, () => {
    const state = createState();
    const messages = kase.messages;
    const last = kase.error ? messages.length - 1 : messages.length;
    for (let i = 0; i < last; i++) applyPatch(state, structuredClone(messages[i]));
    if (kase.error) {
      const before = JSON.stringify(state.value);
      assert.throws(() => applyPatch(state, structuredClone(messages[last])), PatchError);
      assert.equal(JSON.stringify(state.value), before);
    }
    assert.deepEqual(state.value, kase.value);
    assert.equal(JSON.stringify(state.value), JSON.stringify(kase.value));
    assert.equal({}.polluted, undefined);
    assert.equal(Object.prototype.polluted, undefined);
  });
}

test("__proto__ and constructor keys stay own members, never the prototype", () => {
  const state = createState();
  for (const message of [
    { op: "add", path: "", value: {} },
    { op: "add", path: "/__proto__", value: { polluted: "yes" } },
    { op: "add", path: "/__proto__/more", value: "x" },
    "y",
    { op: "add", path: "/constructor", value: {} },
  ]) {
    applyPatch(state, message);
  }
  assert.equal(Object.getPrototypeOf(state.value), Object.prototype);
  assert.ok(Object.prototype.hasOwnProperty.call(state.value, "__proto__"));
  assert.deepEqual(Object.keys(state.value), ["__proto__", "constructor"]);
  assert.equal(state.value.__proto__.more, "xy");
  assert.equal({}.polluted, undefined);
  assert.equal({}.more, undefined);
  assert.equal(JSON.stringify(state.value), '{"__proto__":{"polluted":"yes","more":"xy"},"constructor":{}}');
});

test("a path 100,000 levels deep is walked without recursion", () => {
  const depth = 100_000;
  const root = [];
  let node = root;
  for (let i = 1; i < depth; i++) {
    const next = [];
    node.push(next);
    node = next;
  }
  node.push("x");
  const state = createState(root);
  const path = "/0".repeat(depth);
  assert.deepEqual(applyPatch(state, { op: "append", path, value: "y" }).op, "append");
  applyPatch(state, "z");
  applyPatch(state, { op: "end" });
  assert.equal(node[0], "xyz");
  assert.equal(state.cursor.length, depth - 1);
});

test("pointers escape ~ and / and keep empty keys", () => {
  const tokens = ["", "/", "~", "~1", "a/b~c", "__proto__"];
  const text = pointer(tokens);
  assert.equal(text, "//~1/~0/~01/a~1b~0c/__proto__");
  assert.deepEqual(parsePointer(text), tokens);
  for (const bad of ["a", "/~", "/~2", "/a~"]) assert.throws(() => parsePointer(bad), PatchError);
});

const STREAM = [
  ": heartbeat\n\n",
  'data: {"op":"add","path":"","value":{}}\n\n',
  'data: {"op":"add","path":"/title","value":"Crè"}\n\n',
  'data: "me brûlée 🥄"\n\n',
  'data: {"op":"end"}\n\n',
  'data: {"op":"add","path":"/n","value":4}\r\n\r\n',
  "data: {\"op\":\ndata: \"end\"}\n\n",
  "event: done\ndata: {}\n\n",
].join("");
const FINAL = { title: "Crème brûlée 🥄", n: 4 };

function streamOf(bytes, cuts) {
  let index = 0;
  return new ReadableStream({
    pull(controller) {
      if (index >= bytes.length) {
        controller.close();
        return;
      }
      const size = cuts[index % cuts.length];
      controller.enqueue(bytes.slice(index, index + size));
      index += size;
    },
  });
}

for (const cuts of [[1], [2, 3], [7], [1000]]) {
  test(`follow() reads a byte stream cut every ${cuts} bytes`, async () => {
    const bytes = new TextEncoder().encode(STREAM);
    const seen = [];
    let done = null;
    const handle = follow(streamOf(bytes, cuts), {
      onUpdate: (value, op) => seen.push([JSON.stringify(value), op.op, op.path]),
      onDone: (value) => {
        done = value;
      },
      onError: (error) => assert.fail(error),
    });
    assert.deepEqual(await handle.finished, FINAL);
    assert.deepEqual(done, FINAL);
    assert.deepEqual(seen[1], ['{"title":"Crè"}', "add", "/title"]);
    assert.deepEqual(seen[2], ['{"title":"Crème brûlée 🥄"}', "append", "/title"]);
    assert.deepEqual(seen.at(-1), [JSON.stringify(FINAL), "end", ""]);
  });
}

test("follow() reports the server's error event with its position", async () => {
  const text = 'data: {"op":"add","path":"","value":["a"]}\n\nevent: error\ndata: {"message":"cut","offset":5,"line":1,"column":6,"reason":"finish_reason=length"}\n\n';
  const errors = [];
  const handle = follow(streamOf(new TextEncoder().encode(text), [4]), { onError: (error) => errors.push(error) });
  await assert.rejects(handle.finished, /cut/);
  assert.equal(errors.length, 1);
  assert.deepEqual([errors[0].line, errors[0].column, errors[0].offset, errors[0].reason], [1, 6, 5, "finish_reason=length"]);
  assert.deepEqual(handle.state.value, ["a"]);
});

test("follow() reports a stream that ends without its end event", async () => {
  const text = 'data: {"op":"add","path":"","value":"a"}\n\ndata: "b"\n\n';
  const handle = follow(streamOf(new TextEncoder().encode(text), [3]), {});
  await assert.rejects(handle.finished, /ended before its end event/);
  assert.equal(handle.state.value, "ab");
});

test("follow() refuses a message that does not fit", async () => {
  const text = 'data: "orphan"\n\nevent: done\ndata: {}\n\n';
  const handle = follow(streamOf(new TextEncoder().encode(text), [100]), {});
  await assert.rejects(handle.finished, PatchError);
});

class FakeEventSource extends EventTarget {
  constructor() {
    super();
    this.closed = false;
  }
  close() {
    this.closed = true;
  }
  send(type, data) {
    this.dispatchEvent(data === undefined ? new Event(type) : new MessageEvent(type, { data }));
  }
}

test("follow() reads an EventSource and closes it at the end (no reconnect)", async () => {
  const source = new FakeEventSource();
  const values = [];
  const handle = follow(source, { onUpdate: (value) => values.push(JSON.stringify(value)) });
  source.send("message", '{"op":"add","path":"","value":[]}');
  source.send("message", '{"op":"add","path":"/0","value":"x"}');
  source.send("message", '"y"');
  source.send("done", "{}");
  assert.deepEqual(await handle.finished, ["xy"]);
  assert.deepEqual(values, ["[]", '["x"]', '["xy"]']);
  assert.ok(source.closed);
  source.send("message", '"ignored"');
  assert.deepEqual(handle.state.value, ["xy"]);
});

test("follow() tells a lost EventSource connection from a server error", async () => {
  const lost = new FakeEventSource();
  const handle = follow(lost, {});
  lost.send("error");
  await assert.rejects(handle.finished, /connection was lost/);
  assert.ok(lost.closed);

  const failed = new FakeEventSource();
  const other = follow(failed, {});
  failed.send("error", '{"message":"expected a value","line":2,"column":3}');
  await assert.rejects(other.finished, (error) => error.message === "expected a value" && error.line === 2);
});

test("the SSE parser handles CR, CRLF split across pieces, comments and multi-line data", () => {
  const parser = new SSEParser();
  const events = [];
  for (const piece of ["data: a\r", "\ndata:b\r", "\r", ": comment\n", "event: x\ndata\n\n"]) {
    events.push(...parser.feed(piece));
  }
  assert.deepEqual(events, [
    { event: "message", data: "a\nb" },
    { event: "x", data: "" },
  ]);
});
