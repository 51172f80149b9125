/** killCursors: closes the listed cursors of a namespace and reports which were found. */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { arrayOf, long, type Parsed, parseShape, required } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName } from "../params/names.ts";

const FIELDS = {
  cursors: required(arrayOf(long)),
} as const;

export type KillCursorsParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseKillCursors(body: Doc): KillCursorsParams {
  return {
    ...parseShape("killCursors", body, FIELDS, { skip: "killCursors", alsoAccept: GENERIC_FIELDS }),
    collection: cursorCollection(body),
  };
}

/**
 * The namespace's collection part: a collection, or the `$cmd.<command>` part of a cursor no collection
 * holds (a database-level aggregate or change stream, listCollections, listIndexes), which drivers kill by
 * the namespace its reply named.
 */
function cursorCollection(body: Doc): string {
  const v = body["killCursors"];
  return typeof v === "string" && v.startsWith("$cmd.") && v.length > 5
    ? v
    : collectionName("killCursors", body);
}

function run(ctx: RequestContext<KillCursorsParams>): Doc {
  const ns = `${ctx.db}.${ctx.params.collection}`;
  const killed: Long[] = [];
  const notFound: Long[] = [];
  // Another user's cursor needs killAnyCursor on the namespace (mongod).
  const anyCursor = ctx.authorizer.isAuthorized(ctx.client, "killAnyCursor", {
    kind: "collection",
    db: ctx.db,
    collection: ctx.params.collection,
  });
  for (const id of ctx.params.cursors) {
    const c = ctx.cursors.get(id);
    if (c && c.ns === ns && !anyCursor && !ctx.auth.ownsCursor(ctx.client, c.connectionId)) {
      throw new CommandError("Unauthorized", `not authorized to kill cursor ${id} on ${ns}`);
    }
    if (c && c.ns === ns && ctx.cursors.kill(id)) killed.push(Long.fromBigInt(id));
    else notFound.push(Long.fromBigInt(id));
  }
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
}

export const killCursors = defineCommand<KillCursorsParams>({
  name: "killCursors",
  help: "closes cursors: {killCursors: <coll>, cursors: [<id>...]}",
  auth: "killCursors",
  parse: parseKillCursors,
  run,
});
