/*
 * fuzz_common.h — what the libFuzzer targets of tests/fuzz/ share: the data
 * directory (rules, dictionaries, schema; $OPPGRAPH_DATA, else ./data, as the
 * CLI) and a throwaway directory per process for files and stores.
 * Targets are built by `make fuzz` (clang, -fsanitize=fuzzer,address,
 * undefined) into build-fuzz/fuzz/ and run from the repository root.
 */
#ifndef OPPGRAPH_FUZZ_COMMON_H
#define OPPGRAPH_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline const char *fuzz_data_dir(void) {
  const char *d = getenv("OPPGRAPH_DATA");
  return d && *d ? d : "data";
}

/* "<data>/<rel>" into buf. */
static inline const char *fuzz_data_path(char *buf, size_t len,
                                         const char *rel) {
  snprintf(buf, len, "%s/%s", fuzz_data_dir(), rel);
  return buf;
}

/* A fresh directory under $TMPDIR (or /tmp) for this process; aborts when it
 * cannot be made, because every later step would fail confusingly. */
static inline const char *fuzz_tmpdir(char buf[256]) {
  const char *t = getenv("TMPDIR");
  snprintf(buf, 256, "%s/oppgraph-fuzz.XXXXXX", t && *t ? t : "/tmp");
  if (!mkdtemp(buf)) {
    perror("fuzz: mkdtemp");
    abort();
  }
  return buf;
}

/* Writes data to path (truncating); aborts on failure (the disk, not the
 * input, would be at fault). */
static inline void fuzz_write_file(const char *path, const uint8_t *data,
                                   size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
    perror(path);
    abort();
  }
}

/* A NUL-terminated copy (parsers that take C strings see the same bytes). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s)
    abort();
  if (size)
    memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

#endif
