/**
 * Internal tables (`StorageEngine.openTable`): storage-owned key/value tables for decorators, one WT
 * table `table:_int_<name>` each (key_format=u, value_format=u; keys sort as raw bytes). They are not
 * in the catalog; `WtTableTxn` reads and writes one through a transaction scope, so the rows share
 * the fate of that transaction (a record write's, or a catalog change's).
 *
 * An in-memory engine starts with no tables, so it creates an internal table on its first write
 * (`WtInternalTable.pending`): until then reads see it empty. A table some start reads but rarely
 * writes (`rw_defaults`, `oplog_preimages`) then costs no `create` (~0.4 ms each) at every start.
 */

import {
  type InternalTable,
  type RemoveLeadingOptions,
  type RowBatch,
  StorageError,
  type TableScanOptions,
  type TableTxn,
} from "../api.ts";
import { PutMode, WtError } from "../../../ffi/wiredtiger/mod.ts";
import { LeasedIterator, type TxnScope } from "./scope.ts";

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
export const TABLE_CONFIG = "key_format=u,value_format=u";

export class WtInternalTable implements InternalTable {
  /** Cursor-cache ident; the WT URI is `table:<ident>`. */
  readonly ident: string;
  constructor(readonly name: string) {
    if (!NAME.test(name)) {
      throw new StorageError("InternalError", `invalid internal table name ${JSON.stringify(name)}`);
    }
    this.ident = `_int_${name}`;
    this.insertContext = `${name} insert`;
  }

  /** Creates the WiredTiger table while it does not exist yet (set by an in-memory engine). */
  pending: (() => void) | undefined;

  /** The table exists from here on: created now if it was pending. */
  materialize(): void {
    const create = this.pending;
    if (create === undefined) return;
    create();
    this.pending = undefined;
  }

  /** The context of an insert's errors (made once: not a string per write of the oplog's rows). */
  readonly insertContext: string;
}

export function asWtTable(t: InternalTable): WtInternalTable {
  if (t instanceof WtInternalTable) return t;
  throw new StorageError("InternalError", `not an internal table of this engine: ${t.name}`);
}

function checkKey(key: Uint8Array): void {
  if (key.length === 0) throw new StorageError("InternalError", "internal table keys must not be empty");
}

export class WtTableTxn implements TableTxn {
  constructor(readonly scope: TxnScope, readonly table: WtInternalTable) {}

  get(key: Uint8Array): Uint8Array | null {
    if (key.length === 0) return null;
    if (this.table.pending !== undefined) return this.scope.readStep(`${this.table.name} get`, () => null);
    return this.scope.readStep(
      `${this.table.name} get`,
      () => this.scope.ctx.cursor(this.table.ident).get(key),
    );
  }

  put(key: Uint8Array, value: Uint8Array): void {
    checkKey(key);
    this.scope.writeStep(`${this.table.name} put`, () => {
      this.table.materialize();
      this.scope.ctx.cursor(this.table.ident).put(key, value, PutMode.UPSERT);
    });
  }

  insert(key: Uint8Array, value: Uint8Array): void {
    checkKey(key);
    this.scope.writeStep(this.table.insertContext, () => {
      this.table.materialize();
      try {
        this.scope.ctx.cursor(this.table.ident).put(key, value, PutMode.INSERT);
      } catch (e) {
        if (e instanceof WtError && e.isDuplicateKey) {
          throw new StorageError("DuplicateKey", `duplicate key in internal table ${this.table.name}`);
        }
        throw e;
      }
    });
  }

  insertMany(rows: RowBatch): void {
    if (rows.count === 0) return;
    this.scope.writeStep(this.table.insertContext, () => {
      this.table.materialize();
      try {
        this.scope.ctx.cursor(this.table.ident).insertMany(rows.bytes, rows.count);
      } catch (e) {
        if (e instanceof WtError && e.isDuplicateKey) {
          throw new StorageError("DuplicateKey", `duplicate key in internal table ${this.table.name}`);
        }
        throw e;
      }
    });
  }

  remove(key: Uint8Array): boolean {
    if (key.length === 0) return false;
    return this.scope.writeStep(
      `${this.table.name} remove`,
      () => this.table.pending === undefined && this.scope.ctx.cursor(this.table.ident).remove(key),
    );
  }

  removeLeading(
    opts: RemoveLeadingOptions,
  ): { readonly removed: number; readonly last: Uint8Array | undefined } {
    if (opts.max <= 0) return { removed: 0, last: undefined };
    return this.scope.writeStep(
      `${this.table.name} remove`,
      () =>
        this.table.pending !== undefined
          ? { removed: 0, last: undefined }
          : this.scope.ctx.cursor(this.table.ident).removeLeading({
            ...(opts.lower ? { lower: opts.lower } : {}),
            ...(opts.upper ? { hard: opts.upper } : {}),
            ...(opts.softUpper ? { soft: opts.softUpper } : {}),
            must: opts.must ?? 0,
            max: opts.max,
          }),
    );
  }

  tally(): { readonly count: number; readonly bytes: number } {
    if (this.table.pending !== undefined) return { count: 0, bytes: 0 };
    return this.scope.readStep(
      `${this.table.name} tally`,
      () => this.scope.ctx.cursor(this.table.ident).tallyKv(),
    );
  }

  scan(opts: TableScanOptions = {}): IterableIterator<readonly [Uint8Array, Uint8Array]> {
    this.scope.assertActive();
    const { lower, upper } = opts;
    const reverse = opts.reverse === true;
    if (this.table.pending !== undefined) return [][Symbol.iterator]();
    return new LeasedIterator(this.scope, this.table.ident, (c) => c.scanKvRange(lower, upper, reverse));
  }
}
