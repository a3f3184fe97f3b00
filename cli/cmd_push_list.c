/*
 * cmd_push_list.c — `oppgraph push-list`: an RM's push list as a table (or
 * JSON), read through srv_push_page, the same page reader the gRPC
 * ListPushList uses, so that the CLI and the CRM see the same order; with
 * --status through srv_push_page_where, ListPushList's status filter, so that
 * closed (rejected, won, expired) opportunities can be listed too.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/server.h"
#include "store/store.h"

static void push_usage(FILE *f) {
  fprintf(
      f,
      "usage: oppgraph push-list --db DIR --rm RM_ID [--limit N] "
      "[--status S[,S...]]\n"
      "                          [--json]\n\n"
      "Prints the RM's opportunities, best score first: rank, score, "
      "enterprise,\n"
      "type, products, risk flags and the explanation.\n\n"
      "  --limit N   at most N opportunities (default 20)\n"
      "  --status S  only opportunities with one of these statuses, comma-\n"
      "              separated: new, pushed, accepted, rejected, won, "
      "expired\n"
      "              (default: the open ones: new, pushed, accepted)\n"
      "  --json      one JSON object {rm_id, total, opportunities:[...]} "
      "instead\n");
}

/* Terminal columns a UTF-8 string takes: East Asian wide characters count 2.
 * Approximate (no combining marks), which is enough to align names. */
static size_t push_width(const char *s, size_t *bytes_for, size_t maxcols) {
  size_t cols = 0, i = 0;
  const unsigned char *u = (const unsigned char *)s;
  while (u[i]) {
    size_t n = u[i] < 0x80 ? 1 : u[i] < 0xE0 ? 2 : u[i] < 0xF0 ? 3 : 4;
    uint32_t cp = u[i];
    if (n == 3 && u[i + 1] && u[i + 2])
      cp = (uint32_t)(u[i] & 0x0F) << 12 | (uint32_t)(u[i + 1] & 0x3F) << 6 |
           (u[i + 2] & 0x3F);
    size_t w = (n >= 3 && cp >= 0x1100) || n == 4 ? 2 : 1;
    if (cols + w > maxcols)
      break;
    for (size_t k = 0; k < n; k++)
      if (!u[i + k]) {
        n = k;
        break;
      }
    cols += w;
    i += n;
  }
  if (bytes_for)
    *bytes_for = i;
  return cols;
}

/* Prints s cut and padded to exactly cols columns. */
static void push_cell(const char *s, size_t cols) {
  size_t bytes;
  size_t w = push_width(s ? s : "", &bytes, cols);
  fwrite(s ? s : "", 1, bytes, stdout);
  for (; w < cols; w++)
    putchar(' ');
}

static void push_join(char *buf, size_t len, char **items, size_t n) {
  buf[0] = '\0';
  size_t used = 0;
  for (size_t i = 0; i < n && used + 1 < len; i++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                             items[i]);
  if (!n)
    snprintf(buf, len, "-");
}

static const char *const push_status_names[] = {
    [OPPGRAPH__V1__OPP_STATUS__OPP_NEW] = "new",
    [OPPGRAPH__V1__OPP_STATUS__OPP_PUSHED] = "pushed",
    [OPPGRAPH__V1__OPP_STATUS__OPP_ACCEPTED] = "accepted",
    [OPPGRAPH__V1__OPP_STATUS__OPP_REJECTED] = "rejected",
    [OPPGRAPH__V1__OPP_STATUS__OPP_WON] = "won",
    [OPPGRAPH__V1__OPP_STATUS__OPP_EXPIRED] = "expired",
};
#define PUSH_NSTATUS (sizeof push_status_names / sizeof *push_status_names)

static const char *push_status_name(int st) {
  return st >= 0 && (size_t)st < PUSH_NSTATUS ? push_status_names[st] : "?";
}

/* "won,rejected" -> the statuses; -1 naming the bad word. */
static int push_parse_status(const char *v, Oppgraph__V1__OppStatus *out,
                             size_t *n) {
  *n = 0;
  const char *p = v;
  while (*p) {
    size_t len = strcspn(p, ",");
    size_t k = 0;
    while (k < PUSH_NSTATUS && !(strlen(push_status_names[k]) == len &&
                                 !strncmp(push_status_names[k], p, len)))
      k++;
    if (k == PUSH_NSTATUS || *n == PUSH_NSTATUS) {
      fprintf(stderr,
              "oppgraph push-list: --status '%s': '%.*s' is not a status; "
              "expected new, pushed, accepted, rejected, won or expired, "
              "comma-separated\n",
              v, (int)len, p);
      return -1;
    }
    out[(*n)++] = (Oppgraph__V1__OppStatus)k;
    p += len;
    if (*p == ',')
      p++;
  }
  if (!*n) {
    fprintf(stderr, "oppgraph push-list: --status is empty: name at least "
                    "one status\n");
    return -1;
  }
  return 0;
}

static json_t *push_strings(char **items, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_string(items[i]));
  return a;
}

int cmd_push_list(int argc, char **argv) {
  const char *db = NULL, *rm_id = NULL;
  long limit = SRV_PAGE_DEFAULT;
  bool as_json = false;
  Oppgraph__V1__OppStatus statuses[PUSH_NSTATUS];
  size_t nstatus = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      push_usage(stdout);
      return CLI_EXIT_OK;
    }
    if (!strcmp(a, "--json")) {
      as_json = true;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr,
              "oppgraph push-list: unknown option or missing value: '%s'\n", a);
      return CLI_EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (!strcmp(a, "--db"))
      db = v;
    else if (!strcmp(a, "--rm"))
      rm_id = v;
    else if (!strcmp(a, "--status")) {
      if (push_parse_status(v, statuses, &nstatus))
        return CLI_EXIT_USAGE;
    } else if (!strcmp(a, "--limit")) {
      char *end;
      limit = strtol(v, &end, 10);
      if (!*v || *end || limit < 1 || limit > 1000000) {
        fprintf(
            stderr,
            "oppgraph push-list: --limit '%s': expected a positive number\n",
            v);
        return CLI_EXIT_USAGE;
      }
    } else {
      fprintf(stderr, "oppgraph push-list: unknown option '%s'\n\n", a);
      push_usage(stderr);
      return CLI_EXIT_USAGE;
    }
  }
  if (!db || !rm_id) {
    fprintf(stderr,
            "oppgraph push-list: --db DIR and --rm RM_ID are required\n\n");
    push_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  store_options opt = {.read_only = true};
  store *st = NULL;
  int rc = store_open(db, &opt, &st);
  if (rc) {
    fprintf(stderr, "oppgraph push-list: cannot open store %s: %s\n", db,
            store_strerror(rc));
    return CLI_EXIT_FAIL;
  }
  store_txn *txn = NULL;
  if (store_begin(st, false, &txn)) {
    fprintf(stderr, "oppgraph push-list: cannot read store %s: %s\n", db,
            store_last_error());
    store_close(st);
    return CLI_EXIT_FAIL;
  }
  int exit_code = CLI_EXIT_OK;
  Oppgraph__V1__Rm *rm = NULL;
  rc = store_rm_get(txn, rm_id, &rm);
  if (rc) {
    fprintf(stderr, "oppgraph push-list: %s RM '%s' in %s\n",
            rc == STORE_ENOTFOUND ? "no" : "cannot read", rm_id, db);
    store_abort(txn);
    store_close(st);
    return CLI_EXIT_FAIL;
  }

  json_t *jlist = as_json ? json_array() : NULL;
  char token[2 * STORE_PAGE_KEY_LEN + 1] = "";
  long shown = 0;
  uint32_t total = 0;
  bool header = false;
  while (shown < limit) {
    long want = limit - shown;
    Oppgraph__V1__ListPushListResponse *page = NULL;
    Oppgraph__V1__ListPushListRequest req =
        OPPGRAPH__V1__LIST_PUSH_LIST_REQUEST__INIT;
    req.page_token = token;
    req.page_size = (int32_t)(want > SRV_PAGE_MAX ? SRV_PAGE_MAX : want);
    req.status = statuses;
    req.n_status = nstatus;
    rc = srv_push_page_where(txn, rm_id, &req, &page);
    if (rc) {
      fprintf(stderr,
              "oppgraph push-list: reading the push list of '%s' in %s: %s\n",
              rm_id, db, srv_strerror(rc));
      exit_code = CLI_EXIT_FAIL;
      break;
    }
    total = page->total;
    if (!as_json && !header) {
      printf("push list of %s (%s, team %s): %u opportunities%s\n\n", rm->id,
             rm->name && *rm->name ? rm->name : "-",
             rm->team && *rm->team ? rm->team : "-", total,
             total > (uint32_t)limit ? ", best first" : "");
      if (total) {
        printf("rank      score  ");
        push_cell("enterprise", 30);
        printf("  ");
        push_cell("type", 12);
        printf("  ");
        push_cell("products", 34);
        printf("  risk\n");
      }
      header = true;
    }
    for (size_t i = 0; i < page->n_opportunities; i++) {
      const Oppgraph__V1__Opportunity *o = page->opportunities[i];
      shown++;
      if (as_json) {
        json_t *j = json_pack(
            "{s:I, s:I, s:f, s:I, s:s, s:s, s:o, s:o, s:s, s:I, s:s, s:s}",
            "rank",
            (json_int_t)shown, "id", (json_int_t)o->id, "score", o->score,
            "enterprise_id", (json_int_t)o->enterprise_id, "enterprise",
            o->enterprise_name, "type", o->type, "products",
            push_strings(o->products, o->n_products), "risk_flags",
            push_strings(o->risk_flags, o->n_risk_flags), "explanation",
            o->explanation, "amount", (json_int_t)o->amount, "status",
            push_status_name(o->status), "feedback_reason",
            o->feedback_reason ? o->feedback_reason : "");
        if (j)
          json_array_append_new(jlist, j);
        continue;
      }
      char products[512], risks[512];
      push_join(products, sizeof products, o->products, o->n_products);
      push_join(risks, sizeof risks, o->risk_flags, o->n_risk_flags);
      printf("%4ld  %9.4g  ", shown, o->score); /* scores have no fixed scale */
      push_cell(o->enterprise_name, 30);
      printf("  ");
      push_cell(o->type, 12);
      printf("  ");
      push_cell(products, 34);
      printf("  %s\n", risks);
      if (o->explanation && *o->explanation)
        printf("      why: %s\n", o->explanation);
      if (nstatus)
        printf("      status: %s%s%s\n", push_status_name(o->status),
               o->feedback_reason && *o->feedback_reason ? ", reason: " : "",
               o->feedback_reason ? o->feedback_reason : "");
    }
    bool last = !page->next_page_token || !*page->next_page_token ||
                page->n_opportunities == 0;
    if (!last)
      snprintf(token, sizeof token, "%s", page->next_page_token);
    srv_push_page_free(page);
    if (last)
      break;
  }
  if (as_json && exit_code == CLI_EXIT_OK) {
    json_t *doc = json_pack("{s:s, s:I, s:o}", "rm_id", rm_id, "total",
                            (json_int_t)total, "opportunities", jlist);
    jlist = NULL;
    char *s = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    if (s)
      printf("%s\n", s);
    free(s);
    json_decref(doc);
  }
  json_decref(jlist);
  oppgraph__v1__rm__free_unpacked(rm, NULL);
  store_abort(txn);
  store_close(st);
  return exit_code;
}
