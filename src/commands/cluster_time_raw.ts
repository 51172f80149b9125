/**
 * `$clusterTime` and `operationTime` appended to an already-encoded reply without running the BSON
 * encoder: the fields' bytes are encoded once from `ClusterClock.fieldsAt` (so their shape has one
 * source) and each reply copies them and writes its timestamp in place. A cursor batch — the stored
 * documents copied as they are — thus gets its cluster time for two memcpys.
 */
import { BSON, Timestamp } from "bson";
import { ClusterClock } from "../oplog/cluster_clock.ts";

/** Sentinels to find where the two timestamps sit in the encoded template (increment, seconds). */
const MARK_I = 0x5ec1a7e5;
const MARK_T = 0x7eadbeef;

interface Template {
  /** The elements of the fields document (no length prefix, no terminating 0). */
  readonly elements: Uint8Array;
  /** Offsets of the 8-byte timestamps inside `elements`. */
  readonly at: readonly number[];
}

function buildTemplate(): Template {
  const doc = BSON.serialize(ClusterClock.fieldsAt(new Timestamp({ t: MARK_T, i: MARK_I })));
  // A copy in a plain Uint8Array (npm bson returns a Node Buffer whose slice() shares its pool).
  const elements = new Uint8Array(doc.subarray(4, doc.length - 1));
  const view = new DataView(elements.buffer);
  const at: number[] = [];
  for (let p = 0; p + 8 <= elements.length; p++) {
    if (view.getUint32(p, true) === MARK_I && view.getUint32(p + 4, true) === MARK_T) at.push(p);
  }
  if (at.length === 0) throw new Error("cluster time template: no timestamp found");
  return { elements, at };
}

let template: Template | undefined;

/** `raw` (one encoded BSON document) with the cluster time fields for `ts` appended. */
export function appendClusterTime(raw: Uint8Array, ts: Timestamp): Uint8Array {
  const t = template ??= buildTemplate();
  const base = raw.length - 1;
  const out = new Uint8Array(base + t.elements.length + 1);
  out.set(raw.subarray(0, base), 0);
  out.set(t.elements, base);
  const view = new DataView(out.buffer);
  const inc = ts.low >>> 0;
  const secs = ts.high >>> 0;
  for (const p of t.at) {
    view.setUint32(base + p, inc, true);
    view.setUint32(base + p + 4, secs, true);
  }
  view.setInt32(0, out.length, true);
  return out;
}
