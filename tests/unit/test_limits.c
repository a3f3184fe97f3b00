/*
 * test_limits.c — the configured input limits of issue 8 item 7 and their
 * error messages: JSON-lines line length (ingest_read_jsonl_max and
 * ingest_config.max_line), file size (ingest_config.max_file_size), XML
 * nesting depth (libxml2's 256 levels, never XML_PARSE_HUGE), HTML nesting,
 * the extractor's input length (nlp_extract_opts.max_len is tested in
 * test_nlp_extract).  Each message must name the input and the limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ingest/ingest.h"

static char *repeat(const char *open, const char *mid, const char *close,
                    int depth) {
  size_t n = strlen(open) * depth + strlen(mid) + strlen(close) * depth + 1;
  char *s = malloc(n), *p = s;
  for (int i = 0; i < depth; i++)
    p += sprintf(p, "%s", open);
  p += sprintf(p, "%s", mid);
  for (int i = 0; i < depth; i++)
    p += sprintf(p, "%s", close);
  return s;
}

static void test_jsonl_line_limit(void **state) {
  (void)state;
  const char *ok = "{\"id\":\"1\",\"title\":\"t\",\"text\":\"公司中标\"}\n";
  char big[400];
  snprintf(big, sizeof big, "%s{\"id\":\"2\",\"text\":\"%0200d\"}\n", ok, 7);
  ingest_docs docs;
  char err[256] = "";
  ingest_docs_init(&docs);
  /* under the limit: both lines read */
  assert_int_equal(ingest_read_jsonl_max(big, strlen(big), "a.jsonl", 300,
                                         &docs, err, sizeof err),
                   0);
  assert_int_equal(docs.n, 2);
  ingest_docs_destroy(&docs);
  /* the second line is over 100 bytes */
  ingest_docs_init(&docs);
  assert_int_equal(ingest_read_jsonl_max(big, strlen(big), "a.jsonl", 100,
                                         &docs, err, sizeof err),
                   INGEST_ETOOBIG);
  assert_non_null(strstr(err, "line 2:"));
  assert_non_null(strstr(err, "over the line limit of 100"));
  ingest_docs_destroy(&docs);
  /* 0 means the default, which a normal line is far below */
  ingest_docs_init(&docs);
  assert_int_equal(ingest_read_jsonl_max(ok, strlen(ok), "a.jsonl", 0, &docs,
                                         err, sizeof err),
                   0);
  ingest_docs_destroy(&docs);
}

static void test_xml_depth_limit(void **state) {
  (void)state;
  char *shallow = repeat("<p>", "<announcement><title>t</title><text>公司中标"
                                "</text></announcement>", "</p>", 0);
  char *deep = repeat("<x>", "y", "</x>", 300);
  char *doc = malloc(strlen(deep) + 200);
  sprintf(doc, "<announcement><title>t</title><text>%s</text></announcement>",
          deep);
  ingest_docs docs;
  char err[256] = "";
  ingest_docs_init(&docs);
  assert_int_equal(ingest_read_ann_xml(shallow, strlen(shallow), "ok.xml",
                                       &docs, err, sizeof err),
                   0);
  ingest_docs_destroy(&docs);
  ingest_docs_init(&docs);
  assert_int_equal(ingest_read_ann_xml(doc, strlen(doc), "deep.xml", &docs,
                                       err, sizeof err),
                   INGEST_EPARSE);
  assert_non_null(strstr(err, "nested deeper than 256 levels"));
  assert_null(strstr(err, "HUGE"));
  ingest_docs_destroy(&docs);
  free(shallow);
  free(deep);
  free(doc);
}

static void test_html_deep_nesting_is_bounded(void **state) {
  (void)state;
  /* 100,000 nested <div>: the HTML parser (recovery mode) must neither crash
   * nor recurse without bound; the text at the bottom may be dropped but
   * the answer is a document or a clear error, never a crash. */
  char *deep = repeat("<div>", "公司中标", "</div>", 100000);
  char *doc = malloc(strlen(deep) + 64);
  sprintf(doc, "<html><body>%s</body></html>", deep);
  ingest_docs docs;
  char err[256] = "";
  ingest_docs_init(&docs);
  int rc = ingest_read_html(doc, strlen(doc), "deep.html", &docs, err,
                            sizeof err);
  assert_true(rc == 0 || rc == INGEST_EPARSE || rc == INGEST_EEMPTY);
  if (rc)
    assert_true(err[0] != '\0');
  ingest_docs_destroy(&docs);
  free(deep);
  free(doc);
}

static void on_diag(void *ctx, const char *path, const char *msg) {
  snprintf(ctx, 512, "%s: %s", path, msg);
}

static void test_file_size_limit(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-limits-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[128], db[128];
  snprintf(path, sizeof path, "%s/big.txt", dir);
  snprintf(db, sizeof db, "%s/db", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "标题\n");
  for (int i = 0; i < 200; i++)
    fprintf(f, "公司中标某项目。");
  fclose(f);
  store *st;
  assert_int_equal(store_open(db, NULL, &st), 0);
  char msg[512] = "";
  ingest_config cfg = {.max_file_size = 1000, .diag = on_diag, .diag_ctx = msg};
  const char *paths[] = {path};
  ingest_report rep;
  ingest_run(st, &cfg, paths, 1, &rep);
  /* the message names the file, its size and the limit */
  assert_non_null(strstr(msg, "big.txt: "));
  assert_non_null(strstr(msg, "bytes, over the limit of 1000"));
  assert_int_equal(rep.files_failed, 1);
  assert_int_equal(rep.docs_new, 0);
  cfg.max_file_size = 0; /* default 512 MiB: accepted */
  ingest_run(st, &cfg, paths, 1, &rep);
  assert_int_equal(rep.files_failed, 0);
  assert_int_equal(rep.docs_new, 1);
  store_close(st);
  char cmd[160];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jsonl_line_limit),
      cmocka_unit_test(test_xml_depth_limit),
      cmocka_unit_test(test_html_deep_nesting_is_bounded),
      cmocka_unit_test(test_file_size_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
