/*
 * io_fast.c — point reads answered on the frame I/O thread (issue 18: the second core, and no JS wake-up
 * for the commonest read).
 *
 * A request the I/O thread has assembled whole is looked at here before it is queued for JS
 * (io_fast_parse.c reads its shape). These shapes are answered in C, exactly as the JS command path
 * would answer them, and everything else goes to JS untouched (a find on another field, with sort
 * {f: 1} or not: io_fast_index.c, when JS registered that field's index; an update by `_id`:
 * io_fast_write.c, a delete by `_id`: io_fast_delete.c, an insert of one document: io_fast_insert.c, a
 * findAndModify by `_id`: io_fast_fam.c, when JS registered the namespace for them):
 *   - `{find: <coll>, filter: {_id: <v>}, ...}` on a namespace JS registered (sct_fast_register: it
 *     served a find by `_id` there through its IDHACK read, the `_id_` index has no collation), `v` an
 *     ObjectId, a string, an int32, an int64 or a double of integral value below 1e15 in magnitude;
 *     besides: limit (int32 ≥ 0), batchSize (int32 ≥ 1), singleBatch, lsid ({id: UUID}), $clusterTime,
 *     $readPreference, $db, maxTimeMS (int32 ≥ 0), comment, and a causally consistent session's
 *     readConcern {afterClusterTime: t} (level absent or local) when t is not past the published time.
 *     The reply is the stored document in a cursor with id 0, then the tail JS gave (ok and the
 *     cluster time fields);
 *   - `{ping: <number|bool>, ...}` with the same generic fields but readConcern: JS's reply template.
 * A request with anything else (another field, an OP_MSG flag, a second section, a BSON element this
 * walk does not know, a duplicate field) is JS's, which also owns every error reply: C never refuses.
 *
 * What JS would have recorded (opcounters, commands, top, latency, documents returned, `_id_` index
 * use, the session's last use, network bytes) goes into a log JS drains (sct_fast_take) before it runs
 * any command and on a timer; when the log is full, requests go to JS (which drains it first), so the
 * bookkeeping is never more than FAST_LOG_CAP requests behind and sessions are never created past
 * JS's limit behind its back. JS turns the fast path off (sct_fast_flags) whenever its answer could
 * differ: a fail point, the profiler, memory pressure, shutdown. With authentication on (FAST_AUTH) a
 * find is answered only for a connection JS granted that namespace (sct_fast_grant, after its own
 * privilege check passed for the connection's users); a login or logout on the connection revokes its
 * grants, any change of users or roles (and any catalog change) every connection's, before it commits. A catalog change clears the registry before it commits (sct_fast_clear), under the
 * same lock a read holds, so a read never uses a dropped or renamed table.
 *
 * Reads run in their own WiredTiger session (opened from JS's connection at sct_fast_attach), in a
 * snapshot transaction rolled back after the copy: the `_id_` entry and its record are one snapshot.
 * The lock `mu` covers the session, its cursors, the registry and the log; the I/O thread takes it per
 * request and never holds it while taking a connection's writer lock (JS takes only `mu`).
 */
#define _GNU_SOURCE
#include "io_fast.h"

/* ------------------------------------------------------------------ registry */

static uint32_t ns_hash(const char *db, uint32_t dl, const char *coll, uint32_t cl)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < dl; i++)
        h = (h ^ (uint8_t)db[i]) * 16777619u;
    h = (h ^ '.') * 16777619u;
    for (uint32_t i = 0; i < cl; i++)
        h = (h ^ (uint8_t)coll[i]) * 16777619u;
    return h;
}

static struct fast_coll *lookup(struct fast *f, const char *db, uint32_t dl, const char *coll, uint32_t cl,
  uint32_t *slot)
{
    uint32_t h = ns_hash(db, dl, coll, cl) % FAST_COLLS;
    for (uint32_t k = 0; k < FAST_COLLS; k++) {
        struct fast_coll *e = &f->colls[(h + k) % FAST_COLLS];
        if (!e->ns)
            return NULL;
        if (e->ns_len == dl + 1 + cl && memcmp(e->ns, db, dl) == 0 && e->ns[dl] == '.' &&
          memcmp(e->ns + dl + 1, coll, cl) == 0) {
            *slot = (h + k) % FAST_COLLS;
            return e;
        }
    }
    return NULL;
}

static void close_coll(struct fast_coll *e)
{
    if (e->rec)
        e->rec->close(e->rec);
    if (e->idx)
        e->idx->close(e->idx);
    for (int i = 0; i < FAST_FIELDS; i++)
        fast_close_field(&e->fields[i]);
    fast_close_writes(e);
    fast_close_deletes(e);
    fast_close_inserts(e);
    fast_close_wix(e);
    free(e->ns);
    free(e->rec_uri);
    free(e->idx_uri);
    memset(e, 0, sizeof *e);
}

/* ------------------------------------------------------------------ serve */

void fast_put_time(uint8_t *out, const struct fast_tmpl *t, uint64_t time)
{
    uint32_t inc = (uint32_t)time, secs = (uint32_t)(time >> 32);
    for (uint32_t k = 0; k < t->n_at; k++) {
        memcpy(out + t->at[k], &inc, 4);
        memcpy(out + t->at[k] + 4, &secs, 4);
    }
}

/* An OP_MSG reply of body_len bytes to request_id, its header written (the body follows at +21). */
struct out *fast_reply_out(struct fast *f, uint32_t id, uint32_t body_len, int32_t request_id)
{
    uint32_t total = 21 + body_len;
    struct out *o = malloc(sizeof *o + total);
    if (!o)
        return NULL;
    o->next = NULL;
    o->id = id;
    o->flags = 0;
    o->len = total;
    o->off = 0;
    int32_t rid = ++f->reply_id;
    if (rid <= 0)
        rid = f->reply_id = 1;
    int32_t v[4] = {(int32_t)total, rid, request_id, 2013};
    memcpy(o->data, v, 16);
    memset(o->data + 16, 0, 5); /* flags, section kind 0 */
    return o;
}

/* A find's reply, in an out-queue record: a cursor with id 0 whose firstBatch's elements are head then
 * doc (either may be empty), then the tail template. */
struct out *fast_find_reply(struct fast *f, uint32_t id, const struct fast_req *r, const uint8_t *head,
  uint32_t head_len, const uint8_t *doc, uint32_t doc_len, uint64_t time)
{
    uint32_t ns_len = r->db_len + 1 + r->coll_len;
    uint32_t arr = 4 + head_len + doc_len + 1;
    uint32_t cur = 4 + (1 + 11 + arr) + (1 + 3 + 8) + (1 + 3 + 4 + ns_len + 1) + 1;
    uint32_t body = 4 + (1 + 7 + cur) + f->tail.len + 1;
    struct out *o = fast_reply_out(f, id, body, r->request_id);
    if (!o)
        return NULL;
    uint8_t *b = o->data + 21, *p = b;
    memcpy(p, &body, 4);
    p += 4;
    *p++ = 0x03;
    memcpy(p, "cursor", 7);
    p += 7;
    memcpy(p, &cur, 4);
    p += 4;
    *p++ = 0x04;
    memcpy(p, "firstBatch", 11);
    p += 11;
    memcpy(p, &arr, 4);
    p += 4;
    if (head_len)
        memcpy(p, head, head_len);
    p += head_len;
    if (doc_len)
        memcpy(p, doc, doc_len);
    p += doc_len;
    *p++ = 0;
    *p++ = 0x12;
    memcpy(p, "id", 3);
    p += 3;
    memset(p, 0, 8);
    p += 8;
    *p++ = 0x02;
    memcpy(p, "ns", 3);
    p += 3;
    uint32_t sl = ns_len + 1;
    memcpy(p, &sl, 4);
    p += 4;
    memcpy(p, r->db, r->db_len);
    p += r->db_len;
    *p++ = '.';
    memcpy(p, r->coll, r->coll_len);
    p += r->coll_len;
    *p++ = 0;
    *p++ = 0; /* end of cursor */
    memcpy(p, f->tail.bytes, f->tail.len);
    fast_put_time(p, &f->tail, time);
    p += f->tail.len;
    *p++ = 0;
    return o;
}

/* Opens index cursor *ic on iuri and c's record cursor when not yet open, and begins the read's
 * snapshot transaction: 1, or 0 (nothing begun). Under f->mu. */
int fast_begin(struct fast *f, struct fast_coll *c, WT_CURSOR **ic, const char *iuri)
{
    WT_SESSION *s = f->session;
    if (!*ic && s->open_cursor(s, iuri, NULL, FAST_CURSOR_CFG, ic) != 0) {
        *ic = NULL;
        return 0;
    }
    if (!c->rec && s->open_cursor(s, c->rec_uri, NULL, FAST_CURSOR_CFG, &c->rec) != 0) {
        c->rec = NULL;
        return 0;
    }
    return s->begin_transaction(s, NULL) == 0; /* (the session's isolation=snapshot: no config to parse per request) */
}

/* The registration r may be answered from for connection conn (registered, not held, and with
 * authentication on granted for r's kind of request — a write without `bypassDocumentValidation: true`,
 * which needs a privilege of its own), or NULL. Under f->mu. */
static struct fast_coll *usable(struct fast *f, struct conn *conn, const struct fast_req *r, uint32_t *slot)
{
    struct fast_coll *c = lookup(f, r->db, r->db_len, r->coll, r->coll_len, slot);
    if (!c || c->held)
        return NULL;
    if (atomic_load(&f->flags) & FAST_AUTH) {
        if (r->fam)
            return NULL; /* (findAndModify's privileges are its own: JS checks them) */
        int action = r->kind == FAST_UPDATE   ? GRANT_UPDATE
                     : r->kind == FAST_DELETE ? GRANT_DELETE
                     : r->kind == FAST_INSERT ? GRANT_INSERT
                                              : GRANT_FIND;
        if (r->bypass || conn->grant_gen != f->gen || !(conn->grants[action][*slot / 8] & (1u << (*slot % 8))))
            return NULL; /* JS checks this connection's privileges (and grants it the namespace when they hold) */
    }
    return c;
}

/* The find: 1 answered (*o the reply, *e filled), 0 JS's. Under f->mu. */
static int serve_find(struct fast *f, struct conn *conn, const struct fast_req *r, uint64_t time,
  struct out **o, struct fast_entry *entry)
{
    uint32_t slot, id = conn->id;
    struct fast_coll *c = usable(f, conn, r, &slot);
    if (!c)
        return 0;
    entry->slot = slot;
    if (!name_is(&r->filter, "_id") || r->filter.type == 0x03) { /* (_id: {$in: [...]} over the _id_ index) */
        struct fast_field *fd = fast_field_of(c, r);
        return fd ? fast_serve_indexed(f, c, fd, id, r, time, o, entry) : 0;
    }
    if (r->has_sort)
        return 0;
    uint8_t key[FAST_KEY_MAX];
    size_t klen = scalar_key(&r->filter, key);
    if (klen == 0)
        return 0;
    WT_SESSION *s = f->session;
    if (!fast_begin(f, c, &c->idx, c->idx_uri))
        return 0;
    size_t n;
    uint8_t *sk = stored_key(key, (int32_t)klen, 0, 0, 0, &n);
    int ok = 0;
    if (sk) {
        WT_ITEM k, v;
        set_item(&k, sk, (int64_t)n);
        c->idx->set_key(c->idx, &k);
        int ret = c->idx->search(c->idx);
        if (ret == 0 && c->idx->get_value(c->idx, &v) == 0 && v.size == 8) {
            int64_t rid = get_be64(v.data);
            c->rec->set_key(c->rec, rid);
            ret = c->rec->search(c->rec);
            if (ret == 0 && c->rec->get_value(c->rec, &v) == 0 && v.size >= 5 && v.size <= 16 * 1024 * 1024 &&
              (uint32_t)rd32(v.data) == v.size) {
                static const uint8_t head[3] = {0x03, '0', 0};
                *o = fast_find_reply(f, id, r, head, 3, v.data, (uint32_t)v.size, time);
                ok = *o != NULL;
                entry->kind = KIND_FIND_HIT;
            } else if (ret == WT_NOTFOUND) {
                *o = fast_find_reply(f, id, r, NULL, 0, NULL, 0, time);
                ok = *o != NULL;
                entry->kind = KIND_FIND_MISS;
            }
        } else if (ret == WT_NOTFOUND) {
            *o = fast_find_reply(f, id, r, NULL, 0, NULL, 0, time);
            ok = *o != NULL;
            entry->kind = KIND_FIND_MISS;
        }
        c->idx->reset(c->idx);
        c->rec->reset(c->rec);
    }
    s->rollback_transaction(s, NULL);
    return ok;
}

/* The fast path when msg is a request of a shape served here that the switches allow now for connection
 * c (r filled), else NULL. */
static struct fast *switched_on(struct sct_io *io, struct conn *c, const uint8_t *msg, uint32_t len,
  struct fast_req *r)
{
    struct fast *f = io->fast;
    if (!f || !(atomic_load(&f->flags) & (FAST_FIND | FAST_PING | FAST_UPDATE | FAST_DELETE | FAST_INSERT)) ||
      !atomic_load(&c->admitted))
        return NULL;
    uint32_t flags = atomic_load(&f->flags);
    if (!fast_parse(msg, len, r) || !(flags & (uint32_t)r->kind) || (r->lsid && !(flags & FAST_LSID)))
        return NULL;
    return f;
}

/*
 * A whole request of connection c, answered here when it is a shape served (see the module comment):
 * 1 answered (its reply queued and flushed), -1 answered and the connection closed meanwhile (a send
 * error), 0 not answered (JS's), 2 not yet (a write waiting for the clock: ask again next turn).
 */
int io_fast_serve(struct sct_io *io, struct conn *c, const uint8_t *msg, uint32_t len)
{
    struct fast_req r;
    struct fast *f = switched_on(io, c, msg, len, &r);
    if (!f)
        return 0;
    int64_t t0 = io_mono_us();
    uint64_t time = atomic_load(&f->time);
    if (time == 0 || r.after > time)
        return 0; /* no cluster time yet (JS's first reply ticks it), or one past what was published */
    struct out *o = NULL;
    struct fast_entry entry = {0};
    pthread_mutex_lock(&f->mu);
    if (!(atomic_load(&f->flags) & (uint32_t)r.kind) || !f->session ||
      atomic_load(&f->head) - atomic_load(&f->tail_n) >= FAST_LOG_CAP) {
        pthread_mutex_unlock(&f->mu);
        return 0;
    }
    int ok;
    if (r.kind == FAST_FIND)
        ok = serve_find(f, c, &r, time, &o, &entry);
    else if (r.kind == FAST_UPDATE || r.kind == FAST_DELETE || r.kind == FAST_INSERT) {
        uint32_t slot;
        struct fast_coll *e = usable(f, c, &r, &slot);
        entry.slot = slot;
        ok = !e                    ? 0
             : r.kind == FAST_UPDATE ? fast_serve_update(f, e, c->id, &r, &o, &entry)
             : r.kind == FAST_DELETE ? fast_serve_delete(f, e, c->id, &r, &o, &entry)
                                     : fast_serve_insert(f, e, c->id, &r, &o, &entry);
    } else {
        o = fast_reply_out(f, c->id, f->ping.len, r.request_id);
        if (o) {
            memcpy(o->data + 21, f->ping.bytes, f->ping.len);
            fast_put_time(o->data + 21, &f->ping, time);
        }
        ok = o != NULL;
        entry.kind = KIND_PING;
    }
    if (ok == FAST_LATER) { /* JS's clock: the next turns retry, up to FAST_DEFER_US; then it is JS's */
        pthread_mutex_unlock(&f->mu);
        free(o);
        if (c->later_us == 0)
            c->later_us = t0;
        return t0 - c->later_us < FAST_DEFER_US ? 2 : 0; /* (io_try_read clears later_us on anything but 2) */
    }
    int waited = c->later_us != 0;
    if (!ok) {
        pthread_mutex_unlock(&f->mu);
        free(o);
        return 0;
    }
    io->served++;
    if (waited)
        entry.index = 1; /* (a write's: it waited for the clock) */
    entry.bytes_in = len;
    entry.bytes_out = o->len;
    if (r.lsid) {
        entry.has_lsid = 1;
        memcpy(entry.lsid, r.lsid, 16);
    }
    entry.micros = (uint32_t)(io_mono_us() - t0);
    uint32_t h = atomic_load(&f->head);
    f->log[h % FAST_LOG_CAP] = entry;
    atomic_store(&f->head, h + 1);
    pthread_mutex_unlock(&f->mu);
    /* after the previous reply (inflight was clear: it is in the socket or the out-queue) */
    atomic_fetch_add(&c->fast_handed, (uint64_t)o->len);
    atomic_store(&c->fast_at_ms, t0 / 1000 + 1);
    io_queue_out(c, o);
    if (atomic_load(&f->log_unwritten))
        return io_fast_hold(io, c) < 0 ? -1 : 1; /* after a write of this turn: once its log is written */
    return io_flush(io, c) < 0 ? -1 : 1;
}

/* Whether the lone path should hand msg to the I/O thread: a request it would answer now. */
int io_fast_wants(struct sct_io *io, struct conn *c, const uint8_t *msg, uint32_t len)
{
    struct fast_req r;
    struct fast *f = switched_on(io, c, msg, len, &r);
    if (!f)
        return 0;
    if (r.kind == FAST_PING)
        return 1;
    /* a find this thread would hand to JS anyway (no registration, held, not granted, a shape it does
     * not serve) stays with JS */
    pthread_mutex_lock(&f->mu);
    uint32_t slot;
    struct fast_coll *e = usable(f, c, &r, &slot);
    int yes = e && (r.kind == FAST_UPDATE ? e->up_prefix != NULL
                    : r.kind == FAST_DELETE ? e->del_prefix != NULL
                    : r.kind == FAST_INSERT ? e->ins_prefix != NULL
                    : name_is(&r.filter, "_id") && r.filter.type != 0x03 ? !r.has_sort
                    : fast_field_of(e, &r) != NULL);
    pthread_mutex_unlock(&f->mu);
    return yes;
}

/* ------------------------------------------------------------------ JS's side */

/* Open the fast path's WiredTiger session on conn (JS's connection; logged: its commits write its log).
 * 0, or a WiredTiger error. */
int sct_fast_attach(struct sct_io *io, WT_CONNECTION *conn, int logged)
{
    if (io->fast)
        return EEXIST;
    struct fast *f = calloc(1, sizeof *f);
    if (!f)
        return ENOMEM;
    f->sh = calloc(1, sizeof *f->sh);
    if (!f->sh) {
        free(f);
        return ENOMEM;
    }
    pthread_mutex_init(&f->mu, NULL);
    pthread_mutex_init(&f->sh->clock_mu, NULL);
    pthread_mutex_init(&f->sh->sess_mu, NULL);
    f->sh->ios[f->sh->n_ios++] = io;
    f->gen = 1;
    f->logged = logged != 0;
    int ret = conn->open_session(conn, NULL, "isolation=snapshot", &f->session);
    if (ret != 0) {
        pthread_mutex_destroy(&f->mu);
        pthread_mutex_destroy(&f->sh->clock_mu);
        pthread_mutex_destroy(&f->sh->sess_mu);
        free(f->sh);
        free(f);
        return ret;
    }
    io->fast = f;
    return 0;
}

/* io's fast path (attached, nothing registered yet) takes `with`'s clock and record id counters: the
 * loops' writes then take their oplog times from one clock and their record ids from one counter per
 * registration slot (JS registers every loop alike, so a slot names the same collection in each).
 * 0, or EINVAL. Before either loop serves a write. */
int sct_fast_share(struct sct_io *io, struct sct_io *with)
{
    struct fast *f = io->fast, *w = with ? with->fast : NULL;
    if (!f || !w || f == w || f->sh->n_ios != 1 || w->sh->n_ios >= FAST_LOOPS)
        return EINVAL;
    pthread_mutex_destroy(&f->sh->clock_mu);
    pthread_mutex_destroy(&f->sh->sess_mu);
    free(f->sh);
    f->sh = w->sh;
    f->sh->ios[f->sh->n_ios++] = io;
    return 0;
}

/* Wake every loop sharing f's clock: one of them may wait for it (clock_wanted). */
void fast_wake_loops(struct fast *f)
{
    for (int i = 0; i < f->sh->n_ios; i++)
        io_wake(f->sh->ios[i]);
}

/* Close the session and forget everything (before JS closes the WiredTiger connection). The fast path
 * is off from here on; the structure stays until sct_io_free. */
int sct_fast_detach(struct sct_io *io)
{
    struct fast *f = io->fast;
    if (!f)
        return 0;
    atomic_store(&f->flags, 0);
    pthread_mutex_lock(&f->mu);
    for (uint32_t i = 0; i < FAST_COLLS; i++)
        if (f->colls[i].ns)
            close_coll(&f->colls[i]);
    f->n_colls = 0;
    if (f->oplog) {
        f->oplog->close(f->oplog);
        f->oplog = NULL;
    }
    if (f->retry) {
        f->retry->close(f->retry);
        f->retry = NULL;
    }
    if (f->session) {
        /* writes committed here whose log is unwritten: written now (the I/O thread then sends their
         * replies; if this fails, it closes their connections instead) */
        if (atomic_load(&f->log_unwritten) && f->session->log_flush(f->session, "sync=off") == 0)
            atomic_store(&f->log_unwritten, 0);
        f->session->close(f->session, NULL);
        f->session = NULL;
    }
    pthread_mutex_unlock(&f->mu);
    return 0;
}

void io_fast_free(struct sct_io *io)
{
    if (!io->fast)
        return;
    sct_fast_detach(io);
    pthread_mutex_destroy(&io->fast->mu);
    struct fast_shared *sh = io->fast->sh;
    int k = 0;
    for (int i = 0; i < sh->n_ios; i++)
        if (sh->ios[i] != io)
            sh->ios[k++] = sh->ios[i];
    sh->n_ios = k;
    if (k == 0) {
        pthread_mutex_destroy(&sh->clock_mu);
        pthread_mutex_destroy(&sh->sess_mu);
        free(sh);
    }
    free(io->fast->oplog_uri);
    free(io->fast->retry_uri);
    free(io->fast->batch);
    free(io->fast->scratch[0]);
    free(io->fast->scratch[1]);
    free(io->fast);
    io->fast = NULL;
}

/* What may be served (FAST_FIND | FAST_PING | FAST_LSID | FAST_AUTH bits); 0 turns the fast path off. */
int sct_fast_flags(struct sct_io *io, uint32_t flags)
{
    if (io->fast)
        atomic_store(&io->fast->flags, flags);
    return 0;
}

/* The cluster time replies carry from now on (JS publishes it after its commands, writes included), when
 * later than the one they carry. */
int sct_fast_time(struct sct_io *io, uint64_t time)
{
    if (!io->fast)
        return 0;
    /* never back: an update here may have published a later time than JS's clock has seen yet */
    uint64_t t = atomic_load(&io->fast->time);
    while (t < time && !atomic_compare_exchange_weak(&io->fast->time, &t, time)) {
    }
    return 0;
}

/*
 * The reply templates: which 0 = ping (a whole reply document), 1 = the find reply's tail (its elements
 * after `cursor`), 2 = an update's reply of one document updated (whole), 3 = a retryable update's row
 * (retryable_writes.ts encodeRow; at: its txnNumber, then lastUse), 4 = a delete's reply of one document
 * deleted (whole), 5 = a retryable delete's row (as 3); 6 = a findAndModify's reply of one document
 * updated, with `value: {}` (io_fast_fam.c), 7 = its retryable row (as 3, the reply's `value: {}`), 8 and 9
 * the same of one removed; at: the offsets of the cluster time's timestamps in them (u32 each, n of them).
 */
int sct_fast_template(struct sct_io *io, int which, const uint8_t *bytes, int len, const uint32_t *at, int n)
{
    struct fast *f = io->fast;
    if (!f || which < 0 || which > 9 || len < 0 || len > FAST_TMPL_MAX || n < 0 || n > FAST_TMPL_TIMES)
        return EINVAL;
    for (int k = 0; k < n; k++)
        if (at[k] + 8 > (uint32_t)len)
            return EINVAL;
    pthread_mutex_lock(&f->mu);
    struct fast_tmpl *t = which == 0   ? &f->ping
                          : which == 1 ? &f->tail
                          : which == 2 ? &f->update
                          : which == 3 ? &f->row
                          : which == 4 ? &f->deleted
                          : which == 5 ? &f->del_row
                          : which == 6 ? &f->fam_upd
                          : which == 7 ? &f->fam_upd_row
                          : which == 8 ? &f->fam_del
                                       : &f->fam_del_row;
    memcpy(t->bytes, bytes, (size_t)len);
    t->len = (uint32_t)len;
    if (n > 0) /* (at may be NULL then) */
        memcpy(t->at, at, (size_t)n * sizeof *at);
    t->n_at = (uint32_t)n;
    t->split = t->grow = 0;
    int ret = 0;
    if (which >= 6 && !fast_fam_template(t, which == 7 || which == 9)) {
        t->len = 0; /* (nothing served with it) */
        ret = EINVAL;
    }
    pthread_mutex_unlock(&f->mu);
    return ret;
}

/* Serve finds by _id on ns ("db.coll") from these tables. Returns the slot (≥ 0), or -1 (full, or no
 * fast path). */
int sct_fast_register(struct sct_io *io, const char *ns, const char *rec_uri, const char *idx_uri)
{
    struct fast *f = io->fast;
    if (!f)
        return -1;
    const char *dot = strchr(ns, '.');
    if (!dot)
        return -1;
    uint32_t dl = (uint32_t)(dot - ns), cl = (uint32_t)strlen(dot + 1);
    pthread_mutex_lock(&f->mu);
    uint32_t slot;
    if (lookup(f, ns, dl, dot + 1, cl, &slot)) {
        pthread_mutex_unlock(&f->mu);
        return (int)slot;
    }
    int r = -1;
    if (f->n_colls < FAST_COLLS / 2) {
        uint32_t h = ns_hash(ns, dl, dot + 1, cl) % FAST_COLLS;
        for (uint32_t k = 0; k < FAST_COLLS; k++) {
            struct fast_coll *e = &f->colls[(h + k) % FAST_COLLS];
            if (e->ns)
                continue;
            e->ns = strdup(ns);
            e->rec_uri = strdup(rec_uri);
            e->idx_uri = strdup(idx_uri);
            e->ns_len = dl + 1 + cl;
            if (!e->ns || !e->rec_uri || !e->idx_uri) {
                close_coll(e);
                break;
            }
            f->n_colls++;
            r = (int)((h + k) % FAST_COLLS);
            break;
        }
    }
    pthread_mutex_unlock(&f->mu);
    return r;
}

static void next_gen(struct fast *f)
{
    if (++f->gen == 0)
        f->gen = 1;
}

/* Forget every registration and close their cursors (a catalog change is about to commit); every
 * connection's grants go with them (their slots are reused). */
int sct_fast_clear(struct sct_io *io)
{
    struct fast *f = io->fast;
    if (!f)
        return 0;
    pthread_mutex_lock(&f->mu);
    next_gen(f);
    for (uint32_t i = 0; i < FAST_COLLS; i++)
        if (f->colls[i].ns)
            close_coll(&f->colls[i]);
    f->n_colls = 0;
    pthread_mutex_unlock(&f->mu);
    return 0;
}

/* Whether registration e reads table uri. */
static int uses_table(const struct fast_coll *e, const char *uri)
{
    if (strcmp(e->rec_uri, uri) == 0 || strcmp(e->idx_uri, uri) == 0 || fast_wix_uses(e, uri))
        return 1;
    for (int k = 0; k < FAST_FIELDS; k++)
        if (e->fields[k].name && strcmp(e->fields[k].uri, uri) == 0)
            return 1;
    return 0;
}

/* Let go of table uri (its cursors closed) while the engine discards its pages (on = 1), or use it
 * again (on = 0): the settle's exclusive handle would be EBUSY against a cursor held open here. */
int sct_fast_hold(struct sct_io *io, const char *uri, int on)
{
    struct fast *f = io->fast;
    if (!f)
        return 0;
    pthread_mutex_lock(&f->mu);
    if (f->retry_uri && strcmp(f->retry_uri, uri) == 0) {
        if (on) {
            if (f->retry)
                f->retry->close(f->retry);
            f->retry = NULL;
            f->retry_held++;
        } else if (f->retry_held > 0)
            f->retry_held--;
    }
    if (f->oplog_uri && strcmp(f->oplog_uri, uri) == 0) {
        if (on) {
            if (f->oplog)
                f->oplog->close(f->oplog);
            f->oplog = NULL;
            f->oplog_held++;
        } else if (f->oplog_held > 0)
            f->oplog_held--;
    }
    for (uint32_t i = 0; i < FAST_COLLS; i++) {
        struct fast_coll *e = &f->colls[i];
        if (!e->ns || !uses_table(e, uri))
            continue;
        if (on) {
            if (e->rec)
                e->rec->close(e->rec);
            if (e->idx)
                e->idx->close(e->idx);
            e->rec = e->idx = NULL;
            for (int k = 0; k < FAST_FIELDS; k++)
                if (e->fields[k].cur) {
                    e->fields[k].cur->close(e->fields[k].cur);
                    e->fields[k].cur = NULL;
                }
            fast_close_wix_cursors(e);
            e->held++;
        } else if (e->held > 0)
            e->held--;
    }
    pthread_mutex_unlock(&f->mu);
    return 0;
}

/* Connection id's users may make request `action` (GRANT_*) on registration slot (authentication on): JS
 * checked it. */
int sct_fast_grant(struct sct_io *io, uint32_t id, int slot, int action)
{
    struct fast *f = io->fast;
    if (!f || slot < 0 || slot >= FAST_COLLS || action < 0 || action > GRANT_INSERT)
        return EINVAL;
    pthread_mutex_lock(&io->tbl_mu);
    struct conn *c = io_lookup(io, id);
    if (c) {
        pthread_mutex_lock(&f->mu);
        if (c->grant_gen != f->gen) {
            memset(c->grants, 0, sizeof c->grants);
            c->grant_gen = f->gen;
        }
        c->grants[action][slot / 8] |= (uint8_t)(1u << (slot % 8));
        pthread_mutex_unlock(&f->mu);
    }
    pthread_mutex_unlock(&io->tbl_mu);
    return 0;
}

/* Connection id's users changed (a login, a logout): none of its grants hold. id 0: every
 * connection's (users or roles changed). */
int sct_fast_revoke(struct sct_io *io, uint32_t id)
{
    struct fast *f = io->fast;
    if (!f)
        return 0;
    if (id == 0) {
        pthread_mutex_lock(&f->mu);
        next_gen(f);
        pthread_mutex_unlock(&f->mu);
        return 0;
    }
    pthread_mutex_lock(&io->tbl_mu);
    struct conn *c = io_lookup(io, id);
    if (c) {
        pthread_mutex_lock(&f->mu);
        c->grant_gen = 0;
        pthread_mutex_unlock(&f->mu);
    }
    pthread_mutex_unlock(&io->tbl_mu);
    return 0;
}

/* JS took connection id in (within its connection limits): the fast path may answer it from now on. */
int sct_fast_admit(struct sct_io *io, uint32_t id)
{
    pthread_mutex_lock(&io->tbl_mu);
    struct conn *c = io_lookup(io, id);
    if (c)
        atomic_store(&c->admitted, 1);
    pthread_mutex_unlock(&io->tbl_mu);
    return 0;
}

/* Requests served and not yet taken by JS. */
int sct_fast_pending(struct sct_io *io)
{
    struct fast *f = io->fast;
    return f ? (int)(atomic_load(&f->head) - atomic_load(&f->tail_n)) : 0;
}

/* Copy up to cap_entries log entries (struct fast_entry, 64 bytes each) into buf; returns how many. */
int sct_fast_take(struct sct_io *io, uint8_t *buf, int cap_entries)
{
    struct fast *f = io->fast;
    if (!f)
        return 0;
    pthread_mutex_lock(&f->mu);
    uint32_t t = atomic_load(&f->tail_n), h = atomic_load(&f->head);
    int n = 0;
    while (t != h && n < cap_entries) {
        memcpy(buf + (size_t)n * sizeof(struct fast_entry), &f->log[t % FAST_LOG_CAP], sizeof(struct fast_entry));
        t++;
        n++;
    }
    atomic_store(&f->tail_n, t);
    pthread_mutex_unlock(&f->mu);
    return n;
}
