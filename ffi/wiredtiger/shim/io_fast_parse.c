/*
 * io_fast_parse.c — the request shapes the frame I/O thread answers (io_fast.c): a whole OP_MSG walked
 * once, its fields checked to be ones a shape takes, in a form the command layer would read the same
 * way. A write's one statement may also come as the OP_MSG's second section, a document sequence (as PyMongo
 * sends every insert, update and delete). Anything else (another field, a duplicate, an OP_MSG flag, another
 * section, an element type the walk does not know) leaves the request to JS untouched: C never refuses a
 * request.
 */
#define _GNU_SOURCE
#include "io_fast.h"

/* The generic fields both shapes take; 1 taken, 0 not one of them, -1 one of them in a form JS must see. */
static int generic_field(const struct el *e, struct fast_req *r, uint32_t *seen)
{
    if (name_is(e, "$db")) {
        const uint8_t *s;
        uint32_t n;
        if ((*seen & 1) || !plain_string(e, &s, &n) || n == 0)
            return -1;
        *seen |= 1;
        r->db = (const char *)s;
        r->db_len = n;
        return 1;
    }
    if (name_is(e, "lsid")) {
        if ((*seen & 2) || e->type != 0x03)
            return -1;
        *seen |= 2;
        const uint8_t *p = e->val + 4, *end = e->val + e->len;
        struct el id;
        if (next_el(&p, end, &id) != 1 || !name_is(&id, "id") || id.type != 0x05 || rd32(id.val) != 16 ||
          id.val[4] != 4 || next_el(&p, end, &id) != 0)
            return -1;
        r->lsid = id.val + 5;
        return 1;
    }
    if (name_is(e, "$clusterTime") || name_is(e, "$readPreference")) {
        uint32_t bit = name_is(e, "$clusterTime") ? 4 : 8;
        if ((*seen & bit) || e->type != 0x03 || !valid_doc(e->val, e->len, 0))
            return -1;
        *seen |= bit;
        return 1;
    }
    if (name_is(e, "maxTimeMS")) {
        if ((*seen & 16) || e->type != 0x10 || rd32(e->val) < 0)
            return -1;
        *seen |= 16;
        return 1;
    }
    if (name_is(e, "comment")) {
        if (*seen & 32)
            return -1;
        if ((e->type == 0x03 || e->type == 0x04) && !valid_doc(e->val, e->len, 0))
            return -1;
        if (e->type == 0x02 && !utf8_ok(e->val + 4, e->len - 5))
            return -1;
        *seen |= 32;
        return 1;
    }
    if (name_is(e, "readConcern")) {
        /* a causally consistent session's read: {afterClusterTime: <Timestamp>}, level absent or local */
        if ((*seen & 512) || e->type != 0x03)
            return -1;
        *seen |= 512;
        const uint8_t *p = e->val + 4, *end = e->val + e->len;
        struct el x;
        int rc, after = 0;
        while ((rc = next_el(&p, end, &x)) == 1) {
            if (name_is(&x, "afterClusterTime") && x.type == 0x11 && !after) {
                memcpy(&r->after, x.val, 8); /* (increment, then seconds: seconds << 32 | increment) */
                after = 1;
            } else if (!(name_is(&x, "level") && x.type == 0x02 && x.len == 10 && memcmp(x.val + 4, "local", 6) == 0))
                return -1;
        }
        return rc == 0 && after ? 1 : -1;
    }
    return 0;
}

/* After a write's body, the OP_MSG's one other section [p, end): a document sequence (kind 1) of its
 * statements' field holding one statement (as PyMongo sends every insert, update and delete): 1 taken,
 * 0 JS's (any other section, several, a statement the body has too). */
static int write_sequence(const uint8_t *p, const uint8_t *end, struct fast_req *r, uint32_t *seen)
{
    if (r->kind != FAST_UPDATE && r->kind != FAST_DELETE && r->kind != FAST_INSERT)
        return 0;
    if (end - p < 1 + 4 + 1 + 5 || p[0] != 1 || (uint32_t)rd32(p + 1) != (uint32_t)(end - p - 1))
        return 0;
    const char *name = fast_statements_name(r->kind);
    size_t n = strlen(name);
    const uint8_t *d = p + 5;
    if ((size_t)(end - d) < n + 1 + 5 || memcmp(d, name, n) != 0 || d[n] != 0)
        return 0;
    d += n + 1;
    uint32_t dl = (uint32_t)rd32(d);
    if (dl < 5 || dl != (uint32_t)(end - d) || d[dl - 1] != 0)
        return 0; /* (one document exactly) */
    return fast_statement(d, dl, r, seen) == 1;
}

/* 1 when msg is a request of a shape served here (r filled), else 0. */
int fast_parse(const uint8_t *msg, uint32_t len, struct fast_req *r)
{
    if (len < 21 + 5 || rd32(msg + 12) != 2013 || rd32(msg + 16) != 0 || msg[20] != 0)
        return 0;
    const uint8_t *doc = msg + 21;
    uint32_t body = (uint32_t)rd32(doc);
    if (body < 5 || body > len - 21 || doc[body - 1] != 0)
        return 0;
    memset(r, 0, sizeof *r);
    r->request_id = rd32(msg + 4);
    const uint8_t *p = doc + 4, *end = doc + body;
    struct el e;
    if (next_el(&p, end, &e) != 1)
        return 0;
    uint32_t seen = 0;
    if (name_is(&e, "find")) {
        const uint8_t *s;
        uint32_t n;
        if (!plain_string(&e, &s, &n) || n == 0)
            return 0;
        r->kind = FAST_FIND;
        r->coll = (const char *)s;
        r->coll_len = n;
    } else if (name_is(&e, "update") || name_is(&e, "delete") || name_is(&e, "insert")) {
        const uint8_t *s;
        uint32_t n;
        if (!plain_string(&e, &s, &n) || n == 0)
            return 0;
        r->kind = name_is(&e, "update") ? FAST_UPDATE : name_is(&e, "delete") ? FAST_DELETE : FAST_INSERT;
        r->coll = (const char *)s;
        r->coll_len = n;
    } else if (name_is(&e, "findAndModify")) {
        const uint8_t *s;
        uint32_t n;
        if (!plain_string(&e, &s, &n) || n == 0)
            return 0;
        r->kind = FAST_UPDATE; /* (or FAST_DELETE: its form is known at the end, fast_fam_done) */
        r->fam = 1;
        r->coll = (const char *)s;
        r->coll_len = n;
    } else if (name_is(&e, "ping")) {
        if (e.type != 0x10 && e.type != 0x01 && e.type != 0x08 && e.type != 0x12)
            return 0;
        r->kind = FAST_PING;
    } else
        return 0;
    int filter = 0;
    int rc;
    while ((rc = next_el(&p, end, &e)) == 1) {
        int g = generic_field(&e, r, &seen);
        if (g < 0)
            return 0;
        if (g > 0)
            continue;
        if (r->fam) {
            if (fast_fam_field(&e, r, &seen) < 0)
                return 0;
            continue;
        }
        if (r->kind == FAST_UPDATE || r->kind == FAST_DELETE || r->kind == FAST_INSERT) {
            if (fast_update_field(&e, r, &seen) < 0)
                return 0;
            continue;
        }
        if (r->kind != FAST_FIND)
            return 0;
        if (name_is(&e, "filter")) {
            if (filter || e.type != 0x03)
                return 0;
            const uint8_t *q = e.val + 4, *qend = e.val + e.len;
            if (next_el(&q, qend, &r->filter) != 1 || r->filter.name_len == 0 || next_el(&q, qend, &e) != 0)
                return 0;
            filter = 1;
        } else if (name_is(&e, "sort")) {
            if (r->has_sort || e.type != 0x03)
                return 0;
            const uint8_t *q = e.val + 4, *qend = e.val + e.len;
            if (next_el(&q, qend, &r->sort) != 1 || next_el(&q, qend, &e) != 0)
                return 0;
            struct el *v = &r->sort;
            double d;
            if (v->type == 0x01)
                memcpy(&d, v->val, 8);
            int one = (v->type == 0x10 && rd32(v->val) == 1) || (v->type == 0x01 && d == 1.0) ||
              (v->type == 0x12 && v->val[0] == 1 && !memcmp(v->val + 1, "\0\0\0\0\0\0", 7));
            if (!one)
                return 0; /* a descending or $meta sort: JS's */
            r->has_sort = 1;
        } else if (name_is(&e, "limit")) {
            if ((seen & 64) || e.type != 0x10 || rd32(e.val) < 0)
                return 0;
            seen |= 64;
            r->limit = rd32(e.val);
        } else if (name_is(&e, "batchSize")) {
            if ((seen & 128) || e.type != 0x10 || rd32(e.val) < 1)
                return 0;
            seen |= 128;
            r->batch_size = rd32(e.val);
        } else if (name_is(&e, "singleBatch")) {
            if ((seen & 256) || e.type != 0x08)
                return 0;
            seen |= 256;
            r->single = e.val[0] == 1;
        } else
            return 0;
    }
    if (rc != 0 || !(seen & 1))
        return 0;
    if (r->fam) /* (one section; no readConcern) */
        return body == len - 21 && !(seen & 512) && fast_fam_done(r);
    if (body < len - 21 && !write_sequence(doc + body, msg + len, r, &seen))
        return 0;
    if (r->kind == FAST_PING && (r->db_len != 5 || memcmp(r->db, "admin", 5) != 0))
        return 0; /* top counts a ping under <db>.$cmd: only admin's is kept in the log */
    if (r->kind != FAST_FIND && (seen & 512))
        return 0; /* readConcern: a find's alone */
    if (r->kind == FAST_UPDATE || r->kind == FAST_DELETE || r->kind == FAST_INSERT)
        return (seen & FAST_SEEN_UPDATES) != 0; /* (their statements: updates, deletes, documents) */
    return r->kind == FAST_PING || filter;
}
