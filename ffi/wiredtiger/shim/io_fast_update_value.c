/*
 * io_fast_update_value.c — the new value of the field an update by `_id` on the frame I/O thread
 * writes (io_fast_write.c), exactly as the command layer's scalar patch computes it
 * (src/engine/update/scalar_patch.ts, byte_patch.ts), or 0 when this thread cannot prove it would be the
 * same (the request is then JS's, untouched).
 *
 * `$inc`: the stored number and the amount summed in the stored type without overflow, or the amount
 * itself for a missing field. `$set`: the request's value written as it came — JS decodes it
 * (bson/request_decode.ts, bson/decode.ts: an int32 a number, an int64 a `Long`, a double a number or,
 * integral-looking or -0, a `Double`) and writes it back with the same type and bits (byte_patch.ts
 * encodeValue / writeElement) — when it is an int32, an int64, a double but NaN (its bits through a JS
 * number are not ours to promise), a boolean, null, a date within a JS Date's range (±8.64e15 ms), or a string of valid UTF-8 with no NUL and no leading
 * byte-order mark. JS counts a stored value as modified unless it is the same under strict BSON identity
 * (same.ts: the same type and a value that compares equal): for these types that is the same bytes, but
 * for doubles, where 0 and -0 compare equal (two NaNs do too, but a NaN is no value taken here).
 */
#define _GNU_SOURCE
#include "io_fast.h"

int fast_inc_value(uint8_t t, const uint8_t *old, const struct el *by, uint8_t *out)
{
    if (t == 0x10 && by->type == 0x10) {
        int64_t s = (int64_t)rd32(old) + rd32(by->val);
        if (s < INT32_MIN || s > INT32_MAX)
            return 0;
        int32_t v = (int32_t)s;
        memcpy(out, &v, 4);
        return 1;
    }
    if (t == 0x12 && (by->type == 0x10 || by->type == 0x12)) {
        int64_t a, b, s;
        memcpy(&a, old, 8);
        if (by->type == 0x10)
            b = rd32(by->val);
        else
            memcpy(&b, by->val, 8);
        if (__builtin_add_overflow(a, b, &s))
            return 0;
        memcpy(out, &s, 8);
        return 1;
    }
    if (t == 0x01 && (by->type == 0x01 || by->type == 0x10)) {
        double a, b;
        memcpy(&a, old, 8);
        if (by->type == 0x10)
            b = (double)rd32(by->val);
        else
            memcpy(&b, by->val, 8);
        double s = a + b;
        if (b != b || s == a || (s != s && a != a))
            return 0; /* a NaN operand, or no change by value (-0 + 0): JS's (its NaN and equality rules) */
        memcpy(out, &s, 8);
        return 1;
    }
    return 0;
}

int fast_inc_new_value(const struct el *by)
{
    if (by->type == 0x01) {
        double b;
        memcpy(&b, by->val, 8);
        return b == b && b != 0; /* NaN, ±0: JS's (its NaN and number rules) */
    }
    return by->type == 0x10 || by->type == 0x12;
}

int fast_set_value(const struct el *v)
{
    switch (v->type) {
    case 0x10: case 0x12: case 0x0a:
        return 1;
    case 0x09: { /* a date JS's Date holds (beyond ±8.64e15 ms it decodes to an Invalid Date) */
        int64_t ms;
        memcpy(&ms, v->val, 8);
        return ms <= 8640000000000000LL && ms >= -8640000000000000LL;
    }
    case 0x08:
        return v->val[0] <= 1; /* (next_el refuses any other byte) */
    case 0x01: {
        double d;
        memcpy(&d, v->val, 8);
        return d == d;
    }
    case 0x02: {
        const uint8_t *s;
        uint32_t n;
        if (!plain_string(v, &s, &n))
            return 0;
        return !(n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF); /* a leading BOM: JS's decoder's */
    }
    default:
        return 0; /* a document, an array, a decimal, an ObjectId, ...: JS's */
    }
}

int fast_set_unchanged(const struct el *old, const struct el *v)
{
    switch (old->type) {
    case 0x10: case 0x12: case 0x08: case 0x0a:
        break;
    case 0x09:
        if (!fast_set_value(old))
            return 1; /* a stored date JS reads as an Invalid Date: the general update's */
        break;
    case 0x02:
        if (!utf8_ok(old->val + 4, old->len - 5))
            return 1; /* what JS reads as a string (scalar_patch.ts readScalar) */
        break;
    case 0x01:
        if (v->type == 0x01) {
            double a, b;
            memcpy(&a, old->val, 8);
            memcpy(&b, v->val, 8);
            if (a == b)
                return 1; /* 0 and -0: the same value to JS (a stored NaN is not: it is no new value's) */
        }
        break;
    default:
        return 1; /* a stored type the scalar patch does not read: the general update's */
    }
    return old->type == v->type && old->len == v->len && memcmp(old->val, v->val, v->len) == 0;
}
