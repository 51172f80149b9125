/**
 * Which commands accept which read concern outside a transaction, as mongod's `supportsReadConcern`:
 * `snapshot` only on the reads that can run at a point in time (find, aggregate, distinct, explain of
 * those) — writes and catalog listings with it are 72 InvalidOptions; `atClusterTime` only with
 * `snapshot` (checked when parsing); on a `--standalone` server `snapshot` is 123 NotAReplicaSet. Inside a transaction the transaction's own rules apply (transaction_statement.ts).
 */
import { CommandError } from "../errors/command_error.ts";
import type { Timestamp } from "bson";
import type { ReadConcern } from "./params/generic.ts";

/** mongod's check that a requested cluster time is not in the future (72 InvalidOptions). */
export function checkClusterTimeReached(
  field: "atClusterTime" | "afterClusterTime",
  requested: Timestamp,
  current: Timestamp,
): void {
  if (requested.greaterThan(current)) {
    throw new CommandError(
      "InvalidOptions",
      `readConcern ${field} value must not be greater than the current clusterTime. Requested clusterTime: ${
        fmt(requested)
      }; current clusterTime: ${fmt(current)}`,
    );
  }
}

function fmt(t: Timestamp): string {
  return `Timestamp(${t.high >>> 0}, ${t.low >>> 0})`;
}

const SNAPSHOT_READS: ReadonlySet<string> = new Set(["find", "aggregate", "distinct", "explain", "getMore"]);

export function checkReadConcernSupport(
  command: string,
  rc: ReadConcern | undefined,
  standalone: boolean,
): void {
  if (rc === undefined) return;
  if (rc.level === "snapshot" && !SNAPSHOT_READS.has(command)) {
    throw new CommandError(
      "InvalidOptions",
      `Command ${command} does not support { readConcern: { level: "snapshot" } } outside a transaction`,
    );
  }
  if (rc.level === "snapshot" && standalone) {
    throw new CommandError(
      "NotAReplicaSet",
      "node needs to be a replica set member to use readConcern: snapshot",
    );
  }
}
