/**
 * text_build_bench.ts — an index build over existing documents, in process (no driver, no server):
 * the same 12-word documents as text_bench.ts in one collection, a text index built on it record by
 * record (`indexRecord`: one WiredTiger insert call per document, its entries in term order) and by
 * the default build (executor/index_build.ts `SortedBatch`: a batch's entries sorted, then inserted
 * in key order), alternating, dropped between rounds; a compound index `{body: 1, _id: 1}` built the
 * default way for the ratio. Wall and CPU milliseconds (the machine is shared; CPU is ours).
 *
 *   deno run -A bench/text_build_bench.ts [--docs 20000] [--rounds 3] [--disk]
 */
import { BSON } from "bson";
import process from "node:process";
import { openWiredTiger } from "../src/storage/mod.ts";
import { indexKeysOf } from "../src/executor/index_keys.ts";
import { buildIndex, indexRecord } from "../src/executor/index_build.ts";
import { compilePartialFilter } from "../src/engine/mod.ts";
import { normalizeTextIndex } from "../src/planner/text_spec.ts";
import { TEXT_TERM_KEYS } from "../src/keys/text_keys.ts";
import { docsArg } from "./lib/synthetic.ts";
import { loadTextLanguages } from "../src/keys/text_language.ts";

await loadTextLanguages();

const N = docsArg(20000);
const ROUNDS = Deno.args.includes("--rounds") ? Number(Deno.args[Deno.args.indexOf("--rounds") + 1]) : 3;
let seed = 0x5eed;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
const syll = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "pe", "du", "gra", "bel", "tor", "fin"];
const vocab = Array.from({ length: 5000 }, (_, i) => {
  let w = "";
  for (let n = i + 1; n > 0; n = Math.floor(n / syll.length)) w += syll[n % syll.length];
  return w + "x";
});
const word = () => vocab[Math.floor(vocab.length * rnd() ** 3)]!;
const docs = Array.from(
  { length: N },
  (_, j) => ({ _id: j, body: Array.from({ length: 12 }, word).join(" ") }),
);
const keyOpts = { compilePartialFilter };

const dir = Deno.args.includes("--disk")
  ? await Deno.makeTempDir({ prefix: "secantus-textbuild-" })
  : undefined;
const storage = openWiredTiger({
  path: dir ?? ":memory:",
  cacheSizeBytes: 256 << 20,
  sessionMax: 20,
  syncOnCommit: false,
});
storage.catalog.createCollection("b", "c", {});
{
  const coll = storage.catalog.getCollection("b", "c")!;
  for (let i = 0; i < N; i += 1000) {
    storage.write((txn) => {
      for (let j = i; j < Math.min(N, i + 1000); j++) {
        txn.insert(coll, BSON.serialize(docs[j]!), indexKeysOf(coll, docs[j]!, keyOpts));
      }
    });
  }
}
const text = normalizeTextIndex({}, { body: "text" });

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function build(
  kind: "text-by-record" | "text-sorted" | "compound",
): Promise<{ wall: number; cpu: number }> {
  const name = kind === "compound" ? "body_1__id_1" : "body_text";
  const spec = kind === "compound"
    ? { v: 2, key: { body: 1, _id: 1 }, name }
    : { v: 2, key: text.key, name, ...text.options };
  const coll = storage.catalog.createIndex("b", "c", {
    name,
    spec,
    unique: false,
    ...(kind === "compound" ? {} : { keyFormat: TEXT_TERM_KEYS }),
  });
  const ix = coll.indexes.find((i) => i.name === name)!;
  const t = performance.now();
  const c = cpuMs();
  await buildIndex(
    storage,
    coll,
    ix,
    keyOpts,
    undefined,
    kind === "text-by-record" ? indexRecord : undefined,
  );
  const out = { wall: performance.now() - t, cpu: cpuMs() - c };
  storage.catalog.dropIndex("b", "c", name);
  return out;
}

console.log(
  `text index build: ${N} documents of 12 words${dir ? " on disk" : ""}, load ${
    Deno.loadavg().map((x) => x.toFixed(1)).join(" ")
  }`,
);
for (let round = 0; round < ROUNDS; round++) {
  const a = await build("text-by-record");
  const b = await build("text-sorted");
  const c = await build("compound");
  const f = (x: { wall: number; cpu: number }) => `${x.wall.toFixed(0)} ms (CPU ${x.cpu.toFixed(0)})`;
  console.log(
    `  round ${round}: by record ${f(a)}, sorted ${f(b)}, compound ${f(c)}; ` +
      `sorted/by record ${(b.cpu / a.cpu).toFixed(2)} CPU, text/compound ${(a.cpu / c.cpu).toFixed(2)} -> ${
        (b.cpu / c.cpu).toFixed(2)
      } CPU`,
  );
}
storage.close();
if (dir) await Deno.remove(dir, { recursive: true });
