/**
 * Which commands accept which read concern outside a transaction, as mongod's `supportsReadConcern`:
 * `snapshot` only on the reads that can run at a point in time (find, aggregate, distinct, explain of
 * those) — writes and catalog listings with it are 72 InvalidOptions; `atClusterTime` only with
 * `snapshot`. Inside a transaction the transaction's own rules apply (transaction_statement.ts).
 */
import { CommandError } from "../errors/command_error.ts";
import type { ReadConcern } from "./params/generic.ts";

const SNAPSHOT_READS: ReadonlySet<string> = new Set(["find", "aggregate", "distinct", "explain", "getMore"]);

export function checkReadConcernSupport(command: string, rc: ReadConcern | undefined): void {
  if (rc === undefined) return;
  if (rc.atClusterTime !== undefined && rc.level !== "snapshot") {
    throw new CommandError(
      "InvalidOptions",
      "readConcern.atClusterTime is only valid with readConcern level 'snapshot'",
    );
  }
  if (rc.level === "snapshot" && !SNAPSHOT_READS.has(command)) {
    throw new CommandError(
      "InvalidOptions",
      `Command ${command} does not support { readConcern: { level: "snapshot" } } outside a transaction`,
    );
  }
}
