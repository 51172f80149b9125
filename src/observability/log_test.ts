import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createLogger, type LogLevel, parseLevel } from "./log.ts";

const T = new Date("2026-11-25T14:00:00.123Z");

function capture(level: LogLevel = "INFO", capacity?: number) {
  const lines: string[] = [];
  const log = createLogger(level, {
    sink: (line) => lines.push(line),
    now: () => T,
    ...(capacity !== undefined ? { capacity } : {}),
  });
  return { log, lines };
}

Deno.test("line format: timestamp, padded level, component, message", () => {
  const { log, lines } = capture("DEBUG");
  log.child("net").info("listening");
  log.warning("careful");
  log.child("wt").error("boom");
  log.debug("d");
  assertEquals(lines, [
    "2026-11-25T14:00:00.123Z INFO  [net] listening",
    "2026-11-25T14:00:00.123Z WARNING careful",
    "2026-11-25T14:00:00.123Z ERROR [wt] boom",
    "2026-11-25T14:00:00.123Z DEBUG d",
  ]);
});

Deno.test("levels filter, setLevel on a child applies to the whole tree", () => {
  const { log, lines } = capture("WARNING");
  const child = log.child("a");
  log.info("dropped");
  child.debug("dropped");
  child.warn("kept");
  ok(!log.enabled("INFO") && log.enabled("ERROR"));
  child.setLevel("DEBUG");
  assertEquals(log.level, "DEBUG");
  log.debug("now kept");
  log.log("ERROR", "via log()");
  assertEquals(lines.map((l) => l.slice(25)), ["WARNING [a] kept", "DEBUG now kept", "ERROR via log()"]);
});

Deno.test("one line per event: newlines are escaped; details appended", () => {
  const { log, lines } = capture();
  log.info("a\nb");
  log.error("failed", new Error("bad\nthing"));
  log.info("with", { n: 1 });
  assertEquals(lines.length, 3);
  ok(lines.every((l) => !l.includes("\n")));
  ok(lines[0]?.endsWith("INFO  a\\nb"));
  ok(lines[1]?.includes("failed: Error: bad\\nthing"), lines[1]);
  ok(lines[2]?.endsWith('with: {"n":1}'));
});

Deno.test("nested children join components with dots", () => {
  const { log, lines } = capture();
  log.child("server").child("conn").info("x");
  assertEquals(lines, ["2026-11-25T14:00:00.123Z INFO  [server.conn] x"]);
});

Deno.test("recent(): ring buffer of the last N emitted lines, oldest first, shared by children", () => {
  const { log } = capture("INFO", 3);
  log.debug("not emitted, not kept");
  for (let i = 1; i <= 5; i++) log.child("c").info(`m${i}`);
  assertEquals(log.recent().map((l) => l.split(" ").at(-1)), ["m3", "m4", "m5"]);
  assertEquals(log.totalLines(), 5);
  const fresh = capture();
  fresh.log.info("one");
  assertEquals(fresh.log.recent().length, 1);
});

Deno.test("default ring capacity is 1024", () => {
  const { log } = capture();
  for (let i = 0; i < 1100; i++) log.info(`m${i}`);
  const r = log.recent();
  assertEquals(r.length, 1024);
  ok(r[0]?.endsWith("m76") && r.at(-1)?.endsWith("m1099"));
});

Deno.test("a throwing sink does not throw into the caller", () => {
  const log = createLogger("INFO", {
    sink: () => {
      throw new Error("EPIPE");
    },
  });
  log.info("still fine");
  assertEquals(log.recent().length, 1);
});

Deno.test("parseLevel is case-insensitive", () => {
  assertEquals(parseLevel("warning"), "WARNING");
  assertEquals(parseLevel("nope"), undefined);
});

Deno.test("json format: one object per line in mongod's shape (t, s, c, msg, attr)", () => {
  const lines: string[] = [];
  const log = createLogger("DEBUG", { sink: (l) => lines.push(l), now: () => T, format: "json" });
  log.info("Slow query", { op: "query", millis: 120, cursorid: 5n });
  log.child("wire").warning("line\nbreak", "text detail");
  log.debug("plain");
  assertEquals(JSON.parse(lines[0]!), {
    t: { $date: "2026-11-25T14:00:00.123Z" },
    s: "I",
    c: "-",
    msg: "Slow query",
    attr: { op: "query", millis: 120, cursorid: "5" },
  });
  assertEquals(JSON.parse(lines[1]!), {
    t: { $date: "2026-11-25T14:00:00.123Z" },
    s: "W",
    c: "wire",
    msg: "line\nbreak",
    attr: { detail: "text detail" },
  });
  ok(!lines[1]!.includes("\n"));
  assertEquals(JSON.parse(lines[2]!).s, "D1");
});
