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
  size_t *e_src, *e_dst;
  /* (kind,id) -> vertex: open addressing on key id*2+kind, v SIZE_MAX =
   * empty slot */
  graph_slot *slot;
  size_t nslot; /* power of two */
};

/* Serialises the calls into igraph and graphviz (see graph.c). */
void graph_ig_lock(void);
void graph_ig_unlock(void);

#endif
