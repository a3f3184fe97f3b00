/*
 * store_links.c — edges (with their natural-key upsert and out/in adjacency
 * indexes), opportunities (per-RM ranked index and paging, dedup index),
 * relationship managers, API tokens and guarantee circles.
 *
 * Edges are idempotent by natural key (type, src_kind, src, dst_kind, dst):
 * re-ingesting the same relation updates one record and merges provenance.
 * Opportunities are listed per RM through opp_rm, whose keys sort best score
 * first; a page boundary is the 16-byte (inverted score ‖ id) key suffix, so
 * paging stays stable while other opportunities are added or re-scored.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

typedef Oppgraph__V1__Edge Edge;
typedef Oppgraph__V1__Opportunity Opp;

#define EDGE_NKEY                                                              \
  19 /* u8 type ‖ u8 src_kind ‖ u64 src ‖ u8 dst_kind ‖ u64 dst */
#define EDGE_AKEY 17 /* u64 node ‖ u8 type ‖ u64 edge id */

static void edge_nkey(uint8_t k[EDGE_NKEY], const Edge *e) {
  k[0] = (uint8_t)e->type;
  k[1] = (uint8_t)e->src_kind;
  store_u64_be(k + 2, e->src);
  k[10] = (uint8_t)e->dst_kind;
  store_u64_be(k + 11, e->dst);
}

static void edge_akey(uint8_t k[EDGE_AKEY], uint64_t node, int type,
                      uint64_t id) {
  store_u64_be(k, node);
  k[8] = (uint8_t)type;
  store_u64_be(k + 9, id);
}

/* Adds or removes the edge_key, edge_out and edge_in entries of e. */
static int edge_index(store_txn *txn, const Edge *e, bool add) {
  uint8_t nk[EDGE_NKEY], ok[EDGE_AKEY], ik[EDGE_AKEY], id[8];
  edge_nkey(nk, e);
  edge_akey(ok, e->src, e->type, e->id);
  edge_akey(ik, e->dst, e->type, e->id);
  store_u64_be(id, e->id);
  int err;
  if (add) {
    err = st_put_raw(txn, ST_EDGE_KEY, nk, EDGE_NKEY, id, 8, 0);
    if (!err)
      err = st_put_raw(txn, ST_EDGE_OUT, ok, EDGE_AKEY, "", 0, 0);
    if (!err)
      err = st_put_raw(txn, ST_EDGE_IN, ik, EDGE_AKEY, "", 0, 0);
  } else {
    err = st_del(txn, ST_EDGE_KEY, nk, EDGE_NKEY, NULL, 0);
    if (!err)
      err = st_del(txn, ST_EDGE_OUT, ok, EDGE_AKEY, NULL, 0);
    if (!err)
      err = st_del(txn, ST_EDGE_IN, ik, EDGE_AKEY, NULL, 0);
  }
  return err;
}

static bool has_text(const char *s) {
  return s && *s;
}

/* Writes old updated by e: attributes of e replace old's when set (non-zero,
 * non-empty), source_docs is the union, old first.  A new ratio or amount
 * goes into the edge change log. */
static int edge_merge_put(store_txn *txn, const Edge *old, Edge *e) {
  Edge m = *e;
  m.id = old->id;
  if (m.ratio == 0)
    m.ratio = old->ratio;
  if (m.amount == 0)
    m.amount = old->amount;
  if (!has_text(m.start))
    m.start = old->start;
  if (!has_text(m.end))
    m.end = old->end;
  if (!has_text(m.role))
    m.role = old->role;
  uint64_t *docs =
      malloc((old->n_source_docs + e->n_source_docs + 1) * sizeof *docs);
  if (!docs)
    return st_fail(STORE_ENOMEM, "store_edge_put: out of memory");
  size_t n = 0;
  for (size_t i = 0; i < old->n_source_docs; i++)
    docs[n++] = old->source_docs[i];
  for (size_t i = 0; i < e->n_source_docs; i++) {
    bool seen = false;
    for (size_t j = 0; j < n && !seen; j++)
      seen = docs[j] == e->source_docs[i];
    if (!seen)
      docs[n++] = e->source_docs[i];
  }
  m.source_docs = docs;
  m.n_source_docs = n;
  uint8_t key[8];
  store_u64_be(key, m.id);
  int err = st_put_msg(txn, ST_EDGE, key, 8, &m.base);
  free(docs);
  /* what stored analyses are made from changed: log it for them */
  if (!err && (m.ratio != old->ratio || m.amount != old->amount))
    err = store_edge_change_append(txn, m.id);
  if (!err)
    e->id = m.id;
  return err;
}

int store_edge_put(store_txn *txn, Oppgraph__V1__Edge *e) {
  int err = st_need_write(txn, "store_edge_put");
  if (err)
    return err;
  /* The keys hold type and kinds in one byte each. */
  if ((unsigned)e->type > 0xff || (unsigned)e->src_kind > 0xff ||
      (unsigned)e->dst_kind > 0xff || e->type == 0)
    return st_fail(STORE_EINVAL,
                   "edge %llu -> %llu: type %d / kinds %d,%d out of range",
                   (unsigned long long)e->src, (unsigned long long)e->dst,
                   (int)e->type, (int)e->src_kind, (int)e->dst_kind);
  uint8_t nk[EDGE_NKEY];
  edge_nkey(nk, e);
  uint64_t existing;
  err = st_get_u64(txn, ST_EDGE_KEY, nk, EDGE_NKEY, &existing);
  if (err == 0) {
    Edge *old;
    err = store_edge_get(txn, existing, &old);
    if (err == STORE_ENOTFOUND)
      return st_fail(STORE_ECORRUPT, "edge_key points to missing edge %llu",
                     (unsigned long long)existing);
    if (err)
      return err;
    err = edge_merge_put(txn, old, e);
    oppgraph__v1__edge__free_unpacked(old, NULL);
    return err;
  }
  if (err != STORE_ENOTFOUND)
    return err;
  if (e->id == 0) {
    err = st_seq_next(txn, ST_SEQ_EDGE, &e->id);
  } else {
    /* An explicit id whose record had other endpoints: move its indexes. */
    err = st_seq_bump(txn, ST_SEQ_EDGE, e->id);
    Edge *old = NULL;
    if (!err)
      err = store_edge_get(txn, e->id, &old);
    if (err == STORE_ENOTFOUND) {
      err = 0;
    } else if (!err) {
      err = edge_index(txn, old, false);
      oppgraph__v1__edge__free_unpacked(old, NULL);
    }
  }
  if (err)
    return err;
  uint8_t key[8];
  store_u64_be(key, e->id);
  err = st_put_msg(txn, ST_EDGE, key, 8, &e->base);
  if (!err)
    err = edge_index(txn, e, true);
  return err;
}

int store_edge_get(store_txn *txn, uint64_t id, Oppgraph__V1__Edge **out) {
  uint8_t key[8];
  store_u64_be(key, id);
  return st_get_msg(txn, ST_EDGE, key, 8, &oppgraph__v1__edge__descriptor,
                    (ProtobufCMessage **)out);
}

struct edge_ad {
  store_edge_fn fn;
  void *ctx;
  int type;
};
static int edge_visit(void *a, const ProtobufCMessage *m) {
  struct edge_ad *ad = a;
  const Edge *e = (const Edge *)m;
  if (ad->type != 0 && (int)e->type != ad->type)
    return 0;
  return ad->fn(ad->ctx, e);
}

int store_edge_foreach(store_txn *txn, Oppgraph__V1__EdgeType type,
                       store_edge_fn fn, void *ctx) {
  struct edge_ad ad = {fn, ctx, (int)type};
  return st_foreach_msg(txn, ST_EDGE, &oppgraph__v1__edge__descriptor,
                        edge_visit, &ad);
}

/* Walks edge_out or edge_in for node (and type unless 0) and hands every
 * edge record to fn. */
static int edge_adj(store_txn *txn, enum st_db db, uint64_t node, int type,
                    store_edge_fn fn, void *ctx) {
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, db), &cur);
  if (rc)
    return st_lmdb_err("open edge adjacency cursor", rc);
  uint8_t prefix[9];
  store_u64_be(prefix, node);
  prefix[8] = (uint8_t)type;
  size_t plen = type ? 9 : 8;
  MDB_val k = {plen, prefix}, v;
  int ret = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size != EDGE_AKEY || memcmp(k.mv_data, prefix, plen) != 0)
      break;
    uint64_t id = store_be_u64((const uint8_t *)k.mv_data + 9);
    Edge *e;
    ret = store_edge_get(txn, id, &e);
    if (ret == STORE_ENOTFOUND)
      ret =
          st_fail(STORE_ECORRUPT, "edge adjacency points to missing edge %llu",
                  (unsigned long long)id);
    if (ret)
      break;
    ret = fn(ctx, e);
    oppgraph__v1__edge__free_unpacked(e, NULL);
    if (ret)
      break;
  }
  if (!ret && rc != 0 && rc != MDB_NOTFOUND)
    ret = st_lmdb_err("walk edge adjacency", rc);
  mdb_cursor_close(cur);
  return ret;
}

int store_edge_out(store_txn *txn, uint64_t src, Oppgraph__V1__EdgeType type,
                   store_edge_fn fn, void *ctx) {
  return edge_adj(txn, ST_EDGE_OUT, src, (int)type, fn, ctx);
}

int store_edge_in(store_txn *txn, uint64_t dst, Oppgraph__V1__EdgeType type,
                  store_edge_fn fn, void *ctx) {
  return edge_adj(txn, ST_EDGE_IN, dst, (int)type, fn, ctx);
}

/* ---- opportunities ------------------------------------------------------ */

/* opp_rm key of o into a fresh buffer: rm id ‖ 0x00 ‖ score key ‖ id. */
static int opp_rm_key(const Opp *o, uint8_t **out, size_t *len) {
  const char *rm = o->rm_id ? o->rm_id : "";
  size_t rl = strlen(rm);
  uint8_t *k = malloc(rl + 1 + STORE_PAGE_KEY_LEN);
  if (!k)
    return st_fail(STORE_ENOMEM, "opp_rm key: out of memory");
  memcpy(k, rm, rl);
  k[rl] = 0;
  store_u64_be(k + rl + 1, store_score_key(o->score));
  store_u64_be(k + rl + 9, o->id);
  *out = k;
  *len = rl + 1 + STORE_PAGE_KEY_LEN;
  return 0;
}

static int opp_index(store_txn *txn, const Opp *o, bool add) {
  uint8_t *k = NULL;
  size_t klen = 0;
  int err = opp_rm_key(o, &k, &klen);
  if (err)
    return err;
  err = add ? st_put_raw(txn, ST_OPP_RM, k, klen, "", 0, 0)
            : st_del(txn, ST_OPP_RM, k, klen, NULL, 0);
  free(k);
  if (!err && has_text(o->dedup_key)) {
    uint8_t id[8];
    store_u64_be(id, o->id);
    err = add ? st_put_raw(txn, ST_OPP_DEDUP, o->dedup_key,
                           strlen(o->dedup_key), id, 8, 0)
              : st_del(txn, ST_OPP_DEDUP, o->dedup_key, strlen(o->dedup_key),
                       NULL, 0);
  }
  return err;
}

/* A change of an opportunity goes into the push log in the same transaction
 * as the record, whichever process writes it: streams then find every change
 * by walking the log, never by reading every opportunity. */
int store_push_opp(store_txn *txn, const Oppgraph__V1__Opportunity *o,
                   bool *appended) {
  int64_t ver = o->updated_at ? o->updated_at : o->created_at, logged;
  int err = store_push_version(txn, o->id, &logged);
  bool add = err == STORE_ENOTFOUND || (!err && logged < ver);
  if (add)
    err = store_push_append(txn, o->id, ver, NULL);
  if (appended)
    *appended = add && !err;
  return err;
}

int store_opp_put(store_txn *txn, Oppgraph__V1__Opportunity *o) {
  int err = st_need_write(txn, "store_opp_put");
  if (err)
    return err;
  /* The dedup key is unique: two records with one key would mean the
   * dedup step was bypassed, so that is the caller's error to see. */
  if (has_text(o->dedup_key)) {
    uint64_t owner;
    err = store_opp_by_dedup(txn, o->dedup_key, &owner);
    if (err == 0 && owner != o->id)
      return st_fail(STORE_EINVAL,
                     "opportunity dedup key \"%s\" already belongs to "
                     "opportunity %llu",
                     o->dedup_key, (unsigned long long)owner);
    if (err && err != STORE_ENOTFOUND)
      return err;
  }
  if (o->id == 0) {
    err = st_seq_next(txn, ST_SEQ_OPP, &o->id);
  } else {
    err = st_seq_bump(txn, ST_SEQ_OPP, o->id);
    Opp *old = NULL;
    if (!err)
      err = store_opp_get(txn, o->id, &old);
    if (err == STORE_ENOTFOUND) {
      err = 0;
    } else if (!err) {
      err = opp_index(txn, old, false);
      oppgraph__v1__opportunity__free_unpacked(old, NULL);
    }
  }
  if (err)
    return err;
  uint8_t key[8];
  store_u64_be(key, o->id);
  err = st_put_msg(txn, ST_OPP, key, 8, &o->base);
  if (!err)
    err = opp_index(txn, o, true);
  if (!err)
    err = store_push_opp(txn, o, NULL);
  return err;
}

int store_opp_get(store_txn *txn, uint64_t id,
                  Oppgraph__V1__Opportunity **out) {
  uint8_t key[8];
  store_u64_be(key, id);
  return st_get_msg(txn, ST_OPP, key, 8, &oppgraph__v1__opportunity__descriptor,
                    (ProtobufCMessage **)out);
}

/* Removes the record with its opp_rm and opp_dedup entries, so store_check
 * stays consistent; the push log keeps its entries (readers treat a missing
 * opportunity as gone). */
int store_opp_del(store_txn *txn, uint64_t id) {
  int err = st_need_write(txn, "store_opp_del");
  if (err)
    return err;
  Opp *old = NULL;
  if ((err = store_opp_get(txn, id, &old)))
    return err;
  err = opp_index(txn, old, false);
  oppgraph__v1__opportunity__free_unpacked(old, NULL);
  uint8_t key[8];
  store_u64_be(key, id);
  if (!err)
    err = st_del(txn, ST_OPP, key, 8, NULL, 0);
  return err;
}

int store_opp_by_dedup(store_txn *txn, const char *key, uint64_t *id) {
  if (!key)
    return STORE_ENOTFOUND;
  return st_get_u64(txn, ST_OPP_DEDUP, key, strlen(key), id);
}

struct opp_ad {
  store_opp_fn fn;
  void *ctx;
};
static int opp_visit(void *a, const ProtobufCMessage *m) {
  struct opp_ad *ad = a;
  return ad->fn(ad->ctx, (const Opp *)m);
}

int store_opp_foreach(store_txn *txn, store_opp_fn fn, void *ctx) {
  struct opp_ad ad = {fn, ctx};
  return st_foreach_msg(txn, ST_OPP, &oppgraph__v1__opportunity__descriptor,
                        opp_visit, &ad);
}

int store_opp_page(store_txn *txn, const char *rm_id,
                   const uint8_t after[STORE_PAGE_KEY_LEN], size_t limit,
                   uint64_t *ids, size_t *n, bool *more,
                   uint8_t next_key[STORE_PAGE_KEY_LEN], size_t *total) {
  *n = 0;
  *more = false;
  if (total)
    *total = 0;
  if (limit == 0)
    return st_fail(STORE_EINVAL, "store_opp_page: page limit is 0");
  const char *rm = rm_id ? rm_id : "";
  size_t rl = strlen(rm), plen = rl + 1;
  if (plen + STORE_PAGE_KEY_LEN > txn->st->max_key)
    return 0; /* never stored */
  uint8_t *start = malloc(plen + STORE_PAGE_KEY_LEN);
  if (!start)
    return st_fail(STORE_ENOMEM, "store_opp_page: out of memory");
  memcpy(start, rm, rl);
  start[rl] = 0;
  if (after)
    memcpy(start + plen, after, STORE_PAGE_KEY_LEN);

  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, ST_OPP_RM), &cur);
  if (rc) {
    free(start);
    return st_lmdb_err("open opp_rm cursor", rc);
  }
  int ret = 0;
  MDB_val k = {after ? plen + STORE_PAGE_KEY_LEN : plen, start}, v;
  rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  /* The page starts strictly after the previous page's last key. */
  if (rc == 0 && after && k.mv_size == plen + STORE_PAGE_KEY_LEN &&
      memcmp(k.mv_data, start, k.mv_size) == 0)
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size != plen + STORE_PAGE_KEY_LEN ||
        memcmp(k.mv_data, start, plen) != 0)
      break;
    if (*n == limit) {
      *more = true;
      break;
    }
    const uint8_t *suffix = (const uint8_t *)k.mv_data + plen;
    ids[(*n)++] = store_be_u64(suffix + 8);
    memcpy(next_key, suffix, STORE_PAGE_KEY_LEN);
  }
  if (rc != 0 && rc != MDB_NOTFOUND)
    ret = st_lmdb_err("walk opp_rm", rc);

  if (!ret && total) {
    /* Counting by walk is linear in the RM's list; lists are hundreds. */
    k.mv_size = plen;
    k.mv_data = start;
    size_t cnt = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
      if (k.mv_size != plen + STORE_PAGE_KEY_LEN ||
          memcmp(k.mv_data, start, plen) != 0)
        break;
      cnt++;
    }
    if (rc != 0 && rc != MDB_NOTFOUND)
      ret = st_lmdb_err("count opp_rm", rc);
    else
      *total = cnt;
  }
  mdb_cursor_close(cur);
  free(start);
  return ret;
}

/* ---- relationship managers and tokens ----------------------------------- */

int store_rm_put(store_txn *txn, const Oppgraph__V1__Rm *rm) {
  int err = st_need_write(txn, "store_rm_put");
  if (err)
    return err;
  if (!has_text(rm->id))
    return st_fail(STORE_EINVAL, "store_rm_put: empty RM id");
  return st_put_msg(txn, ST_RM, rm->id, strlen(rm->id), &rm->base);
}

int store_rm_get(store_txn *txn, const char *id, Oppgraph__V1__Rm **out) {
  *out = NULL;
  if (!has_text(id))
    return STORE_ENOTFOUND;
  return st_get_msg(txn, ST_RM, id, strlen(id), &oppgraph__v1__rm__descriptor,
                    (ProtobufCMessage **)out);
}

struct rm_ad {
  store_rm_fn fn;
  void *ctx;
};
static int rm_visit(void *a, const ProtobufCMessage *m) {
  struct rm_ad *ad = a;
  return ad->fn(ad->ctx, (const Oppgraph__V1__Rm *)m);
}

int store_rm_foreach(store_txn *txn, store_rm_fn fn, void *ctx) {
  struct rm_ad ad = {fn, ctx};
  return st_foreach_msg(txn, ST_RM, &oppgraph__v1__rm__descriptor, rm_visit,
                        &ad);
}

int store_token_put(store_txn *txn, const Oppgraph__V1__TokenRecord *t) {
  int err = st_need_write(txn, "store_token_put");
  if (err)
    return err;
  if (!has_text(t->token_id))
    return st_fail(STORE_EINVAL, "store_token_put: empty token id");
  return st_put_msg(txn, ST_TOKEN, t->token_id, strlen(t->token_id), &t->base);
}

int store_token_get(store_txn *txn, const char *token_id,
                    Oppgraph__V1__TokenRecord **out) {
  *out = NULL;
  if (!has_text(token_id))
    return STORE_ENOTFOUND;
  return st_get_msg(txn, ST_TOKEN, token_id, strlen(token_id),
                    &oppgraph__v1__token_record__descriptor,
                    (ProtobufCMessage **)out);
}

/* ---- guarantee circles -------------------------------------------------- */

int store_circles_replace(store_txn *txn, Oppgraph__V1__GuaranteeCircle **c,
                          size_t n) {
  int err = st_need_write(txn, "store_circles_replace");
  if (err)
    return err;
  int rc = mdb_drop(txn->txn, st_dbi(txn, ST_CIRCLE), 0);
  if (!rc)
    rc = mdb_drop(txn->txn, st_dbi(txn, ST_CIRCLE_ENT), 0);
  if (rc)
    return st_lmdb_err("clear circles", rc);
  for (size_t i = 0; i < n; i++) {
    c[i]->id = i + 1;
    uint8_t key[8];
    store_u64_be(key, c[i]->id);
    err = st_put_msg(txn, ST_CIRCLE, key, 8, &c[i]->base);
    for (size_t j = 0; !err && j < c[i]->n_members; j++) {
      uint8_t mk[8];
      store_u64_be(mk, c[i]->members[j]);
      err = st_put_raw(txn, ST_CIRCLE_ENT, mk, 8, key, 8, 0);
    }
    if (err)
      return err;
  }
  return 0;
}

int store_circle_get(store_txn *txn, uint64_t id,
                     Oppgraph__V1__GuaranteeCircle **out) {
  uint8_t key[8];
  store_u64_be(key, id);
  return st_get_msg(txn, ST_CIRCLE, key, 8,
                    &oppgraph__v1__guarantee_circle__descriptor,
                    (ProtobufCMessage **)out);
}

int store_circle_of(store_txn *txn, uint64_t ent_id, uint64_t *circle_id) {
  uint8_t key[8];
  store_u64_be(key, ent_id);
  return st_get_u64(txn, ST_CIRCLE_ENT, key, 8, circle_id);
}

struct circle_ad {
  store_circle_fn fn;
  void *ctx;
};
static int circle_visit(void *a, const ProtobufCMessage *m) {
  struct circle_ad *ad = a;
  return ad->fn(ad->ctx, (const Oppgraph__V1__GuaranteeCircle *)m);
}

int store_circle_foreach(store_txn *txn, store_circle_fn fn, void *ctx) {
  struct circle_ad ad = {fn, ctx};
  return st_foreach_msg(txn, ST_CIRCLE,
                        &oppgraph__v1__guarantee_circle__descriptor,
                        circle_visit, &ad);
}
