/*
 * test_opportunity.c — opportunity/: loading the product matrix (the bundled
 * data/ files and broken ones), an event becoming an opportunity with the
 * right products and explanation, one opportunity for the same event reported
 * by two documents, RM assignment (client → its RM, prospect → territory, else
 * least loaded), risk flags (guarantee circle, risk events), dropped
 * candidates counted by reason, and idempotent regeneration.
 *
 * The bundled data directory is found through $OPPGRAPH_DATA, else ./data
 * (the tests run from the repository root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "ingest/ingest.h"
#include "opportunity/opportunity.h"
#include "server/server.h"

/* 2024-03-20 00:00 UTC */
#define NOW 1710892800

typedef struct fx {
  char dir[64];
  store *st;
  opp_config *cfg;
  uint64_t client, prospect_sz, prospect_bj, agent, circ_a, circ_b;
  uint64_t next_doc;
} fx;

static const char *data_dir(void) {
  const char *d = getenv("OPPGRAPH_DATA");
  return d && *d ? d : "data";
}

static uint64_t ent(store_txn *txn, const char *name, const char *region,
                    bool client, const char *rm) {
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = (char *)name;
  e.region = (char *)region;
  e.is_client = client;
  e.rm_id = (char *)(rm ? rm : "");
  e.industry = (char *)"E48";
  assert_int_equal(store_ent_put(txn, &e), 0);
  return e.id;
}

static void rm(store_txn *txn, const char *id, const char *region,
               unsigned capacity) {
  Oppgraph__V1__Rm r = OPPGRAPH__V1__RM__INIT;
  char *regions[1] = {(char *)region};
  r.id = (char *)id;
  r.name = (char *)id;
  r.regions = regions;
  r.n_regions = region ? 1 : 0;
  r.capacity = capacity;
  assert_int_equal(store_rm_put(txn, &r), 0);
}

static int setup(void **state) {
  fx *f = calloc(1, sizeof *f);
  strcpy(f->dir, "/tmp/test_opp_XXXXXX");
  if (!mkdtemp(f->dir))
    return -1;
  if (store_open(f->dir, NULL, &f->st))
    return -1;
  char err[512];
  if (opp_config_load(data_dir(), &f->cfg, err, sizeof err)) {
    fprintf(stderr, "cannot load the bundled config: %s\n", err);
    return -1;
  }
  store_txn *txn;
  if (store_begin(f->st, true, &txn))
    return -1;
  rm(txn, "RM001", "3301", 20);
  rm(txn, "RM002", "4403", 20);
  rm(txn, "RM003", NULL, 20);
  f->client = ent(txn, "杭州甲建设集团有限公司", "330106", true, "RM001");
  f->prospect_sz = ent(txn, "深圳乙科技股份有限公司", "440305", false, NULL);
  f->prospect_bj = ent(txn, "北京丙能源有限公司", "110105", false, NULL);
  f->agent = ent(txn, "浙江丁招标代理有限公司", "330106", false, NULL);
  f->circ_a = ent(txn, "戊化工有限公司", "440305", false, NULL);
  f->circ_b = ent(txn, "己纺织有限公司", "440305", false, NULL);
  if (store_commit(txn))
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  opp_config_free(f->cfg);
  store_close(f->st);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  if (system(cmd))
    return -1;
  free(f);
  return 0;
}

typedef struct arg_spec {
  const char *role, *text, *norm;
  uint64_t ent;
} arg_spec;

/* Stores a document and one event with the given arguments; returns the
 * event id. */
static uint64_t event(fx *f, const char *type, const char *published,
                      const arg_spec *args, size_t nargs) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  char text[64];
  snprintf(text, sizeof text, "document %llu",
           (unsigned long long)++f->next_doc);
  Oppgraph__V1__Document d = OPPGRAPH__V1__DOCUMENT__INIT;
  uint8_t hash[32] = {0};
  memcpy(hash, &f->next_doc, sizeof f->next_doc);
  d.text = text;
  d.title = text;
  d.published = (char *)published;
  d.content_hash.data = hash;
  d.content_hash.len = 32;
  bool is_new;
  assert_int_equal(store_doc_put(txn, &d, &is_new), 0);
  assert_true(is_new);
  Oppgraph__V1__Argument a[8], *ap[8];
  uint64_t subj[8];
  size_t ns = 0;
  for (size_t i = 0; i < nargs; i++) {
    oppgraph__v1__argument__init(&a[i]);
    a[i].role = (char *)args[i].role;
    a[i].text = (char *)args[i].text;
    a[i].norm = (char *)(args[i].norm ? args[i].norm : "");
    a[i].enterprise_id = args[i].ent;
    if (args[i].ent)
      subj[ns++] = args[i].ent;
    ap[i] = &a[i];
  }
  Oppgraph__V1__Event e = OPPGRAPH__V1__EVENT__INIT;
  e.type = (char *)type;
  e.trigger = (char *)type;
  e.arguments = ap;
  e.n_arguments = nargs;
  e.subject_ids = subj;
  e.n_subject_ids = ns;
  e.document_id = d.id;
  e.published = (char *)published;
  e.confidence = 1;
  assert_int_equal(store_evt_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
  return e.id;
}

static uint64_t bid(fx *f, uint64_t who, const char *name, const char *amount,
                    const char *published) {
  arg_spec a[] = {{"中标公司", name, NULL, who},
                  {"中标标的", "智慧园区建设项目", NULL, 0},
                  {"中标金额", "1.2亿元", amount, 0}};
  return event(f, "中标", published, a, 3);
}

/* The opportunity of an enterprise (the test worlds have one each). */
typedef struct find_ctx {
  uint64_t ent;
  Oppgraph__V1__Opportunity *o;
  size_t n;
} find_ctx;

static int find_cb(void *ctx, const Oppgraph__V1__Opportunity *o) {
  find_ctx *c = ctx;
  c->n++;
  if (o->enterprise_id != c->ent || c->o)
    return 0;
  size_t len = oppgraph__v1__opportunity__get_packed_size(o);
  uint8_t *buf = malloc(len + 1);
  oppgraph__v1__opportunity__pack(o, buf);
  c->o = oppgraph__v1__opportunity__unpack(NULL, len, buf);
  free(buf);
  return 0;
}

static Oppgraph__V1__Opportunity *opp_of(fx *f, uint64_t ent, size_t *total) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  find_ctx c = {ent, NULL, 0};
  assert_int_equal(store_opp_foreach(txn, find_cb, &c), 0);
  store_abort(txn);
  if (total)
    *total = c.n;
  return c.o;
}

static void generate(fx *f, opp_report *rep) {
  assert_int_equal(opp_generate(f->st, f->cfg, NOW, rep), 0);
}

/* ---- configuration ----------------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static const char *GOOD_SCORING =
    "{\"score\":{\"scale\":100,\"value_log_cap\":8,\"p_client\":0.6,"
    "\"p_prospect\":0.2,\"default_amount\":1e7},\"min_amount\":0,"
    "\"half_life_days\":30,\"risk_window_days\":365}";

static void test_config_bundled_and_broken(void **state) {
  fx *f = *state;
  assert_true(opp_config_rule_count(f->cfg) >= 10);

  char dir[64] = "/tmp/test_oppcfg_XXXXXX";
  assert_non_null(mkdtemp(dir));
  char err[512];
  opp_config *c = NULL;
  /* missing files */
  assert_int_equal(opp_config_load(dir, &c, err, sizeof err), OPP_ECONFIG);
  assert_null(c);
  assert_non_null(strstr(err, "products.json"));
  /* JSON syntax error: the message names file and line */
  write_file(dir, "products.json",
             "{\"products\": {\n  \"A\": {\"name\": }\n}");
  write_file(dir, "opportunity.json", GOOD_SCORING);
  assert_int_equal(opp_config_load(dir, &c, err, sizeof err), OPP_ECONFIG);
  assert_non_null(strstr(err, "products.json"));
  assert_non_null(strstr(err, "line 2"));
  /* a rule naming an undefined product */
  write_file(dir, "products.json",
             "{\"products\":{\"A\":{\"name\":\"甲\",\"revenue_factor\":0.1}},"
             "\"rules\":[{\"event\":\"中标\",\"products\":[\"NOPE\"],"
             "\"expiry_days\":9,\"template\":\"{event}\"}]}");
  assert_int_equal(opp_config_load(dir, &c, err, sizeof err), OPP_ECONFIG);
  assert_non_null(strstr(err, "rules[0]"));
  assert_non_null(strstr(err, "NOPE"));
  /* fixed: loads; then a bad scoring file is named */
  write_file(dir, "products.json",
             "{\"products\":{\"A\":{\"name\":\"甲\",\"revenue_factor\":0.1}},"
             "\"rules\":[{\"event\":\"中标\",\"products\":[\"A\"],"
             "\"expiry_days\":9,\"template\":\"{event}\"}]}");
  assert_int_equal(opp_config_load(dir, &c, err, sizeof err), 0);
  assert_int_equal(opp_config_rule_count(c), 1);
  opp_config_free(c);
  write_file(dir, "opportunity.json", "{\"score\":{\"scale\":\"big\"}}");
  assert_int_equal(opp_config_load(dir, &c, err, sizeof err), OPP_ECONFIG);
  assert_non_null(strstr(err, "opportunity.json"));
  assert_non_null(strstr(err, "scale"));
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* ---- generation -------------------------------------------------------- */

static void test_bid_becomes_opportunity(void **state) {
  fx *f = *state;
  bid(f, f->client, "杭州甲建设集团有限公司", "120000000", "2024-03-05");
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.events, 1);
  assert_int_equal(rep.opportunities, 1);
  assert_int_equal(rep.created, 1);
  Oppgraph__V1__Opportunity *o = opp_of(f, f->client, NULL);
  assert_non_null(o);
  assert_string_equal(o->type, "中标");
  assert_int_equal(o->n_products, 3);
  assert_string_equal(o->products[0], "履约保函");
  assert_string_equal(o->products[1], "预付款保函");
  assert_string_equal(o->products[2], "流动资金贷款");
  assert_string_equal(o->rm_id, "RM001"); /* a client goes to its own RM */
  assert_int_equal(o->amount, 120000000);
  assert_int_equal(o->status, OPPGRAPH__V1__OPP_STATUS__OPP_NEW);
  assert_non_null(
      strstr(o->explanation, "杭州甲建设集团有限公司中标智慧园区建设项目"));
  assert_non_null(strstr(o->explanation, "金额1.2亿元"));
  assert_non_null(strstr(o->explanation, "履约保函、预付款保函、流动资金贷款"));
  assert_non_null(strstr(o->explanation, "RM001的存量客户"));
  assert_non_null(o->parts);
  assert_true(o->parts->value > 0 && o->parts->value <= 1);
  assert_float_equal(o->parts->probability, 0.6, 1e-9);
  /* 15 days old with a 30-day half-life */
  assert_float_equal(o->parts->urgency, 0.70710678, 1e-6);
  assert_float_equal(
      o->score,
      100 * o->parts->value * o->parts->probability * o->parts->urgency, 1e-9);
  assert_int_equal(o->n_risk_flags, 0);
  char key[96];
  snprintf(key, sizeof key, "中标#bid_won|%llu|12e7|2024-03",
           (unsigned long long)f->client);
  assert_string_equal(o->dedup_key, key);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

static void test_same_event_two_documents(void **state) {
  fx *f = *state;
  uint64_t e1 = bid(f, f->prospect_sz, "深圳乙科技", "120000000", "2024-03-05");
  uint64_t e2 = bid(f, f->prospect_sz, "深圳乙科技股份有限公司", "119000000",
                    "2024-03-07");
  bid(f, f->prospect_sz, "深圳乙科技", "500000000", "2024-03-09"); /* another */
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.candidates, 3);
  assert_int_equal(rep.opportunities, 2);
  assert_int_equal(rep.merged, 1);
  size_t total;
  Oppgraph__V1__Opportunity *o = opp_of(f, f->prospect_sz, &total);
  assert_int_equal(total, 2);
  assert_non_null(o);
  /* the merged one comes first in id order */
  assert_int_equal(o->n_event_ids, 2);
  assert_int_equal(o->event_ids[0], e1);
  assert_int_equal(o->event_ids[1], e2);
  assert_int_equal(o->n_document_ids, 2);
  assert_non_null(strstr(o->explanation, "2篇公告"));
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

static void test_rm_assignment(void **state) {
  fx *f = *state;
  bid(f, f->prospect_sz, "深圳乙科技", "30000000", "2024-03-05");
  bid(f, f->prospect_bj, "北京丙能源", "30000000", "2024-03-05");
  opp_report rep;
  generate(f, &rep);
  Oppgraph__V1__Opportunity *o = opp_of(f, f->prospect_sz, NULL);
  assert_non_null(o);
  assert_string_equal(o->rm_id, "RM002"); /* territory 4403 covers 440305 */
  assert_non_null(strstr(o->explanation, "440305"));
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  /* nobody covers Beijing: the least-loaded RM, RM001 and RM003 tie at 0,
   * RM002 has one already; ties go to the smaller id */
  o = opp_of(f, f->prospect_bj, NULL);
  assert_non_null(o);
  assert_string_equal(o->rm_id, "RM001");
  assert_non_null(strstr(o->explanation, "按工作量"));
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

static void test_risk_flags(void **state) {
  fx *f = *state;
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = OPPGRAPH__V1__EDGE_TYPE__GUARANTEE;
  e.src = f->circ_a;
  e.dst = f->circ_b;
  assert_int_equal(store_edge_put(txn, &e), 0);
  e.id = 0;
  e.src = f->circ_b;
  e.dst = f->circ_a;
  assert_int_equal(store_edge_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
  graph_report gr;
  assert_int_equal(graph_rebuild_circles(f->st, &gr), 0);
  assert_int_equal(gr.circles, 1);

  bid(f, f->circ_a, "戊化工", "80000000", "2024-03-05");
  bid(f, f->prospect_sz, "深圳乙科技", "80000000", "2024-03-05");
  arg_spec loss[] = {{"公司名称", "深圳乙科技", NULL, f->prospect_sz},
                     {"净亏损", "3亿元", "300000000", 0}};
  event(f, "亏损", "2024-02-01", loss, 2);
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.risk_events, 1);
  assert_int_equal(rep.opportunities,
                   2); /* the loss itself is no opportunity */
  assert_int_equal(rep.flagged, 2);

  Oppgraph__V1__Opportunity *o = opp_of(f, f->circ_a, NULL);
  assert_non_null(o);
  assert_int_equal(o->n_risk_flags, 1);
  assert_string_equal(o->risk_flags[0], "担保圈");
  assert_true(o->parts->risk_penalty > 0);
  assert_non_null(strstr(o->explanation, "担保圈成员"));
  /* a flag demotes by its fraction of the score (担保圈 0.15) */
  double circ_base = o->score + o->parts->risk_penalty;
  assert_float_equal(o->parts->risk_penalty, 0.15 * circ_base, 1e-9);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);

  o = opp_of(f, f->prospect_sz, NULL);
  assert_non_null(o);
  assert_int_equal(o->n_risk_flags, 1);
  assert_string_equal(o->risk_flags[0], "亏损");
  assert_non_null(strstr(o->explanation, "风险提示: 亏损"));
  /* same amount, date and client status: only the flags differ */
  assert_float_equal(o->score + o->parts->risk_penalty, circ_base, 1e-9);
  assert_float_equal(o->parts->risk_penalty, 0.15 * circ_base, 1e-9); /* 亏损 */
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

/* Tag lines of every bundled tag rule, on prospects in RM001's territory
 * chosen to score as high as tag lines can (huge capital). */
static void tag_prospects(fx *f, size_t n) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  for (size_t i = 0; i < n; i++) {
    Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
    char name[64], code[16];
    char *tags[3] = {(char *)"上市公司", (char *)"专精特新",
                     (char *)"高新技术企业"};
    snprintf(name, sizeof name, "杭州标签%zu科技股份有限公司", i);
    snprintf(code, sizeof code, "%06zu", 600000 + i);
    e.name = name;
    e.region = (char *)"330106";
    e.founded = (char *)"2023-09-01";
    e.registered_capital = 500000000000LL;
    e.tags = tags;
    e.n_tags = 3;
    e.stock_code = i % 2 ? code : (char *)"";
    e.rm_id = (char *)"";
    assert_int_equal(store_ent_put(txn, &e), 0);
  }
  assert_int_equal(store_commit(txn), 0);
}

static int max_tag_cb(void *ctx, const Oppgraph__V1__Opportunity *o) {
  double *m = ctx;
  if (!strcmp(o->type, "标签营销") && o->score > *m)
    *m = o->score;
  return 0;
}

/* Risk is a flag and a moderate demotion: a client's large deal with three
 * flags (企业破产 0.35 + 亏损 0.15 + 授信曾被拒 0.2) loses at most
 * risk_max_demotion (half) of its score and, like a prospect's fresh deal,
 * still ranks above every tag-marketing line.  Penalty points used to push
 * such a deal below zero, under 20 tag lines. */
static void test_risk_demotes_events_stay_above_tags(void **state) {
  fx *f = *state;
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Enterprise *c;
  assert_int_equal(store_ent_get(txn, f->client, &c), 0);
  c->credit_declined = true;
  assert_int_equal(store_ent_put(txn, c), 0);
  oppgraph__v1__enterprise__free_unpacked(c, NULL);
  assert_int_equal(store_commit(txn), 0);
  tag_prospects(f, 24);
  arg_spec bk[] = {{"破产公司", "杭州甲建设", NULL, f->client}};
  event(f, "企业破产", "2024-03-01", bk, 1);
  arg_spec loss[] = {{"公司名称", "杭州甲建设", NULL, f->client},
                     {"净亏损", "3亿元", "300000000", 0}};
  event(f, "亏损", "2024-02-01", loss, 2);
  bid(f, f->client, "杭州甲建设", "120000000", "2024-03-05");
  bid(f, f->prospect_sz, "深圳乙科技", "20000000", "2024-03-15");
  opp_report rep;
  generate(f, &rep);
  assert_true(rep.tagged >= 24);
  double max_tag = -1e300;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  assert_int_equal(store_opp_foreach(txn, max_tag_cb, &max_tag), 0);
  store_abort(txn);
  assert_true(max_tag > 0);

  Oppgraph__V1__Opportunity *o = opp_of(f, f->client, NULL);
  assert_non_null(o);
  assert_string_equal(o->type, "中标");
  assert_int_equal(o->n_risk_flags, 3);
  double base = o->score + o->parts->risk_penalty;
  assert_float_equal(
      base, 100 * o->parts->value * o->parts->probability * o->parts->urgency,
      1e-9);
  assert_float_equal(o->score, 0.5 * base, 1e-9); /* capped at one half */
  assert_true(o->score > max_tag);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  o = opp_of(f, f->prospect_sz, NULL);
  assert_non_null(o);
  assert_int_equal(o->n_risk_flags, 0);
  assert_true(o->score > max_tag);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

typedef struct drop_log {
  size_t n;
  int reasons[16];
  uint64_t events[16];
} drop_log;

static void on_drop(void *ctx, uint64_t event_id, const char *rule_id,
                    uint64_t ent_id, int reason) {
  drop_log *d = ctx;
  (void)rule_id;
  (void)ent_id;
  if (d->n < 16) {
    d->reasons[d->n] = reason;
    d->events[d->n] = event_id;
  }
  d->n++;
}

static void test_dropped_candidates_counted(void **state) {
  fx *f = *state;
  bid(f, f->agent, "浙江丁招标代理有限公司", "90000000", "2024-03-05");
  bid(f, 0, "不认识的公司", "90000000", "2024-03-05");
  bid(f, f->client, "杭州甲建设", "50000", "2024-03-05"); /* 5万元 */
  arg_spec cut[] = {{"减持方", "杭州甲建设", NULL, f->client}};
  event(f, "股东减持", "2024-03-01", cut, 1);
  arg_spec odd[] = {{"某角色", "x", NULL, f->client}};
  event(f, "不存在的类型", "2024-03-01", odd, 1);
  opp_report rep;
  drop_log d = {0};
  assert_int_equal(opp_generate_ex(f->st, f->cfg, NOW, &rep, on_drop, &d), 0);
  /* every drop is told, in event order, with its reason */
  assert_int_equal(d.n, 4);
  assert_int_equal(d.reasons[0], OPP_DROP_EXCLUDED_SUBJECT);
  assert_int_equal(d.reasons[1], OPP_DROP_NO_SUBJECT);
  assert_int_equal(d.reasons[2], OPP_DROP_BELOW_MIN_AMOUNT);
  assert_int_equal(d.reasons[3], OPP_DROP_NO_RULE);
  assert_int_equal(rep.events, 5);
  assert_int_equal(rep.excluded_subject, 1);
  assert_int_equal(rep.no_subject, 1);
  assert_int_equal(rep.below_min_amount, 1);
  assert_int_equal(rep.risk_events, 1);
  assert_int_equal(rep.no_rule, 1);
  assert_int_equal(rep.opportunities, 0);
  size_t total;
  assert_null(opp_of(f, f->client, &total));
  assert_int_equal(total, 0);
}

typedef struct snap {
  uint8_t *buf;
  size_t len;
} snap;

static int snap_cb(void *ctx, const Oppgraph__V1__Opportunity *o) {
  snap *s = ctx;
  size_t n = oppgraph__v1__opportunity__get_packed_size(o);
  s->buf = realloc(s->buf, s->len + n);
  oppgraph__v1__opportunity__pack(o, s->buf + s->len);
  s->len += n;
  return 0;
}

static snap snapshot(fx *f) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  snap s = {NULL, 0};
  assert_int_equal(store_opp_foreach(txn, snap_cb, &s), 0);
  store_abort(txn);
  return s;
}

static void test_idempotent(void **state) {
  fx *f = *state;
  bid(f, f->client, "杭州甲建设", "120000000", "2024-03-05");
  bid(f, f->prospect_sz, "深圳乙科技", "120000000", "2024-03-05");
  bid(f, f->prospect_sz, "深圳乙科技", "121000000", "2024-03-11");
  bid(f, f->prospect_bj, "北京丙能源", "30000000", "2023-12-01"); /* expired */
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.created, 3);
  assert_int_equal(rep.expired, 1);
  snap a = snapshot(f);
  assert_true(a.len > 0);
  generate(f, &rep);
  assert_int_equal(rep.created, 0);
  assert_int_equal(rep.updated, 0);
  assert_int_equal(rep.unchanged, 3);
  snap b = snapshot(f);
  assert_int_equal(a.len, b.len);
  assert_memory_equal(a.buf, b.buf, a.len);
  free(a.buf);
  free(b.buf);
  /* a later day changes urgency: same ids, records updated, none created */
  assert_int_equal(opp_generate(f->st, f->cfg, NOW + 86400, &rep), 0);
  assert_int_equal(rep.created, 0);
  assert_int_equal(rep.updated, 3);
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  store_stats st;
  assert_int_equal(store_stats_get(txn, &st), 0);
  assert_int_equal(st.opportunities, 3);
  store_abort(txn);
}

static void test_risk_reaches_guarantor(void **state) {
  fx *f = *state;
  /* the client guarantees the Beijing prospect, which then goes bankrupt */
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = OPPGRAPH__V1__EDGE_TYPE__GUARANTEE;
  e.src = f->client;
  e.dst = f->prospect_bj;
  e.amount = 50000000;
  assert_int_equal(store_edge_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
  arg_spec bk[] = {{"破产公司", "北京丙能源", NULL, f->prospect_bj}};
  event(f, "企业破产", "2024-03-01", bk, 1);
  bid(f, f->client, "杭州甲建设", "120000000", "2024-03-05");
  bid(f, f->prospect_sz, "深圳乙科技", "120000000", "2024-03-05");
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.opportunities, 2);
  assert_int_equal(rep.flagged, 1); /* the unrelated Shenzhen bid is clean */
  Oppgraph__V1__Opportunity *o = opp_of(f, f->client, NULL);
  assert_non_null(o);
  assert_int_equal(o->n_risk_flags, 1);
  assert_string_equal(o->risk_flags[0], "关联风险");
  assert_non_null(
      strstr(o->explanation, "关联风险(北京丙能源有限公司企业破产)"));
  assert_float_equal(o->parts->risk_penalty,
                     0.1 /* 关联风险 */ * (o->score + o->parts->risk_penalty),
                     1e-9);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

static void test_supplier_of_client_goes_to_its_rm(void **state) {
  fx *f = *state;
  /* the Shenzhen prospect supplies the Hangzhou client of RM001 */
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = OPPGRAPH__V1__EDGE_TYPE__SUPPLY;
  e.src = f->prospect_sz;
  e.dst = f->client;
  assert_int_equal(store_edge_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
  bid(f, f->prospect_sz, "深圳乙科技", "120000000", "2024-03-05");
  bid(f, f->prospect_bj, "北京丙能源", "120000000", "2024-03-05");
  opp_report rep;
  generate(f, &rep);
  Oppgraph__V1__Opportunity *o = opp_of(f, f->prospect_sz, NULL);
  assert_non_null(o);
  /* relation beats territory (RM002 covers 4403) */
  assert_string_equal(o->rm_id, "RM001");
  assert_non_null(strstr(
      o->explanation, "是杭州甲建设集团有限公司(客户经理RM001的客户)的供应商"));
  assert_float_equal(o->parts->probability, 0.4, 1e-9);
  double related_score = o->score;
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  o = opp_of(f, f->prospect_bj, NULL); /* unrelated prospect, same event */
  assert_non_null(o);
  assert_float_equal(o->parts->probability, 0.25, 1e-9);
  assert_true(o->score < related_score);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

static void test_fund_flow_counterparty_goes_to_client_rm(void **state) {
  fx *f = *state;
  /* the Hangzhou client of RM001 pays the Beijing prospect (a fund-flow
   * edge from a bank extract): the prospect's bid goes to RM001 */
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = OPPGRAPH__V1__EDGE_TYPE__FUND_FLOW;
  e.src = f->client;
  e.dst = f->prospect_bj;
  assert_int_equal(store_edge_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
  bid(f, f->prospect_bj, "北京丙能源", "120000000", "2024-03-05");
  opp_report rep;
  generate(f, &rep);
  Oppgraph__V1__Opportunity *o = opp_of(f, f->prospect_bj, NULL);
  assert_non_null(o);
  assert_string_equal(o->rm_id, "RM001");
  assert_non_null(strstr(o->explanation, "资金往来对手方(收款方)"));
  assert_float_equal(o->parts->probability, 0.4, 1e-9);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

static void test_intra_group_acquisition_dropped(void **state) {
  fx *f = *state;
  /* the Shenzhen prospect holds 60% of circ_a, which holds 70% of circ_b:
   * buying circ_b is a deal inside one group; buying Beijing is not */
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING;
  e.src = f->prospect_sz;
  e.dst = f->circ_a;
  e.ratio = 0.6;
  assert_int_equal(store_edge_put(txn, &e), 0);
  e.id = 0;
  e.src = f->circ_a;
  e.dst = f->circ_b;
  e.ratio = 0.7;
  assert_int_equal(store_edge_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
  arg_spec in_group[] = {{"收购方", "深圳乙科技", NULL, f->prospect_sz},
                         {"被收购方", "己纺织", NULL, f->circ_b},
                         {"交易金额", "5亿元", "500000000", 0}};
  uint64_t e1 = event(f, "企业收购", "2024-03-05", in_group, 3);
  arg_spec outside[] = {{"收购方", "深圳乙科技", NULL, f->prospect_sz},
                        {"被收购方", "北京丙能源", NULL, f->prospect_bj},
                        {"交易金额", "5亿元", "500000000", 0}};
  event(f, "企业收购", "2024-03-06", outside, 3);
  drop_log d = {0};
  opp_report rep;
  assert_int_equal(opp_generate_ex(f->st, f->cfg, NOW, &rep, on_drop, &d), 0);
  assert_int_equal(rep.intra_group, 1);
  assert_int_equal(rep.opportunities, 1);
  assert_int_equal(d.n, 1);
  assert_int_equal(d.reasons[0], OPP_DROP_INTRA_GROUP);
  assert_int_equal(d.events[0], e1);
  assert_non_null(strstr(opp_drop_name(OPP_DROP_INTRA_GROUP), "intra-group"));
  Oppgraph__V1__Opportunity *o = opp_of(f, f->prospect_sz, NULL);
  assert_non_null(o);
  assert_non_null(strstr(o->explanation, "收购北京丙能源"));
  assert_string_equal(o->products[0], "并购贷款");
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

static void test_same_group_as_client(void **state) {
  fx *f = *state;
  /* one person controls the client and the Beijing prospect */
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING;
  e.src_kind = OPPGRAPH__V1__NODE_KIND__NODE_PERSON;
  e.src = 77;
  e.dst = f->client;
  e.ratio = 0.6;
  assert_int_equal(store_edge_put(txn, &e), 0);
  e.id = 0;
  e.dst = f->prospect_bj;
  assert_int_equal(store_edge_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
  bid(f, f->prospect_bj, "北京丙能源", "120000000", "2024-03-05");
  opp_report rep;
  generate(f, &rep);
  Oppgraph__V1__Opportunity *o = opp_of(f, f->prospect_bj, NULL);
  assert_non_null(o);
  assert_string_equal(o->rm_id, "RM001");
  assert_non_null(strstr(o->explanation, "同一集团成员企业"));
  assert_float_equal(o->parts->probability, 0.4, 1e-9);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

static void test_new_enterprise_grid(void **state) {
  fx *f = *state;
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = (char *)"新锐智能科技有限公司";
  e.region = (char *)"440305";
  e.founded = (char *)"2023-09-01"; /* half a year before NOW */
  assert_int_equal(store_ent_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
  bid(f, e.id, "新锐智能", "120000000", "2024-03-05");
  bid(f, f->prospect_sz, "深圳乙科技", "120000000", "2024-03-05");
  opp_report rep;
  generate(f, &rep);
  Oppgraph__V1__Opportunity *o = opp_of(f, e.id, NULL);
  assert_non_null(o);
  /* value 0.79 >= 0.75: 高; probability 0.25 < 0.3: 低 */
  assert_non_null(strstr(o->explanation,
                         "新设企业(成立于2023-09-01)：价值潜力高×成功率低"));
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  o = opp_of(f, f->prospect_sz, NULL); /* no founding date: no grid */
  assert_non_null(o);
  assert_null(strstr(o->explanation, "新设企业"));
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

static void set_status(fx *f, uint64_t ent, Oppgraph__V1__OppStatus st) {
  Oppgraph__V1__Opportunity *o = opp_of(f, ent, NULL);
  assert_non_null(o);
  o->status = st;
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  assert_int_equal(store_opp_put(txn, o), 0);
  assert_int_equal(store_commit(txn), 0);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

static void test_feedback_moves_probability(void **state) {
  fx *f = *state;
  bid(f, f->prospect_sz, "深圳乙科技", "120000000", "2024-03-05");
  bid(f, f->prospect_bj, "北京丙能源", "120000000", "2024-03-05");
  arg_spec bb[] = {{"回购方", "北京丙能源", NULL, f->prospect_bj},
                   {"交易金额", "1亿元", "100000000", 0}};
  event(f, "股份回购", "2024-03-05", bb, 2);
  opp_report rep;
  generate(f, &rep);
  Oppgraph__V1__Opportunity *o = opp_of(f, f->prospect_bj, NULL);
  assert_float_equal(o->parts->probability, 0.25, 1e-9); /* no feedback */
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  /* an RM rejects the Shenzhen bid: bids convert worse than assumed */
  set_status(f, f->prospect_sz, OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED);
  generate(f, &rep);
  /* Beta(3, 7): (0 + 3) / (1 + 10) / 0.3 = 0.909 */
  size_t total;
  o = opp_of(f, f->prospect_bj, &total);
  assert_int_equal(total, 3);
  assert_string_equal(o->type, "中标"); /* the first of bj's, by id */
  assert_float_equal(o->parts->probability, 0.25 * 3.0 / 11.0 / 0.3, 1e-9);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  o = opp_of(f, f->prospect_sz, NULL);
  assert_int_equal(o->status,
                   OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED); /* kept */
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

static Oppgraph__V1__Opportunity *opp_of_type(fx *f, uint64_t ent, int status);

static void test_full_territory_overflows(void **state) {
  fx *f = *state;
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  rm(txn, "RM002", "4403", 1); /* room for one active opportunity */
  assert_int_equal(store_commit(txn), 0);
  /* processed first (its key has month 2023-10) and expired: it goes to
   * RM002 but takes no room */
  bid(f, f->prospect_sz, "深圳乙科技", "120000000", "2023-10-01");
  bid(f, f->prospect_sz, "深圳乙科技", "120000000", "2024-03-05");
  bid(f, f->circ_a, "戊化工", "120000000", "2024-03-05");
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.opportunities, 3);
  assert_int_equal(rep.expired, 1);
  size_t total;
  Oppgraph__V1__Opportunity *o = opp_of(f, f->prospect_sz, &total);
  assert_int_equal(o->status, OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED);
  assert_string_equal(o->rm_id, "RM002");
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  o = opp_of_type(f, f->prospect_sz, OPPGRAPH__V1__OPP_STATUS__OPP_NEW);
  assert_non_null(o);
  assert_string_equal(o->rm_id, "RM002"); /* the room was still there */
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  o = opp_of(f, f->circ_a, NULL); /* now RM002 is full: the least loaded */
  assert_string_equal(o->rm_id, "RM001");
  assert_non_null(strstr(o->explanation, "按工作量"));
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  generate(f, &rep); /* rerun: assignments stay */
  assert_int_equal(rep.unchanged, 3);
}

/* The opportunity of an enterprise with the given status. */
typedef struct status_ctx {
  uint64_t ent;
  int status;
  Oppgraph__V1__Opportunity *o;
} status_ctx;

static int status_cb(void *ctx, const Oppgraph__V1__Opportunity *o) {
  status_ctx *c = ctx;
  if (o->enterprise_id != c->ent || (int)o->status != c->status || c->o)
    return 0;
  size_t len = oppgraph__v1__opportunity__get_packed_size(o);
  uint8_t *buf = malloc(len + 1);
  oppgraph__v1__opportunity__pack(o, buf);
  c->o = oppgraph__v1__opportunity__unpack(NULL, len, buf);
  free(buf);
  return 0;
}

static Oppgraph__V1__Opportunity *opp_of_type(fx *f, uint64_t ent, int status) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  status_ctx c = {ent, status, NULL};
  assert_int_equal(store_opp_foreach(txn, status_cb, &c), 0);
  store_abort(txn);
  return c.o;
}

static void test_merged_reports_order_independent(void **state) {
  fx *f = *state;
  /* the first report has the smaller amount and the wording that sorts
   * last: the record takes the largest amount and the wording that sorts
   * first, not simply the first report's */
  arg_spec b1[] = {{"中标公司", "深圳乙科技", NULL, f->prospect_sz},
                   {"中标标的", "甲号标段", NULL, 0},
                   {"中标金额", "1.19亿元", "119000000", 0}};
  arg_spec b2[] = {{"中标公司", "深圳乙科技", NULL, f->prospect_sz},
                   {"中标标的", "乙号标段", NULL, 0},
                   {"中标金额", "1.2亿元", "120000000", 0}};
  event(f, "中标", "2024-03-05", b1, 3);
  event(f, "中标", "2024-03-06", b2, 3);
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.opportunities, 1);
  Oppgraph__V1__Opportunity *o = opp_of(f, f->prospect_sz, NULL);
  assert_int_equal(o->amount, 120000000);
  /* "中标乙" < "中标甲" in UTF-8 byte order (乙 U+4E59 < 甲 U+7532) */
  assert_non_null(strstr(o->explanation, "中标乙号标段，金额1.2亿元"));
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}


/* ---- dedup of one real event (issue 5) ----------------------------------- */

static uint64_t ent_alias(fx *f, const char *name, const char *alias) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  char *al[1] = {(char *)alias};
  e.name = (char *)name;
  e.region = (char *)"320505";
  e.aliases = al;
  e.n_aliases = alias ? 1 : 0;
  e.rm_id = (char *)"";
  assert_int_equal(store_ent_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
  return e.id;
}

static void check_store(fx *f) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  store_check_report cr;
  int rc = store_check(txn, NULL, NULL, &cr);
  if (rc)
    fprintf(stderr, "store_check: %s\n", cr.first_problem);
  assert_int_equal(rc, 0);
  store_abort(txn);
}

/* The visible defect of the sample world: one acquisition reported with the
 * target's short name and an amount, and with its full name and no amount,
 * became two opportunities (the amount bucket was part of the key and the
 * short name was not resolved). */
static void test_short_name_and_missing_amount_merge(void **state) {
  fx *f = *state;
  uint64_t target = ent_alias(f, "苏州安盛环保科技有限公司", "安盛环保");
  arg_spec a1[] = {{"收购方", "深圳乙科技", NULL, f->prospect_sz},
                   {"被收购方", "安盛环保", NULL, 0},
                   {"交易金额", "5.86亿元", "586370000", 0}};
  arg_spec a2[] = {{"收购方", "深圳乙科技股份有限公司", NULL, f->prospect_sz},
                   {"被收购方", "苏州安盛环保科技有限公司", NULL, target},
                   {"交易金额", "", "", 0}};
  /* the same buyer, same month, another target: a different deal */
  arg_spec a3[] = {{"收购方", "深圳乙科技", NULL, f->prospect_sz},
                   {"被收购方", "北京丙能源", NULL, f->prospect_bj},
                   {"交易金额", "", "", 0}};
  uint64_t e1 = event(f, "企业收购", "2024-03-05", a1, 3);
  uint64_t e2 = event(f, "企业收购", "2024-03-12", a2, 3);
  event(f, "企业收购", "2024-03-08", a3, 3);
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.candidates, 3);
  assert_int_equal(rep.opportunities, 2);
  assert_int_equal(rep.merged, 1);
  Oppgraph__V1__Opportunity *o = NULL;
  size_t total;
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  find_ctx c = {f->prospect_sz, NULL, 0};
  assert_int_equal(store_opp_foreach(txn, find_cb, &c), 0);
  store_abort(txn);
  o = c.o;
  total = c.n;
  assert_int_equal(total, 2);
  assert_non_null(o);
  assert_int_equal(o->n_event_ids, 2);
  assert_int_equal(o->event_ids[0], e1);
  assert_int_equal(o->event_ids[1], e2);
  assert_int_equal(o->amount, 586370000);
  assert_non_null(strstr(o->explanation, "2篇公告"));
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  check_store(f);
}

/* 深圳乙科技 holds 60 % of 戊化工: one group. */
static void make_subsidiary(fx *f) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING;
  e.src = f->prospect_sz;
  e.dst = f->circ_a;
  e.ratio = 0.6;
  assert_int_equal(store_edge_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
}

/* Parent and subsidiary (60%) announce the same won bid of one tenderer:
 * one opportunity; the subsidiary's bid for another tenderer stays. */
static void test_parent_and_subsidiary_same_deal(void **state) {
  fx *f = *state;
  make_subsidiary(f);
  arg_spec p[] = {{"中标公司", "深圳乙科技", NULL, f->prospect_sz},
                  {"招标方", "深圳市地铁集团", NULL, 0},
                  {"中标金额", "3亿元", "300000000", 0}};
  arg_spec s1[] = {{"中标公司", "戊化工", NULL, f->circ_a},
                   {"招标方", "深圳市地铁集团有限公司", NULL, 0},
                   {"中标金额", "", "", 0}};
  arg_spec s2[] = {{"中标公司", "戊化工", NULL, f->circ_a},
                   {"招标方", "广州港集团有限公司", NULL, 0},
                   {"中标金额", "", "", 0}};
  event(f, "中标", "2024-03-05", p, 3);
  event(f, "中标", "2024-03-06", s1, 3);
  event(f, "中标", "2024-03-07", s2, 3);
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.candidates, 3);
  assert_int_equal(rep.opportunities, 2);
  assert_int_equal(rep.merged, 1);
  check_store(f);
}

/* A won bid of `who` with only a winner and an amount (no identity). */
static void bare_bid(fx *f, uint64_t who, const char *text, const char *norm,
                     const char *date) {
  arg_spec a[] = {{"中标公司", "乙", NULL, who}, {"中标金额", text, norm, 0}};
  event(f, "中标", date, a, 2);
}

/* Parent and subsidiary report one bid and the extractor lost the
 * tenderer in both (the planted-truth bench's layout): the same precise
 * amount (69,426万元, five significant digits) in one window is one deal;
 * the same round amount (2亿元) is not evidence enough, two lines stay. */
static void test_group_same_precise_amount_merges(void **state) {
  fx *f = *state;
  make_subsidiary(f);
  bare_bid(f, f->prospect_sz, "69,426万元", "694260000", "2024-03-06");
  bare_bid(f, f->circ_a, "69,426万元", "694260000", "2024-03-06");
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.candidates, 2);
  assert_int_equal(rep.opportunities, 1);
  assert_int_equal(rep.merged, 1);
  bare_bid(f, f->prospect_sz, "2亿元", "200000000", "2024-03-10");
  bare_bid(f, f->circ_a, "2亿元", "200000000", "2024-03-10");
  generate(f, &rep);
  assert_int_equal(rep.candidates, 4);
  assert_int_equal(rep.opportunities, 3);
  check_store(f);
}

/* Disagreeing identity texts: a long equal amount (71,282万元, five
 * significant digits) still makes one deal of parent and subsidiary (the
 * extractor had split "数据中心机电安装工程" into 招标方 数据中心 + 标的); a
 * four-digit one (6,739万元) does not outweigh them. */
static void test_long_amount_outweighs_identity(void **state) {
  fx *f = *state;
  make_subsidiary(f);
  const char *amt[2][2] = {{"71,282万元", "712820000"},
                           {"6,739万元", "67390000"}};
  for (int i = 0; i < 2; i++) {
    arg_spec p[] = {{"中标公司", "乙", NULL, f->prospect_sz},
                    {"招标方", "中国铁路上海局集团有限公司", NULL, 0},
                    {"中标金额", amt[i][0], amt[i][1], 0}};
    arg_spec s[] = {{"中标公司", "戊", NULL, f->circ_a},
                    {"招标方", "数据中心", NULL, 0},
                    {"中标金额", amt[i][0], amt[i][1], 0}};
    event(f, "中标", "2024-03-06", p, 3);
    event(f, "中标", "2024-03-06", s, 3);
  }
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.candidates, 4);
  assert_int_equal(rep.opportunities, 3);
  assert_int_equal(rep.merged, 1);
}

/* Two companies of one group pledge shares to the same bank in one month,
 * no amounts: the pledged share counts (identity role 质押股票/股份数量)
 * tell the two pledges apart; before, the common pledgee merged them and
 * one client's pledge vanished from its RM's list. */
static void test_group_pledges_to_one_bank_stay_apart(void **state) {
  fx *f = *state;
  make_subsidiary(f);
  uint64_t who[2] = {f->prospect_sz, f->circ_a};
  const char *shares[2] = {"2,230万", "986万"};
  for (int i = 0; i < 2; i++) {
    arg_spec a[] = {{"质押方", "乙", NULL, who[i]},
                    {"质权方", "上海浦东发展银行股份有限公司", NULL, 0},
                    {"质押股票/股份数量", shares[i], NULL, 0}};
    event(f, "质押", "2024-03-06", a, 3);
  }
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.opportunities, 2);
  assert_int_equal(rep.merged, 0);
}

/* An identity name with the next word glued on ("安盛环保控股" out of
 * 收购安盛环保控股权) still names the registered 安盛环保 once its last
 * characters are trimmed: the two reports of one acquisition merge.  A
 * name that only matches after trimming more than name_trim_chars
 * ("安盛环保新能源") does not. */
static void test_identity_name_trimmed(void **state) {
  fx *f = *state;
  uint64_t target = ent_alias(f, "苏州安盛环保科技有限公司", "安盛环保");
  const char *names[3] = {"安盛环保控股", "苏州安盛环保科技有限公司",
                          "安盛环保新能源"};
  for (int i = 0; i < 3; i++) {
    arg_spec a[] = {{"收购方", "深圳乙科技", NULL, f->prospect_sz},
                    {"被收购方", names[i], NULL, i == 1 ? target : 0}};
    event(f, "企业收购", i ? "2024-03-06" : "2024-03-05", a, 2);
  }
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.candidates, 3);
  assert_int_equal(rep.opportunities, 2);
  assert_int_equal(rep.merged, 1);
  check_store(f);
}

/* A report that arrives later and matches an existing opportunity joins
 * it: same id, both events, no second record; the stored key follows the
 * group. */
static void test_later_report_joins_existing(void **state) {
  fx *f = *state;
  arg_spec a1[] = {{"中标公司", "深圳乙科技", NULL, f->prospect_sz},
                   {"中标金额", "", "", 0}};
  event(f, "中标", "2024-03-06", a1, 2);
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.created, 1);
  Oppgraph__V1__Opportunity *o1 = opp_of(f, f->prospect_sz, NULL);
  assert_non_null(o1);
  arg_spec a2[] = {{"中标公司", "深圳乙科技", NULL, f->prospect_sz},
                   {"中标金额", "2亿元", "200000000", 0}};
  event(f, "中标", "2024-03-05", a2, 2);
  generate(f, &rep);
  assert_int_equal(rep.created, 0);
  assert_int_equal(rep.opportunities, 1);
  size_t total;
  Oppgraph__V1__Opportunity *o2 = opp_of(f, f->prospect_sz, &total);
  assert_int_equal(total, 1);
  assert_int_equal(o2->id, o1->id);
  assert_int_equal(o2->n_event_ids, 2);
  assert_int_equal(o2->amount, 200000000);
  oppgraph__v1__opportunity__free_unpacked(o1, NULL);
  oppgraph__v1__opportunity__free_unpacked(o2, NULL);
  check_store(f);
}

/* An opportunity whose report later becomes a drop (the subject turns out
 * to be a tender agent) is not left active: expired, ranked out, the
 * reason in its explanation; a rerun changes nothing. */
static void test_stale_opportunity_expires(void **state) {
  fx *f = *state;
  bid(f, f->prospect_bj, "北京丙能源", "120000000", "2024-03-05");
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.created, 1);
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Enterprise *en;
  assert_int_equal(store_ent_get(txn, f->prospect_bj, &en), 0);
  char *old = en->name;
  en->name = (char *)"北京丙招标代理有限公司";
  assert_int_equal(store_ent_put(txn, en), 0);
  en->name = old;
  oppgraph__v1__enterprise__free_unpacked(en, NULL);
  assert_int_equal(store_commit(txn), 0);
  generate(f, &rep);
  assert_int_equal(rep.excluded_subject, 1);
  assert_int_equal(rep.stale, 1);
  Oppgraph__V1__Opportunity *o = opp_of(f, f->prospect_bj, NULL);
  assert_non_null(o);
  assert_int_equal(o->status, OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED);
  assert_non_null(strstr(o->explanation, "已失效"));
  assert_non_null(strstr(o->explanation, "excluded subject"));
  assert_true(o->score < -OPP_EXPIRED_SCORE_DROP / 2);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  generate(f, &rep);
  assert_int_equal(rep.stale, 0);
  check_store(f);
}


/* A stale record's reason is the drop of its own event, found among many
 * drops of other events before and after it (drops are looked up by event
 * id, not scanned). */
static void test_stale_reason_among_other_drops(void **state) {
  fx *f = *state;
  for (int i = 0; i < 5; i++) /* below the minimum amount: dropped */
    bid(f, f->prospect_sz, "深圳乙科技", "5000", "2024-03-01");
  bid(f, f->prospect_bj, "北京丙能源", "120000000", "2024-03-05");
  for (int i = 0; i < 5; i++)
    bid(f, f->prospect_sz, "深圳乙科技", "6000", "2024-03-07");
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.created, 1);
  assert_int_equal(rep.below_min_amount, 10);
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Enterprise *en;
  assert_int_equal(store_ent_get(txn, f->prospect_bj, &en), 0);
  char *old = en->name;
  en->name = (char *)"北京丙招标代理有限公司";
  assert_int_equal(store_ent_put(txn, en), 0);
  en->name = old;
  oppgraph__v1__enterprise__free_unpacked(en, NULL);
  assert_int_equal(store_commit(txn), 0);
  generate(f, &rep);
  assert_int_equal(rep.stale, 1);
  Oppgraph__V1__Opportunity *o = opp_of(f, f->prospect_bj, NULL);
  assert_non_null(o);
  assert_int_equal(o->status, OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED);
  assert_non_null(strstr(o->explanation, "excluded subject"));
  assert_null(strstr(o->explanation, "below minimum amount"));
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  check_store(f);
}


/* Tag marketing (data/tags.json): a new high-tech prospect gets an
 * opportunity with products and explanation; once the tag is gone it
 * expires with that reason.  RM feedback words survive regeneration. */
static void test_tag_marketing(void **state) {
  fx *f = *state;
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  char *tags[1] = {(char *)"高新技术企业"};
  e.name = (char *)"杭州庚智能科技有限公司";
  e.region = (char *)"330106";
  e.founded = (char *)"2023-09-01";
  e.tags = tags;
  e.n_tags = 1;
  e.rm_id = (char *)"";
  assert_int_equal(store_ent_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
  opp_report rep;
  generate(f, &rep);
  assert_int_equal(rep.tagged, 1);
  Oppgraph__V1__Opportunity *o = opp_of(f, e.id, NULL);
  assert_non_null(o);
  assert_string_equal(o->type, "标签营销");
  assert_string_equal(o->products[0], "流动资金贷款");
  assert_non_null(strstr(o->explanation, "新设高新技术企业"));
  assert_non_null(strstr(o->explanation, "2023-09-01"));
  assert_string_equal(o->rm_id, "RM001"); /* territory 3301 */
  /* feedback recorded by the server is kept by a rerun */
  o->feedback_reason = (char *)"已联系";
  o->status = OPPGRAPH__V1__OPP_STATUS__OPP_PUSHED;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  assert_int_equal(store_opp_put(txn, o), 0);
  assert_int_equal(store_commit(txn), 0);
  o->feedback_reason = NULL;
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  generate(f, &rep);
  assert_int_equal(rep.updated, 0);
  o = opp_of(f, e.id, NULL);
  assert_string_equal(o->feedback_reason, "已联系");
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  /* the tag removed: expired, with the reason */
  e.n_tags = 0;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  assert_int_equal(store_ent_put(txn, &e), 0);
  assert_int_equal(store_commit(txn), 0);
  generate(f, &rep);
  assert_int_equal(rep.tagged, 0);
  assert_int_equal(rep.stale, 1);
  o = opp_of(f, e.id, NULL);
  assert_int_equal(o->status, OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED);
  assert_non_null(strstr(o->explanation, "标签规则不再适用"));
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  check_store(f);
}

/* The default push list (srv_push_page: CLI push-list; ListPushList without
 * a status filter reads the same open pages) shows only what an RM can still
 * work on: expired, rejected and won opportunities are skipped, not counted
 * in total, and paging across them loses nothing.  Before, an expired one
 * was merely ranked last and still listed. */
static void test_default_push_list_skips_closed(void **state) {
  fx *f = *state;
  /* six prospects in RM001's territory, one bid each, different amounts */
  uint64_t ents[6];
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  for (int i = 0; i < 6; i++) {
    char name[64];
    snprintf(name, sizeof name, "杭州开放%d科技有限公司", i);
    ents[i] = ent(txn, name, "330106", false, NULL);
  }
  assert_int_equal(store_commit(txn), 0);
  for (int i = 0; i < 6; i++) {
    char amount[32];
    snprintf(amount, sizeof amount, "%d", (i + 1) * 30000000);
    bid(f, ents[i], "杭州开放", amount, "2024-03-05");
  }
  opp_report rep;
  generate(f, &rep);
  set_status(f, ents[5], OPPGRAPH__V1__OPP_STATUS__OPP_WON); /* the best */
  set_status(f, ents[3], OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED);
  set_status(f, ents[2], OPPGRAPH__V1__OPP_STATUS__OPP_ACCEPTED);
  set_status(f, ents[0], OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED);
  /* pages of one: 4, 2, 1 (best first), nothing closed, total 3 */
  const uint64_t want[3] = {ents[4], ents[2], ents[1]};
  char token[64] = "";
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  for (int page = 0; page < 4; page++) {
    Oppgraph__V1__ListPushListResponse *r = NULL;
    assert_int_equal(srv_push_page(txn, "RM001", token, 1, &r), 0);
    assert_int_equal(r->total, 3);
    if (page == 3) {
      assert_int_equal(r->n_opportunities, 0);
      srv_push_page_free(r);
      break;
    }
    assert_int_equal(r->n_opportunities, 1);
    assert_int_equal(r->opportunities[0]->enterprise_id, want[page]);
    if (page < 2)
      assert_string_not_equal(r->next_page_token, "");
    snprintf(token, sizeof token, "%s", r->next_page_token);
    srv_push_page_free(r);
    if (!*token) {
      assert_int_equal(page, 2);
      break;
    }
  }
  Oppgraph__V1__ListPushListResponse *r = NULL;
  assert_int_equal(srv_push_page(txn, "RM001", NULL, 0, &r), 0);
  assert_int_equal(r->n_opportunities, 3);
  assert_string_equal(r->next_page_token, "");
  srv_push_page_free(r);
  store_abort(txn);
}

/* One registry extract of date `date` with one enterprise of this capital,
 * ingested (registry re-ingest is where capital history is kept). */
static void registry_capital(fx *f, const char *date, long long capital) {
  char path[128], xml[1024];
  snprintf(path, sizeof path, "%s/reg_%s.xml", f->dir, date);
  snprintf(xml, sizeof xml,
           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<registry date=\"%s\"><enterprises>"
           "<enterprise code=\"91350100M000100Y43\">"
           "<name>杭州辛增资科技有限公司</name>"
           "<registered_capital>%lld</registered_capital>"
           "<region>330106</region></enterprise>"
           "</enterprises></registry>\n",
           date, capital);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(xml, fp);
  fclose(fp);
  ingest_config cfg = {.schema_path = "data/schema/registry.xsd"};
  ingest_report rep;
  const char *paths[] = {path};
  assert_int_equal(ingest_run(f->st, &cfg, paths, 1, &rep), 0);
  assert_int_equal(rep.enterprises, 1);
}

static Oppgraph__V1__Opportunity *tag_opp(fx *f, uint64_t *ent) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  assert_int_equal(store_ent_by_name(txn, "杭州辛增资科技有限公司", ent), 0);
  store_abort(txn);
  return opp_of(f, *ent, NULL);
}

/* Capital-increase tag marketing: a registry re-ingest that raises the
 * registered capital keeps the capital before it and the extract's date;
 * the capital_increase rule (raised within 180 days by 20 % or more) then
 * offers products, saying from what to what and when.  The same capital
 * again keeps the history; a cut clears it and the line expires. */
static void test_capital_increase_tag(void **state) {
  fx *f = *state;
  registry_capital(f, "2024-01-10", 100000000);
  opp_report rep;
  generate(f, &rep);
  uint64_t id;
  Oppgraph__V1__Opportunity *o = tag_opp(f, &id);
  assert_null(o); /* no history: nothing to say */
  registry_capital(f, "2024-03-01", 150000000);
  store_txn *txn;
  Oppgraph__V1__Enterprise *en;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  assert_int_equal(store_ent_get(txn, id, &en), 0);
  assert_int_equal(en->registered_capital, 150000000);
  assert_int_equal(en->previous_capital, 100000000);
  assert_string_equal(en->capital_changed, "2024-03-01");
  oppgraph__v1__enterprise__free_unpacked(en, NULL);
  store_abort(txn);
  generate(f, &rep);
  assert_int_equal(rep.tagged, 1);
  o = tag_opp(f, &id);
  assert_non_null(o);
  assert_string_equal(o->type, "标签营销");
  char key[64];
  snprintf(key, sizeof key, "tag#capital_increase|%llu", (unsigned long long)id);
  assert_string_equal(o->dedup_key, key);
  assert_non_null(strstr(o->explanation, "于2024-03-01增资"));
  assert_non_null(strstr(o->explanation, "由1亿元增至1.5亿元"));
  assert_string_equal(o->rm_id, "RM001");
  assert_int_equal(o->status, OPPGRAPH__V1__OPP_STATUS__OPP_NEW);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  /* the next extract repeats the capital: history and line kept */
  registry_capital(f, "2024-03-10", 150000000);
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  assert_int_equal(store_ent_get(txn, id, &en), 0);
  assert_int_equal(en->previous_capital, 100000000);
  assert_string_equal(en->capital_changed, "2024-03-01");
  oppgraph__v1__enterprise__free_unpacked(en, NULL);
  store_abort(txn);
  generate(f, &rep);
  assert_int_equal(rep.tagged, 1);
  assert_int_equal(rep.stale, 0);
  /* a cut: no raise any more, the line expires with the reason */
  registry_capital(f, "2024-03-15", 120000000);
  generate(f, &rep);
  assert_int_equal(rep.tagged, 0);
  assert_int_equal(rep.stale, 1);
  o = tag_opp(f, &id);
  assert_non_null(o);
  assert_int_equal(o->status, OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
}

/* A raise too small (under min_capital_raise) or too old (over
 * capital_raised_within_days before now) makes no line. */
static void test_capital_increase_small_or_old(void **state) {
  fx *f = *state;
  registry_capital(f, "2024-01-10", 100000000);
  registry_capital(f, "2024-03-01", 110000000); /* +10 % */
  opp_report rep;
  generate(f, &rep);
  uint64_t id;
  assert_null(tag_opp(f, &id));
  registry_capital(f, "2023-01-05", 300000000); /* +173 %, 440 days ago */
  generate(f, &rep);
  assert_null(tag_opp(f, &id));
  assert_int_equal(rep.tagged, 0);
}

static int count_ent(void *ctx, const Oppgraph__V1__Enterprise *e) {
  (void)e;
  ++*(size_t *)ctx;
  return 0;
}

/* store_ent_foreach_having, the tag pass's iteration: only records that
 * set one of the fields are decoded and visited, whatever comes before the
 * field in the encoding (a long name: a two-byte length; a capital: a
 * multi-byte varint). */
static void test_ent_foreach_having(void **state) {
  fx *f = *state;
  store_txn *txn;
  assert_int_equal(store_begin(f->st, true, &txn), 0);
  char longname[400];
  memset(longname, 0, sizeof longname);
  for (int i = 0; i < 60; i++)
    strcat(longname, "长");
  char *tags[1] = {(char *)"专精特新"};
  for (int i = 0; i < 3; i++) {
    Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
    e.name = i ? (char *)"杭州壬有限公司" : longname;
    e.registered_capital = 123456789012LL;
    e.rm_id = (char *)"";
    if (i == 0) {
      e.tags = tags;
      e.n_tags = 1;
    }
    if (i == 1) {
      e.previous_capital = 1000;
      e.capital_changed = (char *)"2024-03-01";
    }
    assert_int_equal(store_ent_put(txn, &e), 0);
  }
  size_t n = 0;
  const uint32_t tags_f[1] = {13}, both[2] = {19, 13}, none[1] = {30};
  assert_int_equal(store_ent_foreach_having(txn, tags_f, 1, count_ent, &n), 0);
  assert_int_equal(n, 1);
  n = 0;
  assert_int_equal(store_ent_foreach_having(txn, both, 2, count_ent, &n), 0);
  assert_int_equal(n, 2);
  n = 0;
  assert_int_equal(store_ent_foreach_having(txn, none, 1, count_ent, &n), 0);
  assert_int_equal(n, 0);
  n = 0;
  assert_int_equal(store_ent_foreach(txn, count_ent, &n), 0);
  assert_int_equal(n, 6 + 3); /* the fixture's six and these */
  store_abort(txn);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_config_bundled_and_broken, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_bid_becomes_opportunity, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_same_event_two_documents, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_merged_reports_order_independent,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_rm_assignment, setup, teardown),
      cmocka_unit_test_setup_teardown(test_risk_flags, setup, teardown),
      cmocka_unit_test_setup_teardown(test_risk_demotes_events_stay_above_tags,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_supplier_of_client_goes_to_its_rm,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_fund_flow_counterparty_goes_to_client_rm,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_same_group_as_client, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_new_enterprise_grid, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_feedback_moves_probability, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_full_territory_overflows, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_risk_reaches_guarantor, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_intra_group_acquisition_dropped,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_dropped_candidates_counted, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_short_name_and_missing_amount_merge,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_parent_and_subsidiary_same_deal,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_group_same_precise_amount_merges,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_identity_name_trimmed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_long_amount_outweighs_identity,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_group_pledges_to_one_bank_stay_apart,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_later_report_joins_existing, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_stale_opportunity_expires, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_stale_reason_among_other_drops, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_tag_marketing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_default_push_list_skips_closed,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_capital_increase_tag, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_capital_increase_small_or_old,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_ent_foreach_having, setup,
                                      teardown),
  };
  return cmocka_run_group_tests_name("opportunity", tests, NULL, NULL);
}
