/**
 * What an insert costs before storage, in one process: parseOpMsg of the request frame, parseInsert,
 * and the preparation of each document (prepareInsert, or prepareInsertRaw for documents the wire
 * layer kept as bytes) for a collection with only `_id`. µs per document, for one ~760-byte document
 * per request (the capacity insert) and for 1,000 per request (bench.mjs's bulk load); `--compare DIR`
 * runs another checkout's code (e.g. main's) alternately in the same process.
 *   deno run -A bench/insert_prepare_bench.ts [--compare DIR] [--rounds 4]
 */
import { BSON } from "bson";

const arg = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1]! : fallback;
};
const ROUNDS = Number(arg("--rounds", "4"));
const compareDir = arg("--compare", "");

type Doc = Record<string, unknown>;
interface Code {
  name: string;
  parseOpMsg(frame: Uint8Array): { body: Doc };
  encodeOpMsg(o: { requestId: number; body: Uint8Array }): Uint8Array;
  parseInsert(body: Doc): { documents: Doc[]; sources?: (Uint8Array | undefined)[]; raw?: Uint8Array[] };
  prepareInsert(coll: unknown, d: Doc, v: object, source?: Uint8Array): unknown;
  prepareInsertRaw?(coll: unknown, raw: Uint8Array): unknown;
}

async function load(dir: string, name: string): Promise<Code> {
  const wire = await import(`${dir}/src/wire/op_msg.ts`);
  const ins = await import(`${dir}/src/commands/crud/insert.ts`);
  return { name, ...wire, ...ins } as Code;
}

const codes = [await load(new URL("..", import.meta.url).pathname.replace(/\/$/, ""), "this checkout")];
if (compareDir) codes.push(await load(compareDir, compareDir));

const coll = {
  db: "d",
  name: "c",
  ident: "coll-x",
  uuid: new Uint8Array(16),
  options: {},
  indexes: [{ name: "_id_", unique: true, spec: { key: { _id: 1 }, name: "_id_" }, ident: "ix-x" }],
};
const payload = "x".repeat(700);

function frames(code: Code, count: number, perRequest: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const documents = Array.from({ length: perRequest }, (_, k) => {
      const id = i * perRequest + k;
      return { _id: id, seq: id, category: `cat-${id % 2000}`, score: id / 7, payload };
    });
    return code.encodeOpMsg({ requestId: 1, body: BSON.serialize({ insert: "c", documents, $db: "d" }) });
  });
}

function run(code: Code, list: Uint8Array[]): void {
  for (const f of list) {
    const p = code.parseInsert(code.parseOpMsg(f).body);
    if (p.raw && code.prepareInsertRaw) { for (const r of p.raw) code.prepareInsertRaw(coll, r); }
    else p.documents.forEach((d, i) => code.prepareInsert(coll, d, {}, p.sources?.[i]));
  }
}

const load0 = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
console.log(`insert parse + prepare, µs per document (best of ${ROUNDS} rounds), load ${load0}`);
for (const [perRequest, count] of [[1, 20000], [1000, 40]] as const) {
  const best = new Map<string, number>();
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? codes : [...codes].reverse();
    for (const code of order) {
      const list = frames(code, count, perRequest); // (fresh frames: a parse may keep views of them)
      const t0 = performance.now();
      run(code, list);
      const us = (performance.now() - t0) * 1000 / (count * perRequest);
      best.set(code.name, Math.min(best.get(code.name) ?? Infinity, us));
    }
  }
  for (const [name, us] of best) console.log(`  ${perRequest} per request, ${name}: ${us.toFixed(2)}`);
}
