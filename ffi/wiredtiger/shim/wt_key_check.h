/*
 * SecantusDB WiredTiger shim: the key check of an index scan (wt_key_check.c).
 */
#ifndef SCT_KEY_CHECK_H
#define SCT_KEY_CHECK_H
#include <stddef.h>
#include <stdint.h>

/*
 * Does the compound key k (n bytes, key_string.ts's encoding, descending fields inverted) pass the
 * packed check (planner/key_check.ts packKeyCheck)? 1 yes or cannot tell (a value of a kind not walked
 * here), 0 no: some checked field's value lies in none of its intervals.
 */
int sct_key_check_pass(const uint8_t *check, int32_t check_len, const uint8_t *k, size_t n);

/*
 * sct_key_check_pass that, when k fails, also gives where a scan goes next (mongod's index bounds checker
 * seeks): the unescaped key `*buf` of `*len` bytes (grown with realloc) — forward, the first key at or
 * after it (the failing field's next interval's lower end, or past every key of k's prefix before that
 * field); reverse, the last key before it. *len 0: no target (step on). 1 passes, 0 fails, -1 no memory.
 */
int sct_key_check_seek(const uint8_t *check, int32_t check_len, const uint8_t *k, size_t n, int rev, uint8_t **buf,
  size_t *cap, size_t *len);

#endif
