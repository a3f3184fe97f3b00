/*
 * driver.c — the batch driver (ingest_run), the per-document pipeline
 * (ingest_document: normalise -> hash -> dedup -> store -> extract -> store
 * events -> edges the events tell, see events_edges.c) and the dictionary
 * builder.
 *
 * ingest_run first lists every file (folders recursively, each folder's
 * entries in byte order, hidden entries skipped), detects formats, then
 * processes registry files (ours, then GLEIF entities, then GLEIF
 * relationships, so that references resolve) before announcements.  Each
 * file gets one write transaction: a failure aborts it, so a bad file leaves
 * the store exactly as it was, and the run goes on with the next file.  The
 * per-file counters are added to the run's report only after the commit.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ingest/ingest_internal.h"

#define INGEST_DEFAULT_SCHEMA "data/schema/registry.xsd"
#define INGEST_DEFAULT_MAX (512u * 1024u * 1024u)
#define INGEST_SNIFF 4096

/* ---- one document ---------------------------------------------- */

static int add_subject(uint64_t **ids, size_t *n, size_t *cap, uint64_t id) {
  for (size_t i = 0; i < *n; i++)
    if ((*ids)[i] == id)
      return 0;
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 4;
    uint64_t *v = realloc(*ids, c * sizeof *v);
    if (!v)
      return INGEST_ENOMEM;
    *ids = v;
    *cap = c;
  }
  (*ids)[(*n)++] = id;
  return 0;
}

static int store_events(store_txn *txn, const nlp_result *res, uint64_t doc_id,
                        const char *published, size_t *nevents,
                        size_t *nedges) {
  int rc = 0;
  for (size_t i = 0; i < res->n && !rc; i++) {
    const nlp_event *ev = &res->events[i];
    Oppgraph__V1__Event e = OPPGRAPH__V1__EVENT__INIT;
    e.type = (char *)ev->type;
    e.trigger = ev->trigger ? ev->trigger : "";
    e.document_id = doc_id;
    e.confidence = ev->confidence;
    if (published)
      e.published = (char *)published;
    Oppgraph__V1__Argument *args =
        calloc(ev->nargs ? ev->nargs : 1, sizeof *args);
    Oppgraph__V1__Argument **argp =
        calloc(ev->nargs ? ev->nargs : 1, sizeof *argp);
    uint64_t *subj = NULL;
    size_t nsubj = 0, capsubj = 0;
    if (!args || !argp)
      rc = INGEST_ENOMEM;
    for (size_t k = 0; k < ev->nargs && !rc; k++) {
      const nlp_arg *a = &ev->args[k];
      Oppgraph__V1__Argument *pa = &args[k];
      oppgraph__v1__argument__init(pa);
      pa->role = (char *)a->role;
      pa->text = a->text ? a->text : "";
      pa->begin = (uint32_t)a->begin;
      pa->end = (uint32_t)a->end;
      pa->in_title = a->in_title;
      if (a->norm)
        pa->norm = a->norm;
      uint64_t ent = a->ent_id;
      /* The dictionary may not know every stored name (it can be older than
       * this run's registry files); the name index is authoritative. */
      if (!ent && a->text && *a->text && !a->norm) {
        uint64_t id = 0;
        int err = store_ent_by_name(txn, a->text, &id);
        if (!err)
          ent = id;
        else if (err != STORE_ENOTFOUND)
          rc = INGEST_ESTORE;
      }
      pa->enterprise_id = ent;
      if (ent && !rc)
        rc = add_subject(&subj, &nsubj, &capsubj, ent);
      argp[k] = pa;
    }
    if (!rc) {
      e.arguments = argp;
      e.n_arguments = ev->nargs;
      e.subject_ids = subj;
      e.n_subject_ids = nsubj;
      if (store_evt_put(txn, &e))
        rc = INGEST_ESTORE;
      else
        (*nevents)++;
      /* guarantees and top-5 customers / suppliers are also graph edges */
      if (!rc)
        rc = ingest_event_edges(txn, &e, nedges);
    }
    free(args);
    free(argp);
    free(subj);
  }
  return rc;
}

int ingest_document(store_txn *txn, const ingest_config *cfg,
                    const ingest_doc *doc, uint64_t *doc_id, bool *is_new,
                    ingest_report *rep, char *err, size_t errlen) {
  *doc_id = 0;
  *is_new = false;
  const char *title = doc->title ? doc->title : "";
  const char *text = doc->text ? doc->text : "";
  char *nt = NULL, *nx = NULL;
  size_t ntl = 0, nxl = 0, bad = 0;
  int rc = 0;
  if (nlp_normalize(title, strlen(title), &nt, &ntl, &bad)) {
    ingest_errf(err, errlen, "title: invalid UTF-8 at byte %zu", bad);
    rc = INGEST_EENCODING;
    goto out;
  }
  if (nlp_normalize(text, strlen(text), &nx, &nxl, &bad)) {
    ingest_errf(err, errlen, "text: invalid UTF-8 at byte %zu", bad);
    rc = INGEST_EENCODING;
    goto out;
  }
  if (!nxl) {
    ingest_errf(err, errlen, "document%s%s has no text",
                doc->external_id ? " " : "",
                doc->external_id ? doc->external_id : "");
    rc = INGEST_EEMPTY;
    goto out;
  }
  uint8_t hash[32];
  if ((rc = ingest_content_hash(nt, nx, hash)))
    goto out;
  Oppgraph__V1__Document d = OPPGRAPH__V1__DOCUMENT__INIT;
  d.title = nt;
  d.text = nx;
  d.content_hash.data = hash;
  d.content_hash.len = 32;
  d.simhash = ingest_simhash(nx, nxl);
  if (doc->source)
    d.source = doc->source;
  if (doc->url)
    d.url = doc->url;
  if (doc->published)
    d.published = doc->published;
  if (doc->external_id)
    d.external_id = doc->external_id;
  int serr = store_doc_put(txn, &d, is_new);
  if (serr) {
    ingest_errf(err, errlen, "storing the document: %s", store_strerror(serr));
    rc = INGEST_ESTORE;
    goto out;
  }
  *doc_id = d.id;
  if (!*is_new) {
    if (rep)
      rep->docs_duplicate++;
    goto out;
  }
  if (rep)
    rep->docs_new++;
  if (cfg && cfg->rules) {
    nlp_result res = {0};
    nlp_extract_opts o = {
        .title = nt, .title_len = ntl, .published = doc->published};
    int nrc = nlp_extract(cfg->rules, cfg->dict, nx, nxl, &o, &res);
    if (nrc) {
      ingest_errf(err, errlen, "extraction: %s", nlp_strerror(nrc));
      rc = INGEST_ENLP;
    } else {
      /* the per-event cap is a rule-writing mistake: warn, keep the rest */
      for (size_t i = 0; i < res.n; i++) {
        if (!res.events[i].args_dropped)
          continue;
        char msg[256];
        snprintf(msg, sizeof msg,
                 "warning: event %s: %zu arguments dropped (at most %d per "
                 "event)",
                 res.events[i].type, res.events[i].args_dropped, NLP_MAX_ARGS);
        ingest_diag(cfg,
                    doc->external_id ? doc->external_id
                    : doc->url       ? doc->url
                                     : "document without id",
                    msg);
      }
      if (rep)
        rep->args_dropped += res.args_dropped;
      size_t n = 0, ne = 0;
      rc = store_events(txn, &res, d.id, doc->published, &n, &ne);
      if (rc)
        ingest_errf(err, errlen, "storing events: %s", ingest_strerror(rc));
      if (rep) {
        rep->events += n;
        rep->edges += ne;
      }
    }
    nlp_result_destroy(&res);
  }
out:
  free(nt);
  free(nx);
  return rc;
}

/* ---- file list --------------------------------------------------------- */

typedef struct file_item {
  char *path;
  ingest_format fmt;
  bool explicit_; /* named on the command line, not found in a folder */
  int phase;      /* order of processing */
} file_item;

typedef struct file_list {
  file_item *v;
  size_t n, cap;
} file_list;

static int list_add(file_list *l, const char *path, bool explicit_) {
  if (l->n == l->cap) {
    size_t c = l->cap ? l->cap * 2 : 64;
    file_item *v = realloc(l->v, c * sizeof *v);
    if (!v)
      return INGEST_ENOMEM;
    l->v = v;
    l->cap = c;
  }
  file_item *f = &l->v[l->n];
  memset(f, 0, sizeof *f);
  f->path = strdup(path);
  if (!f->path)
    return INGEST_ENOMEM;
  f->explicit_ = explicit_;
  l->n++;
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Recursive walk; entries sorted by byte order so runs are deterministic. */
static int walk(const char *dir, file_list *l, const ingest_config *cfg,
                ingest_report *rep) {
  DIR *d = opendir(dir);
  if (!d) {
    char msg[256];
    snprintf(msg, sizeof msg, "cannot open folder: %s", strerror(errno));
    ingest_diag(cfg, dir, msg);
    rep->files_failed++;
    return 0;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d)) && !rc) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      char **nn = realloc(names, cap * sizeof *nn);
      if (!nn) {
        rc = INGEST_ENOMEM;
        break;
      }
      names = nn;
    }
    names[n] = strdup(e->d_name);
    if (!names[n])
      rc = INGEST_ENOMEM;
    else
      n++;
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof *names, cmp_names);
  for (size_t i = 0; i < n; i++) {
    if (!rc) {
      size_t len = strlen(dir) + strlen(names[i]) + 2;
      char *p = malloc(len);
      if (!p) {
        rc = INGEST_ENOMEM;
      } else {
        snprintf(p, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
                 names[i]);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
          rc = walk(p, l, cfg, rep);
        else if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
          rc = list_add(l, p, false);
        free(p);
      }
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

static int phase_of(ingest_format f) {
  switch (f) {
  case INGEST_FMT_REGISTRY:
    return 0;
  case INGEST_FMT_GLEIF_LEI:
    return 1;
  case INGEST_FMT_GLEIF_RR:
    return 2;
  default:
    return 3;
  }
}

static int cmp_items(const void *a, const void *b) {
  const file_item *x = a, *y = b;
  if (x->phase != y->phase)
    return x->phase - y->phase;
  return strcmp(x->path, y->path);
}

static int read_file(const char *path, size_t max, size_t head_only, char **out,
                     size_t *len, char *err, size_t errlen) {
  *out = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    ingest_errf(err, errlen, "cannot open: %s", strerror(errno));
    return INGEST_EIO;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0) {
    ingest_errf(err, errlen, "cannot stat: %s", strerror(errno));
    fclose(f);
    return INGEST_EIO;
  }
  size_t size = (size_t)st.st_size;
  if (!head_only && size > max) {
    ingest_errf(err, errlen, "%zu bytes, over the limit of %zu", size, max);
    fclose(f);
    return INGEST_ETOOBIG;
  }
  size_t want = head_only && size > head_only ? head_only : size;
  char *buf = malloc(want + 1);
  if (!buf) {
    fclose(f);
    return INGEST_ENOMEM;
  }
  size_t got = fread(buf, 1, want, f);
  int bad = ferror(f);
  fclose(f);
  if (bad || got != want) {
    ingest_errf(err, errlen, "read error: %s",
                bad ? strerror(errno) : "short read");
    free(buf);
    return INGEST_EIO;
  }
  buf[got] = 0;
  *out = buf;
  *len = got;
  return 0;
}

/* ---- progress ---------------------------------------------------------- */

typedef struct progress {
  struct timespec start, last;
} progress;

static double since(const struct timespec *a, const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) +
         (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_tick(progress *p, const ingest_config *cfg, size_t done,
                          size_t total, const ingest_report *rep, bool final) {
  if (!cfg->progress)
    return;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (!final && since(&p->last, &now) < 0.5)
    return;
  p->last = now;
  double el = since(&p->start, &now);
  size_t docs = rep->docs_new + rep->docs_duplicate;
  fprintf(stderr,
          "ingest: %zu/%zu files, %zu documents (%zu new), %zu events, "
          "%.0f docs/s%s\n",
          done, total, docs, rep->docs_new, rep->events,
          el > 0 ? (double)docs / el : 0.0, final ? ", done" : "");
}

/* ---- one file ---------------------------------------------------------- */

static void report_add(ingest_report *to, const ingest_report *from) {
  to->docs_new += from->docs_new;
  to->docs_duplicate += from->docs_duplicate;
  to->events += from->events;
  to->enterprises += from->enterprises;
  to->persons += from->persons;
  to->edges += from->edges;
  to->rms += from->rms;
  to->records_rejected += from->records_rejected;
}

static int read_docs(const file_item *it, const char *buf, size_t len,
                     size_t max_line, ingest_docs *docs, char *err,
                     size_t errlen) {
  switch (it->fmt) {
  case INGEST_FMT_HTML:
    return ingest_read_html(buf, len, it->path, docs, err, errlen);
  case INGEST_FMT_TEXT:
    return ingest_read_text(buf, len, it->path, docs, err, errlen);
  case INGEST_FMT_JSONL:
    return ingest_read_jsonl_max(buf, len, it->path, max_line, docs, err,
                                 errlen);
  case INGEST_FMT_ANN_XML:
    return ingest_read_ann_xml(buf, len, it->path, docs, err, errlen);
  default:
    ingest_errf(err, errlen, "not an announcement format");
    return INGEST_EFORMAT;
  }
}

static int ingest_file(store *st, const ingest_config *cfg,
                       const ingest_schema *schema, const file_item *it,
                       ingest_file_ctx *fc, char *err, size_t errlen) {
  size_t max = cfg->max_file_size ? cfg->max_file_size : INGEST_DEFAULT_MAX;
  char *buf = NULL;
  size_t len = 0;
  int rc = 0;
  bool streamed =
      it->fmt == INGEST_FMT_GLEIF_LEI || it->fmt == INGEST_FMT_GLEIF_RR;
  if (!streamed) {
    rc = read_file(it->path, max, 0, &buf, &len, err, errlen);
    if (rc)
      return rc;
    if (!len) {
      free(buf);
      ingest_errf(err, errlen, "empty file");
      return INGEST_EEMPTY;
    }
  }
  ingest_docs docs;
  ingest_docs_init(&docs);
  if (!streamed && it->fmt != INGEST_FMT_REGISTRY) {
    /* Parse before taking the write lock: a malformed file costs no txn. */
    rc = read_docs(it, buf, len, cfg->max_line, &docs, err, errlen);
    if (rc)
      goto out;
  }
  store_txn *txn = NULL;
  int serr = store_begin(st, true, &txn);
  if (serr) {
    ingest_errf(err, errlen, "cannot begin a write transaction: %s",
                store_strerror(serr));
    rc = INGEST_ESTORE;
    goto out;
  }
  if (it->fmt == INGEST_FMT_REGISTRY) {
    rc = ingest_registry_store(txn, schema, buf, len, fc, err, errlen);
  } else if (streamed) {
    rc = ingest_gleif_store(txn, it->path, it->fmt, fc, err, errlen);
  } else {
    for (size_t i = 0; i < docs.n && !rc; i++) {
      uint64_t id;
      bool is_new;
      char derr[512];
      rc = ingest_document(txn, cfg, &docs.v[i], &id, &is_new, &fc->rep, derr,
                           sizeof derr);
      if (rc) {
        if (docs.n > 1)
          ingest_errf(err, errlen, "document %zu%s%s: %s", i + 1,
                      docs.v[i].external_id ? " id " : "",
                      docs.v[i].external_id ? docs.v[i].external_id : "", derr);
        else
          ingest_errf(err, errlen, "%s", derr);
      }
    }
  }
  if (rc) {
    store_abort(txn);
  } else if ((serr = store_commit(txn))) {
    ingest_errf(err, errlen, "commit failed: %s", store_strerror(serr));
    rc = INGEST_ESTORE;
  }
out:
  ingest_docs_destroy(&docs);
  free(buf);
  return rc;
}

/* ---- the run ----------------------------------------------------------- */

int ingest_run(store *st, const ingest_config *cfg, const char *const *paths,
               size_t npaths, ingest_report *rep) {
  memset(rep, 0, sizeof *rep);
  if (!st || !cfg || (!paths && npaths))
    return INGEST_EINVAL;
  file_list l = {0};
  int rc = 0;
  for (size_t i = 0; i < npaths && !rc; i++) {
    struct stat sb;
    if (stat(paths[i], &sb) != 0) {
      char msg[256];
      snprintf(msg, sizeof msg, "cannot read: %s", strerror(errno));
      ingest_diag(cfg, paths[i], msg);
      rep->files_failed++;
    } else if (S_ISDIR(sb.st_mode)) {
      rc = walk(paths[i], &l, cfg, rep);
    } else {
      rc = list_add(&l, paths[i], true);
    }
  }
  /* Formats first, so that registry files can go before announcements. */
  bool need_schema = false;
  for (size_t i = 0; i < l.n && !rc; i++) {
    file_item *it = &l.v[i];
    char *head = NULL;
    size_t hl = 0;
    char err[256];
    if (read_file(it->path, 0, INGEST_SNIFF, &head, &hl, err, sizeof err) ==
        0) {
      it->fmt = ingest_detect(it->path, head, hl);
      free(head);
    } else {
      it->fmt = ingest_detect(it->path, NULL, 0);
    }
    it->phase = phase_of(it->fmt);
    need_schema |= it->fmt == INGEST_FMT_REGISTRY;
  }
  if (l.n)
    qsort(l.v, l.n, sizeof *l.v, cmp_items);
  ingest_schema *schema = NULL;
  if (!rc && need_schema) {
    char err[1024];
    const char *xsd =
        cfg->schema_path ? cfg->schema_path : INGEST_DEFAULT_SCHEMA;
    rc = ingest_schema_load(xsd, &schema, err, sizeof err);
    if (rc)
      ingest_diag(cfg, xsd, err);
  }
  nlp_dict *own_dict = NULL;
  ingest_config run_cfg = *cfg;
  progress pg;
  clock_gettime(CLOCK_MONOTONIC, &pg.start);
  pg.last = pg.start;
  for (size_t i = 0; i < l.n && !rc; i++) {
    file_item *it = &l.v[i];
    if (it->phase == 3 && !run_cfg.dict && cfg->dict_dir && !own_dict &&
        cfg->rules) {
      int drc = ingest_build_dict(st, cfg->dict_dir, &own_dict);
      if (drc) {
        ingest_diag(cfg, cfg->dict_dir,
                    "cannot build the dictionary; "
                    "extracting without one");
      }
      run_cfg.dict = own_dict;
    }
    if (it->fmt == INGEST_FMT_UNKNOWN || it->fmt == INGEST_FMT_CSV) {
      if (it->explicit_) {
        ingest_diag(cfg, it->path,
                    it->fmt == INGEST_FMT_CSV
                        ? "CSV input is not supported yet"
                        : "unknown format (expected .html/.htm, .txt, .jsonl, "
                          "or .xml with root registry, announcements, LEIData "
                          "or RelationshipData)");
        rep->files_failed++;
      } else {
        rep->files_skipped++;
      }
      continue;
    }
    ingest_file_ctx fc = {.cfg = &run_cfg, .path = it->path};
    char err[1024] = "";
    int frc = ingest_file(st, &run_cfg, schema, it, &fc, err, sizeof err);
    if (frc) {
      ingest_diag(cfg, it->path, err[0] ? err : ingest_strerror(frc));
      rep->files_failed++;
    } else {
      report_add(rep, &fc.rep);
      rep->files_ok++;
    }
    progress_tick(&pg, cfg, i + 1, l.n, rep, false);
  }
  progress_tick(&pg, cfg, l.n, l.n, rep, true);
  nlp_dict_free(own_dict);
  ingest_schema_free(schema);
  for (size_t i = 0; i < l.n; i++)
    free(l.v[i].path);
  free(l.v);
  if (rc)
    return rc;
  return rep->files_failed ? INGEST_EFILES : 0;
}

/* ---- dictionary -------------------------------------------------------- */

static int has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), k = strlen(suf);
  return n > k && !strcmp(s + n - k, suf);
}

int ingest_build_dict(store *st, const char *dict_dir, nlp_dict **out) {
  *out = NULL;
  nlp_dict *d = NULL;
  if (nlp_dict_new(&d))
    return INGEST_ENOMEM;
  int rc = 0;
  if (dict_dir) {
    struct dirent **ents = NULL;
    int n = scandir(dict_dir, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
      if (!rc && ents[i]->d_name[0] != '.' &&
          has_suffix(ents[i]->d_name, ".dict")) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dict_dir, ents[i]->d_name);
        if (nlp_dict_load_file(d, p))
          rc = INGEST_EIO;
      }
      free(ents[i]);
    }
    free(ents);
  }
  store_txn *txn = NULL;
  if (!rc && store_begin(st, false, &txn))
    rc = INGEST_ESTORE;
  if (!rc && nlp_dict_load_store(d, txn))
    rc = INGEST_ESTORE;
  store_abort(txn);
  if (!rc && nlp_dict_build(d))
    rc = INGEST_ENOMEM;
  if (rc) {
    nlp_dict_free(d);
    return rc;
  }
  *out = d;
  return 0;
}
