/*
 * SecantusDB WiredTiger shim: the `$group` fold's group table (wt_group.c folds records into it) and
 * the split fold's merge. The table keeps its groups in first-seen order with an open-addressing index
 * on the key's class and canonical value (equality as wt_group.c's header states); `g_find_group`
 * finds or adds a key's group, `g_keep_value` folds a $min/$max/$first/$last value into a slot, and
 * `sct_group_merge` merges the second part of a split scan into the first.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wt_group_internal.h"


static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static int
grow_table(sct_group *g)
{
    if (g->ngroups == g->cap_groups) {
        int64_t n = g->cap_groups ? g->cap_groups * 2 : 16;
        g_group *ng = realloc(g->groups, (size_t)n * sizeof(g_group));
        if (ng == NULL)
            return -1;
        g->groups = ng;
        if (g->nacc > 0) {
            g_sum *ns = realloc(g->sums, (size_t)n * (size_t)g->nacc * sizeof(g_sum));
            if (ns == NULL)
                return -1;
            g->sums = ns;
        }
        g->cap_groups = n;
    }
    if ((uint64_t)(g->ngroups + 1) * 2 > g->nslots) {
        uint64_t n = g->nslots ? g->nslots * 2 : 32;
        uint32_t *s = calloc(n, sizeof(uint32_t));
        if (s == NULL)
            return -1;
        for (int64_t i = 0; i < g->ngroups; i++) {
            uint64_t h = g->groups[i].hash & (n - 1);
            while (s[h] != 0)
                h = (h + 1) & (n - 1);
            s[h] = (uint32_t)(i + 1);
        }
        free(g->slots);
        g->slots = s;
        g->nslots = n;
    }
    return 0;
}

/* Same key? (class and hash already equal) */
static int
key_equal(const g_group *x, uint8_t kclass, int64_t ival, const uint8_t *kb, uint32_t kl)
{
    switch (kclass) {
    case K_NULL:
        return 1;
    case K_STR: /* the stored id is [i32 len][bytes][NUL] */
        return x->idlen == kl + 5 && g_bytes_equal(x->idbytes + 4, kb, kl);
    case K_OID:
        return memcmp(x->idbytes, kb, 12) == 0;
    default:
        return x->ival == ival;
    }
}

/*
 * The group of a key value (type t, value bytes v of length vlen; t = 0 for missing): its index, or
 * -1 when the key type is not handled, -2 when the table is full or out of memory.
 */
int64_t
g_find_group(sct_group *g, uint8_t t, const uint8_t *v, int64_t vlen)
{
    uint8_t kclass;
    int64_t ival = 0;
    const uint8_t *kb = NULL;
    uint32_t kl = 0;
    switch (t) {
    case 0:
    case 0x0a:
        kclass = K_NULL;
        break;
    case 0x08:
        if (v[0] > 1)
            return -1;
        kclass = K_BOOL;
        ival = v[0];
        break;
    case 0x10: {
        int32_t x;
        memcpy(&x, v, 4);
        kclass = K_NUM_INT;
        ival = x;
        break;
    }
    case 0x12:
        kclass = K_NUM_INT;
        memcpy(&ival, v, 8);
        break;
    case 0x01: {
        double d;
        memcpy(&d, v, 8);
        if (isnan(d)) {
            kclass = K_NUM_DBL;
            ival = 0x7ff8000000000000LL;
        } else if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
            kclass = K_NUM_INT;
            ival = (int64_t)d; /* -0 → 0 */
        } else {
            kclass = K_NUM_DBL;
            memcpy(&ival, &d, 8);
        }
        break;
    }
    case 0x02: {
        int32_t n;
        memcpy(&n, v, 4);
        kb = v + 4;
        kl = (uint32_t)(n - 1);
        kclass = K_STR; /* checked only when it makes a new group: an existing one's bytes were */
        break;
    }
    case 0x07:
        kclass = K_OID;
        kb = v;
        kl = 12;
        break;
    case 0x09:
        kclass = K_DATE;
        memcpy(&ival, v, 8);
        break;
    default:
        return -1;
    }
    uint64_t h = 14695981039346656037ULL ^ kclass;
    if (kb != NULL)
        h = fnv(h, kb, kl);
    else
        h = fnv(h, (const uint8_t *)&ival, 8);
    h ^= h >> 29;
    if (g->nslots > 0) {
        uint64_t at = h & (g->nslots - 1);
        for (uint32_t s; (s = g->slots[at]) != 0; at = (at + 1) & (g->nslots - 1)) {
            const g_group *x = &g->groups[s - 1];
            if (x->hash == h && x->kclass == kclass && key_equal(x, kclass, ival, kb, kl))
                return (int64_t)s - 1;
        }
    }
    if (kclass == K_STR) {
        if (kl >= 3 && kb[0] == 0xef && kb[1] == 0xbb && kb[2] == 0xbf)
            return -1; /* JS strips a leading BOM */
        if (!sct_valid_utf8(kb, kl))
            return -1;
    }
    if (g->ngroups >= g->max_groups || g->ngroups >= 0x7ffffff0 || grow_table(g) != 0)
        return -2;
    int64_t i = g->ngroups;
    g_group *ng = &g->groups[i];
    ng->hash = h;
    ng->ival = ival;
    ng->kclass = kclass;
    ng->idtype = t == 0 ? 0x0a : t;
    ng->idlen = (uint32_t)vlen;
    ng->idbytes = NULL;
    if (vlen > 0) {
        ng->idbytes = malloc((size_t)vlen);
        if (ng->idbytes == NULL)
            return -2;
        memcpy(ng->idbytes, v, (size_t)vlen);
    }
    for (int32_t k = 0; k < g->nacc; k++)
        memset(&g->sums[i * g->nacc + k], 0, sizeof(g_sum));
    g->id_bytes += vlen;
    g->ngroups++;
    uint64_t at = h & (g->nslots - 1);
    while (g->slots[at] != 0)
        at = (at + 1) & (g->nslots - 1);
    g->slots[at] = (uint32_t)(i + 1);
    return i;
}

/* Keeps (type t, bytes v of length vlen) as the slot's value (t = 0: missing, kept as null). */
static int
set_value(sct_group *g, g_sum *s, uint8_t t, const uint8_t *v, int64_t vlen)
{
    if (t == 0) {
        t = 0x0a;
        vlen = 0;
    }
    if ((uint64_t)vlen > s->vcap) {
        uint32_t cap = vlen < 16 ? 16 : (uint32_t)vlen;
        uint8_t *nb = realloc(s->vbytes, cap);
        if (nb == NULL)
            return -1;
        s->vbytes = nb;
        s->vcap = cap;
    }
    if (vlen > 0)
        memcpy(s->vbytes, v, (size_t)vlen);
    g->id_bytes += vlen - (int64_t)s->vlen;
    s->vlen = (uint32_t)vlen;
    s->vtype = t;
    s->vset = 1;
    return 0;
}

/*
 * Folds one value into a $min/$max/$first/$last slot (t = 0: missing). $first/$last keep any value
 * (missing as null); $min/$max ignore null and missing and compare with sct_val_cmp (the JS
 * `compareValues` order, the first of equal values kept); -1 for a value they cannot compare here.
 */
int
g_keep_value(sct_group *g, g_sum *s, int32_t op, uint8_t t, const uint8_t *v, int64_t vlen)
{
    if (op == A_FIRST)
        return s->vset ? 0 : set_value(g, s, t, v, vlen);
    if (op == A_LAST)
        return set_value(g, s, t, v, vlen);
    if (t == 0 || t == 0x0a)
        return 0;
    sct_val x, cur;
    if (sct_val_of(t, v, vlen, &x) != 0)
        return -1;
    if (s->vset) {
        if (sct_val_of(s->vtype, s->vbytes, s->vlen, &cur) != 0)
            return -1;
        int c = sct_val_cmp(&x, &cur);
        if (op == A_MIN ? c >= 0 : c <= 0)
            return 0;
    }
    return set_value(g, s, t, v, vlen);
}

/* Copies a kept value of table `from` into slot s of table g. */
static int
copy_value(sct_group *g, g_sum *s, const g_sum *from)
{
    return set_value(g, s, from->vtype, from->vbytes, from->vlen);
}

/*
 * Merges table b (the second part of a split scan) into table a (the first part), as if a had
 * folded b's records after its own: b's groups a does not have are added in b's first-seen order with
 * b's first `_id` value; integer sums and counts add up; $first keeps a's value when a has one, $last
 * b's; $min/$max keep b's only when strictly smaller/larger (the first of equal values stays). A
 * compensated double sum does not merge exactly (the sequential fold adds each summand to a's running
 * sum), so b gives up at its first double summand (sct_group_set_part): when b is unsupported, for
 * that or any other reason, a is left untouched and meta[0] = G_REDO — the caller folds b's part into
 * a instead (where a record a cannot fold makes a unsupported as before). meta[0] = G_DONE merged,
 * G_REDO, or G_UNSUPPORTED (a was, or the merged groups exceed a's limit: a is then unsupported for
 * good); meta[1] = a's groups, meta[2] its bytes of _id values and kept values.
 */
#define G_REDO 4

int
sct_group_merge(sct_group *a, const sct_group *b, int64_t *meta)
{
    meta[0] = G_DONE;
    if (!a->unsupported && (b->unsupported || a->nacc != b->nacc))
        meta[0] = G_REDO;
    else if (!a->unsupported) {
        for (int64_t i = 0; i < b->ngroups && meta[0] == G_DONE; i++)
            for (int32_t k = 0; k < b->nacc; k++)
                if (b->acc[k].op == A_SUM && b->sums[i * b->nacc + k].kind == 2) {
                    meta[0] = G_REDO;
                    break;
                }
        for (int64_t i = 0; i < b->ngroups && meta[0] == G_DONE; i++) {
            const g_group *bg = &b->groups[i];
            int64_t gi = g_find_group(a, bg->idtype == 0x0a ? 0 : bg->idtype, bg->idbytes, bg->idlen);
            if (gi < 0) {
                a->unsupported = 1;
                break;
            }
            g_sum *as = a->sums + gi * a->nacc;
            const g_sum *bs = b->sums + i * b->nacc;
            for (int32_t k = 0; k < a->nacc; k++) {
                g_sum *x = &as[k];
                const g_sum *y = &bs[k];
                int32_t op = a->acc[k].op;
                int rc = 0;
                if (op == A_SUM) {
                    x->itotal += y->itotal;
                    x->count += y->count;
                    if (y->kind > x->kind)
                        x->kind = y->kind;
                } else if (!y->vset)
                    continue;
                else if (op == A_FIRST) {
                    if (!x->vset)
                        rc = copy_value(a, x, y);
                } else if (op == A_LAST || !x->vset)
                    rc = copy_value(a, x, y);
                else { /* $min / $max: both kept values compare (g_keep_value checked them) */
                    sct_val vx, vy;
                    if (sct_val_of(x->vtype, x->vbytes, x->vlen, &vx) != 0 ||
                      sct_val_of(y->vtype, y->vbytes, y->vlen, &vy) != 0)
                        rc = -1;
                    else {
                        int cmp = sct_val_cmp(&vy, &vx);
                        if (op == A_MIN ? cmp < 0 : cmp > 0)
                            rc = copy_value(a, x, y);
                    }
                }
                if (rc != 0) {
                    a->unsupported = 1;
                    break;
                }
            }
            if (a->unsupported)
                break;
        }
    }
    if (a->unsupported)
        meta[0] = G_UNSUPPORTED;
    meta[1] = a->ngroups;
    meta[2] = a->id_bytes;
    return 0;
}
