/*
 * import.c — CSV edge lists (bank extracts of guarantees, shareholdings,
 * supply relations) into the store: graph_import_csv.  The column names,
 * node resolution and accepted value formats are documented in graph.h.
 *
 * The whole file is read into memory (extracts are megabytes, not
 * gigabytes), converted from GB18030 with iconv when it is not valid UTF-8,
 * and parsed by a small RFC 4180 state machine that yields one row of fields
 * at a time, fields pointing into the buffer (quotes are undone in place).
 */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graph/graph_internal.h"

#define MAX_FIELDS 64

static const char *const DEF_SRC[] = {"src",    "source", "from",   "源",
                                      "起点",   "担保人", "担保方", "股东",
                                      "供应商", "付款方", NULL};
static const char *const DEF_DST[] = {
    "dst",      "target",     "to",   "目标",   "终点", "被担保人",
    "被担保方", "被投资企业", "客户", "收款方", NULL};
static const char *const DEF_AMOUNT[] = {"amount", "金额", "担保金额", NULL};
static const char *const DEF_RATIO[] = {"ratio", "比例", "持股比例", NULL};
static const char *const DEF_START[] = {"start", "开始日期", "起始日", NULL};
static const char *const DEF_END[] = {"end", "到期日", "结束日期", NULL};

static void fail(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* Valid UTF-8 (structure only: enough to tell it from GB18030). */
static bool utf8_ok(const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    size_t k = c < 0x80         ? 1
               : (c >> 5) == 6  ? 2
               : (c >> 4) == 14 ? 3
               : (c >> 3) == 30 ? 4
                                : 0;
    if (!k || i + k > n)
      return false;
    for (size_t j = 1; j < k; j++)
      if ((s[i + j] & 0xC0) != 0x80)
        return false;
    i += k;
  }
  return true;
}

static char *from_gb18030(const char *in, size_t n, size_t *outlen) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == (iconv_t)-1)
    return NULL;
  size_t cap = n * 2 + 16, left = cap;
  char *out = malloc(cap + 1), *o = out;
  char *i = (char *)in;
  size_t ileft = n;
  if (out && iconv(cd, &i, &ileft, &o, &left) == (size_t)-1) {
    free(out);
    out = NULL;
  }
  iconv_close(cd);
  if (out) {
    *o = '\0';
    *outlen = (size_t)(o - out);
  }
  return out;
}

/* Next row: fields[i] point into buf (NUL-terminated in place).  Returns
 * the number of fields, 0 at the end.  *line counts physical lines. */
static size_t csv_row(char **pos, char *end, char **fields, size_t *line) {
  char *p = *pos;
  if (p >= end)
    return 0;
  size_t n = 0;
  for (;;) {
    char *w = p, *start = p;
    if (*p == '"') { /* quoted: "" is a quote, anything else literal */
      p++;
      for (; p < end; p++) {
        if (*p == '"') {
          if (p + 1 < end && p[1] == '"') {
            *w++ = '"';
            p++;
          } else {
            p++;
            break;
          }
        } else {
          if (*p == '\n')
            (*line)++;
          *w++ = *p;
        }
      }
      while (p < end && *p != ',' && *p != '\n' && *p != '\r')
        p++; /* junk after the closing quote is dropped */
    } else {
      while (p < end && *p != ',' && *p != '\n' && *p != '\r')
        p++;
      w = p;
    }
    char sep = p < end ? *p : '\n';
    *w = '\0';
    if (n < MAX_FIELDS)
      fields[n++] = start;
    if (sep == ',') {
      p++;
      continue;
    }
    if (sep == '\r' && p + 1 < end && p[1] == '\n')
      p++;
    p++;
    (*line)++;
    break;
  }
  *pos = p;
  return n;
}

static void trim(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  size_t i = 0;
  while (s[i] == ' ' || s[i] == '\t')
    i++;
  if (i)
    memmove(s, s + i, n - i + 1);
}

static int find_col(char **hdr, size_t n, const char *want,
                    const char *const *defs) {
  for (size_t i = 0; i < n; i++) {
    if (want) {
      if (!strcmp(hdr[i], want))
        return (int)i;
      continue;
    }
    for (size_t k = 0; defs[k]; k++)
      if (!strcasecmp(hdr[i], defs[k]))
        return (int)i;
  }
  return -1;
}

/* "1,200", "3.5万", "1.2亿元", "800元" -> yuan */
static bool parse_amount(const char *s, int64_t *out) {
  char buf[64];
  size_t n = 0;
  for (; *s && n + 1 < sizeof buf; s++)
    if (*s != ',')
      buf[n++] = *s;
  buf[n] = '\0';
  char *end;
  double v = strtod(buf, &end);
  if (end == buf || v < 0)
    return false;
  if (!strncmp(end, "亿", 3)) {
    v *= 1e8;
    end += 3;
  } else if (!strncmp(end, "万", 3)) {
    v *= 1e4;
    end += 3;
  }
  if (!strcmp(end, "元"))
    end += 3;
  if (*end || v > 9e18)
    return false;
  *out = (int64_t)(v + 0.5);
  return true;
}

static bool parse_ratio(const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s)
    return false;
  if (*end == '%') {
    v /= 100;
    end++;
  }
  if (*end || v < 0 || v > 1)
    return false;
  *out = v;
  return true;
}

static bool parse_date(const char *s, char out[11]) {
  int y, m, d, k = 0;
  if ((sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &k) == 3 ||
       sscanf(s, "%4d/%2d/%2d%n", &y, &m, &d, &k) == 3 ||
       (strlen(s) == 8 && sscanf(s, "%4d%2d%2d%n", &y, &m, &d, &k) == 3)) &&
      !s[k] && y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 &&
      d <= 31) {
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    return true;
  }
  return false;
}

static bool looks_like_code(const char *s) {
  if (strlen(s) != 18)
    return false;
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z')))
      return false;
  return true;
}

static int resolve(store_txn *txn, const char *v, uint64_t *id,
                   graph_import_report *rep) {
  bool code = looks_like_code(v);
  int rc = code ? store_ent_by_code(txn, v, id) : STORE_ENOTFOUND;
  if (rc == STORE_ENOTFOUND)
    rc = store_ent_by_name(txn, v, id);
  if (rc != STORE_ENOTFOUND)
    return rc ? GRAPH_ESTORE : 0;
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = (char *)v;
  if (code)
    e.credit_code = (char *)v;
  if (store_ent_put(txn, &e))
    return GRAPH_ESTORE;
  rep->enterprises_created++;
  *id = e.id;
  return 0;
}

static void diag(const graph_csv_opts *o, const char *path, size_t line,
                 const char *fmt, ...) {
  if (!o || !o->diag)
    return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  o->diag(o->diag_ctx, path, line, msg);
}

int graph_import_csv(store_txn *txn, const char *path,
                     Oppgraph__V1__EdgeType type, const graph_csv_opts *opts,
                     graph_import_report *rep, char *err, size_t errlen) {
  graph_import_report local;
  if (!rep)
    rep = &local;
  memset(rep, 0, sizeof *rep);
  if (!txn || !path || type == OPPGRAPH__V1__EDGE_TYPE__EDGE_UNKNOWN) {
    fail(err, errlen, "%s: no store, path or edge type",
         path ? path : "(null)");
    return GRAPH_EINVAL;
  }
  FILE *f = fopen(path, "rb");
  if (!f) {
    fail(err, errlen, "%s: %s", path, strerror(errno));
    return GRAPH_EINVAL;
  }
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len + 65536 > cap) {
      cap = (cap + 65536) * 2;
      char *p = realloc(buf, cap + 1);
      if (!p) {
        free(buf);
        fclose(f);
        return GRAPH_ENOMEM;
      }
      buf = p;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0)
      break;
  }
  bool ioerr = ferror(f);
  fclose(f);
  if (ioerr) {
    free(buf);
    fail(err, errlen, "%s: read error", path);
    return GRAPH_EINVAL;
  }
  buf[len] = '\0';
  int enc = opts ? opts->encoding : 0;
  if (enc == 2 || (enc == 0 && !utf8_ok((unsigned char *)buf, len))) {
    size_t ulen;
    char *u = from_gb18030(buf, len, &ulen);
    free(buf);
    if (!u) {
      fail(err, errlen, "%s: neither UTF-8 nor GB18030", path);
      return GRAPH_EINVAL;
    }
    buf = u;
    len = ulen;
    rep->gb18030 = true;
  } else if (enc == 1 && !utf8_ok((unsigned char *)buf, len)) {
    free(buf);
    fail(err, errlen, "%s: not valid UTF-8", path);
    return GRAPH_EINVAL;
  }
  char *pos = buf, *end = buf + len;
  if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
    pos += 3; /* byte-order mark from spreadsheet exports */
  char *hdr[MAX_FIELDS], *fld[MAX_FIELDS];
  size_t line = 0;
  size_t nh = csv_row(&pos, end, hdr, &line);
  for (size_t i = 0; i < nh; i++)
    trim(hdr[i]);
  const graph_csv_opts o0 = {0};
  const graph_csv_opts *o = opts ? opts : &o0;
  int cs = find_col(hdr, nh, o->src_col, DEF_SRC);
  int cd = find_col(hdr, nh, o->dst_col, DEF_DST);
  int ca = find_col(hdr, nh, o->amount_col, DEF_AMOUNT);
  int cr = find_col(hdr, nh, o->ratio_col, DEF_RATIO);
  int c1 = find_col(hdr, nh, o->start_col, DEF_START);
  int c2 = find_col(hdr, nh, o->end_col, DEF_END);
  if (cs < 0 || cd < 0) {
    fail(err, errlen,
         "%s:1: the header names no %s column (give it with the column "
         "options, or name it e.g. src/dst)",
         path, cs < 0 ? "source" : "target");
    free(buf);
    return GRAPH_EINVAL;
  }
  int rc = 0;
  size_t n;
  for (size_t at = line + 1; !rc && (n = csv_row(&pos, end, fld, &line));
       at = line + 1) {
    if (n == 1 && !fld[0][0])
      continue; /* blank line */
    rep->rows++;
    for (size_t i = 0; i < n; i++)
      trim(fld[i]);
#define COL(c) ((c) >= 0 && (size_t)(c) < n ? fld[c] : "")
    const char *sv = COL(cs), *dv = COL(cd);
    Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
    char start[11] = "", endd[11] = "";
    const char *bad = NULL;
    if (!*sv || !*dv)
      bad = !*sv ? "empty source" : "empty target";
    else if (*COL(ca) && !parse_amount(COL(ca), &e.amount))
      bad = "amount is not a number of yuan";
    else if (*COL(cr) && !parse_ratio(COL(cr), &e.ratio))
      bad = "ratio is not a share between 0 and 1 (or 0%..100%)";
    else if (*COL(c1) && !parse_date(COL(c1), start))
      bad = "start is not a date";
    else if (*COL(c2) && !parse_date(COL(c2), endd))
      bad = "end is not a date";
    if (bad) {
      diag(o, path, at, "%s; row skipped", bad);
      rep->rejected++;
      continue;
    }
    if ((rc = resolve(txn, sv, &e.src, rep)) ||
        (rc = resolve(txn, dv, &e.dst, rep)))
      break;
#undef COL
    e.type = type;
    e.start = start;
    e.end = endd;
    if (store_edge_put(txn, &e)) {
      rc = GRAPH_ESTORE;
      break;
    }
    rep->edges++;
  }
  if (rc == GRAPH_ESTORE)
    fail(err, errlen, "%s: writing to the store failed: %s", path,
         store_last_error());
  free(buf);
  return rc;
}
