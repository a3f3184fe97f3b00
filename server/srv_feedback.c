/*
 * srv_feedback.c — RecordFeedback and GetFunnel: what RMs say about their
 * opportunities, and what leads read from it.
 *
 * Feedback changes the opportunity's status (and feedback_reason /
 * feedback_at / updated_at), appends it to the push log (so that streams of
 * a lead see the verdict) and moves the opportunity between the counters of
 * its type's conversion prior (store_prior_*): an opportunity counts once,
 * under its latest verdict.  All of it in one write transaction under the
 * server's writer lock.
 *
 * The funnel is computed from the opportunities themselves (status and
 * created_at), so it needs no separate event table and cannot drift from
 * them: one scan of the opportunities and of the RMs per call.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_internal.h"

#define SRV_REASON_MAX 500

static uint64_t *srv_prior_slot(store_prior *p, int status) {
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

SRV_HANDLER(srv_record_feedback) {
  const Oppgraph__V1__RecordFeedbackRequest *req =
      (const Oppgraph__V1__RecordFeedbackRequest *)msg;
  int status;
  switch (req->outcome) {
  case OPPGRAPH__V1__FEEDBACK_OUTCOME__FEEDBACK_ACCEPTED:
    status = OPPGRAPH__V1__OPP_STATUS__OPP_ACCEPTED;
    break;
  case OPPGRAPH__V1__FEEDBACK_OUTCOME__FEEDBACK_REJECTED:
    status = OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED;
    break;
  case OPPGRAPH__V1__FEEDBACK_OUTCOME__FEEDBACK_WON:
    status = OPPGRAPH__V1__OPP_STATUS__OPP_WON;
    break;
  default:
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "outcome is missing: set FEEDBACK_ACCEPTED, "
                    "FEEDBACK_REJECTED or FEEDBACK_WON");
    return;
  }
  if (req->reason && strlen(req->reason) > SRV_REASON_MAX) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "reason is %zu bytes: keep it under %d",
                    strlen(req->reason), SRV_REASON_MAX);
    return;
  }
  store_txn *rtxn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &rtxn, &me))
    return;
  /* Visibility first, in the read snapshot: NOT_FOUND must not depend on
   * whether the store is writable. */
  Oppgraph__V1__Opportunity *o = NULL;
  int rc = store_opp_get(rtxn, req->opportunity_id, &o);
  if (rc == STORE_OK && srv_may_read(rtxn, me, o->rm_id ? o->rm_id : "") != 0)
    rc = STORE_ENOTFOUND;
  bool own = rc == STORE_OK && o->rm_id && !strcmp(o->rm_id, me->id);
  if (o)
    oppgraph__v1__opportunity__free_unpacked(o, NULL);
  o = NULL;
  store_abort(rtxn);
  if (rc == STORE_ENOTFOUND) {
    srv_reply_error(rep, SRV_ST_NOT_FOUND,
                    "no opportunity %" PRIu64 " in your push list",
                    req->opportunity_id);
    goto out;
  } else if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "reading opportunity %" PRIu64 " failed: %s",
                    req->opportunity_id, store_strerror(rc));
    goto out;
  }
  if (!own) {
    srv_reply_error(rep, SRV_ST_PERMISSION_DENIED,
                    "opportunity %" PRIu64 " belongs to another RM: only its "
                    "RM records feedback on it",
                    req->opportunity_id);
    goto out;
  }
  if (srv_app_read_only(ctx->app)) {
    srv_reply_error(rep, SRV_ST_FAILED_PRECONDITION,
                    "this server is a read-only replica: send feedback to "
                    "the primary");
    goto out;
  }
  char err[512];
  if (srv_app_writer_lock(ctx->app, err, sizeof err)) {
    srv_reply_error(rep, SRV_ST_FAILED_PRECONDITION,
                    "the server cannot write: %.400s", err);
    goto out;
  }
  store_txn *w = NULL;
  store_prior prior = {0};
  rc = store_begin(ctx->st, true, &w);
  if (!rc)
    rc = store_opp_get(w, req->opportunity_id, &o);
  if (!rc && !(o->rm_id && !strcmp(o->rm_id, me->id)))
    rc = STORE_ENOTFOUND; /* reassigned since the snapshot */
  /* An opportunity without a type has no prior to move. */
  bool typed = !rc && o->type && *o->type;
  if (typed)
    rc = store_prior_get(w, o->type, &prior);
  if (typed && !rc) {
    uint64_t *old = srv_prior_slot(&prior, o->status);
    if (old && *old)
      (*old)--;
    (*srv_prior_slot(&prior, status))++;
    rc = store_prior_put(w, o->type, &prior);
  }
  if (!rc) {
    int64_t now = srv_app_now(ctx->app);
    if (now <= o->updated_at)
      now = o->updated_at + 1;
    o->status = status;
    o->updated_at = now;
    o->feedback_at = now;
    if (o->feedback_reason != protobuf_c_empty_string)
      free(o->feedback_reason);
    o->feedback_reason = strdup(req->reason ? req->reason : "");
    if (!o->feedback_reason) {
      o->feedback_reason = (char *)protobuf_c_empty_string;
      rc = STORE_ENOMEM;
    }
    if (!rc)
      rc = store_opp_put(w, o);
    if (!rc)
      rc = store_push_append(w, o->id, o->updated_at, NULL);
  }
  if (!rc) {
    uint64_t wid = store_txn_id(w);
    rc = store_commit(w);
    w = NULL;
    if (!rc)
      srv_app_wrote(ctx->app, wid);
  }
  store_abort(w);
  srv_app_writer_unlock(ctx->app);
  if (rc == STORE_ENOTFOUND) {
    srv_reply_error(rep, SRV_ST_NOT_FOUND,
                    "no opportunity %" PRIu64 " in your push list",
                    req->opportunity_id);
  } else if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "recording feedback on %" PRIu64 " failed: %s (%s)",
                    req->opportunity_id, store_strerror(rc),
                    store_last_error());
  } else {
    srv_app_notify(ctx->app);
    Oppgraph__V1__ConversionPrior cp = OPPGRAPH__V1__CONVERSION_PRIOR__INIT;
    cp.type = o->type;
    cp.accepted = prior.accepted;
    cp.rejected = prior.rejected;
    cp.won = prior.won;
    cp.prior = (double)(prior.won + 1) /
               (double)(prior.accepted + prior.rejected + prior.won + 2);
    Oppgraph__V1__RecordFeedbackResponse resp =
        OPPGRAPH__V1__RECORD_FEEDBACK_RESPONSE__INIT;
    resp.opportunity = o;
    resp.prior = &cp;
    srv_reply_message(rep, &resp.base);
  }
  if (o)
    oppgraph__v1__opportunity__free_unpacked(o, NULL);
out:
  oppgraph__v1__rm__free_unpacked(me, NULL);
}

/* ---- funnel ----------------------------------------------------------------
 */

typedef struct srv_rmrow {
  char *id, *team, *branch;
} srv_rmrow;

typedef struct srv_funnel {
  const Oppgraph__V1__Rm *me;
  const Oppgraph__V1__GetFunnelRequest *req;
  srv_rmrow *rms;
  size_t nrms, caprms;
  Oppgraph__V1__FunnelRow *rows; /* one per key, unsorted */
  size_t nrows, caprows;
  int err;
} srv_funnel;

static int srv_funnel_rm(void *ctx, const Oppgraph__V1__Rm *rm) {
  srv_funnel *f = ctx;
  if (f->nrms == f->caprms) {
    size_t cap = f->caprms ? 2 * f->caprms : 32;
    srv_rmrow *n = realloc(f->rms, cap * sizeof *n);
    if (!n)
      return STORE_ENOMEM;
    f->rms = n;
    f->caprms = cap;
  }
  srv_rmrow *r = &f->rms[f->nrms];
  r->id = strdup(rm->id ? rm->id : "");
  r->team = strdup(rm->team ? rm->team : "");
  r->branch = strdup(rm->branch ? rm->branch : "");
  if (!r->id || !r->team || !r->branch) {
    free(r->id);
    free(r->team);
    free(r->branch);
    return STORE_ENOMEM;
  }
  f->nrms++;
  return 0;
}

static const srv_rmrow *srv_funnel_find(const srv_funnel *f, const char *id) {
  for (size_t i = 0; i < f->nrms; i++)
    if (!strcmp(f->rms[i].id, id))
      return &f->rms[i];
  return NULL;
}

static bool srv_funnel_visible(const srv_funnel *f, const srv_rmrow *r) {
  const Oppgraph__V1__Rm *me = f->me;
  if (me->role == OPPGRAPH__V1__ROLE__ROLE_ADMIN)
    return true;
  if (!strcmp(r->id, me->id))
    return true;
  return me->role == OPPGRAPH__V1__ROLE__ROLE_LEAD && me->team && *me->team &&
         !strcmp(me->team, r->team);
}

static Oppgraph__V1__FunnelRow *srv_funnel_row(srv_funnel *f, const char *key) {
  for (size_t i = 0; i < f->nrows; i++)
    if (!strcmp(f->rows[i].key, key))
      return &f->rows[i];
  if (f->nrows == f->caprows) {
    size_t cap = f->caprows ? 2 * f->caprows : 16;
    Oppgraph__V1__FunnelRow *n = realloc(f->rows, cap * sizeof *n);
    if (!n)
      return NULL;
    f->rows = n;
    f->caprows = cap;
  }
  Oppgraph__V1__FunnelRow *r = &f->rows[f->nrows];
  oppgraph__v1__funnel_row__init(r);
  r->key = (char *)key; /* borrowed from f->rms */
  f->nrows++;
  return r;
}

static void srv_funnel_count(Oppgraph__V1__FunnelRow *r, int status) {
  r->pushed++;
  if (status == OPPGRAPH__V1__OPP_STATUS__OPP_ACCEPTED ||
      status == OPPGRAPH__V1__OPP_STATUS__OPP_WON)
    r->accepted++;
  if (status == OPPGRAPH__V1__OPP_STATUS__OPP_WON)
    r->won++;
  if (status == OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED)
    r->rejected++;
}

static int srv_funnel_opp(void *ctx, const Oppgraph__V1__Opportunity *o) {
  srv_funnel *f = ctx;
  if (f->req->since && o->created_at < f->req->since)
    return 0;
  if (f->req->until && o->created_at >= f->req->until)
    return 0;
  const srv_rmrow *rm = srv_funnel_find(f, o->rm_id ? o->rm_id : "");
  if (!rm || !srv_funnel_visible(f, rm))
    return 0;
  const char *key =
      f->req->group_by == OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_TEAM ? rm->team
      : f->req->group_by == OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_BRANCH
          ? rm->branch
          : rm->id;
  Oppgraph__V1__FunnelRow *r = srv_funnel_row(f, key);
  if (!r)
    return STORE_ENOMEM;
  srv_funnel_count(r, o->status);
  return 0;
}

static int srv_row_cmp(const void *a, const void *b) {
  return strcmp(((const Oppgraph__V1__FunnelRow *)a)->key,
                ((const Oppgraph__V1__FunnelRow *)b)->key);
}

static void srv_rates(Oppgraph__V1__FunnelRow *r) {
  r->accept_rate = r->pushed ? (double)r->accepted / (double)r->pushed : 0;
  r->win_rate = r->pushed ? (double)r->won / (double)r->pushed : 0;
}

SRV_HANDLER(srv_get_funnel) {
  const Oppgraph__V1__GetFunnelRequest *req =
      (const Oppgraph__V1__GetFunnelRequest *)msg;
  if (req->since && req->until && req->until <= req->since) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "until (%" PRId64 ") must be after since (%" PRId64 ")",
                    req->until, req->since);
    return;
  }
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  srv_funnel f = {.me = me, .req = req};
  int rc = store_rm_foreach(txn, srv_funnel_rm, &f);
  if (!rc) {
    /* Every visible RM gets a row even without opportunities. */
    for (size_t i = 0; i < f.nrms && !rc; i++)
      if (srv_funnel_visible(&f, &f.rms[i]) &&
          req->group_by == OPPGRAPH__V1__FUNNEL_GROUP__FUNNEL_BY_RM &&
          !srv_funnel_row(&f, f.rms[i].id))
        rc = STORE_ENOMEM;
  }
  if (!rc)
    rc = store_opp_foreach(txn, srv_funnel_opp, &f);
  if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "computing the funnel failed: %s",
                    store_strerror(rc));
  } else {
    qsort(f.rows, f.nrows, sizeof *f.rows, srv_row_cmp);
    Oppgraph__V1__FunnelRow total = OPPGRAPH__V1__FUNNEL_ROW__INIT;
    total.key = "total";
    Oppgraph__V1__FunnelRow **ptrs = calloc(f.nrows + 1, sizeof *ptrs);
    if (!ptrs) {
      srv_reply_error(rep, SRV_ST_INTERNAL, "out of memory");
    } else {
      for (size_t i = 0; i < f.nrows; i++) {
        srv_rates(&f.rows[i]);
        total.pushed += f.rows[i].pushed;
        total.accepted += f.rows[i].accepted;
        total.rejected += f.rows[i].rejected;
        total.won += f.rows[i].won;
        ptrs[i] = &f.rows[i];
      }
      srv_rates(&total);
      Oppgraph__V1__GetFunnelResponse resp =
          OPPGRAPH__V1__GET_FUNNEL_RESPONSE__INIT;
      resp.rows = ptrs;
      resp.n_rows = f.nrows;
      resp.total = &total;
      srv_reply_message(rep, &resp.base);
      free(ptrs);
    }
  }
  for (size_t i = 0; i < f.nrms; i++) {
    free(f.rms[i].id);
    free(f.rms[i].team);
    free(f.rms[i].branch);
  }
  free(f.rms);
  free(f.rows);
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}
