/*
 * test_store_check.c — store_check finds each kind of inconsistency it
 * promises to find, and none in a store written through the public API.
 *
 * Each case builds the same small world (enterprises with names and codes, a
 * person, a document, an event, edges, an opportunity, a circle), checks it is
 * clean, then damages it behind the store's back with raw LMDB (closing the
 * store first: LMDB forbids two environments on one file in one process) and
 * expects exactly the damage to be reported.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <lmdb.h> /* only to damage the store behind its back */

#include "store/store.h"

static char g_base[64];
static int g_seq;

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static int group_setup(void **state) {
  (void)state;
  strcpy(g_base, "/tmp/test_store_check.XXXXXX");
  return mkdtemp(g_base) ? 0 : -1;
}

static int group_teardown(void **state) {
  (void)state;
  return nftw(g_base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes the small world into a fresh store at dir and closes it. */
static void build_world(char *dir, size_t len) {
  snprintf(dir, len, "%s/s%d", g_base, ++g_seq);
  store *st = NULL;
  store_options opt = {.map_size = 32 << 20};
  assert_int_equal(store_open(dir, &opt, &st), 0);
  store_txn *t = NULL;
  assert_int_equal(store_begin(st, true, &t), 0);

  Oppgraph__V1__Enterprise a = OPPGRAPH__V1__ENTERPRISE__INIT,
                           b = OPPGRAPH__V1__ENTERPRISE__INIT;
  char *aliases[] = {"甲公司", "ＪＩＡ"};
  a.name = "甲科技股份有限公司";
  a.credit_code = "91310000000000001A";
  a.aliases = aliases;
  a.n_aliases = 2;
  b.name = "乙集团有限公司";
  b.credit_code = "91310000000000002B";
  assert_int_equal(store_ent_put(t, &a), 0);
  assert_int_equal(store_ent_put(t, &b), 0);

  Oppgraph__V1__Person p = OPPGRAPH__V1__PERSON__INIT;
  p.name = "张三";
  assert_int_equal(store_person_put(t, &p), 0);

  Oppgraph__V1__Document d = OPPGRAPH__V1__DOCUMENT__INIT;
  uint8_t hash[32];
  memset(hash, 0xAB, sizeof hash);
  d.title = "公告";
  d.content_hash.data = hash;
  d.content_hash.len = 32;
  assert_int_equal(store_doc_put(t, &d, NULL), 0);

  Oppgraph__V1__Event e = OPPGRAPH__V1__EVENT__INIT;
  uint64_t subj[] = {a.id, b.id};
  e.subject_ids = subj;
  e.n_subject_ids = 2;
  assert_int_equal(store_evt_put(t, &e), 0);

  Oppgraph__V1__Edge g1 = OPPGRAPH__V1__EDGE__INIT,
                     g2 = OPPGRAPH__V1__EDGE__INIT,
                     ex = OPPGRAPH__V1__EDGE__INIT;
  g1.type = OPPGRAPH__V1__EDGE_TYPE__GUARANTEE;
  g1.src = a.id;
  g1.dst = b.id;
  g2.type = OPPGRAPH__V1__EDGE_TYPE__GUARANTEE;
  g2.src = b.id;
  g2.dst = a.id;
  ex.type = OPPGRAPH__V1__EDGE_TYPE__EXECUTIVE;
  ex.src_kind = OPPGRAPH__V1__NODE_KIND__NODE_PERSON;
  ex.src = p.id;
  ex.dst = a.id;
  assert_int_equal(store_edge_put(t, &g1), 0);
  assert_int_equal(store_edge_put(t, &g2), 0);
  assert_int_equal(store_edge_put(t, &ex), 0);

  Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
  o.enterprise_id = a.id;
  o.rm_id = "rm01";
  o.score = 7.5;
  o.dedup_key = "a|中标";
  assert_int_equal(store_opp_put(t, &o), 0);

  Oppgraph__V1__GuaranteeCircle c = OPPGRAPH__V1__GUARANTEE_CIRCLE__INIT;
  uint64_t members[] = {a.id, b.id};
  c.members = members;
  c.n_members = 2;
  Oppgraph__V1__GuaranteeCircle *cs[] = {&c};
  assert_int_equal(store_circles_replace(t, cs, 1), 0);
  assert_int_equal(store_commit(t), 0);
  store_close(st);
}

typedef struct problems {
  int n;
  char text[8][512];
} problems;

static void on_problem(void *ctx, const char *msg) {
  problems *p = ctx;
  if (p->n < 8)
    snprintf(p->text[p->n], sizeof p->text[0], "%s", msg);
  p->n++;
}

/* Runs store_check on dir; returns its result, problems in *p. */
static int check_dir(const char *dir, problems *p, store_check_report *rep) {
  store *st = NULL;
  store_options opt = {.read_only = true};
  assert_int_equal(store_open(dir, &opt, &st), 0);
  store_txn *t = NULL;
  assert_int_equal(store_begin(st, false, &t), 0);
  memset(p, 0, sizeof *p);
  int rc = store_check(t, on_problem, p, rep);
  store_abort(t);
  store_close(st);
  return rc;
}

/* Raw LMDB access to one named database of a closed store. */
typedef struct raw {
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
} raw;

static void raw_open(raw *r, const char *dir, const char *db) {
  assert_int_equal(mdb_env_create(&r->env), 0);
  assert_int_equal(mdb_env_set_maxdbs(r->env, 64), 0);
  assert_int_equal(mdb_env_set_mapsize(r->env, 32 << 20), 0);
  assert_int_equal(mdb_env_open(r->env, dir, 0, 0644), 0);
  assert_int_equal(mdb_txn_begin(r->env, NULL, 0, &r->txn), 0);
  assert_int_equal(mdb_dbi_open(r->txn, db, 0, &r->dbi), 0);
}

static void raw_close(raw *r) {
  assert_int_equal(mdb_txn_commit(r->txn), 0);
  mdb_env_close(r->env);
}

static bool any_contains(const problems *p, const char *needle) {
  for (int i = 0; i < p->n && i < 8; i++)
    if (strstr(p->text[i], needle))
      return true;
  return false;
}

static void test_clean_world_has_no_problems(void **state) {
  (void)state;
  char dir[128];
  build_world(dir, sizeof dir);
  problems p;
  store_check_report rep;
  assert_int_equal(check_dir(dir, &p, &rep), 0);
  assert_int_equal(rep.problems, 0);
  assert_int_equal(p.n, 0);
  assert_int_equal(rep.stats.enterprises, 2);
  assert_int_equal(rep.stats.edges, 3);
  /* ent_code 2, ent_name 4, person_name 1, doc_hash 1, evt_ent 2,
   * edge_key/out/in 3 each, opp_rm 1, opp_dedup 1, circle_ent 2 */
  assert_int_equal(rep.index_entries, 2 + 4 + 1 + 1 + 2 + 9 + 1 + 1 + 2);
}

/* Deletes the first entry of db (the whole key with all duplicates). */
static void delete_first(const char *dir, const char *db) {
  raw r;
  raw_open(&r, dir, db);
  MDB_cursor *c;
  assert_int_equal(mdb_cursor_open(r.txn, r.dbi, &c), 0);
  MDB_val k, v;
  assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
  assert_int_equal(mdb_cursor_del(c, 0), 0);
  mdb_cursor_close(c);
  raw_close(&r);
}

static void expect_problem(const char *dir, const char *needle) {
  problems p;
  store_check_report rep;
  assert_int_equal(check_dir(dir, &p, &rep), STORE_ECORRUPT);
  assert_true(rep.problems >= 1);
  assert_int_equal((int)rep.problems, p.n);
  if (!any_contains(&p, needle)) {
    for (int i = 0; i < p.n && i < 8; i++)
      fprintf(stderr, "problem: %s\n", p.text[i]);
    fail_msg("no problem mentions \"%s\"", needle);
  }
  assert_non_null(strstr(rep.first_problem, p.text[0]));
}

static void test_missing_index_entries_are_found(void **state) {
  (void)state;
  static const char *dbs[] = {"ent_code",  "ent_name",  "person_name",
                              "doc_hash",  "evt_ent",   "edge_key",
                              "edge_out",  "edge_in",   "opp_rm",
                              "opp_dedup", "circle_ent"};
  for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
    char dir[128];
    build_world(dir, sizeof dir);
    delete_first(dir, dbs[i]);
    expect_problem(dir, dbs[i]);
  }
}

static void test_dangling_index_entries_are_found(void **state) {
  (void)state;
  /* Records removed behind the indexes' back: every entry pointing at them
   * must be reported as pointing nowhere. */
  static const struct {
    const char *db, *needle;
  } cases[] = {{"ent", "does not exist"},   {"person", "does not exist"},
               {"doc", "does not exist"},   {"evt", "does not exist"},
               {"edge", "does not exist"},  {"opp", "does not exist"},
               {"circle", "does not exist"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char dir[128];
    build_world(dir, sizeof dir);
    delete_first(dir, cases[i].db);
    expect_problem(dir, cases[i].needle);
  }
}

static void test_stray_entry_and_wrong_target_are_found(void **state) {
  (void)state;
  char dir[128];
  build_world(dir, sizeof dir);
  /* A name the enterprise does not carry, pointing at enterprise 1. */
  raw r;
  raw_open(&r, dir, "ent_name");
  uint8_t one[8] = {0, 0, 0, 0, 0, 0, 0, 1};
  MDB_val k = {6, "幽灵"}, v = {8, one};
  assert_int_equal(mdb_put(r.txn, r.dbi, &k, &v, 0), 0);
  raw_close(&r);
  expect_problem(dir, "has no such name");

  build_world(dir, sizeof dir);
  /* An adjacency entry for an edge id whose edge runs elsewhere. */
  raw_open(&r, dir, "edge_out");
  uint8_t key[17] = {0};
  key[7] = 42; /* node 42 */
  key[8] = 2;  /* GUARANTEE */
  key[16] = 1; /* edge 1 */
  MDB_val k2 = {17, key}, v2 = {0, ""};
  assert_int_equal(mdb_put(r.txn, r.dbi, &k2, &v2, 0), 0);
  raw_close(&r);
  expect_problem(dir, "is listed at node 42");
}

static void test_undecodable_record_and_stale_sequence_are_found(void **s) {
  (void)s;
  char dir[128];
  build_world(dir, sizeof dir);
  raw r;
  raw_open(&r, dir, "opp");
  uint8_t key[8] = {0, 0, 0, 0, 0, 0, 0, 1};
  MDB_val k = {8, key}, v = {3, "\xff\xff\xff"};
  assert_int_equal(mdb_put(r.txn, r.dbi, &k, &v, 0), 0);
  raw_close(&r);
  expect_problem(dir, "does not decode");

  build_world(dir, sizeof dir);
  raw_open(&r, dir, "meta");
  uint8_t zero[8] = {0};
  MDB_val mk = {7, "seq.ent"}, mv = {8, zero};
  assert_int_equal(mdb_put(r.txn, r.dbi, &mk, &mv, 0), 0);
  raw_close(&r);
  expect_problem(dir, "seq.ent");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clean_world_has_no_problems),
      cmocka_unit_test(test_missing_index_entries_are_found),
      cmocka_unit_test(test_dangling_index_entries_are_found),
      cmocka_unit_test(test_stray_entry_and_wrong_target_are_found),
      cmocka_unit_test(test_undecodable_record_and_stale_sequence_are_found),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
