/*
 * test_nlp_extract_xa.c — the bundled rules (data/rules) for executive
 * changes (高管变动) and shareholders' trades (股东减持 / 股东增持): the
 * pattern classes added in issue 3's round eight.  Every sentence is invented
 * for this test (none comes from DuEE-Fin).  A test names the argument it
 * expects for an event type: an event of that type has to hold it, and every
 * argument must be a verbatim span of the title or text (the set-up and that
 * check are extract_fixture.h's).
 */
#include "extract_fixture.h"

/* Fails (listing the events) unless an event of type has role = want. */
static void want_arg(void **state, const char *title, const char *text,
                     const char *type, const char *role, const char *want) {
  nlp_result res;
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, type, role, want);
  nlp_result_destroy(&res);
}

/* Without a disclosure phrase near it, a news dateline ("某某财经3月8日讯")
 * tells when an executive change or a purchase was made public. */
static void test_dateline_discloses_change_and_purchase(void **state) {
  want_arg(state, "远山科技：股东周建明增持120万股",
           "远山财经3月8日讯 远山科技股东周建明于2021年3月5日增持公司股份"
           "120万股。",
           "股东增持", "披露时间", "3月8日");
  want_arg(state, "远山科技董事会秘书周建明辞职",
           "远山财经3月8日讯 远山科技董事会秘书周建明因个人原因辞职。",
           "高管变动", "披露日期", "3月8日");
}

/* The date after a reporter's byline ("某某网讯（记者 某某）3月8日，…")
 * tells when the change was made public, also when the word 发布 comes too
 * far after it for {DISCLOSE}. */
static void test_byline_date_discloses_change(void **state) {
  want_arg(state, "青禾稳健债券基金增聘周建明为基金经理",
           "青禾财经网讯（记者 林小雨）3月8日，青禾基金管理有限公司旗下青禾"
           "稳健债券型证券投资基金（下称“青禾稳健基金”）发布公告称，增聘"
           "周建明为基金经理。",
           "高管变动", "披露日期", "3月8日");
  want_arg(state, "青禾基金任命周建明为督察长",
           "青禾财经网讯(记者 林小雨)3月8日，青禾基金管理有限公司宣布，任命"
           "周建明为督察长。",
           "高管变动", "披露日期", "3月8日");
}

/* A fund flow told over several stocks makes one event per stock: "外资逢高
 * 减持甲和乙". */
static void test_jianchi_list_of_stocks(void **state) {
  const char *t = "外资连续三日流出";
  const char *x = "7月5日，外资逢高减持青禾科技和远山股份。";
  want_arg(state, t, x, "股东减持", "股票简称", "青禾科技");
  want_arg(state, t, x, "股东减持", "股票简称", "远山股份");
}

/* A holder's trade of the day and the running total of the plan are two
 * events (DuEE-Fin annotates each): the share counts written right after
 * 减持 / 增持 keep them apart when the events are merged. */
static void test_trade_and_running_total_two_events(void **state) {
  nlp_result res;
  fx_run(state, "远山科技：董事周建明减持计划实施完毕",
         "远山科技公布，近日，公司董事周建明通过集中竞价方式减持公司股份"
         "3.2万股，占公司总股本的0.01%。截至公告日，周建明累计减持股份"
         "8.6万股，本次减持计划实施完毕。",
         &res);
  assert_int_equal(fx_count(&res, "股东减持", NULL, NULL), 2);
  FX_EXPECT(&res, "股东减持", "交易股票/股份数量", "3.2万");
  FX_EXPECT(&res, "股东减持", "交易股票/股份数量", "8.6万");
  nlp_result_destroy(&res);
  fx_run(state, "青禾股份：股东林小雨增持计划实施完毕",
         "青禾股份公布，3月5日，股东林小雨通过集中竞价方式增持公司股份"
         "5万股。截至公告日，林小雨累计增持公司股份20万股，增持计划实施"
         "完毕。",
         &res);
  assert_int_equal(fx_count(&res, "股东增持", NULL, NULL), 2);
  FX_EXPECT(&res, "股东增持", "交易股票/股份数量", "20万");
  nlp_result_destroy(&res);
}

/* Issuing commercial paper (短期融资券 / 超短期融资券) is a 企业融资 of
 * the issuer, which DuEE-Fin annotates besides the bank's 债券发行. */
static void test_commercial_paper_is_financing(void **state) {
  want_arg(state, NULL,
           "远山城投集团有限公司成功发行10亿元短期融资券，票面利率3.30%。",
           "企业融资", "被投资方", "远山城投集团有限公司");
  want_arg(state, NULL,
           "远山城投集团有限公司成功发行10亿元短期融资券，票面利率3.30%。",
           "企业融资", "融资金额", "10亿元");
  want_arg(state, NULL,
           "青禾交通集团有限公司拟发行2021年度第三期超短期融资券，拟发行金额"
           "为5亿元，发行期限为90天。",
           "企业融资", "融资金额", "5亿元");
}

/* A round told before its amount ("完成B+轮3亿元的融资") is found, and a
 * past round mentioned after it ("去年完成1亿元B轮融资") is an event of its
 * own instead of lending the current one its figures: the bare rule keeps
 * the amount and the round written before 融资. */
static void test_current_and_past_rounds(void **state) {
  nlp_result res;
  fx_run(state, "青禾教育完成B+轮融资",
         "远山财经3月8日讯 今日，青禾教育宣布完成B+轮3亿元的融资。这是去年"
         "完成1亿元B轮融资后，青禾教育时隔8个月获得的新一轮资金。",
         &res);
  assert_int_equal(fx_count(&res, "企业融资", NULL, NULL), 2);
  FX_EXPECT(&res, "企业融资", "融资金额", "3亿元");
  FX_EXPECT(&res, "企业融资", "融资轮次", "B+");
  FX_EXPECT(&res, "企业融资", "融资金额", "1亿元");
  nlp_result_destroy(&res);
}

/* An analyst's rating (评级为增持, 评级至增持) and land a developer adds
 * (新增持土地) are no shareholder buying. */
static void test_rating_and_land_are_no_purchase(void **state) {
  nlp_result res;
  fx_run(state, "青禾证券：下调远山科技评级至增持",
         "青禾证券发表研报，将远山科技目标价由12元调整至9元，投资评级为增持。",
         &res);
  assert_int_equal(fx_count(&res, "股东增持", NULL, NULL), 0);
  nlp_result_destroy(&res);
  fx_run(state, "远山地产：上半年新增持土地项目12宗",
         "远山地产上半年新增持土地项目12宗，总地价80亿元。", &res);
  assert_int_equal(fx_count(&res, "股东增持", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

/* Stocks listed with their codes or quotes in brackets make one event
 * each, named without the brackets; a stock told alone before the list
 * (and in the title) stays an event of its own instead of being folded
 * into the list's first item. */
static void test_list_of_quoted_stocks(void **state) {
  nlp_result res;
  fx_run(state, "北上资金5个交易日减持远山之家5.1个百分点",
         "9月15日，北上资金连续5个交易日卖出92个股。北上资金减仓个股中，"
         "远山之家（000785.SZ，收盘价：9.22元）减持比例增幅最大，5个交易日"
         "减持5.10百分点，其他跌幅较大的个股包括青禾墨龙（002490.SZ，收盘"
         "价：3.7元）、青禾酵母（600298.SH，收盘价：57.48元），分别减持3.10"
         "个百分点、1.64个百分点。",
         &res);
  assert_int_equal(fx_count(&res, "股东减持", NULL, NULL), 3);
  FX_EXPECT(&res, "股东减持", "股票简称", "远山之家");
  FX_EXPECT(&res, "股东减持", "股票简称", "青禾墨龙");
  FX_EXPECT(&res, "股东减持", "股票简称", "青禾酵母");
  nlp_result_destroy(&res);
  fx_run(state, "12家上市公司抛出股东减持计划",
         "据统计，3月4日共12家上市公司披露股东减持计划。"
         "青禾生命(59.810,-0.98,-1.61%)、远山股份(5.690,-0.04,-0.70%)等股"
         "重要股东拟减持金额均在8000万元以上。",
         &res);
  assert_int_equal(fx_count(&res, "股东减持", NULL, NULL), 2);
  FX_EXPECT(&res, "股东减持", "股票简称", "青禾生命");
  FX_EXPECT(&res, "股东减持", "股票简称", "远山股份");
  nlp_result_destroy(&res);
}

/* Guaranteeing a subsidiary's loan (为…5亿元融资提供担保) and margin
 * buying (获融资客买入, 融资买入额) are no financing round. */
static void test_guarantee_and_margin_are_no_round(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "3月8日，远山文旅股份有限公司发布公告称，拟为子公司青禾乐园有限公司"
         "5亿元融资提供担保。",
         &res);
  assert_int_equal(fx_count(&res, "企业融资", NULL, NULL), 0);
  nlp_result_destroy(&res);
  fx_run(state, "青禾电力等股获融资客买入占成交额比超三成",
         "据统计，3月8日共有1200只个股获融资资金买入，其中青禾电力融资买入额"
         "占成交额比为41.2%。",
         &res);
  assert_int_equal(fx_count(&res, "企业融资", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

/* A review committee's approval of an acquisition (收购…有条件过会) is no
 * listing step; a company's own first review (首发上会) still is. */
static void test_merger_review_is_no_listing(void **state) {
  nlp_result res;
  fx_run(state, "远山股份18亿收购青禾农牧有条件过会",
         "昨日，并购重组委召开会议，远山股份发行股份购买资产获有条件通过。",
         &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 0);
  nlp_result_destroy(&res);
  want_arg(state, NULL, "7月25日，青禾交通建设股份有限公司首发上会。",
           "公司上市", "环节", "筹备上市");
}

/* Two holders' purchases of the named stock told side by side ("甲增持某某
 * 254.69万股…；乙…增持某某392.32万股") are two events: the bare rule reads
 * the share count after the stock's name as well. */
static void test_two_purchases_of_named_stock(void **state) {
  nlp_result res;
  fx_run(state, "林小雨及一致行动人再次增持远山股份",
         "远山股份6月3日晚间公告称，5月7日至6月3日期间，青禾投资增持远山股份"
         "254.69万股股票，占公司总股本的0.39%；林小雨以自有资金增持远山股份"
         "392.32万股股票，占公司总股本的0.61%。",
         &res);
  assert_int_equal(fx_count(&res, "股东增持", NULL, NULL), 2);
  FX_EXPECT(&res, "股东增持", "交易股票/股份数量", "254.69万");
  FX_EXPECT(&res, "股东增持", "交易股票/股份数量", "392.32万");
  nlp_result_destroy(&res);
}

/* The companies a review committee saw, listed after it with their short
 * names in brackets, are one listing step each. */
static void test_review_list_one_event_each(void **state) {
  nlp_result res;
  fx_run(state, "今日IPO三过二",
         "7月25日，发审委召开工作会议，3家公司首发上会，分别是：远山交通建设"
         "股份有限公司（简称：远山交建）、青禾电力股份有限公司（简称：青禾"
         "电力）、远山软件股份有限公司（简称：远山软件）。",
         &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 3);
  FX_EXPECT(&res, "公司上市", "上市公司", "远山交通建设股份有限公司");
  FX_EXPECT(&res, "公司上市", "上市公司", "青禾电力股份有限公司");
  FX_EXPECT(&res, "公司上市", "上市公司", "远山软件股份有限公司");
  nlp_result_destroy(&res);
}

/* A fund flow's seller or buyer (北向资金, 北上资金) named in the sentence
 * before, or in the title, is the trading party. */
static void test_fund_flow_is_the_trader(void **state) {
  want_arg(state, "北上资金连续3日流出",
           "3月8日，北上资金连续3个交易日卖出。其中，外资逢高减持青禾科技和"
           "远山股份。",
           "股东减持", "减持方", "北上资金");
  want_arg(state, "青禾生物等12股获北向资金增持",
           "3月8日共有300只股获增持，增持市值最多的是青禾生物，增持市值为"
           "1.2亿元。",
           "股东增持", "增持方", "北向资金");
}

/* An amount in pounds or rupees right before 融资 is a round as one in
 * yuan or dollars is (the amount-before-融资 rule reads 英镑 and 卢比). */
static void test_pound_amount_before_financing(void **state) {
  want_arg(state, NULL, "远山能源此前还有一笔3000万英镑融资，由青禾资本投资。",
           "企业融资", "融资金额", "3000万英镑");
}

/* "今天我们正式宣布完成B轮融资" in a founder's letter is the same round,
 * not one of a company called 今天我们. */
static void test_letter_round_has_no_day_as_company(void **state) {
  nlp_result res;
  fx_run(state, "青禾科技完成2亿元B轮融资",
         "3月8日，青禾科技宣布完成2亿元B轮融资，由远山资本领投。\n"
         "以下是创始人的内部信：\n"
         "各位好：今天我们正式宣布完成B轮融资，此刻我的第一感觉是感谢。",
         &res);
  assert_int_equal(fx_count(&res, "企业融资", "被投资方", "今天我们"), 0);
  assert_int_equal(fx_count(&res, "企业融资", NULL, NULL), 1);
  nlp_result_destroy(&res);
}

/* Money received as an investment ("获某某3000万美元投资") is a financing
 * of the receiver. */
static void test_investment_received_is_financing(void **state) {
  want_arg(state, "远山医疗获青禾医药子公司3000万美元投资",
           "3月8日，远山医疗宣布与青禾医药全资子公司达成战略合作，获得3000万"
           "美元的投资。",
           "企业融资", "融资金额", "3000万美元");
}

/* A placement raising money ("拟定增募集资金不超8亿元") is a financing. */
static void test_placement_is_financing(void **state) {
  want_arg(state, "远山光电：拟定增募资不超8亿元投建新产线",
           "远山光电晚间公告，拟定增募集资金不超8亿元，将用于新产线建设。",
           "企业融资", "融资金额", "不超8亿元");
}

/* A planned offering and listing ("拟公开发行…并于科创板上市") is a step
 * towards a listing, not a listing done. */
static void test_planned_offering_and_listing(void **state) {
  nlp_result res;
  fx_run(state, NULL, "远山芯片拟公开发行3000万股并于科创板上市。", &res);
  FX_EXPECT(&res, "公司上市", "环节", "筹备上市");
  assert_int_equal(fx_count(&res, "公司上市", "环节", "正式上市"), 0);
  nlp_result_destroy(&res);
  want_arg(state, NULL, "重要新闻有：青禾保险拟发行GDR并在伦敦证券交易所上市。",
           "公司上市", "环节", "筹备上市");
}

/* A list of other articles appended below the story (headline, summary
 * cut off with "...", the time alone on a line) makes no events: the text
 * is read up to the first such time line (00_common.rules "cut"). */
static void test_sidebar_list_makes_no_event(void **state) {
  const char *t = "青禾控股3月5日耗资120万港元回购50万股";
  const char *x =
      "青禾控股（01234.HK）公布，2021年3月5日，公司耗资120万港元回购50万股。\n"
      "老股民的一天，是这样度过的！\n"
      "早上九点打开行情软件，先看外盘，再看隔夜新闻...\n"
      "2021-03-05 18:00:12\n"
      "远山新材登陆创业板，首日大涨\n"
      "远山新材料股份有限公司今日在深交所创业板挂牌上市，开盘大涨...\n"
      "2021-03-05 18:00:12\n"
      "甲基金二季度减持远山科技\n"
      "数据显示，甲基金二季度减持远山科技120万股，持股比例降至4.9%...";
  nlp_result res;
  fx_run(state, t, x, &res);
  assert_int_equal(fx_count(&res, "股份回购", NULL, NULL), 1);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 0);
  assert_int_equal(fx_count(&res, "股东减持", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dateline_discloses_change_and_purchase),
      cmocka_unit_test(test_byline_date_discloses_change),
      cmocka_unit_test(test_jianchi_list_of_stocks),
      cmocka_unit_test(test_sidebar_list_makes_no_event),
      cmocka_unit_test(test_trade_and_running_total_two_events),
      cmocka_unit_test(test_commercial_paper_is_financing),
      cmocka_unit_test(test_current_and_past_rounds),
      cmocka_unit_test(test_rating_and_land_are_no_purchase),
      cmocka_unit_test(test_list_of_quoted_stocks),
      cmocka_unit_test(test_guarantee_and_margin_are_no_round),
      cmocka_unit_test(test_merger_review_is_no_listing),
      cmocka_unit_test(test_two_purchases_of_named_stock),
      cmocka_unit_test(test_review_list_one_event_each),
      cmocka_unit_test(test_fund_flow_is_the_trader),
      cmocka_unit_test(test_pound_amount_before_financing),
      cmocka_unit_test(test_letter_round_has_no_day_as_company),
      cmocka_unit_test(test_investment_received_is_financing),
      cmocka_unit_test(test_placement_is_financing),
      cmocka_unit_test(test_planned_offering_and_listing),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
