/*
 * cmd_serve.c — `oppgraph serve`: opens the store and runs the gRPC server
 * (server/server.h) until SIGINT or SIGTERM.  The server writes only through
 * RecordFeedback and SubmitDocuments (one writer); with --read-only (a
 * replica) the store is opened read-only and those answer
 * FAILED_PRECONDITION.  ingest and `token issue` may write to the same store
 * while it serves (LMDB: one writer at a time, many readers, across
 * processes).  Settings come from --config FILE first, flags override them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "server/server.h"
#include "store/store.h"

static void serve_usage(FILE *f) {
  fprintf(
      f,
      "usage: oppgraph serve --db DIR [--config FILE] [--listen HOST:PORT]\n"
      "                      [--threads N] [--max-message BYTES] [--data DIR]\n"
      "                      [--read-only] [--rate-limit N] [--rate-burst N]\n"
      "                      [--log-level 0|1] [--require-deadline] "
      "[--no-kb-warm]\n"
      "                      [--tls-cert FILE --tls-key FILE [--tls-client-ca "
      "FILE]]\n\n"
      "Serves the store in DIR over gRPC (oppgraph.v1 OpportunityService,\n"
      "EnterpriseService, IngestService, KnowledgeService; "
      "grpc.health.v1.Health\n"
      "Check and Watch; server reflection v1 and v1alpha) until SIGINT or "
      "SIGTERM.\n\n"
      "  --db DIR             the store (made by 'oppgraph ingest')\n"
      "  --config FILE        'key = value' lines ('#' comments); keys: "
      "listen,\n"
      "                       threads, max_message, data_dir, read_only,\n"
      "                       rate_limit, rate_burst, log_level,\n"
      "                       require_deadline, kb_warm, tls_cert, tls_key,\n"
      "                       tls_client_ca.\n"
      "                       Flags override the file.\n"
      "  --listen HOST:PORT   default 127.0.0.1:50051; port 0 picks a free "
      "port\n"
      "  --threads N          completion-queue threads, >= 2 (default 2)\n"
      "  --max-message BYTES  largest request or reply (default 4194304);\n"
      "                       larger ones fail with RESOURCE_EXHAUSTED\n"
      "  --data DIR           rules, dictionaries, product matrix, kb "
      "synonyms\n"
      "                       (default data)\n"
      "  --read-only          a replica: open the store read-only; feedback "
      "and\n"
      "                       document submission answer FAILED_PRECONDITION\n"
      "  --rate-limit N       calls a second per token (0 = unlimited, the "
      "default);\n"
      "                       over it: RESOURCE_EXHAUSTED\n"
      "  --rate-burst N       calls a token may make at once (default "
      "max(1, N))\n"
      "  --log-level L        0 errors only, 1 a line per call (default)\n"
      "  --require-deadline   refuse calls without a deadline "
      "(INVALID_ARGUMENT)\n"
      "  --no-kb-warm         skip reading the knowledge-base index once at\n"
      "                       start-up (a background thread does it by\n"
      "                       default, so that early searches do not pay the\n"
      "                       first access to each page; it logs 'kb index\n"
      "                       warmed')\n"
      "  --tls-cert FILE      PEM certificate chain; with --tls-key serves "
      "TLS\n"
      "  --tls-key FILE       PEM private key\n"
      "  --tls-client-ca FILE clients must present a certificate signed by "
      "this CA\n\n"
      "Signals: SIGTERM/SIGINT drain calls (streams end with OK) and exit 0;\n"
      "SIGHUP re-reads --config and applies rate_limit, rate_burst and\n"
      "log_level (values given as flags stay).\n\n"
      "Prints 'oppgraph: listening on HOST:PORT' on stderr once bound, then "
      "one\n"
      "line per call.  Callers send 'authorization: Bearer <token>' metadata;\n"
      "tokens come from 'oppgraph token issue'.\n");
}

static int serve_num(const char *flag, const char *s, long min, long max,
                     long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < min || v > max) {
    fprintf(stderr, "oppgraph serve: %s '%s': expected a number in %ld..%ld\n",
            flag, s, min, max);
    return -1;
  }
  *out = v;
  return 0;
}

static int serve_dbl(const char *flag, const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (!*s || *end || v < 0 || v > 1e9) {
    fprintf(stderr, "oppgraph serve: %s '%s': expected a number >= 0\n", flag,
            s);
    return -1;
  }
  *out = v;
  return 0;
}

int cmd_serve(int argc, char **argv) {
  const char *db = NULL;
  srv_config cfg;
  srv_config_init(&cfg);
  int status = CLI_EXIT_USAGE;
  /* The file first, so that flags override it wherever they stand. */
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--config")) {
      char err[600];
      if (srv_config_load(&cfg, argv[i + 1], err, sizeof err)) {
        fprintf(stderr, "oppgraph serve: %s\n", err);
        goto done;
      }
      cfg.config_path = argv[i + 1];
    }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      serve_usage(stdout);
      status = CLI_EXIT_OK;
      goto done;
    }
    if (!strcmp(a, "--read-only")) {
      cfg.read_only = true;
      continue;
    }
    if (!strcmp(a, "--require-deadline")) {
      cfg.require_deadline = true;
      continue;
    }
    if (!strcmp(a, "--no-kb-warm")) {
      cfg.no_kb_warm = true;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr,
              "oppgraph serve: unknown option or missing value: '%s'\n\n", a);
      serve_usage(stderr);
      goto done;
    }
    const char *v = argv[++i];
    long n;
    if (!strcmp(a, "--db"))
      db = v;
    else if (!strcmp(a, "--config"))
      ; /* read above */
    else if (!strcmp(a, "--listen"))
      cfg.listen = v;
    else if (!strcmp(a, "--tls-cert"))
      cfg.tls_cert = v;
    else if (!strcmp(a, "--tls-key"))
      cfg.tls_key = v;
    else if (!strcmp(a, "--tls-client-ca"))
      cfg.tls_client_ca = v;
    else if (!strcmp(a, "--data"))
      cfg.data_dir = v;
    else if (!strcmp(a, "--rate-limit")) {
      if (serve_dbl(a, v, &cfg.rate_limit))
        goto done;
      cfg.from_flags |= SRV_SET_RATE;
    } else if (!strcmp(a, "--rate-burst")) {
      if (serve_dbl(a, v, &cfg.rate_burst))
        goto done;
      cfg.from_flags |= SRV_SET_BURST;
    } else if (!strcmp(a, "--log-level")) {
      if (serve_num(a, v, 0, 2, &n))
        goto done;
      cfg.log_level = (int)n;
      cfg.from_flags |= SRV_SET_LOG;
    } else if (!strcmp(a, "--threads")) {
      if (serve_num(a, v, 2, 256, &n))
        goto done;
      cfg.threads = (int)n;
    } else if (!strcmp(a, "--max-message")) {
      if (serve_num(a, v, 1024, 0x7fffffff, &n))
        goto done;
      cfg.max_message = (size_t)n;
    } else {
      fprintf(stderr, "oppgraph serve: unknown option '%s'\n\n", a);
      serve_usage(stderr);
      goto done;
    }
  }
  if (!db) {
    fprintf(stderr, "oppgraph serve: --db DIR is required\n\n");
    serve_usage(stderr);
    goto done;
  }
  if (!cfg.tls_cert != !cfg.tls_key) {
    fprintf(stderr, "oppgraph serve: --tls-cert and --tls-key go together\n");
    goto done;
  }
  if (cfg.tls_client_ca && !cfg.tls_cert) {
    fprintf(stderr, "oppgraph serve: --tls-client-ca needs --tls-cert and "
                    "--tls-key\n");
    goto done;
  }
  /* Serving never creates a store: a typo in --db must not serve an empty
   * one. */
  char probe[4200];
  snprintf(probe, sizeof probe, "%s/data.mdb", db);
  if (access(probe, F_OK)) {
    fprintf(stderr,
            "oppgraph serve: cannot open store %s: no store there "
            "(make one with 'oppgraph ingest')\n",
            db);
    status = CLI_EXIT_FAIL;
    goto done;
  }
  store_options opt = {.read_only = cfg.read_only};
  store *st = NULL;
  int rc = store_open(db, &opt, &st);
  if (rc) {
    fprintf(stderr, "oppgraph serve: cannot open store %s: %s%s%s\n", db,
            store_strerror(rc), rc == STORE_ELMDB ? ": " : "",
            rc == STORE_ELMDB ? store_last_error() : "");
    status = CLI_EXIT_FAIL;
    goto done;
  }
  rc = srv_run(st, &cfg);
  store_close(st);
  if (rc) {
    fprintf(stderr, "oppgraph serve: %s\n", srv_strerror(rc));
    status = CLI_EXIT_FAIL;
  } else {
    status = CLI_EXIT_OK;
  }
done:
  srv_config_destroy(&cfg);
  return status;
}
