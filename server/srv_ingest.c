/*
 * srv_ingest.c — IngestService.SubmitDocuments, KnowledgeService.Search and
 * the push-log synchronisation both the writer paths end with.
 *
 * SubmitDocuments runs under the server's one writer lock: every document of
 * the call goes through ingest_document inside one write transaction (all or
 * none), then graph_update_circles brings the stored guarantee circles up
 * to date with the new guarantee edges (incremental, its own transaction),
 * opp_generate regenerates opportunities (its own transaction; every
 * opportunity it changes goes into the push log as it is put) and the
 * streams are woken.  The events of a new document are the event ids the
 * call added: meta "seq.evt" read before and after each document; its
 * opportunities are those the push log gained during the call.
 *
 * srv_push_sync is for stores written before store_opp_put logged pushes:
 * the server runs it once at start.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "ingest/ingest.h"
#include "kb/kb.h"
#include "opportunity/opportunity.h"
#include "server/server_internal.h"

#define SRV_DOCS_MAX 100

/* ---- push log
 * ---------------------------------------------------------------- */

typedef struct srv_sync {
  store_txn *txn;
  size_t n;
} srv_sync;

static int srv_sync_opp(void *ctx, const Oppgraph__V1__Opportunity *o) {
  srv_sync *s = ctx;
  bool appended;
  /* Appending while store_opp_foreach's cursor walks opp is fine: the log
   * lives in meta, another database. */
  int rc = store_push_opp(s->txn, o, &appended);
  s->n += appended;
  return rc;
}

int srv_push_sync(store *st, size_t *n) {
  srv_sync s = {0};
  *n = 0;
  if (store_begin(st, true, &s.txn))
    return SRV_ESTORE;
  int rc = store_opp_foreach(s.txn, srv_sync_opp, &s);
  if (rc) {
    store_abort(s.txn);
    fprintf(stderr, "oppgraph: updating the push log failed: %s (%s)\n",
            store_strerror(rc), store_last_error());
    return SRV_ESTORE;
  }
  /* Nothing to log: no commit (the store watcher compares commit ids). */
  if (!s.n) {
    store_abort(s.txn);
    return SRV_OK;
  }
  if (store_commit(s.txn))
    return SRV_ESTORE;
  *n = s.n;
  return SRV_OK;
}

static int srv_cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The opportunities of the push log's entries after sequence `after`, each
 * once, in id order (malloc'd; NULL when none). */
int srv_push_since(store *st, uint64_t after, uint64_t **ids, size_t *n) {
  *ids = NULL;
  *n = 0;
  store_txn *txn;
  if (store_begin(st, false, &txn))
    return SRV_ESTORE;
  size_t cap = 0;
  uint64_t seq, id;
  int rc;
  while (!(rc = store_push_next(txn, after, &seq, &id))) {
    after = seq;
    if (*n == cap) {
      cap = cap ? 2 * cap : 64;
      uint64_t *nv = realloc(*ids, cap * sizeof *nv);
      if (!nv) {
        rc = STORE_ENOMEM;
        break;
      }
      *ids = nv;
    }
    (*ids)[(*n)++] = id;
  }
  store_abort(txn);
  if (rc != STORE_ENOTFOUND) {
    free(*ids);
    *ids = NULL;
    *n = 0;
    return SRV_ESTORE;
  }
  if (*n) {
    qsort(*ids, *n, sizeof **ids, srv_cmp_u64);
    size_t u = 1;
    for (size_t i = 1; i < *n; i++)
      if ((*ids)[i] != (*ids)[u - 1])
        (*ids)[u++] = (*ids)[i];
    *n = u;
  }
  return SRV_OK;
}

/* ---- SubmitDocuments
 * ----------------------------------------------------------- */

static int srv_seq_evt(store_txn *txn, uint64_t *v) {
  const void *p;
  size_t len;
  int rc = store_meta_get(txn, "seq.evt", &p, &len);
  if (rc == STORE_ENOTFOUND) {
    *v = 0;
    return 0;
  }
  if (rc)
    return rc;
  if (len != 8)
    return STORE_ECORRUPT;
  *v = store_be_u64(p);
  return 0;
}

static char *srv_or(const char *s, const char *dflt) {
  return (char *)(s && *s ? s : dflt);
}

SRV_HANDLER(srv_submit_documents) {
  const Oppgraph__V1__SubmitDocumentsRequest *req =
      (const Oppgraph__V1__SubmitDocumentsRequest *)msg;
  if (!req->n_documents || req->n_documents > SRV_DOCS_MAX) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "%zu documents: send 1..%d per call", req->n_documents,
                    SRV_DOCS_MAX);
    return;
  }
  for (size_t i = 0; i < req->n_documents; i++)
    if (!req->documents[i]->text || !*req->documents[i]->text) {
      srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                      "documents[%zu] (external_id '%.60s') has no text", i,
                      req->documents[i]->external_id);
      return;
    }
  store_txn *rtxn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &rtxn, &me))
    return;
  store_abort(rtxn);
  if (me->role != OPPGRAPH__V1__ROLE__ROLE_ADMIN) {
    srv_reply_error(rep, SRV_ST_PERMISSION_DENIED,
                    "RM '%.60s' may not submit documents: ask an admin (or "
                    "use 'oppgraph ingest')",
                    me->id);
    oppgraph__v1__rm__free_unpacked(me, NULL);
    return;
  }
  if (srv_app_read_only(ctx->app)) {
    srv_reply_error(rep, SRV_ST_FAILED_PRECONDITION,
                    "this server is a read-only replica: submit documents to "
                    "the primary");
    oppgraph__v1__rm__free_unpacked(me, NULL);
    return;
  }
  char err[600];
  if (srv_app_writer_lock(ctx->app, err, sizeof err)) {
    srv_reply_error(rep, SRV_ST_FAILED_PRECONDITION,
                    "the server cannot extract: %.200s", err);
    oppgraph__v1__rm__free_unpacked(me, NULL);
    return;
  }
  size_t nd = req->n_documents;
  uint64_t *doc_ids = calloc(nd, sizeof *doc_ids);
  uint64_t *evt_lo = calloc(nd, sizeof *evt_lo),
           *evt_hi = calloc(nd, sizeof *evt_hi);
  bool *is_new = calloc(nd, sizeof *is_new);
  uint64_t *changed = NULL;
  size_t nchanged = 0;
  char source[96];
  snprintf(source, sizeof source, "rpc:%.60s", me->id);
  store_txn *w = NULL;
  int rc = doc_ids && evt_lo && evt_hi && is_new
               ? store_begin(ctx->st, true, &w)
               : STORE_ENOMEM;
  uint64_t log_head = 0; /* the push log before this call */
  if (!rc)
    rc = store_push_head(w, &log_head);
  size_t failed = nd;
  for (size_t i = 0; !rc && i < nd; i++) {
    const Oppgraph__V1__SubmittedDocument *d = req->documents[i];
    ingest_doc doc = {.external_id = srv_or(d->external_id, NULL),
                      .title = srv_or(d->title, ""),
                      .text = d->text,
                      .published = srv_or(d->published, NULL),
                      .source = srv_or(d->source, source),
                      .url = srv_or(d->url, NULL)};
    rc = srv_seq_evt(w, &evt_lo[i]);
    if (!rc) {
      rc = ingest_document(w, srv_app_ingest_cfg(ctx->app), &doc, &doc_ids[i],
                           &is_new[i], NULL, err, sizeof err);
      if (rc)
        failed = i;
    }
    if (!rc)
      rc = srv_seq_evt(w, &evt_hi[i]);
  }
  if (!rc) {
    rc = store_commit(w);
    w = NULL;
  }
  store_abort(w);
  int64_t now = srv_app_now(ctx->app);
  opp_report orep;
  graph_update_report grep;
  int orc = 0;
  const char *stage = "updating the guarantee circles";
  /* circles before opportunities: membership of a circle is a risk flag */
  if (!rc)
    orc = graph_update_circles(ctx->st, &grep);
  if (!rc && !orc) {
    stage = "updating the stored ownership";
    orc = graph_update_owners(ctx->st, NULL);
  }
  if (!rc && !orc) {
    stage = "regenerating opportunities";
    orc = opp_generate(ctx->st, srv_app_opp_cfg(ctx->app), now, &orep);
  }
  if (!rc && !orc) {
    stage = "reading the push log";
    orc = srv_push_since(ctx->st, log_head, &changed, &nchanged);
  }
  srv_app_writer_unlock(ctx->app);
  if (!rc)
    srv_app_notify(ctx->app);

  if (rc && failed < nd) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "documents[%zu] (external_id '%.60s') refused, nothing "
                    "stored: %.150s",
                    failed, req->documents[failed]->external_id, err);
  } else if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "storing the documents failed, nothing stored: %s (%s)",
                    store_strerror(rc), store_last_error());
  } else if (orc) {
    srv_reply_error(rep, SRV_ST_INTERNAL,
                    "documents stored but %s failed: %d (%s)", stage, orc,
                    store_last_error());
  } else {
    store_txn *txn = NULL;
    Oppgraph__V1__SubmitResult *res = calloc(nd, sizeof *res);
    Oppgraph__V1__SubmitResult **resp_res = calloc(nd, sizeof *resp_res);
    Oppgraph__V1__Opportunity **opps = calloc(nchanged + 1, sizeof *opps);
    size_t nopps = 0;
    rc = res && resp_res && opps ? store_begin(ctx->st, false, &txn)
                                 : STORE_ENOMEM;
    for (size_t i = 0; !rc && i < nd; i++) {
      oppgraph__v1__submit_result__init(&res[i]);
      resp_res[i] = &res[i];
      res[i].document_id = doc_ids[i];
      res[i].duplicate = !is_new[i];
      size_t ne = evt_hi[i] - evt_lo[i];
      if (!ne)
        continue;
      res[i].events = calloc(ne, sizeof *res[i].events);
      if (!res[i].events) {
        rc = STORE_ENOMEM;
        break;
      }
      for (uint64_t id = evt_lo[i] + 1; id <= evt_hi[i]; id++)
        if (!store_evt_get(txn, id, &res[i].events[res[i].n_events]))
          res[i].n_events++;
    }
    for (size_t i = 0; !rc && i < nchanged; i++)
      if (!store_opp_get(txn, changed[i], &opps[nopps])) {
        srv_app_add_articles(ctx->app, txn, opps[nopps]);
        nopps++;
      }
    if (rc) {
      srv_reply_error(rep, SRV_ST_INTERNAL,
                      "documents stored but reading the results failed: %s",
                      store_strerror(rc));
    } else {
      Oppgraph__V1__SubmitDocumentsResponse resp =
          OPPGRAPH__V1__SUBMIT_DOCUMENTS_RESPONSE__INIT;
      resp.results = resp_res;
      resp.n_results = nd;
      resp.opportunities = opps;
      resp.n_opportunities = nopps;
      srv_reply_message(rep, &resp.base);
    }
    for (size_t i = 0; res && i < nd; i++) {
      for (size_t k = 0; k < res[i].n_events; k++)
        oppgraph__v1__event__free_unpacked(res[i].events[k], NULL);
      free(res[i].events);
    }
    for (size_t i = 0; i < nopps; i++) {
      srv_app_free_articles(opps[i]);
      oppgraph__v1__opportunity__free_unpacked(opps[i], NULL);
    }
    free(res);
    free(resp_res);
    free(opps);
    store_abort(txn);
  }
  free(changed);
  free(doc_ids);
  free(evt_lo);
  free(evt_hi);
  free(is_new);
  oppgraph__v1__rm__free_unpacked(me, NULL);
}

/* ---- KnowledgeService.Search
 * ----------------------------------------------------- */

SRV_HANDLER(srv_kb_search) {
  const Oppgraph__V1__KbSearchRequest *req =
      (const Oppgraph__V1__KbSearchRequest *)msg;
  if (!req->query || !*req->query) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "query is empty: give words to look for");
    return;
  }
  if (req->page_size > KB_PAGE_SIZE_MAX) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT, "page_size %u is over %d",
                    req->page_size, KB_PAGE_SIZE_MAX);
    return;
  }
  char err[512];
  const kb *k = srv_app_kb(ctx->app, err, sizeof err);
  store_txn *txn;
  Oppgraph__V1__Rm *me;
  if (srv_begin_auth(ctx, rep, &txn, &me))
    return;
  if (!k) {
    srv_reply_error(rep, SRV_ST_FAILED_PRECONDITION,
                    "the knowledge base cannot be searched: %.200s", err);
    goto out;
  }
  kb_query q = {.text = req->query,
                .category = req->category,
                .tag = req->tag,
                .page = req->page,
                .page_size = req->page_size};
  kb_results r = {0};
  kb_diag d = {{0}};
  int rc = kb_search(k, txn, &q, &r, &d);
  if (rc == KB_EINVAL || rc == KB_EUTF8 || rc == KB_ETOOBIG) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT, "query '%.80s': %.150s",
                    req->query, d.msg[0] ? d.msg : kb_strerror(rc));
  } else if (rc == KB_ELAYOUT) {
    srv_reply_error(rep, SRV_ST_FAILED_PRECONDITION, "knowledge base: %.150s",
                    d.msg[0] ? d.msg : kb_strerror(rc));
  } else if (rc) {
    srv_reply_error(rep, SRV_ST_INTERNAL, "search failed: %s: %.150s",
                    kb_strerror(rc), d.msg);
  } else {
    Oppgraph__V1__KbHit *hits = calloc(r.n + 1, sizeof *hits);
    Oppgraph__V1__KbHit **ph = calloc(r.n + 1, sizeof *ph);
    if (!hits || !ph) {
      srv_reply_error(rep, SRV_ST_INTERNAL, "out of memory");
    } else {
      for (size_t i = 0; i < r.n; i++) {
        oppgraph__v1__kb_hit__init(&hits[i]);
        hits[i].id = r.hits[i].id;
        hits[i].score = r.hits[i].score;
        hits[i].title = srv_or(r.hits[i].title, "");
        hits[i].category = srv_or(r.hits[i].category, "");
        hits[i].snippet = srv_or(r.hits[i].snippet, "");
        hits[i].tags = r.hits[i].tags;
        hits[i].n_tags = r.hits[i].ntags;
        hits[i].products = r.hits[i].products;
        hits[i].n_products = r.hits[i].nproducts;
        ph[i] = &hits[i];
      }
      Oppgraph__V1__KbSearchResponse resp =
          OPPGRAPH__V1__KB_SEARCH_RESPONSE__INIT;
      resp.hits = ph;
      resp.n_hits = r.n;
      resp.total = (uint32_t)r.total;
      srv_reply_message(rep, &resp.base);
    }
    free(hits);
    free(ph);
  }
  kb_results_destroy(&r);
out:
  oppgraph__v1__rm__free_unpacked(me, NULL);
  store_abort(txn);
}
