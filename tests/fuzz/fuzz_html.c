/*
 * fuzz_html.c — libFuzzer target: the announcement readers for HTML, plain
 * text and JSON lines (ingest_read_html / _text / _jsonl) and the charset
 * conversion in front of them (ingest_to_utf8, GBK/GB18030 included), on
 * arbitrary bytes.  Every reader must either append documents or fail with a
 * message; any crash, leak or undefined behaviour is a finding.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ingest/ingest.h"
#include "tests/fuzz/fuzz_common.h"

static void fuzz_docs_sane(const ingest_docs *ds) {
  for (size_t i = 0; i < ds->n; i++)
    if (ds->v[i].text && strlen(ds->v[i].text) > (size_t)1 << 30)
      abort(); /* touches every byte: ASan sees a missing terminator */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *buf = (const char *)data;
  char err[512];
  int (*readers[])(const char *, size_t, const char *, ingest_docs *, char *,
                   size_t) = {ingest_read_html, ingest_read_text,
                              ingest_read_jsonl};
  for (size_t r = 0; r < sizeof readers / sizeof readers[0]; r++) {
    ingest_docs ds;
    ingest_docs_init(&ds);
    err[0] = '\0';
    if (readers[r](buf, size, "fuzz-input", &ds, err, sizeof err) == 0)
      fuzz_docs_sane(&ds);
    ingest_docs_destroy(&ds);
  }
  static const char *charsets[] = {NULL, "utf-8", "gbk", "gb18030", "gb2312"};
  for (size_t c = 0; c < sizeof charsets / sizeof charsets[0]; c++) {
    char *out = NULL;
    size_t out_len = 0;
    if (ingest_to_utf8(buf, size, charsets[c], &out, &out_len, err,
                       sizeof err) == 0 &&
        strlen(out) != out_len && memchr(data, 0, size) == NULL)
      abort(); /* a NUL-free input must convert to a NUL-free string */
    free(out);
  }
  return 0;
}
