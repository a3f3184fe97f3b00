/*
 * test_limits.c — the configured input limits of issue 8 item 7 and their
 * error messages: JSON-lines line length (ingest_read_jsonl_max and
 * ingest_config.max_line), file size (ingest_config.max_file_size), XML
 * nesting depth (libxml2's 256 levels, never XML_PARSE_HUGE), HTML nesting,
 * the extractor's input length (nlp_extract_opts.max_len is tested in
 * test_nlp_extract), the rule count and rule-file bytes
 * (nlp_rules_limits), and the cap of 24 arguments per event (nlp/extract.c
 * EX_MAX_ARGS).  Each message must name the input and the limit.
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
#include "nlp/nlp.h"

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

/* ---- rule files ------------------------------------------------------------ */

typedef struct rule_diag {
  char text[2048];
  int n;
} rule_diag;

static void rule_collect(void *ctx, const char *file, int line,
                         const char *msg) {
  rule_diag *d = ctx;
  size_t used = strlen(d->text);
  snprintf(d->text + used, sizeof d->text - used, "%s:%d: %s\n", file, line,
           msg);
  d->n++;
}

/* Keeps only the last message (thousands of them in the default-limit test). */
typedef struct rule_last {
  char text[512];
} rule_last;

static void rule_keep_last(void *ctx, const char *file, int line,
                           const char *msg) {
  rule_last *d = ctx;
  snprintf(d->text, sizeof d->text, "%s:%d: %s", file, line, msg);
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* n rule blocks "r0".."r(n-1)", each 4 lines, trigger 标i. */
static char *rule_blocks(int first, int n) {
  char *s = malloc((size_t)n * 128 + 1), *p = s;
  *p = 0;
  for (int i = first; i < first + n; i++)
    p += sprintf(p, "rule r%d\ntype 中标\ntrigger 标%d\npattern 标%d\n", i, i,
                 i);
  return s;
}

static void rm_rf(const char *dir) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* A fresh rules directory with the paths of its files a.rules and b.rules
 * (written by the test; loaded in that order). */
typedef struct rule_dir {
  char dir[32], a[128], b[128];
} rule_dir;

static void rule_dir_make(rule_dir *d) {
  snprintf(d->dir, sizeof d->dir, "/tmp/oppgraph-rulelim-XXXXXX");
  assert_non_null(mkdtemp(d->dir));
  snprintf(d->a, sizeof d->a, "%s/a.rules", d->dir);
  snprintf(d->b, sizeof d->b, "%s/b.rules", d->dir);
}

static void test_rule_count_limit(void **state) {
  (void)state;
  rule_dir rd;
  rule_dir_make(&rd);
  const char *dir = rd.dir, *a = rd.a, *b = rd.b;
  char *ra = rule_blocks(0, 3), *rb = rule_blocks(3, 3);
  write_text(a, ra);
  /* a fill counts like a rule: b.rules holds 4 blocks, the fill first */
  char *fb = malloc(strlen(rb) + 64);
  sprintf(fb, "fill 中标 中标公司 doc (?<v>甲公司)\n%s", rb);
  write_text(b, fb);

  /* exactly at the limit: everything loads */
  nlp_rules_limits lim = {.max_rules = 7};
  rule_diag log = {{0}, 0};
  nlp_rules *r = NULL;
  assert_int_equal(nlp_rules_load_dir_limits(dir, &lim, rule_collect, &log, &r),
                   0);
  assert_non_null(r);
  assert_int_equal(nlp_rules_count(r), 6);
  assert_int_equal(log.n, 0);
  nlp_rules_free(r);

  /* one over: the load fails at the block that is one too many (b.rules
   * line 10, the third rule of b), naming the limit */
  lim.max_rules = 6;
  memset(&log, 0, sizeof log);
  r = (nlp_rules *)&lim; /* must be reset to NULL */
  assert_int_equal(nlp_rules_load_dir_limits(dir, &lim, rule_collect, &log, &r),
                   NLP_ETOOBIG);
  assert_null(r);
  char want[256];
  snprintf(want, sizeof want,
           "%s:10: more than 6 rules (rule, fill, subject and alias blocks "
           "of all files together): over the rule-count limit",
           b);
  assert_non_null(strstr(log.text, want));
  assert_int_equal(log.n, 1);

  /* the default (10,000) is what nlp_rules_load_dir applies.  Blocks count
   * when they open, so bare "rule" lines (each reported as incomplete, none
   * compiled: 10,000 PCRE2 compilations took a minute under ASan) test it:
   * 10,000 load (with errors), 10,001 fail at line 10,001. */
  unlink(b);
  size_t nbig = NLP_RULES_DEFAULT_MAX_RULES + 1;
  char *big = malloc(nbig * 16 + 1), *p = big;
  for (size_t i = 0; i < nbig; i++)
    p += sprintf(p, "rule r%zu\n", i);
  write_text(a, big);
  rule_last last = {""};
  assert_int_equal(nlp_rules_load_dir(dir, rule_keep_last, &last, &r),
                   NLP_ETOOBIG);
  assert_null(r);
  snprintf(want, sizeof want, "%s:%u: more than %u rules", a,
           NLP_RULES_DEFAULT_MAX_RULES + 1, NLP_RULES_DEFAULT_MAX_RULES);
  assert_non_null(strstr(last.text, want));
  big[strlen(big) - strlen("rule r10000\n")] = 0; /* 10,000 */
  write_text(a, big);
  assert_int_equal(nlp_rules_load_dir(dir, rule_keep_last, &last, &r),
                   NLP_ERULE);
  assert_null(strstr(last.text, "limit"));
  nlp_rules_free(r);
  free(big);
  free(ra);
  free(rb);
  free(fb);
  rm_rf(dir);
}

static void test_rule_bytes_limit(void **state) {
  (void)state;
  rule_dir rd;
  rule_dir_make(&rd);
  const char *dir = rd.dir, *a = rd.a, *b = rd.b;
  char *ra = rule_blocks(0, 2), *rb = rule_blocks(2, 2);
  write_text(a, ra);
  write_text(b, rb);
  size_t total = strlen(ra) + strlen(rb);
  nlp_rules_limits lim = {.max_bytes = total};
  rule_diag log = {{0}, 0};
  nlp_rules *r = NULL;
  assert_int_equal(nlp_rules_load_dir_limits(dir, &lim, rule_collect, &log, &r),
                   0);
  assert_int_equal(nlp_rules_count(r), 4);
  nlp_rules_free(r);
  /* one byte less: b.rules's last line no longer fits */
  lim.max_bytes = total - 1;
  memset(&log, 0, sizeof log);
  assert_int_equal(nlp_rules_load_dir_limits(dir, &lim, rule_collect, &log, &r),
                   NLP_ETOOBIG);
  assert_null(r);
  char want[256];
  snprintf(want, sizeof want,
           "%s:8: the rule files are over the limit of %zu bytes together", b,
           total - 1);
  assert_non_null(strstr(log.text, want));
  free(ra);
  free(rb);
  rm_rf(dir);
}

/* ---- arguments per event ---------------------------------------------------- */

/* A rule whose pattern has ngroups named groups g0.. (each a distinct role
 * 角色0.., one ASCII letter each) and nsets constant roles 常量0..; the text is
 * the trigger followed by the letters. */
static nlp_rules *wide_rule(const char *dir, int ngroups, int nsets) {
  char path[128];
  snprintf(path, sizeof path, "%s/wide.rules", dir);
  char *s = malloc(8192), *p = s;
  for (int i = 0; i < ngroups; i++)
    p += sprintf(p, "group g%d = 角色%d\n", i, i);
  p += sprintf(p, "rule wide\ntype 中标\ntrigger 触发\npattern (?<trig>触发)");
  for (int i = 0; i < ngroups; i++)
    p += sprintf(p, "(?<g%d>%c)", i, 'a' + i % 26);
  p += sprintf(p, "\n");
  for (int i = 0; i < nsets; i++)
    p += sprintf(p, "set 常量%d = 值\n", i);
  write_text(path, s);
  free(s);
  rule_diag log = {{0}, 0};
  nlp_rules *r = NULL;
  int rc = nlp_rules_load_dir(dir, rule_collect, &log, &r);
  if (rc)
    fprintf(stderr, "%s", log.text);
  assert_int_equal(rc, 0);
  return r;
}

static size_t wide_nargs(const nlp_rules *r, int ngroups) {
  char text[128] = "触发";
  for (int i = 0; i < ngroups; i++)
    text[strlen("触发") + i] = (char)('a' + i % 26);
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, text, strlen(text), NULL, &res), 0);
  assert_int_equal(res.n, 1);
  size_t n = res.events[0].nargs;
  /* every kept argument is a distinct role */
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal(res.events[0].args[i].role,
                              res.events[0].args[j].role);
  nlp_result_destroy(&res);
  return n;
}

static void test_event_argument_cap(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-argcap-XXXXXX";
  assert_non_null(mkdtemp(dir));
  /* under the cap every role is kept (so the cap is not lower than 24) */
  nlp_rules *r = wide_rule(dir, 24, 0);
  assert_int_equal(wide_nargs(r, 24), 24);
  nlp_rules_free(r);
  /* 30 captured roles: 24 kept */
  r = wide_rule(dir, 30, 0);
  assert_int_equal(wide_nargs(r, 30), 24);
  nlp_rules_free(r);
  /* constants count against the same cap: 20 captured + 10 set -> 24 */
  r = wide_rule(dir, 20, 10);
  assert_int_equal(wide_nargs(r, 20), 24);
  nlp_rules_free(r);
  rm_rf(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jsonl_line_limit),
      cmocka_unit_test(test_xml_depth_limit),
      cmocka_unit_test(test_html_deep_nesting_is_bounded),
      cmocka_unit_test(test_file_size_limit),
      cmocka_unit_test(test_rule_count_limit),
      cmocka_unit_test(test_rule_bytes_limit),
      cmocka_unit_test(test_event_argument_cap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
