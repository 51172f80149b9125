/*
 * io_fast_write.c — updates by `_id` answered on the frame I/O thread (issue 18: a write's request, its
 * WiredTiger calls and its reply off the JS thread), and the cluster clock it shares with JS.
 *
 * The shape: `{update: <coll>, updates: [{q: {_id: <v>}, u: {$inc: {<f>: <n>}} | {$set: {<f>: <x>}},
 * upsert: false, multi: false}], ordered, bypassDocumentValidation, writeConcern {w: 1 | "majority",
 * wtimeout, j: false}, ...}` with the generic fields of a find (no readConcern or `let`: those are JS's),
 * on a namespace JS registered for updates (sct_fast_register_writes: it served an update by `_id` there
 * itself, and the collection has no validator, is not capped, clustered, time-series or a system
 * collection, keeps no pre-images and every index's fields are known). One operator of one field: `v` as
 * a find by `_id` takes it; `f` a top-level name that no index reads and JS's scalar patch takes (not
 * `_id`, empty, `$`-prefixed, dotted, all digits or `__proto__`; valid UTF-8 when it is new), present
 * in the record at most once. The values (io_fast_update_value.c):
 * - `$inc`: the stored field one number the sum leaves the same size and type — int32 + int32 without
 *   overflow, int64 + int32|int64 without overflow, double + double|int32 — or no such field, which is
 *   then appended with the amount (an int32, int64 or a double neither NaN nor 0);
 * - `$set`: x an int32, int64, double but NaN, boolean, null or a string of valid UTF-8 (no NUL, no
 *   leading BOM), written as it came, its element replacing the stored one (the record may grow or shrink,
 *   up to 16 MiB) when that one is a scalar JS's patch reads (int32, int64, double, boolean, null, UTF-8
 *   string) and differs from x by strict BSON identity (another type, or other bytes — but 0 and -0),
 *   or appended when the field is missing.
 * Anything else — a missing document, another stored type, an unchanged value, a value of another kind
 * (a document, an array, a decimal, a date, ...), a write conflict, a request JS holds the clock for — is
 * JS's, untouched: nothing is written unless all of it is.
 *
 * In one snapshot transaction of the fast path's session: the `_id_` entry and the record, the patched
 * record (its bytes before the field's element, the new element, its bytes after), the oplog entry exactly
 * as oplog/update_entry.ts writes it (`{op: "u", ns, ui, o: {$v: 2, diff: {u|i: {f: new}}}, o2: {_id},
 * ts, t, v, wall}`: `u` for a changed field, `i` for a new one), committed at its oplog time as JS's
 * writes are (the log written to the OS at commit, our default durability; JS does not switch updates on
 * with sync_on_commit). The reply is JS's template for `{n: 1, nModified: 1, ok: 1}` with the write's
 * time as cluster and operation time, which also becomes the published time. JS's bookkeeping
 * (opcounters, top, latency, documents updated, the `_id_` index's use, the oplog's count and waiters, its
 * clock) comes from the log entry.
 *
 * A retryable update (`lsid` + `txnNumber`, as drivers send every update) is made here only for a
 * session JS registered (sct_fast_session, after a retryable update of it ran in JS; any other command of
 * the session with a txnNumber takes it back, sct_fast_forget) and only for a txnNumber above the
 * session's newest: a retry or an older number is JS's (its stored reply, 225). In the same transaction
 * the session's row (sessions/retryable_writes.ts: keyed by the session and txnNumber, JS's row template
 * with this txnNumber and the wall time) replaces its previous one, so a retry after a restart finds it;
 * JS records the write in its session state from the log entry.
 */
#define _GNU_SOURCE
#include "io_fast.h"
#include <time.h>


/* ------------------------------------------------------------------ parse */

/* The statement {q: {_id: v}, u: {$inc: {f: n}} | {$set: {f: v}}, upsert: false, multi: false}: 1 (r
 * filled), 0 not. */
static int update_statement(const uint8_t *d, uint32_t len, struct fast_req *r)
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
            const uint8_t *x = e.val + 4, *xend = e.val + e.len;
            struct el op, tail;
            /* one operator, of one field (`$set` with `$inc` or another operator: JS's) */
            if (next_el(&x, xend, &op) != 1 || !(name_is(&op, "$inc") || name_is(&op, "$set")) ||
              op.type != 0x03 || next_el(&x, xend, &tail) != 0)
                return 0;
            r->op_set = name_is(&op, "$set");
            x = op.val + 4;
            xend = op.val + op.len;
            if (next_el(&x, xend, &r->arg) != 1 || next_el(&x, xend, &tail) != 0)
                return 0;
            u = 1;
        } else if ((name_is(&e, "upsert") && !upsert) || (name_is(&e, "multi") && !multi)) {
            if (e.type != 0x08 || e.val[0] != 0)
                return 0;
            if (name_is(&e, "upsert"))
                upsert = 1;
            else
                multi = 1;
        } else
            return 0;
    }
    return rc == 0 && q && u;
}

/* The field a write's statements come in: `updates`, `deletes` or `documents`. */
const char *fast_statements_name(int kind)
{
    return kind == FAST_UPDATE ? "updates" : kind == FAST_DELETE ? "deletes" : "documents";
}

/* A write's one statement (an update's or a delete's statement, an insert's document: d, len bytes, from
 * the body's array or a document sequence): 1 taken (r filled), -1 JS's. */
int fast_statement(const uint8_t *d, uint32_t len, struct fast_req *r, uint32_t *seen)
{
    if (*seen & FAST_SEEN_UPDATES)
        return -1;
    int ok;
    if (r->kind == FAST_UPDATE)
        ok = update_statement(d, len, r);
    else if (r->kind == FAST_DELETE)
        ok = fast_delete_statement(d, len, r);
    else {
        r->doc = d;
        r->doc_len = len;
        ok = 1;
    }
    if (!ok)
        return -1;
    *seen |= FAST_SEEN_UPDATES;
    return 1;
}

/* An update's, a delete's or an insert's own field (its statements: an array of one document): 1 taken,
 * -1 JS's (fast_parse's loop). */
int fast_update_field(const struct el *e, struct fast_req *r, uint32_t *seen)
{
    if (name_is(e, "updates") || name_is(e, "deletes") || name_is(e, "documents")) {
        if (!name_is(e, fast_statements_name(r->kind)) || e->type != 0x04)
            return -1;
        const uint8_t *p = e->val + 4, *end = e->val + e->len;
        struct el st, tail;
        if (next_el(&p, end, &st) != 1 || !name_is(&st, "0") || st.type != 0x03 || next_el(&p, end, &tail) != 0)
            return -1;
        return fast_statement(st.val, st.len, r, seen);
    }
    if (r->kind == FAST_DELETE && name_is(e, "bypassDocumentValidation"))
        return -1;
    if (name_is(e, "writeConcern")) {
        /* {w: 1 | "majority", wtimeout: <int32 ≥ 0>, j: false}: what a single node acknowledges as soon as the
         * write commits, as JS does (j: true needs the log synced: JS's) */
        if ((*seen & FAST_SEEN_WC) || e->type != 0x03)
            return -1;
        *seen |= FAST_SEEN_WC;
        const uint8_t *p = e->val + 4, *end = e->val + e->len;
        struct el x;
        int rc, w = 0, wt = 0, j = 0;
        while ((rc = next_el(&p, end, &x)) == 1) {
            if (name_is(&x, "w") && !w &&
              ((x.type == 0x10 && rd32(x.val) == 1) ||
                (x.type == 0x02 && x.len == 13 && memcmp(x.val + 4, "majority", 9) == 0)))
                w = 1;
            else if (name_is(&x, "wtimeout") && !wt && x.type == 0x10 && rd32(x.val) >= 0)
                wt = 1;
            else if (name_is(&x, "j") && !j && x.type == 0x08 && x.val[0] == 0)
                j = 1;
            else
                return -1;
        }
        return rc == 0 ? 1 : -1;
    }
    if (name_is(e, "txnNumber")) {
        if (r->has_txn || e->type != 0x12)
            return -1;
        memcpy(&r->txn_number, e->val, 8);
        r->has_txn = 1;
        return 1;
    }
    if (name_is(e, "ordered") || name_is(e, "bypassDocumentValidation")) {
        uint32_t bit = name_is(e, "ordered") ? FAST_SEEN_ORDERED : FAST_SEEN_BYPASS;
        if ((*seen & bit) || e->type != 0x08 || e->val[0] > 1)
            return -1;
        *seen |= bit;
        if (bit == FAST_SEEN_BYPASS)
            r->bypass = e->val[0];
        return 1;
    }
    return -1;
}

/* ------------------------------------------------------------------ retryable writes */

static struct fast_sess *session_slot(struct fast *f, const uint8_t *lsid)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ lsid[i]) * 16777619u;
    return &f->sessions[h % FAST_SESSIONS];
}

/* The session of a retryable update r, when its writes may be made here and r's txnNumber is a new one
 * (a retry or an older number is JS's: its stored reply or its error). */
struct fast_sess *fast_retryable_session(struct fast *f, const struct fast_req *r)
{
    if (!r->lsid || !f->retry_uri || f->retry_held)
        return NULL;
    struct fast_sess *s = session_slot(f, r->lsid);
    if (!s->used || memcmp(s->lsid, r->lsid, 16) != 0 || r->txn_number <= s->last)
        return NULL;
    return s;
}

/* The row key of session lsid's write txn (retryable_writes.ts rowKey): the lsid's 32 hex digits, a NUL,
 * then txn as big-endian int64 with its sign bit flipped. */
static void row_key(const uint8_t *lsid, int64_t txn, uint8_t out[41])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = (uint8_t)hex[lsid[i] >> 4];
        out[2 * i + 1] = (uint8_t)hex[lsid[i] & 15];
    }
    out[32] = 0;
    uint64_t v = (uint64_t)txn ^ (1ull << 63);
    for (int i = 0; i < 8; i++)
        out[33 + i] = (uint8_t)(v >> (56 - 8 * i));
}

/* In the open transaction: session s's row of write r (the template with its txnNumber and now), and its
 * previous row removed. 1, or 0. */
int fast_write_row(struct fast *f, const struct fast_tmpl *tmpl, struct fast_sess *s, const struct fast_req *r,
  uint64_t wall)
{
    uint8_t key[41], row[FAST_TMPL_MAX];
    WT_ITEM k, v;
    row_key(r->lsid, s->last, key);
    set_item(&k, key, 41);
    f->retry->set_key(f->retry, &k);
    int ret = f->retry->remove(f->retry);
    if (ret != 0 && ret != WT_NOTFOUND)
        return 0;
    if (tmpl->n_at != 2)
        return 0;
    memcpy(row, tmpl->bytes, tmpl->len);
    int64_t ms = (int64_t)wall;
    memcpy(row + tmpl->at[0], &r->txn_number, 8);
    memcpy(row + tmpl->at[1], &ms, 8);
    row_key(r->lsid, r->txn_number, key);
    set_item(&k, key, 41);
    set_item(&v, row, tmpl->len);
    f->retry->set_key(f->retry, &k);
    f->retry->set_value(f->retry, &v);
    return f->retry->insert(f->retry) == 0;
}

/* ------------------------------------------------------------------ the write */

/* Whether top-level field name (n bytes) is one an index of c reads, or one this path never writes: empty,
 * `$`-prefixed, dotted, `_id`, or a name JS's byte patch leaves to the whole update (byte_patch.ts
 * patchableName: all digits — a JS object moves it to the front —, `__proto__`). */
static int unsafe_field(const struct fast_coll *c, const char *name, uint32_t n)
{
    if (n == 0 || name[0] == '$' || memchr(name, '.', n) || (n == 3 && memcmp(name, "_id", 3) == 0) ||
      (n == 9 && memcmp(name, "__proto__", 9) == 0))
        return 1;
    uint32_t digits = 0;
    while (digits < n && name[digits] >= '0' && name[digits] <= '9')
        digits++;
    if (digits == n)
        return 1;
    for (uint32_t at = 0; at < c->unsafe_len;) {
        uint32_t l = (uint32_t)strlen(c->unsafe + at);
        if (l == n && memcmp(c->unsafe + at, name, n) == 0)
            return 1;
        at += l + 1;
    }
    return 0;
}

uint64_t fast_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)(ts.tv_nsec / 1000000);
}

/* The next oplog time after f->issued (as ClusterClock.tick: a new second starts at increment 1).
 * Under clock_mu. */
uint64_t fast_tick(struct fast *f)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t secs = (uint64_t)now.tv_sec, was = f->issued >> 32;
    f->issued = secs > was ? (secs << 32) | 1u : f->issued + 1;
    return f->issued;
}

/* The entries' common tail `ts, t: 1, v: 2, wall` (insert_entry.ts writeTail) at p; the position after. */
uint8_t *fast_put_tail(uint8_t *p, uint64_t ts, uint64_t wall)
{
    uint32_t inc = (uint32_t)ts, secs = (uint32_t)(ts >> 32);
    static const int64_t one = 1, v2 = 2;
    p = fast_put_bytes(p, "\x11ts", 4);
    p = fast_put_bytes(p, &inc, 4);
    p = fast_put_bytes(p, &secs, 4);
    p = fast_put_bytes(p, "\x12t", 3);
    p = fast_put_bytes(p, &one, 8);
    p = fast_put_bytes(p, "\x12v", 3);
    p = fast_put_bytes(p, &v2, 8);
    p = fast_put_bytes(p, "\x09wall", 6);
    int64_t w = (int64_t)wall;
    return fast_put_bytes(p, &w, 8);
}

/* In the open transaction: r's `_id` looked up in c's `_id_` index (*k its stored key, valid until the
 * next stored_key) and its record read (*rid, *v: WiredTiger's bytes until the cursor moves). 1, or 0. */
int fast_find_record(struct fast_coll *c, const struct fast_req *r, WT_ITEM *k, int64_t *rid, WT_ITEM *v)
{
    uint8_t key[FAST_KEY_MAX];
    size_t klen = scalar_key(&r->filter, key), n;
    if (klen == 0)
        return 0;
    uint8_t *sk = stored_key(key, (int32_t)klen, 0, 0, 0, &n);
    if (!sk)
        return 0;
    set_item(k, sk, (int64_t)n);
    c->idx->set_key(c->idx, k);
    if (c->idx->search(c->idx) != 0 || c->idx->get_value(c->idx, v) != 0 || v->size != 8)
        return 0;
    *rid = get_be64(v->data);
    c->rec->set_key(c->rec, *rid);
    return c->rec->search(c->rec) == 0 && c->rec->get_value(c->rec, v) == 0 && v->size >= 5 &&
      v->size <= 16 * 1024 * 1024 && (uint32_t)rd32(v->data) == v->size;
}

uint8_t *fast_put_bytes(uint8_t *p, const void *b, size_t n)
{
    memcpy(p, b, n);
    return p + n;
}

/* The oplog entry of the update (update_entry.ts's bytes; section 'u': the field changed, 'i': created;
 * field's type and name, val its new value): fast_scratch 0, *len its size; NULL (no memory). */
static uint8_t *update_entry(struct fast *f, const struct fast_coll *c, char section, const struct el *field, const uint8_t *val,
  uint32_t vlen, const uint8_t *id, uint32_t id_len, uint64_t ts, uint64_t wall, uint32_t *len)
{
    uint32_t el_len = 1 + field->name_len + 1 + vlen;
    uint32_t u_len = 4 + el_len + 1, diff_len = 4 + (3 + u_len) + 1;
    uint32_t o_len = 4 + (4 + 4) + (6 + diff_len) + 1; /* {$v: 2, diff: {u: {f: v}}} */
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
    *p++ = 0x03;
    *p++ = (uint8_t)section;
    *p++ = 0;
    p = fast_put_bytes(p, &u_len, 4);
    *p++ = field->type;
    p = fast_put_bytes(p, field->name, field->name_len);
    *p++ = 0;
    p = fast_put_bytes(p, val, vlen);
    *p++ = 0; /* u */
    *p++ = 0; /* diff */
    *p++ = 0; /* o */
    p = fast_put_bytes(p, "\x03o2", 4);
    p = fast_put_bytes(p, &o2_len, 4);
    p = fast_put_bytes(p, id, id_len);
    *p++ = 0;
    p = fast_put_tail(p, ts, wall);
    *p++ = 0;
    *len = size;
    return b;
}

/* In the open transaction: the record found by r's `_id`, patched, updated, and its oplog entry
 * inserted at a new time (*ts); 1, or 0 (the caller rolls back). Under f->mu and clock_mu. */
static int write_update(struct fast *f, struct fast_coll *c, const struct fast_req *r, struct fast_sess *sess,
  uint64_t *ts)
{
    WT_ITEM k, v;
    int64_t rid;
    if (!fast_find_record(c, r, &k, &rid, &v))
        return 0;
    /* the stored document's `_id` element and the field's, each exactly once */
    const uint8_t *doc = v.data, *p = doc + 4, *end = doc + v.size, *id = NULL, *at = NULL;
    uint32_t id_len = 0;
    struct el e, target = {0};
    int rc;
    while ((rc = next_el(&p, end, &e)) == 1) {
        const uint8_t *start = (const uint8_t *)e.name - 1;
        if (name_is(&e, "_id")) {
            if (id)
                return 0;
            id = start;
            id_len = (uint32_t)(e.val + e.len - start);
        } else if (e.name_len == r->arg.name_len && memcmp(e.name, r->arg.name, e.name_len) == 0) {
            if (at)
                return 0;
            at = e.val;
            target = e;
        }
    }
    if (rc != 0 || !id)
        return 0;
    /* the new element (the field's name, the new value's type and bytes) and the bytes [from, to) of the
     * record it replaces — none when the field is new: appended, the diff's `i` */
    uint8_t nv[8];
    struct el ne = r->arg;
    uint32_t from, to;
    if (at) {
        if (r->op_set) {
            if (fast_set_unchanged(&target, &r->arg))
                return 0; /* the same value (nModified 0), or a stored type JS's scalar patch does not read */
        } else {
            if (!fast_inc_value(target.type, at, &r->arg, nv) || memcmp(nv, at, target.len) == 0)
                return 0; /* another type, an overflow, or no change (nModified 0): JS's */
            ne.type = target.type;
            ne.val = nv;
            ne.len = target.len;
        }
        from = (uint32_t)((const uint8_t *)target.name - 1 - doc);
        to = (uint32_t)(at + target.len - doc);
    } else {
        if ((!r->op_set && !fast_inc_new_value(&r->arg)) ||
          !utf8_ok((const uint8_t *)r->arg.name, r->arg.name_len))
            return 0;
        from = to = (uint32_t)v.size - 1;
    }
    /* the record: what precedes the element, the new element, what follows (its terminator included) */
    uint32_t ne_len = 1 + ne.name_len + 1 + ne.len;
    uint64_t size64 = (uint64_t)v.size - (to - from) + ne_len;
    if (size64 > 16u * 1024 * 1024)
        return 0; /* over the document limit: JS's error */
    uint32_t size = (uint32_t)size64, id_off = (uint32_t)(id - doc);
    uint8_t *doc2 = fast_scratch(f, 1, size);
    if (!doc2)
        return 0;
    memcpy(doc2, doc, from);
    uint8_t *q = doc2 + from;
    *q++ = ne.type;
    q = fast_put_bytes(q, ne.name, ne.name_len);
    *q++ = 0;
    q = fast_put_bytes(q, ne.val, ne.len);
    memcpy(q, doc + to, v.size - to);
    memcpy(doc2, &size, 4);
    if (id_off > from)
        id_off = id_off - (to - from) + ne_len; /* (an `_id` after the field) */
    char section = at ? 'u' : 'i';
    /* both cursors let go of their pages before the write: a page the update must evict (one grown past
     * its limit by a load's inserts) cannot be while any session holds it, this one included */
    c->idx->reset(c->idx);
    c->rec->reset(c->rec);
    WT_ITEM nvitem;
    set_item(&nvitem, doc2, size);
    c->rec->set_key(c->rec, rid);
    c->rec->set_value(c->rec, &nvitem);
    int ok = c->rec->update(c->rec) == 0;
    if (ok) {
        *ts = fast_tick(f);
        uint32_t elen = 0;
        uint64_t wall = fast_wall_ms();
        uint8_t *entry = update_entry(f, c, section, &ne, ne.val, ne.len, doc2 + id_off, id_len, *ts, wall, &elen);
        ok = fast_log_write(f, r, sess, &f->row, *ts, wall, entry, elen);
    }
    fast_scratch_done(f, 1, doc2);
    return ok;
}

/*
 * A write on registration c in one transaction of the fast path's session, shared by updates and deletes:
 * `write` makes it (in the open transaction, under clock_mu: its oplog time in *ts) and the commit is at
 * that time; the reply is template `tmpl` with it, the log entry `kind`. 1 answered (*o, *entry), 0 JS's
 * (nothing written). Under f->mu.
 */
int fast_write_txn(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r,
  const struct fast_tmpl *tmpl, uint32_t kind, fast_write_fn write, struct out **o, struct fast_entry *entry)
{
    if (!f->oplog_uri || f->oplog_held || tmpl->len == 0)
        return 0;
    WT_SESSION *s = f->session;
    struct fast_sess *sess = NULL;
    if (r->has_txn && !(sess = fast_retryable_session(f, r)))
        return 0;
    if (!f->oplog && s->open_cursor(s, f->oplog_uri, NULL, NULL, &f->oplog) != 0) {
        f->oplog = NULL;
        return 0;
    }
    if (sess && !f->retry && s->open_cursor(s, f->retry_uri, NULL, NULL, &f->retry) != 0) {
        f->retry = NULL;
        return 0;
    }
    int64_t t0 = io_mono_us();
    if (t0 < c->cool_until_us)
        return 0;
    /* the reply's memory first: once the write commits, the request is answered here, never by JS */
    *o = fast_reply_out(f, id, tmpl->len, r->request_id);
    if (!*o)
        return 0;
    if (pthread_mutex_trylock(&f->clock_mu) != 0)
        return 0; /* JS is between an oplog time and its commit */
    if (!fast_begin(f, c, &c->idx, c->idx_uri)) {
        pthread_mutex_unlock(&f->clock_mu);
        return 0;
    }
    uint64_t ts = 0;
    int ok = write(f, c, r, sess, &ts);
    c->idx->reset(c->idx);
    c->rec->reset(c->rec);
    f->oplog->reset(f->oplog);
    if (sess)
        f->retry->reset(f->retry);
    if (ok) {
        char cfg[64];
        snprintf(cfg, sizeof cfg, "commit_timestamp=%" PRIx64, ts);
        ok = s->commit_transaction(s, cfg) == 0; /* (a failed commit is rolled back) */
    } else
        s->rollback_transaction(s, NULL);
    if (ok) {
        uint64_t t = atomic_load(&f->time);
        while (t < ts && !atomic_compare_exchange_weak(&f->time, &t, ts)) {
        }
    }
    pthread_mutex_unlock(&f->clock_mu);
    /* A write that took long here (> 4 ms) waited in WiredTiger (measured: a page grown past memory_page_max by a
     * load's inserts, whose forced eviction stalls this thread's update — sleeps of up to ms each — while
     * the JS thread's own update of it goes through): the namespace's writes are JS's for a while, until
     * the page has been dealt with. */
    if (io_mono_us() - t0 > FAST_SLOW_WRITE_US)
        c->cool_until_us = io_mono_us() + FAST_COOL_US;
    if (!ok)
        return 0; /* (the caller frees *o) */
    memcpy((*o)->data + 21, tmpl->bytes, tmpl->len);
    fast_put_time((*o)->data + 21, tmpl, ts);
    entry->kind = kind;
    entry->docs = (uint32_t)ts;
    entry->keys = (uint32_t)(ts >> 32);
    if (sess) {
        sess->last = r->txn_number;
        entry->retryable = 1;
        entry->txn_number = r->txn_number;
    }
    return 1;
}

#define SCRATCH_KEPT (64 * 1024)

/* n bytes of scratch buffer `which` (reused up to SCRATCH_KEPT bytes, a malloc beyond), or NULL; given back
 * with fast_scratch_done. Under f->mu. */
uint8_t *fast_scratch(struct fast *f, int which, size_t n)
{
    if (n > SCRATCH_KEPT)
        return malloc(n);
    if (!f->scratch[which])
        f->scratch[which] = malloc(SCRATCH_KEPT);
    return f->scratch[which];
}

void fast_scratch_done(struct fast *f, int which, uint8_t *p)
{
    if (p != f->scratch[which])
        free(p);
}

/* In the open transaction: a write's oplog entry (fast_scratch 0, len bytes; NULL: none could be made)
 * inserted and given back, and a retryable write's session row (template row) written. 1, or 0. */
int fast_log_write(struct fast *f, const struct fast_req *r, struct fast_sess *sess, const struct fast_tmpl *row,
  uint64_t ts, uint64_t wall, uint8_t *entry, uint32_t len)
{
    if (!entry)
        return 0;
    int ok = fast_insert_oplog(f, ts, entry, len);
    fast_scratch_done(f, 0, entry);
    return ok && sess ? fast_write_row(f, row, sess, r, wall) : ok;
}

/* In the open transaction: the oplog entry (len bytes) under its time's key. 1, or 0. */
int fast_insert_oplog(struct fast *f, uint64_t ts, const uint8_t *entry, uint32_t len)
{
    uint8_t tk[8];
    for (int i = 0; i < 4; i++) {
        tk[i] = (uint8_t)(ts >> (56 - 8 * i));
        tk[4 + i] = (uint8_t)((uint32_t)ts >> (24 - 8 * i));
    }
    WT_ITEM k, v;
    set_item(&k, tk, 8);
    set_item(&v, entry, len);
    f->oplog->set_key(f->oplog, &k);
    f->oplog->set_value(f->oplog, &v);
    return f->oplog->insert(f->oplog) == 0;
}

/* The update r on registration c: 1 answered (*o the reply, *entry filled), 0 JS's. Under f->mu. */
int fast_serve_update(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r, struct out **o,
  struct fast_entry *entry)
{
    if (!c->up_prefix || unsafe_field(c, r->arg.name, r->arg.name_len) || (r->op_set && !fast_set_value(&r->arg)))
        return 0;
    return fast_write_txn(f, c, id, r, &f->update, KIND_UPDATE, write_update, o, entry);
}

void fast_close_writes(struct fast_coll *c)
{
    free(c->up_prefix);
    free(c->unsafe);
    c->up_prefix = NULL;
    c->unsafe = NULL;
    c->up_prefix_len = c->unsafe_len = 0;
}

/* ------------------------------------------------------------------ JS's side */

/* Serve updates on registration slot: prefix = the oplog entry's `op, ns, ui` elements, unsafe = the
 * top-level fields an index reads, each NUL-terminated. 0, or EINVAL / ENOMEM. */
int sct_fast_register_writes(struct sct_io *io, int slot, const uint8_t *prefix, int prefix_len, const uint8_t *unsafe,
  int unsafe_len)
{
    struct fast *f = io->fast;
    if (!f || slot < 0 || slot >= FAST_COLLS || prefix_len <= 0 || unsafe_len < 0 ||
      (unsafe_len > 0 && unsafe[unsafe_len - 1] != 0))
        return EINVAL;
    pthread_mutex_lock(&f->mu);
    struct fast_coll *c = &f->colls[slot];
    int ret = 0;
    if (!c->ns)
        ret = EINVAL;
    else {
        fast_close_writes(c);
        c->up_prefix = malloc((size_t)prefix_len);
        c->unsafe = malloc((size_t)unsafe_len + 1);
        if (!c->up_prefix || !c->unsafe) {
            fast_close_writes(c);
            ret = ENOMEM;
        } else {
            memcpy(c->up_prefix, prefix, (size_t)prefix_len);
            if (unsafe_len > 0)
                memcpy(c->unsafe, unsafe, (size_t)unsafe_len);
            c->up_prefix_len = (uint32_t)prefix_len;
            c->unsafe_len = (uint32_t)unsafe_len;
        }
    }
    pthread_mutex_unlock(&f->mu);
    return ret;
}

/* Table uri for *uri_at (its cursor *cur closed: opened again at the next write). 0, or ENOMEM. */
static int set_table(struct fast *f, char **uri_at, WT_CURSOR **cur, const char *uri)
{
    char *u = strdup(uri);
    if (!u)
        return ENOMEM;
    pthread_mutex_lock(&f->mu);
    if (*cur)
        (*cur)->close(*cur);
    *cur = NULL;
    free(*uri_at);
    *uri_at = u;
    pthread_mutex_unlock(&f->mu);
    return 0;
}

/* The oplog's entries table (updates write their entries there), and the newest time JS's clock has
 * issued so far (from here on its ticks take the clock: sct_fast_clock_lock). 0, or EINVAL / ENOMEM. */
int sct_fast_oplog(struct sct_io *io, const char *uri, uint64_t issued)
{
    struct fast *f = io->fast;
    if (!f || !uri)
        return EINVAL;
    int ret = set_table(f, &f->oplog_uri, &f->oplog, uri);
    if (ret != 0)
        return ret;
    pthread_mutex_lock(&f->clock_mu);
    if (issued > f->issued)
        f->issued = issued;
    pthread_mutex_unlock(&f->clock_mu);
    return 0;
}

/* JS's first tick in a turn: takes the clock (waiting out an update's tick-to-commit here) and returns
 * the newest time issued, which JS's clock catches up to before it ticks. */
uint64_t sct_fast_clock_lock(struct sct_io *io)
{
    struct fast *f = io->fast;
    if (!f)
        return 0;
    pthread_mutex_lock(&f->clock_mu);
    return f->issued;
}

/* The end of JS's turn: the newest time it issued, and the clock let go. */
int sct_fast_clock_unlock(struct sct_io *io, uint64_t issued)
{
    struct fast *f = io->fast;
    if (!f)
        return 0;
    if (issued > f->issued)
        f->issued = issued;
    pthread_mutex_unlock(&f->clock_mu);
    return 0;
}

/* Session lsid's retryable updates may be made here from now on: last = the txnNumber of its newest write,
 * whose row JS stored (a later one replaces it). */
int sct_fast_session(struct sct_io *io, const uint8_t *lsid, int64_t last)
{
    struct fast *f = io->fast;
    if (!f)
        return EINVAL;
    pthread_mutex_lock(&f->mu);
    struct fast_sess *s = session_slot(f, lsid);
    memcpy(s->lsid, lsid, 16);
    s->last = last;
    s->used = 1;
    pthread_mutex_unlock(&f->mu);
    return 0;
}

/* JS runs a retryable write of session lsid (its state is JS's again until JS registers it anew); on
 * return no update of it is being made here. */
int sct_fast_forget(struct sct_io *io, const uint8_t *lsid)
{
    struct fast *f = io->fast;
    if (!f)
        return 0;
    pthread_mutex_lock(&f->mu);
    struct fast_sess *s = session_slot(f, lsid);
    if (s->used && memcmp(s->lsid, lsid, 16) == 0)
        s->used = 0;
    pthread_mutex_unlock(&f->mu);
    return 0;
}

/* The table of retryable writes' rows (sessions/retryable_writes.ts). 0, or EINVAL / ENOMEM. */
int sct_fast_retry_table(struct sct_io *io, const char *uri)
{
    struct fast *f = io->fast;
    return !f || !uri ? EINVAL : set_table(f, &f->retry_uri, &f->retry, uri);
}
