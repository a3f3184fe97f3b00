/*
 * test_nlp_extract_a.c — patterns of the bundled rules for 中标, 企业收购,
 * 高管变动, 公司上市 and 被约谈 (data/rules/{zhongbiao,shougou,gaoguan,
 * shangshi,yuetan}.rules) and the extractor behaviour they rely on, each on
 * sentences written for this test (none comes from DuEE-Fin). Every test
 * names the wording it pins down; each failed before its rule or fix.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tests/unit/extract_fixture.h"

/* ---- 中标 ------------------------------------------------------------------
 */

/* A quoted project is the object whole, and the full name that receives the
 * award notice is the winner (the headline's short name is not). */
static void test_zhongbiao_quoted_object_full_winner(void **state) {
  const char *title = "青禾环境：中标污水管网工程";
  const char *text =
      "青禾环境5月18日晚间发布公告称，近日，东川青禾环境技术股份有限公司收到"
      "东川市水务局发出的《中标通知书》，确认公司为“城北片区污水管网改造工程"
      "（二期）设计施工总承包”项目中标单位。中标金额约3200万元。";
  nlp_result res;
  fx_run(state, title, text, &res);
  assert_int_equal(fx_count(&res, "中标", NULL, NULL), 1);
  FX_EXPECT(&res, "中标", "中标公司", "东川青禾环境技术股份有限公司");
  FX_EXPECT(&res, "中标", "中标标的",
            "城北片区污水管网改造工程（二期）设计施工总承包");
  nlp_result_destroy(&res);
}

/* "(原标题：…)" repeated in brackets below the body is a headline too: its
 * event merges into the body's instead of standing as a second one. */
static void test_bracketed_reposted_title(void **state) {
  const char *title = "青禾建设：联合预中标5.2亿元施工项目";
  const char *text =
      "青禾建设5月18日晚间公告，下属公司青禾路桥与东川交通设计院有限公司组成"
      "的联合体，为“北环快速路改建工程第三标段施工”项目中标候选人，拟中标金额"
      "5.2亿元。\n"
      "(原标题：青禾建设：联合预中标5.2亿元施工项目)";
  nlp_result res;
  fx_run(state, title, text, &res);
  assert_int_equal(fx_count(&res, "中标", NULL, NULL), 1);
  FX_EXPECT(&res, "中标", "中标标的", "北环快速路改建工程第三标段施工");
  nlp_result_destroy(&res);
}

/* ---- 企业收购 --------------------------------------------------------------
 */

/* The full names of a deal told with bracketed short names, funds between
 * buyer and verb, and a descriptor before the target's name. */
static void test_shougou_full_names_and_descriptor(void **state) {
  const char *text =
      "东川青禾信息系统有限公司（“青禾信息”）以自有资金收购南岭远望视讯技术"
      "有限公司（“远望视讯”）85%股权，交易对价为2600万元。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "收购方", "东川青禾信息系统有限公司");
  FX_EXPECT(&res, "企业收购", "被收购方", "南岭远望视讯技术有限公司");
  FX_EXPECT(&res, "企业收购", "收购标的", "85%股权");
  nlp_result_destroy(&res);
  text = "青禾文化宣布，以6.5亿元现金收购旅游公司远山碧水100%股权。";
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "被收购方", "远山碧水");
  nlp_result_destroy(&res);
}

/* "收购控股股东甲持有的乙有限公司100%股权": the company whose shares are
 * bought is the target, not the holder. */
static void test_shougou_shares_held_by_another(void **state) {
  const char *text = "青禾股份拟以1.2亿元收购控股股东东川青禾投资集团有限公司"
                     "持有的南岭远望小额贷款有限公司100%股权。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "被收购方", "南岭远望小额贷款有限公司");
  assert_false(
      fx_count(&res, "企业收购", "被收购方", "东川青禾投资集团有限公司"));
  nlp_result_destroy(&res);
}

/* One deal told under the short names and then the full ones is one event,
 * which keeps the full names (a name written inside another agrees with it
 * when events are merged). */
static void test_short_and_full_names_merge(void **state) {
  const char *title = "青禾科技：青禾信息已完成对远望视讯的收购";
  const char *text =
      "青禾科技公布，董事会审议通过了全资子公司青禾信息收购远望视讯的85%股权的"
      "议案。东川青禾信息系统有限公司以自有资金收购南岭远望视讯技术有限公司"
      "85%股权，交易对价为2600万元。\n"
      "截至目前，青禾信息已完成对远望视讯的收购。";
  nlp_result res;
  fx_run(state, title, text, &res);
  assert_int_equal(fx_count(&res, "企业收购", NULL, NULL), 1);
  FX_EXPECT(&res, "企业收购", "收购方", "东川青禾信息系统有限公司");
  FX_EXPECT(&res, "企业收购", "被收购方", "南岭远望视讯技术有限公司");
  nlp_result_destroy(&res);
}

/* ---- 高管变动 --------------------------------------------------------------
 */

/* The post left is told after the verb ("申请辞去公司财务总监职务"), and a
 * name may be written in Latin letters. */
static void test_gaoguan_post_after_resign_verb(void **state) {
  const char *text =
      "公司董事会近日收到林晓峰先生的书面辞职报告，林晓峰先生因个人"
      "原因申请辞去公司财务总监职务。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "林晓峰");
  FX_EXPECT(&res, "高管变动", "高管职位", "财务总监");
  nlp_result_destroy(&res);
  text = "自2021年5月1日起，John Harold Doe辞任公司非执行董事。";
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "John Harold Doe");
  FX_EXPECT(&res, "高管变动", "高管职位", "非执行董事");
  nlp_result_destroy(&res);
}

/* The appointee told first: "某某获委任为公司非执行董事" (the post as written)
 * and "甲接替乙担任…" (甲 is appointed, not 乙). */
static void test_gaoguan_appointee_first(void **state) {
  const char *text =
      "青禾国际公布，自2021年5月1日起，林晓峰获委任为公司独立非执行"
      "董事。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "林晓峰");
  FX_EXPECT(&res, "高管变动", "变动后职位", "公司独立非执行董事");
  nlp_result_destroy(&res);
  text = "青禾国际公布，周文博接替陈明远担任公司财务总监。";
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "周文博");
  assert_false(fx_count(&res, "高管变动", "高管姓名", "陈明远"));
  nlp_result_destroy(&res);
}

/* A headline merges into the body event that tells the same change, not
 * into the first one of its type: the resignation must not take the
 * title's new post. */
static void test_headline_to_matching_body_event(void **state) {
  const char *title = "青禾国际委任John Harold Doe为非执行董事";
  const char *text =
      "青禾国际宣布，自2021年5月1日起，Peter Paul Roe辞任公司非执行"
      "董事；John Harold Doe获委任为公司非执行董事。";
  nlp_result res;
  fx_run(state, title, text, &res);
  for (size_t i = 0; i < res.n; i++) {
    const nlp_event *ev = &res.events[i];
    int resign = 0, newpost = 0;
    for (size_t k = 0; k < ev->nargs; k++) {
      resign |= !strcmp(ev->args[k].text, "Peter Paul Roe");
      newpost |= !strcmp(ev->args[k].role, "变动后职位");
    }
    assert_false(resign && newpost);
  }
  nlp_result_destroy(&res);
}

/* A project name with several bracketed parts is taken whole, and a result
 * notice names the tendering body before its project. */
static void test_zhongbiao_brackets_and_result_notice(void **state) {
  const char *text =
      "青禾股份公告，公司成为东川市北城区综合管廊建设项目（二期）"
      "（滨河路延伸段）的中标人，中标合同价为1.2亿元。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "中标标的",
            "东川市北城区综合管廊建设项目（二期）（滨河路延伸段）");
  nlp_result_destroy(&res);
  text = "近日，东川电力有限公司2021年第三次配电设备采购中标候选人公示，青禾"
         "电气中标，金额约8000万元。";
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "招标方", "东川电力有限公司");
  FX_EXPECT(&res, "中标", "中标标的", "2021年第三次配电设备采购");
  nlp_result_destroy(&res);
}

/* A news dateline ("某某网6月3日丨") dates the disclosure when no
 * "…发布公告" phrase does. */
static void test_dateline_is_disclosure(void **state) {
  const char *text =
      "某某财经6月3日丨青禾环境中标城北污水管网改造工程，中标金额"
      "约3200万元。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "披露日期", "6月3日");
  nlp_result_destroy(&res);
}

/* The buyer is named after its group ("本集团之全资附属公司甲有限公司"),
 * and the price is a 代价 ("现金代价为…"). */
static void test_shougou_subsidiary_buyer_and_price(void **state) {
  const char *text =
      "青禾时尚宣布，本集团之全资附属公司东川青禾服饰有限公司建议收购"
      "南岭远望材料有限公司全部股权，现金代价为3.2亿元。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "企业收购", "收购方", "东川青禾服饰有限公司");
  FX_EXPECT(&res, "企业收购", "交易金额", "3.2亿元");
  nlp_result_destroy(&res);
}

/* A subsidiary named in the body wins the bid its parent announces, with
 * the "公司全资子公司" description left out. */
static void test_zhongbiao_subsidiary_wins(void **state) {
  const char *title = "青禾科技：全资子公司中标数据中心项目";
  const char *text =
      "青禾科技8月4日晚间发布公告称，公司全资子公司东川青禾智能工程有限"
      "公司中标“东川大数据产业园一期数据中心机电工程项目”。中标金额约"
      "1.2亿元。";
  nlp_result res;
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, "中标", "中标公司", "东川青禾智能工程有限公司");
  nlp_result_destroy(&res);
  text = "青禾建设公告，公司控股子公司东川市政工程集团股份有限公司（以下简称"
         "“市政集团”）于近日收到招标人东川市城建投资有限公司签发的《中标通知"
         "书》，市政集团为北环路改造工程项目中标单位。";
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "中标公司", "东川市政工程集团股份有限公司");
  nlp_result_destroy(&res);
}

/* A time word is not the start of the subject's name ("近日青禾科技（
 * 600123）…"), nor of a post ("辞任公司的公司秘书"), and a chairman's
 * nomination ("根据公司董事长提名") is no change of its own. */
static void test_gaoguan_subject_post_nomination(void **state) {
  const char *title = "青禾科技聘任林晓峰为副总经理";
  const char *text =
      "某某网4月20日消息，近日青禾科技（600123）董事会审议通过了《关于"
      "聘任公司副总经理的议案》。根据公司董事长提名，董事会同意聘任"
      "林晓峰为公司副总经理。";
  nlp_result res;
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, "高管变动", "任职公司", "青禾科技");
  assert_false(fx_count(&res, "高管变动", "变动类型", "提名"));
  nlp_result_destroy(&res);
  text = "青禾国际公布，陈明远先生已辞任公司的公司秘书职位。";
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "高管变动", "高管职位", "公司秘书");
  nlp_result_destroy(&res);
}

/* ---- 公司上市 --------------------------------------------------------------
 */

/* The first trading day names the company ("某某(01234)上市次日续涨");
 * an exchange's full name is a board ("在上海证券交易所上市"); shares
 * "已上市流通" are no listing; an IPO candidate is named after its
 * description ("拟IPO企业某某股份有限公司"). */
static void test_shangshi_wordings(void **state) {
  nlp_result res;
  fx_run(state, "港股异动︱青禾医械(01234)上市次日续涨逾5%",
         "青禾医械股价续涨。", &res);
  FX_EXPECT(&res, "公司上市", "上市公司", "青禾医械");
  nlp_result_destroy(&res);
  fx_run(state, NULL, "青禾铝业股票将于9月7日在上海证券交易所上市。", &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 1);
  nlp_result_destroy(&res);
  fx_run(state, NULL, "本次解除限售的股份为已上市流通的无限售条件股份。", &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 0);
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "科创板拟IPO企业东川青禾科技股份有限公司今日披露问询回复，拟"
         "在科创板上市。",
         &res);
  FX_EXPECT(&res, "公司上市", "上市公司", "东川青禾科技股份有限公司");
  nlp_result_destroy(&res);
}

/* Look-alikes that tell no deal: merger policy talk ("上市公司并购重组领域"),
 * the acquirer as a legal term ("收购人"), a fund's name ("并购基金份额"),
 * a bond auction's rate ("中标利率") and a bid ranking ("中标排名"). */
static void test_deal_lookalikes(void **state) {
  const char *texts[] = {
      "监管部门表示，上市公司并购重组领域是内幕交易的高发地带。",
      "青禾股份关于参与认购并购基金份额的进展公告。",
      "根据相关规定，收购人应当及时履行披露义务。",
  };
  nlp_result res;
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    fx_run(state, NULL, texts[i], &res);
    if (fx_count(&res, "企业收购", NULL, NULL))
      fail_msg("企业收购 found in \"%s\"", texts[i]);
    nlp_result_destroy(&res);
  }
  fx_run(state, NULL,
         "东川市地方债招标结束，20年期固息品种中标利率3.2%，中标排名"
         "稳中有升。",
         &res);
  assert_int_equal(fx_count(&res, "中标", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

/* "原…总经理某某，担任…职务" (a comma after the name, 升任/调任 too), and a
 * long post before its title ("世界某某协会中国区顾问"). */
static void test_gaoguan_post_name_comma(void **state) {
  nlp_result res;
  fx_run(state, NULL, "据悉，原东川区域副总经理林晓峰，升任青禾集团总裁助理。",
         &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "林晓峰");
  FX_EXPECT(&res, "高管变动", "高管职位", "原东川区域副总经理");
  nlp_result_destroy(&res);
  fx_run(state, NULL, "近日，周文博担任世界铂金投资协会中国区顾问。", &res);
  FX_EXPECT(&res, "高管变动", "变动后职位", "世界铂金投资协会中国区顾问");
  nlp_result_destroy(&res);
}

/* ---- 被约谈 ----------------------------------------------------------------
 */

/* A city government summons too ("某某市政府约谈某某"). */
static void test_yuetan_government(void **state) {
  nlp_result res;
  fx_run(state, NULL, "7月31日，东川市政府约谈青禾地产，要求立即整改。", &res);
  FX_EXPECT(&res, "被约谈", "约谈机构", "东川市政府");
  FX_EXPECT(&res, "被约谈", "公司名称", "青禾地产");
  nlp_result_destroy(&res);
}

/* The award's date is when its notice was received ("某某公司于近日收到…"),
 * and a formal notice lists its price as an item ("3、中标价：…元"). */
static void test_zhongbiao_notice_date_and_price_item(void **state) {
  const char *text = "青禾环境股份有限公司于2021年3月1日收到东川市水务局发出的"
                     "《中标通知书》。\n"
                     "一、中标项目基本情况\n"
                     "1、项目名称：城北污水管网改造工程\n"
                     "2、招标人：东川市水务局\n"
                     "3、中标价：12,500,000.00元\n"
                     "本次中标对公司本年度经营业绩有积极影响。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "中标日期", "2021年3月1日");
  FX_EXPECT(&res, "中标", "中标金额", "12,500,000.00元");
  nlp_result_destroy(&res);
}

/* "提出书面辞职申请，申请辞去…职务" is one change: one event, of kind 辞职. */
static void test_gaoguan_letter_and_post_one_change(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "公司副总经理林晓峰先生于2021年5月6日向公司提出书面辞职申请，申请"
         "辞去公司副总经理职务。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 1);
  FX_EXPECT(&res, "高管变动", "变动类型", "辞职");
  FX_EXPECT(&res, "高管变动", "高管职位", "副总经理");
  nlp_result_destroy(&res);
}

/* Listing look-alikes: restricted shares "在深圳证券交易所上市", a plan
 * that does not seek control of "上市公司", the underwriters' "IPO承销". */
static void test_shangshi_lookalikes(void **state) {
  const char *texts[] = {
      "本次激励计划首次授予的限制性股票在深圳证券交易所上市。",
      "本次增持计划不谋求上市公司控制权。",
      "某某证券在去年A股IPO承销保荐市场中排名第三。",
  };
  nlp_result res;
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    fx_run(state, NULL, texts[i], &res);
    if (fx_count(&res, "公司上市", NULL, NULL))
      fail_msg("公司上市 found in \"%s\"", texts[i]);
    nlp_result_destroy(&res);
  }
}

/* "约定由公司收购甲合伙企业所持有目标公司27%的股权": neither "约定由公司"
 * nor "有目标公司" is a party; the deal merges with the one that names the
 * target. */
static void test_shougou_no_generic_parties(void **state) {
  nlp_result res;
  fx_run(
      state, NULL,
      "青禾电子披露《关于收购远望集成技术(深圳)有限公司部分股权的公告》，称公"
      "司拟签订股权转让协议，约定由公司收购东川柏胜合伙企业所持有目标公司"
      "27.5%的股权。",
      &res);
  assert_int_equal(fx_count(&res, "企业收购", "收购方", "约定由公司"), 0);
  assert_int_equal(fx_count(&res, "企业收购", "被收购方", "有目标公司"), 0);
  nlp_result_destroy(&res);
}

/* A result notice published by the tendering body ("甲有限公司在某某网发布了
 * 《…评标结果公示》"), its items told lines before the award's figures. */
static void test_zhongbiao_result_notice_items_above(void **state) {
  const char *text =
      "2021年3月1日，东川水务有限公司在东川市公共资源交易网发布了《城北引水工程"
      "管材采购评标结果公示》，确定青禾管道股份有限公司为中标候选人第一名。\n"
      "一、业主方及项目基本情况\n"
      "1、项目业主方：东川水务有限公司\n"
      "2、项目名称：城北引水工程管材采购\n"
      "3、计划工期：730天\n"
      "4、公司与业主方不存在任何关联关系\n"
      "二、中标事项对公司业绩的影响\n"
      "本次投标报价为9,534万元，约占公司上年营业收入的9.42%。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "中标", "招标方", "东川水务有限公司");
  FX_EXPECT(&res, "中标", "中标标的", "城北引水工程管材采购");
  nlp_result_destroy(&res);
}

/* A name never opens with the closing bracket of the one before
 * ("甲（以下简称“公司”）控股子公司乙…"), and 下属 alone introduces the
 * subsidiary ("公司下属乙有限公司作为联合体成员中标"). */
static void test_zhongbiao_subsidiary_after_alias(void **state) {
  nlp_result res;
  fx_run(
      state, NULL,
      "青禾建设股份有限公司（以下简称“公司”）控股子公司东川市政工程集团股份有"
      "限公司于近日收到招标人签发的《中标通知书》，确定其为北环路改造工程项目"
      "中标单位。",
      &res);
  FX_EXPECT(&res, "中标", "中标公司", "东川市政工程集团股份有限公司");
  nlp_result_destroy(&res);
  fx_run(
      state, NULL,
      "青禾建设宣布，近日，公司下属东川路桥集团有限公司作为联合体成员中标北环"
      "快速路PPP项目。",
      &res);
  FX_EXPECT(&res, "中标", "中标公司", "东川路桥集团有限公司");
  nlp_result_destroy(&res);
}

/* The company announcing the deal in the same sentence is the buyer
 * ("某某还宣布重磅消息，以8亿元现金收购…"). */
static void test_shougou_announcer_is_buyer(void **state) {
  nlp_result res;
  fx_run(state, "青禾文化因票房收益近3亿 又花6亿收购旅游公司",
         "三季报预盈的同时，青禾文化还宣布重磅消息，以6.5亿元现金收购旅游公司远"
         "山碧水100%股权。",
         &res);
  FX_EXPECT(&res, "企业收购", "收购方", "青禾文化");
  nlp_result_destroy(&res);
}

/* An amount in yuan keeps the currency's name written after it
 * ("合同金额为81,820,443.20元人民币"). */
static void test_amount_with_currency_after(void **state) {
  nlp_result res;
  fx_run(
      state, NULL,
      "青禾环境中标城北污水管网改造工程项目，中标金额为12,820,443.20元人民币。",
      &res);
  FX_EXPECT(&res, "中标", "中标金额", "12,820,443.20元人民币");
  nlp_result_destroy(&res);
}

/* "某某新任某某基金督察长": the new post follows the company's short name;
 * a death in office names the person before the verb. */
static void test_gaoguan_new_post_after_company_and_death(void **state) {
  nlp_result res;
  fx_run(state, NULL, "10月16日消息，林晓峰新任青禾基金督察长。", &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "林晓峰");
  FX_EXPECT(&res, "高管变动", "变动后职位", "督察长");
  nlp_result_destroy(&res);
  fx_run(state, NULL, "青禾集团独立非执行董事周文博因病于近日去世，享年66岁。",
         &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "周文博");
  nlp_result_destroy(&res);
}

/* The completion date may open the clause ("2021年1月，甲以约2亿元完成收购
 * 乙90%的股份"). */
static void test_shougou_completion_date_opens_clause(void **state) {
  nlp_result res;
  fx_run(state, NULL, "2021年1月，青禾集团以约2亿元完成收购远望科技90%的股份。",
         &res);
  FX_EXPECT(&res, "企业收购", "收购完成时间", "2021年1月");
  nlp_result_destroy(&res);
}

/* A note after a listed project name is not part of it
 * ("1、项目名称：某某工程（具体承包范围以双方施工合同为准）"). */
static void test_zhongbiao_project_item_note(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾建设股份有限公司于近日收到《中标通知书》，确定公司为中标人。\n"
         "1、项目名称：城北会展中心金属屋面工程（具体承包范围以双方施工合同为准"
         "）\n"
         "2、中标价：6,085万元",
         &res);
  FX_EXPECT(&res, "中标", "中标标的", "城北会展中心金属屋面工程");
  nlp_result_destroy(&res);
}

/* A headline's description before the company ("细胞疗法公司某某赴港上市")
 * is not its name. */
static void test_shangshi_headline_description(void **state) {
  nlp_result res;
  fx_run(state, "细胞疗法公司青禾生物赴港上市 半年净亏5000万",
         "青禾生物近日递交了招股书。", &res);
  FX_EXPECT(&res, "公司上市", "上市公司", "青禾生物");
  nlp_result_destroy(&res);
}

/* The first trading day's company is not a column name ("财面儿丨某某上市
 * 首日") nor an ordinal ("第一家上市首日…"); an IPO candidate described as
 * "拟上市公司某某" is a listing step. */
static void test_shangshi_first_day_and_candidate(void **state) {
  nlp_result res;
  fx_run(state, "财经丨青禾地产上市首日破发", "青禾地产今日在港交所挂牌。",
         &res);
  FX_EXPECT(&res, "公司上市", "上市公司", "青禾地产");
  nlp_result_destroy(&res);
  fx_run(state, NULL, "科创板拟上市公司东川青禾环保科技股份有限公司中止审核。",
         &res);
  FX_EXPECT(&res, "公司上市", "上市公司", "东川青禾环保科技股份有限公司");
  nlp_result_destroy(&res);
}

/* The subject's name ends before the date of its announcement
 * ("青禾铝业9月3日晚间发布公告称…"). */
static void test_subject_before_announcement_date(void **state) {
  nlp_result res;
  fx_run(
      state, NULL,
      "青禾铝业9月3日晚间发布公告称，公司股票将于9月7日在上海证券交易所上市。",
      &res);
  FX_EXPECT(&res, "公司上市", "上市公司", "青禾铝业");
  nlp_result_destroy(&res);
}

/* A change taking effect from a day is dated with its words
 * ("自2021年5月1日起"). */
static void test_gaoguan_effective_from(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾国际宣布，自2021年5月1日起，林晓峰获委任为公司非执行董事。",
         &res);
  FX_EXPECT(&res, "高管变动", "事件时间", "自2021年5月1日起");
  nlp_result_destroy(&res);
}

/* A bare change word makes an event only when its sentence names a post or a
 * person's title: a retiree in a column ("某某刚退休，某公司就开始…") is no
 * executive change; "财务总监某某近日退休" still is. */
static void test_gaoguan_bare_needs_post(void **state) {
  const char *text =
      "青禾国际公布季度业绩。\n陈明远刚退休，蓝湾科技就开始抢占市场。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 0);
  nlp_result_destroy(&res);
  text = "青禾国际公布，公司财务总监近期到龄退休。";
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 1);
  nlp_result_destroy(&res);
}

/* A rule with "split ROLE" makes one event per name of a listed role:
 * "约谈甲、乙和丙" is three summonses, quoted names too ("“甲”“乙”"), each
 * with the summoning body; a single name stays one event. */
static void test_yuetan_list_one_event_each(void **state) {
  const char *text =
      "近日，某市市场监管局约谈青禾科技、蓝湾了然和白石集团等三家平台"
      "企业，要求立即整改。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "被约谈", NULL, NULL), 3);
  FX_EXPECT(&res, "被约谈", "公司名称", "青禾科技");
  FX_EXPECT(&res, "被约谈", "公司名称", "蓝湾了然");
  FX_EXPECT(&res, "被约谈", "公司名称", "白石集团");
  assert_int_equal(fx_count(&res, "被约谈", "约谈机构", "某市市场监管局"), 3);
  nlp_result_destroy(&res);
  text = "5月3日，某省网信办约谈“青禾外卖”“蓝湾买菜”等平台。";
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "被约谈", NULL, NULL), 2);
  FX_EXPECT(&res, "被约谈", "公司名称", "青禾外卖");
  FX_EXPECT(&res, "被约谈", "公司名称", "蓝湾买菜");
  nlp_result_destroy(&res);
  text = "近日，某市市场监管局约谈青禾科技，要求立即整改。";
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "被约谈", NULL, NULL), 1);
  FX_EXPECT(&res, "被约谈", "公司名称", "青禾科技");
  nlp_result_destroy(&res);
}

/* Several people appointed to one post are one change each ("split 高管姓名
 * trim=先生|女士"): the title after each name is not part of it, and the post
 * runs to the end of the clause; a slate nominated together is one 提名
 * holding every name (split … values). */
static void test_gaoguan_list_one_event_each(void **state) {
  const char *text =
      "会议审议通过：提名林晓峰先生、陈明远先生和周文博女士为公司第十届"
      "董事会独立董事候选人。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 1);
  FX_EXPECT(&res, "高管变动", "高管姓名", "林晓峰");
  FX_EXPECT(&res, "高管变动", "高管姓名", "陈明远");
  FX_EXPECT(&res, "高管变动", "高管姓名", "周文博");
  FX_EXPECT(&res, "高管变动", "变动后职位", "第十届董事会独立董事候选人");
  nlp_result_destroy(&res);
  text = "董事会同意聘任林晓峰先生、陈明远先生为公司副总裁。";
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 2);
  FX_EXPECT(&res, "高管变动", "高管姓名", "林晓峰");
  FX_EXPECT(&res, "高管变动", "高管姓名", "陈明远");
  assert_int_equal(fx_count(&res, "高管变动", "变动后职位", "副总裁"), 2);
  nlp_result_destroy(&res);
  text = "青禾国际公布，林晓峰及周文博获委任为公司执行董事。";
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 2);
  FX_EXPECT(&res, "高管变动", "高管姓名", "林晓峰");
  FX_EXPECT(&res, "高管变动", "高管姓名", "周文博");
  nlp_result_destroy(&res);
}

typedef struct split_diag {
  char text[1024];
  int n;
} split_diag;

static void split_collect(void *ctx, const char *file, int line,
                          const char *msg) {
  split_diag *l = ctx;
  size_t k = strlen(l->text);
  snprintf(l->text + k, sizeof l->text - k, "%s:%d: %s\n", file, line, msg);
  l->n++;
}

/* A rules directory of its own (dir, a mkdtemp template) holding one file
 * a.rules (its path into path) with body; loads it, checks the loader's
 * return code, and leaves the diagnostics in log.  The caller frees the
 * rules and removes the file and directory (tmp_rules_done). */
static nlp_rules *tmp_rules(char *dir, char *path, size_t cap, const char *body,
                            int want_rc, split_diag *log) {
  assert_non_null(mkdtemp(dir));
  snprintf(path, cap, "%s/a.rules", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(body, f);
  fclose(f);
  nlp_rules *r = NULL;
  memset(log, 0, sizeof *log);
  assert_int_equal(nlp_rules_load_dir(dir, split_collect, log, &r), want_rc);
  assert_non_null(r);
  return r;
}

static void tmp_rules_done(nlp_rules *r, const char *dir, const char *path) {
  nlp_rules_free(r);
  unlink(path);
  rmdir(dir);
}

/* The "split" option on its own rules: a list cut at 、 and 和 with a trim
 * word gives one event per item; a malformed option is reported with its
 * file and line. */
static void test_split_option_loader(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-split-XXXXXX", path[256];
  split_diag log;
  nlp_rules *r = tmp_rules(dir, path, sizeof path,
                           "group co = 公司名称\n"
                           "rule good\n"
                           "type 被约谈\n"
                           "trigger 约谈\n"
                           "split 公司名称 trim=先生\n"
                           "pattern (?<trig>约谈)(?<co>[A-Z先生、和]+)\n"
                           "rule bad\n"
                           "type 被约谈\n"
                           "trigger 召见\n"
                           "split 公司名称 strip=先生\n"
                           "pattern (?<trig>召见)(?<co>[A-Z]+)\n",
                           NLP_ERULE, &log);
  char want[320];
  snprintf(want, sizeof want, "%s:10: split: expected", path);
  assert_non_null(strstr(log.text, want));
  const char *text = "约谈AB先生、CD和EF先生。";
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, text, strlen(text), NULL, &res), 0);
  assert_int_equal(fx_count(&res, "被约谈", NULL, NULL), 3);
  FX_EXPECT(&res, "被约谈", "公司名称", "AB");
  FX_EXPECT(&res, "被约谈", "公司名称", "CD");
  FX_EXPECT(&res, "被约谈", "公司名称", "EF");
  nlp_result_destroy(&res);
  tmp_rules_done(r, dir, path);
}

/* A listing told by a recent date after 于/自 is a listing; a plan with 拟/
 * 将 before 于 is not, nor a listing years ago in a company's profile. */
static void test_shangshi_listed_since(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "南岭资本去年向东川科技投资3亿元，后者于今年8月在科创板上市。", &res);
  FX_EXPECT(&res, "公司上市", "环节", "正式上市");
  FX_EXPECT(&res, "公司上市", "事件时间", "今年8月");
  nlp_result_destroy(&res);
  fx_run(state, NULL, "这是青禾地产自去年11月上市以来的第一份中期报告。", &res);
  FX_EXPECT(&res, "公司上市", "事件时间", "自去年11月");
  nlp_result_destroy(&res);
  /* the headline's name ends before 公布; it never opens with 未 */
  fx_run(state, "东川地产公布上市后首份半年报",
         "这是公司自去年11月上市以来的首份中期报告。", &res);
  FX_EXPECT(&res, "公司上市", "上市公司", "东川地产");
  nlp_result_destroy(&res);
  fx_run(state, "未按计划增持，东川地产收监管函",
         "东川地产自去年11月上市以来首次收到监管函。", &res);
  assert_int_equal(fx_count(&res, "公司上市", "上市公司", "未按"), 0);
  nlp_result_destroy(&res);
  fx_run(state, NULL, "青禾地产拟于明年上市。", &res);
  assert_int_equal(fx_count(&res, "公司上市", "环节", "正式上市"), 0);
  nlp_result_destroy(&res);
  fx_run(state, NULL, "青禾药业于2010年12月上市，主营化学药品。", &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

/* A prospectus cited for a promise made in it is no listing step: a
 * sell-down notice says "某某在《招股说明书》中承诺…"; a company that files
 * its prospectus still is one. */
static void test_shangshi_prospectus_promise(void **state) {
  const char *text =
      "青禾科技公告，股东陈明远在《招股说明书》中承诺：其减持价格"
      "不低于发行价。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 0);
  nlp_result_destroy(&res);
  text = "青禾科技日前向港交所递交招股书。";
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 1);
  nlp_result_destroy(&res);
}

/* A running total of pledged shares with its share of the holder's stake in
 * the other wordings: "占其直接持有公司股份总数的", "占某某先生直接持有公司股
 * 份数的", "占其所持股比例为", "占其合计所持有公司股份的". */
static void test_zhiya_running_total_held_share(void **state) {
  static const char *const text[] = {
      "截至本公告披露日，胡立新先生累计质押股份数量为2,345万股，"
      "占其直接持有公司股份总数的61.25%，占公司总股本的7.10%。",
      "本次质押后，胡立新先生累计质押股份数量12,500,000股，"
      "占胡立新先生直接持有公司股份数的44.40%，占公司总股本的3.05%。",
      "截至本公告日，控股股东宏远投资累计质押股数约为3120万股，"
      "占其所持股比例为58.02%。",
      "宏远投资及其一致行动人累计质押公司股份1,024,000股，"
      "占其合计所持有公司股份的12.75%，占公司总股本的1.20%。",
  };
  static const char *const want[] = {"61.25%", "44.40%", "58.02%", "12.75%"};
  fx_expect_each(state, "质押", "质押物占持股比", text, want,
                 sizeof text / sizeof *text);
}

/* The announcement's own day: "某网 9月2日，某公司近日发布…" is disclosed 近日
 * (the date is the news item's), "某公司昨日（6月9日）发布…" on the date in
 * brackets. */
static void test_disclose_day_before_verb(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "财经网 9月2日，华信精工（836001）近日发布2020年半年度报告，"
         "2020年上半年公司净亏损312.45万元。",
         &res);
  FX_EXPECT(&res, "亏损", "披露时间", "近日");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "华信精工昨日（6月9日）发布2019年年度报告，2019年公司净亏损"
         "1,204.33万元。",
         &res);
  FX_EXPECT(&res, "亏损", "披露时间", "6月9日");
  nlp_result_destroy(&res);
}

/* A dateline followed by the announcement's own vague day ("某网 4月20日消息，
 * 近日某公司…"), a report opening with it ("近日，…"), and "今日(10月14日)早
 * 间…发布": the day disclosed is 近日, 近日 and 10月14日. */
static void test_gaoguan_recent_day_disclosed(void **state) {
  static const char *const text[] = {
      "财经网 4月20日消息，近日华信精工（600001）董事会审议通过，"
      "聘任周明远为公司副总经理。",
      "近日，华信证券总裁人选落定，公司原副总裁周明远接任总裁。",
      "今日(10月14日)早间，华信置业股份有限公司发布公告，"
      "聘任周明远为公司总经理。",
  };
  static const char *const want[] = {"近日", "近日", "10月14日"};
  fx_expect_each(state, "高管变动", "披露日期", text, want,
                 sizeof text / sizeof *text);
}

/* One director's resignation told twice with two words of one kind is one
 * event ("辞职报告…申请辞去"); one person's appointment to two posts in two
 * sentences is one; leaving and taking a post stay two, as do two people. */
static void test_gaoguan_same_change_once(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "公司董事会近日收到周明远先生的书面辞职报告。周明远先生因个人原因"
         "申请辞去公司财务总监职务。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 1);
  FX_EXPECT(&res, "高管变动", "高管姓名", "周明远");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "董事会审议通过，聘任林晓峰为公司总经理，聘任孙立新为公司财务负责人。"
         "经研究，聘任林晓峰为公司总经理，聘任孙立新为公司财务总监。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 2);
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "周明远先生因个人原因辞去公司董事职务。董事会同意聘任周明远先生为"
         "公司顾问。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 2);
  nlp_result_destroy(&res);
}

/* A malformed "same" line is reported with its file and line; the rules
 * around it still load and work. */
static void test_same_line_loader(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-same-XXXXXX", path[256];
  split_diag log;
  nlp_rules *r = tmp_rules(dir, path, sizeof path,
                           "group who = 高管姓名\n"
                           "group how = 变动类型\n"
                           "rule quit\n"
                           "type 高管变动\n"
                           "trigger 辞职 辞去\n"
                           "pattern (?<who>[A-Z]+)(?<how>(?<trig>辞职|辞去))\n"
                           "same 高管变动 高管姓名 变动类型\n"
                           "same 高管变动 高管姓名 变动类型 辞职|辞去\n",
                           NLP_ERULE, &log);
  char want[320];
  snprintf(want, sizeof want, "%s:7: same: expected", path);
  assert_non_null(strstr(log.text, want));
  const char *text = "AB辞职。AB辞去董事。CD辞职。";
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, text, strlen(text), NULL, &res), 0);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 2);
  FX_EXPECT(&res, "高管变动", "高管姓名", "AB");
  FX_EXPECT(&res, "高管变动", "高管姓名", "CD");
  nlp_result_destroy(&res);
  tmp_rules_done(r, dir, path);
  /* Without a word list: every two events of one winner are one, the
   * first one's values kept. */
  char dir2[] = "/tmp/oppgraph-same-XXXXXX";
  r = tmp_rules(dir2, path, sizeof path,
                "group co = 中标公司\n"
                "group amt = 中标金额\n"
                "rule win\n"
                "type 中标\n"
                "trigger 中标\n"
                "pattern (?<co>[A-Z]+)(?<trig>中标)(?<amt>\\d+)\n"
                "same 中标 中标公司\n",
                0, &log);
  text = "AB中标1。AB中标2。CD中标3。";
  assert_int_equal(nlp_extract(r, NULL, text, strlen(text), NULL, &res), 0);
  assert_int_equal(fx_count(&res, "中标", NULL, NULL), 2);
  FX_EXPECT(&res, "中标", "中标金额", "1");
  FX_EXPECT(&res, "中标", "中标金额", "3");
  nlp_result_destroy(&res);
  tmp_rules_done(r, dir2, path);
}

/* The subject of a US listing named with its ticker: "某某(XX.US)". */
static void test_subject_us_ticker(void **state) {
  nlp_result res;
  fx_run(state, "美股异动 | 华信云(HXY.US)盘初跌超8% 季度净亏损扩大",
         "公布的第二季度未经审计财报显示，净亏损1.25亿美元。", &res);
  FX_EXPECT(&res, "亏损", "公司名称", "华信云");
  nlp_result_destroy(&res);
}

/* A loss told "about" keeps the word (约3亿-4亿元), and the headline's
 * "3亿-4亿元" is the same figure: one event. */
static void test_kuisun_about_amount(void **state) {
  nlp_result res;
  fx_run(state, "华信精工预计2020年净亏损3亿-4亿元",
         "华信精工发布业绩预告，预计2020年将净亏损约3亿-4亿元。", &res);
  assert_int_equal(fx_count(&res, "亏损", NULL, NULL), 1);
  FX_EXPECT(&res, "亏损", "净亏损", "约3亿-4亿元");
  /* the headline's name stops before 预计 */
  FX_EXPECT(&res, "亏损", "公司名称", "华信精工");
  nlp_result_destroy(&res);
}

/* The change of a loss told with an adverb or as 增大: "亏损大幅减少",
 * "较上年同期亏损增大". */
static void test_kuisun_change_words(void **state) {
  nlp_result res;
  fx_run(state, NULL, "华信精工2019年净亏损550.97万元，较上年同期亏损增大。",
         &res);
  FX_EXPECT(&res, "亏损", "亏损变化", "增大");
  nlp_result_destroy(&res);
  fx_run(state, NULL, "华信精工预期年度股东应占亏损大幅减少。", &res);
  FX_EXPECT(&res, "亏损", "亏损变化", "减少");
  nlp_result_destroy(&res);
}

/* Pledges falling due are no pledge: "未来半年内将到期的质押股份数量累计…股";
 * DuEE-Fin files them as releases (解除质押, trigger 到期), the period as
 * their time; "未来半年内" is no pledgor. */
static void test_zhiya_falling_due(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "控股股东未来半年内将到期的质押股份数量累计1,234.56万股，占其所持股份"
         "的12.08%，占公司总股本的3.38%，对应融资余额1.25亿元。",
         &res);
  assert_int_equal(fx_count(&res, "质押", NULL, NULL), 0);
  FX_EXPECT(&res, "解除质押", "事件时间", "未来半年内");
  FX_EXPECT(&res, "解除质押", "质押股票/股份数量", "1,234.56万");
  FX_EXPECT(&res, "解除质押", "质押物占持股比", "12.08%");
  assert_int_equal(fx_count(&res, "解除质押", "质押方", "未来半年内"), 0);
  nlp_result_destroy(&res);
}

/* Amounts keep their 约 (DuEE-Fin writes 约1.2亿元): a sale's proceeds. */
static void test_jianchi_about_amount(void **state) {
  nlp_result res;
  fx_run(
      state, NULL,
      "华信精工股东周明远通过集中竞价方式减持公司股份120万股，套现约1.2亿元。",
      &res);
  FX_EXPECT(&res, "股东减持", "交易金额", "约1.2亿元");
  nlp_result_destroy(&res);
}

/* A buyback's share of the capital in more wordings: before the buyback,
 * before an issue, with the capital's share count in between. */
static void test_huigou_share_wordings(void **state) {
  static const char *const text[] = {
      "截至本公告日，本公司共计回购H股1,234,000股，占本次回购前公司总股本的"
      "0.12%。",
      "华信控股公布，于2020年6月22日回购121万股，占发行前已发行股份0.0194%，"
      "每股回购价介乎3.64港元至3.73港元。",
      "公司通过集中竞价方式累计回购股份数量为1,020,686股，占公司总股本"
      "519,802,650股的0.1964%。",
  };
  static const char *const want[] = {"0.12%", "0.0194%", "0.1964%"};
  fx_expect_each(state, "股份回购", "占公司总股本比例", text, want,
                 sizeof text / sizeof *text);
}

/* The stock a sale is of, named with its quote right after the verb:
 * "违规减持某某(4.670,0.03,0.65%)". */
static void test_jianchi_stock_after_verb(void **state) {
  nlp_result res;
  fx_run(state, "连续违规减持 华信精工收监管函",
         "原标题：连续违规减持华信精工(4.670,0.03,0.65%)收监管函 公司股东周明远"
         "于2020年6月减持公司股份120万股。",
         &res);
  FX_EXPECT(&res, "股东减持", "股票简称", "华信精工");
  nlp_result_destroy(&res);
}

/* A planned sale's period from a date, or "未来N个月内". */
static void test_jianchi_plan_periods(void **state) {
  static const char *const text[] = {
      "公司控股股东华信控股有限公司拟于2021年5月29日起15个交易日后的6个月内，"
      "通过集中竞价方式减持公司股份不超过1,234,567股。",
      "公司股东周明远计划于未来6个月内，以集中竞价方式减持不超过454万股公司"
      "股份。",
  };
  static const char *const want[] = {"2021年5月29日起15个交易日后的6个月内",
                                     "未来6个月内"};
  fx_expect_each(state, "股东减持", "交易完成时间", text, want,
                 sizeof text / sizeof *text);
}

/* A post given up without a resignation word: "不再担任". */
static void test_gaoguan_no_longer_holds(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "自本次董事会决议作出之日起，周明远先生不再担任公司董事会提名委员会"
         "主席。",
         &res);
  FX_EXPECT(&res, "高管变动", "变动类型", "不再担任");
  nlp_result_destroy(&res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_zhongbiao_quoted_object_full_winner),
      cmocka_unit_test(test_bracketed_reposted_title),
      cmocka_unit_test(test_zhongbiao_brackets_and_result_notice),
      cmocka_unit_test(test_dateline_is_disclosure),
      cmocka_unit_test(test_zhongbiao_subsidiary_wins),
      cmocka_unit_test(test_zhongbiao_subsidiary_after_alias),
      cmocka_unit_test(test_zhongbiao_notice_date_and_price_item),
      cmocka_unit_test(test_zhongbiao_result_notice_items_above),
      cmocka_unit_test(test_amount_with_currency_after),
      cmocka_unit_test(test_zhongbiao_project_item_note),
      cmocka_unit_test(test_shougou_full_names_and_descriptor),
      cmocka_unit_test(test_shougou_shares_held_by_another),
      cmocka_unit_test(test_short_and_full_names_merge),
      cmocka_unit_test(test_shougou_subsidiary_buyer_and_price),
      cmocka_unit_test(test_shougou_no_generic_parties),
      cmocka_unit_test(test_shougou_announcer_is_buyer),
      cmocka_unit_test(test_shougou_completion_date_opens_clause),
      cmocka_unit_test(test_gaoguan_post_after_resign_verb),
      cmocka_unit_test(test_gaoguan_appointee_first),
      cmocka_unit_test(test_gaoguan_subject_post_nomination),
      cmocka_unit_test(test_gaoguan_post_name_comma),
      cmocka_unit_test(test_gaoguan_letter_and_post_one_change),
      cmocka_unit_test(test_gaoguan_new_post_after_company_and_death),
      cmocka_unit_test(test_gaoguan_effective_from),
      cmocka_unit_test(test_gaoguan_bare_needs_post),
      cmocka_unit_test(test_gaoguan_list_one_event_each),
      cmocka_unit_test(test_shangshi_wordings),
      cmocka_unit_test(test_shangshi_lookalikes),
      cmocka_unit_test(test_shangshi_headline_description),
      cmocka_unit_test(test_shangshi_first_day_and_candidate),
      cmocka_unit_test(test_shangshi_prospectus_promise),
      cmocka_unit_test(test_shangshi_listed_since),
      cmocka_unit_test(test_subject_before_announcement_date),
      cmocka_unit_test(test_deal_lookalikes),
      cmocka_unit_test(test_yuetan_government),
      cmocka_unit_test(test_yuetan_list_one_event_each),
      cmocka_unit_test(test_split_option_loader),
      cmocka_unit_test(test_headline_to_matching_body_event),
      cmocka_unit_test(test_zhiya_running_total_held_share),
      cmocka_unit_test(test_disclose_day_before_verb),
      cmocka_unit_test(test_gaoguan_recent_day_disclosed),
      cmocka_unit_test(test_gaoguan_same_change_once),
      cmocka_unit_test(test_same_line_loader),
      cmocka_unit_test(test_subject_us_ticker),
      cmocka_unit_test(test_kuisun_about_amount),
      cmocka_unit_test(test_kuisun_change_words),
      cmocka_unit_test(test_zhiya_falling_due),
      cmocka_unit_test(test_jianchi_about_amount),
      cmocka_unit_test(test_huigou_share_wordings),
      cmocka_unit_test(test_jianchi_stock_after_verb),
      cmocka_unit_test(test_jianchi_plan_periods),
      cmocka_unit_test(test_gaoguan_no_longer_holds),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
