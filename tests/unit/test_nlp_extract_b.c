/*
 * test_nlp_extract_b.c — the bundled rules (data/rules) for shareholders'
 * trades (股东减持 / 股东增持), losses (亏损), pledges (质押 / 解除质押),
 * financing (企业融资), bankruptcy (企业破产) and buybacks (股份回购), one
 * test per pattern class fixed in issue 3's extraction rounds.  Every
 * sentence is invented for this test (none comes from DuEE-Fin).  A test
 * names the argument it expects (or must not see) for an event type: an
 * event of that type has to hold it, whichever of the document's events it
 * is, and every argument must be a verbatim span of the title or text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "nlp/nlp.h"

static int setup(void **state) {
  nlp_rules *r = NULL;
  int rc = nlp_rules_load_dir("data/rules", NULL, NULL, &r);
  if (rc) {
    fprintf(stderr, "data/rules: %s\n", nlp_strerror(rc));
    return -1;
  }
  *state = r;
  return 0;
}

static int teardown(void **state) {
  nlp_rules_free(*state);
  return 0;
}

/* Extracts title + text; checks that every argument is the span it claims. */
static void run(void **state, const char *title, const char *text,
                nlp_result *res) {
  nlp_extract_opts o = {0};
  o.title = title;
  o.title_len = strlen(title);
  o.published = "2022-05-20";
  assert_int_equal(nlp_extract(*state, NULL, text, strlen(text), &o, res), 0);
  for (size_t i = 0; i < res->n; i++)
    for (size_t k = 0; k < res->events[i].nargs; k++) {
      const nlp_arg *a = &res->events[i].args[k];
      if (a->end == a->begin)
        continue; /* a fixed-vocabulary constant */
      const char *src = a->in_title ? title : text;
      assert_int_equal(a->end - a->begin, strlen(a->text));
      assert_memory_equal(src + a->begin, a->text, strlen(a->text));
    }
}

/* How many events of `type` hold `role` = `want` (want NULL: any value). */
static int count_arg(const nlp_result *res, const char *type,
                     const char *role, const char *want) {
  int n = 0;
  for (size_t i = 0; i < res->n; i++) {
    if (strcmp(res->events[i].type, type))
      continue;
    for (size_t k = 0; k < res->events[i].nargs; k++) {
      const nlp_arg *a = &res->events[i].args[k];
      if (!strcmp(a->role, role) && (!want || !strcmp(a->text, want))) {
        n++;
        break;
      }
    }
  }
  return n;
}

static void dump(const nlp_result *res) {
  for (size_t i = 0; i < res->n; i++) {
    fprintf(stderr, "  event %s:", res->events[i].type);
    for (size_t k = 0; k < res->events[i].nargs; k++)
      fprintf(stderr, " %s=%s", res->events[i].args[k].role,
              res->events[i].args[k].text);
    fprintf(stderr, "\n");
  }
}

/* Fails (showing the events) unless an event of type has role = want. */
static void expect(void **state, const char *title, const char *text,
                   const char *type, const char *role, const char *want) {
  nlp_result res;
  run(state, title, text, &res);
  if (!count_arg(&res, type, role, want)) {
    dump(&res);
    fail_msg("%s/%s \"%s\" not found in \"%s\"", type, role, want, text);
  }
  nlp_result_destroy(&res);
}

/* Fails unless no event of type has role = bad (bad NULL: the role at all). */
static void refuse(void **state, const char *title, const char *text,
                   const char *type, const char *role, const char *bad) {
  nlp_result res;
  run(state, title, text, &res);
  if (count_arg(&res, type, role, bad)) {
    dump(&res);
    fail_msg("%s/%s \"%s\" found in \"%s\"", type, role, bad ? bad : "*",
             text);
  }
  nlp_result_destroy(&res);
}

/* A name after a holder title opens with a surname: "股东接连减持",
 * "高管先后增持", "董事即作出减持" name no holder, "股东于近日减持" neither,
 * while 于 is a surname in "股东于文博减持". */
static void test_holder_name_has_surname(void **state) {
  refuse(state, "青禾科技两名股东接连减持", "青禾科技两名股东接连减持公司股份。",
         "股东减持", "减持方", "接连");
  refuse(state, "青禾科技：高管先后增持", "今年青禾科技的高管先后增持公司股份。",
         "股东增持", "增持方", "先后");
  refuse(state, "青禾科技公告", "青禾科技的董事即作出减持，合计减持20万股。",
         "股东减持", "减持方", "即作");
  refuse(state, "青禾科技公告", "青禾科技股东于近日减持公司股份30万股。",
         "股东减持", "减持方", "于近日");
  expect(state, "青禾科技公告", "青禾科技股东于文博减持公司股份30万股。",
         "股东减持", "减持方", "于文博");
  expect(state, "青禾科技公告", "青禾科技董事欧阳明远增持公司股份12万股。",
         "股东增持", "增持方", "欧阳明远");
}

int main(void) {
  if (access("data/rules", R_OK)) {
    printf("test_nlp_extract_b: run from the repository root (data/rules)\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_holder_name_has_surname),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
