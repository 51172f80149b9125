/**
 * Byte sizes as operators write them: a plain integer (bytes) or an integer with a binary suffix
 * K, M, G or T (optionally followed by "B" or "iB", any case): "256M", "1G", "4GiB", "512k".
 * Fractions, negatives and anything else are refused. Pure.
 */

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

const SIZE_RE = /^\s*(\d+)\s*([KMGT]?)(?:I?B)?\s*$/;

/** Bytes for `text`, or undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.toUpperCase());
  if (!m) return undefined;
  const unit = UNITS[m[2] ?? ""];
  if (unit === undefined) return undefined;
  // A bare "B" suffix without a unit ("100B") is fine; "100IB" is not.
  if (m[2] === "" && /IB\s*$/.test(text.toUpperCase())) return undefined;
  const bytes = Number(m[1]) * unit;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** The largest whole-unit spelling of `bytes`: 1073741824 → "1G", 2048 → "2K", 1536 → "1536". */
export function formatSize(bytes: number): string {
  for (const suffix of ["T", "G", "M", "K"] as const) {
    const unit = UNITS[suffix] ?? 1;
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}
