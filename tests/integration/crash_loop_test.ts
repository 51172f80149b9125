/**
 * kill -9 loop (issue 11, item 5): the same data directory is written by concurrent clients — inserts
 * with `j: true`, inserts with the default write concern, `$inc` updates — and the server is killed
 * with SIGKILL at a random moment, restarted, checked and killed again. After every restart each
 * acknowledged insert is there and every counter is at least its acknowledged increments (and at most
 * those plus the ones in flight). CI runs CRASH_ROUNDS (default 3) rounds; set it higher by hand.
 * Seeded (CRASH_SEED) so a failing kill time reproduces approximately.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";

const ROUNDS = Number(Deno.env.get("CRASH_ROUNDS") ?? 3);
const SEED = Number(Deno.env.get("CRASH_SEED") ?? 7);

type Doc = { _id: string; n?: number; pad?: string };

Deno.test({
  name: "kill -9 loop: no acknowledged write is lost across repeated crashes",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    let seed = SEED;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const dataDir = await Deno.makeTempDir({ prefix: "secantus-crash-" });
    const acked = new Set<string>();
    /** Counter id → [acknowledged increments, increments sent]. */
    const incs = new Map<string, [number, number]>();
    try {
      for (let round = 0; round <= ROUNDS; round++) {
        const server = await spawnServer({ dataDir, ownDataDir: false, timeoutMs: 60_000 });
        const client = new MongoClient(server.uri, { retryWrites: false, maxPoolSize: 8 });
        const c = client.db("crash").collection<Doc>("c");
        try {
          // 1. everything acknowledged before the last crash is there
          const ids = new Set(
            (await c.find({}, { projection: { _id: 1, n: 1 } }).toArray()).map((d) => d._id),
          );
          const missing = [...acked].filter((id) => !ids.has(id));
          assert.deepEqual(missing, [], `round ${round}: ${missing.length} acknowledged inserts lost`);
          for (const [id, [ok, sent]] of incs) {
            const d = await c.findOne({ _id: id });
            const n = d?.n ?? 0;
            assert.ok(
              n >= ok && n <= sent,
              `round ${round}: counter ${id} is ${n}, acknowledged ${ok}, sent ${sent}`,
            );
          }
          if (round === ROUNDS) break;
          // 2. write from several clients until the kill
          let stop = false;
          const writer = async (kind: "j" | "default" | "inc", w: number) => {
            for (let i = 0; !stop; i++) {
              const id = `${round}-${kind}-${w}-${i}`;
              try {
                if (kind === "inc") {
                  const key = `ctr-${w}`;
                  const e = incs.get(key) ?? [0, 0];
                  incs.set(key, e);
                  e[1]++;
                  await c.updateOne({ _id: key }, { $inc: { n: 1 } }, {
                    upsert: true,
                    writeConcern: { w: 1 },
                  });
                  e[0]++;
                } else {
                  await c.insertOne(
                    { _id: id, pad: "y".repeat(100 + (i % 300)) },
                    kind === "j" ? { writeConcern: { w: 1, j: true } } : {},
                  );
                  acked.add(id);
                }
              } catch {
                return; // the server is gone
              }
            }
          };
          const writers = [
            writer("j", 0),
            writer("j", 1),
            writer("default", 0),
            writer("default", 1),
            writer("inc", 0),
          ];
          await new Promise((r) => setTimeout(r, 300 + Math.floor(rand() * 700)));
          await server.stop("SIGKILL", { keepData: true });
          stop = true;
          await Promise.all(writers);
        } finally {
          await client.close().catch(() => {});
          await server.stop("SIGKILL", { keepData: true });
        }
      }
      assert.ok(acked.size > 0, "no write was acknowledged");
      console.log(
        `${ROUNDS} kill -9 rounds: ${acked.size} acknowledged inserts, all present after every restart`,
      );
    } finally {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
