/** saslContinue: `{saslContinue: 1, conversationId, payload}` — the next step of the conversation. */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { any, int, optional, type Parsed, parseShape, required } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { payloadBinary, payloadBytes } from "./sasl_payload.ts";

const FIELDS = { conversationId: required(int), payload: optional(any) } as const;

export type SaslContinueParams = Parsed<typeof FIELDS> & { readonly payloadBytes: Uint8Array };

function parse(body: Doc): SaslContinueParams {
  const p = parseShape("saslContinue", body, FIELDS, { skip: "saslContinue", alsoAccept: GENERIC_FIELDS });
  return { ...p, payloadBytes: payloadBytes(p.payload, "saslContinue.payload") };
}

async function run(ctx: RequestContext<SaslContinueParams>): Promise<Doc> {
  const r = await ctx.auth.saslContinue(ctx.client, ctx.params.conversationId, ctx.params.payloadBytes);
  return { conversationId: r.conversationId, done: r.done, payload: payloadBinary(r.payload), ok: 1 };
}

export const saslContinue = defineCommand<SaslContinueParams>({
  name: "saslContinue",
  help: "continues a SASL authentication conversation",
  auth: "none",
  parse,
  run,
});
