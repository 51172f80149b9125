/**
 * Views in aggregate (and in find / count / distinct, which run as an aggregate on a view, as mongod
 * does): when the target is a view, the pipeline runs on the view's base collection with the view's
 * resolved pipeline in front, under the view's default collation (another collation is 167
 * OptionNotSupportedOnView); the cursor keeps the view's namespace. `$lookup` / `$unionWith` /
 * `$graphLookup` reading a view get the view's documents (`viewDocuments`).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import type { Doc } from "../spec.ts";
import { findCollection } from "../shared/namespace.ts";
import { type ResolvedView, resolveView } from "../shared/views.ts";
import { valuesEqual } from "../../bson/compare.ts";

/** A request's collation against a view's default: equal, or absent (then the view's applies). */
export function viewCollation(view: ResolvedView, requested: Doc | undefined): Doc | undefined {
  if (requested === undefined) return view.collation;
  const mine = view.collation ?? { locale: "simple" };
  const simple = (c: Doc): boolean => c["locale"] === "simple" || Object.keys(c).length === 0;
  if (simple(requested) && simple(mine)) return view.collation;
  if (!valuesEqual(requested, mine) && requested["locale"] !== mine["locale"]) {
    throw new CommandError(
      "OptionNotSupportedOnView",
      `Cannot override a view's default collation`,
    );
  }
  return view.collation;
}

/** The resolved view when `name` (in the request's db) is a view and not a collection. */
export function viewOf(ctx: RequestContext, name: string | undefined): ResolvedView | undefined {
  if (name === undefined || findCollection(ctx, name)) return undefined;
  return resolveView(ctx.storage, ctx.db, name);
}
