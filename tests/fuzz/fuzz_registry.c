/*
 * fuzz_registry.c — libFuzzer target: the registry readers on arbitrary bytes:
 * XSD validation (ingest_registry_validate), our registry XML
 * (ingest_registry_store), GLEIF LEI-CDF and RR-CDF (ingest_gleif_store,
 * streamed from a file) and the GB18030 conversion registry files go through.
 *
 * The readers write into a store, so one store lives in a throwaway directory
 * for the whole process; every input runs in its own write transaction that
 * is aborted afterwards, so inputs never see each other's records and the map
 * never grows.  (There is no CSV registry reader yet: INGEST_FMT_CSV is
 * reserved in ingest.h; add it here when it lands.  The CSV edge lists of
 * `graph import-edges`, GB18030 included, are fuzz_csv's.)
 */
#include <stdint.h>
#include <stdlib.h>

#include "ingest/ingest.h"
#include "ingest/ingest_internal.h"
#include "store/store.h"
#include "tests/fuzz/fuzz_common.h"

typedef struct fuzz_registry_env {
  char dir[256], file[300];
  store *st;
  ingest_schema *schema;
  ingest_config cfg;
} fuzz_registry_env;

static void fuzz_quiet(void *ctx, const char *path, const char *msg) {
  (void)ctx;
  (void)path;
  (void)msg;
}

/* Built on first use and kept for the process (libFuzzer calls the target
 * millions of times; reopening LMDB each time would dominate). */
static fuzz_registry_env *fuzz_env(void) {
  static fuzz_registry_env env;
  static int ready;
  if (ready)
    return &env;
  fuzz_tmpdir(env.dir);
  char db[300], xsd[4096], err[512];
  snprintf(db, sizeof db, "%s/db", env.dir);
  snprintf(env.file, sizeof env.file, "%s/input.xml", env.dir);
  store_options opt = {.map_size = 256u << 20};
  if (store_open(db, &opt, &env.st)) {
    fprintf(stderr, "fuzz_registry: store_open %s: %s\n", db,
            store_last_error());
    abort();
  }
  if (ingest_schema_load(fuzz_data_path(xsd, sizeof xsd, "schema/registry.xsd"),
                         &env.schema, err, sizeof err)) {
    fprintf(stderr, "fuzz_registry: %s (run from the repository root)\n", err);
    abort();
  }
  env.cfg.diag = fuzz_quiet;
  ready = 1;
  return &env;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_registry_env *env = fuzz_env();
  const char *buf = (const char *)data;
  char err[512];
  (void)ingest_registry_validate(env->schema, buf, size, "fuzz.xml", err,
                                 sizeof err);
  char *utf8 = NULL;
  size_t ulen = 0;
  if (ingest_to_utf8(buf, size, "gb18030", &utf8, &ulen, err, sizeof err) == 0)
    (void)ingest_registry_validate(env->schema, utf8, ulen, "fuzz-gb.xml", err,
                                   sizeof err);
  free(utf8);

  store_txn *txn = NULL;
  if (store_begin(env->st, true, &txn))
    abort();
  ingest_file_ctx fc = {.cfg = &env->cfg, .path = "fuzz.xml"};
  (void)ingest_registry_store(txn, env->schema, buf, size, &fc, err,
                              sizeof err);
  fuzz_write_file(env->file, data, size);
  ingest_format fmts[] = {INGEST_FMT_GLEIF_LEI, INGEST_FMT_GLEIF_RR};
  for (size_t i = 0; i < 2; i++) {
    ingest_file_ctx gc = {.cfg = &env->cfg, .path = env->file};
    (void)ingest_gleif_store(txn, env->file, fmts[i], &gc, err, sizeof err);
  }
  store_abort(txn);
  return 0;
}
