/*
 * extract.c — turns one document (title + text) into events with DuEE-Fin
 * arguments, driven entirely by the loaded rules (nlp/rules.c).
 *
 * How it works, per document:
 *  1. The title and the text are cut into segments (sentences: the title is
 *     segment 0, the text is cut at 。！？ and newlines); the text ends at
 *     the first match of the rules' "cut" patterns (lists of other
 *     articles appended below a news story).
 *  2. Document context: the subject (first hit of the rules' "subject"
 *     patterns on the title, then the opening sentences, else the first
 *     known enterprise of the dictionary) and in-document aliases
 *     (以下简称"X"), found by the rules' "alias" patterns run only around
 *     their anchor word.
 *  3. One Aho–Corasick pass finds every trigger word; for each hit the rules
 *     of that word run, in priority order, on a bounded window of its
 *     sentence; the first match that covers the hit makes an event of the
 *     rule's type whose arguments come from the named capture groups.
 *  4. Events of one type whose arguments do not contradict each other are
 *     merged (one real event is usually told several times: title, lead,
 *     body), which also removes identical duplicates; an event told in the
 *     title takes the position of the first body event it absorbs.
 *  5. Roles still empty are filled document-level by the "fill" directives
 *     (same sentence, a window of sentences around the trigger, the title,
 *     the whole document, or the document subject), and the merge runs
 *     again.  Merging before filling is what keeps filling cheap: the
 *     expensive part runs once per real event, not once per trigger hit.
 *
 * Argument text is always a byte span of the title or the text, copied
 * verbatim.  Per call there is one match data block; the rules are only read,
 * so threads can share them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/rules_internal.h"

#define EX_MAX_ARGS NLP_MAX_ARGS /* roles per event (the schema has ≤ 9) */
#define EX_MAX_HITS 4096    /* trigger hits examined per document */
#define EX_MAX_EVENTS 256   /* events per document before merging */
/* First sizes of the hit and event arrays, doubled up to the maxima: most
 * documents have a few dozen hits, and allocating the maxima (400 KB) per
 * document made glibc return and re-fault that memory on every call (a
 * fifth of the extractor's time went to the kernel).  Everything a call
 * allocates stays under glibc's default trim threshold (128 KB) for the
 * same reason, hence also the size of the fill cache (EX_FC_SLOTS). */
#define EX_HITS0 256
#define EX_EVENTS0 16
/* Bytes before / after a hit a rule may see: announcements put a trigger's
 * arguments within a clause or two of it, and the bound keeps the cost of
 * a hit in a very long sentence constant. */
#define EX_WINDOW_BEFORE 300
#define EX_WINDOW_AFTER 450
#define EX_SEG_SCAN 3000    /* bytes of one sentence a fill may search */
/* Sentences a "doc" fill searches: what it looks for (when the news was
 * published or disclosed) is told in the opening, and searching every
 * sentence of a long announcement that lacks it is the most expensive
 * single fill. */
#define EX_DOC_SEGS 10
#define EX_END_SEGS 4 /* closing sentences an "end" fill searches */
#define EX_SUBJECT_SEGS 3   /* opening sentences searched for the subject */
#define EX_SUBJECT_SCAN 450 /* bytes of each of them: names come first */
#define EX_ALIAS_BEFORE 300 /* bytes before an alias anchor the name may sit */
#define EX_ALIAS_AFTER 120
#define EX_MAX_ALIASES 64
#define EX_FC_SLOTS 256   /* fill-match cache entries per document (53 KB) */
#define EX_FC_MATCHES 8   /* matches remembered per (pattern, sentence) */
#define EX_RM_SLOTS 32    /* rule searches remembered per document */

typedef struct ex_span {
  size_t b, e;
  int title; /* span in the title rather than the text */
} ex_span;

typedef struct ex_arg {
  const char *role;
  ex_span s;
  const char *constval; /* from "set"; s unused then */
  int norm;
} ex_arg;

typedef struct ex_event {
  const char *type;
  ex_span trig;
  int seg;
  double conf;
  ex_arg a[EX_MAX_ARGS];
  int na;
  int dropped;  /* arguments refused because a[] was full */
  int dead;     /* merged into another event */
  int headline; /* told in the title (also after taking a body position) */
  /* the role a "split" rule cut this event's list at (interned), or NULL:
   * one item of a list merges only with events that name that role */
  const char *split;
} ex_event;

typedef struct ex_alias {
  ex_span shortname, full;
} ex_alias;

/* The matches of one fill pattern in one sentence: several events (and
 * several event types sharing a pattern) search the same sentences.  The
 * matches are found lazily, in order, as far as a caller needs them (most
 * only need the first): next is where the search goes on, done says that
 * no further match will be added. */
typedef struct ex_fcache {
  size_t seg;
  size_t next;
  int n, done;
  ex_span m[EX_FC_MATCHES];
} ex_fcache;

/* Which characters occur in a sentence, as 256 bits indexed by the low 8
 * bits of the code point (nlp_cmask_add); done says it has been made. */
typedef struct ex_cmask {
  uint64_t m[4];
  int done;
} ex_cmask;

/* What a rule's searches in one sentence have shown: no match of re in
 * src[..to) starts in [a, b).  Hits close together in one sentence search
 * overlapping windows with the same rule (a results table says 亏损 every
 * few characters; a guarantee rule looks 160 characters back). */
typedef struct ex_rmemo {
  const pcre2_code *re; /* NULL: empty slot */
  size_t si, to, a, b;
} ex_rmemo;

typedef struct ex_hit {
  size_t w; /* trigger word index */
  ex_span s;
} ex_hit;

/* Per-call working state. */
typedef struct ex_doc {
  const nlp_rules *r;
  const nlp_dict *dict;
  const char *text, *title;
  size_t len, tlen;
  const char *pub;
  ex_span *segs;
  size_t nsegs;
  ex_cmask *cmask; /* per sentence, made on the first need check (or NULL) */
  int subject_done, has_subject;
  ex_span subject;
  /* document-wide fill searches already made: the shared code, and the
   * result (found flag and span) */
  struct {
    const pcre2_code *re;
    int scope; /* NLP_SCOPE_DOC or NLP_SCOPE_END: one pattern may serve both */
    int found;
    ex_span s;
  } doc_cache[32];
  size_t ndoc_cache;
  ex_alias aliases[EX_MAX_ALIASES];
  size_t naliases;
  ex_hit *hits;
  size_t nhits, caphits;
  int oom; /* an array could not grow */
  int hits_title; /* scanning the title (callback context) */
  int filled;     /* the fills have run (ex_split_apart) */
  ex_event *ev;
  size_t nev, capev;
  ex_fcache *fc; /* EX_FC_SLOTS entries, direct-mapped, uninitialised */
  const pcre2_code **fckey; /* pattern of each entry, NULL when empty:
                               only this small array is zeroed per call */
  pcre2_match_data *md;
  pcre2_match_context *mc; /* carries the offset limit of rule matches */
  ex_rmemo rmemo[EX_RM_SLOTS]; /* direct-mapped by (pattern, sentence) */
} ex_doc;

/* Result storage: one chunk list, released at once. */
typedef struct ex_chunk {
  struct ex_chunk *next;
  size_t used, cap;
  char data[];
} ex_chunk;

static void *ex_alloc(nlp_result *res, size_t n) {
  ex_chunk *c = res->priv;
  n = (n + 15) & ~(size_t)15;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > 16384 ? n : 16384;
    ex_chunk *nc = malloc(sizeof *nc + cap);
    if (!nc)
      return NULL;
    nc->next = c;
    nc->used = 0;
    nc->cap = cap;
    res->priv = nc;
    c = nc;
  }
  void *p = c->data + c->used;
  c->used += n;
  return p;
}

static char *ex_strndup(nlp_result *res, const char *s, size_t n) {
  char *p = ex_alloc(res, n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = 0;
  }
  return p;
}

static const char *ex_src(const ex_doc *d, int title) {
  return title ? d->title : d->text;
}

static int ex_span_eq(const ex_doc *d, ex_span a, ex_span b) {
  size_t n = a.e - a.b;
  return n == b.e - b.b && !memcmp(ex_src(d, a.title) + a.b,
                                   ex_src(d, b.title) + b.b, n);
}

/* ---- segments ------------------------------------------------------------- */

/* 。！？ end a sentence; so does a newline. */
static size_t ex_stop_len(const unsigned char *p, size_t left) {
  if (*p == '\n')
    return 1;
  if (left >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x82)
    return 3;
  if (left >= 3 && p[0] == 0xEF && p[1] == 0xBC && (p[2] == 0x81 || p[2] == 0x9F))
    return 3;
  return 0;
}

/* Non-zero when one of the eight bytes of w is c (the classic test for a
 * zero byte, on w ^ c repeated; it may flag a byte above a true one too,
 * which only sends the caller to its byte loop a little early). */
static uint64_t ex_has_byte(uint64_t w, unsigned char c) {
  uint64_t x = w ^ (0x0101010101010101ULL * c);
  return (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
}

static int ex_segments(ex_doc *d) {
  size_t cap = 16;
  d->segs = malloc(cap * sizeof *d->segs);
  if (!d->segs)
    return NLP_ENOMEM;
  d->nsegs = 0;
  if (d->tlen)
    d->segs[d->nsegs++] = (ex_span){0, d->tlen, 1};
  const unsigned char *t = (const unsigned char *)d->text;
  size_t start = 0;
  for (size_t i = 0; i <= d->len;) {
    /* every byte of the text passes here: skip those that cannot start a
     * stop (LF, or the lead byte E3 / EF of 。 and ！？) without a call,
     * eight at a time while none of the eight is such a byte */
    while (i + 8 <= d->len) {
      uint64_t w;
      memcpy(&w, t + i, 8);
      if (ex_has_byte(w, '\n') | ex_has_byte(w, 0xE3) | ex_has_byte(w, 0xEF))
        break;
      i += 8;
    }
    while (i < d->len && t[i] != '\n' && t[i] != 0xE3 && t[i] != 0xEF)
      i++;
    size_t k = i < d->len ? ex_stop_len(t + i, d->len - i) : 1;
    if (!k) {
      i++;
      continue;
    }
    if (i > start) {
      if (d->nsegs == cap) {
        cap *= 2;
        ex_span *p = realloc(d->segs, cap * sizeof *p);
        if (!p)
          return NLP_ENOMEM;
        d->segs = p;
      }
      d->segs[d->nsegs++] = (ex_span){start, i, 0};
    }
    i += k;
    start = i;
  }
  return 0;
}

static int ex_seg_of(const ex_doc *d, ex_span s) {
  if (s.title)
    return 0;
  size_t lo = d->tlen ? 1 : 0, hi = d->nsegs;
  while (lo < hi) { /* first segment ending after s.b */
    size_t mid = (lo + hi) / 2;
    if (d->segs[mid].e <= s.b)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < d->nsegs ? (int)lo : (int)d->nsegs - 1;
}

/* Moves a byte offset back / forward to a code-point boundary. */
static size_t ex_back(const char *s, size_t off) {
  while (off > 0 && ((unsigned char)s[off] & 0xC0) == 0x80)
    off--;
  return off;
}

/* ---- matching helpers ----------------------------------------------------- */

/* The characters of sentence si (nlp_cmask_add), made on first use; NULL
 * when out of memory (callers then search without it). */
static const ex_cmask *ex_cmask_of(ex_doc *d, size_t si) {
  if (!d->cmask) {
    d->cmask = calloc(d->nsegs ? d->nsegs : 1, sizeof *d->cmask);
    if (!d->cmask)
      return NULL;
  }
  ex_cmask *c = &d->cmask[si];
  if (!c->done) {
    ex_span sg = d->segs[si];
    nlp_cmask_add(c->m, (const unsigned char *)ex_src(d, sg.title) + sg.b,
                  sg.e - sg.b);
    c->done = 1;
  }
  return c;
}

/* Whether every character of w occurs in sentence c (always true without
 * a mask). */
static int ex_may_occur(const ex_cmask *c, const nlp_needw *w) {
  return !c || (!(w->m[0] & ~c->m[0]) && !(w->m[1] & ~c->m[1]) &&
                !(w->m[2] & ~c->m[2]) && !(w->m[3] & ~c->m[3]));
}

/* Whether s[0..n) contains one of the words of a "need=" option (always
 * true without one): memmem over a sentence is far cheaper than a pattern
 * that must be tried from every position of it. */
static int ex_has_need_memmem(const nlp_need *need, const char *s, size_t n) {
  for (size_t i = 0; i < need->n; i++)
    if (memmem(s, n, need->w[i].w, need->w[i].len))
      return 1;
  return 0;
}

/* ex_has_need on a part of sentence si: a word with a character that the
 * sentence lacks cannot occur (nlp_cmask_add), and most need checks end
 * there with a few bit tests instead of a memmem per word over the
 * sentence.  The sentence's set is made on its first check. */
static int ex_has_need(ex_doc *d, size_t si, const nlp_need *need,
                       const char *s, size_t n) {
  if (!need)
    return 1;
  const ex_cmask *c = ex_cmask_of(d, si);
  if (!c) /* out of memory: the plain search is still right */
    return ex_has_need_memmem(need, s, n);
  for (size_t i = 0; i < need->n; i++) {
    const nlp_needw *w = &need->w[i];
    if (ex_may_occur(c, w) && memmem(s, n, w->w, w->len))
      return 1;
  }
  return 0;
}

/* Whether s[0..n) of sentence si holds a word of each of a pattern's
 * required sets (nlp_rule.req): without one the pattern cannot match in a
 * search that starts at s and ends at s + n, since every match contains
 * such a word in the text it consumes. */
static int ex_has_req(ex_doc *d, size_t si, nlp_need *const req[NLP_REQ_MAX],
                      const char *s, size_t n) {
  for (size_t k = 0; k < NLP_REQ_MAX && req[k]; k++)
    if (!ex_has_need(d, si, req[k], s, n))
      return 0;
  return 1;
}

/* pcre2_match through the JIT fast path: pcre2_jit_match skips the checks
 * and set-up of pcre2_match (which costs as much as a short failing search:
 * 1.5% of the extractor's instructions), and every rule pattern is
 * JIT-compiled at load.  A pattern whose JIT compilation failed answers
 * PCRE2_ERROR_JIT_BADOPTION and goes through the interpreter. */
static int ex_pcre(ex_doc *d, const pcre2_code *re, const char *src, size_t to,
                   size_t start, pcre2_match_context *mc) {
  int rc = pcre2_jit_match(re, (PCRE2_SPTR)src, to, start, PCRE2_NO_UTF_CHECK,
                           d->md, mc);
  if (rc == PCRE2_ERROR_JIT_BADOPTION)
    rc = pcre2_match(re, (PCRE2_SPTR)src, to, start, PCRE2_NO_UTF_CHECK, d->md,
                     mc);
  return rc;
}

/* Runs re on src[from..to) starting at start; returns >0 on a match. */
static int ex_match(ex_doc *d, const pcre2_code *re, const char *src,
                    size_t to, size_t start) {
  return ex_pcre(d, re, src, to, start, NULL);
}

/* The same, but the match may not start after byte `limit`: a rule's match
 * must contain its trigger hit, so starts beyond the hit are never worth
 * trying (without the bound an unanchored search goes on trying every
 * position up to the end of the window when nothing covers the hit). */
static int ex_match_upto(ex_doc *d, const pcre2_code *re, const char *src,
                         size_t to, size_t start, size_t limit) {
  pcre2_set_offset_limit(d->mc, limit);
  return ex_pcre(d, re, src, to, start, d->mc);
}

/* Ends the text read at the first match of the rules' "cut" patterns:
 * news pages append lists of other articles after the story (a headline,
 * a summary cut off with "...", the time it was posted), and the events of
 * those headlines are not the document's. */
static void ex_cut(ex_doc *d) {
  for (size_t i = 0; i < d->r->ncuts; i++)
    if (ex_pcre(d, d->r->cuts[i], d->text, d->len, 0, NULL) > 0) {
      size_t b = pcre2_get_ovector_pointer(d->md)[0];
      if (b < d->len)
        d->len = b;
    }
}

/* Where the next occurrence of w in src[from..to) begins, (size_t)-1 when
 * there is none. */
static size_t ex_next_word(const char *src, size_t from, size_t to,
                           const nlp_needw *w) {
  const char *hit =
      from < to ? memmem(src + from, to - from, w->w, w->len) : NULL;
  return hit ? (size_t)(hit - src) : (size_t)-1;
}

/* The first match of re in src[start..to) (sentence si) that starts at or
 * before `limit`, given words with a lead: "lead=N" after need=, or the
 * words every match begins with (nlp_rule.starts, lead 0).  Only the starts
 * in the N characters before each occurrence of a word are tried,
 * occurrences in order.  Every match starts at most N characters before an
 * occurrence (the rule writer's promise, or read from the pattern), and the
 * windows are tried left to right, never a start twice, so the first match
 * found is the leftmost one, as the plain search would find it: a pattern
 * that opens with a look-behind, a name class or CJK words has no start
 * PCRE2 can skip to, and is otherwise tried from every position.  Without
 * such words (NULL, or lead < 0), one plain search. */
static int ex_search(ex_doc *d, const pcre2_code *re, const nlp_need *need,
                     size_t si, const char *src, size_t start, size_t to,
                     size_t limit) {
  size_t pos[64]; /* next occurrence of each word, (size_t)-1: none */
  if (!need || need->lead < 0 || need->n > sizeof pos / sizeof pos[0])
    return limit < to ? ex_match_upto(d, re, src, to, start, limit)
                      : ex_match(d, re, src, to, start);
  const ex_cmask *cm = ex_cmask_of(d, si);
  size_t tried = start; /* every start below this has been tried */
  for (size_t i = 0; i < need->n; i++)
    pos[i] = ex_may_occur(cm, &need->w[i])
                 ? ex_next_word(src, tried, to, &need->w[i])
                 : (size_t)-1;
  for (;;) {
    size_t q = (size_t)-1;
    for (size_t i = 0; i < need->n; i++) {
      if (pos[i] < tried)
        pos[i] = ex_next_word(src, tried, to, &need->w[i]);
      if (pos[i] < q)
        q = pos[i];
    }
    if (q == (size_t)-1)
      return PCRE2_ERROR_NOMATCH;
    size_t ws = q;
    for (int k = 0; k < need->lead && ws > tried; k++)
      ws = ex_back(src, ws - 1);
    if (ws > limit)
      return PCRE2_ERROR_NOMATCH;
    int rc = ex_match_upto(d, re, src, to, ws, q < limit ? q : limit);
    if (rc > 0)
      return rc;
    tried = q + 1;
    while (tried < to && ((unsigned char)src[tried] & 0xC0) == 0x80)
      tried++;
  }
}

/* The words a pattern's search may skip ahead to: the line's own
 * "need=… lead=N", else the words every match begins with. */
static const nlp_need *ex_lead_words(const nlp_need *need,
                                     const nlp_need *starts) {
  return need && need->lead >= 0 ? need : starts;
}

static int ex_group(const ex_doc *d, uint32_t g, size_t *b, size_t *e) {
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
  if (g >= pcre2_get_ovector_count(d->md) || ov[2 * g] == PCRE2_UNSET)
    return 0;
  *b = ov[2 * g];
  *e = ov[2 * g + 1];
  return *e > *b;
}

/* The first set group of a name's groups (one per alternative). */
static int ex_group_of(const ex_doc *d, const nlp_gnums *g, size_t *b,
                       size_t *e) {
  for (size_t k = 0; k < NLP_GNUMS_MAX && g->n[k]; k++)
    if (ex_group(d, g->n[k], b, e))
      return 1;
  return 0;
}

static int ex_has_role(const ex_event *ev, const char *role) {
  for (int i = 0; i < ev->na; i++)
    if (ev->a[i].role == role)
      return 1;
  return 0;
}

/* Appends an argument, or counts it as dropped when the event is full: a
 * silent cap would hide a rule-writing mistake (issue 8, limits). */
static void ex_push_arg(ex_event *ev, ex_arg a) {
  if (ev->na < EX_MAX_ARGS)
    ev->a[ev->na++] = a;
  else
    ev->dropped++;
}

static int ex_arg_agree(const ex_doc *d, const ex_arg *a, const ex_arg *b);

/* Whether ev holds, in x's role, a value from the text with x's text (or,
 * with agree, one agreeing with it: ex_arg_agree). */
static int ex_has_text(const ex_doc *d, const ex_event *ev, const ex_arg *x,
                       int agree) {
  for (int i = 0; i < ev->na; i++) {
    const ex_arg *a = &ev->a[i];
    if (a->role == x->role && !a->constval &&
        (agree ? ex_arg_agree(d, a, x) : ex_span_eq(d, a->s, x->s)))
      return 1;
  }
  return 0;
}

static void ex_add_arg(ex_event *ev, const char *role, ex_span s, int norm) {
  if (!ex_has_role(ev, role))
    ex_push_arg(ev, (ex_arg){role, s, NULL, norm});
}

/* ---- document context ----------------------------------------------------- */

typedef struct ex_first_ent {
  size_t b, e;
  int found;
} ex_first_ent;

static int ex_first_ent_cb(void *ctx, const nlp_match *m) {
  ex_first_ent *f = ctx;
  if (m->kind != NLP_WORD_ENTERPRISE)
    return 0;
  f->b = m->begin;
  f->e = m->end;
  f->found = 1;
  return 1;
}

/* Found on first use only: most documents never need it. */
static void ex_find_subject(ex_doc *d) {
  const nlp_rules *r = d->r;
  if (d->subject_done)
    return;
  d->subject_done = 1;
  size_t nseg = d->nsegs < EX_SUBJECT_SEGS + 1 ? d->nsegs : EX_SUBJECT_SEGS + 1;
  for (size_t p = 0; p < r->nsubjects; p++) {
    for (size_t si = 0; si < nseg; si++) {
      ex_span sg = d->segs[si];
      if ((r->subjects[p].where == 1 && !sg.title) ||
          (r->subjects[p].where == 2 && sg.title))
        continue;
      const char *src = ex_src(d, sg.title);
      size_t to = sg.e - sg.b > EX_SUBJECT_SCAN
                      ? ex_back(src, sg.b + EX_SUBJECT_SCAN)
                      : sg.e;
      size_t b, e;
      if (ex_has_need(d, si, r->subjects[p].need, src + sg.b, to - sg.b) &&
          ex_has_req(d, si, r->subjects[p].req, src + sg.b, to - sg.b) &&
          ex_search(d, r->subjects[p].re,
                    ex_lead_words(r->subjects[p].need, r->subjects[p].starts),
                    si, src, sg.b, to, to) > 0 &&
          ex_group_of(d, &r->subjects[p].vgroup, &b, &e)) {
        d->subject = (ex_span){b, e, sg.title};
        d->has_subject = 1;
        return;
      }
    }
  }
  if (!d->dict)
    return;
  for (size_t si = 0; si < nseg; si++) {
    ex_span sg = d->segs[si];
    ex_first_ent f = {0};
    nlp_dict_scan(d->dict, ex_src(d, sg.title) + sg.b, sg.e - sg.b,
                  ex_first_ent_cb, &f);
    if (f.found) {
      d->subject = (ex_span){sg.b + f.b, sg.b + f.e, sg.title};
      d->has_subject = 1;
      return;
    }
  }
}

static void ex_find_aliases(ex_doc *d) {
  const nlp_rules *r = d->r;
  for (size_t p = 0; p < r->naliases; p++) {
    const nlp_docpat *ap = &r->aliases[p];
    size_t alen = strlen(ap->anchor);
    const char *hay = d->text;
    size_t pos = 0;
    while (d->naliases < EX_MAX_ALIASES && pos < d->len) {
      const char *hit = memmem(hay + pos, d->len - pos, ap->anchor, alen);
      if (!hit)
        break;
      size_t h = (size_t)(hit - hay);
      size_t from = h > EX_ALIAS_BEFORE ? ex_back(hay, h - EX_ALIAS_BEFORE) : 0;
      size_t to = h + alen + EX_ALIAS_AFTER < d->len
                      ? ex_back(hay, h + alen + EX_ALIAS_AFTER)
                      : d->len;
      size_t start = from;
      while (start < h && ex_match(d, ap->re, hay, to, start) > 0) {
        size_t vb, ve, fb, fe;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
        if (ov[1] > h && ex_group_of(d, &ap->vgroup, &vb, &ve) &&
            ex_group_of(d, &ap->fullgroup, &fb, &fe)) {
          d->aliases[d->naliases++] =
              (ex_alias){{vb, ve, 0}, {fb, fe, 0}};
          break;
        }
        /* the match ended before the anchor: retry after its start */
        size_t ns = ov[0] + 1;
        while (ns < to && ((unsigned char)hay[ns] & 0xC0) == 0x80)
          ns++;
        start = ns;
      }
      pos = h + alen;
    }
  }
}

/* ---- triggers and rules --------------------------------------------------- */

static int ex_hit_cb(void *ctx, const nlp_match *m) {
  ex_doc *d = ctx;
  if (d->nhits >= EX_MAX_HITS)
    return 1;
  if (d->nhits == d->caphits) {
    ex_hit *p = realloc(d->hits, 2 * d->caphits * sizeof *p);
    if (!p) {
      d->oom = 1;
      return 1;
    }
    d->hits = p;
    d->caphits *= 2;
  }
  d->hits[d->nhits++] =
      (ex_hit){(size_t)m->value, {m->begin, m->end, d->hits_title}};
  return 0;
}

/* Shortest title (bytes) whose copy at a line start counts as the title
 * repeated: a 3-character title such as "公告" could open any sentence. */
#define EX_REPEAT_TITLE_MIN 12

/* Whether a span of the text lies in a reposted headline: news pages
 * repeat the title at the top of the text ("原标题：…", up to the source
 * line or a run of spaces), and web pages put it there again (the <h1>
 * above the date / source line), which is a headline, not a body mention.
 * Counting such a copy as a body mention would anchor the merged event on
 * it, and the fills would search the lines around the headline instead of
 * the body sentence that holds the figures. */
static int ex_in_reposted_title(const ex_doc *d, ex_span s) {
  static const char mark[] = "原标题";
  if (s.title)
    return 0;
  ex_span sg = d->segs[ex_seg_of(d, s)];
  size_t b = sg.b;
  while (b < sg.e && (d->text[b] == ' ' || d->text[b] == '\t'))
    b++;
  if (d->tlen >= EX_REPEAT_TITLE_MIN && sg.e - b >= d->tlen &&
      s.e <= b + d->tlen && !memcmp(d->text + b, d->title, d->tlen))
    return 1; /* the title itself, at the start of the line */
  /* "(原标题：…)" / "（原标题：…）": the copy repeated in brackets below the
   * body is a headline as well */
  if (b < sg.e && d->text[b] == '(')
    b++;
  else if (sg.e - b >= 3 && !memcmp(d->text + b, "（", 3))
    b += 3;
  if (sg.e - b < sizeof mark - 1 || memcmp(d->text + b, mark, sizeof mark - 1))
    return 0;
  const char *p = d->text + b, *end = d->text + s.b;
  const char *cut = memmem(p, (size_t)(end - p), "  ", 2);
  if (!cut)
    cut = memmem(p, (size_t)(end - p), "来源", strlen("来源"));
  return cut == NULL;
}

/* ex_search for rule ru in sentence si, skipping the starts that an
 * earlier search of the same pattern in the same sentence and subject end
 * has shown to match nothing.  The leftmost match from a start is the same
 * whatever the search was bounded by before, so the result is the plain
 * search's. */
static int ex_rule_search(ex_doc *d, const nlp_rule *ru, size_t si,
                          const char *src, size_t start, size_t to,
                          size_t limit) {
  ex_rmemo *m =
      &d->rmemo[(((uintptr_t)ru->re >> 4) * 31u + si) % EX_RM_SLOTS];
  size_t a = start, from = start;
  if (m->re == ru->re && m->si == si && m->to == to && start >= m->a &&
      start <= m->b) {
    a = m->a;
    from = m->b;
    if (from > limit)
      return PCRE2_ERROR_NOMATCH;
  }
  int rc = ex_search(d, ru->re, ru->starts, si, src, from, to, limit);
  size_t end;
  if (rc > 0) {
    end = pcre2_get_ovector_pointer(d->md)[0];
  } else if (rc == PCRE2_ERROR_NOMATCH) {
    end = limit + 1; /* nothing starts in [from, limit] */
    while (end < to && ((unsigned char)src[end] & 0xC0) == 0x80)
      end++;
  } else {
    return rc; /* an error: remember nothing new */
  }
  *m = (ex_rmemo){ru->re, si, to, a, end};
  return rc;
}

/* Whether the tail of rule ru (nlp_rule.tail) matches from a start in
 * [from, hit end) with its trigger group overlapping the hit.  A match of
 * the rule covering the hit has its trigger overlapping the hit, and its
 * tail, the end of the pattern, is matched from the trigger's start as the
 * tail alone would be (the same first successful path: nothing follows
 * it), so without such a tail match trying the whole pattern from every
 * start is wasted.  A tail match at an earlier occurrence of a trigger word
 * in the window does not count (in a results table "亏损" comes every few
 * characters, and the whole pattern used to run, and fail, for each). */
static int ex_tail_covers(ex_doc *d, const nlp_rule *ru, const ex_hit *h,
                          const char *src, size_t from, size_t to) {
  size_t start = from;
  /* a trigger group of at most trig_max bytes that starts trig_max bytes
   * or more before the hit ends before it: no need to look there */
  if (ru->trig_max && h->s.b > from + (size_t)ru->trig_max)
    start = ex_back(src, h->s.b - (size_t)ru->trig_max + 1);
  while (start < h->s.e &&
         ex_match_upto(d, ru->tail, src, to, start, h->s.e - 1) > 0) {
    size_t tb, te;
    /* the tail opens with the trigger group: its group 1 */
    if (!ex_group(d, 1, &tb, &te) || (te > h->s.b && tb < h->s.e))
      return 1;
    start = pcre2_get_ovector_pointer(d->md)[0] + 1;
    while (start < to && ((unsigned char)src[start] & 0xC0) == 0x80)
      start++;
  }
  return 0;
}

/* Tries rule ru on the window around hit h; fills ev and returns 1 when a
 * match covers the hit. */
static int ex_try_rule(ex_doc *d, const nlp_rule *ru, const ex_hit *h,
                       ex_event *ev) {
  size_t si = (size_t)ex_seg_of(d, h->s);
  ex_span sg = d->segs[si];
  const char *src = ex_src(d, h->s.title);
  size_t from = sg.b, to = sg.e;
  size_t reach = (size_t)ru->reach < EX_WINDOW_BEFORE ? (size_t)ru->reach
                                                        : EX_WINDOW_BEFORE;
  if (h->s.b - from > reach)
    from = ex_back(src, h->s.b - reach);
  if (to - h->s.e > EX_WINDOW_AFTER)
    to = ex_back(src, h->s.e + EX_WINDOW_AFTER);
  /* a match that makes an event has its trigger group on the hit, so its
   * head (the part before the tail) ends before the hit's end and its rest
   * (after the trigger group) begins after the hit's start */
  if (!ex_has_need(d, si, ru->need, src + from, to - from) ||
      !ex_has_req(d, si, ru->hreq, src + from, h->s.e - from) ||
      !ex_has_req(d, si, ru->rreq, src + h->s.b, to - h->s.b) ||
      !ex_has_req(d, si, ru->req, src + from, to - from) ||
      (ru->tail && !ex_tail_covers(d, ru, h, src, from, to)))
    return 0;
  size_t start = from;
  while (start <= h->s.b) {
    int rc = ex_rule_search(d, ru, si, src, start, to, h->s.b);
    if (rc <= 0)
      return 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
    size_t tb = ov[0], te = ov[1];
    /* The match must contain the hit; the group "trig" (which may be
     * shorter than a longer dictionary word such as 质押给) only says
     * which part is reported as the trigger. */
    int covers = ov[0] <= h->s.b && ov[1] >= h->s.e;
    if (covers && ru->trig_group && ex_group(d, ru->trig_group, &tb, &te) &&
        (te <= h->s.b || tb >= h->s.e))
      covers = 0; /* the trigger of this match is another occurrence */
    if (covers) {
      memset(ev, 0, sizeof *ev);
      ev->type = ru->type;
      ev->trig = ru->trig_group ? (ex_span){tb, te, h->s.title} : h->s;
      ev->seg = (int)si;
      ev->headline = h->s.title || ex_in_reposted_title(d, h->s);
      ev->conf = ru->confidence;
      for (size_t g = 0; g < ru->ngmap; g++) {
        size_t b, e;
        if (!ex_group(d, ru->gmap[g].group, &b, &e))
          continue;
        ex_arg x = {ru->gmap[g].role, {b, e, h->s.title}, NULL,
                    ru->gmap[g].norm};
        if (ru->gmap[g].more && !ex_has_text(d, ev, &x, 0))
          ex_push_arg(ev, x);
        else
          ex_add_arg(ev, x.role, x.s, x.norm);
      }
      for (size_t k = 0; k < ru->nsets; k++)
        if (!ex_has_role(ev, ru->sets[k].role))
          ex_push_arg(ev, (ex_arg){ru->sets[k].role, {0, 0, 0},
                                   ru->sets[k].value, 0});
      return 1;
    }
    if (ov[0] > h->s.b)
      return 0;
    size_t ns = ov[1] > ov[0] ? ov[0] + 1 : ov[1] + 1;
    while (ns < to && ((unsigned char)src[ns] & 0xC0) == 0x80)
      ns++;
    start = ns;
  }
  return 0;
}

/* The matches (up to EX_FC_MATCHES, in order) of a fill pattern's group v
 * in one sentence, from the cache or computed into it: at least those up
 * to the first one that begins at or after byte `upto` (0: the first
 * match; (size_t)-1: all).  Searching on past what the caller needs is
 * what made the fills the extractor's largest cost: a match is found from
 * its start, and the sentence after the first match was searched again for
 * seven more that were rarely used. */
static const ex_fcache *ex_fill_matches(ex_doc *d, const nlp_fill *f,
                                        size_t si, size_t upto) {
  size_t h = (((uintptr_t)f->re >> 4) * 31u + si) % EX_FC_SLOTS;
  ex_fcache *c = &d->fc[h];
  ex_span sg = d->segs[si];
  const char *src = ex_src(d, sg.title);
  size_t to = sg.e - sg.b > EX_SEG_SCAN ? ex_back(src, sg.b + EX_SEG_SCAN)
                                        : sg.e;
  if (d->fckey[h] != f->re || c->seg != si) {
    d->fckey[h] = f->re;
    c->seg = si;
    c->n = 0;
    c->next = sg.b;
    c->done = !ex_has_need(d, si, f->need, src + sg.b, to - sg.b) ||
              !ex_has_req(d, si, f->req, src + sg.b, to - sg.b);
  }
  while (!c->done && (!c->n || c->m[c->n - 1].b < upto)) {
    if (c->n == EX_FC_MATCHES || c->next >= to ||
        ex_search(d, f->re, ex_lead_words(f->need, f->starts), si, src,
                  c->next, to, to) <= 0) {
      c->done = 1;
      break;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
    size_t b, e, m0 = ov[0], m1 = ov[1];
    if (ex_group_of(d, &f->vgroup, &b, &e))
      c->m[c->n++] = (ex_span){b, e, sg.title};
    size_t start = m1 > m0 ? m1 : m1 + 1;
    while (start < to && ((unsigned char)src[start] & 0xC0) == 0x80)
      start++;
    c->next = start;
  }
  return c;
}

/* Searches one sentence for a fill pattern: the first match, or in the
 * trigger's own sentence the match nearest to the trigger (a match
 * overlapping the trigger is not an argument of it). */
static int ex_fill_seg(ex_doc *d, const nlp_fill *f, size_t si,
                       const ex_event *ev, ex_span *out) {
  /* in the trigger's sentence, the matches after the first one that
   * begins after the trigger are farther from it */
  int own = (int)si == ev->seg;
  const ex_fcache *c = ex_fill_matches(d, f, si, own ? ev->trig.e : 0);
  if (!c->n)
    return 0;
  if (!own) {
    *out = c->m[0];
    return 1;
  }
  size_t best = (size_t)-1;
  int found = 0;
  for (int i = 0; i < c->n; i++) {
    ex_span m = c->m[i];
    size_t dist;
    if (m.b >= ev->trig.e)
      dist = m.b - ev->trig.e;
    else if (ev->trig.b >= m.e)
      dist = ev->trig.b - m.e;
    else
      continue;
    if (!found || dist < best) {
      *out = m;
      best = dist;
      found = 1;
    }
  }
  return found;
}

static void ex_fill(ex_doc *d, ex_event *ev) {
  const nlp_rules *r = d->r;
  size_t t;
  for (t = 0; t < r->nfill_types && r->fill_types[t] != ev->type; t++)
    ;
  size_t first = t < r->nfill_types ? r->fill_first[t] : r->nfills;
  for (size_t i = first; i < r->nfills; i = r->fills[i].next_same) {
    const nlp_fill *f = &r->fills[i];
    if (ex_has_role(ev, f->role) && !f->more)
      continue; /* a full event still searches: what it finds is counted */
    ex_span s;
    int ok = 0;
    switch (f->scope) {
    case NLP_SCOPE_SUBJECT:
      ex_find_subject(d);
      if (d->has_subject) {
        s = d->subject;
        ok = 1;
      }
      break;
    case NLP_SCOPE_TITLE:
      ok = d->tlen && ex_fill_seg(d, f, 0, ev, &s);
      break;
    case NLP_SCOPE_DOC:
    case NLP_SCOPE_END: {
      /* the first occurrence in the document (or the last one among its
       * closing sentences, where formal announcements put their date),
       * whatever the event */
      size_t c;
      for (c = 0; c < d->ndoc_cache && (d->doc_cache[c].re != f->re ||
                                         d->doc_cache[c].scope != f->scope);
           c++)
        ;
      if (c < d->ndoc_cache) {
        ok = d->doc_cache[c].found;
        s = d->doc_cache[c].s;
        break;
      }
      ex_event none = *ev;
      none.seg = -1;
      if (f->scope == NLP_SCOPE_DOC) {
        for (size_t si = 0; si < d->nsegs && si < EX_DOC_SEGS && !ok; si++)
          ok = ex_fill_seg(d, f, si, &none, &s);
      } else {
        for (size_t k = 0; k < EX_END_SEGS && k < d->nsegs && !ok; k++) {
          size_t si = d->nsegs - 1 - k;
          if (d->segs[si].title)
            break; /* the title is sentence 0: the text has ended */
          ok = ex_fill_seg(d, f, si, &none, &s);
        }
      }
      if (d->ndoc_cache < sizeof d->doc_cache / sizeof d->doc_cache[0]) {
        d->doc_cache[d->ndoc_cache].re = f->re;
        d->doc_cache[d->ndoc_cache].scope = f->scope;
        d->doc_cache[d->ndoc_cache].found = ok;
        d->doc_cache[d->ndoc_cache].s = s;
        d->ndoc_cache++;
      }
      break;
    }
    case NLP_SCOPE_WINDOW: {
      int span = f->before > f->after ? f->before : f->after;
      for (int k = 0; k <= span && !ok; k++) {
        int a = ev->seg + k, b = ev->seg - k;
        if (k <= f->after && a < (int)d->nsegs)
          ok = ex_fill_seg(d, f, (size_t)a, ev, &s);
        if (!ok && k && k <= f->before && b >= 0)
          ok = ex_fill_seg(d, f, (size_t)b, ev, &s);
      }
      break;
    }
    }
    if (ok && f->many && f->scope != NLP_SCOPE_SUBJECT) {
      /* every item of the list in the sentence where the first one is */
      const ex_fcache *c =
          ex_fill_matches(d, f, (size_t)ex_seg_of(d, s), (size_t)-1);
      for (int k = 0; k < c->n; k++) {
        ex_span m = c->m[k];
        int dup = m.title == ev->trig.title && m.b < ev->trig.e &&
                  ev->trig.b < m.e; /* overlaps the trigger */
        ex_arg x = {f->role, m, NULL, f->norm};
        /* "more" adds to values found another way: a short name of one of
         * them (an abbreviation, a name inside it) is that value again */
        if (!dup && !ex_has_text(d, ev, &x, f->more))
          ex_push_arg(ev, x);
      }
    } else if (ok) {
      ex_add_arg(ev, f->role, s, f->norm);
    }
  }
}

static int ex_arg_eq(const ex_doc *d, const ex_arg *a, const ex_arg *b) {
  if (a->constval || b->constval)
    return a->constval && b->constval && !strcmp(a->constval, b->constval);
  return ex_span_eq(d, a->s, b->s);
}

/* Bytes of the UTF-8 character opening p (text is valid UTF-8). */
static size_t ex_u8len(unsigned char c) {
  return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Whether the short name s (n bytes) abbreviates the name l (m bytes) the
 * usual way: its first two characters are written together in l and the
 * rest follow in order ("青禾集团" for "东海青禾电子集团有限公司": a region
 * and a trade word dropped).  Four characters at least, so that a person's
 * or a two-word name never stands for another. */
static int ex_abbrev_of(const char *s, size_t n, const char *l, size_t m) {
  size_t k = 0, chars = 0;
  for (size_t i = 0; i < n; i += ex_u8len((unsigned char)s[i]), chars++)
    if (chars == 2)
      k = i;
  if (chars < 4)
    return 0;
  const char *p = memmem(l, m, s, k);
  if (!p)
    return 0;
  size_t j = (size_t)(p - l) + k;
  for (size_t i = k; i < n;) {
    size_t c = ex_u8len((unsigned char)s[i]);
    while (j + c <= m && memcmp(l + j, s + i, c))
      j += ex_u8len((unsigned char)l[j]);
    if (j + c > m)
      return 0;
    i += c;
    j += c;
  }
  return 1;
}

/* The bytes of an "about" word opening p (约为, 约), else 0. */
static size_t ex_approx_len(const char *p, size_t n) {
  static const char *const w[] = {"约为", "约"};
  for (size_t i = 0; i < sizeof w / sizeof *w; i++) {
    size_t l = strlen(w[i]);
    if (n > l && !memcmp(p, w[i], l))
      return l;
  }
  return 0;
}

/* Whether p[i] is a thousands separator: a ',' between two digits. */
static int ex_digit_comma(const char *p, size_t n, size_t i) {
  return p[i] == ',' && i > 0 && i + 1 < n && p[i - 1] >= '0' &&
         p[i - 1] <= '9' && p[i + 1] >= '0' && p[i + 1] <= '9';
}

/* Whether two figures are one written with and without thousands
 * separators: "1,050万股" in the body and "1050万股" in the headline. */
static int ex_same_figure(const char *a, size_t na, const char *b, size_t nb) {
  size_t i = 0, j = 0;
  while (i < na || j < nb) {
    if (i < na && ex_digit_comma(a, na, i))
      i++;
    else if (j < nb && ex_digit_comma(b, nb, j))
      j++;
    else if (i < na && j < nb && a[i] == b[j])
      i++, j++;
    else
      return 0;
  }
  return 1;
}

/* Whether a names the same thing as b for merging: the same text, or, for a
 * name (a role without normaliser), one written inside the other — a short
 * name and the full one ("某某视讯" / "某某某某视讯技术有限公司"), so that the
 * mentions of one deal under both names make one event — or an abbreviation
 * of it (ex_abbrev_of).  Two characters at least, and no digit, so that
 * "3亿元" never stands for "13亿元". */
static int ex_arg_agree(const ex_doc *d, const ex_arg *a, const ex_arg *b) {
  if (ex_arg_eq(d, a, b))
    return 1;
  if (a->constval || b->constval)
    return 0;
  /* "约40亿元" in the body and "40亿元" in the headline are one figure */
  const char *pa = ex_src(d, a->s.title) + a->s.b,
             *pb = ex_src(d, b->s.title) + b->s.b;
  size_t na = a->s.e - a->s.b, nb = b->s.e - b->s.b;
  size_t ka = ex_approx_len(pa, na), kb = ex_approx_len(pb, nb);
  if ((ka || kb) && na - ka == nb - kb && !memcmp(pa + ka, pb + kb, na - ka))
    return 1;
  if (ex_same_figure(pa + ka, na - ka, pb + kb, nb - kb))
    return 1;
  if (a->norm || b->norm)
    return 0;
  const ex_arg *in = a, *out = b;
  if (a->s.e - a->s.b > b->s.e - b->s.b) {
    in = b;
    out = a;
  }
  size_t n = in->s.e - in->s.b;
  const char *p = ex_src(d, in->s.title) + in->s.b;
  if (n < 6)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (p[i] >= '0' && p[i] <= '9')
      return 0;
  const char *o = ex_src(d, out->s.title) + out->s.b;
  size_t m = out->s.e - out->s.b;
  return memmem(o, m, p, n) != NULL || ex_abbrev_of(p, n, o, m);
}

static int ex_same_args(const ex_doc *d, const ex_event *a,
                        const ex_event *b) {
  if (a->na != b->na)
    return 0;
  for (int i = 0; i < b->na; i++) {
    int j;
    for (j = 0; j < a->na; j++)
      if (a->a[j].role == b->a[i].role && ex_arg_eq(d, &a->a[j], &b->a[i]))
        break;
    if (j == a->na)
      return 0;
  }
  return 1;
}

/* Whether ev holds a value of x's role that agrees with x. */
static int ex_has_value(const ex_doc *d, const ex_event *ev, const ex_arg *x) {
  for (int i = 0; i < ev->na; i++)
    if (ev->a[i].role == x->role && ex_arg_agree(d, &ev->a[i], x))
      return 1;
  return 0;
}

/* Whether every value of role in x is also a value of it in y. */
static int ex_role_subset(const ex_doc *d, const ex_event *x,
                          const ex_event *y, const char *role) {
  for (int i = 0; i < x->na; i++)
    if (x->a[i].role == role && !ex_has_value(d, y, &x->a[i]))
      return 0;
  return 1;
}

/* Merges b into a when none of their shared roles disagree.  A role may
 * hold several values (highest and lowest price, a list of investors): two
 * events agree on it when the values of one are among those of the other,
 * and the merged event keeps the union.  An event told in the title is a
 * headline summary of one in the body: it is merged whatever it says, the
 * body's values replacing the title's for every role the body has. */
/* Whether no role that a and b both have disagrees. */
static int ex_agree(const ex_doc *d, const ex_event *a, const ex_event *b) {
  for (int i = 0; i < b->na; i++) {
    const char *role = b->a[i].role;
    if (ex_has_role(a, role) && !ex_role_subset(d, a, b, role) &&
        !ex_role_subset(d, b, a, role))
      return 0;
  }
  return 1;
}

/* Whether a and b have one value of one role in common. */
static int ex_shares_arg(const ex_doc *d, const ex_event *a,
                         const ex_event *b) {
  for (int i = 0; i < a->na; i++)
    for (int j = 0; j < b->na; j++)
      if (a->a[i].role == b->a[j].role && ex_arg_agree(d, &a->a[i], &b->a[j]))
        return 1;
  return 0;
}

/* Whether a and b must stay apart because one is an item of a split list
 * ("减持甲（…）、乙（…）") and the other does not name the list's role:
 * before the fills, an event told without a stock (a bare "减持", the
 * headline) is not the first item's more than any other's, and the fills
 * may still find its own.  After them, one still without it is the list's
 * event told once more, and merges. */
static int ex_split_apart(const ex_doc *d, const ex_event *a,
                          const ex_event *b) {
  return !d->filled && ((a->split && !ex_has_role(b, a->split)) ||
                        (b->split && !ex_has_role(a, b->split)));
}

static int ex_try_merge(const ex_doc *d, ex_event *a, const ex_event *b) {
  if (ex_split_apart(d, a, b))
    return 0;
  int headline = a->headline != b->headline;
  if (!headline && !ex_agree(d, a, b))
    return 0;
  /* The merged event sits where it is told most fully: the fills search
   * around its trigger, and the figures are told there, in the body. */
  if ((a->headline && !b->headline) ||
      (a->headline == b->headline && b->na > a->na)) {
    a->trig = b->trig;
    a->seg = b->seg;
  }
  if (a->headline && !b->headline) { /* body wording wins */
    a->headline = 0;
    int k = 0;
    for (int j = 0; j < a->na; j++)
      if (!ex_has_role(b, a->a[j].role))
        a->a[k++] = a->a[j];
    a->na = k;
  }
  a->dropped += b->dropped;
  if (!a->split) /* a headline merged into a list's item is still the item */
    a->split = b->split;
  for (int i = 0; i < b->na; i++)
    if (!ex_has_value(d, a, &b->a[i]))
      ex_push_arg(a, b->a[i]);
  if (b->conf > a->conf)
    a->conf = b->conf;
  return 1;
}

/* ---- result --------------------------------------------------------------- */

typedef struct ex_ent_ctx {
  size_t len;
  uint64_t id;
  int codes; /* a stock code also names its enterprise (alias targets) */
} ex_ent_ctx;

static int ex_ent_cb(void *ctx, const nlp_match *m) {
  ex_ent_ctx *c = ctx;
  if ((m->kind == NLP_WORD_ENTERPRISE ||
       (c->codes && m->kind == NLP_WORD_STOCKCODE)) &&
      m->begin == 0 && m->end == c->len) {
    c->id = m->value;
    return 1;
  }
  return 0;
}

static uint64_t ex_ent_id(const ex_doc *d, const char *s, size_t n) {
  if (!d->dict || !n)
    return 0;
  ex_ent_ctx c = {n, 0, 0};
  nlp_dict_scan(d->dict, s, n, ex_ent_cb, &c);
  if (c.id)
    return c.id;
  /* an in-document alias stands for its full name, or for the enterprise
   * whose stock code it is written with */
  c.codes = 1;
  for (size_t i = 0; i < d->naliases; i++) {
    const ex_alias *a = &d->aliases[i];
    if (a->shortname.e - a->shortname.b == n &&
        !memcmp(d->text + a->shortname.b, s, n)) {
      c.len = a->full.e - a->full.b;
      nlp_dict_scan(d->dict, d->text + a->full.b, c.len, ex_ent_cb, &c);
      if (c.id)
        return c.id;
    }
  }
  return 0;
}

static char *ex_norm(nlp_result *res, const ex_doc *d, int kind,
                     const char *s, size_t n) {
  char buf[64];
  double v;
  char cur[4] = "CNY";
  switch (kind) {
  case NLP_NORM_AMOUNT:
    if (nlp_parse_amount(s, n, &v, cur))
      return NULL;
    snprintf(buf, sizeof buf, "%.2f %.3s", v, cur);
    break;
  case NLP_NORM_SHARES:
    if (nlp_parse_amount(s, n, &v, cur))
      return NULL;
    snprintf(buf, sizeof buf, "%.0f", v);
    break;
  case NLP_NORM_PERCENT:
    if (nlp_parse_percent(s, n, &v))
      return NULL;
    snprintf(buf, sizeof buf, "%.6g", v);
    break;
  case NLP_NORM_DATE: {
    char out[11] = {0};
    if (nlp_parse_date(s, n, d->pub, out))
      return NULL;
    snprintf(buf, sizeof buf, "%.10s", out);
    break;
  }
  default:
    return NULL;
  }
  return ex_strndup(res, buf, strlen(buf));
}

static int ex_emit(ex_doc *d, nlp_result *out) {
  size_t live = 0;
  for (size_t i = 0; i < d->nev; i++)
    live += !d->ev[i].dead;
  if (!live)
    return 0;
  out->events = ex_alloc(out, live * sizeof *out->events);
  if (!out->events)
    return NLP_ENOMEM;
  for (size_t i = 0; i < d->nev; i++) {
    const ex_event *ev = &d->ev[i];
    if (ev->dead)
      continue;
    nlp_event *oe = &out->events[out->n];
    memset(oe, 0, sizeof *oe);
    oe->type = ev->type;
    const char *ts = ex_src(d, ev->trig.title);
    oe->trigger = ex_strndup(out, ts + ev->trig.b, ev->trig.e - ev->trig.b);
    oe->trig_begin = ev->trig.b;
    oe->trig_end = ev->trig.e;
    oe->confidence = ev->conf;
    oe->args_dropped = (size_t)ev->dropped;
    out->args_dropped += oe->args_dropped;
    oe->args = ex_alloc(out, (ev->na ? ev->na : 1) * sizeof *oe->args);
    if (!oe->trigger || !oe->args)
      return NLP_ENOMEM;
    for (int k = 0; k < ev->na; k++) {
      const ex_arg *a = &ev->a[k];
      nlp_arg *oa = &oe->args[oe->nargs];
      memset(oa, 0, sizeof *oa);
      oa->role = a->role;
      if (a->constval) {
        oa->text = ex_strndup(out, a->constval, strlen(a->constval));
        oa->norm = oa->text;
      } else {
        const char *src = ex_src(d, a->s.title);
        size_t n = a->s.e - a->s.b;
        oa->text = ex_strndup(out, src + a->s.b, n);
        oa->in_title = a->s.title;
        oa->begin = a->s.b;
        oa->end = a->s.e;
        oa->norm = ex_norm(out, d, a->norm, src + a->s.b, n);
        oa->ent_id = ex_ent_id(d, src + a->s.b, n);
      }
      if (!oa->text)
        return NLP_ENOMEM;
      oe->nargs++;
    }
    out->n++;
  }
  return 0;
}

static void ex_merge_all(ex_doc *d) {
  /* A headline goes to the first body event of its type that tells the
   * same thing (one value in common, none in conflict): under the title
   * "委任乙为董事", the body's "甲辞任董事；乙获委任为董事" holds 乙's
   * appointment second.  Only when there is none does the headline fall to
   * the first body event, in the loop below. */
  for (size_t j = 0; j < d->nev; j++) {
    ex_event *h = &d->ev[j];
    if (h->dead || !h->headline)
      continue;
    for (size_t i = 0; i < d->nev; i++) {
      ex_event *b = &d->ev[i];
      if (i != j && !b->dead && !b->headline && b->type == h->type &&
          ex_shares_arg(d, h, b) && ex_agree(d, h, b) &&
          !ex_split_apart(d, h, b)) {
        ex_try_merge(d, h, b);
        b->dead = 1;
        break;
      }
    }
  }
  for (size_t i = 1; i < d->nev; i++)
    for (size_t j = 0; j < i && !d->ev[i].dead; j++)
      if (!d->ev[j].dead && d->ev[j].type == d->ev[i].type &&
          ex_try_merge(d, &d->ev[j], &d->ev[i]))
        d->ev[i].dead = 1;
}

/* ---- "same" lines ----------------------------------------------------- */

/* The text of the first value of role in ev (*n its bytes), or NULL. */
static const char *ex_value(const ex_doc *d, const ex_event *ev,
                            const char *role, size_t *n) {
  for (int i = 0; i < ev->na; i++) {
    const ex_arg *a = &ev->a[i];
    if (a->role != role)
      continue;
    if (a->constval) {
      *n = strlen(a->constval);
      return a->constval;
    }
    *n = a->s.e - a->s.b;
    return ex_src(d, a->s.title) + a->s.b;
  }
  return NULL;
}

/* The text "same" line m classes ev by: its m->role value, else its
 * trigger (*n its bytes). */
static const char *ex_same_class(const ex_doc *d, const ex_event *ev,
                                 const nlp_same *m, size_t *n) {
  const char *v = m->role ? ex_value(d, ev, m->role, n) : NULL;
  if (v)
    return v;
  *n = ev->trig.e - ev->trig.b;
  return ex_src(d, ev->trig.title) + ev->trig.b;
}

/* Whether text (n bytes) is one of the words of m (any text when m has
 * no word list). */
static int ex_same_word(const nlp_same *m, const char *t, size_t n) {
  if (!m->role)
    return 1;
  for (size_t i = 0; i < m->nwords; i++)
    if (strlen(m->words[i]) == n && !memcmp(m->words[i], t, n))
      return 1;
  return 0;
}

/* Whether the names x and y (bytes) are one: equal, or the shorter, of at
 * least two characters, opening the longer. */
static int ex_same_name(const char *x, size_t nx, const char *y, size_t ny) {
  size_t n = nx < ny ? nx : ny, chars = 0;
  if (!n || memcmp(x, y, n))
    return 0;
  for (size_t i = 0; i < n; i += ex_u8len((unsigned char)x[i]))
    chars++;
  return nx == ny || chars >= 2;
}

/* Applies the rules' "same" lines: an event of m's type naming the same
 * m->by as an earlier one, both with m->role (else the trigger) among m's
 * words, is merged into the earlier one, whose values win; the roles it
 * lacks are taken over.  Without a word list every value the earlier one
 * lacks is kept too (one winner's several lots: each object and amount).
 * Two items of split lists of one role stay apart (an event merged with an
 * item, a headline or by this line, becomes that item). */
static void ex_merge_same(ex_doc *d) {
  for (size_t k = 0; k < d->r->nsames; k++) {
    const nlp_same *m = &d->r->sames[k];
    for (size_t i = 1; i < d->nev; i++) {
      ex_event *b = &d->ev[i];
      size_t bn, bcn;
      const char *bname, *bc;
      if (b->dead || strcmp(b->type, m->type) ||
          !(bname = ex_value(d, b, m->by, &bn)))
        continue;
      bc = ex_same_class(d, b, m, &bcn);
      if (!ex_same_word(m, bc, bcn))
        continue;
      for (size_t j = 0; j < i; j++) {
        ex_event *a = &d->ev[j];
        size_t an, acn;
        const char *aname, *ac;
        if (a->dead || strcmp(a->type, m->type) ||
            !(aname = ex_value(d, a, m->by, &an)) ||
            !ex_same_name(aname, an, bname, bn))
          continue;
        /* two items of split lists ("收购甲、乙100%股权": a deal each) are
         * told apart by their rule, whatever else they share */
        if (a->split && a->split == b->split)
          continue;
        ac = ex_same_class(d, a, m, &acn);
        if (!ex_same_word(m, ac, acn))
          continue;
        for (int x = 0; x < b->na; x++)
          if (!ex_has_role(a, b->a[x].role) ||
              (!m->role && !ex_has_value(d, a, &b->a[x])))
            ex_push_arg(a, b->a[x]);
        a->dropped += b->dropped;
        if (!a->split) /* now an item of b's list, apart from the others */
          a->split = b->split;
        b->dead = 1;
        break;
      }
    }
  }
}

/* "split ROLE": the last event made (d->ev[d->nev - 1]) holds in ROLE a
 * list of names ("甲、乙和丙", "“甲”“乙”"); it becomes one event per name,
 * the other arguments copied.  The list is cut at 、, 以及, 和, 及 and ”“,
 * each item trimmed of spaces, of the quotes around it, of a bracket at
 * its end ("甲（600123）") and of the rule's
 * trim= words at its end ("甲先生"); a value without a separator is left
 * alone.  Items are
 * taken left to right, so the output stays deterministic; the copies sit
 * in the same sentence and never merge, since their names differ. */
#define EX_SPLIT_MAX 16

/* Where the bracket that closes src[b..e) opens, or b when it does not end
 * in ) or ）: a listed name may carry its stock code or quote in brackets
 * ("甲（600123）、乙（600456）"), which is not part of the name. */
static size_t ex_bracket_open(const char *src, size_t b, size_t e) {
  int full;
  if (e > b && src[e - 1] == ')')
    full = 0;
  else if (e >= b + 3 && !memcmp(src + e - 3, "）", 3))
    full = 1;
  else
    return b;
  for (size_t p = e - (full ? 3 : 1); p > b; p--)
    if (full ? p + 3 <= e && !memcmp(src + p, "（", 3) : src[p] == '(')
      return p;
  return b;
}
static int ex_split_list(ex_doc *d, const nlp_rule *ru) {
  const char *role = ru->split_role;
  ex_event *ev = &d->ev[d->nev - 1];
  int ai;
  for (ai = 0; ai < ev->na; ai++)
    if (ev->a[ai].role == role && !ev->a[ai].constval)
      break;
  if (ai == ev->na)
    return 0;
  static const char *const sep[] = {"、", "以及", "和", "及", "”“"};
  ex_span v = ev->a[ai].s, item[EX_SPLIT_MAX];
  const char *src = ex_src(d, v.title);
  size_t n = 0, b = v.b, p = v.b;
  while (p < v.e && n < EX_SPLIT_MAX) {
    size_t sl = 0;
    for (size_t k = 0; k < sizeof sep / sizeof *sep && !sl; k++) {
      size_t l = strlen(sep[k]);
      if (p + l <= v.e && !memcmp(src + p, sep[k], l))
        sl = l;
    }
    if (!sl) {
      p++;
      continue;
    }
    item[n++] = (ex_span){b, p, v.title};
    p += sl;
    b = p;
  }
  if (n == 0 || n == EX_SPLIT_MAX)
    return 0; /* no list, or one too long to be names */
  item[n++] = (ex_span){b, v.e, v.title};
  size_t kept = 0;
  for (size_t k = 0; k < n; k++) {
    for (;;) { /* " 甲", "“甲" */
      if (item[k].b < item[k].e && src[item[k].b] == ' ')
        item[k].b++;
      else if (item[k].b + 3 <= item[k].e && !memcmp(src + item[k].b, "“", 3))
        item[k].b += 3;
      else
        break;
    }
    for (;;) { /* "甲 ", "甲”", "甲（600123）", "甲(12.30,-0.59,-4.58%)" */
      size_t open;
      if (item[k].e > item[k].b && src[item[k].e - 1] == ' ')
        item[k].e--;
      else if (item[k].e >= item[k].b + 3 &&
               !memcmp(src + item[k].e - 3, "”", 3))
        item[k].e -= 3;
      else if ((open = ex_bracket_open(src, item[k].b, item[k].e)) > item[k].b)
        item[k].e = open;
      else {
        int t;
        for (t = 0; t < ru->nsplit_trim; t++) {
          size_t l = strlen(ru->split_trim[t]);
          if (item[k].e >= item[k].b + l &&
              !memcmp(src + item[k].e - l, ru->split_trim[t], l)) {
            item[k].e -= l;
            break;
          }
        }
        if (t == ru->nsplit_trim)
          break;
      }
    }
    if (item[k].e > item[k].b)
      item[kept++] = item[k];
  }
  if (kept < 2)
    return 0;
  ev->a[ai].s = item[0];
  if (ru->split_values) {
    for (size_t k = 1; k < kept; k++)
      ex_push_arg(ev, (ex_arg){role, item[k], NULL, ev->a[ai].norm});
    return 0;
  }
  ev->split = role;
  size_t at = d->nev - 1; /* d->ev may move below */
  for (size_t k = 1; k < kept && d->nev < EX_MAX_EVENTS; k++) {
    if (d->nev == d->capev) {
      ex_event *q = realloc(d->ev, 2 * d->capev * sizeof *q);
      if (!q)
        return NLP_ENOMEM;
      d->ev = q;
      d->capev *= 2;
    }
    d->ev[d->nev] = d->ev[at];
    d->ev[d->nev].a[ai].s = item[k];
    d->nev++;
  }
  return 0;
}

static int ex_run(ex_doc *d, nlp_result *out) {
  const nlp_rules *r = d->r;
  int rc = ex_segments(d);
  if (rc)
    return rc;
  if (d->dict)
    ex_find_aliases(d); /* only used to resolve names to dictionary ids */
  d->caphits = EX_HITS0;
  d->capev = EX_EVENTS0;
  d->hits = malloc(d->caphits * sizeof *d->hits);
  d->ev = malloc(d->capev * sizeof *d->ev);
  if (!d->hits || !d->ev)
    return NLP_ENOMEM;
  if (r->trig_dict) {
    d->hits_title = 1;
    if (d->tlen)
      nlp_dict_scan(r->trig_dict, d->title, d->tlen, ex_hit_cb, d);
    d->hits_title = 0;
    nlp_dict_scan(r->trig_dict, d->text, d->len, ex_hit_cb, d);
  }
  if (d->oom)
    return NLP_ENOMEM;
  for (size_t i = 0; i < d->nhits && d->nev < EX_MAX_EVENTS; i++) {
    const ex_hit *h = &d->hits[i];
    const char *done[EX_MAX_ARGS];
    size_t ndone = 0;
    for (size_t k = 0; k < r->trig_nrules[h->w] && d->nev < EX_MAX_EVENTS;
         k++) {
      const nlp_rule *ru = &r->rules[r->trig_rules[h->w][k]];
      size_t t;
      for (t = 0; t < ndone && done[t] != ru->type; t++)
        ;
      if (t < ndone)
        continue; /* this hit already made an event of this type */
      if (d->nev == d->capev) {
        ex_event *p = realloc(d->ev, 2 * d->capev * sizeof *p);
        if (!p)
          return NLP_ENOMEM;
        d->ev = p;
        d->capev *= 2;
      }
      if (ex_try_rule(d, ru, h, &d->ev[d->nev])) {
        d->nev++;
        if (ru->split_role && (rc = ex_split_list(d, ru)))
          return rc;
        if (ndone < EX_MAX_ARGS)
          done[ndone++] = ru->type;
      }
    }
  }
  /* Several hits in one sentence often give the same event; filling is the
   * expensive part, so those are dropped before it. */
  for (size_t i = 1; i < d->nev; i++)
    for (size_t j = 0; j < i && !d->ev[i].dead; j++)
      if (!d->ev[j].dead && d->ev[j].type == d->ev[i].type &&
          d->ev[j].seg == d->ev[i].seg && ex_same_args(d, &d->ev[j], &d->ev[i]))
        d->ev[i].dead = 1;
  ex_merge_all(d);
  for (size_t i = 0; i < d->nev; i++)
    if (!d->ev[i].dead)
      ex_fill(d, &d->ev[i]);
  d->filled = 1;
  ex_merge_all(d);
  ex_merge_same(d);
  return ex_emit(d, out);
}

int nlp_extract(const nlp_rules *rules, const nlp_dict *dict, const char *text,
                size_t len, const nlp_extract_opts *opts, nlp_result *out) {
  memset(out, 0, sizeof *out);
  if (!rules || (!text && len))
    return NLP_EINVAL;
  if (opts && opts->max_len && len > opts->max_len)
    return NLP_ETOOBIG;
  if (len && !nlp_utf8_valid(text, len, NULL))
    return NLP_EUTF8;
  ex_doc d = {0};
  d.r = rules;
  d.dict = dict;
  d.text = text ? text : "";
  d.len = len;
  if (opts && opts->title && opts->title_len) {
    if (!nlp_utf8_valid(opts->title, opts->title_len, NULL))
      return NLP_EUTF8;
    d.title = opts->title;
    d.tlen = opts->title_len;
  }
  d.pub = opts ? opts->published : NULL;
  if (!len && !d.tlen)
    return 0;
  /* JIT matching uses PCRE2's default 32 KiB stack on the machine stack:
   * the rule patterns are bounded and never need more, and it spares an
   * mmap per document. */
  d.md = pcre2_match_data_create(rules->max_groups + 1, NULL);
  d.mc = pcre2_match_context_create(NULL);
  d.fc = malloc(EX_FC_SLOTS * sizeof *d.fc);
  d.fckey = calloc(EX_FC_SLOTS, sizeof *d.fckey);
  int rc = d.md && d.mc && d.fc && d.fckey ? 0 : NLP_ENOMEM;
  if (!rc) {
    ex_cut(&d);
    rc = ex_run(&d, out);
  }
  pcre2_match_data_free(d.md);
  pcre2_match_context_free(d.mc);
  free(d.fc);
  free(d.fckey);
  free(d.segs);
  free(d.cmask);
  free(d.hits);
  free(d.ev);
  return rc;
}

void nlp_result_destroy(nlp_result *res) {
  if (!res)
    return;
  ex_chunk *c = res->priv;
  while (c) {
    ex_chunk *n = c->next;
    free(c);
    c = n;
  }
  memset(res, 0, sizeof *res);
}
