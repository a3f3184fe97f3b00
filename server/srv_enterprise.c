/*
 * srv_enterprise.c — EnterpriseService beyond GetEnterprise: prefix search,
 * relations around an enterprise, guarantee circles, ultimate controllers
 * and the DOT / SVG picture.  Registry data is public record: every
 * authenticated caller may read it.
 *
 * GetRelations walks the store's edge_out / edge_in indexes breadth-first
 * inside the request's read transaction: a depth-3 neighbourhood touches a
 * few hundred edges, far less than loading the whole graph.  The analyses
 * that reach at most N hops (risk exposure and contagion, the picture) run
 * on the part of the graph within N hops, gathered the same way
 * (graph_load_around); ownership penetration reads the stored answers that
 * ingest keeps current, or loads the shareholding edges when they are not.
 * All of it inside the request's read transaction, so an answer is
 * consistent with one snapshot whatever a writer does meanwhile.
 *
 * SearchEnterprises pages by offset into the name index (page token =
 * decimal count of names already returned): the index is ordered and a
 * prefix's matches are few, so re-walking the skipped ones is cheap.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "server/server_internal.h"

#define SRV_REL_DEFAULT 200
#define SRV_REL_MAX 2000

/* Graphviz keeps global state (its context, font caches): one rendering at
 * a time.  Immutable after start; the only process-wide lock here. */
static pthread_mutex_t srv_gv_mu = PTHREAD_MUTEX_INITIALIZER;

/* Fails with NOT_FOUND (rep set) when the enterprise does not exist;
 * *name (may be NULL) gets its legal name, malloc'd. */
static int srv_need_ent(store_txn *txn, uint64_t id, srv_reply *rep) {
  Oppgraph__V1__Enterprise *e = NULL;
  int rc = id ? store_ent_get(txn, id, &e) : STORE_ENOTFOUND;
  if (rc == STORE_ENOTFOUND) {
    srv_reply_error(rep, SRV_ST_NOT_FOUND,
                    "no enterprise with id %" PRIu64
                    " (find ids with SearchEnterprises or GetEnterprise)",
                    id);
    return -1;
  }
  if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "reading enterprise %" PRIu64 " failed: %s", id,
                    store_strerror(rc));
    return -1;
  }
  oppgraph__v1__enterprise__free_unpacked(e, NULL);
  return 0;
}

static char *srv_node_name(store_txn *txn, Oppgraph__V1__NodeKind kind,
                           uint64_t id) {
  char *name = NULL;
  if (kind == OPPGRAPH__V1__NODE_KIND__NODE_PERSON) {
    Oppgraph__V1__Person *p = NULL;
    if (!store_person_get(txn, id, &p)) {
      name = strdup(p->name ? p->name : "");
      oppgraph__v1__person__free_unpacked(p, NULL);
    }
  } else {
    Oppgraph__V1__Enterprise *e = NULL;
    if (!store_ent_get(txn, id, &e)) {
      name = strdup(e->name ? e->name : "");
      oppgraph__v1__enterprise__free_unpacked(e, NULL);
    }
  }
  return name ? name : strdup("");
}

/* ---- SearchEnterprises -----------------------------------------------------
 */

typedef struct srv_names {
  store_txn *txn;
  size_t skip, want, seen;
  Oppgraph__V1__EnterpriseMatch **v;
  size_t n;
  bool more;
  int err;
} srv_names;

static int srv_name_hit(void *ctx, const char *name, size_t len, uint64_t id) {
  srv_names *s = ctx;
  if (s->seen++ < s->skip)
    return 0;
  if (s->n == s->want) {
    s->more = true;
    return 1;
  }
  Oppgraph__V1__EnterpriseMatch *m = calloc(1, sizeof *m);
  if (!m)
    return s->err = STORE_ENOMEM;
  oppgraph__v1__enterprise_match__init(m);
  m->id = id;
  m->matched = strndup(name, len);
  Oppgraph__V1__Enterprise *e = NULL;
  if (!store_ent_get(s->txn, id, &e)) {
    m->name = strdup(e->name ? e->name : "");
    m->credit_code = strdup(e->credit_code ? e->credit_code : "");
    oppgraph__v1__enterprise__free_unpacked(e, NULL);
  } else {
    m->name = strdup("");
    m->credit_code = strdup("");
  }
  s->v[s->n++] = m;
  if (!m->matched || !m->name || !m->credit_code)
    return s->err = STORE_ENOMEM;
  return 0;
}

SRV_HANDLER(srv_search_enterprises) {
  const Oppgraph__V1__SearchEnterprisesRequest *req =
      (const Oppgraph__V1__SearchEnterprisesRequest *)msg;
  if (!req->prefix || !*req->prefix) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "prefix is empty: give the first characters of a name");
    return;
  }
  if (req->page_size < 0 || req->page_size > SRV_PAGE_MAX) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "page_size %" PRId32 " is out of range: use 1..%d (0 = %d)",
                    req->page_size, SRV_PAGE_MAX, SRV_PAGE_DEFAULT);
    return;
  }
  size_t skip = 0;
  if (req->page_token && *req->page_token) {
    char *end;
    unsigned long long v = strtoull(req->page_token, &end, 10);
    if (*end || v > 1000000) {
      srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                      "page_token '%.40s' is not one this server gave",
                      req->page_token);
      return;
    }
    skip = (size_t)v;
  }
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  size_t want = req->page_size ? (size_t)req->page_size : SRV_PAGE_DEFAULT;
  srv_names s = {.txn = txn, .skip = skip, .want = want};
  s.v = calloc(want, sizeof *s.v);
  int rc = s.v ? store_name_prefix(txn, req->prefix, skip + want + 1,
                                   srv_name_hit, &s)
               : STORE_ENOMEM;
  if (rc == 1)
    rc = 0;
  if (rc || s.err) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "searching names failed: %s",
                    store_strerror(rc ? rc : s.err));
  } else {
    Oppgraph__V1__SearchEnterprisesResponse resp =
        OPPGRAPH__V1__SEARCH_ENTERPRISES_RESPONSE__INIT;
    resp.enterprises = s.v;
    resp.n_enterprises = s.n;
    char tok[32] = "";
    if (s.more) {
      snprintf(tok, sizeof tok, "%zu", skip + s.n);
      resp.next_page_token = tok;
    }
    srv_reply_message(rep, &resp.base);
  }
  for (size_t i = 0; i < s.n; i++)
    oppgraph__v1__enterprise_match__free_unpacked(s.v[i], NULL);
  free(s.v);
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}

/* ---- GetRelations
 * ------------------------------------------------------------ */

typedef struct srv_walk {
  store_txn *txn;
  Oppgraph__V1__GraphNode **nodes;
  size_t nnodes, maxnodes;
  Oppgraph__V1__Edge **edges;
  size_t nedges, capedges;
  unsigned dist; /* of the node being expanded */
  uint64_t from;
  bool truncated;
  int err;
} srv_walk;

static Oppgraph__V1__GraphNode *srv_walk_find(srv_walk *w, uint64_t id) {
  for (size_t i = 0; i < w->nnodes; i++)
    if (w->nodes[i]->id == id)
      return w->nodes[i];
  return NULL;
}

static int srv_walk_add(srv_walk *w, Oppgraph__V1__NodeKind kind, uint64_t id,
                        unsigned dist) {
  if (srv_walk_find(w, id))
    return 0;
  if (w->nnodes == w->maxnodes) {
    w->truncated = true;
    return 0;
  }
  Oppgraph__V1__GraphNode *n = calloc(1, sizeof *n);
  if (!n)
    return w->err = STORE_ENOMEM;
  oppgraph__v1__graph_node__init(n);
  n->id = id;
  n->kind = kind;
  n->distance = dist;
  n->name = srv_node_name(w->txn, kind, id);
  w->nodes[w->nnodes++] = n;
  return n->name ? 0 : (w->err = STORE_ENOMEM);
}

static int srv_walk_edge(void *ctx, const Oppgraph__V1__Edge *e) {
  srv_walk *w = ctx;
  bool out = e->src == w->from;
  uint64_t other = out ? e->dst : e->src;
  Oppgraph__V1__NodeKind kind = out ? e->dst_kind : e->src_kind;
  return srv_walk_add(w, kind, other, w->dist + 1);
}

/* Edges between returned nodes, each once. */
static int srv_walk_keep(void *ctx, const Oppgraph__V1__Edge *e) {
  srv_walk *w = ctx;
  if (!srv_walk_find(w, e->src) || !srv_walk_find(w, e->dst))
    return 0;
  for (size_t i = 0; i < w->nedges; i++)
    if (w->edges[i]->id == e->id)
      return 0;
  if (w->nedges == w->capedges) {
    size_t cap = w->capedges ? 2 * w->capedges : 64;
    Oppgraph__V1__Edge **n = realloc(w->edges, cap * sizeof *n);
    if (!n)
      return w->err = STORE_ENOMEM;
    w->edges = n;
    w->capedges = cap;
  }
  size_t len = protobuf_c_message_get_packed_size(&e->base);
  uint8_t *buf = malloc(len + 1);
  if (!buf)
    return w->err = STORE_ENOMEM;
  protobuf_c_message_pack(&e->base, buf);
  w->edges[w->nedges] = oppgraph__v1__edge__unpack(NULL, len, buf);
  free(buf);
  if (!w->edges[w->nedges])
    return w->err = STORE_ENOMEM;
  w->nedges++;
  return 0;
}

SRV_HANDLER(srv_get_relations) {
  const Oppgraph__V1__GetRelationsRequest *req =
      (const Oppgraph__V1__GetRelationsRequest *)msg;
  unsigned depth = req->depth ? req->depth : 1;
  if (depth > 3) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "depth %u is too deep: use 1..3", req->depth);
    return;
  }
  if (req->max_nodes > SRV_REL_MAX) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT, "max_nodes %u is over %d",
                    req->max_nodes, SRV_REL_MAX);
    return;
  }
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  if (srv_need_ent(txn, req->enterprise_id, rep))
    goto out;
  srv_walk w = {.txn = txn};
  w.maxnodes = req->max_nodes ? req->max_nodes : SRV_REL_DEFAULT;
  w.nodes = calloc(w.maxnodes, sizeof *w.nodes);
  int rc = w.nodes ? srv_walk_add(&w, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE,
                                  req->enterprise_id, 0)
                   : STORE_ENOMEM;
  Oppgraph__V1__EdgeType all = OPPGRAPH__V1__EDGE_TYPE__EDGE_UNKNOWN;
  const Oppgraph__V1__EdgeType *types = req->n_types ? req->types : &all;
  size_t ntypes = req->n_types ? req->n_types : 1;
  /* Breadth-first: nodes are appended in distance order, so expanding them
   * in array order expands distance d before d + 1. */
  for (size_t i = 0; !rc && !w.err && i < w.nnodes; i++) {
    if (w.nodes[i]->distance >= depth)
      break;
    w.dist = w.nodes[i]->distance;
    w.from = w.nodes[i]->id;
    for (size_t t = 0; t < ntypes && !rc; t++) {
      rc = store_edge_out(txn, w.from, types[t], srv_walk_edge, &w);
      if (!rc)
        rc = store_edge_in(txn, w.from, types[t], srv_walk_edge, &w);
    }
  }
  for (size_t i = 0; !rc && !w.err && i < w.nnodes; i++)
    for (size_t t = 0; t < ntypes && !rc; t++)
      rc = store_edge_out(txn, w.nodes[i]->id, types[t], srv_walk_keep, &w);
  if (rc || w.err) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "walking the relations failed: %s",
                    store_strerror(rc ? rc : w.err));
  } else {
    Oppgraph__V1__GetRelationsResponse resp =
        OPPGRAPH__V1__GET_RELATIONS_RESPONSE__INIT;
    resp.nodes = w.nodes;
    resp.n_nodes = w.nnodes;
    resp.edges = w.edges;
    resp.n_edges = w.nedges;
    resp.truncated = w.truncated;
    srv_reply_message(rep, &resp.base);
  }
  for (size_t i = 0; i < w.nnodes; i++)
    oppgraph__v1__graph_node__free_unpacked(w.nodes[i], NULL);
  for (size_t i = 0; i < w.nedges; i++)
    oppgraph__v1__edge__free_unpacked(w.edges[i], NULL);
  free(w.nodes);
  free(w.edges);
out:
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}

/* ---- GetGuaranteeCircles
 * ------------------------------------------------------ */

typedef struct srv_circles {
  Oppgraph__V1__GuaranteeCircle **v;
  size_t n, cap;
} srv_circles;

static int srv_circle_copy(void *ctx, const Oppgraph__V1__GuaranteeCircle *c) {
  srv_circles *s = ctx;
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 16;
    Oppgraph__V1__GuaranteeCircle **n = realloc(s->v, cap * sizeof *n);
    if (!n)
      return STORE_ENOMEM;
    s->v = n;
    s->cap = cap;
  }
  size_t len = protobuf_c_message_get_packed_size(&c->base);
  uint8_t *buf = malloc(len + 1);
  if (!buf)
    return STORE_ENOMEM;
  protobuf_c_message_pack(&c->base, buf);
  s->v[s->n] = oppgraph__v1__guarantee_circle__unpack(NULL, len, buf);
  free(buf);
  if (!s->v[s->n])
    return STORE_ENOMEM;
  s->n++;
  return 0;
}

SRV_HANDLER(srv_get_circles) {
  const Oppgraph__V1__GetGuaranteeCirclesRequest *req =
      (const Oppgraph__V1__GetGuaranteeCirclesRequest *)msg;
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  srv_circles s = {0};
  int rc = 0;
  if (req->enterprise_id) {
    if (srv_need_ent(txn, req->enterprise_id, rep))
      goto out;
    uint64_t cid;
    rc = store_circle_of(txn, req->enterprise_id, &cid);
    if (rc == STORE_ENOTFOUND) {
      rc = 0; /* in no circle: an empty answer, not an error */
    } else if (!rc) {
      Oppgraph__V1__GuaranteeCircle *c = NULL;
      rc = store_circle_get(txn, cid, &c);
      if (!rc) {
        s.v = malloc(sizeof *s.v);
        if (s.v) {
          s.v[s.n++] = c;
        } else {
          oppgraph__v1__guarantee_circle__free_unpacked(c, NULL);
          rc = STORE_ENOMEM;
        }
      }
    }
  } else {
    rc = store_circle_foreach(txn, srv_circle_copy, &s);
  }
  if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "reading guarantee circles failed: %s", store_strerror(rc));
  } else {
    Oppgraph__V1__GetGuaranteeCirclesResponse resp =
        OPPGRAPH__V1__GET_GUARANTEE_CIRCLES_RESPONSE__INIT;
    resp.circles = s.v;
    resp.n_circles = s.n;
    srv_reply_message(rep, &resp.base);
  }
  for (size_t i = 0; i < s.n; i++)
    oppgraph__v1__guarantee_circle__free_unpacked(s.v[i], NULL);
  free(s.v);
out:
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}

/* ---- GetUltimateControllers
 * ----------------------------------------------------- */

SRV_HANDLER(srv_get_controllers) {
  const Oppgraph__V1__GetUltimateControllersRequest *req =
      (const Oppgraph__V1__GetUltimateControllersRequest *)msg;
  if (req->min_share < 0 || req->min_share > 1) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "min_share %g is not a share: use 0..1 (0 = 0.05)",
                    req->min_share);
    return;
  }
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  if (srv_need_ent(txn, req->enterprise_id, rep))
    goto out;
  graph_owner *own = NULL;
  size_t n = 0;
  int rc = graph_owners_of(
      txn, req->enterprise_id,
      req->min_share > 0 ? req->min_share : GRAPH_OWNERS_MIN, &own, &n);
  if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "ownership penetration failed: %s",
                    graph_strerror(rc));
  } else {
    Oppgraph__V1__Controller *cs = calloc(n + 1, sizeof *cs);
    Oppgraph__V1__Controller **ps = calloc(n + 1, sizeof *ps);
    size_t k = 0;
    for (size_t i = 0; cs && ps && i < n; i++) {
      if (req->ultimate_only && !own[i].ultimate)
        continue;
      oppgraph__v1__controller__init(&cs[k]);
      cs[k].id = own[i].id;
      cs[k].kind = own[i].kind;
      cs[k].share = own[i].share;
      cs[k].ultimate = own[i].ultimate;
      cs[k].name = srv_node_name(txn, own[i].kind, own[i].id);
      ps[k] = &cs[k];
      k++;
    }
    if (!cs || !ps) {
      srv_reply_error(rep, SRV_ST_INTERNAL, "out of memory");
    } else {
      Oppgraph__V1__GetUltimateControllersResponse resp =
          OPPGRAPH__V1__GET_ULTIMATE_CONTROLLERS_RESPONSE__INIT;
      resp.controllers = ps;
      resp.n_controllers = k;
      srv_reply_message(rep, &resp.base);
    }
    for (size_t i = 0; cs && i < k; i++)
      free(cs[i].name);
    free(cs);
    free(ps);
  }
  free(own);
out:
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}

/* ---- ExportGraph
 * --------------------------------------------------------------- */

SRV_HANDLER(srv_export_graph) {
  const Oppgraph__V1__ExportGraphRequest *req =
      (const Oppgraph__V1__ExportGraphRequest *)msg;
  unsigned depth = req->depth ? req->depth : 2;
  if (depth > 3 || req->max_nodes > 500) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "depth %u / max_nodes %u: use depth 1..3 and at most 500 "
                    "nodes",
                    req->depth, req->max_nodes);
    return;
  }
  if (req->format != OPPGRAPH__V1__GRAPH_FORMAT__GRAPH_DOT &&
      req->format != OPPGRAPH__V1__GRAPH_FORMAT__GRAPH_SVG) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "format %d: use GRAPH_DOT or GRAPH_SVG", req->format);
    return;
  }
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  if (srv_need_ent(txn, req->enterprise_id, rep))
    goto out;
  graph *g = NULL;
  char *dot = NULL, *svg = NULL;
  size_t dlen = 0, slen = 0;
  int rc = graph_load_around(txn, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE,
                             req->enterprise_id, depth, NULL, 0, &g);
  if (!rc)
    rc = graph_export_dot(txn, g, req->enterprise_id, depth,
                          req->max_nodes ? req->max_nodes : 200, &dot, &dlen);
  if (rc == GRAPH_ENOTFOUND) {
    /* No edge at all: a picture of the enterprise alone. */
    char *name = srv_node_name(txn, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE,
                               req->enterprise_id);
    size_t cap = 128 + (name ? strlen(name) : 0);
    dot = malloc(cap);
    if (dot)
      dlen = (size_t)snprintf(dot, cap,
                              "digraph g {\n  n%" PRIu64
                              " [shape=box, style=filled, label=\"%s\"];\n}\n",
                              req->enterprise_id, name ? name : "");
    free(name);
    rc = dot ? 0 : GRAPH_ENOMEM;
  }
  if (!rc && req->format == OPPGRAPH__V1__GRAPH_FORMAT__GRAPH_SVG) {
    pthread_mutex_lock(&srv_gv_mu);
    rc = graph_dot_to_svg(dot, &svg, &slen);
    pthread_mutex_unlock(&srv_gv_mu);
  }
  if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "drawing the graph failed: %s",
                    graph_strerror(rc));
  } else {
    Oppgraph__V1__ExportGraphResponse resp =
        OPPGRAPH__V1__EXPORT_GRAPH_RESPONSE__INIT;
    if (svg) {
      resp.data.data = (uint8_t *)svg;
      resp.data.len = slen;
      resp.content_type = "image/svg+xml";
    } else {
      resp.data.data = (uint8_t *)dot;
      resp.data.len = dlen;
      resp.content_type = "text/vnd.graphviz";
    }
    srv_reply_message(rep, &resp.base);
  }
  free(dot);
  free(svg);
  graph_free(g);
out:
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}

/* ---- GetRiskExposure
 * ------------------------------------------------------------ */

SRV_HANDLER(srv_get_risk_exposure) {
  const Oppgraph__V1__GetRiskExposureRequest *req =
      (const Oppgraph__V1__GetRiskExposureRequest *)msg;
  unsigned hops = req->max_hops ? req->max_hops : 2;
  if (hops > 4 || req->decay < 0 || req->decay > 1 || req->min_weight < 0 ||
      req->min_weight > 1) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "max_hops %u / decay %g / min_weight %g: use max_hops "
                    "1..4, decay and min_weight in 0..1",
                    req->max_hops, req->decay, req->min_weight);
    return;
  }
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  if (srv_need_ent(txn, req->enterprise_id, rep))
    goto out;
  Oppgraph__V1__EdgeType types[] = {OPPGRAPH__V1__EDGE_TYPE__GUARANTEE,
                                    OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING};
  graph *g = NULL;
  graph_exposed *ex = NULL;
  graph_exposure *gx = NULL;
  size_t nex = 0, ngx = 0;
  int rc = graph_load_around(txn, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE,
                             req->enterprise_id, hops, types, 2, &g);
  if (!rc) {
    rc = graph_contagion(
        g, req->enterprise_id, hops, req->decay > 0 ? req->decay : 0.7,
        req->min_weight > 0 ? req->min_weight : 0.05, &ex, &nex);
    if (rc == GRAPH_ENOTFOUND)
      rc = 0, nex = 0;
  }
  if (!rc) {
    rc = graph_guarantee_exposure(g, req->enterprise_id, hops, &gx, &ngx);
    if (rc == GRAPH_ENOTFOUND)
      rc = 0, ngx = 0;
  }
  Oppgraph__V1__ExposedNode *en = calloc(nex + 1, sizeof *en);
  Oppgraph__V1__ExposedNode **pen = calloc(nex + 1, sizeof *pen);
  Oppgraph__V1__GuaranteeExposure *ge = calloc(ngx + 1, sizeof *ge);
  Oppgraph__V1__GuaranteeExposure **pge = calloc(ngx + 1, sizeof *pge);
  if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "risk analysis failed: %s",
                    graph_strerror(rc));
  } else if (!en || !pen || !ge || !pge) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "out of memory");
  } else {
    for (size_t i = 0; i < nex; i++) {
      oppgraph__v1__exposed_node__init(&en[i]);
      en[i].id = ex[i].id;
      en[i].kind = ex[i].kind;
      en[i].name = srv_node_name(txn, ex[i].kind, ex[i].id);
      en[i].weight = ex[i].weight;
      en[i].hops = ex[i].hops;
      en[i].via = ex[i].via;
      en[i].via_kind = ex[i].via_kind;
      en[i].channel = ex[i].channel;
      pen[i] = &en[i];
    }
    for (size_t i = 0; i < ngx; i++) {
      oppgraph__v1__guarantee_exposure__init(&ge[i]);
      ge[i].id = gx[i].id;
      ge[i].name = srv_node_name(txn, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE,
                                 gx[i].id);
      ge[i].hops = gx[i].hops;
      ge[i].via = gx[i].via;
      ge[i].edge_id = gx[i].edge_id;
      ge[i].amount = gx[i].amount;
      ge[i].bound = gx[i].bound;
      pge[i] = &ge[i];
    }
    Oppgraph__V1__GetRiskExposureResponse resp =
        OPPGRAPH__V1__GET_RISK_EXPOSURE_RESPONSE__INIT;
    resp.contagion = pen;
    resp.n_contagion = nex;
    resp.guarantees = pge;
    resp.n_guarantees = ngx;
    srv_reply_message(rep, &resp.base);
    for (size_t i = 0; i < nex; i++)
      free(en[i].name);
    for (size_t i = 0; i < ngx; i++)
      free(ge[i].name);
  }
  free(en);
  free(pen);
  free(ge);
  free(pge);
  free(ex);
  free(gx);
  graph_free(g);
out:
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}

/* ---- GetRelatedParties
 * ---------------------------------------------------------- */

SRV_HANDLER(srv_get_related) {
  const Oppgraph__V1__GetRelatedPartiesRequest *req =
      (const Oppgraph__V1__GetRelatedPartiesRequest *)msg;
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  if (srv_need_ent(txn, req->enterprise_id, rep))
    goto out;
  graph *g = NULL;
  graph_related *rel = NULL;
  size_t n = 0;
  Oppgraph__V1__NodeKind hk = OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE;
  uint64_t head = req->enterprise_id;
  int rc = graph_load_related(txn, req->enterprise_id, &g);
  if (!rc)
    rc = graph_group_head(g, req->enterprise_id, &hk, &head);
  if (!rc)
    rc = graph_related_parties(g, req->enterprise_id, &rel, &n);
  if (rc == GRAPH_ENOTFOUND)
    rc = 0, n = 0; /* no edge: no related party */
  Oppgraph__V1__RelatedParty *ps = rc ? NULL : calloc(n + 1, sizeof *ps);
  Oppgraph__V1__RelatedParty **pp = rc ? NULL : calloc(n + 1, sizeof *pp);
  if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "related parties failed: %s",
                    graph_strerror(rc));
  } else if (!ps || !pp) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "out of memory");
  } else {
    for (size_t i = 0; i < n; i++) {
      oppgraph__v1__related_party__init(&ps[i]);
      ps[i].id = rel[i].id;
      ps[i].name = srv_node_name(txn, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE,
                                 rel[i].id);
      ps[i].relation = (Oppgraph__V1__Relation)rel[i].relation;
      ps[i].via_kind = rel[i].via_kind;
      ps[i].via = rel[i].via;
      ps[i].via_name = srv_node_name(txn, rel[i].via_kind, rel[i].via);
      pp[i] = &ps[i];
    }
    Oppgraph__V1__GetRelatedPartiesResponse resp =
        OPPGRAPH__V1__GET_RELATED_PARTIES_RESPONSE__INIT;
    resp.head_kind = hk;
    resp.head = head;
    resp.head_name = srv_node_name(txn, hk, head);
    resp.parties = pp;
    resp.n_parties = n;
    srv_reply_message(rep, &resp.base);
    free(resp.head_name);
    for (size_t i = 0; i < n; i++) {
      free(ps[i].name);
      free(ps[i].via_name);
    }
  }
  free(ps);
  free(pp);
  free(rel);
  graph_free(g);
out:
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}
