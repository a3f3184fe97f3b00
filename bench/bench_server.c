/*
 * bench_server.c — load generator for the gRPC server (issue 6).
 *
 * Builds a throwaway store (one RM with 2,000 opportunities, 1,000
 * enterprises), runs srv_run() on 127.0.0.1 in a thread of this process, and
 * drives it with a gRPC C-core client: for each method and each concurrency
 * (1, 16, 64 calls in flight on one client thread) it keeps the calls going
 * for a fixed time and prints QPS and p50 / p99 / p99.9 latency.  Health/Check
 * is the empty handler: the ceiling of this server build on this machine.
 *
 *   build/bench/bench_server [seconds per row, default 2] 2>/dev/null
 *
 * Then the streaming row: BENCH_STREAMS StreamOpportunities subscribers of
 * the same RM on 8 channels; BENCH_ROUNDS times a RecordFeedback call
 * changes one opportunity and every subscriber's delivery latency is taken
 * from just before that call (so it includes the write and its commit).
 * RSS is this process's (server and client) growth while the streams are
 * open, per 1,000 streams.
 *
 * The server logs one line per call on stderr, as in production; send it to
 * /dev/null (a terminal is slow).  Client and server share the machine's
 * cores, so the figures are a lower bound of what a remote client sees.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>

#include "grpc/health/v1/health.pb-c.h"
#include "server/server.h"
#include "store/store.h"

#define BENCH_OPPS 2000
#define BENCH_ENTS 1000
#define BENCH_MAX_INFLIGHT 64
#define BENCH_STREAMS 1000
#define BENCH_ROUNDS 20
#define BENCH_CHANNELS 8

typedef struct bench_call {
  grpc_call *call;
  grpc_metadata_array init_md, trail_md;
  grpc_byte_buffer *req, *resp;
  grpc_status_code status;
  grpc_slice details;
  struct timespec t0;
} bench_call;

typedef struct bench_run {
  grpc_channel *ch;
  grpc_completion_queue *cq;
  void *method;
  grpc_slice payload;
  grpc_metadata auth;
  double *lat; /* microseconds */
  size_t n, cap, errors;
} bench_run;

static double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int bench_start(bench_run *r, bench_call *c) {
  memset(c, 0, sizeof *c);
  grpc_metadata_array_init(&c->init_md);
  grpc_metadata_array_init(&c->trail_md);
  c->call = grpc_channel_create_registered_call(
      r->ch, NULL, GRPC_PROPAGATE_DEFAULTS, r->cq, r->method,
      gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                   gpr_time_from_seconds(10, GPR_TIMESPAN)),
      NULL);
  c->req = grpc_raw_byte_buffer_create(&r->payload, 1);
  grpc_op ops[6];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[0].data.send_initial_metadata.count = 1;
  ops[0].data.send_initial_metadata.metadata = &r->auth;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = c->req;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &c->init_md;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &c->resp;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &c->trail_md;
  ops[5].data.recv_status_on_client.status = &c->status;
  ops[5].data.recv_status_on_client.status_details = &c->details;
  clock_gettime(CLOCK_MONOTONIC, &c->t0);
  return grpc_call_start_batch(c->call, ops, 6, c, NULL) == GRPC_CALL_OK ? 0
                                                                         : -1;
}

static void bench_finish(bench_run *r, bench_call *c) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double us = (double)(t1.tv_sec - c->t0.tv_sec) * 1e6 +
              (double)(t1.tv_nsec - c->t0.tv_nsec) / 1e3;
  if (c->status != GRPC_STATUS_OK)
    r->errors++;
  else if (r->n < r->cap)
    r->lat[r->n++] = us;
  grpc_byte_buffer_destroy(c->req);
  if (c->resp)
    grpc_byte_buffer_destroy(c->resp);
  grpc_slice_unref(c->details);
  grpc_metadata_array_destroy(&c->init_md);
  grpc_metadata_array_destroy(&c->trail_md);
  grpc_call_unref(c->call);
}

static int bench_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Keeps `inflight` calls going for `secs`; returns calls per second. */
static double bench_row(bench_run *r, int inflight, double secs) {
  bench_call calls[BENCH_MAX_INFLIGHT];
  r->n = r->errors = 0;
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
    bench_finish(r, c);
    done++;
    active--;
    if (bench_now() < end && bench_start(r, c) == 0)
      active++;
  }
  double elapsed = bench_now() - t0;
  qsort(r->lat, r->n, sizeof *r->lat, bench_cmp);
  return (double)done / elapsed;
}

static double bench_pct(const bench_run *r, double p) {
  if (!r->n)
    return 0;
  size_t i = (size_t)(p * (double)(r->n - 1));
  return r->lat[i];
}

static int bench_free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) ||
      getsockname(fd, (struct sockaddr *)&a, &len))
    return -1;
  close(fd);
  return ntohs(a.sin_port);
}

static int bench_seed(store *st, char *code_out) {
  store_txn *txn;
  if (store_begin(st, true, &txn))
    return -1;
  Oppgraph__V1__Rm rm = OPPGRAPH__V1__RM__INIT;
  rm.id = "bench_rm";
  rm.team = "T";
  if (store_rm_put(txn, &rm))
    return -1;
  char name[64], code[32], key[32], *products[] = {"履约保函", "流动资金贷款"};
  uint64_t ids[BENCH_ENTS];
  for (int i = 0; i < BENCH_ENTS; i++) {
    Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
    snprintf(name, sizeof name, "基准测试%04d有限公司", i);
    snprintf(code, sizeof code, "91310000BENCH%05d", i);
    e.name = name;
    e.credit_code = code;
    if (store_ent_put(txn, &e))
      return -1;
    ids[i] = e.id;
    if (i == BENCH_ENTS / 2)
      strcpy(code_out, code);
  }
  for (int i = 0; i < BENCH_OPPS; i++) {
    Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
    snprintf(key, sizeof key, "bench:%d", i);
    snprintf(name, sizeof name, "基准测试%04d有限公司", i % BENCH_ENTS);
    o.enterprise_id = ids[i % BENCH_ENTS];
    o.enterprise_name = name;
    o.type = "中标";
    o.products = products;
    o.n_products = 2;
    o.score = (double)((i * 7919) % 1000) / 10.0;
    o.explanation =
        "基准测试公司中标某市政项目，金额 1.2 亿元，建议跟进履约保函";
    o.dedup_key = key;
    o.rm_id = "bench_rm";
    if (store_opp_put(txn, &o))
      return -1;
  }
  return store_commit(txn) ? -1 : 0;
}

typedef struct bench_srv {
  store *st;
  srv_config cfg;
  int rc;
} bench_srv;

static void *bench_serve(void *arg) {
  bench_srv *b = arg;
  b->rc = srv_run(b->st, &b->cfg);
  return NULL;
}

static long bench_rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6))
      kb = atol(line + 6);
  if (f)
    fclose(f);
  return kb;
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
  grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
  grpc_slice path = grpc_slice_from_static_string(
      "/oppgraph.v1.OpportunityService/RecordFeedback");
  grpc_call *call = grpc_channel_create_call(
      ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, path, NULL,
      gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                   gpr_time_from_seconds(10, GPR_TIMESPAN)),
      NULL);
  Oppgraph__V1__RecordFeedbackRequest req =
      OPPGRAPH__V1__RECORD_FEEDBACK_REQUEST__INIT;
  req.opportunity_id = id;
  req.outcome = outcome;
  uint8_t buf[64];
  size_t n = protobuf_c_message_pack(&req.base, buf);
  grpc_slice sl = grpc_slice_from_copied_buffer((const char *)buf, n);
  grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&sl, 1), *resp = NULL;
  grpc_slice_unref(sl);
  grpc_metadata_array im, tm;
  grpc_metadata_array_init(&im);
  grpc_metadata_array_init(&tm);
  grpc_status_code st = GRPC_STATUS_UNKNOWN;
  grpc_slice details;
  grpc_op ops[6];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[0].data.send_initial_metadata.count = 1;
  ops[0].data.send_initial_metadata.metadata = auth;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = bb;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &im;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &resp;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &tm;
  ops[5].data.recv_status_on_client.status = &st;
  ops[5].data.recv_status_on_client.status_details = &details;
  int tag;
  if (grpc_call_start_batch(call, ops, 6, &tag, NULL) == GRPC_CALL_OK)
    grpc_completion_queue_pluck(cq, &tag, gpr_inf_future(GPR_CLOCK_REALTIME),
                                NULL);
  grpc_byte_buffer_destroy(bb);
  if (resp)
    grpc_byte_buffer_destroy(resp);
  grpc_slice_unref(details);
  grpc_metadata_array_destroy(&im);
  grpc_metadata_array_destroy(&tm);
  grpc_call_unref(call);
  grpc_completion_queue_shutdown(cq);
  grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME),
                              NULL);
  grpc_completion_queue_destroy(cq);
  return st == GRPC_STATUS_OK ? 0 : -1;
}

/* The streaming row; prints one line. */
static void bench_streams(const char *listen, grpc_metadata *auth) {
  long rss0 = bench_rss_kb();
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
  long rss1 = bench_rss_kb();
  for (int round = 0; round < BENCH_ROUNDS; round++) {
    double t0 = bench_now();
    if (bench_feedback(
            ch[0], auth, (uint64_t)round + 1,
            round % 2 ? OPPGRAPH__V1__FEEDBACK_OUTCOME__FEEDBACK_REJECTED
                      : OPPGRAPH__V1__FEEDBACK_OUTCOME__FEEDBACK_ACCEPTED)) {
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
      grpc_byte_buffer_destroy(s->msg);
      s->msg = NULL;
      got++;
      if (bench_stream_recv(s))
        errors++;
    }
  }
  qsort(lat, nlat, sizeof *lat, bench_cmp);
  double p50 = nlat ? lat[nlat / 2] : 0,
         p99 = nlat ? lat[(size_t)(0.99 * (double)(nlat - 1))] : 0,
         mx = nlat ? lat[nlat - 1] : 0;
  printf("\n| streams | pushes | deliveries | p50 ms | p99 ms | max ms | "
         "errors | RSS per 1,000 streams |\n");
  printf("|--------:|-------:|-----------:|-------:|-------:|-------:|-------:|"
         "----------------------:|\n");
  printf("| %7d | %6d | %10zu | %6.1f | %6.1f | %6.1f | %6zu | %17.1f MiB |\n",
         opened, BENCH_ROUNDS, nlat, p50 / 1000, p99 / 1000, mx / 1000, errors,
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
  double secs = argc > 1 ? atof(argv[1]) : 2.0;
  if (secs <= 0)
    secs = 2.0;
  /* srv_run takes SIGTERM through a signalfd: block it everywhere first. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);

  char dir[] = "/tmp/oppgraph-bench-server-XXXXXX", code[32] = "";
  if (!mkdtemp(dir))
    return 1;
  bench_srv b = {0};
  store_options so = {.map_size = 1u << 30};
  if (store_open(dir, &so, &b.st) || bench_seed(b.st, code)) {
    fprintf(stderr, "bench_server: cannot build the store in %s\n", dir);
    return 1;
  }
  char tok[SRV_TOKEN_LEN + 1], bearer[SRV_TOKEN_LEN + 16], listen[64];
  if (srv_token_issue(b.st, "bench_rm", tok, sizeof tok))
    return 1;
  snprintf(bearer, sizeof bearer, "Bearer %s", tok);
  int port = bench_free_port();
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  srv_config_init(&b.cfg);
  b.cfg.listen = listen;
  pthread_t th;
  pthread_create(&th, NULL, bench_serve, &b);

  grpc_init();
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  bench_run r = {0};
  r.ch = grpc_channel_create(listen, creds, NULL);
  grpc_channel_credentials_release(creds);
  r.cq = grpc_completion_queue_create_for_next(NULL);
  r.auth.key = grpc_slice_from_static_string("authorization");
  r.auth.value = grpc_slice_from_copied_string(bearer);
  r.cap = 4u << 20;
  r.lat = malloc(r.cap * sizeof *r.lat);

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
    const char *label, *path;
    const ProtobufCMessage *req;
  } rows[] = {
      {"Health/Check (empty)", "/grpc.health.v1.Health/Check", &hreq.base},
      {"ListPushList page 50", "/oppgraph.v1.OpportunityService/ListPushList",
       &lreq.base},
      {"GetEnterprise by code", "/oppgraph.v1.EnterpriseService/GetEnterprise",
       &ereq.base},
  };
  const int conc[] = {1, 16, 64};

  /* wait until the server answers */
  r.method = grpc_channel_register_call(r.ch, rows[0].path, NULL, NULL);
  uint8_t buf[256];
  size_t len = protobuf_c_message_pack(rows[0].req, buf);
  r.payload = grpc_slice_from_copied_buffer((const char *)buf, len);
  for (int i = 0; i < 100; i++) {
    bench_row(&r, 1, 0.0);
    if (r.n)
      break;
    usleep(50000);
  }
  grpc_slice_unref(r.payload);

  struct utsname u;
  uname(&u);
  printf("bench_server: oppgraph gRPC server (%d CQ threads) and a C-core "
         "client on one\n"
         "machine (%s %s, %ld CPUs), %.1f s per row; store: 1 RM, %d "
         "opportunities,\n"
         "%d enterprises; latency in microseconds, client-observed.\n\n",
         b.cfg.threads, u.sysname, u.machine, sysconf(_SC_NPROCESSORS_ONLN),
         secs, BENCH_OPPS, BENCH_ENTS);
  printf("| method                 | in flight |      QPS |   p50 |   p99 |  "
         "p99.9 | errors |\n");
  printf("|------------------------|----------:|---------:|------:|------:|----"
         "---:|-------:|\n");
  for (size_t m = 0; m < sizeof rows / sizeof rows[0]; m++) {
    r.method = grpc_channel_register_call(r.ch, rows[m].path, NULL, NULL);
    size_t n = protobuf_c_message_pack(rows[m].req, buf);
    r.payload = grpc_slice_from_copied_buffer((const char *)buf, n);
    for (size_t c = 0; c < sizeof conc / sizeof conc[0]; c++) {
      double qps = bench_row(&r, conc[c], secs);
      printf("| %-22s | %9d | %8.0f | %5.0f | %5.0f | %6.0f | %6zu |\n",
             rows[m].label, conc[c], qps, bench_pct(&r, 0.50),
             bench_pct(&r, 0.99), bench_pct(&r, 0.999), r.errors);
      fflush(stdout);
    }
    grpc_slice_unref(r.payload);
  }
  bench_streams(listen, &r.auth);

  grpc_channel_destroy(r.ch);
  grpc_completion_queue_shutdown(r.cq);
  while (
      grpc_completion_queue_next(r.cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
          .type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(r.cq);
  grpc_slice_unref(r.auth.value);
  free(r.lat);
  kill(getpid(), SIGTERM);
  pthread_join(th, NULL);
  grpc_shutdown();
  store_close(b.st);
  char cmd[96];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd))
    fprintf(stderr, "bench_server: could not remove %s\n", dir);
  return b.rc ? 1 : 0;
}
