/**
 * geo_spec.ts — createIndexes validation of `2d` and `2dsphere` key patterns and options. PURE.
 * One geo field per index (2d first, as mongod requires), `bits` 1..32, `min` < `max`,
 * `2dsphereIndexVersion` 1..3 (stored as 3 when omitted, as mongod lists it).
 */
import { CommandError } from "../errors/command_error.ts";
import { Location } from "../errors/locations.ts";
import type { Document as Doc } from "../bson/document.ts";

function num(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  const bt = (v as { _bsontype?: string } | null)?._bsontype;
  if (bt === "Long" || bt === "Int32" || bt === "Double" || bt === "Decimal128") return Number(String(v));
  return undefined;
}

/** Validates the geo parts of an index spec; returns options to add to the stored spec. */
export function validateGeoIndexSpec(raw: Doc, key: Doc): Doc {
  const fields = Object.keys(key);
  const geo = fields.filter((f) => key[f] === "2d" || key[f] === "2dsphere");
  if (geo.length === 0) return {};
  const kinds = new Set(geo.map((f) => key[f]));
  if (kinds.size > 1) {
    throw new CommandError("CannotCreateIndex", "Can't use more than one index plugin for a single index.");
  }
  const kind = key[geo[0]!];
  if (kind === "2d") {
    if (geo.length > 1) throw new CommandError(Location.Geo2dMultipleGeoFields, "can't have 2 geo fields");
    if (fields[0] !== geo[0]) {
      throw new CommandError(Location.Geo2dNotFirstField, "2d has to be first in index");
    }
    const bits = raw["bits"];
    if (bits !== undefined) {
      // mongod reads it as an int (numberInt: 25.2 is 25)
      const b = num(bits) === undefined ? undefined : Math.trunc(num(bits)!);
      if (b === undefined || !(b >= 1 && b <= 32)) {
        throw new CommandError(Location.Geo2dBitsOutOfRange, "bits in geo index must be between 1 and 32");
      }
    }
    const min = raw["min"] === undefined ? -180 : num(raw["min"]);
    const max = raw["max"] === undefined ? 180 : num(raw["max"]);
    if (min === undefined || max === undefined || !Number.isFinite(min) || !Number.isFinite(max)) {
      throw new CommandError("TypeMismatch", "min and max of a 2d index must be numbers");
    }
    if (!(min < max)) {
      throw new CommandError(Location.GeoHashRegionInvalid, "region for hashing must be valid");
    }
    return {};
  }
  const v = raw["2dsphereIndexVersion"];
  if (v !== undefined) {
    const n = num(v);
    if (n === undefined || ![1, 2, 3].includes(n)) {
      throw new CommandError(
        "CannotCreateIndex",
        `unsupported geo index version { 2dsphereIndexVersion : ${
          String(v)
        } }, only support versions: [1,2,3]`,
      );
    }
    return {};
  }
  return { "2dsphereIndexVersion": 3 };
}
