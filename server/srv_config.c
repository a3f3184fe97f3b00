/*
 * srv_config.c — the `--config FILE` format of `oppgraph serve`: one
 * "key = value" a line, '#' starts a comment, blank lines ignored, values
 * may be quoted with "".  Unknown keys and bad values are errors naming
 * the file and line, so a typo never silently falls back to a default.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"

static char *srv_trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

static int srv_num(const char *v, double min, double max, double *out) {
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  if (!*v || *end || errno || d < min || d > max)
    return -1;
  *out = d;
  return 0;
}

static int srv_bool(const char *v, bool *out) {
  if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
    *out = true;
  else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
    *out = false;
  else
    return -1;
  return 0;
}

static int srv_keep(srv_config *cfg, const char *v, const char **slot) {
  if (cfg->nowned == sizeof cfg->owned / sizeof cfg->owned[0])
    return -1;
  char *d = strdup(v);
  if (!d)
    return -1;
  cfg->owned[cfg->nowned++] = d;
  *slot = d;
  return 0;
}

int srv_config_load(srv_config *cfg, const char *path, char *err,
                    size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return SRV_EINVAL;
  }
  char line[4096];
  int lineno = 0, rc = SRV_OK;
  while (rc == SRV_OK && fgets(line, sizeof line, f)) {
    lineno++;
    char *hash = strchr(line, '#');
    if (hash)
      *hash = '\0';
    char *l = srv_trim(line);
    if (!*l)
      continue;
    char *eq = strchr(l, '=');
    if (!eq) {
      snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
      rc = SRV_EINVAL;
      break;
    }
    *eq = '\0';
    char *k = srv_trim(l), *v = srv_trim(eq + 1);
    size_t vn = strlen(v);
    if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
      v[vn - 1] = '\0';
      v++;
    }
    double d;
    bool b;
    int bad = 0;
    const char *what = "";
    if (!strcmp(k, "listen"))
      bad = srv_keep(cfg, v, &cfg->listen), what = "HOST:PORT";
    else if (!strcmp(k, "tls_cert"))
      bad = srv_keep(cfg, v, &cfg->tls_cert), what = "a file";
    else if (!strcmp(k, "tls_key"))
      bad = srv_keep(cfg, v, &cfg->tls_key), what = "a file";
    else if (!strcmp(k, "tls_client_ca"))
      bad = srv_keep(cfg, v, &cfg->tls_client_ca), what = "a file";
    else if (!strcmp(k, "data_dir"))
      bad = srv_keep(cfg, v, &cfg->data_dir), what = "a directory";
    else if (!strcmp(k, "threads")) {
      what = "a number in 2..256";
      if (!(bad = srv_num(v, 2, 256, &d)))
        cfg->threads = (int)d;
    } else if (!strcmp(k, "max_message")) {
      what = "bytes in 1024..2147483647";
      if (!(bad = srv_num(v, 1024, 2147483647.0, &d)))
        cfg->max_message = (size_t)d;
    } else if (!strcmp(k, "rate_limit")) {
      what = "calls a second, >= 0";
      if (!(bad = srv_num(v, 0, 1e9, &d)))
        cfg->rate_limit = d;
    } else if (!strcmp(k, "rate_burst")) {
      what = "calls, >= 0";
      if (!(bad = srv_num(v, 0, 1e9, &d)))
        cfg->rate_burst = d;
    } else if (!strcmp(k, "log_level")) {
      what = "0 (errors) or 1 (a line per call)";
      if (!(bad = srv_num(v, 0, 2, &d)))
        cfg->log_level = (int)d;
    } else if (!strcmp(k, "read_only")) {
      what = "true or false";
      if (!(bad = srv_bool(v, &b)))
        cfg->read_only = b;
    } else if (!strcmp(k, "require_deadline")) {
      what = "true or false";
      if (!(bad = srv_bool(v, &b)))
        cfg->require_deadline = b;
    } else if (!strcmp(k, "kb_warm")) {
      what = "true or false";
      if (!(bad = srv_bool(v, &b)))
        cfg->no_kb_warm = !b;
    } else {
      snprintf(err, errlen, "%s:%d: unknown key '%.60s'", path, lineno, k);
      rc = SRV_EINVAL;
      break;
    }
    if (bad) {
      snprintf(err, errlen, "%s:%d: %s = '%.60s': expected %s", path, lineno, k,
               v, what);
      rc = SRV_EINVAL;
    }
  }
  fclose(f);
  return rc;
}

void srv_config_destroy(srv_config *cfg) {
  for (size_t i = 0; i < cfg->nowned; i++)
    free(cfg->owned[i]);
  cfg->nowned = 0;
}
