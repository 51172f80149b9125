/**
 * The generic arguments every command accepts (drivers attach them to any command), parsed once per
 * request into typed form for the request context: the logical session (lsid), transaction fields,
 * maxTimeMS (→ a deadline), read and write concern, comment. Commands never re-read them from the body.
 */
import { Binary, Long, Timestamp } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { isNumeric, isPlainDoc, toNumber } from "../../bson/type_name.ts";
import type { Doc } from "../reply.ts";
import { parseWriteConcern, type WriteConcern } from "./write_concern.ts";
import { wrongType } from "./errors.ts";
import { checkClusterTime } from "./cluster_time.ts";

/** Fields every command accepts (drivers attach them to any command). */
export const GENERIC_FIELDS: ReadonlySet<string> = new Set([
  "$db",
  "lsid",
  "$clusterTime",
  "txnNumber",
  "autocommit",
  "startTransaction",
  "$readPreference",
  "readConcern",
  "writeConcern",
  "apiVersion",
  "apiStrict",
  "apiDeprecationErrors",
  "comment",
  "maxTimeMS",
  "$audit",
  "$client",
  "$configServerState",
  "$gleStats",
  "$topologyTime",
  "$oplogQueryData",
  "$replData",
  "mayBypassWriteBlocking",
  "readOnly",
  "databaseVersion",
  "shardVersion",
  "clientOperationKey",
  "$traceCtx",
]);
/** A logical session id as the client sent it (`{id: UUID, uid?}`). */
export interface Lsid {
  readonly id: Binary;
  readonly uid?: Binary;
}

export type ReadConcernLevel = "local" | "available" | "majority" | "linearizable" | "snapshot";
const LEVELS: readonly string[] = ["local", "available", "majority", "linearizable", "snapshot"];

export interface ReadConcern {
  readonly level?: ReadConcernLevel;
  readonly afterClusterTime?: Timestamp;
  /** Only with level "snapshot"; never a null timestamp. */
  readonly atClusterTime?: Timestamp;
}

function clusterTimeField(v: Record<string, unknown>, field: string): Timestamp | undefined {
  const t = v[field];
  if (t === undefined) return undefined;
  if (!(t instanceof Timestamp)) throw wrongType(`readConcern.${field}`, t, "timestamp");
  // mongod: a timestamp with zero seconds is as good as null
  if (t.high === 0) throw new CommandError("InvalidOptions", `${field} cannot be a null timestamp`);
  return t;
}

export interface GenericArgs {
  readonly lsid?: Lsid;
  readonly txnNumber?: bigint;
  readonly autocommit?: boolean;
  readonly startTransaction?: boolean;
  /** Milliseconds; 0 or absent = no limit. */
  readonly maxTimeMS?: number;
  readonly readConcern?: ReadConcern;
  readonly writeConcern: WriteConcern;
  /** Whether the client sent a writeConcern at all. */
  readonly writeConcernGiven: boolean;
  readonly comment?: unknown;
  /** Stable API: the declared version ("1"), strict mode, deprecation errors. */
  readonly apiVersion?: string;
  readonly apiStrict?: boolean;
  readonly apiDeprecationErrors?: boolean;
}

export function parseLsid(v: unknown): Lsid {
  if (!isPlainDoc(v)) throw wrongType("lsid", v, "object");
  const id = v["id"];
  if (!(id instanceof Binary)) throw wrongType("lsid.id", id, "binData");
  const uid = v["uid"];
  if (uid !== undefined && !(uid instanceof Binary)) throw wrongType("lsid.uid", uid, "binData");
  return uid === undefined ? { id } : { id, uid };
}

function parseTxnNumber(v: unknown): bigint {
  // (Long#toBigInt goes through a decimal string)
  if (v instanceof Long) return BigInt.asIntN(64, (BigInt(v.high) << 32n) | BigInt(v.low >>> 0));
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  throw wrongType("txnNumber", v, "long");
}

function parseMaxTimeMS(v: unknown): number {
  if (!isNumeric(v)) throw new CommandError("BadValue", "maxTimeMS must be a number");
  const n = toNumber(v);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) {
    throw new CommandError("BadValue", `${n} value for maxTimeMS is out of range [0, 2147483647]`);
  }
  return n;
}

function parseReadConcern(v: unknown): ReadConcern {
  if (!isPlainDoc(v)) throw wrongType("readConcern", v, "object");
  const level = v["level"];
  if (level !== undefined) {
    if (typeof level !== "string") throw wrongType("readConcern.level", level, "string");
    if (!LEVELS.includes(level)) {
      throw new CommandError(
        "FailedToParse",
        `enumeration value '${level}' is not a valid read concern level`,
      );
    }
  }
  const afterClusterTime = clusterTimeField(v, "afterClusterTime");
  const atClusterTime = clusterTimeField(v, "atClusterTime");
  if (afterClusterTime && atClusterTime) {
    throw new CommandError("InvalidOptions", "Can not specify both afterClusterTime and atClusterTime");
  }
  if (atClusterTime && level !== "snapshot") {
    throw new CommandError(
      "InvalidOptions",
      "atClusterTime field can be set only if level is equal to snapshot",
    );
  }
  return {
    ...(level !== undefined ? { level: level as ReadConcernLevel } : {}),
    ...(afterClusterTime ? { afterClusterTime } : {}),
    ...(atClusterTime ? { atClusterTime } : {}),
  };
}

function apiString(v: unknown): string {
  if (typeof v !== "string") throw wrongType("apiVersion", v, "string");
  return v;
}

function optBool(v: unknown, field: string): boolean {
  if (typeof v !== "boolean") throw wrongType(field, v, "bool");
  return v;
}

/** Reads the generic arguments of a command body (unknown command fields are the command's business). */
export function parseGenericArgs(body: Doc): GenericArgs {
  // one object, fields set as found (in this order, so the first bad one is the one reported); every
  // request reads these, and a spread per field cost an allocation each
  const out: { -readonly [K in keyof GenericArgs]: GenericArgs[K] } = {
    writeConcern: undefined as unknown as WriteConcern,
    writeConcernGiven: false,
  };
  const clusterTime = body["$clusterTime"];
  if (clusterTime !== undefined) checkClusterTime(clusterTime);
  const lsid = body["lsid"];
  if (lsid !== undefined) out.lsid = parseLsid(lsid);
  const txnNumber = body["txnNumber"];
  if (txnNumber !== undefined) out.txnNumber = parseTxnNumber(txnNumber);
  const autocommit = body["autocommit"];
  if (autocommit !== undefined) out.autocommit = optBool(autocommit, "autocommit");
  const startTransaction = body["startTransaction"];
  if (startTransaction !== undefined) out.startTransaction = optBool(startTransaction, "startTransaction");
  const maxTimeMS = body["maxTimeMS"];
  if (maxTimeMS !== undefined && maxTimeMS !== null) out.maxTimeMS = parseMaxTimeMS(maxTimeMS);
  const readConcern = body["readConcern"];
  if (readConcern !== undefined && readConcern !== null) out.readConcern = parseReadConcern(readConcern);
  out.writeConcern = parseWriteConcern(body);
  const wc = body["writeConcern"];
  out.writeConcernGiven = wc !== undefined && wc !== null;
  if (body["comment"] !== undefined) out.comment = body["comment"];
  if (body["apiVersion"] !== undefined) out.apiVersion = apiString(body["apiVersion"]);
  if (body["apiStrict"] !== undefined) out.apiStrict = optBool(body["apiStrict"], "apiStrict");
  if (body["apiDeprecationErrors"] !== undefined) {
    out.apiDeprecationErrors = optBool(body["apiDeprecationErrors"], "apiDeprecationErrors");
  }
  return out;
}
