/**
 * mongod's bucket documents for a time-series collection (`<db>.system.buckets.<name>`), so that
 * mongodump and mongorestore carry time-series data: SecantusDB keeps measurements as documents
 * (timeseries.ts), so a read of the buckets namespace answers one uncompressed (version 1) bucket per
 * measurement, and an insert of version 1 buckets (a restore) stores the measurements they hold.
 *
 * A version 1 bucket (mongod's src/mongo/db/timeseries/README.md): `{_id: ObjectId whose time is
 * control.min.<time>, control: {version: 1, min: {...}, max: {...}}, meta?: <metaField value>,
 * data: {<field>: {"0": v0, "1": v1, ...}, ...}}`; `control.min.<time>` is the first time rounded
 * down to the bucket rounding (granularity seconds 60 s, minutes 3,600 s, hours 86,400 s, or
 * `bucketRoundingSeconds`).
 *
 * Compressed buckets (versions 2 and 3, what mongod 8.0 writes, so what a dump of mongod 8.0 holds):
 * `control.count` measurements, each `data.<field>` a BSONColumn binary (BinData subtype 7) of that
 * field's values in measurement order, a skip where a measurement has no such field
 * (src/bson/column/). Version 3 buckets are not sorted by time, which does not matter here. A column
 * that cannot be decoded fails with mongod's 6067602; a time column shorter than `control.count`
 * with 6067600. Nothing is stored half-way.
 */
import { Binary, ObjectId } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import { type ColumnValue, decodeBsonColumn } from "../../bson/column/decode_column.ts";
import { jsValueOf } from "../../bson/column/element.ts";
import type { Doc } from "../reply.ts";
import type { TimeseriesOptions } from "./timeseries.ts";

/** The prefix of a buckets namespace's collection name. */
export const BUCKETS_PREFIX = "system.buckets.";

/** Seconds a bucket's minimum time is rounded down to. */
export function bucketRoundingSeconds(ts: TimeseriesOptions): number {
  if (ts.bucketRoundingSeconds !== undefined) return ts.bucketRoundingSeconds;
  return ts.granularity === "hours" ? 86400 : ts.granularity === "minutes" ? 3600 : 60;
}

/** The bucket of one measurement (version 1, one entry per data field). */
export function bucketOf(measurement: Doc, ts: TimeseriesOptions): Doc {
  const time = measurement[ts.timeField];
  if (!(time instanceof Date)) {
    throw new CommandError("BadValue", `time-series measurement without a date in '${ts.timeField}'`);
  }
  const rounding = bucketRoundingSeconds(ts) * 1000;
  const minTime = new Date(Math.floor(time.getTime() / rounding) * rounding);
  const min: Doc = { [ts.timeField]: minTime };
  const max: Doc = { [ts.timeField]: time };
  const data: Doc = { [ts.timeField]: { "0": time } };
  for (const [k, v] of Object.entries(measurement)) {
    if (k === ts.timeField || k === ts.metaField || v === undefined) continue;
    min[k] = v;
    max[k] = v;
    data[k] = { "0": v };
  }
  const id = new ObjectId().id.slice(); // unique low bytes; the time part is control.min's
  new DataView(id.buffer, id.byteOffset, 4).setUint32(0, Math.max(0, Math.floor(minTime.getTime() / 1000)));
  const bucket: Doc = { _id: new ObjectId(id), control: { version: 1, min, max } };
  if (ts.metaField !== undefined && measurement[ts.metaField] !== undefined) {
    bucket["meta"] = measurement[ts.metaField];
  }
  bucket["data"] = data;
  return bucket;
}

function invalid(why: string): CommandError {
  return new CommandError(
    "DocumentValidationFailure",
    `Document failed validation: time-series bucket ${why}`,
  );
}

/** BSON type byte of a Date. */
const BSON_DATE = 0x09;
/** BinData subtype of a BSONColumn. */
const COLUMN_SUBTYPE = 7;

/** The measurements of a compressed (version 2 or 3) bucket, in the order of its columns. */
function compressedMeasurements(bucket: Doc, control: Doc, data: Doc, ts: TimeseriesOptions): Doc[] {
  const columns: [string, ColumnValue[]][] = [];
  const count = control["count"];
  if (count !== undefined && !(typeof count === "number" && Number.isInteger(count) && count >= 0)) {
    throw invalid("control.count must be a non-negative integer");
  }
  for (const [field, column] of Object.entries(data)) {
    if (!(column instanceof Binary) || column.sub_type !== COLUMN_SUBTYPE) {
      throw invalid(`data.${field} of a compressed bucket must be a BSONColumn binary (subtype 7)`);
    }
    const bytes = column.buffer.subarray(0, column.position);
    columns.push([field, decodeBsonColumn(bytes, count === undefined ? {} : { maxElements: count })]);
  }
  const times = columns.find(([field]) => field === ts.timeField)?.[1];
  if (times === undefined) throw invalid(`has no data.${ts.timeField} column`);
  const rows = count ?? times.length;
  const out: Doc[] = [];
  for (let i = 0; i < rows; i++) {
    const time = times[i];
    if (time === undefined) {
      throw new CommandError(
        Location.BucketFewerValuesThanCount,
        "Bucket unexpectedly contained fewer values than count",
      );
    }
    if (time.type !== BSON_DATE) throw invalid(`data.${ts.timeField}.${i} is not a date`);
    const m: Doc = { [ts.timeField]: jsValueOf(time) };
    if (ts.metaField !== undefined && bucket["meta"] !== undefined) m[ts.metaField] = bucket["meta"];
    for (const [field, values] of columns) {
      const v = values[i];
      if (field !== ts.timeField && v !== undefined) m[field] = jsValueOf(v);
    }
    out.push(m);
  }
  return out;
}

/**
 * The measurements a bucket holds, in the order of its time column: time field first, then the
 * metaField (from `meta`), then the other data fields in the bucket's order.
 */
export function measurementsOf(bucket: Doc, ts: TimeseriesOptions): Doc[] {
  const control = bucket["control"];
  const data = bucket["data"];
  if (!isPlainDoc(control) || !isPlainDoc(data)) {
    throw invalid("must have object 'control' and 'data' fields");
  }
  const version = control["version"];
  if (version === 2 || version === 3) return compressedMeasurements(bucket, control, data, ts);
  if (version !== 1) throw invalid(`control.version must be 1, 2 or 3, got ${String(version)}`);
  const times = data[ts.timeField];
  if (!isPlainDoc(times)) throw invalid(`has no data.${ts.timeField} column`);
  const out: Doc[] = [];
  for (const [i, t] of Object.entries(times)) {
    if (!(t instanceof Date)) throw invalid(`data.${ts.timeField}.${i} is not a date`);
    const m: Doc = { [ts.timeField]: t };
    if (ts.metaField !== undefined && bucket["meta"] !== undefined) m[ts.metaField] = bucket["meta"];
    for (const [field, column] of Object.entries(data)) {
      if (field === ts.timeField) continue;
      if (!isPlainDoc(column)) throw invalid(`data.${field} is not an object`);
      const v = column[i];
      if (v !== undefined) m[field] = v;
    }
    out.push(m);
  }
  return out;
}
