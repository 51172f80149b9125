/**
 * Which `opcounters` field one command bumps, counted once by dispatch: `find` is a query, `getMore`
 * a getmore, every other command a command — except insert/update/delete, whose own files count
 * documents/statements as mongod does (and bulkWrite/findAndModify their inner operations).
 */
import type { Counters } from "../observability/counters.ts";

const COUNTED_BY_COMMAND: ReadonlySet<string> = new Set(["insert", "update", "delete"]);

export function countCommand(counters: Counters, name: string): void {
  if (name === "find") counters.opcounters.query++;
  else if (name === "getMore") counters.opcounters.getmore++;
  else if (!COUNTED_BY_COMMAND.has(name)) counters.opcounters.command++;
}
