/* Top-level BSON field projection (wt_project.c), used by the shim's projected record scan. */
#ifndef SCT_WT_PROJECT_H
#define SCT_WT_PROJECT_H

#include <stdint.h>

/* Most names one projection can look for (a bit each in a 64-bit mask). */
#define SCT_NAMES_MAX 64

/* Wanted field names (UTF-8, no NUL), pointing into the caller's packed buffer. */
typedef struct {
    int32_t count;
    const uint8_t *name[SCT_NAMES_MAX];
    uint32_t len[SCT_NAMES_MAX];
} sct_names;

/* Byte length of a BSON value of type t at p (avail bytes left), or -1 when malformed or unknown. */
int64_t sct_value_len(uint8_t t, const uint8_t *p, int64_t avail);

/* Parses `count` names packed as [u32 LE length][bytes]; 0, or -1 when malformed or too many. */
int sct_parse_names(const uint8_t *packed, int32_t len, int32_t count, sct_names *out);

/*
 * Writes into out (room for `size` bytes: a projection is never longer than its document) the BSON
 * document made of the first element of each wanted name, in document order. Returns its length, or
 * -1 when the document cannot be walked (then nothing useful is in out).
 */
int64_t sct_project_fields(const uint8_t *doc, int64_t size, const sct_names *names, uint8_t *out);

#endif
