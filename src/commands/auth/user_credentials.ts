/**
 * The credentials createUser / updateUser store: for each mechanism asked for (default both
 * SCRAM-SHA-1 and SCRAM-SHA-256, as mongod), salt + iteration count + StoredKey + ServerKey derived
 * from the password (SASLprep'd for SHA-256; MongoDB's digest for SHA-1). `$external` users have
 * no password (`{external: true}`).
 */
import { CommandError } from "../../errors/command_error.ts";
import { deriveCredential, SCRAM_MECHANISMS, type ScramMechanism } from "../../auth/scram.ts";
import type { AuthService } from "../../auth/service.ts";
import type { UserCredentials } from "../../auth/store.ts";

export function parseMechanisms(v: unknown, path: string): ScramMechanism[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    throw new CommandError("TypeMismatch", `BSON field '${path}' is the wrong type, expected type 'array'`);
  }
  if (v.length === 0) throw new CommandError("BadValue", "mechanisms field must not be empty");
  const out: ScramMechanism[] = [];
  for (const m of v) {
    if (typeof m !== "string" || !(SCRAM_MECHANISMS as readonly string[]).includes(m)) {
      throw new CommandError("BadValue", `Unknown auth mechanism '${String(m)}'`);
    }
    if (!out.includes(m as ScramMechanism)) out.push(m as ScramMechanism);
  }
  return out;
}

export async function makeCredentials(
  auth: AuthService,
  db: string,
  user: string,
  pwd: string | undefined,
  mechanisms: readonly ScramMechanism[] | undefined,
  digestPassword: boolean,
): Promise<UserCredentials> {
  if (db === "$external") {
    if (pwd !== undefined) {
      throw new CommandError(
        "BadValue",
        "Cannot set the password for users defined on the '$external' database",
      );
    }
    if (mechanisms !== undefined) {
      throw new CommandError(
        "BadValue",
        "mechanisms field must not be set for users on the $external database",
      );
    }
    return { external: true };
  }
  if (pwd === undefined) {
    throw new CommandError(
      "BadValue",
      "Must provide a 'pwd' field for all user documents, except those with '$external' as the user's source db",
    );
  }
  if (pwd === "") throw new CommandError("BadValue", "User passwords must not be empty");
  const mechs = mechanisms ?? SCRAM_MECHANISMS;
  if (!digestPassword && mechs.includes("SCRAM-SHA-256")) {
    throw new CommandError("BadValue", "Use of SCRAM-SHA-256 requires undigested passwords");
  }
  const out: { -readonly [K in ScramMechanism]?: Awaited<ReturnType<typeof deriveCredential>> } = {};
  for (const m of mechs) {
    try {
      out[m] = await deriveCredential(m, user, pwd, auth.iterationCount(m), undefined, !digestPassword);
    } catch (e) {
      if (e instanceof CommandError) throw e;
      throw new CommandError(
        "BadValue",
        "Error preflighting normalization: password contains prohibited characters",
      );
    }
  }
  return out;
}
