/**
 * A stalled log reader must not stall the server (issue 11): the server's stderr is a pipe nobody reads
 * (a hung journald, a `| less` left open). Once the pipe's 64 KiB are full a synchronous write blocks
 * forever; with the queued stderr (src/observability/stderr_queue.ts) the server keeps serving and only
 * log lines are dropped. 1,500 connections log ~300 KB of INFO lines, then a fresh client must be answered.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "./helpers/server_process.ts";
import { freshPing, PING, readReply, writeAll } from "../chaos/probes.ts";

Deno.test({
  name: "log stall: a server whose stderr nobody reads keeps serving clients",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--node-modules-dir=manual",
        `${PROJECT_ROOT}main.ts`,
        "--port",
        String(port),
        "--storage-path",
        ":memory:",
      ],
      stdin: "null",
      stdout: "piped", // never read either
      stderr: "piped", // never read: the pipe fills after ~64 KiB of log
    }).spawn();
    try {
      const up = Date.now() + 30_000;
      while (!(await freshPing(port, 2_000))) {
        assert.ok(Date.now() < up, "server did not start within 30 s");
        await new Promise((r) => setTimeout(r, 100));
      }
      // every connection logs "connection accepted" and "end connection" (~110 bytes each)
      let served = 0;
      for (let i = 0; i < 1_500; i += 50) {
        const batch = await Promise.all(Array.from({ length: 50 }, async () => {
          const c = await Deno.connect({ hostname: "127.0.0.1", port });
          try {
            await writeAll(c, PING);
            return (await readReply(c, 10_000)) !== null;
          } finally {
            c.close();
          }
        }));
        served += batch.filter((ok) => ok).length;
      }
      assert.equal(served, 1_500, "every connection answered while the log pipe was full");
      const t0 = performance.now();
      assert.ok(await freshPing(port, 10_000), "a fresh client is answered");
      console.log(
        `1,500 connections served with stderr unread; fresh ping ${Math.round(performance.now() - t0)} ms`,
      );
    } finally {
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel();
      await child.stderr.cancel();
    }
  },
});
