/*
 * test_nlp_dict.c — the Aho–Corasick dictionary (nlp/dict.c): leftmost-
 * longest non-overlapping matching, checked against a brute-force reference
 * on random texts; character boundaries; large inputs; concurrent scans of
 * one built dictionary; the dictionary file loader and the bundled files.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nlp/nlp.h"

typedef struct hits {
  nlp_match m[4096];
  size_t n;
  size_t total;
  size_t stop_after; /* 0 = never */
} hits;

static int collect(void *ctx, const nlp_match *m) {
  hits *h = ctx;
  if (h->n < sizeof h->m / sizeof h->m[0]) h->m[h->n++] = *m;
  h->total++;
  return h->stop_after && h->total >= h->stop_after ? 42 : 0;
}

static nlp_dict *build(const char *const *words, size_t n) {
  nlp_dict *d;
  assert_int_equal(nlp_dict_new(&d), NLP_OK);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(nlp_dict_add(d, words[i], strlen(words[i]),
                                  NLP_WORD_ENTERPRISE, i + 1),
                     NLP_OK);
  assert_int_equal(nlp_dict_build(d), NLP_OK);
  return d;
}

static void span_is(const char *text, const nlp_match *m, const char *want) {
  size_t n = m->end - m->begin;
  if (n != strlen(want) || memcmp(text + m->begin, want, n) != 0)
    fail_msg("match \"%.*s\", want \"%s\"", (int)n, text + m->begin, want);
}

static void test_longest_wins(void **st) {
  (void)st;
  const char *w[] = {"中国平安", "中国平安保险(集团)股份有限公司", "平安保险",
                     "平安银行", "保险"};
  nlp_dict *d = build(w, 5);
  assert_int_equal(nlp_dict_size(d), 5);
  hits h = {0};
  const char *t = "公告：中国平安保险(集团)股份有限公司与平安银行签署协议，"
                  "中国平安银行业务";
  assert_int_equal(nlp_dict_scan(d, t, strlen(t), collect, &h), NLP_OK);
  assert_int_equal(h.n, 3);
  span_is(t, &h.m[0], "中国平安保险(集团)股份有限公司");
  assert_int_equal(h.m[0].value, 2);
  assert_int_equal(h.m[0].kind, NLP_WORD_ENTERPRISE);
  span_is(t, &h.m[1], "平安银行");
  /* leftmost: 中国平安 starts before 平安银行, which it overlaps */
  span_is(t, &h.m[2], "中国平安");
  /* a prefix of a long word that never completes falls back to the
   * shorter words inside it */
  h.n = h.total = 0;
  t = "中国平安保险(集团)股份";
  assert_int_equal(nlp_dict_scan(d, t, strlen(t), collect, &h), NLP_OK);
  assert_int_equal(h.n, 2);
  span_is(t, &h.m[0], "中国平安");
  span_is(t, &h.m[1], "保险");
  nlp_dict_free(d);
}

static void test_case_and_duplicates(void **st) {
  (void)st;
  nlp_dict *d;
  assert_int_equal(nlp_dict_new(&d), NLP_OK);
  assert_int_equal(nlp_dict_add(d, "TCL科技", strlen("TCL科技"), 1, 7), 0);
  assert_int_equal(nlp_dict_add(d, "tcl科技", strlen("tcl科技"), 1, 8), 0);
  assert_int_equal(nlp_dict_build(d), NLP_OK);
  assert_int_equal(nlp_dict_size(d), 1); /* same word after folding */
  hits h = {0};
  const char *t = "Tcl科技公告";
  assert_int_equal(nlp_dict_scan(d, t, strlen(t), collect, &h), NLP_OK);
  assert_int_equal(h.n, 1);
  assert_int_equal(h.m[0].value, 7); /* the first added wins */
  assert_int_equal(nlp_dict_add(d, "x", 1, 1, 1), NLP_EINVAL); /* built */
  assert_int_equal(nlp_dict_build(d), NLP_EINVAL);
  nlp_dict_free(d);
}

static void test_boundaries_and_edges(void **st) {
  (void)st;
  nlp_dict *d;
  assert_int_equal(nlp_dict_new(&d), NLP_OK);
  hits h = {0};
  assert_int_equal(nlp_dict_scan(d, "x", 1, collect, &h), NLP_EINVAL);
  assert_int_equal(nlp_dict_add(d, "\xe4\xb8", 2, 1, 1), NLP_EUTF8);
  assert_int_equal(nlp_dict_add(d, "", 0, 1, 1), NLP_EINVAL);
  assert_int_equal(nlp_dict_add(d, "中", 3, 1, 1), NLP_OK);
  assert_int_equal(nlp_dict_add(d, "A", 1, 1, 2), NLP_OK);
  assert_int_equal(nlp_dict_build(d), NLP_OK);
  assert_int_equal(nlp_dict_scan(d, "", 0, collect, &h), NLP_OK);
  assert_int_equal(h.total, 0);
  /* a stray continuation byte after 中 makes it part of a broken
   * character: no span may end there */
  assert_int_equal(nlp_dict_scan(d, "\xe4\xb8\xad\xad", 4, collect, &h), 0);
  assert_int_equal(h.total, 0);
  const char *t = "中A中";
  assert_int_equal(nlp_dict_scan(d, t, strlen(t), collect, &h), NLP_OK);
  assert_int_equal(h.n, 3);
  assert_int_equal(h.m[2].begin, 4);
  assert_int_equal(h.m[2].end, 7);
  /* the callback's non-zero return stops the scan and is returned */
  hits s = {.stop_after = 2};
  assert_int_equal(nlp_dict_scan(d, t, strlen(t), collect, &s), 42);
  assert_int_equal(s.total, 2);
  nlp_dict_free(d);

  /* an empty dictionary builds and matches nothing */
  assert_int_equal(nlp_dict_new(&d), NLP_OK);
  assert_int_equal(nlp_dict_build(d), NLP_OK);
  assert_int_equal(nlp_dict_scan(d, t, strlen(t), collect, &h), NLP_OK);
  assert_int_equal(nlp_dict_size(d), 0);
  nlp_dict_free(d);
  nlp_dict_free(NULL);
}

/* Reference: at each position take the longest word starting there. */
static size_t brute(const char *const *w, size_t nw, const char *t, size_t len,
                    nlp_match *out, size_t max) {
  size_t n = 0, i = 0;
  while (i < len) {
    size_t best = 0, bi = 0;
    for (size_t k = 0; k < nw; k++) {
      size_t l = strlen(w[k]);
      if (l > best && i + l <= len && memcmp(t + i, w[k], l) == 0)
        best = l, bi = k;
    }
    if (best) {
      if (n < max) out[n++] = (nlp_match){i, i + best, 1, bi + 1};
      i += best;
    } else {
      i++;
    }
  }
  return n;
}

static void test_random_against_reference(void **st) {
  (void)st;
  static const char *const alpha[] = {"中", "国", "平", "安", "a", "b"};
  char pool[60][32];
  const char *w[60];
  unsigned seed = 12345;
  for (int round = 0; round < 200; round++) {
    size_t nw = 1 + (size_t)(rand_r(&seed) % 40);
    for (size_t k = 0; k < nw; k++) {
      int l = 1 + rand_r(&seed) % 5;
      pool[k][0] = '\0';
      for (int j = 0; j < l; j++) strcat(pool[k], alpha[rand_r(&seed) % 6]);
      w[k] = pool[k];
    }
    /* duplicates keep the first value: dedupe the reference the same way */
    size_t m = 0;
    for (size_t k = 0; k < nw; k++) {
      size_t j = 0;
      while (j < m && strcmp(w[j], w[k]) != 0) j++;
      if (j == m) w[m++] = w[k];
    }
    nlp_dict *d = build(w, m);
    char text[400] = "";
    int tl = rand_r(&seed) % 60;
    for (int j = 0; j < tl; j++) strcat(text, alpha[rand_r(&seed) % 6]);
    size_t len = strlen(text);
    static nlp_match ref[400];
    size_t nref = brute(w, m, text, len, ref, 400);
    hits h = {0};
    assert_int_equal(nlp_dict_scan(d, text, len, collect, &h), NLP_OK);
    if (h.n != nref) fail_msg("round %d: %zu matches, reference %zu (text %s)",
                              round, h.n, nref, text);
    for (size_t k = 0; k < nref; k++) {
      if (h.m[k].begin != ref[k].begin || h.m[k].end != ref[k].end ||
          h.m[k].value != ref[k].value)
        fail_msg("round %d match %zu: [%zu,%zu) v%llu, reference [%zu,%zu) "
                 "v%llu", round, k, h.m[k].begin, h.m[k].end,
                 (unsigned long long)h.m[k].value, ref[k].begin, ref[k].end,
                 (unsigned long long)ref[k].value);
    }
    nlp_dict_free(d);
  }
}

/* Many words and a 1 MB text: every planted word is found. */
typedef struct big {
  nlp_dict *d;
  char *text;
  size_t len;
  size_t count;
  uint64_t sum;
} big;

static int count_fn(void *ctx, const nlp_match *m) {
  big *b = ctx;
  b->count++;
  b->sum += m->value * (m->begin + 1);
  return 0;
}

static void make_big(big *b, size_t nwords) {
  static const char *const region[] = {"北京", "上海", "深圳", "杭州", "成都",
                                       "武汉", "南京", "西安"};
  static const char *const mid[] = {"华瑞", "恒信", "中泰", "鼎盛", "博远",
                                    "金石", "天成", "宏达", "新元", "永安"};
  static const char *const suf[] = {"科技有限公司", "实业股份有限公司",
                                    "投资集团", "建设有限公司"};
  assert_int_equal(nlp_dict_new(&b->d), NLP_OK);
  char w[128];
  for (size_t i = 0; i < nwords; i++) {
    snprintf(w, sizeof w, "%s%s%zu%s", region[i % 8], mid[(i / 8) % 10], i,
             suf[(i / 80) % 4]);
    assert_int_equal(nlp_dict_add(b->d, w, strlen(w), 1, i + 1), NLP_OK);
  }
  assert_int_equal(nlp_dict_build(b->d), NLP_OK);
  assert_int_equal(nlp_dict_size(b->d), nwords);
  size_t cap = 1u << 20;
  b->text = malloc(cap + 256);
  b->len = 0;
  size_t i = 0, planted = 0;
  while (b->len < cap) {
    size_t k = (i * 7919) % nwords;
    snprintf(w, sizeof w, "%s%s%zu%s", region[k % 8], mid[(k / 8) % 10], k,
             suf[(k / 80) % 4]);
    int n = snprintf(b->text + b->len, 256, "公告称，%s与本行签约。", w);
    b->len += (size_t)n;
    planted++;
    i++;
  }
  b->count = planted; /* expected */
}

static void test_many_words_1mb(void **st) {
  (void)st;
  big b;
  make_big(&b, 20000);
  size_t want = b.count;
  b.count = 0;
  b.sum = 0;
  assert_int_equal(nlp_dict_scan(b.d, b.text, b.len, count_fn, &b), NLP_OK);
  assert_true(b.len >= (1u << 20));
  assert_int_equal(b.count, want);
  free(b.text);
  nlp_dict_free(b.d);
}

static void *scan_thread(void *arg) {
  big *b = arg;
  b->count = 0;
  b->sum = 0;
  nlp_dict_scan(b->d, b->text, b->len, count_fn, b);
  return NULL;
}

static void test_shared_between_threads(void **st) {
  (void)st;
  big ref;
  make_big(&ref, 5000);
  scan_thread(&ref);
  big t[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    t[i] = ref;
    assert_int_equal(pthread_create(&th[i], NULL, scan_thread, &t[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(t[i].count, ref.count);
    assert_true(t[i].sum == ref.sum);
  }
  free(ref.text);
  nlp_dict_free(ref.d);
}

typedef struct diags {
  char msg[8][256];
  int n;
} diags;

static void diag_fn(void *ctx, const char *file, int line, const char *msg) {
  diags *g = ctx;
  if (g->n < 8) snprintf(g->msg[g->n++], 256, "%s:%d: %s", file, line, msg);
}

static void test_load_file(void **st) {
  (void)st;
  char path[] = "/tmp/test_nlp_dict_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs("# comment line\n"
        "\n"
        "中国证监会\torg\n"
        "并购贷款\r\n"               /* default kind term, CRLF */
        "张三\tperson   # trailing comment\n"
        "甲公司\tenterprise\t42\n"
        "乙\tbogus\n"                /* line 7: unknown kind */
        "\tterm\n"                   /* line 8: empty word */
        "丙公司\tenterprise\tx1\n",  /* line 9: bad value */
        f);
  fclose(f);
  nlp_dict *d;
  assert_int_equal(nlp_dict_new(&d), NLP_OK);
  diags g = {0};
  assert_int_equal(nlp_dict_load_file_diag(d, path, diag_fn, &g), NLP_EINVAL);
  assert_int_equal(g.n, 3);
  char want[512];
  snprintf(want, sizeof want, "%s:7: unknown kind", path);
  assert_true(strncmp(g.msg[0], want, strlen(want)) == 0);
  snprintf(want, sizeof want, "%s:8: empty word", path);
  assert_string_equal(g.msg[1], want);
  snprintf(want, sizeof want, "%s:9: value", path);
  assert_true(strncmp(g.msg[2], want, strlen(want)) == 0);
  assert_int_equal(nlp_dict_build(d), NLP_OK);
  assert_int_equal(nlp_dict_size(d), 4); /* the good lines loaded */
  hits h = {0};
  const char *t = "甲公司向中国证监会申请并购贷款，张三签字";
  assert_int_equal(nlp_dict_scan(d, t, strlen(t), collect, &h), NLP_OK);
  assert_int_equal(h.n, 4);
  assert_int_equal(h.m[0].kind, NLP_WORD_ENTERPRISE);
  assert_int_equal(h.m[0].value, 42);
  assert_int_equal(h.m[1].kind, NLP_WORD_ORG);
  assert_int_equal(h.m[2].kind, NLP_WORD_TERM);
  assert_int_equal(h.m[3].kind, NLP_WORD_PERSON);
  nlp_dict_free(d);
  unlink(path);

  assert_int_equal(nlp_dict_new(&d), NLP_OK);
  g.n = 0;
  assert_int_equal(
      nlp_dict_load_file_diag(d, "/nonexistent/x.dict", diag_fn, &g), NLP_EIO);
  assert_int_equal(g.n, 1);
  assert_non_null(strstr(g.msg[0], "/nonexistent/x.dict"));
  nlp_dict_free(d);
}

static void test_bundled_dictionaries(void **st) {
  (void)st;
  const char *files[] = {"data/dict/orgs.dict", "data/dict/terms.dict"};
  nlp_dict *d;
  assert_int_equal(nlp_dict_new(&d), NLP_OK);
  for (int i = 0; i < 2; i++) {
    if (access(files[i], R_OK) != 0) {
      fprintf(stderr, "skipping %s: not found (run from the repository root)\n",
              files[i]);
      nlp_dict_free(d);
      skip();
    }
    diags g = {0};
    int rc = nlp_dict_load_file_diag(d, files[i], diag_fn, &g);
    if (rc != NLP_OK) fail_msg("%s", g.n ? g.msg[0] : nlp_strerror(rc));
  }
  assert_int_equal(nlp_dict_build(d), NLP_OK);
  assert_true(nlp_dict_size(d) > 40);
  hits h = {0};
  const char *t = "公司收到上海证券交易所问询函，拟申请履约保函";
  assert_int_equal(nlp_dict_scan(d, t, strlen(t), collect, &h), NLP_OK);
  assert_int_equal(h.n, 2);
  span_is(t, &h.m[0], "上海证券交易所");
  assert_int_equal(h.m[0].kind, NLP_WORD_ORG);
  span_is(t, &h.m[1], "履约保函");
  assert_int_equal(h.m[1].kind, NLP_WORD_TERM);
  nlp_dict_free(d);
}

/* Names and aliases of the store's enterprises become ENTERPRISE words whose
 * value is the enterprise id. */
static void test_load_store(void **st) {
  (void)st;
  char dir[] = "/tmp/test_nlp_dict_store_XXXXXX";
  assert_non_null(mkdtemp(dir));
  store *db;
  store_options opt = {.map_size = 64u << 20};
  assert_int_equal(store_open(dir, &opt, &db), STORE_OK);
  store_txn *txn;
  assert_int_equal(store_begin(db, true, &txn), STORE_OK);
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  char *aliases[] = {"华瑞科技"};
  e.name = "江苏华瑞科技股份有限公司";
  e.n_aliases = 1;
  e.aliases = aliases;
  assert_int_equal(store_ent_put(txn, &e), STORE_OK);
  uint64_t id1 = e.id;
  Oppgraph__V1__Enterprise e2 = OPPGRAPH__V1__ENTERPRISE__INIT;
  e2.name = "恒信建设有限公司";
  e2.stock_code = "600123"; /* a listed company: its code is a word too */
  assert_int_equal(store_ent_put(txn, &e2), STORE_OK);
  assert_int_equal(store_commit(txn), STORE_OK);

  assert_int_equal(store_begin(db, false, &txn), STORE_OK);
  nlp_dict *d;
  assert_int_equal(nlp_dict_new(&d), NLP_OK);
  assert_int_equal(nlp_dict_load_store(d, txn), NLP_OK);
  store_abort(txn);
  assert_int_equal(nlp_dict_build(d), NLP_OK);
  assert_int_equal(nlp_dict_size(d), 4);
  hits h = {0};
  const char *t = "华瑞科技公告：江苏华瑞科技股份有限公司为恒信建设有限公司提供担保"
                  "（600123）";
  assert_int_equal(nlp_dict_scan(d, t, strlen(t), collect, &h), NLP_OK);
  assert_int_equal(h.n, 4);
  span_is(t, &h.m[3], "600123");
  assert_int_equal(h.m[3].value, e2.id);
  assert_int_equal(h.m[3].kind, NLP_WORD_STOCKCODE);
  span_is(t, &h.m[0], "华瑞科技");
  assert_int_equal(h.m[0].value, id1);
  span_is(t, &h.m[1], "江苏华瑞科技股份有限公司");
  assert_int_equal(h.m[1].value, id1);
  span_is(t, &h.m[2], "恒信建设有限公司");
  assert_int_equal(h.m[2].value, e2.id);
  assert_int_equal(h.m[2].kind, NLP_WORD_ENTERPRISE);
  nlp_dict_free(d);
  store_close(db);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_longest_wins),
      cmocka_unit_test(test_case_and_duplicates),
      cmocka_unit_test(test_boundaries_and_edges),
      cmocka_unit_test(test_random_against_reference),
      cmocka_unit_test(test_many_words_1mb),
      cmocka_unit_test(test_shared_between_threads),
      cmocka_unit_test(test_load_file),
      cmocka_unit_test(test_bundled_dictionaries),
      cmocka_unit_test(test_load_store),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
