/**
 * The replica-set persona's logical clock: every reply carries `$clusterTime` (with a dummy
 * signature, as an unauthenticated replica set sends) and `operationTime`, so drivers gossip cluster
 * time and causally consistent sessions work. Timestamps never go backwards: seconds from the wall
 * clock (injectable), the increment counts within a second.
 *
 * Shared (`share`) with the frame I/O thread's updates (ffi/wiredtiger/shim/io_fast_write.c), which
 * issue oplog times too: the first tick in a turn of the event loop takes the shared clock, catching up
 * to the newest time issued there, and the turn's end (a microtask) lets it go with the newest issued
 * here. Every tick is followed by its commit within the same turn (the oplog writer's, the catalog's),
 * so an oplog time is held from its issue to its commit and entries commit in time order.
 */
import { Binary, Long, Timestamp } from "bson";
import type { Document as Doc } from "../bson/document.ts";

const ZERO_HASH = new Binary(new Uint8Array(20), 0);

/** The shared clock's side (ffi/io/fast.ts): take it (the newest time issued), let it go with ours. */
export interface SharedClock {
  clockLock(): bigint;
  clockUnlock(issued: bigint): void;
}

export class ClusterClock {
  #secs = 0;
  #inc = 0;
  #shared: SharedClock | undefined;
  #held = false;
  /** The newest time as a Timestamp, made once per tick (every reply carries it; reads reuse it). */
  #newest: Timestamp | undefined;
  constructor(private readonly now: () => number = () => Date.now()) {}

  /**
   * Issue times with `shared` from now on (undefined: alone again); its newest time is caught up to at
   * the first tick of each turn.
   */
  share(shared: SharedClock | undefined): void {
    if (this.#held) this.#release();
    this.#shared = shared;
  }

  /** The end of a turn that ticked a shared clock. */
  readonly #release = (): void => {
    if (!this.#held) return;
    this.#held = false;
    this.#shared?.clockUnlock((BigInt(this.#secs) << 32n) | BigInt(this.#inc));
  };

  /** A new timestamp, greater than every earlier one. */
  tick(): Timestamp {
    if (this.#shared !== undefined && !this.#held) {
      const issued = this.#shared.clockLock();
      this.#held = true;
      queueMicrotask(this.#release);
      this.#advance(Number(issued >> 32n), Number(issued & 0xffffffffn));
    }
    const s = Math.floor(this.now() / 1000);
    if (s > this.#secs) {
      this.#secs = s;
      this.#inc = 1;
    } else this.#inc++;
    this.#newest = undefined;
    return new Timestamp({ t: this.#secs, i: this.#inc });
  }

  /** Never issue a timestamp at or below `ts` (the newest oplog entry found at start-up). */
  advanceTo(ts: Timestamp): void {
    this.#advance(ts.high >>> 0, ts.low >>> 0);
  }

  /** `advanceTo` from seconds and increment. */
  #advance(t: number, i: number): void {
    if (t > this.#secs || (t === this.#secs && i > this.#inc)) {
      this.#secs = t;
      this.#inc = i;
      this.#newest = undefined;
    }
  }

  /** The newest timestamp's seconds (0 before any was issued) and increment, without a Timestamp. */
  get seconds(): number {
    return this.#secs;
  }

  get increment(): number {
    return this.#inc;
  }

  /** The newest timestamp issued so far (no tick). */
  latest(): Timestamp {
    return new Timestamp({ t: this.#secs, i: this.#inc });
  }

  /**
   * The time a reply carries as `$clusterTime` and `operationTime`: the newest one issued (the last
   * write's oplog time), without a tick — mongod 8.0's reads return the last applied optime and
   * leave the clock alone; a write's entry has already ticked it. Ticks only before any time exists.
   */
  replyTime(): Timestamp {
    // (one shared object until the next tick: replies only read it)
    return this.#secs === 0 ? this.tick() : (this.#newest ??= this.latest());
  }

  /** The fields added to every reply (`replyTime`). */
  replyFields(): Doc {
    return ClusterClock.fieldsAt(this.replyTime());
  }

  /** The reply fields for timestamp `ts` (their shape; `replyFields` ticks the clock first). */
  static fieldsAt(ts: Timestamp): Doc {
    return {
      $clusterTime: { clusterTime: ts, signature: { hash: ZERO_HASH, keyId: Long.fromInt(0) } },
      operationTime: ts,
    };
  }
}

/** A cluster time as the 64-bit storage commit/read timestamp (seconds high, increment low). */
export function commitTimestamp(ts: Timestamp): bigint {
  return (BigInt(ts.high >>> 0) << 32n) | BigInt(ts.low >>> 0);
}
