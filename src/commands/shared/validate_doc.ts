/** Checks on documents about to be stored: the `_id` value's type (mongod's 53 InvalidIdField). */
import { CommandError } from "../../errors/command_error.ts";

export function validateIdValue(id: unknown): void {
  if (Array.isArray(id)) {
    throw new CommandError("InvalidIdField", "The '_id' value cannot be of type array");
  }
  if (id === undefined) {
    throw new CommandError("InvalidIdField", "The '_id' value cannot be of type undefined");
  }
  const t = (id as { _bsontype?: string } | null)?._bsontype;
  if (t === "BSONRegExp") throw new CommandError("InvalidIdField", "The '_id' value cannot be of type regex");
}
