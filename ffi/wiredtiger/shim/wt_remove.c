/*
 * wt_remove.c — a record's removal with all its index entries in one call (issue 18: a deleteMany over
 * a collection with six secondary indexes crossed into the shim once for the record and once or more per
 * index, ~8 crossings per document; src/storage/wiredtiger/txn.ts `remove`). Runs in the cursors'
 * session's transaction, as the separate calls did: the record first, then each index's entries
 * (sct_idx_remove's rules: a missing entry, or a unique entry another record owns, is no error).
 */
#include <errno.h>
#include <stdint.h>
#include <wiredtiger.h>

int sct_idx_remove(WT_CURSOR *c, int unique, const uint8_t *key, int32_t klen, int64_t rid);

/*
 * Removes record `rid` of `rec`, then for each of `n` indexes (cursor addresses[i], info[2i] = 1 when
 * unique, info[2i+1] = how many keys) its keys, read in order from `keys` (each a 4-byte little-endian
 * length, then the key). WT_NOTFOUND when the record is absent: then nothing is removed.
 */
int
sct_rec_remove_entries(WT_CURSOR *rec, int64_t rid, int32_t n, const uint64_t *cursors, const int32_t *info,
  const uint8_t *keys, int32_t klen)
{
    int ret;
    int32_t at = 0;
    rec->set_key(rec, rid);
    if ((ret = rec->remove(rec)) != 0)
        return ret;
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
            if ((ret = sct_idx_remove(c, unique, keys + at, (int32_t)len, rid)) != 0)
                return ret;
            at += (int32_t)len;
        }
    }
    return 0;
}
