/*
 * SecantusDB WiredTiger shim: a simple `$group` folded inside a record scan (issue 18), so that a
 * pipeline that starts with `{$group: {_id: "$f", n: {$sum: 1}, t: {$sum: "$x"}, a: {$avg: "$y"}}}`
 * never decodes its documents in JS.
 *
 * A group table (`sct_group_new` / `sct_group_free`) holds the groups in first-seen order. Each call
 * of `sct_group_scan` reads at most `max` records of a record cursor (after a record id, so JS can
 * yield between slices and resume in a new snapshot), walks each stored document's top-level
 * elements, and folds it into the table: the key is the FIRST element named like the key field
 * (missing counts as null), each accumulator a running numeric sum of the first element of its
 * field (or of a constant).
 *
 * Key equality is that of the JS `valueKey` (engine/aggregate/group_key.ts) for the types handled
 * here: numbers by value (int32, int64 and doubles with an integral value in int64 range compare as
 * int64; other doubles by value, every NaN one key, -0 = 0), strings by bytes (valid UTF-8 only, no
 * leading BOM: the JS decoder strips one), null = missing, booleans, ObjectIds, dates. Any other
 * key type, a Decimal128 summand, a malformed document or more groups than the table may hold makes
 * the table "unsupported" for good: the caller then runs the pipeline in JS from the start.
 *
 * A sum keeps what JS `NumericSum` (engine/expression/numeric_sum.ts) keeps, folded in the same
 * order: the exact integer total (int32/int64 summands), the widest kind seen (0 int, 1 long,
 * 2 double), the compensated double sum and its compensation, the count of numeric summands. JS
 * builds the typed result from these parts, so the result typing has one definition.
 *
 * The table's layout is in wt_group_internal.h; finding a key's group, keeping a $min/$max/$first/
 * $last value and merging the two parts of a split scan are in wt_group_merge.c.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wiredtiger.h>

#include "wt_group_internal.h"

void sct_group_free(sct_group *g);

/*
 * A new table. `names` packs `nnames` (1..G_NAMES_MAX) field names as [u32 LE length][bytes], the
 * key field first; `accs` holds 4 int64 per accumulator: the index of its field in the names (-1 for
 * a constant), the constant's BSON type (0x10 int32, 0x12 int64, 0x01 double) and value (a double's
 * bits), the op (0 sum, 1 min, 2 max, 3 first, 4 last; only a sum takes a constant). meta[0] = the
 * table's address. More than `max_groups` groups make it unsupported.
 */
int
sct_group_new(const uint8_t *names, int32_t names_len, int32_t nnames, const int64_t *accs, int32_t nacc,
  int64_t max_groups, int64_t *meta)
{
    meta[0] = 0;
    if (nnames < 1 || nnames > G_NAMES_MAX || nacc < 0 || nacc > G_ACCS_MAX || names_len < 0 || max_groups < 0)
        return EINVAL;
    sct_group *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return ENOMEM;
    g->names_buf = malloc(names_len > 0 ? (size_t)names_len : 1);
    if (g->names_buf == NULL) {
        free(g);
        return ENOMEM;
    }
    if (names_len > 0)
        memcpy(g->names_buf, names, (size_t)names_len);
    if (sct_parse_names(g->names_buf, names_len, nnames, &g->names) != 0) {
        sct_group_free(g);
        return EINVAL;
    }
    g->nacc = nacc;
    for (int32_t i = 0; i < nacc; i++) {
        g_acc *a = &g->acc[i];
        a->name = (int32_t)accs[i * 4];
        a->ctype = (int32_t)accs[i * 4 + 1];
        a->cval = accs[i * 4 + 2];
        a->op = (int32_t)accs[i * 4 + 3];
        if (a->name >= nnames || a->name < -1 || a->op < A_SUM || a->op > A_LAST ||
          (a->name == -1 && (a->op != A_SUM || (a->ctype != 0x10 && a->ctype != 0x12 && a->ctype != 0x01)))) {
            sct_group_free(g);
            return EINVAL;
        }
    }
    g->max_groups = max_groups;
    meta[0] = (int64_t)(intptr_t)g;
    return 0;
}

void
sct_group_free(sct_group *g)
{
    if (g == NULL)
        return;
    for (int64_t i = 0; i < g->ngroups; i++) {
        free(g->groups[i].idbytes);
        for (int32_t k = 0; k < g->nacc; k++)
            free(g->sums[i * g->nacc + k].vbytes);
    }
    sct_filter_free(&g->filter);
    free(g->pend);
    free(g->groups);
    free(g->sums);
    free(g->slots);
    free(g->names_buf);
    free(g);
}

static void
sum_double(g_sum *s, double v)
{
    if (s->kind < 2)
        s->kind = 2;
    double y = v - s->comp;
    double t = s->dbl + y;
    if (isfinite(t)) {
        s->comp = (t - s->dbl) - y;
        s->dbl = t;
    } else {
        s->dbl += v;
        s->comp = 0;
    }
}

/* Adds one value of BSON type t at p; -1 when the value is a Decimal128 (not handled here). */
static int
sum_add(g_sum *s, int t, const uint8_t *p)
{
    switch (t) {
    case 0x10: {
        int32_t v;
        memcpy(&v, p, 4);
        s->itotal += v;
        s->count++;
        return 0;
    }
    case 0x12: {
        int64_t v;
        memcpy(&v, p, 8);
        if (s->kind < 1)
            s->kind = 1;
        s->itotal += v;
        s->count++;
        return 0;
    }
    case 0x01: {
        double v;
        memcpy(&v, p, 8);
        sum_double(s, v);
        s->count++;
        return 0;
    }
    case 0x13:
        return -1;
    default:
        return 0; /* not a number: ignored */
    }
}

/* Folds one stored document; 0, or -1 when it cannot be handled here. */
static int
fold(sct_group *g, const uint8_t *doc, int64_t size)
{
    const uint8_t *val[G_NAMES_MAX];
    uint8_t typ[G_NAMES_MAX];
    int64_t vlens[G_NAMES_MAX];
    const int32_t nn = g->names.count;
    const uint32_t all = (uint32_t)((1u << nn) - 1);
    uint32_t found = 0;
    int32_t total;
    if (size < 5)
        return -1;
    /* (the terminator is not read: it is another cache line of a 1 KB document, and the walk is
     * bounded by the size; stored documents were validated on the way in) */
    memcpy(&total, doc, 4);
    if (total != size)
        return -1;
    int64_t i = 4;
    const uint8_t *last = doc + size - 1;
    while (i < size - 1 && found != all) {
        uint8_t t = doc[i];
        const uint8_t *name = doc + i + 1;
        const uint8_t *end = name;
        while (end < last && *end != 0)
            end++;
        if (end >= last)
            return -1;
        int64_t p = end + 1 - doc;
        int64_t vlen = sct_value_len(t, doc + p, size - 1 - p);
        if (vlen < 0)
            return -1;
        size_t nlen = (size_t)(end - name);
        for (int32_t k = 0; k < nn; k++) {
            uint32_t bit = 1u << k;
            if ((found & bit) == 0 && g->names.len[k] == nlen && g_bytes_equal(g->names.name[k], name, nlen)) {
                found |= bit;
                val[k] = doc + p;
                typ[k] = t;
                vlens[k] = vlen;
                break;
            }
        }
        i = p + vlen;
    }
    int64_t gi = (found & 1) ? g_find_group(g, typ[0], val[0], vlens[0]) : g_find_group(g, 0, NULL, 0);
    if (gi < 0)
        return -1;
    g_sum *sums = g->sums + gi * g->nacc;
    for (int32_t k = 0; k < g->nacc; k++) {
        const g_acc *a = &g->acc[k];
        if (a->op != A_SUM) {
            int has = (found & (1u << a->name)) != 0;
            if (g_keep_value(g, &sums[k], a->op, has ? typ[a->name] : 0, has ? val[a->name] : NULL,
                  has ? vlens[a->name] : 0) != 0)
                return -1;
        } else if (a->name < 0) {
            if ((g->no_double && a->ctype == 0x01) || sum_add(&sums[k], a->ctype, (const uint8_t *)&a->cval) != 0)
                return -1;
        } else if (found & (1u << a->name)) {
            if ((g->no_double && typ[a->name] == 0x01) || sum_add(&sums[k], typ[a->name], val[a->name]) != 0)
                return -1;
        }
    }
    return 0;
}

/* Copies the record a G_FOR_JS slice stops at; 0, or -1 out of memory. */
static int
keep_pending(sct_group *g, const void *doc, int64_t size)
{
    if (size > g->pend_cap) {
        uint8_t *nb = realloc(g->pend, (size_t)size);
        if (nb == NULL)
            return -1;
        g->pend = nb;
        g->pend_cap = size;
    }
    memcpy(g->pend, doc, (size_t)size);
    g->pend_len = size;
    return 0;
}

/*
 * Prefetch across records (memory stalls are most of a fold). WiredTiger hands out each record's
 * value where it lives: in a page image for a page read from disk, or in its own WT_UPDATE (after a
 * WT_INSERT skip-list node allocated just before it) for a freshly inserted record, which is every
 * record of a table loaded since the last restart until its pages leave the cache (settle.ts). The
 * cursor's `next` then waits on two cache misses per record, the node and the update, one after the
 * other (`perf`: half of a 24,000-record fold right after a load). Records inserted one after another
 * sit at a nearly constant distance from each other (~1.5 KB apart for 1 KB documents: the record,
 * then its index entries), so the lines at the same distance `PF_AHEAD` records ahead — node, update
 * header and the value's first lines — are fetched while this record is folded. A prefetch never
 * faults: a wrong guess costs a wasted fetch, nothing else.
 *
 * An updated record breaks the run: its node keeps its place in insertion order, but its newest value
 * (what the cursor hands out) was allocated later, far away. After bench.mjs's `update_inc` that is
 * every fourth or fifth record (45 % of the distances between neighbours were jumps of tens of MB), and
 * guessing from the last two values lost the prefetch of the two records after each jump. So the guess
 * follows the run of values found in insertion order (`seq`), counting an out-of-run record as one
 * more step of the run (its node and first update sit there), and moves to a new run when two
 * neighbours agree far from the old one. The out-of-run values themselves are noted, and the next
 * folds of the table prefetch them from those notes (wt_group_hint.c).
 */
#define PF_AHEAD 3
#define PF_MAX_STRIDE (64 * 1024)
#define PF_MAX_GAP 16

typedef struct {
    uintptr_t prev;  /* the last record's value (0: none yet) */
    uintptr_t seq;   /* the last value found in the insertion-order run (0: none yet) */
    intptr_t stride; /* the distance between neighbours in that run (0: not known yet) */
    intptr_t gap;    /* records examined since the one at seq */
} g_prefetch;

static inline int
prefetch_ahead(g_prefetch *pf, const void *data)
{
    uintptr_t cur = (uintptr_t)data;
    int out = 0;
    if (pf->seq == 0)
        pf->seq = cur;
    else {
        intptr_t d = (intptr_t)(cur - pf->seq), lim = (intptr_t)PF_MAX_STRIDE * (pf->gap + 1);
        intptr_t dl = (intptr_t)(cur - pf->prev);
        if (d != 0 && d < lim && d > -lim) { /* in the run, gap + 1 steps after seq */
            pf->stride = pf->gap == 0 ? d : d / (pf->gap + 1);
            pf->seq = cur;
            pf->gap = 0;
        } else if (dl != 0 && dl < PF_MAX_STRIDE && dl > -PF_MAX_STRIDE) { /* a new run */
            pf->stride = dl;
            pf->seq = cur;
            pf->gap = 0;
        } else if (++pf->gap > PF_MAX_GAP) { /* lost: start over here */
            pf->seq = cur;
            pf->stride = 0;
            pf->gap = 0;
        } else
            out = 1;
    }
    pf->prev = cur;
    if (pf->stride != 0) {
        uintptr_t p = pf->seq + (uintptr_t)(pf->stride * (pf->gap + PF_AHEAD));
        __builtin_prefetch((const void *)(p - 128));
        __builtin_prefetch((const void *)(p - 64));
        __builtin_prefetch((const void *)p);
        __builtin_prefetch((const void *)(p + 64));
    }
    return out;
}

/* Hinted values (wt_group_hint.c) are prefetched this many record ids ahead. */
#define H_AHEAD 4

/*
 * Folds at most `max` records of record cursor c, from the first one (after `after` with
 * G_SCAN_HAS_AFTER; backwards with G_SCAN_REVERSE). meta: examined records, the last record id
 * examined when the slice stops before the end (where the next one resumes), status (0 more may
 * follow, 1 done, 2 the last record examined is for the JS matcher: sct_group_pending_doc gives it,
 * sct_group_fold_doc folds it when it matches; 3 unsupported: the table is then useless), groups,
 * bytes of the groups' _id values and kept values. With a filter (sct_group_set_filter) only the
 * records it matches are folded. The cursor is reset afterwards. Returns a WiredTiger code.
 */
int
sct_group_scan(WT_CURSOR *c, sct_group *g, int flags, int64_t after, int64_t max, int64_t *meta)
{
    int rev = flags & G_SCAN_REVERSE, ret, exact;
    int64_t count = 0, rid = after;
    WT_ITEM v;
    g_prefetch pf = {0};
    g_hints *hs = NULL; /* forward scans only: the table's hints, and a note of each out-of-run value */
    g_notes notes = {0};
    int64_t hj = 0, hnext = INT64_MAX;
    int noting = !rev;
    meta[GM_EXAMINED] = 0;
    meta[GM_LAST_RID] = after;
    meta[GM_STATUS] = G_DONE;
    if (g->unsupported) {
        meta[GM_STATUS] = G_UNSUPPORTED;
        return 0;
    }
    c->reset(c);
    if (!rev && (hs = g_hints_get(c->uri)) != NULL) {
        hj = g_hints_from(hs, (flags & G_SCAN_HAS_AFTER) ? after : INT64_MIN);
        hnext = g_hints_rid(hs, hj);
    }
    if (flags & G_SCAN_HAS_AFTER) {
        c->set_key(c, after);
        ret = c->search_near(c, &exact);
        if (ret == 0 && ((!rev && exact <= 0) || (rev && exact >= 0)))
            ret = rev ? c->prev(c) : c->next(c);
    } else
        ret = rev ? c->prev(c) : c->next(c);
    for (;;) {
        if (ret == WT_NOTFOUND) {
            ret = 0;
            break;
        }
        if (ret != 0)
            break;
        int has_rid = 0;
        if (g->has_until || hs != NULL) { /* a split scan's part stops past `until` */
            if ((ret = c->get_key(c, &rid)) != 0)
                break;
            has_rid = 1;
            if (g->has_until && (rev ? rid < g->until : rid > g->until))
                break;
            for (; hnext <= rid + H_AHEAD; hnext = g_hints_rid(hs, ++hj)) {
                const uint8_t *a = (const uint8_t *)g_hints_addr(hs, hj);
                __builtin_prefetch(a - 64);
                __builtin_prefetch(a);
            }
        }
        if ((ret = c->get_value(c, &v)) != 0)
            break;
        /* the wanted fields usually sit in the first two cache lines: fetch the second meanwhile */
        if (v.size > 64)
            __builtin_prefetch((const uint8_t *)v.data + 64);
        if (prefetch_ahead(&pf, v.data) && noting) {
            if (!has_rid && (ret = c->get_key(c, &rid)) != 0)
                break;
            if (g_notes_add(&notes, rid, (uintptr_t)v.data) != 0)
                noting = 0;
        }
        int m = g->filter.nterms > 0 ? sct_filter_match(&g->filter, v.data, (int64_t)v.size) : 1;
        if (m == -1) { /* for the JS matcher: stop here with a copy of the record */
            if (keep_pending(g, v.data, (int64_t)v.size) != 0 || (ret = c->get_key(c, &rid)) != 0) {
                g->unsupported = 1;
                meta[GM_STATUS] = G_UNSUPPORTED;
                break;
            }
            count++;
            meta[GM_LAST_RID] = rid;
            meta[GM_STATUS] = G_FOR_JS;
            break;
        }
        if (m < 0 || (m == 1 && fold(g, v.data, (int64_t)v.size) != 0)) {
            g->unsupported = 1;
            meta[GM_STATUS] = G_UNSUPPORTED;
            break;
        }
        if (++count >= max) { /* the record id is needed only where the next slice resumes */
            if ((ret = c->get_key(c, &rid)) != 0)
                break;
            meta[GM_LAST_RID] = rid;
            meta[GM_STATUS] = G_MORE;
            break;
        }
        ret = rev ? c->prev(c) : c->next(c);
    }
    meta[GM_EXAMINED] = count;
    meta[GM_GROUPS] = g->ngroups;
    meta[GM_ID_BYTES] = g->id_bytes;
    if (noting && ret == 0 && (meta[GM_STATUS] == G_MORE || meta[GM_STATUS] == G_DONE) &&
      (hs != NULL || notes.n > 0)) {
        int64_t hi = meta[GM_STATUS] == G_MORE ? meta[GM_LAST_RID] : g->has_until ? g->until : INT64_MAX;
        g_hints_publish(c->uri, (flags & G_SCAN_HAS_AFTER) ? after : INT64_MIN, hi, &notes);
    }
    g_hints_put(hs);
    g_notes_free(&notes);
    c->reset(c);
    return ret;
}

/*
 * Makes the table fold one part of a scan split in two (sct_group_merge). flags bit 0: its scans stop
 * at the first record past `until` (a record id greater than it, or smaller in a reverse scan), which
 * they do not examine — the first part; bit 1: a double summand makes it unsupported — the second
 * part, whose compensated double sums would not merge exactly. flags 0: a whole scan again (the first
 * part goes on over the second's records when they did not merge).
 */
void
sct_group_set_part(sct_group *g, int32_t flags, int64_t until)
{
    g->has_until = (flags & 1) != 0;
    g->until = until;
    g->no_double = (flags & 2) != 0;
}

/* Bytes of one group in sct_group_result's output. */
#define G_SUM_BYTES 44

/*
 * Writes the groups in first-seen order into out: per group [u8 _id type][u32 length][_id value
 * bytes], then per accumulator: a sum's [i64 low][i64 high] of the integer total, [f64 sum][f64
 * compensation][i64 count][i32 kind]; a $min/$max/$first/$last's [u8 type][u32 length][value bytes]
 * (null when none was kept). meta[0] = bytes needed; ENOSPC (nothing written) when cap is smaller.
 */
int
sct_group_result(sct_group *g, uint8_t *out, int64_t cap, int64_t *meta)
{
    int64_t need = 0;
    for (int64_t i = 0; i < g->ngroups; i++) {
        need += 5 + (int64_t)g->groups[i].idlen;
        for (int32_t k = 0; k < g->nacc; k++)
            need += g->acc[k].op == A_SUM ? G_SUM_BYTES : 5 + (int64_t)g->sums[i * g->nacc + k].vlen;
    }
    meta[0] = need;
    if (need > cap)
        return ENOSPC;
    uint8_t *o = out;
    for (int64_t i = 0; i < g->ngroups; i++) {
        const g_group *x = &g->groups[i];
        *o++ = x->idtype;
        memcpy(o, &x->idlen, 4);
        o += 4;
        if (x->idlen)
            memcpy(o, x->idbytes, x->idlen);
        o += x->idlen;
        for (int32_t k = 0; k < g->nacc; k++) {
            const g_sum *s = &g->sums[i * g->nacc + k];
            if (g->acc[k].op != A_SUM) {
                *o++ = s->vset ? s->vtype : 0x0a;
                uint32_t vl = s->vset ? s->vlen : 0;
                memcpy(o, &vl, 4);
                o += 4;
                if (vl)
                    memcpy(o, s->vbytes, vl);
                o += vl;
                continue;
            }
            uint64_t lo = (uint64_t)(unsigned __int128)s->itotal;
            int64_t hi = (int64_t)(s->itotal >> 64);
            memcpy(o, &lo, 8);
            memcpy(o + 8, &hi, 8);
            memcpy(o + 16, &s->dbl, 8);
            memcpy(o + 24, &s->comp, 8);
            memcpy(o + 32, &s->count, 8);
            memcpy(o + 40, &s->kind, 4);
            o += G_SUM_BYTES;
        }
    }
    return 0;
}

/* Sets the table's filter (wt_match.h's packed terms); 0 or EINVAL. */
int
sct_group_set_filter(sct_group *g, const uint8_t *packed, int32_t len, int32_t nterms)
{
    sct_filter_free(&g->filter);
    return sct_filter_parse(&g->filter, packed, len, nterms) == 0 ? 0 : EINVAL;
}

/* Copies the record a G_FOR_JS slice stopped at into out; meta[0] = its length; ENOSPC when cap is smaller. */
int
sct_group_pending_doc(sct_group *g, uint8_t *out, int64_t cap, int64_t *meta)
{
    meta[0] = g->pend_len;
    if (g->pend_len > cap)
        return ENOSPC;
    if (g->pend_len > 0)
        memcpy(out, g->pend, (size_t)g->pend_len);
    return 0;
}

/*
 * Folds one document the JS matcher matched (a G_FOR_JS record), unfiltered. meta[0] = status (1, or 3
 * unsupported for good), meta[1] = groups, meta[2] = bytes of _id values and kept values.
 */
int
sct_group_fold_doc(sct_group *g, const uint8_t *doc, int64_t size, int64_t *meta)
{
    if (!g->unsupported && fold(g, doc, size) != 0)
        g->unsupported = 1;
    meta[0] = g->unsupported ? G_UNSUPPORTED : G_DONE;
    meta[1] = g->ngroups;
    meta[2] = g->id_bytes;
    return 0;
}

/*
 * Folds on Deno's blocking thread pool (issue 18: two aggregates fold on two cores while the JS
 * thread keeps serving). JS counts a scan as pending (sct_group_pending, synchronous) before it starts
 * sct_group_scan_tracked (a nonblocking FFI symbol), which counts itself done; sct_group_wait_idle
 * blocks until none is pending, so sessions and the connection are never closed under one.
 */
static pthread_mutex_t group_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t group_cv = PTHREAD_COND_INITIALIZER;
static int group_pending = 0;

void
sct_group_pending(void)
{
    pthread_mutex_lock(&group_mu);
    group_pending++;
    pthread_mutex_unlock(&group_mu);
}

int
sct_group_scan_tracked(WT_CURSOR *c, sct_group *g, int flags, int64_t after, int64_t max, int64_t *meta)
{
    int ret = sct_group_scan(c, g, flags, after, max, meta);
    pthread_mutex_lock(&group_mu);
    group_pending--;
    pthread_cond_broadcast(&group_cv);
    pthread_mutex_unlock(&group_mu);
    return ret;
}

void
sct_group_wait_idle(void)
{
    pthread_mutex_lock(&group_mu);
    while (group_pending > 0)
        pthread_cond_wait(&group_cv, &group_mu);
    pthread_mutex_unlock(&group_mu);
}
