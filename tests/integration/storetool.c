/*
 * storetool.c — a helper for the integration tests, built as
 * BUILD/itest/storetool.  It writes and reads a store directly through
 * store/store.h, so the server tests do not depend on what the sample world
 * happens to contain:
 *
 *   storetool seed DIR   creates a small known world: five RMs (two plain RMs
 *                        and a lead in team A, one RM in team B, an admin),
 *                        enterprises, and opportunities with chosen scores
 *                        (ties included, to exercise paging); prints a JSON
 *                        summary of what it wrote on stdout.
 *   storetool rms DIR    prints {"rm id": opportunity count, ...} as JSON:
 *                        the count a default push list shows (srv_push_page's
 *                        total: open opportunities, not expired, rejected or
 *                        won ones).
 *   storetool stats DIR  prints store_stats_get as JSON (for "re-ingest
 *                        changes nothing").
 *   storetool edges DIR  adds relations to a seeded store: guarantees
 *                        1 -> 2 -> 3 -> 1 (one guarantee circle, stored),
 *                        person 周七 holding 60% of 1, enterprise 4
 *                        holding 30% of 1 and 5 supplying 4.
 *   storetool kb-layout DIR N
 *                        records knowledge-base layout N in kb_meta, as a
 *                        store indexed by an older build would have it;
 *                        prints the layout it replaced ({"was": N}).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"
#include "store/store.h"

/* GB 32100 check character of the first 17 characters of a credit code. */
static char storetool_check(const char *code17) {
  static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static const int w[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                            29, 25, 13, 8,  24, 10, 30, 28};
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += (int)(strchr(cs, code17[i]) - cs) * w[i];
  int c = 31 - sum % 31;
  return cs[c == 31 ? 0 : c];
}

static int storetool_fail(const char *what, int rc) {
  fprintf(stderr, "storetool: %s: %s (%s)\n", what, store_strerror(rc),
          store_last_error());
  return 1;
}

/* Opens dir and begins a write transaction; prints why not and returns
 * the exit status otherwise. */
static int storetool_begin_write(const char *dir, store **st, store_txn **txn) {
  int rc = store_open(dir, NULL, st);
  if (rc)
    return storetool_fail(dir, rc);
  if ((rc = store_begin(*st, true, txn)))
    return storetool_fail("begin", rc);
  return 0;
}

typedef struct seed_rm {
  const char *id, *name, *team;
  Oppgraph__V1__Role role;
  int opps; /* how many opportunities to give them */
} seed_rm;

static const seed_rm seed_rms[] = {
    {"rm_a1", "王一", "A", OPPGRAPH__V1__ROLE__ROLE_RM, 45},
    {"rm_a2", "李二", "A", OPPGRAPH__V1__ROLE__ROLE_RM, 7},
    {"lead_a", "张三", "A", OPPGRAPH__V1__ROLE__ROLE_LEAD, 2},
    {"rm_b1", "赵四", "B", OPPGRAPH__V1__ROLE__ROLE_RM, 3},
    {"admin", "管理员", "HQ", OPPGRAPH__V1__ROLE__ROLE_ADMIN, 0},
};
#define SEED_ENTS 6

static int storetool_seed(const char *dir) {
  store *st;
  store_txn *txn;
  int rc = storetool_begin_write(dir, &st, &txn);
  if (rc)
    return rc;

  char codes[SEED_ENTS][32], names[SEED_ENTS][64], aliases[SEED_ENTS][32];
  uint64_t ids[SEED_ENTS];
  for (int i = 0; i < SEED_ENTS; i++) {
    snprintf(codes[i], sizeof codes[i], "91310000MA1K%05d", 30000 + i);
    codes[i][17] = storetool_check(codes[i]);
    codes[i][18] = '\0';
    snprintf(names[i], sizeof names[i], "上海测试%c号实业股份有限公司",
             'A' + i);
    snprintf(aliases[i], sizeof aliases[i], "测试%c号", 'A' + i);
    Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
    char *alias = aliases[i];
    e.credit_code = codes[i];
    e.name = names[i];
    e.aliases = &alias;
    e.n_aliases = 1;
    e.region = "310000";
    e.industry = "C26";
    if ((rc = store_ent_put(txn, &e)))
      return storetool_fail("ent put", rc);
    ids[i] = e.id;
  }

  printf("{\"rms\": {");
  int k = 0;
  for (size_t r = 0; r < sizeof seed_rms / sizeof seed_rms[0]; r++) {
    const seed_rm *s = &seed_rms[r];
    Oppgraph__V1__Rm rm = OPPGRAPH__V1__RM__INIT;
    rm.id = (char *)s->id;
    rm.name = (char *)s->name;
    rm.team = (char *)s->team;
    rm.role = s->role;
    rm.capacity = 50;
    if ((rc = store_rm_put(txn, &rm)))
      return storetool_fail("rm put", rc);
    printf("%s\"%s\": {\"opps\": %d, \"team\": \"%s\", \"role\": %d}",
           r ? ", " : "", s->id, s->opps, s->team, (int)s->role);
    for (int j = 0; j < s->opps; j++, k++) {
      Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
      char dedup[64], expl[160];
      char *products[] = {"履约保函", "流动资金贷款"};
      char *risks[] = {"涉诉"};
      snprintf(dedup, sizeof dedup, "seed:%s:%d", s->id, j);
      snprintf(expl, sizeof expl, "%s 中标 (种子数据 %d)", names[k % SEED_ENTS],
               j);
      o.enterprise_id = ids[k % SEED_ENTS];
      o.enterprise_name = names[k % SEED_ENTS];
      o.type = "中标";
      o.products = products;
      o.n_products = 2;
      o.risk_flags = risks;
      o.n_risk_flags = j % 5 == 0;
      /* Every third score repeats the previous one: ties must page cleanly. */
      o.score = 100.0 - (j - (j % 3 == 2)) * 1.5;
      o.explanation = expl;
      o.dedup_key = dedup;
      o.rm_id = (char *)s->id;
      o.created_at = 1700000000 + j;
      o.amount = 1000000 * (j + 1);
      if ((rc = store_opp_put(txn, &o)))
        return storetool_fail("opp put", rc);
    }
  }
  printf("}, \"enterprises\": [");
  for (int i = 0; i < SEED_ENTS; i++)
    printf("%s{\"id\": %" PRIu64 ", \"credit_code\": \"%s\", \"name\": \"%s\", "
           "\"alias\": \"%s\"}",
           i ? ", " : "", ids[i], codes[i], names[i], aliases[i]);
  printf("]}\n");
  if ((rc = store_commit(txn)))
    return storetool_fail("commit", rc);
  store_close(st);
  return 0;
}

typedef struct rm_count_ctx {
  store_txn *txn;
  int first;
} rm_count_ctx;

static int storetool_rm_cb(void *arg, const Oppgraph__V1__Rm *rm) {
  rm_count_ctx *c = arg;
  Oppgraph__V1__ListPushListResponse *r = NULL;
  int rc = srv_push_page(c->txn, rm->id, NULL, 1, &r);
  if (rc)
    return rc;
  printf("%s\"%s\": %u", c->first ? "" : ", ", rm->id, r->total);
  srv_push_page_free(r);
  c->first = 0;
  return 0;
}

static int storetool_read(const char *dir, int stats) {
  store *st;
  store_txn *txn;
  store_options opt = {.read_only = true};
  int rc = store_open(dir, &opt, &st);
  if (rc)
    return storetool_fail(dir, rc);
  if ((rc = store_begin(st, false, &txn)))
    return storetool_fail("begin", rc);
  if (stats) {
    store_stats s;
    if ((rc = store_stats_get(txn, &s)))
      return storetool_fail("stats", rc);
    printf("{\"enterprises\": %zu, \"persons\": %zu, \"documents\": %zu, "
           "\"events\": %zu, "
           "\"edges\": %zu, \"opportunities\": %zu, \"rms\": %zu, \"circles\": "
           "%zu}\n",
           s.enterprises, s.persons, s.documents, s.events, s.edges,
           s.opportunities, s.rms, s.circles);
  } else {
    rm_count_ctx c = {txn, 1};
    printf("{");
    if ((rc = store_rm_foreach(txn, storetool_rm_cb, &c)))
      return storetool_fail("rms", rc);
    printf("}\n");
  }
  store_abort(txn);
  store_close(st);
  return 0;
}

static int storetool_edges(const char *dir) {
  store *st;
  store_txn *txn;
  int rc = storetool_begin_write(dir, &st, &txn);
  if (rc)
    return rc;
  Oppgraph__V1__Person p = OPPGRAPH__V1__PERSON__INIT;
  p.name = "周七";
  if ((rc = store_person_put(txn, &p)))
    return storetool_fail("person", rc);
  struct {
    Oppgraph__V1__EdgeType type;
    uint64_t src, dst;
    int person;
    double ratio;
    int64_t amount;
  } es[] = {
      {OPPGRAPH__V1__EDGE_TYPE__GUARANTEE, 1, 2, 0, 0, 50000000},
      {OPPGRAPH__V1__EDGE_TYPE__GUARANTEE, 2, 3, 0, 0, 30000000},
      {OPPGRAPH__V1__EDGE_TYPE__GUARANTEE, 3, 1, 0, 0, 20000000},
      {OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING, 0, 1, 1, 0.6, 0},
      {OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING, 4, 1, 0, 0.3, 0},
      {OPPGRAPH__V1__EDGE_TYPE__SUPPLY, 5, 4, 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof es / sizeof es[0]; i++) {
    Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
    e.type = es[i].type;
    e.src = es[i].person ? p.id : es[i].src;
    e.src_kind = es[i].person ? OPPGRAPH__V1__NODE_KIND__NODE_PERSON
                              : OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE;
    e.dst = es[i].dst;
    e.ratio = es[i].ratio;
    e.amount = es[i].amount;
    if ((rc = store_edge_put(txn, &e)))
      return storetool_fail("edge", rc);
  }
  uint64_t members[] = {1, 2, 3};
  Oppgraph__V1__GuaranteeCircle c = OPPGRAPH__V1__GUARANTEE_CIRCLE__INIT,
                                *cp = &c;
  c.members = members;
  c.n_members = 3;
  c.total_amount = 100000000;
  if ((rc = store_circles_replace(txn, &cp, 1)))
    return storetool_fail("circles", rc);
  if ((rc = store_commit(txn)))
    return storetool_fail("commit", rc);
  store_close(st);
  printf("{\"person\": %" PRIu64 "}\n", p.id);
  return 0;
}

static int storetool_kb_layout(const char *dir, const char *n) {
  store *st;
  store_txn *txn;
  int rc = storetool_begin_write(dir, &st, &txn);
  if (rc)
    return rc;
  uint64_t was = 0;
  if ((rc = store_kb_meta_get(txn, "layout", &was)) && rc != STORE_ENOTFOUND)
    return storetool_fail("kb_meta", rc);
  if ((rc = store_kb_meta_put(txn, "layout", strtoull(n, NULL, 10))))
    return storetool_fail("kb_meta", rc);
  if ((rc = store_commit(txn)))
    return storetool_fail("commit", rc);
  store_close(st);
  printf("{\"was\": %" PRIu64 "}\n", was);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "kb-layout"))
    return storetool_kb_layout(argv[2], argv[3]);
  if (argc == 3 && !strcmp(argv[1], "edges"))
    return storetool_edges(argv[2]);
  if (argc == 3 && !strcmp(argv[1], "seed"))
    return storetool_seed(argv[2]);
  if (argc == 3 && !strcmp(argv[1], "rms"))
    return storetool_read(argv[2], 0);
  if (argc == 3 && !strcmp(argv[1], "stats"))
    return storetool_read(argv[2], 1);
  fprintf(stderr,
          "usage: storetool seed|rms|stats|edges DIR | kb-layout DIR N\n");
  return 2;
}
