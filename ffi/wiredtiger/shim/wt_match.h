/*
 * Scalar BSON values in MongoDB's order, and a simple `$match` conjunction evaluated on stored bytes
 * (wt_match.c), for the shim's `$group` fold (wt_group.c, issue 18).
 */
#ifndef SCT_WT_MATCH_H
#define SCT_WT_MATCH_H

#include <stdint.h>

/* Canonical type brackets (bson/compare.ts CANONICAL): values compare by value only within one. */
#define C_NULL 5
#define C_NUM 10
#define C_STR 15
#define C_OID 35
#define C_BOOL 40
#define C_DATE 45

/* A scalar value the shim compares: class, and its number / bytes. */
typedef struct {
    uint8_t cls;
    uint8_t isint; /* C_NUM: int64 in i (else the double d) */
    int64_t i;     /* C_NUM int, C_BOOL, C_DATE */
    double d;      /* C_NUM double */
    const uint8_t *s; /* C_STR: bytes (no NUL); C_OID: 12 bytes */
    uint32_t slen;
} sct_val;

/*
 * The value of BSON type t at p (vlen bytes) as a scalar the shim compares exactly as JS
 * `compareValues` does; -1 for any other type or a value the JS decoder would change (a string that is
 * not strict UTF-8 or starts with a BOM, a date outside JS Date's range, a boolean byte > 1).
 */
int sct_val_of(uint8_t t, const uint8_t *p, int64_t vlen, sct_val *out);

/*
 * Total order within one bracket (a.cls == b.cls): numbers by value (NaN lowest, NaN = NaN, -0 = 0,
 * int64 against double exactly), strings by bytes, ObjectIds by bytes, false < true, dates by ms.
 * Across brackets the bracket decides (sct_val_cmp).
 */
int sct_val_cmp_same(const sct_val *a, const sct_val *b);
int sct_val_cmp(const sct_val *a, const sct_val *b);

/* Match operators (the filter's terms, ANDed). */
/* M_NIN: none of the values (`$ne`, `$nin`), the negation of M_IN wherever that is decided exactly. */
enum { M_IN = 1, M_LT, M_LTE, M_GT, M_GTE, M_EXISTS, M_NEXISTS, M_NIN };

#define SCT_MATCH_TERMS_MAX 32
#define SCT_MATCH_PARTS_MAX 8

typedef struct {
    uint8_t op;
    uint8_t has_null; /* M_IN, M_NIN: a null among the values; M_LT..M_GTE: the operand is null */
    int32_t nparts;
    const uint8_t *part[SCT_MATCH_PARTS_MAX];
    uint32_t plen[SCT_MATCH_PARTS_MAX];
    int32_t idx[SCT_MATCH_PARTS_MAX]; /* a component that is an array index: its value, else -1 */
    int32_t nvals;
    sct_val *vals; /* non-null operands */
} sct_term;

typedef struct {
    int32_t nterms;
    sct_term term[SCT_MATCH_TERMS_MAX];
    uint8_t *buf; /* owned copy of the packed program (parts and strings point into it) */
} sct_filter;

/*
 * Parses a packed filter (`len` bytes, `nterms` terms), per term: [u8 op][u8 nparts] then per part
 * [u32 LE length][bytes], then [u32 LE count] values, each [u8 class] and its payload: C_NULL none,
 * C_BOOL u8, C_NUM [u8 isint][8 bytes int64 or double], C_STR [u32 length][bytes], C_OID 12 bytes,
 * C_DATE int64. 0, or -1 when malformed or out of memory (f is then empty).
 */
int sct_filter_parse(sct_filter *f, const uint8_t *packed, int32_t len, int32_t nterms);
void sct_filter_free(sct_filter *f);

/*
 * Does stored document doc (size bytes) pass every term? 1 yes, 0 no, -1 when the shim cannot tell
 * exactly (a value of a type it does not compare, a DBRef-like document where a numeric component
 * meets an array: the record is for the JS matcher), -2 when the document cannot be walked. Paths
 * have the JS matcher's array semantics (engine/path/field_path.ts): a term holds when any value the
 * path reaches passes (`M_NIN`, `M_NEXISTS`: when none does).
 */
int sct_filter_match(const sct_filter *f, const uint8_t *doc, int64_t size);

/* sct_filter_match of a packed filter (parsed for this one call: for tests); -3 when malformed. */
int sct_filter_match_packed(const uint8_t *packed, int32_t len, int32_t nterms, const uint8_t *doc, int64_t size);

/* Strict UTF-8 (what a fatal TextDecoder accepts). */
int sct_valid_utf8(const uint8_t *s, int64_t n);

#endif
