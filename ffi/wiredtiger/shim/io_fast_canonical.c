/*
 * io_fast_canonical.c — whether a document an insert on the frame I/O thread would store is one the
 * command layer stores exactly as the client sent it: src/bson/raw_source.ts `validAndCanonical`'s rules
 * (decoding the bytes and encoding the result again gives the same bytes), checked in C, never more
 * generously. A 0 says nothing about the document: the request is JS's, untouched.
 *
 * The rules, per level (a level is walked by io_fast_bson.c's next_el, which checks every length against
 * its container, then its names and values are checked, then the documents and arrays in it, one level
 * down each):
 * - a document's names: not empty, not starting with `$` or a digit, valid UTF-8, not `__proto__`, no
 *   two the same bytes; an array's names: "0", "1", ... in order;
 * - values: a double but NaN, a string of valid UTF-8 with no NUL inside, a document or an array, binary
 *   but subtypes 2 and 9, ObjectId, a boolean 0 or 1, a date within ±8.64e15 ms, null, minKey, maxKey,
 *   int32, timestamp, int64, decimal128; any other type (undefined, regex, DBPointer, code, symbol, code
 *   with scope) is 0;
 * - at most max_depth levels counting d's own (validAndCanonical's maxDepth: max_depth 1 is a document
 *   with no document or array inside), and never more than FAST_CANON_DEPTH; at most
 *   FAST_CANON_ELEMENTS elements in a level (document or array).
 * Stricter than JS, by choice: empty names, strings with a NUL inside, levels of more than
 * FAST_CANON_ELEMENTS elements, nesting deeper than FAST_CANON_DEPTH, and a level whose names hash into
 * one crowded run of slots (CANON_PROBES: names made to collide cost a bounded time, then JS decides).
 * The work is linear in len: each level is walked once (twice from its CANON_KIDS + 1-th document or
 * array on), its names compared pairwise up to CANON_SMALL, then through a small open-addressing hash,
 * and its documents and arrays checked after it.
 */
#define _GNU_SOURCE
#include "io_fast.h"

#define FAST_CANON_DEPTH 32
#define FAST_CANON_ELEMENTS 1000
#define CANON_SMALL 32    /* a level's names compared pairwise up to this many; hashed beyond */
#define CANON_KIDS 8      /* a level's documents and arrays remembered for their own check; walked again beyond */
#define CANON_SLOTS 2048u /* the hash's slots (a power of two, over twice FAST_CANON_ELEMENTS) */
#define CANON_PROBES 64   /* a name whose slot is further than this from its hash's: 0 (names built to
                           * collide cost no more than this per name) */
_Static_assert(CANON_SLOTS >= 2 * FAST_CANON_ELEMENTS, "the names' hash is at most half full");

#define DATE_MAX_MS 8640000000000000LL

/* The names of the level being checked (one level at a time: its documents are checked after it). */
struct canon_names {
    uint32_t n;
    const char *name[CANON_SMALL];
    uint32_t len[CANON_SMALL];
    uint16_t ends[CANON_SMALL]; /* first and last byte: most names differ there, no memcmp needed */
    uint32_t slot[CANON_SLOTS]; /* offsets of names from the level's start (never 0); 0: empty */
};

static uint32_t name_hash(const char *s, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* Add the name at `s` (n bytes, NUL-terminated, inside the level at `level`) to the hash: 0 when a name
 * of the same bytes is there already (or after CANON_PROBES slots). Names in the hash come before `s` in
 * the level, so comparing n + 1 bytes (the NUL included) at one stays inside the level. */
static int hash_add(struct canon_names *nm, const uint8_t *level, const char *s, uint32_t n)
{
    uint32_t i = name_hash(s, n) & (CANON_SLOTS - 1);
    for (int probes = 0; nm->slot[i] != 0; probes++) {
        if (probes == CANON_PROBES || memcmp(level + nm->slot[i], s, (size_t)n + 1) == 0)
            return 0;
        i = (i + 1) & (CANON_SLOTS - 1);
    }
    nm->slot[i] = (uint32_t)((const uint8_t *)s - level);
    return 1;
}

/* Record a document's name (not empty): 0 when the level has one of the same bytes already. */
static int name_new(struct canon_names *nm, const uint8_t *level, const struct el *e)
{
    if (nm->n < CANON_SMALL) {
        uint16_t ends = (uint16_t)((uint8_t)e->name[0] | (uint8_t)e->name[e->name_len - 1] << 8);
        for (uint32_t i = 0; i < nm->n; i++)
            if (nm->ends[i] == ends && nm->len[i] == e->name_len && memcmp(nm->name[i], e->name, e->name_len) == 0)
                return 0;
        nm->name[nm->n] = e->name;
        nm->len[nm->n] = e->name_len;
        nm->ends[nm->n] = ends;
        nm->n++;
        return 1;
    }
    if (nm->n == CANON_SMALL) {
        memset(nm->slot, 0, sizeof nm->slot);
        for (uint32_t i = 0; i < CANON_SMALL; i++)
            if (!hash_add(nm, level, nm->name[i], nm->len[i]))
                return 0;
    }
    nm->n++;
    return hash_add(nm, level, e->name, e->name_len);
}

/* s[0, n) is valid UTF-8 (utf8_ok) with no NUL: ASCII eight bytes at a time, then one at a time, and
 * from the first byte ≥ 0x80 on (a character's start: only ASCII before it) memchr and utf8_ok. */
static int text_ok(const uint8_t *s, uint32_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint32_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if ((w & highs) != 0 || ((w - ones) & ~w & highs) != 0) /* a byte ≥ 0x80, or a 0 */
            break;
    }
    for (; i < n; i++) {
        if (s[i] == 0)
            return 0;
        if (s[i] >= 0x80)
            return memchr(s + i, 0, n - i) == NULL && utf8_ok(s + i, n - i);
    }
    return 1;
}

/* A document's name decodes to a key a JS object keeps in place and an encoder writes back the same:
 * not empty, not `$…` (a DBRef's), not starting with a digit (ordered first), valid UTF-8, not
 * `__proto__`. */
static int plain_name(const struct el *e)
{
    if (e->name_len == 0)
        return 0;
    uint8_t c = (uint8_t)e->name[0];
    if (c == '$' || (c >= '0' && c <= '9'))
        return 0;
    if (e->name_len == 9 && memcmp(e->name, "__proto__", 9) == 0)
        return 0;
    return text_ok((const uint8_t *)e->name, e->name_len);
}

/* An array element's name is the decimal form of its index i. */
static int index_name(const struct el *e, uint32_t i)
{
    char buf[10];
    uint32_t k = sizeof buf;
    do {
        buf[--k] = (char)('0' + i % 10);
        i /= 10;
    } while (i > 0);
    return e->name_len == sizeof buf - k && memcmp(e->name, buf + k, e->name_len) == 0;
}

/* A value (already inside its level: next_el) re-encodes as it came; documents and arrays are checked
 * later, on their own. */
static int canon_value(const struct el *e)
{
    uint64_t bits;
    int64_t ms;
    switch (e->type) {
    case 0x01:
        memcpy(&bits, e->val, 8);
        return (bits & 0x7FF0000000000000ull) != 0x7FF0000000000000ull || (bits & 0x000FFFFFFFFFFFFFull) == 0;
    case 0x02:
        return text_ok(e->val + 4, e->len - 5); /* (plain_string's rule: next_el checked the length) */
    case 0x05:
        return e->val[4] != 0x02 && e->val[4] != 0x09; /* the old binary's second length; a vector */
    case 0x09:
        memcpy(&ms, e->val, 8);
        return ms >= -DATE_MAX_MS && ms <= DATE_MAX_MS;
    case 0x03: case 0x04: case 0x07: case 0x08: case 0x0A: case 0x10: case 0x11: case 0x12: case 0x13:
    case 0x7F: case 0xFF:
        return 1; /* (a boolean's 0 or 1: next_el) */
    default:
        return 0;
    }
}

/* The level at doc (n bytes, its terminator at doc[n - 1]), an array or a document, and every level
 * inside it, with at most `levels` levels counting its own. */
static int canon_level(const uint8_t *doc, uint32_t n, int is_array, int levels, struct canon_names *nm)
{
    const uint8_t *p = doc + 4, *end = doc + n, *at, *rest = NULL;
    const uint8_t *kid[CANON_KIDS];
    uint32_t kid_len[CANON_KIDS];
    uint8_t kid_type[CANON_KIDS];
    struct el e;
    uint32_t count = 0, kids = 0;
    int r;
    nm->n = 0;
    for (;;) {
        at = p;
        if ((r = next_el(&p, end, &e)) != 1)
            break;
        if (count == FAST_CANON_ELEMENTS)
            return 0;
        if (is_array ? !index_name(&e, count) : (!plain_name(&e) || !name_new(nm, doc, &e)))
            return 0;
        if (!canon_value(&e))
            return 0;
        if (e.type == 0x03 || e.type == 0x04) {
            if (kids < CANON_KIDS) {
                kid[kids] = e.val;
                kid_len[kids] = e.len;
                kid_type[kids++] = e.type;
            } else if (!rest)
                rest = at;
        }
        count++;
    }
    if (r != 0)
        return 0;
    if (kids == 0)
        return 1;
    if (levels <= 1)
        return 0;
    /* its documents and arrays, now that its names are done with (nm is theirs) */
    for (uint32_t i = 0; i < kids; i++)
        if (!canon_level(kid[i], kid_len[i], kid_type[i] == 0x04, levels - 1, nm))
            return 0;
    if (rest) {
        p = rest;
        while (next_el(&p, end, &e) == 1)
            if ((e.type == 0x03 || e.type == 0x04) && !canon_level(e.val, e.len, e.type == 0x04, levels - 1, nm))
                return 0;
    }
    return 1;
}

int fast_canonical_doc(const uint8_t *d, uint32_t len, int max_depth)
{
    if (max_depth < 1 || len < 5 || len > INT32_MAX || (uint32_t)rd32(d) != len)
        return 0;
    if (max_depth > FAST_CANON_DEPTH)
        max_depth = FAST_CANON_DEPTH;
    struct canon_names nm;
    return canon_level(d, len, 0, max_depth, &nm);
}

/* Test entry (ffi/wiredtiger/canonical_test.ts): fast_canonical_doc of len bytes at d. */
int sct_fast_canonical(const uint8_t *d, int len, int max_depth)
{
    return len < 0 ? 0 : fast_canonical_doc(d, (uint32_t)len, max_depth);
}
