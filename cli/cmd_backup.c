/*
 * cmd_backup.c — `oppgraph backup --db DIR --out DIR2`: a hot, compacted copy
 * of a store.
 *
 * The store is opened read-only, so the backup can run next to a serving
 * `oppgraph serve` and even next to an `oppgraph ingest`: store_backup copies
 * one read snapshot (LMDB's compacting copy walks the B-trees of a single read
 * transaction), so the copy holds exactly the transactions committed before it
 * began.  The copy is then opened and its counts printed, so that an operator
 * sees at once that what was written is a readable store.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"

static void backup_usage(FILE *f) {
  fprintf(
      f,
      "usage: oppgraph backup --db DIR --out DIR2\n\n"
      "Copies a consistent, compacted snapshot of the store at DIR into the\n"
      "directory DIR2 (created when absent; it must be empty).  Safe while\n"
      "a server reads DIR or an ingest writes it: the copy holds every\n"
      "transaction committed before the backup began.  To restore, point\n"
      "--db at DIR2 (or move its data.mdb into place).\n");
}

static void backup_print_stats(const char *out, const store_stats *s) {
  json_t *j = json_pack(
      "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "backup", out,
      "enterprises", (json_int_t)s->enterprises, "persons",
      (json_int_t)s->persons, "documents", (json_int_t)s->documents, "events",
      (json_int_t)s->events, "edges", (json_int_t)s->edges, "opportunities",
      (json_int_t)s->opportunities, "rms", (json_int_t)s->rms, "tokens",
      (json_int_t)s->tokens, "circles", (json_int_t)s->circles);
  char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  if (text)
    printf("%s\n", text);
  free(text);
  json_decref(j);
}

/* Opens the fresh copy read-only and reads its counters: proves that it is a
 * store of our schema, not merely a file. */
static int backup_verify(const char *out, store_stats *stats) {
  store_options opt = {.read_only = true};
  store *st = NULL;
  int rc = store_open(out, &opt, &st);
  if (rc) {
    fprintf(stderr, "oppgraph backup: the copy in %s does not open: %s (%s)\n",
            out, store_strerror(rc), store_last_error());
    return rc;
  }
  store_txn *txn = NULL;
  rc = store_begin(st, false, &txn);
  if (!rc)
    rc = store_stats_get(txn, stats);
  if (rc)
    fprintf(stderr, "oppgraph backup: cannot read the copy in %s: %s (%s)\n",
            out, store_strerror(rc), store_last_error());
  store_abort(txn);
  store_close(st);
  return rc;
}

int cmd_backup(int argc, char **argv) {
  const char *db = NULL, *out = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      backup_usage(stdout);
      return CLI_EXIT_OK;
    }
    if ((!strcmp(a, "--db") || !strcmp(a, "--out")) && i + 1 < argc) {
      if (!strcmp(a, "--db"))
        db = argv[++i];
      else
        out = argv[++i];
      continue;
    }
    fprintf(stderr,
            "oppgraph backup: unknown option or missing value: '%s'\n\n", a);
    backup_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (!db || !out) {
    fprintf(stderr,
            "oppgraph backup: --db DIR and --out DIR2 are required\n\n");
    backup_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (!strcmp(db, out)) {
    fprintf(stderr, "oppgraph backup: --out %s is the store itself\n", out);
    return CLI_EXIT_USAGE;
  }

  store_options opt = {.read_only = true};
  store *st = NULL;
  int rc = store_open(db, &opt, &st);
  if (rc) {
    fprintf(stderr, "oppgraph backup: cannot open store %s: %s (%s)\n", db,
            store_strerror(rc), store_last_error());
    return CLI_EXIT_FAIL;
  }
  rc = store_backup(st, out);
  store_close(st);
  if (rc) {
    fprintf(stderr, "oppgraph backup: %s -> %s: %s (%s)\n", db, out,
            store_strerror(rc), store_last_error());
    return CLI_EXIT_FAIL;
  }
  store_stats stats;
  if (backup_verify(out, &stats))
    return CLI_EXIT_FAIL;
  backup_print_stats(out, &stats);
  return CLI_EXIT_OK;
}
