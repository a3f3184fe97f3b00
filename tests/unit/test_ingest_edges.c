/*
 * test_ingest_edges.c — edges told by announcements (ingest/events_edges.c),
 * through the whole batch driver on a temporary store with the real rules:
 * a guarantee between two registry enterprises becomes a GUARANTEE edge with
 * amount, dates and the document in source_docs, and together with the
 * registry's guarantee in the other direction makes a guarantee circle
 * (graph_rebuild_circles); a top-5 supplier disclosure becomes a SUPPLY edge
 * supplier -> company with amount and share, a top-5 customer list one SUPPLY
 * edge per customer; a second announcement of the same guarantee adds its
 * document to the same edge; re-ingesting everything adds nothing; a
 * guarantee for an enterprise the registry does not know makes no edge.
 * The texts are written for this test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/graph.h"
#include "ingest/ingest.h"

#define SCHEMA "data/schema/registry.xsd"

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *f) {
  (void)sb;
  (void)flag;
  (void)f;
  return remove(p);
}

static void write_file(const char *dir, const char *name, const char *s) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
  fclose(f);
}

static void diag_print(void *ctx, const char *path, const char *msg) {
  (void)ctx;
  fprintf(stderr, "%s: %s\n", path, msg);
}

static void rules_diag(void *ctx, const char *file, int line,
                       const char *msg) {
  (void)ctx;
  fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

/* A valid GB 32100 code from its first 17 characters. */
static void make_code(const char *first17, char out[19]) {
  memcpy(out, first17, 17);
  out[17] = ingest_credit_code_check_char(first17);
  out[18] = 0;
  assert_true(ingest_credit_code_valid(out));
}

#define NAME_A "华恒精密电子股份有限公司"
#define NAME_B "金瑞建设工程有限公司"
#define NAME_C "宏鼎物流有限公司"
#define NAME_D "永盛化工有限公司"

typedef struct edge_list {
  Oppgraph__V1__Edge *v[32];
  size_t n;
} edge_list;

static int collect_edge(void *ctx, const Oppgraph__V1__Edge *e) {
  edge_list *l = ctx;
  if (l->n < 32) {
    uint8_t buf[1024];
    size_t len = oppgraph__v1__edge__pack(e, buf);
    l->v[l->n++] = oppgraph__v1__edge__unpack(NULL, len, buf);
  }
  return 0;
}

static void edges_free(edge_list *l) {
  for (size_t i = 0; i < l->n; i++)
    oppgraph__v1__edge__free_unpacked(l->v[i], NULL);
  l->n = 0;
}

static const Oppgraph__V1__Edge *find_edge(const edge_list *l, uint64_t src,
                                           uint64_t dst) {
  for (size_t i = 0; i < l->n; i++)
    if (l->v[i]->src == src && l->v[i]->dst == dst)
      return l->v[i];
  return NULL;
}

static uint64_t ent_id(store_txn *txn, const char *name) {
  uint64_t id = 0;
  assert_int_equal(store_ent_by_name(txn, name, &id), 0);
  return id;
}

static void test_edges_from_announcements(void **state) {
  (void)state;
  char *dir = strdup("/tmp/oppgraph-edges-XXXXXX");
  assert_non_null(mkdtemp(dir));
  char in[1024], db[1024];
  snprintf(in, sizeof in, "%s/in", dir);
  snprintf(db, sizeof db, "%s/db", dir);
  assert_int_equal(mkdir(in, 0755), 0);

  char a[19], b[19], c[19], d[19];
  make_code("91320505MA1X00001", a);
  make_code("91320505MA1X00002", b);
  make_code("91320505MA1X00003", c);
  make_code("91320505MA1X00004", d);
  char reg[4096];
  snprintf(reg, sizeof reg,
           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<registry>\n"
           "<enterprises>\n"
           "<enterprise code=\"%s\"><name>" NAME_A "</name></enterprise>\n"
           "<enterprise code=\"%s\"><name>" NAME_B "</name></enterprise>\n"
           "<enterprise code=\"%s\"><name>" NAME_C "</name></enterprise>\n"
           "<enterprise code=\"%s\"><name>" NAME_D "</name></enterprise>\n"
           "</enterprises>\n"
           "<guarantees><guarantee guarantor=\"%s\" guaranteed=\"%s\" "
           "amount=\"20000000\"/></guarantees>\n"
           "</registry>\n",
           a, b, c, d, b, a);
  write_file(in, "reg.xml", reg);
  /* A guarantees B: with the registry's B -> A, a circle */
  write_file(in, "g1.txt",
             NAME_A "关于为" NAME_B "提供担保的公告\n2024-05-10\n"
             NAME_A "为" NAME_B "提供担保，担保金额为人民币5000万元，"
             "保证期间自2024年5月1日至2027年4月30日。\n");
  /* the same guarantee told again by another document */
  write_file(in, "g2.txt",
             NAME_A "关于担保进展的公告\n2024-06-10\n"
             "本次担保的被担保人为" NAME_B "，担保金额为人民币5000万元。\n");
  /* a guarantee for an enterprise the registry does not know: no edge */
  write_file(in, "g3.txt",
             NAME_A "关于对外担保的公告\n2024-06-12\n"
             NAME_A "为青石湾实业有限公司提供担保，担保金额为人民币800万元。\n");
  write_file(in, "s1.txt",
             NAME_A "关于2023年年度报告摘要的公告\n2024-04-20\n"
             "报告期内，公司向前五大供应商" NAME_C "的采购金额为8,600万元，"
             "占年度采购总额的12.4%。\n"
             "公司前五大客户分别为" NAME_B "、" NAME_D "和海滨贸易有限公司。\n");

  store *st = NULL;
  store_options so = {.map_size = 64u << 20};
  assert_int_equal(store_open(db, &so, &st), 0);
  nlp_rules *rules = NULL;
  assert_int_equal(nlp_rules_load_dir("data/rules", rules_diag, NULL, &rules),
                   0);
  ingest_config cfg = {.rules = rules,
                       .schema_path = SCHEMA,
                       .diag = diag_print};
  ingest_report rep;
  const char *paths[] = {in};
  assert_int_equal(ingest_run(st, &cfg, paths, 1, &rep), 0);
  assert_int_equal(rep.files_ok, 5);
  assert_int_equal(rep.docs_new, 4);

  store_txn *txn = NULL;
  assert_int_equal(store_begin(st, false, &txn), 0);
  uint64_t ia = ent_id(txn, NAME_A), ib = ent_id(txn, NAME_B),
           ic = ent_id(txn, NAME_C), id = ent_id(txn, NAME_D);

  edge_list g = {{0}, 0};
  assert_int_equal(store_edge_foreach(txn, OPPGRAPH__V1__EDGE_TYPE__GUARANTEE,
                                      collect_edge, &g),
                   0);
  assert_int_equal(g.n, 2); /* registry B -> A, announced A -> B */
  const Oppgraph__V1__Edge *ab = find_edge(&g, ia, ib);
  assert_non_null(ab);
  assert_int_equal(ab->amount, 50000000);
  assert_string_equal(ab->start, "2024-05-01");
  assert_string_equal(ab->end, "2027-04-30");
  assert_int_equal(ab->n_source_docs, 2); /* g1 and g2 */
  assert_non_null(find_edge(&g, ib, ia));
  edges_free(&g);

  edge_list s = {{0}, 0};
  assert_int_equal(store_edge_foreach(txn, OPPGRAPH__V1__EDGE_TYPE__SUPPLY,
                                      collect_edge, &s),
                   0);
  assert_int_equal(s.n, 3); /* C -> A; A -> B, A -> D (海滨贸易 unknown) */
  const Oppgraph__V1__Edge *ca = find_edge(&s, ic, ia);
  assert_non_null(ca);
  assert_int_equal(ca->amount, 86000000);
  assert_true(ca->ratio > 0.1239 && ca->ratio < 0.1241);
  assert_int_equal(ca->n_source_docs, 1);
  const Oppgraph__V1__Edge *a_b = find_edge(&s, ia, ib);
  assert_non_null(a_b);
  assert_int_equal(a_b->amount, 0); /* one list, no figure per name */
  assert_non_null(find_edge(&s, ia, id));
  edges_free(&s);
  store_stats s1;
  assert_int_equal(store_stats_get(txn, &s1), 0);
  store_abort(txn);

  /* the announced guarantee closes a circle A <-> B */
  graph_report gr;
  assert_int_equal(graph_rebuild_circles(st, &gr), 0);
  assert_int_equal(gr.circles, 1);
  assert_int_equal(gr.circle_members, 2);
  assert_int_equal(store_begin(st, false, &txn), 0);
  uint64_t ca_id = 0, cb_id = 0;
  assert_int_equal(store_circle_of(txn, ia, &ca_id), 0);
  assert_int_equal(store_circle_of(txn, ib, &cb_id), 0);
  assert_true(ca_id != 0 && ca_id == cb_id);
  store_abort(txn);

  /* again: nothing new, not even a source document */
  assert_int_equal(ingest_run(st, &cfg, paths, 1, &rep), 0);
  assert_int_equal(rep.docs_new, 0);
  /* (rep.edges counts the registry's guarantee, upserted again) */
  assert_int_equal(rep.edges, 1);
  assert_int_equal(store_begin(st, false, &txn), 0);
  store_stats s2;
  assert_int_equal(store_stats_get(txn, &s2), 0);
  assert_int_equal(s2.edges, s1.edges);
  assert_int_equal(s2.events, s1.events);
  g.n = 0;
  assert_int_equal(store_edge_foreach(txn, OPPGRAPH__V1__EDGE_TYPE__GUARANTEE,
                                      collect_edge, &g),
                   0);
  ab = find_edge(&g, ia, ib);
  assert_non_null(ab);
  assert_int_equal(ab->n_source_docs, 2);
  edges_free(&g);
  store_abort(txn);

  nlp_rules_free(rules);
  store_close(st);
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_edges_from_announcements),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
