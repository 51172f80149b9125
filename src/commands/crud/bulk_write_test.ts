import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseBulkWrite } from "./bulk_write.ts";
import { assertRefuses as refuses } from "../../errors/assert_command_error.ts";

const admin = { db: "admin" };
const body = (ops: unknown[], nsInfo: unknown[] = [{ ns: "test.c" }]) => ({ bulkWrite: 1, ops, nsInfo });

Deno.test("bulkWrite params: each op kind by its first field, namespaces split", () => {
  const p = parseBulkWrite(
    body([
      { insert: 0, document: { a: 1 } },
      { update: 0, filter: {}, updateMods: { $set: { b: 1 } }, multi: true },
      { delete: 0, filter: { a: 1 } },
    ]),
    admin,
  );
  assertEquals(p.ops.map((o) => o.kind), ["insert", "update", "delete"]);
  assertEquals(p.namespaces, [{ db: "test", coll: "c" }]);
});

Deno.test("bulkWrite params: only on the admin database (13 Unauthorized)", () => {
  refuses(() => parseBulkWrite(body([{ insert: 0, document: {} }]), { db: "test" }), 13, "admin database");
});

Deno.test("bulkWrite params: op fields are declared per kind (40415 / 40414 with dotted paths)", () => {
  refuses(
    () => parseBulkWrite(body([{ insert: 0, document: {}, filter: {} }]), admin),
    40415,
    "'bulkWrite.ops.filter'",
  );
  refuses(
    () => parseBulkWrite(body([{ update: 0, filter: {} }]), admin),
    40414,
    "'bulkWrite.ops.updateMods'",
  );
  refuses(() => parseBulkWrite(body([{ delete: 0, filter: 1 }]), admin), 14, "'bulkWrite.ops.filter'");
});

Deno.test("bulkWrite params: an unknown op kind is 9, a bad nsInfo index is 2", () => {
  refuses(() => parseBulkWrite(body([{ upsert: 0 }]), admin), 9, "Unrecognized bulkWrite operation");
  refuses(
    () => parseBulkWrite(body([{ insert: -1, document: {} }]), admin),
    2,
    "'insert' value must be >= 0",
  );
  refuses(() => parseBulkWrite(body([{ insert: 1, document: {} }]), admin), 2, "invalid nsInfo index");
});

Deno.test("bulkWrite params: nsInfo entries are declared (ns string, unknown fields 40415)", () => {
  refuses(
    () => parseBulkWrite(body([{ insert: 0, document: {} }], [{}]), admin),
    40414,
    "'bulkWrite.nsInfo.ns'",
  );
  refuses(
    () => parseBulkWrite(body([{ insert: 0, document: {} }], [{ ns: 1 }]), admin),
    14,
    "'bulkWrite.nsInfo.ns'",
  );
  refuses(
    () => parseBulkWrite(body([{ insert: 0, document: {} }], [{ ns: "t.c", x: 1 }]), admin),
    40415,
    "'bulkWrite.nsInfo.x'",
  );
  refuses(() => parseBulkWrite(body([{ insert: 0, document: {} }], [{ ns: "nodot" }]), admin), 73, "'nodot'");
});

Deno.test("bulkWrite params: ops must hold 1 .. maxWriteBatchSize entries (16)", () => {
  refuses(() => parseBulkWrite(body([]), admin), 16, "Got 0 operations");
});
