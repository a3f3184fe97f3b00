/*
 * test_server_cache.c — the server's per-commit caches give what a fresh
 * read gives: the token memo (srv_token_verify_memo through srv_begin_auth)
 * and the packed-response cache of ListPushList (srv_respcache, driven
 * through the handler table as the plumbing drives it).  Each test first
 * shows that the cache answered (its hit counter moved), then commits a
 * change and shows the next call sees it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/server.h"
#include "server/server_internal.h"
#include "store/store.h"

#define TMPSTORE_PREFIX "/tmp/test_server_cache.XXXXXX"
#include "tests/unit/tmpstore.h"

/* RM r1 with 30 opportunities (scores 30..1), RM r2 with 2, one of each
 * with a risk flag. */
static void seed(store *st) {
  store_txn *w;
  assert_int_equal(store_begin(st, true, &w), 0);
  const char *rms[] = {"r1", "r2"};
  for (int i = 0; i < 2; i++) {
    Oppgraph__V1__Rm rm = OPPGRAPH__V1__RM__INIT;
    rm.id = (char *)rms[i];
    rm.team = "T";
    assert_int_equal(store_rm_put(w, &rm), 0);
  }
  char *flags[] = {"诉讼"};
  for (int i = 0; i < 32; i++) {
    Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
    char key[32];
    snprintf(key, sizeof key, "k%d", i);
    o.rm_id = i < 30 ? "r1" : "r2";
    o.score = 30.0 - i;
    o.dedup_key = key;
    o.enterprise_name = "测试公司";
    o.type = "中标";
    if (i == 3 || i == 31) {
      o.risk_flags = flags;
      o.n_risk_flags = 1;
    }
    assert_int_equal(store_opp_put(w, &o), 0);
  }
  assert_int_equal(store_commit(w), 0);
}

/* The seeded world, a token of rm in tok and a server app over st. */
static srv_app *seeded_app(store *st, const char *rm,
                           char tok[SRV_TOKEN_LEN + 1]) {
  seed(st);
  assert_int_equal(srv_token_issue(st, rm, tok, SRV_TOKEN_LEN + 1), 0);
  srv_config cfg;
  srv_config_init(&cfg);
  srv_app *app;
  assert_int_equal(srv_app_new(st, &cfg, &app), 0);
  return app;
}

static const srv_method *method(const char *path) {
  for (size_t i = 0; i < srv_methods_len; i++)
    if (!strcmp(srv_methods[i].path, path))
      return &srv_methods[i];
  fail_msg("no method %s", path);
  return NULL;
}

/* One ListPushList call as the plumbing makes it; the decoded response
 * (NULL on an error status, then *status says which). */
static Oppgraph__V1__ListPushListResponse *
list(store *st, srv_app *app, const char *bearer,
     const Oppgraph__V1__ListPushListRequest *req, int *status) {
  srv_ctx ctx = {.st = st, .bearer = bearer, .app = app};
  srv_reply rep;
  memset(&rep, 0, sizeof rep);
  method("/oppgraph.v1.OpportunityService/ListPushList")
      ->fn(&ctx, &req->base, &rep);
  *status = rep.status;
  Oppgraph__V1__ListPushListResponse *resp = NULL;
  if (rep.status == SRV_ST_OK) {
    resp =
        oppgraph__v1__list_push_list_response__unpack(NULL, rep.len, rep.msg);
    assert_non_null(resp);
  }
  free(rep.msg);
  return resp;
}

/* Commits opportunity id with a new status (status >= 0) or without its
 * risk flags (status < 0). */
static void change(store *st, uint64_t id, int status) {
  store_txn *w;
  assert_int_equal(store_begin(st, true, &w), 0);
  Oppgraph__V1__Opportunity *o = NULL;
  assert_int_equal(store_opp_get(w, id, &o), 0);
  size_t nflags = o->n_risk_flags;
  if (status >= 0)
    o->status = status;
  else
    o->n_risk_flags = 0;
  assert_int_equal(store_opp_put(w, o), 0);
  o->n_risk_flags = nflags;
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  assert_int_equal(store_commit(w), 0);
}

/* A page served twice under one commit comes from the cache, byte for
 * byte; after a commit that closes its best opportunity the next call
 * shows the page without it; a filtered request is its own entry and
 * follows the commit too. */
static void test_list_cache_hit_then_commit(void **state) {
  store *st = *state;
  char tok[SRV_TOKEN_LEN + 1];
  srv_app *app = seeded_app(st, "r1", tok);
  srv_respcache *rc = srv_app_respcache(app);
  assert_non_null(rc);

  Oppgraph__V1__ListPushListRequest req =
      OPPGRAPH__V1__LIST_PUSH_LIST_REQUEST__INIT;
  req.page_size = 10;
  int st1, st2;
  Oppgraph__V1__ListPushListResponse *a = list(st, app, tok, &req, &st1);
  Oppgraph__V1__ListPushListResponse *b = list(st, app, tok, &req, &st2);
  assert_int_equal(st1, SRV_ST_OK);
  assert_int_equal(st2, SRV_ST_OK);
  uint64_t hits, misses;
  srv_respcache_stats(rc, &hits, &misses);
  assert_int_equal(hits, 1);
  assert_int_equal(misses, 1);
  assert_int_equal(a->n_opportunities, 10);
  assert_int_equal(a->total, 30);
  assert_int_equal(b->n_opportunities, 10);
  assert_int_equal(b->opportunities[0]->id, a->opportunities[0]->id);
  assert_string_equal(b->next_page_token, a->next_page_token);
  uint64_t best = a->opportunities[0]->id, second = a->opportunities[1]->id;

  /* the flagged ones, filtered: a different key */
  Oppgraph__V1__ListPushListRequest freq = req;
  freq.risk = OPPGRAPH__V1__RISK_FILTER__RISK_FLAGGED;
  Oppgraph__V1__ListPushListResponse *f1 = list(st, app, tok, &freq, &st1);
  assert_int_equal(st1, SRV_ST_OK);
  assert_int_equal(f1->n_opportunities, 1);

  /* another RM's page is another key: r2's token gets r2's list */
  char tok2[SRV_TOKEN_LEN + 1];
  assert_int_equal(srv_token_issue(st, "r2", tok2, sizeof tok2), 0);
  Oppgraph__V1__ListPushListResponse *other = list(st, app, tok2, &req, &st1);
  assert_int_equal(st1, SRV_ST_OK);
  assert_int_equal(other->total, 2);

  /* close the best one, clear the flagged one's flag (two commits) */
  change(st, best, OPPGRAPH__V1__OPP_STATUS__OPP_WON);
  change(st, f1->opportunities[0]->id, -1);
  Oppgraph__V1__ListPushListResponse *c = list(st, app, tok, &req, &st1);
  assert_int_equal(st1, SRV_ST_OK);
  assert_int_equal(c->total, 29);
  assert_int_equal(c->opportunities[0]->id, second);
  for (size_t i = 0; i < c->n_opportunities; i++)
    assert_int_not_equal(c->opportunities[i]->id, best);
  Oppgraph__V1__ListPushListResponse *f2 = list(st, app, tok, &freq, &st1);
  assert_int_equal(st1, SRV_ST_OK);
  assert_int_equal(f2->n_opportunities, 0);

  oppgraph__v1__list_push_list_response__free_unpacked(a, NULL);
  oppgraph__v1__list_push_list_response__free_unpacked(b, NULL);
  oppgraph__v1__list_push_list_response__free_unpacked(c, NULL);
  oppgraph__v1__list_push_list_response__free_unpacked(f1, NULL);
  oppgraph__v1__list_push_list_response__free_unpacked(f2, NULL);
  oppgraph__v1__list_push_list_response__free_unpacked(other, NULL);
  srv_app_free(app);
}

/* A cached page is never handed to a caller who may not read it: an RM
 * asking for another RM's list after that list was cached is refused. */
static void test_list_cache_keeps_visibility(void **state) {
  store *st = *state;
  char t1[SRV_TOKEN_LEN + 1], t2[SRV_TOKEN_LEN + 1];
  srv_app *app = seeded_app(st, "r1", t1);
  assert_int_equal(srv_token_issue(st, "r2", t2, sizeof t2), 0);
  Oppgraph__V1__ListPushListRequest req =
      OPPGRAPH__V1__LIST_PUSH_LIST_REQUEST__INIT;
  req.rm_id = "r1";
  int status;
  Oppgraph__V1__ListPushListResponse *a = list(st, app, t1, &req, &status);
  assert_int_equal(status, SRV_ST_OK);
  assert_null(list(st, app, t2, &req, &status));
  assert_int_equal(status, SRV_ST_PERMISSION_DENIED);
  oppgraph__v1__list_push_list_response__free_unpacked(a, NULL);
  srv_app_free(app);
}

static int begin_auth(store *st, srv_app *app, const char *bearer, char *rm_id,
                      size_t len) {
  srv_ctx ctx = {.st = st, .bearer = bearer, .app = app};
  srv_reply rep;
  memset(&rep, 0, sizeof rep);
  store_txn *txn;
  Oppgraph__V1__Rm *rm;
  if (srv_begin_auth(&ctx, &rep, &txn, &rm))
    return rep.status;
  snprintf(rm_id, len, "%s", rm->id);
  oppgraph__v1__rm__free_unpacked(rm, NULL);
  store_abort(txn);
  return SRV_ST_OK;
}

/* The token memo answers a repeated check under one commit; a wrong secret
 * with a remembered id is still refused; a revoke (a commit) refuses the
 * token at the very next call. */
static void test_token_memo_and_revoke(void **state) {
  store *st = *state;
  char tok[SRV_TOKEN_LEN + 1], who[32];
  srv_app *app = seeded_app(st, "r2", tok);
  srv_tokmemo *m = srv_app_tokmemo(app);
  assert_non_null(m);
  assert_int_equal(begin_auth(st, app, tok, who, sizeof who), SRV_ST_OK);
  assert_int_equal(begin_auth(st, app, tok, who, sizeof who), SRV_ST_OK);
  assert_string_equal(who, "r2");
  uint64_t hits, misses;
  srv_tokmemo_stats(m, &hits, &misses);
  assert_int_equal(hits, 1);
  assert_int_equal(misses, 1);
  /* the memo keeps the record's salted hash, not the secret (as bytes or
   * as the hex the caller sent) */
  uint8_t secret[32];
  assert_int_equal(
      srv_hex_decode(tok + SRV_TOKEN_ID_LEN + 1, 2 * sizeof secret, secret), 0);
  assert_false(srv_tokmemo_holds(m, secret, sizeof secret));
  assert_false(srv_tokmemo_holds(m, secret, 8));
  assert_false(srv_tokmemo_holds(m, tok + SRV_TOKEN_ID_LEN + 1, 16));
  assert_true(srv_tokmemo_holds(m, "r2", 3)); /* the probe itself works */

  /* same id, another secret: not a hit, and refused */
  char bad[SRV_TOKEN_LEN + 1];
  memcpy(bad, tok, sizeof bad);
  bad[SRV_TOKEN_LEN - 1] = bad[SRV_TOKEN_LEN - 1] == '0' ? '1' : '0';
  assert_int_equal(begin_auth(st, app, bad, who, sizeof who),
                   SRV_ST_UNAUTHENTICATED);
  /* upper-case hex of the right token is the same token */
  char upper[SRV_TOKEN_LEN + 1];
  for (size_t i = 0; i <= SRV_TOKEN_LEN; i++)
    upper[i] = (char)(tok[i] >= 'a' && tok[i] <= 'f' ? tok[i] - 32 : tok[i]);
  assert_int_equal(begin_auth(st, app, upper, who, sizeof who), SRV_ST_OK);

  char id[SRV_TOKEN_ID_LEN + 1];
  memcpy(id, tok, SRV_TOKEN_ID_LEN);
  id[SRV_TOKEN_ID_LEN] = '\0';
  assert_int_equal(srv_token_revoke(st, id), 0);
  assert_int_equal(begin_auth(st, app, tok, who, sizeof who),
                   SRV_ST_UNAUTHENTICATED);
  srv_app_free(app);
}

/* The cache itself: exact per (key, commit), an older commit's response
 * does not replace a newer one's, oversized responses are not kept. */
static void test_respcache_slots(void **state) {
  (void)state;
  srv_respcache *rc;
  assert_int_equal(srv_respcache_new(&rc), 0);
  uint8_t *msg;
  size_t len;
  const uint8_t k1[] = "key one", k2[] = "key two";
  assert_int_equal(srv_respcache_get(rc, k1, sizeof k1, 7, &msg, &len), 0);
  srv_respcache_put(rc, k1, sizeof k1, 7, (const uint8_t *)"seven", 5);
  assert_int_equal(srv_respcache_get(rc, k1, sizeof k1, 7, &msg, &len), 1);
  assert_int_equal(len, 5);
  assert_memory_equal(msg, "seven", 5);
  free(msg);
  assert_int_equal(srv_respcache_get(rc, k1, sizeof k1, 8, &msg, &len), 0);
  assert_int_equal(srv_respcache_get(rc, k2, sizeof k2, 7, &msg, &len), 0);
  srv_respcache_put(rc, k1, sizeof k1, 9, (const uint8_t *)"nine", 4);
  srv_respcache_put(rc, k1, sizeof k1, 8, (const uint8_t *)"eight", 5);
  assert_int_equal(srv_respcache_get(rc, k1, sizeof k1, 9, &msg, &len), 1);
  assert_memory_equal(msg, "nine", 4);
  free(msg);
  /* an empty response is a hit, not a miss */
  srv_respcache_put(rc, k2, sizeof k2, 9, (const uint8_t *)"", 0);
  assert_int_equal(srv_respcache_get(rc, k2, sizeof k2, 9, &msg, &len), 1);
  assert_int_equal(len, 0);
  free(msg);
  uint8_t *big = calloc(1, SRV_RC_MAX_BYTES + 1);
  srv_respcache_put(rc, k2, sizeof k2, 10, big, SRV_RC_MAX_BYTES + 1);
  assert_int_equal(srv_respcache_get(rc, k2, sizeof k2, 10, &msg, &len), 0);
  free(big);
  srv_respcache_free(rc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_list_cache_hit_then_commit, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_list_cache_keeps_visibility, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_token_memo_and_revoke, setup,
                                      teardown),
      cmocka_unit_test(test_respcache_slots),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
