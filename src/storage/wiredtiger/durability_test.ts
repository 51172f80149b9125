/**
 * Durability under SIGKILL: a child process inserts documents one write at a time and prints an
 * acknowledgement after each commit returns; we kill -9 it mid-stream, reopen the directory and
 * require every acknowledged document to be there. Run for synced (j: true) and non-synced
 * (w:1, j:false) commits: both must survive a process kill (not a power loss).
 */

import { assert, assertEquals, key, open } from "./test_util.ts";

const CHILD = new URL("./durability_child.ts", import.meta.url).pathname;

async function killMidStream(dir: string, mode: "sync" | "nosync", acksBeforeKill: number): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, dir, mode],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const dec = new TextDecoder();
  let text = "";
  let acked = -1;
  while (acked < acksBeforeKill) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
    const lines = text.split("\n");
    text = lines.pop()!;
    for (const l of lines) if (l.startsWith("ack ")) acked = Number(l.slice(4));
  }
  child.kill("SIGKILL");
  // Acknowledgements already written before the kill count too.
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
    const lines = text.split("\n");
    text = lines.pop()!;
    for (const l of lines) if (l.startsWith("ack ")) acked = Number(l.slice(4));
  }
  const status = await child.status;
  assertEquals(status.signal, "SIGKILL");
  return acked;
}

for (const mode of ["sync", "nosync"] as const) {
  Deno.test(`acknowledged ${mode} writes survive kill -9`, async () => {
    const dir = Deno.makeTempDirSync({ prefix: "secantus-durability-" });
    try {
      const acked = await killMidStream(dir, mode, mode === "sync" ? 150 : 2000);
      assert(acked >= 0, "child acknowledged nothing");
      using e = open(dir);
      const c = e.catalog.getCollection("d", "c");
      assert(c !== undefined, "collection lost");
      e.read((t) => {
        for (let i = 0; i <= acked; i++) assert(t.seekUnique(c, "_id_", key(i)) !== null, `ack ${i} lost`);
        assert(t.count(c) >= acked + 1);
      });
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}
