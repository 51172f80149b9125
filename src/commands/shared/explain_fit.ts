/**
 * Keeps an explain reply inside the BSON limit the way mongod does: plan stages are emitted while
 * the reply built so far is under the explain threshold (10 MB) — past it a stage becomes
 * `{warning: "stats tree exceeded BSON size limit for explain"}` and an IXSCAN's bounds that would
 * cross it become `warning: "index bounds omitted …"`; `parsedQuery` and the echoed `command` are
 * kept only if they fit under 16 MB (else `warning: "'<field>' has been omitted …"`). PURE.
 */
import { BSON } from "bson";
import type { Doc } from "../reply.ts";

/** mongod's internalQueryExplainSizeThresholdBytes default. */
export const EXPLAIN_STATS_LIMIT = 10 * 1024 * 1024;
const USER_LIMIT = 16 * 1024 * 1024;
const STATS_WARNING = "stats tree exceeded BSON size limit for explain";
const BOUNDS_WARNING = "index bounds omitted due to BSON size limit for explain";

/** Fields holding a plan stage tree (or a list of them). */
const STAGE_FIELDS = new Set([
  "winningPlan",
  "executionStages",
  "rejectedPlans",
  "inputStage",
  "inputStages",
]);
/** Fields appended only when there is room for them. */
const IF_ROOM_FIELDS = new Set(["parsedQuery", "command"]);

function isDoc(v: unknown): v is Doc {
  return typeof v === "object" && v !== null && !Array.isArray(v) &&
    (v as { _bsontype?: string })._bsontype === undefined &&
    !(v instanceof Date) && !(v instanceof RegExp) && !(v instanceof Uint8Array);
}

/** Bytes `k: v` takes inside a document. */
function elementSize(k: string, v: unknown): number {
  return BSON.calculateObjectSize({ [k]: v }) - 5;
}

/** A copy of `reply` whose size stays within mongod's explain limits (small replies come back equal). */
export function fitExplainReply(reply: Doc, statsLimit = EXPLAIN_STATS_LIMIT): Doc {
  if (BSON.calculateObjectSize(reply) <= statsLimit) return reply;
  let used = 5;
  const put = (out: Doc, k: string, v: unknown) => {
    out[k] = v;
    used += elementSize(k, v);
  };
  const stage = (s: unknown): unknown => {
    if (!isDoc(s)) return s;
    const out: Doc = {};
    if (used > statsLimit) {
      put(out, "warning", STATS_WARNING);
      return out;
    }
    used += 5;
    for (const [k, v] of Object.entries(s)) {
      if (k === "indexBounds" && used + elementSize(k, v) > statsLimit) put(out, "warning", BOUNDS_WARNING);
      else if (STAGE_FIELDS.has(k)) out[k] = Array.isArray(v) ? v.map(stage) : stage(v);
      else put(out, k, v);
    }
    return out;
  };
  const walk = (d: Doc): Doc => {
    const out: Doc = {};
    used += 5;
    for (const [k, v] of Object.entries(d)) {
      if (STAGE_FIELDS.has(k)) {
        out[k] = Array.isArray(v) ? v.map(stage) : stage(v);
      } else if (IF_ROOM_FIELDS.has(k)) {
        const size = elementSize(k, v);
        if (used + size < USER_LIMIT) put(out, k, v);
        else if (used < USER_LIMIT - k.length - 60) {
          put(out, "warning", `'${k}' has been omitted due to BSON size limit`);
        }
      } else if (isDoc(v)) {
        out[k] = walk(v);
      } else if (Array.isArray(v)) {
        used += 5;
        out[k] = v.map((e) => isDoc(e) ? walk(e) : e);
      } else {
        put(out, k, v);
      }
    }
    return out;
  };
  return walk(reply);
}
