/**
 * Legacy OP_QUERY (opcode 2004), kept only because drivers may send their first `hello`/`isMaster` with
 * it. Layout after the header: int32 flags, cstring fullCollectionName, int32 numberToSkip,
 * int32 numberToReturn, BSON query, optional BSON returnFieldsSelector.
 *
 * Only command namespaces (`<db>.$cmd`) are accepted; a legacy query against a collection gets the error
 * mongod ≥ 5.1 gives. Which commands may arrive this way (mongod: hello/isMaster only) is the command
 * layer's decision; it can see `WireRequest.legacy`.
 */
import { deserializeDocument, documentSpan } from "./bson_doc.ts";
import { Location } from "../errors/locations.ts";
import { FrameError, RequestError } from "./errors.ts";
import { HEADER_SIZE, OP_QUERY, readInt32LE, writeHeader, writeInt32LE } from "./header.ts";
import { MAX_BSON_OBJECT_SIZE, MAX_COMMAND_BODY_SIZE } from "../limits.ts";

export interface OpQueryInfo {
  flags: number;
  fullCollectionName: string;
  numberToSkip: number;
  numberToReturn: number;
  returnFieldsSelector?: Record<string, unknown>;
}

export interface OpQueryParts extends OpQueryInfo {
  /** The query document as sent (possibly a `$query`/`query` wrapper). */
  query: Record<string, unknown>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Parse one whole OP_QUERY frame. Throws FrameError or RequestError. */
export function parseOpQuery(frame: Uint8Array): OpQueryParts {
  const end = frame.length;
  let p = HEADER_SIZE;
  if (end - p < 4) throw new FrameError("truncated OP_QUERY: no flags");
  const flags = readInt32LE(frame, p);
  p += 4;
  const nul = frame.indexOf(0, p);
  if (nul < 0) throw new FrameError("truncated OP_QUERY: fullCollectionName is not NUL-terminated");
  const nameBytes = frame.subarray(p, nul);
  p = nul + 1;
  if (end - p < 8) throw new FrameError("truncated OP_QUERY: no numberToSkip/numberToReturn");
  const numberToSkip = readInt32LE(frame, p);
  const numberToReturn = readInt32LE(frame, p + 4);
  p += 8;
  const qLen = documentSpan(frame, p, end, "OP_QUERY query document");
  const qStart = p;
  p += qLen;
  let selector: [number, number] | undefined;
  if (p < end) {
    const sLen = documentSpan(frame, p, end, "OP_QUERY returnFieldsSelector");
    selector = [p, p + sLen];
    p += sLen;
    if (p !== end) throw new FrameError(`OP_QUERY has ${end - p} unexpected trailing bytes`);
  }

  let fullCollectionName: string;
  try {
    fullCollectionName = utf8.decode(nameBytes);
  } catch {
    throw new RequestError("InvalidBSON", "OP_QUERY fullCollectionName is not valid UTF-8");
  }
  const query = deserializeDocument(
    frame.subarray(qStart, qStart + qLen),
    MAX_COMMAND_BODY_SIZE,
    "OP_QUERY query",
  );
  const parts: OpQueryParts = { flags, fullCollectionName, numberToSkip, numberToReturn, query };
  if (selector) {
    parts.returnFieldsSelector = deserializeDocument(
      frame.subarray(selector[0], selector[1]),
      MAX_BSON_OBJECT_SIZE,
      "OP_QUERY returnFieldsSelector",
    );
  }
  return parts;
}

/** The database of a `<db>.$cmd` namespace; RequestError for any other namespace. */
export function commandDatabase(fullCollectionName: string): string {
  const dot = fullCollectionName.indexOf(".");
  const db = dot < 0 ? "" : fullCollectionName.slice(0, dot);
  if (dot <= 0 || fullCollectionName.slice(dot + 1) !== "$cmd") {
    throw new RequestError(
      Location.OpQueryUnsupported,
      `OP_QUERY is no longer supported (namespace '${fullCollectionName}'). ` +
        "Only commands on <db>.$cmd may use it; the client driver may require an upgrade.",
    );
  }
  return db;
}

/**
 * The command inside a legacy query: `{$query: cmd, $readPreference: …}` and `{query: cmd, …}` wrappers
 * (first field only) are unwrapped, and a wrapper-level `$readPreference` is carried into the command.
 * `$db` is then set from the namespace, making the result look like an OP_MSG body.
 */
export function unwrapLegacyCommand(query: Record<string, unknown>, db: string): Record<string, unknown> {
  let cmd = query;
  const first = Object.keys(query)[0];
  if (first === "$query" || first === "query") {
    const inner = query[first];
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner)) {
      cmd = inner as Record<string, unknown>;
      const rp = query["$readPreference"];
      if (rp !== undefined && !("$readPreference" in cmd)) cmd["$readPreference"] = rp;
    }
  }
  cmd["$db"] = db;
  return cmd;
}

/** Build an OP_QUERY frame the way legacy drivers do (tests, tools). */
export function encodeOpQuery(
  ns: string,
  query: Uint8Array,
  opts: { requestId?: number; selector?: Uint8Array; skip?: number; limit?: number } = {},
): Uint8Array {
  const name = new TextEncoder().encode(ns);
  const sel = opts.selector ?? new Uint8Array(0);
  const out = new Uint8Array(HEADER_SIZE + 4 + name.length + 1 + 8 + query.length + sel.length);
  writeHeader(out, 0, {
    messageLength: out.length,
    requestId: opts.requestId ?? 1,
    responseTo: 0,
    opCode: OP_QUERY,
  });
  let p = HEADER_SIZE + 4;
  out.set(name, p);
  p += name.length + 1;
  writeInt32LE(out, p, opts.skip ?? 0);
  writeInt32LE(out, p + 4, opts.limit ?? -1);
  p += 8;
  out.set(query, p);
  out.set(sel, p + query.length);
  return out;
}
