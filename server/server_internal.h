/*
 * server_internal.h — the seam between the gRPC plumbing (srv_grpc.c), which
 * knows calls, completion queues and status codes but nothing of
 * opportunities, and the handlers (srv_handlers.c), which know the store and
 * nothing of gRPC objects.  Handlers are a table of {path, request
 * descriptor, handler}; the plumbing decodes the request with the descriptor,
 * calls the handler and sends what it put in srv_reply.
 */
#ifndef OPPGRAPH_SERVER_INTERNAL_H
#define OPPGRAPH_SERVER_INTERNAL_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "server/server.h"

/* gRPC status codes (numbers fixed by the gRPC protocol, same as
 * grpc_status_code) so that handlers need not include grpc.h. */
enum srv_status {
  SRV_ST_OK = 0,
  SRV_ST_INVALID_ARGUMENT = 3,
  SRV_ST_DEADLINE_EXCEEDED = 4,
  SRV_ST_NOT_FOUND = 5,
  SRV_ST_PERMISSION_DENIED = 7,
  SRV_ST_RESOURCE_EXHAUSTED = 8,
  SRV_ST_FAILED_PRECONDITION = 9,
  SRV_ST_UNIMPLEMENTED = 12,
  SRV_ST_INTERNAL = 13,
  SRV_ST_UNAVAILABLE = 14,
  SRV_ST_UNAUTHENTICATED = 16,
};

/* The handlers' shared state (srv_app.c): the store, the lazily loaded
 * extraction rules / dictionary / product matrix / knowledge base, the one
 * writer lock, the rate limiter, and how to wake streams after a write. */
typedef struct srv_app srv_app;

/* What a handler gets: the store, the caller's bearer token (NULL when the
 * call had no usable authorization metadata) and the shared state. */
typedef struct srv_ctx {
  store *st;
  const char *bearer;
  srv_app *app;
} srv_ctx;

/* What a handler gives back.  On SRV_ST_OK, msg is the packed response
 * (malloc'd, the plumbing frees it); otherwise details says what is wrong and
 * what to do.  rm_id names the authenticated caller for the log. */
typedef struct srv_reply {
  int status;
  char details[256];
  uint8_t *msg;
  size_t len;
  char rm_id[64];
} srv_reply;

typedef void (*srv_handler_fn)(const srv_ctx *ctx, const ProtobufCMessage *req,
                               srv_reply *rep);

typedef enum srv_kind {
  SRV_UNARY,         /* one request, one reply: fn */
  SRV_SERVER_STREAM, /* one request, replies from the stream functions */
  SRV_BIDI,          /* request/reply pairs on one call (reflection): fn per
                        request until the client half-closes */
} srv_kind;

typedef struct srv_method {
  const char *path; /* "/package.Service/Method" */
  const ProtobufCMessageDescriptor *req_desc;
  srv_handler_fn fn;
  srv_kind kind;
} srv_method;

/* Is name a service Health reports on ("" = the server)? */
bool srv_service_known(const char *name);

/* The handler table (srv_handlers.c). */
extern const srv_method srv_methods[];
extern const size_t srv_methods_len;

/* Handlers outside srv_handlers.c (same signature as srv_handler_fn). */
#define SRV_HANDLER(name)                                                      \
  void name(const srv_ctx *ctx, const ProtobufCMessage *msg, srv_reply *rep)
SRV_HANDLER(srv_record_feedback);    /* srv_feedback.c */
SRV_HANDLER(srv_get_funnel);         /* srv_feedback.c */
SRV_HANDLER(srv_search_enterprises); /* srv_enterprise.c */
SRV_HANDLER(srv_get_relations);
SRV_HANDLER(srv_get_circles);
SRV_HANDLER(srv_get_controllers);
SRV_HANDLER(srv_get_related);
SRV_HANDLER(srv_export_graph);
SRV_HANDLER(srv_get_risk_exposure);
SRV_HANDLER(srv_submit_documents); /* srv_ingest.c */
SRV_HANDLER(srv_kb_search);
SRV_HANDLER(srv_reflection); /* srv_reflect.c, one request of a bidi call */

/* ---- shared state (srv_app.c) -------------------------------------------- */
int srv_app_new(store *st, const srv_config *cfg, srv_app **out);
void srv_app_free(srv_app *app);
/* Replaces the rate limit (SIGHUP). */
void srv_app_set_rate(srv_app *app, double rate, double burst);
/* Who wakes the streams after a committed write (the plumbing). */
void srv_app_on_write(srv_app *app, void (*fn)(void *), void *ctx);
/* Opens the read transaction, authenticates the bearer token and applies
 * the rate limit.  On failure rep is set (UNAUTHENTICATED,
 * RESOURCE_EXHAUSTED, INTERNAL) and nothing needs releasing. */
int srv_begin_auth(const srv_ctx *ctx, srv_reply *rep, store_txn **txn,
                   Oppgraph__V1__Rm **rm);
/* The KB articles (up to max ids) about a product as Opportunity.products
 * names it ("履约保函"): articles list product ids of data/products.json
 * ("PERF_GUARANTEE"), or the name itself.  0 when none (or on a store
 * error: the field is an extra, the reply goes on without it). */
size_t srv_app_product_articles(srv_app *app, store_txn *txn,
                                const char *product, uint64_t *ids, size_t max);
/* Fills o->product_articles from the knowledge base (a served field). */
void srv_app_add_articles(srv_app *app, store_txn *txn,
                          Oppgraph__V1__Opportunity *o);
void srv_app_free_articles(Oppgraph__V1__Opportunity *o);
/* The writer: lock, lazily load rules / dictionary / product matrix (err
 * says what failed), unlock.  Writes happen only between lock and unlock. */
int srv_app_writer_lock(srv_app *app, char *err, size_t errlen);
void srv_app_writer_unlock(srv_app *app);
/* Unix seconds for a write: strictly increasing within this server, so that
 * two writes in one second still give distinct updated_at versions. */
int64_t srv_app_now(srv_app *app);
/* Tells the plumbing that a write committed (streams look for new pushes). */
void srv_app_notify(srv_app *app);
bool srv_app_read_only(const srv_app *app);
/* What SubmitDocuments and opp_generate need (valid under the writer lock). */
struct ingest_config;
struct opp_config;
struct opp_funnel_warning;
const struct ingest_config *srv_app_ingest_cfg(srv_app *app);
const struct opp_config *srv_app_opp_cfg(srv_app *app);
/* The data directory (rules, dictionaries, data/opportunity.json). */
const char *srv_app_data_dir(const srv_app *app);
/* GetFunnel's thresholds (funnel_warning in <data>/opportunity.json), read at
 * the first call and kept: an OPP_* error with err filled in. */
int srv_app_funnel_warning(srv_app *app, struct opp_funnel_warning *out,
                           char *err, size_t errlen);
/* The knowledge base, opened on first use; NULL with err set when the data
 * directory has none. */
struct kb;
const struct kb *srv_app_kb(srv_app *app, char *err, size_t errlen);
/* ---- streams (srv_stream.c): what a streaming call delivers ----------------
 */
typedef struct srv_sub {
  int method;     /* index in srv_methods */
  char rm_id[64]; /* the caller */
  int role;       /* Oppgraph__V1__Role */
  char team[64];
  char target[64]; /* RM whose pushes are wanted; "*" = all visible */
  uint64_t seq;    /* last push sequence delivered or skipped */
  int sent;        /* messages sent (Health/Watch sends one) */
  char token_id[SRV_TOKEN_ID_LEN + 1]; /* re-checked at every wake-up: a
                                          revoked token's stream ends */
} srv_sub;
/* Authenticates a streaming call and positions it.  0, or -1 with rep set. */
int srv_stream_open(const srv_ctx *ctx, const ProtobufCMessage *req,
                    srv_sub *sub, srv_reply *rep);
/* The next message for sub: 1 packed into rep (sub advanced), 0 nothing now,
 * -1 error in rep.  stopping: the server is shutting down (Health/Watch says
 * NOT_SERVING once). */
/* What one wake-up of many streams shares: one read transaction and the
 * last push packed (every subscriber of a push gets the same bytes). */
typedef struct srv_push_cache {
  store_txn *txn; /* NULL: srv_stream_next opens its own */
  uint64_t seq;   /* 0 = empty */
  char rm_id[64];
  bool gone; /* the opportunity of seq no longer exists */
  uint8_t *msg;
  size_t len;
} srv_push_cache;
void srv_push_cache_destroy(srv_push_cache *pc);
int srv_stream_next(const srv_ctx *ctx, srv_sub *sub, bool stopping,
                    srv_reply *rep, srv_push_cache *pc);
/* For stores written before store_opp_put logged pushes: logs, in one write
 * transaction, every opportunity whose version is newer than what the push
 * log has for it (the server runs it once at start, before it serves;
 * a store written since logs nothing here).  *n: how many. */
int srv_push_sync(store *st, size_t *n);
/* The opportunities the push log gained after sequence `after`, each once,
 * in id order (malloc'd, NULL when none). */
int srv_push_since(store *st, uint64_t after, uint64_t **ids, size_t *n);

/* ---- the default push list (srv_pushidx.c) --------------------------------
 * One page of rm_id's open opportunities (not expired, rejected or won):
 * up to limit ids after the page key `after` (NULL: from the best), *more
 * when open ones follow, next_key the key of the last id returned, *total
 * the RM's open count.  px caches each RM's open list per store commit
 * (NULL: no cache, the RM's records are read every time). */
/* FNV-1a (64-bit) of n bytes: the slot or bucket of the per-commit caches
 * (push lists, packed pages, token memo); not for anything an attacker may
 * aim collisions at beyond making two keys share a slot. */
static inline uint64_t srv_fnv1a(const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

typedef struct srv_pushidx srv_pushidx;
int srv_pushidx_new(srv_pushidx **out);
void srv_pushidx_free(srv_pushidx *px);
int srv_open_page(srv_pushidx *px, store_txn *txn, const char *rm_id,
                  const uint8_t *after, size_t limit, uint64_t *ids, size_t *n,
                  bool *more, uint8_t next_key[STORE_PAGE_KEY_LEN],
                  size_t *total);
/* The server's cache (NULL when app is NULL). */
srv_pushidx *srv_app_pushidx(srv_app *app);
/* Expired, rejected and won: left out of a push list unless asked for. */
bool srv_opp_closed(uint64_t status);

/* ---- the token memo (srv_auth.c) -------------------------------------------
 * srv_token_verify with the successful checks remembered per token id and
 * store commit id: the same secret under the same commit is not hashed
 * again; any commit (a revoke included) makes the next call check the store.
 * m NULL: plain srv_token_verify. */
typedef struct srv_tokmemo srv_tokmemo;
int srv_tokmemo_new(srv_tokmemo **out);
void srv_tokmemo_free(srv_tokmemo *m);
int srv_token_verify_memo(srv_tokmemo *m, store_txn *txn, const char *token,
                          Oppgraph__V1__Rm **rm_out);
/* Checks answered from the memo and checks made in full, since it began. */
void srv_tokmemo_stats(srv_tokmemo *m, uint64_t *hits, uint64_t *misses);
/* Whether these bytes appear anywhere in the memo's slots (for tests: the
 * memo must not hold live secrets). */
bool srv_tokmemo_holds(srv_tokmemo *m, const void *bytes, size_t len);

/* ---- packed responses per store commit (srv_respcache.c) -------------------
 * A response is a function of its request and the store: under one commit
 * id the same key always packs to the same bytes, so they are kept per
 * (key, commit id) and a hit is exact.  A fixed number of slots, one per key
 * hash; a later commit or a colliding key replaces a slot.  Responses larger
 * than SRV_RC_MAX_BYTES are not kept. */
#define SRV_RC_MAX_BYTES (256u << 10)
typedef struct srv_respcache srv_respcache;
int srv_respcache_new(srv_respcache **out);
void srv_respcache_free(srv_respcache *rc);
/* 1 and a malloc'd copy of the bytes in *msg, *len on a hit; 0 on a miss
 * (and when out of memory). */
int srv_respcache_get(srv_respcache *rc, const uint8_t *key, size_t keylen,
                      uint64_t txn_id, uint8_t **msg, size_t *len);
/* Keeps a copy of msg as the response of (key, txn_id). */
void srv_respcache_put(srv_respcache *rc, const uint8_t *key, size_t keylen,
                       uint64_t txn_id, const uint8_t *msg, size_t len);
void srv_respcache_stats(srv_respcache *rc, uint64_t *hits, uint64_t *misses);
/* The server's caches (NULL when app is NULL). */
srv_respcache *srv_app_respcache(srv_app *app);
srv_tokmemo *srv_app_tokmemo(srv_app *app);

/* Sets rep to an error status with a printf-style message. */
void srv_reply_error(srv_reply *rep, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Packs msg into rep with status OK (INTERNAL when out of memory). */
void srv_reply_message(srv_reply *rep, const ProtobufCMessage *msg);

/* The protobuf wire format, read directly (srv_reflect.c): for the
 * descriptor set and for stored records sent without decoding them. */
typedef struct srv_span {
  const uint8_t *p;
  size_t n;
} srv_span;
typedef struct srv_field {
  uint32_t num;
  int wt;      /* wire type */
  uint64_t v;  /* varint value */
  srv_span ld; /* length-delimited payload */
} srv_field;
/* Reads the next field of s: 0 ok, -1 at the end or on malformed input. */
int srv_next_field(srv_span *s, srv_field *f);

/* Hex helpers used by tokens and page tokens: 0 ok, -1 not hex / wrong size. */
void srv_hex_encode(const uint8_t *in, size_t n, char *out);
int srv_hex_decode(const char *in, size_t hexlen, uint8_t *out);

#endif
