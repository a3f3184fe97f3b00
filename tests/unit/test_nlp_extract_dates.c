/*
 * test_nlp_extract_dates.c — the disclosure dates (披露时间, 披露日期) of the
 * bundled rules for 股东减持, 股东增持, 企业收购, 公司上市 and 中标
 * (data/rules/{jianchi_zengchi,shougou,shangshi,zhongbiao}.rules, date
 * macros in 00_common.rules), each on sentences written for this test (none
 * comes from DuEE-Fin). Every test names the wording it pins down; each
 * failed before its rule.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tests/unit/extract_fixture.h"

/* "据某某报6月2日报道，…": the report's date is the disclosure's
 * ({REPORTDATE}). */
static void test_report_date_shougou(void **state) {
  const char *text =
      "据远川财经6月2日报道，东川青禾科技股份有限公司拟以现金收购南岭远望视讯"
      "技术有限公司60%股权。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "披露时间", "6月2日");
  nlp_result_destroy(&res);
}

/* "据某台3日消息，…": a day without its month ({REPORTDATE}). */
static void test_report_date_zhongbiao(void **state) {
  const char *text =
      "据东川电视台3日消息，东川青禾建设股份有限公司中标城北污水管网改造工程，"
      "中标金额约3200万元。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "披露日期", "3日");
  nlp_result_destroy(&res);
}

/* "5月13日下午，某某网获悉，…": the lead's date, its part of the day kept
 * ({HEARDDATE}). */
static void test_heard_date_shougou(void **state) {
  const char *text =
      "5月13日下午，青禾财经获悉，东川青禾科技股份有限公司拟以现金收购南岭远望"
      "视讯技术有限公司60%股权。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "披露时间", "5月13日下午");
  nlp_result_destroy(&res);
}

/* "6月2日，某某网获悉，…" for a buyback ({HEARDDATE}). */
static void test_heard_date_huigou(void **state) {
  const char *text = "6月2日，东川财经网获悉，青禾科技股份有限公司已累计回购公司"
                     "股份120万股，支付总金额约900万元。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "股份回购", "披露时间", "6月2日");
  nlp_result_destroy(&res);
}

/* "8月23日，某某网获悉，…" for a bid won ({HEARDDATE}). */
static void test_heard_date_zhongbiao(void **state) {
  const char *text =
      "8月23日，东川建设网获悉，东川青禾建设股份有限公司中标城北污水管网改造"
      "工程，中标金额约3200万元。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "披露日期", "8月23日");
  nlp_result_destroy(&res);
}

/* "7月15日，某某获悉，…" for a shareholder's sale ({HEARDDATE}). */
static void test_heard_date_jianchi(void **state) {
  const char *text =
      "7月15日，青禾财经获悉，东川青禾科技股份有限公司股东南岭远望投资有限公司"
      "通过集中竞价方式减持公司股份120万股。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "股东减持", "披露时间", "7月15日");
  nlp_result_destroy(&res);
}

/* "9月1日，某某宣布，…": a date opening the lead, its company announcing a
 * little further on, dates a shareholder's purchase ({LEADDATE}). */
static void test_lead_date_zengchi(void **state) {
  const char *text =
      "9月1日，东川青禾科技股份有限公司宣布，公司控股股东南岭远望投资有限公司"
      "通过集中竞价方式增持公司股份100万股，占公司总股本的0.5%。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "股东增持", "披露时间", "9月1日");
  nlp_result_destroy(&res);
}

/* A long report whose announcement comes after its first ten sentences: the
 * disclosure next to the listing dates it ({DISCLOSE}, window scope). */
static void test_late_disclosure_shangshi(void **state) {
  const char *text =
      "青禾科技是东川市一家软件企业。公司成立于十多年前。公司主营工业软件。"
      "公司客户遍布全国。公司研发人员超过三百人。公司近年营收稳步增长。"
      "公司曾多次获得行业奖项。公司董事长毕业于东川大学。公司总部位于东川。"
      "公司在南岭设有分公司。公司还在海外设有研发中心。\n"
      "9月5日晚，东川青禾科技股份有限公司发布公告称，公司股票将于9月9日在深交所"
      "创业板挂牌上市。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "公司上市", "披露时间", "9月5日晚");
  nlp_result_destroy(&res);
}

/* "某某于2019年7月18日宣布…": the day the buyer announced the deal. */
static void test_announced_on_shougou(void **state) {
  const char *text = "东川青禾科技股份有限公司于2019年7月18日宣布完成对"
                     "南岭远望视讯技术有限公司的收购。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "披露时间", "2019年7月18日");
  nlp_result_destroy(&res);
}

/* A progress report on a sale plan, signed at its foot, dates the sale by
 * the plan's earlier pre-announcement ("公司于2021年3月2日披露了《关于…减持股份
 * 的预披露公告》"), as DuEE-Fin does, not by the signature. */
static void test_plan_preannounced_jianchi(void **state) {
  const char *text =
      "东川青禾科技股份有限公司（以下简称“公司”）于2021年3月2日披露了《关于"
      "持股5%以上股东减持股份的预披露公告》，公司股东南岭远望投资有限公司计划"
      "以集中竞价方式减持公司股份不超过200万股。\n"
      "公司于2021年6月8日收到南岭远望投资有限公司的告知函，截至本公告日，其已"
      "通过集中竞价方式减持公司股份120万股。\n"
      "特此公告。\n"
      "东川青禾科技股份有限公司董事会\n"
      "2021年6月9日";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "股东减持", "披露时间", "2021年3月2日");
  nlp_result_destroy(&res);
}

/* "某某5月18日晚间公告，…": the part of the day belongs to the date
 * ({DISCLOSE}). */
static void test_evening_notice_zhongbiao(void **state) {
  const char *text =
      "青禾建设（300123）5月18日晚间公告，公司中标城北污水管网改造工程，中标"
      "金额约3200万元。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "披露日期", "5月18日晚间");
  nlp_result_destroy(&res);
}

/* A formal notice that refers to the earlier announcement of the deal
 * ("具体内容详见公司2021年3月2日于指定信息披露媒体披露的《关于…收购…的公告》")
 * is dated by it, not by its signature. */
static void test_referred_notice_shougou(void **state) {
  const char *text =
      "东川青禾科技股份有限公司（以下简称“公司”）拟以现金收购南岭远望视讯技术"
      "有限公司60%股权，具体内容详见公司2021年3月2日于指定信息披露媒体披露的"
      "《关于公司拟以现金方式收购南岭远望视讯技术有限公司60%股权的公告》。\n"
      "特此公告。\n"
      "东川青禾科技股份有限公司董事会\n"
      "2021年4月9日";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "披露时间", "2021年3月2日");
  nlp_result_destroy(&res);
}

/* "某某15日晚公告，…": 晚 too stays with the date ({DISCLOSE}). */
static void test_night_notice_zengchi(void **state) {
  const char *text =
      "青禾科技15日晚公告，公司控股股东南岭远望投资有限公司通过集中竞价方式增持"
      "公司股份100万股。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "股东增持", "披露时间", "15日晚");
  nlp_result_destroy(&res);
}

/* "7月7日，某某(12.300,0.45,3.80%)发布公告称，…": the stock quote after the
 * name does not push the verb out of reach of the date ({DISCLOSE}). */
static void test_quote_before_verb_shangshi(void **state) {
  const char *text =
      "7月7日，东川青禾科技股份(12.300,0.45,3.80%)发布公告称，公司股票将于"
      "7月9日在深交所创业板挂牌上市。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "公司上市", "披露时间", "7月7日");
  nlp_result_destroy(&res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_report_date_shougou),
      cmocka_unit_test(test_report_date_zhongbiao),
      cmocka_unit_test(test_heard_date_shougou),
      cmocka_unit_test(test_heard_date_zhongbiao),
      cmocka_unit_test(test_heard_date_huigou),
      cmocka_unit_test(test_heard_date_jianchi),
      cmocka_unit_test(test_lead_date_zengchi),
      cmocka_unit_test(test_late_disclosure_shangshi),
      cmocka_unit_test(test_announced_on_shougou),
      cmocka_unit_test(test_plan_preannounced_jianchi),
      cmocka_unit_test(test_evening_notice_zhongbiao),
      cmocka_unit_test(test_referred_notice_shougou),
      cmocka_unit_test(test_night_notice_zengchi),
      cmocka_unit_test(test_quote_before_verb_shangshi),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
