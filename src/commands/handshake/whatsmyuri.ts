/**
 * whatsmyuri: the client's own address as the server sees it. Accepts any field (mongod's
 * whatsmyuri has no IDL shape either).
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";

/** whatsmyuri reads nothing from its body. */
export type WhatsmyuriParams = Readonly<Record<never, never>>;

export function parseWhatsmyuri(_body: Doc): WhatsmyuriParams {
  return {};
}

export const whatsmyuri = defineCommand<WhatsmyuriParams>({
  name: "whatsmyuri",
  help: "the caller's address",
  auth: "none",
  parse: parseWhatsmyuri,
  run: (ctx: RequestContext<WhatsmyuriParams>) => ({ you: ctx.client.remoteAddress, ok: 1 }),
});
