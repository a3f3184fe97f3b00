/*
 * cmd_opportunities.c — `oppgraph opportunities`: regenerates the
 * opportunities of every stored event with opp_generate (product matrix and
 * scoring from the data directory) and prints what the run did, including
 * every dropped candidate counted under its reason.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "opportunity/opportunity.h"
#include "store/store.h"

static void opps_usage(FILE *f) {
  fprintf(
      f,
      "usage: oppgraph opportunities --db DIR [--data DIR] [--now "
      "UNIX_SECONDS]\n\n"
      "Regenerates opportunities from the stored events: product matching\n"
      "(DATA/products.json), dedup of one event reported by several\n"
      "documents, risk flags, scoring (DATA/opportunity.json) and RM\n"
      "assignment.  Safe to re-run: unchanged opportunities are not "
      "rewritten.\n"
      "Run `oppgraph graph circles` first so guarantee circles are flagged.\n\n"
      "  --data DIR   data directory (default $OPPGRAPH_DATA, else ./data)\n"
      "  --now T      reference time for time decay and expiry (default: "
      "now)\n"
      "  --dropped    also list every dropped candidate as a JSON line\n"
      "               {event_id, rule, enterprise_id, reason} on stdout\n");
}

static void print_drop(void *ctx, uint64_t event_id, const char *rule_id,
                       uint64_t ent_id, int reason) {
  (void)ctx;
  printf("{\"event_id\":%llu,\"rule\":\"%s\",\"enterprise_id\":%llu,"
         "\"reason\":\"%s\"}\n",
         (unsigned long long)event_id, rule_id ? rule_id : "",
         (unsigned long long)ent_id, opp_drop_name(reason));
}

int cmd_opportunities(int argc, char **argv) {
  bool list_dropped = false;
  const char *db = NULL, *data = cli_data_dir();
  long long now = (long long)time(NULL);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      opps_usage(stdout);
      return CLI_EXIT_OK;
    }
    if (!strcmp(a, "--dropped")) {
      list_dropped = true;
      continue;
    }
    if (!v) {
      fprintf(stderr, "oppgraph opportunities: %s needs a value\n", a);
      return CLI_EXIT_USAGE;
    }
    if (!strcmp(a, "--db")) {
      db = v;
    } else if (!strcmp(a, "--data")) {
      data = v;
    } else if (!strcmp(a, "--now")) {
      char *end;
      now = strtoll(v, &end, 10);
      if (*end || end == v) {
        fprintf(stderr,
                "oppgraph opportunities: --now: '%s' is not unix seconds\n", v);
        return CLI_EXIT_USAGE;
      }
    } else {
      fprintf(stderr, "oppgraph opportunities: unknown option '%s'\n\n", a);
      opps_usage(stderr);
      return CLI_EXIT_USAGE;
    }
    i++;
  }
  if (!db) {
    fprintf(stderr, "oppgraph opportunities: --db DIR is required\n");
    return CLI_EXIT_USAGE;
  }
  char err[1024];
  opp_config *cfg;
  int rc = opp_config_load(data, &cfg, err, sizeof err);
  if (rc) {
    fprintf(stderr, "oppgraph opportunities: %s\n",
            rc == OPP_ECONFIG ? err : opp_strerror(rc));
    return CLI_EXIT_FAIL;
  }
  store *st;
  rc = store_open(db, NULL, &st);
  if (rc) {
    fprintf(stderr, "oppgraph opportunities: cannot open store %s: %s (%s)\n",
            db, store_strerror(rc), store_last_error());
    opp_config_free(cfg);
    return CLI_EXIT_FAIL;
  }
  opp_report r;
  rc = opp_generate_ex(st, cfg, (int64_t)now, &r,
                       list_dropped ? print_drop : NULL, NULL);
  if (rc) {
    fprintf(stderr, "oppgraph opportunities: %s: %s%s%s\n", db,
            opp_strerror(rc), rc == OPP_ESTORE ? ": " : "",
            rc == OPP_ESTORE ? store_last_error() : "");
  } else {
    printf("events read:             %zu\n"
           "  risk-only events:      %zu\n"
           "  matching no rule:      %zu\n"
           "candidates:              %zu\n"
           "  merged as duplicates:  %zu\n"
           "opportunities:           %zu (created %zu, updated %zu, unchanged "
           "%zu)\n"
           "  with risk flags:       %zu\n"
           "  expired:               %zu\n"
           "dropped candidates:\n"
           "  no known subject:      %zu\n"
           "  unknown enterprise:    %zu\n"
           "  below minimum amount:  %zu\n"
           "  excluded subject:      %zu\n"
           "  intra-group deal:      %zu\n",
           r.events, r.risk_events, r.no_rule, r.candidates, r.merged,
           r.opportunities, r.created, r.updated, r.unchanged, r.flagged,
           r.expired, r.no_subject, r.unknown_enterprise, r.below_min_amount,
           r.excluded_subject, r.intra_group);
  }
  store_close(st);
  opp_config_free(cfg);
  return rc ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
