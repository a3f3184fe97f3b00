/*
 * tokenize.c — the search tokenizer of the knowledge base (nlp_tokenize).
 *
 * Chinese has no spaces, so words come from the Aho–Corasick dictionary
 * (the *.dict files of data/dict: product and process terms) by
 * leftmost-longest matching; text between dictionary words is cut into
 * character bigrams, which find any two-character word the dictionary lacks at
 * the price of some noise that BM25's idf mostly absorbs.  Latin words and
 * numbers are kept whole and lower-cased ("LPR" = "lpr", "3.5").
 *
 * Index and query must agree: both sides run the same code, and the query
 * side (NLP_TOK_NOSUB) differs only in not adding SUB tokens.  SUB tokens
 * make a long dictionary word findable by its parts ("保函" inside
 * "履约保函", bigram "资金" inside "流动资金贷款"); they take the position
 * of their word, so phrase matching over TERM positions is unchanged and a
 * document's length counts positions, not tokens.
 */
#include <stdlib.h>
#include <string.h>

#include "nlp/nlp.h"
#include "nlp/nlp_internal.h"

#define TOK_WORD_MAX 64 /* bytes kept of one Latin word */

void nlp_tokens_init(nlp_tokens *t) {
  memset(t, 0, sizeof *t);
}

void nlp_tokens_reset(nlp_tokens *t) {
  t->n = 0;
  t->blen = 0;
  t->npos = 0;
}

void nlp_tokens_destroy(nlp_tokens *t) {
  free(t->v);
  free(t->buf);
  memset(t, 0, sizeof *t);
}

static bool is_cjk(uint32_t cp) {
  return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F);
}

/* Letters and digits of words kept whole; cp already full-width folded. */
static bool is_wordch(uint32_t cp) {
  if (cp < 0x80)
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
           (cp >= 'A' && cp <= 'Z');
  if (is_cjk(cp))
    return false;
  /* General and CJK punctuation, symbols, spaces, half/full-width forms
   * other than letters separate words; other scripts' letters join them. */
  if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
      (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 ||
      nlp_is_uspace(cp) || nlp_is_zerowidth(cp))
    return false;
  return true;
}

static bool is_digit(uint32_t cp) {
  return cp >= '0' && cp <= '9';
}

static int tok_push(nlp_tokens *t, const char *s, size_t len, bool fold,
                    size_t begin, size_t end, uint32_t pos, uint8_t kind) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    nlp_token *v = realloc(t->v, cap * sizeof *v);
    if (!v)
      return NLP_ENOMEM;
    t->v = v;
    t->cap = cap;
  }
  if (t->blen + len > t->bcap) {
    size_t cap = t->bcap ? t->bcap * 2 : 512;
    while (cap < t->blen + len)
      cap *= 2;
    char *b = realloc(t->buf, cap);
    if (!b)
      return NLP_ENOMEM;
    t->buf = b;
    t->bcap = cap;
  }
  char *d = t->buf + t->blen;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (fold && c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    d[i] = c;
  }
  t->v[t->n++] = (nlp_token){.begin = begin,
                             .end = end,
                             .pos = pos,
                             .off = (uint32_t)t->blen,
                             .len = (uint32_t)len,
                             .kind = kind};
  t->blen += len;
  return 0;
}

/* Dictionary matches of the whole text, collected before the walk. */
typedef struct {
  nlp_match *v;
  size_t n, cap;
  bool oom;
} match_list;

static int collect(void *ctx, const nlp_match *m) {
  match_list *l = ctx;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 32;
    nlp_match *v = realloc(l->v, cap * sizeof *v);
    if (!v) {
      l->oom = true;
      return 1;
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = *m;
  return 0;
}

typedef struct {
  bool found;
  nlp_match m;
} first_match;

static int take_first(void *ctx, const nlp_match *m) {
  first_match *f = ctx;
  f->found = true;
  f->m = *m;
  return 1;
}

/* SUB tokens of the dictionary word text[b, e) at position pos: for each
 * character start, the longest shorter word starting there, then every
 * bigram that is not already one of those words. */
static int add_subs(const nlp_dict *dict, const char *text, size_t b, size_t e,
                    uint32_t pos, nlp_tokens *out) {
  size_t first_sub = out->n;
  size_t starts[64], ns = 0;
  for (size_t j = b; j < e && ns < 64;) {
    starts[ns++] = j;
    uint32_t cp;
    size_t l = nlp_utf8_decode(text + j, e - j, &cp);
    j += l ? l : 1;
  }
  if (ns < 2)
    return 0; /* a one-character word has no parts */
  for (size_t k = 0; k < ns; k++) {
    size_t j = starts[k];
    first_match f = {0};
    if (nlp_dict_scan(dict, text + j, e - j, take_first, &f) < 0)
      continue;
    if (!f.found || f.m.begin != 0 || (j == b && j + f.m.end == e))
      continue;
    int err = tok_push(out, text + j, f.m.end, true, j, j + f.m.end, pos,
                       NLP_TOK_SUB);
    if (err)
      return err;
  }
  for (size_t k = 0; k + 1 < ns; k++) {
    size_t s0 = starts[k], s1 = k + 2 < ns ? starts[k + 2] : e;
    if (ns == 2)
      break; /* the bigram is the word itself */
    bool dup = false;
    for (size_t x = first_sub; x < out->n && !dup; x++)
      dup = out->v[x].len == s1 - s0 &&
            !memcmp(out->buf + out->v[x].off, text + s0, s1 - s0);
    if (dup)
      continue;
    int err =
        tok_push(out, text + s0, s1 - s0, false, s0, s1, pos, NLP_TOK_SUB);
    if (err)
      return err;
  }
  return 0;
}

/* Bigrams (or a unigram) of the CJK run text[b, e). */
static int add_cjk_run(const char *text, size_t b, size_t e, nlp_tokens *out) {
  size_t prev = b, cur = b;
  uint32_t cp;
  cur += nlp_utf8_decode(text + cur, e - cur, &cp);
  if (cur >= e)
    return tok_push(out, text + b, e - b, false, b, e, out->npos++,
                    NLP_TOK_UNI);
  while (cur < e) {
    size_t next = cur + nlp_utf8_decode(text + cur, e - cur, &cp);
    int err = tok_push(out, text + prev, next - prev, false, prev, next,
                       out->npos++, NLP_TOK_BIGRAM);
    if (err)
      return err;
    prev = cur;
    cur = next;
  }
  return 0;
}

/* A whole word text[b, e): full-width folded, lower-cased, capped. */
static int add_word(const char *text, size_t b, size_t e, nlp_tokens *out) {
  char w[TOK_WORD_MAX];
  size_t n = 0;
  for (size_t i = b; i < e;) {
    uint32_t cp;
    size_t l = nlp_utf8_decode(text + i, e - i, &cp);
    cp = nlp_fold_fullwidth(cp);
    char enc[4];
    size_t el;
    if (cp < 0x80) {
      enc[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp - 'A' + 'a' : cp);
      el = 1;
    } else {
      el = nlp_utf8_encode(cp, enc);
    }
    if (n + el > sizeof w)
      break;
    memcpy(w + n, enc, el);
    n += el;
    i += l;
  }
  return tok_push(out, w, n, false, b, e, out->npos++, NLP_TOK_WORD);
}

int nlp_tokenize(const nlp_dict *dict, const char *text, size_t len,
                 unsigned flags, nlp_tokens *out, size_t *bad_off) {
  if (!nlp_utf8_valid(text, len, bad_off))
    return NLP_EUTF8;
  match_list ml = {0};
  if (dict && nlp_dict_size(dict) > 0) {
    int err = nlp_dict_scan(dict, text, len, collect, &ml);
    if (ml.oom || err < 0) {
      free(ml.v);
      return ml.oom ? NLP_ENOMEM : err;
    }
  }
  size_t n0 = out->n, b0 = out->blen;
  uint32_t p0 = out->npos;
  int err = 0;
  size_t i = 0, mi = 0;
  while (i < len && !err) {
    size_t stop = mi < ml.n ? ml.v[mi].begin : len;
    if (i == stop && mi < ml.n) {
      const nlp_match *m = &ml.v[mi++];
      uint32_t pos = out->npos++;
      err = tok_push(out, text + m->begin, m->end - m->begin, true, m->begin,
                     m->end, pos, NLP_TOK_TERM);
      if (!err && !(flags & NLP_TOK_NOSUB))
        err = add_subs(dict, text, m->begin, m->end, pos, out);
      i = m->end;
      continue;
    }
    uint32_t cp;
    size_t l = nlp_utf8_decode(text + i, len - i, &cp);
    cp = nlp_fold_fullwidth(cp);
    if (is_cjk(cp)) {
      size_t e = i + l;
      while (e < stop) {
        size_t l2 = nlp_utf8_decode(text + e, stop - e, &cp);
        if (!is_cjk(cp))
          break;
        e += l2;
      }
      err = add_cjk_run(text, i, e, out);
      i = e;
    } else if (is_wordch(cp)) {
      size_t e = i + l;
      uint32_t prev = cp;
      while (e < stop) {
        uint32_t c2;
        size_t l2 = nlp_utf8_decode(text + e, stop - e, &c2);
        c2 = nlp_fold_fullwidth(c2);
        if (c2 == '.' && is_digit(prev) && e + 1 < stop &&
            is_digit((unsigned char)text[e + 1])) {
          e += 1; /* decimal point inside a number */
          prev = '.';
          continue;
        }
        if (!is_wordch(c2))
          break;
        prev = c2;
        e += l2;
      }
      err = add_word(text, i, e, out);
      i = e;
    } else {
      i += l;
    }
  }
  free(ml.v);
  if (err) {
    out->n = n0;
    out->blen = b0;
    out->npos = p0;
  }
  return err;
}
