import assert from "node:assert/strict";
import { collationKeyer } from "./collation_key.ts";
import { collatorOptions } from "./collation_key.ts";
import { compareKeys } from "./key_string.ts";

/** Independent check: random strings (other seed, longer, mixed case/accents/punctuation). */
function randomStrings(n: number, seed: number): string[] {
  let x = seed;
  const r = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
  const alphabet = "aAbBcCeEéÉèêëzZsSßtToOöÖøœ æÆ-_.,'0123456789ñÑçÇåÅäÄüÜıİłŁžŽ";
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = Math.floor(r() * 8);
    let s = "";
    for (let j = 0; j < len; j++) {
      s += r() < 0.05
        ? String.fromCharCode(0x20 + Math.floor(r() * 0x160))
        : alphabet[Math.floor(r() * alphabet.length)];
    }
    out.push(s);
  }
  return out;
}

for (
  const c of [
    { locale: "en", strength: 1 },
    { locale: "en", strength: 2 },
    { locale: "en" },
    { locale: "en", caseFirst: "upper" },
    { locale: "de" },
    { locale: "es", strength: 2 },
    { locale: "sv" },
    { locale: "fr" },
  ]
) {
  Deno.test(`collation keys order exactly like the collator: ${JSON.stringify(c)}`, () => {
    const keyer = collationKeyer(c);
    assert.ok(keyer, "verified keyer");
    const { locale, options } = collatorOptions(c);
    const coll = new Intl.Collator(locale, options);
    const strs = randomStrings(4000, 7);
    let checked = 0;
    for (let i = 0; i + 1 < strs.length; i++) {
      for (const j of [i + 1, (i * 7919) % strs.length]) {
        const a = strs[i]!, b = strs[j]!;
        const ka = keyer.encode(a), kb = keyer.encode(b);
        if (!ka || !kb) continue;
        checked++;
        assert.equal(Math.sign(compareKeys(ka, kb)), Math.sign(coll.compare(a, b)), `${a} vs ${b}`);
      }
    }
    assert.ok(checked > 4000);
  });
}

Deno.test("collation keys: out-of-repertoire strings, unverifiable locales and options", () => {
  const en = collationKeyer({ locale: "en", strength: 2 })!;
  assert.equal(compareKeys(en.encode("abc")!, en.encode("ABC")!), 0);
  assert.equal(en.encode("日本"), undefined);
  assert.equal(en.encode("e\u0301"), undefined); // combining mark
  assert.equal(collationKeyer({ locale: "da" }), undefined); // "aa" contraction
  assert.equal(collationKeyer({ locale: "fr_CA" }), undefined); // backwards accents
  assert.equal(collationKeyer({ locale: "en", numericOrdering: true }), undefined);
  assert.equal(collationKeyer({ locale: "simple" }), undefined);
});
