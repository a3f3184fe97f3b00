/*
 * store_check.c — store_check: proves, inside one read snapshot, that the
 * secondary indexes and the records agree (the "fsck" of the store).
 *
 * Two passes.  Forward: every record decodes, sits under its own id, and
 * every index entry it implies exists and points back at it.  Backward: every
 * index entry names a record that exists and would have produced exactly that
 * entry.  Both are needed: the first finds records that lost an index entry,
 * the second finds entries left behind by a record that changed or vanished.
 * Id sequences in meta are checked to be at least the largest id in use (an id
 * handed out twice would silently overwrite).  The pass is read-only and
 * O(entries × record decode), meant for tests, backups and operators, not for
 * the request path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

typedef struct chk {
  store_txn *txn;
  store_check_report *rep;
  store_check_fn fn;
  void *ctx;
  uint64_t max_node, max_doc, max_evt, max_edge, max_opp;
} chk;

/* Records one inconsistency; never stops the walk, so one run lists them all.
 */
__attribute__((format(printf, 2, 3))) static void
chk_problem(chk *c, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!c->rep->problems)
    snprintf(c->rep->first_problem, sizeof c->rep->first_problem, "%s", msg);
  c->rep->problems++;
  if (c->fn)
    c->fn(c->ctx, msg);
}

/* Names for messages; the table in store.c is private to that file. */
static const char *st_db_table_name(enum st_db db) {
  switch (db) {
  case ST_ENT:
    return "ent";
  case ST_ENT_CODE:
    return "ent_code";
  case ST_ENT_NAME:
    return "ent_name";
  case ST_PERSON:
    return "person";
  case ST_PERSON_NAME:
    return "person_name";
  case ST_DOC:
    return "doc";
  case ST_DOC_HASH:
    return "doc_hash";
  case ST_EVT:
    return "evt";
  case ST_EVT_ENT:
    return "evt_ent";
  case ST_EDGE:
    return "edge";
  case ST_EDGE_KEY:
    return "edge_key";
  case ST_EDGE_OUT:
    return "edge_out";
  case ST_EDGE_IN:
    return "edge_in";
  case ST_OPP:
    return "opp";
  case ST_OPP_RM:
    return "opp_rm";
  case ST_OPP_DEDUP:
    return "opp_dedup";
  case ST_CIRCLE:
    return "circle";
  case ST_CIRCLE_ENT:
    return "circle_ent";
  default:
    return "meta";
  }
}

static unsigned long long ull(uint64_t v) {
  return (unsigned long long)v;
}

/* 0 = (key[, val]) present; STORE_ENOTFOUND = absent; other = LMDB failure.
 * With val, the exact pair must exist (DUPSORT) or the value must equal val. */
static int chk_has(chk *c, enum st_db db, const void *key, size_t klen,
                   const void *val, size_t vlen) {
  if (klen == 0 || klen > c->txn->st->max_key)
    return STORE_ENOTFOUND;
  MDB_cursor *cur;
  int rc = mdb_cursor_open(c->txn->txn, st_dbi(c->txn, db), &cur);
  if (rc)
    return st_lmdb_err("store_check: open cursor", rc);
  MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
  unsigned flags = 0;
  mdb_dbi_flags(c->txn->txn, st_dbi(c->txn, db), &flags);
  if (val && (flags & MDB_DUPSORT)) {
    rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH);
  } else {
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
    if (!rc && val && (v.mv_size != vlen || memcmp(v.mv_data, val, vlen)))
      rc = MDB_NOTFOUND;
  }
  mdb_cursor_close(cur);
  if (rc == MDB_NOTFOUND)
    return STORE_ENOTFOUND;
  return rc ? st_lmdb_err("store_check: look up", rc) : 0;
}

/* Checks one implied index entry; a missing one is a problem, not an error. */
static int chk_want(chk *c, enum st_db db, const void *key, size_t klen,
                    const void *val, size_t vlen, const char *what) {
  int err = chk_has(c, db, key, klen, val, vlen);
  if (err == STORE_ENOTFOUND) {
    chk_problem(c, "%s: missing from %s", what, st_db_table_name(db));
    return 0;
  }
  return err;
}

/* Normalised form of name, or NULL when the store does not index it. */
static char *chk_norm(chk *c, const char *name, size_t *len) {
  *len = 0;
  if (!name || !*name)
    return NULL;
  size_t n = strlen(name);
  char *buf = malloc(n + 1);
  if (!buf)
    return NULL;
  *len = store_name_norm(name, n, buf);
  if (*len == 0 || *len > c->txn->st->max_key) {
    free(buf);
    return NULL;
  }
  return buf;
}

static bool chk_name_is(chk *c, const char *name, const void *key,
                        size_t klen) {
  size_t n;
  char *norm = chk_norm(c, name, &n);
  bool same = norm && n == klen && !memcmp(norm, key, klen);
  free(norm);
  return same;
}

static int chk_name_want(chk *c, enum st_db db, const char *name, uint64_t id,
                         const char *what) {
  size_t n;
  char *norm = chk_norm(c, name, &n);
  if (!norm)
    return 0;
  uint8_t be[8];
  store_u64_be(be, id);
  char label[160];
  snprintf(label, sizeof label, "%s %llu name \"%.60s\"", what, ull(id), name);
  int err = chk_want(c, db, norm, n, be, 8, label);
  free(norm);
  return err;
}

/* Calls visit(c, key, value) for every entry of db (every duplicate too). */
typedef int (*chk_raw_fn)(chk *c, const MDB_val *k, const MDB_val *v);
static int chk_walk(chk *c, enum st_db db, chk_raw_fn visit) {
  MDB_cursor *cur;
  int rc = mdb_cursor_open(c->txn->txn, st_dbi(c->txn, db), &cur);
  if (rc)
    return st_lmdb_err("store_check: open cursor", rc);
  MDB_val k, v;
  int ret = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    c->rep->index_entries++;
    ret = visit(c, &k, &v);
    if (ret)
      break;
  }
  if (!ret && rc != MDB_NOTFOUND)
    ret = st_lmdb_err("store_check: walk", rc);
  mdb_cursor_close(cur);
  return ret;
}

/* Walks a record database; records that do not decode or sit under another id
 * are problems.  visit gets the decoded message. */
typedef int (*chk_msg_fn)(chk *c, const ProtobufCMessage *m);
static int chk_records(chk *c, enum st_db db,
                       const ProtobufCMessageDescriptor *desc, size_t id_off,
                       chk_msg_fn visit) {
  MDB_cursor *cur;
  int rc = mdb_cursor_open(c->txn->txn, st_dbi(c->txn, db), &cur);
  if (rc)
    return st_lmdb_err("store_check: open cursor", rc);
  MDB_val k, v;
  int ret = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    ProtobufCMessage *m =
        protobuf_c_message_unpack(desc, NULL, v.mv_size, v.mv_data);
    if (!m) {
      chk_problem(c, "%s: a %zu-byte value does not decode as %s",
                  st_db_table_name(db), v.mv_size, desc->name);
      continue;
    }
    uint64_t id = *(const uint64_t *)((const char *)m + id_off);
    if (k.mv_size != 8 || store_be_u64(k.mv_data) != id)
      chk_problem(c, "%s: record %llu is stored under another key",
                  st_db_table_name(db), ull(id));
    else
      ret = visit(c, m);
    protobuf_c_message_free_unpacked(m, NULL);
    if (ret)
      break;
  }
  if (!ret && rc != MDB_NOTFOUND)
    ret = st_lmdb_err("store_check: walk", rc);
  mdb_cursor_close(cur);
  return ret;
}

static uint64_t max_u64(uint64_t a, uint64_t b) {
  return a > b ? a : b;
}

/* ---- forward: records imply index entries -------------------------------- */

static int fwd_ent(chk *c, const ProtobufCMessage *m) {
  const Oppgraph__V1__Enterprise *e = (const void *)m;
  c->max_node = max_u64(c->max_node, e->id);
  uint8_t be[8];
  store_u64_be(be, e->id);
  int err = 0;
  if (e->credit_code && *e->credit_code) {
    char label[96];
    snprintf(label, sizeof label, "enterprise %llu credit code %.40s",
             ull(e->id), e->credit_code);
    err = chk_want(c, ST_ENT_CODE, e->credit_code, strlen(e->credit_code), be,
                   8, label);
  }
  if (!err)
    err = chk_name_want(c, ST_ENT_NAME, e->name, e->id, "enterprise");
  for (size_t i = 0; !err && i < e->n_former_names; i++)
    err =
        chk_name_want(c, ST_ENT_NAME, e->former_names[i], e->id, "enterprise");
  for (size_t i = 0; !err && i < e->n_aliases; i++)
    err = chk_name_want(c, ST_ENT_NAME, e->aliases[i], e->id, "enterprise");
  return err;
}

static int fwd_person(chk *c, const ProtobufCMessage *m) {
  const Oppgraph__V1__Person *p = (const void *)m;
  c->max_node = max_u64(c->max_node, p->id);
  return chk_name_want(c, ST_PERSON_NAME, p->name, p->id, "person");
}

static int fwd_doc(chk *c, const ProtobufCMessage *m) {
  const Oppgraph__V1__Document *d = (const void *)m;
  c->max_doc = max_u64(c->max_doc, d->id);
  if (d->content_hash.len != 32) {
    chk_problem(c, "document %llu: content hash of %zu bytes", ull(d->id),
                d->content_hash.len);
    return 0;
  }
  uint8_t be[8];
  store_u64_be(be, d->id);
  char label[64];
  snprintf(label, sizeof label, "document %llu content hash", ull(d->id));
  return chk_want(c, ST_DOC_HASH, d->content_hash.data, 32, be, 8, label);
}

static int fwd_evt(chk *c, const ProtobufCMessage *m) {
  const Oppgraph__V1__Event *e = (const void *)m;
  c->max_evt = max_u64(c->max_evt, e->id);
  uint8_t key[16];
  store_u64_be(key + 8, e->id);
  int err = 0;
  for (size_t i = 0; !err && i < e->n_subject_ids; i++) {
    store_u64_be(key, e->subject_ids[i]);
    char label[96];
    snprintf(label, sizeof label, "event %llu subject %llu", ull(e->id),
             ull(e->subject_ids[i]));
    err = chk_want(c, ST_EVT_ENT, key, 16, NULL, 0, label);
  }
  return err;
}

#define CHK_NKEY 19
#define CHK_AKEY 17
static void chk_edge_nkey(uint8_t k[CHK_NKEY], const Oppgraph__V1__Edge *e) {
  k[0] = (uint8_t)e->type;
  k[1] = (uint8_t)e->src_kind;
  store_u64_be(k + 2, e->src);
  k[10] = (uint8_t)e->dst_kind;
  store_u64_be(k + 11, e->dst);
}
static void chk_edge_akey(uint8_t k[CHK_AKEY], uint64_t node, int type,
                          uint64_t id) {
  store_u64_be(k, node);
  k[8] = (uint8_t)type;
  store_u64_be(k + 9, id);
}

static int fwd_edge(chk *c, const ProtobufCMessage *m) {
  const Oppgraph__V1__Edge *e = (const void *)m;
  c->max_edge = max_u64(c->max_edge, e->id);
  uint8_t nk[CHK_NKEY], ok[CHK_AKEY], ik[CHK_AKEY], be[8];
  chk_edge_nkey(nk, e);
  chk_edge_akey(ok, e->src, e->type, e->id);
  chk_edge_akey(ik, e->dst, e->type, e->id);
  store_u64_be(be, e->id);
  char label[96];
  snprintf(label, sizeof label, "edge %llu (%llu -> %llu, type %d)", ull(e->id),
           ull(e->src), ull(e->dst), (int)e->type);
  int err = chk_want(c, ST_EDGE_KEY, nk, CHK_NKEY, be, 8, label);
  if (!err)
    err = chk_want(c, ST_EDGE_OUT, ok, CHK_AKEY, NULL, 0, label);
  if (!err)
    err = chk_want(c, ST_EDGE_IN, ik, CHK_AKEY, NULL, 0, label);
  return err;
}

/* opp_rm key of o (rm id ‖ 0x00 ‖ score key ‖ id), malloc'd. */
static uint8_t *chk_opp_rm_key(const Oppgraph__V1__Opportunity *o,
                               size_t *len) {
  const char *rm = o->rm_id ? o->rm_id : "";
  size_t rl = strlen(rm);
  uint8_t *k = malloc(rl + 1 + STORE_PAGE_KEY_LEN);
  if (!k)
    return NULL;
  memcpy(k, rm, rl);
  k[rl] = 0;
  store_u64_be(k + rl + 1, store_score_key(o->score));
  store_u64_be(k + rl + 9, o->id);
  *len = rl + 1 + STORE_PAGE_KEY_LEN;
  return k;
}

static int fwd_opp(chk *c, const ProtobufCMessage *m) {
  const Oppgraph__V1__Opportunity *o = (const void *)m;
  c->max_opp = max_u64(c->max_opp, o->id);
  char label[96];
  snprintf(label, sizeof label, "opportunity %llu (rm \"%.30s\")", ull(o->id),
           o->rm_id ? o->rm_id : "");
  size_t klen;
  uint8_t *k = chk_opp_rm_key(o, &klen);
  if (!k)
    return st_fail(STORE_ENOMEM, "store_check: out of memory");
  int err = chk_want(c, ST_OPP_RM, k, klen, NULL, 0, label);
  free(k);
  if (!err && o->dedup_key && *o->dedup_key) {
    uint8_t be[8];
    store_u64_be(be, o->id);
    err = chk_want(c, ST_OPP_DEDUP, o->dedup_key, strlen(o->dedup_key), be, 8,
                   label);
  }
  return err;
}

static int fwd_circle(chk *c, const ProtobufCMessage *m) {
  const Oppgraph__V1__GuaranteeCircle *g = (const void *)m;
  uint8_t be[8], mk[8];
  store_u64_be(be, g->id);
  int err = 0;
  for (size_t i = 0; !err && i < g->n_members; i++) {
    store_u64_be(mk, g->members[i]);
    char label[96];
    snprintf(label, sizeof label, "circle %llu member %llu", ull(g->id),
             ull(g->members[i]));
    err = chk_want(c, ST_CIRCLE_ENT, mk, 8, be, 8, label);
  }
  return err;
}

/* ---- backward: index entries name records that produce them ------------- */

/* The record of db under id, decoded; NULL (and a problem) when absent. */
static ProtobufCMessage *chk_get(chk *c, enum st_db db,
                                 const ProtobufCMessageDescriptor *desc,
                                 uint64_t id, enum st_db from, int *err) {
  uint8_t key[8];
  store_u64_be(key, id);
  ProtobufCMessage *m = NULL;
  *err = st_get_msg(c->txn, db, key, 8, desc, &m);
  if (*err == STORE_ENOTFOUND || *err == STORE_ECORRUPT) {
    chk_problem(c, "%s: entry points at %s %llu, which %s",
                st_db_table_name(from), st_db_table_name(db), ull(id),
                *err == STORE_ENOTFOUND ? "does not exist" : "does not decode");
    *err = 0;
    return NULL;
  }
  return *err ? NULL : m;
}

static bool chk_u64_val(chk *c, enum st_db db, const MDB_val *v, uint64_t *id) {
  if (v->mv_size != 8) {
    chk_problem(c, "%s: value of %zu bytes, expected a u64 id",
                st_db_table_name(db), v->mv_size);
    return false;
  }
  *id = store_be_u64(v->mv_data);
  return true;
}

static int bwd_ent_code(chk *c, const MDB_val *k, const MDB_val *v) {
  uint64_t id;
  if (!chk_u64_val(c, ST_ENT_CODE, v, &id))
    return 0;
  int err;
  Oppgraph__V1__Enterprise *e = (void *)chk_get(
      c, ST_ENT, &oppgraph__v1__enterprise__descriptor, id, ST_ENT_CODE, &err);
  if (e && !(e->credit_code && strlen(e->credit_code) == k->mv_size &&
             !memcmp(e->credit_code, k->mv_data, k->mv_size)))
    chk_problem(c,
                "ent_code: code %.*s points at enterprise %llu, whose code "
                "is %s",
                (int)(k->mv_size > 40 ? 40 : k->mv_size),
                (const char *)k->mv_data, ull(id),
                e->credit_code ? e->credit_code : "(none)");
  if (e)
    oppgraph__v1__enterprise__free_unpacked(e, NULL);
  return err;
}

static int bwd_ent_name(chk *c, const MDB_val *k, const MDB_val *v) {
  uint64_t id;
  if (!chk_u64_val(c, ST_ENT_NAME, v, &id))
    return 0;
  int err;
  Oppgraph__V1__Enterprise *e = (void *)chk_get(
      c, ST_ENT, &oppgraph__v1__enterprise__descriptor, id, ST_ENT_NAME, &err);
  if (!e)
    return err;
  bool found = chk_name_is(c, e->name, k->mv_data, k->mv_size);
  for (size_t i = 0; !found && i < e->n_former_names; i++)
    found = chk_name_is(c, e->former_names[i], k->mv_data, k->mv_size);
  for (size_t i = 0; !found && i < e->n_aliases; i++)
    found = chk_name_is(c, e->aliases[i], k->mv_data, k->mv_size);
  if (!found)
    chk_problem(c,
                "ent_name: \"%.*s\" points at enterprise %llu, which has no "
                "such name",
                (int)(k->mv_size > 60 ? 60 : k->mv_size),
                (const char *)k->mv_data, ull(id));
  oppgraph__v1__enterprise__free_unpacked(e, NULL);
  return 0;
}

static int bwd_person_name(chk *c, const MDB_val *k, const MDB_val *v) {
  uint64_t id;
  if (!chk_u64_val(c, ST_PERSON_NAME, v, &id))
    return 0;
  int err;
  Oppgraph__V1__Person *p =
      (void *)chk_get(c, ST_PERSON, &oppgraph__v1__person__descriptor, id,
                      ST_PERSON_NAME, &err);
  if (!p)
    return err;
  if (!chk_name_is(c, p->name, k->mv_data, k->mv_size))
    chk_problem(c,
                "person_name: \"%.*s\" points at person %llu, named "
                "otherwise",
                (int)(k->mv_size > 60 ? 60 : k->mv_size),
                (const char *)k->mv_data, ull(id));
  oppgraph__v1__person__free_unpacked(p, NULL);
  return 0;
}

static int bwd_doc_hash(chk *c, const MDB_val *k, const MDB_val *v) {
  uint64_t id;
  if (!chk_u64_val(c, ST_DOC_HASH, v, &id))
    return 0;
  int err;
  Oppgraph__V1__Document *d = (void *)chk_get(
      c, ST_DOC, &oppgraph__v1__document__descriptor, id, ST_DOC_HASH, &err);
  if (!d)
    return err;
  if (k->mv_size != 32 || d->content_hash.len != 32 ||
      memcmp(d->content_hash.data, k->mv_data, 32))
    chk_problem(c,
                "doc_hash: an entry points at document %llu, whose hash "
                "differs",
                ull(id));
  oppgraph__v1__document__free_unpacked(d, NULL);
  return 0;
}

static int bwd_evt_ent(chk *c, const MDB_val *k, const MDB_val *v) {
  if (k->mv_size != 16) {
    chk_problem(c, "evt_ent: key of %zu bytes, expected 16", k->mv_size);
    return 0;
  }
  uint64_t ent = store_be_u64(k->mv_data);
  uint64_t id = store_be_u64((const uint8_t *)k->mv_data + 8);
  int err;
  Oppgraph__V1__Event *e = (void *)chk_get(
      c, ST_EVT, &oppgraph__v1__event__descriptor, id, ST_EVT_ENT, &err);
  if (!e)
    return err;
  bool found = false;
  for (size_t i = 0; !found && i < e->n_subject_ids; i++)
    found = e->subject_ids[i] == ent;
  if (!found)
    chk_problem(c,
                "evt_ent: event %llu is listed under enterprise %llu, not "
                "one of its subjects",
                ull(id), ull(ent));
  oppgraph__v1__event__free_unpacked(e, NULL);
  return 0;
}

static int bwd_edge_key(chk *c, const MDB_val *k, const MDB_val *v) {
  uint64_t id;
  if (!chk_u64_val(c, ST_EDGE_KEY, v, &id))
    return 0;
  int err;
  Oppgraph__V1__Edge *e = (void *)chk_get(
      c, ST_EDGE, &oppgraph__v1__edge__descriptor, id, ST_EDGE_KEY, &err);
  if (!e)
    return err;
  uint8_t nk[CHK_NKEY];
  chk_edge_nkey(nk, e);
  if (k->mv_size != CHK_NKEY || memcmp(nk, k->mv_data, CHK_NKEY))
    chk_problem(c,
                "edge_key: an entry points at edge %llu, whose natural key "
                "differs",
                ull(id));
  oppgraph__v1__edge__free_unpacked(e, NULL);
  return 0;
}

static int bwd_edge_adj(chk *c, const MDB_val *k, enum st_db db) {
  if (k->mv_size != CHK_AKEY) {
    chk_problem(c, "%s: key of %zu bytes, expected %d", st_db_table_name(db),
                k->mv_size, CHK_AKEY);
    return 0;
  }
  const uint8_t *p = k->mv_data;
  uint64_t node = store_be_u64(p), id = store_be_u64(p + 9);
  int err;
  Oppgraph__V1__Edge *e = (void *)chk_get(
      c, ST_EDGE, &oppgraph__v1__edge__descriptor, id, db, &err);
  if (!e)
    return err;
  uint64_t want = db == ST_EDGE_OUT ? e->src : e->dst;
  if (want != node || (uint8_t)e->type != p[8])
    chk_problem(c,
                "%s: edge %llu is listed at node %llu type %u, but runs "
                "%llu -> %llu type %d",
                st_db_table_name(db), ull(id), ull(node), p[8], ull(e->src),
                ull(e->dst), (int)e->type);
  oppgraph__v1__edge__free_unpacked(e, NULL);
  return 0;
}
static int bwd_edge_out(chk *c, const MDB_val *k, const MDB_val *v) {
  return bwd_edge_adj(c, k, ST_EDGE_OUT);
}
static int bwd_edge_in(chk *c, const MDB_val *k, const MDB_val *v) {
  return bwd_edge_adj(c, k, ST_EDGE_IN);
}

static int bwd_opp_rm(chk *c, const MDB_val *k, const MDB_val *v) {
  if (k->mv_size < 1 + STORE_PAGE_KEY_LEN) {
    chk_problem(c, "opp_rm: key of %zu bytes is too short", k->mv_size);
    return 0;
  }
  uint64_t id = store_be_u64((const uint8_t *)k->mv_data + k->mv_size - 8);
  int err;
  Oppgraph__V1__Opportunity *o = (void *)chk_get(
      c, ST_OPP, &oppgraph__v1__opportunity__descriptor, id, ST_OPP_RM, &err);
  if (!o)
    return err;
  size_t klen;
  uint8_t *want = chk_opp_rm_key(o, &klen);
  if (!want) {
    oppgraph__v1__opportunity__free_unpacked(o, NULL);
    return st_fail(STORE_ENOMEM, "store_check: out of memory");
  }
  if (klen != k->mv_size || memcmp(want, k->mv_data, klen))
    chk_problem(c,
                "opp_rm: an entry points at opportunity %llu, whose RM or "
                "score differs",
                ull(id));
  free(want);
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  return 0;
}

static int bwd_opp_dedup(chk *c, const MDB_val *k, const MDB_val *v) {
  uint64_t id;
  if (!chk_u64_val(c, ST_OPP_DEDUP, v, &id))
    return 0;
  int err;
  Oppgraph__V1__Opportunity *o =
      (void *)chk_get(c, ST_OPP, &oppgraph__v1__opportunity__descriptor, id,
                      ST_OPP_DEDUP, &err);
  if (!o)
    return err;
  if (!(o->dedup_key && strlen(o->dedup_key) == k->mv_size &&
        !memcmp(o->dedup_key, k->mv_data, k->mv_size)))
    chk_problem(c,
                "opp_dedup: an entry points at opportunity %llu, whose "
                "dedup key differs",
                ull(id));
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  return 0;
}

static int bwd_circle_ent(chk *c, const MDB_val *k, const MDB_val *v) {
  uint64_t id;
  if (!chk_u64_val(c, ST_CIRCLE_ENT, v, &id))
    return 0;
  if (k->mv_size != 8) {
    chk_problem(c, "circle_ent: key of %zu bytes, expected 8", k->mv_size);
    return 0;
  }
  uint64_t ent = store_be_u64(k->mv_data);
  int err;
  Oppgraph__V1__GuaranteeCircle *g =
      (void *)chk_get(c, ST_CIRCLE, &oppgraph__v1__guarantee_circle__descriptor,
                      id, ST_CIRCLE_ENT, &err);
  if (!g)
    return err;
  bool found = false;
  for (size_t i = 0; !found && i < g->n_members; i++)
    found = g->members[i] == ent;
  if (!found)
    chk_problem(c,
                "circle_ent: enterprise %llu is listed in circle %llu, "
                "which does not contain it",
                ull(ent), ull(id));
  oppgraph__v1__guarantee_circle__free_unpacked(g, NULL);
  return 0;
}

/* ---- sequences ------------------------------------------------------------
 */

static int chk_seq(chk *c, const char *name, uint64_t max_id) {
  uint64_t cur = 0;
  int err = st_get_u64(c->txn, ST_META, name, strlen(name), &cur);
  if (err == STORE_ENOTFOUND)
    err = 0;
  if (err)
    return err;
  if (cur < max_id)
    chk_problem(c,
                "meta %s is %llu but id %llu is in use (would be handed "
                "out again)",
                name, ull(cur), ull(max_id));
  return 0;
}

int store_check(store_txn *txn, store_check_fn fn, void *ctx,
                store_check_report *out) {
  memset(out, 0, sizeof *out);
  chk c = {.txn = txn, .rep = out, .fn = fn, .ctx = ctx};
  int err = store_stats_get(txn, &out->stats);
#define CHK_REC(db, T, field, visit)                                           \
  if (!err)                                                                    \
  err = chk_records(&c, db, &oppgraph__v1__##T##__descriptor,                  \
                    offsetof(field, id), visit)
  CHK_REC(ST_ENT, enterprise, Oppgraph__V1__Enterprise, fwd_ent);
  CHK_REC(ST_PERSON, person, Oppgraph__V1__Person, fwd_person);
  CHK_REC(ST_DOC, document, Oppgraph__V1__Document, fwd_doc);
  CHK_REC(ST_EVT, event, Oppgraph__V1__Event, fwd_evt);
  CHK_REC(ST_EDGE, edge, Oppgraph__V1__Edge, fwd_edge);
  CHK_REC(ST_OPP, opportunity, Oppgraph__V1__Opportunity, fwd_opp);
  CHK_REC(ST_CIRCLE, guarantee_circle, Oppgraph__V1__GuaranteeCircle,
          fwd_circle);
#undef CHK_REC
  static const struct {
    enum st_db db;
    chk_raw_fn visit;
  } idx[] = {{ST_ENT_CODE, bwd_ent_code},       {ST_ENT_NAME, bwd_ent_name},
             {ST_PERSON_NAME, bwd_person_name}, {ST_DOC_HASH, bwd_doc_hash},
             {ST_EVT_ENT, bwd_evt_ent},         {ST_EDGE_KEY, bwd_edge_key},
             {ST_EDGE_OUT, bwd_edge_out},       {ST_EDGE_IN, bwd_edge_in},
             {ST_OPP_RM, bwd_opp_rm},           {ST_OPP_DEDUP, bwd_opp_dedup},
             {ST_CIRCLE_ENT, bwd_circle_ent}};
  for (size_t i = 0; !err && i < sizeof idx / sizeof idx[0]; i++)
    err = chk_walk(&c, idx[i].db, idx[i].visit);
  if (!err)
    err = chk_seq(&c, ST_SEQ_NODE, c.max_node);
  if (!err)
    err = chk_seq(&c, ST_SEQ_DOC, c.max_doc);
  if (!err)
    err = chk_seq(&c, ST_SEQ_EVT, c.max_evt);
  if (!err)
    err = chk_seq(&c, ST_SEQ_EDGE, c.max_edge);
  if (!err)
    err = chk_seq(&c, ST_SEQ_OPP, c.max_opp);
  if (!err && out->problems)
    err = st_fail(STORE_ECORRUPT, "store_check: %zu problems, first: %s",
                  out->problems, out->first_problem);
  return err;
}
