/**
 * The mongosh runner shared by integration tests: where mongosh is (undefined = not installed, the
 * tests are skipped) and `runMongosh(uri, script)`, which fails unless mongosh exits 0 and returns its
 * stdout.
 */
import assert from "node:assert/strict";

function mongoshPath(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const p = `${dir}/mongosh`;
      if (Deno.statSync(p).isFile) return p;
    } catch { /* not here */ }
  }
  return undefined;
}

export const MONGOSH = mongoshPath();

/** Runs a mongosh --eval script against `uri`; fails the test unless it exits 0; returns its stdout. */
export async function runMongosh(uri: string, script: string): Promise<string> {
  const out = await new Deno.Command(MONGOSH!, {
    args: [uri, "--quiet", "--norc", "--eval", script],
    stdout: "piped",
    stderr: "piped",
    env: { MONGOSH_NO_UPDATE_CHECK: "1", DO_NOT_TRACK: "1" },
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `mongosh failed: ${stdout}\n${stderr}`);
  return stdout;
}
