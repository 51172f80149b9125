/*
 * io_fast_update.c — updates by `_id` answered on the frame I/O thread (issue 18), in the transaction
 * scaffold of io_fast_write.c: the statement's shape, the record's patch and the oplog entry.
 *
 * The statement: `{q: {_id: <v>}, u: {$set: {<f>: <x>, ...}, $inc: {<g>: <n>, ...}}, upsert: <bool>,
 * multi: false}` — `$set` and/or `$inc`, each once and not empty (a `$setOnInsert` of plain fields beside
 * them is left alone: an upsert that finds its document is that update; one that does not is JS's insert), up to FAST_UP_FIELDS fields in all, no
 * name twice, each a plain ASCII top-level name (not `_id`, empty, `$`-prefixed, dotted, all digits or
 * `__proto__`) that no index reads but those of scalar top-level fields JS registered (`uix`, ascending
 * single-field or ascending/descending compound: updatable_collection.ts updateIndexes — not unique,
 * sparse, partial or collated), present in the record
 * at most once — exactly what the command layer's
 * scalar patch (engine/update/scalar_patch.ts) takes, and it is mirrored byte for byte: the fields in
 * path order (names compared bytewise: ASCII, so as JS compares strings), each changed field's element
 * replaced in place (in document order), each missing one appended in path order, the oplog's
 * `{$v: 2, diff: {u: {changed...}, i: {created...}}}` made of the new elements. The values
 * (io_fast_update_value.c):
 * - `$inc`: the stored field one number the sum leaves the same size and type — int32 + int32 without
 *   overflow, int64 + int32|int64 without overflow, double + double|int32 — or no such field, which is
 *   then appended with the amount (an int32, int64 or a double neither NaN nor 0);
 * - `$set`: x an int32, int64, double but NaN, boolean, null, a date (±8.64e15 ms) or a string of valid UTF-8 (no NUL, no
 *   leading BOM), written as it came, over a stored scalar JS's patch reads that it differs from by strict
 *   BSON identity, or appended when the field is missing.
 * An index of `uix` reading a changed field has, in the same transaction, the stored document's entry (key
 * + record id; the null key for a missing field or null) removed and the new document's inserted, keyed
 * as key_string.ts keys them (io_fast_keys.c fast_doc_key: scalar_key's kinds, null, booleans, dates, a
 * descending field's bytes inverted); a stored value it does not key that way (an array, a document, a
 * fraction, ...) or an entry not found makes the update JS's.
 * Every field must change or be created: a field left as it was (JS leaves it out of the diff, or the
 * whole update is nModified 0) makes the update JS's, as does a missing document, another stored type,
 * a value of another kind, a write conflict or a request JS holds the clock for — untouched: nothing is
 * written unless all of it is.
 */
#define _GNU_SOURCE
#include "io_fast.h"

/* |ms| a JS Date holds (±8.64e15): a BSON date beyond it decodes to an Invalid Date in JS (its value lost). */
#define DATE_MS_MAX 8640000000000000LL

/* The key of an ascending single-field index for top-level value v (key_string.ts's bytes): scalar_key's
 * kinds, null (0x14), a boolean (0x5a + 0|1), a date within a JS Date's range (0x64 + big-endian ms with
 * the sign bit flipped). Its length, or 0 (another kind: JS's). */
size_t fast_update_key(const struct el *v, uint8_t *out)
{
    if (v->type == 0x0A) {
        out[0] = 0x14;
        return 1;
    }
    if (v->type == 0x08) {
        out[0] = 0x5a;
        out[1] = v->val[0] ? 1 : 0;
        return 2;
    }
    if (v->type == 0x09) {
        int64_t ms;
        memcpy(&ms, v->val, 8);
        if (ms > DATE_MS_MAX || ms < -DATE_MS_MAX)
            return 0;
        uint64_t u = (uint64_t)ms ^ (1ull << 63);
        out[0] = 0x64;
        for (int i = 0; i < 8; i++)
            out[1 + i] = (uint8_t)(u >> (56 - 8 * i));
        return 9;
    }
    return scalar_key(v, out);
}

/* Registration c's updates keep the n ascending indexes of fields names (NUL-terminated each) in tables
 * uris (the same order); n = 0: none (their cursors closed). 0, or EINVAL / ENOMEM (none then). Under
 * f->mu. */
int fast_set_uix(struct fast_coll *c, const char *names, int names_len, const char *uris, int uris_len, int n)
{
    for (uint32_t i = 0; i < c->n_uix; i++) {
        if (c->uix[i].cur)
            c->uix[i].cur->close(c->uix[i].cur);
        free(c->uix[i].name);
        free(c->uix[i].uri);
    }
    memset(c->uix, 0, sizeof c->uix);
    c->n_uix = 0;
    if (n == 0)
        return 0;
    if (n < 0 || n > FAST_WIX || names_len <= 0 || uris_len <= 0 || names[names_len - 1] != 0 ||
      uris[uris_len - 1] != 0)
        return EINVAL;
    const char *np = names, *up = uris;
    for (int i = 0; i < n; i++) {
        if (np >= names + names_len || up >= uris + uris_len || !*np || !*up) {
            fast_set_uix(c, NULL, 0, NULL, 0, 0);
            return EINVAL;
        }
        struct fast_wix *w = &c->uix[i];
        w->name = strdup(np);
        w->uri = strdup(up);
        c->n_uix = (uint32_t)i + 1;
        if (!w->name || !w->uri) {
            fast_set_uix(c, NULL, 0, NULL, 0, 0);
            return ENOMEM;
        }
        w->name_len = (uint32_t)strlen(np);
        w->kind = fast_wix_kind_of(np);
        if (fast_wix_parts(w) != 0) {
            fast_set_uix(c, NULL, 0, NULL, 0, 0);
            return EINVAL;
        }
        np += strlen(np) + 1;
        up += strlen(up) + 1;
    }
    return 0;
}

/* Bytewise name order (ASCII names: JS's string order), a shorter prefix first. */
static int name_cmp(const struct el *a, const struct el *b)
{
    uint32_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(a->name, b->name, n);
    return c != 0 ? c : (int)a->name_len - (int)b->name_len;
}

/* The fields of one operator's document (op, its name set_op) added to r in path order: 1, or 0. */
static int add_fields(const struct el *op, int set_op, struct fast_req *r)
{
    const uint8_t *x = op->val + 4, *xend = op->val + op->len;
    struct el f;
    int rc, any = 0;
    while ((rc = next_el(&x, xend, &f)) == 1) {
        if (r->n_args == FAST_UP_FIELDS || f.name_len == 0)
            return 0;
        for (uint32_t i = 0; i < f.name_len; i++)
            if ((uint8_t)f.name[i] >= 0x80)
                return 0;
        int k = r->n_args;
        for (int j = 0; j < r->n_args; j++) {
            int c = name_cmp(&r->args[j], &f);
            if (c == 0)
                return 0; /* a name twice: the command layer's conflict */
            if (c > 0 && k == r->n_args)
                k = j;
        }
        memmove(&r->args[k + 1], &r->args[k], (size_t)(r->n_args - k) * sizeof r->args[0]);
        memmove(&r->set[k + 1], &r->set[k], (size_t)(r->n_args - k));
        r->args[k] = f;
        r->set[k] = (uint8_t)set_op;
        r->n_args++;
        any = 1;
    }
    return rc == 0 && any;
}

/* A `$setOnInsert` (op) beside the update's fields r: left alone on an existing document, so taken when
 * the command layer would leave it alone too — each field a plain top-level name (fast_unsafe_field's
 * rules but the indexes: nothing is written) of a value `$set` takes, no name twice or also `$set`/`$inc`'s
 * (the command layer's conflict error). 1, or 0 (JS's). */
static int set_on_insert_ok(const struct el *op, const struct fast_req *r)
{
    const uint8_t *x = op->val + 4, *xend = op->val + op->len;
    struct el f;
    int rc, n = 0;
    while ((rc = next_el(&x, xend, &f)) == 1) {
        if (f.name_len == 0 || f.name[0] == '$' || memchr(f.name, '.', f.name_len) || !fast_set_value(&f))
            return 0;
        uint32_t digits = 0;
        while (digits < f.name_len && f.name[digits] >= '0' && f.name[digits] <= '9')
            digits++;
        if (digits == f.name_len || (f.name_len == 3 && memcmp(f.name, "_id", 3) == 0) ||
          (f.name_len == 9 && memcmp(f.name, "__proto__", 9) == 0))
            return 0;
        for (uint32_t i = 0; i < f.name_len; i++)
            if ((uint8_t)f.name[i] >= 0x80)
                return 0;
        for (int j = 0; j < r->n_args; j++)
            if (name_cmp(&r->args[j], &f) == 0)
                return 0;
        const uint8_t *y = op->val + 4;
        struct el g;
        for (int k = 0; k < n && next_el(&y, xend, &g) == 1; k++)
            if (name_cmp(&g, &f) == 0)
                return 0;
        n++;
    }
    return rc == 0 && n > 0;
}

/* The update document u ({$set: {...}, $inc: {...}}, a document element; a `$setOnInsert` beside them,
 * which an update of an existing document leaves alone) into r's fields: 1, or 0 (JS's). */
int fast_update_ops(const struct el *u, struct fast_req *r)
{
    const uint8_t *x = u->val + 4, *xend = u->val + u->len;
    struct el op, soi;
    int seen_set = 0, seen_inc = 0, seen_soi = 0, orc;
    while ((orc = next_el(&x, xend, &op)) == 1) {
        if (name_is(&op, "$setOnInsert") && op.type == 0x03 && !seen_soi) {
            soi = op;
            seen_soi = 1;
            continue;
        }
        int set_op = name_is(&op, "$set");
        if ((!set_op && !name_is(&op, "$inc")) || op.type != 0x03 || (set_op ? seen_set : seen_inc))
            return 0; /* another operator, or one twice: JS's */
        if (set_op)
            seen_set = 1;
        else
            seen_inc = 1;
        if (!add_fields(&op, set_op, r))
            return 0;
    }
    return orc == 0 && r->n_args > 0 && (!seen_soi || set_on_insert_ok(&soi, r));
}

/* The statement {q: {_id: v}, u: {$set: {...}, $inc: {...}}, upsert: <bool>, multi: false}: 1 (r filled),
 * 0 not. */
int fast_update_statement(const uint8_t *d, uint32_t len, struct fast_req *r)
{
    const uint8_t *p = d + 4, *end = d + len;
    struct el e;
    int rc, q = 0, u = 0, upsert = 0, multi = 0;
    while ((rc = next_el(&p, end, &e)) == 1) {
        if (name_is(&e, "q") && !q && e.type == 0x03) {
            const uint8_t *x = e.val + 4, *xend = e.val + e.len;
            struct el tail;
            if (next_el(&x, xend, &r->filter) != 1 || !name_is(&r->filter, "_id") || next_el(&x, xend, &tail) != 0)
                return 0;
            q = 1;
        } else if (name_is(&e, "u") && !u && e.type == 0x03) {
            if (!fast_update_ops(&e, r))
                return 0;
            u = 1;
        } else if (name_is(&e, "upsert") && !upsert) {
            /* upsert: true — an existing document's update is the same; a missing one (the insert) is JS's */
            if (e.type != 0x08)
                return 0;
            upsert = 1;
        } else if (name_is(&e, "multi") && !multi) {
            if (e.type != 0x08 || e.val[0] != 0)
                return 0;
            multi = 1;
        } else
            return 0;
    }
    return rc == 0 && q && u;
}

/* The oplog entry of the update (update_entry.ts's bytes): the diff's `u` section the nu new elements of
 * doc at [at[k], to[k]) for the changed fields, `i` those of the created ones, each in path order
 * (changed[k]: field k was changed, else created); fast_scratch 0, *len its size; NULL (no memory). */
static uint8_t *update_entry(struct fast *f, const struct fast_coll *c, const uint8_t *doc, const uint32_t *at,
  const uint32_t *to, const uint8_t *changed, int n, const uint8_t *id, uint32_t id_len, uint64_t ts, uint64_t wall,
  uint32_t *len)
{
    uint32_t sec[2] = {0, 0}; /* the bodies of u (0) and i (1) */
    for (int k = 0; k < n; k++)
        sec[changed[k] ? 0 : 1] += to[k] - at[k];
    uint32_t diff_len = 4 + 1;
    for (int s = 0; s < 2; s++)
        if (sec[s])
            diff_len += 3 + 4 + sec[s] + 1;
    uint32_t o_len = 4 + (4 + 4) + (6 + diff_len) + 1; /* {$v: 2, diff: {...}} */
    uint32_t o2_len = 4 + id_len + 1;
    uint32_t size = 4 + c->up_prefix_len + (3 + o_len) + (4 + o2_len) + (4 + 8) + (3 + 8) + (3 + 8) + (6 + 8) + 1;
    uint8_t *b = fast_scratch(f, 0, size), *p = b;
    if (!b)
        return NULL;
    p = fast_put_bytes(p, &size, 4);
    p = fast_put_bytes(p, c->up_prefix, c->up_prefix_len);
    p = fast_put_bytes(p, "\x03o", 3);
    p = fast_put_bytes(p, &o_len, 4);
    static const int32_t two = 2;
    p = fast_put_bytes(p, "\x10$v", 4);
    p = fast_put_bytes(p, &two, 4);
    p = fast_put_bytes(p, "\x03" "diff", 6);
    p = fast_put_bytes(p, &diff_len, 4);
    for (int s = 0; s < 2; s++) {
        if (!sec[s])
            continue;
        uint32_t body = 4 + sec[s] + 1;
        *p++ = 0x03;
        *p++ = s == 0 ? 'u' : 'i';
        *p++ = 0;
        p = fast_put_bytes(p, &body, 4);
        for (int k = 0; k < n; k++)
            if ((changed[k] != 0) == (s == 0))
                p = fast_put_bytes(p, doc + at[k], to[k] - at[k]);
        *p++ = 0;
    }
    *p++ = 0; /* diff */
    *p++ = 0; /* o */
    p = fast_put_id_doc(p, "\x03o2", 4, id, id_len);
    p = fast_put_tail(p, ts, wall);
    *p++ = 0;
    *len = size;
    return b;
}

/* Where field k is in the stored record and what replaces it. */
struct target {
    const uint8_t *start; /* its element (type byte); NULL: missing, appended */
    uint32_t len;         /* the element's bytes */
    struct el old;        /* the stored element */
    struct el now;        /* the new element's type, name and value */
    uint8_t nv[8];        /* an $inc's new number */
};

/* Field k's new element against the stored record (t->start found by the caller): 1, or 0 (JS's: another
 * type, an overflow, a value left as it was, a new value of a kind not made here). */
static int new_value(const struct fast_req *r, int k, struct target *t)
{
    const struct el *arg = &r->args[k];
    t->now = *arg;
    if (!t->start) /* a new field: the operand itself */
        return r->set[k] || fast_inc_new_value(arg);
    const struct el *old = &t->old;
    if (r->set[k])
        return !fast_set_unchanged(old, arg);
    if (!fast_inc_value(old->type, old->val, arg, t->nv) || memcmp(t->nv, old->val, old->len) == 0)
        return 0;
    t->now.type = old->type;
    t->now.val = t->nv;
    t->now.len = old->len;
    return 1;
}

/* Element e (type, name, value) at p; returns the end. */
static uint8_t *put_element(uint8_t *p, const struct el *e)
{
    *p++ = e->type;
    p = fast_put_bytes(p, e->name, e->name_len);
    *p++ = 0;
    return fast_put_bytes(p, e->val, e->len);
}

/* In the open transaction: the record found by r's `_id`, patched, updated, and its oplog entry inserted
 * at a new time (*ts); 1, or 0 (the caller rolls back). Under f->mu and clock_mu. */
static int write_update(struct fast *f, struct fast_coll *c, const struct fast_req *r, struct fast_sess *sess,
  uint64_t *ts)
{
    WT_ITEM k, v;
    int64_t rid;
    if (!fast_find_record(c, r, &k, &rid, &v))
        return 0;
    const int n = r->n_args;
    struct target t[FAST_UP_FIELDS];
    memset(t, 0, sizeof t);
    /* the stored document's `_id` element and each field's, each exactly once */
    const uint8_t *doc = v.data, *p = doc + 4, *end = doc + v.size, *id = NULL;
    uint32_t id_len = 0;
    struct el e;
    int rc;
    while ((rc = next_el(&p, end, &e)) == 1) {
        const uint8_t *start = (const uint8_t *)e.name - 1;
        uint32_t el_len = (uint32_t)(e.val + e.len - start);
        if (name_is(&e, "_id")) {
            if (id)
                return 0;
            id = start;
            id_len = el_len;
            continue;
        }
        for (int j = 0; j < n; j++)
            if (e.name_len == r->args[j].name_len && memcmp(e.name, r->args[j].name, e.name_len) == 0) {
                if (t[j].start)
                    return 0;
                t[j].start = start;
                t[j].len = el_len;
                t[j].old = e;
            }
    }
    if (rc != 0 || !id)
        return 0;
    /* the new elements, and the record's new size */
    uint64_t size64 = v.size;
    for (int j = 0; j < n; j++) {
        if (!new_value(r, j, &t[j]))
            return 0;
        size64 += 1 + (uint64_t)t[j].now.name_len + 1 + t[j].now.len - t[j].len;
    }
    if (size64 > 16u * 1024 * 1024)
        return 0; /* over the document limit: JS's error */
    /* the indexes reading a changed field: their entries are moved once the new record is made */
    static __thread uint8_t okeys[FAST_WIX][FAST_KEY_MAX], nkeys[FAST_WIX][FAST_KEY_MAX];
    size_t oklen[FAST_WIX], nklen[FAST_WIX];
    int touch[FAST_WIX];
    for (uint32_t i = 0; i < c->n_uix; i++) {
        touch[i] = 0;
        for (int j = 0; j < n && !touch[i]; j++)
            touch[i] = fast_wix_reads(&c->uix[i], r->args[j].name, r->args[j].name_len);
    }
    uint32_t size = (uint32_t)size64;
    uint8_t *doc2 = fast_scratch(f, 1, size);
    if (!doc2)
        return 0;
    /* what precedes each changed element, the new element (in document order), then the rest and the
     * created ones in path order; at/to: where each field's new element lands */
    uint32_t at[FAST_UP_FIELDS], to[FAST_UP_FIELDS], id_off = (uint32_t)(id - doc);
    uint8_t changed[FAST_UP_FIELDS];
    uint8_t *q = doc2 + 4;
    const uint8_t *from = doc + 4, *rec_end = doc + v.size - 1;
    for (;;) {
        int next = -1;
        for (int j = 0; j < n; j++)
            if (t[j].start && t[j].start >= from && (next < 0 || t[j].start < t[next].start))
                next = j;
        const uint8_t *until = next < 0 ? rec_end : t[next].start;
        if (id >= from && id < until)
            id_off = (uint32_t)(q - doc2 + (id - from));
        memcpy(q, from, (size_t)(until - from));
        q += until - from;
        if (next < 0)
            break;
        at[next] = (uint32_t)(q - doc2);
        q = put_element(q, &t[next].now);
        to[next] = (uint32_t)(q - doc2);
        changed[next] = 1;
        from = t[next].start + t[next].len;
    }
    for (int j = 0; j < n; j++) {
        if (t[j].start)
            continue;
        at[j] = (uint32_t)(q - doc2);
        q = put_element(q, &t[j].now);
        to[j] = (uint32_t)(q - doc2);
        changed[j] = 0;
    }
    *q = 0;
    memcpy(doc2, &size, 4);
    /* the touched indexes' keys of the stored document and of the new one (a value keyed otherwise — an
     * array, a document, a fraction, ... — is JS's); equal keys (1 and 1.0, -0 and 0): the entry stays */
    for (uint32_t i = 0; i < c->n_uix; i++) {
        struct fast_wix *w = &c->uix[i];
        if (!touch[i])
            continue;
        oklen[i] = fast_doc_key(doc, (uint32_t)v.size, w, okeys[i]);
        nklen[i] = fast_doc_key(doc2, size, w, nkeys[i]);
        if (oklen[i] == 0 || nklen[i] == 0) {
            fast_scratch_done(f, 1, doc2);
            return 0;
        }
        touch[i] = oklen[i] != nklen[i] || memcmp(okeys[i], nkeys[i], oklen[i]) != 0;
        if (touch[i] && !w->cur &&
          f->session->open_cursor(f->session, w->uri, NULL, FAST_CURSOR_CFG, &w->cur) != 0) {
            w->cur = NULL;
            fast_scratch_done(f, 1, doc2);
            return 0;
        }
    }
    /* a findAndModify's reply takes its document now, before the cursors let go of the stored one */
    if (r->fam && !fast_fam_out(f, r, r->fam_new ? doc2 : doc, r->fam_new ? size : (uint32_t)v.size)) {
        fast_scratch_done(f, 1, doc2);
        return 0;
    }
    /* both cursors let go of their pages before the write: a page the update must evict (one grown past
     * its limit by a load's inserts) cannot be while any session holds it, this one included */
    c->idx->reset(c->idx);
    c->rec->reset(c->rec);
    WT_ITEM nvitem;
    set_item(&nvitem, doc2, size);
    c->rec->set_key(c->rec, rid);
    c->rec->set_value(c->rec, &nvitem);
    int ok = c->rec->update(c->rec) == 0;
    for (uint32_t i = 0; ok && i < c->n_uix; i++)
        if (touch[i])
            ok = fast_entry_remove(c->uix[i].cur, okeys[i], oklen[i], rid) &&
              fast_entry_put(c->uix[i].cur, nkeys[i], nklen[i], 0, rid) == 0;
    if (ok && !(*ts = fast_tick(f)))
        ok = FAST_LATER;
    else if (ok) {
        uint32_t elen = 0;
        uint64_t wall = fast_wall_ms();
        uint8_t *entry = update_entry(f, c, doc2, at, to, changed, n, doc2 + id_off, id_len, *ts, wall, &elen);
        ok = fast_log_write(f, r, sess, r->fam ? &f->fam_upd_row : &f->row, *ts, wall, entry, elen);
    }
    fast_scratch_done(f, 1, doc2);
    return ok;
}

/* The update r (a findAndModify's too) on registration c: 1 answered (*o the reply, *entry filled), 0 JS's. Under f->mu. */
int fast_serve_update(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r, struct out **o,
  struct fast_entry *entry)
{
    if (!c->up_prefix)
        return 0;
    for (int k = 0; k < r->n_args; k++)
        if (fast_unsafe_field(c, r->args[k].name, r->args[k].name_len) || (r->set[k] && !fast_set_value(&r->args[k])))
            return 0;
    return r->fam ? fast_write_txn(f, c, id, r, &f->fam_upd, KIND_FAM_UPDATE, write_update, o, entry)
                  : fast_write_txn(f, c, id, r, &f->update, KIND_UPDATE, write_update, o, entry);
}
