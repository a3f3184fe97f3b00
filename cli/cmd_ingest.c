/*
 * cmd_ingest.c — `oppgraph ingest`: the data operator's batch command.
 *
 * It runs the whole write side of the pipeline on files and folders:
 * ingest_run (registry files, then announcements, each file in its own
 * transaction, events extracted with the rules of the data directory), then
 * graph_update_circles (incremental: only the part of the guarantee graph the
 * batch's new edges touch; a full rebuild the first time), graph_update_owners
 * (the stored ownership, likewise) and opp_generate so
 * that the store is ready to serve.
 * A rejected file is reported with its reason and the others go on; the exit
 * status is 1 when any file failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "graph/graph.h"
#include "ingest/ingest.h"
#include "nlp/nlp.h"
#include "opportunity/opportunity.h"
#include "store/store.h"

static void ingest_usage(FILE *f) {
  fprintf(
      f,
      "usage: oppgraph ingest --db DIR [options] PATH...\n\n"
      "Reads announcements (.html .htm .txt .jsonl .xml) and registry files\n"
      "(our registry XML, GLEIF LEI-CDF / RR-CDF XML) into the store at DIR\n"
      "(created when absent), extracts events, recomputes guarantee circles\n"
      "and regenerates opportunities.  PATH may be a file or a folder\n"
      "(read recursively).  Re-running the same input adds nothing.\n\n"
      "options:\n"
      "  --db DIR         the LMDB store (required)\n"
      "  --data DIR       rules, dictionaries, schema, product matrix\n"
      "                   (default $OPPGRAPH_DATA, else ./data)\n"
      "  --progress       progress lines on stderr (default when stderr is\n"
      "                   a terminal)\n"
      "  --quiet          no progress and no summary\n"
      "  --no-derive      skip the circle and opportunity recomputation\n"
      "  --now T          reference time for scoring, time decay and expiry:\n"
      "                   YYYY-MM-DD or unix seconds (default: now).  The\n"
      "                   bundled sample world is dated 2024-06-30.\n"
      "  --max-file-size N  refuse files over N bytes (default 512 MiB)\n"
      "  --max-line N     refuse JSON-lines files with a line over N bytes\n"
      "                   (default 16 MiB)\n"
      "  --max-rules N    refuse a rules directory with more than N rule,\n"
      "                   fill, subject and alias blocks (default 10000)\n\n"
      "Exit status: 0 all files ingested, 1 some files were rejected (each\n"
      "named on stderr with the reason) or the run failed, 2 usage error.\n");
}

/* Parses "YYYY-MM-DD" (midnight UTC) or unix seconds. */
static int ingest_cli_parse_now(const char *v, int64_t *out) {
  int y, m, d;
  char tail;
  if (sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3) {
    if (m < 1 || m > 12 || d < 1 || d > 31)
      return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    *out = (int64_t)timegm(&tm);
    return 0;
  }
  char *end;
  long long t = strtoll(v, &end, 10);
  if (*end || end == v || t < 0)
    return -1;
  *out = t;
  return 0;
}

typedef struct ingest_cli_diag {
  size_t messages;
} ingest_cli_diag;

static void ingest_cli_on_diag(void *ctx, const char *path, const char *msg) {
  ingest_cli_diag *d = ctx;
  d->messages++;
  fprintf(stderr, "oppgraph ingest: %s: %s\n", path, msg);
}

static void ingest_cli_on_rule(void *ctx, const char *file, int line,
                               const char *msg) {
  (void)ctx;
  fprintf(stderr, "oppgraph ingest: rule file %s:%d: %s\n", file, line, msg);
}

int cmd_ingest(int argc, char **argv) {
  const char *db = NULL, *data = cli_data_dir();
  bool progress = isatty(2), quiet = false, derive = true;
  size_t max_file = 0, max_line = 0;
  nlp_rules_limits rule_limits = {0};
  int64_t now = (int64_t)time(NULL);
  const char **paths = calloc((size_t)argc, sizeof *paths);
  size_t npaths = 0;
  if (!paths)
    return CLI_EXIT_FAIL;
  int status = CLI_EXIT_USAGE;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      ingest_usage(stdout);
      status = CLI_EXIT_OK;
      goto out;
    } else if (!strcmp(a, "--progress")) {
      progress = true;
    } else if (!strcmp(a, "--quiet")) {
      quiet = true;
      progress = false;
    } else if (!strcmp(a, "--no-derive")) {
      derive = false;
    } else if (!strcmp(a, "--db") || !strcmp(a, "--data") ||
               !strcmp(a, "--max-file-size") || !strcmp(a, "--max-line") ||
               !strcmp(a, "--max-rules") || !strcmp(a, "--now")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "oppgraph ingest: %s needs a value\n", a);
        goto out;
      }
      const char *v = argv[++i];
      if (!strcmp(a, "--db")) {
        db = v;
      } else if (!strcmp(a, "--data")) {
        data = v;
      } else if (!strcmp(a, "--now")) {
        if (ingest_cli_parse_now(v, &now)) {
          fprintf(stderr,
                  "oppgraph ingest: --now: '%s' is neither YYYY-MM-DD "
                  "nor unix seconds\n",
                  v);
          goto out;
        }
      } else {
        char *end;
        unsigned long long n = strtoull(v, &end, 10);
        if (*end || end == v || !n || v[0] == '-') {
          fprintf(stderr, "oppgraph ingest: %s: '%s' is not a positive %s\n", a,
                  v, strcmp(a, "--max-rules") ? "byte count" : "number");
          goto out;
        }
        if (!strcmp(a, "--max-rules"))
          rule_limits.max_rules = (size_t)n;
        else if (!strcmp(a, "--max-line"))
          max_line = (size_t)n;
        else
          max_file = (size_t)n;
      }
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "oppgraph ingest: unknown option '%s'\n\n", a);
      ingest_usage(stderr);
      goto out;
    } else {
      paths[npaths++] = a;
    }
  }
  if (!db || !npaths) {
    fprintf(stderr, "oppgraph ingest: %s\n\n",
            !db ? "--db DIR is required" : "name at least one file or folder");
    ingest_usage(stderr);
    goto out;
  }

  status = CLI_EXIT_FAIL;
  char rules_dir[4096], dict_dir[4096], schema[4096];
  snprintf(rules_dir, sizeof rules_dir, "%s/rules", data);
  snprintf(dict_dir, sizeof dict_dir, "%s/dict", data);
  snprintf(schema, sizeof schema, "%s/schema/registry.xsd", data);

  /* The product matrix is checked before anything is written, so that a bad
   * data directory cannot leave a half-derived store behind. */
  char err[1024];
  opp_config *ocfg = NULL;
  if (derive) {
    int rc = opp_config_load(data, &ocfg, err, sizeof err);
    if (rc) {
      fprintf(stderr, "oppgraph ingest: %s\n",
              rc == OPP_ECONFIG ? err : opp_strerror(rc));
      goto out;
    }
  }
  nlp_rules *rules = NULL;
  int rc = nlp_rules_load_dir_limits(rules_dir, &rule_limits,
                                     ingest_cli_on_rule, NULL, &rules);
  if (rc && rc != NLP_ERULE) {
    fprintf(stderr, "oppgraph ingest: cannot load rules from %s: %s\n",
            rules_dir, nlp_strerror(rc));
    opp_config_free(ocfg);
    goto out;
  }
  store *st = NULL;
  rc = store_open(db, NULL, &st);
  if (rc) {
    fprintf(stderr, "oppgraph ingest: cannot open store %s: %s (%s)\n", db,
            store_strerror(rc), store_last_error());
    nlp_rules_free(rules);
    opp_config_free(ocfg);
    goto out;
  }

  ingest_cli_diag diag = {0};
  ingest_config cfg = {
      .rules = rules,
      .dict_dir = dict_dir,
      .schema_path = schema,
      .diag = ingest_cli_on_diag,
      .diag_ctx = &diag,
      .progress = progress,
      .max_file_size = max_file,
      .max_line = max_line,
  };
  ingest_report rep;
  time_t t0 = time(NULL);
  rc = ingest_run(st, &cfg, paths, npaths, &rep);
  bool files_failed = rc == INGEST_EFILES;
  if (rc && !files_failed) {
    fprintf(stderr, "oppgraph ingest: stopped: %s\n", ingest_strerror(rc));
    goto close;
  }
  if (!quiet)
    fprintf(stderr,
            "oppgraph ingest: %zu files ingested, %zu rejected, %zu skipped; "
            "%zu new documents, %zu duplicates, %zu events; %zu enterprises, "
            "%zu persons, %zu edges, %zu RMs written; %zu registry records "
            "rejected (%lds)\n",
            rep.files_ok, rep.files_failed, rep.files_skipped, rep.docs_new,
            rep.docs_duplicate, rep.events, rep.enterprises, rep.persons,
            rep.edges, rep.rms, rep.records_rejected, (long)(time(NULL) - t0));
  if (rep.args_dropped)
    fprintf(stderr,
            "oppgraph ingest: warning: %zu event arguments dropped in all "
            "over the cap of %d per event\n",
            rep.args_dropped, NLP_MAX_ARGS);

  if (derive) {
    graph_update_report grep;
    rc = graph_update_circles(st, &grep);
    if (rc) {
      fprintf(stderr, "oppgraph ingest: guarantee circles: %s\n",
              graph_strerror(rc));
      goto close;
    }
    graph_owners_update_report owrep;
    rc = graph_update_owners(st, &owrep);
    if (rc) {
      fprintf(stderr, "oppgraph ingest: stored ownership: %s\n",
              graph_strerror(rc));
      goto close;
    }
    opp_report orep;
    rc = opp_generate(st, ocfg, now, &orep);
    if (rc) {
      fprintf(stderr, "oppgraph ingest: opportunities: %s (%s)\n",
              opp_strerror(rc), store_last_error());
      goto close;
    }
    if (!quiet) {
      char how[96];
      if (grep.full)
        snprintf(how, sizeof how, "full rebuild");
      else
        snprintf(how, sizeof how,
                 "updated for %zu new guarantee edges, %zu enterprises "
                 "searched",
                 grep.new_edges, grep.searched);
      fprintf(stderr,
              "oppgraph ingest: %zu guarantee circles (%s); %zu event "
              "opportunities (%zu merged duplicates, %zu flagged) and %zu "
              "tag-marketing lines: %zu new, %zu updated, %zu unchanged\n",
              grep.circles, how, orep.opportunities, orep.merged, orep.flagged,
              orep.tagged, orep.created, orep.updated, orep.unchanged);
      if (owrep.full)
        fprintf(stderr,
                "oppgraph ingest: ownership stored for every enterprise "
                "(%zu with holders of at least %g%%)\n",
                owrep.materialised.enterprises,
                owrep.materialised.min_share * 100);
      else
        fprintf(stderr,
                "oppgraph ingest: ownership updated for %zu enterprises "
                "(%zu shareholding edges read)\n",
                owrep.targets, owrep.upstream_edges);
    }
  }
  status = files_failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
close:
  store_close(st);
  nlp_rules_free(rules);
  opp_config_free(ocfg);
out:
  free(paths);
  return status;
}
