/**
 * The operations in progress, by op id: what `currentOp` lists and `killOp` interrupts. Dispatch
 * registers every command it runs (with its OpControl and a caller-defined description) and removes
 * it when the reply is ready; killing an op asks its OpControl to stop at its next yield point, where
 * it fails with 11601 Interrupted (docs/concurrency.md); an operation whose client hangs up is killed
 * with 279 (its control's `peer`, disconnect_watch.ts). A leaf: it knows nothing of commands.
 */
import type { OpControl } from "./op_control.ts";
import { DisconnectWatch } from "./disconnect_watch.ts";

export interface RunningOp<D> {
  readonly opId: number;
  readonly control: OpControl;
  /** Epoch milliseconds when the operation started. */
  readonly startedAt: number;
  /** What the registering layer wants to show (command, namespace, client …). */
  readonly detail: D;
}

export class OpRegistry<D> {
  /**
   * One running op outside the map: most of the time a single command runs at once (a c=1 client, a
   * command answered in the turn its request came), and a Map emptied by every `end` re-allocates
   * its table at every `begin` (V8 shrinks an empty Map's table: ~0.5 KB per request).
   */
  #one: RunningOp<D> | undefined;
  /** The others (several commands running at once: awaiting storage, a yield, a getMore …). */
  readonly #ops = new Map<number, RunningOp<D>>();
  #lastId = 0;
  /** Stops operations whose client hung up (those whose control has a `peer`). */
  readonly disconnects: DisconnectWatch;

  constructor(
    private readonly now: () => number = Date.now,
    /** Hears every operation that begins (the idle malloc trimmer notes work, malloc_trim.ts). */
    private readonly onBegin?: (detail: D) => void,
  ) {
    this.disconnects = new DisconnectWatch(() => this.list(), now);
  }

  /** A fresh operation id (positive, increasing). */
  nextId(): number {
    return ++this.#lastId;
  }

  begin(opId: number, control: OpControl, detail: D): void {
    const op = { opId, control, startedAt: this.now(), detail };
    if (this.#one === undefined) this.#one = op;
    else this.#ops.set(opId, op);
    if (control.peer !== undefined) this.disconnects.watch();
    this.onBegin?.(detail);
  }

  end(opId: number): void {
    if (this.#one?.opId === opId) this.#one = undefined;
    else this.#ops.delete(opId);
  }

  /** Whether an operation in progress satisfies `test` (no list built: polled often). */
  some(test: (op: RunningOp<D>) => boolean): boolean {
    if (this.#one !== undefined && test(this.#one)) return true;
    for (const op of this.#ops.values()) if (test(op)) return true;
    return false;
  }

  /** The operations in progress, oldest first. */
  list(): RunningOp<D>[] {
    const all = [...this.#ops.values()];
    if (this.#one === undefined) return all;
    all.push(this.#one);
    // (the slot's op may be older or newer than the map's: ids increase with time)
    return all.length === 1 ? all : all.sort((a, b) => a.opId - b.opId);
  }

  /** Asks an operation to stop at its next yield point; false when no such op is running. */
  kill(opId: number): boolean {
    const op = this.#one?.opId === opId ? this.#one : this.#ops.get(opId);
    if (!op) return false;
    op.control.kill();
    return true;
  }

  /** How long an operation has been running, in microseconds. */
  elapsedMicros(op: RunningOp<D>): number {
    return Math.max(0, Math.round((this.now() - op.startedAt) * 1000));
  }
}
