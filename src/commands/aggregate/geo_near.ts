/**
 * The storage side of a leading `$geoNear` stage: picks the geo field (`key` names it; else the field of
 * the only 2d index, else of the only 2dsphere index — IndexNotFound otherwise, as mongod), plans the near
 * scan with the stage's `query` as filter and streams hits in distance order, one storage read per
 * chunk so no storage iterator outlives a cursor batch.
 */
import { CommandError } from "../../errors/command_error.ts";
import { compileFilter } from "../../engine/mod.ts";
import type { GeoNearRequest, GeoNearResult } from "../../engine/aggregate/mod.ts";
import { type GeoNearPath, hasNear, isGeoIndex, planNear } from "../../planner/geo_plan.ts";
import { GeoNearCursor, type NearHit } from "../../executor/geo_near.ts";
import { recordPlanAccess } from "../../executor/index_usage.ts";
import type { RequestContext } from "../context.ts";
import type { Doc } from "../reply.ts";
import { findCollection } from "../shared/namespace.ts";
import { indexInfos } from "../shared/compile_query.ts";

const CHUNK = 1000;

function geoField(key: Doc): { field: string; kind: unknown } {
  const f = Object.keys(key).find((k) => key[k] === "2d" || key[k] === "2dsphere")!;
  return { field: f, kind: key[f] };
}

export function* geoNearDocs(
  ctx: RequestContext,
  collName: string,
  req: GeoNearRequest,
): Generator<GeoNearResult> {
  if (hasNear(req.filter)) {
    throw new CommandError("BadValue", "$geoNear does not accept $near / $nearSphere inside its 'query'");
  }
  const match = Object.keys(req.filter).length > 0 ? compileFilter(req.filter) : null;
  const coll = findCollection(ctx, collName);
  const ns = `${ctx.db}.${collName}`;
  const indexes = indexInfos(coll).filter((i) => !i.hidden);
  const geo = indexes.filter(isGeoIndex);
  let chosen;
  if (req.key !== undefined) {
    chosen = geo.find((i) => geoField(i.key).field === req.key);
    if (!chosen) {
      throw new CommandError("IndexNotFound", `No index found for key: ${req.key}`);
    }
  } else {
    const twoD = geo.filter((i) => geoField(i.key).kind === "2d");
    const sphere = geo.filter((i) => geoField(i.key).kind === "2dsphere");
    if (twoD.length > 1) {
      throw new CommandError(
        "IndexNotFound",
        `There is more than one 2d index on ${ns}; unsure which to use for $geoNear`,
      );
    }
    if (twoD.length === 0 && sphere.length > 1) {
      throw new CommandError(
        "IndexNotFound",
        `There is more than one 2dsphere index on ${ns}; unsure which to use for $geoNear`,
      );
    }
    chosen = twoD[0] ?? sphere[0];
    if (!chosen) {
      throw new CommandError(
        "IndexNotFound",
        "$geoNear requires a 2d or 2dsphere index, but none were found",
      );
    }
  }
  if (!coll) return;
  // mongod takes only the field from the chosen index and plans the near query on it: a GeoJSON point
  // is answered by a 2dsphere index on that field even when a 2d index chose it (geo_operator_crs.js)
  const access: GeoNearPath = planNear({ filter: req.filter, indexes }, geoField(chosen.key).field, req.near);
  recordPlanAccess(coll, access); // $indexStats counts the geo index use
  const cursor = new GeoNearCursor(access);
  const stats = { keysExamined: 0, docsExamined: 0 };
  for (;;) {
    const chunk: NearHit[] = [];
    ctx.storage.read((txn) => {
      // One ring per read: a $limit after the stage stops the search early.
      for (const hit of cursor.hits(txn, coll, match ? (d) => match.matches(d) : null, stats, 1)) {
        chunk.push(hit);
        if (chunk.length >= CHUNK) break;
      }
    });
    for (const h of chunk) yield { doc: h.row.doc, distance: h.distance, loc: h.loc, recordId: h.row.rid };
    if (cursor.exhausted) return;
  }
}
