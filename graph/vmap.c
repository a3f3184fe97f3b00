/*
 * vmap.c — growing of the small open-addressing maps (graph_vmap, declared
 * in graph_internal.h with its inline lookup) that the per-query searches
 * and the incremental circle update use as visited sets: keys are probed
 * linearly from a multiplicative hash, the table doubles at half load.
 */
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"

int graph_vmap_init(graph_vmap *m, size_t cap) {
  m->cap = 16;
  while (m->cap < cap * 2)
    m->cap <<= 1;
  m->n = 0;
  m->key = malloc(m->cap * sizeof *m->key);
  m->val = malloc(m->cap * sizeof *m->val);
  if (!m->key || !m->val) {
    free(m->key);
    free(m->val);
    return GRAPH_ENOMEM;
  }
  memset(m->key, 0xff, m->cap * sizeof *m->key);
  return 0;
}

void graph_vmap_destroy(graph_vmap *m) {
  free(m->key);
  free(m->val);
}

int graph_vmap_put(graph_vmap *m, size_t v, uint32_t val) {
  if ((m->n + 1) * 2 > m->cap) {
    graph_vmap bigger;
    if (graph_vmap_init(&bigger, m->cap))
      return GRAPH_ENOMEM;
    for (size_t i = 0; i < m->cap; i++)
      if (m->key[i] != SIZE_MAX) {
        size_t j = graph_vmap_slot(&bigger, m->key[i]);
        bigger.key[j] = m->key[i];
        bigger.val[j] = m->val[i];
        bigger.n++;
      }
    graph_vmap_destroy(m);
    *m = bigger;
  }
  size_t i = graph_vmap_slot(m, v);
  if (m->key[i] == SIZE_MAX) {
    m->key[i] = v;
    m->n++;
  }
  m->val[i] = val;
  return 0;
}

