/**
 * Keeps a fuzz run alive and inside its temp dir: which commands are never sent (`shutdown`,
 * `configureFailPoint`), how bodies of file-touching commands are confined (`secantusAdmin.backupArchive`
 * / `restoreArchive` only get paths under the run's temp dir), and what is undone after a command that
 * changes server-wide state (fsync locks released, setParameter values and profiling levels restored;
 * a command that may leave the server unusable is followed by a health check, the runner restarts the
 * server when that fails).
 */
import type { Prng } from "./prng.ts";
import type { Body, Request } from "./generate.ts";

/** Commands never sent. */
export const SKIPPED: ReadonlySet<string> = new Set(["shutdown", "configureFailPoint"]);

/** Commands after which the runner checks the server still serves reads and writes. */
export const STATEFUL: ReadonlySet<string> = new Set([
  "setDefaultRWConcern",
  "setFeatureCompatibilityVersion",
  "replSetStepDown",
  "replSetFreeze",
  "replSetReconfig",
  "replSetInitiate",
  "setClusterParameter",
  "applyOps",
  "dropDatabase",
  "renameCollection",
  "secantusAdmin.restoreArchive",
  "secantusAdmin.pruneOplog",
  "killAllSessions",
  "killAllSessionsByPattern",
]);

/** Parameters `setParameter` may change, restored after it. */
export const RESTORED_PARAMETERS = [
  "logLevel",
  "cursorTimeoutMillis",
  "transactionLifetimeLimitSeconds",
  "minSnapshotHistoryWindowInSeconds",
  "requireApiVersion",
  "logComponentVerbosity",
  "ttlMonitorSleepSecs",
  "ttlMonitorEnabled",
  "notablescan",
] as const;

const PATH_FIELDS: Readonly<Record<string, readonly string[]>> = {
  "secantusAdmin.backupArchive": ["outputPath"],
  "secantusAdmin.restoreArchive": ["archive", "targetDir", "oplogArchive"],
};

/** The request as it may be sent: file paths confined to `tmp`. */
export function confine(r: Prng, req: Request, tmp: string): Request {
  const command = Object.keys(req.body)[0]!;
  const fields = PATH_FIELDS[command];
  if (!fields) return req;
  const body: Body = { ...req.body };
  for (const f of fields) {
    if (f in body || r.chance(0.7)) {
      body[f] = r.pick([`${tmp}/a${r.int(3)}.tar`, `${tmp}/d${r.int(3)}`, `${tmp}/nosuch/x`, tmp, `${tmp}/`]);
    }
  }
  return { db: req.db, body };
}

/** Requests that undo what `command` may have changed (sent whatever its reply was). */
export function undo(command: string, req: Request, saved: Readonly<Body>): Request[] {
  switch (command) {
    case "fsync":
      return Array.from({ length: 4 }, () => ({ db: "admin", body: { fsyncUnlock: 1 } }));
    case "setParameter":
      return [{ db: "admin", body: { setParameter: 1, ...saved } }];
    case "profile":
      return [{ db: req.db, body: { profile: 0, slowms: 100, sampleRate: 1 } }];
    default:
      return [];
  }
}
