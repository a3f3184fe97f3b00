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
 * Server-streaming calls (StreamOpportunities, Health/Watch) have two tags:
 * the call itself for its one batch in flight (START: initial metadata and
 * the request; SEND: one message; STATUS: the closing status) and close_tag
 * for RECV_CLOSE_ON_SERVER, which completes when the client goes away or
 * after the status.  c->mu guards the flags; a call is freed once its close
 * completed and no batch is in flight.  That is decided in the same
 * critical section that changes the flags (srv_stream_last_locked), and a
 * handler touches c after unlocking only when it decided to free it: once
 * its mutex is released, the completion of a batch it started (or of the
 * close) may free c on another thread at any moment.  Idle streams sit in a
 * list; after every committed write srv_notify "pumps" each one
 * (srv_stream_next in srv_stream.c decides what to send), and every completed
 * send pumps its own call again, so one SEND_MESSAGE is in flight per call at
 * most.  Lock order: streams_mu, then a call's mu.
 *
 * Bidirectional calls (reflection) alternate: receive a request, answer it
 * together with the next receive, until the client half-closes.
 *
 * Shutdown: stop arming, pump every stream once more with stopping set (they
 * send their status, Watch says NOT_SERVING first), shut the server down and
 * give calls in flight a grace period before cancelling what is left.
 *
 * Signals: SIGINT and SIGTERM are blocked in every thread (before grpc_init,
 * so gRPC's own threads inherit the mask) and read from a signalfd by the
 * thread that called srv_run; that is the only place shutdown starts, so no
 * work happens in a signal handler.  Between signals that thread is the
 * store watcher: every SRV_WATCH_MS it compares the store's last commit id
 * with the last it saw, and a commit of another process (CLI ingest, token
 * revoke) wakes the streams; that commit logged its pushes itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
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

#define SRV_GRACE_SECONDS 5
/* How often the store watcher looks for commits of other processes: streams
 * see a CLI ingest or token revoke within this. */
#define SRV_WATCH_MS 20

typedef enum srv_tag_kind {
  SRV_TAG_REQUEST,
  SRV_TAG_REPLY,
  SRV_TAG_SHUTDOWN,
  SRV_TAG_STREAM_START,
  SRV_TAG_STREAM_SEND,
  SRV_TAG_STREAM_STATUS,
  SRV_TAG_STREAM_CLOSE,
  SRV_TAG_BIDI_RECV,
} srv_tag_kind;

typedef struct srv_call srv_call;

typedef struct srv_server {
  grpc_server *server;
  grpc_completion_queue *cq;
  void *handles[32]; /* registered-method handles, parallel to srv_methods */
  store *st;
  srv_app *app;
  const srv_config *cfg;
  atomic_uint_fast64_t next_req_id;
  atomic_bool stopping;
  atomic_int log_level;
  bool require_deadline;
  srv_tag_kind shutdown_tag; /* its address is the shutdown tag */
  pthread_mutex_t streams_mu;
  srv_call *streams; /* open server-streaming calls */
  size_t nstreams;
  pthread_mutex_t done_mu;
  pthread_cond_t done_cv;
  bool shutdown_done;
  uint64_t seen_txn; /* the store watcher's last commit id (signal thread) */
} srv_server;

struct srv_call {
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
  /* streaming and bidirectional calls */
  srv_tag_kind close_tag; /* its address is the RECV_CLOSE_ON_SERVER tag */
  pthread_mutex_t mu;
  bool streaming, in_flight, close_done, status_sent, dead, freed;
  grpc_byte_buffer *recv_buf;
  srv_sub sub;
  size_t sent;
  srv_call *prev, *next;
  bool listed;
  char *bearer; /* bidi calls: kept for every request of the call */
};

#define SRV_GENERIC ((size_t)-1)

void srv_config_init(srv_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->listen = "127.0.0.1:50051";
  cfg->threads = SRV_DEFAULT_THREADS;
  cfg->max_message = SRV_DEFAULT_MAX_MESSAGE;
  cfg->log_level = 1;
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
  if (c->streaming)
    pthread_mutex_destroy(&c->mu);
  if (c->recv_buf)
    grpc_byte_buffer_destroy(c->recv_buf);
  if (c->bearer) {
    memset(c->bearer, 0, strlen(c->bearer));
    free(c->bearer);
  }
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
    c->streaming = srv_methods[i].kind != SRV_UNARY;
    if (c->streaming)
      pthread_mutex_init(&c->mu, NULL);
    c->close_tag = SRV_TAG_STREAM_CLOSE;
    e = grpc_server_request_registered_call(
        s->server, s->handles[i], &c->call, &c->deadline, &c->md,
        c->streaming ? NULL : &c->payload, s->cq, s->cq, c);
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
  if (c->srv->require_deadline &&
      gpr_time_cmp(c->deadline, gpr_inf_future(c->deadline.clock_type)) == 0) {
    srv_reply_error(rep, SRV_ST_INVALID_ARGUMENT,
                    "%s: this server requires a deadline on every call: set "
                    "a timeout in the client",
                    m->path);
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
  srv_ctx ctx = {.st = c->srv->st, .bearer = bearer, .app = c->srv->app};
  m->fn(&ctx, req, rep);
  if (bearer) {
    memset(bearer, 0, strlen(bearer));
    free(bearer);
  }
  protobuf_c_message_free_unpacked(req, NULL);
}

static void srv_stream_begin(srv_call *c);

static void srv_on_request(srv_call *c) {
  clock_gettime(CLOCK_MONOTONIC, &c->t0);
  c->req_id = atomic_fetch_add(&c->srv->next_req_id, 1) + 1;
  srv_arm(c->srv, c->method);
  if (!c->generic && c->streaming) {
    srv_stream_begin(c);
    return;
  }
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
    /* The slice takes the packed reply over: no copy of a 15 KB page. */
    grpc_slice s = grpc_slice_new(c->rep.msg, c->rep.len, free);
    c->rep.msg = NULL;
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

static long srv_elapsed_us(const srv_call *c) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (long)((t1.tv_sec - c->t0.tv_sec) * 1000000L +
                (t1.tv_nsec - c->t0.tv_nsec) / 1000L);
}

/* ---- streaming calls ------------------------------------------------------
 */

static srv_call *srv_of_close_tag(srv_tag_kind *k) {
  return (srv_call *)((char *)k - offsetof(srv_call, close_tag));
}

static void srv_stream_log(srv_call *c) {
  if (atomic_load(&c->srv->log_level) < 1 && c->rep.status == SRV_ST_OK)
    return;
  fprintf(stderr,
          "oppgraph: req=%" PRIu64
          " method=%s rm=%s status=%s messages=%zu duration_us=%ld%s\n",
          c->req_id, c->path, c->rep.rm_id[0] ? c->rep.rm_id : "-",
          srv_status_name(c->rep.status), c->sent, srv_elapsed_us(c),
          c->dead ? " (cancelled by client)" : "");
}

/* With c->mu held: true when the close completed and nothing is in flight,
 * i.e. no event of c can come any more and the caller, alone, must release
 * it with srv_stream_release after unlocking. */
static bool srv_stream_last_locked(srv_call *c) {
  bool f = c->close_done && !c->in_flight && !c->freed;
  if (f)
    c->freed = true;
  return f;
}

/* Unlists, logs and frees c (c->mu not held; see srv_stream_last_locked). */
static void srv_stream_release(srv_call *c) {
  srv_server *s = c->srv;
  pthread_mutex_lock(&s->streams_mu);
  if (c->listed) {
    if (c->prev)
      c->prev->next = c->next;
    else
      s->streams = c->next;
    if (c->next)
      c->next->prev = c->prev;
    s->nstreams--;
  }
  pthread_mutex_unlock(&s->streams_mu);
  srv_stream_log(c);
  srv_call_free(c);
}

/* Starts the closing status (c->mu held). */
static void srv_stream_status(srv_call *c) {
  grpc_op op;
  memset(&op, 0, sizeof op);
  grpc_slice_unref(c->details);
  c->details = grpc_slice_from_copied_string(c->rep.details);
  op.op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  op.data.send_status_from_server.status = (grpc_status_code)c->rep.status;
  op.data.send_status_from_server.status_details =
      c->rep.status == SRV_ST_OK && !c->rep.details[0] ? NULL : &c->details;
  c->kind = SRV_TAG_STREAM_STATUS;
  c->status_sent = true;
  c->in_flight = true;
  if (grpc_call_start_batch(c->call, &op, 1, c, NULL) != GRPC_CALL_OK) {
    c->in_flight = false;
    c->dead = true;
  }
}

/* Sends what c->rep holds (c->mu held); `more` adds a RECV_MESSAGE (bidi). */
static void srv_stream_send(srv_call *c, bool more) {
  grpc_slice sl =
      grpc_slice_from_copied_buffer((const char *)c->rep.msg, c->rep.len);
  if (c->resp)
    grpc_byte_buffer_destroy(c->resp);
  c->resp = grpc_raw_byte_buffer_create(&sl, 1);
  grpc_slice_unref(sl);
  free(c->rep.msg);
  c->rep.msg = NULL;
  grpc_op ops[2];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_MESSAGE;
  ops[0].data.send_message.send_message = c->resp;
  size_t n = 1;
  if (more) {
    if (c->recv_buf)
      grpc_byte_buffer_destroy(c->recv_buf);
    c->recv_buf = NULL;
    ops[1].op = GRPC_OP_RECV_MESSAGE;
    ops[1].data.recv_message.recv_message = &c->recv_buf;
    n = 2;
  }
  c->kind = more ? SRV_TAG_BIDI_RECV : SRV_TAG_STREAM_SEND;
  c->in_flight = true;
  if (grpc_call_start_batch(c->call, ops, n, c, NULL) != GRPC_CALL_OK) {
    c->in_flight = false;
    c->dead = true;
  } else {
    c->sent++;
  }
}

/* Sends the next message of an idle server stream, or its status when it
 * is finished or the server stops (c->mu held). */
static void srv_stream_pump_locked(srv_call *c, srv_push_cache *pc) {
  if (c->in_flight || c->status_sent || c->close_done || c->dead)
    return;
  bool stopping = atomic_load(&c->srv->stopping);
  srv_ctx ctx = {.st = c->srv->st, .app = c->srv->app};
  int r = srv_stream_next(&ctx, &c->sub, stopping, &c->rep, pc);
  if (r == 1) {
    srv_stream_send(c, false);
  } else if (r < 0) {
    srv_stream_status(c);
  } else if (stopping) {
    c->rep.status = SRV_ST_OK;
    snprintf(c->rep.details, sizeof c->rep.details,
             "server shutting down: reconnect with your last resume_token");
    srv_stream_status(c);
  }
}

static void srv_stream_pump(srv_call *c, srv_push_cache *pc) {
  pthread_mutex_lock(&c->mu);
  srv_stream_pump_locked(c, pc);
  pthread_mutex_unlock(&c->mu);
}

/* Wakes every open stream (after a committed write, and at shutdown). */
static void srv_notify(void *arg) {
  srv_server *s = arg;
  srv_push_cache pc = {0};
  pthread_mutex_lock(&s->streams_mu);
  for (srv_call *c = s->streams; c; c = c->next)
    srv_stream_pump(c, &pc);
  pthread_mutex_unlock(&s->streams_mu);
  srv_push_cache_destroy(&pc);
}

static void srv_stream_begin(srv_call *c) {
  grpc_op ops[2];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[1].op = GRPC_OP_RECV_MESSAGE;
  ops[1].data.recv_message.recv_message = &c->recv_buf;
  pthread_mutex_lock(&c->mu);
  c->kind = srv_methods[c->method].kind == SRV_BIDI ? SRV_TAG_BIDI_RECV
                                                    : SRV_TAG_STREAM_START;
  c->in_flight = true;
  grpc_call_error e = grpc_call_start_batch(c->call, ops, 2, c, NULL);
  grpc_op close;
  memset(&close, 0, sizeof close);
  close.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  close.data.recv_close_on_server.cancelled = &c->cancelled;
  grpc_call_error e2 =
      e == GRPC_CALL_OK
          ? grpc_call_start_batch(c->call, &close, 1, &c->close_tag, NULL)
          : e;
  pthread_mutex_unlock(&c->mu);
  if (e != GRPC_CALL_OK || e2 != GRPC_CALL_OK) {
    fprintf(stderr, "oppgraph: req=%" PRIu64 " %s: cannot start: %s\n",
            c->req_id, c->path, grpc_call_error_to_string(e ? e : e2));
    /* The first batch may be in flight; without the close tag nobody
     * would free the call: cancel it and let the batch complete. */
    grpc_call_cancel(c->call, NULL);
    pthread_mutex_lock(&c->mu);
    c->close_done = true;
    if (e != GRPC_CALL_OK)
      c->in_flight = false;
    bool last = srv_stream_last_locked(c);
    pthread_mutex_unlock(&c->mu);
    if (last)
      srv_stream_release(c);
  }
}

/* Decodes the request in c->recv_buf; NULL with c->rep set on failure. */
static ProtobufCMessage *srv_stream_request(srv_call *c) {
  const srv_method *m = &srv_methods[c->method];
  grpc_byte_buffer_reader rd;
  if (!grpc_byte_buffer_reader_init(&rd, c->recv_buf)) {
    srv_reply_error(&c->rep, SRV_ST_INVALID_ARGUMENT,
                    "%s: cannot read the request", m->path);
    return NULL;
  }
  grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
  grpc_byte_buffer_reader_destroy(&rd);
  ProtobufCMessage *req = protobuf_c_message_unpack(
      m->req_desc, NULL, GRPC_SLICE_LENGTH(all), GRPC_SLICE_START_PTR(all));
  grpc_slice_unref(all);
  if (!req)
    srv_reply_error(&c->rep, SRV_ST_INVALID_ARGUMENT,
                    "%s: the request does not decode as %s", m->path,
                    m->req_desc->name);
  return req;
}

/* The request of a server stream arrived: open it, list it, first pump. */
static void srv_on_stream_start(srv_call *c, int ok) {
  pthread_mutex_lock(&c->mu);
  /* in_flight stays true until c is listed: it keeps the close (which may
   * complete meanwhile) from freeing c under us. */
  bool fail = !ok || !c->recv_buf;
  if (fail) {
    c->in_flight = false;
    c->dead = !ok;
    if (ok)
      srv_reply_error(&c->rep, SRV_ST_INVALID_ARGUMENT,
                      "%s: the call carried no request message", c->path);
    if (ok)
      srv_stream_status(c);
    bool last = srv_stream_last_locked(c);
    pthread_mutex_unlock(&c->mu);
    if (last)
      srv_stream_release(c);
    return;
  }
  ProtobufCMessage *req = srv_stream_request(c);
  int rc = -1;
  if (req) {
    char *bearer = srv_bearer(&c->md);
    srv_ctx ctx = {.st = c->srv->st, .bearer = bearer, .app = c->srv->app};
    c->sub.method = (int)c->method;
    rc = srv_stream_open(&ctx, req, &c->sub, &c->rep);
    if (bearer) {
      memset(bearer, 0, strlen(bearer));
      free(bearer);
    }
    protobuf_c_message_free_unpacked(req, NULL);
  }
  if (rc) {
    c->in_flight = false;
    srv_stream_status(c);
    bool last = srv_stream_last_locked(c);
    pthread_mutex_unlock(&c->mu);
    if (last)
      srv_stream_release(c);
    return;
  }
  pthread_mutex_unlock(&c->mu);
  srv_server *s = c->srv;
  pthread_mutex_lock(&s->streams_mu);
  c->listed = true;
  c->prev = NULL;
  c->next = s->streams;
  if (s->streams)
    s->streams->prev = c;
  s->streams = c;
  s->nstreams++;
  pthread_mutex_unlock(&s->streams_mu);
  pthread_mutex_lock(&c->mu);
  c->in_flight = false;
  srv_stream_pump_locked(c, NULL);
  bool last = srv_stream_last_locked(c);
  pthread_mutex_unlock(&c->mu);
  if (last)
    srv_stream_release(c);
}

static void srv_on_stream_sent(srv_call *c, int ok) {
  pthread_mutex_lock(&c->mu);
  c->in_flight = false;
  if (!ok)
    c->dead = true;
  else
    srv_stream_pump_locked(c, NULL);
  bool last = srv_stream_last_locked(c);
  pthread_mutex_unlock(&c->mu);
  if (last)
    srv_stream_release(c);
}

/* Bidirectional: a request arrived (or the client half-closed). */
static void srv_on_bidi_recv(srv_call *c, int ok) {
  pthread_mutex_lock(&c->mu);
  c->in_flight = false;
  if (!ok) {
    c->dead = true;
  } else if (!c->recv_buf || atomic_load(&c->srv->stopping)) {
    c->rep.status = SRV_ST_OK;
    c->rep.details[0] = '\0';
    srv_stream_status(c);
  } else {
    if (!c->bearer)
      c->bearer = srv_bearer(&c->md);
    ProtobufCMessage *req = srv_stream_request(c);
    if (req) {
      srv_ctx ctx = {.st = c->srv->st, .bearer = c->bearer, .app = c->srv->app};
      srv_methods[c->method].fn(&ctx, req, &c->rep);
      protobuf_c_message_free_unpacked(req, NULL);
    }
    if (c->rep.status == SRV_ST_OK)
      srv_stream_send(c, true);
    else
      srv_stream_status(c);
  }
  bool last = srv_stream_last_locked(c);
  pthread_mutex_unlock(&c->mu);
  if (last)
    srv_stream_release(c);
}

static void srv_on_stream_close(srv_call *c) {
  pthread_mutex_lock(&c->mu);
  c->close_done = true;
  if (c->cancelled && !c->status_sent)
    c->dead = true;
  bool last = srv_stream_last_locked(c);
  pthread_mutex_unlock(&c->mu);
  if (last)
    srv_stream_release(c);
}

static void srv_on_reply(srv_call *c, int ok) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long us = (long)((t1.tv_sec - c->t0.tv_sec) * 1000000L +
                   (t1.tv_nsec - c->t0.tv_nsec) / 1000L);
  /* One fprintf per line: stdio locks the stream, so lines of different
   * threads do not interleave.  The token is never part of it. */
  if (atomic_load(&c->srv->log_level) >= 1 || c->rep.status == SRV_ST_INTERNAL)
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
      pthread_mutex_lock(&s->done_mu);
      s->shutdown_done = true;
      pthread_cond_broadcast(&s->done_cv);
      pthread_mutex_unlock(&s->done_mu);
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
    case SRV_TAG_STREAM_START:
      srv_on_stream_start((srv_call *)kind, ev.success);
      break;
    case SRV_TAG_STREAM_SEND:
    case SRV_TAG_STREAM_STATUS:
      srv_on_stream_sent((srv_call *)kind, ev.success);
      break;
    case SRV_TAG_BIDI_RECV:
      srv_on_bidi_recv((srv_call *)kind, ev.success);
      break;
    case SRV_TAG_STREAM_CLOSE:
      srv_on_stream_close(srv_of_close_tag(kind));
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
  char *ca = NULL;
  if (cfg->tls_client_ca && !(ca = srv_read_file(cfg->tls_client_ca))) {
    fprintf(stderr, "oppgraph: cannot read client CA %s: %s\n",
            cfg->tls_client_ca, strerror(errno));
    memset(key, 0, strlen(key));
    free(key);
    free(cert);
    return SRV_ETLS;
  }
  grpc_ssl_pem_key_cert_pair pair = {.private_key = key, .cert_chain = cert};
  *out = grpc_ssl_server_credentials_create_ex(
      ca, &pair, 1,
      ca ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
         : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
      NULL);
  free(ca);
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
/* Reads the KB index once (store_kb_warm) while the server already answers:
 * a search meanwhile is only slower, and shutdown stops the walk. */
static void *srv_kb_warm(void *arg) {
  srv_server *s = arg;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  store_txn *txn;
  uint64_t bytes = 0;
  int rc = store_begin(s->st, false, &txn);
  if (!rc) {
    rc = store_kb_warm(txn, &s->stopping, &bytes);
    store_abort(txn);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
              (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  if (rc)
    fprintf(stderr, "oppgraph: kb index warm-up failed after %.0f ms: %s\n", ms,
            store_last_error());
  else if (atomic_load(&s->log_level) >= 1)
    fprintf(stderr, "oppgraph: kb index warmed: %.1f MB in %.0f ms%s\n",
            (double)bytes / 1e6, ms,
            atomic_load(&s->stopping) ? " (stopped by shutdown)" : "");
  return NULL;
}

static void srv_print_listening(const char *listen, int port) {
  const char *colon = strrchr(listen, ':');
  int hostlen = colon ? (int)(colon - listen) : (int)strlen(listen);
  fprintf(stderr, "oppgraph: listening on %.*s:%d\n", hostlen, listen, port);
  fflush(stderr);
}

/* SIGHUP: re-reads the config file and applies what may change while
 * serving (rate limits, log level), except what flags fixed. */
static void srv_reload(srv_server *s) {
  const srv_config *cfg = s->cfg;
  if (!cfg->config_path) {
    fprintf(stderr, "oppgraph: SIGHUP: no --config file to reload\n");
    return;
  }
  srv_config nc;
  srv_config_init(&nc);
  char err[512];
  if (srv_config_load(&nc, cfg->config_path, err, sizeof err)) {
    fprintf(stderr, "oppgraph: SIGHUP: %s; keeping the running settings\n",
            err);
    srv_config_destroy(&nc);
    return;
  }
  double rate =
      cfg->from_flags & SRV_SET_RATE ? cfg->rate_limit : nc.rate_limit;
  double burst =
      cfg->from_flags & SRV_SET_BURST ? cfg->rate_burst : nc.rate_burst;
  int level = cfg->from_flags & SRV_SET_LOG ? cfg->log_level : nc.log_level;
  srv_app_set_rate(s->app, rate, burst);
  atomic_store(&s->log_level, level);
  fprintf(stderr,
          "oppgraph: SIGHUP: reloaded %s: rate_limit=%g rate_burst=%g "
          "log_level=%d\n",
          cfg->config_path, rate, burst, level);
  srv_config_destroy(&nc);
}

/* The id of the last commit to the store by any process (0 on failure). */
static uint64_t srv_latest_commit(store *st) {
  store_txn *t;
  if (store_begin(st, false, &t))
    return 0;
  uint64_t id = store_txn_id(t);
  store_abort(t);
  return id;
}

/* The store watcher, run every SRV_WATCH_MS by the signal thread: a commit
 * this server did not make (a CLI ingest, a token revoke) wakes the streams,
 * which then send what the push log gained (every opportunity put logs its
 * change in its own transaction) and re-check their tokens.  Waking them
 * after an own write as well costs each stream one look at the log. */
static void srv_watch_store(srv_server *s) {
  uint64_t latest = srv_latest_commit(s->st);
  if (!latest || latest == s->seen_txn)
    return;
  s->seen_txn = latest;
  srv_notify(s);
}

/* Blocks until SIGINT or SIGTERM arrives on fd; SIGHUP reloads.  Between
 * signals, watches the store for commits of other processes. */
static void srv_wait_signal(srv_server *s, int fd) {
  struct signalfd_siginfo si;
  for (;;) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int pr = poll(&pfd, 1, SRV_WATCH_MS);
    if (pr == 0) {
      srv_watch_store(s);
      continue;
    }
    if (pr < 0 && errno == EINTR)
      continue;
    ssize_t r = read(fd, &si, sizeof si);
    if (r == (ssize_t)sizeof si) {
      if (si.ssi_signo == SIGHUP) {
        srv_reload(s);
        continue;
      }
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
  sigaddset(&sigs, SIGHUP);
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
  s.cfg = cfg;
  s.require_deadline = cfg->require_deadline;
  atomic_init(&s.log_level, cfg->log_level);
  pthread_mutex_init(&s.streams_mu, NULL);
  pthread_mutex_init(&s.done_mu, NULL);
  pthread_cond_init(&s.done_cv, NULL);
  if (srv_app_new(st, cfg, &s.app)) {
    grpc_shutdown();
    close(sfd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return SRV_ESYS;
  }
  srv_app_on_write(s.app, srv_notify, &s);
  /* The push log must cover what is stored before the first stream asks. */
  if (!cfg->read_only) {
    size_t n = 0;
    if (srv_push_sync(st, &n) == SRV_OK && n)
      fprintf(stderr,
              "oppgraph: push log: %zu opportunities of an older store "
              "logged\n",
              n);
    /* The writer's rules, dictionary and opportunity settings are loaded
     * now, not by the first write: that call (and the pushes it makes to
     * every stream) would carry the load.  A failure here is retried by the
     * first write, which then reports it to its caller. */
    char err[512];
    if (srv_app_writer_lock(s.app, err, sizeof err) == SRV_OK) {
      srv_app_writer_unlock(s.app);
      fprintf(stderr, "oppgraph: writer ready (rules, dictionary, settings)\n");
    } else {
      fprintf(stderr,
              "oppgraph: writer not ready, the first write retries: "
              "%s\n",
              err);
    }
  }
  s.seen_txn = srv_latest_commit(st);
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
        srv_methods[i].kind == SRV_UNARY
            ? GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER
            : GRPC_SRM_PAYLOAD_NONE,
        0);
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
    srv_app_free(s.app);
    close(sfd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
  }
  grpc_server_start(s.server);
  for (size_t i = 0; i < srv_methods_len; i++)
    srv_arm(&s, i);
  srv_arm(&s, SRV_GENERIC);
  srv_print_listening(cfg->listen, port);
  pthread_t warm_tid;
  bool warming =
      !cfg->no_kb_warm && !pthread_create(&warm_tid, NULL, srv_kb_warm, &s);

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
    srv_wait_signal(&s, sfd);
  }

  atomic_store(&s.stopping, true);
  grpc_server_shutdown_and_notify(s.server, s.cq, &s.shutdown_tag);
  srv_notify(&s); /* streams send their status */
  if (started > 0) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += SRV_GRACE_SECONDS;
    pthread_mutex_lock(&s.done_mu);
    while (!s.shutdown_done)
      if (pthread_cond_timedwait(&s.done_cv, &s.done_mu, &until))
        break;
    bool done = s.shutdown_done;
    pthread_mutex_unlock(&s.done_mu);
    if (!done) {
      fprintf(stderr, "oppgraph: calls still open after %ds: cancelling them\n",
              SRV_GRACE_SECONDS);
      grpc_server_cancel_all_calls(s.server);
    }
  } else {
    grpc_server_cancel_all_calls(s.server);
    srv_worker(&s); /* nobody drains: do it here */
  }
  for (int i = 0; i < started; i++)
    pthread_join(tids[i], NULL);
  if (warming)
    pthread_join(warm_tid, NULL);
  grpc_server_destroy(s.server);
  grpc_completion_queue_destroy(s.cq);
  grpc_shutdown();
  srv_app_free(s.app);
  pthread_mutex_destroy(&s.streams_mu);
  pthread_mutex_destroy(&s.done_mu);
  pthread_cond_destroy(&s.done_cv);
  close(sfd);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc == SRV_OK)
    fprintf(stderr, "oppgraph: server stopped cleanly\n");
  return rc;
}
