/*
 * test_nlp_extract_q1.c — the bundled rules (data/rules) for the event
 * types 高管变动, 企业收购, 公司上市, 企业破产, 企业融资, 被约谈 and 中标:
 * the events found or left out in issue 3's round eleven (events of a type
 * the story does not tell, lists told in one sentence).  Every sentence is
 * invented for this test (none comes from DuEE-Fin).
 */
#include "extract_fixture.h"

/* A fund manager's funds described by the change word ("卸任产品规模") are
 * no second change beside the one told with his name. */
static void test_left_funds_are_no_second_change(void **state) {
  nlp_result res;
  fx_run(state, "青禾基金周建明卸任8只产品",
         "青禾财经讯 青禾基金周建明离任多只产品基金经理，卸任产品规模约300"
         "亿元。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 1);
  FX_EXPECT(&res, "高管变动", "高管姓名", "周建明");
  nlp_result_destroy(&res);
}

/* A purchase made through a company told before ("通过该公司收购某某100%
 * 股权") is a deal of its own beside the next one of the story. */
static void test_purchase_through_that_company(void **state) {
  nlp_result res;
  fx_run(state, "青禾服饰加码境外业务",
         "2019年5月，青禾服饰在香港设立全资子公司青禾控股(香港)有限公司，"
         "通过该公司收购LumoraSAS100％股权及债权。随后，青禾服饰以现金方式"
         "约2亿欧元收购远山集团全部资产。",
         &res);
  assert_int_equal(fx_count(&res, "企业收购", NULL, NULL), 2);
  FX_EXPECT(&res, "企业收购", "被收购方", "LumoraSAS");
  FX_EXPECT(&res, "企业收购", "被收购方", "远山集团");
  nlp_result_destroy(&res);
}

/* Companies bought one after another and listed ("陆续收购甲、乙、丙等公
 * 司") are one deal with every item a target, apart from the deal the story
 * is about. */
static void test_listed_purchases_one_deal(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾文化还宣布，以5亿元现金收购酒店公司远山酒店100%股权。青禾文化"
         "原来的主业就是酒店，从2012年开始陆续收购星海、云帆影业、金谷传媒等"
         "公司，从而进入影视行业。",
         &res);
  assert_int_equal(fx_count(&res, "企业收购", NULL, NULL), 2);
  FX_EXPECT(&res, "企业收购", "被收购方", "远山酒店");
  FX_EXPECT(&res, "企业收购", "被收购方", "云帆影业");
  assert_int_equal(fx_count(&res, "企业收购", "被收购方", "金谷传媒"), 1);
  nlp_result_destroy(&res);
}

/* Shares won in an auction of a holder's stake are no bid won, nor is the
 * "中标后" that tells what followed. */
static void test_after_winning_shares_no_bid(void **state) {
  nlp_result res;
  fx_run(state, "青禾物业公告称子公司以约3000万元收购远山保洁",
         "青禾财经6月2日讯：青禾物业发布公告称，公司全资附属公司青禾服务以"
         "人民币29,800,000元中标远山集团所持目标公司远山保洁有限公司的全部"
         "股权。信息显示，中标后，青禾服务于5月30日与远山集团订立协议。",
         &res);
  assert_int_equal(fx_count(&res, "中标", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

/* A round-up's items, each a company whose IPO passed review ("某某供应商
 * 甲创业板IPO成功过会"), are one listing step each. */
static void test_review_items_one_listing_each(void **state) {
  nlp_result res;
  fx_run(state, "【IPO】今日要闻",
         "1.远山/云帆供应商星海精工创业板IPO成功过会；\n"
         "2.家电厂商金谷电子科创板IPO成功过会；",
         &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 2);
  FX_EXPECT(&res, "公司上市", "上市公司", "星海精工");
  FX_EXPECT(&res, "公司上市", "上市公司", "金谷电子");
  nlp_result_destroy(&res);
}

/* The shares of several companies one holder owns, bought together
 * ("收购控股股东某某持有的甲有限公司（…）、乙有限公司（…）100%股权"): each
 * company is a target, its alias note dropped. */
#define TWO_STAKES_TEXT                                                                                       \
  "近日，青禾之家（000999.SZ）公告称，将分别作价2.1亿元、8000万元收购控股"         \
  "股东青禾之家投资控股集团有限公司（以下简称“青禾控股”）持有的北京青禾" \
  "之家小额贷款有限责任公司（以下简称“青禾小贷”）、青禾之家（天津）融资" \
  "担保有限公司（以下简称“青禾担保”）100%股权。"

static void test_stakes_held_in_two_companies(void **state) {
  nlp_result res;
  fx_run(state, NULL, TWO_STAKES_TEXT, &res);
  FX_EXPECT(&res, "企业收购", "被收购方", "北京青禾之家小额贷款有限责任公司");
  FX_EXPECT(&res, "企业收购", "被收购方", "青禾之家（天津）融资担保有限公司");
  nlp_result_destroy(&res);
}

/* ... and one deal each: the buyer they share (a "same" line of 企业收购)
 * does not merge the items of a split list, also when the headline has
 * been merged into one of them. */
static void test_stakes_held_two_deals(void **state) {
  nlp_result res;
  fx_run(state, NULL, TWO_STAKES_TEXT, &res);
  assert_int_equal(fx_count(&res, "企业收购", NULL, NULL), 2);
  nlp_result_destroy(&res);
  fx_run(state, "青禾之家收购金融板块", TWO_STAKES_TEXT, &res);
  assert_int_equal(fx_count(&res, "企业收购", NULL, NULL), 2);
  nlp_result_destroy(&res);
  /* the headline repeated on the first line, with the stock's quote */
  fx_run(state, "青禾之家收购金融板块",
         "青禾之家(7.930,-0.06,-0.75%)收购金融板块\n" TWO_STAKES_TEXT, &res);
  assert_int_equal(fx_count(&res, "企业收购", NULL, NULL), 2);
  nlp_result_destroy(&res);
}

/* The company an executive moves to may be told before the post ("某某或将
 * 空降某某银行，出任该行常务副行长"); the bank that "迎来新任" a post tells
 * the same change without the name, no second one. */
static void test_moves_to_bank_then_takes_post(void **state) {
  nlp_result res;
  fx_run(state, "远山银行迎新任常务副行长",
         "远山银行又将迎来新任常务副行长。3月8日，业内人士透露，青禾银行北京"
         "市分行行长林海或将空降远山银行，出任该行常务副行长一职。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 1);
  FX_EXPECT(&res, "高管变动", "高管姓名", "林海");
  FX_EXPECT(&res, "高管变动", "变动后公司名称", "远山银行");
  nlp_result_destroy(&res);
}

/* A listing notice gives its figures one a sentence, the offer price
 * several sentences after the listing day. */
static void test_listing_notice_price_further_on(void **state) {
  nlp_result res;
  fx_run(state, "青禾铝材：6月8日在深圳证券交易所上市",
         "青禾铝材6月3日晚间发布公告称，本公司股票将于2021年6月8日在深圳证券"
         "交易所上市。股票简称为青禾铝材。股票代码为001234。本次公开发行后的"
         "总股本约为5.2亿股。本次上市的无流通限售股票数量约为1.3亿股。发行"
         "价格为5.27元/股。",
         &res);
  FX_EXPECT(&res, "公司上市", "发行价格", "5.27元");
  nlp_result_destroy(&res);
}

/* A round-up headline names the listed company right before its exchange
 * ("某某参股公司甲在香港联交所主板挂牌上市"). */
static void test_headline_company_before_exchange(void **state) {
  nlp_result res;
  fx_run(state, "晚间公告：青禾科技参股公司LUMO在香港联交所主板挂牌上市",
         "晚间多家公司发布公告，远山股份预计上半年净利为2000万元。青禾科技参股"
         "公司LUMO在香港联交所主板挂牌上市。",
         &res);
  FX_EXPECT(&res, "公司上市", "上市公司", "LUMO");
  nlp_result_destroy(&res);
}

/* A sentence that opens with the deal as its topic ("收购某某历时三年")
 * names the target. */
static void test_sentence_opens_with_deal(void **state) {
  nlp_result res;
  fx_run(state, NULL, "此前，青禾网络诸事不顺。收购Lumora历时两年，未果。",
         &res);
  FX_EXPECT(&res, "企业收购", "被收购方", "Lumora");
  nlp_result_destroy(&res);
}

/* An item of a list of appointees may name a listed company with its
 * quote and two posts ("现任某某银行(…)数据中心党委副书记和总经理的某某"),
 * and a person whose surname the shared list lacks (肖, 涂). */
static void test_appointee_list_item_with_quote(void **state) {
  nlp_result res;
  fx_run(state, "青禾集团拟聘3名副总裁",
         "3月8日，青禾集团拟聘任3名副总裁，分别是现任青禾投资总监陈立、现任"
         "星海消费金融公司总经理周明，及现任远山银行(4.120,0.03,0.73%)数据"
         "中心党委副书记和总经理的肖海。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 3);
  FX_EXPECT(&res, "高管变动", "高管姓名", "肖海");
  FX_EXPECT(&res, "高管变动", "任职公司", "远山银行");
  FX_EXPECT(&res, "高管变动", "高管职位", "数据中心党委副书记");
  nlp_result_destroy(&res);
}

/* Two people given one post ("甲，和乙，均担任某职务") are two changes. */
static void test_two_people_given_one_post(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "另外，集团总部人力资源部副总经理林海，和总部营销管理部副总经理周明，"
         "均担任青禾区域副总经理职务。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 2);
  FX_EXPECT(&res, "高管变动", "高管姓名", "林海");
  FX_EXPECT(&res, "高管变动", "高管姓名", "周明");
  FX_EXPECT(&res, "高管变动", "高管职位", "集团总部人力资源部副总经理");
  nlp_result_destroy(&res);
}

/* Wordings of a change the rules did not know, each with a rare word of its
 * own: 当选为, a second post given up (不再兼任), 辞世. */
static void test_elected_and_other_wordings(void **state) {
  static const char *const text[] = {
      "青禾科技公告，林海当选为公司第五届董事会董事长。",
      "青禾科技公告，林海不再兼任公司财务总监。",
      "青禾科技公告，公司董事长林海因病辞世。",
  };
  static const char *const kind[] = {"当选", "不再兼任", "辞世"};
  static const char *const name[] = {"林海", "林海", "林海"};
  fx_expect_each(state, "高管变动", "变动类型", text, kind, 3);
  fx_expect_each(state, "高管变动", "高管姓名", text, name, 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_left_funds_are_no_second_change),
      cmocka_unit_test(test_purchase_through_that_company),
      cmocka_unit_test(test_listed_purchases_one_deal),
      cmocka_unit_test(test_after_winning_shares_no_bid),
      cmocka_unit_test(test_review_items_one_listing_each),
      cmocka_unit_test(test_stakes_held_in_two_companies),
      cmocka_unit_test(test_stakes_held_two_deals),
      cmocka_unit_test(test_moves_to_bank_then_takes_post),
      cmocka_unit_test(test_listing_notice_price_further_on),
      cmocka_unit_test(test_headline_company_before_exchange),
      cmocka_unit_test(test_sentence_opens_with_deal),
      cmocka_unit_test(test_appointee_list_item_with_quote),
      cmocka_unit_test(test_two_people_given_one_post),
      cmocka_unit_test(test_elected_and_other_wordings),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
