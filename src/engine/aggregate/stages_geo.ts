/**
 * stages_geo.ts — `$geoNear` (first stage only): validates the options with mongod's codes, turns
 * `near` + `spherical` + `minDistance`/`maxDistance` into the equivalent `$near` / `$nearSphere`
 * query (mongod's asNearQuery), and reads the documents in distance order through the injected
 * `PipelineOptions.geoNear` (the command layer picks the geo index — `key`, or the only 2d, else the
 * only 2dsphere — and runs the near executor with `query` as filter). Each document gets
 * `distanceField` (× `distanceMultiplier`) and, with `includeLocs`, the location that matched.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isDocument, isNumeric } from "../../bson/values.ts";
import { parseGeoOperators } from "../geo/query.ts";
import { typeName } from "../expression/coerce.ts";
import { truthy } from "../expression/numeric.ts";
import { setDocMeta } from "../expression/doc_meta.ts";
import { PAUSE } from "./pause.ts";
import type { Document, GeoNearRequest, Stage, StageContext } from "./types.ts";

function numArg(spec: Document, f: string): number | undefined {
  const v = spec[f];
  if (v === undefined) return undefined;
  if (!isNumeric(v)) throw new CommandError("TypeMismatch", `${f} must be a number`);
  const n = Number(String(v));
  if (!(n >= 0)) throw new CommandError("BadValue", `${f} must be nonnegative`);
  return n;
}

function setDotted(doc: Document, path: string, value: unknown): void {
  const parts = path.split(".");
  let cur = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur[parts[i]!];
    if (isDocument(next)) {
      const copy = { ...next };
      cur[parts[i]!] = copy;
      cur = copy;
    } else {
      const fresh: Document = {};
      cur[parts[i]!] = fresh;
      cur = fresh;
    }
  }
  cur[parts[parts.length - 1]!] = value;
}

function fieldPath(v: string, what: string): string {
  if (v === "" || v.startsWith("$")) {
    throw new CommandError(
      Location.GeoNearOptionNotString,
      `$geoNear requires a '${what}' option as a String`,
    );
  }
  return v;
}

export function compileGeoNear(spec: unknown, ctx: StageContext, name: string): Stage {
  if (!isDocument(spec)) {
    throw new CommandError(
      Location.ExpectedObjectParameter,
      `invalid parameter: expected an object (${name})`,
    );
  }
  if (spec["num"] !== undefined) {
    throw new CommandError(
      Location.GeoNearNumUnsupported,
      "$geoNear no longer supports the 'num' parameter. Use a $limit stage instead.",
    );
  }
  if (spec["limit"] !== undefined) {
    throw new CommandError(
      Location.GeoNearLimitUnsupported,
      "$geoNear no longer supports the 'limit' parameter. Use a $limit stage instead.",
    );
  }
  if (spec["start"] !== undefined) {
    throw new CommandError(
      Location.GeoNearStartUnsupported,
      "$geoNear no longer supports the 'start' argument.",
    );
  }
  const near = spec["near"];
  if (!Array.isArray(near) && !isDocument(near)) {
    throw new CommandError(Location.GeoNearNearNotArray, "$geoNear requires a 'near' option as an Array");
  }
  const df = spec["distanceField"];
  if (typeof df !== "string") {
    throw new CommandError(
      Location.GeoNearOptionNotString,
      "$geoNear requires a 'distanceField' option as a String",
    );
  }
  const distanceField = fieldPath(df, "distanceField");
  const maxDistance = numArg(spec, "maxDistance");
  const minDistance = numArg(spec, "minDistance");
  const multiplier = numArg(spec, "distanceMultiplier") ?? 1;
  const query = spec["query"];
  if (query !== undefined && !isDocument(query)) {
    throw new CommandError("TypeMismatch", "query must be an object");
  }
  const il = spec["includeLocs"];
  if (il !== undefined && typeof il !== "string") {
    throw new CommandError(
      Location.GeoNearIncludeLocsNotString,
      "$geoNear requires that 'includeLocs' option is a String",
    );
  }
  const key = spec["key"];
  if (key !== undefined) {
    if (typeof key !== "string") {
      throw new CommandError(
        "TypeMismatch",
        `$geoNear parameter 'key' must be of type string but found type: ${typeName(key)}`,
      );
    }
    if (key === "") throw new CommandError("BadValue", "$geoNear parameter 'key' cannot be the empty string");
  }
  // (mongod's trueValue: 0 of any numeric type, a Double 0.0 included, is false)
  const spherical = truthy(spec["spherical"]);
  const op = spherical ? "$nearSphere" : "$near";
  const nearOps: Document = { [op]: near };
  if (minDistance !== undefined) nearOps["$minDistance"] = minDistance;
  if (maxDistance !== undefined) nearOps["$maxDistance"] = maxDistance;
  const parsed = parseGeoOperators(nearOps);
  if (parsed.kind !== "near") {
    throw new CommandError(Location.GeoNearNearNotArray, "$geoNear requires a 'near' option as an Array");
  }
  const filter = (query ?? {}) as Document;
  const request: GeoNearRequest = { near: parsed, filter, ...(typeof key === "string" ? { key } : {}) };
  const includeLocs = typeof il === "string" ? fieldPath(il, "includeLocs") : undefined;
  return {
    name,
    pauses: true,
    *run() {
      const source = ctx.options.geoNear;
      if (!source) {
        throw new CommandError(
          "NotImplemented",
          "$geoNear needs collection access, which this caller does not provide",
        );
      }
      let n = 0;
      for (const hit of source(request)) {
        // the hits come lazily: pause now and then so other clients run and maxTimeMS is checked
        if (++n % 1000 === 0) yield PAUSE;
        const doc = { ...hit.doc };
        setDotted(doc, distanceField, hit.distance * multiplier);
        if (includeLocs !== undefined) setDotted(doc, includeLocs, hit.loc);
        // `{$meta: "geoNearDistance" | "geoNearPoint"}` later in the pipeline (the distance unmultiplied)
        setDocMeta(doc, {
          recordId: hit.recordId ?? 0n,
          indexKey: () => undefined,
          geoNearDistance: hit.distance,
          geoNearPoint: hit.loc,
        });
        yield doc;
      }
    },
  };
}
