/*
 * rules.c — loads the event rules of the data/rules/ *.rules files (syntax in
 * data/rules/README.md) into an immutable nlp_rules.
 *
 * Loading is two passes over the files, taken in name order: the first
 * collects every "macro NAME = regex" (macros are global, so a common file
 * can define {ORG}, {AMOUNT}, ... for all others); the second parses the
 * rule blocks, fills, subject and alias patterns, expands {NAME} macro
 * references and compiles each pattern once with PCRE2 (UTF, UCP, JIT).
 * A pattern that does not compile is reported through the diag callback as
 * "PCRE2 error at offset N: <message>" with its file and line, and skipped;
 * the other rules still load and the call returns NLP_ERULE.
 *
 * Trigger words of all rules go into one Aho–Corasick dictionary so that the
 * extractor finds every trigger in one pass and runs only the patterns of
 * the rules they belong to, on the sentence around them.
 *
 * Limits (nlp_rules_limits): the bytes of all files are counted while they
 * are read and the rule/fill/subject/alias blocks while they are parsed;
 * going over either stops the load with NLP_ETOOBIG at that file and line,
 * since a partial rule set would extract silently less.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/rules_internal.h"

#define RULES_MAX_LINE 8192
#define RULES_MAX_EXPAND 10 /* nesting depth of macro references */
#define RULES_DEFAULT_REACH 45 /* characters before a trigger a rule sees */

typedef struct rl_macro {
  char *name, *body;
} rl_macro;

typedef struct rl_group { /* "group NAME = ROLE [norm]", file-scoped */
  char *name;
  const char *role;
  int norm;
} rl_group;

/* The state of one loading run; everything here is freed before returning. */
typedef struct rl_loader {
  nlp_rules *r;
  nlp_diag_fn diag;
  void *ctx;
  int errors;
  char **exp; /* expanded text of r->codes[i], for sharing */
  size_t *explen; /* its length: most texts differ in it, and share long
                     macro prefixes, so lengths are compared first */
  rl_macro *macros;
  size_t nmacros;
  rl_group *groups;
  size_t ngroups;
  nlp_rules_limits lim; /* defaults filled in */
  size_t nblocks;       /* rule, fill, subject and alias blocks so far */
  /* the rule block being read */
  int in_rule;
  const char *file;
  int rule_line, pat_line;
  char *name, *type, *pattern;
  char **trig;
  size_t ntrig;
  int priority;
  int reach; /* characters; -1 = default */
  double confidence;
  nlp_setarg *sets;
  size_t nsets;
  nlp_need *need; /* "need" words (nlp_rule.need) */
  const char *split_role; /* "split ROLE" (nlp_rule.split_role), interned */
  const char *split_trim[4]; /* its trim= words (nlp_rule.split_trim) */
  int nsplit_trim;
  int split_values; /* "split ROLE values" (nlp_rule.split_values) */
  /* the required word sets of each macro (rl_required), read on first use;
   * mstate: 0 not yet, 1 read, 2 being read, 3 gave up */
  struct rl_reqs *mreq;
  signed char *mstate;
} rl_loader;

static void rl_diag(rl_loader *L, const char *file, int line, const char *fmt,
                    ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  L->errors++;
  if (L->diag)
    L->diag(L->ctx, file, line, msg);
}

/* Interned strings live as long as the rules; equal strings are shared so
 * that types and roles compare by content cheaply and are stored once. */
static const char *rl_intern(nlp_rules *r, const char *s) {
  for (size_t i = 0; i < r->nstrs; i++)
    if (!strcmp(r->strs[i], s))
      return r->strs[i];
  if (r->nstrs == r->capstrs) {
    size_t cap = r->capstrs ? 2 * r->capstrs : 64;
    char **p = realloc(r->strs, cap * sizeof *p);
    if (!p)
      return NULL;
    r->strs = p;
    r->capstrs = cap;
  }
  char *d = strdup(s);
  if (!d)
    return NULL;
  r->strs[r->nstrs++] = d;
  return d;
}

static int rl_norm_kind(const char *s) {
  if (!s || !*s)
    return NLP_NORM_NONE;
  if (!strcmp(s, "amount"))
    return NLP_NORM_AMOUNT;
  if (!strcmp(s, "date"))
    return NLP_NORM_DATE;
  if (!strcmp(s, "percent"))
    return NLP_NORM_PERCENT;
  if (!strcmp(s, "shares"))
    return NLP_NORM_SHARES;
  return -1;
}

static char *rl_trim(char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
               s[n - 1] == '\n'))
    s[--n] = 0;
  return s;
}

/* Splits "key rest" at the first blank; returns rest (trimmed) or "". */
static char *rl_split(char *s) {
  char *p = s;
  while (*p && *p != ' ' && *p != '\t')
    p++;
  if (!*p)
    return p;
  *p++ = 0;
  return rl_trim(p);
}

/* ---- macros --------------------------------------------------------------- */

static const rl_macro *rl_macro_find(const rl_loader *L, const char *name,
                                     size_t n) {
  for (size_t i = 0; i < L->nmacros; i++)
    if (strlen(L->macros[i].name) == n && !memcmp(L->macros[i].name, name, n))
      return &L->macros[i];
  return NULL;
}

typedef struct rl_buf {
  char *p;
  size_t n, cap;
} rl_buf;

static int rl_buf_add(rl_buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + n + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
      return -1;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
  return 0;
}

/* Replaces {NAME} (upper-case identifier of a defined macro) by "(?:body)";
 * other braces, such as quantifiers {2,8}, are left alone. */
static int rl_expand(const rl_loader *L, const char *s, rl_buf *out, int depth,
                     char *err, size_t errlen) {
  if (depth > RULES_MAX_EXPAND) {
    snprintf(err, errlen, "macros nested deeper than %d (a macro refers to "
                          "itself?)", RULES_MAX_EXPAND);
    return -1;
  }
  /* text between macro references is copied a run at a time (the whole
   * rule set expands to megabytes: a call per byte was a fifth of the
   * start-up); only '\\' and '{' need a look */
  const char *p = s, *run = s;
  while ((p = strpbrk(p, "\\{"))) {
    if (*p == '\\') {
      p += p[1] ? 2 : 1;
      continue;
    }
    const char *q = p + 1;
    if (!isupper((unsigned char)*q) && *q != '_') {
      p++;
      continue;
    }
    while (isupper((unsigned char)*q) || isdigit((unsigned char)*q) ||
           *q == '_')
      q++;
    if (*q != '}') {
      p++;
      continue;
    }
    const rl_macro *m = rl_macro_find(L, p + 1, (size_t)(q - p - 1));
    if (!m) {
      snprintf(err, errlen, "unknown macro {%.*s}", (int)(q - p - 1), p + 1);
      return -1;
    }
    if (rl_buf_add(out, run, (size_t)(p - run)) || rl_buf_add(out, "(?:", 3) ||
        rl_expand(L, m->body, out, depth + 1, err, errlen) ||
        rl_buf_add(out, ")", 1))
      return -1;
    p = run = q + 1;
  }
  return rl_buf_add(out, run, strlen(run));
}

/* Expands and compiles; on failure reports "PCRE2 error at offset N: ..."
 * (or the macro problem) and returns NULL. */
static pcre2_code *rl_compile(rl_loader *L, const char *file, int line,
                              const char *pat) {
  rl_buf b = {0};
  char err[256];
  if (rl_buf_add(&b, "", 0) || rl_expand(L, pat, &b, 0, err, sizeof err)) {
    rl_diag(L, file, line, "%s", b.p ? err : "out of memory");
    free(b.p);
    return NULL;
  }
  for (size_t i = 0; i < L->r->ncodes; i++)
    if (L->explen[i] == b.n && !memcmp(L->exp[i], b.p, b.n)) {
      free(b.p);
      return L->r->codes[i];
    }
  int ec;
  PCRE2_SIZE off;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)b.p, b.n,
                                 PCRE2_UTF | PCRE2_UCP | PCRE2_DUPNAMES |
                                     PCRE2_USE_OFFSET_LIMIT,
                                 &ec,
                                 &off, NULL);
  if (!re) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(ec, msg, sizeof msg);
    rl_diag(L, file, line, "PCRE2 error at offset %zu: %s", (size_t)off,
            (const char *)msg);
    free(b.p);
    return NULL;
  }
  pcre2_code **c = realloc(L->r->codes, (L->r->ncodes + 1) * sizeof *c);
  char **e = realloc(L->exp, (L->r->ncodes + 1) * sizeof *e);
  size_t *el = realloc(L->explen, (L->r->ncodes + 1) * sizeof *el);
  if (c)
    L->r->codes = c;
  if (e)
    L->exp = e;
  if (el)
    L->explen = el;
  if (!c || !e || !el) {
    pcre2_code_free(re);
    free(b.p);
    rl_diag(L, file, line, "out of memory");
    return NULL;
  }
  L->exp[L->r->ncodes] = b.p;
  L->explen[L->r->ncodes] = b.n;
  L->r->codes[L->r->ncodes++] = re;
  /* Without JIT the interpreter still works, only slower.  (Compiled with
   * PCRE2_USE_OFFSET_LIMIT: the extractor bounds where a rule's match may
   * start, so that no start after its trigger is ever tried.) */
  (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
  uint32_t cap = 0;
  pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &cap);
  if (cap + 1 > L->r->max_groups)
    L->r->max_groups = cap + 1;
  return re;
}

/* The groups named name (several under PCRE2_DUPNAMES: one per
 * alternative); n[0] == 0 when there is none. */
static nlp_gnums rl_group_numbers(const pcre2_code *re, const char *name) {
  nlp_gnums g = {{0}};
  PCRE2_SPTR first, last;
  int es = pcre2_substring_nametable_scan(re, (PCRE2_SPTR)name, &first, &last);
  for (size_t k = 0; es > 0 && first <= last && k < NLP_GNUMS_MAX;
       first += es, k++)
    g.n[k] = ((uint32_t)first[0] << 8) | first[1];
  return g;
}

/* ---- rule blocks ---------------------------------------------------------- */

static void rl_rule_reset(rl_loader *L) {
  free(L->name);
  free(L->type);
  free(L->pattern);
  for (size_t i = 0; i < L->ntrig; i++)
    free(L->trig[i]);
  free(L->trig);
  free(L->sets);
  free(L->need);
  L->need = NULL;
  L->name = L->type = L->pattern = NULL;
  L->trig = NULL;
  L->ntrig = 0;
  L->sets = NULL;
  L->nsets = 0;
  L->priority = 0;
  L->reach = -1;
  L->confidence = 0.7;
  L->split_role = NULL;
  L->nsplit_trim = 0;
  L->split_values = 0;
  L->in_rule = 0;
}

static const rl_group *rl_group_find(const rl_loader *L, const char *name) {
  for (size_t i = 0; i < L->ngroups; i++)
    if (!strcmp(L->groups[i].name, name))
      return &L->groups[i];
  return NULL;
}

/* Maps every named group of re to its role; "trig" marks the trigger. */
static int rl_map_groups(rl_loader *L, nlp_rule *ru) {
  uint32_t count = 0, esize = 0;
  PCRE2_SPTR table = NULL;
  pcre2_pattern_info(ru->re, PCRE2_INFO_NAMECOUNT, &count);
  pcre2_pattern_info(ru->re, PCRE2_INFO_NAMEENTRYSIZE, &esize);
  pcre2_pattern_info(ru->re, PCRE2_INFO_NAMETABLE, &table);
  ru->gmap = calloc(count ? count : 1, sizeof *ru->gmap);
  uint32_t *gidx = malloc((count ? count : 1) * sizeof *gidx);
  if (!ru->gmap || !gidx) {
    free(gidx);
    return NLP_ENOMEM;
  }
  for (uint32_t i = 0; i < count; i++) {
    PCRE2_SPTR e = table + (size_t)i * esize;
    uint32_t num = ((uint32_t)e[0] << 8) | e[1];
    const char *gname = (const char *)(e + 2);
    if (!strcmp(gname, "trig")) {
      if (!ru->trig_group)
        ru->trig_group = num;
      continue;
    }
    const rl_group *g = rl_group_find(L, gname);
    if (!g) {
      rl_diag(L, ru->file, ru->line,
              "rule %s: capture group '%s' is not declared "
              "(add 'group %s = ROLE' to the file)",
              ru->name, gname, gname);
      free(gidx);
      return NLP_ERULE;
    }
    ru->gmap[ru->ngmap].group = num;
    ru->gmap[ru->ngmap].role = g->role;
    ru->gmap[ru->ngmap].norm = g->norm;
    /* an earlier entry of this role under another name: two names fill
     * one role, and both keep their values (gidx: name-table entries) */
    for (size_t k = 0; k < ru->ngmap; k++)
      if (ru->gmap[k].role == g->role &&
          strcmp((const char *)(table + (size_t)gidx[k] * esize + 2), gname))
        ru->gmap[ru->ngmap].more = ru->gmap[k].more = 1;
    gidx[ru->ngmap] = i;
    ru->ngmap++;
  }
  free(gidx);
  return 0;
}

/* Where the tail of a rule pattern starts (see nlp_rule.tail): the offset
 * of "(?<trig>" when it is the first trigger group, at nesting depth 0, not
 * followed by a quantifier, and the pattern has no top-level '|'; -1
 * otherwise.  Macro references expand to (?:…) groups, so depths and
 * alternations of the unexpanded text are those of the expanded one. */
static long rl_tail_offset(const char *pat) {
  long at = -1;
  int depth = 0, in_class = 0, trig_depth = -1;
  for (const char *p = pat; *p; p++) {
    if (*p == '\\' && p[1]) {
      p++;
      continue;
    }
    if (in_class) {
      if (*p == ']')
        in_class = 0;
      continue;
    }
    switch (*p) {
    case '[':
      in_class = 1;
      if (p[1] == '^')
        p++;
      if (p[1] == ']')
        p++; /* a literal ']' first in the class */
      break;
    case '(':
      if (!strncmp(p, "(?<trig>", 8)) {
        if (at >= 0 || depth)
          return -1;
        at = p - pat;
        trig_depth = depth;
      }
      depth++;
      break;
    case ')':
      depth--;
      if (depth == trig_depth && at >= 0 && trig_depth >= 0) {
        if (p[1] == '?' || p[1] == '*' || p[1] == '{' || p[1] == '+')
          return -1; /* an optional trigger */
        trig_depth = -1;
      }
      break;
    case '|':
      if (!depth)
        return -1;
      break;
    }
  }
  return depth ? -1 : at;
}

/* ---- opening words ---------------------------------------------------------
 * Many patterns open with a literal alternation ("(?:赴港|赴美|拟|…)…", or a
 * trigger group "(?<trig>上市|IPO)…" after look-arounds): every match then
 * begins with one of those words, and the extractor tries only the starts
 * where one occurs (nlp_rule.starts) instead of every position, which PCRE2
 * cannot skip for Chinese text (its start bitmap holds first bytes, and
 * every CJK character begins with one of a handful).  The reading below is
 * deliberately small: when a pattern opens with anything else (a class, an
 * escape, an optional item, a verb), it gives up and the pattern is
 * searched as before. */

#define RL_MAX_OPEN_WORDS 64

static nlp_need *rl_parse_need(rl_loader *L, int line, const char *spec);

typedef struct rl_words {
  const char *w[RL_MAX_OPEN_WORDS];
  size_t len[RL_MAX_OPEN_WORDS];
  size_t n;
} rl_words;

static int rl_is_meta(char c) { return c && strchr("\\^$.|?*+()[]{}", c); }

/* Index after the group opening at p[i] == '(' (escapes, classes and
 * nested groups skipped), or -1 when it does not close. */
static long rl_skip_group(const char *p, long i) {
  int depth = 0;
  for (; p[i]; i++) {
    if (p[i] == '\\' && p[i + 1]) {
      i++;
    } else if (p[i] == '[') {
      i++;
      if (p[i] == '^')
        i++;
      if (p[i] == ']')
        i++;
      while (p[i] && p[i] != ']')
        i += p[i] == '\\' && p[i + 1] ? 2 : 1;
      if (!p[i])
        return -1;
    } else if (p[i] == '(') {
      depth++;
    } else if (p[i] == ')' && --depth == 0) {
      return i + 1;
    }
  }
  return -1;
}

static int rl_open_alts(const char *p, long *i, rl_words *w);

/* One alternative at p[*i]: its look-arounds are passed over, then its
 * first item must be a literal run or a group of such alternatives that
 * is not optional; the rest of the alternative is skipped up to the '|' or
 * ')' that ends it. */
static int rl_open_alt(const char *p, long *i, rl_words *w) {
  long k = *i;
  while (!strncmp(p + k, "(?=", 3) || !strncmp(p + k, "(?!", 3) ||
         !strncmp(p + k, "(?<=", 4) || !strncmp(p + k, "(?<!", 4)) {
    k = rl_skip_group(p, k);
    if (k < 0)
      return -1;
  }
  if (p[k] == '(') {
    if (p[k + 1] == '?' &&
        !(p[k + 2] == ':' ||
          (p[k + 2] == '<' && ((p[k + 3] >= 'a' && p[k + 3] <= 'z') ||
                               (p[k + 3] >= 'A' && p[k + 3] <= 'Z')))))
      return -1;
    long in;
    if (p[k + 1] != '?') {
      in = k + 1; /* ( … ) */
    } else if (p[k + 2] == ':') {
      in = k + 3; /* (?: … ) */
    } else {      /* (?<name> … ) */
      const char *gt = strchr(p + k + 3, '>');
      if (!gt)
        return -1;
      in = gt - p + 1;
    }
    if (rl_open_alts(p, &in, w) || p[in] != ')')
      return -1;
    k = in + 1;
    if (p[k] == '?' || p[k] == '*' || p[k] == '{')
      return -1; /* optional: the alternative may begin after it */
  } else {
    long b = k;
    while (p[k] && !rl_is_meta(p[k]))
      k++;
    long e = k;
    if (p[k] == '?' || p[k] == '*' || p[k] == '{' || p[k] == '+') {
      /* the last character is quantified: not part of the word */
      e--;
      while (e > b && ((unsigned char)p[e] & 0xC0) == 0x80)
        e--;
    }
    if (e <= b || w->n == RL_MAX_OPEN_WORDS)
      return -1;
    w->w[w->n] = p + b;
    w->len[w->n++] = (size_t)(e - b);
  }
  /* the rest of the alternative */
  while (p[k] && p[k] != '|' && p[k] != ')') {
    if (p[k] == '(' || p[k] == '[') {
      long j = p[k] == '(' ? rl_skip_group(p, k) : -1;
      if (p[k] == '[') {
        j = k + 1;
        if (p[j] == '^')
          j++;
        if (p[j] == ']')
          j++;
        while (p[j] && p[j] != ']')
          j += p[j] == '\\' && p[j + 1] ? 2 : 1;
        j = p[j] ? j + 1 : -1;
      }
      if (j < 0)
        return -1;
      k = j;
    } else {
      k += p[k] == '\\' && p[k + 1] ? 2 : 1;
    }
  }
  *i = k;
  return 0;
}

/* alt ('|' alt)*, up to the ')' or the end that closes the list. */
static int rl_open_alts(const char *p, long *i, rl_words *w) {
  for (;;) {
    if (rl_open_alt(p, i, w))
      return -1;
    if (p[*i] != '|')
      return 0;
    (*i)++;
  }
}

/* The opening words of the (expanded) pattern of code re as a need list
 * with lead 0, or NULL when the pattern does not open with literals. */
static nlp_need *rl_starts(rl_loader *L, const pcre2_code *re) {
  const char *p = NULL;
  for (size_t c = 0; c < L->r->ncodes && !p; c++)
    if (L->r->codes[c] == re)
      p = L->exp[c];
  rl_words w;
  w.n = 0;
  long i = 0;
  if (!p || rl_open_alts(p, &i, &w) || p[i])
    return NULL;
  size_t total = 0;
  for (size_t k = 0; k < w.n; k++)
    total += w.len[k] + 1;
  char *spec = malloc(total);
  if (!spec)
    return NULL;
  size_t o = 0;
  for (size_t k = 0; k < w.n; k++) {
    memcpy(spec + o, w.w[k], w.len[k]);
    o += w.len[k];
    spec[o++] = k + 1 < w.n ? '|' : 0;
  }
  nlp_need *nd = rl_parse_need(L, 0, spec);
  free(spec);
  if (nd)
    nd->lead = 0;
  return nd;
}

/* ---- required words --------------------------------------------------------
 * Words one of which every match of a pattern contains, read from the
 * expanded pattern at load: the extractor skips a pattern in a sentence or
 * window that holds none of them (a few bit tests of the sentence's
 * character set, then memmem) instead of letting PCRE2 try it from every
 * start, as a need= line does, but for every pattern.
 *
 * The reading: a run of literal characters in a sequence is a word every
 * match contains (a quantifier on its last character ends the run: with a
 * minimum of 0 before that character, else after one copy of it); a group,
 * a short class of plain characters ([（(]) or a quantified item with a
 * minimum of one or more passes on its own sets; every item of a sequence
 * is a condition of it; a list of alternatives gives one set, the union of
 * each alternative's best set, when every alternative has one.  Look-arounds
 * give nothing (a look-behind may see text before the searched part), nor do
 * escapes such as \d or \s, dots and anchors.  Anything this reading does
 * not know — option settings such as (?i), back-references, \Q…\E, verbs,
 * conditionals — makes it give up on the whole pattern, which is then
 * searched as before.  Sets are ranked by their shortest word (bytes), then
 * by fewer words; a word that contains another word of its set is dropped,
 * since the shorter one occurs wherever it does. */

#define RL_REQ_WORDS 64 /* words in one set at most */
#define RL_REQ_KEEP 8   /* candidate sets kept per sequence while reading */

typedef struct rl_req {
  char *spec; /* the words as "w|w|w" (rl_parse_need's syntax) */
  size_t n, minlen;
} rl_req;

typedef struct rl_reqs rl_reqs;
struct rl_reqs {
  rl_req s[RL_REQ_KEEP]; /* best first */
  size_t n;
};

typedef struct rl_rp {
  rl_loader *L; /* its macros, and what was read from each */
  const char *p; /* the pattern as written: {NAME} is read once per macro */
  long i;
  int fail; /* something this reading does not know: no sets at all */
} rl_rp;

static void rl_reqs_clear(rl_reqs *rs) {
  for (size_t k = 0; k < rs->n; k++)
    free(rs->s[k].spec);
  rs->n = 0;
}

static int rl_req_better(const rl_req *a, const rl_req *b) {
  return a->minlen > b->minlen || (a->minlen == b->minlen && a->n < b->n);
}

/* Adds r (taking its spec) in rank order, dropping the worst when full. */
static void rl_reqs_add(rl_reqs *rs, rl_req r) {
  if (!r.spec)
    return;
  for (size_t k = 0; k < rs->n; k++)
    if (!strcmp(rs->s[k].spec, r.spec)) {
      free(r.spec);
      return;
    }
  if (rs->n == RL_REQ_KEEP) {
    if (!rl_req_better(&r, &rs->s[rs->n - 1])) {
      free(r.spec);
      return;
    }
    free(rs->s[--rs->n].spec);
  }
  size_t k = rs->n++;
  while (k > 0 && rl_req_better(&r, &rs->s[k - 1])) {
    rs->s[k] = rs->s[k - 1];
    k--;
  }
  rs->s[k] = r;
}

static void rl_reqs_take(rl_reqs *dst, rl_reqs *src) {
  for (size_t k = 0; k < src->n; k++)
    rl_reqs_add(dst, src->s[k]);
  src->n = 0;
}

/* The set of the words of spec ("w|w|…"), minimised: duplicates and words
 * containing another of its words dropped; spec NULL when it has more than
 * RL_REQ_WORDS words left or runs out of memory. */
static rl_req rl_req_from_spec(const char *spec) {
  rl_req r = {0};
  if (!strchr(spec, '|')) { /* one word: a literal run */
    r.n = 1;
    r.minlen = strlen(spec);
    r.spec = strdup(spec);
    return r;
  }
  const char *w[4 * RL_REQ_WORDS];
  size_t len[4 * RL_REQ_WORDS], n = 0;
  for (const char *s = spec;;) {
    const char *bar = strchr(s, '|');
    size_t l = bar ? (size_t)(bar - s) : strlen(s);
    if (n == sizeof w / sizeof *w)
      return r;
    w[n] = s;
    len[n++] = l;
    if (!bar)
      break;
    s = bar + 1;
  }
  rl_buf b = {0};
  size_t kept = 0;
  r.minlen = (size_t)-1;
  for (size_t i = 0; i < n; i++) {
    int redundant = 0;
    for (size_t j = 0; j < n && !redundant; j++)
      redundant = j != i && (len[j] < len[i] || (len[j] == len[i] && j < i)) &&
                  memmem(w[i], len[i], w[j], len[j]) != NULL;
    if (redundant)
      continue;
    if ((kept && rl_buf_add(&b, "|", 1)) || rl_buf_add(&b, w[i], len[i])) {
      free(b.p);
      return (rl_req){0};
    }
    kept++;
    if (len[i] < r.minlen)
      r.minlen = len[i];
  }
  if (kept > RL_REQ_WORDS) {
    free(b.p);
    return (rl_req){0};
  }
  r.spec = b.p;
  r.n = kept;
  return r;
}

static size_t rl_u8len(unsigned char c) {
  return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}


static void rl_req_alts(rl_rp *rp, rl_reqs *out);

/* Adds copies of the sets of src to dst. */
static void rl_reqs_copy(rl_reqs *dst, const rl_reqs *src) {
  for (size_t k = 0; k < src->n; k++) {
    rl_req r = src->s[k];
    r.spec = strdup(r.spec);
    rl_reqs_add(dst, r);
  }
}

/* The sets of macro m, an item "(?:BODY)" of the expanded pattern, read
 * from its body the first time and copied from then on. */
static void rl_req_macro(rl_rp *rp, const rl_macro *m, rl_reqs *item) {
  rl_loader *L = rp->L;
  size_t k = (size_t)(m - L->macros);
  if (!L->mreq) {
    L->mreq = calloc(L->nmacros, sizeof *L->mreq);
    L->mstate = calloc(L->nmacros, 1);
    if (!L->mreq || !L->mstate) {
      rp->fail = 1;
      return;
    }
  }
  if (!L->mstate[k]) {
    rl_rp sub = {L, m->body, 0, strstr(m->body, "\\Q") != NULL};
    L->mstate[k] = 2;
    if (!sub.fail)
      rl_req_alts(&sub, &L->mreq[k]);
    L->mstate[k] = sub.fail || m->body[sub.i] ? 3 : 1;
  }
  if (L->mstate[k] == 1)
    rl_reqs_copy(item, &L->mreq[k]);
  else
    rp->fail = 1;
}

/* A literal run being read (a longer one is cut: any part of it is a
 * word every match contains too). */
typedef struct rl_run {
  char w[256];
  size_t n;
} rl_run;

/* Ends the literal run of a sequence: it is a word of its own. */
static void rl_req_flush(rl_run *run, rl_reqs *out) {
  if (run->n) {
    run->w[run->n] = 0;
    rl_reqs_add(out, rl_req_from_spec(run->w));
  }
  run->n = 0;
}

/* The item at rp->i that is not a literal character (a group, a class, an
 * escape, a dot or an anchor): its sets into item; rp->i moves past it. */
static void rl_req_item(rl_rp *rp, rl_reqs *item) {
  const char *p = rp->p;
  long i = rp->i;
  if (p[i] == '\\') {
    char e = p[i + 1];
    i += 2;
    if (e == 'p' || e == 'P' || e == 'x') {
      if (p[i] == '{') {
        const char *cl = strchr(p + i, '}');
        if (!cl) {
          rp->fail = 1;
          return;
        }
        i = cl - p + 1;
      } else if (e != 'x') {
        i++; /* \pL */
      } else {
        for (int k = 0; k < 2 && isxdigit((unsigned char)p[i]); k++)
          i++;
      }
    } else if (!e || !strchr("dDsSwWhHvVRXbBAzZGKntrfea", e)) {
      rp->fail = 1; /* back-references, \Q, \c, \o, \g, \k, \N … */
      return;
    }
  } else if (p[i] == '[') {
    char ch[4][5]; /* up to four characters of up to 4 bytes */
    size_t nch = 0;
    int plain = 1;
    i++;
    if (p[i] == '^') {
      plain = 0;
      i++;
    }
    if (p[i] == ']') {
      ch[nch][0] = ']';
      ch[nch++][1] = 0;
      i++;
    }
    while (p[i] && p[i] != ']') {
      if (p[i] == '\\') {
        plain = 0;
        if (!p[i + 1])
          break;
        i += 2;
      } else if (p[i] == '[' && p[i + 1] == ':') {
        const char *cl = strstr(p + i + 2, ":]");
        if (!cl)
          break;
        plain = 0;
        i = cl - p + 2;
      } else {
        size_t l = rl_u8len((unsigned char)p[i]);
        if (p[i] == '-' || p[i] == '|' || nch == 4 ||
            (p[i] == '{' && (isupper((unsigned char)p[i + 1]) ||
                             p[i + 1] == '_')))
          plain = 0; /* a range, or a macro expanded inside the class */
        else {
          memcpy(ch[nch], p + i, l);
          ch[nch++][l] = 0;
        }
        i += (long)l;
      }
    }
    if (!p[i]) {
      rp->fail = 1;
      return;
    }
    i++;
    if (plain && nch) {
      char spec[4 * 5];
      size_t o = 0;
      for (size_t k = 0; k < nch; k++) {
        size_t l = strlen(ch[k]);
        memcpy(spec + o, ch[k], l);
        o += l;
        spec[o++] = k + 1 < nch ? '|' : 0;
      }
      rl_reqs_add(item, rl_req_from_spec(spec));
    }
  } else if (p[i] == '(') {
    long in;
    char q = p[i + 1] == '?' ? p[i + 2] : 0;
    if (p[i + 1] == '*') {
      rp->fail = 1; /* (*VERB) */
      return;
    }
    if (q == '=' || q == '!' ||
        (q == '<' && (p[i + 3] == '=' || p[i + 3] == '!'))) {
      rp->i = rl_skip_group(p, i); /* a look-around: nothing consumed */
      rp->fail = rp->i < 0;
      return;
    }
    if (p[i + 1] != '?') {
      in = i + 1;
    } else if (q == ':' || q == '>' || q == '|') {
      in = i + 3;
    } else if ((q == '<' && (isalpha((unsigned char)p[i + 3]) ||
                             p[i + 3] == '_')) ||
               (q == 'P' && p[i + 3] == '<') || q == '\'') {
      const char *gt = strchr(p + i + 3, q == '\'' ? '\'' : '>');
      if (!gt) {
        rp->fail = 1;
        return;
      }
      in = gt - p + 1;
    } else {
      rp->fail = 1; /* options, recursion, conditionals, comments */
      return;
    }
    rp->i = in;
    rl_req_alts(rp, item);
    if (!rp->fail && p[rp->i] != ')')
      rp->fail = 1;
    rp->i++;
    return;
  } else if (p[i] == '.' || p[i] == '^' || p[i] == '$') {
    i++;
  } else {
    rp->fail = 1; /* a quantifier with nothing before it */
    return;
  }
  rp->i = i;
}

/* The quantifier at rp->i, if any: its minimum (1 without one); *quant
 * says there was one.  '{' and digits that make no quantifier give up;
 * '{' without a digit is the next item (a macro reference, else a literal
 * brace, on which rl_req_item gives up). */
static long rl_req_quant(rl_rp *rp, int *quant) {
  const char *p = rp->p;
  long i = rp->i, min = 1;
  *quant = 1;
  if (p[i] == '?' || p[i] == '*') {
    min = 0;
    i++;
  } else if (p[i] == '+') {
    i++;
  } else if (p[i] == '{' && isdigit((unsigned char)p[i + 1])) {
    char *end;
    min = strtol(p + i + 1, &end, 10);
    if (*end == ',') {
      end++;
      while (isdigit((unsigned char)*end))
        end++;
    }
    if (*end != '}') {
      rp->fail = 1;
      return 0;
    }
    i = end - p + 1;
  } else {
    *quant = 0;
    return 1;
  }
  if (p[i] == '?' || p[i] == '+')
    i++; /* lazy, possessive */
  rp->i = i;
  return min;
}

/* A sequence of items up to the '|' or ')' that ends it: every set of an
 * item is one of the sequence. */
static void rl_req_seq(rl_rp *rp, rl_reqs *out) {
  const char *p = rp->p;
  rl_run run;
  run.n = 0;
  while (!rp->fail && p[rp->i] && p[rp->i] != '|' && p[rp->i] != ')') {
    char lit[4];
    size_t litn = 0;
    rl_reqs item = {0};
    long i = rp->i;
    const rl_macro *m = NULL;
    if (p[i] == '{' && (isupper((unsigned char)p[i + 1]) || p[i + 1] == '_')) {
      long q = i + 1;
      while (isupper((unsigned char)p[q]) || isdigit((unsigned char)p[q]) ||
             p[q] == '_')
        q++;
      if (p[q] == '}' && (m = rl_macro_find(rp->L, p + i + 1,
                                            (size_t)(q - i - 1)))) {
        rl_req_macro(rp, m, &item);
        rp->i = q + 1;
      }
    }
    if (m) {
      /* read above */
    } else if (p[i] == '\\' && p[i + 1] && !isalnum((unsigned char)p[i + 1])) {
      litn = rl_u8len((unsigned char)p[i + 1]);
      memcpy(lit, p + i + 1, litn);
      rp->i = i + 1 + (long)litn;
    } else if (p[i] != '\\' && !strchr("[(.^$*+?{", p[i])) {
      litn = rl_u8len((unsigned char)p[i]);
      memcpy(lit, p + i, litn);
      rp->i = i + (long)litn;
    } else {
      rl_req_item(rp, &item);
    }
    if (litn == 1 && lit[0] == '|')
      litn = 0; /* an escaped bar cannot be in a "w|w" list */
    int quant = 0;
    long min = rp->fail ? 0 : rl_req_quant(rp, &quant);
    if (litn && min > 0) {
      if (run.n + litn >= sizeof run.w)
        rl_req_flush(&run, out);
      memcpy(run.w + run.n, lit, litn);
      run.n += litn;
      if (quant)
        rl_req_flush(&run, out);
    } else {
      rl_req_flush(&run, out);
      if (min > 0)
        rl_reqs_take(out, &item);
    }
    rl_reqs_clear(&item);
  }
  rl_req_flush(&run, out);
}

/* alt ('|' alt)*: one alternative passes its sets on; several give the
 * union of their best sets, when each has one. */
static void rl_req_alts(rl_rp *rp, rl_reqs *out) {
  rl_reqs a = {0};
  rl_req_seq(rp, &a);
  if (rp->fail || rp->p[rp->i] != '|') {
    rl_reqs_take(out, &a);
    return;
  }
  rl_buf u = {0};
  int none = rl_buf_add(&u, "", 0) != 0;
  for (;;) {
    if (!a.n)
      none = 1;
    else if (!none && ((u.n && rl_buf_add(&u, "|", 1)) ||
                       rl_buf_add(&u, a.s[0].spec, strlen(a.s[0].spec))))
      none = 1;
    rl_reqs_clear(&a);
    if (rp->fail || rp->p[rp->i] != '|')
      break;
    rp->i++;
    rl_req_seq(rp, &a);
  }
  if (!none && !rp->fail)
    rl_reqs_add(out, rl_req_from_spec(u.p));
  free(u.p);
}

/* The required word sets of pattern p (as written, macros read once each:
 * a reference is the group its expansion is), best first,
 * into req[0..NLP_REQ_MAX) (NULL-terminated when fewer), leaving out a set
 * that holds a word of any of the skip words (a rule's triggers: the hit
 * itself is in every window searched, so such a set never fails). */
static void rl_required(rl_loader *L, const char *p, char *const *skip,
                        size_t nskip, nlp_need *req[NLP_REQ_MAX]) {
  memset(req, 0, NLP_REQ_MAX * sizeof *req);
  if (strstr(p, "\\Q"))
    return;
  rl_rp rp = {L, p, 0, 0};
  rl_reqs rs = {0};
  rl_req_alts(&rp, &rs);
  size_t n = 0;
  for (size_t k = 0; !rp.fail && !p[rp.i] && k < rs.n && n < NLP_REQ_MAX;
       k++) {
    nlp_need *nd = rl_parse_need(L, 0, rs.s[k].spec);
    int useless = !nd;
    for (size_t w = 0; nd && w < nd->n && !useless; w++)
      for (size_t t = 0; t < nskip && !useless; t++)
        useless = strstr(skip[t], nd->w[w].w) != NULL;
    if (useless)
      free(nd);
    else
      req[n++] = nd;
  }
  rl_reqs_clear(&rs);
}

/* The bytes of the longest word of g[0..n), the inside of a trigger group,
 * when it is a list of non-empty literal words ("收购|并购"), else 0. */
static int rl_trig_max(const char *g, size_t n) {
  size_t best = 0, cur = 0;
  for (size_t i = 0; i < n; i++) {
    if (g[i] == '|') {
      if (!cur)
        return 0;
      cur = 0;
      continue;
    }
    if (rl_is_meta(g[i]))
      return 0;
    if (++cur > best)
      best = cur;
  }
  return cur && best <= 1000 ? (int)best : 0;
}

/* Closes the rule block being read: validates, compiles, appends. */
static int rl_rule_finish(rl_loader *L) {
  if (!L->in_rule)
    return 0;
  nlp_rules *r = L->r;
  int rc = 0;
  if (!L->type || !L->pattern || !L->ntrig) {
    rl_diag(L, L->file, L->rule_line,
            "rule %s: needs 'type', 'trigger' and 'pattern' lines",
            L->name ? L->name : "?");
    goto out;
  }
  pcre2_code *re = rl_compile(L, L->file, L->pat_line, L->pattern);
  if (!re)
    goto out;
  nlp_rule *p = realloc(r->rules, (r->nrules + 1) * sizeof *p);
  if (!p) {
    rc = NLP_ENOMEM;
    goto out;
  }
  r->rules = p;
  nlp_rule *ru = &r->rules[r->nrules];
  memset(ru, 0, sizeof *ru);
  ru->re = re;
  ru->name = rl_intern(r, L->name);
  ru->type = rl_intern(r, L->type);
  ru->file = rl_intern(r, L->file);
  ru->line = L->pat_line;
  ru->priority = L->priority;
  /* How far before the trigger a match may start, in bytes (a CJK character
   * is 3): a pattern that opens with its trigger needs nothing before it;
   * otherwise RULES_DEFAULT_REACH characters unless the rule says. */
  if (L->reach >= 0)
    ru->reach = 3 * L->reach;
  else if (!strncmp(L->pattern, "(?<trig>", 8))
    ru->reach = 0;
  else
    ru->reach = 3 * RULES_DEFAULT_REACH;
  ru->confidence = L->confidence;
  ru->split_role = L->split_role;
  memcpy(ru->split_trim, L->split_trim, sizeof ru->split_trim);
  ru->nsplit_trim = L->nsplit_trim;
  ru->split_values = L->split_values;
  long tail_at = rl_tail_offset(L->pattern);
  if (tail_at > 0) /* a tail equal to the whole pattern saves nothing */
    ru->tail = rl_compile(L, L->file, L->pat_line, L->pattern + tail_at);
  int mrc = rl_map_groups(L, ru);
  if (mrc) {
    free(ru->gmap);
    if (mrc == NLP_ENOMEM)
      rc = mrc;
    goto out;
  }
  /* the word sets are allocated only once the rule is sure to be kept: a
   * rule refused above owns nothing that nlp_rules_free would not find */
  if (tail_at > 0 && ru->tail) {
    char *head = strndup(L->pattern, (size_t)tail_at);
    long rest = rl_skip_group(L->pattern, tail_at);
    if (head)
      rl_required(L, head, L->trig, L->ntrig, ru->hreq);
    if (rest > 0) {
      rl_required(L, L->pattern + rest, L->trig, L->ntrig, ru->rreq);
      ru->trig_max = rl_trig_max(L->pattern + tail_at + 8,
                                 (size_t)(rest - 1 - (tail_at + 8)));
    }
    free(head);
  }
  ru->need = L->need;
  L->need = NULL;
  ru->starts = rl_starts(L, re);
  rl_required(L, L->pattern, L->trig, L->ntrig, ru->req);
  ru->sets = L->sets;
  ru->nsets = L->nsets;
  L->sets = NULL;
  L->nsets = 0;
  size_t ri = r->nrules++;
  /* Triggers: attach rule index ri (sorted by priority later). */
  for (size_t t = 0; t < L->ntrig; t++) {
    size_t w;
    for (w = 0; w < r->ntrig; w++)
      if (!strcmp(r->trig_words[w], L->trig[t]))
        break;
    if (w == r->ntrig) {
      char **tw = realloc(r->trig_words, (w + 1) * sizeof *tw);
      size_t **tr = realloc(r->trig_rules, (w + 1) * sizeof *tr);
      if (tw)
        r->trig_words = tw;
      if (tr)
        r->trig_rules = tr;
      size_t *tn = realloc(r->trig_nrules, (w + 1) * sizeof *tn);
      if (tn)
        r->trig_nrules = tn;
      if (!tw || !tr || !tn)
        return NLP_ENOMEM;
      r->trig_words[w] = strdup(L->trig[t]);
      r->trig_rules[w] = NULL;
      r->trig_nrules[w] = 0;
      if (!r->trig_words[w])
        return NLP_ENOMEM;
      r->ntrig++;
    }
    size_t *lst =
        realloc(r->trig_rules[w], (r->trig_nrules[w] + 1) * sizeof *lst);
    if (!lst)
      return NLP_ENOMEM;
    lst[r->trig_nrules[w]++] = ri;
    r->trig_rules[w] = lst;
  }
out:
  rl_rule_reset(L);
  return rc;
}

/* "need=W1|W2…" (the text after "need="): the words with their lengths and
 * character sets; NULL with a diagnostic when a word is empty. */
static nlp_need *rl_parse_need(rl_loader *L, int line, const char *spec) {
  size_t len = strlen(spec), n = 1;
  int empty = !len || spec[0] == '|' || spec[len - 1] == '|' ||
              strstr(spec, "||") != NULL;
  if (empty) {
    rl_diag(L, L->file, line, "need: expected need=WORD|WORD… (no empty word)");
    return NULL;
  }
  for (size_t i = 0; i < len; i++)
    n += spec[i] == '|';
  nlp_need *nd = malloc(sizeof *nd + n * sizeof nd->w[0] + len + 1);
  if (!nd)
    return NULL;
  char *text = (char *)&nd->w[n];
  memcpy(text, spec, len + 1);
  nd->n = 0;
  nd->lead = -1;
  for (char *w = text;;) {
    char *bar = strchr(w, '|');
    if (bar)
      *bar = 0;
    nlp_needw *e = &nd->w[nd->n++];
    e->w = w;
    e->len = strlen(w);
    memset(e->m, 0, sizeof e->m);
    nlp_cmask_add(e->m, (const unsigned char *)w, e->len);
    if (!bar)
      break;
    w = bar + 1;
  }
  return nd;
}

/* Reads an optional "need=…" option, and the "lead=N" that may follow it,
 * at the start of *pat and advances *pat past them.  Returns -1 when an
 * option is malformed (reported). */
static int rl_take_need(rl_loader *L, int line, char **pat, nlp_need **need) {
  *need = NULL;
  if (strncmp(*pat, "need=", 5))
    return 0;
  char *rest = rl_split(*pat);
  *need = rl_parse_need(L, line, *pat + 5);
  *pat = rest;
  if (*need && !strncmp(*pat, "lead=", 5)) {
    rest = rl_split(*pat);
    char *end;
    long n = strtol(*pat + 5, &end, 10);
    if (end == *pat + 5 || *end || n < 0 || n > 1000) {
      rl_diag(L, L->file, line, "lead: expected lead=N (0..1000 characters)");
      free(*need);
      *need = NULL;
      return -1;
    }
    (*need)->lead = (int)n;
    *pat = rest;
  }
  return *need ? 0 : -1;
}

/* "fill TYPE ROLE SCOPE [many|more] [norm=KIND] [need=W|W] [REGEX]" */
static int rl_parse_fill(rl_loader *L, int line, char *rest) {
  nlp_rules *r = L->r;
  char *type = rest, *role = rl_split(type), *scope = rl_split(role);
  char *pat = rl_split(scope);
  nlp_fill f = {0};
  f.file = rl_intern(r, L->file);
  f.line = line;
  if (!*type || !*role || !*scope) {
    rl_diag(L, L->file, line, "fill: expected 'fill TYPE ROLE SCOPE REGEX'");
    return 0;
  }
  if (!strcmp(scope, "subject")) {
    f.scope = NLP_SCOPE_SUBJECT;
  } else if (!strcmp(scope, "title")) {
    f.scope = NLP_SCOPE_TITLE;
  } else if (!strcmp(scope, "doc")) {
    f.scope = NLP_SCOPE_DOC;
  } else if (!strcmp(scope, "end")) {
    f.scope = NLP_SCOPE_END;
  } else if (!strcmp(scope, "sentence")) {
    f.scope = NLP_SCOPE_WINDOW;
  } else if (sscanf(scope, "window:%d,%d", &f.before, &f.after) == 2 &&
             f.before >= 0 && f.after >= 0) {
    f.scope = NLP_SCOPE_WINDOW;
  } else {
    rl_diag(L, L->file, line,
            "fill: unknown scope '%s' (sentence, window:B,A, title, doc, "
            "end, subject)",
            scope);
    return 0;
  }
  /* optional "many" (or "more") and "norm=KIND" before the pattern */
  if (!strncmp(pat, "many ", 5) || !strncmp(pat, "more ", 5)) {
    f.many = 1;
    f.more = pat[1] == 'o';
    pat = rl_split(pat);
  }
  if (!strncmp(pat, "norm=", 5)) {
    char *p2 = rl_split(pat);
    f.norm = rl_norm_kind(pat + 5);
    if (f.norm < 0) {
      rl_diag(L, L->file, line, "fill: unknown normaliser '%s'", pat + 5);
      return 0;
    }
    pat = p2;
  } else {
    const rl_group *g = NULL;
    for (size_t i = 0; i < L->ngroups && !g; i++)
      if (!strcmp(L->groups[i].role, role))
        g = &L->groups[i];
    f.norm = g ? g->norm : NLP_NORM_NONE;
  }
  if (rl_take_need(L, line, &pat, &f.need))
    return 0;
  if (f.scope != NLP_SCOPE_SUBJECT) {
    if (!*pat) {
      rl_diag(L, L->file, line, "fill: scope %s needs a pattern", scope);
      free(f.need);
      return 0;
    }
    f.re = rl_compile(L, L->file, line, pat);
    if (f.re)
      f.vgroup = rl_group_numbers(f.re, "v");
    f.starts = f.vgroup.n[0] ? rl_starts(L, f.re) : NULL;
    if (f.re && !f.vgroup.n[0])
      rl_diag(L, L->file, line, "fill: the pattern needs a group (?<v>...)");
    if (!f.vgroup.n[0]) {
      free(f.need);
      return 0;
    }
  }
  f.type = rl_intern(r, type);
  f.role = rl_intern(r, role);
  if (f.re)
    rl_required(L, pat, NULL, 0, f.req);
  nlp_fill *p = realloc(r->fills, (r->nfills + 1) * sizeof *p);
  if (!p) {
    free(f.need);
    free(f.starts);
    for (size_t k = 0; k < NLP_REQ_MAX; k++)
      free(f.req[k]);
    return NLP_ENOMEM;
  }
  r->fills = p;
  r->fills[r->nfills++] = f;
  return 0;
}

static int rl_parse_docpat(rl_loader *L, int line, char *pat,
                           nlp_docpat **arr, size_t *n, int need_full) {
  nlp_docpat d = {0};
  if (need_full) { /* "alias ANCHOR REGEX" */
    char *rest = rl_split(pat);
    if (!*rest) {
      rl_diag(L, L->file, line, "alias: expected 'alias ANCHOR REGEX'");
      return 0;
    }
    if (!(d.anchor = strdup(pat)))
      return NLP_ENOMEM;
    pat = rest;
  }
  if (!need_full) { /* "subject [title|text] REGEX" */
    char *rest = rl_split(pat);
    if (!strcmp(pat, "title") || !strcmp(pat, "text")) {
      d.where = !strcmp(pat, "title") ? 1 : 2;
      pat = rest;
    } else if (*rest) {
      pat[strlen(pat)] = ' '; /* undo the split: the blank was the regex's */
    }
    if (rl_take_need(L, line, &pat, &d.need))
      return 0;
  }
  d.re = rl_compile(L, L->file, line, pat);
  if (!d.re) {
    free(d.anchor);
    free(d.need);
    return 0;
  }
  d.vgroup = rl_group_numbers(d.re, "v");
  d.starts = need_full ? NULL : rl_starts(L, d.re);
  d.fullgroup = rl_group_numbers(d.re, "full");
  if (!d.vgroup.n[0] || (need_full && !d.fullgroup.n[0])) {
    rl_diag(L, L->file, line, "the pattern needs group%s (?<v>...)%s",
            need_full ? "s" : "", need_full ? " and (?<full>...)" : "");
    free(d.anchor);
    free(d.need);
    free(d.starts);
    return 0;
  }
  d.file = rl_intern(L->r, L->file);
  d.line = line;
  if (!need_full) /* alias patterns run around their anchor only */
    rl_required(L, pat, NULL, 0, d.req);
  nlp_docpat *p = realloc(*arr, (*n + 1) * sizeof *p);
  if (!p) {
    free(d.anchor);
    free(d.need);
    free(d.starts);
    for (size_t k = 0; k < NLP_REQ_MAX; k++)
      free(d.req[k]);
    return NLP_ENOMEM;
  }
  *arr = p;
  p[(*n)++] = d;
  return 0;
}

/* "cut REGEX" (nlp_rules.cuts).  A pattern that does not compile is
 * reported and skipped; the other rules still load. */
static int rl_parse_cut(rl_loader *L, int line, char *pat) {
  if (!*pat) {
    rl_diag(L, L->file, line, "cut: expected 'cut REGEX'");
    return 0;
  }
  pcre2_code *re = rl_compile(L, L->file, line, pat);
  if (!re)
    return 0;
  pcre2_code **p = realloc(L->r->cuts, (L->r->ncuts + 1) * sizeof *p);
  if (!p)
    return NLP_ENOMEM;
  L->r->cuts = p;
  p[L->r->ncuts++] = re;
  return 0;
}

/* "group NAME = ROLE [norm]" */
static int rl_parse_group(rl_loader *L, int line, char *rest) {
  char *name = rest, *eq = rl_split(name);
  if (*eq != '=') {
    rl_diag(L, L->file, line, "group: expected 'group NAME = ROLE [norm]'");
    return 0;
  }
  char *role = rl_trim(eq + 1), *norm = rl_split(role);
  int nk = rl_norm_kind(norm);
  if (!*name || !*role || nk < 0) {
    rl_diag(L, L->file, line, "group: bad declaration (normaliser '%s'?)",
            norm);
    return 0;
  }
  rl_group *g = realloc(L->groups, (L->ngroups + 1) * sizeof *g);
  if (!g)
    return NLP_ENOMEM;
  L->groups = g;
  g[L->ngroups].name = strdup(name);
  g[L->ngroups].role = rl_intern(L->r, role);
  g[L->ngroups].norm = nk;
  if (!g[L->ngroups].name || !g[L->ngroups].role)
    return NLP_ENOMEM;
  L->ngroups++;
  return 0;
}

/* "same TYPE BY [ROLE W|W|…]" (nlp_same).  A malformed line is reported and
 * skipped; the other rules still load. */
static int rl_parse_same(rl_loader *L, int line, char *rest) {
  char *type = rest, *by = rl_split(type), *role = rl_split(by);
  char *words = rl_split(role);
  if (!*type || !*by || (*role && !*words) || *rl_split(words)) {
    rl_diag(L, L->file, line,
            "same: expected 'same EVENT_TYPE BY_ROLE [ROLE WORD|WORD|...]'");
    return 0;
  }
  size_t n = 1;
  for (const char *c = words; *c; c++)
    n += *c == '|';
  nlp_same *v = realloc(L->r->sames, (L->r->nsames + 1) * sizeof *v);
  if (!v)
    return NLP_ENOMEM;
  L->r->sames = v;
  nlp_same *m = &v[L->r->nsames];
  memset(m, 0, sizeof *m);
  m->type = rl_intern(L->r, type);
  m->by = rl_intern(L->r, by);
  m->role = *role ? rl_intern(L->r, role) : NULL;
  m->words = calloc(n, sizeof *m->words);
  if (!m->type || !m->by || (*role && !m->role) || !m->words) {
    free(m->words);
    return NLP_ENOMEM;
  }
  for (char *w = *role ? words : NULL, *bar; w; w = bar) {
    if ((bar = strchr(w, '|')))
      *bar++ = 0;
    if (!*w) {
      rl_diag(L, L->file, line, "same: an empty word in the list");
      free(m->words);
      return 0;
    }
    if (!(m->words[m->nwords++] = rl_intern(L->r, w))) {
      free(m->words);
      return NLP_ENOMEM;
    }
  }
  L->r->nsames++;
  return 0;
}

/* A key line inside a rule block. */
static int rl_parse_rule_key(rl_loader *L, int line, char *key, char *rest) {
  if (!strcmp(key, "type")) {
    free(L->type);
    L->type = strdup(rest);
  } else if (!strcmp(key, "trigger")) {
    char *w = rest;
    while (*w) {
      char *next = rl_split(w);
      char **t = realloc(L->trig, (L->ntrig + 1) * sizeof *t);
      if (!t)
        return NLP_ENOMEM;
      L->trig = t;
      if (!(L->trig[L->ntrig++] = strdup(w)))
        return NLP_ENOMEM;
      w = next;
    }
  } else if (!strcmp(key, "need")) {
    /* the words as "a|b|c" for rl_parse_need */
    for (char *c = rest; *c; c++)
      if (*c == ' ' || *c == '\t')
        *c = '|';
    free(L->need);
    L->need = rl_parse_need(L, line, rest);
  } else if (!strcmp(key, "priority")) {
    L->priority = atoi(rest);
  } else if (!strcmp(key, "reach")) {
    L->reach = atoi(rest);
    if (L->reach < 0 || L->reach > 1000) {
      rl_diag(L, L->file, line, "reach: expected 0..1000 characters");
      L->reach = -1;
    }
  } else if (!strcmp(key, "confidence")) {
    L->confidence = atof(rest);
  } else if (!strcmp(key, "split")) {
    char *opt = rl_split(rest);
    int bad = !*rest;
    L->nsplit_trim = 0;
    L->split_values = 0;
    while (!bad && *opt) {
      char *next = rl_split(opt);
      if (!strcmp(opt, "values")) {
        L->split_values = 1;
      } else if (!strncmp(opt, "trim=", 5) && !L->nsplit_trim) {
        for (char *w = opt + 5; !bad && *w;) {
          char *bar = strchr(w, '|');
          if (bar)
            *bar = '\0';
          if (!*w || L->nsplit_trim == 4) {
            bad = 1;
            break;
          }
          if (!(L->split_trim[L->nsplit_trim++] = rl_intern(L->r, w)))
            return NLP_ENOMEM;
          w = bar ? bar + 1 : w + strlen(w);
        }
        bad = bad || !L->nsplit_trim;
      } else {
        bad = 1;
      }
      opt = next;
    }
    if (bad) {
      rl_diag(L, L->file, line,
              "split: expected 'split ROLE [trim=W|W] [values]' (at most 4 "
              "words)");
      L->nsplit_trim = 0;
      L->split_values = 0;
      return 0;
    }
    if (!(L->split_role = rl_intern(L->r, rest)))
      return NLP_ENOMEM;
  } else if (!strcmp(key, "pattern")) {
    free(L->pattern);
    L->pattern = strdup(rest);
    L->pat_line = line;
  } else if (!strcmp(key, "set")) {
    char *role = rest, *eq = rl_split(role);
    if (*eq != '=' || !*rl_trim(eq + 1)) {
      rl_diag(L, L->file, line, "set: expected 'set ROLE = VALUE'");
      return 0;
    }
    nlp_setarg *s = realloc(L->sets, (L->nsets + 1) * sizeof *s);
    if (!s)
      return NLP_ENOMEM;
    L->sets = s;
    s[L->nsets].role = rl_intern(L->r, role);
    s[L->nsets].value = rl_intern(L->r, rl_trim(eq + 1));
    L->nsets++;
  } else {
    rl_diag(L, L->file, line, "unknown key '%s' in rule %s", key, L->name);
  }
  return 0;
}

typedef struct rl_file {
  char *path;
  char **lines;
  size_t nlines;
} rl_file;

static void rl_file_free(rl_file *f) {
  for (size_t i = 0; i < f->nlines; i++)
    free(f->lines[i]);
  free(f->lines);
  free(f->path);
}

/* Reads the lines of path; *budget is the number of bytes all rule files
 * may still have, and NLP_ETOOBIG is returned as soon as this one needs
 * more (before it is held in memory whole). */
static int rl_file_read(rl_file *f, const char *path, size_t *budget) {
  FILE *fp = fopen(path, "r");
  if (!fp)
    return NLP_EIO;
  f->path = strdup(path);
  char *buf = malloc(RULES_MAX_LINE);
  int rc = (f->path && buf) ? 0 : NLP_ENOMEM;
  size_t cap = 0;
  while (!rc && fgets(buf, RULES_MAX_LINE, fp)) {
    size_t n = strlen(buf);
    if (n > *budget) {
      rc = NLP_ETOOBIG;
      break;
    }
    *budget -= n;
    if (f->nlines == cap) {
      cap = cap ? 2 * cap : 64;
      char **l = realloc(f->lines, cap * sizeof *l);
      if (!l) {
        rc = NLP_ENOMEM;
        break;
      }
      f->lines = l;
    }
    if (!(f->lines[f->nlines++] = strdup(buf)))
      rc = NLP_ENOMEM;
  }
  free(buf);
  fclose(fp);
  return rc;
}

static void rl_macros_free(rl_loader *L) {
  for (size_t i = 0; i < L->nmacros; i++) {
    free(L->macros[i].name);
    free(L->macros[i].body);
  }
  free(L->macros);
  L->macros = NULL;
  L->nmacros = 0;
}

/* Pass 1: macros. */
static int rl_collect_macros(rl_loader *L, rl_file *f) {
  for (size_t i = 0; i < f->nlines; i++) {
    char tmp[RULES_MAX_LINE];
    snprintf(tmp, sizeof tmp, "%s", f->lines[i]);
    char *s = rl_trim(tmp);
    if (strncmp(s, "macro", 5) || (s[5] != ' ' && s[5] != '\t'))
      continue;
    char *name = rl_trim(s + 5), *eq = rl_split(name);
    if (*eq != '=' || !*name) {
      rl_diag(L, f->path, (int)i + 1, "macro: expected 'macro NAME = REGEX'");
      continue;
    }
    for (char *c = name; *c; c++)
      if (!isupper((unsigned char)*c) && !isdigit((unsigned char)*c) &&
          *c != '_') {
        rl_diag(L, f->path, (int)i + 1,
                "macro: name '%s' must be upper-case letters, digits, _",
                name);
        name = NULL;
        break;
      }
    if (!name)
      continue;
    rl_macro *m = realloc(L->macros, (L->nmacros + 1) * sizeof *m);
    if (!m)
      return NLP_ENOMEM;
    L->macros = m;
    m[L->nmacros].name = strdup(name);
    m[L->nmacros].body = strdup(rl_trim(eq + 1));
    if (!m[L->nmacros].name || !m[L->nmacros].body)
      return NLP_ENOMEM;
    L->nmacros++;
  }
  return 0;
}

/* Pass 2: everything else. */
static int rl_parse_file(rl_loader *L, rl_file *f) {
  int rc = 0;
  L->file = f->path;
  for (size_t i = 0; i < L->ngroups; i++)
    free(L->groups[i].name);
  L->ngroups = 0;
  for (size_t i = 0; i < f->nlines && !rc; i++) {
    int line = (int)i + 1;
    char tmp[RULES_MAX_LINE];
    snprintf(tmp, sizeof tmp, "%s", f->lines[i]);
    char *s = rl_trim(tmp);
    if (!*s || *s == '#')
      continue;
    char *key = s, *rest = rl_split(s);
    if (!strcmp(key, "macro"))
      continue;
    if (!strcmp(key, "cut")) {
      if ((rc = rl_rule_finish(L)))
        break;
      rc = rl_parse_cut(L, line, rest);
      continue;
    }
    if ((!strcmp(key, "rule") || !strcmp(key, "fill") ||
         !strcmp(key, "subject") || !strcmp(key, "alias")) &&
        ++L->nblocks > L->lim.max_rules) {
      rl_diag(L, f->path, line,
              "more than %zu rules (rule, fill, subject and alias blocks of "
              "all files together): over the rule-count limit",
              L->lim.max_rules);
      rc = NLP_ETOOBIG;
      break;
    }
    if (!strcmp(key, "rule")) {
      if ((rc = rl_rule_finish(L)))
        break;
      L->in_rule = 1;
      L->rule_line = line;
      L->name = strdup(*rest ? rest : "unnamed");
      continue;
    }
    if (!strcmp(key, "group") || !strcmp(key, "fill") ||
        !strcmp(key, "subject") || !strcmp(key, "alias") ||
        !strcmp(key, "same")) {
      if ((rc = rl_rule_finish(L)))
        break;
      if (!strcmp(key, "same"))
        rc = rl_parse_same(L, line, rest);
      else if (!strcmp(key, "group"))
        rc = rl_parse_group(L, line, rest);
      else if (!strcmp(key, "fill"))
        rc = rl_parse_fill(L, line, rest);
      else if (!strcmp(key, "subject"))
        rc = rl_parse_docpat(L, line, rest, &L->r->subjects, &L->r->nsubjects,
                             0);
      else
        rc = rl_parse_docpat(L, line, rest, &L->r->aliases, &L->r->naliases,
                             1);
      continue;
    }
    if (L->in_rule) {
      rc = rl_parse_rule_key(L, line, key, rest);
      continue;
    }
    rl_diag(L, f->path, line, "unknown directive '%s'", key);
  }
  if (!rc)
    rc = rl_rule_finish(L);
  rl_rule_reset(L);
  return rc;
}

static int rl_cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Insertion sort of a trigger's rule list: priority descending, then file
 * order (lists are short; stable and needs no context pointer). */
static void rl_sort_rule_idx(const nlp_rules *r, size_t *v, size_t n) {
  for (size_t i = 1; i < n; i++) {
    size_t x = v[i], j = i;
    while (j > 0 && (r->rules[v[j - 1]].priority < r->rules[x].priority ||
                     (r->rules[v[j - 1]].priority == r->rules[x].priority &&
                      v[j - 1] > x))) {
      v[j] = v[j - 1];
      j--;
    }
    v[j] = x;
  }
}

/* Links the fills of each event type (nlp_rules.fill_types). */
static int rl_index_fills(nlp_rules *r) {
  r->fill_types = malloc((r->nfills ? r->nfills : 1) * sizeof *r->fill_types);
  r->fill_first = malloc((r->nfills ? r->nfills : 1) * sizeof *r->fill_first);
  if (!r->fill_types || !r->fill_first)
    return NLP_ENOMEM;
  r->nfill_types = 0;
  for (size_t i = r->nfills; i-- > 0;) { /* backwards: heads end up first */
    size_t t;
    for (t = 0; t < r->nfill_types && r->fill_types[t] != r->fills[i].type;
         t++)
      ;
    if (t == r->nfill_types) {
      r->fill_types[t] = r->fills[i].type;
      r->nfill_types++;
      r->fills[i].next_same = r->nfills;
    } else {
      r->fills[i].next_same = r->fill_first[t];
    }
    r->fill_first[t] = i;
  }
  return 0;
}

int nlp_rules_load_dir(const char *dir, nlp_diag_fn diag, void *ctx,
                       nlp_rules **out) {
  return nlp_rules_load_dir_limits(dir, NULL, diag, ctx, out);
}

int nlp_rules_load_dir_limits(const char *dir, const nlp_rules_limits *lim,
                              nlp_diag_fn diag, void *ctx, nlp_rules **out) {
  *out = NULL;
  DIR *d = opendir(dir);
  if (!d) {
    if (diag) {
      char msg[512];
      snprintf(msg, sizeof msg, "cannot open rules directory: %s",
               strerror(errno));
      diag(ctx, dir, 0, msg);
    }
    return NLP_EIO;
  }
  char **names = NULL;
  size_t nnames = 0;
  int rc = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t n = strlen(de->d_name);
    if (n < 7 || strcmp(de->d_name + n - 6, ".rules") || de->d_name[0] == '.')
      continue;
    char **p = realloc(names, (nnames + 1) * sizeof *p);
    if (!p) {
      rc = NLP_ENOMEM;
      break;
    }
    names = p;
    size_t len = strlen(dir) + n + 2;
    if (!(names[nnames] = malloc(len))) {
      rc = NLP_ENOMEM;
      break;
    }
    snprintf(names[nnames++], len, "%s/%s", dir, de->d_name);
  }
  closedir(d);
  if (nnames)
    qsort(names, nnames, sizeof *names, rl_cmp_str);

  nlp_rules *r = calloc(1, sizeof *r);
  rl_file *files = calloc(nnames ? nnames : 1, sizeof *files);
  rl_loader L = {0};
  L.r = r;
  L.diag = diag;
  L.ctx = ctx;
  L.lim.max_rules = lim && lim->max_rules ? lim->max_rules
                                          : NLP_RULES_DEFAULT_MAX_RULES;
  L.lim.max_bytes = lim && lim->max_bytes ? lim->max_bytes
                                          : NLP_RULES_DEFAULT_MAX_BYTES;
  size_t budget = L.lim.max_bytes;
  rl_rule_reset(&L);
  if (!r || !files)
    rc = NLP_ENOMEM;
  for (size_t i = 0; i < nnames && !rc; i++) {
    int frc = rl_file_read(&files[i], names[i], &budget);
    if (frc == NLP_EIO) {
      rl_diag(&L, names[i], 0, "cannot read: %s", strerror(errno));
    } else if (frc == NLP_ETOOBIG) {
      rl_diag(&L, names[i], (int)files[i].nlines + 1,
              "the rule files are over the limit of %zu bytes together",
              L.lim.max_bytes);
      rc = frc;
    } else if (frc) {
      rc = frc;
    }
  }
  for (size_t i = 0; i < nnames && !rc; i++)
    if (files[i].path)
      rc = rl_collect_macros(&L, &files[i]);
  for (size_t i = 0; i < nnames && !rc; i++)
    if (files[i].path)
      rc = rl_parse_file(&L, &files[i]);

  if (!rc) {
    for (size_t w = 0; w < r->ntrig; w++)
      rl_sort_rule_idx(r, r->trig_rules[w], r->trig_nrules[w]);
    rc = nlp_dict_new(&r->trig_dict);
    for (size_t w = 0; w < r->ntrig && !rc; w++)
      rc = nlp_dict_add(r->trig_dict, r->trig_words[w],
                        strlen(r->trig_words[w]), NLP_WORD_TERM, w);
    if (!rc)
      rc = nlp_dict_build(r->trig_dict);
  }
  if (!rc)
    rc = rl_index_fills(r);

  for (size_t i = 0; i < nnames; i++) {
    if (files)
      rl_file_free(&files[i]);
    free(names[i]);
  }
  free(files);
  free(names);
  for (size_t i = 0; L.mreq && i < L.nmacros; i++)
    rl_reqs_clear(&L.mreq[i]);
  free(L.mreq);
  rl_macros_free(&L); /* after mreq: it counts the macros to zero */
  free(L.mstate);
  for (size_t i = 0; r && i < r->ncodes; i++)
    free(L.exp[i]);
  free(L.exp);
  free(L.explen);
  for (size_t i = 0; i < L.ngroups; i++)
    free(L.groups[i].name);
  free(L.groups);
  rl_rule_reset(&L);
  if (rc) {
    nlp_rules_free(r);
    return rc;
  }
  *out = r;
  return L.errors ? NLP_ERULE : 0;
}

void nlp_rules_free(nlp_rules *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->ncodes; i++)
    pcre2_code_free(r->codes[i]);
  free(r->codes);
  for (size_t i = 0; i < r->nrules; i++) {
    free(r->rules[i].need);
    free(r->rules[i].starts);
    for (size_t k = 0; k < NLP_REQ_MAX; k++) {
      free(r->rules[i].req[k]);
      free(r->rules[i].hreq[k]);
      free(r->rules[i].rreq[k]);
    }
    free(r->rules[i].gmap);
    free(r->rules[i].sets);
  }
  free(r->rules);
  for (size_t i = 0; i < r->nfills; i++) {
    free(r->fills[i].need);
    free(r->fills[i].starts);
    for (size_t k = 0; k < NLP_REQ_MAX; k++)
      free(r->fills[i].req[k]);
  }
  free(r->fills);
  free(r->fill_types);
  free(r->fill_first);
  free(r->cuts); /* the codes are among r->codes */
  for (size_t i = 0; i < r->nsubjects; i++) {
    free(r->subjects[i].need);
    free(r->subjects[i].starts);
    for (size_t k = 0; k < NLP_REQ_MAX; k++)
      free(r->subjects[i].req[k]);
  }
  free(r->subjects);
  for (size_t i = 0; i < r->naliases; i++) {
    free(r->aliases[i].anchor);
    for (size_t k = 0; k < NLP_REQ_MAX; k++)
      free(r->aliases[i].req[k]);
  }
  free(r->aliases);
  for (size_t i = 0; i < r->nsames; i++)
    free(r->sames[i].words);
  free(r->sames);
  for (size_t i = 0; i < r->ntrig; i++) {
    free(r->trig_words[i]);
    free(r->trig_rules[i]);
  }
  free(r->trig_words);
  free(r->trig_rules);
  free(r->trig_nrules);
  nlp_dict_free(r->trig_dict);
  for (size_t i = 0; i < r->nstrs; i++)
    free(r->strs[i]);
  free(r->strs);
  free(r);
}

size_t nlp_rules_count(const nlp_rules *r) { return r ? r->nrules : 0; }

/* ---- the macros of one file (tests) ---------------------------------------
 * The loader's own reading and expansion, so that a test checking how the
 * shared macros are written (tests/unit/test_rules_macros.c) expands them
 * exactly as the rules are compiled. */

struct nlp_macro_set {
  rl_loader L; /* only its macros are used */
};

int nlp_macros_read(const char *path, nlp_macro_set **out) {
  *out = NULL;
  nlp_macro_set *m = calloc(1, sizeof *m);
  if (!m)
    return NLP_ENOMEM;
  rl_file f = {0};
  size_t budget = NLP_RULES_DEFAULT_MAX_BYTES;
  int rc = rl_file_read(&f, path, &budget);
  if (!rc)
    rc = rl_collect_macros(&m->L, &f);
  if (!rc && m->L.errors)
    rc = NLP_ERULE;
  rl_file_free(&f);
  if (rc) {
    nlp_macros_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

size_t nlp_macros_count(const nlp_macro_set *m) { return m->L.nmacros; }

const char *nlp_macros_name(const nlp_macro_set *m, size_t i) {
  return m->L.macros[i].name;
}

const char *nlp_macros_body(const nlp_macro_set *m, const char *name) {
  const rl_macro *x = rl_macro_find(&m->L, name, strlen(name));
  return x ? x->body : NULL;
}

char *nlp_macros_expand(const nlp_macro_set *m, const char *pattern,
                        char *err, size_t errlen) {
  rl_buf b = {0};
  if (rl_buf_add(&b, "", 0) ||
      rl_expand(&m->L, pattern, &b, 0, err, errlen)) {
    if (!b.p)
      snprintf(err, errlen, "out of memory");
    free(b.p);
    return NULL;
  }
  return b.p;
}

void nlp_macros_free(nlp_macro_set *m) {
  if (!m)
    return;
  rl_macros_free(&m->L);
  free(m);
}
