/*
 * test_rules_macros.c — the shared macros of data/rules/00_common.rules that
 * a speed rewrite made depend on each other by hand stay in step, whatever
 * words are added to them later (data/rules/README.md, "PCRE2's JIT tries
 * the alternatives of a group one after the other…"):
 *
 * - a macro written `(?=[CLASS])REST` must match wherever REST matches: for
 *   every character of the Basic Multilingual Plane and every character of
 *   the rules file, if REST can begin with it (PCRE2 reports a match or a
 *   hard partial match of REST anchored on that one character) the whole
 *   body can too. The look-ahead class may be wider than needed, never
 *   narrower;
 * - {NOTNAME} refuses, as `(?!{TRADEADV}|{HOLDER}|{NOTPARTY})` did, every
 *   word of those three macros; the words are read from the macros' bodies,
 *   alternations of literal words with `(?:…)` groups (`再(?:度|次)`), either
 *   optional (`董(?:事长?)`), and a
 *   body written in any other syntax fails the test, so that it is taught
 *   that syntax rather than silently checking fewer words.
 *
 * Macros are read and expanded by the loader's own code (nlp_macros_read,
 * nlp/rules.c: a reference {NAME} becomes "(?:BODY)"), straight from the
 * file: no word is listed in this test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the four above first */
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/rules_internal.h"

#define COMMON_RULES "data/rules/00_common.rules"
#define MAX_WORDS 4096     /* words of one macro body */
#define WORD_TAIL "甲乙丙" /* Han characters after a word, as in a sentence */

/* The macros of COMMON_RULES, read by the loader's own code. */
static nlp_macro_set *tm_read(void) {
  nlp_macro_set *set = NULL;
  int rc = nlp_macros_read(COMMON_RULES, &set);
  if (rc)
    fail_msg("%s: %s (tests run from the repository root)", COMMON_RULES,
             nlp_strerror(rc));
  assert_true(nlp_macros_count(set) > 0);
  return set;
}

/* Compiles s (macros expanded) as nlp/rules.c does; what stands for the
 * test's message. */
static pcre2_code *tm_compile(const nlp_macro_set *set, const char *s,
                              const char *what) {
  char why[256];
  char *x = nlp_macros_expand(set, s, why, sizeof why);
  if (!x)
    fail_msg("%s: %s", what, why);
  int err;
  PCRE2_SIZE off;
  pcre2_code *re =
      pcre2_compile((PCRE2_SPTR)x, strlen(x),
                    PCRE2_UTF | PCRE2_UCP | PCRE2_DUPNAMES, &err, &off, NULL);
  if (!re) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    fail_msg("%s: PCRE2 error at offset %zu: %s", what, (size_t)off, msg);
  }
  free(x);
  return re;
}

/* Match (>= 0), hard partial match or no match of re anchored at the start
 * of s. */
static int tm_match(const pcre2_code *re, pcre2_match_data *md, const char *s,
                    size_t n, uint32_t opts) {
  int rc =
      pcre2_match(re, (PCRE2_SPTR)s, n, 0, PCRE2_ANCHORED | opts, md, NULL);
  if (rc < 0 && rc != PCRE2_ERROR_NOMATCH && rc != PCRE2_ERROR_PARTIAL)
    fail_msg("pcre2_match: error %d", rc);
  return rc;
}

static size_t tm_utf8(uint32_t c, char *out) {
  if (c < 0x80) {
    out[0] = (char)c;
    return 1;
  }
  if (c < 0x800) {
    out[0] = (char)(0xC0 | c >> 6);
    out[1] = (char)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = (char)(0xE0 | c >> 12);
    out[1] = (char)(0x80 | (c >> 6 & 0x3F));
    out[2] = (char)(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | c >> 18);
  out[1] = (char)(0x80 | (c >> 12 & 0x3F));
  out[2] = (char)(0x80 | (c >> 6 & 0x3F));
  out[3] = (char)(0x80 | (c & 0x3F));
  return 4;
}

/* The code point of the UTF-8 sequence at *p, which is advanced. */
static uint32_t tm_next(const unsigned char **p) {
  const unsigned char *s = *p;
  uint32_t c;
  int k;
  if (s[0] < 0x80)
    c = s[0], k = 1;
  else if (s[0] < 0xE0)
    c = s[0] & 0x1F, k = 2;
  else if (s[0] < 0xF0)
    c = s[0] & 0x0F, k = 3;
  else
    c = s[0] & 0x07, k = 4;
  int i = 1;
  for (; i < k && s[i]; i++) /* a cut sequence stops at the NUL */
    c = c << 6 | (s[i] & 0x3F);
  *p = s + i;
  return c;
}

/* Whether c can begin a match of re: a match, or a hard partial match, of
 * re anchored on the subject made of c alone. */
static int tm_can_begin(const pcre2_code *re, pcre2_match_data *md,
                        uint32_t c) {
  char s[4];
  size_t n = tm_utf8(c, s);
  return tm_match(re, md, s, n, PCRE2_PARTIAL_HARD) != PCRE2_ERROR_NOMATCH;
}

/* The characters REST can begin with but the class of "(?=[CLASS])REST"
 * refuses, each reported; how many REST can begin with is added to
 * *nbegin. */
static size_t tm_check_guard(const nlp_macro_set *set, const char *name,
                             const char *body, const char *file_text,
                             size_t *nbegin) {
  /* "(?=[" CLASS "])" REST: the class ends at its first unescaped ']' (a
   * ']' right after '[' would be a literal one: none is written) */
  const char *p = body + 4;
  while (*p && *p != ']')
    p += (*p == '\\' && p[1]) ? 2 : 1;
  if (strncmp(p, "])", 2))
    fail_msg("macro %s: look-ahead class not closed by '])'", name);
  const char *rest = p + 2;
  char what[128];
  snprintf(what, sizeof what, "macro %s", name);
  pcre2_code *whole = tm_compile(set, body, what);
  pcre2_code *bare = tm_compile(set, rest, what);
  pcre2_match_data *md = pcre2_match_data_create(64, NULL);
  assert_non_null(md);

  size_t begin = 0, missed = 0;
  char list[512] = "";
  size_t ln = 0;
  /* every character of the BMP, then those of the file beyond it */
  const unsigned char *fp = (const unsigned char *)file_text;
  for (uint32_t c = 1;; c++) {
    if (c >= 0xD800 && c <= 0xDFFF)
      continue;
    uint32_t cc = c;
    if (c > 0xFFFF) {
      if (!*fp)
        break;
      cc = tm_next(&fp);
      if (cc <= 0xFFFF)
        continue;
    }
    if (!tm_can_begin(bare, md, cc))
      continue;
    begin++;
    if (tm_can_begin(whole, md, cc))
      continue;
    missed++;
    if (ln + 16 < sizeof list) {
      /* spaces and controls by code point, the others as written */
      int blank = cc <= 0x20 || (cc >= 0x7F && cc <= 0xA0) || cc == 0x1680 ||
                  cc == 0x180E || (cc >= 0x2000 && cc <= 0x206F) ||
                  cc == 0x3000 || cc == 0xFEFF;
      if (blank)
        ln += (size_t)snprintf(list + ln, sizeof list - ln, "U+%04X ",
                               (unsigned)cc);
      else {
        ln += tm_utf8(cc, list + ln);
        list[ln++] = ' ';
        list[ln] = '\0';
      }
    }
  }
  if (missed)
    print_error("%s: macro %s can begin with %zu character(s) missing from "
                "its look-ahead class: %s\n",
                COMMON_RULES, name, missed, list);
  *nbegin += begin;
  pcre2_match_data_free(md);
  pcre2_code_free(whole);
  pcre2_code_free(bare);
  return missed;
}

static char *tm_slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  assert_int_equal(fseek(fp, 0, SEEK_END), 0);
  long n = ftell(fp);
  assert_true(n > 0);
  rewind(fp);
  char *text = malloc((size_t)n + 1);
  assert_non_null(text);
  assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
  text[n] = '\0';
  fclose(fp);
  return text;
}

static void test_lookahead_classes(void **state) {
  (void)state;
  nlp_macro_set *set = tm_read();
  char *text = tm_slurp(COMMON_RULES);
  size_t guarded = 0, begin = 0, missed = 0;
  int dateabs = 0;
  for (size_t i = 0; i < nlp_macros_count(set); i++) {
    const char *name = nlp_macros_name(set, i);
    const char *body = nlp_macros_body(set, name);
    if (strncmp(body, "(?=[", 4))
      continue;
    missed += tm_check_guard(set, name, body, text, &begin);
    guarded++;
    dateabs |= !strcmp(name, "DATEABS");
  }
  /* the test reads the file as it is meant to: {DATEABS} is one of them,
   * and the partial matching does find first characters */
  assert_int_equal(missed, 0);
  assert_true(dateabs);
  assert_true(begin >= guarded);
  free(text);
  nlp_macros_free(set);
}

/* ---- the words of an alternation of literal words ----------------------- */

typedef struct tm_words {
  char *w[MAX_WORDS];
  size_t n;
} tm_words;

static void tm_words_free(tm_words *ws) {
  for (size_t i = 0; i < ws->n; i++)
    free(ws->w[i]);
  ws->n = 0;
}

static void tm_alt(const char *name, const char **p, tm_words *out);

/* A sequence of literal characters and (?:…) groups, each maybe followed by
 * '?', up to '|' or ')':
 * the concatenation of every choice of each group. */
static void tm_seq(const char *name, const char **p, tm_words *out) {
  tm_words acc = {0};
  acc.w[acc.n++] = strdup("");
  while (**p && **p != '|' && **p != ')') {
    tm_words item = {0};
    if (!strncmp(*p, "(?:", 3)) {
      *p += 3;
      tm_alt(name, p, &item);
      if (**p != ')')
        fail_msg("macro %s: group not closed", name);
      (*p)++;
    } else if (strchr("\\[]().*+?{}^$", **p)) {
      fail_msg("macro %s: '%c' at \"%.20s\" is not a literal word or a "
               "(?:…) group; teach test_rules_macros.c this syntax",
               name, **p, *p);
    } else {
      const unsigned char *u = (const unsigned char *)*p;
      tm_next(&u);
      size_t k = (size_t)((const char *)u - *p);
      char *w = malloc(k + 1);
      assert_non_null(w);
      memcpy(w, *p, k);
      w[k] = '\0';
      item.w[item.n++] = w;
      *p += k;
    }
    if (**p == '?') { /* an optional character or group: 董(?:事长?) */
      assert_true(item.n < MAX_WORDS);
      item.w[item.n++] = strdup("");
      (*p)++;
    }
    tm_words next = {0};
    for (size_t i = 0; i < acc.n; i++)
      for (size_t j = 0; j < item.n; j++) {
        assert_true(next.n < MAX_WORDS);
        size_t a = strlen(acc.w[i]), b = strlen(item.w[j]);
        char *w = malloc(a + b + 1);
        assert_non_null(w);
        memcpy(w, acc.w[i], a);
        memcpy(w + a, item.w[j], b + 1);
        next.w[next.n++] = w;
      }
    tm_words_free(&acc);
    tm_words_free(&item);
    acc = next;
  }
  for (size_t i = 0; i < acc.n; i++) {
    assert_true(out->n < MAX_WORDS);
    out->w[out->n++] = acc.w[i];
  }
}

static void tm_alt(const char *name, const char **p, tm_words *out) {
  tm_seq(name, p, out);
  while (**p == '|') {
    (*p)++;
    tm_seq(name, p, out);
  }
}

static void tm_macro_words(const nlp_macro_set *set, const char *name,
                           tm_words *out) {
  const char *p = nlp_macros_body(set, name);
  if (!p)
    fail_msg("%s: no macro %s", COMMON_RULES, name);
  tm_alt(name, &p, out);
  if (*p)
    fail_msg("macro %s: unexpected ')' at \"%.20s\"", name, p);
}

static void test_notname_refuses_listed_words(void **state) {
  (void)state;
  static const char *const lists[] = {"TRADEADV", "HOLDER", "NOTPARTY"};
  nlp_macro_set *set = tm_read();
  pcre2_code *notname = tm_compile(set, "{NOTNAME}", "macro NOTNAME");
  /* what {NOTNAME} was before it spelled the words out */
  pcre2_code *was = tm_compile(set, "(?!{TRADEADV}|{HOLDER}|{NOTPARTY})",
                               "the former NOTNAME");
  pcre2_match_data *md = pcre2_match_data_create(64, NULL);
  assert_non_null(md);
  size_t missed = 0;
  for (size_t l = 0; l < sizeof lists / sizeof *lists; l++) {
    static tm_words ws;
    ws.n = 0;
    tm_macro_words(set, lists[l], &ws);
    assert_true(ws.n > 0);
    for (size_t i = 0; i < ws.n; i++) {
      char s[256];
      snprintf(s, sizeof s, "%s%s", ws.w[i], WORD_TAIL);
      size_t n = strlen(s);
      /* the words were read right: the former NOTNAME refuses each */
      if (tm_match(was, md, s, n, 0) >= 0)
        fail_msg("macro %s: word \"%s\" read from it is not refused by "
                 "(?!{TRADEADV}|{HOLDER}|{NOTPARTY})",
                 lists[l], ws.w[i]);
      if (ws.w[i][0] && tm_match(notname, md, s, n, 0) >= 0) {
        print_error("%s: {NOTNAME} does not refuse \"%s\" of {%s}: add it "
                    "to NOTNAME's group of its first character\n",
                    COMMON_RULES, ws.w[i], lists[l]);
        missed++;
      }
    }
    tm_words_free(&ws);
  }
  assert_int_equal(missed, 0);
  pcre2_match_data_free(md);
  pcre2_code_free(was);
  pcre2_code_free(notname);
  nlp_macros_free(set);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lookahead_classes),
      cmocka_unit_test(test_notname_refuses_listed_words),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
