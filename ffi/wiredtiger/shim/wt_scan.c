/*
 * wt_scan.c — the shim's batch scans (conventions: wt_shim.c): key/value, record, projected record and
 * index scans write many entries into one caller buffer per call and leave the cursor positioned so
 * the next call continues where this one stopped (meta: count, bytes used, status, bytes needed).
 */
#include "wt_key_check.h"
#include "wt_match.h"
#include "wt_shim.h"

/* ---------- batch-scan helpers shared by the record, key/value and index scans ---------- */

/* One step in scan direction. */
static int
scan_step(WT_CURSOR *c, int rev)
{
    return rev ? c->prev(c) : c->next(c);
}

/* Clears the meta slots at the start of a batch (status 1 = "scan finished" until proven otherwise). */
static void
scan_begin(int64_t *meta)
{
    meta[M_COUNT] = meta[M_USED] = meta[M_NEED] = 0;
    meta[M_STATUS] = 1;
}

/* A later batch: stay on the entry that did not fit last time (PENDING) or move past the last one. */
static int
scan_resume(WT_CURSOR *c, int flags, int rev)
{
    return (flags & SCT_PENDING) ? 0 : scan_step(c, rev);
}

/* Batch of [u32 klen][u32 vlen][key][value] records; flags: SCT_REVERSE, SCT_START, SCT_PENDING. */
int
sct_kv_scan(WT_CURSOR *c, int flags, uint8_t *out, int32_t cap, int32_t max, int64_t *meta)
{
    int rev = flags & SCT_REVERSE, ret;
    int64_t used = 0, count = 0;
    WT_ITEM k, v;
    scan_begin(meta);
    if (flags & SCT_START)
        c->reset(c);
    ret = scan_resume(c, flags, rev);
    for (;;) {
        if (ret == WT_NOTFOUND)
            break;
        if (ret != 0)
            return ret;
        if ((ret = c->get_key(c, &k)) != 0 || (ret = c->get_value(c, &v)) != 0)
            return ret;
        int64_t need = 8 + (int64_t)k.size + (int64_t)v.size;
        if (used + need > cap) {
            meta[M_STATUS] = 2;
            meta[M_NEED] = need;
            break;
        }
        put_u32(out + used, (uint32_t)k.size);
        put_u32(out + used + 4, (uint32_t)v.size);
        if (k.size)
            memcpy(out + used + 8, k.data, k.size);
        if (v.size)
            memcpy(out + used + 8 + k.size, v.data, v.size);
        used += need;
        if (++count >= max) {
            meta[M_STATUS] = 0;
            break;
        }
        ret = scan_step(c, rev);
    }
    meta[M_COUNT] = count;
    meta[M_USED] = used;
    return 0;
}

/*
 * Positions a record cursor for a scan batch: the first record (after `after` when SCT_HAS_AFTER) on
 * SCT_START, else the record after the one the previous batch stopped at.
 */
static int
rec_scan_position(WT_CURSOR *c, int flags, int64_t after)
{
    int rev = flags & SCT_REVERSE, ret, exact;
    if (!(flags & SCT_START))
        return scan_resume(c, flags, rev);
    c->reset(c);
    if (!(flags & SCT_HAS_AFTER))
        return scan_step(c, rev);
    c->set_key(c, after);
    ret = c->search_near(c, &exact);
    if (ret == 0 && ((!rev && exact <= 0) || (rev && exact >= 0)))
        ret = scan_step(c, rev);
    return ret;
}

/* A rejected entry's length word: the filter failed the record, no bytes follow (sct_rec_scan_match). */
#define REJECTED_LEN 0xffffffffu

/*
 * Batch of [i64 rid][u32 vlen][value] records; with a filter `f` (wt_match.h), a record it fails is
 * [i64 rid][u32 REJECTED_LEN] alone (no value copied): the caller counts it as examined and skips it.
 */
static int
rec_scan(WT_CURSOR *c, int flags, int64_t after, const sct_filter *f, uint8_t *out, int32_t cap,
  int32_t max, int64_t *meta)
{
    int rev = flags & SCT_REVERSE, ret;
    int64_t used = 0, count = 0, rid;
    WT_ITEM v;
    scan_begin(meta);
    ret = rec_scan_position(c, flags, after);
    for (;;) {
        if (ret == WT_NOTFOUND)
            break;
        if (ret != 0)
            return ret;
        if ((ret = c->get_key(c, &rid)) != 0 || (ret = c->get_value(c, &v)) != 0)
            return ret;
        int rejected = f != NULL && sct_filter_match(f, v.data, (int64_t)v.size) == 0;
        int64_t need = 12 + (rejected ? 0 : (int64_t)v.size);
        if (used + need > cap) {
            meta[M_STATUS] = 2;
            meta[M_NEED] = need;
            break;
        }
        put_i64(out + used, rid);
        put_u32(out + used + 8, rejected ? REJECTED_LEN : (uint32_t)v.size);
        if (!rejected && v.size)
            memcpy(out + used + 12, v.data, v.size);
        used += need;
        if (++count >= max) {
            meta[M_STATUS] = 0;
            break;
        }
        ret = scan_step(c, rev);
    }
    meta[M_COUNT] = count;
    meta[M_USED] = used;
    return 0;
}

/* Batch of [i64 rid][u32 vlen][value] records. */
int
sct_rec_scan(WT_CURSOR *c, int flags, int64_t after, uint8_t *out, int32_t cap, int32_t max, int64_t *meta)
{
    return rec_scan(c, flags, after, NULL, out, cap, max, meta);
}

/*
 * sct_rec_scan with the packed filter `filter` (`nterms` terms, wt_match.h's sct_filter_parse): the
 * records it fails come as rejected entries. Only the records the filter fails exactly (0) are
 * rejected; one it passes or cannot decide (an array on a path, another type) comes whole, for the
 * caller's own matcher. EINVAL for a malformed filter.
 */
int
sct_rec_scan_match(WT_CURSOR *c, int flags, int64_t after, const uint8_t *filter, int32_t flen,
  int32_t nterms, uint8_t *out, int32_t cap, int32_t max, int64_t *meta)
{
    sct_filter f;
    if (sct_filter_parse(&f, filter, flen, nterms) != 0)
        return EINVAL;
    int ret = rec_scan(c, flags, after, &f, out, cap, max, meta);
    sct_filter_free(&f);
    return ret;
}

/*
 * Batch of `max` records picked at random, as [i64 rid][u32 vlen][value] (sct_rec_scan's layout), from
 * a cursor opened with "next_random=true": each WT_CURSOR::next returns one record of the session's
 * snapshot chosen at random, so a record may come more than once (the caller de-duplicates). Status 1
 * (done) only when the table has no visible record; 2 (pending) when a pick did not fit in `out`: the
 * cursor stays on it and the next call with SCT_PENDING copies it first (no pick is ever dropped, which
 * would bias the sample against large records). The cursor is reset after a batch that is not pending.
 */
int
sct_rec_random(WT_CURSOR *c, int flags, uint8_t *out, int32_t cap, int32_t max, int64_t *meta)
{
    int ret;
    int64_t used = 0, count = 0, rid;
    WT_ITEM v;
    scan_begin(meta);
    if (max <= 0) {
        meta[M_STATUS] = 0;
        return 0;
    }
    ret = (flags & SCT_PENDING) ? 0 : c->next(c);
    for (;;) {
        if (ret == WT_NOTFOUND)
            break;
        if (ret != 0)
            return ret;
        if ((ret = c->get_key(c, &rid)) != 0 || (ret = c->get_value(c, &v)) != 0)
            return ret;
        int64_t need = 12 + (int64_t)v.size;
        if (used + need > cap) {
            meta[M_STATUS] = 2;
            meta[M_NEED] = need;
            break;
        }
        put_i64(out + used, rid);
        put_u32(out + used + 8, (uint32_t)v.size);
        if (v.size)
            memcpy(out + used + 12, v.data, v.size);
        used += need;
        if (++count >= max) {
            meta[M_STATUS] = 0;
            break;
        }
        ret = c->next(c);
    }
    meta[M_COUNT] = count;
    meta[M_USED] = used;
    if (meta[M_STATUS] != 2)
        c->reset(c);
    return 0;
}

/* Projection scratch: one document's projection before it is copied into the batch. */
static __thread uint8_t *scratch_p;
static __thread size_t scratch_p_cap;

/*
 * Batch of [i64 rid][u32 stored size][u32 len][document of the wanted fields] records (wt_project.c);
 * with a filter `f`, a record it fails is [i64 rid][u32 stored size][u32 REJECTED_LEN] alone.
 */
static int
rec_scan_fields(WT_CURSOR *c, int flags, int64_t after, const sct_names *wanted, const sct_filter *f,
  uint8_t *out, int32_t cap, int32_t max, int64_t *meta)
{
    int rev = flags & SCT_REVERSE, ret;
    int64_t used = 0, count = 0, rid;
    WT_ITEM v;
    scan_begin(meta);
    ret = rec_scan_position(c, flags, after);
    for (;;) {
        if (ret == WT_NOTFOUND)
            break;
        if (ret != 0)
            return ret;
        if ((ret = c->get_key(c, &rid)) != 0 || (ret = c->get_value(c, &v)) != 0)
            return ret;
        int64_t plen = 0;
        const uint8_t *src = NULL;
        int rejected = f != NULL && sct_filter_match(f, v.data, (int64_t)v.size) == 0;
        if (!rejected) {
            if (grow(&scratch_p, &scratch_p_cap, v.size + 5) == NULL)
                return ENOMEM;
            plen = sct_project_fields(v.data, (int64_t)v.size, wanted, scratch_p);
            src = scratch_p;
            if (plen < 0) {
                plen = (int64_t)v.size;
                src = v.data;
            }
        }
        int64_t need = 16 + plen;
        if (used + need > cap) {
            meta[M_STATUS] = 2;
            meta[M_NEED] = need;
            break;
        }
        put_i64(out + used, rid);
        put_u32(out + used + 8, (uint32_t)v.size);
        put_u32(out + used + 12, rejected ? REJECTED_LEN : (uint32_t)plen);
        if (plen)
            memcpy(out + used + 16, src, (size_t)plen);
        used += need;
        if (++count >= max) {
            meta[M_STATUS] = 0;
            break;
        }
        ret = scan_step(c, rev);
    }
    meta[M_COUNT] = count;
    meta[M_USED] = used;
    return 0;
}

/*
 * sct_rec_scan with a top-level field projection (wt_project.c): a batch of
 * [i64 rid][u32 stored size][u32 len][document of the wanted fields] records. `names` packs `nnames`
 * (0..64) field names as [u32 LE length][bytes]. A document that cannot be walked is copied whole
 * (len = stored size). Same flags, meta and resume rules as sct_rec_scan.
 */
int
sct_rec_scan_fields(WT_CURSOR *c, int flags, int64_t after, const uint8_t *names, int32_t names_len,
  int32_t nnames, uint8_t *out, int32_t cap, int32_t max, int64_t *meta)
{
    sct_names wanted;
    if (sct_parse_names(names, names_len, nnames, &wanted) != 0)
        return EINVAL;
    return rec_scan_fields(c, flags, after, &wanted, NULL, out, cap, max, meta);
}

/* sct_rec_scan_fields with a filter, as sct_rec_scan_match: the records it fails come rejected. */
int
sct_rec_scan_fields_match(WT_CURSOR *c, int flags, int64_t after, const uint8_t *names,
  int32_t names_len, int32_t nnames, const uint8_t *filter, int32_t flen, int32_t nterms, uint8_t *out,
  int32_t cap, int32_t max, int64_t *meta)
{
    sct_names wanted;
    sct_filter f;
    if (sct_parse_names(names, names_len, nnames, &wanted) != 0)
        return EINVAL;
    if (sct_filter_parse(&f, filter, flen, nterms) != 0)
        return EINVAL;
    int ret = rec_scan_fields(c, flags, after, &wanted, &f, out, cap, max, meta);
    sct_filter_free(&f);
    return ret;
}

/* Where an index scan's key check sends the scan next (unescaped; per thread, grown, kept). */
static __thread uint8_t *seek_buf;
static __thread size_t seek_cap;

/* Entries an index batch scan's key check skips in one call at most (the call then returns MORE). */
#define KEY_CHECK_RUN 16384

/* What an index batch scan reads with each entry (idx_scan_batch); all NULL: the entries alone. */
typedef struct {
    WT_CURSOR *rc;           /* a cursor on the collection's record table: read each entry's record */
    const sct_names *wanted; /* with rc: copy only these top-level fields of the record */
    const sct_filter *f;     /* with wanted: a record this filter fails is rejected (nothing copied) */
} idx_fetch;

/* An absent record's length word in a fetching index scan's entry (no bytes follow). */
#define ABSENT_LEN 0xffffffffu

/*
 * Writes the record `rid` names after an index entry, at `dst` with `room` bytes left: whole
 * ([u32 vlen][record]) or, with `fx->wanted`, projected ([u32 stored size][u32 len][projection], len
 * REJECTED_LEN when `fx->f` fails it). An absent record is [u32 ABSENT_LEN] (and, projected, a len of 0).
 * Returns the bytes written, or -(bytes needed) when they do not fit; *err gets a WiredTiger error.
 */
static int64_t
fetch_record(const idx_fetch *fx, int64_t rid, uint8_t *dst, int64_t room, int *err)
{
    WT_CURSOR *rc = fx->rc;
    WT_ITEM r;
    int hdr = fx->wanted != NULL ? 8 : 4, ret;
    *err = 0;
    rc->set_key(rc, rid);
    ret = rc->search(rc);
    if (ret == 0)
        ret = rc->get_value(rc, &r);
    if (ret == WT_NOTFOUND) {
        if (room < hdr)
            return -hdr;
        put_u32(dst, ABSENT_LEN);
        if (hdr == 8)
            put_u32(dst + 4, 0);
        return hdr;
    }
    if (ret != 0) {
        *err = ret;
        return 0;
    }
    if (fx->wanted == NULL) {
        int64_t need = 4 + (int64_t)r.size;
        if (need > room)
            return -need;
        put_u32(dst, (uint32_t)r.size);
        if (r.size)
            memcpy(dst + 4, r.data, r.size);
        return need;
    }
    if (fx->f != NULL && sct_filter_match(fx->f, r.data, (int64_t)r.size) == 0) {
        if (room < 8)
            return -8;
        put_u32(dst, (uint32_t)r.size);
        put_u32(dst + 4, REJECTED_LEN);
        return 8;
    }
    /* project straight into the batch when the whole record would fit (a projection is never longer) */
    int64_t plen;
    const uint8_t *src = NULL;
    if (room >= 8 + (int64_t)r.size) {
        plen = sct_project_fields(r.data, (int64_t)r.size, fx->wanted, dst + 8);
        if (plen < 0) {
            plen = (int64_t)r.size;
            src = r.data;
        }
    } else {
        if (grow(&scratch_p, &scratch_p_cap, r.size + 5) == NULL) {
            *err = ENOMEM;
            return 0;
        }
        plen = sct_project_fields(r.data, (int64_t)r.size, fx->wanted, scratch_p);
        src = scratch_p;
        if (plen < 0) {
            plen = (int64_t)r.size;
            src = r.data;
        }
        if (8 + plen > room)
            return -(8 + plen);
    }
    put_u32(dst, (uint32_t)r.size);
    put_u32(dst + 4, (uint32_t)plen);
    if (src != NULL && plen)
        memcpy(dst + 8, src, (size_t)plen);
    return 8 + plen;
}

/*
 * The index batch scan behind sct_idx_scan and the sct_idx_scan_fetch* calls: entries
 * [i64 rid][u32 klen][key], each followed by what `fx` reads of the record the entry names, found by
 * a search in the same call (fetch_record).
 */
static int
idx_scan_batch(WT_CURSOR *c, const idx_fetch *fx, int flags, const uint8_t *lower, int32_t llen,
  const uint8_t *upper, int32_t ulen, uint8_t *out, int32_t cap, int32_t max, int64_t *meta, int64_t after_rid,
  const uint8_t *check, int32_t check_len)
{
    int64_t checked_out = 0; /* entries the key check skipped in this call */
    int rev = flags & SCT_REVERSE, unique = flags & SCT_UNIQUE, ret, exact;
    int64_t used = 0, count = 0, rid;
    WT_ITEM k, v;
    size_t n;
    scan_begin(meta);
    if (llen < 0 || ulen < 0)
        return EINVAL;
    if (flags & SCT_START) {
        c->reset(c);
        if (!unique && (flags & SCT_AFTER_RID) && (rev ? (flags & SCT_HAS_UPPER) : (flags & SCT_HAS_LOWER))) {
            /* a resumed scan: straight past the entry (bound, after_rid), not through the bound's
             * entries before it (each fetched only to be skipped) */
            uint8_t *sk = rev ? stored_key(upper, ulen, 1, after_rid, 0, &n)
                              : stored_key(lower, llen, 1, after_rid, 0, &n);
            if (sk == NULL)
                return ENOMEM;
            set_item(&k, sk, (int64_t)n);
            c->set_key(c, &k);
            ret = c->search_near(c, &exact);
            if (ret == 0 && (rev ? exact >= 0 : exact <= 0))
                ret = rev ? c->prev(c) : c->next(c);
        } else if (!rev && (flags & SCT_HAS_LOWER)) {
            uint8_t *sk = stored_key(lower, llen, 0, 0, 0, &n);
            if (sk == NULL)
                return ENOMEM;
            set_item(&k, sk, (int64_t)n);
            c->set_key(c, &k);
            ret = c->search_near(c, &exact);
            if (ret == 0 && exact < 0)
                ret = c->next(c);
        } else if (rev && (flags & SCT_HAS_UPPER)) {
            uint8_t *sk = stored_key(upper, ulen, unique ? 0 : 2, 0, 0xff, &n);
            if (sk == NULL)
                return ENOMEM;
            set_item(&k, sk, (int64_t)n);
            c->set_key(c, &k);
            ret = c->search_near(c, &exact);
            if (ret == 0 && exact > 0)
                ret = c->prev(c);
        } else
            ret = scan_step(c, rev);
    } else
        ret = scan_resume(c, flags, rev);
    for (;;) {
        if (ret == WT_NOTFOUND)
            break;
        if (ret != 0)
            return ret;
        if ((ret = c->get_key(c, &k)) != 0 || (ret = c->get_value(c, &v)) != 0)
            return ret;
        /* Worst case the unescaped key is as long as the stored one. */
        int64_t need = 12 + (int64_t)k.size;
        if (used + need > cap) {
            meta[M_STATUS] = 2;
            meta[M_NEED] = need;
            break;
        }
        size_t consumed;
        uint8_t *kd = out + used + 12;
        size_t kl = unescape(k.data, k.size, kd, &consumed);
        if (unique)
            rid = v.size == 8 ? get_be64(v.data) : 0;
        else
            rid = (k.size >= consumed + 8) ? get_be64((const uint8_t *)k.data + consumed) : 0;
        int skip = 0, stop = 0;
        if (flags & SCT_HAS_LOWER) {
            int cl = cmp_bytes(kd, kl, lower, (size_t)llen);
            if (cl < 0 || (cl == 0 && (flags & SCT_LOWER_EXCL))) {
                if (rev)
                    stop = 1;
                else
                    skip = 1;
            }
        }
        if (flags & SCT_HAS_UPPER) {
            int cu = cmp_bytes(kd, kl, upper, (size_t)ulen);
            if (cu > 0 || (cu == 0 && (flags & SCT_UPPER_EXCL))) {
                if (rev)
                    skip = 1;
                else
                    stop = 1;
            }
        }
        if (stop)
            break;
        if (!skip && check_len > 0) {
            size_t tlen = 0;
            int pass = sct_key_check_seek(check, check_len, kd, kl, rev, &seek_buf, &seek_cap, &tlen);
            if (pass < 0)
                return ENOMEM;
            if (!pass) {
                /* a call skips at most KEY_CHECK_RUN entries: the caller's loop gets its turn (resumed past
                 * this one, which failed) */
                if (++checked_out >= KEY_CHECK_RUN) {
                    meta[M_STATUS] = 0;
                    break;
                }
                if (tlen > 0) { /* on to the next key that can pass (always past this one) */
                    uint8_t *sk = stored_key(seek_buf, (int32_t)tlen, 0, 0, 0, &n);
                    if (sk == NULL)
                        return ENOMEM;
                    set_item(&k, sk, (int64_t)n);
                    c->set_key(c, &k);
                    ret = c->search_near(c, &exact);
                    if (ret == 0 && (rev ? exact >= 0 : exact < 0))
                        ret = rev ? c->prev(c) : c->next(c);
                    continue;
                }
                skip = 1;
            }
        }
        if (!skip) {
            int64_t entry = 12 + (int64_t)kl;
            if (fx != NULL) {
                int err;
                int64_t got = fetch_record(fx, rid, out + used + entry, cap - used - entry, &err);
                if (err != 0)
                    return err;
                if (got < 0) {
                    meta[M_STATUS] = 2;
                    meta[M_NEED] = entry - got;
                    break;
                }
                entry += got;
            }
            put_i64(out + used, rid);
            put_u32(out + used + 8, (uint32_t)kl);
            used += entry;
            if (++count >= max) {
                meta[M_STATUS] = 0;
                break;
            }
        }
        ret = scan_step(c, rev);
    }
    meta[M_COUNT] = count;
    meta[M_USED] = used;
    if (check_len > 0)
        meta[M_CHECKED] = checked_out;
    return 0;
}

/*
 * Batch of [i64 rid][u32 klen][key] index entries between bounds (on the unescaped key).
 * Flags: SCT_REVERSE, SCT_START, SCT_PENDING, SCT_HAS_LOWER/UPPER, SCT_LOWER/UPPER_EXCL, SCT_UNIQUE,
 * SCT_AFTER_RID (with SCT_START on a non-unique index: begin strictly after the entry of the start
 * bound's key and `after_rid`).
 */
int
sct_idx_scan(WT_CURSOR *c, int flags, const uint8_t *lower, int32_t llen, const uint8_t *upper,
  int32_t ulen, uint8_t *out, int32_t cap, int32_t max, int64_t *meta, int64_t after_rid, const uint8_t *check,
  int32_t check_len)
{
    return idx_scan_batch(c, NULL, flags, lower, llen, upper, ulen, out, cap, max, meta, after_rid, check, check_len);
}

/*
 * sct_idx_scan that also reads each entry's record through `rc` (a cursor on the collection's record
 * table): [i64 rid][u32 klen][key][u32 vlen][record] entries, vlen 0xffffffff when the record is
 * absent. One call per batch instead of one record search per entry from JS (a find over an index
 * range). Same flags, meta and resume rules; an entry whose record does not fit is PENDING as a whole.
 */
int
sct_idx_scan_fetch(WT_CURSOR *c, WT_CURSOR *rc, int flags, const uint8_t *lower, int32_t llen,
  const uint8_t *upper, int32_t ulen, uint8_t *out, int32_t cap, int32_t max, int64_t *meta, int64_t after_rid,
  const uint8_t *check, int32_t check_len)
{
    if (rc == NULL)
        return EINVAL;
    idx_fetch fx = {rc, NULL, NULL};
    return idx_scan_batch(c, &fx, flags, lower, llen, upper, ulen, out, cap, max, meta, after_rid, check, check_len);
}

/*
 * sct_idx_scan_fetch reading only some top-level fields of each record (sct_rec_scan_fields' packed
 * `names`) and, with `nterms` > 0, rejecting the records the packed filter fails (sct_rec_scan_match):
 * [i64 rid][u32 klen][key][u32 stored size][u32 len][projection] entries; stored size 0xffffffff (len 0)
 * when the record is absent, len 0xffffffff (nothing follows) when the filter fails it. A document
 * that cannot be walked comes whole (len = stored size). Same flags, meta and resume rules.
 */
int
sct_idx_scan_fetch_fields(WT_CURSOR *c, WT_CURSOR *rc, int flags, const uint8_t *lower, int32_t llen,
  const uint8_t *upper, int32_t ulen, const uint8_t *names, int32_t names_len, int32_t nnames,
  const uint8_t *filter, int32_t flen, int32_t nterms, uint8_t *out, int32_t cap, int32_t max,
  int64_t *meta, int64_t after_rid, const uint8_t *check, int32_t check_len)
{
    sct_names wanted;
    sct_filter f;
    if (rc == NULL || sct_parse_names(names, names_len, nnames, &wanted) != 0)
        return EINVAL;
    if (nterms > 0 && sct_filter_parse(&f, filter, flen, nterms) != 0)
        return EINVAL;
    idx_fetch fx = {rc, &wanted, nterms > 0 ? &f : NULL};
    int ret =
      idx_scan_batch(c, &fx, flags, lower, llen, upper, ulen, out, cap, max, meta, after_rid, check, check_len);
    if (nterms > 0)
        sct_filter_free(&f);
    return ret;
}
