/*
 * srv_stream.c — what the server-streaming methods send: new pushes from the
 * push log (StreamOpportunities) and the serving status (Health/Watch).  The
 * plumbing (srv_grpc.c) calls srv_stream_next whenever the call can take a
 * message (after open, after each send completes, after each committed
 * write) and sends what it returns; this file knows nothing of gRPC.
 *
 * Resume tokens are the decimal push sequence (store_push_*): the stream
 * delivers log entries after the token in sequence order, skipping those the
 * caller may not see, and each message carries its own sequence as token.
 * A reconnect with the last token therefore continues exactly after it.  The
 * opportunity sent is the record as stored now (an entry whose record
 * changed again later is sent once per log entry; the later entry carries
 * the newer state).
 *
 * Every wake-up of a stream first re-reads its token record: a stream whose
 * token was revoked (or whose RM was removed) since it opened ends there with
 * UNAUTHENTICATED, before it could be sent anything more.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grpc/health/v1/health.pb-c.h"
#include "server/server_internal.h"

static bool srv_is_watch(const srv_sub *sub) {
  return !strcmp(srv_methods[sub->method].path, "/grpc.health.v1.Health/Watch");
}

int srv_stream_open(const srv_ctx *ctx, const ProtobufCMessage *msg,
                    srv_sub *sub, srv_reply *rep) {
  int method = sub->method;
  memset(sub, 0, sizeof *sub);
  sub->method = method;
  if (srv_is_watch(sub)) {
    const Grpc__Health__V1__HealthCheckRequest *req =
        (const Grpc__Health__V1__HealthCheckRequest *)msg;
    /* Check answers NOT_FOUND for unknown services; Watch must answer
     * SERVICE_UNKNOWN in a message instead (the health protocol says so). */
    snprintf(sub->target, sizeof sub->target, "%s",
             req->service ? req->service : "");
    return 0;
  }
  const Oppgraph__V1__StreamOpportunitiesRequest *req =
      (const Oppgraph__V1__StreamOpportunitiesRequest *)msg;
  uint64_t from = 0;
  bool have_from = req->resume_token && *req->resume_token;
  if (have_from) {
    char *end;
    from = strtoull(req->resume_token, &end, 10);
    if (*end || req->resume_token[0] == '-' || req->resume_token[0] == '+') {
      srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                      "resume_token '%.40s' is not one this server gave: send "
                      "the resume_token of the last push received, \"0\" for "
                      "the whole log or none for new pushes only",
                      req->resume_token);
      return -1;
    }
  }
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return -1;
  int rc = 0;
  const char *target = req->rm_id && *req->rm_id ? req->rm_id : me->id;
  if (strcmp(target, "*")) {
    rc = srv_may_read(txn, me, target);
    if (rc == SRV_EPERM)
      srv_reply_error(rep, SRV_ST_PERMISSION_DENIED,
                      "RM '%.60s' may not stream the pushes of RM '%.60s': "
                      "only their team lead or an admin may",
                      me->id, target);
    else if (rc == SRV_ENOTFOUND)
      srv_reply_error(rep, SRV_ST_NOT_FOUND, "no RM with id '%.100s'", target);
    else if (rc)
      srv_reply_error(rep, SRV_ST_INTERNAL, "checking access failed: %s",
                      srv_strerror(rc));
  }
  uint64_t head = 0;
  if (!rc && store_push_head(txn, &head)) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "reading the push log failed: %s",
                    store_last_error());
    rc = -1;
  }
  if (!rc && have_from && from > head) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "resume_token %" PRIu64 " is ahead of this server's push "
                    "log (%" PRIu64 "): it comes from another store",
                    from, head);
    rc = -1;
  }
  if (!rc) {
    snprintf(sub->rm_id, sizeof sub->rm_id, "%s", me->id);
    snprintf(sub->team, sizeof sub->team, "%s", me->team ? me->team : "");
    snprintf(sub->target, sizeof sub->target, "%s", target);
    sub->role = me->role;
    sub->seq = have_from ? from : head;
    /* srv_token_verify accepted it: the id is 12 hex digits; lower-case as
     * the store keys it */
    for (int i = 0; i < SRV_TOKEN_ID_LEN; i++)
      sub->token_id[i] = (char)tolower((unsigned char)ctx->bearer[i]);
    sub->token_id[SRV_TOKEN_ID_LEN] = '\0';
  }
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
  return rc ? -1 : 0;
}

/* May sub see an opportunity of RM rm_id?  Leads: their team (one RM
 * lookup); admins: everyone. */
static bool srv_sub_sees(store_txn *txn, const srv_sub *sub,
                         const char *rm_id) {
  if (strcmp(sub->target, "*"))
    return !strcmp(sub->target, rm_id);
  if (!strcmp(sub->rm_id, rm_id) || sub->role == OPPGRAPH__V1__ROLE__ROLE_ADMIN)
    return true;
  if (sub->role != OPPGRAPH__V1__ROLE__ROLE_LEAD || !sub->team[0])
    return false;
  Oppgraph__V1__Rm *rm = NULL;
  if (store_rm_get(txn, rm_id, &rm))
    return false;
  bool same = rm->team && !strcmp(rm->team, sub->team);
  oppgraph__v1__rm__free_unpacked(rm, NULL);
  return same;
}

/* Is the token the stream was opened with still valid (not revoked, its RM
 * still there)?  A store error counts as valid: the delivery that follows
 * reports it. */
static bool srv_sub_token_live(store_txn *txn, const srv_sub *sub) {
  Oppgraph__V1__TokenRecord *rec = NULL;
  int rc = store_token_get(txn, sub->token_id, &rec);
  if (rc)
    return rc != STORE_ENOTFOUND;
  bool live = !rec->revoked && rec->rm_id && !strcmp(rec->rm_id, sub->rm_id);
  oppgraph__v1__token_record__free_unpacked(rec, NULL);
  if (live) {
    Oppgraph__V1__Rm *rm = NULL;
    rc = store_rm_get(txn, sub->rm_id, &rm);
    if (rc == STORE_ENOTFOUND)
      live = false;
    if (rm)
      oppgraph__v1__rm__free_unpacked(rm, NULL);
  }
  return live;
}

static int srv_watch_next(srv_sub *sub, bool stopping, srv_reply *rep) {
  /* sent: 0 nothing yet, 1 SERVING (or SERVICE_UNKNOWN) sent, 2 NOT_SERVING */
  if (sub->sent >= 2 || (sub->sent == 1 && !stopping))
    return 0;
  bool known = srv_service_known(sub->target);
  Grpc__Health__V1__HealthCheckResponse resp =
      GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
  if (!known)
    resp.status =
        GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN;
  else if (stopping)
    resp.status =
        GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
  else
    resp.status =
        GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
  if (sub->sent == 1 && !known)
    return 0;
  sub->sent = stopping ? 2 : 1;
  srv_reply_message(rep, &resp.base);
  return 1;
}

void srv_push_cache_destroy(srv_push_cache *pc) {
  if (!pc)
    return;
  store_abort(pc->txn);
  free(pc->msg);
  memset(pc, 0, sizeof *pc);
}

/* Reads and packs the push of log entry seq into pc. */
static int srv_push_load(const srv_ctx *ctx, store_txn *txn, uint64_t seq,
                         uint64_t opp_id, srv_push_cache *pc, srv_reply *rep) {
  free(pc->msg);
  pc->msg = NULL;
  pc->len = 0;
  pc->seq = seq;
  pc->gone = false;
  pc->rm_id[0] = '\0';
  Oppgraph__V1__Opportunity *o = NULL;
  int rc = store_opp_get(txn, opp_id, &o);
  if (rc == STORE_ENOTFOUND) {
    pc->gone = true; /* removed since: nothing to push */
    return 0;
  }
  if (rc) {
    pc->seq = 0;
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "reading opportunity %" PRIu64 " failed: %s", opp_id,
                    store_strerror(rc));
    return -1;
  }
  snprintf(pc->rm_id, sizeof pc->rm_id, "%s", o->rm_id ? o->rm_id : "");
  srv_app_add_articles(ctx->app, txn, o);
  char tok[24];
  snprintf(tok, sizeof tok, "%" PRIu64, seq);
  Oppgraph__V1__OpportunityPush push = OPPGRAPH__V1__OPPORTUNITY_PUSH__INIT;
  push.resume_token = tok;
  push.opportunity = o;
  pc->len = protobuf_c_message_get_packed_size(&push.base);
  pc->msg = malloc(pc->len + 1);
  if (pc->msg)
    protobuf_c_message_pack(&push.base, pc->msg);
  srv_app_free_articles(o);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  if (!pc->msg) {
    pc->seq = 0;
    srv_reply_error(rep, SRV_ST_INTERNAL, "out of memory packing a push");
    return -1;
  }
  return 0;
}

int srv_stream_next(const srv_ctx *ctx, srv_sub *sub, bool stopping,
                    srv_reply *rep, srv_push_cache *shared) {
  if (srv_is_watch(sub))
    return srv_watch_next(sub, stopping, rep);
  if (stopping)
    return 0;
  srv_push_cache local = {0}, *pc = shared ? shared : &local;
  if (!pc->txn && store_begin(ctx->st, false, &pc->txn)) {
    pc->txn = NULL;
    srv_reply_error(rep, SRV_ST_INTERNAL, "cannot read the store: %s",
                    store_last_error());
    return -1;
  }
  /* A token revoked (or whose RM was removed) since the stream opened: the
   * stream ends here, before anything more is sent.  Streams wake after each
   * write the server commits, so that is the first moment it could leak. */
  if (!srv_sub_token_live(pc->txn, sub)) {
    srv_push_cache_destroy(&local);
    srv_reply_error(rep, SRV_ST_UNAUTHENTICATED,
                    "token %s was revoked while this stream was open: "
                    "reconnect with a valid token",
                    sub->token_id);
    return -1;
  }
  int out = 0;
  for (;;) {
    uint64_t seq, opp_id;
    int rc = store_push_next(pc->txn, sub->seq, &seq, &opp_id);
    if (rc == STORE_ENOTFOUND)
      break;
    if (rc) {
      srv_reply_error(rep, SRV_ST_INTERNAL, "reading the push log failed: %s",
                      store_last_error());
      out = -1;
      break;
    }
    if (pc->seq != seq && srv_push_load(ctx, pc->txn, seq, opp_id, pc, rep)) {
      out = -1;
      break;
    }
    sub->seq = seq;
    if (pc->gone || !srv_sub_sees(pc->txn, sub, pc->rm_id))
      continue;
    uint8_t *copy = malloc(pc->len + 1);
    if (!copy) {
      srv_reply_error(rep, SRV_ST_INTERNAL, "out of memory");
      out = -1;
      break;
    }
    memcpy(copy, pc->msg, pc->len);
    free(rep->msg);
    rep->msg = copy;
    rep->len = pc->len;
    rep->status = SRV_ST_OK;
    rep->details[0] = '\0';
    sub->sent++;
    out = 1;
    break;
  }
  srv_push_cache_destroy(&local);
  return out;
}
