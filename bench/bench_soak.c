/*
 * bench_soak.c — soak test of `oppgraph serve` (issue 8 item 4).
 *
 * Builds a throwaway store (one RM with 2,000 opportunities on 1,000
 * enterprises, one admin), issues their tokens, closes it and starts the real
 * server binary on it (`oppgraph serve`, its own process, so that its RSS can
 * be read from /proc/PID/status and a leak in it is not hidden by ours).
 * Then, from this process, on gRPC C core:
 *
 *  - calibration: 5 s of the unary mix with 64 calls in flight; its QPS is
 *    the "maximum" this client reaches on this machine;
 *  - the soak: the same mix paced at 80% of that rate (at most 64 in flight)
 *    for --minutes N (default 10).  Mix: ListPushList 40%, GetEnterprise 30%,
 *    GetOpportunity 29%, and 1% deliberate bad requests (GetOpportunity of an
 *    id that does not exist: NOT_FOUND is expected);
 *  - a subscriber thread keeps 16 StreamOpportunities streams open, each
 *    cancelled after a random 1-8 s and replaced (CANCELLED is expected);
 *  - an ingest thread sends SubmitDocuments (5 generated announcements) every
 *    2 s as the admin, so the store grows and pushes reach the streams.
 *
 * Every minute it prints one table row: unary calls, calls not sent because
 * 64 were already in flight (the server fell behind the pace), their
 * statuses, latency
 * p50/p99/p99.9 of successful calls, streams opened / messages received,
 * documents ingested, unexpected errors and the server's VmRSS and RssAnon
 * (/proc/PID/status).  VmRSS also counts the LMDB map's file pages, which
 * grow with the store and with what readers touch; RssAnon is heap, stacks
 * and anonymous maps only, so a leak shows there and not in file pages.
 *
 *   build/bench/bench_soak [--minutes N] [--bin build/oppgraph] [--data data]
 *
 * Run it from the repository root (the server reads data/).  Exit status 1
 * when any unexpected status was seen.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "bench/lib/bench_grpc.h"
#include "server/server.h"
#include "store/store.h"

#define SOAK_OPPS 2000
#define SOAK_ENTS 1000
#define SOAK_INFLIGHT 64
#define SOAK_STREAMS 16
#define SOAK_NSTATUS 17
#define SOAK_LAT_CAP (1u << 22)

typedef struct soak_call {
  bench_unary u; /* first: the completion tag is the call */
  int kind; /* index into the mix; SOAK_BAD is the deliberate bad request */
} soak_call;

enum { SOAK_LIST, SOAK_ENT, SOAK_OPP, SOAK_BAD, SOAK_NKIND };

/* Counters of one minute; the stream and ingest threads add atomically. */
typedef struct soak_minute {
  size_t calls, status[SOAK_NSTATUS];
  double *lat;
  size_t nlat;
  atomic_size_t streams_opened, stream_msgs, stream_unexpected, docs,
      ingest_errors;
} soak_minute;

typedef struct soak {
  const char *listen;
  grpc_metadata auth_rm, auth_admin;
  grpc_slice payload[SOAK_NKIND];
  const char *path[SOAK_NKIND];
  atomic_bool stop;
  soak_minute cur;
  unsigned seed;
} soak;

static gpr_timespec soak_in(double secs) {
  return gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                      gpr_time_from_micros((int64_t)(secs * 1e6),
                                           GPR_TIMESPAN));
}

/* ---- unary load --------------------------------------------------------- */

static int soak_pick(soak *s) {
  int r = (int)(rand_r(&s->seed) % 100);
  return r < 40 ? SOAK_LIST : r < 70 ? SOAK_ENT : r < 99 ? SOAK_OPP : SOAK_BAD;
}

static int soak_start(soak *s, grpc_channel *ch, grpc_completion_queue *cq,
                      void **methods, soak_call *c) {
  c->kind = soak_pick(s);
  return bench_unary_start(&c->u, ch, cq, methods[c->kind],
                           s->payload[c->kind], &s->auth_rm, c);
}

/* Records the call in m (when not NULL) and frees it. */
static void soak_finish(soak_call *c, soak_minute *m) {
  grpc_status_code st = c->u.status;
  double us = bench_unary_finish(&c->u);
  if (m) {
    m->calls++;
    m->status[(unsigned)st < SOAK_NSTATUS ? st : 2]++;
    if (st == GRPC_STATUS_OK && m->nlat < SOAK_LAT_CAP)
      m->lat[m->nlat++] = us;
  }
}

/* ---- streams ------------------------------------------------------------ */

typedef struct soak_stream {
  grpc_call *call;
  grpc_metadata_array init_md, trail_md;
  grpc_byte_buffer *req, *msg;
  grpc_status_code status;
  grpc_slice details;
  int tag_status, tag_msg; /* addresses are the tags */
  int pending;             /* batches not yet completed */
  bool cancelled, used;
  double end;              /* when we cancel it */
} soak_stream;

static int soak_stream_recv(soak_stream *ss) {
  grpc_op op;
  memset(&op, 0, sizeof op);
  op.op = GRPC_OP_RECV_MESSAGE;
  op.data.recv_message.recv_message = &ss->msg;
  return grpc_call_start_batch(ss->call, &op, 1, &ss->tag_msg, NULL) ==
                 GRPC_CALL_OK
             ? 0
             : -1;
}

static void soak_stream_open(soak *s, grpc_channel *ch,
                             grpc_completion_queue *cq, soak_stream *ss,
                             int i) {
  memset(ss, 0, sizeof *ss);
  ss->used = true;
  grpc_metadata_array_init(&ss->init_md);
  grpc_metadata_array_init(&ss->trail_md);
  grpc_slice path = grpc_slice_from_static_string(
      "/oppgraph.v1.OpportunityService/StreamOpportunities");
  ss->call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
                                      path, NULL,
                                      gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
  /* Half the streams are the RM's own, half the admin's view of everyone
   * (rm_id "*", field 2), which receives the ingested documents' pushes. */
  static const uint8_t star[] = {0x12, 0x01, '*'};
  grpc_slice sl = grpc_slice_from_copied_buffer(
      (const char *)star, i % 2 ? sizeof star : 0);
  ss->req = grpc_raw_byte_buffer_create(&sl, 1);
  grpc_slice_unref(sl);
  grpc_op ops[5];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[0].data.send_initial_metadata.count = 1;
  ops[0].data.send_initial_metadata.metadata =
      i % 2 ? &s->auth_admin : &s->auth_rm;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = ss->req;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &ss->init_md;
  ops[4].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[4].data.recv_status_on_client.trailing_metadata = &ss->trail_md;
  ops[4].data.recv_status_on_client.status = &ss->status;
  ops[4].data.recv_status_on_client.status_details = &ss->details;
  if (grpc_call_start_batch(ss->call, ops, 5, &ss->tag_status, NULL) ==
      GRPC_CALL_OK)
    ss->pending++;
  if (soak_stream_recv(ss) == 0)
    ss->pending++;
  ss->end = bench_now() + 1.0 + (double)(rand_r(&s->seed) % 7000) / 1000.0;
  atomic_fetch_add(&s->cur.streams_opened, 1);
}

static void soak_stream_close(soak_stream *ss) {
  grpc_call_unref(ss->call);
  grpc_byte_buffer_destroy(ss->req);
  if (ss->msg)
    grpc_byte_buffer_destroy(ss->msg);
  grpc_slice_unref(ss->details);
  grpc_metadata_array_destroy(&ss->init_md);
  grpc_metadata_array_destroy(&ss->trail_md);
  ss->used = false;
}

static void *soak_streams(void *arg) {
  soak *s = arg;
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  grpc_channel *ch = grpc_channel_create(s->listen, creds, NULL);
  grpc_channel_credentials_release(creds);
  grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
  soak_stream ss[SOAK_STREAMS];
  for (int i = 0; i < SOAK_STREAMS; i++)
    soak_stream_open(s, ch, cq, &ss[i], i);
  for (;;) {
    bool stopping = atomic_load(&s->stop);
    double now = bench_now();
    int live = 0;
    for (int i = 0; i < SOAK_STREAMS; i++) {
      if (!ss[i].used)
        continue;
      live++;
      if (!ss[i].cancelled && (stopping || now >= ss[i].end)) {
        ss[i].cancelled = true;
        grpc_call_cancel(ss[i].call, NULL);
      }
    }
    if (stopping && !live)
      break;
    grpc_event ev = grpc_completion_queue_next(cq, soak_in(0.1), NULL);
    if (ev.type != GRPC_OP_COMPLETE)
      continue;
    soak_stream *st;
    int *tag = ev.tag;
    size_t i = 0;
    for (i = 0; i < SOAK_STREAMS; i++)
      if (tag == &ss[i].tag_msg || tag == &ss[i].tag_status)
        break;
    st = &ss[i];
    if (tag == &st->tag_msg) {
      if (ev.success && st->msg) {
        atomic_fetch_add(&s->cur.stream_msgs, 1);
        grpc_byte_buffer_destroy(st->msg);
        st->msg = NULL;
        if (soak_stream_recv(st))
          st->pending--;
      } else {
        st->pending--;
      }
    } else {
      st->pending--;
      bool expected = st->status == GRPC_STATUS_OK ||
                      (st->cancelled && st->status == GRPC_STATUS_CANCELLED);
      if (!expected) {
        atomic_fetch_add(&s->cur.stream_unexpected, 1);
        char *d = grpc_slice_to_c_string(st->details);
        fprintf(stderr, "bench_soak: stream ended with status %d: %s\n",
                st->status, d);
        gpr_free(d);
      }
    }
    if (st->pending == 0) {
      soak_stream_close(st);
      if (!atomic_load(&s->stop))
        soak_stream_open(s, ch, cq, st, (int)i);
    }
  }
  grpc_channel_destroy(ch);
  grpc_completion_queue_shutdown(cq);
  while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME),
                                    NULL)
             .type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(cq);
  return NULL;
}

/* ---- ingest ------------------------------------------------------------- */

static const char *const soak_buyers[] = {"国家电网有限公司", "中国铁路总公司",
                                          "上海市住房和城乡建设管理委员会",
                                          "深圳地铁集团有限公司"};

static int soak_submit(soak *s, grpc_channel *ch, int round) {
  Oppgraph__V1__SubmittedDocument docs[5], *pd[5];
  char titles[5][160], texts[5][640], ext[5][32];
  for (int i = 0; i < 5; i++) {
    int n = round * 5 + i;
    Oppgraph__V1__SubmittedDocument d = OPPGRAPH__V1__SUBMITTED_DOCUMENT__INIT;
    snprintf(titles[i], sizeof titles[i],
             "耐久测试%04d有限公司关于项目中标的公告（第%d号）", n % SOAK_ENTS,
             n);
    snprintf(texts[i], sizeof texts[i],
             "本公司及董事会全体成员保证信息披露内容的真实、准确和完整。"
             "耐久测试%04d有限公司（以下简称“公司”）于近日收到%s发出的《中标"
             "通知书》，确定公司为第%d标段施工项目的中标单位，中标金额为人民币"
             "%d.%02d亿元。该项目的顺利实施将对公司经营业绩产生积极影响。",
             n % SOAK_ENTS, soak_buyers[n % 4], n, 1 + n % 9, n % 100);
    snprintf(ext[i], sizeof ext[i], "soak-%d", n);
    d.external_id = ext[i];
    d.title = titles[i];
    d.text = texts[i];
    d.published = "2024-06-28";
    docs[i] = d;
    pd[i] = &docs[i];
  }
  Oppgraph__V1__SubmitDocumentsRequest req =
      OPPGRAPH__V1__SUBMIT_DOCUMENTS_REQUEST__INIT;
  req.documents = pd;
  req.n_documents = 5;
  size_t len = protobuf_c_message_get_packed_size(&req.base);
  uint8_t *buf = malloc(len);
  protobuf_c_message_pack(&req.base, buf);
  char details[256];
  grpc_status_code st = bench_unary_wait(
      ch, "/oppgraph.v1.IngestService/SubmitDocuments", buf, len,
      &s->auth_admin, 30, details, sizeof details);
  free(buf);
  if (st != GRPC_STATUS_OK)
    fprintf(stderr, "bench_soak: SubmitDocuments status %d: %s\n", st,
            details);
  return st == GRPC_STATUS_OK ? 0 : -1;
}

static void *soak_ingest(void *arg) {
  soak *s = arg;
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  grpc_channel *ch = grpc_channel_create(s->listen, creds, NULL);
  grpc_channel_credentials_release(creds);
  for (int round = 0; !atomic_load(&s->stop); round++) {
    if (soak_submit(s, ch, round))
      atomic_fetch_add(&s->cur.ingest_errors, 1);
    else
      atomic_fetch_add(&s->cur.docs, 5);
    for (int i = 0; i < 20 && !atomic_load(&s->stop); i++)
      usleep(100000);
  }
  grpc_channel_destroy(ch);
  return NULL;
}

/* ---- main --------------------------------------------------------------- */

static double soak_pct(const soak_minute *m, double p) {
  return m->nlat ? m->lat[(size_t)(p * (double)(m->nlat - 1))] / 1000.0 : 0;
}

int main(int argc, char **argv) {
  double minutes = 10;
  const char *bin = "build/oppgraph", *data = "data";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--minutes") && i + 1 < argc)
      minutes = atof(argv[++i]);
    else if (!strcmp(argv[i], "--bin") && i + 1 < argc)
      bin = argv[++i];
    else if (!strcmp(argv[i], "--data") && i + 1 < argc)
      data = argv[++i];
    else {
      fprintf(stderr, "usage: bench_soak [--minutes N] [--bin build/oppgraph] "
                      "[--data data]\n");
      return 2;
    }
  }
  if (minutes <= 0) {
    fprintf(stderr, "bench_soak: --minutes must be > 0\n");
    return 2;
  }
  char dir[] = "/tmp/oppgraph-soak-XXXXXX", code[32] = "";
  if (!mkdtemp(dir))
    return 1;
  store *st;
  store_options so = {.map_size = 1u << 30};
  if (store_open(dir, &so, &st) || bench_seed_world(st, "soak_rm", "soak_admin", "耐久", "SOAK", SOAK_ENTS,
                              SOAK_OPPS, code)) {
    fprintf(stderr, "bench_soak: cannot build the store in %s\n", dir);
    return 1;
  }
  char tok_rm[SRV_TOKEN_LEN + 1], tok_adm[SRV_TOKEN_LEN + 1];
  if (srv_token_issue(st, "soak_rm", tok_rm, sizeof tok_rm) ||
      srv_token_issue(st, "soak_admin", tok_adm, sizeof tok_adm))
    return 1;
  store_close(st);

  char listen[64];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", bench_free_port());
  pid_t pid = fork();
  if (pid == 0) {
    /* the server logs a line per call: a terminal or file would be the
     * bottleneck and fill the disk over ten minutes */
    if (!freopen("/dev/null", "w", stderr))
      _exit(127);
    execl(bin, bin, "serve", "--db", dir, "--listen", listen, "--data", data,
          (char *)NULL);
    _exit(127);
  }

  static soak s;
  s.listen = listen;
  s.seed = 12345;
  char bearer_rm[SRV_TOKEN_LEN + 16], bearer_adm[SRV_TOKEN_LEN + 16];
  snprintf(bearer_rm, sizeof bearer_rm, "Bearer %s", tok_rm);
  snprintf(bearer_adm, sizeof bearer_adm, "Bearer %s", tok_adm);
  grpc_init();
  s.auth_rm.key = grpc_slice_from_static_string("authorization");
  s.auth_rm.value = grpc_slice_from_copied_string(bearer_rm);
  s.auth_admin.key = grpc_slice_from_static_string("authorization");
  s.auth_admin.value = grpc_slice_from_copied_string(bearer_adm);
  s.cur.lat = malloc(SOAK_LAT_CAP * sizeof(double));

  /* requests of the mix */
  uint8_t buf[256];
  Oppgraph__V1__ListPushListRequest lreq =
      OPPGRAPH__V1__LIST_PUSH_LIST_REQUEST__INIT;
  lreq.page_size = 50;
  Oppgraph__V1__GetEnterpriseRequest ereq =
      OPPGRAPH__V1__GET_ENTERPRISE_REQUEST__INIT;
  ereq.key_case = OPPGRAPH__V1__GET_ENTERPRISE_REQUEST__KEY_CREDIT_CODE;
  ereq.credit_code = code;
  Oppgraph__V1__GetOpportunityRequest oreq =
      OPPGRAPH__V1__GET_OPPORTUNITY_REQUEST__INIT;
  oreq.id = 1000;
  Oppgraph__V1__GetOpportunityRequest breq =
      OPPGRAPH__V1__GET_OPPORTUNITY_REQUEST__INIT;
  breq.id = 999999999;
  const ProtobufCMessage *reqs[SOAK_NKIND] = {&lreq.base, &ereq.base,
                                              &oreq.base, &breq.base};
  s.path[SOAK_LIST] = "/oppgraph.v1.OpportunityService/ListPushList";
  s.path[SOAK_ENT] = "/oppgraph.v1.EnterpriseService/GetEnterprise";
  s.path[SOAK_OPP] = "/oppgraph.v1.OpportunityService/GetOpportunity";
  s.path[SOAK_BAD] = "/oppgraph.v1.OpportunityService/GetOpportunity";
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  grpc_channel *ch = grpc_channel_create(listen, creds, NULL);
  grpc_channel_credentials_release(creds);
  grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
  void *methods[SOAK_NKIND];
  for (int k = 0; k < SOAK_NKIND; k++) {
    size_t n = protobuf_c_message_pack(reqs[k], buf);
    s.payload[k] = grpc_slice_from_copied_buffer((const char *)buf, n);
    methods[k] = grpc_channel_register_call(ch, s.path[k], NULL, NULL);
  }

  /* wait until the server answers */
  soak_call calls[SOAK_INFLIGHT];
  bool up = false;
  for (int i = 0; i < 200 && !up; i++) {
    if (soak_start(&s, ch, cq, methods, &calls[0]) == 0) {
      grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
      up = calls[0].u.status == GRPC_STATUS_OK ||
           calls[0].u.status == GRPC_STATUS_NOT_FOUND;
      soak_finish(&calls[0], NULL);
    }
    if (!up)
      usleep(50000);
  }
  if (!up) {
    fprintf(stderr, "bench_soak: %s serve does not answer on %s\n", bin,
            listen);
    kill(pid, SIGKILL);
    return 1;
  }

  /* calibration: closed loop, 64 in flight, 5 s */
  double t0 = bench_now(), end = t0 + 5;
  size_t done = 0;
  int active = 0;
  for (int i = 0; i < SOAK_INFLIGHT; i++)
    if (soak_start(&s, ch, cq, methods, &calls[i]) == 0)
      active++;
  while (active > 0) {
    grpc_event ev =
        grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (ev.type != GRPC_OP_COMPLETE)
      break;
    soak_finish(ev.tag, NULL);
    done++;
    active--;
    if (bench_now() < end && soak_start(&s, ch, cq, methods, ev.tag) == 0)
      active++;
  }
  double max_qps = (double)done / (bench_now() - t0), rate = 0.8 * max_qps;

  struct utsname u;
  uname(&u);
  printf("bench_soak: `%s serve` (own process, default 2 CQ threads) and a "
         "C-core client on one machine (%s %s, %ld CPUs); store: 1 RM, %d "
         "opportunities, %d enterprises at start.\n"
         "Calibration: %.0f QPS with %d in flight (mix: ListPushList 40%%, "
         "GetEnterprise 30%%, GetOpportunity 29%%, bad id 1%%); soak at 80%% "
         "= %.0f QPS for %.0f min, %d StreamOpportunities subscribers "
         "cancelled after 1-8 s and replaced, SubmitDocuments of 5 "
         "announcements every 2 s.\nLatency in ms of successful unary calls; "
         "NOT_FOUND are the deliberate bad ids; 'unexpected' counts every "
         "other non-OK status (unary, stream, ingest).\n\n",
         bin, u.sysname, u.machine, sysconf(_SC_NPROCESSORS_ONLN), SOAK_OPPS,
         SOAK_ENTS, max_qps, SOAK_INFLIGHT, rate, minutes, SOAK_STREAMS);
  printf("| min | calls | not sent | OK | NOT_FOUND | unexpected | p50 ms | p99 ms | "
         "p99.9 ms | streams opened | stream msgs | docs ingested | server "
         "RSS MiB | RssAnon MiB |\n");
  printf("|----:|------:|---------:|---:|----------:|-----------:|-------:|-------:|-----"
         "----:|---------------:|------------:|--------------:|-------------"
         ":|------------:|\n");
  fflush(stdout);

  pthread_t th_streams, th_ingest;
  pthread_create(&th_streams, NULL, soak_streams, &s);
  pthread_create(&th_ingest, NULL, soak_ingest, &s);

  size_t unexpected_total = 0, issued = 0, skipped = 0;
  double start = bench_now(), minute_end = start + 60,
         stop_at = start + minutes * 60;
  int minute = 1;
  soak_call *free_list[SOAK_INFLIGHT];
  int nfree = SOAK_INFLIGHT;
  for (int i = 0; i < SOAK_INFLIGHT; i++)
    free_list[i] = &calls[i];
  active = 0;
  for (;;) {
    double now = bench_now();
    bool running = now < stop_at;
    /* start the calls that are due */
    while (running && nfree > 0 &&
           start + (double)issued / rate <= now) {
      soak_call *c = free_list[--nfree];
      if (soak_start(&s, ch, cq, methods, c) == 0) {
        active++;
      } else {
        free_list[nfree++] = c;
        break;
      }
      issued++;
    }
    if (running && nfree == 0 && start + (double)issued / rate <= now) {
      issued++; /* all 64 busy: the call is dropped, not queued */
      skipped++;
    }
    /* the calls still in flight at the end count in the last minute */
    if ((running && now >= minute_end) || (!running && active == 0)) {
      soak_minute *m = &s.cur;
      qsort(m->lat, m->nlat, sizeof *m->lat, bench_cmp_double);
      size_t unexpected = m->calls - m->status[GRPC_STATUS_OK] -
                          m->status[GRPC_STATUS_NOT_FOUND] +
                          atomic_exchange(&m->stream_unexpected, 0) +
                          atomic_exchange(&m->ingest_errors, 0);
      unexpected_total += unexpected;
      printf("| %3d | %6zu | %6zu | %6zu | %4zu | %4zu | %6.2f | %6.2f | "
             "%7.2f | %4zu | %5zu | %5zu | %6.1f | %6.1f |\n",
             minute, m->calls, skipped, m->status[GRPC_STATUS_OK],
             m->status[GRPC_STATUS_NOT_FOUND], unexpected, soak_pct(m, 0.5),
             soak_pct(m, 0.99), soak_pct(m, 0.999),
             atomic_exchange(&m->streams_opened, 0),
             atomic_exchange(&m->stream_msgs, 0),
             atomic_exchange(&m->docs, 0),
             (double)bench_status_kb(pid, "VmRSS:") / 1024.0,
             (double)bench_status_kb(pid, "RssAnon:") / 1024.0);
      fflush(stdout);
      for (int k = 0; k < SOAK_NSTATUS; k++)
        if (k != GRPC_STATUS_OK && k != GRPC_STATUS_NOT_FOUND &&
            m->status[k])
          fprintf(stderr, "bench_soak: minute %d: %zu calls with status %d\n",
                  minute, m->status[k], k);
      m->calls = m->nlat = skipped = 0;
      memset(m->status, 0, sizeof m->status);
      minute++;
      minute_end += 60;
      if (!running && active == 0)
        break;
    }
    if (!running)
      atomic_store(&s.stop, true);
    double next = running ? start + (double)issued / rate : now + 0.1;
    double wait = next - bench_now();
    if (wait > 0.1)
      wait = 0.1;
    if (wait < 0)
      wait = 0;
    grpc_event ev = grpc_completion_queue_next(cq, soak_in(wait), NULL);
    while (ev.type == GRPC_OP_COMPLETE) {
      soak_call *c = ev.tag;
      soak_finish(c, &s.cur);
      free_list[nfree++] = c;
      active--;
      ev = grpc_completion_queue_next(cq, gpr_time_0(GPR_CLOCK_REALTIME),
                                      NULL);
    }
  }
  atomic_store(&s.stop, true);
  pthread_join(th_streams, NULL);
  pthread_join(th_ingest, NULL);
  long rss_end = bench_status_kb(pid, "VmRSS:"),
       anon_end = bench_status_kb(pid, "RssAnon:");
  kill(pid, SIGTERM);
  int wst = 0;
  waitpid(pid, &wst, 0);
  printf("\nserver RSS at the end %.1f MiB (RssAnon %.1f MiB); exit status "
         "%d; unexpected statuses in all: %zu\n",
         (double)rss_end / 1024.0, (double)anon_end / 1024.0, WIFEXITED(wst) ? WEXITSTATUS(wst) : -1,
         unexpected_total);

  grpc_channel_destroy(ch);
  grpc_completion_queue_shutdown(cq);
  while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME),
                                    NULL)
             .type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(cq);
  for (int k = 0; k < SOAK_NKIND; k++)
    grpc_slice_unref(s.payload[k]);
  grpc_slice_unref(s.auth_rm.value);
  grpc_slice_unref(s.auth_admin.value);
  free(s.cur.lat);
  grpc_shutdown();
  char cmd[96];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd))
    fprintf(stderr, "bench_soak: could not remove %s\n", dir);
  return unexpected_total ? 1 : 0;
}
