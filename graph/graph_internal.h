/*
 * graph_internal.h — the layout of a loaded graph, shared by the files of
 * graph/ (graph.c loads and analyses it, export.c draws it).  Vertices are
 * dense indices 0..nv-1 mapped to store nodes (kind, id); edge attributes are
 * arrays indexed by igraph edge id.
 */
#ifndef OPPGRAPH_GRAPH_INTERNAL_H
#define OPPGRAPH_GRAPH_INTERNAL_H

#include <igraph/igraph.h>
#include <stdbool.h>
#include <stdint.h>

#include "graph/graph.h"

typedef struct graph_slot {
  uint64_t key;
  size_t v;
} graph_slot;

struct graph {
  igraph_t ig;
  bool ig_ok; /* ig was created and must be destroyed */
  size_t nv, ne, self_loops, expired;
  /* vertices */
  uint64_t *node_id;
  uint8_t *node_kind;
  /* edges, indexed by igraph edge id */
  uint64_t *e_id;
  uint8_t *e_type;
  int64_t *e_amount;
  double *e_ratio;
  /* vertex indices; 32 bits halve the largest arrays of a national graph
   * (graph_load refuses more than UINT32_MAX - 1 vertices) */
  uint32_t *e_src, *e_dst;
  /* (kind,id) -> vertex: open addressing on key id*2+kind, v SIZE_MAX =
   * empty slot */
  graph_slot *slot;
  size_t nslot; /* power of two */
  /* The guarantee core, built once by graph_load (graph_core_build): the
   * enterprise-to-enterprise guarantee edges left after peeling the ends
   * of guarantee chains (graph_scc_core), as an igraph graph of its own, so
   * that a circles query is igraph's component search and the listing, not
   * igraph_create's edge indexing (which was most of its time).  core
   * vertex i is vertex core_v[i]; core edge i is edge core_e[i]; gdeg[v]
   * bit 1/2 = v has an outgoing/incoming enterprise guarantee edge. */
  igraph_t core;
  bool core_ok;
  size_t ncore;
  uint32_t *core_v, *core_e;
  uint8_t *gdeg;
};

/* Compressed out-adjacency of the enterprise-to-enterprise guarantee edges:
 * the targets of vertex v are adj[off[v] .. off[v+1]), in edge order.  32-bit
 * entries: a national guarantee graph has far fewer than 4G edges, and half
 * the bytes is half the cache misses of the component search. */
typedef struct graph_gcsr {
  uint32_t *off, *adj;
  uint32_t *eid; /* eid[k]: the edge of adj[k] */
} graph_gcsr;

void graph_gcsr_free(graph_gcsr *c);
int graph_gcsr_build(const graph *g, graph_gcsr *c);

#define GRAPH_NO_COMP UINT32_MAX
/* Strongly connected components of the guarantee graph (graph.c):
 * comp[v] is v's component, GRAPH_NO_COMP for vertices without enterprise
 * guarantee edges; size[k] the size of component k (igraph's strongly
 * connected components of the core g carries, numbered densely; no order
 * implied).  free() both. */
int graph_guarantee_scc(const graph *g, uint32_t **comp, uint32_t **size,
                        size_t *ncomp);

/* Strongly connected components of the digraph whose out-adjacency c
 * holds (c->eid not used) over vertices 0..nv-1, by igraph's search on the
 * vertices peeling leaves (those that can share a component); comp[v] for
 * every vertex, numbered densely 0..*ncomp-1 in no particular order.
 * Takes graph_ig_lock.  free(*comp). */
int graph_csr_scc(const graph_gcsr *c, size_t nv, uint32_t **comp,
                  size_t *ncomp);

/* Writes the state graph_update_circles needs after a full rebuild of the
 * circles from g (incremental.c); as_of rebuilds pass NULL g to mark the
 * state unusable (the next update rebuilds in full). */
int graph_incr_reset(store_txn *txn, const graph *g);

/* A graph of just these edges (rows as store_edge_scan gives them; start
 * and end are not read), for analyses of a small part of the store such as
 * the incremental ownership update.  *out as graph_load's. */
int graph_from_rows(const store_edge_row *rows, size_t n, graph **out);

/* qsort order of graph_owners results: share descending, then kind, id. */
int graph_cmp_owner(const void *a, const void *b);

/* Serialises the calls into igraph and graphviz (see graph.c). */
void graph_ig_lock(void);
void graph_ig_unlock(void);


/* ---- vertex maps (vmap.c) -------------------------------------------------
 * Queries touch a few hundred vertices of a graph that may have millions:
 * an O(V) array per query would cost more than the query, so visited sets
 * are small open-addressing maps from a key (a vertex index, or an
 * enterprise id in the incremental update) to a value, grown by doubling.
 * SIZE_MAX cannot be a key. */
typedef struct graph_vmap {
  size_t *key; /* SIZE_MAX = empty */
  uint32_t *val;
  size_t cap, n; /* cap is a power of two */
} graph_vmap;
int graph_vmap_init(graph_vmap *m, size_t cap);
void graph_vmap_destroy(graph_vmap *m);
int graph_vmap_put(graph_vmap *m, size_t v, uint32_t val);
static inline size_t graph_vmap_slot(const graph_vmap *m, size_t v) {
  size_t mask = m->cap - 1;
  size_t i = (v * 0x9E3779B97F4A7C15ULL) >> 7 & mask;
  while (m->key[i] != SIZE_MAX && m->key[i] != v)
    i = (i + 1) & mask;
  return i;
}

/* Value of v, or UINT32_MAX when absent. */
static inline uint32_t graph_vmap_get(const graph_vmap *m, size_t v) {
  size_t i = graph_vmap_slot(m, v);
  return m->key[i] == SIZE_MAX ? UINT32_MAX : m->val[i];
}

/* A breadth-first walk over the store's edge indexes (walk.c): the nodes
 * met (key id * 2 + kind, so persons and enterprises with the same id stay
 * apart), in the order met, and the edges kept as rows.  Past `limit` nodes
 * or `row_limit` rows an add fails with GRAPH_EINVAL in err (too large: the
 * caller decides what to do instead). */
typedef struct graph_walk {
  graph_vmap seen;
  uint64_t *key;
  size_t n, cap;
  store_edge_row *rows;
  size_t nrows, caprows;
  size_t limit, row_limit;
  int err;
} graph_walk;
int graph_walk_init(graph_walk *w, size_t limit, size_t row_limit);
/* Adds a node when new; 0 or the error (also left in w->err). */
int graph_walk_add(graph_walk *w, uint8_t kind, uint64_t id);
int graph_walk_row(graph_walk *w, const Oppgraph__V1__Edge *e);
void graph_walk_free(graph_walk *w);

#endif
