/*
 * store_records.c — enterprises, persons, documents and events, with their
 * secondary indexes (ent_code, ent_name, person_name, doc_hash, evt_ent).
 *
 * An update first removes the index entries of the stored previous version,
 * then writes the record and the new entries, all inside the caller's write
 * transaction, so an index never outlives the value it was built from.
 * Names are indexed in store_name_norm form; a name whose normalised form is
 * empty or longer than LMDB's key limit (511 bytes) is not indexed.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

typedef Oppgraph__V1__Enterprise Ent;

/* Normalises name into a fresh buffer; *out is NULL when it is not indexable.
 */
static int norm_dup(store_txn *txn, const char *name, char **out, size_t *len) {
  *out = NULL;
  *len = 0;
  if (!name || !*name)
    return 0;
  size_t n = strlen(name);
  char *buf = malloc(n + 1);
  if (!buf)
    return st_fail(STORE_ENOMEM, "normalise name: out of memory");
  *len = store_name_norm(name, n, buf);
  if (*len == 0 || *len > txn->st->max_key) {
    free(buf);
    return 0;
  }
  *out = buf;
  return 0;
}

/* Adds or removes the (normalised name -> id) pair in a DUPSORT index. */
static int name_index(store_txn *txn, enum st_db db, const char *name,
                      uint64_t id, bool add) {
  char *key = NULL;
  size_t klen = 0;
  int err = norm_dup(txn, name, &key, &klen);
  if (err || !key)
    return err;
  uint8_t be[8];
  store_u64_be(be, id);
  err = add ? st_put_raw(txn, db, key, klen, be, 8, 0)
            : st_del(txn, db, key, klen, be, 8);
  free(key);
  return err;
}

static int ent_names(store_txn *txn, const Ent *e, bool add) {
  int err = name_index(txn, ST_ENT_NAME, e->name, e->id, add);
  for (size_t i = 0; !err && i < e->n_former_names; i++)
    err = name_index(txn, ST_ENT_NAME, e->former_names[i], e->id, add);
  for (size_t i = 0; !err && i < e->n_aliases; i++)
    err = name_index(txn, ST_ENT_NAME, e->aliases[i], e->id, add);
  return err;
}

static bool has_text(const char *s) {
  return s && *s;
}

int store_ent_put(store_txn *txn, Oppgraph__V1__Enterprise *e) {
  int err = st_need_write(txn, "store_ent_put");
  if (err)
    return err;
  /* The credit code is a unique key: refuse to steal it from another record
   * rather than leave that record unreachable by code. */
  if (has_text(e->credit_code)) {
    uint64_t owner;
    err = st_get_u64(txn, ST_ENT_CODE, e->credit_code, strlen(e->credit_code),
                     &owner);
    if (err == 0 && owner != e->id)
      return st_fail(STORE_EINVAL,
                     "enterprise \"%s\": credit code %s already belongs to "
                     "enterprise %llu",
                     e->name ? e->name : "", e->credit_code,
                     (unsigned long long)owner);
    if (err && err != STORE_ENOTFOUND)
      return err;
  }
  if (e->id == 0) {
    err = st_seq_next(txn, ST_SEQ_NODE, &e->id);
  } else {
    err = st_seq_bump(txn, ST_SEQ_NODE, e->id);
    Ent *old = NULL;
    if (!err)
      err = store_ent_get(txn, e->id, &old);
    if (err == STORE_ENOTFOUND) {
      err = 0;
    } else if (!err) {
      if (has_text(old->credit_code))
        err = st_del(txn, ST_ENT_CODE, old->credit_code,
                     strlen(old->credit_code), NULL, 0);
      if (!err)
        err = ent_names(txn, old, false);
      oppgraph__v1__enterprise__free_unpacked(old, NULL);
    }
  }
  if (err)
    return err;
  uint8_t key[8];
  store_u64_be(key, e->id);
  err = st_put_msg(txn, ST_ENT, key, 8, &e->base);
  if (!err && has_text(e->credit_code))
    err = st_put_raw(txn, ST_ENT_CODE, e->credit_code, strlen(e->credit_code),
                     key, 8, 0);
  if (!err)
    err = ent_names(txn, e, true);
  return err;
}

int store_ent_get(store_txn *txn, uint64_t id, Oppgraph__V1__Enterprise **out) {
  uint8_t key[8];
  store_u64_be(key, id);
  return st_get_msg(txn, ST_ENT, key, 8, &oppgraph__v1__enterprise__descriptor,
                    (ProtobufCMessage **)out);
}

int store_ent_by_code(store_txn *txn, const char *code, uint64_t *id) {
  if (!code)
    return STORE_ENOTFOUND;
  return st_get_u64(txn, ST_ENT_CODE, code, strlen(code), id);
}

static int by_norm_name(store_txn *txn, enum st_db db, const char *name,
                        uint64_t *id) {
  char *key = NULL;
  size_t klen = 0;
  int err = norm_dup(txn, name, &key, &klen);
  if (err)
    return err;
  if (!key)
    return STORE_ENOTFOUND;
  err = st_get_u64(txn, db, key, klen, id);
  free(key);
  return err;
}

int store_ent_by_name(store_txn *txn, const char *name, uint64_t *id) {
  return by_norm_name(txn, ST_ENT_NAME, name, id);
}

struct ent_ad {
  store_ent_fn fn;
  void *ctx;
};
static int ent_visit(void *a, const ProtobufCMessage *m) {
  struct ent_ad *ad = a;
  return ad->fn(ad->ctx, (const Ent *)m);
}

int store_ent_foreach(store_txn *txn, store_ent_fn fn, void *ctx) {
  struct ent_ad ad = {fn, ctx};
  return st_foreach_msg(txn, ST_ENT, &oppgraph__v1__enterprise__descriptor,
                        ent_visit, &ad);
}

int store_ent_foreach_having(store_txn *txn, const uint32_t *fields,
                             size_t nfields, store_ent_fn fn, void *ctx) {
  struct ent_ad ad = {fn, ctx};
  return st_foreach_msg_having(txn, ST_ENT,
                               &oppgraph__v1__enterprise__descriptor, fields,
                               nfields, ent_visit, &ad);
}

/* Walks ent_name from the first key >= prefix while keys start with prefix. */
static int name_walk(store_txn *txn, const char *prefix, size_t plen,
                     size_t limit, store_name_fn fn, void *ctx) {
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, ST_ENT_NAME), &cur);
  if (rc)
    return st_lmdb_err("open ent_name cursor", rc);
  MDB_val k = {plen, (void *)prefix}, v;
  int ret = 0;
  size_t n = 0;
  rc = plen ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)
            : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
  for (; rc == 0 && n < limit; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
      break;
    if (v.mv_size != 8) {
      ret = st_fail(STORE_ECORRUPT, "ent_name: index value of %zu bytes",
                    v.mv_size);
      break;
    }
    ret = fn(ctx, k.mv_data, k.mv_size, store_be_u64(v.mv_data));
    n++;
    if (ret)
      break;
  }
  if (!ret && rc != 0 && rc != MDB_NOTFOUND)
    ret = st_lmdb_err("walk ent_name", rc);
  mdb_cursor_close(cur);
  return ret;
}

int store_name_foreach(store_txn *txn, store_name_fn fn, void *ctx) {
  return name_walk(txn, "", 0, SIZE_MAX, fn, ctx);
}

int store_name_prefix(store_txn *txn, const char *prefix, size_t limit,
                      store_name_fn fn, void *ctx) {
  size_t n = prefix ? strlen(prefix) : 0;
  char *buf = malloc(n + 1);
  if (!buf)
    return st_fail(STORE_ENOMEM, "store_name_prefix: out of memory");
  size_t plen = store_name_norm(prefix ? prefix : "", n, buf);
  int err =
      plen > txn->st->max_key ? 0 : name_walk(txn, buf, plen, limit, fn, ctx);
  free(buf);
  return err;
}

/* ---- persons ------------------------------------------------------------ */

int store_person_put(store_txn *txn, Oppgraph__V1__Person *p) {
  int err = st_need_write(txn, "store_person_put");
  if (err)
    return err;
  if (p->id == 0) {
    err = st_seq_next(txn, ST_SEQ_NODE, &p->id);
  } else {
    err = st_seq_bump(txn, ST_SEQ_NODE, p->id);
    Oppgraph__V1__Person *old = NULL;
    if (!err)
      err = store_person_get(txn, p->id, &old);
    if (err == STORE_ENOTFOUND) {
      err = 0;
    } else if (!err) {
      err = name_index(txn, ST_PERSON_NAME, old->name, old->id, false);
      oppgraph__v1__person__free_unpacked(old, NULL);
    }
  }
  if (err)
    return err;
  uint8_t key[8];
  store_u64_be(key, p->id);
  err = st_put_msg(txn, ST_PERSON, key, 8, &p->base);
  if (!err)
    err = name_index(txn, ST_PERSON_NAME, p->name, p->id, true);
  return err;
}

int store_person_get(store_txn *txn, uint64_t id, Oppgraph__V1__Person **out) {
  uint8_t key[8];
  store_u64_be(key, id);
  return st_get_msg(txn, ST_PERSON, key, 8, &oppgraph__v1__person__descriptor,
                    (ProtobufCMessage **)out);
}

int store_person_by_name(store_txn *txn, const char *name, uint64_t *id) {
  return by_norm_name(txn, ST_PERSON_NAME, name, id);
}

/* ---- documents ---------------------------------------------------------- */

int store_doc_put(store_txn *txn, Oppgraph__V1__Document *d, bool *is_new) {
  int err = st_need_write(txn, "store_doc_put");
  if (err)
    return err;
  if (d->content_hash.len != 32)
    return st_fail(STORE_EINVAL,
                   "document \"%s\": content_hash is %zu bytes, expected 32 "
                   "(SHA-256)",
                   d->source ? d->source : "", d->content_hash.len);
  if (is_new)
    *is_new = false;
  uint64_t existing;
  err = store_doc_by_hash(txn, d->content_hash.data, &existing);
  if (err == 0) {
    d->id = existing;
    return 0;
  }
  if (err != STORE_ENOTFOUND)
    return err;
  if (d->id == 0) {
    err = st_seq_next(txn, ST_SEQ_DOC, &d->id);
  } else {
    err = st_seq_bump(txn, ST_SEQ_DOC, d->id);
    Oppgraph__V1__Document *old = NULL;
    if (!err)
      err = store_doc_get(txn, d->id, &old);
    if (err == STORE_ENOTFOUND) {
      err = 0;
    } else if (!err) {
      if (old->content_hash.len == 32)
        err = st_del(txn, ST_DOC_HASH, old->content_hash.data, 32, NULL, 0);
      oppgraph__v1__document__free_unpacked(old, NULL);
    }
  }
  if (err)
    return err;
  uint8_t key[8];
  store_u64_be(key, d->id);
  err = st_put_msg(txn, ST_DOC, key, 8, &d->base);
  if (!err)
    err = st_put_raw(txn, ST_DOC_HASH, d->content_hash.data, 32, key, 8, 0);
  if (!err && is_new)
    *is_new = true;
  return err;
}

int store_doc_get(store_txn *txn, uint64_t id, Oppgraph__V1__Document **out) {
  uint8_t key[8];
  store_u64_be(key, id);
  return st_get_msg(txn, ST_DOC, key, 8, &oppgraph__v1__document__descriptor,
                    (ProtobufCMessage **)out);
}

int store_doc_by_hash(store_txn *txn, const uint8_t hash[32], uint64_t *id) {
  return st_get_u64(txn, ST_DOC_HASH, hash, 32, id);
}

/* ---- events ------------------------------------------------------------- */

static int evt_index(store_txn *txn, const Oppgraph__V1__Event *e, bool add) {
  uint8_t key[16];
  store_u64_be(key + 8, e->id);
  int err = 0;
  for (size_t i = 0; !err && i < e->n_subject_ids; i++) {
    store_u64_be(key, e->subject_ids[i]);
    err = add ? st_put_raw(txn, ST_EVT_ENT, key, 16, "", 0, 0)
              : st_del(txn, ST_EVT_ENT, key, 16, NULL, 0);
  }
  return err;
}

int store_evt_put(store_txn *txn, Oppgraph__V1__Event *e) {
  int err = st_need_write(txn, "store_evt_put");
  if (err)
    return err;
  if (e->id == 0) {
    err = st_seq_next(txn, ST_SEQ_EVT, &e->id);
  } else {
    err = st_seq_bump(txn, ST_SEQ_EVT, e->id);
    Oppgraph__V1__Event *old = NULL;
    if (!err)
      err = store_evt_get(txn, e->id, &old);
    if (err == STORE_ENOTFOUND) {
      err = 0;
    } else if (!err) {
      err = evt_index(txn, old, false);
      oppgraph__v1__event__free_unpacked(old, NULL);
    }
  }
  if (err)
    return err;
  uint8_t key[8];
  store_u64_be(key, e->id);
  err = st_put_msg(txn, ST_EVT, key, 8, &e->base);
  if (!err)
    err = evt_index(txn, e, true);
  return err;
}

int store_evt_get(store_txn *txn, uint64_t id, Oppgraph__V1__Event **out) {
  uint8_t key[8];
  store_u64_be(key, id);
  return st_get_msg(txn, ST_EVT, key, 8, &oppgraph__v1__event__descriptor,
                    (ProtobufCMessage **)out);
}

struct evt_ad {
  store_evt_fn fn;
  void *ctx;
};
static int evt_visit(void *a, const ProtobufCMessage *m) {
  struct evt_ad *ad = a;
  return ad->fn(ad->ctx, (const Oppgraph__V1__Event *)m);
}

int store_evt_foreach(store_txn *txn, store_evt_fn fn, void *ctx) {
  struct evt_ad ad = {fn, ctx};
  return st_foreach_msg(txn, ST_EVT, &oppgraph__v1__event__descriptor,
                        evt_visit, &ad);
}

int store_evt_by_ent(store_txn *txn, uint64_t ent_id, store_id_fn fn,
                     void *ctx) {
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, ST_EVT_ENT), &cur);
  if (rc)
    return st_lmdb_err("open evt_ent cursor", rc);
  uint8_t prefix[8];
  store_u64_be(prefix, ent_id);
  MDB_val k = {8, prefix}, v;
  int ret = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size != 16 || memcmp(k.mv_data, prefix, 8) != 0)
      break;
    ret = fn(ctx, store_be_u64((const uint8_t *)k.mv_data + 8));
    if (ret)
      break;
  }
  if (!ret && rc != 0 && rc != MDB_NOTFOUND)
    ret = st_lmdb_err("walk evt_ent", rc);
  mdb_cursor_close(cur);
  return ret;
}
