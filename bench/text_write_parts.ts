/**
 * text_write_parts.ts — where a text index's write cost goes, in process (no driver, no server): the
 * same 12-word documents as text_bench.ts inserted through the storage API into a collection with a
 * text index and into one with a compound index `{body: 1, _id: 1}`, alternating; also the key
 * computation alone (index_keys.ts) and the entry count, so the WiredTiger share is the difference.
 *
 *   deno run -A bench/text_write_parts.ts [--docs 20000] [--rounds 3]
 */
import { BSON } from "bson";
import process from "node:process";
import { openWiredTiger } from "../src/storage/mod.ts";
import { indexKeysOf } from "../src/executor/index_keys.ts";
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
const bytes = docs.map((d) => BSON.serialize(d));
const keyOpts = { compilePartialFilter };

const storage = openWiredTiger({
  path: ":memory:",
  cacheSizeBytes: 256 << 20,
  sessionMax: 20,
  syncOnCommit: false,
});
const text = normalizeTextIndex({}, { body: "text" });
let made = 0;
function collection(kind: "text" | "compound") {
  const name = `${kind}${made++}`;
  storage.catalog.createCollection("b", name, {});
  if (kind === "text") {
    storage.catalog.createIndex("b", name, {
      name: "body_text",
      spec: { v: 2, key: text.key, name: "body_text", ...text.options },
      unique: false,
    });
    storage.catalog.updateIndex("b", name, "body_text", { keyFormat: TEXT_TERM_KEYS });
  } else {
    storage.catalog.createIndex("b", name, {
      name: "body_1__id_1",
      spec: { v: 2, key: { body: 1, _id: 1 }, name: "body_1__id_1" },
      unique: false,
    });
  }
  return storage.catalog.getCollection("b", name)!;
}

/** CPU milliseconds (user + system) of this process: the machine is shared, wall time is not ours. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function keysOnly(kind: "text" | "compound"): { ms: number; entries: number } {
  const coll = collection(kind);
  let entries = 0;
  const t = cpuMs();
  for (const d of docs) {
    const k = indexKeysOf(coll, d, keyOpts);
    for (const [, v] of k) entries += v.length;
  }
  return { ms: cpuMs() - t, entries };
}

function insertAll(kind: "text" | "compound"): number {
  const coll = collection(kind);
  const t = cpuMs();
  for (let i = 0; i < N; i += 500) {
    storage.write((txn) => {
      for (let j = i; j < Math.min(N, i + 500); j++) {
        txn.insert(coll, bytes[j]!, indexKeysOf(coll, docs[j]!, keyOpts));
      }
    });
  }
  return cpuMs() - t;
}

console.log(
  `text write parts (CPU ms): ${N} documents of 12 words, load ${
    Deno.loadavg().map((x) => x.toFixed(1)).join(" ")
  }`,
);
for (let round = 0; round < ROUNDS; round++) {
  const kt = keysOnly("text");
  const kc = keysOnly("compound");
  const it = insertAll("text");
  const ic = insertAll("compound");
  console.log(
    `  round ${round}: keys text ${kt.ms.toFixed(0)} ms (${kt.entries} entries), compound ${
      kc.ms.toFixed(0)
    } ms; ` +
      `insert text ${it.toFixed(0)} ms, compound ${ic.toFixed(0)} ms, ratio ${(it / ic).toFixed(2)}`,
  );
}
storage.close();
