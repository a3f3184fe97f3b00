/*
 * bench_grpc.c — shared client pieces of the server benchmarks; see
 * bench_grpc.h.  Plain gRPC C core: a unary call is one batch of six ops
 * (metadata, message, half-close; initial metadata, message, status).
 */
#include "bench/lib/bench_grpc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>

/* The six ops of a unary call on c (payload already in c->req). */
static size_t bench_unary_ops(bench_unary *c, grpc_metadata *auth,
                              grpc_op ops[6]) {
  memset(ops, 0, 6 * sizeof *ops);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[0].data.send_initial_metadata.count = auth ? 1 : 0;
  ops[0].data.send_initial_metadata.metadata = auth;
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
  return 6;
}

int bench_unary_start(bench_unary *c, grpc_channel *ch,
                      grpc_completion_queue *cq, void *method,
                      grpc_slice payload, grpc_metadata *auth, void *tag) {
  memset(c, 0, sizeof *c);
  c->details = grpc_empty_slice();
  grpc_metadata_array_init(&c->init_md);
  grpc_metadata_array_init(&c->trail_md);
  c->call = grpc_channel_create_registered_call(
      ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method,
      gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                   gpr_time_from_seconds(10, GPR_TIMESPAN)),
      NULL);
  c->req = grpc_raw_byte_buffer_create(&payload, 1);
  grpc_op ops[6];
  size_t n = bench_unary_ops(c, auth, ops);
  clock_gettime(CLOCK_MONOTONIC, &c->t0);
  return grpc_call_start_batch(c->call, ops, n, tag, NULL) == GRPC_CALL_OK ? 0
                                                                           : -1;
}

double bench_unary_finish(bench_unary *c) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double us = (double)(t1.tv_sec - c->t0.tv_sec) * 1e6 +
              (double)(t1.tv_nsec - c->t0.tv_nsec) / 1e3;
  grpc_byte_buffer_destroy(c->req);
  if (c->resp)
    grpc_byte_buffer_destroy(c->resp);
  grpc_slice_unref(c->details);
  grpc_metadata_array_destroy(&c->init_md);
  grpc_metadata_array_destroy(&c->trail_md);
  grpc_call_unref(c->call);
  return us;
}

grpc_status_code bench_unary_wait(grpc_channel *ch, const char *path,
                                  const uint8_t *req, size_t len,
                                  grpc_metadata *auth, double secs,
                                  char *details, size_t dlen) {
  grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
  grpc_slice p = grpc_slice_from_static_string(path);
  bench_unary c;
  memset(&c, 0, sizeof c);
  c.status = GRPC_STATUS_UNKNOWN;
  c.details = grpc_empty_slice();
  grpc_metadata_array_init(&c.init_md);
  grpc_metadata_array_init(&c.trail_md);
  c.call = grpc_channel_create_call(
      ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, p, NULL,
      gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                   gpr_time_from_micros((int64_t)(secs * 1e6), GPR_TIMESPAN)),
      NULL);
  grpc_slice sl = grpc_slice_from_copied_buffer((const char *)req, len);
  c.req = grpc_raw_byte_buffer_create(&sl, 1);
  grpc_slice_unref(sl);
  grpc_op ops[6];
  size_t n = bench_unary_ops(&c, auth, ops);
  int tag;
  if (grpc_call_start_batch(c.call, ops, n, &tag, NULL) == GRPC_CALL_OK)
    grpc_completion_queue_pluck(cq, &tag, gpr_inf_future(GPR_CLOCK_REALTIME),
                                NULL);
  if (details && dlen) {
    size_t k = GRPC_SLICE_LENGTH(c.details);
    if (k >= dlen)
      k = dlen - 1;
    memcpy(details, GRPC_SLICE_START_PTR(c.details), k);
    details[k] = '\0';
  }
  grpc_status_code st = c.status;
  bench_unary_finish(&c);
  grpc_completion_queue_shutdown(cq);
  grpc_completion_queue_pluck(cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME),
                              NULL);
  grpc_completion_queue_destroy(cq);
  return st;
}

double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int bench_free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (fd < 0)
    return -1;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) ||
      getsockname(fd, (struct sockaddr *)&a, &len)) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(a.sin_port);
}

long bench_status_kb(pid_t pid, const char *key) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  long kb = 0;
  size_t n = strlen(key);
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, key, n))
      kb = atol(line + n);
  if (f)
    fclose(f);
  return kb;
}

double bench_cpu_seconds(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  /* Fields after the command (which may hold spaces) start after the last
   * ')': state is field 3, utime 14, stime 15. */
  const char *p = strrchr(buf, ')');
  if (!p)
    return -1;
  unsigned long ut = 0, st = 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
             &st) != 2)
    return -1;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

int bench_machine_ticks(unsigned long long *busy, unsigned long long *all) {
  FILE *f = fopen("/proc/stat", "r");
  if (!f)
    return -1;
  unsigned long long v[10] = {0};
  int n =
      fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
             &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
  fclose(f);
  if (n < 4)
    return -1;
  /* guest and guest_nice (8, 9) are already inside user and nice */
  *all = 0;
  for (int i = 0; i < 8; i++)
    *all += v[i];
  *busy = *all - v[3] - v[4];
  return 0;
}

long bench_ctx_switches(pid_t pid, int voluntary) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (!d)
    return -1;
  const char *key =
      voluntary ? "voluntary_ctxt_switches:" : "nonvoluntary_ctxt_switches:";
  long sum = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.')
      continue;
    char sp[320], line[256];
    snprintf(sp, sizeof sp, "/proc/%d/task/%s/status", (int)pid, e->d_name);
    FILE *f = fopen(sp, "r");
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
      if (!strncmp(line, key, n))
        sum += atol(line + n);
    if (f)
      fclose(f);
  }
  closedir(d);
  return sum;
}

int bench_pin_cpu(pid_t pid, int cpu) {
  if (cpu < 0 || cpu >= sysconf(_SC_NPROCESSORS_ONLN))
    return -1;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(pid, sizeof set, &set) ? -1 : 0;
}

int bench_seed_world(store *st, const char *rm, const char *admin,
                     const char *word, const char *code, int ents, int opps,
                     char *code_out) {
  store_txn *txn;
  uint64_t *ids = calloc((size_t)ents + 1, sizeof *ids);
  if (!ids || store_begin(st, true, &txn)) {
    free(ids);
    return -1;
  }
  int rc = -1;
  Oppgraph__V1__Rm r = OPPGRAPH__V1__RM__INIT;
  r.id = (char *)rm;
  r.team = "T";
  if (store_rm_put(txn, &r))
    goto out;
  if (admin) {
    Oppgraph__V1__Rm a = OPPGRAPH__V1__RM__INIT;
    a.id = (char *)admin;
    a.team = "T";
    a.role = OPPGRAPH__V1__ROLE__ROLE_ADMIN;
    if (store_rm_put(txn, &a))
      goto out;
  }
  char name[96], cc[64], key[48], expl[160];
  char *products[] = {"履约保函", "流动资金贷款"};
  int width = 10 - (int)strnlen(code, 9); /* 8 + strlen(code) + width = 18 */
  for (int i = 0; i < ents; i++) {
    Oppgraph__V1__Enterprise e = OPPGRAPH__V1__ENTERPRISE__INIT;
    snprintf(name, sizeof name, "%s测试%04d有限公司", word, i);
    if (snprintf(cc, sizeof cc, "91310000%s%0*d", code, width, i) >= 32)
      goto out; /* a credit code, 18 characters */
    e.name = name;
    e.credit_code = cc;
    if (store_ent_put(txn, &e))
      goto out;
    ids[i] = e.id;
    if (i == ents / 2)
      strcpy(code_out, cc);
  }
  snprintf(expl, sizeof expl,
           "%s测试公司中标某市政项目，金额 1.2 亿元，建议跟进履约保函", word);
  for (int i = 0; i < opps; i++) {
    Oppgraph__V1__Opportunity o = OPPGRAPH__V1__OPPORTUNITY__INIT;
    snprintf(key, sizeof key, "%s:%d", rm, i);
    snprintf(name, sizeof name, "%s测试%04d有限公司", word, i % ents);
    o.enterprise_id = ids[i % ents];
    o.enterprise_name = name;
    o.type = "中标";
    o.products = products;
    o.n_products = 2;
    o.score = (double)((i * 7919) % 1000) / 10.0;
    o.explanation = expl;
    o.dedup_key = key;
    o.rm_id = (char *)rm;
    if (store_opp_put(txn, &o))
      goto out;
  }
  rc = store_commit(txn) ? -1 : 0;
  txn = NULL;
out:
  store_abort(txn);
  free(ids);
  return rc;
}
