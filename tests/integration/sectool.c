/*
 * sectool.c — a helper of tests/integration/test_security.py, built as
 * BUILD/itest/sectool.  It marks an enterprise of a seeded store (storetool
 * seed) as a bank client owned by an RM, with the bank-internal flag
 * credit_declined set, so the test can check that other RMs do not read
 * those fields through GetEnterprise:
 *
 *   sectool client DIR CREDIT_CODE RM_ID
 */
#include <stdio.h>
#include <string.h>

#include "store/store.h"

static int sectool_fail(const char *what, int rc) {
  fprintf(stderr, "sectool: %s: %s (%s)\n", what, store_strerror(rc),
          store_last_error());
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 5 || strcmp(argv[1], "client")) {
    fprintf(stderr, "usage: sectool client DIR CREDIT_CODE RM_ID\n");
    return 2;
  }
  store *st;
  store_txn *txn;
  int rc = store_open(argv[2], NULL, &st);
  if (rc)
    return sectool_fail(argv[2], rc);
  if ((rc = store_begin(st, true, &txn)))
    return sectool_fail("begin", rc);
  uint64_t id;
  Oppgraph__V1__Enterprise *e = NULL;
  if ((rc = store_ent_by_code(txn, argv[3], &id)) ||
      (rc = store_ent_get(txn, id, &e)))
    return sectool_fail(argv[3], rc);
  char *old = e->rm_id;
  e->is_client = true;
  e->rm_id = argv[4];
  e->credit_declined = true;
  if ((rc = store_ent_put(txn, e)))
    return sectool_fail("ent put", rc);
  e->rm_id = old; /* argv is not ours to free */
  oppgraph__v1__enterprise__free_unpacked(e, NULL);
  if ((rc = store_commit(txn)))
    return sectool_fail("commit", rc);
  store_close(st);
  printf("%llu\n", (unsigned long long)id);
  return 0;
}
