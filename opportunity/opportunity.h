/*
 * opportunity — turns stored events into the sales opportunities (商机) that
 * relationship managers receive: product matching through the product matrix
 * (data/products.json), filtering of invalid candidates, deduplication of one
 * real event reported by several documents, risk flags (risk events of the
 * same enterprise, guarantee-circle membership, declined credit), scoring and
 * RM assignment, each opportunity with a Chinese explanation.
 *
 * Dedup key (Opportunity.dedup_key), one opportunity per key:
 *
 *     <event type> "#" <rule id> "|" <subject enterprise id> "|"
 *     <amount bucket> "|" <YYYY-MM>
 *
 *   amount bucket  the amount in yuan rounded to two significant digits,
 *                  written mantissa "e" exponent (120000000 -> "12e7",
 *                  119000000 -> "12e7"), or "na" when the event has none;
 *                  sources round differently (1.2亿 / 1.19亿元)
 *   YYYY-MM        month of the disclosure date (Event.published, else the
 *                  document's published date, else the event date): every
 *                  source has one, event-time arguments are often missing
 *
 * That key is each report's own; reports of one real event are merged
 * first (same rule; same subject, or one group with a known common identity
 * or near-duplicate texts; identity roles agreeing, enterprises resolved
 * through the name/alias index; amounts within a tolerance or missing;
 * disclosure dates within a window -- "dedup" in data/opportunity.json),
 * transitively, and the merged opportunity takes the smallest member key
 * ("~2", "~3" appended when two distinct events share it).  An opportunity
 * stored earlier is continued when it holds one of the group's events or its
 * key; other stored records of the same group are deleted (store_opp_del).
 * Tag marketing (data/tags.json) adds "tag#<rule>|<enterprise id>".
 * Stored active opportunities no longer generated (their reports are now
 * dropped, their tag rule no longer matches) become expired, the reason
 * appended to the explanation (opp_report.stale).
 *
 * Regeneration is idempotent: an existing opportunity (found by its key)
 * keeps its id, status, creation time and, for prospects, its RM; a record is
 * rewritten (and updated_at moved to now) only when something in it changed.
 */
#ifndef OPPGRAPH_OPPORTUNITY_H
#define OPPGRAPH_OPPORTUNITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "store/store.h"

enum opp_err {
  OPP_OK = 0,
  OPP_ENOMEM = -1,
  OPP_ECONFIG = -2, /* a data file is missing or wrong (message in err) */
  OPP_ESTORE = -3,  /* a store call failed (store_last_error()) */
  OPP_EINVAL = -4,
  OPP_ENOTFOUND = -5, /* no such opportunity */
  OPP_EPERM = -6,     /* the opportunity belongs to another RM */
};
const char *opp_strerror(int err);

typedef struct opp_config opp_config;

/* Reads <data_dir>/products.json and <data_dir>/opportunity.json.  On
 * OPP_ECONFIG err holds a message naming the file and the problem, e.g.
 * "data/products.json: rules[3]: product 'X' is not in products". */
int opp_config_load(const char *data_dir, opp_config **out, char *err,
                    size_t errlen);
void opp_config_free(opp_config *cfg);
size_t opp_config_rule_count(const opp_config *cfg);
/* The id in products.json of a product named name (Opportunity.products
 * holds names: "履约保函" -> "PERF_GUARANTEE"); an id given as name is
 * returned as it is; NULL when neither. */
const char *opp_config_product_id(const opp_config *cfg, const char *name);

/* What a generation run did.  Every candidate that did not become an
 * opportunity is counted under its reason. */
typedef struct opp_report {
  size_t events;      /* events read */
  size_t risk_events; /* events of risk-only types (flags, not opportunities) */
  size_t no_rule;     /* events no product rule matched */
  size_t candidates;  /* (event, rule) matches with a usable subject */
  size_t opportunities; /* distinct dedup keys */
  size_t merged;        /* candidates folded into another's opportunity */
  size_t created, updated, unchanged;
  size_t flagged; /* opportunities carrying at least one risk flag */
  size_t expired; /* opportunities past their rule's expiry */
  /* dropped candidates, by reason */
  size_t no_subject;         /* no argument or subject names an enterprise */
  size_t unknown_enterprise; /* subject id not in the store */
  size_t below_min_amount;   /* amount under opportunity.json min_amount */
  size_t excluded_subject;   /* subject is a tender agent etc. */
  size_t intra_group;        /* counterparty in the subject's own group */
  /* opportunities of earlier runs deleted because a merged group showed
   * them to be the same event as the one kept (all ids carried over) */
  size_t superseded;
  /* active opportunities of earlier runs whose reports no longer make a
   * candidate: expired with the reason in their explanation */
  size_t stale;
  size_t tagged; /* opportunities from tag rules (data/tags.json) */
} opp_report;

/* Expired opportunities keep their score parts but their score is lowered
 * by this much, so that the per-RM index (store_opp_page, best first) ranks
 * them after every active one; the default push list (srv_push_page,
 * ListPushList without a status filter) skips them by status. */
#define OPP_EXPIRED_SCORE_DROP 1e6

/* Why a candidate did not become an opportunity (OPP_DROP_*), for
 * opp_generate_ex's callback. */
enum opp_drop {
  OPP_DROP_NO_RULE = 1,
  OPP_DROP_NO_SUBJECT,
  OPP_DROP_UNKNOWN_ENTERPRISE,
  OPP_DROP_BELOW_MIN_AMOUNT,
  OPP_DROP_EXCLUDED_SUBJECT,
  OPP_DROP_INTRA_GROUP,
};
/* Short Chinese + English name of a drop reason, e.g. "集团内部交易
 * (intra-group)". */
const char *opp_drop_name(int reason);
/* rule_id is NULL for OPP_DROP_NO_RULE; ent_id 0 when unknown. */
typedef void (*opp_drop_fn)(void *ctx, uint64_t event_id, const char *rule_id,
                            uint64_t ent_id, int reason);

/* Regenerates the opportunities of every stored event in one write
 * transaction (see the header comment for dedup and idempotence); now is
 * unix seconds, the reference for time decay, risk windows and expiry. */
int opp_generate(store *st, const opp_config *cfg, int64_t now,
                 opp_report *rep);
/* The same, telling drop(ctx, ...) about every candidate it drops (in event
 * order), so that nothing is lost silently; drop may be NULL. */
int opp_generate_ex(store *st, const opp_config *cfg, int64_t now,
                    opp_report *rep, opp_drop_fn drop, void *drop_ctx);

/* ---- feedback and funnel (opportunity/feedback.c) -------------------------
 * Shared by the gRPC handlers (server/srv_feedback.c) and the CLI
 * (`oppgraph feedback`, `oppgraph funnel`), so both do exactly the same. */

/* Records an RM's verdict on opportunity opp_id in the write transaction w:
 * status (OPPGRAPH__V1__OPP_STATUS__OPP_ACCEPTED, _REJECTED or _WON),
 * feedback_reason, feedback_at = updated_at = now (moved past the stored
 * updated_at so versions grow), an entry in the push log (streams see the
 * verdict), and the move of the opportunity between the counters of its
 * type's conversion prior (it counts once, under its latest verdict; an
 * untyped opportunity has no prior).  rm_id non-NULL: the opportunity must
 * be that RM's (else OPP_EPERM).  OPP_ENOTFOUND when there is no such
 * opportunity.  On success *out (may be NULL) is the updated opportunity
 * (free with oppgraph__v1__opportunity__free_unpacked) and *prior (may be
 * NULL) the type's counters after the move. */
int opp_record_feedback(store_txn *w, uint64_t opp_id, const char *rm_id,
                        int status, const char *reason, int64_t now,
                        Oppgraph__V1__Opportunity **out, store_prior *prior);
/* The smoothed conversion the API reports for a prior:
 * (won + 1) / (accepted + rejected + won + 2). */
double opp_prior_rate(const store_prior *p);

/* Who may see an RM's row (the server's visibility rules); NULL = all. */
typedef bool (*opp_visible_fn)(void *ctx, const char *rm_id, const char *team);

typedef struct opp_funnel_query {
  int group_by;         /* OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_* */
  int64_t since, until; /* created_at in [since, until); 0 = unbounded */
  opp_visible_fn visible;
  void *visible_ctx;
} opp_funnel_query;

/* Low-performance thresholds ("funnel_warning" in data/opportunity.json). */
typedef struct opp_funnel_warning {
  double min_pushed;    /* rows with fewer pushes are neither flagged nor peers */
  double peer_fraction; /* flag below this fraction of the peers' median */
  double min_peers;     /* fewer qualifying peers: no comparison */
} opp_funnel_warning;
/* The thresholds of a loaded configuration (all 0 = warnings off when the
 * file has no "funnel_warning"). */
void opp_config_funnel_warning(const opp_config *cfg, opp_funnel_warning *out);

/* pushed -> accepted -> won per RM, team or branch over a period, computed
 * from the opportunities themselves (status, created_at, the RM's team and
 * branch).  By RM every visible RM gets a row, even without opportunities.
 * Rows sorted by key; total over the visible rows.  Peers for the warning
 * are all rows of the grouping, visible or not (a lead compares the team's
 * RMs with the whole bank).  warn NULL = no warnings.  Free *out with
 * opp_funnel_free. */
int opp_funnel(store_txn *txn, const opp_funnel_query *q,
               const opp_funnel_warning *warn,
               Oppgraph__V1__GetFunnelResponse **out);
void opp_funnel_free(Oppgraph__V1__GetFunnelResponse *f);

#endif
