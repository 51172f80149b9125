/**
 * The `../shared/bench/capacity/run.sh` workloads as OP_MSG request frames, for the in-process request-path
 * benches (request_path_bench.ts, request_alloc_bench.ts): ping, find by `_id`, update `$inc`, insert of a
 * ~760-byte document, over a collection `ceil.c` of `docs` documents.
 */
import { Binary, BSON, Long, Timestamp } from "bson";

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

/**
 * The Node driver's writes as it sends them to this server. `*_drv`: as bench.mjs's adapter sends them
 * (`retryWrites: false`): an implicit session's lsid, the `$clusterTime` it gossips back, `$readPreference`
 * (primaryPreferred on a direct connection) and `ordered` — updateOne `$inc`, insertOne and deleteOne by
 * `_id`. `*_rw`: the driver's default (`retryWrites: true`) adds a txnNumber (one session, as a c=1
 * driver: each write the next number) — update, findOneAndUpdate (`new`) and delete. The deletes
 * remove the documents they target: run them last, and keep the ids of one run within the `docs`
 * documents.
 */
export function driverWorkloads(docs: number): Record<string, (i: number) => Record<string, unknown>> {
  const session = (fill: number) => ({ id: new Binary(new Uint8Array(16).fill(fill), Binary.SUBTYPE_UUID) });
  const clusterTime = () => ({
    clusterTime: new Timestamp({ t: 1, i: 1 }),
    signature: { hash: new Binary(new Uint8Array(20)), keyId: Long.fromNumber(0) },
  });
  const plain = session(10);
  const driverFields = () => ({
    lsid: plain,
    $clusterTime: clusterTime(),
    $readPreference: { mode: "primaryPreferred" },
    $db: "ceil",
  });
  const retryable = session(9);
  let txnNumber = 1;
  const retryableFields = () => ({
    lsid: retryable,
    txnNumber: Long.fromNumber(txnNumber++),
    $clusterTime: clusterTime(),
    $readPreference: { mode: "primaryPreferred" },
    $db: "ceil",
  });
  const updateOne = (i: number) => ({
    update: "c",
    updates: [{ q: { _id: i % docs }, u: { $inc: { counter: 1 } } }],
    ordered: true,
  });
  const deleteOne = (i: number) => ({
    delete: "c",
    deletes: [{ q: { _id: i % docs }, limit: 1 }],
    ordered: true,
  });
  return {
    update_drv: (i) => ({ ...updateOne(i), ...driverFields() }),
    insert_drv: (i) => ({
      insert: "c4",
      documents: [{ _id: 1_000_000 + i, seq: i, payload: CAPACITY_PAYLOAD }],
      ordered: true,
      ...driverFields(),
    }),
    update_rw: (i) => ({ ...updateOne(i), ...retryableFields() }),
    fam_rw: (i) => ({
      findAndModify: "c",
      query: { _id: i % docs },
      new: true,
      update: { $inc: { counter: 1 } },
      ...retryableFields(),
    }),
    delete_drv: (i) => ({ ...deleteOne(i), ...driverFields() }),
    delete_rw: (i) => ({ ...deleteOne(i + docs / 2), ...retryableFields() }),
  };
}
