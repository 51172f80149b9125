/**
 * The official mongodump / mongorestore / bsondump (../shared/tools/mongo-tools, 100.8.0) for tests:
 * where they are, whether they are there (tests that need them are ignored otherwise), and a bounded
 * run of one of them.
 */
export const MONGO_TOOLS_BIN = new URL("../../../../shared/tools/mongo-tools/bin/", import.meta.url).pathname;

export const haveMongoTools = await Deno.stat(`${MONGO_TOOLS_BIN}mongodump`).then(() => true, () => false);

export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a tool with `args` (60 s at most) and returns its exit code and output. */
export async function runTool(name: string, args: string[]): Promise<ToolRun> {
  const out = await new Deno.Command(`${MONGO_TOOLS_BIN}${name}`, {
    args,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}
