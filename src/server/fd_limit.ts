/**
 * The open-file limit against `max_connections`: every client connection is a socket (one file
 * descriptor) and WiredTiger holds more for its files and log, so a soft RLIMIT_NOFILE below the
 * connection cap turns accepted connections into EMFILE accept failures (clients hang in the
 * backlog). mongod warns about low rlimits at startup; so do we. The systemd unit
 * (deploy/secantusdb.service) sets LimitNOFILE=65535.
 */

/** Descriptors kept beside client sockets: WiredTiger files and log, listeners, spill files. */
export const RESERVED_FDS = 200;

/** The soft "Max open files" limit from a /proc/self/limits text, or undefined if absent/unlimited. */
export function softNoFileLimit(limitsText: string): number | undefined {
  const line = limitsText.split("\n").find((l) => l.startsWith("Max open files"));
  if (line === undefined) return undefined;
  const soft = line.slice("Max open files".length).trim().split(/\s+/)[0];
  if (soft === undefined || soft === "unlimited") return undefined;
  const n = Number(soft);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The warning to log when `softLimit` cannot hold `maxConnections` sockets plus our own files. */
export function fdLimitWarning(softLimit: number | undefined, maxConnections: number): string | undefined {
  if (softLimit === undefined || softLimit >= maxConnections + RESERVED_FDS) return undefined;
  return `open-file limit (soft RLIMIT_NOFILE) is ${softLimit}, below max_connections ${maxConnections} + ` +
    `${RESERVED_FDS} for storage: connections past ~${
      Math.max(0, softLimit - RESERVED_FDS)
    } will fail to be ` +
    `accepted. Raise it (systemd LimitNOFILE=65535, or ulimit -n) or lower max_connections`;
}

/** Reads this process's limit (Linux /proc); undefined where it cannot be read. */
export function readSoftNoFileLimit(): number | undefined {
  try {
    return softNoFileLimit(Deno.readTextFileSync("/proc/self/limits"));
  } catch {
    return undefined;
  }
}
