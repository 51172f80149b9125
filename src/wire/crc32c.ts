/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as OP_MSG's optional checksum requires.
 * Table-driven, slicing-by-8: eight 256-entry tables built once at module load.
 */

const POLY = 0x82f63b78;

const TABLES: Uint32Array[] = (() => {
  const tables: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[n] = c >>> 0;
  }
  tables.push(t0);
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1]!;
    const cur = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      const p = prev[n]!;
      cur[n] = (p >>> 8) ^ t0[p & 0xff]!;
    }
    tables.push(cur);
  }
  return tables;
})();

const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

/**
 * CRC-32C of `bytes`. Pass a previous result as `seed` to continue a running checksum over several chunks.
 */
export function crc32c(bytes: Uint8Array, seed = 0): number {
  let crc = ~seed >>> 0;
  let i = 0;
  const n = bytes.length;
  const end8 = n - (n % 8);
  while (i < end8) {
    const lo = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc = T7[lo & 0xff]! ^ T6[(lo >>> 8) & 0xff]! ^ T5[(lo >>> 16) & 0xff]! ^ T4[lo >>> 24]! ^
      T3[bytes[i + 4]!]! ^ T2[bytes[i + 5]!]! ^ T1[bytes[i + 6]!]! ^ T0[bytes[i + 7]!]!;
    i += 8;
  }
  while (i < n) crc = (crc >>> 8) ^ T0[(crc ^ bytes[i++]!) & 0xff]!;
  return ~crc >>> 0;
}
