/*
 * bench_opportunity.c — time to regenerate every opportunity (opp_generate)
 * on a synthetic store, first run (all created) and second run (all
 * unchanged, the idempotent path), with the bundled data/ configuration.
 *
 *   build/bench/bench_opportunity [N_ENTERPRISES [N_EVENTS]]
 *                                 default 200000 100000
 *
 * The world (fixed seed): enterprises in 30 regions, 10% clients of 20 RMs
 * (one per 1.5 regions); events spread over 180 days before "now": 45% 中标,
 * 15% 企业融资, 15% 质押, 10% 股份回购, 15% risk-only (亏损, 被约谈); 10% of
 * the opportunity events are re-reported by a second document a few days
 * later (the dedup path); guarantee edges give 1% of enterprises a circle.
 * Wall clock (CLOCK_MONOTONIC) and CPU time (getrusage), one thread; peak
 * RSS is VmHWM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include "graph/graph.h"
#include "opportunity/opportunity.h"

#define NOW 1717200000 /* 2024-06-01 */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds of this process (user + system): on a shared VM the wall
 * clock also counts other jobs' time slices; this does not. */
static double cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
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

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1DULL;
}
static uint64_t below(uint64_t n) {
  return n ? rnd() % n : 0;
}

static void day_str(int64_t t, char out[16]) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(out, 16, "%Y-%m-%d", &tm);
}

static int put_event(store_txn *txn, uint64_t *doc_seq, const char *type,
                     const char *subj_role, uint64_t ent,
                     const char *amount_role, const char *amount,
                     const char *date) {
  char text[48];
  uint64_t d = ++*doc_seq;
  snprintf(text, sizeof text, "doc %llu", (unsigned long long)d);
  uint8_t hash[32] = {0};
  memcpy(hash, &d, sizeof d);
  Oppgraph__V1__Document doc = OPPGRAPH__V1__DOCUMENT__INIT;
  doc.text = text;
  doc.published = (char *)date;
  doc.content_hash.data = hash;
  doc.content_hash.len = 32;
  bool is_new;
  if (store_doc_put(txn, &doc, &is_new))
    return -1;
  Oppgraph__V1__Argument a1 = OPPGRAPH__V1__ARGUMENT__INIT,
                         a2 = OPPGRAPH__V1__ARGUMENT__INIT;
  a1.role = (char *)subj_role;
  a1.text = (char *)"公司";
  a1.enterprise_id = ent;
  a2.role = (char *)amount_role;
  a2.text = (char *)amount;
  a2.norm = (char *)amount;
  Oppgraph__V1__Argument *ap[2] = {&a1, &a2};
  Oppgraph__V1__Event e = OPPGRAPH__V1__EVENT__INIT;
  e.type = (char *)type;
  e.arguments = ap;
  e.n_arguments = amount_role ? 2 : 1;
  e.subject_ids = &ent;
  e.n_subject_ids = 1;
  e.document_id = doc.id;
  e.published = (char *)date;
  return store_evt_put(txn, &e);
}

int main(int argc, char **argv) {
  uint64_t nent = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
  uint64_t nevt = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
  const char *data = getenv("OPPGRAPH_DATA");
  if (!data || !*data)
    data = "data";
  char err[512];
  opp_config *cfg;
  if (opp_config_load(data, &cfg, err, sizeof err)) {
    fprintf(stderr, "bench_opportunity: %s\n", err);
    return 1;
  }
  char dir[] = "/tmp/bench_opp_XXXXXX";
  if (!mkdtemp(dir))
    return 1;
  store *st;
  store_options so = {.map_size = (size_t)64 << 30};
  if (store_open(dir, &so, &st))
    return 1;

  double t0 = now();
  store_txn *txn;
  if (store_begin(st, true, &txn))
    return 1;
  char rid[16], region[16], name[64];
  for (int i = 0; i < 20; i++) {
    Oppgraph__V1__Rm rm = OPPGRAPH__V1__RM__INIT;
    char r1[16], r2[16];
    char *regions[2] = {r1, r2};
    snprintf(rid, sizeof rid, "RM%03d", i);
    snprintf(r1, sizeof r1, "%d", 110 + i);
    snprintf(r2, sizeof r2, "%d", 130 + i / 2);
    rm.id = rid;
    rm.name = rid;
    rm.regions = regions;
    rm.n_regions = 2;
    rm.capacity = 50;
    if (store_rm_put(txn, &rm))
      return 1;
  }
  for (uint64_t i = 1; i <= nent; i++) {
    Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
    snprintf(name, sizeof name, "合成企业%llu有限公司", (unsigned long long)i);
    snprintf(region, sizeof region, "%d%04d", 110 + (int)below(30),
             (int)below(10000));
    e.name = name;
    e.region = region;
    e.is_client = below(10) == 0;
    snprintf(rid, sizeof rid, "RM%03d", (int)below(20));
    e.rm_id = e.is_client ? rid : (char *)"";
    if (store_ent_put(txn, &e))
      return 1;
    if (below(100) == 0 && i + 3 <= nent) { /* a small guarantee circle */
      for (int k = 0; k < 3; k++) {
        Oppgraph__V1__Edge g = OPPGRAPH__V1__EDGE__INIT;
        g.type = OPPGRAPH__V1__EDGE_TYPE__GUARANTEE;
        g.src = i + (uint64_t)k;
        g.dst = i + (uint64_t)(k + 1) % 3;
        g.amount = 10000000;
        if (store_edge_put(txn, &g))
          return 1;
      }
    }
  }
  uint64_t doc_seq = 0, dup = 0;
  for (uint64_t i = 0; i < nevt; i++) {
    uint64_t ent = 1 + below(nent);
    char date[16], amount[32];
    int64_t t = NOW - (int64_t)below(180) * 86400;
    day_str(t, date);
    snprintf(amount, sizeof amount, "%llu",
             (unsigned long long)(1000000 * (2 + below(2000))));
    unsigned k = (unsigned)below(100);
    const char *type, *srole, *arole;
    if (k < 45)
      type = "中标", srole = "中标公司", arole = "中标金额";
    else if (k < 60)
      type = "企业融资", srole = "被投资方", arole = "融资金额";
    else if (k < 75)
      type = "质押", srole = "质押方", arole = NULL;
    else if (k < 85)
      type = "股份回购", srole = "回购方", arole = "交易金额";
    else if (k < 93)
      type = "亏损", srole = "公司名称", arole = "净亏损";
    else
      type = "被约谈", srole = "公司名称", arole = NULL;
    if (put_event(txn, &doc_seq, type, srole, ent, arole, amount, date))
      return 1;
    if (k < 85 && below(10) == 0) { /* the same event in a second source */
      day_str(t + 86400 * (int64_t)below(3), date);
      if (put_event(txn, &doc_seq, type, srole, ent, arole, amount, date))
        return 1;
      dup++;
    }
  }
  if (store_commit(txn))
    return 1;
  double t_world = now() - t0;
  graph_report gr;
  t0 = now();
  if (graph_rebuild_circles(st, &gr))
    return 1;
  double t_circ = now() - t0;

  opp_report r1, r2;
  t0 = now();
  double c0 = cpu();
  int rc = opp_generate(st, cfg, NOW, &r1);
  double t_first = now() - t0;
  double c_first = cpu() - c0;
  t0 = now();
  c0 = cpu();
  if (!rc)
    rc = opp_generate(st, cfg, NOW, &r2);
  double t_second = now() - t0;
  double c_second = cpu() - c0;
  if (rc) {
    fprintf(stderr, "bench_opportunity: opp_generate: %s (%s)\n",
            opp_strerror(rc), store_last_error());
    return 1;
  }
  printf("bench_opportunity: synthetic store, %llu enterprises, %llu events "
         "(+%llu duplicate reports), 20 RMs, data from %s, seed fixed\n\n",
         (unsigned long long)nent, (unsigned long long)nevt,
         (unsigned long long)dup, data);
  printf("%-46s %12s\n", "step", "result");
  printf("%-46s %10.2f s\n", "write the world (one txn)", t_world);
  printf("%-46s %10.3f s\n", "graph_rebuild_circles", t_circ);
  printf("%-46s %12zu\n", "  circles", gr.circles);
  printf("%-46s %10.2f s\n", "opp_generate, first run", t_first);
  printf("%-46s %10.2f s\n", "  CPU (user + sys)", c_first);
  printf("%-46s %12zu\n", "  events read", r1.events);
  printf("%-46s %12zu\n", "  opportunities created", r1.created);
  printf("%-46s %12zu\n", "  duplicates merged", r1.merged);
  printf("%-46s %12zu\n", "  flagged", r1.flagged);
  printf("%-46s %10.2f s\n", "opp_generate, second run (no change)", t_second);
  printf("%-46s %10.2f s\n", "  CPU (user + sys)", c_second);
  printf("%-46s %12zu\n", "  unchanged", r2.unchanged);
  printf("%-46s %10.1f us\n", "per event, first run", t_first / nevt * 1e6);
  printf("%-46s %9ld MiB\n", "peak RSS (VmHWM)", proc_kib("VmHWM") / 1024);
  store_close(st);
  opp_config_free(cfg);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) ? 1 : 0;
}
