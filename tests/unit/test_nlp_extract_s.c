/*
 * test_nlp_extract_s.c — the extractor's speed machinery must not change
 * what it finds (engineer S's pieces of issue 3): a fill pattern's matches
 * in a sentence are searched lazily, only as far as a caller needs them, and
 * a later caller sharing the pattern (another event type, a "many" list, the
 * trigger's own sentence) resumes the search where the first one stopped;
 * need words are read once at load, with their characters.  The rules are
 * written for the test, the sentences invented.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules_tmp.h"

#include "nlp/nlp.h"

/* Loads one rule file expected to be refused; returns the loader's code
 * and counts its diagnostics in *ndiag. */
static int load_bad(const char *text, int *ndiag) {
  nlp_rules *bad = NULL;
  int rc = load_rules_text(text, count_diag, ndiag, &bad);
  nlp_rules_free(bad);
  return rc;
}

static const nlp_event *find_event(const nlp_result *res, const char *type) {
  for (size_t i = 0; i < res->n; i++)
    if (!strcmp(res->events[i].type, type))
      return &res->events[i];
  return NULL;
}

/* The values of role in ev, joined by '|', in argument order. */
static void values(const nlp_event *ev, const char *role, char *out,
                   size_t cap) {
  out[0] = 0;
  for (size_t i = 0; ev && i < ev->nargs; i++)
    if (!strcmp(ev->args[i].role, role)) {
      size_t k = strlen(out);
      snprintf(out + k, cap - k, "%s%s", k ? "|" : "", ev->args[i].text);
    }
}

static void extract(const nlp_rules *r, const char *text, nlp_result *res) {
  nlp_extract_opts o = {0};
  assert_int_equal(nlp_extract(r, NULL, text, strlen(text), &o, res), 0);
}

/* Extracts text and checks the values of one role of the first event of
 * one type ("" when none). */
static void expect_values(const nlp_rules *r, const char *text,
                          const char *type, const char *role,
                          const char *want) {
  char got[256];
  nlp_result res;
  extract(r, text, &res);
  values(find_event(&res, type), role, got, sizeof got);
  assert_string_equal(got, want);
  nlp_result_destroy(&res);
}

/* Three event types share one fill pattern (identical patterns share one
 * code and so one cache entry per sentence). */
static const char *shared_fill_rules =
    "rule a\ntype 中标\ntrigger 中标\npattern (?<trig>中标)\n"
    "rule b\ntype 质押\ntrigger 质押\npattern (?<trig>质押)\n"
    "rule c\ntype 股份回购\ntrigger 回购\npattern (?<trig>回购)\n"
    "fill 中标 金额 window:0,1 (?<v>\\d+元)\n"
    "fill 质押 金额 sentence many (?<v>\\d+元)\n"
    "fill 股份回购 金额 sentence (?<v>\\d+元)\n";

/* The first event needs only the first match of the next sentence; the
 * "many" fill of the second event, told there, must still get every item,
 * and the third the one nearest to its trigger (after it). */
static void test_fill_cache_resumes(void **state) {
  (void)state;
  nlp_rules *r = load_rules(shared_fill_rules);
  char got[256];
  nlp_result res;
  extract(r, "甲中标。乙质押1元、2元、丙回购3元、4元。", &res);
  values(find_event(&res, "中标"), "金额", got, sizeof got);
  assert_string_equal(got, "1元");
  values(find_event(&res, "质押"), "金额", got, sizeof got);
  assert_string_equal(got, "1元|2元|3元|4元");
  values(find_event(&res, "股份回购"), "金额", got, sizeof got);
  assert_string_equal(got, "3元");
  nlp_result_destroy(&res);
  /* the nearest match after a first-match-only search of the sentence */
  extract(r, "甲中标。1元、2元、丙回购3元、4元。", &res);
  values(find_event(&res, "中标"), "金额", got, sizeof got);
  assert_string_equal(got, "1元");
  values(find_event(&res, "股份回购"), "金额", got, sizeof got);
  assert_string_equal(got, "3元");
  nlp_result_destroy(&res);
  /* nearest before the trigger, with matches after it farther away */
  expect_values(r, "1元、2元回购，甲乙丙3元。", "股份回购", "金额", "2元");
  nlp_rules_free(r);
}

/* A sentence's matches are the first eight: the ninth is never an
 * argument, even when it is the nearest to the trigger (the bound was
 * there before the search became lazy and must stay where it was). */
static void test_fill_cache_keeps_its_bound(void **state) {
  (void)state;
  nlp_rules *r = load_rules(shared_fill_rules);
  expect_values(r, "1元、2元、3元、4元、5元、6元、7元、8元、甲乙丙丁回购9元。",
                "股份回购", "金额", "8元");
  expect_values(r, "乙质押1元、2元、3元、4元、5元、6元、7元、8元、9元。",
                "质押", "金额", "1元|2元|3元|4元|5元|6元|7元|8元");
  nlp_rules_free(r);
}

/* Need words are split and measured at load: words of one to four bytes a
 * character, the last word of a list, a one-word list. */
static void test_need_words_at_load(void **state) {
  (void)state;
  nlp_rules *r = load_rules(
      "rule a\ntype 中标\ntrigger 中标\npattern (?<trig>中标)\n"
      "fill 中标 金额 sentence need=x|é|元|𠀀 (?<v>\\d+(?:x|é|元|𠀀|镑))\n"
      "fill 中标 日期 sentence need=日 (?<v>\\d+日)\n");
  const char *texts[] = {"中标5x", "中标5é", "中标5元", "中标5𠀀", "中标5镑"};
  const char *want[] = {"5x", "5é", "5元", "5𠀀", ""};
  for (size_t i = 0; i < 5; i++)
    expect_values(r, texts[i], "中标", "金额", want[i]);
  expect_values(r, "中标3日", "中标", "日期", "3日");
  nlp_rules_free(r);
}

/* "lead=N" after need=: only the starts in the N characters before an
 * occurrence of a need word are tried; a match that starts exactly N
 * characters before is found, also after a match-less occurrence and when
 * it is not the first match of the sentence, and a hint that is too small
 * shows that the bound is applied (it is the rule writer's promise). */
static void test_lead_hint(void **state) {
  (void)state;
  nlp_rules *r =
      load_rules("rule a\ntype 中标\ntrigger 中标\npattern (?<trig>中标)\n"
                 "fill 中标 金额 sentence many need=元|镑 lead=3 "
                 "(?<=，)(?<v>\\d{1,3}(?:元|镑))\n"
                 "fill 中标 日期 sentence need=日 lead=1 (?<v>\\d{1,3}日)\n");
  char got[128];
  nlp_result res;
  extract(r, "5元甲中标，8镑，甲乙，123元，45元，9丙元，456日", &res);
  const nlp_event *ev = find_event(&res, "中标");
  values(ev, "金额", got, sizeof got);
  assert_string_equal(got, "8镑|123元|45元");
  values(ev, "日期", got, sizeof got);
  assert_string_equal(got, "6日"); /* a plain search finds 456日 */
  nlp_result_destroy(&res);
  nlp_rules_free(r);
  /* malformed: reported with its line, the other lines load */
  int ndiag = 0;
  assert_int_equal(
      load_bad("fill 中标 金额 sentence need=元 lead=x (?<v>\\d元)\n"
               "subject need=（ lead=-1 (?<v>甲)（\n"
               "subject need=（ lead=2 (?<v>甲)（\n",
               &ndiag),
      NLP_ERULE);
  assert_int_equal(ndiag, 2);
}

/* A subject pattern that opens with fixed words (so its opening words are
 * read at load) but has no (?<v>) group is refused without leaking those
 * words (found by fuzz_rules under LeakSanitizer; `make asan` runs this). */
static void test_refused_pattern_frees_its_words(void **state) {
  (void)state;
  int ndiag = 0;
  assert_int_equal(load_bad("subject (?:公告|通知)甲\n", &ndiag), NLP_ERULE);
  assert_int_equal(ndiag, 1);
}

/* Everything found in text, as one string (type, trigger, role=text …). */
static void dump(const nlp_rules *r, const char *text, char *out, size_t cap) {
  nlp_result res;
  extract(r, text, &res);
  out[0] = 0;
  for (size_t i = 0; i < res.n; i++) {
    const nlp_event *ev = &res.events[i];
    size_t k = strlen(out);
    snprintf(out + k, cap - k, "[%s %s %zu", ev->type, ev->trigger,
             ev->trig_begin);
    for (size_t a = 0; a < ev->nargs; a++) {
      k = strlen(out);
      snprintf(out + k, cap - k, " %s=%s", ev->args[a].role, ev->args[a].text);
    }
    k = strlen(out);
    snprintf(out + k, cap - k, "]");
  }
  nlp_result_destroy(&res);
}

/* Patterns that open with words (a literal alternation, after
 * look-arounds, in each top-level alternative) are only tried where one of
 * the words occurs: the same rules written so that they do not open with
 * words ("(?:)" first, which the loader does not read through) must find
 * exactly the same, wherever the words sit in the window. */
static void test_opening_words(void **state) {
  (void)state;
  const char *body =
      "group amt = 融资金额 amount\ngroup how = 方式\n"
      "rule a\ntype 公司上市\ntrigger 上市 IPO 招股书\n"
      "pattern %s(?<how>赴港|拟|筹备)[^，。]{0,8}?(?<trig>上市|(?<!pre-)IPO)|"
      "(?<trig>(?<!pre-)IPO|招股书)\n"
      "rule b\ntype 企业融资\ntrigger 融资\n"
      "pattern %s(?<!不)(?:完成|获得?)(?<amt>\\d+亿元)?(?<trig>融资)\n"
      "fill 公司上市 募资 sentence %s(?:募资|募集)(?<v>\\d+亿元)\n"
      "subject %s(?:关于|公告：)(?<v>\\p{sc=Han}{2,4})(?=拟|完成|获)\n";
  char a[1024], b[1024];
  snprintf(a, sizeof a, body, "", "", "", "");
  snprintf(b, sizeof b, body, "(?:)", "(?:)", "(?:)", "(?:)");
  nlp_rules *ra = load_rules(a), *rb = load_rules(b);
  const char *texts[] = {
      "甲公司拟赴港上市，募资5亿元",
      "乙筹备多年后于今日上市，拟募集3亿元",
      "丙的pre-IPO轮融资，丁IPO募集3亿元",
      "戊赴港拟上市",
      "招股书显示，关于己完成2亿元融资",
      "公告：庚获融资，不完成融资，拟上市",
      "拟拟拟拟拟拟拟拟拟上市",
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    char da[2048], db[2048];
    dump(ra, texts[i], da, sizeof da);
    dump(rb, texts[i], db, sizeof db);
    assert_string_equal(da, db);
    assert_true(da[0] != 0); /* every text has something to find */
  }
  nlp_rules_free(ra);
  nlp_rules_free(rb);
}

/* A rule's tail (the pattern from its trigger group on) is tried first,
 * and the whole pattern runs only when the tail matches with its trigger
 * on the hit: a tail match at an earlier trigger word of the window does
 * not count.  The same rule without a tail (a top-level "|(?!)" keeps the
 * loader from making one) must find the same. */
static void test_tail_on_the_hit(void **state) {
  (void)state;
  const char *body = "group who = 公司名称\ngroup amt = 净亏损 amount\n"
                     "rule a\ntype 亏损\ntrigger 亏损 巨亏\nreach 20\n"
                     "pattern (?<who>\\p{sc=Han}{2})(?:净利)?(?<trig>亏损|巨亏)"
                     "(?<amt>\\d+元)%s\n";
  char a[512], b[512];
  snprintf(a, sizeof a, body, "");
  snprintf(b, sizeof b, body, "|(?!)");
  nlp_rules *ra = load_rules(a), *rb = load_rules(b);
  const char *texts[] = {
      "甲乙亏损5元丙丁亏损",
      "甲乙亏损5元丙丁巨亏6元",
      "甲乙巨亏，丙丁净利亏损7元",
      "亏损亏损亏损8元",
      "甲乙亏损9元",
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    char da[2048], db[2048];
    dump(ra, texts[i], da, sizeof da);
    dump(rb, texts[i], db, sizeof db);
    assert_string_equal(da, db);
    assert_true(da[0] != 0);
  }
  nlp_rules_free(ra);
  nlp_rules_free(rb);
}

/* Hits close together in one sentence search overlapping windows with the
 * same rule, and what an earlier hit's search showed (no match starts in
 * a stretch) is used again: each hit must still get the match that covers
 * it, also when it starts where the earlier search stopped or inside the
 * stretch the earlier hit's match covered. */
static void test_rule_memo_hits_together(void **state) {
  (void)state;
  nlp_rules *r =
      load_rules("group who = 公司名称\n"
                 "rule a\ntype 亏损\ntrigger 亏损\nreach 12\n"
                 "pattern (?<who>甲|乙|丙)[^，]{0,6}?(?<trig>亏损)\n");
  char got[512];
  dump(r, "甲亏损乙亏损", got, sizeof got);
  assert_string_equal(got,
                      "[亏损 亏损 3 公司名称=甲][亏损 亏损 12 公司名称=乙]");
  dump(r, "甲丁亏损亏损，丙亏损", got, sizeof got);
  /* the second 亏损 has no match of its own (the lazy gap stops at the
   * first one: 甲丁亏损 ends before it), the third one's starts after the
   * comma */
  assert_string_equal(got,
                      "[亏损 亏损 6 公司名称=甲][亏损 亏损 24 公司名称=丙]");
  dump(r, "丁亏损，乙戊亏损丁丁亏损", got, sizeof got);
  assert_string_equal(got, "[亏损 亏损 18 公司名称=乙]");
  nlp_rules_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fill_cache_resumes),
      cmocka_unit_test(test_fill_cache_keeps_its_bound),
      cmocka_unit_test(test_need_words_at_load),
      cmocka_unit_test(test_lead_hint),
      cmocka_unit_test(test_opening_words),
      cmocka_unit_test(test_tail_on_the_hit),
      cmocka_unit_test(test_rule_memo_hits_together),
      cmocka_unit_test(test_refused_pattern_frees_its_words),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
