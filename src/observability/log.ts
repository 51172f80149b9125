/**
 * The server log: a small leveled logger (DEBUG < INFO < WARNING < ERROR) that writes one line per
 * event, `2026-11-25T14:00:00.123Z INFO  [component] message`, to stderr (queued, never blocking the
 * event loop: stderr_queue.ts) or an injected sink, and
 * keeps the last 1024 emitted lines in a ring buffer for `getLog`. Children (`logger.child("wire")`)
 * share the root's level, sink and ring buffer, so `setLevel` on any of them applies to all. Newlines
 * inside a message are escaped so an event is always one line.
 */

import { stderrLines } from "./stderr_queue.ts";

export const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"] as const;
export type LogLevel = typeof LEVELS[number];

/** Receives each emitted line (without a trailing newline). */
export type LogSink = (line: string, level: LogLevel) => void;

export interface Logger {
  /** The level in effect; events below it are dropped. */
  readonly level: LogLevel;
  /** The component this logger tags its lines with ("" for the root). */
  readonly component: string;
  log(level: LogLevel, message: string, detail?: unknown): void;
  debug(message: string, detail?: unknown): void;
  info(message: string, detail?: unknown): void;
  warning(message: string, detail?: unknown): void;
  /** Alias of `warning`. */
  warn(message: string, detail?: unknown): void;
  error(message: string, detail?: unknown): void;
  /** Whether an event at `level` would be emitted (to skip building costly messages). */
  enabled(level: LogLevel): boolean;
  /** A logger tagging lines `[component]` (nested children join with "."). */
  child(component: string): Logger;
  setLevel(level: LogLevel): void;
  /** The most recent emitted lines, oldest first (at most the ring capacity). */
  recent(): string[];
  /** Lines emitted since the logger was created (getLog's totalLinesWritten). */
  totalLines(): number;
}

export interface LoggerOptions {
  /** Where lines go; default: stderr. */
  readonly sink?: LogSink;
  /** Clock for timestamps; default: `new Date()`. */
  readonly now?: () => Date;
  /** Ring buffer size; default 1024. */
  readonly capacity?: number;
  /** Component of the root logger; default none. */
  readonly component?: string;
  /**
   * "text" (default): `2026-11-25T14:00:00.123Z INFO  [component] message: detail`; "json": one JSON
   * object per line in mongod's structured-log shape, `{"t":{"$date":…},"s":"I","c":"component",
   * "msg":"message","attr":{…}}` (journald, jq).
   */
  readonly format?: "text" | "json";
}

export const RING_CAPACITY = 1024;

const encoder = new TextEncoder();

/** A sink writing each line to stderr synchronously (blocks while a stalled reader holds the pipe full). */
export function stderrSink(line: string): void {
  const bytes = encoder.encode(line + "\n");
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}

/**
 * The default sink: stderr through the process-wide queue (stderr_queue.ts), so a slow or stalled log
 * reader never blocks the server; past the queue's bound lines are dropped and counted.
 */
export function queuedStderrSink(line: string): void {
  stderrLines().push(line);
}

/** `level` parsed case-insensitively, or undefined. */
export function parseLevel(text: string): LogLevel | undefined {
  const up = text.trim().toUpperCase();
  return (LEVELS as readonly string[]).includes(up) ? up as LogLevel : undefined;
}

function rank(level: LogLevel): number {
  return LEVELS.indexOf(level);
}

function renderDetail(detail: unknown): string {
  if (detail === undefined) return "";
  if (detail instanceof Error) return `: ${detail.stack ?? `${detail.name}: ${detail.message}`}`;
  if (typeof detail === "string") return `: ${detail}`;
  try {
    return `: ${JSON.stringify(detail)}`;
  } catch {
    return `: ${String(detail)}`;
  }
}

/** mongod's severity letters. */
const SEVERITY: Record<LogLevel, string> = { DEBUG: "D1", INFO: "I", WARNING: "W", ERROR: "E" };

function jsonAttr(detail: unknown): unknown {
  if (detail === undefined) return undefined;
  if (detail instanceof Error) return { error: `${detail.name}: ${detail.message}` };
  if (detail !== null && typeof detail === "object" && !Array.isArray(detail)) return detail;
  return { detail };
}

function jsonLine(time: Date, level: LogLevel, component: string, message: string, detail: unknown): string {
  const attr = jsonAttr(detail);
  const entry: Record<string, unknown> = {
    t: { $date: time.toISOString() },
    s: SEVERITY[level],
    c: component || "-",
    msg: message,
  };
  if (attr !== undefined) entry["attr"] = attr;
  try {
    return JSON.stringify(entry, (_k, v) => typeof v === "bigint" ? v.toString() : v);
  } catch {
    return JSON.stringify({ ...entry, attr: { detail: String(detail) } });
  }
}

function oneLine(text: string): string {
  return text.replace(/\r?\n/g, "\\n");
}

/** State shared by a root logger and all its children. */
class LogCore {
  level: LogLevel;
  readonly ring: string[] = [];
  next = 0;
  total = 0;
  constructor(
    level: LogLevel,
    readonly sink: LogSink,
    readonly now: () => Date,
    readonly capacity: number,
    readonly format: "text" | "json" = "text",
  ) {
    this.level = level;
  }

  emit(level: LogLevel, component: string, message: string, detail: unknown): void {
    if (rank(level) < rank(this.level)) return;
    const tag = component ? `[${component}] ` : "";
    const line = this.format === "json"
      ? jsonLine(this.now(), level, component, message, detail)
      : `${this.now().toISOString()} ${level.padEnd(5)} ${tag}${oneLine(message + renderDetail(detail))}`;
    if (this.capacity > 0) {
      if (this.ring.length < this.capacity) this.ring.push(line);
      else this.ring[this.next] = line;
      this.next = (this.next + 1) % this.capacity;
    }
    this.total++;
    try {
      this.sink(line, level);
    } catch {
      // A broken stderr must not take the server down; the line stays in the ring buffer.
    }
  }

  recent(): string[] {
    if (this.ring.length < this.capacity) return [...this.ring];
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}

class LeveledLogger implements Logger {
  constructor(readonly core: LogCore, readonly component: string) {}
  get level(): LogLevel {
    return this.core.level;
  }
  log(level: LogLevel, message: string, detail?: unknown): void {
    this.core.emit(level, this.component, message, detail);
  }
  debug(message: string, detail?: unknown): void {
    this.core.emit("DEBUG", this.component, message, detail);
  }
  info(message: string, detail?: unknown): void {
    this.core.emit("INFO", this.component, message, detail);
  }
  warning(message: string, detail?: unknown): void {
    this.core.emit("WARNING", this.component, message, detail);
  }
  warn(message: string, detail?: unknown): void {
    this.core.emit("WARNING", this.component, message, detail);
  }
  error(message: string, detail?: unknown): void {
    this.core.emit("ERROR", this.component, message, detail);
  }
  enabled(level: LogLevel): boolean {
    return rank(level) >= rank(this.core.level);
  }
  child(component: string): Logger {
    return new LeveledLogger(this.core, this.component ? `${this.component}.${component}` : component);
  }
  setLevel(level: LogLevel): void {
    this.core.level = level;
  }
  recent(): string[] {
    return this.core.recent();
  }
  totalLines(): number {
    return this.core.total;
  }
}

/** A root logger at `level` (default INFO). */
export function createLogger(level: LogLevel = "INFO", options: LoggerOptions = {}): Logger {
  const core = new LogCore(
    level,
    options.sink ?? queuedStderrSink,
    options.now ?? (() => new Date()),
    Math.max(0, Math.floor(options.capacity ?? RING_CAPACITY)),
    options.format ?? "text",
  );
  if (!options.sink && core.format === "json") {
    stderrLines().notice = (n) =>
      jsonLine(new Date(), "WARNING", "-", "log lines dropped: stderr did not keep up", { dropped: n });
  }
  return new LeveledLogger(core, options.component ?? "");
}
