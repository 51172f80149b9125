/**
 * The live streams, each one server-sent-events response:
 * - `stats`: 1 Hz `serverStatus` samples → operation rates (api/rates.ts) and connection counts;
 * - `changes`: a change stream on a namespace (collection, database or whole cluster);
 * - `logs`: `getLog: "global"` polled each second, only new lines sent.
 * The browser reconnects with backoff when a stream drops.
 */
import type { Document } from "mongodb";
import { failureOf, isAbsent, type Mongo, toEjson } from "../mongo.ts";

const failure = (e: unknown) => {
  const f = failureOf(e);
  return { ...f, absent: isAbsent(f) };
};
import { type Send, sleep } from "../sse.ts";
import { countersOf, rates, type Sample } from "./rates.ts";

export async function statsStream(mongo: Mongo, send: Send, signal: AbortSignal, periodMs = 1000) {
  const admin = mongo.client.db("admin");
  let prev: Sample | null = null;
  while (!signal.aborted) {
    const started = Date.now();
    try {
      const s = await admin.command({ serverStatus: 1 });
      const cur = { at: Date.now(), counters: countersOf(s) };
      const conns = (s["connections"] ?? {}) as Document;
      send("sample", {
        at: cur.at,
        rates: prev === null ? null : rates(prev, cur),
        counters: cur.counters,
        connections: toEjson(conns),
        uptime: toEjson(s["uptime"]),
      });
      prev = cur;
    } catch (e) {
      send("failure", failure(e));
    }
    await sleep(Math.max(periodMs - (Date.now() - started), 50), signal);
  }
}

export async function changeStream(
  mongo: Mongo,
  ns: { db?: string; coll?: string },
  send: Send,
  signal: AbortSignal,
) {
  const opts = { fullDocument: "updateLookup" as const };
  const stream = ns.db && ns.coll
    ? mongo.client.db(ns.db).collection(ns.coll).watch([], opts)
    : ns.db
    ? mongo.client.db(ns.db).watch([], opts)
    : mongo.client.watch([], opts);
  const stop = () => stream.close().catch(() => undefined);
  signal.addEventListener("abort", stop, { once: true });
  try {
    // The driver opens the stream lazily: the first tryNext runs the aggregate, so "open" means listening.
    let ev = await stream.tryNext();
    send("open", { ns });
    while (!signal.aborted) {
      if (ev !== null) send("change", toEjson(ev));
      ev = await stream.tryNext();
      if (ev === null) await sleep(100, signal);
    }
  } catch (e) {
    if (!signal.aborted) send("failure", failure(e));
  } finally {
    signal.removeEventListener("abort", stop);
    await stop();
  }
}

export async function logStream(mongo: Mongo, send: Send, signal: AbortSignal) {
  const admin = mongo.client.db("admin");
  let seen: number | null = null;
  while (!signal.aborted) {
    try {
      const r = await admin.command({ getLog: "global" });
      const lines = (r["log"] ?? []) as string[];
      const total = Number(r["totalLinesWritten"] ?? lines.length);
      const fresh = seen === null
        ? lines.slice(-200)
        : lines.slice(Math.max(lines.length - (total - seen), 0));
      if (seen === null || total > seen) send("lines", fresh);
      seen = total;
    } catch (e) {
      send("failure", failure(e));
      await sleep(5000, signal);
    }
    await sleep(1000, signal);
  }
}
