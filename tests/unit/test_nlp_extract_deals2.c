/*
 * test_nlp_extract_deals2.c — patterns of the bundled rules for 股东增持,
 * 股东减持, 公司上市 and 企业收购 (data/rules/{jianchi_zengchi,shangshi,
 * shougou}.rules) added in round ten, each on sentences written for this
 * test (none comes from DuEE-Fin). Every test names the wording it pins
 * down; each failed before its rule.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tests/unit/extract_fixture.h"

/* A data feed's line on foreign holdings rising is a purchase by the fund
 * flow, the stock named before it; without a stock it is none. */
static void test_zengchi_fund_holding_up(void **state) {
  const char *text =
      "个股提醒：\n"
      "1. 青禾电子近20日内北向资金持股量增加56.78万股，占流通股比例增加0.21%；\n"
      "2. 近20日内无机构对青禾电子进行调研。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "股东增持", NULL, NULL), 1);
  FX_EXPECT(&res, "股东增持", "增持方", "北向资金");
  FX_EXPECT(&res, "股东增持", "股票简称", "青禾电子");
  FX_EXPECT(&res, "股东增持", "交易股票/股份数量", "56.78万");
  FX_EXPECT(&res, "股东增持", "增持部分占总股本比例", "0.21%");
  FX_EXPECT(&res, "股东增持", "交易完成时间", "近20日内");
  nlp_result_destroy(&res);
}

/* The price written right before the verb without 以 is the deal's amount
 * ("对某某12亿美元的全现金收购"). */
static void test_shougou_amount_before_verb(void **state) {
  const char *text =
      "青禾控股表示，对南岭物流12亿美元的全现金收购预计年底前完成。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "交易金额", "12亿美元");
  nlp_result_destroy(&res);
}

/* The share of the capital in three more wordings: a ceiling after 减持比例,
 * the capital net of bought-back shares, a space before the figure. */
static void test_jianchi_capital_share_wordings(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾电子公告，股东南岭投资计划于未来6个月内减持不超过320万股公司股份，"
         "减持比例不超过公司总股本1.5%。",
         &res);
  FX_EXPECT(&res, "股东减持", "减持部分占总股本比例", "1.5%");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "南岭投资5月8日通过集中竞价交易方式减持青禾电子股份120万股，占青禾电子"
         "剔除回购专用账户股份后总股本的0.4521%。",
         &res);
  FX_EXPECT(&res, "股东减持", "减持部分占总股本比例", "0.4521%");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "南岭投资拟通过大宗交易方式减持公司股份不超过 3,200,000 股，即减持股份"
         "不超过公司总股本的 1%。",
         &res);
  FX_EXPECT(&res, "股东减持", "减持部分占总股本比例", "不超过公司总股本的 1%");
  nlp_result_destroy(&res);
}

/* A headline opening with a holder title ("股东超额减持…") names no
 * subject company by the words before its verb. */
static void test_subject_not_holder_title(void **state) {
  nlp_result res;
  fx_run(state, "股东超额减持 青禾电子收到警示函",
         "青禾电子股东南岭投资在限制期内减持公司股份50万股。", &res);
  assert_int_equal(fx_count(&res, "股东减持", "股票简称", "股东超额"), 0);
  nlp_result_destroy(&res);
}

/* The stock's short name written with its quote right after the trade's
 * amount ("减持120万元青禾电子(12.30,-0.10,-0.81%)收到…"). */
static void test_jianchi_stock_quote_after_amount(void **state) {
  nlp_result res;
  fx_run(state, "股东超额减持120万元 青禾电子收到警示函",
         "原标题：股东超额减持120万元青禾电子(12.300,-0.10,-0.81%)收到警示函\n"
         "公司股东南岭投资在限制期内减持公司股份10万股。",
         &res);
  FX_EXPECT(&res, "股东减持", "股票简称", "青禾电子");
  nlp_result_destroy(&res);
}

/* A month written with 份 keeps it ("2008年6月份"): arguments are verbatim. */
static void test_date_month_fen(void **state) {
  nlp_result res;
  fx_run(state, NULL, "青禾铝业于2008年6月份在深交所挂牌上市，主要从事铝材加工。", &res);
  FX_EXPECT(&res, "公司上市", "事件时间", "2008年6月份");
  nlp_result_destroy(&res);
}

/* 不超 is a ceiling like 不超过: the count keeps it whole, not 超X. */
static void test_approx_bu_chao(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾电子公告，股东南岭投资拟通过集中竞价方式减持公司股份不超120.5万股。",
         &res);
  FX_EXPECT(&res, "股东减持", "交易股票/股份数量", "不超120.5万");
  nlp_result_destroy(&res);
}

/* A listing's market value is the figure after 市值, without the word. */
static void test_shangshi_market_value_figure(void **state) {
  nlp_result res;
  fx_run(state, NULL, "青禾控股今日在港交所挂牌上市，开盘后市值达325亿港元。",
         &res);
  FX_EXPECT(&res, "公司上市", "市值", "325亿港元");
  nlp_result_destroy(&res);
}

/* "高管人员承诺将…" names no holder 人员承诺 after the title 高管. */
static void test_zengchi_no_holder_after_title_word(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "公告称，上述高管人员承诺将所购股票锁定两年。上述青禾银行董监高累计"
         "增持达到12.5万股。",
         &res);
  assert_int_equal(fx_count(&res, "股东增持", NULL, NULL), 1);
  assert_int_equal(fx_count(&res, "股东增持", "增持方", "人员承诺"), 0);
  nlp_result_destroy(&res);
}

/* A descriptor before the buyer ("家电巨头某某集团收购…") is not its name. */
static void test_shougou_buyer_descriptor(void **state) {
  nlp_result res;
  fx_run(state, NULL, "据外媒报道，家电巨头青禾集团收购南岭电器一事可能出现变数。",
         &res);
  FX_EXPECT(&res, "企业收购", "收购方", "青禾集团");
  nlp_result_destroy(&res);
}

/* The sum a listing raises, told as 募资规模. */
static void test_shangshi_raise_size(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "有媒体报道称，青禾科技正在安排赴港上市事宜，拟发行8%股份募资规模120亿港元。",
         &res);
  FX_EXPECT(&res, "公司上市", "募资金额", "120亿港元");
  nlp_result_destroy(&res);
}

/* A listing's day keeps the part of the day written with it. */
static void test_shangshi_day_with_morning(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "2021年3月15日上午，青禾科技在深交所创业板挂牌上市，开盘价为每股18元。",
         &res);
  FX_EXPECT(&res, "公司上市", "事件时间", "2021年3月15日上午");
  nlp_result_destroy(&res);
}

/* The listed company's full name with its short name noted, after 的
 * ("由某某证券保荐的某某股份有限公司（下称…）在科创板上市"). */
static void test_shangshi_full_name_after_de(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "8月17日，由南岭证券保荐的东川青禾光电股份有限公司（下称“青禾光电”）"
         "在科创板成功上市。",
         &res);
  FX_EXPECT(&res, "公司上市", "上市公司", "东川青禾光电股份有限公司");
  nlp_result_destroy(&res);
}

/* The price of a sale told as 每股作价. */
static void test_jianchi_price_zuojia(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "根据香港联交所最新资料显示，7月16日，副董事长王青禾减持南岭汽车(03999)"
         "500万股，每股作价6.25港元。",
         &res);
  FX_EXPECT(&res, "股东减持", "每股交易价格", "6.25港元");
  nlp_result_destroy(&res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_zengchi_fund_holding_up),
      cmocka_unit_test(test_shougou_amount_before_verb),
      cmocka_unit_test(test_jianchi_capital_share_wordings),
      cmocka_unit_test(test_subject_not_holder_title),
      cmocka_unit_test(test_jianchi_stock_quote_after_amount),
      cmocka_unit_test(test_date_month_fen),
      cmocka_unit_test(test_approx_bu_chao),
      cmocka_unit_test(test_shangshi_market_value_figure),
      cmocka_unit_test(test_zengchi_no_holder_after_title_word),
      cmocka_unit_test(test_shougou_buyer_descriptor),
      cmocka_unit_test(test_shangshi_raise_size),
      cmocka_unit_test(test_shangshi_day_with_morning),
      cmocka_unit_test(test_shangshi_full_name_after_de),
      cmocka_unit_test(test_jianchi_price_zuojia),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
