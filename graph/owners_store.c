/*
 * owners_store.c — the ownership of every enterprise (graph_owners_all)
 * materialised in the store, and read back per enterprise.
 *
 * Layout in meta (the same scheme as the circles' positions in
 * incremental.c: generations instead of deletes):
 *   "graph.own.gen"            u64 BE: the generation readers use (absent:
 *                              never materialised)
 *   "graph.own.min"            8 bytes: the min_share of that generation (a
 *                              double, host order)
 *   "graph.own.<s>.<id hex16>" u64 LE generation ‖ packed
 *                              GetUltimateControllersResponse (names empty)
 * <s> is the generation's parity: a run writes generation gen + 1 into the
 * other slot, in transactions of 1M enterprises (a national run would
 * otherwise hold gigabytes of dirty pages) and in id order (the answers are
 * buffered, packed, until the computation ends), and flips "graph.own.gen"
 * in its last one, so a reader sees one complete generation while the next
 * is written.  An entry of another generation (left from two runs ago, of an
 * enterprise that has no owner over the line any more) counts as absent.
 * Ids are 16 hex digits so that keys sort like ids.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "graph/graph_internal.h"

#define K_GEN "graph.own.gen"
#define K_MIN "graph.own.min"
#define BATCH 1000000

static void own_key(char *buf, size_t len, uint64_t gen, uint64_t id) {
  snprintf(buf, len, "graph.own.%u.%016" PRIx64, (unsigned)(gen & 1), id);
}

/* An answer waiting to be written: its packed value lies at vals + off. */
typedef struct own_rec {
  uint64_t id;
  size_t off, len;
} own_rec;

typedef struct own_writer {
  store *st;
  store_txn *txn;
  uint64_t gen;
  size_t n, enterprises;
  uint8_t *vals; /* the packed values, one after the other */
  size_t nvals, capvals;
  own_rec *rec;
  size_t nrec, caprec;
  Oppgraph__V1__Controller *ctl;
  Oppgraph__V1__Controller **ptr;
  size_t nctl;
  int err;
} own_writer;

static int own_put(void *ctx, uint64_t target, const graph_owner *o, size_t n) {
  own_writer *w = ctx;
  if (n > w->nctl) {
    free(w->ctl);
    free(w->ptr);
    w->ctl = malloc(n * sizeof *w->ctl);
    w->ptr = malloc(n * sizeof *w->ptr);
    w->nctl = w->ctl && w->ptr ? n : 0;
    if (!w->nctl)
      return w->err = GRAPH_ENOMEM;
  }
  Oppgraph__V1__GetUltimateControllersResponse r =
      OPPGRAPH__V1__GET_ULTIMATE_CONTROLLERS_RESPONSE__INIT;
  for (size_t i = 0; i < n; i++) {
    oppgraph__v1__controller__init(&w->ctl[i]);
    w->ctl[i].id = o[i].id;
    w->ctl[i].kind = o[i].kind;
    w->ctl[i].share = o[i].share;
    w->ctl[i].ultimate = o[i].ultimate;
    w->ptr[i] = &w->ctl[i];
  }
  r.n_controllers = n;
  r.controllers = w->ptr;
  size_t len = 8 + oppgraph__v1__get_ultimate_controllers_response__get_packed_size(&r);
  if (w->nvals + len > w->capvals) {
    size_t cap = w->capvals ? w->capvals * 2 : 1 << 20;
    while (cap < w->nvals + len)
      cap *= 2;
    uint8_t *b = realloc(w->vals, cap);
    if (!b)
      return w->err = GRAPH_ENOMEM;
    w->vals = b;
    w->capvals = cap;
  }
  if (w->nrec == w->caprec) {
    size_t cap = w->caprec ? w->caprec * 2 : 4096;
    own_rec *q = realloc(w->rec, cap * sizeof *q);
    if (!q)
      return w->err = GRAPH_ENOMEM;
    w->rec = q;
    w->caprec = cap;
  }
  memcpy(w->vals + w->nvals, &w->gen, 8);
  oppgraph__v1__get_ultimate_controllers_response__pack(&r, w->vals + w->nvals + 8);
  w->rec[w->nrec++] = (own_rec){target, w->nvals, len};
  w->nvals += len;
  return 0;
}

static int cmp_rec(const void *a, const void *b) {
  uint64_t x = ((const own_rec *)a)->id, y = ((const own_rec *)b)->id;
  return x < y ? -1 : x > y;
}

/* Writes the buffered answers in id order, so that the keys (which sort
 * like ids) are appended: in the order graph_owners_all answers
 * (topological, not by id) every transaction rewrote leaf pages all over
 * the meta database, and the 10M run grew the store by 5 GB. */
static int own_flush(own_writer *w) {
  qsort(w->rec, w->nrec, sizeof *w->rec, cmp_rec);
  for (size_t i = 0; i < w->nrec; i++) {
    char key[64];
    own_key(key, sizeof key, w->gen, w->rec[i].id);
    if (store_meta_put(w->txn, key, w->vals + w->rec[i].off, w->rec[i].len))
      return GRAPH_ESTORE;
    w->enterprises++;
    if (++w->n % BATCH == 0) {
      int rc = store_commit(w->txn);
      w->txn = NULL;
      if (rc || store_begin(w->st, true, &w->txn))
        return GRAPH_ESTORE;
    }
  }
  return 0;
}

int graph_owners_materialise(store *st, const graph *g, double min_share,
                             double tol, graph_owners_report *rep) {
  if (!st || !g)
    return GRAPH_EINVAL;
  own_writer w = {.st = st};
  if (store_begin(st, true, &w.txn))
    return GRAPH_ESTORE;
  const void *p;
  size_t len;
  if (!store_meta_get(w.txn, K_GEN, &p, &len) && len == 8)
    w.gen = store_be_u64(p);
  w.gen++;
  graph_owners_stats stats;
  int rc = graph_owners_all(g, min_share, tol, own_put, &w, &stats);
  if (w.err)
    rc = w.err;
  if (!rc)
    rc = own_flush(&w);
  uint8_t be[8];
  store_u64_be(be, w.gen);
  if (!rc && (store_meta_put(w.txn, K_MIN, &min_share, sizeof min_share) ||
              store_meta_put(w.txn, K_GEN, be, 8)))
    rc = GRAPH_ESTORE;
  if (!rc && store_commit(w.txn))
    rc = GRAPH_ESTORE;
  else if (rc && w.txn)
    store_abort(w.txn);
  free(w.vals);
  free(w.rec);
  free(w.ctl);
  free(w.ptr);
  if (!rc && rep) {
    rep->stats = stats;
    rep->enterprises = w.enterprises;
    rep->generation = w.gen;
    rep->min_share = min_share;
  }
  return rc;
}

int graph_owners_stored(store_txn *txn, uint64_t ent, graph_owner **out,
                        size_t *n, double *min_share) {
  *out = NULL;
  *n = 0;
  const void *p;
  size_t len;
  if (store_meta_get(txn, K_GEN, &p, &len) || len != 8)
    return GRAPH_ENOTFOUND;
  uint64_t gen = store_be_u64(p), egen;
  if (min_share) {
    *min_share = 0;
    if (!store_meta_get(txn, K_MIN, &p, &len) && len == sizeof *min_share)
      memcpy(min_share, p, sizeof *min_share);
  }
  char key[64];
  own_key(key, sizeof key, gen, ent);
  if (store_meta_get(txn, key, &p, &len) || len < 8)
    return 0; /* no holder over the line */
  memcpy(&egen, p, 8);
  if (egen != gen)
    return 0; /* left from an older generation */
  Oppgraph__V1__GetUltimateControllersResponse *r =
      oppgraph__v1__get_ultimate_controllers_response__unpack(
          NULL, len - 8, (const uint8_t *)p + 8);
  if (!r)
    return GRAPH_ESTORE;
  graph_owner *o = malloc((r->n_controllers + 1) * sizeof *o);
  if (!o) {
    oppgraph__v1__get_ultimate_controllers_response__free_unpacked(r, NULL);
    return GRAPH_ENOMEM;
  }
  for (size_t i = 0; i < r->n_controllers; i++)
    o[i] = (graph_owner){r->controllers[i]->kind, r->controllers[i]->id,
                         r->controllers[i]->share, r->controllers[i]->ultimate};
  *n = r->n_controllers;
  *out = o;
  oppgraph__v1__get_ultimate_controllers_response__free_unpacked(r, NULL);
  return 0;
}
