/**
 * What the memory watchdog stops under pressure (issue 11): the operations holding the most memory
 * first, not every operation. Each watchdog sample while the heap is past its high mark:
 *
 * - if no operation picked earlier is still running and `spacingMs` has passed since the last pick,
 *   the running operation whose blocking stages report the most bytes (its OpControl's meter, at least
 *   `minBytes`) is told to stop with 146 ExceededMemoryLimit at its next yield; the others go on;
 * - when the heap reaches `stopAllFraction` of the budget, or pressure has lasted `graceMs` with no
 *   reporting operation left to pick, every running operation stops (the last resort: the
 *   operation-wide check in op_control.ts), until the pressure is over.
 *
 * New commands are refused during pressure either way (dispatch). A leaf over the op registry.
 */
import type { OpControl } from "./op_control.ts";

export interface ReliefOp {
  readonly opId: number;
  readonly control: OpControl;
}

export interface PressureReliefOptions {
  /** The operations running now. */
  readonly running: () => Iterable<ReliefOp>;
  /** The 146 message (the watchdog's figures). */
  readonly message: () => string;
  readonly log?: (level: "WARNING" | "INFO", msg: string) => void;
  /** Smallest meter reading worth stopping an operation for (default 1 MiB). */
  readonly minBytes?: number;
  /** Least time between two picks (default 300 ms: a stopped operation's memory takes a GC to show). */
  readonly spacingMs?: number;
  /** Pressure lasting this long with nothing left to pick stops every operation (default 2 s). */
  readonly graceMs?: number;
  /** Heap fraction of the budget at which every operation stops at once (default 0.9). */
  readonly stopAllFraction?: number;
}

const MiB = 1024 * 1024;

export class PressureRelief {
  readonly #opts: PressureReliefOptions;
  #since: number | undefined;
  #lastPick = -Infinity;
  /** Operations picked and (as far as we know) still running. */
  #picked = new Set<OpControl>();
  #stopAll = false;
  /** Operations stopped one by one since the server started (tests, logs). */
  stoppedBiggest = 0;

  constructor(opts: PressureReliefOptions) {
    this.#opts = opts;
  }

  /** True while every running operation must stop. */
  get stoppingAll(): boolean {
    return this.#stopAll;
  }

  /** The op-wide check's message while every operation must stop, else undefined. */
  stopAllMessage(): string | undefined {
    return this.#stopAll ? this.#opts.message() : undefined;
  }

  /** One watchdog sample: `pressured` and the heap's fraction of the budget, at `now` (ms). */
  update(pressured: boolean, fraction: number, now: number): void {
    if (!pressured) {
      this.#since = undefined;
      this.#picked.clear();
      this.#stopAll = false;
      return;
    }
    this.#since ??= now;
    if (this.#stopAll) return;
    if (fraction >= (this.#opts.stopAllFraction ?? 0.9)) {
      return this.#stopEverything("the heap passed its stop-all mark");
    }
    const running = [...this.#opts.running()];
    const live = new Set(running.map((o) => o.control));
    for (const c of this.#picked) if (!live.has(c)) this.#picked.delete(c);
    if (this.#picked.size > 0 || now - this.#lastPick < (this.#opts.spacingMs ?? 300)) return;
    let victim: ReliefOp | undefined;
    for (const op of running) {
      if (op.control.killed) continue;
      const bytes = op.control.memoryBytes;
      if (bytes >= (this.#opts.minBytes ?? MiB) && bytes > (victim?.control.memoryBytes ?? 0)) victim = op;
    }
    if (victim) {
      const bytes = victim.control.memoryBytes;
      victim.control.kill(this.#opts.message(), "ExceededMemoryLimit");
      this.#picked.add(victim.control);
      this.#lastPick = now;
      this.stoppedBiggest++;
      this.#opts.log?.(
        "WARNING",
        `memory pressure: stopping operation ${victim.opId}, the biggest running (${
          Math.round(bytes / MiB).toLocaleString("en")
        } MiB held by its blocking stages)`,
      );
      return;
    }
    if (now - this.#since >= (this.#opts.graceMs ?? 2000)) {
      this.#stopEverything("no operation reporting its memory is left to stop");
    }
  }

  #stopEverything(why: string): void {
    this.#stopAll = true;
    this.#opts.log?.("WARNING", `memory pressure: stopping every running operation (${why})`);
  }
}
