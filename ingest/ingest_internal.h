/*
 * ingest_internal.h — helpers shared by the ingest .c files: a growable
 * string buffer, a per-file arena for the protobuf-c messages we build (every
 * string and array of one record comes from it, so nothing is freed field by
 * field), the per-file context that carries diagnostics and counters, and the
 * entry points of the registry and GLEIF readers used by the driver.
 */
#ifndef OPPGRAPH_INGEST_INTERNAL_H
#define OPPGRAPH_INGEST_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "ingest/ingest.h"

/* ---- string buffer ----------------------------------------------------- */
typedef struct ingest_sbuf {
  char *p;
  size_t n, cap;
  bool oom; /* sticky: an append failed */
} ingest_sbuf;

void ingest_sbuf_add(ingest_sbuf *b, const char *s, size_t len);
void ingest_sbuf_adds(ingest_sbuf *b, const char *s);
void ingest_sbuf_addc(ingest_sbuf *b, char c);
/* Takes the buffer (NUL-terminated, never NULL unless oom) and resets b. */
char *ingest_sbuf_take(ingest_sbuf *b);
void ingest_sbuf_destroy(ingest_sbuf *b);

/* ---- arena ----------------------------------------------------- */
typedef struct ingest_arena_chunk ingest_arena_chunk;
typedef struct ingest_arena {
  ingest_arena_chunk *head;
} ingest_arena;

void *ingest_arena_alloc(ingest_arena *a, size_t size); /* zeroed */
char *ingest_arena_strdup(ingest_arena *a, const char *s);
char *ingest_arena_strndup(ingest_arena *a, const char *s, size_t n);
void ingest_arena_destroy(ingest_arena *a);

/* ---- per-file context ------------------------------------------ */
typedef struct ingest_file_ctx {
  const ingest_config *cfg;
  const char *path;
  ingest_report rep; /* counts of this file, added to the run's on commit */
} ingest_file_ctx;

/* Reports "path: <formatted>" through cfg->diag (or stderr). */
void ingest_diagf(const ingest_file_ctx *fc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ingest_diag(const ingest_config *cfg, const char *path, const char *msg);
void ingest_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Charset named in the first bytes of an HTML (<meta charset>) or XML
 * (<?xml encoding?>) document, lower-cased into out; false when none. */
bool ingest_sniff_charset(const char *buf, size_t len, char *out,
                          size_t outlen);
/* Normalises a date found in a document ("2024-03-05T…", "2024/3/5",
 * "2024年3月5日") into YYYY-MM-DD; false when it is not one. */
bool ingest_norm_date(const char *s, char out[11]);
/* Trims ASCII white space in place; returns s. */
char *ingest_trim(char *s);

/* ---- registry / GLEIF (registry.c, gleif.c) ---------------------------- */
/* Both run inside the caller's write transaction; a non-zero return means
 * the file failed (err says why) and the caller aborts the transaction.
 * Rejected records are reported through fc and do not fail the file. */
int ingest_registry_store(store_txn *txn, const ingest_schema *schema,
                          const char *buf, size_t len, ingest_file_ctx *fc,
                          char *err, size_t errlen);
int ingest_gleif_store(store_txn *txn, const char *path, ingest_format fmt,
                       ingest_file_ctx *fc, char *err, size_t errlen);

/* Edges an event tells (events_edges.c): 对外担保 -> GUARANTEE, 前五大客户 /
 * 前五大供应商 -> SUPPLY, between the enterprises its arguments resolve to;
 * upserted by natural key with e->document_id in source_docs.  *nedges (may
 * be NULL) is incremented per edge written. */
int ingest_event_edges(store_txn *txn, const Oppgraph__V1__Event *e,
                       size_t *nedges);

/* Looks up an enterprise by credit code; 0 with *id = 0 when absent. */
int ingest_ent_lookup_code(store_txn *txn, const char *code, uint64_t *id);

#endif
