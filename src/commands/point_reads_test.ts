import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Timestamp } from "bson";
import { type OffThreadReads, POINT_READ_FLAGS as F, PointReads } from "./point_reads.ts";
import type { ClientState, ServerContext } from "./context.ts";
import type { CollectionEntry, NativeReads } from "../storage/api.ts";
import type { SharedRecordIds } from "../storage/native_reads.ts";
import { Counters } from "../observability/counters.ts";
import { Top } from "../observability/top.ts";
import { Profiler } from "../observability/profiler.ts";
import { LogicalSessions } from "../sessions/logical_sessions.ts";
import { ClusterClock } from "../oplog/cluster_clock.ts";
import { FailPoints } from "../testing/fail_points.ts";

/** The I/O thread's side, recorded; `log` is what `take` hands over. */
function fakeIo() {
  const calls = {
    flags: [] as number[],
    times: [] as bigint[],
    templates: 0,
    registered: [] as string[],
    fields: [] as string[],
    grants: [] as string[],
    writes: [] as string[],
    oplog: [] as string[],
    inserts: [] as string[],
  };
  const cells = new BigInt64Array(1024);
  const log: [number, number, number, number, number, Uint8Array | undefined, number, number, number][] = [];
  const io: OffThreadReads = {
    flags: (b) => void calls.flags.push(b),
    time: (t) => void calls.times.push(t),
    template: () => void calls.templates++,
    register: (ns) => calls.registered.push(ns) - 1,
    registerField: (slot, field, uri, unique, shapes) =>
      calls.fields.push(`${slot}:${field}:${uri}:${unique}:${shapes}`) - 1,
    registerWrites: (slot, prefix, unsafe) =>
      calls.writes.push(`${slot}:${prefix.length}:${unsafe.join(",")}`) > 0,
    oplog: (uri, issued) => calls.oplog.push(`${uri}@${issued}`) > 0,
    retryTable: () => true,
    registerDeletes: () => true,
    registerInserts: (slot, prefix, indexes) =>
      calls.inserts.push(`${slot}:${prefix.length}:${indexes.map((i) => `${i.field}@${i.uri}`).join(",")}`) >
        0,
    textWords: () => true,
    ridCells: () => cells,
    session: () => {},
    forget: () => {},
    clear: () =>
      void (calls.registered.length =
        calls.fields.length =
        calls.writes.length =
        calls.inserts.length =
          0),
    hold: () => {},
    grant: (id, slot, action) => void calls.grants.push(`${id}:${slot}${action ? `:${action}` : ""}`),
    revoke: (id) => void calls.grants.push(`revoke ${id}`),
    pending: () => log.length,
    take: (fn) => {
      const n = log.length;
      for (const e of log.splice(0)) fn(...e, undefined);
      return n;
    },
  };
  return { io, calls, log, cells };
}

const COLL = {
  db: "d",
  name: "c",
  ident: "coll-1",
  uuid: new Uint8Array(16).fill(3),
  indexes: [{ name: "_id_", spec: { key: { _id: 1 } }, unique: true, ident: "index-1" }],
  options: {},
} as unknown as CollectionEntry;

const CLIENT = { ioId: 9 } as unknown as ClientState;

function fakeServer(over: Partial<Record<string, unknown>> = {}) {
  const clock = new ClusterClock(() => 5_000);
  clock.advanceTo(new Timestamp({ t: 5, i: 3 }));
  const server = {
    info: { standalone: false },
    authorizer: { enabled: false },
    failPoints: new FailPoints(),
    profiler: new Profiler(),
    isShuttingDown: () => false,
    heap: { pressured: false },
    sessions: new LogicalSessions(undefined, 100_000),
    clusterClock: clock,
    counters: new Counters(),
    top: new Top(),
    fsyncLock: { count: 0 },
    stableApi: { requireApiVersion: false },
    tableScans: { refused: false },
    storage: {
      catalog: { getCollection: (db: string, name: string) => db === "d" && name === "c" ? COLL : undefined },
    },
    ...over,
  };
  return server as unknown as ServerContext & { heap: { pressured: boolean } };
}

const native: NativeReads = {
  handle: Deno.UnsafePointer.create(1n)!,
  logged: false,
  tables: (c) => ({ record: `table:${c.ident}`, idIndex: "table:index-1" }),
  indexTable: (c, name) => c.indexes.find((i) => i.name === name) && `table:${name}`,
  onCatalogChange: () => () => {},
  onTableHold: () => () => {},
  internalTable: () => "table:_int_oplog",
  writeHooks: () => 3,
  countChanged: (c, delta) => void counted.push(`${c.ident}${delta > 0 ? "+" : ""}${delta}`),
  shareRecordIds: (c, share) => void shared.set(c.ident, share(41n)),
  unshareRecordIds: (c) => {
    unshared.push(`${c.ident}@${shared.get(c.ident)?.last()}`);
    shared.delete(c.ident);
  },
  onWriteHooksChange: () => () => {},
};
const counted: string[] = [];
const shared = new Map<string, SharedRecordIds>();
const unshared: string[] = [];

Deno.test("point reads: what may be answered follows fail points, the profiler, memory, sessions and requireApiVersion", () => {
  const { io, calls } = fakeIo();
  const server = fakeServer();
  const reads = new PointReads(server, io, native);
  assertEquals(calls.templates, 6); // ping, find tail, update, delete, findAndModify update and remove
  assertEquals(calls.flags.at(-1), F.FIND | F.PING | F.LSID);
  assertEquals(calls.times.at(-1), (5n << 32n) | 3n);
  server.heap.pressured = true;
  reads.publish();
  assertEquals(calls.flags.at(-1), F.PING | F.LSID);
  server.heap.pressured = false;
  server.failPoints.configure("failCommand", { kind: "alwaysOn" }, { failCommands: ["ping"], errorCode: 2 });
  reads.publish();
  assertEquals(calls.flags.at(-1), 0);
  server.failPoints.configure("failCommand", { kind: "off" });
  server.profiler.set("d", { level: 2 });
  reads.publish();
  assertEquals(calls.flags.at(-1), 0);
  server.profiler.set("d", { level: 0 });
  reads.publish();
  assertEquals(calls.flags.at(-1), F.FIND | F.PING | F.LSID);
  // requireApiVersion: dispatch must see every request (it checks apiVersion)
  server.stableApi.requireApiVersion = true;
  reads.publish();
  assertEquals(calls.flags.at(-1), 0);
  server.stableApi.requireApiVersion = false;
  reads.publish();
  assertEquals(calls.flags.at(-1), F.FIND | F.PING | F.LSID);
  const few = fakeServer({ sessions: new LogicalSessions(undefined, 100) });
  new PointReads(few, fakeIo().io, native);
  const small = fakeIo();
  new PointReads(few, small.io, native);
  assertEquals(small.calls.flags.at(-1), F.FIND | F.PING);
});

Deno.test("point reads: offers register the committed collection once; a catalog change forgets them", () => {
  const { io, calls } = fakeIo();
  const reads = new PointReads(fakeServer(), io, native);
  reads.offer("d.c", COLL, CLIENT);
  reads.offer("d.c", COLL, CLIENT);
  reads.offer("d.x", { ...COLL, name: "x" } as CollectionEntry, CLIENT); // not the committed entry
  assertEquals(calls.registered, ["d.c"]);
  const collated = {
    ...COLL,
    indexes: [{ ...COLL.indexes[0]!, spec: { key: { _id: 1 }, collation: { locale: "fr" } } }],
  } as CollectionEntry;
  new PointReads(fakeServer({ storage: { catalog: { getCollection: () => collated } } }), io, native)
    .offer("d.c", collated, CLIENT);
  assertEquals(calls.registered, ["d.c"]);
  reads.catalogChanging();
  assertEquals(calls.registered, []);
  reads.offer("d.c", COLL, CLIENT);
  assertEquals(calls.registered, ["d.c"]);
});

Deno.test("point reads: a drain records what dispatch would have", () => {
  const { io, log } = fakeIo();
  const server = fakeServer();
  const reads = new PointReads(server, io, native);
  reads.offer("d.c", COLL, CLIENT);
  const lsid = new Uint8Array(16).fill(7);
  log.push([1, 0, 40, 100, 300, lsid, 0, 0, 0], [2, 0, 30, 100, 120, lsid, 0, 0, 0]);
  log.push([3, 0, 10, 50, 80, undefined, 0, 0, 0]);
  reads.drain();
  const c = server.counters;
  assertEquals(c.opcounters.query, 2);
  assertEquals(c.opcounters.command, 1);
  assertEquals(c.document.returned, 1);
  assertEquals(c.queryExecutor.scannedObjects, 1);
  assertEquals(c.network, { bytesIn: 250, bytesOut: 500, numRequests: 3 });
  assertEquals(c.ioThread, { finds: 2, pings: 1, updates: 0, deletes: 0, inserts: 0, clockWaits: 0 });
  assertEquals(server.top.entries().get("d.c")?.queries.count, 2);
  assertEquals(server.sessions.size, 1);
});

Deno.test("point reads: with authentication on, offers grant the connection; logins and role changes revoke", () => {
  const { io, calls } = fakeIo();
  const reads = new PointReads(fakeServer({ authorizer: { enabled: true } }), io, native);
  assertEquals(calls.flags.at(-1), F.PING | F.AUTH | F.FIND | F.LSID);
  reads.offer("d.c", COLL, CLIENT);
  reads.offer("d.c", COLL, { ioId: 4 } as unknown as ClientState);
  reads.usersChanged(CLIENT);
  reads.rolesChanged();
  assertEquals(calls.grants, ["9:0", "4:0", "revoke 9", "revoke 0"]);
  const open = fakeIo();
  new PointReads(fakeServer(), open.io, native).offer("d.c", COLL, CLIENT);
  assertEquals(open.calls.grants, []); // auth off: nothing to grant
});

Deno.test("point reads: an index scan JS planned registers its field; the drain records the index's use", () => {
  const { io, calls, log } = fakeIo();
  const withA = {
    ...COLL,
    indexes: [...COLL.indexes, { name: "a_1", spec: { key: { a: 1 } }, unique: false, ident: "index-2" }],
  } as unknown as CollectionEntry;
  const server = fakeServer({ storage: { catalog: { getCollection: () => withA } } });
  const reads = new PointReads(server, io, native);
  const access = {
    kind: "ixScan",
    indexName: "a_1",
    keyPattern: { a: 1 },
    unique: false,
    multikey: false,
    sparse: false,
    partial: false,
    intervals: [],
    reverse: false,
    indexBounds: {},
    providesSort: true,
    dedup: false,
    score: 1,
  } as const;
  reads.offerIndexed("d.c", withA, CLIENT, { filter: { a: "x" } }, access);
  reads.offerIndexed("d.c", withA, CLIENT, { filter: { a: "y" } }, access); // known: no second call
  reads.offerIndexed("d.c", withA, CLIENT, { filter: { a: { $gt: 1 } }, sort: { a: 1 } }, access);
  reads.offerIndexed("d.c", withA, CLIENT, { filter: { a: 1 }, hint: "a_1" }, access); // not a shape
  assertEquals(calls.fields, ["0:a:table:a_1:false:1", "0:a:table:a_1:false:8"]);
  log.push([4, 0, 50, 100, 9000, undefined, 0, 10, 10]);
  reads.drain();
  const c = server.counters;
  assertEquals(c.opcounters.query, 1);
  assertEquals(c.document.returned, 10);
  assertEquals(c.queryExecutor, { scanned: 10, scannedObjects: 10 });
  assertEquals(c.ioThread, { finds: 1, pings: 0, updates: 0, deletes: 0, inserts: 0, clockWaits: 0 });
  reads.catalogChanging();
  assertEquals(calls.fields, []);
});

Deno.test("point reads: updates — enabled with the oplog, off while it is awaited or the hooks changed; a drain records each", () => {
  const { io, calls, log } = fakeIo();
  const appended: string[] = [];
  let awaited = false;
  const oplog = {
    get awaited() {
      return awaited;
    },
    appendedElsewhere: (n: number, ts: Timestamp) => void appended.push(`${n}@${ts.high}.${ts.low}`),
  };
  const server = fakeServer({ oplog, syncOnCommit: false });
  const reads = new PointReads(server, io, native);
  let hooks = 3;
  assertEquals(reads.enableWrites("table:_int_oplog", () => hooks === 3), true);
  assertEquals(calls.oplog, [`table:_int_oplog@${(5n << 32n) | 3n}`]);
  assertEquals(calls.flags.at(-1), F.FIND | F.PING | F.LSID | F.UPDATE | F.DELETE | F.INSERT);
  reads.offerUpdate("d.c", COLL, CLIENT);
  assertEquals(calls.writes, ["0:" + calls.writes[0]!.split(":")[1] + ":_id"]);
  awaited = true;
  reads.publish();
  assertEquals(calls.flags.at(-1), F.FIND | F.PING | F.LSID);
  awaited = false;
  hooks = 4;
  reads.writeHooksChanged();
  assertEquals(calls.flags.at(-1), F.FIND | F.PING | F.LSID);
  assertEquals(calls.writes, []); // dropped with every registration
  reads.offerUpdate("d.c", COLL, CLIENT);
  assertEquals(calls.writes, []); // not while the hooks differ
  hooks = 3;
  reads.publish();
  assertEquals(calls.flags.at(-1), F.FIND | F.PING | F.LSID | F.UPDATE | F.DELETE | F.INSERT);
  reads.offerUpdate("d.c", COLL, CLIENT);
  // (the second waited for the clock there: index 1)
  log.push([5, 0, 25, 90, 100, undefined, 0, 7, 9], [5, 0, 35, 90, 100, undefined, 1, 8, 9]);
  reads.drain();
  const c = server.counters;
  assertEquals(c.opcounters.update, 2);
  assertEquals(c.document.updated, 2);
  assertEquals(c.ioThread, { finds: 0, pings: 0, updates: 2, deletes: 0, inserts: 0, clockWaits: 1 });
  assertEquals(server.top.entries().get("d.c")?.writeLock.count, 2);
  assertEquals(appended, ["2@9.8"]);
  // neither standalone nor with sync_on_commit
  assertEquals(
    new PointReads(fakeServer({ oplog, syncOnCommit: true }), fakeIo().io, native).enableWrites(
      "t",
      () => true,
    ),
    false,
  );
  assertEquals(
    new PointReads(fakeServer({ oplog, info: { standalone: true } }), fakeIo().io, native).enableWrites(
      "t",
      () => true,
    ),
    false,
  );
});

Deno.test("point reads: inserts there share the collection's record ids and change its count", () => {
  const { io, calls, log, cells } = fakeIo();
  const oplog = { awaited: false, appendedElsewhere: () => {} };
  const server = fakeServer({ oplog, syncOnCommit: false });
  const reads = new PointReads(server, io, native);
  assertEquals(reads.enableWrites("table:_int_oplog", () => true), true);
  assertEquals(calls.flags.at(-1), F.FIND | F.PING | F.LSID | F.UPDATE | F.DELETE | F.INSERT);
  const indexed = {
    ...COLL,
    indexes: [
      ...COLL.indexes,
      { name: "a_1", spec: { key: { a: 1 } }, unique: false, ident: "index-2" },
    ],
  } as unknown as CollectionEntry;
  server.storage.catalog.getCollection = () => indexed;
  reads.offerInsert("d.c", indexed, CLIENT);
  assertEquals(calls.inserts, ["0:" + calls.inserts[0]!.split(":")[1] + ":a@table:a_1"]);
  // the engine's ids come from the slot's cell, from the last one it handed out
  const ids = shared.get("coll-1")!;
  assertEquals(cells[0], 41n);
  assertEquals(ids.take(), 42n);
  Atomics.add(cells, 0, 5n); // (the I/O thread's inserts)
  assertEquals(ids.take(), 48n);
  log.push([7, 0, 25, 90, 100, undefined, 0, 7, 9]);
  reads.drain();
  const c = server.counters;
  assertEquals([c.opcounters.insert, c.document.inserted, c.ioThread.inserts], [1, 1, 1]);
  assertEquals(counted.at(-1), "coll-1+1");
  assertEquals(server.top.entries().get("d.c")?.writeLock.count, 1);
  // one the `_id_` index refused (io_fast_dup.c): an insert counted, nothing inserted, no oplog entry
  const countsBefore = counted.length;
  log.push([8, 0, 25, 90, 100, undefined, 0, 0, 0]);
  reads.drain();
  assertEquals([c.opcounters.insert, c.document.inserted, c.ioThread.inserts], [2, 1, 2]);
  assertEquals(counted.length, countsBefore);
  assertEquals(server.top.entries().get("d.c")?.writeLock.count, 2);
  // a catalog change: the ids are the engine's again, from the cell's last value
  reads.catalogChanging();
  assertEquals(unshared, ["coll-1@48"]);
  assertEquals(shared.size, 0);
  // a unique or compound index: no inserts there
  const unique = {
    ...COLL,
    indexes: [...COLL.indexes, {
      name: "a_1",
      spec: { key: { a: 1 }, unique: true },
      unique: true,
      ident: "i",
    }],
  } as unknown as CollectionEntry;
  server.storage.catalog.getCollection = () => unique;
  reads.offerInsert("d.c", unique, CLIENT);
  assertEquals(calls.inserts, []);
  assertEquals(shared.size, 0);
});

Deno.test("point reads: with authentication on, a write made here grants its connection that kind of write there", () => {
  const { io, calls } = fakeIo();
  const oplog = { awaited: false, appendedElsewhere: () => {} };
  const server = fakeServer({ oplog, syncOnCommit: false, authorizer: { enabled: true } });
  const reads = new PointReads(server, io, native);
  assertEquals(reads.enableWrites("table:_int_oplog", () => true), true);
  assertEquals(calls.flags.at(-1), F.FIND | F.PING | F.LSID | F.AUTH | F.UPDATE | F.DELETE | F.INSERT);
  reads.offerUpdate("d.c", COLL, CLIENT);
  reads.offerUpdate("d.c", COLL, { ioId: 10 } as unknown as ClientState);
  reads.offerDelete("d.c", COLL, CLIENT);
  reads.offerInsert("d.c", COLL, CLIENT);
  reads.offer("d.c", COLL, CLIENT);
  assertEquals(calls.grants, ["9:0:1", "10:0:1", "9:0:2", "9:0:3", "9:0"]);
  reads.catalogChanging();
});
