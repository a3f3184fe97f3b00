/*
 * dict_store.c — nlp_dict_load_store: fills a dictionary from the store's
 * enterprise name index (names and aliases, value = enterprise id).
 *
 * Kept apart from dict.c so that programs using only the dictionary do not
 * pull the store into their link.
 */
#include "nlp/nlp.h"

typedef struct load_ctx {
  nlp_dict *d;
  int rc;
} load_ctx;

static int add_name(void *ctx, const char *name, size_t len, uint64_t id) {
  load_ctx *lc = ctx;
  if (len == 0) return 0;
  int rc = nlp_dict_add(lc->d, name, len, NLP_WORD_ENTERPRISE, id);
  /* A name that is not valid UTF-8 or too long cannot be matched in
   * normalised text: skipping it loses nothing.  Memory exhaustion, or a
   * dictionary already built (EINVAL), stops the walk. */
  if (rc == NLP_ENOMEM || rc == NLP_EINVAL) {
    lc->rc = rc;
    return 1;
  }
  return 0;
}

int nlp_dict_load_store(nlp_dict *d, store_txn *txn) {
  load_ctx lc = {d, NLP_OK};
  int rc = store_name_foreach(txn, add_name, &lc);
  if (lc.rc != NLP_OK) return lc.rc;
  return rc < 0 ? NLP_ESTORE : NLP_OK;
}
