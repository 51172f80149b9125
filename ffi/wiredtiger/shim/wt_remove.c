/*
 * wt_remove.c — a record's removal, or its update, with all its index entries in one call (issue 18: a
 * deleteMany over a collection with six secondary indexes crossed into the shim once for the record and
 * once or more per index, ~8 crossings per document; an update of an indexed field three). Used by
 * src/storage/wiredtiger/txn.ts `remove` and `update`. Runs in the cursors' session's transaction, as
 * the separate calls did: the record first, then each index's entries removed (sct_idx_remove's rules:
 * a missing entry, or a unique entry another record owns, is no error), then an update's added
 * (sct_idx_insert's: a unique key another record holds is WT_DUPLICATE_KEY).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <wiredtiger.h>

int sct_idx_remove(WT_CURSOR *c, int unique, const uint8_t *key, int32_t klen, int64_t rid);
int sct_idx_insert(WT_CURSOR *c, int unique, const uint8_t *key, int32_t klen, int64_t rid);

typedef int (*idx_op)(WT_CURSOR *, int, const uint8_t *, int32_t, int64_t);

/*
 * `op` for each of `n` indexes' keys (cursor addresses[i], info[2i] = 1 when unique, info[2i+1] = how many
 * keys), read in order from `keys` (each a 4-byte little-endian length, then the key). On a failure
 * *failed = the index's position.
 */
static int
each_index(int32_t n, const uint64_t *cursors, const int32_t *info, const uint8_t *keys, int32_t klen, int64_t rid,
  idx_op op, int32_t *failed)
{
    int ret;
    int32_t at = 0;
    for (int32_t i = 0; i < n; i++) {
        WT_CURSOR *c = (WT_CURSOR *)(uintptr_t)cursors[i];
        int unique = info[2 * i], count = info[2 * i + 1];
        for (int32_t j = 0; j < count; j++) {
            if (klen - at < 4)
                return EINVAL;
            const uint8_t *p = keys + at;
            uint32_t len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            at += 4;
            if (len > (uint32_t)(klen - at))
                return EINVAL;
            if ((ret = op(c, unique, keys + at, (int32_t)len, rid)) != 0) {
                *failed = i;
                return ret;
            }
            at += (int32_t)len;
        }
    }
    return 0;
}

/*
 * Removes record `rid` of `rec`, then the keys of `n` indexes (as `each_index` reads them). WT_NOTFOUND when
 * the record is absent: then nothing is removed.
 */
int
sct_rec_remove_entries(WT_CURSOR *rec, int64_t rid, int32_t n, const uint64_t *cursors, const int32_t *info,
  const uint8_t *keys, int32_t klen)
{
    int ret;
    int32_t failed = -1;
    rec->set_key(rec, rid);
    if ((ret = rec->remove(rec)) != 0)
        return ret;
    return each_index(n, cursors, info, keys, klen, rid, sct_idx_remove, &failed);
}

/*
 * Replaces record `rid`'s value with `val`, removes the keys of `nr` indexes, then inserts those of `ni`
 * (each list as `each_index` reads it). WT_NOTFOUND when the record is absent: then nothing is written.
 * WT_DUPLICATE_KEY (meta[0] = the inserting index's position) when a unique index holds an added key for
 * another record; the caller rolls the transaction back.
 */
int
sct_rec_update_entries(WT_CURSOR *rec, int64_t rid, const uint8_t *val, int32_t vlen, int32_t nr,
  const uint64_t *rcursors, const int32_t *rinfo, const uint8_t *rkeys, int32_t rklen, int32_t ni,
  const uint64_t *icursors, const int32_t *iinfo, const uint8_t *ikeys, int32_t iklen, int64_t *meta)
{
    WT_ITEM v;
    int ret;
    int32_t failed = -1;
    meta[0] = -1;
    if (vlen < 0)
        return EINVAL;
    memset(&v, 0, sizeof(v));
    v.data = val;
    v.size = (size_t)vlen;
    rec->set_key(rec, rid);
    rec->set_value(rec, &v);
    if ((ret = rec->update(rec)) != 0)
        return ret;
    if ((ret = each_index(nr, rcursors, rinfo, rkeys, rklen, rid, sct_idx_remove, &failed)) != 0)
        return ret;
    ret = each_index(ni, icursors, iinfo, ikeys, iklen, rid, sct_idx_insert, &failed);
    meta[0] = failed;
    return ret;
}
