/*
 * srv_pushidx.c — which opportunities an RM's default push list shows (the
 * open ones: not expired, rejected or won) and a cache of that list per RM
 * and store commit, so that ListPushList reads only the records of its page.
 *
 * The store indexes an RM's opportunities by score (opp_rm) but does not
 * know which are open: that is the status field inside each record.  Telling
 * them apart, and counting them for `total`, means reading every record of
 * the RM — a thousand LMDB lookups for a page of fifty, and most of a
 * ListPushList call's CPU time.  LMDB numbers every commit (store_txn_id),
 * and two read transactions with the same commit id see the same data, so
 * the open list of an RM computed under commit T holds for every later call
 * under commit T: the cache keeps, per RM, the commit id and the sorted
 * (page key, id) pairs of the open opportunities.  Any commit (the server's
 * own or another process's) changes the id, and the next call rebuilds that
 * RM's list; nothing needs invalidating.
 *
 * The table is a fixed array of hash buckets under one mutex, held only to
 * look up or replace an entry and copy out at most one page of ids.  Entries
 * are never evicted: one per RM that was listed, 24 bytes per open
 * opportunity.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_internal.h"

#define SRV_PX_BUCKETS 1024

typedef struct srv_px_item {
  uint8_t key[STORE_PAGE_KEY_LEN]; /* store_score_key(score) ‖ id, big-endian */
  uint64_t id;
} srv_px_item;

typedef struct srv_px_entry {
  struct srv_px_entry *next;
  char *rm_id;
  uint64_t txn_id;
  srv_px_item *items; /* ascending key: best score first */
  size_t n;
} srv_px_entry;

struct srv_pushidx {
  pthread_mutex_t mu;
  srv_px_entry *b[SRV_PX_BUCKETS];
};

int srv_pushidx_new(srv_pushidx **out) {
  srv_pushidx *px = calloc(1, sizeof *px);
  if (!px)
    return SRV_ESYS;
  pthread_mutex_init(&px->mu, NULL);
  *out = px;
  return SRV_OK;
}

void srv_pushidx_free(srv_pushidx *px) {
  if (!px)
    return;
  for (size_t i = 0; i < SRV_PX_BUCKETS; i++)
    for (srv_px_entry *e = px->b[i], *nx; e; e = nx) {
      nx = e->next;
      free(e->rm_id);
      free(e->items);
      free(e);
    }
  pthread_mutex_destroy(&px->mu);
  free(px);
}

bool srv_opp_closed(uint64_t status) {
  return status == OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED ||
         status == OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED ||
         status == OPPGRAPH__V1__OPP_STATUS__OPP_WON;
}

/* The page key (store_score_key(score) ‖ id) and status of a stored
 * opportunity, read from its encoded bytes (id = 1, score = 6, status = 12;
 * absent fields are protobuf defaults). */
static void srv_peek_opp(const void *raw, size_t len,
                         uint8_t key[STORE_PAGE_KEY_LEN], uint64_t *status) {
  uint64_t id = 0, bits = 0;
  *status = 0;
  srv_span walk = {raw, len};
  srv_field f;
  while (!srv_next_field(&walk, &f)) {
    if (f.num == 1 && f.wt == 0)
      id = f.v;
    else if (f.num == 12 && f.wt == 0)
      *status = f.v;
    else if (f.num == 6 && f.wt == 1) {
      bits = 0; /* fixed64, little-endian, just before walk.p */
      for (int i = 7; i >= 0; i--)
        bits = bits << 8 | walk.p[i - 8];
    }
  }
  double score;
  memcpy(&score, &bits, sizeof score);
  store_u64_be(key, store_score_key(score));
  store_u64_be(key + 8, id);
}

/* Every open opportunity of rm_id in page-key order (malloc'd *out). */
static int srv_open_list(store_txn *txn, const char *rm_id, srv_px_item **out,
                         size_t *nout) {
  *out = NULL;
  *nout = 0;
  srv_px_item *items = NULL;
  size_t n = 0, cap = 0;
  uint64_t batch[256];
  uint8_t cur[STORE_PAGE_KEY_LEN];
  bool first = true, bmore = true;
  while (bmore) {
    size_t bn = 0;
    if (store_opp_page(txn, rm_id, first ? NULL : cur, 256, batch, &bn, &bmore,
                       cur, NULL))
      goto fail;
    first = false;
    for (size_t i = 0; i < bn; i++) {
      const void *raw;
      size_t len;
      if (store_opp_get_raw(txn, batch[i], &raw, &len))
        goto fail; /* the index names a missing record */
      srv_px_item it;
      uint64_t status;
      srv_peek_opp(raw, len, it.key, &status);
      if (srv_opp_closed(status))
        continue;
      it.id = batch[i];
      if (n == cap) {
        size_t nc = cap ? 2 * cap : 256;
        srv_px_item *ni = realloc(items, nc * sizeof *ni);
        if (!ni)
          goto fail;
        items = ni;
        cap = nc;
      }
      items[n++] = it;
    }
  }
  *out = items;
  *nout = n;
  return SRV_OK;
fail:
  free(items);
  return SRV_ESTORE;
}

/* One page out of a sorted open list. */
static void srv_open_slice(const srv_px_item *items, size_t n,
                           const uint8_t *after, size_t limit, uint64_t *ids,
                           size_t *nids, bool *more,
                           uint8_t next_key[STORE_PAGE_KEY_LEN]) {
  size_t lo = 0, hi = n; /* first item with key > after */
  while (after && lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (memcmp(items[mid].key, after, STORE_PAGE_KEY_LEN) <= 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t k = 0;
  for (; k < limit && lo + k < n; k++)
    ids[k] = items[lo + k].id;
  if (k)
    memcpy(next_key, items[lo + k - 1].key, STORE_PAGE_KEY_LEN);
  *nids = k;
  *more = lo + k < n;
}

static unsigned srv_px_hash(const char *s) {
  return (unsigned)(srv_fnv1a(s, strlen(s)) % SRV_PX_BUCKETS);
}

/* Pages from the cached list of (rm_id, commit id) when there is one. */
static bool srv_px_lookup(srv_pushidx *px, const char *rm_id, uint64_t txn_id,
                          const uint8_t *after, size_t limit, uint64_t *ids,
                          size_t *n, bool *more, uint8_t next_key[],
                          size_t *total) {
  bool hit = false;
  pthread_mutex_lock(&px->mu);
  for (srv_px_entry *e = px->b[srv_px_hash(rm_id)]; e; e = e->next)
    if (!strcmp(e->rm_id, rm_id)) {
      if (e->txn_id == txn_id) {
        srv_open_slice(e->items, e->n, after, limit, ids, n, more, next_key);
        *total = e->n;
        hit = true;
      }
      break;
    }
  pthread_mutex_unlock(&px->mu);
  return hit;
}

/* Keeps items (taken over) as rm_id's list at txn_id unless a list of a
 * later commit is there already. */
static void srv_px_store(srv_pushidx *px, const char *rm_id, uint64_t txn_id,
                         srv_px_item *items, size_t n) {
  pthread_mutex_lock(&px->mu);
  srv_px_entry **slot = &px->b[srv_px_hash(rm_id)], *e = *slot;
  while (e && strcmp(e->rm_id, rm_id))
    e = e->next;
  if (!e) {
    e = calloc(1, sizeof *e);
    char *id = strdup(rm_id);
    if (!e || !id) {
      free(e);
      free(id);
      free(items);
      pthread_mutex_unlock(&px->mu);
      return; /* not cached: the next call builds it again */
    }
    e->rm_id = id;
    e->next = *slot;
    *slot = e;
  } else if (e->items && e->txn_id >= txn_id) {
    free(items);
    pthread_mutex_unlock(&px->mu);
    return;
  }
  free(e->items);
  e->items = items;
  e->n = n;
  e->txn_id = txn_id;
  pthread_mutex_unlock(&px->mu);
}

int srv_open_page(srv_pushidx *px, store_txn *txn, const char *rm_id,
                  const uint8_t *after, size_t limit, uint64_t *ids, size_t *n,
                  bool *more, uint8_t next_key[STORE_PAGE_KEY_LEN],
                  size_t *total) {
  *n = 0;
  *more = false;
  *total = 0;
  uint64_t txn_id = store_txn_id(txn);
  if (px && srv_px_lookup(px, rm_id, txn_id, after, limit, ids, n, more,
                          next_key, total))
    return SRV_OK;
  srv_px_item *items;
  size_t count;
  int rc = srv_open_list(txn, rm_id, &items, &count);
  if (rc)
    return rc;
  srv_open_slice(items, count, after, limit, ids, n, more, next_key);
  *total = count;
  if (px)
    srv_px_store(px, rm_id, txn_id, items, count);
  else
    free(items);
  return SRV_OK;
}
