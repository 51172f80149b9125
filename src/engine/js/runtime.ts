/**
 * runtime.ts — `JsRuntime`: runs server-side JavaScript (`$where`, `$function`, `$accumulator`,
 * mapReduce) in a sandbox thread with a time budget and a memory cap.
 *
 * The sandbox: a `node:worker_threads` Worker whose V8 heap is capped (`resourceLimits`, which Deno
 * 2.9 honours for node workers: past the cap V8 terminates the run, the server lives; the sandbox
 * answers `{oom: true}` for it and the thread is replaced — 139 "Out of memory", mongod's code), running user code in
 * `node:vm` contexts that hold only ECMAScript builtins plus the prelude's shell helpers — no `Deno`,
 * `require`, `process`, `fetch`, timers or dynamic `import()` (the context has no import callback);
 * only strings cross the realm boundary (worker_source.ts, prelude.ts). Why not a permissionless web
 * Worker (`deno: {permissions: "none"}`): Deno gives web workers no heap limit, and a web worker that
 * runs out of heap aborts the whole process ("Fatal JavaScript out of memory", measured), while node
 * workers inherit (and share) the process's permissions — so realm isolation plus a heap cap is the
 * combination Deno allows; docs/robustness.md records it.
 *
 * Time: every request runs under `vm`'s `timeout` (interrupts busy loops) = min(per-invocation budget,
 * time left before the operation's deadline); a backstop timer terminates the worker (and a fresh one
 * boots) if even that does not answer (an endless microtask chain, a dead worker). Two lanes: `inline`
 * calls block the event loop while they run (`Atomics.wait`, for `$function`/`$accumulator`/`$where`
 * inside synchronous evaluators; budget `JS_INLINE_BUDGET_MS`), `batch` requests are awaited
 * (`Atomics.waitAsync`; `$where` prefetched for find/count/distinct/writes, mapReduce; budget
 * `JS_BATCH_BUDGET_MS`), so a
 * busy-looping `$where` there never stalls other clients. Each lane is one worker, started at its
 * first use (~0.3 s).
 * Not pure like the rest of engine/: it owns worker threads.
 */
import { nodeBuiltin } from "../../node_builtin.ts";
import type { Worker } from "node:worker_threads";
import { CommandError } from "../../errors/command_error.ts";
import { PRELUDE_SOURCE } from "./prelude.ts";
import { WORKER_SOURCE } from "./worker_source.ts";

/** Longest one inline call (the event loop waits for it) may run. */
export const JS_INLINE_BUDGET_MS = 500;
/** Longest one batched invocation ($where per document, one map/reduce/finalize call) may run. */
export const JS_BATCH_BUDGET_MS = 10_000;
/** V8 old-generation cap of each sandbox thread, MiB. */
export const JS_HEAP_LIMIT_MB = 128;
/** Extra wait past the in-sandbox timeout before the worker is terminated from outside. */
const BACKSTOP_GRACE_MS = 2_000;
const BOOT_WAIT_MS = 10_000;
/** Items sent per message (the sandbox may answer fewer: it stops after half the budget). */
const MAX_ITEMS_PER_MESSAGE = 256;
const MAX_MESSAGE_CHARS = 4 * 1024 * 1024;

export type JsKind = "where" | "call" | "map";

export interface JsRequest {
  readonly kind: JsKind;
  /** The function (or expression) source. */
  readonly fn: string;
  /** Wire values (codec.ts): documents for where/map, `{args, self?}` for call. */
  readonly items: readonly unknown[];
  /** Global variables set before the items run (wire values), e.g. mapReduce's `scope`. */
  readonly scope?: Readonly<Record<string, unknown>> | undefined;
  /** Names the sandbox context (globals persist within one token; separate tokens never share). */
  readonly token: string;
}

/** What bounds an operation's JavaScript: its deadline, and its kill (an `OpControl` is one). */
export interface JsLimits {
  /** Epoch ms after which the operation fails with 50 (maxTimeMS). */
  readonly deadline: number | undefined;
  /** Aborted when the operation is killed (killOp, its client hung up): an awaited run stops then. */
  readonly signal?: AbortSignal | undefined;
}

export interface RunOptions {
  /** Epoch ms after which the operation fails with 50 (maxTimeMS). */
  readonly deadline?: number | undefined;
  /**
   * Aborted when the operation is killed: an awaited run stops at once with the abort's reason (the
   * sandbox thread running it is replaced, as after a timeout). Inline calls run to their budget.
   */
  readonly signal?: AbortSignal | undefined;
  /** Per-invocation budget of an awaited run (default: the batch budget), e.g. the inline budget for deferred `$function` calls. */
  readonly budgetMs?: number | undefined;
}

type Reply = { ok?: unknown[]; err?: string; timeout?: boolean; n?: number; big?: boolean; oom?: boolean };

class Lane {
  #worker: Worker | undefined;
  #sab: SharedArrayBuffer | undefined;
  /** Why the current worker died (set by its error event), read by the waiter. */
  #death: string | undefined;
  /** Resolves when the current worker dies (one promise per worker, raced by every request). */
  #deathPromise: Promise<string> = new Promise(() => {});
  #resolveDeath: (why: string) => void = () => {};
  #queue: Promise<void> = Promise.resolve();

  constructor(readonly heapMb: number) {}

  ensure(): { w: Worker; sab: SharedArrayBuffer } {
    if (this.#worker && this.#sab) return { w: this.#worker, sab: this.#sab };
    const sab = new SharedArrayBuffer(64 * 1024, { maxByteLength: 64 * 1024 * 1024 });
    // node:worker_threads is loaded with the first sandbox, not on the server's start path
    const { Worker } = nodeBuiltin("node:worker_threads");
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { prelude: PRELUDE_SOURCE, heapMb: this.heapMb },
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb, maxYoungGenerationSizeMb: 16 },
      stdout: false,
      stderr: false,
    });
    w.unref();
    this.#death = undefined;
    this.#deathPromise = new Promise((resolve) => this.#resolveDeath = resolve);
    w.on("error", (e: Error) => this.#died(w, String(e?.message ?? e)));
    w.on("exit", () => this.#died(w, "the JavaScript sandbox exited"));
    w.postMessage({ boot: sab });
    this.#worker = w;
    this.#sab = sab;
    return { w, sab };
  }

  #died(w: Worker, why: string): void {
    if (this.#worker !== w) return;
    this.#death = why;
    this.#worker = undefined;
    this.#sab = undefined;
    this.#resolveDeath(why);
  }

  kill(): void {
    const w = this.#worker;
    this.#worker = undefined;
    this.#sab = undefined;
    if (w) void w.terminate();
  }

  /** Runs `fn` with the lane to itself (batch lane: requests take turns message by message). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.then(() => {}, () => {});
    return run;
  }

  /** Resolves when the worker `ensure` last returned dies. */
  onDeath(): Promise<string> {
    return this.#deathPromise;
  }

  get deathReason(): string | undefined {
    return this.#death;
  }
}

const decoder = new TextDecoder();

function readReply(sab: SharedArrayBuffer): Reply {
  const ctl = new Int32Array(sab, 0, 4);
  const len = Atomics.load(ctl, 1);
  return JSON.parse(decoder.decode(new Uint8Array(sab, 16, len).slice())) as Reply;
}

export class JsRuntime {
  readonly #inline: Lane;
  readonly #batch: Lane;
  #tokens = 0;

  constructor(
    /** `[server] javascript_enabled`: false refuses every JavaScript feature (mongod's codes). */
    readonly enabled: boolean,
    readonly opts: {
      readonly heapLimitMb?: number;
      readonly inlineBudgetMs?: number;
      readonly batchBudgetMs?: number;
    } = {},
  ) {
    const heap = opts.heapLimitMb ?? JS_HEAP_LIMIT_MB;
    this.#inline = new Lane(heap);
    this.#batch = new Lane(heap);
  }

  get inlineBudgetMs(): number {
    return this.opts.inlineBudgetMs ?? JS_INLINE_BUDGET_MS;
  }

  get batchBudgetMs(): number {
    return this.opts.batchBudgetMs ?? JS_BATCH_BUDGET_MS;
  }

  /** A fresh context name (one per operation or compiled expression). */
  newToken(): string {
    return `t${++this.#tokens}`;
  }

  /** Boots the batch lane's worker ahead of use (its first request would wait for the boot anyway). */
  warm(): void {
    this.#batch.ensure();
  }

  /** Stops both sandbox threads (server shutdown). */
  stop(): void {
    this.#inline.kill();
    this.#batch.kill();
  }

  /**
   * Runs `req` synchronously: the calling thread waits (at most the inline budget, or less before
   * `deadline`). Returns one wire result per item.
   */
  callSync(req: JsRequest, opts: RunOptions = {}): unknown[] {
    const out: unknown[] = [];
    let items = req.items;
    while (items.length > 0) {
      const chunk = takeChunk(items);
      const res = this.#callSyncOnce({ ...req, items: chunk }, opts);
      out.push(...res);
      items = items.slice(res.length);
    }
    return out;
  }

  #callSyncOnce(req: JsRequest, opts: RunOptions): unknown[] {
    const lane = this.#inline;
    const { budget, byDeadline } = this.#budget(this.inlineBudgetMs, opts);
    let { w, sab } = lane.ensure();
    let ctl = new Int32Array(sab, 0, 4);
    if (Atomics.load(ctl, 2) === 0) {
      Atomics.wait(ctl, 2, 0, BOOT_WAIT_MS);
      ({ w, sab } = lane.ensure());
      ctl = new Int32Array(sab, 0, 4);
    }
    Atomics.store(ctl, 0, 0);
    w.postMessage({ sab, token: req.token, text: requestText(req, budget), timeoutMs: budget });
    const r = Atomics.wait(ctl, 0, 0, budget + BACKSTOP_GRACE_MS);
    if (r === "timed-out") {
      lane.kill();
      throw timeoutError(budget, byDeadline);
    }
    return this.#results(lane, readReply(sab), budget, byDeadline);
  }

  /**
   * Runs `req` without blocking the event loop; items go in chunks (other requests take turns
   * between chunks). Returns one wire result per item.
   */
  async run(req: JsRequest, opts: RunOptions = {}): Promise<unknown[]> {
    const out: unknown[] = [];
    let items = req.items;
    while (items.length > 0) {
      const chunk = takeChunk(items);
      const res = await this.#batch.exclusive(() => this.#runOnce({ ...req, items: chunk }, opts));
      out.push(...res);
      items = items.slice(res.length);
    }
    return out;
  }

  async #runOnce(req: JsRequest, opts: RunOptions): Promise<unknown[]> {
    const signal = opts.signal;
    if (signal?.aborted) throw signal.reason; // killed while waiting for its turn on the lane
    const lane = this.#batch;
    const { budget, byDeadline } = this.#budget(opts.budgetMs ?? this.batchBudgetMs, opts);
    let { w, sab } = lane.ensure();
    const death = lane.onDeath();
    let onAbort: (() => void) | undefined;
    const aborted = signal === undefined ? undefined : new Promise<"killed">((resolve) => {
      onAbort = () => resolve("killed");
      signal.addEventListener("abort", onAbort, { once: true });
    });
    let ctl = new Int32Array(sab, 0, 4);
    if (Atomics.load(ctl, 2) === 0) {
      const boot = Atomics.waitAsync(ctl, 2, 0);
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (boot.async) {
        // (a kill while the sandbox thread boots — slow on a loaded machine — ends the wait too)
        await Promise.race([
          boot.value,
          death,
          new Promise((r) => timer = setTimeout(r, BOOT_WAIT_MS)),
          ...(aborted ? [aborted] : []),
        ]);
      }
      clearTimeout(timer);
      if (signal?.aborted) {
        signal.removeEventListener("abort", onAbort!);
        throw signal.reason; // killed before the run was handed over: nothing ran
      }
      ({ w, sab } = lane.ensure());
      ctl = new Int32Array(sab, 0, 4);
    }
    Atomics.store(ctl, 0, 0);
    w.postMessage({ sab, token: req.token, text: requestText(req, budget), timeoutMs: budget });
    // the backstop is a timer, not waitAsync's timeout: a pending timer keeps the event loop alive
    const wait = Atomics.waitAsync(ctl, 0, 0);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const backstop = new Promise<"timed-out">((resolve) => {
      timer = setTimeout(() => resolve("timed-out"), budget + BACKSTOP_GRACE_MS);
    });
    type Outcome = "ok" | "not-equal" | "timed-out" | "killed" | { died: string };
    let r: Outcome;
    if (wait.async) {
      const racers: Promise<Outcome>[] = [wait.value, backstop, death.then((why) => ({ died: why }))];
      if (aborted !== undefined) racers.push(aborted);
      r = await Promise.race(racers);
    } else r = wait.value;
    clearTimeout(timer);
    if (onAbort !== undefined) signal!.removeEventListener("abort", onAbort);
    if (r === "killed") {
      lane.kill(); // the run is abandoned mid-way: a fresh sandbox thread boots for the next request
      throw signal!.reason;
    }
    if (typeof r === "object") {
      lane.kill();
      throw outOfMemoryError(r.died, lane.heapMb);
    }
    if (r === "timed-out") {
      lane.kill();
      throw timeoutError(budget, byDeadline);
    }
    return this.#results(lane, readReply(sab), budget, byDeadline);
  }

  #budget(own: number, opts: RunOptions): { budget: number; byDeadline: boolean } {
    if (opts.deadline === undefined) return { budget: own, byDeadline: false };
    const left = opts.deadline - Date.now();
    if (left <= 0) throw new CommandError("MaxTimeMSExpired", "operation exceeded time limit");
    return left < own
      ? { budget: Math.max(1, Math.ceil(left)), byDeadline: true }
      : { budget: own, byDeadline: false };
  }

  #results(lane: Lane, reply: Reply, budget: number, byDeadline: boolean): unknown[] {
    if (reply.oom) {
      lane.kill(); // its heap is at the cap: a fresh thread boots at the next request
      throw outOfMemoryError("the run was stopped at the cap", lane.heapMb);
    }
    if (reply.timeout) throw timeoutError(budget, byDeadline);
    if (reply.big) {
      throw new CommandError("ExceededMemoryLimit", "a server-side JavaScript reply exceeded 64 MiB");
    }
    if (reply.err !== undefined) throw new CommandError("JSInterpreterFailure", reply.err);
    return reply.ok ?? [];
  }
}

function takeChunk(items: readonly unknown[]): readonly unknown[] {
  if (items.length <= 1) return items;
  let chars = 0;
  let n = 0;
  for (const it of items) {
    if (n >= MAX_ITEMS_PER_MESSAGE) break;
    chars += JSON.stringify(it)?.length ?? 0;
    if (n > 0 && chars > MAX_MESSAGE_CHARS) break;
    n++;
  }
  return items.slice(0, n);
}

function requestText(req: JsRequest, budget: number): string {
  return JSON.stringify({
    kind: req.kind,
    fn: req.fn,
    items: req.items,
    ...(req.scope ? { scope: req.scope } : {}),
    // past half the budget the sandbox answers with what it has (at least one item)
    soft: Math.max(1, Math.floor(budget / 2)),
  });
}

function timeoutError(budget: number, byDeadline: boolean): CommandError {
  return byDeadline
    ? new CommandError("MaxTimeMSExpired", "operation exceeded time limit")
    : new CommandError(
      "MaxTimeMSExpired",
      `server-side JavaScript ran longer than its ${budget} ms budget per invocation and was interrupted`,
    );
}

/**
 * mongod 8.0 (SpiderMonkey) reports a script that runs out of JavaScript heap as 139
 * JSInterpreterFailure "Out of memory" (MozJSImplScope's interrupt callback; its
 * jstests/noPassthrough javascript_heap_limit test expects JSInterpreterFailure for `$function`,
 * `$accumulator`, mapReduce and `$where` past `jsHeapLimitMB`), not 146.
 */
function outOfMemoryError(why: string, heapMb: number): CommandError {
  return new CommandError(
    "JSInterpreterFailure",
    `Out of memory: server-side JavaScript exceeded the sandbox's ${heapMb} MiB heap (${why})`,
  );
}
