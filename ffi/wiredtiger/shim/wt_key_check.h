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

#endif
