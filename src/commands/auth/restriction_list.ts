/**
 * The `authenticationRestrictions` parameter of createUser / updateUser / createRole / updateRole:
 * an array of restriction documents, each checked (src/auth/restrictions.ts); a bad one is 2 BadValue.
 */
import { CommandError } from "../../errors/command_error.ts";
import { restrictionsError } from "../../auth/restrictions.ts";
import type { Reader } from "../params/schema.ts";
import type { Doc } from "../reply.ts";

export const restrictionList: Reader<Doc[]> = (v, path) => {
  const why = restrictionsError(v);
  if (why !== undefined) throw new CommandError("BadValue", `${path}: ${why}`);
  return v as Doc[];
};
