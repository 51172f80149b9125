/**
 * The replica-set persona's logical clock: every reply carries `$clusterTime` (with a dummy
 * signature, as an unauthenticated replica set sends) and `operationTime`, so drivers gossip cluster
 * time and causally consistent sessions work. Timestamps never go backwards: seconds from the wall
 * clock (injectable), the increment counts within a second.
 */
import { Binary, BSON, Long, Timestamp } from "bson";
import type { Doc } from "../spec.ts";

const ZERO_HASH = new Binary(new Uint8Array(20), 0);

export class ClusterClock {
  #secs = 0;
  #inc = 0;
  constructor(private readonly now: () => number = () => Date.now()) {}

  /** A new timestamp, greater than every earlier one. */
  tick(): Timestamp {
    const s = Math.floor(this.now() / 1000);
    if (s > this.#secs) {
      this.#secs = s;
      this.#inc = 1;
    } else this.#inc++;
    return new Timestamp({ t: this.#secs, i: this.#inc });
  }

  /** The fields added to every reply. */
  replyFields(): Doc {
    const ts = this.tick();
    return {
      $clusterTime: { clusterTime: ts, signature: { hash: ZERO_HASH, keyId: Long.fromInt(0) } },
      operationTime: ts,
    };
  }
}

/** Appends the fields of `extra` to an already-serialised BSON document. */
export function appendToRaw(raw: Uint8Array, extra: Doc): Uint8Array {
  const tail = BSON.serialize(extra);
  const out = new Uint8Array(raw.length - 1 + tail.length - 5 + 1);
  out.set(raw.subarray(0, raw.length - 1), 0);
  out.set(tail.subarray(4, tail.length - 1), raw.length - 1);
  out[out.length - 1] = 0;
  new DataView(out.buffer).setInt32(0, out.length, true);
  return out;
}
