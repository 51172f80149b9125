/**
 * `$clusterTime` and `operationTime` appended to an already-encoded reply without running the BSON
 * encoder: the fields' bytes are encoded once from `ClusterClock.fieldsAt` (so their shape has one
 * source) and each reply copies them and writes its timestamp in place. A cursor batch — the stored
 * documents copied as they are — thus gets its cluster time for two memcpys.
 */
import { BSON, Timestamp } from "bson";
import { ClusterClock } from "../oplog/cluster_clock.ts";
import { encodeSmallDocumentWith } from "../bson/small_doc.ts";
import type { Document } from "../bson/document.ts";
import { freeOwned, isOwned, ownedBody } from "../bson/owned_bytes.ts";
import { growInPlace } from "../bson/raw_reply.ts";
import { serializeDocument } from "../bson/undefined_value.ts";

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

/**
 * `raw` (one encoded BSON document) with the cluster time fields for `ts` appended. An owned `raw`
 * (a large cursor batch, bson/owned_bytes.ts) is freed once copied and the result owned in its place:
 * two ~16 MiB bodies per getMore waited for a GC before.
 */
export function appendClusterTime(raw: Uint8Array, ts: Timestamp): Uint8Array {
  const t = template ??= buildTemplate();
  const base = raw.length - 1;
  // a small cursor reply its command kept nowhere: extended in its own buffer (raw_reply.ts)
  const grown = growInPlace(raw, t.elements.length);
  if (grown !== undefined) {
    grown.set(t.elements, base);
    grown[grown.length - 1] = 0;
    writeTimes(grown, base, t, ts);
    return grown;
  }
  const out = new Uint8Array(base + t.elements.length + 1);
  out.set(raw.subarray(0, base), 0);
  out.set(t.elements, base);
  writeTimes(out, base, t, ts);
  if (!isOwned(raw)) return out;
  freeOwned(raw);
  return ownedBody(out);
}

/** Sets the length prefix of `out` and the timestamps of the template copied at `base`. */
function writeTimes(out: Uint8Array, base: number, t: Template, ts: Timestamp): void {
  const inc = ts.low >>> 0;
  const secs = ts.high >>> 0;
  for (let k = 0; k < t.at.length; k++) {
    const p = t.at[k]!;
    writeUint32(out, base + p, inc);
    writeUint32(out, base + p + 4, secs);
  }
  writeUint32(out, 0, out.length);
}

function writeUint32(out: Uint8Array, at: number, v: number): void {
  out[at] = v;
  out[at + 1] = v >>> 8;
  out[at + 2] = v >>> 16;
  out[at + 3] = v >>> 24;
}

/**
 * `BSON.serialize({...reply, ...ClusterClock.fieldsAt(ts)})`'s bytes for a `reply` that holds neither
 * `$clusterTime` nor `operationTime` (the caller checks): a small reply of scalars is written by
 * bson/small_doc.ts straight into its final buffer, any other by npm bson. Throws what
 * `BSON.serialize(reply)` throws.
 */
export function encodeWithClusterTime(reply: Document, ts: Timestamp): Uint8Array {
  const t = template ??= buildTemplate();
  const out = encodeSmallDocumentWith(reply, t.elements);
  if (out === undefined) return appendClusterTime(serializeDocument(reply), ts);
  writeTimes(out, out.length - 1 - t.elements.length, t, ts);
  return out;
}
