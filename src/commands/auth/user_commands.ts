/**
 * Shared shape of the user-management commands: the target user's name from the command field
 * (a non-empty string), the check that the database may hold users, and the not-found error
 * (11 UserNotFound "Could not find user "u" for db "d"").
 */
import { CommandError } from "../../errors/command_error.ts";
import type { UserDoc } from "../../auth/store.ts";
import type { AuthStore } from "../../auth/store.ts";
import type { Doc } from "../reply.ts";

export function userNameField(command: string, body: Doc): string {
  const v = body[command];
  if (typeof v !== "string") {
    throw new CommandError(
      "TypeMismatch",
      `BSON field '${command}.${command}' is the wrong type, expected type 'string'`,
    );
  }
  if (v === "") throw new CommandError("BadValue", "User document needs 'user' field to be non-empty");
  return v;
}

export function checkUserDb(db: string): void {
  if (db === "local") throw new CommandError("BadValue", "Cannot create users in the local database");
}

export function requireUser(store: AuthStore, db: string, user: string): UserDoc {
  const u = store.getUser(db, user);
  if (!u) throw new CommandError("UserNotFound", `Could not find user "${user}" for db "${db}"`);
  return u;
}
