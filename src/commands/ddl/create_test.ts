import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { parseCreate } from "./create.ts";

Deno.test("create: options are kept in body order, generic arguments are not options", () => {
  const p = parseCreate({
    create: "c",
    storageEngine: { wiredTiger: {} },
    writeConcern: { w: 1 },
    collation: { locale: "fr" },
    capped: false,
    $db: "test",
  });
  assertEquals(p.collection, "c");
  assertEquals(Object.keys(p.options), ["storageEngine", "collation", "capped"]);
  // stored as the full spec ICU resolves (mongod's listCollections shows it back so)
  assertEquals(p.options.collation, {
    locale: "fr",
    caseLevel: false,
    caseFirst: "off",
    strength: 3,
    numericOrdering: false,
    alternate: "non-ignorable",
    maxVariable: "punct",
    normalization: false,
    backwards: false,
    version: "57.1",
  });
});

Deno.test("create: the simple collation is stored as none; a bad one is refused with mongod's code", () => {
  const p = parseCreate({ create: "c", collation: { locale: "simple" } });
  assertEquals(p.options.collation, undefined);
  throws(() => parseCreate({ create: "c", collation: { locale: "xx" } }), { code: ErrorCode.BadValue });
  throws(() => parseCreate({ create: "c", collation: { locale: "en", version: "1" } }), {
    code: ErrorCode.IncompatibleCollationVersion,
  });
});

Deno.test("create: an unknown option is 40415", () => {
  throws(() => parseCreate({ create: "c", bogus: 1 }), {
    code: 40415,
    message: "BSON field 'create.bogus' is an unknown field.",
  });
});

Deno.test("create: a collation that is not a document is 14", () => {
  throws(() => parseCreate({ create: "c", collation: "fr" }), {
    code: ErrorCode.TypeMismatch,
    message: "BSON field 'create.collation' is the wrong type 'string', expected type 'object'",
  });
});

Deno.test("create: indexOptionDefaults is a strict shape (dotted path in the error)", () => {
  assertEquals(
    parseCreate({ create: "c", indexOptionDefaults: { storageEngine: {} } }).options.indexOptionDefaults,
    { storageEngine: {} },
  );
  throws(() => parseCreate({ create: "c", indexOptionDefaults: { other: 1 } }), {
    code: 40415,
    message: "BSON field 'create.indexOptionDefaults.other' is an unknown field.",
  });
  throws(() => parseCreate({ create: "c", indexOptionDefaults: { storageEngine: 1 } }), {
    code: ErrorCode.TypeMismatch,
  });
});

Deno.test("create: features not built yet are refused with 238, false is accepted", () => {
  throws(() => parseCreate({ create: "c", encryptedFields: { fields: [] } }), {
    code: ErrorCode.NotImplemented,
    message: "create option 'encryptedFields' is not supported yet by SecantusDB",
  });
  assertEquals(parseCreate({ create: "c", capped: false }).options.capped, false);
  assertEquals(parseCreate({ create: "c", capped: true, size: 4096 }).options, { capped: true, size: 4096 });
});

Deno.test("create: timeseries options are typed as mongod's IDL types them", () => {
  assertEquals(
    parseCreate({ create: "c", timeseries: { timeField: "t", granularity: "hours" } }).options.timeseries,
    {
      timeField: "t",
      granularity: "hours",
    },
  );
  throws(() => parseCreate({ create: "c", timeseries: { metaField: "m" } }), { code: 40414 });
  throws(() => parseCreate({ create: "c", timeseries: { timeField: "t", granularity: "days" } }), {
    code: ErrorCode.BadValue,
  });
  throws(() => parseCreate({ create: "c", timeseries: { timeField: "t", bucketMaxSpanSeconds: 0 } }), {
    code: 51024,
  });
  throws(() => parseCreate({ create: "c", timeseries: { timeField: "t", other: 1 } }), { code: 40415 });
  assertEquals(
    parseCreate({ create: "c", timeseries: { timeField: "t" }, expireAfterSeconds: 5 }).options
      .expireAfterSeconds,
    5,
  );
});

Deno.test("create: expireAfterSeconds needs a clustered collection and a sane number of seconds", () => {
  const ci = { key: { _id: 1 }, unique: true };
  assertEquals(
    parseCreate({ create: "c", clusteredIndex: ci, expireAfterSeconds: 10 }).options.expireAfterSeconds,
    10,
  );
  throws(() => parseCreate({ create: "c", expireAfterSeconds: 10 }), {
    code: ErrorCode.InvalidOptions,
    message:
      "'expireAfterSeconds' is only supported on time-series collections or when the 'clusteredIndex' option is specified",
  });
  throws(() => parseCreate({ create: "c", clusteredIndex: ci, expireAfterSeconds: -1 }), {
    code: ErrorCode.InvalidOptions,
  });
  throws(() => parseCreate({ create: "c", clusteredIndex: ci, expireAfterSeconds: 1e13 }), {
    code: ErrorCode.InvalidOptions,
  });
  throws(() => parseCreate({ create: "c", clusteredIndex: ci, expireAfterSeconds: "x" }), {
    code: ErrorCode.TypeMismatch,
  });
  throws(() => parseCreate({ create: "c", clusteredIndex: ci, idIndex: { key: { _id: 1 }, name: "_id_" } }), {
    code: ErrorCode.InvalidOptions,
  });
  throws(() => parseCreate({ create: "c", clusteredIndex: ci, autoIndexId: false }), { code: 6026501 });
  throws(() => parseCreate({ create: "c", clusteredIndex: { ...ci, unique: false } }), { code: 5979700 });
});

Deno.test("create: a collection name that is not a string is 73 InvalidNamespace", () => {
  throws(() => parseCreate({ create: 1 }), { code: ErrorCode.InvalidNamespace });
});

Deno.test("create: view options, validator options and clusteredIndex are checked", () => {
  assertEquals(parseCreate({ create: "v", viewOn: "c", pipeline: [{ $match: {} }] }).options.viewOn, "c");
  throws(() => parseCreate({ create: "v", pipeline: [] }), { code: ErrorCode.BadValue });
  throws(() => parseCreate({ create: "v", viewOn: "c", validator: {} }), { code: ErrorCode.InvalidOptions });
  throws(() => parseCreate({ create: "v", viewOn: "c", pipeline: [1] }), {
    code: ErrorCode.InvalidViewDefinition,
  });
  throws(() => parseCreate({ create: "c", validationAction: "bogus" }), { code: ErrorCode.BadValue });
  throws(() => parseCreate({ create: "c", validator: { $text: { $search: "a" } } }), {
    code: ErrorCode.QueryFeatureNotAllowed,
  });
  throws(() => parseCreate({ create: "c", clusteredIndex: { key: { a: 1 }, unique: true } }), {
    code: ErrorCode.InvalidIndexSpecificationOption,
  });
  assertEquals(
    parseCreate({ create: "c", changeStreamPreAndPostImages: { enabled: true } }).options
      .changeStreamPreAndPostImages,
    { enabled: true },
  );
});
