/*
 * SecantusDB WiredTiger shim: the private parts of the `$group` fold (wt_group.c) shared with its
 * group table and the split fold's merge (wt_group_merge.c): the table's layout, its constants, and
 * the two table operations the fold calls for each document (find a key's group, keep a value).
 * Nothing here is part of the FFI surface.
 */
#ifndef SCT_WT_GROUP_INTERNAL_H
#define SCT_WT_GROUP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "wt_match.h"
#include "wt_project.h"

#define G_SCAN_REVERSE 1
#define G_SCAN_HAS_AFTER 4

/* Most accumulators and distinct field names (key included) one table handles. */
#define G_ACCS_MAX 16
#define G_NAMES_MAX 17

/* meta slots of sct_group_scan */
#define GM_EXAMINED 0
#define GM_LAST_RID 1
#define GM_STATUS 2 /* 0 = more may follow, 1 = done, 3 = unsupported */
#define GM_GROUPS 3
#define GM_ID_BYTES 4

#define G_MORE 0
#define G_DONE 1
#define G_FOR_JS 2 /* the last record examined is for the JS matcher (sct_group_pending_doc) */
#define G_UNSUPPORTED 3

/* Accumulator ops */
enum { A_SUM = 0, A_MIN, A_MAX, A_FIRST, A_LAST };

/* Key classes: a key's class and canonical value decide equality. */
enum { K_NULL = 0, K_BOOL, K_NUM_INT, K_NUM_DBL, K_STR, K_OID, K_DATE };

typedef struct {
    __int128 itotal; /* exact sum of the int32/int64 summands */
    double dbl;      /* compensated sum of the double summands */
    double comp;
    int64_t count;   /* numeric summands */
    int32_t kind;    /* 0 int, 1 long, 2 double */
    /* $min $max $first $last: the value kept (BSON type, bytes), set once a value was kept */
    uint8_t vtype;
    uint8_t vset;
    uint32_t vlen, vcap;
    uint8_t *vbytes;
} g_sum;

typedef struct {
    uint64_t hash;
    int64_t ival;     /* K_BOOL, K_NUM_INT, K_DATE: the value; K_NUM_DBL: the bits */
    uint8_t kclass;
    uint8_t idtype;   /* BSON type of the first-seen _id value (0x0a for missing) */
    uint32_t idlen;   /* its byte length */
    uint8_t *idbytes; /* its bytes (owned), or NULL when idlen is 0 */
} g_group;

typedef struct {
    int32_t name; /* index into the names, or -1 for a constant */
    int32_t ctype; /* constant's BSON type: 0x10, 0x12 or 0x01 */
    int64_t cval;  /* constant's value (a double's bits) */
    int32_t op;    /* A_SUM … A_LAST (only A_SUM takes a constant) */
} g_acc;

typedef struct {
    sct_names names; /* names[0] is the key field */
    uint8_t *names_buf;
    int32_t nacc;
    g_acc acc[G_ACCS_MAX];
    int64_t max_groups;
    int unsupported;
    int64_t ngroups, cap_groups;
    g_group *groups;
    g_sum *sums; /* ngroups * nacc, group-major */
    uint32_t *slots; /* open addressing: group index + 1, 0 = empty */
    uint64_t nslots;
    int64_t id_bytes; /* sum of idlen over the groups, and of the kept values' bytes */
    sct_filter filter; /* a leading $match (no terms: every record) */
    uint8_t *pend;     /* the record a G_FOR_JS slice stopped at (a copy) */
    int64_t pend_len, pend_cap;
    /* a part of a split scan (sct_group_set_part) */
    int has_until;     /* the scan stops before a record past `until` */
    int64_t until;
    int no_double;     /* a double summand makes the table unsupported (it would not merge exactly) */
} sct_group;

/* Equal bytes? For the short field names and keys of a fold, where a call of memcmp costs more than the loop. */
static inline int
g_bytes_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/*
 * The group of a key value (type t, value bytes v of length vlen; t = 0 for missing): its index, or
 * -1 when the key type is not handled, -2 when the table is full or out of memory (wt_group_merge.c).
 */
__attribute__((visibility("hidden"))) int64_t g_find_group(sct_group *g, uint8_t t, const uint8_t *v, int64_t vlen);

/* Folds one value into a $min/$max/$first/$last slot (t = 0: missing); -1 when it cannot (wt_group_merge.c). */
__attribute__((visibility("hidden"))) int g_keep_value(sct_group *g, g_sum *s, int32_t op, uint8_t t, const uint8_t *v,
  int64_t vlen);

/* Prefetch hints: the out-of-run values the last folds of a record table met (wt_group_hint.c). */
typedef struct g_hints g_hints;

/* One slice's notes: record ids (ascending) and value addresses of its out-of-run values. */
typedef struct {
    int64_t n, cap;
    int64_t *rid;
    uintptr_t *addr;
} g_notes;

/* The hints of the table named uri (a reference: g_hints_put it), or NULL. */
__attribute__((visibility("hidden"))) g_hints *g_hints_get(const char *uri);
__attribute__((visibility("hidden"))) void g_hints_put(g_hints *s);
/* The index of the first hint whose record id is greater than rid. */
__attribute__((visibility("hidden"))) int64_t g_hints_from(const g_hints *s, int64_t rid);
/* The hint at index i: its record id (INT64_MAX past the end) and address. */
__attribute__((visibility("hidden"))) int64_t g_hints_rid(const g_hints *s, int64_t i);
__attribute__((visibility("hidden"))) uintptr_t g_hints_addr(const g_hints *s, int64_t i);
/* Replaces the table's hints for record ids in (lo, hi] with a slice's notes. */
__attribute__((visibility("hidden"))) void g_hints_publish(const char *uri, int64_t lo, int64_t hi,
  const g_notes *notes);
/* Adds a note; -1 out of memory. */
__attribute__((visibility("hidden"))) int g_notes_add(g_notes *notes, int64_t rid, uintptr_t addr);
__attribute__((visibility("hidden"))) void g_notes_free(g_notes *notes);

#endif
