/**
 * Security benchmark, in one run: SCRAM-SHA-256 handshakes per second (saslStart + saslContinue
 * with skipEmptyExchange, over one authenticated driver connection, the client side computing
 * proofs from a cached salted password as drivers do), and find-by-_id throughput and latency over
 * plain TCP vs TLS against `deno run main.ts` child processes (certificates from openssl, made
 * here). Sizes: BENCH_HANDSHAKES (default 500), BENCH_OPS (default 2000) finds on 1,000 documents.
 */
import { Binary, MongoClient } from "mongodb";
import { spawnServer } from "../tests/integration/helpers/server_process.ts";
import { makeTestCerts } from "../tests/integration/helpers/test_certs.ts";

const HANDSHAKES = Number(Deno.env.get("BENCH_HANDSHAKES") ?? 500);
const OPS = Number(Deno.env.get("BENCH_OPS") ?? 2_000);
const enc = new TextEncoder();

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

function report(name: string, count: number, totalMs: number, lat: number[], unit = "ops/s") {
  lat.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(22)} ${String(Math.round(count / (totalMs / 1000))).padStart(8)} ${unit}   p50 ${
      pct(lat, 0.5).toFixed(3)
    } ms   p99 ${pct(lat, 0.99).toFixed(3)} ms`,
  );
}

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    key as BufferSource,
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data as BufferSource));
}

async function scramBench(): Promise<void> {
  const server = await spawnServer({ args: ["--auth"] });
  const anon = new MongoClient(server.uri);
  try {
    await anon.db("admin").command({
      createUser: "bench",
      pwd: "pw",
      roles: ["root"],
      mechanisms: ["SCRAM-SHA-256"],
    });
    const db = anon.db("admin");
    let salted: Uint8Array | undefined;
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < HANDSHAKES; i++) {
      const s = performance.now();
      const nonce = b64(crypto.getRandomValues(new Uint8Array(18)));
      const bare = `n=bench,r=${nonce}`;
      const r1 = await db.command({
        saslStart: 1,
        mechanism: "SCRAM-SHA-256",
        payload: new Binary(enc.encode(`n,,${bare}`)),
        options: { skipEmptyExchange: true },
      });
      const serverFirst = new TextDecoder().decode((r1["payload"] as Binary).buffer);
      const attrs = Object.fromEntries(serverFirst.split(",").map((p) => [p[0], p.slice(2)]));
      if (!salted) {
        const k = await crypto.subtle.importKey("raw", enc.encode("pw"), "PBKDF2", false, ["deriveBits"]);
        salted = new Uint8Array(
          await crypto.subtle.deriveBits(
            { name: "PBKDF2", hash: "SHA-256", salt: unb64(attrs["s"]!), iterations: Number(attrs["i"]) },
            k,
            256,
          ),
        );
      }
      const clientKey = await hmac(salted, enc.encode("Client Key"));
      const storedKey = new Uint8Array(await crypto.subtle.digest("SHA-256", clientKey as BufferSource));
      const withoutProof = `c=biws,r=${attrs["r"]}`;
      const sig = await hmac(storedKey, enc.encode(`${bare},${serverFirst},${withoutProof}`));
      const proof = clientKey.map((b, j) => b ^ sig[j]!);
      const r2 = await db.command({
        saslContinue: 1,
        conversationId: r1["conversationId"],
        payload: new Binary(enc.encode(`${withoutProof},p=${b64(proof)}`)),
      });
      if (r2["done"] !== true) throw new Error("handshake did not finish");
      lat.push(performance.now() - s);
    }
    report("scram_sha256_handshake", HANDSHAKES, performance.now() - t0, lat, "auth/s");
  } finally {
    await anon.close();
    await server.stop();
  }
}

async function findBench(label: string, args: string[], clientQuery: string): Promise<void> {
  const server = await spawnServer({ args });
  const client = new MongoClient(`mongodb://127.0.0.1:${server.port}/?directConnection=true${clientQuery}`);
  try {
    const c = client.db("bench").collection<{ _id: number; v: string }>("docs");
    const docs = Array.from({ length: 1000 }, (_, i) => ({ _id: i, v: "x".repeat(500) }));
    await c.insertMany(docs);
    for (let i = 0; i < 200; i++) await c.findOne({ _id: i });
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < OPS; i++) {
      const s = performance.now();
      if (!await c.findOne({ _id: (i * 7919) % 1000 })) throw new Error("missing");
      lat.push(performance.now() - s);
    }
    report(`find_by_id ${label}`, OPS, performance.now() - t0, lat);
  } finally {
    await client.close();
    await server.stop();
  }
}

await scramBench();
const certs = await makeTestCerts();
try {
  await findBench("plain", [], "");
  await findBench(
    "tls",
    ["--tls-cert-file", certs.serverCert, "--tls-key-file", certs.serverKey],
    `&tls=true&tlsCAFile=${encodeURIComponent(certs.caFile)}`,
  );
} finally {
  await Deno.remove(certs.dir, { recursive: true });
}
