/**
 * The one reader for a list of logical sessions in a command body (endSessions, refreshSessions,
 * killSessions): each entry is mongod's `LogicalSessionFromClient`, strict `{id: UUID, uid?: binData}`.
 */
import { Binary } from "bson";
import { array, optional, type Reader, required, shape } from "../params/schema.ts";
import { wrongType } from "../params/errors.ts";
import type { Lsid } from "../params/generic.ts";

const binData: Reader<Binary> = (v, path) => {
  if (!(v instanceof Binary)) throw wrongType(path, v, "binData");
  return v;
};

const SESSION = shape({ id: required(binData), uid: optional(binData) });

/** The sessions listed under `field` (an array of `{id, uid?}`). */
export function sessionList(v: unknown, field: string): Lsid[] {
  return array(v, field).map((s) => {
    const p = SESSION(s, field);
    return p.uid === undefined ? { id: p.id } : { id: p.id, uid: p.uid };
  });
}
