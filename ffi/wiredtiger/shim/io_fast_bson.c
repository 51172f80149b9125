/*
 * io_fast_bson.c — the frame I/O thread's reads (io_fast.c) look at a request's BSON here: a strict
 * element walk that refuses whatever it does not know (JS then decides), UTF-8 validation as JS's decoder
 * does it, and the index key of a scalar exactly as key_string.ts encodes it (ObjectId, string,
 * integral numbers below 1e15).
 */
#define _GNU_SOURCE
#include "io_fast.h"

/* The next element of a document whose elements run to end (its terminating 0 at end[-1]): 1 with an
 * element, 0 at the terminator, -1 for anything this walk does not take (JS decides). */
int next_el(const uint8_t **pp, const uint8_t *end, struct el *e)
{
    const uint8_t *p = *pp;
    if (p >= end)
        return -1;
    uint8_t t = *p++;
    if (t == 0)
        return p == end ? 0 : -1;
    const uint8_t *name = p;
    while (p < end && *p)
        p++;
    if (p >= end)
        return -1;
    e->type = t;
    e->name = (const char *)name;
    e->name_len = (uint32_t)(p - name);
    p++;
    size_t left = (size_t)(end - p);
    int64_t n;
    switch (t) {
    case 0x01: case 0x09: case 0x11: case 0x12:
        n = 8;
        break;
    case 0x10:
        n = 4;
        break;
    case 0x08:
        n = 1;
        if (left >= 1 && p[0] > 1)
            return -1;
        break;
    case 0x07:
        n = 12;
        break;
    case 0x0A: case 0x06: case 0x7F: case 0xFF:
        n = 0;
        break;
    case 0x13:
        n = 16;
        break;
    case 0x02: case 0x0D: case 0x0E:
        if (left < 5)
            return -1;
        n = rd32(p);
        if (n < 1 || (size_t)n > left - 4 || p[4 + n - 1] != 0)
            return -1;
        n += 4;
        break;
    case 0x03: case 0x04:
        if (left < 5)
            return -1;
        n = rd32(p);
        if (n < 5 || (size_t)n > left || p[n - 1] != 0)
            return -1;
        break;
    case 0x05:
        if (left < 5)
            return -1;
        n = rd32(p);
        if (n < 0 || (size_t)n > left - 5)
            return -1;
        n += 5;
        break;
    default:
        return -1; /* regex, DBPointer, code with scope: JS's */
    }
    if ((size_t)n > left)
        return -1;
    e->val = p;
    e->len = (uint32_t)n;
    *pp = p + n;
    return 1;
}

/* Strict UTF-8 (no overlong forms, no surrogates, ≤ U+10FFFF), as JS's decoder needs for equal bytes. */
int utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            k = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3;
            cp = c & 0x07;
        } else
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
          (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += k + 1;
    }
    return 1;
}

/* A string element's bytes (without its NUL) when they are valid UTF-8 with no NUL inside. */
int plain_string(const struct el *e, const uint8_t **s, uint32_t *n)
{
    if (e->type != 0x02)
        return 0;
    *s = e->val + 4;
    *n = e->len - 5;
    return memchr(*s, 0, *n) == NULL && utf8_ok(*s, *n);
}

/* Every element of a document walks (depth-bounded): the request decodes in JS too. */
int valid_doc(const uint8_t *d, uint32_t len, int depth)
{
    if (depth > 8 || len < 5 || (uint32_t)rd32(d) != len)
        return 0;
    const uint8_t *p = d + 4, *end = d + len;
    struct el e;
    int r;
    while ((r = next_el(&p, end, &e)) == 1) {
        if (e.name_len > 0 && !utf8_ok((const uint8_t *)e.name, e.name_len))
            return 0;
        if ((e.type == 0x03 || e.type == 0x04) && !valid_doc(e.val, e.len, depth + 1))
            return 0;
        if (e.type == 0x02 && !utf8_ok(e.val + 4, e.len - 5))
            return 0;
    }
    return r == 0;
}

/* ------------------------------------------------------------------ a scalar's index key (key_string.ts) */

/* An integer below 1e15 in magnitude: class byte, biased decimal exponent, base-100 digit pairs + 1, 0;
 * inverted after the class byte for negatives (key_string.ts writeSmallInteger). */
size_t fast_small_int(int64_t v, uint8_t *out)
{
    size_t o = 0;
    if (v == 0) {
        out[o++] = 0x04;
        return o;
    }
    int neg = v < 0;
    uint64_t m = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int exp = 1;
    for (uint64_t p = 10; p <= m; p *= 10)
        exp++;
    int nd = exp;
    while (m % 10 == 0) {
        m /= 10;
        nd--;
    }
    if (nd % 2 == 1) {
        m *= 10;
        nd++;
    }
    out[o++] = neg ? 0x03 : 0x05;
    size_t start = o;
    int e = exp + 0x8000;
    out[o++] = (uint8_t)((e >> 8) & 0xff);
    out[o++] = (uint8_t)(e & 0xff);
    uint64_t div = 1;
    for (int i = 0; i < nd - 2; i++)
        div *= 10;
    for (;;) {
        out[o++] = (uint8_t)((m / div) % 100 + 1);
        if (div == 1)
            break;
        div /= 100;
    }
    out[o++] = 0;
    if (neg)
        for (size_t i = start; i < o; i++)
            out[i] = (uint8_t)(255 - out[i]);
    return o;
}

#define LIMIT_1E15 1000000000000000LL

/* The index key of a scalar (an ascending single-field key: the `_id_` index's, or another field's), or
 * 0 when it is not a kind answered here. out holds FAST_KEY_MAX bytes. */
size_t scalar_key(const struct el *v, uint8_t *out)
{
    switch (v->type) {
    case 0x07:
        out[0] = 0x50;
        memcpy(out + 1, v->val, 12);
        return 13;
    case 0x02: {
        const uint8_t *s = v->val + 4;
        uint32_t n = v->len - 5;
        if (n > FAST_STRING_MAX || !utf8_ok(s, n))
            return 0;
        if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
            return 0; /* a leading BOM: let JS's decoder decide */
        size_t o = 0;
        out[o++] = 0x28;
        for (uint32_t i = 0; i < n; i++) { /* a NUL is escaped as 0x00 0xFF (key_string.ts writeString) */
            out[o++] = s[i];
            if (s[i] == 0)
                out[o++] = 0xFF;
        }
        out[o++] = 0;
        out[o++] = 0;
        return o;
    }
    case 0x10:
        out[0] = 0x1e;
        return 1 + fast_small_int(rd32(v->val), out + 1);
    case 0x12: {
        int64_t x;
        memcpy(&x, v->val, 8);
        if (x >= LIMIT_1E15 || x <= -LIMIT_1E15)
            return 0;
        out[0] = 0x1e;
        return 1 + fast_small_int(x, out + 1);
    }
    case 0x01: {
        double d;
        memcpy(&d, v->val, 8);
        if (!(d < 1e15 && d > -1e15) || d != (double)(int64_t)d)
            return 0; /* NaN, ±Inf, a fraction, or too large: JS's exact digits */
        out[0] = 0x1e;
        return 1 + fast_small_int((int64_t)d, out + 1);
    }
    default:
        return 0;
    }
}
