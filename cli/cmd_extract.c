/*
 * cmd_extract.c — `oppgraph extract`: runs the event extractor over JSON
 * lines in the DuEE-Fin layout ({"id", "title", "text"}) and writes one JSON
 * line per input line with the events found, without touching any store.
 * This is what the DuEE-Fin evaluation (bench/eval_duee.py) and the speed
 * benchmark (bench/bench_extract.sh) drive.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "nlp/nlp.h"

static void ex_usage(FILE *f) {
  fprintf(f,
          "usage: oppgraph extract --format duee [--rules DIR] [--dict FILE] "
          "[FILE]\n\n"
          "Reads JSON lines {\"id\":..., \"title\":..., \"text\":...} from FILE "
          "(stdin when\nabsent) and writes, for every line, one JSON line\n"
          "  {\"id\":..., \"event_list\":[{\"event_type\":..., "
          "\"trigger\":...,\n    \"arguments\":[{\"role\":..., "
          "\"argument\":...}]}]}\n"
          "with each argument exactly as it appears in the title or text.\n\n"
          "  --format duee   output layout (only duee for now)\n"
          "  --rules DIR     rule files (default: <data>/rules)\n"
          "  --dict FILE     enterprise dictionary, \"word<TAB>kind\" lines\n"
          "  --norm          also print normalised values (\"norm\") and "
          "spans\n\n"
          "A line that is not JSON, lacks \"text\" or holds invalid UTF-8 is "
          "reported on\nstderr with its line number and answered with "
          "{\"id\":..., \"event_list\":[],\n\"error\":...}; the others are "
          "still processed and the exit status is 1.\nBlank lines are "
          "skipped.\n");
}

static void ex_diag(void *ctx, const char *file, int line, const char *msg) {
  (void)ctx;
  fprintf(stderr, "extract: %s:%d: %s\n", file, line, msg);
}

static void ex_print_error(json_t *id, const char *msg) {
  json_t *o = json_object();
  json_object_set(o, "id", id ? id : json_null());
  json_object_set_new(o, "event_list", json_array());
  json_object_set_new(o, "error", json_string(msg));
  char *s = json_dumps(o, JSON_COMPACT);
  if (s)
    puts(s);
  free(s);
  json_decref(o);
}

static json_t *ex_events_json(const nlp_result *res, int with_norm) {
  json_t *list = json_array();
  for (size_t i = 0; i < res->n; i++) {
    const nlp_event *ev = &res->events[i];
    json_t *e = json_object(), *args = json_array();
    json_object_set_new(e, "event_type", json_string(ev->type));
    json_object_set_new(e, "trigger", json_string(ev->trigger));
    for (size_t k = 0; k < ev->nargs; k++) {
      const nlp_arg *a = &ev->args[k];
      json_t *ja = json_object();
      json_object_set_new(ja, "role", json_string(a->role));
      json_object_set_new(ja, "argument", json_string(a->text));
      if (with_norm) {
        if (a->norm)
          json_object_set_new(ja, "norm", json_string(a->norm));
        json_object_set_new(ja, "in_title", json_boolean(a->in_title));
        json_object_set_new(ja, "begin", json_integer((json_int_t)a->begin));
        json_object_set_new(ja, "end", json_integer((json_int_t)a->end));
        if (a->ent_id)
          json_object_set_new(ja, "ent_id", json_integer((json_int_t)a->ent_id));
      }
      json_array_append_new(args, ja);
    }
    json_object_set_new(e, "arguments", args);
    json_array_append_new(list, e);
  }
  return list;
}

int cmd_extract(int argc, char **argv) {
  static const struct option longopts[] = {
      {"format", required_argument, NULL, 'f'},
      {"rules", required_argument, NULL, 'r'},
      {"dict", required_argument, NULL, 'd'},
      {"norm", no_argument, NULL, 'n'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *format = NULL, *rules_dir = NULL, *dict_path = NULL;
  int with_norm = 0, c;
  char rbuf[1024];
  optind = 1;
  while ((c = getopt_long(argc, argv, "f:r:d:nh", longopts, NULL)) != -1) {
    switch (c) {
    case 'f':
      format = optarg;
      break;
    case 'r':
      rules_dir = optarg;
      break;
    case 'd':
      dict_path = optarg;
      break;
    case 'n':
      with_norm = 1;
      break;
    case 'h':
      ex_usage(stdout);
      return CLI_EXIT_OK;
    default:
      ex_usage(stderr);
      return CLI_EXIT_USAGE;
    }
  }
  if (!format || strcmp(format, "duee")) {
    fprintf(stderr, "extract: --format duee is required%s%s\n",
            format ? "; unknown format " : "", format ? format : "");
    return CLI_EXIT_USAGE;
  }
  if (argc - optind > 1) {
    fprintf(stderr, "extract: at most one input FILE\n");
    return CLI_EXIT_USAGE;
  }
  const char *in_name = optind < argc ? argv[optind] : "<stdin>";
  FILE *in = optind < argc ? fopen(argv[optind], "r") : stdin;
  if (!in) {
    perror(argv[optind]);
    return CLI_EXIT_FAIL;
  }
  if (!rules_dir)
    rules_dir = cli_data_path(rbuf, sizeof rbuf, "rules");

  int status = CLI_EXIT_OK;
  nlp_rules *rules = NULL;
  int rc = nlp_rules_load_dir(rules_dir, ex_diag, NULL, &rules);
  if (rc == NLP_ERULE) {
    fprintf(stderr, "extract: some rules in %s were skipped (see above)\n",
            rules_dir);
    status = CLI_EXIT_FAIL;
  } else if (rc) {
    fprintf(stderr, "extract: cannot load rules from %s: %s\n", rules_dir,
            nlp_strerror(rc));
    if (in != stdin)
      fclose(in);
    return CLI_EXIT_FAIL;
  }
  nlp_dict *dict = NULL;
  if (dict_path) {
    rc = nlp_dict_new(&dict);
    if (!rc)
      rc = nlp_dict_load_file(dict, dict_path);
    if (!rc)
      rc = nlp_dict_build(dict);
    if (rc) {
      fprintf(stderr, "extract: cannot load dictionary %s: %s\n", dict_path,
              nlp_strerror(rc));
      nlp_dict_free(dict);
      nlp_rules_free(rules);
      if (in != stdin)
        fclose(in);
      return CLI_EXIT_FAIL;
    }
  }

  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  long lineno = 0;
  size_t dropped = 0; /* arguments over the per-event cap, all lines */
  while ((n = getline(&line, &cap, in)) >= 0) {
    lineno++;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = 0;
    if (!n)
      continue;
    json_error_t jerr;
    json_t *doc = json_loadb(line, (size_t)n, 0, &jerr);
    char msg[512];
    if (!doc || !json_is_object(doc)) {
      snprintf(msg, sizeof msg, "line %ld: not a JSON object: %s", lineno,
               doc ? "another JSON value" : jerr.text);
      fprintf(stderr, "extract: %s: %s\n", in_name, msg);
      ex_print_error(NULL, msg);
      json_decref(doc);
      status = CLI_EXIT_FAIL;
      continue;
    }
    json_t *id = json_object_get(doc, "id");
    json_t *jt = json_object_get(doc, "text");
    json_t *jti = json_object_get(doc, "title");
    json_t *jp = json_object_get(doc, "published");
    if (!json_is_string(jt)) {
      snprintf(msg, sizeof msg, "line %ld: no \"text\" string", lineno);
      fprintf(stderr, "extract: %s: %s\n", in_name, msg);
      ex_print_error(id, msg);
      json_decref(doc);
      status = CLI_EXIT_FAIL;
      continue;
    }
    nlp_extract_opts opts = {0};
    if (json_is_string(jti)) {
      opts.title = json_string_value(jti);
      opts.title_len = json_string_length(jti);
    }
    if (json_is_string(jp))
      opts.published = json_string_value(jp);
    nlp_result res;
    rc = nlp_extract(rules, dict, json_string_value(jt), json_string_length(jt),
                     &opts, &res);
    if (rc) {
      snprintf(msg, sizeof msg, "line %ld: %s", lineno, nlp_strerror(rc));
      fprintf(stderr, "extract: %s: %s\n", in_name, msg);
      ex_print_error(id, msg);
      status = CLI_EXIT_FAIL;
    } else {
      /* the cap is a rule-writing mistake, not bad input: warn, go on */
      for (size_t i = 0; i < res.n; i++)
        if (res.events[i].args_dropped)
          fprintf(stderr,
                  "extract: %s: line %ld: warning: event %s: %zu arguments "
                  "dropped (at most %d per event)\n",
                  in_name, lineno, res.events[i].type,
                  res.events[i].args_dropped, NLP_MAX_ARGS);
      dropped += res.args_dropped;
      json_t *o = json_object();
      json_object_set(o, "id", id ? id : json_null());
      json_object_set_new(o, "event_list", ex_events_json(&res, with_norm));
      char *s = json_dumps(o, JSON_COMPACT);
      if (s)
        puts(s);
      free(s);
      json_decref(o);
    }
    nlp_result_destroy(&res);
    json_decref(doc);
  }
  free(line);
  if (dropped)
    fprintf(stderr,
            "extract: %s: warning: %zu arguments dropped in all over the "
            "cap of %d per event\n",
            in_name, dropped, NLP_MAX_ARGS);
  if (in != stdin)
    fclose(in);
  nlp_dict_free(dict);
  nlp_rules_free(rules);
  return status;
}
