/*
 * registry.c — our registry XML (data/schema/registry.xsd): schema loading
 * and validation with libxml2's XSD engine, then the upsert of enterprises,
 * persons (with EXECUTIVE / LEGAL_REP edges), shareholdings, guarantees,
 * supply relations and RMs into the caller's write transaction.
 *
 * Upserts keep re-ingestion idempotent: an enterprise is found by credit code
 * and rewritten under its id (fields only other sources fill — LEI, source
 * documents — are carried over; a raise of registered capital keeps the
 * capital before it and the day: Enterprise.previous_capital and
 * capital_changed), a person by name, an edge by its natural
 * key (store_edge_put), an RM by id.  A record whose credit code fails the
 * GB 32100 check, or an edge naming an unknown enterprise, is rejected with a
 * "line N" message and the rest of the file goes on: the XSD has already
 * caught structural damage, so what remains are data errors of one record.
 * Every message built here comes from the per-file arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "ingest/ingest_internal.h"

struct ingest_schema {
  xmlSchemaPtr schema;
};

typedef struct first_error {
  int line;
  char msg[512];
  bool set;
} first_error;

static void keep_first_error(void *ctx, xmlErrorPtr e) {
  first_error *fe = ctx;
  if (fe->set || !e)
    return;
  fe->set = true;
  fe->line = e->line;
  snprintf(fe->msg, sizeof fe->msg, "%s", e->message ? e->message : "error");
  size_t n = strlen(fe->msg);
  while (n && (fe->msg[n - 1] == '\n' || fe->msg[n - 1] == ' '))
    fe->msg[--n] = 0;
}

int ingest_schema_load(const char *xsd_path, ingest_schema **out, char *err,
                       size_t errlen) {
  *out = NULL;
  first_error fe = {0};
  xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd_path);
  if (!pc)
    return INGEST_ENOMEM;
  xmlSchemaSetParserStructuredErrors(pc, keep_first_error, &fe);
  xmlSchemaPtr s = xmlSchemaParse(pc);
  xmlSchemaFreeParserCtxt(pc);
  if (!s) {
    ingest_errf(err, errlen, "%s:%d: cannot load the registry schema: %s",
                xsd_path, fe.line, fe.set ? fe.msg : "unreadable");
    return INGEST_ESCHEMA;
  }
  ingest_schema *is = calloc(1, sizeof *is);
  if (!is) {
    xmlSchemaFree(s);
    return INGEST_ENOMEM;
  }
  is->schema = s;
  *out = is;
  return 0;
}

void ingest_schema_free(ingest_schema *s) {
  if (!s)
    return;
  xmlSchemaFree(s->schema);
  free(s);
}

/* Parses (after conversion to UTF-8) and validates; *out is the document. */
static int registry_parse(const ingest_schema *s, const char *buf, size_t len,
                          const char *name, xmlDocPtr *out, char *err,
                          size_t errlen) {
  *out = NULL;
  char cs[32] = "";
  ingest_sniff_charset(buf, len, cs, sizeof cs);
  char *u8 = NULL;
  size_t u8len = 0;
  char msg[256];
  int rc =
      ingest_to_utf8(buf, len, cs[0] ? cs : NULL, &u8, &u8len, msg, sizeof msg);
  if (rc) {
    ingest_errf(err, errlen, "%s: %s", name, msg);
    return rc;
  }
  xmlParserCtxtPtr pc = xmlNewParserCtxt();
  if (!pc) {
    free(u8);
    return INGEST_ENOMEM;
  }
  xmlDocPtr doc =
      xmlCtxtReadMemory(pc, u8, (int)u8len, name, "UTF-8",
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);
  free(u8);
  if (!doc) {
    xmlErrorPtr e = xmlCtxtGetLastError(pc);
    char m[512];
    snprintf(m, sizeof m, "%s", e && e->message ? e->message : "malformed XML");
    ingest_trim(m);
    ingest_errf(err, errlen, "%s:%d: %s", name, e ? e->line : 0, m);
    xmlFreeParserCtxt(pc);
    return INGEST_EPARSE;
  }
  xmlFreeParserCtxt(pc);
  xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(s->schema);
  if (!vc) {
    xmlFreeDoc(doc);
    return INGEST_ENOMEM;
  }
  first_error fe = {0};
  xmlSchemaSetValidStructuredErrors(vc, keep_first_error, &fe);
  int v = xmlSchemaValidateDoc(vc, doc);
  xmlSchemaFreeValidCtxt(vc);
  if (v != 0) {
    ingest_errf(err, errlen, "%s:%d: schema: %s", name, fe.line,
                fe.set ? fe.msg : "document is not valid");
    xmlFreeDoc(doc);
    return INGEST_ESCHEMA;
  }
  *out = doc;
  return 0;
}

int ingest_registry_validate(const ingest_schema *s, const char *buf,
                             size_t len, const char *name, char *err,
                             size_t errlen) {
  xmlDocPtr doc = NULL;
  int rc = registry_parse(s, buf, len, name, &doc, err, errlen);
  xmlFreeDoc(doc);
  return rc;
}

/* ---- record builders ------------------------------------------- */

typedef struct reg_ctx {
  store_txn *txn;
  ingest_file_ctx *fc;
  ingest_arena arena;
  /* the extract's date (<registry date=...>), else the day of ingest
   * (UTC): the day a raise of registered capital is recorded with */
  char day[11];
} reg_ctx;

static bool is_elem(xmlNode *n, const char *name) {
  return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static char *a_attr(reg_ctx *rc, xmlNode *n, const char *name) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  if (!v)
    return NULL;
  char *s = ingest_arena_strdup(&rc->arena, (const char *)v);
  xmlFree(v);
  return s ? ingest_trim(s) : NULL;
}

static char *a_text(reg_ctx *rc, xmlNode *n) {
  xmlChar *v = xmlNodeGetContent(n);
  char *s = ingest_arena_strdup(&rc->arena, v ? (const char *)v : "");
  xmlFree(v);
  return s ? ingest_trim(s) : NULL;
}

static bool attr_true(reg_ctx *rc, xmlNode *n, const char *name) {
  char *v = a_attr(rc, n, name);
  return v && (!strcmp(v, "true") || !strcmp(v, "1"));
}

static char **push_str(reg_ctx *rc, char **arr, size_t *n, char *s) {
  char **na = ingest_arena_alloc(&rc->arena, (*n + 1) * sizeof *na);
  if (!na)
    return arr;
  if (*n)
    memcpy(na, arr, *n * sizeof *na);
  na[(*n)++] = s;
  return na;
}

int ingest_ent_lookup_code(store_txn *txn, const char *code, uint64_t *id) {
  *id = 0;
  int err = store_ent_by_code(txn, code, id);
  if (err == STORE_ENOTFOUND) {
    *id = 0;
    return 0;
  }
  return err;
}

/* Carries over what the registry does not say but another source did. */
static int keep_foreign_fields(reg_ctx *rc, Oppgraph__V1__Enterprise *e) {
  Oppgraph__V1__Enterprise *old = NULL;
  int err = store_ent_get(rc->txn, e->id, &old);
  if (err == STORE_ENOTFOUND)
    return 0;
  if (err)
    return err;
  if ((!e->lei || !*e->lei) && old->lei && *old->lei)
    e->lei = ingest_arena_strdup(&rc->arena, old->lei);
  if (old->n_source_docs) {
    e->source_docs =
        ingest_arena_alloc(&rc->arena, old->n_source_docs * sizeof(uint64_t));
    if (e->source_docs) {
      memcpy(e->source_docs, old->source_docs,
             old->n_source_docs * sizeof(uint64_t));
      e->n_source_docs = old->n_source_docs;
    }
  }
  /* Capital history: a raise keeps the capital before it and the day it was
   * seen (tag marketing offers products to enterprises that just raised
   * capital); the same capital carries the history over; a cut clears it. */
  if (old->registered_capital > 0 &&
      e->registered_capital > old->registered_capital) {
    e->previous_capital = old->registered_capital;
    e->capital_changed = rc->day;
  } else if (e->registered_capital == old->registered_capital &&
             old->previous_capital > 0) {
    e->previous_capital = old->previous_capital;
    e->capital_changed = ingest_arena_strdup(&rc->arena, old->capital_changed);
  }
  /* Aliases found elsewhere (e.g. a GLEIF LEI alias) stay known. */
  for (size_t i = 0; i < old->n_aliases; i++) {
    bool have = false;
    for (size_t k = 0; k < e->n_aliases && !have; k++)
      have = !strcmp(e->aliases[k], old->aliases[i]);
    if (!have)
      e->aliases = push_str(rc, e->aliases, &e->n_aliases,
                            ingest_arena_strdup(&rc->arena, old->aliases[i]));
  }
  oppgraph__v1__enterprise__free_unpacked(old, NULL);
  return 0;
}

static int reg_enterprise(reg_ctx *rc, xmlNode *n) {
  Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
  char *code = a_attr(rc, n, "code");
  int line = (int)xmlGetLineNo(n);
  if (!code)
    return INGEST_ENOMEM;
  if (!ingest_credit_code_valid(code)) {
    char want = strlen(code) == 18 ? ingest_credit_code_check_char(code) : 0;
    if (want)
      ingest_diagf(rc->fc,
                   "line %d: enterprise %s rejected: GB 32100 check character "
                   "is '%c', expected '%c'",
                   line, code, code[17], want);
    else
      ingest_diagf(rc->fc,
                   "line %d: enterprise %s rejected: not a valid credit code",
                   line, code);
    rc->fc->rep.records_rejected++;
    return 0;
  }
  e.credit_code = code;
  e.is_client = attr_true(rc, n, "is_client");
  e.credit_declined = attr_true(rc, n, "credit_declined");
  char *rm = a_attr(rc, n, "rm");
  if (rm)
    e.rm_id = rm;
  for (xmlNode *c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE)
      continue;
    const char *nm = (const char *)c->name;
    char *t = a_text(rc, c);
    if (!t)
      return INGEST_ENOMEM;
    if (!strcmp(nm, "name"))
      e.name = t;
    else if (!strcmp(nm, "former_name"))
      e.former_names = push_str(rc, e.former_names, &e.n_former_names, t);
    else if (!strcmp(nm, "alias"))
      e.aliases = push_str(rc, e.aliases, &e.n_aliases, t);
    else if (!strcmp(nm, "legal_rep"))
      e.legal_rep = t;
    else if (!strcmp(nm, "registered_capital"))
      e.registered_capital = strtoll(t, NULL, 10);
    else if (!strcmp(nm, "founded"))
      e.founded = t;
    else if (!strcmp(nm, "status"))
      e.status = t;
    else if (!strcmp(nm, "industry"))
      e.industry = t;
    else if (!strcmp(nm, "region"))
      e.region = t;
    else if (!strcmp(nm, "stock_code"))
      e.stock_code = t;
    else if (!strcmp(nm, "lei"))
      e.lei = t;
    else if (!strcmp(nm, "tag"))
      e.tags = push_str(rc, e.tags, &e.n_tags, t);
  }
  int err = ingest_ent_lookup_code(rc->txn, code, &e.id);
  if (!err && e.id)
    err = keep_foreign_fields(rc, &e);
  if (!err)
    err = store_ent_put(rc->txn, &e);
  if (err) {
    ingest_diagf(rc->fc, "line %d: enterprise %s: %s", line, code,
                 store_strerror(err));
    return INGEST_ESTORE;
  }
  rc->fc->rep.enterprises++;
  return 0;
}

/* Resolves an enterprise reference; reports and returns false when unknown. */
static bool resolve(reg_ctx *rc, xmlNode *n, const char *what, const char *code,
                    uint64_t *id, int *err) {
  *id = 0;
  if (!code)
    return false;
  *err = ingest_ent_lookup_code(rc->txn, code, id);
  if (*err)
    return false;
  if (!*id) {
    ingest_diagf(rc->fc,
                 "line %d: %s %s is not a known enterprise; %s rejected",
                 (int)xmlGetLineNo(n), what, code, (const char *)n->name);
    rc->fc->rep.records_rejected++;
    return false;
  }
  return true;
}

static int put_edge(reg_ctx *rc, xmlNode *n, Oppgraph__V1__Edge *e) {
  int err = store_edge_put(rc->txn, e);
  if (err) {
    ingest_diagf(rc->fc, "line %d: %s: %s", (int)xmlGetLineNo(n),
                 (const char *)n->name, store_strerror(err));
    return INGEST_ESTORE;
  }
  rc->fc->rep.edges++;
  return 0;
}

static void edge_dates(reg_ctx *rc, xmlNode *n, Oppgraph__V1__Edge *e) {
  char *s = a_attr(rc, n, "start"), *t = a_attr(rc, n, "end");
  if (s)
    e->start = s;
  if (t)
    e->end = t;
  char *amount = a_attr(rc, n, "amount");
  if (amount)
    e->amount = strtoll(amount, NULL, 10);
}

/* Person ids by name; a person is created on first sight. */
static int person_id(reg_ctx *rc, const char *name, uint64_t *id,
                     bool *created) {
  *created = false;
  int err = store_person_by_name(rc->txn, name, id);
  if (err != STORE_ENOTFOUND)
    return err;
  Oppgraph__V1__Person p = OPPGRAPH__V1__PERSON__INIT;
  p.name = (char *)name;
  err = store_person_put(rc->txn, &p);
  *id = p.id;
  *created = !err;
  return err;
}

static int reg_person(reg_ctx *rc, xmlNode *n) {
  char *name = a_attr(rc, n, "name");
  if (!name)
    return INGEST_ENOMEM;
  uint64_t pid = 0;
  bool created = false;
  int err = person_id(rc, name, &pid, &created);
  if (err)
    goto store_fail;
  Oppgraph__V1__Person *p = NULL;
  err = store_person_get(rc->txn, pid, &p);
  if (err)
    goto store_fail;
  size_t nids = p->n_enterprise_ids, nroles = 0;
  for (xmlNode *c = n->children; c; c = c->next)
    nroles += is_elem(c, "role");
  uint64_t *ids = ingest_arena_alloc(&rc->arena, (nids + nroles) * sizeof *ids);
  if (!ids) {
    oppgraph__v1__person__free_unpacked(p, NULL);
    return INGEST_ENOMEM;
  }
  if (nids)
    memcpy(ids, p->enterprise_ids, nids * sizeof *ids);
  oppgraph__v1__person__free_unpacked(p, NULL);
  for (xmlNode *c = n->children; c; c = c->next) {
    if (!is_elem(c, "role"))
      continue;
    uint64_t eid;
    if (!resolve(rc, c, "enterprise", a_attr(rc, c, "enterprise"), &eid,
                 &err)) {
      if (err)
        goto store_fail;
      continue;
    }
    bool have = false;
    for (size_t i = 0; i < nids && !have; i++)
      have = ids[i] == eid;
    if (!have)
      ids[nids++] = eid;
    Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
    e.type = OPPGRAPH__V1__EDGE_TYPE__EXECUTIVE;
    e.src = pid;
    e.src_kind = OPPGRAPH__V1__NODE_KIND__NODE_PERSON;
    e.dst = eid;
    char *title = a_attr(rc, c, "title");
    if (title)
      e.role = title;
    if ((err = put_edge(rc, c, &e)))
      return err;
    if (attr_true(rc, c, "legal_rep")) {
      Oppgraph__V1__Edge l = e;
      l.id = 0;
      l.type = OPPGRAPH__V1__EDGE_TYPE__LEGAL_REP;
      if ((err = put_edge(rc, c, &l)))
        return err;
    }
  }
  Oppgraph__V1__Person np = OPPGRAPH__V1__PERSON__INIT;
  np.id = pid;
  np.name = name;
  np.enterprise_ids = ids;
  np.n_enterprise_ids = nids;
  err = store_person_put(rc->txn, &np);
  if (err)
    goto store_fail;
  rc->fc->rep.persons++;
  return 0;
store_fail:
  ingest_diagf(rc->fc, "line %d: person %s: %s", (int)xmlGetLineNo(n), name,
               store_strerror(err));
  return INGEST_ESTORE;
}

static int reg_shareholding(reg_ctx *rc, xmlNode *n) {
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = OPPGRAPH__V1__EDGE_TYPE__SHAREHOLDING;
  int err = 0;
  char *hp = a_attr(rc, n, "holder_person");
  char *hc = a_attr(rc, n, "holder");
  if (hc) {
    if (!resolve(rc, n, "holder", hc, &e.src, &err))
      return err ? INGEST_ESTORE : 0;
  } else if (hp) {
    bool created;
    if ((err = person_id(rc, hp, &e.src, &created)))
      return INGEST_ESTORE;
    if (created)
      rc->fc->rep.persons++;
    e.src_kind = OPPGRAPH__V1__NODE_KIND__NODE_PERSON;
  } else {
    ingest_diagf(rc->fc,
                 "line %d: shareholding without holder or holder_person",
                 (int)xmlGetLineNo(n));
    rc->fc->rep.records_rejected++;
    return 0;
  }
  if (!resolve(rc, n, "held", a_attr(rc, n, "held"), &e.dst, &err))
    return err ? INGEST_ESTORE : 0;
  char *r = a_attr(rc, n, "ratio");
  if (r)
    e.ratio = strtod(r, NULL);
  edge_dates(rc, n, &e);
  return put_edge(rc, n, &e);
}

static int reg_pair_edge(reg_ctx *rc, xmlNode *n, Oppgraph__V1__EdgeType type,
                         const char *from, const char *to) {
  Oppgraph__V1__Edge e = OPPGRAPH__V1__EDGE__INIT;
  e.type = type;
  int err = 0;
  if (!resolve(rc, n, from, a_attr(rc, n, from), &e.src, &err) ||
      !resolve(rc, n, to, a_attr(rc, n, to), &e.dst, &err))
    return err ? INGEST_ESTORE : 0;
  char *share = a_attr(rc, n, "share");
  if (share)
    e.ratio = strtod(share, NULL);
  edge_dates(rc, n, &e);
  return put_edge(rc, n, &e);
}

static int reg_rm(reg_ctx *rc, xmlNode *n) {
  Oppgraph__V1__Rm r = OPPGRAPH__V1__RM__INIT;
  r.id = a_attr(rc, n, "id");
  if (!r.id)
    return INGEST_ENOMEM;
  char *s;
  if ((s = a_attr(rc, n, "name")))
    r.name = s;
  if ((s = a_attr(rc, n, "team")))
    r.team = s;
  if ((s = a_attr(rc, n, "branch")))
    r.branch = s;
  if ((s = a_attr(rc, n, "capacity")))
    r.capacity = (uint32_t)strtoul(s, NULL, 10);
  s = a_attr(rc, n, "role");
  r.role = !s || !strcmp(s, "rm") ? OPPGRAPH__V1__ROLE__ROLE_RM
           : !strcmp(s, "lead")   ? OPPGRAPH__V1__ROLE__ROLE_LEAD
                                  : OPPGRAPH__V1__ROLE__ROLE_ADMIN;
  for (xmlNode *c = n->children; c; c = c->next) {
    if (is_elem(c, "region"))
      r.regions = push_str(rc, r.regions, &r.n_regions, a_text(rc, c));
    else if (is_elem(c, "industry"))
      r.industries = push_str(rc, r.industries, &r.n_industries, a_text(rc, c));
  }
  int err = store_rm_put(rc->txn, &r);
  if (err) {
    ingest_diagf(rc->fc, "line %d: rm %s: %s", (int)xmlGetLineNo(n), r.id,
                 store_strerror(err));
    return INGEST_ESTORE;
  }
  rc->fc->rep.rms++;
  return 0;
}

static int reg_section(reg_ctx *rc, xmlNode *sec) {
  const char *s = (const char *)sec->name;
  int err = 0;
  for (xmlNode *n = sec->children; n && !err; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    if (!strcmp(s, "enterprises"))
      err = reg_enterprise(rc, n);
    else if (!strcmp(s, "persons"))
      err = reg_person(rc, n);
    else if (!strcmp(s, "shareholdings"))
      err = reg_shareholding(rc, n);
    else if (!strcmp(s, "guarantees"))
      err = reg_pair_edge(rc, n, OPPGRAPH__V1__EDGE_TYPE__GUARANTEE,
                          "guarantor", "guaranteed");
    else if (!strcmp(s, "supplies"))
      err = reg_pair_edge(rc, n, OPPGRAPH__V1__EDGE_TYPE__SUPPLY, "upstream",
                          "downstream");
    else if (!strcmp(s, "rms"))
      err = reg_rm(rc, n);
  }
  return err;
}

int ingest_registry_store(store_txn *txn, const ingest_schema *schema,
                          const char *buf, size_t len, ingest_file_ctx *fc,
                          char *err, size_t errlen) {
  xmlDocPtr doc = NULL;
  char msg[1024];
  int rc = registry_parse(schema, buf, len, fc->path, &doc, msg, sizeof msg);
  if (rc) {
    /* registry_parse names the file itself; the driver prefixes the path. */
    const char *m = msg;
    size_t pl = strlen(fc->path);
    if (!strncmp(m, fc->path, pl) && m[pl] == ':')
      m += pl + 1;
    while (*m == ' ')
      m++;
    ingest_errf(err, errlen, "%s%s", *m >= '0' && *m <= '9' ? "line " : "", m);
    return rc;
  }
  reg_ctx r = {.txn = txn, .fc = fc};
  xmlNode *root = xmlDocGetRootElement(doc);
  xmlChar *day = xmlGetProp(root, (const xmlChar *)"date");
  if (!day || !ingest_norm_date((const char *)day, r.day)) {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r.day, sizeof r.day, "%Y-%m-%d", &tm);
  }
  xmlFree(day);
  for (xmlNode *sec = root->children; sec && !rc; sec = sec->next)
    if (sec->type == XML_ELEMENT_NODE)
      rc = reg_section(&r, sec);
  if (rc)
    ingest_errf(err, errlen, "%s", ingest_strerror(rc));
  ingest_arena_destroy(&r.arena);
  xmlFreeDoc(doc);
  return rc;
}
