/*
 * srv_respcache.c — packed responses kept per (request key, store commit id).
 *
 * A CRM's desks ask for the same push-list page again and again while the
 * store does not change.  LMDB numbers every commit (store_txn_id) and two
 * read transactions with the same commit id see the same data, so a response
 * computed from a request under commit T is exactly the response of the same
 * request under any later call that reads commit T: the bytes can be sent
 * again without reading a record.  Nothing needs invalidating -- a commit of
 * anyone (this server, a CLI ingest, a token revoke) changes the id and every
 * entry of an older id misses, then is replaced.
 *
 * The caller builds the key from everything the response depends on besides
 * the store (for ListPushList: the target RM, page token, page size and
 * filters) and checks the caller's right to it before asking: the cache
 * knows nothing of visibility.
 *
 * A fixed array of slots under one mutex, one slot per key hash (FNV-1a); a
 * colliding key or a newer commit replaces it.  Memory is bounded by
 * SRV_RC_SLOTS x SRV_RC_MAX_BYTES.  A hit copies the bytes out (the
 * plumbing frees what it sends); the lock is held for that copy only.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_internal.h"

#define SRV_RC_SLOTS 256

typedef struct srv_rc_slot {
  uint64_t txn_id;
  uint64_t hash;
  uint8_t *key; /* NULL: empty slot */
  size_t keylen;
  uint8_t *msg;
  size_t len;
} srv_rc_slot;

struct srv_respcache {
  pthread_mutex_t mu;
  uint64_t hits, misses;
  srv_rc_slot slot[SRV_RC_SLOTS];
};

int srv_respcache_new(srv_respcache **out) {
  srv_respcache *rc = calloc(1, sizeof *rc);
  if (!rc)
    return SRV_ESYS;
  pthread_mutex_init(&rc->mu, NULL);
  *out = rc;
  return SRV_OK;
}

void srv_respcache_free(srv_respcache *rc) {
  if (!rc)
    return;
  for (size_t i = 0; i < SRV_RC_SLOTS; i++) {
    free(rc->slot[i].key);
    free(rc->slot[i].msg);
  }
  pthread_mutex_destroy(&rc->mu);
  free(rc);
}

int srv_respcache_get(srv_respcache *rc, const uint8_t *key, size_t keylen,
                      uint64_t txn_id, uint8_t **msg, size_t *len) {
  *msg = NULL;
  *len = 0;
  if (!rc)
    return 0;
  uint64_t h = srv_fnv1a(key, keylen);
  srv_rc_slot *s = &rc->slot[h % SRV_RC_SLOTS];
  int hit = 0;
  pthread_mutex_lock(&rc->mu);
  if (s->key && s->txn_id == txn_id && s->hash == h && s->keylen == keylen &&
      !memcmp(s->key, key, keylen)) {
    /* One spare byte: an empty response is still a buffer to send. */
    uint8_t *copy = malloc(s->len + 1);
    if (copy) {
      memcpy(copy, s->msg, s->len);
      *msg = copy;
      *len = s->len;
      hit = 1;
    }
  }
  if (hit)
    rc->hits++;
  else
    rc->misses++;
  pthread_mutex_unlock(&rc->mu);
  return hit;
}

void srv_respcache_put(srv_respcache *rc, const uint8_t *key, size_t keylen,
                       uint64_t txn_id, const uint8_t *msg, size_t len) {
  if (!rc || len > SRV_RC_MAX_BYTES)
    return;
  /* Copies made before taking the lock: the lock covers pointer swaps. */
  uint8_t *k = malloc(keylen + 1), *m = malloc(len + 1);
  if (!k || !m) {
    free(k);
    free(m);
    return;
  }
  memcpy(k, key, keylen);
  memcpy(m, msg, len);
  uint64_t h = srv_fnv1a(key, keylen);
  srv_rc_slot *s = &rc->slot[h % SRV_RC_SLOTS];
  pthread_mutex_lock(&rc->mu);
  /* A response of an older commit must not replace one of a newer commit
   * (a slow call finishing late). */
  if (s->key && s->txn_id > txn_id) {
    pthread_mutex_unlock(&rc->mu);
    free(k);
    free(m);
    return;
  }
  uint8_t *oldk = s->key, *oldm = s->msg;
  s->key = k;
  s->keylen = keylen;
  s->msg = m;
  s->len = len;
  s->hash = h;
  s->txn_id = txn_id;
  pthread_mutex_unlock(&rc->mu);
  free(oldk);
  free(oldm);
}

void srv_respcache_stats(srv_respcache *rc, uint64_t *hits, uint64_t *misses) {
  pthread_mutex_lock(&rc->mu);
  *hits = rc->hits;
  *misses = rc->misses;
  pthread_mutex_unlock(&rc->mu);
}
