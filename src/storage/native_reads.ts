/** The storage engine's side of point reads made off the JS thread (the wire server's I/O thread). */

/**
 * A table's record id counter kept outside the engine (the I/O thread's inserts take ids from it too):
 * `take` hands out the next id, `last` is the last one handed out (by either side).
 */
export interface SharedRecordIds {
  take(): bigint;
  last(): bigint;
}

/** What `tables` reads of a collection's catalog entry (api.ts's CollectionEntry has these). */
interface TablesOf {
  readonly ident: string;
  readonly indexes: readonly { readonly name: string; readonly ident: string }[];
}

/**
 * Reads made outside the JS thread (the wire server's I/O thread answers a find by `_id` itself,
 * ffi/wiredtiger/shim/io_fast.c): the engine's native connection, a collection's record and `_id_`
 * index tables (and other indexes' tables, for finds over a single-field index), and a signal before
 * any catalog change commits (let go of every table then); for writes made there, the counts they
 * change and the record id counter inserts share.
 */
export interface NativeReads {
  /** The WiredTiger connection (open until the engine closes). */
  readonly handle: Deno.PointerObject;
  /** Its commits write WiredTiger's log (on disk; not an in-memory engine). */
  readonly logged: boolean;
  /** The table URIs a point read by `_id` uses; undefined when the collection has no `_id_` index. */
  tables(coll: TablesOf): { readonly record: string; readonly idIndex: string } | undefined;
  /** The table URI of the collection's index `name`; undefined when it has none of that name. */
  indexTable(coll: TablesOf, name: string): string | undefined;
  /** `fn` before each user-visible catalog change commits; returns a function that unregisters it. */
  onCatalogChange(fn: () => void): () => void;
  /**
   * `fn(uri, true)` before the engine takes table `uri` exclusively (discarding its clean pages: no
   * cursor may stay open on it), `fn(uri, false)` after; returns a function that unregisters it.
   */
  onTableHold(fn: (uri: string, held: boolean) => void): () => void;
  /** The table URI of an internal table of this engine (the oplog's, for updates made there). */
  internalTable(t: { readonly name: string }): string | undefined;
  /** A commit made off the JS thread changed the collection's document count by `delta`. */
  countChanged(coll: TablesOf, delta: number): void;
  /**
   * From now on the collection's record ids come from the counter `share(last)` returns (`last`: the id
   * handed out last), until `unshareRecordIds` takes the counter's last value back.
   */
  shareRecordIds(coll: TablesOf, share: (last: bigint) => SharedRecordIds): void;
  /** The collection's record ids are the engine's own again (nothing takes from the shared counter now). */
  unshareRecordIds(coll: TablesOf): void;
  /** How many write hooks are registered (updates made off the JS thread reach none of them). */
  writeHooks(): number;
  /** `fn` after every change of the registered write hooks; returns a function that unregisters it. */
  onWriteHooksChange(fn: () => void): () => void;
}
