/*
 * test_nlp_extract_pledge.c — patterns of the bundled rules for 质押,
 * 解除质押, 亏损, 企业融资, 被约谈 and 股份回购 (data/rules/{zhiya,kuisun,
 * rongzi,yuetan,huigou}.rules), each on sentences written for this test
 * (none comes from DuEE-Fin). Every test names the wording it pins down;
 * each failed before its rule.
 */
#include "tests/unit/extract_fixture.h"

/* ---- 亏损 ------------------------------------------------------------------
 */

/* Two losses of two periods in one sentence: each keeps the year told in
 * its own clause, though the words before the year ("预计") come first. */
static void test_kuisun_period_in_own_clause(void **state) {
  const char *text =
      "青禾重工5月18日公告，董事会估计2020年将录得净亏损约3亿-4亿元，"
      "另预计2021年上半年将净亏损约1亿-2亿元。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  assert_int_equal(fx_count(&res, "亏损", NULL, NULL), 2);
  for (size_t i = 0; i < res.n; i++) {
    const char *loss = NULL, *period = NULL;
    for (size_t k = 0; k < res.events[i].nargs; k++) {
      if (!strcmp(res.events[i].args[k].role, "净亏损"))
        loss = res.events[i].args[k].text;
      if (!strcmp(res.events[i].args[k].role, "财报周期"))
        period = res.events[i].args[k].text;
    }
    assert_non_null(loss);
    assert_non_null(period);
    if (!strcmp(loss, "约3亿-4亿元"))
      assert_string_equal(period, "2020年");
    else
      assert_string_equal(period, "2021年上半年");
  }
  nlp_result_destroy(&res);
}

/* A loss told as a state or a question, without a figure, is no reported
 * loss: "长期亏损", "持续亏损的原因", "为何亏损". */
static void test_kuisun_state_is_no_loss(void **state) {
  static const char *const texts[] = {
      "业内人士指出，青禾物流扩张过快，长期亏损，现金流紧张。",
      "记者就远望云新业务持续亏损的原因向公司求证。",
      "毛利率回升的远望装备为何亏损？",
  };
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    nlp_result res;
    fx_run(state, NULL, texts[i], &res);
    assert_int_equal(fx_count(&res, "亏损", NULL, NULL), 0);
    nlp_result_destroy(&res);
  }
}

/* ---- 质押 ------------------------------------------------------------------
 */

/* No pledge: shares free of pledge, a pledge talked about, the extension of
 * a pledge's repurchase (which DuEE-Fin files as a release only). */
static void test_zhiya_no_new_pledge(void **state) {
  static const char *const texts[] = {
      "目前远望控股持有的本公司股份均无质押。",
      "青禾集团所持公司股份目前没有处于质押状态的情形。",
      "青禾集团表示，将与相关机构协商股份质押事宜。",
      "公司称，大股东的各笔质押均处于安全水平。",
      "远望智能：大股东质押的860万股办理延期购回",
  };
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    nlp_result res;
    fx_run(state, NULL, texts[i], &res);
    if (fx_count(&res, "质押", NULL, NULL))
      fail_msg("a pledge in \"%s\"", texts[i]);
    nlp_result_destroy(&res);
  }
  /* a running total still is one */
  nlp_result res;
  fx_run(state, NULL,
         "陈青禾目前持有公司股份5000万股，其中处于质押状态的股份2100万股，"
         "占公司总股本的3.81%。",
         &res);
  FX_EXPECT(&res, "质押", "质押股票/股份数量", "2100万");
  nlp_result_destroy(&res);
}

/* ---- 股份回购 --------------------------------------------------------------
 */

/* Shares bought back before, left out of a holder's stake, are no buyback. */
static void test_huigou_excluded_shares(void **state) {
  static const char *const texts[] = {
      "按剔除已回购股份后总股本计算，远望投资的持股比例降至4.90%。",
      "以公司总股本剔除回购专用账户中的股份为基数计算，减持比例不超过2%。",
  };
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    nlp_result res;
    fx_run(state, NULL, texts[i], &res);
    if (fx_count(&res, "股份回购", NULL, NULL))
      fail_msg("a buyback in \"%s\"", texts[i]);
    nlp_result_destroy(&res);
  }
}

/* "回购股份数量共X股": the count without the 共 between label and figure. */
static void test_huigou_count_after_gong(void **state) {
  const char *text =
      "截至2021年4月30日，公司以集中竞价方式累计回购股份数量共52.3万股，"
      "占公司总股本的0.0871%。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "股份回购", "回购股份数量", "52.3万");
  assert_false(fx_count(&res, "股份回购", "回购股份数量", "共52.3万"));
  nlp_result_destroy(&res);
}

/* No release: "化解质押风险", a pledge's term "至质押人申请解除质押为止". */
static void test_zhiya_no_release(void **state) {
  static const char *const texts[] = {
      "青禾服饰称，实际控制人正积极化解质押风险。",
      "陈远望将其持有的800万股质押给东川信托有限公司，质押期限自2021年3月1日起"
      "至质押人申请解除质押为止。",
  };
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    nlp_result res;
    fx_run(state, NULL, texts[i], &res);
    if (fx_count(&res, "解除质押", NULL, NULL))
      fail_msg("a release in \"%s\"", texts[i]);
    nlp_result_destroy(&res);
  }
}

/* A formal notice: the holder whose notice it opens with is the pledgor of
 * the release told after it, the repeated title line before. */
static void test_zhiya_pledgor_of_notice(void **state) {
  const char *title = "东川青禾科技股份有限公司关于控股股东股份解除质押的公告";
  const char *text =
      "东川青禾科技股份有限公司\n"
      "关于控股股东股份解除质押的公告\n"
      "本公司董事会及全体董事保证本公告内容不存在任何虚假记载。\n"
      "东川青禾科技股份有限公司（以下简称“公司”）于2021年3月4日收到控股股东"
      "南岭远望投资控股有限公司（以下简称“远望投资”）的书面通知，远望投资此前"
      "质押的21,000,000股本公司股份已全部解押。\n"
      "特此公告。\n";
  nlp_result res;
  fx_run(state, title, text, &res);
  FX_EXPECT(&res, "解除质押", "质押方", "南岭远望投资控股有限公司");
  nlp_result_destroy(&res);
  text = "公司收到持股5%以上股东陈远望先生的函告，其名下部分本公司股份已办理"
         "解除质押。\n一、本次解除质押情况\n■\n";
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "解除质押", "质押方", "陈远望");
  nlp_result_destroy(&res);
}

/* A news page's stock quote inside the noticing holder's full name stays in
 * the name (DuEE-Fin keeps it). */
static void test_zhiya_pledgor_quote_in_name(void **state) {
  const char *text =
      "2021年3月4日，公司接到控股股东远望(5.120,-0.08,-1.54%)投资集团股份有限"
      "公司（以下简称“远望投资”）函告，远望投资办理了本公司21,000,000股"
      "股份的解除质押手续。";
  nlp_result res;
  fx_run(state, NULL, text, &res);
  FX_EXPECT(&res, "解除质押", "质押方",
            "远望(5.120,-0.08,-1.54%)投资集团股份有限公司");
  nlp_result_destroy(&res);
}

/* The buyback's time as told: a period from one day to another, a
 * running total 截止/截至 a month's end. */
static void test_huigou_completion_time_as_told(void **state) {
  static const char *const texts[] = {
      "远望电气本次回购股份实施期间为2021年3月2日至2021年9月1日，累计回购公司"
      "股份320万股。",
      "截止2021年5月14日，青禾物流累计回购股份数量为85.6万股。",
      "截至2021年4月月底，青禾物流通过集中竞价方式累计回购股份120万股。",
  };
  static const char *const want[] = {
      "2021年3月2日至2021年9月1日",
      "截止2021年5月14日",
      "截至2021年4月月底",
  };
  fx_expect_each(state, "股份回购", "回购完成时间", texts, want,
                 sizeof texts / sizeof *texts);
}

/* A count told with 合计/共 before it is the figure alone (DuEE-Fin never
 * keeps the word): buybacks and pledges. */
static void test_count_without_total_word(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "截至2021年7月31日，青禾高新累计回购的股份合计12.34万股，最高成交价为"
         "6.20元。",
         &res);
  FX_EXPECT(&res, "股份回购", "回购股份数量", "12.34万");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "远望集团近日将所持公司股份办理了质押，本次质押涉及股份共4500万股。",
         &res);
  FX_EXPECT(&res, "质押", "质押股票/股份数量", "4500万");
  nlp_result_destroy(&res);
}

/* ---- 企业融资 --------------------------------------------------------------
 */

/* A round is dated by its month or day (or 近日); the news day 今日 and a
 * bare year in its sentence are not its time. */
static void test_rongzi_event_time(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾智能今日宣布完成3亿元B轮融资，这是公司2021年的第二笔融资。",
         &res);
  assert_int_equal(fx_count(&res, "企业融资", NULL, NULL), 1);
  assert_false(fx_count(&res, "企业融资", "事件时间", NULL));
  nlp_result_destroy(&res);
  fx_run(state, NULL, "远望机器人于2021年3月完成5000万元A轮融资。", &res);
  FX_EXPECT(&res, "企业融资", "事件时间", "2021年3月");
  nlp_result_destroy(&res);
}

/* The company of a round after a descriptor ("…解决方案供应商某某完成…",
 * "品牌某某"), in quotes, or with its full name in brackets; "完成了一笔…
 * 的新一轮融资". */
static void test_rongzi_target_after_descriptor(void **state) {
  static const char *const texts[] = {
      "智能仓储解决方案供应商青禾智造宣布完成新一轮战略融资。",
      "视频云服务厂商“远望云”完成2亿元C轮融资，由东川基金领投。",
      "教育机器人公司QINGHE（东川青禾智能科技有限公司）已完成3000万元的A轮融资"
      "。",
      "东南亚电动滑板车品牌Yuanwang宣布完成了一笔2000万美元的新一轮融资。",
  };
  static const char *const want[] = {"青禾智造", "远望云", "QINGHE",
                                     "Yuanwang"};
  fx_expect_each(state, "企业融资", "被投资方", texts, want,
                 sizeof texts / sizeof *texts);
}

/* An investor whose name ends in 投资, listed before another ("投资方为甲投资、
 * 乙"), keeps the word: 投资 before 、 is part of the name, not the verb. */
static void test_rongzi_investor_named_touzi(void **state) {
  nlp_result res;
  fx_run(state, NULL, "远望农业完成战略融资，投资方为青禾投资、东川创投。",
         &res);
  FX_EXPECT(&res, "企业融资", "投资方", "青禾投资");
  assert_false(fx_count(&res, "企业融资", "投资方", "青禾"));
  nlp_result_destroy(&res);
}

/* A loss reported by a news item: the dateline's day (with its part of
 * the day) is when it was disclosed. */
static void test_kuisun_dateline_disclosed(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "5月12日晚间消息，远望汽车在业绩发布会上披露，一季度净亏损"
         "3.2亿美元。",
         &res);
  FX_EXPECT(&res, "亏损", "披露时间", "5月12日晚间");
  nlp_result_destroy(&res);
}

/* The day a report opens with, its source before it or its company
 * announcing further on, is when the event was disclosed. */
static void test_lead_date_disclosed(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾财经网 3月9日，远望科技于2021年3月5日收到公司控股股东陈远望的"
         "通知，其所持有的公司860万股股份解除质押。",
         &res);
  FX_EXPECT(&res, "解除质押", "披露时间", "3月9日");
  nlp_result_destroy(&res);
  fx_run(state, NULL, "4月12日，青禾云宣布完成1.5亿元A轮融资。", &res);
  FX_EXPECT(&res, "企业融资", "披露时间", "4月12日");
  nlp_result_destroy(&res);
}

/* ---- 被约谈 ----------------------------------------------------------------
 */

/* "某局对某某有限公司相关负责人进行了问询约谈": the body right before 对,
 * whole, and the company after it. */
static void test_yuetan_body_dui_company(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "5月6日，东川省工业和信息化厅网络安全管理局对东川青禾网络科技有限公司"
         "相关负责人"
         "进行了问询约谈。",
         &res);
  FX_EXPECT(&res, "被约谈", "约谈机构", "东川省工业和信息化厅网络安全管理局");
  FX_EXPECT(&res, "被约谈", "公司名称", "东川青禾网络科技有限公司");
  nlp_result_destroy(&res);
}

/* The pledged shares' kind as written: 无限售流通股 is not 限售流通股. */
static void test_zhiya_share_kind(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "2021年5月10日，远望集团在东川证券股份有限公司办理了本公司20,000,000"
         "股无限售流通股的解除质押手续。",
         &res);
  FX_EXPECT(&res, "解除质押", "质押物", "无限售流通股");
  nlp_result_destroy(&res);
}

/* A release's share of the capital is told in its own sentence; the next
 * one's is the holder's stake or running total. */
static void test_zhiya_release_share_own_sentence(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "远望控股将其所持有的公司部分股份办理了解除质押手续，解除质押410万股，"
         "占其所持股份的比例6.20%。此次解除质押后，远望控股共持有公司股份"
         "6610万股，占公司总股本的8.45%。",
         &res);
  assert_int_equal(fx_count(&res, "解除质押", NULL, NULL), 1);
  assert_false(fx_count(&res, "解除质押", "质押物占总股比", NULL));
  nlp_result_destroy(&res);
}

/* The year of a bond's name ("2019年可交换公司债券") is not the day of the
 * release it backs. */
static void test_zhiya_bond_year_no_date(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "近日，青禾地产获悉，控股股东远望控股为其2019年可交换公司债券担保而"
         "质押的股份已解质1.2亿股。",
         &res);
  FX_EXPECT(&res, "解除质押", "事件时间", "近日");
  assert_false(fx_count(&res, "解除质押", "事件时间", "2019年"));
  nlp_result_destroy(&res);
}

/* "而2020年同期…的净亏损为…": the loss of the same period a year before,
 * its period as written. */
static void test_kuisun_year_same_period(void **state) {
  nlp_result res;
  fx_run(state, NULL, "本季度青禾网络实现盈利，而2020年同期净亏损为8870万元。",
         &res);
  FX_EXPECT(&res, "亏损", "财报周期", "2020年同期");
  nlp_result_destroy(&res);
}

/* The listed company named in full before its holder is the company whose
 * shares are pledged, rather than the headline's short name. */
static void test_zhiya_company_full_name(void **state) {
  nlp_result res;
  fx_run(state, "青禾能源股东陈远望质押520万股",
         "东川青禾能源科技股份有限公司（证券代码：300999）股东陈远望将其所持"
         "520万股本公司股份质押给东川证券股份有限公司。",
         &res);
  FX_EXPECT(&res, "质押", "质押物所属公司", "东川青禾能源科技股份有限公司");
  nlp_result_destroy(&res);
}

/* A pledgee whose full name holds a news page's stock quote keeps it. */
static void test_zhiya_pledgee_quote_in_name(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "陈远望将原质押给东川证券(8.640,-0.05,-0.58%)股份有限公司的1240万股"
         "公司股份办理了解除质押手续。",
         &res);
  FX_EXPECT(&res, "解除质押", "质权方",
            "东川证券(8.640,-0.05,-0.58%)股份有限公司");
  nlp_result_destroy(&res);
}

/* "截至本公告日：" heading the holders' running totals, one a line, dates
 * each of them, not only the first. */
static void test_zhiya_asof_heading_lines(void **state) {
  nlp_result res;
  fx_run(
      state, NULL,
      "截至本公告日：\n"
      "陈远望先生持有公司股份86,310,200股，累计质押股份数量为52,400,000股。\n"
      "林青禾先生持有公司股份31,005,600股，累计质押股份数量为20,150,000股。\n"
      "两人合计持有公司股份117,315,800股，累计质押股份数量为72,550,000股。\n",
      &res);
  assert_int_equal(fx_count(&res, "质押", NULL, NULL), 3);
  assert_int_equal(fx_count(&res, "质押", "事件时间", "截至本公告日"), 3);
  nlp_result_destroy(&res);
}

/* The holders of a joint running total are each a 质押方 of it. */
static void test_zhiya_joint_holders(void **state) {
  nlp_result res;
  fx_run(
      state, NULL,
      "截至本公告披露日，公司控股股东、实际控制人陈远望、陈远山和林青禾合计持有"
      "公司股份数量为41,206.30万股，累计质押公司股份数量为33,518.20万股，占"
      "公司股份总数的21.47%。",
      &res);
  FX_EXPECT(&res, "质押", "质押方", "陈远望");
  FX_EXPECT(&res, "质押", "质押方", "陈远山");
  FX_EXPECT(&res, "质押", "质押方", "林青禾");
  nlp_result_destroy(&res);
  fx_run(
      state, NULL,
      "综上，陈远望女士及其一致行动人林青禾先生合计持有公司股份128,604,350股，"
      "累计合计质押股份数量为90,312,000股。",
      &res);
  FX_EXPECT(&res, "质押", "质押方", "陈远望");
  FX_EXPECT(&res, "质押", "质押方", "林青禾");
  nlp_result_destroy(&res);
}

/* Restricted shares bought back from leaving staff: the count told after
 * 限制性股票, the verb before or after it. */
static void test_huigou_restricted_shares(void **state) {
  static const char *const texts[] = {
      "公司已回购注销前述激励对象持有的全部已获授但尚未解除限售的限制性股票合计"
      "412,300股，回购价格为5.120元/股。",
      "公司决定对其所持已授予但尚未解锁的限制性股票合计6."
      "3万股进行回购注销，回购"
      "价格为12.05元/股。",
      "此次回购注销限制性股票涉及5人，回购注销限制性股票数量合计8.2万股，占回购"
      "注销前公司总股本的0.03%。",
  };
  static const char *const want[] = {"412,300", "6.3万", "8.2万"};
  fx_expect_each(state, "股份回购", "回购股份数量", texts, want,
                 sizeof texts / sizeof *texts);
}

/* The company of a loss written with its stock code in the text, after
 * 的 or as a Latin name with a space, rather than a headline's opening
 * words. */
static void test_kuisun_company_with_code(void **state) {
  nlp_result res;
  fx_run(state, "青禾服饰困局难解：门店大幅收缩",
         "素有“平价快时尚”之称的青禾服饰(603999.SH)上半年净亏损2.3亿元。",
         &res);
  FX_EXPECT(&res, "亏损", "公司名称", "青禾服饰");
  nlp_result_destroy(&res);
  fx_run(
      state, "《业绩》YUAN WANG(08999.HK)半年亏损扩大至1,234.5万元",
      "YUAN WANG(08999.HK)公布，截至6月30日止六个月，亏损扩大至1,234.5万元。",
      &res);
  FX_EXPECT(&res, "亏损", "公司名称", "YUAN WANG");
  nlp_result_destroy(&res);
}

/* The company whose shares are pledged, written with its stock code after
 * 的, rather than a headline's opening words. */
static void test_zhiya_company_with_code(void **state) {
  nlp_result res;
  fx_run(state, "青禾服饰困局难解：实控人股份质押比例过高",
         "素有“平价快时尚”之称的青禾服饰(603999.SH)近日公告，实际控制人陈远望"
         "将其持有的1200万股公司股份质押给东川证券股份有限公司。",
         &res);
  FX_EXPECT(&res, "质押", "质押物所属公司", "青禾服饰");
  nlp_result_destroy(&res);
}

/* A per-share figure told as "每股基本和摊薄亏损" is no loss of the company. */
static void test_kuisun_per_share_diluted(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "截至2021年3月31日的六个月的每股基本和摊薄亏损为0.21美元。", &res);
  assert_int_equal(fx_count(&res, "亏损", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

/* A range of amounts written with an en dash ("320万元–410万元") is one
 * amount ({AMOUNT}, 00_common.rules). */
static void test_amount_en_dash_range(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "其中，第三季度归属于上市公司股东的净亏损320万元–410万元，上年同期盈利"
         "150万元。",
         &res);
  FX_EXPECT(&res, "亏损", "净亏损", "320万元–410万元");
  nlp_result_destroy(&res);
}

/* A headline's subject ends before 累计 / 未按 ("某某累计回购…",
 * "某某未按承诺回购…"; 00_common.rules). */
static void test_subject_before_total_or_failure(void **state) {
  nlp_result res;
  fx_run(state, "青禾地产累计回购超85万股 占总股本0.12%",
         "青禾地产公告，公司以集中竞价方式累计回购股份85.2万股。", &res);
  FX_EXPECT(&res, "股份回购", "回购方", "青禾地产");
  nlp_result_destroy(&res);
  fx_run(state, "远望租赁未按承诺回购股份 交易所发监管函",
         "交易所指出，公司未在承诺期限内实施回购股份。", &res);
  FX_EXPECT(&res, "股份回购", "回购方", "远望租赁");
  nlp_result_destroy(&res);
}

/* "由甲和乙联合领投": two leads, each an investor; a 和 inside a listed
 * name ("远和资本、…跟投") does not cut it, and the list of followers after
 * a comma ("，甲、乙跟投") names investors. */
static void test_rongzi_two_leads(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "远望云完成2亿元C轮融资，由东川产业基金和青禾创投集团联合领投。",
         &res);
  FX_EXPECT(&res, "企业融资", "领投方", "东川产业基金");
  FX_EXPECT(&res, "企业融资", "领投方", "青禾创投集团");
  FX_EXPECT(&res, "企业融资", "投资方", "青禾创投集团");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "青禾智能完成近亿元A轮融资。本轮融资由东川基金领投，远和资本、南岭创投"
         "跟投。",
         &res);
  FX_EXPECT(&res, "企业融资", "投资方", "远和资本");
  FX_EXPECT(&res, "企业融资", "投资方", "南岭创投");
  assert_false(fx_count(&res, "企业融资", "投资方", "资本"));
  nlp_result_destroy(&res);
}

/* The holder of an extended repurchase named in a headline ("股东某某延期
 * 购回…"), and after "实际控制人之一". */
static void test_zhiya_holder_extension(void **state) {
  nlp_result res;
  fx_run(state, "远望电子：股东陈青禾延期购回约2300万股",
         "远望电子公告，公司股东陈青禾将其所持公司股份的约2300万股进行了质押延"
         "期。",
         &res);
  FX_EXPECT(&res, "解除质押", "质押方", "陈青禾");
  nlp_result_destroy(&res);
  fx_run(state, "远望电子：实际控制人之一林远山延期购回1800万股",
         "远望电子公告，林远山将其所持公司股份的1800万股进行了质押延期。",
         &res);
  FX_EXPECT(&res, "解除质押", "质押方", "林远山");
  nlp_result_destroy(&res);
}

/* "净利润为-X元，较上年同期-Y元": the year before's loss is an event of its
 * own, of the period 上年同期. */
static void test_kuisun_year_before_compared(void **state) {
  nlp_result res;
  fx_run(
      state, NULL,
      "归属于挂牌公司股东的净利润为-3,204,118.52元，较上年同期-612,009.40元，"
      "亏损增大。",
      &res);
  assert_int_equal(fx_count(&res, "亏损", NULL, NULL), 2);
  FX_EXPECT(&res, "亏损", "净亏损", "612,009.40元");
  FX_EXPECT(&res, "亏损", "财报周期", "上年同期");
  nlp_result_destroy(&res);
}

/* Hong Kong wording: "亏损扩大至X万元，上年同期蚀Y万元" is two losses, this
 * period's and the year before's. */
static void test_kuisun_hk_shi(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "远望国际公布截至6月底止中期业绩，亏损扩大至2,305.6万元，上年同期蚀"
         "871.2万元；每股亏损2.1仙。",
         &res);
  assert_int_equal(fx_count(&res, "亏损", NULL, NULL), 2);
  FX_EXPECT(&res, "亏损", "净亏损", "2,305.6万元");
  FX_EXPECT(&res, "亏损", "净亏损", "871.2万元");
  nlp_result_destroy(&res);
}

/* A buyback's money told as 总购买金额, 成交金额, or 价值X的股票回购. */
static void test_huigou_amount_wordings(void **state) {
  static const char *const texts[] = {
      "当日回购最高价为3.12港元/股，最低价为3.05港元/股，回购总购买金额为"
      "12,480,300.00港元。",
      "公司以集中竞价方式回购股份数量120,500股，最高成交价为8.16元/股，最低成交"
      "价为7.93元/股，成交金额972,108.40元。",
      "远望科技宣布价值3000万美元的股票回购计划。",
  };
  static const char *const want[] = {"12,480,300.00港元", "972,108.40元",
                                     "3000万美元"};
  fx_expect_each(state, "股份回购", "交易金额", texts, want,
                 sizeof texts / sizeof *texts);
}

/* A change in per cent belongs to the loss only after a loss or a negative
 * figure, not after a month range ("1-9月实现营收…，同比减少…") or the upper
 * end of a range of amounts ("…万元-…万元，同比下降…"). */
static void test_kuisun_change_not_after_range(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "公告显示，2021年1-9月实现营收3.2亿元，同比减少12.5%；归属于上市公司"
         "股东的净利润亏损4,120万元。",
         &res);
  assert_int_equal(fx_count(&res, "亏损", NULL, NULL), 1);
  assert_false(fx_count(&res, "亏损", "亏损变化", NULL));
  nlp_result_destroy(&res);
}

/* A news dateline ending in 丨 dates a round's report. */
static void test_rongzi_dateline_bar(void **state) {
  nlp_result res;
  fx_run(state, NULL, "青禾网11月4日丨远望科技宣布完成2亿元B轮融资。", &res);
  FX_EXPECT(&res, "企业融资", "披露时间", "11月4日");
  nlp_result_destroy(&res);
}

/* Two releases in one sentence, each told by the broker with its holder
 * and count, are two events. */
static void test_zhiya_two_releases_one_sentence(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "东川证券股份有限公司于2021年6月3日办理了控股股东陈远望先生持有公司"
         "约1.2亿股股份的解除质押手续；南岭证券股份有限公司于2021年6月2日办理了"
         "林青禾先生持有公司3120万股股份的解除质押手续。",
         &res);
  assert_int_equal(fx_count(&res, "解除质押", NULL, NULL), 2);
  FX_EXPECT(&res, "解除质押", "质押方", "陈远望");
  FX_EXPECT(&res, "解除质押", "质押方", "林青禾");
  FX_EXPECT(&res, "解除质押", "质押股票/股份数量", "3120万");
  nlp_result_destroy(&res);
}

/* Pledges falling due with a note in brackets after 到期 ("未来一年内将到期
 * （不含前述半年内到期部分）的质押股份") are a release of their own. */
static void test_zhiya_falling_due_note(void **state) {
  nlp_result res;
  fx_run(
      state, NULL,
      "陈远望先生未来半年内将到期的质押股份数量为42,100,000股，占其所持有股份"
      "比例30.15%；未来一年内将到期（不含前述半年内到期部分）的质押股份数量为"
      "18,250,000股，占其所持有股份比例13.07%。",
      &res);
  assert_int_equal(fx_count(&res, "解除质押", NULL, NULL), 2);
  FX_EXPECT(&res, "解除质押", "质押股票/股份数量", "18,250,000");
  nlp_result_destroy(&res);
}

/* "办理完成了X股（占公司总股本的Y%）公司股份解除质押手续": the count and
 * share before the word. */
static void test_zhiya_release_count_before(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "陈远望先生在东川证券股份有限公司办理完成了2,860万股（占公司总股本的"
         "6.35%）公司股份解除质押手续。",
         &res);
  FX_EXPECT(&res, "解除质押", "质押股票/股份数量", "2,860万");
  FX_EXPECT(&res, "解除质押", "质押物占总股比", "6.35%");
  nlp_result_destroy(&res);
}

/* The share kind told in full in the sentence wins over a plain 股票 told
 * nearer the word. */
static void test_zhiya_share_kind_in_full(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "陈远望将其持有的无限售条件流通股2,300万股办理了股票解除质押。", &res);
  FX_EXPECT(&res, "解除质押", "质押物", "无限售条件流通股");
  nlp_result_destroy(&res);
}

/* "其中第三季度亏损X元" after the report's nine months: the quarter's own
 * loss, its period the bare quarter that opens the clause. */
static void test_kuisun_quarter_opens_clause(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾医药发布2021年三季度报告，归属于上市公司股东的净利润亏损"
         "86,120,334.12元。其中第三季度亏损30,215,406.77元。",
         &res);
  assert_int_equal(fx_count(&res, "亏损", NULL, NULL), 2);
  FX_EXPECT(&res, "亏损", "财报周期", "第三季度");
  nlp_result_destroy(&res);
}

/* A Hong Kong notice opening a line with the name and its code names the
 * buyer, though the name opens with a figure, holds brackets or spaces, or
 * follows a dateline's 丨. */
static void test_huigou_hk_notice_buyer(void **state) {
  static const char *const texts[] = {
      "客户端\n88远望(2.1,0.00,0.00%)（02999.HK）公布，2021年5月3日，公司按每股"
      "2.04-2.15港元，耗资96万港元回购45万股。",
      "客户端\n青禾建设（控股）（00999）公布，于2021年6月5日在香港交易所回购3."
      "2万"
      "股，耗资18.6万港币。",
      "某某财经APP讯，QINGHE ELEC H(00999)发布公告，公司于2021年8月21日斥6.1万"
      "港元回购5.2万股。",
      "青禾网8月22日丨远望发展(00999.HK)"
      "公告，8月21日回购12万股，耗资30万港元。",
  };
  static const char *const want[] = {"88远望", "青禾建设（控股）",
                                     "QINGHE ELEC H", "远望发展"};
  fx_expect_each(state, "股份回购", "回购方", texts, want,
                 sizeof texts / sizeof *texts);
}

/* A valuation told beside a round is not its amount. */
static void test_rongzi_valuation_no_amount(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "知情人士称，远望教育已启动新一轮融资，寻求约80亿美元的估值。", &res);
  assert_int_equal(fx_count(&res, "企业融资", NULL, NULL), 1);
  assert_false(fx_count(&res, "企业融资", "融资金额", NULL));
  nlp_result_destroy(&res);
}

/* "回购均价约为X港币": the price without 约为 (the figure only, as the
 * other average prices). */
static void test_huigou_average_price_about(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "远望控股于2021年6月5日回购3.6万股，回购均价约为3.12港币，最高回购价"
         "3.20港币。",
         &res);
  FX_EXPECT(&res, "股份回购", "每股交易价格", "3.12港币");
  assert_false(fx_count(&res, "股份回购", "每股交易价格", "约为3.12港币"));
  nlp_result_destroy(&res);
}

/* A bare year in the sentence ("2020年年度权益分派") is not when the
 * shares were bought. */
static void test_huigou_bare_year_no_time(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "公司已实施2020年年度权益分派，累计回购股份12.6万股，最高成交价为5."
         "30元。",
         &res);
  assert_int_equal(fx_count(&res, "股份回购", NULL, NULL), 1);
  assert_false(fx_count(&res, "股份回购", "回购完成时间", "2020年"));
  nlp_result_destroy(&res);
}

/* An extended repurchase is dated by the day it is extended to. */
static void test_zhiya_extension_date(void **state) {
  nlp_result res;
  fx_run(state, "远望电子：股东陈青禾延期购回约2300万股",
         "远望电子7月20日晚间发布公告称，公司股东陈青禾将其所持公司股份的约2300"
         "万股进行了质押延期，延期至2022年3月1日。",
         &res);
  FX_EXPECT(&res, "解除质押", "事件时间", "2022年3月1日");
  nlp_result_destroy(&res);
}

/* "累计质押股份共X股": the running total without 共. */
static void test_zhiya_total_after_gong(void **state) {
  nlp_result res;
  fx_run(
      state, NULL,
      "截至公告日，远望集团累计质押股份共2.15亿股，占其所持股份总数的68.20%。",
      &res);
  FX_EXPECT(&res, "质押", "质押股票/股份数量", "2.15亿");
  nlp_result_destroy(&res);
}

/* A pledge's term that ends on a deed ("…至申请解除质押之日止") is its
 * time, whole. */
static void test_zhiya_term_until_deed(void **state) {
  nlp_result res;
  fx_run(
      state, NULL,
      "远望控股本次质押股数2200万股，质押期限自2021年4月12日至申请解除质押之日"
      "止，质权人为东川银行股份有限公司南岭分行。",
      &res);
  FX_EXPECT(&res, "质押", "事件时间", "2021年4月12日至申请解除质押之日止");
  nlp_result_destroy(&res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kuisun_period_in_own_clause),
      cmocka_unit_test(test_kuisun_state_is_no_loss),
      cmocka_unit_test(test_kuisun_dateline_disclosed),
      cmocka_unit_test(test_kuisun_year_same_period),
      cmocka_unit_test(test_kuisun_company_with_code),
      cmocka_unit_test(test_kuisun_per_share_diluted),
      cmocka_unit_test(test_amount_en_dash_range),
      cmocka_unit_test(test_kuisun_year_before_compared),
      cmocka_unit_test(test_kuisun_hk_shi),
      cmocka_unit_test(test_kuisun_change_not_after_range),
      cmocka_unit_test(test_kuisun_quarter_opens_clause),
      cmocka_unit_test(test_zhiya_no_new_pledge),
      cmocka_unit_test(test_zhiya_no_release),
      cmocka_unit_test(test_zhiya_pledgor_of_notice),
      cmocka_unit_test(test_zhiya_pledgor_quote_in_name),
      cmocka_unit_test(test_zhiya_share_kind),
      cmocka_unit_test(test_zhiya_share_kind_in_full),
      cmocka_unit_test(test_zhiya_release_share_own_sentence),
      cmocka_unit_test(test_zhiya_bond_year_no_date),
      cmocka_unit_test(test_zhiya_company_full_name),
      cmocka_unit_test(test_zhiya_company_with_code),
      cmocka_unit_test(test_zhiya_pledgee_quote_in_name),
      cmocka_unit_test(test_zhiya_asof_heading_lines),
      cmocka_unit_test(test_zhiya_total_after_gong),
      cmocka_unit_test(test_zhiya_term_until_deed),
      cmocka_unit_test(test_zhiya_joint_holders),
      cmocka_unit_test(test_zhiya_holder_extension),
      cmocka_unit_test(test_zhiya_extension_date),
      cmocka_unit_test(test_zhiya_two_releases_one_sentence),
      cmocka_unit_test(test_zhiya_falling_due_note),
      cmocka_unit_test(test_zhiya_release_count_before),
      cmocka_unit_test(test_huigou_excluded_shares),
      cmocka_unit_test(test_huigou_count_after_gong),
      cmocka_unit_test(test_huigou_completion_time_as_told),
      cmocka_unit_test(test_huigou_restricted_shares),
      cmocka_unit_test(test_subject_before_total_or_failure),
      cmocka_unit_test(test_huigou_amount_wordings),
      cmocka_unit_test(test_huigou_hk_notice_buyer),
      cmocka_unit_test(test_huigou_average_price_about),
      cmocka_unit_test(test_huigou_bare_year_no_time),
      cmocka_unit_test(test_count_without_total_word),
      cmocka_unit_test(test_rongzi_event_time),
      cmocka_unit_test(test_rongzi_target_after_descriptor),
      cmocka_unit_test(test_rongzi_investor_named_touzi),
      cmocka_unit_test(test_rongzi_two_leads),
      cmocka_unit_test(test_rongzi_dateline_bar),
      cmocka_unit_test(test_rongzi_valuation_no_amount),
      cmocka_unit_test(test_lead_date_disclosed),
      cmocka_unit_test(test_yuetan_body_dui_company),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
