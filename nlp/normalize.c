/*
 * normalize.c — nlp_normalize: canonical form of announcement text.
 *
 * One pass over code points after a strict validation pass.  White space is
 * not written when seen but remembered (pending space / pending newlines)
 * and emitted just before the next visible character; that single rule gives
 * space folding, newline folding, trimming at both ends and the removal of
 * spaces at line ends and line starts (indentation such as the two
 * ideographic spaces that open Chinese paragraphs).
 *
 * Full-width ASCII is folded to half-width except the Chinese punctuation
 * that rules match literally: ，：；（）！？ stay full-width (。“” are not in
 * the full-width ASCII block anyway).  C0 control characters other than
 * tab / LF / CR / VT / FF are dropped, as is DEL: they carry no text and a
 * NUL would cut the output short for C string consumers.  The output is
 * never longer than the input.
 */
#include <stdlib.h>

#include "nlp/nlp.h"
#include "nlp/nlp_internal.h"

static int keep_fullwidth(uint32_t cp) {
  return cp == 0xFF0C || cp == 0xFF1A || cp == 0xFF1B || cp == 0xFF08 ||
         cp == 0xFF09 || cp == 0xFF01 || cp == 0xFF1F;
}

int nlp_normalize(const char *in, size_t len, char **out, size_t *out_len,
                  size_t *bad_off) {
  *out = NULL;
  if (out_len) *out_len = 0;
  if (!nlp_utf8_valid(in, len, bad_off)) return NLP_EUTF8;
  char *buf = malloc(len + 1);
  if (!buf) return NLP_ENOMEM;

  const unsigned char *s = (const unsigned char *)in;
  size_t i = 0, o = 0;
  int pend_space = 0, pend_nl = 0;
  while (i < len) {
    uint32_t cp;
    size_t n;
    if (s[i] < 0x80) {
      cp = s[i];
      n = 1;
    } else {
      n = nlp_utf8_decode_strict(s + i, len - i, &cp);
    }
    i += n;
    if (cp == '\r') {
      if (i < len && s[i] == '\n') i++;
      cp = '\n';
    }
    if (cp == '\n') {
      pend_nl++;
      pend_space = 0;
      continue;
    }
    if (cp == ' ' || cp == '\t' || cp == '\v' || cp == '\f' ||
        nlp_is_uspace(cp)) {
      pend_space = 1;
      continue;
    }
    if (cp < 0x20 || cp == 0x7F || nlp_is_zerowidth(cp)) continue;

    if (o > 0) {
      if (pend_nl) {
        buf[o++] = '\n';
        if (pend_nl > 1) buf[o++] = '\n';
      } else if (pend_space) {
        buf[o++] = ' ';
      }
    }
    pend_nl = 0;
    pend_space = 0;
    if (!keep_fullwidth(cp)) cp = nlp_fold_fullwidth(cp);
    if (cp < 0x80) {
      buf[o++] = (char)cp;
    } else {
      o += nlp_utf8_encode(cp, buf + o);
    }
  }
  buf[o] = '\0';
  *out = buf;
  if (out_len) *out_len = o;
  return NLP_OK;
}
