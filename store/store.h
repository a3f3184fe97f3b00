/*
 * store — the one LMDB environment that holds everything oppgraph knows.
 *
 * Every record is a protobuf-c message (proto/oppgraph.proto) kept as an LMDB
 * value; secondary indexes are separate named databases whose keys are built
 * from big-endian integers so that LMDB's byte order is numeric order.  This
 * header is the only door to LMDB: no other module includes lmdb.h.
 *
 * One writer, many readers: a write transaction is taken by ingest (or the
 * server's single writer thread); readers take read-only transactions and see
 * a consistent snapshot.  A crash at any instant leaves the store as of the
 * last committed transaction.
 *
 * Named databases and key layouts (u64 = 8-byte big-endian, "s" = UTF-8 bytes)
 *
 *   meta        s (e.g. "schema_version", "seq.ent")      -> u64 / bytes
 *   ent         u64 id                                     -> Enterprise
 *   ent_code    s credit code (unique)                     -> u64 id
 *   ent_name    s normalised name, former name or alias (DUPSORT) -> u64 id
 *   person      u64 id                                     -> Person
 *   person_name s normalised name (DUPSORT)                -> u64 id
 *   doc         u64 id                                     -> Document
 *   doc_hash    32-byte SHA-256 of normalised title+text   -> u64 id
 *   evt         u64 id                                     -> Event
 *   evt_ent     u64 enterprise id ‖ u64 event id           -> (empty)
 *   edge        u64 id                                     -> Edge
 *   edge_key    u8 type ‖ u8 src_kind ‖ u64 src ‖ u8 dst_kind ‖ u64 dst -> u64 id
 *   edge_out    u64 src ‖ u8 type ‖ u64 edge id            -> (empty)
 *   edge_in     u64 dst ‖ u8 type ‖ u64 edge id            -> (empty)
 *   opp         u64 id                                     -> Opportunity
 *   opp_rm      s rm id ‖ 0x00 ‖ u64 inverted score ‖ u64 opp id -> (empty)
 *   opp_dedup   s dedup key (unique)                       -> u64 id
 *   rm          s rm id                                    -> Rm
 *   token       s token id                                 -> TokenRecord
 *   circle      u64 id                                     -> GuaranteeCircle
 *   circle_ent  u64 enterprise id                          -> u64 circle id
 *   kb_article  u64 article id                             -> KbArticle
 *   kb_post     s term ‖ 0x00 ‖ u64 last article id        -> chunk of postings
 *                                                            (store_kb.c)
 *   kb_meta     "docs" / "toklen" / "layout"               -> u64
 *               0x01 ‖ u64 article id                      -> u32 BE token count
 *
 * kb_*: the knowledge-base index (store_kb.c, used by kb/).  A term is a
 * token of nlp_tokenize (never contains 0x00), so all postings of one term
 * are adjacent and in article-id order.  The posting value is opaque to the
 * store (kb/ documents its layout).  kb_meta "docs" counts articles, "toklen"
 * sums their token counts (for BM25's average length), "layout" is the
 * chunk format kb/ wrote (STORE_KB_LAYOUT; absent in stores from before
 * it was recorded: they must be rebuilt with kb add).  The kb_* databases
 * came after schema 1 without a bump: a read-only open of an older store
 * sees an empty knowledge base.
 *
 * The "inverted score" is the IEEE-754 bits of the score made order-preserving
 * (flip all bits of negatives, the sign bit of positives) and then bit-negated,
 * so that ascending key order is descending score.  -0.0 shares 0.0's key and
 * NaN ranks with -inf.  An opportunity without an RM is listed under "".
 *
 * Ids: meta "seq.ent", "seq.doc", "seq.evt", "seq.edge", "seq.opp" hold the
 * last id handed out, advanced inside the write transaction (an abort rolls
 * them back).  Enterprises and persons share "seq.ent", so a node id names one
 * node whatever its kind — edge_out / edge_in keys carry no kind.  "Normalised"
 * is store_name_norm; a name whose normalised form is empty or over 511 bytes
 * (LMDB's key limit) is not indexed.  Unique indexes refuse a second owner:
 * putting a record whose credit code or dedup key belongs to another id fails
 * with STORE_EINVAL.  circle and circle_ent are rewritten as a whole.
 */
#ifndef OPPGRAPH_STORE_H
#define OPPGRAPH_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/oppgraph.pb-c.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_PAGE_KEY_LEN 16 /* inverted score ‖ opp id, see opp_rm */

enum store_err {
  STORE_OK = 0,
  STORE_ENOTFOUND = -1,  /* no such record */
  STORE_ESCHEMA = -2,    /* store written by another schema version */
  STORE_ECORRUPT = -3,   /* a value does not decode, an index points nowhere */
  STORE_ELMDB = -4,      /* LMDB failed; store_last_error() has its message */
  STORE_ENOMEM = -5,
  STORE_EINVAL = -6,     /* bad argument (empty key, read-only txn for a write) */
  STORE_EFULL = -7,      /* map full: raise --map-size */
  STORE_EIO = -8,        /* cannot create or open the directory */
};

typedef struct store store;
typedef struct store_txn store_txn;

typedef struct store_options {
  size_t map_size;   /* bytes; 0 = 8 GiB */
  bool read_only;    /* open without write access (server replicas) */
  bool no_sync;      /* bulk loads: commits skip fsync (MDB_NOSYNC); call
                        store_sync once at the end — a crash before it may
                        lose or corrupt the unsynced commits */
} store_options;

const char *store_strerror(int err);

/* Opens (creating when absent and not read_only) the environment in dir.
 * Fails with STORE_ESCHEMA when the stored schema version differs. */
int store_open(const char *dir, const store_options *opt, store **out);
/* Flushes commits made under no_sync to disk (a no-op otherwise). */
int store_sync(store *st);
void store_close(store *st);
/* Copies a consistent, compacted snapshot to the directory `dest` (hot backup). */
int store_backup(store *st, const char *dest);

/* A read transaction may be handed between threads (the env is opened with
 * MDB_NOTLS) and one thread may hold several; a write transaction belongs to
 * the thread that began it, and a second writer waits for the first. */
int store_begin(store *st, bool write, store_txn **out);
int store_commit(store_txn *txn); /* frees txn in every case */
void store_abort(store_txn *txn); /* frees txn; NULL is fine */
/* The LMDB transaction id: of a read transaction the last commit it sees,
 * of a write transaction the id its commit will get.  Every commit of any
 * process raises it, so a long-running reader (the server) can tell that
 * another process (a CLI ingest, a token revoke) changed the store. */
uint64_t store_txn_id(const store_txn *txn);

/* Counters of the main record databases, for tests and progress output. */
typedef struct store_stats {
  size_t enterprises, persons, documents, events, edges, opportunities, rms,
      tokens, circles;
} store_stats;
int store_stats_get(store_txn *txn, store_stats *out);

/* ---- enterprises ---------------------------------------------------------
 * put: id 0 assigns a new id (written back into e->id).  The name, former
 * names and aliases are (re)indexed, the credit code too; index entries of the
 * previous version of the record are removed first. */
int store_ent_put(store_txn *txn, Oppgraph__V1__Enterprise *e);
/* get: *out is the caller's: oppgraph__v1__enterprise__free_unpacked(*out, NULL) */
int store_ent_get(store_txn *txn, uint64_t id, Oppgraph__V1__Enterprise **out);
int store_ent_by_code(store_txn *txn, const char *code, uint64_t *id);
/* Exact (normalised) name or alias; the first id when several share it. */
int store_ent_by_name(store_txn *txn, const char *name, uint64_t *id);
typedef int (*store_ent_fn)(void *ctx, const Oppgraph__V1__Enterprise *e);
/* Calls fn for every enterprise in id order; a non-zero return stops and is returned. */
int store_ent_foreach(store_txn *txn, store_ent_fn fn, void *ctx);
/* The same for only the enterprises whose record sets at least one of the
 * given Enterprise field numbers (e.g. 13 tags, 19 previous_capital); the
 * others are skipped without decoding them (tag marketing over 1M). */
int store_ent_foreach_having(store_txn *txn, const uint32_t *fields,
                             size_t nfields, store_ent_fn fn, void *ctx);
typedef int (*store_name_fn)(void *ctx, const char *name, size_t len, uint64_t id);
/* Every (name or alias, enterprise id) pair of the ent_name index; builds dictionaries. */
int store_name_foreach(store_txn *txn, store_name_fn fn, void *ctx);
/* Names starting with prefix, in byte order, at most limit pairs. */
int store_name_prefix(store_txn *txn, const char *prefix, size_t limit,
                      store_name_fn fn, void *ctx);

/* ---- persons ------------------------------------------------------------ */
int store_person_put(store_txn *txn, Oppgraph__V1__Person *p);
int store_person_get(store_txn *txn, uint64_t id, Oppgraph__V1__Person **out);
int store_person_by_name(store_txn *txn, const char *name, uint64_t *id);

/* ---- documents ----------------------------------------------------------
 * put: when a document with the same content_hash exists, nothing is written,
 * d->id is set to the existing id and *is_new to false. */
int store_doc_put(store_txn *txn, Oppgraph__V1__Document *d, bool *is_new);
int store_doc_get(store_txn *txn, uint64_t id, Oppgraph__V1__Document **out);
int store_doc_by_hash(store_txn *txn, const uint8_t hash[32], uint64_t *id);

/* ---- events ------------------------------------------------------------- */
int store_evt_put(store_txn *txn, Oppgraph__V1__Event *e); /* indexes subject_ids */
int store_evt_get(store_txn *txn, uint64_t id, Oppgraph__V1__Event **out);
typedef int (*store_evt_fn)(void *ctx, const Oppgraph__V1__Event *e);
int store_evt_foreach(store_txn *txn, store_evt_fn fn, void *ctx);
typedef int (*store_id_fn)(void *ctx, uint64_t id);
int store_evt_by_ent(store_txn *txn, uint64_t ent_id, store_id_fn fn, void *ctx);

/* ---- edges ---------------------------------------------------------------
 * put: the natural key is (type, src_kind, src, dst_kind, dst).  An existing
 * edge with that key is updated in place (attributes replaced when set,
 * source_docs merged) and keeps its id; e->id is set either way. */
int store_edge_put(store_txn *txn, Oppgraph__V1__Edge *e);
int store_edge_get(store_txn *txn, uint64_t id, Oppgraph__V1__Edge **out);
typedef int (*store_edge_fn)(void *ctx, const Oppgraph__V1__Edge *e);
/* type EDGE_UNKNOWN (0) = every type */
int store_edge_foreach(store_txn *txn, Oppgraph__V1__EdgeType type,
                       store_edge_fn fn, void *ctx);
int store_edge_out(store_txn *txn, uint64_t src, Oppgraph__V1__EdgeType type,
                   store_edge_fn fn, void *ctx);
int store_edge_in(store_txn *txn, uint64_t dst, Oppgraph__V1__EdgeType type,
                  store_edge_fn fn, void *ctx);

/* ---- opportunities -------------------------------------------------------
 * put: id 0 assigns one.  Replacing a record moves its opp_rm entry (RM or
 * score may change) and its dedup entry.  A put whose version (updated_at,
 * or created_at when that is 0) is newer than the push log's last entry for
 * the opportunity, or that has none, appends one (store_push_opp) in the
 * same transaction: the log holds every change, whoever wrote it. */
int store_opp_put(store_txn *txn, Oppgraph__V1__Opportunity *o);
int store_opp_get(store_txn *txn, uint64_t id, Oppgraph__V1__Opportunity **out);
int store_opp_by_dedup(store_txn *txn, const char *key, uint64_t *id);
/* Deletes an opportunity and its index entries; STORE_ENOTFOUND when absent. */
int store_opp_del(store_txn *txn, uint64_t id);
typedef int (*store_opp_fn)(void *ctx, const Oppgraph__V1__Opportunity *o);
int store_opp_foreach(store_txn *txn, store_opp_fn fn, void *ctx);
/* One page of an RM's opportunities, best score first.  after is NULL for the
 * first page, else the next_key of the previous page.  On return *n ids are in
 * ids[0..limit) and *more tells whether another page follows (then next_key is
 * set).  *total (may be NULL) is the RM's opportunity count. */
int store_opp_page(store_txn *txn, const char *rm_id,
                   const uint8_t after[STORE_PAGE_KEY_LEN], size_t limit,
                   uint64_t *ids, size_t *n, bool *more,
                   uint8_t next_key[STORE_PAGE_KEY_LEN], size_t *total);

/* ---- relationship managers and tokens ----------------------------------- */
int store_rm_put(store_txn *txn, const Oppgraph__V1__Rm *rm);
int store_rm_get(store_txn *txn, const char *id, Oppgraph__V1__Rm **out);
typedef int (*store_rm_fn)(void *ctx, const Oppgraph__V1__Rm *rm);
int store_rm_foreach(store_txn *txn, store_rm_fn fn, void *ctx);
int store_token_put(store_txn *txn, const Oppgraph__V1__TokenRecord *t);
int store_token_get(store_txn *txn, const char *token_id,
                    Oppgraph__V1__TokenRecord **out);

/* ---- guarantee circles ---------------------------------------------------
 * replace: drops every stored circle and stores these (ids assigned 1..n). */
int store_circles_replace(store_txn *txn, Oppgraph__V1__GuaranteeCircle **c,
                          size_t n);
int store_circle_get(store_txn *txn, uint64_t id,
                     Oppgraph__V1__GuaranteeCircle **out);
int store_circle_of(store_txn *txn, uint64_t ent_id, uint64_t *circle_id);
typedef int (*store_circle_fn)(void *ctx, const Oppgraph__V1__GuaranteeCircle *c);
int store_circle_foreach(store_txn *txn, store_circle_fn fn, void *ctx);
/* put: id 0 stores c as a new circle (id = largest + 1, written back);
 * otherwise replaces circle c->id, moving its circle_ent entries.  del
 * removes one circle and its circle_ent entries (STORE_ENOTFOUND when
 * absent).  For updating circles in place (store_graph.c). */
int store_circle_put(store_txn *txn, Oppgraph__V1__GuaranteeCircle *c);
int store_circle_del(store_txn *txn, uint64_t id);

/* ---- edge scan for graph loading (store_graph.c) -------------------------
 * The fixed fields of one stored edge, read from its bytes without
 * allocating; start/end point into the map (not NUL-terminated, valid for
 * the callback only). */
typedef struct store_edge_row {
  uint64_t id, src, dst;
  int64_t amount;
  double ratio;
  uint8_t type, src_kind, dst_kind;
  const char *start, *end;
  size_t start_len, end_len;
} store_edge_row;
typedef int (*store_edge_row_fn)(void *ctx, const store_edge_row *r);
/* Calls fn for every edge with id > after_id (0 = all) in id order; a
 * non-zero return stops and is returned. */
int store_edge_scan(store_txn *txn, uint64_t after_id, store_edge_row_fn fn,
                    void *ctx);
/* Largest edge id in use (0 when there is no edge). */
int store_edge_last_id(store_txn *txn, uint64_t *id);

/* ---- consistency check (store_check.c) -----------------------------------
 * Verifies inside txn's snapshot that every record decodes and sits under its
 * own id, every index entry it implies exists (forward), every index entry
 * points at a record that implies it (backward), and every id sequence is at
 * least the largest id in use.  fn (may be NULL) is called once per problem
 * with a readable message.  Returns 0 when consistent, STORE_ECORRUPT when
 * problems were found (*out says how many and the first), another error when
 * the store could not be read. */
typedef struct store_check_report {
  store_stats stats;     /* records per database */
  size_t index_entries;  /* secondary index entries examined */
  size_t problems;       /* inconsistencies found */
  char first_problem[512];
} store_check_report;
typedef void (*store_check_fn)(void *ctx, const char *problem);
int store_check(store_txn *txn, store_check_fn fn, void *ctx,
                store_check_report *out);

/* ---- knowledge base (kb_article, kb_post, kb_meta) ----------------------- */
/* LEB128 varints, the codec of the kb_post chunks and of kb/'s posting
 * values (one copy, inline because the query loop decodes millions).
 * put writes at most 10 bytes and returns how many; get returns the bytes
 * read, 0 on a truncated or over-long varint. */
static inline size_t store_varint_put(uint8_t *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}
static inline size_t store_varint_get(const uint8_t *in, size_t len,
                                      uint64_t *v) {
  uint64_t r = 0;
  for (size_t i = 0; i < len && i < 10; i++) {
    r |= (uint64_t)(in[i] & 0x7f) << (7 * i);
    if (!(in[i] & 0x80)) {
      *v = r;
      return i + 1;
    }
  }
  return 0;
}

/* put replaces the article with the same id (its postings are the caller's
 * business: kb/ removes the old ones first).  a->id must be non-zero. */
int store_kb_put(store_txn *txn, const Oppgraph__V1__KbArticle *a);
int store_kb_get(store_txn *txn, uint64_t id, Oppgraph__V1__KbArticle **out);
/* STORE_ENOTFOUND when there is no such article. */
int store_kb_del(store_txn *txn, uint64_t id);
typedef int (*store_kb_fn)(void *ctx, const Oppgraph__V1__KbArticle *a);
int store_kb_foreach(store_txn *txn, store_kb_fn fn, void *ctx);

/* One posting: term (1..STORE_KB_TERM_MAX bytes, no NUL) in article id.
 * imp is what the posting can contribute to a score, as numbers that only
 * raise it (kb/: body tf, title tf, UINT32_MAX - length): each chunk keeps
 * a few points dominating every posting's impact (store_kb_bound), so a
 * top-k reader can skip chunks whose best cannot enter its heap. */
#define STORE_KB_TERM_MAX 400
#define STORE_KB_LAYOUT 2 /* chunks with a bound (2); plain chunks were 1 */
#define STORE_KB_IMPACT_DIMS 3
#define STORE_KB_BOUND_POINTS 8
typedef struct store_kb_impact {
  uint32_t v[STORE_KB_IMPACT_DIMS];
} store_kb_impact;
/* A chunk's bound: every posting's impact is <= (componentwise) one of the
 * points.  Exact (the Pareto front) after a bulk write; after edits it may
 * be looser, never lower. */
typedef struct store_kb_bound {
  store_kb_impact pt[STORE_KB_BOUND_POINTS];
  size_t n;
  uint64_t last_id; /* the chunk's last article id */
  size_t count;     /* its postings */
} store_kb_bound;
int store_kb_post_put(store_txn *txn, const char *term, size_t tlen,
                      uint64_t id, const void *val, size_t vlen,
                      const store_kb_impact *imp);
/* Bulk writer: the same puts through one write cursor.  Given postings in
 * key order (term, then id), LMDB finds most insertion points on the leaf
 * page it is already on instead of descending from the root each time. */
typedef struct store_kb_writer store_kb_writer;
int store_kb_writer_open(store_txn *txn, store_kb_writer **out);
int store_kb_writer_put(store_kb_writer *w, const char *term, size_t tlen,
                        uint64_t id, const void *val, size_t vlen,
                        const store_kb_impact *imp);
/* Writes what the writer still buffers; call it before close (close
 * discards unflushed postings). */
int store_kb_writer_flush(store_kb_writer *w);
void store_kb_writer_close(store_kb_writer *w);
int store_kb_post_del(store_txn *txn, const char *term, size_t tlen,
                      uint64_t id);

/* Walks a term's postings in article-id order with an LMDB cursor:
 *   store_kb_cursor *c; store_kb_post_open(txn, "保函", 6, &c);
 *   while ((err = store_kb_post_next(c, &id, &val, &vlen)) == 0) ...;
 *   store_kb_post_close(c);
 * next returns STORE_ENOTFOUND after the last posting; seek moves to the
 * first posting with an id >= id (for intersections).  val points into the
 * map and is valid until the next call or the end of the transaction. */
typedef struct store_kb_cursor store_kb_cursor;
int store_kb_post_open(store_txn *txn, const char *term, size_t tlen,
                       store_kb_cursor **out);
int store_kb_post_next(store_kb_cursor *c, uint64_t *id, const void **val,
                       size_t *vlen);
int store_kb_post_seek(store_kb_cursor *c, uint64_t id, uint64_t *found,
                       const void **val, size_t *vlen);
/* Number of postings of the term (document frequency); walks them. */
int store_kb_post_count(store_kb_cursor *c, size_t *n);
/* Chunk-level reading (block-max): block enters the next chunk when the
 * current one is used up (STORE_ENOTFOUND past the last) and fills *b;
 * bound fills *b for the chunk of the last posting returned (or entered),
 * leaving it as it is when it already holds that chunk (same last_id and
 * count: a caller keeps one per cursor and reads it per posting);
 * skip_block drops the rest of the current chunk unread. */
int store_kb_post_block(store_kb_cursor *c, store_kb_bound *b);
void store_kb_post_bound(const store_kb_cursor *c, store_kb_bound *b);
void store_kb_post_skip_block(store_kb_cursor *c);
/* How many chunks the cursor has entered: a caller caching a chunk's bound
 * checks this instead of calling store_kb_post_bound per posting. */
uint64_t store_kb_post_chunk_no(const store_kb_cursor *c);
void store_kb_post_close(store_kb_cursor *c);

/* Reads every page of the kb_* databases once, in key order (a cursor walk
 * reading a byte of each page of every key and value): the first access to
 * a page of the map costs a process far more than later ones (on the VMs
 * here ~2 ms for a common term's list, even with the pages in the page
 * cache; bench/README.md), so a server does this at start-up instead of in
 * its first queries.  *bytes gets the bytes of keys and values walked.
 * Stops early, returning 0, once *stop is true (checked every 1024 entries;
 * stop may be NULL). */
int store_kb_warm(store_txn *txn, const atomic_bool *stop, uint64_t *bytes);

/* kb_meta: counters (a missing one reads as 0) and per-article lengths. */
int store_kb_meta_get(store_txn *txn, const char *key, uint64_t *val);
int store_kb_meta_put(store_txn *txn, const char *key, uint64_t val);
int store_kb_len_get(store_txn *txn, uint64_t id, uint32_t *len);
int store_kb_len_put(store_txn *txn, uint64_t id, uint32_t len);
int store_kb_len_del(store_txn *txn, uint64_t id);

/* ---- push log and conversion priors (store_feedback.c) -------------------
 * Kept in meta under binary keys (layout in store_feedback.c).  append logs
 * that opportunity opp_id changed to `version` (its updated_at) under the
 * next push sequence; next finds the first entry after sequence `after`
 * (STORE_ENOTFOUND at the end); head is the last sequence (0 = empty log);
 * version is the last version logged for an opportunity (STORE_ENOTFOUND
 * when never).  store_opp_put appends by itself; a direct append is for
 * stores written before it did (their first server start logs what is
 * missing). */
int store_push_append(store_txn *txn, uint64_t opp_id, int64_t version,
                      uint64_t *seq);
int store_push_next(store_txn *txn, uint64_t after, uint64_t *seq,
                    uint64_t *opp_id);
int store_push_head(store_txn *txn, uint64_t *seq);
int store_push_version(store_txn *txn, uint64_t opp_id, int64_t *version);
/* The edge change log: store_edge_put appends an edge it updates in place
 * with another ratio or amount (the edge keeps its id, so a reader that
 * tracks new edges by id would miss the change); next finds the first entry
 * after sequence `after` (STORE_ENOTFOUND at the end); head is the last
 * sequence (0 = none).  graph/ keeps the stored circles and ownership
 * current with it. */
int store_edge_change_append(store_txn *txn, uint64_t edge_id);
int store_edge_change_next(store_txn *txn, uint64_t after, uint64_t *seq,
                           uint64_t *edge_id);
int store_edge_change_head(store_txn *txn, uint64_t *seq);
/* Calls fn with every edge logged after sequence `after`, in log order; a
 * non-zero return stops the walk and is returned (store errors as
 * negative store_err codes are returned the same way). */
int store_edge_change_foreach(store_txn *txn, uint64_t after, store_edge_fn fn,
                              void *ctx);
/* Appends o to the log when its version (updated_at, or created_at when 0)
 * is newer than the last logged for it, or it was never logged; *appended
 * (may be NULL) says whether it did.  store_opp_put calls it. */
int store_push_opp(store_txn *txn, const Oppgraph__V1__Opportunity *o,
                   bool *appended);
/* Feedback counts of one opportunity type (zeros when none yet); an empty
 * type is STORE_EINVAL. */
typedef struct store_prior {
  uint64_t accepted, rejected, won;
} store_prior;
int store_prior_get(store_txn *txn, const char *type, store_prior *out);
int store_prior_put(store_txn *txn, const char *type, const store_prior *p);
/* The stored Opportunity bytes; *val points into the map until the
 * transaction ends. */
int store_opp_get_raw(store_txn *txn, uint64_t id, const void **val,
                      size_t *len);

/* ---- meta ---------------------------------------------------------------- */
int store_meta_put(store_txn *txn, const char *key, const void *val, size_t len);
/* *val points into the map and is valid until the transaction ends. */
int store_meta_get(store_txn *txn, const char *key, const void **val, size_t *len);

/* ---- key encodings (public for tests and for the server's page tokens) --- */
void store_u64_be(uint8_t out[8], uint64_t v);
uint64_t store_be_u64(const uint8_t in[8]);
/* Maps a score to a key so that ascending key order is descending score. */
uint64_t store_score_key(double score);
/* Normalises a name for the name index: full-width ASCII to half-width,
 * ASCII letters lower-cased, white space removed.  Returns bytes written
 * (never more than len; out needs len + 1 for the terminating NUL). */
size_t store_name_norm(const char *in, size_t len, char *out);

/* Message of the last LMDB failure in this thread (for STORE_ELMDB). */
const char *store_last_error(void);

#endif
