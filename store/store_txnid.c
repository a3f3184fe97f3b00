/*
 * store_txnid.c — store_txn_id: which commit a transaction sees.  LMDB
 * numbers commits of every process that shares the environment, so this is
 * how a reader notices writes it did not make itself (see store.h).
 */
#include "store/store_internal.h"

uint64_t store_txn_id(const store_txn *txn) {
  return txn ? (uint64_t)mdb_txn_id(txn->txn) : 0;
}
