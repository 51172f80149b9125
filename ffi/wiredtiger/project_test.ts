/**
 * The shim's projected record scan (`Cursor.scanRecordFields`, shim/wt_project.c): every BSON type,
 * missing and repeated names, documents the shim cannot walk, batches, `after` and reverse.
 */
import {
  Binary,
  BSON,
  BSONRegExp,
  BSONSymbol,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import { assertEquals } from "./test_assert.ts";
import { Connection, type Cursor, packNames } from "./mod.ts";

function withRecords(docs: readonly Uint8Array[], fn: (c: Cursor) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "wt-project-test-" });
  const conn = Connection.open(dir, "create");
  try {
    using s = conn.openSession();
    s.create("table:r", "key_format=q,value_format=u");
    using c = s.openCursor("table:r");
    s.begin();
    docs.forEach((d, i) => c.recInsert(BigInt(i + 1), d));
    s.commit();
    fn(c);
  } finally {
    conn.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

/** A BSON document of raw elements (type byte, name, value bytes), in order, duplicates allowed. */
function rawDoc(...elements: [number, string, number[]][]): Uint8Array {
  const parts: number[] = [];
  for (const [t, name, value] of elements) parts.push(t, ...new TextEncoder().encode(name), 0, ...value);
  const out = new Uint8Array(4 + parts.length + 1);
  new DataView(out.buffer).setInt32(0, out.length, true);
  out.set(parts, 4);
  return out;
}
const int32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

const values: Record<string, unknown> = {
  double: 1.5,
  doubleInt: new Double(2),
  string: "héllo",
  doc: { a: 1, b: [1, { c: "x" }] },
  array: [1, "two", null, [3]],
  binary: new Binary(new Uint8Array([1, 2, 3]), 4),
  undef: undefined,
  oid: new ObjectId("0123456789abcdef01234567"),
  bool: true,
  date: new Date("2024-01-02T03:04:05.678Z"),
  null: null,
  regex: new BSONRegExp("a.c", "i"),
  code: new Code("function(){}"),
  symbol: new BSONSymbol("sym"),
  codeWithScope: new Code("function(){ return x }", { x: 1 }),
  int32: new Int32(-7),
  timestamp: new Timestamp({ t: 5, i: 6 }),
  int64: Long.fromString("9007199254740993"),
  decimal: Decimal128.fromString("1.10"),
  min: new MinKey(),
  max: new MaxKey(),
};
const ser = (d: Record<string, unknown>) => new Uint8Array(BSON.serialize(d, { ignoreUndefined: false }));

Deno.test("projection keeps each BSON type's element exactly, between skipped elements of every type", () => {
  const doc = { first: 0, ...values, last: "z" };
  const bytes = ser(doc);
  withRecords([bytes], (c) => {
    for (const name of Object.keys(values)) {
      const [rec] = [...c.scanRecordFields(packNames([name, "last"]))];
      assertEquals(rec!.size, bytes.length, name);
      assertEquals(rec!.bytes, ser({ [name]: values[name], last: "z" }), name);
    }
    const [all] = [...c.scanRecordFields(packNames(["last", ...Object.keys(values), "first"]))];
    assertEquals(all!.bytes, bytes); // every element wanted: the document itself
  });
});

Deno.test("DBPointer elements are walked and projected", () => {
  const dbp = [...int32(2), 0x61, 0, ...Array.from({ length: 12 }, (_, i) => i)];
  const bytes = rawDoc([0x0c, "p", dbp], [0x10, "x", int32(9)]);
  withRecords([bytes], (c) => {
    assertEquals([...c.scanRecordFields(packNames(["x"]))][0]!.bytes, rawDoc([0x10, "x", int32(9)]));
    assertEquals([...c.scanRecordFields(packNames(["p"]))][0]!.bytes, rawDoc([0x0c, "p", dbp]));
  });
});

Deno.test("missing names, no names, dotted names, repeated names (the first element wins)", () => {
  const dup = rawDoc([0x10, "a", int32(1)], [0x10, "b", int32(2)], [0x10, "a", int32(3)], [
    0x10,
    "b",
    int32(4),
  ]);
  const nested = ser({ a: { b: 1 }, "a.b": 2 });
  withRecords([dup, nested], (c) => {
    const proj = (names: string[]) => [...c.scanRecordFields(packNames(names))].map((r) => r.bytes);
    assertEquals(proj(["a", "b"]), [
      rawDoc([0x10, "a", int32(1)], [0x10, "b", int32(2)]),
      ser({ a: { b: 1 } }),
    ]);
    assertEquals(proj(["b"])[0], rawDoc([0x10, "b", int32(2)]));
    assertEquals(proj(["zz"]), [rawDoc(), rawDoc()]);
    assertEquals(proj([]), [rawDoc(), rawDoc()]);
    // names are whole top-level names: "a.b" is the element named so, never a path
    assertEquals(proj(["a.b"])[1], ser({ "a.b": 2 }));
  });
});

Deno.test("a document the shim cannot walk comes whole", () => {
  const good = ser({ a: 1 });
  const badType = rawDoc([0x42, "x", [1, 2]], [0x10, "a", int32(1)]); // unknown type before "a"
  const badLength = ser({ s: "abc", a: 1 });
  new DataView(badLength.buffer).setInt32(7, 1000, true); // the string's length runs past the end
  const short = new Uint8Array([1, 2, 3]);
  withRecords([good, badType, badLength, short], (c) => {
    const recs = [...c.scanRecordFields(packNames(["a"]))];
    assertEquals(recs.map((r) => r.bytes), [good, badType, badLength, short]);
    assertEquals(recs.map((r) => r.size), [good.length, badType.length, badLength.length, 3]);
  });
});

Deno.test("projected scans batch, resume after a record id, and run in reverse like scanRecords", () => {
  const docs = Array.from({ length: 3000 }, (_, i) => ser({ _id: i, pad: "p".repeat(i % 500), k: i % 7 }));
  withRecords(docs, (c) => {
    const names = packNames(["k", "_id"]);
    const all = [...c.scanRecordFields(names)];
    assertEquals(all.length, 3000);
    all.forEach((r, i) => {
      assertEquals(r.rid, BigInt(i + 1));
      assertEquals(r.size, docs[i]!.length);
      assertEquals(r.bytes, ser({ _id: i, k: i % 7 }));
    });
    assertEquals([...c.scanRecordFields(names, false, 2998n)].map((r) => r.rid), [2999n, 3000n]);
    assertEquals([...c.scanRecordFields(names, true, 3n)].map((r) => r.rid), [2n, 1n]);
    assertEquals([...c.scanRecordFields(names, true, undefined, 5000)].length, 3000);
    const few = c.scanRecordFields(names, false, undefined, 2);
    assertEquals([few.next().value!.rid, few.next().value!.rid, few.next().value!.rid], [1n, 2n, 3n]);
    few.return();
  });
});
