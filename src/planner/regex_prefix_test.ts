import assert from "node:assert/strict";
import { BSONRegExp } from "bson";
import { regexPrefix, successorString } from "./regex_prefix.ts";

Deno.test("regexPrefix: the literal start of an anchored regex, or nothing when unsure", () => {
  const cases: [unknown, string | undefined][] = [
    [/^abc/, "abc"],
    [/^abc$/, "abc"],
    [/^ab+c/, "ab"],
    [/^abc?/, "ab"],
    [/^abc*/, "ab"],
    [/^ab{2}/, "a"],
    [/^a\.b\/c/, "a.b/c"],
    [/^a\d/, "a"],
    [/^\d/, ""],
    [/^(ab)/, ""],
    [/^a[bc]/, "a"],
    [/^é漢字x/, "é漢字x"],
    [/^a\.?b/, "a"],
    [/abc/, undefined],
    [/^abc/i, undefined],
    [/^abc/m, undefined],
    [/^ab|cd/, undefined],
    [/^ab(c|d)/, undefined],
    [/^a[|]b/, "a"],
    [/^a\|b/, "a|b"],
    ["^s12", "s12"],
    [new BSONRegExp("^s12", "s"), "s12"],
    [new BSONRegExp("^s12", "x"), undefined],
    [5, undefined],
  ];
  for (const [re, want] of cases) assert.equal(regexPrefix(re), want, String(re));
  assert.equal(regexPrefix("^s12", "i"), undefined);
  assert.equal(regexPrefix("^s12", "s"), "s12");
});

Deno.test("successorString: the last character's successor", () => {
  assert.equal(successorString("s12"), "s13");
  assert.equal(successorString(""), undefined);
  assert.equal(successorString("a\uD7FF"), undefined);
});
