/*
 * test_feedback.c — opp_record_feedback and opp_funnel
 * (opportunity/feedback.c), shared by RecordFeedback/GetFunnel and the CLI:
 * a verdict changes status, reason and the type's prior (counting an
 * opportunity once, under its latest verdict), refuses another RM's
 * opportunity; the funnel counts per RM/team, honours the period and the
 * visibility callback; the low-performance warning fires for a clear
 * under-performer and not for a small sample or equal peers; the bundled
 * data/opportunity.json carries the thresholds.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "opportunity/opportunity.h"
#include "store/store.h"

#define ST_ACC OPPGRAPH__V1__OPP_STATUS__OPP_ACCEPTED
#define ST_REJ OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED
#define ST_WON OPPGRAPH__V1__OPP_STATUS__OPP_WON
#define ST_NEW OPPGRAPH__V1__OPP_STATUS__OPP_NEW

#define TMPSTORE_PREFIX "/tmp/test_feedback.XXXXXX"
#include "tests/unit/tmpstore.h"

static void put_rm(store_txn *t, const char *id, const char *team,
                   const char *branch) {
  Oppgraph__V1__Rm r = OPPGRAPH__V1__RM__INIT;
  r.id = (char *)id;
  r.name = (char *)id;
  r.team = (char *)team;
  r.branch = (char *)branch;
  assert_int_equal(store_rm_put(t, &r), 0);
}

/* n opportunities of rm, created at created, the first k with status st and
 * the rest new; returns the id of the last one. */
static uint64_t put_opps(store_txn *t, const char *rm, int n, int k, int st,
                         int64_t created) {
  static const char *type = "中标";
  uint64_t id = 0;
  for (int i = 0; i < n; i++) {
    char key[96];
    snprintf(key, sizeof key, "%s|%lld|%d", rm, (long long)created, i);
    Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
    o.rm_id = (char *)rm;
    o.type = (char *)type;
    o.dedup_key = key;
    o.status = i < k ? st : ST_NEW;
    o.created_at = o.updated_at = created;
    o.score = 1 + i;
    assert_int_equal(store_opp_put(t, &o), 0);
    id = o.id;
  }
  return id;
}

static const Oppgraph__V1__FunnelRow *
row_of(const Oppgraph__V1__GetFunnelResponse *f, const char *key) {
  for (size_t i = 0; i < f->n_rows; i++)
    if (!strcmp(f->rows[i]->key, key))
      return f->rows[i];
  return NULL;
}

static const opp_funnel_warning WARN = {
    .min_pushed = 20, .peer_fraction = 0.5, .min_peers = 2};

static Oppgraph__V1__GetFunnelResponse *funnel(store *st, int by,
                                               opp_visible_fn vis, void *ctx) {
  store_txn *t;
  assert_int_equal(store_begin(st, false, &t), 0);
  opp_funnel_query q = {.group_by = by, .visible = vis, .visible_ctx = ctx};
  Oppgraph__V1__GetFunnelResponse *f = NULL;
  assert_int_equal(opp_funnel(t, &q, &WARN, &f), 0);
  store_abort(t);
  return f;
}

static void test_feedback_moves_prior_once(void **state) {
  store *st = *state;
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  put_rm(t, "rm1", "A", "B1");
  put_rm(t, "rm2", "A", "B1");
  uint64_t id = put_opps(t, "rm1", 1, 0, ST_NEW, 1000);
  assert_int_equal(store_commit(t), 0);

  Oppgraph__V1__Opportunity *o = NULL;
  store_prior p;
  assert_int_equal(store_begin(st, true, &t), 0);
  assert_int_equal(
      opp_record_feedback(t, id, "rm1", ST_ACC, "客户有意向", 500, &o, &p), 0);
  assert_int_equal(o->status, ST_ACC);
  assert_string_equal(o->feedback_reason, "客户有意向");
  /* now is before the stored updated_at: the version still grows */
  assert_true(o->updated_at > 1000);
  assert_int_equal(o->feedback_at, o->updated_at);
  assert_int_equal(p.accepted, 1);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  /* changing the verdict moves the count, it does not add one */
  assert_int_equal(opp_record_feedback(t, id, NULL, ST_WON, "", 2000, NULL, &p),
                   0);
  assert_int_equal(p.accepted, 0);
  assert_int_equal(p.won, 1);
  assert_int_equal(p.rejected, 0);
  assert_true(opp_prior_rate(&p) > 0.6);
  assert_int_equal(store_commit(t), 0);

  assert_int_equal(store_begin(st, false, &t), 0);
  store_prior got;
  assert_int_equal(store_prior_get(t, "中标", &got), 0);
  assert_int_equal(got.won, 1);
  assert_int_equal(got.accepted, 0);
  assert_int_equal(store_opp_get(t, id, &o), 0);
  assert_int_equal(o->status, ST_WON);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  store_abort(t);

  /* another RM's opportunity, a missing one, a bad status: nothing changes */
  assert_int_equal(store_begin(st, true, &t), 0);
  assert_int_equal(opp_record_feedback(t, id, "rm2", ST_REJ, "", 3000, &o, &p),
                   OPP_EPERM);
  assert_null(o);
  assert_int_equal(
      opp_record_feedback(t, id + 100, NULL, ST_REJ, "", 3000, &o, &p),
      OPP_ENOTFOUND);
  assert_int_equal(opp_record_feedback(t, id, NULL, ST_NEW, "", 3000, &o, &p),
                   OPP_EINVAL);
  assert_int_equal(store_prior_get(t, "中标", &got), 0);
  assert_int_equal(got.won, 1);
  assert_int_equal(got.rejected, 0);
  store_abort(t);
}

static bool only_team_a(void *ctx, const char *rm_id, const char *team) {
  (void)ctx;
  (void)rm_id;
  return !strcmp(team, "A");
}

static void test_funnel_counts_period_and_visibility(void **state) {
  store *st = *state;
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  put_rm(t, "a1", "A", "B1");
  put_rm(t, "a2", "A", "B1");
  put_rm(t, "b1", "B", "B2");
  put_opps(t, "a1", 5, 2, ST_ACC, 1000);
  put_opps(t, "a1", 3, 1, ST_WON, 2000);
  put_opps(t, "a2", 4, 4, ST_REJ, 1000);
  put_opps(t, "b1", 2, 1, ST_WON, 3000);
  assert_int_equal(store_commit(t), 0);

  Oppgraph__V1__GetFunnelResponse *f = funnel(
      st, OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_RM, NULL, NULL);
  assert_int_equal(f->n_rows, 3);
  const Oppgraph__V1__FunnelRow *r = row_of(f, "a1");
  assert_non_null(r);
  assert_int_equal(r->pushed, 8);
  assert_int_equal(r->accepted, 3); /* accepted or won */
  assert_int_equal(r->won, 1);
  assert_int_equal(r->rejected, 0);
  assert_true(r->accept_rate > 0.37 && r->accept_rate < 0.38);
  assert_int_equal(row_of(f, "a2")->rejected, 4);
  assert_int_equal(f->total->pushed, 14);
  assert_int_equal(f->total->won, 2);
  assert_false(r->low_performance); /* 8 pushes: below min_pushed */
  opp_funnel_free(f);

  /* by team, a visibility callback hiding team B, from a period */
  store_txn *rt;
  assert_int_equal(store_begin(st, false, &rt), 0);
  opp_funnel_query q = {.group_by = OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_TEAM,
                        .since = 1500,
                        .visible = only_team_a};
  assert_int_equal(opp_funnel(rt, &q, &WARN, &f), 0);
  assert_int_equal(f->n_rows, 1);
  assert_string_equal(f->rows[0]->key, "A");
  assert_int_equal(f->rows[0]->pushed, 3);
  assert_int_equal(f->total->pushed, 3);
  opp_funnel_free(f);
  q.since = 2000;
  q.until = 1000;
  assert_int_equal(opp_funnel(rt, &q, &WARN, &f), OPP_EINVAL);
  assert_null(f);
  store_abort(rt);
}

static void test_warning_clear_underperformer(void **state) {
  store *st = *state;
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  put_rm(t, "r1", "A", "B1");
  put_rm(t, "r2", "A", "B1");
  put_rm(t, "r3", "B", "B1");
  put_rm(t, "low", "B", "B1");
  put_rm(t, "tiny", "B", "B1");
  put_opps(t, "r1", 40, 12, ST_ACC, 1000); /* 30 % */
  put_opps(t, "r2", 40, 14, ST_ACC, 1000); /* 35 % */
  put_opps(t, "r3", 40, 10, ST_WON, 1000); /* 25 % */
  put_opps(t, "low", 40, 2, ST_ACC, 1000); /* 5 % */
  put_opps(t, "tiny", 5, 0, ST_ACC, 1000); /* 0 %, but only 5 pushes */
  assert_int_equal(store_commit(t), 0);

  Oppgraph__V1__GetFunnelResponse *f = funnel(
      st, OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_RM, NULL, NULL);
  const Oppgraph__V1__FunnelRow *low = row_of(f, "low");
  assert_true(low->low_performance);
  assert_non_null(strstr(low->warning, "accept rate 5 %"));
  assert_non_null(strstr(low->warning, "over 40 pushes"));
  assert_non_null(strstr(low->warning, "median 30 %"));
  assert_true(low->peer_median_accept_rate > 0.29 &&
              low->peer_median_accept_rate < 0.31);
  assert_false(row_of(f, "tiny")->low_performance); /* small sample */
  assert_false(row_of(f, "r1")->low_performance);
  assert_false(row_of(f, "r3")->low_performance);
  assert_false(f->total->low_performance);
  opp_funnel_free(f);

  /* a lead of team B sees their RMs' rows and the warning, compared with
   * the whole bank's RMs */
  f = funnel(st, OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_RM, only_team_a, NULL);
  assert_null(row_of(f, "low"));
  assert_non_null(row_of(f, "r1"));
  opp_funnel_free(f);

  /* no thresholds: no warnings */
  assert_int_equal(store_begin(st, false, &t), 0);
  opp_funnel_query q = {.group_by = OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_RM};
  assert_int_equal(opp_funnel(t, &q, NULL, &f), 0);
  assert_false(row_of(f, "low")->low_performance);
  opp_funnel_free(f);
  store_abort(t);
}

static bool team_b(void *ctx, const char *rm_id, const char *team) {
  (void)ctx;
  (void)rm_id;
  return !strcmp(team, "B");
}

static void test_warning_lead_sees_team(void **state) {
  store *st = *state;
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  put_rm(t, "a1", "A", "B1");
  put_rm(t, "a2", "A", "B1");
  put_rm(t, "b1", "B", "B1");
  put_opps(t, "a1", 30, 9, ST_ACC, 1000);
  put_opps(t, "a2", 30, 9, ST_ACC, 1000);
  put_opps(t, "b1", 30, 1, ST_ACC, 1000);
  assert_int_equal(store_commit(t), 0);
  Oppgraph__V1__GetFunnelResponse *f =
      funnel(st, OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_RM, team_b, NULL);
  assert_int_equal(f->n_rows, 1);
  assert_true(f->rows[0]->low_performance);
  assert_non_null(strstr(f->rows[0]->warning, "2 peers"));
  opp_funnel_free(f);
}

static void test_no_warning_when_equal(void **state) {
  store *st = *state;
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  const char *ids[] = {"e1", "e2", "e3", "e4"};
  for (int i = 0; i < 4; i++) {
    put_rm(t, ids[i], i < 2 ? "A" : "B", "B1");
    put_opps(t, ids[i], 30, 6, ST_ACC, 1000);
  }
  assert_int_equal(store_commit(t), 0);
  for (int by = 0; by < 3; by++) {
    Oppgraph__V1__GetFunnelResponse *f = funnel(st, by, NULL, NULL);
    for (size_t i = 0; i < f->n_rows; i++)
      assert_false(f->rows[i]->low_performance);
    opp_funnel_free(f);
  }
}

static void test_bundled_thresholds(void **state) {
  (void)state;
  const char *d = getenv("OPPGRAPH_DATA");
  opp_config *cfg = NULL;
  char err[512];
  assert_int_equal(opp_config_load(d && *d ? d : "data", &cfg, err, sizeof err),
                   0);
  opp_funnel_warning w;
  opp_config_funnel_warning(cfg, &w);
  assert_true(w.min_pushed >= 1);
  assert_true(w.peer_fraction > 0 && w.peer_fraction <= 1);
  assert_true(w.min_peers >= 1);
  opp_config_free(cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_feedback_moves_prior_once, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_funnel_counts_period_and_visibility,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_warning_clear_underperformer, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_warning_lead_sees_team, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_no_warning_when_equal, setup,
                                      teardown),
      cmocka_unit_test(test_bundled_thresholds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
