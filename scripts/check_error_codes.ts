/**
 * Error-code check (ARCHITECTURE.md convention 4, "One error table, generated"): literal error numbers
 * live only in `src/errors/codes.ts` (GENERATED) and `src/errors/locations.ts` (mongod's numbered
 * assertion sites, by name); every other non-test module under src/ raises errors with an
 * `ErrorCodeName` (`"BadValue"`) or `Location.<Name>`, and every `{ok: 0, …}` reply is built by
 * `src/errors/to_reply.ts`.
 *
 * Findings in a source file (comments are ignored; string contents only where a rule says so):
 * - `new XxxError(<first argument containing a number literal>` — CommandError, RequestError or any
 *   other error class that takes a code (`new CommandError(15947, …)`, `cond ? 16880 : 28648`,
 *   `code + 3`). Index access (`pair[0]`) is not a literal code.
 * - `code: <number>` / `errorCode: <number>` property values (hand-built error replies, fail points).
 * - `ok: 0` outside src/errors/to_reply.ts (a hand-built error reply).
 * - a string literal `"Location<digits>"` (a hand-written location codeName).
 * - a number literal (or a string starting with one, `"28714 …"`) equal to a code in locations.ts or a
 *   codes.ts code ≥ 10000 — a location code passed through a helper (`int32Arg(v, 28725, …)`).
 *
 * And in the tables: a number under two names in locations.ts, or a locations.ts number that codes.ts
 * already names (use the codeName instead).
 *
 * PENDING lists files still being converted; their findings print as warnings. An entry with no
 * findings left is an error, so the list cannot outlive the literals it excuses.
 *
 * Usage: deno run -A scripts/check_error_codes.ts
 */
import { ErrorCode } from "../src/errors/codes.ts";
import { Location } from "../src/errors/locations.ts";

/**
 * TEMPORARY — files under src/commands/{crud,aggregate,ddl,handshake,admin,write}/ whose literals
 * are being replaced by their owners; emptied once those branches are merged.
 */
export const PENDING: string[] = [];

/**
 * Entries of locations.ts that codes.ts also names, kept until their users switch to the codeName
 * (`"IDLUnknownField"`, `"IDLFailedToParse"`): warnings, not failures.
 */
export const KNOWN_TABLE_OVERLAPS: string[] = [];

/** Files allowed to hold literal error numbers. */
const TABLES = ["src/errors/codes.ts", "src/errors/locations.ts"];
/** The one file allowed to build `{ok: 0, …}`. */
const REPLY_BUILDER = "src/errors/to_reply.ts";

export interface Finding {
  file: string;
  line: number;
  message: string;
}

/** Numbers that are error codes when they appear as literals: every location code, table codes ≥ 10000. */
export function knownCodes(
  locations: Readonly<Record<string, number>> = Location,
  codes: Readonly<Record<string, number>> = ErrorCode,
): Set<number> {
  const s = new Set<number>(Object.values(locations));
  for (const n of Object.values(codes)) if (n >= 10000) s.add(n);
  return s;
}

/** A lexed view of a source: `code` has comments and string/template text blanked; `strings` lists literals. */
interface Lexed {
  code: string;
  strings: { start: number; text: string }[];
}

/** Blanks comments and string/template contents (newlines and lengths kept); collects string literals. */
export function lex(src: string): Lexed {
  const out = src.split("");
  const strings: { start: number; text: string }[] = [];
  const blank = (a: number, b: number) => {
    for (let k = a; k < b; k++) if (out[k] !== "\n") out[k] = " ";
  };
  // "code" frames count braces so `}` can close a template `${…}`.
  const stack: { kind: "code" | "tmpl"; braces: number }[] = [{ kind: "code", braces: 0 }];
  let i = 0;
  while (i < src.length) {
    const top = stack[stack.length - 1]!;
    const c = src[i]!;
    if (top.kind === "tmpl") {
      const s = i;
      while (i < src.length && src[i] !== "`" && !(src[i] === "$" && src[i + 1] === "{")) {
        if (src[i] === "\\") i++;
        i++;
      }
      strings.push({ start: s, text: src.slice(s, i) });
      blank(s, i);
      if (src[i] === "`") {
        stack.pop();
        i++;
      } else {
        stack.push({ kind: "code", braces: 0 });
        i += 2;
      }
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      const s = i;
      while (i < src.length && src[i] !== "\n") i++;
      blank(s, i);
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const s = i;
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 2;
      blank(s, i);
      continue;
    }
    if (c === '"' || c === "'") {
      const s = ++i;
      while (i < src.length && src[i] !== c && src[i] !== "\n") {
        if (src[i] === "\\") i++;
        i++;
      }
      strings.push({ start: s, text: src.slice(s, i) });
      blank(s, i);
      i++;
      continue;
    }
    if (c === "`") {
      stack.push({ kind: "tmpl", braces: 0 });
      i++;
      continue;
    }
    if (c === "{") top.braces++;
    if (c === "}") {
      if (top.braces === 0 && stack.length > 1) {
        stack.pop();
        i++;
        continue;
      }
      top.braces--;
    }
    i++;
  }
  return { code: out.join(""), strings };
}

const NUMBER = /(?<![\w$.])(?:0[xX][0-9a-fA-F_]+|\d[\d_]*)(?![\w$])/g;

/** The first call argument starting at `from` (just after `(`): its end offset, at depth 0 `,` or `)`. */
function firstArgumentEnd(code: string, from: number): number {
  let depth = 0;
  for (let i = from; i < code.length; i++) {
    const c = code[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) return i;
      depth--;
    } else if (c === "," && depth === 0) return i;
  }
  return code.length;
}

/** Number literals in `code[a, b)` that are not inside an index access (`x[0]`). */
function literalsIn(code: string, a: number, b: number): { at: number; text: string }[] {
  const found: { at: number; text: string }[] = [];
  const part = code.slice(a, b);
  // Offsets inside `…[…]` where `[` follows an expression (index access), blanked.
  const masked = part.split("");
  const opens: { at: number; index: boolean }[] = [];
  for (let i = 0; i < part.length; i++) {
    if (part[i] === "[") {
      const before = part.slice(0, i).trimEnd();
      opens.push({ at: i, index: /[\w$)\]!]$/.test(before) });
    } else if (part[i] === "]") {
      const o = opens.pop();
      if (o?.index) { for (let k = o.at; k <= i; k++) masked[k] = " "; }
    }
  }
  for (const m of masked.join("").matchAll(NUMBER)) found.push({ at: a + m.index!, text: m[0] });
  return found;
}

/** Findings for one source file (path relative to the repository root). */
export function scanSource(file: string, src: string, codes: Set<number> = knownCodes()): Finding[] {
  const { code, strings } = lex(src);
  const found: { at: number; message: string }[] = [];
  const add = (at: number, message: string) => found.push({ at, message });
  const flagged = new Set<number>();

  for (const m of code.matchAll(/\bnew\s+([A-Z][\w$]*Error)\s*\(/g)) {
    const start = m.index! + m[0].length;
    if (/^\s*["'`]/.test(src.slice(start, start + 200))) continue; // a message, not a code
    for (const lit of literalsIn(code, start, firstArgumentEnd(code, start))) {
      flagged.add(lit.at);
      add(lit.at, `literal ${lit.text} in the code of new ${m[1]}(…): use a codeName or Location.<Name>`);
    }
  }
  for (const m of code.matchAll(/(?<![\w$.])((?:error)?[cC]ode)\s*:\s*(-?\s*\d[\d_]*)(?![\w$])/g)) {
    const at = m.index! + m[0].length - m[2]!.length;
    flagged.add(at);
    add(at, `${m[1]}: ${m[2]} — error codes are written only in src/errors/codes.ts and locations.ts`);
  }
  if (file !== REPLY_BUILDER) {
    for (const m of code.matchAll(/(?<![\w$.])ok\s*:\s*0(?![\w$.])/g)) {
      add(m.index!, "ok: 0 — build error replies with errorReply / errorToReply (src/errors/to_reply.ts)");
    }
  }
  for (const s of strings) {
    if (/^Location\d+$/.test(s.text)) {
      add(s.start, `"${s.text}" — use Location.<Name> (the codeName follows from the number)`);
    }
    const lead = /^(\d{4,})\b/.exec(s.text);
    if (lead && codes.has(Number(lead[1]))) {
      add(s.start, `string starting with error code ${lead[1]} — pass the code as Location.<Name>`);
    }
  }
  for (const m of code.matchAll(NUMBER)) {
    if (flagged.has(m.index!)) continue;
    const n = Number(m[0].replaceAll("_", ""));
    if (codes.has(n)) add(m.index!, `literal ${m[0]} is an error code — use a codeName or Location.<Name>`);
  }
  return found.sort((a, b) => a.at - b.at).map((f) => ({
    file,
    line: src.slice(0, f.at).split("\n").length,
    message: f.message,
  }));
}

/** Problems in the Location table: a number under two names, a number codes.ts names. */
export function checkLocationTable(
  locations: Readonly<Record<string, number>>,
  codes: Readonly<Record<string, number>>,
  overlapsAllowed: readonly string[] = [],
): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const byNumber = new Map<number, string>();
  for (const [name, n] of Object.entries(codes)) if (!byNumber.has(n)) byNumber.set(n, name);
  const seen = new Map<number, string>();
  for (const [name, n] of Object.entries(locations)) {
    const other = seen.get(n);
    if (other) errors.push(`locations.ts: ${n} is named both ${other} and ${name}; one number, one name`);
    else seen.set(n, name);
    const codeName = byNumber.get(n);
    if (codeName) {
      const msg = `locations.ts: ${name} = ${n} is ErrorCode.${codeName} in codes.ts; use "${codeName}"`;
      (overlapsAllowed.includes(name) ? warnings : errors).push(msg);
    }
  }
  for (const name of overlapsAllowed) {
    if (!(name in locations) || !byNumber.has(locations[name]!)) {
      errors.push(`KNOWN_TABLE_OVERLAPS: ${name} no longer overlaps codes.ts; remove it from the list`);
    }
  }
  return { errors, warnings };
}

function sourceFiles(root: string, dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(root + d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) files.push(p);
    }
  };
  walk(dir);
  return files.sort();
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url).pathname;
  const codes = knownCodes();
  const errors: string[] = [];
  const warnings: string[] = [];
  const pendingSeen = new Set<string>();
  for (const file of sourceFiles(root, "src")) {
    if (TABLES.includes(file)) continue;
    const findings = scanSource(file, Deno.readTextFileSync(root + file), codes);
    if (findings.length === 0) continue;
    const pending = PENDING.includes(file);
    if (pending) pendingSeen.add(file);
    for (const f of findings) (pending ? warnings : errors).push(`${f.file}:${f.line}: ${f.message}`);
  }
  for (const p of PENDING) {
    if (!pendingSeen.has(p)) errors.push(`PENDING: ${p} has no literal codes left; remove it from the list`);
  }
  const table = checkLocationTable(Location, ErrorCode, KNOWN_TABLE_OVERLAPS);
  errors.push(...table.errors);
  warnings.push(...table.warnings);
  if (warnings.length) {
    console.warn(`check_error_codes: ${warnings.length} warning(s) (PENDING files, known overlaps):`);
    for (const w of warnings) console.warn(`  warning: ${w}`);
  }
  if (errors.length) {
    for (const e of errors) console.error(`  ${e}`);
    console.error(`check_error_codes: ${errors.length} problem(s)`);
    Deno.exit(1);
  }
  console.log(`check_error_codes: ok (${PENDING.length} pending file(s))`);
}
