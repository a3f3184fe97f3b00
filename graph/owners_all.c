/*
 * owners_all.c — ownership penetration for every enterprise in one pass.
 *
 * graph_owners answers one target exactly: it collects the target's whole
 * upstream (every direct and indirect holder) and iterates the share
 * equations over it to a fixed point.  Asked for every enterprise of a
 * national graph that repeats the same large ancestries millions of times.
 * Here each target's ownership is instead pushed upstream as a residual
 * (like the push method for personalised PageRank): the target hands every
 * holder ratio × 1; a vertex with residual r adds r to its share and hands
 * each of its holders ratio × r; paths back through the target are not
 * counted.  The share of a holder is all the mass that ever reached it.
 * Residuals under a threshold eps wait; when the queue is empty and the
 * waiting mass R is over tol, eps is lowered and the waiting residuals are
 * pushed on.  Ratios into one company sum to at most 1, so pushing never
 * increases R, and every share is short of the exact value by at most R.
 * Pushing stops when R <= tol and no holder could still cross min_share
 * with R (so the set of holders returned is that of graph_owners, and each
 * share is within tol of it, from below).
 * A target thus costs only the holders that carry a share above eps, and
 * the working arrays are dense over all vertices and reset through the list
 * of touched ones, so no per-target allocation remains.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "graph/graph_internal.h"

#define KIND_ENT OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE
#define T_SHARE OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING

typedef struct holder {
  uint32_t v;
  double ratio;
} holder;

typedef struct push_ctx {
  const graph *g;
  size_t *off; /* holders of v: hold[off[v] .. off[v+1]) */
  holder *hold;
  double *res, *share;
  uint8_t *flag; /* IN_QUEUE | TOUCHED */
  uint32_t *touched, *queue;
  size_t ntouched, qh, qt, qcap;
} push_ctx;

static int build_holders(push_ctx *c) {
  const graph *g = c->g;
  c->off = calloc(g->nv + 2, sizeof *c->off);
  if (!c->off)
    return GRAPH_ENOMEM;
  size_t n = 0;
  for (size_t e = 0; e < g->ne; e++)
    if (g->e_type[e] == T_SHARE) {
      c->off[g->e_dst[e] + 2]++;
      n++;
    }
  c->hold = malloc((n ? n : 1) * sizeof *c->hold);
  if (!c->hold)
    return GRAPH_ENOMEM;
  for (size_t v = 0; v < g->nv; v++)
    c->off[v + 2] += c->off[v + 1];
  for (size_t e = 0; e < g->ne; e++)
    if (g->e_type[e] == T_SHARE)
      c->hold[c->off[g->e_dst[e] + 1]++] =
          (holder){g->e_src[e], g->e_ratio[e]};
  return 0; /* now off[v] .. off[v+1] */
}

#define IN_QUEUE 1
#define TOUCHED 2

static void touch(push_ctx *c, uint32_t v) {
  if (!(c->flag[v] & TOUCHED)) {
    c->flag[v] |= TOUCHED;
    c->touched[c->ntouched++] = v;
  }
}

/* The queue is a ring over qcap slots: a vertex is in it at most once. */
static void enqueue(push_ctx *c, uint32_t v) {
  c->flag[v] |= IN_QUEUE;
  c->queue[c->qt++ % c->qcap] = v;
}

int graph_owners_all(const graph *g, double min_share, double tol,
                     graph_owners_fn fn, void *ctx, uint64_t *pushes) {
  if (!g || !fn)
    return GRAPH_EINVAL;
  if (!(tol > 0))
    tol = 1e-9;
  push_ctx c = {.g = g, .qcap = g->nv + 1};
  graph_owner *o = NULL;
  uint64_t np = 0;
  int rc = build_holders(&c);
  if (!rc) {
    c.res = calloc(g->nv + 1, sizeof *c.res);
    c.share = calloc(g->nv + 1, sizeof *c.share);
    c.flag = calloc(g->nv + 1, 1);
    c.touched = malloc((g->nv + 1) * sizeof *c.touched);
    c.queue = malloc((g->nv + 1) * sizeof *c.queue);
    o = malloc((g->nv + 1) * sizeof *o);
    if (!c.res || !c.share || !c.flag || !c.touched || !c.queue || !o)
      rc = GRAPH_ENOMEM;
  }
  for (size_t t = 0; !rc && t < g->nv; t++) {
    if (g->node_kind[t] != KIND_ENT || c.off[t] == c.off[t + 1])
      continue;
    c.ntouched = c.qh = c.qt = 0;
    double eps = tol / 64;
    for (size_t k = c.off[t]; k < c.off[t + 1]; k++) {
      uint32_t h = c.hold[k].v;
      touch(&c, h);
      c.res[h] += c.hold[k].ratio;
      if (!(c.flag[h] & IN_QUEUE))
        enqueue(&c, h);
    }
    for (int round = 0; round < 16; round++) {
      while (c.qh < c.qt) {
        uint32_t x = c.queue[c.qh++ % c.qcap];
        c.flag[x] &= (uint8_t)~IN_QUEUE;
        double r = c.res[x];
        c.res[x] = 0;
        c.share[x] += r;
        np++;
        for (size_t k = c.off[x]; k < c.off[x + 1]; k++) {
          uint32_t h = c.hold[k].v;
          if (h == t)
            continue; /* paths through the target are not counted */
          touch(&c, h);
          c.res[h] += r * c.hold[k].ratio;
          if (!(c.flag[h] & IN_QUEUE) && c.res[h] >= eps)
            enqueue(&c, h);
        }
      }
      double left = 0;
      for (size_t i = 0; i < c.ntouched; i++)
        left += c.res[c.touched[i]];
      /* the answer is the set of holders >= min_share: it is settled when
       * no holder (nor an untouched vertex) could still cross the line
       * with the mass left, which is usually long before the shares are
       * exact to tol; go on until both hold */
      bool open = left + 1e-12 >= min_share;
      for (size_t i = 0; !open && left > 0 && i < c.ntouched; i++) {
        double sv = c.share[c.touched[i]] + c.res[c.touched[i]];
        open = sv + 1e-12 < min_share && sv + left + 1e-12 >= min_share;
      }
      if (left <= tol && !open)
        break;
      eps /= 16;
      for (size_t i = 0; i < c.ntouched; i++) {
        uint32_t v = c.touched[i];
        if (c.res[v] >= eps && !(c.flag[v] & IN_QUEUE))
          enqueue(&c, v);
      }
    }
    size_t no = 0;
    for (size_t i = 0; i < c.ntouched; i++) {
      uint32_t v = c.touched[i];
      /* mass that reached v but waits below eps is v's share already */
      double s = c.share[v] + c.res[v];
      if (s + 1e-12 >= min_share)
        o[no++] = (graph_owner){(Oppgraph__V1__NodeKind)g->node_kind[v],
                                g->node_id[v], s, c.off[v] == c.off[v + 1]};
      c.share[v] = c.res[v] = 0;
      c.flag[v] = 0;
    }
    if (no) {
      qsort(o, no, sizeof *o, graph_cmp_owner);
      if ((rc = fn(ctx, g->node_id[t], o, no)))
        break;
    }
  }
  free(c.off);
  free(c.hold);
  free(c.res);
  free(c.share);
  free(c.flag);
  free(c.touched);
  free(c.queue);
  free(o);
  if (pushes)
    *pushes = np;
  return rc;
}
