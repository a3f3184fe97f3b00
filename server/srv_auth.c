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
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>
#include <time.h>

#include "server/server_internal.h"

#define SRV_SALT_LEN 16
#define SRV_SECRET_LEN 32

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

int srv_token_verify(store_txn *txn, const char *token,
                     Oppgraph__V1__Rm **rm_out) {
  if (rm_out)
    *rm_out = NULL;
  if (!txn || !token)
    return SRV_EAUTH;
  /* Shape first: nothing malformed reaches the store. */
  if (strlen(token) != SRV_TOKEN_LEN || token[SRV_TOKEN_ID_LEN] != '.')
    return SRV_EAUTH;
  uint8_t id_bytes[SRV_TOKEN_ID_LEN / 2], secret[SRV_SECRET_LEN], hash[32];
  if (srv_hex_decode(token, SRV_TOKEN_ID_LEN, id_bytes) ||
      srv_hex_decode(token + SRV_TOKEN_ID_LEN + 1, 2 * SRV_SECRET_LEN, secret))
    return SRV_EAUTH;
  char id_hex[SRV_TOKEN_ID_LEN + 1];
  /* Re-encode so that upper-case hex finds the lower-case record. */
  srv_hex_encode(id_bytes, sizeof id_bytes, id_hex);

  Oppgraph__V1__TokenRecord *rec = NULL;
  int rc = store_token_get(txn, id_hex, &rec);
  if (rc)
    return rc == STORE_ENOTFOUND ? SRV_EAUTH : SRV_ESTORE;
  rc = SRV_EAUTH;
  if (!rec->revoked && rec->salt.len == SRV_SALT_LEN && rec->hash.len == 32 &&
      srv_token_hash(rec->salt.data, secret, hash) == 0 &&
      CRYPTO_memcmp(hash, rec->hash.data, 32) == 0)
    rc = SRV_OK;
  OPENSSL_cleanse(secret, sizeof secret);
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
  oppgraph__v1__token_record__free_unpacked(rec, NULL);
  return rc;
}
