/*
 * store_kb.c — the knowledge-base databases: articles (kb_article), the
 * positional inverted index (kb_post) and its counters (kb_meta).  Key
 * layouts are documented in store.h.
 *
 * The store knows nothing of tokenisation or ranking: kb/ decides what a term
 * is and what a posting value holds.  Postings of one term share the key
 * prefix "term ‖ 0x00", so a cursor positioned with MDB_SET_RANGE walks them
 * in article-id order; that is what makes AND intersections a merge.
 *
 * The kb_* databases may be absent in a store opened read-only that was
 * written before they existed (st->absent); reads then see an empty KB.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

typedef Oppgraph__V1__KbArticle Art;

struct store_kb_cursor {
  MDB_cursor *cur;
  uint8_t prefix[STORE_KB_TERM_MAX + 1]; /* term ‖ 0x00 */
  size_t plen;
  bool started, done;
};

static bool kb_absent(store_txn *txn) {
  return txn->st->absent[ST_KB_ARTICLE] || txn->st->absent[ST_KB_POST] ||
         txn->st->absent[ST_KB_META];
}

int store_kb_put(store_txn *txn, const Art *a) {
  int err = st_need_write(txn, "store_kb_put");
  if (err)
    return err;
  if (!a || a->id == 0)
    return st_fail(STORE_EINVAL, "store_kb_put: article id must be non-zero");
  uint8_t k[8];
  store_u64_be(k, a->id);
  return st_put_msg(txn, ST_KB_ARTICLE, k, 8, &a->base);
}

int store_kb_get(store_txn *txn, uint64_t id, Art **out) {
  *out = NULL;
  if (kb_absent(txn))
    return STORE_ENOTFOUND;
  uint8_t k[8];
  store_u64_be(k, id);
  return st_get_msg(txn, ST_KB_ARTICLE, k, 8,
                    &oppgraph__v1__kb_article__descriptor,
                    (ProtobufCMessage **)out);
}

int store_kb_del(store_txn *txn, uint64_t id) {
  int err = st_need_write(txn, "store_kb_del");
  if (err)
    return err;
  uint8_t k[8];
  store_u64_be(k, id);
  MDB_val kv = {8, k};
  int rc = mdb_del(txn->txn, st_dbi(txn, ST_KB_ARTICLE), &kv, NULL);
  if (rc)
    return st_lmdb_err("delete kb_article", rc);
  return 0;
}

typedef struct {
  store_kb_fn fn;
  void *ctx;
} kb_visit;

static int kb_visit_one(void *ad, const ProtobufCMessage *m) {
  kb_visit *v = ad;
  return v->fn(v->ctx, (const Art *)m);
}

int store_kb_foreach(store_txn *txn, store_kb_fn fn, void *ctx) {
  if (kb_absent(txn))
    return 0;
  kb_visit v = {fn, ctx};
  return st_foreach_msg(txn, ST_KB_ARTICLE,
                        &oppgraph__v1__kb_article__descriptor, kb_visit_one,
                        &v);
}

/* Builds term ‖ 0x00 ‖ u64 id into key; returns its length or 0 when the
 * term is not a valid term. */
static size_t post_key(uint8_t *key, const char *term, size_t tlen,
                       uint64_t id) {
  if (tlen == 0 || tlen > STORE_KB_TERM_MAX || memchr(term, 0, tlen))
    return 0;
  memcpy(key, term, tlen);
  key[tlen] = 0;
  store_u64_be(key + tlen + 1, id);
  return tlen + 9;
}

int store_kb_post_put(store_txn *txn, const char *term, size_t tlen,
                      uint64_t id, const void *val, size_t vlen) {
  int err = st_need_write(txn, "store_kb_post_put");
  if (err)
    return err;
  uint8_t key[STORE_KB_TERM_MAX + 9];
  size_t klen = post_key(key, term, tlen, id);
  if (!klen)
    return st_fail(STORE_EINVAL,
                   "kb posting: term of %zu bytes (must be 1..%d, no NUL)",
                   tlen, STORE_KB_TERM_MAX);
  return st_put_raw(txn, ST_KB_POST, key, klen, val, vlen, 0);
}

struct store_kb_writer {
  MDB_cursor *cur;
};

int store_kb_writer_open(store_txn *txn, store_kb_writer **out) {
  *out = NULL;
  int err = st_need_write(txn, "store_kb_writer_open");
  if (err)
    return err;
  store_kb_writer *w = calloc(1, sizeof *w);
  if (!w)
    return st_fail(STORE_ENOMEM, "kb writer: out of memory");
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, ST_KB_POST), &w->cur);
  if (rc) {
    free(w);
    return st_lmdb_err("open kb_post write cursor", rc);
  }
  *out = w;
  return 0;
}

int store_kb_writer_put(store_kb_writer *w, const char *term, size_t tlen,
                        uint64_t id, const void *val, size_t vlen) {
  uint8_t key[STORE_KB_TERM_MAX + 9];
  size_t klen = post_key(key, term, tlen, id);
  if (!klen)
    return st_fail(STORE_EINVAL,
                   "kb posting: term of %zu bytes (must be 1..%d, no NUL)",
                   tlen, STORE_KB_TERM_MAX);
  MDB_val k = {klen, key}, v = {vlen, (void *)val};
  int rc = mdb_cursor_put(w->cur, &k, &v, 0);
  return rc ? st_lmdb_err("put kb_post", rc) : 0;
}

void store_kb_writer_close(store_kb_writer *w) {
  if (!w)
    return;
  if (w->cur)
    mdb_cursor_close(w->cur);
  free(w);
}

int store_kb_post_del(store_txn *txn, const char *term, size_t tlen,
                      uint64_t id) {
  int err = st_need_write(txn, "store_kb_post_del");
  if (err)
    return err;
  uint8_t key[STORE_KB_TERM_MAX + 9];
  size_t klen = post_key(key, term, tlen, id);
  if (!klen)
    return 0;
  return st_del(txn, ST_KB_POST, key, klen, NULL, 0);
}

int store_kb_post_open(store_txn *txn, const char *term, size_t tlen,
                       store_kb_cursor **out) {
  *out = NULL;
  store_kb_cursor *c = calloc(1, sizeof *c);
  if (!c)
    return st_fail(STORE_ENOMEM, "kb cursor: out of memory");
  if (tlen == 0 || tlen > STORE_KB_TERM_MAX || memchr(term, 0, tlen) ||
      kb_absent(txn)) {
    c->done = true; /* a term that cannot be stored has no postings */
    *out = c;
    return 0;
  }
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, ST_KB_POST), &c->cur);
  if (rc) {
    free(c);
    return st_lmdb_err("open kb_post cursor", rc);
  }
  memcpy(c->prefix, term, tlen);
  c->prefix[tlen] = 0;
  c->plen = tlen + 1;
  *out = c;
  return 0;
}

/* Interprets the cursor's current entry; STORE_ENOTFOUND once past the
 * term's prefix. */
static int post_here(store_kb_cursor *c, int rc, MDB_val *k, MDB_val *v,
                     uint64_t *id, const void **val, size_t *vlen) {
  if (rc == MDB_NOTFOUND ||
      (rc == 0 && (k->mv_size != c->plen + 8 ||
                   memcmp(k->mv_data, c->prefix, c->plen) != 0))) {
    c->done = true;
    return STORE_ENOTFOUND;
  }
  if (rc)
    return st_lmdb_err("walk kb_post", rc);
  *id = store_be_u64((const uint8_t *)k->mv_data + c->plen);
  *val = v->mv_data;
  *vlen = v->mv_size;
  return 0;
}

int store_kb_post_next(store_kb_cursor *c, uint64_t *id, const void **val,
                       size_t *vlen) {
  if (c->done)
    return STORE_ENOTFOUND;
  MDB_val k, v;
  int rc;
  if (!c->started) {
    c->started = true;
    k.mv_size = c->plen;
    k.mv_data = c->prefix;
    rc = mdb_cursor_get(c->cur, &k, &v, MDB_SET_RANGE);
  } else {
    rc = mdb_cursor_get(c->cur, &k, &v, MDB_NEXT);
  }
  return post_here(c, rc, &k, &v, id, val, vlen);
}

int store_kb_post_seek(store_kb_cursor *c, uint64_t id, uint64_t *found,
                       const void **val, size_t *vlen) {
  if (c->done)
    return STORE_ENOTFOUND;
  uint8_t key[STORE_KB_TERM_MAX + 9];
  memcpy(key, c->prefix, c->plen);
  store_u64_be(key + c->plen, id);
  MDB_val k = {c->plen + 8, key}, v;
  c->started = true;
  int rc = mdb_cursor_get(c->cur, &k, &v, MDB_SET_RANGE);
  return post_here(c, rc, &k, &v, found, val, vlen);
}

int store_kb_post_count(store_kb_cursor *c, size_t *n) {
  *n = 0;
  uint64_t id;
  const void *val;
  size_t vlen;
  int err;
  while ((err = store_kb_post_next(c, &id, &val, &vlen)) == 0)
    (*n)++;
  return err == STORE_ENOTFOUND ? 0 : err;
}

void store_kb_post_close(store_kb_cursor *c) {
  if (!c)
    return;
  if (c->cur)
    mdb_cursor_close(c->cur);
  free(c);
}

int store_kb_meta_get(store_txn *txn, const char *key, uint64_t *val) {
  *val = 0;
  if (kb_absent(txn))
    return 0;
  int err = st_get_u64(txn, ST_KB_META, key, strlen(key), val);
  return err == STORE_ENOTFOUND ? 0 : err;
}

int store_kb_meta_put(store_txn *txn, const char *key, uint64_t val) {
  int err = st_need_write(txn, "store_kb_meta_put");
  if (err)
    return err;
  uint8_t be[8];
  store_u64_be(be, val);
  return st_put_raw(txn, ST_KB_META, key, strlen(key), be, 8, 0);
}

static void len_key(uint8_t k[9], uint64_t id) {
  k[0] = 0x01; /* never the first byte of a counter name */
  store_u64_be(k + 1, id);
}

int store_kb_len_get(store_txn *txn, uint64_t id, uint32_t *len) {
  *len = 0;
  if (kb_absent(txn))
    return STORE_ENOTFOUND;
  uint8_t k[9];
  len_key(k, id);
  MDB_val kv = {9, k}, v;
  int rc = mdb_get(txn->txn, st_dbi(txn, ST_KB_META), &kv, &v);
  if (rc)
    return st_lmdb_err("get kb_meta length", rc);
  if (v.mv_size != 4)
    return st_fail(STORE_ECORRUPT,
                   "kb_meta: length of article %llu is %zu "
                   "bytes, expected 4",
                   (unsigned long long)id, v.mv_size);
  const uint8_t *b = v.mv_data;
  *len =
      (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
  return 0;
}

int store_kb_len_put(store_txn *txn, uint64_t id, uint32_t len) {
  int err = st_need_write(txn, "store_kb_len_put");
  if (err)
    return err;
  uint8_t k[9], v[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
                        (uint8_t)(len >> 8), (uint8_t)len};
  len_key(k, id);
  return st_put_raw(txn, ST_KB_META, k, 9, v, 4, 0);
}

int store_kb_len_del(store_txn *txn, uint64_t id) {
  int err = st_need_write(txn, "store_kb_len_del");
  if (err)
    return err;
  uint8_t k[9];
  len_key(k, id);
  return st_del(txn, ST_KB_META, k, 9, NULL, 0);
}
