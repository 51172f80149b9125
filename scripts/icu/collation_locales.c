/*
 * collation_locales.c — prints, for every collation locale ICU knows (each available collation locale,
 * its `@collation=` variants, and every other available locale whose collator resolves to itself), the
 * locale id and the attributes its collator resolves by default: normalization, caseFirst upper,
 * alternate shifted, backwards. Read by scripts/gen_collation_locales.ts; not part of the product.
 *
 * Build: gcc collation_locales.c -licui18n -licuuc (libicu-dev).
 */
#include <stdio.h>
#include <string.h>
#include <unicode/ucol.h>
#include <unicode/uenum.h>
#include <unicode/uloc.h>

static void show(const char* id) {
  UErrorCode st = U_ZERO_ERROR;
  UCollator* c = ucol_open(id, &st);
  if (U_FAILURE(st)) return;
  const char* valid = ucol_getLocaleByType(c, ULOC_VALID_LOCALE, &st);
  if (U_SUCCESS(st) && valid != NULL && strcmp(valid, id) == 0) {
    int norm = ucol_getAttribute(c, UCOL_NORMALIZATION_MODE, &st) == UCOL_ON;
    int upper = ucol_getAttribute(c, UCOL_CASE_FIRST, &st) == UCOL_UPPER_FIRST;
    int shifted = ucol_getAttribute(c, UCOL_ALTERNATE_HANDLING, &st) == UCOL_SHIFTED;
    int backwards = ucol_getAttribute(c, UCOL_FRENCH_COLLATION, &st) == UCOL_ON;
    printf("%s\t%d\t%d\t%d\t%d\n", id, norm, upper, shifted, backwards);
  }
  ucol_close(c);
}

int main(void) {
  show("root");
  int32_t n = uloc_countAvailable();
  for (int32_t i = 0; i < n; i++) show(uloc_getAvailable(i));
  n = ucol_countAvailable();
  for (int32_t i = 0; i < n; i++) {
    const char* loc = ucol_getAvailable(i);
    UErrorCode st = U_ZERO_ERROR;
    UEnumeration* e = ucol_getKeywordValuesForLocale("collation", loc, 0, &st);
    if (U_FAILURE(st)) continue;
    const char* v;
    int32_t len;
    while ((v = uenum_next(e, &len, &st)) != NULL) {
      char id[256];
      snprintf(id, sizeof id, "%s@collation=%s", loc, v);
      show(id);
    }
    uenum_close(e);
  }
  return 0;
}
