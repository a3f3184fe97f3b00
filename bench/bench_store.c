/*
 * bench_store.c — throughput of the LMDB layer on synthetic records.
 *
 *   build/bench/bench_store [N] [DIR]
 *
 * Writes N enterprises (name + 2 aliases + credit code), N opportunities
 * spread over 100 RMs, and N shareholding edges, in batches of 1000 per write
 * transaction, into a fresh store under DIR (default: a mkdtemp directory in
 * /tmp, removed afterwards); then times name lookups, credit-code lookups,
 * full opportunity paging of every RM, edge_out walks and a compacting
 * backup.  Prints one table row per operation.  Numbers depend on the disk
 * (the page cache, really) and CPU; the header line says what it ran on.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

#define BATCH 1000
#define NRM 100

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static void row(const char *what, size_t n, double secs) {
  printf("| %-34s | %9zu | %9.3f | %12.0f |\n", what, n, secs,
         secs > 0 ? (double)n / secs : 0.0);
}

static int die(const char *what, int err) {
  fprintf(stderr, "bench_store: %s: %s (%s)\n", what, store_strerror(err),
          store_last_error());
  exit(1);
}

static int count_edge(void *ctx, const Oppgraph__V1__Edge *e) {
  (void)e;
  ++*(size_t *)ctx;
  return 0;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
  char tmp[] = "/tmp/bench_store.XXXXXX";
  const char *base = argc > 2 ? argv[2] : mkdtemp(tmp);
  if (!base || n == 0) {
    fprintf(stderr, "usage: bench_store [N>0] [DIR]\n");
    return 2;
  }
  char dir[512], copy[512];
  snprintf(dir, sizeof dir, "%s/db", base);
  snprintf(copy, sizeof copy, "%s/copy", base);

  struct utsname un;
  uname(&un);
  printf("bench_store: N=%zu, %s %s, store in %s, batches of %d\n\n", n,
         un.sysname, un.machine, base, BATCH);
  printf("| %-34s | %9s | %9s | %12s |\n", "operation", "count", "seconds",
         "per second");
  printf("|%.36s|%.11s|%.11s|%.14s|\n", "------------------------------------",
         "-----------", "-----------", "--------------");

  store *st;
  int err = store_open(dir, NULL, &st);
  if (err)
    die("open", err);
  store_txn *t = NULL;
  char name[64], a1[64], a2[64], code[32];

  double t0 = now();
  for (size_t i = 0; i < n; i++) {
    if (i % BATCH == 0 && (err = store_begin(st, true, &t)))
      die("begin", err);
    snprintf(name, sizeof name, "测试企业%zu有限公司", i);
    snprintf(a1, sizeof a1, "测试%zu", i);
    snprintf(a2, sizeof a2, "TEST CO %zu", i);
    snprintf(code, sizeof code, "91%016zu", i);
    char *al[] = {a1, a2};
    Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
    e.name = name;
    e.aliases = al;
    e.n_aliases = 2;
    e.credit_code = code;
    if ((err = store_ent_put(t, &e)))
      die("ent_put", err);
    if ((i + 1) % BATCH == 0 || i + 1 == n)
      if ((err = store_commit(t)))
        die("commit", err);
  }
  row("ent_put (3 names + code each)", n, now() - t0);

  t0 = now();
  char rm[16];
  for (size_t i = 0; i < n; i++) {
    if (i % BATCH == 0 && (err = store_begin(st, true, &t)))
      die("begin", err);
    snprintf(rm, sizeof rm, "rm%03zu", i % NRM);
    snprintf(code, sizeof code, "dedup-%zu", i);
    Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
    o.enterprise_id = i + 1;
    o.rm_id = rm;
    o.score = (double)((i * 7919) % 10007) / 100.0;
    o.dedup_key = code;
    o.type = "中标";
    if ((err = store_opp_put(t, &o)))
      die("opp_put", err);
    if ((i + 1) % BATCH == 0 || i + 1 == n)
      if ((err = store_commit(t)))
        die("commit", err);
  }
  row("opp_put (rm index + dedup)", n, now() - t0);

  t0 = now();
  for (size_t i = 0; i < n; i++) {
    if (i % BATCH == 0 && (err = store_begin(st, true, &t)))
      die("begin", err);
    uint64_t doc = i % 50;
    Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
    e.type = OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING;
    e.src = i % (n / 10 + 1) + 1;
    e.dst = i + 1;
    e.ratio = 0.1;
    e.source_docs = &doc;
    e.n_source_docs = 1;
    if ((err = store_edge_put(t, &e)))
      die("edge_put", err);
    if ((i + 1) % BATCH == 0 || i + 1 == n)
      if ((err = store_commit(t)))
        die("commit", err);
  }
  row("edge_put (key + out + in)", n, now() - t0);

  if ((err = store_begin(st, false, &t)))
    die("begin", err);
  t0 = now();
  size_t hits = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t id;
    snprintf(a2, sizeof a2, "ｔｅｓｔ　ｃｏ %zu", (i * 31) % n);
    if (store_ent_by_name(t, a2, &id) == 0)
      hits++;
  }
  row("ent_by_name (full-width alias)", n, now() - t0);
  if (hits != n)
    fprintf(stderr, "bench_store: only %zu of %zu names found\n", hits, n);

  t0 = now();
  for (size_t i = 0; i < n; i++) {
    uint64_t id;
    snprintf(code, sizeof code, "91%016zu", (i * 31) % n);
    if (store_ent_by_code(t, code, &id) != 0)
      die("ent_by_code", STORE_ENOTFOUND);
  }
  row("ent_by_code", n, now() - t0);

  t0 = now();
  size_t listed = 0;
  for (int r = 0; r < NRM; r++) {
    snprintf(rm, sizeof rm, "rm%03d", r);
    uint64_t ids[20];
    uint8_t key[STORE_PAGE_KEY_LEN];
    const uint8_t *after = NULL;
    bool more = true;
    while (more) {
      size_t got, total;
      if ((err =
               store_opp_page(t, rm, after, 20, ids, &got, &more, key, &total)))
        die("opp_page", err);
      listed += got;
      after = key;
    }
  }
  row("opp_page (20/page, with total)", listed, now() - t0);

  t0 = now();
  size_t edges = 0;
  for (size_t i = 0; i < n / 10 + 1; i++)
    if ((err = store_edge_out(t, i + 1, 0, count_edge, &edges)))
      die("edge_out", err);
  row("edge_out (edges visited)", edges, now() - t0);
  store_abort(t);

  t0 = now();
  if ((err = store_backup(st, copy)))
    die("backup", err);
  row("store_backup (compact, records)", 3 * n, now() - t0);
  store_close(st);

  if (argc <= 2)
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}
