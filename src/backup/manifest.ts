/**
 * The backup manifest (`manifest.json`, the last member of every archive): what the archive holds and
 * how to check it. Format version 1:
 *   formatVersion, server {name, version, mongodbCompat}, engine {name, version}, createdAt (ISO),
 *   clusterTime {t, i} | null, collections [{db, name, uuid, count, indexes, options}],
 *   oplog {first, last} | null, files [{name, size, sha256}], durationMs.
 * Counts are those of the snapshot taken when the backup started; the data files hold that state and
 * the copied WiredTiger log may add writes committed while the files were being copied. `oplog` is the
 * oldest and newest oplog entry when the backup started (null for a standalone server): the restored
 * oplog holds at least up to `last`, and a point-in-time replay starts after the newest entry the
 * restored directory really holds.
 */

export const MANIFEST_NAME = "manifest.json";
/** Every data file lives under this folder of the archive. */
export const DATA_PREFIX = "data/";
export const FORMAT_VERSION = 1;

export interface ManifestFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ManifestCollection {
  readonly db: string;
  readonly name: string;
  readonly uuid: string;
  readonly count: number;
  readonly indexes: readonly string[];
  readonly options: Record<string, unknown>;
}

export interface ManifestTime {
  readonly t: number;
  readonly i: number;
}

export interface Manifest {
  readonly formatVersion: number;
  readonly server: { readonly name: string; readonly version: string; readonly mongodbCompat: string };
  readonly engine: { readonly name: string; readonly version: string };
  readonly createdAt: string;
  readonly clusterTime: ManifestTime | null;
  readonly collections: readonly ManifestCollection[];
  readonly oplog: { readonly first: ManifestTime; readonly last: ManifestTime } | null;
  readonly files: readonly ManifestFile[];
  readonly durationMs: number;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses and checks a manifest's shape; throws a readable Error when it is not one we can restore. */
export function parseManifest(text: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new Error(`manifest.json is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObj(m)) throw new Error("manifest.json is not an object");
  if (m["formatVersion"] !== FORMAT_VERSION) {
    throw new Error(
      `manifest formatVersion ${String(m["formatVersion"])} is not supported (this build reads 1)`,
    );
  }
  const files = m["files"];
  if (!Array.isArray(files)) throw new Error("manifest.json has no files list");
  for (const f of files) {
    if (
      !isObj(f) || typeof f["name"] !== "string" || typeof f["size"] !== "number" ||
      typeof f["sha256"] !== "string"
    ) {
      throw new Error("manifest.json has a malformed files entry");
    }
  }
  if (!Array.isArray(m["collections"])) throw new Error("manifest.json has no collections list");
  return m as unknown as Manifest;
}

/**
 * Whether an archive member name is safe to extract: relative, no `..` segment, no empty or `.`
 * segment, no backslash or NUL, only under `data/` (or the manifest itself).
 */
export function safeMemberName(name: string): boolean {
  if (name === MANIFEST_NAME) return true;
  if (!name.startsWith(DATA_PREFIX) || name.length === DATA_PREFIX.length) return false;
  if (name.includes("\\") || name.includes("\0")) return false;
  return name.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}
