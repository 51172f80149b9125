import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { getPath, isIndexComponent, resolveForWrite, splitPath, visitPathValues } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import { BSON } from "bson";
import { decodeDocument } from "../../bson/decode.ts";

function values(doc: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  visitPathValues(doc, splitPath(path), (v) => {
    out.push(v);
    return false;
  });
  return out;
}

Deno.test("visitPathValues expands arrays like mongod", () => {
  assertEquals(values({ a: [{ b: 1 }, { b: 2 }] }, "a.b"), [1, 2]);
  assertEquals(values({ a: [1, 2] }, "a"), [[1, 2], 1, 2]);
  assertEquals(values({ a: [[1]] }, "a"), [[[1]], [1]]);
  assertEquals(values({ a: [{ b: 1 }, { c: 1 }] }, "a.b"), [1, undefined]);
  assertEquals(values({ a: [5, { b: 1 }] }, "a.0"), [5]);
  assertEquals(values({ a: [{ "0": "x" }] }, "a.0"), [{ "0": "x" }, "x"]);
  assertEquals(values({ a: 1 }, "a.b"), [undefined]);
  assertEquals(values({}, "a.b"), [undefined]);
});

Deno.test("getPath and index components", () => {
  assertEquals(getPath({ a: [{ b: 1 }] }, ["a", "0", "b"]), 1);
  assertEquals(getPath({ a: [{ b: 1 }] }, ["a", "b"]), undefined);
  assertEquals(
    [isIndexComponent("0"), isIndexComponent("01"), isIndexComponent("x"), isIndexComponent("12")],
    [
      true,
      false,
      false,
      true,
    ],
  );
});

Deno.test("resolveForWrite creates and refuses like mongod", () => {
  const d: Record<string, unknown> = { a: 1 };
  assertEquals(resolveForWrite(d, ["x", "y"], true)?.key, "y");
  assertEquals(d, { a: 1, x: {} });
  assertEquals(resolveForWrite(d, ["a", "b"], false), undefined);
  assertCommandError(() => resolveForWrite(d, ["a", "b"], true), "PathNotViable");
});

Deno.test("DBRef fields ($ref, $id, $db) are reachable by paths", () => {
  const doc = decodeDocument(
    BSON.serialize({ r: { $ref: "x", $id: 5, $db: "d" }, rs: [{ $ref: "y", $id: 2 }] }),
  );
  const seen: unknown[] = [];
  visitPathValues(doc, ["r", "$ref"], (v) => {
    seen.push(v);
    return false;
  });
  visitPathValues(doc, ["rs", "$ref"], (v) => {
    seen.push(v);
    return false;
  });
  assertEquals(seen, ["x", "y"]);
  assertEquals(String(getPath(doc, ["r", "$db"])), "d");
});
