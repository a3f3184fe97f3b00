/*
 * kb — the knowledge base staff search: product manuals and process
 * handbooks, read from Markdown, HTML, XML or plain text, indexed in the
 * store (kb_article / kb_post / kb_meta, see store/store.h) and searched with
 * BM25 over the nlp search tokenizer.
 *
 * Article files (kb/article.c documents every format in detail):
 *   Markdown  front matter between "---" lines, or a "# " title line followed
 *             by a header block of "key: value" lines up to the first blank
 *             line; keys id, title, category, tags, products (lists are
 *             comma-separated).
 *   HTML      <title> or the first <h1>; <meta name="kb-id|category|keywords|
 *             products" content="…">; text of <body> without script/style.
 *   XML       <article id="…" category="…"><title/><tags><tag/></tags>
 *             <products><product/></products><body/></article>.
 *   text      first non-empty line = title; the header block as in Markdown
 *             may follow it.
 * An article without an id takes the leading digits of its file name.
 *
 * Query syntax (kb_search): clauses separated by spaces must all match
 * (AND); "A OR B" (or "A | B") needs one of them; -clause excludes; a
 * "quoted phrase" needs its terms at consecutive positions.  A clause without
 * spaces is segmented; a document must contain at least half of its terms
 * (all of them when it has one or two) — so "如何申请履约保函" does not
 * require the bigram "何申".  Synonyms (data/kb/synonyms.txt) add alternatives
 * to a clause.  Ranking: BM25 (k1 = 1.2, b = 0.75) where a term's frequency
 * is tf_body + title_boost × tf_title (title_boost = 3), times the share of
 * the query's terms that the document has (coordination).
 */
#ifndef OPPGRAPH_KB_H
#define OPPGRAPH_KB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlp/nlp.h"
#include "store/store.h"

enum kb_err {
  KB_OK = 0,
  KB_EINVAL = -1,  /* bad query or argument (message in kb_diag) */
  KB_EUTF8 = -2,   /* invalid UTF-8 in a query or an article */
  KB_ETOOBIG = -3, /* query or article over its size limit */
  KB_EPARSE = -4,  /* an article file does not parse */
  KB_EIO = -5,     /* cannot read a file or directory */
  KB_ESTORE = -6,  /* a store call failed */
  KB_ENOMEM = -7,
  KB_ENOTFOUND = -8, /* no such article */
  KB_ELAYOUT = -9,   /* index of an older layout: rebuild with kb add */
};
const char *kb_strerror(int err);

/* What went wrong, for a person: "articles/x.md: invalid UTF-8 at byte 120". */
typedef struct kb_diag {
  char msg[512];
} kb_diag;

#define KB_QUERY_MAX 1024        /* bytes of a query */
#define KB_ARTICLE_MAX (8 << 20) /* bytes of an article file */
#define KB_PAGE_SIZE_MAX 100

/* Ranking parameters; kb_params_default fills the documented values. */
typedef struct kb_params {
  double k1, b, title_boost, synonym_weight;
  /* Score every match instead of skipping posting chunks whose bound
   * cannot reach the top of the page (block-max), in the general
   * candidate loop (no one-clause fast path): the same results, slower;
   * tests compare the two. */
  bool exhaustive;
} kb_params;
void kb_params_default(kb_params *p);

/* The search context: the tokenizer dictionary (every *.dict of
 * data_dir/dict), the synonyms (data_dir/kb/synonyms.txt, optional) and the
 * parameters.  Read-only after kb_open; share it between threads. */
typedef struct kb kb;
int kb_open(const char *data_dir, const kb_params *p, kb **out, kb_diag *d);
/* The same from explicit parts (tests): dict may be NULL (bigrams only); kb
 * takes ownership of dict.  synonyms_path may be NULL. */
int kb_open_with(nlp_dict *dict, const char *synonyms_path, const kb_params *p,
                 kb **out, kb_diag *d);
void kb_close(kb *k);
const nlp_dict *kb_dict(const kb *k);

/* ---- articles ------------------------------------------------------------ */
typedef Oppgraph__V1__KbArticle kb_article;

/* Parses an article from buf; the format comes from the path's extension
 * (.md .markdown .html .htm .xml .txt; else sniffed).  path names the input
 * in messages and gives the id when the text has none.  Free with
 * kb_article_free. */
int kb_article_parse(const char *path, const char *buf, size_t len,
                     kb_article **out, kb_diag *d);
int kb_article_read(const char *path, kb_article **out, kb_diag *d);
void kb_article_free(kb_article *a);

/* Indexes a (id != 0); an article with the same id is replaced, its
 * postings removed first.  *replaced (may be NULL) tells which. */
int kb_put(const kb *k, store_txn *txn, const kb_article *a, bool *replaced,
           kb_diag *d);
/* kb_put for many articles in one transaction, postings written in key
 * order (much faster for bulk loads).  *replaced (may be NULL) counts the
 * articles that replaced a stored one. */
int kb_put_batch(const kb *k, store_txn *txn, kb_article *const *arts, size_t n,
                 size_t *replaced, kb_diag *d);
/* Bulk loading: articles added one by one, their postings gathered in
 * memory and merged into the index once per flush (a flush is one write
 * transaction with the articles; one happens when the gathered postings
 * reach mem_budget bytes, 0 = KB_BULK_BUDGET, and at kb_bulk_flush).
 * Much faster than kb_put_batch for many small batches.  An error aborts
 * the unflushed part (what earlier flushes committed stays); free without
 * a flush discards it too. */
#define KB_BULK_BUDGET ((size_t)256 << 20)
typedef struct kb_bulk kb_bulk;
int kb_bulk_new(const kb *k, store *st, size_t mem_budget, kb_bulk **out,
                kb_diag *d);
int kb_bulk_add(kb_bulk *b, const kb_article *a, bool *replaced, kb_diag *d);
int kb_bulk_flush(kb_bulk *b, kb_diag *d);
void kb_bulk_free(kb_bulk *b);

/* Removes the article and its postings; KB_ENOTFOUND when absent. */
int kb_delete(const kb *k, store_txn *txn, uint64_t id, kb_diag *d);

/* Adds every article file under the paths (folders are walked, files sorted
 * by name) through kb_bulk (one write transaction per flush; a store error
 * stops that path, losing its unflushed articles, and says so).  A file that fails is reported
 * through fn and skipped; the result is KB_EPARSE (or the first other error)
 * when any failed. */
typedef struct kb_add_stats {
  size_t added, replaced, failed;
  size_t bytes; /* article text indexed */
} kb_add_stats;
typedef void (*kb_report_fn)(void *ctx, const char *path, int err,
                             const char *msg);
int kb_add_paths(const kb *k, store *st, char *const *paths, size_t npaths,
                 kb_report_fn fn, void *ctx, kb_add_stats *stats);

/* Ids (ascending) of the articles listing product_id (data/products.json)
 * among their products, at most max: what an opportunity's recommended
 * product links to. */
int kb_product_articles(store_txn *txn, const char *product_id, uint64_t *ids,
                        size_t max, size_t *n, kb_diag *d);

/* ---- search ------------------------------------------------------------- */
typedef struct kb_query {
  const char *text;     /* the query (syntax above) */
  const char *category; /* NULL or "" = any */
  const char *tag;      /* NULL or "" = any */
  size_t page;          /* 1-based; 0 = 1 */
  size_t page_size;     /* 0 = 10; at most KB_PAGE_SIZE_MAX */
  const char *hl_open;  /* highlight marks; NULL = "【" and "】" */
  const char *hl_close;
  size_t snippet_chars; /* characters of a snippet; 0 = 80 */
} kb_query;

typedef struct kb_hit {
  uint64_t id;
  double score;
  char *title, *category, *snippet;
  char **tags;
  size_t ntags;
  char **products;
  size_t nproducts;
} kb_hit;

typedef struct kb_results {
  kb_hit *hits; /* this page */
  size_t n;
  size_t total; /* matching articles over all pages */
} kb_results;

/* Runs the query in the caller's (read) transaction.  KB_EINVAL for an
 * empty query, a query without searchable terms, an unbalanced quote or an
 * exclusion-only query; KB_EUTF8 / KB_ETOOBIG as named; d says where.
 * kb_results_destroy even on error. */
int kb_search(const kb *k, store_txn *txn, const kb_query *q, kb_results *out,
              kb_diag *d);
void kb_results_destroy(kb_results *r);

#endif
