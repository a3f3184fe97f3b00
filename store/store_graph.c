/*
 * store_graph.c — the store calls that graph/ needs at scale: a bulk scan of
 * the edge records that decodes them without allocating, and single-circle
 * put / delete for updating guarantee circles in place after a small batch.
 *
 * Edge scan: loading a national-scale graph walks tens of millions of edge
 * records.  protobuf_c_message_unpack allocates a message, its strings and
 * its repeated fields per record and frees them again, which was most of the
 * load time; the loader only needs the fixed fields, so store_edge_scan
 * reads the protobuf wire format of Oppgraph__V1__Edge directly from the
 * mapped value (varints, one fixed64, length-delimited strings pointing into
 * the map) and skips everything else.  The records stay the one truth (no
 * second table to keep consistent); an unknown field is skipped by its wire
 * type, as protobuf would, so newer records still scan.
 *
 * Circles: store_circles_replace rewrites all of them; store_circle_put and
 * store_circle_del change one and keep circle_ent in step.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/* Reads a varint at *p (< end); 0 ok, -1 truncated or over 10 bytes. */
static int wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return 0;
    }
  }
  return -1;
}

/* Decodes the fields of an Edge the graph loader uses; -1 when the bytes
 * are not a well-formed message. */
static int edge_row_decode(const uint8_t *p, size_t len, store_edge_row *r) {
  const uint8_t *end = p + len;
  memset(r, 0, sizeof *r);
  while (p < end) {
    uint64_t tag, v;
    if (wire_varint(&p, end, &tag))
      return -1;
    unsigned field = (unsigned)(tag >> 3), wt = (unsigned)(tag & 7);
    switch (wt) {
    case 0: /* varint */
      if (wire_varint(&p, end, &v))
        return -1;
      switch (field) {
      case 1: r->id = v; break;
      case 2: r->type = (uint8_t)v; break;
      case 3: r->src = v; break;
      case 4: r->dst = v; break;
      case 5: r->src_kind = (uint8_t)v; break;
      case 6: r->dst_kind = (uint8_t)v; break;
      case 8: r->amount = (int64_t)v; break; /* two's complement */
      default: break;
      }
      break;
    case 1: /* fixed64 */
      if (end - p < 8)
        return -1;
      if (field == 7)
        memcpy(&r->ratio, p, 8); /* little-endian on every target we build */
      p += 8;
      break;
    case 2: /* length-delimited */
      if (wire_varint(&p, end, &v) || v > (uint64_t)(end - p))
        return -1;
      if (field == 9) {
        r->start = (const char *)p;
        r->start_len = (size_t)v;
      } else if (field == 10) {
        r->end = (const char *)p;
        r->end_len = (size_t)v;
      }
      p += v;
      break;
    case 5: /* fixed32 */
      if (end - p < 4)
        return -1;
      p += 4;
      break;
    default:
      return -1;
    }
  }
  return 0;
}

int store_edge_scan(store_txn *txn, uint64_t after_id, store_edge_row_fn fn,
                    void *ctx) {
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, ST_EDGE), &cur);
  if (rc)
    return st_lmdb_err("store_edge_scan: open cursor", rc);
  uint8_t key[8];
  store_u64_be(key, after_id + 1);
  MDB_val k = {8, key}, v;
  int ret = 0;
  rc = after_id ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)
                : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    store_edge_row r;
    if (edge_row_decode(v.mv_data, v.mv_size, &r)) {
      ret = st_fail(STORE_ECORRUPT,
                    "store_edge_scan: the %zu-byte edge record under key "
                    "%llu does not decode",
                    v.mv_size,
                    k.mv_size == 8
                        ? (unsigned long long)store_be_u64(k.mv_data)
                        : 0ULL);
      break;
    }
    if ((ret = fn(ctx, &r)))
      break;
  }
  if (!ret && rc != MDB_NOTFOUND)
    ret = st_lmdb_err("store_edge_scan: iterate", rc);
  mdb_cursor_close(cur);
  return ret;
}

int store_edge_last_id(store_txn *txn, uint64_t *id) {
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn->txn, st_dbi(txn, ST_EDGE), &cur);
  if (rc)
    return st_lmdb_err("store_edge_last_id: open cursor", rc);
  MDB_val k, v;
  rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
  mdb_cursor_close(cur);
  if (rc == MDB_NOTFOUND) {
    *id = 0;
    return 0;
  }
  if (rc)
    return st_lmdb_err("store_edge_last_id", rc);
  *id = k.mv_size == 8 ? store_be_u64(k.mv_data) : 0;
  return 0;
}

/* ---- single circles ------------------------------------------------------ */

static int circle_unindex(store_txn *txn, uint64_t id) {
  Oppgraph__V1__GuaranteeCircle *old;
  int err = store_circle_get(txn, id, &old);
  if (err)
    return err;
  for (size_t j = 0; !err && j < old->n_members; j++) {
    uint8_t mk[8], ck[8];
    store_u64_be(mk, old->members[j]);
    store_u64_be(ck, id);
    /* only the entry that still points at this circle */
    uint64_t cur;
    if (!st_get_u64(txn, ST_CIRCLE_ENT, mk, 8, &cur) && cur == id)
      err = st_del(txn, ST_CIRCLE_ENT, mk, 8, NULL, 0);
  }
  oppgraph__v1__guarantee_circle__free_unpacked(old, NULL);
  return err;
}

int store_circle_put(store_txn *txn, Oppgraph__V1__GuaranteeCircle *c) {
  int err = st_need_write(txn, "store_circle_put");
  if (err)
    return err;
  if (c->id == 0) {
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn->txn, st_dbi(txn, ST_CIRCLE), &cur);
    if (rc)
      return st_lmdb_err("store_circle_put: open cursor", rc);
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND)
      return st_lmdb_err("store_circle_put: last circle", rc);
    c->id = rc == 0 && k.mv_size == 8 ? store_be_u64(k.mv_data) + 1 : 1;
  } else {
    err = circle_unindex(txn, c->id);
    if (err && err != STORE_ENOTFOUND)
      return err;
  }
  uint8_t key[8];
  store_u64_be(key, c->id);
  err = st_put_msg(txn, ST_CIRCLE, key, 8, &c->base);
  for (size_t j = 0; !err && j < c->n_members; j++) {
    uint8_t mk[8];
    store_u64_be(mk, c->members[j]);
    err = st_put_raw(txn, ST_CIRCLE_ENT, mk, 8, key, 8, 0);
  }
  return err;
}

int store_circle_del(store_txn *txn, uint64_t id) {
  int err = st_need_write(txn, "store_circle_del");
  if (err)
    return err;
  err = circle_unindex(txn, id);
  if (err)
    return err;
  uint8_t key[8];
  store_u64_be(key, id);
  return st_del(txn, ST_CIRCLE, key, 8, NULL, 0);
}
