/*
 * SecantusDB WiredTiger shim: flat, fixed-arity C functions over WiredTiger 3.2.1 so that no
 * variadic call (set_key, get_value, ...) and no struct-pointer call crosses the Deno FFI boundary.
 *
 * Conventions
 *   - Every function returns a WiredTiger return code (0, a negative WT_* code, or a positive errno).
 *   - Out-values go into a caller-owned int64_t array `meta` (handles are stored as integers there).
 *   - Strings (uri, config) are NUL-terminated caller buffers; NULL means "no config".
 *   - Generic cursors ("kv") use key_format=u,value_format=u.  Record cursors ("rec") use
 *     key_format=q,value_format=u (key = RecordId).  Index cursors ("idx") use key_format=u,
 *     value_format=u and store every encoded key k as E(k): each 0x00 byte becomes 0x00 0x01 and the
 *     key ends with 0x00 0x00.  E preserves byte order (shorter-prefix first), is never empty and is
 *     prefix-free, so a non-unique entry E(k) || rid(8 bytes, big-endian) sorts by (k, rid) exactly.
 *     Unique entries are E(k) -> rid(8 bytes, big-endian).
 *   - Batch scans write records into one caller buffer and leave the cursor positioned so the next
 *     call continues where this one stopped.
 */
#include "wt_shim.h"

/* ---------- scratch buffers (grown, never shrunk; old ones are kept because WT may still
 * reference a key set from them until the next operation on that cursor) ---------- */
static __thread uint8_t *scratch_a;
static __thread size_t scratch_a_cap;

/* ---------------------------------- library / connection ---------------------------------- */

int
sct_version(int64_t *meta)
{
    int a, b, c;
    wiredtiger_version(&a, &b, &c);
    meta[0] = a;
    meta[1] = b;
    meta[2] = c;
    return 0;
}

/* Copies the message for rc (NUL-terminated, truncated to cap) into buf. */
int
sct_strerror(int rc, char *buf, int32_t cap)
{
    const char *s = wiredtiger_strerror(rc);
    if (cap <= 0)
        return EINVAL;
    strncpy(buf, s ? s : "unknown error", (size_t)cap - 1);
    buf[cap - 1] = '\0';
    return 0;
}

int
sct_conn_open(const char *home, const char *config, int64_t *meta)
{
    WT_CONNECTION *conn = NULL;
    int ret;
    (void)sct_preinit_wait_patch(); /* never run the calibration loop while sct_preinit patches it */
    ret = wiredtiger_open(home, NULL, config, &conn);
    meta[0] = (int64_t)(intptr_t)conn;
    return ret;
}

int
sct_conn_close(WT_CONNECTION *conn, const char *config)
{
    return conn->close(conn, config);
}

/* Connection timestamps (e.g. "oldest_timestamp=<hex>"): WT_CONNECTION::set_timestamp. */
int
sct_conn_set_timestamp(WT_CONNECTION *conn, const char *config)
{
    return conn->set_timestamp(conn, config);
}

int
sct_session_open(WT_CONNECTION *conn, const char *config, int64_t *meta)
{
    WT_SESSION *s = NULL;
    int ret = conn->open_session(conn, NULL, config, &s);
    meta[0] = (int64_t)(intptr_t)s;
    return ret;
}

/* ---------------------------------------- session ---------------------------------------- */

int sct_session_close(WT_SESSION *s) { return s->close(s, NULL); }
int sct_create(WT_SESSION *s, const char *uri, const char *config) { return s->create(s, uri, config); }
int sct_drop(WT_SESSION *s, const char *uri, const char *config) { return s->drop(s, uri, config); }
int sct_begin(WT_SESSION *s, const char *config) { return s->begin_transaction(s, config); }
int sct_commit(WT_SESSION *s, const char *config) { return s->commit_transaction(s, config); }
int sct_rollback(WT_SESSION *s) { return s->rollback_transaction(s, NULL); }
int sct_checkpoint(WT_SESSION *s, const char *config) { return s->checkpoint(s, config); }
int sct_log_flush(WT_SESSION *s, const char *config) { return s->log_flush(s, config); }

/*
 * Give the running transaction its commit timestamp (hot path of every logged commit: the hex
 * config string is built here rather than in JS).
 */
int
sct_txn_commit_ts(WT_SESSION *s, uint64_t ts)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "commit_timestamp=%" PRIx64, ts);
    return s->timestamp_transaction(s, buf);
}

/*
 * Commit the running transaction at commit timestamp `ts` and, when `flush` is given (e.g. "sync=on"),
 * flush the log: one call for what sct_txn_commit_ts + sct_commit_flush do in two (every logged
 * commit: one FFI crossing and one WT API call fewer). A failed commit is rolled back by WiredTiger.
 */
int
sct_commit_at(WT_SESSION *s, uint64_t ts, const char *flush)
{
    char buf[64];
    int ret;
    snprintf(buf, sizeof(buf), "commit_timestamp=%" PRIx64, ts);
    ret = s->commit_transaction(s, buf);
    if (ret == 0 && flush != NULL)
        ret = s->log_flush(s, flush);
    return ret;
}

/*
 * Group-commit log flushes off the JS thread. JS counts a flush as pending (sct_flush_pending, a
 * synchronous call) before it starts sct_log_flush_tracked on Deno's blocking thread pool (a
 * nonblocking FFI symbol); that call flushes on its own session and then counts itself done.
 * sct_flush_wait_idle blocks until no flush is pending, so the connection is never closed under one.
 */
static pthread_mutex_t flush_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flush_cv = PTHREAD_COND_INITIALIZER;
static int flush_pending = 0;

void
sct_flush_pending(void)
{
    pthread_mutex_lock(&flush_mu);
    flush_pending++;
    pthread_mutex_unlock(&flush_mu);
}

/*
 * Sleeps `us` microseconds on Deno's blocking thread pool (a nonblocking FFI symbol). A long
 * operation's yield awaits it while no other request is arriving (src/observability/op_control.ts):
 * the JS thread finds nothing ready, parks in the event loop's poll and so reads waiting sockets, at
 * ~0.05-0.1 ms instead of a timer turn's 1-2.5 ms. The sleep matters: a call that completed before the
 * JS thread parked would resolve without polling sockets at all.
 */
int
sct_pause_us(int us)
{
    struct timespec ts = {0, (long)us * 1000L};
    nanosleep(&ts, NULL);
    return 0;
}

/* A tracked call (counted by sct_flush_pending before it was queued) returned: count it out. */
static int
tracked_done(int ret)
{
    pthread_mutex_lock(&flush_mu);
    flush_pending--;
    pthread_cond_broadcast(&flush_cv);
    pthread_mutex_unlock(&flush_mu);
    return ret;
}

int
sct_log_flush_tracked(WT_SESSION *s, const char *config)
{
    int ret = s->log_flush(s, config);
    return tracked_done(ret);
}

/*
 * WT_SESSION::upgrade off the JS thread, counted like a tracked flush (the connection is never closed
 * under it). Used to settle a table (src/storage/wiredtiger/settle.ts): upgrade takes the table's
 * handle exclusively, which closes it and discards its in-memory pages (EBUSY while any cursor on it
 * is open); it waits for a running checkpoint first, which is why it does not run on the JS thread.
 */
int
sct_upgrade_tracked(WT_SESSION *s, const char *uri)
{
    int ret = s->upgrade(s, uri, NULL);
    return tracked_done(ret);
}

/*
 * WT_SESSION::checkpoint off the JS thread, counted like a tracked flush. The settler's (settle.ts): a
 * checkpoint of a freshly loaded collection's tables (`target=(...)`) writes their pages, so they are
 * clean and can be discarded without waiting for the next periodic checkpoint; it writes and syncs files.
 */
int
sct_checkpoint_tracked(WT_SESSION *s, const char *config)
{
    int ret = s->checkpoint(s, config);
    return tracked_done(ret);
}

/*
 * WT_SESSION::compact off the JS thread, counted like a tracked flush (a close waits for it: hence the
 * timeout, which bounds that wait). The compact command's (src/storage/wiredtiger/compact.ts): it moves
 * a table file's blocks from its end into free space earlier in it, checkpointing as it goes, and
 * truncates the file.
 */
int
sct_compact_tracked(WT_SESSION *s, const char *uri)
{
    int ret = s->compact(s, uri, "timeout=300");
    return tracked_done(ret);
}

void
sct_flush_wait_idle(void)
{
    pthread_mutex_lock(&flush_mu);
    while (flush_pending > 0)
        pthread_cond_wait(&flush_cv, &flush_mu);
    pthread_mutex_unlock(&flush_mu);
}

/* Commit, then (if flush is non-NULL) flush the log with that config: one crossing. */
int
sct_commit_flush(WT_SESSION *s, const char *config, const char *flush)
{
    int ret = s->commit_transaction(s, config);
    if (ret == 0 && flush != NULL)
        ret = s->log_flush(s, flush);
    return ret;
}

int
sct_cursor_open(WT_SESSION *s, const char *uri, const char *config, int64_t *meta)
{
    WT_CURSOR *c = NULL;
    int ret = s->open_cursor(s, uri, NULL, config, &c);
    meta[0] = (int64_t)(intptr_t)c;
    return ret;
}

/* One statistic of a data source: meta[0] = value.  uri is e.g. "statistics:table:coll-1". */
int
sct_stat(WT_SESSION *s, const char *uri, const char *config, int key, int64_t *meta)
{
    WT_CURSOR *c = NULL;
    const char *desc, *pvalue;
    int64_t value = 0;
    int ret = s->open_cursor(s, uri, NULL, config, &c);
    if (ret != 0)
        return ret;
    c->set_key(c, key);
    ret = c->search(c);
    if (ret == 0)
        ret = c->get_value(c, &desc, &pvalue, &value);
    meta[0] = value;
    int r2 = c->close(c);
    return ret != 0 ? ret : r2;
}

/* ---------------------------------------- cursors ---------------------------------------- */

int sct_cursor_close(WT_CURSOR *c) { return c->close(c); }
int sct_cursor_reset(WT_CURSOR *c) { return c->reset(c); }

/* --- generic u/u cursors --- */


/* mode: 0 insert (fails with WT_DUPLICATE_KEY on overwrite=false cursors), 1 update, 2 upsert. */
int
sct_kv_put(WT_CURSOR *c, const uint8_t *key, int32_t klen, const uint8_t *val, int32_t vlen, int mode)
{
    WT_ITEM k, v;
    int ret;
    if (klen <= 0 || vlen < 0)
        return EINVAL;
    set_item(&k, key, klen);
    set_item(&v, val, vlen);
    c->set_key(c, &k);
    c->set_value(c, &v);
    if (mode == 1)
        return c->update(c);
    ret = c->insert(c);
    if (ret == WT_DUPLICATE_KEY && mode == 2) {
        c->set_key(c, &k);
        c->set_value(c, &v);
        ret = c->update(c);
    }
    return ret;
}

/*
 * Insert `count` rows packed in buf as [u32 LE key length][key][u32 LE value length][value], in
 * order, in one call (the oplog's entries of a batch: one FFI crossing instead of one per row).
 * Inserts only (fails with WT_DUPLICATE_KEY on an overwrite=false cursor). On failure meta[0] is
 * the index of the row that failed; a malformed buffer is EINVAL.
 */
int
sct_kv_insert_many(WT_CURSOR *c, const uint8_t *buf, int32_t len, int32_t count, int64_t *meta)
{
    WT_ITEM k, v;
    uint32_t klen, vlen;
    int64_t at = 0;
    int32_t i;
    int ret;
    for (i = 0; i < count; i++) {
        meta[0] = i;
        if (at + 4 > len)
            return EINVAL;
        memcpy(&klen, buf + at, 4);
        at += 4;
        if (klen == 0 || at + (int64_t)klen + 4 > len)
            return EINVAL;
        set_item(&k, buf + at, klen);
        at += klen;
        memcpy(&vlen, buf + at, 4);
        at += 4;
        if (at + (int64_t)vlen > len)
            return EINVAL;
        set_item(&v, buf + at, vlen);
        at += vlen;
        c->set_key(c, &k);
        c->set_value(c, &v);
        if ((ret = c->insert(c)) != 0)
            return ret;
    }
    meta[0] = count;
    return at == len ? 0 : EINVAL;
}

/* Copy the current value into out if it fits; meta[0] = its length. */
int
copy_value_item(WT_CURSOR *c, uint8_t *out, int32_t cap, int64_t *meta)
{
    WT_ITEM v;
    int ret = c->get_value(c, &v);
    if (ret != 0)
        return ret;
    meta[0] = (int64_t)v.size;
    if ((int64_t)v.size <= cap && v.size > 0)
        memcpy(out, v.data, v.size);
    return 0;
}

int
sct_kv_get(WT_CURSOR *c, const uint8_t *key, int32_t klen, uint8_t *out, int32_t cap, int64_t *meta)
{
    WT_ITEM k;
    int ret;
    if (klen <= 0)
        return WT_NOTFOUND;
    set_item(&k, key, klen);
    c->set_key(c, &k);
    ret = c->search(c);
    if (ret != 0)
        return ret;
    return copy_value_item(c, out, cap, meta);
}

/* After a successful get/search that reported a value too large for the buffer. */
int
sct_copy_value(WT_CURSOR *c, uint8_t *out, int32_t cap, int64_t *meta)
{
    return copy_value_item(c, out, cap, meta);
}

int
sct_kv_remove(WT_CURSOR *c, const uint8_t *key, int32_t klen)
{
    WT_ITEM k;
    if (klen <= 0)
        return WT_NOTFOUND;
    set_item(&k, key, klen);
    c->set_key(c, &k);
    return c->remove(c);
}

/* Position near key: meta[0] = exact (<0, 0, >0). */
int
sct_kv_search_near(WT_CURSOR *c, const uint8_t *key, int32_t klen, int64_t *meta)
{
    WT_ITEM k;
    int exact = 0, ret;
    if (klen <= 0)
        return EINVAL;
    set_item(&k, key, klen);
    c->set_key(c, &k);
    ret = c->search_near(c, &exact);
    meta[0] = exact;
    return ret;
}

/* --- record cursors: key_format=q, value_format=u --- */

int
sct_rec_insert(WT_CURSOR *c, int64_t rid, const uint8_t *val, int32_t vlen)
{
    WT_ITEM v;
    if (vlen < 0)
        return EINVAL;
    set_item(&v, val, vlen);
    c->set_key(c, rid);
    c->set_value(c, &v);
    return c->insert(c);
}

int
sct_rec_update(WT_CURSOR *c, int64_t rid, const uint8_t *val, int32_t vlen)
{
    WT_ITEM v;
    if (vlen < 0)
        return EINVAL;
    set_item(&v, val, vlen);
    c->set_key(c, rid);
    c->set_value(c, &v);
    return c->update(c);
}

int
sct_rec_remove(WT_CURSOR *c, int64_t rid)
{
    c->set_key(c, rid);
    return c->remove(c);
}

int
sct_rec_get(WT_CURSOR *c, int64_t rid, uint8_t *out, int32_t cap, int64_t *meta)
{
    int ret;
    c->set_key(c, rid);
    ret = c->search(c);
    if (ret != 0)
        return ret;
    return copy_value_item(c, out, cap, meta);
}

/* meta[0] = largest record id (0 if empty); the cursor is reset afterwards. */
int
sct_rec_last(WT_CURSOR *c, int64_t *meta)
{
    int64_t rid = 0;
    int ret;
    c->reset(c);
    ret = c->prev(c);
    if (ret == 0)
        ret = c->get_key(c, &rid);
    meta[0] = rid;
    c->reset(c);
    return ret == WT_NOTFOUND ? 0 : ret;
}

/* meta[0] = smallest record id (0 if empty); the cursor is reset afterwards. */
int
sct_rec_first(WT_CURSOR *c, int64_t *meta)
{
    int64_t rid = 0;
    int ret;
    c->reset(c);
    ret = c->next(c);
    if (ret == 0)
        ret = c->get_key(c, &rid);
    meta[0] = rid;
    c->reset(c);
    return ret == WT_NOTFOUND ? 0 : ret;
}

/* meta[0] = number of records (walks keys only); the cursor is reset afterwards. */
int
sct_rec_count(WT_CURSOR *c, int64_t *meta)
{
    int64_t n = 0;
    int ret;
    c->reset(c);
    while ((ret = c->next(c)) == 0)
        n++;
    meta[0] = n;
    c->reset(c);
    return ret == WT_NOTFOUND ? 0 : ret;
}

/* --- index cursors: key_format=u, value_format=u, keys stored escaped (see top) --- */

/* Build the stored key for (k, rid) in scratch_a: E(k) [+ be64(rid) when with_rid]. */
uint8_t *
stored_key(const uint8_t *k, int32_t klen, int with_rid, int64_t rid, uint8_t fill, size_t *len)
{
    uint8_t *buf = grow(&scratch_a, &scratch_a_cap, (size_t)klen * 2 + 2 + 8);
    if (buf == NULL)
        return NULL;
    size_t n = escape(k, (size_t)klen, buf);
    if (with_rid == 1) {
        put_be64(buf + n, rid);
        n += 8;
    } else if (with_rid == 2) { /* after every rid under this key */
        memset(buf + n, fill, 8);
        n += 8;
    }
    *len = n;
    return buf;
}

int
sct_idx_insert(WT_CURSOR *c, int unique, const uint8_t *key, int32_t klen, int64_t rid)
{
    WT_ITEM k, v;
    uint8_t ridb[8];
    size_t n;
    int ret;
    if (klen < 0)
        return EINVAL;
    uint8_t *sk = stored_key(key, klen, !unique, rid, 0, &n);
    if (sk == NULL)
        return ENOMEM;
    set_item(&k, sk, (int64_t)n);
    put_be64(ridb, rid);
    set_item(&v, unique ? ridb : NULL, unique ? 8 : 0);
    c->set_key(c, &k);
    c->set_value(c, &v);
    ret = c->insert(c);
    if (ret == WT_DUPLICATE_KEY) {
        if (!unique)
            return 0; /* the same (key, rid) is already present */
        /* Same key pointing at the same record is not a violation (e.g. repeated multikey value). */
        WT_ITEM cur;
        c->set_key(c, &k);
        if (c->search(c) == 0 && c->get_value(c, &cur) == 0 && cur.size == 8 &&
          get_be64(cur.data) == rid) {
            c->reset(c);
            return 0;
        }
        c->reset(c);
        return WT_DUPLICATE_KEY;
    }
    return ret;
}

/* Remove (key, rid); a missing entry (or a unique entry owned by another record) is not an error. */
int
sct_idx_remove(WT_CURSOR *c, int unique, const uint8_t *key, int32_t klen, int64_t rid)
{
    WT_ITEM k, cur;
    size_t n;
    int ret;
    if (klen < 0)
        return EINVAL;
    uint8_t *sk = stored_key(key, klen, !unique, rid, 0, &n);
    if (sk == NULL)
        return ENOMEM;
    set_item(&k, sk, (int64_t)n);
    c->set_key(c, &k);
    if (unique) {
        ret = c->search(c);
        if (ret == 0)
            ret = c->get_value(c, &cur);
        if (ret == 0 && !(cur.size == 8 && get_be64(cur.data) == rid)) {
            c->reset(c);
            return 0;
        }
        if (ret == 0)
            ret = c->remove(c);
    } else
        ret = c->remove(c);
    return ret == WT_NOTFOUND ? 0 : ret;
}

/* Reads the i-th key of a packed list: a 4-byte little-endian length, then the key's bytes. */
static int
packed_key(const uint8_t *buf, int32_t blen, int32_t *at, const uint8_t **key, int32_t *klen)
{
    if (*at < 0 || blen - *at < 4)
        return EINVAL;
    const uint8_t *p = buf + *at;
    uint32_t n = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    *at += 4;
    if (n > (uint32_t)(blen - *at))
        return EINVAL;
    *key = buf + *at;
    *klen = (int32_t)n;
    *at += (int32_t)n;
    return 0;
}

typedef int (*idx_op)(WT_CURSOR *, int, const uint8_t *, int32_t, int64_t);

/* Applies `op` (sct_idx_insert or sct_idx_remove) to each of `count` packed keys. */
static int
each_packed_key(WT_CURSOR *c, int unique, const uint8_t *buf, int32_t blen, int32_t count, int64_t rid, idx_op op)
{
    int32_t at = 0, klen;
    const uint8_t *key;
    int ret;
    for (int32_t i = 0; i < count; i++) {
        if ((ret = packed_key(buf, blen, &at, &key, &klen)) != 0)
            return ret;
        if ((ret = op(c, unique, key, klen, rid)) != 0)
            return ret;
    }
    return 0;
}

/* sct_idx_insert for each of `count` packed keys (one call for a document's entries of one index). */
int
sct_idx_insert_many(WT_CURSOR *c, int unique, const uint8_t *buf, int32_t blen, int32_t count, int64_t rid)
{
    return each_packed_key(c, unique, buf, blen, count, rid, sct_idx_insert);
}

/* Non-unique sct_idx_insert of each of `count` packed keys, key i for record rids[i] (a build's sorted batch). */
int
sct_idx_insert_pairs(WT_CURSOR *c, const uint8_t *buf, int32_t blen, int32_t count, const int64_t *rids)
{
    int32_t at = 0, klen;
    const uint8_t *key;
    int ret;
    for (int32_t i = 0; i < count; i++) {
        if ((ret = packed_key(buf, blen, &at, &key, &klen)) != 0)
            return ret;
        if ((ret = sct_idx_insert(c, 0, key, klen, rids[i])) != 0)
            return ret;
    }
    return 0;
}

/* sct_idx_remove for each of `count` packed keys. */
int
sct_idx_remove_many(WT_CURSOR *c, int unique, const uint8_t *buf, int32_t blen, int32_t count, int64_t rid)
{
    return each_packed_key(c, unique, buf, blen, count, rid, sct_idx_remove);
}

/* Unique lookup: meta[0] = rid.  WT_NOTFOUND when absent. */
int
sct_idx_seek(WT_CURSOR *c, const uint8_t *key, int32_t klen, int64_t *meta)
{
    WT_ITEM k, v;
    size_t n;
    int ret;
    if (klen < 0)
        return EINVAL;
    uint8_t *sk = stored_key(key, klen, 0, 0, 0, &n);
    if (sk == NULL)
        return ENOMEM;
    set_item(&k, sk, (int64_t)n);
    c->set_key(c, &k);
    ret = c->search(c);
    if (ret == 0)
        ret = c->get_value(c, &v);
    if (ret == 0) {
        meta[0] = v.size == 8 ? get_be64(v.data) : 0;
        c->reset(c);
    }
    return ret;
}

/*
 * Unique lookup, then the record it names, in one call: `ic` is the unique index's cursor, `rc` the
 * collection's record cursor. meta[1] = rid, meta[0] = the record's length (copied into out when it
 * fits, as sct_rec_get; else sct_copy_value on rc copies it). WT_NOTFOUND when the key or the record
 * is absent (meta[1] = 0 when the key is).
 */
int
sct_idx_get_record(WT_CURSOR *ic, WT_CURSOR *rc, const uint8_t *key, int32_t klen, uint8_t *out,
  int32_t cap, int64_t *meta)
{
    WT_ITEM k, v;
    size_t n;
    int64_t rid;
    int ret;
    if (klen < 0)
        return EINVAL;
    meta[1] = 0;
    uint8_t *sk = stored_key(key, klen, 0, 0, 0, &n);
    if (sk == NULL)
        return ENOMEM;
    set_item(&k, sk, (int64_t)n);
    ic->set_key(ic, &k);
    ret = ic->search(ic);
    if (ret == 0)
        ret = ic->get_value(ic, &v);
    if (ret != 0)
        return ret;
    rid = v.size == 8 ? get_be64(v.data) : 0;
    ic->reset(ic);
    meta[1] = rid;
    rc->set_key(rc, rid);
    ret = rc->search(rc);
    if (ret != 0)
        return ret;
    return copy_value_item(rc, out, cap, meta);
}

/* ------------------------------- statistics and hot backup (ops) ------------------------------- */

/*
 * Every statistic of a statistics cursor (uri "statistics:" for the connection, or
 * "statistics:table:<name>"): entries [u32 description length][description][i64 value] into out.
 * meta[0] = count, meta[1] = bytes used.  When out is too small: ENOMEM with meta[3] = a size that
 * is enough (the caller retries with a larger buffer).
 */
int
sct_stat_all(WT_SESSION *s, const char *uri, const char *config, uint8_t *out, int32_t cap, int64_t *meta)
{
    WT_CURSOR *c = NULL;
    const char *desc, *pvalue;
    int64_t value, used = 0, count = 0, need = 0;
    int ret = s->open_cursor(s, uri, NULL, config, &c);
    if (ret != 0)
        return ret;
    while ((ret = c->next(c)) == 0) {
        if ((ret = c->get_value(c, &desc, &pvalue, &value)) != 0)
            break;
        size_t dl = strlen(desc);
        need += 12 + (int64_t)dl;
        if (used + 12 + (int64_t)dl <= cap) {
            put_u32(out + used, (uint32_t)dl);
            memcpy(out + used + 4, desc, dl);
            put_i64(out + used + 4 + dl, value);
            used += 12 + (int64_t)dl;
            count++;
        }
    }
    if (ret == WT_NOTFOUND)
        ret = 0;
    int r2 = c->close(c);
    meta[0] = count;
    meta[1] = used;
    meta[3] = need;
    if (ret == 0 && r2 == 0 && need > used)
        return ENOMEM;
    return ret != 0 ? ret : r2;
}

/*
 * The next key of a cursor whose key_format is S (a "backup:" cursor lists file names this way):
 * copies it NUL-terminated into out, meta[0] = its length.  WT_NOTFOUND at the end; ENOMEM (meta[0]
 * = length) when out is too small.
 */
int
sct_cursor_next_str(WT_CURSOR *c, uint8_t *out, int32_t cap, int64_t *meta)
{
    const char *key;
    int ret = c->next(c);
    if (ret != 0)
        return ret;
    if ((ret = c->get_key(c, &key)) != 0)
        return ret;
    size_t len = strlen(key);
    meta[0] = (int64_t)len;
    if ((int64_t)len + 1 > cap)
        return ENOMEM;
    memcpy(out, key, len + 1);
    return 0;
}
