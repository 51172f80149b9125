/*
 * wt_count.c — counts index entries between bounds without handing any to the caller (COUNT_SCAN: a
 * count whose filter the index bounds answer). The bounds are compared with each entry's stored key
 * directly: E(k) (wt_shim.h's escaping) keeps byte order, and no E(k) is a proper prefix of another, so a
 * stored key — E(k), then the record id's 8 bytes in a non-unique index — starts with E(bound) exactly
 * when k equals the bound and otherwise compares as E(k) against E(bound).
 */
#include "wt_shim.h"

/* Both escaped bounds of one call (the escape's scratch buffer is shared with stored_key). */
static __thread uint8_t *count_lo, *count_hi;
static __thread size_t count_lo_cap, count_hi_cap;

/* E(k) into *buf (grown as needed, with 8 bytes to spare); its length, or -1 without memory. */
static int64_t
escaped(uint8_t **buf, size_t *cap, const uint8_t *k, int32_t klen)
{
    if (grow(buf, cap, (size_t)klen * 2 + 2 + 8) == NULL)
        return -1;
    return (int64_t)escape(k, (size_t)klen, *buf);
}

/* -1, 0 or 1: the stored key `sk` against the escaped bound `eb` (0: its key equals the bound). */
static int
vs_bound(const uint8_t *sk, size_t sklen, const uint8_t *eb, size_t eblen)
{
    size_t n = sklen < eblen ? sklen : eblen;
    int c = memcmp(sk, eb, n);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return sklen < eblen ? -1 : 0;
}

/*
 * Counts the entries between the bounds (unescaped keys, as sct_idx_scan's) in scan order, up to `max`.
 * Positioning: SCT_PENDING stays on the entry the cursor is on (the previous call's unfitting one);
 * SCT_HAS_AFTER starts after the stored key `after` (a previous call's last entry; it may be gone since);
 * else SCT_START starts at the bound. meta[M_COUNT]: entries counted. meta[M_STATUS]: 1 the range
 * ended; 0 `max` reached, the last entry's stored key in `last` (meta[M_USED] bytes); 2 the last entry's
 * stored key did not fit in `cap` (meta[M_NEED] bytes): it is not counted and the cursor stays on it.
 */
int
sct_idx_count(WT_CURSOR *c, int flags, const uint8_t *lower, int32_t llen, const uint8_t *upper,
  int32_t ulen, const uint8_t *after, int32_t alen, int64_t max, uint8_t *last, int32_t cap,
  int64_t *meta)
{
    int rev = flags & SCT_REVERSE, ret, exact;
    int64_t count = 0, lo_len = 0, hi_len = 0;
    WT_ITEM k;
    meta[M_COUNT] = meta[M_USED] = meta[M_NEED] = 0;
    meta[M_STATUS] = 1;
    if (llen < 0 || ulen < 0 || alen < 0 || cap < 0 || max < 1)
        return EINVAL;
    if ((flags & SCT_HAS_LOWER) && (lo_len = escaped(&count_lo, &count_lo_cap, lower, llen)) < 0)
        return ENOMEM;
    if ((flags & SCT_HAS_UPPER) && (hi_len = escaped(&count_hi, &count_hi_cap, upper, ulen)) < 0)
        return ENOMEM;
    if (flags & SCT_PENDING)
        ret = 0;
    else if (flags & SCT_HAS_AFTER) {
        c->reset(c);
        set_item(&k, after, alen);
        c->set_key(c, &k);
        ret = c->search_near(c, &exact);
        if (ret == 0 && (rev ? exact >= 0 : exact <= 0))
            ret = rev ? c->prev(c) : c->next(c);
    } else {
        c->reset(c);
        if (!rev && (flags & SCT_HAS_LOWER)) {
            set_item(&k, count_lo, lo_len);
            c->set_key(c, &k);
            ret = c->search_near(c, &exact);
            if (ret == 0 && exact < 0)
                ret = c->next(c);
        } else if (rev && (flags & SCT_HAS_UPPER)) {
            /* after every entry of the upper key: E(upper), then 0xff × 8 past any record id */
            memset(count_hi + hi_len, 0xff, 8);
            set_item(&k, count_hi, hi_len + 8);
            c->set_key(c, &k);
            ret = c->search_near(c, &exact);
            if (ret == 0 && exact > 0)
                ret = c->prev(c);
            /* the comparisons below read E(upper) alone */
        } else
            ret = rev ? c->prev(c) : c->next(c);
    }
    for (;; ret = rev ? c->prev(c) : c->next(c)) {
        if (ret == WT_NOTFOUND)
            break;
        if (ret != 0)
            return ret;
        if ((ret = c->get_key(c, &k)) != 0)
            return ret;
        int below = 0, above = 0;
        if (flags & SCT_HAS_LOWER) {
            int cl = vs_bound(k.data, k.size, count_lo, (size_t)lo_len);
            below = cl < 0 || (cl == 0 && (flags & SCT_LOWER_EXCL));
        }
        if (flags & SCT_HAS_UPPER) {
            int cu = vs_bound(k.data, k.size, count_hi, (size_t)hi_len);
            above = cu > 0 || (cu == 0 && (flags & SCT_UPPER_EXCL));
        }
        if (rev ? below : above)
            break;
        if (rev ? above : below)
            continue;
        if (count + 1 >= max) {
            if (k.size > (size_t)cap) {
                meta[M_STATUS] = 2;
                meta[M_NEED] = (int64_t)k.size;
                break;
            }
            count++;
            memcpy(last, k.data, k.size);
            meta[M_USED] = (int64_t)k.size;
            meta[M_STATUS] = 0;
            break;
        }
        count++;
    }
    meta[M_COUNT] = count;
    return 0;
}

/*
 * Tallies a key/value table in one call: meta[0] its entries, meta[1] their values' bytes (the oplog's
 * start-up figures; a walk through JS copied every value out, ~28 µs per 800-byte entry). The cursor is
 * left reset.
 */
int
sct_kv_tally(WT_CURSOR *c, int64_t *meta)
{
    int64_t count = 0, bytes = 0;
    WT_ITEM v;
    int ret;
    meta[0] = meta[1] = 0;
    c->reset(c);
    while ((ret = c->next(c)) == 0) {
        if ((ret = c->get_value(c, &v)) != 0)
            break;
        count++;
        bytes += (int64_t)v.size;
    }
    c->reset(c);
    if (ret != WT_NOTFOUND)
        return ret;
    meta[0] = count;
    meta[1] = bytes;
    return 0;
}
