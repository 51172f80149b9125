/**
 * The logical-session registry: every command that carries an `lsid` refreshes that session's
 * last use; endSessions forgets sessions; `$listLocalSessions` lists them. Sessions idle longer than
 * logicalSessionTimeoutMinutes (30) are dropped. The sessions/transactions issue builds on this.
 */
import { Binary } from "bson";
import type { Doc } from "../spec.ts";

const TIMEOUT_MS = 30 * 60 * 1000;

interface SessionEntry {
  readonly id: Binary;
  readonly uid?: Binary;
  lastUse: Date;
}

function keyOf(lsid: unknown): { key: string; id: Binary; uid?: Binary } | undefined {
  if (lsid === null || typeof lsid !== "object") return undefined;
  const id = (lsid as Doc)["id"];
  if (!(id instanceof Binary)) return undefined;
  const uid = (lsid as Doc)["uid"];
  let key = "";
  for (const b of id.buffer) key += b.toString(16).padStart(2, "0");
  if (uid instanceof Binary) {
    key += ":";
    for (const b of uid.buffer) key += b.toString(16).padStart(2, "0");
    return { key, id, uid };
  }
  return { key, id };
}

export class LogicalSessions {
  readonly #sessions = new Map<string, SessionEntry>();
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Records a use of the session named by a command's `lsid` (ignored when malformed). */
  touch(lsid: unknown): void {
    const k = keyOf(lsid);
    if (!k) return;
    const s = this.#sessions.get(k.key);
    if (s) s.lastUse = this.now();
    else this.#sessions.set(k.key, { id: k.id, ...(k.uid ? { uid: k.uid } : {}), lastUse: this.now() });
  }

  end(lsid: unknown): void {
    const k = keyOf(lsid);
    if (k) this.#sessions.delete(k.key);
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
