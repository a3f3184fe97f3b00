/*
 * cmd_token.c — `oppgraph token issue|revoke`: API token administration.
 * issue prints the new token on stdout (the only time its secret is shown);
 * revoke takes the token id (the part before the dot).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "server/server.h"
#include "store/store.h"

static void token_usage(FILE *f) {
  fprintf(
      f,
      "usage: oppgraph token issue  --db DIR --rm RM_ID\n"
      "       oppgraph token revoke --db DIR --id TOKEN_ID\n\n"
      "issue   creates an API token for an existing RM and prints it on "
      "stdout;\n"
      "        the store keeps only a salted hash, so keep the printed token.\n"
      "        Clients send it as metadata 'authorization: Bearer <token>'.\n"
      "revoke  disables a token at once; TOKEN_ID is the part before the "
      "dot.\n");
}

int cmd_token(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    token_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  }
  const char *verb = argv[1];
  bool issue = !strcmp(verb, "issue");
  if (!issue && strcmp(verb, "revoke")) {
    fprintf(stderr, "oppgraph token: unknown action '%s' (issue or revoke)\n\n",
            verb);
    token_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *db = NULL, *rm = NULL, *id = NULL;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      token_usage(stdout);
      return CLI_EXIT_OK;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "oppgraph token: unknown option or missing value: '%s'\n",
              a);
      return CLI_EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--db"))
      db = v;
    else if (!strcmp(a, "--rm") && issue)
      rm = v;
    else if (!strcmp(a, "--id") && !issue)
      id = v;
    else {
      fprintf(stderr, "oppgraph token %s: unknown option '%s'\n\n", verb, a);
      token_usage(stderr);
      return CLI_EXIT_USAGE;
    }
  }
  if (!db || (issue ? !rm : !id)) {
    fprintf(stderr, "oppgraph token %s: --db and %s are required\n\n", verb,
            issue ? "--rm" : "--id");
    token_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  store *st = NULL;
  int rc = store_open(db, NULL, &st);
  if (rc) {
    fprintf(stderr, "oppgraph token: cannot open store %s: %s\n", db,
            store_strerror(rc));
    return CLI_EXIT_FAIL;
  }
  if (issue) {
    char tok[SRV_TOKEN_LEN + 1];
    rc = srv_token_issue(st, rm, tok, sizeof tok);
    if (rc == SRV_OK)
      printf("%s\n", tok);
    else if (rc == SRV_ENOTFOUND)
      fprintf(stderr, "oppgraph token issue: no RM with id '%s' in %s\n", rm,
              db);
    else
      fprintf(stderr, "oppgraph token issue: %s (store %s: %s)\n",
              srv_strerror(rc), db, store_last_error());
  } else {
    rc = srv_token_revoke(st, id);
    if (rc == SRV_OK)
      fprintf(stderr, "oppgraph token revoke: %s revoked\n", id);
    else if (rc == SRV_ENOTFOUND)
      fprintf(stderr, "oppgraph token revoke: no token with id '%s' in %s\n",
              id, db);
    else
      fprintf(stderr, "oppgraph token revoke: %s (store %s)\n",
              srv_strerror(rc), db);
  }
  store_close(st);
  return rc ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
