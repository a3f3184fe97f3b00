/*
 * tmpstore.h — a fresh store in its own mkdtemp directory per test, removed
 * afterwards: the cmocka set-up and tear-down several unit tests share.
 * Include once per test program after <cmocka.h> and store/store.h, define
 * TMPSTORE_PREFIX ("/tmp/test_name.XXXXXX") first; g_dir is the directory.
 */
#ifndef TESTS_UNIT_TMPSTORE_H
#define TESTS_UNIT_TMPSTORE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_dir[64];

static int tmpstore_rm_entry(const char *p, const struct stat *sb, int flag,
                             struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static int setup(void **state) {
  strcpy(g_dir, TMPSTORE_PREFIX);
  if (!mkdtemp(g_dir))
    return -1;
  store *st = NULL;
  if (store_open(g_dir, NULL, &st))
    return -1;
  *state = st;
  return 0;
}

static int teardown(void **state) {
  store_close(*state);
  nftw(g_dir, tmpstore_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
  return 0;
}

#endif
