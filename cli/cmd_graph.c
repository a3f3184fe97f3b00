/*
 * cmd_graph.c — `oppgraph graph <analysis>`: relationship-graph analyses for
 * risk officers, printed as JSON lines (one object per circle, cycle, owner or
 * neighbour) so that they pipe into jq or a spreadsheet.
 *
 *   circles      recompute the guarantee circles, store them, print them
 *   cycles       simple guarantee cycles up to a length
 *   controllers  ultimate controllers / beneficial owners of an enterprise
 *   neighbours   nodes within N hops along one edge type
 *   export       DOT or SVG picture around an enterprise
 *   contagion    who a risk event at an enterprise reaches, and how
 *   exposure     whose debts an enterprise guarantees, directly or not
 *   related      same group, shared executives or legal representatives
 *   import-edges store a CSV edge list (UTF-8 or GB18030)
 *
 * `circles --edges FILE.csv` works without a store: the list is imported
 * into a temporary one, which is removed afterwards.
 *
 * Names are looked up in the store so that a line can be read without a
 * second query; a node the registry does not know prints an empty name.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "graph/graph.h"
#include "store/store.h"

static void graph_usage(FILE *f) {
  fprintf(
      f,
      "usage: oppgraph graph <analysis> --db DIR [options]\n\n"
      "analyses:\n"
      "  circles      recompute guarantee circles (strongly connected groups "
      "of\n"
      "               more than one enterprise guaranteeing each other), "
      "store\n"
      "               them and print one JSON line per circle: id, members "
      "with\n"
      "               names, edges with amounts, total amount\n"
      "               --no-rebuild   print the stored circles as they are\n"
      "               --as-of DATE   only guarantees valid that day\n"
      "                              (YYYY-MM-DD; default: every guarantee)\n"
      "  cycles       simple guarantee cycles: --max-len N (default 6),\n"
      "               --limit N (default 10000)\n"
      "  controllers  holders of --id ID through shareholdings, aggregated "
      "along\n"
      "               paths: --min R (default 0.25)\n"
      "  neighbours   nodes within --hops N (default 2) of --id ID along\n"
      "               --type supply|guarantee|shareholding|... (default "
      "supply),\n"
      "               --dir out|in|all (default all)\n"
      "  export       picture of every relation within --depth N (default 2)\n"
      "               of --id ID: --format dot|svg (default dot), written to\n"
      "               stdout or --out FILE\n"
      "  contagion    nodes a risk event at --id ID reaches through "
      "guarantees\n"
      "               and shareholdings within --hops N (default 2), weight =\n"
      "               product of --decay D (default 0.7) and channel factors,\n"
      "               at least --min W (default 0.1)\n"
      "  exposure     enterprises --id ID guarantees within --hops N (default\n"
      "               2): directly, or through the guarantors it guarantees,\n"
      "               with the amount and the bound of each chain\n"
      "  related      related parties of --id ID: same group (majority\n"
      "               chains from one head), shared executive or legal\n"
      "               representative\n"
      "  import-edges store the edges of FILE.csv (or --edges FILE.csv) as\n"
      "               --type TYPE;\n"
      "               the header names the columns (see below); unknown\n"
      "               enterprises are created; exit 1 when rows were "
      "rejected;\n"
      "               then the stored circles and ownership are brought up\n"
      "               to date as after an ingest (not with --no-rebuild)\n\n"
      "  circles --edges FILE.csv [--type guarantee]   circles of a CSV edge\n"
      "               list without a store (--db not needed)\n\n"
      "CSV options: --encoding auto|utf-8|gb18030 (default auto),\n"
      "  --src-col NAME --dst-col NAME --amount-col NAME --ratio-col NAME\n"
      "  --start-col NAME --end-col NAME; by default columns named e.g.\n"
      "  src/source/担保人/股东/供应商, dst/target/被担保人/客户,\n"
      "  amount/金额/担保金额, ratio/持股比例, start/开始日期, end/到期日.\n");
}

typedef struct graph_opts {
  const char *db;
  bool no_rebuild;
  size_t max_len, limit;
  uint64_t id;
  double min_share;
  unsigned hops;
  Oppgraph__V1__EdgeType type;
  enum graph_dir dir;
  unsigned depth;
  double decay;
  const char *edges;
  const char *as_of;
  bool have_type;
  graph_csv_opts csv;
  bool svg;
  const char *out;
} graph_opts;

static int parse_type(const char *s, Oppgraph__V1__EdgeType *t) {
  static const struct {
    const char *name;
    Oppgraph__V1__EdgeType t;
  } names[] = {
      {"shareholding", OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING},
      {"guarantee", OPPGRAPH__V1__EDGE_TYPE__GUARANTEE},
      {"supply", OPPGRAPH__V1__EDGE_TYPE__SUPPLY},
      {"executive", OPPGRAPH__V1__EDGE_TYPE__EXECUTIVE},
      {"legal_rep", OPPGRAPH__V1__EDGE_TYPE__LEGAL_REP},
      {"pledge", OPPGRAPH__V1__EDGE_TYPE__PLEDGE},
      {"branch", OPPGRAPH__V1__EDGE_TYPE__BRANCH},
      {"fund_flow", OPPGRAPH__V1__EDGE_TYPE__FUND_FLOW},
      {"all", OPPGRAPH__V1__EDGE_TYPE__EDGE_UNKNOWN},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(s, names[i].name)) {
      *t = names[i].t;
      return 0;
    }
  return -1;
}

static const char *node_name(store_txn *txn, Oppgraph__V1__NodeKind kind,
                             uint64_t id, char *buf, size_t len) {
  buf[0] = '\0';
  if (kind == OPPGRAPH__V1__NODE_KIND__NODE_PERSON) {
    Oppgraph__V1__Person *p;
    if (!store_person_get(txn, id, &p)) {
      snprintf(buf, len, "%s", p->name);
      oppgraph__v1__person__free_unpacked(p, NULL);
    }
  } else {
    Oppgraph__V1__Enterprise *e;
    if (!store_ent_get(txn, id, &e)) {
      snprintf(buf, len, "%s", e->name);
      oppgraph__v1__enterprise__free_unpacked(e, NULL);
    }
  }
  return buf;
}

static json_t *node_json(store_txn *txn, Oppgraph__V1__NodeKind kind,
                         uint64_t id) {
  char name[512];
  return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "kind",
                   kind == OPPGRAPH__V1__NODE_KIND__NODE_PERSON ? "person"
                                                                : "enterprise",
                   "name", node_name(txn, kind, id, name, sizeof name));
}

static void print_json(json_t *j) {
  char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(10));
  if (s)
    puts(s);
  free(s);
  json_decref(j);
}

typedef struct circle_print {
  store_txn *txn;
} circle_print;

static int print_circle(void *ctx, const Oppgraph__V1__GuaranteeCircle *c) {
  circle_print *cp = ctx;
  json_t *members = json_array(), *edges = json_array();
  for (size_t i = 0; i < c->n_members; i++)
    json_array_append_new(
        members, node_json(cp->txn, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE,
                           c->members[i]));
  for (size_t i = 0; i < c->n_edge_ids; i++) {
    Oppgraph__V1__Edge *e;
    if (store_edge_get(cp->txn, c->edge_ids[i], &e))
      continue;
    json_array_append_new(
        edges,
        json_pack("{s:I, s:I, s:I, s:I, s:s, s:s}", "id", (json_int_t)e->id,
                  "src", (json_int_t)e->src, "dst", (json_int_t)e->dst,
                  "amount", (json_int_t)e->amount, "start",
                  e->start ? e->start : "", "end", e->end ? e->end : ""));
    oppgraph__v1__edge__free_unpacked(e, NULL);
  }
  /* "id" key first for readability: json_pack keeps insertion order */
  print_json(json_pack("{s:I, s:I, s:o, s:o, s:I}", "id", (json_int_t)c->id,
                       "size", (json_int_t)c->n_members, "members", members,
                       "edges", edges, "total_amount",
                       (json_int_t)c->total_amount));
  return 0;
}

static int run_circles(store *st, const graph_opts *o) {
  if (!o->no_rebuild) {
    graph_report rep;
    int rc = graph_rebuild_circles_at(st, o->as_of, &rep);
    if (rc) {
      fprintf(stderr,
              "oppgraph graph circles: %s: rebuilding circles: %s (%s)\n",
              o->db, graph_strerror(rc), store_last_error());
      return CLI_EXIT_FAIL;
    }
    fprintf(stderr,
            "guarantee graph: %zu enterprises, %zu persons, %zu edges "
            "(%zu self-loops dropped, %zu not valid on the day); %zu circles "
            "with %zu members, %zu mutual pairs\n",
            rep.info.enterprises, rep.info.persons, rep.info.edges,
            rep.info.self_loops, rep.info.expired, rep.circles,
            rep.circle_members, rep.mutual_pairs);
  }
  store_txn *txn;
  if (store_begin(st, false, &txn))
    return CLI_EXIT_FAIL;
  circle_print cp = {txn};
  int rc = store_circle_foreach(txn, print_circle, &cp);
  store_abort(txn);
  return rc < 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* The part of the store an analysis needs, read inside txn: guarantee
 * cycles are global (every guarantee edge); the others are local to --id
 * and read through the edge indexes (what the gRPC server does), so they
 * cost the neighbourhood, not the whole store.  Controllers need no graph
 * (graph_owners_of): *g stays NULL. */
static int load_for(store_txn *txn, const graph_opts *o, const char *what,
                    graph **g) {
  static const Oppgraph__V1__EdgeType
      guarantee[] = {OPPGRAPH__V1__EDGE_TYPE__GUARANTEE},
      risk[] = {OPPGRAPH__V1__EDGE_TYPE__GUARANTEE,
                OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING};
  const Oppgraph__V1__NodeKind ent = OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE;
  *g = NULL;
  if (!strcmp(what, "cycles"))
    return graph_load(txn, guarantee, 1, g);
  if (!strcmp(what, "controllers"))
    return 0;
  if (!strcmp(what, "related"))
    return graph_load_related(txn, o->id, g);
  if (!strcmp(what, "exposure"))
    return graph_load_around(txn, ent, o->id, o->hops, guarantee, 1, g);
  if (!strcmp(what, "contagion"))
    return graph_load_around(txn, ent, o->id, o->hops, risk, 2, g);
  if (!strcmp(what, "export"))
    return graph_load_around(txn, ent, o->id, o->depth, NULL, 0, g);
  return graph_load_around(txn, ent, o->id, o->hops, &o->type, 1, g);
}

static int run_loaded(store *st, const graph_opts *o, const char *what) {
  store_txn *txn;
  if (store_begin(st, false, &txn))
    return CLI_EXIT_FAIL;
  Oppgraph__V1__Enterprise *e = NULL;
  if (strcmp(what, "cycles")) {
    int src = store_ent_get(txn, o->id, &e);
    if (src) {
      fprintf(stderr,
              "oppgraph graph %s: %s: %s %llu (give --id of an "
              "enterprise in the store)\n",
              what, o->db,
              src == STORE_ENOTFOUND ? "no enterprise" : store_last_error(),
              (unsigned long long)o->id);
      store_abort(txn);
      return CLI_EXIT_FAIL;
    }
    oppgraph__v1__enterprise__free_unpacked(e, NULL);
  }
  graph *g;
  int rc = load_for(txn, o, what, &g);
  if (rc) {
    fprintf(stderr, "oppgraph graph %s: %s: loading the graph: %s\n", what,
            o->db, graph_strerror(rc));
    store_abort(txn);
    return CLI_EXIT_FAIL;
  }
  int exit = CLI_EXIT_OK;
  if (!strcmp(what, "cycles")) {
    uint64_t *ids;
    size_t *lens, n;
    bool trunc;
    rc = graph_guarantee_cycles(g, o->max_len, o->limit, &ids, &lens, &n,
                                &trunc);
    for (size_t i = 0, off = 0; !rc && i < n; off += lens[i++]) {
      json_t *m = json_array();
      for (size_t k = 0; k < lens[i]; k++)
        json_array_append_new(
            m, node_json(txn, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE,
                         ids[off + k]));
      print_json(
          json_pack("{s:I, s:o}", "length", (json_int_t)lens[i], "members", m));
    }
    if (!rc) {
      if (trunc)
        fprintf(stderr, "stopped after %zu cycles (--limit)\n", n);
      free(ids);
      free(lens);
    }
  } else if (!strcmp(what, "controllers")) {
    graph_owner *ow;
    size_t n;
    rc = graph_owners_of(txn, o->id, o->min_share, &ow, &n);
    for (size_t i = 0; !rc && i < n; i++) {
      json_t *j = node_json(txn, ow[i].kind, ow[i].id);
      json_object_set_new(j, "share", json_real(ow[i].share));
      json_object_set_new(j, "ultimate", json_boolean(ow[i].ultimate));
      print_json(j);
    }
    if (!rc)
      free(ow);
  } else if (!strcmp(what, "related")) {
    graph_related *r;
    size_t n;
    rc = graph_related_parties(g, o->id, &r, &n);
    static const char *const names[] = {"", "group", "executive", "legal_rep"};
    for (size_t i = 0; !rc && i < n; i++) {
      json_t *j =
          node_json(txn, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE, r[i].id);
      json_object_set_new(j, "relation", json_string(names[r[i].relation]));
      json_object_set_new(j, "via", node_json(txn, r[i].via_kind, r[i].via));
      print_json(j);
    }
    if (!rc)
      free(r);
  } else if (!strcmp(what, "exposure")) {
    graph_exposure *x;
    size_t n;
    rc = graph_guarantee_exposure(g, o->id, o->hops, &x, &n);
    for (size_t i = 0; !rc && i < n; i++) {
      json_t *j =
          node_json(txn, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE, x[i].id);
      json_object_set_new(j, "hops", json_integer(x[i].hops));
      json_object_set_new(
          j, "via",
          node_json(txn, OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE, x[i].via));
      json_object_set_new(j, "edge_id", json_integer((json_int_t)x[i].edge_id));
      json_object_set_new(j, "amount", json_integer(x[i].amount));
      json_object_set_new(j, "bound", json_integer(x[i].bound));
      print_json(j);
    }
    if (!rc)
      free(x);
  } else if (!strcmp(what, "contagion")) {
    graph_exposed *x;
    size_t n;
    rc = graph_contagion(g, o->id, o->hops, o->decay, o->min_share, &x, &n);
    for (size_t i = 0; !rc && i < n; i++) {
      json_t *j = node_json(txn, x[i].kind, x[i].id);
      json_object_set_new(j, "weight", json_real(x[i].weight));
      json_object_set_new(j, "hops", json_integer(x[i].hops));
      json_object_set_new(j, "via", node_json(txn, x[i].via_kind, x[i].via));
      json_object_set_new(
          j, "channel",
          json_string(x[i].channel == OPPGRAPH__V1__EDGE_TYPE__GUARANTEE
                          ? "guarantee"
                          : "shareholding"));
      print_json(j);
    }
    if (!rc)
      free(x);
  } else if (!strcmp(what, "export")) {
    char *dot = NULL, *svg = NULL;
    size_t len = 0;
    rc = graph_export_dot(txn, g, o->id, o->depth, 0, &dot, &len);
    if (!rc && o->svg)
      rc = graph_dot_to_svg(dot, &svg, &len);
    if (!rc) {
      FILE *f = o->out ? fopen(o->out, "w") : stdout;
      if (!f || fwrite(o->svg ? svg : dot, 1, len, f) != len) {
        fprintf(stderr, "oppgraph graph export: cannot write %s\n",
                o->out ? o->out : "stdout");
        exit = CLI_EXIT_FAIL;
      }
      if (f && f != stdout)
        fclose(f);
    }
    free(dot);
    free(svg);
  } else {
    graph_hop *h;
    size_t n;
    rc = graph_neighbourhood(g, o->id, o->hops, o->dir, &h, &n);
    for (size_t i = 0; !rc && i < n; i++) {
      json_t *j = node_json(txn, h[i].kind, h[i].id);
      json_object_set_new(j, "hops", json_integer(h[i].dist));
      print_json(j);
    }
    if (!rc)
      free(h);
  }
  if (rc) {
    fprintf(stderr, "oppgraph graph %s: %s: enterprise %llu: %s\n", what, o->db,
            (unsigned long long)o->id, graph_strerror(rc));
    exit = CLI_EXIT_FAIL;
  }
  graph_free(g);
  store_abort(txn);
  return exit;
}

static void csv_diag(void *ctx, const char *file, size_t line,
                     const char *msg) {
  (void)ctx;
  fprintf(stderr, "%s:%zu: %s\n", file, line, msg);
}

/* Imports o->edges as o->type; prints the counts on stderr.  CLI_EXIT_FAIL
 * with *hard false means rows were rejected but the rest is stored. */
static int run_import(store *st, graph_opts *o, const char *what, bool *hard) {
  *hard = true;
  store_txn *txn;
  if (store_begin(st, true, &txn)) {
    fprintf(stderr, "oppgraph graph %s: %s: %s\n", what, o->db,
            store_last_error());
    return CLI_EXIT_FAIL;
  }
  o->csv.diag = csv_diag;
  graph_import_report rep;
  char err[1024];
  int rc =
      graph_import_csv(txn, o->edges, o->type, &o->csv, &rep, err, sizeof err);
  if (rc) {
    store_abort(txn);
    fprintf(stderr, "oppgraph graph %s: %s\n", what,
            rc == GRAPH_ENOMEM ? graph_strerror(rc) : err);
    return CLI_EXIT_FAIL;
  }
  if (store_commit(txn)) {
    fprintf(stderr, "oppgraph graph %s: %s: commit failed: %s\n", what, o->db,
            store_last_error());
    return CLI_EXIT_FAIL;
  }
  fprintf(stderr,
          "%s (%s): %zu rows, %zu edges stored, %zu rejected, %zu "
          "enterprises created\n",
          o->edges, rep.gb18030 ? "GB18030" : "UTF-8", rep.rows, rep.edges,
          rep.rejected, rep.enterprises_created);
  *hard = false;
  if (!strcmp(what, "import-edges") && !o->no_rebuild) {
    graph_update_report crep;
    graph_owners_update_report orep;
    if ((rc = graph_update_circles(st, &crep)) ||
        (rc = graph_update_owners(st, &orep))) {
      fprintf(stderr,
              "oppgraph graph %s: edges stored, but updating the "
              "stored circles and ownership failed: %s (run it "
              "again, or ingest)\n",
              what, graph_strerror(rc));
      return CLI_EXIT_FAIL;
    }
    fprintf(stderr,
            "%zu guarantee circles; ownership %s for %zu "
            "enterprises\n",
            crep.circles, orep.full ? "stored" : "updated",
            orep.full ? orep.materialised.enterprises : orep.targets);
  }
  return rep.rejected ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* circles --edges FILE without --db: a throw-away store. */
static int circles_of_csv(graph_opts *o) {
  char dir[] = "/tmp/oppgraph_circles_XXXXXX";
  if (!mkdtemp(dir)) {
    fprintf(stderr, "oppgraph graph circles: cannot create a temporary "
                    "directory in /tmp\n");
    return CLI_EXIT_FAIL;
  }
  store *st;
  int exit = CLI_EXIT_FAIL;
  o->db = dir;
  if (!store_open(dir, NULL, &st)) {
    bool hard;
    int irc = run_import(st, o, "circles", &hard);
    /* rejected rows were reported; the circles of the good ones still
     * print, and the exit status still says something was wrong */
    if (!hard) {
      exit = run_circles(st, o);
      if (exit == CLI_EXIT_OK)
        exit = irc;
    }
    store_close(st);
  } else {
    fprintf(stderr, "oppgraph graph circles: temporary store %s: %s\n", dir,
            store_last_error());
  }
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "oppgraph graph circles: could not remove %s\n", dir);
  return exit;
}

int cmd_graph(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    graph_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  }
  const char *what = argv[1];
  if (strcmp(what, "circles") && strcmp(what, "cycles") &&
      strcmp(what, "controllers") && strcmp(what, "neighbours") &&
      strcmp(what, "export") && strcmp(what, "contagion") &&
      strcmp(what, "exposure") && strcmp(what, "related") &&
      strcmp(what, "import-edges")) {
    fprintf(stderr, "oppgraph graph: unknown analysis '%s'\n\n", what);
    graph_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  graph_opts o = {.max_len = 6,
                  .limit = 10000,
                  .min_share = 0.25,
                  .hops = 2,
                  .type = OPPGRAPH__V1__EDGE_TYPE__SUPPLY,
                  .dir = GRAPH_ALL,
                  .depth = 2,
                  .decay = 0.7};
  bool have_min = false;
  bool have_id = false;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      graph_usage(stdout);
      return CLI_EXIT_OK;
    } else if (!strcmp(a, "--no-rebuild")) {
      o.no_rebuild = true;
      continue;
    } else if (a[0] != '-') {
      if (o.edges) {
        fprintf(stderr,
                "oppgraph graph %s: unexpected argument '%s' (one "
                "edge file at most)\n",
                what, a);
        return CLI_EXIT_USAGE;
      }
      o.edges = a; /* import-edges FILE.csv, circles FILE.csv */
      continue;
    }
    if (!v) {
      fprintf(stderr, "oppgraph graph %s: %s needs a value\n", what, a);
      return CLI_EXIT_USAGE;
    }
    char *end = NULL;
    if (!strcmp(a, "--db")) {
      o.db = v;
    } else if (!strcmp(a, "--max-len")) {
      o.max_len = strtoul(v, &end, 10);
    } else if (!strcmp(a, "--limit")) {
      o.limit = strtoul(v, &end, 10);
    } else if (!strcmp(a, "--id")) {
      o.id = strtoull(v, &end, 10);
      have_id = true;
    } else if (!strcmp(a, "--min")) {
      o.min_share = strtod(v, &end);
      have_min = true;
    } else if (!strcmp(a, "--decay")) {
      o.decay = strtod(v, &end);
    } else if (!strcmp(a, "--depth")) {
      o.depth = (unsigned)strtoul(v, &end, 10);
    } else if (!strcmp(a, "--out")) {
      o.out = v;
    } else if (!strcmp(a, "--format")) {
      if (strcmp(v, "dot") && strcmp(v, "svg")) {
        fprintf(stderr, "oppgraph graph %s: --format must be dot or svg\n",
                what);
        return CLI_EXIT_USAGE;
      }
      o.svg = !strcmp(v, "svg");
    } else if (!strcmp(a, "--hops")) {
      o.hops = (unsigned)strtoul(v, &end, 10);
    } else if (!strcmp(a, "--as-of")) {
      int y, m, d, k = 0;
      if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &k) != 3 || v[k] ||
          strlen(v) != 10) {
        fprintf(stderr,
                "oppgraph graph %s: --as-of wants YYYY-MM-DD, not '%s'\n", what,
                v);
        return CLI_EXIT_USAGE;
      }
      o.as_of = v;
    } else if (!strcmp(a, "--edges")) {
      o.edges = v;
    } else if (!strcmp(a, "--encoding")) {
      if (strcmp(v, "auto") && strcmp(v, "utf-8") && strcmp(v, "gb18030")) {
        fprintf(stderr,
                "oppgraph graph %s: --encoding must be auto, utf-8 or "
                "gb18030\n",
                what);
        return CLI_EXIT_USAGE;
      }
      o.csv.encoding = !strcmp(v, "utf-8") ? 1 : !strcmp(v, "gb18030") ? 2 : 0;
    } else if (!strcmp(a, "--src-col")) {
      o.csv.src_col = v;
    } else if (!strcmp(a, "--dst-col")) {
      o.csv.dst_col = v;
    } else if (!strcmp(a, "--amount-col")) {
      o.csv.amount_col = v;
    } else if (!strcmp(a, "--ratio-col")) {
      o.csv.ratio_col = v;
    } else if (!strcmp(a, "--start-col")) {
      o.csv.start_col = v;
    } else if (!strcmp(a, "--end-col")) {
      o.csv.end_col = v;
    } else if (!strcmp(a, "--type")) {
      o.have_type = true;
      if (parse_type(v, &o.type)) {
        fprintf(stderr, "oppgraph graph %s: unknown edge type '%s'\n", what, v);
        return CLI_EXIT_USAGE;
      }
    } else if (!strcmp(a, "--dir")) {
      if (!strcmp(v, "out"))
        o.dir = GRAPH_OUT;
      else if (!strcmp(v, "in"))
        o.dir = GRAPH_IN;
      else if (!strcmp(v, "all"))
        o.dir = GRAPH_ALL;
      else {
        fprintf(stderr, "oppgraph graph %s: --dir must be out, in or all\n",
                what);
        return CLI_EXIT_USAGE;
      }
    } else {
      fprintf(stderr, "oppgraph graph %s: unknown option '%s'\n", what, a);
      return CLI_EXIT_USAGE;
    }
    if (end && *end) {
      fprintf(stderr, "oppgraph graph %s: %s: '%s' is not a number\n", what, a,
              v);
      return CLI_EXIT_USAGE;
    }
    i++;
  }
  if (!(o.decay > 0 && o.decay <= 1)) {
    fprintf(stderr, "oppgraph graph %s: --decay must be in (0, 1]\n", what);
    return CLI_EXIT_USAGE;
  }
  if (!strcmp(what, "contagion") && !have_min)
    o.min_share = 0.1;
  if (!strcmp(what, "import-edges") && (!o.edges || !o.have_type || !o.type)) {
    fprintf(stderr, "oppgraph graph import-edges: --edges FILE.csv and --type "
                    "TYPE (not all) are required\n");
    return CLI_EXIT_USAGE;
  }
  if (!strcmp(what, "circles") && o.edges) {
    if (o.have_type && o.type != OPPGRAPH__V1__EDGE_TYPE__GUARANTEE) {
      fprintf(stderr, "oppgraph graph circles: circles are of guarantee "
                      "edges: --type guarantee\n");
      return CLI_EXIT_USAGE;
    }
    o.type = OPPGRAPH__V1__EDGE_TYPE__GUARANTEE;
    if (!o.db)
      return circles_of_csv(&o);
  }
  if (!o.db) {
    fprintf(stderr, "oppgraph graph %s: --db DIR is required\n", what);
    return CLI_EXIT_USAGE;
  }
  if ((!strcmp(what, "controllers") || !strcmp(what, "neighbours") ||
       !strcmp(what, "export") || !strcmp(what, "contagion") ||
       !strcmp(what, "exposure") || !strcmp(what, "related")) &&
      !have_id) {
    fprintf(stderr, "oppgraph graph %s: --id ID is required\n", what);
    return CLI_EXIT_USAGE;
  }
  if (!strcmp(what, "cycles") && o.max_len < 2) {
    fprintf(stderr, "oppgraph graph cycles: --max-len must be at least 2\n");
    return CLI_EXIT_USAGE;
  }
  store *st;
  store_options so = {.read_only = (o.no_rebuild || strcmp(what, "circles")) &&
                                   strcmp(what, "import-edges")};
  int rc = store_open(o.db, &so, &st);
  if (rc) {
    fprintf(stderr, "oppgraph graph %s: cannot open store %s: %s (%s)\n", what,
            o.db, store_strerror(rc), store_last_error());
    return CLI_EXIT_FAIL;
  }
  int exit = CLI_EXIT_OK;
  bool hard = false;
  if (o.edges && (!strcmp(what, "import-edges") || !strcmp(what, "circles")))
    exit = run_import(st, &o, what, &hard);
  if (!hard && strcmp(what, "import-edges")) {
    int e2 = !strcmp(what, "circles") ? run_circles(st, &o)
                                      : run_loaded(st, &o, what);
    if (e2 != CLI_EXIT_OK)
      exit = e2;
  }
  store_close(st);
  return exit;
}
