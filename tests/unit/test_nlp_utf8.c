/*
 * test_nlp_utf8.c — strict UTF-8 validation, decoding, counting, and text
 * normalisation (nlp/utf8.c, nlp/normalize.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nlp/nlp.h"

static void valid(const char *s, size_t len) {
  size_t off = 999;
  if (!nlp_utf8_valid(s, len, &off)) fail_msg("valid input rejected at %zu", off);
}

static void invalid_at(const char *s, size_t len, size_t want) {
  size_t off = 999;
  if (nlp_utf8_valid(s, len, &off)) fail_msg("invalid input accepted");
  if (off != want) fail_msg("bad offset %zu, want %zu", off, want);
}

/* Runs of 3-byte characters are checked in a loop of their own: an error
 * inside or right after such a run is still found, at the right offset. */
static void test_invalid_in_cjk_run(void **st) {
  (void)st;
  valid("\xe4\xb8\xad\xe6\x96\x87\xed\x9f\xbf\xe4\xb8\xad", 12);
  invalid_at("\xe4\xb8\xad\xe6\x96\x87\xe4\xb8", 8, 6); /* cut short */
  invalid_at("\xe4\xb8\xad\xe6\x96\x87\xe4\x41\x80", 9, 6); /* bad 2nd */
  invalid_at("\xe4\xb8\xad\xe6\x96\x87\xe4\x80\x41", 9, 6); /* bad 3rd */
  invalid_at("\xe4\xb8\xad\xe6\x96\x87\xed\xa0\x80", 9, 6); /* surrogate */
  invalid_at("\xe4\xb8\xad\xe6\x96\x87\xbf", 7, 6); /* lone continuation */
  invalid_at("\xe4\xb8\xad\xef\xbf\xbf\xf8", 7, 6); /* F8 lead */
}

static void test_valid(void **st) {
  (void)st;
  valid("", 0);
  valid("abc", 3);
  valid("中国平安", strlen("中国平安"));
  valid("\xc2\x80", 2);                   /* U+0080, smallest 2-byte */
  valid("\xdf\xbf", 2);                   /* U+07FF */
  valid("\xe0\xa0\x80", 3);               /* U+0800, smallest 3-byte */
  valid("\xed\x9f\xbf", 3);               /* U+D7FF, just below surrogates */
  valid("\xee\x80\x80", 3);               /* U+E000, just above */
  valid("\xef\xbf\xbf", 3);               /* U+FFFF */
  valid("\xf0\x90\x80\x80", 4);           /* U+10000 */
  valid("\xf0\x9f\x98\x80", 4);           /* emoji */
  valid("\xf4\x8f\xbf\xbf", 4);           /* U+10FFFF */
  valid("a\0b", 3);                       /* NUL is a character */
  /* long ASCII runs cross the 16-byte fast path with a tail */
  char buf[100];
  memset(buf, 'x', sizeof buf);
  memcpy(buf + 37, "中", 3);
  valid(buf, sizeof buf);
}

static void test_invalid(void **st) {
  (void)st;
  invalid_at("\x80", 1, 0);                 /* lone continuation */
  invalid_at("ab\xc0\xaf", 4, 2);           /* overlong '/' */
  invalid_at("\xc1\xbf", 2, 0);             /* overlong */
  invalid_at("\xe0\x80\xaf", 3, 0);         /* overlong 3-byte */
  invalid_at("\xe0\x9f\xbf", 3, 0);         /* overlong U+07FF */
  invalid_at("\xf0\x80\x80\xaf", 4, 0);     /* overlong 4-byte */
  invalid_at("\xf0\x8f\xbf\xbf", 4, 0);     /* overlong U+FFFF */
  invalid_at("\xed\xa0\x80", 3, 0);         /* U+D800 surrogate */
  invalid_at("x\xed\xbf\xbf", 4, 1);        /* U+DFFF surrogate */
  invalid_at("\xf4\x90\x80\x80", 4, 0);     /* U+110000 */
  invalid_at("\xf5\x80\x80\x80", 4, 0);     /* lead F5 */
  invalid_at("\xff", 1, 0);
  invalid_at("中\xe5\x9b", 5, 3);           /* truncated at end */
  invalid_at("\xe4\xb8z", 3, 0);            /* truncated mid-text */
  invalid_at("\xf0\x9f\x98", 3, 0);         /* truncated 4-byte */
  invalid_at("\xe4\xb8\xad\xad", 4, 3);     /* stray continuation */
  /* after a long ASCII prefix (fast path), the offset is still exact */
  char buf[64];
  memset(buf, 'a', sizeof buf);
  buf[41] = (char)0xC0;
  invalid_at(buf, sizeof buf, 41);
}

static void test_decode_count(void **st) {
  (void)st;
  uint32_t cp;
  assert_int_equal(nlp_utf8_decode("A", 1, &cp), 1);
  assert_int_equal(cp, 'A');
  assert_int_equal(nlp_utf8_decode("中", 3, &cp), 3);
  assert_int_equal(cp, 0x4E2D);
  assert_int_equal(nlp_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
  assert_int_equal(cp, 0x1F600);
  assert_int_equal(nlp_utf8_decode("\xc3\xa9", 2, &cp), 2);
  assert_int_equal(cp, 0xE9);
  /* bad bytes advance by one with U+FFFD instead of looping */
  assert_int_equal(nlp_utf8_decode("\xe4\xb8", 2, &cp), 1);
  assert_int_equal(cp, 0xFFFD);
  assert_int_equal(nlp_utf8_count("a中b\xf0\x9f\x98\x80", 9), 4);
  assert_int_equal(nlp_utf8_count("", 0), 0);
}

static void norm_is(const char *in, const char *want) {
  char *out = NULL;
  size_t n = 0;
  int rc = nlp_normalize(in, strlen(in), &out, &n, NULL);
  if (rc != NLP_OK) fail_msg("normalize(\"%s\"): rc %d", in, rc);
  if (strcmp(out, want) != 0 || n != strlen(want))
    fail_msg("normalize(\"%s\") = \"%s\", want \"%s\"", in, out, want);
  free(out);
}

static void test_normalize(void **st) {
  (void)st;
  norm_is("ＡＢＣ１２３ａｂｃ", "ABC123abc");
  /* digits fold; the Chinese punctuation ：，（） stays full-width */
  norm_is("金额：３，５００万元（含税）！", "金额：3，500万元（含税）！");
  norm_is("ｅｍａｉｌ＠ｘ．ｃｏｍ", "email@x.com");
  norm_is("中国\xe3\x80\x80平安", "中国 平安");       /* ideographic space */
  norm_is("a \t  b", "a b");
  norm_is("a\xc2\xa0\xe2\x80\x83z", "a z");           /* NBSP + em space */
  norm_is("line1\r\nline2\rline3", "line1\nline2\nline3");
  norm_is("p1\n\n\n\n\np2", "p1\n\np2");
  norm_is("  \n 　　首行缩进  \n\n", "首行缩进");
  norm_is("a  \n  b", "a\nb");
  norm_is("公\xe2\x80\x8b司\xef\xbb\xbf", "公司");    /* ZWSP, BOM */
  norm_is("a\x01" "b\x7f", "ab");
  norm_is("“上市”。", "“上市”。");
  norm_is("", "");
  norm_is(" \r\n\t ", "");
}

static void test_normalize_invalid(void **st) {
  (void)st;
  char *out = (char *)1;
  size_t n = 7, off = 0;
  assert_int_equal(nlp_normalize("ok\xed\xa0\x80", 5, &out, &n, &off),
                   NLP_EUTF8);
  assert_null(out);
  assert_int_equal(off, 2);
  assert_string_equal(nlp_strerror(NLP_EUTF8), "invalid UTF-8");
}

/* Random mixes of the characters normalisation cares about: the output is
 * valid UTF-8, never longer than the input, has no CR, no edge white space,
 * and normalising it again changes nothing. */
static void test_normalize_properties(void **st) {
  (void)st;
  static const char *const tok[] = {" ", "\t", "\r", "\n", "\r\n", "a", "Ｚ",
                                    "１", "，", "。", "\xe3\x80\x80", "\xc2\xa0",
                                    "\xe2\x80\x8b", "中", "\x01", "\xef\xbb\xbf"};
  unsigned seed = 7;
  char buf[256];
  for (int r = 0; r < 20000; r++) {
    buf[0] = '\0';
    int k = rand_r(&seed) % 12;
    for (int j = 0; j < k; j++)
      strcat(buf, tok[rand_r(&seed) % (sizeof tok / sizeof tok[0])]);
    size_t n = strlen(buf);
    char *o1, *o2;
    size_t l1, l2;
    assert_int_equal(nlp_normalize(buf, n, &o1, &l1, NULL), NLP_OK);
    assert_true(l1 <= n);
    assert_true(nlp_utf8_valid(o1, l1, NULL));
    assert_null(strchr(o1, '\r'));
    if (l1) {
      assert_true(o1[0] != ' ' && o1[0] != '\n');
      assert_true(o1[l1 - 1] != ' ' && o1[l1 - 1] != '\n');
    }
    assert_int_equal(nlp_normalize(o1, l1, &o2, &l2, NULL), NLP_OK);
    if (l1 != l2 || memcmp(o1, o2, l1) != 0)
      fail_msg("not idempotent: \"%s\" -> \"%s\"", o1, o2);
    free(o1);
    free(o2);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_invalid_in_cjk_run),
      cmocka_unit_test(test_decode_count),
      cmocka_unit_test(test_normalize),
      cmocka_unit_test(test_normalize_invalid),
      cmocka_unit_test(test_normalize_properties),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
