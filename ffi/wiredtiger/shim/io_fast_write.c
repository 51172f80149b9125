/*
 * io_fast_write.c — what the writes answered on the frame I/O thread share (issue 18: a write's request,
 * its WiredTiger calls and its reply off the JS thread): the write fields of a request, the transaction
 * they run in, the cluster clock shared with JS, retryable writes' session rows, the oplog entry's tail
 * and insert. The writes themselves: updates by `_id` (io_fast_update.c, values in
 * io_fast_update_value.c), deletes by `_id` (io_fast_delete.c), inserts of one document
 * (io_fast_insert.c).
 *
 * A write's request: `{update|delete|insert: <coll>, updates|deletes|documents: [<one statement>],
 * ordered, bypassDocumentValidation, writeConcern {w: 1 | "majority", wtimeout, j: false}, lsid,
 * txnNumber, ...}` with the generic fields of a find (no readConcern or `let`: those are JS's; the
 * statement may also come as a document sequence, io_fast_parse.c), on a namespace JS registered for that
 * kind of write after making one there itself (the collection has no validator, is not capped, clustered,
 * time-series or a system collection, keeps no pre-images, and every index's fields are known:
 * commands/updatable_collection.ts). Anything a write does not take — a write conflict, a request JS holds
 * the clock for, a slow write's cool-down — is JS's, untouched: nothing is written unless all of it is.
 *
 * In one snapshot transaction of the fast path's session (fast_write_txn): the write, its oplog entry
 * exactly as the JS oplog writer writes it (fast_log_write), committed at its oplog time as JS's writes
 * are (the log written to the OS at commit, our default durability; JS does not switch writes on with
 * sync_on_commit). The reply is JS's template (`{n: 1, nModified: 1, ok: 1}`, `{n: 1, ok: 1}`) with the
 * write's time as cluster and operation time, which also becomes the published time. JS's bookkeeping
 * (opcounters, top, latency, documents, index use, counts, the oplog's count and waiters, its clock)
 * comes from the log entry.
 *
 * A retryable write (`lsid` + `txnNumber`, as drivers send every write) is made here only for a session
 * JS registered (sct_fast_session, after a retryable write of it ran in JS; any other command of the
 * session with a txnNumber takes it back, sct_fast_forget) and only for a txnNumber above the session's
 * newest: a retry or an older number is JS's (its stored reply, 225). In the same transaction the
 * session's row (sessions/retryable_writes.ts: keyed by the session and txnNumber, JS's row template with
 * this txnNumber and the wall time) replaces its previous one, so a retry after a restart finds it; JS
 * records the write in its session state from the log entry.
 */
#define _GNU_SOURCE
#include "io_fast.h"
#include <time.h>


/* ------------------------------------------------------------------ parse */

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
        ok = fast_update_statement(d, len, r);
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
    return &f->sh->sessions[h % FAST_SESSIONS];
}

/* The session of a retryable update r, when its writes may be made here and r's txnNumber is a new one
 * (a retry or an older number is JS's: its stored reply or its error). */
struct fast_sess *fast_retryable_session(struct fast *f, const struct fast_req *r)
{
    if (!r->lsid || !f->retry_uri || f->retry_held)
        return NULL;
    struct fast_sess *s = session_slot(f, r->lsid);
    pthread_mutex_lock(&f->sh->sess_mu);
    int ok = s->used && !s->busy && memcmp(s->lsid, r->lsid, 16) == 0 && r->txn_number > s->last;
    if (ok)
        s->busy = 1; /* until fast_write_txn is done with it (sess_done) */
    pthread_mutex_unlock(&f->sh->sess_mu);
    return ok ? s : NULL;
}

/* The write of session s is over: made (txn, its txnNumber, the session's newest), or not (0). */
static void sess_done(struct fast *f, struct fast_sess *s, int64_t txn)
{
    pthread_mutex_lock(&f->sh->sess_mu);
    if (txn)
        s->last = txn;
    s->busy = 0;
    pthread_mutex_unlock(&f->sh->sess_mu);
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

/* In the open transaction: session s's row of write r (the template with its txnNumber and now; a
 * findAndModify's with its document, f->fam_doc, in the reply: io_fast_fam.c), and its previous row
 * removed. 1, or 0. */
int fast_write_row(struct fast *f, const struct fast_tmpl *tmpl, struct fast_sess *s, const struct fast_req *r,
  uint64_t wall)
{
    uint8_t key[41], small[FAST_TMPL_MAX];
    WT_ITEM k, v;
    row_key(r->lsid, s->last, key);
    set_item(&k, key, 41);
    f->retry->set_key(f->retry, &k);
    int ret = f->retry->remove(f->retry);
    if (ret != 0 && ret != WT_NOTFOUND)
        return 0;
    if (tmpl->n_at != 2 || (tmpl->split && !f->fam_doc))
        return 0;
    uint32_t doc_len = tmpl->split ? f->fam_doc_len : 0, len = tmpl->split ? tmpl->len - 5 + doc_len : tmpl->len;
    uint8_t *row = tmpl->split ? fast_scratch(f, 0, len) : small; /* (scratch 0: the entry is written) */
    if (!row)
        return 0;
    if (tmpl->split)
        fast_fam_splice(row, tmpl, f->fam_doc, doc_len);
    else
        memcpy(row, tmpl->bytes, tmpl->len);
    int64_t ms = (int64_t)wall;
    memcpy(row + fast_fam_at(tmpl, 0, doc_len), &r->txn_number, 8);
    memcpy(row + fast_fam_at(tmpl, 1, doc_len), &ms, 8);
    row_key(r->lsid, r->txn_number, key);
    set_item(&k, key, 41);
    set_item(&v, row, len);
    f->retry->set_key(f->retry, &k);
    f->retry->set_value(f->retry, &v);
    int ok = f->retry->insert(f->retry) == 0;
    if (row != small)
        fast_scratch_done(f, 0, row);
    return ok;
}

/* ------------------------------------------------------------------ the write */

/* Whether top-level field name (n bytes) is one an index of c reads, or one this path never writes: empty,
 * `$`-prefixed, dotted, `_id`, or a name JS's byte patch leaves to the whole update (byte_patch.ts
 * patchableName: all digits — a JS object moves it to the front —, `__proto__`). */
int fast_unsafe_field(const struct fast_coll *c, const char *name, uint32_t n)
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

/* The next oplog time after f->sh->issued (as ClusterClock.tick: a new second starts at increment 1),
 * clock_mu taken for it (fast_write_txn lets it go after the commit: entries commit in time order) — or
 * 0: not now (JS holds the clock for a turn of its event loop; it wakes this loop when it lets go, asked
 * for before the second try, so a release between the two is not missed). Another loop's hold (its tick
 * to its commit, a few µs) is waited out, up to FAST_CLOCK_SPIN_US. The write's data is already in its
 * transaction: only the oplog entry and the commit wait. */
uint64_t fast_tick(struct fast *f)
{
    if (!f->clock_held && pthread_mutex_trylock(&f->sh->clock_mu) != 0) {
        int got = 0;
        if (!atomic_load(&f->sh->js_holds)) {
            int64_t until = io_mono_us() + FAST_CLOCK_SPIN_US;
            for (int spins = 0; !got && !atomic_load(&f->sh->js_holds); spins++) {
                got = pthread_mutex_trylock(&f->sh->clock_mu) == 0;
                if (!got && (spins & 63) == 63 && io_mono_us() > until)
                    break;
                if (!got)
                    cpu_relax();
            }
        }
        if (!got) {
            atomic_store(&f->sh->clock_wanted, 1);
            if (pthread_mutex_trylock(&f->sh->clock_mu) != 0)
                return 0;
        }
    }
    f->clock_held = 1;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t secs = (uint64_t)now.tv_sec, was = f->sh->issued >> 32;
    f->sh->issued = secs > was ? (secs << 32) | 1u : f->sh->issued + 1;
    return f->sh->issued;
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

/* The embedded document `{<the _id element>}` under head (its type byte, name and NUL, head_len bytes: an
 * entry's `o2`, or a delete's `o`) at p; the position after. */
uint8_t *fast_put_id_doc(uint8_t *p, const char *head, size_t head_len, const uint8_t *id, uint32_t id_len)
{
    uint32_t len = 4 + id_len + 1;
    p = fast_put_bytes(p, head, head_len);
    p = fast_put_bytes(p, &len, 4);
    p = fast_put_bytes(p, id, id_len);
    *p++ = 0;
    return p;
}

uint8_t *fast_put_bytes(uint8_t *p, const void *b, size_t n)
{
    memcpy(p, b, n);
    return p + n;
}

/*
 * A write on registration c in one transaction of the fast path's session, shared by updates and deletes:
 * `write` makes it (in the open transaction, under clock_mu: its oplog time in *ts) and the commit is at
 * that time; the reply is template `tmpl` with it, the log entry `kind`. 1 answered (*o, *entry), 0 JS's
 * (nothing written), FAST_LATER not now (JS holds the clock), FAST_REFUSED what `write` returned when
 * it found the write refused (rolled back; the caller answers it, *o to free). Under f->mu.
 */
static int write_txn(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r,
  const struct fast_tmpl *tmpl, uint32_t kind, fast_write_fn write, struct out **o, struct fast_entry *entry,
  struct fast_sess *sess);

int fast_write_txn(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r,
  const struct fast_tmpl *tmpl, uint32_t kind, fast_write_fn write, struct out **o, struct fast_entry *entry)
{
    if (!f->oplog_uri || f->oplog_held || tmpl->len == 0)
        return 0;
    struct fast_sess *sess = NULL;
    if (r->has_txn && !(sess = fast_retryable_session(f, r)))
        return 0;
    int ret = write_txn(f, c, id, r, tmpl, kind, write, o, entry, sess);
    if (sess)
        sess_done(f, sess, ret == 1 ? r->txn_number : 0);
    return ret;
}

static int write_txn(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r,
  const struct fast_tmpl *tmpl, uint32_t kind, fast_write_fn write, struct out **o, struct fast_entry *entry,
  struct fast_sess *sess)
{
    WT_SESSION *s = f->session;
    if (!f->oplog && s->open_cursor(s, f->oplog_uri, NULL, FAST_CURSOR_CFG, &f->oplog) != 0) {
        f->oplog = NULL;
        return 0;
    }
    if (sess && !f->retry && s->open_cursor(s, f->retry_uri, NULL, FAST_CURSOR_CFG, &f->retry) != 0) {
        f->retry = NULL;
        return 0;
    }
    int64_t t0 = io_mono_us();
    if (t0 < c->cool_until_us)
        return 0;
    /* the reply's memory first: once the write commits, the request is answered here, never by JS (a
     * findAndModify's is made by its write, which reads the document it returns: fast_fam_out) */
    if (!r->fam) {
        *o = fast_reply_out(f, id, tmpl->len, r->request_id);
        if (!*o)
            return 0;
    }
    if (!fast_begin(f, c, &c->idx, c->idx_uri))
        return 0;
    uint64_t ts = 0;
    int ok = write(f, c, r, sess, &ts); /* (its tick takes the clock: fast_tick) */
    if (r->fam) {
        *o = f->fam_out; /* (NULL when the write did not get that far; the caller frees it otherwise) */
        f->fam_out = NULL;
        if (*o)
            (*o)->id = id;
        else if (ok == 1)
            ok = 0;
    }
    c->idx->reset(c->idx);
    c->rec->reset(c->rec);
    f->oplog->reset(f->oplog);
    if (sess)
        f->retry->reset(f->retry);
    if (ok == FAST_LATER) {
        s->rollback_transaction(s, NULL);
        return FAST_LATER; /* (the caller frees *o) */
    }
    int refused = ok == FAST_REFUSED;
    if (refused)
        ok = 0;
    if (ok) {
        char cfg[80];
        /* the log is written once for every write of this turn of the loop (io_fast_release), before
         * any reply goes out; the flag first: whoever can see this commit sees it set */
        snprintf(cfg, sizeof cfg, "commit_timestamp=%" PRIx64 "%s", ts, f->logged ? ",sync=off" : "");
        if (f->logged)
            atomic_store(&f->log_unwritten, 1);
        ok = s->commit_transaction(s, cfg) == 0; /* (a failed commit is rolled back) */
    } else
        s->rollback_transaction(s, NULL);
    if (ok) {
        uint64_t t = atomic_load(&f->time);
        while (t < ts && !atomic_compare_exchange_weak(&f->time, &t, ts)) {
        }
    }
    if (f->clock_held) {
        f->clock_held = 0;
        pthread_mutex_unlock(&f->sh->clock_mu);
        if (f->sh->n_ios > 1 && atomic_exchange(&f->sh->clock_wanted, 0))
            fast_wake_loops(f); /* another loop's write gave up waiting for it */
    }
    /* A write that took long here (> 4 ms) waited in WiredTiger (measured: a page grown past memory_page_max by a
     * load's inserts, whose forced eviction stalls this thread's update — sleeps of up to ms each — while
     * the JS thread's own update of it goes through): the namespace's writes are JS's for a while, until
     * the page has been dealt with. */
    if (io_mono_us() - t0 > FAST_SLOW_WRITE_US)
        c->cool_until_us = io_mono_us() + FAST_COOL_US;
    if (!ok)
        return refused ? FAST_REFUSED : 0; /* (the caller frees *o) */
    if (r->fam)
        fast_fam_times(*o, tmpl, f->fam_doc_len, ts);
    else {
        memcpy((*o)->data + 21, tmpl->bytes, tmpl->len);
        fast_put_time((*o)->data + 21, tmpl, ts);
    }
    entry->kind = kind;
    entry->docs = (uint32_t)ts;
    entry->keys = (uint32_t)(ts >> 32);
    if (sess) {
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

void fast_close_writes(struct fast_coll *c)
{
    fast_set_uix(c, NULL, 0, NULL, 0, 0);
    free(c->up_prefix);
    free(c->unsafe);
    c->up_prefix = NULL;
    c->unsafe = NULL;
    c->up_prefix_len = c->unsafe_len = 0;
}

/* ------------------------------------------------------------------ JS's side */

/* Serve updates on registration slot: prefix = the oplog entry's `op, ns, ui` elements, unsafe = the
 * top-level fields an index reads that updates here never change, each NUL-terminated; names, uris: the n
 * ascending single-field indexes whose fields they may change (their fields and tables, each
 * NUL-terminated, in the same order: fast_set_uix). 0, or EINVAL / ENOMEM. */
int sct_fast_register_writes(struct sct_io *io, int slot, const uint8_t *prefix, int prefix_len, const uint8_t *unsafe,
  int unsafe_len, const char *names, int names_len, const char *uris, int uris_len, int n)
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
            ret = fast_set_uix(c, names, names_len, uris, uris_len, n);
            if (ret != 0)
                fast_close_writes(c);
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
    pthread_mutex_lock(&f->sh->clock_mu);
    if (issued > f->sh->issued)
        f->sh->issued = issued;
    pthread_mutex_unlock(&f->sh->clock_mu);
    return 0;
}

/* JS's first tick in a turn: takes the clock (waiting out an update's tick-to-commit here) and returns
 * the newest time issued, which JS's clock catches up to before it ticks. */
uint64_t sct_fast_clock_lock(struct sct_io *io)
{
    struct fast *f = io->fast;
    if (!f)
        return 0;
    pthread_mutex_lock(&f->sh->clock_mu);
    atomic_store(&f->sh->js_holds, 1);
    return f->sh->issued;
}

/* The end of JS's turn: the newest time it issued, and the clock let go. */
int sct_fast_clock_unlock(struct sct_io *io, uint64_t issued)
{
    struct fast *f = io->fast;
    if (!f)
        return 0;
    if (issued > f->sh->issued)
        f->sh->issued = issued;
    atomic_store(&f->sh->js_holds, 0);
    pthread_mutex_unlock(&f->sh->clock_mu);
    if (atomic_exchange(&f->sh->clock_wanted, 0))
        fast_wake_loops(f); /* a write there waits for it (fast_write_txn) */
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
    pthread_mutex_lock(&f->sh->sess_mu);
    if (!s->busy) { /* (another loop mid-write of the slot's session: this one stays JS's) */
        memcpy(s->lsid, lsid, 16);
        s->last = last;
        s->used = 1;
    }
    pthread_mutex_unlock(&f->sh->sess_mu);
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
    pthread_mutex_lock(&f->sh->sess_mu);
    if (s->used && memcmp(s->lsid, lsid, 16) == 0)
        s->used = 0;
    pthread_mutex_unlock(&f->sh->sess_mu);
    pthread_mutex_unlock(&f->mu);
    return 0;
}

/* The table of retryable writes' rows (sessions/retryable_writes.ts). 0, or EINVAL / ENOMEM. */
int sct_fast_retry_table(struct sct_io *io, const char *uri)
{
    struct fast *f = io->fast;
    return !f || !uri ? EINVAL : set_table(f, &f->retry_uri, &f->retry, uri);
}

/* ------------------------------------------------------------------ one log write per turn */

/*
 * Our durability is that an acknowledged write survives a kill of the process: its log records are in
 * the operating system before its reply is sent (config.ts; JS's commits write them at commit). A write
 * here commits with sync=off (its records stay in WiredTiger's log buffer) and its reply waits in its
 * connection's out-queue, the connection on io->held, until io_fast_release writes the log: at the end
 * of the loop's turn, so the sixteen writes a turn may carry under sixteen busy connections share one
 * write(2), or earlier, before anything else is sent — io_flush releases first while a write's log is
 * unwritten, and JS's direct sends queue behind it (send_direct) — so no reply of any request that could
 * have seen such a write leaves before its log is written. JS's own commits write every earlier record
 * too (the log is written in order).
 */

/* Hold c's queued reply until the log is written. 0, or -1 when c closed (a send error). */
int io_fast_hold(struct sct_io *io, struct conn *c)
{
    if (c->held)
        return 0;
    if (io->n_held == io->cap_held) {
        uint32_t ncap = io->cap_held ? io->cap_held * 2 : 64;
        uint32_t *nh = realloc(io->held, ncap * sizeof *nh);
        if (!nh) { /* out of memory: write the log now, then send */
            io_fast_release(io);
            return io_flush(io, c);
        }
        io->held = nh;
        io->cap_held = ncap;
    }
    io->held[io->n_held++] = c->id;
    c->held = 1;
    return 0;
}

/* Whether a write's log is still unwritten (any thread). */
int io_fast_log_unwritten(struct sct_io *io)
{
    return io->fast && atomic_load(&io->fast->log_unwritten);
}

/*
 * Write the log of the writes committed here (one write(2)), then send the held replies. If the log
 * cannot be written, the held connections close without their replies (the client cannot know whether
 * its write survives; WiredTiger's next log write retries the records).
 */
void io_fast_release(struct sct_io *io)
{
    struct fast *f = io->fast;
    int ok = 1;
    if (f && atomic_load(&f->log_unwritten)) {
        pthread_mutex_lock(&f->mu);
        ok = f->session && f->session->log_flush(f->session, "sync=off") == 0;
        atomic_store(&f->log_unwritten, 0);
        pthread_mutex_unlock(&f->mu);
    }
    uint32_t n = io->n_held;
    if (n == 0)
        return;
    uint32_t ids[64];
    uint32_t *held = n <= 64 ? ids : malloc(n * sizeof *held);
    if (!held) { /* out of memory: in place (nothing below adds to the list while the log is written) */
        held = io->held;
    } else
        memcpy(held, io->held, n * sizeof *held);
    io->n_held = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct conn *c = io_lookup(io, held[i]);
        if (!c)
            continue;
        c->held = 0;
        if (ok)
            io_flush(io, c);
        else
            io_close_conn(io, c, "the log could not be written", 1);
    }
    if (held != ids && held != io->held)
        free(held);
}
