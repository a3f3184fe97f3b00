/*
 * rules_tmp.h — loading a rule file written by a test: the text goes to a
 * fresh directory, which is loaded and removed.  Include it once, from a
 * test file, after <cmocka.h>.
 */
#ifndef OPPGRAPH_TESTS_RULES_TMP_H
#define OPPGRAPH_TESTS_RULES_TMP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nlp/nlp.h"

/* A diagnostic callback counting the loader's messages in *(int *)ctx. */
static void count_diag(void *ctx, const char *file, int line, const char *msg) {
  (void)file;
  (void)line;
  (void)msg;
  (*(int *)ctx)++;
}

/* One rule file in a fresh directory, loaded with diag (NULL: none): the
 * loader's code, the rules (also those of a partly refused file) in *out. */
static int load_rules_text(const char *text, nlp_diag_fn diag, void *ctx,
                           nlp_rules **out) {
  char dir[] = "/tmp/oppgraph-rules-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[300];
  snprintf(path, sizeof path, "%s/s.rules", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  *out = NULL;
  int rc = nlp_rules_load_dir(dir, diag, ctx, out);
  unlink(path);
  rmdir(dir);
  return rc;
}

/* One rule file, loaded without diagnostics. */
static nlp_rules *load_rules(const char *text) {
  nlp_rules *r = NULL;
  assert_int_equal(load_rules_text(text, NULL, NULL, &r), 0);
  return r;
}

#endif
