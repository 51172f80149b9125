/**
 * The cost of one call into the WiredTiger shim as the server makes it (`shim().sct_…(…)` from a small
 * function called per operation), in steady state, against a trampoline bound directly with `Deno.dlopen`
 * and against Deno's generic call path (`Deno.UnsafeFnPointer`), all in one run (issue 18). The first
 * should match the second: a shim call site that V8 cannot turn into a fast API call costs ~4–5× more
 * (the nineteenth session's 927499b did that to every call site: ~91 ns instead of ~18).
 *   deno run -A bench/ffi_call_bench.ts [--calls N]     (default 2,000,000 per round, 3 rounds, median)
 */
import { bindOne, bindOneOff, shim, SHIM_FILE_NAME } from "../ffi/wiredtiger/load.ts";
import { cliOption } from "./lib/cli_option.ts";

const CALLS = Number(cliOption(Deno.args)("--calls", "2000000"));
const path = new URL(`../ffi/wiredtiger/shim/${SHIM_FILE_NAME}`, import.meta.url).pathname;
const buf = new Uint8Array(64);
type Strerror = (code: number, out: Uint8Array, len: number) => number;

const direct = bindOne(path, "sct_strerror").symbols.sct_strerror as Strerror;
const generic = bindOneOff(path, "sct_strerror") as Strerror;

/**
 * Median ns per call over three rounds, after a warm-up, of `round` (one loop of `n` calls). Each path has
 * its own loop function: one shared loop's call site would see three targets and measure V8's generic call.
 */
function nsPerCall(round: (n: number) => number): number {
  round(10_000);
  const rounds: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    const s = round(CALLS);
    rounds.push((performance.now() - t) * 1e6 / CALLS + (s === 0.5 ? 1 : 0));
  }
  return rounds.sort((a, b) => a - b)[1]!;
}

/** As the server calls the shim: `shim().sct_…(…)` in a small function called per operation. */
function serverCall(): number {
  return shim().sct_strerror(-31800, buf, buf.length);
}
function viaShimRound(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += serverCall();
  return s;
}
function viaTrampolineRound(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += direct(-31800, buf, buf.length);
  return s;
}
function viaGenericRound(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += generic(-31800, buf, buf.length);
  return s;
}

const viaShim = nsPerCall(viaShimRound);
const viaTrampoline = nsPerCall(viaTrampolineRound);
const viaGeneric = nsPerCall(viaGenericRound);
console.log(`ns per call of sct_strerror, median of 3 rounds of ${CALLS}:`);
console.log("| path | ns/call | vs trampoline |");
console.log("|---|---:|---:|");
for (
  const [label, ns] of [["shim() (the server's calls)", viaShim], ["direct trampoline", viaTrampoline], [
    "generic (UnsafeFnPointer)",
    viaGeneric,
  ]] as const
) {
  console.log(`| ${label} | ${ns.toFixed(1)} | ${(ns / viaTrampoline).toFixed(2)}× |`);
}
