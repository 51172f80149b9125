/**
 * Durability and transactions benchmark (issue 9), one run, through real drivers:
 *  - insert_one (one ~1 KB document per round trip) against `deno run main.ts` children on fresh
 *    on-disk data directories with `sync_on_commit` off and on, at 1 and 16 clients. With group
 *    commit, 16 synced clients share each log fsync, so their rate should approach 16× one synced
 *    client's;
 *  - a transfer transaction (two `$inc` updates of random accounts + commit, `withTransaction`
 *    style without retries) per second at 1 and 16 clients, sync on and off;
 *  - the same two workloads on PostgreSQL (node `pg` driver, `synchronous_commit` on/off per
 *    session) on the throwaway server of ../shared/bench/start-postgres.sh (127.0.0.1:54329),
 *    when it is running (`BENCH_PG=postgres://…` to point elsewhere; skipped with a note otherwise).
 * Sizes: GC_OPS (2000 per measurement), GC_ACCOUNTS (1000).
 */
import { MongoClient } from "mongodb";
import pg from "pg";
import { spawnServer } from "../tests/integration/helpers/server_process.ts";

const OPS = Number(Deno.env.get("GC_OPS") ?? 2_000);
const ACCOUNTS = Number(Deno.env.get("GC_ACCOUNTS") ?? 1_000);
const PG_URI = Deno.env.get("BENCH_PG") ?? "postgres://bench@127.0.0.1:54329/bench";
const PAYLOAD = "p".repeat(900);

/** Runs `op(i)` OPS times over `clients` closed-loop workers; returns ops/s. */
async function closedLoop(clients: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = next++; i < OPS; i = next++) await op(i);
  }));
  return OPS / ((performance.now() - t) / 1000);
}

const rand = (n: number) => Math.floor(Math.random() * n);

interface Row {
  target: string;
  sync: string;
  insert1: number;
  insert16: number;
  transfer1: number;
  transfer16: number;
}

async function secantus(sync: boolean): Promise<Row> {
  const server = await spawnServer({ args: sync ? ["--sync-on-commit"] : [] });
  const client = new MongoClient(server.uri, { maxPoolSize: 32 });
  try {
    const db = client.db("gc");
    // deno-lint-ignore no-explicit-any
    const ins = db.collection<any>("ins");
    // deno-lint-ignore no-explicit-any
    const acc = db.collection<any>("acc");
    await acc.insertMany(Array.from({ length: ACCOUNTS }, (_, i) => ({ _id: i, bal: 1000 })));
    for (let i = 0; i < 200; i++) await ins.insertOne({ _id: -1 - i, payload: PAYLOAD }); // warm up
    let base = 0;
    const insert = async (clients: number) => {
      const from = base;
      base += OPS;
      return await closedLoop(clients, (i) => ins.insertOne({ _id: from + i, payload: PAYLOAD }));
    };
    const transfer = (clients: number) =>
      closedLoop(clients, async () => {
        const s = client.startSession();
        try {
          const a = rand(ACCOUNTS);
          const b = (a + 1 + rand(ACCOUNTS - 1)) % ACCOUNTS;
          s.startTransaction();
          try {
            await acc.updateOne({ _id: a }, { $inc: { bal: -1 } }, { session: s });
            await acc.updateOne({ _id: b }, { $inc: { bal: 1 } }, { session: s });
            await s.commitTransaction();
          } catch {
            await s.abortTransaction().catch(() => {}); // a write conflict: counted as done, not retried
          }
        } finally {
          await s.endSession();
        }
      });
    const row = {
      target: "secantusdb",
      sync: sync ? "on" : "off",
      insert1: await insert(1),
      insert16: await insert(16),
      transfer1: await transfer(1),
      transfer16: await transfer(16),
    };
    const total = (await acc.aggregate([{ $group: { _id: null, t: { $sum: "$bal" } } }]).toArray())[0]?.t;
    if (total !== ACCOUNTS * 1000) throw new Error(`CHECK FAILED: total balance ${total}`);
    return row;
  } finally {
    await client.close();
    await server.stop();
  }
}

async function postgres(sync: boolean): Promise<Row> {
  const pool = new pg.Pool({
    connectionString: PG_URI,
    max: 16,
    options: `-c synchronous_commit=${sync ? "on" : "off"}`,
  });
  try {
    await pool.query("DROP TABLE IF EXISTS gc_ins, gc_acc");
    await pool.query("CREATE TABLE gc_ins (id bigint PRIMARY KEY, doc jsonb)");
    await pool.query("CREATE TABLE gc_acc (id int PRIMARY KEY, bal bigint)");
    await pool.query("INSERT INTO gc_acc SELECT g, 1000 FROM generate_series(0, $1::int - 1) g", [ACCOUNTS]);
    const warm = await Promise.all(Array.from({ length: 16 }, () => pool.connect()));
    for (const c of warm) c.release();
    let base = 0;
    const insert = (clients: number) => {
      const from = base;
      base += OPS;
      return closedLoop(clients, (i) =>
        pool.query("INSERT INTO gc_ins (id, doc) VALUES ($1, $2)", [
          from + i,
          JSON.stringify({ payload: PAYLOAD }),
        ]));
    };
    const transfer = (clients: number) =>
      closedLoop(clients, async () => {
        const c = await pool.connect();
        try {
          const a = rand(ACCOUNTS);
          const b = (a + 1 + rand(ACCOUNTS - 1)) % ACCOUNTS;
          await c.query("BEGIN");
          await c.query("UPDATE gc_acc SET bal = bal - 1 WHERE id = $1", [a]);
          await c.query("UPDATE gc_acc SET bal = bal + 1 WHERE id = $1", [b]);
          await c.query("COMMIT");
        } catch {
          await c.query("ROLLBACK").catch(() => {});
        } finally {
          c.release();
        }
      });
    return {
      target: "postgresql",
      sync: sync ? "on" : "off",
      insert1: await insert(1),
      insert16: await insert(16),
      transfer1: await transfer(1),
      transfer16: await transfer(16),
    };
  } finally {
    await pool.query("DROP TABLE IF EXISTS gc_ins, gc_acc").catch(() => {});
    await pool.end();
  }
}

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URI, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

const rows: Row[] = [];
const load = Deno.loadavg();
rows.push(await secantus(false), await secantus(true));
if (await pgReachable()) rows.push(await postgres(false), await postgres(true));
else console.log(`(PostgreSQL not reachable at ${PG_URI}: run ../shared/bench/start-postgres.sh)`);
const f = (n: number) => Math.round(n).toLocaleString("en-US").padStart(8);
console.log(`ops per measurement ${OPS}; load average at start ${load.map((x) => x.toFixed(1)).join(" ")}`);
console.log("target       sync  insert c=1  insert c=16  16/1   transfer c=1  transfer c=16");
for (const r of rows) {
  console.log(
    `${r.target.padEnd(12)} ${r.sync.padEnd(4)}  ${f(r.insert1)}    ${f(r.insert16)}   ${
      (r.insert16 / r.insert1).toFixed(1).padStart(4)
    }    ${f(r.transfer1)}      ${f(r.transfer16)}`,
  );
}
