/*
 * server — the gRPC service the CRM calls (package oppgraph.v1), its bearer
 * tokens, and the push-list page reader shared with the CLI.
 *
 * srv_run() owns one gRPC C-core server with one completion queue drained by
 * N threads; every request runs in one LMDB read transaction, and the two
 * that write (RecordFeedback, SubmitDocuments) go through one writer lock
 * and then wake the StreamOpportunities subscribers.  Services: oppgraph.v1
 * OpportunityService, EnterpriseService, IngestService, KnowledgeService
 * (proto/oppgraph.proto documents each method and its errors),
 * grpc.health.v1.Health Check and Watch, and server reflection
 * (grpc.reflection.v1 and v1alpha).  Callers
 * authenticate with metadata "authorization: Bearer <token_id>.<secret>";
 * tokens are issued and revoked here (the CLI calls these) and stored hashed
 * (TokenRecord: SHA-256(salt ‖ secret), compared in constant time).
 *
 * Visibility: an RM sees only the opportunities assigned to them; a lead also
 * those of RMs of the same team; an admin everything.  Another RM's
 * opportunity asked for by id answers NOT_FOUND (not PERMISSION_DENIED) so
 * that ids do not reveal what exists; another RM's push list answers
 * PERMISSION_DENIED because the RM ids are not secret.
 */
#ifndef OPPGRAPH_SERVER_H
#define OPPGRAPH_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/oppgraph.pb-c.h"
#include "store/store.h"

enum srv_err {
  SRV_OK = 0,
  SRV_EINVAL = -1,    /* bad argument: config, page size, page token */
  SRV_ENOTFOUND = -2, /* no such RM / token */
  SRV_ESTORE = -3,    /* the store failed; the log line says how */
  SRV_ECRYPTO = -4,   /* libcrypto could not give random bytes or a hash */
  SRV_EAUTH = -5,     /* token malformed, unknown, revoked or wrong */
  SRV_EBIND = -6,     /* cannot listen on the configured address */
  SRV_ETLS = -7,      /* TLS certificate or key unreadable */
  SRV_ESYS = -8,      /* a system call (threads, signals) failed */
  SRV_ENOSPC = -9,    /* caller's output buffer too small */
  SRV_EPERM = -10,    /* the caller may not see that RM's data */
  SRV_EBUSY = -11,    /* the writer lock is taken: try again later */
};

const char *srv_strerror(int err);

#define SRV_DEFAULT_THREADS 2
#define SRV_DEFAULT_MAX_MESSAGE (4u << 20)
#define SRV_PAGE_DEFAULT 20
#define SRV_PAGE_MAX 200
/* "<12 hex token id>.<64 hex secret>" and its NUL */
#define SRV_TOKEN_ID_LEN 12
#define SRV_TOKEN_LEN (SRV_TOKEN_ID_LEN + 1 + 64)

typedef struct srv_config {
  const char *listen;   /* "HOST:PORT"; port 0 picks a free one */
  int threads;          /* completion-queue threads, >= 2 */
  size_t max_message;   /* bytes, both directions */
  const char *tls_cert; /* PEM certificate chain file, or NULL */
  const char *tls_key;  /* PEM private key file, or NULL (both or neither) */
  const char *tls_client_ca; /* PEM CA file: clients must present a
                                certificate signed by it (NULL = no) */
  const char *data_dir;    /* rules, dictionaries, product matrix, kb synonyms;
                              NULL = "data" */
  bool read_only;          /* a replica: RecordFeedback / SubmitDocuments answer
                              FAILED_PRECONDITION */
  double rate_limit;       /* calls a second per token; 0 = unlimited */
  double rate_burst;       /* calls allowed at once; 0 = max(1, rate_limit) */
  int log_level;           /* 0 errors only, 1 + a line per call (default) */
  bool require_deadline;   /* calls without a deadline: INVALID_ARGUMENT */
  bool no_kb_warm;         /* skip reading the KB index once at start-up
                              (store_kb_warm) */
  const char *config_path; /* re-read on SIGHUP (rate limits, log level) */
  unsigned from_flags;     /* SRV_SET_* bits of fields set on the command line:
                              a reload keeps those */
  char *owned[16];         /* strings srv_config_load allocated */
  size_t nowned;
} srv_config;

#define SRV_SET_RATE 1u
#define SRV_SET_BURST 2u
#define SRV_SET_LOG 4u

/* Reads a "key = value" file ('#' starts a comment) into cfg, over what is
 * there.  Keys: listen, threads, max_message, tls_cert, tls_key,
 * tls_client_ca, data_dir, read_only, rate_limit, rate_burst, log_level,
 * require_deadline, kb_warm.  SRV_EINVAL with err = "FILE:LINE: what is
 * wrong". */
int srv_config_load(srv_config *cfg, const char *path, char *err,
                    size_t errlen);
/* Frees the strings srv_config_load allocated. */
void srv_config_destroy(srv_config *cfg);

/* Defaults: 127.0.0.1:50051, 2 threads, 4 MiB messages, no TLS. */
void srv_config_init(srv_config *cfg);

/* Serves st until SIGINT or SIGTERM, then stops accepting calls, ends
 * streams with status OK, lets calls in flight finish (cancels what is left
 * after a few seconds), drains and returns 0.  SIGHUP re-reads
 * cfg->config_path (rate limits and log level).  Prints
 * "oppgraph: listening on HOST:PORT" on stderr once bound (the real port when
 * port 0 was asked for) and one line per call: request id, method, RM,
 * status, latency.  st must stay open until it returns. */
int srv_run(store *st, const srv_config *cfg);

/* ---- tokens -------------------------------------------------------------- */

/* Issues a token for an existing RM (SRV_ENOTFOUND otherwise) and writes it,
 * NUL-terminated, to out (outlen >= SRV_TOKEN_LEN + 1).  The secret is shown
 * only here: the store keeps its salted hash. */
int srv_token_issue(store *st, const char *rm_id, char *out, size_t outlen);
/* Marks a token revoked (SRV_ENOTFOUND when no such id). */
int srv_token_revoke(store *st, const char *token_id);
/* Checks a full token against the store; on success *rm_out is the token's RM
 * (free with oppgraph__v1__rm__free_unpacked).  Malformed, unknown, revoked or
 * wrong secret: SRV_EAUTH.  rm_out may be NULL. */
int srv_token_verify(store_txn *txn, const char *token,
                     Oppgraph__V1__Rm **rm_out);

/* ---- push lists ---------------------------------------------------------- */

/* May `caller` read the push list (or opportunities) of RM `target_id`?
 * 0 yes; SRV_EPERM no; SRV_ENOTFOUND no such RM (only told to admins and
 * leads — a plain RM gets SRV_EPERM either way). */
int srv_may_read(store_txn *txn, const Oppgraph__V1__Rm *caller,
                 const char *target_id);

/* One page of rm_id's push list, best score first: its open opportunities
 * (new, pushed, accepted; expired, rejected and won ones are skipped and not
 * counted in total -- ListPushList's status filter still finds them).
 * page_token is "" (or
 * NULL) for the first page, else the next_page_token of the previous page;
 * page_size 0 means SRV_PAGE_DEFAULT, above SRV_PAGE_MAX is SRV_EINVAL, and
 * so is a page token that is not 32 hex digits.  *out is the caller's: free
 * with srv_push_page_free. */
int srv_push_page(store_txn *txn, const char *rm_id, const char *page_token,
                  int page_size, Oppgraph__V1__ListPushListResponse **out);
void srv_push_page_free(Oppgraph__V1__ListPushListResponse *resp);
/* The same page with ListPushList's filters (status, type, product, risk,
 * created_after/before; page_token and page_size as in the request), read
 * exactly as the gRPC handler reads it: a status filter finds closed
 * (rejected, won, expired) opportunities the plain push list skips. */
int srv_push_page_where(store_txn *txn, const char *rm_id,
                        const Oppgraph__V1__ListPushListRequest *filter,
                        Oppgraph__V1__ListPushListResponse **out);

#endif
