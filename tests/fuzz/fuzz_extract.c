/*
 * fuzz_extract.c — libFuzzer target: nlp_extract with the real rules of
 * data/rules and the dictionaries of data/dict on arbitrary bytes.  Bytes up
 * to the first newline (when it comes within 256 bytes) are the title, the
 * rest the text, so that title-scoped rules are reached too.  Every argument
 * span the extractor reports must lie inside the text (or the title) it names.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>

#include "nlp/nlp.h"
#include "tests/fuzz/fuzz_common.h"

static void fuzz_quiet(void *ctx, const char *file, int line, const char *msg) {
  (void)ctx;
  (void)file;
  (void)line;
  (void)msg;
}

typedef struct fuzz_extract_env {
  nlp_rules *rules;
  nlp_dict *dict;
} fuzz_extract_env;

static fuzz_extract_env *fuzz_env(void) {
  static fuzz_extract_env env;
  static int ready;
  if (ready)
    return &env;
  char dir[4096];
  int rc = nlp_rules_load_dir(fuzz_data_path(dir, sizeof dir, "rules"),
                              fuzz_quiet, NULL, &env.rules);
  if ((rc && rc != NLP_ERULE) || !env.rules || !nlp_rules_count(env.rules)) {
    fprintf(stderr,
            "fuzz_extract: no rules in %s (run from the repository "
            "root): %s\n",
            dir, nlp_strerror(rc));
    abort();
  }
  if (nlp_dict_new(&env.dict))
    abort();
  fuzz_data_path(dir, sizeof dir, "dict");
  DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    size_t n = strlen(de->d_name);
    if (n > 5 && !strcmp(de->d_name + n - 5, ".dict")) {
      char path[4400];
      snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
      (void)nlp_dict_load_file_diag(env.dict, path, fuzz_quiet, NULL);
    }
  }
  if (d)
    closedir(d);
  /* A few enterprise names, as the store would add them. */
  static const char *names[] = {"甲科技股份有限公司", "甲科技", "乙集团"};
  for (size_t i = 0; i < 3; i++)
    nlp_dict_add(env.dict, names[i], strlen(names[i]), NLP_WORD_ENTERPRISE,
                 i + 1);
  if (nlp_dict_build(env.dict))
    abort();
  ready = 1;
  return &env;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_extract_env *env = fuzz_env();
  const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
  size_t tlen = nl ? (size_t)(nl - data) : 0;
  char *title = nl ? fuzz_strndup(data, tlen) : NULL;
  size_t off = nl ? tlen + 1 : 0;
  char *text = fuzz_strndup(data + off, size - off);
  size_t len = size - off;
  nlp_extract_opts opts = {.title = title,
                           .title_len = tlen,
                           .published = "2024-03-05",
                           .max_len = 1 << 20};
  nlp_result res = {0};
  if (nlp_extract(env->rules, env->dict, text, len, &opts, &res) == 0) {
    for (size_t i = 0; i < res.n; i++) {
      const nlp_event *e = &res.events[i];
      if (!e->type)
        abort();
      for (size_t a = 0; a < e->nargs; a++) {
        const nlp_arg *g = &e->args[a];
        size_t lim = g->in_title ? tlen : len;
        if (g->begin > g->end || g->end > lim || !g->text)
          abort();
      }
    }
  }
  nlp_result_destroy(&res);
  free(text);
  free(title);
  return 0;
}
