/*
 * cmd_kb.c — `oppgraph kb add|rm|search`: the knowledge base from the
 * command line.  Each subcommand opens the store and the kb context (the
 * tokenizer dictionary and synonyms of the data directory), calls one kb/
 * function and prints the result (search: a readable list or --json).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "kb/kb.h"
#include "store/store.h"

static void kb_usage(FILE *f) {
  fprintf(f,
          "usage: oppgraph kb add    --db DIR PATH...\n"
          "       oppgraph kb rm     --db DIR --id ID\n"
          "       oppgraph kb search --db DIR [--category C] [--tag T] "
          "[--page N]\n"
          "                          [--page-size N] [--json] [--em] QUERY\n\n"
          "The knowledge base of product manuals and process handbooks.\n"
          "'oppgraph kb <subcommand> --help' explains one subcommand.\n"
          "The tokenizer dictionary (dict/*.dict) and synonyms "
          "(kb/synonyms.txt)\ncome from the data directory: $OPPGRAPH_DATA, "
          "else ./data.\n");
}

static void add_usage(FILE *f) {
  fprintf(f, "usage: oppgraph kb add --db DIR PATH...\n\n"
             "Adds or replaces articles: Markdown (.md), HTML (.html), XML "
             "(.xml)\nor text (.txt) files, folders walked.  An article with "
             "the id of a\nstored one replaces it.  Formats: kb/article.c.  "
             "Bad files are\nreported and skipped (exit 1).\n");
}

static void rm_usage(FILE *f) {
  fprintf(f, "usage: oppgraph kb rm --db DIR --id ID\n\n"
             "Deletes an article and its index entries.\n");
}

static void search_usage(FILE *f) {
  fprintf(f,
          "usage: oppgraph kb search --db DIR [options] QUERY\n\n"
          "Full-text search, best BM25 score first.  QUERY: words (all must "
          "match),\n\"quoted phrases\", A OR B, -excluded.  Several words "
          "may be given.\n\n"
          "  --category C   only articles of category C\n"
          "  --tag T        only articles tagged T\n"
          "  --page N       page N (from 1, default 1)\n"
          "  --page-size N  hits per page (default 10, at most %d)\n"
          "  --json         {query, total, page, hits:[{id, score, title, "
          "category,\n                 tags, products, snippet}]}\n"
          "  --em           highlight with <em></em> instead of 【】\n",
          KB_PAGE_SIZE_MAX);
}

static int kb_open_cli(kb **k) {
  kb_diag d = {{0}};
  int err = kb_open(cli_data_dir(), NULL, k, &d);
  if (err)
    fprintf(stderr, "oppgraph kb: %s\n", d.msg);
  return err;
}

static int kb_store(const char *db, bool ro, store **st) {
  store_options o = {.read_only = ro};
  int err = store_open(db, &o, st);
  if (err)
    fprintf(stderr, "oppgraph kb: store %s: %s (%s)\n", db, store_strerror(err),
            store_last_error());
  return err;
}

static void report(void *ctx, const char *path, int err, const char *msg) {
  (void)ctx;
  (void)path;
  fprintf(stderr, "oppgraph kb add: %s [%s]\n", msg, kb_strerror(err));
}

static bool want_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
      return true;
  return false;
}

static int kb_add(int argc, char **argv) {
  const char *db = NULL;
  char **paths = calloc((size_t)argc, sizeof *paths);
  size_t np = 0;
  if (!paths)
    return CLI_EXIT_FAIL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--db") && i + 1 < argc)
      db = argv[++i];
    else
      paths[np++] = argv[i];
  }
  if (!db || !np) {
    add_usage(stderr);
    free(paths);
    return CLI_EXIT_USAGE;
  }
  kb *k = NULL;
  store *st = NULL;
  int rc = CLI_EXIT_FAIL;
  if (!kb_open_cli(&k) && !kb_store(db, false, &st)) {
    kb_add_stats s;
    int err = kb_add_paths(k, st, paths, np, report, NULL, &s);
    printf("kb add: %zu added, %zu replaced, %zu failed (%zu bytes of text)\n",
           s.added, s.replaced, s.failed, s.bytes);
    rc = err ? CLI_EXIT_FAIL : CLI_EXIT_OK;
  }
  store_close(st);
  kb_close(k);
  free(paths);
  return rc;
}

static int kb_rm(int argc, char **argv) {
  const char *db = NULL, *ids = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--db") && i + 1 < argc)
      db = argv[++i];
    else if (!strcmp(argv[i], "--id") && i + 1 < argc)
      ids = argv[++i];
    else {
      rm_usage(stderr);
      return CLI_EXIT_USAGE;
    }
  }
  char *end = NULL;
  unsigned long long id = ids ? strtoull(ids, &end, 10) : 0;
  if (!db || !ids || !*ids || *end || id == 0) {
    if (ids && (!*ids || *end || id == 0))
      fprintf(stderr, "oppgraph kb rm: --id '%s' is not a positive integer\n",
              ids);
    rm_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  kb *k = NULL;
  store *st = NULL;
  store_txn *txn = NULL;
  int rc = CLI_EXIT_FAIL;
  if (!kb_open_cli(&k) && !kb_store(db, false, &st) &&
      !store_begin(st, true, &txn)) {
    kb_diag d = {{0}};
    int err = kb_delete(k, txn, id, &d);
    if (!err && !(err = store_commit(txn))) {
      printf("kb rm: article %llu deleted\n", id);
      rc = CLI_EXIT_OK;
    } else {
      if (err == KB_ENOTFOUND || err < 0)
        fprintf(stderr, "oppgraph kb rm: %s\n",
                d.msg[0] ? d.msg : store_last_error());
    }
    if (err)
      store_abort(txn);
  }
  store_close(st);
  kb_close(k);
  return rc;
}

static json_t *strs(char **v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_string(v[i]));
  return a;
}

static int kb_search_cmd(int argc, char **argv) {
  const char *db = NULL;
  kb_query q = {0};
  bool json = false;
  char query[KB_QUERY_MAX * 2 + 2];
  size_t qn = 0;
  bool toolong = false;
  query[0] = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--db") && i + 1 < argc)
      db = argv[++i];
    else if (!strcmp(a, "--category") && i + 1 < argc)
      q.category = argv[++i];
    else if (!strcmp(a, "--tag") && i + 1 < argc)
      q.tag = argv[++i];
    else if (!strcmp(a, "--page") && i + 1 < argc)
      q.page = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(a, "--page-size") && i + 1 < argc)
      q.page_size = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(a, "--json"))
      json = true;
    else if (!strcmp(a, "--em")) {
      q.hl_open = "<em>";
      q.hl_close = "</em>";
    } else if (a[0] == '-' && a[1] == '-' && a[2]) {
      fprintf(stderr, "oppgraph kb search: unknown option %s\n", a);
      search_usage(stderr);
      return CLI_EXIT_USAGE;
    } else {
      size_t l = strlen(a);
      if (qn + l + 2 > sizeof query) {
        toolong = true;
        continue;
      }
      if (qn)
        query[qn++] = ' ';
      memcpy(query + qn, a, l + 1);
      qn += l;
    }
  }
  if (!db) {
    search_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (toolong) {
    fprintf(stderr, "oppgraph kb search: query over %d bytes\n", KB_QUERY_MAX);
    return CLI_EXIT_USAGE;
  }
  q.text = query;
  kb *k = NULL;
  store *st = NULL;
  store_txn *txn = NULL;
  int rc = CLI_EXIT_FAIL;
  kb_results r = {0};
  if (!kb_open_cli(&k) && !kb_store(db, true, &st) &&
      !store_begin(st, false, &txn)) {
    kb_diag d = {{0}};
    int err = kb_search(k, txn, &q, &r, &d);
    if (err) {
      fprintf(stderr, "oppgraph kb search: %s\n", d.msg);
      rc = err == KB_EINVAL || err == KB_EUTF8 || err == KB_ETOOBIG
               ? CLI_EXIT_USAGE
               : CLI_EXIT_FAIL;
    } else if (json) {
      json_t *o = json_object();
      json_object_set_new(o, "query", json_string(query));
      json_object_set_new(o, "total", json_integer((json_int_t)r.total));
      json_object_set_new(o, "page",
                          json_integer(q.page ? (json_int_t)q.page : 1));
      json_t *hits = json_array();
      for (size_t i = 0; i < r.n; i++) {
        kb_hit *h = &r.hits[i];
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer((json_int_t)h->id));
        json_object_set_new(j, "score", json_real(h->score));
        json_object_set_new(j, "title", json_string(h->title));
        json_object_set_new(j, "category", json_string(h->category));
        json_object_set_new(j, "tags", strs(h->tags, h->ntags));
        json_object_set_new(j, "products", strs(h->products, h->nproducts));
        json_object_set_new(j, "snippet", json_string(h->snippet));
        json_array_append_new(hits, j);
      }
      json_object_set_new(o, "hits", hits);
      char *s = json_dumps(o, JSON_COMPACT);
      puts(s ? s : "{}");
      free(s);
      json_decref(o);
      rc = CLI_EXIT_OK;
    } else {
      size_t page = q.page ? q.page : 1, ps = q.page_size ? q.page_size : 10;
      printf("%zu articles match; page %zu:\n", r.total, page);
      for (size_t i = 0; i < r.n; i++) {
        kb_hit *h = &r.hits[i];
        printf("\n%zu. [%llu] %s  (%s, score %.3f)\n   %s\n",
               (page - 1) * ps + i + 1, (unsigned long long)h->id, h->title,
               *h->category ? h->category : "-", h->score, h->snippet);
      }
      rc = CLI_EXIT_OK;
    }
  }
  kb_results_destroy(&r);
  store_abort(txn);
  store_close(st);
  kb_close(k);
  return rc;
}

int cmd_kb(int argc, char **argv) {
  if (argc < 2) {
    kb_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *sub = argv[1];
  if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
    kb_usage(stdout);
    return CLI_EXIT_OK;
  }
  bool help = want_help(argc - 1, argv + 1);
  if (!strcmp(sub, "add")) {
    if (help)
      return add_usage(stdout), CLI_EXIT_OK;
    return kb_add(argc - 1, argv + 1);
  }
  if (!strcmp(sub, "rm")) {
    if (help)
      return rm_usage(stdout), CLI_EXIT_OK;
    return kb_rm(argc - 1, argv + 1);
  }
  if (!strcmp(sub, "search")) {
    if (help)
      return search_usage(stdout), CLI_EXIT_OK;
    return kb_search_cmd(argc - 1, argv + 1);
  }
  fprintf(stderr, "oppgraph kb: unknown subcommand '%s'\n\n", sub);
  kb_usage(stderr);
  return CLI_EXIT_USAGE;
}
