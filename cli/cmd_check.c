/*
 * cmd_check.c — `oppgraph check --db DIR`: runs store_check on a read snapshot
 * and prints the counts as one JSON object on stdout, each problem on stderr.
 *
 * Read-only, so it may run next to a server or an ingest; it sees the last
 * committed state.  The crash-consistency test and operators after a power
 * cut or a restore use it: exit 0 consistent, 1 problems (or unreadable).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"

static void check_usage(FILE *f) {
  fprintf(f,
          "usage: oppgraph check --db DIR\n\n"
          "Verifies that every record of the store decodes, that every index\n"
          "entry points at a record and every record is indexed, and that the\n"
          "id sequences are ahead of the ids in use.  Prints one JSON object:\n"
          "  {\"ok\", \"problems\", \"index_entries\", \"enterprises\", ...}\n"
          "and each problem on stderr.  Exit status 0 consistent, 1 not.\n");
}

static void check_on_problem(void *ctx, const char *problem) {
  const char *db = ctx;
  fprintf(stderr, "oppgraph check: %s: %s\n", db, problem);
}

int cmd_check(int argc, char **argv) {
  const char *db = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      check_usage(stdout);
      return CLI_EXIT_OK;
    }
    if (!strcmp(argv[i], "--db") && i + 1 < argc) {
      db = argv[++i];
      continue;
    }
    fprintf(stderr, "oppgraph check: unknown option or missing value: '%s'\n\n",
            argv[i]);
    check_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (!db) {
    fprintf(stderr, "oppgraph check: --db DIR is required\n\n");
    check_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  store_options opt = {.read_only = true};
  store *st = NULL;
  int rc = store_open(db, &opt, &st);
  if (rc) {
    fprintf(stderr, "oppgraph check: cannot open store %s: %s (%s)\n", db,
            store_strerror(rc), store_last_error());
    return CLI_EXIT_FAIL;
  }
  store_txn *txn = NULL;
  rc = store_begin(st, false, &txn);
  if (rc) {
    fprintf(stderr, "oppgraph check: cannot read store %s: %s (%s)\n", db,
            store_strerror(rc), store_last_error());
    store_close(st);
    return CLI_EXIT_FAIL;
  }
  store_check_report rep;
  rc = store_check(txn, check_on_problem, (void *)db, &rep);
  store_abort(txn);
  store_close(st);
  if (rc && rc != STORE_ECORRUPT) {
    fprintf(stderr, "oppgraph check: reading %s failed: %s (%s)\n", db,
            store_strerror(rc), store_last_error());
    return CLI_EXIT_FAIL;
  }
  const store_stats *s = &rep.stats;
  json_t *j = json_pack(
      "{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ok",
      rc == 0, "problems", (json_int_t)rep.problems, "index_entries",
      (json_int_t)rep.index_entries, "enterprises", (json_int_t)s->enterprises,
      "persons", (json_int_t)s->persons, "documents", (json_int_t)s->documents,
      "events", (json_int_t)s->events, "edges", (json_int_t)s->edges,
      "opportunities", (json_int_t)s->opportunities, "rms", (json_int_t)s->rms,
      "tokens", (json_int_t)s->tokens, "circles", (json_int_t)s->circles);
  char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  if (text)
    printf("%s\n", text);
  free(text);
  json_decref(j);
  return rc ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
