/**
 * The ONE place parameter errors are worded: unknown field (40415; a top-level `jsonSchema` 4662500, meant for
 * mongocryptd), missing required field (40414),
 * wrong type (14 TypeMismatch), a negative count (51024), a field this server does not implement
 * (238 NotImplemented). Messages follow mongod's IDL parser ("BSON field 'find.limit' is the wrong
 * type 'string', expected type 'long'"). Codes come by name from the generated table or the named
 * location codes.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { typeName } from "../../bson/type_name.ts";

export function unknownField(path: string): CommandError {
  // mongod's IDLParserContext::throwUnknownField: a `jsonSchema` is meant for mongocryptd (FLE)
  if (path.endsWith(".jsonSchema") && path.indexOf(".") === path.lastIndexOf(".")) {
    return new CommandError(
      "IDLUnknownFieldPossibleMongocryptd",
      `BSON field '${path}' is an unknown field. This command may be meant for a mongocryptd process.`,
    );
  }
  return new CommandError("IDLUnknownField", `BSON field '${path}' is an unknown field.`);
}

export function missingField(path: string): CommandError {
  return new CommandError("IDLFailedToParse", `BSON field '${path}' is missing but a required field`);
}

export function wrongType(path: string, v: unknown, expected: string | readonly string[]): CommandError {
  const what = typeof expected === "string"
    ? `expected type '${expected}'`
    : `expected types '[${expected.join(", ")}]'`;
  return new CommandError("TypeMismatch", `BSON field '${path}' is the wrong type '${typeName(v)}', ${what}`);
}

export function negative(field: string, n: number): CommandError {
  return new CommandError(
    Location.IDLNegativeValue,
    `BSON field '${field}' value must be >= 0, actual value '${n}'`,
  );
}

export function notIntegral(field: string, n: number): CommandError {
  return new CommandError("BadValue", `Field '${field}' must be an integer, got ${n}`);
}

export function notImplemented(path: string): CommandError {
  return new CommandError("NotImplemented", `BSON field '${path}' is not supported by this server yet`);
}

/** An IDL range validator failed (51024), e.g. "BSON field 'cappedSize' value must be >= 1, actual value '0'". */
export function outOfRange(field: string, op: string, limit: number, n: number): CommandError {
  return new CommandError(
    Location.IDLNegativeValue,
    `BSON field '${field}' value must be ${op} ${limit}, actual value '${n}'`,
  );
}
