/*
 * test_nlp_bank.c — the bank's own signals (data/rules/bank_*.rules) through
 * the real rule set: for every signal, sentences written for this test
 * (nothing from DuEE-Fin or any real announcement) must give the event with
 * each argument's exact span and, where the role is normalised, its value
 * (yuan, YYYY-MM-DD, ratio).  Also: a list of top-5 suppliers gives every
 * name as its own argument (PCRE2's \p{Han} also matches the ideographic
 * comma, which once glued two names together), a loan a company guarantees
 * for its subsidiary is not the company's own bank loan, a shareholder
 * selling listed shares is not an asset sale, and data/rules/bank_schema.json
 * names every event type and role the rules produce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/nlp.h"

#define RULES_DIR "data/rules"
#define SCHEMA "data/rules/bank_schema.json"

static void diag_print(void *ctx, const char *file, int line,
                       const char *msg) {
  (void)ctx;
  fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

static int setup(void **state) {
  nlp_rules *r = NULL;
  int rc = nlp_rules_load_dir(RULES_DIR, diag_print, NULL, &r);
  if (rc) {
    nlp_rules_free(r);
    return -1;
  }
  *state = r;
  return 0;
}

static int teardown(void **state) {
  nlp_rules_free(*state);
  return 0;
}

/* One expected argument: norm NULL = not checked. */
typedef struct want_arg {
  const char *role, *text, *norm;
} want_arg;

#define MAXW 10
typedef struct bank_case {
  const char *name, *title, *text, *type;
  want_arg args[MAXW];
} bank_case;

static const nlp_arg *find_arg_text(const nlp_event *ev, const char *role,
                                    const char *text) {
  for (size_t i = 0; i < ev->nargs; i++)
    if (!strcmp(ev->args[i].role, role) &&
        (!text || !strcmp(ev->args[i].text, text)))
      return &ev->args[i];
  return NULL;
}

static void print_events(const nlp_result *res) {
  for (size_t i = 0; i < res->n; i++) {
    fprintf(stderr, "  event %s:", res->events[i].type);
    for (size_t k = 0; k < res->events[i].nargs; k++)
      fprintf(stderr, " %s=%s", res->events[i].args[k].role,
              res->events[i].args[k].text);
    fprintf(stderr, "\n");
  }
}

/* Every argument must be the exact bytes of its span (constants aside). */
static void expect_verbatim(const nlp_result *res, const char *text,
                            const char *title) {
  for (size_t i = 0; i < res->n; i++)
    for (size_t k = 0; k < res->events[i].nargs; k++) {
      const nlp_arg *a = &res->events[i].args[k];
      if (a->end == a->begin && a->norm == a->text)
        continue; /* a fixed-vocabulary value (阶段, 状态 …) */
      const char *src = a->in_title ? title : text;
      assert_int_equal(a->end - a->begin, strlen(a->text));
      assert_memory_equal(src + a->begin, a->text, strlen(a->text));
    }
}

static int extract(const nlp_rules *r, const char *title, const char *text,
                   nlp_result *res) {
  nlp_extract_opts o = {0};
  o.title = title;
  o.title_len = title ? strlen(title) : 0;
  o.published = "2024-07-01";
  return nlp_extract(r, NULL, text, strlen(text), &o, res);
}

/* The event of c->type holding every wanted argument (several events of a
 * type may come out of one text: top-5 lists). */
static void check_case(const nlp_rules *r, const bank_case *c) {
  nlp_result res;
  assert_int_equal(extract(r, c->title, c->text, &res), 0);
  const nlp_event *hit = NULL;
  for (size_t i = 0; i < res.n && !hit; i++) {
    const nlp_event *ev = &res.events[i];
    if (strcmp(ev->type, c->type))
      continue;
    int all = 1;
    for (int k = 0; k < MAXW && c->args[k].role && all; k++)
      all = find_arg_text(ev, c->args[k].role, c->args[k].text) != NULL;
    if (all)
      hit = ev;
  }
  if (!hit) {
    fprintf(stderr, "case %s: no %s event with all wanted arguments; got:\n",
            c->name, c->type);
    print_events(&res);
    for (int k = 0; k < MAXW && c->args[k].role; k++)
      fprintf(stderr, "  want %s=%s\n", c->args[k].role, c->args[k].text);
    fail_msg("case %s", c->name);
  }
  for (int k = 0; k < MAXW && c->args[k].role; k++) {
    if (!c->args[k].norm)
      continue;
    const nlp_arg *a = find_arg_text(hit, c->args[k].role, c->args[k].text);
    if (!a->norm || strcmp(a->norm, c->args[k].norm))
      fail_msg("case %s: %s=%s normalised to %s, want %s", c->name,
               c->args[k].role, c->args[k].text, a->norm ? a->norm : "(none)",
               c->args[k].norm);
  }
  expect_verbatim(&res, c->text, c->title ? c->title : "");
  nlp_result_destroy(&res);
}

static const bank_case CASES[] = {
    {"bond, medium-term notes",
     "华恒电子：关于发行中期票据的公告",
     "华恒电子科技股份有限公司于2024年3月15日完成2024年度第一期中期票据的发行，"
     "发行金额为5亿元，期限3年，票面利率3.25%。",
     "债券发行",
     {{"发行方", "华恒电子科技股份有限公司", NULL},
      {"债券名称", "2024年度第一期中期票据", NULL},
      {"债券类型", "中期票据", NULL},
      {"发行金额", "5亿元", "500000000.00 CNY"},
      {"债券期限", "3年", NULL},
      {"票面利率", "3.25%", "0.0325"},
      {"发行时间", "2024年3月15日", "2024-03-15"}}},
    {"bond, planned corporate bonds", NULL,
     "公司拟公开发行不超过10亿元公司债券，债券期限不超过5年。",
     "债券发行",
     {{"发行金额", "10亿元", "1000000000.00 CNY"},
      {"债券类型", "公司债券", NULL},
      {"债券期限", "5年", NULL}}},
    {"guarantee for a subsidiary's credit line", "关于为子公司提供担保的公告",
     "公司为全资子公司宏鼎物流有限公司向招商银行股份有限公司申请的3,000万元"
     "综合授信提供连带责任保证担保，保证期间自2024年1月1日至2026年12月31日。",
     "对外担保",
     {{"被担保方", "宏鼎物流有限公司", NULL},
      {"债权人", "招商银行股份有限公司", NULL},
      {"担保金额", "3,000万元", "30000000.00 CNY"},
      {"担保方式", "连带责任保证", NULL},
      {"担保期限", "自2024年1月1日至2026年12月31日", NULL},
      {"担保起始日", "2024年1月1日", "2024-01-01"},
      {"担保到期日", "2026年12月31日", "2026-12-31"}}},
    {"guarantee between two named companies", NULL,
     "华恒电子科技股份有限公司为金瑞建设工程有限公司提供担保，担保金额为人民币"
     "5000万元，担保期限为一年。",
     "对外担保",
     {{"担保方", "华恒电子科技股份有限公司", NULL},
      {"被担保方", "金瑞建设工程有限公司", NULL},
      {"担保金额", "人民币5000万元", "50000000.00 CNY"},
      {"担保期限", "一年", NULL}}},
    {"suit filed by the company", NULL,
     "公司就与金瑞建设工程有限公司的买卖合同纠纷向上海市浦东新区人民法院提起诉讼，"
     "请求判令被告支付货款及违约金合计1,250万元。",
     "诉讼",
     {{"被告", "金瑞建设工程有限公司", NULL},
      {"法院", "上海市浦东新区人民法院", NULL},
      {"阶段", "起诉", NULL},
      {"涉案金额", "合计1,250万元", "12500000.00 CNY"}}},
    {"suit served on the company", NULL,
     "近日，公司收到江苏省苏州市中级人民法院送达的《民事起诉状》，原告中国工商银行"
     "股份有限公司苏州分行诉公司金融借款合同纠纷，涉案金额为8,600万元。",
     "诉讼",
     {{"原告", "中国工商银行股份有限公司苏州分行", NULL},
      {"法院", "江苏省苏州市中级人民法院", NULL},
      {"阶段", "受理", NULL},
      {"涉案金额", "8,600万元", "86000000.00 CNY"}}},
    {"first-instance judgment", NULL,
     "近日，公司收到上海市第一中级人民法院作出的一审判决书，判决被告宏鼎物流有限"
     "公司向公司支付货款3,200万元及利息。",
     "判决",
     {{"被告", "宏鼎物流有限公司", NULL},
      {"法院", "上海市第一中级人民法院", NULL},
      {"阶段", "一审判决", NULL},
      {"涉案金额", "3,200万元", "32000000.00 CNY"}}},
    {"major asset sale", NULL,
     "公司拟将持有的宏鼎物流有限公司100%股权出售给金瑞控股集团有限公司，"
     "交易价格为3.6亿元。",
     "重大资产出售",
     {{"交易标的", "宏鼎物流有限公司100%股权", NULL},
      {"受让方", "金瑞控股集团有限公司", NULL},
      {"交易金额", "3.6亿元", "360000000.00 CNY"}}},
    {"investment agreement with a city government", NULL,
     "公司与苏州市人民政府签署《新能源产业园项目投资合作协议》，项目总投资约20亿元，"
     "合作期限25年。",
     "政府合作",
     {{"政府方", "苏州市人民政府", NULL},
      {"项目名称", "新能源产业园项目投资合作协议", NULL},
      {"合作模式", "投资协议", NULL},
      {"投资金额", "20亿元", "2000000000.00 CNY"},
      {"合作期限", "25年", NULL}}},
    {"PPP project", NULL,
     "公司联合体中选南京市城市污水处理PPP项目，项目总投资12.5亿元，合作期限25年。",
     "政府合作",
     {{"项目名称", "南京市城市污水处理PPP项目", NULL},
      {"合作模式", "PPP", NULL},
      {"投资金额", "12.5亿元", "1250000000.00 CNY"}}},
    {"environmental approval", NULL,
     "公司于2024年5月20日收到苏州市生态环境局出具的《关于年产5万吨锂电池材料项目"
     "环境影响报告书的批复》（苏环建〔2024〕12号），项目总投资8亿元。",
     "环评批复",
     {{"审批机关", "苏州市生态环境局", NULL},
      {"项目名称", "年产5万吨锂电池材料项目", NULL},
      {"批复时间", "2024年5月20日", "2024-05-20"},
      {"批复文号", "苏环建〔2024〕12号", NULL},
      {"总投资", "8亿元", "800000000.00 CNY"}}},
    {"real-estate mortgage with maturity", NULL,
     "公司以位于苏州工业园区的自有房产及土地使用权抵押给中国工商银行股份有限公司"
     "苏州分行，贷款金额2亿元，抵押期限自2024年3月1日至2027年2月28日。",
     "抵押登记",
     {{"抵押物", "位于苏州工业园区的自有房产及土地使用权", NULL},
      {"抵押权人", "中国工商银行股份有限公司苏州分行", NULL},
      {"担保债权金额", "2亿元", "200000000.00 CNY"},
      {"到期日", "2027年2月28日", "2027-02-28"}}},
    {"equity-pledge registration record", NULL,
     "股权出质登记：出质人华恒电子科技股份有限公司，出质股权所在公司金瑞建设工程"
     "有限公司，出质股权数额3000万元，质权人招商银行股份有限公司，登记日期2024年"
     "2月5日，债务履行期限自2024年2月5日至2026年2月4日。",
     "股权出质登记",
     {{"出质人", "华恒电子科技股份有限公司", NULL},
      {"出质股权所在公司", "金瑞建设工程有限公司", NULL},
      {"质权人", "招商银行股份有限公司", NULL},
      {"出质股权数额", "3000万元", "30000000.00 CNY"},
      {"登记日期", "2024年2月5日", "2024-02-05"},
      {"到期日", "2026年2月4日", "2026-02-04"}}},
    {"factoring", NULL,
     "公司拟与平安商业保理有限公司开展应收账款保理业务，融资额度不超过3亿元，"
     "期限一年。",
     "应收账款融资",
     {{"资金提供方", "平安商业保理有限公司", NULL},
      {"融资方式", "应收账款保理", NULL},
      {"金额", "3亿元", "300000000.00 CNY"},
      {"融资期限", "一年", NULL}}},
    {"credit line from another bank", NULL,
     "公司近日获得中国银行股份有限公司苏州分行综合授信额度人民币8亿元，"
     "授信期限三年。",
     "他行融资",
     {{"贷款银行", "中国银行股份有限公司苏州分行", NULL},
      {"融资方式", "综合授信额度", NULL},
      {"金额", "8亿元", "800000000.00 CNY"},
      {"期限", "三年", NULL}}},
    {"working-capital loan applied for", NULL,
     "公司向兴业银行股份有限公司申请不超过5亿元的流动资金贷款，期限12个月。",
     "他行融资",
     {{"贷款银行", "兴业银行股份有限公司", NULL},
      {"金额", "5亿元", "500000000.00 CNY"},
      {"融资方式", "流动资金贷款", NULL},
      {"期限", "12个月", NULL}}},
    {"structured deposit redeemed at maturity", NULL,
     "公司使用闲置募集资金5,000万元购买的招商银行股份有限公司“点金系列看涨三层"
     "区间92天结构性存款”已于2024年6月28日到期赎回，收回本金5,000万元，"
     "获得收益38.6万元。",
     "理财到期",
     {{"产品名称", "点金系列看涨三层区间92天结构性存款", NULL},
      {"状态", "到期赎回", NULL},
      {"金额", "5,000万元", "50000000.00 CNY"},
      {"到期日", "2024年6月28日", "2024-06-28"},
      {"实际收益", "38.6万元", "386000.00 CNY"}}},
    {"wealth product bought, maturity ahead", NULL,
     "2024年1月5日，公司使用自有资金3,000万元购买兴业银行股份有限公司“添利3号"
     "结构性存款”，起息日2024年1月8日，到期日2024年4月8日。",
     "理财到期",
     {{"受托方", "兴业银行股份有限公司", NULL},
      {"产品名称", "添利3号结构性存款", NULL},
      {"状态", "购买", NULL},
      {"金额", "3,000万元", "30000000.00 CNY"},
      {"起息日", "2024年1月8日", "2024-01-08"},
      {"到期日", "2024年4月8日", "2024-04-08"}}},
    {"top-5 customers, first item", NULL,
     "2023年度，公司前五大客户中，金瑞建设工程有限公司销售金额1.8亿元，占年度销售"
     "总额的15.2%；宏鼎物流有限公司销售金额9,600万元，占年度销售总额的8.1%。",
     "前五大客户",
     {{"客户", "金瑞建设工程有限公司", NULL},
      {"销售金额", "1.8亿元", "180000000.00 CNY"},
      {"占比", "15.2%", "0.152"},
      {"报告期", "2023年度", NULL}}},
    {"top-5 customers, second item", NULL,
     "2023年度，公司前五大客户中，金瑞建设工程有限公司销售金额1.8亿元，占年度销售"
     "总额的15.2%；宏鼎物流有限公司销售金额9,600万元，占年度销售总额的8.1%。",
     "前五大客户",
     {{"客户", "宏鼎物流有限公司", NULL},
      {"销售金额", "9,600万元", "96000000.00 CNY"},
      {"占比", "8.1%", "0.081"}}},
    {"top-5 supplier with purchases", NULL,
     "报告期内，公司向前五大供应商宏鼎物流有限公司的采购金额为8,600万元，"
     "占年度采购总额的12.4%。",
     "前五大供应商",
     {{"供应商", "宏鼎物流有限公司", NULL},
      {"采购金额", "8,600万元", "86000000.00 CNY"},
      {"占比", "12.4%", "0.124"}}},
};

static void test_every_signal(void **state) {
  const nlp_rules *r = *state;
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
    check_case(r, &CASES[i]);
}

/* "甲、乙和丙": three names, not "甲、乙" and "丙". */
static void test_top5_list_names_apart(void **state) {
  const nlp_rules *r = *state;
  const char *text = "公司前五大供应商分别为宏鼎物流有限公司、金瑞建设工程有限公司"
                     "和永盛化工有限公司。";
  nlp_result res;
  assert_int_equal(extract(r, NULL, text, &res), 0);
  const char *want[] = {"宏鼎物流有限公司", "金瑞建设工程有限公司",
                        "永盛化工有限公司"};
  size_t n = 0;
  for (size_t i = 0; i < res.n; i++) {
    if (strcmp(res.events[i].type, "前五大供应商"))
      continue;
    for (size_t k = 0; k < res.events[i].nargs; k++)
      if (!strcmp(res.events[i].args[k].role, "供应商")) {
        assert_true(n < 3);
        assert_string_equal(res.events[i].args[k].text, want[n]);
        n++;
      }
  }
  if (n != 3)
    print_events(&res);
  assert_int_equal(n, 3);
  nlp_result_destroy(&res);
}

static int has_type(const nlp_result *res, const char *type) {
  for (size_t i = 0; i < res->n; i++)
    if (!strcmp(res->events[i].type, type))
      return 1;
  return 0;
}

static void test_not_confused(void **state) {
  const nlp_rules *r = *state;
  nlp_result res;
  /* a subsidiary's loan guaranteed by the company: 对外担保 only */
  const char *t1 = "公司为控股子公司宏鼎物流有限公司向兴业银行股份有限公司申请"
                   "不超过2亿元的贷款提供连带责任保证担保。";
  assert_int_equal(extract(r, NULL, t1, &res), 0);
  assert_true(has_type(&res, "对外担保"));
  assert_false(has_type(&res, "他行融资"));
  nlp_result_destroy(&res);
  /* a shareholder selling listed shares is no asset sale of the company */
  const char *t2 = "股东张伟先生通过大宗交易减持公司股份120万股，占公司总股本的"
                   "0.8%。";
  assert_int_equal(extract(r, NULL, t2, &res), 0);
  assert_false(has_type(&res, "重大资产出售"));
  nlp_result_destroy(&res);
  /* a court summons asking a judgment is not yet a judgment */
  const char *t3 = "原告请求判令被告金瑞建设工程有限公司支付货款800万元。";
  assert_int_equal(extract(r, NULL, t3, &res), 0);
  assert_false(has_type(&res, "判决"));
  nlp_result_destroy(&res);
}

/* Every (type, role) the rules produce on the cases is in the schema file,
 * and every bank type of the schema is produced by some case. */
static void test_schema_lists_types_and_roles(void **state) {
  const nlp_rules *r = *state;
  FILE *f = fopen(SCHEMA, "r");
  assert_non_null(f);
  char line[4096];
  size_t ntypes = 0;
  char types[32][64];
  json_t *schemas[32];
  while (fgets(line, sizeof line, f) && ntypes < 32) {
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    if (!o)
      continue; /* blank line */
    const char *t = json_string_value(json_object_get(o, "event_type"));
    assert_non_null(t);
    assert_true(json_is_array(json_object_get(o, "role_list")));
    snprintf(types[ntypes], sizeof types[ntypes], "%s", t);
    schemas[ntypes++] = o;
  }
  fclose(f);
  assert_true(ntypes >= 12);
  int seen[32] = {0};
  for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
    nlp_result res;
    assert_int_equal(extract(r, CASES[c].title, CASES[c].text, &res), 0);
    for (size_t i = 0; i < res.n; i++) {
      size_t t;
      for (t = 0; t < ntypes && strcmp(types[t], res.events[i].type); t++)
        ;
      if (t == ntypes)
        continue; /* a DuEE-Fin type (其他规则) */
      seen[t] = 1;
      json_t *roles = json_object_get(schemas[t], "role_list");
      for (size_t k = 0; k < res.events[i].nargs; k++) {
        int found = 0;
        size_t j;
        json_t *ro;
        json_array_foreach(roles, j, ro) {
          const char *name = json_string_value(json_object_get(ro, "role"));
          if (name && !strcmp(name, res.events[i].args[k].role))
            found = 1;
        }
        if (!found)
          fail_msg("role %s of %s missing from %s",
                   res.events[i].args[k].role, types[t], SCHEMA);
      }
    }
    nlp_result_destroy(&res);
  }
  for (size_t t = 0; t < ntypes; t++) {
    if (!seen[t])
      fail_msg("schema type %s produced by no test case", types[t]);
    json_decref(schemas[t]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_signal),
      cmocka_unit_test(test_top5_list_names_apart),
      cmocka_unit_test(test_not_confused),
      cmocka_unit_test(test_schema_lists_types_and_roles),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
