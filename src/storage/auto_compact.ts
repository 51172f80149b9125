/**
 * auto_compact.ts — background compaction (the `autoCompact` command, new in MongoDB 8.0). While enabled,
 * passes go over every collection of the catalog and compact each one whose files hold at least
 * `minFreeBytes` of reusable space (`StorageEngine.compact`, one collection at a time, a short pause
 * between them). `runOnce`: one pass, then it turns itself off; otherwise a pass starts every
 * `passIntervalMs`, and a collection whose compaction failed is left alone for a day. Enabling it while
 * it is on, or disabling it while it is off, is refused as WiredTiger's own background compaction refuses
 * it: turn it off before starting it again with other options.
 */
import type { CollectionEntry, StorageEngine } from "./api.ts";
import type { Logger } from "../observability/log.ts";
import { timeout, unrefTimeout } from "../timers.ts";

export interface AutoCompactOptions {
  /** Compact a collection only when at least this many bytes are reusable in its files. */
  readonly minFreeBytes: number;
  /** One pass over the collections, then off. */
  readonly runOnce: boolean;
}

export interface AutoCompactTiming {
  /** Between the starts of two passes. */
  readonly passIntervalMs: number;
  /** Between two collections of a pass. */
  readonly pauseMs: number;
}

/** A failed collection waits this long before it is tried again. */
const RETRY_FAILED_MS = 24 * 60 * 60 * 1000;

interface Run {
  readonly opts: AutoCompactOptions;
  stopped: boolean;
  /** Ends the current wait between collections or passes early. */
  wake: () => void;
  done: Promise<void>;
}

export class AutoCompactor {
  #run: Run | undefined;
  /** Passes finished and bytes freed since the server started (serverStatus). */
  passes = 0;
  bytesFreed = 0;

  constructor(
    private readonly storage: StorageEngine,
    private readonly log: Logger,
    private readonly timing: AutoCompactTiming = { passIntervalMs: 60_000, pauseMs: 50 },
  ) {}

  /** Whether background compaction is on. */
  get enabled(): boolean {
    return this.#run !== undefined && !this.#run.stopped;
  }

  /** Turns it on; false when it is on already. */
  start(opts: AutoCompactOptions): boolean {
    if (this.enabled) return false;
    let wake = () => {};
    const run: Run = { opts, stopped: false, wake: () => wake(), done: Promise.resolve() };
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = unrefTimeout(resolve, ms);
        wake = () => {
          t.cancel();
          resolve();
        };
      });
    run.done = this.#loop(run, sleep).catch((e) => {
      this.log.warning(`autoCompact stopped: ${e instanceof Error ? e.message : String(e)}`);
    }).finally(() => {
      if (this.#run === run) this.#run = undefined;
    });
    this.#run = run;
    return true;
  }

  /** Turns it off (the collection being compacted finishes first); false when it was off. */
  stop(): boolean {
    const run = this.#run;
    if (!run || run.stopped) return false;
    run.stopped = true;
    run.wake();
    return true;
  }

  /**
   * Off, and the collection being compacted finished (server shutdown). A ref'd timer holds the event
   * loop meanwhile: the compaction runs on the blocking thread pool, whose pending call alone would let
   * the process end before the engine is closed.
   */
  async close(): Promise<void> {
    const run = this.#run;
    this.stop();
    if (!run) return;
    const hold = timeout(() => {}, 2 ** 31 - 1);
    try {
      await run.done;
    } finally {
      hold.cancel();
    }
  }

  async #loop(run: Run, sleep: (ms: number) => Promise<void>): Promise<void> {
    const failedAt = new Map<string, number>();
    for (;;) {
      const started = Date.now();
      for (const coll of this.#collections()) {
        if (run.stopped) return;
        const failed = failedAt.get(coll.ident);
        if (failed !== undefined && Date.now() - failed < RETRY_FAILED_MS) continue;
        try {
          const r = await this.storage.compact(coll, { dryRun: false, minFreeBytes: run.opts.minFreeBytes });
          if (r.bytesFreed > 0) {
            this.bytesFreed += r.bytesFreed;
            this.log.info(`autoCompact: ${coll.db}.${coll.name} ${r.bytesFreed} bytes freed`);
          }
          failedAt.delete(coll.ident);
        } catch (e) {
          if (run.stopped) return;
          failedAt.set(coll.ident, Date.now());
          this.log.warning(
            `autoCompact: ${coll.db}.${coll.name} not compacted (tried again in a day): ${
              e instanceof Error ? e.message : String(e)
            }`,
          );
        }
        await sleep(this.timing.pauseMs);
      }
      this.passes++;
      if (run.opts.runOnce || run.stopped) {
        run.stopped = true;
        return;
      }
      await sleep(Math.max(0, this.timing.passIntervalMs - (Date.now() - started)));
    }
  }

  /** Every collection the catalog holds now (the oplog is not one of them). */
  #collections(): CollectionEntry[] {
    const out: CollectionEntry[] = [];
    for (const db of this.storage.catalog.listDatabases()) {
      out.push(...this.storage.catalog.listCollections(db));
    }
    return out;
  }
}
