/**
 * key_bounds.ts — PURE. The byte intervals of a compound index for per-field value intervals
 * (bounds.ts): a product over the leading point fields, one trailing list of intervals, the rest
 * unbounded; descending fields inverted (an interval's ends swap, a field's list reverses); explain's
 * mongod-style strings beside them.
 */
import { endDisplay, shownIncl, typeByte, type ValueInterval } from "./bounds.ts";
import { type CheckedField, type CheckInterval, packKeyCheck } from "./key_check.ts";
import type { KeyInterval } from "./plan.ts";

function invert(b: Uint8Array): Uint8Array {
  const o = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) o[i] = 255 - b[i]!;
  return o;
}

/** `a` then `b` (then `tail`): a new key, or `b` itself when nothing is added (keys are never written). */
function concat(a: Uint8Array, b: Uint8Array, tail?: number): Uint8Array {
  if (a.length === 0 && tail === undefined) return b;
  const o = new Uint8Array(a.length + b.length + (tail === undefined ? 0 : 1));
  o.set(a);
  o.set(b, a.length);
  if (tail !== undefined) o[o.length - 1] = tail;
  return o;
}

/**
 * Byte-space interval of one field (direction applied). A sentinel end is a type's first byte, not
 * a whole value: the keys it stands for continue with any bytes (0xff too, once inverted).
 */
interface DirInterval {
  readonly lo: Uint8Array;
  readonly loIncl: boolean;
  readonly loSentinel: boolean;
  readonly hi: Uint8Array;
  readonly hiIncl: boolean;
  readonly hiSentinel: boolean;
  readonly point: boolean;
}

function directed(list: readonly ValueInterval[], dir: 1 | -1): DirInterval[] {
  const mapped = list.map((iv) =>
    dir === 1
      ? {
        lo: iv.lo.bytes,
        loIncl: iv.lo.incl,
        loSentinel: iv.lo.sentinel === true,
        hi: iv.hi.bytes,
        hiIncl: iv.hi.incl,
        hiSentinel: iv.hi.sentinel === true,
        point: iv.point,
      }
      : {
        lo: invert(iv.hi.bytes),
        loIncl: iv.hi.incl,
        loSentinel: iv.hi.sentinel === true,
        hi: invert(iv.lo.bytes),
        hiIncl: iv.lo.incl,
        hiSentinel: iv.lo.sentinel === true,
        point: iv.point,
      }
  );
  return dir === 1 ? mapped : mapped.reverse();
}

const EMPTY = new Uint8Array(0);

/** The type byte after a one-byte sentinel (type bytes, inverted or not, lie in 0x0a..0xf5). */
function nextType(sentinel: Uint8Array): Uint8Array {
  return typeByte(sentinel[0]! + 1);
}
export const MAX_INTERVALS = 512;

export interface IndexBoundsResult {
  /** Byte intervals in ascending key order (reverse them for a reverse scan). */
  readonly intervals: KeyInterval[];
  /** Per field, mongod-style interval strings (explain `indexBounds`). */
  readonly display: Record<string, string[]>;
  /** Number of leading fields pinned to a single value. */
  readonly pointPrefix: number;
  /** Fields whose bounds are not [MinKey, MaxKey]. */
  readonly boundedFields: number;
  /**
   * The key check of the fields past the intervals' (key_check.ts), when asked for and some such field
   * has bounds; their explain strings are then in `display` too.
   */
  readonly keyCheck?: Uint8Array | undefined;
}

/** A direction-applied interval as the key check's plain byte comparisons (sentinels resolved as below). */
function checkInterval(d: DirInterval): CheckInterval {
  const lower = d.loIncl
    ? { lo: d.lo, loStrict: false }
    : d.loSentinel
    ? { lo: nextType(d.lo), loStrict: false }
    : { lo: d.lo, loStrict: true };
  const upper = !d.hiIncl
    ? { hi: d.hi, hiStrict: true }
    : d.hiSentinel
    ? { hi: nextType(d.hi), hiStrict: true }
    : { hi: d.hi, hiStrict: false };
  return { ...lower, ...upper };
}

function displayOf(list: readonly ValueInterval[], dir: 1 | -1): string[] {
  const s = list.map((iv) =>
    dir === 1
      ? `${shownIncl(iv.lo) ? "[" : "("}${endDisplay(iv.lo)}, ${endDisplay(iv.hi)}${
        shownIncl(iv.hi) ? "]" : ")"
      }`
      : `${shownIncl(iv.hi) ? "[" : "("}${endDisplay(iv.hi)}, ${endDisplay(iv.lo)}${
        shownIncl(iv.lo) ? "]" : ")"
      }`
  );
  return dir === 1 ? s : s.reverse();
}

/**
 * Bounds of a compound index for per-field value intervals (`undefined` = unconstrained field).
 * Stops at the first non-point field (it may carry a range) and when the product of several fields' lists
 * would pass MAX_INTERVALS.
 * `withDisplay: false` leaves `display` incomplete (explain's strings are not needed).
 * `check`: the fields past the stop that have intervals are checked key by key (`keyCheck`; an ordinary
 * index's keys only: not geo, text, collated or wildcard ones, whose key layouts differ).
 */
export function buildBounds(
  fields: readonly string[],
  dirs: readonly (1 | -1)[],
  perField: readonly (readonly ValueInterval[] | undefined)[],
  withDisplay = true,
  check = false,
): IndexBoundsResult {
  const display: Record<string, string[]> = {};
  let prefixes: Uint8Array[] = [EMPTY];
  let last: DirInterval[] | undefined;
  let pointPrefix = 0;
  let bounded = 0;
  let stopped = false;
  let allPoints = true;
  const checked: CheckedField[] = [];
  for (let i = 0; i < fields.length; i++) {
    const list = perField[i];
    const dir = dirs[i]!;
    if (stopped && list !== undefined && check) {
      checked.push({ field: i, intervals: directed(list, dir).map(checkInterval) });
      if (withDisplay) display[fields[i]!] = displayOf(list, dir);
      continue;
    }
    if (stopped || list === undefined) {
      stopped = true;
      display[fields[i]!] = [dir === 1 ? "[MinKey, MaxKey]" : "[MaxKey, MinKey]"];
      continue;
    }
    const dl = directed(list, dir);
    const pointsOnly = dl.every((d) => d.point);
    // a field's own list is taken whole (one interval per `$in` value, as mongod's); only a product
    // with an earlier field's points is capped
    const fits = prefixes.length === 1 || prefixes.length * dl.length <= MAX_INTERVALS;
    if (pointsOnly && fits) {
      const next: Uint8Array[] = [];
      for (const p of prefixes) for (const d of dl) next.push(concat(p, d.lo));
      prefixes = next;
      if (withDisplay) display[fields[i]!] = displayOf(list, dir);
      bounded++;
      if (dl.length === 1 && allPoints) pointPrefix++;
      else allPoints = false;
      continue;
    }
    if (!pointsOnly && fits) {
      last = dl;
      if (withDisplay) display[fields[i]!] = displayOf(list, dir);
      bounded++;
    } else if (check) {
      checked.push({ field: i, intervals: dl.map(checkInterval) });
      if (withDisplay) display[fields[i]!] = displayOf(list, dir);
    } else {
      display[fields[i]!] = [dir === 1 ? "[MinKey, MaxKey]" : "[MaxKey, MinKey]"];
    }
    stopped = true;
  }
  const keyCheck = checked.length > 0 ? packKeyCheck(dirs, checked) : undefined;
  const intervals: KeyInterval[] = [];
  for (const p of prefixes) {
    if (last === undefined) {
      if (p.length === 0) intervals.push({});
      else intervals.push({ lower: p, upper: concat(p, EMPTY, 0xff), upperExclusive: true });
      continue;
    }
    for (const d of last) {
      // Past a whole value, the next byte is the next field's type byte (< 0xff); past a sentinel,
      // any byte: its keys end before the next type's byte.
      const lower = d.loIncl
        ? concat(p, d.lo)
        : d.loSentinel
        ? concat(p, nextType(d.lo))
        : concat(p, d.lo, 0xff);
      const upper = !d.hiIncl
        ? concat(p, d.hi)
        : d.hiSentinel
        ? concat(p, nextType(d.hi))
        : concat(p, d.hi, 0xff);
      intervals.push({ lower, upper, upperExclusive: true });
    }
  }
  return { intervals, display, pointPrefix, boundedFields: bounded, ...(keyCheck ? { keyCheck } : {}) };
}

/**
 * On a multikey index, the bounds of a field whose path shares a leading component with an earlier bounded
 * field are dropped (left unbounded; the fetch's filter still checks it): both may run through the same
 * array, whose elements give one key each, so `{"a.b": 1, "a.c": 2}` can match a document where different
 * elements hold the two values — a compound of both bounds would miss it. mongod's planner refuses to
 * compound such bounds outside an `$elemMatch` too (it knows which paths are multikey; we only know that
 * the index is, so every shared prefix counts). `perField` is changed in place.
 */
export function dropSharedPrefixBounds<T>(fields: readonly string[], perField: (T | undefined)[]): void {
  const bounded: string[] = []; // the first components of the bounded fields so far
  for (let i = 0; i < fields.length; i++) {
    if (perField[i] === undefined) continue;
    const head = fields[i]!.split(".")[0]!;
    if (bounded.includes(head)) perField[i] = undefined;
    else bounded.push(head);
  }
}
