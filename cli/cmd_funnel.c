/*
 * cmd_funnel.c — `oppgraph funnel`: pushed -> accepted -> won per RM, team or
 * branch over a period, with the low-performance warnings a lead acts on.
 * The numbers come from opp_funnel (opportunity/feedback.c), the function
 * the gRPC GetFunnel calls; the thresholds from data/opportunity.json.  The
 * CLI is an operator's tool, so it sees every RM (no visibility filter).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "opportunity/opportunity.h"
#include "store/store.h"

static void funnel_usage(FILE *f) {
  fprintf(f,
          "usage: oppgraph funnel --db DIR [--by rm|team|branch]\n"
          "                       [--since DATE] [--until DATE] [--json]\n\n"
          "Prints, per RM (default), team or branch, the opportunities "
          "pushed in\n"
          "the period and how many were accepted (accepted or won), rejected "
          "and\n"
          "won, with rates.  A row far below its peers' accept rate gets a\n"
          "low-performance warning (thresholds: \"funnel_warning\" in\n"
          "<data>/opportunity.json; data directory $OPPGRAPH_DATA, else "
          "./data).\n\n"
          "  --since DATE  opportunities created on or after DATE "
          "(YYYY-MM-DD, UTC)\n"
          "  --until DATE  ... and before DATE\n"
          "  --json        one JSON object {rows:[...], total:{...}} instead\n");
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so that no locale or time zone is involved. */
static int64_t funnel_days(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" -> unix seconds at midnight UTC; -1 when malformed. */
static int funnel_date(const char *v, int64_t *out) {
  int y, m, d;
  char tail;
  if (sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 ||
      m < 1 || m > 12 || d < 1 || d > 31)
    return -1;
  *out = funnel_days(y, m, d) * 86400;
  return 0;
}

static json_t *funnel_row_json(const Oppgraph__V1__FunnelRow *r) {
  json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:f, s:f}", "key", r->key,
                        "pushed", (json_int_t)r->pushed, "accepted",
                        (json_int_t)r->accepted, "rejected",
                        (json_int_t)r->rejected, "won", (json_int_t)r->won,
                        "accept_rate", r->accept_rate, "win_rate", r->win_rate);
  if (j && r->peer_median_accept_rate > 0)
    json_object_set_new(j, "peer_median_accept_rate",
                        json_real(r->peer_median_accept_rate));
  if (j && r->low_performance)
    json_object_set_new(j, "warning", json_string(r->warning));
  return j;
}

static void funnel_row_print(const Oppgraph__V1__FunnelRow *r) {
  printf("%-20s %8llu %9llu %9llu %6llu %8.1f %% %6.1f %%\n",
         *r->key ? r->key : "(none)", (unsigned long long)r->pushed,
         (unsigned long long)r->accepted, (unsigned long long)r->rejected,
         (unsigned long long)r->won, 100 * r->accept_rate, 100 * r->win_rate);
  if (r->low_performance)
    printf("  WARNING low performance: %s\n", r->warning);
}

int cmd_funnel(int argc, char **argv) {
  const char *db = NULL, *by = "rm";
  opp_funnel_query q = {.group_by = OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_RM};
  bool as_json = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      funnel_usage(stdout);
      return CLI_EXIT_OK;
    }
    if (!strcmp(a, "--json")) {
      as_json = true;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr,
              "oppgraph funnel: unknown option or missing value: '%s'\n\n", a);
      funnel_usage(stderr);
      return CLI_EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--db")) {
      db = v;
    } else if (!strcmp(a, "--by")) {
      by = v;
      if (!strcmp(v, "rm"))
        q.group_by = OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_RM;
      else if (!strcmp(v, "team"))
        q.group_by = OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_TEAM;
      else if (!strcmp(v, "branch"))
        q.group_by = OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_BRANCH;
      else {
        fprintf(stderr,
                "oppgraph funnel: --by '%s': expected rm, team or branch\n", v);
        return CLI_EXIT_USAGE;
      }
    } else if (!strcmp(a, "--since") || !strcmp(a, "--until")) {
      if (funnel_date(v, a[2] == 's' ? &q.since : &q.until)) {
        fprintf(stderr,
                "oppgraph funnel: %s '%s': expected a date YYYY-MM-DD "
                "(1970 or later)\n",
                a, v);
        return CLI_EXIT_USAGE;
      }
    } else {
      fprintf(stderr, "oppgraph funnel: unknown option '%s'\n\n", a);
      funnel_usage(stderr);
      return CLI_EXIT_USAGE;
    }
  }
  if (!db) {
    fprintf(stderr, "oppgraph funnel: --db DIR is required\n\n");
    funnel_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (q.since && q.until && q.until <= q.since) {
    fprintf(stderr, "oppgraph funnel: --until must be after --since\n");
    return CLI_EXIT_USAGE;
  }
  char err[512];
  opp_config *cfg = NULL;
  int rc = opp_config_load(cli_data_dir(), &cfg, err, sizeof err);
  if (rc) {
    fprintf(stderr, "oppgraph funnel: %s\n",
            rc == OPP_ECONFIG ? err : opp_strerror(rc));
    return CLI_EXIT_FAIL;
  }
  opp_funnel_warning warn;
  opp_config_funnel_warning(cfg, &warn);
  opp_config_free(cfg);

  store_options opt = {.read_only = true};
  store *st = NULL;
  rc = store_open(db, &opt, &st);
  if (rc) {
    fprintf(stderr, "oppgraph funnel: cannot open store %s: %s\n", db,
            store_strerror(rc));
    return CLI_EXIT_FAIL;
  }
  store_txn *txn = NULL;
  if (store_begin(st, false, &txn)) {
    fprintf(stderr, "oppgraph funnel: cannot read store %s: %s\n", db,
            store_last_error());
    store_close(st);
    return CLI_EXIT_FAIL;
  }
  Oppgraph__V1__GetFunnelResponse *f = NULL;
  rc = opp_funnel(txn, &q, &warn, &f);
  store_abort(txn);
  store_close(st);
  if (rc) {
    fprintf(stderr, "oppgraph funnel: computing the funnel of %s failed: %s\n",
            db, opp_strerror(rc));
    return CLI_EXIT_FAIL;
  }
  if (as_json) {
    json_t *rows = json_array();
    for (size_t i = 0; i < f->n_rows; i++)
      json_array_append_new(rows, funnel_row_json(f->rows[i]));
    json_t *doc = json_pack("{s:s, s:o, s:o}", "by", by, "rows", rows,
                            "total", funnel_row_json(f->total));
    char *s = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    if (s)
      printf("%s\n", s);
    free(s);
    json_decref(doc);
  } else {
    printf("%-20s %8s %9s %9s %6s %10s %8s\n", by, "pushed", "accepted",
           "rejected", "won", "accept", "win");
    for (size_t i = 0; i < f->n_rows; i++)
      funnel_row_print(f->rows[i]);
    funnel_row_print(f->total);
  }
  opp_funnel_free(f);
  return CLI_EXIT_OK;
}
