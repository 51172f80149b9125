/**
 * Test support: stored documents the BSON encoder cannot make, as raw bytes. Imported by `*_test.ts`
 * files only.
 */

/** `{_id: 1, a: 1, a: 2}`: a name repeated (int32 values). */
export const REPEATED_NAME_DOC: Uint8Array = new Uint8Array([
  ...[28, 0, 0, 0],
  ...[0x10, 0x5f, 0x69, 0x64, 0, 1, 0, 0, 0],
  ...[0x10, 0x61, 0, 1, 0, 0, 0],
  ...[0x10, 0x61, 0, 2, 0, 0, 0],
  0,
]);

/** `{_id: 0, a: undefined}`: BSON's deprecated undefined (type 0x06). */
export const UNDEFINED_VALUE_DOC: Uint8Array = new Uint8Array([
  ...[17, 0, 0, 0],
  ...[0x10, 0x5f, 0x69, 0x64, 0, 0, 0, 0, 0],
  ...[0x06, 0x61, 0],
  0,
]);
