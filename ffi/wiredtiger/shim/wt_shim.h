/*
 * wt_shim.h — what the WiredTiger shim's C files share (conventions: wt_shim.c's opening comment):
 * scan flags and meta slots, the index key escaping E(k), byte helpers, and the few wt_shim.c functions
 * wt_scan.c calls (hidden from the library's exported symbols).
 */
#ifndef SECANTUS_WT_SHIM_H
#define SECANTUS_WT_SHIM_H
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wiredtiger.h>

#include "wt_project.h"

/* wt_preinit.c: waits while sct_preinit's thread patches WiredTiger's calibration loop. */
int sct_preinit_wait_patch(void);

#define SCT_REVERSE 1
#define SCT_START 2
#define SCT_HAS_AFTER 4
#define SCT_PENDING 8
#define SCT_LOWER_EXCL 16
#define SCT_UPPER_EXCL 32
#define SCT_HAS_LOWER 64
#define SCT_HAS_UPPER 128
#define SCT_UNIQUE 256
#define SCT_AFTER_RID 512 /* start strictly after (the start bound, after_rid): a non-unique scan resumed */

/* meta slots written by scans */
#define M_COUNT 0
#define M_USED 1
#define M_STATUS 2 /* 0 = more may follow, 1 = done, 2 = pending record did not fit */
#define M_NEED 3
#define M_CHECKED 4 /* an index scan with a key check: the entries it skipped (the caller's meta has 5 slots) */

/* Scratch buffers grow, never shrink; the old one is kept because WT may still reference a key set
 * from it until the next operation on that cursor. */
static inline uint8_t *
grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need > *cap) {
        size_t n = *cap ? *cap : 4096;
        while (n < need)
            n *= 2;
        uint8_t *p = malloc(n);
        if (p == NULL)
            return NULL;
        *buf = p; /* previous buffer intentionally not freed (see above) */
        *cap = n;
    }
    return *buf;
}

/* Escape k into dst; returns bytes written (dst must hold 2*klen+2+8). */
static inline size_t
escape(const uint8_t *k, size_t klen, uint8_t *dst)
{
    size_t o = 0;
    for (size_t i = 0; i < klen; i++) {
        dst[o++] = k[i];
        if (k[i] == 0)
            dst[o++] = 1;
    }
    dst[o++] = 0;
    dst[o++] = 0;
    return o;
}

/* Unescape src (which starts with E(k)) into dst; returns k's length; *consumed = bytes of E(k). */
static inline size_t
unescape(const uint8_t *src, size_t len, uint8_t *dst, size_t *consumed)
{
    size_t i = 0, o = 0;
    while (i < len) {
        if (src[i] == 0) {
            if (i + 1 < len && src[i + 1] == 1) {
                dst[o++] = 0;
                i += 2;
                continue;
            }
            i += 2; /* terminator */
            break;
        }
        dst[o++] = src[i++];
    }
    *consumed = i;
    return o;
}

static inline void
put_be64(uint8_t *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)(u & 0xff);
        u >>= 8;
    }
}

static inline int64_t
get_be64(const uint8_t *p)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | p[i];
    return (int64_t)u;
}

static inline int
cmp_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

static inline void
put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* little-endian on the supported platforms; read with DataView(..., true) */
}

static inline void
put_i64(uint8_t *p, int64_t v)
{
    memcpy(p, &v, 8);
}

static inline void
set_item(WT_ITEM *it, const void *p, int64_t len)
{
    memset(it, 0, sizeof(*it));
    it->data = p;
    it->size = (size_t)len;
}

#define SHIM_INTERNAL __attribute__((visibility("hidden")))

/* wt_shim.c, used by wt_scan.c */
SHIM_INTERNAL int copy_value_item(WT_CURSOR *c, uint8_t *out, int32_t cap, int64_t *meta);
SHIM_INTERNAL uint8_t *stored_key(const uint8_t *k, int32_t klen, int with_rid, int64_t rid, uint8_t fill,
  size_t *len);

#endif
