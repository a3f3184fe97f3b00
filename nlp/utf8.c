/*
 * utf8.c — UTF-8 validation, decoding and counting, and nlp_strerror.
 *
 * Validation is strict (Unicode 15, table 3-7 "well-formed byte sequences"):
 * overlong forms, surrogates (U+D800..U+DFFF), code points above U+10FFFF
 * and truncated sequences are rejected.  Every ingested document goes
 * through nlp_utf8_valid, so it has an ASCII fast path that tests 16 bytes
 * per step with word-wide masks; Chinese text (3-byte sequences) is checked
 * by the per-sequence slow path, which restricts the second byte's range
 * according to the lead byte — that is what excludes overlongs and
 * surrogates without decoding.
 */
#include <string.h>

#include "nlp/nlp.h"
#include "nlp/nlp_internal.h"

const char *nlp_strerror(int err) {
  switch (err) {
  case NLP_OK: return "ok";
  case NLP_EUTF8: return "invalid UTF-8";
  case NLP_ENOMEM: return "out of memory";
  case NLP_EIO: return "cannot read file or directory";
  case NLP_ERULE: return "rule file has errors";
  case NLP_EINVAL: return "invalid argument or unparseable input";
  case NLP_ETOOBIG: return "input over the configured limit";
  case NLP_ESTORE: return "store call failed";
  default: return "unknown nlp error";
  }
}

#define HIGH_BITS 0x8080808080808080ULL

/* Length of the well-formed sequence at s[0..len) or 0.  The accepted
 * second-byte ranges come from table 3-7. */
size_t nlp_utf8_decode_strict(const unsigned char *s, size_t len,
                              uint32_t *cp) {
  if (len == 0) return 0;
  unsigned char c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  unsigned char lo = 0x80, hi = 0xBF;
  size_t n;
  uint32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    v = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;      /* overlong below U+0800 */
    else if (c == 0xED) hi = 0x9F; /* surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    v = c & 0x07;
    if (c == 0xF0) lo = 0x90;      /* overlong below U+10000 */
    else if (c == 0xF4) hi = 0x8F; /* above U+10FFFF */
  } else {
    return 0; /* continuation byte, C0/C1 overlong leads, F5..FF */
  }
  if (len < n) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  v = (v << 6) | (s[1] & 0x3F);
  for (size_t i = 2; i < n; i++) {
    if (!nlp_is_cont(s[i])) return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  *cp = v;
  return n;
}

bool nlp_utf8_valid(const char *str, size_t len, size_t *bad_off) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < len) {
    /* ASCII fast path: two 8-byte words per step. */
    while (i + 16 <= len) {
      uint64_t a, b;
      memcpy(&a, s + i, 8);
      memcpy(&b, s + i + 8, 8);
      if ((a | b) & HIGH_BITS) break;
      i += 16;
    }
    if (i >= len) break;
    unsigned char c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    /* Most CJK text: 3-byte sequences whose lead byte puts no extra limit
     * on the second byte (E1..EC, EE, EF).  A run of them stays in this
     * loop: going back to the ASCII test after each character cost twice
     * as many instructions per byte on Chinese text. */
    if ((unsigned)(c - 0xE1) <= 0xEF - 0xE1 && c != 0xED) {
      size_t j = i;
      for (;;) { /* single ASCII bytes (digits, spaces) stay in the run */
        if (j + 3 <= len && (unsigned)(s[j] - 0xE1) <= 0xEF - 0xE1 &&
            s[j] != 0xED && nlp_is_cont(s[j + 1]) && nlp_is_cont(s[j + 2]))
          j += 3;
        else if (j < len && s[j] < 0x80)
          j++;
        else
          break;
      }
      if (j > i) {
        i = j;
        continue;
      }
    }
    uint32_t cp;
    size_t n = nlp_utf8_decode_strict(s + i, len - i, &cp);
    if (n == 0) {
      if (bad_off) *bad_off = i;
      return false;
    }
    i += n;
  }
  return true;
}

size_t nlp_utf8_decode(const char *s, size_t len, uint32_t *cp) {
  if (len == 0) {
    *cp = 0;
    return 0;
  }
  size_t n = nlp_utf8_decode_strict((const unsigned char *)s, len, cp);
  if (n == 0) { /* defensive: never loop forever on bad input */
    *cp = 0xFFFD;
    return 1;
  }
  return n;
}

size_t nlp_utf8_encode(uint32_t cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* A code point starts at every byte that is not a continuation byte. */
size_t nlp_utf8_count(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  size_t n = 0, i = 0;
  for (; i < len; i++) n += !nlp_is_cont(s[i]);
  return n;
}
