import assert from "node:assert/strict";
import { bindOne, bindOneOff, ONE_OFF_SYMBOLS, SHIM_FILE_NAME, warming } from "./load.ts";
import { SYMBOLS } from "./symbols.ts";

Deno.test("a library without a shim symbol: the error names it, the file and `deno task shim`", () => {
  // libc stands in for a shim built before sct_version existed
  assert.throws(
    () => bindOne("libc.so.6", "sct_version"),
    (e: unknown) =>
      e instanceof Error && e.message.includes("libc.so.6 has no symbol sct_version") &&
      e.message.includes("`deno task shim`") && e.cause instanceof Error,
  );
});

Deno.test("an unloadable library is not reported as a missing symbol", () => {
  assert.throws(
    () => bindOne("/nonexistent/libsecantus_wt.so", "sct_version"),
    (e: unknown) => e instanceof Error && !e.message.includes("deno task shim"),
  );
});

Deno.test("a one-off symbol is called through its address, and a missing one is named like the others", () => {
  const path = new URL(`./shim/${SHIM_FILE_NAME}`, import.meta.url).pathname;
  const version = bindOneOff(path, "sct_version") as (meta: BigInt64Array) => number;
  const meta = new BigInt64Array(3);
  assert.equal(version(meta), 0);
  assert.ok(meta[0]! >= 3n, `WiredTiger major version ${meta[0]}`);
  assert.throws(
    () => bindOneOff("libc.so.6", "sct_version"),
    (e: unknown) => e instanceof Error && e.message.includes("libc.so.6 has no symbol sct_version"),
  );
});

Deno.test("one-off symbols are synchronous shim functions", () => {
  for (const name of ONE_OFF_SYMBOLS) {
    const def: Deno.ForeignFunction = SYMBOLS[name];
    assert.ok(def.nonblocking !== true, name);
  }
});

Deno.test("a warming symbol answers through its address, then through its trampoline after its calls", () => {
  const path = new URL(`./shim/${SHIM_FILE_NAME}`, import.meta.url).pathname;
  let binds = 0;
  const version = warming(path, "sct_version", 3, () => {
    binds++;
    return bindOne(path, "sct_version").symbols.sct_version as (...args: never[]) => unknown;
  }) as (meta: BigInt64Array) => number;
  assert.equal(version.name, "sct_version");
  assert.equal(version.length, SYMBOLS.sct_version.parameters.length);
  const answers: bigint[] = [];
  for (let i = 0; i < 6; i++) {
    const meta = new BigInt64Array(3);
    assert.equal(version(meta), 0);
    answers.push(meta[0]!);
    assert.equal(binds, i < 2 ? 0 : 1, `after call ${i + 1}`);
  }
  assert.ok(answers.every((v) => v === answers[0] && v >= 3n), `major versions ${answers}`);
  assert.throws(
    () => warming("libc.so.6", "sct_version", 3),
    (e: unknown) => e instanceof Error && e.message.includes("libc.so.6 has no symbol sct_version"),
  );
});
