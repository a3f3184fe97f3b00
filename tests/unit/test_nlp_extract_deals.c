/*
 * test_nlp_extract_deals.c — patterns of the bundled rules for 中标, 企业收购
 * and 企业破产 (data/rules/{zhongbiao,shougou,pochan}.rules) added in round
 * ten, each on sentences written for this test (none comes from DuEE-Fin).
 * Every test names the wording it pins down; each failed before its rule.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tests/unit/extract_fixture.h"

/* ---- 中标 ------------------------------------------------------------------
 */

/* The day of the award opens a sentence of the lead, the winner receiving
 * the notice further on; in a formal announcement the award is restated
 * lines below, far from that lead. */
static void test_zhongbiao_date_opens_lead(void **state) {
  const char *title = "青禾环境中标城北污水管网改造工程";
  const char *text =
      "日前，青禾环境（股票代码：300999）凭借多年积累的运营经验，收到东川市"
      "水务局发出的《中标通知书》，确定公司为城北污水管网改造工程的中标单位。";
  nlp_result res;
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, "中标", "中标日期", "日前");
  nlp_result_destroy(&res);

  title = "东川青禾环境股份有限公司关于全资子公司中标的公告";
  text = "本公司及董事会全体成员保证信息披露的内容真实、准确、完整。\n"
         "2021年3月2日,东川青禾环境股份有限公司（以下简称“公司”）接到全资"
         "子公司南岭远望监测技术有限公司的通知，根据“东川市水务局水质自动监测"
         "服务中标结果公告”，远望监测中标该项目。\n"
         "一、中标项目基本情况\n"
         "1、项目名称：东川市水质自动监测服务；\n"
         "2、中标金额：3,120万元。\n"
         "二、中标事项对公司的影响\n"
         "本次公司中标东川市水质自动监测服务项目，有利于拓展监测业务。\n"
         "东川青禾环境股份有限公司董事会\n"
         "2021年3月4日";
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, "中标", "中标日期", "2021年3月2日");
  nlp_result_destroy(&res);
}

/* A public body with no company suffix listed as the tendering party
 * ("招标人：某某中心") is the 招标方, the notice's sender still first. */
static void test_zhongbiao_tendering_body_list_item(void **state) {
  const char *text =
      "青禾照明近日发布公告称，公司与东川规划设计院有限公司作为联合体为上述"
      "项目的预中标单位。\n"
      "项目名称：东川新城中央公园景观照明工程设计施工总承包\n"
      "招标人：东川新城城市建设管理服务中心\n"
      "预中标单位：东川规划设计院有限公司\n"
      "中标费用：5200.5万元";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "招标方", "东川新城城市建设管理服务中心");
  nlp_result_destroy(&res);
}

/* The tendering party before its project keeps its short-name note out of
 * the object, and a bracketed word inside the project stays in it. */
static void test_zhongbiao_tenderer_alias_before_project(void **state) {
  const char *text =
      "近日，青禾软件凭借多年行业经验，中标东川农商银行股份有限公司（以下简称"
      "：东川农商行）智能运维平台（AIOps）建设项目，进一步拓展了金融客户。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "招标方", "东川农商银行股份有限公司");
  FX_EXPECT(&res, "中标", "中标标的", "智能运维平台（AIOps）建设项目");
  nlp_result_destroy(&res);
}

/* A ranking of a tender's results is no award of its own. */
static void test_zhongbiao_ranking_is_none(void **state) {
  const char *text =
      "11月15日，国网发布第二批设备招标候选人公示，青禾电气位列总体中标金额"
      "排名第三，相比于第一批前进6位。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "中标", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

/* Shares won in an auction of a holder's stake are a purchase: no bid
 * object, no tendering party. */
static void test_zhongbiao_auctioned_stake_is_none(void **state) {
  const char *text =
      "青禾服务发布公告称，公司全资附属公司东川青禾以人民币3,966万元中标远望"
      "重工公司所持目标公司南岭保洁服务有限公司的全部股权。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "中标", "中标标的", NULL), 0);
  assert_int_equal(fx_count(&res, "中标", "招标方", NULL), 0);
  nlp_result_destroy(&res);
}

/* Every member of a winning consortium is a winner, also when one of them
 * was found by another wording: "甲与乙等单位组成联合体", "甲与乙作为联合体",
 * "公司与乙有限公司（联合体）成为", "联合体成员：乙", "公司与全资子公司乙为".
 */
static void test_zhongbiao_consortium_members_added(void **state) {
  const char *text[] = {
      "青禾交科公告，公司下属公司东川交工集团股份有限公司(以下简称“东川交工”)"
      "与东川省交通投资集团有限公司等单位组成联合体参加投标，近日联合体中标"
      "城南快速路工程PPP项目。",
      "东川规划设计研究院股份有限公司与青禾照明科技集团股份有限公司作为联合体"
      "为上述项目的预中标单位。",
      "东川青禾环保股份有限公司于2020年5月14日收到采购人发来的《中标通知书》，"
      "确认公司与南岭电力建设有限公司（联合体）成为城北环境能源项目的中标人。",
      "青禾生态发布公告称，于近日收到东川工程咨询有限公司发来的《中标通知书》，"
      "确认公司与公司全资子公司东川百绿园林景观设计有限公司为城西绿化工程的"
      "中标人。",
  };
  const char *want[] = {"东川省交通投资集团有限公司",
                        "青禾照明科技集团股份有限公司", "南岭电力建设有限公司",
                        "东川百绿园林景观设计有限公司"};
  fx_expect_each(state, "中标", "中标公司", text, want, 4);
  nlp_result res;
  fx_run(state, NULL,
         "预中标单位：东川规划设计研究院股份有限公司（联合体成员：青禾照明科技"
         "集团股份有限公司）",
         &res);
  FX_EXPECT(&res, "中标", "中标公司", "青禾照明科技集团股份有限公司");
  nlp_result_destroy(&res);
}

/* The day an earlier notice was disclosed is not the day of the award. */
static void test_zhongbiao_date_not_disclosure(void **state) {
  const char *text =
      "青禾发展公布，公司于2021年3月28日披露了《关于城北污水处理厂工程PPP项目"
      "预中标的提示性公告》。近日，全资子公司东川水务集团有限公司收到《中标"
      "通知书》，确定其为城北污水处理厂工程PPP项目的中标社会资本方。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "中标日期", "近日");
  assert_false(fx_count(&res, "中标", "中标日期", "2021年3月28日"));
  nlp_result_destroy(&res);
}

/* A unit price (元/吨) is no contract amount. */
static void test_zhongbiao_unit_price_is_no_amount(void **state) {
  const char *text =
      "东川城北静脉产业园PPP项目预中标结果公示，青禾环保成为该项目的"
      "预中标供应商，餐厨垃圾处理服务费301.88元/吨。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_false(fx_count(&res, "中标", "中标金额", "301.88元"));
  nlp_result_destroy(&res);
}

/* A formal announcement names the winning subsidiary in its lead, after
 * the parent's short-name note; the award is restated lines below. */
static void test_zhongbiao_subsidiary_in_lead(void **state) {
  const char *title = "东川青禾科技股份有限公司关于项目中标的提示性公告";
  const char *text =
      "东川青禾科技股份有限公司（以下简称 “公司”）全资子公司南岭远望建设有限"
      "公司（以下简称“远望建设”）于2021年9月3日收到东川建工集团有限公司送达的"
      "《工作联系函》，确认远望建设为城东会展中心一期（部分标段）的中标人。\n"
      "一、项目基本情况\n"
      "1、项目名称：城东会展中心金属屋面工程\n"
      "2、招标单位：东川建工集团有限公司\n"
      "3、中标价：暂估价6,085万元\n"
      "二、中标项目对公司业绩的影响\n"
      "1、城东会展中心是东川市发展会展经济的重要载体。\n"
      "目前远望建设中标暂估价为6,085万元，占公司上年营业收入的58.14%。\n"
      "2、本次中标不影响公司业务独立性。\n"
      "三、风险提示\n"
      "截至本公告披露日，远望建设虽已中标，但项目尚未签订正式合同。\n"
      "东川青禾科技股份有限公司董事会\n"
      "2021年9月4日";
  nlp_result res;
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, "中标", "中标公司", "南岭远望建设有限公司");
  nlp_result_destroy(&res);
}

/* The day the winner received the notice, in the lead of a formal
 * announcement whose award is restated far below. */
static void test_zhongbiao_date_received_in_lead(void **state) {
  const char *text =
      "东川青禾科技股份有限公司全资子公司南岭远望建设有限公司（以下简称“远望"
      "建设”）于2021年9月3日收到东川建工集团有限公司送达的《工作联系函》，确认"
      "远望建设为城东会展中心一期（部分标段）的中标人。\n"
      "一、项目基本情况\n"
      "1、项目名称：城东会展中心金属屋面工程\n"
      "2、招标单位：东川建工集团有限公司\n"
      "3、中标价：暂估价6,085万元\n"
      "二、中标项目对公司业绩的影响\n"
      "1、城东会展中心是东川市发展会展经济的重要载体。\n"
      "目前远望建设中标暂估价为6,085万元，占公司上年营业收入的58.14%。\n"
      "2、本次中标不影响公司业务独立性。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "中标日期", "2021年9月3日");
  nlp_result_destroy(&res);
}

/* A list of winners counted after it ("甲、乙、丙等16家企业分别…中标"): each
 * is a winner, a stock quote after a name left out. */
static void test_zhongbiao_counted_winner_list(void **state) {
  const char *text =
      "近日东川电网有限公司第二次充电桩设备采购中标候选人公示，青禾电气、南岭"
      "智能、远望南瑞(19.900,0.40,2.05%)、东川深瑞等16家企业分别获得16个标包"
      "中标，投标总价约1.17亿元。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "中标公司", "青禾电气");
  FX_EXPECT(&res, "中标", "中标公司", "南岭智能");
  FX_EXPECT(&res, "中标", "中标公司", "远望南瑞");
  FX_EXPECT(&res, "中标", "中标公司", "东川深瑞");
  nlp_result_destroy(&res);
}

/* A headline telling that the winner received the award notice names the
 * winner, not "某某收到". */
static void test_zhongbiao_headline_notice_received(void **state) {
  nlp_result res;
  fx_run(state, "青禾建设收到中标通知书 中标总造价为9.25亿元", "公司经营稳健。",
         &res);
  FX_EXPECT(&res, "中标", "中标公司", "青禾建设");
  assert_false(fx_count(&res, "中标", "中标公司", "青禾建设收到"));
  nlp_result_destroy(&res);
}

/* The sum in words, then in figures, without the word 大写. */
static void test_zhongbiao_amount_words_then_figures(void **state) {
  const char *text = "青禾建设近日中标城东安置小区工程，项目总投资约12亿元。\n"
                     "项目概括：规划总建筑面积约41万平方米。\n"
                     "中标总造价为玖亿贰仟伍佰贰拾万贰仟捌佰贰拾圆壹分伍角（925"
                     ",202,820.15元）；";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "中标金额", "925,202,820.15元");
  nlp_result_destroy(&res);
}

/* A result notice cited by its quoted title names the tendering body. */
static void test_zhongbiao_tenderer_in_quoted_notice(void **state) {
  const char *text =
      "2021年3月2日，东川青禾环境股份有限公司接到全资子公司的通知，根据“南岭省"
      "生态环境厅南岭省水质自动监测系统购买服务中标结果公告”，子公司中标该项目"
      "第三包。\n"
      "一、中标项目基本情况\n"
      "1、项目简要情况：南岭省水质自动监测系统购买服务；\n"
      "2、采购文件编号：2021-0502。\n"
      "3、公示媒体：南岭省公共资源交易中心网。\n"
      "二、中标事项对公司的影响\n"
      "本次公司中标南岭省水质自动监测系统购买服务项目，有利于拓展监测业务。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "招标方", "南岭省生态环境厅");
  nlp_result_destroy(&res);
}

/* The tendering party before its quoted project whose result is out. */
static void test_zhongbiao_tenderer_before_quoted_project(void **state) {
  const char *text =
      "日前，东川农业保险股份有限公司（简称“东川农险”）“费用智能审核系统采购"
      "项目”招标结果正式公布：经公开开标、评标，青禾科技中标。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "招标方", "东川农业保险股份有限公司");
  nlp_result_destroy(&res);
}

/* A lot number written after the project belongs to the object. */
static void test_zhongbiao_lot_number(void **state) {
  const char *text =
      "日前，青禾电气集团成功中标东川国家电网公司西部电网改造EPC工程"
      "项目LOT1，这是集团首次进入该市场。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "中标标的", "西部电网改造EPC工程项目LOT1");
  nlp_result_destroy(&res);
}

/* A product that won a buyer's tenders is the object, the buyer the
 * tendering party. */
static void test_zhongbiao_product_wins(void **state) {
  const char *text = "据介绍，公司光缆产品多次中标东川电网项目，客户遍及全国。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "中标标的", "光缆产品");
  FX_EXPECT(&res, "中标", "招标方", "东川电网");
  nlp_result_destroy(&res);
}

/* "成为某某项目的第一中标候选人": the rank between the project and the word
 * leaves the body's wording to tell the award (and its figures). */
static void test_zhongbiao_ranked_candidate(void **state) {
  const char *title = "青禾环境：联合体预中标城市环卫项目，投标报价约1000万元";
  const char *text =
      "青禾环境10月18日晚间发布公告称，公司组成的联合体成为东川市城北区生活"
      "垃圾分类服务项目二标段的第一中标候选人。联合体投标总报价为1000."
      "2096万元。";
  nlp_result res;
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, "中标", "中标金额", "1000.2096万元");
  nlp_result_destroy(&res);
}

/* A result notice listing the winners gives one event per winner, each
 * with the tendering party and the project; the year range inside the
 * project is no date of the award. */
static void test_zhongbiao_result_notice_list(void **state) {
  const char *text =
      "9月16日，东川移动南岭公司2019-2020年光缆交接箱扩容改造采购项目中标人"
      "公示：东川市青禾通信技术股份有限公司、南岭远望光电股份(12.480,0.16,"
      "1.30%)有限公司登榜。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "中标", NULL, NULL), 2);
  FX_EXPECT(&res, "中标", "中标公司", "东川市青禾通信技术股份有限公司");
  FX_EXPECT(&res, "中标", "中标公司",
            "南岭远望光电股份(12.480,0.16,1.30%)有限公司");
  assert_int_equal(fx_count(&res, "中标", "招标方", "东川移动南岭公司"), 2);
  assert_int_equal(fx_count(&res, "中标", "中标标的",
                            "2019-2020年光缆交接箱扩容改造采购项目"),
                   2);
  assert_false(fx_count(&res, "中标", "中标日期", "2020年"));
  nlp_result_destroy(&res);
}

/* Winners that made the shortlist of a tender whose committee is named
 * with the project: one event each, with the tendering party and the
 * project. */
static void test_zhongbiao_shortlist_one_event_each(void **state) {
  const char *text =
      "东川讯 8月29日消息，东川电信分立式开关电源（2020年）集中采购项目评标"
      "委员会已完成对各投标人递交的投标文件的评审，根据评审结果，青禾、远望"
      "技术、南岭、东川动力源(5.590,-0.10,-1.76%)入围中标候选人。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "中标", NULL, NULL), 4);
  FX_EXPECT(&res, "中标", "中标公司", "青禾");
  FX_EXPECT(&res, "中标", "中标公司", "远望技术");
  FX_EXPECT(&res, "中标", "中标公司", "东川动力源");
  assert_int_equal(fx_count(&res, "中标", "招标方", "东川电信"), 4);
  assert_int_equal(fx_count(&res, "中标", "中标标的",
                            "分立式开关电源（2020年）集中采购项目"),
                   4);
  nlp_result_destroy(&res);
}

/* The first-ranked bidder of a result notice is the winner. */
static void test_zhongbiao_first_ranked(void **state) {
  nlp_result res;
  fx_run(state, "东川城北静脉产业园PPP项目预中标公示，青禾国际排名第一",
         "8月23日，东川固废网获悉，东川城北静脉产业园PPP项目预中标结果公示，"
         "青禾国际综合实力排名第一，成该项目的预中标供应商。",
         &res);
  FX_EXPECT(&res, "中标", "中标公司", "青禾国际");
  nlp_result_destroy(&res);
}

/* A winner named after its group's "旗下子公司" is the subsidiary alone. */
static void test_zhongbiao_group_subsidiary(void **state) {
  const char *text =
      "今日，青禾Apollo旗下子公司远望智行科技（东川）有限公司中标“东川市"
      "智慧交通新基建”项目。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "中标公司", "远望智行科技（东川）有限公司");
  nlp_result_destroy(&res);
}

/* A short-name note between the project and "的中标人" stays out of the
 * object, and the body's project beats the headline's summary. */
static void test_zhongbiao_project_alias_before_word(void **state) {
  const char *title = "利好！青禾生态：公司与全资子公司中标造林绿化工程项目";
  const char *text =
      "青禾生态发布公告称，于近日收到东川工程咨询有限公司发来的《中标通知书》，"
      "确认公司为城西镇2020年造林绿化工程（以下简称“项目”）的中标人，中标价格为"
      "94,234,903元。";
  nlp_result res;
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, "中标", "中标标的", "城西镇2020年造林绿化工程");
  nlp_result_destroy(&res);
}

/* ---- 企业收购 --------------------------------------------------------------
 */

/* The shares bought from a list of holders, from 其, or in a 目标公司
 * named before: the company (when named) is the target, the stake the
 * object. */
static void test_shougou_shares_held_by_list(void **state) {
  const char *text =
      "本次交易青禾股份拟以发行股份及支付现金相结合的方式购买东川投资、南岭"
      "集团、李青禾等共12名交易对方持有的远望农牧100%股权。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "被收购方", "远望农牧");
  FX_EXPECT(&res, "企业收购", "收购标的", "100%股权");
  nlp_result_destroy(&res);
  text = "公司拟向三名股东以发行股份的方式购买其持有的远望绩效 59%的股权。";
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "收购标的", "59%的股权");
  nlp_result_destroy(&res);
  text = "双方约定由公司收购东川柏胜合伙企业所持有目标公司27.5%的股权，转让"
         "金额为2,600万元。";
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "收购标的", "27.5%的股权");
  nlp_result_destroy(&res);
}

/* The whole or a part of the shares, told a little after the verb. */
static void test_shougou_whole_or_part_of_shares(void **state) {
  const char *text[] = {
      "2016年，青禾集团又先后收购了东川物流、南岭快运、远望速递的部分股份。",
      "青禾控股发布公告，公司正与有关人士就可能收购一家于东川注册的公司(潜在"
      "目标)的全部股权进行讨论。",
  };
  const char *want[] = {"部分股份", "全部股权"};
  fx_expect_each(state, "企业收购", "收购标的", text, want, 2);
}

/* A full name right before the stake is the target, not a descriptor of a
 * short name: "收购某某股份有限公司不低于51%的股份" gave the target 不低于;
 * nor is 目标公司 a descriptor ("收购目标公司全部股权"). */
static void test_shougou_full_name_before_stake(void **state) {
  const char *text = "青禾股份拟收购东川远望科技股份有限公司不低于51%的股份。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "被收购方", "东川远望科技股份有限公司");
  FX_EXPECT(&res, "企业收购", "收购标的", "不低于51%的股份");
  assert_false(fx_count(&res, "企业收购", "被收购方", "不低于"));
  nlp_result_destroy(&res);
  text = "据此，东川青禾收购目标公司全部股权，代价总额为人民币3,966万元。";
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "收购方", "东川青禾");
  FX_EXPECT(&res, "企业收购", "收购标的", "全部股权");
  assert_false(fx_count(&res, "企业收购", "被收购方", "全部股权"));
  nlp_result_destroy(&res);
}

/* A headline whose deal follows a colon or 得益于 names the target without
 * the buyer before the verb; the deal's documents are no target. */
static void test_shougou_target_after_colon(void **state) {
  const char *title[] = {"青禾股份半年报点评：收购远望汽车进展顺利",
                         "青禾啤酒上半年高端产品增长7.0% 得益于收购远望"};
  const char *want[] = {"远望汽车", "远望"};
  for (size_t i = 0; i < 2; i++) {
    nlp_result res;
    fx_run(state, title[i], "公司经营稳健。", &res);
    FX_EXPECT(&res, "企业收购", "被收购方", want[i]);
    nlp_result_destroy(&res);
  }
  nlp_result res;
  fx_run(state, "青禾教育：收购报告书摘要修订稿的更正", "公司经营稳健。", &res);
  assert_int_equal(fx_count(&res, "企业收购", "被收购方", NULL), 0);
  nlp_result_destroy(&res);
}

/* The price told as 对价 right before the verb, and 的 between the target
 * and its stake: "以3亿元人民币的总对价收购某某的100%股权". */
static void test_shougou_total_consideration(void **state) {
  const char *text =
      "8月12日，青禾无限宣布，将以3亿元人民币的总对价收购Farview的100%股权，"
      "其中现金对价为5000万元人民币。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "被收购方", "Farview");
  FX_EXPECT(&res, "企业收购", "收购标的", "100%股权");
  nlp_result_destroy(&res);
}

/* The payment of a deal (并购投资款项) is no deal of its own. */
static void test_shougou_deal_payment_is_none(void **state) {
  const char *text =
      "公司拟以远望传感器有限公司90%股权向银行质押，申请不超过9,800万元的并购"
      "贷款，用于置换及支付公司部分并购投资款项。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "企业收购", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

/* "收购亏损标的": a word for the target (…标的) names no target, the buyer
 * and price stay. */
static void test_shougou_target_word_is_no_name(void **state) {
  nlp_result res;
  fx_run(state, "青禾生物2.9亿收购亏损标的 相关疑问待解", "公司经营稳健。",
         &res);
  FX_EXPECT(&res, "企业收购", "交易金额", "2.9亿");
  assert_int_equal(fx_count(&res, "企业收购", "被收购方", NULL), 0);
  nlp_result_destroy(&res);
}

/* Crops bought by the ton and meetings named after deals are no takeover. */
static void test_shougou_crops_and_meetings_are_none(void **state) {
  const char *text[] = {"东川国将再收购20万吨国产稻米。",
                        "第五届东川并购年会将于12月在南岭举行。"};
  for (size_t i = 0; i < 2; i++) {
    nlp_result res;
    fx_run(state, NULL, text[i], &res);
    assert_int_equal(fx_count(&res, "企业收购", NULL, NULL), 0);
    nlp_result_destroy(&res);
  }
}

/* A tender offer for a company's shares with no stake told. */
static void test_shougou_tender_offer_shares(void **state) {
  const char *text =
      "青禾黄金公布青禾黄金香港要约收购及认购远望资源有限公司股份的"
      "最新情况。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "被收购方", "远望资源有限公司");
  FX_EXPECT(&res, "企业收购", "收购标的", "股份");
  nlp_result_destroy(&res);
}

/* The date right before the buying verb is when the deal was done. */
static void test_shougou_date_before_verb(void **state) {
  const char *text[] = {
      "青禾国际秘书表示，公司2018年收购远望通信后，业务进一步拓展。",
      "南岭制药则在2019年11月通过740亿美元收购东川生物，这是史上规模最大的"
      "并购案。",
  };
  const char *want[] = {"2018年", "2019年11月"};
  fx_expect_each(state, "企业收购", "收购完成时间", text, want, 2);
}

/* A kind of company (医疗IT企业) is no target; the company made a
 * subsidiary is ("已将IT企业plus medi（东京）收为子公司"). */
static void test_shougou_made_subsidiary(void **state) {
  nlp_result res;
  fx_run(state, "东川三井金融集团收购医疗IT企业",
         "东川社9月16日消息，东川三井金融集团15日表示已将IT企业farview medi"
         "（东京）收为子公司。该公司开发病历管理APP。",
         &res);
  FX_EXPECT(&res, "企业收购", "被收购方", "farview medi（东京）");
  assert_false(fx_count(&res, "企业收购", "被收购方", "医疗IT企业"));
  nlp_result_destroy(&res);
}

/* The deal's own announcement told a few sentences off in a news story:
 * "9月29日，某某披露关于收购…的进展公告". */
static void test_shougou_announcement_day_in_story(void **state) {
  const char *title = "青禾生物2.9亿收购亏损资产 相关疑问待解";
  const char *text =
      "从两次评估价格来看，一年之间的评估值差异达2.06亿元。\n"
      "而此次资产收购规模仅在三亿元左右，如此大的变动依据何在？\n"
      "这场从6月刚开始的收购，在青禾生物的火速操作下已经接近完成。\n"
      "标的公司主要从事透明质酸原料的生产。\n"
      "其产品主要销往国内外的医药企业。\n"
      "近三年来，标的公司的营业收入有所波动。\n"
      "2019年上半年，标的公司仍处于亏损状态。\n"
      "市场人士认为，此次交易的估值偏高。\n"
      "也有分析师认为，交易有助于扩充产能。\n"
      "公司方面表示，收购完成后将加快整合。\n"
      "截至发稿，公司股价小幅下跌。\n"
      "9月29日，青禾生物披露关于收购东川远望生物工程有限公司100%股权的进展"
      "公告。";
  nlp_result res;
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, "企业收购", "披露时间", "9月29日");
  nlp_result_destroy(&res);
}

/* The price told right after the stake ("…全部股权，现金代价为X") is the
 * body's, and wins over the headline's round figure. */
static void test_shougou_price_after_stake(void **state) {
  const char *title = "青禾时尚计划以4.01亿元收购东川远望 建立物流中心";
  const char *text =
      "青禾时尚宣布，本集团之全资附属公司东川青禾服饰有限公司建议收购东川远望"
      "显示材料有限公司(「东川远望」)全部股权，现金代价为4.011亿元人民币(约4.49"
      "亿港元)，分两期支付。";
  nlp_result res;
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, "企业收购", "交易金额", "4.011亿元人民币");
  assert_false(fx_count(&res, "企业收购", "交易金额", "4.01亿元"));
  nlp_result_destroy(&res);
}

/* The price of the assets bought in a restructuring: "拟购买资产的价格为X". */
static void test_shougou_asset_price(void **state) {
  const char *text =
      "本次交易青禾股份拟以发行股份及支付现金相结合的方式购买东川投资等共41名"
      "交易对方持有的远望农牧100%股权。本次交易拟购买资产的价格为18.20亿元。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "交易金额", "18.20亿元");
  nlp_result_destroy(&res);
}

/* The buyer a subsidiary named after 宣布其全资子公司: the deal's figures
 * are read with it. */
static void test_shougou_subsidiary_after_announcing(void **state) {
  const char *text =
      "两个月前，青禾易购宣布其全资子公司青禾国际拟出资48亿元人民币收购"
      "远望中国80%股份。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "收购方", "青禾国际");
  FX_EXPECT(&res, "企业收购", "交易金额", "48亿元人民币");
  FX_EXPECT(&res, "企业收购", "被收购方", "远望中国");
  FX_EXPECT(&res, "企业收购", "收购标的", "80%股份");
  nlp_result_destroy(&res);
}

/* A report opening with 近日 dates the deal when nothing else does. */
static void test_shougou_recent_day(void **state) {
  const char *text =
      "近日，青禾股份与东川集团签署协议，以1.2亿元收购远望机械有限公司"
      "100%股权。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "披露时间", "近日");
  nlp_result_destroy(&res);
}

/* A business bought from a company in one country: the company is the
 * target, "某国的某业务" the object, the buyer named a clause before. */
static void test_shougou_business_in_country(void **state) {
  const char *text =
      "东川社9月28日援引知情人士的话报道，Farview和一家身份不明的投资公司正在"
      "洽谈以象征性的1欧元收购青禾银行在法国的零售业务。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "收购方", "Farview");
  FX_EXPECT(&res, "企业收购", "被收购方", "青禾银行");
  FX_EXPECT(&res, "企业收购", "收购标的", "法国的零售业务");
  nlp_result_destroy(&res);
}

/* A division named after the listed seller's quote is the object. */
static void test_shougou_division_after_quote(void **state) {
  const char *text =
      "据知情人士称，青禾通讯接近达成以约100亿美元现金收购安全公司远望科技"
      "(20.41,-0.05,-0.24%)服务大企业客户的部门的协议。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "被收购方", "远望科技");
  FX_EXPECT(&res, "企业收购", "收购标的", "服务大企业客户的部门");
  nlp_result_destroy(&res);
}

/* 并购 as a noun of strategy or trend is no deal. */
static void test_shougou_deals_as_a_topic(void **state) {
  const char *text[] = {
      "公司通过内生培育及外延并购，完成了环保行业一体化布局。",
      "与会学者以国际化的并购视角，共同探讨全球并购发展新趋势。",
      "由东川并购公会主办的第十六届东川并购年会于12月7日在南岭举行。",
  };
  for (size_t i = 0; i < 3; i++) {
    nlp_result res;
    fx_run(state, NULL, text[i], &res);
    assert_int_equal(fx_count(&res, "企业收购", NULL, NULL), 0);
    nlp_result_destroy(&res);
  }
}

/* ---- 企业破产 --------------------------------------------------------------
 */

/* The day a bankruptcy was reported when no "某日发布公告" dates it: a
 * source's date, a date opening the lead, a vague day after 获悉. */
static void test_pochan_news_day(void **state) {
  const char *text[] = {
      "东川通讯社15日报道，服装企业青禾服饰已根据法律启动破产保护程序。",
      "5月26日，远望重工(4.070,-0.03,-0.73%)公告，披露其下属控股子公司东川"
      "船务破产清算程序进展情况。",
      "东川电力网获悉，日前，青禾电力发布了关于子公司南岭光伏申请破产清算的"
      "公告。",
  };
  const char *want[] = {"15日", "5月26日", "日前"};
  fx_expect_each(state, "企业破产", "披露时间", text, want, 3);
}

/* The company a court declared bankrupt, or that applied to a court or
 * abroad, named right before the words. */
static void test_pochan_company_before_court_words(void **state) {
  const char *text[] = {
      "相关判决显示，青禾皮业已被东川省南岭市人民法院裁定宣告破产。",
      "《告知函》称远望投资已于2021年7月14日向东川铁路运输法院正式提交了破产"
      "重整申请。",
      "今年3月，Farview在美国申请破产，原因是疫情导致财务混乱。",
  };
  const char *want[] = {"青禾皮业", "远望投资", "Farview"};
  fx_expect_each(state, "企业破产", "破产公司", text, want, 3);
}

/* A full name right before the estate or the proceedings, in a document's
 * title or as its object, is the bankrupt company. */
static void test_pochan_full_name_before_estate(void **state) {
  const char *text[] = {
      "法院通过了债权人表决通过的《东川船舶重工集团船务工程有限公司破产财产"
      "分配方案》。",
      "8月29日，东川律师事务所发布了南岭青禾百货有限公司破产财产分配报告。",
  };
  const char *want[] = {"东川船舶重工集团船务工程有限公司",
                        "南岭青禾百货有限公司"};
  fx_expect_each(state, "企业破产", "破产公司", text, want, 2);
}

/* The day the court accepted the case is the bankruptcy's date, told
 * anywhere in the story. */
static void test_pochan_court_acceptance_day(void **state) {
  const char *text = "东川市中级人民法院裁定宣告南岭光伏材料有限公司破产。\n"
                     "法院认为，该公司不能清偿到期债务，且明显缺乏清偿能力。\n"
                     "该公司位于东川市工业园区，主营多晶硅生产。\n"
                     "2012年以来，受行业波动影响，该公司长期停产。\n"
                     "截至去年底，该公司资产负债率超过300%。\n"
                     "2019年9月23日，该公司作为债务人，向法院申请破产清算。\n"
                     "11月5日，东川中院裁定受理该公司的破产清算申请。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业破产", "破产时间", "11月5日");
  nlp_result_destroy(&res);
}

/* An earlier announcement the news cites with its date dates the event
 * (中标 披露日期, 企业破产 披露时间), not the news item's dateline. */
static void test_cited_announcement_date(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "东川网10月11日丨青禾发展(000753.SZ)公布，公司于2019年9月28日披露了"
         "《关于城北污水处理厂PPP项目预中标的提示性公告》。近日，全资子公司东川"
         "水务集团有限公司收到《中标通知书》，确定其为城北污水处理厂PPP项目的"
         "中标社会资本方。",
         &res);
  FX_EXPECT(&res, "中标", "披露日期", "2019年9月28日");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "东川网10月24日丨*ST青禾(002021.SZ)公布，2019年9月28日，公司披露了关于"
         "东川市中级人民法院裁定受理公司控股股东东川青禾供应链集团股份有限公司"
         "破产清算申请的公告。",
         &res);
  FX_EXPECT(&res, "企业破产", "披露时间", "2019年9月28日");
  nlp_result_destroy(&res);
}

/* ---- the document subject (00_common.rules) -------------------------------
 */

/* A headline's subject stops before "一二股东" and before 巨资 (the words
 * that follow a name in news headlines). */
static void test_subject_before_holders_and_funds(void **state) {
  nlp_result res;
  fx_run(state, "青禾医疗一二股东接连减持套现，商誉高企", "公司经营稳健。",
         &res);
  FX_EXPECT(&res, "股东减持", "股票简称", "青禾医疗");
  nlp_result_destroy(&res);
  fx_run(state, "青禾巨资收购远望机器人却跌成坑", "公司经营稳健。", &res);
  FX_EXPECT(&res, "企业收购", "收购方", "青禾");
  nlp_result_destroy(&res);
}

/* A full name never opens with a time word: "此前公司巨资收购…" names no
 * buyer "此前公司". */
static void test_org_not_time_word(void **state) {
  nlp_result res;
  fx_run(state, NULL, "此前公司巨资收购远望科技，商誉高企。", &res);
  assert_false(fx_count(&res, "企业收购", "收购方", "此前公司"));
  nlp_result_destroy(&res);
}

/* "全资子公司" alone is no company name. */
static void test_org_not_subsidiary_word(void **state) {
  nlp_result res;
  fx_run(state, "青禾信：全资子公司中标东川油田有限责任公司空调维修项目",
         "近日，公司全资子公司中标东川油田有限责任公司空调维修项目。", &res);
  assert_false(fx_count(&res, "中标", "中标公司", "全资子公司"));
  assert_false(fx_count(&res, "中标", "中标公司", "公司全资子公司"));
  nlp_result_destroy(&res);
  fx_run(state, NULL, "青禾信：全资子公司中标东川油田有限责任公司空调维修项目",
         &res);
  assert_false(fx_count(&res, "中标", "中标公司", "全资子公司"));
  nlp_result_destroy(&res);
}

/* {DISCLOSE}: "某日晚间公告，" keeps the part of the day. */
static void test_disclose_daypart_before_bare_verb(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾环境7月25日晚间公告，公司中标东川市生活垃圾焚烧发电项目，中标金额"
         "约3.2亿元。",
         &res);
  FX_EXPECT(&res, "中标", "披露日期", "7月25日晚间");
  nlp_result_destroy(&res);
}

/* ---- the fill option "more" ------------------------------------------------
 */

/* A fill marked "more" adds the other items of a list to a role a rule has
 * already filled (a plain fill or "many" leaves a filled role alone). */
static void test_fill_more_adds_to_filled_role(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-more-XXXXXX", path[256];
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/a.rules", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("group co = 中标公司\n"
        "rule win\n"
        "type 中标\n"
        "trigger 中标\n"
        "pattern (?<co>[A-Z]+)(?<trig>中标)\n"
        "fill 中标 中标公司 sentence many (?<=和)(?<v>[A-Z]+)(?=组成)\n"
        "fill 中标 中标公司 sentence more (?<=与)(?<v>[A-Z]+)(?=组成)\n",
        f);
  fclose(f);
  nlp_rules *r = NULL;
  assert_int_equal(nlp_rules_load_dir(dir, NULL, NULL, &r), 0);
  const char *text = "AB中标，AB与CD组成联合体，AB和EF组成另一联合体。";
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, text, strlen(text), NULL, &res), 0);
  assert_int_equal(fx_count(&res, "中标", NULL, NULL), 1);
  FX_EXPECT(&res, "中标", "中标公司", "AB");
  FX_EXPECT(&res, "中标", "中标公司", "CD");
  assert_false(fx_count(&res, "中标", "中标公司", "EF"));
  nlp_result_destroy(&res);
  nlp_rules_free(r);
  unlink(path);
  rmdir(dir);
}

/* A fill or subject pattern may name its value group v in two
 * alternatives (PCRE2_DUPNAMES): the one that matched gives the value.  The
 * loader used to refuse such a fill as having no group v. */
static void test_fill_two_v_alternatives(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-twov-XXXXXX", path[256];
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/a.rules", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("group co = 中标公司\n"
        "rule win\n"
        "type 中标\n"
        "trigger 中标\n"
        "pattern (?<co>[A-Z]+)(?<trig>中标)\n"
        "fill 中标 中标金额 sentence 金额(?<v>\\d+元)|总价(?<v>\\d+万元)\n"
        "fill 中标 招标方 subject\n"
        "subject text 标题(?<v>[A-Z]{3})|题为(?<v>[A-Z]{4})\n",
        f);
  fclose(f);
  nlp_rules *r = NULL;
  assert_int_equal(nlp_rules_load_dir(dir, NULL, NULL, &r), 0);
  const char *text = "题为WXYZ。AB中标，总价300万元。";
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, text, strlen(text), NULL, &res), 0);
  FX_EXPECT(&res, "中标", "中标金额", "300万元");
  FX_EXPECT(&res, "中标", "招标方", "WXYZ");
  nlp_result_destroy(&res);
  nlp_rules_free(r);
  unlink(path);
  rmdir(dir);
}

/* A "more" fill does not add a short name of a value already there (an
 * abbreviation or a name inside it): "青禾集团" is
 * "东川青禾建设集团股份有限公司" again, while another member is added. */
static void test_fill_more_skips_short_name(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-more2-XXXXXX", path[256];
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/a.rules", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("group co = 中标公司\n"
        "rule win\n"
        "type 中标\n"
        "trigger 中标\n"
        "pattern (?<co>\\p{sc=Han}+有限公司)(?<trig>中标)\n"
        "fill 中标 中标公司 sentence more (?<=[，、与])(?<v>\\p{sc=Han}{2,14}?"
        "(?:集团|有限公司))(?=[、与]|组成)\n",
        f);
  fclose(f);
  nlp_rules *r = NULL;
  assert_int_equal(nlp_rules_load_dir(dir, NULL, NULL, &r), 0);
  const char *text =
      "东川青禾建设集团股份有限公司中标，青禾集团与南岭设计研究院有限公司"
      "组成联合体。";
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, text, strlen(text), NULL, &res), 0);
  FX_EXPECT(&res, "中标", "中标公司", "东川青禾建设集团股份有限公司");
  FX_EXPECT(&res, "中标", "中标公司", "南岭设计研究院有限公司");
  assert_false(fx_count(&res, "中标", "中标公司", "青禾集团"));
  nlp_result_destroy(&res);
  nlp_rules_free(r);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fill_more_adds_to_filled_role),
      cmocka_unit_test(test_fill_more_skips_short_name),
      cmocka_unit_test(test_fill_two_v_alternatives),
      cmocka_unit_test(test_zhongbiao_date_opens_lead),
      cmocka_unit_test(test_zhongbiao_tendering_body_list_item),
      cmocka_unit_test(test_zhongbiao_tenderer_alias_before_project),
      cmocka_unit_test(test_zhongbiao_ranking_is_none),
      cmocka_unit_test(test_zhongbiao_auctioned_stake_is_none),
      cmocka_unit_test(test_zhongbiao_consortium_members_added),
      cmocka_unit_test(test_zhongbiao_date_not_disclosure),
      cmocka_unit_test(test_zhongbiao_unit_price_is_no_amount),
      cmocka_unit_test(test_zhongbiao_subsidiary_in_lead),
      cmocka_unit_test(test_zhongbiao_date_received_in_lead),
      cmocka_unit_test(test_zhongbiao_counted_winner_list),
      cmocka_unit_test(test_zhongbiao_headline_notice_received),
      cmocka_unit_test(test_zhongbiao_amount_words_then_figures),
      cmocka_unit_test(test_zhongbiao_tenderer_in_quoted_notice),
      cmocka_unit_test(test_zhongbiao_tenderer_before_quoted_project),
      cmocka_unit_test(test_zhongbiao_lot_number),
      cmocka_unit_test(test_zhongbiao_product_wins),
      cmocka_unit_test(test_zhongbiao_ranked_candidate),
      cmocka_unit_test(test_zhongbiao_result_notice_list),
      cmocka_unit_test(test_zhongbiao_shortlist_one_event_each),
      cmocka_unit_test(test_zhongbiao_first_ranked),
      cmocka_unit_test(test_zhongbiao_group_subsidiary),
      cmocka_unit_test(test_zhongbiao_project_alias_before_word),
      cmocka_unit_test(test_shougou_shares_held_by_list),
      cmocka_unit_test(test_shougou_whole_or_part_of_shares),
      cmocka_unit_test(test_shougou_full_name_before_stake),
      cmocka_unit_test(test_shougou_target_after_colon),
      cmocka_unit_test(test_shougou_total_consideration),
      cmocka_unit_test(test_shougou_deal_payment_is_none),
      cmocka_unit_test(test_shougou_target_word_is_no_name),
      cmocka_unit_test(test_shougou_crops_and_meetings_are_none),
      cmocka_unit_test(test_shougou_tender_offer_shares),
      cmocka_unit_test(test_shougou_date_before_verb),
      cmocka_unit_test(test_shougou_made_subsidiary),
      cmocka_unit_test(test_shougou_announcement_day_in_story),
      cmocka_unit_test(test_shougou_price_after_stake),
      cmocka_unit_test(test_shougou_asset_price),
      cmocka_unit_test(test_shougou_subsidiary_after_announcing),
      cmocka_unit_test(test_shougou_recent_day),
      cmocka_unit_test(test_shougou_business_in_country),
      cmocka_unit_test(test_shougou_division_after_quote),
      cmocka_unit_test(test_shougou_deals_as_a_topic),
      cmocka_unit_test(test_pochan_news_day),
      cmocka_unit_test(test_pochan_company_before_court_words),
      cmocka_unit_test(test_pochan_full_name_before_estate),
      cmocka_unit_test(test_pochan_court_acceptance_day),
      cmocka_unit_test(test_cited_announcement_date),
      cmocka_unit_test(test_subject_before_holders_and_funds),
      cmocka_unit_test(test_org_not_time_word),
      cmocka_unit_test(test_org_not_subsidiary_word),
      cmocka_unit_test(test_disclose_daypart_before_bare_verb),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
