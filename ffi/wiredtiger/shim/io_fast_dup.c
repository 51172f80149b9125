/*
 * io_fast_dup.c — the reply to an insert of one document that the `_id_` index refuses, made on the frame
 * I/O thread (issue 18: a duplicate key answered by the command layer cost ~120 µs of JS, on the core the
 * I/O thread shares; io_fast_insert.c makes the insert itself).
 *
 * When the `_id_` entry's insert fails with WT_DUPLICATE_KEY (a committed document of that `_id` in the
 * write's snapshot; an invisible one is a conflict, JS's), the transaction is rolled back and the reply is
 * what insert.ts and storage_errors.ts give for it: `{n: 0, ok: 1, writeErrors: [{index: 0, code: 11000,
 * errmsg: "E11000 duplicate key error collection: <db>.<coll> index: _id_ dup key: { _id: <value> }",
 * keyPattern: {_id: 1}, keyValue: {_id: <value>}}]}` and the cluster time of JS's write templates, the
 * key's text as format_value.ts renders it — for every `_id` scalar_key keys (an int32, an int64 or an
 * integral double below 1e15, an ObjectId, a string), so any insert made here has it. Never for a
 * retryable write (its session state is JS's). JS's bookkeeping (opcounters, top, latency) comes from the log entry
 * (KIND_INSERT_REFUSED).
 */
#define _GNU_SOURCE
#include "io_fast.h"
#include <inttypes.h>
#include <stdio.h>

/* The longest rendered value: a string of FAST_STRING_MAX bytes, each escaped as \u00XX, and its quotes. */
#define SHOWN_MAX (6 * FAST_STRING_MAX + 2)

/* v as format_value.ts shows it (JSON.stringify for a string), into out: its length, or 0 (not rendered
 * here). */
static size_t shown(const struct el *v, char *out)
{
    switch (v->type) {
    case 0x10:
        return (size_t)sprintf(out, "%" PRId32, rd32(v->val));
    case 0x12: {
        int64_t x;
        memcpy(&x, v->val, 8);
        return (size_t)sprintf(out, "%" PRId64, x);
    }
    case 0x01: {
        double d;
        memcpy(&d, v->val, 8);
        if (!(d < 1e15 && d > -1e15) || d != (double)(int64_t)d)
            return 0;
        return (size_t)sprintf(out, "%" PRId64, (int64_t)d); /* (-0 shows as 0, as String(-0) does) */
    }
    case 0x07: {
        size_t o = (size_t)sprintf(out, "ObjectId('");
        for (int i = 0; i < 12; i++)
            o += (size_t)sprintf(out + o, "%02x", v->val[i]);
        return o + (size_t)sprintf(out + o, "')");
    }
    case 0x02: {
        const uint8_t *s = v->val + 4;
        uint32_t n = v->len - 5;
        if (n > FAST_STRING_MAX)
            return 0;
        size_t o = 0;
        out[o++] = '"';
        for (uint32_t i = 0; i < n; i++) {
            uint8_t ch = s[i];
            const char *esc = ch == '"' ? "\\\"" : ch == '\\' ? "\\\\" : ch == '\b' ? "\\b" : ch == '\f' ? "\\f"
                            : ch == '\n' ? "\\n" : ch == '\r' ? "\\r" : ch == '\t' ? "\\t" : NULL;
            if (esc) {
                memcpy(out + o, esc, 2);
                o += 2;
            } else if (ch < 0x20)
                o += (size_t)sprintf(out + o, "\\u%04x", ch);
            else
                out[o++] = (char)ch; /* (UTF-8 checked by scalar_key: JSON.stringify keeps it as it is) */
        }
        out[o++] = '"';
        return o;
    }
    default:
        return 0;
    }
}

static uint8_t *put_i32(uint8_t *p, const char *name, int32_t v)
{
    *p++ = 0x10;
    p = fast_put_bytes(p, name, strlen(name) + 1);
    return fast_put_bytes(p, &v, 4);
}

/*
 * The reply to insert r (its document's first element the refused `_id`), with the cluster time `time`,
 * in an out-queue record for connection `id`; NULL when it is not made here (no template, a value not
 * rendered, no memory). Under f->mu.
 */
struct out *fast_dup_reply(struct fast *f, uint32_t id, const struct fast_req *r, uint64_t time)
{
    const struct fast_tmpl *t = &f->deleted; /* {n: 1, ok: 1, <cluster time>} */
    const uint8_t *p = r->doc + 4, *end = r->doc + r->doc_len;
    struct el idel, n, ok;
    char text[SHOWN_MAX];
    size_t text_len;
    if (t->len < 5 || next_el(&p, end, &idel) != 1 || !name_is(&idel, "_id") || !(text_len = shown(&idel, text)))
        return NULL;
    const uint8_t *tp = t->bytes + 4, *tend = t->bytes + t->len - 1;
    if (next_el(&tp, tend, &n) != 1 || !name_is(&n, "n") || n.type != 0x10 || next_el(&tp, tend, &ok) != 1 ||
      !name_is(&ok, "ok"))
        return NULL;
    const uint8_t *el = (const uint8_t *)idel.name - 1;
    uint32_t el_len = (uint32_t)(idel.val + idel.len - el);
    /* the template up to the end of `ok`, then writeErrors, then the template's rest (its times) */
    uint32_t head = (uint32_t)(ok.val + ok.len - t->bytes);
    char msg[128 + 2 * 256 + SHOWN_MAX];
    int ml = snprintf(msg, sizeof msg, "E11000 duplicate key error collection: %.*s.%.*s index: _id_ dup key: { _id: %.*s }",
      (int)r->db_len, r->db, (int)r->coll_len, r->coll, (int)text_len, text);
    if (ml < 0 || (size_t)ml >= sizeof msg)
        return NULL;
    uint32_t err_len = 4 + 11 + 10 + (1 + 7 + 4 + (uint32_t)ml + 1) + (1 + 11 + 4 + 9 + 1) + (1 + 9 + 4 + el_len + 1) + 1;
    uint32_t arr_len = 4 + 3 + err_len + 1;
    uint32_t we = 1 + 12 + arr_len;
    uint32_t body = t->len + we;
    struct out *o = fast_reply_out(f, id, body, r->request_id);
    if (!o)
        return NULL;
    uint8_t *b = o->data + 21, *w = b;
    w = fast_put_bytes(w, &body, 4);
    w = fast_put_bytes(w, t->bytes + 4, head - 4);
    memset(b + (n.val - t->bytes), 0, 4); /* n: 0 */
    *w++ = 0x04;
    w = fast_put_bytes(w, "writeErrors", 12);
    w = fast_put_bytes(w, &arr_len, 4);
    *w++ = 0x03;
    w = fast_put_bytes(w, "0", 2);
    w = fast_put_bytes(w, &err_len, 4);
    w = put_i32(w, "index", 0);
    w = put_i32(w, "code", 11000);
    *w++ = 0x02;
    w = fast_put_bytes(w, "errmsg", 7);
    uint32_t sl = (uint32_t)ml + 1;
    w = fast_put_bytes(w, &sl, 4);
    w = fast_put_bytes(w, msg, sl); /* (with its NUL) */
    static const uint8_t id_one[] = {0x10, '_', 'i', 'd', 0, 1, 0, 0, 0};
    w = fast_put_id_doc(w, "\x03keyPattern", 12, id_one, sizeof id_one);
    w = fast_put_id_doc(w, "\x03keyValue", 10, el, el_len);
    *w++ = 0; /* the error */
    *w++ = 0; /* the array */
    w = fast_put_bytes(w, t->bytes + head, t->len - head);
    for (uint32_t k = 0; k < t->n_at; k++) { /* the template's times, past writeErrors */
        uint32_t at = t->at[k] >= head ? t->at[k] + we : t->at[k];
        uint32_t inc = (uint32_t)time, secs = (uint32_t)(time >> 32);
        memcpy(b + at, &inc, 4);
        memcpy(b + at + 4, &secs, 4);
    }
    return o;
}
