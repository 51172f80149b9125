/**
 * The parameter names the fuzzer draws from: (a) each command's own, read from the declared params
 * schemas of its file under src/commands/** (`field: optional(…)` / `required(…)` / `ignored` /
 * `unimplemented` lines; the file's `name: "…"` and `aliases` say whose they are), and (b) a generic
 * list of fields clients send to many commands. Helper files' fields (coll_mod_index.ts, write_batch.ts,
 * …) join the shared pool, which any command may draw from too.
 */
const ROOT = new URL("../../src/commands/", import.meta.url);

export const GENERIC_PARAMS: readonly string[] = [
  "filter",
  "query",
  "q",
  "u",
  "update",
  "upsert",
  "multi",
  "projection",
  "fields",
  "sort",
  "limit",
  "skip",
  "batchSize",
  "pipeline",
  "cursor",
  "documents",
  "updates",
  "deletes",
  "ordered",
  "key",
  "indexes",
  "name",
  "new",
  "remove",
  "arrayFilters",
  "collation",
  "hint",
  "let",
  "comment",
  "maxTimeMS",
  "readConcern",
  "writeConcern",
  "bypassDocumentValidation",
  "validator",
  "validationLevel",
  "validationAction",
  "viewOn",
  "to",
  "from",
  "size",
  "max",
  "capped",
  "expireAfterSeconds",
  "unique",
  "sparse",
  "partialFilterExpression",
  "index",
  "dropTarget",
  "nameOnly",
  "authorizedDatabases",
  "authorizedCollections",
  "explain",
  "verbosity",
  "singleBatch",
  "tailable",
  "awaitData",
  "noCursorTimeout",
  "allowDiskUse",
  "returnKey",
  "showRecordId",
  "min",
  "max",
  "out",
  "map",
  "reduce",
  "finalize",
  "scope",
  "jsMode",
  "lsid",
  "txnNumber",
  "autocommit",
  "startTransaction",
  "$readPreference",
  "apiVersion",
  "apiStrict",
  "clusteredIndex",
  "timeseries",
  "changeStreamPreAndPostImages",
  "full",
  "scandata",
  "lock",
  "level",
  "slowms",
  "sampleRate",
  "ops",
  "nsInfo",
  "errorsOnly",
  "roles",
  "pwd",
  "privileges",
  "mechanism",
  "payload",
  "conversationId",
  "db",
  "collections",
  "cursors",
  "id",
  "collection",
  "getMore",
  "op",
  "$db",
  "dryRun",
  "hidden",
  "prepareUnique",
  "storageEngine",
  "indexOptionDefaults",
  "encryptedFields",
  "recordPreImages",
  "temp",
  "autoIndexId",
  "stats",
  "scale",
  "keyPattern",
  "ns",
  "fromMigrate",
  "o",
  "o2",
  "ts",
  "t",
  "v",
];

export interface KnownParams {
  /** Command name (and alias) → the fields its own file declares. */
  readonly byCommand: ReadonlyMap<string, readonly string[]>;
  /** Command name → its required fields (always present in deep-mode bodies). */
  readonly required: ReadonlyMap<string, readonly string[]>;
  /** `<command>.<field>` → the schema reader its file declares it with (`bool`, `str`, `doc`, …). */
  readonly readers: ReadonlyMap<string, string>;
  /** Every declared field of every file, plus the generic list. */
  readonly pool: readonly string[];
}

const FIELD_LINE =
  /^\s+"?([A-Za-z$][A-Za-z0-9_$.]*)"?: (?:(optional|required)\(([A-Za-z]+)|ignored|unimplemented)\b/gm;
/** Fields read by hand: `body["x"]`, `body.x`, `b["x"]`. */
const BODY_READ = /\b(?:body|b|cmd)(?:\["([A-Za-z$][A-Za-z0-9_$]*)"\]|\.([A-Za-z$][A-Za-z0-9_$]*)\b)/g;
const NAME_LINE = /^\s+name: "([A-Za-z.]+)",\s*$/gm;
const ALIASES = /^\s+aliases: \[([^\]]*)\]/gm;

/** Property names of a JS object that `body.x` may match but that are no fields. */
const NOT_FIELDS = new Set([
  "length",
  "get",
  "has",
  "set",
  "push",
  "map",
  "filter",
  "toString",
  "valueOf",
  "id",
]);

async function* files(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) yield* files(new URL(`${e.name}/`, dir));
    else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) yield new URL(e.name, dir);
  }
}

/** Reads the command files once. */
export async function loadKnownParams(): Promise<KnownParams> {
  const byCommand = new Map<string, string[]>();
  const pool = new Set<string>(GENERIC_PARAMS);
  const readers = new Map<string, string>();
  const required = new Map<string, string[]>();
  for await (const f of files(ROOT)) {
    const text = await Deno.readTextFile(f);
    const fields: string[] = [];
    const req: string[] = [];
    const fileReaders = new Map<string, string>();
    for (const m of text.matchAll(FIELD_LINE)) {
      fields.push(m[1]!);
      if (m[2] === "required") req.push(m[1]!);
      if (m[3] !== undefined) fileReaders.set(m[1]!, m[3]);
    }
    for (const m of text.matchAll(BODY_READ)) {
      const f = m[1] ?? m[2]!;
      if (!NOT_FIELDS.has(f)) fields.push(f);
    }
    for (const x of fields) pool.add(x);
    if (!text.includes("defineCommand")) continue;
    const names = [...text.matchAll(NAME_LINE)].map((m) => m[1]!);
    for (const m of text.matchAll(ALIASES)) {
      for (const a of m[1]!.matchAll(/"([^"]+)"/g)) names.push(a[1]!);
    }
    for (const n of names) for (const [f, rd] of fileReaders) readers.set(`${n}.${f}`, rd);
    for (const n of names) if (req.length) required.set(n, req.filter((f) => f !== n));
    for (const n of names) byCommand.set(n, [...new Set([...(byCommand.get(n) ?? []), ...fields])]);
  }
  return { byCommand, required, readers, pool: [...pool].sort() };
}
