/**
 * key_filter.ts — PURE. The test of an index key that a `regex` predicate (bounds.ts) gives: the
 * key's string at the predicate's field is matched by the regexes (or found among the `$in`'s other
 * strings) before the record is read, so a selective regex over a narrow index reads only the records
 * it matches — mongod's INEXACT_COVERED regex bounds, whose filter runs on the IXSCAN. A key of any
 * other type (a stored regex value, or a number of the `$in`) passes: its record is matched as before.
 * The fetched documents are always matched against the whole filter again, so the test need only
 * never reject a key a match has.
 *
 * The field must sit at a known byte offset in every key scanned: the fields before it pinned to one
 * value each (their encodings' lengths summed), or to a few (an `$in`: the offset found key by key past
 * the one encoding of each that the key holds), which index_plan.ts checks.
 */
import { BSONRegExp } from "bson";
import { compileRegex } from "../engine/query/regex.ts";
import type { FieldPred } from "./bounds.ts";
import type { KeyFilter } from "./plan.ts";

const STRING = 0x28;
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
/** ASCII bytes as one-byte characters (every byte below 0x80 is itself; the rest are not read). */
const latin1 = new TextDecoder("latin1");

/** Bytes of a batch buffer decoded at once (`keyStrings`). */
const WINDOW = 8192;

/** Reads the string of a key at an offset (`keyStrings`). */
export type KeyStringReader = (key: Uint8Array, at: number, flip: 0 | 255) => string | undefined;

/**
 * A reader of the string at `at` of a key (its type byte there; `flip` 255 for a descending field):
 * undefined when the value there is not a string. Keys are views into a scan's batch buffers: an
 * ASCII string (most) is cut from the whole buffer decoded once (`substring` of one decoder call per
 * window of a batch instead of one string built per key: ~0.5 µs → ~0.1 µs a key, matched by the regex included).
 */
export function keyStrings(): KeyStringReader {
  let lastBuf: ArrayBufferLike | undefined;
  let lastText = "";
  let lastFrom = 0;
  let scratch = new Uint8Array(256);
  return (key, at, flip) => {
    if (at >= key.length || (key[at]! ^ flip) !== STRING) return undefined;
    const start = at + 1;
    if (flip === 0) {
      // the common case: no zero byte inside (an escaped one is 0x00 0xff), read in place
      let j = start;
      let ascii = true;
      for (; j < key.length; j++) {
        const b = key[j]!;
        if (b === 0) break;
        if (b >= 0x80) ascii = false;
      }
      if (j + 1 < key.length && key[j + 1] === 0) {
        if (!ascii) return utf8.decode(key.subarray(start, j));
        const from = key.byteOffset + start;
        const to = key.byteOffset + j;
        if (key.buffer !== lastBuf || from < lastFrom || to > lastFrom + lastText.length) {
          // (a window of the buffer from this key on: a batch buffer's unused end is not decoded)
          lastBuf = key.buffer;
          lastFrom = from;
          const n = Math.min(key.buffer.byteLength - from, Math.max(WINDOW, to - from));
          lastText = latin1.decode(new Uint8Array(key.buffer, from, n));
        }
        return lastText.substring(from - lastFrom, to - lastFrom);
      }
    }
    let n = 0;
    for (let j = start; j < key.length; j++) {
      const b = key[j]! ^ flip;
      if (b === 0) {
        if ((key[j + 1]! ^ flip) === 0) break; // terminator
        j++; // 0x00 0xff: an escaped zero byte
      }
      if (n === scratch.length) {
        const next = new Uint8Array(n * 2);
        next.set(scratch);
        scratch = next;
      }
      scratch[n++] = b;
    }
    return utf8.decode(scratch.subarray(0, n));
  };
}

/**
 * The key filter of a `regex` predicate on the field at byte `offset` (direction `dir`), or undefined.
 * `lead`: the encodings (direction applied) each field before it may hold in the bounds, when one of
 * them has several (an `$in`): the field's offset is then found key by key, past the one encoding of
 * each that the key starts with there (encodings are prefix-free); a key that holds none passes.
 */
export function regexKeyFilter(
  path: string,
  pred: FieldPred & { kind: "regex" },
  offset: number,
  dir: 1 | -1,
  lead?: readonly (readonly Uint8Array[])[],
): KeyFilter | undefined {
  let tests: ((s: string) => boolean)[];
  try {
    tests = pred.regexes.map((r) => {
      const c = compileRegex(r.pattern, r.options);
      return (s: string) => c.test(s);
    });
  } catch {
    return undefined; // (an invalid regex: the matcher reports it)
  }
  const strings = new Set<string>();
  for (const v of pred.values) {
    if (typeof v === "string") strings.add(v);
    else if ((v as { _bsontype?: string } | null)?._bsontype === "BSONSymbol") {
      strings.add(String((v as { value: unknown }).value));
    }
  }
  const flip = dir === 1 ? 0 : 255;
  const keyStringAt = keyStrings();
  const one = tests.length === 1 && strings.size === 0 ? tests[0]! : undefined;
  if (lead !== undefined && lead.some((l) => l.length > 1)) {
    const matches = (s: string) => strings.has(s) || tests.some((t) => t(s));
    const test = (key: Uint8Array) => {
      const at = fieldOffset(key, lead);
      if (at === undefined) return true;
      const s = keyStringAt(key, at, flip);
      return s === undefined || matches(s);
    };
    return { test, shown: { [path]: shownPredicate(pred) } };
  }
  const test = one
    ? (key: Uint8Array) => {
      const s = keyStringAt(key, offset, flip);
      return s === undefined || one(s);
    }
    : (key: Uint8Array) => {
      const s = keyStringAt(key, offset, flip);
      return s === undefined || strings.has(s) || tests.some((t) => t(s));
    };
  return { test, shown: { [path]: shownPredicate(pred) } };
}

/** The offset past the lead fields' encodings in `key`, or undefined when one of them is none listed. */
function fieldOffset(key: Uint8Array, lead: readonly (readonly Uint8Array[])[]): number | undefined {
  let at = 0;
  for (const list of lead) {
    let next: number | undefined;
    for (const enc of list) {
      if (at + enc.length > key.length) continue;
      let j = 0;
      while (j < enc.length && key[at + j] === enc[j]) j++;
      if (j === enc.length) {
        next = at + j;
        break;
      }
    }
    if (next === undefined) return undefined;
    at = next;
  }
  return at;
}

/** The predicate as explain shows it (mongod: `{$regex: …}`, or the `$in` list). */
function shownPredicate(pred: FieldPred & { kind: "regex" }): unknown {
  const asRegex = (r: { pattern: string; options: string }) =>
    r.options === "" ? { $regex: r.pattern } : { $regex: r.pattern, $options: r.options };
  if (pred.regexes.length === 1 && pred.values.length === 0) return asRegex(pred.regexes[0]!);
  return { $in: [...pred.values, ...pred.regexes.map((r) => new BSONRegExp(r.pattern, r.options))] };
}
