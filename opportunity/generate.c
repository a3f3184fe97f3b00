/*
 * generate.c — opp_generate: stored events → opportunities, in one write
 * transaction, in three steps.
 *
 *  1. One pass over the events (store_evt_foreach).  Risk-only event types
 *     (亏损, 企业破产, …) are remembered as (enterprise, flag, date).  Every
 *     other event is matched against the product rules; a match whose subject
 *     is a known enterprise, not excluded and not too small becomes a
 *     candidate carrying its dedup key (format in opportunity.h).  Nothing is
 *     written during the pass: the store hands out values that are only valid
 *     until the next write.
 *  2. Candidates are sorted by dedup key; each run of equal keys is one real
 *     event seen in one or more documents and becomes one opportunity whose
 *     event_ids / document_ids list all of them.
 *  3. Per opportunity: risk flags (risk events of the enterprise within the
 *     risk window, and of enterprises those reach through the graph within
 *     a few hops (graph_contagion), guarantee-circle membership via
 *     store_circle_of, declined
 *     credit), score = scale × value × probability × urgency × (1 −
 *     demotion), demotion = the flags' fractions summed, capped
 *     (risk_demotion, risk_max_demotion: a flag marks and moderately demotes,
 *     it never buries a large deal under tag-marketing lines),
 *     the RM, the explanation from the rule's template; then compared with
 *     the stored record of the same key and written only when different.
 *
 * RM assignment, in order: a client's own RM; the RM an earlier run gave a
 * prospect once it was pushed or acted on (an RM is working on it); for a
 * prospect directly related to a client (subsidiary, shareholder, supplier,
 * customer), that client's RM (relation marketing; probability p_related); the
 * RMs whose territory (Rm.regions, administrative-division prefixes) covers the
 * enterprise's region, longest prefix first, then an industry match, then the
 * lowest load/capacity; with no territory match, the lowest load/capacity
 * overall. An RM whose active load reached its capacity only gets a prospect
 * when every RM is full (capacity-aware: a busy territory overflows). Load
 * counts the assignments of this run, made in dedup-key order, so the outcome
 * is deterministic.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opportunity/opp_internal.h"

#define FLAG_CIRCLE "担保圈"
#define FLAG_DECLINED "授信曾被拒"
#define FLAG_RELATED "关联风险"
#define NO_DATE INT32_MIN
#define STALE_MARK "；已失效："
#define T_GUARANTEE_EDGE OPPGRAPH__V1__EDGE_TYPE__GUARANTEE
#define T_SHARE_EDGE OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING
/* Enterprise field numbers (proto/oppgraph.proto) a tag rule needs set */
#define ENT_TAGS_FIELD 13
#define ENT_PREV_CAPITAL_FIELD 19

/* The value of one identity role of a report: the enterprise it names
 * (0 when none resolves) and its normalised text (NULL when the report has
 * no such argument). */
typedef struct ident {
  uint64_t ent;
  char *text;
} ident;

typedef struct cand {
  char *key;        /* own dedup key (format in opportunity.h) */
  const char *ckey; /* key of its merged group (borrowed from a member) */
  uint64_t evt, doc, ent;
  uint64_t head; /* group head of ent (graph_group_head), ent when none */
  uint64_t simhash; /* the document's SimHash; 0 unknown */
  size_t rule;
  size_t comp;   /* union-find parent, then the group label */
  uint64_t cevt; /* smallest event id of its group (orders equal ckeys) */
  double amount; /* yuan; < 0 unknown */
  int32_t date;  /* event date, days since 1970-01-01; NO_DATE unknown */
  int32_t disclosed; /* disclosure day; NO_DATE unknown */
  ident *ids;        /* one per identity role of the rule */
} cand;

/* An opportunity stored before this run, by one of its event ids. */
typedef struct old_ref {
  uint64_t evt, opp;
} old_ref;

/* An opportunity stored before this run: claimed by a merged group (kept),
 * deleted (folded into the one a group kept), or neither (stale). */
typedef struct old_opp {
  uint64_t id;
  bool claimed, deleted, from_events, from_tags;
} old_opp;

typedef struct tag_hit {
  uint64_t ent;
  size_t rule; /* index into opp_config.tags */
} tag_hit;

typedef struct drop_rec {
  uint64_t evt;
  size_t seq; /* order of the drop in this run */
  int reason;
} drop_rec;

typedef struct risk {
  uint64_t ent;
  const char *flag; /* owned by the config */
  int32_t date;
  /* for FLAG_RELATED: the enterprise where the risk event happened, and
   * its own flag */
  uint64_t src;
  const char *cause;
} risk;

typedef struct rm_slot {
  Oppgraph__V1__Rm *rm;
  size_t load;
} rm_slot;

typedef struct gen {
  store_txn *txn;
  const opp_config *cfg;
  int64_t now;
  int32_t today;
  opp_report *rep;
  cand *c;
  size_t nc, capc;
  risk *r;
  size_t nr, capr;
  rm_slot *rms;
  size_t nrms;
  graph *graph; /* guarantees, shareholdings, executives, legal reps */
  /* RM feedback per opportunity type: accepted or won vs rejected */
  struct conv {
    const char *type; /* a rule's event type (owned by the config) */
    size_t success, failure;
  } * conv;
  size_t nconv;
  opp_drop_fn drop;
  void *drop_ctx;
  /* opportunities stored before this run */
  old_ref *oref;
  size_t noref, caporef;
  old_opp *olds;
  size_t nolds, capolds;
  tag_hit *tags; /* (enterprise, tag rule) matches of this run */
  size_t ntags, captags;
  drop_rec *drops; /* every drop of this run, for stale opportunities */
  size_t ndrops, capdrops;
  /* the last document read (id 0: none): a candidate needs its disclosure
   * date up to three times and its SimHash, one read serves all */
  uint64_t doc_id;
  bool doc_found;
  char doc_pub[16];
  uint64_t doc_simhash;
  int err;
} gen;

const char *opp_drop_name(int reason) {
  switch (reason) {
  case OPP_DROP_NO_RULE:
    return "无匹配产品规则 (no rule)";
  case OPP_DROP_NO_SUBJECT:
    return "主体不是已知企业 (no subject)";
  case OPP_DROP_UNKNOWN_ENTERPRISE:
    return "主体不在库中 (unknown enterprise)";
  case OPP_DROP_BELOW_MIN_AMOUNT:
    return "金额低于门槛 (below minimum amount)";
  case OPP_DROP_EXCLUDED_SUBJECT:
    return "主体为招标代理等 (excluded subject)";
  case OPP_DROP_INTRA_GROUP:
    return "集团内部交易 (intra-group)";
  }
  return "unknown";
}

static void dropped(gen *g, const Oppgraph__V1__Event *e, const opp_rule *r,
                    uint64_t ent, int reason, size_t *counter) {
  (*counter)++;
  if (g->ndrops == g->capdrops) {
    size_t cap = g->capdrops ? g->capdrops * 2 : 64;
    drop_rec *p = realloc(g->drops, cap * sizeof *p);
    if (p) { /* without memory the stale reason is only less specific */
      g->drops = p;
      g->capdrops = cap;
    }
  }
  if (g->ndrops < g->capdrops) {
    g->drops[g->ndrops] = (drop_rec){e->id, g->ndrops, reason};
    g->ndrops++;
  }
  if (g->drop)
    g->drop(g->drop_ctx, e->id, r ? r->id : NULL, ent, reason);
}

/* Is `other` in the group of `ent` (same head of majority-holding chains,
 * graph_group_head)? */
static int same_group(gen *g, uint64_t ent, uint64_t other, bool *same) {
  *same = false;
  if (!g->graph || ent == other)
    return 0;
  Oppgraph__V1__NodeKind ka, kb;
  uint64_t ha, hb;
  if (graph_group_head(g->graph, ent, &ka, &ha) ||
      graph_group_head(g->graph, other, &kb, &hb))
    return OPP_ENOMEM;
  *same = ka == kb && ha == hb;
  return 0;
}

/* ---- small helpers ----------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int32_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int32_t)(era * 146097 + (int)doe - 719468);
}

/* "YYYY-MM-DD" or "YYYY-MM" (first of the month) → days; NO_DATE otherwise. */
static bool two_digits(const char *s) {
  return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9';
}

/* The plain digits "YYYY-MM[-DD]" are read by hand: this runs several times
 * per event and sscanf was a visible share of a regeneration; anything else
 * (signs, blanks, one-digit fields) keeps the sscanf reading. */
static int32_t parse_day(const char *s) {
  int y, m, d = 1, n = 0;
  if (!s)
    return NO_DATE;
  if (two_digits(s) && two_digits(s + 2) && s[4] == '-' && two_digits(s + 5) &&
      s[7] != '-') {
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
        (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
  } else if (two_digits(s) && two_digits(s + 2) && s[4] == '-' &&
             two_digits(s + 5) && two_digits(s + 8)) {
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
        (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
  } else {
    if (sscanf(s, "%4d-%2d%n", &y, &m, &n) != 2 || n != 7)
      return NO_DATE;
    if (s[7] == '-' && sscanf(s + 8, "%2d", &d) != 1)
      return NO_DATE;
  }
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
    return NO_DATE;
  return days_from_civil(y, (unsigned)m, (unsigned)d);
}

static bool has_text(const char *s) {
  return s && *s;
}

static bool strv_has(const opp_strv *v, const char *s) {
  for (size_t i = 0; i < v->n; i++)
    if (!strcmp(v->v[i], s))
      return true;
  return false;
}

/* Normalised value of the first argument whose role is in roles, in the
 * order of roles (the rule lists the preferred role first). */
static const Oppgraph__V1__Argument *arg_by_roles(const Oppgraph__V1__Event *e,
                                                  const opp_strv *roles,
                                                  bool need_ent) {
  for (size_t k = 0; k < roles->n; k++)
    for (size_t i = 0; i < e->n_arguments; i++) {
      const Oppgraph__V1__Argument *a = e->arguments[i];
      if (strcmp(a->role, roles->v[k]))
        continue;
      if (need_ent && !a->enterprise_id)
        continue;
      return a;
    }
  return NULL;
}

static const Oppgraph__V1__Argument *arg_by_role(const Oppgraph__V1__Event *e,
                                                 const char *role) {
  for (size_t i = 0; i < e->n_arguments; i++)
    if (!strcmp(e->arguments[i]->role, role))
      return e->arguments[i];
  return NULL;
}

/* Amount in yuan from the normalised value of the rule's amount roles. */
static double event_amount(const Oppgraph__V1__Event *e, const opp_rule *r) {
  for (size_t k = 0; k < r->amount_roles.n; k++)
    for (size_t i = 0; i < e->n_arguments; i++) {
      const Oppgraph__V1__Argument *a = e->arguments[i];
      if (strcmp(a->role, r->amount_roles.v[k]) || !has_text(a->norm))
        continue;
      char *end;
      double v = strtod(a->norm, &end);
      if (end != a->norm && v > 0 && isfinite(v))
        return v;
    }
  return -1;
}

/* Reads document `doc` into the one-entry cache of g (the transaction
 * only reads, so a cached document cannot change); false when absent. */
static bool doc_load(gen *g, uint64_t doc) {
  if (!doc)
    return false;
  if (g->doc_id == doc)
    return g->doc_found;
  Oppgraph__V1__Document *d;
  g->doc_id = doc;
  g->doc_found = !store_doc_get(g->txn, doc, &d);
  g->doc_pub[0] = '\0';
  g->doc_simhash = 0;
  if (g->doc_found) {
    snprintf(g->doc_pub, sizeof g->doc_pub, "%s",
             d->published ? d->published : "");
    g->doc_simhash = d->simhash;
    oppgraph__v1__document__free_unpacked(d, NULL);
  }
  return g->doc_found;
}

static const char *doc_published(gen *g, uint64_t doc, char buf[16]) {
  buf[0] = '\0';
  if (doc_load(g, doc))
    memcpy(buf, g->doc_pub, sizeof g->doc_pub);
  return buf;
}

/* Event date for urgency: the rule's date roles, else the disclosure date. */
static int32_t event_day(gen *g, const Oppgraph__V1__Event *e,
                         const opp_strv *date_roles) {
  for (size_t k = 0; date_roles && k < date_roles->n; k++) {
    const Oppgraph__V1__Argument *a = arg_by_role(e, date_roles->v[k]);
    int32_t d = a ? parse_day(a->norm) : NO_DATE;
    if (d != NO_DATE)
      return d;
  }
  int32_t d = parse_day(e->published);
  if (d != NO_DATE)
    return d;
  char buf[16];
  return parse_day(doc_published(g, e->document_id, buf));
}

/* Month of the disclosure date, for the dedup key ("0000-00" unknown). */
static void dedup_month(gen *g, const Oppgraph__V1__Event *e,
                        const opp_strv *date_roles, char out[8]) {
  char buf[16];
  const char *p = has_text(e->published)
                      ? e->published
                      : doc_published(g, e->document_id, buf);
  if (parse_day(p) != NO_DATE) {
    memcpy(out, p, 7);
    out[7] = '\0';
    return;
  }
  for (size_t k = 0; k < date_roles->n; k++) {
    const Oppgraph__V1__Argument *a = arg_by_role(e, date_roles->v[k]);
    if (a && parse_day(a->norm) != NO_DATE) {
      memcpy(out, a->norm, 7);
      out[7] = '\0';
      return;
    }
  }
  strcpy(out, "0000-00");
}

/* Two significant digits: 1.19e8 and 1.2e8 share "12e7". */
static void amount_bucket(double a, char out[24]) {
  if (a <= 0) {
    strcpy(out, "na");
    return;
  }
  int e = (int)floor(log10(a));
  double m = round(a / pow(10, e - 1));
  if (m >= 100) {
    m /= 10;
    e++;
  }
  snprintf(out, 24, "%de%d", (int)m, e - 1);
}

/* ---- identity of a report (dedup) -------------------------------------- */

static void free_ids(ident *ids, size_t n) {
  for (size_t i = 0; ids && i < n; i++)
    free(ids[i].text);
  free(ids);
}

/* The enterprise a name of an identity role names through the registry's
 * name and alias index (0 when none): the name itself, else the name without
 * its last 1..dedup_name_trim characters, keeping at least two -- an
 * extractor's name boundary can take in the next word ("收购新泰物流控股权"
 * gives "新泰物流控股").  The exact name is tried first, so a registered
 * "新泰物流控股有限公司" is never mistaken for 新泰物流. */
static int resolve_trimmed(gen *g, const char *t, size_t len, uint64_t *ent) {
  *ent = 0;
  int rc = store_ent_by_name(g->txn, t, ent);
  if (rc != STORE_ENOTFOUND)
    return rc ? OPP_ESTORE : 0;
  *ent = 0;
  size_t chars = 0;
  for (size_t i = 0; i < len; i++)
    chars += ((unsigned char)t[i] & 0xC0) != 0x80;
  char buf[256];
  if (len >= sizeof buf)
    return 0;
  memcpy(buf, t, len + 1);
  size_t end = len;
  for (size_t cut = 1;
       cut <= (size_t)g->cfg->dedup_name_trim && cut + 2 <= chars; cut++) {
    do /* back to the start of the last UTF-8 character */
      end--;
    while (end > 0 && ((unsigned char)buf[end] & 0xC0) == 0x80);
    buf[end] = '\0';
    rc = store_ent_by_name(g->txn, buf, ent);
    if (rc != STORE_ENOTFOUND)
      return rc ? OPP_ESTORE : 0;
    *ent = 0;
  }
  return 0;
}

/* Significant decimal digits of an amount in yuan (694260000 -> 5). */
static int sig_digits(double amount) {
  long long v = llround(amount);
  if (v <= 0)
    return 0;
  while (v % 10 == 0)
    v /= 10;
  int n = 0;
  for (; v; v /= 10)
    n++;
  return n;
}

/* The rule's identity roles of e: the enterprise each names (the
 * extractor's link, else the registry's name and alias index, so "安盛环保"
 * and "苏州安盛环保科技有限公司" are one company) and the normalised text. */
static int event_idents(gen *g, const Oppgraph__V1__Event *e,
                        const opp_rule *r, ident **out) {
  *out = NULL;
  if (!r->identity_roles.n)
    return 0;
  ident *ids = calloc(r->identity_roles.n, sizeof *ids);
  if (!ids)
    return OPP_ENOMEM;
  for (size_t k = 0; k < r->identity_roles.n; k++) {
    const Oppgraph__V1__Argument *a = arg_by_role(e, r->identity_roles.v[k]);
    const char *t = a ? (has_text(a->text) ? a->text : a->norm) : NULL;
    if (!has_text(t))
      continue;
    size_t len = strlen(t);
    if (!(ids[k].text = malloc(len + 1))) {
      free_ids(ids, k);
      return OPP_ENOMEM;
    }
    store_name_norm(t, len, ids[k].text);
    ids[k].ent = a->enterprise_id;
    if (!ids[k].ent) {
      int rc = resolve_trimmed(g, t, len, &ids[k].ent);
      if (rc) {
        free_ids(ids, k + 1);
        return rc;
      }
    }
  }
  *out = ids;
  return 0;
}

/* Do two values of an identity role name the same thing?  Two resolved
 * enterprises must be the same; otherwise one normalised text must contain
 * the other (a short name inside the full name; "A轮" inside "A轮融资"). */
static bool ident_same(const ident *a, const ident *b) {
  if (a->ent && b->ent)
    return a->ent == b->ent;
  if (!strcmp(a->text, b->text))
    return true;
  size_t la = strlen(a->text), lb = strlen(b->text);
  /* at least two CJK characters, so "A" does not match every round */
  if ((la < lb ? la : lb) < 6)
    return false;
  return la < lb ? strstr(b->text, a->text) != NULL
                 : strstr(a->text, b->text) != NULL;
}

static int popcount64(uint64_t v) {
  int n = 0;
  for (; v; v &= v - 1)
    n++;
  return n;
}

/* Are two candidates of one rule reports of one real event?  See the
 * "dedup" entry of data/opportunity.json. */
static bool same_event(const gen *g, const cand *a, const cand *b) {
  const opp_config *cfg = g->cfg;
  const opp_rule *r = &cfg->rules[a->rule];
  if (a->rule != b->rule || a->head != b->head)
    return false;
  if (a->disclosed != NO_DATE && b->disclosed != NO_DATE &&
      abs(a->disclosed - b->disclosed) > cfg->dedup_window_days)
    return false;
  if (a->amount > 0 && b->amount > 0 &&
      fabs(a->amount - b->amount) >
          cfg->dedup_amount_tolerance * fmax(a->amount, b->amount))
    return false;
  /* the same precise amount (69,426万元 twice in one window is one deal,
   * 1亿元 twice may be two); a long one (71,282万元) outweighs identity
   * texts that disagree: an extractor that splits "数据中心机电安装工程"
   * into 招标方 数据中心 + 标的 is likelier than two deals of one group
   * to the yuan */
  int digits = a->amount > 0 && llround(a->amount) == llround(b->amount)
                   ? sig_digits(a->amount)
                   : 0;
  bool same_amount =
      cfg->dedup_exact_digits > 0 && digits >= cfg->dedup_exact_digits;
  bool overrides = cfg->dedup_override_digits > 0 &&
                   digits >= cfg->dedup_override_digits;
  bool known_same = false;
  for (size_t k = 0; k < r->identity_roles.n; k++) {
    if (!a->ids[k].text || !b->ids[k].text)
      continue; /* a missing value is compatible with any */
    if (!ident_same(&a->ids[k], &b->ids[k])) {
      if (!overrides)
        return false;
      continue;
    }
    known_same = true;
  }
  if (a->ent == b->ent)
    return true;
  /* two companies of one group (parent and subsidiary announcing one deal):
   * only with positive evidence, a known identity, the same precise amount
   * or near-duplicate texts */
  return known_same || same_amount ||
         (a->simhash && b->simhash &&
          popcount64(a->simhash ^ b->simhash) <= cfg->dedup_simhash_max);
}

/* ---- pass 1: events → candidates and risks ----------------------------- */

static int push_cand(gen *g, const cand *c) {
  if (g->nc == g->capc) {
    size_t cap = g->capc ? g->capc * 2 : 256;
    cand *p = realloc(g->c, cap * sizeof *p);
    if (!p)
      return OPP_ENOMEM;
    g->c = p;
    g->capc = cap;
  }
  g->c[g->nc++] = *c;
  return 0;
}

static int push_risk(gen *g, uint64_t ent, const char *flag, int32_t date,
                     uint64_t src, const char *cause) {
  if (g->nr == g->capr) {
    size_t cap = g->capr ? g->capr * 2 : 64;
    risk *p = realloc(g->r, cap * sizeof *p);
    if (!p)
      return OPP_ENOMEM;
    g->r = p;
    g->capr = cap;
  }
  g->r[g->nr++] = (risk){ent, flag, date, src, cause};
  return 0;
}

static int risk_event(gen *g, const Oppgraph__V1__Event *e,
                      const opp_risk_rule *rr) {
  int32_t day = event_day(g, e, NULL);
  bool any = false;
  for (size_t i = 0; i < e->n_arguments; i++) {
    const Oppgraph__V1__Argument *a = e->arguments[i];
    if (a->enterprise_id && strv_has(&rr->subject_roles, a->role)) {
      if (push_risk(g, a->enterprise_id, rr->flag, day, 0, NULL))
        return OPP_ENOMEM;
      any = true;
    }
  }
  for (size_t i = 0; !any && i < e->n_subject_ids; i++)
    if (push_risk(g, e->subject_ids[i], rr->flag, day, 0, NULL))
      return OPP_ENOMEM;
  return 0;
}

static bool rule_applies(gen *g, const opp_rule *r,
                         const Oppgraph__V1__Event *e, double amount) {
  if (r->has_min && !(amount >= r->min_amount))
    return false;
  if (r->has_max && !(amount >= 0 && amount <= r->max_amount))
    return false;
  if (r->has_role && !arg_by_role(e, r->has_role))
    return false;
  if (r->maturity_role) {
    const Oppgraph__V1__Argument *a = arg_by_role(e, r->maturity_role);
    int32_t d = a ? parse_day(a->norm) : NO_DATE;
    if (d == NO_DATE || d < g->today || d - g->today > r->maturity_within_days)
      return false;
  }
  return true;
}

static bool name_excluded(const opp_config *cfg, const char *name) {
  for (size_t i = 0; name && i < cfg->subject_exclude.n; i++)
    if (strstr(name, cfg->subject_exclude.v[i]))
      return true;
  return false;
}

static int candidate(gen *g, const Oppgraph__V1__Event *e, size_t ri,
                     double amount) {
  const opp_rule *r = &g->cfg->rules[ri];
  const Oppgraph__V1__Argument *sa = arg_by_roles(e, &r->subject_roles, true);
  uint64_t ent = sa                 ? sa->enterprise_id
                 : e->n_subject_ids ? e->subject_ids[0]
                                    : 0;
  if (!ent) {
    dropped(g, e, r, 0, OPP_DROP_NO_SUBJECT, &g->rep->no_subject);
    return 0;
  }
  Oppgraph__V1__Enterprise *en;
  int rc = store_ent_get(g->txn, ent, &en);
  if (rc == STORE_ENOTFOUND) {
    dropped(g, e, r, ent, OPP_DROP_UNKNOWN_ENTERPRISE,
            &g->rep->unknown_enterprise);
    return 0;
  }
  if (rc)
    return OPP_ESTORE;
  bool excluded = name_excluded(g->cfg, en->name);
  oppgraph__v1__enterprise__free_unpacked(en, NULL);
  if (excluded) {
    dropped(g, e, r, ent, OPP_DROP_EXCLUDED_SUBJECT, &g->rep->excluded_subject);
    return 0;
  }
  if (amount >= 0 && amount < g->cfg->min_amount) {
    dropped(g, e, r, ent, OPP_DROP_BELOW_MIN_AMOUNT, &g->rep->below_min_amount);
    return 0;
  }
  if (r->group_check_role) {
    const Oppgraph__V1__Argument *o = arg_by_role(e, r->group_check_role);
    bool same = false;
    if (o && o->enterprise_id &&
        (rc = same_group(g, ent, o->enterprise_id, &same)))
      return rc;
    if (same) {
      dropped(g, e, r, ent, OPP_DROP_INTRA_GROUP, &g->rep->intra_group);
      return 0;
    }
  }
  char bucket[24], month[8];
  amount_bucket(amount, bucket);
  dedup_month(g, e, &r->date_roles, month);
  size_t klen = strlen(r->event) + strlen(r->id) + 80;
  cand c = {.evt = e->id,
            .doc = e->document_id,
            .ent = ent,
            .head = ent,
            .rule = ri,
            .amount = amount,
            .date = event_day(g, e, &r->date_roles)};
  char pub[16];
  c.disclosed = parse_day(has_text(e->published)
                              ? e->published
                              : doc_published(g, e->document_id, pub));
  if (doc_load(g, e->document_id))
    c.simhash = g->doc_simhash;
  if (g->graph) {
    Oppgraph__V1__NodeKind hk;
    if (graph_group_head(g->graph, ent, &hk, &c.head))
      return OPP_ENOMEM;
  }
  if ((rc = event_idents(g, e, r, &c.ids)))
    return rc;
  if (!(c.key = malloc(klen))) {
    free_ids(c.ids, r->identity_roles.n);
    return OPP_ENOMEM;
  }
  snprintf(c.key, klen, "%s#%s|%llu|%s|%s", r->event, r->id,
           (unsigned long long)ent, bucket, month);
  g->rep->candidates++;
  if (push_cand(g, &c)) {
    free(c.key);
    free_ids(c.ids, r->identity_roles.n);
    return OPP_ENOMEM;
  }
  return 0;
}

static int on_event(void *ctx, const Oppgraph__V1__Event *e) {
  gen *g = ctx;
  g->rep->events++;
  const opp_config *cfg = g->cfg;
  if (!has_text(e->type)) {
    dropped(g, e, NULL, 0, OPP_DROP_NO_RULE, &g->rep->no_rule);
    return 0;
  }
  for (size_t i = 0; i < cfg->nrisks; i++)
    if (!strcmp(cfg->risks[i].event, e->type)) {
      g->rep->risk_events++;
      if ((g->err = risk_event(g, e, &cfg->risks[i])))
        return 1;
      return 0;
    }
  size_t matched = 0;
  for (size_t i = 0; i < cfg->nrules; i++) {
    const opp_rule *r = &cfg->rules[i];
    if (strcmp(r->event, e->type))
      continue;
    double amount = event_amount(e, r);
    if (!rule_applies(g, r, e, amount))
      continue;
    matched++;
    if ((g->err = candidate(g, e, i, amount)))
      return 1;
  }
  if (!matched)
    dropped(g, e, NULL, e->n_subject_ids ? e->subject_ids[0] : 0,
            OPP_DROP_NO_RULE, &g->rep->no_rule);
  return 0;
}

/* ---- RMs ----------------------------------------------------------------- */

/* Tallies the feedback RMs gave (status accepted / won / rejected) per
 * opportunity type, for the conversion factor of the score. */
static int on_feedback(void *ctx, const Oppgraph__V1__Opportunity *o) {
  gen *g = ctx;
  bool ok = o->status == OPPGRAPH__V1__OPP_STATUS__OPP_ACCEPTED ||
            o->status == OPPGRAPH__V1__OPP_STATUS__OPP_WON;
  bool bad = o->status == OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED;
  if ((!ok && !bad) || !has_text(o->type))
    return 0;
  for (size_t i = 0; i < g->nconv; i++)
    if (!strcmp(g->conv[i].type, o->type)) {
      g->conv[i].success += ok;
      g->conv[i].failure += bad;
      return 0;
    }
  return 0; /* a type no rule produces any more */
}

/* Beta-smoothed conversion of the type relative to the prior mean:
 * (s + a) / (n + a + b) / (a / (a + b)), clamped to [min, max]; exactly 1
 * without feedback, so a fresh store scores by the configured p_* alone. */
static double conversion_factor(const gen *g, const char *type) {
  const opp_config *cfg = g->cfg;
  if (cfg->conv_prior_success <= 0)
    return 1.0;
  for (size_t i = 0; i < g->nconv; i++) {
    if (strcmp(g->conv[i].type, type))
      continue;
    double a = cfg->conv_prior_success, b = cfg->conv_prior_failure;
    double s = (double)g->conv[i].success, n = s + (double)g->conv[i].failure;
    double f = ((s + a) / (n + a + b)) / (a / (a + b));
    return fmin(cfg->conv_max, fmax(cfg->conv_min, f));
  }
  return 1.0;
}

static int on_rm(void *ctx, const Oppgraph__V1__Rm *rm) {
  gen *g = ctx;
  rm_slot *p = realloc(g->rms, (g->nrms + 1) * sizeof *p);
  if (!p)
    return g->err = OPP_ENOMEM, 1;
  g->rms = p;
  /* the store's value is only borrowed: keep our own copy */
  size_t len = oppgraph__v1__rm__get_packed_size(rm);
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf)
    return g->err = OPP_ENOMEM, 1;
  oppgraph__v1__rm__pack(rm, buf);
  Oppgraph__V1__Rm *copy = oppgraph__v1__rm__unpack(NULL, len, buf);
  free(buf);
  if (!copy)
    return g->err = OPP_ENOMEM, 1;
  g->rms[g->nrms++] = (rm_slot){copy, 0};
  return 0;
}

static rm_slot *rm_find(gen *g, const char *id) {
  for (size_t i = 0; has_text(id) && i < g->nrms; i++)
    if (!strcmp(g->rms[i].rm->id, id))
      return &g->rms[i];
  return NULL;
}

/* Length of the longest territory prefix of rm covering region (0 none). */
static size_t territory_match(const Oppgraph__V1__Rm *rm, const char *region) {
  size_t best = 0;
  for (size_t i = 0; has_text(region) && i < rm->n_regions; i++) {
    size_t n = strlen(rm->regions[i]);
    if (n && n > best && !strncmp(region, rm->regions[i], n))
      best = n;
  }
  return best;
}

static bool industry_match(const Oppgraph__V1__Rm *rm, const char *ind) {
  for (size_t i = 0; has_text(ind) && i < rm->n_industries; i++) {
    size_t n = strlen(rm->industries[i]);
    if (n && !strncmp(ind, rm->industries[i], n))
      return true;
  }
  return false;
}

static double rm_fill(const rm_slot *s) {
  return (double)s->load / (s->rm->capacity ? s->rm->capacity : 1);
}

/* Is a better than b for a prospect (territory, industry, load, id)? */
/* Capacity 0 means "not limited". */
static bool rm_full(const rm_slot *s) {
  return s->rm->capacity && s->load >= s->rm->capacity;
}

/* Is a better than b for a prospect: room left first (capacity-aware: a
 * full territory overflows to colleagues), then territory, industry, load,
 * id? */
static bool rm_better(const rm_slot *a, const rm_slot *b,
                      const Oppgraph__V1__Enterprise *en) {
  if (rm_full(a) != rm_full(b))
    return !rm_full(a);
  size_t ta = territory_match(a->rm, en->region),
         tb = territory_match(b->rm, en->region);
  if (ta != tb)
    return ta > tb;
  bool ia = industry_match(a->rm, en->industry),
       ib = industry_match(b->rm, en->industry);
  if (ia != ib)
    return ia;
  if (rm_fill(a) != rm_fill(b))
    return rm_fill(a) < rm_fill(b);
  return strcmp(a->rm->id, b->rm->id) < 0;
}

/* ---- relation to a client ------------------------------------------------
 * A prospect related to a client (its subsidiary, shareholder, supplier or
 * customer; else a member of the same group, or sharing an executive or a
 * legal representative) is relation marketing: the client's RM has the
 * introduction, so the success probability is p_related and the RM is the
 * client's.  The first client found, in this fixed order of relations and
 * then edge / id order, is the one named. */

typedef struct relation {
  bool found;
  char client_name[256];
  char rm_id[64];
  const char *what; /* 子公司 / 股东 / 供应商 / 下游客户 */
} relation;

typedef struct rel_ctx {
  gen *g;
  uint64_t self;
  relation *rel;
  const char *what;
  int err;
} rel_ctx;

static int rel_edge(void *ctx, const Oppgraph__V1__Edge *e) {
  rel_ctx *c = ctx;
  bool out = e->src == c->self &&
             e->src_kind == OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE;
  uint64_t other = out ? e->dst : e->src;
  if ((out ? e->dst_kind : e->src_kind) !=
          OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE ||
      other == c->self)
    return 0;
  Oppgraph__V1__Enterprise *o;
  int rc = store_ent_get(c->g->txn, other, &o);
  if (rc == STORE_ENOTFOUND)
    return 0;
  if (rc) {
    c->err = OPP_ESTORE;
    return 1;
  }
  bool hit = o->is_client && has_text(o->rm_id);
  if (hit) {
    c->rel->found = true;
    snprintf(c->rel->client_name, sizeof c->rel->client_name, "%s", o->name);
    snprintf(c->rel->rm_id, sizeof c->rel->rm_id, "%s", o->rm_id);
    c->rel->what = c->what;
  }
  oppgraph__v1__enterprise__free_unpacked(o, NULL);
  return hit;
}

static int find_relation(gen *g, const Oppgraph__V1__Enterprise *en,
                         relation *rel) {
  memset(rel, 0, sizeof *rel);
  if (en->is_client)
    return 0;
  static const struct {
    bool in;
    Oppgraph__V1__EdgeType type;
    const char *what;
  } order[] = {
      {true, OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING, "子公司"},
      {false, OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING, "股东"},
      {false, OPPGRAPH__V1__EDGE_TYPE__SUPPLY, "供应商"},
      {true, OPPGRAPH__V1__EDGE_TYPE__SUPPLY, "下游客户"},
      /* fund flows (payer -> payee, from bank extracts via import-edges) */
      {false, OPPGRAPH__V1__EDGE_TYPE__FUND_FLOW, "资金往来对手方(付款方)"},
      {true, OPPGRAPH__V1__EDGE_TYPE__FUND_FLOW, "资金往来对手方(收款方)"},
  };
  for (size_t i = 0; i < sizeof order / sizeof order[0] && !rel->found; i++) {
    rel_ctx c = {g, en->id, rel, order[i].what, 0};
    int rc = order[i].in
                 ? store_edge_in(g->txn, en->id, order[i].type, rel_edge, &c)
                 : store_edge_out(g->txn, en->id, order[i].type, rel_edge, &c);
    if (c.err)
      return c.err;
    if (rc < 0 && rc != STORE_ENOTFOUND)
      return OPP_ESTORE;
  }
  if (rel->found || !g->graph)
    return 0;
  /* then through the graph: same group, shared executive or legal rep */
  graph_related *r;
  size_t n;
  int grc = graph_related_parties(g->graph, en->id, &r, &n);
  if (grc == GRAPH_ENOTFOUND)
    return 0;
  if (grc)
    return OPP_ENOMEM;
  static const char *const what[] = {"", "同一集团成员企业", "共同高管关联企业",
                                     "共同法定代表人关联企业"};
  int rc = 0;
  for (size_t i = 0; i < n && !rel->found && !rc; i++) {
    Oppgraph__V1__Enterprise *o;
    int src = store_ent_get(g->txn, r[i].id, &o);
    if (src == STORE_ENOTFOUND)
      continue;
    if (src) {
      rc = OPP_ESTORE;
      break;
    }
    if (o->is_client && has_text(o->rm_id)) {
      rel->found = true;
      snprintf(rel->client_name, sizeof rel->client_name, "%s", o->name);
      snprintf(rel->rm_id, sizeof rel->rm_id, "%s", o->rm_id);
      rel->what = what[r[i].relation];
    }
    oppgraph__v1__enterprise__free_unpacked(o, NULL);
  }
  free(r);
  return rc;
}

/* Writes the RM id and the Chinese reason into why.  Only active
 * opportunities (new, pushed) count towards an RM's load. */
static const char *assign_rm(gen *g, const Oppgraph__V1__Enterprise *en,
                             const relation *rel, const char *prev_rm,
                             bool active, char *why, size_t whylen) {
  if (en->is_client && has_text(en->rm_id)) {
    rm_slot *s = rm_find(g, en->rm_id);
    if (s)
      s->load += active;
    snprintf(why, whylen, "客户经理%s的存量客户", en->rm_id);
    return en->rm_id;
  }
  if (rel->found) {
    rm_slot *s = rm_find(g, prev_rm);
    const char *rm = s ? s->rm->id : rel->rm_id;
    if (!s)
      s = rm_find(g, rm);
    if (s)
      s->load += active;
    snprintf(why, whylen,
             "潜在客户，是%s(客户经理%s的客户)的%s，由客户经理%s跟进",
             rel->client_name, rel->rm_id, rel->what, rm);
    return rm;
  }
  rm_slot *best = rm_find(g, prev_rm);
  bool any_rm_role = false;
  for (size_t i = 0; i < g->nrms; i++)
    if (g->rms[i].rm->role == OPPGRAPH__V1__ROLE__ROLE_RM)
      any_rm_role = true;
  bool kept = best != NULL;
  for (size_t i = 0; !kept && i < g->nrms; i++) {
    rm_slot *s = &g->rms[i];
    if (any_rm_role && s->rm->role != OPPGRAPH__V1__ROLE__ROLE_RM)
      continue;
    if (!best || rm_better(s, best, en))
      best = s;
  }
  if (!best) {
    snprintf(why, whylen, "潜在客户，暂无可分配的客户经理");
    return "";
  }
  best->load += active;
  /* the reason is derived from the RM and the enterprise only, never from
   * history, so that a rerun writes the same text */
  if (territory_match(best->rm, en->region))
    snprintf(why, whylen, "潜在客户，所在地区%s由客户经理%s负责", en->region,
             best->rm->id);
  else
    snprintf(why, whylen, "潜在客户，按工作量分配给客户经理%s", best->rm->id);
  return best->rm->id;
}

/* ---- explanation --------------------------------------------------------- */

static void format_amount(double a, char *out, size_t len) {
  if (a <= 0) {
    snprintf(out, len, "金额未披露");
    return;
  }
  const char *unit = "元";
  double v = a;
  if (a >= 1e8) {
    v = a / 1e8;
    unit = "亿元";
  } else if (a >= 1e4) {
    v = a / 1e4;
    unit = "万元";
  }
  char num[32];
  snprintf(num, sizeof num, "%.2f", v);
  char *dot = strchr(num, '.');
  if (dot) { /* 1.20 -> 1.2, 3.00 -> 3 */
    char *end = num + strlen(num) - 1;
    while (end > dot && *end == '0')
      *end-- = '\0';
    if (end == dot)
      *end = '\0';
  }
  snprintf(out, len, "金额%s%s", num, unit);
}

/* A growing NUL-terminated string for the explanation texts.  Replaces
 * open_memstream here: glibc's allocates and clears an 8 KiB buffer per
 * stream, and make_opp opened four or more per opportunity (a fifth of the
 * instructions of a regeneration).  Out of memory is remembered (oom) and
 * checked once at the end. */
typedef struct sbuf {
  char *p;
  size_t len, cap;
  bool oom;
} sbuf;

static bool sb_reserve(sbuf *b, size_t more) {
  if (b->oom)
    return false;
  if (b->len + more + 1 <= b->cap)
    return true;
  size_t cap = b->cap ? b->cap : 128;
  while (cap < b->len + more + 1)
    cap *= 2;
  char *q = realloc(b->p, cap);
  if (!q) {
    b->oom = true;
    return false;
  }
  b->p = q;
  b->cap = cap;
  return true;
}

/* An empty string ("" like a fresh memstream); false without memory. */
static bool sb_init(sbuf *b) {
  memset(b, 0, sizeof *b);
  if (!sb_reserve(b, 0))
    return false;
  b->p[0] = '\0';
  return true;
}

static void sb_write(sbuf *b, const char *s, size_t n) {
  if (!sb_reserve(b, n))
    return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s) {
  sb_write(b, s, strlen(s));
}

static void sb_putc(sbuf *b, char c) {
  sb_write(b, &c, 1);
}

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b,
                                                             const char *fmt,
                                                             ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[256];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->oom = true;
    return;
  }
  if ((size_t)n < sizeof tmp) {
    sb_write(b, tmp, (size_t)n);
    return;
  }
  if (!sb_reserve(b, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

typedef struct tmpl_vars {
  const Oppgraph__V1__Event *e;
  const char *event, *enterprise, *amount, *products, *why;
} tmpl_vars;

/* Expands {event} {enterprise} {amount} {products} {why} {arg:ROLE|default};
 * an unknown placeholder is kept literally so a typo shows in the output. */
static void render(sbuf *f, const char *t, const tmpl_vars *v) {
  while (*t) {
    const char *close = *t == '{' ? strchr(t, '}') : NULL;
    if (!close) {
      sb_putc(f, *t++);
      continue;
    }
    size_t n = (size_t)(close - t - 1);
    const char *name = t + 1, *val = NULL;
    char tmp[256];
#define IS(s) (n == strlen(s) && !strncmp(name, s, n))
    if (IS("event"))
      val = v->event;
    else if (IS("enterprise"))
      val = v->enterprise;
    else if (IS("amount"))
      val = v->amount;
    else if (IS("products"))
      val = v->products;
    else if (IS("why"))
      val = v->why;
    else if (n > 4 && !strncmp(name, "arg:", 4) && n - 4 < sizeof tmp) {
      memcpy(tmp, name + 4, n - 4);
      tmp[n - 4] = '\0';
      char *def = strchr(tmp, '|');
      if (def)
        *def++ = '\0';
      const Oppgraph__V1__Argument *a = arg_by_role(v->e, tmp);
      val = a && has_text(a->text) ? a->text : def ? def : "";
    }
#undef IS
    if (val)
      sb_puts(f, val);
    else
      sb_write(f, t, n + 2);
    t = close + 1;
  }
}

/* ---- pass 3: one opportunity per dedup key ------------------------------ */

static size_t uniq_u64(uint64_t *v, size_t n);

/* Blocks for the pairwise comparison: one rule, one group head, by
 * disclosure day (unknown first). */
static int cmp_block(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->rule != y->rule)
    return x->rule < y->rule ? -1 : 1;
  if (x->head != y->head)
    return x->head < y->head ? -1 : 1;
  if (x->disclosed != y->disclosed)
    return x->disclosed < y->disclosed ? -1 : 1;
  return x->evt < y->evt ? -1 : x->evt > y->evt;
}

/* Merged groups in key order, each group's own key first. */
static int cmp_cand(const void *a, const void *b) {
  const cand *x = a, *y = b;
  int c = strcmp(x->ckey, y->ckey);
  if (c)
    return c;
  if (x->cevt != y->cevt)
    return x->cevt < y->cevt ? -1 : 1;
  c = strcmp(x->key, y->key);
  if (c)
    return c;
  return x->evt < y->evt ? -1 : x->evt > y->evt;
}

static size_t uf_find(cand *c, size_t i) {
  while (c[i].comp != i) {
    c[i].comp = c[c[i].comp].comp; /* path halving */
    i = c[i].comp;
  }
  return i;
}

/* Merges the candidates that report one real event (same_event, made
 * transitive: connected components, so arrival order does not matter) and
 * labels each with its group's key (the smallest member key) and smallest
 * event id; on return g->c is sorted group by group (cmp_cand). */
static int merge_reports(gen *g) {
  cand *c = g->c;
  size_t n = g->nc;
  qsort(c, n, sizeof *c, cmp_block);
  for (size_t i = 0; i < n; i++)
    c[i].comp = i;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && c[j].rule == c[i].rule && c[j].head == c[i].head)
      j++;
    for (size_t a = i; a < j; a++)
      for (size_t b = a + 1; b < j; b++) {
        if (c[a].disclosed != NO_DATE &&
            c[b].disclosed - c[a].disclosed > g->cfg->dedup_window_days)
          break; /* sorted by day: every later one is further */
        if (!same_event(g, &c[a], &c[b]))
          continue;
        size_t ra = uf_find(c, a), rb = uf_find(c, b);
        if (ra != rb) {
          if (ra < rb)
            c[rb].comp = ra;
          else
            c[ra].comp = rb;
        }
      }
    i = j;
  }
  for (size_t i = 0; i < n; i++) {
    c[i].ckey = NULL;
    c[i].cevt = UINT64_MAX;
  }
  for (size_t i = 0; i < n; i++) {
    size_t r = uf_find(c, i);
    if (!c[r].ckey || strcmp(c[i].key, c[r].ckey) < 0)
      c[r].ckey = c[i].key;
    if (c[i].evt < c[r].cevt)
      c[r].cevt = c[i].evt;
  }
  for (size_t i = 0; i < n; i++) {
    size_t r = uf_find(c, i);
    c[i].ckey = c[r].ckey;
    c[i].cevt = c[r].cevt;
  }
  qsort(c, n, sizeof *c, cmp_cand);
  return 0;
}

/* ---- opportunities stored before this run ------------------------------- */

static int on_old(void *ctx, const Oppgraph__V1__Opportunity *o) {
  gen *g = ctx;
  if (g->conv) /* the feedback tally shares this pass over the records */
    on_feedback(ctx, o);
  if (g->nolds == g->capolds) {
    size_t cap = g->capolds ? g->capolds * 2 : 256;
    old_opp *p = realloc(g->olds, cap * sizeof *p);
    if (!p)
      return g->err = OPP_ENOMEM, 1;
    g->olds = p;
    g->capolds = cap;
  }
  g->olds[g->nolds++] =
      (old_opp){o->id, false, false, o->n_event_ids > 0,
                o->dedup_key && !strncmp(o->dedup_key, "tag#", 4)};
  for (size_t i = 0; i < o->n_event_ids; i++) {
    if (g->noref == g->caporef) {
      size_t cap = g->caporef ? g->caporef * 2 : 256;
      old_ref *p = realloc(g->oref, cap * sizeof *p);
      if (!p)
        return g->err = OPP_ENOMEM, 1;
      g->oref = p;
      g->caporef = cap;
    }
    g->oref[g->noref++] = (old_ref){o->event_ids[i], o->id};
  }
  return 0;
}

static int cmp_oref(const void *a, const void *b) {
  const old_ref *x = a, *y = b;
  if (x->evt != y->evt)
    return x->evt < y->evt ? -1 : 1;
  return x->opp < y->opp ? -1 : x->opp > y->opp;
}

static old_opp *old_find(gen *g, uint64_t id) {
  size_t lo = 0, hi = g->nolds; /* olds are in id order (store_opp_foreach) */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (g->olds[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < g->nolds && g->olds[lo].id == id ? &g->olds[lo] : NULL;
}

/* How far an RM got with an opportunity: the record to keep when several
 * stored ones turn out to be one event. */
static int status_rank(Oppgraph__V1__OppStatus s) {
  switch (s) {
  case OPPGRAPH__V1__OPP_STATUS__OPP_WON:
  case OPPGRAPH__V1__OPP_STATUS__OPP_ACCEPTED:
  case OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED:
    return 3;
  case OPPGRAPH__V1__OPP_STATUS__OPP_PUSHED:
    return 2;
  case OPPGRAPH__V1__OPP_STATUS__OPP_NEW:
    return 1;
  default:
    return 0;
  }
}

/* The stored opportunity a merged group continues (*id 0: none): among
 * those holding one of its events or its key and not yet taken by an
 * earlier group, the one an RM got furthest with, then the oldest.  The
 * others are the same event stored twice by an earlier run (before their
 * reports were known to match): deleted, their ids live on in the kept
 * one's event_ids. */
static int claim_old(gen *g, const cand *grp, size_t n, const char *key,
                     uint64_t *id, Oppgraph__V1__Opportunity **kept) {
  *id = 0;
  *kept = NULL;
  uint64_t *ids = NULL;
  size_t nids = 0, cap = 0;
  int rc = 0;
  uint64_t by_key;
  int frc = store_opp_by_dedup(g->txn, key, &by_key);
  if (frc && frc != STORE_ENOTFOUND)
    return OPP_ESTORE;
  for (size_t i = 0; i <= n; i++) {
    size_t lo = 0, hi = g->noref;
    if (i < n) {
      while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->oref[mid].evt < grp[i].evt)
          lo = mid + 1;
        else
          hi = mid;
      }
    }
    for (size_t k = lo; k <= g->noref; k++) {
      uint64_t v;
      if (i == n) { /* the holder of the key, once */
        if (frc || k != lo)
          break;
        v = by_key;
      } else {
        if (k == g->noref || g->oref[k].evt != grp[i].evt)
          break;
        v = g->oref[k].opp;
      }
      old_opp *op = old_find(g, v);
      if (!op || op->claimed || op->deleted)
        continue;
      if (nids == cap) {
        cap = cap ? cap * 2 : 8;
        uint64_t *p = realloc(ids, cap * sizeof *p);
        if (!p) {
          free(ids);
          return OPP_ENOMEM;
        }
        ids = p;
      }
      ids[nids++] = v;
    }
  }
  nids = uniq_u64(ids, nids);
  /* the kept record is handed to the caller, which would read it again */
  int best_rank = -1;
  for (size_t i = 0; i < nids; i++) {
    Oppgraph__V1__Opportunity *o;
    if (store_opp_get(g->txn, ids[i], &o)) {
      rc = OPP_ESTORE;
      break;
    }
    int r = status_rank(o->status);
    if (r > best_rank) { /* ids ascending: ties keep the oldest */
      best_rank = r;
      *id = ids[i];
      if (*kept)
        oppgraph__v1__opportunity__free_unpacked(*kept, NULL);
      *kept = o;
    } else {
      oppgraph__v1__opportunity__free_unpacked(o, NULL);
    }
  }
  if (rc && *kept) {
    oppgraph__v1__opportunity__free_unpacked(*kept, NULL);
    *kept = NULL;
    *id = 0;
  }
  for (size_t i = 0; !rc && i < nids; i++) {
    old_opp *op = old_find(g, ids[i]);
    if (ids[i] == *id) {
      op->claimed = true;
      continue;
    }
    if (store_opp_del(g->txn, ids[i])) {
      rc = OPP_ESTORE;
      break;
    }
    op->deleted = true;
    g->rep->superseded++;
  }
  free(ids);
  return rc;
}

static int cmp_risk(const void *a, const void *b) {
  const risk *x = a, *y = b;
  if (x->ent != y->ent)
    return x->ent < y->ent ? -1 : 1;
  int c = strcmp(x->flag, y->flag);
  if (c)
    return c;
  if (x->src != y->src)
    return x->src < y->src ? -1 : 1;
  c = strcmp(x->cause ? x->cause : "", y->cause ? y->cause : "");
  if (c)
    return c;
  return x->date > y->date ? -1 : x->date < y->date; /* newest first */
}

static size_t uniq_u64(uint64_t *v, size_t n) {
  for (size_t i = 1; i < n; i++) /* insertion sort: groups are small */
    for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
      uint64_t t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (!m || v[m - 1] != v[i])
      v[m++] = v[i];
  return m;
}

static bool same_record(const Oppgraph__V1__Opportunity *a,
                        const Oppgraph__V1__Opportunity *b) {
  size_t la = oppgraph__v1__opportunity__get_packed_size(a);
  size_t lb = oppgraph__v1__opportunity__get_packed_size(b);
  if (la != lb)
    return false;
  uint8_t *pa = malloc(la + 1), *pb = malloc(lb + 1);
  bool same = pa && pb;
  if (same) {
    oppgraph__v1__opportunity__pack(a, pa);
    oppgraph__v1__opportunity__pack(b, pb);
    same = !memcmp(pa, pb, la);
  }
  free(pa);
  free(pb);
  return same;
}

/* Writes o unless it equals the stored old (NULL when new), counting it as
 * created, updated or unchanged: re-running generation rewrites nothing. */
static int put_if_changed(gen *g, const Oppgraph__V1__Opportunity *old,
                          Oppgraph__V1__Opportunity *o) {
  if (old && same_record(old, o)) {
    g->rep->unchanged++;
    return 0;
  }
  if (old) {
    o->updated_at = g->now;
    g->rep->updated++;
  } else {
    g->rep->created++;
  }
  return store_opp_put(g->txn, o);
}

static int make_opp(gen *g, const cand *grp, size_t n, const char *key) {
  const opp_config *cfg = g->cfg;
  const cand *rep0 = &grp[0];
  const opp_rule *r = &cfg->rules[rep0->rule];
  int rc = 0;
  Oppgraph__V1__Enterprise *en = NULL;
  Oppgraph__V1__Event *ev = NULL;
  Oppgraph__V1__Opportunity *old = NULL;
  uint64_t *evts = malloc(n * sizeof *evts), *docs = malloc(n * sizeof *docs);
  char *flags[16];
  size_t nflags = 0;
  sbuf rf = {0}, pf = {0}, ef = {0}; /* risk flags, products, explanation */
  char **prodnames = malloc(r->nproducts * sizeof *prodnames);
  if (!evts || !docs || !prodnames) {
    rc = OPP_ENOMEM;
    goto out;
  }
  if (store_ent_get(g->txn, rep0->ent, &en)) {
    rc = OPP_ESTORE;
    goto out;
  }
  uint64_t old_id = 0;
  if ((rc = claim_old(g, grp, n, key, &old_id, &old)))
    goto out;

  /* the group: all event and document ids, the largest amount, the latest
   * event date -- none of it depends on the order reports arrived in */
  double amount = -1;
  int32_t date = NO_DATE;
  size_t ndocs = 0;
  for (size_t i = 0; i < n; i++) {
    evts[i] = grp[i].evt;
    if (grp[i].doc)
      docs[ndocs++] = grp[i].doc;
    if (grp[i].amount > amount)
      amount = grp[i].amount;
    if (grp[i].date != NO_DATE && (date == NO_DATE || grp[i].date > date))
      date = grp[i].date;
  }
  size_t nevts = uniq_u64(evts, n);
  ndocs = uniq_u64(docs, ndocs);
  g->rep->merged += n - 1;

  /* risk flags */
  if (!sb_init(&rf)) {
    rc = OPP_ENOMEM;
    goto out;
  }
  size_t lo = 0, hi = g->nr;
  while (lo < hi) { /* first risk of this enterprise */
    size_t mid = (lo + hi) / 2;
    if (g->r[mid].ent < rep0->ent)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (size_t i = lo; i < g->nr && g->r[i].ent == rep0->ent && nflags < 14;
       i++) {
    const risk *k = &g->r[i];
    if (k->date != NO_DATE && g->today - k->date > cfg->risk_window_days)
      continue;
    if (nflags && !strcmp(flags[nflags - 1], k->flag))
      continue;
    flags[nflags++] = (char *)k->flag;
    sb_printf(&rf, "%s%s", nflags > 1 ? "、" : "", k->flag);
    if (k->src) {
      Oppgraph__V1__Enterprise *se;
      if (!store_ent_get(g->txn, k->src, &se)) {
        sb_printf(&rf, "(%s%s)", se->name, k->cause);
        oppgraph__v1__enterprise__free_unpacked(se, NULL);
      }
    }
  }
  uint64_t circle_id;
  if (!store_circle_of(g->txn, rep0->ent, &circle_id)) {
    Oppgraph__V1__GuaranteeCircle *c;
    flags[nflags++] = FLAG_CIRCLE;
    if (!store_circle_get(g->txn, circle_id, &c)) {
      sb_printf(&rf, "%s担保圈成员(圈%llu，%zu家企业互保)", nflags > 1 ? "、" : "",
              (unsigned long long)circle_id, c->n_members);
      oppgraph__v1__guarantee_circle__free_unpacked(c, NULL);
    } else {
      sb_printf(&rf, "%s担保圈成员", nflags > 1 ? "、" : "");
    }
  }
  if (en->credit_declined) {
    flags[nflags++] = FLAG_DECLINED;
    sb_printf(&rf, "%s授信曾被拒", nflags > 1 ? "、" : "");
  }
  if (rf.oom) {
    rc = OPP_ENOMEM;
    goto out;
  }

  /* score */
  double amt = amount > 0 ? amount : cfg->default_amount;
  double value =
      fmin(1.0, log10(1.0 + amt * r->revenue_factor) / cfg->value_log_cap);
  relation rel;
  if ((rc = find_relation(g, en, &rel)))
    goto out;
  double prob = en->is_client ? cfg->p_client
                : rel.found   ? cfg->p_related
                              : cfg->p_prospect;
  prob = fmin(1.0, prob * conversion_factor(g, r->event));
  double age = date == NO_DATE ? cfg->half_life_days
                               : fmax(0.0, (double)(g->today - date));
  double urgency = pow(0.5, age / cfg->half_life_days);
  double base = cfg->scale * value * prob * urgency;
  double penalty = base * opp_demotion_of(cfg, flags, nflags);
  double score = base - penalty;

  /* RM and explanation */
  char why[1024];
  Oppgraph__V1__OppStatus status =
      old ? old->status : OPPGRAPH__V1__OPP_STATUS__OPP_NEW;
  bool past = date != NO_DATE && g->today - date > r->expiry_days;
  /* expired (by time, or stale: its reports had become drops) but valid
   * again as of now: a fresh opportunity */
  if (status == OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED && !past)
    status = OPPGRAPH__V1__OPP_STATUS__OPP_NEW;
  if (past &&
      (status == OPPGRAPH__V1__OPP_STATUS__OPP_NEW ||
       status == OPPGRAPH__V1__OPP_STATUS__OPP_PUSHED))
    status = OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED;
  bool active = status == OPPGRAPH__V1__OPP_STATUS__OPP_NEW ||
                status == OPPGRAPH__V1__OPP_STATUS__OPP_PUSHED;
  /* an earlier RM is kept only once an RM has seen the opportunity; a new
   * one is reassigned from the current data, so the result does not depend
   * on the history of runs */
  bool seen = old && old->status != OPPGRAPH__V1__OPP_STATUS__OPP_NEW &&
              old->status != OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED;
  const char *rm_id =
      assign_rm(g, en, &rel, seen ? old->rm_id : NULL, active, why, sizeof why);
  if (!sb_init(&pf)) {
    rc = OPP_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < r->nproducts; i++) {
    prodnames[i] = cfg->products[r->products[i]].name;
    sb_printf(&pf, "%s%s", i ? "、" : "", prodnames[i]);
  }
  if (pf.oom) {
    rc = OPP_ENOMEM;
    goto out;
  }
  char amount_txt[64];
  format_amount(amount, amount_txt, sizeof amount_txt);
  if (!sb_init(&ef)) {
    rc = OPP_ENOMEM;
    goto out;
  }
  /* Several reports of one event word it differently; the explanation uses
   * the report whose rendering sorts first, so the text does not depend on
   * which document arrived first (a re-ingest after a crash, or in another
   * order, writes the same record). */
  char *body = NULL;
  for (size_t i = 0; i < n && !rc; i++) {
    if (store_evt_get(g->txn, grp[i].evt, &ev)) {
      rc = OPP_ESTORE;
      break;
    }
    sbuf tf;
    char *txt = NULL;
    if (sb_init(&tf)) {
      tmpl_vars tv = {ev, r->event, en->name, amount_txt, pf.p, why};
      render(&tf, r->template, &tv);
      if (tf.oom)
        free(tf.p);
      else
        txt = tf.p;
    }
    oppgraph__v1__event__free_unpacked(ev, NULL);
    ev = NULL;
    if (!txt) {
      rc = OPP_ENOMEM;
    } else if (!body || strcmp(txt, body) < 0) {
      free(body);
      body = txt;
    } else {
      free(txt);
    }
  }
  if (rc) {
    free(body);
    goto out;
  }
  sb_puts(&ef, body);
  free(body);
  if (nflags)
    sb_printf(&ef, "；风险提示: %s", rf.p);
  if (ndocs > 1)
    sb_printf(&ef, "；%zu篇公告报道同一事件", ndocs);
  int32_t founded = parse_day(en->founded);
  if (cfg->grid_new_days > 0 && !en->is_client && founded != NO_DATE &&
      g->today - founded <= cfg->grid_new_days) {
    /* the 3x3 grid for new enterprises: value potential x success rate */
    static const char *const tier[] = {"低", "中", "高"};
    int vt =
        (value >= cfg->grid_value_cut[0]) + (value >= cfg->grid_value_cut[1]);
    int pt = (prob >= cfg->grid_prob_cut[0]) + (prob >= cfg->grid_prob_cut[1]);
    sb_printf(&ef, "；新设企业(成立于%s)：价值潜力%s×成功率%s", en->founded,
            tier[vt], tier[pt]);
  }
  if (ef.oom) {
    rc = OPP_ENOMEM;
    goto out;
  }

  Oppgraph__V1__ScoreParts parts = OPPGRAPH__V1__SCORE_PARTS__INIT;
  parts.value = value;
  parts.probability = prob;
  parts.urgency = urgency;
  parts.risk_penalty = penalty;
  Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
  o.id = old ? old->id : 0;
  o.enterprise_id = rep0->ent;
  o.enterprise_name = en->name;
  o.type = r->event;
  o.products = prodnames;
  o.n_products = r->nproducts;
  o.score = status == OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED
                ? score - OPP_EXPIRED_SCORE_DROP
                : score;
  o.parts = &parts;
  o.risk_flags = flags;
  o.n_risk_flags = nflags;
  o.explanation = ef.p;
  o.dedup_key = (char *)key;
  o.rm_id = (char *)rm_id;
  o.status = status;
  o.created_at = old ? old->created_at : g->now;
  o.updated_at = old ? old->updated_at : g->now;
  o.event_ids = evts;
  o.n_event_ids = nevts;
  o.document_ids = docs;
  o.n_document_ids = ndocs;
  o.amount = amount > 0 ? (int64_t)llround(amount) : 0;
  /* the RM's words from RecordFeedback belong to the record, not to us */
  o.feedback_reason = old ? old->feedback_reason : (char *)"";
  o.feedback_at = old ? old->feedback_at : 0;

  g->rep->opportunities++;
  if (nflags)
    g->rep->flagged++;
  if (o.status == OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED)
    g->rep->expired++;
  if (put_if_changed(g, old, &o))
    rc = OPP_ESTORE;
out:
  if (en)
    oppgraph__v1__enterprise__free_unpacked(en, NULL);
  if (ev)
    oppgraph__v1__event__free_unpacked(ev, NULL);
  if (old)
    oppgraph__v1__opportunity__free_unpacked(old, NULL);
  free(evts);
  free(docs);
  free(prodnames);
  free(ef.p);
  free(pf.p);
  free(rf.p);
  return rc;
}

/* Opportunities of earlier runs that no merged group continued: their
 * reports no longer make a candidate (now dropped: tender agent, intra-group,
 * below the threshold, ... or their events are gone).  They stay, for the
 * funnel and the push log, but an active one (new, pushed) becomes expired,
 * ranked out, with the reason appended to its explanation.  One an RM
 * already acted on keeps its status. */
static int cmp_drop(const void *a, const void *b) {
  const drop_rec *x = a, *y = b;
  if (x->evt != y->evt)
    return x->evt < y->evt ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The first drop (in the order of this run) of event evt, or NULL. */
static const drop_rec *drop_of(const gen *g, uint64_t evt) {
  size_t lo = 0, hi = g->ndrops;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (g->drops[mid].evt < evt)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < g->ndrops && g->drops[lo].evt == evt ? &g->drops[lo] : NULL;
}

static int expire_stale(gen *g) {
  /* sorted by event (then drop order) so that each stale record finds its
   * reason by binary search: a scan of all drops per event id was
   * stale records x events x drops */
  if (g->ndrops > 1)
    qsort(g->drops, g->ndrops, sizeof *g->drops, cmp_drop);
  for (size_t i = 0; i < g->nolds; i++) {
    old_opp *op = &g->olds[i];
    if (op->claimed || op->deleted || (!op->from_events && !op->from_tags))
      continue;
    Oppgraph__V1__Opportunity *o;
    if (store_opp_get(g->txn, op->id, &o))
      return OPP_ESTORE;
    if (o->status != OPPGRAPH__V1__OPP_STATUS__OPP_NEW &&
        o->status != OPPGRAPH__V1__OPP_STATUS__OPP_PUSHED) {
      oppgraph__v1__opportunity__free_unpacked(o, NULL);
      continue;
    }
    const char *why = op->from_tags
                          ? "标签规则不再适用 (tag rule no longer matches)"
                          : "来源事件已删除或不再匹配产品规则 (no longer generated)";
    for (size_t k = 0; k < o->n_event_ids; k++) {
      const drop_rec *d = drop_of(g, o->event_ids[k]);
      if (d) {
        why = opp_drop_name(d->reason);
        break;
      }
    }
    size_t len = strlen(o->explanation ? o->explanation : "");
    char *ex = malloc(len + strlen(STALE_MARK) + strlen(why) + 1);
    if (!ex) {
      oppgraph__v1__opportunity__free_unpacked(o, NULL);
      return OPP_ENOMEM;
    }
    sprintf(ex, "%s%s%s", o->explanation ? o->explanation : "", STALE_MARK,
            why);
    char *old_ex = o->explanation;
    o->explanation = ex;
    o->status = OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED;
    o->score -= OPP_EXPIRED_SCORE_DROP;
    o->updated_at = g->now;
    int rc = store_opp_put(g->txn, o);
    o->explanation = old_ex;
    free(ex);
    oppgraph__v1__opportunity__free_unpacked(o, NULL);
    if (rc)
      return OPP_ESTORE;
    g->rep->stale++;
  }
  return 0;
}

/* ---- tag marketing (data/tags.json) -------------------------------------- */

static bool prefix_any(const opp_strv *v, const char *s) {
  for (size_t i = 0; i < v->n; i++)
    if (has_text(s) && !strncmp(s, v->v[i], strlen(v->v[i])))
      return true;
  return false;
}

static bool tag_matches(const gen *g, const opp_tag_rule *t,
                        const Oppgraph__V1__Enterprise *en) {
  if (t->tags_any.n) {
    bool any = false;
    for (size_t i = 0; i < en->n_tags && !any; i++)
      any = strv_has(&t->tags_any, en->tags[i]);
    if (!any)
      return false;
  }
  if (t->founded_within_days > 0) {
    int32_t f = parse_day(en->founded);
    if (f == NO_DATE || f > g->today ||
        g->today - f > t->founded_within_days)
      return false;
  }
  if (t->listed >= 0 && has_text(en->stock_code) != (t->listed == 1))
    return false;
  if (t->client >= 0 && en->is_client != (t->client == 1))
    return false;
  if (t->industry_prefix.n && !prefix_any(&t->industry_prefix, en->industry))
    return false;
  if (t->region_prefix.n && !prefix_any(&t->region_prefix, en->region))
    return false;
  if (t->min_capital > 0 && !((double)en->registered_capital >= t->min_capital))
    return false;
  if (t->capital_raised_within_days > 0) {
    /* the registry keeps the capital before the last raise (ingest) */
    int32_t d = parse_day(en->capital_changed);
    if (en->previous_capital <= 0 ||
        en->registered_capital <= en->previous_capital || d == NO_DATE ||
        d > g->today || g->today - d > t->capital_raised_within_days)
      return false;
    double raise = (double)(en->registered_capital - en->previous_capital) /
                   (double)en->previous_capital;
    if (raise < t->min_capital_raise)
      return false;
  }
  return true;
}

static int on_tag_ent(void *ctx, const Oppgraph__V1__Enterprise *en) {
  gen *g = ctx;
  for (size_t i = 0; i < g->cfg->ntags; i++) {
    if (!tag_matches(g, &g->cfg->tags[i], en))
      continue;
    if (g->ntags == g->captags) {
      size_t cap = g->captags ? g->captags * 2 : 64;
      tag_hit *p = realloc(g->tags, cap * sizeof *p);
      if (!p)
        return g->err = OPP_ENOMEM, 1;
      g->tags = p;
      g->captags = cap;
    }
    g->tags[g->ntags++] = (tag_hit){en->id, i};
  }
  return 0;
}

/* Expands {enterprise} {products} {why} {tags} {founded} {capital}
 * {previous_capital} {capital_changed}. */
static void render_tag(FILE *f, const char *t, const opp_tag_rule *tr,
                       const Oppgraph__V1__Enterprise *en, const char *prods,
                       const char *why) {
  while (*t) {
    const char *close = *t == '{' ? strchr(t, '}') : NULL;
    if (!close) {
      fputc(*t++, f);
      continue;
    }
    size_t n = (size_t)(close - t - 1);
    const char *name = t + 1;
#define IS(s) (n == strlen(s) && !strncmp(name, s, n))
    if (IS("enterprise")) {
      fputs(en->name, f);
    } else if (IS("products")) {
      fputs(prods, f);
    } else if (IS("why")) {
      fputs(why, f);
    } else if (IS("founded")) {
      fputs(has_text(en->founded) ? en->founded : "未知", f);
    } else if (IS("capital") || IS("previous_capital")) {
      int64_t cap = IS("capital") ? en->registered_capital
                                  : en->previous_capital;
      char a[64];
      format_amount((double)cap, a, sizeof a);
      fputs(cap > 0 ? a + strlen("金额") : "未披露", f);
    } else if (IS("capital_changed")) {
      fputs(has_text(en->capital_changed) ? en->capital_changed : "未知", f);
    } else if (IS("tags")) {
      size_t k = 0;
      for (size_t i = 0; i < en->n_tags; i++)
        if (!tr->tags_any.n || strv_has(&tr->tags_any, en->tags[i]))
          fprintf(f, "%s%s", k++ ? "、" : "", en->tags[i]);
    } else {
      fwrite(t, 1, n + 2, f); /* unknown: kept, so a typo shows */
    }
#undef IS
    t = close + 1;
  }
}

static int make_tag_opp(gen *g, const tag_hit *h) {
  const opp_config *cfg = g->cfg;
  const opp_tag_rule *t = &cfg->tags[h->rule];
  char key[160];
  snprintf(key, sizeof key, "tag#%s|%llu", t->id, (unsigned long long)h->ent);
  Oppgraph__V1__Enterprise *en = NULL;
  Oppgraph__V1__Opportunity *old = NULL;
  char *expl = NULL, *prodtxt = NULL;
  size_t el = 0, pl = 0;
  char **prodnames = calloc(t->nproducts, sizeof *prodnames);
  char *flags[4];
  size_t nflags = 0;
  int rc = 0;
  if (!prodnames)
    return OPP_ENOMEM;
  if (store_ent_get(g->txn, h->ent, &en)) {
    rc = OPP_ESTORE;
    goto out;
  }
  uint64_t old_id;
  int frc = store_opp_by_dedup(g->txn, key, &old_id);
  if (frc && frc != STORE_ENOTFOUND) {
    rc = OPP_ESTORE;
    goto out;
  }
  if (!frc) {
    if (store_opp_get(g->txn, old_id, &old)) {
      rc = OPP_ESTORE;
      goto out;
    }
    old_opp *op = old_find(g, old_id);
    if (op)
      op->claimed = true;
  }
  uint64_t circle_id;
  if (!store_circle_of(g->txn, h->ent, &circle_id))
    flags[nflags++] = FLAG_CIRCLE;
  if (en->credit_declined)
    flags[nflags++] = FLAG_DECLINED;
  double amt = en->registered_capital > 0 ? (double)en->registered_capital
                                          : cfg->default_amount;
  double value =
      fmin(1.0, log10(1.0 + amt * t->revenue_factor) / cfg->value_log_cap);
  relation rel;
  if ((rc = find_relation(g, en, &rel)))
    goto out;
  double prob = en->is_client ? cfg->p_client
                : rel.found   ? cfg->p_related
                              : cfg->p_prospect;
  double urgency = t->weight;
  double base = cfg->scale * value * prob * urgency;
  double penalty = base * opp_demotion_of(cfg, flags, nflags);
  double score = base - penalty;
  Oppgraph__V1__OppStatus status =
      old ? old->status : OPPGRAPH__V1__OPP_STATUS__OPP_NEW;
  if (status == OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED)
    status = OPPGRAPH__V1__OPP_STATUS__OPP_NEW; /* the rule matches again */
  bool active = status == OPPGRAPH__V1__OPP_STATUS__OPP_NEW ||
                status == OPPGRAPH__V1__OPP_STATUS__OPP_PUSHED;
  bool seen = old && old->status != OPPGRAPH__V1__OPP_STATUS__OPP_NEW &&
              old->status != OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED;
  char why[1024];
  const char *rm_id =
      assign_rm(g, en, &rel, seen ? old->rm_id : NULL, active, why, sizeof why);
  FILE *pf = open_memstream(&prodtxt, &pl);
  FILE *ef = pf ? open_memstream(&expl, &el) : NULL;
  if (!pf || !ef) {
    if (pf)
      fclose(pf);
    rc = OPP_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < t->nproducts; i++) {
    prodnames[i] = cfg->products[t->products[i]].name;
    fprintf(pf, "%s%s", i ? "、" : "", prodnames[i]);
  }
  fclose(pf);
  render_tag(ef, t->template, t, en, prodtxt, why);
  if (nflags) {
    fputs("；风险提示: ", ef);
    for (size_t i = 0; i < nflags; i++)
      fprintf(ef, "%s%s", i ? "、" : "", flags[i]);
  }
  fclose(ef);
  Oppgraph__V1__ScoreParts parts = OPPGRAPH__V1__SCORE_PARTS__INIT;
  parts.value = value;
  parts.probability = prob;
  parts.urgency = urgency;
  parts.risk_penalty = penalty;
  Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
  o.id = old ? old->id : 0;
  o.enterprise_id = h->ent;
  o.enterprise_name = en->name;
  o.type = (char *)"标签营销";
  o.products = prodnames;
  o.n_products = t->nproducts;
  o.score = score;
  o.parts = &parts;
  o.risk_flags = flags;
  o.n_risk_flags = nflags;
  o.explanation = expl;
  o.dedup_key = key;
  o.rm_id = (char *)rm_id;
  o.status = status;
  o.created_at = old ? old->created_at : g->now;
  o.updated_at = old ? old->updated_at : g->now;
  o.feedback_reason = old ? old->feedback_reason : (char *)"";
  o.feedback_at = old ? old->feedback_at : 0;
  g->rep->tagged++;
  if (put_if_changed(g, old, &o))
    rc = OPP_ESTORE;
out:
  if (en)
    oppgraph__v1__enterprise__free_unpacked(en, NULL);
  if (old)
    oppgraph__v1__opportunity__free_unpacked(old, NULL);
  free(prodnames);
  free(prodtxt);
  free(expl);
  return rc;
}

/* Risk events also flag the enterprises they reach through the graph
 * (graph_contagion: guarantors, guaranteed, shareholders, subsidiaries),
 * as FLAG_RELATED naming where the event happened. */
static int spread_risks(gen *g) {
  const opp_config *cfg = g->cfg;
  qsort(g->r, g->nr, sizeof *g->r, cmp_risk);
  graph *gr = g->graph;
  int grc, rc = 0;
  size_t n0 = g->nr;
  for (size_t i = 0; !rc && i < n0; i++) {
    risk k = g->r[i];
    if (k.date != NO_DATE && g->today - k.date > cfg->risk_window_days)
      continue;
    if (i && g->r[i - 1].ent == k.ent) /* one spread per enterprise */
      continue;
    graph_exposed *x;
    size_t nx;
    grc = graph_contagion(gr, k.ent, (unsigned)cfg->contagion_hops,
                          cfg->contagion_decay, cfg->contagion_min_weight, &x,
                          &nx);
    if (grc == GRAPH_ENOTFOUND)
      continue; /* no guarantee or shareholding edge */
    if (grc) {
      rc = grc == GRAPH_ENOMEM ? OPP_ENOMEM : OPP_ESTORE;
      break;
    }
    for (size_t j = 0; !rc && j < nx; j++)
      if (x[j].kind == OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE)
        rc = push_risk(g, x[j].id, FLAG_RELATED, k.date, k.ent, k.flag);
    free(x);
  }
  return rc;
}

int opp_generate(store *st, const opp_config *cfg, int64_t now,
                 opp_report *rep) {
  return opp_generate_ex(st, cfg, now, rep, NULL, NULL);
}

int opp_generate_ex(store *st, const opp_config *cfg, int64_t now,
                    opp_report *rep, opp_drop_fn drop, void *drop_ctx) {
  if (!st || !cfg)
    return OPP_EINVAL;
  opp_report local;
  if (!rep)
    rep = &local;
  memset(rep, 0, sizeof *rep);
  gen g = {
      .cfg = cfg, .now = now, .rep = rep, .drop = drop, .drop_ctx = drop_ctx};
  g.today = (int32_t)(now >= 0 ? now / 86400 : (now - 86399) / 86400);
  if (store_begin(st, true, &g.txn))
    return OPP_ESTORE;
  int rc = 0;
  int src = store_rm_foreach(g.txn, on_rm, &g);
  if (g.err)
    rc = g.err;
  else if (src < 0)
    rc = OPP_ESTORE;
  /* one graph snapshot for the features that need it, loaded before the
   * event pass so that pass only reads */
  if (!rc) {
    const Oppgraph__V1__EdgeType types[4] = {
        T_GUARANTEE_EDGE, T_SHARE_EDGE, OPPGRAPH__V1__EDGE_TYPE__EXECUTIVE,
        OPPGRAPH__V1__EDGE_TYPE__LEGAL_REP};
    int grc = graph_load(g.txn, types, 4, &g.graph);
    if (grc)
      rc = grc == GRAPH_ENOMEM ? OPP_ENOMEM : OPP_ESTORE;
  }
  if (!rc && cfg->conv_prior_success > 0) {
    g.conv = calloc(cfg->nrules + 1, sizeof *g.conv);
    if (!g.conv)
      rc = OPP_ENOMEM;
    for (size_t i = 0; !rc && i < cfg->nrules; i++) {
      size_t k = 0;
      while (k < g.nconv && strcmp(g.conv[k].type, cfg->rules[i].event))
        k++;
      if (k == g.nconv)
        g.conv[g.nconv++].type = cfg->rules[i].event;
    }
  }
  if (!rc && store_opp_foreach(g.txn, on_old, &g) < 0 && !g.err)
    rc = OPP_ESTORE;
  if (!rc && g.err)
    rc = g.err;
  if (!rc) {
    src = store_evt_foreach(g.txn, on_event, &g);
    if (g.err)
      rc = g.err;
    else if (src < 0)
      rc = OPP_ESTORE;
  }
  if (!rc && g.nr && cfg->contagion_hops > 0)
    rc = spread_risks(&g);
  if (!rc) {
    if (g.nc)
      rc = merge_reports(&g);
    if (g.nr)
      qsort(g.r, g.nr, sizeof *g.r, cmp_risk);
    if (g.noref)
      qsort(g.oref, g.noref, sizeof *g.oref, cmp_oref);
    size_t same = 0; /* earlier groups with this smallest key */
    for (size_t i = 0; !rc && i < g.nc;) {
      size_t j = i + 1;
      while (j < g.nc && g.c[j].ckey == g.c[i].ckey &&
             g.c[j].cevt == g.c[i].cevt)
        j++;
      same = i && !strcmp(g.c[i - 1].ckey, g.c[i].ckey) ? same + 1 : 0;
      /* two distinct events can share a smallest key (no amount, one
       * month): the later ones in order get "~2", "~3", ... */
      char *key = malloc(strlen(g.c[i].ckey) + 24);
      if (!key) {
        rc = OPP_ENOMEM;
        break;
      }
      if (same)
        sprintf(key, "%s~%zu", g.c[i].ckey, same + 1);
      else
        strcpy(key, g.c[i].ckey);
      rc = make_opp(&g, &g.c[i], j - i, key);
      free(key);
      i = j;
    }
  }
  if (!rc && cfg->ntags) {
    /* When every tag rule needs tags or a capital raise, enterprises with
     * neither field (most of a registry) are skipped undecoded. */
    uint32_t need[2];
    size_t nneed = 0;
    bool all = false;
    for (size_t i = 0; i < cfg->ntags; i++) {
      const opp_tag_rule *t = &cfg->tags[i];
      uint32_t f = t->tags_any.n ? ENT_TAGS_FIELD
                   : t->capital_raised_within_days > 0
                       ? ENT_PREV_CAPITAL_FIELD
                       : 0;
      bool have = false;
      for (size_t k = 0; k < nneed; k++)
        have |= need[k] == f;
      all |= !f;
      if (f && !have)
        need[nneed++] = f;
    }
    src = all ? store_ent_foreach(g.txn, on_tag_ent, &g)
              : store_ent_foreach_having(g.txn, need, nneed, on_tag_ent, &g);
    if (g.err)
      rc = g.err;
    else if (src < 0)
      rc = OPP_ESTORE;
    for (size_t i = 0; !rc && i < g.ntags; i++)
      rc = make_tag_opp(&g, &g.tags[i]);
  }
  if (!rc)
    rc = expire_stale(&g);
  for (size_t i = 0; i < g.nc; i++) {
    free(g.c[i].key);
    free_ids(g.c[i].ids, cfg->rules[g.c[i].rule].identity_roles.n);
  }
  free(g.c);
  free(g.oref);
  free(g.olds);
  free(g.drops);
  free(g.tags);
  free(g.r);
  for (size_t i = 0; i < g.nrms; i++)
    oppgraph__v1__rm__free_unpacked(g.rms[i].rm, NULL);
  free(g.rms);
  graph_free(g.graph);
  free(g.conv);
  if (rc) {
    store_abort(g.txn);
    return rc;
  }
  return store_commit(g.txn) ? OPP_ESTORE : 0;
}
