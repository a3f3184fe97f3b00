/*
 * test_server_feedback.c — the pieces under the CRM API's writes and
 * settings: the push log StreamOpportunities resumes from (order, resume
 * after a sequence, versions, survival of an abort and of a reopen), the
 * conversion priors of RecordFeedback, store_check staying clean with both
 * in meta, and the `serve --config` parser (values, flags kept on reload,
 * errors naming file and line).
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/server.h"
#include "store/store.h"

#define TMPSTORE_PREFIX "/tmp/test_srvfb.XXXXXX"
#include "tests/unit/tmpstore.h"

static void test_push_log_order_resume_and_abort(void **state) {
  store *st = *state;
  store_txn *t;
  uint64_t seq, opp, head;
  assert_int_equal(store_begin(st, false, &t), 0);
  assert_int_equal(store_push_head(t, &head), 0);
  assert_int_equal(head, 0);
  assert_int_equal(store_push_next(t, 0, &seq, &opp), STORE_ENOTFOUND);
  store_abort(t);

  assert_int_equal(store_begin(st, true, &t), 0);
  uint64_t s1, s2, s3;
  assert_int_equal(store_push_append(t, 42, 1000, &s1), 0);
  assert_int_equal(store_push_append(t, 7, 1001, &s2), 0);
  assert_int_equal(store_push_append(t, 42, 1002, &s3), 0);
  assert_true(s1 < s2 && s2 < s3);
  assert_int_equal(store_commit(t), 0);

  /* an aborted append leaves no trace: not in the log, not in the head */
  assert_int_equal(store_begin(st, true, &t), 0);
  assert_int_equal(store_push_append(t, 99, 5, NULL), 0);
  store_abort(t);

  assert_int_equal(store_begin(st, false, &t), 0);
  assert_int_equal(store_push_head(t, &head), 0);
  assert_int_equal(head, s3);
  /* resuming after each sequence gives exactly the next entry */
  assert_int_equal(store_push_next(t, 0, &seq, &opp), 0);
  assert_int_equal(seq, s1);
  assert_int_equal(opp, 42);
  assert_int_equal(store_push_next(t, s1, &seq, &opp), 0);
  assert_int_equal(seq, s2);
  assert_int_equal(opp, 7);
  assert_int_equal(store_push_next(t, s2, &seq, &opp), 0);
  assert_int_equal(seq, s3);
  assert_int_equal(store_push_next(t, s3, &seq, &opp), STORE_ENOTFOUND);
  assert_int_equal(store_push_next(t, UINT64_MAX, &seq, &opp),
                   STORE_ENOTFOUND);
  int64_t ver;
  assert_int_equal(store_push_version(t, 42, &ver), 0);
  assert_int_equal(ver, 1002); /* the latest logged version */
  assert_int_equal(store_push_version(t, 99, &ver), STORE_ENOTFOUND);
  /* the meta keys of the log do not upset the consistency check */
  store_check_report rep;
  assert_int_equal(store_check(t, NULL, NULL, &rep), 0);
  store_abort(t);

  /* and they survive closing the store */
  store_close(st);
  assert_int_equal(store_open(g_dir, NULL, &st), 0);
  *state = st;
  assert_int_equal(store_begin(st, false, &t), 0);
  assert_int_equal(store_push_head(t, &head), 0);
  assert_int_equal(head, s3);
  store_abort(t);
}

static void test_priors_per_type(void **state) {
  store *st = *state;
  store_txn *t;
  store_prior p;
  assert_int_equal(store_begin(st, true, &t), 0);
  assert_int_equal(store_prior_get(t, "中标", &p), 0);
  assert_int_equal(p.accepted + p.rejected + p.won, 0);
  store_prior w = {.accepted = 3, .rejected = 1, .won = 2};
  assert_int_equal(store_prior_put(t, "中标", &w), 0);
  store_prior other = {.rejected = 5};
  assert_int_equal(store_prior_put(t, "质押", &other), 0);
  assert_int_equal(store_commit(t), 0);
  assert_int_equal(store_begin(st, false, &t), 0);
  assert_int_equal(store_prior_get(t, "中标", &p), 0);
  assert_int_equal(p.accepted, 3);
  assert_int_equal(p.rejected, 1);
  assert_int_equal(p.won, 2);
  assert_int_equal(store_prior_get(t, "质押", &p), 0);
  assert_int_equal(p.rejected, 5);
  assert_int_equal(p.accepted, 0);
  assert_int_equal(store_prior_get(t, "", &p), STORE_EINVAL);
  /* a read transaction cannot write */
  assert_int_equal(store_prior_put(t, "中标", &w), STORE_EINVAL);
  store_abort(t);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_config_file(void **state) {
  (void)state;
  char path[128], err[512];
  snprintf(path, sizeof path, "%s/serve.conf", g_dir);
  write_file(path, "# comment\n\nlisten = \"0.0.0.0:7000\"  # trailing\n"
                   "threads=6\nrate_limit = 2.5\nrate_burst = 10\n"
                   "read_only = yes\nrequire_deadline = false\nlog_level = 0\n"
                   "data_dir = /srv/data\n");
  srv_config c;
  srv_config_init(&c);
  assert_int_equal(srv_config_load(&c, path, err, sizeof err), 0);
  assert_string_equal(c.listen, "0.0.0.0:7000");
  assert_int_equal(c.threads, 6);
  assert_true(c.rate_limit == 2.5);
  assert_true(c.rate_burst == 10);
  assert_true(c.read_only);
  assert_false(c.require_deadline);
  assert_int_equal(c.log_level, 0);
  assert_string_equal(c.data_dir, "/srv/data");
  srv_config_destroy(&c);

  srv_config_init(&c);
  write_file(path, "threads = 4\nrate_limit = fast\n");
  assert_int_equal(srv_config_load(&c, path, err, sizeof err), SRV_EINVAL);
  assert_non_null(strstr(err, "serve.conf:2"));
  assert_non_null(strstr(err, "rate_limit"));
  write_file(path, "threads = 1\n");
  assert_int_equal(srv_config_load(&c, path, err, sizeof err), SRV_EINVAL);
  assert_non_null(strstr(err, "serve.conf:1"));
  write_file(path, "no equals sign here\n");
  assert_int_equal(srv_config_load(&c, path, err, sizeof err), SRV_EINVAL);
  assert_non_null(strstr(err, "key = value"));
  write_file(path, "listen = a:1\nlisten_port = 3\n");
  assert_int_equal(srv_config_load(&c, path, err, sizeof err), SRV_EINVAL);
  assert_non_null(strstr(err, "unknown key 'listen_port'"));
  snprintf(path, sizeof path, "%s/absent.conf", g_dir);
  assert_int_equal(srv_config_load(&c, path, err, sizeof err), SRV_EINVAL);
  assert_non_null(strstr(err, "absent.conf"));
  srv_config_destroy(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_push_log_order_resume_and_abort,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_priors_per_type, setup, teardown),
      cmocka_unit_test_setup_teardown(test_config_file, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
