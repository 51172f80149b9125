/**
 * group_table.ts — the types of a `$group` the storage engine folds inside a record scan
 * (`ReadTxn.groupScan`, ffi/wiredtiger/group.ts): its spec, slices, rows and the table handle. Part of the
 * storage API (api.ts re-exports them); types only.
 */
import type { ScalarMatchTerm, ScalarOperand } from "../bson/scalar_match_term.ts";
import type { RecordId } from "./scan_options.ts";

/**
 * A simple `$group` folded by the storage engine inside a record scan (`ReadTxn.groupScan`): groups
 * keyed by one top-level field (or one null group), numeric sums over top-level fields or constants.
 * Engine memory until `free()`; see ffi/wiredtiger/group.ts for the exact semantics.
 */
export interface GroupTableSpec {
  /** The key's top-level field, or null for a constant null key. */
  readonly key: string | null;
  /**
   * Per accumulator: a top-level field (summed, or the value `$min`/`$max`/`$first`/`$last` keeps),
   * or a numeric constant (BSON type 0x10, 0x12 or 0x01).
   */
  readonly accs:
    readonly ({ readonly field: string; readonly op?: "sum" | "min" | "max" | "first" | "last" } | {
      readonly type: 0x10 | 0x12 | 0x01;
      readonly value: number | bigint;
    })[];
  /**
   * A leading `$match` as a conjunction of terms (`in` = equality with any value): only matching
   * records are folded; a record the engine cannot judge ends its slice (status 2, `pendingDoc`).
   */
  readonly filter?: readonly GroupMatchTerm[];
  /** More groups than this make the table unsupported. */
  readonly maxGroups: number;
}

/** One operand of a `GroupMatchTerm`. */
export type GroupMatchValue = ScalarOperand;

/** One condition of a folded `$match` on a (dotted) path. */
export type GroupMatchTerm = ScalarMatchTerm;

/** A running numeric sum as the engine folded it (what `NumericSum` keeps). */
export interface GroupSumParts {
  readonly intTotal: bigint;
  readonly dbl: number;
  readonly comp: number;
  readonly count: number;
  readonly kind: 0 | 1 | 2;
}

/**
 * One group: its first-seen `_id` value (BSON type and bytes) and per accumulator a sum, or the
 * value a `$min`/`$max`/`$first`/`$last` kept (BSON type and bytes; null when none).
 */
export interface GroupTableRow {
  readonly idType: number;
  readonly idBytes: Uint8Array;
  readonly sums: readonly (GroupSumParts | { readonly type: number; readonly bytes: Uint8Array })[];
}

/**
 * One `groupScan` call: status 0 = more may follow, 1 = done, 2 = the last record examined is for
 * the JS matcher (`pendingDoc`, then `foldDoc` if it matches), 3 = unsupported (for good).
 */
export interface GroupTableSlice {
  readonly examined: number;
  readonly lastRid: RecordId;
  readonly status: 0 | 1 | 2 | 3;
  readonly groups: number;
  /** Bytes of the groups' `_id` values and kept values. */
  readonly idBytes: number;
}

export interface StorageGroupTable {
  /** The groups in first-seen order. */
  results(): GroupTableRow[];
  /** The stored bytes of the record a status-2 slice stopped at. */
  pendingDoc(): Uint8Array;
  /** Folds one stored document regardless of the filter: status 1, or 3 unsupported for good. */
  foldDoc(doc: Uint8Array): { readonly status: 1 | 3; readonly groups: number; readonly idBytes: number };
  /**
   * A part of a scan split in two, folded into two tables at once (both or neither present): the
   * first part's scans stop before the first record past `until`, the second part's table gives up at
   * a double summand (it would not merge exactly); `"whole"` undoes it.
   */
  setPart?(part: "first" | "second" | "whole", until?: RecordId): void;
  /**
   * Merges the second part's table into this one (the first part's) as if it had folded those records
   * after its own: status 1 merged, 0 the second part gave up (fold its records into this table
   * instead), 3 unsupported for good.
   */
  merge?(
    second: StorageGroupTable,
  ): { readonly status: 0 | 1 | 3; readonly groups: number; readonly idBytes: number };
  /** Releases the table (idempotent). */
  free(): void;
}
