/** The lsid key of the request's logical session (cursor ownership), or undefined without one. */
import { lsidKey } from "../../sessions/lsid.ts";
import type { RequestContext } from "../context.ts";

export function sessionOf(ctx: RequestContext): string | undefined {
  return ctx.lsid ? lsidKey(ctx.lsid) : undefined;
}
