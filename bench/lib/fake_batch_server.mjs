// A do-nothing MongoDB wire server like ../shared/bench/capacity/fake-server.mjs, except that a `find`
// answers with as many documents as the real query returns (its `limit`, else 10: bench.mjs's find_eq
// matches ~10), each a ~1 KB document shaped like bench.mjs's. The Node driver against it is the ceiling for
// find_eq and find_range with the same reply sizes (bench/driver_ceiling_bench.ts).
// With `rs` it also speaks as our server does, a replica set's primary (`setName`, `$clusterTime` and
// `operationTime` on every reply): the driver then does what it does against us and not against a standalone
// — retryable writes with a `txnNumber`, the cluster time gossiped — so the ceiling has our persona's
// client-side cost (driver_ceiling_bench.ts's "same-persona ceiling"). An insert is answered with `n` the
// number of documents sent (an insertMany's, the bulk_insert row's ceiling).
// Usage: node fake_batch_server.mjs SHARED_BENCH_DIR PORT [rs]   (bson from the shared bench copy's node_modules)
import net from "node:net";
import { createRequire } from "node:module";

const [dir, portArg, persona] = process.argv.slice(2);
const { BSON, Long, Timestamp, Binary, ObjectId } = createRequire(`${dir}/package.json`)("bson");
const rs = persona === "rs";
const me = `127.0.0.1:${portArg}`;
const started = Math.floor(Date.now() / 1000);
let increment = 0;
/** A replica set's reply fields: the cluster time (unsigned, as ours without keys) and the operation time. */
function clusterFields() {
  const ts = new Timestamp({ t: started, i: ++increment });
  return {
    $clusterTime: { clusterTime: ts, signature: { hash: new Binary(Buffer.alloc(20), 0), keyId: Long.ZERO } },
    operationTime: ts,
  };
}
const doc = (i) => ({
  _id: i,
  seq: i,
  category: "cat-1",
  region: "south",
  score: i,
  counter: 0,
  active: true,
  createdAt: 1,
  user: { name: "u", email: "e", age: 1 },
  tags: ["a"],
  address: { street: "s", city: "c", zip: "z" },
  payload: "x".repeat(700),
});
const batches = new Map();
const batch = (n) => {
  if (!batches.has(n)) batches.set(n, Array.from({ length: n }, (_, i) => doc(i)));
  return batches.get(n);
};

function answer(cmd) {
  const body = reply(cmd);
  return rs ? { ...body, ...clusterFields() } : body;
}

/** Documents in the kind-1 sections of the request being answered (an insertMany's documents). */
let sequenced = 0;
function countSequenced(msg) {
  let n = 0;
  for (let p = 21 + msg.readInt32LE(21); p < msg.length && msg[p] === 1;) {
    const end = p + 1 + msg.readInt32LE(p + 1);
    let q = p + 5;
    while (msg[q] !== 0) q++;
    for (q++; q < end; q += msg.readInt32LE(q)) n++;
    p = end;
  }
  return n;
}

function reply(cmd) {
  const name = Object.keys(cmd)[0];
  if (name === "hello" || name === "isMaster" || name === "ismaster") {
    return {
      isWritablePrimary: true,
      ismaster: true,
      maxBsonObjectSize: 16777216,
      maxMessageSizeBytes: 48000000,
      maxWriteBatchSize: 100000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: 1,
      minWireVersion: 0,
      maxWireVersion: 25,
      readOnly: false,
      ...(rs
        ? {
          setName: "rs0",
          setVersion: 1,
          hosts: [me],
          primary: me,
          me,
          electionId: new ObjectId("7fffffff0000000000000001"),
        }
        : {}),
      ok: 1,
    };
  }
  if (name === "find") {
    const n = typeof cmd.limit === "number" || cmd.limit instanceof Long ? Number(cmd.limit) : 10;
    return {
      cursor: { firstBatch: batch(Math.max(1, n)), id: Long.ZERO, ns: `${cmd.$db}.${cmd.find}` },
      ok: 1,
    };
  }
  if (name === "insert") return { n: Array.isArray(cmd.documents) ? cmd.documents.length : sequenced, ok: 1 };
  if (name === "delete") return { n: 1, ok: 1 };
  if (name === "update") return { n: 1, nModified: 1, ok: 1 };
  return { ok: 1 };
}

let reqId = 1;
function frame(responseTo, body, opQuery) {
  const b = BSON.serialize(body);
  const head = opQuery ? 36 : 21;
  const out = Buffer.alloc(head + b.length);
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(reqId++, 4);
  out.writeInt32LE(responseTo, 8);
  if (opQuery) { // OP_REPLY: flags, cursorId, startingFrom, numberReturned
    out.writeInt32LE(1, 12);
    out.writeInt32LE(0, 16);
    out.writeBigInt64LE(0n, 20);
    out.writeInt32LE(0, 28);
    out.writeInt32LE(1, 32);
  } else { // OP_MSG: flags, one kind-0 section
    out.writeInt32LE(2013, 12);
    out.writeInt32LE(0, 16);
    out.writeUInt8(0, 20);
  }
  b.copy(out, head);
  return out;
}

net.createServer((sock) => {
  sock.setNoDelay(true);
  // a message's chunks are joined once it is whole (joining them as they come copied a 1 MB insertMany
  // ~16 times); its length is read once its first 4 bytes are in
  let chunks = [], have = 0, need = -1;
  const joined = () => (chunks.length > 1 ? (chunks = [Buffer.concat(chunks)]) : chunks)[0];
  sock.on("data", (chunk) => {
    chunks.push(chunk);
    have += chunk.length;
    for (;;) {
      if (need < 0) {
        if (have < 4) return;
        need = joined().readInt32LE(0);
      }
      if (have < need) return;
      const buf = joined();
      const msg = buf.subarray(0, need);
      const rest = buf.subarray(need);
      chunks = rest.length ? [rest] : [];
      have = rest.length;
      need = -1;
      const requestId = msg.readInt32LE(4);
      sequenced = msg.readInt32LE(12) === 2013 ? countSequenced(msg) : 0;
      if (msg.readInt32LE(12) === 2004) { // OP_QUERY handshake: skip flags and the collection name
        let i = 20;
        while (msg[i] !== 0) i++;
        i += 9;
        sock.write(frame(requestId, answer(BSON.deserialize(msg.subarray(i, i + msg.readInt32LE(i)))), true));
      } else {
        sock.write(frame(requestId, answer(BSON.deserialize(msg.subarray(21, 21 + msg.readInt32LE(21))))));
      }
    }
  });
  sock.on("error", () => {});
}).listen(Number(portArg), "127.0.0.1");
