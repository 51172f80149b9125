/**
 * The logical-session registry: every command that carries an `lsid` refreshes that session's
 * last use; endSessions forgets sessions; `$listLocalSessions` lists them. Sessions idle longer than
 * logicalSessionTimeoutMinutes (30) are dropped. The sessions/transactions issue builds on this.
 */
import type { Binary } from "bson";
import type { Document as Doc } from "../bson/document.ts";
import { type Lsid, lsidKey } from "./lsid.ts";

const TIMEOUT_MS = 30 * 60 * 1000;

interface SessionEntry {
  readonly id: Binary;
  readonly uid?: Binary;
  lastUse: Date;
}

export class LogicalSessions {
  readonly #sessions = new Map<string, SessionEntry>();
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Records a use of the session named by a command's `lsid`. */
  touch(lsid: Lsid): void {
    const key = lsidKey(lsid);
    const s = this.#sessions.get(key);
    if (s) s.lastUse = this.now();
    else {this.#sessions.set(key, {
        id: lsid.id,
        ...(lsid.uid ? { uid: lsid.uid } : {}),
        lastUse: this.now(),
      });}
  }

  end(lsid: Lsid): void {
    this.#sessions.delete(lsidKey(lsid));
  }

  /** `$listLocalSessions` documents: `{_id: {id, uid?}, lastUse}`, idle ones dropped first. */
  list(): Doc[] {
    const cutoff = this.now().getTime() - TIMEOUT_MS;
    const out: Doc[] = [];
    for (const [k, s] of this.#sessions) {
      if (s.lastUse.getTime() < cutoff) {
        this.#sessions.delete(k);
        continue;
      }
      out.push({ _id: s.uid ? { id: s.id, uid: s.uid } : { id: s.id }, lastUse: s.lastUse });
    }
    return out;
  }
}
