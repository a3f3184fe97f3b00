/*
 * test_nlp_extract_people.c — patterns of the bundled rules for the people
 * and holders of 高管变动, 公司上市, 股东增持 and 股东减持 (data/rules/
 * {gaoguan,shangshi,jianchi_zengchi}.rules), each on sentences written for
 * this test (none comes from DuEE-Fin).  Every test names the wording it
 * pins down; each failed before its rule or fix.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tests/unit/extract_fixture.h"

/* Loads body as the only rules file of a fresh directory (dir, a mkdtemp
 * template; the file's path goes to path); rules_done removes both. */
static nlp_rules *rules_from(char *dir, char *path, size_t cap,
                             const char *body) {
  assert_non_null(mkdtemp(dir));
  snprintf(path, cap, "%s/a.rules", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(body, f);
  fclose(f);
  nlp_rules *r = NULL;
  assert_int_equal(nlp_rules_load_dir(dir, NULL, NULL, &r), 0);
  return r;
}

static void rules_done(nlp_rules *r, const char *dir, const char *path) {
  nlp_rules_free(r);
  unlink(path);
  rmdir(dir);
}

/* ---- the extractor -------------------------------------------------------
 */

/* Two group names mapped to one role both keep their values (one event,
 * two holders); one name used twice in alternatives still gives one. */
static void test_two_groups_one_role(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-people-XXXXXX", path[256];
  nlp_rules *r = rules_from(dir, path, sizeof path,
                            "group who = 减持方\n"
                            "group who2 = 减持方\n"
                            "rule sell\n"
                            "type 股东减持\n"
                            "trigger 减持\n"
                            "pattern (?:(?<who>[A-Z]+)及(?<who2>[A-Z]+)|"
                            "(?<who>[a-z]+))(?<trig>减持)\n");
  const char *text = "AB及CD减持。ef减持。GH及GH减持。";
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, text, strlen(text), NULL, &res), 0);
  assert_int_equal(fx_count(&res, "股东减持", NULL, NULL), 3);
  for (size_t i = 0; i < res.n; i++) {
    size_t n = 0;
    for (size_t k = 0; k < res.events[i].nargs; k++)
      n += !strcmp(res.events[i].args[k].role, "减持方");
    assert_int_equal(n, !strcmp(res.events[i].args[0].text, "AB") ? 2 : 1);
  }
  FX_EXPECT(&res, "股东减持", "减持方", "CD");
  FX_EXPECT(&res, "股东减持", "减持方", "ef");
  nlp_result_destroy(&res);
  rules_done(r, dir, path);
}

/* "split ROLE values": the listed names are values of the one event; a
 * plain "split" still makes one event each; an unknown option is refused. */
static void test_split_values(void **state) {
  (void)state;
  char dir[] = "/tmp/oppgraph-people-XXXXXX", path[256];
  nlp_rules *r = rules_from(dir, path, sizeof path,
                            "group who = 高管姓名\n"
                            "group post = 变动后职位\n"
                            "rule slate\n"
                            "type 高管变动\n"
                            "trigger 提名\n"
                            "split 高管姓名 trim=先生 values\n"
                            "pattern (?<trig>提名)(?<who>[A-Z]+(?:、[A-Z]+先生)+)为"
                            "(?<post>[a-z]+)\n"
                            "rule each\n"
                            "type 高管变动\n"
                            "trigger 聘任\n"
                            "split 高管姓名\n"
                            "pattern (?<trig>聘任)(?<who>[A-Z]+(?:、[A-Z]+)+)为"
                            "(?<post>[a-z]+)\n");
  const char *text = "提名AB、CD先生、EF先生为xy。聘任GH、IJ为zw。";
  nlp_result res;
  assert_int_equal(nlp_extract(r, NULL, text, strlen(text), NULL, &res), 0);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 3);
  for (size_t i = 0; i < res.n; i++) {
    size_t n = 0, slate = 0;
    for (size_t k = 0; k < res.events[i].nargs; k++) {
      n += !strcmp(res.events[i].args[k].role, "高管姓名");
      slate |= !strcmp(res.events[i].args[k].text, "AB");
    }
    assert_int_equal(n, slate ? 3 : 1);
  }
  FX_EXPECT(&res, "高管变动", "高管姓名", "EF");
  FX_EXPECT(&res, "高管变动", "高管姓名", "IJ");
  nlp_result_destroy(&res);
  rules_done(r, dir, path);
}

/* A full name never opens with a time or a verb of approval: "于日前正式
 * 核准某某东川信托有限公司（以下简称…）" has no enterprise 日前正式核准…. */
static void test_org_not_after_time_words(void **state) {
  nlp_result res;
  fx_run(state, "东川信托新任总经理秦一鸣任职资格获核准",
         "近日，监管局于日前正式核准秦一鸣东川国际信托有限公司（以下简称“东川信托”）"
         "总经理任职资格。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", "任职公司",
                            "日前正式核准秦一鸣东川国际信托有限公司"),
                   0);
  nlp_result_destroy(&res);
}

/* ---- 高管变动 --------------------------------------------------------------
 */

/* The day a resignation takes effect told between the name and the verb:
 * "某某先生因个人原因自2021年3月1日起辞去公司董事职务". */
static void test_gaoguan_resign_effective_day(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "独立董事魏林先生因个人原因自2021年3月2日起辞去公司独立董事职务，"
         "监事曹一鸣先生因个人原因自2021年3月1日起辞去公司监事职务。",
         &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "魏林");
  FX_EXPECT(&res, "高管变动", "高管姓名", "曹一鸣");
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 2);
  nlp_result_destroy(&res);
}

/* Resignation letters of several people, each with his own post: one event
 * per person holding his post, of kind 辞职, also when each then resigns
 * again in a sentence of his own. */
static void test_gaoguan_letter_list_own_posts(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "公司于近日收到非独立董事魏林先生、独立董事秦方先生及监事曹一鸣先生提交"
         "的书面辞职信。独立董事秦方先生因个人原因辞去公司独立董事职务。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 3);
  FX_EXPECT(&res, "高管变动", "高管职位", "非独立董事");
  FX_EXPECT(&res, "高管变动", "高管姓名", "秦方");
  FX_EXPECT(&res, "高管变动", "高管姓名", "曹一鸣");
  assert_int_equal(fx_count(&res, "高管变动", "变动类型", "辞职"), 3);
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "公司董事会于近日收到董事魏林先生、监事曹一鸣女士的书面辞职报告。", &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 2);
  FX_EXPECT(&res, "高管变动", "高管职位", "监事");
  nlp_result_destroy(&res);
}

/* A newcomer's record after his appointment gives his company and his post
 * before the change: "某某2018年1月加入某某有限公司，担任某某部副总经理". */
static void test_gaoguan_newcomer_record(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "10月9日，青禾基金发布公告，秦一鸣新任公司督察长。秦一鸣2016年3月加入青禾"
         "基金管理有限公司，担任合规部副总经理。",
         &res);
  FX_EXPECT(&res, "高管变动", "任职公司", "青禾基金管理有限公司");
  FX_EXPECT(&res, "高管变动", "高管职位", "合规部副总经理");
  nlp_result_destroy(&res);
}

/* A post after a bank's branch or a group is the post alone, the branch
 * his company; "担任其行长" is the post 行长. */
static void test_gaoguan_branch_post_and_its(void **state) {
  nlp_result res;
  fx_run(state, NULL, "南岭银行公告称，东川银行青禾分行副行长秦一鸣拟担任其行长。",
         &res);
  FX_EXPECT(&res, "高管变动", "高管职位", "副行长");
  FX_EXPECT(&res, "高管变动", "任职公司", "东川银行青禾分行");
  FX_EXPECT(&res, "高管变动", "变动后职位", "行长");
  nlp_result_destroy(&res);
}

/* A death in office with the company before the post: the company is his,
 * the post the post alone. */
static void test_gaoguan_death_company_post(void **state) {
  nlp_result res;
  fx_run(state, NULL, "南岭集团独立非执行董事秦一鸣因病于近日去世，享年70岁。", &res);
  FX_EXPECT(&res, "高管变动", "任职公司", "南岭集团");
  FX_EXPECT(&res, "高管变动", "高管职位", "独立非执行董事");
  nlp_result_destroy(&res);
}

/* The short post 副总 ("接任南京公司常务副总职务"), and a post after "，和"
 * without the 和. */
static void test_gaoguan_short_post_and_list_word(void **state) {
  nlp_result res;
  fx_run(state, NULL, "东川区域常务副总经理秦一鸣，接任南岭公司常务副总职务。", &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "秦一鸣");
  FX_EXPECT(&res, "高管变动", "变动后职位", "常务副总");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "另外，集团总部财务部副总经理魏林，和总部法务部副总经理曹一鸣，均担任青禾"
         "区域副总经理职务。",
         &res);
  FX_EXPECT(&res, "高管变动", "高管职位", "总部法务部副总经理");
  nlp_result_destroy(&res);
}

/* The people a change lists with their present company and post, one
 * event each with the change and the new post of the sentence ("拟聘任3名
 * 执行副总裁，分别是现任甲公司总监张三、现任乙公司副总裁李四…"); a
 * present post told in a record is no change. */
static void test_gaoguan_present_post_list(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "11月4日，南岭集团高管选聘初步结果出炉，拟聘任3名执行副总裁，分别是现任"
         "南岭投资总监魏林、现任南岭商务副总裁曹一鸣，及现任东川消费金融公司总经理"
         "秦方。",
         &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 3);
  FX_EXPECT(&res, "高管变动", "任职公司", "南岭商务");
  FX_EXPECT(&res, "高管变动", "高管职位", "副总裁");
  FX_EXPECT(&res, "高管变动", "高管姓名", "曹一鸣");
  FX_EXPECT(&res, "高管变动", "任职公司", "东川消费金融公司");
  assert_int_equal(fx_count(&res, "高管变动", "变动后职位", "执行副总裁"), 3);
  assert_int_equal(fx_count(&res, "高管变动", "变动类型", "聘任"), 3);
  nlp_result_destroy(&res);
  fx_run(state, NULL, "据了解，魏林现任南岭投资总监，曾任东川银行行长。", &res);
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

/* "11月4日，有消息称，…" dates the news of the change. */
static void test_gaoguan_news_day(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "时隔半年，选聘结果有了眉目。11月4日，有消息称，南岭集团拟聘任秦一鸣为"
         "公司执行副总裁。",
         &res);
  FX_EXPECT(&res, "高管变动", "披露日期", "11月4日");
  nlp_result_destroy(&res);
}

/* "某某已免去某某银行党委副书记一职": the person, his company and post. */
static void test_gaoguan_removed_from_post(void **state) {
  nlp_result res;
  fx_run(state, NULL, "另外，据透露，秦一鸣已免去南岭银行党委副书记一职。", &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "秦一鸣");
  FX_EXPECT(&res, "高管变动", "任职公司", "南岭银行");
  FX_EXPECT(&res, "高管变动", "高管职位", "党委副书记");
  FX_EXPECT(&res, "高管变动", "变动类型", "免去");
  nlp_result_destroy(&res);
}

/* "原某某公司COO某某已于近期离职": his company, post and name. */
static void test_gaoguan_former_post_left(void **state) {
  nlp_result res;
  fx_run(state, NULL, "据报道，原青禾公司COO秦一鸣已于近期离职。", &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "秦一鸣");
  FX_EXPECT(&res, "高管变动", "任职公司", "青禾公司");
  FX_EXPECT(&res, "高管变动", "高管职位", "COO");
  nlp_result_destroy(&res);
}

/* The appointee named with his company and post: "任命某某网创始人某某为新任
 * 公司COO". */
static void test_gaoguan_appointee_with_post(void **state) {
  nlp_result res;
  fx_run(state, NULL, "青禾科技昨日发布公告，任命南岭网创始人秦一鸣为新任COO。", &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "秦一鸣");
  FX_EXPECT(&res, "高管变动", "任职公司", "南岭网");
  FX_EXPECT(&res, "高管变动", "高管职位", "创始人");
  nlp_result_destroy(&res);
}

/* Two posts taken over together ("接替某某担任公司秘书及授权代表"). */
static void test_gaoguan_two_posts_taken_over(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾置业宣布，秦一鸣将接替魏林担任公司秘书及授权代表，由2021年8月20日起"
         "生效。",
         &res);
  FX_EXPECT(&res, "高管变动", "变动后职位", "秘书及授权代表");
  nlp_result_destroy(&res);
}

/* "某某不再担任某某局党委副书记职务": the person, the bureau, the post. */
static void test_gaoguan_no_longer_holds_post(void **state) {
  nlp_result res;
  fx_run(state, NULL, "2018年2月，秦一鸣不再担任东川市税务局党委副书记职务。", &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "秦一鸣");
  FX_EXPECT(&res, "高管变动", "任职公司", "东川市税务局");
  FX_EXPECT(&res, "高管变动", "高管职位", "党委副书记");
  nlp_result_destroy(&res);
}

/* The posts he holds now, listed after his change, each a value. */
static void test_gaoguan_present_posts_listed(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "近日，南岭投资协会正式聘请秦一鸣担任协会中国区顾问。秦一鸣现任东川青禾"
         "贵金属有限公司总经理、南岭黄金有限公司总经理。",
         &res);
  FX_EXPECT(&res, "高管变动", "高管职位", "东川青禾贵金属有限公司总经理");
  FX_EXPECT(&res, "高管变动", "高管职位", "南岭黄金有限公司总经理");
  nlp_result_destroy(&res);
}

/* A former executive joining another company: "原某某基金总经理某某入职某某
 * 集团" gives his former company and post and the new company. */
static void test_gaoguan_former_joins(void **state) {
  nlp_result res;
  fx_run(state, "原青禾基金总经理秦一鸣入职南岭集团 任中国区负责人",
         "9月22日，南岭集团宣布，任命秦一鸣为筹建中基金管理公司总经理。", &res);
  FX_EXPECT(&res, "高管变动", "任职公司", "青禾基金");
  FX_EXPECT(&res, "高管变动", "高管职位", "总经理");
  FX_EXPECT(&res, "高管变动", "变动后公司名称", "南岭集团");
  assert_int_equal(fx_count(&res, "高管变动", NULL, NULL), 1);
  nlp_result_destroy(&res);
}

/* A post of the board's committees is not cut at 董事 of 董事会
 * ("任命某某担任公司第三届董事会提名委员会主席"). */
static void test_gaoguan_board_committee_post(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "公司董事会同意任命秦一鸣担任公司第三届董事会提名委员会主席。", &res);
  FX_EXPECT(&res, "高管变动", "变动后职位", "第三届董事会提名委员会主席");
  nlp_result_destroy(&res);
}

/* "某某自本决议作出之日起不再担任提名委员会主席职务": the day phrase between
 * name and verb. */
static void test_gaoguan_from_resolution_day(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "公司原第三届董事会提名委员会主席魏林自本决议作出之日起不再担任提名委员会主席"
         "职务。",
         &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "魏林");
  FX_EXPECT(&res, "高管变动", "高管职位", "提名委员会主席");
  nlp_result_destroy(&res);
}

/* A change of posts joined by 兼, each post a value ("某某博士由公司执行副主席
 * 兼总经理改任为公司执行副主席兼行政总裁"); "某某，51岁，获委任为…" is his
 * appointment, not a nameless one. */
static void test_gaoguan_posts_changed(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "4月24日，青禾发展发布公告称，秦一鸣博士由公司执行副主席兼总经理改任为公司"
         "执行副主席兼行政总裁。",
         &res);
  FX_EXPECT(&res, "高管变动", "变动类型", "改任");
  FX_EXPECT(&res, "高管变动", "高管职位", "总经理");
  FX_EXPECT(&res, "高管变动", "变动后职位", "行政总裁");
  nlp_result_destroy(&res);
  fx_run(state, NULL, "魏林，51岁，获委任为公司执行董事，自2020年5月1日起生效。", &res);
  FX_EXPECT(&res, "高管变动", "高管姓名", "魏林");
  nlp_result_destroy(&res);
}

/* The day the change was announced ("9月1日，某某发布公告称，聘任…") is its
 * 披露日期, not its 事件时间. */
static void test_gaoguan_announced_day_not_event_time(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "9月1日，青禾纯债基金发布公告称，增聘秦一鸣为新任基金经理。", &res);
  FX_EXPECT(&res, "高管变动", "披露日期", "9月1日");
  assert_int_equal(fx_count(&res, "高管变动", "事件时间", NULL), 0);
  nlp_result_destroy(&res);
}

/* ---- 公司上市 --------------------------------------------------------------
 */

/* A listing review suspended or ended is 暂停上市 / 终止上市, and "拟上市公司
 * 某某" only describes the candidate; the review of another filing (an
 * offer waiver) is no listing step. */
static void test_shangshi_review_suspended(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "交易所网站显示，创业板拟上市公司东川青禾环保科技股份有限公司中止审核。",
         &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 1);
  FX_EXPECT(&res, "公司上市", "环节", "暂停上市");
  FX_EXPECT(&res, "公司上市", "上市公司", "东川青禾环保科技股份有限公司");
  assert_int_equal(fx_count(&res, "公司上市", "环节", "筹备上市"), 0);
  nlp_result_destroy(&res);
  fx_run(state, NULL, "南岭电子的首发上市申请已终止审核。", &res);
  FX_EXPECT(&res, "公司上市", "环节", "终止上市");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "证监会决定中止审查南岭集团豁免要约收购东川药业义务的申请。", &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

/* A meeting's numbered year ("召开2021年第35次…会议") is not the day of a
 * review, and a headline's 今日 is no company: the headline's IPO joins the
 * listed companies instead of standing alone. */
static void test_shangshi_meeting_year_headline_day(void **state) {
  nlp_result res;
  fx_run(state, "今日IPO两过一",
         "5月18日，发审委召开2021年第35次发行审核委员会工作会议，2家公司首发上会，"
         "分别是：东川青禾环保科技股份有限公司（简称：青禾环保）、南岭电子股份有限公司"
         "（简称：南岭电子）。",
         &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 2);
  assert_int_equal(fx_count(&res, "公司上市", "事件时间", "5月18日"), 2);
  assert_int_equal(fx_count(&res, "公司上市", "上市公司", "今日"), 0);
  nlp_result_destroy(&res);
}

/* The code in brackets right after the listed company's name. */
static void test_shangshi_code_in_brackets(void **state) {
  nlp_result res;
  fx_run(state, "港股异动︱青禾医疗(02345)上市次日续涨逾5%",
         "青禾医疗今日股价续涨。", &res);
  FX_EXPECT(&res, "公司上市", "证券代码", "02345");
  nlp_result_destroy(&res);
}

/* The listing ceremony ("赴港上市正式鸣锣") is 正式上市; an approved listing
 * still to come ("发行GDR并在伦交所上市，获某某批准") is 筹备上市. */
static void test_shangshi_ceremony_and_approval(void **state) {
  nlp_result res;
  fx_run(state, NULL, "11月26日，青禾科技赴港上市正式鸣锣，开盘上涨6.25%。", &res);
  FX_EXPECT(&res, "公司上市", "环节", "正式上市");
  assert_int_equal(fx_count(&res, "公司上市", "环节", "筹备上市"), 0);
  nlp_result_destroy(&res);
  fx_run(state, "南岭电力发行GDR并在伦交所上市，获中国证监会批准",
         "南岭电力公告，发行GDR并在伦交所上市获得中国证监会核准。", &res);
  FX_EXPECT(&res, "公司上市", "环节", "筹备上市");
  assert_int_equal(fx_count(&res, "公司上市", "环节", "正式上市"), 0);
  nlp_result_destroy(&res);
}

/* A descriptor before the listed company's full name is not part of it
 * ("汽车改装企业某某股份有限公司（简称：…）"). */
static void test_shangshi_descriptor_before_name(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "据证监会官网，汽车改装企业东川青禾汽车股份有限公司（简称：青禾股份）已提交"
         "IPO申请。",
         &res);
  FX_EXPECT(&res, "公司上市", "上市公司", "东川青禾汽车股份有限公司");
  nlp_result_destroy(&res);
}

/* The company of a planned listing with its quote between name and verb
 * ("某某(36.450,-0.75,-2.02%)拟发行GDR并在伦敦证券交易所上市"). */
static void test_shangshi_quote_before_plan(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "重要新闻有：青禾集团9月23日回购1074万股；南岭保险(36.450,-0.75,-2.02%)拟"
         "发行GDR并在伦敦证券交易所上市。",
         &res);
  FX_EXPECT(&res, "公司上市", "上市公司", "南岭保险");
  nlp_result_destroy(&res);
}

/* "某某网讯 11月17日，…" dates the news; "总募集款项净额将达…" is the sum
 * raised. */
static void test_shangshi_dateline_and_raise(void **state) {
  nlp_result res;
  fx_run(state, "青禾地产上市首日破发",
         "青禾网讯 11月17日，青禾地产在港交所挂牌上市，发行价为2.28港元/股，总募集"
         "款项净额将达10.64亿港元。",
         &res);
  FX_EXPECT(&res, "公司上市", "披露时间", "11月17日");
  FX_EXPECT(&res, "公司上市", "募资金额", "10.64亿港元");
  nlp_result_destroy(&res);
}

/* The day a listing step was announced ("今日，某某披露…") is its 披露时间, not
 * its 事件时间. */
static void test_shangshi_announced_day(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "今日，交易所披露了科创板拟IPO企业东川青禾科技股份有限公司的二轮问询回复。",
         &res);
  assert_int_equal(fx_count(&res, "公司上市", NULL, NULL), 1);
  assert_int_equal(fx_count(&res, "公司上市", "事件时间", NULL), 0);
  nlp_result_destroy(&res);
}

/* ---- 股东减持 / 股东增持 ---------------------------------------------------
 */

/* The seller named after a manager's title, or with his post in brackets
 * (not an enterprise "某某(现任公司"), and no group of holders described
 * ("…及重要子公司核心管理人员增持") taken for a company. */
static void test_jianchi_manager_titles(void **state) {
  static const char *const text[] = {
      "近日，公司副总经理、董事会秘书欧阳青通过集中竞价方式减持公司股份3.2万股。",
      "公司高级管理人员钱晓林女士减持公司股份5,000股，占公司总股本0.001%。",
      "公司股东沈白(现任公司董事、副总经理、财务负责人)计划以集中竞价、大宗交易"
      "或协议转让等方式减持公司股份不超过120万股。",
  };
  static const char *const want[] = {"欧阳青", "钱晓林", "沈白"};
  fx_expect_each(state, "股东减持", "减持方", text, want,
                 sizeof text / sizeof *text);
  nlp_result res;
  fx_run(state, NULL,
         "东川青禾披露公司董事、监事、高级管理人员及重要子公司核心管理人员增持"
         "计划，上述人员将增持公司股票累计不低于300万股。",
         &res);
  assert_int_equal(fx_count(&res, "股东增持", "增持方", "重要子公司"), 0);
  nlp_result_destroy(&res);
}

/* A market headline names the stock before its price run: "某某5天4板：",
 * "三连板某某：", "某某股价新高背后：" (the subject, and so 股票简称). */
static void test_jianchi_headline_price_run(void **state) {
  static const char *const title[] = {
      "青禾科技5天4板：实控人拟减持",
      "三连板东川药业：股东拟减持",
      "南岭电子股价新高背后：董事高位减持",
  };
  static const char *const want[] = {"青禾科技", "东川药业", "南岭电子"};
  const char *text = "公司实际控制人王青计划减持公司股份不超过100万股。";
  for (size_t i = 0; i < sizeof title / sizeof *title; i++) {
    nlp_result res;
    fx_run(state, title[i], text, &res);
    FX_EXPECT(&res, "股东减持", "股票简称", want[i]);
    nlp_result_destroy(&res);
  }
}

/* The buyer named after its parent, its clause running on past a comma to
 * the verb ("某某集团全资子公司某某于…通过…系统，增持…"); a quoted stock right
 * after 再增持 is the stock without the verb; a manner of trading
 * ("某某忽悠式增持") is not part of the holder. */
static void test_jianchi_parent_quote_manner(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "南岭集团全资子公司青禾投资于2021年3月1日至2021年4月2日通过上海证券交易"
         "所集中竞价交易系统，增持东川药业股份300万股。",
         &res);
  FX_EXPECT(&res, "股东增持", "增持方", "青禾投资");
  nlp_result_destroy(&res);
  fx_run(state, "南岭集团：再增持东川药业(6.060,-0.02,-0.33%)5%",
         "南岭集团再增持5%股份。", &res);
  FX_EXPECT(&res, "股东增持", "股票简称", "东川药业");
  nlp_result_destroy(&res);
  fx_run(state, "东川药业：股东青禾投资忽悠式增持遭警示",
         "青禾投资未履行增持承诺。", &res);
  FX_EXPECT(&res, "股东增持", "增持方", "青禾投资");
  nlp_result_destroy(&res);
}

/* A holder and those acting in concert with him, one trade with every
 * holder named ("甲先生及其一致行动人乙女士", "甲及其一致行动人乙、丙",
 * "甲及其一致行动人" where 一致行动人 is the second); a sale inside a
 * document's title ("…出具的《关于股份减持计划…》") is not theirs. */
static void test_jianchi_acting_in_concert(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "魏青山先生及其一致行动人魏小林女士通过集中竞价方式合计减持公司股份"
         "120万股。",
         &res);
  FX_EXPECT(&res, "股东减持", "减持方", "魏青山");
  FX_EXPECT(&res, "股东减持", "减持方", "魏小林");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "公司实际控制人秦方及其一致行动人秦一鸣、曹兰计划合计减持公司股份不超过"
         "300万股。",
         &res);
  FX_EXPECT(&res, "股东减持", "减持方", "秦方");
  FX_EXPECT(&res, "股东减持", "减持方", "秦一鸣");
  FX_EXPECT(&res, "股东减持", "减持方", "曹兰");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "公司控股股东南岭投资集团有限公司及其一致行动人尚未增持公司股份。",
         &res);
  FX_EXPECT(&res, "股东增持", "增持方", "南岭投资集团有限公司");
  FX_EXPECT(&res, "股东增持", "增持方", "一致行动人");
  nlp_result_destroy(&res);
}

/* A planned count keeps its bound ("拟减持不超过454万股", not a stock
 * named 不超过), and the sum told with 涉资 / 涉及资金 is the trade's. */
static void test_jianchi_bound_and_sum(void **state) {
  nlp_result res;
  fx_run(state, NULL, "股东南岭投资计划于未来6个月内减持不超过120万股公司股份。",
         &res);
  FX_EXPECT(&res, "股东减持", "交易股票/股份数量", "不超过120万");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "5月6日，东川药业股东魏青山在场内减持公司股份12.5万股，涉及资金"
         "375万港元。",
         &res);
  FX_EXPECT(&res, "股东减持", "交易金额", "375万港元");
  nlp_result_destroy(&res);
}

/* Several holders listed before one sale are its sellers, one event; a
 * title list of holders each planning his own sale ("董事甲、乙拟合计减持")
 * is not read as short names ending in 拟. */
static void test_jianchi_holder_list(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "截至本公告披露日，魏青山、秦一鸣、南岭投资合计减持120万股，占公司总股本"
         "比例为1.2%。",
         &res);
  assert_int_equal(fx_count(&res, "股东减持", NULL, NULL), 1);
  FX_EXPECT(&res, "股东减持", "减持方", "魏青山");
  FX_EXPECT(&res, "股东减持", "减持方", "秦一鸣");
  FX_EXPECT(&res, "股东减持", "减持方", "南岭投资");
  nlp_result_destroy(&res);
  fx_run(state, "东川药业：董事长魏青山、董事秦一鸣拟合计减持不超2%",
         "公司股东魏青山计划减持公司股份不超过100万股。", &res);
  assert_int_equal(fx_count(&res, "股东减持", "减持方", "秦一鸣拟"), 0);
  nlp_result_destroy(&res);
}

/* A dateline with the time of day ("某某网 9月11日早上消息") dates the
 * disclosure; the time of day is not part of it. */
static void test_jianchi_dateline_time_of_day(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾网 5月11日早上消息，东川药业股东魏青山减持公司股份120万股。", &res);
  FX_EXPECT(&res, "股东减持", "披露时间", "5月11日");
  nlp_result_destroy(&res);
}

/* A clause opening with the seller right before the word names him
 * ("某某减持，属于打折套现", "某某女士减持公司股份105,000股"). */
static void test_jianchi_clause_opening_seller(void **state) {
  nlp_result res;
  fx_run(state, NULL, "打折套现。魏青山减持，属于打折套现，交易价格为9.16元/股。",
         &res);
  FX_EXPECT(&res, "股东减持", "减持方", "魏青山");
  nlp_result_destroy(&res);
}

/* A convertible bond sold: the bond is the stock traded, its count in 张. */
static void test_jianchi_convertible_bond(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "公司控股股东魏青山女士通过上海证券交易所交易系统累计减持青禾转债430630张，"
         "占发行总量的2.97%。",
         &res);
  FX_EXPECT(&res, "股东减持", "股票简称", "青禾转债");
  FX_EXPECT(&res, "股东减持", "交易股票/股份数量", "430630");
  nlp_result_destroy(&res);
}

/* The trader named after his parent and a holder title ("控股股东某某集团
 * 下属全资子公司某某公司，通过…增持") is the subsidiary alone. */
static void test_jianchi_parent_before_trader(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "青禾公告，控股股东南岭集团下属全资子公司东川物资公司，通过资产管理计划以"
         "集中竞价交易等方式累计增持公司A股股份6,252,000股。",
         &res);
  FX_EXPECT(&res, "股东增持", "增持方", "东川物资公司");
  nlp_result_destroy(&res);
}

/* A stake raised past a threshold: "某某获某某基金举牌，拟继续增持" (the raider
 * is the buyer). */
static void test_zengchi_raider(void **state) {
  nlp_result res;
  fx_run(state, "东川药业获南岭基金举牌  拟继续增持3%-10%",
         "东川药业公告，南岭基金拟在未来12个月内继续增持公司股份。", &res);
  FX_EXPECT(&res, "股东增持", "增持方", "南岭基金");
  nlp_result_destroy(&res);
}

/* A stock described by an earlier sale ("遭二股东大手笔减持的某某（600123）")
 * is no sale of the story. */
static void test_jianchi_described_by_earlier_sale(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "遭二股东大手笔减持的东川药业（600123），如今又获得了机构的举牌。", &res);
  assert_int_equal(fx_count(&res, "股东减持", NULL, NULL), 0);
  nlp_result_destroy(&res);
}

/* The day a sale was announced ("5月25日，某某公告称，…") is not the day of the
 * trade, and an announced full date is never cut back to its month. */
static void test_jianchi_announced_day(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "5月25日，东川药业公告称，股东魏青山减持公司股份88.6万股。", &res);
  assert_int_equal(fx_count(&res, "股东减持", "交易完成时间", NULL), 0);
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "南岭集团于2018年10月16日发布公告称，秦一鸣拟增持公司股份不低于100万股。",
         &res);
  assert_int_equal(fx_count(&res, "股东增持", "交易完成时间", "2018年10月"), 0);
  nlp_result_destroy(&res);
}

/* A purchase plan's period from a day, without the 自/于 before it. */
static void test_zengchi_plan_period_from_day(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "控股股东魏青山拟于2021年7月5日起计9个月内增持公司股份不少于100万股。",
         &res);
  FX_EXPECT(&res, "股东增持", "交易完成时间", "2021年7月5日起计9个月内");
  nlp_result_destroy(&res);
}

/* A sale plan's period: without the 自 before a date, with the one before
 * 本公告…之日, and told without its start. */
static void test_jianchi_plan_period_forms(void **state) {
  nlp_result res;
  fx_run(state, NULL,
         "公司董事魏林女士计划自2021年5月24日起15个交易日后的六个月内以集中竞价方式"
         "减持本公司股份不超过54,900股。",
         &res);
  FX_EXPECT(&res, "股东减持", "交易完成时间",
            "2021年5月24日起15个交易日后的六个月内");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "公司股东秦方计划自本公告披露之日起十五个交易日后的六个月内减持公司股份不超过"
         "100万股。",
         &res);
  FX_EXPECT(&res, "股东减持", "交易完成时间",
            "自本公告披露之日起十五个交易日后的六个月内");
  nlp_result_destroy(&res);
  fx_run(state, NULL,
         "东川药业股东魏青山，计划15个交易日后的6个月内减持不超过2518.04万股。", &res);
  FX_EXPECT(&res, "股东减持", "交易完成时间", "15个交易日后的6个月内");
  nlp_result_destroy(&res);
}

/* The sum right before the word ("某某66亿元增持某某") is the purchase's. */
static void test_zengchi_sum_before_word(void **state) {
  nlp_result res;
  fx_run(state, "南岭集团66亿元增持青禾快递：物流版图尽在掌握",
         "9月1日，青禾快递发布公告称，已和南岭集团达成新一轮战略合作。", &res);
  FX_EXPECT(&res, "股东增持", "交易金额", "66亿元");
  nlp_result_destroy(&res);
}

/* Holders named by a group after a name ("董事某某等多名董监高拟合计减持")
 * or by two titles ("控股股东及目前第三大股东累计减持"): each a seller. */
static void test_jianchi_holder_groups(void **state) {
  nlp_result res;
  fx_run(state, "东川药业：董事魏青山等多名董监高拟合计减持不超过0.79%",
         "东川药业公告，董事魏青山等多名董监高拟合计减持不超过0.79%。", &res);
  FX_EXPECT(&res, "股东减持", "减持方", "魏青山");
  FX_EXPECT(&res, "股东减持", "减持方", "董监高");
  nlp_result_destroy(&res);
  fx_run(state, NULL, "一年内控股股东及目前第三大股东累计减持超过40亿元。", &res);
  FX_EXPECT(&res, "股东减持", "减持方", "控股股东");
  FX_EXPECT(&res, "股东减持", "减持方", "第三大股东");
  nlp_result_destroy(&res);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_groups_one_role),
      cmocka_unit_test(test_split_values),
      cmocka_unit_test(test_org_not_after_time_words),
      cmocka_unit_test(test_gaoguan_resign_effective_day),
      cmocka_unit_test(test_gaoguan_letter_list_own_posts),
      cmocka_unit_test(test_gaoguan_newcomer_record),
      cmocka_unit_test(test_gaoguan_branch_post_and_its),
      cmocka_unit_test(test_gaoguan_death_company_post),
      cmocka_unit_test(test_gaoguan_short_post_and_list_word),
      cmocka_unit_test(test_gaoguan_present_post_list),
      cmocka_unit_test(test_gaoguan_news_day),
      cmocka_unit_test(test_gaoguan_removed_from_post),
      cmocka_unit_test(test_gaoguan_former_post_left),
      cmocka_unit_test(test_gaoguan_appointee_with_post),
      cmocka_unit_test(test_gaoguan_two_posts_taken_over),
      cmocka_unit_test(test_gaoguan_no_longer_holds_post),
      cmocka_unit_test(test_gaoguan_present_posts_listed),
      cmocka_unit_test(test_gaoguan_former_joins),
      cmocka_unit_test(test_gaoguan_board_committee_post),
      cmocka_unit_test(test_gaoguan_from_resolution_day),
      cmocka_unit_test(test_gaoguan_posts_changed),
      cmocka_unit_test(test_gaoguan_announced_day_not_event_time),
      cmocka_unit_test(test_shangshi_review_suspended),
      cmocka_unit_test(test_shangshi_meeting_year_headline_day),
      cmocka_unit_test(test_shangshi_code_in_brackets),
      cmocka_unit_test(test_shangshi_ceremony_and_approval),
      cmocka_unit_test(test_shangshi_descriptor_before_name),
      cmocka_unit_test(test_shangshi_quote_before_plan),
      cmocka_unit_test(test_shangshi_dateline_and_raise),
      cmocka_unit_test(test_shangshi_announced_day),
      cmocka_unit_test(test_jianchi_manager_titles),
      cmocka_unit_test(test_jianchi_headline_price_run),
      cmocka_unit_test(test_jianchi_parent_quote_manner),
      cmocka_unit_test(test_jianchi_acting_in_concert),
      cmocka_unit_test(test_jianchi_bound_and_sum),
      cmocka_unit_test(test_jianchi_holder_list),
      cmocka_unit_test(test_jianchi_dateline_time_of_day),
      cmocka_unit_test(test_jianchi_clause_opening_seller),
      cmocka_unit_test(test_jianchi_convertible_bond),
      cmocka_unit_test(test_jianchi_parent_before_trader),
      cmocka_unit_test(test_zengchi_raider),
      cmocka_unit_test(test_jianchi_described_by_earlier_sale),
      cmocka_unit_test(test_jianchi_announced_day),
      cmocka_unit_test(test_zengchi_plan_period_from_day),
      cmocka_unit_test(test_jianchi_plan_period_forms),
      cmocka_unit_test(test_zengchi_sum_before_word),
      cmocka_unit_test(test_jianchi_holder_groups),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
