/*
 * graph.c — loading the store's typed edges into igraph and the analyses on
 * the loaded snapshot (circles, mutual pairs, cycles, ownership,
 * neighbourhoods).
 *
 * Loading scans the edge records once with store_edge_scan (no protobuf
 * unpacking: that allocation per edge was most of the load time), maps every
 * (kind, id) node to a dense vertex index through an open-addressing hash
 * table, keeps per-edge attributes (store id, type, amount, ratio) in arrays
 * indexed by igraph edge id, sized once from the store's edge count, and
 * builds the igraph_t in one igraph_create call (igraph is fastest fed in
 * bulk).  It then builds the guarantee core: a compressed adjacency of the
 * enterprise guarantee edges, peeled of chain ends (no incoming or no
 * outgoing guarantee left), made a second igraph_t, so that guarantee
 * circles are igraph's strongly-connected-components search on it and a
 * listing, with no edge indexing per query.  The analyses that concern one edge
 * type (guarantee circles, ownership) filter the edges by type, so a graph
 * loaded with several types serves all of them.
 *
 * igraph's default error handler aborts the process; a library must not do
 * that on a failed allocation, so graph_load installs the "ignore" handler
 * and every igraph call's return code is checked instead.
 */
#include "graph/graph.h"
#include "graph/graph_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KIND_ENT OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE
#define KIND_PERSON OPPGRAPH__V1__NODE_KIND__NODE_PERSON
#define T_GUARANTEE OPPGRAPH__V1__EDGE_TYPE__GUARANTEE
#define T_SHARE OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING

/* igraph (Debian builds it with IGRAPH_THREAD_SAFE 0) and graphviz keep
 * process-wide state (igraph's error and cleanup stacks, graphviz's
 * contexts), so every public function that reaches into them holds this one
 * lock: the server calls the graph from several threads.  It is recursive
 * because some analyses call others (related parties use group heads).
 * This is the module's only global, and it guards the libraries' globals. */
static pthread_mutex_t ig_mutex;
static pthread_once_t ig_once = PTHREAD_ONCE_INIT;

static void ig_mutex_init(void) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&ig_mutex, &a);
  pthread_mutexattr_destroy(&a);
}

void graph_ig_lock(void) {
  pthread_once(&ig_once, ig_mutex_init);
  pthread_mutex_lock(&ig_mutex);
}

void graph_ig_unlock(void) {
  pthread_mutex_unlock(&ig_mutex);
}

const char *graph_strerror(int err) {
  switch (err) {
  case GRAPH_OK:
    return "ok";
  case GRAPH_ENOMEM:
    return "out of memory";
  case GRAPH_ESTORE:
    return "store access failed";
  case GRAPH_EIGRAPH:
    return "igraph computation failed";
  case GRAPH_EINVAL:
    return "invalid argument";
  case GRAPH_ENOTFOUND:
    return "node not in the graph";
  }
  return "unknown graph error";
}

/* Keys (id * 2 + kind) are hashed in blocks of 32: the block number is
 * spread by the splitmix64 finaliser, the position inside a block is kept.
 * Ids are handed out in sequence and an edge list in id order meets them in
 * runs, so neighbouring ids land on neighbouring slots (the same cache lines
 * and pages) while blocks still scatter.  With a fully spread hash the probes
 * were a third of graph_load's time at 1M enterprises, nearly all of it
 * cache and TLB misses in a 64 MB table. */
static uint64_t node_hash(uint8_t kind, uint64_t id) {
  uint64_t key = id * 2 + kind, x = key >> 5;
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x << 5 | (key & 31);
}

/* The slot holds its key so that a probe touches one cache line, not the
 * vertex arrays as well (the load is dominated by these lookups). */
static graph_slot *node_slot(const graph *g, uint8_t kind, uint64_t id) {
  size_t mask = g->nslot - 1;
  uint64_t key = id * 2 + kind;
  for (size_t i = node_hash(kind, id) & mask;; i = (i + 1) & mask) {
    graph_slot *sl = &g->slot[i];
    if (sl->v == SIZE_MAX || sl->key == key)
      return sl;
  }
}

/* ---- loading ----------------------------------------------------------- */

typedef struct load_ctx {
  graph *g;
  size_t vcap, ecap;
  uint32_t type_mask; /* bit t set: keep edges of type t; 0 = all */
  const char *as_of;  /* YYYY-MM-DD: keep edges valid that day; NULL = all */
  size_t expired;
  int err;
} load_ctx;

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  (void)cap;
  void *q = realloc(*p, need * elem);
  if (!q)
    return GRAPH_ENOMEM;
  *p = q;
  return 0;
}

static int rehash(graph *g, size_t nslot) {
  graph_slot *s = malloc(nslot * sizeof *s);
  if (!s)
    return GRAPH_ENOMEM;
  free(g->slot);
  g->slot = s;
  g->nslot = nslot;
  for (size_t i = 0; i < nslot; i++)
    s[i].v = SIZE_MAX;
  for (size_t v = 0; v < g->nv; v++)
    *node_slot(g, g->node_kind[v], g->node_id[v]) =
        (graph_slot){g->node_id[v] * 2 + g->node_kind[v], v};
  return 0;
}

static int vertex_add(load_ctx *c, uint8_t kind, uint64_t id, size_t *v) {
  graph *g = c->g;
  if ((g->nv + 1) * 2 > g->nslot && rehash(g, g->nslot * 2))
    return GRAPH_ENOMEM;
  if (g->nv >= UINT32_MAX - 1)
    return GRAPH_ENOMEM; /* edge endpoints are 32-bit */
  graph_slot *s = node_slot(g, kind, id);
  if (s->v != SIZE_MAX) {
    *v = s->v;
    return 0;
  }
  if (g->nv == c->vcap) {
    size_t cap = c->vcap ? c->vcap * 2 : 1024;
    if (grow((void **)&g->node_id, NULL, cap, sizeof *g->node_id) ||
        grow((void **)&g->node_kind, NULL, cap, sizeof *g->node_kind))
      return GRAPH_ENOMEM;
    c->vcap = cap;
  }
  g->node_id[g->nv] = id;
  g->node_kind[g->nv] = kind;
  *s = (graph_slot){id * 2 + kind, g->nv};
  *v = g->nv++;
  return 0;
}

/* ISO dates compare as strings; a and b need not be NUL-terminated. */
static int date_cmp(const char *a, size_t alen, const char *b) {
  size_t blen = strlen(b), n = alen < blen ? alen : blen;
  int c = memcmp(a, b, n);
  return c ? c : (alen > blen) - (alen < blen);
}

static int load_edge(void *ctx, const store_edge_row *e) {
  load_ctx *c = ctx;
  graph *g = c->g;
  if (c->type_mask && (e->type > 31 || !(c->type_mask >> e->type & 1)))
    return 0;
  /* an empty bound is open */
  if (c->as_of &&
      ((e->end_len && date_cmp(e->end, e->end_len, c->as_of) < 0) ||
       (e->start_len && date_cmp(e->start, e->start_len, c->as_of) > 0))) {
    c->expired++;
    return 0;
  }
  if (e->src == e->dst && e->src_kind == e->dst_kind) {
    g->self_loops++; /* guaranteeing or holding oneself is not a relation */
    return 0;
  }
  size_t s, d;
  if ((c->err = vertex_add(c, e->src_kind, e->src, &s)) ||
      (c->err = vertex_add(c, e->dst_kind, e->dst, &d)))
    return 1;
  if (g->ne == c->ecap) {
    size_t cap = c->ecap ? c->ecap * 2 : 1024;
    if (grow((void **)&g->e_id, NULL, cap, sizeof *g->e_id) ||
        grow((void **)&g->e_type, NULL, cap, sizeof *g->e_type) ||
        grow((void **)&g->e_amount, NULL, cap, sizeof *g->e_amount) ||
        grow((void **)&g->e_ratio, NULL, cap, sizeof *g->e_ratio) ||
        grow((void **)&g->e_src, NULL, cap, sizeof *g->e_src) ||
        grow((void **)&g->e_dst, NULL, cap, sizeof *g->e_dst)) {
      c->err = GRAPH_ENOMEM;
      return 1;
    }
    c->ecap = cap;
  }
  size_t i = g->ne++;
  g->e_id[i] = e->id;
  g->e_type[i] = e->type;
  g->e_amount[i] = e->amount;
  g->e_ratio[i] = e->ratio;
  g->e_src[i] = (uint32_t)s;
  g->e_dst[i] = (uint32_t)d;
  return 0;
}

static void graph_free_unlocked(graph *g) {
  if (!g)
    return;
  if (g->ig_ok)
    igraph_destroy(&g->ig);
  if (g->core_ok)
    igraph_destroy(&g->core);
  free(g->core_v);
  free(g->core_e);
  free(g->gdeg);
  free(g->node_id);
  free(g->node_kind);
  free(g->e_id);
  free(g->e_type);
  free(g->e_amount);
  free(g->e_ratio);
  free(g->e_src);
  free(g->e_dst);
  free(g->slot);
  free(g);
}

void graph_free(graph *g) {
  graph_ig_lock();
  graph_free_unlocked(g);
  graph_ig_unlock();
}

/* igraph_create from parallel src/dst arrays, n vertices */
static int ig_build(igraph_t *ig, size_t n, const uint32_t *src,
                    const uint32_t *dst, const size_t *sel, size_t nsel) {
  igraph_vector_int_t ev;
  if (igraph_vector_int_init(&ev, (igraph_integer_t)(2 * nsel)))
    return GRAPH_ENOMEM;
  for (size_t i = 0; i < nsel; i++) {
    size_t k = sel ? sel[i] : i;
    VECTOR(ev)[2 * i] = (igraph_integer_t)src[k];
    VECTOR(ev)[2 * i + 1] = (igraph_integer_t)dst[k];
  }
  int rc = igraph_create(ig, &ev, (igraph_integer_t)n, IGRAPH_DIRECTED)
               ? GRAPH_EIGRAPH
               : 0;
  igraph_vector_int_destroy(&ev);
  return rc;
}

static int graph_core_build(graph *g);

int graph_load(store_txn *txn, const Oppgraph__V1__EdgeType *types,
               size_t ntypes, graph **out) {
  return graph_load_at(txn, types, ntypes, NULL, out);
}

static int graph_load_at_unlocked(store_txn *txn,
                                  const Oppgraph__V1__EdgeType *types,
                                  size_t ntypes, const char *as_of,
                                  graph **out) {
  if (!txn || !out || (ntypes && !types))
    return GRAPH_EINVAL;
  igraph_set_error_handler(igraph_error_handler_ignore);
  graph *g = calloc(1, sizeof *g);
  if (!g)
    return GRAPH_ENOMEM;
  load_ctx c = {.g = g, .as_of = as_of && *as_of ? as_of : NULL};
  /* Size the tables from the edge count (one mdb_stat) instead of growing
   * by doubling: at tens of millions of edges the doubling copies and the
   * slack of the last doubling were a third of the peak memory.  Vertices
   * are fewer than edges in every realistic graph; the table still grows
   * if not. */
  store_stats ss;
  size_t total = store_stats_get(txn, &ss) ? 0 : ss.edges;
  /* The store keeps edges in id order whatever their type, so the types
   * asked for are read in one scan and filtered here. */
  for (size_t i = 0; i < ntypes; i++) {
    if (types[i] == OPPGRAPH__V1__EDGE_TYPE__EDGE_UNKNOWN) {
      c.type_mask = 0; /* "every type" wins */
      break;
    }
    if ((unsigned)types[i] < 32)
      c.type_mask |= 1u << types[i];
  }
  size_t nslot = 2048;
  while (!c.type_mask && nslot < total / 2 && nslot < ((size_t)1 << 40))
    nslot <<= 1;
  int rc = rehash(g, nslot);
  /* every type: the edge count is exact, allocate once */
  if (!rc && !c.type_mask && total) {
    c.ecap = total;
    if (grow((void **)&g->e_id, NULL, total, sizeof *g->e_id) ||
        grow((void **)&g->e_type, NULL, total, sizeof *g->e_type) ||
        grow((void **)&g->e_amount, NULL, total, sizeof *g->e_amount) ||
        grow((void **)&g->e_ratio, NULL, total, sizeof *g->e_ratio) ||
        grow((void **)&g->e_src, NULL, total, sizeof *g->e_src) ||
        grow((void **)&g->e_dst, NULL, total, sizeof *g->e_dst))
      rc = GRAPH_ENOMEM;
  }
  if (!rc) {
    int src = store_edge_scan(txn, 0, load_edge, &c);
    if (c.err)
      rc = c.err;
    else if (src < 0)
      rc = GRAPH_ESTORE;
  }
  if (!rc && !(rc = ig_build(&g->ig, g->nv, g->e_src, g->e_dst, NULL, g->ne)))
    g->ig_ok = true;
  if (!rc)
    rc = graph_core_build(g);
  if (rc) {
    graph_free_unlocked(g);
    return rc;
  }
  g->expired = c.expired;
  *out = g;
  return 0;
}

int graph_load_at(store_txn *txn, const Oppgraph__V1__EdgeType *types,
                  size_t ntypes, const char *as_of, graph **out) {
  graph_ig_lock();
  int rc = graph_load_at_unlocked(txn, types, ntypes, as_of, out);
  graph_ig_unlock();
  return rc;
}

int graph_from_rows(const store_edge_row *rows, size_t n, graph **out) {
  if ((n && !rows) || !out)
    return GRAPH_EINVAL;
  graph_ig_lock();
  igraph_set_error_handler(igraph_error_handler_ignore);
  graph *g = calloc(1, sizeof *g);
  int rc = g ? rehash(g, 64) : GRAPH_ENOMEM;
  load_ctx c = {.g = g};
  for (size_t i = 0; !rc && i < n; i++)
    if (load_edge(&c, &rows[i]))
      rc = c.err;
  if (!rc && !(rc = ig_build(&g->ig, g->nv, g->e_src, g->e_dst, NULL, g->ne)))
    g->ig_ok = true;
  if (!rc)
    rc = graph_core_build(g);
  if (rc)
    graph_free_unlocked(g);
  else
    *out = g;
  graph_ig_unlock();
  return rc;
}

void graph_info_get(const graph *g, graph_info *out) {
  memset(out, 0, sizeof *out);
  out->vertices = g->nv;
  out->edges = g->ne;
  out->self_loops = g->self_loops;
  out->expired = g->expired;
  for (size_t v = 0; v < g->nv; v++) {
    if (g->node_kind[v] == KIND_PERSON)
      out->persons++;
    else
      out->enterprises++;
  }
}

int graph_vertex_of(const graph *g, Oppgraph__V1__NodeKind kind, uint64_t id,
                    size_t *v) {
  size_t s = node_slot(g, (uint8_t)kind, id)->v;
  if (s == SIZE_MAX)
    return GRAPH_ENOTFOUND;
  *v = s;
  return 0;
}

int graph_node_of(const graph *g, size_t v, Oppgraph__V1__NodeKind *kind,
                  uint64_t *id) {
  if (v >= g->nv)
    return GRAPH_EINVAL;
  *kind = (Oppgraph__V1__NodeKind)g->node_kind[v];
  *id = g->node_id[v];
  return 0;
}

/* ---- guarantee circles ------------------------------------------------- */

static bool is_ent_guarantee(const graph *g, size_t e) {
  return g->e_type[e] == T_GUARANTEE && g->node_kind[g->e_src[e]] == KIND_ENT &&
         g->node_kind[g->e_dst[e]] == KIND_ENT;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_circle(const void *a, const void *b) {
  const Oppgraph__V1__GuaranteeCircle *x =
      *(Oppgraph__V1__GuaranteeCircle *const *)a;
  const Oppgraph__V1__GuaranteeCircle *y =
      *(Oppgraph__V1__GuaranteeCircle *const *)b;
  return cmp_u64(&x->members[0], &y->members[0]);
}

void graph_circles_free(Oppgraph__V1__GuaranteeCircle **c, size_t n) {
  if (!c)
    return;
  for (size_t i = 0; i < n; i++) {
    if (!c[i])
      continue;
    free(c[i]->members);
    free(c[i]->edge_ids);
    free(c[i]);
  }
  free(c);
}

void graph_gcsr_free(graph_gcsr *c) {
  free(c->off);
  free(c->adj);
  free(c->eid);
}

int graph_gcsr_build(const graph *g, graph_gcsr *c) {
  c->off = calloc(g->nv + 2, sizeof *c->off);
  size_t n = 0;
  for (size_t e = 0; c->off && e < g->ne; e++)
    if (is_ent_guarantee(g, e)) {
      c->off[g->e_src[e] + 1]++;
      n++;
    }
  c->adj = malloc((n ? n : 1) * sizeof *c->adj);
  c->eid = malloc((n ? n : 1) * sizeof *c->eid);
  if (!c->off || !c->adj || !c->eid || n >= UINT32_MAX || g->ne >= UINT32_MAX) {
    graph_gcsr_free(c);
    return GRAPH_ENOMEM;
  }
  for (size_t v = 0; v < g->nv; v++)
    c->off[v + 1] += c->off[v];
  /* fill from the back of each range so off[] needs no second copy:
   * afterwards off[v] is the start again */
  for (size_t v = g->nv; v-- > 0;)
    c->off[v + 1] = c->off[v];
  for (size_t e = 0; e < g->ne; e++)
    if (is_ent_guarantee(g, e)) {
      uint32_t k = c->off[g->e_src[e] + 1]++;
      c->adj[k] = g->e_dst[e];
      c->eid[k] = (uint32_t)e;
    }
  c->off[0] = 0;
  return 0;
}

/* Vertices that cannot share a strongly connected component with another
 * vertex: those without an incoming or without an outgoing guarantee, and,
 * once these are set aside, those left without one in turn (the ends of
 * guarantee chains, peeled back until only vertices on or between cycles
 * remain).  keep[v] = 1 for the survivors, which are all igraph needs to
 * see; deg[v] bit 1/2 = v has any outgoing/incoming guarantee edge. */
static int graph_scc_core(const graph_gcsr *c, size_t nv, unsigned char *deg,
                          unsigned char *keep) {
  size_t m = c->off[nv];
  uint32_t *in = calloc(nv + 1, sizeof *in), *out = malloc((nv + 1) * sizeof *out);
  uint32_t *roff = calloc(nv + 2, sizeof *roff), *radj = malloc((m + 1) * sizeof *radj);
  uint32_t *queue = malloc((nv + 1) * sizeof *queue);
  int rc = 0;
  if (!in || !out || !roff || !radj || !queue) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  for (size_t v = 0; v < nv; v++) {
    out[v] = c->off[v + 1] - c->off[v];
    for (uint32_t k = c->off[v]; k < c->off[v + 1]; k++) {
      in[c->adj[k]]++;
      roff[c->adj[k] + 2]++;
    }
  }
  for (size_t v = 0; v < nv; v++)
    roff[v + 2] += roff[v + 1];
  for (size_t v = 0; v < nv; v++)
    for (uint32_t k = c->off[v]; k < c->off[v + 1]; k++)
      radj[roff[c->adj[k] + 1]++] = (uint32_t)v;
  /* now roff[v] .. roff[v+1] are v's predecessors */
  size_t qh = 0, qt = 0;
  for (size_t v = 0; v < nv; v++) {
    deg[v] = (unsigned char)((out[v] ? 1 : 0) | (in[v] ? 2 : 0));
    keep[v] = deg[v] == 3;
    if (!keep[v])
      queue[qt++] = (uint32_t)v;
  }
  while (qh < qt) {
    uint32_t v = queue[qh++];
    for (uint32_t k = c->off[v]; k < c->off[v + 1]; k++) {
      uint32_t w = c->adj[k];
      if (keep[w] && --in[w] == 0) {
        keep[w] = 0;
        queue[qt++] = w;
      }
    }
    for (uint32_t k = roff[v]; k < roff[v + 1]; k++) {
      uint32_t u = radj[k];
      if (keep[u] && --out[u] == 0) {
        keep[u] = 0;
        queue[qt++] = u;
      }
    }
  }
done:
  free(in);
  free(out);
  free(roff);
  free(radj);
  free(queue);
  return rc;
}

/* The igraph graph of the vertices keep[] marks and the CSR edges between
 * them, renumbered densely: core vertex i is vertex (*core_v)[i], core edge
 * j the CSR position (*core_k)[j] (core_k NULL: not wanted).  free() both. */
static int core_igraph(const graph_gcsr *c, size_t nv, const unsigned char *keep,
                       igraph_t *ig, uint32_t **core_v, size_t *ncore,
                       uint32_t **core_k) {
  uint32_t *sub = malloc((nv + 1) * sizeof *sub); /* v -> core vertex */
  uint32_t *cv = NULL, *ck = NULL;
  igraph_vector_int_t ev;
  bool have_ev = false;
  int rc = 0;
  if (!sub) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  size_t nc = 0, mc = 0;
  for (size_t v = 0; v < nv; v++)
    sub[v] = keep[v] ? (uint32_t)nc++ : GRAPH_NO_COMP;
  for (size_t v = 0; v < nv; v++)
    for (uint32_t k = c->off[v]; sub[v] != GRAPH_NO_COMP && k < c->off[v + 1]; k++)
      mc += sub[c->adj[k]] != GRAPH_NO_COMP;
  cv = malloc((nc + 1) * sizeof *cv);
  ck = core_k ? malloc((mc + 1) * sizeof *ck) : NULL;
  if (!cv || (core_k && !ck) ||
      igraph_vector_int_init(&ev, (igraph_integer_t)(2 * mc))) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  have_ev = true;
  for (size_t v = 0; v < nv; v++)
    if (sub[v] != GRAPH_NO_COMP)
      cv[sub[v]] = (uint32_t)v;
  for (size_t v = 0, i = 0; v < nv; v++)
    for (uint32_t k = c->off[v]; sub[v] != GRAPH_NO_COMP && k < c->off[v + 1]; k++)
      if (sub[c->adj[k]] != GRAPH_NO_COMP) {
        VECTOR(ev)[2 * i] = (igraph_integer_t)sub[v];
        VECTOR(ev)[2 * i + 1] = (igraph_integer_t)sub[c->adj[k]];
        if (ck)
          ck[i] = k;
        i++;
      }
  if (igraph_create(ig, &ev, (igraph_integer_t)nc, IGRAPH_DIRECTED))
    rc = GRAPH_EIGRAPH;
  *ncore = nc;
done:
  if (have_ev)
    igraph_vector_int_destroy(&ev);
  free(sub);
  if (rc) {
    free(cv);
    free(ck);
    return rc;
  }
  *core_v = cv;
  if (core_k)
    *core_k = ck;
  return 0;
}

/* Builds g's guarantee core (graph_internal.h) at load time: graph_scc_core
 * leaves the vertices that can share a strongly connected component, and
 * they and the guarantee edges between them become one igraph graph.  Every
 * guarantee circle lies inside it, so queries never index the whole
 * guarantee graph again.  Runs under graph_ig_lock. */
static int graph_core_build(graph *g) {
  graph_gcsr cs;
  int rc = graph_gcsr_build(g, &cs);
  if (rc)
    return rc;
  size_t nv = g->nv;
  uint8_t *deg = calloc(nv + 1, 1); /* 1 = out, 2 = in */
  unsigned char *keep = calloc(nv + 1, 1);
  if (!deg || !keep)
    rc = GRAPH_ENOMEM;
  if (!rc)
    rc = graph_scc_core(&cs, nv, deg, keep);
  if (!rc)
    rc = core_igraph(&cs, nv, keep, &g->core, &g->core_v, &g->ncore, &g->core_e);
  if (!rc) {
    g->core_ok = true;
    /* CSR positions -> edges */
    for (size_t i = 0; i < (size_t)igraph_ecount(&g->core); i++)
      g->core_e[i] = cs.eid[g->core_e[i]];
    g->gdeg = deg;
    deg = NULL;
  }
  graph_gcsr_free(&cs);
  free(deg);
  free(keep);
  return rc;
}

int graph_csr_scc(const graph_gcsr *c, size_t nv, uint32_t **comp_out,
                  size_t *ncomp) {
  uint32_t *comp = malloc((nv + 1) * sizeof *comp);
  unsigned char *deg = calloc(nv + 1, 1), *keep = calloc(nv + 1, 1);
  uint32_t *core_v = NULL;
  size_t ncore = 0;
  igraph_t ig;
  bool have_ig = false, have_memb = false;
  igraph_vector_int_t memb;
  igraph_integer_t nc = 0;
  int rc = 0;
  graph_ig_lock();
  if (!comp || !deg || !keep)
    rc = GRAPH_ENOMEM;
  if (!rc)
    rc = graph_scc_core(c, nv, deg, keep);
  if (!rc && !(rc = core_igraph(c, nv, keep, &ig, &core_v, &ncore, NULL)))
    have_ig = true;
  if (!rc && igraph_vector_int_init(&memb, 0))
    rc = GRAPH_ENOMEM;
  else if (!rc)
    have_memb = true;
  if (!rc && igraph_connected_components(&ig, &memb, NULL, &nc, IGRAPH_STRONG))
    rc = GRAPH_EIGRAPH;
  if (!rc) {
    /* igraph's components keep their numbers; every other vertex is one */
    size_t next = (size_t)nc;
    for (size_t v = 0; v < nv; v++)
      comp[v] = keep[v] ? 0 : (uint32_t)next++;
    for (size_t i = 0; i < ncore; i++)
      comp[core_v[i]] = (uint32_t)VECTOR(memb)[i];
    *ncomp = next;
  }
  if (have_memb)
    igraph_vector_int_destroy(&memb);
  if (have_ig)
    igraph_destroy(&ig);
  graph_ig_unlock();
  free(core_v);
  free(deg);
  free(keep);
  if (rc) {
    free(comp);
    return rc;
  }
  *comp_out = comp;
  return 0;
}

/* Strongly connected components of the guarantee graph: igraph's
 * igraph_connected_components (IGRAPH_STRONG) on the core built at load;
 * every other vertex with a guarantee edge is a component of its own.
 * comp[v] is the component of v, GRAPH_NO_COMP for vertices without
 * enterprise guarantee edges; *ncomp components, numbered densely in
 * vertex order; size[k] their sizes.  Runs under the caller's
 * graph_ig_lock. */
int graph_guarantee_scc(const graph *g, uint32_t **comp_out, uint32_t **size_out,
                        size_t *ncomp) {
  size_t nv = g->nv;
  uint32_t *comp = malloc((nv + 1) * sizeof *comp);
  uint32_t *renum = NULL, *size = NULL;
  igraph_vector_int_t memb;
  igraph_integer_t nc = 0;
  bool have_memb = false;
  int rc = 0;
  if (!comp || igraph_vector_int_init(&memb, 0)) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  have_memb = true;
  if (!g->core_ok ||
      igraph_connected_components(&g->core, &memb, NULL, &nc, IGRAPH_STRONG)) {
    rc = GRAPH_EIGRAPH;
    goto done;
  }
  renum = malloc(((size_t)nc + 1) * sizeof *renum);
  size = calloc((size_t)nc + nv - g->ncore + 1, sizeof *size);
  if (!renum || !size) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  for (igraph_integer_t k = 0; k < nc; k++)
    renum[k] = GRAPH_NO_COMP;
  /* core vertices first hold igraph's component, renumbered below */
  for (size_t v = 0; v < nv; v++)
    comp[v] = GRAPH_NO_COMP;
  for (size_t i = 0; i < g->ncore; i++)
    comp[g->core_v[i]] = (uint32_t)VECTOR(memb)[i];
  size_t nsize = 0;
  for (size_t v = 0; v < nv; v++) {
    if (!g->gdeg[v])
      continue;
    if (comp[v] == GRAPH_NO_COMP) {
      comp[v] = (uint32_t)nsize++;
    } else {
      uint32_t k = comp[v];
      if (renum[k] == GRAPH_NO_COMP)
        renum[k] = (uint32_t)nsize++;
      comp[v] = renum[k];
    }
    size[comp[v]]++;
  }
  *ncomp = nsize;
done:
  if (have_memb)
    igraph_vector_int_destroy(&memb);
  free(renum);
  if (rc) {
    free(comp);
    free(size);
    return rc;
  }
  *comp_out = comp;
  *size_out = size;
  return 0;
}

/* Every circle lies in the core built at load: igraph's strongly connected
 * components of it, then members and edges from the core's vertices and
 * edges only. */
static int graph_circles_unlocked(const graph *g,
                                  Oppgraph__V1__GuaranteeCircle ***out,
                                  size_t *n) {
  *out = NULL;
  *n = 0;
  if (!g->core_ok)
    return GRAPH_EIGRAPH;
  igraph_vector_int_t memb, csize;
  igraph_integer_t ncomp = 0;
  if (igraph_vector_int_init(&memb, 0))
    return GRAPH_ENOMEM;
  if (igraph_vector_int_init(&csize, 0)) {
    igraph_vector_int_destroy(&memb);
    return GRAPH_ENOMEM;
  }
  int rc = 0;
  Oppgraph__V1__GuaranteeCircle **circ = NULL;
  size_t *comp_circle = NULL; /* component -> circle index + 1, 0 = none */
  size_t nc = 0, ncirc = 0;
  if (igraph_connected_components(&g->core, &memb, &csize, &ncomp,
                                  IGRAPH_STRONG)) {
    rc = GRAPH_EIGRAPH;
    goto done;
  }
  comp_circle = calloc((size_t)ncomp + 1, sizeof *comp_circle);
  for (igraph_integer_t k = 0; k < ncomp; k++)
    if (VECTOR(csize)[k] > 1)
      ncirc++;
  circ = calloc(ncirc + 1, sizeof *circ);
  if (!comp_circle || !circ) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  for (igraph_integer_t k = 0; k < ncomp; k++) {
    if (VECTOR(csize)[k] <= 1)
      continue;
    Oppgraph__V1__GuaranteeCircle *c = malloc(sizeof *c);
    if (!c) {
      rc = GRAPH_ENOMEM;
      goto done;
    }
    oppgraph__v1__guarantee_circle__init(c);
    circ[nc++] = c;
    comp_circle[k] = nc;
    c->members = malloc((size_t)VECTOR(csize)[k] * sizeof *c->members);
    if (!c->members) {
      rc = GRAPH_ENOMEM;
      goto done;
    }
  }
  for (size_t i = 0; i < g->ncore; i++) {
    size_t ci = comp_circle[VECTOR(memb)[i]];
    if (ci) {
      Oppgraph__V1__GuaranteeCircle *c = circ[ci - 1];
      c->members[c->n_members++] = g->node_id[g->core_v[i]];
    }
  }
  /* a circle's edges: core edges inside one component; counts first */
  size_t mcore = (size_t)igraph_ecount(&g->core);
  size_t *ecount = calloc(nc + 1, sizeof *ecount);
  if (!ecount) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
#define CIRCLE_OF_EDGE(i)                                                      \
  (VECTOR(memb)[IGRAPH_FROM(&g->core, i)] == VECTOR(memb)[IGRAPH_TO(&g->core, i)] \
       ? comp_circle[VECTOR(memb)[IGRAPH_FROM(&g->core, i)]]                   \
       : 0)
  for (size_t i = 0; i < mcore; i++) {
    size_t ci = CIRCLE_OF_EDGE(i);
    if (ci)
      ecount[ci - 1]++;
  }
  for (size_t i = 0; i < nc && !rc; i++) {
    circ[i]->edge_ids = malloc((ecount[i] + 1) * sizeof *circ[i]->edge_ids);
    if (!circ[i]->edge_ids)
      rc = GRAPH_ENOMEM;
  }
  free(ecount);
  if (rc)
    goto done;
  for (size_t i = 0; i < mcore; i++) {
    size_t ci = CIRCLE_OF_EDGE(i);
    if (!ci)
      continue;
    Oppgraph__V1__GuaranteeCircle *c = circ[ci - 1];
    size_t e = g->core_e[i];
    c->edge_ids[c->n_edge_ids++] = g->e_id[e];
    c->total_amount += g->e_amount[e];
  }
#undef CIRCLE_OF_EDGE
  for (size_t i = 0; i < nc; i++) {
    qsort(circ[i]->members, circ[i]->n_members, sizeof(uint64_t), cmp_u64);
    qsort(circ[i]->edge_ids, circ[i]->n_edge_ids, sizeof(uint64_t), cmp_u64);
  }
  qsort(circ, nc, sizeof *circ, cmp_circle);
done:
  igraph_vector_int_destroy(&memb);
  igraph_vector_int_destroy(&csize);
  free(comp_circle);
  if (rc) {
    graph_circles_free(circ, nc);
    return rc;
  }
  *out = circ;
  *n = nc;
  return 0;
}

int graph_circles(const graph *g, Oppgraph__V1__GuaranteeCircle ***out,
                  size_t *n) {
  graph_ig_lock();
  int rc = graph_circles_unlocked(g, out, n);
  graph_ig_unlock();
  return rc;
}

int graph_rebuild_circles(store *st, graph_report *rep) {
  return graph_rebuild_circles_at(st, NULL, rep);
}

int graph_rebuild_circles_at(store *st, const char *as_of, graph_report *rep) {
  if (!st)
    return GRAPH_EINVAL;
  store_txn *txn;
  if (store_begin(st, true, &txn))
    return GRAPH_ESTORE;
  const Oppgraph__V1__EdgeType t = T_GUARANTEE;
  graph *g = NULL;
  Oppgraph__V1__GuaranteeCircle **c = NULL;
  size_t n = 0;
  graph_pair *pairs = NULL;
  size_t npairs = 0;
  int rc = graph_load_at(txn, &t, 1, as_of, &g);
  if (!rc)
    rc = graph_circles(g, &c, &n);
  if (!rc)
    rc = graph_mutual_pairs(g, &pairs, &npairs);
  if (!rc && store_circles_replace(txn, c, n))
    rc = GRAPH_ESTORE;
  /* the topological order graph_update_circles continues from; a rebuild
   * as of a date is not the current graph, so it leaves none */
  if (!rc)
    rc = graph_incr_reset(txn, as_of && *as_of ? NULL : g);
  if (!rc && rep) {
    memset(rep, 0, sizeof *rep);
    graph_info_get(g, &rep->info);
    rep->circles = n;
    for (size_t i = 0; i < n; i++)
      rep->circle_members += c[i]->n_members;
    rep->mutual_pairs = npairs;
  }
  free(pairs);
  graph_circles_free(c, n);
  graph_free(g);
  if (rc) {
    store_abort(txn);
    return rc;
  }
  return store_commit(txn) ? GRAPH_ESTORE : 0;
}

/* ---- mutual pairs ------------------------------------------------------ */

typedef struct dir_edge {
  uint64_t lo, hi; /* enterprise ids, lo < hi */
  bool fwd;        /* lo -> hi */
  uint64_t id;
  int64_t amount;
} dir_edge;

static int cmp_dir_edge(const void *a, const void *b) {
  const dir_edge *x = a, *y = b;
  if (x->lo != y->lo)
    return x->lo < y->lo ? -1 : 1;
  if (x->hi != y->hi)
    return x->hi < y->hi ? -1 : 1;
  if (x->fwd != y->fwd)
    return x->fwd ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

int graph_mutual_pairs(const graph *g, graph_pair **out, size_t *n) {
  *out = NULL;
  *n = 0;
  dir_edge *d = malloc((g->ne ? g->ne : 1) * sizeof *d);
  graph_pair *p = malloc((g->ne / 2 + 1) * sizeof *p);
  if (!d || !p) {
    free(d);
    free(p);
    return GRAPH_ENOMEM;
  }
  size_t nd = 0, np = 0;
  for (size_t e = 0; e < g->ne; e++) {
    if (!is_ent_guarantee(g, e))
      continue;
    uint64_t s = g->node_id[g->e_src[e]], t = g->node_id[g->e_dst[e]];
    d[nd++] = (dir_edge){s < t ? s : t, s < t ? t : s, s < t, g->e_id[e],
                         g->e_amount[e]};
  }
  qsort(d, nd, sizeof *d, cmp_dir_edge);
  for (size_t i = 0; i < nd;) {
    size_t j = i;
    while (j < nd && d[j].lo == d[i].lo && d[j].hi == d[i].hi)
      j++;
    /* within [i,j): forward edges first, then backward */
    if (d[i].fwd && !d[j - 1].fwd) {
      graph_pair q = {d[i].lo, d[i].hi, d[i].id, 0, 0, 0};
      for (size_t k = i; k < j; k++) {
        if (d[k].fwd) {
          q.amount_ab += d[k].amount;
        } else {
          if (!q.edge_ba)
            q.edge_ba = d[k].id;
          q.amount_ba += d[k].amount;
        }
      }
      p[np++] = q;
    }
    i = j;
  }
  free(d);
  *out = p;
  *n = np;
  return 0;
}

/* ---- simple cycles ----------------------------------------------------- */

/* Compressed adjacency of the enterprise guarantee graph (parallel edges
 * collapsed), for the cycle search. */
typedef struct csr {
  size_t *off, *adj;
} csr;

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

static int guarantee_csr(const graph *g, csr *c) {
  c->off = calloc(g->nv + 1, sizeof *c->off);
  c->adj = malloc((g->ne ? g->ne : 1) * sizeof *c->adj);
  if (!c->off || !c->adj)
    return GRAPH_ENOMEM;
  for (size_t e = 0; e < g->ne; e++)
    if (is_ent_guarantee(g, e))
      c->off[g->e_src[e] + 1]++;
  for (size_t v = 0; v < g->nv; v++)
    c->off[v + 1] += c->off[v];
  size_t *fill = calloc(g->nv + 1, sizeof *fill);
  if (!fill)
    return GRAPH_ENOMEM;
  for (size_t e = 0; e < g->ne; e++)
    if (is_ent_guarantee(g, e)) {
      size_t s = g->e_src[e];
      c->adj[c->off[s] + fill[s]++] = g->e_dst[e];
    }
  free(fill);
  for (size_t v = 0; v < g->nv; v++)
    qsort(c->adj + c->off[v], c->off[v + 1] - c->off[v], sizeof(size_t),
          cmp_size);
  return 0;
}

typedef struct cyc_ctx {
  const graph *g;
  csr c;
  size_t max_len, max_cycles;
  size_t *path;
  bool *on_path;
  uint64_t *ids;
  size_t *lens;
  size_t n, nids, cap_ids, cap_lens;
  bool truncated;
  int err;
} cyc_ctx;

static int cyc_emit(cyc_ctx *x, size_t len) {
  if (x->max_cycles && x->n >= x->max_cycles) {
    x->truncated = true;
    return 1;
  }
  if (x->nids + len > x->cap_ids) {
    size_t cap = (x->cap_ids + len) * 2;
    uint64_t *p = realloc(x->ids, cap * sizeof *p);
    if (!p)
      return x->err = GRAPH_ENOMEM, 1;
    x->ids = p;
    x->cap_ids = cap;
  }
  if (x->n == x->cap_lens) {
    size_t cap = x->cap_lens ? x->cap_lens * 2 : 16;
    size_t *p = realloc(x->lens, cap * sizeof *p);
    if (!p)
      return x->err = GRAPH_ENOMEM, 1;
    x->lens = p;
    x->cap_lens = cap;
  }
  for (size_t i = 0; i < len; i++)
    x->ids[x->nids++] = x->g->node_id[x->path[i]];
  x->lens[x->n++] = len;
  return 0;
}

/* Depth-first search of paths from path[0] through vertices with a larger
 * index than the start, so each cycle is found once, from its smallest
 * vertex.  Vertex indices are not id order, so the emitted cycle is rotated to
 * start at its smallest id afterwards. */
static int cyc_dfs(cyc_ctx *x, size_t depth) {
  size_t v = x->path[depth - 1], s = x->path[0];
  size_t prev = SIZE_MAX;
  for (size_t k = x->c.off[v]; k < x->c.off[v + 1]; k++) {
    size_t w = x->c.adj[k];
    if (w == prev)
      continue; /* parallel edge */
    prev = w;
    if (w == s && depth >= 2) {
      if (cyc_emit(x, depth))
        return 1;
    } else if (w > s && !x->on_path[w] && depth < x->max_len) {
      x->path[depth] = w;
      x->on_path[w] = true;
      int stop = cyc_dfs(x, depth + 1);
      x->on_path[w] = false;
      if (stop)
        return 1;
    }
  }
  return 0;
}

static void rotate_min_first(uint64_t *a, size_t len) {
  size_t m = 0;
  for (size_t i = 1; i < len; i++)
    if (a[i] < a[m])
      m = i;
  while (m--) { /* short cycles: a plain rotation is enough */
    uint64_t t = a[0];
    memmove(a, a + 1, (len - 1) * sizeof *a);
    a[len - 1] = t;
  }
}

int graph_guarantee_cycles(const graph *g, size_t max_len, size_t max_cycles,
                           uint64_t **ids, size_t **lens, size_t *n,
                           bool *truncated) {
  if (max_len < 2)
    return GRAPH_EINVAL;
  cyc_ctx x = {.g = g, .max_len = max_len, .max_cycles = max_cycles};
  int rc = guarantee_csr(g, &x.c);
  x.path = malloc((max_len + 1) * sizeof *x.path);
  x.on_path = calloc(g->nv + 1, sizeof *x.on_path);
  if (!rc && (!x.path || !x.on_path))
    rc = GRAPH_ENOMEM;
  for (size_t s = 0; !rc && s < g->nv; s++) {
    if (x.c.off[s] == x.c.off[s + 1])
      continue;
    x.path[0] = s;
    x.on_path[s] = true;
    int stop = cyc_dfs(&x, 1);
    x.on_path[s] = false;
    if (x.err)
      rc = x.err;
    if (stop)
      break;
  }
  free(x.c.off);
  free(x.c.adj);
  free(x.path);
  free(x.on_path);
  if (rc) {
    free(x.ids);
    free(x.lens);
    return rc;
  }
  for (size_t i = 0, o = 0; i < x.n; o += x.lens[i++])
    rotate_min_first(x.ids + o, x.lens[i]);
  *ids = x.ids;
  *lens = x.lens;
  *n = x.n;
  if (truncated)
    *truncated = x.truncated;
  return 0;
}

/* ---- ownership penetration --------------------------------------------- */

int graph_cmp_owner(const void *a, const void *b) {
  const graph_owner *x = a, *y = b;
  if (x->share != y->share)
    return x->share > y->share ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* One shareholding edge of the upstream subgraph, by positions in set[]. */
typedef struct up_edge {
  uint32_t holder, held;
  double ratio;
} up_edge;

static int cmp_up_edge(const void *a, const void *b) {
  const up_edge *x = a, *y = b;
  return x->holder < y->holder ? -1 : x->holder > y->holder;
}

static int graph_owners_unlocked(const graph *g, uint64_t target,
                                 double min_share, graph_owner **out,
                                 size_t *n) {
  *out = NULL;
  *n = 0;
  size_t t;
  if (graph_vertex_of(g, KIND_ENT, target, &t))
    return GRAPH_ENOTFOUND;
  /* 1. the upstream set by BFS over incoming shareholding edges, keeping
   *    those edges (holder, held, ratio) as positions in set[] */
  size_t *set = NULL, ns = 0, capset = 0;
  up_edge *ue = NULL;
  size_t nue = 0, capue = 0;
  bool *has_holder = NULL;
  double *share = NULL;
  graph_owner *o = NULL;
  size_t no = 0;
  graph_vmap pos;
  igraph_vector_int_t inc;
  if (graph_vmap_init(&pos, 64))
    return GRAPH_ENOMEM;
  if (igraph_vector_int_init(&inc, 0)) {
    graph_vmap_destroy(&pos);
    return GRAPH_ENOMEM;
  }
  int rc = 0;
#define PUSH(arr, nn, cap, item)                                               \
  do {                                                                         \
    if (nn == cap) {                                                           \
      size_t c2 = cap ? cap * 2 : 64;                                          \
      void *p2 = realloc(arr, c2 * sizeof *arr);                               \
      if (!p2) {                                                               \
        rc = GRAPH_ENOMEM;                                                     \
        goto done;                                                             \
      }                                                                        \
      arr = p2;                                                                \
      cap = c2;                                                                \
    }                                                                          \
    arr[nn++] = item;                                                          \
  } while (0)
  PUSH(set, ns, capset, t);
  if (graph_vmap_put(&pos, t, 0)) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < ns; i++) {
    if (igraph_incident(&g->ig, &inc, (igraph_integer_t)set[i], IGRAPH_IN)) {
      rc = GRAPH_EIGRAPH;
      goto done;
    }
    for (igraph_integer_t k = 0; k < igraph_vector_int_size(&inc); k++) {
      size_t e = (size_t)VECTOR(inc)[k];
      if (g->e_type[e] != T_SHARE)
        continue;
      size_t h = g->e_src[e];
      uint32_t p = graph_vmap_get(&pos, h);
      if (p == UINT32_MAX) {
        p = (uint32_t)ns;
        PUSH(set, ns, capset, h);
        if (graph_vmap_put(&pos, h, p)) {
          rc = GRAPH_ENOMEM;
          goto done;
        }
      }
      PUSH(ue, nue, capue, ((up_edge){p, (uint32_t)i, g->e_ratio[e]}));
    }
  }
#undef PUSH
  share = calloc(ns, sizeof *share);
  has_holder = calloc(ns, sizeof *has_holder);
  size_t *first = calloc(ns + 1, sizeof *first);
  if (!share || !has_holder || !first) {
    free(first);
    rc = GRAPH_ENOMEM;
    goto done;
  }
  /* 2. Gauss–Seidel on share[h] = sum over h -> u of ratio * share[u], with
   *    share[target] = 1 fixed.  Ratios into each held company sum to at
   *    most 1, so the iteration contracts on cross-holdings and converges
   *    geometrically; the cap only guards against inconsistent data (ratios
   *    summing over 1 around a cycle). */
  if (nue)
    qsort(ue, nue, sizeof *ue, cmp_up_edge);
  for (size_t k = 0; k < nue; k++) {
    first[ue[k].holder + 1]++;
    has_holder[ue[k].held] = true;
  }
  for (size_t i = 0; i < ns; i++)
    first[i + 1] += first[i];
  share[0] = 1.0;
  for (int iter = 0; iter < 10000; iter++) {
    double delta = 0;
    for (size_t i = 1; i < ns; i++) {
      double s = 0;
      for (size_t k = first[i]; k < first[i + 1]; k++)
        s += ue[k].ratio * share[ue[k].held];
      delta = fmax(delta, fabs(s - share[i]));
      share[i] = s;
    }
    if (delta < 1e-12)
      break;
  }
  free(first);
  if (!(o = malloc(ns * sizeof *o))) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  for (size_t i = 1; i < ns; i++) {
    if (share[i] + 1e-12 < min_share)
      continue;
    o[no++] = (graph_owner){(Oppgraph__V1__NodeKind)g->node_kind[set[i]],
                            g->node_id[set[i]], share[i], !has_holder[i]};
  }
done:
  igraph_vector_int_destroy(&inc);
  graph_vmap_destroy(&pos);
  free(set);
  free(ue);
  free(share);
  free(has_holder);
  if (rc) {
    free(o);
    return rc;
  }
  if (no)
    qsort(o, no, sizeof *o, graph_cmp_owner);
  *out = o;
  *n = no;
  return 0;
}

int graph_owners(const graph *g, uint64_t target, double min_share,
                 graph_owner **out, size_t *n) {
  graph_ig_lock();
  int rc = graph_owners_unlocked(g, target, min_share, out, n);
  graph_ig_unlock();
  return rc;
}

/* ---- neighbourhoods ---------------------------------------------------- */

static int cmp_hop(const void *a, const void *b) {
  const graph_hop *x = a, *y = b;
  if (x->dist != y->dist)
    return x->dist < y->dist ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int graph_neighbourhood_unlocked(const graph *g, uint64_t start,
                                        unsigned max_hops, enum graph_dir dir,
                                        graph_hop **out, size_t *n) {
  *out = NULL;
  *n = 0;
  size_t s;
  if (graph_vertex_of(g, KIND_ENT, start, &s))
    return GRAPH_ENOTFOUND;
  igraph_neimode_t mode = dir == GRAPH_OUT  ? IGRAPH_OUT
                          : dir == GRAPH_IN ? IGRAPH_IN
                                            : IGRAPH_ALL;
  graph_hop *h = NULL;
  size_t nh = 0, caph = 0;
  graph_vmap dist;
  igraph_vector_int_t nb;
  if (graph_vmap_init(&dist, 64))
    return GRAPH_ENOMEM;
  if (igraph_vector_int_init(&nb, 0)) {
    graph_vmap_destroy(&dist);
    return GRAPH_ENOMEM;
  }
  int rc = graph_vmap_put(&dist, s, 0);
  /* vq is the BFS queue (the start is implicit, before vq[0]); vertices are
   * appended in distance order */
  size_t *vq = NULL, capq = 0, qt = 0;
  for (size_t qh = 0; !rc && qh <= qt; qh++) {
    size_t v = qh == 0 ? s : vq[qh - 1];
    uint32_t d = graph_vmap_get(&dist, v);
    if (d >= max_hops)
      continue;
    if (igraph_neighbors(&g->ig, &nb, (igraph_integer_t)v, mode)) {
      rc = GRAPH_EIGRAPH;
      break;
    }
    for (igraph_integer_t k = 0; !rc && k < igraph_vector_int_size(&nb); k++) {
      size_t w = (size_t)VECTOR(nb)[k];
      if (graph_vmap_get(&dist, w) != UINT32_MAX)
        continue;
      if (graph_vmap_put(&dist, w, d + 1)) {
        rc = GRAPH_ENOMEM;
        break;
      }
      if (qt == capq) {
        size_t c2 = capq ? capq * 2 : 64;
        size_t *p = realloc(vq, c2 * sizeof *p);
        if (!p) {
          rc = GRAPH_ENOMEM;
          break;
        }
        vq = p;
        capq = c2;
      }
      vq[qt++] = w;
    }
  }
  caph = qt;
  if (!rc && !(h = malloc((caph ? caph : 1) * sizeof *h)))
    rc = GRAPH_ENOMEM;
  for (size_t i = 0; !rc && i < qt; i++)
    h[nh++] = (graph_hop){(Oppgraph__V1__NodeKind)g->node_kind[vq[i]],
                          g->node_id[vq[i]], graph_vmap_get(&dist, vq[i])};
  igraph_vector_int_destroy(&nb);
  graph_vmap_destroy(&dist);
  free(vq);
  if (rc) {
    free(h);
    return rc;
  }
  if (nh)
    qsort(h, nh, sizeof *h, cmp_hop);
  *out = h;
  *n = nh;
  return 0;
}

int graph_neighbourhood(const graph *g, uint64_t start, unsigned max_hops,
                        enum graph_dir dir, graph_hop **out, size_t *n) {
  graph_ig_lock();
  int rc = graph_neighbourhood_unlocked(g, start, max_hops, dir, out, n);
  graph_ig_unlock();
  return rc;
}

/* ---- risk contagion ---------------------------------------------------- */

static int cmp_exposed(const void *a, const void *b) {
  const graph_exposed *x = a, *y = b;
  if (x->weight != y->weight)
    return x->weight > y->weight ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Propagation factor of edge e when risk travels from vertex `from` across
 * it; 0 = no propagation along this edge type. */
static double channel_factor(const graph *g, size_t e, size_t from) {
  bool forward = g->e_src[e] == from; /* risk moves src -> dst */
  switch (g->e_type[e]) {
  case T_GUARANTEE:
    return forward ? 0.5 : 1.0;
  case T_SHARE:
    return g->e_ratio[e] > 0 ? fmin(1.0, g->e_ratio[e]) : 0;
  default:
    return 0;
  }
}

typedef struct reach {
  double w;
  unsigned hops;
  size_t via;
  uint8_t channel;
} reach;

static int graph_contagion_unlocked(const graph *g, uint64_t source,
                                    unsigned max_hops, double decay,
                                    double min_weight, graph_exposed **out,
                                    size_t *n) {
  *out = NULL;
  *n = 0;
  size_t s;
  if (graph_vertex_of(g, KIND_ENT, source, &s))
    return GRAPH_ENOTFOUND;
  if (!(decay > 0 && decay <= 1))
    return GRAPH_EINVAL;
  /* Bellman–Ford limited to max_hops rounds over the touched vertices: the
   * strongest path of at most k hops is known after round k.  Touched
   * vertices get a slot in r[] through the vertex map. */
  graph_vmap idx;
  reach *r = NULL;
  size_t *verts = NULL, nr = 0, capr = 0;
  size_t *frontier = NULL, nf = 0, *next = NULL, nn = 0;
  igraph_vector_int_t inc;
  if (graph_vmap_init(&idx, 64))
    return GRAPH_ENOMEM;
  if (igraph_vector_int_init(&inc, 0)) {
    graph_vmap_destroy(&idx);
    return GRAPH_ENOMEM;
  }
  int rc = 0;
  graph_exposed *o = NULL;
  size_t no = 0;
  capr = 64;
  r = malloc(capr * sizeof *r);
  verts = malloc(capr * sizeof *verts);
  frontier = malloc(capr * sizeof *frontier);
  next = malloc(capr * sizeof *next);
  if (!r || !verts || !frontier || !next || graph_vmap_put(&idx, s, 0)) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  r[0] = (reach){1.0, 0, s, 0};
  verts[0] = s;
  nr = 1;
  frontier[nf++] = 0;
  for (unsigned round = 0; round < max_hops && nf; round++) {
    nn = 0;
    for (size_t fi = 0; fi < nf; fi++) {
      size_t ri = frontier[fi], v = verts[ri];
      double wv = r[ri].w;
      if (igraph_incident(&g->ig, &inc, (igraph_integer_t)v, IGRAPH_ALL)) {
        rc = GRAPH_EIGRAPH;
        goto done;
      }
      for (igraph_integer_t k = 0; k < igraph_vector_int_size(&inc); k++) {
        size_t e = (size_t)VECTOR(inc)[k];
        double f = channel_factor(g, e, v);
        if (f <= 0)
          continue;
        size_t w = g->e_src[e] == v ? g->e_dst[e] : g->e_src[e];
        double nw = wv * f * decay;
        if (nw < min_weight)
          continue;
        uint32_t wi = graph_vmap_get(&idx, w);
        if (wi == UINT32_MAX) {
          if (nr == capr) {
            size_t c2 = capr * 2;
            reach *r2 = realloc(r, c2 * sizeof *r2);
            if (r2)
              r = r2;
            size_t *v2 = realloc(verts, c2 * sizeof *v2);
            if (v2)
              verts = v2;
            size_t *f2 = realloc(frontier, c2 * sizeof *f2);
            if (f2)
              frontier = f2;
            size_t *n2 = realloc(next, c2 * sizeof *n2);
            if (n2)
              next = n2;
            if (!r2 || !v2 || !f2 || !n2) {
              rc = GRAPH_ENOMEM;
              goto done;
            }
            capr = c2;
          }
          wi = (uint32_t)nr++;
          verts[wi] = w;
          r[wi] = (reach){0, 0, v, 0};
          if (graph_vmap_put(&idx, w, wi)) {
            rc = GRAPH_ENOMEM;
            goto done;
          }
        }
        if (nw > r[wi].w) {
          bool queued = r[wi].w > 0 && r[wi].hops == round + 1;
          r[wi] = (reach){nw, round + 1, v, g->e_type[e]};
          if (!queued && wi != 0)
            next[nn++] = wi;
        }
      }
    }
    size_t *t = frontier;
    frontier = next;
    next = t;
    nf = nn;
  }
  if (!(o = malloc(nr * sizeof *o))) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  for (size_t i = 1; i < nr; i++) {
    if (r[i].w < min_weight || r[i].w <= 0)
      continue;
    o[no++] = (graph_exposed){(Oppgraph__V1__NodeKind)g->node_kind[verts[i]],
                              g->node_id[verts[i]],
                              r[i].w,
                              r[i].hops,
                              (Oppgraph__V1__NodeKind)g->node_kind[r[i].via],
                              g->node_id[r[i].via],
                              (Oppgraph__V1__EdgeType)r[i].channel};
  }
done:
  igraph_vector_int_destroy(&inc);
  graph_vmap_destroy(&idx);
  free(r);
  free(verts);
  free(frontier);
  free(next);
  if (rc) {
    free(o);
    return rc;
  }
  if (no)
    qsort(o, no, sizeof *o, cmp_exposed);
  *out = o;
  *n = no;
  return 0;
}

int graph_contagion(const graph *g, uint64_t source, unsigned max_hops,
                    double decay, double min_weight, graph_exposed **out,
                    size_t *n) {
  graph_ig_lock();
  int rc =
      graph_contagion_unlocked(g, source, max_hops, decay, min_weight, out, n);
  graph_ig_unlock();
  return rc;
}

/* ---- groups ------------------------------------------------------------ */

static int graph_group_head_unlocked(const graph *g, uint64_t ent,
                                     Oppgraph__V1__NodeKind *kind,
                                     uint64_t *id) {
  *kind = (Oppgraph__V1__NodeKind)KIND_ENT;
  *id = ent;
  size_t v;
  if (graph_vertex_of(g, KIND_ENT, ent, &v))
    return 0;
  igraph_vector_int_t inc;
  if (igraph_vector_int_init(&inc, 0))
    return GRAPH_ENOMEM;
  /* chains are short; a cross-holding cycle of majorities (which real
   * registries do not have, but bad data may) is cut by the step limit */
  size_t head = v;
  for (int step = 0; step < 64; step++) {
    if (igraph_incident(&g->ig, &inc, (igraph_integer_t)head, IGRAPH_IN)) {
      igraph_vector_int_destroy(&inc);
      return GRAPH_EIGRAPH;
    }
    size_t best = SIZE_MAX;
    double best_ratio = 0.5;
    for (igraph_integer_t k = 0; k < igraph_vector_int_size(&inc); k++) {
      size_t e = (size_t)VECTOR(inc)[k];
      if (g->e_type[e] == T_SHARE && g->e_ratio[e] > best_ratio) {
        best_ratio = g->e_ratio[e];
        best = g->e_src[e];
      }
    }
    if (best == SIZE_MAX || best == v)
      break;
    head = best;
  }
  igraph_vector_int_destroy(&inc);
  *kind = (Oppgraph__V1__NodeKind)g->node_kind[head];
  *id = g->node_id[head];
  return 0;
}

int graph_group_head(const graph *g, uint64_t ent, Oppgraph__V1__NodeKind *kind,
                     uint64_t *id) {
  graph_ig_lock();
  int rc = graph_group_head_unlocked(g, ent, kind, id);
  graph_ig_unlock();
  return rc;
}

/* ---- guarantee exposure ------------------------------------------------ */

static int cmp_exposure(const void *a, const void *b) {
  const graph_exposure *x = a, *y = b;
  if (x->hops != y->hops)
    return x->hops < y->hops ? -1 : 1;
  if (x->bound != y->bound)
    return x->bound > y->bound ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int graph_guarantee_exposure_unlocked(const graph *g, uint64_t ent,
                                             unsigned max_hops,
                                             graph_exposure **out, size_t *n) {
  *out = NULL;
  *n = 0;
  size_t s;
  if (graph_vertex_of(g, KIND_ENT, ent, &s))
    return GRAPH_ENOTFOUND;
  /* BFS level by level over enterprise guarantee edges; x[i] describes the
   * vertex vq[i]; idx maps a vertex to i + 1 (0 = the start) */
  graph_vmap idx;
  igraph_vector_int_t inc;
  if (graph_vmap_init(&idx, 64))
    return GRAPH_ENOMEM;
  if (igraph_vector_int_init(&inc, 0)) {
    graph_vmap_destroy(&idx);
    return GRAPH_ENOMEM;
  }
  graph_exposure *x = NULL;
  size_t *vq = NULL, nx = 0, cap = 0;
  int rc = graph_vmap_put(&idx, s, 0);
  for (size_t qh = 0; !rc && qh <= nx; qh++) {
    size_t v = qh == 0 ? s : vq[qh - 1];
    unsigned hops = qh == 0 ? 0 : x[qh - 1].hops;
    int64_t bound = qh == 0 ? INT64_MAX : x[qh - 1].bound;
    if (hops >= max_hops)
      continue;
    if (igraph_incident(&g->ig, &inc, (igraph_integer_t)v, IGRAPH_OUT)) {
      rc = GRAPH_EIGRAPH;
      break;
    }
    for (igraph_integer_t k = 0; k < igraph_vector_int_size(&inc); k++) {
      size_t e = (size_t)VECTOR(inc)[k];
      if (!is_ent_guarantee(g, e))
        continue;
      size_t w = g->e_dst[e];
      int64_t b = g->e_amount[e] < bound ? g->e_amount[e] : bound;
      uint32_t at = graph_vmap_get(&idx, w);
      if (at != UINT32_MAX) {
        /* seen: a chain as short with a larger bound replaces it */
        if (at > 0 && x[at - 1].hops == hops + 1 && b > x[at - 1].bound)
          x[at - 1] =
              (graph_exposure){g->node_id[w], hops + 1,       g->node_id[v],
                               g->e_id[e],    g->e_amount[e], b};
        continue;
      }
      if (nx == cap) {
        size_t c2 = cap ? cap * 2 : 32;
        graph_exposure *x2 = realloc(x, c2 * sizeof *x2);
        if (x2)
          x = x2;
        size_t *q2 = realloc(vq, c2 * sizeof *q2);
        if (q2)
          vq = q2;
        if (!x2 || !q2) {
          rc = GRAPH_ENOMEM;
          break;
        }
        cap = c2;
      }
      x[nx] = (graph_exposure){g->node_id[w], hops + 1,       g->node_id[v],
                               g->e_id[e],    g->e_amount[e], b};
      vq[nx++] = w;
      if (graph_vmap_put(&idx, w, (uint32_t)nx)) {
        rc = GRAPH_ENOMEM;
        break;
      }
    }
  }
  igraph_vector_int_destroy(&inc);
  graph_vmap_destroy(&idx);
  free(vq);
  if (rc) {
    free(x);
    return rc;
  }
  if (nx)
    qsort(x, nx, sizeof *x, cmp_exposure);
  *out = x;
  *n = nx;
  return 0;
}

int graph_guarantee_exposure(const graph *g, uint64_t ent, unsigned max_hops,
                             graph_exposure **out, size_t *n) {
  graph_ig_lock();
  int rc = graph_guarantee_exposure_unlocked(g, ent, max_hops, out, n);
  graph_ig_unlock();
  return rc;
}

/* ---- related parties --------------------------------------------------- */

typedef struct rel_list {
  graph_related *v;
  size_t n, cap;
} rel_list;

static int rel_add(rel_list *l, graph_related r) {
  for (size_t i = 0; i < l->n; i++) /* lists are short */
    if (l->v[i].id == r.id && l->v[i].relation == r.relation)
      return 0;
  if (l->n == l->cap) {
    size_t c2 = l->cap ? l->cap * 2 : 16;
    graph_related *p = realloc(l->v, c2 * sizeof *p);
    if (!p)
      return GRAPH_ENOMEM;
    l->v = p;
    l->cap = c2;
  }
  l->v[l->n++] = r;
  return 0;
}

static int cmp_related(const void *a, const void *b) {
  const graph_related *x = a, *y = b;
  if (x->relation != y->relation)
    return x->relation < y->relation ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Enterprises sharing a person with ent through edges of `type`. */
static int shared_person(const graph *g, size_t v, uint8_t type,
                         enum graph_relation rel, rel_list *l,
                         igraph_vector_int_t *a, igraph_vector_int_t *b) {
  if (igraph_incident(&g->ig, a, (igraph_integer_t)v, IGRAPH_IN))
    return GRAPH_EIGRAPH;
  for (igraph_integer_t i = 0; i < igraph_vector_int_size(a); i++) {
    size_t e = (size_t)VECTOR(*a)[i], p = g->e_src[e];
    if (g->e_type[e] != type || g->node_kind[p] != KIND_PERSON)
      continue;
    if (igraph_incident(&g->ig, b, (igraph_integer_t)p, IGRAPH_OUT))
      return GRAPH_EIGRAPH;
    for (igraph_integer_t k = 0; k < igraph_vector_int_size(b); k++) {
      size_t f = (size_t)VECTOR(*b)[k], w = g->e_dst[f];
      if (g->e_type[f] != type || w == v || g->node_kind[w] != KIND_ENT)
        continue;
      if (rel_add(l, (graph_related){g->node_id[w], rel,
                                     (Oppgraph__V1__NodeKind)KIND_PERSON,
                                     g->node_id[p]}))
        return GRAPH_ENOMEM;
    }
  }
  return 0;
}

static int graph_related_parties_unlocked(const graph *g, uint64_t ent,
                                          graph_related **out, size_t *n) {
  *out = NULL;
  *n = 0;
  size_t v;
  if (graph_vertex_of(g, KIND_ENT, ent, &v))
    return GRAPH_ENOTFOUND;
  rel_list l = {0};
  igraph_vector_int_t a, b;
  if (igraph_vector_int_init(&a, 0))
    return GRAPH_ENOMEM;
  if (igraph_vector_int_init(&b, 0)) {
    igraph_vector_int_destroy(&a);
    return GRAPH_ENOMEM;
  }
  Oppgraph__V1__NodeKind hk;
  uint64_t hid;
  int rc = graph_group_head(g, ent, &hk, &hid);
  size_t h;
  if (!rc && !graph_vertex_of(g, hk, hid, &h)) {
    /* the group: majority chains down from the head (which is ent itself
     * when nobody controls it: then its subsidiaries are its group) */
    size_t *q = malloc(64 * sizeof *q), nq = 0, capq = 64;
    graph_vmap seen;
    if (!q || graph_vmap_init(&seen, 64)) {
      free(q);
      rc = GRAPH_ENOMEM;
    } else {
      q[nq++] = h;
      rc = graph_vmap_put(&seen, h, 0);
      for (size_t i = 0; !rc && i < nq; i++) {
        if (igraph_incident(&g->ig, &a, (igraph_integer_t)q[i], IGRAPH_OUT)) {
          rc = GRAPH_EIGRAPH;
          break;
        }
        for (igraph_integer_t k = 0; !rc && k < igraph_vector_int_size(&a);
             k++) {
          size_t e = (size_t)VECTOR(a)[k], w = g->e_dst[e];
          if (g->e_type[e] != T_SHARE || g->e_ratio[e] <= 0.5 ||
              graph_vmap_get(&seen, w) != UINT32_MAX)
            continue;
          if ((rc = graph_vmap_put(&seen, w, 0)))
            break;
          if (nq == capq) {
            size_t *q2 = realloc(q, capq * 2 * sizeof *q2);
            if (!q2) {
              rc = GRAPH_ENOMEM;
              break;
            }
            q = q2;
            capq *= 2;
          }
          q[nq++] = w;
          if (w != v && g->node_kind[w] == KIND_ENT)
            rc = rel_add(
                &l, (graph_related){g->node_id[w], GRAPH_REL_GROUP, hk, hid});
        }
      }
      graph_vmap_destroy(&seen);
      free(q);
    }
  }
  if (!rc)
    rc = shared_person(g, v, OPPGRAPH__V1__EDGE_TYPE__EXECUTIVE,
                       GRAPH_REL_EXECUTIVE, &l, &a, &b);
  if (!rc)
    rc = shared_person(g, v, OPPGRAPH__V1__EDGE_TYPE__LEGAL_REP,
                       GRAPH_REL_LEGAL_REP, &l, &a, &b);
  igraph_vector_int_destroy(&a);
  igraph_vector_int_destroy(&b);
  if (rc) {
    free(l.v);
    return rc;
  }
  if (l.n)
    qsort(l.v, l.n, sizeof *l.v, cmp_related);
  *out = l.v;
  *n = l.n;
  return 0;
}

int graph_related_parties(const graph *g, uint64_t ent, graph_related **out,
                          size_t *n) {
  graph_ig_lock();
  int rc = graph_related_parties_unlocked(g, ent, out, n);
  graph_ig_unlock();
  return rc;
}
