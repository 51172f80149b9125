/**
 * One condition of a simple filter on stored BSON, as the shim's C matcher takes it (wt_match.h): a
 * (dotted) path, an operator and scalar operands tagged with their class. The engine plans it
 * (engine/aggregate/match_native.ts), storage passes it on (storage/api.ts `GroupTableSpec.filter`) and
 * the FFI binding packs it (ffi/wiredtiger/group.ts): one definition here, at the bottom every layer may
 * import.
 */

/** A scalar operand tagged with its class. */
export type ScalarOperand =
  | { readonly t: "null" }
  | { readonly t: "bool"; readonly v: boolean }
  | { readonly t: "long"; readonly v: bigint }
  | { readonly t: "double"; readonly v: number }
  | { readonly t: "string"; readonly v: string }
  | { readonly t: "objectId"; readonly v: Uint8Array }
  | { readonly t: "date"; readonly v: bigint };

export type ScalarMatchOp = "in" | "nin" | "lt" | "lte" | "gt" | "gte" | "exists" | "notExists";

/** One condition on one path; a filter is their conjunction. */
export interface ScalarMatchTerm {
  readonly path: readonly string[];
  readonly op: ScalarMatchOp;
  /** `in`: the values (equality with any); `nin`: none of them; `lt`…`gte`: the one operand; `exists`: none. */
  readonly values: readonly ScalarOperand[];
}
