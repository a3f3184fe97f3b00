/*
 * nlp — Chinese text processing for announcements: UTF-8 helpers, text
 * normalisation, an Aho–Corasick dictionary (enterprise names, aliases,
 * trigger words), amount / date / percentage normalisation, and the PCRE2
 * (JIT) rule engine that turns text into events with DuEE-Fin arguments.
 *
 * Rules and dictionaries are data (data/rules/, data/dict/); nothing here
 * knows a company name.  All offsets are byte offsets into the UTF-8 text
 * given to the function.  The extractor never allocates per match in its
 * hot loop beyond the result arrays it returns.
 */
#ifndef OPPGRAPH_NLP_H
#define OPPGRAPH_NLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum nlp_err {
  NLP_OK = 0,
  NLP_EUTF8 = -1,    /* invalid UTF-8 */
  NLP_ENOMEM = -2,
  NLP_EIO = -3,      /* cannot read a file or directory */
  NLP_ERULE = -4,    /* a rule file has errors (reported through nlp_diag_fn) */
  NLP_EINVAL = -5,
  NLP_ETOOBIG = -6,  /* input over a configured limit */
  NLP_ESTORE = -7,   /* a store call failed */
};
const char *nlp_strerror(int err);

/* ---- UTF-8 and normalisation -------------------------------------------- */

/* Returns true when s[0..len) is valid UTF-8 (no overlongs, no surrogates).
 * On false, *bad_off (may be NULL) is the offset of the first bad byte. */
bool nlp_utf8_valid(const char *s, size_t len, size_t *bad_off);
/* Decodes one code point at s (valid UTF-8 assumed); returns its byte length. */
size_t nlp_utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Number of code points. */
size_t nlp_utf8_count(const char *s, size_t len);

/* Normalises announcement text into a new NUL-terminated buffer *out of
 * length *out_len: full-width ASCII (U+FF01..U+FF5E) to half-width, the
 * ideographic space and other Unicode spaces to ' ', runs of spaces/tabs
 * folded to one, CR LF / CR to LF, more than two newlines folded to two,
 * leading/trailing white space trimmed, zero-width characters removed.
 * Chinese punctuation (，。：；（）！？“”) is kept as is; spaces at line
 * starts and ends and C0 controls (but tab/LF/CR) are dropped.  Fails with NLP_EUTF8
 * on invalid input (*bad_off set when not NULL).  free() the result. */
int nlp_normalize(const char *in, size_t len, char **out, size_t *out_len,
                  size_t *bad_off);

/* ---- numbers ------------------------------------------------------------- */

/* Parses an amount phrase such as "1.2亿元", "3,500万元", "人民币五千万元",
 * "12.5万美元" into yuan (or the foreign currency unit, with its ISO code in
 * currency[4], "CNY" by default).  Returns NLP_EINVAL when it is not an amount. */
int nlp_parse_amount(const char *s, size_t len, double *value, char currency[4]);
/* "35.5%", "百分之十" -> 0.355 / 0.10 */
int nlp_parse_percent(const char *s, size_t len, double *ratio);
/* Dates: "2020年3月5日", "2020-03-05", "3月5日" / "5日" / "本月" relative to
 * pub (YYYY-MM-DD or NULL).  Writes YYYY-MM-DD (or YYYY-MM) into out[11]. */
int nlp_parse_date(const char *s, size_t len, const char *pub, char out[11]);
/* Like nlp_parse_amount, for ranges too ("1亿元至2亿元", "1-2亿元", "1~2亿元"):
 * *lo and *hi are the bounds (equal for a single amount).  nlp_parse_amount
 * returns the lower bound of a range. */
int nlp_parse_amount_range(const char *s, size_t len, double *lo, double *hi,
                           char currency[4]);
/* Share counts: "1,000万股", "五百万股", "2.5亿股" -> number of shares. */
int nlp_parse_shares(const char *s, size_t len, double *shares);

/* ---- dictionary (Aho–Corasick) ------------------------------------------ */

typedef struct nlp_dict nlp_dict;

enum nlp_word_kind {
  NLP_WORD_ENTERPRISE = 1, /* value = enterprise id (0 when only a name) */
  NLP_WORD_PERSON = 2,
  NLP_WORD_TERM = 3,       /* banking / product term, for kb tokenisation */
  NLP_WORD_ORG = 4,        /* regulators, courts, exchanges */
  NLP_WORD_STOCKCODE = 5,  /* a listed enterprise's stock code, value = id */
};

typedef struct nlp_match {
  size_t begin, end; /* byte span */
  uint32_t kind;
  uint64_t value;
} nlp_match;

int nlp_dict_new(nlp_dict **out);
void nlp_dict_free(nlp_dict *d);
/* Adds a word before nlp_dict_build; duplicates keep the first value. */
int nlp_dict_add(nlp_dict *d, const char *word, size_t len, uint32_t kind,
                 uint64_t value);
/* Loads a dictionary file: one entry a line, "word<TAB>kind" (kind is
 * enterprise|person|term|org; default term); '#' starts a comment. */
int nlp_dict_load_file(nlp_dict *d, const char *path);
/* Adds every name and alias of the store's enterprise name index, and the
 * stock code of every listed enterprise (kind NLP_WORD_STOCKCODE), through
 * which the extractor binds a short name written beside its code
 * ("某某股份（600123）", "证券代码：600123 证券简称：某某") to the enterprise. */
int nlp_dict_load_store(nlp_dict *d, store_txn *txn);
int nlp_dict_build(nlp_dict *d);
size_t nlp_dict_size(const nlp_dict *d);
/* Bytes held by the dictionary (the automaton after build, the word list
 * before). */
size_t nlp_dict_memory(const nlp_dict *d);
/* Leftmost-longest non-overlapping matches, in text order.  The callback
 * returns non-zero to stop.  The dictionary is read-only after build and may
 * be shared between threads. */
typedef int (*nlp_match_fn)(void *ctx, const nlp_match *m);
int nlp_dict_scan(const nlp_dict *d, const char *text, size_t len,
                  nlp_match_fn fn, void *ctx);

/* ---- rules and extraction ------------------------------------------------ */

typedef struct nlp_rules nlp_rules;

/* Receives one message per problem found while loading rules:
 * "data/rules/zhongbiao.rules:12: PCRE2 error at offset 7: missing )". */
typedef void (*nlp_diag_fn)(void *ctx, const char *file, int line,
                            const char *msg);

/* nlp_dict_load_file with one diag message per bad line ("unknown kind …"
 * at file:line); good lines still load, and the result is NLP_EINVAL when a
 * line was bad, NLP_EIO when the file cannot be read.  diag NULL writes
 * "file:line: message" to stderr (what nlp_dict_load_file does). */
int nlp_dict_load_file_diag(nlp_dict *d, const char *path, nlp_diag_fn diag,
                            void *ctx);

/* Loads every *.rules file in dir (syntax documented in data/rules/README.md).
 * A broken rule is reported through diag and skipped; the others load.
 * Returns NLP_ERULE (with *out still usable) when any rule was skipped. */
int nlp_rules_load_dir(const char *dir, nlp_diag_fn diag, void *ctx,
                       nlp_rules **out);
void nlp_rules_free(nlp_rules *r);
size_t nlp_rules_count(const nlp_rules *r);

/* Limits on what a rule load reads (issue 8): rule files are trusted data,
 * but a runaway generator or a wrong --data directory must fail with a clear
 * message instead of exhausting memory or compiling patterns for minutes.
 * A field of 0 takes its default. */
#define NLP_RULES_DEFAULT_MAX_RULES 10000u       /* rule+fill+subject+alias */
#define NLP_RULES_DEFAULT_MAX_BYTES (16u << 20)  /* all *.rules files */
typedef struct nlp_rules_limits {
  size_t max_rules; /* rule, fill, subject and alias blocks, all files */
  size_t max_bytes; /* bytes of all *.rules files together */
} nlp_rules_limits;

/* nlp_rules_load_dir with explicit limits (lim NULL: the defaults, which is
 * what nlp_rules_load_dir uses).  Going over a limit is reported through
 * diag at the file (and line) where it happened, and the load fails with
 * NLP_ETOOBIG (*out NULL). */
int nlp_rules_load_dir_limits(const char *dir, const nlp_rules_limits *lim,
                              nlp_diag_fn diag, void *ctx, nlp_rules **out);

typedef struct nlp_arg {
  const char *role;   /* DuEE-Fin role name; owned by the rules */
  char *text;         /* the argument exactly as it appears (NUL-terminated) */
  bool in_title;      /* span is in opts->title rather than in text */
  size_t begin, end;  /* byte span in the text (or the title) */
  char *norm;         /* normalised value or NULL */
  uint64_t ent_id;    /* enterprise id when the span is a known name */
} nlp_arg;

typedef struct nlp_event {
  const char *type;   /* 中标, 质押, … owned by the rules */
  char *trigger;      /* trigger word as it appears */
  size_t trig_begin, trig_end;
  nlp_arg *args;
  size_t nargs;
  double confidence;
  /* Arguments found but not kept because the event already had
   * NLP_MAX_ARGS (a rule-writing mistake: the schema has at most 9 roles);
   * callers warn about it. */
  size_t args_dropped;
} nlp_event;

#define NLP_MAX_ARGS 24 /* arguments kept per event */

typedef struct nlp_result {
  nlp_event *events;
  size_t n;
  void *priv; /* storage; released by nlp_result_destroy */
  size_t args_dropped; /* sum of the events' args_dropped */
} nlp_result;

typedef struct nlp_extract_opts {
  const char *title;      /* may be NULL; searched for the subject too */
  size_t title_len;
  const char *published;  /* YYYY-MM-DD or NULL, for relative dates */
  size_t max_len;         /* 0 = no limit; else NLP_ETOOBIG beyond it */
} nlp_extract_opts;

/* Extracts events from text (UTF-8; NLP_EUTF8 otherwise).  dict may be NULL.
 * Thread-safe for distinct results.  nlp_result_destroy() even on error. */
int nlp_extract(const nlp_rules *rules, const nlp_dict *dict, const char *text,
                size_t len, const nlp_extract_opts *opts, nlp_result *out);
void nlp_result_destroy(nlp_result *res);

/* ---- search tokenizer (knowledge base) ----------------------------------- */

/* Token kinds. */
enum nlp_tok_kind {
  NLP_TOK_TERM = 1,   /* a dictionary word (leftmost-longest match) */
  NLP_TOK_BIGRAM = 2, /* two adjacent CJK characters outside any word */
  NLP_TOK_UNI = 3,    /* a lone CJK character outside any word */
  NLP_TOK_WORD = 4,   /* Latin letters / digits, lower-cased, kept whole */
  NLP_TOK_SUB = 5,    /* a shorter word or bigram inside a TERM (index side) */
};

/* Flags of nlp_tokenize. */
#define NLP_TOK_NOSUB 1u /* query side: no NLP_TOK_SUB tokens */

typedef struct nlp_token {
  size_t begin, end; /* byte span in the text given to nlp_tokenize */
  uint32_t pos;      /* position; a SUB token shares its TERM's position */
  uint32_t off, len; /* token text: tokens->buf + off, len bytes (no NUL) */
  uint8_t kind;      /* enum nlp_tok_kind */
} nlp_token;

/* A growing token list; one nlp_tokenize call appends to it, positions
 * continuing after the previous call (so title and body share one list). */
typedef struct nlp_tokens {
  nlp_token *v;
  size_t n, cap;
  char *buf;
  size_t blen, bcap;
  uint32_t npos; /* positions used so far */
} nlp_tokens;

void nlp_tokens_init(nlp_tokens *t);
void nlp_tokens_reset(nlp_tokens *t); /* empties, keeps the memory */
void nlp_tokens_destroy(nlp_tokens *t);

/* Splits UTF-8 text into search tokens: dictionary words (dict may be NULL)
 * by leftmost-longest matching; character bigrams of the CJK runs between
 * them (a lone character is a unigram); runs of ASCII letters and digits
 * (full-width folded, lower-cased; "3.5" stays one number) and of other
 * non-CJK letters kept whole (at most 64 bytes); punctuation and spaces
 * separate.  Unless NLP_TOK_NOSUB, every TERM is followed by SUB tokens at
 * its position: the dictionary words inside it and its character bigrams, so
 * that "保函" finds "履约保函".  NLP_EUTF8 (with *bad_off, may be NULL) on
 * invalid UTF-8; nothing is appended then. */
int nlp_tokenize(const nlp_dict *dict, const char *text, size_t len,
                 unsigned flags, nlp_tokens *out, size_t *bad_off);

#endif
