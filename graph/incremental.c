/*
 * incremental.c — keeping the stored guarantee circles up to date after a
 * small ingest batch without reloading the whole graph.
 *
 * Circles are the strongly connected components (SCCs) of more than one
 * enterprise in the guarantee graph.  Edges are only ever added (the store
 * has no edge deletion), so components only merge.  The update follows
 * Pearce and Kelly's dynamic topological order: every enterprise of the
 * guarantee graph has a position `ord`, equal for the members of one
 * component and increasing along every edge between components.  A new edge
 * u -> v with ord(u) < ord(v) changes nothing.  Otherwise only the
 * enterprises with positions between ord(v) and ord(u) can be involved: F =
 * those reachable from v with ord <= ord(u), B = those reaching u with ord
 * >= ord(v).  If u is in F the edge closes a cycle and F ∩ B is the new
 * component (old circles in it are merged into one).  The positions used by
 * F ∪ B are then handed out again: B's components first (in their old
 * order), then the merged component, then F's; everything outside keeps
 * its position.  Searches read the edge_out / edge_in indexes of the store,
 * so a batch costs the region between the two positions, not the graph.
 *
 * State in meta: "graph.circ.hwm" the largest edge id already covered (an
 * empty value: no usable state, after a rebuild as of a date), "graph.circ.gen"
 * a generation bumped by every full rebuild, "graph.circ.lo" / ".hi" the
 * smallest and largest position handed out, and "graph.ord.<id>" per
 * enterprise (generation ‖ position, 16 bytes little-endian); an entry of an
 * older generation counts as absent, so a rebuild needs no deletes.  Full
 * rebuilds number the components in the topological order that takes the
 * smallest enterprise id among those ready (Kahn's algorithm with a heap):
 * ids follow registration, guarantees mostly run between enterprises of
 * similar age, so positions stay close to ids and a new edge's region is
 * short.  (A plain FIFO Kahn order put all sources first and made one
 * 100-edge batch at 100k enterprises search 620k enterprises.)
 *
 * Circle edges and totals are recomputed from the store for every circle the
 * batch touches (created, merged or given a new inner edge).  A re-ingested
 * existing edge keeps its id; when its amount changes the store logs it
 * (store_edge_change_*), and the circle holding both its ends is recomputed
 * too ("graph.circ.chg": the last change accounted for).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "graph/graph_internal.h"

#define KIND_ENT OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE
#define T_GUARANTEE OPPGRAPH__V1__EDGE_TYPE__GUARANTEE

#define K_HWM "graph.circ.hwm"
#define K_GEN "graph.circ.gen"
#define K_LO "graph.circ.lo"
#define K_HI "graph.circ.hi"
#define K_CHG "graph.circ.chg" /* the last edge change (store) accounted for */

static int meta_put_u64(store_txn *txn, const char *key, uint64_t v) {
  uint8_t b[8];
  store_u64_be(b, v);
  return store_meta_put(txn, key, b, 8) ? GRAPH_ESTORE : 0;
}

/* 1 when present and 8 bytes, 0 when absent or of another size. */
static int meta_get_u64(store_txn *txn, const char *key, uint64_t *v) {
  const void *p;
  size_t len;
  if (store_meta_get(txn, key, &p, &len) || len != 8)
    return 0;
  *v = store_be_u64(p);
  return 1;
}

static void ord_key(char *buf, size_t len, uint64_t id) {
  snprintf(buf, len, "graph.ord.%" PRIu64, id);
}

static int ord_put(store_txn *txn, uint64_t gen, uint64_t id, int64_t ord) {
  char key[48];
  uint8_t val[16];
  ord_key(key, sizeof key, id);
  memcpy(val, &gen, 8);
  memcpy(val + 8, &ord, 8);
  return store_meta_put(txn, key, val, 16) ? GRAPH_ESTORE : 0;
}

/* Binary min-heap of components keyed by their smallest enterprise id. */
typedef struct heap {
  uint32_t *v;
  const uint64_t *key;
  size_t n;
} heap;

static void heap_push(heap *h, uint32_t k) {
  size_t i = h->n++;
  while (i && h->key[h->v[(i - 1) / 2]] > h->key[k]) {
    h->v[i] = h->v[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  h->v[i] = k;
}

static uint32_t heap_pop(heap *h) {
  uint32_t top = h->v[0], last = h->v[--h->n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= h->n)
      break;
    if (c + 1 < h->n && h->key[h->v[c + 1]] < h->key[h->v[c]])
      c++;
    if (h->key[h->v[c]] >= h->key[last])
      break;
    h->v[i] = h->v[c];
    i = c;
  }
  if (h->n)
    h->v[i] = last;
  return top;
}

int graph_incr_reset(store_txn *txn, const graph *g) {
  if (!g) /* no usable order: the next update rebuilds */
    return store_meta_put(txn, K_HWM, "", 0) ? GRAPH_ESTORE : 0;
  uint64_t gen = 0, hwm = 0;
  meta_get_u64(txn, K_GEN, &gen);
  gen++;
  if (store_edge_last_id(txn, &hwm))
    return GRAPH_ESTORE;
  graph_gcsr cs;
  int rc = graph_gcsr_build(g, &cs);
  if (rc)
    return rc;
  uint32_t *comp = NULL, *size = NULL;
  size_t ncomp = 0;
  graph_ig_lock(); /* igraph's process-wide state */
  rc = graph_guarantee_scc(g, &comp, &size, &ncomp);
  graph_ig_unlock();
  /* Kahn's order of the components: indeg[k] counts edges into k from
   * other components; pos[k] is k's position */
  uint32_t *indeg = rc ? NULL : calloc(ncomp + 1, sizeof *indeg);
  uint32_t *queue = rc ? NULL : malloc((ncomp + 1) * sizeof *queue);
  uint32_t *pos = rc ? NULL : malloc((ncomp + 1) * sizeof *pos);
  /* members of each component, to walk a component's out-edges */
  uint32_t *first = rc ? NULL : calloc(ncomp + 2, sizeof *first);
  uint32_t *memb = rc ? NULL : malloc((g->nv + 1) * sizeof *memb);
  uint64_t *key = rc ? NULL : malloc((ncomp + 1) * sizeof *key);
  if (!rc && (!indeg || !queue || !pos || !first || !memb || !key))
    rc = GRAPH_ENOMEM;
  if (!rc) {
    for (size_t v = 0; v < g->nv; v++) {
      if (comp[v] == GRAPH_NO_COMP)
        continue;
      first[comp[v] + 2]++;
      for (uint32_t k = cs.off[v]; k < cs.off[v + 1]; k++)
        if (comp[cs.adj[k]] != comp[v])
          indeg[comp[cs.adj[k]]]++;
    }
    for (size_t k = 0; k < ncomp; k++)
      first[k + 2] += first[k + 1];
    for (size_t v = 0; v < g->nv; v++)
      if (comp[v] != GRAPH_NO_COMP)
        memb[first[comp[v] + 1]++] = (uint32_t)v;
    /* now first[k] .. first[k+1] are k's members; key[k] is the smallest
     * enterprise id among them */
    for (size_t k = 0; k < ncomp; k++) {
      key[k] = UINT64_MAX;
      for (uint32_t i = first[k]; i < first[k + 1]; i++)
        if (g->node_id[memb[i]] < key[k])
          key[k] = g->node_id[memb[i]];
    }
    heap h = {queue, key, 0};
    for (size_t k = 0; k < ncomp; k++)
      if (!indeg[k])
        heap_push(&h, (uint32_t)k);
    size_t done = 0;
    while (h.n) {
      uint32_t k = heap_pop(&h);
      pos[k] = (uint32_t)done++;
      for (uint32_t i = first[k]; i < first[k + 1]; i++) {
        uint32_t v = memb[i];
        for (uint32_t e = cs.off[v]; e < cs.off[v + 1]; e++) {
          uint32_t w = comp[cs.adj[e]];
          if (w != k && --indeg[w] == 0)
            heap_push(&h, w);
        }
      }
    }
    if (done != ncomp) /* cannot happen: the condensation is acyclic */
      rc = GRAPH_EINVAL;
  }
  for (size_t v = 0; !rc && v < g->nv; v++)
    if (comp[v] != GRAPH_NO_COMP && g->node_kind[v] == KIND_ENT)
      rc = ord_put(txn, gen, g->node_id[v], (int64_t)pos[comp[v]]);
  if (!rc)
    rc = meta_put_u64(txn, K_GEN, gen);
  if (!rc)
    rc = meta_put_u64(txn, K_LO, 0);
  if (!rc)
    rc = meta_put_u64(txn, K_HI, ncomp ? ncomp - 1 : 0);
  if (!rc)
    rc = meta_put_u64(txn, K_HWM, hwm);
  uint64_t chg = 0;
  if (!rc && store_edge_change_head(txn, &chg))
    rc = GRAPH_ESTORE;
  if (!rc)
    rc = meta_put_u64(txn, K_CHG, chg);
  graph_gcsr_free(&cs);
  free(comp);
  free(size);
  free(indeg);
  free(queue);
  free(pos);
  free(first);
  free(memb);
  free(key);
  return rc;
}

/* ---- the update ---------------------------------------------------------- */

/* Positions of the enterprises this update has looked at, cached (and
 * written back at the end) through a map from id to slot. */
typedef struct ord_cache {
  graph_vmap at; /* id -> slot */
  uint64_t *id;
  int64_t *ord;
  bool *dirty;
  size_t n, cap;
} ord_cache;

typedef struct upd {
  store_txn *txn;
  uint64_t gen;
  int64_t lo, hi;
  ord_cache oc;
  uint64_t cur; /* id of the edge being inserted: later ones do not exist yet */
  /* search state */
  uint64_t *stack;
  size_t ns, caps;
  graph_vmap *seen;
  int64_t bound;
  bool forward;
  size_t visited;
  int err;
} upd;

static int oc_slot(upd *u, uint64_t id, bool *found) {
  uint32_t s = graph_vmap_get(&u->oc.at, id);
  if (s != UINT32_MAX) {
    *found = true;
    return (int)s;
  }
  *found = false;
  ord_cache *c = &u->oc;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 256;
    uint64_t *i2 = realloc(c->id, cap * sizeof *i2);
    if (i2)
      c->id = i2;
    int64_t *o2 = realloc(c->ord, cap * sizeof *o2);
    if (o2)
      c->ord = o2;
    bool *d2 = realloc(c->dirty, cap * sizeof *d2);
    if (d2)
      c->dirty = d2;
    if (!i2 || !o2 || !d2)
      return GRAPH_ENOMEM;
    c->cap = cap;
  }
  if (c->n >= UINT32_MAX - 1 || graph_vmap_put(&c->at, id, (uint32_t)c->n))
    return GRAPH_ENOMEM;
  c->id[c->n] = id;
  c->dirty[c->n] = false;
  return (int)c->n++;
}

/* Position of enterprise id; *has false when it has none yet. */
static int ord_get(upd *u, uint64_t id, int64_t *ord, bool *has) {
  bool found;
  int s = oc_slot(u, id, &found);
  if (s < 0)
    return s;
  if (!found) {
    char key[48];
    const void *p;
    size_t len;
    uint64_t gen;
    ord_key(key, sizeof key, id);
    u->oc.ord[s] = INT64_MIN; /* none */
    if (!store_meta_get(u->txn, key, &p, &len) && len == 16) {
      memcpy(&gen, p, 8);
      if (gen == u->gen)
        memcpy(&u->oc.ord[s], (const uint8_t *)p + 8, 8);
    }
  }
  *has = u->oc.ord[s] != INT64_MIN;
  *ord = u->oc.ord[s];
  return 0;
}

static int ord_set(upd *u, uint64_t id, int64_t ord) {
  bool found;
  int s = oc_slot(u, id, &found);
  if (s < 0)
    return s;
  u->oc.ord[s] = ord;
  u->oc.dirty[s] = true;
  return 0;
}

static int push(upd *u, uint64_t id) {
  if (u->ns == u->caps) {
    size_t cap = u->caps ? u->caps * 2 : 256;
    uint64_t *p = realloc(u->stack, cap * sizeof *p);
    if (!p)
      return GRAPH_ENOMEM;
    u->stack = p;
    u->caps = cap;
  }
  u->stack[u->ns++] = id;
  return 0;
}

/* One edge met by the search: follow it to the other end when that end's
 * position is inside the bound and it was not seen. */
static int search_edge(void *ctx, const Oppgraph__V1__Edge *e) {
  upd *u = ctx;
  if (e->id > u->cur || e->src_kind != KIND_ENT || e->dst_kind != KIND_ENT ||
      e->src == e->dst)
    return 0;
  uint64_t w = u->forward ? e->dst : e->src;
  if (graph_vmap_get(u->seen, w) != UINT32_MAX)
    return 0;
  int64_t ow;
  bool has;
  if ((u->err = ord_get(u, w, &ow, &has)))
    return 1;
  if (!has || (u->forward ? ow > u->bound : ow < u->bound))
    return 0;
  if ((u->err = graph_vmap_put(u->seen, w, 0)) || (u->err = push(u, w)))
    return 1;
  return 0;
}

/* Depth-first search from start along (forward) or against guarantee
 * edges, staying within the bound; the visited ids end up in *seen. */
static int search(upd *u, uint64_t start, bool forward, int64_t bound,
                  graph_vmap *seen) {
  u->forward = forward;
  u->bound = bound;
  u->seen = seen;
  u->ns = 0;
  int rc = graph_vmap_put(seen, start, 0);
  if (!rc)
    rc = push(u, start);
  while (!rc && u->ns) {
    uint64_t x = u->stack[--u->ns];
    u->visited++;
    int src = forward ? store_edge_out(u->txn, x, T_GUARANTEE, search_edge, u)
                      : store_edge_in(u->txn, x, T_GUARANTEE, search_edge, u);
    if (u->err)
      rc = u->err;
    else if (src < 0)
      rc = GRAPH_ESTORE;
  }
  return rc;
}

typedef struct unit {
  int64_t ord;
  int part; /* 0 = B only, 1 = the merged component, 2 = F only */
  uint64_t id;
} unit;

static int cmp_unit(const void *a, const void *b) {
  const unit *x = a, *y = b;
  if (x->part != y->part)
    return x->part < y->part ? -1 : 1;
  if (x->ord != y->ord)
    return x->ord < y->ord ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_u64v(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Ids of a map's keys, malloc'ed. */
static uint64_t *map_keys(const graph_vmap *m, size_t *n) {
  uint64_t *k = malloc((m->n + 1) * sizeof *k);
  *n = 0;
  if (!k)
    return NULL;
  for (size_t i = 0; i < m->cap; i++)
    if (m->key[i] != SIZE_MAX)
      k[(*n)++] = m->key[i];
  return k;
}

typedef struct id_list {
  uint64_t *v;
  size_t n, cap;
} id_list;

static int id_add(id_list *l, uint64_t id) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    uint64_t *p = realloc(l->v, cap * sizeof *p);
    if (!p)
      return GRAPH_ENOMEM;
    l->v = p;
    l->cap = cap;
  }
  l->v[l->n++] = id;
  return 0;
}

/* Inserts edge (a -> b, id) into the order; merged circles are written to
 * the store and their ids added to dirty. */
static int insert_edge(upd *u, uint64_t a, uint64_t b, uint64_t id,
                       id_list *dirty, graph_update_report *rep) {
  u->cur = id;
  int64_t oa, ob;
  bool ha, hb;
  int rc = ord_get(u, a, &oa, &ha);
  if (!rc)
    rc = ord_get(u, b, &ob, &hb);
  if (rc)
    return rc;
  /* a new enterprise goes before everything when it guarantees, after
   * everything when it is guaranteed: either way the edge fits */
  if (!ha) {
    oa = --u->lo;
    if ((rc = ord_set(u, a, oa)))
      return rc;
  }
  if (!hb) {
    ob = ++u->hi;
    if ((rc = ord_set(u, b, ob)))
      return rc;
  }
  if (oa < ob)
    return 0;
  uint64_t ca = 0, cb = 0;
  bool ina = !store_circle_of(u->txn, a, &ca),
       inb = !store_circle_of(u->txn, b, &cb);
  if (oa == ob && ina && inb && ca == cb) /* inside one circle */
    return id_add(dirty, ca);
  graph_vmap fset, bset;
  if (graph_vmap_init(&fset, 64))
    return GRAPH_ENOMEM;
  if (graph_vmap_init(&bset, 64)) {
    graph_vmap_destroy(&fset);
    return GRAPH_ENOMEM;
  }
  uint64_t *fk = NULL, *bk = NULL;
  size_t nf = 0, nb = 0;
  unit *un = NULL;
  int64_t *slots = NULL;
  Oppgraph__V1__GuaranteeCircle c = OPPGRAPH__V1__GUARANTEE_CIRCLE__INIT;
  rc = search(u, b, true, oa, &fset);
  if (!rc)
    rc = search(u, a, false, ob, &bset);
  if (!rc) {
    fk = map_keys(&fset, &nf);
    bk = map_keys(&bset, &nb);
    un = malloc((nf + nb + 1) * sizeof *un);
    slots = malloc((nf + nb + 1) * sizeof *slots);
    if (!fk || !bk || !un || !slots)
      rc = GRAPH_ENOMEM;
  }
  if (rc)
    goto done;
  /* a is in F exactly when F and B meet (nmerged > 0): the edge closed
   * a cycle and F ∩ B is its component */
  size_t nu = 0, nmerged = 0;
  for (size_t i = 0; i < nb; i++) {
    bool both = graph_vmap_get(&fset, bk[i]) != UINT32_MAX;
    int64_t o;
    bool h;
    if ((rc = ord_get(u, bk[i], &o, &h)))
      goto done;
    un[nu++] = (unit){o, both ? 1 : 0, bk[i]};
    nmerged += both;
  }
  for (size_t i = 0; i < nf; i++) {
    if (graph_vmap_get(&bset, fk[i]) != UINT32_MAX)
      continue; /* counted with B */
    int64_t o;
    bool h;
    if ((rc = ord_get(u, fk[i], &o, &h)))
      goto done;
    un[nu++] = (unit){o, 2, fk[i]};
  }
  /* hand out the positions of F ∪ B again: units of B, the merged
   * component, units of F; one position per old position group */
  size_t nslots = 0;
  for (size_t i = 0; i < nu; i++)
    slots[nslots++] = un[i].ord;
  qsort(slots, nslots, sizeof *slots, cmp_i64);
  size_t w = 0;
  for (size_t i = 0; i < nslots; i++)
    if (!w || slots[w - 1] != slots[i])
      slots[w++] = slots[i];
  nslots = w;
  qsort(un, nu, sizeof *un, cmp_unit);
  size_t next = 0;
  for (size_t i = 0; i < nu && !rc; i++) {
    bool same = i > 0 && un[i].part == un[i - 1].part &&
                (un[i].part == 1 || un[i].ord == un[i - 1].ord);
    if (!same)
      next++;
    rc = ord_set(u, un[i].id, slots[next - 1]);
  }
  if (rc || !nmerged)
    goto done;
  /* the merged component becomes one circle, replacing those inside it */
  c.members = malloc(nmerged * sizeof *c.members);
  if (!c.members) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  for (size_t i = 0; i < nu; i++) {
    if (un[i].part != 1)
      continue;
    c.members[c.n_members++] = un[i].id;
    uint64_t old;
    if (!store_circle_of(u->txn, un[i].id, &old)) {
      int drc = store_circle_del(u->txn, old);
      if (drc && drc != STORE_ENOTFOUND) {
        rc = GRAPH_ESTORE;
        goto done;
      }
    }
  }
  qsort(c.members, c.n_members, sizeof *c.members, cmp_u64v);
  if (store_circle_put(u->txn, &c)) {
    rc = GRAPH_ESTORE;
    goto done;
  }
  rep->circles_merged++;
  rc = id_add(dirty, c.id);
done:
  free(c.members);
  free(fk);
  free(bk);
  free(un);
  free(slots);
  graph_vmap_destroy(&fset);
  graph_vmap_destroy(&bset);
  return rc;
}

/* New guarantee edges between enterprises, in id order. */
typedef struct new_edges {
  uint64_t *v; /* triples: src, dst, id */
  size_t n, cap;
  bool nomem;
} new_edges;

static int collect_edge(void *ctx, const store_edge_row *e) {
  new_edges *ne = ctx;
  if (e->type != T_GUARANTEE || e->src_kind != KIND_ENT ||
      e->dst_kind != KIND_ENT || e->src == e->dst)
    return 0;
  if (ne->n + 3 > ne->cap) {
    size_t cap = ne->cap ? ne->cap * 2 : 96;
    uint64_t *p = realloc(ne->v, cap * sizeof *p);
    if (!p)
      return ne->nomem = true, 1;
    ne->v = p;
    ne->cap = cap;
  }
  ne->v[ne->n++] = e->src;
  ne->v[ne->n++] = e->dst;
  ne->v[ne->n++] = e->id;
  return 0;
}

/* Recomputes a circle's edges and total from the store. */
typedef struct refresh {
  graph_vmap *members;
  id_list edges;
  int64_t total;
  int err;
} refresh;

static int refresh_edge(void *ctx, const Oppgraph__V1__Edge *e) {
  refresh *r = ctx;
  if (e->src_kind != KIND_ENT || e->dst_kind != KIND_ENT ||
      e->src == e->dst || graph_vmap_get(r->members, e->dst) == UINT32_MAX)
    return 0;
  if ((r->err = id_add(&r->edges, e->id)))
    return 1;
  r->total += e->amount;
  return 0;
}

static int refresh_circle(store_txn *txn, uint64_t cid) {
  Oppgraph__V1__GuaranteeCircle *c;
  int src = store_circle_get(txn, cid, &c);
  if (src == STORE_ENOTFOUND)
    return 0; /* merged into a later circle of the batch */
  if (src)
    return GRAPH_ESTORE;
  graph_vmap m;
  refresh r = {.members = &m};
  int rc = graph_vmap_init(&m, c->n_members);
  for (size_t i = 0; !rc && i < c->n_members; i++)
    rc = graph_vmap_put(&m, c->members[i], 0);
  for (size_t i = 0; !rc && i < c->n_members; i++) {
    src = store_edge_out(txn, c->members[i], T_GUARANTEE, refresh_edge, &r);
    rc = r.err ? r.err : src < 0 ? GRAPH_ESTORE : 0;
  }
  if (!rc) {
    qsort(r.edges.v, r.edges.n, sizeof *r.edges.v, cmp_u64v);
    Oppgraph__V1__GuaranteeCircle n = *c;
    n.edge_ids = r.edges.v;
    n.n_edge_ids = r.edges.n;
    n.total_amount = r.total;
    if (store_circle_put(txn, &n))
      rc = GRAPH_ESTORE;
  }
  oppgraph__v1__guarantee_circle__free_unpacked(c, NULL);
  free(r.edges.v);
  graph_vmap_destroy(&m);
  return rc;
}

/* A guarantee of the edge change log inside one circle: that circle's total
 * is recomputed. */
typedef struct chg_walk {
  store_txn *txn;
  id_list *dirty;
  int err;
} chg_walk;

static int changed_guarantee(void *ctx, const Oppgraph__V1__Edge *e) {
  chg_walk *c = ctx;
  uint64_t ca, cb;
  if (e->type == T_GUARANTEE && e->src_kind == KIND_ENT &&
      e->dst_kind == KIND_ENT && !store_circle_of(c->txn, e->src, &ca) &&
      !store_circle_of(c->txn, e->dst, &cb) && ca == cb)
    c->err = id_add(c->dirty, ca);
  return c->err;
}

int graph_update_circles(store *st, graph_update_report *rep) {
  graph_update_report local;
  if (!rep)
    rep = &local;
  memset(rep, 0, sizeof *rep);
  if (!st)
    return GRAPH_EINVAL;
  store_txn *txn;
  if (store_begin(st, true, &txn))
    return GRAPH_ESTORE;
  uint64_t hwm, gen, lo, hi;
  if (!meta_get_u64(txn, K_HWM, &hwm) || !meta_get_u64(txn, K_GEN, &gen) ||
      !meta_get_u64(txn, K_LO, &lo) || !meta_get_u64(txn, K_HI, &hi)) {
    /* never rebuilt, or last rebuilt as of a date: start from a full one */
    store_abort(txn);
    rep->full = true;
    graph_report fr;
    int rc = graph_rebuild_circles(st, &fr);
    if (!rc)
      rep->circles = fr.circles;
    return rc;
  }
  upd u = {.txn = txn, .gen = gen, .lo = (int64_t)lo, .hi = (int64_t)hi};
  new_edges ne = {0};
  id_list dirty = {0};
  int rc = graph_vmap_init(&u.oc.at, 256);
  if (!rc) {
    int src = store_edge_scan(txn, hwm, collect_edge, &ne);
    rc = ne.nomem ? GRAPH_ENOMEM : src ? GRAPH_ESTORE : 0;
  }
  for (size_t i = 0; !rc && i < ne.n; i += 3) {
    rep->new_edges++;
    rc = insert_edge(&u, ne.v[i], ne.v[i + 1], ne.v[i + 2], &dirty, rep);
  }
  /* guarantees re-ingested with another amount: their circle's total */
  uint64_t chg = 0, head = 0;
  meta_get_u64(txn, K_CHG, &chg); /* absent (an older store): from 0 */
  if (!rc && store_edge_change_head(txn, &head))
    rc = GRAPH_ESTORE;
  chg_walk cw = {txn, &dirty, 0};
  if (!rc && chg < head &&
      store_edge_change_foreach(txn, chg, changed_guarantee, &cw))
    rc = cw.err ? cw.err : GRAPH_ESTORE;
  if (!rc)
    rc = meta_put_u64(txn, K_CHG, head);
  if (!rc && dirty.n) {
    qsort(dirty.v, dirty.n, sizeof *dirty.v, cmp_u64v);
    for (size_t i = 0; !rc && i < dirty.n; i++)
      if (i == 0 || dirty.v[i] != dirty.v[i - 1]) {
        rc = refresh_circle(txn, dirty.v[i]);
        rep->circles_changed++;
      }
  }
  for (size_t i = 0; !rc && i < u.oc.n; i++)
    if (u.oc.dirty[i])
      rc = ord_put(txn, gen, u.oc.id[i], u.oc.ord[i]);
  uint64_t last = hwm;
  if (!rc && store_edge_last_id(txn, &last))
    rc = GRAPH_ESTORE;
  if (!rc)
    rc = meta_put_u64(txn, K_HWM, last > hwm ? last : hwm);
  if (!rc)
    rc = meta_put_u64(txn, K_LO, (uint64_t)u.lo);
  if (!rc)
    rc = meta_put_u64(txn, K_HI, (uint64_t)u.hi);
  store_stats ss;
  if (!rc && !store_stats_get(txn, &ss))
    rep->circles = ss.circles;
  rep->searched = u.visited;
  graph_vmap_destroy(&u.oc.at);
  free(u.oc.id);
  free(u.oc.ord);
  free(u.oc.dirty);
  free(u.stack);
  free(ne.v);
  free(dirty.v);
  if (rc) {
    store_abort(txn);
    return rc;
  }
  return store_commit(txn) ? GRAPH_ESTORE : 0;
}
