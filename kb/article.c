/*
 * article.c — reading knowledge-base articles from files.
 *
 * Formats, chosen by extension (.md/.markdown, .html/.htm, .xml, .txt) or,
 * for another extension, by the first non-blank byte ('<' = XML or HTML,
 * "---" or "# " = Markdown, else text):
 *
 * Markdown
 *     ---                        optional front matter; or, instead, a
 *     id: 12                     "# Title" line followed directly by
 *     title: 履约保函业务指引    "key: value" lines up to the first
 *     category: 产品手册         blank line (the header block)
 *     tags: 保函, 对公
 *     products: PERF_GUARANTEE
 *     ---
 *   Keys (case-insensitive; Chinese aliases 编号 标题 分类 标签 产品):
 *   id, title, category, tags, products.  Lists are separated by commas
 *   (',' '，' '、'), optionally inside [ ].  Without a title key the first
 *   "# " heading is the title.  The body keeps the text; heading marks,
 *   list bullets, emphasis and back-quotes are dropped.
 * HTML (libxml2's HTML parser)
 *   title = <title>, else the first <h1>; <meta name="kb-id" | "category" |
 *   "keywords" (tags) | "products" content="…">; body = text of <body> with
 *   script and style dropped, block elements ending lines.
 * XML (ours)
 *   <article id="12" category="产品手册"><title>…</title>
 *     <tags><tag>…</tag></tags><products><product>…</product></products>
 *     <body>…</body></article>
 * Plain text
 *   the first non-empty line is the title; a header block may follow it.
 *
 * The id, when the text gives none, is the number the file name starts
 * with ("012-保函.md" = 12); no number at all is an error.  Everything must
 * be valid UTF-8; errors name the file and the byte or line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kb/kb_internal.h"

int kb_fail(kb_diag *d, int err, const char *fmt, ...) {
  if (d) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
  }
  return err;
}

const char *kb_strerror(int err) {
  switch (err) {
  case KB_OK:
    return "ok";
  case KB_EINVAL:
    return "invalid argument";
  case KB_EUTF8:
    return "invalid UTF-8";
  case KB_ETOOBIG:
    return "input too large";
  case KB_EPARSE:
    return "article does not parse";
  case KB_EIO:
    return "cannot read file";
  case KB_ESTORE:
    return "store error";
  case KB_ENOMEM:
    return "out of memory";
  case KB_ENOTFOUND:
    return "no such article";
  case KB_ELAYOUT:
    return "index of an older layout (rebuild with kb add)";
  default:
    return "unknown kb error";
  }
}

void kb_article_free(kb_article *a) {
  if (a)
    oppgraph__v1__kb_article__free_unpacked(a, NULL);
}

/* The article is built with malloc'd strings so that free_unpacked (which
 * uses the default allocator) releases it like a stored one. */
static kb_article *art_new(void) {
  kb_article *a = malloc(sizeof *a);
  if (!a)
    return NULL;
  oppgraph__v1__kb_article__init(a);
  a->title = strdup("");
  a->body = strdup("");
  a->category = strdup("");
  a->source = strdup("");
  if (!a->title || !a->body || !a->category || !a->source) {
    kb_article_free(a);
    return NULL;
  }
  return a;
}

static char *trim_dup(const char *s, size_t n) {
  while (n && isspace((unsigned char)*s))
    s++, n--;
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  return strndup(s, n);
}

static int set_str(char **field, const char *s, size_t n) {
  char *v = trim_dup(s, n);
  if (!v)
    return KB_ENOMEM;
  free(*field);
  *field = v;
  return 0;
}

static int list_add(char ***v, size_t *n, const char *s, size_t len) {
  char *w = trim_dup(s, len);
  if (!w)
    return KB_ENOMEM;
  if (!*w) {
    free(w);
    return 0;
  }
  char **nv = realloc(*v, (*n + 1) * sizeof *nv);
  if (!nv) {
    free(w);
    return KB_ENOMEM;
  }
  nv[(*n)++] = w;
  *v = nv;
  return 0;
}

/* Splits a list value on ',' '，' '、' ';' (brackets ignored). */
static int set_list(char ***v, size_t *n, const char *s, size_t len) {
  if (len && *s == '[')
    s++, len--;
  while (len && isspace((unsigned char)s[len - 1]))
    len--;
  if (len && s[len - 1] == ']')
    len--;
  size_t start = 0;
  for (size_t i = 0; i <= len;) {
    size_t sep = 0;
    if (i == len)
      sep = 1;
    else if (s[i] == ',' || s[i] == ';')
      sep = 1;
    else if (i + 3 <= len &&
             (!memcmp(s + i, "，", 3) || !memcmp(s + i, "、", 3) ||
              !memcmp(s + i, "；", 3)))
      sep = 3;
    if (sep) {
      int err = list_add(v, n, s + start, i - start);
      if (err)
        return err;
      i += sep;
      start = i;
      if (i > len)
        break;
    } else {
      i++;
    }
  }
  return 0;
}

static int parse_id(const char *s, size_t n, uint64_t *id) {
  char buf[32];
  char *t = trim_dup(s, n);
  if (!t)
    return KB_ENOMEM;
  snprintf(buf, sizeof buf, "%s", t);
  free(t);
  char *end;
  errno = 0;
  unsigned long long v = strtoull(buf, &end, 10);
  if (!buf[0] || *end || errno || v == 0 || buf[0] == '-')
    return KB_EPARSE;
  *id = v;
  return 0;
}

/* Applies one "key: value" header line.  Returns 1 when line is not a
 * header line (no known key), 0 when applied, < 0 on error. */
static int header_line(kb_article *a, const char *line, size_t n,
                       bool *have_title) {
  const char *colon = NULL;
  size_t klen = 0, skip = 0;
  for (size_t i = 0; i < n; i++) {
    if (line[i] == ':') {
      colon = line + i, skip = 1;
      break;
    }
    if (i + 3 <= n && !memcmp(line + i, "：", 3)) {
      colon = line + i, skip = 3;
      break;
    }
  }
  if (!colon)
    return 1;
  klen = (size_t)(colon - line);
  while (klen && isspace((unsigned char)line[klen - 1]))
    klen--;
  const char *v = colon + skip;
  size_t vn = n - (size_t)(v - line);
#define KEY(en, zh)                                                            \
  ((klen == strlen(en) && !strncasecmp(line, en, klen)) ||                     \
   (klen == strlen(zh) && !memcmp(line, zh, klen)))
  if (KEY("id", "编号")) {
    uint64_t id;
    int err = parse_id(v, vn, &id);
    if (err)
      return err;
    a->id = id;
    return 0;
  }
  if (KEY("title", "标题")) {
    *have_title = true;
    return set_str(&a->title, v, vn);
  }
  if (KEY("category", "分类"))
    return set_str(&a->category, v, vn);
  if (KEY("tags", "标签"))
    return set_list(&a->tags, &a->n_tags, v, vn);
  if (KEY("products", "产品"))
    return set_list(&a->product_ids, &a->n_product_ids, v, vn);
#undef KEY
  return 1;
}

/* A growing text buffer for bodies. */
typedef struct {
  char *s;
  size_t n, cap;
  bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
  if (b->oom)
    return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap < b->n + n + 1)
      cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
}

/* One Markdown body line without its block marks and inline emphasis. */
static void md_body_line(sbuf *b, const char *l, size_t n) {
  size_t i = 0;
  while (i < n && (l[i] == ' ' || l[i] == '\t'))
    i++;
  while (i < n && (l[i] == '#' || l[i] == '>'))
    i++;
  if (i + 1 < n && (l[i] == '-' || l[i] == '*' || l[i] == '+') &&
      l[i + 1] == ' ')
    i += 2;
  for (; i < n; i++)
    if (l[i] != '*' && l[i] != '`' && l[i] != '_')
      sb_add(b, l + i, 1);
  sb_add(b, "\n", 1);
}

static int parse_md_text(kb_article *a, const char *buf, size_t len,
                         bool markdown, const char *path, kb_diag *d) {
  size_t i = 0, lineno = 0;
  bool have_title = false, in_front = false, header = false,
       body_started = false;
  sbuf body = {0};
  int err = 0;
  while (i < len && !err) {
    const char *nl = memchr(buf + i, '\n', len - i);
    size_t e = nl ? (size_t)(nl - buf) : len;
    const char *l = buf + i;
    size_t n = e - i;
    if (n && l[n - 1] == '\r')
      n--;
    i = e + 1;
    lineno++;
    size_t t = 0;
    while (t < n && isspace((unsigned char)l[t]))
      t++;
    bool blank = t == n;
    if (markdown && lineno == 1 && n == 3 && !memcmp(l, "---", 3)) {
      in_front = true;
      continue;
    }
    if (in_front) {
      if (n == 3 && !memcmp(l, "---", 3)) {
        in_front = false;
        continue;
      }
      if (blank)
        continue;
      err = header_line(a, l, n, &have_title);
      if (err == 1)
        err = kb_fail(d, KB_EPARSE, "%s:%zu: unknown front-matter key", path,
                      lineno);
      else if (err == KB_EPARSE)
        kb_fail(d, err, "%s:%zu: bad id (a positive integer)", path, lineno);
      continue;
    }
    if (!body_started && blank && !header)
      continue;
    if (header) {
      if (blank) {
        header = false;
        continue;
      }
      int r = header_line(a, l, n, &have_title);
      if (r == 0)
        continue;
      if (r < 0) {
        err = r == KB_EPARSE ? kb_fail(d, r,
                                       "%s:%zu: bad id (a positive "
                                       "integer)",
                                       path, lineno)
                             : r;
        continue;
      }
      header = false; /* not a header line: the body starts here */
    }
    if (!have_title && !body_started) {
      bool h1 = markdown && n > 2 && l[0] == '#' && l[1] == ' ';
      if (h1 || !markdown) {
        err = set_str(&a->title, h1 ? l + 2 : l, h1 ? n - 2 : n);
        have_title = true;
        header = true;
        continue;
      }
    }
    body_started = true;
    if (markdown)
      md_body_line(&body, l, n);
    else {
      sb_add(&body, l, n);
      sb_add(&body, "\n", 1);
    }
  }
  if (in_front && !err)
    err = kb_fail(d, KB_EPARSE, "%s: front matter not closed by \"---\"", path);
  if (body.oom)
    err = KB_ENOMEM;
  if (!err && body.s) {
    free(a->body);
    a->body = trim_dup(body.s, body.n);
    if (!a->body)
      err = KB_ENOMEM;
  }
  free(body.s);
  return err;
}

/* ---- HTML and XML ------------------------------------------------------- */

static bool is_block(const xmlChar *name) {
  static const char *const blocks[] = {
      "p",  "div", "br", "li",    "tr", "h1", "h2",      "h3",
      "h4", "h5",  "h6", "table", "ul", "ol", "section", "article"};
  for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
    if (!xmlStrcasecmp(name, (const xmlChar *)blocks[i]))
      return true;
  return false;
}

static void html_text(xmlNode *n, sbuf *b) {
  for (; n; n = n->next) {
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      if (n->content)
        sb_add(b, (const char *)n->content, strlen((const char *)n->content));
    } else if (n->type == XML_ELEMENT_NODE) {
      if (!xmlStrcasecmp(n->name, (const xmlChar *)"script") ||
          !xmlStrcasecmp(n->name, (const xmlChar *)"style"))
        continue;
      html_text(n->children, b);
      if (is_block(n->name))
        sb_add(b, "\n", 1);
    }
  }
}

static xmlNode *find_el(xmlNode *n, const char *name) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (!xmlStrcasecmp(n->name, (const xmlChar *)name))
      return n;
    xmlNode *c = find_el(n->children, name);
    if (c)
      return c;
  }
  return NULL;
}

static int set_node_text(char **field, xmlNode *n) {
  sbuf b = {0};
  html_text(n->children, &b);
  if (b.oom)
    return KB_ENOMEM;
  int err = set_str(field, b.s ? b.s : "", b.n);
  free(b.s);
  return err;
}

static void html_metas(kb_article *a, xmlNode *n, int *err, const char *path,
                       kb_diag *d) {
  for (; n && !*err; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (!xmlStrcasecmp(n->name, (const xmlChar *)"meta")) {
      xmlChar *name = xmlGetProp(n, (const xmlChar *)"name");
      xmlChar *content = xmlGetProp(n, (const xmlChar *)"content");
      if (name && content) {
        const char *c = (const char *)content;
        size_t cn = strlen(c);
        if (!xmlStrcasecmp(name, (const xmlChar *)"kb-id")) {
          uint64_t id;
          if (parse_id(c, cn, &id))
            *err = kb_fail(d, KB_EPARSE,
                           "%s: <meta name=\"kb-id\"> \"%s\" "
                           "is not a positive integer",
                           path, c);
          else
            a->id = id;
        } else if (!xmlStrcasecmp(name, (const xmlChar *)"category")) {
          *err = set_str(&a->category, c, cn);
        } else if (!xmlStrcasecmp(name, (const xmlChar *)"keywords")) {
          *err = set_list(&a->tags, &a->n_tags, c, cn);
        } else if (!xmlStrcasecmp(name, (const xmlChar *)"products")) {
          *err = set_list(&a->product_ids, &a->n_product_ids, c, cn);
        }
      }
      xmlFree(name);
      xmlFree(content);
    }
    html_metas(a, n->children, err, path, d);
  }
}

static int parse_html(kb_article *a, const char *buf, size_t len,
                      const char *path, kb_diag *d) {
  htmlDocPtr doc = htmlReadMemory(buf, (int)len, path, "UTF-8",
                                  HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                      HTML_PARSE_NONET | HTML_PARSE_RECOVER);
  if (!doc)
    return kb_fail(d, KB_EPARSE, "%s: not parseable as HTML", path);
  xmlNode *root = xmlDocGetRootElement(doc);
  int err = 0;
  html_metas(a, root, &err, path, d);
  xmlNode *t = find_el(root, "title");
  if (!t || !t->children)
    t = find_el(root, "h1");
  if (!err && t)
    err = set_node_text(&a->title, t);
  xmlNode *body = find_el(root, "body");
  if (!err && body)
    err = set_node_text(&a->body, body);
  xmlFreeDoc(doc);
  return err;
}

static int parse_xml(kb_article *a, const char *buf, size_t len,
                     const char *path, kb_diag *d) {
  xmlDocPtr doc =
      xmlReadMemory(buf, (int)len, path, "UTF-8",
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc) {
    const xmlError *e = xmlGetLastError();
    return kb_fail(d, KB_EPARSE, "%s:%d: not well-formed XML: %s", path,
                   e ? e->line : 0, e && e->message ? e->message : "?");
  }
  xmlNode *root = xmlDocGetRootElement(doc);
  int err = 0;
  if (!root || xmlStrcmp(root->name, (const xmlChar *)"article")) {
    err = kb_fail(d, KB_EPARSE, "%s: root element must be <article>", path);
    goto out;
  }
  xmlChar *id = xmlGetProp(root, (const xmlChar *)"id");
  if (id) {
    uint64_t v;
    if (parse_id((const char *)id, strlen((const char *)id), &v))
      err = kb_fail(d, KB_EPARSE,
                    "%s: <article id=\"%s\"> is not a positive "
                    "integer",
                    path, (const char *)id);
    else
      a->id = v;
    xmlFree(id);
  }
  xmlChar *cat = xmlGetProp(root, (const xmlChar *)"category");
  if (cat) {
    if (!err)
      err = set_str(&a->category, (const char *)cat, strlen((const char *)cat));
    xmlFree(cat);
  }
  for (xmlNode *n = root->children; n && !err; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (!xmlStrcmp(n->name, (const xmlChar *)"title"))
      err = set_node_text(&a->title, n);
    else if (!xmlStrcmp(n->name, (const xmlChar *)"body"))
      err = set_node_text(&a->body, n);
    else if (!xmlStrcmp(n->name, (const xmlChar *)"category"))
      err = set_node_text(&a->category, n);
    else if (!xmlStrcmp(n->name, (const xmlChar *)"tags") ||
             !xmlStrcmp(n->name, (const xmlChar *)"products")) {
      bool tags = !xmlStrcmp(n->name, (const xmlChar *)"tags");
      for (xmlNode *c = n->children; c && !err; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
          continue;
        xmlChar *s = xmlNodeGetContent(c);
        if (s) {
          err = tags ? list_add(&a->tags, &a->n_tags, (const char *)s,
                                strlen((const char *)s))
                     : list_add(&a->product_ids, &a->n_product_ids,
                                (const char *)s, strlen((const char *)s));
          xmlFree(s);
        }
      }
    }
  }
out:
  xmlFreeDoc(doc);
  return err;
}

/* ---- entry points ------------------------------------------------------- */

enum fmt { FMT_MD, FMT_HTML, FMT_XML, FMT_TEXT };

static bool ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && !strcasecmp(s + n - m, suf);
}

static enum fmt sniff(const char *path, const char *buf, size_t len) {
  if (ends_with(path, ".md") || ends_with(path, ".markdown"))
    return FMT_MD;
  if (ends_with(path, ".html") || ends_with(path, ".htm"))
    return FMT_HTML;
  if (ends_with(path, ".xml"))
    return FMT_XML;
  if (ends_with(path, ".txt"))
    return FMT_TEXT;
  size_t i = 0;
  while (i < len && isspace((unsigned char)buf[i]))
    i++;
  if (i < len && buf[i] == '<') {
    if (len - i >= 5 && !strncasecmp(buf + i, "<?xml", 5))
      return FMT_XML;
    if (len - i >= 8 && !strncasecmp(buf + i, "<article", 8))
      return FMT_XML;
    return FMT_HTML;
  }
  if (len - i >= 3 && (!memcmp(buf + i, "---", 3) || !memcmp(buf + i, "# ", 2)))
    return FMT_MD;
  return FMT_TEXT;
}

/* The number the file name starts with, 0 when none. */
static uint64_t id_from_name(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  uint64_t v = 0;
  for (size_t i = 0; base[i] >= '0' && base[i] <= '9' && i < 18; i++)
    v = v * 10 + (uint64_t)(base[i] - '0');
  return v;
}

int kb_article_parse(const char *path, const char *buf, size_t len,
                     kb_article **out, kb_diag *d) {
  *out = NULL;
  if (!path)
    path = "(memory)";
  if (len > KB_ARTICLE_MAX)
    return kb_fail(d, KB_ETOOBIG, "%s: %zu bytes, over the %d-byte limit", path,
                   len, KB_ARTICLE_MAX);
  size_t bad;
  if (!nlp_utf8_valid(buf, len, &bad))
    return kb_fail(d, KB_EUTF8, "%s: invalid UTF-8 at byte %zu", path, bad);
  if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
    buf += 3, len -= 3; /* byte-order mark */
  kb_article *a = art_new();
  if (!a)
    return kb_fail(d, KB_ENOMEM, "%s: out of memory", path);
  int err;
  switch (sniff(path, buf, len)) {
  case FMT_MD:
    err = parse_md_text(a, buf, len, true, path, d);
    break;
  case FMT_HTML:
    err = parse_html(a, buf, len, path, d);
    break;
  case FMT_XML:
    err = parse_xml(a, buf, len, path, d);
    break;
  default:
    err = parse_md_text(a, buf, len, false, path, d);
    break;
  }
  if (err == KB_ENOMEM)
    kb_fail(d, err, "%s: out of memory", path);
  if (!err && a->id == 0 && (a->id = id_from_name(path)) == 0)
    err = kb_fail(d, KB_EPARSE,
                  "%s: no article id (give \"id:\" in the "
                  "header or start the file name with digits)",
                  path);
  if (!err && !*a->title && !*a->body)
    err = kb_fail(d, KB_EPARSE, "%s: neither a title nor any text", path);
  if (!err && !nlp_utf8_valid(a->body, strlen(a->body), NULL))
    err = kb_fail(d, KB_EUTF8, "%s: the parser produced invalid UTF-8", path);
  if (!err) {
    free(a->source);
    a->source = strdup(path);
    if (!a->source)
      err = kb_fail(d, KB_ENOMEM, "%s: out of memory", path);
  }
  if (err) {
    kb_article_free(a);
    return err;
  }
  *out = a;
  return 0;
}

int kb_article_read(const char *path, kb_article **out, kb_diag *d) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return kb_fail(d, KB_EIO, "%s: %s", path, strerror(errno));
  sbuf b = {0};
  char chunk[65536];
  size_t n;
  int err = 0;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    sb_add(&b, chunk, n);
    if (b.n > KB_ARTICLE_MAX) {
      err = kb_fail(d, KB_ETOOBIG, "%s: over the %d-byte limit", path,
                    KB_ARTICLE_MAX);
      break;
    }
  }
  if (!err && ferror(f))
    err = kb_fail(d, KB_EIO, "%s: read error: %s", path, strerror(errno));
  if (!err && b.oom)
    err = kb_fail(d, KB_ENOMEM, "%s: out of memory", path);
  fclose(f);
  if (!err)
    err = kb_article_parse(path, b.s ? b.s : "", b.n, out, d);
  free(b.s);
  return err;
}
