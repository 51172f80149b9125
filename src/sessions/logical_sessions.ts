/**
 * The logical-session registry: every command that carries an `lsid` refreshes that session's
 * last use; endSessions forgets sessions; `$listLocalSessions` lists them. Sessions idle longer than
 * logicalSessionTimeoutMinutes (30) are dropped. The sessions/transactions issue builds on this.
 *
 * Bounded (issue 11): at most `maxSessions` sessions are held (each costs ~0.5 KB); a command naming a
 * new session past it fails with mongod's 261 TooManyLogicalSessions (mongod's `maxSessions` parameter,
 * whose default is 1,000,000; ours is `[server] max_sessions`, 100,000), after idle ones are dropped.
 */
import type { Binary } from "bson";
import { CommandError } from "../errors/command_error.ts";
import type { Document as Doc } from "../bson/document.ts";
import { type Lsid, lsidKey } from "./lsid.ts";

const TIMEOUT_MS = 30 * 60 * 1000;
/** Default bound on sessions held at once. */
export const DEFAULT_MAX_SESSIONS = 100_000;
/** At the bound, idle sessions are looked for at most this often (a full scan). */
const SWEEP_INTERVAL_MS = 1000;

interface SessionEntry {
  readonly id: Binary;
  readonly uid?: Binary;
  /** ms since the epoch (a Date only when listed: every request with an lsid sets it). */
  lastUse: number;
}

export class LogicalSessions {
  readonly #sessions = new Map<string, SessionEntry>();
  #lastSweep = -Infinity;
  /** `now`: an injected clock (tests); without one, `Date.now()` (no Date object per request). */
  constructor(
    private readonly now?: () => Date,
    readonly maxSessions: number = DEFAULT_MAX_SESSIONS,
  ) {}

  #ms(): number {
    return this.now === undefined ? Date.now() : this.now().getTime();
  }

  /** Sessions held now. */
  get size(): number {
    return this.#sessions.size;
  }

  /**
   * Records a use of the session named by a command's `lsid`. A new session past `maxSessions` (once
   * idle ones are dropped) throws 261 TooManyLogicalSessions — unless `refuse` is false (commands that
   * end sessions must run even when the table is full: the new session is then not recorded).
   */
  touch(lsid: Lsid, refuse = true): void {
    const key = lsidKey(lsid);
    const s = this.#sessions.get(key);
    if (s) {
      s.lastUse = this.#ms();
      return;
    }
    if (this.#sessions.size >= this.maxSessions) {
      this.#dropIdle();
      if (this.#sessions.size >= this.maxSessions) {
        if (!refuse) return;
        throw new CommandError(
          "TooManyLogicalSessions",
          "Unable to add session into the cache because the number of active sessions is too high",
        );
      }
    }
    this.#sessions.set(key, {
      id: lsid.id,
      ...(lsid.uid ? { uid: lsid.uid } : {}),
      lastUse: this.#ms(),
    });
  }

  /** Drops sessions idle past the timeout (at most once per SWEEP_INTERVAL_MS). */
  #dropIdle(): void {
    const t = this.#ms();
    if (t - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = t;
    const cutoff = t - TIMEOUT_MS;
    for (const [k, s] of this.#sessions) if (s.lastUse < cutoff) this.#sessions.delete(k);
  }

  end(lsid: Lsid): void {
    this.#sessions.delete(lsidKey(lsid));
  }

  /** `$listLocalSessions` documents: `{_id: {id, uid?}, lastUse}`, idle ones dropped first. */
  list(): Doc[] {
    const cutoff = this.#ms() - TIMEOUT_MS;
    const out: Doc[] = [];
    for (const [k, s] of this.#sessions) {
      if (s.lastUse < cutoff) {
        this.#sessions.delete(k);
        continue;
      }
      out.push({ _id: s.uid ? { id: s.id, uid: s.uid } : { id: s.id }, lastUse: new Date(s.lastUse) });
    }
    return out;
  }
}
