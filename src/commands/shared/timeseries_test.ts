/** Time-series options and write checks, as mongod 8.0 makes them. */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import {
  checkMeasurement,
  checkTimeseriesUpdate,
  modifiedTimeseriesOptions,
  normalizeTimeseriesOptions,
} from "./timeseries.ts";

const ns = "db.c";

Deno.test("timeseries: defaults and bucketing parameters are normalized as listCollections shows them", () => {
  assertEquals(normalizeTimeseriesOptions(ns, { timeField: "t" }), {
    timeField: "t",
    granularity: "seconds",
    bucketMaxSpanSeconds: 3600,
  });
  assertEquals(normalizeTimeseriesOptions(ns, { timeField: "t", metaField: "m", granularity: "hours" }), {
    timeField: "t",
    metaField: "m",
    granularity: "hours",
    bucketMaxSpanSeconds: 2592000,
  });
  assertEquals(
    normalizeTimeseriesOptions(ns, { timeField: "t", bucketMaxSpanSeconds: 90, bucketRoundingSeconds: 90 }),
    {
      timeField: "t",
      bucketRoundingSeconds: 90,
      bucketMaxSpanSeconds: 90,
    },
  );
  const refuse = (o: Parameters<typeof normalizeTimeseriesOptions>[1], code: number, message?: string) =>
    throws(() => normalizeTimeseriesOptions(ns, o), message ? { code, message } : { code });
  refuse({ timeField: "t", granularity: "minutes", bucketMaxSpanSeconds: 5 }, 72);
  refuse({ timeField: "t", granularity: "minutes", bucketRoundingSeconds: 60 }, 72);
  refuse({ timeField: "t", bucketRoundingSeconds: 60 }, 72);
  refuse({ timeField: "a.b" }, 72, "db.c: 'timeField' must be a top-level field and not contain a '.'");
  refuse({ timeField: "t", metaField: "_id" }, 72, `'metaField' cannot be "_id"`);
  refuse({ timeField: "$t" }, 2, "The 'timeField' or 'metaField' cannot start with '$'");
});

Deno.test("timeseries: collMod only widens bucketing (mongod's transitions)", () => {
  const cur = normalizeTimeseriesOptions(ns, { timeField: "t", granularity: "minutes" });
  assertEquals(modifiedTimeseriesOptions(cur, {}), cur);
  assertEquals(modifiedTimeseriesOptions(cur, { granularity: "minutes" }), cur);
  assertEquals(modifiedTimeseriesOptions(cur, { granularity: "hours" }).bucketMaxSpanSeconds, 2592000);
  throws(() => modifiedTimeseriesOptions(cur, { granularity: "seconds" }), { code: 72 });
  throws(() => modifiedTimeseriesOptions(cur, { bucketMaxSpanSeconds: 7200, bucketRoundingSeconds: 7200 }), {
    code: 72,
    message: "Timeseries 'bucketMaxSpanSeconds' needs to be equal or greater to transition",
  });
  const secs = normalizeTimeseriesOptions(ns, { timeField: "t" });
  const custom = modifiedTimeseriesOptions(secs, { bucketMaxSpanSeconds: 7200, bucketRoundingSeconds: 7200 });
  assertEquals(custom, { timeField: "t", bucketRoundingSeconds: 7200, bucketMaxSpanSeconds: 7200 });
  throws(() => modifiedTimeseriesOptions(custom, { bucketMaxSpanSeconds: 100, bucketRoundingSeconds: 100 }), {
    code: 72,
  });
  throws(() => modifiedTimeseriesOptions(custom, { bucketMaxSpanSeconds: 9000 }), { code: 72 });
});

Deno.test("timeseries: measurements need a date; updates are multi, metaField-only operator updates", () => {
  const t = { timeField: "t", metaField: "m" };
  checkMeasurement(t, { t: new Date() });
  throws(() => checkMeasurement(t, { t: 5 }), { code: 2 });
  const ok = {
    q: { "m.a": 1, $or: [{ m: 2 }] },
    u: { $set: { "m.b": 1 }, $rename: { "m.c": "m.d" } },
    multi: true,
    upsert: false,
  };
  checkTimeseriesUpdate(t, ok);
  throws(() => checkTimeseriesUpdate(t, { ...ok, multi: false }), { code: 72 });
  throws(() => checkTimeseriesUpdate(t, { ...ok, upsert: true }), { code: 72 });
  throws(() => checkTimeseriesUpdate({ timeField: "t" }, ok), { code: 72 });
  throws(() => checkTimeseriesUpdate(t, { ...ok, q: { x: 1 } }), { code: 72 });
  throws(() => checkTimeseriesUpdate(t, { ...ok, q: { $expr: { $eq: ["$m", 1] } } }), { code: 72 });
  throws(() => checkTimeseriesUpdate(t, { ...ok, u: { $set: { x: 1 } } }), { code: 72 });
  throws(() => checkTimeseriesUpdate(t, { ...ok, u: { $rename: { "m.a": "x" } } }), { code: 72 });
  throws(() => checkTimeseriesUpdate(t, { ...ok, u: { m: 1 } }), {
    code: 72,
    message: "Cannot perform an update on a time-series collection using a replacement document",
  });
  throws(() => checkTimeseriesUpdate(t, { ...ok, u: [{ $set: { m: 1 } }] }), { code: 72 });
});
