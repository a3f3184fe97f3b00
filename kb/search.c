/*
 * search.c — kb_search: query parsing, boolean matching over posting lists,
 * BM25 ranking, paging and highlighted snippets.
 *
 * A query becomes clauses (kb.h has the syntax).  Each clause has one or
 * more alternatives — its own text and the synonym rewrites of it — and an
 * alternative is a list of query terms with their relative positions.  Each
 * distinct term's document frequency comes from the store's chunk counts.
 * plan_lists then picks the lists whose union must hold every match (the
 * shortest required list, or per alternative its n - need + 1 shortest
 * lists); only those are read into arrays sorted by article id, and every
 * other list is a store cursor that seeks to each candidate.  Candidates
 * are visited in id order while every list advances with them, so each
 * article is judged exactly once with all its postings at hand.  One-word
 * queries without synonyms are scored straight off the cursor.  Positions
 * are decoded only for phrase checks.  The best page × page_size hits are
 * kept in a bounded heap.  Block-max: every chunk carries a bound on its
 * postings' impacts, so once the heap is full a one-word query skips whole
 * chunks that cannot beat its weakest hit (counting them from the chunk
 * count), and other queries judge a candidate on bounds first and score it
 * only when the bound could enter the heap; totals stay exact, and
 * kb_params.exhaustive turns it off (tests compare the two).  Snippets are made
 * for the returned page only: the window with the most distinct query terms
 * (found by substring search), of which only the window is tokenised to mark
 * the matches.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb/kb_internal.h"

#define MAX_ALTS 8
#define MAX_TERMS 128
#define MAX_CLAUSES 64
#define MAX_HEAP 10000

typedef struct plist {
  char *term;
  size_t tlen;
  uint64_t *ids;
  const uint8_t **vals;
  size_t *vlens;
  double *ub; /* per loaded posting: its chunk's bound on the BM25 term */
  size_t n, at, cap;
  double idf;
  bool positive;
  /* A list that does not drive the candidates is not loaded: a store
   * cursor seeks to each candidate instead (lid / lval: its posting). */
  store_kb_cursor *lazy;
  uint64_t lid;
  const uint8_t *lval;
  size_t lvlen;
  bool lend;
  int lerr; /* a store error met while seeking (reported after the loop) */
  store_kb_bound lb; /* the lazy cursor's chunk bound (last_id 0: none) */
  double lub;        /* … as a bound on the BM25 term */
  uint64_t lchunk;   /* the cursor's chunk number lub is for (0: none) */
} plist;

typedef struct alt {
  uint32_t term[MAX_TERMS / 4]; /* indexes into the plist table */
  uint32_t rel[MAX_TERMS / 4];  /* relative positions (phrases) */
  size_t n;
  double weight;
  uint32_t must; /* bit t: term[t] must be there (a synonym's own terms) */
} alt;

typedef struct clause {
  bool exclude, phrase;
  int group; /* clauses sharing a group: one of them suffices */
  alt alts[MAX_ALTS];
  size_t nalt;
} clause;

typedef struct query {
  plist lists[MAX_TERMS];
  size_t nlists;
  clause cl[MAX_CLAUSES];
  size_t ncl;
  int filter_cat, filter_tag; /* plist index or -1 */
  size_t ngroups;             /* OR groups numbered 1..ngroups */
} query;

typedef struct hit {
  uint64_t id;
  double score;
} hit;

/* ---- parsing ------------------------------------------------------------ */

static int term_index(query *q, const char *t, size_t len, bool positive,
                      kb_diag *d) {
  for (size_t i = 0; i < q->nlists; i++)
    if (q->lists[i].tlen == len && !memcmp(q->lists[i].term, t, len)) {
      q->lists[i].positive |= positive;
      return (int)i;
    }
  if (q->nlists == MAX_TERMS)
    return kb_fail(d, KB_ETOOBIG, "query has more than %d distinct terms",
                   MAX_TERMS);
  plist *p = &q->lists[q->nlists];
  memset(p, 0, sizeof *p);
  p->term = strndup(t, len);
  if (!p->term)
    return kb_fail(d, KB_ENOMEM, "query: out of memory");
  p->tlen = len;
  p->positive = positive;
  return (int)q->nlists++;
}

/* Tokenizes text into a new alternative of c; its tokens lying within bytes
 * [must_lo, must_hi) of text must all be in a matching article. */
static int add_alt(const kb *k, query *q, clause *c, const char *text,
                   size_t len, double weight, size_t must_lo, size_t must_hi,
                   kb_diag *d) {
  if (c->nalt == MAX_ALTS)
    return 0;
  nlp_tokens t;
  nlp_tokens_init(&t);
  size_t bad = 0;
  int err = nlp_tokenize(k->dict, text, len, NLP_TOK_NOSUB, &t, &bad);
  if (err) {
    nlp_tokens_destroy(&t);
    return err == NLP_EUTF8
               ? kb_fail(d, KB_EUTF8, "query: invalid UTF-8 at byte %zu", bad)
               : kb_fail(d, KB_ENOMEM, "query: out of memory");
  }
  alt *a = &c->alts[c->nalt];
  a->n = 0;
  a->weight = weight;
  a->must = 0;
  for (size_t i = 0; i < t.n && a->n < MAX_TERMS / 4; i++) {
    int ix = term_index(q, t.buf + t.v[i].off, t.v[i].len, !c->exclude, d);
    if (ix < 0) {
      nlp_tokens_destroy(&t);
      return ix;
    }
    bool must = t.v[i].begin >= must_lo && t.v[i].end <= must_hi;
    /* A repeated term in a bag of words adds nothing; in a phrase its
     * position matters. */
    size_t j = 0;
    while (j < a->n && (c->phrase || a->term[j] != (uint32_t)ix))
      j++;
    if (j == a->n) {
      a->term[a->n] = (uint32_t)ix;
      a->rel[a->n] = t.v[i].pos - t.v[0].pos;
      a->n++;
    }
    if (must)
      a->must |= 1u << j;
  }
  nlp_tokens_destroy(&t);
  if (a->n)
    c->nalt++;
  return 0;
}

/* Whether s holds the longer form lf around the match of entry e (el
 * bytes) at byte pre: lf contains e at some offset j and s has lf at
 * pre - j. */
static bool long_form_at(const char *s, size_t len, size_t pre, const char *lf,
                         size_t ol, const char *e, size_t el) {
  for (const char *x = memmem(lf, ol, e, el); x;
       x = memmem(x + 1, ol - (size_t)(x + 1 - lf), e, el)) {
    size_t j = (size_t)(x - lf);
    if (pre >= j && pre - j + ol <= len && !memcmp(s + pre - j, lf, ol))
      return true;
    if (x + 1 >= lf + ol)
      break;
  }
  return false;
}

/* Whether bytes [b, e) of s lie strictly inside a dictionary word of its
 * tokens t that is not itself an entry of group sg. */
static bool inside_term(const nlp_tokens *t, const char *s, size_t b, size_t e,
                        const kb_syn_group *sg) {
  for (size_t i = 0; i < t->n; i++) {
    const nlp_token *x = &t->v[i];
    if (x->kind != NLP_TOK_TERM || x->begin > b || e > x->end ||
        x->end - x->begin == e - b)
      continue;
    bool entry = false;
    for (size_t j = 0; j < sg->n && !entry; j++)
      entry = strlen(sg->words[j]) == x->end - x->begin &&
              !memcmp(sg->words[j], s + x->begin, x->end - x->begin);
    if (!entry)
      return true;
  }
  return false;
}

/* The synonym rewrites of clause text s (tokens t) as alternatives of c. */
static int add_rewrites(const kb *k, query *q, clause *c, const nlp_tokens *t,
                        const char *s, size_t len, kb_diag *d) {
  int err;
  for (size_t g = 0; g < k->nsyn && c->nalt < MAX_ALTS; g++) {
    const kb_syn_group *sg = &k->syn[g];
    for (size_t e = 0; e < sg->n; e++) {
      size_t el = strlen(sg->words[e]);
      const char *hit = el <= len ? memmem(s, len, sg->words[e], el) : NULL;
      if (!hit)
        continue;
      size_t pre = (size_t)(hit - s);
      bool inside = inside_term(t, s, pre, pre + el, sg);
      for (size_t o = 0; o < sg->n && c->nalt < MAX_ALTS; o++) {
        if (o == e)
          continue;
        size_t ol = strlen(sg->words[o]);
        /* Inside another dictionary word only a rewrite that keeps the
         * entry as its head ("履约保函": 保函 -> 银行保函) keeps the word's
         * meaning; replacing a part of it ("反向保理": 保理 -> 应收账款融资)
         * or adding after it ("股票质押式回购": 股票质押 -> 股票质押融资)
         * makes a non-word whose pieces matched scattered over an article
         * (and made every article of their union a candidate). */
        if (inside &&
            (ol < el || memcmp(sg->words[o] + ol - el, sg->words[e], el)))
          continue;
        /* "保函" inside "银行保函", "并购贷" inside "并购贷款": when the query
         * holds the longer form around the match, rewriting would only
         * add the longer form's own text ("并购贷款款"). */
        if (ol > el &&
            long_form_at(s, len, pre, sg->words[o], ol, sg->words[e], el))
          continue;
        size_t nl = len - el + ol;
        char *r = malloc(nl + 1);
        if (!r)
          return kb_fail(d, KB_ENOMEM, "query: out of memory");
        memcpy(r, s, pre);
        memcpy(r + pre, sg->words[o], ol);
        memcpy(r + pre + ol, hit + el, len - pre - el);
        /* The entry put in must be there whole: half of its bigrams
         * would be another word ("股票质押" for "股权质押"), and with them a
         * common word's every article a candidate.  Inside a word, the
         * head it kept must ("履约银行保函": 保函; 银行 and 履约 count). */
        size_t must_lo = inside ? pre + ol - el : pre;
        err =
            add_alt(k, q, c, r, nl, k->p.synonym_weight, must_lo, pre + ol, d);
        free(r);
        if (err)
          return err;
      }
      break;
    }
  }
  return 0;
}

/* Adds the clause text and its synonym rewrites (add_rewrites says which
 * are left out). */
static int add_clause_text(const kb *k, query *q, clause *c, const char *s,
                           size_t len, kb_diag *d) {
  int err = add_alt(k, q, c, s, len, 1.0, 0, 0, d);
  if (err || c->nalt == 0 || k->nsyn == 0)
    return err;
  nlp_tokens t;
  nlp_tokens_init(&t);
  /* add_alt has tokenised the same text, so this cannot fail on UTF-8. */
  if (nlp_tokenize(k->dict, s, len, NLP_TOK_NOSUB, &t, NULL)) {
    nlp_tokens_destroy(&t);
    return kb_fail(d, KB_ENOMEM, "query: out of memory");
  }
  err = add_rewrites(k, q, c, &t, s, len, d);
  nlp_tokens_destroy(&t);
  return err;
}

static bool is_space_at(const char *s, size_t len, size_t i, size_t *w) {
  if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
    *w = 1;
    return true;
  }
  if (i + 3 <= len && !memcmp(s + i, "\xe3\x80\x80", 3)) { /* U+3000 */
    *w = 3;
    return true;
  }
  return false;
}

static bool quote_at(const char *s, size_t len, size_t i, size_t *w) {
  if (s[i] == '"') {
    *w = 1;
    return true;
  }
  if (i + 3 <= len && (!memcmp(s + i, "“", 3) || !memcmp(s + i, "”", 3))) {
    *w = 3;
    return true;
  }
  return false;
}

static int parse_query(const kb *k, const char *s, size_t len, query *q,
                       kb_diag *d) {
  int group = 0, pending_or = 0;
  size_t i = 0, w;
  while (i < len) {
    if (is_space_at(s, len, i, &w)) {
      i += w;
      continue;
    }
    bool exclude = false;
    if (s[i] == '-' && i + 1 < len && !is_space_at(s, len, i + 1, &w)) {
      exclude = true;
      i++;
    }
    bool phrase = false;
    size_t b, e;
    if (quote_at(s, len, i, &w)) {
      phrase = true;
      size_t open = i;
      b = i + w;
      e = b;
      size_t qw = 0;
      while (e < len && !quote_at(s, len, e, &qw))
        e++;
      if (e >= len)
        return kb_fail(d, KB_EINVAL,
                       "query: unbalanced quote at byte %zu (close the phrase "
                       "with '\"')",
                       open);
      i = e + qw;
    } else {
      b = i;
      while (i < len && !is_space_at(s, len, i, &w) && !quote_at(s, len, i, &w))
        i++;
      e = i;
      if (!exclude && ((e - b == 2 && !memcmp(s + b, "OR", 2)) ||
                       (e - b == 1 && s[b] == '|'))) {
        pending_or = 1;
        continue;
      }
      if (!exclude && e - b == 3 && !memcmp(s + b, "AND", 3))
        continue;
    }
    if (q->ncl == MAX_CLAUSES)
      return kb_fail(d, KB_ETOOBIG, "query has more than %d clauses",
                     MAX_CLAUSES);
    clause *c = &q->cl[q->ncl];
    memset(c, 0, sizeof *c);
    c->exclude = exclude;
    c->phrase = phrase;
    int err = add_clause_text(k, q, c, s + b, e - b, d);
    if (err)
      return err;
    if (c->nalt == 0)
      continue; /* punctuation only */
    if (pending_or && q->ncl > 0 && !exclude && !q->cl[q->ncl - 1].exclude) {
      clause *prev = &q->cl[q->ncl - 1];
      if (!prev->group)
        prev->group = ++group;
      c->group = prev->group;
    }
    pending_or = 0;
    q->ncl++;
  }
  q->ngroups = (size_t)group;
  size_t pos = 0;
  for (size_t c = 0; c < q->ncl; c++)
    pos += !q->cl[c].exclude;
  if (q->ncl == 0)
    return kb_fail(d, KB_EINVAL, "query: no searchable terms");
  if (pos == 0)
    return kb_fail(d, KB_EINVAL,
                   "query: only exclusions (add a term to search for)");
  return 0;
}

/* ---- posting lists ------------------------------------------------------ */

/* The term's document frequency into p->n: the store keeps postings in
 * chunks with a count in each, so counting decodes none of them. */
static int count_list(store_txn *txn, plist *p, kb_diag *d) {
  store_kb_cursor *c;
  int err = store_kb_post_open(txn, p->term, p->tlen, &c);
  if (!err) {
    err = store_kb_post_count(c, &p->n);
    store_kb_post_close(c);
  }
  return err ? kb_fail(d, KB_ESTORE, "kb index: %s", store_last_error()) : 0;
}

/* Counts the lists of the alternatives' terms not counted yet (counted[]
 * marks them), only their must terms with must_only. */
static int count_alt_lists(store_txn *txn, query *q, bool *counted,
                           bool must_only, kb_diag *d) {
  for (size_t c = 0; c < q->ncl; c++)
    for (size_t a = 0; a < q->cl[c].nalt; a++) {
      const alt *x = &q->cl[c].alts[a];
      for (size_t t = 0; t < x->n; t++) {
        if (counted[x->term[t]] || (must_only && !(x->must >> t & 1)))
          continue;
        counted[x->term[t]] = true;
        int err = count_list(txn, &q->lists[x->term[t]], d);
        if (err)
          return err;
      }
    }
  return 0;
}

static double bound_score(const kb *k, const plist *p, const store_kb_bound *b,
                          double avgdl);

/* Reads the term's p->n postings into arrays allocated once, with each
 * posting's chunk bound (block-max). */
static int load_list(const kb *k, store_txn *txn, plist *p, double avgdl,
                     kb_diag *d) {
  store_kb_cursor *c;
  int err = store_kb_post_open(txn, p->term, p->tlen, &c);
  if (err)
    return kb_fail(d, KB_ESTORE, "kb index: %s", store_last_error());
  size_t cap = p->n ? p->n : 1;
  p->n = 0;
  p->ids = malloc(cap * sizeof *p->ids);
  p->vals = malloc(cap * sizeof *p->vals);
  p->vlens = malloc(cap * sizeof *p->vlens);
  p->ub = malloc(cap * sizeof *p->ub);
  p->cap = cap;
  if (!p->ids || !p->vals || !p->vlens || !p->ub) {
    store_kb_post_close(c);
    return kb_fail(d, KB_ENOMEM, "query: out of memory");
  }
  uint64_t id;
  const void *val;
  size_t vlen;
  store_kb_bound b;
  /* Chunk by chunk: each is read whole, so its postings follow block. */
  while (p->n < cap && (err = store_kb_post_block(c, &b)) == 0) {
    double ub = bound_score(k, p, &b, avgdl);
    for (size_t i = 0; i < b.count && p->n < cap &&
                       (err = store_kb_post_next(c, &id, &val, &vlen)) == 0;
         i++) {
      p->ids[p->n] = id;
      p->vals[p->n] = val;
      p->vlens[p->n] = vlen;
      p->ub[p->n] = ub;
      p->n++;
    }
    if (err)
      break;
  }
  store_kb_post_close(c);
  if (err && err != STORE_ENOTFOUND)
    return kb_fail(d, KB_ESTORE, "kb index: %s", store_last_error());
  return 0;
}

static void query_destroy(query *q) {
  for (size_t i = 0; i < q->nlists; i++) {
    store_kb_post_close(q->lists[i].lazy);
    free(q->lists[i].term);
    free(q->lists[i].ids);
    free(q->lists[i].vals);
    free(q->lists[i].vlens);
    free(q->lists[i].ub);
  }
}

/* Whether list p has article id, leaving p->at on it (or past it); ids
 * asked for only grow.  Galloping: a list much longer than the candidate
 * stream is crossed in logarithmic steps instead of one posting at a time. */
static bool at_doc(plist *p, uint64_t id) {
  if (p->lazy) {
    if (p->lend || p->lid >= id)
      return !p->lend && p->lid == id;
    const void *val;
    int err = store_kb_post_seek(p->lazy, id, &p->lid, &val, &p->lvlen);
    p->lval = val;
    if (err) {
      p->lend = true;
      p->lerr = err == STORE_ENOTFOUND ? 0 : err;
      return false;
    }
    return p->lid == id;
  }
  size_t lo = p->at, step = 1;
  if (lo < p->n && p->ids[lo] >= id)
    return p->ids[lo] == id;
  /* ids[lo] < id: find hi with ids[hi] >= id (or the end). */
  size_t hi = lo + 1;
  while (hi < p->n && p->ids[hi] < id) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > p->n)
    hi = p->n;
  while (lo + 1 < hi) { /* ids[lo] < id <= ids[hi] */
    size_t mid = lo + (hi - lo) / 2;
    if (p->ids[mid] < id)
      lo = mid;
    else
      hi = mid;
  }
  p->at = hi;
  return hi < p->n && p->ids[hi] == id;
}

typedef struct posting {
  uint64_t doclen, tft, tf;
  const uint8_t *pos;
  size_t plen;
} posting;

static bool decode(const plist *p, posting *o) {
  const uint8_t *v = p->lazy ? p->lval : p->vals[p->at];
  size_t n = p->lazy ? p->lvlen : p->vlens[p->at], r, off = 0;
  if (!(r = store_varint_get(v, n, &o->doclen)))
    return false;
  off += r;
  if (!(r = store_varint_get(v + off, n - off, &o->tft)))
    return false;
  off += r;
  if (!(r = store_varint_get(v + off, n - off, &o->tf)))
    return false;
  off += r;
  o->pos = v + off;
  o->plen = n - off;
  return true;
}

/* Decodes up to max positions; returns the count. */
static size_t positions(const posting *p, uint32_t *out, size_t max) {
  size_t n = 0, off = 0;
  uint64_t cur = 0, delta;
  while (off < p->plen && n < max) {
    size_t r = store_varint_get(p->pos + off, p->plen - off, &delta);
    if (!r)
      break;
    off += r;
    cur += delta;
    out[n++] = (uint32_t)cur;
  }
  return n;
}

static bool has_pos(const uint32_t *v, size_t n, uint64_t x) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (v[mid] < x)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && v[lo] == x;
}

#define POS_MAX 4096

/* Whether the terms of a occur at consecutive (relative) positions. */
static bool phrase_match(query *q, const alt *a) {
  uint32_t first[POS_MAX], other[POS_MAX];
  posting p0;
  if (!decode(&q->lists[a->term[0]], &p0))
    return false;
  size_t n0 = positions(&p0, first, POS_MAX);
  bool ok[POS_MAX];
  for (size_t i = 0; i < n0; i++)
    ok[i] = true;
  for (size_t t = 1; t < a->n; t++) {
    posting pt;
    if (!decode(&q->lists[a->term[t]], &pt))
      return false;
    size_t nt = positions(&pt, other, POS_MAX);
    bool any = false;
    for (size_t i = 0; i < n0; i++) {
      if (ok[i])
        ok[i] = has_pos(other, nt, (uint64_t)first[i] + a->rel[t] - a->rel[0]);
      any |= ok[i];
    }
    if (!any)
      return false;
  }
  for (size_t i = 0; i < n0; i++)
    if (ok[i])
      return true;
  return false;
}

static double bm25(const kb *k, const plist *p, double avgdl) {
  posting x;
  if (!decode(p, &x))
    return 0;
  double tf = (double)(x.tf - x.tft) + k->p.title_boost * (double)x.tft;
  double norm = k->p.k1 * (1 - k->p.b + k->p.b * (double)x.doclen / avgdl);
  return p->idf * tf * (k->p.k1 + 1) / (tf + norm);
}

/* The most any posting of a chunk with bound b can add for list p: BM25
 * of each point of the front (the same arithmetic as bm25), a hair above
 * so that rounding never makes it lower than a posting's own score. */
static double bound_score(const kb *k, const plist *p, const store_kb_bound *b,
                          double avgdl) {
  if (b->n == 0)
    return HUGE_VAL;
  double best = 0;
  for (size_t i = 0; i < b->n; i++) {
    const store_kb_impact *x = &b->pt[i];
    double tf = (double)x->v[0] + k->p.title_boost * (double)x->v[1];
    double dl = (double)(UINT32_MAX - x->v[2]);
    double norm = k->p.k1 * (1 - k->p.b + k->p.b * dl / avgdl);
    double s = p->idf * tf * (k->p.k1 + 1) / (tf + norm);
    if (s > best)
      best = s;
  }
  return best * (1 + 1e-9);
}

/* The bound of list p's posting at hand (at_doc found it). */
static double list_bound(const kb *k, plist *p, double avgdl) {
  if (!p->lazy)
    return p->ub[p->at];
  /* The cursor's chunk is the one of the bound at hand most of the time. */
  uint64_t no = store_kb_post_chunk_no(p->lazy);
  if (no != p->lchunk) {
    store_kb_post_bound(p->lazy, &p->lb);
    p->lub = bound_score(k, p, &p->lb, avgdl);
    p->lchunk = no;
  }
  return p->lub;
}

/* How many of a's terms an article must hold to match it: every one for
 * two terms or fewer, in a phrase (phrase) or an excluded clause (all),
 * else half of them rounded up. */
static size_t alt_need(const alt *a, bool phrase, bool all) {
  return a->n <= 2 || phrase || all ? a->n : (a->n + 1) / 2;
}

/* Judges one alternative for the current article: *score is its BM25 sum
 * (weighted) from the per-list term scores ts, *cover the share of its
 * terms present. */
static bool alt_match(query *q, const alt *a, bool phrase, bool all,
                      const bool *present, const double *ts, double *score,
                      double *cover) {
  size_t have = 0;
  double s = 0;
  for (size_t t = 0; t < a->n; t++)
    if (present[a->term[t]]) {
      have++;
      s += ts[a->term[t]];
    } else if (a->must >> t & 1) {
      return false;
    }
  size_t need = alt_need(a, phrase, all);
  if (have < need)
    return false;
  if (phrase && a->n > 1 && !phrase_match(q, a))
    return false;
  *score = s * a->weight;
  *cover = (double)have / (double)a->n;
  return true;
}

/* Scores the current article from the term scores ts, false when it does
 * not match.  With upper (ts holding bounds) *score is a bound: each
 * clause takes its best alternative's sum and, separately, its best
 * coverage, since the alternative that wins on bounds need not be the one
 * that wins on scores.  Matching is the same either way. */
static bool judge(query *q, const bool *present, const double *ts, bool upper,
                  double *score) {
  double total = 0, cover_sum = 0, prod_sum = 0;
  size_t npos = 0;
  bool group_ok[MAX_CLAUSES + 1];
  bool group_seen[MAX_CLAUSES + 1];
  memset(group_ok, 0, q->ngroups + 1);
  memset(group_seen, 0, q->ngroups + 1);
  for (size_t c = 0; c < q->ncl; c++) {
    clause *cl = &q->cl[c];
    double best = -1, best_cover = 0, best_prod = 0;
    for (size_t a = 0; a < cl->nalt; a++) {
      double s, cov;
      if (!alt_match(q, &cl->alts[a], cl->phrase, cl->exclude, present, ts, &s,
                     &cov))
        continue;
      if (upper) {
        best = s > best ? s : best;
        best_cover = cov > best_cover ? cov : best_cover;
        best_prod = s * cov > best_prod ? s * cov : best_prod;
      } else if (s > best) {
        best = s;
        best_cover = cov;
      }
    }
    bool matched = best >= 0;
    if (cl->exclude) {
      if (matched)
        return false;
      continue;
    }
    npos++;
    if (cl->group) {
      group_seen[cl->group] = true;
      group_ok[cl->group] |= matched;
    } else if (!matched) {
      return false;
    }
    if (matched) {
      total += best;
      cover_sum += best_cover;
      prod_sum += best_prod;
    }
  }
  for (size_t g = 1; g <= q->ngroups; g++)
    if (group_seen[g] && !group_ok[g])
      return false;
  /* Coordination: an article with all of the query's terms beats one with
   * a few of them repeated. */
  *score = total * (cover_sum / (double)npos);
  /* One clause (most queries): its score is one alternative's sum times
   * that alternative's coverage, so the best such product bounds it. */
  if (upper && npos == 1)
    *score = prod_sum;
  return true;
}

/* Marks in mask the lists of alternative a that every article matching it
 * has at least one of: with need of its n terms required, any n - need + 1
 * of them will do (pigeonhole), so the shortest ones; or, when shorter in
 * all, the shortest list of a must term.  Returns their total length. */
static size_t alt_drivers(const query *q, const alt *a, size_t need,
                          bool *mask) {
  /* Every match holds each must term, so its shortest list alone drives
   * when that is cheaper than the union below. */
  size_t must_best = SIZE_MAX, must_t = 0;
  for (size_t t = 0; t < a->n; t++)
    if ((a->must >> t & 1) && q->lists[a->term[t]].n < must_best) {
      must_best = q->lists[a->term[t]].n;
      must_t = t;
    }
  bool used[MAX_TERMS / 4] = {false}, pick[MAX_TERMS / 4] = {false};
  size_t cost = 0;
  for (size_t k = 0; k + need < a->n + 1; k++) {
    size_t best = SIZE_MAX, bi = 0;
    for (size_t t = 0; t < a->n; t++)
      if (!used[t] && q->lists[a->term[t]].n < best) {
        best = q->lists[a->term[t]].n;
        bi = t;
      }
    used[bi] = pick[bi] = true;
    cost += best;
  }
  if (must_best < cost) {
    mask[a->term[must_t]] = true;
    return must_best;
  }
  for (size_t t = 0; t < a->n; t++)
    if (pick[t])
      mask[a->term[t]] = true;
  return cost;
}

/* Marks the lists every matching article must be in (required): the
 * filters, and the terms of a clause that is neither excluded nor part of
 * an OR group and has one alternative (no synonym) whose terms are all
 * needed.  Then chooses the lists whose union holds every candidate
 * (drive), whichever is shorter: the shortest required list, or for the
 * plain clause (not excluded, not in an OR group) where it is cheapest,
 * the union over its alternatives of each one's alt_drivers.  Without
 * either, every positive list drives. */
static void plan_lists(const query *q, bool *required, bool *drive) {
  memset(required, 0, q->nlists * sizeof *required);
  memset(drive, 0, q->nlists * sizeof *drive);
  if (q->filter_cat >= 0)
    required[q->filter_cat] = true;
  if (q->filter_tag >= 0)
    required[q->filter_tag] = true;
  size_t best_cost = SIZE_MAX;
  bool mask[MAX_TERMS], best_mask[MAX_TERMS];
  for (size_t c = 0; c < q->ncl; c++) {
    const clause *cl = &q->cl[c];
    if (cl->exclude || cl->group)
      continue;
    const alt *a0 = &cl->alts[0];
    if (cl->nalt == 1 && (a0->n <= 2 || cl->phrase)) /* need every term */
      for (size_t t = 0; t < a0->n; t++)
        required[a0->term[t]] = true;
    memset(mask, 0, q->nlists * sizeof *mask);
    size_t cost = 0;
    for (size_t a = 0; a < cl->nalt; a++) {
      const alt *x = &cl->alts[a];
      /* alt_match's rule for a clause that is not excluded */
      size_t need = alt_need(x, cl->phrase, false);
      cost += alt_drivers(q, x, need, mask);
    }
    if (cost < best_cost) {
      best_cost = cost;
      memcpy(best_mask, mask, q->nlists * sizeof *mask);
    }
  }
  int best = -1;
  for (size_t t = 0; t < q->nlists; t++)
    if (required[t] && (best < 0 || q->lists[t].n < q->lists[best].n))
      best = (int)t;
  if (best >= 0 && q->lists[best].n <= best_cost) {
    drive[best] = true;
  } else if (best_cost != SIZE_MAX) {
    memcpy(drive, best_mask, q->nlists * sizeof *drive);
  } else {
    for (size_t t = 0; t < q->nlists; t++)
      drive[t] = q->lists[t].positive;
  }
}

/* A query of one word without synonyms, filters or exclusions: its score
 * is the word's BM25 (judge's sum, weight and coordination all reduce to
 * it), so the candidate loop can skip judge. */
static bool single_term(const query *q) {
  return q->ncl == 1 && !q->cl[0].exclude && q->cl[0].nalt == 1 &&
         q->cl[0].alts[0].n == 1 && q->cl[0].alts[0].weight == 1.0 &&
         q->filter_cat < 0 && q->filter_tag < 0;
}

/* Drops the alternatives no article can match: one needing a term that
 * has no postings (a rewrite "股权质押融资" of 股票质押融资 must hold 股权质押
 * whole, and 股权 is in no article of the corpus), or with fewer terms
 * that have postings than it needs (alt_match's rule).  They add nothing
 * to a score or a total, but kept the query off the one-word path (and
 * their lists drove candidates).  A clause keeps its first alternative
 * when all are dead; their lists stay (snippets look for every positive
 * one), unread.  must_only: judge by the must terms alone (the counts of
 * the other lists are not taken yet). */
static void prune_dead_alts(query *q, bool must_only) {
  for (size_t c = 0; c < q->ncl; c++) {
    clause *cl = &q->cl[c];
    size_t kept = 0;
    for (size_t a = 0; a < cl->nalt; a++) {
      const alt *x = &cl->alts[a];
      size_t live = 0;
      bool dead = false;
      for (size_t t = 0; t < x->n; t++) {
        bool empty = q->lists[x->term[t]].n == 0;
        live += !empty;
        dead |= empty && (x->must >> t & 1);
      }
      size_t need = alt_need(x, cl->phrase, cl->exclude);
      if (!dead && (must_only || live >= need))
        cl->alts[kept++] = *x;
    }
    if (kept)
      cl->nalt = kept;
  }
}

/* A query of one positive clause (no exclusion, OR group, phrase or
 * filter) over at most 64 lists: matching an alternative is then a test
 * on a bit set of the lists the article has (its must terms there, at
 * least need of its terms), which one_clause_loop does per candidate
 * instead of judge. */
static bool one_clause(const query *q) {
  return q->ncl == 1 && !q->cl[0].exclude && !q->cl[0].phrase &&
         !q->cl[0].group && q->nlists <= 64 && q->filter_cat < 0 &&
         q->filter_tag < 0;
}

/* Set bits of x (the build targets plain x86-64: __builtin_popcountll
 * would be a libgcc call). */
static inline size_t bit_count(uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555ull;
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return (size_t)((x * 0x0101010101010101ull) >> 56);
}

typedef struct alt_mask {
  uint64_t all, must; /* the alternative's lists; those it must have */
  size_t need;
} alt_mask;

/* alt_match's matching rule for a clause that is neither a phrase nor
 * excluded, as masks over the lists. */
static void alt_masks(const query *q, alt_mask *m) {
  const clause *cl = &q->cl[0];
  for (size_t a = 0; a < cl->nalt; a++) {
    const alt *x = &cl->alts[a];
    m[a].all = m[a].must = 0;
    for (size_t t = 0; t < x->n; t++) {
      m[a].all |= 1ull << x->term[t];
      if (x->must >> t & 1)
        m[a].must |= 1ull << x->term[t];
    }
    m[a].need = alt_need(x, false, false);
  }
}

/* Bounded min-heap of the best hits. */
static bool hit_better(const hit *a, const hit *b) {
  return a->score > b->score || (a->score == b->score && a->id < b->id);
}

static void heap_push(hit *h, size_t *n, size_t cap, hit x) {
  if (*n == cap) {
    if (!hit_better(&x, &h[0]))
      return;
    h[0] = x;
  } else {
    h[(*n)++] = x;
    for (size_t i = *n - 1; i > 0;) {
      size_t p = (i - 1) / 2;
      if (!hit_better(&h[p], &h[i]))
        break;
      hit t = h[p];
      h[p] = h[i];
      h[i] = t;
      i = p;
    }
    return;
  }
  for (size_t i = 0;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < *n && hit_better(&h[m], &h[l]))
      m = l;
    if (r < *n && hit_better(&h[m], &h[r]))
      m = r;
    if (m == i)
      break;
    hit t = h[m];
    h[m] = h[i];
    h[i] = t;
    i = m;
  }
}

static int cmp_hit(const void *a, const void *b) {
  const hit *x = a, *y = b;
  return hit_better(x, y) ? -1 : hit_better(y, x) ? 1 : 0;
}

/* Moves driving list p, read in order off its store cursor, to its next
 * posting (lid, lval); lend past the last. */
static void drive_next(plist *p) {
  const void *val;
  int err = store_kb_post_next(p->lazy, &p->lid, &val, &p->lvlen);
  p->lval = val;
  if (err) {
    p->lend = true;
    p->lerr = err == STORE_ENOTFOUND ? 0 : err;
  }
}

/* The candidate loop of a one_clause query.  The driving lists are not
 * read into arrays: each is a cursor whose current posting is its head
 * (no allocation; a common word's lists were megabytes written and read
 * back, and page faults).  Matching is alt_match's rule on a bit set of
 * the lists present; with the heap full, the bound is judge's for one
 * clause (the best alternative's bound sum × weight × coverage), and
 * only an article whose bound could enter the heap is scored by judge. */
static void one_clause_loop(const kb *k, query *q, const bool *drive,
                            bool blockmax, double avgdl, hit *heap,
                            size_t *nheap, size_t cap, size_t *total) {
  const clause *cl = &q->cl[0];
  alt_mask m[MAX_ALTS];
  alt_masks(q, m);
  uint64_t dmask = 0, used = 0; /* lists of dropped alternatives: unused */
  for (size_t a = 0; a < cl->nalt; a++)
    used |= m[a].all;
  for (size_t t = 0; t < q->nlists; t++)
    if (drive[t]) {
      dmask |= 1ull << t;
      drive_next(&q->lists[t]);
    }
  bool present[MAX_TERMS];
  double ts[MAX_TERMS];
  for (;;) {
    uint64_t next = UINT64_MAX;
    for (uint64_t b = dmask; b; b &= b - 1) {
      const plist *p = &q->lists[__builtin_ctzll(b)];
      if (!p->lend && p->lid < next)
        next = p->lid;
    }
    if (next == UINT64_MAX)
      break;
    uint64_t have = 0;
    for (uint64_t b = used; b; b &= b - 1) {
      size_t t = (size_t)__builtin_ctzll(b);
      plist *p = &q->lists[t];
      if (drive[t] ? !p->lend && p->lid == next : at_doc(p, next))
        have |= 1ull << t;
    }
    uint32_t ok = 0;
    for (size_t a = 0; a < cl->nalt; a++)
      if ((have & m[a].must) == m[a].must &&
          bit_count(have & m[a].all) >= m[a].need)
        ok |= 1u << a;
    if (ok) {
      ++*total;
      double prod = HUGE_VAL;
      if (blockmax && *nheap == cap) {
        for (uint64_t b = have; b; b &= b - 1) {
          size_t t = (size_t)__builtin_ctzll(b);
          ts[t] = list_bound(k, &q->lists[t], avgdl);
        }
        prod = 0;
        for (size_t a = 0; a < cl->nalt; a++) {
          if (!(ok >> a & 1))
            continue;
          const alt *x = &cl->alts[a];
          double s = 0;
          for (size_t t = 0; t < x->n; t++)
            if (have >> x->term[t] & 1)
              s += ts[x->term[t]];
          s *= x->weight;
          double cov = (double)bit_count(have & m[a].all) /
                       (double)x->n;
          if (s * cov > prod)
            prod = s * cov;
        }
      }
      /* ids only grow, so a tie with the weakest hit loses */
      if (!(*nheap == cap && blockmax) || prod > heap[0].score) {
        for (size_t t = 0; t < q->nlists; t++) {
          present[t] = have >> t & 1;
          if (present[t])
            ts[t] = bm25(k, &q->lists[t], avgdl);
        }
        double score;
        if (judge(q, present, ts, false, &score))
          heap_push(heap, nheap, cap, (hit){next, score});
      }
    }
    for (uint64_t b = dmask; b; b &= b - 1) {
      plist *p = &q->lists[__builtin_ctzll(b)];
      if (!p->lend && p->lid == next)
        drive_next(p);
    }
  }
}

/* ---- snippets ----------------------------------------------------------- */

typedef struct span {
  size_t b, e;
  uint32_t term;
} span;

static int cmp_span(const void *a, const void *b) {
  const span *x = a, *y = b;
  return x->b < y->b ? -1 : x->b > y->b ? 1 : x->e > y->e ? -1 : x->e < y->e;
}

/* Where term (a query token, lower-case when Latin) occurs in body at or
 * after from: Latin tokens are lower-cased by the tokenizer, so ASCII
 * letters compare without case.  NULL when it does not. */
static const char *find_term(const char *body, size_t len, size_t from,
                             const char *term, size_t tlen) {
  bool ascii = true;
  for (size_t i = 0; i < tlen && ascii; i++)
    ascii = (unsigned char)term[i] < 0x80;
  if (!ascii)
    return from < len ? memmem(body + from, len - from, term, tlen) : NULL;
  for (size_t i = from; i + tlen <= len; i++)
    if (!strncasecmp(body + i, term, tlen))
      return body + i;
  return NULL;
}

/* Byte offset n code points back from (or forward of) at. */
static size_t cp_back(const char *s, size_t at, size_t n) {
  while (at > 0 && n > 0) {
    at--;
    while (at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80)
      at--;
    n--;
  }
  return at;
}

static size_t cp_fwd(const char *s, size_t len, size_t at, size_t n) {
  while (at < len && n > 0) {
    at++;
    while (at < len && ((unsigned char)s[at] & 0xc0) == 0x80)
      at++;
    n--;
  }
  return at;
}

#define SNIPPET_SPANS 256 /* occurrences considered for the window */
#define SNIPPET_MARGIN 16 /* characters tokenised beyond the window */

/* The snippet: the window of snippet_chars characters, starting a little
 * before an occurrence of a query term, that holds the most distinct query
 * terms (ties: the earliest), with the matched tokens marked.  Occurrences
 * are found by substring search and only the window (and a margin, so that
 * a dictionary word across its edge segments as in the whole text) is
 * tokenised: tokenising whole bodies was half of a typical query. */
static char *make_snippet(const kb *k, query *q, const char *body,
                          const kb_query *kq) {
  size_t len = strlen(body);
  const char *ho = kq->hl_open ? kq->hl_open : "【";
  const char *hc = kq->hl_close ? kq->hl_close : "】";
  size_t width = kq->snippet_chars ? kq->snippet_chars : 80;
  nlp_tokens t;
  nlp_tokens_init(&t);
  span occ[SNIPPET_SPANS];
  size_t nocc = 0;
  span *sp = NULL;
  size_t nsp = 0;
  char *out = NULL;
  for (size_t j = 0; j < q->nlists; j++) {
    const plist *p = &q->lists[j];
    if (!p->positive || p->term[0] == '\x01')
      continue;
    for (const char *x = find_term(body, len, 0, p->term, p->tlen);
         x && nocc < SNIPPET_SPANS;
         x = find_term(body, len, (size_t)(x - body) + 1, p->term, p->tlen))
      occ[nocc++] =
          (span){(size_t)(x - body), (size_t)(x - body) + p->tlen, (uint32_t)j};
  }
  qsort(occ, nocc, sizeof *occ, cmp_span);
  size_t wb = 0, we = cp_fwd(body, len, 0, width), best_score = 0;
  for (size_t i = 0; i < nocc; i++) {
    size_t start = cp_back(body, occ[i].b, width / 8);
    size_t end_b = cp_fwd(body, len, start, width);
    bool seen[MAX_TERMS] = {false};
    size_t score = 0;
    for (size_t j = i; j < nocc && occ[j].e <= end_b; j++)
      if (!seen[occ[j].term]) {
        seen[occ[j].term] = true;
        score++;
      }
    if (score > best_score) {
      best_score = score;
      wb = start;
      we = end_b;
    }
  }
  size_t rb = cp_back(body, wb, SNIPPET_MARGIN);
  size_t re = cp_fwd(body, len, we, SNIPPET_MARGIN);
  if (nlp_tokenize(k->dict, body + rb, re - rb, 0, &t, NULL))
    goto done;
  sp = malloc((t.n + 1) * sizeof *sp);
  if (!sp)
    goto done;
  for (size_t i = 0; i < t.n; i++)
    for (size_t j = 0; j < q->nlists; j++)
      if (q->lists[j].positive && q->lists[j].tlen == t.v[i].len &&
          !memcmp(q->lists[j].term, t.buf + t.v[i].off, t.v[i].len)) {
        sp[nsp++] = (span){rb + t.v[i].begin, rb + t.v[i].end, (uint32_t)j};
        break;
      }
  qsort(sp, nsp, sizeof *sp, cmp_span);
  size_t cap = (we - wb) * 1 + nsp * (strlen(ho) + strlen(hc)) + 16;
  out = malloc(cap);
  if (!out)
    goto done;
  size_t o = 0;
  if (wb > 0)
    o += (size_t)sprintf(out + o, "…");
  size_t s = 0;
  while (s < nsp && sp[s].b < wb)
    s++;
  for (size_t i = wb; i < we;) {
    if (s < nsp && sp[s].b == i && sp[s].e <= we) {
      size_t e = sp[s].e;
      /* Overlapping spans (bigrams, sub-words) merge into one mark. */
      while (s + 1 < nsp && sp[s + 1].b < e && sp[s + 1].e <= we) {
        s++;
        if (sp[s].e > e)
          e = sp[s].e;
      }
      s++;
      o += (size_t)sprintf(out + o, "%s", ho);
      for (; i < e; i++)
        out[o++] = body[i] == '\n' ? ' ' : body[i];
      o += (size_t)sprintf(out + o, "%s", hc);
      while (s < nsp && sp[s].b < i)
        s++;
      continue;
    }
    out[o++] = body[i] == '\n' ? ' ' : body[i];
    i++;
    while (s < nsp && sp[s].b < i)
      s++;
  }
  if (we < len)
    o += (size_t)sprintf(out + o, "…");
  out[o] = 0;
done:
  nlp_tokens_destroy(&t);
  free(sp);
  return out ? out : strdup("");
}

/* ---- entry point -------------------------------------------------------- */

void kb_results_destroy(kb_results *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n; i++) {
    kb_hit *h = &r->hits[i];
    free(h->title);
    free(h->category);
    free(h->snippet);
    for (size_t j = 0; j < h->ntags; j++)
      free(h->tags[j]);
    free(h->tags);
    for (size_t j = 0; j < h->nproducts; j++)
      free(h->products[j]);
    free(h->products);
  }
  free(r->hits);
  memset(r, 0, sizeof *r);
}

static char **dup_list(char **v, size_t n) {
  char **r = calloc(n ? n : 1, sizeof *r);
  for (size_t i = 0; r && i < n; i++)
    r[i] = strdup(v[i]);
  return r;
}

static int fill_hit(const kb *k, store_txn *txn, query *q, const kb_query *kq,
                    const hit *h, kb_hit *out, kb_diag *d) {
  kb_article *a = NULL;
  int err = store_kb_get(txn, h->id, &a);
  if (err)
    return kb_fail(d, KB_ESTORE, "article %llu is indexed but not stored: %s",
                   (unsigned long long)h->id, store_strerror(err));
  out->id = h->id;
  out->score = h->score;
  out->title = strdup(a->title);
  out->category = strdup(a->category);
  out->snippet = make_snippet(k, q, a->body, kq);
  out->tags = dup_list(a->tags, a->n_tags);
  out->ntags = out->tags ? a->n_tags : 0;
  out->products = dup_list(a->product_ids, a->n_product_ids);
  out->nproducts = out->products ? a->n_product_ids : 0;
  kb_article_free(a);
  if (!out->title || !out->category || !out->snippet)
    return kb_fail(d, KB_ENOMEM, "search: out of memory");
  return 0;
}

int kb_search(const kb *k, store_txn *txn, const kb_query *kq, kb_results *out,
              kb_diag *d) {
  memset(out, 0, sizeof *out);
  const char *s = kq && kq->text ? kq->text : "";
  size_t len = strlen(s);
  if (len > KB_QUERY_MAX)
    return kb_fail(d, KB_ETOOBIG, "query of %zu bytes; the limit is %d", len,
                   KB_QUERY_MAX);
  size_t bad;
  if (!nlp_utf8_valid(s, len, &bad))
    return kb_fail(d, KB_EUTF8, "query: invalid UTF-8 at byte %zu", bad);
  size_t w, i = 0;
  while (i < len && is_space_at(s, len, i, &w))
    i += w;
  if (i == len)
    return kb_fail(d, KB_EINVAL, "empty query");
  size_t page = kq->page ? kq->page : 1;
  size_t psize = kq->page_size ? kq->page_size : 10;
  if (psize > KB_PAGE_SIZE_MAX)
    return kb_fail(d, KB_EINVAL, "page size %zu is over %d", psize,
                   KB_PAGE_SIZE_MAX);
  if (page * psize > MAX_HEAP)
    return kb_fail(d, KB_EINVAL, "page %zu is beyond the first %d hits", page,
                   MAX_HEAP);
  /* malloc, not calloc: the struct is ~150 KB of fixed arrays, and clearing
   * it was a visible share of a short query; parse_query and term_index
   * initialise every clause and list they use. */
  query *q = malloc(sizeof *q);
  if (!q)
    return kb_fail(d, KB_ENOMEM, "search: out of memory");
  q->nlists = q->ncl = q->ngroups = 0;
  q->filter_cat = q->filter_tag = -1;
  hit *heap = NULL;
  int err = parse_query(k, s, len, q, d);
  char fb[STORE_KB_TERM_MAX + 8];
  if (!err && kq->category && *kq->category) {
    snprintf(fb, sizeof fb, "%s%s", KB_FILTER_CAT, kq->category);
    err = term_index(q, fb, strlen(fb), false, d);
    q->filter_cat = err;
    err = err < 0 ? err : 0;
  }
  if (!err && kq->tag && *kq->tag) {
    snprintf(fb, sizeof fb, "%s%s", KB_FILTER_TAG, kq->tag);
    err = term_index(q, fb, strlen(fb), false, d);
    q->filter_tag = err;
    err = err < 0 ? err : 0;
  }
  uint64_t ndocs = 0, toklen = 0;
  if (!err)
    err = kb_layout_check(txn, false, d);
  if (!err && (store_kb_meta_get(txn, "docs", &ndocs) ||
               store_kb_meta_get(txn, "toklen", &toklen)))
    err = kb_fail(d, KB_ESTORE, "kb counters: %s", store_last_error());
  /* The must terms' lists are counted first: an alternative needing a term
   * without postings is dropped before the other lists are counted (which
   * walks every chunk header of a list: the first query touching a common
   * list's pages paid ~2 ms for them at 100k). */
  bool counted[MAX_TERMS] = {false};
  if (!err)
    err = count_alt_lists(txn, q, counted, true, d);
  if (!err)
    prune_dead_alts(q, true);
  if (!err)
    err = count_alt_lists(txn, q, counted, false, d);
  if (!err && q->filter_cat >= 0 && !counted[q->filter_cat])
    err = count_list(txn, &q->lists[q->filter_cat], d);
  if (!err && q->filter_tag >= 0 && !counted[q->filter_tag])
    err = count_list(txn, &q->lists[q->filter_tag], d);
  for (size_t t = 0; !err && t < q->nlists; t++) {
    double df = (double)q->lists[t].n, N = (double)ndocs;
    q->lists[t].idf = log(1 + (N - df + 0.5) / (df + 0.5));
  }
  double avgdl = ndocs ? (double)toklen / (double)ndocs : 1;
  if (avgdl <= 0)
    avgdl = 1;
  size_t cap = page * psize, nheap = 0;
  if (!err && !(heap = malloc(cap * sizeof *heap)))
    err = kb_fail(d, KB_ENOMEM, "search: out of memory");
  bool present[MAX_TERMS], required[MAX_TERMS], drive[MAX_TERMS];
  double ts[MAX_TERMS];
  size_t cur[MAX_TERMS] = {0};
  /* Block-max needs scores that only grow with tf and shrink with length. */
  bool blockmax = !k->p.exhaustive && k->p.k1 > 0 && k->p.b >= 0 &&
                  k->p.b <= 1 && k->p.title_boost >= 0 &&
                  k->p.synonym_weight >= 0;
  bool used[MAX_TERMS];
  if (!err) {
    prune_dead_alts(q, false);
    plan_lists(q, required, drive);
    /* Lists of dropped alternatives are never looked at. */
    memset(used, 0, q->nlists * sizeof *used);
    for (size_t c = 0; c < q->ncl; c++)
      for (size_t a = 0; a < q->cl[c].nalt; a++)
        for (size_t t = 0; t < q->cl[c].alts[a].n; t++)
          used[q->cl[c].alts[a].term[t]] = true;
    if (q->filter_cat >= 0)
      used[q->filter_cat] = true;
    if (q->filter_tag >= 0)
      used[q->filter_tag] = true;
    for (size_t t = 0; t < q->nlists; t++)
      drive[t] &= used[t];
  }
  /* Driving lists are read whole; the others seek to each candidate (a
   * rare term driving a common one reads a few chunks of it). */
  bool single = !err && single_term(q);
  /* exhaustive keeps the general loop: the reference the tests compare
   * one_clause_loop with. */
  bool one = !err && !single && !k->p.exhaustive && one_clause(q);
  for (size_t t = 0; !err && t < q->nlists; t++) {
    plist *p = &q->lists[t];
    if (drive[t] && !single && !one)
      err = load_list(k, txn, p, avgdl, d);
    else if (store_kb_post_open(txn, p->term, p->tlen, &p->lazy))
      err = kb_fail(d, KB_ESTORE, "kb index: %s", store_last_error());
  }
  if (single) {
    /* Scored straight off the store cursor, chunk by chunk: once the heap
     * is full, a chunk whose bound cannot beat its weakest hit is skipped
     * unread (its ids are all higher, so a tie loses too) and only
     * counted. */
    plist *p = &q->lists[q->cl[0].alts[0].term[0]];
    uint64_t id;
    const void *val;
    store_kb_bound b;
    int serr;
    while ((serr = store_kb_post_block(p->lazy, &b)) == 0) {
      out->total += b.count;
      if (blockmax && nheap == cap &&
          bound_score(k, p, &b, avgdl) <= heap[0].score) {
        store_kb_post_skip_block(p->lazy);
        continue;
      }
      for (size_t i = 0; i < b.count; i++) {
        if ((serr = store_kb_post_next(p->lazy, &id, &val, &p->lvlen)))
          break;
        p->lval = val;
        heap_push(heap, &nheap, cap, (hit){id, bm25(k, p, avgdl)});
      }
      if (serr)
        break;
    }
    if (serr != STORE_ENOTFOUND)
      err = kb_fail(d, KB_ESTORE, "kb index: %s", store_last_error());
  }
  if (!err && one)
    one_clause_loop(k, q, drive, blockmax, avgdl, heap, &nheap, cap,
                    &out->total);
  while (!err && !single && !one) {
    /* Next candidate: the smallest id at the head of a driving list. */
    uint64_t next = UINT64_MAX;
    for (size_t t = 0; t < q->nlists; t++)
      if (drive[t] && cur[t] < q->lists[t].n && q->lists[t].ids[cur[t]] < next)
        next = q->lists[t].ids[cur[t]];
    if (next == UINT64_MAX)
      break;
    bool all = true;
    for (size_t t = 0; t < q->nlists; t++) {
      if (drive[t] && cur[t] < q->lists[t].n && q->lists[t].ids[cur[t]] == next)
        cur[t]++;
      present[t] = used[t] && at_doc(&q->lists[t], next);
      all &= !required[t] || present[t];
    }
    if (!all)
      continue;
    if ((q->filter_cat >= 0 && !present[q->filter_cat]) ||
        (q->filter_tag >= 0 && !present[q->filter_tag]))
      continue;
    double score = 0;
    if (blockmax && nheap == cap) {
      /* Matching is decided on bounds already; the article is scored only
       * when its bound could enter the heap (ids only grow, so a tie with
       * the weakest hit loses). */
      for (size_t t = 0; t < q->nlists; t++)
        if (present[t])
          ts[t] = list_bound(k, &q->lists[t], avgdl);
      if (!judge(q, present, ts, true, &score))
        continue;
      out->total++;
      if (score <= heap[0].score)
        continue;
    }
    for (size_t t = 0; t < q->nlists; t++)
      if (present[t])
        ts[t] = bm25(k, &q->lists[t], avgdl);
    if (judge(q, present, ts, false, &score)) {
      if (!(blockmax && nheap == cap))
        out->total++;
      heap_push(heap, &nheap, cap, (hit){next, score});
    }
  }
  for (size_t t = 0; !err && t < q->nlists; t++)
    if (q->lists[t].lerr)
      err = kb_fail(d, KB_ESTORE, "kb index: %s", store_last_error());
  if (!err) {
    qsort(heap, nheap, sizeof *heap, cmp_hit);
    size_t from = (page - 1) * psize;
    size_t n = nheap > from ? nheap - from : 0;
    if (n) {
      out->hits = calloc(n, sizeof *out->hits);
      if (!out->hits)
        err = kb_fail(d, KB_ENOMEM, "search: out of memory");
    }
    for (size_t h = 0; !err && h < n; h++) {
      err = fill_hit(k, txn, q, kq, &heap[from + h], &out->hits[h], d);
      out->n = h + 1;
    }
  }
  free(heap);
  query_destroy(q);
  free(q);
  return err;
}
