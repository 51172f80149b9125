/**
 * mongod's log verbosity settings (`logComponentVerbosity`, `logLevel`; mongosh's `db.setLogLevel()` and
 * `db.getLogComponents()`): the global verbosity and one per log component, in mongod 8.0's component
 * tree. The global verbosity is the logger's level — 0 INFO, 1 and up DEBUG (its change applies at once);
 * a component's own value (-1: inherit its parent's) is kept and reported as set, but this server's log
 * lines carry no component, so only the global verbosity filters them.
 */
import type { Document as Doc } from "../bson/document.ts";
import { CommandError } from "../errors/command_error.ts";
import type { Logger } from "./log.ts";

/** mongod 8.0's log components below the default one: name → children (logv2/log_component.h). */
const COMPONENTS: Readonly<Record<string, readonly string[]>> = {
  accessControl: [],
  command: [],
  control: [],
  executor: [],
  geo: [],
  index: [],
  network: ["asio", "bridge", "connectionPool"],
  processHealth: [],
  query: [],
  replication: ["election", "heartbeats", "initialSync", "rollback"],
  sharding: ["rangeDeleter", "shardingCatalogRefresh", "migration", "reshard", "migrationPerf"],
  storage: ["recovery", "journal"],
  write: [],
  ftdc: [],
  tracking: [],
  transaction: [],
  tenantMigration: [],
  test: [],
};

/** The highest verbosity mongod takes (debug level 5). */
const MAX_VERBOSITY = 5;

export class LogVerbosity {
  /** Set component verbosities by dotted name ("storage.journal"); absent = -1 (inherit). */
  readonly #components = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  /** The global verbosity: the logger's level (DEBUG = at least 1; INFO and quieter = 0). */
  get global(): number {
    return this.log.level === "DEBUG" ? Math.max(this.#debugVerbosity, 1) : 0;
  }

  /** The verbosity last set while at DEBUG (1 through 5 all log at DEBUG here). */
  #debugVerbosity = 1;

  /** Sets the global verbosity (`logLevel`, `{verbosity: n}`): 0 INFO, 1 and up DEBUG. */
  setGlobal(n: number): void {
    if (!Number.isInteger(n) || n < 0) {
      throw new CommandError("BadValue", `Invalid value for parameter logLevel: ${n}`);
    }
    this.#debugVerbosity = Math.max(1, Math.min(n, MAX_VERBOSITY));
    this.log.setLevel(n >= 1 ? "DEBUG" : "INFO");
  }

  /** getParameter's `logComponentVerbosity`: the whole tree, unset components -1. */
  toDocument(): Doc {
    const out: Doc = { verbosity: this.global };
    for (const [name, children] of Object.entries(COMPONENTS)) {
      const d: Doc = { verbosity: this.#components.get(name) ?? -1 };
      for (const c of children) d[c] = { verbosity: this.#components.get(`${name}.${c}`) ?? -1 };
      out[name] = d;
    }
    return out;
  }

  /**
   * setParameter's `logComponentVerbosity`: `{verbosity, <component>: n | {verbosity, <child>: …}}`, merged
   * into the current settings; a negative verbosity clears a setting (the global one back to 0, a component's
   * to its parent's). Checked whole before anything changes: an unknown component is 2 BadValue, a verbosity
   * that is not an integer 14 TypeMismatch.
   */
  set(value: unknown): void {
    for (const [path, n] of verbosityChanges(value)) {
      if (path === "") this.setGlobal(Math.max(0, n)); // (-1 clears it: the default, 0, as mongod)
      else if (n < 0) this.#components.delete(path);
      else this.#components.set(path, Math.min(n, MAX_VERBOSITY));
    }
  }
}

/**
 * The (dotted component path, verbosity) pairs a `logComponentVerbosity` value sets ("" = the global one);
 * CommandError for a value that is not a document, an unknown component or a verbosity that is not an integer.
 */
export function verbosityChanges(value: unknown): [string, number][] {
  if (!isDoc(value)) throw new CommandError("TypeMismatch", "logComponentVerbosity must be an object");
  const changes: [string, number][] = [];
  collect(value, "", changes);
  return changes;
}

function isDoc(v: unknown): v is Doc {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v as { _bsontype?: string })._bsontype;
}

function verbosityOf(v: unknown, path: string): number {
  const bsonType = (v as { _bsontype?: string } | null)?._bsontype;
  const n = typeof v === "number"
    ? v
    : typeof v === "bigint" || bsonType === "Int32" || bsonType === "Double" || bsonType === "Long"
    ? Number(v)
    : NaN;
  if (!Number.isInteger(n)) {
    throw new CommandError(
      "TypeMismatch",
      `Invalid verbosity for ${path === "" ? "logComponentVerbosity" : path}: must be an integer`,
    );
  }
  return n;
}

/** The (dotted path, verbosity) pairs of a logComponentVerbosity document under `prefix`. */
function collect(d: Doc, prefix: string, out: [string, number][]): void {
  for (const [k, v] of Object.entries(d)) {
    if (k === "verbosity") {
      out.push([prefix, verbosityOf(v, prefix)]);
      continue;
    }
    const path = prefix === "" ? k : `${prefix}.${k}`;
    const known = prefix === ""
      ? Object.hasOwn(COMPONENTS, k)
      : Object.hasOwn(COMPONENTS, prefix) && COMPONENTS[prefix]!.includes(k);
    if (!known) {
      throw new CommandError("BadValue", `Invalid component name logComponentVerbosity.${path}`);
    }
    if (isDoc(v)) collect(v, path, out);
    else out.push([path, verbosityOf(v, path)]);
  }
}
