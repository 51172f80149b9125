/**
 * The `../shared/bench/capacity/run.sh` workloads as OP_MSG request frames, for the in-process request-path
 * benches (request_path_bench.ts, request_alloc_bench.ts): ping, find by `_id`, update `$inc`, insert of a
 * ~760-byte document, over a collection `ceil.c` of `docs` documents.
 */
import { BSON } from "bson";

/** An OP_MSG frame with one body section. */
export function opMsgFrame(body: Record<string, unknown>, requestId: number): Uint8Array {
  const b = BSON.serialize(body);
  const out = new Uint8Array(21 + b.length);
  const v = new DataView(out.buffer);
  v.setInt32(0, out.length, true);
  v.setInt32(4, requestId, true);
  v.setInt32(12, 2013, true);
  out.set(b, 21);
  return out;
}

export const CAPACITY_PAYLOAD = "x".repeat(700);

/** Request bodies by workload name; `i` picks the document (`_id` i mod `docs`) or the new `_id`. */
export function capacityWorkloads(docs: number): Record<string, (i: number) => Record<string, unknown>> {
  return {
    ping: () => ({ ping: 1, $db: "admin" }),
    find: (i) => ({ find: "c", filter: { _id: i % docs }, limit: 1, singleBatch: true, $db: "ceil" }),
    update: (i) => ({
      update: "c",
      updates: [{ q: { _id: i % docs }, u: { $inc: { counter: 1 } } }],
      $db: "ceil",
    }),
    insert: (i) => ({
      insert: "c2",
      documents: [{ _id: 1_000_000 + i, seq: i, payload: CAPACITY_PAYLOAD }],
      $db: "ceil",
    }),
  };
}
