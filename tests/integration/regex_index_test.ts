/**
 * Through npm:mongodb: a regex anchored with a literal prefix (`/^abc/`, `{$regex: "^abc"}`) reads an
 * index from that prefix to the next one, as mongod's planner does (the rest, case-insensitive,
 * multiline, alternation, unanchored, read every string of it: regex_key_filter_test.ts). Every answer equals a collection scan's
 * (`hint: {$natural: 1}`) over strings with NULs, accents, CJK, symbols beyond the BMP, numbers and
 * arrays, on ascending, descending, compound and multikey indexes. One server for the file.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { BSONRegExp, MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

function stages(plan: AnyDoc): string[] {
  const out: string[] = [];
  for (let p = plan; p; p = p.inputStage ?? p.inputStages?.[0]) out.push(p.stage);
  return out;
}

const STRINGS = [
  "",
  "a",
  "ab",
  "abc",
  "abd",
  "abc\u0000x",
  "ab\u0000",
  "abcé",
  "abd漢字",
  "ab😀",
  "b",
  "s1",
  "s12",
  "s120",
  "s129",
  "s13",
  "S12",
  "a.b",
  "a|b",
  "x\ny",
];

Deno.test({
  name: "anchored regexes read an index from their prefix; answers equal a collection scan's",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const c = client.db("rx").collection<AnyDoc>("c");
      const docs: AnyDoc[] = STRINGS.map((s, i) => ({ _id: i, s, d: s, g: i % 3, t: [s, "zz" + s] }));
      docs.push({ _id: 100, s: 12, d: null, g: 0, t: [] }, { _id: 101, g: 1 }, {
        _id: 102,
        s: ["abc", "q"],
        g: 2,
      });
      for (let i = 0; i < 300; i++) {
        docs.push({ _id: 1000 + i, s: `fill${i}`, d: `fill${i}`, g: i % 3, t: ["f"] });
      }
      await c.insertMany(docs);
      await c.createIndex({ s: 1 });
      await c.createIndex({ d: -1 });
      await c.createIndex({ g: 1, s: 1 });
      await c.createIndex({ t: 1 });
      const patterns: AnyDoc[] = [
        /^ab/,
        /^abc/,
        /^abc$/,
        // deno-lint-ignore no-control-regex
        /^ab\u0000/,
        /^abd漢/,
        /^ab😀/,
        /^s12/,
        /^s1/,
        /^a\.b/,
        /^a\|b/,
        /^$/,
        /^/,
        /^ab?/,
        /^ab*c/,
        /^abc/i,
        /^x$/m,
        /^ab|s1/,
        /b/,
        /^f/,
        new BSONRegExp("^s1", "s"),
      ];
      for (const re of patterns) {
        for (const field of ["s", "d", "t"]) {
          for (const f of [{ [field]: re }, { [field]: { $regex: re } }, { [field]: re, g: { $gte: 1 } }]) {
            const label = `${field} ${String(re)} ${JSON.stringify(Object.keys(f))}`;
            const byPlan = await c.find(f).sort({ _id: 1 }).toArray();
            const byScan = await c.find(f).hint({ $natural: 1 }).sort({ _id: 1 }).toArray();
            assertEquals(byPlan, byScan, label);
            assertEquals(await c.countDocuments(f), byScan.length, `count ${label}`);
          }
        }
      }
      // string form with $options, and a hinted compound index with an equality before the regex
      const viaString = await c.find({ s: { $regex: "^s12", $options: "s" } }).sort({ _id: 1 }).toArray();
      assertEquals(viaString.map((d) => d.s), ["s12", "s120", "s129"]);
      const compound = await c.find({ g: 0, s: /^ab/ }).hint({ g: 1, s: 1 }).sort({ _id: 1 }).toArray();
      assertEquals(
        compound,
        await c.find({ g: 0, s: /^ab/ }).hint({ $natural: 1 }).sort({ _id: 1 }).toArray(),
      );
      // the plans: a prefix reads its range only
      for (const [f, maxKeys] of [[{ s: /^s12/ }, 4], [{ d: /^abc/ }, 4], [{ t: /^ab/ }, 12]] as const) {
        const ex = await c.find(f).explain("executionStats");
        const plan = stages(ex.queryPlanner.winningPlan);
        ok(plan.includes("IXSCAN"), `${JSON.stringify(f)} ${plan}`);
        ok(ex.executionStats.totalKeysExamined <= maxKeys, `${ex.executionStats.totalKeysExamined} keys`);
      }
      const ex = await c.find({ s: /^s12/ }).explain();
      const ixscan = (function find(p: AnyDoc): AnyDoc {
        return p.stage === "IXSCAN" ? p : find(p.inputStage);
      })(ex.queryPlanner.winningPlan);
      // (and the regex values, as mongod's bounds: a stored regex equal to the query's matches it)
      assertEquals(ixscan.indexBounds, { s: ['["s12", "s13")', "[/^s12/, /^s12/]"] });
      // not a prefix: every string, each key tested by the regex (regex_key_filter_test.ts)
      ok(stages((await c.find({ s: /^abc/i }).explain()).queryPlanner.winningPlan).includes("IXSCAN"));
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
