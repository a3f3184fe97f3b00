/*
 * ingest — turns files into stored records: announcements (HTML, our XML,
 * plain text, JSON lines) become Documents and, through nlp_extract, Events;
 * registry files (our XML, validated against data/schema/registry.xsd) and
 * GLEIF LEI-CDF / RR-CDF files become Enterprises, Persons, Edges and RMs.
 *
 * The batch driver ingest_run() takes files or folders, processes registry
 * files first (so that names are known when announcements are linked) and
 * then announcements, each file in its own write transaction: a file either
 * lands completely or not at all.  Re-running the same input adds nothing:
 * documents are deduplicated by content hash, enterprises are upserted by
 * credit code (or LEI), edges by their natural key.
 *
 * Formats (detected by extension, then by content; see ingest_detect):
 *
 *   .html/.htm  HTML; text of <body> without <script>/<style>/<noscript>,
 *               block elements become line breaks; title from <title> or the
 *               first <h1>; published date from <meta name="publish_date">,
 *               <meta name="date"> or the first <time> element.
 *   .txt        plain text; first non-empty line = title; when the next line
 *               is only a date (2024-03-05 or 2024年3月5日) it is the
 *               published date.
 *   .jsonl      one JSON object a line: "id", "title", "text" (the DuEE-Fin
 *   .json       layout), optional "published", "source", "url".
 *   .xml        by root element:
 *                 <announcements> / <announcement>   our announcement XML:
 *                   <announcement id="…"> <title/> <published/> <source/>
 *                   <url/> <text/> </announcement> (all children optional but
 *                   text; published is YYYY-MM-DD)
 *                 <registry>            our registry XML
 * (data/schema/registry.xsd) <LEIData>             GLEIF LEI-CDF 3.1 or 2.1
 * (streamed) <RelationshipData>    GLEIF RR-CDF (streamed) .csv reserved;
 * skipped inside folders, refused when named.
 *
 * Encoding: UTF-8 is required unless the input declares GB2312/GBK/GB18030
 * (HTML meta charset, XML declaration) or is not valid UTF-8 but decodes as
 * GB18030; such input is converted with iconv.  NUL bytes mean binary input
 * and are refused.
 *
 * Credit codes (统一社会信用代码) are checked per GB 32100: a registry
 * record with an invalid code is rejected (reported through the diag callback
 * with file and line, counted in records_rejected) and the rest of the file
 * is stored — one typo must not drop a whole registry extract.
 *
 * GLEIF: an entity is keyed by its LEI, which is also added as an alias so
 * that it can be found through the name index; relationships
 * IS_DIRECTLY_CONSOLIDATED_BY and IS_ULTIMATELY_CONSOLIDATED_BY become
 * SHAREHOLDING edges parent -> child with ratio 0 (= unknown) and role
 * "gleif:direct" / "gleif:ultimate"; other relationship types are ignored.  An
 * unknown end is created as a placeholder enterprise named by its LEI with
 * status "GLEIF_PLACEHOLDER", filled in when its LEI record arrives.
 */
#ifndef OPPGRAPH_INGEST_H
#define OPPGRAPH_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlp/nlp.h"
#include "store/store.h"

enum ingest_err {
  INGEST_OK = 0,
  INGEST_EIO = -1,       /* cannot read a file or folder */
  INGEST_EPARSE = -2,    /* malformed HTML / XML / JSON */
  INGEST_EENCODING = -3, /* invalid UTF-8 that is not GB18030, binary data */
  INGEST_ESCHEMA = -4,   /* registry file does not validate against the XSD */
  INGEST_EFORMAT = -5,   /* unknown or unsupported format */
  INGEST_ENOMEM = -6,
  INGEST_ESTORE = -7,   /* a store call failed */
  INGEST_ENLP = -8,     /* normalisation or extraction failed */
  INGEST_EINVAL = -9,   /* bad argument */
  INGEST_EEMPTY = -10,  /* empty file or document without text */
  INGEST_EFILES = -11,  /* ingest_run: some files failed (see the report) */
  INGEST_ETOOBIG = -12, /* file over cfg->max_file_size */
};
const char *ingest_strerror(int err);

/* ---- formats --------------------------------------------------- */

typedef enum ingest_format {
  INGEST_FMT_UNKNOWN = 0,
  INGEST_FMT_HTML,
  INGEST_FMT_TEXT,
  INGEST_FMT_JSONL,
  INGEST_FMT_ANN_XML,   /* our <announcements> */
  INGEST_FMT_REGISTRY,  /* our <registry> */
  INGEST_FMT_GLEIF_LEI, /* LEIData */
  INGEST_FMT_GLEIF_RR,  /* RelationshipData */
  INGEST_FMT_CSV,       /* reserved */
} ingest_format;

const char *ingest_format_name(ingest_format f);
/* Detects the format from the file name and the first bytes of the file
 * (head may be NULL / 0 when the content is unknown). */
ingest_format ingest_detect(const char *path, const char *head, size_t len);
static inline bool ingest_format_is_registry(ingest_format f) {
  return f == INGEST_FMT_REGISTRY || f == INGEST_FMT_GLEIF_LEI ||
         f == INGEST_FMT_GLEIF_RR;
}

/* ---- documents ------------------------------------------------- */

/* One announcement as read from a file; every string is malloc'd (NULL when
 * absent) and released by ingest_doc_destroy. */
typedef struct ingest_doc {
  char *external_id;
  char *title;
  char *text;
  char *published; /* YYYY-MM-DD */
  char *source;
  char *url;
} ingest_doc;

typedef struct ingest_docs {
  ingest_doc *v;
  size_t n, cap;
} ingest_docs;

void ingest_doc_destroy(ingest_doc *d);
void ingest_docs_init(ingest_docs *ds);
void ingest_docs_destroy(ingest_docs *ds);

/* Converts buf to UTF-8: charset (may be NULL) names the declared encoding;
 * GB2312/GBK/GB18030 are converted, UTF-8 is checked, undeclared invalid UTF-8
 * is tried as GB18030.  *out is malloc'd, NUL-terminated.  On failure err
 * (errlen bytes) says what is wrong and where. */
int ingest_to_utf8(const char *buf, size_t len, const char *charset, char **out,
                   size_t *out_len, char *err, size_t errlen);

/* Readers: buf is the raw file content, name is used in messages and as the
 * document source.  Each appends to docs; on failure err says why and docs
 * may hold partial results (the caller discards them). */
int ingest_read_html(const char *buf, size_t len, const char *name,
                     ingest_docs *docs, char *err, size_t errlen);
int ingest_read_text(const char *buf, size_t len, const char *name,
                     ingest_docs *docs, char *err, size_t errlen);
int ingest_read_jsonl(const char *buf, size_t len, const char *name,
                      ingest_docs *docs, char *err, size_t errlen);
int ingest_read_ann_xml(const char *buf, size_t len, const char *name,
                        ingest_docs *docs, char *err, size_t errlen);
/* ingest_read_jsonl with a limit on the bytes of one line (0 = the default
 * INGEST_DEFAULT_MAX_LINE): a longer line fails the file with INGEST_ETOOBIG,
 * "line N: B bytes, over the line limit of M".  XML and HTML nesting is
 * bounded by libxml2's own limit (256 levels; XML_PARSE_HUGE is never set):
 * deeper XML fails with INGEST_EPARSE "line N: elements nested deeper than
 * 256 levels". */
#define INGEST_DEFAULT_MAX_LINE (16u << 20)
int ingest_read_jsonl_max(const char *buf, size_t len, const char *name,
                          size_t max_line, ingest_docs *docs, char *err,
                          size_t errlen);

/* SHA-256 over title + "\n" + text (both already normalised). */
int ingest_content_hash(const char *title, const char *text, uint8_t out[32]);
/* 64-bit SimHash over the character bigrams of text (white space skipped);
 * near-identical texts differ in few bits. */
uint64_t ingest_simhash(const char *text, size_t len);
int ingest_simhash_distance(uint64_t a, uint64_t b);

/* ---- credit codes (GB 32100) ------------------------------------------- */

/* The check character for the first 17 characters of a code, or 0 when one
 * of them is outside the code's alphabet (0-9, A-Z without I O S V Z). */
char ingest_credit_code_check_char(const char *first17);
/* True when code is 18 characters of the alphabet with a correct check char. */
bool ingest_credit_code_valid(const char *code);

/* ---- registry ---------------------------------------------------------- */

typedef struct ingest_schema ingest_schema;
/* Loads the registry XSD (data/schema/registry.xsd). */
int ingest_schema_load(const char *xsd_path, ingest_schema **out, char *err,
                       size_t errlen);
void ingest_schema_free(ingest_schema *s);
/* Validates a registry document; on failure err is "name:line: message". */
int ingest_registry_validate(const ingest_schema *s, const char *buf,
                             size_t len, const char *name, char *err,
                             size_t errlen);

/* ---- the batch driver -------------------------------------------------- */

/* One message per failed file or rejected record: path is the file, msg the
 * reason (with a line number when known). */
typedef void (*ingest_diag_fn)(void *ctx, const char *path, const char *msg);

typedef struct ingest_config {
  const nlp_rules *rules; /* NULL: documents are stored, no events extracted */
  const nlp_dict *dict;   /* may be NULL (then see dict_dir) */
  /* When dict is NULL and dict_dir is set, ingest_run builds the dictionary
   * itself (ingest_build_dict) after the registry files, so that names from
   * this very run are known. */
  const char *dict_dir;
  const char *schema_path; /* NULL = "data/schema/registry.xsd" */
  ingest_diag_fn diag;     /* NULL = messages to stderr */
  void *diag_ctx;
  bool progress;        /* progress lines on stderr, at most 2 a second */
  size_t max_file_size; /* bytes; 0 = 512 MiB */
  size_t max_line;      /* JSON lines: bytes per line; 0 = 16 MiB */
} ingest_config;

typedef struct ingest_report {
  size_t files_ok, files_failed, files_skipped;
  size_t docs_new, docs_duplicate;
  size_t events;
  size_t enterprises; /* enterprises written (new or updated) */
  size_t persons, edges, rms;
  size_t records_rejected; /* registry records refused (bad credit code …) */
  size_t args_dropped; /* event arguments over NLP_MAX_ARGS (each warned) */
} ingest_report;

/* Ingests files and folders (recursively, in byte order of their paths;
 * hidden entries skipped).  rep is zeroed first.  Returns 0 when every file
 * was ingested, INGEST_EFILES when some failed (each reported through diag),
 * another error when the run could not go on (store failure, bad schema). */
int ingest_run(store *st, const ingest_config *cfg, const char *const *paths,
               size_t npaths, ingest_report *rep);

/* Ingests one document inside the caller's write transaction: normalise,
 * hash, store (a duplicate is skipped: *is_new false, *doc_id the existing
 * id), extract events and store them.  doc is left unchanged.  rep (may be
 * NULL) is incremented.  For the RPC SubmitDocuments path. */
int ingest_document(store_txn *txn, const ingest_config *cfg,
                    const ingest_doc *doc, uint64_t *doc_id, bool *is_new,
                    ingest_report *rep, char *err, size_t errlen);

/* Builds the dictionary used for extraction: every data/dict/ *.dict file of
 * dict_dir (may be NULL) plus every enterprise name and alias in the store. */
int ingest_build_dict(store *st, const char *dict_dir, nlp_dict **out);

#endif
