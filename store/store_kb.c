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
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

typedef Oppgraph__V1__KbArticle Art;

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

/* ---- postings, in chunks --------------------------------------------------
 *
 * kb_post holds the postings of one term in chunks of consecutive article
 * ids rather than one entry per posting:
 *
 *   key    term ‖ 0x00 ‖ u64 BE id of the chunk's LAST posting
 *   value  varint count, varint npoints, npoints × STORE_KB_IMPACT_DIMS
 *          varints (the bound: points dominating every posting's impact),
 *          then per posting: varint id delta (the first one is the id
 *          itself), varint vlen, vlen bytes of posting value
 *
 * One LMDB entry per ~2 KB of postings instead of one per posting: a query
 * walking a common term decodes varints from contiguous memory instead of
 * stepping a B-tree cursor (measured: ~300 instructions per posting before,
 * bench/README.md has the figures), and a bulk load inserts one key per term
 * and batch.  Keying a chunk by its last id makes MDB_SET_RANGE on
 * term ‖ id land on the only chunk that can hold id.  Chunks of one term
 * cover disjoint, increasing id ranges; every write below keeps that.
 * A store written with an older layout (one entry per posting, or chunks
 * without a bound) must be re-indexed (kb add again); kb/ records the
 * layout in kb_meta and refuses older ones.
 *
 * The bound is the Pareto front of the impacts the caller gave with each
 * posting, merged down to STORE_KB_BOUND_POINTS points (the two closest
 * become their componentwise maximum).  Postings decoded from a stored
 * chunk have no impact at hand (it is not stored per posting): a chunk
 * rewritten from them inherits the old chunk's points, which still bound
 * them, so edits keep bounds valid if looser. */

#define CHUNK_BYTES 1900 /* stays one LMDB node on a 4 KiB page */

static bool term_ok(const char *term, size_t tlen) {
  return tlen > 0 && tlen <= STORE_KB_TERM_MAX && !memchr(term, 0, tlen);
}

static int term_err(size_t tlen) {
  return st_fail(STORE_EINVAL,
                 "kb posting: term of %zu bytes (must be 1..%d, no NUL)", tlen,
                 STORE_KB_TERM_MAX);
}

/* Postings being rewritten, values copied (LMDB's pages change under a
 * write, so no pointer into the map survives one). */
typedef struct pitem {
  uint64_t id;
  size_t off, vlen; /* in the arena */
  store_kb_impact imp;
  bool known; /* imp given (a new posting), else bounded by the old chunk */
} pitem;

typedef struct pitems {
  pitem *v;
  size_t n, cap;
  uint8_t *a;
  size_t alen, acap;
} pitems;

static void pitems_destroy(pitems *it) {
  free(it->v);
  free(it->a);
  memset(it, 0, sizeof *it);
}

static int pitems_add(pitems *it, uint64_t id, const void *val, size_t vlen,
                      const store_kb_impact *imp) {
  if (it->n == it->cap) {
    size_t cap = it->cap ? it->cap * 2 : 64;
    pitem *v = realloc(it->v, cap * sizeof *v);
    if (!v)
      return st_fail(STORE_ENOMEM, "kb postings: out of memory");
    it->v = v;
    it->cap = cap;
  }
  if (it->alen + vlen > it->acap) {
    size_t cap = it->acap ? it->acap * 2 : 4096;
    while (cap < it->alen + vlen)
      cap *= 2;
    uint8_t *a = realloc(it->a, cap);
    if (!a)
      return st_fail(STORE_ENOMEM, "kb postings: out of memory");
    it->a = a;
    it->acap = cap;
  }
  if (vlen)
    memcpy(it->a + it->alen, val, vlen);
  it->v[it->n] = (pitem){id, it->alen, vlen, {{0}}, imp != NULL};
  if (imp)
    it->v[it->n].imp = *imp;
  it->n++;
  it->alen += vlen;
  return 0;
}

static uint64_t be_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | p[i];
  return v;
}

static int pitems_reserve_bytes(pitems *it, size_t n) {
  if (n <= it->acap)
    return 0;
  uint8_t *a = realloc(it->a, n);
  if (!a)
    return st_fail(STORE_ENOMEM, "kb postings: out of memory");
  it->a = a;
  it->acap = n;
  return 0;
}

static bool imp_le(const store_kb_impact *a, const store_kb_impact *b) {
  for (int d = 0; d < STORE_KB_IMPACT_DIMS; d++)
    if (a->v[d] > b->v[d])
      return false;
  return true;
}

/* How much merging a and b loosens the bound: relative differences, so a
 * dimension of large values that differ little (kb's complemented length)
 * counts for less than one of small counts (tf). */
static double imp_dist(const store_kb_impact *a, const store_kb_impact *b) {
  double s = 0;
  for (int d = 0; d < STORE_KB_IMPACT_DIMS; d++) {
    double x = a->v[d], y = b->v[d];
    s += (x > y ? x - y : y - x) / ((x > y ? x : y) + 1);
  }
  return s;
}

/* Adds x to the front b: nothing when a point dominates it, else it
 * replaces the points it dominates; over the limit the closest two points
 * merge into their componentwise maximum. */
static void bound_add(store_kb_bound *b, const store_kb_impact *x) {
  for (size_t i = 0; i < b->n; i++)
    if (imp_le(x, &b->pt[i]))
      return;
  size_t m = 0;
  for (size_t i = 0; i < b->n; i++)
    if (!imp_le(&b->pt[i], x))
      b->pt[m++] = b->pt[i];
  b->n = m;
  if (b->n < STORE_KB_BOUND_POINTS) {
    b->pt[b->n++] = *x;
    return;
  }
  store_kb_impact all[STORE_KB_BOUND_POINTS + 1];
  memcpy(all, b->pt, sizeof b->pt);
  all[STORE_KB_BOUND_POINTS] = *x;
  size_t bi = 0, bj = 1, n = STORE_KB_BOUND_POINTS + 1;
  double best = -1;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++) {
      double dd = imp_dist(&all[i], &all[j]);
      if (best < 0 || dd < best) {
        best = dd;
        bi = i;
        bj = j;
      }
    }
  store_kb_impact mx = all[bi];
  for (int d = 0; d < STORE_KB_IMPACT_DIMS; d++)
    if (all[bj].v[d] > mx.v[d])
      mx.v[d] = all[bj].v[d];
  b->n = 0;
  for (size_t i = 0; i < n; i++)
    if (i != bi && i != bj && !imp_le(&all[i], &mx))
      b->pt[b->n++] = all[i];
  b->pt[b->n++] = mx;
}

/* Reads a chunk's count and bound; the bytes read, 0 when malformed. */
static size_t chunk_head(const uint8_t *p, size_t len, uint64_t *count,
                         store_kb_bound *b) {
  uint64_t np, x;
  size_t o = store_varint_get(p, len, count), r;
  if (!o || *count == 0 || !(r = store_varint_get(p + o, len - o, &np)) ||
      np > STORE_KB_BOUND_POINTS)
    return 0;
  o += r;
  b->n = (size_t)np;
  for (size_t i = 0; i < b->n; i++)
    for (int d = 0; d < STORE_KB_IMPACT_DIMS; d++) {
      if (!(r = store_varint_get(p + o, len - o, &x)) || x > UINT32_MAX)
        return 0;
      b->pt[i].v[d] = (uint32_t)x;
      o += r;
    }
  b->count = (size_t)*count;
  return o;
}

/* Appends the postings of one chunk value to it; *old gets its bound. */
static int chunk_decode(const MDB_val *v, pitems *it, store_kb_bound *old) {
  const uint8_t *p = v->mv_data, *end = p + v->mv_size;
  uint64_t n, id = 0, delta, vlen;
  size_t r = chunk_head(p, v->mv_size, &n, old);
  if (!r)
    return st_fail(STORE_ECORRUPT, "kb_post: chunk without a valid header "
                                   "(count, bound)");
  p += r;
  for (uint64_t i = 0; i < n; i++) {
    size_t r1 = store_varint_get(p, (size_t)(end - p), &delta),
           r2 = r1 ? store_varint_get(p + r1, (size_t)(end - (p + r1)), &vlen)
                   : 0;
    if (!r2 || vlen > (uint64_t)(end - p - r1 - r2))
      return st_fail(STORE_ECORRUPT, "kb_post: chunk truncated at posting %llu",
                     (unsigned long long)i);
    p += r1 + r2;
    id += delta;
    int err = pitems_add(it, id, p, vlen, NULL);
    if (err)
      return err;
    p += vlen;
  }
  return 0;
}

#define BOUND_BYTES (2 + STORE_KB_BOUND_POINTS * STORE_KB_IMPACT_DIMS * 5)

/* Writes it->v[0..n) (ids increasing) as chunks of about CHUNK_BYTES.
 * When hn > 0 the first chunk starts with hn postings already encoded (the
 * body of a stored chunk after its header, hlen bytes, last id hlast): a
 * small last chunk is extended without decoding and re-encoding it.  base
 * bounds the head and the postings without an impact (NULL: none). */
static int chunks_write_after(MDB_cursor *cur, const uint8_t *prefix,
                              size_t plen, const uint8_t *head, size_t hlen,
                              uint64_t hn, uint64_t hlast,
                              const store_kb_bound *base, const pitems *it) {
  uint8_t key[STORE_KB_TERM_MAX + 9];
  memcpy(key, prefix, plen);
  uint8_t *buf = NULL;
  size_t bcap = 0;
  int err = 0;
  for (size_t i = 0; i < it->n && !err;) {
    /* Take postings while the chunk stays under CHUNK_BYTES (at least one). */
    size_t j = i, bytes = 10 + BOUND_BYTES + (i == 0 ? hlen : 0);
    uint64_t prev = i == 0 && hn ? hlast : 0;
    while (j < it->n) {
      size_t add = 20 + it->v[j].vlen;
      if ((j > i || (i == 0 && hn)) && bytes + add > CHUNK_BYTES)
        break;
      bytes += add;
      j++;
    }
    if (bytes > bcap) {
      uint8_t *nb = realloc(buf, bytes);
      if (!nb) {
        err = st_fail(STORE_ENOMEM, "kb postings: out of memory");
        break;
      }
      buf = nb;
      bcap = bytes;
    }
    store_kb_bound b = {.n = 0};
    bool inherit = i == 0 && hn;
    for (size_t x = i; x < j; x++) {
      if (it->v[x].known)
        bound_add(&b, &it->v[x].imp);
      else
        inherit = true;
    }
    if (inherit && base && base->n)
      for (size_t x = 0; x < base->n; x++)
        bound_add(&b, &base->pt[x]);
    else if (inherit) /* no bound known: one that never skips */
      bound_add(&b, &(store_kb_impact){{UINT32_MAX, UINT32_MAX, UINT32_MAX}});
    size_t o = store_varint_put(buf, (i == 0 ? hn : 0) + j - i);
    o += store_varint_put(buf + o, b.n);
    for (size_t x = 0; x < b.n; x++)
      for (int dd = 0; dd < STORE_KB_IMPACT_DIMS; dd++)
        o += store_varint_put(buf + o, b.pt[x].v[dd]);
    if (i == 0 && hn) {
      memcpy(buf + o, head, hlen);
      o += hlen;
    }
    for (size_t x = i; x < j; x++) {
      o += store_varint_put(buf + o, it->v[x].id - prev);
      prev = it->v[x].id;
      o += store_varint_put(buf + o, it->v[x].vlen);
      memcpy(buf + o, it->a + it->v[x].off, it->v[x].vlen);
      o += it->v[x].vlen;
    }
    store_u64_be(key + plen, prev);
    MDB_val k = {plen + 8, key}, v = {o, buf};
    int rc = mdb_cursor_put(cur, &k, &v, 0);
    if (rc)
      err = st_lmdb_err("put kb_post", rc);
    i = j;
  }
  free(buf);
  return err;
}

static int chunks_write(MDB_cursor *cur, const uint8_t *prefix, size_t plen,
                        const store_kb_bound *base, const pitems *it) {
  return chunks_write_after(cur, prefix, plen, NULL, 0, 0, 0, base, it);
}

static bool is_term_chunk(const MDB_val *k, const uint8_t *prefix,
                          size_t plen) {
  return k->mv_size == plen + 8 && memcmp(k->mv_data, prefix, plen) == 0;
}

/* Positions cur on the chunk of the term (prefix) whose id range can hold
 * id: the first with last id >= id.  1 when found, 0 when the term has no
 * such chunk (*past_end: nor does any key follow), negative on error. */
static int chunk_find(MDB_cursor *cur, const uint8_t *prefix, size_t plen,
                      uint64_t id, MDB_val *k, MDB_val *v, bool *past_end) {
  uint8_t key[STORE_KB_TERM_MAX + 9];
  memcpy(key, prefix, plen);
  store_u64_be(key + plen, id);
  k->mv_size = plen + 8;
  k->mv_data = key;
  int rc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
  *past_end = rc == MDB_NOTFOUND;
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc)
    return st_lmdb_err("find kb_post chunk", rc);
  return is_term_chunk(k, prefix, plen);
}

/* Positions cur on the term's last chunk with ids below those chunk_find
 * looked for, after chunk_find returned 0.  1 when there is one. */
static int chunk_before(MDB_cursor *cur, const uint8_t *prefix, size_t plen,
                        bool past_end, MDB_val *k, MDB_val *v) {
  int rc = mdb_cursor_get(cur, k, v, past_end ? MDB_LAST : MDB_PREV);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc)
    return st_lmdb_err("walk kb_post", rc);
  return is_term_chunk(k, prefix, plen);
}

static int cursor_del(MDB_cursor *cur) {
  int rc = mdb_cursor_del(cur, 0);
  return rc ? st_lmdb_err("delete kb_post chunk", rc) : 0;
}

/* Inserts (or replaces) one posting: into the chunk that can hold its id,
 * else appended to the term's last chunk when that one has room, else as a
 * chunk of its own. */
static int posting_insert(MDB_cursor *cur, const uint8_t *prefix, size_t plen,
                          uint64_t id, const void *val, size_t vlen,
                          const store_kb_impact *imp) {
  MDB_val k, v;
  pitems it = {0};
  store_kb_bound old = {.n = 0};
  bool past_end;
  int found = chunk_find(cur, prefix, plen, id, &k, &v, &past_end);
  if (found == 0) {
    found = chunk_before(cur, prefix, plen, past_end, &k, &v);
    if (found == 1 && v.mv_size >= CHUNK_BYTES)
      found = 0; /* full: the posting starts a new chunk */
  }
  int err = found < 0 ? found : 0;
  if (found == 1 && !(err = chunk_decode(&v, &it, &old)))
    err = cursor_del(cur);
  size_t at = it.n; /* insertion point, keeping ids increasing */
  while (!err && at > 0 && it.v[at - 1].id >= id)
    at--;
  if (!err && at < it.n && it.v[at].id == id) {
    memmove(it.v + at, it.v + at + 1, (it.n - at - 1) * sizeof *it.v);
    it.n--;
  }
  if (!err)
    err = pitems_add(&it, id, val, vlen, imp);
  if (!err && at < it.n - 1) {
    pitem x = it.v[it.n - 1];
    memmove(it.v + at + 1, it.v + at, (it.n - 1 - at) * sizeof *it.v);
    it.v[at] = x;
  }
  if (!err)
    err = chunks_write(cur, prefix, plen, &old, &it);
  pitems_destroy(&it);
  return err;
}

static size_t make_prefix(uint8_t *prefix, const char *term, size_t tlen) {
  memcpy(prefix, term, tlen);
  prefix[tlen] = 0;
  return tlen + 1;
}

/* The write prologue of post_put / post_del: a write transaction, the
 * term's key prefix, a cursor.  1 (nothing to do) for an unstorable term
 * when bad_term_ok. */
static int write_cursor(store_txn *txn, const char *op, const char *term,
                        size_t tlen, bool bad_term_ok, uint8_t *prefix,
                        size_t *plen, MDB_cursor **cur) {
  int err = st_need_write(txn, op);
  if (err)
    return err;
  if (!term_ok(term, tlen))
    return bad_term_ok ? 1 : term_err(tlen);
  *plen = make_prefix(prefix, term, tlen);
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, ST_KB_POST), cur);
  return rc ? st_lmdb_err("open kb_post cursor", rc) : 0;
}

int store_kb_post_put(store_txn *txn, const char *term, size_t tlen,
                      uint64_t id, const void *val, size_t vlen,
                      const store_kb_impact *imp) {
  uint8_t prefix[STORE_KB_TERM_MAX + 1];
  size_t plen;
  MDB_cursor *cur;
  int err = write_cursor(txn, "store_kb_post_put", term, tlen, false, prefix,
                         &plen, &cur);
  if (err)
    return err;
  err = posting_insert(cur, prefix, plen, id, val, vlen, imp);
  mdb_cursor_close(cur);
  return err;
}

int store_kb_post_del(store_txn *txn, const char *term, size_t tlen,
                      uint64_t id) {
  uint8_t prefix[STORE_KB_TERM_MAX + 1];
  size_t plen;
  MDB_cursor *cur;
  int err = write_cursor(txn, "store_kb_post_del", term, tlen, true, prefix,
                         &plen, &cur);
  if (err)
    return err < 0 ? err : 0; /* 1: a term never stored */
  MDB_val k, v;
  pitems it = {0};
  store_kb_bound old = {.n = 0};
  bool past_end;
  int found = chunk_find(cur, prefix, plen, id, &k, &v, &past_end);
  err = found < 0 ? found : 0;
  if (found == 1 && !(err = chunk_decode(&v, &it, &old))) {
    size_t at = 0;
    while (at < it.n && it.v[at].id < id)
      at++;
    if (at < it.n && it.v[at].id == id) { /* else: nothing to delete */
      memmove(it.v + at, it.v + at + 1, (it.n - at - 1) * sizeof *it.v);
      it.n--;
      err = cursor_del(cur);
      if (!err && it.n)
        err = chunks_write(cur, prefix, plen, &old, &it);
    }
  }
  pitems_destroy(&it);
  mdb_cursor_close(cur);
  return err;
}

/* The bulk writer buffers the postings of one term (ids increasing) and
 * writes them as whole chunks: the usual bulk load adds ids above all stored
 * ones, so the buffer goes after the term's last chunk (merged into it when
 * that one is small).  Ids among stored ones take the one-at-a-time path. */
struct store_kb_writer {
  MDB_cursor *cur;
  uint8_t prefix[STORE_KB_TERM_MAX + 1];
  size_t plen;
  pitems buf, merge;
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

int store_kb_writer_flush(store_kb_writer *w) {
  pitems *b = &w->buf;
  if (b->n == 0)
    return 0;
  MDB_val k, v;
  int err = 0;
  bool past_end;
  int found =
      chunk_find(w->cur, w->prefix, w->plen, b->v[0].id, &k, &v, &past_end);
  if (found < 0) {
    err = found;
  } else if (found == 1) { /* among stored ids: one at a time */
    for (size_t i = 0; i < b->n && !err; i++)
      err = posting_insert(w->cur, w->prefix, w->plen, b->v[i].id,
                           b->a + b->v[i].off, b->v[i].vlen, &b->v[i].imp);
  } else {
    int prev = chunk_before(w->cur, w->prefix, w->plen, past_end, &k, &v);
    const pitems *out = b;
    if (prev < 0) {
      err = prev;
    } else if (prev == 1 && v.mv_size < CHUNK_BYTES / 2) {
      /* Extend the small last chunk: its encoded body is kept as it is
       * (copied: the delete below moves LMDB's pages), the new postings
       * follow with deltas from its last id, which its key holds. */
      const uint8_t *p = v.mv_data;
      uint64_t hn, hlast = be_u64((const uint8_t *)k.mv_data + w->plen);
      store_kb_bound hb;
      size_t r = chunk_head(p, v.mv_size, &hn, &hb);
      if (!r) {
        err = st_fail(STORE_ECORRUPT,
                      "kb_post: chunk without a valid header (count, bound)");
      } else {
        w->merge.alen = 0;
        err = pitems_reserve_bytes(&w->merge, v.mv_size - r);
      }
      if (!err) {
        memcpy(w->merge.a, p + r, v.mv_size - r);
        err = cursor_del(w->cur);
      }
      if (!err)
        err = chunks_write_after(w->cur, w->prefix, w->plen, w->merge.a,
                                 v.mv_size - r, hn, hlast, &hb, b);
      b->n = b->alen = 0;
      return err;
    }
    if (!err)
      err = chunks_write(w->cur, w->prefix, w->plen, NULL, out);
  }
  b->n = b->alen = 0;
  return err;
}

int store_kb_writer_put(store_kb_writer *w, const char *term, size_t tlen,
                        uint64_t id, const void *val, size_t vlen,
                        const store_kb_impact *imp) {
  pitems *b = &w->buf;
  /* The term is checked when it changes, not for each of its postings
   * (the check was a memchr per posting of a bulk load). */
  bool same = b->n && w->plen == tlen + 1 && !memcmp(w->prefix, term, tlen);
  if (!same && !term_ok(term, tlen))
    return term_err(tlen);
  if (b->n && (!same || id <= b->v[b->n - 1].id)) {
    int err = store_kb_writer_flush(w);
    if (err)
      return err;
  }
  if (b->n == 0)
    w->plen = make_prefix(w->prefix, term, tlen);
  int err = pitems_add(b, id, val, vlen, imp);
  if (!err && b->alen > ((size_t)1 << 16))
    err = store_kb_writer_flush(w);
  return err;
}

void store_kb_writer_close(store_kb_writer *w) {
  if (!w)
    return;
  if (w->cur)
    mdb_cursor_close(w->cur);
  pitems_destroy(&w->buf);
  pitems_destroy(&w->merge);
  free(w);
}

/* ---- reading postings ---------------------------------------------------- */

struct store_kb_cursor {
  MDB_cursor *cur;
  uint8_t prefix[STORE_KB_TERM_MAX + 1]; /* term ‖ 0x00 */
  size_t plen;
  bool started, done;
  const uint8_t *p, *end; /* rest of the current chunk */
  uint64_t left;          /* postings left in it */
  uint64_t prev;          /* id of the last posting returned */
  /* The current chunk's bound, parsed only when asked for (a seek enters
   * many chunks whose bound nobody reads). */
  const uint8_t *bp;
  size_t blen;
  uint64_t bcount, blast;
  uint64_t chunk_no; /* chunks entered (store_kb_post_chunk_no) */
};

int store_kb_post_open(store_txn *txn, const char *term, size_t tlen,
                       store_kb_cursor **out) {
  *out = NULL;
  store_kb_cursor *c = calloc(1, sizeof *c);
  if (!c)
    return st_fail(STORE_ENOMEM, "kb cursor: out of memory");
  if (!term_ok(term, tlen) || kb_absent(txn)) {
    c->done = true; /* a term that cannot be stored has no postings */
    *out = c;
    return 0;
  }
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, ST_KB_POST), &c->cur);
  if (rc) {
    free(c);
    return st_lmdb_err("open kb_post cursor", rc);
  }
  c->plen = make_prefix(c->prefix, term, tlen);
  *out = c;
  return 0;
}

/* Moves to the next chunk of the term (op MDB_SET_RANGE with key, or
 * MDB_NEXT); STORE_ENOTFOUND past the term's last one. */
static int chunk_enter(store_kb_cursor *c, MDB_val *k, MDB_cursor_op op) {
  MDB_val v;
  c->started = true;
  int rc = mdb_cursor_get(c->cur, k, &v, op);
  if (rc == MDB_NOTFOUND ||
      (rc == 0 && !is_term_chunk(k, c->prefix, c->plen))) {
    c->done = true;
    return STORE_ENOTFOUND;
  }
  if (rc)
    return st_lmdb_err("walk kb_post", rc);
  c->p = v.mv_data;
  c->end = c->p + v.mv_size;
  /* count, then skip the bound's varints (bytes with the top bit clear end
   * one) without decoding them */
  size_t r = store_varint_get(c->p, v.mv_size, &c->left), nv = 0;
  uint64_t np;
  size_t r2 = r ? store_varint_get(c->p + r, v.mv_size - r, &np) : 0;
  if (!r2 || c->left == 0 || np > STORE_KB_BOUND_POINTS)
    return st_fail(STORE_ECORRUPT,
                   "kb_post: chunk without a valid header (count, bound)");
  c->bp = c->p;
  c->bcount = c->left;
  c->blast = be_u64((const uint8_t *)k->mv_data + c->plen);
  c->p += r + r2;
  for (nv = np * STORE_KB_IMPACT_DIMS; nv && c->p < c->end; c->p++)
    nv -= !(*c->p & 0x80);
  if (nv)
    return st_fail(STORE_ECORRUPT, "kb_post: chunk bound truncated");
  c->blen = (size_t)(c->p - c->bp);
  c->prev = 0;
  c->chunk_no++;
  return 0;
}

static void cursor_bound(const store_kb_cursor *c, store_kb_bound *b) {
  uint64_t count;
  if (!c->bp || !chunk_head(c->bp, c->blen, &count, b))
    b->n = 0; /* no bound known: never skip */
  b->count = (size_t)c->bcount;
  b->last_id = c->blast;
}

/* Enters chunks until one has postings left; STORE_ENOTFOUND at the end
 * of the term's list. */
static int cursor_fill(store_kb_cursor *c) {
  if (c->done)
    return STORE_ENOTFOUND;
  while (c->left == 0) {
    MDB_val k = {c->plen, c->prefix};
    int err = chunk_enter(c, &k, c->started ? MDB_NEXT : MDB_SET_RANGE);
    if (err)
      return err;
  }
  return 0;
}

int store_kb_post_block(store_kb_cursor *c, store_kb_bound *b) {
  int err = cursor_fill(c);
  if (err)
    return err;
  cursor_bound(c, b);
  return 0;
}

void store_kb_post_bound(const store_kb_cursor *c, store_kb_bound *b) {
  if (b->last_id != c->blast || b->count != c->bcount)
    cursor_bound(c, b);
}

uint64_t store_kb_post_chunk_no(const store_kb_cursor *c) {
  return c->chunk_no;
}

void store_kb_post_skip_block(store_kb_cursor *c) {
  c->left = 0;
}

int store_kb_post_next(store_kb_cursor *c, uint64_t *id, const void **val,
                       size_t *vlen) {
  if (c->left == 0 || c->done) {
    int err = cursor_fill(c);
    if (err)
      return err;
  }
  uint64_t delta, len;
  size_t r1, r2;
  /* one-byte id delta and value length, as store_kb_post_seek */
  if (c->p + 2 <= c->end && !((c->p[0] | c->p[1]) & 0x80)) {
    delta = c->p[0];
    len = c->p[1];
    r1 = r2 = 1;
  } else {
    r1 = store_varint_get(c->p, (size_t)(c->end - c->p), &delta);
    r2 = r1 ? store_varint_get(c->p + r1, (size_t)(c->end - (c->p + r1)), &len)
            : 0;
    if (!r2)
      return st_fail(STORE_ECORRUPT, "kb_post: chunk truncated");
  }
  if (len > (uint64_t)(c->end - c->p - r1 - r2))
    return st_fail(STORE_ECORRUPT, "kb_post: chunk truncated");
  c->p += r1 + r2;
  c->prev += delta;
  c->left--;
  *id = c->prev;
  *val = c->p;
  *vlen = len;
  c->p += len;
  return 0;
}

int store_kb_post_seek(store_kb_cursor *c, uint64_t id, uint64_t *found,
                       const void **val, size_t *vlen) {
  if (c->done)
    return STORE_ENOTFOUND;
  /* Forward inside the current chunk when it reaches id (its key's last
   * id says); else jump to the chunk that can hold id (the first one whose
   * last id is >= id) rather than decode the rest of this one. */
  /* Past this chunk, the next one usually holds id when the caller's ids
   * are dense (a lazy list seeking to each candidate): MDB_NEXT there is
   * much cheaper than a SET_RANGE from the root. */
  if (c->started && id > c->prev && id > c->blast) {
    c->left = 0;
    MDB_val k = {c->plen, c->prefix};
    int err = chunk_enter(c, &k, MDB_NEXT);
    if (err)
      return err;
  }
  if (!c->started || c->left == 0 || id <= c->prev || id > c->blast) {
    uint8_t key[STORE_KB_TERM_MAX + 9];
    memcpy(key, c->prefix, c->plen);
    store_u64_be(key + c->plen, id);
    MDB_val k = {c->plen + 8, key};
    int err = chunk_enter(c, &k, MDB_SET_RANGE);
    if (err)
      return err;
  }
  for (;;) {
    int err = cursor_fill(c);
    if (err)
      return err;
    /* Postings before id are stepped over in place: one-byte varints (most
     * id deltas and value lengths) without a call each; this walk was most
     * of a query whose common lists seek to nearly every article. */
    const uint8_t *p = c->p, *end = c->end;
    uint64_t prev = c->prev, left = c->left;
    while (left) {
      uint64_t delta, len;
      size_t r1, r2;
      if (p + 2 <= end && !((p[0] | p[1]) & 0x80)) {
        delta = p[0];
        len = p[1];
        r1 = r2 = 1;
      } else {
        r1 = store_varint_get(p, (size_t)(end - p), &delta);
        r2 = r1 ? store_varint_get(p + r1, (size_t)(end - (p + r1)), &len) : 0;
        if (!r2)
          return st_fail(STORE_ECORRUPT, "kb_post: chunk truncated");
      }
      if (len > (uint64_t)(end - p - r1 - r2))
        return st_fail(STORE_ECORRUPT, "kb_post: chunk truncated");
      p += r1 + r2;
      prev += delta;
      left--;
      if (prev >= id) {
        c->p = p + len;
        c->prev = prev;
        c->left = left;
        *found = prev;
        *val = p;
        *vlen = len;
        return 0;
      }
      p += len;
    }
    c->p = p;
    c->prev = prev;
    c->left = 0;
  }
}

int store_kb_post_count(store_kb_cursor *c, size_t *n) {
  *n = 0;
  if (c->done)
    return 0;
  *n = c->left; /* the rest of the current chunk */
  c->left = 0;
  for (;;) {
    MDB_val k = {c->plen, c->prefix};
    int err = chunk_enter(c, &k, c->started ? MDB_NEXT : MDB_SET_RANGE);
    if (err == STORE_ENOTFOUND)
      return 0;
    if (err)
      return err;
    *n += c->left;
    c->left = 0;
  }
}

/* Reads one byte of every page an entry's key and value occupy: a leaf
 * page holds many small entries, an overflow value spans whole pages. */
static void touch_pages(const MDB_val *v) {
  const volatile uint8_t *p = v->mv_data; /* volatile: every read happens */
  for (size_t i = 0; i < v->mv_size; i += 4096)
    (void)p[i];
  if (v->mv_size)
    (void)p[v->mv_size - 1];
}

int store_kb_warm(store_txn *txn, const atomic_bool *stop, uint64_t *bytes) {
  *bytes = 0;
  if (kb_absent(txn))
    return 0;
  static const int dbs[] = {ST_KB_POST, ST_KB_META, ST_KB_ARTICLE};
  for (size_t d = 0; d < sizeof dbs / sizeof *dbs; d++) {
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn->txn, st_dbi(txn, dbs[d]), &cur);
    if (rc)
      return st_lmdb_err("kb warm-up: open cursor", rc);
    MDB_val k, v;
    uint64_t n = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
      touch_pages(&k);
      touch_pages(&v);
      *bytes += k.mv_size + v.mv_size;
      if ((++n & 1023) == 0 && stop && atomic_load(stop))
        break;
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND)
      return st_lmdb_err("kb warm-up: read", rc);
    if (stop && atomic_load(stop))
      break;
  }
  return 0;
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
