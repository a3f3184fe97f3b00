/*
 * index.c — the kb context (dictionary, synonyms, parameters) and the
 * inverted index: adding, replacing and deleting articles.
 *
 * An article is tokenised (title, one empty position, body); its tokens are
 * grouped by text and each distinct term gets one posting (layout in
 * kb_internal.h), which the store keeps in chunks per term (store_kb.c).
 * Category and tags are indexed as filter terms (KB_FILTER_CAT / KB_FILTER_TAG
 * + value) so that a filter is one more posting list.  There is no forward
 * index: replacing or deleting an article re-tokenises its stored text to learn
 * which postings to remove, which is exact because tokenisation is
 * deterministic for a given dictionary (re-index the KB after changing
 * data/dict).  Bulk loads gather the postings of many articles in memory
 * and merge them into the index in key order once per flush (kb_bulk,
 * below); kb_put_batch is the same for one batch in the caller's
 * transaction.  kb_meta "layout" records the chunk format written
 * (kb_layout_check).
 *
 * Synonym file (data/kb/synonyms.txt): one group a line, entries separated
 * by '=' ("保函 = 银行保函"); '#' starts a comment; blank lines skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "kb/kb_internal.h"

void kb_params_default(kb_params *p) {
  p->k1 = 1.2;
  p->b = 0.75;
  p->title_boost = 3.0;
  p->synonym_weight = 0.8;
  p->exhaustive = false;
}

static void syn_free(kb *k) {
  for (size_t i = 0; i < k->nsyn; i++) {
    for (size_t j = 0; j < k->syn[i].n; j++)
      free(k->syn[i].words[j]);
    free(k->syn[i].words);
  }
  free(k->syn);
  k->syn = NULL;
  k->nsyn = 0;
}

static int syn_load(kb *k, const char *path, kb_diag *d) {
  FILE *f = fopen(path, "r");
  if (!f)
    return kb_fail(d, KB_EIO, "%s: %s", path, strerror(errno));
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int err = 0, lineno = 0;
  while (!err && (n = getline(&line, &cap, f)) >= 0) {
    lineno++;
    char *hash = strchr(line, '#');
    if (hash)
      *hash = 0;
    if (!nlp_utf8_valid(line, strlen(line), NULL)) {
      err = kb_fail(d, KB_EUTF8, "%s:%d: invalid UTF-8", path, lineno);
      break;
    }
    kb_syn_group g = {0};
    char *save = NULL;
    for (char *w = strtok_r(line, "=", &save); w && !err;
         w = strtok_r(NULL, "=", &save)) {
      while (*w == ' ' || *w == '\t')
        w++;
      size_t len = strlen(w);
      while (len && (w[len - 1] == ' ' || w[len - 1] == '\t' ||
                     w[len - 1] == '\n' || w[len - 1] == '\r'))
        len--;
      if (!len)
        continue;
      char **nw = realloc(g.words, (g.n + 1) * sizeof *nw);
      if (!nw || !(nw[g.n] = strndup(w, len))) {
        if (nw)
          g.words = nw;
        err = KB_ENOMEM;
        break;
      }
      g.words = nw;
      g.n++;
    }
    if (!err && g.n == 1)
      err = kb_fail(d, KB_EPARSE,
                    "%s:%d: a synonym group needs at least two "
                    "entries separated by '='",
                    path, lineno);
    if (!err && g.n >= 2) {
      kb_syn_group *ns = realloc(k->syn, (k->nsyn + 1) * sizeof *ns);
      if (!ns) {
        err = KB_ENOMEM;
      } else {
        k->syn = ns;
        k->syn[k->nsyn++] = g;
        continue;
      }
    }
    for (size_t j = 0; j < g.n; j++)
      free(g.words[j]);
    free(g.words);
  }
  free(line);
  fclose(f);
  if (err == KB_ENOMEM)
    kb_fail(d, err, "%s: out of memory", path);
  return err;
}

int kb_open_with(nlp_dict *dict, const char *synonyms_path, const kb_params *p,
                 kb **out, kb_diag *d) {
  *out = NULL;
  kb *k = calloc(1, sizeof *k);
  if (!k) {
    nlp_dict_free(dict);
    return kb_fail(d, KB_ENOMEM, "kb_open: out of memory");
  }
  k->dict = dict;
  if (p)
    k->p = *p;
  else
    kb_params_default(&k->p);
  if (synonyms_path) {
    int err = syn_load(k, synonyms_path, d);
    if (err) {
      kb_close(k);
      return err;
    }
  }
  *out = k;
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int kb_open(const char *data_dir, const kb_params *p, kb **out, kb_diag *d) {
  *out = NULL;
  char path[4096];
  nlp_dict *dict;
  if (nlp_dict_new(&dict))
    return kb_fail(d, KB_ENOMEM, "kb_open: out of memory");
  snprintf(path, sizeof path, "%s/dict", data_dir);
  DIR *dir = opendir(path);
  if (!dir) {
    nlp_dict_free(dict);
    return kb_fail(d, KB_EIO, "%s: %s (the tokenizer dictionary)", path,
                   strerror(errno));
  }
  char *names[256];
  size_t nn = 0;
  struct dirent *de;
  while ((de = readdir(dir)) && nn < 256) {
    size_t l = strlen(de->d_name);
    if (l > 5 && !strcmp(de->d_name + l - 5, ".dict"))
      names[nn++] = strdup(de->d_name);
  }
  closedir(dir);
  qsort(names, nn, sizeof names[0], cmp_str);
  int err = 0;
  for (size_t i = 0; i < nn; i++) {
    if (!err && names[i]) {
      snprintf(path, sizeof path, "%s/dict/%s", data_dir, names[i]);
      /* A bad line is reported on stderr and skipped; only an unreadable
       * file stops us. */
      if (nlp_dict_load_file(dict, path) == NLP_EIO)
        err = kb_fail(d, KB_EIO, "%s: cannot read", path);
    }
    free(names[i]);
  }
  if (!err && nlp_dict_build(dict))
    err = kb_fail(d, KB_ENOMEM, "kb_open: cannot build the dictionary");
  if (err) {
    nlp_dict_free(dict);
    return err;
  }
  snprintf(path, sizeof path, "%s/kb/synonyms.txt", data_dir);
  struct stat sb;
  return kb_open_with(dict, stat(path, &sb) == 0 ? path : NULL, p, out, d);
}

void kb_close(kb *k) {
  if (!k)
    return;
  nlp_dict_free(k->dict);
  syn_free(k);
  free(k);
}

const nlp_dict *kb_dict(const kb *k) {
  return k->dict;
}

int kb_tokenize_article(const kb *k, const kb_article *a, nlp_tokens *t,
                        uint32_t *title_pos, kb_diag *d) {
  size_t bad = 0;
  int err = nlp_tokenize(k->dict, a->title, strlen(a->title), 0, t, &bad);
  /* Tags are short descriptions chosen by the author: they count as title
   * text (a search for "供应链" finds an article tagged so). */
  for (size_t i = 0; !err && i < a->n_tags; i++) {
    t->npos++;
    err = nlp_tokenize(k->dict, a->tags[i], strlen(a->tags[i]), 0, t, &bad);
  }
  *title_pos = t->npos;
  t->npos++; /* keeps a phrase from running from the title into the body */
  if (!err)
    err = nlp_tokenize(k->dict, a->body, strlen(a->body), 0, t, &bad);
  if (err == NLP_EUTF8)
    return kb_fail(d, KB_EUTF8, "article %llu: invalid UTF-8 at byte %zu",
                   (unsigned long long)a->id, bad);
  if (err)
    return kb_fail(d, KB_ENOMEM, "article %llu: out of memory",
                   (unsigned long long)a->id);
  return 0;
}

static int store_err(kb_diag *d, int serr, const char *what) {
  return kb_fail(d, KB_ESTORE, "%s: %s (%s)", what, store_strerror(serr),
                 store_last_error());
}

/* Calls fn(term, len) for each filter term of a (category, tags, product
 * ids).  Filter terms may repeat (a tag given twice): the posting is simply
 * written twice. */
typedef int (*term_fn)(void *ctx, const char *term, size_t len,
                       const uint8_t *val, size_t vlen,
                       const store_kb_impact *imp);

static int filter_terms(const kb_article *a, term_fn fn, void *ctx) {
  char buf[STORE_KB_TERM_MAX + 1];
  static const uint8_t one = 0;
  /* Filter terms are never scored: the lowest impact. */
  static const store_kb_impact none = {{0, 0, 0}};
  if (*a->category) {
    int n = snprintf(buf, sizeof buf, "%s%s", KB_FILTER_CAT, a->category);
    if (n > 0 && (size_t)n <= STORE_KB_TERM_MAX) {
      int err = fn(ctx, buf, (size_t)n, &one, 1, &none);
      if (err)
        return err;
    }
  }
  for (size_t i = 0; i < a->n_tags + a->n_product_ids; i++) {
    int n = i < a->n_tags
                ? snprintf(buf, sizeof buf, "%s%s", KB_FILTER_TAG, a->tags[i])
                : snprintf(buf, sizeof buf, "%s%s", KB_FILTER_PRODUCT,
                           a->product_ids[i - a->n_tags]);
    if (n > 0 && (size_t)n <= STORE_KB_TERM_MAX) {
      int err = fn(ctx, buf, (size_t)n, &one, 1, &none);
      if (err)
        return err;
    }
  }
  return 0;
}

typedef struct {
  store_txn *txn;
  uint64_t id;
  bool del;
} post_ctx;

static int post_apply(void *ctx, const char *term, size_t len,
                      const uint8_t *val, size_t vlen,
                      const store_kb_impact *imp) {
  post_ctx *c = ctx;
  return c->del ? store_kb_post_del(c->txn, term, len, c->id)
                : store_kb_post_put(c->txn, term, len, c->id, val, vlen, imp);
}

/* Reusable memory of article_postings (a batch tokenises thousands of
 * articles; allocating per article showed in the profile). */
typedef struct art_scratch {
  nlp_tokens t;
  uint32_t *slot;        /* open addressing: group + 1, 0 = empty */
  uint32_t *first, *nxt; /* group's first token; next token of a group */
  uint32_t *last, *pos;  /* group's last token; positions of one term */
  uint64_t *hash;        /* group's term_hash */
  uint8_t *val;          /* one posting value */
  size_t cap, nslot;     /* tokens the arrays hold; slots (power of 2) */
} art_scratch;

static void art_scratch_destroy(art_scratch *s) {
  nlp_tokens_destroy(&s->t);
  free(s->slot);
  free(s->first);
  free(s->nxt);
  free(s->last);
  free(s->pos);
  free(s->hash);
  free(s->val);
  memset(s, 0, sizeof *s);
}

static int art_scratch_fit(art_scratch *s, size_t n) {
  if (n <= s->cap)
    return 0;
  size_t cap = s->cap ? s->cap : 256, nslot;
  while (cap < n)
    cap *= 2;
  nslot = cap * 2;
  uint32_t *slot = realloc(s->slot, nslot * sizeof *slot);
  if (slot)
    s->slot = slot;
  uint32_t **arr[] = {&s->first, &s->nxt, &s->last, &s->pos};
  bool ok = slot != NULL;
  for (size_t i = 0; ok && i < 4; i++) {
    uint32_t *p = realloc(*arr[i], cap * sizeof *p);
    if (p)
      *arr[i] = p;
    ok = p != NULL;
  }
  uint64_t *hash = ok ? realloc(s->hash, cap * sizeof *hash) : NULL;
  if (hash)
    s->hash = hash;
  uint8_t *val = hash ? realloc(s->val, 30 + cap * 5) : NULL;
  if (!val)
    return -1;
  s->val = val;
  s->cap = cap;
  s->nslot = nslot;
  return 0;
}

static uint32_t be32(const char *p) {
  const uint8_t *u = (const uint8_t *)p;
  return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 |
         u[3];
}

/* The first 8 bytes of p[0..n), big-endian, zero-padded: the whole of a
 * term of at most 8 bytes (terms hold no NUL), and ordering these orders
 * terms by their first bytes.  Two 4-byte reads where n >= 4 (a bigram is
 * 6 bytes; the one at n - 4 overlaps the first with the same bytes)
 * rather than a loop per byte, which with a byte-wise hash was a tenth of
 * the instructions of tokenising and gathering an article. */
static uint64_t term_prefix(const char *p, size_t n) {
  if (n >= 8)
    return (uint64_t)be32(p) << 32 | be32(p + 4);
  if (n >= 4)
    return (uint64_t)be32(p) << 32 | (uint64_t)be32(p + n - 4) << 8 * (8 - n);
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++)
    v = v << 8 | (i < n ? (uint8_t)p[i] : 0);
  return v;
}

/* A hash of the term p[0..n) whose prefix is pfx (term_prefix): 8 bytes
 * at a time, then a final mix so that the low bits (the slot) and the top
 * ones (bslot.tag) both depend on every byte. */
static uint64_t term_hash_pfx(uint64_t pfx, const char *p, size_t n) {
  uint64_t h = pfx ^ (uint64_t)n << 59;
  for (size_t i = 8; i < n; i += 8)
    h = (h ^ term_prefix(p + i, n - i < 8 ? n - i : 8)) * 0x9e3779b97f4a7c15ull;
  h ^= h >> 32;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 29;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ h >> 32;
}

static uint64_t term_hash(const char *p, size_t n) {
  return term_hash_pfx(term_prefix(p, n), p, n);
}

static int cmp_u32(const void *x, const void *y) {
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  return a < b ? -1 : a > b;
}

/* Told each term's term_hash TERM_AHEAD terms before fn gets the term:
 * the bulk batch fetches the term's slot meanwhile (its lookup was a
 * cache miss nearly every time, the top item of a 100k-article load's
 * profile). */
typedef void (*term_ahead_fn)(void *ctx, uint64_t hash);
#define TERM_AHEAD 8

/* Walks the distinct terms of a (in order of first appearance) with their
 * posting values.  Tokens are grouped by a hash table rather than by
 * sorting them: sorting every token of every article was a fifth of the
 * bulk load's instructions.  s may be NULL (one-off use). */
static int article_postings(const kb *k, const kb_article *a, term_fn fn,
                            term_ahead_fn ahead, void *ctx, uint32_t *doclen,
                            art_scratch *s, kb_diag *d) {
  art_scratch local = {0};
  if (!s)
    s = &local;
  nlp_tokens *t = &s->t;
  nlp_tokens_reset(t);
  uint32_t tpos;
  int err = kb_tokenize_article(k, a, t, &tpos, d);
  if (err)
    goto out;
  *doclen = t->npos;
  if (art_scratch_fit(s, t->n + 1)) {
    err = kb_fail(d, KB_ENOMEM, "article %llu: out of memory",
                  (unsigned long long)a->id);
    goto out;
  }
  memset(s->slot, 0, s->nslot * sizeof *s->slot);
  uint32_t ng = 0, mask = (uint32_t)s->nslot - 1;
  for (uint32_t i = 0; i < t->n; i++) {
    const nlp_token *x = &t->v[i];
    const char *p = t->buf + x->off;
    uint64_t full = term_hash(p, x->len);
    for (uint32_t h = (uint32_t)full & mask;; h = (h + 1) & mask) {
      uint32_t g = s->slot[h];
      if (!g) {
        s->hash[ng] = full;
        s->slot[h] = ++ng;
        s->first[ng - 1] = s->last[ng - 1] = i;
        break;
      }
      const nlp_token *y = &t->v[s->first[g - 1]];
      if (y->len == x->len && !memcmp(t->buf + y->off, p, x->len)) {
        s->nxt[s->last[g - 1]] = i;
        s->last[g - 1] = i;
        break;
      }
    }
    s->nxt[i] = UINT32_MAX;
  }
  for (uint32_t g = 0; ahead && g < TERM_AHEAD && g < ng; g++)
    ahead(ctx, s->hash[g]);
  for (uint32_t g = 0; g < ng && !err; g++) {
    if (ahead && g + TERM_AHEAD < ng)
      ahead(ctx, s->hash[g + TERM_AHEAD]);
    const nlp_token *first = &t->v[s->first[g]];
    uint32_t np = 0;
    bool sorted = true;
    for (uint32_t i = s->first[g]; i != UINT32_MAX; i = s->nxt[i]) {
      sorted &= np == 0 || t->v[i].pos >= s->pos[np - 1];
      s->pos[np++] = t->v[i].pos;
    }
    if (!sorted) /* positions come in order from the tokenizer; be safe */
      qsort(s->pos, np, sizeof *s->pos, cmp_u32);
    uint32_t tf = 0, tft = 0, last = UINT32_MAX;
    size_t pl = 0, vl;
    uint8_t head[30], *val = s->val + 30;
    for (uint32_t i = 0; i < np; i++) {
      if (s->pos[i] == last)
        continue; /* the same term twice at one position */
      pl += store_varint_put(val + pl,
                             last == UINT32_MAX ? s->pos[i] : s->pos[i] - last);
      last = s->pos[i];
      tf++;
      if (last < tpos)
        tft++;
    }
    vl = store_varint_put(head, *doclen);
    vl += store_varint_put(head + vl, tft);
    vl += store_varint_put(head + vl, tf);
    memcpy(s->val + 30 - vl, head, vl);
    /* What bounds the posting's BM25 term (kb_internal.h): it grows with
     * both frequencies and shrinks with the length. */
    store_kb_impact imp = {{tf - tft, tft, UINT32_MAX - *doclen}};
    if (first->len <= STORE_KB_TERM_MAX)
      err = fn(ctx, t->buf + first->off, first->len, s->val + 30 - vl, vl + pl,
               &imp);
  }
  if (!err)
    err = filter_terms(a, fn, ctx);
out:
  art_scratch_destroy(&local);
  return err;
}

int kb_layout_check(store_txn *txn, bool write, kb_diag *d) {
  uint64_t layout, docs;
  int err = store_kb_meta_get(txn, "layout", &layout);
  if (!err && layout == STORE_KB_LAYOUT)
    return 0; /* one lookup: the push list calls this per product */
  if (!err)
    err = store_kb_meta_get(txn, "docs", &docs);
  if (err)
    return store_err(d, err, "kb layout");
  if (layout == 0 && docs == 0) /* an empty knowledge base: ours now */
    return write ? (err = store_kb_meta_put(txn, "layout", STORE_KB_LAYOUT))
                       ? store_err(d, err, "kb layout")
                       : 0
                 : 0;
  return kb_fail(d, KB_ELAYOUT,
                 "the knowledge-base index was built with layout %llu (%s); "
                 "this oppgraph reads layout %d: rebuild with kb add into a "
                 "fresh store",
                 (unsigned long long)layout,
                 layout ? "older chunks" : "not recorded, before layout 2",
                 STORE_KB_LAYOUT);
}

static int counters_add(store_txn *txn, int64_t docs, int64_t len, kb_diag *d) {
  uint64_t n, l;
  int err = store_kb_meta_get(txn, "docs", &n);
  if (!err)
    err = store_kb_meta_get(txn, "toklen", &l);
  if (!err)
    err = store_kb_meta_put(txn, "docs", (uint64_t)((int64_t)n + docs));
  if (!err)
    err = store_kb_meta_put(txn, "toklen", (uint64_t)((int64_t)l + len));
  return err ? store_err(d, err, "kb counters") : 0;
}

/* post_apply returns store errors, which share values with kb errors; wrap
 * them so that callers can tell them apart. */
static int post_apply_kb(void *ctx, const char *term, size_t len,
                         const uint8_t *val, size_t vlen,
                         const store_kb_impact *imp) {
  int err = post_apply(ctx, term, len, val, vlen, imp);
  return err ? -100 + err : 0;
}

static int fix_store_err(int err, kb_diag *d, const char *what) {
  if (err <= -100)
    return store_err(d, err + 100, what);
  return err;
}

int kb_put(const kb *k, store_txn *txn, const kb_article *a, bool *replaced,
           kb_diag *d) {
  if (replaced)
    *replaced = false;
  if (!a || a->id == 0)
    return kb_fail(d, KB_EINVAL, "kb_put: article id must be non-zero");
  int lerr = kb_layout_check(txn, true, d);
  if (lerr)
    return lerr;
  bool found;
  kb_article *old = NULL;
  int err = store_kb_get(txn, a->id, &old);
  found = err == 0;
  if (err && err != STORE_ENOTFOUND)
    return store_err(d, err, "read kb article");
  if (found) {
    post_ctx pc = {txn, a->id, true};
    uint32_t len = 0;
    err = fix_store_err(
        article_postings(k, old, post_apply_kb, NULL, &pc, &len, NULL, d), d,
        "delete kb postings");
    kb_article_free(old);
    if (err)
      return err;
    err = counters_add(txn, -1, -(int64_t)len, d);
    if (err)
      return err;
  }
  post_ctx pc = {txn, a->id, false};
  uint32_t len = 0;
  err = fix_store_err(
      article_postings(k, a, post_apply_kb, NULL, &pc, &len, NULL, d), d,
      "write kb postings");
  if (err)
    return err;
  kb_article copy = *a;
  copy.updated_at = (int64_t)time(NULL);
  if ((err = store_kb_put(txn, &copy)) ||
      (err = store_kb_len_put(txn, a->id, len)))
    return store_err(d, err, "write kb article");
  err = counters_add(txn, 1, len, d);
  if (!err && replaced)
    *replaced = found;
  return err;
}

/* ---- batches ------------------------------------------------------------ */

/* Postings of a whole batch, kept in memory and written in key order: LMDB
 * then fills leaf pages one after the other instead of touching a random
 * page per posting, which is what makes bulk loading fast.  Terms are
 * interned in a hash table; articles are indexed in id order, so a term's
 * postings in the order they came are already in key order: only the
 * distinct terms are sorted (a sort of every posting was 40% of the bulk
 * load's instructions), then the postings placed by counting. */
typedef struct bterm {
  uint64_t pfx;  /* first 8 term bytes, big-endian, zero-padded: cheap order */
  uint64_t hash; /* term_hash (for growing the table), then its old index */
  size_t off;    /* term bytes in the arena */
  uint32_t len;
} bterm;

/* One posting of the batch, 16 bytes: the article is its place in
 * batch.ids, and a value of up to BPOST_INLINE bytes (nearly all: a term
 * seen once in an article of ~300 tokens has a 6-byte value) lies in the
 * record itself, a longer one in the arena (its offset in val).  Writing
 * reads the postings in term order, at random: a 24-byte record and its
 * value in the arena were two cache misses per posting, the wait that most
 * of the write's time went to (perf, bench/README.md). */
#define BPOST_INLINE 7
typedef struct bpost {
  uint32_t term; /* index into batch.t before sorting */
  uint32_t art;  /* index into batch.ids */
  uint8_t vlen;  /* 0xff: longer than that, length first in the arena */
  uint8_t val[BPOST_INLINE];
} bpost;

/* A slot of the term table carries the term's prefix and length, so that a
 * lookup of a term of at most 8 bytes (most are 6-byte bigrams) touches
 * only the slot: the term record and its bytes were a cache miss each once
 * many articles are gathered (the bulk of batch_add's time). */
typedef struct bslot {
  uint64_t pfx;  /* bterm.pfx */
  uint32_t term; /* index + 1, 0 = empty */
  uint16_t len;  /* the term's length (capped: longer terms compare bytes) */
  uint16_t tag;  /* top of the hash: long terms rarely compare bytes */
} bslot;

typedef struct batch {
  bterm *t;
  size_t nt, tcap;
  bslot *slot;
  size_t nslot;
  bpost *p, *sorted; /* sorted: p in term order, while writing */
  size_t np, pcap, scap;
  char *arena;
  size_t alen, acap;
  uint64_t *ids; /* the batch's articles, in the order they came */
  size_t nids, idcap;
  uint64_t id; /* of the article being added */
  bool oom;
  bool unsorted; /* an article came with an id below an earlier one */
} batch;

/* The batch's arrays are anonymous mappings the kernel may back with 2 MB
 * pages (MADV_HUGEPAGE; the system's THP setting is usually "madvise"):
 * gathering and writing postings is random access over tens of MB, and with
 * 4 KB pages its page faults and TLB misses took about a third of a bulk
 * load's CPU time (bench/README.md, KB build).  Growth is mremap, which
 * moves page tables rather than bytes.  NULL when the mapping fails. */
static void *huge_resize(void *old, size_t old_bytes, size_t bytes) {
  void *p = old ? mremap(old, old_bytes, bytes, MREMAP_MAYMOVE)
                : mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  madvise(p, bytes, MADV_HUGEPAGE); /* advice: without THP it still works */
  return p;
}

static void huge_free(void *p, size_t bytes) {
  if (p)
    munmap(p, bytes);
}

static void batch_destroy(batch *b) {
  huge_free(b->t, b->tcap * sizeof *b->t);
  huge_free(b->slot, b->nslot * sizeof *b->slot);
  huge_free(b->p, b->pcap * sizeof *b->p);
  huge_free(b->sorted, b->scap * sizeof *b->sorted);
  huge_free(b->arena, b->acap);
  huge_free(b->ids, b->idcap * sizeof *b->ids);
}

/* Empties b, keeping its memory for the next batch. */
static void batch_clear(batch *b) {
  b->nt = b->np = b->alen = b->nids = 0;
  b->unsorted = false;
  if (b->nslot)
    memset(b->slot, 0, b->nslot * sizeof *b->slot);
}

static int batch_grow(void **v, size_t *cap, size_t need, size_t size,
                      size_t first) {
  if (need <= *cap)
    return 0;
  size_t c = *cap ? *cap : first;
  while (c < need)
    c *= 2;
  void *p = huge_resize(*v, *cap * size, c * size);
  if (!p)
    return -1;
  *v = p;
  *cap = c;
  return 0;
}

/* Doubles the term table when it is half full. */
static bslot slot_of(const bterm *t, size_t i) {
  return (bslot){t->pfx, (uint32_t)i + 1,
                 (uint16_t)(t->len < 0xffff ? t->len : 0xffff),
                 (uint16_t)(t->hash >> 48)};
}

static int batch_rehash(batch *b) {
  size_t n = b->nslot ? b->nslot * 2 : 1 << 14;
  bslot *s = huge_resize(NULL, 0, n * sizeof *s); /* zero-filled */
  if (!s)
    return -1;
  for (size_t i = 0; i < b->nt; i++) {
    size_t h = b->t[i].hash & (n - 1);
    while (s[h].term)
      h = (h + 1) & (n - 1);
    s[h] = slot_of(&b->t[i], i);
  }
  huge_free(b->slot, b->nslot * sizeof *b->slot);
  b->slot = s;
  b->nslot = n;
  return 0;
}

/* The impact of a posting from its value (kb_internal.h): the batch keeps
 * values only, and reading three varints back is cheaper than carrying
 * the impact through the sort. */
static void value_impact(const uint8_t *v, size_t n, store_kb_impact *imp) {
  uint64_t doclen = 0, tft = 0, tf = 0;
  size_t r1 = store_varint_get(v, n, &doclen),
         r2 = r1 ? store_varint_get(v + r1, n - r1, &tft) : 0;
  if (r2)
    store_varint_get(v + r1 + r2, n - r1 - r2, &tf);
  if (!r2 || tf < tft) /* filter terms (one byte): never scored */
    tf = tft = 0, doclen = UINT32_MAX;
  *imp = (store_kb_impact){
      {(uint32_t)(tf - tft), (uint32_t)tft, UINT32_MAX - (uint32_t)doclen}};
}

static int batch_add(void *ctx, const char *term, size_t len,
                     const uint8_t *val, size_t vlen,
                     const store_kb_impact *imp) {
  (void)imp; /* value_impact recomputes it when writing */
  batch *b = ctx;
  if ((b->nt + 1) * 2 > b->nslot && batch_rehash(b))
    return b->oom = true, -100 + STORE_ENOMEM;
  if (batch_grow((void **)&b->p, &b->pcap, b->np + 1, sizeof *b->p, 4096) ||
      batch_grow((void **)&b->t, &b->tcap, b->nt + 1, sizeof *b->t, 4096) ||
      batch_grow((void **)&b->arena, &b->acap, b->alen + len + vlen + 10, 1,
                 1 << 16))
    return b->oom = true, -100 + STORE_ENOMEM;
  uint64_t pfx = term_prefix(term, len), hash = term_hash_pfx(pfx, term, len);
  size_t h = hash & (b->nslot - 1);
  uint16_t tag = (uint16_t)(hash >> 48), slen = len < 0xffff ? len : 0xffff;
  uint32_t ti = 0;
  for (; b->slot[h].term; h = (h + 1) & (b->nslot - 1)) {
    const bslot *sl = &b->slot[h];
    if (sl->pfx != pfx || sl->len != slen || sl->tag != tag)
      continue;
    /* A term of at most 8 bytes is all in its prefix and length. */
    const bterm *x = &b->t[sl->term - 1];
    if (len <= 8 ||
        (x->len == len && !memcmp(b->arena + x->off + 8, term + 8, len - 8))) {
      ti = sl->term;
      break;
    }
  }
  if (!ti) {
    bterm *t = &b->t[b->nt];
    *t = (bterm){pfx, hash, b->alen, (uint32_t)len};
    b->slot[h] = slot_of(t, b->nt);
    ti = (uint32_t)++b->nt;
    memcpy(b->arena + b->alen, term, len);
    b->alen += len;
  }
  bpost *p = &b->p[b->np++];
  p->term = ti - 1;
  p->art = (uint32_t)(b->nids - 1);
  if (vlen <= BPOST_INLINE) {
    p->vlen = (uint8_t)vlen;
    memcpy(p->val, val, vlen);
  } else {
    p->vlen = 0xff;
    for (size_t i = 0; i < BPOST_INLINE; i++) /* the offset, < 2^56 */
      p->val[i] = (uint8_t)(b->alen >> 8 * i);
    b->alen += store_varint_put((uint8_t *)b->arena + b->alen, vlen);
    memcpy(b->arena + b->alen, val, vlen);
    b->alen += vlen;
  }
  return 0;
}

static void batch_ahead(void *ctx, uint64_t hash) {
  const batch *b = ctx;
  if (b->nslot)
    __builtin_prefetch(&b->slot[hash & (b->nslot - 1)]);
}

/* A posting's value and its length. */
static const uint8_t *bpost_value(const batch *b, const bpost *p,
                                  size_t *vlen) {
  if (p->vlen != 0xff) {
    *vlen = p->vlen;
    return p->val;
  }
  uint64_t off = 0, n = 0;
  for (size_t i = 0; i < BPOST_INLINE; i++)
    off |= (uint64_t)p->val[i] << 8 * i;
  const uint8_t *a = (const uint8_t *)b->arena + off;
  size_t r = store_varint_get(a, 10, &n);
  *vlen = (size_t)n;
  return a + r;
}

static int cmp_bterm(const void *x, const void *y, void *ctx) {
  const bterm *a = x, *b = y;
  if (a->pfx != b->pfx)
    return a->pfx < b->pfx ? -1 : 1;
  /* Equal prefixes of terms of at most 8 bytes (no NUL in a term, zero
   * padding) mean equal lengths and bytes; distinct terms never tie. */
  const char *ar = ctx;
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(ar + a->off, ar + b->off, n);
  if (c)
    return c;
  /* A shorter term sorts first, like its key (term ‖ 0x00 ‖ id) does. */
  return a->len < b->len ? -1 : a->len > b->len;
}

typedef struct id_ix {
  uint64_t id;
  size_t i;
} id_ix;

static int cmp_id_ix(const void *x, const void *y) {
  const id_ix *a = x, *b = y;
  return a->id < b->id ? -1 : a->id > b->id;
}

/* Indexes one article into the batch: removes the postings of a stored
 * article with its id from the store first, writes the article and its
 * length; *docs / *toks track the counters' change. */
static int batch_article(const kb *k, store_txn *txn, batch *b, art_scratch *s,
                         const kb_article *a, int64_t *docs, int64_t *toks,
                         bool *replaced, kb_diag *d) {
  kb_article *old = NULL;
  *replaced = false;
  int err = store_kb_get(txn, a->id, &old);
  if (err == 0) {
    post_ctx pc = {txn, a->id, true};
    uint32_t len = 0;
    err = fix_store_err(
        article_postings(k, old, post_apply_kb, NULL, &pc, &len, s, d), d,
        "delete kb postings");
    kb_article_free(old);
    (*docs)--;
    *toks -= len;
    *replaced = true;
  } else if (err == STORE_ENOTFOUND) {
    err = 0;
  } else {
    err = store_err(d, err, "read kb article");
  }
  if (err)
    return err;
  uint32_t len = 0;
  if (b->nids && a->id <= b->id)
    b->unsorted = true;
  b->id = a->id;
  if (batch_grow((void **)&b->ids, &b->idcap, b->nids + 1, sizeof *b->ids,
                 1024))
    return kb_fail(d, KB_ENOMEM, "kb batch: out of memory");
  b->ids[b->nids++] = a->id;
  err = article_postings(k, a, batch_add, batch_ahead, b, &len, s, d);
  if (err)
    return b->oom ? kb_fail(d, KB_ENOMEM, "kb batch: out of memory") : err;
  kb_article copy = *a;
  copy.updated_at = (int64_t)time(NULL);
  if ((err = store_kb_put(txn, &copy)) ||
      (err = store_kb_len_put(txn, a->id, len)))
    return store_err(d, err, "write kb article");
  (*docs)++;
  *toks += len;
  return 0;
}

static int cmp_bpost_id(const void *x, const void *y, void *ctx) {
  const uint64_t *ids = ctx;
  uint64_t a = ids[((const bpost *)x)->art], b = ids[((const bpost *)y)->art];
  return a < b ? -1 : a > b;
}

/* Writes the batch's postings in key order, then empties it (its memory
 * is kept for the next one). */
static int batch_write(store_txn *txn, batch *b, kb_diag *d) {
  /* Postings moved into term order by counting, into b->sorted: read in
   * the order they came and each copied to its term's run, so the random
   * accesses are writes, which the CPU does not wait for (gathering them
   * in term order through an index was a wait per posting, the largest
   * item of a bulk load's profile).  Within a term they keep the order
   * they came in, which is id order unless the articles came out of order
   * (then each term's run is sorted). */
  uint32_t *start = NULL, *cnt = NULL;
  int err = 0;
  size_t tbytes = b->nt * sizeof *start;
  if (b->np && (batch_grow((void **)&b->sorted, &b->scap, b->np,
                           sizeof *b->sorted, 4096) ||
                !(start = huge_resize(NULL, 0, tbytes)) ||
                !(cnt = huge_resize(NULL, 0, tbytes)))) /* zero-filled */
    err = kb_fail(d, KB_ENOMEM, "kb batch: out of memory");
  if (!err && b->np) {
    /* Counted here rather than in batch_add: an increment per posting in
     * the term records was one more cache miss there. */
    for (size_t j = 0; j < b->np; j++)
      cnt[b->p[j].term]++;
    for (size_t i = 0; i < b->nt; i++)
      b->t[i].hash = i; /* the table is done with: remember the old index */
    qsort_r(b->t, b->nt, sizeof *b->t, cmp_bterm, b->arena);
    uint32_t at = 0;
    for (size_t i = 0; i < b->nt; i++) {
      start[b->t[i].hash] = at;
      at += cnt[b->t[i].hash];
    }
    for (size_t j = 0; j < b->np; j++)
      b->sorted[start[b->p[j].term]++] = b->p[j];
    store_kb_writer *w = NULL;
    err = store_kb_writer_open(txn, &w);
    const bpost *p = b->sorted;
    for (size_t i = 0; i < b->nt && !err; i++) {
      const bterm *t = &b->t[i];
      const bpost *e = p + cnt[t->hash];
      if (b->unsorted)
        qsort_r(b->sorted + (p - b->sorted), (size_t)(e - p), sizeof *p,
                cmp_bpost_id, b->ids);
      for (; p < e && !err; p++) {
        size_t vlen;
        const uint8_t *v = bpost_value(b, p, &vlen);
        store_kb_impact imp;
        value_impact(v, vlen, &imp);
        err = store_kb_writer_put(w, b->arena + t->off, t->len, b->ids[p->art],
                                  v, vlen, &imp);
      }
    }
    if (!err)
      err = store_kb_writer_flush(w);
    store_kb_writer_close(w);
    if (err)
      err = store_err(d, err, "write kb postings");
  }
  huge_free(start, tbytes);
  huge_free(cnt, tbytes);
  batch_clear(b);
  return err;
}

/* Bytes the batch's contents need (the bulk writer's memory budget):
 * what it holds, not its capacities, which stay after a flush. */
static size_t batch_bytes(const batch *b) {
  return b->nt * (sizeof *b->t + 2 * sizeof *b->slot) +
         b->np * (sizeof *b->p + sizeof *b->sorted) + b->alen;
}

int kb_put_batch(const kb *k, store_txn *txn, kb_article *const *arts, size_t n,
                 size_t *replaced, kb_diag *d) {
  if (replaced)
    *replaced = 0;
  int lerr = kb_layout_check(txn, true, d);
  if (lerr)
    return lerr;
  id_ix *ids = malloc((n ? n : 1) * sizeof *ids);
  if (!ids)
    return kb_fail(d, KB_ENOMEM, "kb batch: out of memory");
  bool dup = false;
  for (size_t i = 0; i < n; i++) {
    if (!arts[i] || arts[i]->id == 0) {
      free(ids);
      return kb_fail(d, KB_EINVAL, "kb batch: article %zu has no id", i);
    }
    ids[i] = (id_ix){arts[i]->id, i};
  }
  qsort(ids, n, sizeof *ids, cmp_id_ix);
  for (size_t i = 1; i < n; i++)
    dup |= ids[i].id == ids[i - 1].id;
  if (dup) { /* a later copy must see the earlier one: one at a time */
    free(ids);
    for (size_t i = 0; i < n; i++) {
      bool r;
      int err = kb_put(k, txn, arts[i], &r, d);
      if (err)
        return err;
      if (replaced)
        *replaced += r;
    }
    return 0;
  }
  batch b = {0};
  art_scratch s = {0};
  int64_t docs = 0, toks = 0;
  int err = 0;
  /* In id order, so that each term's posting list comes out sorted. */
  for (size_t x = 0; x < n && !err; x++) {
    bool r;
    err = batch_article(k, txn, &b, &s, arts[ids[x].i], &docs, &toks, &r, d);
    if (!err && r && replaced)
      (*replaced)++;
  }
  free(ids);
  art_scratch_destroy(&s);
  if (!err)
    err = batch_write(txn, &b, d);
  if (!err)
    err = counters_add(txn, docs, toks, d);
  batch_destroy(&b);
  return err;
}

/* ---- bulk loading --------------------------------------------------------
 *
 * kb_bulk keeps one write transaction open and the postings of every
 * article added since the last flush in one in-memory batch, so that a term
 * met in many articles costs one merge into its stored chunks per flush
 * instead of one per small batch (the lookups, deletes and puts of those
 * merges were most of a bulk load).  Articles and lengths go to the
 * transaction as they come; a flush writes the postings and counters and
 * commits, so what a crash loses is the unflushed part, never what was
 * committed before.  An id already pending flushes first (its replacement
 * must see the stored postings). */
struct kb_bulk {
  const kb *k;
  store *st;
  store_txn *txn;
  size_t budget;
  batch b;
  art_scratch s;
  int64_t docs, toks;
  uint64_t *pend; /* pending ids, open addressing (0 = empty) */
  size_t npend, pcap;
};

int kb_bulk_new(const kb *k, store *st, size_t mem_budget, kb_bulk **out,
                kb_diag *d) {
  *out = calloc(1, sizeof **out);
  if (!*out)
    return kb_fail(d, KB_ENOMEM, "kb bulk: out of memory");
  (*out)->k = k;
  (*out)->st = st;
  (*out)->budget = mem_budget ? mem_budget : KB_BULK_BUDGET;
  return 0;
}

static uint64_t id_hash(uint64_t id) {
  return id * 0x9e3779b97f4a7c15ull;
}

/* Whether id is pending; adds it when not (false). -1: out of memory. */
static int pend_add(kb_bulk *u, uint64_t id) {
  if ((u->npend + 1) * 2 > u->pcap) {
    size_t cap = u->pcap ? u->pcap * 2 : 4096;
    uint64_t *v = calloc(cap, sizeof *v);
    if (!v)
      return -1;
    for (size_t i = 0; i < u->pcap; i++)
      if (u->pend[i]) {
        size_t h = id_hash(u->pend[i]) & (cap - 1);
        while (v[h])
          h = (h + 1) & (cap - 1);
        v[h] = u->pend[i];
      }
    free(u->pend);
    u->pend = v;
    u->pcap = cap;
  }
  size_t h = id_hash(id) & (u->pcap - 1);
  for (; u->pend[h]; h = (h + 1) & (u->pcap - 1))
    if (u->pend[h] == id)
      return 1;
  u->pend[h] = id;
  u->npend++;
  return 0;
}

static void bulk_abort(kb_bulk *u) {
  if (u->txn)
    store_abort(u->txn);
  u->txn = NULL;
  batch_clear(&u->b);
  u->docs = u->toks = 0;
  u->npend = 0;
  if (u->pcap)
    memset(u->pend, 0, u->pcap * sizeof *u->pend);
}

int kb_bulk_flush(kb_bulk *u, kb_diag *d) {
  if (!u->txn)
    return 0;
  int err = batch_write(u->txn, &u->b, d);
  if (!err)
    err = counters_add(u->txn, u->docs, u->toks, d);
  if (err) {
    bulk_abort(u);
    return err;
  }
  int serr = store_commit(u->txn);
  u->txn = NULL;
  bulk_abort(u); /* clears the pending state; the transaction is gone */
  return serr ? store_err(d, serr, "kb bulk commit") : 0;
}

int kb_bulk_add(kb_bulk *u, const kb_article *a, bool *replaced, kb_diag *d) {
  if (replaced)
    *replaced = false;
  if (!a || a->id == 0)
    return kb_fail(d, KB_EINVAL, "kb bulk: article id must be non-zero");
  int err = 0, seen = u->txn ? pend_add(u, a->id) : 0;
  if (seen < 0)
    return kb_fail(d, KB_ENOMEM, "kb bulk: out of memory");
  if (seen && (err = kb_bulk_flush(u, d)))
    return err;
  if (!u->txn) {
    int serr = store_begin(u->st, true, &u->txn);
    if (serr)
      return store_err(d, serr, "kb bulk: begin");
    if ((err = kb_layout_check(u->txn, true, d))) {
      bulk_abort(u);
      return err;
    }
    if (pend_add(u, a->id) < 0) {
      bulk_abort(u);
      return kb_fail(d, KB_ENOMEM, "kb bulk: out of memory");
    }
  }
  bool r;
  err = batch_article(u->k, u->txn, &u->b, &u->s, a, &u->docs, &u->toks, &r, d);
  if (err) { /* the transaction may be half-written */
    bulk_abort(u);
    return err;
  }
  if (replaced)
    *replaced = r;
  if (batch_bytes(&u->b) >= u->budget)
    err = kb_bulk_flush(u, d);
  return err;
}

void kb_bulk_free(kb_bulk *u) {
  if (!u)
    return;
  if (u->txn)
    store_abort(u->txn);
  batch_destroy(&u->b);
  art_scratch_destroy(&u->s);
  free(u->pend);
  free(u);
}

int kb_delete(const kb *k, store_txn *txn, uint64_t id, kb_diag *d) {
  kb_article *old = NULL;
  int err = kb_layout_check(txn, true, d);
  if (err)
    return err;
  err = store_kb_get(txn, id, &old);
  if (err == STORE_ENOTFOUND)
    return kb_fail(d, KB_ENOTFOUND, "no article with id %llu",
                   (unsigned long long)id);
  if (err)
    return store_err(d, err, "read kb article");
  post_ctx pc = {txn, id, true};
  uint32_t len = 0;
  err = fix_store_err(
      article_postings(k, old, post_apply_kb, NULL, &pc, &len, NULL, d), d,
      "delete kb postings");
  kb_article_free(old);
  if (err)
    return err;
  if ((err = store_kb_len_del(txn, id)) || (err = store_kb_del(txn, id)))
    return store_err(d, err, "delete kb article");
  return counters_add(txn, -1, -(int64_t)len, d);
}

/* ---- adding files ------------------------------------------------------- */

typedef struct {
  char **v;
  size_t n, cap;
} path_list;

static int pl_add(path_list *l, const char *p) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    char **v = realloc(l->v, cap * sizeof *v);
    if (!v)
      return KB_ENOMEM;
    l->v = v;
    l->cap = cap;
  }
  if (!(l->v[l->n] = strdup(p)))
    return KB_ENOMEM;
  l->n++;
  return 0;
}

static bool is_article_name(const char *name) {
  static const char *const ext[] = {".md",  ".markdown", ".html",
                                    ".htm", ".xml",      ".txt"};
  size_t n = strlen(name);
  for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
    size_t m = strlen(ext[i]);
    if (n > m && !strcmp(name + n - m, ext[i]))
      return true;
  }
  return false;
}

/* Collects article files under path (itself when a file). */
static int collect(const char *path, path_list *l, int depth) {
  struct stat sb;
  if (stat(path, &sb) != 0)
    return KB_EIO;
  if (!S_ISDIR(sb.st_mode))
    return pl_add(l, path);
  if (depth > 16)
    return 0;
  DIR *dir = opendir(path);
  if (!dir)
    return KB_EIO;
  struct dirent *de;
  path_list sub = {0};
  int err = 0;
  while (!err && (de = readdir(dir))) {
    if (de->d_name[0] == '.')
      continue;
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", path, de->d_name);
    struct stat s2;
    if (stat(p, &s2) == 0 &&
        (S_ISDIR(s2.st_mode) || is_article_name(de->d_name)))
      err = pl_add(&sub, p);
  }
  closedir(dir);
  qsort(sub.v, sub.n, sizeof sub.v[0], cmp_str);
  for (size_t i = 0; i < sub.n; i++) {
    if (!err)
      err = collect(sub.v[i], l, depth + 1);
    free(sub.v[i]);
  }
  free(sub.v);
  return err;
}

int kb_add_paths(const kb *k, store *st, char *const *paths, size_t npaths,
                 kb_report_fn fn, void *ctx, kb_add_stats *stats) {
  memset(stats, 0, sizeof *stats);
  int result = 0;
  for (size_t p = 0; p < npaths; p++) {
    path_list l = {0};
    kb_diag d = {{0}};
    int err = collect(paths[p], &l, 0);
    if (err) {
      snprintf(d.msg, sizeof d.msg, "%s: %s", paths[p],
               err == KB_ENOMEM ? "out of memory" : strerror(errno));
      if (fn)
        fn(ctx, paths[p], err, d.msg);
      stats->failed++;
      if (!result)
        result = err;
    }
    /* Through kb_bulk: a folder of thousands of articles is merged into
     * the index once per flush, not once per article. */
    kb_bulk *bk = NULL;
    if (l.n && (err = kb_bulk_new(k, st, 0, &bk, &d))) {
      if (fn)
        fn(ctx, paths[p], err, d.msg);
      result = err;
      l.n = 0;
    }
    size_t pending = 0; /* added since the bulk's last flush (unknown) */
    for (size_t i = 0; i < l.n && bk; i++) {
      kb_article *a = NULL;
      err = kb_article_read(l.v[i], &a, &d);
      bool replaced = false;
      if (!err)
        err = kb_bulk_add(bk, a, &replaced, &d);
      if (!err) {
        stats->bytes += strlen(a->title) + strlen(a->body);
        if (replaced)
          stats->replaced++;
        else
          stats->added++;
        pending++;
      } else {
        stats->failed++;
        if (fn)
          fn(ctx, l.v[i], err, d.msg);
        if (!result || result == KB_EPARSE)
          result = err;
      }
      kb_article_free(a);
      if (err == KB_ESTORE || err == KB_ENOMEM || err == KB_ELAYOUT) {
        /* The bulk dropped what it had not flushed: stop this path. */
        snprintf(d.msg, sizeof d.msg,
                 "%s: stopped; up to %zu articles added before this error "
                 "were not stored",
                 paths[p], pending);
        if (fn)
          fn(ctx, paths[p], err, d.msg);
        kb_bulk_free(bk);
        bk = NULL;
      }
    }
    if (bk && (err = kb_bulk_flush(bk, &d))) {
      if (fn)
        fn(ctx, paths[p], err, d.msg);
      result = err;
    }
    kb_bulk_free(bk);
    for (size_t i = 0; i < l.n; i++)
      free(l.v[i]);
    free(l.v);
  }
  return result;
}

int kb_product_articles(store_txn *txn, const char *product_id, uint64_t *ids,
                        size_t max, size_t *n, kb_diag *d) {
  *n = 0;
  char term[STORE_KB_TERM_MAX + 8];
  int len = snprintf(term, sizeof term, "%s%s", KB_FILTER_PRODUCT,
                     product_id ? product_id : "");
  if (!product_id || !*product_id || len <= 0 || len > STORE_KB_TERM_MAX)
    return kb_fail(d, KB_EINVAL, "product id \"%s\" is empty or too long",
                   product_id ? product_id : "");
  /* An index of an older chunk layout would be misread. */
  int err = kb_layout_check(txn, false, d);
  if (err)
    return err;
  store_kb_cursor *c;
  err = store_kb_post_open(txn, term, (size_t)len, &c);
  if (err)
    return store_err(d, err, "kb product index");
  uint64_t id;
  const void *val;
  size_t vlen;
  while (*n < max && (err = store_kb_post_next(c, &id, &val, &vlen)) == 0)
    ids[(*n)++] = id;
  store_kb_post_close(c);
  if (err && err != STORE_ENOTFOUND)
    return store_err(d, err, "kb product index");
  return 0;
}
