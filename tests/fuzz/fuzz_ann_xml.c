/*
 * fuzz_ann_xml.c — libFuzzer target: our <announcements> XML reader
 * (ingest_read_ann_xml, libxml2 underneath) and format sniffing
 * (ingest_detect) on arbitrary bytes.
 */
#include <stdint.h>

#include "ingest/ingest.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *buf = (const char *)data;
  char err[512];
  ingest_docs ds;
  ingest_docs_init(&ds);
  if (ingest_read_ann_xml(buf, size, "fuzz.xml", &ds, err, sizeof err) == 0)
    for (size_t i = 0; i < ds.n; i++)
      if (ds.v[i].title)
        (void)strlen(ds.v[i].title);
  ingest_docs_destroy(&ds);
  static const char *names[] = {"a.xml", "a.html", "a.txt", "a.jsonl", "a"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    (void)ingest_detect(names[i], buf, size);
  return 0;
}
