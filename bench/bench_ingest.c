/*
 * bench_ingest.c — ingest throughput: the bundled sample world (registry +
 * announcements, with the rules of data/rules) and, when present, the
 * DuEE-Fin tune.jsonl of ../shared/data (601 documents, one JSON-lines file)
 * into fresh temporary stores; then a re-ingest of the same input (all
 * duplicates).  Prints one table row per run.  Run from the repository root:
 *
 *   build/bench/bench_ingest [SHARED_DATA_DIR]
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ingest/ingest.h"

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f) {
  (void)sb;
  (void)flag;
  (void)f;
  return remove(p);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void quiet(void *ctx, const char *path, const char *msg) {
  (void)ctx;
  (void)path;
  (void)msg;
}

static void quiet_rules(void *ctx, const char *f, int l, const char *m) {
  (void)ctx;
  (void)f;
  (void)l;
  (void)m;
}

static void run(const char *label, const char *path, const nlp_rules *rules) {
  char dir[] = "/tmp/oppgraph-bench-XXXXXX";
  if (!mkdtemp(dir))
    return;
  store *st = NULL;
  store_options o = {.map_size = 1u << 30};
  if (store_open(dir, &o, &st)) {
    fprintf(stderr, "cannot open a store in %s\n", dir);
    return;
  }
  ingest_config cfg = {.rules = rules, .dict_dir = "data/dict", .diag = quiet};
  const char *paths[] = {path};
  for (int pass = 0; pass < 2; pass++) {
    ingest_report rep;
    double t0 = now();
    int rc = ingest_run(st, &cfg, paths, 1, &rep);
    double el = now() - t0;
    size_t docs = rep.docs_new + rep.docs_duplicate;
    printf("| %-22s | %-6s | %5zu | %5zu | %5zu | %5zu | %6zu | %8.3f | %8.0f "
           "|%s\n",
           label, pass ? "again" : "fresh", rep.files_ok, rep.docs_new,
           rep.docs_duplicate, rep.events, rep.enterprises + rep.edges, el,
           el > 0 ? (double)docs / el : 0.0, rc ? " (some files failed)" : "");
  }
  store_close(st);
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv) {
  const char *shared = argc > 1 ? argv[1] : "../shared/data";
  nlp_rules *rules = NULL;
  nlp_rules_load_dir("data/rules", quiet_rules, NULL, &rules);
  printf("ingest throughput (rules: %zu from data/rules; one write transaction "
         "per file; LMDB in /tmp)\n\n",
         rules ? nlp_rules_count(rules) : (size_t)0);
  printf("| %-22s | %-6s | %5s | %5s | %5s | %5s | %6s | %8s | %8s |\n",
         "input", "pass", "files", "new", "dup", "evts", "reg", "seconds",
         "docs/s");
  printf("|------------------------|--------|-------|-------|-------|-------|--"
         "------|----------|----------|\n");
  run("data/sample", "data/sample", rules);
  char duee[1024];
  snprintf(duee, sizeof duee, "%s/duee-fin/tune.jsonl", shared);
  if (access(duee, R_OK) == 0)
    run("duee-fin tune.jsonl", duee, rules);
  else
    printf("(DuEE-Fin row skipped: %s not readable)\n", duee);
  nlp_rules_free(rules);
  return 0;
}
