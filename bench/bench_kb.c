/*
 * bench_kb.c — knowledge-base index build speed and query latency on a
 * generated corpus.
 *
 *   build/bench/bench_kb [N] [DATA_DIR] [PER_TXN | bulk[:MB]]
 *
 * Generates N articles (default 100000; a fixed-seed PRNG, so every run sees
 * the same corpus): a title of 2–4 words and a body of about 300 characters
 * made of sentences mixing the dictionary terms of DATA_DIR/dict (default
 * "data") with words of two to four common Chinese characters, Latin words
 * and numbers, word frequencies Zipf-like.  Indexes them with kb_put_batch,
 * PER_TXN (default 1000) articles per write transaction, as a bulk load
 * (store opened with no_sync, one store_sync at the end, inside the timing),
 * or with "bulk" through kb_bulk (postings gathered in memory up to MB,
 * default 256, merged into the index once per flush), into a fresh store
 * in a mkdtemp directory (removed afterwards), and reports MB/s of article
 * text, by wall clock and by the thread's CPU time (generating the articles
 * is not timed).  Then reads the index once as `oppgraph serve` does at
 * start-up (store_kb_warm; BENCH_KB_COLD=1 skips it) and runs 300 queries
 * each of 1, 2, 3 and 4 words drawn from the same vocabulary (first page of
 * 10 hits with snippets, as `oppgraph kb search` does) and reports p50 / p99
 * / max latency and the mean hit count.  Numbers depend on the machine; the
 * header says what it ran on.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kb/kb.h"

#define BATCH_MAX 10000
#define NQ 300

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dull;
}

static const char common[] =
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会"
    "可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部"
    "度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应"
    "开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正"
    "心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情"
    "者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长"
    "求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放"
    "决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器"
    "压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白"
    "教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信"
    "马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算"
    "低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支"
    "般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效"
    "斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参"
    "红细引听该铁价严";

typedef struct vocab {
  char **w;
  size_t n;
} vocab;

static void vocab_add(vocab *v, const char *s, size_t len) {
  v->w = realloc(v->w, (v->n + 1) * sizeof *v->w);
  v->w[v->n++] = strndup(s, len);
}

/* Dictionary terms, then generated CJK words, a few Latin words. */
static void vocab_build(vocab *v, const char *data) {
  char path[512], line[512];
  snprintf(path, sizeof path, "%s/dict/terms.dict", data);
  FILE *f = fopen(path, "r");
  if (f) {
    while (fgets(line, sizeof line, f)) {
      if (line[0] == '#' || line[0] == '\n')
        continue;
      size_t l = strcspn(line, "\t\n#");
      if (l)
        vocab_add(v, line, l);
    }
    fclose(f);
  }
  size_t nchars = (sizeof common - 1) / 3;
  for (int i = 0; i < 20000; i++) {
    char w[16];
    int len = 2 + (int)(rnd() % 3);
    for (int j = 0; j < len; j++)
      memcpy(w + 3 * j, common + 3 * (rnd() % nchars), 3);
    vocab_add(v, w, (size_t)(3 * len));
  }
  static const char *const latin[] = {"LPR", "IPO", "PPP", "ERP", "2024",
                                      "3.5", "SPV", "AAA", "CDS", "ABS"};
  for (size_t i = 0; i < sizeof latin / sizeof latin[0]; i++)
    vocab_add(v, latin[i], strlen(latin[i]));
}

/* Zipf-like pick: small indexes much more often. */
static const char *pick(const vocab *v) {
  double u = (double)(rnd() % 1000000) / 1e6;
  size_t i = (size_t)((double)v->n * u * u * u);
  return v->w[i < v->n ? i : v->n - 1];
}

static void gen_article(const vocab *v, uint64_t id, char *title, size_t tcap,
                        char *body, size_t bcap) {
  size_t o = 0;
  int nt = 2 + (int)(rnd() % 3);
  for (int i = 0; i < nt; i++)
    o += (size_t)snprintf(title + o, tcap - o, "%s", pick(v));
  (void)id;
  o = 0;
  while (o < 900 && o + 64 < bcap) {
    int words = 4 + (int)(rnd() % 8);
    for (int i = 0; i < words && o + 64 < bcap; i++)
      o += (size_t)snprintf(body + o, bcap - o, "%s", pick(v));
    o += (size_t)snprintf(body + o, bcap - o, "%s", rnd() % 3 ? "，" : "。");
  }
}

/* CPU time of this thread: shows how much of a slow query was work and how
 * much was waiting (other processes on a shared machine, page faults). */
/* Minor page faults of the thread so far (a slow query's first touches). */
static long minflt_now(void) {
  struct rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_minflt;
}

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
  const char *data = argc > 2 ? argv[2] : "data";
  bool bulk = argc > 3 && !strncmp(argv[3], "bulk", 4);
  size_t bulk_mb = bulk && argv[3][4] == ':' ? strtoul(argv[3] + 5, NULL, 10)
                                             : 256;
  size_t batch = argc > 3 && !bulk ? strtoul(argv[3], NULL, 10) : 1000;
  if (batch == 0 || batch > BATCH_MAX)
    batch = BATCH_MAX;
  char dir[] = "/tmp/bench_kb.XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  struct utsname u;
  uname(&u);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  kb *k;
  kb_diag d;
  if (kb_open(data, NULL, &k, &d)) {
    fprintf(stderr, "bench_kb: %s\n", d.msg);
    return 1;
  }
  vocab v = {0};
  vocab_build(&v, data);
  store *st;
  /* Bulk load: commits without fsync, one store_sync at the end (timed). */
  store_options o = {.map_size = (size_t)32 << 30, .no_sync = true};
  if (store_open(dir, &o, &st)) {
    fprintf(stderr, "bench_kb: %s\n", store_last_error());
    return 1;
  }
  printf("bench_kb: %zu generated articles (~300 characters each, vocabulary "
         "%zu words incl. %s/dict/terms.dict), one thread, store in %s\n"
         "machine: %s %s, %ld CPUs\n\n",
         n, v.n, data, dir, u.sysname, u.machine, ncpu);

  static char title[BATCH_MAX][256], body[BATCH_MAX][2048];
  static kb_article arts[BATCH_MAX];
  static kb_article *ptr[BATCH_MAX];
  /* Timed: kb_put_batch, commits and the final sync, not the generator
   * (its snprintf calls were several per cent of the old figure). */
  double bytes = 0, build = 0, build_cpu = 0;
  kb_bulk *bk = NULL;
  if (bulk && kb_bulk_new(k, st, bulk_mb << 20, &bk, &d)) {
    fprintf(stderr, "bench_kb: %s\n", d.msg);
    return 1;
  }
  for (size_t i = 0; i < n;) {
    size_t m = 0;
    for (; m < batch && i < n; m++, i++) {
      gen_article(&v, i + 1, title[m], sizeof title[m], body[m],
                  sizeof body[m]);
      kb_article a = OPPGRAPH__V1__KB_ARTICLE__INIT;
      a.id = i + 1;
      a.title = title[m];
      a.body = body[m];
      a.category = (i % 3) ? "产品手册" : "流程手册";
      arts[m] = a;
      ptr[m] = &arts[m];
      bytes += (double)(strlen(title[m]) + strlen(body[m]));
    }
    double t0 = now(), c0 = cpu_now();
    if (bulk) {
      for (size_t j = 0; j < m; j++)
        if (kb_bulk_add(bk, ptr[j], NULL, &d)) {
          fprintf(stderr, "bench_kb: %s\n", d.msg);
          return 1;
        }
      if (i == n && kb_bulk_flush(bk, &d)) {
        fprintf(stderr, "bench_kb: %s\n", d.msg);
        return 1;
      }
      build += now() - t0;
      build_cpu += cpu_now() - c0;
      continue;
    }
    store_txn *txn;
    if (store_begin(st, true, &txn))
      return 1;
    if (kb_put_batch(k, txn, ptr, m, NULL, &d)) {
      fprintf(stderr, "bench_kb: %s\n", d.msg);
      return 1;
    }
    if (store_commit(txn)) {
      fprintf(stderr, "bench_kb: commit: %s\n", store_last_error());
      return 1;
    }
    build += now() - t0;
    build_cpu += cpu_now() - c0;
  }
  kb_bulk_free(bk);
  double t0 = now(), c0 = cpu_now();
  if (store_sync(st)) {
    fprintf(stderr, "bench_kb: sync: %s\n", store_last_error());
    return 1;
  }
  build += now() - t0;
  build_cpu += cpu_now() - c0;
  printf("| index build | articles | MB of text | seconds | MB/s | CPU "
         "seconds | MB per CPU second |\n"
         "| --- | --- | --- | --- | --- | --- | --- |\n");
  if (bulk)
    printf("| kb_bulk, %zu MB budget, no-sync commits + one store_sync ",
           bulk_mb);
  else
    printf("| kb_put_batch, %zu per transaction, no-sync commits + one "
           "store_sync ",
           batch);
  printf("| %zu | %.1f | %.1f | %.2f | %.1f | %.2f |\n\n", n, bytes / 1e6,
         build, bytes / 1e6 / build, build_cpu, bytes / 1e6 / build_cpu);

  /* What `oppgraph serve` does at start-up (in a thread of its own): read
   * the index once, so that the queries below do not pay the first access
   * to each page of the map.  BENCH_KB_COLD=1 skips it. */
  if (!getenv("BENCH_KB_COLD")) {
    store_txn *txn;
    uint64_t warm_bytes = 0;
    double w0 = now(), wc0 = cpu_now();
    if (store_begin(st, false, &txn) || store_kb_warm(txn, NULL, &warm_bytes)) {
      fprintf(stderr, "bench_kb: warm-up: %s\n", store_last_error());
      return 1;
    }
    store_abort(txn);
    printf("index warm-up (store_kb_warm, as serve does at start): %.0f MB "
           "in %.3f s (%.3f CPU s)\n\n",
           (double)warm_bytes / 1e6, now() - w0, cpu_now() - wc0);
  } else {
    printf("index warm-up skipped (BENCH_KB_COLD): queries below pay the "
           "first access to each page\n\n");
  }

  printf("| query words | queries | p50 ms | p99 ms | max ms | mean hits | "
         "CPU p50 ms | CPU p99 ms |\n"
         "| --- | --- | --- | --- | --- | --- | --- | --- |\n");
  double *lat = malloc(NQ * sizeof *lat), *cpu = malloc(NQ * sizeof *cpu);
  /* BENCH_KB_SLOW=ms lists the queries that took at least that much CPU. */
  const char *slow_env = getenv("BENCH_KB_SLOW");
  double slow_ms = slow_env ? atof(slow_env) : 0;
  /* BENCH_KB_QUERY="q" runs that one query NQ times instead of the four
   * generated sets (for profiling one slow query under callgrind). */
  const char *only = getenv("BENCH_KB_QUERY");
  for (int words = 1; words <= (only ? 1 : 4); words++) {
    double hits = 0;
    for (int qi = 0; qi < NQ; qi++) {
      char q[256];
      size_t qo = 0;
      for (int w = 0; w < words && !only; w++)
        qo += (size_t)snprintf(q + qo, sizeof q - qo, "%s%s", w ? " " : "",
                               pick(&v));
      if (only)
        snprintf(q, sizeof q, "%s", only);
      store_txn *txn;
      store_begin(st, false, &txn);
      kb_results r;
      kb_query kq = {.text = q};
      long f = minflt_now();
      double s = now(), c = cpu_now();
      int err = kb_search(k, txn, &kq, &r, &d);
      lat[qi] = (now() - s) * 1e3;
      cpu[qi] = (cpu_now() - c) * 1e3;
      if (slow_ms > 0 && cpu[qi] >= slow_ms)
        fprintf(stderr,
                "slow query: %.3f ms CPU, %zu hits, %ld minor faults: %s\n",
                cpu[qi], r.total, minflt_now() - f, q);
      if (err)
        fprintf(stderr, "bench_kb: query %s: %s\n", q, d.msg);
      hits += (double)r.total;
      kb_results_destroy(&r);
      store_abort(txn);
    }
    qsort(lat, NQ, sizeof *lat, cmp_d);
    qsort(cpu, NQ, sizeof *cpu, cmp_d);
    printf("| %d | %d | %.3f | %.3f | %.3f | %.0f | %.3f | %.3f |\n", words, NQ,
           lat[NQ / 2], lat[NQ * 99 / 100], lat[NQ - 1], hits / NQ, cpu[NQ / 2],
           cpu[NQ * 99 / 100]);
  }
  free(lat);
  free(cpu);
  store_close(st);
  kb_close(k);
  for (size_t i = 0; i < v.n; i++)
    free(v.w[i]);
  free(v.w);
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}
