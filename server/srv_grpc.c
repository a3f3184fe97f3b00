/*
 * srv_grpc.c — the gRPC C-core plumbing: server set-up, the completion-queue
 * threads, the per-call state machine, logging, and shutdown on a signal.
 *
 * It knows nothing of opportunities: it serves the table srv_methods
 * (server_internal.h), decoding each request with the table's protobuf-c
 * descriptor and sending whatever the handler put in its srv_reply.
 *
 * One completion queue, N threads blocked in grpc_completion_queue_next.
 * Every tag is a srv_call (or the one shutdown tag) whose first member says
 * what completed:
 *
 *   REQUEST  an armed grpc_server_request_registered_call delivered a call:
 *            re-arm the method at once (so one request per method is always
 *            waiting), run the handler in this thread, start one batch with
 *            initial metadata, message (when OK), status and close; -> REPLY
 *   REPLY    the batch is done: log the call, free everything.
 *   SHUTDOWN grpc_server_shutdown_and_notify finished: shut the queue down;
 *            the threads drain it and leave on GRPC_QUEUE_SHUTDOWN.
 *
 * Signals: SIGINT and SIGTERM are blocked in every thread (before grpc_init,
 * so gRPC's own threads inherit the mask) and read from a signalfd by the
 * thread that called srv_run; that is the only place shutdown starts, so no
 * work happens in a signal handler.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>

#include "server/server_internal.h"

#define SRV_MAX_THREADS 256
#define SRV_MAX_TOKEN 512

typedef enum srv_tag_kind {
  SRV_TAG_REQUEST,
  SRV_TAG_REPLY,
  SRV_TAG_SHUTDOWN,
} srv_tag_kind;

typedef struct srv_server {
  grpc_server *server;
  grpc_completion_queue *cq;
  void *handles[16]; /* registered-method handles, parallel to srv_methods */
  store *st;
  atomic_uint_fast64_t next_req_id;
  atomic_bool stopping;
  srv_tag_kind shutdown_tag; /* its address is the shutdown tag */
} srv_server;

typedef struct srv_call {
  srv_tag_kind kind; /* first: the tag's state */
  srv_server *srv;
  size_t method;
  grpc_call *call;
  gpr_timespec deadline;
  grpc_metadata_array md;
  grpc_byte_buffer *payload;
  grpc_byte_buffer *resp;
  grpc_slice details;
  int cancelled;
  uint64_t req_id;
  struct timespec t0;
  srv_reply rep;
  bool generic; /* an unregistered method: answer UNIMPLEMENTED */
  grpc_call_details call_details; /* generic calls only: which method */
  char path[128];                 /* the method, for the log */
} srv_call;

#define SRV_GENERIC ((size_t)-1)

void srv_config_init(srv_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->listen = "127.0.0.1:50051";
  cfg->threads = SRV_DEFAULT_THREADS;
  cfg->max_message = SRV_DEFAULT_MAX_MESSAGE;
}

static const char *srv_status_name(int st) {
  switch (st) {
  case SRV_ST_OK:
    return "OK";
  case SRV_ST_INVALID_ARGUMENT:
    return "INVALID_ARGUMENT";
  case SRV_ST_DEADLINE_EXCEEDED:
    return "DEADLINE_EXCEEDED";
  case SRV_ST_NOT_FOUND:
    return "NOT_FOUND";
  case SRV_ST_PERMISSION_DENIED:
    return "PERMISSION_DENIED";
  case SRV_ST_RESOURCE_EXHAUSTED:
    return "RESOURCE_EXHAUSTED";
  case SRV_ST_UNIMPLEMENTED:
    return "UNIMPLEMENTED";
  case SRV_ST_INTERNAL:
    return "INTERNAL";
  case SRV_ST_UNAUTHENTICATED:
    return "UNAUTHENTICATED";
  default:
    return "OTHER";
  }
}

static void srv_call_free(srv_call *c) {
  if (c->generic)
    grpc_call_details_destroy(&c->call_details);
  grpc_metadata_array_destroy(&c->md);
  if (c->payload)
    grpc_byte_buffer_destroy(c->payload);
  if (c->resp)
    grpc_byte_buffer_destroy(c->resp);
  grpc_slice_unref(c->details);
  free(c->rep.msg);
  if (c->call)
    grpc_call_unref(c->call);
  free(c);
}

/* Keeps one request of method i (SRV_GENERIC: any unregistered method)
 * waiting.  Fails quietly once stopping: the server refuses new requests then
 * and that is what we want.  gRPC core leaves calls to unregistered methods
 * pending until someone asks for them, so the generic request is what turns
 * them into UNIMPLEMENTED instead of a client-side timeout. */
static void srv_arm(srv_server *s, size_t i) {
  if (atomic_load(&s->stopping))
    return;
  const char *what =
      i == SRV_GENERIC ? "unregistered methods" : srv_methods[i].path;
  srv_call *c = calloc(1, sizeof *c);
  if (!c) {
    fprintf(stderr, "oppgraph: out of memory: %s no longer answered\n", what);
    return;
  }
  c->kind = SRV_TAG_REQUEST;
  c->srv = s;
  c->method = i;
  c->details = grpc_empty_slice();
  grpc_metadata_array_init(&c->md);
  grpc_call_error e;
  if (i == SRV_GENERIC) {
    c->generic = true;
    grpc_call_details_init(&c->call_details);
    e = grpc_server_request_call(s->server, &c->call, &c->call_details, &c->md,
                                 s->cq, s->cq, c);
  } else {
    snprintf(c->path, sizeof c->path, "%s", srv_methods[i].path);
    e = grpc_server_request_registered_call(s->server, s->handles[i], &c->call,
                                            &c->deadline, &c->md, &c->payload,
                                            s->cq, s->cq, c);
  }
  if (e != GRPC_CALL_OK) {
    if (!atomic_load(&s->stopping))
      fprintf(stderr, "oppgraph: cannot arm %s: %s\n", what,
              grpc_call_error_to_string(e));
    srv_call_free(c);
  }
}

/* The bearer token of the call, malloc'd, or NULL when absent/malformed. */
static char *srv_bearer(const grpc_metadata_array *md) {
  for (size_t i = 0; i < md->count; i++) {
    if (grpc_slice_str_cmp(md->metadata[i].key, "authorization"))
      continue;
    const char *v = (const char *)GRPC_SLICE_START_PTR(md->metadata[i].value);
    size_t n = GRPC_SLICE_LENGTH(md->metadata[i].value);
    if (n < 7 || strncasecmp(v, "Bearer ", 7))
      return NULL;
    v += 7;
    n -= 7;
    while (n && *v == ' ')
      v++, n--;
    if (!n || n > SRV_MAX_TOKEN)
      return NULL;
    char *tok = malloc(n + 1);
    if (!tok)
      return NULL;
    memcpy(tok, v, n);
    tok[n] = '\0';
    return tok;
  }
  return NULL;
}

/* Decodes the request, runs the handler, fills c->rep. */
static void srv_dispatch(srv_call *c) {
  const srv_method *m = &srv_methods[c->method];
  srv_reply *rep = &c->rep;
  if (gpr_time_cmp(gpr_convert_clock_type(c->deadline, GPR_CLOCK_MONOTONIC),
                   gpr_now(GPR_CLOCK_MONOTONIC)) < 0) {
    srv_reply_error(rep, SRV_ST_DEADLINE_EXCEEDED,
                    "the deadline passed before the call was handled");
    return;
  }
  if (!c->payload) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "%s: the call carried no request message", m->path);
    return;
  }
  grpc_byte_buffer_reader rd;
  if (!grpc_byte_buffer_reader_init(&rd, c->payload)) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "%s: cannot read the request (unsupported compression?)",
                    m->path);
    return;
  }
  grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
  grpc_byte_buffer_reader_destroy(&rd);
  ProtobufCMessage *req = protobuf_c_message_unpack(
      m->req_desc, NULL, GRPC_SLICE_LENGTH(all), GRPC_SLICE_START_PTR(all));
  grpc_slice_unref(all);
  if (!req) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "%s: the request does not decode as %s", m->path,
                    m->req_desc->name);
    return;
  }
  char *bearer = srv_bearer(&c->md);
  srv_ctx ctx = {.st = c->srv->st, .bearer = bearer};
  m->fn(&ctx, req, rep);
  if (bearer) {
    memset(bearer, 0, strlen(bearer));
    free(bearer);
  }
  protobuf_c_message_free_unpacked(req, NULL);
}

static void srv_on_request(srv_call *c) {
  clock_gettime(CLOCK_MONOTONIC, &c->t0);
  c->req_id = atomic_fetch_add(&c->srv->next_req_id, 1) + 1;
  srv_arm(c->srv, c->method);
  if (c->generic) {
    size_t n = GRPC_SLICE_LENGTH(c->call_details.method);
    if (n >= sizeof c->path)
      n = sizeof c->path - 1;
    memcpy(c->path, GRPC_SLICE_START_PTR(c->call_details.method), n);
    c->path[n] = '\0';
    srv_reply_error(&c->rep, SRV_ST_UNIMPLEMENTED,
                    "method %s is not served here; see proto/oppgraph.proto",
                    c->path);
  } else {
    srv_dispatch(c);
  }

  grpc_op ops[4];
  size_t n = 0;
  memset(ops, 0, sizeof ops);
  ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[n++].data.send_initial_metadata.count = 0;
  if (c->rep.status == SRV_ST_OK) {
    grpc_slice s =
        grpc_slice_from_copied_buffer((const char *)c->rep.msg, c->rep.len);
    c->resp = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    ops[n].op = GRPC_OP_SEND_MESSAGE;
    ops[n++].data.send_message.send_message = c->resp;
  }
  c->details = grpc_slice_from_copied_string(c->rep.details);
  ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  ops[n].data.send_status_from_server.trailing_metadata_count = 0;
  ops[n].data.send_status_from_server.status = (grpc_status_code)c->rep.status;
  ops[n++].data.send_status_from_server.status_details =
      c->rep.status == SRV_ST_OK ? NULL : &c->details;
  ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  ops[n++].data.recv_close_on_server.cancelled = &c->cancelled;
  c->kind = SRV_TAG_REPLY;
  grpc_call_error e = grpc_call_start_batch(c->call, ops, n, c, NULL);
  if (e != GRPC_CALL_OK) {
    fprintf(stderr, "oppgraph: req=%" PRIu64 " %s: cannot send the reply: %s\n",
            c->req_id, c->path, grpc_call_error_to_string(e));
    srv_call_free(c);
  }
}

static void srv_on_reply(srv_call *c, int ok) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long us = (long)((t1.tv_sec - c->t0.tv_sec) * 1000000L +
                   (t1.tv_nsec - c->t0.tv_nsec) / 1000L);
  /* One fprintf per line: stdio locks the stream, so lines of different
   * threads do not interleave.  The token is never part of it. */
  fprintf(stderr,
          "oppgraph: req=%" PRIu64
          " method=%s rm=%s status=%s latency_us=%ld%s\n",
          c->req_id, c->path, c->rep.rm_id[0] ? c->rep.rm_id : "-",
          srv_status_name(c->rep.status), us,
          !ok || c->cancelled ? " (cancelled by client or shutdown)" : "");
  srv_call_free(c);
}

static void *srv_worker(void *arg) {
  srv_server *s = arg;
  for (;;) {
    grpc_event ev = grpc_completion_queue_next(
        s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (ev.type == GRPC_QUEUE_SHUTDOWN)
      break;
    if (ev.type != GRPC_OP_COMPLETE)
      continue;
    srv_tag_kind *kind = ev.tag;
    switch (*kind) {
    case SRV_TAG_SHUTDOWN:
      grpc_completion_queue_shutdown(s->cq);
      break;
    case SRV_TAG_REQUEST:
      if (ev.success)
        srv_on_request((srv_call *)kind);
      else /* the server is shutting down: the armed request is returned */
        srv_call_free((srv_call *)kind);
      break;
    case SRV_TAG_REPLY:
      srv_on_reply((srv_call *)kind, ev.success);
      break;
    }
  }
  return NULL;
}

static char *srv_read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len + 4096 + 1 > cap) {
      cap = cap ? 2 * cap : 8192;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    size_t r = fread(buf + len, 1, 4096, f);
    len += r;
    if (r < 4096)
      break;
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    free(buf);
    return NULL;
  }
  buf[len] = '\0';
  return buf;
}

static int srv_credentials(const srv_config *cfg,
                           grpc_server_credentials **out) {
  *out = NULL;
  if (!cfg->tls_cert && !cfg->tls_key) {
    *out = grpc_insecure_server_credentials_create();
    return SRV_OK;
  }
  if (!cfg->tls_cert || !cfg->tls_key) {
    fprintf(stderr, "oppgraph: TLS needs both a certificate and a key file\n");
    return SRV_EINVAL;
  }
  char *cert = srv_read_file(cfg->tls_cert), *key = NULL;
  if (!cert) {
    fprintf(stderr, "oppgraph: cannot read TLS certificate %s: %s\n",
            cfg->tls_cert, strerror(errno));
    return SRV_ETLS;
  }
  key = srv_read_file(cfg->tls_key);
  if (!key) {
    fprintf(stderr, "oppgraph: cannot read TLS key %s: %s\n", cfg->tls_key,
            strerror(errno));
    free(cert);
    return SRV_ETLS;
  }
  grpc_ssl_pem_key_cert_pair pair = {.private_key = key, .cert_chain = cert};
  *out = grpc_ssl_server_credentials_create_ex(
      NULL, &pair, 1, GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE, NULL);
  /* gRPC copies the PEM strings. */
  memset(key, 0, strlen(key));
  free(key);
  free(cert);
  if (!*out) {
    fprintf(stderr, "oppgraph: gRPC rejected TLS certificate %s / key %s\n",
            cfg->tls_cert, cfg->tls_key);
    return SRV_ETLS;
  }
  return SRV_OK;
}

/* "HOST:PORT" with the port replaced by the bound one. */
static void srv_print_listening(const char *listen, int port) {
  const char *colon = strrchr(listen, ':');
  int hostlen = colon ? (int)(colon - listen) : (int)strlen(listen);
  fprintf(stderr, "oppgraph: listening on %.*s:%d\n", hostlen, listen, port);
  fflush(stderr);
}

/* Blocks until SIGINT or SIGTERM arrives on fd. */
static void srv_wait_signal(int fd) {
  struct signalfd_siginfo si;
  for (;;) {
    ssize_t r = read(fd, &si, sizeof si);
    if (r == (ssize_t)sizeof si) {
      fprintf(stderr, "oppgraph: %s received, draining calls\n",
              si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
      return;
    }
    if (r < 0 && errno == EINTR)
      continue;
    fprintf(stderr,
            "oppgraph: reading the signal descriptor failed: %s; stopping\n",
            r < 0 ? strerror(errno) : "short read");
    return;
  }
}

int srv_run(store *st, const srv_config *cfg) {
  if (!st || !cfg || !cfg->listen || !*cfg->listen)
    return SRV_EINVAL;
  if (cfg->threads < 2 || cfg->threads > SRV_MAX_THREADS) {
    fprintf(stderr, "oppgraph: --threads %d: use 2..%d\n", cfg->threads,
            SRV_MAX_THREADS);
    return SRV_EINVAL;
  }
  if (srv_methods_len > sizeof((srv_server *)0)->handles / sizeof(void *))
    return SRV_EINVAL;

  sigset_t sigs, old;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &sigs, &old))
    return SRV_ESYS;
  int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
  if (sfd < 0) {
    fprintf(stderr, "oppgraph: signalfd: %s\n", strerror(errno));
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return SRV_ESYS;
  }

  grpc_init();
  srv_server s;
  memset(&s, 0, sizeof s);
  s.st = st;
  atomic_init(&s.next_req_id, 0);
  atomic_init(&s.stopping, false);
  s.shutdown_tag = SRV_TAG_SHUTDOWN;

  size_t maxmsg = cfg->max_message ? cfg->max_message : SRV_DEFAULT_MAX_MESSAGE;
  if (maxmsg > 0x7fffffff)
    maxmsg = 0x7fffffff;
  /* No SO_REUSEPORT: a second server on a busy port must fail, not share it. */
  grpc_arg args[3] = {
      {.type = GRPC_ARG_INTEGER,
       .key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
       .value.integer = (int)maxmsg},
      {.type = GRPC_ARG_INTEGER,
       .key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH,
       .value.integer = (int)maxmsg},
      {.type = GRPC_ARG_INTEGER,
       .key = GRPC_ARG_ALLOW_REUSEPORT,
       .value.integer = 0},
  };
  grpc_channel_args chargs = {.num_args = 3, .args = args};
  s.cq = grpc_completion_queue_create_for_next(NULL);
  s.server = grpc_server_create(&chargs, NULL);
  for (size_t i = 0; i < srv_methods_len; i++)
    s.handles[i] = grpc_server_register_method(
        s.server, srv_methods[i].path, NULL,
        GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
  grpc_server_register_completion_queue(s.server, s.cq, NULL);

  grpc_server_credentials *creds = NULL;
  int rc = srv_credentials(cfg, &creds);
  int port = 0;
  if (rc == SRV_OK) {
    port = grpc_server_add_http2_port(s.server, cfg->listen, creds);
    grpc_server_credentials_release(creds);
    if (port <= 0) {
      fprintf(stderr,
              "oppgraph: cannot listen on %s (address in use or invalid)\n",
              cfg->listen);
      rc = SRV_EBIND;
    }
  }
  if (rc) {
    /* Never started: destroying needs no shutdown of calls. */
    grpc_server_destroy(s.server);
    grpc_completion_queue_shutdown(s.cq);
    while (grpc_completion_queue_next(s.cq, gpr_inf_future(GPR_CLOCK_REALTIME),
                                      NULL)
               .type != GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(s.cq);
    grpc_shutdown();
    close(sfd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
  }
  grpc_server_start(s.server);
  for (size_t i = 0; i < srv_methods_len; i++)
    srv_arm(&s, i);
  srv_arm(&s, SRV_GENERIC);
  srv_print_listening(cfg->listen, port);

  pthread_t tids[SRV_MAX_THREADS];
  int started = 0;
  for (; started < cfg->threads; started++)
    if (pthread_create(&tids[started], NULL, srv_worker, &s))
      break;
  if (started == 0) {
    fprintf(stderr, "oppgraph: cannot start any completion-queue thread\n");
    rc = SRV_ESYS;
  } else {
    if (started < cfg->threads)
      fprintf(stderr, "oppgraph: only %d of %d threads started\n", started,
              cfg->threads);
    srv_wait_signal(sfd);
  }

  atomic_store(&s.stopping, true);
  grpc_server_shutdown_and_notify(s.server, s.cq, &s.shutdown_tag);
  grpc_server_cancel_all_calls(s.server);
  if (started == 0) /* nobody drains: do it here */
    srv_worker(&s);
  for (int i = 0; i < started; i++)
    pthread_join(tids[i], NULL);
  grpc_server_destroy(s.server);
  grpc_completion_queue_destroy(s.cq);
  grpc_shutdown();
  close(sfd);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc == SRV_OK)
    fprintf(stderr, "oppgraph: server stopped cleanly\n");
  return rc;
}
