/*
 * io_fast_insert.c — inserts of one document answered on the frame I/O thread (issue 18: the driver's
 * insertOne off the JS thread), beside the updates and deletes of io_fast_write.c / io_fast_delete.c,
 * whose transaction scaffold, clock, session rows and log it shares.
 *
 * The shape: `{insert: <coll>, documents: [<doc>], ordered, bypassDocumentValidation, writeConcern, lsid,
 * txnNumber, ...}` (the generic fields and write concerns an update takes there) on a namespace JS
 * registered for inserts (sct_fast_register_inserts: it inserted one document there itself, and the
 * collection passes updatable_collection.ts — no validator, not capped, clustered, time-series or a
 * system collection — with every secondary index one kept here: ascending or 2dsphere on one top-level
 * field, ascending/descending top-level fields (a compound index: io_fast_keys.c), or a text index
 * weighting one field, not unique, sparse or partial, no collation). The document is stored exactly as sent, so only one the
 * command layer also stores as sent is taken (io_fast_canonical.c, nesting at most FAST_DOC_DEPTH levels,
 * at most 16 MiB), with one `_id` (moved first when it is not, as the command layer stores it), a value whose `_id_` key scalar_key makes (an ObjectId,
 * a string, an integral number below 1e15), and for each secondary index top-level values it makes a
 * key of (ascending/descending fields: fast_doc_key's kinds, missing or null the null key; an array, a
 * document, a fraction, ...: JS's; 2dsphere:
 * a plain GeoJSON point, io_fast_geo.c, anything else JS's; text: the terms of an ASCII string of words JS
 * has taught it, io_fast_text.c, one entry per term).
 *
 * In one snapshot transaction of the fast path's session: a record id taken from the counter JS's
 * RecordBook shares (f->rids), the `_id_` entry inserted without overwriting (one there: the E11000 reply
 * made by io_fast_dup.c, or JS's when that file does not make it), then the record and each secondary index's entry (key + record id), the oplog entry
 * exactly as oplog/insert_entry.ts writes it (`{op: "i", ns, ui, o2: {_id}, ts, t, v, wall, o: doc}`), a
 * retryable insert's session row (the reply `{n: 1, ok: 1}` is a delete's: the same templates), committed
 * at its oplog time. A write conflict or anything unusual is JS's, untouched (a record id taken and not
 * used is never reused, as JS's aborted inserts leave theirs). JS's bookkeeping (opcounters, top,
 * latency, documents inserted, the collection's count, the session's state, the oplog's) comes from the
 * log entry (KIND_INSERT).
 */
#define _GNU_SOURCE
#include "io_fast.h"

#define DOC_MAX (16u * 1024 * 1024)

/* The key of index w for doc: a 2dsphere index's cell of a point (io_fast_geo.c), another's fast_doc_key
 * (io_fast_keys.c). Its length, or 0 (JS's: another kind of value, or the field twice). */
static size_t wix_key(const uint8_t *doc, uint32_t len, const struct fast_wix *w, uint8_t *out)
{
    if (w->kind != WIX_2DSPHERE)
        return fast_doc_key(doc, len, w, out);
    const uint8_t *p = doc + 4, *end = doc + len;
    struct el e, at = {0};
    int rc, seen = 0;
    while ((rc = next_el(&p, end, &e)) == 1) {
        if (e.name_len != w->name_len || memcmp(e.name, w->name, e.name_len) != 0)
            continue;
        if (seen++)
            return 0;
        at = e;
    }
    if (rc < 0)
        return 0;
    return seen ? fast_point_key(&at, out) : 0; /* (missing or null: no entry, JS's) */
}

/* A text index's entries of doc into *out (io_fast_text.c): its field a string once, or missing (no
 * entry), and no top-level language override field. 1, or 0 (JS's). */
static int text_entries(const uint8_t *doc, uint32_t len, const struct fast_wix *w, uint32_t at,
  struct fast_text_out *out)
{
    const uint8_t *p = doc + 4, *end = doc + len;
    struct el e, s = {0};
    int rc, seen = 0;
    while ((rc = next_el(&p, end, &e)) == 1) {
        if (e.name_len == w->override_len && memcmp(e.name, w->override, e.name_len) == 0)
            return 0;
        if (e.name_len != w->name_len || memcmp(e.name, w->name, e.name_len) != 0)
            continue;
        if (seen++ || e.type != 0x02 || e.len < 5)
            return 0;
        s = e;
    }
    if (rc < 0)
        return 0;
    out->at = at;
    out->n = seen ? fast_text_keys(w, s.val + 4, s.len - 5, out->keys, out->klen) : 0;
    return out->n >= 0;
}

/* The text entries fast_wix_keys makes (one request at a time on a thread: under f->mu). */
static __thread struct fast_text_out text_out;

/* Each secondary index's key of doc (keys[i], klen[i]; a text index's entries in **text, (*text)->n = -1
 * when there is none) and its cursor opened: 1, or 0 (JS's). Under f->mu. */
int fast_wix_keys(struct fast *f, struct fast_coll *c, const uint8_t *doc, uint32_t len, uint8_t (*keys)[FAST_KEY_MAX],
  size_t *klen, struct fast_text_out **text)
{
    WT_SESSION *s = f->session;
    text_out.n = -1;
    *text = &text_out;
    for (uint32_t i = 0; i < c->n_wix; i++) {
        if (c->wix[i].kind == WIX_TEXT) {
            klen[i] = 0;
            if (!text_entries(doc, len, &c->wix[i], i, &text_out))
                return 0;
        } else if ((klen[i] = wix_key(doc, len, &c->wix[i], keys[i])) == 0)
            return 0;
        if (!c->wix[i].cur && s->open_cursor(s, c->wix[i].uri, NULL, FAST_CURSOR_CFG, &c->wix[i].cur) != 0) {
            c->wix[i].cur = NULL;
            return 0;
        }
    }
    return 1;
}

/* In the open transaction: secondary index i's entry (key, rid) removed; 1, or 0 (none: JS's). */
int fast_wix_remove(struct fast_coll *c, uint32_t i, const uint8_t *key, size_t klen, int64_t rid)
{
    return fast_entry_remove(c->wix[i].cur, key, klen, rid);
}

/* In the open transaction: the entry (key, rid) of a non-unique index's cursor cur removed; 1, or 0 (none:
 * JS's). */
int fast_entry_remove(WT_CURSOR *cur, const uint8_t *key, size_t klen, int64_t rid)
{
    size_t n;
    uint8_t *sk = stored_key(key, (int32_t)klen, 1, rid, 0, &n);
    if (!sk)
        return 0;
    WT_ITEM k;
    set_item(&k, sk, (int64_t)n);
    cur->set_key(cur, &k);
    int ok = cur->remove(cur) == 0;
    cur->reset(cur);
    return ok;
}

/* The entry {op: "i", ns, ui, o2: {_id}, ts, t: 1, v: 2, wall, o: doc} (fast_scratch 0, *len its size), or
 * NULL. */
static uint8_t *insert_entry(struct fast *f, const struct fast_coll *c, const uint8_t *id, uint32_t id_len, const uint8_t *doc,
  uint32_t doc_len, uint64_t ts, uint64_t wall, uint32_t *len)
{
    uint32_t o2_len = 4 + id_len + 1;
    uint32_t size = 4 + c->ins_prefix_len + (4 + o2_len) + (4 + 8) + (3 + 8) + (3 + 8) + (6 + 8) + (3 + doc_len) + 1;
    uint8_t *b = fast_scratch(f, 0, size), *p = b;
    if (!b)
        return NULL;
    p = fast_put_bytes(p, &size, 4);
    p = fast_put_bytes(p, c->ins_prefix, c->ins_prefix_len);
    p = fast_put_id_doc(p, "\x03o2", 4, id, id_len);
    p = fast_put_tail(p, ts, wall);
    p = fast_put_bytes(p, "\x03o", 3);
    p = fast_put_bytes(p, doc, doc_len);
    *p = 0;
    *len = size;
    return b;
}

/* In the open transaction: index entry (key, be64 rid) of cursor cur — a unique index's key alone with the
 * record id as its value, another's key + record id with no value. 0, or the cursor's error (ENOMEM). */
int fast_entry_put(WT_CURSOR *cur, const uint8_t *key, size_t klen, int unique, int64_t rid)
{
    size_t n;
    uint8_t *sk = stored_key(key, (int32_t)klen, !unique, rid, 0, &n), ridb[8];
    if (!sk)
        return ENOMEM;
    WT_ITEM k, v;
    set_item(&k, sk, (int64_t)n);
    put_be64(ridb, rid);
    set_item(&v, unique ? ridb : NULL, unique ? 8 : 0);
    cur->set_key(cur, &k);
    cur->set_value(cur, &v);
    int ret = cur->insert(cur);
    cur->reset(cur);
    return ret;
}

/* In the open transaction: r's document stored with its index entries, its oplog entry (and session row)
 * written at a new time (*ts). 1, or 0 (the caller rolls back). Under f->mu and clock_mu. */
static int write_insert(struct fast *f, struct fast_coll *c, const struct fast_req *r, struct fast_sess *sess,
  uint64_t *ts)
{
    const uint8_t *doc = r->doc, *p = doc + 4, *end = doc + r->doc_len;
    struct el id;
    if (next_el(&p, end, &id) != 1 || !name_is(&id, "_id"))
        return 0; /* (an `_id` elsewhere is moved first by JS; none is generated there) */
    uint8_t idkey[FAST_KEY_MAX], keys[FAST_WIX][FAST_KEY_MAX];
    size_t idlen = scalar_key(&id, idkey), klen[FAST_WIX];
    if (idlen == 0)
        return 0;
    struct fast_text_out *text;
    if (!fast_wix_keys(f, c, doc, r->doc_len, keys, klen, &text))
        return 0;
    /* the `_id_` entry first: the cursor does not overwrite (FAST_CURSOR_CFG), so a document of that
     * `_id` in this snapshot fails it (WT_DUPLICATE_KEY; an invisible one, a conflict) — the duplicate
     * key error, after the caller's rollback (io_fast_dup.c, else JS's); no search of its own before (~9 % of this thread's time
     * under 16 connections' inserts) */
    int64_t rid = __atomic_add_fetch(&f->sh->rids[c - f->colls], 1, __ATOMIC_SEQ_CST);
    int rc = fast_entry_put(c->idx, idkey, idlen, 1, rid);
    if (rc != 0)
        return rc == WT_DUPLICATE_KEY && !sess ? FAST_REFUSED : 0; /* (a retryable one's refusal is JS's) */
    WT_ITEM v;
    set_item(&v, doc, r->doc_len);
    c->rec->set_key(c->rec, rid);
    c->rec->set_value(c->rec, &v);
    int ret = c->rec->insert(c->rec);
    c->rec->reset(c->rec);
    if (ret != 0)
        return 0;
    for (uint32_t i = 0; i < c->n_wix; i++)
        if (c->wix[i].kind != WIX_TEXT && fast_entry_put(c->wix[i].cur, keys[i], klen[i], 0, rid) != 0)
            return 0;
    for (int k = 0; k < text->n; k++)
        if (fast_entry_put(c->wix[text->at].cur, text->keys[k], text->klen[k], 0, rid) != 0)
            return 0;
    if (!(*ts = fast_tick(f)))
        return FAST_LATER;
    uint64_t wall = fast_wall_ms();
    uint32_t elen = 0;
    const uint8_t *id_el = (const uint8_t *)id.name - 1;
    uint8_t *entry = insert_entry(f, c, id_el, (uint32_t)(id.val + id.len - id_el), doc, r->doc_len, *ts, wall, &elen);
    return fast_log_write(f, r, sess, &f->del_row, *ts, wall, entry, elen);
}

/* Whether doc has a top-level Timestamp(0, 0) outside `_id`: mongod stores the current time there
 * (src/commands/write/empty_timestamps.ts), so the insert is JS's. */
static int has_empty_timestamp(const uint8_t *doc, uint32_t len)
{
    static const uint8_t zero[8] = {0};
    const uint8_t *p = doc + 4, *end = doc + len;
    struct el e;
    while (next_el(&p, end, &e) == 1) {
        if (e.type == 0x11 && e.len == 8 && memcmp(e.val, zero, 8) == 0 && !name_is(&e, "_id"))
            return 1;
    }
    return 0;
}

/* doc (len bytes) as it is stored: its `_id` element first (insert.ts withIdElementFirst — mongod stores `_id`
 * first whatever the client sent, and the Node driver appends the `_id` it generates), the rest in order.
 * doc itself when `_id` is first; else a copy in fast_scratch 1 (an insert makes no new record there); NULL
 * when it has no `_id` or two (JS's), or no memory. */
static const uint8_t *id_first(struct fast *f, const uint8_t *doc, uint32_t len)
{
    const uint8_t *p = doc + 4, *end = doc + len, *at = NULL;
    struct el e;
    uint32_t elen = 0;
    int rc, first = 1;
    while ((rc = next_el(&p, end, &e)) == 1) {
        if (name_is(&e, "_id")) {
            if (first)
                return doc;
            if (at)
                return NULL;
            at = (const uint8_t *)e.name - 1;
            elen = (uint32_t)(e.val + e.len - at);
        }
        first = 0;
    }
    if (rc != 0 || !at)
        return NULL;
    uint8_t *b = fast_scratch(f, 1, len);
    if (!b)
        return NULL;
    size_t before = (size_t)(at - (doc + 4));
    memcpy(b, doc, 4);
    memcpy(b + 4, at, elen);
    memcpy(b + 4 + elen, doc + 4, before);
    memcpy(b + 4 + elen + before, at + elen, (size_t)(end - (at + elen)));
    return b;
}

/* The insert r on registration c: 1 answered (*o the reply, *entry filled), 0 JS's. Under f->mu. */
int fast_serve_insert(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r, struct out **o,
  struct fast_entry *entry)
{
    if (!c->ins_prefix || r->doc_len > DOC_MAX || !fast_canonical_doc(r->doc, r->doc_len, FAST_DOC_DEPTH) ||
        has_empty_timestamp(r->doc, r->doc_len))
        return 0;
    const uint8_t *doc = id_first(f, r->doc, r->doc_len);
    if (!doc)
        return 0;
    struct fast_req moved;
    if (doc != r->doc) {
        moved = *r;
        moved.doc = doc;
        r = &moved;
    }
    int ok = fast_write_txn(f, c, id, r, &f->deleted, KIND_INSERT, write_insert, o, entry);
    if (ok != FAST_REFUSED) {
        if (r == &moved)
            fast_scratch_done(f, 1, (uint8_t *)doc);
        return ok;
    }
    /* the `_id_` index refused it: its E11000 reply (io_fast_dup.c) */
    free(*o);
    *o = fast_dup_reply(f, id, r, atomic_load(&f->time));
    if (r == &moved)
        fast_scratch_done(f, 1, (uint8_t *)doc);
    if (!*o)
        return 0;
    entry->kind = KIND_INSERT_REFUSED;
    return 1;
}

/* The cursors of the secondary indexes c's writes keep closed (inserts' and deletes', updates'). */
void fast_close_wix_cursors(struct fast_coll *c)
{
    for (uint32_t i = 0; i < c->n_wix; i++)
        if (c->wix[i].cur) {
            c->wix[i].cur->close(c->wix[i].cur);
            c->wix[i].cur = NULL;
        }
    for (uint32_t i = 0; i < c->n_uix; i++)
        if (c->uix[i].cur) {
            c->uix[i].cur->close(c->uix[i].cur);
            c->uix[i].cur = NULL;
        }
}

/* Whether a secondary index registration c's writes keep reads table uri. */
int fast_wix_uses(const struct fast_coll *c, const char *uri)
{
    for (uint32_t i = 0; i < c->n_wix; i++)
        if (strcmp(c->wix[i].uri, uri) == 0)
            return 1;
    for (uint32_t i = 0; i < c->n_uix; i++)
        if (strcmp(c->uix[i].uri, uri) == 0)
            return 1;
    return 0;
}

/* The secondary indexes forgotten (their cursors closed). */
void fast_close_wix(struct fast_coll *c)
{
    fast_close_wix_cursors(c);
    for (uint32_t i = 0; i < c->n_wix; i++) {
        free(c->wix[i].name);
        free(c->wix[i].uri);
        free(c->wix[i].override);
        fast_text_free(c->wix[i].text);
    }
    memset(c->wix, 0, sizeof c->wix);
    c->n_wix = 0;
}

void fast_close_inserts(struct fast_coll *c)
{
    free(c->ins_prefix);
    c->ins_prefix = NULL;
    c->ins_prefix_len = 0;
}

/* Registration c's secondary indexes (writes there keep their entries): names and uris = their fields and
 * tables, each NUL-terminated, in the same order. 0, or EINVAL / ENOMEM (none then). Under f->mu. */
int fast_set_wix(struct fast_coll *c, const char *names, int names_len, const char *uris, int uris_len, int n,
  const uint8_t *kinds, double text_weight, const char *text_override)
{
    int texts = 0;
    for (int i = 0; i < n && i < FAST_WIX; i++)
        if ((kinds[i] != WIX_ASC && kinds[i] != WIX_2DSPHERE && kinds[i] != WIX_TEXT && kinds[i] != WIX_KEYS) ||
          (kinds[i] == WIX_TEXT && (texts++ || !text_override || !*text_override || !(text_weight > 0))))
            return EINVAL;
    if (n < 0 || n > FAST_WIX || names_len < 0 || uris_len < 0 || (names_len > 0 && names[names_len - 1] != 0) ||
      (uris_len > 0 && uris[uris_len - 1] != 0))
        return EINVAL;
    fast_close_wix(c);
    const char *np = names, *up = uris;
    for (int i = 0; i < n; i++) {
        if (np >= names + names_len || up >= uris + uris_len || !*np || !*up) {
            fast_close_wix(c);
            return EINVAL;
        }
        struct fast_wix *w = &c->wix[i];
        w->name = strdup(np);
        w->uri = strdup(up);
        c->n_wix = (uint32_t)i + 1;
        if (!w->name || !w->uri) {
            fast_close_wix(c);
            return ENOMEM;
        }
        w->name_len = (uint32_t)strlen(np);
        w->kind = kinds[i];
        if (fast_wix_parts(w) != 0) {
            fast_close_wix(c);
            return EINVAL;
        }
        if (w->kind == WIX_TEXT) {
            w->override = strdup(text_override);
            w->text = fast_text_new(text_weight);
            if (!w->override || !w->text) {
                fast_close_wix(c);
                return ENOMEM;
            }
            w->override_len = (uint32_t)strlen(text_override);
        }
        np += strlen(np) + 1;
        up += strlen(up) + 1;
    }
    return 0;
}

/* Registration slot's inserts (deletes = 0) or deletes (1) served: prefix = their oplog entries' `op, ns, ui`
 * elements; names, uris: the collection's n secondary indexes (fast_set_wix). 0, or EINVAL / ENOMEM. */
int fast_register_write(struct sct_io *io, int slot, int deletes, const uint8_t *prefix, int prefix_len,
  const char *names, int names_len, const char *uris, int uris_len, int n, const uint8_t *kinds, double text_weight,
  const char *text_override)
{
    struct fast *f = io->fast;
    if (!f || slot < 0 || slot >= FAST_COLLS || prefix_len <= 0)
        return EINVAL;
    pthread_mutex_lock(&f->mu);
    struct fast_coll *c = &f->colls[slot];
    int ret = !c->ns ? EINVAL : fast_set_wix(c, names, names_len, uris, uris_len, n, kinds, text_weight, text_override);
    if (ret == 0) {
        uint8_t **at = deletes ? &c->del_prefix : &c->ins_prefix;
        uint32_t *len = deletes ? &c->del_prefix_len : &c->ins_prefix_len;
        free(*at);
        *len = 0;
        if (!(*at = malloc((size_t)prefix_len)))
            ret = ENOMEM;
        else {
            memcpy(*at, prefix, (size_t)prefix_len);
            *len = (uint32_t)prefix_len;
        }
    }
    pthread_mutex_unlock(&f->mu);
    return ret;
}

/* Serve inserts on registration slot (fast_register_write). The slot's record id counter (f->rids) is JS's
 * to set before. */
int sct_fast_register_inserts(struct sct_io *io, int slot, const uint8_t *prefix, int prefix_len, const char *names,
  int names_len, const char *uris, int uris_len, int n, const uint8_t *kinds, double text_weight,
  const char *text_override)
{
    return fast_register_write(io, slot, 0, prefix, prefix_len, names, names_len, uris, uris_len, n, kinds, text_weight,
      text_override);
}

/* The record id counters JS's RecordBook shares (FAST_COLLS int64s, one per registration slot), valid
 * until the I/O loop is freed; NULL without a fast path. */
int64_t *sct_fast_rid_cells(struct sct_io *io)
{
    return io->fast ? io->fast->sh->rids : NULL;
}
