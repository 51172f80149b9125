import assert from "node:assert/strict";
import { Long } from "mongodb";
import { fromEjson, redactUri, toEjson } from "./mongo.ts";

Deno.test("toEjson: relaxed, but a 64-bit id beyond 2^53 stays an exact $numberLong and round-trips", () => {
  const id = Long.fromString("8070450532247928832");
  const out = toEjson({ cursor: { cursorId: id, n: Long.fromNumber(5) }, list: [id], when: new Date(0) });
  assert.deepEqual(out, {
    cursor: { cursorId: { $numberLong: "8070450532247928832" }, n: 5 },
    list: [{ $numberLong: "8070450532247928832" }],
    when: { $date: "1970-01-01T00:00:00Z" },
  });
  const back = fromEjson(
    JSON.parse(JSON.stringify({ killCursors: "c", cursors: (out as { list: unknown[] }).list })),
  );
  assert.ok(back["cursors"][0] instanceof Long);
  assert.equal(back["cursors"][0].toString(), "8070450532247928832");
});

Deno.test("redactUri hides the password", () => {
  assert.equal(redactUri("mongodb://ops:s3cret@h:1/?tls=true"), "mongodb://ops:***@h:1/?tls=true");
});
