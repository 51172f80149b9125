/**
 * authenticate: `{authenticate: 1, mechanism: "MONGODB-X509", user?}` on `$external` — logs the
 * connection in as its verified client certificate's subject (RFC 2253). Other mechanisms go through
 * saslStart (MONGODB-CR is gone from mongod: 334).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { optional, type Parsed, parseShape, required, str } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";

const FIELDS = { mechanism: required(str), user: optional(str) } as const;

export type AuthenticateParams = Parsed<typeof FIELDS>;

export function parseAuthenticate(body: Doc): AuthenticateParams {
  return parseShape("authenticate", body, FIELDS, { skip: "authenticate", alsoAccept: GENERIC_FIELDS });
}

/** Authenticates; returns `{dbname, user}` (also hello's speculativeAuthenticate reply). */
export async function authenticateX509(
  ctx: Pick<RequestContext, "auth" | "client">,
  db: string,
  p: AuthenticateParams,
): Promise<Doc> {
  if (p.mechanism !== "MONGODB-X509") {
    throw new CommandError(
      "MechanismUnavailable",
      `Received authentication for mechanism ${p.mechanism} which is not enabled`,
    );
  }
  if (db !== "$external") {
    throw new CommandError("BadValue", "X.509 authentication must always use the $external database.");
  }
  const who = await ctx.auth.authenticateX509(ctx.client, p.user);
  return { dbname: who.db, user: who.user };
}

export const authenticate = defineCommand<AuthenticateParams>({
  name: "authenticate",
  help: "authenticates with MONGODB-X509 (the TLS client certificate)",
  auth: "none",
  parse: parseAuthenticate,
  run: async (ctx) => ({ ...await authenticateX509(ctx, ctx.db, ctx.params), ok: 1 }),
});
