// node tests/js/apply_streams.mjs CASES.json: apply each case's messages with
// jsondrip.js and check the value against the expected JSON text, parsed by
// JavaScript itself (so numbers go through the same double rounding on both
// sides). Prints one line per failing case; exits 1 if there is one.
import { readFileSync } from "node:fs";

import { applyPatch, createState } from "../../src/jsondrip/static/jsondrip.js";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failed = 0;
cases.forEach((kase, index) => {
  const state = createState();
  try {
    for (const text of kase.messages) applyPatch(state, JSON.parse(text));
  } catch (error) {
    failed += 1;
    console.log(`case ${index}: ${error.message}`);
    return;
  }
  const got = JSON.stringify(state.value);
  const want = JSON.stringify(JSON.parse(kase.expected));
  if (got !== want) {
    failed += 1;
    console.log(`case ${index}: got ${got}, want ${want}`);
  }
});
console.log(`${cases.length - failed} of ${cases.length} cases`);
process.exit(failed ? 1 : 0);
