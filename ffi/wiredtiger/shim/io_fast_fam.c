/*
 * io_fast_fam.c — findAndModify by `_id` answered on the frame I/O thread (the driver's
 * findOneAndUpdate / findOneAndDelete), as the update and delete by `_id` beside it are: the same
 * statement rules, the same write (io_fast_update.c's patch, io_fast_delete.c's removes), the same
 * oplog entry, session row rules and clock (io_fast_write.c). What differs is the reply, which carries
 * the document.
 *
 * The shape: `{findAndModify: <coll>, query: {_id: <v>}, update: {$set: ..., $inc: ...}, new: <bool>,
 * upsert: <bool>, remove: false, bypassDocumentValidation, writeConcern, lsid, txnNumber, ...}` (the
 * update taken exactly as an update's statement `u` is there), or `{findAndModify: <coll>, query:
 * {_id: <v>}, remove: true, new: false, upsert: false, ...}` — on a namespace JS registered for updates
 * (resp. deletes) by `_id`, with a `fields` projection of top-level names (all included or all excluded,
 * `_id` either way; applied to the document's bytes, its elements kept in their order). Nothing else:
 * other projections, `sort`, `hint`, `collation`, `let`, `arrayFilters`,
 * an aggregation pipeline, a missing document (an upsert's insert, or `value: null`), and any request
 * with authentication on are JS's (findAndModify's privileges are its own). JS's rules, unchanged, make
 * the rest the command layer's.
 *
 * The reply is JS's template `{lastErrorObject: {n: 1, updatedExisting: true}, value: {}, ok: 1, ...}`
 * (a remove's `{lastErrorObject: {n: 1}, ...}`) with the stored document's bytes — after the patch with
 * `new: true`, as read before it otherwise — in place of the empty `value` (JS returns the document it
 * decoded from those bytes, encoded again: the same bytes), and the write's time. A retryable one's
 * session row carries that reply the same way (retryable_writes.ts encodeRow's bytes): a retry is answered
 * by the command layer from the row. The log entries KIND_FAM_UPDATE and KIND_FAM_DELETE give JS the
 * bookkeeping a findAndModify's dispatch records.
 */
#define _GNU_SOURCE
#include "io_fast.h"

#define FAM_QUERY 1u
#define FAM_UPDATE 2u
#define FAM_REMOVE 4u
#define FAM_NEW 8u
#define FAM_UPSERT 16u
#define FAM_BYPASS 32u
#define FAM_FIELDS 64u

/* A projection value read as mongod's include / exclude flag: 1 include, 0 exclude, -1 not one taken
 * here (a string, an expression, NaN: JS's). */
static int flag_of(const struct el *v)
{
    if (v->type == 0x08)
        return v->val[0] != 0;
    if (v->type == 0x10)
        return rd32(v->val) != 0;
    if (v->type == 0x12) {
        int64_t n;
        memcpy(&n, v->val, 8);
        return n != 0;
    }
    if (v->type == 0x01) {
        double d;
        memcpy(&d, v->val, 8);
        return d != d ? -1 : d != 0;
    }
    return -1;
}

/* `fields` (a document element) read into r: 1, or -1 (JS's: a dotted, `$` or repeated name, a mix of
 * inclusions and exclusions, a value of another kind). An empty one projects nothing. */
static int fields_of(const struct el *e, struct fast_req *r)
{
    const uint8_t *p = e->val + 4, *end = e->val + e->len;
    struct el f;
    int rc, mode = -1, id = 1, n = 0;
    while ((rc = next_el(&p, end, &f)) == 1) {
        int v = flag_of(&f);
        if (v < 0 || f.name_len == 0 || f.name[0] == '$' || memchr(f.name, '.', f.name_len))
            return -1;
        for (uint32_t i = 0; i < f.name_len; i++)
            if ((uint8_t)f.name[i] >= 0x80)
                return -1;
        const uint8_t *q = e->val + 4;
        struct el g;
        while (next_el(&q, (const uint8_t *)f.name - 1, &g) == 1)
            if (g.name_len == f.name_len && memcmp(g.name, f.name, f.name_len) == 0)
                return -1; /* (a name twice) */
        n++;
        if (name_is(&f, "_id")) {
            id = v;
            continue;
        }
        if (mode >= 0 && mode != v)
            return -1; /* (JS's error) */
        mode = v;
    }
    if (rc != 0)
        return -1;
    if (n == 0)
        return 1; /* (`fields: {}`: the whole document) */
    r->fam_fields = *e;
    r->fam_project = 1;
    r->fam_include = mode < 0 ? id : mode; /* ({_id: 1}: only it; {_id: 0}: all but it) */
    r->fam_id = id;
    return 1;
}

/* One field of a findAndModify (after its generic fields): 1 taken, -1 JS's (fast_parse's loop). */
int fast_fam_field(const struct el *e, struct fast_req *r, uint32_t *seen)
{
    if (name_is(e, "writeConcern") || name_is(e, "txnNumber"))
        return fast_update_field(e, r, seen);
    uint32_t bit = name_is(e, "query")                      ? FAM_QUERY
                   : name_is(e, "update")                   ? FAM_UPDATE
                   : name_is(e, "remove")                   ? FAM_REMOVE
                   : name_is(e, "new")                      ? FAM_NEW
                   : name_is(e, "upsert")                   ? FAM_UPSERT
                   : name_is(e, "bypassDocumentValidation") ? FAM_BYPASS
                   : name_is(e, "fields")                   ? FAM_FIELDS
                                                            : 0;
    if (bit == 0 || (r->fam_seen & bit))
        return -1;
    r->fam_seen |= bit;
    if (bit == FAM_QUERY) {
        if (e->type != 0x03)
            return -1;
        const uint8_t *x = e->val + 4, *xend = e->val + e->len;
        struct el tail;
        if (next_el(&x, xend, &r->filter) != 1 || !name_is(&r->filter, "_id") || next_el(&x, xend, &tail) != 0)
            return -1;
        return 1;
    }
    if (bit == FAM_FIELDS)
        return e->type == 0x03 ? fields_of(e, r) : -1;
    if (bit == FAM_UPDATE) {
        /* (an update document of $set / $inc only; a replacement, a pipeline: JS's) */
        if (e->type != 0x03 || !fast_update_ops(e, r))
            return -1;
        r->fam_update = 1;
        return 1;
    }
    if (e->type != 0x08 || e->val[0] > 1)
        return -1;
    int v = e->val[0];
    if (bit == FAM_REMOVE)
        r->fam_remove = v;
    else if (bit == FAM_NEW)
        r->fam_new = v;
    else if (bit == FAM_UPSERT)
        r->fam_upsert = v;
    else
        r->bypass = v;
    return 1;
}

/* The findAndModify's form once its fields are read: 1 (r->kind FAST_UPDATE or FAST_DELETE), 0 JS's. */
int fast_fam_done(struct fast_req *r)
{
    if (!(r->fam_seen & FAM_QUERY))
        return 0;
    if (r->fam_remove) {
        /* (with an update, upsert: true or new: true: JS's error) */
        if (r->fam_update || r->fam_upsert || r->fam_new)
            return 0;
        r->kind = FAST_DELETE;
        return 1;
    }
    if (!r->fam_update)
        return 0;
    r->kind = FAST_UPDATE;
    return 1;
}

/* Template t with its empty `value` replaced by doc (len bytes) and its lengths grown, at out. */
void fast_fam_splice(uint8_t *out, const struct fast_tmpl *t, const uint8_t *doc, uint32_t len)
{
    uint32_t grow = len - 5;
    memcpy(out, t->bytes, t->split);
    memcpy(out + t->split, doc, len);
    memcpy(out + t->split + len, t->bytes + t->split + 5, t->len - t->split - 5);
    int32_t n;
    memcpy(&n, out, 4);
    n += (int32_t)grow;
    memcpy(out, &n, 4);
    if (t->grow) {
        memcpy(&n, out + t->grow, 4);
        n += (int32_t)grow;
        memcpy(out + t->grow, &n, 4);
    }
}

/* Where template t's k-th 8-byte value lands once a document of doc_len bytes replaces its `value`. */
uint32_t fast_fam_at(const struct fast_tmpl *t, uint32_t k, uint32_t doc_len)
{
    return t->split && t->at[k] > t->split ? t->at[k] + doc_len - 5 : t->at[k];
}

/* Whether element x of a stored document is kept by r's projection. */
static int kept(const struct fast_req *r, const struct el *x)
{
    if (name_is(x, "_id"))
        return r->fam_id;
    const uint8_t *p = r->fam_fields.val + 4, *end = r->fam_fields.val + r->fam_fields.len;
    struct el f;
    while (next_el(&p, end, &f) == 1)
        if (f.name_len == x->name_len && memcmp(f.name, x->name, x->name_len) == 0)
            return r->fam_include;
    return !r->fam_include;
}

/* doc (len bytes) projected by r's `fields` (its elements kept in document order) into out (NULL: only
 * measured): its size, or 0 (a document this walk does not read: JS's). */
static uint32_t project(const struct fast_req *r, const uint8_t *doc, uint32_t len, uint8_t *out)
{
    const uint8_t *p = doc + 4, *end = doc + len;
    struct el x;
    int rc;
    uint32_t n = 4;
    while ((rc = next_el(&p, end, &x)) == 1) {
        if (!kept(r, &x))
            continue;
        const uint8_t *start = (const uint8_t *)x.name - 1;
        uint32_t el_len = (uint32_t)(x.val + x.len - start);
        if (out)
            memcpy(out + n, start, el_len);
        n += el_len;
    }
    if (rc != 0)
        return 0;
    n++;
    if (out) {
        memcpy(out, &n, 4);
        out[n - 1] = 0;
    }
    return n;
}

/* In a findAndModify's write: its reply (JS's template for its form) with doc (len bytes; projected by
 * its `fields`), in f->fam_out (its time set at the commit: fast_fam_times). 1, or 0 (no memory, no
 * template, too large: JS's). */
int fast_fam_out(struct fast *f, const struct fast_req *r, const uint8_t *doc, uint32_t len)
{
    const struct fast_tmpl *t = r->kind == FAST_UPDATE ? &f->fam_upd : &f->fam_del;
    if (!t->split || len < 5 || len > 16u * 1024 * 1024)
        return 0;
    uint8_t *projected = NULL;
    if (r->fam_project) {
        uint32_t n = project(r, doc, len, NULL);
        if (n < 5 || !(projected = malloc(n)))
            return 0;
        project(r, doc, len, projected);
        doc = projected;
        len = n;
    }
    struct out *o = fast_reply_out(f, 0, t->len - 5 + len, r->request_id);
    if (!o) {
        free(projected);
        return 0;
    }
    fast_fam_splice(o->data + 21, t, doc, len);
    free(projected);
    free(f->fam_out);
    f->fam_out = o;
    f->fam_doc = o->data + 21 + t->split;
    f->fam_doc_len = len;
    return 1;
}

/* The reply's cluster times (template t's, shifted past its document of doc_len bytes) set to time. */
void fast_fam_times(struct out *o, const struct fast_tmpl *t, uint32_t doc_len, uint64_t time)
{
    uint32_t inc = (uint32_t)time, secs = (uint32_t)(time >> 32);
    for (uint32_t k = 0; k < t->n_at; k++) {
        uint32_t at = fast_fam_at(t, k, doc_len);
        memcpy(o->data + 21 + at, &inc, 4);
        memcpy(o->data + 21 + at + 4, &secs, 4);
    }
}

/* The empty `value` document of doc (len bytes) at its top level (a reply), or in its `reply` (a row,
 * *reply_at then that document's offset): its offset, or 0. */
static uint32_t value_at(const uint8_t *doc, uint32_t len, int in_reply, uint32_t *reply_at)
{
    const uint8_t *p = doc + 4, *end = doc + len;
    struct el e;
    while (next_el(&p, end, &e) == 1) {
        if (e.type != 0x03)
            continue;
        if (!in_reply && name_is(&e, "value") && e.len == 5)
            return (uint32_t)(e.val - doc);
        if (in_reply && name_is(&e, "reply")) {
            uint32_t at = value_at(e.val, e.len, 0, NULL);
            if (!at)
                return 0;
            *reply_at = (uint32_t)(e.val - doc);
            return *reply_at + at;
        }
    }
    return 0;
}

/* A findAndModify template (which 6 to 9: sct_fast_template) read for its `value`: 1, or 0 (not one). */
int fast_fam_template(struct fast_tmpl *t, int row)
{
    uint32_t reply_at = 0;
    t->split = value_at(t->bytes, t->len, row, &reply_at);
    t->grow = reply_at;
    for (uint32_t k = 0; k < t->n_at; k++)
        if (t->split && t->at[k] < t->split + 5 && t->at[k] + 8 > t->split)
            return 0; /* (a time overlapping the document: not a template of ours) */
    return t->split != 0;
}
