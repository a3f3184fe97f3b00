/*
 * dict_store.c — nlp_dict_load_store: fills a dictionary from the store's
 * enterprise name index (names and aliases, value = enterprise id) and the
 * stock codes of listed enterprises (only records that set field 12 are
 * decoded).
 *
 * Kept apart from dict.c so that programs using only the dictionary do not
 * pull the store into their link.
 */
#include <string.h>

#include "nlp/nlp.h"

typedef struct load_ctx {
  nlp_dict *d;
  int rc;
} load_ctx;

static int add_word(load_ctx *lc, const char *name, size_t len, uint32_t kind,
                    uint64_t id) {
  if (len == 0) return 0;
  int rc = nlp_dict_add(lc->d, name, len, kind, id);
  /* A name that is not valid UTF-8 or too long cannot be matched in
   * normalised text: skipping it loses nothing.  Memory exhaustion, or a
   * dictionary already built (EINVAL), stops the walk. */
  if (rc == NLP_ENOMEM || rc == NLP_EINVAL) {
    lc->rc = rc;
    return 1;
  }
  return 0;
}

static int add_name(void *ctx, const char *name, size_t len, uint64_t id) {
  return add_word(ctx, name, len, NLP_WORD_ENTERPRISE, id);
}

static int add_code(void *ctx, const Oppgraph__V1__Enterprise *e) {
  const char *c = e->stock_code;
  return c ? add_word(ctx, c, strlen(c), NLP_WORD_STOCKCODE, e->id) : 0;
}

/* Enterprise field 12: stock_code (proto/oppgraph.proto). */
#define DICT_STOCK_CODE_FIELD 12u

int nlp_dict_load_store(nlp_dict *d, store_txn *txn) {
  load_ctx lc = {d, NLP_OK};
  int rc = store_name_foreach(txn, add_name, &lc);
  if (lc.rc != NLP_OK) return lc.rc;
  if (rc < 0) return NLP_ESTORE;
  const uint32_t field = DICT_STOCK_CODE_FIELD;
  rc = store_ent_foreach_having(txn, &field, 1, add_code, &lc);
  if (lc.rc != NLP_OK) return lc.rc;
  return rc < 0 ? NLP_ESTORE : NLP_OK;
}
