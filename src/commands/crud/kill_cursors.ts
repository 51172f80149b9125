/** killCursors: closes the listed cursors of a namespace and reports which were found. */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { collectionName, optArray } from "../params/readers.ts";
import { cursorIdOf } from "./get_more.ts";

function run(ctx: CommandContext, body: Doc): Doc {
  const name = collectionName("killCursors", body);
  const ns = `${ctx.db}.${name}`;
  const ids = optArray("killCursors", body, "cursors");
  if (!ids) throw new CommandError(40414, "BSON field 'killCursors.cursors' is missing but a required field");
  const killed: Long[] = [];
  const notFound: Long[] = [];
  for (const raw of ids) {
    const id = cursorIdOf("killCursors.cursors", raw);
    const c = ctx.cursors.get(id);
    if (c && c.ns === ns && ctx.cursors.kill(id)) killed.push(Long.fromBigInt(id));
    else notFound.push(Long.fromBigInt(id));
  }
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
}

export const killCursors: LegacyCommandSpec = {
  name: "killCursors",
  help: "closes cursors: {killCursors: <coll>, cursors: [<id>...]}",
  auth: "killCursors",
  fields: { cursors: "required" },
  run,
};
