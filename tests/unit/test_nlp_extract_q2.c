/*
 * test_nlp_extract_q2.c — the bundled rules (data/rules) for the event types
 * of issue 3's round eleven (helper q2): 股东减持, 股东增持, 质押, 解除质押,
 * 亏损 and 股份回购 — how many events a text makes (several told in one
 * sentence, none where a word only mentions one).  Every sentence is invented
 * for this test (none comes from DuEE-Fin).  The set-up and the check that
 * every argument is a verbatim span of the title or text are
 * extract_fixture.h's.
 */
#include "extract_fixture.h"

/* How many events of type the text (no title) makes. */
static int count_of(void **state, const char *text, const char *type) {
  nlp_result res;
  fx_run(state, NULL, text, &res);
  int n = fx_count(&res, type, NULL, NULL);
  nlp_result_destroy(&res);
  return n;
}

/* Fails (listing the events) unless an event of type has role = want. */
static void want_arg(void **state, const char *text, const char *type,
                     const char *role, const char *want) {
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, type, role, want);
  nlp_result_destroy(&res);
}

/* A holder's running total is a pledge of its own beside the new one, also
 * when written "累计质押的股份数为…股" or "累计质押其持有的公司股份…股"; a
 * new pledge told before an extension ("补充质押…股及延期购回…股") is one. */
static void test_pledge_running_total_wordings(void **state) {
  assert_int_equal(
      count_of(state,
               "青禾投资于2021年3月1日向远山银行股份有限公司质押400万股。"
               "截至本公告披露日，青禾投资持有公司股份8,000万股，其中累计"
               "质押的股份数为3,215,600股，占公司总股本的1.05%。",
               "质押"),
      2);
  assert_int_equal(
      count_of(state,
               "青禾投资于2021年3月1日向远山银行股份有限公司质押400万股。"
               "截至本公告披露日，青禾投资累计质押其持有的公司股份3,215,600"
               "股，占公司总股本的1.05%。",
               "质押"),
      2);
  want_arg(state,
           "公司收到股东通知，其中，青禾投资解除质押200万股，周建明补充质押"
           "500万股及延期购回约1200万股。",
           "质押", "质押股票/股份数量", "500万");
}

/* Pledges falling due within a year, the half year's left out in brackets
 * ("未来一年内将到期（不含半年内到期质押股份）的质押股份数量为…股"), are no
 * running total of pledges. */
static void test_pledges_due_in_brackets_no_total(void **state) {
  assert_int_equal(
      count_of(state,
               "周建明先生未来一年内将到期（不含半年内到期质押股份）的质押股份"
               "数量为12,340,000股，占其所持有股份比例11.20%，占公司总股本比例"
               "3.05%。",
               "质押"),
      0);
}

/* A sale that did not happen is no 股东减持: a plan that ran out unused
 * ("减持计划到期", "减持时间区间届满，其未进行减持", "在减持计划期间内
 * 未通过任何方式减持"), nor a news feed's note on earlier notices ("上次发布
 * 减持公告是…", "减持类公告"). */
static void test_sale_not_made_no_event(void **state) {
  nlp_result res;
  fx_run(state, "远山科技：董事长周建明等高管减持计划到期",
         "远山科技（SZ 300999）3月8日晚间发布公告称，截至本公告披露日，公司"
         "董事长周建明先生、副总经理兼董事会秘书林小雨女士在减持计划期间内未"
         "通过任何方式减持公司股份。截至本公告披露日，相关减持计划期限已届满。",
         &res);
  assert_int_equal(fx_count(&res, "股东减持", NULL, NULL), 0);
  nlp_result_destroy(&res);
  fx_run(state, "青禾股份：周建明减持期届满 未进行减持",
         "青禾股份公布，公司原副总经理周建明披露的减持时间区间届满，其未进行"
         "减持。截至公告披露日，周建明持有公司21.3万股股份。",
         &res);
  assert_int_equal(fx_count(&res, "股东减持", NULL, NULL), 0);
  nlp_result_destroy(&res);
  assert_int_equal(count_of(state,
                            "每经AI点评：远山科技上次发布减持公告是2021年03月"
                            "01日，远山科技近一年共发布5次减持类公告。",
                            "股东减持"),
                   0);
}

/* The cap the exchange's rules set on a buyback ("每五个交易日最大回购股份
 * 数量…股") is no buyback of its own beside the running total. */
static void test_buyback_cap_no_event(void **state) {
  assert_int_equal(
      count_of(state,
               "截至2021年3月31日公司累计回购股份数量1,234.56万股，占公司总股本"
               "的0.52%。公司首次回购股份事实发生之日（2021年1月5日）前五个交易"
               "日公司股票成交量之和为12,345.67万股，每五个交易日最大回购股份"
               "数量3,086.42万股。",
               "股份回购"),
      1);
}

/* A kind of notice named in passing ("公司陆续发布解除质押公告") is no
 * release; the running total told after it stays a pledge. */
static void test_release_notices_named_no_release(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "今年3月以来，公司陆续发布解除质押公告，截至2021年6月底，周建明先生"
         "质押公司股份1,230万股，占其所持有公司股份总数的8.15%。",
         &res);
  assert_int_equal(fx_count(&res, "解除质押", NULL, NULL), 0);
  assert_int_equal(fx_count(&res, "质押", NULL, NULL), 1);
  nlp_result_destroy(&res);
}

/* A release and an extended repurchase told with its count in one sentence
 * ("甲解除质押…股，乙…及延期购回约…股") are two releases (DuEE-Fin files an
 * extension as 解除质押). */
static void test_release_and_extension_two_events(void **state) {
  assert_int_equal(count_of(state,
                            "公司收到股东通知，其中，青禾投资解除质押200万股，"
                            "周建明补充质押500万股及延期购回约1200万股。",
                            "解除质押"),
                   2);
}

/* An allocation call on a market ("建议未来一年增持A股") is no purchase; a
 * holder's purchase of A shares ("增持公司A股股份…股") is one. */
static void test_allocation_call_no_purchase(void **state) {
  nlp_result res;
  fx_run(state, "远山证券：经济将稳步复苏 建议未来一年增持A股",
         "远山证券首席经济学家周建明表示，明年经济将稳步复苏。", &res);
  assert_int_equal(fx_count(&res, "股东增持", NULL, NULL), 0);
  nlp_result_destroy(&res);
  assert_int_equal(count_of(state,
                            "控股股东青禾集团于2021年3月5日增持公司A股股份120万"
                            "股。",
                            "股东增持"),
                   1);
}

/* A Hong Kong notice telling each day's buyback and then their sum ("两日
 * 合共回购…股") makes one event a day, none for the sum. */
static void test_days_sum_no_buyback(void **state) {
  assert_int_equal(
      count_of(state,
               "远山控股(01234-HK)公布，于2021年3月2日回购2.4万股，每股回购价"
               "介乎3.12港元及3.20港元，涉资约7.6万港元。\n于2021年3月1日回购"
               "3万股，涉资约9.4万港元。\n两日合共回购5.4万股，总涉资约17万港元。",
               "股份回购"),
      2);
}

/* A plan referred to ("本次减持与甲先生及一致行动人乙女士、丙先生此前披露的
 * 减持计划一致") names no seller of a sale of its own. */
static void test_plan_referred_to_no_sale(void **state) {
  assert_int_equal(
      count_of(state,
               "公司董事周建明先生计划自本公告披露之日起15个交易日后的6个月内以"
               "集中竞价方式减持公司股份不超过120,000股。\n本次减持与周建明先生"
               "及一致行动人林小雨女士、陈志远先生此前披露的减持计划一致。",
               "股东减持"),
      1);
}

/* An earlier purchase told beside the latest one, its sentence opening
 * with its period ("此前，2020年5月6日至2020年12月30日，甲、乙通过集中竞价
 * 交易增持…"), is an event of its own. */
static void test_earlier_purchase_by_period(void **state) {
  assert_int_equal(
      count_of(state,
               "3月8日晚，远山科技公告称，青禾集团全资子公司青禾投资于2021年1月"
               "4日至2021年3月5日通过集中竞价交易系统增持远山科技股份1200万股，"
               "占总股本的2.00%。\n此前，2020年5月6日至2020年12月30日，青禾集团"
               "全资子公司青禾投资、青禾资本通过集中竞价交易增持公司股份1200万"
               "股，占公司总股本的2%。",
               "股东增持"),
      2);
}

/* Two purchases told in one clause, each day with its count ("甲分别于3月1日、
 * 3月2日增持乙120万股及80万股"), are two events. */
static void test_two_days_two_counts_two_purchases(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "重要新闻有：青禾国际控股分别于3月1日、3月2日增持远山医药120万股及80万"
         "股。",
         &res);
  assert_int_equal(fx_count(&res, "股东增持", NULL, NULL), 2);
  FX_EXPECT(&res, "股东增持", "交易股票/股份数量", "80万");
  FX_EXPECT(&res, "股东增持", "交易完成时间", "3月2日");
  nlp_result_destroy(&res);
}

/* The same for two sales ("甲分别于3月1日、3月2日减持乙120万股及80万股"). */
static void test_two_days_two_counts_two_sales(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "重要新闻有：青禾国际控股分别于3月1日、3月2日减持远山医药120万股及80万"
         "股。",
         &res);
  assert_int_equal(fx_count(&res, "股东减持", NULL, NULL), 2);
  FX_EXPECT(&res, "股东减持", "交易股票/股份数量", "80万");
  FX_EXPECT(&res, "股东减持", "交易完成时间", "3月2日");
  nlp_result_destroy(&res);
}

/* The share an extension notice gives ("…进行了质押延期，延期至…，本次质押占
 * 其所持股份比例为…") is no new pledge; a pledge told with its count and the
 * same share is one. */
static void test_extension_share_no_pledge(void **state) {
  assert_int_equal(
      count_of(state,
               "公司近日接到控股股东周建明先生的通知，周建明将其所持公司股份的"
               "1200万股进行了质押延期，延期至2022年3月1日，本次质押占其所持股份"
               "比例为12.30%。",
               "质押"),
      0);
  assert_int_equal(
      count_of(state,
               "公司近日接到控股股东周建明先生的通知，周建明将其所持公司股份"
               "1200万股质押给远山证券股份有限公司，本次质押占其所持股份比例为"
               "12.30%。",
               "质押"),
      1);
}

/* Pledges falling due are the holder's who opens their clause ("某某先生未来
 * 半年内将到期的质押股份数量为…股"). */
static void test_pledges_due_holder(void **state) {
  want_arg(state,
           "二、与质押股份相关的其他情况\n周建明先生未来半年内将到期的质押股份"
           "数量为12,340,000股，占其所持有股份比例11.20%，占公司总股本比例"
           "3.05%。",
           "解除质押", "质押方", "周建明");
}

/* A buyback plan's price cap changed ("上调回购价格上限至…", "调整回购股份价格
 * 上限") is no buyback. */
static void test_price_cap_change_no_buyback(void **state) {
  assert_int_equal(count_of(state,
                            "事件：1)公司中标国网第二批电能表招标；2)公司上调回购"
                            "价格上限至15.2元/股。",
                            "股份回购"),
                   0);
  assert_int_equal(count_of(state,
                            "董事会审议通过了《关于调整回购股份价格上限的议案》。",
                            "股份回购"),
                   0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pledge_running_total_wordings),
      cmocka_unit_test(test_pledges_due_in_brackets_no_total),
      cmocka_unit_test(test_sale_not_made_no_event),
      cmocka_unit_test(test_buyback_cap_no_event),
      cmocka_unit_test(test_release_notices_named_no_release),
      cmocka_unit_test(test_release_and_extension_two_events),
      cmocka_unit_test(test_allocation_call_no_purchase),
      cmocka_unit_test(test_days_sum_no_buyback),
      cmocka_unit_test(test_plan_referred_to_no_sale),
      cmocka_unit_test(test_earlier_purchase_by_period),
      cmocka_unit_test(test_two_days_two_counts_two_purchases),
      cmocka_unit_test(test_extension_share_no_pledge),
      cmocka_unit_test(test_pledges_due_holder),
      cmocka_unit_test(test_two_days_two_counts_two_sales),
      cmocka_unit_test(test_price_cap_change_no_buyback),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
