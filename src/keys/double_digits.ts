/**
 * The exact decimal expansion of a finite, non-zero double, without BigInt: what key_string.ts writes
 * for a number that is not a small integer (`writeDoubleBody`). A double is mant × 2^e exactly; for e < 0
 * that is (mant × 5^-e) × 10^e, for e ≥ 0 the integer mant × 2^e. The integer is built in base-10^6
 * limbs (multiplied by powers of 5 or 2 small enough that a limb's product stays an exact double), then
 * read out as decimal digits. The result equals `decimalDigits(exactOfDouble(d))` (src/bson/values.ts)
 * digit for digit — key_string_test compares the two on many values — at a fraction of its cost (no
 * BigInt, no digit string: ~0.85 µs per double before).
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;
const LO = LITTLE ? 0 : 1;

const LIMB = 1e6;
/** 5^14: a limb (< 10^6) times it plus a carry stays below 2^53. */
const FIVE_STEP = 14;
/** 2^33, the same bound for e > 0. */
const TWO_STEP = 33;
const FIVES = Array.from({ length: FIVE_STEP + 1 }, (_, i) => 5 ** i);
const TWOS = Array.from({ length: TWO_STEP + 1 }, (_, i) => 2 ** i);
const TENS = Array.from({ length: 8 }, (_, i) => 10 ** i);
/** Limbs for the largest expansion: 5^1074 × 2^53 has ~767 digits; 2^1024 ~309. */
const limbs = new Float64Array(140);
/** Decimal digits, most significant first (767 at most). */
export const digitBuf = new Uint8Array(800);

/**
 * Writes the decimal digits of |d| (finite, non-zero) into `digitBuf`, without trailing zeros, and
 * returns their count `n` and the decimal exponent `exp` with |d| = 0.d1d2…dn × 10^exp, packed as
 * `n * 4096 + (exp + 2048)` (exp lies within ±1100).
 */
export function doubleDigits(d: number): number {
  f64[0] = d;
  let hi = u32[HI]! & 0xfffff;
  let lo = u32[LO]!;
  const bits = (u32[HI]! >>> 20) & 0x7ff;
  let e: number;
  if (bits === 0) e = -1074; // subnormal
  else {
    hi |= 0x100000; // the implicit 2^52
    e = bits - 1075;
  }
  // fewer multiplications: drop the factors of two the mantissa shares with 2^e (bit operations: `%`
  // on a double above 2^31 is a slow fmod)
  if (e < 0) {
    const tz = lo !== 0 ? ctz(lo) : 32 + ctz(hi);
    const t = tz < -e ? tz : -e;
    if (t >= 32) {
      lo = hi >>> (t - 32);
      hi = 0;
    } else if (t > 0) {
      lo = ((lo >>> t) | (hi << (32 - t))) >>> 0;
      hi = hi >>> t;
    }
    e += t;
  }
  let mant = hi * 4294967296 + lo;
  let n = 0;
  while (mant > 0 || n === 0) {
    let q = Math.floor(mant / LIMB);
    let r = mant - q * LIMB;
    if (r < 0) { // (the division rounded up to the next integer)
      q--;
      r += LIMB;
    }
    limbs[n++] = r;
    mant = q;
  }
  let k = e < 0 ? -e : e;
  const step = e < 0 ? FIVE_STEP : TWO_STEP;
  const pows = e < 0 ? FIVES : TWOS;
  while (k > 0) {
    const c = k < step ? k : step;
    const m = pows[c]!;
    k -= c;
    let carry = 0;
    for (let i = 0; i < n; i++) {
      const x = limbs[i]! * m + carry;
      carry = Math.floor(x / LIMB);
      let r = x - carry * LIMB;
      if (r < 0) {
        carry--;
        r += LIMB;
      }
      limbs[i] = r;
    }
    while (carry > 0) {
      const next = Math.floor(carry / LIMB);
      limbs[n++] = carry - next * LIMB;
      carry = next;
    }
  }
  // digits, most significant first: the top limb without leading zeros, the others 6 each
  let top = limbs[n - 1]!;
  let topDigits = 1;
  while (topDigits < 6 && top >= TENS[topDigits]!) topDigits++;
  let len = 0;
  for (let j = topDigits - 1; j >= 0; j--) {
    const p = TENS[j]!;
    const dgt = Math.floor(top / p);
    digitBuf[len++] = dgt;
    top -= dgt * p;
  }
  for (let i = n - 2; i >= 0; i--) {
    let v = limbs[i]!;
    for (let j = 5; j >= 0; j--) {
      const q = Math.floor(v / 10);
      digitBuf[len + j] = v - q * 10;
      v = q;
    }
    len += 6;
  }
  const exp = len + (e < 0 ? e : 0);
  while (len > 1 && digitBuf[len - 1] === 0) len--;
  return len * 4096 + (exp + 2048);
}

/** Trailing zero bits of a non-zero uint32. */
function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}
