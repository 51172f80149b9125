/*
 * io_fast_delete.c — deletes by `_id` answered on the frame I/O thread (issue 18: the driver's deleteOne
 * off the JS thread), beside the updates of io_fast_write.c, whose clock, session rows and log it shares.
 *
 * The shape: `{delete: <coll>, deletes: [{q: {_id: <v>}, limit: 1}], ordered, writeConcern, lsid,
 * txnNumber, ...}` (the generic fields and write concerns an update takes there) on a namespace JS
 * registered for deletes (sct_fast_register_deletes: it served a delete by `_id` there itself, and the
 * collection passes updatable_collection.ts's insertIndexes: every secondary index one whose entry
 * io_fast_insert.c keys — of scalar top-level fields, ascending or descending, one or compound
 * (io_fast_keys.c), a 2dsphere or a text index; not unique, sparse or partial). In one
 * snapshot transaction of the fast path's session: the `_id_` entry, the record (its `_id` element copied
 * for the oplog), each secondary index's entry of it (the stored value's key; a value it keys otherwise,
 * such as an array, is JS's), all removed, the oplog entry exactly as
 * oplog/delete_entry.ts writes it (`{op: "d", ns, ui, o: {_id}, ts, t, v, wall}`), a retryable delete's
 * session row (JS's template for the reply `{n: 1, ok: 1}`), committed at its oplog time. A missing
 * document (n: 0), a write conflict, or anything io_fast_write.c would leave to JS is JS's. The reply is
 * JS's template for `{n: 1, ok: 1}` with the write's time; JS's bookkeeping (opcounters, top, latency,
 * documents deleted, the collection's count, the `_id_` index's use, the session's state, the oplog's)
 * comes from the log entry (KIND_DELETE).
 */
#define _GNU_SOURCE
#include "io_fast.h"

/* The statement {q: {_id: v}, limit: 1} (limit an int32 1): 1 (r->filter set), 0 not. */
int fast_delete_statement(const uint8_t *d, uint32_t len, struct fast_req *r)
{
    const uint8_t *p = d + 4, *end = d + len;
    struct el x, tail;
    int rc, q = 0, limit = 0;
    while ((rc = next_el(&p, end, &x)) == 1) {
        if (name_is(&x, "q") && !q && x.type == 0x03) {
            const uint8_t *y = x.val + 4, *yend = x.val + x.len;
            if (next_el(&y, yend, &r->filter) != 1 || !name_is(&r->filter, "_id") || next_el(&y, yend, &tail) != 0)
                return 0;
            q = 1;
        } else if (name_is(&x, "limit") && !limit && x.type == 0x10 && rd32(x.val) == 1)
            limit = 1;
        else
            return 0;
    }
    return rc == 0 && q && limit;
}

/* The entry {op: "d", ns, ui, o: {_id}, ts, t: 1, v: 2, wall} (fast_scratch 0, *len its size), or NULL. */
static uint8_t *delete_entry(struct fast *f, const struct fast_coll *c, const uint8_t *id, uint32_t id_len, uint64_t ts,
  uint64_t wall, uint32_t *len)
{
    uint32_t o_len = 4 + id_len + 1;
    uint32_t size = 4 + c->del_prefix_len + (3 + o_len) + (4 + 8) + (3 + 8) + (3 + 8) + (6 + 8) + 1;
    uint8_t *b = fast_scratch(f, 0, size), *p = b;
    if (!b)
        return NULL;
    p = fast_put_bytes(p, &size, 4);
    p = fast_put_bytes(p, c->del_prefix, c->del_prefix_len);
    p = fast_put_id_doc(p, "\x03o", 3, id, id_len);
    p = fast_put_tail(p, ts, wall);
    *p = 0;
    *len = size;
    return b;
}

/* In the open transaction: the document found by r's `_id` removed with its `_id_` entry, its oplog entry
 * (and session row) written at a new time (*ts). 1, or 0 (the caller rolls back). Under f->mu and
 * clock_mu. */
static int write_delete(struct fast *f, struct fast_coll *c, const struct fast_req *r, struct fast_sess *sess,
  uint64_t *ts)
{
    WT_ITEM k, v;
    int64_t rid;
    if (!fast_find_record(c, r, &k, &rid, &v))
        return 0;
    /* the stored document's `_id` element, exactly once (copied: the record's bytes go with the remove) */
    const uint8_t *doc = v.data, *p = doc + 4, *end = doc + v.size, *id = NULL;
    uint32_t id_len = 0;
    struct el e;
    int rc;
    while ((rc = next_el(&p, end, &e)) == 1) {
        if (name_is(&e, "_id")) {
            if (id)
                return 0;
            id = (const uint8_t *)e.name - 1;
            id_len = (uint32_t)(e.val + e.len - id);
        }
    }
    if (rc != 0 || !id || id_len > FAST_KEY_MAX + 16)
        return 0;
    uint8_t idcopy[FAST_KEY_MAX + 16], keys[FAST_WIX][FAST_KEY_MAX];
    size_t klen[FAST_WIX];
    memcpy(idcopy, id, id_len);
    struct fast_text_out *text;
    if (!fast_wix_keys(f, c, doc, (uint32_t)v.size, keys, klen, &text))
        return 0; /* (a value a secondary index keys otherwise: an array, a document, ...) */
    if (r->fam && !fast_fam_out(f, r, doc, (uint32_t)v.size))
        return 0; /* (a findAndModify's reply: the document copied in before it is removed) */
    c->idx->reset(c->idx);
    c->rec->reset(c->rec);
    c->rec->set_key(c->rec, rid);
    if (c->rec->remove(c->rec) != 0)
        return 0;
    c->idx->set_key(c->idx, &k);
    if (c->idx->remove(c->idx) != 0)
        return 0;
    for (uint32_t i = 0; i < c->n_wix; i++)
        if (c->wix[i].kind != WIX_TEXT && !fast_wix_remove(c, i, keys[i], klen[i], rid))
            return 0;
    for (int k = 0; k < text->n; k++)
        if (!fast_wix_remove(c, text->at, text->keys[k], text->klen[k], rid))
            return 0;
    if (!(*ts = fast_tick(f)))
        return FAST_LATER;
    uint64_t wall = fast_wall_ms();
    uint32_t elen = 0;
    uint8_t *entry = delete_entry(f, c, idcopy, id_len, *ts, wall, &elen);
    return fast_log_write(f, r, sess, r->fam ? &f->fam_del_row : &f->del_row, *ts, wall, entry, elen);
}

/* The delete r (a findAndModify's remove too) on registration c: 1 answered (*o the reply, *entry filled), 0 JS's. Under f->mu. */
int fast_serve_delete(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r, struct out **o,
  struct fast_entry *entry)
{
    if (!c->del_prefix)
        return 0;
    return r->fam ? fast_write_txn(f, c, id, r, &f->fam_del, KIND_FAM_DELETE, write_delete, o, entry)
                  : fast_write_txn(f, c, id, r, &f->deleted, KIND_DELETE, write_delete, o, entry);
}

void fast_close_deletes(struct fast_coll *c)
{
    free(c->del_prefix);
    c->del_prefix = NULL;
    c->del_prefix_len = 0;
}

/* Serve deletes by `_id` on registration slot (io_fast_insert.c fast_register_write: prefix = the oplog
 * entry's `op: "d", ns, ui` elements, and the collection's secondary indexes). */
int sct_fast_register_deletes(struct sct_io *io, int slot, const uint8_t *prefix, int prefix_len, const char *names,
  int names_len, const char *uris, int uris_len, int n, const uint8_t *kinds, double text_weight,
  const char *text_override)
{
    return fast_register_write(io, slot, 1, prefix, prefix_len, names, names_len, uris, uris_len, n, kinds, text_weight,
      text_override);
}
