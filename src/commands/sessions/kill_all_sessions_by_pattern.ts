/**
 * killAllSessionsByPattern: `{killAllSessionsByPattern: [<pattern>, …]}` kills the sessions matching
 * any pattern — `{lsid: {id, uid?}}` one session, `{uid: <binData>}` the sessions of one user,
 * `{users: [...]}` / `{roles: [...]}` by user or role (no users exist yet, so these match every
 * session) — and an empty list kills all, as mongod. Killing aborts open transactions and kills the
 * sessions' cursors (as killSessions).
 */
import { Binary } from "bson";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { any, array, arrayOf, optional, parseShape, shape } from "../params/schema.ts";
import { wrongType } from "../params/errors.ts";
import type { Lsid } from "../params/generic.ts";
import { sessionList } from "./session_list.ts";
import { endLogicalSession, killSessionOps } from "./kill_session.ts";
import { lsidKey } from "../../sessions/lsid.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";

const PATTERN = {
  lsid: optional(any),
  uid: optional(any),
  users: optional(array),
  roles: optional(array),
} as const;

export interface SessionPattern {
  readonly lsid?: Lsid;
  readonly uid?: Binary;
  /** users/roles given: there is no authentication yet, so every session matches. */
  readonly byUserOrRole: boolean;
}

export interface KillAllSessionsByPatternParams {
  readonly patterns: readonly SessionPattern[];
}

export function parseKillAllSessionsByPattern(body: Doc): KillAllSessionsByPatternParams {
  const path = "killAllSessionsByPattern";
  const raw = arrayOf(shape(PATTERN))(body[path], path);
  const patterns = raw.map((p): SessionPattern => {
    const lsid = p.lsid === undefined ? undefined : sessionList([p.lsid], `${path}.lsid`)[0];
    if (p.uid !== undefined && !(p.uid instanceof Binary)) throw wrongType(`${path}.uid`, p.uid, "binData");
    return {
      ...(lsid ? { lsid } : {}),
      ...(p.uid instanceof Binary ? { uid: p.uid } : {}),
      byUserOrRole: p.users !== undefined || p.roles !== undefined,
    };
  });
  parseShape(path, body, {}, { skip: path, alsoAccept: GENERIC_FIELDS });
  return { patterns };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function matches(p: SessionPattern, key: string, uid: Binary | undefined): boolean {
  if (p.lsid) return lsidKey(p.lsid) === key;
  if (p.uid) return uid !== undefined && sameBytes(uid.buffer, p.uid.buffer);
  return true; // {} or users/roles (no users yet): everything
}

function run(ctx: RequestContext<KillAllSessionsByPatternParams>): Doc {
  const { patterns } = ctx.params;
  const killed = new Set<string>();
  for (const s of ctx.sessions.list()) {
    const id = s["_id"] as { id: Binary; uid?: Binary };
    const lsid: Lsid = id.uid ? { id: id.id, uid: id.uid } : { id: id.id };
    const key = lsidKey(lsid);
    if (patterns.length === 0 || patterns.some((p) => matches(p, key, id.uid))) {
      endLogicalSession(ctx, lsid, "killAllSessionsByPattern");
      killed.add(key);
    }
  }
  killSessionOps(ctx, (key) => patterns.length === 0 || killed.has(key));
  if (patterns.length === 0) {
    for (const key of ctx.transactions.sessionsWithOpenTransactions()) {
      ctx.transactions.endSession(key, "killAllSessionsByPattern");
    }
    ctx.cursors.killAllSessions();
  }
  return { ok: 1 };
}

export const killAllSessionsByPattern = defineCommand<KillAllSessionsByPatternParams>({
  name: "killAllSessionsByPattern",
  help:
    "kills the sessions matching patterns: {killAllSessionsByPattern: [{lsid} | {uid} | {users} | {roles}]}",
  auth: "killAnySession",
  parse: parseKillAllSessionsByPattern,
  run,
});
