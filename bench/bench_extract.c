/*
 * bench_extract.c — throughput of the event extractor (nlp_extract with the
 * rules of data/rules) on the DuEE-Fin tuning texts, repeated until at least
 * 200 MB of UTF-8 text (title + text) has gone through one thread.
 *
 * usage: build/bench/bench_extract [--data DIR] [--rules DIR] [--mb N]
 * Prints a table: input, documents, MB, CPU seconds, MB/s per core,
 * documents/s, events found, peak RSS.  Skips (exit 0) when the data is
 * absent.  Documents are parsed once up front; only extraction is timed.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nlp/nlp.h"

typedef struct bdoc {
  char *title, *text;
  size_t tlen, len;
} bdoc;

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  const char *data = "../shared/data/duee-fin", *rules_dir = "data/rules";
  double target_mb = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--data"))
      data = argv[i + 1];
    else if (!strcmp(argv[i], "--rules"))
      rules_dir = argv[i + 1];
    else if (!strcmp(argv[i], "--mb"))
      target_mb = atof(argv[i + 1]);
  }
  char path[1024];
  snprintf(path, sizeof path, "%s/tune.jsonl", data);
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("bench_extract: skipped: %s is absent (DuEE-Fin tuning data)\n",
           path);
    return 0;
  }
  bdoc *docs = NULL;
  size_t n = 0, cap = 0, bytes = 0;
  char *line = NULL;
  size_t lcap = 0;
  while (getline(&line, &lcap, f) > 0) {
    json_t *o = json_loads(line, 0, NULL);
    json_t *t = json_object_get(o, "text"), *ti = json_object_get(o, "title");
    if (json_is_string(t)) {
      if (n == cap) {
        cap = cap ? 2 * cap : 1024;
        docs = realloc(docs, cap * sizeof *docs);
        if (!docs)
          return 1;
      }
      docs[n].text = strdup(json_string_value(t));
      docs[n].len = json_string_length(t);
      docs[n].title = strdup(json_is_string(ti) ? json_string_value(ti) : "");
      docs[n].tlen = strlen(docs[n].title);
      bytes += docs[n].len + docs[n].tlen;
      n++;
    }
    json_decref(o);
  }
  free(line);
  fclose(f);
  if (!n) {
    printf("bench_extract: no documents in %s\n", path);
    return 1;
  }
  nlp_rules *rules = NULL;
  int rc = nlp_rules_load_dir(rules_dir, NULL, NULL, &rules);
  if (rc) {
    fprintf(stderr, "bench_extract: rules %s: %s\n", rules_dir,
            nlp_strerror(rc));
    nlp_rules_free(rules);
    return 1;
  }
  double target = target_mb * 1e6, done = 0;
  size_t ndocs = 0, nevents = 0;
  double c0 = cpu_now(), w0 = wall_now();
  while (done < target) {
    for (size_t i = 0; i < n; i++) {
      nlp_extract_opts o = {0};
      o.title = docs[i].title;
      o.title_len = docs[i].tlen;
      nlp_result res;
      if (!nlp_extract(rules, NULL, docs[i].text, docs[i].len, &o, &res))
        nevents += res.n;
      nlp_result_destroy(&res);
      done += (double)(docs[i].len + docs[i].tlen);
      ndocs++;
    }
  }
  double cpu = cpu_now() - c0, wall = wall_now() - w0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("bench_extract: nlp_extract on %s (%zu documents, %.2f MB), "
         "repeated; %zu rules from %s; one thread\n\n",
         path, n, (double)bytes / 1e6, nlp_rules_count(rules), rules_dir);
  printf("| documents | MB (UTF-8) | CPU s | wall s | MB/s per core | docs/s | "
         "events | peak RSS MB |\n");
  printf("|---|---|---|---|---|---|---|---|\n");
  printf("| %zu | %.1f | %.2f | %.2f | %.1f | %.0f | %zu | %.1f |\n", ndocs,
         done / 1e6, cpu, wall, done / 1e6 / cpu, (double)ndocs / cpu, nevents,
         (double)ru.ru_maxrss / 1024.0);
  nlp_rules_free(rules);
  for (size_t i = 0; i < n; i++) {
    free(docs[i].text);
    free(docs[i].title);
  }
  free(docs);
  return 0;
}
