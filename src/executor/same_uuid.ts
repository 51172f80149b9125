/**
 * `sameUuid`: whether two collection UUIDs (16 bytes) are equal — a collection dropped and recreated
 * under one name has a new one. Its own module so that callers on the start path (index_build.ts's
 * `dropInterruptedBuilds`) do not load query.ts (issue 18, cold start). A leaf.
 */

export function sameUuid(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
