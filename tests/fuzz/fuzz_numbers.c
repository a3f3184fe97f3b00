/*
 * fuzz_numbers.c — libFuzzer target: the normalisers of amounts, ranges,
 * shares, percentages and dates (nlp_parse_*), text normalisation and UTF-8
 * validation, on arbitrary bytes.  Inputs are passed with their length and
 * no terminator, as the extractor passes spans inside a larger text.  Beyond
 * memory safety it checks what the callers rely on: a date is NUL-terminated
 * in its 11 bytes, a range has lo <= hi, a currency is 3 letters, a
 * normalisation is idempotent.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "nlp/nlp.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* An exact-size heap copy: reading one byte past the span is an ASan error,
   * which a larger buffer would hide. */
  char *s = malloc(size ? size : 1);
  if (!s)
    return 0;
  if (size)
    memcpy(s, data, size);
  double v, lo, hi;
  char cur[4] = "";
  if (nlp_parse_amount(s, size, &v, cur) == 0 && cur[3] != '\0')
    abort();
  if (nlp_parse_amount_range(s, size, &lo, &hi, cur) == 0 && lo > hi)
    abort();
  (void)nlp_parse_percent(s, size, &v);
  (void)nlp_parse_shares(s, size, &v);
  char date[11];
  static const char *pubs[] = {NULL, "2024-03-05", "2024-12-31"};
  for (size_t i = 0; i < 3; i++) {
    memset(date, 'x', sizeof date);
    if (nlp_parse_date(s, size, pubs[i], date) == 0 &&
        memchr(date, '\0', sizeof date) == NULL)
      abort();
  }
  size_t bad = 0;
  (void)nlp_utf8_valid(s, size, &bad);
  char *norm = NULL;
  size_t nlen = 0;
  if (nlp_normalize(s, size, &norm, &nlen, &bad) == 0) {
    char *again = NULL;
    size_t alen = 0;
    if (nlp_normalize(norm, nlen, &again, &alen, NULL) != 0 || alen != nlen ||
        memcmp(again, norm, nlen) != 0)
      abort(); /* normalising twice must change nothing */
    free(again);
  }
  free(norm);
  free(s);
  return 0;
}
