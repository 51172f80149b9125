import assert from "node:assert/strict";
import { BSON, Timestamp } from "bson";
import { checkCoverage, entriesToReplay, parseTarget, withinTarget } from "./pitr.ts";
import { listArchive, segmentName } from "../oplog/archive_files.ts";
import { RestoreError } from "./restore.ts";
import type { ArchiveListing } from "../oplog/archive_files.ts";

const ts = (t: number, i: number) => new Timestamp({ t, i });

Deno.test("parseTarget: ISO dates with a zone, timestamps in several spellings, latest", () => {
  assert.deepEqual(parseTarget("latest"), { kind: "latest" });
  assert.deepEqual(parseTarget("2026-12-02T05:00:00Z"), { kind: "time", ms: Date.UTC(2026, 11, 2, 5) });
  assert.deepEqual(parseTarget("2026-12-02T06:00:00.250+01:00"), {
    kind: "time",
    ms: Date.UTC(2026, 11, 2, 5, 0, 0, 250),
  });
  for (const s of ["1764651600,3", "1764651600:3", "Timestamp(1764651600, 3)"]) {
    const t = parseTarget(s);
    assert.equal(t.kind, "ts");
    if (t.kind === "ts") assert.deepEqual([t.ts.t, t.ts.i], [1764651600, 3]);
  }
  const whole = parseTarget("1764651600");
  assert.ok(whole.kind === "ts" && whole.ts.i === 0xffffffff, "bare seconds: up to that second's end");
  for (const bad of ["yesterday", "2026-12-02", "2026-12-02T05:00:00", "99999999999,1", ""]) {
    assert.throws(() => parseTarget(bad), RestoreError, bad);
  }
});

Deno.test("withinTarget compares a time with the entry's wall clock and a timestamp with its ts", () => {
  const t = parseTarget("2026-12-02T05:00:00Z");
  assert.equal(withinTarget(t, ts(1, 1), Date.UTC(2026, 11, 2, 5)), true);
  assert.equal(withinTarget(t, ts(1, 1), Date.UTC(2026, 11, 2, 5) + 1), false);
  assert.equal(withinTarget(parseTarget("100,2"), ts(100, 2), undefined), true);
  assert.equal(withinTarget(parseTarget("100,2"), ts(100, 3), undefined), false);
});

Deno.test("checkCoverage: no oplog, an archive starting late, a target before the backup, a gap", () => {
  const listing = (first: Timestamp, gaps: ArchiveListing["gaps"] = []): ArchiveListing => ({
    segments: [{ path: "/x", first, compressed: false }],
    gaps,
  });
  const latest = parseTarget("latest");
  assert.throws(() => checkCoverage(listing(ts(1, 1)), undefined, latest), /holds no oplog/);
  assert.throws(() => checkCoverage(listing(ts(200, 1)), ts(100, 1), latest), /after the backup's last/);
  assert.throws(() => checkCoverage(listing(ts(50, 1)), ts(100, 1), parseTarget("99,1")), /older backup/);
  checkCoverage(listing(ts(50, 1)), ts(100, 1), latest);
  const gap = { after: ts(150, 1), resumedAt: ts(160, 1), reason: "r", detectedAt: "" };
  assert.throws(() => checkCoverage(listing(ts(50, 1), [gap]), ts(100, 1), latest), /has a gap/);
  // A gap before the backup, or after the target, does not matter.
  checkCoverage(listing(ts(50, 1), [gap]), ts(170, 1), latest);
  checkCoverage(listing(ts(50, 1), [gap]), ts(100, 1), parseTarget("140,1"));
});

Deno.test("entriesToReplay: a transaction logged as a chain is replayed whole or not at all", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "pitr-chain-" });
  try {
    const ts = (i: number) => new Timestamp({ t: 100, i });
    const entry = (i: number, o: Record<string, unknown>) =>
      BSON.serialize({ op: "c", ns: "admin.$cmd", o, ts: ts(i) });
    const op = { op: "i", ns: "d.c", o: { _id: 1 } };
    const parts = [
      BSON.serialize({ op: "n", ns: "", o: {}, ts: ts(1) }),
      entry(2, { applyOps: [op], partialTxn: true }),
      entry(3, { applyOps: [op], partialTxn: true }),
      entry(4, { applyOps: [op], count: 3 }),
    ];
    const file = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) file.set(p, (at += p.length) - p.length);
    Deno.writeFileSync(`${dir}/${segmentName(ts(1))}`, file);
    const listing = listArchive(dir);
    const replayed = async (target: Timestamp) =>
      (await Array.fromAsync(
        entriesToReplay(listing, new Timestamp({ t: 99, i: 0 }), { kind: "ts", ts: target }),
      ))
        .map((e) => e.ts.getLowBits());
    assert.deepEqual(await replayed(ts(3)), [1], "stopping inside the chain replays none of it");
    assert.deepEqual(await replayed(ts(4)), [1, 2, 3, 4]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
