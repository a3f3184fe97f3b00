/*
 * nlp_internal.h — helpers shared by the nlp foundation files (utf8.c,
 * normalize.c, numbers.c, dict.c).  Not part of the public API.
 */
#ifndef OPPGRAPH_NLP_INTERNAL_H
#define OPPGRAPH_NLP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* True for a UTF-8 continuation byte (10xxxxxx). */
static inline int nlp_is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* Strict decode of one code point at s[0..len).  Returns the byte length
 * (1..4) and sets *cp, or returns 0 when the sequence is invalid or
 * truncated (overlong, surrogate, > U+10FFFF). */
size_t nlp_utf8_decode_strict(const unsigned char *s, size_t len,
                              uint32_t *cp);

/* Encodes cp (valid scalar value) into out[0..4); returns the length. */
size_t nlp_utf8_encode(uint32_t cp, char out[4]);

/* Full-width ASCII U+FF01..U+FF5E -> U+0021..U+007E; other code points
 * are returned unchanged. */
static inline uint32_t nlp_fold_fullwidth(uint32_t cp) {
  return (cp >= 0xFF01 && cp <= 0xFF5E) ? cp - 0xFEE0 : cp;
}

/* Unicode space characters other than ASCII space/tab/newlines that the
 * normaliser turns into ' ' (NBSP, ogham space, U+2000..U+200A, narrow NBSP,
 * medium mathematical space, ideographic space). */
static inline int nlp_is_uspace(uint32_t cp) {
  return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Zero-width characters the normaliser deletes (ZWSP, ZWNJ, ZWJ, word
 * joiner, BOM / ZWNBSP). */
static inline int nlp_is_zerowidth(uint32_t cp) {
  return cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x2060 ||
         cp == 0xFEFF;
}

#endif
