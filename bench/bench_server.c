/*
 * bench_server.c — load generator for the gRPC server (issue 6).
 *
 * Builds a throwaway store (one RM with 2,000 opportunities, 1,000
 * enterprises), runs srv_run() on 127.0.0.1 in a child process (so that its
 * CPU time and RSS are its own, read from /proc/PID), and drives it with a
 * gRPC C-core client:
 *
 *  - closed loop: for each method and each concurrency (1, 16, 64 calls in
 *    flight on one client thread) it keeps the calls going for a fixed time
 *    and prints QPS, p50 / p99 / p99.9 latency and the server's CPU time
 *    (user + system) per call — a figure that does not depend on what else
 *    the machine runs — next to the client's (this process) and the size
 *    of a response.  Health/Check is the empty handler: the ceiling of
 *    this server build on this machine.
 *  - open loop: each method again at a fixed rate of half its best
 *    closed-loop QPS, calls sent on a fixed schedule (up to 1,024 in
 *    flight) by a sender thread of their own; latency counts from the
 *    scheduled send time, so a server that falls behind shows its queueing
 *    (no coordinated omission), and the row prints how late the sender
 *    itself was (send lag), which is the client's share of that latency.
 *  - streams: BENCH_STREAMS StreamOpportunities subscribers of the same RM
 *    on 8 channels; BENCH_ROUNDS times one opportunity changes and every
 *    subscriber's delivery latency is taken from just before the change.
 *    Row "RecordFeedback": the change is a RecordFeedback call (the server's
 *    own write and commit).  Row "external commit": this process writes the
 *    store itself, as a CLI ingest would, and the server's store watcher
 *    must notice.  RSS is the server's VmRSS growth per 1,000 streams.
 *
 *   build/bench/bench_server [seconds per row, default 2]
 *       [--only health|list|ent] [--no-streams] [--pin] [--threads N]
 *       [--rounds N] [--rt] [--rt-server] [--open-frac F] [--open-rounds N]
 *       [--tick-us N] [--one-thread] [--opps N]
 *
 * --opps N stores N opportunities of the one RM instead of 2,000 (the
 * stream rows at a realistic store size).
 * --pin puts the server process on the last CPU and this client on CPU 0
 * (sched_setaffinity, inherited by every thread of each), so that neither
 * preempts the other; --threads sets the server's CQ threads (default: the
 * server's default); --rounds N (1-9) repeats the closed loop N times and
 * gives the ratios to the empty handler per round and their median.  Every
 * row also prints the server's voluntary context
 * switches per call (all its threads): hand-offs between threads, a figure
 * of the design that the machine's load moves little.
 *
 * Load-generator techniques for the open loop on a machine whose CPUs the
 * client shares with the server: --rt gives the sender thread real-time
 * priority (SCHED_FIFO 1, sched_setscheduler on that thread only), so that
 * it sends on schedule instead of waiting behind the other runnable threads
 * for a CFS time slice; the calls it starts are still carried by gRPC's
 * ordinary threads.  --rt-server does the same for the whole server process
 * (every thread inherits it): not a production setting, a diagnostic that
 * shows what the server's latency is when the client's threads cannot
 * preempt it.  --open-frac F runs the open loop at F of the best closed-loop
 * QPS (default 0.5, the issue's "half of maximum"), --open-rounds N repeats
 * the open-loop table N times (1-9); --tick-us N makes the sender wake on an
 * N-microsecond grid and send every call that came due in the tick (several
 * calls per wake-up; latency still counts from each call's due time);
 * --one-thread sends and drains from one thread (bench_one_thread): no
 * hand-off between client threads per call, the client's share of the two
 * CPUs smaller.
 *
 * The server's per-call log goes to a file in the store's directory (as a
 * production log would go to a file); the open-loop rows read it back for
 * the server's own latency of each call (from the moment a CQ thread took
 * the request to the completion of its reply), which splits the
 * client-observed latency.  Client and server share the
 * machine's cores, so the figures are a lower bound of what a remote client
 * sees.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>

#include "bench/lib/bench_grpc.h"
#include "grpc/health/v1/health.pb-c.h"
#include "server/server.h"
#include "store/store.h"

#define BENCH_OPPS 2000
#define BENCH_ENTS 1000
#define BENCH_MAX_INFLIGHT 64
#define BENCH_STREAMS 1000
#define BENCH_ROUNDS 20
#define BENCH_CHANNELS 8
#define BENCH_OPEN_INFLIGHT 1024

typedef struct bench_call {
  bench_unary u; /* first: the completion tag is the call */
  double sched;  /* open loop: when it was due (monotonic seconds) */
} bench_call;

typedef struct bench_run {
  grpc_channel *ch;
  grpc_completion_queue *cq;
  void *method;
  grpc_slice payload;
  grpc_metadata auth;
  pid_t server;
  double *lat; /* microseconds */
  size_t n, cap, errors;
  double cpu_us;  /* server CPU time per call of the last row */
  double cs_call; /* server voluntary context switches per call */
  double *lag;    /* open loop: microseconds each call was sent late */
  size_t nlag;
  double client_us; /* this process's (the client's) CPU time per call */
  double busy;      /* share of all CPUs busy during the row (/proc/stat) */
  size_t resp_len;  /* bytes of the last response */
  int max_inflight;
} bench_run;

/* CPU seconds (user + system) of this process: the client. */
static double bench_self_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int bench_start(bench_run *r, bench_call *c) {
  return bench_unary_start(&c->u, r->ch, r->cq, r->method, r->payload, &r->auth,
                           c);
}

/* Frees c; its latency counts from `from` (monotonic seconds) when > 0,
 * else from its start. */
static void bench_finish(bench_run *r, bench_call *c, double from) {
  grpc_status_code st = c->u.status;
  if (c->u.resp)
    r->resp_len = grpc_byte_buffer_length(c->u.resp);
  double us = bench_unary_finish(&c->u);
  if (from > 0)
    us = (bench_now() - from) * 1e6;
  if (st != GRPC_STATUS_OK)
    r->errors++;
  else if (r->n < r->cap)
    r->lat[r->n++] = us;
}

/* The per-call CPU and context-switch figures of a row that made `done`
 * calls since those readings, and its latencies sorted. */
static void bench_row_cpu(bench_run *r, double cpu0, double self0, long cs0,
                          size_t done) {
  double cpu1 = r->server ? bench_cpu_seconds(r->server) : 0;
  long cs1 = r->server ? bench_ctx_switches(r->server, 1) : 0;
  r->cpu_us = done ? (cpu1 - cpu0) * 1e6 / (double)done : 0;
  r->cs_call = done ? (double)(cs1 - cs0) / (double)done : 0;
  r->client_us = done ? (bench_self_cpu() - self0) * 1e6 / (double)done : 0;
  qsort(r->lat, r->n, sizeof *r->lat, bench_cmp_double);
}

/* Keeps `inflight` calls going for `secs`; returns calls per second. */
static double bench_row(bench_run *r, int inflight, double secs) {
  bench_call calls[BENCH_MAX_INFLIGHT];
  r->n = r->errors = 0;
  double cpu0 = r->server ? bench_cpu_seconds(r->server) : 0,
         self0 = bench_self_cpu();
  long cs0 = r->server ? bench_ctx_switches(r->server, 1) : 0;
  double t0 = bench_now(), end = t0 + secs;
  int active = 0;
  for (int i = 0; i < inflight; i++)
    if (bench_start(r, &calls[i]) == 0)
      active++;
  size_t done = 0;
  while (active > 0) {
    grpc_event ev = grpc_completion_queue_next(
        r->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (ev.type != GRPC_OP_COMPLETE)
      break;
    bench_call *c = ev.tag;
    bench_finish(r, c, 0);
    done++;
    active--;
    if (bench_now() < end && bench_start(r, c) == 0)
      active++;
  }
  double elapsed = bench_now() - t0;
  bench_row_cpu(r, cpu0, self0, cs0, done);
  return (double)done / elapsed;
}

/* The open loop's sender: a thread of its own that sleeps until each due
 * time (clock_nanosleep, absolute) and starts the call, so that draining
 * completions never delays a send.  (The first version sent from the
 * draining thread, waking from grpc_completion_queue_next with a deadline:
 * its calls went out up to 11-37 ms late at load 8, and that lateness was
 * counted as server latency.)  Calls come from a pool of
 * BENCH_OPEN_INFLIGHT; when it is empty the sender waits for a completion,
 * and the late call still counts from its due time. */
typedef struct bench_open {
  bench_run *r;
  double t0, rate, end;
  pthread_mutex_t mu;
  pthread_cond_t freed;
  bench_call **spare;
  int nspare, active;
  size_t issued, start_errors;
  bool sending; /* the sender has calls left to send */
  bool rt;      /* --rt: the sender runs SCHED_FIFO */
  double tick;  /* --tick-us: the sender wakes on this grid (s); 0: per call */
} bench_open;

/* SCHED_FIFO at the lowest real-time priority for the calling thread
 * (pid 0 of sched_setscheduler is the calling thread on Linux); the
 * kernel's real-time throttling still leaves the other threads 5 %. */
static int bench_realtime(void) {
  struct sched_param sp = {.sched_priority = 1};
  return sched_setscheduler(0, SCHED_FIFO, &sp);
}

static void *bench_sender(void *arg) {
  bench_open *o = arg;
  bench_run *r = o->r;
  if (o->rt && bench_realtime())
    fprintf(stderr, "bench_server: --rt: sched_setscheduler: %s\n",
            strerror(errno));
  for (size_t i = 0;; i++) {
    double due = o->t0 + (double)i / o->rate;
    if (due >= o->end)
      break;
    /* --tick-us: every call due within a tick goes out at its end, several
     * per wake-up; they still count from their own due time. */
    double wake =
        o->tick > 0 ? o->t0 + ceil((due - o->t0) / o->tick) * o->tick : due;
    struct timespec ts = {.tv_sec = (time_t)wake,
                          .tv_nsec =
                              (long)((wake - (double)(time_t)wake) * 1e9)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
           EINTR) {
    }
    pthread_mutex_lock(&o->mu);
    while (o->nspare == 0)
      pthread_cond_wait(&o->freed, &o->mu);
    bench_call *c = o->spare[--o->nspare];
    double now = bench_now();
    if (r->nlag < r->cap)
      r->lag[r->nlag++] = (now - due) * 1e6;
    if (++o->active > r->max_inflight)
      r->max_inflight = o->active;
    o->issued++;
    pthread_mutex_unlock(&o->mu);
    c->sched = due;
    if (bench_start(r, c)) {
      bench_unary_finish(&c->u);
      pthread_mutex_lock(&o->mu);
      o->spare[o->nspare++] = c;
      o->active--;
      o->start_errors++;
      pthread_mutex_unlock(&o->mu);
    }
  }
  pthread_mutex_lock(&o->mu);
  o->sending = false;
  pthread_mutex_unlock(&o->mu);
  return NULL;
}

/* Open loop: call i is due at t0 + i / rate, whether or not earlier calls
 * came back; latency counts from that due time.  Returns calls per second
 * completed. */
/* Waits up to `wait` seconds for a completion of the open loop and
 * records it; the call, or NULL when none came. */
static bench_call *bench_open_done(bench_run *r, double wait) {
  grpc_event ev = grpc_completion_queue_next(
      r->cq,
      gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                   gpr_time_from_micros((int64_t)(wait * 1e6), GPR_TIMESPAN)),
      NULL);
  if (ev.type != GRPC_OP_COMPLETE)
    return NULL;
  bench_call *c = ev.tag;
  bench_finish(r, c, c->sched);
  return c;
}

/* --one-thread: the open loop without a sender thread.  The thread that
 * drains the completion queue also starts each call once it is due: it
 * waits in grpc_completion_queue_next until the next due time (gRPC wakes
 * on whole milliseconds, so a call may leave up to ~1 ms late; that is
 * counted in its latency, from its due time) and, after every event,
 * first sends what has come due.  No hand-off between two client threads
 * per call.  Returns the calls completed; *lag and the in-flight counts as
 * the sender thread's. */
static size_t bench_one_thread(bench_run *r, bench_open *o) {
  size_t done = 0, i = 0;
  for (;;) {
    double now = bench_now();
    while (o->nspare > 0) {
      double due = o->t0 + (double)i / o->rate;
      if (due >= o->end || due > now)
        break;
      bench_call *c = o->spare[--o->nspare];
      if (r->nlag < r->cap)
        r->lag[r->nlag++] = (now - due) * 1e6;
      if (++o->active > r->max_inflight)
        r->max_inflight = o->active;
      o->issued++;
      i++;
      c->sched = due;
      if (bench_start(r, c)) {
        bench_unary_finish(&c->u);
        o->spare[o->nspare++] = c;
        o->active--;
        o->start_errors++;
      }
    }
    double next = o->t0 + (double)i / o->rate;
    bool sending = next < o->end;
    if (!sending && o->active == 0)
      break;
    double wait = sending && o->nspare > 0 ? next - now : 0.05;
    bench_call *c = bench_open_done(r, wait > 0 ? wait : 0);
    if (!c)
      continue;
    done++;
    o->spare[o->nspare++] = c;
    o->active--;
  }
  return done;
}

static double bench_fixed_rate(bench_run *r, double rate, double secs, bool rt,
                               double tick, bool one_thread) {
  bench_call *calls = calloc(BENCH_OPEN_INFLIGHT, sizeof *calls);
  bench_open o = {
      .r = r, .rate = rate, .sending = true, .rt = rt, .tick = tick};
  o.spare = calloc(BENCH_OPEN_INFLIGHT, sizeof *o.spare);
  pthread_mutex_init(&o.mu, NULL);
  pthread_cond_init(&o.freed, NULL);
  r->n = r->errors = 0;
  r->max_inflight = 0;
  o.nspare = BENCH_OPEN_INFLIGHT;
  for (int i = 0; i < BENCH_OPEN_INFLIGHT; i++)
    o.spare[i] = &calls[i];
  double cpu0 = r->server ? bench_cpu_seconds(r->server) : 0,
         self0 = bench_self_cpu();
  long cs0 = r->server ? bench_ctx_switches(r->server, 1) : 0;
  unsigned long long busy0 = 0, all0 = 0, busy1 = 0, all1 = 0;
  bench_machine_ticks(&busy0, &all0);
  r->nlag = 0;
  o.t0 = bench_now();
  o.end = o.t0 + secs;
  size_t done = 0;
  pthread_t tid;
  if (one_thread) {
    done = bench_one_thread(r, &o);
    o.sending = false;
  } else if (pthread_create(&tid, NULL, bench_sender, &o)) {
    fprintf(stderr, "bench_server: cannot start the open-loop sender\n");
    free(calls);
    free(o.spare);
    return 0;
  }
  for (;;) {
    pthread_mutex_lock(&o.mu);
    bool over = !o.sending && o.active == 0;
    pthread_mutex_unlock(&o.mu);
    if (over)
      break;
    /* The timeout only lets this loop see that the sender is done. */
    bench_call *c = bench_open_done(r, 0.05);
    if (!c)
      continue;
    done++;
    pthread_mutex_lock(&o.mu);
    o.spare[o.nspare++] = c;
    o.active--;
    pthread_cond_signal(&o.freed);
    pthread_mutex_unlock(&o.mu);
  }
  if (!one_thread)
    pthread_join(tid, NULL);
  double elapsed = bench_now() - o.t0;
  r->busy = bench_machine_ticks(&busy1, &all1) == 0 && all1 > all0
                ? (double)(busy1 - busy0) / (double)(all1 - all0)
                : 0;
  r->errors += o.start_errors;
  bench_row_cpu(r, cpu0, self0, cs0, done);
  qsort(r->lag, r->nlag, sizeof *r->lag, bench_cmp_double);
  pthread_mutex_destroy(&o.mu);
  pthread_cond_destroy(&o.freed);
  free(calls);
  free(o.spare);
  return (double)done / elapsed;
}

static double bench_pct(const bench_run *r, double p) {
  if (!r->n)
    return 0;
  size_t i = (size_t)(p * (double)(r->n - 1));
  return r->lat[i];
}

/* The server's own latency (latency_us of its request log) of the calls
 * to `path` logged after byte `from` of the log file: its p99 in *p99 (0
 * when none). */
static void bench_server_lat(const char *log, long from, const char *path,
                             double *p99) {
  *p99 = 0;
  FILE *f = fopen(log, "r");
  if (!f)
    return;
  if (from > 0)
    fseek(f, from, SEEK_SET);
  size_t n = 0, cap = 0;
  double *v = NULL;
  char line[512], want[160];
  snprintf(want, sizeof want, " method=%s ", path);
  while (fgets(line, sizeof line, f)) {
    const char *lat = strstr(line, " latency_us=");
    if (!lat || !strstr(line, want))
      continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 4096;
      double *nv = realloc(v, cap * sizeof *v);
      if (!nv)
        break;
      v = nv;
    }
    v[n++] = atof(lat + 12);
  }
  fclose(f);
  if (n) {
    qsort(v, n, sizeof *v, bench_cmp_double);
    *p99 = v[(size_t)(0.99 * (double)(n - 1))];
  }
  free(v);
}

/* The server process: opens the store the parent built and serves it until
 * SIGTERM.  Its per-call log goes to the file `log`. */
static pid_t bench_spawn_server(const char *dir, const char *listen,
                                const char *log, int threads, int cpu,
                                bool rt) {
  pid_t pid = fork();
  if (pid != 0)
    return pid;
  /* Before srv_run starts its threads: they inherit the CPU and policy. */
  if (cpu >= 0 && bench_pin_cpu(0, cpu))
    _exit(126);
  if (rt && bench_realtime())
    _exit(125);
  if (!freopen(log, "w", stderr))
    _exit(127);
  store *st;
  store_options so = {.map_size = 1u << 30};
  if (store_open(dir, &so, &st))
    _exit(127);
  srv_config cfg;
  srv_config_init(&cfg);
  cfg.listen = listen;
  cfg.threads = threads;
  int rc = srv_run(st, &cfg);
  store_close(st);
  _exit(rc ? 1 : 0);
}

typedef struct bench_stream {
  grpc_call *call;
  grpc_metadata_array md;
  grpc_byte_buffer *req, *msg;
  int tag_open, tag_msg; /* addresses are the tags */
  bool open;
} bench_stream;

static int bench_stream_recv(bench_stream *s) {
  grpc_op op;
  memset(&op, 0, sizeof op);
  op.op = GRPC_OP_RECV_MESSAGE;
  op.data.recv_message.recv_message = &s->msg;
  return grpc_call_start_batch(s->call, &op, 1, &s->tag_msg, NULL) ==
                 GRPC_CALL_OK
             ? 0
             : -1;
}

/* One unary RecordFeedback, waited for. */
static int bench_feedback(grpc_channel *ch, grpc_metadata *auth, uint64_t id,
                          int outcome) {
  Oppgraph__V1__RecordFeedbackRequest req =
      OPPGRAPH__V1__RECORD_FEEDBACK_REQUEST__INIT;
  req.opportunity_id = id;
  req.outcome = outcome;
  uint8_t buf[64];
  size_t n = protobuf_c_message_pack(&req.base, buf);
  return bench_unary_wait(ch, "/oppgraph.v1.OpportunityService/RecordFeedback",
                          buf, n, auth, 10, NULL, 0) == GRPC_STATUS_OK
             ? 0
             : -1;
}

/* How a streaming round changes opportunity `id`: through the server
 * (RecordFeedback) or by a commit of this process (as a CLI would). */
typedef struct bench_change {
  const char *label;
  grpc_channel *ch;
  grpc_metadata *auth;
  store *st; /* external commits: this process's handle on the store */
} bench_change;

static int bench_change_one(const bench_change *chg, uint64_t id, int round) {
  if (!chg->st)
    return bench_feedback(
        chg->ch, chg->auth, id,
        round % 2 ? OPPGRAPH__V1__FEEDBACK_OUTCOME__FEEDBACK_REJECTED
                  : OPPGRAPH__V1__FEEDBACK_OUTCOME__FEEDBACK_ACCEPTED);
  store_txn *w;
  Oppgraph__V1__Opportunity *o = NULL;
  int rc = store_begin(chg->st, true, &w);
  if (!rc && !(rc = store_opp_get(w, id, &o))) {
    o->updated_at = (int64_t)time(NULL) + 1000 + round;
    rc = store_opp_put(w, o);
    oppgraph__v1__opportunity__free_unpacked(o, NULL);
  }
  if (rc) {
    store_abort(w);
    return -1;
  }
  return store_commit(w) ? -1 : 0;
}

/* One streaming row (table header printed by the caller). */
static void bench_streams(const char *listen, grpc_metadata *auth, pid_t server,
                          const bench_change *chg) {
  long rss0 = bench_status_kb(server, "VmRSS:");
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  grpc_channel *ch[BENCH_CHANNELS];
  for (int i = 0; i < BENCH_CHANNELS; i++)
    ch[i] = grpc_channel_create(listen, creds, NULL);
  grpc_channel_credentials_release(creds);
  grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
  bench_stream *ss = calloc(BENCH_STREAMS, sizeof *ss);
  double *lat = malloc(BENCH_STREAMS * BENCH_ROUNDS * sizeof *lat);
  size_t nlat = 0, errors = 0;
  grpc_slice path = grpc_slice_from_static_string(
      "/oppgraph.v1.OpportunityService/StreamOpportunities");
  uint8_t empty = 0; /* StreamOpportunitiesRequest{}: from now on */
  int opened = 0;
  for (int i = 0; i < BENCH_STREAMS; i++) {
    bench_stream *s = &ss[i];
    grpc_metadata_array_init(&s->md);
    s->call = grpc_channel_create_call(
        ch[i % BENCH_CHANNELS], NULL, GRPC_PROPAGATE_DEFAULTS, cq, path, NULL,
        gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    grpc_slice sl = grpc_slice_from_copied_buffer((const char *)&empty, 0);
    s->req = grpc_raw_byte_buffer_create(&sl, 1);
    grpc_slice_unref(sl);
    grpc_op ops[4];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = 1;
    ops[0].data.send_initial_metadata.metadata = auth;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = s->req;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &s->md;
    if (grpc_call_start_batch(s->call, ops, 4, &s->tag_open, NULL) ==
            GRPC_CALL_OK &&
        bench_stream_recv(s) == 0)
      s->open = true;
  }
  /* The server sends initial metadata once it has the request. */
  while (opened < BENCH_STREAMS) {
    grpc_event ev = grpc_completion_queue_next(
        cq,
        gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                     gpr_time_from_seconds(10, GPR_TIMESPAN)),
        NULL);
    if (ev.type != GRPC_OP_COMPLETE)
      break;
    opened++;
  }
  usleep(300000); /* the server lists a stream right after that */
  long rss1 = bench_status_kb(server, "VmRSS:");
  /* The first round also pays for the server's first write (RecordFeedback
   * loads rules, dictionary and product matrix then): its slowest delivery
   * is printed apart. */
  double first_max = 0, cpu0 = bench_cpu_seconds(server);
  for (int round = 0; round < BENCH_ROUNDS; round++) {
    double t0 = bench_now();
    bench_change c = *chg;
    c.ch = ch[0];
    c.auth = auth;
    if (bench_change_one(&c, (uint64_t)round + 1, round)) {
      errors++;
      continue;
    }
    int got = 0;
    while (got < opened) {
      grpc_event ev = grpc_completion_queue_next(
          cq,
          gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                       gpr_time_from_seconds(5, GPR_TIMESPAN)),
          NULL);
      if (ev.type != GRPC_OP_COMPLETE) {
        errors += (size_t)(opened - got);
        break;
      }
      bench_stream *s =
          (bench_stream *)((char *)ev.tag - offsetof(bench_stream, tag_msg));
      if (!ev.success || !s->msg) {
        errors++;
        continue;
      }
      lat[nlat++] = (bench_now() - t0) * 1e6;
      if (round == 0 && lat[nlat - 1] > first_max)
        first_max = lat[nlat - 1];
      grpc_byte_buffer_destroy(s->msg);
      s->msg = NULL;
      got++;
      if (bench_stream_recv(s))
        errors++;
    }
  }
  double cpu_us =
      nlat ? (bench_cpu_seconds(server) - cpu0) * 1e6 / (double)nlat : 0;
  qsort(lat, nlat, sizeof *lat, bench_cmp_double);
  double p50 = nlat ? lat[nlat / 2] : 0,
         p99 = nlat ? lat[(size_t)(0.99 * (double)(nlat - 1))] : 0,
         mx = nlat ? lat[nlat - 1] : 0;
  printf("| %-15s | %7d | %6d | %10zu | %6.1f | %6.1f | %6.1f | %14.1f | "
         "%6zu | %19.1f | %17.1f MiB |\n",
         chg->label, opened, BENCH_ROUNDS, nlat, p50 / 1000, p99 / 1000,
         mx / 1000, first_max / 1000, errors, cpu_us,
         (double)(rss1 - rss0) / 1024.0 * 1000.0 /
             (double)(opened ? opened : 1));
  fflush(stdout);
  for (int i = 0; i < BENCH_STREAMS; i++) {
    if (ss[i].call) {
      grpc_call_cancel(ss[i].call, NULL);
      grpc_call_unref(ss[i].call);
    }
  }
  for (int i = 0; i < BENCH_CHANNELS; i++)
    grpc_channel_destroy(ch[i]);
  grpc_completion_queue_shutdown(cq);
  while (
      grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
          .type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(cq);
  for (int i = 0; i < BENCH_STREAMS; i++) {
    grpc_metadata_array_destroy(&ss[i].md);
    if (ss[i].req)
      grpc_byte_buffer_destroy(ss[i].req);
    if (ss[i].msg)
      grpc_byte_buffer_destroy(ss[i].msg);
  }
  free(ss);
  free(lat);
}

int main(int argc, char **argv) {
  double secs = 2.0;
  const char *only = NULL;
  bool streams = true, pin = false, rt = false, rt_server = false;
  int threads = SRV_DEFAULT_THREADS, rounds = 1, open_rounds = 1;
  double open_frac = 0.5, tick = 0;
  bool one_thread = false;
  int nopps = BENCH_OPPS;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--only") && i + 1 < argc)
      only = argv[++i];
    else if (!strcmp(argv[i], "--no-streams"))
      streams = false;
    else if (!strcmp(argv[i], "--pin"))
      pin = true;
    else if (!strcmp(argv[i], "--rt"))
      rt = true;
    else if (!strcmp(argv[i], "--one-thread"))
      one_thread = true;
    else if (!strcmp(argv[i], "--rt-server"))
      rt_server = true;
    else if (!strcmp(argv[i], "--open-frac") && i + 1 < argc &&
             atof(argv[i + 1]) > 0 && atof(argv[i + 1]) <= 1)
      open_frac = atof(argv[++i]);
    else if (!strcmp(argv[i], "--tick-us") && i + 1 < argc &&
             atof(argv[i + 1]) > 0)
      tick = atof(argv[++i]) / 1e6;
    else if (!strcmp(argv[i], "--open-rounds") && i + 1 < argc &&
             atoi(argv[i + 1]) >= 1 && atoi(argv[i + 1]) <= 9)
      open_rounds = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--rounds") && i + 1 < argc &&
             atoi(argv[i + 1]) >= 1 && atoi(argv[i + 1]) <= 9)
      rounds = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--opps") && i + 1 < argc &&
             atoi(argv[i + 1]) >= 100)
      nopps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc &&
             atoi(argv[i + 1]) >= 2)
      threads = atoi(argv[++i]);
    else if (atof(argv[i]) > 0)
      secs = atof(argv[i]);
    else {
      fprintf(stderr, "usage: bench_server [seconds per row] "
                      "[--only health|list|ent] [--no-streams] [--pin] "
                      "[--threads N] [--rounds 1-9] [--rt] [--rt-server] "
                      "[--open-frac 0-1] [--open-rounds 1-9] [--tick-us N] "
                      "[--one-thread] [--opps N]\n");
      return 2;
    }
  }
  /* srv_run takes SIGTERM through a signalfd: block it everywhere first. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);

  char dir[] = "/tmp/oppgraph-bench-server-XXXXXX", code[32] = "";
  if (!mkdtemp(dir))
    return 1;
  store *st;
  store_options so = {.map_size = 1u << 30};
  if (store_open(dir, &so, &st) ||
      bench_seed_world(st, "bench_rm", NULL, "基准", "BENCH", BENCH_ENTS, nopps,
                       code)) {
    fprintf(stderr, "bench_server: cannot build the store in %s\n", dir);
    return 1;
  }
  char tok[SRV_TOKEN_LEN + 1], bearer[SRV_TOKEN_LEN + 16], listen[64];
  if (srv_token_issue(st, "bench_rm", tok, sizeof tok))
    return 1;
  /* Closed before the fork: an LMDB environment must not cross one. */
  store_close(st);
  snprintf(bearer, sizeof bearer, "Bearer %s", tok);
  snprintf(listen, sizeof listen, "127.0.0.1:%d", bench_free_port());
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (one_thread && tick > 0) {
    fprintf(stderr, "bench_server: --tick-us sets the sender thread's grid; "
                    "--one-thread has no sender thread (drop one of them)\n");
    return 2;
  }
  if (pin && ncpu < 2) {
    fprintf(stderr, "bench_server: --pin needs 2 CPUs, this machine has %ld\n",
            ncpu);
    return 2;
  }
  /* --pin: the server on the last CPU, this client on CPU 0 (set before
   * grpc_init, so that gRPC's threads inherit it). */
  char logpath[96];
  snprintf(logpath, sizeof logpath, "%s/server.log", dir);
  pid_t server = bench_spawn_server(dir, listen, logpath, threads,
                                    pin ? (int)ncpu - 1 : -1, rt_server);
  if (server < 0) {
    fprintf(stderr, "bench_server: fork failed\n");
    return 1;
  }
  if (pin && bench_pin_cpu(0, 0)) {
    fprintf(stderr, "bench_server: cannot pin the client to CPU 0\n");
    kill(server, SIGKILL);
    return 1;
  }

  grpc_init();
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  bench_run r = {0};
  r.server = server;
  r.ch = grpc_channel_create(listen, creds, NULL);
  grpc_channel_credentials_release(creds);
  r.cq = grpc_completion_queue_create_for_next(NULL);
  r.auth.key = grpc_slice_from_static_string("authorization");
  r.auth.value = grpc_slice_from_copied_string(bearer);
  r.cap = 4u << 20;
  r.lat = malloc(r.cap * sizeof *r.lat);
  r.lag = malloc(r.cap * sizeof *r.lag);

  /* requests */
  Grpc__Health__V1__HealthCheckRequest hreq =
      GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
  Oppgraph__V1__ListPushListRequest lreq =
      OPPGRAPH__V1__LIST_PUSH_LIST_REQUEST__INIT;
  lreq.page_size = 50;
  Oppgraph__V1__GetEnterpriseRequest ereq =
      OPPGRAPH__V1__GET_ENTERPRISE_REQUEST__INIT;
  ereq.key_case = OPPGRAPH__V1__GET_ENTERPRISE_REQUEST__KEY_CREDIT_CODE;
  ereq.credit_code = code;
  struct {
    const char *name, *label, *path;
    const ProtobufCMessage *req;
    double max_qps;
  } rows[] = {
      {"health", "Health/Check (empty)", "/grpc.health.v1.Health/Check",
       &hreq.base, 0},
      {"list", "ListPushList page 50",
       "/oppgraph.v1.OpportunityService/ListPushList", &lreq.base, 0},
      {"ent", "GetEnterprise by code",
       "/oppgraph.v1.EnterpriseService/GetEnterprise", &ereq.base, 0},
  };
  const size_t nrows = sizeof rows / sizeof rows[0];
  const int conc[3] = {1, 16, 64};

  /* Each method registered on the channel and its request packed once. */
  void *handle[sizeof rows / sizeof rows[0]];
  grpc_slice packed[sizeof rows / sizeof rows[0]];
  for (size_t m = 0; m < nrows; m++) {
    uint8_t buf[256];
    size_t len = protobuf_c_message_pack(rows[m].req, buf);
    packed[m] = grpc_slice_from_copied_buffer((const char *)buf, len);
    handle[m] = grpc_channel_register_call(r.ch, rows[m].path, NULL, NULL);
  }
  /* wait until the server answers */
  r.method = handle[0];
  r.payload = packed[0];
  for (int i = 0; i < 200; i++) {
    bench_row(&r, 1, 0.0);
    if (r.n)
      break;
    usleep(50000);
  }
  if (!r.n) {
    fprintf(stderr, "bench_server: the server does not answer on %s\n", listen);
    kill(server, SIGKILL);
    return 1;
  }

  struct utsname u;
  uname(&u);
  double load[3] = {0};
  if (getloadavg(load, 3) < 0)
    load[0] = -1;
  char cpus[256];
  if (pin)
    snprintf(cpus, sizeof cpus, "pinned: server on CPU %ld, client on CPU 0",
             ncpu - 1);
  else
    snprintf(cpus, sizeof cpus, "not pinned");
  if (rt || rt_server)
    snprintf(cpus + strlen(cpus), sizeof cpus - strlen(cpus),
             "; SCHED_FIFO: %s",
             rt && rt_server ? "open-loop sender and server"
             : rt            ? "open-loop sender"
                             : "server");
  if (tick > 0)
    snprintf(cpus + strlen(cpus), sizeof cpus - strlen(cpus),
             "; open-loop sender wakes every %.0f us", tick * 1e6);
  if (one_thread)
    snprintf(cpus + strlen(cpus), sizeof cpus - strlen(cpus),
             "; open loop sent and drained by one thread (--one-thread)");
  printf("bench_server: oppgraph gRPC server (own process, %d CQ threads; "
         "the server's default is %d)\n"
         "and a C-core client (one channel; open loop: a sender thread and a "
         "draining thread) on one machine\n"
         "(%s %s, %ld CPUs, %s, load average %.2f at start), %.1f s per row;\n"
         "store: 1 RM, %d opportunities, %d enterprises; latency in "
         "microseconds, client-observed;\n"
         "server CPU = the server process's user + system time per call; "
         "server cs = its voluntary\n"
         "context switches (all threads) per call.\n\n",
         threads, SRV_DEFAULT_THREADS, u.sysname, u.machine, ncpu, cpus,
         load[0], secs, nopps, BENCH_ENTS);
  printf("| method                 | in flight |      QPS |   p50 |   p99 |  "
         "p99.9 | errors | server CPU us/call | server cs/call | client CPU "
         "us/call | response bytes |\n");
  printf("|------------------------|----------:|---------:|------:|------:|----"
         "---:|-------:|-------------------:|---------------:|---------------"
         "----:|---------------:|\n");
  /* The methods take turns at each concurrency, so that the empty handler
   * and the others are measured minutes apart at most, not a whole table
   * apart, when the machine's load drifts; --rounds repeats the whole
   * sequence, and the ratio table gives each round and the median. */
  enum { NCONC = 3, MAXROUNDS = 9 };
  double qps_of[8][NCONC][MAXROUNDS] = {{{0}}},
         cpu_of[8][NCONC][MAXROUNDS] = {{{0}}};
  for (int k = 0; k < rounds; k++)
    for (size_t c = 0; c < NCONC; c++) {
      for (size_t m = 0; m < nrows; m++) {
        if (only && strcmp(only, rows[m].name))
          continue;
        r.method = handle[m];
        r.payload = packed[m];
        double qps = bench_row(&r, conc[c], secs);
        if (qps > rows[m].max_qps)
          rows[m].max_qps = qps;
        qps_of[m][c][k] = qps;
        cpu_of[m][c][k] = r.cpu_us;
        printf("| %-22s | %9d | %8.0f | %5.0f | %5.0f | %6.0f | %6zu | "
               "%18.1f | %14.2f | %18.1f | %14zu |\n",
               rows[m].label, conc[c], qps, bench_pct(&r, 0.50),
               bench_pct(&r, 0.99), bench_pct(&r, 0.999), r.errors, r.cpu_us,
               r.cs_call, r.client_us, r.resp_len);
        fflush(stdout);
      }
    }
  if (!only) {
    printf("\nAgainst the empty handler of the same round (QPS ratio; server "
           "CPU per call ratio),\nissue 6 asks >= 70%% QPS:\n\n");
    printf(
        "| method                 | round  | QPS at 1 | QPS at 16 | QPS at 64 "
        "| CPU at 1 | CPU at 16 | CPU at 64 |\n");
    printf("|------------------------|--------|---------:|----------:|--------"
           "--:|---------:|----------:|----------:|\n");
    for (size_t m = 1; m < nrows; m++)
      for (int k = 0; k <= rounds; k++) {
        if (k == rounds && rounds == 1)
          break;
        char what[16];
        if (k < rounds)
          snprintf(what, sizeof what, "%d", k + 1);
        else
          snprintf(what, sizeof what, "median");
        printf("| %-22s | %-6s |", rows[m].label, what);
        for (int cpu = 0; cpu < 2; cpu++)
          for (size_t c = 0; c < NCONC; c++) {
            double(*of)[NCONC][MAXROUNDS] = cpu ? cpu_of : qps_of;
            double v[MAXROUNDS];
            int n = 0;
            for (int j = 0; j < rounds; j++)
              if ((k == rounds || j == k) && of[0][c][j] > 0)
                v[n++] = of[m][c][j] / of[0][c][j];
            qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
            double x =
                n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
            if (cpu)
              printf(c ? " %8.2fx |" : " %7.2fx |", x);
            else
              printf(c ? " %8.0f%% |" : " %7.0f%% |", 100 * x);
          }
        printf("\n");
      }
  }

  printf(
      "\nOpen loop at %.2f of the best closed-loop QPS of each method, calls "
      "on a fixed schedule,\nlatency from the scheduled send time; send "
      "lag = how late this client sent a call\n(its own scheduling, "
      "already inside the latency); server-side = the server's own "
      "latency_us\n(request taken by a CQ thread to reply completed, "
      "from its log);\nCPUs busy = the share of all CPUs' time in use "
      "during the row (/proc/stat, every process):\n\n",
      open_frac);
  printf("| method                 | target QPS | achieved |   p50 |   p99 |  "
         "p99.9 | send lag p99 | server-side p99 | max in flight | errors | "
         "server CPU us/call | server cs/call | client CPU us/call | CPUs busy "
         "|\n");
  printf(
      "|------------------------|-----------:|---------:|------:|------:|----"
      "---:|-------------:|----------------:|--------------:|-------:|----"
      "---------------:|---------------:|-------------------:|----------:|\n");
  for (size_t k = 0; k < (size_t)open_rounds * nrows; k++) {
    size_t m = k % nrows;
    if (only && strcmp(only, rows[m].name))
      continue;
    r.method = handle[m];
    r.payload = packed[m];
    double target = rows[m].max_qps * open_frac;
    double srv99;
    struct stat sb;
    long logged = stat(logpath, &sb) ? 0 : (long)sb.st_size;
    double qps = bench_fixed_rate(&r, target, secs, rt, tick, one_thread);
    usleep(100000); /* the server writes a call's line after its reply */
    bench_server_lat(logpath, logged, rows[m].path, &srv99);
    double lag99 = r.nlag ? r.lag[(size_t)(0.99 * (double)(r.nlag - 1))] : 0;
    printf("| %-22s | %10.0f | %8.0f | %5.0f | %5.0f | %6.0f | %12.0f | %15.0f "
           "| %13d | %6zu | %18.1f | %14.2f | %18.1f | %8.0f%% |\n",
           rows[m].label, target, qps, bench_pct(&r, 0.50), bench_pct(&r, 0.99),
           bench_pct(&r, 0.999), lag99, srv99, r.max_inflight, r.errors,
           r.cpu_us, r.cs_call, r.client_us, 100 * r.busy);
    fflush(stdout);
  }
  for (size_t m = 0; m < nrows; m++)
    grpc_slice_unref(packed[m]);

  if (streams) {
    printf("\n| change          | streams | pushes | deliveries | p50 ms | "
           "p99 ms | max ms | 1st round max | errors | server CPU "
           "us/push | RSS per 1,000 streams |\n");
    printf("|-----------------|--------:|-------:|-----------:|-------:|------"
           "-:|-------:|--------------:|-------:|-------------------:|-------"
           "---------------:|\n");
    bench_change fb = {.label = "RecordFeedback"};
    bench_streams(listen, &r.auth, server, &fb);
    bench_change ext = {.label = "external commit"};
    if (store_open(dir, &so, &ext.st) == 0) {
      bench_streams(listen, &r.auth, server, &ext);
      store_close(ext.st);
    } else {
      fprintf(stderr, "bench_server: cannot reopen %s\n", dir);
    }
  }

  if (getloadavg(load, 3) > 0)
    printf("\nload average at the end: %.2f (1 min), %.2f (5 min)\n", load[0],
           load[1]);
  grpc_channel_destroy(r.ch);
  grpc_completion_queue_shutdown(r.cq);
  while (
      grpc_completion_queue_next(r.cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
          .type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(r.cq);
  grpc_slice_unref(r.auth.value);
  free(r.lat);
  free(r.lag);
  kill(server, SIGTERM);
  int wst = 0;
  waitpid(server, &wst, 0);
  grpc_shutdown();
  char cmd[96];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd))
    fprintf(stderr, "bench_server: could not remove %s\n", dir);
  return WIFEXITED(wst) && WEXITSTATUS(wst) == 0 ? 0 : 1;
}
