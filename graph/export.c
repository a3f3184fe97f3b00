/*
 * export.c — pictures of the relationship graph around one enterprise: DOT
 * text written here (so it can be saved, diffed or fed to any Graphviz tool)
 * and SVG rendered from that text by libgvc.
 *
 * The neighbourhood is a BFS in both directions from the center, cut at
 * `depth` hops and `max_nodes` nodes; every loaded edge between two kept
 * nodes is drawn.  Node names are read from the store (enterprise legal name,
 * person name), falling back to "#id" for nodes the registry does not know.
 */
#include <graphviz/gvc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"

/* graphviz (through pango and fontconfig) keeps process-lifetime font
 * caches that LeakSanitizer reports at exit: they are the libraries', not
 * ours.  LSan reads this hook in sanitizer builds of every program that
 * links this file (the CLI, test_graph); elsewhere nothing calls it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
  return "leak:libfontconfig.so\nleak:libgvc.so\nleak:libpango\n";
}

/* Colour, style and label of each edge type (index = EdgeType). */
static const struct {
  const char *name, *color, *style;
} edge_look[] = {
    {"edge", "black", "solid"},        {"持股", "#1f77b4", "solid"},
    {"担保", "#d62728", "bold"},       {"供应", "#2ca02c", "dashed"},
    {"高管", "#7f7f7f", "dotted"},     {"法定代表人", "#7f7f7f", "dotted"},
    {"质押", "#ff7f0e", "solid"},      {"分支机构", "#9467bd", "solid"},
    {"资金往来", "#8c564b", "dashed"},
};

static void dot_escaped(FILE *f, const char *s) {
  for (; s && *s; s++) {
    if (*s == '"' || *s == '\\')
      fputc('\\', f);
    if (*s == '\n')
      fputs("\\n", f);
    else
      fputc(*s, f);
  }
}

static void node_label(FILE *f, store_txn *txn, uint8_t kind, uint64_t id) {
  if (kind == OPPGRAPH__V1__NODE_KIND__NODE_PERSON) {
    Oppgraph__V1__Person *p;
    if (!store_person_get(txn, id, &p)) {
      dot_escaped(f, p->name);
      oppgraph__v1__person__free_unpacked(p, NULL);
      return;
    }
  } else {
    Oppgraph__V1__Enterprise *e;
    if (!store_ent_get(txn, id, &e)) {
      dot_escaped(f, e->name);
      oppgraph__v1__enterprise__free_unpacked(e, NULL);
      return;
    }
  }
  fprintf(f, "#%llu", (unsigned long long)id);
}

static void amount_label(FILE *f, int64_t a) {
  if (a >= 100000000)
    fprintf(f, "%.2f亿元", (double)a / 1e8);
  else if (a >= 10000)
    fprintf(f, "%.0f万元", (double)a / 1e4);
  else if (a > 0)
    fprintf(f, "%lld元", (long long)a);
}

static int graph_export_dot_unlocked(store_txn *txn, const graph *g,
                                     uint64_t center, unsigned depth,
                                     size_t max_nodes, char **dot,
                                     size_t *len) {
  *dot = NULL;
  size_t c;
  if (graph_vertex_of(g, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE, center, &c))
    return GRAPH_ENOTFOUND;
  if (!max_nodes)
    max_nodes = 500;
  size_t *queue = malloc((g->nv + 1) * sizeof *queue);
  unsigned *dist = malloc((g->nv + 1) * sizeof *dist);
  igraph_vector_int_t nb;
  if (!queue || !dist || igraph_vector_int_init(&nb, 0)) {
    free(queue);
    free(dist);
    return GRAPH_ENOMEM;
  }
  for (size_t v = 0; v < g->nv; v++)
    dist[v] = UINT32_MAX;
  size_t qh = 0, qt = 0;
  queue[qt++] = c;
  dist[c] = 0;
  int rc = 0;
  while (qh < qt && qt < max_nodes) {
    size_t v = queue[qh++];
    if (dist[v] >= depth)
      continue;
    if (igraph_neighbors(&g->ig, &nb, (igraph_integer_t)v, IGRAPH_ALL)) {
      rc = GRAPH_EIGRAPH;
      break;
    }
    for (igraph_integer_t k = 0;
         k < igraph_vector_int_size(&nb) && qt < max_nodes; k++) {
      size_t w = (size_t)VECTOR(nb)[k];
      if (dist[w] != UINT32_MAX)
        continue;
      dist[w] = dist[v] + 1;
      queue[qt++] = w;
    }
  }
  igraph_vector_int_destroy(&nb);
  FILE *f = rc ? NULL : open_memstream(dot, len);
  if (!rc && !f)
    rc = GRAPH_ENOMEM;
  if (!rc) {
    fprintf(f, "digraph oppgraph {\n  rankdir=LR;\n"
               "  node [fontname=\"Noto Sans CJK SC\", fontsize=10];\n"
               "  edge [fontname=\"Noto Sans CJK SC\", fontsize=9];\n");
    for (size_t i = 0; i < qt; i++) {
      size_t v = queue[i];
      bool person = g->node_kind[v] == OPPGRAPH__V1__NODE_KIND__NODE_PERSON;
      fprintf(f, "  %c%llu [label=\"", person ? 'p' : 'e',
              (unsigned long long)g->node_id[v]);
      node_label(f, txn, g->node_kind[v], g->node_id[v]);
      fprintf(f, "\", shape=%s%s];\n", person ? "ellipse" : "box",
              v == c ? ", style=filled, fillcolor=\"#ffe08a\"" : "");
    }
    for (size_t e = 0; e < g->ne; e++) {
      size_t s = g->e_src[e], d = g->e_dst[e];
      if (dist[s] == UINT32_MAX || dist[d] == UINT32_MAX)
        continue;
      unsigned t = g->e_type[e] < sizeof edge_look / sizeof edge_look[0]
                       ? g->e_type[e]
                       : 0;
      fprintf(f, "  %c%llu -> %c%llu [color=\"%s\", style=%s, label=\"%s",
              g->node_kind[s] ? 'p' : 'e', (unsigned long long)g->node_id[s],
              g->node_kind[d] ? 'p' : 'e', (unsigned long long)g->node_id[d],
              edge_look[t].color, edge_look[t].style, edge_look[t].name);
      if (g->e_ratio[e] > 0)
        fprintf(f, " %.2f%%", g->e_ratio[e] * 100);
      if (g->e_amount[e] > 0) {
        fputc(' ', f);
        amount_label(f, g->e_amount[e]);
      }
      fputs("\"];\n", f);
    }
    fputs("}\n", f);
    if (fclose(f))
      rc = GRAPH_ENOMEM;
  }
  free(queue);
  free(dist);
  if (rc) {
    free(*dot);
    *dot = NULL;
  }
  return rc;
}

int graph_export_dot(store_txn *txn, const graph *g, uint64_t center,
                     unsigned depth, size_t max_nodes, char **dot,
                     size_t *len) {
  graph_ig_lock();
  int rc =
      graph_export_dot_unlocked(txn, g, center, depth, max_nodes, dot, len);
  graph_ig_unlock();
  return rc;
}

/* One graphviz context for the process, made on first use and kept: every
 * gvContext() leaks the text of graphviz's plugin configuration (gvconfig
 * keeps pointers into it and never frees it, 3.6 KB; valgrind's "definitely
 * lost"), so a context per rendering leaked on every SVG export.  Like all
 * graphviz use it is touched only under graph_ig_lock. */
static GVC_t *export_gvc;

static int graph_dot_to_svg_unlocked(const char *dot, char **svg, size_t *len) {
  *svg = NULL;
  if (!dot)
    return GRAPH_EINVAL;
  Agraph_t *ag = agmemread(dot);
  if (!ag)
    return GRAPH_EINVAL;
  if (!export_gvc)
    export_gvc = gvContext();
  GVC_t *gvc = export_gvc;
  if (!gvc) {
    agclose(ag);
    return GRAPH_ENOMEM;
  }
  int rc = 0;
  char *out = NULL;
  unsigned int n = 0;
  if (gvLayout(gvc, ag, "dot")) {
    rc = GRAPH_EINVAL;
  } else {
    if (gvRenderData(gvc, ag, "svg", &out, &n) || !out)
      rc = GRAPH_EINVAL;
    gvFreeLayout(gvc, ag);
  }
  if (!rc) {
    /* graphviz owns its buffer: copy so that the caller can free() */
    if ((*svg = malloc((size_t)n + 1))) {
      memcpy(*svg, out, n);
      (*svg)[n] = '\0';
      if (len)
        *len = n;
    } else {
      rc = GRAPH_ENOMEM;
    }
  }
  if (out)
    gvFreeRenderData(out);
  agclose(ag);
  return rc;
}

int graph_dot_to_svg(const char *dot, char **svg, size_t *len) {
  graph_ig_lock();
  int rc = graph_dot_to_svg_unlocked(dot, svg, len);
  graph_ig_unlock();
  return rc;
}
