/*
 * test_ingest.c — behaviour of ingest/: the readers (HTML text extraction,
 * announcement XML, JSON lines, plain text, GBK input), registry validation
 * errors that name the line, GB 32100 check characters, SimHash closeness,
 * GLEIF files (from ../shared/data/gleif when present, else skipped), and the
 * batch driver on a temporary store: idempotent re-ingest, bad files reported
 * while the others land, and a failing file leaving stored data untouched.
 *
 * Paths are relative to the repository root (where `make test` runs);
 * OPPGRAPH_SHARED_DATA overrides ../shared/data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ingest.h"

#define SCHEMA "data/schema/registry.xsd"

/* ---- helpers ----------------------------------------------------------- */

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f) {
  (void)sb;
  (void)flag;
  (void)f;
  return remove(p);
}

static char *tmpdir_new(void) {
  char *t = strdup("/tmp/oppgraph-ingest-XXXXXX");
  assert_non_null(mkdtemp(t));
  return t;
}

static void tmpdir_free(char *t) {
  nftw(t, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(t);
}

static void write_file(const char *dir, const char *name, const char *content,
                       size_t len) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(content, 1, len, f), len);
  fclose(f);
}
#define WRITE(dir, name, s) write_file(dir, name, s, strlen(s))

typedef struct diag_log {
  char text[8192];
  int n;
} diag_log;

static void diag_collect(void *ctx, const char *path, const char *msg) {
  diag_log *d = ctx;
  size_t used = strlen(d->text);
  snprintf(d->text + used, sizeof d->text - used, "%s: %s\n", path, msg);
  d->n++;
}

static store *open_store(const char *dir) {
  char p[1024];
  snprintf(p, sizeof p, "%s/db", dir);
  store_options o = {.map_size = 64u << 20};
  store *st = NULL;
  int rc = store_open(p, &o, &st);
  if (rc)
    fail_msg("store_open %s: %s", p, store_strerror(rc));
  return st;
}

static store_stats stats_of(store *st) {
  store_txn *txn = NULL;
  assert_int_equal(store_begin(st, false, &txn), 0);
  store_stats s;
  assert_int_equal(store_stats_get(txn, &s), 0);
  store_abort(txn);
  return s;
}

static void assert_stats_equal(store_stats a, store_stats b) {
  assert_int_equal(a.enterprises, b.enterprises);
  assert_int_equal(a.persons, b.persons);
  assert_int_equal(a.documents, b.documents);
  assert_int_equal(a.events, b.events);
  assert_int_equal(a.edges, b.edges);
  assert_int_equal(a.rms, b.rms);
}

static const char *shared_data(void) {
  const char *d = getenv("OPPGRAPH_SHARED_DATA");
  return d && *d ? d : "../shared/data";
}

/* ---- readers ----------------------------------------------------------- */

static void test_html_extraction(void **state) {
  (void)state;
  const char *html =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
      "<meta name=\"publish_date\" content=\"2024-03-05T10:00:00\">"
      "<title>甲公司 关于中标的公告</title>"
      "<style>.x{color:red}</style>"
      "<script>var secret = \"脚本里的字\";</script></head>"
      "<body><div>第一段&nbsp;文字 &amp; 符号 &lt;b&gt; "
      "&ldquo;引号&rdquo;</div>"
      "<p>第二段</p><script>document.write('also dropped')</script>"
      "<noscript>请启用</noscript><p>第三<b>段</b>结束</p></body></html>";
  ingest_docs docs;
  ingest_docs_init(&docs);
  char err[256] = "";
  assert_int_equal(
      ingest_read_html(html, strlen(html), "t.html", &docs, err, sizeof err),
      0);
  assert_int_equal(docs.n, 1);
  ingest_doc *d = &docs.v[0];
  assert_string_equal(d->title, "甲公司 关于中标的公告");
  assert_string_equal(d->published, "2024-03-05");
  assert_null(strstr(d->text, "脚本"));
  assert_null(strstr(d->text, "also dropped"));
  assert_null(strstr(d->text, "请启用"));
  assert_null(strstr(d->text, "color"));
  assert_non_null(strstr(d->text, "& 符号 <b>"));
  assert_non_null(strstr(d->text, "\xE2\x80\x9C引号\xE2\x80\x9D"));
  assert_non_null(strstr(d->text, "\xC2\xA0文字")); /* &nbsp; decoded */
  assert_non_null(strstr(d->text, "\n第二段\n"));   /* blocks are lines */
  assert_non_null(strstr(d->text, "第三段结束"));   /* inline stays inline */
  ingest_docs_destroy(&docs);
}

static void test_html_title_from_h1_time_and_gbk(void **state) {
  (void)state;
  /* "中标公告" and "正文" in GB18030, declared as gbk; date from <time>. */
  const char *html = "<html><head><meta charset=\"gbk\"></head><body>"
                     "<h1>\xD6\xD0\xB1\xEA\xB9\xAB\xB8\xE6</h1>"
                     "<time datetime=\"2023-12-01\">x</time>"
                     "<p>\xD5\xFD\xCE\xC4</p></body></html>";
  ingest_docs docs;
  ingest_docs_init(&docs);
  char err[256] = "";
  assert_int_equal(
      ingest_read_html(html, strlen(html), "g.html", &docs, err, sizeof err),
      0);
  assert_string_equal(docs.v[0].title, "中标公告");
  assert_string_equal(docs.v[0].published, "2023-12-01");
  assert_non_null(strstr(docs.v[0].text, "正文"));
  ingest_docs_destroy(&docs);
}

static void test_encoding_errors(void **state) {
  (void)state;
  char *out = NULL;
  size_t n = 0;
  char err[256] = "";
  /* 0xFF is neither UTF-8 nor a GB18030 byte */
  assert_int_equal(
      ingest_to_utf8("ab\xFF\xFE", 4, NULL, &out, &n, err, sizeof err),
      INGEST_EENCODING);
  assert_non_null(strstr(err, "offset 2"));
  assert_int_equal(ingest_to_utf8("a\0b", 3, NULL, &out, &n, err, sizeof err),
                   INGEST_EENCODING);
  assert_non_null(strstr(err, "binary"));
  /* undeclared GB18030 is recognised */
  assert_int_equal(
      ingest_to_utf8("\xD6\xD0\xB1\xEA", 4, NULL, &out, &n, err, sizeof err),
      0);
  assert_string_equal(out, "中标");
  free(out);
}

static void test_ann_xml(void **state) {
  (void)state;
  const char *xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<announcements>\n"
      "<announcement "
      "id=\"x1\"><title>标题一</title><published>2024-02-03</published>"
      "<source>交易所</source><text>正文一 &amp; 更多</text></announcement>\n"
      "<announcement id=\"x2\"><text>正文二</text></announcement>\n"
      "</announcements>\n";
  ingest_docs docs;
  ingest_docs_init(&docs);
  char err[256] = "";
  assert_int_equal(
      ingest_read_ann_xml(xml, strlen(xml), "a.xml", &docs, err, sizeof err),
      0);
  assert_int_equal(docs.n, 2);
  assert_string_equal(docs.v[0].external_id, "x1");
  assert_string_equal(docs.v[0].title, "标题一");
  assert_string_equal(docs.v[0].published, "2024-02-03");
  assert_string_equal(docs.v[0].source, "交易所");
  assert_string_equal(docs.v[0].text, "正文一 & 更多");
  assert_string_equal(docs.v[1].text, "正文二");
  assert_null(docs.v[1].published);
  ingest_docs_destroy(&docs);

  /* truncated: an error with a line number */
  const char *bad = "<announcements>\n<announcement><text>半截";
  ingest_docs_init(&docs);
  assert_int_equal(
      ingest_read_ann_xml(bad, strlen(bad), "b.xml", &docs, err, sizeof err),
      INGEST_EPARSE);
  assert_non_null(strstr(err, "line 2"));
  ingest_docs_destroy(&docs);
}

static void test_jsonl(void **state) {
  (void)state;
  const char *j = "{\"id\":\"d1\",\"title\":\"T1\",\"text\":\"文本一\"}\n\n"
                  "{\"id\":\"d2\",\"title\":\"T2\",\"text\":\"文本二\","
                  "\"published\":\"2024-01-02\"}\n";
  ingest_docs docs;
  ingest_docs_init(&docs);
  char err[256] = "";
  assert_int_equal(
      ingest_read_jsonl(j, strlen(j), "d.jsonl", &docs, err, sizeof err), 0);
  assert_int_equal(docs.n, 2);
  assert_string_equal(docs.v[0].external_id, "d1");
  assert_string_equal(docs.v[1].text, "文本二");
  assert_string_equal(docs.v[1].published, "2024-01-02");
  ingest_docs_destroy(&docs);

  const char *bad = "{\"id\":\"d1\",\"text\":\"ok\"}\n{\"id\": broken}\n";
  ingest_docs_init(&docs);
  assert_int_equal(
      ingest_read_jsonl(bad, strlen(bad), "d.jsonl", &docs, err, sizeof err),
      INGEST_EPARSE);
  assert_non_null(strstr(err, "line 2"));
  ingest_docs_destroy(&docs);
}

static void test_text_reader(void **state) {
  (void)state;
  const char *t =
      "\n乙公司关于股份质押的公告\n2024年3月9日\n\n正文第一行\n正文第二行\n";
  ingest_docs docs;
  ingest_docs_init(&docs);
  char err[256] = "";
  assert_int_equal(
      ingest_read_text(t, strlen(t), "x.txt", &docs, err, sizeof err), 0);
  assert_string_equal(docs.v[0].title, "乙公司关于股份质押的公告");
  assert_string_equal(docs.v[0].published, "2024-03-09");
  assert_non_null(strstr(docs.v[0].text, "正文第一行"));
  assert_null(strstr(docs.v[0].text, "2024年3月9日"));
  ingest_docs_destroy(&docs);
}

static void test_detect(void **state) {
  (void)state;
  const char *reg = "<?xml version=\"1.0\"?>\n<!-- c -->\n<registry>";
  const char *lei = "<?xml version=\"1.0\"?><lei:LEIData xmlns:lei=\"x\">";
  const char *rr = "<rr:RelationshipData xmlns:rr=\"x\">";
  assert_int_equal(ingest_detect("a/b.xml", reg, strlen(reg)),
                   INGEST_FMT_REGISTRY);
  assert_int_equal(ingest_detect("b.xml", lei, strlen(lei)),
                   INGEST_FMT_GLEIF_LEI);
  assert_int_equal(ingest_detect("b.xml", rr, strlen(rr)), INGEST_FMT_GLEIF_RR);
  assert_int_equal(ingest_detect("b.xml", "<announcements>", 15),
                   INGEST_FMT_ANN_XML);
  assert_int_equal(ingest_detect("b.HTM", NULL, 0), INGEST_FMT_HTML);
  assert_int_equal(ingest_detect("b.txt", NULL, 0), INGEST_FMT_TEXT);
  assert_int_equal(ingest_detect("b.jsonl", NULL, 0), INGEST_FMT_JSONL);
  assert_int_equal(ingest_detect("b.csv", NULL, 0), INGEST_FMT_CSV);
  assert_int_equal(ingest_detect("noext", "{\"id\":1}", 8), INGEST_FMT_JSONL);
  assert_int_equal(ingest_detect("noext", "<!DOCTYPE html><p>", 18),
                   INGEST_FMT_HTML);
  assert_int_equal(ingest_detect("README.md", "# x", 3), INGEST_FMT_UNKNOWN);
}

/* ---- credit codes, hashes ---------------------------------------------- */

static void test_credit_code(void **state) {
  (void)state;
  /* 91350100M000100Y43 is the example code printed in GB 32100 material. */
  assert_true(ingest_credit_code_valid("91350100M000100Y43"));
  assert_int_equal(ingest_credit_code_check_char("91350100M000100Y4"), '3');
  assert_true(ingest_credit_code_valid("91110000100000589A"));
  assert_false(
      ingest_credit_code_valid("91350100M000100Y44"));         /* wrong check */
  assert_false(ingest_credit_code_valid("91350100M000100Y4")); /* 17 chars */
  assert_false(
      ingest_credit_code_valid("91350100I000100Y43")); /* I not allowed */
  assert_false(ingest_credit_code_valid(""));
  assert_int_equal(ingest_credit_code_check_char("9135010OM000100Y4"), 0);
}

static void test_simhash(void **state) {
  (void)state;
  const char *a =
      "浙江甲乙科技股份有限公司于2024年3月5日收到国家电网有限公司发出的中标"
      "通知书，确认公司为智慧城市综合管理平台建设项目的中标单位，中标金额为"
      "人民币1.2亿元。本项目的顺利实施预计将对公司未来经营业绩产生积极影响。";
  const char *b =
      "浙江甲乙科技股份有限公司于2024年3月6日收到国家电网有限公司发出的中标"
      "通知书，确认公司为智慧城市综合管理平台建设项目的中标单位，中标金额为"
      "人民币1.2亿元。本项目的顺利实施预计将对公司未来经营业绩产生积极影响！";
  const char *c =
      "公司董事会决定召开2024年第一次临时股东大会，会议采用现场投票与网络投票"
      "相结合的方式，审议通过了关于修订公司章程的议案以及其他日常事项。";
  uint64_t ha = ingest_simhash(a, strlen(a)), hb = ingest_simhash(b, strlen(b)),
           hc = ingest_simhash(c, strlen(c));
  assert_true(ingest_simhash_distance(ha, hb) <= 8);
  assert_true(ingest_simhash_distance(ha, hc) >= 16);
  assert_int_equal(ingest_simhash_distance(ha, ingest_simhash(a, strlen(a))),
                   0);

  uint8_t h1[32], h2[32];
  assert_int_equal(ingest_content_hash("t", "x", h1), 0);
  assert_int_equal(ingest_content_hash("t", "x ", h2), 0);
  assert_memory_not_equal(h1, h2, 32);
  assert_int_equal(ingest_content_hash("t", "x", h2), 0);
  assert_memory_equal(h1, h2, 32);
}

/* ---- registry ---------------------------------------------------------- */

static void test_registry_validation_names_line(void **state) {
  (void)state;
  ingest_schema *s = NULL;
  char err[512] = "";
  if (ingest_schema_load(SCHEMA, &s, err, sizeof err))
    fail_msg("cannot load %s (run from the repository root): %s", SCHEMA, err);
  const char *bad =
      "<?xml version=\"1.0\"?>\n<registry>\n<enterprises>\n"
      "<enterprise code=\"91350100M000100Y43\">\n"
      "<alias>无名</alias>\n</enterprise>\n</enterprises>\n</registry>\n";
  assert_int_equal(
      ingest_registry_validate(s, bad, strlen(bad), "r.xml", err, sizeof err),
      INGEST_ESCHEMA);
  assert_non_null(
      strstr(err, "r.xml:5:")); /* the <alias> where <name> belongs */
  assert_non_null(strstr(err, "alias"));
  const char *good =
      "<registry><enterprises><enterprise code=\"91350100M000100Y43\">"
      "<name>甲</name></enterprise></enterprises></registry>";
  assert_int_equal(
      ingest_registry_validate(s, good, strlen(good), "g.xml", err, sizeof err),
      0);
  const char *badcode = "<registry><enterprises><enterprise code=\"9135\">"
                        "<name>甲</name></enterprise></enterprises></registry>";
  assert_int_equal(ingest_registry_validate(s, badcode, strlen(badcode),
                                            "c.xml", err, sizeof err),
                   INGEST_ESCHEMA);
  ingest_schema_free(s);
}

static const char *REGISTRY =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<registry>\n"
    "  <enterprises>\n"
    "    <enterprise code=\"91350100M000100Y43\" is_client=\"true\" "
    "rm=\"rm01\">\n"
    "      <name>福建测试科技股份有限公司</name><alias>测试科技</alias>\n"
    "      <region>350100</region>\n"
    "    </enterprise>\n"
    "    <enterprise code=\"91110000100000589A\">\n"
    "      <name>北京样例建设集团有限公司</name><alias>样例建设</alias>\n"
    "    </enterprise>\n"
    "    <enterprise code=\"91110000100000589B\">\n" /* line 11: bad check char
                                                      */
    "      <name>坏代码公司</name>\n"
    "    </enterprise>\n"
    "  </enterprises>\n"
    "  <persons><person name=\"张三\"><role enterprise=\"91350100M000100Y43\" "
    "title=\"董事长\" legal_rep=\"true\"/></person></persons>\n"
    "  <shareholdings><shareholding holder=\"91110000100000589A\" "
    "held=\"91350100M000100Y43\" ratio=\"0.6\"/></shareholdings>\n"
    "  <guarantees><guarantee guarantor=\"91350100M000100Y43\" "
    "guaranteed=\"91110000100000589A\" amount=\"1000000\"/>"
    "<guarantee guarantor=\"91110000100000589A\" "
    "guaranteed=\"91310115MA1K4LT4X4\"/>"
    "</guarantees>\n"
    "  <rms><rm id=\"rm01\" name=\"测试经理\" team=\"一部\" role=\"lead\">"
    "<region>35</region></rm></rms>\n"
    "</registry>\n";

static void test_run_registry_and_idempotence(void **state) {
  (void)state;
  char *dir = tmpdir_new();
  char in[1024];
  snprintf(in, sizeof in, "%s/in", dir);
  assert_int_equal(mkdir(in, 0755), 0);
  WRITE(in, "reg.xml", REGISTRY);
  WRITE(
      in, "b.html",
      "<html><head><title>福建测试科技股份有限公司关于中标的公告</title></head>"
      "<body><p>福建测试科技股份有限公司中标某项目，中标金额1.2亿元。</p></"
      "body></html>");
  /* same title and text as b.html, in another format: a duplicate */
  WRITE(in, "c.txt",
        "福建测试科技股份有限公司关于中标的公告\n"
        "福建测试科技股份有限公司中标某项目，中标金额1.2亿元。\n");
  WRITE(in, "notes.md", "# not an input\n");
  store *st = open_store(dir);
  diag_log log = {0};
  ingest_config cfg = {
      .schema_path = SCHEMA, .diag = diag_collect, .diag_ctx = &log};
  ingest_report rep;
  const char *paths[] = {in};
  assert_int_equal(ingest_run(st, &cfg, paths, 1, &rep), 0);
  assert_int_equal(rep.files_ok, 3);
  assert_int_equal(rep.files_failed, 0);
  assert_int_equal(rep.files_skipped, 1);
  assert_int_equal(rep.enterprises, 2);
  assert_int_equal(rep.rms, 1);
  assert_int_equal(rep.records_rejected, 2); /* bad code, unknown guaranteed */
  assert_int_equal(rep.docs_new, 1);
  assert_int_equal(rep.docs_duplicate, 1);
  assert_non_null(strstr(log.text, "line 11"));
  assert_non_null(
      strstr(log.text, "91310115MA1K4LT4X4 is not a known enterprise"));

  store_stats s1 = stats_of(st);
  assert_int_equal(s1.enterprises, 2);
  assert_int_equal(s1.persons, 1);
  assert_int_equal(s1.edges,
                   4); /* executive, legal rep, shareholding, guarantee */
  assert_int_equal(s1.documents, 1);

  store_txn *txn = NULL;
  assert_int_equal(store_begin(st, false, &txn), 0);
  uint64_t id = 0;
  assert_int_equal(store_ent_by_name(txn, "测试科技", &id), 0);
  Oppgraph__V1__Enterprise *e = NULL;
  assert_int_equal(store_ent_get(txn, id, &e), 0);
  assert_string_equal(e->credit_code, "91350100M000100Y43");
  assert_true(e->is_client);
  assert_string_equal(e->rm_id, "rm01");
  oppgraph__v1__enterprise__free_unpacked(e, NULL);
  Oppgraph__V1__Rm *rm = NULL;
  assert_int_equal(store_rm_get(txn, "rm01", &rm), 0);
  assert_int_equal(rm->role, OPPGRAPH__V1__ROLE__ROLE_LEAD);
  oppgraph__v1__rm__free_unpacked(rm, NULL);
  store_abort(txn);

  /* again: nothing new */
  memset(&log, 0, sizeof log);
  assert_int_equal(ingest_run(st, &cfg, paths, 1, &rep), 0);
  assert_int_equal(rep.docs_new, 0);
  assert_int_equal(rep.docs_duplicate, 2);
  assert_stats_equal(s1, stats_of(st));
  store_close(st);
  tmpdir_free(dir);
}

static void test_run_bad_files(void **state) {
  (void)state;
  char *dir = tmpdir_new();
  char in[1024];
  snprintf(in, sizeof in, "%s/in", dir);
  assert_int_equal(mkdir(in, 0755), 0);
  WRITE(in, "good.txt", "好的公告\n正文内容。\n");
  store *st = open_store(dir);
  diag_log log = {0};
  ingest_config cfg = {
      .schema_path = SCHEMA, .diag = diag_collect, .diag_ctx = &log};
  ingest_report rep;
  /* the committed bad fixtures, a missing path, and a good file */
  const char *paths[] = {"tests/data/bad", "/nonexistent/oppgraph/file.txt",
                         in};
  assert_int_equal(ingest_run(st, &cfg, paths, 3, &rep), INGEST_EFILES);
  assert_int_equal(rep.files_ok, 1);
  assert_int_equal(rep.files_failed, 6);
  assert_int_equal(rep.docs_new, 1);
  assert_non_null(strstr(log.text, "tests/data/bad/truncated.xml: line"));
  assert_non_null(
      strstr(log.text, "tests/data/bad/invalid_utf8.txt: invalid UTF-8"));
  assert_non_null(strstr(log.text, "tests/data/bad/junk.txt: binary data"));
  assert_non_null(strstr(log.text, "tests/data/bad/empty.txt: empty file"));
  assert_non_null(
      strstr(log.text, "tests/data/bad/schema_invalid.xml: line 5: schema"));
  assert_non_null(
      strstr(log.text, "/nonexistent/oppgraph/file.txt: cannot read"));
  assert_int_equal(stats_of(st).documents, 1);
  store_close(st);
  tmpdir_free(dir);
}

static void test_failing_file_leaves_store_intact(void **state) {
  (void)state;
  char *dir = tmpdir_new();
  store *st = open_store(dir);
  WRITE(dir, "reg.xml", REGISTRY);
  WRITE(dir, "first.jsonl",
        "{\"id\":\"a\",\"title\":\"一\",\"text\":\"第一篇\"}\n");
  ingest_config cfg = {.schema_path = SCHEMA};
  diag_log log = {0};
  cfg.diag = diag_collect;
  cfg.diag_ctx = &log;
  ingest_report rep;
  char p1[1024], p2[1024];
  snprintf(p1, sizeof p1, "%s/reg.xml", dir);
  snprintf(p2, sizeof p2, "%s/first.jsonl", dir);
  const char *paths[] = {p1, p2};
  assert_int_equal(ingest_run(st, &cfg, paths, 2, &rep), 0);
  store_stats before = stats_of(st);

  /* document 1 is new and gets written inside the transaction, document 2
   * fails (no text): the whole file must roll back. */
  WRITE(dir, "second.jsonl",
        "{\"id\":\"b\",\"title\":\"二\",\"text\":\"第二篇全新\"}\n"
        "{\"id\":\"c\",\"title\":\"三\",\"text\":\"   \"}\n");
  /* a registry that renames the client, then is cut off */
  WRITE(dir, "reg2.xml",
        "<registry><enterprises><enterprise code=\"91350100M000100Y43\">"
        "<name>改名公司</name></enterprise>");
  char p3[1024], p4[1024];
  snprintf(p3, sizeof p3, "%s/second.jsonl", dir);
  snprintf(p4, sizeof p4, "%s/reg2.xml", dir);
  const char *bad[] = {p3, p4};
  assert_int_equal(ingest_run(st, &cfg, bad, 2, &rep), INGEST_EFILES);
  assert_int_equal(rep.files_failed, 2);
  assert_non_null(strstr(log.text, "document 2 id c"));
  assert_stats_equal(before, stats_of(st));
  store_txn *txn = NULL;
  assert_int_equal(store_begin(st, false, &txn), 0);
  uint64_t id = 0;
  assert_int_equal(store_ent_by_name(txn, "福建测试科技股份有限公司", &id), 0);
  assert_int_equal(store_ent_by_name(txn, "改名公司", &id), STORE_ENOTFOUND);
  store_abort(txn);
  store_close(st);
  tmpdir_free(dir);
}

/* ---- GLEIF ------------------------------------------------------------- */

static void test_gleif(void **state) {
  (void)state;
  char lei[1024], rr[1024], old[1024];
  snprintf(lei, sizeof lei, "%s/gleif/lei-data.xml", shared_data());
  snprintf(rr, sizeof rr, "%s/gleif/rr-data.xml", shared_data());
  snprintf(old, sizeof old,
           "%s/gleif/20180901-gleif-concatenated-file-lei2-Top10.xml",
           shared_data());
  if (access(lei, R_OK) || access(rr, R_OK) || access(old, R_OK)) {
    print_message(
        "skipping GLEIF test: %s not readable (set OPPGRAPH_SHARED_DATA)\n",
        lei);
    skip();
  }
  char *dir = tmpdir_new();
  store *st = open_store(dir);
  diag_log log = {0};
  ingest_config cfg = {.diag = diag_collect, .diag_ctx = &log};
  ingest_report rep;
  /* relationships named first: the driver still reads entities first */
  const char *paths[] = {rr, lei, old};
  int rc = ingest_run(st, &cfg, paths, 3, &rep);
  if (rc)
    fail_msg("%s", log.text);
  assert_int_equal(rep.files_ok, 3);
  assert_true(rep.edges >= 1);
  store_stats s1 = stats_of(st);
  assert_true(s1.enterprises >= 13 + 10);

  store_txn *txn = NULL;
  assert_int_equal(store_begin(st, false, &txn), 0);
  uint64_t id = 0;
  assert_int_equal(store_ent_by_name(txn, "001GPB6A9XPE8XJICC14", &id), 0);
  Oppgraph__V1__Enterprise *e = NULL;
  assert_int_equal(store_ent_get(txn, id, &e), 0);
  assert_string_equal(e->name, "Fidelity Advisor Leveraged Company Stock Fund");
  assert_string_equal(e->lei, "001GPB6A9XPE8XJICC14");
  assert_string_equal(e->region, "US-MA");
  assert_true(e->n_former_names >= 1);
  oppgraph__v1__enterprise__free_unpacked(e, NULL);
  /* the 2.1 concatenated file */
  assert_int_equal(store_ent_by_name(txn, "029200013A5N6ZD0F605", &id), 0);
  assert_int_equal(store_ent_get(txn, id, &e), 0);
  assert_string_equal(e->name, "AFRINVEST SECURITIES LIMITED");
  assert_string_equal(e->region, "NG-LA");
  oppgraph__v1__enterprise__free_unpacked(e, NULL);
  store_abort(txn);

  assert_int_equal(ingest_run(st, &cfg, paths, 3, &rep), 0);
  assert_stats_equal(s1, stats_of(st));
  store_close(st);
  tmpdir_free(dir);
}

/* ---- the sample world with the real rules ------------------------------ */

static void rules_diag(void *ctx, const char *file, int line, const char *msg) {
  (void)ctx;
  (void)file;
  (void)line;
  (void)msg;
}

static void test_sample_world_events(void **state) {
  (void)state;
  nlp_rules *rules = NULL;
  if (access("data/sample/registry", R_OK) ||
      nlp_rules_load_dir("data/rules", rules_diag, NULL, &rules) == NLP_EIO ||
      !rules || !nlp_rules_count(rules)) {
    nlp_rules_free(rules);
    print_message(
        "skipping sample-world test: no data/rules or data/sample here\n");
    skip();
  }
  char *dir = tmpdir_new();
  store *st = open_store(dir);
  diag_log log = {0};
  ingest_config cfg = {.rules = rules,
                       .dict_dir = "data/dict",
                       .schema_path = SCHEMA,
                       .diag = diag_collect,
                       .diag_ctx = &log};
  ingest_report rep;
  const char *paths[] = {"data/sample"};
  int rc = ingest_run(st, &cfg, paths, 1, &rep);
  if (rc)
    fail_msg("sample world: %s", log.text);
  print_message(
      "sample world: %zu files, %zu enterprises, %zu persons, %zu edges, "
      "%zu rms, %zu documents new, %zu duplicate, %zu events\n",
      rep.files_ok, rep.enterprises, rep.persons, rep.edges, rep.rms,
      rep.docs_new, rep.docs_duplicate, rep.events);
  assert_int_equal(rep.files_failed, 0);
  assert_int_equal(rep.records_rejected, 0);
  assert_int_equal(rep.enterprises, 300);
  assert_int_equal(rep.rms, 6);
  assert_true(rep.docs_duplicate >= 5);
  assert_true(rep.docs_new >= 250);
  assert_true(rep.events >= 100);
  /* some events are linked to registry enterprises */
  store_txn *txn = NULL;
  assert_int_equal(store_begin(st, false, &txn), 0);
  size_t linked = 0;
  for (uint64_t i = 1; i < 2000; i++) {
    Oppgraph__V1__Event *ev = NULL;
    if (store_evt_get(txn, i, &ev))
      continue;
    linked += ev->n_subject_ids > 0;
    oppgraph__v1__event__free_unpacked(ev, NULL);
  }
  store_abort(txn);
  print_message("events with a linked subject: %zu\n", linked);
  assert_true(linked >= 50);
  store_stats s1 = stats_of(st);
  assert_int_equal(ingest_run(st, &cfg, paths, 1, &rep), 0);
  assert_int_equal(rep.docs_new, 0);
  assert_int_equal(rep.events, 0);
  assert_stats_equal(s1, stats_of(st));
  store_close(st);
  nlp_rules_free(rules);
  tmpdir_free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_html_extraction),
      cmocka_unit_test(test_html_title_from_h1_time_and_gbk),
      cmocka_unit_test(test_encoding_errors),
      cmocka_unit_test(test_ann_xml),
      cmocka_unit_test(test_jsonl),
      cmocka_unit_test(test_text_reader),
      cmocka_unit_test(test_detect),
      cmocka_unit_test(test_credit_code),
      cmocka_unit_test(test_simhash),
      cmocka_unit_test(test_registry_validation_names_line),
      cmocka_unit_test(test_run_registry_and_idempotence),
      cmocka_unit_test(test_run_bad_files),
      cmocka_unit_test(test_failing_file_leaves_store_intact),
      cmocka_unit_test(test_gleif),
      cmocka_unit_test(test_sample_world_events),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
