/**
 * HeapWatchdog (issue 11, item 1): refuses new work well before the JavaScript heap runs out, instead
 * of letting V8 abort the whole process ("Fatal JavaScript out of memory").
 *
 * The budget is chosen deliberately: `[server] heap_limit` when set, otherwise the smaller of V8's own
 * heap limit (`--max-old-space-size`, ~4 GiB by default on a 64-bit host) and what the host leaves
 * after the WiredTiger cache and a reserve for buffers outside the JS heap (total memory − cache_size −
 * 512 MiB, at least 256 MiB), so the kernel's OOM killer is not reached first either. A sampler reads
 * the heap every `intervalMs` (a few µs); when used heap passes `high` (75%) of the budget the server
 * is *under pressure* and dispatch refuses new commands other than the few that free memory or
 * diagnose, with 146 ExceededMemoryLimit and a message naming the figures; it leaves pressure below
 * `low` (60%), so the state does not flap. Under pressure it forces a full garbage collection at most
 * once a second (V8 collects old garbage lazily: without allocation the heap would stay "full" of
 * the refused work's garbage and pressure would never end). Transitions are logged.
 *
 * Reading V8's limit loads `node:v8` and with it Deno's Node layer (~25 ms, once per process), so it is
 * not part of a sample: until `readLimit` (the server calls it in its first quiet moment after start,
 * observability/quiet_gate.ts) the budget is the configured or host-derived one alone — unless a sample
 * finds the heap past READ_LIMIT_ABOVE first (48 MiB; a started server's own heap is ~18): then the
 * sample reads the limit itself, so a server busy from its first moment meets a small
 * `--max-old-space-size` with its budget capped, not with V8's abort. A leaf.
 */
import { nodeBuiltin } from "../node_builtin.ts";
import { type Timer, unrefInterval } from "../timers.ts";

export interface HeapSample {
  readonly usedBytes: number;
  /** V8's heap limit; undefined until read (`HeapWatchdog.readLimit`). */
  readonly limitBytes: number | undefined;
}

export interface HeapWatchdogOptions {
  /** Configured budget in bytes; 0 = automatic (see the module comment). */
  readonly budgetBytes?: number;
  /** WiredTiger cache size, subtracted from host memory for the automatic budget. */
  readonly cacheSizeBytes?: number;
  readonly high?: number;
  readonly low?: number;
  readonly intervalMs?: number;
  /** Heap reader (tests inject one). */
  readonly sample?: () => HeapSample;
  /** Makes later samples carry the heap limit (tests inject one; default: V8's, through node:v8). */
  readonly readLimit?: () => void;
  /** Forces a full garbage collection (tests inject one; default: V8's `gc`, exposed at start). */
  readonly collect?: () => void;
  /** Host memory in bytes (tests inject one). */
  readonly hostMemoryBytes?: () => number;
  readonly log?: (level: "WARNING" | "INFO", msg: string) => void;
  /** Called after every sample with the state and the heap's fraction of the budget (pressure_relief.ts). */
  readonly onSample?: (pressured: boolean, fraction: number) => void;
}

const MiB = 1024 * 1024;
const HOST_RESERVE = 512 * MiB;
const MIN_AUTO_BUDGET = 256 * MiB;
/** Heap used past which a sample reads V8's limit itself (see the module comment). */
const READ_LIMIT_ABOVE = 48 * MiB;

/** V8's heap limit, once read (`readV8Limit`: node:v8, node_builtin.ts). */
let v8Limit: number | undefined;

function readV8Limit(): void {
  v8Limit ??= nodeBuiltin("node:v8").getHeapStatistics().heap_size_limit;
}

function v8Sample(): HeapSample {
  return { usedBytes: Deno.memoryUsage().heapUsed, limitBytes: v8Limit };
}

/** V8's full `gc()`, exposed at run time through a fresh context; a no-op where that is refused. */
function exposedGc(): () => void {
  try {
    nodeBuiltin("node:v8").setFlagsFromString("--expose-gc");
    const gc = nodeBuiltin("node:vm").runInNewContext("gc");
    // asynchronous: a synchronous full GC called from here broke in-flight node:net connects of an
    // npm:mongodb client in the same process (embedded use); the async one runs as its own task
    if (typeof gc === "function") return () => gc({ type: "major", execution: "async" });
  } catch { /* not available */ }
  return () => {};
}

function hostMemory(): number {
  try {
    return Deno.systemMemoryInfo().total;
  } catch {
    return Infinity;
  }
}

const mib = (b: number) => `${Math.round(b / MiB).toLocaleString("en")} MiB`;

export class HeapWatchdog {
  readonly #budgetBytes: number | undefined;
  readonly #cacheSizeBytes: number;
  readonly #hostMemoryBytes: () => number;
  #budget: number | undefined;
  /** The configured or host-derived budget (host memory read once). */
  #wanted: number | undefined;
  readonly #high: number;
  readonly #low: number;
  readonly #intervalMs: number;
  readonly #sample: () => HeapSample;
  readonly #readLimit: () => void;
  readonly #log: (level: "WARNING" | "INFO", msg: string) => void;
  readonly #collectOpt: (() => void) | undefined;
  readonly #onSample: ((pressured: boolean, fraction: number) => void) | undefined;
  #collect: (() => void) | undefined;
  #lastCollect = -Infinity;
  #timer: Timer | undefined;
  #pressured = false;
  #usedBytes = 0;
  /** How many commands were refused under pressure (serverStatus, tests). */
  refused = 0;

  constructor(opts: HeapWatchdogOptions = {}) {
    this.#sample = opts.sample ?? v8Sample;
    this.#readLimit = opts.readLimit ?? readV8Limit;
    this.#high = opts.high ?? 0.75;
    this.#low = opts.low ?? 0.6;
    this.#intervalMs = opts.intervalMs ?? 100;
    this.#log = opts.log ?? (() => {});
    this.#collectOpt = opts.collect;
    this.#onSample = opts.onSample;
    this.#budgetBytes = opts.budgetBytes;
    this.#cacheSizeBytes = opts.cacheSizeBytes ?? 0;
    this.#hostMemoryBytes = opts.hostMemoryBytes ?? hostMemory;
  }

  /**
   * The heap budget in bytes (see the module comment): fixed once the heap limit is known, until then
   * the configured or host-derived budget alone.
   */
  get budgetBytes(): number {
    if (this.#budget !== undefined) return this.#budget;
    const wanted = this.#wanted ??= this.#budgetBytes ||
      Math.max(MIN_AUTO_BUDGET, this.#hostMemoryBytes() - this.#cacheSizeBytes - HOST_RESERVE);
    const limit = this.#sample().limitBytes;
    return limit === undefined ? wanted : this.#budget = Math.min(wanted, limit);
  }

  /** Reads the heap limit the budget is capped at (node:v8: ~25 ms the first time in a process). */
  readLimit(): void {
    this.#readLimit();
  }

  /** True while new work is refused. */
  get pressured(): boolean {
    return this.#pressured;
  }

  /** Takes a sample now and updates the state (the timer calls it; tests call it directly). */
  check(): boolean {
    let s = this.#sample();
    if (s.limitBytes === undefined && s.usedBytes >= READ_LIMIT_ABOVE) {
      this.#readLimit();
      s = this.#sample();
    }
    if (this.#pressured && s.usedBytes / this.budgetBytes >= this.#low) {
      const now = performance.now();
      if (now - this.#lastCollect >= 1000) {
        this.#lastCollect = now;
        (this.#collect ??= this.#collectOpt ?? exposedGc())();
        s = this.#sample(); // an asynchronous collection shows at the next check
      }
    }
    this.#usedBytes = s.usedBytes;
    const frac = s.usedBytes / this.budgetBytes;
    if (!this.#pressured && frac >= this.#high) {
      this.#pressured = true;
      this.#log(
        "WARNING",
        `memory pressure: JS heap ${mib(s.usedBytes)} of a ${
          mib(this.budgetBytes)
        } budget; refusing new work until it falls below ${Math.round(this.#low * 100)}%`,
      );
    } else if (this.#pressured && frac < this.#low) {
      this.#pressured = false;
      this.#log(
        "INFO",
        `memory pressure over: JS heap ${mib(s.usedBytes)} of ${
          mib(this.budgetBytes)
        }; ${this.refused} commands were refused`,
      );
    }
    this.#onSample?.(this.#pressured, frac);
    return this.#pressured;
  }

  /** The error message for a refused command. */
  message(): string {
    return `server is under memory pressure (JS heap ${mib(this.#usedBytes)} used of a ${
      mib(this.budgetBytes)
    } budget): refusing new work until memory is freed; close idle cursors or retry later`;
  }

  /** Samples now and every `intervalMs`. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.check();
    this.#timer = unrefInterval(() => this.check(), this.#intervalMs);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
