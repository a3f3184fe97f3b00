/*
 * srv_feedback.c — RecordFeedback and GetFunnel: what RMs say about their
 * opportunities, and what leads read from it.  The work itself is
 * opp_record_feedback and opp_funnel (opportunity/feedback.c), shared with
 * the CLI; this file checks the caller (visibility, ownership, read-only
 * replica, writer lock) and maps errors to gRPC status codes.
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

#include "opportunity/opportunity.h"
#include "server/server_internal.h"

#define SRV_REASON_MAX 500

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
  if (rc) {
    rc = OPP_ESTORE;
  } else {
    rc = opp_record_feedback(w, req->opportunity_id, me->id, status,
                             req->reason, srv_app_now(ctx->app), &o, &prior);
    /* OPP_EPERM here: reassigned since the snapshot, no longer theirs */
    if (rc == OPP_EPERM)
      rc = OPP_ENOTFOUND;
  }
  if (!rc) {
    rc = store_commit(w) ? OPP_ESTORE : 0;
    w = NULL;
  }
  store_abort(w);
  srv_app_writer_unlock(ctx->app);
  if (rc == OPP_ENOTFOUND) {
    srv_reply_error(rep, SRV_ST_NOT_FOUND,
                    "no opportunity %" PRIu64 " in your push list",
                    req->opportunity_id);
  } else if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "recording feedback on %" PRIu64 " failed: %s (%s)",
                    req->opportunity_id, opp_strerror(rc), store_last_error());
  } else {
    srv_app_notify(ctx->app);
    Oppgraph__V1__ConversionPrior cp = OPPGRAPH__V1__CONVERSION_PRIOR__INIT;
    cp.type = o->type;
    cp.accepted = prior.accepted;
    cp.rejected = prior.rejected;
    cp.won = prior.won;
    cp.prior = opp_prior_rate(&prior);
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

/* Who sees an RM's row: admins everyone, an RM themself, a lead their team. */
static bool srv_funnel_visible(void *ctx, const char *rm_id, const char *team) {
  const Oppgraph__V1__Rm *me = ctx;
  if (me->role == OPPGRAPH__V1__ROLE__ROLE_ADMIN)
    return true;
  if (!strcmp(rm_id, me->id))
    return true;
  return me->role == OPPGRAPH__V1__ROLE__ROLE_LEAD && me->team && *me->team &&
         !strcmp(me->team, team);
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
  opp_funnel_query q = {.group_by = req->group_by,
                        .since = req->since,
                        .until = req->until,
                        .visible = srv_funnel_visible,
                        .visible_ctx = me};
  opp_funnel_warning warn = {0};
  char err[512];
  int rc = srv_app_funnel_warning(ctx->app, &warn, err, sizeof err);
  if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "cannot read the funnel thresholds: %.400s", err);
    goto out;
  }
  Oppgraph__V1__GetFunnelResponse *resp = NULL;
  rc = opp_funnel(txn, &q, &warn, &resp);
  if (rc)
    srv_reply_error(rep, SRV_ST_INTERNAL, "computing the funnel failed: %s",
                    opp_strerror(rc));
  else
    srv_reply_message(rep, &resp->base);
  opp_funnel_free(resp);
out:
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}
