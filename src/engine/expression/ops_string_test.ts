import assert from "node:assert/strict";
import { evaluateExpression as ev } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";

const doc = { s: "Hello, World", e: "é€😀", n: 12, d: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)) };

Deno.test("concat, case, lengths, substrings", () => {
  assert.equal(ev({ $concat: ["$s", "!"] }, doc), "Hello, World!");
  assert.equal(ev({ $concat: ["$s", "$missing"] }, doc), null);
  assertCommandError(() => ev({ $concat: ["a", 1] }, doc), 16702, "$concat only supports strings, not int");
  assert.equal(ev({ $toUpper: "$s" }, doc), "HELLO, WORLD");
  assert.equal(ev({ $toLower: "$n" }, doc), "12");
  assert.equal(ev({ $toLower: "$missing" }, doc), "");
  assert.equal(ev({ $strLenCP: "$e" }, doc), 3);
  assert.equal(ev({ $strLenBytes: "$e" }, doc), 9);
  assertCommandError(() => ev({ $strLenCP: "$missing" }, doc), 34471);
  assert.equal(ev({ $substrCP: ["$e", 1, 2] }, doc), "€😀");
  assert.equal(ev({ $substrBytes: ["$s", 7, 5] }, doc), "World");
  assert.equal(ev({ $substr: ["$s", 0, -1] }, doc), "Hello, World");
  assertCommandError(() => ev({ $substrBytes: ["$e", 1, 1] }, doc), 28656);
  assert.equal(ev({ $substr: ["$d", 0, 4] }, doc), "2024");
});

Deno.test("split, trim, indexOf, strcasecmp, replace", () => {
  assert.deepEqual(ev({ $split: ["$s", ", "] }, doc), ["Hello", "World"]);
  assert.equal(ev({ $split: ["$missing", ","] }, doc), null);
  assertCommandError(() => ev({ $split: ["a", ""] }, doc), 40087);
  assert.equal(ev({ $trim: { input: "  x \n" } }, doc), "x");
  assert.equal(ev({ $ltrim: { input: "xxaxx", chars: "x" } }, doc), "axx");
  assert.equal(ev({ $rtrim: { input: "xxaxx", chars: "x" } }, doc), "xxa");
  assert.equal(ev({ $indexOfCP: ["$e", "😀"] }, doc), 2);
  assert.equal(ev({ $indexOfBytes: ["$e", "😀"] }, doc), 5);
  assert.equal(ev({ $indexOfCP: ["abcabc", "b", 2] }, doc), 4);
  assert.equal(ev({ $indexOfCP: ["abc", "z"] }, doc), -1);
  assert.equal(ev({ $strcasecmp: ["abc", "ABC"] }, doc), 0);
  assert.equal(ev({ $strcasecmp: ["abd", "ABC"] }, doc), 1);
  assert.equal(ev({ $replaceAll: { input: "a-b-c", find: "-", replacement: "+" } }, doc), "a+b+c");
  assert.equal(ev({ $replaceOne: { input: "a-b-c", find: "-", replacement: "+" } }, doc), "a+b-c");
});

Deno.test("regex operators", () => {
  assert.equal(ev({ $regexMatch: { input: "$s", regex: "world", options: "i" } }, doc), true);
  assert.equal(ev({ $regexMatch: { input: "$missing", regex: "x" } }, doc), false);
  assert.deepEqual(ev({ $regexFind: { input: "a1b22", regex: "(\\d+)" } }, doc), {
    match: "1",
    idx: 1,
    captures: ["1"],
  });
  assert.deepEqual(
    (ev({ $regexFindAll: { input: "a1b22", regex: /\d+/ } }, doc) as { match: string }[]).map((m) => m.match),
    ["1", "22"],
  );
  assertCommandError(() => ev({ $regexMatch: { input: 1, regex: "x" } }, doc), 51104);
});
