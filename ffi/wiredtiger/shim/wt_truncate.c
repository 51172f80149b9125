/*
 * wt_truncate.c — removing a key/value table's leading keys in one call (the oplog pruner,
 * src/oplog/oplog.ts): the keys are counted and bounded in C and removed with one
 * WT_SESSION::truncate over the range, instead of one FFI call and one cursor remove per key from JS.
 * A bulk load of a million documents past the oplog's max_entries left ~900,000 entries to prune, and
 * pruning them key by key slowed every other client ~25x for over a minute.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <wiredtiger.h>

static int
below(const WT_ITEM *k, const uint8_t *bound, int32_t blen)
{
    size_t n = k->size < (size_t)blen ? k->size : (size_t)blen;
    int c = n ? memcmp(k->data, bound, n) : 0;
    return c < 0 || (c == 0 && k->size < (size_t)blen);
}

/*
 * From the first key >= lower (llen 0: the table's first key), remove keys while fewer than max were
 * removed, the key is below hard (exclusive; hlen < 0: no bound), and either fewer than must were
 * removed or the key is below soft (exclusive; slen < 0: no bound, every key qualifies).
 * meta[0] = keys removed, meta[1] = the last removed key's length (copied to out; when it does not fit
 * in cap: nothing is removed, EINVAL and meta[1] = the length needed). Runs in the cursor's session's
 * transaction; the cursor is left reset.
 */
int
sct_kv_remove_leading(WT_CURSOR *c, const uint8_t *lower, int32_t llen, const uint8_t *hard, int32_t hlen,
  const uint8_t *soft, int32_t slen, int64_t must, int64_t max, uint8_t *out, int32_t cap, int64_t *meta)
{
    WT_SESSION *s = c->session;
    WT_CURSOR *start = NULL;
    WT_ITEM k;
    int exact = 0, ret;
    int64_t n = 0;
    size_t last_len = 0;

    meta[0] = 0;
    meta[1] = 0;
    c->reset(c);
    if (llen > 0) {
        k.data = lower;
        k.size = (size_t)llen;
        c->set_key(c, &k);
        ret = c->search_near(c, &exact);
        if (ret == 0 && exact < 0)
            ret = c->next(c);
    } else {
        ret = c->next(c);
    }
    if (ret == 0 && (ret = s->open_cursor(s, NULL, c, NULL, &start)) != 0)
        start = NULL; /* a duplicate positioned on the first key */
    while (ret == 0 && n < max) {
        if ((ret = c->get_key(c, &k)) != 0)
            break;
        if (hlen >= 0 && !below(&k, hard, hlen))
            break;
        if (n >= must && slen >= 0 && !below(&k, soft, slen))
            break;
        if (k.size > (size_t)cap) {
            meta[1] = (int64_t)k.size;
            ret = EINVAL;
            goto done;
        }
        memcpy(out, k.data, k.size);
        last_len = k.size;
        n++;
        ret = c->next(c);
    }
    if (ret != 0 && ret != WT_NOTFOUND)
        goto done;
    ret = 0;
    if (n > 0) {
        k.data = out;
        k.size = last_len;
        c->set_key(c, &k);
        if ((ret = c->search(c)) == 0)
            ret = s->truncate(s, NULL, start, c, NULL);
        if (ret == 0) {
            meta[0] = n;
            meta[1] = (int64_t)last_len;
        }
    }
done:
    if (start)
        start->close(start);
    c->reset(c);
    return ret;
}
