/*
 * io_fast_keys.c — the key of a document in a secondary index whose entries the frame I/O thread's writes
 * keep (inserts, deletes and updates by `_id`: io_fast_insert.c, io_fast_delete.c, io_fast_update.c), for
 * the indexes of scalar top-level fields: ascending on one field (WIX_ASC, `{f: 1}`), or WIX_KEYS — one or
 * more fields each ascending or descending (`{f: -1}`, `{a: 1, b: -1}`), not unique, sparse, partial or
 * collated (JS registers only those: src/commands/updatable_collection.ts).
 *
 * The bytes are key_string.ts encodeIndexKey's: per field, in key pattern order, the value's encoding
 * (fast_update_key: scalar_key's kinds — an ObjectId, a string, an integral number below 1e15 — a
 * boolean, a date JS's Date holds; a missing field or null the null key 0x14), all its bytes inverted
 * (255 - b) for a descending field. Any other value — an array (the index would be multikey: its entries
 * are JS's), a document, a fraction, a decimal, undefined, ... — or a field present twice, or a key
 * longer than FAST_KEY_MAX makes the write JS's.
 *
 * A WIX_KEYS index's name as JS registers it: "\x01" then its fields, each a direction byte ('+' or '-')
 * and the field's name, separated by "\x01" (field names with a byte below 0x20 are not registered).
 */
#define _GNU_SOURCE
#include "io_fast.h"

/* Index w's fields (w->parts) from its name and kind: 0, or EINVAL (a WIX_KEYS name not so encoded). */
int fast_wix_parts(struct fast_wix *w)
{
    w->n_parts = 0;
    if (w->kind == WIX_ASC || w->kind == WIX_2DSPHERE || w->kind == WIX_TEXT) {
        w->parts[0].name = w->name;
        w->parts[0].len = w->name_len;
        w->parts[0].desc = 0;
        w->n_parts = 1;
        return 0;
    }
    if (w->kind != WIX_KEYS || w->name[0] != 0x01)
        return EINVAL;
    const char *p = w->name + 1, *end = w->name + w->name_len;
    while (p < end) {
        const char *q = memchr(p, 0x01, (size_t)(end - p));
        if (!q)
            q = end;
        if (w->n_parts == FAST_KEY_PARTS || q - p < 2 || (p[0] != '+' && p[0] != '-'))
            return EINVAL;
        struct fast_part *t = &w->parts[w->n_parts++];
        t->desc = p[0] == '-';
        t->name = p + 1;
        t->len = (uint32_t)(q - p - 1);
        p = q + 1;
    }
    return w->n_parts > 0 ? 0 : EINVAL;
}

/* The name of a WIX_KEYS or WIX_ASC index (what JS registers) names such an index: its kind. */
uint8_t fast_wix_kind_of(const char *name)
{
    return name[0] == 0x01 ? WIX_KEYS : WIX_ASC;
}

/* Whether index w reads top-level field `name` (n bytes). */
int fast_wix_reads(const struct fast_wix *w, const char *name, uint32_t n)
{
    for (uint32_t i = 0; i < w->n_parts; i++)
        if (w->parts[i].len == n && memcmp(w->parts[i].name, name, n) == 0)
            return 1;
    return 0;
}

/* Document doc's (len bytes) key in index w (WIX_ASC or WIX_KEYS), into out (FAST_KEY_MAX bytes): its
 * length, or 0 (JS's: see the file's comment). */
size_t fast_doc_key(const uint8_t *doc, uint32_t len, const struct fast_wix *w, uint8_t *out)
{
    struct el at[FAST_KEY_PARTS];
    uint8_t seen[FAST_KEY_PARTS] = {0};
    const uint8_t *p = doc + 4, *end = doc + len;
    struct el e;
    int rc;
    while ((rc = next_el(&p, end, &e)) == 1)
        for (uint32_t i = 0; i < w->n_parts; i++) {
            if (e.name_len != w->parts[i].len || memcmp(e.name, w->parts[i].name, e.name_len) != 0)
                continue;
            if (seen[i]++)
                return 0;
            at[i] = e;
        }
    if (rc < 0)
        return 0;
    size_t o = 0;
    uint8_t k[FAST_KEY_MAX];
    for (uint32_t i = 0; i < w->n_parts; i++) {
        size_t n;
        if (!seen[i] || at[i].type == 0x0A) {
            k[0] = 0x14;
            n = 1;
        } else if ((n = fast_update_key(&at[i], k)) == 0)
            return 0;
        if (o + n > FAST_KEY_MAX)
            return 0;
        if (w->parts[i].desc)
            for (size_t j = 0; j < n; j++)
                out[o + j] = (uint8_t)(255 - k[j]);
        else
            memcpy(out + o, k, n);
        o += n;
    }
    return o;
}
