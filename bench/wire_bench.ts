/**
 * Wire-layer micro-benchmarks (pure, no sockets): decoding an OP_MSG insert carrying a 1000-document
 * kind-1 sequence (docs/s), CRC-32C throughput, and assembling a 101-document cursor reply with
 * `encodeCursorReply` versus re-serialising the same reply object with npm bson. Documents are ~1 KB,
 * shaped like bench/e2e_bench.ts's.
 */
import { BSON } from "bson";
import { crc32c, decodeMessage, encodeOpMsg } from "../src/wire/mod.ts";
import { encodeCursorReply } from "../src/bson/raw_reply.ts";

function doc(i: number) {
  return {
    _id: i,
    seq: i,
    category: `cat-${i % 50}`,
    region: ["north", "south", "east", "west"][i % 4],
    score: (i * 7919) % 1_000_000,
    active: i % 2 === 0,
    createdAt: new Date(1700000000000 + i),
    user: { name: `user${i}`, email: `user${i}@example.com`, age: 18 + (i % 60) },
    tags: [`tag${i % 7}`, `tag${i % 11}`, `tag${i % 13}`],
    payload: "p".repeat(700),
  };
}

/** Run `fn` repeatedly for ~`ms` after a warm-up; returns iterations per second. */
function rate(fn: () => unknown, ms = 1500): number {
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let k = 0; k < 5; k++) fn();
    n += 5;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

const fmt = (x: number) => Math.round(x).toLocaleString("en-US");

// 1. OP_MSG insert decode
const docs1000 = Array.from({ length: 1000 }, (_, i) => BSON.serialize(doc(i)));
const insertFrame = encodeOpMsg({
  requestId: 1,
  body: BSON.serialize({ insert: "bench", ordered: true, $db: "bench" }),
  sequences: [{ identifier: "documents", documents: docs1000 }],
});
const decodeRate = rate(() => decodeMessage(insertFrame));
console.log(
  `decode OP_MSG insert (1000 docs, ${(insertFrame.length / 1e6).toFixed(2)} MB): ` +
    `${fmt(decodeRate)} msgs/s = ${fmt(decodeRate * 1000)} docs/s, ${
      fmt((decodeRate * insertFrame.length) / 1e6)
    } MB/s`,
);
const checksummed = encodeOpMsg({
  requestId: 1,
  body: BSON.serialize({ insert: "bench", $db: "bench" }),
  sequences: [{ identifier: "documents", documents: docs1000 }],
  checksum: true,
});
const decodeCsRate = rate(() => decodeMessage(checksummed));
console.log(`  same with checksumPresent: ${fmt(decodeCsRate * 1000)} docs/s`);

// 2. CRC-32C
const crcRate = rate(() => crc32c(insertFrame));
console.log(`crc32c: ${fmt((crcRate * insertFrame.length) / 1e6)} MB/s`);

// 3. cursor reply encode
const docs101 = docs1000.slice(0, 101);
const rawRate = rate(() =>
  encodeCursorReply({ id: 123456789n, ns: "bench.bench", batchKey: "firstBatch", docs: docs101 })
);
const objs101 = docs101.map((d) => BSON.deserialize(d));
const reserRate = rate(() =>
  BSON.serialize({ cursor: { firstBatch: objs101, id: BigInt(123456789), ns: "bench.bench" }, ok: 1 })
);
console.log(
  `encodeCursorReply (101 docs): ${fmt(rawRate)} replies/s = ${fmt(rawRate * 101)} docs/s ` +
    `(npm bson re-serialise of the same reply: ${fmt(reserRate)} replies/s, ${
      (rawRate / reserRate).toFixed(1)
    }x)`,
);
