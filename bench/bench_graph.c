/*
 * bench_graph.c — speed and memory of graph/ on a synthetic enterprise world
 * written into a temporary LMDB store.
 *
 *   build/bench/bench_graph [N_ENTERPRISES [EDGES_PER_ENTERPRISE]]
 *                           default 100000 5
 *   BENCH_KEEP=1 keeps the store directory (its path is printed).
 *   BENCH_EDGES=FILE writes the edge list ("type src_kind src dst_kind dst"
 *   a line) to FILE and the 2-hop query starts to FILE.queries, for
 *   bench/graph_vs_networkx.py to run the same computations in NetworkX.
 *
 * The world (fixed seed, so runs compare): persons = N/5 natural-person
 * controllers; shareholding: every enterprise has 1–3 holders among earlier
 * enterprises or persons, chosen preferentially (half the time the holder of
 * a random earlier edge, which gives heavy-tailed out-degrees), ratios
 * summing to at most 0.9, 1% of them answered by a cross-holding; guarantees:
 * mostly forward chains between nearby ids, plus planted circles of 2–7
 * enterprises on 2% of enterprises; supply: tiers (i → i + 1..50).  The edge
 * total is about N × EDGES_PER_ENTERPRISE.
 *
 * Reported (wall clock, CLOCK_MONOTONIC, one thread): writing the store,
 * graph_load of every type, graph_circles + graph_mutual_pairs on the
 * guarantee edges, graph_owners for 1000 random enterprises (mean), and
 * graph_neighbourhood at 2 hops, all types, for 10000 random enterprises
 * (p50 / p99), plus the peak resident memory (VmHWM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "graph/graph.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long proc_kib(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f)
    return -1;
  char line[256];
  long v = -1;
  size_t kl = strlen(key);
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, key, kl) && line[kl] == ':')
      v = strtol(line + kl + 1, NULL, 10);
  fclose(f);
  return v;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) { /* xorshift64*: reproducible, no libc state */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1DULL;
}
static uint64_t below(uint64_t n) {
  return n ? rnd() % n : 0;
}

static int put(store_txn *txn, int type, int sk, uint64_t s, uint64_t d,
               int64_t amount, double ratio, size_t *n) {
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = type;
  e.src_kind = sk;
  e.src = s;
  e.dst = d;
  e.amount = amount;
  e.ratio = ratio;
  int rc = store_edge_put(txn, &e);
  if (!rc)
    (*n)++;
  return rc;
}

static int dump_edge(void *ctx, const Oppgraph__V1__Edge *e) {
  fprintf(ctx, "%d %d %llu %d %llu\n", (int)e->type, (int)e->src_kind,
          (unsigned long long)e->src, (int)e->dst_kind,
          (unsigned long long)e->dst);
  return 0;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
  double per = argc > 2 ? strtod(argv[2], NULL) : 5;
  if (n < 100)
    n = 100;
  char dir[] = "/tmp/bench_graph_XXXXXX";
  if (!mkdtemp(dir))
    return 1;
  store *st;
  store_options so = {.map_size = (size_t)64 << 30};
  if (store_open(dir, &so, &st))
    return 1;

  /* enterprise ids 1..n, person ids 1..n/5 (a different node kind) */
  double t0 = now();
  store_txn *txn;
  if (store_begin(st, true, &txn))
    return 1;
  size_t edges = 0, circles_planted = 0;
  uint64_t persons = n / 5;
  uint64_t *holder_of = calloc(n + 1, sizeof *holder_of); /* a holder per ent */
  int rc = 0;
  for (uint64_t i = 1; !rc && i <= n; i++) {
    int k = 1 + (int)below(3);
    double left = 0.9;
    for (int j = 0; !rc && j < k; j++) {
      double r = left * (0.2 + 0.6 * (double)below(1000) / 1000);
      left -= r;
      if (i < 50 || below(3) == 0) {
        uint64_t p = 1 + below(persons);
        rc = put(txn, 1, 1, p, i, 0, r, &edges);
      } else {
        uint64_t h = below(2) ? holder_of[1 + below(i - 1)] : 1 + below(i - 1);
        if (!h || h == i)
          h = 1 + below(i - 1);
        rc = put(txn, 1, 0, h, i, 0, r, &edges);
        holder_of[i] = h;
        if (!rc && below(100) == 0) /* cross-holding */
          rc = put(txn, 1, 0, i, h, 0, 0.05, &edges);
      }
    }
  }
  double guar_per = per > 3 ? (per - 2.5) / 2 : 0.5, sup_per = guar_per;
  for (uint64_t i = 1; !rc && i <= n; i++) {
    for (int j = 0;
         !rc &&
         j < (int)guar_per + (below(100) < (guar_per - (int)guar_per) * 100);
         j++) {
      uint64_t d = i + 1 + below(20);
      if (d <= n)
        rc = put(txn, 2, 0, i, d, 1000000 * (1 + (int64_t)below(500)), 0,
                 &edges);
    }
    if (!rc && below(50) == 0 && i + 7 <= n) { /* planted circle */
      int len = 2 + (int)below(6);
      for (int k = 0; !rc && k < len; k++)
        rc = put(txn, 2, 0, i + k, i + (k + 1) % len, 5000000, 0, &edges);
      circles_planted++;
    }
    for (int j = 0; !rc && j < (int)sup_per + (below(100) <
                                               (sup_per - (int)sup_per) * 100);
         j++) {
      uint64_t d = i + 1 + below(50);
      if (d <= n)
        rc =
            put(txn, 3, 0, i, d, 100000 * (1 + (int64_t)below(100)), 0, &edges);
    }
  }
  free(holder_of);
  if (rc || store_commit(txn)) {
    fprintf(stderr, "bench_graph: writing the world failed: %s\n",
            store_last_error());
    return 1;
  }
  double t_write = now() - t0;
  const char *dump = getenv("BENCH_EDGES");
  FILE *df = dump ? fopen(dump, "w") : NULL;
  if (df) {
    if (store_begin(st, false, &txn))
      return 1;
    store_edge_foreach(txn, OPPGRAPH__V1__EDGE_TYPE__EDGE_UNKNOWN, dump_edge,
                       df);
    store_abort(txn);
    fclose(df);
  }

  if (store_begin(st, false, &txn))
    return 1;
  t0 = now();
  graph *g;
  if (graph_load(txn, NULL, 0, &g))
    return 1;
  double t_load = now() - t0;
  graph_info info;
  graph_info_get(g, &info);

  t0 = now();
  Oppgraph__V1__GuaranteeCircle **c;
  size_t nc;
  graph_pair *pairs;
  size_t np;
  if (graph_circles(g, &c, &nc))
    return 1;
  double t_circ_only = now() - t0;
  if (graph_mutual_pairs(g, &pairs, &np))
    return 1;
  double t_circ = now() - t0;
  size_t members = 0;
  for (size_t i = 0; i < nc; i++)
    members += c[i]->n_members;
  graph_circles_free(c, nc);
  free(pairs);

  t0 = now();
  size_t owners_total = 0;
  for (int i = 0; i < 1000; i++) {
    graph_owner *o;
    size_t no;
    if (!graph_owners(g, 1 + below(n), 0.25, &o, &no)) {
      owners_total += no;
      free(o);
    }
  }
  double t_own = (now() - t0) / 1000;

  enum { Q = 10000 };
  double *lat = malloc(Q * sizeof *lat);
  size_t hood = 0;
  FILE *qf = NULL;
  if (dump) {
    char qpath[4096];
    snprintf(qpath, sizeof qpath, "%s.queries", dump);
    qf = fopen(qpath, "w");
  }
  for (int i = 0; i < Q; i++) {
    graph_hop *h;
    size_t nh;
    uint64_t start = 1 + below(n);
    if (qf)
      fprintf(qf, "%llu\n", (unsigned long long)start);
    double s = now();
    if (!graph_neighbourhood(g, start, 2, GRAPH_ALL, &h, &nh)) {
      hood += nh;
      free(h);
    }
    lat[i] = now() - s;
  }
  qsort(lat, Q, sizeof *lat, cmp_d);
  if (qf)
    fclose(qf);

  printf("bench_graph: synthetic world, %llu enterprises, %llu persons, seed "
         "fixed, %zu circles planted\n",
         (unsigned long long)n, (unsigned long long)persons, circles_planted);
  printf("graph: %zu vertices (%zu enterprises, %zu persons), %zu edges\n\n",
         info.vertices, info.enterprises, info.persons, info.edges);
  printf("%-44s %12s\n", "step", "result");
  printf("%-44s %10.2f s\n", "write store (edge puts, one txn)", t_write);
  printf("%-44s %10.3f s\n", "graph_load (all types)", t_load);
  printf("%-44s %10.3f s\n", "circles + mutual pairs (guarantee)", t_circ);
  printf("%-44s %10.3f s\n", "  graph_circles alone", t_circ_only);
  printf("%-44s %12zu\n", "  circles found", nc);
  printf("%-44s %12zu\n", "  enterprises in circles", members);
  printf("%-44s %12zu\n", "  mutual pairs", np);
  printf("%-44s %10.3f ms\n", "graph_owners (>=25%), mean of 1000",
         t_own * 1e3);
  printf("%-44s %12.2f\n", "  owners per enterprise", owners_total / 1000.0);
  printf("%-44s %10.1f us\n", "2-hop neighbourhood p50 (10000 queries)",
         lat[Q / 2] * 1e6);
  printf("%-44s %10.1f us\n", "2-hop neighbourhood p99",
         lat[Q * 99 / 100] * 1e6);
  printf("%-44s %12.1f\n", "  nodes per 2-hop neighbourhood", hood / (double)Q);
  printf("%-44s %9ld MiB\n", "peak RSS (VmHWM)", proc_kib("VmHWM") / 1024);
  free(lat);
  graph_free(g);
  store_abort(txn);
  store_close(st);
  if (getenv("BENCH_KEEP")) { /* keep the store for profiling the load */
    printf("store kept in %s\n", dir);
    return 0;
  }
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) ? 1 : 0;
}
