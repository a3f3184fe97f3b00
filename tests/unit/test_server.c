/*
 * test_server.c — the server's logic without the network: tokens (issue,
 * verify, revoke, what the store keeps), the visibility rules of srv_may_read
 * and push-list paging through srv_push_page and the per-commit cache of
 * open push lists (srv_open_page).  The gRPC plumbing itself is
 * covered by tests/integration/test_e2e.py.
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

typedef struct fixture {
  char dir[64];
  store *st;
} fixture;

static void put_rm(store_txn *txn, const char *id, const char *team,
                   Oppgraph__V1__Role role) {
  Oppgraph__V1__Rm rm = OPPGRAPH__V1__RM__INIT;
  rm.id = (char *)id;
  rm.team = (char *)team;
  rm.role = role;
  assert_int_equal(store_rm_put(txn, &rm), 0);
}

static void put_opp(store_txn *txn, const char *rm, double score, int n) {
  Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
  char key[64];
  snprintf(key, sizeof key, "t:%s:%d", rm, n);
  o.rm_id = (char *)rm;
  o.score = score;
  o.dedup_key = key;
  o.enterprise_name = "测试公司";
  o.type = "中标";
  assert_int_equal(store_opp_put(txn, &o), 0);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/oppgraph-test-server-XXXXXX");
  if (!mkdtemp(f->dir))
    return -1;
  if (store_open(f->dir, NULL, &f->st))
    return -1;
  store_txn *txn;
  if (store_begin(f->st, true, &txn))
    return -1;
  put_rm(txn, "a1", "A", OPPGRAPH__V1__ROLE__ROLE_RM);
  put_rm(txn, "a2", "A", OPPGRAPH__V1__ROLE__ROLE_RM);
  put_rm(txn, "leadA", "A", OPPGRAPH__V1__ROLE__ROLE_LEAD);
  put_rm(txn, "b1", "B", OPPGRAPH__V1__ROLE__ROLE_RM);
  put_rm(txn, "boss", "", OPPGRAPH__V1__ROLE__ROLE_ADMIN);
  /* a1: 25 opportunities, scores with ties (every pair equal); a2: 3 */
  for (int i = 0; i < 25; i++)
    put_opp(txn, "a1", 50.0 - (i / 2), i);
  for (int i = 0; i < 3; i++)
    put_opp(txn, "a2", 10.0 + i, i);
  if (store_commit(txn))
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  store_close(f->st);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  int rc = system(cmd);
  free(f);
  return rc == 0 ? 0 : -1;
}

static int verify(fixture *f, const char *token, char *rm_id, size_t len) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  Oppgraph__V1__Rm *rm = NULL;
  int rc = srv_token_verify(txn, token, &rm);
  if (rc == 0) {
    assert_non_null(rm);
    snprintf(rm_id, len, "%s", rm->id);
    oppgraph__v1__rm__free_unpacked(rm, NULL);
  } else {
    assert_null(rm);
  }
  store_abort(txn);
  return rc;
}

static void test_token_issue_verify_roundtrip(void **state) {
  fixture *f = *state;
  char tok[SRV_TOKEN_LEN + 1], other[SRV_TOKEN_LEN + 1], who[32];
  assert_int_equal(srv_token_issue(f->st, "a2", tok, sizeof tok), 0);
  assert_int_equal(strlen(tok), SRV_TOKEN_LEN);
  assert_int_equal(tok[SRV_TOKEN_ID_LEN], '.');
  assert_int_equal(verify(f, tok, who, sizeof who), 0);
  assert_string_equal(who, "a2");
  /* two tokens differ entirely */
  assert_int_equal(srv_token_issue(f->st, "a2", other, sizeof other), 0);
  assert_memory_not_equal(tok, other, SRV_TOKEN_ID_LEN);
  assert_memory_not_equal(tok + 13, other + 13, 64);
}

static void test_token_store_keeps_no_secret(void **state) {
  fixture *f = *state;
  char tok[SRV_TOKEN_LEN + 1];
  assert_int_equal(srv_token_issue(f->st, "b1", tok, sizeof tok), 0);
  char id[SRV_TOKEN_ID_LEN + 1];
  memcpy(id, tok, SRV_TOKEN_ID_LEN);
  id[SRV_TOKEN_ID_LEN] = '\0';
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  Oppgraph__V1__TokenRecord *rec = NULL;
  assert_int_equal(store_token_get(txn, id, &rec), 0);
  assert_string_equal(rec->rm_id, "b1");
  assert_int_equal(rec->salt.len, 16);
  assert_int_equal(rec->hash.len, 32);
  assert_false(rec->revoked);
  /* Neither the hex secret nor its bytes appear in the packed record. */
  size_t len = oppgraph__v1__token_record__get_packed_size(rec);
  uint8_t *buf = malloc(len);
  oppgraph__v1__token_record__pack(rec, buf);
  uint8_t secret[32];
  for (int i = 0; i < 32; i++) {
    unsigned v;
    sscanf(tok + 13 + 2 * i, "%2x", &v);
    secret[i] = (uint8_t)v;
  }
  assert_null(memmem(buf, len, tok + 13, 64));
  assert_null(memmem(buf, len, secret, 32));
  free(buf);
  oppgraph__v1__token_record__free_unpacked(rec, NULL);
  store_abort(txn);
}

static void test_token_rejections(void **state) {
  fixture *f = *state;
  char tok[SRV_TOKEN_LEN + 1], bad[SRV_TOKEN_LEN + 8], who[32];
  assert_int_equal(srv_token_issue(f->st, "a1", tok, sizeof tok), 0);

  memcpy(bad, tok, sizeof tok); /* one secret digit changed */
  bad[40] = bad[40] == '0' ? '1' : '0';
  assert_int_equal(verify(f, bad, who, sizeof who), SRV_EAUTH);
  memcpy(bad, tok, sizeof tok); /* unknown id */
  memcpy(bad, "ffffffffffff", 12);
  assert_int_equal(verify(f, bad, who, sizeof who), SRV_EAUTH);
  snprintf(bad, sizeof bad, "%sx", tok); /* too long */
  assert_int_equal(verify(f, bad, who, sizeof who), SRV_EAUTH);
  assert_int_equal(verify(f, "", who, sizeof who), SRV_EAUTH);
  assert_int_equal(verify(f, "abc.def", who, sizeof who), SRV_EAUTH);
  memcpy(bad, tok, sizeof tok); /* separator missing */
  bad[SRV_TOKEN_ID_LEN] = '-';
  assert_int_equal(verify(f, bad, who, sizeof who), SRV_EAUTH);
  memcpy(bad, tok, sizeof tok); /* not hex */
  bad[20] = 'g';
  assert_int_equal(verify(f, bad, who, sizeof who), SRV_EAUTH);

  /* revoked: dead at once, other tokens of the same RM live on */
  char keep[SRV_TOKEN_LEN + 1], id[SRV_TOKEN_ID_LEN + 1];
  assert_int_equal(srv_token_issue(f->st, "a1", keep, sizeof keep), 0);
  memcpy(id, tok, SRV_TOKEN_ID_LEN);
  id[SRV_TOKEN_ID_LEN] = '\0';
  assert_int_equal(srv_token_revoke(f->st, id), 0);
  assert_int_equal(verify(f, tok, who, sizeof who), SRV_EAUTH);
  assert_int_equal(verify(f, keep, who, sizeof who), 0);
  assert_int_equal(srv_token_revoke(f->st, "000000000000"), SRV_ENOTFOUND);
}

static void test_token_issue_errors(void **state) {
  fixture *f = *state;
  char tok[SRV_TOKEN_LEN + 1];
  assert_int_equal(srv_token_issue(f->st, "nobody", tok, sizeof tok),
                   SRV_ENOTFOUND);
  assert_int_equal(srv_token_issue(f->st, "a1", tok, SRV_TOKEN_LEN),
                   SRV_ENOSPC);
  assert_int_equal(srv_token_issue(f->st, "", tok, sizeof tok), SRV_EINVAL);
  assert_string_not_equal(srv_strerror(SRV_EAUTH), srv_strerror(SRV_EPERM));
}

static int may(fixture *f, const char *caller, const char *target) {
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  Oppgraph__V1__Rm *rm = NULL;
  assert_int_equal(store_rm_get(txn, caller, &rm), 0);
  int rc = srv_may_read(txn, rm, target);
  oppgraph__v1__rm__free_unpacked(rm, NULL);
  store_abort(txn);
  return rc;
}

static void test_visibility_rules(void **state) {
  fixture *f = *state;
  assert_int_equal(may(f, "a1", "a1"), 0);
  assert_int_equal(may(f, "a1", "a2"), SRV_EPERM); /* same team, plain RM */
  assert_int_equal(may(f, "a1", "b1"), SRV_EPERM);
  assert_int_equal(may(f, "a1", "ghost"), SRV_EPERM); /* no existence leak */
  assert_int_equal(may(f, "leadA", "a1"), 0);
  assert_int_equal(may(f, "leadA", "b1"), SRV_EPERM);
  assert_int_equal(may(f, "leadA", "boss"),
                   SRV_EPERM); /* admin has no team A */
  assert_int_equal(may(f, "leadA", "ghost"), SRV_ENOTFOUND);
  assert_int_equal(may(f, "boss", "b1"), 0);
  assert_int_equal(may(f, "boss", "ghost"), SRV_ENOTFOUND);
}

static void test_push_page_walks_all_in_order(void **state) {
  fixture *f = *state;
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  char token[64] = "";
  uint64_t seen[32];
  size_t n = 0;
  double last = 1e300;
  int pages = 0;
  for (;;) {
    Oppgraph__V1__ListPushListResponse *r = NULL;
    assert_int_equal(srv_push_page(txn, "a1", token, 4, &r), 0);
    pages++;
    assert_int_equal(r->total, 25);
    for (size_t i = 0; i < r->n_opportunities; i++) {
      const Oppgraph__V1__Opportunity *o = r->opportunities[i];
      assert_string_equal(o->rm_id, "a1");
      assert_true(o->score <= last);
      last = o->score;
      for (size_t j = 0; j < n; j++)
        assert_true(seen[j] != o->id);
      assert_true(n < 32);
      seen[n++] = o->id;
    }
    bool end = !*r->next_page_token;
    if (!end) {
      assert_int_equal(strlen(r->next_page_token), 32);
      snprintf(token, sizeof token, "%s", r->next_page_token);
    }
    srv_push_page_free(r);
    if (end)
      break;
    assert_true(pages < 20);
  }
  assert_int_equal(n, 25);
  assert_int_equal(pages, 7);
  store_abort(txn);
}

static void test_push_page_limits_and_bad_tokens(void **state) {
  fixture *f = *state;
  store_txn *txn;
  assert_int_equal(store_begin(f->st, false, &txn), 0);
  Oppgraph__V1__ListPushListResponse *r = NULL;
  assert_int_equal(srv_push_page(txn, "a1", NULL, 0, &r), 0); /* default size */
  assert_int_equal(r->n_opportunities, SRV_PAGE_DEFAULT);
  srv_push_page_free(r);
  assert_int_equal(srv_push_page(txn, "a1", "", SRV_PAGE_MAX, &r), 0);
  assert_int_equal(r->n_opportunities, 25);
  assert_string_equal(r->next_page_token, "");
  srv_push_page_free(r);
  assert_int_equal(srv_push_page(txn, "a1", "", SRV_PAGE_MAX + 1, &r),
                   SRV_EINVAL);
  assert_null(r);
  assert_int_equal(srv_push_page(txn, "a1", "", -3, &r), SRV_EINVAL);
  assert_int_equal(srv_push_page(txn, "a1", "abc", 5, &r), SRV_EINVAL);
  assert_int_equal(
      srv_push_page(txn, "a1", "zz000000000000000000000000000000", 5, &r),
      SRV_EINVAL);
  /* an RM with nothing: empty page, total 0 */
  assert_int_equal(srv_push_page(txn, "b1", "", 5, &r), 0);
  assert_int_equal(r->n_opportunities, 0);
  assert_int_equal(r->total, 0);
  srv_push_page_free(r);
  /* a2's scores ascend as inserted; the page is best first */
  assert_int_equal(srv_push_page(txn, "a2", "", 5, &r), 0);
  assert_int_equal(r->n_opportunities, 3);
  assert_true(r->opportunities[0]->score == 12.0);
  assert_true(r->opportunities[2]->score == 10.0);
  srv_push_page_free(r);
  store_abort(txn);
}

/* Every page of rm through srv_open_page (px may be NULL), page size 4. */
static size_t open_walk(srv_pushidx *px, store_txn *txn, const char *rm,
                        uint64_t *ids, size_t cap, size_t *total) {
  uint8_t after[STORE_PAGE_KEY_LEN], next[STORE_PAGE_KEY_LEN];
  size_t n = 0;
  bool more = true, first = true;
  while (more) {
    size_t got = 0;
    assert_int_equal(srv_open_page(px, txn, rm, first ? NULL : after, 4,
                                   ids + n, &got, &more, next, total),
                     0);
    assert_true(n + got <= cap);
    n += got;
    memcpy(after, next, sizeof after);
    first = false;
  }
  return n;
}

/* The cache of open push lists gives what a full read gives, and a commit
 * (here a rejection, which closes an opportunity) shows at the next call;
 * an older snapshot still sees its own data. */
static void test_open_list_cache_follows_commits(void **state) {
  fixture *f = *state;
  srv_pushidx *px;
  assert_int_equal(srv_pushidx_new(&px), 0);
  store_txn *old;
  assert_int_equal(store_begin(f->st, false, &old), 0);
  uint64_t plain[32], cached[32], again[32];
  size_t tp = 0, tc = 0, ta = 0;
  size_t np = open_walk(NULL, old, "a1", plain, 32, &tp);
  size_t nc = open_walk(px, old, "a1", cached, 32, &tc);
  size_t na = open_walk(px, old, "a1", again, 32, &ta); /* from the cache */
  assert_int_equal(np, 25);
  assert_int_equal(tp, 25);
  assert_int_equal(nc, np);
  assert_int_equal(na, np);
  assert_int_equal(tc, tp);
  assert_int_equal(ta, tp);
  assert_memory_equal(plain, cached, np * sizeof *plain);
  assert_memory_equal(plain, again, np * sizeof *plain);

  /* reject the best one */
  store_txn *w;
  assert_int_equal(store_begin(f->st, true, &w), 0);
  Oppgraph__V1__Opportunity *o = NULL;
  assert_int_equal(store_opp_get(w, plain[0], &o), 0);
  o->status = OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED;
  assert_int_equal(store_opp_put(w, o), 0);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  assert_int_equal(store_commit(w), 0);

  store_txn *now;
  assert_int_equal(store_begin(f->st, false, &now), 0);
  assert_true(store_txn_id(now) > store_txn_id(old));
  nc = open_walk(px, now, "a1", cached, 32, &tc);
  assert_int_equal(nc, 24);
  assert_int_equal(tc, 24);
  assert_memory_equal(plain + 1, cached, 24 * sizeof *plain);
  /* the snapshot from before the commit is not served the newer list */
  na = open_walk(px, old, "a1", again, 32, &ta);
  assert_int_equal(na, 25);
  assert_int_equal(ta, 25);
  assert_int_equal(again[0], plain[0]);
  store_abort(old);
  store_abort(now);
  srv_pushidx_free(px);
}

static uint64_t latest_commit(store *st) {
  store_txn *t;
  assert_int_equal(store_begin(st, false, &t), 0);
  uint64_t id = store_txn_id(t);
  store_abort(t);
  return id;
}

static uint64_t push_head(store *st) {
  store_txn *t;
  uint64_t head = 0;
  assert_int_equal(store_begin(st, false, &t), 0);
  assert_int_equal(store_push_head(t, &head), 0);
  store_abort(t);
  return head;
}

/* Puts opportunity id again with updated_at ver, as any writer would (a
 * CLI ingest, RecordFeedback); when also_log_at is not 0, then sets the
 * log's version for it back to that, as in a store written before puts
 * logged their pushes. */
static void touch_opp(store *st, uint64_t id, int64_t ver,
                      int64_t also_log_at) {
  store_txn *w;
  assert_int_equal(store_begin(st, true, &w), 0);
  Oppgraph__V1__Opportunity *o = NULL;
  assert_int_equal(store_opp_get(w, id, &o), 0);
  o->updated_at = ver;
  assert_int_equal(store_opp_put(w, o), 0);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  if (also_log_at)
    assert_int_equal(store_push_append(w, id, also_log_at, NULL), 0);
  assert_int_equal(store_commit(w), 0);
}

static int64_t logged_version(store *st, uint64_t id) {
  store_txn *t;
  int64_t ver = -1;
  assert_int_equal(store_begin(st, false, &t), 0);
  assert_int_equal(store_push_version(t, id, &ver), 0);
  store_abort(t);
  return ver;
}

/* Every put that changes an opportunity logs its push in its own commit,
 * whoever writes: the store watcher then only wakes the streams.  A change
 * the log does not have (a store from before) is logged by srv_push_sync,
 * which the server runs at start, and only that one. */
static void test_every_put_logs_its_push(void **state) {
  fixture *f = *state;
  /* the 28 opportunities of the fixture are logged as they were put */
  uint64_t head = push_head(f->st);
  assert_int_equal(head, 28);
  uint64_t before = latest_commit(f->st);
  size_t n = 99;
  assert_int_equal(srv_push_sync(f->st, &n), SRV_OK);
  assert_int_equal(n, 0);
  assert_int_equal(latest_commit(f->st),
                   before); /* nothing to log: no commit */

  touch_opp(f->st, 1, 100, 0);
  assert_int_equal(push_head(f->st), head + 1);
  assert_int_equal(logged_version(f->st, 1), 100);
  touch_opp(f->st, 1, 100, 0); /* the same version again: no new push */
  assert_int_equal(push_head(f->st), head + 1);
  touch_opp(f->st, 3, 300, 0);
  touch_opp(f->st, 1, 150, 0);
  uint64_t *ids = NULL;
  assert_int_equal(srv_push_since(f->st, head, &ids, &n), SRV_OK);
  assert_int_equal(n, 2); /* opportunity 1 twice, 3 once: each once */
  assert_int_equal(ids[0], 1);
  assert_int_equal(ids[1], 3);
  free(ids);
  assert_int_equal(srv_push_since(f->st, push_head(f->st), &ids, &n), SRV_OK);
  assert_int_equal(n, 0);
  assert_null(ids);

  /* the log is behind for opportunity 2: the start-up sync logs it alone */
  touch_opp(f->st, 2, 200, 120);
  assert_int_equal(logged_version(f->st, 2), 120);
  head = push_head(f->st);
  assert_int_equal(srv_push_sync(f->st, &n), SRV_OK);
  assert_int_equal(n, 1);
  assert_int_equal(push_head(f->st), head + 1);
  assert_int_equal(logged_version(f->st, 2), 200);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_token_issue_verify_roundtrip, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_token_store_keeps_no_secret, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_token_rejections, setup, teardown),
      cmocka_unit_test_setup_teardown(test_token_issue_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_visibility_rules, setup, teardown),
      cmocka_unit_test_setup_teardown(test_push_page_walks_all_in_order, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_open_list_cache_follows_commits,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_every_put_logs_its_push, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_push_page_limits_and_bad_tokens,
                                      setup, teardown),
  };
  return cmocka_run_group_tests_name("server", tests, NULL, NULL);
}
