/**
 * convertToCapped: `{convertToCapped: <collection>, size}` turns a collection of the request's database
 * into a capped collection of `size` bytes, as mongod 8.0 does it: clone into a temporary capped
 * collection `tmp<5 random>.convertToCapped.<name>` (documents in natural order, the oldest evicted
 * when they do not fit; the source's options kept; only the `_id` index — secondary indexes are
 * gone afterwards, as on mongod), then drop the original and rename the temporary collection onto
 * it (a new UUID; cursors on it are killed). The oplog shows those steps (create, inserts, drop,
 * renameCollection). Errors as cloneCollectionAsCapped (commands/shared/capped_clone.ts): 72 for a
 * zero / missing size, 26 missing database or collection, 166 a view, 2 a negative size or over 1 PB;
 * 73 for a bad name. A system collection other than `system.profile` is refused (20) here: converting
 * `system.views` or `system.js` would break what reads them. Refused inside transactions (263).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { collectionName } from "../params/names.ts";
import { cappedSizeArg, cloneAsCapped, cloneSource, requireDatabase } from "../shared/capped_clone.ts";
import { afterTransactions, heldByTransactions } from "../shared/transaction_holders.ts";

export interface ConvertToCappedParams {
  readonly collection: string;
  readonly size: number;
}

export function parseConvertToCapped(body: Doc): ConvertToCappedParams {
  return { collection: collectionName("convertToCapped", body), size: cappedSizeArg(body["size"]) };
}

const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** mongod's `makeUniqueCollectionName` for "tmp%%%%%.convertToCapped.<name>". */
function tempName(ctx: RequestContext, name: string): string {
  for (;;) {
    let r = "";
    for (const b of crypto.getRandomValues(new Uint8Array(5))) r += ALNUM[b % ALNUM.length];
    const tmp = `tmp${r}.convertToCapped.${name}`;
    if (!ctx.storage.catalog.getCollection(ctx.db, tmp)) return tmp;
  }
}

async function run(ctx: RequestContext<ConvertToCappedParams>): Promise<Doc> {
  const { collection: name, size } = ctx.params;
  const ns = `${ctx.db}.${name}`;
  if (name.startsWith("system.") && name !== "system.profile") {
    throw new CommandError("IllegalOperation", `cannot convert system collection ${ns} to capped`);
  }
  requireDatabase(ctx);
  const source = cloneSource(ctx, name);
  const tmp = tempName(ctx, name);
  await cloneAsCapped(ctx, source, tmp, size, false);
  // No await from here on: the swap happens in one turn of the event loop.
  const catalog = ctx.storage.catalog;
  if (heldByTransactions(ctx, { namespaces: [ns] })) {
    // a transaction wrote the source while it was being cloned (mongod's exclusive lock rules that
    // out): keep the source as it is rather than swap in a copy without those writes
    catalog.dropCollection(ctx.db, tmp);
    throw new CommandError(
      "ConflictingOperationInProgress",
      `a transaction wrote ${ns} while it was being converted to capped; retry once it has ended`,
    );
  }
  ctx.cursors.killNamespace(ns);
  catalog.dropCollection(ctx.db, name);
  catalog.renameCollection(ctx.db, tmp, ctx.db, name);
  return { ok: 1 };
}

export const convertToCapped = defineCommand<ConvertToCappedParams>({
  name: "convertToCapped",
  help: "{ convertToCapped:<fromCollectionName>, size:<sizeInBytes> }",
  auth: "convertToCapped",
  parse: parseConvertToCapped,
  run: afterTransactions((ctx) => ({ namespaces: [`${ctx.db}.${ctx.params.collection}`] }), run),
});
