/*
 * srv_app.c — the state every handler shares: the store, the one writer
 * lock, what writes need (extraction rules, the name dictionary, the product
 * matrix) and the knowledge base, both loaded on first use so that a
 * read-only replica or a server nobody writes to never pays for them; the
 * per-token rate limiter; authentication; the per-commit caches (open push
 * lists, packed ListPushList pages, token checks: each keyed on the store's
 * commit id, so that any commit makes them miss); and the hook that wakes
 * streams after a committed write.
 *
 * Rate limit: a token bucket per token id (the public half of the bearer
 * token) in a small chained hash table under one mutex, refilled at `rate`
 * a second up to `burst`.  Entries are never evicted: there are as many as
 * issued tokens that called, a few thousand at most.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/ingest.h"
#include "kb/kb.h"
#include "opportunity/opportunity.h"
#include "server/server_internal.h"

#define SRV_RL_BUCKETS 1024
#define SRV_UNAUTH_HINT                                                        \
  "send metadata 'authorization: Bearer <token>'; an administrator issues "    \
  "one with 'oppgraph token issue --db DIR --rm RM_ID'"

typedef struct srv_rl {
  struct srv_rl *next;
  char id[SRV_TOKEN_ID_LEN + 1];
  double tokens;
  double last; /* monotonic seconds */
} srv_rl;

struct srv_app {
  store *st;
  bool read_only;
  char data_dir[1024];

  pthread_mutex_t writer;
  bool write_loaded;
  nlp_rules *rules;
  nlp_dict *dict;
  opp_config *ocfg;
  ingest_config icfg;
  char dict_dir[1100], schema[1100];
  int64_t last_now;

  /* The product matrix as the read paths use it (GetFunnel's thresholds,
   * product names to ids for KB articles): read once, guarded by kb_mu,
   * then never changed until srv_app_free.  Not the writer's ocfg, which
   * is loaded only for writes (and never on a replica). */
  atomic_bool rcfg_ready; /* set once the fields below are final: read
                             without kb_mu from then on */
  int rcfg_rc;
  char rcfg_err[512];
  opp_config *rcfg;

  pthread_mutex_t kb_mu;
  kb *kb;
  bool kb_tried;
  char kb_err[512];

  pthread_mutex_t rl_mu;
  double rate, burst;
  srv_rl *rl[SRV_RL_BUCKETS];

  void (*notify)(void *);
  void *notify_ctx;

  srv_pushidx *pushidx;     /* open push lists per RM and commit */
  srv_respcache *respcache; /* packed ListPushList pages per commit */
  srv_tokmemo *tokmemo;     /* token checks per token id and commit */
};

int srv_app_new(store *st, const srv_config *cfg, srv_app **out) {
  srv_app *a = calloc(1, sizeof *a);
  if (!a)
    return SRV_ESYS;
  a->st = st;
  a->read_only = cfg->read_only;
  snprintf(a->data_dir, sizeof a->data_dir, "%s",
           cfg->data_dir && *cfg->data_dir ? cfg->data_dir : "data");
  pthread_mutex_init(&a->writer, NULL);
  pthread_mutex_init(&a->kb_mu, NULL);
  pthread_mutex_init(&a->rl_mu, NULL);
  srv_app_set_rate(a, cfg->rate_limit, cfg->rate_burst);
  if (srv_pushidx_new(&a->pushidx) || srv_respcache_new(&a->respcache) ||
      srv_tokmemo_new(&a->tokmemo)) {
    srv_app_free(a);
    return SRV_ESYS;
  }
  *out = a;
  return SRV_OK;
}

void srv_app_free(srv_app *a) {
  if (!a)
    return;
  for (size_t i = 0; i < SRV_RL_BUCKETS; i++)
    for (srv_rl *e = a->rl[i], *n; e; e = n) {
      n = e->next;
      free(e);
    }
  nlp_rules_free(a->rules);
  nlp_dict_free(a->dict);
  opp_config_free(a->ocfg);
  opp_config_free(a->rcfg);
  kb_close(a->kb);
  srv_pushidx_free(a->pushidx);
  srv_respcache_free(a->respcache);
  srv_tokmemo_free(a->tokmemo);
  pthread_mutex_destroy(&a->writer);
  pthread_mutex_destroy(&a->kb_mu);
  pthread_mutex_destroy(&a->rl_mu);
  free(a);
}

void srv_app_set_rate(srv_app *a, double rate, double burst) {
  pthread_mutex_lock(&a->rl_mu);
  a->rate = rate > 0 ? rate : 0;
  a->burst = burst > 0 ? burst : (a->rate > 1 ? a->rate : 1);
  pthread_mutex_unlock(&a->rl_mu);
}

void srv_app_on_write(srv_app *a, void (*fn)(void *), void *ctx) {
  a->notify = fn;
  a->notify_ctx = ctx;
}

void srv_app_notify(srv_app *a) {
  if (a->notify)
    a->notify(a->notify_ctx);
}

srv_pushidx *srv_app_pushidx(srv_app *a) {
  return a ? a->pushidx : NULL;
}

srv_respcache *srv_app_respcache(srv_app *a) {
  return a ? a->respcache : NULL;
}

srv_tokmemo *srv_app_tokmemo(srv_app *a) {
  return a ? a->tokmemo : NULL;
}

bool srv_app_read_only(const srv_app *a) {
  return a->read_only;
}

static double srv_mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* true when the token id may make one more call now. */
static bool srv_rate_take(srv_app *a, const char *bearer, double *retry) {
  *retry = 0;
  pthread_mutex_lock(&a->rl_mu);
  if (a->rate <= 0) {
    pthread_mutex_unlock(&a->rl_mu);
    return true;
  }
  unsigned h = 2166136261u;
  for (int i = 0; i < SRV_TOKEN_ID_LEN && bearer[i]; i++)
    h = (h ^ (unsigned char)bearer[i]) * 16777619u;
  srv_rl **slot = &a->rl[h % SRV_RL_BUCKETS], *e = *slot;
  while (e && strncmp(e->id, bearer, SRV_TOKEN_ID_LEN))
    e = e->next;
  double now = srv_mono();
  if (!e) {
    e = calloc(1, sizeof *e);
    if (!e) { /* cannot track it: let it through rather than refuse */
      pthread_mutex_unlock(&a->rl_mu);
      return true;
    }
    memcpy(e->id, bearer, SRV_TOKEN_ID_LEN);
    e->tokens = a->burst;
    e->last = now;
    e->next = *slot;
    *slot = e;
  }
  e->tokens = fmin(a->burst, e->tokens + (now - e->last) * a->rate);
  e->last = now;
  bool ok = e->tokens >= 1;
  if (ok)
    e->tokens -= 1;
  else
    *retry = (1 - e->tokens) / a->rate;
  pthread_mutex_unlock(&a->rl_mu);
  return ok;
}

int srv_begin_auth(const srv_ctx *ctx, srv_reply *rep, store_txn **txn,
                   Oppgraph__V1__Rm **rm) {
  *txn = NULL;
  *rm = NULL;
  if (!ctx->bearer) {
    srv_reply_error(
        rep, SRV_ST_UNAUTHENTICATED,
        "missing or malformed authorization metadata: " SRV_UNAUTH_HINT);
    return -1;
  }
  if (store_begin(ctx->st, false, txn)) {
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "cannot open a store read transaction: %s",
                    store_last_error());
    return -1;
  }
  int rc =
      srv_token_verify_memo(srv_app_tokmemo(ctx->app), *txn, ctx->bearer, rm);
  if (rc) {
    store_abort(*txn);
    *txn = NULL;
    if (rc == SRV_EAUTH)
      srv_reply_error(rep, SRV_ST_UNAUTHENTICATED,
                      "token unknown, revoked or wrong: " SRV_UNAUTH_HINT);
    else
      srv_reply_error(rep, SRV_ST_INTERNAL, "checking the token failed: %s",
                      srv_strerror(rc));
    return -1;
  }
  snprintf(rep->rm_id, sizeof rep->rm_id, "%s", (*rm)->id);
  double retry;
  if (ctx->app && !srv_rate_take(ctx->app, ctx->bearer, &retry)) {
    srv_reply_error(rep, SRV_ST_RESOURCE_EXHAUSTED,
                    "rate limit of this token exceeded (%.6g calls a second, "
                    "burst %.6g): retry in %.0f ms",
                    ctx->app->rate, ctx->app->burst, ceil(retry * 1000));
    oppgraph__v1__rm__free_unpacked(*rm, NULL);
    *rm = NULL;
    store_abort(*txn);
    *txn = NULL;
    return -1;
  }
  return 0;
}

/* ---- the writer -----------------------------------------------------------
 */

static void srv_rule_diag(void *ctx, const char *file, int line,
                          const char *msg) {
  (void)ctx;
  fprintf(stderr, "oppgraph: rules: %s:%d: %s\n", file, line, msg);
}

static void srv_ingest_diag(void *ctx, const char *path, const char *msg) {
  (void)ctx;
  fprintf(stderr, "oppgraph: ingest: %s: %s\n", path, msg);
}

int srv_app_writer_lock(srv_app *a, char *err, size_t errlen) {
  pthread_mutex_lock(&a->writer);
  if (a->write_loaded)
    return SRV_OK;
  char rules_dir[1100];
  snprintf(rules_dir, sizeof rules_dir, "%s/rules", a->data_dir);
  snprintf(a->dict_dir, sizeof a->dict_dir, "%s/dict", a->data_dir);
  snprintf(a->schema, sizeof a->schema, "%s/schema/registry.xsd", a->data_dir);
  int rc = opp_config_load(a->data_dir, &a->ocfg, err, errlen);
  if (rc) {
    if (rc != OPP_ECONFIG)
      snprintf(err, errlen, "%s: %s", a->data_dir, opp_strerror(rc));
    goto fail;
  }
  rc = nlp_rules_load_dir(rules_dir, srv_rule_diag, NULL, &a->rules);
  if (rc && rc != NLP_ERULE) {
    snprintf(err, errlen, "cannot load rules from %s: %s", rules_dir,
             nlp_strerror(rc));
    goto fail;
  }
  rc = ingest_build_dict(a->st, a->dict_dir, &a->dict);
  if (rc) {
    snprintf(err, errlen, "cannot build the name dictionary from %s: %s",
             a->dict_dir, ingest_strerror(rc));
    goto fail;
  }
  a->icfg = (ingest_config){.rules = a->rules,
                            .dict = a->dict,
                            .schema_path = a->schema,
                            .diag = srv_ingest_diag};
  a->write_loaded = true;
  return SRV_OK;
fail:
  nlp_rules_free(a->rules);
  a->rules = NULL;
  nlp_dict_free(a->dict);
  a->dict = NULL;
  opp_config_free(a->ocfg);
  a->ocfg = NULL;
  pthread_mutex_unlock(&a->writer);
  return SRV_EINVAL;
}

void srv_app_writer_unlock(srv_app *a) {
  pthread_mutex_unlock(&a->writer);
}

int64_t srv_app_now(srv_app *a) {
  int64_t now = (int64_t)time(NULL);
  if (now <= a->last_now)
    now = a->last_now + 1;
  a->last_now = now;
  return now;
}

const struct ingest_config *srv_app_ingest_cfg(srv_app *a) {
  return &a->icfg;
}
const struct opp_config *srv_app_opp_cfg(srv_app *a) {
  return a->ocfg;
}
const char *srv_app_data_dir(const srv_app *a) {
  return a->data_dir;
}

/* Reads the product matrix for the read paths (under kb_mu, once). */
static void srv_app_rcfg_load(srv_app *a) {
  a->rcfg_rc =
      opp_config_load(a->data_dir, &a->rcfg, a->rcfg_err, sizeof a->rcfg_err);
  if (a->rcfg_rc != OPP_OK && a->rcfg_rc != OPP_ECONFIG)
    snprintf(a->rcfg_err, sizeof a->rcfg_err, "%.400s: %s", a->data_dir,
             opp_strerror(a->rcfg_rc));
  if (a->rcfg_rc != OPP_OK) {
    opp_config_free(a->rcfg);
    a->rcfg = NULL;
  }
  atomic_store_explicit(&a->rcfg_ready, true, memory_order_release);
}

/* The read paths' product matrix (NULL when it cannot be read: *rc and
 * err say why).  Loaded at the first call; a failed load is not retried, as
 * the file is read at most once per process like the rest of data/. */
static const opp_config *srv_app_rcfg(srv_app *a, int *rc, char *err,
                                      size_t errlen) {
  /* Once ready the fields never change: read without the lock (the hot
   * path of every push-list page). */
  if (!atomic_load_explicit(&a->rcfg_ready, memory_order_acquire)) {
    pthread_mutex_lock(&a->kb_mu);
    if (!atomic_load_explicit(&a->rcfg_ready, memory_order_relaxed))
      srv_app_rcfg_load(a);
    pthread_mutex_unlock(&a->kb_mu);
  }
  *rc = a->rcfg_rc;
  if (err && !a->rcfg)
    snprintf(err, errlen, "%s", a->rcfg_err);
  return a->rcfg;
}

int srv_app_funnel_warning(srv_app *a, opp_funnel_warning *out, char *err,
                           size_t errlen) {
  int rc;
  const opp_config *c = srv_app_rcfg(a, &rc, err, errlen);
  if (c)
    opp_config_funnel_warning(c, out);
  return rc;
}

const struct kb *srv_app_kb(srv_app *a, char *err, size_t errlen) {
  pthread_mutex_lock(&a->kb_mu);
  if (!a->kb_tried) {
    a->kb_tried = true;
    kb_diag d = {{0}};
    int rc = kb_open(a->data_dir, NULL, &a->kb, &d);
    if (rc) {
      snprintf(a->kb_err, sizeof a->kb_err, "%s: %.400s", kb_strerror(rc),
               d.msg[0] ? d.msg : a->data_dir);
      a->kb = NULL;
    }
  }
  kb *k = a->kb;
  if (!k)
    snprintf(err, errlen, "%s", a->kb_err);
  pthread_mutex_unlock(&a->kb_mu);
  return k;
}

/* ---- KB articles of recommended products ----------------------------------
 */

size_t srv_app_product_articles(srv_app *a, store_txn *txn, const char *product,
                                uint64_t *ids, size_t max) {
  int rc;
  const opp_config *pc = srv_app_rcfg(a, &rc, NULL, 0);
  const char *id = pc ? opp_config_product_id(pc, product) : NULL;
  size_t k = 0;
  kb_diag d;
  if (id && kb_product_articles(txn, id, ids, max, &k, &d))
    k = 0;
  if (!k && (!id || strcmp(id, product)) &&
      kb_product_articles(txn, product, ids, max, &k, &d))
    k = 0;
  return k;
}

void srv_app_add_articles(srv_app *a, store_txn *txn,
                          Oppgraph__V1__Opportunity *o) {
  if (!o->n_products || o->n_product_articles)
    return;

  Oppgraph__V1__ProductArticles **pa = calloc(o->n_products, sizeof *pa);
  if (!pa)
    return;
  size_t n = 0;
  for (size_t i = 0; i < o->n_products; i++) {
    uint64_t ids[16];
    size_t k = srv_app_product_articles(a, txn, o->products[i], ids, 16);
    if (!k)
      continue;
    Oppgraph__V1__ProductArticles *p = calloc(1, sizeof *p);
    uint64_t *v = malloc(k * sizeof *v);
    if (!p || !v) {
      free(p);
      free(v);
      break;
    }
    oppgraph__v1__product_articles__init(p);
    /* Borrowed: the opportunity owns the product string. */
    p->product = o->products[i];
    memcpy(v, ids, k * sizeof *v);
    p->article_ids = v;
    p->n_article_ids = k;
    pa[n++] = p;
  }
  if (!n) {
    free(pa);
    return;
  }
  o->product_articles = pa;
  o->n_product_articles = n;
}

/* Undoes srv_app_add_articles before the opportunity is freed with
 * free_unpacked (which would free the borrowed product strings twice). */
void srv_app_free_articles(Oppgraph__V1__Opportunity *o) {
  for (size_t i = 0; i < o->n_product_articles; i++) {
    free(o->product_articles[i]->article_ids);
    free(o->product_articles[i]);
  }
  free(o->product_articles);
  o->product_articles = NULL;
  o->n_product_articles = 0;
}
