/**
 * Checks on documents about to be stored: the `_id` value's type (mongod's 53 InvalidIdField) and no
 * `$`-prefixed field names at the top of an `_id` document (52 DollarPrefixedFieldName).
 */
import { CommandError } from "../../errors/command_error.ts";
import { isBsonUndefined } from "../../bson/undefined_value.ts";

export function validateIdValue(id: unknown): void {
  if (Array.isArray(id)) {
    throw new CommandError("InvalidIdField", "The '_id' value cannot be of type array");
  }
  if (id === undefined || isBsonUndefined(id)) {
    throw new CommandError("InvalidIdField", "The '_id' value cannot be of type undefined");
  }
  const t = (id as { _bsontype?: string } | null)?._bsontype;
  if (t === "BSONRegExp") throw new CommandError("InvalidIdField", "The '_id' value cannot be of type regex");
  if (id !== null && typeof id === "object" && t === undefined && !(id instanceof Date)) {
    for (const k of Object.keys(id)) {
      if (k.startsWith("$")) {
        throw new CommandError(
          "DollarPrefixedFieldName",
          `_id fields may not contain '$'-prefixed fields: ${k} is not valid for storage.`,
        );
      }
    }
  }
}
