/**
 * Child process for durability_test.ts: opens the engine at argv[0] and inserts documents forever,
 * one write per document (`sync: true` when argv[1] === "sync"), printing "ack <n>" after each commit
 * returns (and, with sync, after its group flush). The parent SIGKILLs it and checks that every acknowledged document is present.
 */

import { BSON } from "bson";
import { openWiredTiger } from "./mod.ts";

const [path, mode] = Deno.args;
if (path === undefined) throw new Error("usage: durability_child.ts <dir> <sync|nosync>");
const engine = openWiredTiger({ path, cacheSizeBytes: 64 << 20, sessionMax: 8, syncOnCommit: false });
const coll = engine.catalog.getCollection("d", "c") ?? engine.catalog.createCollection("d", "c");
const enc = new TextEncoder();
const out = Deno.stdout;
for (let i = 0;; i++) {
  engine.write(
    (t) => t.insert(coll, BSON.serialize({ _id: i }), new Map([["_id_", [enc.encode(String(i))]]])),
    { sync: mode === "sync" },
  );
  if (mode === "sync") await engine.whenDurable();
  out.writeSync(enc.encode(`ack ${i}\n`));
}
