/*
 * rules_internal.h — the loaded form of the data/rules/ *.rules files, shared by the
 * loader (nlp/rules.c) and the extractor (nlp/extract.c).  Everything here is
 * immutable after nlp_rules_load_dir returns, which is what makes one
 * nlp_rules shareable read-only between threads.
 */
#ifndef OPPGRAPH_NLP_RULES_INTERNAL_H
#define OPPGRAPH_NLP_RULES_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "nlp/nlp.h"

/* Adds the characters of s[0..n) (valid UTF-8, whole characters) to the
 * 256-bit set m: the bit of a character is the low 8 bits of its code
 * point, which for UTF-8 are the low 2 bits of the byte before its last and
 * the low 6 of its last (an ASCII byte is its own; for a 2-byte character
 * the lead byte's low 2 bits are code-point bits too).  A word with a
 * character whose bit a sentence's set lacks cannot occur in it: the
 * extractor's need checks (nlp/extract.c) test that before any memmem.
 * The lead byte says where the last byte is: one step per character. */
static inline void nlp_cmask_add(uint64_t m[4], const unsigned char *s,
                                 size_t n) {
  size_t i = 0;
  while (i < n) {
    /* runs of 3-byte characters (CJK, most of the text) in their own loop:
     * no length decision per character */
    while (i + 3 <= n && (s[i] & 0xF0) == 0xE0) {
      unsigned bit3 = ((s[i + 1] & 3u) << 6) | (s[i + 2] & 63u);
      m[bit3 >> 6] |= (uint64_t)1 << (bit3 & 63);
      i += 3;
    }
    if (i >= n)
      break;
    unsigned b = s[i], bit;
    size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (i + len > n)
      break;
    bit = len == 1 ? b : ((s[i + len - 2] & 3u) << 6) | (s[i + len - 1] & 63u);
    m[bit >> 6] |= (uint64_t)1 << (bit & 63);
    i += len;
  }
}

/* The words of a "need" option, one of which every match contains, with
 * their lengths and character sets computed once at load (one allocation:
 * the words' text follows the array). */
typedef struct nlp_needw {
  uint64_t m[4]; /* nlp_cmask_add of the word */
  const char *w;
  size_t len;
} nlp_needw;

typedef struct nlp_need {
  /* "lead=N" after need= on a fill or subject line: every match starts at
   * most N characters before an occurrence of one of the words (-1: not
   * given), so the extractor tries only the starts in the N characters
   * before each occurrence instead of every start of the sentence */
  int lead;
  size_t n;
  nlp_needw w[];
} nlp_need;

/* Word sets read from a pattern at load (nlp/rules.c, "required words"):
 * every match of the pattern contains a word of each set, in the part of
 * the subject it consumes.  The extractor searches a sentence or window
 * only when it holds a word of each (best first, NULL after the last). */
#define NLP_REQ_MAX 3

/* How an argument's text is turned into nlp_arg.norm. */
enum nlp_norm_kind {
  NLP_NORM_NONE = 0,
  NLP_NORM_AMOUNT,
  NLP_NORM_DATE,
  NLP_NORM_PERCENT,
  NLP_NORM_SHARES,
};

/* One capture group of a pattern that fills a role. */
typedef struct nlp_gmap {
  uint32_t group;   /* PCRE2 group number */
  const char *role; /* interned */
  int norm;         /* enum nlp_norm_kind */
  int more; /* another group name of this pattern fills the same role: the
               values of the two names are both kept ("甲及其一致行动人乙") */
} nlp_gmap;

/* A constant argument ("set 环节 = 正式上市"). */
typedef struct nlp_setarg {
  const char *role;
  const char *value;
} nlp_setarg;

typedef struct nlp_rule {
  const char *name, *type, *file; /* interned */
  int line;                       /* line of the pattern */
  int priority;
  int reach; /* bytes before the trigger hit where a match may start */
  double confidence;
  pcre2_code *re;
  uint32_t trig_group; /* group "trig", 0 when absent */
  /* The pattern from its top-level (?<trig>…) to the end, when the trigger
   * group is a required top-level item of a pattern without a top-level
   * alternation (else NULL).  Any match of the rule that covers a hit has
   * this tail matching from the trigger's start, so when no tail match
   * starts in the hit's window the expensive head (names before the
   * trigger, tried from every start within reach) is never run. */
  pcre2_code *tail;
  /* bytes of the longest word of the trigger group when it is a plain list
   * of literal words ("(?<trig>收购|并购)"), 0 otherwise: a tail match
   * that starts more than this before the hit cannot reach it */
  int trig_max;
  nlp_need *need; /* "need W W…": as nlp_fill.need, over the hit's window */
  nlp_need *starts; /* words one of which every match begins with, read
                       from the pattern at load (lead 0), or NULL */
  nlp_need *req[NLP_REQ_MAX]; /* required word sets of the pattern, leaving
                                 out those holding a trigger word */
  /* the same of the head, the part of the pattern before its tail (when it
   * has one): a match that makes an event has its head before the end of
   * the hit, so these words are looked for there only */
  nlp_need *hreq[NLP_REQ_MAX];
  /* and of the rest, the part after the trigger group: consumed after the
   * trigger group's end, which is after the hit's start */
  nlp_need *rreq[NLP_REQ_MAX];
  nlp_gmap *gmap;
  size_t ngmap;
  nlp_setarg *sets;
  size_t nsets;
  /* "split ROLE": the role (interned) whose value may be a list of names
   * ("约谈甲、乙和丙"); the extractor makes one event per name, or NULL */
  const char *split_role;
  /* "split ROLE trim=W|W": words cut off the end of each item (a title
   * after a name: "甲先生、乙先生"), interned */
  const char *split_trim[4];
  int nsplit_trim;
  /* "split ROLE values": the names are values of ROLE in the one event
   * (a slate nominated together: "提名甲、乙为董事候选人") */
  int split_values;
} nlp_rule;

enum nlp_fill_scope {
  NLP_SCOPE_WINDOW = 1, /* sentences [trig - before, trig + after] */
  NLP_SCOPE_TITLE,
  NLP_SCOPE_DOC,
  NLP_SCOPE_SUBJECT, /* the document subject, no pattern */
  NLP_SCOPE_END,     /* the closing sentences of the text, last first */
};

/* Document-level argument filling for roles a rule left empty. */
/* The numbers of the capture groups of one name: a pattern may give the
 * name to a group in each of several alternatives (PCRE2_DUPNAMES); the set
 * one of them holds the value.  n[0] == 0: no such group. */
#define NLP_GNUMS_MAX 4
typedef struct nlp_gnums {
  uint32_t n[NLP_GNUMS_MAX];
} nlp_gnums;

typedef struct nlp_fill {
  const char *type, *role, *file;
  int line;
  int scope;
  int before, after;
  pcre2_code *re;    /* NULL for NLP_SCOPE_SUBJECT */
  nlp_gnums vgroup; /* group "v" */
  int norm;
  int many; /* every match of the first sentence that has one (lists) */
  int more; /* "more": as many, and also when the role already holds a
              value (the other members of a list one of which was found) */
  nlp_need *need; /* "need=W|W": words one of which every match contains;
                     a sentence without any of them is not searched (NULL:
                     none given) */
  nlp_need *starts; /* as nlp_rule.starts */
  nlp_need *req[NLP_REQ_MAX]; /* as nlp_rule.req */
  size_t next_same; /* the next fill of this type in file order, or nfills */
} nlp_fill;

/* A document-level pattern with a group "v" (subject, entity) and, for
 * aliases, a group "full". */
typedef struct nlp_docpat {
  pcre2_code *re;
  char *anchor; /* aliases: literal searched first; the pattern runs only
                   in a window around it (NULL for subjects) */
  nlp_gnums vgroup, fullgroup;
  int where; /* subjects: 0 title and opening sentences, 1 title only,
                2 opening sentences only */
  nlp_need *need; /* as nlp_fill.need */
  nlp_need *starts; /* as nlp_rule.starts (subjects only) */
  nlp_need *req[NLP_REQ_MAX]; /* as nlp_rule.req (subjects only) */
  const char *file;
  int line;
} nlp_docpat;

/* "same TYPE BY [ROLE W|W|…]": two events of TYPE that name the same BY
 * (equal texts, or one opening the other: a headline's 周建 and the body's
 * 周建林) and, with ROLE, whose ROLE values (or, without one, triggers) are
 * both among the words are one event told twice ("辞职" and "辞去" of one
 * director). */
typedef struct nlp_same {
  const char *type, *by, *role; /* interned; role NULL: no word list */
  const char **words;           /* interned */
  size_t nwords;
} nlp_same;

struct nlp_rules {
  nlp_rule *rules; /* in load order */
  size_t nrules;
  nlp_fill *fills;
  size_t nfills;
  /* the first fill of each event type that has fills (types interned):
   * the extractor walks fills[].next_same from there instead of every
   * fill for every event */
  const char **fill_types;
  size_t *fill_first;
  size_t nfill_types;
  nlp_docpat *subjects, *aliases;
  size_t nsubjects, naliases;
  nlp_same *sames;
  size_t nsames;
  /* Trigger words, deduplicated; trig_rules[i] lists the rules (indexes
   * into rules[], priority order) that fire on trigger word i. */
  char **trig_words;
  size_t ntrig;
  size_t **trig_rules;
  size_t *trig_nrules;
  nlp_dict *trig_dict; /* Aho–Corasick over trig_words, value = index */
  uint32_t max_groups; /* for sizing match data */
  /* "cut REGEX" lines: the text is read only up to the start of the first
   * match of any of them (the related-article lists that news pages append
   * after the story) */
  pcre2_code **cuts;
  size_t ncuts;
  /* Every compiled pattern, once: identical patterns (after macro
   * expansion) share one code, which also lets the extractor cache the
   * document-wide search of a fill used by several event types. */
  pcre2_code **codes;
  size_t ncodes;
  /* interned strings (types, roles, names, files), freed at the end */
  char **strs;
  size_t nstrs, capstrs;
};

/* The macros of one rule file, read and expanded as the loader does
 * (nlp/rules.c), for tests of how the shared macros are written. */
typedef struct nlp_macro_set nlp_macro_set;
/* NLP_EIO / NLP_ENOMEM, or NLP_ERULE for a malformed macro line */
int nlp_macros_read(const char *path, nlp_macro_set **out);
size_t nlp_macros_count(const nlp_macro_set *m);
const char *nlp_macros_name(const nlp_macro_set *m, size_t i);
/* the body of macro name, NULL when there is none */
const char *nlp_macros_body(const nlp_macro_set *m, const char *name);
/* pattern with every {NAME} written out as "(?:BODY)" (malloc'd), or NULL
 * with the reason in err */
char *nlp_macros_expand(const nlp_macro_set *m, const char *pattern,
                        char *err, size_t errlen);
void nlp_macros_free(nlp_macro_set *m);

#endif
