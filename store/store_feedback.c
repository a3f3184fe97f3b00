/*
 * store_feedback.c — what the server writes besides records: the push log
 * that StreamOpportunities resumes from, and the per-type conversion priors
 * that RM feedback updates; plus a raw read of a stored opportunity, so that
 * the server can send stored bytes without decoding and re-encoding them.
 *
 * Both live in the meta database under binary keys that cannot collide with
 * the textual ones ("seq.*", "schema_version"):
 *
 *   "push.log" 0x00 ‖ u64 seq     -> u64 opp id ‖ u64 version (updated_at)
 *   "push.ver" 0x00 ‖ u64 opp id  -> u64 version last logged for it
 *   "seq.push"                    -> u64 last push sequence (st_seq_next)
 *   "prior." type                 -> u64 accepted ‖ u64 rejected ‖ u64 won
 *   "edge.chg" 0x00 ‖ u64 seq     -> u64 edge id (an edge updated in place
 *                                    with another ratio or amount)
 *   "seq.edgechg"                 -> u64 last edge-change sequence
 *
 * The log is append-only and ordered by sequence, so a reader resuming after
 * sequence s seeks to s + 1 and walks forward; every entry is written in the
 * same transaction as the opportunity change it reports, so a reader sees an
 * entry exactly when it can see the change.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_internal.h"

#define PUSH_LOG "push.log"
#define PUSH_VER "push.ver"
#define PRIOR "prior."
#define SEQ_PUSH "seq.push"
#define EDGE_CHG "edge.chg"
#define SEQ_EDGE_CHG "seq.edgechg"

/* prefix ‖ 0x00 ‖ u64 BE; returns the key length. */
static size_t push_key(uint8_t *key, const char *prefix, uint64_t v) {
  size_t n = strlen(prefix);
  memcpy(key, prefix, n);
  key[n] = 0;
  store_u64_be(key + n + 1, v);
  return n + 9;
}

int store_push_append(store_txn *txn, uint64_t opp_id, int64_t version,
                      uint64_t *seq) {
  int err = st_need_write(txn, "store_push_append");
  if (err)
    return err;
  uint64_t s;
  if ((err = st_seq_next(txn, SEQ_PUSH, &s)))
    return err;
  uint8_t key[32], val[16];
  size_t klen = push_key(key, PUSH_LOG, s);
  store_u64_be(val, opp_id);
  store_u64_be(val + 8, (uint64_t)version);
  if ((err = st_put_raw(txn, ST_META, key, klen, val, 16, 0)))
    return err;
  klen = push_key(key, PUSH_VER, opp_id);
  if ((err = st_put_raw(txn, ST_META, key, klen, val + 8, 8, 0)))
    return err;
  if (seq)
    *seq = s;
  return 0;
}

int store_push_version(store_txn *txn, uint64_t opp_id, int64_t *version) {
  uint8_t key[32];
  size_t klen = push_key(key, PUSH_VER, opp_id);
  uint64_t v;
  int err = st_get_u64(txn, ST_META, key, klen, &v);
  if (!err)
    *version = (int64_t)v;
  return err;
}

int store_push_head(store_txn *txn, uint64_t *seq) {
  int err = st_get_u64(txn, ST_META, SEQ_PUSH, strlen(SEQ_PUSH), seq);
  if (err == STORE_ENOTFOUND) {
    *seq = 0;
    return 0;
  }
  return err;
}

/* The first entry of the log under prefix after sequence `after`: its
 * sequence and its value, which must be vlen bytes (what names the log in
 * messages).  STORE_ENOTFOUND at the end. */
static int log_next(store_txn *txn, const char *prefix, const char *what,
                    uint64_t after, size_t vlen, uint64_t *seq,
                    const uint8_t **val) {
  if (after == UINT64_MAX)
    return STORE_ENOTFOUND;
  uint8_t key[32];
  size_t klen = push_key(key, prefix, after + 1);
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, ST_META), &cur);
  if (rc)
    return st_lmdb_err("open meta cursor", rc);
  MDB_val k = {klen, key}, v;
  rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  int err;
  if (rc == MDB_NOTFOUND ||
      (rc == 0 && (k.mv_size != klen || memcmp(k.mv_data, key, klen - 8))))
    err = STORE_ENOTFOUND;
  else if (rc) {
    char op[64];
    snprintf(op, sizeof op, "seek %s", what);
    err = st_lmdb_err(op, rc);
  }
  else if (v.mv_size != vlen)
    err = st_fail(STORE_ECORRUPT, "%s entry of %zu bytes, not %zu", what,
                  v.mv_size, vlen);
  else {
    *seq = store_be_u64((const uint8_t *)k.mv_data + klen - 8);
    *val = v.mv_data;
    err = 0;
  }
  mdb_cursor_close(cur);
  return err;
}

int store_push_next(store_txn *txn, uint64_t after, uint64_t *seq,
                    uint64_t *opp_id) {
  const uint8_t *v;
  int err = log_next(txn, PUSH_LOG, "push log", after, 16, seq, &v);
  if (!err)
    *opp_id = store_be_u64(v);
  return err;
}

int store_edge_change_append(store_txn *txn, uint64_t edge_id) {
  int err = st_need_write(txn, "store_edge_change_append");
  uint64_t s;
  if (!err)
    err = st_seq_next(txn, SEQ_EDGE_CHG, &s);
  if (err)
    return err;
  uint8_t key[32], val[8];
  size_t klen = push_key(key, EDGE_CHG, s);
  store_u64_be(val, edge_id);
  return st_put_raw(txn, ST_META, key, klen, val, 8, 0);
}

int store_edge_change_next(store_txn *txn, uint64_t after, uint64_t *seq,
                           uint64_t *edge_id) {
  const uint8_t *v;
  int err = log_next(txn, EDGE_CHG, "edge change log", after, 8, seq, &v);
  if (!err)
    *edge_id = store_be_u64(v);
  return err;
}

int store_edge_change_foreach(store_txn *txn, uint64_t after, store_edge_fn fn,
                              void *ctx) {
  for (uint64_t seq = after, id;;) {
    int err = store_edge_change_next(txn, seq, &seq, &id);
    if (err == STORE_ENOTFOUND)
      return 0;
    Oppgraph__V1__Edge *e = NULL;
    if (err || (err = store_edge_get(txn, id, &e)))
      return err == STORE_ENOTFOUND
                 ? st_fail(STORE_ECORRUPT,
                           "edge change log names edge %llu, which is missing",
                           (unsigned long long)id)
                 : err;
    int rc = fn(ctx, e);
    oppgraph__v1__edge__free_unpacked(e, NULL);
    if (rc)
      return rc;
  }
}

int store_edge_change_head(store_txn *txn, uint64_t *seq) {
  int err =
      st_get_u64(txn, ST_META, SEQ_EDGE_CHG, strlen(SEQ_EDGE_CHG), seq);
  if (err == STORE_ENOTFOUND) {
    *seq = 0;
    return 0;
  }
  return err;
}

static size_t prior_key(char *key, size_t cap, const char *type) {
  size_t n = strlen(type), p = strlen(PRIOR);
  if (!n || p + n > cap)
    return 0;
  memcpy(key, PRIOR, p);
  memcpy(key + p, type, n);
  return p + n;
}

int store_prior_get(store_txn *txn, const char *type, store_prior *out) {
  memset(out, 0, sizeof *out);
  char key[400];
  size_t klen = type ? prior_key(key, sizeof key, type) : 0;
  if (!klen)
    return st_fail(STORE_EINVAL, "store_prior_get: type missing or too long");
  MDB_val k = {klen, key}, v;
  int rc = mdb_get(txn->txn, st_dbi(txn, ST_META), &k, &v);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc)
    return st_lmdb_err("get prior", rc);
  if (v.mv_size != 24)
    return st_fail(STORE_ECORRUPT, "prior of '%s' has %zu bytes, not 24", type,
                   v.mv_size);
  const uint8_t *b = v.mv_data;
  out->accepted = store_be_u64(b);
  out->rejected = store_be_u64(b + 8);
  out->won = store_be_u64(b + 16);
  return 0;
}

int store_prior_put(store_txn *txn, const char *type, const store_prior *p) {
  int err = st_need_write(txn, "store_prior_put");
  if (err)
    return err;
  char key[400];
  size_t klen = type ? prior_key(key, sizeof key, type) : 0;
  if (!klen)
    return st_fail(STORE_EINVAL, "store_prior_put: type missing or too long");
  uint8_t val[24];
  store_u64_be(val, p->accepted);
  store_u64_be(val + 8, p->rejected);
  store_u64_be(val + 16, p->won);
  return st_put_raw(txn, ST_META, key, klen, val, sizeof val, 0);
}

int store_opp_get_raw(store_txn *txn, uint64_t id, const void **val,
                      size_t *len) {
  uint8_t key[8];
  store_u64_be(key, id);
  MDB_val k = {8, key}, v;
  int rc = mdb_get(txn->txn, st_dbi(txn, ST_OPP), &k, &v);
  if (rc)
    return st_lmdb_err("get opportunity", rc);
  *val = v.mv_data;
  *len = v.mv_size;
  return 0;
}
