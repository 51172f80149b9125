/**
 * Expectation checks of the unified test format: `expectError`, `expectEvents`, `outcome`.
 * Each returns null when satisfied or a failure message.
 */
import { type MongoClient, MongoClientBulkWriteError, MongoServerError } from "mongodb";
import type { CapturedEvent, EntityMap } from "./entities.ts";
import { isCmapEvent } from "./entities.ts";
import { match, type MatchContext } from "./match.ts";
import { mapToDoc, normalizeBulk, normalizeClientBulk } from "./results.ts";

export function matchContext(entities: EntityMap): MatchContext {
  return {
    entity: (n) => entities.value(n),
    sessionLsid: (n) => entities.session(n).lsid,
  };
}

type Rec = Record<string, unknown>;

function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: unknown; codeName?: unknown };
  return `${e.name ?? "Error"}: ${e.message ?? String(err)}${e.code !== undefined ? ` (code ${e.code}` : ""}${
    e.codeName ? ` ${e.codeName})` : e.code !== undefined ? ")" : ""
  }`;
}

export { errorText };

/**
 * The error the code/label/response expectations apply to: for a client bulkWrite the driver wraps a
 * top-level server error in a MongoClientBulkWriteError (`cause`, with `partialResult` beside it), and the
 * unified format checks errorCode, errorCodeName, errorContains, errorLabels and errorResponse against that
 * top-level error; partial results, writeErrors and writeConcernErrors stay on the wrapper.
 */
function topLevelError(err: unknown): unknown {
  if (err instanceof MongoClientBulkWriteError && err.cause instanceof MongoServerError) return err.cause;
  return err;
}

export function checkError(outer: unknown, exp: Rec, entities: EntityMap): string | null {
  const err = topLevelError(outer);
  const e = err as Rec & { message?: string; hasErrorLabel?(l: string): boolean };
  const w = outer as Rec;
  const isServer = err instanceof MongoServerError;
  const ctx = matchContext(entities);
  const desc = errorText(err);
  if (exp.isClientError === true && isServer) return `expected a client error, got server error ${desc}`;
  if (exp.isClientError === false && !isServer) return `expected a server error, got client error ${desc}`;
  if (exp.isTimeoutError !== undefined) {
    const isTimeout = (e.name ?? "") === "MongoOperationTimeoutError";
    if (isTimeout !== exp.isTimeoutError) return `expected isTimeoutError=${exp.isTimeoutError}, got ${desc}`;
  }
  if (typeof exp.errorContains === "string") {
    if (!String(e.message ?? "").toLowerCase().includes(exp.errorContains.toLowerCase())) {
      return `expected error containing "${exp.errorContains}", got ${desc}`;
    }
  }
  if (exp.errorCode !== undefined && e.code !== exp.errorCode) {
    return `expected error code ${exp.errorCode}, got ${desc}`;
  }
  if (exp.errorCodeName !== undefined && e.codeName !== exp.errorCodeName) {
    return `expected error codeName ${exp.errorCodeName}, got ${desc}`;
  }
  const hasLabel = (l: string) => typeof e.hasErrorLabel === "function" && e.hasErrorLabel(l);
  for (const l of (exp.errorLabelsContain ?? []) as string[]) {
    if (!hasLabel(l)) return `expected error label ${l}; ${desc}`;
  }
  for (const l of (exp.errorLabelsOmit ?? []) as string[]) {
    if (hasLabel(l)) return `unexpected error label ${l}; ${desc}`;
  }
  if (exp.errorResponse !== undefined) {
    const r = match(exp.errorResponse, e.errorResponse ?? e, { ctx });
    if (r) return `errorResponse: ${r}`;
  }
  if (exp.expectResult !== undefined) {
    let actual: unknown = undefined;
    if (w.result && typeof w.result === "object") actual = normalizeBulk(w.result as Rec);
    if (w.partialResult && typeof w.partialResult === "object") {
      actual = normalizeClientBulk(w.partialResult as Rec);
    }
    const r = match(exp.expectResult, actual, { ctx });
    if (r) return `expectError.expectResult: ${r}`;
  }
  if (exp.writeErrors !== undefined) {
    const actual = mapToDoc(w.writeErrors) as Rec | undefined;
    for (const [k, v] of Object.entries(exp.writeErrors as Rec)) {
      const r = match(v, actual?.[k], { ctx, path: `writeErrors.${k}` });
      if (r) return r;
    }
    const extra = Object.keys(actual ?? {}).filter((k) => !(k in (exp.writeErrors as Rec)));
    if (extra.length) return `unexpected writeErrors at ${extra.join(",")}`;
  }
  if (exp.writeConcernErrors !== undefined) {
    const r = match(exp.writeConcernErrors, w.writeConcernErrors, { ctx, path: "writeConcernErrors" });
    if (r) return r;
  }
  return null;
}

/**
 * A client-side divergence, not a server behaviour: the Node driver (7.x, lib/sessions.js
 * commitTransaction) always sends `wtimeout: 10000` beside a transaction's writeConcern on
 * commitTransaction/abortTransaction, where the spec expects the writeConcern exactly as configured.
 * When the expected writeConcern has no `wtimeout` and the driver added exactly that default, the
 * observed command is compared without it.
 */
function withoutDriverWtimeout(expected: unknown, actual: unknown, commandName: unknown): unknown {
  if (commandName !== "commitTransaction" && commandName !== "abortTransaction") return actual;
  const ewc = (expected as Rec | undefined)?.writeConcern;
  const awc = (actual as Rec | undefined)?.writeConcern as Rec | undefined;
  if (ewc === null || typeof ewc !== "object" || Array.isArray(ewc) || "wtimeout" in (ewc as Rec)) {
    return actual;
  }
  if (!awc || Number(awc.wtimeout) !== 10000) return actual;
  const { wtimeout: _dropped, ...rest } = awc;
  return { ...(actual as Rec), writeConcern: rest };
}

function eventMatches(expected: Rec, actual: CapturedEvent, ctx: MatchContext, path: string): string | null {
  const [type, body] = Object.entries(expected)[0] ?? [];
  if (!type) return `${path}: empty expected event`;
  if (type !== actual.type) {
    return `${path}: expected ${type}, got ${actual.type} (${actual.data.commandName ?? ""})`;
  }
  const a = actual.data;
  for (const [k, v] of Object.entries((body ?? {}) as Rec)) {
    let r: string | null = null;
    switch (k) {
      case "command":
        r = match(v, withoutDriverWtimeout(v, a[k], a.commandName), { ctx, path: `${path}.${k}` });
        break;
      case "reply":
        r = match(v, a[k], { ctx, path: `${path}.${k}` });
        break;
      case "hasServiceId":
        r = Boolean(a.serviceId) === v ? null : `${path}: hasServiceId expected ${v}`;
        break;
      case "hasServerConnectionId":
        r = (a.serverConnectionId != null) === v ? null : `${path}: hasServerConnectionId expected ${v}`;
        break;
      default:
        r = match(v, a[k], { ctx, root: false, path: `${path}.${k}` });
    }
    if (r) return r;
  }
  return null;
}

export function checkEvents(spec: Rec, entities: EntityMap): string | null {
  const eventType = String(spec.eventType ?? "command");
  const all = entities.client(String(spec.client)).events;
  const actual = all.filter((e) => (eventType === "cmap" ? isCmapEvent(e.type) : !isCmapEvent(e.type)));
  const expected = (spec.events ?? []) as Rec[];
  const ctx = matchContext(entities);
  const names = () =>
    actual.map((e) => `${e.type.replace("Event", "")}:${e.data.commandName ?? ""}`).join(", ");
  if (spec.ignoreExtraEvents === true ? actual.length < expected.length : actual.length !== expected.length) {
    return `expected ${expected.length} ${eventType} events for ${spec.client}, got ${actual.length} [${names()}]`;
  }
  for (let i = 0; i < expected.length; i++) {
    const r = eventMatches(expected[i]!, actual[i]!, ctx, `events[${i}]`);
    if (r) return `${r} [observed: ${names()}]`;
  }
  return null;
}

export async function checkOutcome(outcome: Rec[], internal: MongoClient): Promise<string | null> {
  for (const o of outcome) {
    const docs = await internal.db(String(o.databaseName)).collection(String(o.collectionName))
      .find({}, { sort: { _id: 1 }, readPreference: "primary", readConcern: { level: "local" } }).toArray();
    // Outcome documents must match exactly: no extra fields even at the root.
    const r = match(o.documents, docs, {
      root: false,
      path: `outcome ${o.databaseName}.${o.collectionName}`,
    });
    if (r) return r;
  }
  return null;
}
