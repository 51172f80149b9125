/**
 * TRANSITIONAL: plan inputs for explain read loosely from a raw body, for commands not yet moved to
 * typed params (each converted command derives its ExplainShape from its own parsed params). Removed
 * with the last legacy command.
 */
import { isDocument } from "../../bson/values.ts";
import type { Doc } from "../reply.ts";
import type { ExplainShape } from "./explain_shape.ts";

function docOr(v: unknown): Doc | undefined {
  return isDocument(v) ? v : undefined;
}

function num(v: unknown): number | undefined {
  return v === undefined || v === null ? undefined : Math.abs(Number(v));
}

export function legacyExplainShape(cmd: Doc): ExplainShape {
  const name = Object.keys(cmd)[0];
  const coll = String(cmd[name ?? ""]);
  switch (name) {
    case "count":
      return {
        coll,
        parts: {
          filter: docOr(cmd["query"]),
          hint: cmd["hint"],
          skip: num(cmd["skip"]),
          limit: num(cmd["limit"]),
        },
        wrap: "COUNT",
      };
    case "distinct":
      return { coll, parts: { filter: docOr(cmd["query"]), hint: cmd["hint"] } };
    case "update":
    case "delete": {
      const list = cmd[name === "update" ? "updates" : "deletes"];
      const st = Array.isArray(list) && isDocument(list[0]) ? list[0] : {};
      const multi = name === "update" ? st["multi"] === true : Number(st["limit"] ?? 0) === 0;
      return {
        coll,
        parts: { filter: docOr(st["q"]), hint: st["hint"], sort: docOr(st["sort"]), limit: multi ? 0 : 1 },
        wrap: name === "update" ? "UPDATE" : "DELETE",
      };
    }
    case "findAndModify":
    case "findandmodify":
      return {
        coll,
        parts: { filter: docOr(cmd["query"]), sort: docOr(cmd["sort"]), hint: cmd["hint"], limit: 1 },
        wrap: cmd["remove"] === true ? "DELETE" : "UPDATE",
      };
    default: {
      // aggregate
      const pipeline = Array.isArray(cmd["pipeline"]) ? (cmd["pipeline"] as Doc[]) : [];
      const matches: Doc[] = [];
      let i = 0;
      while (i < pipeline.length && isDocument(pipeline[i]!["$match"])) {
        matches.push(pipeline[i++]!["$match"] as Doc);
      }
      const filter = matches.length === 0 ? undefined : matches.length === 1 ? matches[0] : { $and: matches };
      return { coll, parts: { filter, hint: cmd["hint"] }, rest: pipeline.slice(i) };
    }
  }
}
