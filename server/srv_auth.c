/*
 * srv_auth.c — API tokens: issue, revoke, verify; and the hex helpers.
 *
 * A token is "<token_id>.<secret>": token_id is 12 hex digits (6 random
 * bytes) and names the TokenRecord in the store; secret is 64 hex digits (32
 * random bytes from RAND_bytes).  The store keeps only a 16-byte random salt
 * and SHA-256(salt ‖ secret bytes), so a copy of the store does not give
 * working tokens; verification compares hashes with CRYPTO_memcmp so that
 * timing says nothing about how many bytes matched.  Tokens never reach a
 * log: callers log the RM id only.
 *
 * The token memo (srv_tokmemo) spares the store's token record on repeated
 * calls: per token id it remembers what the record held when a check last
 * succeeded -- its salt and salted hash, never the secret -- with the RM and
 * the store commit id of that check.  A call under the same commit id hashes
 * its secret with that salt and compares in constant time: the same check on
 * the same data, without reading and decoding the record.  Any commit -- a
 * revoke included, by this server or the CLI -- changes the commit id, so the
 * next call reads the store again and a revoked token fails at once.  Only
 * successful checks are remembered.  A copy of the memo gives no more than a
 * copy of the store does.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/server_internal.h"

#define SRV_SALT_LEN 16
#define SRV_SECRET_LEN 32
/* Slots of the token memo: one per token id hash, a collision replaces. */
#define SRV_TOKMEMO_SLOTS 256

const char *srv_strerror(int err) {
  switch (err) {
  case SRV_OK:
    return "ok";
  case SRV_EINVAL:
    return "invalid argument";
  case SRV_ENOTFOUND:
    return "not found";
  case SRV_ESTORE:
    return "store error";
  case SRV_ECRYPTO:
    return "libcrypto failed (random bytes or hash)";
  case SRV_EAUTH:
    return "token malformed, unknown, revoked or wrong";
  case SRV_EBIND:
    return "cannot listen on the address";
  case SRV_ETLS:
    return "cannot read the TLS certificate or key";
  case SRV_ESYS:
    return "system call failed";
  case SRV_ENOSPC:
    return "output buffer too small";
  case SRV_EPERM:
    return "permission denied";
  case SRV_EBUSY:
    return "busy: a write is in progress";
  default:
    return "unknown server error";
  }
}

void srv_hex_encode(const uint8_t *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

static int srv_hex_nibble(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int srv_hex_decode(const char *in, size_t hexlen, uint8_t *out) {
  if (hexlen % 2)
    return -1;
  for (size_t i = 0; i < hexlen; i += 2) {
    int hi = srv_hex_nibble(in[i]), lo = srv_hex_nibble(in[i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    out[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

static int srv_token_hash(const uint8_t salt[SRV_SALT_LEN],
                          const uint8_t secret[SRV_SECRET_LEN],
                          uint8_t hash[32]) {
  uint8_t buf[SRV_SALT_LEN + SRV_SECRET_LEN];
  unsigned int len = 0;
  memcpy(buf, salt, SRV_SALT_LEN);
  memcpy(buf + SRV_SALT_LEN, secret, SRV_SECRET_LEN);
  int ok = EVP_Digest(buf, sizeof buf, hash, &len, EVP_sha256(), NULL);
  OPENSSL_cleanse(buf, sizeof buf);
  return ok == 1 && len == 32 ? 0 : SRV_ECRYPTO;
}

static int srv_store_err(int rc) {
  return rc == STORE_ENOTFOUND ? SRV_ENOTFOUND : SRV_ESTORE;
}

int srv_token_issue(store *st, const char *rm_id, char *out, size_t outlen) {
  if (!st || !rm_id || !*rm_id || !out)
    return SRV_EINVAL;
  if (outlen < SRV_TOKEN_LEN + 1)
    return SRV_ENOSPC;
  uint8_t id[SRV_TOKEN_ID_LEN / 2], secret[SRV_SECRET_LEN], salt[SRV_SALT_LEN];
  uint8_t hash[32];
  if (RAND_bytes(id, sizeof id) != 1 ||
      RAND_bytes(secret, sizeof secret) != 1 ||
      RAND_bytes(salt, sizeof salt) != 1)
    return SRV_ECRYPTO;
  int rc = srv_token_hash(salt, secret, hash);
  if (rc)
    return rc;

  store_txn *txn = NULL;
  if (store_begin(st, true, &txn))
    return SRV_ESTORE;
  Oppgraph__V1__Rm *rm = NULL;
  rc = store_rm_get(txn, rm_id, &rm);
  if (rc) {
    store_abort(txn);
    return srv_store_err(rc);
  }
  oppgraph__v1__rm__free_unpacked(rm, NULL);

  char id_hex[SRV_TOKEN_ID_LEN + 1];
  srv_hex_encode(id, sizeof id, id_hex);
  Oppgraph__V1__TokenRecord rec = OPPGRAPH__V1__TOKEN_RECORD__INIT;
  rec.token_id = id_hex;
  rec.rm_id = (char *)rm_id;
  rec.salt.data = salt;
  rec.salt.len = sizeof salt;
  rec.hash.data = hash;
  rec.hash.len = sizeof hash;
  rec.issued_at = (int64_t)time(NULL);
  rc = store_token_put(txn, &rec);
  if (rc) {
    store_abort(txn);
    return SRV_ESTORE;
  }
  if (store_commit(txn))
    return SRV_ESTORE;

  memcpy(out, id_hex, SRV_TOKEN_ID_LEN);
  out[SRV_TOKEN_ID_LEN] = '.';
  srv_hex_encode(secret, sizeof secret, out + SRV_TOKEN_ID_LEN + 1);
  OPENSSL_cleanse(secret, sizeof secret);
  return SRV_OK;
}

int srv_token_revoke(store *st, const char *token_id) {
  if (!st || !token_id || !*token_id)
    return SRV_EINVAL;
  store_txn *txn = NULL;
  if (store_begin(st, true, &txn))
    return SRV_ESTORE;
  Oppgraph__V1__TokenRecord *rec = NULL;
  int rc = store_token_get(txn, token_id, &rec);
  if (rc) {
    store_abort(txn);
    return srv_store_err(rc);
  }
  rec->revoked = true;
  rc = store_token_put(txn, rec);
  oppgraph__v1__token_record__free_unpacked(rec, NULL);
  if (rc) {
    store_abort(txn);
    return SRV_ESTORE;
  }
  return store_commit(txn) ? SRV_ESTORE : SRV_OK;
}

/* Checks the decoded token against its store record; on success gives the
 * RM and, when salt/hash are not NULL, the record's salt and salted hash (what
 * the memo keeps instead of the secret). */
static int srv_token_check(store_txn *txn, const uint8_t *id_bytes,
                           const uint8_t secret[SRV_SECRET_LEN],
                           Oppgraph__V1__Rm **rm_out, uint8_t *salt,
                           uint8_t *hash) {
  char id_hex[SRV_TOKEN_ID_LEN + 1];
  /* Re-encode so that upper-case hex finds the lower-case record. */
  srv_hex_encode(id_bytes, SRV_TOKEN_ID_LEN / 2, id_hex);
  Oppgraph__V1__TokenRecord *rec = NULL;
  int rc = store_token_get(txn, id_hex, &rec);
  if (rc)
    return rc == STORE_ENOTFOUND ? SRV_EAUTH : SRV_ESTORE;
  uint8_t got[32];
  rc = SRV_EAUTH;
  if (!rec->revoked && rec->salt.len == SRV_SALT_LEN && rec->hash.len == 32 &&
      srv_token_hash(rec->salt.data, secret, got) == 0 &&
      CRYPTO_memcmp(got, rec->hash.data, 32) == 0)
    rc = SRV_OK;
  if (rc == SRV_OK) {
    Oppgraph__V1__Rm *rm = NULL;
    int src = store_rm_get(txn, rec->rm_id, &rm);
    if (src) /* the RM was removed: the token dies with them */
      rc = src == STORE_ENOTFOUND ? SRV_EAUTH : SRV_ESTORE;
    else if (rm_out)
      *rm_out = rm;
    else
      oppgraph__v1__rm__free_unpacked(rm, NULL);
  }
  if (rc == SRV_OK && salt && hash) {
    memcpy(salt, rec->salt.data, SRV_SALT_LEN);
    memcpy(hash, rec->hash.data, 32);
  }
  oppgraph__v1__token_record__free_unpacked(rec, NULL);
  return rc;
}

/* Splits "<id>.<secret>" into bytes; SRV_EAUTH when malformed, so nothing
 * malformed reaches the store. */
static int srv_token_parse(const char *token, uint8_t *id_bytes,
                           uint8_t secret[SRV_SECRET_LEN]) {
  if (!token || strlen(token) != SRV_TOKEN_LEN ||
      token[SRV_TOKEN_ID_LEN] != '.')
    return SRV_EAUTH;
  if (srv_hex_decode(token, SRV_TOKEN_ID_LEN, id_bytes) ||
      srv_hex_decode(token + SRV_TOKEN_ID_LEN + 1, 2 * SRV_SECRET_LEN, secret))
    return SRV_EAUTH;
  return SRV_OK;
}

int srv_token_verify(store_txn *txn, const char *token,
                     Oppgraph__V1__Rm **rm_out) {
  if (rm_out)
    *rm_out = NULL;
  uint8_t id_bytes[SRV_TOKEN_ID_LEN / 2], secret[SRV_SECRET_LEN];
  if (!txn || srv_token_parse(token, id_bytes, secret))
    return SRV_EAUTH;
  int rc = srv_token_check(txn, id_bytes, secret, rm_out, NULL, NULL);
  OPENSSL_cleanse(secret, sizeof secret);
  return rc;
}

/* ---- the token memo ------------------------------------------------------ */

typedef struct srv_tokslot {
  bool used;
  uint64_t txn_id;
  uint8_t id[SRV_TOKEN_ID_LEN / 2];
  uint8_t salt[SRV_SALT_LEN]; /* the token record's salt and salted hash */
  uint8_t hash[32];
  char rm_id[128];
} srv_tokslot;

struct srv_tokmemo {
  pthread_mutex_t mu;
  uint64_t hits, misses;
  srv_tokslot slot[SRV_TOKMEMO_SLOTS];
};

int srv_tokmemo_new(srv_tokmemo **out) {
  srv_tokmemo *m = calloc(1, sizeof *m);
  if (!m)
    return SRV_ESYS;
  pthread_mutex_init(&m->mu, NULL);
  *out = m;
  return SRV_OK;
}

void srv_tokmemo_free(srv_tokmemo *m) {
  if (!m)
    return;
  OPENSSL_cleanse(m->slot, sizeof m->slot);
  pthread_mutex_destroy(&m->mu);
  free(m);
}

void srv_tokmemo_stats(srv_tokmemo *m, uint64_t *hits, uint64_t *misses) {
  pthread_mutex_lock(&m->mu);
  *hits = m->hits;
  *misses = m->misses;
  pthread_mutex_unlock(&m->mu);
}

int srv_token_verify_memo(srv_tokmemo *m, store_txn *txn, const char *token,
                          Oppgraph__V1__Rm **rm_out) {
  if (!m)
    return srv_token_verify(txn, token, rm_out);
  if (rm_out)
    *rm_out = NULL;
  uint8_t id[SRV_TOKEN_ID_LEN / 2], secret[SRV_SECRET_LEN];
  if (!txn || srv_token_parse(token, id, secret))
    return SRV_EAUTH;
  uint64_t txn_id = store_txn_id(txn);
  srv_tokslot *s = &m->slot[srv_fnv1a(id, sizeof id) % SRV_TOKMEMO_SLOTS];
  char rm_id[sizeof s->rm_id];
  uint8_t salt[SRV_SALT_LEN], want[32], got[32];
  bool found = false;
  pthread_mutex_lock(&m->mu);
  if (s->used && s->txn_id == txn_id && !memcmp(s->id, id, sizeof id)) {
    memcpy(rm_id, s->rm_id, sizeof rm_id);
    memcpy(salt, s->salt, sizeof salt);
    memcpy(want, s->hash, sizeof want);
    found = true;
  }
  pthread_mutex_unlock(&m->mu);
  /* The record's own check, on the record as this commit holds it. */
  bool hit = found && srv_token_hash(salt, secret, got) == 0 &&
             CRYPTO_memcmp(got, want, sizeof got) == 0;
  pthread_mutex_lock(&m->mu);
  if (hit)
    m->hits++;
  else
    m->misses++;
  pthread_mutex_unlock(&m->mu);
  int rc;
  if (hit) {
    /* Same commit: the RM the check found is there, unchanged. */
    Oppgraph__V1__Rm *rm = NULL;
    rc = store_rm_get(txn, rm_id, &rm);
    if (rc)
      rc = rc == STORE_ENOTFOUND ? SRV_EAUTH : SRV_ESTORE;
    else if (rm_out)
      *rm_out = rm;
    else
      oppgraph__v1__rm__free_unpacked(rm, NULL);
  } else {
    Oppgraph__V1__Rm *rm = NULL;
    rc = srv_token_check(txn, id, secret, &rm, salt, want);
    if (rc == SRV_OK && strlen(rm->id) < sizeof s->rm_id) {
      pthread_mutex_lock(&m->mu);
      /* A check under an older commit must not replace a newer one. */
      if (!s->used || s->txn_id <= txn_id) {
        s->used = true;
        s->txn_id = txn_id;
        memcpy(s->id, id, sizeof id);
        memcpy(s->salt, salt, sizeof salt);
        memcpy(s->hash, want, sizeof want);
        snprintf(s->rm_id, sizeof s->rm_id, "%s", rm->id);
      }
      pthread_mutex_unlock(&m->mu);
    }
    if (rc == SRV_OK && rm_out)
      *rm_out = rm;
    else if (rm)
      oppgraph__v1__rm__free_unpacked(rm, NULL);
  }
  OPENSSL_cleanse(secret, sizeof secret);
  return rc;
}

bool srv_tokmemo_holds(srv_tokmemo *m, const void *bytes, size_t len) {
  bool found = false;
  pthread_mutex_lock(&m->mu);
  const uint8_t *p = (const uint8_t *)m->slot;
  size_t n = sizeof m->slot;
  for (size_t i = 0; !found && len && i + len <= n; i++)
    found = !memcmp(p + i, bytes, len);
  pthread_mutex_unlock(&m->mu);
  return found;
}
