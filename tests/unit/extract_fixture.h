/*
 * extract_fixture.h — the set-up the rule tests of data/rules share (one
 * test file per group of event types: test_nlp_extract_a.c, …): the
 * bundled rules loaded once per group, extraction of invented sentences
 * with every argument checked to be the verbatim span it claims, and
 * counts of events and arguments.  Include it once, from a test file.
 */
#ifndef OPPGRAPH_TESTS_EXTRACT_FIXTURE_H
#define OPPGRAPH_TESTS_EXTRACT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nlp/nlp.h"

static int fx_setup(void **state) {
  nlp_rules *r = NULL;
  int rc = nlp_rules_load_dir("data/rules", NULL, NULL, &r);
  if (rc) {
    fprintf(stderr, "data/rules: %s\n", nlp_strerror(rc));
    return -1;
  }
  *state = r;
  return 0;
}

static int fx_teardown(void **state) {
  nlp_rules_free(*state);
  return 0;
}

/* Extracts title (may be NULL) + text into res (the caller destroys it) and
 * checks that every argument is the span of the title or text it claims. */
static void fx_run(void **state, const char *title, const char *text,
                   nlp_result *res) {
  nlp_extract_opts o = {0};
  o.title = title;
  o.title_len = title ? strlen(title) : 0;
  o.published = "2021-05-20";
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

/* How many events of type there are (role NULL), or how many hold role =
 * want (want NULL: any value of role). */
static int fx_count(const nlp_result *res, const char *type, const char *role,
                    const char *want) {
  int n = 0;
  for (size_t i = 0; i < res->n; i++) {
    if (strcmp(res->events[i].type, type))
      continue;
    if (!role) {
      n++;
      continue;
    }
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

/* Fails, listing what was found, unless an event of type T holds role R =
 * W. */
#define FX_EXPECT(res, T, R, W)                                                \
  do {                                                                         \
    if (!fx_count(res, T, R, W)) {                                             \
      for (size_t fx_i = 0; fx_i < (res)->n; fx_i++) {                         \
        fprintf(stderr, "  event %s:", (res)->events[fx_i].type);              \
        for (size_t fx_k = 0; fx_k < (res)->events[fx_i].nargs; fx_k++)        \
          fprintf(stderr, " %s=%s", (res)->events[fx_i].args[fx_k].role,       \
                  (res)->events[fx_i].args[fx_k].text);                        \
        fprintf(stderr, "\n");                                                 \
      }                                                                        \
      fail_msg("%s/%s \"%s\" not found", T, R, W);                             \
    }                                                                          \
  } while (0)

/* Extracts each of the n texts on its own (no title) and expects in each
 * an event of type whose role holds want[i]. */
static inline void fx_expect_each(void **state, const char *type,
                                  const char *role, const char *const *text,
                                  const char *const *want, size_t n) {
  for (size_t i = 0; i < n; i++) {
    nlp_result res;
    fx_run(state, NULL, text[i], &res);
    FX_EXPECT(&res, type, role, want[i]);
    nlp_result_destroy(&res);
  }
}

#endif
