/*
 * test_nlp_extract_b.c — the bundled rules (data/rules) for shareholders'
 * trades (股东减持 / 股东增持), losses (亏损), pledges (质押 / 解除质押),
 * financing (企业融资), bankruptcy (企业破产) and buybacks (股份回购), one
 * test per pattern class fixed in issue 3's extraction rounds.  Every
 * sentence is invented for this test (none comes from DuEE-Fin).  A test
 * names the argument it expects (or must not see) for an event type: an
 * event of that type has to hold it, whichever of the document's events it
 * is, and every argument must be a verbatim span of the title or text
 * (the set-up and that check are extract_fixture.h's).
 */
#include <unistd.h>

#include "extract_fixture.h"

/* Fails (listing the events) unless an event of type has role = want. */
static void expect(void **state, const char *title, const char *text,
                   const char *type, const char *role, const char *want) {
  nlp_result res;
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, type, role, want);
  nlp_result_destroy(&res);
}

/* Fails unless no event of type has role = bad (bad NULL: the role at all). */
static void refuse(void **state, const char *title, const char *text,
                   const char *type, const char *role, const char *bad) {
  nlp_result res;
  fx_run(state, title, text, &res);
  int n = fx_count(&res, type, role, bad);
  nlp_result_destroy(&res);
  if (n)
    fail_msg("%s/%s \"%s\" found in \"%s\"", type, role, bad ? bad : "*",
             text);
}

/* Fails unless the text gives no event of type. */
static void refuse_event(void **state, const char *title, const char *text,
                         const char *type) {
  nlp_result res;
  fx_run(state, title, text, &res);
  int n = fx_count(&res, type, NULL, NULL);
  nlp_result_destroy(&res);
  if (n)
    fail_msg("%d %s event(s) in \"%s\"", n, type, text);
}

/* A name after a holder title opens with a surname: "股东接连减持",
 * "高管先后增持", "董事即作出减持" name no holder, "股东于近日减持" neither,
 * while 于 is a surname in "股东于文博减持". */
static void test_holder_name_has_surname(void **state) {
  refuse(state, "青禾科技两名股东接连减持", "青禾科技两名股东接连减持公司股份。",
         "股东减持", "减持方", "接连");
  refuse(state, "青禾科技：高管先后增持", "今年青禾科技的高管先后增持公司股份。",
         "股东增持", "增持方", "先后");
  refuse(state, "青禾科技公告", "青禾科技的董事即作出减持，合计减持20万股。",
         "股东减持", "减持方", "即作");
  refuse(state, "青禾科技公告", "青禾科技股东于近日减持公司股份30万股。",
         "股东减持", "减持方", "于近日");
  expect(state, "青禾科技公告", "青禾科技股东于文博减持公司股份30万股。",
         "股东减持", "减持方", "于文博");
  expect(state, "青禾科技公告", "青禾科技董事欧阳明远增持公司股份12万股。",
         "股东增持", "增持方", "欧阳明远");
  /* a name before 等 or a quote: "董事周某等多名董监高", "董事周某“高位”减持" */
  expect(state, "青禾科技：董事周建明等多名董监高拟合计减持不超过1%",
         "青禾科技公告，董事周建明等多名董监高拟合计减持不超过1%。", "股东减持",
         "减持方", "周建明");
  expect(state, "青禾科技董事周建明“高位”减持", "董事周建明“高位”减持公司股份10万股。",
         "股东减持", "减持方", "周建明");
  refuse(state, "青禾科技股东们也开始减持", "青禾科技的股东们也开始减持。", "股东减持",
         "减持方", "们也开始");
}

/* Losses told in report wording: a negative profit after "发布…报告" is the
 * loss (without its sign) and the report names the period; a Hong Kong
 * period "截至…止6个月" is taken whole; "亏损程度有所增加" is the change,
 * and a per-cent change is the loss's only when told after it (not the
 * revenue's told before). */
static void test_kuisun_report_wording(void **state) {
  const char *t1 = "青禾农业2021年上半年亏损85.12万";
  const char *x1 = "青禾农业（871234）近日发布2021年半年度报告，报告期内公司实现营"
                   "业收入3,456,789.00元，同比减少12.50%；实现归属于挂牌公司股东"
                   "的净利润-851,234.56元，较上年同期亏损程度有所增加。";
  expect(state, t1, x1, "亏损", "净亏损", "851,234.56元");
  expect(state, t1, x1, "亏损", "财报周期", "2021年半年度");
  expect(state, t1, x1, "亏损", "亏损变化", "增加");
  refuse(state, t1, x1, "亏损", "亏损变化", "同比减少12.50%");
  const char *t2 = "远山控股(01234)中期亏损扩大";
  const char *x2 = "远山控股(01234)公布，截至2021年6月30日止6个月，该集团收益约1.2亿"
                   "港元，公司拥有人应占亏损约3456.7万港元，同比增加20.5%。";
  expect(state, t2, x2, "亏损", "财报周期", "截至2021年6月30日止6个月");
  expect(state, t2, x2, "亏损", "亏损变化", "同比增加20.5%");
}

/* The pledgor after a holder title is a name, not the shares
 * ("股东股份累计被质押", "控股股东部分股权质押"); a new pledge is dated by
 * its own term, the running total by its as-of phrase, also when the month
 * is written with spaces ("截至 2021年 6月底"). */
static void test_zhiya_pledgor_and_term(void **state) {
  const char *t1 = "远山科技股份有限公司关于控股股东部分股权质押的公告";
  const char *x1 = "远山科技股份有限公司于2021年3月2日接到控股股东远山投资集团有限公司"
                   "的通知，获悉其所持有本公司的部分股份被质押。\n二、股东股份累计被质押"
                   "的情况\n截至本公告披露日，股东股份累计质押12,345,678股，占公司总股本"
                   "的5.01%。";
  refuse(state, t1, x1, "质押", "质押方", "股份");
  refuse(state, t1, x1, "质押", "质押方", "部分股权");
  const char *t2 = "远山科技股东周建明质押500万股";
  const char *x2 = "远山科技股东周建明向青禾证券股份有限公司质押500万股，用于融资。"
                   "本次质押股数500万股，占其所持股份比例为4.10%，质押日期自2021年3月1日"
                   "至2023年2月28日，质权人为青禾证券股份有限公司。";
  expect(state, t2, x2, "质押", "事件时间", "2021年3月1日至2023年2月28日");
  expect(state, t2, x2, "质押", "质押方", "周建明");
  const char *t3 = "远山科技：控股股东减持完成";
  const char *x3 = "截至 2021年 6月底，控股股东周建明累计质押公司股份 1，200万股，占公司总"
                   "股本的3.46%。";
  expect(state, t3, x3, "质押", "事件时间", "截至 2021年 6月底");
}

/* The stock's short name is the one the header gives ("证券简称：某某") or
 * the one a news page annotates with its quote ("某某(8.120,-0.11,-1.34%)"),
 * not the headline's opening words nor the full name of the title. */
static void test_stock_short_name(void **state) {
  const char *t1 = "远山科技6天4板：董事周建明拟减持";
  const char *x1 = "原标题：远山科技(8.120,-0.11,-1.34%)6天4板：董事周建明拟减持\n"
                   "远山科技董事周建明计划减持公司股份不超过20万股。";
  expect(state, t1, x1, "股东减持", "股票简称", "远山科技");
  const char *t2 = "青禾远山科技股份有限公司关于董事增持公司股份的公告";
  const char *x2 = "证券代码：600999 证券简称：青禾科技 公告编号：2021-018\n"
                   "公司董事周建明于2021年3月2日增持公司股份10万股。";
  expect(state, t2, x2, "股东增持", "股票简称", "青禾科技");
  const char *t3 = "远山科技业绩颓势难止 上半年亏损3000万元";
  const char *x3 = "远山科技(8.120,-0.11,-1.34%)发布公告，上半年亏损3000万元。";
  expect(state, t3, x3, "亏损", "公司名称", "远山科技");
}

/* Several holders, each opening a clause with the date of his trades, are
 * several events, each with its own holder, dates and share count. */
static void test_jianchi_dated_holders(void **state) {
  const char *t = "远山科技：两名股东减持计划期满";
  const char *x = "远山科技公布，两名股东的减持计划期限已届满。青禾投资有限公司于2021年"
                  "1月4日-2021年3月31日累计减持约1234.5万股，减持比例2.50%；周建明于"
                  "2021年2月1日-2021年2月26日累计减持约345.6万股，减持比例0.70%。";
  nlp_result res;
  fx_run(state, t, x, &res);
  if (fx_count(&res, "股东减持", "减持方", "青禾投资有限公司") != 1 ||
      fx_count(&res, "股东减持", "减持方", "周建明") != 1 ||
      fx_count(&res, "股东减持", "交易股票/股份数量", "约1234.5万") != 1 ||
      fx_count(&res, "股东减持", "交易股票/股份数量", "约345.6万") != 1 ||
      fx_count(&res, "股东减持", "交易完成时间",
                "2021年2月1日-2021年2月26日") != 1) {
    FX_EXPECT(&res, "股东减持", "减持方", "(two holders, one event each)");
    fail_msg("two dated holders should give two 股东减持 events");
  }
  nlp_result_destroy(&res);
}

/* Who goes bankrupt is named in the court's words ("申请对某某进行破产重整",
 * "受理某某有限公司的破产清算申请", "裁定宣告某某有限公司破产"), not taken
 * from the headline; a law's or a case's name is no bankruptcy. */
static void test_pochan_court_wording(void **state) {
  const char *t = "远山科技：法院受理公司控股股东破产重整";
  expect(state, t, "远山科技公告，债权人向法院申请对青禾集团进行破产重整。",
         "企业破产", "破产公司", "青禾集团");
  expect(state, t,
         "法院裁定受理公司控股股东青禾控股集团有限公司的破产清算申请。",
         "企业破产", "破产公司", "青禾控股集团有限公司");
  expect(state, t, "法院裁定宣告青禾新能源有限公司破产。", "企业破产",
         "破产公司", "青禾新能源有限公司");
  refuse(state, "远山科技：管理人已确定",
         "依照《关于审理企业破产案件指定管理人的规定》，指定管理人。",
         "企业破产", "破产公司", "审理企业");
}

/* Financing rounds: an investor named "某某投资基金" is not cut at 投资 (the
 * verb), the list after "投资方为" ends with its last item, a Latin-script
 * company is the one financed, and a news dateline ("6月2日讯") is when it
 * was published, not when the round closed. */
static void test_rongzi_investors_and_dateline(void **state) {
  const char *t1 = "青禾智能完成近亿元A轮融资";
  const char *x1 = "近日，青禾智能已完成近亿元A轮融资。本轮融资由远山投资基金领投，"
                   "北辰资本、南湖创投跟投。";
  expect(state, t1, x1, "企业融资", "投资方", "远山投资基金");
  refuse(state, t1, x1, "企业融资", "投资方", "远山");
  const char *t2 = "Blue Harbor Robotics完成1200万美元B轮融资";
  const char *x2 = "雷锋网6月2日讯，Blue Harbor Robotics完成1200万美元B轮融资，"
                   "投资方为北辰资本。";
  expect(state, t2, x2, "企业融资", "投资方", "北辰资本");
  expect(state, t2, x2, "企业融资", "被投资方", "Blue Harbor Robotics");
  expect(state, t2, x2, "企业融资", "披露时间", "6月2日");
  refuse(state, t2, x2, "企业融资", "事件时间", "6月2日");
}

/* Without a disclosure phrase, a news dateline ("格隆汇3月8日丨") tells when
 * a trade or a pledge was made public. */
static void test_dateline_is_disclosure(void **state) {
  const char *t = "远山科技：股东周建明减持120万股";
  const char *x = "格隆汇3月8日丨远山科技股东周建明于2021年3月5日减持公司股份120万股。";
  expect(state, t, x, "股东减持", "披露时间", "3月8日");
  const char *t2 = "远山科技股东周建明质押500万股";
  const char *x2 = "全景网3月8日讯 远山科技股东周建明向青禾证券股份有限公司质押500万股。";
  expect(state, t2, x2, "质押", "披露时间", "3月8日");
}

/* The share of the capital told with the trade ("减持比例1.50%", "拟减持不超过
 * 2%", "增持3%-5%") or of a named company's capital ("占远山科技总股本的
 * 0.80%"). */
static void test_trade_share_of_capital(void **state) {
  expect(state, "远山科技：股东减持计划期满",
         "青禾投资有限公司于2021年1月4日-2021年3月31日累计减持约123万股，"
         "减持比例1.50%。",
         "股东减持", "减持部分占总股本比例", "1.50%");
  expect(state, "远山科技：持股8%股东周建明拟减持不超过2%",
         "远山科技公告，持股8%的股东周建明拟减持不超过2%。", "股东减持",
         "减持部分占总股本比例", "不超过2%");
  expect(state, "远山科技：控股股东拟继续增持",
         "青禾集团于2021年3月5日增持远山科技股份80万股，占远山科技总股本的"
         "0.80%。",
         "股东增持", "增持部分占总股本比例", "0.80%");
}

/* The shares of a pledge told right after its count belong to it; a share
 * of the capital told of the holder's whole stake does not. */
static void test_zhiya_share_of_pledge(void **state) {
  const char *t = "远山科技：控股股东周建明解除质押及再质押";
  const char *x = "截至本公告披露日，周建明持有公司股份8000万股，占公司总股本的40.00%，"
                  "累计质押股份3000万股，占其所持股份的37.50%，占公司总股本的15.00%。";
  expect(state, t, x, "质押", "质押物占总股比", "15.00%");
  expect(state, t, x, "质押", "质押物占持股比", "37.50%");
  refuse(state, t, x, "质押", "质押物占总股比", "40.00%");
  const char *x2 = "周建明解除质押1000万股，占其所持股份比例12.50%。周建明持有公司股份"
                   "8000万股，占公司总股本的40.00%。";
  refuse(state, t, x2, "解除质押", "质押物占总股比", "40.00%");
}

/* The holder opening the clause of a pledged total is its pledgor when no
 * holder title names one ("截至本公告披露日，周建明共持有…，累计质押…"); a
 * clause word ("获悉其所持…", "占其所持…") is none. */
static void test_zhiya_clause_pledgor(void **state) {
  const char *t = "远山科技关于股东部分股份质押的公告";
  const char *x = "截至本公告披露日，周建明共持有公司股份8000万股，累计质押3000万股，"
                  "占其所持股份的37.50%。";
  expect(state, t, x, "质押", "质押方", "周建明");
  const char *x2 = "公司近日收到通知，获悉其所持有的部分股份被质押，累计质押3000万股，"
                   "占其所持股份的37.50%。";
  refuse(state, t, x2, "质押", "质押方", "获悉其");
  refuse(state, t, x2, "质押", "质押方", "占其");
}

/* The pledgee of a release is named where the shares were pledged
 * ("将原质押给某某的股份…解除质押") or where the release was registered
 * ("某某于…办理了…解除质押手续", "在某某办理了股份解除质押"). */
static void test_jiechu_pledgee(void **state) {
  const char *t = "远山科技：控股股东周建明解除质押1000万股";
  expect(state, t,
         "公司控股股东周建明于2021年3月4日将原质押给青禾证券股份有限公司的公司股份"
         "1000万股解除质押。",
         "解除质押", "质权方", "青禾证券股份有限公司");
  expect(state, t,
         "北辰证券股份有限公司于2021年3月4日办理了控股股东周建明持有公司1000万股"
         "股份的解除质押手续。",
         "解除质押", "质权方", "北辰证券股份有限公司");
}

/* Loss look-alikes: an impairment (减值亏损), the figure without one-off
 * items told beside the loss, a segment's loss and a loss-making subsidiary
 * are no loss events of their own. */
static void test_kuisun_lookalikes(void **state) {
  const char *t = "远山科技发布半年报";
  const char *x = "远山科技发布半年报，归属于上市公司股东的净亏损1.2亿元；扣除非经常性损益的"
                  "净亏损1.3亿元。";
  refuse(state, t, x, "亏损", "净亏损", "1.3亿元");
  refuse(state, "远山科技：上半年业绩",
         "去年同期确认了资产的减值亏损约300万元。", "亏损", "净亏损", NULL);
  refuse_event(state, "远山科技：出售进展", "公司拟出售处于亏损中的子公司。", "亏损");
}

/* A Hong Kong buyback notice's running total since the mandate is an event
 * of its own, dated by that period, beside the day's buyback. */
static void test_huigou_running_total(void **state) {
  const char *t = "远山控股(01234)回购12万股 涉资30万港元";
  const char *x = "远山控股(01234)公布，于2021年03月05日回购12万股，每股回购价介乎2.48港元"
                  "至2.52港元，涉资30万港元。\n本年内至今为止（自普通决议案通过以来）累计"
                  "购回证券数目为345.6万股，占于普通决议案通过时已发行股份数目的0.512%。";
  nlp_result res;
  fx_run(state, t, x, &res);
  if (fx_count(&res, "股份回购", "回购完成时间", "本年内至今为止") != 1 ||
      fx_count(&res, "股份回购", "回购股份数量", "345.6万") != 1 ||
      fx_count(&res, "股份回购", "占公司总股本比例", "0.512%") != 1 ||
      fx_count(&res, "股份回购", "回购股份数量", "12万") != 1) {
    FX_EXPECT(&res, "股份回购", "回购完成时间", "(two events)");
    fail_msg("the day's buyback and the running total are two events");
  }
  nlp_result_destroy(&res);
}

/* A pledge's repurchase (延期购回, 提前购回, 质押式回购) is no buyback. */
static void test_huigou_not_pledge_repurchase(void **state) {
  refuse_event(state, "远山科技：控股股东周建明延期购回1000万股",
               "周建明将其质押的1000万股办理了股票质押式回购交易的延期购回，"
               "未提前购回。",
               "股份回购");
}

/* Talk of a pledge's extension, margin call or ratio is no new pledge. */
static void test_zhiya_lookalikes(void **state) {
  const char *t = "远山科技：控股股东质押处于安全区域";
  const char *texts[] = {"目前控股股东质押处于安全区域，不存在质押爆仓风险。",
                         "周建明将其所持公司股份进行了质押延期。"};
  for (size_t k = 0; k < 2; k++)
    refuse_event(state, t, texts[k], "质押");
}

/* A planned trading period is taken without a leading 在, also with the
 * trading days in Chinese numerals and a count of calendar days. */
static void test_jianchi_plan_period(void **state) {
  const char *t = "远山科技：股东周建明拟减持不超过1%";
  expect(state, t,
         "股东周建明计划在本公告之日起15个交易日后的六个月内减持不超过100万股。",
         "股东减持", "交易完成时间", "本公告之日起15个交易日后的六个月内");
  expect(state, t,
         "股东周建明自本公告披露之日起十五个交易日后的90个自然日内可能减持不超过"
         "100万股。",
         "股东减持", "交易完成时间", "自本公告披露之日起十五个交易日后的90个自然日内");
}

/* A bankruptcy only feared, ruled out, hypothetical or of a person is none. */
static void test_pochan_lookalikes(void **state) {
  const char *t = "远山科技经营承压";
  const char *texts[] = {"远山科技目前面临破产困境，正在寻找投资人。",
                         "远山科技表示，未来不排除破产重整。",
                         "董事长称，远山科技离破产还有三个月。",
                         "债权人申请判定其董事长个人破产。"};
  for (size_t k = 0; k < 4; k++)
    refuse_event(state, t, texts[k], "企业破产");
}

/* One bankruptcy told under the company's full name and under its short
 * name (region and trade word dropped: 青禾集团 for 东海青禾电子集团有限公司)
 * is one event; a different company's is another. */
static void test_pochan_short_and_full_name(void **state) {
  const char *t = "远山科技：控股股东被法院裁定受理破产清算";
  const char *x = "债权人向法院申请对青禾集团进行破产清算。法院受理了此案，"
                  "并裁定受理债权人对东海青禾电子集团有限公司的破产清算申请。";
  nlp_result res;
  fx_run(state, t, x, &res);
  int n = fx_count(&res, "企业破产", NULL, NULL);
  nlp_result_destroy(&res);
  assert_int_equal(n, 1);
  const char *y = "债权人向法院申请对青禾集团进行破产清算。法院同日裁定受理"
                  "债权人对东海远帆电子集团有限公司的破产清算申请。";
  fx_run(state, t, y, &res);
  n = fx_count(&res, "企业破产", NULL, NULL);
  nlp_result_destroy(&res);
  assert_int_equal(n, 2);
}

/* A release names the pledge it ends further on in its clause ("解除…股权质
 * 押", "解除了质押"): that is no new pledge; a pledge made anew after the
 * release ("解除质押及再次办理质押") is one. */
static void test_zhiya_release_clause(void **state) {
  const char *t = "远山科技：股东周建明部分股份变动";
  const char *texts[] = {"近日，公司收到股东周建明解除500万股股权质押的通知。",
                         "股东周建明持有的公司部分股份已解除了质押。"};
  for (size_t k = 0; k < 2; k++)
    refuse_event(state, t, texts[k], "质押");
  nlp_result res;
  fx_run(state, t, "获悉其将所持有公司的部分股份解除质押及再次办理质押。", &res);
  int n = fx_count(&res, "质押", NULL, NULL);
  nlp_result_destroy(&res);
  assert_int_equal(n, 1);
}

/* A running total of pledges is dated by the 截至 of the sentence before
 * ("截至本公告日，某某持有…。某某累计质押…"). */
static void test_zhiya_total_dated_before(void **state) {
  expect(state, "远山科技：股东周建明部分股份质押",
         "截至本公告日，周建明持有公司股份5000万股，占公司总股本的10%。"
         "周建明累计质押股份3000万股，占其所持股份的60%。",
         "质押", "事件时间", "截至本公告日");
}

/* A running total counted in 股数 ("累计质押股数约为2800万股") is a pledge
 * of its own: the holder's and the concert party's totals are two. */
static void test_zhiya_total_in_shares(void **state) {
  const char *x = "截至本公告日，控股股东远山投资累计质押股数约为2832万股，占其所持股份"
                  "比例为52.88%。其一致行动人周建明先生累计质押股数约为2800万股，"
                  "占其所持股份比例为60.47%。";
  expect(state, "远山科技：控股股东远山投资解除质押", x, "质押",
         "质押物占持股比", "60.47%");
}

/* The same period a year before, told as a negative figure after a negative
 * profit, is a loss of its own ("净利润-300.5万元，上年同期为-120.3万元");
 * after a per-share figure it is none. */
static void test_kuisun_year_before(void **state) {
  const char *t = "远山科技发布半年报";
  const char *x = "报告期内，公司实现营业收入5000万元；净利润-300.5万元，上年同期为"
                  "-120.3万元。";
  expect(state, t, x, "亏损", "净亏损", "120.3万元");
  expect(state, t, x, "亏损", "财报周期", "上年同期");
  refuse(state, t, "报告期内，基本每股收益为-0.04元，上年同期为-0.02元。", "亏损",
         "财报周期", "上年同期");
}

/* 企业收购: the price told with 以 right before the verb is the deal's
 * amount, whoever the buyer and whatever stands between ("以…现金收购",
 * "以现金方式约…收购", "以象征性的…收购"). */
static void test_shougou_price_before_verb(void **state) {
  const char *t = "远山科技发布公告";
  expect(state, t, "远山科技还宣布，以3.6亿元现金收购青禾软件100%股权。",
         "企业收购", "交易金额", "3.6亿元");
  expect(state, t,
         "随后，远山科技以现金方式约2.2亿欧元收购青禾集团全部资产，收购完成后"
         "公司规模翻倍。",
         "企业收购", "交易金额", "约2.2亿欧元");
  expect(state, t, "两家投资公司正在洽谈以象征性的1欧元收购青禾的零售业务。",
         "企业收购", "交易金额", "1欧元");
}

/* 企业收购: a headline names the buyer before the verb behind a rumour word
 * or a column name (传…接近达成收购, 某网：…收购); the buyer is the name, not
 * the words around it. A meeting of listed companies on mergers names none. */
static void test_shougou_headline_buyer(void **state) {
  expect(state, "传青禾科技接近达成收购远山软件的协议",
         "据知情人士称，双方的收购谈判已进入最后阶段。", "企业收购", "收购方",
         "青禾科技");
  expect(state, "远山观察：青禾集团30亿美元收购要约生变",
         "分析师表示，这项收购要约仍有不确定性。",
         "企业收购", "收购方", "青禾集团");
  refuse(state, "2019青禾上市公司并购年会在远山举行",
         "9月5日，年会在远山成功举行。", "企业收购", "收购方",
         "2019青禾上市公司");
}

/* 中标: the tendering party named right before its project is the 招标方,
 * and the project is the rest: a bank, a broker, a grid or a carrier with its
 * branch, a listed one with its quote and branch in brackets. */
static void test_zhongbiao_tenderer_before_project(void **state) {
  const char *t = "远山科技发布中标公告";
  expect(state, t,
         "远山科技公告，公司被确定为青禾银行(3.210,0.00,0.00%)（江南省分行）"
         "安防系统建设项目的中标人之一，中标金额2962万元。",
         "中标", "招标方", "青禾银行(3.210,0.00,0.00%)（江南省分行）");
  expect(state, t,
         "远山科技公告，公司被确定为青禾银行(3.210,0.00,0.00%)（江南省分行）"
         "安防系统建设项目的中标人之一，中标金额2962万元。",
         "中标", "中标标的", "安防系统建设项目");
  expect(state, "远山科技中标青禾证券 数据中心升级改造项目",
         "近日，远山科技的服务器中标青禾证券数据中心升级改造项目。", "中标",
         "招标方", "青禾证券");
  expect(state, t, "近日，远山科技成功中标青禾移动江北分公司ICT项目，金额544万元。",
         "中标", "招标方", "青禾移动江北分公司");
}

/* 企业破产: the debt is the balance sheet's total liabilities told a few
 * sentences away from the bankruptcy, and the creditor is the one named
 * "债权人" that applies. */
static void test_pochan_debt_and_creditor(void **state) {
  const char *t = "远山电力子公司申请破产清算";
  expect(state, t,
         "远山电力发布公告，子公司青禾光伏申请破产清算。青禾光伏成立于2008年。"
         "该公司多年停产。截至去年6月底，青禾光伏资产总额3.1亿元，负债总额"
         "12.45亿元，所有者权益为负。",
         "企业破产", "债务规模", "12.45亿元");
  expect(state, "远山电子：控股股东被法院裁定受理破产清算",
         "公司获知青禾集团的债权人远山创业投资有限公司(以下简称“远山创投”)以"
         "青禾集团无法清偿到期债务为由，向法院申请对青禾集团进行破产清算。",
         "企业破产", "债权人", "远山创业投资有限公司");
}

/* 企业收购: the target and what is bought when the buyer stands further
 * back (公司拟收购…, 以约…亿元完成收购…), and more kinds of what is bought
 * (全部资产, 186家门店, …股权及债权). */
static void test_shougou_target_after_intent(void **state) {
  const char *t = "远山科技发布收购公告";
  expect(state, t,
         "远山科技公告称，针对公司拟收购青禾酒业连锁股份有限公司（以下简称“青禾"
         "酒业”）不低于51.2%的股份，尽职调查仍在推进中。",
         "企业收购", "被收购方", "青禾酒业连锁股份有限公司");
  expect(state, t, "随后，远山服饰以现金方式约2.1亿欧元收购法国青禾集团全部资产。",
         "企业收购", "收购标的", "全部资产");
  expect(state, "远山超市将收购青禾便利186家门店",
         "远山超市将收购青禾便利186家门店。远山超市表示，交易尚待批准。",
         "企业收购", "收购标的", "186家门店");
}

/* 企业收购: a target bought by a buyer told a clause before (…宣布…，将以…
 * 现金收购…), a Latin name with its second word, a short name followed by
 * its stock quote. */
static void test_shougou_target_without_buyer_before(void **state) {
  const char *t = "远山医药发布收购公告";
  expect(state, t,
         "远山医药宣布已达成协议，将以9.5亿美元现金收购生物技术公司Qinghe "
         "Therapeutics，交易预计年内完成。",
         "企业收购", "被收购方", "Qinghe Therapeutics");
  expect(state, t,
         "据知情人士称，远山通信接近达成以约50亿美元现金收购软件公司青禾软件"
         "(20.41,-0.05,-0.24%)企业部门的协议。",
         "企业收购", "被收购方", "青禾软件");
}

/* 企业收购: a date opening the lead, the company announcing further on, is
 * when the deal was disclosed (9月3日，某某Pharmaceuticals宣布…; 某报讯（记者
 * 甲乙）10月19日，某某有限公司（以下简称…）发布公告称…). */
static void test_shougou_lead_date_disclosed(void **state) {
  expect(state, "远山医药收购青禾生物",
         "9月3日，Yuanshan Pharmaceuticals宣布已达成一项确定性协议，将以9.5亿"
         "美元现金收购生物技术公司青禾生物。",
         "企业收购", "披露时间", "9月3日");
  expect(state, "远山股份对青禾酒业收购尽调尚在进行",
         "远山商报讯（记者张三）10月19日，远山自动化股份有限公司（以下简称“远山"
         "股份”）发布公告称，公司拟收购青禾酒业连锁股份有限公司不低于51.2%的股"
         "份。",
         "企业收购", "披露时间", "10月19日");
}

/* 中标: the members of a consortium that wins are the winners, each a value
 * of 中标公司 in the one event (甲有限公司、乙有限公司等组成的联合体，中标…). */
static void test_zhongbiao_consortium_members(void **state) {
  const char *t = "远山科技：子公司联合中标1.87亿元EPC合同";
  const char *x = "据某采购网消息，远山环境建设（北京）有限公司、青禾水利工程有限公司等组"
                  "成的联合体，中标平安县农村污水治理项目EPC工程总承包项目，中标金额约"
                  "1.87亿元。";
  expect(state, t, x, "中标", "中标公司", "远山环境建设（北京）有限公司");
  expect(state, t, x, "中标", "中标公司", "青禾水利工程有限公司");
}

/* 企业收购: targets bought one after another in a list are each a value of
 * the event (又先后收购了甲、乙、丙的部分股份); a list of business lines is
 * none. */
static void test_shougou_target_list(void **state) {
  const char *t = "远山集团增持青禾快递";
  const char *x = "2015年5月，远山集团正式对青禾快递战略投资，又先后收购了甲通、乙达快运"
                  "、丙通的部分股份。";
  expect(state, t, x, "企业收购", "被收购方", "甲通");
  expect(state, t, x, "企业收购", "被收购方", "乙达快运");
  expect(state, t, x, "企业收购", "被收购方", "丙通");
  refuse(state, "远山环保：通过并购完成布局",
         "远山环保通过外延并购，完成了产业链布局，旗下业务涉及设备制造板块、勘察"
         "设计板块、环保运营板块三大板块。",
         "企业收购", "被收购方", "勘察设计板块");
}

/* 中标: an earlier announcement cited by its title (披露了《甲股份有限公司关于
 * 某某工程管材采购中标候选人的提示性公告》) names the winner and the project
 * of the award told in the sentences after it. */
static void test_zhongbiao_cited_announcement(void **state) {
  const char *t = "远山管业取得《中标通知书》中标价2.7亿";
  const char *x = "某网9月4日，远山管业发布公告称，2019年8月16日，公司在指定媒体上披露了"
                  "《宁远远山管业股份有限公司关于平安水库灌区工程预应力钢筒混凝土管（PCCP）"
                  "采购中标候选人的提示性公告》。\n中标金额为269,699,517.00元，占公司营业"
                  "总收入的18.64%。";
  expect(state, t, x, "中标", "中标公司", "宁远远山管业股份有限公司");
  expect(state, t, x, "中标", "中标标的",
         "平安水库灌区工程预应力钢筒混凝土管（PCCP）采购");
}

/* 中标: an announcement headed "甲股份有限公司关于全资子公司乙有限公司中标的公告"
 * is about the subsidiary's bid, whoever the body names first. */
static void test_zhongbiao_subsidiary_headline(void **state) {
  expect(state, "远山环境能源科技股份有限公司关于全资子公司青禾环境科技有限公司中标的公告",
         "2019年10月12日，远山环境能源科技股份有限公司接到全资子公司的通知，青禾"
         "环科中标平安省水质自动监测系统购买服务项目。",
         "中标", "中标公司", "青禾环境科技有限公司");
}

/* 企业破产: a full name with a stock quote inserted after its short part is
 * the bankrupt company, quote and all; the day the announcement came out is
 * no bankruptcy date. */
static void test_pochan_quoted_name_and_news_day(void **state) {
  const char *t = "远山电力又一子公司宣告破产";
  const char *x = "8月18日，远山电力发布公告称，某市中级人民法院裁定宣告青禾太阳能"
                  "(4.820,-0.15,-3.02%)有限公司（下称青禾太阳能）破产。";
  expect(state, t, x, "企业破产", "破产公司",
         "青禾太阳能(4.820,-0.15,-3.02%)有限公司");
  refuse(state, t, x, "企业破产", "破产时间", "8月18日");
}

/* 中标: a formal notice gives the sum in words, then in figures after ￥
 * (the figures are the amount); a result notice opened by 近日 names the
 * tendering company without it. */
static void test_zhongbiao_sum_in_words_and_recent_day(void **state) {
  expect(state, "远山园林股份有限公司项目中标公告",
         "远山园林股份有限公司于近日收到青禾工程管理有限公司发来的《中标通知书》，确"
         "认公司为平安水土保持工程2标段的中标人。\n（四）中标金额：（大写）贰亿贰仟"
         "陆佰万元（￥226,000,000.00）\n（五）招标人：青禾集团有限公司",
         "中标", "中标金额", "226,000,000.00");
  expect(state, "远山电气等16家中标青禾电网2019年第二次充电桩设备物资采购",
         "近日青禾电网有限公司2019年第二次充电桩设备采购中标候选人公示，远山电气、"
         "青禾智能等16家企业分别获得16个标包中标，投标总价约1.17亿元。",
         "中标", "招标方", "青禾电网有限公司");
}

/* 企业收购: a holder buying more of the company's shares (收购公司额外股份以
 * 增持, 将予收购的股份数目) is no takeover. */
static void test_shougou_holder_buying_shares(void **state) {
  refuse_event(state, "港股异动︱远山科技复牌高开 控股股东有意增持",
               "董事会获控股股东告知彼等意欲于2019年7月5日起计9个月内收购公司额外股"
               "份以增持于公司的股份。根据增持股份计划，控股股东预计将予收购的股份数目"
               "合计将不会少于已发行股份总数的1%。",
               "企业收购");
}

/* 企业破产: a bankruptcy recalled as a near miss with the word in brackets
 * ("最接近（破产）的时候只有大约一个月") is none. */
static void test_pochan_bracketed_near_miss(void **state) {
  refuse_event(state, "远山汽车创始人谈量产",
               "远山汽车创始人回答道：“最接近（破产）的时候只有大约一个月。”",
               "企业破产");
}

/* 企业破产: several companies said to go bankrupt together are one event
 * each ("甲汽车、乙汽车、丙汽车三家车企年底将进入破产程序"). */
static void test_pochan_list_of_companies(void **state) {
  const char *t = "远山青禾被传破产 中小车企的倒闭潮要来了?";
  const char *x = "通知称：“据媒体公开报道：‘远山汽车、青禾汽车、平安汽车三家车企年底将进入"
                  "破产程序，预计涉及上下游供应商坏账合计约500亿元’”。";
  nlp_result res;
  fx_run(state, t, x, &res);
  assert_int_equal(fx_count(&res, "企业破产", NULL, NULL), 3);
  FX_EXPECT(&res, "企业破产", "破产公司", "远山汽车");
  FX_EXPECT(&res, "企业破产", "破产公司", "青禾汽车");
  FX_EXPECT(&res, "企业破产", "破产公司", "平安汽车");
  FX_EXPECT(&res, "企业破产", "破产时间", "年底");
  nlp_result_destroy(&res);
}

/* 企业破产: a works named by its kind (…厂) that went bankrupt is the
 * bankrupt company, not the document's subject. */
static void test_pochan_works_named_by_kind(void **state) {
  const char *t = "专家：东北破产处置经验很丰富";
  expect(state, t, "三十多年前，1986年8月，远山防爆器械厂宣告破产。", "企业破产",
         "破产公司", "远山防爆器械厂");
  expect(state, t, "九十年代，又是东北首创大型国有企业破产先河，即青禾阿城糖厂破产。",
         "企业破产", "破产公司", "青禾阿城糖厂");
}

/* 中标: the award told again as a noun (项目的中标丰富了…, 本次中标包含…,
 * 对于此次中标某某项目) names no other object. */
static void test_zhongbiao_award_restated(void **state) {
  const char *t = "远山股份中标青禾园区污水处理厂工程";
  const char *x1 = "近日，远山股份收到中标公示，确认公司为青禾园区污水处理厂工程的中标单位。"
                   "项目的中标丰富了公司所服务的工业园区的类型。";
  refuse(state, t, x1, "中标", "中标标的", "丰富了公司所服务");
  const char *x2 = "近日，远山股份收到中标公示，确认公司为青禾园区污水处理厂工程的中标单位。"
                   "对于此次中标青禾证券项目，公司表示将全力实施。";
  refuse(state, t, x2, "中标", "中标标的", "青禾证券项目");
  expect(state, t, x2, "中标", "中标标的", "青禾园区污水处理厂工程");
}

/* 中标: a note after the project saying which round or lot it is
 * ((第二次), （二标包）) is no part of the object; a phase ((一期)) is. */
static void test_zhongbiao_round_note_left_out(void **state) {
  const char *t = "远山铁建：联合体中标青禾新区交通基础设施PPP项目";
  expect(state, t,
         "近日，公司下属远山二十三局集团有限公司作为联合体成员中标青禾新区交通基础设施"
         "PPP项目(第二次)，项目总投资69亿元。",
         "中标", "中标标的", "青禾新区交通基础设施PPP项目");
  expect(state, t,
         "近日，公司下属远山二十三局集团有限公司作为联合体成员中标青禾污水处理厂(一期)"
         "工程，项目总投资9亿元。",
         "中标", "中标标的", "青禾污水处理厂(一期)工程");
}

/* 企业收购: the total price (总价约…, 最高代价将约为…) is the deal's amount,
 * the approximation kept; the day a buyer says it has completed the deal
 * is when it was completed. */
static void test_shougou_total_price_and_completion_day(void **state) {
  const char *t = "青禾科技将收购远山直播";
  expect(state, t,
         "根据协议，青禾科技将收购远山直播，包括远山手机APP和远山网站等，总价约36亿美元"
         "现金。",
         "企业收购", "交易金额", "约36亿美元");
  expect(state, "青禾完成对远山收购",
         "据外媒报道，加密货币交易公司青禾今日宣布，已经完成了对数字钱包平台远山的收购。",
         "企业收购", "收购完成时间", "今日");
}

/* 企业收购: "已经完成了对…的收购" names no buyer "完成"; the target after a
 * descriptor (对数字钱包平台某某的收购) is the name; the buyer may have been
 * told far before (去年，甲通过…方式完成对乙收购). */
static void test_shougou_completed_takeover_of(void **state) {
  const char *t = "青禾完成对远山收购";
  const char *x = "据外媒报道，加密货币交易公司青禾今日宣布，已经完成了对数字钱包平台远山的"
                  "收购。";
  refuse(state, t, x, "企业收购", "收购方", "完成");
  expect(state, t, x, "企业收购", "被收购方", "远山");
  expect(state, "远山医疗商誉高企",
         "去年，远山医疗通过发行股份及支付现金相结合方式完成对青禾国际收购。",
         "企业收购", "被收购方", "青禾国际");
}

/* 中标, 企业收购: a source opening the lead with its date (某某网 10月13日，…;
 * 某某社9月28日援引…报道) dates the news. */
static void test_source_date_opening_lead(void **state) {
  expect(state, "远山科技精选层申报获受理 电缆产品多次中标青禾电网项目",
         "某贝网 10月13日，新三板创新层公司远山科技精选层申报材料获受理。据介绍，公司"
         "电缆产品多次中标青禾电网项目。",
         "中标", "披露日期", "10月13日");
  expect(state, "远山银行出售法国零售业务的谈判进入最后阶段",
         "某透社9月28日援引知情人士的话报道，青禾资本正在洽谈以象征性的1欧元收购远山"
         "银行在法国的零售业务。",
         "企业收购", "披露时间", "9月28日");
}

/* 中标: a listed project name loses a lot note ("项目名称：某某管采购（二标包）"),
 * and a headline naming the project of a result notice ("某某PPP项目预中标公示，
 * 某某排名第一") gives the object. */
static void test_zhongbiao_listed_name_and_headline_project(void **state) {
  expect(state, "远山管道工程股份有限公司项目中标公示的提示性公告",
         "2019年10月24日，青禾水务有限公司发布了评标结果公示，确定远山管道工程股份有限公"
         "司为中标候选人第一名。\n1、项目业主方：青禾水务有限公司\n2、项目名称：平安市"
         "长江引水工程PCCP管采购（二标包）\n3、中标价：95,345,678.09元",
         "中标", "中标标的", "平安市长江引水工程PCCP管采购");
  expect(state, "远山凉州区静脉产业园PPP项目预中标公示，青禾国际排名第一",
         "8月23日，某网获悉，远山凉州区静脉产业园PPP项目预中标结果公示，青禾国际综合实力"
         "排名第一，成该项目的预中标供应商。",
         "中标", "中标标的", "远山凉州区静脉产业园PPP项目");
}

/* 企业收购: a full name with its alias note, then the way it buys (某某有限公司
 * (“某某”“收购人”)以要约方式收购公司部分股份) is the buyer, not the listed
 * company whose shares are bought. */
static void test_shougou_buyer_by_way_of_offer(void **state) {
  expect(state, "远山酒(603999.SH)：要约收购有效期为9月16日至10月15日",
         "格隆汇9月13日丨远山酒(603999.SH)公布，现就青禾企业管理有限公司(“青禾”“收购人”)"
         "以要约方式收购公司部分股份相关事项公告如下。",
         "企业收购", "收购方", "青禾企业管理有限公司");
}

/* 中标: a headline opening with the winner names it with its branch in
 * brackets (某某（河北公司）成功中标…) and without a consortium word
 * (某某所属联合体中标…). */
static void test_zhongbiao_headline_winner(void **state) {
  expect(state, "远山能源（河北公司）成功中标平安垃圾发电项目特许经营权",
         "8月22日，远山能源（000999）(河北公司)成功中标平安县生活垃圾焚烧发电项目特许"
         "经营权。",
         "中标", "中标公司", "远山能源（河北公司）");
  expect(state, "远山铁建所属联合体中标62.48亿元施工工程项目",
         "远山铁建公告，公司联合体中标平安市地铁八号线工程施工总承包项目2标段，中标价约"
         "62.4787亿元。",
         "中标", "中标公司", "远山铁建");
}

/* 企业收购: a restructuring plan that buys a company (某某公布重大资产重组方案，
 * 拟支付现金购买某某有限公司) is a takeover by the company announcing it. */
static void test_shougou_restructuring_purchase(void **state) {
  const char *t = "远山丽星：并购重组事项获通过 22日起复牌";
  const char *x = "利空缠身的*ST青禾终于祭出自保大招。10月20日晚间，*ST青禾公布重大资产重组方"
                  "案，拟支付现金购买平安瑞阳化工股份有限公司。";
  expect(state, t, x, "企业收购", "收购方", "*ST青禾");
  expect(state, t, x, "企业收购", "被收购方", "平安瑞阳化工股份有限公司");
}

int main(void) {
  if (access("data/rules", R_OK)) {
    printf("test_nlp_extract_b: run from the repository root (data/rules)\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_holder_name_has_surname),
      cmocka_unit_test(test_kuisun_report_wording),
      cmocka_unit_test(test_zhiya_pledgor_and_term),
      cmocka_unit_test(test_stock_short_name),
      cmocka_unit_test(test_jianchi_dated_holders),
      cmocka_unit_test(test_pochan_court_wording),
      cmocka_unit_test(test_rongzi_investors_and_dateline),
      cmocka_unit_test(test_dateline_is_disclosure),
      cmocka_unit_test(test_trade_share_of_capital),
      cmocka_unit_test(test_zhiya_share_of_pledge),
      cmocka_unit_test(test_zhiya_clause_pledgor),
      cmocka_unit_test(test_jiechu_pledgee),
      cmocka_unit_test(test_kuisun_lookalikes),
      cmocka_unit_test(test_huigou_running_total),
      cmocka_unit_test(test_huigou_not_pledge_repurchase),
      cmocka_unit_test(test_zhiya_lookalikes),
      cmocka_unit_test(test_jianchi_plan_period),
      cmocka_unit_test(test_pochan_lookalikes),
      cmocka_unit_test(test_pochan_short_and_full_name),
      cmocka_unit_test(test_zhiya_release_clause),
      cmocka_unit_test(test_zhiya_total_dated_before),
      cmocka_unit_test(test_zhiya_total_in_shares),
      cmocka_unit_test(test_kuisun_year_before),
      cmocka_unit_test(test_shougou_price_before_verb),
      cmocka_unit_test(test_shougou_headline_buyer),
      cmocka_unit_test(test_zhongbiao_tenderer_before_project),
      cmocka_unit_test(test_pochan_debt_and_creditor),
      cmocka_unit_test(test_shougou_target_after_intent),
      cmocka_unit_test(test_shougou_target_without_buyer_before),
      cmocka_unit_test(test_shougou_lead_date_disclosed),
      cmocka_unit_test(test_zhongbiao_consortium_members),
      cmocka_unit_test(test_shougou_target_list),
      cmocka_unit_test(test_zhongbiao_cited_announcement),
      cmocka_unit_test(test_zhongbiao_subsidiary_headline),
      cmocka_unit_test(test_pochan_quoted_name_and_news_day),
      cmocka_unit_test(test_zhongbiao_sum_in_words_and_recent_day),
      cmocka_unit_test(test_shougou_holder_buying_shares),
      cmocka_unit_test(test_pochan_bracketed_near_miss),
      cmocka_unit_test(test_pochan_list_of_companies),
      cmocka_unit_test(test_pochan_works_named_by_kind),
      cmocka_unit_test(test_zhongbiao_award_restated),
      cmocka_unit_test(test_zhongbiao_round_note_left_out),
      cmocka_unit_test(test_shougou_total_price_and_completion_day),
      cmocka_unit_test(test_shougou_completed_takeover_of),
      cmocka_unit_test(test_source_date_opening_lead),
      cmocka_unit_test(test_zhongbiao_listed_name_and_headline_project),
      cmocka_unit_test(test_shougou_buyer_by_way_of_offer),
      cmocka_unit_test(test_zhongbiao_headline_winner),
      cmocka_unit_test(test_shougou_restructuring_purchase),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
