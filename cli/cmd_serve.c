/*
 * cmd_serve.c — `oppgraph serve`: opens the store read-only and runs the gRPC
 * server (server/server.h) until SIGINT or SIGTERM.  Read-only because the
 * server never writes; ingest and `token issue` may write to the same store
 * while it serves (LMDB: one writer, many readers, across processes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/server.h"
#include "store/store.h"

static void serve_usage(FILE *f) {
  fprintf(
      f,
      "usage: oppgraph serve --db DIR [--listen HOST:PORT] [--threads N]\n"
      "                      [--max-message BYTES] [--tls-cert FILE --tls-key "
      "FILE]\n\n"
      "Serves the store in DIR over gRPC (oppgraph.v1 OpportunityService and\n"
      "EnterpriseService, grpc.health.v1.Health) until SIGINT or SIGTERM.\n\n"
      "  --db DIR             the store (made by 'oppgraph ingest')\n"
      "  --listen HOST:PORT   default 127.0.0.1:50051; port 0 picks a free "
      "port\n"
      "  --threads N          completion-queue threads, >= 2 (default 2)\n"
      "  --max-message BYTES  largest request or reply (default 4194304)\n"
      "  --tls-cert FILE      PEM certificate chain; with --tls-key serves "
      "TLS\n"
      "  --tls-key FILE       PEM private key\n\n"
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

int cmd_serve(int argc, char **argv) {
  const char *db = NULL;
  srv_config cfg;
  srv_config_init(&cfg);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      serve_usage(stdout);
      return CLI_EXIT_OK;
    }
    if (i + 1 >= argc) {
      fprintf(stderr,
              "oppgraph serve: unknown option or missing value: '%s'\n\n", a);
      serve_usage(stderr);
      return CLI_EXIT_USAGE;
    }
    const char *v = argv[++i];
    long n;
    if (!strcmp(a, "--db"))
      db = v;
    else if (!strcmp(a, "--listen"))
      cfg.listen = v;
    else if (!strcmp(a, "--tls-cert"))
      cfg.tls_cert = v;
    else if (!strcmp(a, "--tls-key"))
      cfg.tls_key = v;
    else if (!strcmp(a, "--threads")) {
      if (serve_num(a, v, 2, 256, &n))
        return CLI_EXIT_USAGE;
      cfg.threads = (int)n;
    } else if (!strcmp(a, "--max-message")) {
      if (serve_num(a, v, 1024, 0x7fffffff, &n))
        return CLI_EXIT_USAGE;
      cfg.max_message = (size_t)n;
    } else {
      fprintf(stderr, "oppgraph serve: unknown option '%s'\n\n", a);
      serve_usage(stderr);
      return CLI_EXIT_USAGE;
    }
  }
  if (!db) {
    fprintf(stderr, "oppgraph serve: --db DIR is required\n\n");
    serve_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (!cfg.tls_cert != !cfg.tls_key) {
    fprintf(stderr, "oppgraph serve: --tls-cert and --tls-key go together\n");
    return CLI_EXIT_USAGE;
  }
  store_options opt = {.read_only = true};
  store *st = NULL;
  int rc = store_open(db, &opt, &st);
  if (rc) {
    fprintf(stderr, "oppgraph serve: cannot open store %s: %s%s%s\n", db,
            store_strerror(rc), rc == STORE_ELMDB ? ": " : "",
            rc == STORE_ELMDB ? store_last_error() : "");
    return CLI_EXIT_FAIL;
  }
  rc = srv_run(st, &cfg);
  store_close(st);
  if (rc) {
    fprintf(stderr, "oppgraph serve: %s\n", srv_strerror(rc));
    return CLI_EXIT_FAIL;
  }
  return CLI_EXIT_OK;
}
