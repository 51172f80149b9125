/*
 * SecantusDB WiredTiger shim: top-level field projection of stored BSON documents, for scans that
 * read only a few fields (a filter's fields, a pipeline's dependencies). `sct_rec_scan_fields`
 * (wt_shim.c) calls `sct_project_fields` on each record so that only the wanted elements cross into
 * JS instead of the whole document.
 *
 * The projection of a document is itself a BSON document: the FIRST element of each wanted name, in
 * document order (a document with duplicate names keeps only the first occurrence of a wanted name,
 * as mongod's field lookup finds the first one). A document this code cannot walk (a length out of
 * bounds, an unknown element type) is not projected: the caller copies it whole and the JS decoder
 * reports the damage as it would for an unprojected scan.
 */
#include <stdint.h>
#include <string.h>

#include "wt_project.h"

/* Byte length of a value of type t starting at p, with avail bytes left; -1 when malformed. */
static int64_t
value_len(uint8_t t, const uint8_t *p, int64_t avail)
{
    int32_t n;
    int64_t len;
    switch (t) {
    case 0x01: /* double */
    case 0x09: /* date */
    case 0x11: /* timestamp */
    case 0x12: /* int64 */
        len = 8;
        break;
    case 0x02: /* string */
    case 0x0d: /* code */
    case 0x0e: /* symbol */
        if (avail < 4)
            return -1;
        memcpy(&n, p, 4);
        if (n < 1)
            return -1;
        len = 4 + (int64_t)n;
        break;
    case 0x03: /* document */
    case 0x04: /* array */
    case 0x0f: /* code with scope */
        if (avail < 4)
            return -1;
        memcpy(&n, p, 4);
        if (n < 5)
            return -1;
        len = n;
        break;
    case 0x05: /* binary: length, subtype, bytes */
        if (avail < 4)
            return -1;
        memcpy(&n, p, 4);
        if (n < 0)
            return -1;
        len = 5 + (int64_t)n;
        break;
    case 0x06: /* undefined */
    case 0x0a: /* null */
    case 0xff: /* minKey */
    case 0x7f: /* maxKey */
        len = 0;
        break;
    case 0x07: /* objectId */
        len = 12;
        break;
    case 0x08: /* bool */
        len = 1;
        break;
    case 0x0b: { /* regex: two cstrings */
        const uint8_t *e1 = avail > 0 ? memchr(p, 0, (size_t)avail) : NULL;
        if (e1 == NULL)
            return -1;
        int64_t rest = avail - (e1 + 1 - p);
        const uint8_t *e2 = rest > 0 ? memchr(e1 + 1, 0, (size_t)rest) : NULL;
        if (e2 == NULL)
            return -1;
        len = e2 + 1 - p;
        break;
    }
    case 0x0c: /* DBPointer: string, then a 12-byte id */
        if (avail < 4)
            return -1;
        memcpy(&n, p, 4);
        if (n < 1)
            return -1;
        len = 4 + (int64_t)n + 12;
        break;
    case 0x10: /* int32 */
        len = 4;
        break;
    case 0x13: /* decimal128 */
        len = 16;
        break;
    default:
        return -1;
    }
    return len <= avail ? len : -1;
}

int64_t
sct_value_len(uint8_t t, const uint8_t *p, int64_t avail)
{
    return value_len(t, p, avail);
}

int
sct_parse_names(const uint8_t *packed, int32_t len, int32_t count, sct_names *out)
{
    int64_t at = 0;
    if (count < 0 || count > SCT_NAMES_MAX || len < 0)
        return -1;
    for (int32_t i = 0; i < count; i++) {
        uint32_t n;
        if (at + 4 > len)
            return -1;
        memcpy(&n, packed + at, 4);
        if (at + 4 + (int64_t)n > len)
            return -1;
        out->name[i] = packed + at + 4;
        out->len[i] = n;
        at += 4 + (int64_t)n;
    }
    out->count = count;
    return 0;
}

int64_t
sct_project_fields(const uint8_t *doc, int64_t size, const sct_names *names, uint8_t *out)
{
    int32_t total;
    uint64_t found = 0;
    const uint64_t all = names->count == 64 ? ~(uint64_t)0 : (((uint64_t)1 << names->count) - 1);
    int64_t i = 4, o = 4;
    if (size < 5)
        return -1;
    memcpy(&total, doc, 4);
    if (total != size || doc[size - 1] != 0)
        return -1;
    while (i < size - 1 && found != all) {
        uint8_t t = doc[i];
        const uint8_t *name = doc + i + 1;
        const uint8_t *last = doc + size - 1; /* the document's terminator */
        const uint8_t *end = name;
        while (end < last && *end != 0) /* names are short: a loop beats a memchr call */
            end++;
        if (end >= last)
            return -1;
        int64_t p = end + 1 - doc;
        int64_t vlen = value_len(t, doc + p, size - 1 - p);
        if (vlen < 0)
            return -1;
        size_t nlen = (size_t)(end - name);
        for (int32_t k = 0; k < names->count; k++) {
            uint64_t bit = (uint64_t)1 << k;
            if ((found & bit) == 0 && names->len[k] == nlen && memcmp(names->name[k], name, nlen) == 0) {
                found |= bit;
                memcpy(out + o, doc + i, (size_t)(p + vlen - i));
                o += p + vlen - i;
                break;
            }
        }
        i = p + vlen;
    }
    out[o++] = 0;
    total = (int32_t)o;
    memcpy(out, &total, 4);
    return o;
}
