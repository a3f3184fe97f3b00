/*
 * gleif.c — GLEIF golden-copy files: LEI-CDF (3.1 and the older 2.1
 * concatenated file, same element names) and RR-CDF relationship records.
 *
 * Golden-copy files run to gigabytes, so they are streamed with
 * xmlTextReader: each <LEIRecord> / <RelationshipRecord> is expanded into a
 * small DOM subtree, turned into store records, and skipped past, so memory
 * stays bounded by one record.  Elements are matched by local name, which
 * works whatever prefix the file binds to the GLEIF namespaces.
 *
 * Conventions (also in ingest.h): an entity is found again by its LEI, kept
 * as an alias (the store has no LEI index); failing that, by its legal name
 * when that enterprise has no LEI yet.  Consolidation relationships become
 * SHAREHOLDING edges parent -> child with ratio 0 (unknown) and role
 * "gleif:direct" or "gleif:ultimate"; a direct edge is never downgraded to
 * ultimate.  Inactive relationships and other types are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "ingest/ingest_internal.h"

#define GLEIF_PLACEHOLDER "GLEIF_PLACEHOLDER"

typedef struct gl_ctx {
  store_txn *txn;
  ingest_file_ctx *fc;
  ingest_arena arena; /* reset per record */
  bool err_set;
  int err_line;
  char err_msg[512];
} gl_ctx;

static xmlNode *child(xmlNode *n, const char *local) {
  for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, local))
      return c;
  return NULL;
}

static char *text_of(gl_ctx *g, xmlNode *n) {
  if (!n)
    return NULL;
  xmlChar *v = xmlNodeGetContent(n);
  char *s = ingest_arena_strdup(&g->arena, v ? (const char *)v : "");
  xmlFree(v);
  return s ? ingest_trim(s) : NULL;
}

static char *path_text(gl_ctx *g, xmlNode *n, const char *a, const char *b) {
  xmlNode *x = child(n, a);
  return text_of(g, b ? child(x, b) : x);
}

static void add_unique(gl_ctx *g, char ***arr, size_t *n, const char *s) {
  if (!s || !*s)
    return;
  for (size_t i = 0; i < *n; i++)
    if (!strcmp((*arr)[i], s))
      return;
  char **na = ingest_arena_alloc(&g->arena, (*n + 1) * sizeof *na);
  if (!na)
    return;
  if (*n)
    memcpy(na, *arr, *n * sizeof *na);
  na[(*n)++] = ingest_arena_strdup(&g->arena, s);
  *arr = na;
}

/* Finds the enterprise holding this LEI (through the alias index). */
static int find_by_lei(gl_ctx *g, const char *lei,
                       Oppgraph__V1__Enterprise **out) {
  *out = NULL;
  uint64_t id = 0;
  int err = store_ent_by_name(g->txn, lei, &id);
  if (err == STORE_ENOTFOUND)
    return 0;
  if (!err)
    err = store_ent_get(g->txn, id, out);
  if (!err && strcmp((*out)->lei, lei)) { /* a name that looks like an LEI */
    oppgraph__v1__enterprise__free_unpacked(*out, NULL);
    *out = NULL;
  }
  return err;
}

/* Copies an unpacked record's fields into e (pointers borrowed from old). */
static void borrow(Oppgraph__V1__Enterprise *e,
                   const Oppgraph__V1__Enterprise *old) {
  *e = *old;
  e->base = (ProtobufCMessage)PROTOBUF_C_MESSAGE_INIT(
      &oppgraph__v1__enterprise__descriptor);
}

static int gl_put(gl_ctx *g, Oppgraph__V1__Enterprise *e, const char *what) {
  int err = store_ent_put(g->txn, e);
  if (err) {
    ingest_diagf(g->fc, "%s %s: %s", what, e->lei, store_strerror(err));
    return INGEST_ESTORE;
  }
  g->fc->rep.enterprises++;
  return 0;
}

static int lei_record(gl_ctx *g, xmlNode *rec, int line) {
  char *lei = path_text(g, rec, "LEI", NULL);
  xmlNode *ent = child(rec, "Entity");
  char *name = path_text(g, ent, "LegalName", NULL);
  if (!lei || !*lei || !name || !*name) {
    ingest_diagf(g->fc, "line %d: LEI record without LEI or legal name", line);
    g->fc->rep.records_rejected++;
    return 0;
  }
  Oppgraph__V1__Enterprise *old = NULL;
  int err = find_by_lei(g, lei, &old);
  if (!err && !old) { /* same legal name, no LEI yet: the same company */
    uint64_t id = 0;
    if (store_ent_by_name(g->txn, name, &id) == 0 &&
        store_ent_get(g->txn, id, &old) == 0 && old->lei && *old->lei) {
      oppgraph__v1__enterprise__free_unpacked(old, NULL);
      old = NULL;
    }
  }
  if (err)
    return INGEST_ESTORE;
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  if (old)
    borrow(&e, old);
  e.lei = lei;
  e.name = name;
  char **aliases = NULL, **former = NULL;
  size_t na = 0, nf = 0;
  for (size_t i = 0; old && i < old->n_aliases; i++)
    add_unique(g, &aliases, &na, old->aliases[i]);
  for (size_t i = 0; old && i < old->n_former_names; i++)
    add_unique(g, &former, &nf, old->former_names[i]);
  add_unique(g, &aliases, &na, lei);
  if (old && strcmp(old->name, name) && strcmp(old->name, lei) &&
      strcmp(old->status, GLEIF_PLACEHOLDER))
    add_unique(g, &former, &nf, old->name);
  static const char *const lists[][2] = {
      {"OtherEntityNames", "OtherEntityName"},
      {"TransliteratedOtherEntityNames", "TransliteratedOtherEntityName"}};
  for (size_t l = 0; l < 2; l++)
    for (xmlNode *c =
             child(ent, lists[l][0]) ? child(ent, lists[l][0])->children : NULL;
         c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE ||
          strcmp((const char *)c->name, lists[l][1]))
        continue;
      char *v = text_of(g, c);
      if (!v || !strcmp(v, name))
        continue;
      xmlChar *type = xmlGetProp(c, (const xmlChar *)"type");
      bool prev = type && !strcmp((const char *)type, "PREVIOUS_LEGAL_NAME");
      xmlFree(type);
      if (prev)
        add_unique(g, &former, &nf, v);
      else
        add_unique(g, &aliases, &na, v);
    }
  e.aliases = aliases;
  e.n_aliases = na;
  e.former_names = former;
  e.n_former_names = nf;
  char *status = path_text(g, ent, "EntityStatus", NULL);
  if (status)
    e.status = status;
  xmlNode *addr = child(ent, "LegalAddress");
  char *region = path_text(g, addr, "Region", NULL);
  if (!region || !*region)
    region = path_text(g, addr, "Country", NULL);
  if (region && *region)
    e.region = region;
  char *created = path_text(g, ent, "EntityCreationDate", NULL);
  char d[11];
  if (created && ingest_norm_date(created, d))
    e.founded = ingest_arena_strdup(&g->arena, d);
  err = gl_put(g, &e, "LEI");
  if (old)
    oppgraph__v1__enterprise__free_unpacked(old, NULL);
  return err;
}

/* The enterprise of an LEI, created as a placeholder when unknown. */
static int lei_node(gl_ctx *g, const char *lei, uint64_t *id) {
  Oppgraph__V1__Enterprise *old = NULL;
  if (find_by_lei(g, lei, &old))
    return INGEST_ESTORE;
  if (old) {
    *id = old->id;
    oppgraph__v1__enterprise__free_unpacked(old, NULL);
    return 0;
  }
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  e.name = (char *)lei;
  e.lei = (char *)lei;
  e.status = GLEIF_PLACEHOLDER;
  int err = gl_put(g, &e, "placeholder for LEI");
  *id = e.id;
  return err;
}

typedef struct find_edge {
  uint64_t dst;
  bool found;
  bool direct;
} find_edge;

static int find_edge_fn(void *ctx, const Oppgraph__V1__Edge *e) {
  find_edge *f = ctx;
  if (e->dst == f->dst &&
      e->dst_kind == OPPGRAPH__V1__NODE_KIND__NODE_ENTERPRISE) {
    f->found = true;
    f->direct = e->role && !strcmp(e->role, "gleif:direct");
    return 1;
  }
  return 0;
}

static int rr_record(gl_ctx *g, xmlNode *rec, int line) {
  xmlNode *rel = child(rec, "Relationship");
  char *type = path_text(g, rel, "RelationshipType", NULL);
  char *status = path_text(g, rel, "RelationshipStatus", NULL);
  bool direct = type && !strcmp(type, "IS_DIRECTLY_CONSOLIDATED_BY");
  bool ultimate = type && !strcmp(type, "IS_ULTIMATELY_CONSOLIDATED_BY");
  if (!direct && !ultimate)
    return 0;
  if (status && !strcmp(status, "INACTIVE"))
    return 0;
  char *child_lei = path_text(g, rel, "StartNode", "NodeID");
  char *parent_lei = path_text(g, rel, "EndNode", "NodeID");
  char *st = path_text(g, rel, "StartNode", "NodeIDType");
  char *et = path_text(g, rel, "EndNode", "NodeIDType");
  if (!child_lei || !*child_lei || !parent_lei || !*parent_lei ||
      (st && *st && strcmp(st, "LEI")) || (et && *et && strcmp(et, "LEI"))) {
    ingest_diagf(g->fc, "line %d: relationship without two LEI nodes skipped",
                 line);
    g->fc->rep.records_rejected++;
    return 0;
  }
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING;
  int err = lei_node(g, parent_lei, &e.src);
  if (!err)
    err = lei_node(g, child_lei, &e.dst);
  if (err)
    return err;
  find_edge f = {.dst = e.dst};
  if (store_edge_out(g->txn, e.src, OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING,
                     find_edge_fn, &f) < 0)
    return INGEST_ESTORE;
  if (ultimate && f.found && f.direct)
    return 0;
  e.role = direct ? "gleif:direct" : "gleif:ultimate";
  xmlNode *periods = child(rel, "RelationshipPeriods");
  for (xmlNode *p = periods ? periods->children : NULL; p; p = p->next) {
    if (p->type != XML_ELEMENT_NODE)
      continue;
    char *pt = path_text(g, p, "PeriodType", NULL);
    if (!pt || strcmp(pt, "RELATIONSHIP_PERIOD"))
      continue;
    char d[11];
    char *s = path_text(g, p, "StartDate", NULL);
    if (s && ingest_norm_date(s, d))
      e.start = ingest_arena_strdup(&g->arena, d);
    s = path_text(g, p, "EndDate", NULL);
    if (s && ingest_norm_date(s, d))
      e.end = ingest_arena_strdup(&g->arena, d);
  }
  err = store_edge_put(g->txn, &e);
  if (err) {
    ingest_diagf(g->fc, "line %d: relationship %s -> %s: %s", line, parent_lei,
                 child_lei, store_strerror(err));
    return INGEST_ESTORE;
  }
  g->fc->rep.edges++;
  return 0;
}

static void gl_error(void *ctx, xmlErrorPtr e) {
  gl_ctx *g = ctx;
  if (g->err_set || !e || e->level < XML_ERR_ERROR)
    return;
  g->err_set = true;
  g->err_line = e->line;
  snprintf(g->err_msg, sizeof g->err_msg, "%s",
           e->message ? e->message : "error");
  ingest_trim(g->err_msg);
}

int ingest_gleif_store(store_txn *txn, const char *path, ingest_format fmt,
                       ingest_file_ctx *fc, char *err, size_t errlen) {
  xmlTextReaderPtr r = xmlReaderForFile(
      path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!r) {
    ingest_errf(err, errlen, "cannot open for streaming");
    return INGEST_EIO;
  }
  gl_ctx g = {.txn = txn, .fc = fc};
  xmlTextReaderSetStructuredErrorHandler(r, gl_error, &g);
  const char *want =
      fmt == INGEST_FMT_GLEIF_LEI ? "LEIRecord" : "RelationshipRecord";
  int rc = 0, ret = xmlTextReaderRead(r);
  size_t records = 0;
  while (ret == 1 && !rc && !g.err_set) {
    if (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT &&
        !strcmp((const char *)xmlTextReaderConstLocalName(r), want)) {
      int line = xmlTextReaderGetParserLineNumber(r);
      xmlNode *rec = xmlTextReaderExpand(r);
      if (!rec)
        break;
      rc = fmt == INGEST_FMT_GLEIF_LEI ? lei_record(&g, rec, line)
                                       : rr_record(&g, rec, line);
      ingest_arena_destroy(&g.arena);
      records++;
      ret = xmlTextReaderNext(r);
    } else {
      ret = xmlTextReaderRead(r);
    }
  }
  if (!rc && (ret < 0 || g.err_set)) {
    ingest_errf(err, errlen, "line %d: %s", g.err_line,
                g.err_set ? g.err_msg : "malformed XML");
    rc = INGEST_EPARSE;
  } else if (rc) {
    ingest_errf(err, errlen, "%s", ingest_strerror(rc));
  } else if (!records) {
    ingest_errf(err, errlen, "no <%s> elements", want);
    rc = INGEST_EEMPTY;
  }
  ingest_arena_destroy(&g.arena);
  xmlFreeTextReader(r);
  return rc;
}
