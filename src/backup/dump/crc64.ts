/**
 * CRC-64 as mongodump's archive format computes it (Go's hash/crc64 with the ECMA table: reflected
 * polynomial 0xC96C5795D7870F42, initial value and final XOR all ones). Kept as two 32-bit halves so
 * the inner loop stays in small integers.
 */
const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);
{
  const POLY_HI = 0xC96C5795;
  const POLY_LO = 0xD7870F42;
  for (let i = 0; i < 256; i++) {
    let hi = 0;
    let lo = i;
    for (let j = 0; j < 8; j++) {
      const bit = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (bit) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    TABLE_HI[i] = hi;
    TABLE_LO[i] = lo;
  }
}

export class Crc64 {
  #hi = 0xFFFFFFFF;
  #lo = 0xFFFFFFFF;

  update(bytes: Uint8Array): void {
    let hi = this.#hi;
    let lo = this.#lo;
    for (let i = 0; i < bytes.length; i++) {
      const idx = (lo ^ bytes[i]!) & 0xFF;
      lo = ((lo >>> 8) | ((hi & 0xFF) << 24)) >>> 0;
      hi = hi >>> 8;
      hi = (hi ^ TABLE_HI[idx]!) >>> 0;
      lo = (lo ^ TABLE_LO[idx]!) >>> 0;
    }
    this.#hi = hi;
    this.#lo = lo;
  }

  /** The CRC as a signed 64-bit integer (how the archive stores it, BSON int64). */
  value(): bigint {
    const v = (BigInt((~this.#hi) >>> 0) << 32n) | BigInt((~this.#lo) >>> 0);
    return BigInt.asIntN(64, v);
  }
}
