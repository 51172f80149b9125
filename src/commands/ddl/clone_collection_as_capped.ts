/**
 * cloneCollectionAsCapped: `{cloneCollectionAsCapped: <source>, toCollection: <target>, size, temp?}`
 * copies a collection of the request's database into a new capped collection of `size` bytes, in
 * natural order, evicting the oldest documents as the copy overflows it (commands/shared/capped_clone.ts).
 * The source is untouched. As mongod 8.0: both names must be strings (14) and valid (73), `size` is read
 * as a number and 0 / missing is 72 "invalid command spec"; a missing database or source is 26, a view
 * 166, an existing target 48, a negative size or one over 1 PB 2 BadValue. Other fields are ignored (a
 * non-IDL command on mongod). Refused inside transactions (263, by dispatch).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { validateCollectionName } from "../params/names.ts";
import { cappedSizeArg, cloneAsCapped, cloneSource, requireDatabase } from "../shared/capped_clone.ts";

export interface CloneCollectionAsCappedParams {
  readonly from: string;
  readonly to: string;
  readonly size: number;
  readonly temp: boolean;
}

function nameArg(body: Doc, field: string, side: "source" | "target"): string {
  const v = body[field];
  if (typeof v !== "string") throw new CommandError("TypeMismatch", `'${field}' must be of type String`);
  try {
    validateCollectionName(v);
  } catch {
    throw new CommandError("InvalidNamespace", `Invalid ${side} collection name: ${v}`);
  }
  return v;
}

/** A BSON value's truthiness as mongod's `trueValue()`. */
function trueValue(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (typeof v === "number") return v !== 0;
  return true;
}

export function parseCloneCollectionAsCapped(body: Doc): CloneCollectionAsCappedParams {
  const from = nameArg(body, "cloneCollectionAsCapped", "source");
  const to = nameArg(body, "toCollection", "target");
  return { from, to, size: cappedSizeArg(body["size"]), temp: trueValue(body["temp"]) };
}

async function run(ctx: RequestContext<CloneCollectionAsCappedParams>): Promise<Doc> {
  const p = ctx.params;
  requireDatabase(ctx);
  const source = cloneSource(ctx, p.from);
  await cloneAsCapped(ctx, source, p.to, p.size, p.temp);
  return { ok: 1 };
}

export const cloneCollectionAsCapped = defineCommand<CloneCollectionAsCappedParams>({
  name: "cloneCollectionAsCapped",
  help: "{ cloneCollectionAsCapped:<fromName>, toCollection:<toName>, size:<sizeInBytes> }",
  auth: "convertToCapped",
  parse: parseCloneCollectionAsCapped,
  run,
});
