/**
 * saslStart: `{saslStart: 1, mechanism, payload, options: {skipEmptyExchange}, autoAuthorize}` —
 * the first step of a SCRAM conversation in `$db` (the user's database). Also run by hello's
 * `speculativeAuthenticate` (`startConversation`).
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import {
  any,
  bool,
  ignored,
  optional,
  type Parsed,
  parseShape,
  required,
  shape,
  str,
} from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { payloadBinary, payloadBytes } from "./sasl_payload.ts";

const FIELDS = {
  mechanism: required(str),
  payload: optional(any),
  options: optional(shape({ skipEmptyExchange: optional(bool) })),
  autoAuthorize: ignored,
} as const;

export type SaslStartParams = Parsed<typeof FIELDS> & { readonly payloadBytes: Uint8Array };

export function parseSaslStart(body: Doc): SaslStartParams {
  const p = parseShape("saslStart", body, FIELDS, { skip: "saslStart", alsoAccept: GENERIC_FIELDS });
  return { ...p, payloadBytes: payloadBytes(p.payload, "saslStart.payload") };
}

/** Runs the first step; the reply fields without `ok`. */
export async function startConversation(
  ctx: Pick<RequestContext, "auth" | "client">,
  db: string,
  p: SaslStartParams,
): Promise<Doc> {
  const r = await ctx.auth.saslStart(
    ctx.client,
    db,
    p.mechanism,
    p.payloadBytes,
    p.options?.skipEmptyExchange === true,
  );
  return { conversationId: r.conversationId, done: r.done, payload: payloadBinary(r.payload) };
}

export const saslStart = defineCommand<SaslStartParams>({
  name: "saslStart",
  help: "begins a SASL authentication conversation (SCRAM-SHA-256, SCRAM-SHA-1)",
  auth: "none",
  parse: parseSaslStart,
  run: async (ctx) => ({ ...await startConversation(ctx, ctx.db, ctx.params), ok: 1 }),
});
