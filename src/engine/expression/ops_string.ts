/**
 * ops_string.ts — string operators: `$concat $substr $substrBytes $substrCP $toLower $toUpper
 * $strLenCP $strLenBytes $split $trim $ltrim $rtrim $indexOfCP $indexOfBytes $strcasecmp
 * $regexMatch $regexFind $regexFindAll $replaceOne $replaceAll`. Byte operators count UTF-8 bytes;
 * CP operators count code points.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { type CompiledRegex, compileRegex } from "../query/regex.ts";
import { compileExpression, fixedArgs, isNullish, isObj, rangeArgs, variadicArgs } from "./compile.ts";
import { coerceToString, typeName } from "./coerce.ts";
import { numKind, toDouble } from "./numeric.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function codePoints(s: string): string[] {
  return Array.from(s);
}

function substrBytes(op: string, s: string, start: number, len: number): string {
  const bytes = enc.encode(s);
  if (start < 0 || start > bytes.length) return "";
  const end = len < 0 ? bytes.length : Math.min(bytes.length, start + len);
  const cont = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;
  if (cont(bytes[start])) {
    throw new CommandError(
      Location.SubstrStartInContinuationByte,
      `${op}:  Invalid range, starting index is a UTF-8 continuation byte.`,
    );
  }
  if (end < bytes.length && cont(bytes[end])) {
    throw new CommandError(
      Location.SubstrEndInsideCharacter,
      `${op}:  Invalid range, ending index is in the middle of a UTF-8 character.`,
    );
  }
  return dec.decode(bytes.subarray(start, end));
}

function compileSubstrBytes(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const [s, a, b] = fixedArgs(op, arg, 3, ctx) as [Evaluator, Evaluator, Evaluator];
  return (cur, vars) => {
    const str = coerceToString(s(cur, vars), op);
    const start = a(cur, vars);
    const len = b(cur, vars);
    if (!numKind(start)) {
      throw new CommandError(
        Location.SubstrStartNotNumeric,
        `${op}:  starting index must be a numeric type (is BSON type ${typeName(start)})`,
      );
    }
    if (!numKind(len)) {
      throw new CommandError(
        Location.SubstrLengthNotNumeric,
        `${op}:  length must be a numeric type (is BSON type ${typeName(len)})`,
      );
    }
    return substrBytes(op, str, Math.trunc(toDouble(start)), Math.trunc(toDouble(len)));
  };
}

function compileSubstrCP(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const [s, a, b] = fixedArgs(op, arg, 3, ctx) as [Evaluator, Evaluator, Evaluator];
  return (cur, vars) => {
    const str = coerceToString(s(cur, vars), op);
    const start = a(cur, vars);
    const len = b(cur, vars);
    if (!numKind(start)) {
      throw new CommandError(
        Location.SubstrCPStartNotNumeric,
        `${op}: starting index must be a numeric type (is BSON type ${typeName(start)})`,
      );
    }
    if (!Number.isInteger(toDouble(start))) {
      throw new CommandError(
        Location.SubstrCPStartNotInt32,
        `${op}: starting index cannot be represented as a 32-bit integral value: ${toDouble(start)}`,
      );
    }
    if (!numKind(len)) {
      throw new CommandError(
        Location.SubstrCPLengthNotNumeric,
        `${op}: length must be a numeric type (is BSON type ${typeName(len)})`,
      );
    }
    if (!Number.isInteger(toDouble(len))) {
      throw new CommandError(
        Location.SubstrCPLengthNotInt32,
        `${op}: length cannot be represented as a 32-bit integral value: ${toDouble(len)}`,
      );
    }
    if (toDouble(start) < 0) {
      throw new CommandError(
        Location.SubstrCPStartNegative,
        `${op}: the starting index must be nonnegative integer.`,
      );
    }
    if (toDouble(len) < 0) {
      throw new CommandError(Location.SubstrCPLengthNegative, `${op}: length must be a nonnegative integer.`);
    }
    const cps = codePoints(str);
    return cps.slice(toDouble(start), toDouble(start) + toDouble(len)).join("");
  };
}

function caseOp(fn: (s: string) => string) {
  return (arg: unknown, ctx: ExprContext, op: string): Evaluator => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => fn(coerceToString(a(cur, vars), op));
  };
}

const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
const asciiUpper = (s: string) => s.replace(/[a-z]+/g, (m) => m.toUpperCase());

function strLen(bytes: boolean) {
  return (arg: unknown, ctx: ExprContext, op: string): Evaluator => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => {
      const v = a(cur, vars);
      if (typeof v !== "string") {
        throw new CommandError(
          bytes ? Location.StrLenBytesNotString : Location.StrLenCPNotString,
          `${op} requires a string argument, found: ${typeName(v)}`,
        );
      }
      return bytes ? enc.encode(v).length : codePoints(v).length;
    };
  };
}

const WHITESPACE = new Set([
  "\0",
  " ",
  "\t",
  "\n",
  "\v",
  "\f",
  "\r",
  "\u00a0",
  "\u1680",
  "\u2000",
  "\u2001",
  "\u2002",
  "\u2003",
  "\u2004",
  "\u2005",
  "\u2006",
  "\u2007",
  "\u2008",
  "\u2009",
  "\u200a",
  "\u2028",
  "\u2029",
  "\u202f",
  "\u205f",
  "\u3000",
]);

function compileTrim(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  if (!isObj(arg)) {
    throw new CommandError(
      Location.TrimSpecNotObject,
      `${op} only supports an object as an argument, found: ${typeName(arg)}`,
    );
  }
  let input: Evaluator | undefined;
  let chars: Evaluator | undefined;
  for (const [k, v] of Object.entries(arg)) {
    if (k === "input") input = compileExpression(v, ctx);
    else if (k === "chars") chars = compileExpression(v, ctx);
    else throw new CommandError(Location.TrimUnknownArgument, `${op} found an unknown argument: ${k}`);
  }
  if (!input) throw new CommandError(Location.TrimMissingInput, `${op} requires an 'input' parameter`);
  const inp = input;
  const left = op !== "$rtrim";
  const right = op !== "$ltrim";
  return (cur, vars) => {
    const s = inp(cur, vars);
    if (isNullish(s)) return null;
    if (typeof s !== "string") {
      throw new CommandError(
        Location.TrimInputNotString,
        `${op} requires its input to be a string, got ${String(s)} (of type ${typeName(s)}) instead.`,
      );
    }
    let set = WHITESPACE;
    if (chars) {
      const c = chars(cur, vars);
      if (isNullish(c)) return null;
      if (typeof c !== "string") {
        throw new CommandError(
          Location.TrimCharsNotString,
          `${op} requires 'chars' to be a string, got ${String(c)} (of type ${typeName(c)}) instead.`,
        );
      }
      set = new Set(codePoints(c));
    }
    const cps = codePoints(s);
    let i = 0;
    let j = cps.length;
    if (left) { while (i < j && set.has(cps[i] as string)) i++; }
    if (right) { while (j > i && set.has(cps[j - 1] as string)) j--; }
    return cps.slice(i, j).join("");
  };
}

function compileIndexOf(bytes: boolean) {
  return (arg: unknown, ctx: ExprContext, op: string): Evaluator => {
    const args = rangeArgs(op, arg, 2, 4, ctx);
    return (cur, vars) => {
      const s = (args[0] as Evaluator)(cur, vars);
      if (isNullish(s)) return null;
      if (typeof s !== "string") {
        throw new CommandError(
          Location.IndexOfStrInputNotString,
          `${op} requires a string as the first argument, found: ${typeName(s)}`,
        );
      }
      const sub = (args[1] as Evaluator)(cur, vars);
      if (typeof sub !== "string") {
        throw new CommandError(
          Location.IndexOfStrSubstringNotString,
          `${op} requires a string as the second argument, found: ${typeName(sub)}`,
        );
      }
      const units: string[] | Uint8Array = bytes ? enc.encode(s) : codePoints(s);
      const subUnits: string[] | Uint8Array = bytes ? enc.encode(sub) : codePoints(sub);
      const bound = (i: number, def: number) => {
        const e = args[i];
        if (!e) return def;
        const v = e(cur, vars);
        if (!numKind(v) || !Number.isInteger(toDouble(v))) {
          throw new CommandError(
            Location.IndexOfIndexNotIntegral,
            `${op} requires an integral ${i === 2 ? "starting" : "ending"} index, found a value of type: ${
              typeName(v)
            }, with value: ${String(v)}`,
          );
        }
        if (toDouble(v) < 0) {
          throw new CommandError(
            Location.IndexOfIndexNegative,
            `${op} requires a nonnegative ${i === 2 ? "start" : "ending"} index, found: ${toDouble(v)}`,
          );
        }
        return toDouble(v);
      };
      const start = bound(2, 0);
      const end = Math.min(bound(3, units.length), units.length);
      for (let i = start; i + subUnits.length <= end; i++) {
        let ok = true;
        for (let j = 0; j < subUnits.length; j++) {
          if (units[i + j] !== subUnits[j]) {
            ok = false;
            break;
          }
        }
        if (ok) return i;
      }
      return -1;
    };
  };
}

interface RegexArgs {
  input: Evaluator;
  regex: Evaluator;
  options: Evaluator | undefined;
}

function parseRegexArgs(arg: unknown, ctx: ExprContext, op: string): RegexArgs {
  if (!isObj(arg)) {
    throw new CommandError(
      Location.RegexOpSpecNotObject,
      `${op} expects an object of named arguments but found: ${typeName(arg)}`,
    );
  }
  let input: Evaluator | undefined;
  let regex: Evaluator | undefined;
  let options: Evaluator | undefined;
  for (const [k, v] of Object.entries(arg)) {
    if (k === "input") input = compileExpression(v, ctx);
    else if (k === "regex") regex = compileExpression(v, ctx);
    else if (k === "options") options = compileExpression(v, ctx);
    else throw new CommandError(Location.RegexOpUnknownArgument, `${op} found an unknown argument: ${k}`);
  }
  if (!input) throw new CommandError(Location.RegexOpMissingInput, `${op} requires 'input' parameter`);
  if (!regex) throw new CommandError(Location.RegexOpMissingRegex, `${op} requires 'regex' parameter`);
  return { input, regex, options };
}

function runRegex(
  a: RegexArgs,
  op: string,
  cur: unknown,
  vars: Parameters<Evaluator>[1],
): { s: string; re: CompiledRegex } | null {
  const input = a.input(cur, vars);
  const rx = a.regex(cur, vars);
  const opt = a.options ? a.options(cur, vars) : undefined;
  let pattern: string;
  let flags = "";
  if (typeof rx === "string") pattern = rx;
  else if (rx instanceof RegExp) {
    pattern = rx.source;
    flags = rx.flags;
  } else if (isNullish(rx)) return null;
  else if ((rx as { _bsontype?: string })._bsontype === "BSONRegExp") {
    pattern = (rx as { pattern: string }).pattern;
    flags = (rx as { options: string }).options;
  } else {throw new CommandError(
      Location.RegexOpRegexBadType,
      `${op} needs 'regex' to be of type string or regex`,
    );}
  if (opt !== undefined && opt !== null) {
    if (typeof opt !== "string") {
      throw new CommandError(Location.RegexOpOptionsNotString, `${op} needs 'options' to be of type string`);
    }
    if (flags && opt) {
      throw new CommandError(
        Location.RegexOpOptionsInBoth,
        `${op} found regex option(s) specified in both 'regex' and 'option' fields`,
      );
    }
    flags = opt;
  }
  if (isNullish(input)) return null;
  if (typeof input !== "string") {
    throw new CommandError(Location.RegexOpInputNotString, `${op} needs 'input' to be of type string`);
  }
  return { s: input, re: compileRegex(pattern, flags) };
}

function matchDoc(m: RegExpExecArray, s: string): Record<string, unknown> {
  const idx = codePoints(s.slice(0, m.index)).length;
  return { match: m[0], idx, captures: m.slice(1).map((c) => (c === undefined ? null : c)) };
}

function compileRegexOp(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const a = parseRegexArgs(arg, ctx, op);
  return (cur, vars) => {
    const r = runRegex(a, op, cur, vars);
    if (op === "$regexMatch") return r ? r.re.test(r.s) : false;
    if (op === "$regexFind") {
      if (!r) return null;
      const m = r.re.exec(r.s);
      return m ? matchDoc(m, r.s) : null;
    }
    if (!r) return [];
    const out: unknown[] = [];
    for (const m of r.re.matchAll(r.s)) out.push(matchDoc(m as RegExpExecArray, r.s));
    return out;
  };
}

/** The code for a non-string input / find / replacement of $replaceOne / $replaceAll, by argument. */
const REPLACE_ARG_NOT_STRING = [
  Location.ReplaceOpInputNotString,
  Location.ReplaceOpFindNotString,
  Location.ReplaceOpReplacementNotString,
] as const;

function compileReplace(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  if (!isObj(arg)) {
    throw new CommandError(
      Location.ReplaceOpSpecNotObject,
      `${op} requires an object as an argument, found: ${typeName(arg)}`,
    );
  }
  const parts: Record<string, Evaluator> = {};
  for (const [k, v] of Object.entries(arg)) {
    if (k !== "input" && k !== "find" && k !== "replacement") {
      throw new CommandError(Location.ReplaceOpUnknownArgument, `${op} found an unknown argument: ${k}`);
    }
    parts[k] = compileExpression(v, ctx);
  }
  for (const k of ["input", "find", "replacement"]) {
    if (!parts[k]) {
      throw new CommandError(Location.ReplaceOpMissingArgument, `${op} requires '${k}' to be specified`);
    }
  }
  return (cur, vars) => {
    const vals = ["input", "find", "replacement"].map((k) => (parts[k] as Evaluator)(cur, vars));
    for (let i = 0; i < 3; i++) {
      const v = vals[i];
      if (!isNullish(v) && typeof v !== "string") {
        throw new CommandError(
          REPLACE_ARG_NOT_STRING[i]!,
          `${op} requires that '${["input", "find", "replacement"][i]}' be a string, found: ${String(v)}`,
        );
      }
    }
    if (vals.some(isNullish)) return null;
    const [s, f, r] = vals as [string, string, string];
    return op === "$replaceOne" ? s.replace(f, () => r) : s.split(f).join(r);
  };
}

registerOperators({
  $concat: (arg, ctx) => {
    const args = variadicArgs(arg, ctx);
    return (cur, vars) => {
      let out = "";
      for (const e of args) {
        const v = e(cur, vars);
        if (isNullish(v)) return null;
        if (typeof v !== "string") {
          throw new CommandError(
            Location.ConcatNotString,
            `$concat only supports strings, not ${typeName(v)}`,
          );
        }
        out += v;
      }
      return out;
    };
  },
  $substr: compileSubstrBytes,
  $substrBytes: compileSubstrBytes,
  $substrCP: compileSubstrCP,
  $toLower: caseOp(asciiLower),
  $toUpper: caseOp(asciiUpper),
  $strLenCP: strLen(false),
  $strLenBytes: strLen(true),
  $split: (arg, ctx, op) => {
    const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
    return (cur, vars) => {
      const s = a(cur, vars);
      const d = b(cur, vars);
      if (isNullish(s) || isNullish(d)) return null; // (either one: mongod's nullish check comes first)
      if (typeof s !== "string") {
        throw new CommandError(
          Location.SplitInputNotString,
          `$split requires an expression that evaluates to a string as a first argument, found: ${
            typeName(s)
          }`,
        );
      }
      if (typeof d !== "string") {
        throw new CommandError(
          Location.SplitSeparatorNotString,
          `$split requires an expression that evaluates to a string as a second argument, found: ${
            typeName(d)
          }`,
        );
      }
      if (d === "") {
        throw new CommandError(Location.SplitEmptySeparator, "$split requires a non-empty separator");
      }
      return s.split(d);
    };
  },
  $trim: compileTrim,
  $ltrim: compileTrim,
  $rtrim: compileTrim,
  $indexOfCP: compileIndexOf(false),
  $indexOfBytes: compileIndexOf(true),
  $strcasecmp: (arg, ctx, op) => {
    const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
    return (cur, vars) => {
      const x = asciiUpper(coerceToString(a(cur, vars), op));
      const y = asciiUpper(coerceToString(b(cur, vars), op));
      return x < y ? -1 : x > y ? 1 : 0;
    };
  },
  $regexMatch: compileRegexOp,
  $regexFind: compileRegexOp,
  $regexFindAll: compileRegexOp,
  $replaceOne: compileReplace,
  $replaceAll: compileReplace,
});
