/**
 * tally_file.ts — what a clean stop leaves for the next start: the oplog table's entry count and
 * estimated bytes with its first and last keys, in one small JSON file in the data directory. The
 * start trusts it only when the table's first and last keys are those (entries are appended at the
 * end and pruned from the front, so the same ends hold the same entries) and removes it; otherwise
 * (a crash after writes, a prune after the stop, a restored archive, an older version) the table is
 * counted (`TableTxn.tally`: 100,057 entries of ~800 bytes, ~240 ms of reading every page).
 */

export interface OplogTally {
  readonly count: number;
  readonly bytes: number;
  /** The first and last keys, hex. */
  readonly first: string;
  readonly last: string;
}

export const TALLY_FILE = "secantus-oplog-tally.json";

export function hexOf(key: Uint8Array): string {
  let s = "";
  for (const b of key) s += b.toString(16).padStart(2, "0");
  return s;
}

/** The tally at `path` (removed: it is read once), or undefined when there is none or it is unusable. */
export function takeTally(path: string): OplogTally | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return undefined; // none (the usual case after a crash or on a new data directory)
  }
  try {
    Deno.removeSync(path);
  } catch { /* a read-only directory: the key check still guards it */ }
  try {
    const t = JSON.parse(text) as Partial<OplogTally>;
    const ok = Number.isSafeInteger(t.count) && t.count! >= 0 && Number.isFinite(t.bytes) && t.bytes! >= 0 &&
      typeof t.first === "string" && typeof t.last === "string";
    return ok ? { count: t.count!, bytes: t.bytes!, first: t.first!, last: t.last! } : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the tally at `path`; false when it could not (the next start then counts). */
export function leaveTally(path: string, tally: OplogTally): boolean {
  try {
    Deno.writeTextFileSync(path, JSON.stringify(tally));
    return true;
  } catch {
    return false;
  }
}
