/**
 * The one dlopen symbol table for the SecantusDB WiredTiger shim (`shim/wt_shim.c`).
 *
 * Every function returns a WiredTiger return code (i32). Out-values go through a caller-owned
 * `BigInt64Array` passed as the trailing `meta` buffer. Strings are NUL-terminated byte buffers.
 * Handles (connection, session, cursor) are opaque pointers.
 */

const P = "pointer" as const;
const B = "buffer" as const;
const I64 = "i64" as const;
const I32 = "i32" as const;

export const SYMBOLS = {
  sct_version: { parameters: [B], result: I32 },
  sct_preinit: { parameters: [], result: I32 },
  sct_preinit_patched: { parameters: [], result: I32 },
  sct_strerror: { parameters: [I32, B, I32], result: I32 },
  sct_conn_open: { parameters: [B, B, B], result: I32 },
  sct_conn_close: { parameters: [P, B], result: I32 },
  sct_conn_set_timestamp: { parameters: [P, B], result: I32 },
  sct_session_open: { parameters: [P, B, B], result: I32 },
  sct_session_close: { parameters: [P], result: I32 },
  sct_create: { parameters: [P, B, B], result: I32 },
  sct_drop: { parameters: [P, B, B], result: I32 },
  sct_begin: { parameters: [P, B], result: I32 },
  sct_commit: { parameters: [P, B], result: I32 },
  sct_commit_flush: { parameters: [P, B, B], result: I32 },
  sct_txn_commit_ts: { parameters: [P, "u64"], result: I32 },
  sct_commit_at: { parameters: [P, "u64", B], result: I32 },
  sct_rollback: { parameters: [P], result: I32 },
  sct_checkpoint: { parameters: [P, B], result: I32 },
  sct_log_flush: { parameters: [P, B], result: I32 },
  sct_flush_pending: { parameters: [], result: "void" },
  /** Runs on Deno's blocking thread pool; resolves with the return code. */
  sct_log_flush_tracked: { parameters: [P, B], result: I32, nonblocking: true },
  sct_upgrade_tracked: { parameters: [P, B], result: I32, nonblocking: true },
  sct_checkpoint_tracked: { parameters: [P, B], result: I32, nonblocking: true },
  sct_compact_tracked: { parameters: [P, B], result: I32, nonblocking: true },
  sct_flush_wait_idle: { parameters: [], result: "void" },
  /** Sleeps on Deno's blocking thread pool: an async round trip through the event loop's poll. */
  sct_pause_us: { parameters: [I32], result: I32, nonblocking: true },
  sct_cursor_open: { parameters: [P, B, B, B], result: I32 },
  sct_stat: { parameters: [P, B, B, I32, B], result: I32 },
  sct_cursor_close: { parameters: [P], result: I32 },
  sct_cursor_reset: { parameters: [P], result: I32 },
  sct_kv_put: { parameters: [P, B, I32, B, I32, I32], result: I32 },
  sct_kv_insert_many: { parameters: [P, B, I32, I32, B], result: I32 },
  sct_kv_get: { parameters: [P, B, I32, B, I32, B], result: I32 },
  sct_copy_value: { parameters: [P, B, I32, B], result: I32 },
  sct_kv_remove: { parameters: [P, B, I32], result: I32 },
  sct_kv_remove_leading: { parameters: [P, B, I32, B, I32, B, I32, I64, I64, B, I32, B], result: I32 },
  sct_kv_search_near: { parameters: [P, B, I32, B], result: I32 },
  sct_kv_scan: { parameters: [P, I32, B, I32, I32, B], result: I32 },
  sct_kv_tally: { parameters: [P, B], result: I32 },
  sct_rec_insert: { parameters: [P, I64, B, I32], result: I32 },
  sct_rec_update: { parameters: [P, I64, B, I32], result: I32 },
  sct_rec_remove: { parameters: [P, I64], result: I32 },
  sct_rec_remove_entries: { parameters: [P, I64, I32, B, B, B, I32], result: I32 },
  sct_rec_update_entries: {
    parameters: [P, I64, B, I32, I32, B, B, B, I32, I32, B, B, B, I32, B],
    result: I32,
  },
  sct_rec_get: { parameters: [P, I64, B, I32, B], result: I32 },
  sct_rec_last: { parameters: [P, B], result: I32 },
  sct_rec_first: { parameters: [P, B], result: I32 },
  sct_rec_count: { parameters: [P, B], result: I32 },
  sct_rec_scan: { parameters: [P, I32, I64, B, I32, I32, B], result: I32 },
  sct_rec_scan_match: { parameters: [P, I32, I64, B, I32, I32, B, I32, I32, B], result: I32 },
  sct_rec_scan_fields: { parameters: [P, I32, I64, B, I32, I32, B, I32, I32, B], result: I32 },
  sct_rec_scan_fields_match: {
    parameters: [P, I32, I64, B, I32, I32, B, I32, I32, B, I32, I32, B],
    result: I32,
  },
  /** Picks of a cursor opened with "next_random=true" (shim/wt_scan.c). */
  sct_rec_random: { parameters: [P, I32, B, I32, I32, B], result: I32 },
  sct_group_new: { parameters: [B, I32, I32, B, I32, I64, B], result: I32 },
  sct_group_free: { parameters: [P], result: "void" },
  sct_group_scan: { parameters: [P, P, I32, I64, I64, B], result: I32 },
  sct_group_result: { parameters: [P, B, I64, B], result: I32 },
  sct_group_set_filter: { parameters: [P, B, I32, I32], result: I32 },
  /** A packed filter on one document (shim/wt_match.c; for tests): 1, 0, -1 cannot tell, -2, -3 malformed. */
  sct_filter_match_packed: { parameters: [B, I32, I32, B, I64], result: I32 },
  sct_group_pending_doc: { parameters: [P, B, I64, B], result: I32 },
  sct_group_fold_doc: { parameters: [P, B, I64, B], result: I32 },
  sct_group_set_part: { parameters: [P, I32, I64], result: "void" },
  sct_group_merge: { parameters: [P, P, B], result: I32 },
  sct_group_pending: { parameters: [], result: "void" },
  /** sct_group_scan on Deno's blocking thread pool (after sct_group_pending); resolves with the code. */
  sct_group_scan_tracked: { parameters: [P, P, I32, I64, I64, B], result: I32, nonblocking: true },
  sct_group_wait_idle: { parameters: [], result: "void" },
  sct_idx_insert: { parameters: [P, I32, B, I32, I64], result: I32 },
  sct_idx_remove: { parameters: [P, I32, B, I32, I64], result: I32 },
  sct_idx_insert_many: { parameters: [P, I32, B, I32, I32, I64], result: I32 },
  sct_idx_insert_pairs: { parameters: [P, B, I32, I32, B], result: I32 },
  sct_idx_remove_many: { parameters: [P, I32, B, I32, I32, I64], result: I32 },
  sct_idx_seek: { parameters: [P, B, I32, B], result: I32 },
  sct_idx_get_record: { parameters: [P, P, B, I32, B, I32, B], result: I32 },
  sct_idx_scan: { parameters: [P, I32, B, I32, B, I32, B, I32, I32, B, I64, B, I32], result: I32 },
  sct_idx_scan_fetch: { parameters: [P, P, I32, B, I32, B, I32, B, I32, I32, B, I64, B, I32], result: I32 },
  sct_idx_scan_fetch_fields: {
    parameters: [P, P, I32, B, I32, B, I32, B, I32, I32, B, I32, I32, B, I32, I32, B, I64, B, I32],
    result: I32,
  },
  sct_idx_count: { parameters: [P, I32, B, I32, B, I32, B, I32, I64, B, I32, B], result: I32 },
  sct_stat_all: { parameters: [P, B, B, B, I32, B], result: I32 },
  sct_cursor_next_str: { parameters: [P, B, I32, B], result: I32 },
  // The wire server's frame I/O thread (shim/io_loop.c; used by ffi/io/).
  sct_io_open: { parameters: [B, I32, I32, I64, B, B, I32], result: I32 },
  sct_io_bell_accept: { parameters: [P], result: I32 },
  sct_io_arm: { parameters: [P], result: I32 },
  sct_io_queued: { parameters: [P], result: I32 },
  sct_io_take: { parameters: [P, B, I32], result: I32 },
  sct_io_send: { parameters: [P, "u32", B, I32, I32], result: I32 },
  sct_io_reply: { parameters: [P, "u32", B, I32, I32, B, I32, I32], result: I32 },
  sct_io_state: { parameters: [P, "u32", B], result: I32 },
  sct_io_peer_gone: { parameters: [P, "u32"], result: I32 },
  sct_io_stop: { parameters: [P], result: I32 },
  sct_io_spin: { parameters: [P, I32], result: I32 },
  sct_io_cushion: { parameters: [P, I32], result: I32 },
  sct_io_free: { parameters: [P], result: "void" },
  sct_io_pair: { parameters: [P, P], result: I32 },
  // Point reads and pings answered on the frame I/O thread (shim/io_fast.c; used by ffi/io/fast.ts).
  sct_fast_attach: { parameters: [P, P, I32], result: I32 },
  sct_fast_detach: { parameters: [P], result: I32 },
  sct_fast_share: { parameters: [P, P], result: I32 },
  sct_fast_flags: { parameters: [P, "u32"], result: I32 },
  sct_fast_time: { parameters: [P, "u64"], result: I32 },
  sct_fast_template: { parameters: [P, I32, B, I32, B, I32], result: I32 },
  sct_fast_register: { parameters: [P, B, B, B], result: I32 },
  sct_fast_register_field: { parameters: [P, I32, B, B, I32, "u32"], result: I32 },
  sct_fast_clear: { parameters: [P], result: I32 },
  sct_fast_hold: { parameters: [P, B, I32], result: I32 },
  sct_fast_grant: { parameters: [P, "u32", I32, I32], result: I32 },
  sct_fast_revoke: { parameters: [P, "u32"], result: I32 },
  sct_fast_admit: { parameters: [P, "u32"], result: I32 },
  sct_fast_pending: { parameters: [P], result: I32 },
  sct_fast_take: { parameters: [P, B, I32], result: I32 },
  // Updates by _id there, and the cluster clock they share with JS (shim/io_fast_write.c).
  sct_fast_register_writes: { parameters: [P, I32, B, I32, B, I32, B, I32, B, I32, I32], result: I32 },
  sct_fast_oplog: { parameters: [P, B, "u64"], result: I32 },
  sct_fast_clock_lock: { parameters: [P], result: "u64" },
  sct_fast_clock_unlock: { parameters: [P, "u64"], result: I32 },
  sct_fast_session: { parameters: [P, B, "i64"], result: I32 },
  sct_fast_forget: { parameters: [P, B], result: I32 },
  sct_fast_retry_table: { parameters: [P, B], result: I32 },
  sct_fast_register_deletes: { parameters: [P, I32, B, I32, B, I32, B, I32, I32, B, "f64", B], result: I32 },
  // Inserts of one document there, and the record id counters shared with JS (shim/io_fast_insert.c).
  sct_fast_register_inserts: { parameters: [P, I32, B, I32, B, I32, B, I32, I32, B, "f64", B], result: I32 },
  sct_fast_rid_cells: { parameters: [P], result: P },
  sct_fast_text_words: { parameters: [P, I32, B, I32], result: I32 },
  // Test entry for io_fast_canonical.c (an insert's document stored as sent: ffi/wiredtiger/canonical_test.ts).
  sct_fast_canonical: { parameters: [B, I32, I32], result: I32 },
} as const satisfies Deno.ForeignLibraryInterface;

export type ShimSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Scan flags understood by the shim's batch scans. */
export const ScanFlag = {
  REVERSE: 1,
  START: 2,
  HAS_AFTER: 4,
  PENDING: 8,
  LOWER_EXCL: 16,
  UPPER_EXCL: 32,
  HAS_LOWER: 64,
  HAS_UPPER: 128,
  UNIQUE: 256,
  AFTER_RID: 512,
} as const;

/** Slots of `meta` written by batch scans. */
/** (`CHECKED`: the entries an index scan's key check skipped in the call; its meta then has 5 slots.) */
export const Meta = { COUNT: 0, USED: 1, STATUS: 2, NEED: 3, CHECKED: 4 } as const;
/** Values of `meta[Meta.STATUS]`. */
export const ScanStatus = { MORE: 0, DONE: 1, PENDING: 2 } as const;
