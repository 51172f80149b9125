/*
 * SecantusDB WiredTiger shim: the key check of an index scan (issue 18) — mongod's index bounds on
 * the fields of a compound key after the one its scan's intervals end on. An ESR index `{status: 1,
 * priority: -1, runAt: 1}` scanned for `{status: "queued", runAt: {$lte: t}}` sorted by priority holds the
 * runAt test in its keys: an entry whose runAt lies outside [MinDate, t] is skipped here, its record never
 * read, where the intervals alone (`status` pinned, then every priority) would fetch it for the filter.
 *
 * The check (packed by planner/key_check.ts; little-endian): u16 key field count K and K bytes (0, or 0xff
 * for a descending field: its bytes inverted), u16 checked field count, then per checked field, in key
 * order: u16 field index, u16 interval count, per interval: u8 flags (1 lower end, 2 it is strict,
 * 4 upper end, 8 it is strict), u16 length + bytes of the lower end, u16 length + bytes of the upper end
 * — ends in the key's byte order (a descending field's inverted), whole encodings or type-byte sentinels
 * the planner turned into plain byte comparisons. A value passes when it lies in any of its intervals.
 *
 * Walking a key: each field's encoding (key_string.ts) is prefix-free, so its end is found from its type
 * byte: no body (MinKey, undefined, null, MaxKey, DBPointer), numbers (a class byte; finite ones a 2-byte
 * exponent and digit pairs to a terminator, inverted for negatives), strings (0x00 escaped as 00 ff, 00 00
 * ends), documents and arrays (their parts, then 0x00), binData (u32 length, subtype), fixed sizes
 * (ObjectId, bool, date, timestamp), regex (two strings), code (a string; with scope a document), a
 * descending field's bytes read inverted. A key this cannot walk passes (the fetched record is
 * matched against the whole filter anyway: the check only spares reads).
 */
#include <stdlib.h>
#include <string.h>

#include "wt_key_check.h"
#include "wt_shim.h"

#define MAX_DEPTH 200

static int64_t body_end(const uint8_t *k, size_t n, size_t i, uint8_t t, uint8_t flip, int depth);

/* The end of a string body starting at i (its 00 00 terminator included), or -1. */
static int64_t
string_end(const uint8_t *k, size_t n, size_t i, uint8_t flip)
{
    while (i < n) {
        if ((uint8_t)(k[i] ^ flip) != 0) {
            i++;
            continue;
        }
        if (i + 1 >= n)
            return -1;
        uint8_t next = (uint8_t)(k[i + 1] ^ flip);
        if (next == 0)
            return (int64_t)(i + 2);
        if (next != 0xff)
            return -1;
        i += 2;
    }
    return -1;
}

/* A document's fields (type byte, name, body) from i to its 0x00: the end, or -1. */
static int64_t
fields_end(const uint8_t *k, size_t n, size_t i, uint8_t flip, int depth)
{
    for (;;) {
        if (i >= n)
            return -1;
        uint8_t t = (uint8_t)(k[i++] ^ flip);
        if (t == 0)
            return (int64_t)i;
        int64_t e = string_end(k, n, i, flip);
        if (e < 0 || (e = body_end(k, n, (size_t)e, t, flip, depth + 1)) < 0)
            return -1;
        i = (size_t)e;
    }
}

static int64_t
fixed(size_t i, size_t len, size_t n)
{
    return i + len <= n ? (int64_t)(i + len) : -1;
}

/* The end of the body of a value of type byte t starting at i, or -1 (cannot tell). */
static int64_t
body_end(const uint8_t *k, size_t n, size_t i, uint8_t t, uint8_t flip, int depth)
{
    if (depth > MAX_DEPTH)
        return -1;
    switch (t) {
    case 0x0a: /* MinKey */
    case 0x0f: /* undefined */
    case 0x14: /* null */
    case 0x82: /* DBPointer */
    case 0xf0: /* MaxKey */
        return (int64_t)i;
    case 0x1e: { /* number */
        if (i >= n)
            return -1;
        uint8_t cls = (uint8_t)(k[i++] ^ flip);
        if (cls == 0x01 || cls == 0x02 || cls == 0x04 || cls == 0x06)
            return (int64_t)i;
        if (cls != 0x03 && cls != 0x05)
            return -1;
        uint8_t term = cls == 0x03 ? 0xff : 0x00; /* a negative's body is inverted */
        i += 2;                                   /* the exponent: any bytes */
        while (i < n && (uint8_t)(k[i] ^ flip) != term)
            i++;
        return i < n ? (int64_t)(i + 1) : -1;
    }
    case 0x28: /* string */
    case 0x29:
    case 0x8c: /* code */
        return string_end(k, n, i, flip);
    case 0x32: /* document */
        return fields_end(k, n, i, flip, depth);
    case 0x3c: /* array */
        for (;;) {
            if (i >= n)
                return -1;
            uint8_t et = (uint8_t)(k[i++] ^ flip);
            if (et == 0)
                return (int64_t)i;
            int64_t e = body_end(k, n, i, et, flip, depth + 1);
            if (e < 0)
                return -1;
            i = (size_t)e;
        }
    case 0x46: { /* binData: u32 length, subtype, bytes */
        if (i + 5 > n)
            return -1;
        uint32_t len = 0;
        for (int b = 0; b < 4; b++)
            len = (len << 8) | (uint8_t)(k[i + (size_t)b] ^ flip);
        return fixed(i + 5, len, n);
    }
    case 0x50:
        return fixed(i, 12, n);
    case 0x5a:
        return fixed(i, 1, n);
    case 0x64: /* date */
    case 0x6e: /* timestamp */
        return fixed(i, 8, n);
    case 0x78: { /* regex: pattern, flags */
        int64_t e = string_end(k, n, i, flip);
        return e < 0 ? -1 : string_end(k, n, (size_t)e, flip);
    }
    case 0x96: { /* code with scope: code, then the scope's fields */
        int64_t e = string_end(k, n, i, flip);
        return e < 0 ? -1 : fields_end(k, n, (size_t)e, flip, depth);
    }
    default:
        return -1;
    }
}

static uint16_t
u16_at(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

/* One interval of a checked field, read from the packed check at p (end: the packing's end): its ends;
 * the byte after it, or NULL when the packing is cut short. */
struct interval {
    uint8_t flags;
    const uint8_t *lo, *hi;
    size_t lo_len, hi_len;
};

static const uint8_t *
read_interval(const uint8_t *p, const uint8_t *end, struct interval *iv)
{
    if (p + 3 > end)
        return NULL;
    iv->flags = p[0];
    iv->lo_len = u16_at(p + 1);
    iv->lo = p + 3;
    if (iv->lo + iv->lo_len + 2 > end)
        return NULL;
    iv->hi_len = u16_at(iv->lo + iv->lo_len);
    iv->hi = iv->lo + iv->lo_len + 2;
    if (iv->hi + iv->hi_len > end)
        return NULL;
    return iv->hi + iv->hi_len;
}

/* Where value v lies against interval iv: -1 below it, 0 in it, 1 above it. */
static int
against(const uint8_t *v, size_t vl, const struct interval *iv)
{
    if (iv->flags & 1) {
        int c = cmp_bytes(v, vl, iv->lo, iv->lo_len);
        if (c < 0 || (c == 0 && (iv->flags & 2)))
            return -1;
    }
    if (iv->flags & 4) {
        int c = cmp_bytes(v, vl, iv->hi, iv->hi_len);
        if (c > 0 || (c == 0 && (iv->flags & 8)))
            return 1;
    }
    return 0;
}

/* A failed check: the failing field's start in the key and its intervals (count, packed start). */
struct miss {
    size_t at;
    const uint8_t *ivs;
    int nint;
    const uint8_t *v;
    size_t vl;
};

/* The check of key k: 1 passes (or cannot tell), 0 fails (*m filled). */
static int
check_key(const uint8_t *check, int32_t check_len, const uint8_t *k, size_t n, struct miss *m)
{
    const uint8_t *p = check, *end = check + check_len;
    if (check_len < 4)
        return 1;
    int nkey = u16_at(p);
    const uint8_t *flips = p + 2;
    p += 2 + nkey;
    if (p + 2 > end)
        return 1;
    int fields = u16_at(p);
    p += 2;
    size_t at = 0; /* where field `next` starts */
    int next = 0;
    for (int f = 0; f < fields; f++) {
        if (p + 4 > end)
            return 1;
        int want = u16_at(p), nint = u16_at(p + 2);
        p += 4;
        if (want >= nkey)
            return 1;
        size_t vstart = 0, vend = 0;
        while (next <= want) { /* walk to field `want` */
            if (at >= n)
                return 1;
            uint8_t flip = flips[next];
            int64_t e = body_end(k, n, at + 1, (uint8_t)(k[at] ^ flip), flip, 0);
            if (e < 0)
                return 1;
            if (next == want) {
                vstart = at;
                vend = (size_t)e;
            }
            at = (size_t)e;
            next++;
        }
        const uint8_t *ivs = p;
        int ok = 0;
        for (int j = 0; j < nint; j++) {
            struct interval iv;
            if ((p = read_interval(p, end, &iv)) == NULL)
                return 1;
            if (!ok && against(k + vstart, vend - vstart, &iv) == 0)
                ok = 1;
        }
        if (!ok) {
            m->at = vstart;
            m->ivs = ivs;
            m->nint = nint;
            m->v = k + vstart;
            m->vl = vend - vstart;
            return 0;
        }
    }
    return 1;
}

int
sct_key_check_pass(const uint8_t *check, int32_t check_len, const uint8_t *k, size_t n)
{
    struct miss m;
    return check_key(check, check_len, k, n, &m);
}

/* Appends bytes to the target buffer (grown as needed): 0, or -1 out of memory. */
static int
put(uint8_t **buf, size_t *cap, size_t *len, const uint8_t *b, size_t n)
{
    if (n == 0)
        return 0;
    if (*len + n > *cap) {
        size_t c = *cap ? *cap : 256;
        while (c < *len + n)
            c *= 2;
        uint8_t *q = realloc(*buf, c);
        if (q == NULL)
            return -1;
        *buf = q;
        *cap = c;
    }
    memcpy(*buf + *len, b, n);
    *len += n;
    return 0;
}

int
sct_key_check_seek(const uint8_t *check, int32_t check_len, const uint8_t *k, size_t n, int rev, uint8_t **buf,
  size_t *cap, size_t *len)
{
    struct miss m;
    if (check_key(check, check_len, k, n, &m))
        return 1;
    *len = 0;
    const uint8_t *end = check + check_len, *p = m.ivs;
    static const uint8_t ff = 0xff;
    /* the interval past the value in scan direction: forward the first not below it, reverse the last not above */
    struct interval found, iv;
    int have = 0;
    for (int j = 0; j < m.nint; j++) {
        if ((p = read_interval(p, end, &iv)) == NULL)
            return 0;
        int w = against(m.v, m.vl, &iv); /* never 0: the value failed every interval */
        if (!rev && w < 0 && !have) {
            found = iv;
            have = 1;
        }
        if (rev && w > 0) {
            found = iv;
            have = 1;
        }
    }
    if (put(buf, cap, len, k, m.at) != 0)
        return -1;
    if (!rev) {
        /* first key at or past: the next interval's lower end (past its value when strict), or past the prefix */
        if (have && (found.flags & 1)) {
            if (put(buf, cap, len, found.lo, found.lo_len) != 0 || ((found.flags & 2) && put(buf, cap, len, &ff, 1) != 0))
                return -1;
        } else if (!have && put(buf, cap, len, &ff, 1) != 0)
            return -1;
        else if (have && !(found.flags & 1))
            *len = 0; /* (an interval with no lower end lies below any value: not reached) */
    } else if (have && (found.flags & 4)) {
        /* last key before: the previous interval's upper end (its value included unless strict) */
        if (put(buf, cap, len, found.hi, found.hi_len) != 0 || (!(found.flags & 8) && put(buf, cap, len, &ff, 1) != 0))
            return -1;
    } else if (have)
        *len = 0; /* (an interval with no upper end lies above any value: not reached) */
    /* (reverse, no interval below the value: the last key before the prefix, P itself) */
    return 0;
}
