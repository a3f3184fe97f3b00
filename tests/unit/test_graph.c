/*
 * test_graph.c — graph/ on small graphs with known answers: guarantee
 * circles (3- and 7-cycles, nested circles sharing a node, chains, self-loops
 * and duplicate edges, disconnected parts, persons excluded), storing them,
 * mutual pairs, simple cycles, ownership penetration under cross-holdings and
 * diamonds, hop-limited neighbourhoods, the incremental circle update
 * (equal to a full rebuild after every batch), the allocation-free edge
 * scan the loader uses, and ownership of every enterprise in one pass.  Each
 * test builds its edges in a fresh temporary store.
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

#define ENT OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE
#define PER OPPGRAPH__V1__NODE_KIND__NODE_PERSON
#define GUAR OPPGRAPH__V1__EDGE_TYPE__GUARANTEE
#define SHARE OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING
#define SUPPLY OPPGRAPH__V1__EDGE_TYPE__SUPPLY

typedef struct fx {
  char dir[64];
  store *st;
  store_txn *txn; /* open write txn */
} fx;

static int setup(void **state) {
  fx *f = calloc(1, sizeof *f);
  strcpy(f->dir, "/tmp/test_graph_XXXXXX");
  if (!mkdtemp(f->dir))
    return -1;
  if (store_open(f->dir, NULL, &f->st))
    return -1;
  if (store_begin(f->st, true, &f->txn))
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  store_abort(f->txn);
  store_close(f->st);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  if (system(cmd))
    return -1;
  free(f);
  return 0;
}

static uint64_t edge_k(store_txn *txn, Oppgraph__V1__EdgeType t,
                       Oppgraph__V1__NodeKind sk, uint64_t s,
                       Oppgraph__V1__NodeKind dk, uint64_t d, int64_t amount,
                       double ratio) {
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = t;
  e.src = s;
  e.dst = d;
  e.src_kind = sk;
  e.dst_kind = dk;
  e.amount = amount;
  e.ratio = ratio;
  assert_int_equal(store_edge_put(txn, &e), 0);
  assert_true(e.id > 0);
  return e.id;
}

static uint64_t guar(store_txn *txn, uint64_t s, uint64_t d, int64_t amount) {
  return edge_k(txn, GUAR, ENT, s, ENT, d, amount, 0);
}

static uint64_t hold(store_txn *txn, Oppgraph__V1__NodeKind sk, uint64_t s,
                     uint64_t d, double ratio) {
  return edge_k(txn, SHARE, sk, s, ENT, d, 0, ratio);
}

static graph *load_all(store_txn *txn) {
  graph *g = NULL;
  assert_int_equal(graph_load(txn, NULL, 0, &g), 0);
  assert_non_null(g);
  return g;
}

typedef struct circles {
  Oppgraph__V1__GuaranteeCircle **c;
  size_t n;
} circles;

static circles circles_of(store_txn *txn) {
  graph *g = load_all(txn);
  circles r;
  assert_int_equal(graph_circles(g, &r.c, &r.n), 0);
  graph_free(g);
  return r;
}

static void assert_members(const Oppgraph__V1__GuaranteeCircle *c,
                           const uint64_t *want, size_t n) {
  assert_int_equal(c->n_members, n);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(c->members[i], want[i]);
}

static void test_three_cycle(void **state) {
  fx *f = *state;
  uint64_t e1 = guar(f->txn, 1, 2, 100);
  uint64_t e2 = guar(f->txn, 2, 3, 200);
  uint64_t e3 = guar(f->txn, 3, 1, 300);
  guar(f->txn, 3, 4, 999); /* leaves the circle: not a member, not counted */
  circles r = circles_of(f->txn);
  assert_int_equal(r.n, 1);
  assert_members(r.c[0], (uint64_t[]){1, 2, 3}, 3);
  assert_int_equal(r.c[0]->n_edge_ids, 3);
  uint64_t want[3] = {e1, e2, e3};
  for (size_t i = 0; i < 3; i++)
    assert_int_equal(r.c[0]->edge_ids[i], want[i]);
  assert_int_equal(r.c[0]->total_amount, 600);
  graph_circles_free(r.c, r.n);
}

static void test_seven_cycle_and_cycles(void **state) {
  fx *f = *state;
  for (uint64_t i = 0; i < 7; i++)
    guar(f->txn, 10 + i, 10 + (i + 1) % 7, 1);
  circles r = circles_of(f->txn);
  assert_int_equal(r.n, 1);
  assert_members(r.c[0], (uint64_t[]){10, 11, 12, 13, 14, 15, 16}, 7);
  assert_int_equal(r.c[0]->n_edge_ids, 7);
  assert_int_equal(r.c[0]->total_amount, 7);
  graph_circles_free(r.c, r.n);

  graph *g = load_all(f->txn);
  uint64_t *ids;
  size_t *lens, n;
  bool trunc;
  /* a 6-vertex limit cannot see the 7-cycle */
  assert_int_equal(graph_guarantee_cycles(g, 6, 0, &ids, &lens, &n, &trunc), 0);
  assert_int_equal(n, 0);
  free(ids);
  free(lens);
  assert_int_equal(graph_guarantee_cycles(g, 7, 0, &ids, &lens, &n, &trunc), 0);
  assert_int_equal(n, 1);
  assert_int_equal(lens[0], 7);
  for (size_t i = 0; i < 7; i++)
    assert_int_equal(ids[i], 10 + i);
  assert_false(trunc);
  free(ids);
  free(lens);
  graph_free(g);
}

static void test_nested_circles_one_scc(void **state) {
  fx *f = *state;
  /* A<->B and B->C->D->B share B: one component of four */
  guar(f->txn, 1, 2, 10);
  guar(f->txn, 2, 1, 20);
  guar(f->txn, 2, 3, 1);
  guar(f->txn, 3, 4, 1);
  guar(f->txn, 4, 2, 1);
  circles r = circles_of(f->txn);
  assert_int_equal(r.n, 1);
  assert_members(r.c[0], (uint64_t[]){1, 2, 3, 4}, 4);
  assert_int_equal(r.c[0]->n_edge_ids, 5);
  assert_int_equal(r.c[0]->total_amount, 33);
  graph_circles_free(r.c, r.n);

  graph *g = load_all(f->txn);
  graph_pair *p;
  size_t np;
  assert_int_equal(graph_mutual_pairs(g, &p, &np), 0);
  assert_int_equal(np, 1);
  assert_int_equal(p[0].a, 1);
  assert_int_equal(p[0].b, 2);
  assert_int_equal(p[0].amount_ab, 10);
  assert_int_equal(p[0].amount_ba, 20);
  free(p);

  uint64_t *ids;
  size_t *lens, n;
  assert_int_equal(graph_guarantee_cycles(g, 10, 0, &ids, &lens, &n, NULL), 0);
  assert_int_equal(n, 2);
  /* the two elementary cycles, each from its smallest member */
  size_t two = lens[0] == 2 ? 0 : 1;
  size_t off3 = two == 0 ? 2 : 0, off2 = two == 0 ? 0 : 3;
  assert_int_equal(lens[two], 2);
  assert_int_equal(lens[1 - two], 3);
  assert_int_equal(ids[off2], 1);
  assert_int_equal(ids[off2 + 1], 2);
  assert_int_equal(ids[off3], 2);
  assert_int_equal(ids[off3 + 1], 3);
  assert_int_equal(ids[off3 + 2], 4);
  free(ids);
  free(lens);
  /* the limit stops the enumeration and says so */
  bool trunc = false;
  assert_int_equal(graph_guarantee_cycles(g, 10, 1, &ids, &lens, &n, &trunc),
                   0);
  assert_int_equal(n, 1);
  assert_true(trunc);
  free(ids);
  free(lens);
  graph_free(g);
}

static void test_chain_has_no_circle(void **state) {
  fx *f = *state;
  for (uint64_t i = 1; i < 6; i++)
    guar(f->txn, i, i + 1, 5);
  circles r = circles_of(f->txn);
  assert_int_equal(r.n, 0);
  graph_circles_free(r.c, r.n);
}

static void test_self_loops_and_duplicates(void **state) {
  fx *f = *state;
  guar(f->txn, 1, 1, 50); /* self-guarantee: dropped */
  uint64_t a = guar(f->txn, 1, 2, 10);
  uint64_t b = guar(f->txn, 2, 1, 20);
  uint64_t a2 = guar(f->txn, 1, 2, 10); /* the same edge again */
  assert_int_equal(a, a2);
  guar(f->txn, 3, 3, 1); /* a lone self-loop makes no circle */
  graph *g = load_all(f->txn);
  graph_info info;
  graph_info_get(g, &info);
  assert_int_equal(info.self_loops, 2);
  assert_int_equal(info.edges, 2);
  Oppgraph__V1__GuaranteeCircle **c;
  size_t n;
  assert_int_equal(graph_circles(g, &c, &n), 0);
  assert_int_equal(n, 1);
  assert_members(c[0], (uint64_t[]){1, 2}, 2);
  assert_int_equal(c[0]->n_edge_ids, 2);
  assert_int_equal(c[0]->edge_ids[0], a < b ? a : b);
  assert_int_equal(c[0]->total_amount, 30);
  graph_circles_free(c, n);
  graph_free(g);
}

static void test_disconnected_parts(void **state) {
  fx *f = *state;
  guar(f->txn, 7, 6, 1); /* circle {5,6,7} */
  guar(f->txn, 6, 5, 1);
  guar(f->txn, 5, 7, 1);
  guar(f->txn, 8, 9, 1); /* isolated edge */
  guar(f->txn, 2, 1, 1); /* circle {1,2} */
  guar(f->txn, 1, 2, 1);
  circles r = circles_of(f->txn);
  assert_int_equal(r.n, 2);
  assert_members(r.c[0], (uint64_t[]){1, 2}, 2);
  assert_members(r.c[1], (uint64_t[]){5, 6, 7}, 3);
  graph_circles_free(r.c, r.n);
}

static void test_persons_excluded(void **state) {
  fx *f = *state;
  /* enterprise 1 and person 2 "guarantee" each other; enterprise 2 is a
   * different node from person 2 */
  edge_k(f->txn, GUAR, ENT, 1, PER, 2, 1, 0);
  edge_k(f->txn, GUAR, PER, 2, ENT, 1, 1, 0);
  guar(f->txn, 1, 2, 1);
  graph *g = load_all(f->txn);
  graph_info info;
  graph_info_get(g, &info);
  assert_int_equal(info.persons, 1);
  assert_int_equal(info.enterprises, 2);
  Oppgraph__V1__GuaranteeCircle **c;
  size_t n;
  assert_int_equal(graph_circles(g, &c, &n), 0);
  assert_int_equal(n, 0);
  graph_circles_free(c, n);
  graph_free(g);
}

static void test_rebuild_stores_circles(void **state) {
  fx *f = *state;
  guar(f->txn, 1, 2, 1);
  guar(f->txn, 2, 1, 1);
  guar(f->txn, 3, 4, 1);
  guar(f->txn, 4, 5, 1);
  guar(f->txn, 5, 3, 1);
  assert_int_equal(store_commit(f->txn), 0);
  f->txn = NULL;
  graph_report rep;
  for (int round = 0; round < 2; round++) { /* rebuilding is idempotent */
    assert_int_equal(graph_rebuild_circles(f->st, &rep), 0);
    assert_int_equal(rep.circles, 2);
    assert_int_equal(rep.circle_members, 5);
    assert_int_equal(rep.mutual_pairs, 1);
  }
  store_txn *r;
  assert_int_equal(store_begin(f->st, false, &r), 0);
  uint64_t c1, c2, c4;
  assert_int_equal(store_circle_of(r, 1, &c1), 0);
  assert_int_equal(store_circle_of(r, 2, &c2), 0);
  assert_int_equal(store_circle_of(r, 4, &c4), 0);
  assert_int_equal(c1, c2);
  assert_int_not_equal(c1, c4);
  uint64_t none;
  assert_int_not_equal(store_circle_of(r, 9, &none), 0);
  Oppgraph__V1__GuaranteeCircle *c;
  assert_int_equal(store_circle_get(r, c4, &c), 0);
  assert_int_equal(c->n_members, 3);
  assert_int_equal(c->n_edge_ids, 3);
  oppgraph__v1__guarantee_circle__free_unpacked(c, NULL);
  store_stats s;
  assert_int_equal(store_stats_get(r, &s), 0);
  assert_int_equal(s.circles, 2);
  store_abort(r);
}

static const graph_owner *find_owner(const graph_owner *o, size_t n,
                                     Oppgraph__V1__NodeKind k, uint64_t id) {
  for (size_t i = 0; i < n; i++)
    if (o[i].kind == k && o[i].id == id)
      return &o[i];
  return NULL;
}

typedef struct owners_seen {
  const graph *g;
  double tol, min_share;
  size_t targets, holders;
} owners_seen;

/* Each answer of graph_owners_all equals graph_owners' for that target. */
static int check_owners(void *ctx, uint64_t target, const graph_owner *o,
                        size_t n) {
  owners_seen *s = ctx;
  graph_owner *want;
  size_t nw;
  assert_int_equal(graph_owners(s->g, target, s->min_share, &want, &nw), 0);
  assert_int_equal(n, nw);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(o[i].id, want[i].id);
    assert_int_equal(o[i].kind, want[i].kind);
    assert_true(o[i].share <= want[i].share + 1e-12);
    assert_true(o[i].share >= want[i].share - s->tol);
    assert_int_equal(o[i].ultimate, want[i].ultimate);
  }
  free(want);
  s->targets++;
  s->holders += n;
  return 0;
}

/* graph_owners_all agrees with graph_owners on every target of g (holders
 * >= min_share, shares within tol); returns the run's figures. */
static graph_owners_stats owners_all_agrees(const graph *g, double min_share,
                                            double tol, size_t *targets) {
  owners_seen s = {.g = g, .tol = tol, .min_share = min_share};
  graph_owners_stats st;
  assert_int_equal(graph_owners_all(g, min_share, tol, check_owners, &s, &st),
                   0);
  *targets = s.targets;
  return st;
}

static void test_ownership_cross_holding(void **state) {
  fx *f = *state;
  /* person 1 holds 70% of A(1); A holds 60% of B(2); B holds 30% of A */
  hold(f->txn, PER, 1, 1, 0.7);
  hold(f->txn, ENT, 1, 2, 0.6);
  hold(f->txn, ENT, 2, 1, 0.3);
  graph *g = load_all(f->txn);
  graph_owner *o;
  size_t n;
  assert_int_equal(graph_owners(g, 2, 0.0, &o, &n), 0);
  assert_int_equal(n, 2);
  const graph_owner *a = find_owner(o, n, ENT, 1),
                    *p = find_owner(o, n, PER, 1);
  assert_non_null(a);
  assert_non_null(p);
  assert_float_equal(a->share, 0.6, 1e-9);
  assert_float_equal(p->share, 0.42, 1e-9);
  assert_true(p->ultimate);
  assert_false(a->ultimate);
  assert_ptr_equal(&o[0], a); /* largest first */
  free(o);
  /* of A: the person 70%, B 30%; 25% threshold keeps both */
  assert_int_equal(graph_owners(g, 1, 0.25, &o, &n), 0);
  assert_int_equal(n, 2);
  assert_float_equal(find_owner(o, n, PER, 1)->share, 0.7, 1e-9);
  assert_float_equal(find_owner(o, n, ENT, 2)->share, 0.3, 1e-9);
  free(o);
  assert_int_equal(graph_owners(g, 99, 0.0, &o, &n), GRAPH_ENOTFOUND);
  graph_free(g);
  /* C(3) held 50% by A: A's share of C counts A's loops through B,
   * 0.5 / (1 - 0.6 * 0.3); the one-pass run must carry that factor from A's
   * component to C (it derives C's owners from A's) */
  hold(f->txn, ENT, 1, 3, 0.5);
  g = load_all(f->txn);
  assert_int_equal(graph_owners(g, 3, 0.1, &o, &n), 0);
  assert_float_equal(find_owner(o, n, ENT, 1)->share, 0.5 / 0.82, 1e-9);
  free(o);
  size_t targets;
  graph_owners_stats st = owners_all_agrees(g, 0.1, 1e-12, &targets);
  assert_int_equal(targets, 3);
  assert_int_equal(st.cyclic, 1);
  assert_int_equal(st.exact, 0); /* derived, not handed to graph_owners */
  graph_free(g);
}

static void test_ownership_cycle_upstream_converges(void **state) {
  fx *f = *state;
  /* target T(10) held 50% by A(11); A and B(12) hold each other (B 50% of A,
   * A 40% of B); person 5 holds 60% of B.  Paths from the person: 0.6*0.5*0.5
   * times sum of 0.2^k = 0.1875. */
  hold(f->txn, ENT, 11, 10, 0.5);
  hold(f->txn, ENT, 12, 11, 0.5);
  hold(f->txn, ENT, 11, 12, 0.4);
  hold(f->txn, PER, 5, 12, 0.6);
  graph *g = load_all(f->txn);
  graph_owner *o;
  size_t n;
  assert_int_equal(graph_owners(g, 10, 0.0, &o, &n), 0);
  assert_int_equal(n, 3);
  assert_float_equal(find_owner(o, n, ENT, 11)->share, 0.625, 1e-9);
  assert_float_equal(find_owner(o, n, ENT, 12)->share, 0.3125, 1e-9);
  assert_float_equal(find_owner(o, n, PER, 5)->share, 0.1875, 1e-9);
  free(o);
  size_t targets;
  graph_owners_stats st = owners_all_agrees(g, 0.1, 1e-12, &targets);
  assert_int_equal(targets, 3); /* T, A, B */
  assert_int_equal(st.exact, 0);
  graph_free(g);
}

static void test_ownership_diamond(void **state) {
  fx *f = *state;
  hold(f->txn, PER, 1, 20, 0.5);
  hold(f->txn, PER, 1, 21, 0.5);
  hold(f->txn, ENT, 20, 22, 0.4);
  hold(f->txn, ENT, 21, 22, 0.4);
  guar(f->txn, 22, 20, 1000); /* other edge types do not count */
  graph *g = load_all(f->txn);
  graph_owner *o;
  size_t n;
  assert_int_equal(graph_owners(g, 22, 0.25, &o, &n), 0);
  assert_int_equal(n, 3);
  const graph_owner *p = find_owner(o, n, PER, 1);
  assert_non_null(p);
  assert_float_equal(p->share, 0.4, 1e-9);
  assert_true(p->ultimate);
  free(o);
  size_t targets;
  graph_owners_stats st = owners_all_agrees(g, 0.25, 1e-12, &targets);
  assert_int_equal(targets, 3);
  assert_int_equal(st.exact, 0);
  assert_int_equal(st.cyclic, 0);
  graph_free(g);
}

static void test_supply_neighbourhood(void **state) {
  fx *f = *state;
  for (uint64_t i = 1; i < 5; i++)
    edge_k(f->txn, SUPPLY, ENT, i, ENT, i + 1, 10, 0);
  edge_k(f->txn, SUPPLY, ENT, 9, ENT, 2, 10, 0);
  const Oppgraph__V1__EdgeType t = SUPPLY;
  graph *g;
  assert_int_equal(graph_load(f->txn, &t, 1, &g), 0);
  graph_hop *h;
  size_t n;
  assert_int_equal(graph_neighbourhood(g, 1, 2, GRAPH_OUT, &h, &n), 0);
  assert_int_equal(n, 2);
  assert_int_equal(h[0].id, 2);
  assert_int_equal(h[0].dist, 1);
  assert_int_equal(h[1].id, 3);
  assert_int_equal(h[1].dist, 2);
  free(h);
  assert_int_equal(graph_neighbourhood(g, 3, 2, GRAPH_IN, &h, &n), 0);
  assert_int_equal(n, 3); /* 2 at 1 hop, 1 and 9 at 2 */
  assert_int_equal(h[0].id, 2);
  assert_int_equal(h[1].id, 1);
  assert_int_equal(h[2].id, 9);
  free(h);
  graph_free(g);
}

static void test_export_dot_and_svg(void **state) {
  fx *f = *state;
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = (char *)"甲\"引号\"公司"; /* quotes must be escaped in DOT */
  assert_int_equal(store_ent_put(f->txn, &e), 0);
  uint64_t a = e.id;
  hold(f->txn, PER, 77, a, 0.35);
  guar(f->txn, a, 500, 120000000);
  edge_k(f->txn, SUPPLY, ENT, 500, ENT, 501, 0, 0); /* 2 hops */
  edge_k(f->txn, SUPPLY, ENT, 501, ENT, 502, 0, 0); /* 3 hops: cut */
  graph *g = load_all(f->txn);
  char *dot;
  size_t len;
  assert_int_equal(graph_export_dot(f->txn, g, a, 2, 0, &dot, &len), 0);
  assert_int_equal(strlen(dot), len);
  char want[128];
  snprintf(want, sizeof want, "e%llu [label=\"甲\\\"引号\\\"公司\"",
           (unsigned long long)a);
  assert_non_null(strstr(dot, want));
  assert_non_null(strstr(dot, "p77 [label=\"#77\", shape=ellipse"));
  assert_non_null(strstr(dot, "持股 35.00%"));
  assert_non_null(strstr(dot, "担保 1.20亿元"));
  assert_non_null(strstr(dot, "e500 -> e501"));
  assert_null(strstr(dot, "e502"));
  char *svg;
  assert_int_equal(graph_dot_to_svg(dot, &svg, &len), 0);
  assert_non_null(strstr(svg, "<svg"));
  assert_non_null(strstr(svg, "35.00%"));
  free(svg);
  free(dot);
  assert_int_equal(graph_dot_to_svg("digraph { a -> ", &svg, &len),
                   GRAPH_EINVAL);
  assert_int_equal(graph_export_dot(f->txn, g, 99999, 2, 0, &dot, &len),
                   GRAPH_ENOTFOUND);
  graph_free(g);
}

static void test_risk_contagion(void **state) {
  fx *f = *state;
  guar(f->txn, 2, 1, 100);      /* 2 guarantees the source 1 */
  guar(f->txn, 1, 4, 100);      /* the source guarantees 4 */
  hold(f->txn, ENT, 3, 2, 0.5); /* 3 holds half of the guarantor */
  hold(f->txn, ENT, 3, 5, 0.6); /* 5 is 3 hops away: cut */
  edge_k(f->txn, SUPPLY, ENT, 1, ENT, 6, 10, 0); /* supply: no channel */
  guar(f->txn, 7, 4, 100); /* 4's other guarantor: 1 -> 4 -> 7, 0.5 * 1 */
  guar(f->txn, 7, 1, 100); /* ...but 7 guarantees the source directly too */
  graph *g = load_all(f->txn);
  graph_exposed *x;
  size_t n;
  assert_int_equal(graph_contagion(g, 1, 2, 0.8, 0.01, &x, &n), 0);
  assert_int_equal(n, 4);
  /* strongest first: the direct guarantors (0.8), then 4, then 3 */
  assert_int_equal(x[0].id, 2);
  assert_float_equal(x[0].weight, 0.8, 1e-12);
  assert_int_equal(x[0].hops, 1);
  assert_int_equal(x[0].via, 1);
  assert_int_equal(x[0].channel, GUAR);
  assert_int_equal(x[1].id, 7); /* direct path beats the 2-hop one */
  assert_float_equal(x[1].weight, 0.8, 1e-12);
  assert_int_equal(x[1].hops, 1);
  assert_int_equal(x[2].id, 4);
  assert_float_equal(x[2].weight, 0.4, 1e-12);
  assert_int_equal(x[3].id, 3);
  assert_float_equal(x[3].weight, 0.32, 1e-12);
  assert_int_equal(x[3].hops, 2);
  assert_int_equal(x[3].via, 2);
  assert_int_equal(x[3].channel, SHARE);
  free(x);
  /* a higher floor keeps only the strong ones */
  assert_int_equal(graph_contagion(g, 1, 2, 0.8, 0.5, &x, &n), 0);
  assert_int_equal(n, 2);
  free(x);
  assert_int_equal(graph_contagion(g, 1, 2, 0.0, 0.5, &x, &n), GRAPH_EINVAL);
  graph_free(g);
}

typedef struct diag_log {
  size_t n;
  size_t lines[8];
} diag_log;

static void on_diag(void *ctx, const char *file, size_t line, const char *msg) {
  diag_log *d = ctx;
  (void)file;
  (void)msg;
  if (d->n < 8)
    d->lines[d->n] = line;
  d->n++;
}

static void write_bytes(const char *path, const char *data, size_t len) {
  FILE *fp = fopen(path, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(data, 1, len, fp), len);
  fclose(fp);
}

static void test_import_csv(void **state) {
  fx *f = *state;
  char path[128];
  snprintf(path, sizeof path, "%s/g.csv", f->dir);
  const char *csv = "担保人,被担保人,担保金额,到期日\r\n"
                    "甲公司,乙公司,\"1,200万\",2025-01-31\r\n"
                    "乙公司,\"丙\"\"公司\"\"\",3000万,20250131\r\n"
                    "\"丙\"\"公司\"\"\",甲公司,0.5亿,\r\n"
                    ",甲公司,100,\r\n"
                    "丁公司,甲公司,abc,\r\n"
                    "\r\n";
  write_bytes(path, csv, strlen(csv));
  diag_log d = {0};
  graph_csv_opts o = {.diag = on_diag, .diag_ctx = &d};
  graph_import_report rep;
  char err[256];
  for (int round = 0; round < 2; round++) { /* the second adds nothing */
    d.n = 0;
    assert_int_equal(
        graph_import_csv(f->txn, path, GUAR, &o, &rep, err, sizeof err), 0);
    assert_int_equal(rep.rows, 5);
    assert_int_equal(rep.edges, 3);
    assert_int_equal(rep.rejected, 2);
    assert_int_equal(rep.enterprises_created, round == 0 ? 3 : 0);
    assert_false(rep.gb18030);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.lines[0], 5);
    assert_int_equal(d.lines[1], 6);
  }
  uint64_t jia, bing;
  assert_int_equal(store_ent_by_name(f->txn, "甲公司", &jia), 0);
  assert_int_equal(store_ent_by_name(f->txn, "丙\"公司\"", &bing), 0);
  circles r = circles_of(f->txn);
  assert_int_equal(r.n, 1);
  assert_int_equal(r.c[0]->n_members, 3);
  assert_int_equal(r.c[0]->total_amount, 12000000 + 30000000 + 50000000);
  Oppgraph__V1__Edge *e;
  assert_int_equal(store_edge_get(f->txn, r.c[0]->edge_ids[1], &e), 0);
  assert_string_equal(e->end, "2025-01-31"); /* 20250131 normalised */
  oppgraph__v1__edge__free_unpacked(e, NULL);
  graph_circles_free(r.c, r.n);

  /* GB18030 bytes of "src,dst\n甲公司,乙公司\n": found by name */
  const char gb[] = "src,dst\n\xbc\xd7\xb9\xab\xcb\xbe,\xd2\xd2\xb9\xab"
                    "\xcb\xbe\n";
  write_bytes(path, gb, sizeof gb - 1);
  assert_int_equal(
      graph_import_csv(f->txn, path, SUPPLY, NULL, &rep, err, sizeof err), 0);
  assert_true(rep.gb18030);
  assert_int_equal(rep.edges, 1);
  assert_int_equal(rep.enterprises_created, 0);

  write_bytes(path, "a,b\nx,y\n", 8);
  assert_int_equal(
      graph_import_csv(f->txn, path, GUAR, NULL, &rep, err, sizeof err),
      GRAPH_EINVAL);
  assert_non_null(strstr(err, "source"));
  assert_non_null(strstr(err, "g.csv:1"));
  snprintf(path, sizeof path, "%s/missing.csv", f->dir);
  assert_int_equal(
      graph_import_csv(f->txn, path, GUAR, NULL, &rep, err, sizeof err),
      GRAPH_EINVAL);
  assert_non_null(strstr(err, "missing.csv"));
}

static void test_group_head(void **state) {
  fx *f = *state;
  hold(f->txn, PER, 1, 30, 0.6);  /* person 1 controls 30 */
  hold(f->txn, ENT, 30, 31, 0.7); /* 30 controls 31 */
  hold(f->txn, ENT, 32, 31, 0.3); /* a minority holder */
  hold(f->txn, ENT, 33, 32, 0.5); /* exactly half is not control */
  graph *g = load_all(f->txn);
  Oppgraph__V1__NodeKind k;
  uint64_t id;
  assert_int_equal(graph_group_head(g, 31, &k, &id), 0);
  assert_int_equal(k, PER);
  assert_int_equal(id, 1);
  assert_int_equal(graph_group_head(g, 30, &k, &id), 0);
  assert_int_equal(id, 1);
  assert_int_equal(graph_group_head(g, 32, &k, &id), 0);
  assert_int_equal(k, ENT);
  assert_int_equal(id, 32);
  assert_int_equal(graph_group_head(g, 999, &k, &id), 0);
  assert_int_equal(id, 999);
  graph_free(g);
}

static void test_guarantee_exposure(void **state) {
  fx *f = *state;
  uint64_t ab = guar(f->txn, 1, 2, 100);
  guar(f->txn, 2, 3, 50);
  uint64_t ac = guar(f->txn, 1, 3, 30); /* direct beats the 2-hop chain */
  guar(f->txn, 3, 4, 80);
  guar(f->txn, 2, 5, 70);
  guar(f->txn, 5, 6, 10);  /* 3 hops: cut */
  guar(f->txn, 9, 1, 999); /* guarantees of 1 are not its exposure */
  edge_k(f->txn, GUAR, ENT, 1, PER, 7, 5, 0); /* persons are not counted */
  graph *g = load_all(f->txn);
  graph_exposure *x;
  size_t n;
  assert_int_equal(graph_guarantee_exposure(g, 1, 2, &x, &n), 0);
  assert_int_equal(n, 4);
  assert_int_equal(x[0].id, 2);
  assert_int_equal(x[0].hops, 1);
  assert_int_equal(x[0].edge_id, ab);
  assert_int_equal(x[0].bound, 100);
  assert_int_equal(x[1].id, 3);
  assert_int_equal(x[1].hops, 1);
  assert_int_equal(x[1].edge_id, ac);
  assert_int_equal(x[1].bound, 30);
  assert_int_equal(x[2].id, 5); /* 1 -> 2 -> 5: bound min(100, 70) */
  assert_int_equal(x[2].bound, 70);
  assert_int_equal(x[2].via, 2);
  assert_int_equal(x[3].id, 4); /* 1 -> 3 -> 4: bound min(30, 80) */
  assert_int_equal(x[3].hops, 2);
  assert_int_equal(x[3].bound, 30);
  assert_int_equal(x[3].amount, 80);
  free(x);
  assert_int_equal(graph_guarantee_exposure(g, 42, 2, &x, &n), GRAPH_ENOTFOUND);
  graph_free(g);
}

static void test_related_parties(void **state) {
  fx *f = *state;
  hold(f->txn, PER, 1, 40, 0.8); /* person 1 heads the group 40, 41, 42 */
  hold(f->txn, ENT, 40, 41, 0.6);
  hold(f->txn, ENT, 40, 42, 0.55);
  hold(f->txn, ENT, 40, 43, 0.2); /* minority: not in the group */
  edge_k(f->txn, OPPGRAPH__V1__EDGE_TYPE__EXECUTIVE, PER, 2, ENT, 41, 0, 0);
  edge_k(f->txn, OPPGRAPH__V1__EDGE_TYPE__EXECUTIVE, PER, 2, ENT, 50, 0, 0);
  edge_k(f->txn, OPPGRAPH__V1__EDGE_TYPE__LEGAL_REP, PER, 3, ENT, 41, 0, 0);
  edge_k(f->txn, OPPGRAPH__V1__EDGE_TYPE__LEGAL_REP, PER, 3, ENT, 51, 0, 0);
  graph *g = load_all(f->txn);
  graph_related *r;
  size_t n;
  assert_int_equal(graph_related_parties(g, 41, &r, &n), 0);
  assert_int_equal(n, 4);
  assert_int_equal(r[0].relation, GRAPH_REL_GROUP);
  assert_int_equal(r[0].id, 40);
  assert_int_equal(r[0].via_kind, PER);
  assert_int_equal(r[0].via, 1);
  assert_int_equal(r[1].relation, GRAPH_REL_GROUP);
  assert_int_equal(r[1].id, 42);
  assert_int_equal(r[2].relation, GRAPH_REL_EXECUTIVE);
  assert_int_equal(r[2].id, 50);
  assert_int_equal(r[2].via, 2);
  assert_int_equal(r[3].relation, GRAPH_REL_LEGAL_REP);
  assert_int_equal(r[3].id, 51);
  free(r);
  assert_int_equal(graph_related_parties(g, 43, &r, &n), 0);
  assert_int_equal(n, 0); /* a 20% holder makes no group */
  free(r);
  /* the head's group is what it controls */
  hold(f->txn, ENT, 60, 61, 0.9);
  graph_free(g);
  g = load_all(f->txn);
  assert_int_equal(graph_related_parties(g, 60, &r, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(r[0].id, 61);
  assert_int_equal(r[0].via, 60);
  free(r);
  graph_free(g);
}

static void test_circles_as_of(void **state) {
  fx *f = *state;
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = GUAR;
  e.src = 1;
  e.dst = 2;
  e.start = (char *)"2023-01-01";
  e.end = (char *)"2024-06-30";
  assert_int_equal(store_edge_put(f->txn, &e), 0);
  guar(f->txn, 2, 1, 1); /* open-ended */
  assert_int_equal(store_commit(f->txn), 0);
  f->txn = NULL;
  graph_report rep;
  assert_int_equal(graph_rebuild_circles_at(f->st, "2024-06-30", &rep), 0);
  assert_int_equal(rep.circles, 1); /* the last valid day counts */
  assert_int_equal(graph_rebuild_circles_at(f->st, "2024-07-01", &rep), 0);
  assert_int_equal(rep.circles, 0);
  assert_int_equal(rep.info.expired, 1);
  assert_int_equal(graph_rebuild_circles_at(f->st, "2022-12-31", &rep), 0);
  assert_int_equal(rep.circles, 0); /* not started yet */
  assert_int_equal(graph_rebuild_circles(f->st, &rep), 0);
  assert_int_equal(rep.circles, 1);
}

/* ---- incremental circle update ---------------------------------------- */

typedef struct stored {
  Oppgraph__V1__GuaranteeCircle **c;
  size_t n, cap;
} stored;

static int keep_circle(void *ctx, const Oppgraph__V1__GuaranteeCircle *c) {
  stored *s = ctx;
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 16;
    s->c = realloc(s->c, s->cap * sizeof *s->c);
  }
  size_t len = oppgraph__v1__guarantee_circle__get_packed_size(c);
  uint8_t *buf = malloc(len + 1);
  oppgraph__v1__guarantee_circle__pack(c, buf);
  s->c[s->n++] = oppgraph__v1__guarantee_circle__unpack(NULL, len, buf);
  free(buf);
  return 0;
}

static int cmp_circle_min(const void *a, const void *b) {
  const Oppgraph__V1__GuaranteeCircle *x =
      *(Oppgraph__V1__GuaranteeCircle *const *)a;
  const Oppgraph__V1__GuaranteeCircle *y =
      *(Oppgraph__V1__GuaranteeCircle *const *)b;
  return x->members[0] < y->members[0] ? -1 : x->members[0] > y->members[0];
}

/* The stored circles equal those a full computation finds now (ids
 * aside), and the circle indexes are consistent. */
static void assert_stored_equals_full(store *st) {
  store_txn *r;
  assert_int_equal(store_begin(st, false, &r), 0);
  stored s = {0};
  assert_int_equal(store_circle_foreach(r, keep_circle, &s), 0);
  if (s.n)
    qsort(s.c, s.n, sizeof *s.c, cmp_circle_min);
  circles full = circles_of(r);
  assert_int_equal(s.n, full.n);
  for (size_t i = 0; i < s.n; i++) {
    assert_members(s.c[i], full.c[i]->members, full.c[i]->n_members);
    assert_int_equal(s.c[i]->n_edge_ids, full.c[i]->n_edge_ids);
    for (size_t k = 0; k < s.c[i]->n_edge_ids; k++)
      assert_int_equal(s.c[i]->edge_ids[k], full.c[i]->edge_ids[k]);
    assert_int_equal(s.c[i]->total_amount, full.c[i]->total_amount);
    for (size_t k = 0; k < s.c[i]->n_members; k++) {
      uint64_t cid;
      assert_int_equal(store_circle_of(r, s.c[i]->members[k], &cid), 0);
      assert_int_equal(cid, s.c[i]->id);
    }
    oppgraph__v1__guarantee_circle__free_unpacked(s.c[i], NULL);
  }
  free(s.c);
  graph_circles_free(full.c, full.n);
  store_check_report cr;
  assert_int_equal(store_check(r, NULL, NULL, &cr), 0);
  store_abort(r);
}

static void test_incremental_equals_rebuild(void **state) {
  fx *f = *state;
  /* start: a chain 1->2->...->8, a 3-circle 10,11,12, a person guarantor */
  for (uint64_t i = 1; i < 8; i++)
    guar(f->txn, i, i + 1, 10);
  guar(f->txn, 10, 11, 1);
  guar(f->txn, 11, 12, 1);
  guar(f->txn, 12, 10, 1);
  edge_k(f->txn, GUAR, PER, 500, ENT, 3, 7, 0);
  assert_int_equal(store_commit(f->txn), 0);
  f->txn = NULL;
  graph_update_report rep;
  /* no state yet: the first update is a full rebuild */
  assert_int_equal(graph_update_circles(f->st, &rep), 0);
  assert_true(rep.full);
  assert_int_equal(rep.circles, 1);
  assert_stored_equals_full(f->st);

  /* batches with known effects, each checked against a full computation */
  struct {
    uint64_t s, d;
    int64_t amount;
  } batch[][4] = {
      {{8, 3, 5}, {0, 0, 0}},                /* closes 3..8 into a new circle */
      {{5, 4, 2}, {20, 21, 3}, {0, 0, 0}},   /* inside it; new enterprises */
      {{8, 10, 4}, {12, 8, 4}, {0, 0, 0}},   /* merges the two circles */
      {{21, 20, 1}, {30, 30, 9}, {0, 0, 0}}, /* a mutual pair; a self-loop */
      {{2, 3, 1}, {0, 0, 0}}, /* parallel to 2->3: 2 stays outside */
  };
  size_t nb = sizeof batch / sizeof batch[0];
  size_t merged = 0;
  for (size_t b = 0; b < nb; b++) {
    assert_int_equal(store_begin(f->st, true, &f->txn), 0);
    for (size_t k = 0; batch[b][k].s; k++)
      guar(f->txn, batch[b][k].s, batch[b][k].d, batch[b][k].amount);
    assert_int_equal(store_commit(f->txn), 0);
    f->txn = NULL;
    assert_int_equal(graph_update_circles(f->st, &rep), 0);
    assert_false(rep.full);
    merged += rep.circles_merged;
    assert_stored_equals_full(f->st);
  }
  assert_int_equal(merged, 3); /* 3..8, 3..12 with 10..12, 20/21 */
  store_txn *r;
  assert_int_equal(store_begin(f->st, false, &r), 0);
  uint64_t c3, c10, c2;
  assert_int_equal(store_circle_of(r, 3, &c3), 0);
  assert_int_equal(store_circle_of(r, 10, &c10), 0);
  assert_int_equal(c3, c10);
  assert_int_not_equal(store_circle_of(r, 2, &c2), 0);
  store_abort(r);

  /* a guarantee inside the circle re-ingested with another amount keeps
   * its id; the store logs the change and the update recomputes the
   * circle's total (before the log, the total stayed stale until the next
   * full rebuild) */
  assert_int_equal(store_begin(f->st, true, &f->txn), 0);
  uint64_t head0 = 0, head = 0;
  assert_int_equal(store_edge_change_head(f->txn, &head0), 0);
  guar(f->txn, 10, 11, 5000);
  guar(f->txn, 1, 2, 10); /* the same amount again: no change logged */
  assert_int_equal(store_edge_change_head(f->txn, &head), 0);
  assert_int_equal(head, head0 + 1);
  assert_int_equal(store_commit(f->txn), 0);
  f->txn = NULL;
  assert_int_equal(graph_update_circles(f->st, &rep), 0);
  assert_false(rep.full);
  assert_int_equal(rep.new_edges, 0);
  assert_stored_equals_full(f->st);

  /* random batches over 80 enterprises, sparse enough to keep several
   * circles apart, checked after every batch (fixed seed) */
  uint64_t x = 88172645463325252ULL;
  for (int b = 0; b < 12; b++) {
    assert_int_equal(store_begin(f->st, true, &f->txn), 0);
    for (int k = 0; k < 8; k++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      uint64_t s = 100 + x % 80, d = 100 + (x >> 20) % 80;
      guar(f->txn, s, d, 1 + (int64_t)(x >> 40) % 100);
    }
    assert_int_equal(store_commit(f->txn), 0);
    f->txn = NULL;
    assert_int_equal(graph_update_circles(f->st, &rep), 0);
    assert_false(rep.full);
    /* re-put duplicates keep their id, self-loops are no relation */
    assert_true(rep.new_edges <= 8);
    assert_stored_equals_full(f->st);
  }
  /* a rebuild as of a date leaves no order: the next update is full */
  assert_int_equal(graph_rebuild_circles_at(f->st, "2030-01-01", NULL), 0);
  assert_int_equal(graph_update_circles(f->st, &rep), 0);
  assert_true(rep.full);
  assert_stored_equals_full(f->st);
}

static int keep_row(void *ctx, const store_edge_row *r) {
  store_edge_row *rows = ctx;
  rows[r->id] = *r;
  return 0;
}

static int check_edge(void *ctx, const Oppgraph__V1__Edge *e) {
  const store_edge_row *rows = ctx, *r = &rows[e->id];
  assert_int_equal(r->id, e->id);
  assert_int_equal(r->type, e->type);
  assert_int_equal(r->src_kind, e->src_kind);
  assert_int_equal(r->dst_kind, e->dst_kind);
  assert_int_equal(r->src, e->src);
  assert_int_equal(r->dst, e->dst);
  assert_true(r->amount == e->amount);
  assert_true(r->ratio == e->ratio);
  assert_int_equal(r->start_len, strlen(e->start));
  assert_int_equal(r->end_len, strlen(e->end));
  return 0;
}

/* The allocation-free scan reads what protobuf-c decodes, including
 * negative amounts, large ids and records with strings and repeated
 * fields it skips; after_id starts past an id. */
static void test_edge_scan(void **state) {
  fx *f = *state;
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = GUAR;
  e.src = 1;
  e.dst = 1ULL << 40;
  e.amount = -123456789012LL;
  e.start = "2024-01-01";
  e.end = "2026-12-31";
  e.role = "董事长";
  uint64_t docs[] = {7, 1ULL << 50};
  e.source_docs = docs;
  e.n_source_docs = 2;
  assert_int_equal(store_edge_put(f->txn, &e), 0);
  hold(f->txn, PER, 9, 4, 0.375);
  edge_k(f->txn, SUPPLY, ENT, 4, ENT, 5, 0, 0); /* all defaults */
  store_edge_row rows[8];
  memset(rows, 0, sizeof rows);
  assert_int_equal(store_edge_scan(f->txn, 0, keep_row, rows), 0);
  assert_int_equal(store_edge_foreach(f->txn, 0, check_edge, rows), 0);
  assert_memory_equal(rows[1].start, "2024-01-01", 10);
  assert_memory_equal(rows[1].end, "2026-12-31", 10);
  memset(rows, 0, sizeof rows);
  assert_int_equal(store_edge_scan(f->txn, 1, keep_row, rows), 0);
  assert_int_equal(rows[1].id, 0); /* skipped */
  assert_int_equal(rows[2].id, 2);
  assert_int_equal(rows[3].id, 3);
  uint64_t last;
  assert_int_equal(store_edge_last_id(f->txn, &last), 0);
  assert_int_equal(last, 3);
}

/* Ownership of every enterprise in one pass agrees with the per-target
 * fixed point on a world with persons, diamonds, cross-holdings and a
 * cycle of holdings (fixed seed). */
static void test_owners_all_matches_owners(void **state) {
  fx *f = *state;
  uint64_t x = 0x2545F4914F6CDD1DULL;
  for (uint64_t i = 1; i <= 60; i++) {
    double left = 0.95;
    for (int k = 0; k < 3; k++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      double r = left * (0.2 + (double)(x % 700) / 1000);
      left -= r;
      if (i <= 5 || x % 4 == 0)
        hold(f->txn, PER, 1 + (x >> 8) % 10, i, r);
      else
        hold(f->txn, ENT, 1 + (x >> 8) % (i - 1), i, r);
    }
  }
  hold(f->txn, ENT, 30, 10, 0.04); /* cross-holdings closing cycles */
  hold(f->txn, ENT, 55, 20, 0.03);
  hold(f->txn, ENT, 20, 55, 0.6);
  /* person 77 holds 26% of 300 through 130 chains 77 -> 400+i -> 100+i
   * -> 300 of 100%, 100%, 0.2%: no single path is over the push threshold
   * of a loose run, their sum is */
  for (uint64_t i = 0; i < 130; i++) {
    hold(f->txn, PER, 77, 400 + i, 1.0);
    hold(f->txn, ENT, 400 + i, 100 + i, 1.0);
    hold(f->txn, ENT, 100 + i, 300, 0.002);
  }
  graph *g = load_all(f->txn);
  /* exact shares, then loose ones: the set of holders >= 25% is the same
   * either way, and the loose run keeps less */
  owners_seen s = {.g = g, .tol = 1e-12, .min_share = 0.25};
  graph_owners_stats strict, loose;
  assert_int_equal(graph_owners_all(g, 0.25, 1e-12, check_owners, &s, &strict),
                   0);
  assert_true(s.targets > 40);
  assert_true(s.holders >= s.targets);
  owners_seen l = {.g = g, .tol = 0.5, .min_share = 0.25};
  assert_int_equal(graph_owners_all(g, 0.25, 0.5, check_owners, &l, &loose), 0);
  assert_int_equal(l.targets, s.targets);
  assert_int_equal(l.holders, s.holders);
  /* the loose run keeps shorter owner vectors */
  assert_true(loose.peak_entries < strict.peak_entries);
  assert_true(strict.cyclic >= 1); /* 20 <-> 55 */
  graph_free(g);
}

/* Two owner lists are the same holders in the same order, shares within
 * tol. */
static void expect_same_owners(const graph_owner *a, size_t na,
                               const graph_owner *b, size_t nb, double tol) {
  assert_int_equal(na, nb);
  for (size_t i = 0; i < na; i++) {
    assert_int_equal(a[i].id, b[i].id);
    assert_int_equal(a[i].kind, b[i].kind);
    assert_int_equal(a[i].ultimate, b[i].ultimate);
    assert_float_equal(a[i].share, b[i].share, tol);
  }
}

/* Materialised ownership: what graph_owners_stored reads back is
 * graph_owners' answer; a new generation replaces the old one whole, also
 * for an enterprise whose holders fell under the line (its entry from two
 * generations ago, in the same slot, must not come back). */
static void test_owners_materialised(void **state) {
  fx *f = *state;
  hold(f->txn, PER, 1, 1, 0.7); /* person 1 holds 70% of A(1) */
  hold(f->txn, ENT, 1, 2, 0.6); /* A 60% of B(2), B 30% of A */
  hold(f->txn, ENT, 2, 1, 0.3);
  hold(f->txn, ENT, 1, 3, 0.5); /* A 50% of C(3): 0.5 / 0.82 with loops */
  assert_int_equal(store_commit(f->txn), 0);
  f->txn = NULL;
  store_txn *r;
  graph_owner *o, *want;
  size_t n, nw;
  double min;
  assert_int_equal(store_begin(f->st, false, &r), 0);
  assert_int_equal(graph_owners_stored(r, 3, &o, &n, &min), GRAPH_ENOTFOUND);
  graph *g = load_all(r);
  store_abort(r);
  const double line[3] = {0.25, 0.65, 0.65};
  for (int gen = 1; gen <= 3; gen++) {
    graph_owners_report rep;
    assert_int_equal(
        graph_owners_materialise(f->st, g, line[gen - 1], 1e-12, &rep), 0);
    assert_int_equal(rep.generation, gen);
    assert_int_equal(rep.enterprises, gen == 1 ? 3 : 1);
    assert_int_equal(store_begin(f->st, false, &r), 0);
    for (uint64_t id = 1; id <= 3; id++) {
      assert_int_equal(graph_owners_stored(r, id, &o, &n, &min), 0);
      assert_float_equal(min, line[gen - 1], 0);
      assert_int_equal(graph_owners(g, id, line[gen - 1], &want, &nw), 0);
      expect_same_owners(o, n, want, nw, 1e-9);
      free(o);
      free(want);
    }
    store_abort(r);
  }
  graph_free(g);
}

/* A generated world of 3,000 enterprises and 600 persons shaped like the
 * bench's (1-3 holders each, preferential attachment, ratios summing to at
 * most 0.9), with more cross-holdings (4%) and 40 long back edges so that
 * many components are cyclic: every answer of graph_owners_all equals
 * graph_owners', tight and loose. */
static void test_owners_all_generated_world(void **state) {
  fx *f = *state;
  enum { N = 3000, P = 600 };
  uint64_t x = 0x9E3779B97F4A7C15ULL, first_holder[N + 1] = {0};
#define RND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
  for (uint64_t i = 1; i <= N; i++) {
    int k = 1 + (int)(RND() % 3);
    double left = 0.9;
    for (int j = 0; j < k; j++) {
      double r = left * (0.2 + 0.6 * (double)(RND() % 1000) / 1000);
      left -= r;
      if (i < 20 || RND() % 3 == 0) {
        hold(f->txn, PER, N + 1 + RND() % P, i, r);
        continue;
      }
      uint64_t h = RND() % 2 ? first_holder[1 + RND() % (i - 1)] : 0;
      if (!h || h == i)
        h = 1 + RND() % (i - 1);
      hold(f->txn, ENT, h, i, r);
      if (!first_holder[i])
        first_holder[i] = h;
      if (RND() % 25 == 0) /* cross-holding */
        hold(f->txn, ENT, i, h, 0.02 + (double)(RND() % 100) / 1000);
    }
  }
  for (int j = 0; j < 40; j++) { /* a later enterprise holds an earlier one */
    uint64_t a = 100 + RND() % (N - 100);
    hold(f->txn, ENT, a, 1 + RND() % (a - 1), 0.05);
  }
#undef RND
  graph *g = load_all(f->txn);
  size_t tight_targets, loose_targets;
  graph_owners_stats tight = owners_all_agrees(g, 0.25, 1e-9, &tight_targets);
  graph_owners_stats loose = owners_all_agrees(g, 0.25, 1e-3, &loose_targets);
  assert_int_equal(tight_targets, loose_targets);
  assert_true(tight_targets > 1000);
  assert_true(tight.cyclic > 10);
  /* the answers are derived, graph_owners only breaks the odd tie */
  assert_true(tight.exact * 20 < tight_targets);
  assert_true(loose.peak_entries < tight.peak_entries);
  graph_free(g);
}

/* Every enterprise 1..n: the stored holders equal graph_owners' on the whole
 * graph as the store holds it now, at the stored line. */
static void expect_stored_owners_exact(store *st, uint64_t n) {
  store_txn *r;
  assert_int_equal(store_begin(st, false, &r), 0);
  double line;
  assert_true(graph_owners_current(r, &line));
  graph *g = load_all(r);
  for (uint64_t id = 1; id <= n; id++) {
    graph_owner *o, *want = NULL;
    size_t no, nw = 0;
    assert_int_equal(graph_owners_stored(r, id, &o, &no, NULL), 0);
    int rc = graph_owners(g, id, line, &want, &nw);
    assert_true(rc == 0 || rc == GRAPH_ENOTFOUND);
    if (no != nw)
      fail_msg("enterprise %llu: %zu stored holders, %zu computed",
               (unsigned long long)id, no, nw);
    expect_same_owners(o, no, want, nw, 1e-9);
    free(o);
    free(want);
  }
  graph_free(g);
  store_abort(r);
}

/* graph_update_owners after an ingest batch: the first call materialises
 * whole; later batches recompute only the enterprises downstream of the new
 * shareholding edges and the result equals a full computation every time —
 * a new holder upstream of a chain, a cross-holding closed by the batch, a
 * person entering, an enterprise that had no holder.  The stored ownership
 * is current only after the update. */
/* After a batch the stored owners are not current; an update (not a full
 * one) makes them equal a full computation, and current. */
static void update_owners_checked(store *st, size_t n,
                                  graph_owners_update_report *rep) {
  store_txn *r;
  double line;
  assert_int_equal(store_begin(st, false, &r), 0);
  assert_false(graph_owners_current(r, &line));
  store_abort(r);
  assert_int_equal(graph_update_owners(st, rep), 0);
  assert_false(rep->full);
  expect_stored_owners_exact(st, n);
  assert_int_equal(store_begin(st, false, &r), 0);
  assert_true(graph_owners_current(r, &line));
  store_abort(r);
}

static void test_owners_incremental_equals_full(void **state) {
  fx *f = *state;
  enum { N = 400, P = 60 };
  uint64_t x = 0x2545F4914F6CDD1DULL;
#define RND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
  for (uint64_t i = 2; i <= N; i++) /* a forest: holders older than held */
    if (RND() % 4) {
      uint64_t h = 1 + RND() % (i - 1);
      hold(f->txn, ENT, h, i, 0.2 + (RND() % 50) / 100.0);
    }
  for (uint64_t p = 1; p <= P; p++)
    hold(f->txn, PER, p, 1 + RND() % N, 0.3);
  assert_int_equal(store_commit(f->txn), 0);
  f->txn = NULL;
  graph_owners_update_report rep;
  assert_int_equal(graph_update_owners(f->st, &rep), 0);
  assert_true(rep.full);
  expect_stored_owners_exact(f->st, N);
  size_t partial = 0;
  for (int batch = 0; batch < 12; batch++) {
    assert_int_equal(store_begin(f->st, true, &f->txn), 0);
    for (int k = 0; k < 4; k++) {
      uint64_t a = 1 + RND() % N, b = 1 + RND() % N;
      if (batch % 3 == 0)
        hold(f->txn, PER, 1 + RND() % P, b, 0.15);
      else if (a != b)
        hold(f->txn, ENT, a, b, 0.1 + (RND() % 20) / 100.0); /* may close
                                                                 a cycle */
    }
    assert_int_equal(store_commit(f->txn), 0);
    f->txn = NULL;
    update_owners_checked(f->st, N, &rep);
    assert_true(rep.targets >= rep.new_targets);
    partial += rep.targets < N;
  }
  assert_true(partial > 0); /* small batches did not touch everything */
  /* existing shareholdings re-ingested with other ratios keep their ids:
   * the store's change log brings their targets into the update (before
   * it, the stored owners stayed stale and graph_owners_current said they
   * were current) */
  for (int batch = 0; batch < 4; batch++) {
    assert_int_equal(store_begin(f->st, true, &f->txn), 0);
    uint64_t before = 0, after = 0;
    assert_int_equal(store_edge_change_head(f->txn, &before), 0);
    for (uint64_t i = 2; i <= N; i++) {
      Oppgraph__V1__Edge *e = NULL;
      if (RND() % 25 || store_edge_get(f->txn, i, &e))
        continue; /* edge ids 2..N: most are holdings of the forest */
      if (e->type == OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING)
        hold(f->txn, e->src_kind, e->src, e->dst,
             e->ratio > 0.5 ? e->ratio - 0.4 : e->ratio + 0.4);
      oppgraph__v1__edge__free_unpacked(e, NULL);
    }
    assert_int_equal(store_edge_change_head(f->txn, &after), 0);
    assert_true(after > before);
    assert_int_equal(store_commit(f->txn), 0);
    f->txn = NULL;
    update_owners_checked(f->st, N, &rep);
    assert_true(rep.new_targets > 0); /* the changed holdings' targets */
  }
  /* a batch without shareholding edges recomputes nothing */
  assert_int_equal(store_begin(f->st, true, &f->txn), 0);
  guar(f->txn, 1, 2, 100);
  assert_int_equal(store_commit(f->txn), 0);
  f->txn = NULL;
  assert_int_equal(graph_update_owners(f->st, &rep), 0);
  assert_false(rep.full);
  assert_int_equal(rep.targets, 0);
  expect_stored_owners_exact(f->st, N);
#undef RND
}

/* graph_load_around: on the part of the store within N hops of an
 * enterprise, contagion, guarantee exposure (N hops) and the DOT picture
 * (depth N) give what they give on the whole graph, and
 * graph_owners_from_store what graph_owners gives — on a generated world
 * with guarantee chains and circles, holdings (persons among them, ids
 * shared with enterprises) and supply edges that the analyses skip. */
static void test_load_around_equals_whole(void **state) {
  fx *f = *state;
  enum { N = 300 };
  uint64_t x = 0x853C49E6748FEA9BULL;
#define RND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
  for (uint64_t i = 2; i <= N; i++) {
    uint64_t a = 1 + RND() % (i - 1),
             b = i - 1 - RND() % (i - 1 < 5 ? i - 1 : 5);
    Oppgraph__V1__NodeKind k = RND() % 3 ? ENT : PER;
    hold(f->txn, k, a, i, 0.1 + (RND() % 60) / 100.0);
    guar(f->txn, b, i, 1000 + (int64_t)(RND() % 9000));
    if (RND() % 4 == 0)
      guar(f->txn, i, 1 + RND() % (i - 1), 500); /* back edges: circles */
    if (RND() % 3 == 0)
      edge_k(f->txn, SUPPLY, ENT, a, ENT, i, 100, 0);
    uint64_t p = 1 + RND() % 40; /* people with posts in several */
    edge_k(f->txn,
           RND() % 2 ? OPPGRAPH__V1__EDGE_TYPE__EXECUTIVE
                     : OPPGRAPH__V1__EDGE_TYPE__LEGAL_REP,
           PER, p, ENT, i, 0, 0);
  }
  assert_int_equal(store_commit(f->txn), 0);
  assert_int_equal(store_begin(f->st, false, &f->txn), 0);
  graph *whole = load_all(f->txn);
  Oppgraph__V1__EdgeType two[] = {GUAR, SHARE};
  for (uint64_t ent = 1; ent <= N; ent += 7) {
    /* ownership from the upstream edges alone */
    graph_owner *oa = NULL, *ob = NULL;
    size_t noa = 0, nob = 0;
    int ra = graph_owners(whole, ent, 0.01, &oa, &noa);
    assert_true(ra == 0 || ra == GRAPH_ENOTFOUND);
    assert_int_equal(graph_owners_from_store(f->txn, ent, 0.01, &ob, &nob), 0);
    expect_same_owners(oa, noa, ob, nob, 1e-12);
    free(oa);
    free(ob);
    /* related parties from what graph_load_related reads */
    graph *rel = NULL;
    graph_related *pa = NULL, *pb = NULL;
    assert_int_equal(graph_load_related(f->txn, ent, &rel), 0);
    int rra = graph_related_parties(whole, ent, &pa, &noa);
    assert_int_equal(graph_related_parties(rel, ent, &pb, &nob), rra);
    assert_int_equal(noa, nob);
    for (size_t i = 0; i < noa; i++) {
      assert_int_equal(pa[i].id, pb[i].id);
      assert_int_equal(pa[i].relation, pb[i].relation);
      assert_int_equal(pa[i].via, pb[i].via);
      assert_int_equal(pa[i].via_kind, pb[i].via_kind);
    }
    free(pa);
    free(pb);
    graph_free(rel);
    for (unsigned hops = 1; hops <= 3; hops++) {
      graph *part = NULL;
      assert_int_equal(graph_load_around(f->txn, ENT, ent, hops, two, 2, &part),
                       0);
      graph_exposed *ca, *cb;
      size_t na, nb;
      assert_int_equal(graph_contagion(whole, ent, hops, 0.7, 0.05, &ca, &na),
                       0);
      assert_int_equal(graph_contagion(part, ent, hops, 0.7, 0.05, &cb, &nb),
                       0);
      assert_int_equal(na, nb);
      for (size_t i = 0; i < na; i++) {
        assert_int_equal(ca[i].id, cb[i].id);
        assert_int_equal(ca[i].kind, cb[i].kind);
        assert_int_equal(ca[i].hops, cb[i].hops);
        assert_float_equal(ca[i].weight, cb[i].weight, 1e-12);
      }
      free(ca);
      free(cb);
      graph_exposure *ea, *eb;
      int ra = graph_guarantee_exposure(whole, ent, hops, &ea, &na);
      int rb = graph_guarantee_exposure(part, ent, hops, &eb, &nb);
      assert_int_equal(ra, rb);
      assert_int_equal(na, nb);
      for (size_t i = 0; i < na; i++) {
        assert_int_equal(ea[i].id, eb[i].id);
        assert_int_equal(ea[i].edge_id, eb[i].edge_id);
        assert_int_equal(ea[i].amount, eb[i].amount);
        assert_int_equal(ea[i].bound, eb[i].bound);
      }
      free(ea);
      free(eb);
      graph_free(part);
      /* the picture: every type, no node cap reached */
      assert_int_equal(
          graph_load_around(f->txn, ENT, ent, hops, NULL, 0, &part), 0);
      char *da, *db;
      size_t la, lb;
      assert_int_equal(
          graph_export_dot(f->txn, whole, ent, hops, 500, &da, &la), 0);
      assert_int_equal(graph_export_dot(f->txn, part, ent, hops, 500, &db, &lb),
                       0);
      assert_int_equal(la, lb); /* same nodes and edges (order may differ) */
      free(da);
      free(db);
      graph_free(part);
      /* as `graph neighbours` and `graph exposure` load: one type only */
      Oppgraph__V1__EdgeType one[] = {SUPPLY, GUAR};
      for (size_t t = 0; t < 2; t++) {
        graph *typed = NULL;
        assert_int_equal(graph_load(f->txn, &one[t], 1, &typed), 0);
        assert_int_equal(
            graph_load_around(f->txn, ENT, ent, hops, &one[t], 1, &part), 0);
        for (int dir = GRAPH_OUT; dir <= GRAPH_ALL; dir++) {
          graph_hop *ha = NULL, *hb = NULL;
          int rha = graph_neighbourhood(typed, ent, hops, dir, &ha, &na);
          int rhb = graph_neighbourhood(part, ent, hops, dir, &hb, &nb);
          assert_int_equal(rha, rhb);
          assert_int_equal(na, nb);
          for (size_t i = 0; !rha && i < na; i++) {
            assert_int_equal(ha[i].id, hb[i].id);
            assert_int_equal(ha[i].dist, hb[i].dist);
          }
          free(ha);
          free(hb);
        }
        if (one[t] == GUAR) {
          ra = graph_guarantee_exposure(typed, ent, hops, &ea, &na);
          rb = graph_guarantee_exposure(part, ent, hops, &eb, &nb);
          assert_int_equal(ra, rb);
          assert_int_equal(na, nb);
          for (size_t i = 0; !ra && i < na; i++)
            assert_int_equal(ea[i].edge_id, eb[i].edge_id);
          if (!ra) {
            free(ea);
            free(eb);
          }
        }
        graph_free(part);
        graph_free(typed);
      }
    }
    /* `graph controllers`: nothing materialised, so from the store */
    graph_owner *oc = NULL, *od = NULL;
    size_t noc = 0, nod = 0;
    int rc = graph_owners(whole, ent, 0.05, &oc, &noc);
    assert_true(rc == 0 || rc == GRAPH_ENOTFOUND);
    assert_int_equal(graph_owners_of(f->txn, ent, 0.05, &od, &nod), 0);
    expect_same_owners(oc, noc, od, nod, 1e-12);
    free(oc);
    free(od);
  }
  graph_free(whole);
#undef RND
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_three_cycle, setup, teardown),
      cmocka_unit_test_setup_teardown(test_seven_cycle_and_cycles, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_nested_circles_one_scc, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_chain_has_no_circle, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_self_loops_and_duplicates, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_disconnected_parts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_persons_excluded, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rebuild_stores_circles, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_ownership_cross_holding, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_ownership_cycle_upstream_converges,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_ownership_diamond, setup, teardown),
      cmocka_unit_test_setup_teardown(test_supply_neighbourhood, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_export_dot_and_svg, setup, teardown),
      cmocka_unit_test_setup_teardown(test_risk_contagion, setup, teardown),
      cmocka_unit_test_setup_teardown(test_import_csv, setup, teardown),
      cmocka_unit_test_setup_teardown(test_group_head, setup, teardown),
      cmocka_unit_test_setup_teardown(test_guarantee_exposure, setup, teardown),
      cmocka_unit_test_setup_teardown(test_related_parties, setup, teardown),
      cmocka_unit_test_setup_teardown(test_circles_as_of, setup, teardown),
      cmocka_unit_test_setup_teardown(test_incremental_equals_rebuild, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_edge_scan, setup, teardown),
      cmocka_unit_test_setup_teardown(test_owners_all_matches_owners, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_owners_all_generated_world, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_load_around_equals_whole, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_owners_incremental_equals_full,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_owners_materialised, setup,
                                      teardown),
  };
  return cmocka_run_group_tests_name("graph", tests, NULL, NULL);
}
