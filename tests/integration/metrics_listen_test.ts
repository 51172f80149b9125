/**
 * `[metrics] listen` on an address another socket holds: `startServer` fails with the address in its
 * message (after closing what it had opened: the wire listener, the storage), and a next server in the
 * same process starts and serves. (The failed start's timers — the heap watchdog's sampler, the malloc
 * trimmer, the quiet moments' poll — are stopped too; they sit on the runtime's own timer list, which the
 * test sanitizers do not see, so this test cannot tell.)
 */
import assert from "node:assert/strict";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";

Deno.test("metrics listen on a taken address: the start fails cleanly and the next one serves", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const d = defaultConfig();
  const server0 = { ...d.server, port: 0, storagePath: ":memory:", logLevel: "ERROR" as const };
  const config = (metrics?: string) => ({
    ...d,
    server: server0,
    metrics: metrics === undefined ? d.metrics : { ...d.metrics, listen: metrics },
  });
  try {
    await assert.rejects(
      startServer({ config: config(`127.0.0.1:${(taken.addr as Deno.NetAddr).port}`) }),
      /metrics listen 127\.0\.0\.1:\d+/,
    );
  } finally {
    taken.close();
  }
  const server = await startServer({ config: config() });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    conn.close();
  } finally {
    await server.stop();
  }
});
