// A do-nothing MongoDB wire server like ../shared/bench/capacity/fake-server.mjs, except that a `find`
// answers with as many documents as the real query returns (its `limit`, else 10: bench.mjs's find_eq
// matches ~10), each a ~1 KB document shaped like bench.mjs's. The Node driver against it is the ceiling for
// find_eq and find_range with the same reply sizes (bench/driver_ceiling_bench.ts).
// Usage: node fake_batch_server.mjs SHARED_BENCH_DIR PORT   (bson from the shared bench copy's node_modules)
import net from "node:net";
import { createRequire } from "node:module";

const [dir, portArg] = process.argv.slice(2);
const { BSON, Long } = createRequire(`${dir}/package.json`)("bson");
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
  if (name === "insert" || name === "delete") return { n: 1, ok: 1 };
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
  let buf = Buffer.alloc(0);
  sock.on("data", (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) {
      const msg = buf.subarray(0, buf.readInt32LE(0));
      buf = buf.subarray(msg.length);
      const requestId = msg.readInt32LE(4);
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
