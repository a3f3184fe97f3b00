/*
 * cmd_feedback.c — `oppgraph feedback`: records an RM's verdict on an
 * opportunity from the command line, the twin of the gRPC RecordFeedback.
 * The work is opp_record_feedback (opportunity/feedback.c), the function the
 * server handler calls, in one write transaction; a running server sees the
 * commit like any other external write (its push streams carry the verdict).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "opportunity/opportunity.h"
#include "store/store.h"

/* The same bound as RecordFeedback's: a reason is a sentence, not a file. */
#define FB_REASON_MAX 500

static void fb_usage(FILE *f) {
  fprintf(f,
          "usage: oppgraph feedback --db DIR --opp ID --outcome "
          "accepted|rejected|won\n"
          "                         [--reason TEXT] [--rm RM_ID]\n\n"
          "Records an RM's verdict on an opportunity, exactly as the CRM's\n"
          "RecordFeedback does: the opportunity's status, reason and time\n"
          "change, and its type's conversion prior (which scores later\n"
          "opportunities of that type) moves to the new verdict.\n\n"
          "  --opp ID      the opportunity id (push-list --json shows it)\n"
          "  --outcome O   accepted, rejected or won\n"
          "  --reason T    why, in the RM's words (at most %d bytes)\n"
          "  --rm RM_ID    refuse unless the opportunity is this RM's\n\n"
          "Prints the opportunity's new status and the type's prior.\n"
          "Exit status: 0 recorded, 1 not recorded (reason on stderr), 2 usage "
          "error.\n",
          FB_REASON_MAX);
}

static int fb_outcome(const char *v) {
  if (!strcmp(v, "accepted"))
    return OPPGRAPH__V1__OPP_STATUS__OPP_ACCEPTED;
  if (!strcmp(v, "rejected"))
    return OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED;
  if (!strcmp(v, "won"))
    return OPPGRAPH__V1__OPP_STATUS__OPP_WON;
  return -1;
}

int cmd_feedback(int argc, char **argv) {
  const char *db = NULL, *opp = NULL, *outcome = NULL, *reason = "",
             *rm_id = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fb_usage(stdout);
      return CLI_EXIT_OK;
    }
    if (i + 1 >= argc) {
      fprintf(stderr,
              "oppgraph feedback: unknown option or missing value: '%s'\n\n",
              a);
      fb_usage(stderr);
      return CLI_EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--db"))
      db = v;
    else if (!strcmp(a, "--opp"))
      opp = v;
    else if (!strcmp(a, "--outcome"))
      outcome = v;
    else if (!strcmp(a, "--reason"))
      reason = v;
    else if (!strcmp(a, "--rm"))
      rm_id = v;
    else {
      fprintf(stderr, "oppgraph feedback: unknown option '%s'\n\n", a);
      fb_usage(stderr);
      return CLI_EXIT_USAGE;
    }
  }
  if (!db || !opp || !outcome) {
    fprintf(stderr, "oppgraph feedback: --db DIR, --opp ID and --outcome are "
                    "required\n\n");
    fb_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  char *end;
  errno = 0;
  unsigned long long id = strtoull(opp, &end, 10);
  if (!*opp || *end || *opp == '-' || errno || !id) {
    fprintf(stderr,
            "oppgraph feedback: --opp '%s': expected an opportunity id (a "
            "positive number, see push-list --json)\n",
            opp);
    return CLI_EXIT_USAGE;
  }
  int status = fb_outcome(outcome);
  if (status < 0) {
    fprintf(stderr,
            "oppgraph feedback: --outcome '%s': expected accepted, rejected "
            "or won\n",
            outcome);
    return CLI_EXIT_USAGE;
  }
  if (strlen(reason) > FB_REASON_MAX) {
    fprintf(stderr,
            "oppgraph feedback: --reason is %zu bytes: keep it under %d\n",
            strlen(reason), FB_REASON_MAX);
    return CLI_EXIT_USAGE;
  }

  store *st = NULL;
  store_options opt = {0};
  int rc = store_open(db, &opt, &st);
  if (rc) {
    fprintf(stderr, "oppgraph feedback: cannot open store %s: %s\n", db,
            store_strerror(rc));
    return CLI_EXIT_FAIL;
  }
  store_txn *w = NULL;
  if (store_begin(st, true, &w)) {
    fprintf(stderr, "oppgraph feedback: cannot write store %s: %s\n", db,
            store_last_error());
    store_close(st);
    return CLI_EXIT_FAIL;
  }
  Oppgraph__V1__Opportunity *o = NULL;
  store_prior prior = {0};
  rc = opp_record_feedback(w, (uint64_t)id, rm_id, status, reason,
                           (int64_t)time(NULL), &o, &prior);
  if (!rc && store_commit(w))
    rc = OPP_ESTORE;
  else if (rc)
    store_abort(w);
  int exit_code = CLI_EXIT_OK;
  if (rc == OPP_ENOTFOUND) {
    fprintf(stderr,
            "oppgraph feedback: no opportunity %llu in %s (push-list --json "
            "shows the ids)\n",
            id, db);
    exit_code = CLI_EXIT_FAIL;
  } else if (rc == OPP_EPERM) {
    fprintf(stderr,
            "oppgraph feedback: opportunity %llu belongs to another RM than "
            "'%s': only its RM records feedback on it (drop --rm to record "
            "it anyway)\n",
            id, rm_id);
    exit_code = CLI_EXIT_FAIL;
  } else if (rc) {
    fprintf(stderr,
            "oppgraph feedback: recording feedback on %llu in %s failed: %s "
            "(%s)\n",
            id, db, opp_strerror(rc), store_last_error());
    exit_code = CLI_EXIT_FAIL;
  } else {
    printf("opportunity %" PRIu64 " (%s, RM %s): %s\n", o->id,
           o->enterprise_name && *o->enterprise_name ? o->enterprise_name : "-",
           o->rm_id && *o->rm_id ? o->rm_id : "-", outcome);
    if (o->type && *o->type)
      printf("prior of %s: accepted %" PRIu64 ", rejected %" PRIu64
             ", won %" PRIu64 ", conversion %.3f\n",
             o->type, prior.accepted, prior.rejected, prior.won,
             opp_prior_rate(&prior));
  }
  if (o)
    oppgraph__v1__opportunity__free_unpacked(o, NULL);
  store_close(st);
  return exit_code;
}
