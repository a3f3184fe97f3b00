/*
 * test_store.c — behaviour of the LMDB layer: key encodings, enterprise
 * re-indexing, document dedup, edge upsert and adjacency, opportunity paging,
 * schema-version and read-only checks, backup, abort, corrupt values.
 * Every test works in its own store under one mkdtemp directory that the
 * group teardown removes.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h> /* only to plant a corrupt value behind the store's back */

#include "store/store.h"

static char g_base[64];
static int g_seq;

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static int group_setup(void **state) {
  (void)state;
  strcpy(g_base, "/tmp/test_store.XXXXXX");
  return mkdtemp(g_base) ? 0 : -1;
}

static int group_teardown(void **state) {
  (void)state;
  return nftw(g_base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory name (not created) for one store. */
static void fresh_dir(char *buf, size_t len) {
  snprintf(buf, len, "%s/s%d", g_base, ++g_seq);
}

static store *open_fresh(char *dir, size_t len) {
  fresh_dir(dir, len);
  store *st = NULL;
  store_options opt = {.map_size = 64 << 20};
  int err = store_open(dir, &opt, &st);
  if (err)
    fprintf(stderr, "store_open %s: %s\n", dir, store_last_error());
  assert_int_equal(err, 0);
  return st;
}

/* ---- key encodings ------------------------------------------------------ */

static void test_u64_be(void **state) {
  (void)state;
  uint64_t vals[] = {0, 1, 0x0102030405060708ULL, UINT64_MAX, 1ULL << 63};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    uint8_t b[8];
    store_u64_be(b, vals[i]);
    assert_true(store_be_u64(b) == vals[i]);
  }
  uint8_t b[8];
  store_u64_be(b, 0x0102030405060708ULL);
  assert_int_equal(b[0], 1);
  assert_int_equal(b[7], 8);
  /* byte order is numeric order */
  uint8_t a[8], c[8];
  store_u64_be(a, 255);
  store_u64_be(c, 256);
  assert_true(memcmp(a, c, 8) < 0);
}

static void test_score_key_order(void **state) {
  (void)state;
  /* strictly descending scores must give strictly ascending keys */
  double s[] = {INFINITY, 1e300,   1e6,  5.5,  1.0,  0.5,    1e-300,
                0.0,      -1e-300, -0.5, -1.0, -1e6, -1e300, -INFINITY};
  size_t n = sizeof s / sizeof s[0];
  for (size_t i = 0; i + 1 < n; i++)
    assert_true(store_score_key(s[i]) < store_score_key(s[i + 1]));
  assert_true(store_score_key(0.0) == store_score_key(-0.0));
  /* NaN is ranked last, not first */
  assert_true(store_score_key(NAN) >= store_score_key(-1e300));
  /* and the big-endian bytes sort the same way as the integers */
  uint8_t a[8], b[8];
  store_u64_be(a, store_score_key(2.0));
  store_u64_be(b, store_score_key(-3.0));
  assert_true(memcmp(a, b, 8) < 0);
}

static void test_name_norm(void **state) {
  (void)state;
  char out[128];
  const char *in = "ＡＢＣ　有限公司 Ltd\t１２";
  size_t n = store_name_norm(in, strlen(in), out);
  assert_string_equal(out, "abc有限公司ltd12");
  assert_int_equal(n, strlen("abc有限公司ltd12"));
  /* full-width punctuation maps to ASCII; CJK untouched */
  in = "（中国）（Ｘ）";
  store_name_norm(in, strlen(in), out);
  assert_string_equal(out, "(中国)(x)"); /* U+FF08/FF09 are full-width ASCII */
}

static void test_name_norm_parens(void **state) {
  (void)state;
  char out[64];
  const char *in = "\xef\xbc\x88"
                   "A"
                   "\xef\xbc\x89"; /* （A） */
  store_name_norm(in, strlen(in), out);
  assert_string_equal(out, "(a)");
  /* invalid UTF-8 bytes are copied, not dropped */
  const char bad[] = {'X', (char)0xff, 'Y', 0};
  size_t n = store_name_norm(bad, 3, out);
  assert_int_equal(n, 3);
  assert_int_equal((unsigned char)out[1], 0xff);
  assert_int_equal(out[0], 'x');
}

/* ---- enterprises -------------------------------------------------------- */

static void test_ent_reindex(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  char *aliases1[] = {"老名字", "OLD ALIAS"};
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = "华东重工股份有限公司";
  e.credit_code = "91310000MA1FL00001";
  e.aliases = aliases1;
  e.n_aliases = 2;
  assert_int_equal(store_ent_put(t, &e), 0);
  assert_true(e.id != 0);
  uint64_t first_id = e.id;
  assert_int_equal(store_commit(t), 0);

  assert_int_equal(store_begin(st, false, &t), 0);
  uint64_t id = 0;
  assert_int_equal(store_ent_by_code(t, "91310000MA1FL00001", &id), 0);
  assert_true(id == first_id);
  id = 0;
  assert_int_equal(store_ent_by_name(t, "华东重工股份有限公司", &id), 0);
  assert_true(id == first_id);
  /* full-width, spaced, upper-case spelling of the alias finds it */
  id = 0;
  assert_int_equal(store_ent_by_name(t, "ＯＬＤ　alias", &id), 0);
  assert_true(id == first_id);
  Oppgraph__V1__Enterprise *got = NULL;
  assert_int_equal(store_ent_get(t, first_id, &got), 0);
  assert_string_equal(got->name, "华东重工股份有限公司");
  assert_int_equal(got->n_aliases, 2);
  oppgraph__v1__enterprise__free_unpacked(got, NULL);
  store_abort(t);

  /* update: new alias list and credit code; old entries must disappear */
  assert_int_equal(store_begin(st, true, &t), 0);
  char *aliases2[] = {"华东重工"};
  char *former[] = {"老名字"};
  e.aliases = aliases2;
  e.n_aliases = 1;
  e.former_names = former;
  e.n_former_names = 1;
  e.credit_code = "91310000MA1FL00002";
  assert_int_equal(store_ent_put(t, &e), 0);
  assert_true(e.id == first_id);
  assert_int_equal(store_commit(t), 0);

  assert_int_equal(store_begin(st, false, &t), 0);
  assert_int_equal(store_ent_by_name(t, "old alias", &id), STORE_ENOTFOUND);
  assert_int_equal(store_ent_by_code(t, "91310000MA1FL00001", &id),
                   STORE_ENOTFOUND);
  assert_int_equal(store_ent_by_code(t, "91310000MA1FL00002", &id), 0);
  assert_int_equal(store_ent_by_name(t, "华东重工", &id), 0);
  assert_true(id == first_id);
  /* a former name stays findable */
  assert_int_equal(store_ent_by_name(t, "老名字", &id), 0);
  store_stats ss;
  assert_int_equal(store_stats_get(t, &ss), 0);
  assert_int_equal(ss.enterprises, 1);
  store_abort(t);

  /* a second enterprise cannot take the first one's credit code */
  assert_int_equal(store_begin(st, true, &t), 0);
  Oppgraph__V1__Enterprise e2 = OPPGRAPH__V1__ENTERPRISE__INIT;
  e2.name = "别家公司";
  e2.credit_code = "91310000MA1FL00002";
  assert_int_equal(store_ent_put(t, &e2), STORE_EINVAL);
  assert_non_null(strstr(store_last_error(), "91310000MA1FL00002"));
  store_abort(t);
  store_close(st);
}

struct names {
  int n;
  char buf[8][64];
  uint64_t ids[8];
};
static int collect_name(void *ctx, const char *name, size_t len, uint64_t id) {
  struct names *c = ctx;
  if (c->n == 8)
    return 1;
  snprintf(c->buf[c->n], sizeof c->buf[0], "%.*s", (int)len, name);
  c->ids[c->n++] = id;
  return 0;
}
static int count_ent(void *ctx, const Oppgraph__V1__Enterprise *e) {
  (void)e;
  ++*(int *)ctx;
  return 0;
}

static void test_names_prefix_and_foreach(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  const char *names[] = {"中国银行", "中国建设银行", "中信证券", "招商银行"};
  for (int i = 0; i < 4; i++) {
    Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
    e.name = (char *)names[i];
    assert_int_equal(store_ent_put(t, &e), 0);
  }
  /* two enterprises sharing an alias: both pairs are kept (DUPSORT) */
  char *al[] = {"中行"};
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = "中行控股";
  e.aliases = al;
  e.n_aliases = 1;
  assert_int_equal(store_ent_put(t, &e), 0);
  Oppgraph__V1__Enterprise f = OPPGRAPH__V1__ENTERPRISE__INIT;
  f.name = "中行科技";
  f.aliases = al;
  f.n_aliases = 1;
  assert_int_equal(store_ent_put(t, &f), 0);
  assert_int_equal(store_commit(t), 0);

  assert_int_equal(store_begin(st, false, &t), 0);
  struct names c = {0};
  assert_int_equal(store_name_prefix(t, "中国", 10, collect_name, &c), 0);
  assert_int_equal(c.n, 2);
  memset(&c, 0, sizeof c);
  assert_int_equal(store_name_prefix(t, "中国", 1, collect_name, &c), 0);
  assert_int_equal(c.n, 1);
  memset(&c, 0, sizeof c);
  assert_int_equal(store_name_prefix(t, "中行", 10, collect_name, &c), 0);
  assert_int_equal(c.n, 4); /* 中行 x2, 中行控股, 中行科技 */
  assert_string_equal(c.buf[0], "中行");
  assert_string_equal(c.buf[1], "中行");
  assert_true(c.ids[0] != c.ids[1]);
  memset(&c, 0, sizeof c);
  assert_int_equal(store_name_foreach(t, collect_name, &c), 0);
  assert_int_equal(c.n, 8);
  int n = 0;
  assert_int_equal(store_ent_foreach(t, count_ent, &n), 0);
  assert_int_equal(n, 6);
  store_abort(t);
  store_close(st);
}

/* ---- documents, events, persons ----------------------------------------- */

static int collect_id(void *ctx, uint64_t id) {
  uint64_t *a = ctx;
  a[++a[0]] = id;
  return 0;
}

static void test_doc_dedup_and_events(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  uint8_t hash[32];
  for (int i = 0; i < 32; i++)
    hash[i] = (uint8_t)i;
  Oppgraph__V1__Document d = OPPGRAPH__V1__DOCUMENT__INIT;
  d.title = "公告";
  d.text = "某公司中标";
  d.content_hash.data = hash;
  d.content_hash.len = 32;
  bool is_new = false;
  assert_int_equal(store_doc_put(t, &d, &is_new), 0);
  assert_true(is_new);
  uint64_t id1 = d.id;
  Oppgraph__V1__Document d2 = OPPGRAPH__V1__DOCUMENT__INIT;
  d2.title = "公告(转载)";
  d2.content_hash.data = hash;
  d2.content_hash.len = 32;
  assert_int_equal(store_doc_put(t, &d2, &is_new), 0);
  assert_false(is_new);
  assert_true(d2.id == id1);
  d2.content_hash.len = 31;
  d2.id = 0;
  assert_int_equal(store_doc_put(t, &d2, &is_new), STORE_EINVAL);
  uint64_t hid = 0;
  assert_int_equal(store_doc_by_hash(t, hash, &hid), 0);
  assert_true(hid == id1);

  uint64_t subj[] = {7, 9};
  Oppgraph__V1__Event ev = OPPGRAPH__V1__EVENT__INIT;
  ev.type = "中标";
  ev.subject_ids = subj;
  ev.n_subject_ids = 2;
  ev.document_id = id1;
  assert_int_equal(store_evt_put(t, &ev), 0);
  Oppgraph__V1__Event ev2 = OPPGRAPH__V1__EVENT__INIT;
  ev2.type = "质押";
  ev2.subject_ids = subj;
  ev2.n_subject_ids = 1;
  assert_int_equal(store_evt_put(t, &ev2), 0);
  assert_int_equal(store_commit(t), 0);

  assert_int_equal(store_begin(st, false, &t), 0);
  store_stats ss;
  assert_int_equal(store_stats_get(t, &ss), 0);
  assert_int_equal(ss.documents, 1);
  assert_int_equal(ss.events, 2);
  Oppgraph__V1__Document *gd = NULL;
  assert_int_equal(store_doc_get(t, id1, &gd), 0);
  assert_string_equal(gd->title, "公告"); /* the duplicate wrote nothing */
  oppgraph__v1__document__free_unpacked(gd, NULL);
  uint64_t ids[8] = {0};
  assert_int_equal(store_evt_by_ent(t, 7, collect_id, ids), 0);
  assert_int_equal(ids[0], 2);
  memset(ids, 0, sizeof ids);
  assert_int_equal(store_evt_by_ent(t, 9, collect_id, ids), 0);
  assert_int_equal(ids[0], 1);
  assert_true(ids[1] == ev.id);
  memset(ids, 0, sizeof ids);
  assert_int_equal(store_evt_by_ent(t, 8, collect_id, ids), 0);
  assert_int_equal(ids[0], 0);
  store_abort(t);

  /* re-putting an event with fewer subjects drops the stale index entry */
  assert_int_equal(store_begin(st, true, &t), 0);
  ev.n_subject_ids = 1; /* only 7 */
  assert_int_equal(store_evt_put(t, &ev), 0);
  memset(ids, 0, sizeof ids);
  assert_int_equal(store_evt_by_ent(t, 9, collect_id, ids), 0);
  assert_int_equal(ids[0], 0);
  store_abort(t);
  store_close(st);
}

/* ---- edges -------------------------------------------------------------- */

struct edges {
  int n;
  uint64_t ids[8];
};
static int collect_edge(void *ctx, const Oppgraph__V1__Edge *e) {
  struct edges *c = ctx;
  if (c->n < 8)
    c->ids[c->n] = e->id;
  c->n++;
  return 0;
}

static void test_edge_upsert(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  uint64_t docs1[] = {11};
  Oppgraph__V1__Edge g = OPPGRAPH__V1__EDGE__INIT;
  g.type = OPPGRAPH__V1__EDGE_TYPE__GUARANTEE;
  g.src = 1;
  g.dst = 2;
  g.amount = 100;
  g.start = "2023-01-01";
  g.source_docs = docs1;
  g.n_source_docs = 1;
  assert_int_equal(store_edge_put(t, &g), 0);
  uint64_t gid = g.id;
  assert_true(gid != 0);

  uint64_t docs2[] = {11, 12};
  Oppgraph__V1__Edge g2 = OPPGRAPH__V1__EDGE__INIT;
  g2.type = OPPGRAPH__V1__EDGE_TYPE__GUARANTEE;
  g2.src = 1;
  g2.dst = 2;
  g2.end = "2025-01-01";
  g2.source_docs = docs2;
  g2.n_source_docs = 2;
  assert_int_equal(store_edge_put(t, &g2), 0);
  assert_true(g2.id == gid);

  Oppgraph__V1__Edge s = OPPGRAPH__V1__EDGE__INIT;
  s.type = OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING;
  s.src = 1;
  s.dst = 3;
  s.ratio = 0.51;
  assert_int_equal(store_edge_put(t, &s), 0);
  assert_true(s.id != gid);
  /* EDGE_UNKNOWN means "every type" in queries; it is not storable */
  Oppgraph__V1__Edge u = OPPGRAPH__V1__EDGE__INIT;
  u.src = 1;
  u.dst = 4;
  assert_int_equal(store_edge_put(t, &u), STORE_EINVAL);
  assert_int_equal(store_commit(t), 0);

  assert_int_equal(store_begin(st, false, &t), 0);
  Oppgraph__V1__Edge *m = NULL;
  assert_int_equal(store_edge_get(t, gid, &m), 0);
  assert_int_equal(m->amount, 100); /* kept: not set in g2 */
  assert_string_equal(m->start, "2023-01-01");
  assert_string_equal(m->end, "2025-01-01"); /* set by g2 */
  assert_int_equal(m->n_source_docs, 2);     /* 11 not duplicated */
  assert_int_equal(m->source_docs[0], 11);
  assert_int_equal(m->source_docs[1], 12);
  oppgraph__v1__edge__free_unpacked(m, NULL);

  struct edges c = {0};
  assert_int_equal(store_edge_out(t, 1, 0, collect_edge, &c), 0);
  assert_int_equal(c.n, 2);
  memset(&c, 0, sizeof c);
  assert_int_equal(store_edge_out(t, 1, OPPGRAPH__V1__EDGE_TYPE__GUARANTEE,
                                  collect_edge, &c),
                   0);
  assert_int_equal(c.n, 1);
  assert_true(c.ids[0] == gid);
  memset(&c, 0, sizeof c);
  assert_int_equal(store_edge_in(t, 2, 0, collect_edge, &c), 0);
  assert_int_equal(c.n, 1);
  memset(&c, 0, sizeof c);
  assert_int_equal(store_edge_in(t, 1, 0, collect_edge, &c), 0);
  assert_int_equal(c.n, 0);
  memset(&c, 0, sizeof c);
  assert_int_equal(
      store_edge_in(t, 3, OPPGRAPH__V1__EDGE_TYPE__GUARANTEE, collect_edge, &c),
      0);
  assert_int_equal(c.n, 0);
  memset(&c, 0, sizeof c);
  assert_int_equal(store_edge_foreach(t, OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING,
                                      collect_edge, &c),
                   0);
  assert_int_equal(c.n, 1);
  assert_true(c.ids[0] == s.id);
  store_stats ss;
  assert_int_equal(store_stats_get(t, &ss), 0);
  assert_int_equal(ss.edges, 2);
  store_abort(t);
  store_close(st);
}

/* ---- opportunities ------------------------------------------------------ */

static void put_opp(store_txn *t, const char *rm, double score, uint64_t *id) {
  Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
  o.rm_id = (char *)rm;
  o.score = score;
  o.type = "中标";
  assert_int_equal(store_opp_put(t, &o), 0);
  if (id)
    *id = o.id;
}

static double opp_score(store_txn *t, uint64_t id) {
  Oppgraph__V1__Opportunity *o = NULL;
  assert_int_equal(store_opp_get(t, id, &o), 0);
  double s = o->score;
  oppgraph__v1__opportunity__free_unpacked(o, NULL);
  return s;
}

static void test_opp_paging(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  /* 25 for "r1" in scrambled order, including negatives and ties */
  for (int i = 0; i < 25; i++)
    put_opp(t, "r1", (double)((i * 7) % 25) - 5, NULL);
  put_opp(t, "r1", 3.0, NULL); /* a tie with an existing score: 26 */
  /* "r10" shares the prefix "r1"; "r" is a prefix of both */
  for (int i = 0; i < 5; i++)
    put_opp(t, "r10", 100.0 + i, NULL);
  put_opp(t, "r", 1000.0, NULL);
  assert_int_equal(store_commit(t), 0);

  assert_int_equal(store_begin(st, false, &t), 0);
  uint64_t ids[10];
  size_t n, total;
  bool more;
  uint8_t key[STORE_PAGE_KEY_LEN];
  const uint8_t *after = NULL;
  double prev = INFINITY;
  size_t seen = 0, pages = 0;
  for (;;) {
    assert_int_equal(
        store_opp_page(t, "r1", after, 10, ids, &n, &more, key, &total), 0);
    assert_int_equal(total, 26);
    pages++;
    for (size_t i = 0; i < n; i++) {
      double s = opp_score(t, ids[i]);
      assert_true(s <= prev);
      assert_true(s < 100.0); /* nothing of r10 or r */
      prev = s;
    }
    seen += n;
    if (!more)
      break;
    assert_int_equal(n, 10);
    after = key;
  }
  assert_int_equal(pages, 3);
  assert_int_equal(seen, 26);
  assert_int_equal(n, 6);

  assert_int_equal(
      store_opp_page(t, "r10", NULL, 10, ids, &n, &more, key, &total), 0);
  assert_int_equal(n, 5);
  assert_false(more);
  assert_int_equal(total, 5);
  assert_true(opp_score(t, ids[0]) == 104.0);
  assert_int_equal(
      store_opp_page(t, "nobody", NULL, 10, ids, &n, &more, key, &total), 0);
  assert_int_equal(n, 0);
  assert_int_equal(total, 0);
  assert_int_equal(store_opp_page(t, "r1", NULL, 0, ids, &n, &more, key, NULL),
                   STORE_EINVAL);
  store_abort(t);
  store_close(st);
}

/* A page cursor is a key, not an offset: records inserted before it are not
 * repeated or shifted into the next page, records after it do show up. */
static void test_opp_paging_stable(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  for (int i = 1; i <= 5; i++)
    put_opp(t, "rm", i, NULL);
  uint64_t ids[2];
  size_t n;
  bool more;
  uint8_t key[STORE_PAGE_KEY_LEN];
  assert_int_equal(store_opp_page(t, "rm", NULL, 2, ids, &n, &more, key, NULL),
                   0);
  assert_true(opp_score(t, ids[0]) == 5.0 && opp_score(t, ids[1]) == 4.0);
  put_opp(t, "rm", 4.5, NULL);
  put_opp(t, "rm", 2.5, NULL);
  double want[] = {3.0, 2.5, 2.0, 1.0};
  size_t k = 0;
  while (more) {
    uint8_t after[STORE_PAGE_KEY_LEN];
    memcpy(after, key, sizeof after);
    assert_int_equal(
        store_opp_page(t, "rm", after, 2, ids, &n, &more, key, NULL), 0);
    for (size_t i = 0; i < n; i++) {
      assert_true(k < 4);
      assert_true(opp_score(t, ids[i]) == want[k++]);
    }
  }
  assert_int_equal(k, 4);
  store_abort(t);
  store_close(st);
}

static void test_opp_replace_moves_index(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
  o.rm_id = "a";
  o.score = 5;
  o.dedup_key = "k1";
  assert_int_equal(store_opp_put(t, &o), 0);
  uint64_t low;
  put_opp(t, "b", 1.0, &low);
  /* re-score and move to RM b with a new dedup key */
  o.rm_id = "b";
  o.score = 0.5;
  o.dedup_key = "k2";
  assert_int_equal(store_opp_put(t, &o), 0);
  uint64_t ids[4], id;
  size_t n, total;
  bool more;
  uint8_t key[STORE_PAGE_KEY_LEN];
  assert_int_equal(store_opp_page(t, "a", NULL, 4, ids, &n, &more, key, &total),
                   0);
  assert_int_equal(total, 0);
  assert_int_equal(store_opp_page(t, "b", NULL, 4, ids, &n, &more, key, &total),
                   0);
  assert_int_equal(total, 2);
  assert_true(ids[0] == low);
  assert_true(ids[1] == o.id);
  assert_int_equal(store_opp_by_dedup(t, "k1", &id), STORE_ENOTFOUND);
  assert_int_equal(store_opp_by_dedup(t, "k2", &id), 0);
  assert_true(id == o.id);
  /* another record may not take k2 */
  Oppgraph__V1__Opportunity p = OPPGRAPH__V1__OPPORTUNITY__INIT;
  p.dedup_key = "k2";
  assert_int_equal(store_opp_put(t, &p), STORE_EINVAL);
  store_abort(t);
  store_close(st);
}

/* ---- RMs, tokens, circles, meta ----------------------------------------- */

static int count_circle(void *ctx, const Oppgraph__V1__GuaranteeCircle *c) {
  (void)c;
  ++*(int *)ctx;
  return 0;
}

static void test_rm_token_circle_meta(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  Oppgraph__V1__Rm rm = OPPGRAPH__V1__RM__INIT;
  rm.id = "rm001";
  rm.name = "张三";
  rm.capacity = 20;
  assert_int_equal(store_rm_put(t, &rm), 0);
  Oppgraph__V1__Rm bad = OPPGRAPH__V1__RM__INIT;
  assert_int_equal(store_rm_put(t, &bad), STORE_EINVAL);
  Oppgraph__V1__TokenRecord tok = OPPGRAPH__V1__TOKEN_RECORD__INIT;
  tok.token_id = "tk1";
  tok.rm_id = "rm001";
  assert_int_equal(store_token_put(t, &tok), 0);

  uint64_t m1[] = {1, 2, 3}, m2[] = {4, 5}, m3[] = {9, 10};
  Oppgraph__V1__GuaranteeCircle c1 = OPPGRAPH__V1__GUARANTEE_CIRCLE__INIT,
                                c2 = OPPGRAPH__V1__GUARANTEE_CIRCLE__INIT,
                                c3 = OPPGRAPH__V1__GUARANTEE_CIRCLE__INIT;
  c1.members = m1;
  c1.n_members = 3;
  c2.members = m2;
  c2.n_members = 2;
  c3.members = m3;
  c3.n_members = 2;
  Oppgraph__V1__GuaranteeCircle *cs[] = {&c1, &c2};
  assert_int_equal(store_circles_replace(t, cs, 2), 0);
  assert_int_equal(c2.id, 2);
  Oppgraph__V1__GuaranteeCircle *cs2[] = {&c3};
  assert_int_equal(store_circles_replace(t, cs2, 1), 0);
  uint8_t v[3] = {1, 2, 3};
  assert_int_equal(store_meta_put(t, "graph.built", v, 3), 0);
  assert_int_equal(store_commit(t), 0);

  assert_int_equal(store_begin(st, false, &t), 0);
  Oppgraph__V1__Rm *g = NULL;
  assert_int_equal(store_rm_get(t, "rm001", &g), 0);
  assert_string_equal(g->name, "张三");
  assert_int_equal(g->capacity, 20);
  oppgraph__v1__rm__free_unpacked(g, NULL);
  assert_int_equal(store_rm_get(t, "rm002", &g), STORE_ENOTFOUND);
  Oppgraph__V1__TokenRecord *gt = NULL;
  assert_int_equal(store_token_get(t, "tk1", &gt), 0);
  assert_string_equal(gt->rm_id, "rm001");
  oppgraph__v1__token_record__free_unpacked(gt, NULL);
  uint64_t cid;
  assert_int_equal(store_circle_of(t, 1, &cid), STORE_ENOTFOUND); /* replaced */
  assert_int_equal(store_circle_of(t, 10, &cid), 0);
  assert_int_equal(cid, 1);
  int nc = 0;
  assert_int_equal(store_circle_foreach(t, count_circle, &nc), 0);
  assert_int_equal(nc, 1);
  const void *mv;
  size_t ml;
  assert_int_equal(store_meta_get(t, "graph.built", &mv, &ml), 0);
  assert_int_equal(ml, 3);
  assert_memory_equal(mv, v, 3);
  assert_int_equal(store_meta_get(t, "nope", &mv, &ml), STORE_ENOTFOUND);
  /* writes need a write transaction */
  assert_int_equal(store_rm_put(t, &rm), STORE_EINVAL);
  store_abort(t);
  store_close(st);
}

/* ---- environment -------------------------------------------------------- */

static void test_schema_mismatch(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  uint8_t be[8];
  store_u64_be(be, 99);
  assert_int_equal(store_meta_put(t, "schema_version", be, 8), 0);
  assert_int_equal(store_commit(t), 0);
  store_close(st);
  st = NULL;
  assert_int_equal(store_open(dir, NULL, &st), STORE_ESCHEMA);
  assert_null(st);
  assert_non_null(strstr(store_last_error(), "99"));
  assert_non_null(strstr(store_last_error(), dir));
  store_options ro = {.read_only = true};
  assert_int_equal(store_open(dir, &ro, &st), STORE_ESCHEMA);
}

static void test_read_only(void **state) {
  (void)state;
  char dir[128];
  fresh_dir(dir, sizeof dir);
  store *st = NULL;
  store_options ro = {.read_only = true};
  assert_int_equal(store_open(dir, &ro, &st), STORE_EIO);
  assert_null(st);
  assert_non_null(strstr(store_last_error(), dir));
  struct stat sb;
  assert_int_not_equal(stat(dir, &sb), 0); /* nothing created */

  /* an existing store opens read-only and refuses write transactions */
  st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = "只读测试";
  assert_int_equal(store_ent_put(t, &e), 0);
  assert_int_equal(store_commit(t), 0);
  store_close(st);
  assert_int_equal(store_open(dir, &ro, &st), 0);
  assert_int_equal(store_begin(st, true, &t), STORE_EINVAL);
  assert_int_equal(store_begin(st, false, &t), 0);
  uint64_t id;
  assert_int_equal(store_ent_by_name(t, "只读测试", &id), 0);
  store_abort(t);
  store_close(st);
}

static void test_backup(void **state) {
  (void)state;
  char dir[128], copy[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  for (int i = 0; i < 50; i++) {
    Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
    char name[32];
    snprintf(name, sizeof name, "企业%d", i);
    e.name = name;
    assert_int_equal(store_ent_put(t, &e), 0);
    put_opp(t, "rm", i, NULL);
  }
  assert_int_equal(store_commit(t), 0);
  fresh_dir(copy, sizeof copy);
  assert_int_equal(store_backup(st, copy), 0);
  /* a second backup into the same directory is refused */
  assert_int_equal(store_backup(st, copy), STORE_EINVAL);

  store_stats a, b;
  assert_int_equal(store_begin(st, false, &t), 0);
  assert_int_equal(store_stats_get(t, &a), 0);
  store_abort(t);
  store *cp = NULL;
  assert_int_equal(store_open(copy, NULL, &cp), 0);
  assert_int_equal(store_begin(cp, false, &t), 0);
  assert_int_equal(store_stats_get(t, &b), 0);
  assert_memory_equal(&a, &b, sizeof a);
  assert_int_equal(b.enterprises, 50);
  uint64_t id;
  assert_int_equal(store_ent_by_name(t, "企业7", &id), 0);
  store_abort(t);
  /* ids keep counting from where the original was */
  assert_int_equal(store_begin(cp, true, &t), 0);
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = "新企业";
  assert_int_equal(store_ent_put(t, &e), 0);
  assert_int_equal(e.id, 51);
  store_abort(t);
  store_close(cp);
  store_close(st);
}

static void test_abort_leaves_nothing(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = "回滚公司";
  e.credit_code = "X";
  assert_int_equal(store_ent_put(t, &e), 0);
  put_opp(t, "rm", 1.0, NULL);
  store_abort(t);

  assert_int_equal(store_begin(st, false, &t), 0);
  store_stats ss;
  assert_int_equal(store_stats_get(t, &ss), 0);
  assert_int_equal(ss.enterprises, 0);
  assert_int_equal(ss.opportunities, 0);
  uint64_t id;
  assert_int_equal(store_ent_by_name(t, "回滚公司", &id), STORE_ENOTFOUND);
  assert_int_equal(store_ent_by_code(t, "X", &id), STORE_ENOTFOUND);
  store_abort(t);
  assert_int_equal(store_begin(st, true, &t), 0);
  Oppgraph__V1__Enterprise f = OPPGRAPH__V1__ENTERPRISE__INIT;
  f.name = "下一家";
  assert_int_equal(store_ent_put(t, &f), 0);
  assert_int_equal(f.id, 1); /* the sequence rolled back too */
  store_abort(t);
  store_abort(NULL);
  store_close(st);
}

/* A value that does not decode is reported, not handed out half-read. */
static void test_corrupt_value(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_close(st);
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  assert_int_equal(mdb_env_create(&env), 0);
  assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
  assert_int_equal(mdb_env_open(env, dir, 0, 0644), 0);
  assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
  assert_int_equal(mdb_dbi_open(txn, "ent", 0, &dbi), 0);
  uint8_t key[8], junk[] = {0xff, 0xff, 0xff};
  store_u64_be(key, 1);
  MDB_val k = {8, key}, v = {3, junk};
  assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
  assert_int_equal(mdb_txn_commit(txn), 0);
  mdb_env_close(env);

  assert_int_equal(store_open(dir, NULL, &st), 0);
  store_txn *t;
  assert_int_equal(store_begin(st, false, &t), 0);
  Oppgraph__V1__Enterprise *e = NULL;
  assert_int_equal(store_ent_get(t, 1, &e), STORE_ECORRUPT);
  assert_null(e);
  int n = 0;
  assert_int_equal(store_ent_foreach(t, count_ent, &n), STORE_ECORRUPT);
  store_abort(t);
  store_close(st);
}

/* Readers are not bound to threads (MDB_NOTLS): one thread may hold two
 * snapshots, and a snapshot begun here may be read from another thread. */
struct reader_arg {
  store_txn *t;
  int found;
};
static void *reader_thread(void *p) {
  struct reader_arg *a = p;
  uint64_t id;
  a->found = store_ent_by_name(a->t, "线程公司", &id) == 0;
  return NULL;
}

static void test_readers_any_thread(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *w, *r1, *r2;
  assert_int_equal(store_begin(st, true, &w), 0);
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = "线程公司";
  assert_int_equal(store_ent_put(w, &e), 0);
  assert_int_equal(store_commit(w), 0);
  assert_int_equal(store_begin(st, false, &r1), 0);
  /* a write committed after r1 began is invisible to r1, visible to r2 */
  assert_int_equal(store_begin(st, true, &w), 0);
  Oppgraph__V1__Enterprise f = OPPGRAPH__V1__ENTERPRISE__INIT;
  f.name = "后来公司";
  assert_int_equal(store_ent_put(w, &f), 0);
  assert_int_equal(store_commit(w), 0);
  assert_int_equal(store_begin(st, false, &r2), 0);
  uint64_t id;
  assert_int_equal(store_ent_by_name(r1, "后来公司", &id), STORE_ENOTFOUND);
  assert_int_equal(store_ent_by_name(r2, "后来公司", &id), 0);
  struct reader_arg a = {r1, 0};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, reader_thread, &a), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  assert_int_equal(a.found, 1);
  store_abort(r1);
  store_abort(r2);
  store_close(st);
}

/* A store whose map is too small reports STORE_EFULL, and what was committed
 * before stays readable. */
static void test_map_full(void **state) {
  (void)state;
  char dir[128];
  fresh_dir(dir, sizeof dir);
  store *st = NULL;
  store_options opt = {.map_size = 256 << 10};
  assert_int_equal(store_open(dir, &opt, &st), 0);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = "先到公司";
  assert_int_equal(store_ent_put(t, &e), 0);
  assert_int_equal(store_commit(t), 0);

  assert_int_equal(store_begin(st, true, &t), 0);
  static char text[4000];
  memset(text, 'x', sizeof text - 1);
  int err = 0;
  for (int i = 0; i < 1000 && !err; i++) {
    uint8_t hash[32] = {0};
    memcpy(hash, &i, sizeof i);
    Oppgraph__V1__Document d = OPPGRAPH__V1__DOCUMENT__INIT;
    d.text = text;
    d.content_hash.data = hash;
    d.content_hash.len = 32;
    bool is_new;
    err = store_doc_put(t, &d, &is_new);
  }
  assert_int_equal(err, STORE_EFULL);
  assert_non_null(strstr(store_last_error(), "doc"));
  store_abort(t);
  assert_int_equal(store_begin(st, false, &t), 0);
  uint64_t id;
  assert_int_equal(store_ent_by_name(t, "先到公司", &id), 0);
  store_stats ss;
  assert_int_equal(store_stats_get(t, &ss), 0);
  assert_int_equal(ss.documents, 0);
  store_abort(t);
  store_close(st);
}

/* Enterprises and persons share one id space: an enterprise's adjacency
 * never picks up a person's edges. */
static void test_person_ids_disjoint(void **state) {
  (void)state;
  char dir[128];
  store *st = open_fresh(dir, sizeof dir);
  store_txn *t;
  assert_int_equal(store_begin(st, true, &t), 0);
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = "甲公司";
  assert_int_equal(store_ent_put(t, &e), 0);
  Oppgraph__V1__Person p = OPPGRAPH__V1__PERSON__INIT;
  p.name = "李四";
  assert_int_equal(store_person_put(t, &p), 0);
  assert_true(p.id != e.id);
  Oppgraph__V1__Edge x = OPPGRAPH__V1__EDGE__INIT;
  x.type = OPPGRAPH__V1__EDGE_TYPE__EXECUTIVE;
  x.src_kind = OPPGRAPH__V1__NODE_KIND__NODE_PERSON;
  x.src = p.id;
  x.dst = e.id;
  x.role = "董事长";
  assert_int_equal(store_edge_put(t, &x), 0);
  struct edges c = {0};
  assert_int_equal(store_edge_out(t, e.id, 0, collect_edge, &c), 0);
  assert_int_equal(c.n, 0);
  assert_int_equal(store_edge_out(t, p.id, 0, collect_edge, &c), 0);
  assert_int_equal(c.n, 1);
  uint64_t id;
  assert_int_equal(store_person_by_name(t, "李四", &id), 0);
  assert_true(id == p.id);
  /* renaming re-indexes */
  p.name = "李四海";
  assert_int_equal(store_person_put(t, &p), 0);
  assert_int_equal(store_person_by_name(t, "李四", &id), STORE_ENOTFOUND);
  assert_int_equal(store_person_by_name(t, "李四海", &id), 0);
  Oppgraph__V1__Person *gp = NULL;
  assert_int_equal(store_person_get(t, p.id, &gp), 0);
  assert_string_equal(gp->name, "李四海");
  oppgraph__v1__person__free_unpacked(gp, NULL);
  store_abort(t);
  store_close(st);
}

static void test_strerror(void **state) {
  (void)state;
  int codes[] = {STORE_OK,       STORE_ENOTFOUND, STORE_ESCHEMA,
                 STORE_ECORRUPT, STORE_ELMDB,     STORE_ENOMEM,
                 STORE_EINVAL,   STORE_EFULL,     STORE_EIO};
  for (size_t i = 1; i < sizeof codes / sizeof codes[0]; i++)
    for (size_t j = 0; j < i; j++)
      assert_string_not_equal(store_strerror(codes[i]),
                              store_strerror(codes[j]));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_u64_be),
      cmocka_unit_test(test_score_key_order),
      cmocka_unit_test(test_name_norm),
      cmocka_unit_test(test_name_norm_parens),
      cmocka_unit_test(test_ent_reindex),
      cmocka_unit_test(test_names_prefix_and_foreach),
      cmocka_unit_test(test_doc_dedup_and_events),
      cmocka_unit_test(test_edge_upsert),
      cmocka_unit_test(test_opp_paging),
      cmocka_unit_test(test_opp_paging_stable),
      cmocka_unit_test(test_opp_replace_moves_index),
      cmocka_unit_test(test_rm_token_circle_meta),
      cmocka_unit_test(test_schema_mismatch),
      cmocka_unit_test(test_read_only),
      cmocka_unit_test(test_backup),
      cmocka_unit_test(test_abort_leaves_nothing),
      cmocka_unit_test(test_corrupt_value),
      cmocka_unit_test(test_readers_any_thread),
      cmocka_unit_test(test_map_full),
      cmocka_unit_test(test_person_ids_disjoint),
      cmocka_unit_test(test_strerror),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
