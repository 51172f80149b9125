/**
 * value_length.ts — the byte length of a BSON element's value from its type byte, read in place (the one
 * copy of this table: partial decodes, the raw-document walkers, update byte patches, hashed keys).
 */

function int32At(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

/** Bytes of the value of type `t` starting at `p` of `b`; -1 for a type BSON does not define. */
export function valueByteLength(t: number, b: Uint8Array, p: number): number {
  switch (t) {
    case 0x01: // double
    case 0x09: // date
    case 0x11: // timestamp
    case 0x12: // int64
      return 8;
    case 0x02: // string
    case 0x0d: // code
    case 0x0e: // symbol
      return 4 + int32At(b, p);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return int32At(b, p);
    case 0x05: // binary
      return 5 + int32At(b, p);
    case 0x06: // undefined
    case 0x0a: // null
    case 0xff: // minKey
    case 0x7f: // maxKey
      return 0;
    case 0x07: // objectId
      return 12;
    case 0x08: // bool
      return 1;
    case 0x0b: { // regex: two cstrings
      let k = p;
      while (b[k] !== 0) k++;
      k++;
      while (b[k] !== 0) k++;
      return k + 1 - p;
    }
    case 0x0c: // DBPointer
      return 4 + int32At(b, p) + 12;
    case 0x10: // int32
      return 4;
    case 0x13: // decimal128
      return 16;
    default:
      return -1;
  }
}
