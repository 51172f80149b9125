/**
 * notablescan (mongod's server parameter and `--notablescan`): while it is on, a query whose plan would
 * scan a whole collection is refused with 291 NoQueryExecutionPlans instead — what a team turns on in
 * development and staging to find its unindexed queries. mongod's exemptions hold: a query without a
 * filter, a collection named `system.*`, the admin, local and config databases, and a collection that
 * does not exist (nothing to scan). Per server (`ServerContext.tableScans`); setParameter flips it.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { AccessPath } from "../../planner/plan.ts";
import type { Doc } from "../reply.ts";

export class TableScans {
  constructor(
    /** Collection scans are refused (notablescan). */
    public refused = false,
  ) {}
}

const INTERNAL_DBS: ReadonlySet<string> = new Set(["admin", "local", "config"]);

/**
 * Throws 291 when `access` scans `coll` while table scans are refused and mongod's exemptions do not
 * apply (`natural`: the scan was asked for with a `$natural` hint or sort).
 */
export function checkTableScan(
  refused: boolean | undefined,
  coll: CollectionEntry | undefined,
  filter: Doc,
  access: AccessPath,
  natural: boolean,
): void {
  if (!refused || coll === undefined || access.kind !== "collScan") return;
  if (INTERNAL_DBS.has(coll.db) || coll.name.startsWith("system.")) return;
  for (const k in filter) {
    if (!Object.hasOwn(filter, k)) continue;
    throw new CommandError(
      "NoQueryExecutionPlans",
      natural
        ? "hint $natural is not allowed, because 'notablescan' is enabled"
        : "No indexed plans available, and running with 'notablescan'",
    );
  }
}

/** A tailable cursor always scans its (capped) collection: refused while table scans are. */
export function checkTailableScan(refused: boolean, coll: CollectionEntry | undefined): void {
  if (!refused || coll === undefined || INTERNAL_DBS.has(coll.db) || coll.name.startsWith("system.")) return;
  throw new CommandError(
    "NoQueryExecutionPlans",
    "Running with 'notablescan', so tailable cursors (which always do a table scan) are not allowed",
  );
}
