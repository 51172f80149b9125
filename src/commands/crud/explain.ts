/**
 * explain: `{explain: {find | count | distinct | update | delete | findAndModify | aggregate …},
 * verbosity}`. Compiles the inner command's query through the same `compileQuery` the command uses,
 * prints the plan it chose (queryPlanner: winningPlan, rejectedPlans) and, unless the verbosity is
 * "queryPlanner", runs it read-only to report executionStats (writes are never applied).
 */
import { CommandError } from "../../errors/command_error.ts";
import { isDocument } from "../../bson/values.ts";
import { QuerySource } from "../../executor/query.ts";
import { explainTree, wrapStage } from "../../planner/explain.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { compileQuery, type QueryParts } from "../shared/compile_query.ts";
import { findCollection } from "../shared/namespace.ts";
import { COMPAT_MONGODB_VERSION } from "../../version.ts";

const VERBOSITIES = ["queryPlanner", "executionStats", "allPlansExecution"];

interface Shape {
  readonly coll: string;
  readonly parts: QueryParts;
  /** Stage wrapping the plan (COUNT, UPDATE, DELETE), if any. */
  readonly wrap?: string;
  /** Pipeline stages after the leading $match (aggregate). */
  readonly rest?: Doc[];
}

function docOr(v: unknown): Doc | undefined {
  return isDocument(v) ? v : undefined;
}

function num(v: unknown): number | undefined {
  return v === undefined || v === null ? undefined : Math.abs(Number(v));
}

function shapeOf(cmd: Doc): Shape {
  const name = Object.keys(cmd)[0];
  const coll = String(cmd[name ?? ""]);
  switch (name) {
    case "find":
      return {
        coll,
        parts: {
          filter: docOr(cmd["filter"]),
          sort: docOr(cmd["sort"]),
          projection: docOr(cmd["projection"]),
          hint: cmd["hint"],
          skip: num(cmd["skip"]),
          limit: num(cmd["limit"]),
          collation: docOr(cmd["collation"]),
          min: docOr(cmd["min"]),
          max: docOr(cmd["max"]),
        },
      };
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
    case "aggregate": {
      const pipeline = Array.isArray(cmd["pipeline"]) ? (cmd["pipeline"] as Doc[]) : [];
      const matches: Doc[] = [];
      let i = 0;
      while (i < pipeline.length && isDocument(pipeline[i]!["$match"])) {
        matches.push(pipeline[i++]!["$match"] as Doc);
      }
      const filter = matches.length === 0 ? undefined : matches.length === 1 ? matches[0] : { $and: matches };
      return { coll, parts: { filter, hint: cmd["hint"] }, rest: pipeline.slice(i) };
    }
    default:
      throw new CommandError("CommandNotFound", `Explain failed due to unknown command: ${name}`);
  }
}

function run(ctx: CommandContext, body: Doc): Doc {
  const inner = body["explain"];
  if (!isDocument(inner)) throw new CommandError("TypeMismatch", "explain command requires a nested object");
  const verbosity = body["verbosity"] === undefined ? "allPlansExecution" : String(body["verbosity"]);
  if (!VERBOSITIES.includes(verbosity)) {
    throw new CommandError(
      "FailedToParse",
      `verbosity string must be one of {'queryPlanner', 'executionStats', 'allPlansExecution'}`,
    );
  }
  const shape = shapeOf(inner);
  const ns = `${ctx.db}.${shape.coll}`;
  const coll = findCollection(ctx, shape.coll);
  const q = compileQuery(shape.parts, coll, { planCache: false });
  const filter = shape.parts.filter ?? {};
  const tree = (stats?: { nReturned: number; keysExamined: number; docsExamined: number }) => {
    const t = explainTree({ ...q, filter, sortSpec: q.sortSpec, projectionSpec: q.projectionSpec }, stats);
    return shape.wrap ? wrapStage(shape.wrap, t, stats ? { nReturned: stats.nReturned } : {}) : t;
  };
  const queryPlanner: Doc = {
    namespace: ns,
    parsedQuery: filter,
    indexFilterSet: false,
    planCacheShapeHash: "",
    maxIndexedOrSolutionsReached: false,
    maxIndexedAndSolutionsReached: false,
    maxScansToExplodeReached: false,
    winningPlan: tree(),
    rejectedPlans: (q.rejected ?? []).map((a) =>
      explainTree({ access: a, filter, sortSpec: q.sortSpec, skip: q.skip, limit: q.limit })
    ),
  };
  let executionStats: Doc | undefined;
  if (verbosity !== "queryPlanner") {
    const t0 = performance.now();
    let stats = { nReturned: 0, keysExamined: 0, docsExamined: 0 };
    if (coll) {
      const source = new QuerySource(ctx.storage, coll, q, { countAccess: false });
      for (;;) {
        const { done } = source.nextDocs(10_000);
        if (done) break;
      }
      source.close();
      stats = { ...source.stats };
    }
    executionStats = {
      executionSuccess: true,
      nReturned: stats.nReturned,
      executionTimeMillis: Math.round(performance.now() - t0),
      totalKeysExamined: stats.keysExamined,
      totalDocsExamined: stats.docsExamined,
      executionStages: tree(stats),
      ...(verbosity === "allPlansExecution" ? { allPlansExecution: [] } : {}),
    };
  }
  const serverInfo = {
    host: ctx.info.address.split(":")[0],
    port: ctx.info.port,
    version: COMPAT_MONGODB_VERSION,
  };
  const common = { command: { ...inner, $db: ctx.db }, serverInfo, ok: 1 };
  if (shape.rest !== undefined) {
    const cursor: Doc = { queryPlanner, ...(executionStats ? { executionStats } : {}) };
    return { explainVersion: "1", stages: [{ $cursor: cursor }, ...shape.rest], ...common };
  }
  return { explainVersion: "1", queryPlanner, ...(executionStats ? { executionStats } : {}), ...common };
}

export const explain: LegacyCommandSpec = {
  name: "explain",
  help:
    "explains a query: {explain: {find|count|distinct|update|delete|findAndModify|aggregate …}, verbosity}",
  auth: "find",
  fields: { verbosity: "optional" },
  run,
};
