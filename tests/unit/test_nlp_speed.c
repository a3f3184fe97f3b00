/*
 * test_nlp_speed.c — the extractor's engine-level shortcuts (issue 3,
 * helper hs2) must never change what it finds.  Required words: the word
 * sets every match of a pattern contains, read from the pattern at load
 * (nlp/rules.c, rl_required), which the extractor tests before running a
 * pattern.  The rules are written for the test, the sentences invented.
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

#include "nlp/rules_internal.h"

/* The required sets as "[w|w][w]" (best first). */
static void sets(nlp_need *const req[NLP_REQ_MAX], char *out, size_t cap) {
  size_t o = 0;
  out[0] = 0;
  for (size_t k = 0; k < NLP_REQ_MAX && req[k]; k++) {
    o += (size_t)snprintf(out + o, cap - o, "[");
    for (size_t w = 0; w < req[k]->n; w++)
      o += (size_t)snprintf(out + o, cap - o, "%s%s", w ? "|" : "",
                            req[k]->w[w].w);
    o += (size_t)snprintf(out + o, cap - o, "]");
  }
}

/* The required sets of the pattern of a one-fill rule file. */
static void fill_sets(const char *pattern, char *out, size_t cap) {
  char text[1024];
  snprintf(text, sizeof text, "fill 质押 金额 sentence %s\n", pattern);
  nlp_rules *r = load_rules(text);
  assert_int_equal(r->nfills, 1);
  sets(r->fills[0].req, out, cap);
  nlp_rules_free(r);
}

static void test_required_words_read(void **state) {
  (void)state;
  char got[512];
  /* every item of a sequence is a condition; longer words rank first */
  fill_sets("(?<v>\\d+)股权质押给(?:甲方|乙方)", got, sizeof got);
  assert_string_equal(got, "[股权质押给][甲方|乙方]");
  /* a union keeps only words that contain no other word of it */
  fill_sets("(?<v>\\d+)(?:有限公司|公司|集团|集团公司)", got, sizeof got);
  assert_string_equal(got, "[公司|集团]");
  /* an optional item is no condition and splits the run around it; a
   * quantifier with a minimum keeps one copy of its character */
  fill_sets("(?<v>\\d+)甲乙(?:丙丁)?戊己+庚", got, sizeof got);
  assert_string_equal(got, "[甲乙][戊己][庚]");
  fill_sets("(?<v>\\d+)甲乙?丙", got, sizeof got);
  assert_string_equal(got, "[甲][丙]");
  /* look-arounds consume nothing (a look-behind sees text before the
   * searched part); a short class of plain characters is a set */
  fill_sets("(?<=银行)(?!贷款)(?<v>\\d+)[（(]", got, sizeof got);
  assert_string_equal(got, "[（|(]");
  fill_sets("(?<v>\\d+)[𠀀𠀁x]", got, sizeof got);
  assert_string_equal(got, "[𠀀|𠀁|x]");
  fill_sets("(?<v>\\d+)[a-c]", got, sizeof got);
  assert_string_equal(got, "");
  /* an alternative without a set leaves the alternation without one */
  fill_sets("(?<v>\\d+)(?:元|\\d)", got, sizeof got);
  assert_string_equal(got, "");
  fill_sets("(?<v>\\d+)元|(?<v>\\d+)股", got, sizeof got);
  assert_string_equal(got, "[元|股]");
  /* escaped punctuation is literal, \s and \d are not */
  fill_sets("(?<v>\\d+)\\(元\\)\\s股", got, sizeof got);
  assert_string_equal(got, "[(元)][股]");
}

/* Whatever the reading does not know gives no set at all. */
static void test_required_words_give_up(void **state) {
  (void)state;
  char got[512];
  fill_sets("(?i)(?<v>\\d+)abc", got, sizeof got);
  assert_string_equal(got, "");
  fill_sets("(?<v>\\d+)(?i:abc)", got, sizeof got);
  assert_string_equal(got, "");
  fill_sets("(?<v>\\d+)(元)\\1", got, sizeof got);
  assert_string_equal(got, "");
  fill_sets("(?<v>\\d+)\\Q元\\E", got, sizeof got);
  assert_string_equal(got, "");
  fill_sets("(?<v>\\d+)元{,2}", got, sizeof got);
  assert_string_equal(got, "");
}

/* Macros are read once each, as the group their expansion is; a macro
 * expanded inside a class is no list of plain characters. */
static void test_required_words_macros(void **state) {
  (void)state;
  nlp_rules *r = load_rules("macro SUF = (?:有限公司|集团)\n"
                            "macro CH = 甲\n"
                            "fill 质押 金额 sentence (?<v>\\d+{SUF}){SUF}?股\n"
                            "fill 质押 金额 sentence (?<v>\\d+)[{CH}]\n");
  char got[512];
  sets(r->fills[0].req, got, sizeof got);
  assert_string_equal(got, "[有限公司|集团][股]");
  sets(r->fills[1].req, got, sizeof got);
  assert_string_equal(got, "");
  nlp_rules_free(r);
}

/* A rule's sets leave out those holding a trigger word: the hit is in
 * every window the rule searches. */
static void test_required_words_not_triggers(void **state) {
  (void)state;
  nlp_rules *r = load_rules("group who = 质押方\n"
                            "rule a\ntype 质押\ntrigger 质押\n"
                            "pattern (?<who>[甲乙])股份(?<trig>质押)给\n");
  char got[512];
  sets(r->rules[0].req, got, sizeof got);
  assert_string_equal(got, "[股份][给][甲|乙]");
  nlp_rules_free(r);
}

static const nlp_event *find_event(const nlp_result *res, const char *type) {
  for (size_t i = 0; i < res->n; i++)
    if (!strcmp(res->events[i].type, type))
      return &res->events[i];
  return NULL;
}

/* The value of role in the first event of type (role NULL: its trigger),
 * "" when none. */
static void value(const nlp_rules *r, const char *text, const char *type,
                  const char *role, char *out, size_t cap) {
  nlp_extract_opts o = {0};
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, text, strlen(text), &o, &res), 0);
  const nlp_event *ev = find_event(&res, type);
  out[0] = 0;
  if (ev && !role)
    snprintf(out, cap, "%s", ev->trigger);
  for (size_t i = 0; ev && role && i < ev->nargs; i++)
    if (!strcmp(ev->args[i].role, role)) {
      snprintf(out, cap, "%s", ev->args[i].text);
      break;
    }
  nlp_result_destroy(&res);
}

/* The words are tested on exactly the text a search sees: a required
 * word at the edge of a rule's reach or at the end of the sentence still
 * counts, and a look-behind's words may stand in the sentence before. */
static void test_required_words_extract(void **state) {
  (void)state;
  nlp_rules *r =
      load_rules("group amt = 质押金额\n"
                 "rule a\ntype 质押\ntrigger 质押\nreach 2\n"
                 "pattern 股份(?<trig>质押)给(?:丙|丁)公司\n"
                 "fill 质押 质押金额 window:0,2 (?<=以\\n)(?<v>\\d+元)担保\n");
  char got[256];
  value(r, "甲股份质押给丙公司", "质押", NULL, got, sizeof got);
  assert_string_equal(got, "质押");
  value(r, "甲股份质押给丙公", "质押", NULL, got, sizeof got);
  assert_string_equal(got, "");
  value(r, "甲股份某质押给丙公司", "质押", NULL, got, sizeof got);
  assert_string_equal(got, "");
  value(r, "股份质押给丁公司。以\n5元担保", "质押", "质押金额", got,
        sizeof got);
  assert_string_equal(got, "5元");
  /* without 担保 in the sentence no amount */
  value(r, "股份质押给丁公司。以\n5元", "质押", "质押金额", got, sizeof got);
  assert_string_equal(got, "");
  nlp_rules_free(r);
}

/* A rule's head (the pattern before its tail) is read on its own: its
 * words count only before the end of the hit, where the head of a match
 * that makes an event lies; a word of the head inside the trigger word
 * (the trigger group shorter than the hit) still counts. */
static void test_required_words_head(void **state) {
  (void)state;
  nlp_rules *r = load_rules("group who = 质押方\n"
                            "rule a\ntype 质押\ntrigger 质押\nreach 10\n"
                            "pattern (?<who>[甲乙])股份(?<trig>质押)给丙\n"
                            "rule b\ntype 解除质押\ntrigger 质押\n"
                            "pattern (?<who>[甲乙])解除质(?<trig>押)\n");
  char got[512];
  sets(r->rules[0].hreq, got, sizeof got);
  assert_string_equal(got, "[股份][甲|乙]");
  sets(r->rules[1].hreq, got, sizeof got);
  assert_string_equal(got, "[解除质][甲|乙]");
  nlp_extract_opts o = {0};
  nlp_result res;
  const char *t = "质押给丙，乙股份质押给丙，甲股份";
  assert_int_equal(nlp_extract(r, NULL, t, strlen(t), &o, &res), 0);
  assert_int_equal(res.n, 1);
  assert_int_equal(res.events[0].trig_begin, strlen("质押给丙，乙股份"));
  nlp_result_destroy(&res);
  value(r, "甲解除质押", "解除质押", "质押方", got, sizeof got);
  assert_string_equal(got, "甲");
  nlp_rules_free(r);
}

/* The rest of a rule (after its trigger group) is read on its own too:
 * its words count only from the start of the hit, and one that begins
 * inside the hit (the trigger group shorter than the trigger word) still
 * counts. */
static void test_required_words_rest(void **state) {
  (void)state;
  nlp_rules *r = load_rules("group who = 质押方\n"
                            "rule a\ntype 质押\ntrigger 质押给\nreach 4\n"
                            "pattern (?<who>[甲乙])(?<trig>质押)给丙公司\n");
  char got[512];
  sets(r->rules[0].rreq, got, sizeof got);
  assert_string_equal(got, "[给丙公司]");
  value(r, "甲质押给丙公司", "质押", "质押方", got, sizeof got);
  assert_string_equal(got, "甲");
  value(r, "给丙公司，甲质押给丁", "质押", "质押方", got, sizeof got);
  assert_string_equal(got, "");
  nlp_rules_free(r);
}

/* A tail search starts no earlier than the longest trigger word before
 * the hit (a plain list of words only): the trigger group of a match that
 * starts earlier ends before the hit.  A trigger group that is no plain
 * list gets no bound. */
static void test_tail_start_bound(void **state) {
  (void)state;
  nlp_rules *r = load_rules("group who = 质押方\n"
                            "rule a\ntype 质押\ntrigger 质押\nreach 20\n"
                            "pattern (?<who>[甲乙])[^，]{0,9}?(?<trig>质押|"
                            "股权质押)给丙\n"
                            "rule b\ntype 解除质押\ntrigger 解押\n"
                            "pattern (?<who>[甲乙])(?<trig>解押\\s?)给丙\n");
  assert_int_equal(r->rules[0].trig_max, strlen("股权质押"));
  assert_int_equal(r->rules[1].trig_max, 0);
  char got[64];
  /* the dictionary hit 质押 sits inside the group's 股权质押 */
  value(r, "某某某甲股权质押给丙", "质押", "质押方", got, sizeof got);
  assert_string_equal(got, "甲");
  value(r, "某某某甲质押给丙", "质押", "质押方", got, sizeof got);
  assert_string_equal(got, "甲");
  value(r, "某某乙解押给丙", "解除质押", "质押方", got, sizeof got);
  assert_string_equal(got, "乙");
  nlp_rules_free(r);
}

/* A rule refused after its tail was compiled (here: an undeclared group)
 * is reported, the others load, and nothing of it is left behind: its word
 * sets used to be allocated before the check and leaked (found by
 * fuzz_rules; the ASan build's leak check fails without the fix). */
static void test_refused_rule_leaks_nothing(void **state) {
  (void)state;
  const char *text =
      "group n = 回购股份数量 shares\n"
      "rule bad\n"
      "type 股份回购\n"
      "trigger 回购\n"
      "pattern 公司(?<who>\\p{sc=Han}{2,4})(?<trig>回购)股份(?<n>\\d+)万股\n"
      "rule good\n"
      "type 股份回购\n"
      "trigger 回购\n"
      "pattern 公司(?<trig>回购)股份(?<n>\\d+)万股\n";
  nlp_rules *r = NULL;
  int ndiag = 0;
  assert_int_equal(load_rules_text(text, count_diag, &ndiag, &r), NLP_ERULE);
  assert_int_equal(ndiag, 1);
  assert_non_null(r);
  assert_int_equal(r->nrules, 1);
  nlp_rules_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_required_words_read),
      cmocka_unit_test(test_required_words_give_up),
      cmocka_unit_test(test_required_words_macros),
      cmocka_unit_test(test_required_words_not_triggers),
      cmocka_unit_test(test_required_words_extract),
      cmocka_unit_test(test_required_words_head),
      cmocka_unit_test(test_required_words_rest),
      cmocka_unit_test(test_tail_start_bound),
      cmocka_unit_test(test_refused_rule_leaks_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
