/**
 * engine_bench.ts — throughput of the pure engines on in-memory documents.
 *
 *   deno run -A bench/engine_bench.ts [--docs 100000]
 *
 * Reports: a 3-predicate filter over N documents (docs/s), the same filter on dotted/array paths,
 * an `$inc`+`$set` update, sort of N documents, and index-key encoding (keys/s) for int, string and
 * compound keys. Documents are generated deterministically and round-tripped through npm:bson with
 * the server's deserialisation options, so they look exactly like stored documents.
 */
import { Long } from "bson";
import { docsArg, syntheticDocs, time } from "./lib/synthetic.ts";
import { compileFilter, compileUpdate, sortDocuments } from "../src/engine/mod.ts";
import { encodeIndexKey, encodeValue } from "../src/keys/mod.ts";

const N = docsArg();
const docs = syntheticDocs(
  N,
  (_i, rand) => ({ addr: { zip: String(10000 + Math.floor(rand() * 89999)), geo: { lat: rand() * 90 } } }),
);

console.log(`engine bench: ${N.toLocaleString("en-US")} documents, best of 5 (Deno ${Deno.version.deno})`);

const f3 = compileFilter({
  age: { $gte: 30, $lt: 60 },
  city: { $in: ["Oslo", "Lima", "Riga"] },
  score: { $gt: 50 },
});
time("filter: 3 predicates (range, $in, $gt)", N, "docs", () => {
  let c = 0;
  for (const d of docs) if (f3.matches(d)) c++;
  return c;
});

const fDeep = compileFilter({
  "addr.geo.lat": { $lt: 45 },
  tags: "b",
  big: { $gte: Long.fromNumber(5_000_000) },
});
time("filter: dotted path, array element, Long", N, "docs", () => {
  let c = 0;
  for (const d of docs) if (fDeep.matches(d)) c++;
  return c;
});

const fOr = compileFilter({ $or: [{ city: "Oslo" }, { age: { $lt: 10 } }], "addr.zip": /^1/ });
time("filter: $or + regex", N, "docs", () => {
  let c = 0;
  for (const d of docs) if (fOr.matches(d)) c++;
  return c;
});

const upd = compileUpdate({ $inc: { age: 1 }, $set: { "addr.geo.lat": 1.5 } });
const now = new Date();
const slice = docs.slice(0, Math.min(N, 20_000));
time("update: $inc + dotted $set (20k docs)", slice.length, "docs", () => {
  let c = 0;
  for (const d of slice) if (upd.apply(d, { isInsert: false, now }).modified) c++;
  return c;
});

time("sort: {city: 1, score: -1}", N, "docs", () => sortDocuments(docs, { city: 1, score: -1 }).length);

time("key encoding: int", N, "keys", () => {
  let bytes = 0;
  for (const d of docs) bytes += encodeValue(d["age"]).length;
  return bytes;
});
time("key encoding: double", N, "keys", () => {
  let bytes = 0;
  for (const d of docs) bytes += encodeValue(d["score"]).length;
  return bytes;
});
time("key encoding: string", N, "keys", () => {
  let bytes = 0;
  for (const d of docs) bytes += encodeValue(d["city"]).length;
  return bytes;
});
time("key encoding: compound {city: 1, age: -1, _id: 1}", N, "keys", () => {
  let bytes = 0;
  for (const d of docs) bytes += encodeIndexKey([d["city"], d["age"], d["_id"]], [1, -1, 1]).length;
  return bytes;
});
