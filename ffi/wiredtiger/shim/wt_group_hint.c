/*
 * SecantusDB WiredTiger shim: where the last folds of a record table found its out-of-run values, as
 * prefetch hints for the next folds of that table (issue 18, bench.mjs's aggregate after update_inc).
 *
 * A fold's stride prefetch (wt_group.c, prefetch_ahead) reaches each record's WT_INSERT node and first
 * update, which sit in insertion order, but not the newest update of a record updated since it was
 * inserted: that one was allocated later, anywhere, and only the node knows where (WiredTiger
 * internals). `__wt_btcur_next` then waits for it, one miss per updated record. A fold that meets
 * such a record (a value out of the insertion-order run) notes its record id and value address; at the
 * end of each forward slice the notes replace the table's hints for the slice's record range, and the
 * next folds of the table prefetch the hinted values a few records ahead. A hint is only a guess: the
 * record may have been updated again, or the table dropped and its name reused — a stale address costs
 * a wasted prefetch (a prefetch never faults), never a wrong result, since only `__builtin_prefetch`
 * reads it. At most H_TABLES tables (the least recently published replaced) and H_MAX hints per table
 * (a table with more updated records keeps none: 16 bytes per hint, at most 8 MB in all).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wt_group_internal.h"

#define H_TABLES 8
#define H_MAX 65536

struct g_hints {
    char uri[192];
    int64_t n;
    int64_t *rid;    /* ascending */
    uintptr_t *addr; /* the value's address */
    int refs;        /* the table slot's own reference while it holds the set, plus readers */
};

static pthread_mutex_t h_mu = PTHREAD_MUTEX_INITIALIZER;
static g_hints *h_set[H_TABLES];
static uint64_t h_used[H_TABLES];
static uint64_t h_clock;

static void
h_release(g_hints *s)
{
    if (--s->refs == 0) {
        free(s->rid);
        free(s->addr);
        free(s);
    }
}

g_hints *
g_hints_get(const char *uri)
{
    g_hints *s = NULL;
    pthread_mutex_lock(&h_mu);
    for (int i = 0; i < H_TABLES; i++)
        if (h_set[i] != NULL && strcmp(h_set[i]->uri, uri) == 0) {
            s = h_set[i];
            s->refs++;
            break;
        }
    pthread_mutex_unlock(&h_mu);
    return s;
}

void
g_hints_put(g_hints *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&h_mu);
    h_release(s);
    pthread_mutex_unlock(&h_mu);
}

int64_t
g_hints_from(const g_hints *s, int64_t rid)
{
    int64_t lo = 0, hi = s->n; /* the first hint with a record id greater than rid */
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (s->rid[mid] <= rid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void
g_hints_publish(const char *uri, int64_t lo, int64_t hi, const g_notes *notes)
{
    size_t ulen = strlen(uri);
    if (ulen >= sizeof(((g_hints *)0)->uri))
        return;
    pthread_mutex_lock(&h_mu);
    int at = -1;
    for (int i = 0; i < H_TABLES && at < 0; i++)
        if (h_set[i] != NULL && strcmp(h_set[i]->uri, uri) == 0)
            at = i;
    if (at < 0) { /* an empty slot, or the least recently published */
        at = 0;
        for (int i = 0; i < H_TABLES; i++) {
            if (h_set[i] == NULL) {
                at = i;
                break;
            }
            if (h_used[i] < h_used[at])
                at = i;
        }
    }
    g_hints *old = h_set[at] != NULL && strcmp(h_set[at]->uri, uri) == 0 ? h_set[at] : NULL;
    int64_t before = 0, after = 0; /* old hints kept below lo and above hi */
    if (old != NULL) {
        before = g_hints_from(old, lo);
        after = old->n - g_hints_from(old, hi);
    }
    int64_t n = before + notes->n + after;
    g_hints *s = n <= H_MAX ? calloc(1, sizeof(*s)) : NULL;
    if (s != NULL && n > 0) {
        s->rid = malloc((size_t)n * sizeof(int64_t));
        s->addr = malloc((size_t)n * sizeof(uintptr_t));
        if (s->rid == NULL || s->addr == NULL) {
            free(s->rid);
            free(s->addr);
            free(s);
            s = NULL;
        }
    }
    if (s != NULL) {
        memcpy(s->uri, uri, ulen + 1);
        s->n = n;
        s->refs = 1;
        if (before > 0) {
            memcpy(s->rid, old->rid, (size_t)before * sizeof(int64_t));
            memcpy(s->addr, old->addr, (size_t)before * sizeof(uintptr_t));
        }
        if (notes->n > 0) {
            memcpy(s->rid + before, notes->rid, (size_t)notes->n * sizeof(int64_t));
            memcpy(s->addr + before, notes->addr, (size_t)notes->n * sizeof(uintptr_t));
        }
        if (after > 0) {
            memcpy(s->rid + before + notes->n, old->rid + old->n - after, (size_t)after * sizeof(int64_t));
            memcpy(s->addr + before + notes->n, old->addr + old->n - after, (size_t)after * sizeof(uintptr_t));
        }
        if (h_set[at] != NULL)
            h_release(h_set[at]);
        h_set[at] = s;
        h_used[at] = ++h_clock;
    } else if (old != NULL) { /* too many hints (or no memory): none rather than stale ones */
        h_release(old);
        h_set[at] = NULL;
    }
    pthread_mutex_unlock(&h_mu);
}

int
g_notes_add(g_notes *notes, int64_t rid, uintptr_t addr)
{
    if (notes->n == notes->cap) {
        int64_t cap = notes->cap ? notes->cap * 2 : 256;
        int64_t *r = realloc(notes->rid, (size_t)cap * sizeof(int64_t));
        if (r == NULL)
            return -1;
        notes->rid = r;
        uintptr_t *a = realloc(notes->addr, (size_t)cap * sizeof(uintptr_t));
        if (a == NULL)
            return -1;
        notes->addr = a;
        notes->cap = cap;
    }
    notes->rid[notes->n] = rid;
    notes->addr[notes->n] = addr;
    notes->n++;
    return 0;
}

void
g_notes_free(g_notes *notes)
{
    free(notes->rid);
    free(notes->addr);
}

int64_t
g_hints_rid(const g_hints *s, int64_t i)
{
    return i < s->n ? s->rid[i] : INT64_MAX;
}

uintptr_t
g_hints_addr(const g_hints *s, int64_t i)
{
    return s->addr[i];
}
