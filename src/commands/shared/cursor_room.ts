/**
 * The server-wide cap on open cursors (`[server] max_open_cursors`, the registry's `maxCursors`),
 * checked by the commands that register a cursor outliving them (find, aggregate) just before they
 * do. Each open cursor pins its position and whatever its producer buffers, so an unbounded number of
 * unexhausted cursors is a way to exhaust the heap (issue 11). mongod has no such cap and so no error
 * of its own for it: past the cap the command fails with 146 ExceededMemoryLimit, its producer is
 * released, and nothing else changes (other clients' cursors stay; idle ones still time out).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { BatchSource } from "../../cursors/registry.ts";
import type { RequestContext } from "../context.ts";

/** Throws 146 (after closing `source`) when no further cursor may be opened. */
export function ensureCursorRoom(ctx: RequestContext, source: BatchSource): void {
  if (ctx.cursors.size < ctx.cursors.maxCursors) return;
  source.close();
  throw new CommandError(
    "ExceededMemoryLimit",
    `cannot open another cursor: ${ctx.cursors.size} cursors are open, the server's limit ` +
      `(max_open_cursors); exhaust or kill cursors, or let idle ones time out`,
  );
}
