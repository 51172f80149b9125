/**
 * Cursor registry: hands out int64 cursor ids, keeps open cursors with their owner namespace, and
 * reaps cursors idle longer than the timeout (mongod's cursorTimeoutMillis, 10 minutes). A cursor's
 * producer is any `BatchSource`; the registry knows nothing of storage or plans.
 */
import type { BatchSource } from "../executor/batch_source.ts";
import { type Timer, unrefInterval } from "../timers.ts";

// Re-exported: the command layer and tests have always imported it from here.
export type { BatchSource };

export interface CursorEntry {
  readonly id: bigint;
  readonly ns: string;
  readonly source: BatchSource;
  /** The batch size the cursor was opened with (0 = default). */
  readonly batchSize: number;
  lastUsed: number;
  /** When it was opened (ms since the epoch clock of the registry). */
  readonly created: number;
  /** Batches returned so far (the first included). */
  nBatches: number;
  /** Connection that owns it (informational). */
  readonly connectionId: number;
  /** Documents returned so far. */
  nReturned: number;
  /** Set while a getMore is running on it. */
  busy: boolean;
  /**
   * Execution time left of the opening command's `maxTimeMS` (mongod's leftover maxTime): each
   * getMore runs with it as its deadline and stores what remains. Undefined = no limit.
   */
  leftoverMaxTimeMs?: number | undefined;
  /** The logical session (lsid key) that opened it, if any: killSessions/endSessions kill it. */
  readonly session?: string | undefined;
  /** Opened with `noCursorTimeout`: the idle reaper leaves it (its session's end, a kill or a drop still close it). */
  noTimeout?: boolean;
  /** The command that opened it, as sent, and its plan (its getMores' profile entries show them). */
  origin?: CursorOrigin;
}

/** What opened a cursor (kept by reference: the request's own body, never copied). */
export interface CursorOrigin {
  readonly command: Readonly<Record<string, unknown>>;
  /** mongod's planSummary, or what makes it (made only when an entry is written). */
  readonly planSummary?: string | (() => string);
}

export interface CursorRegistryOptions {
  readonly idleTimeoutMs: number;
  readonly now?: () => number;
  /** Random source for ids (injected for tests). */
  readonly randomId?: () => bigint;
  readonly maxCursors?: number;
}

function defaultRandomId(): bigint {
  const buf = new BigUint64Array(1);
  crypto.getRandomValues(buf);
  // Positive, non-zero int64.
  const id = buf[0]! & 0x7fffffffffffffffn;
  return id === 0n ? 1n : id;
}

/** How many killed cursors' reasons are kept for their next getMore. */
const KILLED_REMEMBERED = 1024;

export class CursorRegistry {
  readonly #cursors = new Map<bigint, CursorEntry>();
  /** Ids of cursors a drop or rename killed, with why (the oldest forgotten past KILLED_REMEMBERED). */
  readonly #killedFor = new Map<bigint, string>();
  readonly #now: () => number;
  readonly #randomId: () => bigint;
  #idleTimeoutMs: number;
  readonly #maxCursors: number;
  #timer: Timer | undefined;
  totalOpened = 0;
  totalTimedOut = 0;

  constructor(opts: CursorRegistryOptions) {
    this.#now = opts.now ?? (() => Date.now());
    this.#randomId = opts.randomId ?? defaultRandomId;
    this.#idleTimeoutMs = opts.idleTimeoutMs;
    this.#maxCursors = opts.maxCursors ?? 100_000;
  }

  /** Idle cursors older than this are closed by the reaper (mongod's cursorTimeoutMillis; setParameter). */
  get idleTimeoutMs(): number {
    return this.#idleTimeoutMs;
  }

  set idleTimeoutMs(ms: number) {
    this.#idleTimeoutMs = ms;
  }

  /** Starts the periodic idle reaper (unref'd so it never keeps the process alive). */
  startReaper(intervalMs = 60_000): void {
    if (this.#timer !== undefined) return;
    this.#timer = unrefInterval(() => this.reapIdle(), intervalMs);
  }

  get size(): number {
    return this.#cursors.size;
  }

  get maxCursors(): number {
    return this.#maxCursors;
  }

  open(
    ns: string,
    source: BatchSource,
    batchSize: number,
    connectionId: number,
    session?: string,
  ): CursorEntry {
    let id = this.#randomId();
    while (this.#cursors.has(id)) id = this.#randomId();
    const entry: CursorEntry = {
      id,
      ns,
      source,
      batchSize,
      lastUsed: this.#now(),
      created: this.#now(),
      nBatches: 1,
      connectionId,
      nReturned: 0,
      busy: false,
      session,
    };
    this.#cursors.set(id, entry);
    this.totalOpened++;
    return entry;
  }

  /** The open cursors (for `$currentOp {idleCursors: true}`). */
  list(): CursorEntry[] {
    return [...this.#cursors.values()];
  }

  get(id: bigint): CursorEntry | undefined {
    const c = this.#cursors.get(id);
    if (c) c.lastUsed = this.#now();
    return c;
  }

  /** Removes and closes a cursor; returns false if it did not exist. */
  kill(id: bigint): boolean {
    const c = this.#cursors.get(id);
    if (!c) return false;
    this.#cursors.delete(id);
    try {
      c.source.close();
    } catch {
      // closing must never fail a command
    }
    return true;
  }

  /** Closes cursors idle for longer than the timeout; returns how many. */
  reapIdle(): number {
    const cutoff = this.#now() - this.#idleTimeoutMs;
    let n = 0;
    for (const c of [...this.#cursors.values()]) {
      if (!c.busy && !c.noTimeout && c.lastUsed < cutoff) {
        this.kill(c.id);
        n++;
      }
    }
    this.totalTimedOut += n;
    return n;
  }

  /**
   * Kills every cursor on a namespace (drop / rename), or every namespace with the db prefix. A later
   * getMore of one of them is 175 QueryPlanKilled with `reason` (mongod's "collection dropped" /
   * "collection renamed"), not 43. Change streams go on (they report the drop or rename themselves).
   */
  killNamespace(ns: string, wholeDb = false, reason = "collection dropped"): void {
    for (const c of [...this.#cursors.values()]) {
      if (c.source.readsOplog) continue;
      if (c.ns === ns || (wholeDb && c.ns.startsWith(ns + "."))) {
        this.kill(c.id);
        this.#killedFor.set(c.id, reason);
        if (this.#killedFor.size > KILLED_REMEMBERED) {
          this.#killedFor.delete(this.#killedFor.keys().next().value!);
        }
      }
    }
  }

  /** Why cursor `id` was killed by a drop or rename (once: the answer is forgotten), if it was. */
  takeKillReason(id: bigint): string | undefined {
    const why = this.#killedFor.get(id);
    if (why !== undefined) this.#killedFor.delete(id);
    return why;
  }

  /** Kills every cursor opened in the logical session `session` (lsid key). */
  killSession(session: string): void {
    for (const c of [...this.#cursors.values()]) if (c.session === session) this.kill(c.id);
  }

  /** Kills every cursor opened in any logical session (killAllSessions). */
  killAllSessions(): void {
    for (const c of [...this.#cursors.values()]) if (c.session !== undefined) this.kill(c.id);
  }

  closeAll(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    for (const id of [...this.#cursors.keys()]) this.kill(id);
  }
}
