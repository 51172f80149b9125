/**
 * Namespace names in command bodies: the collection named by the command key (`{find: "coll"}`) and
 * mongod's rules for collection and database names (73 InvalidNamespace).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { Doc } from "../reply.ts";
import { typeName } from "../../bson/type_name.ts";

/** The collection name from the command key (`{find: "coll"}`), validated. */
export function collectionName(command: string, body: Doc): string {
  const v = body[command] ?? body[Object.keys(body)[0] ?? ""];
  if (typeof v !== "string") {
    throw new CommandError(
      "InvalidNamespace",
      `collection name has invalid type ${typeName(v)}`,
    );
  }
  validateCollectionName(v);
  return v;
}

export function validateCollectionName(name: string): void {
  if (name.length === 0) throw new CommandError("InvalidNamespace", "Invalid namespace specified ''");
  if (name.includes("\0") || name.startsWith(".") || name.includes("$")) {
    throw new CommandError("InvalidNamespace", `Invalid collection name: ${name}`);
  }
}

export function validateDbName(name: string): void {
  if (name.length === 0 || name.length >= 64 || /[/\\. "$\0]/.test(name)) {
    throw new CommandError("InvalidNamespace", `Invalid database name: '${name}'`);
  }
}
