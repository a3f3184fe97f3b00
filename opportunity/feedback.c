/*
 * feedback.c — what RMs say about their opportunities, and what leads read
 * from it: opp_record_feedback (status, reason, conversion prior) and
 * opp_funnel (pushed -> accepted -> won with low-performance warnings).
 * The gRPC handlers (server/srv_feedback.c) and the CLI (cli/cmd_feedback.c,
 * cli/cmd_funnel.c) both call these, so the two paths cannot drift.
 *
 * Feedback moves the opportunity between the counters of its type's prior
 * (store_prior_*): an opportunity counts once, under its latest verdict, so
 * an RM changing their mind does not inflate the counts.
 *
 * The funnel is computed from the opportunities themselves (status and
 * created_at), so it needs no event table and cannot drift from them: one
 * scan of the RMs and one of the opportunities.  Rows are kept for every
 * key of the grouping, visible or not, because the peers of a warning are
 * the whole bank's; only visible rows are returned.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opportunity/opp_internal.h"
#include "opportunity/opportunity.h"

static uint64_t *fb_prior_slot(store_prior *p, int status) {
  switch (status) {
  case OPPGRAPH__V1__OPP_STATUS__OPP_ACCEPTED:
    return &p->accepted;
  case OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED:
    return &p->rejected;
  case OPPGRAPH__V1__OPP_STATUS__OPP_WON:
    return &p->won;
  default:
    return NULL;
  }
}

double opp_prior_rate(const store_prior *p) {
  return (double)(p->won + 1) /
         (double)(p->accepted + p->rejected + p->won + 2);
}

static int fb_store_err(int rc) {
  if (rc == STORE_ENOTFOUND)
    return OPP_ENOTFOUND;
  if (rc == STORE_ENOMEM)
    return OPP_ENOMEM;
  return rc ? OPP_ESTORE : OPP_OK;
}

int opp_record_feedback(store_txn *w, uint64_t opp_id, const char *rm_id,
                        int status, const char *reason, int64_t now,
                        Oppgraph__V1__Opportunity **out, store_prior *prior) {
  if (out)
    *out = NULL;
  if (!fb_prior_slot(&(store_prior){0}, status))
    return OPP_EINVAL;
  Oppgraph__V1__Opportunity *o = NULL;
  int rc = fb_store_err(store_opp_get(w, opp_id, &o));
  if (!rc && rm_id && !(o->rm_id && !strcmp(o->rm_id, rm_id)))
    rc = OPP_EPERM;
  store_prior p = {0};
  /* An opportunity without a type has no prior to move. */
  bool typed = !rc && o->type && *o->type;
  if (typed)
    rc = fb_store_err(store_prior_get(w, o->type, &p));
  if (typed && !rc) {
    uint64_t *old = fb_prior_slot(&p, o->status);
    if (old && *old)
      (*old)--;
    (*fb_prior_slot(&p, status))++;
    rc = fb_store_err(store_prior_put(w, o->type, &p));
  }
  if (!rc) {
    if (now <= o->updated_at)
      now = o->updated_at + 1;
    o->status = status;
    o->updated_at = now;
    o->feedback_at = now;
    if (o->feedback_reason != protobuf_c_empty_string)
      free(o->feedback_reason);
    o->feedback_reason = strdup(reason ? reason : "");
    if (!o->feedback_reason) {
      o->feedback_reason = (char *)protobuf_c_empty_string;
      rc = OPP_ENOMEM;
    }
  }
  /* the put logs the push (updated_at advanced) */
  if (!rc)
    rc = fb_store_err(store_opp_put(w, o));
  if (!rc && prior)
    *prior = p;
  if (!rc && out)
    *out = o;
  else if (o)
    oppgraph__v1__opportunity__free_unpacked(o, NULL);
  return rc;
}

void opp_config_funnel_warning(const opp_config *cfg, opp_funnel_warning *out) {
  out->min_pushed = cfg->funnel_min_pushed;
  out->peer_fraction = cfg->funnel_peer_fraction;
  out->min_peers = cfg->funnel_min_peers;
}

/* ---- funnel ---------------------------------------------------------------
 */

typedef struct fb_rm {
  char *id, *team, *branch;
  bool visible;
  /* index of this RM's row + 1 (0 = not looked up yet): the key depends on
   * the RM alone, so each RM's row is searched for once, not per
   * opportunity */
  size_t row;
} fb_rm;

/* row counts only the opportunities of RMs the caller may see (a plain RM
 * grouping by team sees their own part of the team); all_* count everyone's
 * and are what peers are compared on. */
typedef struct fb_row {
  Oppgraph__V1__FunnelRow *row;
  bool visible; /* some visible RM counts in it */
  uint64_t all_pushed, all_accepted;
} fb_row;

typedef struct fb_funnel {
  const opp_funnel_query *q;
  fb_rm *rms;
  size_t nrms, caprms;
  fb_row *rows;
  size_t nrows, caprows;
} fb_funnel;

static int fb_funnel_rm(void *ctx, const Oppgraph__V1__Rm *rm) {
  fb_funnel *f = ctx;
  if (f->nrms == f->caprms) {
    size_t cap = f->caprms ? 2 * f->caprms : 32;
    fb_rm *n = realloc(f->rms, cap * sizeof *n);
    if (!n)
      return STORE_ENOMEM;
    f->rms = n;
    f->caprms = cap;
  }
  fb_rm *r = &f->rms[f->nrms];
  r->id = strdup(rm->id ? rm->id : "");
  r->team = strdup(rm->team ? rm->team : "");
  r->branch = strdup(rm->branch ? rm->branch : "");
  if (!r->id || !r->team || !r->branch) {
    free(r->id);
    free(r->team);
    free(r->branch);
    return STORE_ENOMEM;
  }
  r->visible =
      !f->q->visible || f->q->visible(f->q->visible_ctx, r->id, r->team);
  r->row = 0;
  f->nrms++;
  return 0;
}

static int fb_rm_cmp(const void *a, const void *b) {
  return strcmp(((const fb_rm *)a)->id, ((const fb_rm *)b)->id);
}

static fb_rm *fb_funnel_find(const fb_funnel *f, const char *id) {
  if (!f->nrms)
    return NULL;
  fb_rm key = {.id = (char *)id};
  return bsearch(&key, f->rms, f->nrms, sizeof *f->rms, fb_rm_cmp);
}

static const char *fb_key(const fb_funnel *f, const fb_rm *rm) {
  switch (f->q->group_by) {
  case OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_TEAM:
    return rm->team;
  case OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_BRANCH:
    return rm->branch;
  default:
    return rm->id;
  }
}

/* The row of key (created on first use); rows are few (RMs, teams), a linear
 * search is enough next to the opportunity scan. */
static fb_row *fb_funnel_row(fb_funnel *f, const char *key) {
  for (size_t i = 0; i < f->nrows; i++)
    if (!strcmp(f->rows[i].row->key, key))
      return &f->rows[i];
  if (f->nrows == f->caprows) {
    size_t cap = f->caprows ? 2 * f->caprows : 16;
    fb_row *n = realloc(f->rows, cap * sizeof *n);
    if (!n)
      return NULL;
    f->rows = n;
    f->caprows = cap;
  }
  Oppgraph__V1__FunnelRow *r = malloc(sizeof *r);
  char *k = strdup(key);
  if (!r || !k) {
    free(r);
    free(k);
    return NULL;
  }
  oppgraph__v1__funnel_row__init(r);
  r->key = k;
  f->rows[f->nrows] = (fb_row){.row = r};
  return &f->rows[f->nrows++];
}

static int fb_funnel_opp(void *ctx, const Oppgraph__V1__Opportunity *o) {
  fb_funnel *f = ctx;
  if (f->q->since && o->created_at < f->q->since)
    return 0;
  if (f->q->until && o->created_at >= f->q->until)
    return 0;
  fb_rm *rm = fb_funnel_find(f, o->rm_id ? o->rm_id : "");
  if (!rm)
    return 0; /* unassigned or an RM since removed: nobody's funnel */
  if (!rm->row) {
    fb_row *r = fb_funnel_row(f, fb_key(f, rm));
    if (!r)
      return STORE_ENOMEM;
    rm->row = (size_t)(r - f->rows) + 1;
  }
  fb_row *fr = &f->rows[rm->row - 1];
  bool acc = o->status == OPPGRAPH__V1__OPP_STATUS__OPP_ACCEPTED ||
             o->status == OPPGRAPH__V1__OPP_STATUS__OPP_WON;
  fr->all_pushed++;
  fr->all_accepted += acc;
  if (!rm->visible)
    return 0;
  fr->visible = true;
  Oppgraph__V1__FunnelRow *r = fr->row;
  r->pushed++;
  r->accepted += acc;
  if (o->status == OPPGRAPH__V1__OPP_STATUS__OPP_WON)
    r->won++;
  if (o->status == OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED)
    r->rejected++;
  return 0;
}

static void fb_rates(Oppgraph__V1__FunnelRow *r) {
  r->accept_rate = r->pushed ? (double)r->accepted / (double)r->pushed : 0;
  r->win_rate = r->pushed ? (double)r->won / (double)r->pushed : 0;
}

static int fb_dbl_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int fb_row_cmp(const void *a, const void *b) {
  return strcmp(((const fb_row *)a)->row->key, ((const fb_row *)b)->row->key);
}

static double fb_all_rate(const fb_row *r) {
  return r->all_pushed ? (double)r->all_accepted / (double)r->all_pushed : 0;
}

/* Sets the warning of every row far below its peers' median accept rate;
 * scratch holds nrows doubles.  Only rows the caller sees whole are judged:
 * a part of a team is not the team. */
static int fb_warn(fb_funnel *f, const opp_funnel_warning *w, double *scratch) {
  for (size_t i = 0; i < f->nrows; i++) {
    Oppgraph__V1__FunnelRow *r = f->rows[i].row;
    if (!f->rows[i].visible || r->pushed != f->rows[i].all_pushed ||
        (double)r->pushed < w->min_pushed)
      continue;
    size_t n = 0;
    for (size_t j = 0; j < f->nrows; j++)
      if (j != i && (double)f->rows[j].all_pushed >= w->min_pushed)
        scratch[n++] = fb_all_rate(&f->rows[j]);
    if (!n || (double)n < w->min_peers)
      continue;
    qsort(scratch, n, sizeof *scratch, fb_dbl_cmp);
    double med =
        n % 2 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
    r->peer_median_accept_rate = med;
    if (!(r->accept_rate < w->peer_fraction * med))
      continue;
    char buf[256];
    snprintf(buf, sizeof buf,
             "accept rate %.0f %% over %llu pushes vs peers' median %.0f %% "
             "(%zu peers with at least %.0f pushes)",
             100 * r->accept_rate, (unsigned long long)r->pushed, 100 * med, n,
             w->min_pushed);
    if (!(r->warning = strdup(buf)))
      return OPP_ENOMEM;
    r->low_performance = true;
  }
  return OPP_OK;
}

static void fb_funnel_clear(fb_funnel *f) {
  for (size_t i = 0; i < f->nrms; i++) {
    free(f->rms[i].id);
    free(f->rms[i].team);
    free(f->rms[i].branch);
  }
  free(f->rms);
  for (size_t i = 0; i < f->nrows; i++)
    if (f->rows[i].row)
      oppgraph__v1__funnel_row__free_unpacked(f->rows[i].row, NULL);
  free(f->rows);
}

int opp_funnel(store_txn *txn, const opp_funnel_query *q,
               const opp_funnel_warning *warn,
               Oppgraph__V1__GetFunnelResponse **out) {
  *out = NULL;
  if (q->since && q->until && q->until <= q->since)
    return OPP_EINVAL;
  fb_funnel f = {.q = q};
  int rc = fb_store_err(store_rm_foreach(txn, fb_funnel_rm, &f));
  if (!rc)
    qsort(f.rms, f.nrms, sizeof *f.rms, fb_rm_cmp);
  /* By RM every RM gets a row even without opportunities. */
  for (size_t i = 0; !rc && i < f.nrms; i++) {
    if (q->group_by != OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_RM)
      break;
    fb_row *r = fb_funnel_row(&f, f.rms[i].id);
    if (!r)
      rc = OPP_ENOMEM;
    else
      r->visible |= f.rms[i].visible;
  }
  if (!rc)
    rc = fb_store_err(store_opp_foreach(txn, fb_funnel_opp, &f));
  Oppgraph__V1__GetFunnelResponse *resp = NULL;
  double *scratch = NULL;
  if (!rc) {
    resp = malloc(sizeof *resp);
    scratch = malloc((f.nrows + 1) * sizeof *scratch);
    if (resp) {
      oppgraph__v1__get_funnel_response__init(resp);
      resp->total = malloc(sizeof *resp->total);
      resp->rows = calloc(f.nrows + 1, sizeof *resp->rows);
    }
    if (!resp || !scratch || !resp->total || !resp->rows) {
      rc = OPP_ENOMEM;
    } else {
      oppgraph__v1__funnel_row__init(resp->total);
      if (!(resp->total->key = strdup("total")))
        rc = OPP_ENOMEM;
    }
  }
  for (size_t i = 0; !rc && i < f.nrows; i++)
    fb_rates(f.rows[i].row);
  if (!rc && warn && warn->min_pushed > 0)
    rc = fb_warn(&f, warn, scratch);
  if (!rc) {
    qsort(f.rows, f.nrows, sizeof *f.rows, fb_row_cmp);
    Oppgraph__V1__FunnelRow *t = resp->total;
    for (size_t i = 0; i < f.nrows; i++) {
      if (!f.rows[i].visible)
        continue;
      Oppgraph__V1__FunnelRow *r = f.rows[i].row;
      t->pushed += r->pushed;
      t->accepted += r->accepted;
      t->rejected += r->rejected;
      t->won += r->won;
      resp->rows[resp->n_rows++] = r;
      f.rows[i].row = NULL; /* now the response's */
    }
    fb_rates(t);
  }
  free(scratch);
  fb_funnel_clear(&f);
  if (rc) {
    opp_funnel_free(resp);
    return rc;
  }
  *out = resp;
  return OPP_OK;
}

void opp_funnel_free(Oppgraph__V1__GetFunnelResponse *f) {
  if (!f)
    return;
  /* free_unpacked frees every member with free(), which is how they were
   * allocated. */
  oppgraph__v1__get_funnel_response__free_unpacked(f, NULL);
}
