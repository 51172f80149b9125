import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { encodeIndexKey } from "../keys/key_string.ts";
import { extractPredicates, fieldIntervals, type FieldPred } from "./bounds.ts";
import { keyStrings, regexKeyFilter } from "./key_filter.ts";

Deno.test("keyStrings: the string of a key at an offset, ASCII, UTF-8, escaped zeros and descending", () => {
  const read = keyStrings();
  for (const s of ["", "abc", "Élan 漢字", "a\u0000b", "x".repeat(300)]) {
    for (const dir of [1, -1] as const) {
      const key = encodeIndexKey([5, s], [1, dir]).slice();
      const at = encodeIndexKey([5], [1]).length;
      assertEquals(read(key, at, dir === 1 ? 0 : 255), s, `${JSON.stringify(s)} ${dir}`);
    }
  }
  // keys cut from one buffer (a scan's batch) share its decoded window
  const buf = new Uint8Array(64);
  const a = encodeIndexKey(["ab"], [1]);
  const b = encodeIndexKey(["cd"], [1]);
  buf.set(a, 4);
  buf.set(b, 20);
  assertEquals(read(buf.subarray(4, 4 + a.length), 0, 0), "ab");
  assertEquals(read(buf.subarray(20, 20 + b.length), 0, 0), "cd");
  assertEquals(read(encodeIndexKey([7], [1]).slice(), 0, 0), undefined);
});

Deno.test("regexKeyFilter: the regexes (or the $in's strings) on string keys; other keys pass", () => {
  const pred = extractPredicates({ s: { $in: [/ab/i, "zz", 3] } }, false).get("s")![0] as FieldPred & {
    kind: "regex";
  };
  const f = regexKeyFilter("s", pred, 0, 1)!;
  const key = (v: unknown) => encodeIndexKey([v], [1]).slice();
  assertEquals([key("xAby"), key("zz"), key("zzz"), key(3), key(null)].map(f.test), [
    true,
    true,
    false,
    true,
    true,
  ]);
  assertEquals(f.shown, { s: { $in: ["zz", 3, (f.shown["s"] as { $in: unknown[] }).$in[2]] } });
});

Deno.test("regex bounds: all strings and the regex values, or the prefix; $in points merged into them", () => {
  const show = (filter: Record<string, unknown>) => {
    const preds = extractPredicates(filter, false).get("s")!;
    return fieldIntervals(preds, false).map((
      iv,
    ) => [iv.lo.display ?? iv.lo.value, iv.hi.display ?? iv.hi.value]);
  };
  assertEquals(show({ s: /b/i }), [['""', "{}"], ["/b/i", "/b/i"]]);
  assertEquals(show({ s: { $regex: "^ab", $options: "i" } }), [['""', "{}"], ["/^ab/i", "/^ab/i"]]);
  assertEquals(show({ s: { $in: [/^ab/, "abc", "b", 1] } }), [[1, 1], ['"ab"', '"ac"'], ["b", "b"], [
    "/^ab/",
    "/^ab/",
  ]]);
  assertEquals(show({ s: { $in: [/x/, "abc"] } }), [['""', "{}"], ["/x/", "/x/"]]);
});

Deno.test("regexKeyFilter past an $in: the field's offset found key by key, ascending or descending", () => {
  const pred = extractPredicates({ s: /^ab/i }, false).get("s")![0] as FieldPred & { kind: "regex" };
  for (const dir of [1, -1] as const) {
    const lead = [[5, "long value"].map((v) => encodeIndexKey([v], [dir]).slice())];
    const f = regexKeyFilter("s", pred, 0, 1, lead)!;
    const key = (g: unknown, s: unknown) => encodeIndexKey([g, s], [dir, 1]).slice();
    assertEquals(
      [key(5, "ABc"), key(5, "xab"), key("long value", "abz"), key("long value", "b"), key(5, 7), key(6, "x")]
        .map(f.test),
      [true, false, true, false, true, true],
      `dir ${dir}`,
    );
  }
});
