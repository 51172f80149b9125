// bulk_insert through the Node driver, split (issue 18, target 2): bench.mjs's bulk load — 20 ordered
// insertMany of 1,000 ~1 KB documents from its DocFactory, into a collection with its two secondary
// indexes — timed per round, with the CPU the server process(es) and this client used per document
// (/proc/PID/task/*/schedstat, so a busy machine inflates it less than wall time), and the driver's own
// BSON encode of the same documents alone. Against `capacity/fake-server.mjs` (`--fake`: no drops or
// indexes) the same run is the driver's ceiling. Run it under Node from a copy of ../shared/bench with
// `npm ci` done (the mongodb driver and lib/common.mjs come from there):
//   node bench/lib/bulk_insert_split.mjs --shared /tmp/sbench --uri URI [--rounds 3] [--pid PID] [--fake]
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";

const { values: o } = parseArgs({
  options: {
    shared: { type: "string" },
    uri: { type: "string" },
    rounds: { type: "string", default: "3" },
    pid: { type: "string", multiple: true, default: [] },
    fake: { type: "boolean", default: false },
  },
});
if (!o.shared || !o.uri) {
  throw new Error("--shared DIR (a copy of ../shared/bench with npm ci) and --uri are required");
}
const require = createRequire(path.join(path.resolve(o.shared), "package.json"));
const { MongoClient, BSON } = require("mongodb");
const { DocFactory } = await import(path.join(path.resolve(o.shared), "lib", "common.mjs"));

const n = 20000, batch = 1000;
const factory = new DocFactory({ seed: 42, n, payloadBytes: 700 });
const batches = [];
for (let b = 0; b < n / batch; b++) {
  const docs = [];
  for (let id = b * batch; id < (b + 1) * batch; id++) docs.push(factory.make(id));
  batches.push(docs);
}
/** CPU ms of every thread of process `pid` so far. */
const cpuMs = (pid) =>
  fs.readdirSync(`/proc/${pid}/task`).reduce((s, t) => {
    try {
      return s + Number(fs.readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]) / 1e6;
    } catch {
      return s; // a thread that ended
    }
  }, 0);
const selfMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const client = new MongoClient(o.uri, { maxPoolSize: 1 });
await client.connect();
const db = client.db("bulk_split");
const coll = db.collection("docs");
for (let r = 0; r < Number(o.rounds); r++) {
  if (!o.fake) {
    await db.dropDatabase();
    await db.createCollection("docs");
    await coll.createIndexes([{ key: { category: 1 }, name: "category_1" }, {
      key: { score: 1 },
      name: "score_1",
    }]);
  }
  const copies = batches.map((b) => b.map((d) => ({ ...d })));
  const c0 = o.pid.map(cpuMs);
  const s0 = selfMs();
  const t0 = performance.now();
  for (const docs of copies) await coll.insertMany(docs, { ordered: true });
  const ms = performance.now() - t0;
  const s1 = selfMs();
  const c1 = o.pid.map(cpuMs);
  const e0 = performance.now();
  for (const docs of batches) for (const d of docs) BSON.serialize(d);
  const encodeMs = performance.now() - e0;
  const server = o.pid.map((p, i) => `server ${p} ${((c1[i] - c0[i]) * 1000 / n).toFixed(1)}`).join(", ");
  console.log(
    `round ${r}: ${Math.round(n / ms * 1000)} docs/s; CPU µs/doc: ${server}${server ? ", " : ""}` +
      `client ${((s1 - s0) * 1000 / n).toFixed(1)} (BSON.serialize alone ${
        (encodeMs * 1000 / n).toFixed(1)
      })`,
  );
}
await client.close();
