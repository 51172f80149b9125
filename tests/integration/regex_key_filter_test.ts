/**
 * Through npm:mongodb: regexes that are no literal prefix (`/abc/`, `/^abc/i`, alternation) and `$in`
 * lists holding regexes read an index's strings (or a prefix's) and test each key before its record is
 * read, as mongod's INEXACT_COVERED regex bounds do; a collated index is left to the collection scan.
 * Randomized: documents of mixed-case strings, numbers, nulls, stored regexes, arrays and missing
 * fields; every indexed answer (and count) equals a collection scan's (`hint: {$natural: 1}`) on
 * ascending, descending, compound, multikey, sparse, partial and collated indexes. One server.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { BSONRegExp } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { assertAsScan, planOf, randomDocs, rng } from "./helpers/plan_shape.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const WORDS = [
  "alice",
  "Alice",
  "ALICE",
  "bob",
  "Bob",
  "cab",
  "Cab",
  "éclair",
  "Éclair",
  "x.y",
  "a|b",
  "zoë",
  "漢字",
];

function randomValue(r: () => number, depth = 0): unknown {
  const k = r();
  if (k < 0.55) {
    const n = 1 + Math.floor(r() * 3);
    return Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]!).join(r() < 0.5 ? " " : "");
  }
  if (k < 0.62) return Math.floor(r() * 10);
  if (k < 0.67) return null;
  if (k < 0.7) return new BSONRegExp(r() < 0.5 ? "cab" : "^alice", r() < 0.5 ? "" : "i");
  if (k < 0.75) return {};
  if (k < 0.88 && depth === 0) return [randomValue(r, 1), randomValue(r, 1)];
  return undefined; // missing
}

function randomRegex(r: () => number): AnyDoc {
  const w = WORDS[Math.floor(r() * WORDS.length)]!;
  const part = w.slice(0, 1 + Math.floor(r() * w.length));
  const escaped = part.replace(/[.|]/g, "\\$&");
  const k = r();
  if (k < 0.25) return new BSONRegExp(escaped, "");
  if (k < 0.45) return new BSONRegExp(escaped, "i");
  if (k < 0.6) return new BSONRegExp("^" + escaped, "i");
  if (k < 0.7) return new BSONRegExp("^" + escaped + ".*b", "");
  if (k < 0.8) return new BSONRegExp(escaped + "|bob", "");
  if (k < 0.9) return new BSONRegExp("^" + escaped, "");
  return r() < 0.5 ? new BSONRegExp("cab", "") : new BSONRegExp("^alice", "i");
}

function randomFilter(r: () => number, field: string): AnyDoc {
  const k = r();
  if (k < 0.4) return { [field]: randomRegex(r) };
  if (k < 0.55) {
    const re = randomRegex(r);
    return { [field]: { $regex: re.pattern, ...(re.options ? { $options: re.options } : {}) } };
  }
  const list: unknown[] = [randomRegex(r)];
  if (r() < 0.7) list.push(WORDS[Math.floor(r() * WORDS.length)]);
  if (r() < 0.4) list.push(randomRegex(r));
  if (r() < 0.3) list.push(Math.floor(r() * 10));
  if (r() < 0.2) list.push(null);
  return { [field]: { $in: list } };
}

serverTest(
  "regexes and $in with regexes test index keys before fetching; answers equal a collection scan's",
  async (client) => {
    const c = client.db("rxkf").collection<AnyDoc>("c");
    const r = rng(42);
    const value = (f: string) => f === "t" ? [randomValue(r), randomValue(r)] : randomValue(r);
    await c.insertMany(randomDocs(600, ["s", "d", "t", "sp", "co", "pa"], value, (i) => ({ g: i % 3 })));
    await c.createIndex({ s: 1 });
    await c.createIndex({ d: -1 });
    await c.createIndex({ g: 1, s: 1 }, { name: "g_s" });
    await c.createIndex({ t: 1 });
    await c.createIndex({ sp: 1 }, { sparse: true });
    await c.createIndex({ co: 1 }, { collation: { locale: "en", strength: 2 } });
    await c.createIndex({ pa: 1 }, { partialFilterExpression: { g: { $gte: 1 } } });
    const fields = ["s", "d", "t", "sp", "co", "pa"];
    let indexed = 0;
    for (let n = 0; n < 240; n++) {
      const field = fields[n % fields.length]!;
      let f = randomFilter(r, field);
      if (field === "pa" || n % 7 === 0) f = { ...f, g: { $gte: 1 } };
      if (n % 11 === 0 && field === "s") f = { ...f, g: 2 };
      // (an $in before the regex on the compound index: the key filter finds the field key by key)
      if (n % 11 === 6 && field === "s") f = { ...f, g: { $in: [0, 2] } };
      const label = JSON.stringify(
        f,
        (_k, v) => v instanceof BSONRegExp ? `/${v.pattern}/${v.options}` : v,
      );
      await assertAsScan(c, f, label);
      const collated = await c.find(f).collation({ locale: "en", strength: 2 }).sort({ _id: 1 }).toArray();
      const collatedScan = await c.find(f).collation({ locale: "en", strength: 2 }).hint({ $natural: 1 })
        .sort({ _id: 1 }).toArray();
      assertEquals(collated, collatedScan, `collated ${label}`);
      const ex = await c.find(f).explain("executionStats");
      const { stages, ixscan } = planOf(ex.queryPlanner.winningPlan);
      if (field === "co") ok(!ixscan || ixscan.indexName !== "co_1", `collated index used: ${label}`);
      if (stages.includes("IXSCAN")) indexed++;
      if (ixscan?.filter) {
        ok(ex.executionStats.totalDocsExamined <= ex.executionStats.totalKeysExamined, label);
      }
    }
    ok(indexed > 120, `only ${indexed} indexed plans`);
    // a hinted compound index (an equality before the regex) and a descending one
    for (
      const f of [
        { g: 1, s: /cab/i },
        { g: 0, s: { $in: [/^bob/i, "cab"] } },
        { g: { $in: [0, 2] }, s: /ob/ },
        { g: { $in: [1, 2] }, s: { $in: [/^bob/i, "cab"] } },
      ]
    ) {
      assertEquals(
        await c.find(f).hint("g_s").sort({ _id: 1 }).toArray(),
        await c.find(f).hint({ $natural: 1 }).sort({ _id: 1 }).toArray(),
      );
    }
  },
);

serverTest(
  "a regex's plan: every string (or its prefix) and its own value, the key tested before the fetch",
  async (client) => {
    const c = client.db("rxkf2").collection<AnyDoc>("c");
    const docs: AnyDoc[] = [];
    for (let i = 0; i < 1000; i++) {
      docs.push({ _id: i, s: `Name${i % 500} ${i % 7 === 0 ? "Cab" : "x"}`, a: i % 10 });
    }
    docs.push({ _id: "re", s: new BSONRegExp("cab", "i"), a: 1 });
    await c.insertMany(docs);
    await c.createIndex({ s: 1 });
    await c.createIndex({ a: 1 });
    const ex = await c.find({ s: /cab/i }).explain("executionStats");
    const { stages, ixscan } = planOf(ex.queryPlanner.winningPlan);
    assertEquals(stages, ["FETCH", "IXSCAN"]);
    assertEquals(ixscan.indexBounds, { s: ['["", {})', "[/cab/i, /cab/i]"] });
    assertEquals(ixscan.filter, { s: { $regex: "cab", $options: "i" } });
    assertEquals(ex.executionStats.totalKeysExamined, 1001);
    // the stored regex equal to the query's matches too (its key passes the filter)
    assertEquals(ex.executionStats.totalDocsExamined, 144);
    assertEquals(ex.executionStats.nReturned, 144);
    const prefix = planOf((await c.find({ s: /^Name1.*Cab/ }).explain()).queryPlanner.winningPlan).ixscan;
    assertEquals(prefix.indexBounds, { s: ['["Name1", "Name2")', "[/^Name1.*Cab/, /^Name1.*Cab/]"] });
    // an equality on another index wins over a regex scanning every string
    const both = planOf((await c.find({ s: /cab/i, a: 3 }).explain()).queryPlanner.winningPlan).ixscan;
    assertEquals(both.indexName, "a_1");
    const inList = planOf(
      (await c.find({ s: { $in: [/^Name4/, "Name7 x", /^Name49/] } }).explain()).queryPlanner.winningPlan,
    ).ixscan;
    assertEquals(inList.indexBounds, {
      s: ['["Name4", "Name5")', '["Name7 x", "Name7 x"]', "[/^Name4/, /^Name4/]"],
    });
    // after an $in on a compound index's first field: the key filter still runs (the field's place
    // found key by key), and that index wins over the $in's own
    await c.createIndex({ a: 1, s: 1 });
    const f = { a: { $in: [1, 3] }, s: /cab/i };
    const exIn = await c.find(f).explain("executionStats");
    const inScan = planOf(exIn.queryPlanner.winningPlan).ixscan;
    assertEquals(inScan.indexName, "a_1_s_1");
    assertEquals(inScan.filter, { s: { $regex: "cab", $options: "i" } });
    const n = await c.countDocuments(f, { hint: { $natural: 1 } });
    assertEquals(exIn.executionStats.nReturned, n);
    assertEquals(exIn.executionStats.totalDocsExamined, n);
    assertEquals(exIn.executionStats.totalKeysExamined, 201); // (the stored regex too)
  },
);
