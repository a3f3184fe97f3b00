/*
 * util.c — the small pieces every ingest reader needs: error strings, the
 * string buffer and arena of ingest_internal.h, encoding detection and
 * conversion (iconv for GB18030), content hashing (SHA-256 via libcrypto's
 * EVP), the bigram SimHash, GB 32100 credit-code check characters, dates,
 * and format detection by extension and content sniffing.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ingest/ingest_internal.h"

const char *ingest_strerror(int err) {
  switch (err) {
  case INGEST_OK:
    return "ok";
  case INGEST_EIO:
    return "cannot read the file or folder";
  case INGEST_EPARSE:
    return "malformed input";
  case INGEST_EENCODING:
    return "invalid text encoding";
  case INGEST_ESCHEMA:
    return "registry file does not match its schema";
  case INGEST_EFORMAT:
    return "unknown or unsupported file format";
  case INGEST_ENOMEM:
    return "out of memory";
  case INGEST_ESTORE:
    return "store operation failed";
  case INGEST_ENLP:
    return "text normalisation or extraction failed";
  case INGEST_EINVAL:
    return "invalid argument";
  case INGEST_EEMPTY:
    return "empty input";
  case INGEST_EFILES:
    return "some files could not be ingested";
  case INGEST_ETOOBIG:
    return "file too large";
  default:
    return "unknown ingest error";
  }
}

/* ---- diagnostics ------------------------------------------------------- */

void ingest_diag(const ingest_config *cfg, const char *path, const char *msg) {
  if (cfg && cfg->diag)
    cfg->diag(cfg->diag_ctx, path, msg);
  else
    fprintf(stderr, "%s: %s\n", path, msg);
}

void ingest_diagf(const ingest_file_ctx *fc, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ingest_diag(fc->cfg, fc->path, msg);
}

void ingest_errf(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* ---- string buffer ----------------------------------------------------- */

void ingest_sbuf_add(ingest_sbuf *b, const char *s, size_t len) {
  if (b->oom)
    return;
  if (b->n + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + len + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, len);
  b->n += len;
  b->p[b->n] = 0;
}

void ingest_sbuf_adds(ingest_sbuf *b, const char *s) {
  ingest_sbuf_add(b, s, strlen(s));
}

void ingest_sbuf_addc(ingest_sbuf *b, char c) {
  ingest_sbuf_add(b, &c, 1);
}

char *ingest_sbuf_take(ingest_sbuf *b) {
  if (b->oom) {
    ingest_sbuf_destroy(b);
    return NULL;
  }
  char *p = b->p ? b->p : strdup("");
  b->p = NULL;
  b->n = b->cap = 0;
  return p;
}

void ingest_sbuf_destroy(ingest_sbuf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}

/* ---- arena ----------------------------------------------------- */

struct ingest_arena_chunk {
  ingest_arena_chunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

void *ingest_arena_alloc(ingest_arena *a, size_t size) {
  size = (size + 15) & ~(size_t)15;
  if (!size)
    size = 16;
  ingest_arena_chunk *c = a->head;
  if (!c || c->cap - c->used < size) {
    size_t cap = size > 16384 ? size : 16384;
    c = malloc(sizeof *c + cap);
    if (!c)
      return NULL;
    c->next = a->head;
    c->used = 0;
    c->cap = cap;
    a->head = c;
  }
  void *p = c->data + c->used;
  c->used += size;
  memset(p, 0, size);
  return p;
}

char *ingest_arena_strndup(ingest_arena *a, const char *s, size_t n) {
  char *p = ingest_arena_alloc(a, n + 1);
  if (!p)
    return NULL;
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *ingest_arena_strdup(ingest_arena *a, const char *s) {
  return ingest_arena_strndup(a, s, strlen(s));
}

void ingest_arena_destroy(ingest_arena *a) {
  while (a->head) {
    ingest_arena_chunk *n = a->head->next;
    free(a->head);
    a->head = n;
  }
}

/* ---- documents --------------------------------------------------------- */

void ingest_doc_destroy(ingest_doc *d) {
  if (!d)
    return;
  free(d->external_id);
  free(d->title);
  free(d->text);
  free(d->published);
  free(d->source);
  free(d->url);
  memset(d, 0, sizeof *d);
}

void ingest_docs_init(ingest_docs *ds) {
  memset(ds, 0, sizeof *ds);
}

void ingest_docs_destroy(ingest_docs *ds) {
  for (size_t i = 0; i < ds->n; i++)
    ingest_doc_destroy(&ds->v[i]);
  free(ds->v);
  memset(ds, 0, sizeof *ds);
}

char *ingest_trim(char *s) {
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1]))
    s[--n] = 0;
  size_t i = 0;
  while (s[i] && isspace((unsigned char)s[i]))
    i++;
  if (i)
    memmove(s, s + i, n - i + 1);
  return s;
}

/* ---- encoding ---------------------------------------------------------- */

static bool is_gb_charset(const char *cs) {
  return !strcasecmp(cs, "gb2312") || !strcasecmp(cs, "gbk") ||
         !strcasecmp(cs, "gb18030") || !strcasecmp(cs, "x-gbk") ||
         !strcasecmp(cs, "cp936") || !strcasecmp(cs, "euc-cn");
}

static bool is_utf8_charset(const char *cs) {
  return !strcasecmp(cs, "utf-8") || !strcasecmp(cs, "utf8");
}

bool ingest_sniff_charset(const char *buf, size_t len, char *out,
                          size_t outlen) {
  size_t lim = len < 4096 ? len : 4096;
  static const char *const keys[] = {"charset=", "encoding="};
  for (size_t k = 0; k < 2; k++) {
    size_t kl = strlen(keys[k]);
    for (size_t i = 0; i + kl < lim; i++) {
      if (strncasecmp(buf + i, keys[k], kl))
        continue;
      size_t j = i + kl;
      while (j < lim && (buf[j] == '"' || buf[j] == '\'' || buf[j] == ' '))
        j++;
      size_t o = 0;
      while (j < lim && o + 1 < outlen &&
             (isalnum((unsigned char)buf[j]) || buf[j] == '-' || buf[j] == '_'))
        out[o++] = (char)tolower((unsigned char)buf[j++]);
      out[o] = 0;
      if (o)
        return true;
    }
  }
  return false;
}

static int gb_to_utf8(const char *buf, size_t len, char **out, size_t *out_len,
                      size_t *bad_off) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == (iconv_t)-1)
    return INGEST_EENCODING;
  size_t cap = len * 2 + 16;
  char *dst = malloc(cap);
  if (!dst) {
    iconv_close(cd);
    return INGEST_ENOMEM;
  }
  char *in = (char *)buf, *o = dst;
  size_t inleft = len, oleft = cap - 1;
  int rc = 0;
  while (inleft) {
    if (iconv(cd, &in, &inleft, &o, &oleft) == (size_t)-1) {
      if (errno == E2BIG) {
        size_t used = (size_t)(o - dst);
        cap *= 2;
        char *nd = realloc(dst, cap);
        if (!nd) {
          rc = INGEST_ENOMEM;
          break;
        }
        dst = nd;
        o = dst + used;
        oleft = cap - used - 1;
        continue;
      }
      if (bad_off)
        *bad_off = (size_t)(in - buf);
      rc = INGEST_EENCODING;
      break;
    }
  }
  iconv_close(cd);
  if (rc) {
    free(dst);
    return rc;
  }
  *o = 0;
  *out = dst;
  *out_len = (size_t)(o - dst);
  return 0;
}

int ingest_to_utf8(const char *buf, size_t len, const char *charset, char **out,
                   size_t *out_len, char *err, size_t errlen) {
  *out = NULL;
  *out_len = 0;
  /* Control bytes other than white space mean binary data; they are the same
   * bytes in UTF-8 and GB18030 (trail bytes are >= 0x30), so check up front. */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)buf[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
        c != '\v') {
      ingest_errf(err, errlen, "binary data: control byte 0x%02x at offset %zu",
                  c, i);
      return INGEST_EENCODING;
    }
  }
  size_t bad = 0;
  if (charset && *charset && is_gb_charset(charset)) {
    int rc = gb_to_utf8(buf, len, out, out_len, &bad);
    if (rc == INGEST_EENCODING)
      ingest_errf(err, errlen,
                  "declared %s but the byte at offset %zu is not GB18030",
                  charset, bad);
    return rc;
  }
  if (nlp_utf8_valid(buf, len, &bad)) {
    size_t skip = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
    char *p = malloc(len - skip + 1);
    if (!p)
      return INGEST_ENOMEM;
    memcpy(p, buf + skip, len - skip);
    p[len - skip] = 0;
    *out = p;
    *out_len = len - skip;
    return 0;
  }
  if (charset && *charset && !is_utf8_charset(charset)) {
    ingest_errf(err, errlen, "unsupported charset '%s'", charset);
    return INGEST_EENCODING;
  }
  size_t bad_utf8 = bad;
  if (!charset || !*charset) {
    int rc = gb_to_utf8(buf, len, out, out_len, &bad);
    if (rc != INGEST_EENCODING)
      return rc;
  }
  ingest_errf(err, errlen, "invalid UTF-8 at byte offset %zu%s", bad_utf8,
              charset && *charset ? "" : " (and not GB18030 either)");
  return INGEST_EENCODING;
}

/* ---- hashing ----------------------------------------------------------- */

int ingest_content_hash(const char *title, const char *text, uint8_t out[32]) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md)
    return INGEST_ENOMEM;
  unsigned int n = 0;
  int ok =
      EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
      EVP_DigestUpdate(md, title ? title : "", title ? strlen(title) : 0) &&
      EVP_DigestUpdate(md, "\n", 1) &&
      EVP_DigestUpdate(md, text ? text : "", text ? strlen(text) : 0) &&
      EVP_DigestFinal_ex(md, out, &n);
  EVP_MD_CTX_free(md);
  return ok && n == 32 ? 0 : INGEST_ENOMEM;
}

static uint64_t mix64(uint64_t x) { /* splitmix64 finaliser */
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

static bool cp_is_space(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
         cp == '\v' || cp == 0x3000 || cp == 0xA0;
}

/* Bigrams of code points rather than of bytes: a Chinese character is one
 * unit of meaning, and byte bigrams would be dominated by UTF-8 lead bytes. */
uint64_t ingest_simhash(const char *text, size_t len) {
  int32_t v[64] = {0};
  uint32_t prev = 0;
  bool have_prev = false;
  size_t nfeat = 0;
  for (size_t i = 0; i < len;) {
    uint32_t cp = 0;
    size_t k = nlp_utf8_decode(text + i, len - i, &cp);
    if (!k)
      k = 1;
    i += k;
    if (cp_is_space(cp))
      continue;
    if (have_prev) {
      uint64_t h = mix64(((uint64_t)prev << 32) | cp);
      for (int b = 0; b < 64; b++)
        v[b] += (h >> b) & 1 ? 1 : -1;
      nfeat++;
    }
    prev = cp;
    have_prev = true;
  }
  if (!nfeat && have_prev) { /* one character: hash it alone */
    uint64_t h = mix64(prev);
    for (int b = 0; b < 64; b++)
      v[b] += (h >> b) & 1 ? 1 : -1;
  }
  uint64_t r = 0;
  for (int b = 0; b < 64; b++)
    if (v[b] > 0)
      r |= 1ull << b;
  return r;
}

int ingest_simhash_distance(uint64_t a, uint64_t b) {
  return __builtin_popcountll(a ^ b);
}

/* ---- GB 32100 credit codes ------------------------------------- */

static const char cc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int cc_weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                   29, 25, 13, 8,  24, 10, 30, 28};

static int cc_value(char c) {
  const char *p = c ? strchr(cc_alphabet, c) : NULL;
  return p ? (int)(p - cc_alphabet) : -1;
}

char ingest_credit_code_check_char(const char *first17) {
  int sum = 0;
  for (int i = 0; i < 17; i++) {
    int v = cc_value(first17[i]);
    if (v < 0)
      return 0;
    sum += v * cc_weights[i];
  }
  int c = 31 - sum % 31;
  return cc_alphabet[c == 31 ? 0 : c];
}

bool ingest_credit_code_valid(const char *code) {
  if (!code || strlen(code) != 18)
    return false;
  char c = ingest_credit_code_check_char(code);
  return c && c == code[17];
}

/* ---- dates ------------------------------------------------------------- */

bool ingest_norm_date(const char *s, char out[11]) {
  while (*s && isspace((unsigned char)*s))
    s++;
  int y = 0, m = 0, d = 0, n = 0;
  /* 2024-03-05, 2024/3/5, 2024.03.05 (and anything after, e.g. a time) */
  if (sscanf(s, "%4d%*1[-/.]%2d%*1[-/.]%2d%n", &y, &m, &d, &n) == 3 ||
      sscanf(s, "%4d\xE5\xB9\xB4%2d\xE6\x9C\x88%2d%n", &y, &m, &d, &n) == 3) {
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
      return false;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    return true;
  }
  return false;
}

/* ---- format detection -------------------------------------------------- */

const char *ingest_format_name(ingest_format f) {
  switch (f) {
  case INGEST_FMT_HTML:
    return "html";
  case INGEST_FMT_TEXT:
    return "text";
  case INGEST_FMT_JSONL:
    return "jsonl";
  case INGEST_FMT_ANN_XML:
    return "announcement-xml";
  case INGEST_FMT_REGISTRY:
    return "registry-xml";
  case INGEST_FMT_GLEIF_LEI:
    return "gleif-lei";
  case INGEST_FMT_GLEIF_RR:
    return "gleif-rr";
  case INGEST_FMT_CSV:
    return "csv";
  default:
    return "unknown";
  }
}

/* Local name of the first element, skipping the declaration, comments,
 * processing instructions and DOCTYPE. */
static bool xml_root_name(const char *s, size_t len, char *out, size_t outlen) {
  size_t i = 0;
  if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
    i = 3;
  while (i < len) {
    while (i < len && isspace((unsigned char)s[i]))
      i++;
    if (i >= len || s[i] != '<')
      return false;
    if (i + 1 < len && (s[i + 1] == '?' || s[i + 1] == '!')) {
      bool comment = i + 4 <= len && !memcmp(s + i, "<!--", 4);
      const char *end = comment ? memmem(s + i, len - i, "-->", 3)
                                : memchr(s + i, '>', len - i);
      if (!end)
        return false;
      i = (size_t)(end - s) + (comment ? 3 : 1);
      continue;
    }
    i++;
    size_t b = i;
    while (i < len && !isspace((unsigned char)s[i]) && s[i] != '>' &&
           s[i] != '/')
      i++;
    const char *name = s + b;
    size_t n = i - b;
    const char *colon = memchr(name, ':', n);
    if (colon) {
      n -= (size_t)(colon + 1 - name);
      name = colon + 1;
    }
    if (!n || n >= outlen)
      return false;
    memcpy(out, name, n);
    out[n] = 0;
    return true;
  }
  return false;
}

static bool has_ext(const char *path, const char *ext) {
  size_t n = strlen(path), e = strlen(ext);
  return n > e && path[n - e - 1] == '.' && !strcasecmp(path + n - e, ext);
}

static ingest_format xml_kind(const char *head, size_t len) {
  char root[64];
  if (!head || !xml_root_name(head, len, root, sizeof root))
    return INGEST_FMT_UNKNOWN;
  if (!strcmp(root, "registry"))
    return INGEST_FMT_REGISTRY;
  if (!strcmp(root, "announcements") || !strcmp(root, "announcement"))
    return INGEST_FMT_ANN_XML;
  if (!strcmp(root, "LEIData"))
    return INGEST_FMT_GLEIF_LEI;
  if (!strcmp(root, "RelationshipData"))
    return INGEST_FMT_GLEIF_RR;
  if (!strcasecmp(root, "html"))
    return INGEST_FMT_HTML;
  return INGEST_FMT_UNKNOWN;
}

ingest_format ingest_detect(const char *path, const char *head, size_t len) {
  if (has_ext(path, "html") || has_ext(path, "htm") || has_ext(path, "xhtml"))
    return INGEST_FMT_HTML;
  if (has_ext(path, "txt"))
    return INGEST_FMT_TEXT;
  if (has_ext(path, "jsonl") || has_ext(path, "json") ||
      has_ext(path, "ndjson"))
    return INGEST_FMT_JSONL;
  if (has_ext(path, "csv"))
    return INGEST_FMT_CSV;
  if (has_ext(path, "xml"))
    return xml_kind(head, len);
  /* No known extension: sniff the content. */
  if (!head || !len)
    return INGEST_FMT_UNKNOWN;
  size_t i = 0;
  while (i < len && isspace((unsigned char)head[i]))
    i++;
  if (i < len && head[i] == '{')
    return INGEST_FMT_JSONL;
  if (i < len && head[i] == '<') {
    size_t lim = len < 1024 ? len : 1024;
    for (size_t k = i; k + 5 <= lim; k++)
      if (!strncasecmp(head + k, "<html", 5) ||
          (k + 9 <= lim && !strncasecmp(head + k, "<!doctype", 9)))
        return INGEST_FMT_HTML;
    return xml_kind(head, len);
  }
  return INGEST_FMT_UNKNOWN;
}
