/*
 * readers.c — announcement readers: HTML (libxml2's forgiving HTML parser),
 * our announcement XML, plain text and JSON lines (jansson).  Each converts
 * the input to UTF-8 first (ingest_to_utf8), then appends raw documents;
 * normalisation and hashing happen later in ingest_document so that every
 * format is treated alike.
 *
 * HTML text extraction walks the DOM under <body>: text nodes have their
 * white space folded as a browser would, block-level elements start and end
 * a line, <script>/<style>/<noscript>/<template> are dropped.  Entities are
 * decoded by the parser.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ingest/ingest_internal.h"

static ingest_doc *docs_push(ingest_docs *ds) {
  if (ds->n == ds->cap) {
    size_t cap = ds->cap ? ds->cap * 2 : 8;
    ingest_doc *v = realloc(ds->v, cap * sizeof *v);
    if (!v)
      return NULL;
    ds->v = v;
    ds->cap = cap;
  }
  ingest_doc *d = &ds->v[ds->n++];
  memset(d, 0, sizeof *d);
  return d;
}

static char *xstrdup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

/* ---- HTML ------------------------------------------------------ */

static bool html_is_dropped(const char *name) {
  return !strcasecmp(name, "script") || !strcasecmp(name, "style") ||
         !strcasecmp(name, "noscript") || !strcasecmp(name, "template") ||
         !strcasecmp(name, "head");
}

static bool html_is_block(const char *name) {
  static const char *const blocks[] = {
      "p",          "div",     "br",      "h1",      "h2",     "h3",
      "h4",         "h5",      "h6",      "li",      "ul",     "ol",
      "tr",         "table",   "section", "article", "header", "footer",
      "blockquote", "pre",     "dd",      "dt",      "dl",     "hr",
      "nav",        "aside",   "main",    "form",    "title",  "figure",
      "figcaption", "address", "center",  "tbody",   "thead"};
  for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
    if (!strcasecmp(name, blocks[i]))
      return true;
  return false;
}

static void sbuf_newline(ingest_sbuf *b) {
  if (b->n && b->p[b->n - 1] != '\n')
    ingest_sbuf_addc(b, '\n');
}

/* Appends text with runs of ASCII white space folded to one space, and no
 * space at the start of a line. */
static void add_folded(ingest_sbuf *b, const char *s) {
  for (; *s; s++) {
    if (isspace((unsigned char)*s)) {
      if (b->n && b->p[b->n - 1] != ' ' && b->p[b->n - 1] != '\n')
        ingest_sbuf_addc(b, ' ');
    } else {
      ingest_sbuf_addc(b, *s);
    }
  }
}

static void html_text(xmlNode *n, ingest_sbuf *b) {
  for (; n; n = n->next) {
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      if (n->content)
        add_folded(b, (const char *)n->content);
    } else if (n->type == XML_ELEMENT_NODE) {
      const char *name = (const char *)n->name;
      if (html_is_dropped(name))
        continue;
      bool block = html_is_block(name);
      if (block)
        sbuf_newline(b);
      html_text(n->children, b);
      if (block)
        sbuf_newline(b);
    }
  }
}

static xmlNode *find_elem(xmlNode *n, const char *name) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (!strcasecmp((const char *)n->name, name))
      return n;
    xmlNode *r = find_elem(n->children, name);
    if (r)
      return r;
  }
  return NULL;
}

/* Text content of an element, white space folded, trimmed; malloc'd. */
static char *elem_text(xmlNode *n) {
  ingest_sbuf b = {0};
  html_text(n->children, &b);
  char *s = ingest_sbuf_take(&b);
  if (s) {
    for (char *p = s; *p; p++)
      if (*p == '\n')
        *p = ' ';
    ingest_trim(s);
  }
  return s;
}

static char *attr(xmlNode *n, const char *name) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  if (!v)
    return NULL;
  char *s = strdup((const char *)v);
  xmlFree(v);
  return s;
}

static void meta_date(xmlNode *n, char **published) {
  for (; n && !*published; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (!strcasecmp((const char *)n->name, "meta")) {
      char *name = attr(n, "name");
      if (!name)
        name = attr(n, "property");
      if (name && (!strcasecmp(name, "publish_date") ||
                   !strcasecmp(name, "date") || !strcasecmp(name, "pubdate") ||
                   !strcasecmp(name, "article:published_time"))) {
        char *c = attr(n, "content");
        char d[11];
        if (c && ingest_norm_date(c, d))
          *published = strdup(d);
        free(c);
      }
      free(name);
    }
    meta_date(n->children, published);
  }
}

static void time_date(xmlNode *root, char **published) {
  xmlNode *t = find_elem(root, "time");
  if (!t)
    return;
  char d[11];
  char *dt = attr(t, "datetime");
  if (dt && ingest_norm_date(dt, d))
    *published = strdup(d);
  free(dt);
  if (*published)
    return;
  char *txt = elem_text(t);
  if (txt && ingest_norm_date(txt, d))
    *published = strdup(d);
  free(txt);
}

int ingest_read_html(const char *buf, size_t len, const char *name,
                     ingest_docs *docs, char *err, size_t errlen) {
  char cs[32] = "";
  ingest_sniff_charset(buf, len, cs, sizeof cs);
  char *u8 = NULL;
  size_t u8len = 0;
  char msg[256] = "";
  int rc =
      ingest_to_utf8(buf, len, cs[0] ? cs : NULL, &u8, &u8len, msg, sizeof msg);
  if (rc) {
    ingest_errf(err, errlen, "%s", msg);
    return rc;
  }
  if (u8len > 0x7fffffff) {
    free(u8);
    ingest_errf(err, errlen, "HTML document larger than 2 GiB");
    return INGEST_ETOOBIG;
  }
  /* The text is UTF-8 now: tell the parser so and make it ignore a meta
   * charset that still names the original encoding. */
  htmlDocPtr doc = htmlReadMemory(u8, (int)u8len, name, "UTF-8",
                                  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                      HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                                      HTML_PARSE_IGNORE_ENC);
  free(u8);
  if (!doc) {
    ingest_errf(err, errlen, "HTML cannot be parsed even in recovery mode");
    return INGEST_EPARSE;
  }
  xmlNode *root = xmlDocGetRootElement(doc);
  xmlNode *body = root ? find_elem(root, "body") : NULL;
  ingest_sbuf b = {0};
  html_text(body ? body->children : (root ? root->children : NULL), &b);
  char *text = ingest_sbuf_take(&b);
  if (!text) {
    xmlFreeDoc(doc);
    return INGEST_ENOMEM;
  }
  ingest_trim(text);
  char *title = NULL;
  xmlNode *t = root ? find_elem(root, "title") : NULL;
  if (t)
    title = elem_text(t);
  if (!title || !*title) {
    free(title);
    title = NULL;
    xmlNode *h1 = root ? find_elem(root, "h1") : NULL;
    if (h1)
      title = elem_text(h1);
  }
  char *published = NULL;
  if (root)
    meta_date(root, &published);
  if (!published && root)
    time_date(root, &published);
  xmlFreeDoc(doc);
  if (!*text) {
    free(text);
    free(title);
    free(published);
    ingest_errf(err, errlen, "no text in the HTML body");
    return INGEST_EEMPTY;
  }
  ingest_doc *d = docs_push(docs);
  if (!d) {
    free(text);
    free(title);
    free(published);
    return INGEST_ENOMEM;
  }
  d->text = text;
  d->title = title ? title : strdup("");
  d->published = published;
  d->source = xstrdup_or_null(name);
  return 0;
}

/* ---- plain text -------------------------------------------------------- */

int ingest_read_text(const char *buf, size_t len, const char *name,
                     ingest_docs *docs, char *err, size_t errlen) {
  char *u8 = NULL;
  size_t u8len = 0;
  int rc = ingest_to_utf8(buf, len, NULL, &u8, &u8len, err, errlen);
  if (rc)
    return rc;
  char *p = u8;
  while (*p && isspace((unsigned char)*p))
    p++;
  if (!*p) {
    free(u8);
    ingest_errf(err, errlen, "no text (only white space)");
    return INGEST_EEMPTY;
  }
  char *eol = strchr(p, '\n');
  size_t tlen = eol ? (size_t)(eol - p) : strlen(p);
  char *title = strndup(p, tlen);
  char *rest = eol ? eol + 1 : p + tlen;
  char *published = NULL;
  /* A second line that is only a date is the published date. */
  char *eol2 = strchr(rest, '\n');
  size_t l2 = eol2 ? (size_t)(eol2 - rest) : strlen(rest);
  if (l2 && l2 < 40) {
    char line[48], d[11];
    memcpy(line, rest, l2);
    line[l2] = 0;
    ingest_trim(line);
    if (ingest_norm_date(line, d) && strlen(line) <= 17) {
      published = strdup(d);
      rest = eol2 ? eol2 + 1 : rest + l2;
    }
  }
  ingest_doc *d = docs_push(docs);
  if (!d || !title) {
    free(title);
    free(published);
    free(u8);
    return INGEST_ENOMEM;
  }
  ingest_trim(title);
  d->title = title;
  d->text = strdup(*rest ? rest : title);
  d->published = published;
  d->source = xstrdup_or_null(name);
  free(u8);
  return d->text ? 0 : INGEST_ENOMEM;
}

/* ---- JSON lines -------------------------------------------------------- */

static char *json_str(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  if (json_is_string(v))
    return strdup(json_string_value(v));
  if (json_is_integer(v)) {
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
    return strdup(tmp);
  }
  return NULL;
}

int ingest_read_jsonl(const char *buf, size_t len, const char *name,
                      ingest_docs *docs, char *err, size_t errlen) {
  return ingest_read_jsonl_max(buf, len, name, 0, docs, err, errlen);
}

int ingest_read_jsonl_max(const char *buf, size_t len, const char *name,
                          size_t max_line, ingest_docs *docs, char *err,
                          size_t errlen) {
  if (!max_line)
    max_line = INGEST_DEFAULT_MAX_LINE;
  char *u8 = NULL;
  size_t u8len = 0;
  int rc = ingest_to_utf8(buf, len, NULL, &u8, &u8len, err, errlen);
  if (rc)
    return rc;
  size_t lineno = 0;
  char *p = u8, *end = u8 + u8len;
  while (p < end) {
    char *eol = memchr(p, '\n', (size_t)(end - p));
    size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
    lineno++;
    char *line = p;
    p = eol ? eol + 1 : end;
    /* one line is one document: a runaway line (a file without newlines,
     * a pasted dump) is refused before jansson builds it in memory */
    if (n > max_line) {
      ingest_errf(err, errlen, "line %zu: %zu bytes, over the line limit of %zu",
                  lineno, n, max_line);
      free(u8);
      return INGEST_ETOOBIG;
    }
    size_t k = 0;
    while (k < n && isspace((unsigned char)line[k]))
      k++;
    if (k == n)
      continue;
    json_error_t je;
    json_t *o = json_loadb(line, n, 0, &je);
    if (!o || !json_is_object(o)) {
      ingest_errf(err, errlen, "line %zu: %s", lineno,
                  o ? "not a JSON object" : je.text);
      json_decref(o);
      free(u8);
      return INGEST_EPARSE;
    }
    char *text = json_str(o, "text");
    if (!text) {
      json_decref(o);
      free(u8);
      ingest_errf(err, errlen, "line %zu: no \"text\" string", lineno);
      return INGEST_EPARSE;
    }
    ingest_doc *d = docs_push(docs);
    if (!d) {
      free(text);
      json_decref(o);
      free(u8);
      return INGEST_ENOMEM;
    }
    d->text = text;
    d->external_id = json_str(o, "id");
    d->title = json_str(o, "title");
    if (!d->title)
      d->title = strdup("");
    char *pub = json_str(o, "published");
    char dd[11];
    if (pub && ingest_norm_date(pub, dd))
      d->published = strdup(dd);
    free(pub);
    d->source = json_str(o, "source");
    if (!d->source)
      d->source = xstrdup_or_null(name);
    d->url = json_str(o, "url");
    json_decref(o);
  }
  free(u8);
  if (!docs->n) {
    ingest_errf(err, errlen, "no JSON objects");
    return INGEST_EEMPTY;
  }
  return 0;
}

/* ---- announcement XML -------------------------------------------------- */

static char *child_text(xmlNode *n, const char *name) {
  for (xmlNode *c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, name))
      continue;
    xmlChar *v = xmlNodeGetContent(c);
    char *s = strdup(v ? (const char *)v : "");
    xmlFree(v);
    return s ? ingest_trim(s) : NULL;
  }
  return NULL;
}

static int ann_one(xmlNode *n, const char *name, ingest_docs *docs, char *err,
                   size_t errlen) {
  char *text = child_text(n, "text");
  if (!text || !*text) {
    free(text);
    ingest_errf(err, errlen, "line %d: <announcement> without <text>",
                (int)xmlGetLineNo(n));
    return INGEST_EPARSE;
  }
  ingest_doc *d = docs_push(docs);
  if (!d) {
    free(text);
    return INGEST_ENOMEM;
  }
  d->text = text;
  d->title = child_text(n, "title");
  if (!d->title)
    d->title = strdup("");
  d->external_id = attr(n, "id");
  char *pub = child_text(n, "published");
  char dd[11];
  if (pub && *pub) {
    if (!ingest_norm_date(pub, dd)) {
      ingest_errf(err, errlen, "line %d: <published> '%s' is not a date",
                  (int)xmlGetLineNo(n), pub);
      free(pub);
      return INGEST_EPARSE;
    }
    d->published = strdup(dd);
  }
  free(pub);
  d->source = child_text(n, "source");
  if (!d->source)
    d->source = xstrdup_or_null(name);
  d->url = child_text(n, "url");
  return 0;
}

int ingest_read_ann_xml(const char *buf, size_t len, const char *name,
                        ingest_docs *docs, char *err, size_t errlen) {
  char cs[32] = "";
  ingest_sniff_charset(buf, len, cs, sizeof cs);
  char *u8 = NULL;
  size_t u8len = 0;
  int rc =
      ingest_to_utf8(buf, len, cs[0] ? cs : NULL, &u8, &u8len, err, errlen);
  if (rc)
    return rc;
  xmlParserCtxtPtr ctx = xmlNewParserCtxt();
  if (!ctx) {
    free(u8);
    return INGEST_ENOMEM;
  }
  xmlDocPtr doc =
      xmlCtxtReadMemory(ctx, u8, (int)u8len, name, "UTF-8",
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);
  free(u8);
  if (!doc) {
    const xmlError *e = xmlCtxtGetLastError(ctx);
    if (e && e->code == XML_ERR_INTERNAL_ERROR && e->message &&
        strstr(e->message, "depth"))
      /* libxml2's own words suggest XML_PARSE_HUGE, which we never set:
       * the nesting limit protects the stack and memory */
      ingest_errf(err, errlen,
                  "line %d: elements nested deeper than 256 levels (the "
                  "nesting limit)",
                  e->line);
    else
      ingest_errf(err, errlen, "line %d: %s", e ? e->line : 0,
                  e && e->message ? ingest_trim(e->message)
                                  : "malformed XML");
    xmlFreeParserCtxt(ctx);
    return INGEST_EPARSE;
  }
  xmlFreeParserCtxt(ctx);
  xmlNode *root = xmlDocGetRootElement(doc);
  rc = 0;
  if (root && !strcmp((const char *)root->name, "announcement")) {
    rc = ann_one(root, name, docs, err, errlen);
  } else if (root && !strcmp((const char *)root->name, "announcements")) {
    for (xmlNode *c = root->children; c && !rc; c = c->next)
      if (c->type == XML_ELEMENT_NODE &&
          !strcmp((const char *)c->name, "announcement"))
        rc = ann_one(c, name, docs, err, errlen);
    if (!rc && !docs->n) {
      ingest_errf(err, errlen, "<announcements> holds no <announcement>");
      rc = INGEST_EEMPTY;
    }
  } else {
    ingest_errf(err, errlen, "root element is not <announcements>");
    rc = INGEST_EFORMAT;
  }
  xmlFreeDoc(doc);
  return rc;
}
