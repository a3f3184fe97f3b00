/*
 * test_nlp_extract.c — the rule loader and the event extractor: broken rule
 * files are reported with file and line while the other rules load; the
 * bundled rules (data/rules) extract 中标 / 质押 / 企业收购 / 企业融资 from
 * sentences written for this test (none comes from DuEE-Fin), arguments are
 * verbatim spans, the subject is found across sentences, aliases bind to
 * dictionary ids, and bad input (invalid UTF-8, empty text, megabytes of
 * junk) gives an error or nothing, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nlp/nlp.h"

typedef struct diag_log {
  char text[4096];
  int n;
} diag_log;

static void collect(void *ctx, const char *file, int line, const char *msg) {
  diag_log *l = ctx;
  size_t k = strlen(l->text);
  snprintf(l->text + k, sizeof l->text - k, "%s:%d: %s\n", file, line, msg);
  l->n++;
}

static nlp_rules *load_data_rules(void) {
  nlp_rules *r = NULL;
  diag_log log = {{0}, 0};
  int rc = nlp_rules_load_dir("data/rules", collect, &log, &r);
  if (rc)
    fprintf(stderr, "%s", log.text);
  assert_int_equal(rc, 0);
  assert_non_null(r);
  assert_true(nlp_rules_count(r) > 20);
  return r;
}

static const nlp_event *find_event(const nlp_result *res, const char *type) {
  for (size_t i = 0; i < res->n; i++)
    if (!strcmp(res->events[i].type, type))
      return &res->events[i];
  return NULL;
}

/* The one event of a type (fails when there are none or several). */
static const nlp_event *only_event(const nlp_result *res, const char *type) {
  size_t n = 0;
  const nlp_event *ev = NULL;
  for (size_t i = 0; i < res->n; i++)
    if (!strcmp(res->events[i].type, type)) {
      ev = &res->events[i];
      n++;
    }
  assert_int_equal(n, 1);
  return ev;
}

static const nlp_arg *find_arg(const nlp_event *ev, const char *role) {
  for (size_t i = 0; ev && i < ev->nargs; i++)
    if (!strcmp(ev->args[i].role, role))
      return &ev->args[i];
  return NULL;
}

static void expect_arg(const nlp_event *ev, const char *role,
                       const char *want) {
  const nlp_arg *a = find_arg(ev, role);
  if (!a)
    fail_msg("role %s missing (want \"%s\")", role, want);
  assert_string_equal(a->text, want);
}

/* The span must point at exactly the text returned. */
static void expect_verbatim(const nlp_result *res, const char *text,
                            const char *title) {
  for (size_t i = 0; i < res->n; i++)
    for (size_t k = 0; k < res->events[i].nargs; k++) {
      const nlp_arg *a = &res->events[i].args[k];
      if (a->end == a->begin && a->norm == a->text)
        continue; /* a fixed-vocabulary value (环节) */
      const char *src = a->in_title ? title : text;
      assert_int_equal(a->end - a->begin, strlen(a->text));
      assert_memory_equal(src + a->begin, a->text, strlen(a->text));
    }
}

static int extract(const nlp_rules *r, const nlp_dict *d, const char *title,
                   const char *text, nlp_result *res) {
  nlp_extract_opts o = {0};
  o.title = title;
  o.title_len = title ? strlen(title) : 0;
  o.published = "2021-03-10";
  return nlp_extract(r, d, text, strlen(text), &o, res);
}

/* ---- loader ---------------------------------------------------------------- */

static void write_file(const char *path, const char *s) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(s, f);
  fclose(f);
}

static void test_broken_rule_reported_others_load(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-rules-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char p1[256], p2[256];
  snprintf(p1, sizeof p1, "%s/a.rules", dir);
  snprintf(p2, sizeof p2, "%s/b.rules", dir);
  write_file(p1, "macro CO = [A-Z]{2,5}\n"
                 "group co = 中标公司\n"
                 "rule good\n"
                 "type 中标\n"
                 "trigger 中标\n"
                 "pattern (?<co>{CO})(?<trig>中标)\n");
  write_file(p2, "group co = 中标公司\n"
                 "# a comment\n"
                 "rule broken\n"
                 "type 中标\n"
                 "trigger 中标\n"
                 "pattern (?<co>{CO}(?<trig>中标)\n"
                 "rule good2\n"
                 "type 中标\n"
                 "trigger 夺标\n"
                 "pattern (?<co>{CO})夺标\n");
  nlp_rules *r = NULL;
  diag_log log = {{0}, 0};
  int rc = nlp_rules_load_dir(dir, collect, &log, &r);
  assert_int_equal(rc, NLP_ERULE);
  assert_non_null(r);
  assert_int_equal(nlp_rules_count(r), 2);
  assert_int_equal(log.n, 1);
  char want[512];
  snprintf(want, sizeof want, "%s:6: PCRE2 error at offset", p2);
  assert_non_null(strstr(log.text, want));

  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, "ACME中标，XYZ夺标", 22, NULL, &res),
                   0);
  assert_int_equal(res.n, 2);
  nlp_result_destroy(&res);
  nlp_rules_free(r);
  unlink(p1);
  unlink(p2);
  rmdir(dir);
}

/* The loader checks a rule's tail (the pattern from its trigger group on)
 * before running the whole pattern; that must never lose a match: not with
 * a top-level alternative that has no trigger group, nor with brackets and
 * bars inside character classes or escaped. */
static void test_rule_tail_shapes(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-rules-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char p1[256];
  snprintf(p1, sizeof p1, "%s/t.rules", dir);
  write_file(p1, "group co = 中标公司\n"
                 "group obj = 中标标的\n"
                 "rule alt\n"
                 "type 中标\n"
                 "trigger 乙标\n"
                 "pattern (?<co>[A-Z]{2,5})乙标|(?<trig>乙标)(?<obj>[a-z]+)\n"
                 "rule class\n"
                 "type 中标\n"
                 "trigger 甲标\n"
                 "pattern (?<co>[A-Z]{2,5})[(|]?\\(?(?<trig>甲标)(?<obj>[a-z]+)\n");
  nlp_rules *r = NULL;
  diag_log log = {{0}, 0};
  assert_int_equal(nlp_rules_load_dir(dir, collect, &log, &r), 0);
  const char *texts[] = {"CD乙标。", "乙标xy。", "AB|(甲标xy。", "AB甲标。"};
  const char *co[] = {"CD", NULL, "AB", NULL};
  const char *obj[] = {NULL, "xy", "xy", NULL};
  for (size_t i = 0; i < 4; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, NULL, texts[i], &res), 0);
    if (!co[i] && !obj[i]) {
      assert_int_equal(res.n, 0);
    } else {
      const nlp_event *ev = only_event(&res, "中标");
      if (co[i])
        expect_arg(ev, "中标公司", co[i]);
      if (obj[i])
        expect_arg(ev, "中标标的", obj[i]);
    }
    nlp_result_destroy(&res);
  }
  nlp_rules_free(r);
  unlink(p1);
  rmdir(dir);
}

/* "need=W|W" on a fill or subject: the pattern runs only on sentences
 * holding one of the words; a malformed option is reported with its line
 * and the other lines still load. */
static void test_need_option(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-rules-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char p1[256];
  snprintf(p1, sizeof p1, "%s/n.rules", dir);
  write_file(p1, "group co = 中标公司\n"
                 "rule r\n"
                 "type 中标\n"
                 "trigger 中标\n"
                 "pattern (?<trig>中标)\n"
                 "fill 中标 中标金额 sentence need=元|美金 (?<v>\\d+(?:元|美金|镑))\n"
                 "fill 中标 中标日期 sentence need=|日 (?<v>\\d+日)\n"
                 "subject need=（ (?<v>[A-Z]+)（\n"
                 "rule r2\n"
                 "type 质押\n"
                 "trigger 夺标\n"
                 "need 甲 丙\n"
                 "pattern (?<trig>夺标)\n");
  nlp_rules *r = NULL;
  diag_log log = {{0}, 0};
  assert_int_equal(nlp_rules_load_dir(dir, collect, &log, &r), NLP_ERULE);
  char want[300];
  snprintf(want, sizeof want, "%s:7: need:", p1);
  assert_non_null(strstr(log.text, want));
  const char *texts[] = {"甲中标5元", "甲中标7美金", "甲中标9镑"};
  const char *amt[] = {"5元", "7美金", NULL};
  for (size_t i = 0; i < 3; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, NULL, texts[i], &res), 0);
    const nlp_event *ev = only_event(&res, "中标");
    if (amt[i])
      expect_arg(ev, "中标金额", amt[i]);
    else
      assert_null(find_arg(ev, "中标金额")); /* 镑 is not a needed word */
    nlp_result_destroy(&res);
  }
  /* a rule's need words: anywhere in the window its pattern sees (this
   * pattern opens with its trigger: nothing before it) */
  const char *rtexts[] = {"甲乙夺标", "夺标甲", "夺标丙"};
  for (size_t i = 0; i < 3; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, NULL, rtexts[i], &res), 0);
    assert_int_equal(find_event(&res, "质押") != NULL, i > 0);
    nlp_result_destroy(&res);
  }
  nlp_rules_free(r);
  unlink(p1);
  rmdir(dir);
}

static void test_missing_dir_is_eio(void **state) {
  (void)state;
  nlp_rules *r = NULL;
  assert_int_equal(nlp_rules_load_dir("/nonexistent/rules", NULL, NULL, &r),
                   NLP_EIO);
  assert_null(r);
}

/* ---- the four skeleton types ---------------------------------------------- */

static void test_zhongbiao(void **state) {
  nlp_rules *r = *state;
  const char *title = "星河建工：中标3.2亿元污水处理项目";
  const char *text = "星河建工（SZ 009999，收盘价：5.10元）3月9日晚间发布公告称，"
                     "公司近日中标青石县城区污水处理厂提标改造工程项目，"
                     "中标金额为3.2亿元。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, title, text, &res), 0);
  const nlp_event *ev = find_event(&res, "中标");
  assert_non_null(ev);
  expect_arg(ev, "中标标的", "青石县城区污水处理厂提标改造工程项目");
  expect_arg(ev, "中标金额", "3.2亿元");
  expect_arg(ev, "中标公司", "星河建工");
  expect_arg(ev, "中标日期", "近日");
  expect_arg(ev, "披露日期", "3月9日晚间");
  const nlp_arg *amt = find_arg(ev, "中标金额");
  assert_non_null(amt->norm);
  assert_non_null(strstr(amt->norm, "320000000"));
  expect_verbatim(&res, text, title);
  nlp_result_destroy(&res);
}

static void test_zhiya(void **state) {
  nlp_rules *r = *state;
  const char *text =
      "海川电气发布公告，公司控股股东李明远先生将其持有的2,400万股公司股份"
      "质押给东岳证券股份有限公司。本次质押股份占其所持股份的31.25%，"
      "占公司总股本的6.02%。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, NULL, text, &res), 0);
  const nlp_event *ev = find_event(&res, "质押");
  assert_non_null(ev);
  expect_arg(ev, "质押方", "李明远");
  expect_arg(ev, "质权方", "东岳证券股份有限公司");
  expect_arg(ev, "质押股票/股份数量", "2,400万");
  expect_arg(ev, "质押物", "股份");
  expect_arg(ev, "质押物占持股比", "31.25%");
  expect_arg(ev, "质押物占总股比", "6.02%");
  assert_null(find_event(&res, "解除质押"));
  expect_verbatim(&res, text, NULL);
  nlp_result_destroy(&res);
}

static void test_shougou(void **state) {
  nlp_rules *r = *state;
  const char *text = "公告显示，远帆科技拟以1.8亿元收购青禾信息技术有限公司"
                     "60%股权。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, NULL, text, &res), 0);
  const nlp_event *ev = find_event(&res, "企业收购");
  assert_non_null(ev);
  expect_arg(ev, "收购方", "远帆科技");
  expect_arg(ev, "被收购方", "青禾信息技术有限公司");
  expect_arg(ev, "收购标的", "60%股权");
  expect_arg(ev, "交易金额", "1.8亿元");
  expect_verbatim(&res, text, NULL);
  nlp_result_destroy(&res);
}

static void test_rongzi(void **state) {
  nlp_rules *r = *state;
  const char *text = "本报讯，智算云图近日宣布完成2亿元B轮融资，"
                     "由北辰资本领投。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, NULL, text, &res), 0);
  const nlp_event *ev = find_event(&res, "企业融资");
  assert_non_null(ev);
  expect_arg(ev, "被投资方", "智算云图");
  expect_arg(ev, "融资金额", "2亿元");
  expect_arg(ev, "融资轮次", "B");
  expect_arg(ev, "领投方", "北辰资本");
  expect_verbatim(&res, text, NULL);
  nlp_result_destroy(&res);
}

/* The company is named only in the title; the figures come two sentences
 * after it. */
static void test_cross_sentence_subject(void **state) {
  nlp_rules *r = *state;
  const char *title = "青松股份：回购公司股份进展";
  const char *text = "公司董事会审议通过了回购方案。截至2021年2月28日，"
                     "公司累计回购股份数量为512万股，占公司总股本的0.85%。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, title, text, &res), 0);
  const nlp_event *ev = find_event(&res, "股份回购");
  assert_non_null(ev);
  const nlp_arg *who = find_arg(ev, "回购方");
  assert_non_null(who);
  assert_string_equal(who->text, "青松股份");
  assert_true(who->in_title);
  expect_arg(ev, "回购股份数量", "512万");
  expect_arg(ev, "占公司总股本比例", "0.85%");
  expect_verbatim(&res, text, title);
  nlp_result_destroy(&res);
}

/* "(以下简称"X")" binds the short name to the full name's dictionary id. */
static void test_alias_binding(void **state) {
  nlp_rules *r = *state;
  nlp_dict *d = NULL;
  assert_int_equal(nlp_dict_new(&d), 0);
  const char *full = "江南精密机械股份有限公司";
  assert_int_equal(
      nlp_dict_add(d, full, strlen(full), NLP_WORD_ENTERPRISE, 4242), 0);
  assert_int_equal(nlp_dict_build(d), 0);
  const char *title = "江南精密：中标风电塔筒采购项目";
  const char *text = "江南精密机械股份有限公司（以下简称“江南精密”）发布公告，"
                     "公司近日中标东海风电场塔筒采购项目。";
  nlp_result res;
  assert_int_equal(extract(r, d, title, text, &res), 0);
  const nlp_event *ev = find_event(&res, "中标");
  assert_non_null(ev);
  const nlp_arg *win = find_arg(ev, "中标公司");
  assert_non_null(win);
  assert_string_equal(win->text, "江南精密");
  assert_int_equal(win->ent_id, 4242);
  nlp_result_destroy(&res);
  nlp_dict_free(d);
}

/* A stock short name written with its code binds to the enterprise whose
 * stock code it is (the dictionary holds the code); a code nobody holds,
 * or a name without a code, binds to nothing.  The code alone in running
 * text never becomes the subject. */
static void test_stock_code_binding(void **state) {
  nlp_rules *r = *state;
  nlp_dict *d = NULL;
  assert_int_equal(nlp_dict_new(&d), 0);
  assert_int_equal(nlp_dict_add(d, "600123", 6, NLP_WORD_STOCKCODE, 77), 0);
  assert_int_equal(nlp_dict_build(d), 0);
  const char *texts[] = {
      "公告：青禾股份（600123）近日中标城东污水处理厂提标改造工程。",
      "证券代码：600123 证券简称：青禾股份 公告编号：2021-008\n"
      "青禾股份近日中标城东污水处理厂提标改造工程。",
      "公告：青禾股份（600999）近日中标城东污水处理厂提标改造工程。",
      "青禾股份发布公告，公司近日中标城东污水处理厂提标改造工程，合同编号"
      "600123。"};
  const uint64_t want[] = {77, 77, 0, 0};
  for (size_t i = 0; i < 4; i++) {
    nlp_result res;
    assert_int_equal(extract(r, d, NULL, texts[i], &res), 0);
    const nlp_arg *win = find_arg(find_event(&res, "中标"), "中标公司");
    assert_non_null(win);
    assert_string_equal(win->text, "青禾股份");
    if (win->ent_id != want[i])
      fail_msg("text %zu: ent_id %llu, want %llu", i,
               (unsigned long long)win->ent_id, (unsigned long long)want[i]);
    nlp_result_destroy(&res);
  }
  nlp_dict_free(d);
}

static void test_identical_events_deduped(void **state) {
  nlp_rules *r = *state;
  const char *text = "蓝湾环境中标城东垃圾转运站项目。蓝湾环境中标城东垃圾转运站项目。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, NULL, text, &res), 0);
  only_event(&res, "中标");
  nlp_result_destroy(&res);
}

/* Several values of one role: the highest and lowest prices are both
 * arguments, and merging the events of several trigger hits (title and
 * body) keeps them all instead of overwriting one with the other. */
static size_t count_role(const nlp_event *ev, const char *role) {
  size_t n = 0;
  for (size_t i = 0; ev && i < ev->nargs; i++)
    n += !strcmp(ev->args[i].role, role);
  return n;
}

static int has_value(const nlp_event *ev, const char *role, const char *v) {
  for (size_t i = 0; ev && i < ev->nargs; i++)
    if (!strcmp(ev->args[i].role, role) && !strcmp(ev->args[i].text, v))
      return 1;
  return 0;
}

static void test_buyback_price_range_kept(void **state) {
  nlp_rules *r = *state;
  const char *title = "青禾电气回购进展";
  const char *text = "截至上月末，青禾电气累计回购股份120万股，占公司总股本的0.5%，"
                     "最高成交价为8.12元/股，最低成交价为7.65元/股，"
                     "回购均价为7.90元，回购股份已全部过户。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, title, text, &res), 0);
  const nlp_event *ev = only_event(&res, "股份回购");
  assert_int_equal(count_role(ev, "每股交易价格"), 3);
  assert_true(has_value(ev, "每股交易价格", "最高成交价为8.12元"));
  assert_true(has_value(ev, "每股交易价格", "最低成交价为7.65元"));
  assert_true(has_value(ev, "每股交易价格", "7.90元"));
  expect_verbatim(&res, text, title);
  nlp_result_destroy(&res);
}

/* A title event merged with the body takes the position of the body's
 * fullest mention, so that the figures told there fill it. */
static void test_merged_event_fills_from_body(void **state) {
  nlp_rules *r = *state;
  const char *title = "远帆科技股份有限公司关于首次回购股份的公告";
  const char *text = "远帆科技股份有限公司董事会审议通过了回购股份方案。\n"
                     "本公告所述事项已按规定履行审议程序。\n"
                     "2021年3月8日，公司首次回购公司股份52,300股，"
                     "占公司总股本的0.01%，支付的总金额为612,480.00元。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, title, text, &res), 0);
  const nlp_event *ev = only_event(&res, "股份回购");
  expect_arg(ev, "回购股份数量", "52,300");
  expect_arg(ev, "交易金额", "612,480.00元");
  expect_arg(ev, "占公司总股本比例", "0.01%");
  expect_verbatim(&res, text, title);
  nlp_result_destroy(&res);
}

/* Words that look like triggers but tell no event. */
static void test_trigger_lookalikes(void **state) {
  nlp_rules *r = *state;
  const char *text = "受原材料涨价影响，公司本季度每股亏损0.12元。"
                     "因两名激励对象离职，公司回购注销其持有的限制性股票2万股。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, NULL, text, &res), 0);
  assert_null(find_event(&res, "亏损"));
  assert_null(find_event(&res, "高管变动"));
  nlp_result_destroy(&res);
}

/* The amount told between the verb and the object is not part of it. */
static void test_zhongbiao_amount_before_object(void **state) {
  nlp_rules *r = *state;
  const char *text = "蓝湾环境近日中标1.2亿元城东污水处理厂提标改造项目。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, NULL, text, &res), 0);
  const nlp_event *ev = find_event(&res, "中标");
  assert_non_null(ev);
  expect_arg(ev, "中标标的", "城东污水处理厂提标改造项目");
  expect_arg(ev, "中标金额", "1.2亿元");
  expect_verbatim(&res, text, NULL);
  nlp_result_destroy(&res);
}

/* A headline repeated at the top of the text ("原标题：…") is a headline:
 * the event is placed at the body's mention, whose date is the full one. */
static void test_reposted_title_is_headline(void **state) {
  nlp_rules *r = *state;
  const char *title = "青禾控股3月8日回购12万股";
  const char *text = "原标题：青禾控股3月8日回购12万股    来源：某财经网\n"
                     "青禾控股公布，于2021年3月8日回购12万股，涉资35.6万港元。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, title, text, &res), 0);
  const nlp_event *ev = only_event(&res, "股份回购");
  expect_arg(ev, "回购完成时间", "2021年3月8日");
  expect_arg(ev, "交易金额", "35.6万港元");
  expect_verbatim(&res, text, title);
  nlp_result_destroy(&res);
}

/* A headline's subject ends before an amount or a word of intent
 * ("甲乙计划以…", "甲乙3亿元收购…"): neither is part of the name. */
static void test_title_subject_before_amount(void **state) {
  nlp_rules *r = *state;
  const char *titles[] = {"青禾时尚计划以4亿元收购城南工厂 建立物流中心",
                          "青禾66亿元入股城南快递：尽在掌握"};
  const char *texts[] = {"本集团之全资附属公司建议收购城南工厂全部股权。",
                         "青禾又先后收购了城南、城北的部分股份。"};
  const char *want[] = {"青禾时尚", "青禾"};
  for (size_t i = 0; i < 2; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, titles[i], texts[i], &res), 0);
    const nlp_event *ev = find_event(&res, "企业收购");
    assert_non_null(ev);
    expect_arg(ev, "收购方", want[i]);
    expect_verbatim(&res, texts[i], titles[i]);
    nlp_result_destroy(&res);
  }
}

/* A formal award notice lists the project and its owner as items. */
static void test_zhongbiao_listed_items(void **state) {
  nlp_rules *r = *state;
  const char *text = "近日，公司收到中标通知书，确认公司中标。\n"
                     "一、项目基本情况\n"
                     "1、项目业主方：江川水务发展有限公司\n"
                     "2、项目名称：江川市北区供水管网改造工程\n";
  nlp_result res;
  assert_int_equal(extract(r, NULL, "某某股份中标公告", text, &res), 0);
  const nlp_event *ev = find_event(&res, "中标");
  assert_non_null(ev);
  expect_arg(ev, "中标标的", "江川市北区供水管网改造工程");
  expect_arg(ev, "招标方", "江川水务发展有限公司");
  expect_verbatim(&res, text, "某某股份中标公告");
  nlp_result_destroy(&res);
}

/* Losses of investors and per-share earnings are no company loss. */
static void test_kuisun_not_investors(void **state) {
  nlp_rules *r = *state;
  const char *text = "该股今日跌停，3万户投资者人均亏损1.2万元。"
                     "预计基本每股收益亏损约0.05元。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, NULL, text, &res), 0);
  assert_null(find_event(&res, "亏损"));
  nlp_result_destroy(&res);
}

/* A headline's subject ends before the period it reports on. */
static void test_title_subject_before_period(void **state) {
  nlp_rules *r = *state;
  const char *titles[] = {"青禾科技Q3亏损2亿元 毛利率下降",
                          "青禾科技2020年上半年亏损1.2亿元"};
  const char *text = "公司日前发布财务报告，经营情况不及预期。";
  for (size_t i = 0; i < 2; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, titles[i], text, &res), 0);
    const nlp_event *ev = find_event(&res, "亏损");
    assert_non_null(ev);
    expect_arg(ev, "公司名称", "青禾科技");
    expect_verbatim(&res, text, titles[i]);
    nlp_result_destroy(&res);
  }
}

/* How shares were traded ("逢高减持") and a negation ("某某未减持") are
 * never part of the seller's name. */
static void test_jianchi_no_adverb_holder(void **state) {
  nlp_rules *r = *state;
  const char *titles[] = {"青禾科技：股东逢高减持", "青禾科技：股东未减持"};
  const char *texts[] = {"公司股东逢高减持公司股份300万股。",
                         "公司股东李文涛未减持公司股份。"};
  for (size_t i = 0; i < 2; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, titles[i], texts[i], &res), 0);
    const nlp_event *ev = find_event(&res, "股东减持");
    assert_non_null(ev);
    const nlp_arg *who = find_arg(ev, "减持方");
    if (who)
      fail_msg("减持方 \"%s\" found in \"%s\"", who->text, texts[i]);
    expect_verbatim(&res, texts[i], titles[i]);
    nlp_result_destroy(&res);
  }
}

/* "全盘收购", "通过该公司收购": a manner or a clause opener is no buyer. */
static void test_shougou_no_clause_buyer(void **state) {
  nlp_rules *r = *state;
  const char *texts[] = {"在全盘收购谈判失败后，双方重启谈判。",
                         "远帆科技表示，将通过该公司收购青禾物流有限公司51%股权。"};
  for (size_t i = 0; i < 2; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, NULL, texts[i], &res), 0);
    const nlp_event *ev = find_event(&res, "企业收购");
    assert_non_null(ev);
    const nlp_arg *who = find_arg(ev, "收购方");
    if (who)
      fail_msg("收购方 \"%s\" found in \"%s\"", who->text, texts[i]);
    expect_verbatim(&res, texts[i], NULL);
    nlp_result_destroy(&res);
  }
}

/* "自2009年起担任": the tail of a date is no executive's name. */
static void test_gaoguan_date_tail_no_name(void **state) {
  nlp_rules *r = *state;
  const char *text = "年报显示，周立新自2012年起担任远帆科技非执行董事。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, NULL, text, &res), 0);
  for (size_t i = 0; i < res.n; i++) {
    const nlp_arg *a = find_arg(&res.events[i], "高管姓名");
    if (a && !strcmp(a->text, "年起"))
      fail_msg("高管姓名 \"年起\" taken from a date");
  }
  expect_verbatim(&res, text, NULL);
  nlp_result_destroy(&res);
}

/* A running total of pledges is dated as of the announcement. */
static void test_zhiya_as_of_date(void **state) {
  nlp_rules *r = *state;
  const char *text = "截至目前，控股股东李文涛累计质押公司股份1200万股，"
                     "占其所持公司股份的30%。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, "青禾科技：控股股东股份质押", text, &res),
                   0);
  const nlp_event *ev = find_event(&res, "质押");
  assert_non_null(ev);
  expect_arg(ev, "事件时间", "截至目前");
  expect_verbatim(&res, text, "青禾科技：控股股东股份质押");
  nlp_result_destroy(&res);
}

/* Escaping delisting, or delisting rules, are no delisting. */
static void test_shangshi_not_delisting(void **state) {
  nlp_rules *r = *state;
  const char *text = "这家公司要出售资产摆脱退市命运。"
                     "退市“利剑”高悬，多家公司忙于自救。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, NULL, text, &res), 0);
  assert_null(find_event(&res, "公司上市"));
  nlp_result_destroy(&res);
}

/* A column name before "丨" or "︱" is not the subject. */
static void test_title_column_separator(void **state) {
  nlp_rules *r = *state;
  const char *titles[] = {"财经早知道丨青禾科技2020年亏损3亿元",
                          "港股观察︱青禾科技2020年亏损3亿元"};
  const char *text = "公司日前发布年度报告，经营情况不及预期。";
  for (size_t i = 0; i < 2; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, titles[i], text, &res), 0);
    const nlp_event *ev = find_event(&res, "亏损");
    assert_non_null(ev);
    expect_arg(ev, "公司名称", "青禾科技");
    expect_verbatim(&res, text, titles[i]);
    nlp_result_destroy(&res);
  }
}

/* "青禾科技预亏…": the forecast verb is not part of the name; "亏损减少"
 * is the change of the loss. */
static void test_kuisun_forecast_and_change(void **state) {
  nlp_rules *r = *state;
  const char *title = "青禾科技预亏2亿元 研发投入加大";
  const char *text = "公司发布业绩预告，预计上半年亏损2亿元，亏损减少。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, title, text, &res), 0);
  const nlp_event *ev = find_event(&res, "亏损");
  assert_non_null(ev);
  expect_arg(ev, "公司名称", "青禾科技");
  expect_arg(ev, "亏损变化", "减少");
  expect_arg(ev, "财报周期", "上半年");
  expect_verbatim(&res, text, title);
  nlp_result_destroy(&res);
}

/* Words of purpose and time before a deal verb name no buyer. */
static void test_shougou_no_purpose_buyer(void **state) {
  nlp_rules *r = *state;
  const char *texts[] = {"公司拟向股东借款5亿元，用于收购青禾物流。",
                         "报告期内收购青禾物流导致合并范围变化。"};
  for (size_t i = 0; i < 2; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, NULL, texts[i], &res), 0);
    const nlp_event *ev = find_event(&res, "企业收购");
    assert_non_null(ev);
    const nlp_arg *who = find_arg(ev, "收购方");
    if (who)
      fail_msg("收购方 \"%s\" found in \"%s\"", who->text, texts[i]);
    expect_verbatim(&res, texts[i], NULL);
    nlp_result_destroy(&res);
  }
}

/* Central-bank gold and analysts' ratings are no shareholder buying; an
 * intent word or "也" is not part of the buyer's name. */
static void test_zengchi_lookalikes(void **state) {
  nlp_rules *r = *state;
  nlp_result res;
  const char *t1 = "央行连续第十个月增持黄金。某券商重申对该股「增持」评级。";
  assert_int_equal(extract(r, NULL, NULL, t1, &res), 0);
  assert_null(find_event(&res, "股东增持"));
  nlp_result_destroy(&res);

  const char *t2 = "青禾科技公告，控股股东有意增持公司股份。";
  assert_int_equal(extract(r, NULL, NULL, t2, &res), 0);
  const nlp_event *ev = find_event(&res, "股东增持");
  assert_non_null(ev);
  const nlp_arg *who = find_arg(ev, "增持方");
  if (who && !strcmp(who->text, "有意"))
    fail_msg("增持方 \"有意\"");
  nlp_result_destroy(&res);

  const char *t3 = "董事长王建平也增持了公司股份5万股。";
  assert_int_equal(extract(r, NULL, NULL, t3, &res), 0);
  ev = find_event(&res, "股东增持");
  assert_non_null(ev);
  expect_arg(ev, "增持方", "王建平");
  expect_verbatim(&res, t3, NULL);
  nlp_result_destroy(&res);
}

/* "确定某某有限公司（以下简称…）为中标候选人": the verb is not part of the
 * name. */
static void test_zhongbiao_verb_before_name(void **state) {
  nlp_rules *r = *state;
  const char *title = "青禾建设股份有限公司项目中标公示的提示性公告";
  const char *text = "招标人发布了评标结果公示，确定青禾建设股份有限公司"
                     "（以下简称“公司”）为中标候选人第一名。"
                     "公司近日中标城南供水管网改造工程。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, title, text, &res), 0);
  const nlp_event *ev = find_event(&res, "中标");
  assert_non_null(ev);
  expect_arg(ev, "中标公司", "青禾建设股份有限公司");
  expect_verbatim(&res, text, title);
  nlp_result_destroy(&res);
}

/* "某某银行高层再生变": the company ends before 高层 / 人事 / 换帅. */
static void test_title_subject_before_management(void **state) {
  nlp_rules *r = *state;
  const char *title = "青禾银行高层再生变 副行长请辞";
  const char *text = "该行副行长李明远先生因个人原因辞职。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, title, text, &res), 0);
  const nlp_event *ev = find_event(&res, "高管变动");
  assert_non_null(ev);
  expect_arg(ev, "任职公司", "青禾银行");
  expect_verbatim(&res, text, title);
  nlp_result_destroy(&res);
}

/* Bankruptcy law, case counts, a near miss and a petition against a person
 * (破产呈请: Hong Kong's word for an individual's bankruptcy; a company's
 * is 清盘呈请) are no enterprise bankruptcy. */
static void test_pochan_lookalikes(void **state) {
  nlp_rules *r = *state;
  const char *text = "专家认为破产法实施应有创新。十年间当地审结逾百宗破产案。"
                     "这家车企去年差点破产。"
                     "某基金会已对其董事长甲某提出破产呈请。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, NULL, text, &res), 0);
  assert_null(find_event(&res, "企业破产"));
  nlp_result_destroy(&res);
}

/* The share of the capital as Hong Kong and plan announcements tell it. */
static void test_huigou_share_of_capital(void **state) {
  nlp_rules *r = *state;
  const char *texts[] = {"青禾控股公布，于2021年3月8日回购5万股，占已发行股份0.002%。",
                         "青禾控股拟回购股份数量不高于800万股，"
                         "占本公司目前总股本的比例不高于12.50%。"};
  const char *want[] = {"0.002%", "12.50%"};
  for (size_t i = 0; i < 2; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, NULL, texts[i], &res), 0);
    const nlp_event *ev = find_event(&res, "股份回购");
    assert_non_null(ev);
    expect_arg(ev, "占公司总股本比例", want[i]);
    expect_verbatim(&res, texts[i], NULL);
    nlp_result_destroy(&res);
  }
}

/* A formal announcement is dated on its last line, under the board's
 * signature (fill scope "end"), whether in digits or in Chinese numerals. */
static void test_signing_date_is_disclosure(void **state) {
  nlp_rules *r = *state;
  const char *title = "青禾科技股份有限公司关于控股股东部分股份质押的公告";
  const char *texts[] = {
      "本公司近日接到控股股东李文涛的通知，获悉其所持本公司部分股份被质押。\n"
      "特此公告。\n青禾科技股份有限公司董事会\n2021年3月9日\n",
      "本公司近日接到控股股东李文涛的通知，获悉其所持本公司部分股份被质押。\n"
      "特此公告。\n青禾科技股份有限公司董事会\n二〇二一年三月九日"};
  const char *want[] = {"2021年3月9日", "二〇二一年三月九日"};
  for (size_t i = 0; i < 2; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, title, texts[i], &res), 0);
    const nlp_event *ev = find_event(&res, "质押");
    assert_non_null(ev);
    expect_arg(ev, "披露时间", want[i]);
    expect_verbatim(&res, texts[i], title);
    nlp_result_destroy(&res);
  }
}

/* The tendering party listed several items below the award. */
static void test_zhongbiao_owner_far_below(void **state) {
  nlp_rules *r = *state;
  const char *text = "公司近日中标城南供水管网改造工程。\n"
                     "一、项目概况\n1、项目地点：城南区\n"
                     "2、建设规模：管网12公里\n3、工期：365日历天\n"
                     "4、质量要求：合格\n5、付款方式：按进度支付\n"
                     "6、招标人：江川水务发展有限公司\n";
  nlp_result res;
  assert_int_equal(extract(r, NULL, "青禾建设：中标公告", text, &res), 0);
  const nlp_event *ev = find_event(&res, "中标");
  assert_non_null(ev);
  expect_arg(ev, "招标方", "江川水务发展有限公司");
  expect_verbatim(&res, text, "青禾建设：中标公告");
  nlp_result_destroy(&res);
}

/* A web page repeats its title at the top of the text (the <h1>), then a
 * source / date line, then the body: the copy is a headline, so the event
 * sits on the body sentence and its fills find the amount and the
 * tendering body there (they were lost when the copy anchored the event). */
static void test_zhongbiao_title_repeated_in_text(void **state) {
  nlp_rules *r = *state;
  const char *title = "青禾环境股份有限公司关于中标城北污水管网改造工程的公告";
  const char *text =
      "首页 > 公司公告\n"
      "青禾环境股份有限公司关于中标城北污水管网改造工程的公告\n"
      "来源：某某日报 2021年3月2日\n"
      "本公司及董事会全体成员保证信息披露内容的真实、准确和完整。\n"
      "2021年3月1日，青禾环境股份有限公司收到东川市水务局发出的《中标通知"
      "书》，确认公司为“城北污水管网改造工程”的中标单位，中标金额为1,250万"
      "元。\n"
      "本项目的实施预计将对公司经营业绩产生积极影响。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, title, text, &res), 0);
  const nlp_event *ev = only_event(&res, "中标");
  expect_arg(ev, "中标公司", "青禾环境股份有限公司");
  expect_arg(ev, "中标金额", "1,250万元");
  expect_arg(ev, "招标方", "东川市水务局");
  expect_verbatim(&res, text, title);
  nlp_result_destroy(&res);
}

/* A project name that begins with a generic "…中心" ("数据中心机电安装工程")
 * is not a tendering centre followed by the object: a centre that tenders
 * has a longer name (a city, an office). */
static void test_zhongbiao_centre_in_object(void **state) {
  nlp_rules *r = *state;
  const char *title = "青禾建设股份有限公司关于中标数据中心机电安装工程的公告";
  const char *text =
      "2021年3月1日，青禾建设股份有限公司收到东川市公共资源交易中心发出的《中"
      "标通知书》，确认公司为“数据中心机电安装工程”的中标单位，中标金额为"
      "1,200万元。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, title, text, &res), 0);
  const nlp_event *ev = only_event(&res, "中标");
  expect_arg(ev, "中标标的", "数据中心机电安装工程");
  expect_arg(ev, "招标方", "东川市公共资源交易中心");
  expect_verbatim(&res, text, title);
  nlp_result_destroy(&res);
}

/* "Pre-IPO轮" names a private round: a financing, not a listing step; a
 * plain IPO plan still is one. */
static void test_pre_ipo_round_not_listing(void **state) {
  nlp_rules *r = *state;
  const char *title = "青禾科技完成Pre-IPO轮融资";
  const char *text = "青禾科技有限公司宣布完成2亿元Pre-IPO轮融资，本轮由东川资本"
                     "领投。本轮融资将用于研发投入。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, title, text, &res), 0);
  assert_non_null(find_event(&res, "企业融资"));
  assert_null(find_event(&res, "公司上市"));
  nlp_result_destroy(&res);
  const char *text2 = "青禾科技有限公司完成pre-IPO融资后，计划明年启动IPO。";
  assert_int_equal(extract(r, NULL, NULL, text2, &res), 0);
  const nlp_event *ev = find_event(&res, "公司上市");
  assert_non_null(ev);
  assert_true(strstr(text2, "启动IPO") &&
              ev->trig_begin == (size_t)(strstr(text2, "启动IPO") - text2) + 6);
  nlp_result_destroy(&res);
}

/* More trigger hits and events than the first sizes of the extractor's
 * arrays (they grow): 600 awards, each with its own object. */
/* The cap of NLP_MAX_ARGS arguments per event is not silent: the roles an
 * event could not keep are counted on the event and the result (captured,
 * constant and filled roles alike), and nothing is counted under the cap. */
static void test_argument_cap_counted(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-argcap-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char p1[256];
  snprintf(p1, sizeof p1, "%s/wide.rules", dir);
  char *s = malloc(16384), *p = s;
  for (int i = 0; i < 26; i++)
    p += sprintf(p, "group g%d = 角色%d\n", i, i);
  /* rule narrow: 24 roles exactly; rule wide: 26 captured + 2 constants,
   * and a fill that finds a 29th */
  p += sprintf(p, "rule narrow\ntype 质押\ntrigger 窄\npattern (?<trig>窄)");
  for (int i = 0; i < 24; i++)
    p += sprintf(p, "(?<g%d>%c)", i, 'a' + i);
  p += sprintf(p, "\nrule wide\ntype 中标\ntrigger 宽\npattern (?<trig>宽)");
  for (int i = 0; i < 26; i++)
    p += sprintf(p, "(?<g%d>%c)", i, 'a' + i);
  p += sprintf(p, "\nset 常量0 = 值\nset 常量1 = 值\n"
                  "fill 中标 中标日期 sentence (?<v>\\d+日)\n");
  write_file(p1, s);
  free(s);
  nlp_rules *r = NULL;
  diag_log log = {{0}, 0};
  int rc = nlp_rules_load_dir(dir, collect, &log, &r);
  if (rc)
    fprintf(stderr, "%s", log.text);
  assert_int_equal(rc, 0);
  nlp_result res;
  assert_int_equal(
      extract(r, NULL, NULL, "窄abcdefghijklmnopqrstuvwx。", &res), 0);
  const nlp_event *ev = only_event(&res, "质押");
  assert_int_equal(ev->nargs, NLP_MAX_ARGS);
  assert_int_equal(ev->args_dropped, 0);
  assert_int_equal(res.args_dropped, 0);
  nlp_result_destroy(&res);
  assert_int_equal(
      extract(r, NULL, NULL, "宽abcdefghijklmnopqrstuvwxyz3日。", &res), 0);
  ev = only_event(&res, "中标");
  assert_int_equal(ev->nargs, NLP_MAX_ARGS);
  assert_int_equal(ev->args_dropped, 26 + 2 + 1 - NLP_MAX_ARGS);
  assert_int_equal(res.args_dropped, 26 + 2 + 1 - NLP_MAX_ARGS);
  nlp_result_destroy(&res);
  nlp_rules_free(r);
  unlink(p1);
  rmdir(dir);
}

/* need words of 1- to 4-byte characters are found whatever the sentence
 * holds around them, and are not "found" in a sentence that has only
 * characters sharing their low code-point bits (the check goes through a
 * per-sentence character mask before memmem). */
static void test_need_word_widths(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-rules-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char p1[256];
  snprintf(p1, sizeof p1, "%s/w.rules", dir);
  write_file(p1, "rule r\n"
                 "type 中标\n"
                 "trigger 中标\n"
                 "pattern (?<trig>中标)\n"
                 "fill 中标 中标金额 sentence need=x元|é元|𝟘元|丙元 "
                 "(?<v>\\d+(?:x|é|𝟘|丙)元)\n");
  nlp_rules *r = NULL;
  diag_log log = {{0}, 0};
  int rc = nlp_rules_load_dir(dir, collect, &log, &r);
  if (rc)
    fprintf(stderr, "%s", log.text);
  assert_int_equal(rc, 0);
  /* 丙 U+4E19 and ę U+0119: same bit in the mask; ę元 is no need word */
  const char *texts[] = {"甲中标5x元", "甲中标5é元", "甲中标5𝟘元",
                         "甲中标5丙元", "丙中标5ę元", "é𝟘中标x元5丙"};
  const char *amt[] = {"5x元", "5é元", "5𝟘元", "5丙元", NULL, NULL};
  for (size_t i = 0; i < 6; i++) {
    nlp_result res;
    assert_int_equal(extract(r, NULL, NULL, texts[i], &res), 0);
    const nlp_event *ev = only_event(&res, "中标");
    if (amt[i])
      expect_arg(ev, "中标金额", amt[i]);
    else
      assert_null(find_arg(ev, "中标金额"));
    nlp_result_destroy(&res);
  }
  nlp_rules_free(r);
  unlink(p1);
  rmdir(dir);
}

static void test_many_hits_grow(void **state) {
  nlp_rules *r = *state;
  /* 600 winners (names from two pools of characters): the events array
   * grows far past its first allocation, one event per winner. */
  static const char *const a[] = {"青", "禾", "远", "信", "华", "泰", "安",
                                  "恒", "盛", "和", "嘉", "润", "新", "达",
                                  "宏", "丰", "正", "通", "利", "诚", "金",
                                  "源", "东", "鼎", "兴"};
  size_t na = sizeof a / sizeof *a, cap = 600 * 96, len = 0;
  char *text = malloc(cap);
  assert_non_null(text);
  for (int i = 0; i < 600; i++)
    len += (size_t)snprintf(text + len, cap - len,
                            "%s%s建设有限公司中标第%d号标段工程。",
                            a[(size_t)i % na], a[(size_t)i / na % na], i);
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, text, len, NULL, &res), 0);
  size_t n = 0;
  for (size_t i = 0; i < res.n; i++)
    n += !strcmp(res.events[i].type, "中标");
  assert_true(n > 32);
  expect_verbatim(&res, text, NULL);
  nlp_result_destroy(&res);
  /* One winner's lots ("same 中标 中标公司"): one event that keeps each
   * lot as a value of 中标标的. */
  len = 0;
  for (int i = 0; i < 3; i++)
    len += (size_t)snprintf(text + len, cap - len,
                            "青禾建设有限公司中标第%d号标段工程。", i + 1);
  assert_int_equal(nlp_extract(r, NULL, text, len, NULL, &res), 0);
  n = 0;
  size_t lots = 0;
  for (size_t i = 0; i < res.n; i++) {
    if (strcmp(res.events[i].type, "中标"))
      continue;
    n++;
    for (size_t k = 0; k < res.events[i].nargs; k++)
      lots += !strcmp(res.events[i].args[k].role, "中标标的");
  }
  assert_int_equal(n, 1);
  assert_int_equal(lots, 3);
  expect_verbatim(&res, text, NULL);
  nlp_result_destroy(&res);
  free(text);
}

/* ---- bad input ------------------------------------------------------------ */

static void test_invalid_utf8(void **state) {
  nlp_rules *r = *state;
  const char bad[] = "公司中标\xC3\x28项目";
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, bad, sizeof bad - 1, NULL, &res),
                   NLP_EUTF8);
  nlp_result_destroy(&res);
  nlp_extract_opts o = {0};
  o.title = "\xFF\xFE";
  o.title_len = 2;
  assert_int_equal(nlp_extract(r, NULL, "中标", 6, &o, &res), NLP_EUTF8);
  nlp_result_destroy(&res);
}

static void test_empty_and_limits(void **state) {
  nlp_rules *r = *state;
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, "", 0, NULL, &res), 0);
  assert_int_equal(res.n, 0);
  nlp_result_destroy(&res);
  nlp_extract_opts o = {0};
  o.max_len = 4;
  assert_int_equal(nlp_extract(r, NULL, "公司中标项目", 18, &o, &res),
                   NLP_ETOOBIG);
  nlp_result_destroy(&res);
}

/* 5 MB on one line: trigger words and digits scattered through ASCII and
 * CJK junk without sentence breaks. */
static void test_junk_line(void **state) {
  nlp_rules *r = *state;
  size_t n = 5u << 20;
  char *s = malloc(n + 16);
  assert_non_null(s);
  const char *pieces[] = {"质押", "中标", "收购", "x", "9", "亿元", "股", "%",
                          "，", "有限公司", "（", "简称"};
  size_t k = 0;
  unsigned seed = 12345;
  while (k < n) {
    seed = seed * 1103515245u + 12345u;
    const char *p = pieces[(seed >> 16) % 12];
    size_t l = strlen(p);
    memcpy(s + k, p, l);
    k += l;
  }
  nlp_result res;
  int rc = nlp_extract(r, NULL, s, k, NULL, &res);
  assert_int_equal(rc, 0);
  nlp_result_destroy(&res);
  free(s);
}

static int setup(void **state) {
  *state = load_data_rules();
  return 0;
}

static int teardown(void **state) {
  nlp_rules_free(*state);
  return 0;
}

int main(void) {
  if (access("data/rules", R_OK)) {
    printf("test_nlp_extract: run from the repository root (data/rules)\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_broken_rule_reported_others_load),
      cmocka_unit_test(test_missing_dir_is_eio),
      cmocka_unit_test(test_rule_tail_shapes),
      cmocka_unit_test(test_need_option),
      cmocka_unit_test(test_need_word_widths),
      cmocka_unit_test(test_argument_cap_counted),
      cmocka_unit_test(test_zhongbiao),
      cmocka_unit_test(test_zhiya),
      cmocka_unit_test(test_shougou),
      cmocka_unit_test(test_rongzi),
      cmocka_unit_test(test_cross_sentence_subject),
      cmocka_unit_test(test_alias_binding),
      cmocka_unit_test(test_stock_code_binding),
      cmocka_unit_test(test_identical_events_deduped),
      cmocka_unit_test(test_buyback_price_range_kept),
      cmocka_unit_test(test_merged_event_fills_from_body),
      cmocka_unit_test(test_trigger_lookalikes),
      cmocka_unit_test(test_zhongbiao_amount_before_object),
      cmocka_unit_test(test_reposted_title_is_headline),
      cmocka_unit_test(test_title_subject_before_amount),
      cmocka_unit_test(test_zhongbiao_listed_items),
      cmocka_unit_test(test_kuisun_not_investors),
      cmocka_unit_test(test_title_subject_before_period),
      cmocka_unit_test(test_jianchi_no_adverb_holder),
      cmocka_unit_test(test_shougou_no_clause_buyer),
      cmocka_unit_test(test_gaoguan_date_tail_no_name),
      cmocka_unit_test(test_zhiya_as_of_date),
      cmocka_unit_test(test_shangshi_not_delisting),
      cmocka_unit_test(test_title_column_separator),
      cmocka_unit_test(test_kuisun_forecast_and_change),
      cmocka_unit_test(test_shougou_no_purpose_buyer),
      cmocka_unit_test(test_zengchi_lookalikes),
      cmocka_unit_test(test_zhongbiao_verb_before_name),
      cmocka_unit_test(test_title_subject_before_management),
      cmocka_unit_test(test_pochan_lookalikes),
      cmocka_unit_test(test_huigou_share_of_capital),
      cmocka_unit_test(test_signing_date_is_disclosure),
      cmocka_unit_test(test_zhongbiao_owner_far_below),
      cmocka_unit_test(test_zhongbiao_title_repeated_in_text),
      cmocka_unit_test(test_pre_ipo_round_not_listing),
      cmocka_unit_test(test_zhongbiao_centre_in_object),
      cmocka_unit_test(test_many_hits_grow),
      cmocka_unit_test(test_invalid_utf8),
      cmocka_unit_test(test_empty_and_limits),
      cmocka_unit_test(test_junk_line),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
