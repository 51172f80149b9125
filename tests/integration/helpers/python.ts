/**
 * The pymongo runner shared by integration tests: whether Debian's python3 with pymongo is installed
 * (`scripts/setup.sh test` installs it; otherwise the pymongo parts are skipped with a message) and
 * `runPython(script, ...args)`, which fails unless the script exits 0 and returns its one JSON output.
 */
import assert from "node:assert/strict";

const PYTHON = "/usr/bin/python3";

export const HAS_PYMONGO: boolean = (() => {
  try {
    return new Deno.Command(PYTHON, { args: ["-c", "import pymongo"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** Runs `python3 -c script ...args`; it must exit 0 and print one JSON document, which is returned. */
// deno-lint-ignore no-explicit-any
export async function runPython(script: string, ...args: string[]): Promise<any> {
  const out = await new Deno.Command(PYTHON, {
    args: ["-c", script, ...args],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}
