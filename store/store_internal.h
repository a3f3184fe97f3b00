/*
 * store_internal.h — what the store/ source files share and nobody else sees:
 * the environment and transaction structs, the named-database table, and the
 * helpers that every record family uses (error mapping, message put/get,
 * id sequences, typed iteration).  Only files under store/ include lmdb.h.
 */
#ifndef OPPGRAPH_STORE_INTERNAL_H
#define OPPGRAPH_STORE_INTERNAL_H

#include <lmdb.h>
#include <protobuf-c/protobuf-c.h>

#include "store/store.h"

/* The named databases, in the order of the table in store.c. */
enum st_db {
  ST_META,
  ST_ENT,
  ST_ENT_CODE,
  ST_ENT_NAME,
  ST_PERSON,
  ST_PERSON_NAME,
  ST_DOC,
  ST_DOC_HASH,
  ST_EVT,
  ST_EVT_ENT,
  ST_EDGE,
  ST_EDGE_KEY,
  ST_EDGE_OUT,
  ST_EDGE_IN,
  ST_OPP,
  ST_OPP_RM,
  ST_OPP_DEDUP,
  ST_RM,
  ST_TOKEN,
  ST_CIRCLE,
  ST_CIRCLE_ENT,
  ST_KB_ARTICLE, /* store_kb.c */
  ST_KB_POST,
  ST_KB_META,
  ST_DB_COUNT
};

struct store {
  MDB_env *env;
  MDB_dbi dbi[ST_DB_COUNT];
  bool read_only;
  size_t max_key; /* mdb_env_get_maxkeysize: longer keys are refused */
  /* Databases added after schema 1 (the kb_* ones) that a read-only open of
   * an older store did not find: reads of them see nothing. */
  bool absent[ST_DB_COUNT];
};

struct store_txn {
  store *st;
  MDB_txn *txn;
  bool write;
};

/* Records the LMDB failure (op names what was attempted) in the thread's
 * diagnostic buffer and maps rc to a store_err. */
int st_lmdb_err(const char *op, int rc);
/* Records a non-LMDB diagnostic (printf-style) and returns err. */
int st_fail(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline MDB_dbi st_dbi(store_txn *t, enum st_db db) {
  return t->st->dbi[db];
}

/* STORE_EINVAL with a message when txn is NULL or read-only. */
int st_need_write(store_txn *txn, const char *op);

/* Packs msg straight into the map (MDB_RESERVE) under key. */
int st_put_msg(store_txn *txn, enum st_db db, const void *key, size_t klen,
               const ProtobufCMessage *msg);
/* Looks up key and unpacks it with the default allocator. */
int st_get_msg(store_txn *txn, enum st_db db, const void *key, size_t klen,
               const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out);
int st_get_u64(store_txn *txn, enum st_db db, const void *key, size_t klen,
               uint64_t *out);
int st_put_raw(store_txn *txn, enum st_db db, const void *key, size_t klen,
               const void *val, size_t vlen, unsigned flags);
/* Deletes key (and, for DUPSORT, the one value val when non-NULL);
 * a missing entry is not an error. */
int st_del(store_txn *txn, enum st_db db, const void *key, size_t klen,
           const void *val, size_t vlen);

/* Next id of a sequence kept in meta under name ("seq.ent" …). */
int st_seq_next(store_txn *txn, const char *name, uint64_t *out);
/* Makes sure the sequence never hands out id again (explicit ids). */
int st_seq_bump(store_txn *txn, const char *name, uint64_t id);

/* Calls visit for every value of db unpacked as desc, in key order. */
typedef int (*st_visit_fn)(void *ad, const ProtobufCMessage *m);
int st_foreach_msg(store_txn *txn, enum st_db db,
                   const ProtobufCMessageDescriptor *desc, st_visit_fn visit,
                   void *ad);
/* The same over only the values that carry at least one of the nfields
 * field numbers (a proto3 field is stored only when not default); the others
 * are skipped without unpacking. */
int st_foreach_msg_having(store_txn *txn, enum st_db db,
                          const ProtobufCMessageDescriptor *desc,
                          const uint32_t *fields, size_t nfields,
                          st_visit_fn visit, void *ad);

/* Sequence names.  Enterprises and persons share one id space so that the
 * edge_out / edge_in keys, which carry no node kind, never mix the two. */
#define ST_SEQ_NODE "seq.ent"
#define ST_SEQ_DOC "seq.doc"
#define ST_SEQ_EVT "seq.evt"
#define ST_SEQ_EDGE "seq.edge"
#define ST_SEQ_OPP "seq.opp"

#endif
