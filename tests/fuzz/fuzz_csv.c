/*
 * fuzz_csv.c — libFuzzer target: the CSV edge-list reader of
 * `oppgraph graph import-edges` (graph_import_csv) on arbitrary bytes, with
 * the encoding detected (UTF-8, else GB18030 through iconv), forced to UTF-8
 * and forced to GB18030, and the first input byte choosing the edge type so
 * the guarantee, shareholding (ratio) and supply paths are all reached.
 *
 * One store lives in a throwaway directory for the whole process; every input
 * runs in its own write transaction that is aborted afterwards, so inputs
 * never see each other's edges or enterprises and the map never grows.
 */
#include <stdint.h>
#include <stdlib.h>

#include "graph/graph.h"
#include "store/store.h"
#include "tests/fuzz/fuzz_common.h"

typedef struct fuzz_csv_env {
  char dir[256], file[300];
  store *st;
} fuzz_csv_env;

static void fuzz_quiet(void *ctx, const char *file, size_t line,
                       const char *msg) {
  (void)ctx;
  (void)file;
  (void)line;
  (void)msg;
}

static fuzz_csv_env *fuzz_env(void) {
  static fuzz_csv_env env;
  static int ready;
  if (ready)
    return &env;
  fuzz_tmpdir(env.dir);
  char db[300];
  snprintf(db, sizeof db, "%s/db", env.dir);
  snprintf(env.file, sizeof env.file, "%s/edges.csv", env.dir);
  store_options opt = {.map_size = 256u << 20};
  if (store_open(db, &opt, &env.st)) {
    fprintf(stderr, "fuzz_csv: store_open %s: %s\n", db, store_last_error());
    abort();
  }
  ready = 1;
  return &env;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const Oppgraph__V1__EdgeType types[] = {
      OPPGRAPH__V1__EDGE_TYPE__GUARANTEE, OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING,
      OPPGRAPH__V1__EDGE_TYPE__SUPPLY, OPPGRAPH__V1__EDGE_TYPE__FUND_FLOW};
  if (size < 1)
    return 0;
  fuzz_csv_env *env = fuzz_env();
  Oppgraph__V1__EdgeType type = types[data[0] % 4];
  fuzz_write_file(env->file, data + 1, size - 1);
  for (int enc = 0; enc <= 2; enc++) {
    store_txn *txn = NULL;
    if (store_begin(env->st, true, &txn))
      abort();
    graph_csv_opts o = {.encoding = enc, .diag = fuzz_quiet};
    graph_import_report rep;
    char err[512];
    (void)graph_import_csv(txn, env->file, type, &o, &rep, err, sizeof err);
    store_abort(txn);
  }
  return 0;
}
