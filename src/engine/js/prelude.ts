/**
 * prelude.ts — the source evaluated inside every sandbox context before any user code: the mongo
 * shell-like helpers mongod's server-side JavaScript offers (`ObjectId`, `NumberLong`, `NumberInt`,
 * `NumberDecimal`, `ISODate`, `BinData`, `UUID`, `Timestamp`, `MinKey`, `MaxKey`, `tojson`, `sleep`,
 * `print`, `Array.sum/avg/contains/unique`, `isObject`, `hex_md5` is not offered), the decoder of the
 * tagged wire values (codec.ts) into those objects and back, user-function compilation with mongod's
 * "function or expression" rules, and the one dispatch entry point the worker calls.
 *
 * Everything here runs in the sandbox realm: only ECMAScript builtins exist there (no Deno, no
 * require, no process, no fetch, no dynamic import), and only strings cross the boundary in either
 * direction, so no object of the worker's realm (whose Function could reach its globals) is ever
 * reachable from user code. Plain JavaScript (not TypeScript): it is a string.
 */
export const PRELUDE_SOURCE = String.raw`
(function () {
  "use strict";
  const TAG = "\u0000";
  const G = globalThis;
  const hide = (name, value) =>
    Object.defineProperty(G, name, { value, writable: true, configurable: true, enumerable: false });

  function ObjectId(hex) {
    if (!(this instanceof ObjectId)) return new ObjectId(hex);
    if (hex === undefined) {
      let s = Math.floor(Date.now() / 1000).toString(16).padStart(8, "0");
      for (let i = 0; i < 16; i++) s += Math.floor(Math.random() * 16).toString(16);
      hex = s;
    }
    if (typeof hex !== "string" || !/^[0-9a-fA-F]{24}$/.test(hex)) throw new Error("invalid object id: length");
    this.str = hex.toLowerCase();
  }
  ObjectId.prototype.toString = function () { return 'ObjectId("' + this.str + '")'; };
  ObjectId.prototype.tojson = ObjectId.prototype.toString;
  ObjectId.prototype.toJSON = function () { return { $oid: this.str }; };
  ObjectId.prototype.valueOf = function () { return this.str; };
  ObjectId.prototype.equals = function (o) { return o instanceof ObjectId && o.str === this.str; };
  ObjectId.prototype.getTimestamp = function () { return new Date(parseInt(this.str.slice(0, 8), 16) * 1000); };

  function NumberLong(v) {
    if (!(this instanceof NumberLong)) return new NumberLong(v);
    const s = v === undefined ? "0" : typeof v === "number" ? String(Math.trunc(v)) : String(v);
    if (!/^-?\d+$/.test(s)) throw new Error("could not convert \"" + s + "\" to NumberLong");
    const b = BigInt(s);
    if (b > 9223372036854775807n || b < -9223372036854775808n) throw new Error("NumberLong out of range: " + s);
    this.big = b;
  }
  NumberLong.prototype.valueOf = function () { return Number(this.big); };
  NumberLong.prototype.toNumber = NumberLong.prototype.valueOf;
  NumberLong.prototype.toString = function () { return 'NumberLong("' + this.big + '")'; };
  NumberLong.prototype.tojson = NumberLong.prototype.toString;
  NumberLong.prototype.toJSON = function () { return { $numberLong: String(this.big) }; };
  NumberLong.prototype.equals = function (o) { return o instanceof NumberLong && o.big === this.big; };
  Object.defineProperty(NumberLong.prototype, "floatApprox", { get() { return Number(this.big); } });

  function NumberInt(v) {
    if (!(this instanceof NumberInt)) return new NumberInt(v);
    this.n = (Number(v === undefined ? 0 : v) | 0);
  }
  NumberInt.prototype.valueOf = function () { return this.n; };
  NumberInt.prototype.toNumber = NumberInt.prototype.valueOf;
  NumberInt.prototype.toString = function () { return "NumberInt(" + this.n + ")"; };
  NumberInt.prototype.tojson = NumberInt.prototype.toString;
  NumberInt.prototype.toJSON = function () { return this.n; };

  function NumberDecimal(v) {
    if (!(this instanceof NumberDecimal)) return new NumberDecimal(v);
    this.s = v === undefined ? "0" : String(v);
  }
  NumberDecimal.prototype.valueOf = function () { return Number(this.s); };
  NumberDecimal.prototype.toString = function () { return 'NumberDecimal("' + this.s + '")'; };
  NumberDecimal.prototype.tojson = NumberDecimal.prototype.toString;
  NumberDecimal.prototype.toJSON = function () { return { $numberDecimal: this.s }; };

  function BinData(subtype, base64) {
    if (!(this instanceof BinData)) return new BinData(subtype, base64);
    this.type = subtype | 0;
    this.b64 = String(base64);
  }
  BinData.prototype.base64 = function () { return this.b64; };
  BinData.prototype.subtype = function () { return this.type; };
  BinData.prototype.length = function () { return atobLength(this.b64); };
  BinData.prototype.toString = function () { return "BinData(" + this.type + ',"' + this.b64 + '")'; };
  BinData.prototype.tojson = BinData.prototype.toString;
  BinData.prototype.hex = function () { return base64ToHex(this.b64); };
  function atobLength(b64) {
    const pad = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
    return (b64.length / 4) * 3 - pad;
  }
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function base64ToHex(b64) {
    let bits = 0, acc = 0, out = "";
    for (const ch of b64) {
      if (ch === "=") break;
      acc = (acc << 6) | B64.indexOf(ch);
      bits += 6;
      if (bits >= 8) { bits -= 8; out += ((acc >> bits) & 0xff).toString(16).padStart(2, "0"); }
    }
    return out;
  }
  function hexToBase64(hex) {
    let out = "", bits = 0, acc = 0;
    for (let i = 0; i < hex.length; i += 2) {
      acc = (acc << 8) | parseInt(hex.slice(i, i + 2), 16);
      bits += 8;
      while (bits >= 6) { bits -= 6; out += B64[(acc >> bits) & 63]; }
      acc &= (1 << bits) - 1;
    }
    if (bits > 0) out += B64[(acc << (6 - bits)) & 63];
    while (out.length % 4) out += "=";
    return out;
  }
  function UUID(hex) {
    const h = hex === undefined
      ? Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join("")
      : String(hex).replace(/-/g, "");
    if (!/^[0-9a-fA-F]{32}$/.test(h)) throw new Error("UUID string must have 32 hex digits");
    return new BinData(4, hexToBase64(h));
  }
  function HexData(subtype, hex) { return new BinData(subtype, hexToBase64(String(hex))); }

  function Timestamp(t, i) {
    if (!(this instanceof Timestamp)) return new Timestamp(t, i);
    this.t = t === undefined ? 0 : t >>> 0;
    this.i = i === undefined ? 0 : i >>> 0;
  }
  Timestamp.prototype.toString = function () { return "Timestamp(" + this.t + ", " + this.i + ")"; };
  Timestamp.prototype.tojson = Timestamp.prototype.toString;
  Timestamp.prototype.getTime = function () { return this.t; };
  Timestamp.prototype.getInc = function () { return this.i; };

  function MinKey() { if (!(this instanceof MinKey)) return MINKEY; }
  MinKey.prototype.tojson = function () { return "{ \"$minKey\" : 1 }"; };
  function MaxKey() { if (!(this instanceof MaxKey)) return MAXKEY; }
  MaxKey.prototype.tojson = function () { return "{ \"$maxKey\" : 1 }"; };
  const MINKEY = new MinKey();
  const MAXKEY = new MaxKey();

  function ISODate(s) {
    if (s === undefined) return new Date();
    const d = new Date(s);
    if (isNaN(d.getTime())) throw new Error("invalid ISO date: " + s);
    return d;
  }

  function tojson(x, indent, nolint) {
    return toJsonInner(x, indent === undefined ? "" : indent, !!nolint, 0);
  }
  function toJsonInner(x, indent, nolint, depth) {
    if (depth > 100) return "...";
    if (x === null) return "null";
    if (x === undefined) return "undefined";
    switch (typeof x) {
      case "string": return JSON.stringify(x);
      case "number": case "boolean": return String(x);
      case "bigint": return 'NumberLong("' + x + '")';
      case "function": return x.toString();
    }
    if (x instanceof Date) return isNaN(x.getTime()) ? "ISODate(\"Invalid Date\")" : 'ISODate("' + x.toISOString() + '")';
    if (x instanceof RegExp) return String(x);
    if (typeof x.tojson === "function" && x.tojson !== tojson) return x.tojson();
    const sep = nolint ? " " : "\n";
    const inner = nolint ? "" : indent + "\t";
    if (Array.isArray(x)) {
      if (x.length === 0) return "[ ]";
      return "[" + sep + x.map((v) => inner + toJsonInner(v, inner, nolint, depth + 1)).join("," + sep) + sep + (nolint ? "" : indent) + "]";
    }
    const keys = Object.keys(x);
    if (keys.length === 0) return "{ }";
    return "{" + sep + keys.map((k) => inner + JSON.stringify(k) + " : " + toJsonInner(x[k], inner, nolint, depth + 1)).join("," + sep) + sep + (nolint ? "" : indent) + "}";
  }
  function tojsononeline(x) { return tojson(x, " ", true); }

  const sleepCell = new Int32Array(new SharedArrayBuffer(4));
  function sleep(ms) {
    const n = Number(ms);
    if (n > 0) Atomics.wait(sleepCell, 0, 0, n);
    return null;
  }
  function print() {}
  function isObject(x) { return typeof x === "object" && x !== null; }
  function isString(x) { return typeof x === "string"; }
  function isNumber(x) { return typeof x === "number"; }
  function friendlyEqual(a, b) { return tojson(a, "", true) === tojson(b, "", true); }

  const arrayHelpers = {
    sum(arr) { let s = 0; for (const v of arr) s += Number(v); return s; },
    avg(arr) { return arr.length === 0 ? null : arrayHelpers.sum(arr) / arr.length; },
    contains(arr, x) { for (const v of arr) if (v == x) return true; return false; },
    unique(arr) { const out = []; for (const v of arr) if (!arrayHelpers.contains(out, v)) out.push(v); return out; },
    stdDev(arr) { const m = arrayHelpers.avg(arr); let s = 0; for (const v of arr) s += (v - m) * (v - m); return Math.sqrt(s / arr.length); },
  };
  for (const [k, f] of Object.entries(arrayHelpers)) Object.defineProperty(Array, k, { value: f, writable: true, configurable: true });

  // ---- tagged wire values (codec.ts) <-> sandbox values ----
  function decode(v) {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(decode);
    const t = v[TAG];
    if (t !== undefined) {
      switch (t) {
        case "num": return Number(v.v);
        case "dbl": return v.v;
        case "long": return new NumberLong(v.v);
        case "int": return new NumberInt(v.v);
        case "dec": return new NumberDecimal(v.v);
        case "oid": return new ObjectId(v.v);
        case "date": return new Date(v.v);
        case "bin": return new BinData(v.sub, v.v);
        case "re": try { return new RegExp(v.p, v.f); } catch (_) { return new RegExp(v.p); }
        case "ts": return new Timestamp(v.t, v.i);
        case "min": return MINKEY;
        case "max": return MAXKEY;
        case "undef": return undefined;
        case "code": return v.v;
      }
    }
    const out = {};
    for (const k of Object.keys(v)) out[k] = decode(v[k]);
    return out;
  }
  function encode(x, depth) {
    if (depth > 150) throw new RangeError("value nested too deep to convert to BSON");
    if (x === null) return null;
    switch (typeof x) {
      case "undefined": return { [TAG]: "undef" };
      case "string": case "boolean": return x;
      case "number":
        if (!isFinite(x) || Object.is(x, -0)) return { [TAG]: "num", v: Object.is(x, -0) ? "-0" : String(x) };
        return { [TAG]: "dbl", v: x };
      case "bigint": return { [TAG]: "long", v: String(x) };
      case "function": return { [TAG]: "code", v: String(x) };
      case "symbol": return String(x);
    }
    if (x instanceof Date) return { [TAG]: "date", v: x.getTime() };
    if (x instanceof NumberLong) return { [TAG]: "long", v: String(x.big) };
    if (x instanceof NumberInt) return { [TAG]: "int", v: x.n };
    if (x instanceof NumberDecimal) return { [TAG]: "dec", v: x.s };
    if (x instanceof ObjectId) return { [TAG]: "oid", v: x.str };
    if (x instanceof BinData) return { [TAG]: "bin", sub: x.type, v: x.b64 };
    if (x instanceof RegExp) return { [TAG]: "re", p: x.source, f: x.flags.replace(/[^imsu]/g, "") };
    if (x instanceof Timestamp) return { [TAG]: "ts", t: x.t, i: x.i };
    if (x instanceof MinKey) return { [TAG]: "min" };
    if (x instanceof MaxKey) return { [TAG]: "max" };
    if (x instanceof Number || x instanceof String || x instanceof Boolean) return encode(x.valueOf(), depth + 1);
    if (Array.isArray(x)) {
      const out = [];
      for (let i = 0; i < x.length; i++) out.push(x[i] === undefined ? null : encode(x[i], depth + 1));
      return out;
    }
    const out = {};
    for (const k of Object.keys(x)) {
      const v = x[k];
      if (v === undefined || typeof v === "function") continue;
      out[k] = encode(v, depth + 1);
    }
    return out;
  }

  // ---- user functions: mongod's "function or expression" rules ----
  const fnCache = new Map();
  function compile(src) {
    let f = fnCache.get(src);
    if (f) return f;
    let s = String(src);
    while (s.endsWith(";") || s !== s.trimEnd()) s = s.slice(0, -1).trimEnd();
    const trimmed = s.trimStart();
    if (/^(async\s+)?function\b/.test(trimmed) || /^(\([^)]*\)|[A-Za-z_$][\w$]*)\s*=>/.test(trimmed)) {
      f = (0, eval)("(" + s + "\n)");
    } else {
      try {
        f = new Function("return (" + s + "\n);");
      } catch (_) {
        // statements: with a return, a function body; without, the last statement's value (a direct eval
        // inside the function keeps its this), as mongod's "x = this.a; x == 5" is true where a is 5
        f = /\breturn\b/.test(s) ? new Function(s) : new Function("return eval(" + JSON.stringify(s) + ");");
      }
    }
    if (typeof f !== "function") throw new TypeError("the body is not a function");
    if (fnCache.size > 256) fnCache.clear();
    fnCache.set(src, f);
    return f;
  }

  // ---- mapReduce's emit ----
  let emits = null;
  let emitBytes = 0;
  function emit(k, v) {
    if (emits === null) throw new Error("emit() is only available inside a map function");
    const e = [encode(k === undefined ? null : k, 0), encode(v === undefined ? null : v, 0)];
    emitBytes += JSON.stringify(e).length;
    if (emitBytes > 16 * 1024 * 1024) throw new Error("emit() exceeded the 16 MB of emitted data per map batch");
    emits.push(e);
  }

  function errorText(e) {
    if (e instanceof Error) return e.name + ": " + e.message;
    return "uncaught exception: " + (typeof e === "object" ? tojson(e, "", true) : String(e));
  }

  // one request (JSON text) -> one reply (JSON text): {ok: [...results], n} or {err, n}
  function dispatch(text) {
    const req = JSON.parse(text);
    const started = Date.now();
    const soft = req.soft || Infinity;
    const out = [];
    let mapped = 0; // emitted chars in this reply: past 8 MB the rest of the items wait for the next message
    try {
      if (req.scope) for (const k of Object.keys(req.scope)) G[k] = decode(req.scope[k]);
      const f = compile(req.fn);
      for (const item of req.items) {
        if (out.length > 0 && (Date.now() - started > soft || mapped > 8 * 1024 * 1024)) break;
        switch (req.kind) {
          case "where": {
            const doc = decode(item);
            G.obj = doc;
            const r = f.call(doc);
            out.push(typeof r === "function" ? !!r.call(doc) : !!r);
            break;
          }
          case "call": {
            const args = item.args.map(decode);
            const self = item.self === undefined ? G : decode(item.self);
            out.push(encode(f.apply(self, args), 0));
            break;
          }
          case "map": {
            emits = [];
            emitBytes = 0;
            const doc = decode(item);
            G.obj = doc;
            f.call(doc);
            out.push(emits);
            mapped += emitBytes;
            emits = null;
            break;
          }
        }
      }
    } catch (e) {
      emits = null;
      return JSON.stringify({ err: errorText(e), n: out.length });
    }
    return JSON.stringify({ ok: out });
  }

  const api = {
    ObjectId, NumberLong, NumberInt, NumberDecimal, BinData, UUID, HexData, Timestamp, MinKey, MaxKey, ISODate,
    tojson, tojsononeline, sleep, print, printjson: print, isObject, isString, isNumber, friendlyEqual, emit,
  };
  for (const [k, v] of Object.entries(api)) hide(k, v);
  Object.defineProperty(G, "__secantusDispatch", { value: dispatch, writable: false, configurable: false, enumerable: false });
  for (const name of ["console", "queueMicrotask", "WebAssembly", "SharedArrayBuffer"]) delete G[name];
})();
`;
