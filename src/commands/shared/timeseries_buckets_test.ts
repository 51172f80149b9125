import assert from "node:assert/strict";
import { Binary, Double, ObjectId } from "bson";
import { bucketOf, measurementsOf } from "./timeseries_buckets.ts";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { elementOf, encodeColumn } from "../../bson/column/encode_for_tests.ts";

const column = (values: unknown[]) =>
  new Binary(encodeColumn(values.map((v) => v === undefined ? undefined : elementOf(v))), 7);

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

Deno.test("measurementsOf: a compressed (version 2 or 3) bucket unpacks as a version 1 bucket does", () => {
  const t = [0, 5000, 1000].map((ms) => new Date(Date.UTC(2026, 0, 1) + ms));
  for (const version of [2, 3]) {
    const ms = measurementsOf({
      _id: new ObjectId(),
      control: { version, min: { t: t[0] }, max: { t: t[1] }, count: 3 },
      meta: "sensor",
      data: { t: column(t), v: column([undefined, 7, 7.5]), _id: column([1, 2, 3]) },
    }, ts);
    assert.deepEqual(ms, [
      { t: t[0], m: "sensor", _id: 1 },
      { t: t[1], m: "sensor", v: 7, _id: 2 },
      { t: t[2], m: "sensor", v: 7.5, _id: 3 },
    ]);
  }
  // values keep their BSON types: a double 2.0 stays a double
  const [m] = measurementsOf({
    control: { version: 2, count: 1 },
    data: { t: column([t[0]]), d: column([new Double(2)]) },
  }, ts);
  assert.ok(m!.d instanceof Double);
  // without control.count, the time column says how many
  assert.equal(measurementsOf({ control: { version: 2 }, data: { t: column(t) } }, ts).length, 3);
});

Deno.test("measurementsOf: malformed buckets fail validation (121) or decoding (6067602, 6067600)", () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as CommandError).code;
    }
    return 0;
  };
  const t = column([new Date(0)]);
  const base = { _id: new ObjectId(), control: { version: 2, min: {}, max: {}, count: 1 }, data: { t } };
  assert.equal(code(() => measurementsOf(base, ts)), 0);
  assert.equal(code(() => measurementsOf({ ...base, data: {} }, ts)), 121);
  assert.equal(code(() => measurementsOf({ ...base, data: { t: { "0": new Date(0) } } }, ts)), 121);
  assert.equal(
    code(() => measurementsOf({ ...base, data: { t: new Binary(new Uint8Array([0]), 0) } }, ts)),
    121,
  );
  assert.equal(code(() => measurementsOf({ ...base, control: { version: 2, count: -1 } }, ts)), 121);
  assert.equal(code(() => measurementsOf({ ...base, data: { t: column([5]) } }, ts)), 121);
  const broken = new Binary(new Uint8Array([0x09, 0, 1, 2]), 7);
  assert.equal(
    code(() => measurementsOf({ ...base, data: { t: broken } }, ts)),
    Location.InvalidBSONColumnEncoding,
  );
  assert.equal(
    code(() => measurementsOf({ ...base, control: { version: 2, count: 2 } }, ts)),
    Location.BucketFewerValuesThanCount,
  );
  // a column with more values than control.count
  const two = column([new Date(0), new Date(1)]);
  assert.equal(
    code(() => measurementsOf({ ...base, data: { t: two } }, ts)),
    Location.InvalidBSONColumnEncoding,
  );
  assert.equal(code(() => measurementsOf({ ...base, control: { version: 9 } }, ts)), 121);
  assert.equal(code(() => measurementsOf({ _id: 1 }, ts)), 121);
  assert.equal(code(() => measurementsOf({ control: { version: 1 }, data: { t: { "0": 5 } } }, ts)), 121);
});
