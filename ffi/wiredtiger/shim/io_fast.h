/*
 * io_fast.h — what the requests answered on the frame I/O thread share across their files: io_fast.c
 * (the registry, finds by `_id`, ping, JS's side), io_fast_parse.c (the request's shape),
 * io_fast_bson.c (the request's BSON walk and the index key of a scalar), io_fast_canonical.c (whether
 * a document is one the command layer stores as sent), io_fast_index.c (finds over a single-field
 * index), io_fast_write.c (what writes share: their fields, transaction, session rows, oplog entry tail,
 * and the cluster clock shared with JS), io_fast_update.c (updates by `_id`), io_fast_update_value.c (the
 * values such an update writes), io_fast_delete.c (deletes by `_id`), io_fast_insert.c (inserts of one
 * document), io_fast_dup.c (the reply to one the `_id_` index refuses) and io_fast_fam.c (findAndModify by
 * `_id`: those updates and deletes with the document in the reply).
 */
#ifndef SECANTUS_IO_FAST_H
#define SECANTUS_IO_FAST_H
#include "io_loop.h"
#include "wt_shim.h"

#define FAST_FIND 1u
#define FAST_PING 2u
#define FAST_LSID 4u /* requests naming a session may be served (JS has room for new sessions) */
#define FAST_AUTH 8u /* authentication is on: a find needs its connection's grant on the namespace */
#define FAST_UPDATE 16u /* updates by _id ($inc or $set of a field no index reads), namespaces registered */
#define FAST_DELETE 32u /* deletes by _id on namespaces registered for them (only the _id_ index) */
#define FAST_INSERT 64u /* inserts of one document on namespaces registered for them (io_fast_insert.c) */
/* fast_parse's bits of fields seen (generic: 1..32 and 512; find: 64..256) */
#define FAST_SEEN_UPDATES 1024u
#define FAST_SEEN_ORDERED 2048u
#define FAST_SEEN_BYPASS 4096u
#define FAST_SEEN_WC 8192u
/* A write that took longer than this there (a stalled forced eviction: io_fast_write.c) leaves its
 * namespace's writes to JS for FAST_COOL_US. */
#define FAST_SLOW_WRITE_US 4000
#define FAST_CLOCK_SPIN_US 50 /* a write waits this long for another loop's hold of the clock */

/* A spin-wait's pause (the other hyperthread and the memory bus get the time). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield");
#endif
}
#define FAST_COOL_US 100000
/* A write finding the cluster clock held by JS (between an oplog time and its commit) is not handed to
 * JS but waits, its request in its buffer, while the loop serves the others; JS wakes the loop when it
 * lets the clock go (sct_fast_clock_unlock). JS holds it for one synchronous run at most, which a write
 * handed over would wait out too — and that run grows with what it is handed: with a 1 ms limit and the
 * loop polling, 0.6 %, 5 % and 6.5 % of 16 connections' updates went to JS in three successive runs, a
 * feedback loop. Past this limit (a safety valve only) the write is JS's. */
#define FAST_DEFER_US 50000
/* fast_write_txn's "not now": the clock is JS's (the caller retries, FAST_DEFER_US) */
#define FAST_LATER (-2)
/* A write fn's (and fast_write_txn's): the write is refused as the command layer would refuse it (an
 * insert's `_id` there already) and the refusal is answered here (io_fast_dup.c). */
#define FAST_REFUSED 3
#define FAST_LOG_CAP 4096
#define FAST_COLLS 1024 /* registry slots (open addressing; a full registry registers nothing more) */
#define FAST_LOOPS 4   /* frame I/O loops sharing one clock and one set of record id counters */
_Static_assert(FAST_COLLS / 8 == sizeof(((struct conn *)0)->grants[0]), "a grant bit per registry slot");
/* What a grant lets a connection do there (struct conn grants[action]; fast.ts FastGrant). */
#define GRANT_FIND 0
#define GRANT_UPDATE 1
#define GRANT_DELETE 2
#define GRANT_INSERT 3
#define FAST_TMPL_MAX 512
#define FAST_TMPL_TIMES 4
#define FAST_STRING_MAX 512 /* strings longer than this (in a filter) go to JS */
#define FAST_KEY_MAX (2 * FAST_STRING_MAX + 16)
#define FAST_FIELDS 4 /* single-field indexes registered per namespace */
#define FAST_WIX 8    /* secondary indexes a namespace's inserts keep (io_fast_insert.c) */
#define FAST_UP_FIELDS 8 /* fields one update there changes at most (io_fast_update.c) */
#define FAST_DOC_DEPTH 20 /* an inserted document nesting deeper is JS's */
/* Every cursor of the fast path's session: an insert of a key already there (a record id, an oplog time, a
 * session row, an index entry a concurrent writer made) fails instead of overwriting, and a remove of a
 * missing one fails instead of passing, so the write is rolled back and left to JS. */
#define FAST_CURSOR_CFG "overwrite=false"

/* Kinds of served requests in the log (fast.ts FastKind). */
#define KIND_FIND_HIT 1
#define KIND_FIND_MISS 2
#define KIND_PING 3
#define KIND_FIND_INDEXED 4
#define KIND_UPDATE 5 /* its docs and keys hold the write's oplog time: increment, seconds */
#define KIND_DELETE 6 /* the same */
#define KIND_INSERT 7 /* the same */
#define KIND_INSERT_REFUSED 8 /* an insert the `_id_` index refused (io_fast_dup.c) */
#define KIND_FAM_UPDATE 9 /* a findAndModify's update by `_id` (io_fast_fam.c); docs, keys as KIND_UPDATE's */
#define KIND_FAM_DELETE 10 /* a findAndModify's remove by `_id` (the same) */

/* The shapes of a find over a single-field index a registration serves (JS registers each once it
 * served one of them over that index itself: point_reads.ts). */
#define SHAPE_EQ 1u           /* {f: v} */
#define SHAPE_EQ_SORTED 2u    /* {f: v}, sort {f: 1} */
#define SHAPE_RANGE 4u        /* {f: {$gt|$gte: a, $lt|$lte: b}} (either side or both) */
#define SHAPE_RANGE_SORTED 8u /* the same, sort {f: 1} */
#define SHAPE_IN 16u          /* {f: {$in: [v, ...]}} (f may be _id) */
#define SHAPE_IN_SORTED 32u   /* the same, sort {f: 1} */

/* One served request, for JS's bookkeeping (fast.ts decodes it: 64 bytes). */
struct fast_entry {
    uint32_t kind;   /* KIND_* */
    uint32_t slot;   /* the registration's slot (finds) */
    uint32_t index;  /* KIND_FIND_INDEXED: the field registration's number; a write's: 1 it waited for the
                      * clock (FAST_DEFER_US) */
    uint32_t micros; /* from the whole request to its reply queued */
    uint32_t bytes_in, bytes_out;
    uint32_t has_lsid;
    uint32_t docs, keys; /* KIND_FIND_INDEXED: documents returned, index entries read; KIND_UPDATE: the
                          * oplog time's increment and seconds */
    uint8_t lsid[16];
    uint32_t retryable; /* KIND_UPDATE: a retryable write (txn_number) */
    int64_t txn_number;
};
_Static_assert(sizeof(struct fast_entry) == 64, "fast.ts reads 64-byte log records");

/* A session whose retryable updates may be made here (JS registered it after its own write): the
 * txnNumber of its newest write, whose row the next one replaces (sct_fast_session). Direct-mapped by the
 * lsid: a collision forgets the older one (its writes go to JS again). */
#define FAST_SESSIONS 4096
struct fast_sess {
    uint8_t lsid[16];
    int64_t last;
    int used;
    int busy; /* a loop is making a write of it (under fast_shared's sess_mu): no other loop starts one */
};

/* A single-field ascending index of a registered namespace, and the find shapes it serves. */
struct fast_field {
    char *name; /* the field (top-level), NUL-terminated; NULL: free */
    uint32_t name_len;
    char *uri;
    WT_CURSOR *cur;
    int unique;
    uint32_t shapes; /* SHAPE_* */
};

/* A secondary index inserts there keep: single-field on a top-level field, ascending (WIX_ASC) or
 * 2dsphere (WIX_2DSPHERE, io_fast_geo.c), or ascending/descending top-level fields (WIX_KEYS), not unique, not sparse, no partial filter, no collation (JS
 * registers only those: updatable_collection.ts). */
#define WIX_ASC 0
#define WIX_2DSPHERE 1
#define WIX_TEXT 2 /* a text index weighting that one field (io_fast_text.c) */
#define WIX_KEYS 3 /* one or more top-level fields, each ascending or descending (io_fast_keys.c) */
#define FAST_KEY_PARTS 8 /* fields of a WIX_KEYS index */
/* One field of a WIX_ASC or WIX_KEYS index (pointing into its name). */
struct fast_part {
    const char *name;
    uint32_t len;
    uint8_t desc; /* descending: the value's key bytes inverted */
};
#define FAST_TEXT_KEYS 128    /* distinct terms of a document made there */
#define FAST_TEXT_KEY_MAX 192 /* bytes of one text entry's key */
struct fast_text;
struct fast_wix {
    char *name; /* the field, NUL-terminated */
    uint32_t name_len;
    char *uri;
    WT_CURSOR *cur;
    uint8_t kind; /* WIX_* */
    struct fast_text *text; /* WIX_TEXT: its weight and vocabulary */
    char *override; /* WIX_TEXT: the language override field (a document holding it is JS's) */
    uint32_t override_len;
    uint32_t n_parts; /* the fields it reads (fast_wix_parts: one but for WIX_KEYS) */
    struct fast_part parts[FAST_KEY_PARTS];
};

/* A document's entries of a text index (fast_wix_keys: at most one text index, wix index `at`). */
struct fast_text_out {
    uint32_t at;
    int n; /* -1: no text index */
    uint8_t keys[FAST_TEXT_KEYS][FAST_TEXT_KEY_MAX];
    size_t klen[FAST_TEXT_KEYS];
};

struct fast_coll {
    char *ns; /* "db.coll", NUL-terminated; NULL: free */
    uint32_t ns_len;
    char *rec_uri, *idx_uri;
    WT_CURSOR *rec, *idx;
    int held; /* a table of it is being discarded (sct_fast_hold): JS answers meanwhile */
    /* updates (sct_fast_register_writes): the oplog entry's `op: "u", ns, ui` elements, and the
     * top-level fields some index of the collection reads ("a\0b\0"); NULL: no updates here */
    uint8_t *up_prefix;
    uint32_t up_prefix_len;
    char *unsafe;
    uint32_t unsafe_len;
    /* with updates: the indexes of scalar top-level fields whose fields they may change (n_uix of them, kind
     * WIX_ASC or WIX_KEYS): the stored document's entry removed, the new one's inserted (io_fast_update.c) */
    struct fast_wix uix[FAST_WIX];
    uint32_t n_uix;
    /* deletes (sct_fast_register_deletes): the oplog entry's `op: "d", ns, ui` elements; NULL: none here */
    uint8_t *del_prefix;
    uint32_t del_prefix_len;
    /* inserts (sct_fast_register_inserts): the oplog entry's `op: "i", ns, ui` elements; NULL: none here.
     * With inserts or deletes registered: every secondary index of the collection (n_wix of them), whose
     * entries they keep (io_fast_insert.c) */
    uint8_t *ins_prefix;
    uint32_t ins_prefix_len;
    struct fast_wix wix[FAST_WIX];
    uint32_t n_wix;
    int64_t cool_until_us; /* writes here are JS's until then (io_fast_write.c: a slow one) */
    struct fast_field fields[FAST_FIELDS];
};

/* A reply template: its bytes and where the cluster time's two 8-byte timestamps sit. A findAndModify's
 * (io_fast_fam.c) holds an empty document `value: {}` at `split` (its 5 bytes replaced by the returned
 * document's) and, in a row, the length of the `reply` document around it at `grow` (0: none). */
struct fast_tmpl {
    uint8_t bytes[FAST_TMPL_MAX];
    uint32_t len;
    uint32_t at[FAST_TMPL_TIMES];
    uint32_t n_at;
    uint32_t split, grow;
};

/* What every loop's fast path shares (sct_fast_share): the cluster clock and the record id counters. */
struct fast_shared {
    /* The cluster clock, shared with JS's (oplog/cluster_clock.ts): the newest time issued
     * (seconds << 32 | increment), under clock_mu, which covers an oplog time from its issue to its
     * commit — JS holds it from its first tick in a turn of its event loop to the turn's end, an update
     * here from its tick to its commit (a try-lock: when JS holds it, JS gets the request) — so entries
     * commit in time order and no reader sees a later one before an earlier. */
    pthread_mutex_t clock_mu;
    uint64_t issued;
    _Atomic int clock_wanted; /* a write here found clock_mu taken: whoever lets go wakes the loops */
    _Atomic int js_holds;     /* JS holds clock_mu (a whole turn of its event loop: a loop does not wait) */
    /* Per registration slot, the last record id handed out in its collection's record table, shared
     * with JS's RecordBook (an Atomics view over this array: JS's inserts and these take ids from the
     * same counter, so natural order stays insertion order); valid while the slot is registered for
     * inserts, JS taking the value back before it clears the registrations. */
    int64_t rids[FAST_COLLS];
    /* retryable writes' sessions (sct_fast_session), one table for every loop: a retry arriving on another
     * loop than its first attempt finds the same entry (and the first attempt's row: the second's insert of
     * it fails, rolling the retry back to JS) */
    pthread_mutex_t sess_mu;
    struct fast_sess sessions[FAST_SESSIONS];
    struct sct_io *ios[FAST_LOOPS];
    int n_ios;
};

struct fast {
    pthread_mutex_t mu;
    struct fast_shared *sh;
    WT_SESSION *session;
    struct fast_coll colls[FAST_COLLS];
    uint32_t n_colls;
    _Atomic uint32_t flags;
    int clock_held; /* this loop holds sh->clock_mu: from a write's tick to its commit (fast_tick) */
    /* a write here committed without writing its log to the OS (io_fast_write.c: set before the commit,
     * cleared once io_fast_release wrote it); while set no reply leaves this process (see there) */
    _Atomic int log_unwritten;
    int logged; /* the connection's commits write its log (not in_memory): writes here take part in the above */
    _Atomic uint64_t time; /* the cluster time replies carry: seconds << 32 | increment */
    uint32_t gen;          /* connections' grants are valid while theirs is this (never 0) */
    struct fast_tmpl ping, tail, update; /* update: the whole reply of one document updated */
    char *oplog_uri; /* the oplog's entries table (sct_fast_oplog); NULL: no updates */
    WT_CURSOR *oplog;
    int oplog_held;
    /* retryable updates: the sessions, the rows' table (sct_fast_retry_table) and the row template
     * (which 3: at[0] the txnNumber, at[1] lastUse, 8 bytes each) */
    char *retry_uri;
    WT_CURSOR *retry;
    int retry_held;
    struct fast_tmpl row;
    struct fast_tmpl deleted, del_row; /* a delete's reply (which 4) and retryable row (which 5) */
    /* findAndModify's replies and rows (io_fast_fam.c): of an update (which 6, 7), of a remove (8, 9) */
    struct fast_tmpl fam_upd, fam_upd_row, fam_del, fam_del_row;
    /* a findAndModify's reply made inside its write (fast_fam_out: its document copied in before the
     * write lets go of the record), taken by fast_write_txn; fam_doc its document's bytes there */
    struct out *fam_out;
    const uint8_t *fam_doc;
    uint32_t fam_doc_len;
    struct fast_entry log[FAST_LOG_CAP];
    _Atomic uint32_t head, tail_n; /* entries produced / taken (mod 2^32) */
    int32_t reply_id;
    uint8_t *batch; /* an indexed find's firstBatch elements, as they are read (under mu) */
    /* a write's oplog entry (0) and an update's new record (1), reused (fast_scratch: a ~1 KB malloc and
     * free per write were ~4 % of the I/O thread under 16 connections' inserts, glibc consolidating) */
    uint8_t *scratch[2];
    size_t batch_cap;
};

/* One BSON element of a request. */
struct el {
    uint8_t type;
    const char *name;
    uint32_t name_len;
    const uint8_t *val;
    uint32_t len;
};

/* A request of a shape served here (io_fast_parse.c fast_parse). */
struct fast_req {
    int kind; /* FAST_FIND, FAST_PING, FAST_UPDATE, FAST_DELETE or FAST_INSERT */
    const char *coll, *db;
    uint32_t coll_len, db_len;
    struct el filter; /* the filter's one element (an update's: q's `_id`) */
    struct el args[FAST_UP_FIELDS]; /* an update's fields with `$inc`'s amounts or `$set`'s values, in path
                                     * order (io_fast_update.c) */
    uint8_t set[FAST_UP_FIELDS];     /* args[k] is a `$set`'s (else an `$inc`'s) */
    int n_args;
    const uint8_t *doc; /* an insert's document (doc_len bytes) */
    uint32_t doc_len;
    struct el sort;   /* sort's one element (its value 1), when has_sort */
    int has_sort;
    int32_t limit, batch_size; /* 0: not given (limit 0 is none, as JS reads it) */
    int single;                /* singleBatch: true */
    const uint8_t *lsid;
    uint64_t after; /* readConcern.afterClusterTime (seconds << 32 | increment), 0 when not given */
    int64_t txn_number; /* an update's txnNumber, when has_txn */
    int has_txn;
    int bypass; /* a write's bypassDocumentValidation: true */
    int fam;     /* a findAndModify (kind FAST_UPDATE or FAST_DELETE: its update or remove form) */
    int fam_new; /* its `new: true`: the document after the update is returned */
    uint32_t fam_seen; /* its fields seen (io_fast_fam.c FAM_*) */
    int fam_remove, fam_upsert, fam_update;
    /* its `fields` (a projection of top-level names: all included or all excluded, `_id` either way),
     * when fam_project; fam_include: an inclusion, fam_id: `_id` kept */
    struct el fam_fields;
    int fam_project, fam_include, fam_id;
    int32_t request_id;
};

static inline int32_t rd32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline int name_is(const struct el *e, const char *s)
{
    size_t n = strlen(s);
    return e->name_len == n && memcmp(e->name, s, n) == 0;
}

/* io_fast_bson.c */
IO_INTERNAL int next_el(const uint8_t **pp, const uint8_t *end, struct el *e);
IO_INTERNAL int utf8_ok(const uint8_t *s, size_t n);
IO_INTERNAL int plain_string(const struct el *e, const uint8_t **s, uint32_t *n);
IO_INTERNAL int valid_doc(const uint8_t *d, uint32_t len, int depth);
IO_INTERNAL size_t scalar_key(const struct el *v, uint8_t *out);
IO_INTERNAL size_t fast_small_int(int64_t v, uint8_t *out);

/* io_fast_geo.c */
IO_INTERNAL size_t fast_point_key(const struct el *v, uint8_t *out);

/* io_fast_text.c */
IO_INTERNAL struct fast_text *fast_text_new(double weight);
IO_INTERNAL void fast_text_free(struct fast_text *t);
IO_INTERNAL int fast_text_keys(const struct fast_wix *w, const uint8_t *s, uint32_t n,
  uint8_t (*keys)[FAST_TEXT_KEY_MAX], size_t *klen);

/* io_fast_canonical.c */
/* 1 when the document d (len bytes) is one the command layer stores exactly as sent (raw_source.ts
 * validAndCanonical's rules, nesting at most max_depth levels counting d's own, as validAndCanonical's
 * maxDepth counts them), else 0 (JS decides). */
IO_INTERNAL int fast_canonical_doc(const uint8_t *d, uint32_t len, int max_depth);

/* io_fast_parse.c */
IO_INTERNAL int fast_parse(const uint8_t *msg, uint32_t len, struct fast_req *r);

/* io_fast_write.c (its helpers shared with io_fast_delete.c: under f->mu; fast_tick under clock_mu) */
IO_INTERNAL struct fast_sess *fast_retryable_session(struct fast *f, const struct fast_req *r);
IO_INTERNAL int fast_write_row(struct fast *f, const struct fast_tmpl *tmpl, struct fast_sess *s,
  const struct fast_req *r, uint64_t wall);
IO_INTERNAL uint64_t fast_wall_ms(void);
IO_INTERNAL void fast_wake_loops(struct fast *f);
IO_INTERNAL uint64_t fast_tick(struct fast *f);
IO_INTERNAL uint8_t *fast_put_bytes(uint8_t *p, const void *b, size_t n);
IO_INTERNAL uint8_t *fast_put_tail(uint8_t *p, uint64_t ts, uint64_t wall);
IO_INTERNAL uint8_t *fast_put_id_doc(uint8_t *p, const char *head, size_t head_len, const uint8_t *id,
  uint32_t id_len);
IO_INTERNAL int fast_find_record(struct fast_coll *c, const struct fast_req *r, WT_ITEM *k, int64_t *rid, WT_ITEM *v);

/* A write made in fast_write_txn's transaction: 1, or 0 / FAST_REFUSED (rolled back). */
typedef int (*fast_write_fn)(struct fast *f, struct fast_coll *c, const struct fast_req *r, struct fast_sess *sess,
  uint64_t *ts);
IO_INTERNAL int fast_write_txn(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r,
  const struct fast_tmpl *tmpl, uint32_t kind, fast_write_fn write, struct out **o, struct fast_entry *entry);
IO_INTERNAL int fast_insert_oplog(struct fast *f, uint64_t ts, const uint8_t *entry, uint32_t len);
IO_INTERNAL uint8_t *fast_scratch(struct fast *f, int which, size_t n);
IO_INTERNAL void fast_scratch_done(struct fast *f, int which, uint8_t *p);
IO_INTERNAL int fast_log_write(struct fast *f, const struct fast_req *r, struct fast_sess *sess,
  const struct fast_tmpl *row, uint64_t ts, uint64_t wall, uint8_t *entry, uint32_t len);

/* io_fast_delete.c */
IO_INTERNAL int fast_delete_statement(const uint8_t *d, uint32_t len, struct fast_req *r);
IO_INTERNAL int fast_serve_delete(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r,
  struct out **o, struct fast_entry *entry);
IO_INTERNAL void fast_close_deletes(struct fast_coll *c);

/* io_fast_insert.c */
IO_INTERNAL int fast_serve_insert(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r,
  struct out **o, struct fast_entry *entry);
IO_INTERNAL void fast_close_inserts(struct fast_coll *c);
IO_INTERNAL void fast_close_wix(struct fast_coll *c);
IO_INTERNAL int fast_set_wix(struct fast_coll *c, const char *names, int names_len, const char *uris, int uris_len,
  int n, const uint8_t *kinds, double text_weight, const char *text_override);
IO_INTERNAL int fast_wix_keys(struct fast *f, struct fast_coll *c, const uint8_t *doc, uint32_t len,
  uint8_t (*keys)[FAST_KEY_MAX], size_t *klen, struct fast_text_out **text);
IO_INTERNAL int fast_register_write(struct sct_io *io, int slot, int deletes, const uint8_t *prefix, int prefix_len,
  const char *names, int names_len, const char *uris, int uris_len, int n, const uint8_t *kinds, double text_weight,
  const char *text_override);
IO_INTERNAL int fast_wix_remove(struct fast_coll *c, uint32_t i, const uint8_t *key, size_t klen, int64_t rid);
IO_INTERNAL int fast_entry_remove(WT_CURSOR *cur, const uint8_t *key, size_t klen, int64_t rid);
IO_INTERNAL int fast_entry_put(WT_CURSOR *cur, const uint8_t *key, size_t klen, int unique, int64_t rid);
IO_INTERNAL size_t fast_update_key(const struct el *v, uint8_t *out);
IO_INTERNAL int fast_set_uix(struct fast_coll *c, const char *names, int names_len, const char *uris, int uris_len,
  int n);
IO_INTERNAL void fast_close_wix_cursors(struct fast_coll *c);
IO_INTERNAL int fast_wix_uses(const struct fast_coll *c, const char *uri);

/* io_fast_keys.c */
IO_INTERNAL int fast_wix_parts(struct fast_wix *w);
IO_INTERNAL uint8_t fast_wix_kind_of(const char *name);
IO_INTERNAL int fast_wix_reads(const struct fast_wix *w, const char *name, uint32_t n);
IO_INTERNAL size_t fast_doc_key(const uint8_t *doc, uint32_t len, const struct fast_wix *w, uint8_t *out);

/* io_fast_fam.c */
IO_INTERNAL int fast_fam_out(struct fast *f, const struct fast_req *r, const uint8_t *doc, uint32_t len);
IO_INTERNAL void fast_fam_times(struct out *o, const struct fast_tmpl *t, uint32_t doc_len, uint64_t time);
IO_INTERNAL void fast_fam_splice(uint8_t *out, const struct fast_tmpl *t, const uint8_t *doc, uint32_t len);
IO_INTERNAL uint32_t fast_fam_at(const struct fast_tmpl *t, uint32_t k, uint32_t doc_len);
IO_INTERNAL int fast_fam_field(const struct el *e, struct fast_req *r, uint32_t *seen);
IO_INTERNAL int fast_fam_done(struct fast_req *r);
IO_INTERNAL int fast_fam_template(struct fast_tmpl *t, int row);
IO_INTERNAL int fast_update_ops(const struct el *u, struct fast_req *r);

/* io_fast_dup.c */
IO_INTERNAL struct out *fast_dup_reply(struct fast *f, uint32_t id, const struct fast_req *r, uint64_t time);

/* io_fast_update.c */
IO_INTERNAL int fast_update_statement(const uint8_t *d, uint32_t len, struct fast_req *r);

/* io_fast_write.c */
IO_INTERNAL int fast_unsafe_field(const struct fast_coll *c, const char *name, uint32_t n);
IO_INTERNAL int fast_update_field(const struct el *e, struct fast_req *r, uint32_t *seen);
IO_INTERNAL int fast_statement(const uint8_t *d, uint32_t len, struct fast_req *r, uint32_t *seen);
IO_INTERNAL const char *fast_statements_name(int kind);
IO_INTERNAL int fast_serve_update(struct fast *f, struct fast_coll *c, uint32_t id, const struct fast_req *r,
  struct out **o, struct fast_entry *entry);
IO_INTERNAL void fast_close_writes(struct fast_coll *c);

/* io_fast_update_value.c */
/* The new value of stored element `old` (type t) after $inc by `by`, written to out (as many bytes as
 * the old value, same type): 1, or 0 when this path does not make it (JS's). */
IO_INTERNAL int fast_inc_value(uint8_t t, const uint8_t *old, const struct el *by, uint8_t *out);
/* Whether $inc of a missing field by `by` is made here (the field is then `by` itself): 1, or 0 (JS's). */
IO_INTERNAL int fast_inc_new_value(const struct el *by);
/* Whether $set's value v is one written here as it came (an int32, int64, double but NaN, boolean, null,
 * a date a JS Date holds, or a plain UTF-8 string): 1, or 0 (JS's). */
IO_INTERNAL int fast_set_value(const struct el *v);
/* Whether $set of a field stored as `old` to the taken value v leaves it unchanged to JS (nModified 0), or
 * `old` is a type JS's scalar patch does not read: 1 (JS's), or 0 (a change made here). */
IO_INTERNAL int fast_set_unchanged(const struct el *old, const struct el *v);

/* io_fast.c */
IO_INTERNAL struct out *fast_reply_out(struct fast *f, uint32_t id, uint32_t body_len, int32_t request_id);
IO_INTERNAL void fast_put_time(uint8_t *out, const struct fast_tmpl *t, uint64_t time);
IO_INTERNAL int fast_begin(struct fast *f, struct fast_coll *c, WT_CURSOR **ic, const char *iuri);
IO_INTERNAL struct out *fast_find_reply(struct fast *f, uint32_t id, const struct fast_req *r,
  const uint8_t *head, uint32_t head_len, const uint8_t *doc, uint32_t doc_len, uint64_t time);

/* io_fast_index.c */
IO_INTERNAL struct fast_field *fast_field_of(struct fast_coll *c, const struct fast_req *r);
IO_INTERNAL int fast_serve_indexed(struct fast *f, struct fast_coll *c, struct fast_field *fd, uint32_t id,
  const struct fast_req *r, uint64_t time, struct out **o, struct fast_entry *entry);
IO_INTERNAL void fast_close_field(struct fast_field *fd);

#endif
