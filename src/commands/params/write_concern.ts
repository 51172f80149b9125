/**
 * writeConcern validation (w, j, wtimeout, fsync) with mongod's errors, the one fact the storage
 * layer needs from it (whether the commit must be synced to disk: j: true / fsync: true), and whether
 * this one-member set can satisfy it (w > 1 or an unknown tag: a writeConcernError after the write).
 */
import { CommandError } from "../../errors/command_error.ts";
import { ErrorCode } from "../../errors/codes.ts";
import { isNumeric, toNumber, typeName } from "../../bson/type_name.ts";
import type { Doc } from "../reply.ts";

export interface WriteConcern {
  readonly sync: boolean;
  /** w: 0 — the client does not want a reply (still executed). */
  readonly unacknowledged: boolean;
  /**
   * A valid write concern this one-member replica set cannot satisfy (w > 1, an unknown tag): the
   * write is applied and the reply carries this as `writeConcernError`, as mongod does.
   */
  readonly unsatisfiable?: WriteConcernFailure;
}

/** mongod's `writeConcernError` content. */
export interface WriteConcernFailure {
  readonly code: number;
  readonly codeName: string;
  readonly errmsg: string;
}

function failure(codeName: "UnsatisfiableWriteConcern" | "UnknownReplWriteConcern", errmsg: string) {
  return { code: ErrorCode[codeName], codeName, errmsg };
}

/** No write concern given: acknowledged, not synced (one shared object: nobody changes one). */
const DEFAULT_WRITE_CONCERN: WriteConcern = Object.freeze({ sync: false, unacknowledged: false });

export function parseWriteConcern(body: Doc): WriteConcern {
  const wc = body["writeConcern"];
  if (wc === undefined || wc === null) return DEFAULT_WRITE_CONCERN;
  if (typeof wc !== "object" || Array.isArray(wc)) {
    throw new CommandError(
      "TypeMismatch",
      `BSON field 'writeConcern' is the wrong type '${typeName(wc)}', expected type 'object'`,
    );
  }
  const w = (wc as Doc)["w"];
  const j = (wc as Doc)["j"];
  const fsync = (wc as Doc)["fsync"];
  const wtimeout = (wc as Doc)["wtimeout"];
  let unacknowledged = false;
  let unsatisfiable: WriteConcernFailure | undefined;
  if (w !== undefined) {
    if (isNumeric(w)) {
      const n = toNumber(w);
      if (n < 0 || !Number.isInteger(n)) {
        throw new CommandError("FailedToParse", "w has to be a non-negative number");
      }
      if (n > 1) unsatisfiable = failure("UnsatisfiableWriteConcern", "Not enough data-bearing nodes");
      unacknowledged = n === 0;
    } else if (typeof w === "string") {
      if (w !== "majority" && w.length === 0) {
        throw new CommandError("FailedToParse", "w has to be a string or a number");
      }
      if (w !== "majority") {
        unsatisfiable = failure(
          "UnknownReplWriteConcern",
          `No write concern mode named '${w}' found in replica set configuration`,
        );
      }
    } else if (typeof w === "object" && w !== null && !Array.isArray(w)) {
      unsatisfiable = failure("UnknownReplWriteConcern", "Tagged write concerns are not supported");
    } else {
      throw new CommandError("FailedToParse", "w has to be a string or a number");
    }
  }
  if (j !== undefined && typeof j !== "boolean" && !isNumeric(j)) {
    throw new CommandError(
      "TypeMismatch",
      `BSON field 'writeConcern.j' is the wrong type '${
        typeName(j)
      }', expected types '[bool, long, int, decimal, double]'`,
    );
  }
  if (wtimeout !== undefined && !isNumeric(wtimeout)) {
    throw new CommandError(
      "TypeMismatch",
      `BSON field 'writeConcern.wtimeout' is the wrong type '${
        typeName(wtimeout)
      }', expected types '[int, long, double, decimal]'`,
    );
  }
  const jOn = j === true || (isNumeric(j) && toNumber(j) !== 0);
  const fsyncOn = fsync === true || (isNumeric(fsync) && toNumber(fsync) !== 0);
  if (jOn && fsyncOn) throw new CommandError("BadValue", "fsync and j options cannot be used together");
  if (unacknowledged && jOn) throw new CommandError("BadValue", "Cannot use w:0 with j:true");
  return { sync: jOn || fsyncOn, unacknowledged, ...(unsatisfiable ? { unsatisfiable } : {}) };
}
