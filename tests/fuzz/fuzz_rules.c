/*
 * fuzz_rules.c — libFuzzer target: the rule-file parser.  The input is
 * written as the only *.rules file of a throwaway directory and loaded with
 * nlp_rules_load_dir (the syntax of data/rules/README.md, PCRE2 compilation
 * included); whatever loads is then run once on a fixed sentence, so that a
 * rule the parser accepted cannot crash the extractor either.
 */
#include <stdint.h>

#include "nlp/nlp.h"
#include "tests/fuzz/fuzz_common.h"

static void fuzz_quiet(void *ctx, const char *file, int line, const char *msg) {
  (void)ctx;
  (void)file;
  (void)line;
  (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char dir[256], file[300];
  if (!dir[0]) {
    fuzz_tmpdir(dir);
    snprintf(file, sizeof file, "%s/fuzz.rules", dir);
  }
  fuzz_write_file(file, data, size);
  nlp_rules *rules = NULL;
  int rc = nlp_rules_load_dir(dir, fuzz_quiet, NULL, &rules);
  if ((rc == 0 || rc == NLP_ERULE) && rules) {
    static const char text[] =
        "甲科技股份有限公司于2024年3月5日公告，公司中标某市政工程项目，"
        "中标金额为1.2亿元，控股股东质押3,500万股，占其所持股份的35.5%。";
    nlp_extract_opts opts = {.title = "关于中标的公告",
                             .title_len = strlen("关于中标的公告"),
                             .published = "2024-03-05"};
    nlp_result res = {0};
    (void)nlp_extract(rules, NULL, text, sizeof text - 1, &opts, &res);
    nlp_result_destroy(&res);
  }
  nlp_rules_free(rules);
  return 0;
}
