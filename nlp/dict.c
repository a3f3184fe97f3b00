/*
 * dict.c — the Aho–Corasick dictionary: enterprise names, aliases, persons,
 * regulators, banking terms.
 *
 * Life cycle: nlp_dict_add copies words into one byte arena (ASCII letters
 * lower-cased, so matching is ASCII-case-insensitive like the store's name
 * index); nlp_dict_build sorts them, drops duplicates (the first added wins)
 * and builds a byte-level automaton; after that the dictionary is read-only
 * and nlp_dict_scan may run in any number of threads at once.
 *
 * Layout, chosen for memory (millions of names) and cache behaviour: the
 * trie is built from the sorted word list, and when a node is expanded all
 * its children get consecutive node numbers, in byte order.  A node
 * therefore needs no edge list of its own: its children are nodes child ..
 * child + nchild - 1 and their bytes are the labels of those nodes (searched
 * linearly when few, else binary).  Nodes are expanded depth-first, so the
 * long single-child tails of names ("…科技有限公司") are consecutive in
 * memory and a scan walks them with few cache and TLB misses; failure links
 * are then computed over an explicit breadth-first queue.  A node is one
 * 16-byte record (first child, failure link, output node, depth, label,
 * child count) so that a step costs about one cache miss; the word number of
 * a node (4 bytes) is a separate array, read only on a match.  20 bytes per
 * node in all.  The exact
 * node count is known before allocation: 1 + sum over sorted words of (length
 * minus common prefix with the previous word).  The root has a full 256-entry
 * table because nearly every text byte passes through it.
 *
 * Matching is leftmost-longest, non-overlapping.  At each text byte the
 * longest word ending there is the first on the node's output chain (longer
 * word = earlier start).  A candidate is kept "pending" while a match that
 * starts at or before it could still appear: no later match can start before
 * i - depth(state).  Once the pending match is final it is reported and the
 * scan restarts from its end at the root, which discards overlapping
 * candidates and finds the ones that start right after it.  Words are valid
 * UTF-8, so in valid text a match starts and ends on character boundaries;
 * the end is still checked (next byte not a continuation byte) so that bad
 * text can never yield a span that cuts a character.
 *
 * A small dictionary (the extractor's trigger words: a few thousand nodes)
 * also gets a full transition table, 256 two-byte entries per node with the
 * failure links and case folding resolved at build time: a scan step is then
 * one load instead of a child search and a walk up the failure chain, and
 * the trigger scan runs over every byte of every document.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/nlp.h"
#include "nlp/nlp_internal.h"

#define DICT_MAX_WORD 65535u /* depth is 16 bits */
/* Largest automaton that gets a full transition table (2 bytes x 256 per
 * node: 2 MiB at most, and only the rows of common prefixes stay hot). */
#define DICT_DFA_MAX_NODES 4096u

typedef struct dict_entry {
  uint64_t off;   /* into arena */
  uint64_t value;
  uint32_t len;
  uint32_t kind;
  uint32_t seq;   /* insertion order: the first of duplicates wins */
} dict_entry;

typedef struct dict_word {
  uint64_t value;
  uint32_t kind;
  uint32_t len;
} dict_word;

typedef struct dict_node {
  uint32_t child; /* first child; 0 = leaf (the root is nobody's child) */
  uint32_t fail;
  uint32_t out;   /* nearest node on the suffix chain, itself included, that
                     ends a word; 0 = none */
  uint16_t depth;
  uint8_t label;  /* the byte on the edge from the parent */
  uint8_t nchild_m1; /* number of children - 1 (when child != 0) */
} dict_node;

struct nlp_dict {
  /* before build */
  char *arena;
  size_t arena_len, arena_cap;
  dict_entry *ents;
  size_t nents, ents_cap;
  bool built;
  /* after build */
  size_t nnodes;
  dict_node *node; /* nnodes entries */
  uint32_t *word;  /* per node: 0 = none, else index into words + 1 */
  uint32_t root[256];
  uint16_t *dfa; /* nnodes x 256 transitions, or NULL (large dictionaries) */
  dict_word *words;
  size_t nwords;
};

static inline unsigned char fold_byte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

int nlp_dict_new(nlp_dict **out) {
  *out = calloc(1, sizeof(nlp_dict));
  return *out ? NLP_OK : NLP_ENOMEM;
}

static void free_automaton(nlp_dict *d) {
  free(d->dfa);
  d->dfa = NULL;
  free(d->node);
  free(d->word);
  free(d->words);
  d->node = NULL;
  d->word = NULL;
  d->words = NULL;
}

void nlp_dict_free(nlp_dict *d) {
  if (!d) return;
  free(d->arena);
  free(d->ents);
  free_automaton(d);
  free(d);
}

int nlp_dict_add(nlp_dict *d, const char *word, size_t len, uint32_t kind,
                 uint64_t value) {
  if (d->built || len == 0) return NLP_EINVAL;
  if (len > DICT_MAX_WORD) return NLP_ETOOBIG;
  if (!nlp_utf8_valid(word, len, NULL)) return NLP_EUTF8;
  if (d->nents >= UINT32_MAX - 1) return NLP_ETOOBIG;
  if (d->arena_len + len > d->arena_cap) {
    size_t cap = d->arena_cap ? d->arena_cap : 4096;
    while (cap < d->arena_len + len) cap *= 2;
    char *a = realloc(d->arena, cap);
    if (!a) return NLP_ENOMEM;
    d->arena = a;
    d->arena_cap = cap;
  }
  if (d->nents == d->ents_cap) {
    size_t cap = d->ents_cap ? d->ents_cap * 2 : 256;
    dict_entry *e = realloc(d->ents, cap * sizeof *e);
    if (!e) return NLP_ENOMEM;
    d->ents = e;
    d->ents_cap = cap;
  }
  char *dst = d->arena + d->arena_len;
  for (size_t i = 0; i < len; i++)
    dst[i] = (char)fold_byte((unsigned char)word[i]);
  d->ents[d->nents] = (dict_entry){.off = d->arena_len,
                                   .value = value,
                                   .len = (uint32_t)len,
                                   .kind = kind,
                                   .seq = (uint32_t)d->nents};
  d->nents++;
  d->arena_len += len;
  return NLP_OK;
}

static int cmp_entry(const void *pa, const void *pb, void *arg) {
  const char *arena = arg;
  const dict_entry *a = pa, *b = pb;
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(arena + a->off, arena + b->off, n);
  if (c) return c;
  if (a->len != b->len) return a->len < b->len ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static inline uint32_t goto_child(const nlp_dict *d, uint32_t s,
                                  unsigned char c) {
  if (s == 0) return d->root[c];
  const dict_node *nd = d->node;
  uint32_t lo = nd[s].child;
  if (lo == 0) return 0;
  uint32_t hi = lo + nd[s].nchild_m1 + 1u;
  while (hi - lo > 8) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (nd[mid].label < c) lo = mid + 1;
    else hi = mid + 1; /* mid may be the answer: keep it in range */
  }
  for (; lo < hi; lo++)
    if (nd[lo].label == c) return lo;
  return 0;
}

static inline uint32_t step(const nlp_dict *d, uint32_t s, unsigned char c) {
  for (;;) {
    uint32_t t = goto_child(d, s, c);
    if (t || s == 0) return t;
    s = d->node[s].fail;
  }
}


/* A table entry: the next node, with DFA_OUT set when that node has an
 * output word, so that the scan's inner loop tests the entry it has just
 * loaded instead of loading the node (node numbers stay below
 * DICT_DFA_MAX_NODES, far from the flag bit). */
#define DFA_OUT 0x8000u
static uint16_t dfa_entry(const nlp_dict *d, uint32_t next) {
  return (uint16_t)(next | (d->node[next].out ? DFA_OUT : 0));
}

int nlp_dict_build(nlp_dict *d) {
  if (d->built) return NLP_EINVAL;
  const char *A = d->arena;
  if (d->nents > 1)
    qsort_r(d->ents, d->nents, sizeof *d->ents, cmp_entry, d->arena);

  /* Drop duplicates and count nodes (see the file comment). */
  size_t m = 0;
  uint64_t nodes = 1;
  for (size_t i = 0; i < d->nents; i++) {
    dict_entry *e = &d->ents[i];
    size_t lcp = 0;
    if (m > 0) {
      dict_entry *p = &d->ents[m - 1];
      size_t n = p->len < e->len ? p->len : e->len;
      while (lcp < n && A[p->off + lcp] == A[e->off + lcp]) lcp++;
      if (lcp == e->len && p->len == e->len) continue; /* duplicate */
    }
    d->ents[m++] = *e;
    nodes += e->len - lcp;
  }
  if (nodes >= UINT32_MAX) return NLP_ETOOBIG;
  size_t N = (size_t)nodes;

  d->node = calloc(N, sizeof(dict_node));
  d->word = calloc(N, sizeof(uint32_t));
  d->words = malloc((m ? m : 1) * sizeof(dict_word));
  uint32_t *lo = malloc(N * sizeof(uint32_t));
  uint32_t *hi = malloc(N * sizeof(uint32_t));
  uint32_t *stack = malloc(N * sizeof(uint32_t)); /* later the BFS queue */
  if (!d->node || !d->word || !d->words || !lo || !hi || !stack) {
    free(lo);
    free(hi);
    free(stack);
    free_automaton(d);
    return NLP_ENOMEM;
  }
  dict_node *nd = d->node;
  for (size_t i = 0; i < m; i++)
    d->words[i] = (dict_word){.value = d->ents[i].value,
                              .kind = d->ents[i].kind,
                              .len = d->ents[i].len};

  /* Construction: node u covers sorted words lo[u]..hi[u]-1, all sharing
   * its depth-byte prefix; its children split that range by the next byte.
   * Expanding a node allocates all its children at once; the stack makes
   * the expansion order depth-first (first child first). */
  lo[0] = 0;
  hi[0] = (uint32_t)m;
  uint32_t next = 1;
  size_t sp = 0;
  stack[sp++] = 0;
  while (sp > 0) {
    uint32_t u = stack[--sp];
    uint32_t dep = nd[u].depth, r = lo[u], h = hi[u];
    if (r < h && d->ents[r].len == dep) d->word[u] = ++r; /* r = index + 1 */
    uint32_t first = next;
    while (r < h) {
      unsigned char c = (unsigned char)A[d->ents[r].off + dep];
      uint32_t r2 = r + 1;
      while (r2 < h && (unsigned char)A[d->ents[r2].off + dep] == c) r2++;
      nd[next].label = c;
      nd[next].depth = (uint16_t)(dep + 1);
      lo[next] = r;
      hi[next] = r2;
      next++;
      r = r2;
    }
    if (next > first) {
      nd[u].child = first;
      nd[u].nchild_m1 = (uint8_t)(next - first - 1);
      for (uint32_t v = next; v > first; v--) stack[sp++] = v - 1;
    }
  }
  free(lo);
  free(hi);

  memset(d->root, 0, sizeof d->root);
  if (nd[0].child)
    for (uint32_t v = nd[0].child; v <= nd[0].child + nd[0].nchild_m1; v++)
      d->root[nd[v].label] = v;

  /* Failure and output links, parents before children (breadth-first). */
  uint32_t *queue = stack;
  size_t qh = 0, qt = 0;
  queue[qt++] = 0;
  while (qh < qt) {
    /* The queue visits nodes in an order unrelated to their numbering:
     * prefetch a node, and later its children, some iterations ahead. */
    if (qh + 16 < qt) __builtin_prefetch(&nd[queue[qh + 16]]);
    if (qh + 8 < qt) {
      uint32_t ahead = nd[queue[qh + 8]].child;
      if (ahead) __builtin_prefetch(&nd[ahead]);
    }
    uint32_t u = queue[qh++];
    if (!nd[u].child) continue;
    uint32_t end = nd[u].child + nd[u].nchild_m1 + 1u;
    for (uint32_t v = nd[u].child; v < end; v++) {
      queue[qt++] = v;
      uint32_t f = 0;
      if (u != 0) {
        uint32_t s = nd[u].fail;
        for (;;) {
          uint32_t t = goto_child(d, s, nd[v].label);
          if (t) {
            f = t;
            break;
          }
          if (s == 0) break;
          s = nd[s].fail;
        }
      }
      nd[v].fail = f;
      nd[v].out = d->word[v] ? v : nd[f].out;
    }
  }
  free(queue);

  d->nnodes = N;
  d->nwords = m;
  d->built = true;
  if (N <= DICT_DFA_MAX_NODES) { /* without the table, scans still work */
    d->dfa = malloc((size_t)N * 256 * sizeof *d->dfa);
    for (size_t v = 0; d->dfa && v < N; v++)
      for (unsigned c = 0; c < 256; c++)
        d->dfa[v * 256 + c] = dfa_entry(d, step(d, (uint32_t)v,
                                                fold_byte((unsigned char)c)));
  }
  free(d->ents);
  free(d->arena);
  d->ents = NULL;
  d->arena = NULL;
  d->nents = d->ents_cap = d->arena_len = d->arena_cap = 0;
  return NLP_OK;
}

size_t nlp_dict_size(const nlp_dict *d) {
  return d->built ? d->nwords : d->nents;
}

size_t nlp_dict_memory(const nlp_dict *d) {
  if (!d->built) return d->arena_cap + d->ents_cap * sizeof(dict_entry);
  return d->nnodes * sizeof(dict_node) + d->nnodes * sizeof(uint32_t) +
         d->nwords * sizeof(dict_word) + sizeof *d +
         (d->dfa ? d->nnodes * 256 * sizeof *d->dfa : 0);
}

int nlp_dict_scan(const nlp_dict *d, const char *text, size_t len,
                  nlp_match_fn fn, void *ctx) {
  if (!d->built) return NLP_EINVAL;
  if (d->nwords == 0) return NLP_OK;
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0, pb = 0, pe = 0;
  uint32_t st = 0, pw = 0;
  bool have = false;
  for (;;) {
    /* With no match pending only a state with an output word changes
     * anything: run the table alone up to the byte that enters one (most
     * of the text; the general step below then takes that byte). */
    if (!have && d->dfa)
      while (i < len) {
        uint32_t nx = d->dfa[(size_t)st * 256 + s[i]];
        if (nx & DFA_OUT)
          break;
        st = nx;
        i++;
      }
    if (i < len) {
      st = d->dfa ? d->dfa[(size_t)st * 256 + s[i]] & ~DFA_OUT
                  : step(d, st, fold_byte(s[i]));
      i++;
      const dict_node *ns = &d->node[st];
      uint32_t n = ns->out;
      if (n && (i == len || !nlp_is_cont(s[i]))) {
        uint32_t w = d->word[n] - 1;
        size_t b = i - d->words[w].len;
        if (!have || b < pb || (b == pb && i > pe)) {
          have = true;
          pb = b;
          pe = i;
          pw = w;
        }
      }
      if (!have || pb + ns->depth >= i) continue;
    } else if (!have) {
      break;
    }
    nlp_match m = {.begin = pb,
                   .end = pe,
                   .kind = d->words[pw].kind,
                   .value = d->words[pw].value};
    int rc = fn(ctx, &m);
    if (rc) return rc;
    i = pe;
    st = 0;
    have = false;
  }
  return NLP_OK;
}

/* ---- dictionary files ---------------------------------------------------- */

static int parse_kind(const char *s, size_t n, uint32_t *kind) {
  static const struct {
    const char *name;
    uint32_t kind;
  } kinds[] = {{"enterprise", NLP_WORD_ENTERPRISE},
               {"person", NLP_WORD_PERSON},
               {"term", NLP_WORD_TERM},
               {"org", NLP_WORD_ORG}};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strlen(kinds[i].name) == n && memcmp(kinds[i].name, s, n) == 0) {
      *kind = kinds[i].kind;
      return 0;
    }
  return -1;
}

static void trim(const char **b, const char **e) {
  while (*b < *e && (**b == ' ' || **b == '\t')) (*b)++;
  while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t')) (*e)--;
}

static void stderr_diag(void *ctx, const char *file, int line,
                        const char *msg) {
  (void)ctx;
  fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

/* One line of a dictionary file; returns NULL when fine, else a message. */
static const char *load_line(nlp_dict *d, char *line, size_t n, int *rc) {
  const char *b = line, *e = line + n;
  const char *hash = memchr(b, '#', n);
  if (hash) e = hash;
  while (e > b && (e[-1] == '\n' || e[-1] == '\r')) e--;
  {
    const char *tb = b, *te = e; /* blank line?  (fields are trimmed below:
                                    a leading TAB means an empty word) */
    trim(&tb, &te);
    if (tb == te) return NULL;
  }
  const char *tab = memchr(b, '\t', (size_t)(e - b));
  const char *we = tab ? tab : e;
  const char *wb = b;
  trim(&wb, &we);
  uint32_t kind = NLP_WORD_TERM;
  uint64_t value = 0;
  if (tab) {
    const char *kb = tab + 1, *ke = e;
    const char *tab2 = memchr(kb, '\t', (size_t)(ke - kb));
    if (tab2) {
      const char *vb = tab2 + 1, *ve = e;
      ke = tab2;
      trim(&vb, &ve);
      if (vb == ve) return "empty value column";
      value = 0;
      for (const char *p = vb; p < ve; p++) {
        if (*p < '0' || *p > '9' || value > (UINT64_MAX - 9) / 10)
          return "value is not a decimal unsigned integer";
        value = value * 10 + (uint64_t)(*p - '0');
      }
    }
    trim(&kb, &ke);
    if (kb != ke && parse_kind(kb, (size_t)(ke - kb), &kind) != 0)
      return "unknown kind (expected enterprise, person, term or org)";
  }
  if (wb == we) return "empty word";
  int r = nlp_dict_add(d, wb, (size_t)(we - wb), kind, value);
  if (r == NLP_EUTF8) return "word is not valid UTF-8";
  if (r == NLP_ETOOBIG) return "word too long";
  if (r != NLP_OK) {
    *rc = r;
    return nlp_strerror(r);
  }
  return NULL;
}

int nlp_dict_load_file_diag(nlp_dict *d, const char *path, nlp_diag_fn diag,
                            void *ctx) {
  if (d->built) return NLP_EINVAL;
  if (!diag) diag = stderr_diag;
  FILE *f = fopen(path, "rb");
  if (!f) {
    char msg[256];
    snprintf(msg, sizeof msg, "cannot open: %s", strerror(errno));
    diag(ctx, path, 0, msg);
    return NLP_EIO;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  int lineno = 0, rc = NLP_OK;
  while ((n = getline(&line, &cap, f)) >= 0) {
    lineno++;
    int hard = NLP_OK;
    const char *msg = load_line(d, line, (size_t)n, &hard);
    if (msg) {
      diag(ctx, path, lineno, msg);
      if (hard != NLP_OK) {
        rc = hard;
        break;
      }
      rc = NLP_EINVAL;
    }
  }
  if (rc == NLP_OK && ferror(f)) {
    diag(ctx, path, lineno, "read error");
    rc = NLP_EIO;
  }
  free(line);
  fclose(f);
  return rc;
}

int nlp_dict_load_file(nlp_dict *d, const char *path) {
  return nlp_dict_load_file_diag(d, path, NULL, NULL);
}
