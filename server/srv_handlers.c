/*
 * srv_handlers.c — what each RPC does: health, push lists, opportunities,
 * enterprises; and the push-list page reader the CLI shares.
 *
 * Every handler runs in one LMDB read transaction (a consistent snapshot even
 * while ingest writes), authenticates the bearer token inside it, applies the
 * visibility rules of server.h, and packs its response into the srv_reply the
 * plumbing sends.  Handlers never see gRPC objects; see server_internal.h.
 *
 * Page tokens are the lower-case hex of the 16-byte opp_rm page key of the
 * store (inverted score ‖ opp id): opaque to clients, stable across
 * requests, and they cannot reach another RM's entries because the RM id is
 * the key prefix the store pages under.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grpc/health/v1/health.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"
#include "kb/kb.h"
#include "server/server_internal.h"

void srv_reply_error(srv_reply *rep, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rep->details, sizeof rep->details, fmt, ap);
  va_end(ap);
  rep->status = status;
  free(rep->msg);
  rep->msg = NULL;
  rep->len = 0;
}

void srv_reply_message(srv_reply *rep, const ProtobufCMessage *msg) {
  size_t len = protobuf_c_message_get_packed_size(msg);
  /* malloc(0) may return NULL; one spare byte keeps "empty" distinct from
   * "out of memory". */
  uint8_t *buf = malloc(len + 1);
  if (!buf) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "out of memory packing the reply");
    return;
  }
  protobuf_c_message_pack(msg, buf);
  free(rep->msg);
  rep->msg = buf;
  rep->len = len;
  rep->status = SRV_ST_OK;
  rep->details[0] = '\0';
}

/* ---- visibility and paging (public, shared with the CLI) ---------------- */

int srv_may_read(store_txn *txn, const Oppgraph__V1__Rm *caller,
                 const char *target_id) {
  if (!caller || !target_id)
    return SRV_EINVAL;
  if (!strcmp(caller->id, target_id))
    return SRV_OK;
  if (caller->role != OPPGRAPH__V1__ROLE__ROLE_ADMIN &&
      caller->role != OPPGRAPH__V1__ROLE__ROLE_LEAD)
    return SRV_EPERM; /* whether the target exists is none of their business */
  Oppgraph__V1__Rm *target = NULL;
  int rc = store_rm_get(txn, target_id, &target);
  if (rc)
    return rc == STORE_ENOTFOUND ? SRV_ENOTFOUND : SRV_ESTORE;
  rc = SRV_OK;
  if (caller->role == OPPGRAPH__V1__ROLE__ROLE_LEAD &&
      (!caller->team || !*caller->team || !target->team ||
       strcmp(caller->team, target->team)))
    rc = SRV_EPERM;
  oppgraph__v1__rm__free_unpacked(target, NULL);
  return rc;
}

void srv_push_page_free(Oppgraph__V1__ListPushListResponse *resp) {
  if (!resp)
    return;
  for (size_t i = 0; i < resp->n_opportunities; i++)
    oppgraph__v1__opportunity__free_unpacked(resp->opportunities[i], NULL);
  free(resp->opportunities);
  if (resp->next_page_token != protobuf_c_empty_string)
    free(resp->next_page_token);
  free(resp);
}

int srv_push_page(store_txn *txn, const char *rm_id, const char *page_token,
                  int page_size, Oppgraph__V1__ListPushListResponse **out) {
  *out = NULL;
  if (!txn || !rm_id || !*rm_id)
    return SRV_EINVAL;
  if (page_size < 0 || page_size > SRV_PAGE_MAX)
    return SRV_EINVAL;
  size_t limit = page_size ? (size_t)page_size : SRV_PAGE_DEFAULT;
  uint8_t after[STORE_PAGE_KEY_LEN], next[STORE_PAGE_KEY_LEN];
  bool have_after = page_token && *page_token;
  if (have_after && (strlen(page_token) != 2 * STORE_PAGE_KEY_LEN ||
                     srv_hex_decode(page_token, 2 * STORE_PAGE_KEY_LEN, after)))
    return SRV_EINVAL;

  uint64_t *ids = calloc(limit, sizeof *ids);
  Oppgraph__V1__ListPushListResponse *resp = calloc(1, sizeof *resp);
  if (!ids || !resp) {
    free(ids);
    free(resp);
    return SRV_ESTORE;
  }
  oppgraph__v1__list_push_list_response__init(resp);
  size_t n = 0, total = 0;
  bool more = false;
  int rc = srv_open_page(NULL, txn, rm_id, have_after ? after : NULL, limit,
                         ids, &n, &more, next, &total);
  if (rc)
    goto fail;
  resp->opportunities = calloc(n ? n : 1, sizeof *resp->opportunities);
  if (!resp->opportunities)
    goto fail;
  for (size_t i = 0; i < n; i++) {
    rc = store_opp_get(txn, ids[i], &resp->opportunities[i]);
    if (rc)
      goto fail; /* the index names a missing record: corrupt store */
    resp->n_opportunities++;
  }
  resp->total = (uint32_t)total;
  if (more) {
    resp->next_page_token = malloc(2 * STORE_PAGE_KEY_LEN + 1);
    if (!resp->next_page_token) {
      resp->next_page_token = (char *)protobuf_c_empty_string;
      goto fail;
    }
    srv_hex_encode(next, STORE_PAGE_KEY_LEN, resp->next_page_token);
  }
  free(ids);
  *out = resp;
  return SRV_OK;
fail:
  free(ids);
  srv_push_page_free(resp);
  return SRV_ESTORE;
}

/* ---- filtered push lists --------------------------------------------------
 * With a filter the whole RM list is read (an RM has hundreds of
 * opportunities, not millions), so that `total` is exact and the page token
 * is simply the page key of the last opportunity returned. */

static bool srv_push_filtered(const Oppgraph__V1__ListPushListRequest *r) {
  return (r->type && *r->type) || (r->product && *r->product) || r->risk ||
         r->n_status || r->created_after || r->created_before;
}

static bool srv_push_match(const Oppgraph__V1__ListPushListRequest *r,
                           const Oppgraph__V1__Opportunity *o) {
  if (r->type && *r->type && strcmp(r->type, o->type ? o->type : ""))
    return false;
  if (r->product && *r->product) {
    size_t i = 0;
    while (i < o->n_products && strcmp(o->products[i], r->product))
      i++;
    if (i == o->n_products)
      return false;
  }
  if (r->risk == OPPGRAPH__V1__RISK_FILTER__RISK_FLAGGED && !o->n_risk_flags)
    return false;
  if (r->risk == OPPGRAPH__V1__RISK_FILTER__RISK_CLEAN && o->n_risk_flags)
    return false;
  if (r->n_status) {
    size_t i = 0;
    while (i < r->n_status && r->status[i] != o->status)
      i++;
    if (i == r->n_status)
      return false;
  } else if (srv_opp_closed((uint64_t)o->status)) {
    return false; /* no status asked for: the open ones, as unfiltered */
  }
  if (r->created_after && o->created_at < r->created_after)
    return false;
  if (r->created_before && o->created_at >= r->created_before)
    return false;
  return true;
}

static void srv_page_key(const Oppgraph__V1__Opportunity *o,
                         uint8_t key[STORE_PAGE_KEY_LEN]) {
  store_u64_be(key, store_score_key(o->score));
  store_u64_be(key + 8, o->id);
}

static int srv_push_page_filtered(store_txn *txn, const char *rm_id,
                                  const Oppgraph__V1__ListPushListRequest *r,
                                  Oppgraph__V1__ListPushListResponse **out) {
  *out = NULL;
  size_t limit = r->page_size ? (size_t)r->page_size : SRV_PAGE_DEFAULT;
  uint8_t after[STORE_PAGE_KEY_LEN], cur[STORE_PAGE_KEY_LEN],
      next[STORE_PAGE_KEY_LEN];
  bool have_after = r->page_token && *r->page_token;
  if (have_after &&
      (strlen(r->page_token) != 2 * STORE_PAGE_KEY_LEN ||
       srv_hex_decode(r->page_token, 2 * STORE_PAGE_KEY_LEN, after)))
    return SRV_EINVAL;
  Oppgraph__V1__ListPushListResponse *resp = calloc(1, sizeof *resp);
  if (!resp)
    return SRV_ESTORE;
  oppgraph__v1__list_push_list_response__init(resp);
  resp->opportunities = calloc(limit, sizeof *resp->opportunities);
  if (!resp->opportunities) {
    free(resp);
    return SRV_ESTORE;
  }
  uint64_t ids[200];
  bool more = true, first = true, has_next = false;
  size_t total = 0;
  int rc = SRV_OK;
  while (more) {
    size_t n = 0;
    rc = store_opp_page(txn, rm_id, first ? NULL : cur, 200, ids, &n, &more,
                        next, NULL);
    if (rc) {
      rc = SRV_ESTORE;
      break;
    }
    first = false;
    memcpy(cur, next, sizeof cur);
    for (size_t i = 0; i < n && !rc; i++) {
      Oppgraph__V1__Opportunity *o = NULL;
      if (store_opp_get(txn, ids[i], &o)) {
        rc = SRV_ESTORE;
        break;
      }
      bool keep = false;
      if (srv_push_match(r, o)) {
        total++;
        uint8_t k[STORE_PAGE_KEY_LEN];
        srv_page_key(o, k);
        if (!have_after || memcmp(k, after, sizeof k) > 0) {
          if (resp->n_opportunities < limit) {
            resp->opportunities[resp->n_opportunities++] = o;
            keep = true;
          } else {
            has_next = true;
          }
        }
      }
      if (!keep)
        oppgraph__v1__opportunity__free_unpacked(o, NULL);
    }
    if (rc)
      break;
  }
  if (rc) {
    srv_push_page_free(resp);
    return rc;
  }
  resp->total = (uint32_t)total;
  if (has_next && resp->n_opportunities) {
    uint8_t k[STORE_PAGE_KEY_LEN];
    srv_page_key(resp->opportunities[resp->n_opportunities - 1], k);
    resp->next_page_token = malloc(2 * STORE_PAGE_KEY_LEN + 1);
    if (!resp->next_page_token) {
      resp->next_page_token = (char *)protobuf_c_empty_string;
      srv_push_page_free(resp);
      return SRV_ESTORE;
    }
    srv_hex_encode(k, STORE_PAGE_KEY_LEN, resp->next_page_token);
  }
  *out = resp;
  return SRV_OK;
}

/* Public face of both readers for the CLI (push-list --status): the
 * filtered reader when the request filters, else srv_push_page. */
int srv_push_page_where(store_txn *txn, const char *rm_id,
                        const Oppgraph__V1__ListPushListRequest *filter,
                        Oppgraph__V1__ListPushListResponse **out) {
  if (!srv_push_filtered(filter))
    return srv_push_page(txn, rm_id, filter->page_token, filter->page_size,
                         out);
  if (filter->page_size > SRV_PAGE_MAX)
    return SRV_EINVAL;
  return srv_push_page_filtered(txn, rm_id, filter, out);
}

/* ---- the unfiltered push list, straight from stored bytes -----------------
 * The hot path of a CRM: the page is assembled from the stored Opportunity
 * bytes without decoding and re-encoding them.  Protobuf lets fields be
 * appended to an encoded message, so each opportunity is its stored bytes
 * followed by its product_articles fields (18), built once per product per
 * call; the response is then field 1 per opportunity, 2 the page token, 3
 * the total — exactly what packing a ListPushListResponse would give. */

typedef struct srv_buf {
  uint8_t *p;
  size_t n, cap;
  bool oom;
} srv_buf;

static void srv_buf_put(srv_buf *b, const void *d, size_t n) {
  if (b->oom)
    return;
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n)
      cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, d, n);
  b->n += n;
}

static void srv_buf_varint(srv_buf *b, uint64_t v) {
  uint8_t t[10];
  size_t n = 0;
  do {
    t[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  srv_buf_put(b, t, n);
}

static size_t srv_varint_len(uint64_t v) {
  size_t n = 1;
  while (v > 0x7f)
    v >>= 7, n++;
  return n;
}

#define SRV_ART_CACHE 32

typedef struct srv_art_cache {
  struct {
    char product[128];
    srv_buf enc; /* field 18 with its tag, empty when no article */
  } e[SRV_ART_CACHE];
  size_t n;
} srv_art_cache;

/* The encoded product_articles field of one product (cached per call). */
static const srv_buf *srv_articles_of(srv_app *app, srv_art_cache *c,
                                      store_txn *txn, srv_span product) {
  if (product.n >= sizeof c->e[0].product)
    return NULL;
  for (size_t i = 0; i < c->n; i++)
    if (strlen(c->e[i].product) == product.n &&
        !memcmp(c->e[i].product, product.p, product.n))
      return &c->e[i].enc;
  if (c->n == SRV_ART_CACHE)
    return NULL;
  size_t i = c->n++;
  memcpy(c->e[i].product, product.p, product.n);
  c->e[i].product[product.n] = '\0';
  memset(&c->e[i].enc, 0, sizeof c->e[i].enc);
  uint64_t ids[16];
  size_t k = srv_app_product_articles(app, txn, c->e[i].product, ids, 16);
  if (!k)
    return &c->e[i].enc;
  size_t packed = 0;
  for (size_t j = 0; j < k; j++)
    packed += srv_varint_len(ids[j]);
  size_t inner = 1 + srv_varint_len(product.n) + product.n + 1 +
                 srv_varint_len(packed) + packed;
  srv_buf *b = &c->e[i].enc;
  srv_buf_put(b, "\x92\x01", 2); /* field 18, length-delimited */
  srv_buf_varint(b, inner);
  srv_buf_put(b, "\x0a", 1); /* product = 1 */
  srv_buf_varint(b, product.n);
  srv_buf_put(b, product.p, product.n);
  srv_buf_put(b, "\x12", 1); /* article_ids = 2, packed */
  srv_buf_varint(b, packed);
  for (size_t j = 0; j < k; j++)
    srv_buf_varint(b, ids[j]);
  return b;
}

static int srv_push_page_raw(srv_app *app, store_txn *txn, const char *rm_id,
                             const char *page_token, int page_size,
                             srv_reply *rep) {
  if (page_size < 0 || page_size > SRV_PAGE_MAX)
    return SRV_EINVAL;
  size_t limit = page_size ? (size_t)page_size : SRV_PAGE_DEFAULT;
  uint8_t after[STORE_PAGE_KEY_LEN], next[STORE_PAGE_KEY_LEN];
  bool have_after = page_token && *page_token;
  if (have_after && (strlen(page_token) != 2 * STORE_PAGE_KEY_LEN ||
                     srv_hex_decode(page_token, 2 * STORE_PAGE_KEY_LEN, after)))
    return SRV_EINVAL;
  uint64_t ids[SRV_PAGE_MAX];
  size_t n = 0, total = 0;
  bool more = false;
  if (srv_open_page(srv_app_pushidx(app), txn, rm_id, have_after ? after : NULL,
                    limit, ids, &n, &more, next, &total))
    return SRV_ESTORE;
  srv_buf out = {0};
  srv_art_cache *cache = calloc(1, sizeof *cache);
  int rc = cache ? SRV_OK : SRV_ESTORE;
  for (size_t i = 0; i < n && !rc; i++) {
    const void *raw;
    size_t len;
    if (store_opp_get_raw(txn, ids[i], &raw, &len)) {
      rc = SRV_ESTORE;
      break;
    }
    const srv_buf *arts[64];
    size_t na = 0, extra = 0;
    srv_span walk = {raw, len};
    srv_field f;
    while (!srv_next_field(&walk, &f))
      if (f.num == 5 && f.wt == 2 && na < 64) {
        const srv_buf *a = srv_articles_of(app, cache, txn, f.ld);
        if (a && a->n) {
          arts[na++] = a;
          extra += a->n;
        }
      }
    srv_buf_put(&out, "\x0a", 1); /* opportunities = 1 */
    srv_buf_varint(&out, len + extra);
    srv_buf_put(&out, raw, len);
    for (size_t j = 0; j < na; j++)
      srv_buf_put(&out, arts[j]->p, arts[j]->n);
  }
  if (!rc && more) {
    char hex[2 * STORE_PAGE_KEY_LEN + 1];
    srv_hex_encode(next, STORE_PAGE_KEY_LEN, hex);
    srv_buf_put(&out, "\x12", 1); /* next_page_token = 2 */
    srv_buf_varint(&out, 2 * STORE_PAGE_KEY_LEN);
    srv_buf_put(&out, hex, 2 * STORE_PAGE_KEY_LEN);
  }
  if (!rc && total) {
    srv_buf_put(&out, "\x18", 1); /* total = 3 */
    srv_buf_varint(&out, (uint32_t)total);
  }
  if (!rc && out.oom)
    rc = SRV_ESTORE;
  for (size_t i = 0; cache && i < cache->n; i++)
    free(cache->e[i].enc.p);
  free(cache);
  if (rc) {
    free(out.p);
    return rc;
  }
  if (!out.p) /* an empty list: a valid empty message */
    out.p = malloc(1);
  if (!out.p)
    return SRV_ESTORE;
  free(rep->msg);
  rep->msg = out.p;
  rep->len = out.n;
  rep->status = SRV_ST_OK;
  rep->details[0] = '\0';
  return SRV_OK;
}

/* ---- handlers ------------------------------------------------------------ */

/* The service names Health answers SERVING for ("" = the whole server). */
static const char *const srv_services[] = {
    "",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
    "oppgraph.v1.OpportunityService",
    "oppgraph.v1.EnterpriseService",
    "oppgraph.v1.IngestService",
    "oppgraph.v1.KnowledgeService",
};

bool srv_service_known(const char *name) {
  for (size_t i = 0; i < sizeof srv_services / sizeof srv_services[0]; i++)
    if (!strcmp(name, srv_services[i]))
      return true;
  return false;
}

static void srv_health_check(const srv_ctx *ctx, const ProtobufCMessage *msg,
                             srv_reply *rep) {
  const Grpc__Health__V1__HealthCheckRequest *req =
      (const Grpc__Health__V1__HealthCheckRequest *)msg;
  const char *svc = req->service ? req->service : "";
  if (!srv_service_known(svc)) {
    srv_reply_error(rep, SRV_ST_NOT_FOUND,
                    "unknown service '%.100s': this server has "
                    "oppgraph.v1.OpportunityService, EnterpriseService, "
                    "IngestService and KnowledgeService",
                    svc);
    return;
  }
  Grpc__Health__V1__HealthCheckResponse resp =
      GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
  resp.status =
      GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
  srv_reply_message(rep, &resp.base);
}

static void srv_list_push_list(const srv_ctx *ctx, const ProtobufCMessage *msg,
                               srv_reply *rep) {
  const Oppgraph__V1__ListPushListRequest *req =
      (const Oppgraph__V1__ListPushListRequest *)msg;
  if (req->page_size < 0 || req->page_size > SRV_PAGE_MAX) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "page_size %" PRId32 " is out of range: use 1..%d (0 = %d)",
                    req->page_size, SRV_PAGE_MAX, SRV_PAGE_DEFAULT);
    return;
  }
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  const char *target = req->rm_id && *req->rm_id ? req->rm_id : me->id;
  int rc = srv_may_read(txn, me, target);
  if (rc == SRV_EPERM)
    srv_reply_error(rep, SRV_ST_PERMISSION_DENIED,
                    "RM '%.60s' may not read the push list of RM '%.60s': only "
                    "their team lead or an admin may",
                    me->id, target);
  else if (rc == SRV_ENOTFOUND)
    srv_reply_error(rep, SRV_ST_NOT_FOUND, "no RM with id '%.100s'", target);
  else if (rc)
    srv_reply_error(rep, SRV_ST_INTERNAL, "checking access failed: %s",
                    srv_strerror(rc));
  if (rc)
    goto out;

  /* The page is a function of the request (with the target RM resolved)
   * and the store's commit: a page packed under this commit before is sent
   * again as it was (srv_respcache.c). */
  srv_respcache *cache = srv_app_respcache(ctx->app);
  uint64_t txn_id = store_txn_id(txn);
  uint8_t keybuf[512], *key = NULL;
  size_t keylen = 0;
  if (cache) {
    Oppgraph__V1__ListPushListRequest k = *req;
    k.rm_id = (char *)target;
    keylen = protobuf_c_message_get_packed_size(&k.base);
    if (keylen < sizeof keybuf) {
      key = keybuf;
      protobuf_c_message_pack(&k.base, key);
    }
  }
  if (key) {
    uint8_t *hit;
    size_t len;
    if (srv_respcache_get(cache, key, keylen, txn_id, &hit, &len)) {
      free(rep->msg);
      rep->msg = hit;
      rep->len = len;
      rep->status = SRV_ST_OK;
      rep->details[0] = '\0';
      goto out;
    }
  }

  Oppgraph__V1__ListPushListResponse *resp = NULL;
  if (srv_push_filtered(req))
    rc = srv_push_page_filtered(txn, target, req, &resp);
  else
    rc = srv_push_page_raw(ctx->app, txn, target, req->page_token,
                           req->page_size, rep);
  if (rc == SRV_EINVAL)
    srv_reply_error(
        rep, SRV_ST_INVALID_ARGUMENT,
        "page_token '%.40s' is not one this server gave: send the "
        "next_page_token of the previous page, or none for the first",
        req->page_token);
  else if (rc)
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "reading the push list of '%.60s' failed: %s", target,
                    store_last_error());
  else if (resp) {
    for (size_t i = 0; i < resp->n_opportunities; i++)
      srv_app_add_articles(ctx->app, txn, resp->opportunities[i]);
    srv_reply_message(rep, &resp->base);
    for (size_t i = 0; i < resp->n_opportunities; i++)
      srv_app_free_articles(resp->opportunities[i]);
  }
  srv_push_page_free(resp);
  if (key && rep->status == SRV_ST_OK)
    srv_respcache_put(cache, key, keylen, txn_id, rep->msg, rep->len);
out:
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}

static void srv_get_opportunity(const srv_ctx *ctx, const ProtobufCMessage *msg,
                                srv_reply *rep) {
  const Oppgraph__V1__GetOpportunityRequest *req =
      (const Oppgraph__V1__GetOpportunityRequest *)msg;
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  Oppgraph__V1__Opportunity *o = NULL;
  int rc = store_opp_get(txn, req->id, &o);
  /* Someone else's opportunity is reported exactly like a missing one, so
   * that probing ids does not reveal what exists. */
  if (rc == STORE_OK &&
      srv_may_read(txn, me, o->rm_id ? o->rm_id : "") != SRV_OK)
    rc = STORE_ENOTFOUND;
  if (rc == STORE_ENOTFOUND)
    srv_reply_error(rep, SRV_ST_NOT_FOUND,
                    "no opportunity %" PRIu64 " in your push list", req->id);
  else if (rc)
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "reading opportunity %" PRIu64 " failed: %s", req->id,
                    store_strerror(rc));
  else {
    srv_app_add_articles(ctx->app, txn, o);
    srv_reply_message(rep, &o->base);
    srv_app_free_articles(o);
  }
  if (o)
    oppgraph__v1__opportunity__free_unpacked(o, NULL);
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}

/* Registry fields are public record, but which RM owns a client, that it is
 * a client at all, and the bank's own credit_declined flag belong to that
 * RM's book: an RM who may not read the owner's data (srv_may_read: the
 * owner, their lead, an admin) gets the enterprise without them. */
static void srv_ent_redact(store_txn *txn, const Oppgraph__V1__Rm *me,
                           Oppgraph__V1__Enterprise *e) {
  if (!e->rm_id || !*e->rm_id || srv_may_read(txn, me, e->rm_id) == SRV_OK)
    return;
  if (e->rm_id != protobuf_c_empty_string)
    free(e->rm_id);
  e->rm_id = (char *)protobuf_c_empty_string;
  e->is_client = false;
  e->credit_declined = false;
}

static void srv_get_enterprise(const srv_ctx *ctx, const ProtobufCMessage *msg,
                               srv_reply *rep) {
  const Oppgraph__V1__GetEnterpriseRequest *req =
      (const Oppgraph__V1__GetEnterpriseRequest *)msg;
  if (req->key_case == OPPGRAPH__V1__GET_ENTERPRISE_REQUEST__KEY__NOT_SET ||
      (req->key_case == OPPGRAPH__V1__GET_ENTERPRISE_REQUEST__KEY_CREDIT_CODE &&
       !*req->credit_code) ||
      (req->key_case == OPPGRAPH__V1__GET_ENTERPRISE_REQUEST__KEY_NAME &&
       !*req->name)) {
    srv_reply_error(
        rep, SRV_ST_INVALID_ARGUMENT,
        "set one of id, credit_code or name to look an enterprise up");
    return;
  }
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  /* Registry data is public record: every authenticated caller may read it. */
  uint64_t id = 0;
  char key[160];
  int rc;
  switch (req->key_case) {
  case OPPGRAPH__V1__GET_ENTERPRISE_REQUEST__KEY_ID:
    id = req->id;
    snprintf(key, sizeof key, "id %" PRIu64, id);
    rc = STORE_OK;
    break;
  case OPPGRAPH__V1__GET_ENTERPRISE_REQUEST__KEY_CREDIT_CODE:
    snprintf(key, sizeof key, "credit code '%.100s'", req->credit_code);
    rc = store_ent_by_code(txn, req->credit_code, &id);
    break;
  default:
    snprintf(key, sizeof key, "name '%.120s'", req->name);
    rc = store_ent_by_name(txn, req->name, &id);
    break;
  }
  Oppgraph__V1__Enterprise *e = NULL;
  if (rc == STORE_OK)
    rc = store_ent_get(txn, id, &e);
  if (rc == STORE_ENOTFOUND)
    srv_reply_error(rep, SRV_ST_NOT_FOUND, "no enterprise with %s", key);
  else if (rc)
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "looking up the enterprise with %s failed: %s", key,
                    store_strerror(rc));
  else {
    srv_ent_redact(txn, me, e);
    srv_reply_message(rep, &e->base);
  }
  if (e)
    oppgraph__v1__enterprise__free_unpacked(e, NULL);
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}

/* The served methods.  Paths are the contract with clients: never rename. */
const srv_method srv_methods[] = {
    {"/grpc.health.v1.Health/Check",
     &grpc__health__v1__health_check_request__descriptor, srv_health_check,
     SRV_UNARY},
    {"/grpc.health.v1.Health/Watch",
     &grpc__health__v1__health_check_request__descriptor, NULL,
     SRV_SERVER_STREAM},
    {"/oppgraph.v1.OpportunityService/ListPushList",
     &oppgraph__v1__list_push_list_request__descriptor, srv_list_push_list,
     SRV_UNARY},
    {"/oppgraph.v1.OpportunityService/GetOpportunity",
     &oppgraph__v1__get_opportunity_request__descriptor, srv_get_opportunity,
     SRV_UNARY},
    {"/oppgraph.v1.OpportunityService/RecordFeedback",
     &oppgraph__v1__record_feedback_request__descriptor, srv_record_feedback,
     SRV_UNARY},
    {"/oppgraph.v1.OpportunityService/GetFunnel",
     &oppgraph__v1__get_funnel_request__descriptor, srv_get_funnel, SRV_UNARY},
    {"/oppgraph.v1.OpportunityService/StreamOpportunities",
     &oppgraph__v1__stream_opportunities_request__descriptor, NULL,
     SRV_SERVER_STREAM},
    {"/oppgraph.v1.EnterpriseService/GetEnterprise",
     &oppgraph__v1__get_enterprise_request__descriptor, srv_get_enterprise,
     SRV_UNARY},
    {"/oppgraph.v1.EnterpriseService/SearchEnterprises",
     &oppgraph__v1__search_enterprises_request__descriptor,
     srv_search_enterprises, SRV_UNARY},
    {"/oppgraph.v1.EnterpriseService/GetRelations",
     &oppgraph__v1__get_relations_request__descriptor, srv_get_relations,
     SRV_UNARY},
    {"/oppgraph.v1.EnterpriseService/GetGuaranteeCircles",
     &oppgraph__v1__get_guarantee_circles_request__descriptor, srv_get_circles,
     SRV_UNARY},
    {"/oppgraph.v1.EnterpriseService/GetUltimateControllers",
     &oppgraph__v1__get_ultimate_controllers_request__descriptor,
     srv_get_controllers, SRV_UNARY},
    {"/oppgraph.v1.EnterpriseService/ExportGraph",
     &oppgraph__v1__export_graph_request__descriptor, srv_export_graph,
     SRV_UNARY},
    {"/oppgraph.v1.EnterpriseService/GetRiskExposure",
     &oppgraph__v1__get_risk_exposure_request__descriptor,
     srv_get_risk_exposure, SRV_UNARY},
    {"/oppgraph.v1.EnterpriseService/GetRelatedParties",
     &oppgraph__v1__get_related_parties_request__descriptor, srv_get_related,
     SRV_UNARY},
    {"/oppgraph.v1.IngestService/SubmitDocuments",
     &oppgraph__v1__submit_documents_request__descriptor, srv_submit_documents,
     SRV_UNARY},
    {"/oppgraph.v1.KnowledgeService/Search",
     &oppgraph__v1__kb_search_request__descriptor, srv_kb_search, SRV_UNARY},
    /* v1alpha and v1 messages are the same on the wire: one decoder. */
    {"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
     &grpc__reflection__v1__server_reflection_request__descriptor,
     srv_reflection, SRV_BIDI},
    {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
     &grpc__reflection__v1__server_reflection_request__descriptor,
     srv_reflection, SRV_BIDI},
};
const size_t srv_methods_len = sizeof srv_methods / sizeof srv_methods[0];
