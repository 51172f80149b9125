import assert from "node:assert/strict";
import { ObjectId } from "bson";
import { bucketOf, measurementsOf } from "./timeseries_buckets.ts";
import { CommandError } from "../../errors/command_error.ts";

const ts = { timeField: "t", metaField: "m", granularity: "minutes" as const };

Deno.test("bucketOf: one measurement as a version 1 bucket, min time rounded to the granularity", () => {
  const id = new ObjectId();
  const t = new Date("2026-12-02T10:37:12.345Z");
  const b = bucketOf({ _id: id, t, m: { s: 1 }, v: 20, o: { x: [1, 2] } }, ts);
  assert.equal((b._id as ObjectId).getTimestamp().toISOString(), "2026-12-02T10:00:00.000Z");
  assert.deepEqual(b.control, {
    version: 1,
    min: { t: new Date("2026-12-02T10:00:00Z"), _id: id, v: 20, o: { x: [1, 2] } },
    max: { t, _id: id, v: 20, o: { x: [1, 2] } },
  });
  assert.deepEqual(b.meta, { s: 1 });
  assert.deepEqual(b.data, { t: { "0": t }, _id: { "0": id }, v: { "0": 20 }, o: { "0": { x: [1, 2] } } });
  assert.deepEqual(Object.keys(b), ["_id", "control", "meta", "data"]);
});

Deno.test("bucketOf: without a meta value there is no meta field; ids of two buckets differ", () => {
  const t = new Date(0);
  const a = bucketOf({ t, v: 1 }, { timeField: "t" });
  const b = bucketOf({ t, v: 1 }, { timeField: "t" });
  assert.equal("meta" in a, false);
  assert.notEqual(String(a._id), String(b._id));
});

Deno.test("measurementsOf: unpacks a version 1 bucket, skipping missing values", () => {
  const t0 = new Date("2026-01-01T00:00:00Z");
  const t1 = new Date("2026-01-01T00:00:05Z");
  const ms = measurementsOf({
    _id: new ObjectId(),
    control: { version: 1, min: { t: t0 }, max: { t: t1 } },
    meta: "sensor",
    data: { t: { "0": t0, "1": t1 }, v: { "1": 7 }, _id: { "0": 1, "1": 2 } },
  }, ts);
  assert.deepEqual(ms, [{ t: t0, m: "sensor", _id: 1 }, { t: t1, m: "sensor", v: 7, _id: 2 }]);
});

Deno.test("measurementsOf: round trip of bucketOf", () => {
  const m = { _id: new ObjectId(), t: new Date(), m: { a: 1 }, v: 3.5 };
  const [back] = measurementsOf(bucketOf(m, ts), ts);
  assert.deepEqual({ ...back }, { t: m.t, m: m.m, _id: m._id, v: 3.5 });
});

Deno.test("measurementsOf: compressed buckets are refused (238), malformed ones fail validation (121)", () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as CommandError).code;
    }
    return 0;
  };
  const base = { _id: new ObjectId(), control: { version: 2, min: {}, max: {}, count: 1 }, data: {} };
  assert.equal(code(() => measurementsOf(base, ts)), 238);
  assert.equal(code(() => measurementsOf({ ...base, control: { version: 9 } }, ts)), 121);
  assert.equal(code(() => measurementsOf({ _id: 1 }, ts)), 121);
  assert.equal(code(() => measurementsOf({ control: { version: 1 }, data: { t: { "0": 5 } } }, ts)), 121);
});
