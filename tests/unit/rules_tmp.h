/*
 * rules_tmp.h — loading a rule file written by a test: the text goes to a
 * fresh directory, which is loaded (no diagnostics allowed) and removed.
 * Include it once, from a test file, after <cmocka.h>.
 */
#ifndef OPPGRAPH_TESTS_RULES_TMP_H
#define OPPGRAPH_TESTS_RULES_TMP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nlp/nlp.h"

/* One rule file in a fresh directory, loaded without diagnostics. */
static nlp_rules *load_rules(const char *text) {
  char dir[] = "/tmp/oppgraph-rules-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[300];
  snprintf(path, sizeof path, "%s/s.rules", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  nlp_rules *r = NULL;
  assert_int_equal(nlp_rules_load_dir(dir, NULL, NULL, &r), 0);
  unlink(path);
  rmdir(dir);
  return r;
}

#endif
