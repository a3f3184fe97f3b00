/*
 * events_edges.c — relationship edges told by announcements: an 对外担保
 * event becomes a GUARANTEE edge 担保方 -> 被担保方, a 前五大客户 event a
 * SUPPLY edge 公司名称 -> 客户 and a 前五大供应商 event a SUPPLY edge
 * 供应商 -> 公司名称 (upstream -> downstream).
 *
 * Called by the driver for every stored event, inside the document's write
 * transaction.  Only arguments already resolved to enterprises count
 * (Argument.enterprise_id: the dictionary or the store's name index found
 * the name); an event missing either end makes no edge — a guess would put
 * a false link in a risk officer's guarantee circle.  Edges go through
 * store_edge_put, whose natural key (type, src, dst) makes a re-ingest or a
 * second announcement of the same relation update one edge and add its
 * document to source_docs instead of adding an edge.
 *
 * Which event type makes which edge is the table below: it names roles of
 * data/rules/bank_schema.json (the rule files' contract), not words of any
 * text.  A role with several arguments (a top-5 list "甲、乙和丙") gives one
 * edge per counterpart; amount and share are then unknown, since the
 * announcement gave one figure for the list, not one per name.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest_internal.h"

typedef struct edge_rule {
  const char *event_type;
  Oppgraph__V1__EdgeType type;
  const char *src_role, *dst_role;
  const char *amount_role; /* norm "123.00 CNY" -> Edge.amount (yuan) */
  const char *ratio_role;  /* norm "0.152" -> Edge.ratio */
  const char *start_role, *end_role; /* norm YYYY-MM-DD */
} edge_rule;

static const edge_rule EDGE_RULES[] = {
    {"对外担保", OPPGRAPH__V1__EDGE_TYPE__GUARANTEE, "担保方", "被担保方",
     "担保金额", NULL, "担保起始日", "担保到期日"},
    {"前五大客户", OPPGRAPH__V1__EDGE_TYPE__SUPPLY, "公司名称", "客户",
     "销售金额", "占比", NULL, NULL},
    {"前五大供应商", OPPGRAPH__V1__EDGE_TYPE__SUPPLY, "供应商", "公司名称",
     "采购金额", "占比", NULL, NULL},
};

#define EE_MAX_ENDS 16 /* names of one role in one event (a top-5 list) */

/* Distinct enterprise ids of the arguments of role. */
static size_t role_ents(const Oppgraph__V1__Event *e, const char *role,
                        uint64_t ids[EE_MAX_ENDS]) {
  size_t n = 0;
  for (size_t i = 0; i < e->n_arguments && n < EE_MAX_ENDS; i++) {
    const Oppgraph__V1__Argument *a = e->arguments[i];
    if (!a->role || strcmp(a->role, role) || !a->enterprise_id)
      continue;
    size_t k;
    for (k = 0; k < n && ids[k] != a->enterprise_id; k++)
      ;
    if (k == n)
      ids[n++] = a->enterprise_id;
  }
  return n;
}

/* The normalised value of the only argument of role (NULL when none, or
 * when the role has several arguments and the value would be ambiguous). */
static const char *role_norm(const Oppgraph__V1__Event *e, const char *role) {
  const char *v = NULL;
  int n = 0;
  if (!role)
    return NULL;
  for (size_t i = 0; i < e->n_arguments; i++) {
    const Oppgraph__V1__Argument *a = e->arguments[i];
    if (a->role && !strcmp(a->role, role)) {
      n++;
      v = a->norm && *a->norm ? a->norm : NULL;
    }
  }
  return n == 1 ? v : NULL;
}

/* "30000000.00 CNY" -> 30000000; foreign currencies are not converted (the
 * edge then carries no amount rather than a wrong one). */
static int64_t yuan_of(const char *norm) {
  if (!norm)
    return 0;
  char *end = NULL;
  double v = strtod(norm, &end);
  if (end == norm || v <= 0 || v > 9.2e18)
    return 0;
  while (*end == ' ')
    end++;
  if (*end && strcmp(end, "CNY"))
    return 0;
  return (int64_t)(v + 0.5);
}

static int is_ymd(const char *s) {
  return s && strlen(s) == 10 && s[4] == '-' && s[7] == '-';
}

int ingest_event_edges(store_txn *txn, const Oppgraph__V1__Event *e,
                       size_t *nedges) {
  if (!e || !e->type)
    return 0;
  for (size_t r = 0; r < sizeof EDGE_RULES / sizeof EDGE_RULES[0]; r++) {
    const edge_rule *ru = &EDGE_RULES[r];
    if (strcmp(e->type, ru->event_type))
      continue;
    uint64_t src[EE_MAX_ENDS], dst[EE_MAX_ENDS];
    size_t ns = role_ents(e, ru->src_role, src);
    size_t nd = role_ents(e, ru->dst_role, dst);
    if (!ns || !nd)
      return 0;
    /* figures belong to one pair; a list's single figure to none of them */
    int single = ns == 1 && nd == 1;
    int64_t amount = single ? yuan_of(role_norm(e, ru->amount_role)) : 0;
    const char *ratio_s = single ? role_norm(e, ru->ratio_role) : NULL;
    const char *start = single ? role_norm(e, ru->start_role) : NULL;
    const char *end = single ? role_norm(e, ru->end_role) : NULL;
    uint64_t doc = e->document_id;
    for (size_t i = 0; i < ns; i++)
      for (size_t k = 0; k < nd; k++) {
        if (src[i] == dst[k])
          continue; /* "the company's own sales": no relation */
        Oppgraph__V1__Edge ed = OPPGRAPH__V1__EDGE__INIT;
        ed.type = ru->type;
        ed.src = src[i];
        ed.dst = dst[k];
        ed.src_kind = OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE;
        ed.dst_kind = OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE;
        ed.amount = amount;
        if (ratio_s) {
          double v = strtod(ratio_s, NULL);
          if (v > 0 && v <= 1)
            ed.ratio = v;
        }
        if (is_ymd(start))
          ed.start = (char *)start;
        if (is_ymd(end))
          ed.end = (char *)end;
        if (doc) {
          ed.source_docs = &doc;
          ed.n_source_docs = 1;
        }
        if (store_edge_put(txn, &ed))
          return INGEST_ESTORE;
        if (nedges)
          (*nedges)++;
      }
    return 0;
  }
  return 0;
}
