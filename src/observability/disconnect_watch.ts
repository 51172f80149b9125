/**
 * Kill on client disconnect: an operation whose control carries a `peer` (dispatch sets it for the
 * read commands mongod marks kill-on-disconnect: find, getMore, aggregate without `$out` / `$merge`,
 * count, distinct, the list commands, hello and the authentication steps) stops with 279
 * ClientDisconnect once its client has hung up, at its next yield point — or at once where it waits
 * (a sleep, the JavaScript sandbox: `OpControl.kill` wakes those). Without it an abandoned `$where`
 * held the sandbox for its whole budget and an abandoned scan ran to its end.
 *
 * One unref'd sweep every {@link DISCONNECT_SWEEP_MS} while such operations run (started by the first,
 * stopped by the first sweep that finds none): the transport is asked only about operations older than
 * one sweep period, so a request that answers at once costs nothing here (the transport's check is a
 * zero-timeout poll of the socket on the shim's path, a read of what follows on Deno's).
 */
import { CLIENT_DISCONNECTED, type OpControl } from "./op_control.ts";
import { type Timer, unrefInterval } from "../timers.ts";

/** How often running watched operations are checked, and the age before their first check (ms). */
export const DISCONNECT_SWEEP_MS = 100;

/** What the watch needs of a running operation (a `RunningOp`). */
export interface WatchedOp {
  readonly control: OpControl;
  /** Epoch ms it started. */
  readonly startedAt: number;
}

export class DisconnectWatch {
  #timer: Timer | undefined;
  /** Operations stopped so far (tests, diagnostics). */
  killed = 0;

  constructor(
    /** The operations in progress (the registry's list). */
    private readonly running: () => Iterable<WatchedOp>,
    private readonly now: () => number = Date.now,
    private readonly everyMs: number = DISCONNECT_SWEEP_MS,
    /** Hears each kill (a log line). */
    private readonly onKill?: (op: WatchedOp) => void,
  ) {}

  /** An operation with a peer began: the sweep runs from now on while any does. */
  watch(): void {
    this.#timer ??= unrefInterval(() => this.sweep(), this.everyMs);
  }

  /** One pass (the timer's; tests call it directly). */
  sweep(): void {
    const now = this.now();
    let watched = 0;
    for (const op of this.running()) {
      const c = op.control;
      if (c.peer === undefined || c.killed) continue;
      watched++;
      if (now - op.startedAt < this.everyMs) continue;
      if (!c.peer.peerGone()) continue;
      c.kill(CLIENT_DISCONNECTED, "ClientDisconnect");
      this.killed++;
      this.onKill?.(op);
    }
    if (watched === 0) this.stop();
  }

  /** Stops the sweep (a later `watch` starts it again). */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
