/*
 * graph — the relationship graph of enterprises and persons, loaded from the
 * store's typed edges into an igraph directed graph, and the analyses risk
 * officers and the opportunity engine ask of it: guarantee circles (strongly
 * connected components of the guarantee graph), mutual-guarantee pairs,
 * simple guarantee cycles, guarantee exposure within N hops, ownership
 * penetration (ultimate controllers), group heads and related parties, risk
 * contagion, hop-limited neighbourhoods, and pictures (DOT, SVG through
 * graphviz).  CSV edge lists (bank extracts) are imported here too.
 *
 * igraph is not thread-safe in its error handling set-up: graph_load sets
 * the process-wide handler to "ignore" (it would abort otherwise), which is
 * the same value every time, so concurrent loads are harmless.
 *
 * A graph is an immutable snapshot: graph_load reads the edges inside one
 * store transaction, so it is consistent with that transaction and may be
 * shared read-only between threads afterwards.  Vertices are store nodes
 * keyed by (kind, id): an enterprise and a person with the same numeric id are
 * different vertices.  Self-loops are dropped at load time (counted in
 * graph_info.self_loops); parallel edges of one type cannot come from the
 * store (its natural key is unique) but are harmless to every analysis here.
 */
#ifndef OPPGRAPH_GRAPH_H
#define OPPGRAPH_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum graph_err {
  GRAPH_OK = 0,
  GRAPH_ENOMEM = -1,
  GRAPH_ESTORE = -2,    /* a store call failed */
  GRAPH_EIGRAPH = -3,   /* igraph reported an error */
  GRAPH_EINVAL = -4,    /* bad argument */
  GRAPH_ENOTFOUND = -5, /* node not in the loaded graph */
};
const char *graph_strerror(int err);

typedef struct graph graph;

/* Loads every edge whose type is in types[0..ntypes) (ntypes 0 = every type)
 * from the store into a new graph.  *out is the caller's: graph_free(). */
int graph_load(store_txn *txn, const Oppgraph__V1__EdgeType *types,
               size_t ntypes, graph **out);
/* The same, keeping only the edges valid on as_of (YYYY-MM-DD): an edge
 * whose end is before that day, or whose start is after it, is left out
 * (counted in graph_info.expired); an empty start or end is open.  as_of
 * NULL or "" keeps every edge. */
int graph_load_at(store_txn *txn, const Oppgraph__V1__EdgeType *types,
                  size_t ntypes, const char *as_of, graph **out);
void graph_free(graph *g);

typedef struct graph_info {
  size_t vertices, enterprises, persons, edges, self_loops, expired;
} graph_info;
void graph_info_get(const graph *g, graph_info *out);

/* Vertex index of a store node; GRAPH_ENOTFOUND when it has no edge. */
int graph_vertex_of(const graph *g, Oppgraph__V1__NodeKind kind, uint64_t id,
                    size_t *v);
/* Store node of a vertex index. */
int graph_node_of(const graph *g, size_t v, Oppgraph__V1__NodeKind *kind,
                  uint64_t *id);

/* ---- guarantee circles ---------------------------------------------------
 * A circle is a strongly connected component of more than one enterprise in
 * the graph of GUARANTEE edges between enterprises (edges to or from persons
 * are ignored: a person guaranteeing a loan does not close a circle).  Its
 * edges are the guarantee edges with both ends in it.  Members and edge ids
 * are sorted ascending, circles by their smallest member, so the result is
 * deterministic.  Ids of the returned circles are 0 (the store numbers them).
 * Free with graph_circles_free. */
int graph_circles(const graph *g, Oppgraph__V1__GuaranteeCircle ***out,
                  size_t *n);
void graph_circles_free(Oppgraph__V1__GuaranteeCircle **c, size_t n);

typedef struct graph_report {
  graph_info info;
  size_t circles, circle_members, mutual_pairs;
} graph_report;

/* Loads the guarantee graph, computes its circles and replaces the stored
 * circles with them, all in one write transaction. */
int graph_rebuild_circles(store *st, graph_report *rep);
/* The same with only the guarantees valid on as_of (see graph_load_at). */
int graph_rebuild_circles_at(store *st, const char *as_of, graph_report *rep);

/* Brings the stored circles up to date with the guarantee edges stored
 * since the last rebuild or update, touching only the part of the graph
 * those edges can change (see incremental.c: a dynamic topological order
 * kept in meta); the result equals a full graph_rebuild_circles except for
 * circle ids and for amounts of re-ingested existing edges, which the next
 * full rebuild picks up.  Without usable state (never rebuilt, or last
 * rebuilt as of a date) it rebuilds in full (rep->full).  One write
 * transaction. */
typedef struct graph_update_report {
  size_t new_edges;       /* enterprise guarantee edges examined */
  size_t searched;        /* enterprises visited by the order searches */
  size_t circles_merged;  /* circles created or merged by the batch */
  size_t circles_changed; /* circles whose edges and total were rewritten */
  size_t circles;         /* circles stored afterwards */
  bool full;              /* a full rebuild was done instead */
} graph_update_report;
int graph_update_circles(store *st, graph_update_report *rep);

/* Two enterprises guaranteeing each other (a -> b and b -> a), a < b. */
typedef struct graph_pair {
  uint64_t a, b;
  uint64_t edge_ab, edge_ba;
  int64_t amount_ab, amount_ba;
} graph_pair;
/* *out is malloc'ed (free()); sorted by (a, b). */
int graph_mutual_pairs(const graph *g, graph_pair **out, size_t *n);

/* Guarantee exposure of `ent`: the enterprises whose debts it stands
 * behind, directly (it guarantees them) or indirectly (it guarantees a
 * guarantor of theirs), within max_hops.  For each, the shortest chain is
 * kept (the one with the largest bound among equally short ones): `amount`
 * is the guarantee into that enterprise on the chain and `bound` the
 * smallest amount along it, what ent could at most be called for through
 * this chain.  Sorted by hops, then bound (largest first), then id. *out is
 * malloc'ed (free()); GRAPH_ENOTFOUND when ent has no edge. */
typedef struct graph_exposure {
  uint64_t id;
  unsigned hops;
  uint64_t via; /* the enterprise before it on the chain (ent for direct) */
  uint64_t edge_id;
  int64_t amount, bound;
} graph_exposure;
int graph_guarantee_exposure(const graph *g, uint64_t ent, unsigned max_hops,
                             graph_exposure **out, size_t *n);

/* Simple guarantee cycles between enterprises of at most max_len vertices
 * (2 <= max_len), at most max_cycles of them (0 = no limit; *truncated tells
 * whether the limit cut the enumeration).  Each cycle is written as its
 * enterprise ids starting at the smallest, in guarantee direction; cycles are
 * concatenated in *ids with *lens giving each length.  free() both. */
int graph_guarantee_cycles(const graph *g, size_t max_len, size_t max_cycles,
                           uint64_t **ids, size_t **lens, size_t *n,
                           bool *truncated);

/* ---- ownership penetration -----------------------------------------------
 * The share of `target` held, directly and indirectly, by every upstream
 * holder through SHAREHOLDING edges: ratios multiplied along each path and
 * summed across paths; paths through the target itself are not counted, which
 * is the normalised integrated ownership and stays correct under
 * cross-holdings and cycles (computed by fixed-point iteration to
 * convergence).  Holders with share >= min_share are returned, largest share
 * first; `ultimate` marks holders nobody holds (persons, states, roots). */
typedef struct graph_owner {
  Oppgraph__V1__NodeKind kind;
  uint64_t id;
  double share;
  bool ultimate;
} graph_owner;
/* *out is malloc'ed (free()). GRAPH_ENOTFOUND when target has no edge. */
int graph_owners(const graph *g, uint64_t target, double min_share,
                 graph_owner **out, size_t *n);

/* Ownership penetration of every enterprise in one pass (what a nightly
 * job materialises): fn is called for each enterprise with at least one
 * holder of share >= min_share, with those holders as graph_owners returns
 * them (a non-zero return stops and is returned), holders before the
 * enterprises they hold (a topological order of the shareholding
 * components).  Owners are derived from the direct holders' owner vectors
 * (see owners_all.c), cross-holding cycles by pushing inside their
 * component; the holders are exactly those of graph_owners (a target whose
 * error bound leaves doubt is answered by graph_owners), each share within
 * tol (0 = 1e-9) of graph_owners' from below.  stats may be NULL. */
typedef int (*graph_owners_fn)(void *ctx, uint64_t target,
                               const graph_owner *o, size_t n);
typedef struct graph_owners_stats {
  uint64_t merged;      /* owner-vector entries merged (the main work) */
  uint64_t pushes;      /* pushes inside cross-holding components */
  size_t cyclic;        /* shareholding components of more than one vertex */
  size_t largest_cycle; /* vertices in the largest */
  size_t exact;         /* targets answered by graph_owners instead */
  size_t peak_entries;  /* owner-vector entries held at once, at most */
} graph_owners_stats;
int graph_owners_all(const graph *g, double min_share, double tol,
                     graph_owners_fn fn, void *ctx, graph_owners_stats *stats);

/* graph_owners_all's answers materialised in the store (owners_store.c):
 * every enterprise's holders >= min_share, written in transactions of 1M
 * enterprises as a new generation that replaces the previous one in its
 * last transaction, so readers see one complete generation throughout. */
typedef struct graph_owners_report {
  graph_owners_stats stats;
  size_t enterprises; /* with at least one holder over the line */
  uint64_t generation;
  double min_share;
} graph_owners_report;
int graph_owners_materialise(store *st, const graph *g, double min_share,
                             double tol, graph_owners_report *rep);
/* The stored holders of ent (largest share first; *n 0 when none is over
 * the line), and the min_share they were computed with (may be NULL).
 * GRAPH_ENOTFOUND when nothing was ever materialised.  free(*out). */
int graph_owners_stored(store_txn *txn, uint64_t ent, graph_owner **out,
                        size_t *n, double *min_share);

/* The line of the stored ownership that ingest keeps (the server's default
 * min_share of GetUltimateControllers). */
#define GRAPH_OWNERS_MIN 0.05

/* The part of the stored graph within `hops` of one node, read through the
 * store's edge indexes inside txn (so it is as consistent as txn's
 * snapshot): every edge of the given types (none = all) incident to a node
 * at most `hops` steps away, whichever its direction.  Analyses limited to
 * `hops` from that node (graph_contagion, graph_guarantee_exposure,
 * graph_export_dot at that depth, graph_neighbourhood) give on it what they
 * give on the whole graph, for the cost of the neighbourhood instead of
 * every edge of the store.  *out as graph_load's. */
int graph_load_around(store_txn *txn, Oppgraph__V1__NodeKind kind, uint64_t id,
                      unsigned hops, const Oppgraph__V1__EdgeType *types,
                      size_t ntypes, graph **out);

/* What graph_related_parties needs about one enterprise, read through the
 * store's edge indexes inside txn: the holdings into each link of its
 * majority chain up to the group head, the majority holdings down from the
 * head, and the executive / legal-representative edges of its people.  On
 * it graph_related_parties (and graph_group_head) answer as on the whole
 * graph.  *out as graph_load's. */
int graph_load_related(store_txn *txn, uint64_t ent, graph **out);

/* Brings the stored ownership up to date with the edges added since it was
 * last written (after an ingest batch): only the enterprises downstream of
 * a new shareholding edge are recomputed, on the shareholding edges upstream
 * of them read from the store, in one write transaction; a store never
 * materialised, one materialised from a caller's graph, or a batch reaching
 * too many enterprises is materialised whole (GRAPH_OWNERS_MIN, or the
 * stored line).  An edge re-ingested with another ratio keeps its id and is
 * seen at the next full materialise only.  rep may be NULL. */
typedef struct graph_owners_update_report {
  bool full;              /* materialised whole (materialised is filled) */
  size_t new_targets;     /* enterprises that new shareholding edges point at */
  size_t targets;         /* enterprises recomputed (those and downstream) */
  size_t upstream_edges;  /* shareholding edges read to recompute them */
  graph_owners_report materialised;
} graph_owners_update_report;
int graph_update_owners(store *st, graph_owners_update_report *rep);
/* graph_owners for one enterprise on the shareholding edges upstream of it,
 * read through the store's edge_in index inside txn instead of a loaded
 * graph: the same answer for the cost of its upstream part (*n 0 when
 * nobody holds it). */
int graph_owners_from_store(store_txn *txn, uint64_t ent, double min_share,
                            graph_owner **out, size_t *n);
/* Whether the stored ownership covers every edge of txn's snapshot; then
 * *min_share is its line (answers for a line >= it can be read from
 * graph_owners_stored, filtered). */
bool graph_owners_current(store_txn *txn, double *min_share);
/* The holders of ent over min_share as of txn's snapshot: the stored answer
 * (graph_owners_stored, filtered to min_share) when it covers the snapshot
 * and was computed down to min_share or below, as ingest keeps it;
 * otherwise graph_owners_from_store.  What GetUltimateControllers and
 * `graph controllers` answer.  free(*out). */
int graph_owners_of(store_txn *txn, uint64_t ent, double min_share,
                    graph_owner **out, size_t *n);

/* The head of an enterprise's group: from `ent`, repeatedly the holder with
 * more than half of the shares (the largest such holder, directly), until
 * none or a cycle of cross-holdings closes.  Two enterprises with the same
 * head are in one group (the group is everything that head controls
 * through majority chains).  Returns ent itself (kind enterprise) when
 * nobody holds a majority of it, and when ent has no edge at all. */
int graph_group_head(const graph *g, uint64_t ent, Oppgraph__V1__NodeKind *kind,
                     uint64_t *id);

/* Related parties of `ent`: enterprises in the same group (controlled by
 * its group head through majority chains, GRAPH_REL_GROUP, via = the head;
 * when nobody controls ent, the enterprises it controls),
 * and enterprises sharing an executive (GRAPH_REL_EXECUTIVE) or a legal
 * representative (GRAPH_REL_LEGAL_REP) with it (via = the person).  Needs
 * SHAREHOLDING, EXECUTIVE and LEGAL_REP edges loaded.  One entry per
 * (enterprise, relation), sorted by relation then id; *out is malloc'ed
 * (free()).  GRAPH_ENOTFOUND when ent has no edge. */
enum graph_relation {
  GRAPH_REL_GROUP = 1,
  GRAPH_REL_EXECUTIVE = 2,
  GRAPH_REL_LEGAL_REP = 3,
};
typedef struct graph_related {
  uint64_t id;
  enum graph_relation relation;
  Oppgraph__V1__NodeKind via_kind;
  uint64_t via;
} graph_related;
int graph_related_parties(const graph *g, uint64_t ent, graph_related **out,
                          size_t *n);

/* ---- neighbourhoods ------------------------------------------------------ */
enum graph_dir {
  GRAPH_OUT = 1, /* along edge direction (downstream, guaranteed, held) */
  GRAPH_IN = 2,  /* against it (upstream, guarantors, holders) */
  GRAPH_ALL = 3,
};
typedef struct graph_hop {
  Oppgraph__V1__NodeKind kind;
  uint64_t id;
  unsigned dist; /* hops from the start */
} graph_hop;
/* Nodes within max_hops of the enterprise `start` (not including it), by
 * distance then id.  *out is malloc'ed (free()). */
int graph_neighbourhood(const graph *g, uint64_t start, unsigned max_hops,
                        enum graph_dir dir, graph_hop **out, size_t *n);

/* ---- pictures -------------------------------------------------------------
 * The part of the graph within `depth` hops (either direction) of the
 * enterprise `center`, as Graphviz DOT: enterprises as boxes, persons as
 * ellipses, the center filled; each edge type in its own colour and style,
 * shareholding ratios and amounts (万元 / 亿元) as edge labels.  Names come
 * from the store through txn.  At most max_nodes nodes (0 = 500), nearest
 * first.  *dot is malloc'ed and NUL-terminated (free()). */
int graph_export_dot(store_txn *txn, const graph *g, uint64_t center,
                     unsigned depth, size_t max_nodes, char **dot, size_t *len);
/* Lays out DOT text with graphviz (dot engine) and renders SVG into *svg
 * (malloc'ed, NUL-terminated; free()).  GRAPH_EINVAL when the text does not
 * parse as DOT. */
int graph_dot_to_svg(const char *dot, char **svg, size_t *len);

/* ---- risk contagion --------------------------------------------------------
 * How strongly a risk event at enterprise `source` reaches other nodes within
 * max_hops, along the channels a credit officer worries about:
 *   guarantor of an exposed node    (GUARANTEE edge into it)   factor 1
 *   guaranteed by an exposed node   (GUARANTEE edge out of it) factor 0.5
 *   shareholder of an exposed node  (SHAREHOLDING into it)     factor ratio
 *   subsidiary of an exposed node   (SHAREHOLDING out of it)   factor ratio
 * each hop multiplied by `decay` (0..1).  A node's weight is its strongest
 * path; `via` is the node before it on that path (the source for direct
 * neighbours), so a caller can print the path back.  Nodes with weight >=
 * min_weight are returned, strongest first.  *out is malloc'ed (free()). */
typedef struct graph_exposed {
  Oppgraph__V1__NodeKind kind;
  uint64_t id;
  double weight;
  unsigned hops;
  Oppgraph__V1__NodeKind via_kind;
  uint64_t via;
  Oppgraph__V1__EdgeType channel; /* type of the last edge of the path */
} graph_exposed;
int graph_contagion(const graph *g, uint64_t source, unsigned max_hops,
                    double decay, double min_weight, graph_exposed **out,
                    size_t *n);

/* ---- edge lists from CSV ---------------------------------------------------
 * Imports a CSV edge list (RFC 4180: commas, optional double quotes, CRLF or
 * LF; UTF-8, or GB18030 as real bank extracts are — detected when the file
 * is not valid UTF-8, or forced by opts) as edges of one type.  The header
 * row names the columns; the defaults recognise common names:
 *   source  src source from 源 起点 担保人 担保方 股东 供应商 付款方
 *   target  dst target to 目标 终点 被担保人 被担保方 被投资企业 客户 收款方
 *   amount  amount 金额 担保金额 (yuan; "1,200", "3.5万", "1.2亿" accepted)
 *   ratio   ratio 比例 持股比例 ("35%" or 0.35)
 *   start   start 开始日期 起始日 / end end 到期日 结束日期
 *           (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)
 * A node value is resolved as an 18-character credit code, else as an exact
 * enterprise name or alias; an unknown one becomes a new enterprise named by
 * it (and with it as credit code when it has that form).  A row that cannot
 * be used (missing node, bad number or date) is reported through diag with
 * its line and skipped; the others are stored.  Re-importing the same file
 * adds nothing (edges have natural keys). */
typedef void (*graph_diag_fn)(void *ctx, const char *file, size_t line,
                              const char *msg);
typedef struct graph_csv_opts {
  const char *src_col, *dst_col, *amount_col, *ratio_col, *start_col,
      *end_col; /* NULL = the defaults above */
  int encoding; /* 0 auto, 1 UTF-8, 2 GB18030 */
  graph_diag_fn diag;
  void *diag_ctx;
} graph_csv_opts;
typedef struct graph_import_report {
  size_t rows, edges, rejected, enterprises_created;
  bool gb18030; /* the file was read as GB18030 */
} graph_import_report;
/* GRAPH_EINVAL (message in err) when the file cannot be read or its header
 * lacks a source or target column; GRAPH_ESTORE when a store write fails. */
int graph_import_csv(store_txn *txn, const char *path,
                     Oppgraph__V1__EdgeType type, const graph_csv_opts *opts,
                     graph_import_report *rep, char *err, size_t errlen);

#endif
