/*
 * store.c — the LMDB environment: open/close with the schema-version check,
 * transactions, hot backup, statistics, meta values, key encodings, name
 * normalisation, error reporting, and the helpers the record files
 * (store_records.c, store_links.c) build on.
 *
 * Every named database is opened (created when writable) in one write
 * transaction at open, so later transactions only use the handles.  The env
 * is opened with MDB_NOTLS: a read transaction is then not bound to the
 * thread that began it, which the server's worker threads rely on.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "store/store_internal.h"

#define ST_DEFAULT_MAP_SIZE ((size_t)8 << 30)
/* Spare handles beyond our own databases, for future schema versions. */
#define ST_MAX_DBS 64

static const struct {
  const char *name;
  unsigned flags;
  bool optional; /* added without a schema bump: may be missing read-only */
} st_db_table[ST_DB_COUNT] = {
    [ST_META] = {"meta", 0},
    [ST_ENT] = {"ent", 0},
    [ST_ENT_CODE] = {"ent_code", 0},
    [ST_ENT_NAME] = {"ent_name", MDB_DUPSORT},
    [ST_PERSON] = {"person", 0},
    [ST_PERSON_NAME] = {"person_name", MDB_DUPSORT},
    [ST_DOC] = {"doc", 0},
    [ST_DOC_HASH] = {"doc_hash", 0},
    [ST_EVT] = {"evt", 0},
    [ST_EVT_ENT] = {"evt_ent", 0},
    [ST_EDGE] = {"edge", 0},
    [ST_EDGE_KEY] = {"edge_key", 0},
    [ST_EDGE_OUT] = {"edge_out", 0},
    [ST_EDGE_IN] = {"edge_in", 0},
    [ST_OPP] = {"opp", 0},
    [ST_OPP_RM] = {"opp_rm", 0},
    [ST_OPP_DEDUP] = {"opp_dedup", 0},
    [ST_RM] = {"rm", 0},
    [ST_TOKEN] = {"token", 0},
    [ST_CIRCLE] = {"circle", 0},
    [ST_CIRCLE_ENT] = {"circle_ent", 0},
    [ST_KB_ARTICLE] = {"kb_article", 0, true},
    [ST_KB_POST] = {"kb_post", 0, true},
    [ST_KB_META] = {"kb_meta", 0, true},
};

/* The one piece of mutable static state: a per-thread diagnostic buffer, so
 * that an int error code can be explained without threading a message buffer
 * through every call.  Being _Thread_local, threads never see each other's. */
static _Thread_local char st_errbuf[512];

const char *store_last_error(void) {
  return st_errbuf;
}

int st_fail(int err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(st_errbuf, sizeof st_errbuf, fmt, ap);
  va_end(ap);
  return err;
}

int st_lmdb_err(const char *op, int rc) {
  if (rc == MDB_NOTFOUND)
    return STORE_ENOTFOUND;
  snprintf(st_errbuf, sizeof st_errbuf, "%s: %s", op, mdb_strerror(rc));
  switch (rc) {
  case MDB_MAP_FULL:
  case MDB_TXN_FULL:
    return STORE_EFULL;
  case MDB_CORRUPTED:
  case MDB_PAGE_NOTFOUND:
  case MDB_INCOMPATIBLE:
    return STORE_ECORRUPT;
  case ENOMEM:
    return STORE_ENOMEM;
  case MDB_BAD_VALSIZE:
    return STORE_EINVAL;
  default:
    return STORE_ELMDB;
  }
}

const char *store_strerror(int err) {
  switch (err) {
  case STORE_OK:
    return "ok";
  case STORE_ENOTFOUND:
    return "no such record";
  case STORE_ESCHEMA:
    return "store written by another schema version";
  case STORE_ECORRUPT:
    return "corrupt record or index";
  case STORE_ELMDB:
    return "LMDB error";
  case STORE_ENOMEM:
    return "out of memory";
  case STORE_EINVAL:
    return "invalid argument";
  case STORE_EFULL:
    return "store map full (raise --map-size)";
  case STORE_EIO:
    return "cannot create or open the store directory";
  default:
    return "unknown store error";
  }
}

/* ---- key encodings ------------------------------------------------------ */

void store_u64_be(uint8_t out[8], uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    out[i] = (uint8_t)(v & 0xff);
    v >>= 8;
  }
}

uint64_t store_be_u64(const uint8_t in[8]) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | in[i];
  return v;
}

uint64_t store_score_key(double score) {
  /* NaN would otherwise sort above +inf; a score that is not a number is the
   * worst score.  -0.0 and 0.0 must share one key. */
  if (isnan(score))
    score = -INFINITY;
  if (score == 0.0)
    score = 0.0;
  uint64_t bits;
  memcpy(&bits, &score, sizeof bits);
  if (bits >> 63)
    bits = ~bits;
  else
    bits |= (uint64_t)1 << 63;
  return ~bits;
}

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length and the
 * code point, or 0 for an invalid or truncated sequence. */
static size_t utf8_dec(const unsigned char *s, size_t n, uint32_t *cp) {
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  size_t len;
  uint32_t c;
  if ((s[0] & 0xe0) == 0xc0) {
    len = 2;
    c = s[0] & 0x1f;
  } else if ((s[0] & 0xf0) == 0xe0) {
    len = 3;
    c = s[0] & 0x0f;
  } else if ((s[0] & 0xf8) == 0xf0) {
    len = 4;
    c = s[0] & 0x07;
  } else {
    return 0;
  }
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    c = (c << 6) | (s[i] & 0x3f);
  }
  *cp = c;
  return len;
}

size_t store_name_norm(const char *in, size_t len, char *out) {
  const unsigned char *s = (const unsigned char *)in;
  size_t i = 0, o = 0;
  while (i < len) {
    uint32_t cp;
    size_t l = utf8_dec(s + i, len - i, &cp);
    if (l == 0) { /* invalid byte: copied, so distinct inputs stay distinct */
      out[o++] = (char)s[i++];
      continue;
    }
    if (cp >= 0xff01 && cp <= 0xff5e)
      cp -= 0xfee0; /* full-width ASCII */
    if (cp == 0x3000 || cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
        cp == '\v' || cp == '\f') {
      i += l;
      continue;
    }
    if (cp < 0x80) {
      char c = (char)cp;
      if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
      out[o++] = c;
    } else {
      memcpy(out + o, s + i, l);
      o += l;
    }
    i += l;
  }
  out[o] = '\0';
  return o;
}

/* ---- environment -------------------------------------------------------- */

static int st_dir_prepare(const char *dir, bool read_only) {
  struct stat sb;
  if (stat(dir, &sb) == 0) {
    if (!S_ISDIR(sb.st_mode))
      return st_fail(STORE_EIO, "store %s: not a directory", dir);
    return 0;
  }
  if (read_only)
    return st_fail(STORE_EIO, "store %s: %s (read-only open creates nothing)",
                   dir, strerror(errno));
  if (mkdir(dir, 0755) != 0 && errno != EEXIST)
    return st_fail(STORE_EIO, "store %s: cannot create directory: %s", dir,
                   strerror(errno));
  return 0;
}

/* Opens every named database inside txn and checks / writes the schema
 * version.  On a read-only env nothing is created. */
static int st_open_dbs(store *st, MDB_txn *txn, const char *dir) {
  unsigned create = st->read_only ? 0 : MDB_CREATE;
  for (int i = 0; i < ST_DB_COUNT; i++) {
    int rc = mdb_dbi_open(txn, st_db_table[i].name,
                          st_db_table[i].flags | create, &st->dbi[i]);
    if (rc == MDB_NOTFOUND && st_db_table[i].optional) {
      st->absent[i] = true;
      continue;
    }
    if (rc == MDB_NOTFOUND)
      return st_fail(STORE_ESCHEMA,
                     "store %s: database \"%s\" is missing (not an oppgraph "
                     "store, or an older schema)",
                     dir, st_db_table[i].name);
    if (rc != 0) {
      char op[128];
      snprintf(op, sizeof op, "store %s: open database %s", dir,
               st_db_table[i].name);
      return st_lmdb_err(op, rc);
    }
  }
  MDB_val k = {sizeof "schema_version" - 1, (void *)"schema_version"}, v;
  int rc = mdb_get(txn, st->dbi[ST_META], &k, &v);
  if (rc == MDB_NOTFOUND) {
    if (st->read_only)
      return st_fail(STORE_ESCHEMA, "store %s: no schema_version in meta", dir);
    uint8_t be[8];
    store_u64_be(be, STORE_SCHEMA_VERSION);
    v.mv_size = 8;
    v.mv_data = be;
    rc = mdb_put(txn, st->dbi[ST_META], &k, &v, 0);
    if (rc != 0)
      return st_lmdb_err("write schema_version", rc);
    return 0;
  }
  if (rc != 0)
    return st_lmdb_err("read schema_version", rc);
  if (v.mv_size != 8)
    return st_fail(STORE_ECORRUPT,
                   "store %s: schema_version is %zu bytes, expected 8", dir,
                   v.mv_size);
  uint64_t ver = store_be_u64(v.mv_data);
  if (ver != STORE_SCHEMA_VERSION)
    return st_fail(STORE_ESCHEMA,
                   "store %s has schema version %llu, this build expects %d",
                   dir, (unsigned long long)ver, STORE_SCHEMA_VERSION);
  return 0;
}

int store_open(const char *dir, const store_options *opt, store **out) {
  *out = NULL;
  if (!dir || !*dir)
    return st_fail(STORE_EINVAL, "store_open: empty directory");
  bool ro = opt && opt->read_only;
  size_t map = opt && opt->map_size ? opt->map_size : ST_DEFAULT_MAP_SIZE;
  int err = st_dir_prepare(dir, ro);
  if (err)
    return err;

  store *st = calloc(1, sizeof *st);
  if (!st)
    return st_fail(STORE_ENOMEM, "store %s: out of memory", dir);
  st->read_only = ro;
  char op[600];
  int rc = mdb_env_create(&st->env);
  if (rc) {
    free(st);
    return st_lmdb_err("mdb_env_create", rc);
  }
  if ((rc = mdb_env_set_maxdbs(st->env, ST_MAX_DBS)) ||
      (rc = mdb_env_set_mapsize(st->env, map))) {
    err = st_lmdb_err("configure environment", rc);
    goto fail;
  }
  rc = mdb_env_open(st->env, dir,
                    MDB_NOTLS | (ro ? MDB_RDONLY : 0) |
                        (!ro && opt && opt->no_sync ? MDB_NOSYNC : 0),
                    0644);
  if (rc) {
    snprintf(op, sizeof op, "store %s: open environment", dir);
    err = st_lmdb_err(op, rc);
    if (rc == ENOENT)
      err = st_fail(STORE_EIO, "store %s: no data.mdb (not an oppgraph store)",
                    dir);
    else if (rc == EACCES)
      err = STORE_EIO;
    goto fail;
  }
  st->max_key = (size_t)mdb_env_get_maxkeysize(st->env);
  /* Reader slots of processes that died mid-read would pin old pages and let
   * the file grow without bound; clearing them at open is cheap. */
  int dead;
  mdb_reader_check(st->env, &dead);
  MDB_txn *txn;
  rc = mdb_txn_begin(st->env, NULL, ro ? MDB_RDONLY : 0, &txn);
  if (rc) {
    err = st_lmdb_err("store_open: begin transaction", rc);
    goto fail;
  }
  err = st_open_dbs(st, txn, dir);
  if (err) {
    mdb_txn_abort(txn);
    goto fail;
  }
  rc = mdb_txn_commit(txn);
  if (rc) {
    err = st_lmdb_err("store_open: commit", rc);
    goto fail;
  }
  *out = st;
  return 0;
fail:
  mdb_env_close(st->env);
  free(st);
  return err;
}

int store_sync(store *st) {
  if (st->read_only)
    return 0;
  int rc = mdb_env_sync(st->env, 1);
  return rc ? st_lmdb_err("sync environment", rc) : 0;
}

void store_close(store *st) {
  if (!st)
    return;
  mdb_env_close(st->env);
  free(st);
}

int store_backup(store *st, const char *dest) {
  if (!dest || !*dest)
    return st_fail(STORE_EINVAL, "store_backup: empty destination");
  int err = st_dir_prepare(dest, false);
  if (err)
    return err;
  DIR *d = opendir(dest);
  if (!d)
    return st_fail(STORE_EIO, "backup %s: %s", dest, strerror(errno));
  struct dirent *de;
  bool empty = true;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      empty = false;
  closedir(d);
  if (!empty)
    return st_fail(STORE_EINVAL,
                   "backup %s: directory is not empty (refusing to overwrite)",
                   dest);
  int rc = mdb_env_copy2(st->env, dest, MDB_CP_COMPACT);
  if (rc) {
    char op[600];
    snprintf(op, sizeof op, "backup to %s", dest);
    return st_lmdb_err(op, rc);
  }
  return 0;
}

/* ---- transactions ------------------------------------------------------- */

int store_begin(store *st, bool write, store_txn **out) {
  *out = NULL;
  if (write && st->read_only)
    return st_fail(STORE_EINVAL, "store_begin: store was opened read-only");
  store_txn *t = malloc(sizeof *t);
  if (!t)
    return st_fail(STORE_ENOMEM, "store_begin: out of memory");
  int rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
  if (rc == MDB_MAP_RESIZED) {
    /* Another process (ingest next to a server) grew the map: adopt its
     * size and retry once. */
    rc = mdb_env_set_mapsize(st->env, 0);
    if (!rc)
      rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
  }
  if (rc) {
    free(t);
    return st_lmdb_err(
        write ? "begin write transaction" : "begin read transaction", rc);
  }
  t->st = st;
  t->write = write;
  *out = t;
  return 0;
}

int store_commit(store_txn *txn) {
  if (!txn)
    return st_fail(STORE_EINVAL, "store_commit: NULL transaction");
  int rc = mdb_txn_commit(txn->txn);
  free(txn);
  return rc ? st_lmdb_err("commit", rc) : 0;
}

void store_abort(store_txn *txn) {
  if (!txn)
    return;
  mdb_txn_abort(txn->txn);
  free(txn);
}

int st_need_write(store_txn *txn, const char *op) {
  if (!txn)
    return st_fail(STORE_EINVAL, "%s: NULL transaction", op);
  if (!txn->write)
    return st_fail(STORE_EINVAL, "%s: needs a write transaction", op);
  return 0;
}

int store_stats_get(store_txn *txn, store_stats *out) {
  static const enum st_db dbs[] = {ST_ENT, ST_PERSON, ST_DOC,
                                   ST_EVT, ST_EDGE,   ST_OPP,
                                   ST_RM,  ST_TOKEN,  ST_CIRCLE};
  size_t *fields[] = {&out->enterprises, &out->persons, &out->documents,
                      &out->events,      &out->edges,   &out->opportunities,
                      &out->rms,         &out->tokens,  &out->circles};
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
    MDB_stat ms;
    int rc = mdb_stat(txn->txn, st_dbi(txn, dbs[i]), &ms);
    if (rc)
      return st_lmdb_err("store_stats_get", rc);
    *fields[i] = ms.ms_entries;
  }
  return 0;
}

/* ---- generic helpers ---------------------------------------------------- */

static int st_key_check(store_txn *txn, enum st_db db, size_t klen) {
  if (klen == 0 || klen > txn->st->max_key)
    return st_fail(STORE_EINVAL, "%s: key of %zu bytes (must be 1..%zu)",
                   st_db_table[db].name, klen, txn->st->max_key);
  return 0;
}

int st_put_msg(store_txn *txn, enum st_db db, const void *key, size_t klen,
               const ProtobufCMessage *msg) {
  int err = st_key_check(txn, db, klen);
  if (err)
    return err;
  MDB_val k = {klen, (void *)key};
  MDB_val v = {protobuf_c_message_get_packed_size(msg), NULL};
  int rc = mdb_put(txn->txn, st_dbi(txn, db), &k, &v, MDB_RESERVE);
  if (rc) {
    char op[64];
    snprintf(op, sizeof op, "put %s", st_db_table[db].name);
    return st_lmdb_err(op, rc);
  }
  protobuf_c_message_pack(msg, v.mv_data);
  return 0;
}

int st_get_msg(store_txn *txn, enum st_db db, const void *key, size_t klen,
               const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out) {
  *out = NULL;
  int err = st_key_check(txn, db, klen);
  if (err)
    return err == STORE_EINVAL ? STORE_ENOTFOUND : err;
  MDB_val k = {klen, (void *)key}, v;
  int rc = mdb_get(txn->txn, st_dbi(txn, db), &k, &v);
  if (rc) {
    char op[64];
    snprintf(op, sizeof op, "get %s", st_db_table[db].name);
    return st_lmdb_err(op, rc);
  }
  *out = protobuf_c_message_unpack(desc, NULL, v.mv_size, v.mv_data);
  if (!*out)
    return st_fail(STORE_ECORRUPT, "%s: a %zu-byte value does not decode as %s",
                   st_db_table[db].name, v.mv_size, desc->name);
  return 0;
}

int st_get_u64(store_txn *txn, enum st_db db, const void *key, size_t klen,
               uint64_t *out) {
  if (klen == 0 || klen > txn->st->max_key)
    return STORE_ENOTFOUND;
  MDB_val k = {klen, (void *)key}, v;
  int rc = mdb_get(txn->txn, st_dbi(txn, db), &k, &v);
  if (rc) {
    char op[64];
    snprintf(op, sizeof op, "get %s", st_db_table[db].name);
    return st_lmdb_err(op, rc);
  }
  if (v.mv_size != 8)
    return st_fail(STORE_ECORRUPT, "%s: index value of %zu bytes, expected 8",
                   st_db_table[db].name, v.mv_size);
  *out = store_be_u64(v.mv_data);
  return 0;
}

int st_put_raw(store_txn *txn, enum st_db db, const void *key, size_t klen,
               const void *val, size_t vlen, unsigned flags) {
  int err = st_key_check(txn, db, klen);
  if (err)
    return err;
  MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
  int rc = mdb_put(txn->txn, st_dbi(txn, db), &k, &v, flags);
  if (rc) {
    char op[64];
    snprintf(op, sizeof op, "put %s", st_db_table[db].name);
    return st_lmdb_err(op, rc);
  }
  return 0;
}

int st_del(store_txn *txn, enum st_db db, const void *key, size_t klen,
           const void *val, size_t vlen) {
  if (klen == 0 || klen > txn->st->max_key)
    return 0; /* never stored */
  MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
  int rc = mdb_del(txn->txn, st_dbi(txn, db), &k, val ? &v : NULL);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc) {
    char op[64];
    snprintf(op, sizeof op, "delete from %s", st_db_table[db].name);
    return st_lmdb_err(op, rc);
  }
  return 0;
}

int st_seq_next(store_txn *txn, const char *name, uint64_t *out) {
  uint64_t cur = 0;
  int err = st_get_u64(txn, ST_META, name, strlen(name), &cur);
  if (err && err != STORE_ENOTFOUND)
    return err;
  uint8_t be[8];
  store_u64_be(be, cur + 1);
  err = st_put_raw(txn, ST_META, name, strlen(name), be, 8, 0);
  if (err)
    return err;
  *out = cur + 1;
  return 0;
}

int st_seq_bump(store_txn *txn, const char *name, uint64_t id) {
  uint64_t cur = 0;
  int err = st_get_u64(txn, ST_META, name, strlen(name), &cur);
  if (err && err != STORE_ENOTFOUND)
    return err;
  if (cur >= id)
    return 0;
  uint8_t be[8];
  store_u64_be(be, id);
  return st_put_raw(txn, ST_META, name, strlen(name), be, 8, 0);
}

/* Does the encoded message hold one of the fields?  Walks the tags only;
 * malformed bytes count as yes, so that unpacking reports them. */
static bool has_any_field(const uint8_t *p, size_t n, const uint32_t *fields,
                          size_t nfields) {
  size_t i = 0;
  while (i < n) {
    uint64_t key = 0, len = 0;
    for (int sh = 0; i < n && sh < 64; sh += 7) {
      key |= (uint64_t)(p[i] & 0x7f) << sh;
      if (!(p[i++] & 0x80))
        break;
    }
    for (size_t k = 0; k < nfields; k++)
      if (key >> 3 == fields[k])
        return true;
    switch (key & 7) {
    case 0:
      while (i < n && (p[i++] & 0x80))
        ;
      break;
    case 1:
      i += 8;
      break;
    case 5:
      i += 4;
      break;
    case 2:
      for (int sh = 0; i < n && sh < 64; sh += 7) {
        len |= (uint64_t)(p[i] & 0x7f) << sh;
        if (!(p[i++] & 0x80))
          break;
      }
      if (len > n - i)
        return true;
      i += (size_t)len;
      break;
    default:
      return true;
    }
  }
  return i > n; /* a fixed-size field cut short */
}

int st_foreach_msg(store_txn *txn, enum st_db db,
                   const ProtobufCMessageDescriptor *desc, st_visit_fn visit,
                   void *ad) {
  return st_foreach_msg_having(txn, db, desc, NULL, 0, visit, ad);
}

int st_foreach_msg_having(store_txn *txn, enum st_db db,
                          const ProtobufCMessageDescriptor *desc,
                          const uint32_t *fields, size_t nfields,
                          st_visit_fn visit, void *ad) {
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, db), &cur);
  if (rc)
    return st_lmdb_err("open cursor", rc);
  MDB_val k, v;
  int ret = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (fields && !has_any_field(v.mv_data, v.mv_size, fields, nfields))
      continue;
    ProtobufCMessage *m =
        protobuf_c_message_unpack(desc, NULL, v.mv_size, v.mv_data);
    if (!m) {
      ret =
          st_fail(STORE_ECORRUPT, "%s: a %zu-byte value does not decode as %s",
                  st_db_table[db].name, v.mv_size, desc->name);
      break;
    }
    ret = visit(ad, m);
    protobuf_c_message_free_unpacked(m, NULL);
    if (ret)
      break;
  }
  if (!ret && rc != MDB_NOTFOUND)
    ret = st_lmdb_err("iterate", rc);
  mdb_cursor_close(cur);
  return ret;
}

/* ---- meta --------------------------------------------------------------- */

int store_meta_put(store_txn *txn, const char *key, const void *val,
                   size_t len) {
  int err = st_need_write(txn, "store_meta_put");
  if (err)
    return err;
  return st_put_raw(txn, ST_META, key, strlen(key), val, len, 0);
}

int store_meta_get(store_txn *txn, const char *key, const void **val,
                   size_t *len) {
  size_t klen = strlen(key);
  if (klen == 0 || klen > txn->st->max_key)
    return STORE_ENOTFOUND;
  MDB_val k = {klen, (void *)key}, v;
  int rc = mdb_get(txn->txn, st_dbi(txn, ST_META), &k, &v);
  if (rc)
    return st_lmdb_err("get meta", rc);
  *val = v.mv_data;
  *len = v.mv_size;
  return 0;
}
