/*
 * test_nlp_numbers.c — amounts, share counts, percentages and dates
 * (nlp/numbers.c): the forms announcements use, and the phrases that must
 * be refused rather than misread.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nlp/nlp.h"

static void amount_is(const char *s, double want, const char *cur) {
  double v = -1;
  char c[4] = "???";
  int rc = nlp_parse_amount(s, strlen(s), &v, c);
  if (rc != NLP_OK) fail_msg("\"%s\": rc %d (%s)", s, rc, nlp_strerror(rc));
  if (fabs(v - want) > 1e-6 * fmax(1, fabs(want)))
    fail_msg("\"%s\": got %.6f, want %.6f", s, v, want);
  if (strcmp(c, cur) != 0) fail_msg("\"%s\": currency %s, want %s", s, c, cur);
}

static void not_amount(const char *s) {
  double v;
  char c[4];
  if (nlp_parse_amount(s, strlen(s), &v, c) != NLP_EINVAL)
    fail_msg("\"%s\" parsed as an amount (%f)", s, v);
}

static void test_amount_arabic(void **st) {
  (void)st;
  amount_is("1.2亿元", 120000000, "CNY");
  amount_is("3,500万元", 35000000, "CNY");
  amount_is("5000万元", 50000000, "CNY");
  amount_is("1,234,567.89元", 1234567.89, "CNY");
  amount_is("3千万", 30000000, "CNY");
  amount_is("1亿2000万元", 120000000, "CNY");
  amount_is("1.5千万元", 15000000, "CNY");
  amount_is("2万亿元", 2e12, "CNY");
  amount_is("100元", 100, "CNY");
  amount_is("12345", 12345, "CNY");
}

static void test_amount_fullwidth(void **st) {
  (void)st;
  amount_is("３，５００万元", 35000000, "CNY");
  amount_is("１．２亿元", 120000000, "CNY");
  amount_is("人民币　１２００万元", 12000000, "CNY");
}

static void test_amount_chinese(void **st) {
  (void)st;
  amount_is("五千万元", 50000000, "CNY");
  amount_is("两亿", 200000000, "CNY");
  amount_is("零点五亿", 50000000, "CNY");
  amount_is("十亿元", 1e9, "CNY");
  amount_is("一千二百三十四万五千六百七十八元", 12345678, "CNY");
  amount_is("一百零五万元", 1050000, "CNY");
  amount_is("壹仟伍佰万元", 15000000, "CNY");
  amount_is("叁亿伍仟万元", 350000000, "CNY");
  amount_is("十五万元", 150000, "CNY");
}

static void test_amount_currency_and_hedges(void **st) {
  (void)st;
  amount_is("12.5万美元", 125000, "USD");
  amount_is("USD 3.2 亿", 320000000, "USD");
  amount_is("3亿港元", 300000000, "HKD");
  amount_is("5000万港币", 50000000, "HKD");
  amount_is("2000万欧元", 20000000, "EUR");
  amount_is("10亿日元", 1e9, "JPY");
  amount_is("300万英镑", 3000000, "GBP");
  amount_is("人民币5000万元", 50000000, "CNY");
  amount_is("RMB 800万元", 8000000, "CNY");
  amount_is("5000万元人民币", 50000000, "CNY");
  amount_is("约1.2亿元", 120000000, "CNY");
  amount_is("不超过人民币3亿元", 300000000, "CNY");
  amount_is("不低于5000万元", 50000000, "CNY");
  amount_is("1000余万元", 10000000, "CNY");
  amount_is("5亿元左右", 500000000, "CNY");
}

static void test_amount_ranges(void **st) {
  (void)st;
  double lo, hi;
  char c[4];
  amount_is("1亿元至2亿元", 100000000, "CNY"); /* lower bound */
  assert_int_equal(nlp_parse_amount_range("1亿元至2亿元", strlen("1亿元至2亿元"),
                                          &lo, &hi, c),
                   NLP_OK);
  assert_true(lo == 1e8 && hi == 2e8);
  const char *s = "1-2亿元";
  assert_int_equal(nlp_parse_amount_range(s, strlen(s), &lo, &hi, c), NLP_OK);
  assert_true(lo == 1e8 && hi == 2e8);
  s = "5000万至1亿美元";
  assert_int_equal(nlp_parse_amount_range(s, strlen(s), &lo, &hi, c), NLP_OK);
  assert_true(lo == 5e7 && hi == 1e8);
  assert_string_equal(c, "USD");
  s = "3～5千万元";
  assert_int_equal(nlp_parse_amount_range(s, strlen(s), &lo, &hi, c), NLP_OK);
  assert_true(lo == 3e7 && hi == 5e7);
  s = "8000万元";
  assert_int_equal(nlp_parse_amount_range(s, strlen(s), &lo, &hi, c), NLP_OK);
  assert_true(lo == 8e7 && hi == 8e7);
}

static void test_amount_rejects(void **st) {
  (void)st;
  not_amount("");
  not_amount("公司");
  not_amount("万元");
  not_amount("3月");
  not_amount("1.2亿元的借款");
  not_amount("人民币100美元");
  not_amount("1亿元至");
  not_amount("\xe4\xb8"); /* truncated UTF-8 */
}

static void test_shares(void **st) {
  (void)st;
  double v = 0;
  const char *s = "1,000万股";
  assert_int_equal(nlp_parse_shares(s, strlen(s), &v), NLP_OK);
  assert_true(v == 1e7);
  s = "五百万股";
  assert_int_equal(nlp_parse_shares(s, strlen(s), &v), NLP_OK);
  assert_true(v == 5e6);
  s = "2.5亿股";
  assert_int_equal(nlp_parse_shares(s, strlen(s), &v), NLP_OK);
  assert_true(v == 2.5e8);
  s = "2.5亿元";
  assert_int_equal(nlp_parse_shares(s, strlen(s), &v), NLP_EINVAL);
}

static void percent_is(const char *s, double want) {
  double r = -1;
  int rc = nlp_parse_percent(s, strlen(s), &r);
  if (rc != NLP_OK) fail_msg("\"%s\": rc %d", s, rc);
  if (fabs(r - want) > 1e-9) fail_msg("\"%s\": got %f want %f", s, r, want);
}

static void test_percent(void **st) {
  (void)st;
  percent_is("35.5%", 0.355);
  percent_is("35.5％", 0.355);
  percent_is("百分之十", 0.10);
  percent_is("百分之三十五点五", 0.355);
  percent_is("约20%", 0.20);
  percent_is("三成", 0.30);
  percent_is("三成五", 0.35);
  percent_is("5‰", 0.005);
  percent_is("100%", 1.0);
  double r;
  assert_int_equal(nlp_parse_percent("35.5", 4, &r), NLP_EINVAL);
  assert_int_equal(nlp_parse_percent("百分之", strlen("百分之"), &r),
                   NLP_EINVAL);
  assert_int_equal(nlp_parse_percent("35%股权", strlen("35%股权"), &r),
                   NLP_EINVAL);
}

static void date_is(const char *s, const char *pub, const char *want) {
  char out[11] = "";
  int rc = nlp_parse_date(s, strlen(s), pub, out);
  if (rc != NLP_OK) fail_msg("\"%s\" (pub %s): rc %d", s, pub ? pub : "-", rc);
  if (strcmp(out, want) != 0)
    fail_msg("\"%s\" (pub %s): got %s want %s", s, pub ? pub : "-", out, want);
}

static void not_date(const char *s, const char *pub) {
  char out[11];
  if (nlp_parse_date(s, strlen(s), pub, out) != NLP_EINVAL)
    fail_msg("\"%s\" (pub %s) parsed as %s", s, pub ? pub : "-", out);
}

static void test_dates_absolute(void **st) {
  (void)st;
  date_is("2020年3月5日", NULL, "2020-03-05");
  date_is("2020年03月05日", NULL, "2020-03-05");
  date_is("2020年03月", NULL, "2020-03");
  date_is("2020-03-05", NULL, "2020-03-05");
  date_is("2020/3/5", NULL, "2020-03-05");
  date_is("2020.3.5", NULL, "2020-03-05");
  date_is("2020-03", NULL, "2020-03");
  date_is("20200305", NULL, "2020-03-05");
  date_is("２０２０年３月５日", NULL, "2020-03-05");
  date_is("二〇二〇年十二月三十一日", NULL, "2020-12-31");
  date_is("2020年 3月 5日", NULL, "2020-03-05");
  date_is("2020-03-05 10:30", NULL, "2020-03-05");
  date_is("于2020年3月5日", NULL, "2020-03-05");
  date_is("2020年3月5日召开", NULL, "2020-03-05");
  date_is("2020年2月29日", NULL, "2020-02-29");
  not_date("2019年2月29日", NULL);
  not_date("2020年13月1日", NULL);
  not_date("2020年4月31日", NULL);
  not_date("2020年", NULL);
  not_date("2020年3月5", NULL);
  not_date("", NULL);
  not_date("公告", NULL);
}

static void test_dates_relative(void **st) {
  (void)st;
  const char *pub = "2021-01-15";
  date_is("3月5日", pub, "2021-03-05");
  date_is("5日", pub, "2021-01-05");
  date_is("3月", pub, "2021-03");
  date_is("本月", pub, "2021-01");
  date_is("上月", pub, "2020-12");
  date_is("上月20日", pub, "2020-12-20");
  date_is("今年3月5日", pub, "2021-03-05");
  date_is("去年12月", pub, "2020-12");
  date_is("今日", pub, "2021-01-15");
  date_is("昨日", "2021-03-01", "2021-02-28");
  not_date("今年", pub);
  not_date("近日", pub);
  not_date("3月5日", NULL);
  not_date("5日", NULL);
  not_date("本月", NULL);
  not_date("3月5日", "not a date");
}

/* Random mixes of the parsers' own vocabulary and raw bytes: every call
 * returns OK or EINVAL, and an OK date is well formed. */
static void test_garbage(void **st) {
  (void)st;
  static const char *const tok[] = {
      "1", "2", "0", ".", ",", "-", "~", "%", "亿", "万", "千", "百", "十",
      "元", "美元", "人民币", "两", "零", "点", "五", "成", "百分之", "年",
      "月", "日", "号", "本月", "上月", "今年", "约", "至", "股", " ", "\xe4",
      "\xff", "2020", "12", "31", "（含）", "余", "USD", "$"};
  unsigned seed = 99;
  char buf[128];
  for (int r = 0; r < 20000; r++) {
    buf[0] = '\0';
    int k = rand_r(&seed) % 8;
    for (int j = 0; j < k; j++)
      strcat(buf, tok[rand_r(&seed) % (sizeof tok / sizeof tok[0])]);
    size_t n = strlen(buf);
    double v, hi;
    char cur[4], out[11];
    int rc = nlp_parse_amount_range(buf, n, &v, &hi, cur);
    assert_true(rc == NLP_OK || rc == NLP_EINVAL);
    if (rc == NLP_OK) assert_true(v <= hi && cur[3] == '\0');
    rc = nlp_parse_percent(buf, n, &v);
    assert_true(rc == NLP_OK || rc == NLP_EINVAL);
    rc = nlp_parse_shares(buf, n, &v);
    assert_true(rc == NLP_OK || rc == NLP_EINVAL);
    rc = nlp_parse_date(buf, n, "2021-01-31", out);
    assert_true(rc == NLP_OK || rc == NLP_EINVAL);
    if (rc == NLP_OK) {
      size_t l = strlen(out);
      if (l != 7 && l != 10) fail_msg("\"%s\" -> bad date \"%s\"", buf, out);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_amount_arabic),
      cmocka_unit_test(test_amount_fullwidth),
      cmocka_unit_test(test_amount_chinese),
      cmocka_unit_test(test_amount_currency_and_hedges),
      cmocka_unit_test(test_amount_ranges),
      cmocka_unit_test(test_amount_rejects),
      cmocka_unit_test(test_shares),
      cmocka_unit_test(test_percent),
      cmocka_unit_test(test_dates_absolute),
      cmocka_unit_test(test_dates_relative),
      cmocka_unit_test(test_garbage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
