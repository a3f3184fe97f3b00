/*
 * owners_all.c — ownership penetration for every enterprise in one pass.
 *
 * graph_owners answers one target exactly: it collects the target's whole
 * upstream and iterates the share equations over it to a fixed point.
 * Asked for every enterprise of a national graph that repeats the same
 * large ancestries millions of times (at 10M enterprises the oldest ones
 * have thousands of indirect holders).  Here every enterprise's owners are
 * derived from its direct holders' already computed owners instead:
 *
 * 1. The strongly connected components of the shareholding graph
 *    (graph_csr_scc: igraph's search on what peeling leaves; cross-holdings
 *    make the non-trivial ones) and a topological order of them, holders
 *    first (igraph_topological_sorting on the condensation).
 * 2. In that order, for each target t of component K: the mass t hands its
 *    holders (their ratios) is pushed upstream inside K (residual push, as
 *    in personalised PageRank, paths back through t not counted) to get
 *    w[x], the share of t that member x holds through K; whatever leaves K
 *    lands on a holder h of an earlier component with weight ext[h].  Then
 *        owners(t) = sum over x in K, x != t, of w[x] e_x
 *                  + sum over h of ext[h] V_h,
 *    where V_h is h's own "full" owner vector: (e_h + owners(h)) / (1 - c_h),
 *    c_h being the share h holds of itself through its component (the
 *    loops through h that owners(h) leaves out but a holder further down
 *    does count).  A component of one vertex needs no push: ext is the
 *    ratios of its holders.  Vertices nobody holds (persons, roots) have
 *    V_h = e_h and store nothing.
 * 3. V_t is kept, entries below tol / 4 dropped, only while some later
 *    component still needs it (a count of t's holdings outside K), so the
 *    memory held is the vectors of the "open" frontier, not of everyone.
 *
 * Every dropped entry and every residual left in a push only lowers
 * shares, so computed shares are lower bounds; err[v] bounds what V_v lacks
 * (linear in the weights, carried along), and each target's answer comes
 * with a bound err on its shares.  When err > tol, or some holder's
 * computed share lies within err below min_share (it might be over the
 * line), the target is answered by graph_owners exactly instead: the set of
 * holders is always that of graph_owners, each share within tol of it from
 * below.  Ratios into one company summing to more than 1 (inconsistent
 * data) make the bounds larger, which only sends more targets to
 * graph_owners.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "graph/graph_internal.h"

#define KIND_ENT OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE
#define T_SHARE OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING

/* per-vertex flag bits */
#define F_ACC 1   /* in the acc touched list */
#define F_EXT 2   /* in the ext touched list */
#define F_QUEUE 4 /* in the push queue */
#define F_W 8     /* in the w touched list */

typedef struct holder {
  uint32_t v;
  double ratio;
} holder;

typedef struct oa_ctx {
  const graph *g;
  double min_share, tol, eps;
  /* holders of v: hold[hoff[v] .. hoff[v+1]) (incoming shareholding) */
  size_t *hoff;
  holder *hold;
  /* holdings of v: out.adj[out.off[v] .. out.off[v+1]) (outgoing), out.eid
   * the edges (for their ratios) */
  graph_gcsr out;
  uint32_t *comp;  /* component of v */
  uint32_t *refc;  /* holdings of v outside its component not yet done */
  double **vec;    /* V_v: n shares, then n uint32 vertices; NULL = e_v */
  uint32_t *vlen;
  double *err;     /* bound on what V_v lacks, per entry */
  double *acc, *ext, *w, *res;
  uint8_t *flag;
  uint32_t *acc_list, *ext_list, *queue, *w_list;
  size_t nacc, next, nw;
  graph_owner *o;
  double vmax; /* largest entry of any V so far (>= 1) */
  graph_owners_stats st;
  size_t entries; /* vector entries held now */
} oa_ctx;

static int build_holders(oa_ctx *c) {
  const graph *g = c->g;
  size_t nv = g->nv, n = 0;
  c->hoff = calloc(nv + 2, sizeof *c->hoff);
  c->out.off = calloc(nv + 2, sizeof *c->out.off);
  if (!c->hoff || !c->out.off)
    return GRAPH_ENOMEM;
  for (size_t e = 0; e < g->ne; e++)
    if (g->e_type[e] == T_SHARE) {
      c->hoff[g->e_dst[e] + 2]++;
      c->out.off[g->e_src[e] + 1]++;
      n++;
    }
  if (n >= UINT32_MAX)
    return GRAPH_ENOMEM;
  c->hold = malloc((n + 1) * sizeof *c->hold);
  c->out.adj = malloc((n + 1) * sizeof *c->out.adj);
  c->out.eid = malloc((n + 1) * sizeof *c->out.eid);
  if (!c->hold || !c->out.adj || !c->out.eid)
    return GRAPH_ENOMEM;
  for (size_t v = 0; v < nv; v++) {
    c->hoff[v + 2] += c->hoff[v + 1];
    c->out.off[v + 1] += c->out.off[v];
  }
  uint32_t *fill = malloc((nv + 1) * sizeof *fill);
  if (!fill)
    return GRAPH_ENOMEM;
  memcpy(fill, c->out.off, nv * sizeof *fill);
  for (size_t e = 0; e < g->ne; e++)
    if (g->e_type[e] == T_SHARE) {
      c->hold[c->hoff[g->e_dst[e] + 1]++] =
          (holder){g->e_src[e], g->e_ratio[e]};
      uint32_t k = fill[g->e_src[e]]++;
      c->out.adj[k] = g->e_dst[e];
      c->out.eid[k] = (uint32_t)e;
    }
  free(fill);
  return 0; /* now hoff[v] .. hoff[v+1] */
}

static void acc_add(oa_ctx *c, uint32_t v, double x) {
  if (!(c->flag[v] & F_ACC)) {
    c->flag[v] |= F_ACC;
    c->acc_list[c->nacc++] = v;
  }
  c->acc[v] += x;
}

static void ext_add(oa_ctx *c, uint32_t v, double x) {
  if (!(c->flag[v] & F_EXT)) {
    c->flag[v] |= F_EXT;
    c->ext_list[c->next++] = v;
  }
  c->ext[v] += x;
}

/* A member of the target's component that got mass: in c->w_list, so
 * that a target costs the members its push reaches, not all of a
 * component that may have tens of thousands. */
static void w_touch(oa_ctx *c, uint32_t v) {
  if (!(c->flag[v] & F_W)) {
    c->flag[v] |= F_W;
    c->w_list[c->nw++] = v;
  }
}

/* w[] of target t inside its component k (nm members): pushes the
 * residuals t hands its holders in k until what is left is at most tol / 4,
 * sending what leaves k to ext[]; the members reached are c->w_list.
 * Returns what is left. */
static double push_inside(oa_ctx *c, uint32_t t, size_t nm) {
  uint32_t k = c->comp[t];
  size_t qcap = nm + 1, qh = 0, qt = 0;
  double eps = c->tol / 64;
  for (size_t i = c->hoff[t]; i < c->hoff[t + 1]; i++) {
    uint32_t h = c->hold[i].v;
    if (c->comp[h] != k) {
      ext_add(c, h, c->hold[i].ratio);
      continue;
    }
    w_touch(c, h);
    c->res[h] += c->hold[i].ratio;
    if (!(c->flag[h] & F_QUEUE)) {
      c->flag[h] |= F_QUEUE;
      c->queue[qt++ % qcap] = h;
    }
  }
  double left = 0;
  for (int round = 0; round < 24; round++) {
    while (qh < qt) {
      uint32_t x = c->queue[qh++ % qcap];
      c->flag[x] &= (uint8_t)~F_QUEUE;
      double r = c->res[x];
      c->res[x] = 0;
      c->w[x] += r;
      c->st.pushes++;
      for (size_t i = c->hoff[x]; i < c->hoff[x + 1]; i++) {
        uint32_t h = c->hold[i].v;
        if (h == t)
          continue; /* paths through the target are not counted */
        double m = r * c->hold[i].ratio;
        if (c->comp[h] != k) {
          ext_add(c, h, m);
          continue;
        }
        w_touch(c, h);
        c->res[h] += m;
        if (!(c->flag[h] & F_QUEUE) && c->res[h] >= eps) {
          c->flag[h] |= F_QUEUE;
          c->queue[qt++ % qcap] = h;
        }
      }
    }
    left = 0;
    for (size_t i = 0; i < c->nw; i++)
      left += c->res[c->w_list[i]];
    if (left <= c->tol / 4)
      break;
    eps /= 16;
    for (size_t i = 0; i < c->nw; i++) {
      uint32_t x = c->w_list[i];
      if (c->res[x] >= eps && !(c->flag[x] & F_QUEUE)) {
        c->flag[x] |= F_QUEUE;
        c->queue[qt++ % qcap] = x;
      }
    }
  }
  /* mass waiting at x is x's share already; only its way further up is
   * missing (bounded by the caller) */
  for (size_t i = 0; i < c->nw; i++) {
    c->w[c->w_list[i]] += c->res[c->w_list[i]];
    c->res[c->w_list[i]] = 0;
  }
  return left;
}

/* Owners of t (of a component of nm members): fills acc, answers fn, keeps
 * V_t if a later component needs it. */
static int target(oa_ctx *c, uint32_t t, size_t nm, graph_owners_fn fn,
                  void *ctx) {
  const graph *g = c->g;
  if (c->hoff[t] == c->hoff[t + 1])
    return 0; /* nobody holds t: V_t = e_t, no answer */
  double left = 0, self = 0;
  if (nm > 1) {
    left = push_inside(c, t, nm);
    for (size_t i = 0; i < c->nw; i++) {
      uint32_t x = c->w_list[i];
      if (x != t && c->w[x] > 0)
        acc_add(c, x, c->w[x]);
    }
    /* the share t holds of itself through its component */
    for (uint32_t k = c->out.off[t]; k < c->out.off[t + 1]; k++)
      if (c->comp[c->out.adj[k]] == c->comp[t])
        self += g->e_ratio[c->out.eid[k]] * c->w[c->out.adj[k]];
    for (size_t i = 0; i < c->nw; i++) {
      c->w[c->w_list[i]] = 0;
      c->flag[c->w_list[i]] &= (uint8_t)~F_W;
    }
    c->nw = 0;
  } else {
    for (size_t i = c->hoff[t]; i < c->hoff[t + 1]; i++)
      ext_add(c, c->hold[i].v, c->hold[i].ratio);
  }
  double err = left * c->vmax;
  for (size_t i = 0; i < c->next; i++) {
    uint32_t h = c->ext_list[i];
    double x = c->ext[h];
    const double *s = c->vec[h];
    if (!s) {
      acc_add(c, h, x);
    } else {
      const uint32_t *id = (const uint32_t *)(s + c->vlen[h]);
      for (uint32_t j = 0; j < c->vlen[h]; j++)
        acc_add(c, id[j], x * s[j]);
      c->st.merged += c->vlen[h];
      err += x * c->err[h];
    }
    c->ext[h] = 0;
    c->flag[h] &= (uint8_t)~F_EXT;
  }
  c->next = 0;

  /* the answer */
  int rc = 0;
  size_t no = 0;
  bool exact = err > c->tol || err + 1e-12 >= c->min_share;
  for (size_t i = 0; i < c->nacc; i++) {
    uint32_t v = c->acc_list[i];
    double s = c->acc[v];
    if (s + 1e-12 >= c->min_share)
      c->o[no++] = (graph_owner){(Oppgraph__V1__NodeKind)g->node_kind[v],
                                 g->node_id[v], s,
                                 c->hoff[v] == c->hoff[v + 1]};
    else if (s + err + 1e-12 >= c->min_share)
      exact = true; /* might be over the line */
  }
  if (g->node_kind[t] == KIND_ENT) {
    if (exact) {
      graph_owner *eo;
      size_t ne;
      c->st.exact++;
      if ((rc = graph_owners(g, g->node_id[t], c->min_share, &eo, &ne)))
        goto reset;
      if (ne)
        rc = fn(ctx, g->node_id[t], eo, ne);
      free(eo);
    } else if (no) {
      qsort(c->o, no, sizeof *c->o, graph_cmp_owner);
      rc = fn(ctx, g->node_id[t], c->o, no);
    }
    if (rc)
      goto reset;
  }

  /* V_t = (e_t + owners(t)) / (1 - self), kept while needed */
  if (c->refc[t]) {
    if (self > 0.999)
      self = 0.999; /* inconsistent ratios; the bound grows with it */
    double f = 1 / (1 - self), pruned = 0;
    size_t n = 1;
    for (size_t i = 0; i < c->nacc; i++) {
      double s = c->acc[c->acc_list[i]];
      if (s >= c->tol / 4)
        n++;
      else if (s > pruned)
        pruned = s;
    }
    double *s = malloc(n * (sizeof *s + sizeof(uint32_t)));
    if (!s) {
      rc = GRAPH_ENOMEM;
      goto reset;
    }
    uint32_t *id = (uint32_t *)(s + n);
    size_t j = 0;
    s[j] = f;
    id[j++] = t;
    for (size_t i = 0; i < c->nacc; i++) {
      uint32_t v = c->acc_list[i];
      if (c->acc[v] >= c->tol / 4) {
        s[j] = f * c->acc[v];
        id[j++] = v;
        if (s[j - 1] > c->vmax)
          c->vmax = s[j - 1];
      }
    }
    if (f > c->vmax)
      c->vmax = f;
    c->vec[t] = s;
    c->vlen[t] = (uint32_t)n;
    c->err[t] = f * (err + pruned);
    c->entries += n;
    if (c->entries > c->st.peak_entries)
      c->st.peak_entries = c->entries;
  }
reset:
  for (size_t i = 0; i < c->nacc; i++) {
    c->acc[c->acc_list[i]] = 0;
    c->flag[c->acc_list[i]] &= (uint8_t)~F_ACC;
  }
  c->nacc = 0;
  return rc;
}

/* Components in topological order of the condensation, holders first:
 * *order (ncomp entries), members of component k mem[first[k] ..
 * first[k+1]). */
static int comp_order(oa_ctx *c, size_t ncomp, uint32_t **order_out,
                      uint32_t **first_out, uint32_t **mem_out) {
  const graph *g = c->g;
  size_t nv = g->nv, m = 0;
  for (size_t v = 0; v < nv; v++)
    for (uint32_t k = c->out.off[v]; k < c->out.off[v + 1]; k++)
      if (c->comp[c->out.adj[k]] != c->comp[v]) {
        m++;
        c->refc[v]++;
      }
  uint32_t *order = malloc((ncomp + 1) * sizeof *order);
  uint32_t *first = calloc(ncomp + 2, sizeof *first);
  uint32_t *mem = malloc((nv + 1) * sizeof *mem);
  igraph_vector_int_t ev, res;
  igraph_t cg;
  bool have_ev = false, have_res = false, have_cg = false;
  int rc = 0;
  if (!order || !first || !mem) {
    rc = GRAPH_ENOMEM;
    goto done;
  }
  for (size_t v = 0; v < nv; v++)
    first[c->comp[v] + 2]++;
  for (size_t k = 0; k < ncomp; k++)
    first[k + 2] += first[k + 1];
  for (size_t v = 0; v < nv; v++)
    mem[first[c->comp[v] + 1]++] = (uint32_t)v;
  graph_ig_lock();
  if (igraph_vector_int_init(&ev, (igraph_integer_t)(2 * m)) ||
      (have_ev = true, igraph_vector_int_init(&res, 0))) {
    rc = GRAPH_ENOMEM;
  } else {
    have_res = true;
    size_t i = 0;
    for (size_t v = 0; v < nv; v++)
      for (uint32_t k = c->out.off[v]; k < c->out.off[v + 1]; k++)
        if (c->comp[c->out.adj[k]] != c->comp[v]) {
          VECTOR(ev)[i++] = c->comp[v];
          VECTOR(ev)[i++] = c->comp[c->out.adj[k]];
        }
    if (igraph_create(&cg, &ev, (igraph_integer_t)ncomp, IGRAPH_DIRECTED) ||
        (have_cg = true, igraph_vector_int_destroy(&ev), have_ev = false,
         igraph_topological_sorting(&cg, &res, IGRAPH_OUT)) ||
        (size_t)igraph_vector_int_size(&res) != ncomp)
      rc = GRAPH_EIGRAPH;
    for (size_t k = 0; !rc && k < ncomp; k++)
      order[k] = (uint32_t)VECTOR(res)[k];
  }
  if (have_cg)
    igraph_destroy(&cg);
  if (have_ev)
    igraph_vector_int_destroy(&ev);
  if (have_res)
    igraph_vector_int_destroy(&res);
  graph_ig_unlock();
done:
  if (rc) {
    free(order);
    free(first);
    free(mem);
    return rc;
  }
  *order_out = order;
  *first_out = first;
  *mem_out = mem;
  return 0;
}

int graph_owners_all(const graph *g, double min_share, double tol,
                     graph_owners_fn fn, void *ctx, graph_owners_stats *stats) {
  if (!g || !fn)
    return GRAPH_EINVAL;
  if (!(tol > 0))
    tol = 1e-9;
  size_t nv = g->nv, ncomp = 0;
  oa_ctx c = {.g = g, .min_share = min_share, .tol = tol, .vmax = 1};
  uint32_t *order = NULL, *first = NULL, *mem = NULL;
  int rc = build_holders(&c);
  if (!rc)
    rc = graph_csr_scc(&c.out, nv, &c.comp, &ncomp);
  if (!rc) {
    c.refc = calloc(nv + 1, sizeof *c.refc);
    c.vec = calloc(nv + 1, sizeof *c.vec);
    c.vlen = calloc(nv + 1, sizeof *c.vlen);
    c.err = calloc(nv + 1, sizeof *c.err);
    c.acc = calloc(nv + 1, sizeof *c.acc);
    c.ext = calloc(nv + 1, sizeof *c.ext);
    c.w = calloc(nv + 1, sizeof *c.w);
    c.res = calloc(nv + 1, sizeof *c.res);
    c.flag = calloc(nv + 1, 1);
    c.acc_list = malloc((nv + 1) * sizeof *c.acc_list);
    c.ext_list = malloc((nv + 1) * sizeof *c.ext_list);
    c.queue = malloc((nv + 1) * sizeof *c.queue);
    c.w_list = malloc((nv + 1) * sizeof *c.w_list);
    c.o = malloc((nv + 1) * sizeof *c.o);
    if (!c.refc || !c.vec || !c.vlen || !c.err || !c.acc || !c.ext || !c.w ||
        !c.res || !c.flag || !c.acc_list || !c.ext_list || !c.queue ||
        !c.w_list || !c.o)
      rc = GRAPH_ENOMEM;
  }
  if (!rc)
    rc = comp_order(&c, ncomp, &order, &first, &mem);
  for (size_t i = 0; !rc && i < ncomp; i++) {
    uint32_t k = order[i];
    const uint32_t *m = mem + first[k];
    size_t nm = first[k + 1] - first[k];
    if (nm > 1) {
      c.st.cyclic++;
      if (nm > c.st.largest_cycle)
        c.st.largest_cycle = nm;
    }
    for (size_t j = 0; !rc && j < nm; j++)
      rc = target(&c, m[j], nm, fn, ctx);
    /* the holders outside k are done with k */
    for (size_t j = 0; !rc && j < nm; j++)
      for (size_t h = c.hoff[m[j]]; h < c.hoff[m[j] + 1]; h++) {
        uint32_t x = c.hold[h].v;
        if (c.comp[x] != k && --c.refc[x] == 0 && c.vec[x]) {
          c.entries -= c.vlen[x];
          free(c.vec[x]);
          c.vec[x] = NULL;
        }
      }
  }
  if (c.vec)
    for (size_t v = 0; v < nv; v++)
      free(c.vec[v]);
  free(order);
  free(first);
  free(mem);
  free(c.hoff);
  free(c.hold);
  graph_gcsr_free(&c.out);
  free(c.comp);
  free(c.refc);
  free(c.vec);
  free(c.vlen);
  free(c.err);
  free(c.acc);
  free(c.ext);
  free(c.w);
  free(c.res);
  free(c.flag);
  free(c.acc_list);
  free(c.ext_list);
  free(c.queue);
  free(c.w_list);
  free(c.o);
  if (stats)
    *stats = c.st;
  return rc;
}
