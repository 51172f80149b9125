/*
 * SecantusDB WiredTiger shim: scalar BSON values in MongoDB's order and a simple `$match` conjunction
 * on stored bytes (issue 18), for the `$group` fold (wt_group.c): `$min`/`$max` compare with
 * sct_val_cmp, a leading `$match` filters records with sct_filter_match inside the same walk.
 *
 * One definition of the order, that of JS `compareValues` (bson/compare.ts) for the types handled here:
 * brackets null < numbers < strings < ObjectIds < booleans < dates; numbers by value (NaN lowest and
 * equal to itself, -0 = 0, int64 against double exactly), strings by UTF-8 bytes (= code points).
 *
 * The match semantics are those of the JS matcher (engine/query/value_tests.ts): equality and `$in`
 * within a bracket, null equal to null and missing; `$lt $lte $gt $gte` only within the operand's
 * bracket, NaN matched only by the inclusive ones against a NaN operand, a null operand matching
 * null/missing when inclusive and nothing otherwise; `$exists`. Paths have the JS matcher's array
 * semantics (engine/path/field_path.ts, mongod's element iterator): through arrays of sub-documents,
 * onto an array (the array whole, then each element: one level), a numeric component addressing an
 * element; a term holds when any value reached passes, `$ne`/`$nin`/`$exists: false` when none does.
 * An array or a sub-document reached is in no scalar operand's bracket. A value of another type
 * (decimal, undefined, …) answers "cannot tell" (-1) unless another value decides: the record goes to
 * the JS matcher.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wt_match.h"
#include "wt_project.h"

int
sct_valid_utf8(const uint8_t *s, int64_t n)
{
    int64_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int need;
        uint32_t cp, min;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else
            return 0;
        if (i + need >= n) /* bytes i+1 .. i+need must exist */
            return 0;
        for (int k = 1; k <= need; k++) {
            uint8_t d = s[i + k];
            if ((d & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (d & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += need + 1;
    }
    return 1;
}

int
sct_val_of(uint8_t t, const uint8_t *p, int64_t vlen, sct_val *out)
{
    memset(out, 0, sizeof(*out));
    switch (t) {
    case 0x0a:
        out->cls = C_NULL;
        return 0;
    case 0x01:
        out->cls = C_NUM;
        memcpy(&out->d, p, 8);
        return 0;
    case 0x10: {
        int32_t x;
        memcpy(&x, p, 4);
        out->cls = C_NUM;
        out->isint = 1;
        out->i = x;
        return 0;
    }
    case 0x12:
        out->cls = C_NUM;
        out->isint = 1;
        memcpy(&out->i, p, 8);
        return 0;
    case 0x02: {
        int32_t n;
        memcpy(&n, p, 4);
        if (n < 1 || (int64_t)n + 4 > vlen)
            return -1;
        out->s = p + 4;
        out->slen = (uint32_t)(n - 1);
        if (out->slen >= 3 && out->s[0] == 0xef && out->s[1] == 0xbb && out->s[2] == 0xbf)
            return -1; /* the JS decoder strips a leading BOM */
        if (!sct_valid_utf8(out->s, out->slen))
            return -1;
        out->cls = C_STR;
        return 0;
    }
    case 0x07:
        out->cls = C_OID;
        out->s = p;
        out->slen = 12;
        return 0;
    case 0x08:
        if (p[0] > 1)
            return -1;
        out->cls = C_BOOL;
        out->i = p[0];
        return 0;
    case 0x09:
        memcpy(&out->i, p, 8);
        if (out->i > 8640000000000000LL || out->i < -8640000000000000LL)
            return -1; /* not a valid JS Date */
        out->cls = C_DATE;
        return 0;
    default:
        return -1;
    }
}

/* int64 i against double d (not NaN), exactly. */
static int
cmp_int_dbl(int64_t i, double d)
{
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double t = trunc(d);
    int64_t di = (int64_t)t;
    if (i != di)
        return i < di ? -1 : 1;
    double frac = d - t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static int
cmp_num(const sct_val *a, const sct_val *b)
{
    if (a->isint && b->isint)
        return a->i < b->i ? -1 : a->i > b->i ? 1 : 0;
    int an = !a->isint && isnan(a->d);
    int bn = !b->isint && isnan(b->d);
    if (an || bn)
        return an && bn ? 0 : an ? -1 : 1;
    if (!a->isint && !b->isint)
        return a->d < b->d ? -1 : a->d > b->d ? 1 : 0;
    if (a->isint)
        return cmp_int_dbl(a->i, b->d);
    return -cmp_int_dbl(b->i, a->d);
}

int
sct_val_cmp_same(const sct_val *a, const sct_val *b)
{
    switch (a->cls) {
    case C_NUM:
        return cmp_num(a, b);
    case C_STR:
    case C_OID: {
        uint32_t n = a->slen < b->slen ? a->slen : b->slen;
        int c = n ? memcmp(a->s, b->s, n) : 0;
        if (c != 0)
            return c < 0 ? -1 : 1;
        return a->slen == b->slen ? 0 : a->slen < b->slen ? -1 : 1;
    }
    case C_BOOL:
    case C_DATE:
        return a->i < b->i ? -1 : a->i > b->i ? 1 : 0;
    default:
        return 0;
    }
}

int
sct_val_cmp(const sct_val *a, const sct_val *b)
{
    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    return sct_val_cmp_same(a, b);
}

static int
is_nan(const sct_val *v)
{
    return v->cls == C_NUM && !v->isint && isnan(v->d);
}

void
sct_filter_free(sct_filter *f)
{
    for (int32_t i = 0; i < f->nterms; i++)
        free(f->term[i].vals);
    free(f->buf);
    memset(f, 0, sizeof(*f));
}

/* An array index path component ("0", "12"; not "01", "-1" nor past 9 digits): its value, else -1. */
static int32_t
index_component(const uint8_t *s, uint32_t n)
{
    if (n == 0 || n > 9 || (s[0] == '0' && n > 1))
        return -1;
    int32_t x = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (s[i] - '0');
    }
    return x;
}

static int
rd_u32(const uint8_t *b, int32_t len, int32_t *at, uint32_t *out)
{
    if (*at + 4 > len)
        return -1;
    memcpy(out, b + *at, 4);
    *at += 4;
    return 0;
}

int
sct_filter_parse(sct_filter *f, const uint8_t *packed, int32_t len, int32_t nterms)
{
    memset(f, 0, sizeof(*f));
    if (nterms < 0 || nterms > SCT_MATCH_TERMS_MAX || len < 0)
        return -1;
    f->buf = malloc(len > 0 ? (size_t)len : 1);
    if (f->buf == NULL)
        return -1;
    if (len > 0)
        memcpy(f->buf, packed, (size_t)len);
    const uint8_t *b = f->buf;
    int32_t at = 0;
    for (int32_t i = 0; i < nterms; i++) {
        sct_term *t = &f->term[i];
        f->nterms = i + 1;
        if (at + 2 > len)
            goto bad;
        t->op = b[at];
        t->nparts = b[at + 1];
        at += 2;
        if (t->op < M_IN || t->op > M_NIN || t->nparts < 1 || t->nparts > SCT_MATCH_PARTS_MAX)
            goto bad;
        for (int32_t k = 0; k < t->nparts; k++) {
            uint32_t n;
            if (rd_u32(b, len, &at, &n) != 0 || n > (uint32_t)(len - at))
                goto bad;
            t->part[k] = b + at;
            t->plen[k] = n;
            t->idx[k] = index_component(b + at, n);
            at += (int32_t)n;
        }
        uint32_t nv;
        if (rd_u32(b, len, &at, &nv) != 0 || nv > (uint32_t)len)
            goto bad;
        t->vals = calloc(nv > 0 ? nv : 1, sizeof(sct_val));
        if (t->vals == NULL)
            goto bad;
        for (uint32_t k = 0; k < nv; k++) {
            if (at + 1 > len)
                goto bad;
            uint8_t cls = b[at++];
            sct_val v;
            memset(&v, 0, sizeof(v));
            v.cls = cls;
            switch (cls) {
            case C_NULL:
                t->has_null = 1;
                continue;
            case C_BOOL:
                if (at + 1 > len)
                    goto bad;
                v.i = b[at++] ? 1 : 0;
                break;
            case C_NUM:
                if (at + 9 > len)
                    goto bad;
                v.isint = b[at] ? 1 : 0;
                if (v.isint)
                    memcpy(&v.i, b + at + 1, 8);
                else
                    memcpy(&v.d, b + at + 1, 8);
                at += 9;
                break;
            case C_STR: {
                uint32_t n;
                if (rd_u32(b, len, &at, &n) != 0 || n > (uint32_t)(len - at))
                    goto bad;
                v.s = b + at;
                v.slen = n;
                at += (int32_t)n;
                break;
            }
            case C_OID:
                if (at + 12 > len)
                    goto bad;
                v.s = b + at;
                v.slen = 12;
                at += 12;
                break;
            case C_DATE:
                if (at + 8 > len)
                    goto bad;
                memcpy(&v.i, b + at, 8);
                at += 8;
                break;
            default:
                goto bad;
            }
            t->vals[t->nvals++] = v;
        }
        if (t->op >= M_LT && t->op <= M_GTE && t->nvals + t->has_null != 1)
            goto bad;
    }
    if (at != len)
        goto bad;
    return 0;
bad:
    sct_filter_free(f);
    return -1;
}

/*
 * The first element named (name, nlen) of the document at d (size bytes): 1 found (type, value and
 * its length), 0 missing, -2 malformed.
 */
static int
find_elem(const uint8_t *d, int64_t size, const uint8_t *name, uint32_t nlen, uint8_t *t, const uint8_t **v,
  int64_t *vlen)
{
    if (size < 5)
        return -2;
    int64_t i = 4;
    const uint8_t *last = d + size - 1;
    while (i < size - 1) {
        uint8_t ty = d[i];
        const uint8_t *nm = d + i + 1;
        const uint8_t *end = nm;
        while (end < last && *end != 0)
            end++;
        if (end >= last)
            return -2;
        int64_t p = end + 1 - d;
        int64_t n = sct_value_len(ty, d + p, size - 1 - p);
        if (n < 0)
            return -2;
        if ((size_t)(end - nm) == nlen && memcmp(nm, name, nlen) == 0) {
            *t = ty;
            *v = d + p;
            *vlen = n;
            return 1;
        }
        i = p + n;
    }
    return 0;
}

/*
 * The term's test on one candidate value (found: present, of type ty at v, vlen bytes; else missing):
 * 1 passes, 0 fails, -1 cannot tell. The positive test only: M_NIN is judged as M_IN and M_NEXISTS as
 * M_EXISTS, and the caller negates the whole path's answer (as the JS matcher's notPred does).
 */
static int
cand_test(const sct_term *t, int found, uint8_t ty, const uint8_t *v, int64_t vlen)
{
    if (t->op == M_EXISTS || t->op == M_NEXISTS) {
        /* a BSON undefined (deprecated): the JS matcher decides (MongoDB 8.0's rules,
         * src/bson/undefined_value.ts), so every plan (a scan prefiltered here or not, a folded $group or
         * not) answers alike */
        if (found && ty == 0x06)
            return -1;
        return found;
    }
    int isnull = !found || ty == 0x0a;
    /* an array or a document is in no scalar operand's bracket and equals no scalar */
    if (found && (ty == 0x04 || ty == 0x03))
        return 0;
    sct_val x;
    if (!isnull && sct_val_of(ty, v, vlen, &x) != 0)
        return -1; /* undefined, decimal, binary, …: JS decides */
    if (t->op == M_IN || t->op == M_NIN) {
        if (isnull)
            return t->has_null;
        for (int32_t k = 0; k < t->nvals; k++) {
            const sct_val *o = &t->vals[k];
            if (o->cls == x.cls && sct_val_cmp_same(&x, o) == 0)
                return 1;
        }
        return 0;
    }
    int inclusive = t->op == M_LTE || t->op == M_GTE;
    if (t->has_null)
        return inclusive && isnull;
    if (isnull)
        return 0;
    const sct_val *o = &t->vals[0];
    if (o->cls != x.cls)
        return 0;
    if (is_nan(o) || is_nan(&x))
        return inclusive && is_nan(o) && is_nan(&x);
    int c = sct_val_cmp_same(&x, o);
    switch (t->op) {
    case M_LT:
        return c < 0;
    case M_LTE:
        return c <= 0;
    case M_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

/* A walk of one term's path: whether a candidate passed, or one could not be judged. */
typedef struct {
    const sct_term *t;
    int unsure;
} path_walk;

/* One candidate: 1 stops the walk (a candidate passes), 0 goes on. */
static int
visit(path_walk *w, int found, uint8_t ty, const uint8_t *v, int64_t vlen)
{
    int r = cand_test(w->t, found, ty, v, vlen);
    if (r == 1)
        return 1;
    if (r < 0)
        w->unsure = 1;
    return 0;
}

/* Any element name starting with '$' (a decoder may make a DBRef of such a document). */
static int
has_dollar_name(const uint8_t *d, int64_t size)
{
    int64_t i = 4;
    while (i < size - 1) {
        uint8_t ty = d[i];
        const uint8_t *nm = d + i + 1;
        if (*nm == '$')
            return 1;
        const uint8_t *end = memchr(nm, 0, (size_t)(d + size - 1 - nm));
        if (end == NULL)
            return -2;
        int64_t p = end + 1 - d;
        int64_t n = sct_value_len(ty, d + p, size - 1 - p);
        if (n < 0)
            return -2;
        i = p + n;
    }
    return 0;
}

/*
 * The candidates the path's components from i reach from a value (found: present, of type ty at v,
 * vlen bytes; else missing), as the JS matcher's path walk (engine/path/field_path.ts, mongod's element
 * iterator) visits them: through a document its field (missing when absent or when a scalar is on the
 * way); through an array its document elements (nested arrays are not entered) and, for a numeric
 * component, also the element at that position; at the end an array whole and then each of its
 * elements. 1 a candidate passed, 0 none, -2 malformed.
 */
static int
walk_path(path_walk *w, int found, uint8_t ty, const uint8_t *v, int64_t vlen, int32_t i)
{
    const sct_term *t = w->t;
    if (i == t->nparts) {
        if (!found || ty != 0x04)
            return visit(w, found, ty, v, vlen);
        if (visit(w, 1, ty, v, vlen))
            return 1;
    } else if (!found || (ty != 0x03 && ty != 0x04)) {
        return visit(w, 0, 0, NULL, 0); /* a scalar on the way: missing */
    } else if (ty == 0x03) {
        uint8_t ety = 0;
        const uint8_t *ev = NULL;
        int64_t elen = 0;
        int r = find_elem(v, vlen, t->part[i], t->plen[i], &ety, &ev, &elen);
        if (r < 0)
            return r;
        return walk_path(w, r, ety, ev, elen, i + 1);
    }
    /* an array: its elements in order */
    if (vlen < 5)
        return -2;
    int64_t at = 4, pos = 0;
    const uint8_t *last = v + vlen - 1;
    while (at < vlen - 1) {
        uint8_t ety = v[at];
        const uint8_t *end = memchr(v + at + 1, 0, (size_t)(last - (v + at + 1)));
        if (end == NULL)
            return -2;
        int64_t p = end + 1 - v;
        int64_t n = sct_value_len(ety, v + p, vlen - 1 - p);
        if (n < 0)
            return -2;
        const uint8_t *ev = v + p;
        int r = 0;
        if (i == t->nparts) {
            r = visit(w, 1, ety, ev, n); /* an element of the leaf array */
        } else if (t->idx[i] >= 0) {
            /* `a.N`: the element at N, and the field "N" of each document element (not a DBRef's) */
            if (pos == t->idx[i])
                r = walk_path(w, 1, ety, ev, n, i + 1);
            if (r == 0 && ety == 0x03) {
                uint8_t fty = 0;
                const uint8_t *fv = NULL;
                int64_t flen = 0;
                int f = find_elem(ev, n, t->part[i], t->plen[i], &fty, &fv, &flen);
                if (f < 0)
                    return f;
                if (f) {
                    int d = has_dollar_name(ev, n);
                    if (d < 0)
                        return d;
                    if (d)
                        w->unsure = 1;
                    else
                        r = walk_path(w, 1, fty, fv, flen, i + 1);
                }
            }
        } else if (ety == 0x03) {
            r = walk_path(w, 1, ety, ev, n, i); /* the same component in each document element */
        }
        if (r != 0)
            return r;
        at = p + n;
        pos++;
    }
    return 0;
}

/* One term on a document: 1, 0, -1 (cannot tell), -2 (malformed). */
static int
term_match(const sct_term *t, const uint8_t *doc, int64_t size)
{
    path_walk w = { t, 0 };
    uint8_t ty = 0;
    const uint8_t *v = NULL;
    int64_t vlen = 0;
    int found = find_elem(doc, size, t->part[0], t->plen[0], &ty, &v, &vlen);
    if (found < 0)
        return found;
    int r = walk_path(&w, found, ty, v, vlen, 1);
    if (r == -2)
        return -2;
    int neg = t->op == M_NIN || t->op == M_NEXISTS;
    if (r == 1)
        return !neg; /* a passing candidate decides, whatever the others */
    if (w.unsure)
        return -1;
    return neg;
}

int
sct_filter_match(const sct_filter *f, const uint8_t *doc, int64_t size)
{
    int unsure = 0;
    for (int32_t i = 0; i < f->nterms; i++) {
        int r = term_match(&f->term[i], doc, size);
        if (r == -2)
            return -2;
        if (r == 0)
            return 0; /* a definite miss decides, whatever the other terms */
        if (r < 0)
            unsure = 1;
    }
    return unsure ? -1 : 1;
}

int
sct_filter_match_packed(const uint8_t *packed, int32_t len, int32_t nterms, const uint8_t *doc, int64_t size)
{
    sct_filter f;
    if (sct_filter_parse(&f, packed, len, nterms) != 0)
        return -3;
    int r = sct_filter_match(&f, doc, size);
    sct_filter_free(&f);
    return r;
}
