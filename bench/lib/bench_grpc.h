/*
 * bench_grpc.h — the gRPC C-core client pieces the server benchmarks share
 * (bench_server.c, bench_soak.c): one unary call driven on a completion
 * queue, one unary call waited for, a free loopback port, /proc figures
 * of the server process, and the small world both serve (bench_seed_world).
 * Linked into every bench program (Makefile).
 */
#ifndef OPPGRAPH_BENCH_GRPC_H
#define OPPGRAPH_BENCH_GRPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <grpc/grpc.h>

#include "store/store.h"

/* One unary call in flight: request, response, status, start time. */
typedef struct bench_unary {
  grpc_call *call;
  grpc_metadata_array init_md, trail_md;
  grpc_byte_buffer *req, *resp;
  grpc_status_code status;
  grpc_slice details;
  struct timespec t0;
} bench_unary;

/* Starts a registered unary call with `payload` and one metadata entry
 * (auth), 10 s deadline; its completion arrives on cq with `tag`.  0 ok. */
int bench_unary_start(bench_unary *c, grpc_channel *ch,
                      grpc_completion_queue *cq, void *method,
                      grpc_slice payload, grpc_metadata *auth, void *tag);
/* After its completion: frees the call; returns the microseconds since
 * bench_unary_start. */
double bench_unary_finish(bench_unary *c);
/* One unary call by path, waited for (deadline `secs`); returns its status
 * and, when details is not NULL, its message (NUL-terminated). */
grpc_status_code bench_unary_wait(grpc_channel *ch, const char *path,
                                  const uint8_t *req, size_t len,
                                  grpc_metadata *auth, double secs,
                                  char *details, size_t dlen);

/* Monotonic seconds. */
double bench_now(void);
/* qsort comparator of doubles. */
int bench_cmp_double(const void *a, const void *b);
/* A free TCP port on 127.0.0.1, or -1. */
int bench_free_port(void);
/* A "Key:  N kB" line of /proc/PID/status (key with its colon), 0 if none. */
long bench_status_kb(pid_t pid, const char *key);
/* User + system CPU seconds of process pid so far (/proc/PID/stat), -1 on
 * failure: the server's own work, whatever else the machine runs. */
double bench_cpu_seconds(pid_t pid);

/* Context switches of every thread of process pid so far (the sum of
 * /proc/PID/task/TID/status): voluntary ones (a thread waits: futex, epoll)
 * when `voluntary`, else the involuntary ones (preempted).  -1 on failure.
 * Voluntary switches per call count the hand-offs between threads a design
 * costs, whatever else the machine runs. */
long bench_ctx_switches(pid_t pid, int voluntary);
/* The machine's CPU time from /proc/stat, in clock ticks: *busy is every
 * field but idle and iowait (steal included), *all every field.  The share
 * of busy between two readings is how loaded all CPUs were.  -1 on error. */
int bench_machine_ticks(unsigned long long *busy, unsigned long long *all);
/* Pins process/thread pid (0 = the caller) to CPU cpu; 0 ok, -1 when the
 * machine has no such CPU or the call failed. */
int bench_pin_cpu(pid_t pid, int cpu);

/* The world the server benchmarks serve, in one write transaction: RM
 * `rm` (and `admin`, an admin, unless NULL), `ents` enterprises named
 * "<word>测试%04d有限公司" with 18-character credit codes "91310000<code>…",
 * and `opps` 中标 opportunities of `rm` spread over them with scores
 * 0–99.9.  code_out (32 bytes) gets the middle enterprise's credit code.
 * 0 ok, -1 on a store error. */
int bench_seed_world(store *st, const char *rm, const char *admin,
                     const char *word, const char *code, int ents, int opps,
                     char *code_out);

#endif
