/**
 * ops_date.ts — date part extraction (`$year $month $dayOfMonth $hour $minute $second $millisecond
 * $dayOfWeek $dayOfYear $week $isoWeek $isoWeekYear $isoDayOfWeek`, each taking a date expression or
 * `{date, timezone}`), `$dateToString`, `$dateToParts`, `$dateFromParts`. Dates may be given as
 * Date, Timestamp or ObjectId; time zones as in timezone.ts. Parsing and date arithmetic
 * (`$dateFromString $dateAdd $dateSubtract $dateDiff $dateTrunc`) live in ops_date_math.ts.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compileExpression, constant, isNullish, isObj } from "./compile.ts";
import { coerceToDate, typeName } from "./coerce.ts";
import { numKind, toDouble } from "./numeric.ts";
import { registerOperators } from "./registry.ts";
import { fromLocal, isoWeek, type LocalParts, localParts, parseZone, UTC, type Zone } from "./timezone.ts";
import type { Evaluator, ExprContext, Vars } from "./types.ts";

/** Evaluates an optional timezone expression (null → undefined result: the caller returns null). */
export function zoneOf(ev: Evaluator | undefined, cur: unknown, vars: Vars): Zone | null {
  if (!ev) return UTC;
  const tz = ev(cur, vars);
  if (isNullish(tz)) return null;
  if (typeof tz !== "string") {
    throw new CommandError(
      Location.TimeZoneNotString,
      `timezone must evaluate to a string, found ${typeName(tz)}`,
    );
  }
  return parseZone(tz);
}

type PartFn = (p: LocalParts) => number;

function compileDatePart(fn: PartFn) {
  return (arg: unknown, ctx: ExprContext, op: string): Evaluator => {
    let dateEv: Evaluator;
    let tzEv: Evaluator | undefined;
    let spec = arg;
    if (Array.isArray(spec)) {
      if (spec.length !== 1) {
        throw new CommandError(
          Location.ExpressionWrongArgCount,
          `Expression ${op} takes exactly 1 arguments. ${spec.length} were passed in.`,
        );
      }
      spec = spec[0];
    }
    if (isObj(spec) && Object.keys(spec).length > 0 && !(Object.keys(spec)[0] as string).startsWith("$")) {
      for (const k of Object.keys(spec)) {
        if (k !== "date" && k !== "timezone") {
          throw new CommandError(Location.DateOpUnrecognizedOption, `unrecognized option to ${op}: "${k}"`);
        }
      }
      if (!Object.hasOwn(spec, "date")) {
        throw new CommandError(
          Location.DateOpMissingDate,
          `missing 'date' argument to ${op}, provided: ${JSON.stringify(Object.keys(spec))}`,
        );
      }
      dateEv = compileExpression(spec["date"], ctx);
      if (Object.hasOwn(spec, "timezone")) tzEv = compileExpression(spec["timezone"], ctx);
    } else dateEv = compileExpression(spec, ctx);
    return (cur, vars) => {
      const d = dateEv(cur, vars);
      if (isNullish(d)) return null;
      const zone = zoneOf(tzEv, cur, vars);
      if (!zone) return null;
      return fn(localParts(coerceToDate(d).getTime(), zone));
    };
  };
}

function pad(n: number, w: number): string {
  const s = String(Math.abs(n)).padStart(w, "0");
  return n < 0 ? "-" + s : s;
}

function offsetString(ms: number, colon: boolean): string {
  const m = Math.round(ms / 60_000);
  const a = Math.abs(m);
  return (m < 0 ? "-" : "+") + pad(Math.floor(a / 60), 2) + (colon ? ":" : "") + pad(a % 60, 2);
}

/** Validates a `$dateToString` format (18535 / 18536). */
function checkFormat(f: string): void {
  for (let i = 0; i < f.length; i++) {
    if (f[i] !== "%") continue;
    const c = f[i + 1];
    if (c === undefined) {
      throw new CommandError(Location.DateFormatTrailingPercent, "Unmatched '%' at end of format string");
    }
    if (!"YmdHMSLjwuUVGZz%bB".includes(c)) {
      throw new CommandError(
        Location.DateFormatInvalidChar,
        `Invalid format character '%${c}' in format string`,
      );
    }
    i++;
  }
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** Formats an instant like mongod's `$dateToString`. */
export function formatDate(format: string, t: number, zone: Zone): string {
  const p = localParts(t, zone);
  let out = "";
  for (let i = 0; i < format.length; i++) {
    const ch = format[i] as string;
    if (ch !== "%") {
      out += ch;
      continue;
    }
    const c = format[++i];
    switch (c) {
      case "Y":
        out += pad(p.year, 4);
        break;
      case "m":
        out += pad(p.month, 2);
        break;
      case "d":
        out += pad(p.day, 2);
        break;
      case "H":
        out += pad(p.hour, 2);
        break;
      case "M":
        out += pad(p.minute, 2);
        break;
      case "S":
        out += pad(p.second, 2);
        break;
      case "L":
        out += pad(p.millisecond, 3);
        break;
      case "j":
        out += pad(p.dayOfYear, 3);
        break;
      case "w":
        out += p.dayOfWeek;
        break;
      case "u":
        out += isoWeek(p).day;
        break;
      case "U":
        out += pad(Math.floor((p.dayOfYear - 1 + 7 - (p.dayOfWeek - 1)) / 7), 2);
        break;
      case "V":
        out += pad(isoWeek(p).week, 2);
        break;
      case "G":
        out += pad(isoWeek(p).year, 4);
        break;
      case "Z":
        out += String(Math.round(zone.offsetAt(t) / 60_000));
        break;
      case "z":
        out += offsetString(zone.offsetAt(t), false);
        break;
      case "b":
        out += MONTHS[p.month - 1]?.slice(0, 3);
        break;
      case "B":
        out += MONTHS[p.month - 1];
        break;
      default:
        out += "%";
    }
  }
  return out;
}

function named(
  arg: unknown,
  op: string,
  allowed: readonly string[],
  ctx: ExprContext,
): Record<string, Evaluator> {
  if (!isObj(arg)) {
    throw new CommandError(Location.DateOpSpecNotObject, `${op} only supports an object as its argument`);
  }
  const out: Record<string, Evaluator> = {};
  for (const [k, v] of Object.entries(arg)) {
    if (!allowed.includes(k)) {
      throw new CommandError(Location.DateOpUnknownArgument, `Unrecognized argument to ${op}: ${k}`);
    }
    out[k] = compileExpression(v, ctx);
  }
  return out;
}

function compileDateToString(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const a = named(arg, op, ["date", "format", "timezone", "onNull"], ctx);
  if (!a["date"]) {
    throw new CommandError(Location.DateToStringMissingDate, "Missing 'date' parameter to $dateToString");
  }
  const dateEv = a["date"];
  if (isObj(arg) && typeof arg["format"] === "string") checkFormat(arg["format"]);
  return (cur, vars) => {
    const d = dateEv(cur, vars);
    let format = "%Y-%m-%dT%H:%M:%S.%LZ";
    if (a["format"]) {
      const f = a["format"](cur, vars);
      if (isNullish(f)) return null;
      if (typeof f !== "string") {
        throw new CommandError(
          Location.DateToStringFormatNotString,
          `$dateToString requires that 'format' be a string, found: ${typeName(f)}`,
        );
      }
      checkFormat(f);
      format = f;
    } else if (a["timezone"]) format = "%Y-%m-%dT%H:%M:%S.%L";
    const zone = zoneOf(a["timezone"], cur, vars);
    if (isNullish(d)) return a["onNull"] ? a["onNull"](cur, vars) : null;
    if (!zone) return null;
    return formatDate(format, coerceToDate(d).getTime(), zone);
  };
}

function compileDateToParts(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const a = named(arg, op, ["date", "timezone", "iso8601"], ctx);
  if (!a["date"]) {
    throw new CommandError(Location.DateToPartsMissingDate, "Missing 'date' parameter to $dateToParts");
  }
  const dateEv = a["date"];
  const isoEv = a["iso8601"] ?? constant(false);
  return (cur, vars) => {
    const d = dateEv(cur, vars);
    const zone = zoneOf(a["timezone"], cur, vars);
    const iso = isoEv(cur, vars);
    if (isNullish(d) || !zone || isNullish(iso)) return null;
    if (typeof iso !== "boolean") {
      throw new CommandError(
        Location.DateToPartsIso8601NotBool,
        `iso8601 must evaluate to a bool, found ${typeName(iso)}`,
      );
    }
    const p = localParts(coerceToDate(d).getTime(), zone);
    const time = { hour: p.hour, minute: p.minute, second: p.second, millisecond: p.millisecond };
    if (iso) {
      const w = isoWeek(p);
      return { isoWeekYear: w.year, isoWeek: w.week, isoDayOfWeek: w.day, ...time };
    }
    return { year: p.year, month: p.month, day: p.day, ...time };
  };
}

const PART_LIMITS: Record<string, [number, number]> = {
  year: [1, 9999],
  isoWeekYear: [1, 9999],
  month: [-32768, 32767],
  day: [-32768, 32767],
  isoWeek: [-32768, 32767],
  isoDayOfWeek: [-32768, 32767],
  hour: [-32768, 32767],
  minute: [-32768, 32767],
  second: [-32768, 32767],
  millisecond: [-32768, 32767],
};

function compileDateFromParts(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const fields = [
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "millisecond",
    "isoWeekYear",
    "isoWeek",
    "isoDayOfWeek",
    "timezone",
  ];
  const a = named(arg, op, fields, ctx);
  const iso = Boolean(a["isoWeekYear"]);
  if (iso && (a["year"] || a["month"] || a["day"])) {
    throw new CommandError(
      Location.DateFromPartsMixedIso,
      "$dateFromParts does not allow mixing natural dates with ISO dates",
    );
  }
  if (!iso && !a["year"]) {
    throw new CommandError(
      Location.DateFromPartsMissingYear,
      "$dateFromParts requires either 'year' or 'isoWeekYear' to be present",
    );
  }
  return (cur, vars) => {
    const get = (k: string, def: number): number | null => {
      const e = a[k];
      if (!e) return def;
      const v = e(cur, vars);
      if (isNullish(v)) return null;
      if (!numKind(v) || !Number.isInteger(toDouble(v))) {
        throw new CommandError(
          Location.DateFromPartsValueNotInteger,
          `'${k}' must evaluate to an integer, found ${typeName(v)} with value ${String(v)}`,
        );
      }
      const n = toDouble(v);
      const [lo, hi] = PART_LIMITS[k] ?? [-Infinity, Infinity];
      if (n < lo || n > hi) {
        throw new CommandError(
          k === "year" || k === "isoWeekYear"
            ? Location.DateFromPartsYearOutOfRange
            : Location.DateFromPartsValueOutOfRange,
          `'${k}' must evaluate to a value in the range [${lo}, ${hi}]; value ${n} is not in range`,
        );
      }
      return n;
    };
    const zone = zoneOf(a["timezone"], cur, vars);
    const vals = (iso ? ["isoWeekYear", "isoWeek", "isoDayOfWeek"] : ["year", "month", "day"]).map((k, i) =>
      get(k, i === 0 ? 1970 : 1)
    );
    const time = ["hour", "minute", "second", "millisecond"].map((k) => get(k, 0));
    if (!zone || vals.includes(null) || time.includes(null)) return null;
    const [h, mi, s, ms] = time as [number, number, number, number];
    let local: number;
    if (iso) {
      const [y, w, dow] = vals as [number, number, number];
      const jan4 = Date.UTC(y, 0, 4);
      const jan4Dow = ((new Date(jan4).getUTCDay() + 6) % 7) + 1;
      const week1Monday = jan4 - (jan4Dow - 1) * 86_400_000;
      local = week1Monday + ((w - 1) * 7 + (dow - 1)) * 86_400_000 + ((h * 60 + mi) * 60 + s) * 1000 + ms;
    } else {
      const [y, mo, d] = vals as [number, number, number];
      const dt = new Date(0);
      dt.setUTCFullYear(y, mo - 1, d);
      dt.setUTCHours(h, mi, s, ms);
      local = dt.getTime();
    }
    return new Date(fromLocal(local, zone));
  };
}

const part = (f: PartFn) => compileDatePart(f);

registerOperators({
  $year: part((p) => p.year),
  $month: part((p) => p.month),
  $dayOfMonth: part((p) => p.day),
  $hour: part((p) => p.hour),
  $minute: part((p) => p.minute),
  $second: part((p) => p.second),
  $millisecond: part((p) => p.millisecond),
  $dayOfWeek: part((p) => p.dayOfWeek),
  $dayOfYear: part((p) => p.dayOfYear),
  $week: part((p) => Math.floor((p.dayOfYear - 1 + 7 - (p.dayOfWeek - 1)) / 7)),
  $isoWeek: part((p) => isoWeek(p).week),
  $isoWeekYear: part((p) => isoWeek(p).year),
  $isoDayOfWeek: part((p) => isoWeek(p).day),
  $dateToString: compileDateToString,
  $dateToParts: compileDateToParts,
  $dateFromParts: compileDateFromParts,
});
