/**
 * timezone.ts — time zones for date expressions: UTC, fixed offsets ("+05:30", "-0800", "+03")
 * and IANA names (through `Intl.DateTimeFormat`, cached). `localParts` breaks an instant into
 * wall-clock fields in a zone; `fromLocal` goes back (resolving gaps/overlaps like mongod's
 * timelib: the earlier offset).
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";

export interface Zone {
  /** Offset from UTC in milliseconds at the instant `t`. */
  offsetAt(t: number): number;
}

export interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  dayOfWeek: number; // 1 = Sunday … 7 = Saturday
  dayOfYear: number; // 1-366
}

export const UTC: Zone = { offsetAt: () => 0 };
const cache = new Map<string, Zone>();
const OFFSET_RE = /^([+-])(\d{2})(?::?(\d{2}))?$/;

/** Parses a timezone string (40485 for an unknown identifier). */
export function parseZone(tz: string): Zone {
  const hit = cache.get(tz);
  if (hit) return hit;
  let zone: Zone;
  const m = OFFSET_RE.exec(tz);
  if (m) {
    const off = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? "0")) * 60_000;
    zone = { offsetAt: () => off };
  } else if (tz === "UTC" || tz === "GMT" || tz === "Z") zone = UTC;
  else {
    let fmt: Intl.DateTimeFormat;
    try {
      fmt = new Intl.DateTimeFormat("en-US", {
        timeZone: tz,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      throw new CommandError(Location.UnknownTimeZone, `unrecognized time zone identifier: "${tz}"`);
    }
    zone = {
      offsetAt(t) {
        const p: Record<string, number> = {};
        const base = Math.floor(t / 1000) * 1000;
        for (const part of fmt.formatToParts(new Date(base))) {
          if (part.type !== "literal") p[part.type] = Number(part.value);
        }
        const local = Date.UTC(
          p["year"] ?? 1970,
          (p["month"] ?? 1) - 1,
          p["day"] ?? 1,
          p["hour"] ?? 0,
          p["minute"] ?? 0,
          p["second"] ?? 0,
        );
        return local - base;
      },
    };
  }
  if (cache.size > 1000) cache.clear();
  cache.set(tz, zone);
  return zone;
}

/** Wall-clock fields of instant `t` in `zone`. */
export function localParts(t: number, zone: Zone): LocalParts {
  const d = new Date(t + zone.offsetAt(t));
  const year = d.getUTCFullYear();
  const start = Date.UTC(year, 0, 1);
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    dayOfWeek: d.getUTCDay() + 1,
    dayOfYear: Math.floor((d.getTime() - start) / 86_400_000) + 1,
  };
}

/** The instant whose wall-clock time in `zone` is `localMs` (wall clock encoded as UTC ms). */
export function fromLocal(localMs: number, zone: Zone): number {
  const guess = localMs - zone.offsetAt(localMs);
  return localMs - zone.offsetAt(guess);
}

/** ISO week-numbering year, week (1-53) and day (1 = Monday … 7 = Sunday). */
export function isoWeek(p: LocalParts): { year: number; week: number; day: number } {
  const day = ((p.dayOfWeek + 5) % 7) + 1;
  const thursday = Date.UTC(p.year, p.month - 1, p.day) + (4 - day) * 86_400_000;
  const ty = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(ty, 0, 1)) / (7 * 86_400_000)) + 1;
  return { year: ty, week, day };
}
