/**
 * text_index_upgrade.ts — rewrites, at startup, the text indexes written in an earlier layout (their
 * catalog `keyFormat` is not `TEXT_TERM_KEYS`): without one, one placeholder entry per document;
 * `TEXT_TERM_KEYS_V2`, term entries that differed from mongod's for some documents (keys/
 * text_keys_v2.ts). `$text` does not read such an index: it scans the collection around it
 * (commands/shared/compile_query.ts) until this has rewritten it. Each is rewritten through the
 * yielding index build (index_build.ts): every record's earlier entries removed and its current
 * entries added, in batches that yield to clients, the collection registered in `IndexBuilds`
 * meanwhile (createIndexes and transactions on it wait, as for a build). While the index is not
 * marked, writes add current entries only and remove the earlier entries of the document they
 * replace or delete (index_keys.ts `removeOnly`), so the entries are exact when the rewrite ends and
 * the index is marked `TEXT_TERM_KEYS`. A stop or crash part way leaves it unmarked: the next start
 * rewrites it again (adding an entry twice, or removing a missing one, is a no-op). Documents an
 * earlier version let in that mongod refuses (a bad language override, an array in a suffix field)
 * get their keys read leniently here, as their later removal computes them.
 */
import type { CollectionEntry, IndexEntry, StorageEngine, WriteTxn } from "../storage/api.ts";
import { TEXT_TERM_KEYS } from "../keys/text_keys.ts";
import { loadTextLanguages } from "../keys/text_language.ts";
import { textIndexInfo } from "../keys/text_terms.ts";
import { decode } from "./rows.ts";
import { type IndexKeyOptions, keysForIndex, previousTextKeys } from "./index_keys.ts";
import { buildIndex, IndexBuildError } from "./index_build.ts";
import type { IndexBuilds } from "./index_builds.ts";
import { OpControl } from "../observability/op_control.ts";

/**
 * Whether any collection has a text index (built or building). The server then loads the stemmers
 * before it serves: background work (TTL deletes, a resumed build) computes those indexes' keys.
 */
export function hasTextIndexes(storage: StorageEngine): boolean {
  const cat = storage.catalog;
  for (const db of cat.listDatabases()) {
    for (const coll of cat.listCollections(db)) {
      if (coll.indexes.some((ix) => textIndexInfo(ix.spec))) return true;
    }
  }
  return false;
}

/** The text indexes still in an earlier layout (finished builds only). */
export function legacyTextIndexes(storage: StorageEngine): { coll: CollectionEntry; ix: IndexEntry }[] {
  const out: { coll: CollectionEntry; ix: IndexEntry }[] = [];
  const cat = storage.catalog;
  for (const db of cat.listDatabases()) {
    for (const coll of cat.listCollections(db)) {
      for (const ix of coll.indexes) {
        if (!ix.building && ix.keyFormat !== TEXT_TERM_KEYS && textIndexInfo(ix.spec)) out.push({ coll, ix });
      }
    }
  }
  return out;
}

/** One record: its entries of the earlier layout out, its current entries in. */
function rewriteRecord(
  txn: WriteTxn,
  coll: CollectionEntry,
  ix: IndexEntry,
  keyOpts: IndexKeyOptions,
  rec: { readonly rid: bigint; readonly bytes: Uint8Array },
): void {
  const doc = decode(rec.bytes);
  let previous;
  try {
    previous = previousTextKeys(ix, doc, keyOpts);
  } catch {
    previous = null; // a document the old layout could not have indexed either
  }
  if (previous) txn.removeIndexKeys(coll, rec.rid, new Map([[ix.name, previous]]));
  try {
    // (a refusal is ignored: the document was stored before it existed, see above)
    const terms = keysForIndex({ ...ix, keyFormat: TEXT_TERM_KEYS }, doc, keyOpts);
    if (terms === null || terms.keys.length === 0) return;
    const keys = new Map([[ix.name, terms.keys]]);
    txn.insertIndexKeys(coll, rec.rid, Object.assign(keys, { multikey: [ix.name] }));
  } catch (e) {
    throw new IndexBuildError(e, doc);
  }
}

/** Rewrites one legacy text index and marks it; throws as a build does (276 when it was dropped). */
export async function upgradeTextIndex(
  storage: StorageEngine,
  coll: CollectionEntry,
  ix: IndexEntry,
  keyOpts: IndexKeyOptions,
  ctl?: OpControl,
): Promise<void> {
  await buildIndex(storage, coll, ix, keyOpts, ctl, rewriteRecord);
  // no await since the last batch: no write came in between
  storage.catalog.updateIndex(coll.db, coll.name, ix.name, { keyFormat: TEXT_TERM_KEYS });
}

export interface TextIndexUpgrades {
  /** Resolves when every rewrite ended (done, failed or stopped). */
  readonly done: Promise<void>;
  /** Stops the rewrites at their next yield (each index stays unmarked) and waits for them. */
  stop(): Promise<void>;
}

/**
 * Starts rewriting every legacy text index, one after another in the background, each logged as a
 * WARNING when it starts (naming the index) and at INFO when it is done. Registers every affected
 * collection in `builds` before returning.
 */
export function startTextIndexUpgrades(
  storage: StorageEngine,
  builds: IndexBuilds,
  keyOpts: IndexKeyOptions,
  log: { warning(msg: string): void; info(msg: string): void },
): TextIndexUpgrades {
  const todo = legacyTextIndexes(storage);
  const ctl = new OpControl();
  const ends = todo.map(({ coll }) => builds.begin(`${coll.db}.${coll.name}`));
  const run = async () => {
    await loadTextLanguages();
    for (let i = 0; i < todo.length; i++) {
      const { coll, ix } = todo[i]!;
      const name = `${coll.db}.${coll.name} index ${ix.name}`;
      try {
        ctl.check(); // stopped: the rest stay as they are until the next start
        log.warning(
          `text index ${name} was written in an earlier key format (${ix.keyFormat ?? "placeholders"}): ` +
            "rewriting it; $text scans the collection until done",
        );
        const t0 = performance.now();
        await upgradeTextIndex(storage, coll, ix, keyOpts, ctl);
        log.info(
          `text index ${name} rewritten in key format ${TEXT_TERM_KEYS} in ${
            (performance.now() - t0).toFixed(0)
          } ms`,
        );
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        log.warning(`text index ${name} not rewritten (${why}); $text keeps scanning the collection`);
      } finally {
        ends[i]!();
      }
    }
  };
  const done = todo.length === 0 ? Promise.resolve() : run();
  return {
    done,
    stop: async () => {
      ctl.kill("interrupted at shutdown", "InterruptedAtShutdown");
      await done;
    },
  };
}
