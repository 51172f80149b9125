/*
 * io_fast_index.c — finds over a single-field index answered on the frame I/O thread (issue 18: target
 * 2's find_eq and find_range rows), beside the finds by `_id` of io_fast.c.
 *
 * JS registers a top-level field of a registered namespace with its index (sct_fast_register_field) once
 * its own planner served a find of one of these shapes over that index — the index {f: 1}, the only one
 * naming f, not multikey, sparse, partial or hidden, no collation on it or the collection
 * (src/commands/point_reads.ts decides):
 *   SHAPE_EQ     {find, filter: {f: v}}, v an ObjectId, a string or an integral number (scalar_key);
 *   SHAPE_RANGE  {find, filter: {f: {$gt|$gte: a, $lt|$lte: b}}}, a and b integral numbers, either
 *                side may be absent (then −Infinity or +Infinity, as the planner's numeric bounds);
 *   SHAPE_IN     {find, filter: {f: {$in: [v, ...]}}}, 1 to FAST_IN_MAX values as SHAPE_EQ takes them (f
 *                may be `_id`, over the `_id_` index): the points in key order without repeats;
 * each also with sort {f: 1} (the _SORTED shapes), and limit, batchSize, singleBatch and the generic
 * fields io_fast.c takes. The index range is walked in one snapshot transaction, each entry's record
 * read, and the documents go out in a cursor reply whose id is 0 — index order, as JS's IXSCAN returns
 * them. Equal keys are equal values for these kinds, and each record's field is checked to hold a
 * value of the filter's kind (a string for a string, an ObjectId for an ObjectId, a number for a
 * number or a range); anything else — an array, a symbol, a decimal, a NaN, the field missing or
 * repeated, a BSON type the walk does not know — hands the request to JS untouched, as does a batch
 * that would leave a cursor open (JS owns cursors: the batch filled before the range ended or the limit
 * was reached), more than FAST_BATCH_DOCS documents or FAST_BATCH_BYTES bytes.
 *
 * The index's multikey flag is set by a catalog commit, which clears the registry before it commits
 * (a range walk over a multikey index would miss an array with elements on both sides of the range);
 * any other catalog change (a new index naming f, a drop, collMod) does too.
 */
#define _GNU_SOURCE
#include "io_fast.h"

#define FAST_BATCH_DOCS 1024
#define FAST_BATCH_BYTES (1024 * 1024)
#define FAST_DEFAULT_BATCH 101 /* find's first batch without batchSize (limits.ts FIRST_BATCH_DOCS) */
#define FAST_IN_MAX 32          /* values of an $in list answered here */
#define WANT_EXACT 0xFF

/* One end of the walk: an escaped key (as the index stores it) and whether it is excluded. */
struct bound {
    uint8_t key[2 * FAST_KEY_MAX + 2];
    size_t len;
    int excl;
};

void fast_close_field(struct fast_field *fd)
{
    if (fd->cur)
        fd->cur->close(fd->cur);
    free(fd->name);
    free(fd->uri);
    memset(fd, 0, sizeof *fd);
}

/* SHAPE_EQ, SHAPE_RANGE or SHAPE_IN by the filter's value: a value to equal, an operator document
 * (whose operators range_bounds checks), or {$in: [...]}. */
static uint32_t filter_kind(const struct el *filter)
{
    if (filter->type != 0x03)
        return SHAPE_EQ;
    const uint8_t *q = filter->val + 4, *end = filter->val + filter->len;
    struct el e;
    if (next_el(&q, end, &e) != 1 || e.name_len == 0 || e.name[0] != '$')
        return SHAPE_EQ; /* (a document to equal: scalar_key refuses it) */
    return name_is(&e, "$in") ? SHAPE_IN : SHAPE_RANGE;
}

/* The field registration r's find names with a shape it serves, or NULL. Under f->mu. */
struct fast_field *fast_field_of(struct fast_coll *c, const struct fast_req *r)
{
    const struct el *fl = &r->filter;
    if (r->has_sort && (r->sort.name_len != fl->name_len || memcmp(r->sort.name, fl->name, fl->name_len) != 0))
        return NULL;
    for (int k = 0; k < FAST_FIELDS; k++) {
        struct fast_field *fd = &c->fields[k];
        if (!fd->name || fd->name_len != fl->name_len || memcmp(fd->name, fl->name, fl->name_len) != 0)
            continue;
        uint32_t shape = filter_kind(fl);
        return (fd->shapes & (r->has_sort ? shape * 2 : shape)) ? fd : NULL; /* (x 2: the _SORTED shape) */
    }
    return NULL;
}

static void set_bound(struct bound *b, const uint8_t *key, size_t len, int excl)
{
    b->len = escape(key, len, b->key);
    b->excl = excl;
}

/* A range filter's two ends; 0 when it is not one served here (JS's). */
static int range_bounds(const struct el *filter, struct bound *lo, struct bound *hi)
{
    const uint8_t *q = filter->val + 4, *end = filter->val + filter->len;
    struct el e;
    int rc, has_lo = 0, has_hi = 0;
    uint8_t k[FAST_KEY_MAX];
    while ((rc = next_el(&q, end, &e)) == 1) {
        if (e.type != 0x10 && e.type != 0x12 && e.type != 0x01)
            return 0;
        size_t n = scalar_key(&e, k);
        if (n == 0)
            return 0;
        if (name_is(&e, "$gt") || name_is(&e, "$gte")) {
            if (has_lo)
                return 0;
            has_lo = 1;
            set_bound(lo, k, n, name_is(&e, "$gt"));
        } else if (name_is(&e, "$lt") || name_is(&e, "$lte")) {
            if (has_hi)
                return 0;
            has_hi = 1;
            set_bound(hi, k, n, name_is(&e, "$lt"));
        } else
            return 0;
    }
    if (rc != 0 || !(has_lo || has_hi))
        return 0;
    /* numbers only: NaN (class 0x01) sorts below −Infinity (0x02), matched by no range */
    static const uint8_t neg_inf[2] = {0x1e, 0x02}, pos_inf[2] = {0x1e, 0x06};
    if (!has_lo)
        set_bound(lo, neg_inf, 2, 0);
    if (!has_hi)
        set_bound(hi, pos_inf, 2, 0);
    return 1;
}

/* The length of the escaped key a stored index key starts with (its 0x00 0x00 included), 0 if none. */
static size_t escaped_len(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] != 0)
            continue;
        if (p[i + 1] == 1) {
            i++;
            continue;
        }
        return p[i + 1] == 0 ? i + 2 : 0;
    }
    return 0;
}

/* Whether stored document doc holds field fd once, with a value of kind `want` (0x02 a string, 0x07
 * an ObjectId, 0x10 any number but NaN, WANT_EXACT any of those three: the kinds whose equal index keys
 * are equal values). */
static int field_holds(const uint8_t *doc, uint32_t len, const struct fast_field *fd, uint8_t want)
{
    const uint8_t *p = doc + 4, *end = doc + len;
    struct el e;
    int rc, found = 0;
    while ((rc = next_el(&p, end, &e)) == 1) {
        if (e.name_len != fd->name_len || memcmp(e.name, fd->name, fd->name_len) != 0)
            continue;
        if (found)
            return 0;
        found = 1;
        if (want == WANT_EXACT && (e.type == 0x02 || e.type == 0x07))
            continue;
        if (want == 0x10 || want == WANT_EXACT) {
            double d;
            if (e.type == 0x01) {
                memcpy(&d, e.val, 8);
                if (d != d)
                    return 0;
            } else if (e.type != 0x10 && e.type != 0x12)
                return 0;
        } else if (e.type != want)
            return 0;
    }
    return rc == 0 && found;
}

static int batch_room(struct fast *f, size_t need)
{
    if (need <= f->batch_cap)
        return 1;
    size_t n = f->batch_cap ? f->batch_cap : 16384;
    while (n < need)
        n *= 2;
    uint8_t *p = realloc(f->batch, n);
    if (!p)
        return 0;
    f->batch = p;
    f->batch_cap = n;
    return 1;
}

/* One find's walk: where its documents go and how many it may take. */
struct walk {
    struct fast *f;
    WT_CURSOR *ic, *rc;
    int unique;
    const struct fast_field *fd;
    uint8_t want;
    uint64_t take;
    uint32_t docs, keys;
    size_t used;
};

#define WALK_ENDED 1 /* the interval's entries are all taken */
#define WALK_FULL 2  /* the batch took `take` documents (the interval may go on) */
#define WALK_JS (-1) /* a record or state this thread hands to JS */

/* Appends the documents of the index entries in [lo, hi] to w's batch, in index order. */
static int walk_interval(struct walk *w, const struct bound *lo, const struct bound *hi)
{
    WT_CURSOR *ic = w->ic, *rc = w->rc;
    WT_ITEM k, v;
    int exact, ret;
    if (w->docs == w->take)
        return WALK_FULL; /* (before the end is seen: a full batch leaves JS's cursor open, even at the end) */
    set_item(&k, lo->key, (int64_t)lo->len);
    ic->set_key(ic, &k);
    ret = ic->search_near(ic, &exact);
    if (ret == 0 && exact < 0)
        ret = ic->next(ic);
    for (;; ret = ic->next(ic)) {
        if (w->docs == w->take)
            return WALK_FULL;
        if (ret == WT_NOTFOUND)
            return WALK_ENDED;
        if (ret != 0 || ic->get_key(ic, &k) != 0 || ic->get_value(ic, &v) != 0)
            return WALK_JS;
        size_t klen = escaped_len(k.data, k.size);
        if (klen == 0)
            return WALK_JS;
        int cu = cmp_bytes(k.data, klen, hi->key, hi->len);
        if (cu > 0 || (cu == 0 && hi->excl))
            return WALK_ENDED;
        int cl = cmp_bytes(k.data, klen, lo->key, lo->len);
        if (cl < 0 || (cl == 0 && lo->excl))
            continue;
        w->keys++;
        int64_t rid;
        if (w->unique) {
            if (v.size != 8)
                return WALK_JS;
            rid = get_be64(v.data);
        } else {
            if (k.size != klen + 8)
                return WALK_JS;
            rid = get_be64((const uint8_t *)k.data + klen);
        }
        rc->set_key(rc, rid);
        if (rc->search(rc) != 0 || rc->get_value(rc, &v) != 0)
            return WALK_JS;
        if (v.size < 5 || (uint32_t)rd32(v.data) != v.size ||
          !field_holds(v.data, (uint32_t)v.size, w->fd, w->want))
            return WALK_JS;
        char num[12];
        size_t nl = (size_t)snprintf(num, sizeof num, "%u", w->docs);
        size_t need = w->used + 1 + nl + 1 + v.size;
        if (w->docs >= FAST_BATCH_DOCS || need > FAST_BATCH_BYTES || !batch_room(w->f, need))
            return WALK_JS;
        uint8_t *b = w->f->batch;
        b[w->used++] = 0x03;
        memcpy(b + w->used, num, nl + 1);
        w->used += nl + 1;
        memcpy(b + w->used, v.data, v.size);
        w->used += v.size;
        w->docs++;
    }
}

static int cmp_bound(const void *a, const void *b)
{
    const struct bound *x = *(const struct bound *const *)a, *y = *(const struct bound *const *)b;
    return cmp_bytes(x->key, x->len, y->key, y->len);
}

/* An $in list's keys, sorted and without repeats (as the planner's point intervals); 0 when the list
 * is not one served here. */
static int in_points(const struct el *filter, struct bound *pts, struct bound **order, int *n)
{
    const uint8_t *q = filter->val + 4, *end = filter->val + filter->len;
    struct el e, x;
    if (next_el(&q, end, &e) != 1 || !name_is(&e, "$in") || e.type != 0x04 || next_el(&q, end, &x) != 0)
        return 0;
    const uint8_t *a = e.val + 4, *aend = e.val + e.len;
    int rc, m = 0;
    uint8_t k[FAST_KEY_MAX];
    while ((rc = next_el(&a, aend, &x)) == 1) {
        size_t kl = scalar_key(&x, k);
        if (kl == 0 || m == FAST_IN_MAX)
            return 0;
        set_bound(&pts[m], k, kl, 0);
        order[m] = &pts[m];
        m++;
    }
    if (rc != 0 || m == 0)
        return 0; /* (an empty list: JS's plan has no interval at all) */
    qsort(order, (size_t)m, sizeof *order, cmp_bound);
    int u = 1;
    for (int i = 1; i < m; i++)
        if (cmp_bound(&order[i], &order[u - 1]) != 0)
            order[u++] = order[i];
    *n = u;
    return 1;
}

/* The find over field fd of registration c: 1 answered (*o, *entry), 0 JS's. Under f->mu. */
int fast_serve_indexed(struct fast *f, struct fast_coll *c, struct fast_field *fd, uint32_t id,
  const struct fast_req *r, uint64_t time, struct out **o, struct fast_entry *entry)
{
    static __thread struct bound pts[FAST_IN_MAX];
    struct bound *order[FAST_IN_MAX];
    struct bound lo, hi;
    int n = 1, kind = filter_kind(&r->filter);
    struct walk w = {.f = f, .fd = fd, .unique = fd->unique};
    if (kind == SHAPE_RANGE) {
        if (!range_bounds(&r->filter, &lo, &hi))
            return 0;
        w.want = 0x10;
    } else if (kind == SHAPE_IN) {
        if (!in_points(&r->filter, pts, order, &n))
            return 0;
        w.want = WANT_EXACT;
    } else {
        uint8_t k[FAST_KEY_MAX];
        size_t kl = scalar_key(&r->filter, k);
        if (kl == 0)
            return 0;
        set_bound(&lo, k, kl, 0);
        hi = lo;
        w.want = r->filter.type == 0x02 || r->filter.type == 0x07 ? r->filter.type : 0x10;
    }
    /* as find.ts's firstBatch: how many documents this batch takes */
    uint64_t batch = r->batch_size > 0 ? (uint64_t)r->batch_size : FAST_DEFAULT_BATCH;
    /* (singleBatch too: its one batch is batchSize, or 101, documents; more left are JS's to close) */
    w.take = r->limit > 0 && (uint64_t)r->limit < batch ? (uint64_t)r->limit : batch;
    WT_SESSION *s = f->session;
    if (!fast_begin(f, c, &fd->cur, fd->uri))
        return 0;
    w.ic = fd->cur;
    w.rc = c->rec;
    int ok = 0, how = WALK_ENDED;
    for (int i = 0; i < n && how == WALK_ENDED; i++)
        how = kind == SHAPE_IN ? walk_interval(&w, order[i], order[i]) : walk_interval(&w, &lo, &hi);
    /* the batch filled before the intervals ended: a cursor stays open, which is JS's */
    if (how == WALK_ENDED || (how == WALK_FULL && r->limit > 0 && w.docs == (uint64_t)r->limit)) {
        *o = fast_find_reply(f, id, r, f->batch, (uint32_t)w.used, NULL, 0, time);
        ok = *o != NULL;
        entry->kind = KIND_FIND_INDEXED;
        entry->index = (uint32_t)(fd - c->fields);
        entry->docs = w.docs;
        entry->keys = w.keys;
    }
    w.ic->reset(w.ic);
    w.rc->reset(w.rc);
    s->rollback_transaction(s, NULL);
    return ok;
}

/*
 * Serve finds of these shapes (SHAPE_* bits, added to those registered before) on top-level field
 * `field` of registration slot, from its ascending single-field index table uri (unique: entries are
 * the key alone, the record id their value). Returns the field's number (≥ 0), or -1 (no such
 * registration, FAST_FIELDS fields already, or the field registered with another table).
 */
int sct_fast_register_field(struct sct_io *io, int slot, const char *field, const char *uri, int unique,
  uint32_t shapes)
{
    struct fast *f = io->fast;
    if (!f || slot < 0 || slot >= FAST_COLLS || !field[0])
        return -1;
    size_t n = strlen(field);
    pthread_mutex_lock(&f->mu);
    struct fast_coll *c = &f->colls[slot];
    int r = -1, free_k = -1;
    for (int k = 0; c->ns && k < FAST_FIELDS; k++) {
        struct fast_field *fd = &c->fields[k];
        if (!fd->name) {
            if (free_k < 0)
                free_k = k;
            continue;
        }
        if (fd->name_len == n && memcmp(fd->name, field, n) == 0) {
            if (strcmp(fd->uri, uri) == 0 && fd->unique == (unique != 0)) {
                fd->shapes |= shapes;
                r = k;
            }
            free_k = -1;
            break;
        }
    }
    if (free_k >= 0) {
        struct fast_field *fd = &c->fields[free_k];
        fd->name = strdup(field);
        fd->uri = strdup(uri);
        if (fd->name && fd->uri) {
            fd->name_len = (uint32_t)n;
            fd->unique = unique != 0;
            fd->shapes = shapes;
            r = free_k;
        } else
            fast_close_field(fd);
    }
    pthread_mutex_unlock(&f->mu);
    return r;
}
