/**
 * ops_date_math.ts — `$dateFromString` (ISO-8601 and `format`-driven parsing), `$dateAdd`,
 * `$dateSubtract`, `$dateDiff` (counts unit boundaries crossed, as mongod) and `$dateTrunc`
 * (bins counted from 2000-01-01 in the zone). Calendar units (year, quarter, month, week, day) work on
 * wall-clock time in the zone; month arithmetic clamps to the month's last day.
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compileExpression, isNullish, isObj } from "./compile.ts";
import { coerceToDate, typeName } from "./coerce.ts";
import { numKind, toDouble } from "./numeric.ts";
import { registerOperators } from "./registry.ts";
import { fromLocal, localParts, type Zone } from "./timezone.ts";
import { zoneOf } from "./ops_date.ts";
import type { Evaluator, ExprContext } from "./types.ts";

const UNIT_MS: Record<string, number> = {
  week: 7 * 86_400_000,
  day: 86_400_000,
  hour: 3_600_000,
  minute: 60_000,
  second: 1000,
  millisecond: 1,
};
const UNITS = ["year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond"];
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

function named(
  arg: unknown,
  op: string,
  allowed: readonly string[],
  ctx: ExprContext,
): Record<string, Evaluator> {
  if (!isObj(arg)) {
    throw new CommandError(Location.DateMathSpecNotObject, `${op} expects an object as its argument`);
  }
  const out: Record<string, Evaluator> = {};
  for (const [k, v] of Object.entries(arg)) {
    if (!allowed.includes(k)) {
      throw new CommandError(
        Location.DateMathUnknownArgument,
        `Unrecognized argument to ${op}: ${k}. Expected arguments are ${allowed.join(", ")}`,
      );
    }
    out[k] = compileExpression(v, ctx);
  }
  return out;
}

function unitOf(v: unknown, op: string): string {
  if (typeof v !== "string") {
    throw new CommandError(
      Location.DateUnitNotString,
      `${op} requires 'unit' to be a string, but got ${typeName(v)}`,
    );
  }
  if (!UNITS.includes(v)) {
    throw new CommandError(
      Location.DateUnitUnknown,
      `${op} parameter 'unit' value parsing failed :: caused by :: unknown time unit value: ${v}`,
    );
  }
  return v;
}

function startOfWeekOf(v: unknown, op: string): number {
  if (v === undefined) return 0;
  const key = typeof v === "string" ? v.toLowerCase().slice(0, 3) : "";
  const d = DAYS[key];
  if (d === undefined || (typeof v === "string" && !/^(sun|mon|tue|wed|thu|fri|sat)([a-z]*day)?$/i.test(v))) {
    throw new CommandError(
      Location.DateStartOfWeekUnknown,
      `${op} parameter 'startOfWeek' value cannot be recognized as a day of a week: ${String(v)}`,
    );
  }
  return d;
}

function localMs(t: number, zone: Zone): number {
  return t + zone.offsetAt(t);
}

/** Adds `amount` units to instant `t`. */
export function dateAdd(t: number, unit: string, amount: number, zone: Zone): number {
  if (unit === "year" || unit === "quarter" || unit === "month") {
    const months = amount * (unit === "year" ? 12 : unit === "quarter" ? 3 : 1);
    const l = new Date(localMs(t, zone));
    const y = l.getUTCFullYear();
    const m = l.getUTCMonth() + months;
    const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
    const out = new Date(l.getTime());
    out.setUTCFullYear(y, m, Math.min(l.getUTCDate(), lastDay));
    return fromLocal(out.getTime(), zone);
  }
  if (unit === "week" || unit === "day") {
    return fromLocal(localMs(t, zone) + amount * (UNIT_MS[unit] as number), zone);
  }
  return t + amount * (UNIT_MS[unit] as number);
}

/** Number of `unit` boundaries between two instants. */
export function dateDiff(a: number, b: number, unit: string, zone: Zone, startOfWeek: number): number {
  const pa = localParts(a, zone);
  const pb = localParts(b, zone);
  switch (unit) {
    case "year":
      return pb.year - pa.year;
    case "quarter":
      return pb.year * 4 + Math.floor((pb.month - 1) / 3) - (pa.year * 4 + Math.floor((pa.month - 1) / 3));
    case "month":
      return pb.year * 12 + pb.month - (pa.year * 12 + pa.month);
    case "week": {
      const la = localMs(a, zone);
      const lb = localMs(b, zone);
      const weekStart = (l: number) => {
        const day = Math.floor(l / 86_400_000);
        const dow = (day + 4) % 7; // 1970-01-01 was a Thursday
        return day - ((dow - startOfWeek + 7) % 7);
      };
      return (weekStart(lb) - weekStart(la)) / 7;
    }
    case "day":
      return Math.floor(localMs(b, zone) / 86_400_000) - Math.floor(localMs(a, zone) / 86_400_000);
    default: {
      const u = UNIT_MS[unit] as number;
      return Math.floor(localMs(b, zone) / u) - Math.floor(localMs(a, zone) / u);
    }
  }
}

function compileDateAdd(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const a = named(arg, op, ["startDate", "unit", "amount", "timezone"], ctx);
  for (const k of ["startDate", "unit", "amount"]) {
    if (!a[k]) throw new CommandError(Location.DateAddMissingArgument, `${op} requires '${k}' to be present`);
  }
  const sign = op === "$dateSubtract" ? -1 : 1;
  return (cur, vars) => {
    const start = a["startDate"]!(cur, vars);
    const unit = a["unit"]!(cur, vars);
    const amount = a["amount"]!(cur, vars);
    const zone = zoneOf(a["timezone"], cur, vars);
    if (isNullish(start) || isNullish(unit) || isNullish(amount) || !zone) return null;
    const t = coerceToDate(start).getTime();
    const u = unitOf(unit, op);
    if (!numKind(amount) || !Number.isInteger(toDouble(amount))) {
      throw new CommandError(Location.DateAddAmountNotInteger, `${op} expects integer amount of time units`);
    }
    const r = dateAdd(t, u, sign * toDouble(amount), zone);
    if (!Number.isFinite(r) || Math.abs(r) > 8.64e15) {
      throw new CommandError(Location.DateAddOverflow, `${op} overflowed`);
    }
    return new Date(r);
  };
}

function compileDateDiff(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const a = named(arg, op, ["startDate", "endDate", "unit", "timezone", "startOfWeek"], ctx);
  for (const k of ["startDate", "endDate", "unit"]) {
    if (!a[k]) {
      throw new CommandError(Location.DateDiffMissingArgument, `${op} requires '${k}' to be present`);
    }
  }
  return (cur, vars) => {
    const s = a["startDate"]!(cur, vars);
    const e = a["endDate"]!(cur, vars);
    const unit = a["unit"]!(cur, vars);
    const zone = zoneOf(a["timezone"], cur, vars);
    const sow = a["startOfWeek"] ? a["startOfWeek"](cur, vars) : undefined;
    if (isNullish(s) || isNullish(e) || isNullish(unit) || !zone || sow === null) return null;
    const u = unitOf(unit, op);
    const w = u === "week" ? startOfWeekOf(sow, op) : 0;
    return Long.fromNumber(dateDiff(coerceToDate(s).getTime(), coerceToDate(e).getTime(), u, zone, w));
  };
}

function compileDateTrunc(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const a = named(arg, op, ["date", "unit", "binSize", "timezone", "startOfWeek"], ctx);
  if (!a["date"]) {
    throw new CommandError(Location.DateTruncMissingDate, "$dateTrunc requires 'date' to be present");
  }
  if (!a["unit"]) {
    throw new CommandError(Location.DateTruncMissingUnit, "$dateTrunc requires 'unit' to be present");
  }
  return (cur, vars) => {
    const d = a["date"]!(cur, vars);
    const unit = a["unit"]!(cur, vars);
    const bin = a["binSize"] ? a["binSize"](cur, vars) : 1;
    const zone = zoneOf(a["timezone"], cur, vars);
    const sow = a["startOfWeek"] ? a["startOfWeek"](cur, vars) : undefined;
    if (isNullish(d) || isNullish(unit) || isNullish(bin) || !zone || sow === null) return null;
    const u = unitOf(unit, op);
    if (!numKind(bin) || !Number.isInteger(toDouble(bin)) || toDouble(bin) <= 0) {
      throw new CommandError(
        Location.DateTruncBinSizeInvalid,
        `$dateTrunc requires 'binSize' to be a positive integer, but got value '${String(bin)}'`,
      );
    }
    const n = toDouble(bin);
    const t = coerceToDate(d).getTime();
    const l = localMs(t, zone);
    const ref = Date.UTC(2000, 0, 1);
    let out: number;
    if (u === "year" || u === "quarter" || u === "month") {
      const p = new Date(l);
      const months = (p.getUTCFullYear() - 2000) * 12 + p.getUTCMonth();
      const size = n * (u === "year" ? 12 : u === "quarter" ? 3 : 1);
      const m = Math.floor(months / size) * size;
      out = Date.UTC(2000, m, 1);
    } else if (u === "week") {
      const w = startOfWeekOf(sow, op);
      const refDow = 6; // 2000-01-01 was a Saturday
      const refWeek = ref - ((refDow - w + 7) % 7) * 86_400_000;
      const size = n * (UNIT_MS["week"] as number);
      out = refWeek + Math.floor((l - refWeek) / size) * size;
    } else {
      const size = n * (UNIT_MS[u] as number);
      out = ref + Math.floor((l - ref) / size) * size;
    }
    return new Date(
      u === "hour" || u === "minute" || u === "second" || u === "millisecond"
        ? out - zone.offsetAt(t)
        : fromLocal(out, zone),
    );
  };
}

// ---- $dateFromString -----------------------------------------------------------------------

const ISO_RE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function offsetMs(s: string): number {
  if (s === "Z") return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(s);
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? "0")) * 60_000;
}

function parseWithFormat(
  s: string,
  format: string,
): { local: number; offset: number | undefined } | undefined {
  let re = "^";
  const fields: string[] = [];
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c === "%") {
      const f = format[++i] as string;
      const pat: Record<string, string> = {
        Y: "(\\d{4})",
        m: "(\\d{1,2})",
        d: "(\\d{1,2})",
        H: "(\\d{1,2})",
        M: "(\\d{1,2})",
        S: "(\\d{1,2})",
        L: "(\\d{1,3})",
        j: "(\\d{1,3})",
        z: "([+-]\\d{2}:?\\d{2})",
        Z: "([+-]?\\d+)",
        "%": "%",
      };
      const p = pat[f];
      if (p === undefined) {
        throw new CommandError(
          Location.DateFormatInvalidChar,
          `Invalid format character '%${f}' in format string`,
        );
      }
      if (f !== "%") fields.push(f);
      re += p;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  const m = new RegExp(re + "$").exec(s);
  if (!m) return undefined;
  const v: Record<string, number> = {};
  let offset: number | undefined;
  fields.forEach((f, i) => {
    const g = m[i + 1] as string;
    if (f === "z") offset = offsetMs(g);
    else if (f === "Z") offset = Number(g) * 60_000;
    else v[f] = Number(g);
  });
  const dt = new Date(0);
  dt.setUTCFullYear(v["Y"] ?? 1970, (v["m"] ?? 1) - 1, v["d"] ?? 1);
  if (v["j"] !== undefined) dt.setUTCFullYear(v["Y"] ?? 1970, 0, v["j"]);
  dt.setUTCHours(v["H"] ?? 0, v["M"] ?? 0, v["S"] ?? 0, v["L"] ?? 0);
  return { local: dt.getTime(), offset };
}

function compileDateFromString(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const a = named(arg, op, ["dateString", "format", "timezone", "onError", "onNull"], ctx);
  if (!a["dateString"]) {
    throw new CommandError(
      Location.DateFromStringMissingDateString,
      "Missing 'dateString' parameter to $dateFromString",
    );
  }
  return (cur, vars) => {
    const s = a["dateString"]!(cur, vars);
    const fmt = a["format"] ? a["format"](cur, vars) : undefined;
    const zone = zoneOf(a["timezone"], cur, vars);
    if (isNullish(s)) return a["onNull"] ? a["onNull"](cur, vars) : null;
    if (fmt === null || !zone) return null;
    try {
      if (typeof s !== "string") {
        throw new CommandError(
          "ConversionFailure",
          `$dateFromString requires that 'dateString' be a string, found: ${typeName(s)} with value ${
            String(s)
          }`,
        );
      }
      let parsed: { local: number; offset: number | undefined } | undefined;
      if (fmt !== undefined) {
        if (typeof fmt !== "string") {
          throw new CommandError(
            Location.DateFromStringFormatNotString,
            `$dateFromString requires that 'format' be a string, found: ${typeName(fmt)}`,
          );
        }
        parsed = parseWithFormat(s, fmt);
      } else {
        const m = ISO_RE.exec(s.trim());
        if (m) {
          const dt = new Date(0);
          dt.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
          dt.setUTCHours(
            Number(m[4] ?? 0),
            Number(m[5] ?? 0),
            Number(m[6] ?? 0),
            Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3)),
          );
          parsed = { local: dt.getTime(), offset: m[8] === undefined ? undefined : offsetMs(m[8]) };
        }
      }
      if (!parsed || Number.isNaN(parsed.local)) {
        throw new CommandError("ConversionFailure", `Error parsing date string '${s}'`);
      }
      if (parsed.offset !== undefined && a["timezone"]) {
        throw new CommandError(
          "ConversionFailure",
          `you cannot pass in a date/time string with GMT offset together with a timezone argument`,
        );
      }
      return new Date(
        parsed.offset !== undefined ? parsed.local - parsed.offset : fromLocal(parsed.local, zone),
      );
    } catch (e) {
      if (e instanceof CommandError && e.code === 241 && a["onError"]) return a["onError"](cur, vars);
      throw e;
    }
  };
}

registerOperators({
  $dateAdd: compileDateAdd,
  $dateSubtract: compileDateAdd,
  $dateDiff: compileDateDiff,
  $dateTrunc: compileDateTrunc,
  $dateFromString: compileDateFromString,
});
