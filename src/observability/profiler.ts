/**
 * Profiler settings (mongod's `profile` command): a level per database (0 off, 1 slow operations,
 * 2 all), and the server-wide `slowms` and `sampleRate` (mongod shares them across databases), plus a
 * per-database `filter` (a query on the profile entry, kept as given with its predicate, which the command
 * layer compiles).
 * Also decides, from an operation's duration, whether it is profiled and whether it is logged as slow.
 */
import type { Document as Doc } from "../bson/document.ts";

export type ProfileLevel = 0 | 1 | 2;

export interface ProfileSettings {
  readonly level: ProfileLevel;
  readonly slowms: number;
  readonly sampleRate: number;
  readonly filter: Doc | undefined;
}

/** A profile filter: the query as given, and its predicate over a profile entry (compiled by `profile`). */
export interface ProfileFilter {
  readonly doc: Doc;
  readonly matches: (entry: Doc) => boolean;
}

export interface ProfileChange {
  readonly level?: ProfileLevel;
  readonly slowms?: number;
  readonly sampleRate?: number;
  /** A filter, or "unset" to remove it. */
  readonly filter?: ProfileFilter | "unset";
}

export class Profiler {
  #slowms: number;
  #sampleRate = 1;
  readonly #levels = new Map<string, ProfileLevel>();
  readonly #filters = new Map<string, ProfileFilter>();
  readonly #random: () => number;

  constructor(opts: { slowms?: number; random?: () => number } = {}) {
    this.#slowms = opts.slowms ?? 100;
    this.#random = opts.random ?? Math.random;
  }

  get slowms(): number {
    return this.#slowms;
  }

  settings(db: string): ProfileSettings {
    return {
      level: this.#levels.get(db) ?? 0,
      slowms: this.#slowms,
      sampleRate: this.#sampleRate,
      filter: this.#filters.get(db)?.doc,
    };
  }

  /** Applies a change; returns the settings before it (the `profile` command's reply). */
  set(db: string, change: ProfileChange): ProfileSettings {
    const before = this.settings(db);
    if (change.level !== undefined) {
      if (change.level === 0) this.#levels.delete(db);
      else this.#levels.set(db, change.level);
    }
    if (change.slowms !== undefined) this.#slowms = change.slowms;
    if (change.sampleRate !== undefined) this.#sampleRate = change.sampleRate;
    if (change.filter === "unset") this.#filters.delete(db);
    else if (change.filter !== undefined) this.#filters.set(db, change.filter);
    return before;
  }

  /** True when some database profiles (a cheap check before building an entry). */
  get active(): boolean {
    return this.#levels.size > 0;
  }

  /** True when `db` profiles at all (level 1 or 2): what an entry needs is then kept. */
  profiles(db: string): boolean {
    return this.#levels.size > 0 && this.#levels.has(db);
  }

  /**
   * Whether an operation of `millis` on `db` goes to `<db>.system.profile`: level 2 always; level 1
   * when its profile entry (built by `entry` only then) passes the filter, if any, or, without a filter,
   * when it ran at least slowms and the sample draw admits it.
   */
  shouldProfile(db: string, millis: number, entry: () => Doc): boolean {
    const level = this.#levels.get(db) ?? 0;
    if (level === 0) return false;
    if (level === 2) return true;
    const filter = this.#filters.get(db);
    if (filter !== undefined) return filter.matches(entry());
    return this.isSlow(millis);
  }

  /** Whether an operation of `millis` counts as slow (and is sampled in). */
  isSlow(millis: number): boolean {
    return millis >= this.#slowms && (this.#sampleRate >= 1 || this.#random() < this.#sampleRate);
  }
}
