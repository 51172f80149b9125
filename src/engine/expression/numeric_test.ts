import assert from "node:assert/strict";
import { Double, Int32, Long } from "bson";
import { arith, numKind } from "./numeric.ts";

/** arith's result as [kind, exact value as a string]. */
function shown(v: unknown): [string | undefined, string] {
  const k = numKind(v);
  if (k === "long") return [k, (v as Long).toBigInt().toString()];
  if (k === "double") return [k, String(typeof v === "number" ? v : (v as Double).value)];
  return [k, String(typeof v === "number" ? v : (v as Int32).value)];
}

Deno.test("arith: int and long results are exact on both sides of 2^53; overflow widens int → long → double", () => {
  const L = (b: bigint) => Long.fromBigInt(b);
  const cases: [string, unknown, unknown, [string, string]][] = [
    ["add", 2147483647, 1, ["long", "2147483648"]],
    ["mul", 65536, 65536, ["long", "4294967296"]],
    ["sub", -2147483648, 1, ["long", "-2147483649"]],
    ["add", L(9007199254740991n), 1, ["long", "9007199254740992"]],
    ["add", L(9007199254740992n), 1, ["long", "9007199254740993"]],
    ["mul", L(3037000499n), L(3037000499n), ["long", "9223372030926249001"]],
    ["mul", L(4294967296n), 4294967, ["long", "18446742802399232"]],
    ["mul", L(4294967296n), L(4294967296n), ["double", "18446744073709552000"]],
    ["add", L(9223372036854775807n), 1, ["double", "9223372036854776000"]],
    ["sub", L(-9223372036854775808n), 1, ["double", "-9223372036854776000"]],
    ["add", L(5n), new Int32(7), ["long", "12"]],
    ["add", new Int32(5), new Int32(7), ["int", "12"]],
    ["mul", L(-3n), 0, ["long", "0"]],
    ["add", L(1n), 0.5, ["double", "1.5"]],
  ];
  for (const [op, a, b, want] of cases) {
    const got = shown(arith(op as "add", a, b));
    if (want[0] === "double") {
      assert.equal(got[0], "double", `${op} ${a} ${b}`);
      assert.equal(Number(got[1]), Number(want[1]), `${op} ${a} ${b}`);
    } else assert.deepEqual(got, want, `${op} ${a} ${b}`);
  }
});

Deno.test("arith: random longs agree with BigInt arithmetic", () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const big = (): bigint => {
    const bits = Math.floor(rnd() * 62);
    return BigInt(Math.floor(rnd() * 2 ** Math.min(bits, 52))) * (rnd() < 0.5 ? -1n : 1n) *
        (bits > 52 ? 2n ** BigInt(bits - 52) : 1n) + BigInt(Math.floor(rnd() * 7));
  };
  for (let i = 0; i < 5_000; i++) {
    const x = big();
    const y = big();
    for (const op of ["add", "sub", "mul"] as const) {
      const exact = op === "add" ? x + y : op === "sub" ? x - y : x * y;
      const r = arith(op, Long.fromBigInt(x), Long.fromBigInt(y));
      if (exact >= -(2n ** 63n) && exact < 2n ** 63n) {
        assert.equal(numKind(r), "long", `${x} ${op} ${y}`);
        assert.equal((r as Long).toBigInt(), exact, `${x} ${op} ${y}`);
      } else {
        assert.equal(numKind(r), "double", `${x} ${op} ${y}`);
      }
    }
  }
});
