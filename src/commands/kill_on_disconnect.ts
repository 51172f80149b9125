/**
 * Which requests stop when their client hangs up (279 ClientDisconnect; the watch itself is
 * observability/disconnect_watch.ts): the commands mongod marks kill-on-disconnect — those whose
 * outcome nobody could observe once the client is gone: reads (find, getMore, an aggregate without
 * `$out` / `$merge`, count, distinct, the list commands), hello and the authentication steps — and
 * every exhaust request. A write runs to its end: its effect outlives the connection.
 */
const KILL_ON_DISCONNECT: ReadonlySet<string> = new Set([
  "find",
  "getMore",
  "count",
  "distinct",
  "listCollections",
  "listDatabases",
  "listIndexes",
  "hello",
  "isMaster",
  "ismaster",
  "saslStart",
  "saslContinue",
  "authenticate",
  "getnonce",
]);

/** Does `command` (its canonical name and body) stop when its client disconnects? */
export function killsOnDisconnect(
  command: string,
  body: Readonly<Record<string, unknown>>,
  exhaust: boolean,
): boolean {
  if (exhaust || KILL_ON_DISCONNECT.has(command)) return true;
  return command === "aggregate" && !writesOutput(body["pipeline"]);
}

/** A pipeline ending in `$out` or `$merge` (mongod's aggHasWriteStage). */
function writesOutput(pipeline: unknown): boolean {
  if (!Array.isArray(pipeline) || pipeline.length === 0) return false;
  const last = pipeline[pipeline.length - 1];
  return last !== null && typeof last === "object" && ("$out" in last || "$merge" in last);
}
