/*
 * walk.c — breadth-first walks over the store's edge_out / edge_in indexes
 * that gather a small part of the graph as edge rows, for the analyses that
 * need only that part: the incremental ownership update (owners_store.c)
 * and the server's per-enterprise analyses (graph_load_around), which would
 * otherwise load every edge of a national store for one answer.
 */
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "graph/graph_internal.h"

int graph_walk_init(graph_walk *w, size_t limit, size_t row_limit) {
  memset(w, 0, sizeof *w);
  w->limit = limit;
  w->row_limit = row_limit;
  return graph_vmap_init(&w->seen, 256);
}

int graph_walk_add(graph_walk *w, uint8_t kind, uint64_t id) {
  size_t k = (size_t)id * 2 + kind;
  if (graph_vmap_get(&w->seen, k) != UINT32_MAX)
    return 0;
  if (w->n >= w->limit)
    return w->err = GRAPH_EINVAL; /* too large: the caller decides */
  if (graph_vmap_put(&w->seen, k, 0))
    return w->err = GRAPH_ENOMEM;
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 64;
    uint64_t *p = realloc(w->key, cap * sizeof *p);
    if (!p)
      return w->err = GRAPH_ENOMEM;
    w->key = p;
    w->cap = cap;
  }
  w->key[w->n++] = k;
  return 0;
}

int graph_walk_row(graph_walk *w, const Oppgraph__V1__Edge *e) {
  if (w->nrows >= w->row_limit)
    return w->err = GRAPH_EINVAL;
  if (w->nrows == w->caprows) {
    size_t cap = w->caprows ? w->caprows * 2 : 64;
    store_edge_row *p = realloc(w->rows, cap * sizeof *p);
    if (!p)
      return w->err = GRAPH_ENOMEM;
    w->rows = p;
    w->caprows = cap;
  }
  w->rows[w->nrows++] = (store_edge_row){.id = e->id,
                                         .src = e->src,
                                         .dst = e->dst,
                                         .amount = e->amount,
                                         .ratio = e->ratio,
                                         .type = (uint8_t)e->type,
                                         .src_kind = (uint8_t)e->src_kind,
                                         .dst_kind = (uint8_t)e->dst_kind};
  return 0;
}

void graph_walk_free(graph_walk *w) {
  graph_vmap_destroy(&w->seen);
  free(w->key);
  free(w->rows);
}

/* ---- the neighbourhood of one node ------------------------------------- */

typedef struct around {
  graph_walk *w;
  graph_vmap edges; /* edge ids kept (an edge is met from both ends) */
  uint32_t type_mask;
  uint8_t kind; /* the kind of the node being expanded */
  bool out;     /* expanding its outgoing edges (else incoming) */
  bool grow;    /* add the far ends as nodes to expand */
} around;

static int around_edge(void *ctx, const Oppgraph__V1__Edge *e) {
  around *a = ctx;
  if ((uint8_t)(a->out ? e->src_kind : e->dst_kind) != a->kind)
    return 0; /* same id, other kind of node */
  if (a->type_mask &&
      ((unsigned)e->type > 31 || !(a->type_mask >> e->type & 1)))
    return 0;
  if (graph_vmap_get(&a->edges, (size_t)e->id) != UINT32_MAX)
    return 0;
  if (graph_vmap_put(&a->edges, (size_t)e->id, 0))
    return a->w->err = GRAPH_ENOMEM;
  if (graph_walk_row(a->w, e))
    return 1;
  if (a->grow &&
      graph_walk_add(a->w, (uint8_t)(a->out ? e->dst_kind : e->src_kind),
                     a->out ? e->dst : e->src))
    return 1;
  return 0;
}

static int cmp_row_id(const void *x, const void *y) {
  uint64_t a = ((const store_edge_row *)x)->id,
           b = ((const store_edge_row *)y)->id;
  return a < b ? -1 : a > b;
}

int graph_load_around(store_txn *txn, Oppgraph__V1__NodeKind kind, uint64_t id,
                      unsigned hops, const Oppgraph__V1__EdgeType *types,
                      size_t ntypes, graph **out) {
  if (!txn || !out || (ntypes && !types))
    return GRAPH_EINVAL;
  graph_walk w;
  around a = {.w = &w};
  for (size_t i = 0; i < ntypes; i++) {
    if (types[i] == OPPGRAPH__V1__EDGE_TYPE__EDGE_UNKNOWN) {
      a.type_mask = 0;
      break;
    }
    if ((unsigned)types[i] < 32)
      a.type_mask |= 1u << types[i];
  }
  int rc = graph_walk_init(&w, SIZE_MAX, SIZE_MAX);
  if (!rc && graph_vmap_init(&a.edges, 256))
    rc = GRAPH_ENOMEM;
  if (!rc)
    rc = graph_walk_add(&w, (uint8_t)kind, id);
  /* layer d holds the nodes at distance d; the edges of every node up to
   * distance `hops` are kept (so an edge between two nodes at distance
   * `hops` is there too), nodes further out only as their ends */
  size_t lo = 0;
  for (unsigned d = 0; !rc && d <= hops && lo < w.n; d++) {
    size_t hi = w.n;
    a.grow = d < hops;
    for (size_t i = lo; !rc && i < hi; i++) {
      a.kind = (uint8_t)(w.key[i] & 1);
      for (int dir = 0; !rc && dir < 2; dir++) {
        a.out = dir == 0;
        int src = a.out ? store_edge_out(txn, w.key[i] / 2, 0, around_edge, &a)
                        : store_edge_in(txn, w.key[i] / 2, 0, around_edge, &a);
        rc = w.err ? w.err : src < 0 ? GRAPH_ESTORE : 0;
      }
    }
    lo = hi;
  }
  /* the loader's order (edge ids), so that ties break as on the whole graph */
  if (!rc && w.nrows)
    qsort(w.rows, w.nrows, sizeof *w.rows, cmp_row_id);
  if (!rc)
    rc = graph_from_rows(w.rows, w.nrows, out);
  graph_vmap_destroy(&a.edges);
  graph_walk_free(&w);
  return rc;
}

/* ---- what related parties need ----------------------------------------- */

typedef struct rel_walk {
  graph_walk *w;
  uint8_t kind;  /* kind of the node whose edges are read */
  bool out;      /* reading its outgoing edges */
  bool majority; /* keep only holdings over half (down the group) */
  uint64_t best; /* up: the holder over half, 0 when none */
  uint8_t best_kind;
  double best_ratio;
  graph_vmap *edges;
} rel_walk;

static int rel_edge(void *ctx, const Oppgraph__V1__Edge *e) {
  rel_walk *r = ctx;
  if ((uint8_t)(r->out ? e->src_kind : e->dst_kind) != r->kind)
    return 0;
  if (r->majority && !(e->ratio > 0.5))
    return 0;
  if (!r->out && e->type == OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING &&
      e->ratio > r->best_ratio) {
    r->best_ratio = e->ratio;
    r->best = e->src;
    r->best_kind = (uint8_t)e->src_kind;
  }
  /* down the group: the held enterprise is expanded in turn (also when
   * the edge was kept on the way up) */
  if (r->majority && graph_walk_add(r->w, (uint8_t)e->dst_kind, e->dst))
    return 1;
  if (graph_vmap_get(r->edges, (size_t)e->id) != UINT32_MAX)
    return 0;
  if (graph_vmap_put(r->edges, (size_t)e->id, 0))
    return r->w->err = GRAPH_ENOMEM;
  return graph_walk_row(r->w, e) ? 1 : 0;
}

static int rel_read(store_txn *txn, rel_walk *r, uint64_t id, uint8_t kind,
                    bool out, Oppgraph__V1__EdgeType type) {
  r->kind = kind;
  r->out = out;
  int src = out ? store_edge_out(txn, id, type, rel_edge, r)
                : store_edge_in(txn, id, type, rel_edge, r);
  return r->w->err ? r->w->err : src < 0 ? GRAPH_ESTORE : 0;
}

int graph_load_related(store_txn *txn, uint64_t ent, graph **out) {
  if (!txn || !out)
    return GRAPH_EINVAL;
  const uint8_t ENT = OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE;
  const Oppgraph__V1__EdgeType SHARE = OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING;
  const Oppgraph__V1__EdgeType people[] = {OPPGRAPH__V1__EDGE_TYPE__EXECUTIVE,
                                           OPPGRAPH__V1__EDGE_TYPE__LEGAL_REP};
  graph_walk w;
  graph_vmap edges = {0};
  rel_walk r = {.w = &w, .edges = &edges};
  int rc = graph_walk_init(&w, SIZE_MAX, SIZE_MAX);
  if (!rc && graph_vmap_init(&edges, 256))
    rc = GRAPH_ENOMEM;
  /* up the majority chain (every holding into each link, so that the
   * analysis sees the same largest holder), as graph_group_head walks it */
  uint64_t head = ent;
  uint8_t head_kind = ENT;
  for (int step = 0; !rc && step < 64; step++) {
    r.best = 0;
    r.best_ratio = 0.5;
    rc = rel_read(txn, &r, head, head_kind, false, SHARE);
    if (rc || !r.best || (r.best == ent && r.best_kind == ENT))
      break;
    head = r.best;
    head_kind = r.best_kind;
  }
  /* down from the head through majority holdings: the group */
  r.majority = true;
  if (!rc)
    rc = graph_walk_add(&w, head_kind, head);
  for (size_t i = 0; !rc && i < w.n; i++)
    rc = rel_read(txn, &r, w.key[i] / 2, (uint8_t)(w.key[i] & 1), true, SHARE);
  /* the enterprise's executives and legal representatives, and the other
   * enterprises they hold those posts in */
  r.majority = false;
  for (int t = 0; !rc && t < 2; t++) {
    size_t from = w.nrows;
    rc = rel_read(txn, &r, ent, ENT, false, people[t]);
    for (size_t k = from, to = w.nrows; !rc && k < to; k++)
      rc =
          rel_read(txn, &r, w.rows[k].src, w.rows[k].src_kind, true, people[t]);
  }
  if (!rc && w.nrows)
    qsort(w.rows, w.nrows, sizeof *w.rows, cmp_row_id);
  if (!rc)
    rc = graph_from_rows(w.rows, w.nrows, out);
  graph_vmap_destroy(&edges);
  graph_walk_free(&w);
  return rc;
}
