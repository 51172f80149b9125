import assert from "node:assert/strict";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import { Location } from "../../errors/locations.ts";
import { parseMerge, parseOut, splitWriteStage } from "./out_merge.ts";

Deno.test("$out: a string targets the request database; an object names db and coll", () => {
  assert.deepEqual(parseOut("o", "d"), { kind: "$out", db: "d", coll: "o" });
  assert.deepEqual(parseOut({ db: "d2", coll: "o" }, "d"), { kind: "$out", db: "d2", coll: "o" });
});

Deno.test("$out: an object spec is strict and needs both db and coll", () => {
  assertCommandError(() => parseOut({ coll: "o" }, "d"), 40414, /'\$out\.db'/);
  assertCommandError(
    () => parseOut({ db: "d", coll: "o", x: 1 }, "d"),
    40415,
    /'\$out\.x'/,
  );
  assertCommandError(() => parseOut({ db: "d", coll: 1 }, "d"), "TypeMismatch", /'\$out\.coll'/);
  assertCommandError(() => parseOut({ db: "d", coll: "o", timeseries: {} }, "d"), 40414, /timeField/);
});

Deno.test("$out: timeseries options are checked and defaulted as create does", () => {
  assert.deepEqual(parseOut({ db: "d", coll: "o", timeseries: { timeField: "t", metaField: "m" } }, "d"), {
    kind: "$out",
    db: "d",
    coll: "o",
    timeseries: { timeField: "t", metaField: "m", granularity: "seconds", bucketMaxSpanSeconds: 3600 },
  });
  assertCommandError(
    () => parseOut({ db: "d", coll: "o", timeseries: { timeField: "t", x: 1 } }, "d"),
    40415,
  );
  assertCommandError(
    () => parseOut({ db: "d", coll: "o", timeseries: { timeField: "t", metaField: "t" } }, "d"),
    "InvalidOptions",
  );
});

Deno.test("$out: another type is 16990, an internal namespace 31321", () => {
  assertCommandError(() => parseOut(1, "d"), Location.OutSpecWrongType);
  assertCommandError(() => parseOut("system.x", "d"), Location.OutToInternalNamespace);
  assertCommandError(() => parseOut("o", "admin"), Location.OutToInternalNamespace);
});

Deno.test("$merge: a string merges on _id with the default modes", () => {
  assert.deepEqual(parseMerge("t", "d"), {
    kind: "$merge",
    db: "d",
    coll: "t",
    on: ["_id"],
    whenMatched: "merge",
    whenNotMatched: "insert",
    let: undefined,
  });
});

Deno.test("$merge: into, on, whenMatched pipeline and let are read", () => {
  const m = parseMerge({
    into: { db: "d2", coll: "t" },
    on: ["a", "b"],
    whenMatched: [{ $set: { x: "$$new.x" } }],
    whenNotMatched: "discard",
    let: { v: 1 },
  }, "d");
  assert.deepEqual(m, {
    kind: "$merge",
    db: "d2",
    coll: "t",
    on: ["a", "b"],
    whenMatched: [{ $set: { x: "$$new.x" } }],
    whenNotMatched: "discard",
    let: { v: 1 },
  });
});

Deno.test("$merge: a spec that is neither string nor object is 51182; an unknown field 40415", () => {
  assertCommandError(() => parseMerge(1, "d"), Location.MergeSpecWrongType);
  assertCommandError(() => parseMerge({ into: "t", x: 1 }, "d"), 40415, /'\$merge\.x'/);
});

Deno.test("$merge into: missing 40414, wrong type 51178, empty 5786800, object without coll 5786801", () => {
  assertCommandError(() => parseMerge({}, "d"), 40414, /'\$merge\.into'/);
  assertCommandError(() => parseMerge({ into: 1 }, "d"), Location.MergeIntoWrongType);
  assertCommandError(() => parseMerge({ into: "" }, "d"), Location.MergeIntoEmptyString);
  assertCommandError(() => parseMerge({ into: { db: "d" } }, "d"), Location.MergeIntoWithoutColl);
  assertCommandError(
    () => parseMerge({ into: { coll: "t", x: 1 } }, "d"),
    40415,
    /'into\.x'/,
  );
  assertCommandError(() => parseMerge({ into: { coll: 2 } }, "d"), "TypeMismatch", /'into\.coll'/);
  assertCommandError(() => parseMerge({ into: "system.t" }, "d"), Location.MergeToInternalNamespace);
});

Deno.test("$merge on: wrong type 51186, non-string element 51134, empty array 51187", () => {
  assertCommandError(() => parseMerge({ into: "t", on: 1 }, "d"), Location.MergeOnWrongType);
  assertCommandError(() => parseMerge({ into: "t", on: ["a", 1] }, "d"), Location.MergeOnElementNotString);
  assertCommandError(() => parseMerge({ into: "t", on: [] }, "d"), Location.MergeOnEmpty);
});

Deno.test("$merge modes: a bad whenMatched/whenNotMatched name is BadValue, a wrong whenMatched type 51191", () => {
  assertCommandError(
    () => parseMerge({ into: "t", whenMatched: "pipeline" }, "d"),
    "BadValue",
    "Enumeration value 'pipeline' for field 'whenMatched' is not a valid value.",
  );
  assertCommandError(
    () => parseMerge({ into: "t", whenMatched: 1 }, "d"),
    Location.MergeWhenMatchedWrongType,
  );
  assertCommandError(
    () => parseMerge({ into: "t", whenNotMatched: "upsert" }, "d"),
    "BadValue",
    "Enumeration value 'upsert' for field '$merge.whenNotMatched' is not a valid value.",
  );
  assertCommandError(() => parseMerge({ into: "t", whenNotMatched: 1 }, "d"), "TypeMismatch");
});

Deno.test("$merge let: must be a document, and only with a whenMatched pipeline (51199)", () => {
  assertCommandError(() => parseMerge({ into: "t", let: 1 }, "d"), "TypeMismatch", /'\$merge\.let'/);
  assertCommandError(() => parseMerge({ into: "t", let: { v: 1 } }, "d"), Location.MergeLetWithoutPipeline);
});

Deno.test("write stages: only last (40601); the rest of the pipeline is kept", () => {
  assertCommandError(() => splitWriteStage([{ $out: "o" }, { $match: {} }], "d"), Location.WriteStageNotLast);
  const split = splitWriteStage([{ $match: {} }, { $merge: "t" }], "d");
  assert.deepEqual(split.stages, [{ $match: {} }]);
  assert.equal(split.write?.kind, "$merge");
});
