/*
 * test_kb.c — the knowledge base: the search tokenizer (nlp_tokenize), the
 * article readers, the LMDB index (replace / delete leave no postings
 * behind), BM25 ordering, phrases, OR, exclusions, filters, synonyms,
 * snippets, paging, and bad queries (clear errors, never a crash).
 *
 * Each test builds a fresh store in its own directory under one mkdtemp
 * folder, with a small dictionary made here; the last test loads the
 * bundled data/kb (skipped, saying why, when run outside the repository).
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "kb/kb.h"

static char g_base[64];
static int g_seq;

typedef struct fx {
  store *st;
  kb *k;
} fx;

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

static int group_setup(void **state) {
  (void)state;
  snprintf(g_base, sizeof g_base, "/tmp/test_kb.XXXXXX");
  return mkdtemp(g_base) ? 0 : -1;
}

static int group_teardown(void **state) {
  (void)state;
  return nftw(g_base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static nlp_dict *small_dict(void) {
  static const char *const words[] = {"履约保函", "保函", "并购贷款",
                                      "保证金",   "lpr",  "流动资金贷款"};
  nlp_dict *d;
  assert_int_equal(nlp_dict_new(&d), 0);
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    assert_int_equal(
        nlp_dict_add(d, words[i], strlen(words[i]), NLP_WORD_TERM, 0), 0);
  assert_int_equal(nlp_dict_build(d), 0);
  return d;
}

static void fx_open(fx *f, const char *synonyms) {
  char dir[128];
  snprintf(dir, sizeof dir, "%s/s%d", g_base, ++g_seq);
  store_options o = {.map_size = (size_t)64 << 20};
  assert_int_equal(store_open(dir, &o, &f->st), 0);
  char syn[160] = "";
  if (synonyms) {
    snprintf(syn, sizeof syn, "%s/syn%d.txt", g_base, g_seq);
    FILE *fp = fopen(syn, "w");
    assert_non_null(fp);
    fputs(synonyms, fp);
    fclose(fp);
  }
  kb_diag d;
  assert_int_equal(
      kb_open_with(small_dict(), synonyms ? syn : NULL, NULL, &f->k, &d), 0);
}

static void fx_close(fx *f) {
  kb_close(f->k);
  store_close(f->st);
}

/* Adds an article from Markdown text. */
static void add_md(fx *f, const char *name, const char *md) {
  kb_article *a;
  kb_diag d = {{0}};
  int err = kb_article_parse(name, md, strlen(md), &a, &d);
  if (err)
    fail_msg("%s: %s", name, d.msg);
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  assert_int_equal(kb_put(f->k, txn, a, NULL, &d), 0);
  assert_int_equal(store_commit(txn), 0);
  kb_article_free(a);
}

/* Runs a query; returns the error, the hit ids in ids (up to 16). */
static int search(fx *f, const kb_query *q, uint64_t *ids, size_t *n,
                  size_t *total, kb_diag *d) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  kb_results r;
  int err = kb_search(f->k, txn, q, &r, d);
  *n = 0;
  for (size_t i = 0; i < r.n && i < 16; i++)
    ids[(*n)++] = r.hits[i].id;
  if (total)
    *total = r.total;
  kb_results_destroy(&r);
  store_abort(txn);
  return err;
}

static int search_text(fx *f, const char *text, uint64_t *ids, size_t *n) {
  kb_query q = {.text = text};
  kb_diag d;
  return search(f, &q, ids, n, NULL, &d);
}

/* ---- tokenizer ---------------------------------------------------------- */

static void test_tokenize_mixed(void **state) {
  (void)state;
  nlp_dict *d = small_dict();
  nlp_tokens t;
  nlp_tokens_init(&t);
  const char *s = "申请履约保函，LPR加3.5个基点；ＡＢＣ";
  assert_int_equal(nlp_tokenize(d, s, strlen(s), 0, &t, NULL), 0);
  /* 申请 | 履约保函 (+ sub 保函, bigrams) | lpr | 加 | 3.5 | 个基 基点 | abc */
  const char *want[] = {"申请", "履约保函", "lpr",  "加",
                        "3.5",  "个基",     "基点", "abc"};
  size_t w = 0;
  bool sub_baohan = false;
  for (size_t i = 0; i < t.n; i++) {
    const nlp_token *x = &t.v[i];
    if (x->kind == NLP_TOK_SUB) {
      sub_baohan |= x->len == strlen("保函") &&
                    !memcmp(t.buf + x->off, "保函", x->len) &&
                    x->pos == t.v[1].pos;
      continue;
    }
    assert_true(w < sizeof want / sizeof want[0]);
    assert_int_equal(x->len, strlen(want[w]));
    assert_memory_equal(t.buf + x->off, want[w], x->len);
    w++;
  }
  assert_int_equal(w, sizeof want / sizeof want[0]);
  assert_true(sub_baohan);
  assert_int_equal(t.v[0].kind, NLP_TOK_BIGRAM);
  assert_int_equal(t.v[1].kind, NLP_TOK_TERM);
  /* The query side has no sub-words. */
  nlp_tokens_reset(&t);
  assert_int_equal(nlp_tokenize(d, s, strlen(s), NLP_TOK_NOSUB, &t, NULL), 0);
  for (size_t i = 0; i < t.n; i++)
    assert_int_not_equal(t.v[i].kind, NLP_TOK_SUB);
  /* Invalid UTF-8: an error with the offset, nothing appended. */
  size_t n0 = t.n, bad = 0;
  assert_int_equal(nlp_tokenize(d, "ab\xff", 3, 0, &t, &bad), NLP_EUTF8);
  assert_int_equal(bad, 2);
  assert_int_equal(t.n, n0);
  nlp_tokens_destroy(&t);
  nlp_dict_free(d);
}

/* ---- articles ----------------------------------------------------------- */

static void test_article_formats(void **state) {
  (void)state;
  kb_article *a;
  kb_diag d;
  const char *md = "---\nid: 7\ntitle: 标题甲\ncategory: 产品手册\n"
                   "tags: [保函, 对公]\nproducts: PERF_GUARANTEE\n---\n"
                   "正文**加粗**内容\n";
  assert_int_equal(kb_article_parse("x.md", md, strlen(md), &a, &d), 0);
  assert_int_equal(a->id, 7);
  assert_string_equal(a->title, "标题甲");
  assert_string_equal(a->category, "产品手册");
  assert_int_equal(a->n_tags, 2);
  assert_string_equal(a->tags[1], "对公");
  assert_int_equal(a->n_product_ids, 1);
  assert_string_equal(a->body, "正文加粗内容");
  kb_article_free(a);

  const char *hb =
      "# 标题乙\n分类：流程手册\n标签：甲、乙\n\n## 小节\n- 条目\n";
  assert_int_equal(kb_article_parse("dir/012-x.md", hb, strlen(hb), &a, &d), 0);
  assert_int_equal(a->id, 12);
  assert_string_equal(a->title, "标题乙");
  assert_string_equal(a->category, "流程手册");
  assert_int_equal(a->n_tags, 2);
  assert_string_equal(a->body, "小节\n条目");
  kb_article_free(a);

  const char *html =
      "<html><head><title>网页标题</title>"
      "<meta name=\"kb-id\" content=\"9\">"
      "<meta name=\"keywords\" content=\"a,b\"></head>"
      "<body><script>var x=1;</script><p>段落一</p></body></html>";
  assert_int_equal(kb_article_parse("p.html", html, strlen(html), &a, &d), 0);
  assert_int_equal(a->id, 9);
  assert_string_equal(a->title, "网页标题");
  assert_int_equal(a->n_tags, 2);
  assert_null(strstr(a->body, "var x"));
  assert_non_null(strstr(a->body, "段落一"));
  kb_article_free(a);

  const char *xml = "<article id=\"5\" category=\"c\"><title>X</title>"
                    "<tags><tag>t1</tag></tags><products><product>MA_LOAN"
                    "</product></products><body>内容</body></article>";
  assert_int_equal(kb_article_parse("a.xml", xml, strlen(xml), &a, &d), 0);
  assert_int_equal(a->id, 5);
  assert_string_equal(a->product_ids[0], "MA_LOAN");
  assert_string_equal(a->body, "内容");
  kb_article_free(a);

  /* Errors name the file. */
  assert_int_equal(kb_article_parse("noid.md", "# t\n\nbody", 9, &a, &d),
                   KB_EPARSE);
  assert_non_null(strstr(d.msg, "noid.md"));
  assert_int_equal(kb_article_parse("1.md", "# t\n\xc3", 5, &a, &d), KB_EUTF8);
  assert_non_null(strstr(d.msg, "byte 4"));
  assert_int_equal(kb_article_parse("2.xml", "<article><title>", 16, &a, &d),
                   KB_EPARSE);
  assert_int_equal(kb_article_parse("3.md", "---\nid: x\n---\n", 14, &a, &d),
                   KB_EPARSE);
  assert_null(a);
}

/* ---- ranking and query features ----------------------------------------- */

static void test_bm25_order(void **state) {
  (void)state;
  fx f;
  fx_open(&f, NULL);
  /* 1: the term once in the title (counts 3x); 2: once in a long body;
   * 3: twice in a short body; 4: absent. */
  add_md(&f, "1.md", "# 并购贷款说明\n\n本文介绍业务要点和注意事项。\n");
  add_md(&f, "2.md",
         "# 其他业务\n\n很长的正文里面只提到一次并购贷款，其余都"
         "是无关的内容，无关的内容，无关的内容，无关的内容。\n");
  add_md(&f, "3.md",
         "# 业务问答\n\n并购贷款的期限？并购贷款的比例？"
         "担保方式？\n");
  add_md(&f, "4.md", "# 流动资金贷款\n\n日常经营周转。\n");
  uint64_t ids[16];
  size_t n;
  assert_int_equal(search_text(&f, "并购贷款", ids, &n), 0);
  assert_int_equal(n, 3);
  assert_int_equal(ids[0], 1); /* title boost */
  assert_int_equal(ids[1], 3); /* tf 2 */
  assert_int_equal(ids[2], 2);
  /* AND across clauses; a term of one article only. */
  assert_int_equal(search_text(&f, "并购贷款 期限", ids, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(ids[0], 3);
  /* OR */
  assert_int_equal(search_text(&f, "期限 OR 周转", ids, &n), 0);
  assert_int_equal(n, 2);
  /* A clause found only inside a longer dictionary word (sub-word). */
  assert_int_equal(search_text(&f, "资金", ids, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(ids[0], 4);
  fx_close(&f);
}

static void test_phrase_and_exclude(void **state) {
  (void)state;
  fx f;
  fx_open(&f, NULL);
  add_md(&f, "1.md", "# 甲\n\n履约保函的开立流程很简单。\n");
  add_md(&f, "2.md", "# 乙\n\n开立前要审查，流程另见保函索赔。\n");
  uint64_t ids[16];
  size_t n;
  assert_int_equal(search_text(&f, "开立 流程", ids, &n), 0);
  assert_int_equal(n, 2);
  assert_int_equal(search_text(&f, "\"开立流程\"", ids, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(ids[0], 1);
  /* Chinese quotes work too. */
  assert_int_equal(search_text(&f, "“开立流程”", ids, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(search_text(&f, "保函 -索赔", ids, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(ids[0], 1);
  assert_int_equal(search_text(&f, "保函 -\"开立流程\"", ids, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(ids[0], 2);
  fx_close(&f);
}

static void test_filters_paging_snippet_synonyms(void **state) {
  (void)state;
  fx f;
  fx_open(&f, "并购贷 = 并购贷款\n");
  for (int i = 1; i <= 25; i++) {
    char md[256], name[32];
    snprintf(md, sizeof md,
             "# 文章%d\ncategory: %s\ntags: %s\n\n开头的一些铺垫文字，"
             "再一些文字。关于并购贷款的说明第%d篇。\n",
             i, i % 2 ? "产品手册" : "流程手册", i % 5 ? "常规" : "重点", i);
    snprintf(name, sizeof name, "%d.md", i);
    add_md(&f, name, md);
  }
  uint64_t ids[16];
  size_t n, total;
  kb_diag d;
  kb_query q = {.text = "并购贷款", .page_size = 10};
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(total, 25);
  assert_int_equal(n, 10);
  q.page = 3;
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(n, 5);
  q.page = 4;
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(n, 0);
  q = (kb_query){.text = "并购贷款", .category = "流程手册", .tag = "重点"};
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(total, 2); /* 10 and 20 */
  for (size_t i = 0; i < n; i++)
    assert_int_equal(ids[i] % 10, 0);
  q = (kb_query){.text = "并购贷款", .category = "没有这类"};
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(total, 0);
  /* Synonym: 并购贷 finds 并购贷款. */
  q = (kb_query){.text = "并购贷"};
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(total, 25);
  /* Snippet: the match is marked. */
  store_txn *txn;
  assert_int_equal(store_begin(f.st, false, &txn), 0);
  kb_results r;
  q = (kb_query){
      .text = "说明", .page_size = 1, .hl_open = "<em>", .hl_close = "</em>"};
  assert_int_equal(kb_search(f.k, txn, &q, &r, &d), 0);
  assert_int_equal(r.n, 1);
  assert_non_null(strstr(r.hits[0].snippet, "<em>说明</em>"));
  kb_results_destroy(&r);
  store_abort(txn);
  fx_close(&f);
}

static uint64_t warm_bytes(fx *f, const atomic_bool *stop) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  uint64_t bytes = 1;
  assert_int_equal(store_kb_warm(txn, stop, &bytes), 0);
  store_abort(txn);
  return bytes;
}

/* store_kb_warm (serve's start-up read of the index) walks every kb entry:
 * nothing in an empty store, more as articles are added, and a set stop
 * flag ends it early (checked every 1024 entries) without an error. */
static void test_warm_walks_index(void **state) {
  (void)state;
  fx f;
  fx_open(&f, NULL);
  assert_int_equal(warm_bytes(&f, NULL), 0);
  add_md(&f, "1.md", "# 保函业务\n\n保函 保证金 比例\n");
  uint64_t one = warm_bytes(&f, NULL);
  /* At least the article's title and body and a posting per word. */
  assert_true(one > strlen("保函业务保函 保证金 比例"));
  static kb_article arts[1500], *ptr[1500];
  static char titles[1500][32];
  for (size_t i = 0; i < 1500; i++) {
    kb_article a = OPPGRAPH__V1__KB_ARTICLE__INIT;
    a.id = 100 + i;
    snprintf(titles[i], sizeof titles[i], "并购贷款 %zu", i);
    a.title = titles[i];
    a.body = "并购贷款 期限";
    arts[i] = a;
    ptr[i] = &arts[i];
  }
  store_txn *txn;
  kb_diag d;
  assert_int_equal(store_begin(f.st, true, &txn), 0);
  assert_int_equal(kb_put_batch(f.k, txn, ptr, 1500, NULL, &d), 0);
  assert_int_equal(store_commit(txn), 0);
  uint64_t all = warm_bytes(&f, NULL);
  assert_true(all > one + 1500 * strlen("并购贷款 期限"));
  atomic_bool stop = true;
  uint64_t part = warm_bytes(&f, &stop);
  assert_true(part > 0);
  assert_true(part < all);
  fx_close(&f);
}

static size_t postings_of(fx *f, const char *term) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  store_kb_cursor *c;
  assert_int_equal(store_kb_post_open(txn, term, strlen(term), &c), 0);
  size_t n;
  assert_int_equal(store_kb_post_count(c, &n), 0);
  store_kb_post_close(c);
  store_abort(txn);
  return n;
}

static void test_update_delete(void **state) {
  (void)state;
  fx f;
  fx_open(&f, NULL);
  add_md(&f, "1.md", "# 旧标题\ntags: 旧标签\n\n甲乙丙丁\n");
  add_md(&f, "2.md", "# 别的\n\n甲乙也在这里\n");
  assert_int_equal(postings_of(&f, "甲乙"), 2);
  assert_int_equal(postings_of(&f, "丙丁"), 1);
  assert_int_equal(postings_of(&f, "\x01t:旧标签"), 1);
  /* Same id: replaced, its old postings gone. */
  bool replaced = false;
  kb_article *a;
  kb_diag d;
  const char *md = "# 新标题\n\n戊己庚\n";
  assert_int_equal(kb_article_parse("1.md", md, strlen(md), &a, &d), 0);
  store_txn *txn;
  assert_int_equal(store_begin(f.st, true, &txn), 0);
  assert_int_equal(kb_put(f.k, txn, a, &replaced, &d), 0);
  assert_int_equal(store_commit(txn), 0);
  kb_article_free(a);
  assert_true(replaced);
  assert_int_equal(postings_of(&f, "甲乙"), 1);
  assert_int_equal(postings_of(&f, "丙丁"), 0);
  assert_int_equal(postings_of(&f, "\x01t:旧标签"), 0);
  assert_int_equal(postings_of(&f, "戊己"), 1);
  uint64_t ids[16];
  size_t n;
  assert_int_equal(search_text(&f, "丙丁", ids, &n), 0);
  assert_int_equal(n, 0);
  /* Delete: postings, length and counters go. */
  assert_int_equal(store_begin(f.st, true, &txn), 0);
  assert_int_equal(kb_delete(f.k, txn, 1, &d), 0);
  assert_int_equal(kb_delete(f.k, txn, 1, &d), KB_ENOTFOUND);
  assert_non_null(strstr(d.msg, "1"));
  assert_int_equal(store_commit(txn), 0);
  assert_int_equal(postings_of(&f, "戊己"), 0);
  assert_int_equal(postings_of(&f, "新标"), 0);
  assert_int_equal(store_begin(f.st, false, &txn), 0);
  uint64_t docs, toklen;
  uint32_t len2;
  assert_int_equal(store_kb_meta_get(txn, "docs", &docs), 0);
  assert_int_equal(store_kb_meta_get(txn, "toklen", &toklen), 0);
  assert_int_equal(store_kb_len_get(txn, 2, &len2), 0);
  assert_int_equal(docs, 1);
  assert_int_equal(toklen, len2);
  store_abort(txn);
  fx_close(&f);
}

/* Bulk path: kb_put_batch into a no_sync store (postings through the write
 * cursor), articles given out of id order, the store synced at the end; the
 * postings must read back in id order and search must see them. */
static void test_bulk_no_sync(void **state) {
  (void)state;
  char dir[128];
  snprintf(dir, sizeof dir, "%s/bulk%d", g_base, ++g_seq);
  store_options o = {.map_size = (size_t)64 << 20, .no_sync = true};
  fx f;
  assert_int_equal(store_open(dir, &o, &f.st), 0);
  kb_diag d;
  assert_int_equal(kb_open_with(small_dict(), NULL, NULL, &f.k, &d), 0);
  static const uint64_t order[] = {7, 3, 9, 1, 5};
  kb_article arts[5], *ptr[5];
  char titles[5][32];
  for (size_t i = 0; i < 5; i++) {
    kb_article a = OPPGRAPH__V1__KB_ARTICLE__INIT;
    a.id = order[i];
    snprintf(titles[i], sizeof titles[i], "保函 %llu",
             (unsigned long long)order[i]);
    a.title = titles[i];
    a.body = i % 2 ? "并购贷款 期限" : "保证金 比例";
    arts[i] = a;
    ptr[i] = &arts[i];
  }
  store_txn *txn;
  assert_int_equal(store_begin(f.st, true, &txn), 0);
  assert_int_equal(kb_put_batch(f.k, txn, ptr, 5, NULL, &d), 0);
  assert_int_equal(store_commit(txn), 0);
  assert_int_equal(store_sync(f.st), 0);
  assert_int_equal(store_begin(f.st, false, &txn), 0);
  store_kb_cursor *c;
  assert_int_equal(store_kb_post_open(txn, "保函", strlen("保函"), &c), 0);
  uint64_t id, want[] = {1, 3, 5, 7, 9};
  const void *val;
  size_t vlen, n = 0;
  while (store_kb_post_next(c, &id, &val, &vlen) == 0) {
    assert_true(n < 5);
    assert_int_equal(id, want[n]);
    n++;
  }
  assert_int_equal(n, 5);
  store_kb_post_close(c);
  store_abort(txn);
  assert_int_equal(postings_of(&f, "并购贷款"), 2);
  uint64_t ids[16];
  size_t total;
  kb_query q = {.text = "保证金"};
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(total, 3);
  fx_close(&f);
}

/* Bulk batches one after the other: each batch's articles out of id order
 * (the batch indexes them in id order so that a term's list comes out
 * sorted), the second batch extending the term's small last chunk (its
 * encoded body copied, new deltas from the id in its key).  Every posting
 * must read back in id order with its own tf / title tf and increasing
 * positions: a wrong delta or a lost grouping of repeated tokens shows. */
static void test_bulk_batches_values(void **state) {
  (void)state;
  fx f;
  fx_open(&f, NULL);
  kb_diag d;
  /* id -> times 保函 occurs in the body (the title has it once). */
  static const uint64_t ids[2][3] = {{20, 5, 11}, {40, 33, 21}};
  char bodies[2][3][128];
  kb_article arts[3], *ptr[3];
  for (size_t b = 0; b < 2; b++) {
    for (size_t i = 0; i < 3; i++) {
      kb_article a = OPPGRAPH__V1__KB_ARTICLE__INIT;
      a.id = ids[b][i];
      a.title = "保函 流程";
      bodies[b][i][0] = 0;
      for (uint64_t r = 0; r < ids[b][i] % 4 + 1; r++)
        strcat(bodies[b][i], "保证金 保函 比例 ");
      a.body = bodies[b][i];
      arts[i] = a;
      ptr[i] = &arts[i];
    }
    store_txn *txn;
    assert_int_equal(store_begin(f.st, true, &txn), 0);
    assert_int_equal(kb_put_batch(f.k, txn, ptr, 3, NULL, &d), 0);
    assert_int_equal(store_commit(txn), 0);
  }
  store_txn *txn;
  assert_int_equal(store_begin(f.st, false, &txn), 0);
  store_kb_cursor *c;
  assert_int_equal(store_kb_post_open(txn, "保函", strlen("保函"), &c), 0);
  static const uint64_t want[] = {5, 11, 20, 21, 33, 40};
  uint64_t id;
  const void *val;
  size_t vlen, n = 0;
  while (store_kb_post_next(c, &id, &val, &vlen) == 0) {
    assert_true(n < 6);
    assert_int_equal(id, want[n]);
    const uint8_t *v = val;
    uint64_t doclen = 0, tft = 0, tf = 0, pos = 0, delta = 0;
    size_t o = store_varint_get(v, vlen, &doclen);
    assert_true(o > 0);
    o += store_varint_get(v + o, vlen - o, &tft);
    o += store_varint_get(v + o, vlen - o, &tf);
    assert_int_equal(tft, 1);
    assert_int_equal(tf, 1 + id % 4 + 1);
    for (uint64_t i = 0; i < tf; i++) {
      size_t r = store_varint_get(v + o, vlen - o, &delta);
      assert_true(r > 0);
      assert_true(i == 0 || delta > 0);
      pos += delta;
      assert_true(pos < doclen);
      o += r;
    }
    assert_int_equal(o, vlen);
    n++;
  }
  assert_int_equal(n, 6);
  store_kb_post_close(c);
  store_abort(txn);
  fx_close(&f);
}

/* Postings are kept in chunks of ~2 KB per term (store_kb.c): many postings
 * of one term, put one at a time in a scrambled order, written through the
 * bulk writer above and among stored ids, replaced and deleted, must read
 * back as exactly the reference set, in id order, with their own values;
 * count and seek must agree with it across chunk boundaries. */
static void test_posting_chunks(void **state) {
  (void)state;
  fx f;
  fx_open(&f, NULL);
  enum { N = 3000 };
  static uint8_t have[N + 1]; /* 0 absent, else the value's first byte */
  memset(have, 0, sizeof have);
  char val[40];
  store_txn *txn;
  assert_int_equal(store_begin(f.st, true, &txn), 0);
  /* Odd ids one at a time, scrambled (7919 is prime to N). */
  for (uint64_t i = 0; i < N; i++) {
    uint64_t id = (i * 7919) % N + 1;
    if (id % 2 == 0)
      continue;
    memset(val, (int)(id % 200 + 1), sizeof val);
    size_t vlen = 1 + id % 30;
    assert_int_equal(
        store_kb_post_put(txn, "词", strlen("词"), id, val, vlen, NULL), 0);
    have[id] = (uint8_t)(id % 200 + 1);
  }
  /* Even ids through the writer, in two passes: above the stored ids is the
   * fast path, among them the one-at-a-time path. */
  store_kb_writer *w;
  assert_int_equal(store_kb_writer_open(txn, &w), 0);
  for (uint64_t id = 2; id <= N; id += 2) {
    memset(val, (int)(id % 200 + 1), sizeof val);
    assert_int_equal(
        store_kb_writer_put(w, "词", strlen("词"), id, val, 1 + id % 30, NULL),
        0);
    have[id] = (uint8_t)(id % 200 + 1);
  }
  /* Another term in between keeps the first term's chunks bounded. */
  assert_int_equal(
      store_kb_writer_put(w, "词语", strlen("词语"), 5, "x", 1, NULL), 0);
  assert_int_equal(store_kb_writer_flush(w), 0);
  store_kb_writer_close(w);
  /* Replace some, delete others (and one that is not there). */
  for (uint64_t id = 10; id <= N; id += 97) {
    memset(val, 250, sizeof val);
    assert_int_equal(
        store_kb_post_put(txn, "词", strlen("词"), id, val, 3, NULL), 0);
    have[id] = 250;
  }
  for (uint64_t id = 1; id <= N; id += 13) {
    assert_int_equal(store_kb_post_del(txn, "词", strlen("词"), id), 0);
    have[id] = 0;
  }
  assert_int_equal(store_kb_post_del(txn, "词", strlen("词"), N + 5), 0);
  assert_int_equal(store_commit(txn), 0);

  size_t want = 0;
  for (size_t id = 1; id <= N; id++)
    want += have[id] != 0;
  assert_int_equal(postings_of(&f, "词"), want);
  assert_int_equal(postings_of(&f, "词语"), 1);
  assert_int_equal(store_begin(f.st, false, &txn), 0);
  store_kb_cursor *c;
  assert_int_equal(store_kb_post_open(txn, "词", strlen("词"), &c), 0);
  uint64_t id, expect = 0;
  const void *v;
  size_t vlen, n = 0;
  int err;
  while ((err = store_kb_post_next(c, &id, &v, &vlen)) == 0) {
    do
      expect++;
    while (expect <= N && !have[expect]);
    assert_int_equal(id, expect);
    assert_int_equal(((const uint8_t *)v)[0], have[id]);
    assert_int_equal(vlen, have[id] == 250 ? 3 : 1 + id % 30);
    n++;
  }
  assert_int_equal(err, STORE_ENOTFOUND);
  assert_int_equal(n, want);
  store_kb_post_close(c);
  /* Seek forward and back: the first posting >= the target. */
  assert_int_equal(store_kb_post_open(txn, "词", strlen("词"), &c), 0);
  static const uint64_t targets[] = {1, 2, 1500, 1400, 2999, 14, 40, N};
  for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
    uint64_t found, x = targets[t];
    while (x <= N && !have[x])
      x++;
    err = store_kb_post_seek(c, targets[t], &found, &v, &vlen);
    if (x > N) {
      assert_int_equal(err, STORE_ENOTFOUND);
      store_kb_post_close(c);
      assert_int_equal(store_kb_post_open(txn, "词", strlen("词"), &c), 0);
      continue;
    }
    assert_int_equal(err, 0);
    assert_int_equal(found, x);
  }
  store_kb_post_close(c);
  store_abort(txn);
  fx_close(&f);
}

/* Score of the best hit of text, or -1 without hits. */
static double top_score(fx *f, const char *text) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  kb_results r;
  kb_diag d;
  kb_query q = {.text = text};
  assert_int_equal(kb_search(f->k, txn, &q, &r, &d), 0);
  double s = r.n ? r.hits[0].score : -1;
  kb_results_destroy(&r);
  store_abort(txn);
  return s;
}

/* A query holding the long form of a synonym group ("并购贷款") contains
 * the short form ("并购贷") as a prefix: rewriting that short form must not
 * add "并购贷款款" (which matched articles with a stray 款 and scored them
 * higher).  The suffix case (保函 inside 银行保函) was already skipped. */
static void test_synonym_inside_long_form(void **state) {
  (void)state;
  static const char *const md[] = {
      "---\nid: 1\ntitle: 说明\n---\n并购贷款 款 款 款\n",
      "---\nid: 2\ntitle: 说明\n---\n并购贷款 期限\n",
  };
  double with, without;
  fx f;
  fx_open(&f, "并购贷 = 并购贷款\n");
  for (size_t i = 0; i < 2; i++)
    add_md(&f, "a.md", md[i]);
  with = top_score(&f, "并购贷款");
  fx_close(&f);
  fx_open(&f, NULL);
  for (size_t i = 0; i < 2; i++)
    add_md(&f, "a.md", md[i]);
  without = top_score(&f, "并购贷款");
  fx_close(&f);
  assert_true(with > 0);
  assert_true(with == without);
}

/* A synonym entry found inside a longer dictionary word of the query that
 * is not of its group ("保函" inside "履约保函"): a rewrite that replaces
 * the entry by a word without it would search a non-word whose pieces may
 * be scattered over an article ("履约" … "银行担保"); it is left out.  A
 * rewrite that keeps the entry ("银行保函") still applies. */
static void test_synonym_inside_other_word(void **state) {
  (void)state;
  static const char *const md[] = {
      "---\nid: 1\ntitle: 说明\n---\n履约保函 的期限\n",
      "---\nid: 2\ntitle: 说明\n---\n履约 条款 另见 银行担保\n",
      "---\nid: 3\ntitle: 说明\n---\n履约 条款 另见 银行保函\n",
  };
  fx f;
  fx_open(&f, "保函 = 银行担保\n");
  for (size_t i = 0; i < 3; i++)
    add_md(&f, "a.md", md[i]);
  uint64_t ids[16];
  size_t n, total;
  kb_diag d;
  kb_query q = {.text = "履约保函"};
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(total, 1);
  assert_int_equal(ids[0], 1);
  /* the entry alone is still rewritten */
  q.text = "保函";
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(total, 3);
  fx_close(&f);
  fx_open(&f, "保函 = 银行保函\n");
  for (size_t i = 0; i < 3; i++)
    add_md(&f, "a.md", md[i]);
  q.text = "履约保函";
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  /* 履约银行保函 is searched (2 of its 4 terms needed, and the head it
   * kept, 保函): 3 too, not 2 (履约 and 银行 but no 保函) */
  assert_int_equal(total, 2);
  assert_true((ids[0] == 1 && ids[1] == 3) || (ids[0] == 3 && ids[1] == 1));
  fx_close(&f);
}

/* The other entry of a group stands for the query's word as a whole: an
 * article must hold all of its terms, not half of its bigrams ("股票" and
 * "质押" apart are not "股票质押").  Half was the rule once, and a common
 * word's rewrite then made most of the corpus candidates. */
static void test_synonym_needs_whole_entry(void **state) {
  (void)state;
  static const char *const md[] = {
      "---\nid: 1\ntitle: 说明\n---\n股票质押 业务\n",
      "---\nid: 2\ntitle: 说明\n---\n股票 回购 质押 比例\n",
      "---\nid: 3\ntitle: 说明\n---\n股权质押 业务\n",
  };
  fx f;
  fx_open(&f, "股权质押 = 股票质押\n");
  for (size_t i = 0; i < 3; i++)
    add_md(&f, "a.md", md[i]);
  uint64_t ids[16];
  size_t n, total;
  kb_diag d;
  kb_query q = {.text = "股权质押"};
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(total, 2);
  assert_int_equal(ids[0], 3); /* the typed word first */
  assert_int_equal(ids[1], 1);
  fx_close(&f);
  /* the typed text itself still needs only half of its bigrams */
  fx_open(&f, NULL);
  for (size_t i = 0; i < 3; i++)
    add_md(&f, "a.md", md[i]);
  q.text = "股票质押";
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(total, 2); /* 1, and 2 with 股票 … 质押 */
  fx_close(&f);
}

/* Candidates come from the fewest postings that can hold every match
 * (search.c plan_lists): a word of three bigrams needs two of them, so an
 * article with the common one and the middle-frequency one but not the
 * rarest one must still be found (driving from the rarest alone would miss
 * it), and the counts must be those of a full scan. */
static void test_candidates_pigeonhole(void **state) {
  (void)state;
  fx f;
  fx_open(&f, NULL);
  char md[256];
  /* 甲乙 in all 30, 丙丁 in every third, 乙丙 only in article 1. */
  for (int i = 1; i <= 30; i++) {
    snprintf(md, sizeof md, "---\nid: %d\ntitle: 说明\n---\n甲乙 %s %s\n", i,
             i % 3 == 0 ? "丙丁" : "", i == 1 ? "乙丙" : "");
    add_md(&f, "a.md", md);
  }
  uint64_t ids[16];
  size_t n, total;
  kb_diag d;
  kb_query q = {.text = "甲乙丙丁", .page_size = 16};
  assert_int_equal(search(&f, &q, ids, &n, &total, &d), 0);
  assert_int_equal(total, 11); /* 3, 6, … 30 and 1 */
  bool seen30 = false, seen1 = false;
  for (size_t i = 0; i < n; i++) {
    seen30 |= ids[i] == 30;
    seen1 |= ids[i] == 1;
  }
  assert_true(seen30 && seen1);
  fx_close(&f);
}

/* A synonym rewrite that no article can match (its entry's terms are in no
 * article) is dropped before planning (search.c prune_dead_alts): the
 * query gives the hits, scores and totals of the same store searched
 * without that synonym group, on the one-word path and in a clause of
 * several words. */
static void test_dead_rewrite_same_as_none(void **state) {
  (void)state;
  fx f;
  fx_open(&f, "甲乙 = 庚辛甲乙\n丙丁 = 壬癸\n");
  kb *plain;
  kb_diag d = {{0}};
  assert_int_equal(kb_open_with(small_dict(), NULL, NULL, &plain, &d), 0);
  char md[256];
  for (int i = 1; i <= 40; i++) {
    snprintf(md, sizeof md, "---\nid: %d\ntitle: %s\n---\n甲乙%s %s 保函\n",
             i, i % 5 ? "说明" : "甲乙", i % 2 ? "甲乙" : "",
             i % 3 ? "" : "丙丁");
    add_md(&f, "a.md", md);
  }
  static const char *const queries[] = {"甲乙", "丙丁", "甲乙丙丁", "丙丁 保函",
                                        "甲乙 -丙丁"};
  for (size_t qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
    kb_query q = {.text = queries[qi], .page_size = 10};
    kb_results a, b;
    store_txn *txn;
    assert_int_equal(store_begin(f.st, false, &txn), 0);
    assert_int_equal(kb_search(f.k, txn, &q, &a, &d), 0);
    assert_int_equal(kb_search(plain, txn, &q, &b, &d), 0);
    store_abort(txn);
    if (a.total != b.total || a.n != b.n)
      fail_msg("%s: %zu/%zu hits, without synonyms %zu/%zu", queries[qi], a.n,
               a.total, b.n, b.total);
    assert_true(a.n > 0);
    for (size_t i = 0; i < a.n; i++)
      if (a.hits[i].id != b.hits[i].id || a.hits[i].score != b.hits[i].score)
        fail_msg("%s hit %zu: %llu (%.17g), without synonyms %llu (%.17g)",
                 queries[qi], i, (unsigned long long)a.hits[i].id,
                 a.hits[i].score, (unsigned long long)b.hits[i].id,
                 b.hits[i].score);
    kb_results_destroy(&a);
    kb_results_destroy(&b);
  }
  kb_close(plain);
  fx_close(&f);
}

/* ---- block-max ---------------------------------------------------------- */

static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 33;
}

/* One generated article: a title of 1-3 words and a body of 20-120 words
 * from a small vocabulary, dictionary words frequent, so that common terms
 * have hundreds of postings in many chunks with varied tf and lengths. */
static void gen_article(uint64_t *rs, uint64_t id, kb_article *a, char *title,
                        char *body) {
  static const char *const w[] = {"保函",     "保证金", "并购贷款", "银行",
                                  "履约保函", "甲乙",   "丙丁",     "期限",
                                  "流程",     "审批",   "lpr",      "费率"};
  size_t nw = sizeof w / sizeof w[0], o = 0;
  int nt = 1 + (int)(lcg(rs) % 3);
  for (int i = 0; i < nt; i++)
    o += (size_t)sprintf(title + o, "%s", w[lcg(rs) % nw]);
  o = 0;
  int nb = 20 + (int)(lcg(rs) % 100);
  for (int i = 0; i < nb; i++) {
    size_t x = lcg(rs) % 100;
    o += (size_t)sprintf(body + o, "%s%s", x < 60 ? w[x % nw] : "说明",
                         x % 7 ? "" : "。");
  }
  *a = (kb_article)OPPGRAPH__V1__KB_ARTICLE__INIT;
  a->id = id;
  a->title = title;
  a->body = body;
  a->category = id % 2 ? "产品手册" : "流程手册";
}

/* Block-max gives the same pages, scores and totals as scoring every match,
 * on a corpus written in bulk and then edited (replaced and deleted
 * articles leave chunks whose bounds were inherited, not recomputed). */
static void test_blockmax_same_as_exhaustive(void **state) {
  (void)state;
  fx f;
  fx_open(&f, "保函 = 银行保函\n并购贷 = 并购贷款\n");
  kb_params p;
  kb_params_default(&p);
  p.exhaustive = true;
  char syn[160];
  snprintf(syn, sizeof syn, "%s/syn%d.txt", g_base, g_seq);
  kb *slow;
  kb_diag d = {{0}};
  assert_int_equal(kb_open_with(small_dict(), syn, &p, &slow, &d), 0);
  enum { N = 3000, B = 500 };
  static char title[B][64], body[B][1024];
  static kb_article arts[B];
  kb_article *ptr[B];
  uint64_t rs = 42;
  for (int i = 0; i < N; i += B) {
    for (int j = 0; j < B; j++) {
      gen_article(&rs, (uint64_t)(i + j + 1), &arts[j], title[j], body[j]);
      ptr[j] = &arts[j];
    }
    store_txn *txn;
    assert_int_equal(store_begin(f.st, true, &txn), 0);
    assert_int_equal(kb_put_batch(f.k, txn, ptr, B, NULL, &d), 0);
    assert_int_equal(store_commit(txn), 0);
  }
  store_txn *txn;
  assert_int_equal(store_begin(f.st, true, &txn), 0);
  for (int i = 0; i < 60; i++) { /* replace 60, delete 30 */
    gen_article(&rs, 1 + lcg(&rs) % N, &arts[0], title[0], body[0]);
    assert_int_equal(kb_put(f.k, txn, &arts[0], NULL, &d), 0);
    if (i % 2)
      kb_delete(f.k, txn, 1 + lcg(&rs) % N, &d); /* may be gone already */
  }
  assert_int_equal(store_commit(txn), 0);
  static const char *const queries[] = {"保函",
                                        "保证金",
                                        "银行保函",
                                        "并购贷",
                                        "甲乙",
                                        "保函 期限",
                                        "lpr 费率",
                                        "保函 OR 审批",
                                        "保证金 -流程",
                                        "\"保函 保证金\"",
                                        "履约保函 银行 甲乙 丙丁",
                                        "履约保函",
                                        "保函费率",
                                        "并购贷款",
                                        "银行保函期限"};
  for (size_t qi = 0; qi < sizeof queries / sizeof queries[0]; qi++)
    for (size_t page = 1; page <= 3; page += 2) {
      kb_query q = {.text = queries[qi], .page = page, .page_size = 10};
      kb_results a, b;
      assert_int_equal(store_begin(f.st, false, &txn), 0);
      int ea = kb_search(f.k, txn, &q, &a, &d);
      int eb = kb_search(slow, txn, &q, &b, &d);
      store_abort(txn);
      assert_int_equal(ea, 0);
      assert_int_equal(eb, 0);
      if (a.total != b.total || a.n != b.n)
        fail_msg("%s page %zu: %zu/%zu hits, exhaustive %zu/%zu", queries[qi],
                 page, a.n, a.total, b.n, b.total);
      assert_true(a.n > 0);
      for (size_t i = 0; i < a.n; i++)
        if (a.hits[i].id != b.hits[i].id || a.hits[i].score != b.hits[i].score)
          fail_msg("%s page %zu hit %zu: %llu (%.9g), exhaustive %llu (%.9g)",
                   queries[qi], page, i, (unsigned long long)a.hits[i].id,
                   a.hits[i].score, (unsigned long long)b.hits[i].id,
                   b.hits[i].score);
      kb_results_destroy(&a);
      kb_results_destroy(&b);
    }
  kb_close(slow);
  fx_close(&f);
}

/* kb_bulk (a small budget: many flushes; ids out of order; an id given
 * again while pending and after its flush) builds the index kb_put builds
 * one article at a time; a bulk freed without a flush leaves the store as
 * of its last flush. */
static void test_bulk_same_as_put(void **state) {
  (void)state;
  fx one, bulk;
  fx_open(&one, "保函 = 银行保函\n");
  fx_open(&bulk, "保函 = 银行保函\n");
  enum { N = 400 };
  static char title[N][64], body[N][1024];
  static kb_article arts[N];
  uint64_t rs = 7;
  kb_diag d = {{0}};
  kb_bulk *bk;
  assert_int_equal(kb_bulk_new(bulk.k, bulk.st, 64 << 10, &bk, &d), 0);
  for (int i = 0; i < N; i++) {
    /* ids 1..300 scrambled, then 100 repeats of earlier ids */
    uint64_t id = i < 300 ? 1 + (uint64_t)(i * 7) % 300 : 1 + lcg(&rs) % 300;
    gen_article(&rs, id, &arts[i], title[i], body[i]);
    store_txn *txn;
    assert_int_equal(store_begin(one.st, true, &txn), 0);
    assert_int_equal(kb_put(one.k, txn, &arts[i], NULL, &d), 0);
    assert_int_equal(store_commit(txn), 0);
    bool r;
    assert_int_equal(kb_bulk_add(bk, &arts[i], &r, &d), 0);
    assert_true(r == (i >= 300));
  }
  assert_int_equal(kb_bulk_flush(bk, &d), 0);
  static const char *const queries[] = {"保函", "银行保函", "甲乙 丙丁", "lpr",
                                        "\"保证金 期限\""};
  for (size_t qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
    kb_query q = {.text = queries[qi], .page_size = 20};
    kb_results a, b;
    store_txn *ta, *tb;
    assert_int_equal(store_begin(one.st, false, &ta), 0);
    assert_int_equal(store_begin(bulk.st, false, &tb), 0);
    assert_int_equal(kb_search(one.k, ta, &q, &a, &d), 0);
    assert_int_equal(kb_search(bulk.k, tb, &q, &b, &d), 0);
    store_abort(ta);
    store_abort(tb);
    if (a.total != b.total || a.n != b.n)
      fail_msg("%s: kb_put %zu/%zu hits, kb_bulk %zu/%zu", queries[qi], a.n,
               a.total, b.n, b.total);
    for (size_t i = 0; i < a.n; i++)
      assert_true(a.hits[i].id == b.hits[i].id &&
                  a.hits[i].score == b.hits[i].score);
    kb_results_destroy(&a);
    kb_results_destroy(&b);
  }
  /* Unflushed articles are lost with the bulk, flushed ones stay. */
  gen_article(&rs, 1000, &arts[0], title[0], body[0]);
  assert_int_equal(kb_bulk_add(bk, &arts[0], NULL, &d), 0);
  kb_bulk_free(bk);
  store_txn *txn;
  kb_article *a = NULL;
  assert_int_equal(store_begin(bulk.st, false, &txn), 0);
  assert_int_equal(store_kb_get(txn, 1000, &a), STORE_ENOTFOUND);
  assert_int_equal(store_kb_get(txn, 300, &a), 0);
  kb_article_free(a);
  uint64_t docs;
  assert_int_equal(store_kb_meta_get(txn, "docs", &docs), 0);
  assert_int_equal(docs, 300);
  store_abort(txn);
  fx_close(&one);
  fx_close(&bulk);
}

/* Reads term's postings (id, value) in order into ids / vals (up to max);
 * the count. */
static size_t read_postings(fx *f, const char *term, uint64_t *ids,
                            uint8_t (*vals)[512], size_t *vlens, size_t max) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  store_kb_cursor *c;
  assert_int_equal(store_kb_post_open(txn, term, strlen(term), &c), 0);
  uint64_t id;
  const void *val;
  size_t vlen, n = 0;
  while (store_kb_post_next(c, &id, &val, &vlen) == 0) {
    assert_true(n < max && vlen <= sizeof vals[0]);
    ids[n] = id;
    memcpy(vals[n], val, vlen);
    vlens[n++] = vlen;
  }
  store_kb_post_close(c);
  store_abort(txn);
  return n;
}

/* The bulk batch keeps short posting values in the posting record and
 * longer ones beside it: values of every length from a few bytes (one
 * occurrence) past the record's room and past a one-byte length (a term
 * repeated up to 180 times), articles given out of id order, must be
 * stored byte for byte as kb_put stores them one at a time. */
static void test_bulk_values_every_length(void **state) {
  (void)state;
  fx one, bulk;
  fx_open(&one, NULL);
  fx_open(&bulk, NULL);
  enum { N = 90 };
  static char body[N][N * 16];
  static kb_article arts[N];
  kb_diag d = {{0}};
  kb_bulk *bk;
  assert_int_equal(kb_bulk_new(bulk.k, bulk.st, 0, &bk, &d), 0);
  for (int i = 0; i < N; i++) {
    uint64_t id = 1 + (uint64_t)(i * 37) % N; /* scrambled */
    body[i][0] = 0;
    for (uint64_t r = 0; r < 2 * id; r++) /* 保函 2 id times, 比例 once */
      strcat(body[i], r == id ? "保函 比例 " : "保函 ");
    arts[i] = (kb_article)OPPGRAPH__V1__KB_ARTICLE__INIT;
    arts[i].id = id;
    arts[i].title = "流程";
    arts[i].body = body[i];
    store_txn *txn;
    assert_int_equal(store_begin(one.st, true, &txn), 0);
    assert_int_equal(kb_put(one.k, txn, &arts[i], NULL, &d), 0);
    assert_int_equal(store_commit(txn), 0);
    assert_int_equal(kb_bulk_add(bk, &arts[i], NULL, &d), 0);
  }
  assert_int_equal(kb_bulk_flush(bk, &d), 0);
  kb_bulk_free(bk);
  static const char *const terms[] = {"保函", "比例", "流程"};
  static uint64_t ia[N], ib[N];
  static uint8_t va[N][512], vb[N][512];
  size_t la[N], lb[N];
  size_t longest = 0;
  for (size_t t = 0; t < 3; t++) {
    size_t na = read_postings(&one, terms[t], ia, va, la, N);
    assert_int_equal(na, N);
    assert_int_equal(read_postings(&bulk, terms[t], ib, vb, lb, N), na);
    for (size_t i = 0; i < na; i++) {
      assert_int_equal(ia[i], i + 1);
      assert_int_equal(ib[i], ia[i]);
      assert_int_equal(lb[i], la[i]);
      assert_memory_equal(vb[i], va[i], la[i]);
      longest = la[i] > longest ? la[i] : longest;
    }
  }
  assert_true(longest > 128); /* a two-byte length was among them */
  fx_close(&one);
  fx_close(&bulk);
}

/* The bulk batch tells terms apart by their first 8 bytes and length (a
 * term of at most 8 bytes is all in them): terms of every length from 1 to
 * 11 bytes that differ only in their last byte, each in its own set of
 * articles, must keep their own postings. */
static void test_bulk_terms_differing_last_byte(void **state) {
  (void)state;
  fx f;
  fx_open(&f, NULL);
  static const char *const stems[] = {
      "q",      "qx",      "qxz",      "qxzw",      "qxzwv",
      "qxzwvk", "qxzwvkj", "qxzwvkjy", "qxzwvkjyb", "qxzwvkjybf"};
  enum { NS = sizeof stems / sizeof stems[0] };
  static char body[2 * NS][64];
  static kb_article arts[2 * NS];
  kb_diag d = {{0}};
  kb_bulk *bk;
  assert_int_equal(kb_bulk_new(f.k, f.st, 0, &bk, &d), 0);
  for (size_t i = 0; i < 2 * NS; i++) {
    /* article i: the stem + 'a' once (i even) or + 'c' twice (i odd) */
    snprintf(body[i], sizeof body[i], i % 2 ? "%sc 说明 %sc" : "%sa 说明",
             stems[i / 2], stems[i / 2]);
    arts[i] = (kb_article)OPPGRAPH__V1__KB_ARTICLE__INIT;
    arts[i].id = i + 1;
    arts[i].title = "流程";
    arts[i].body = body[i];
    assert_int_equal(kb_bulk_add(bk, &arts[i], NULL, &d), 0);
  }
  assert_int_equal(kb_bulk_flush(bk, &d), 0);
  kb_bulk_free(bk);
  static uint64_t ids[4];
  static uint8_t vals[4][512];
  size_t vlens[4];
  for (size_t i = 0; i < 2 * NS; i++) {
    char term[16];
    snprintf(term, sizeof term, "%s%c", stems[i / 2], i % 2 ? 'c' : 'a');
    if (read_postings(&f, term, ids, vals, vlens, 4) != 1 || ids[0] != i + 1)
      fail_msg("%s: not exactly article %zu", term, i + 1);
    uint64_t doclen, tft, tf;
    size_t o = store_varint_get(vals[0], vlens[0], &doclen);
    o += store_varint_get(vals[0] + o, vlens[0] - o, &tft);
    store_varint_get(vals[0] + o, vlens[0] - o, &tf);
    assert_int_equal(tf, i % 2 ? 2 : 1);
  }
  fx_close(&f);
}

/* The bulk writer checks a term when the term changes: an empty one, one
 * holding a NUL or one over STORE_KB_TERM_MAX bytes is refused, also right
 * after postings of a valid term (whose own postings go on being taken). */
static void test_writer_refuses_bad_terms(void **state) {
  (void)state;
  fx f;
  fx_open(&f, NULL);
  store_txn *txn;
  assert_int_equal(store_begin(f.st, true, &txn), 0);
  store_kb_writer *w;
  assert_int_equal(store_kb_writer_open(txn, &w), 0);
  static const uint8_t v[] = {3, 0, 1, 0};
  const store_kb_impact imp = {{1, 0, 1}};
  char longterm[STORE_KB_TERM_MAX + 2];
  memset(longterm, 'q', sizeof longterm);
  assert_int_equal(store_kb_writer_put(w, "qa", 2, 1, v, 4, &imp), 0);
  assert_int_equal(store_kb_writer_put(w, "qa", 2, 2, v, 4, &imp), 0);
  assert_int_equal(store_kb_writer_put(w, "qa\0", 3, 3, v, 4, &imp),
                   STORE_EINVAL);
  assert_int_equal(store_kb_writer_put(w, "", 0, 3, v, 4, &imp), STORE_EINVAL);
  assert_int_equal(
      store_kb_writer_put(w, longterm, sizeof longterm, 3, v, 4, &imp),
      STORE_EINVAL);
  assert_int_equal(store_kb_writer_put(w, "qa", 2, 3, v, 4, &imp), 0);
  assert_int_equal(store_kb_writer_put(w, "qb", 2, 1, v, 4, &imp), 0);
  assert_int_equal(store_kb_writer_flush(w), 0);
  store_kb_writer_close(w);
  assert_int_equal(store_commit(txn), 0);
  assert_int_equal(postings_of(&f, "qa"), 3);
  assert_int_equal(postings_of(&f, "qb"), 1);
  fx_close(&f);
}

/* A store indexed before the chunk layout was recorded (or with an older
 * one) is refused by search and by writes, saying to rebuild. */
static void test_old_layout_refused(void **state) {
  (void)state;
  fx f;
  fx_open(&f, NULL);
  add_md(&f, "a.md", "---\nid: 1\ntitle: 保函\n---\n保证金\n");
  uint64_t ids[16];
  size_t n;
  assert_int_equal(search_text(&f, "保函", ids, &n), 0);
  assert_int_equal(n, 1);
  for (uint64_t old = 0; old < 2; old++) {
    store_txn *txn;
    assert_int_equal(store_begin(f.st, true, &txn), 0);
    assert_int_equal(store_kb_meta_put(txn, "layout", old), 0);
    assert_int_equal(store_commit(txn), 0);
    kb_query q = {.text = "保函"};
    kb_diag d = {{0}};
    assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_ELAYOUT);
    assert_non_null(strstr(d.msg, "rebuild with kb add"));
    assert_int_equal(store_begin(f.st, false, &txn), 0);
    assert_int_equal(kb_product_articles(txn, "p1", ids, 16, &n, &d),
                     KB_ELAYOUT);
    store_abort(txn);
    kb_article *a;
    const char *md = "---\nid: 2\ntitle: x\n---\ny\n";
    assert_int_equal(kb_article_parse("b.md", md, strlen(md), &a, &d), 0);
    assert_int_equal(store_begin(f.st, true, &txn), 0);
    assert_int_equal(kb_put(f.k, txn, a, NULL, &d), KB_ELAYOUT);
    store_abort(txn);
    kb_article_free(a);
  }
  fx_close(&f);
}

static void test_bad_queries(void **state) {
  (void)state;
  fx f;
  fx_open(&f, NULL);
  add_md(&f, "1.md", "# 保函\n\n正文\n");
  uint64_t ids[16];
  size_t n;
  kb_diag d;
  kb_query q = {.text = ""};
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_EINVAL);
  assert_non_null(strstr(d.msg, "empty"));
  q.text = " \t　";
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_EINVAL);
  q.text = NULL;
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_EINVAL);
  char *big = malloc(10001);
  memset(big, 'a', 10000);
  big[10000] = 0;
  q.text = big;
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_ETOOBIG);
  assert_non_null(strstr(d.msg, "10000"));
  /* 10,000 characters of Chinese, too. */
  free(big);
  big = malloc(30001);
  for (int i = 0; i < 10000; i++)
    memcpy(big + 3 * i, "保", 3);
  big[30000] = 0;
  q.text = big;
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_ETOOBIG);
  free(big);
  q.text = "\"保函";
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_EINVAL);
  assert_non_null(strstr(d.msg, "quote"));
  q.text = "保函 \"";
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_EINVAL);
  q.text = "保\xe4\xbf";
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_EUTF8);
  assert_non_null(strstr(d.msg, "byte 3"));
  q.text = "-保函";
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_EINVAL);
  q.text = "，。！";
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_EINVAL);
  q.text = "保函";
  q.page_size = 1000;
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), KB_EINVAL);
  /* Odd but valid: just words. */
  q = (kb_query){.text = "OR - | AND 保函 OR"};
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), 0);
  assert_int_equal(n, 1);
  q.text = "\"\" 保函";
  assert_int_equal(search(&f, &q, ids, &n, NULL, &d), 0);
  assert_int_equal(n, 1);
  fx_close(&f);
}

/* The bundled KB: every article loads and a few known questions find their
 * article first. */
static void test_bundled_kb(void **state) {
  (void)state;
  struct stat sb;
  if (stat("data/kb/articles", &sb) != 0 || stat("data/dict", &sb) != 0) {
    printf("skipped: data/kb/articles not found (run from the repository "
           "root)\n");
    skip();
  }
  char dir[128];
  snprintf(dir, sizeof dir, "%s/bundled", g_base);
  store *st;
  store_options o = {.map_size = (size_t)64 << 20};
  assert_int_equal(store_open(dir, &o, &st), 0);
  kb *k;
  kb_diag d;
  assert_int_equal(kb_open("data", NULL, &k, &d), 0);
  char *paths[] = {"data/kb/articles"};
  kb_add_stats s;
  assert_int_equal(kb_add_paths(k, st, paths, 1, NULL, NULL, &s), 0);
  assert_true(s.added >= 50);
  assert_int_equal(s.failed, 0);
  static const struct {
    const char *q;
    uint64_t id;
  } cases[] = {{"并购贷款 期限", 13}, {"反向保理 流程", 26}, {"环评批复", 9}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    store_txn *txn;
    assert_int_equal(store_begin(st, false, &txn), 0);
    kb_results r;
    kb_query q = {.text = cases[i].q};
    assert_int_equal(kb_search(k, txn, &q, &r, &d), 0);
    assert_true(r.n > 0);
    assert_int_equal(r.hits[0].id, cases[i].id);
    kb_results_destroy(&r);
    store_abort(txn);
  }
  /* Every product of the product matrix has at least one article. */
  json_error_t je;
  json_t *pj = json_load_file("data/products.json", 0, &je);
  assert_non_null(pj);
  const char *pid;
  json_t *pv;
  store_txn *txn;
  assert_int_equal(store_begin(st, false, &txn), 0);
  size_t nprod = 0;
  json_object_foreach(json_object_get(pj, "products"), pid, pv) {
    uint64_t ids[8];
    size_t n = 0;
    assert_int_equal(kb_product_articles(txn, pid, ids, 8, &n, &d), 0);
    if (n == 0)
      fail_msg("no article for product %s", pid);
    nprod++;
  }
  assert_true(nprod >= 10);
  uint64_t ids[8];
  size_t n;
  assert_int_equal(kb_product_articles(txn, "NO_SUCH", ids, 8, &n, &d), 0);
  assert_int_equal(n, 0);
  assert_int_equal(kb_product_articles(txn, "", ids, 8, &n, &d), KB_EINVAL);
  store_abort(txn);
  json_decref(pj);
  kb_close(k);
  store_close(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tokenize_mixed),
      cmocka_unit_test(test_article_formats),
      cmocka_unit_test(test_bm25_order),
      cmocka_unit_test(test_phrase_and_exclude),
      cmocka_unit_test(test_filters_paging_snippet_synonyms),
      cmocka_unit_test(test_update_delete),
      cmocka_unit_test(test_bulk_no_sync),
      cmocka_unit_test(test_bulk_batches_values),
      cmocka_unit_test(test_posting_chunks),
      cmocka_unit_test(test_synonym_inside_long_form),
      cmocka_unit_test(test_synonym_inside_other_word),
      cmocka_unit_test(test_synonym_needs_whole_entry),
      cmocka_unit_test(test_candidates_pigeonhole),
      cmocka_unit_test(test_dead_rewrite_same_as_none),
      cmocka_unit_test(test_blockmax_same_as_exhaustive),
      cmocka_unit_test(test_old_layout_refused),
      cmocka_unit_test(test_bulk_same_as_put),
      cmocka_unit_test(test_bulk_values_every_length),
      cmocka_unit_test(test_bulk_terms_differing_last_byte),
      cmocka_unit_test(test_writer_refuses_bad_terms),
      cmocka_unit_test(test_bad_queries),
      cmocka_unit_test(test_bundled_kb),
      cmocka_unit_test(test_warm_walks_index),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
