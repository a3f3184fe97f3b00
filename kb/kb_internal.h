/*
 * kb_internal.h — what the kb/ files share: the kb struct (dictionary,
 * synonyms, parameters), the posting value codec and diagnostics helpers.
 */
#ifndef OPPGRAPH_KB_INTERNAL_H
#define OPPGRAPH_KB_INTERNAL_H

#include "kb/kb.h"

/* One synonym group: its entries (NUL-separated strings). */
typedef struct kb_syn_group {
  char **words;
  size_t n;
} kb_syn_group;

struct kb {
  nlp_dict *dict;
  kb_syn_group *syn;
  size_t nsyn;
  kb_params p;
};

/* Filter terms: indexed like words, never produced by the tokenizer because
 * they start with a control byte. */
#define KB_FILTER_CAT                                                          \
  "\x01"                                                                       \
  "c:"
#define KB_FILTER_TAG                                                          \
  "\x01"                                                                       \
  "t:"
#define KB_FILTER_PRODUCT                                                      \
  "\x01"                                                                       \
  "p:"

/* Posting value layout (LEB128 varints):
 *   doclen  tf_title  tf  pos_1  pos_2-pos_1  …  pos_tf-pos_(tf-1)
 * doclen = positions of the article (title + 1 + body), so BM25 needs no
 * other lookup; tf counts positions of the term (title ones in tf_title).
 * Coded with store_varint_put/get. */

/* Whether the store's index has this build's chunk layout (kb_meta
 * "layout"); an empty knowledge base takes it (recorded when write).
 * KB_ELAYOUT, saying to rebuild, otherwise. */
int kb_layout_check(store_txn *txn, bool write, kb_diag *d);

int kb_fail(kb_diag *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Tokenizes a into t (index side): the title, then each tag (an empty
 * position before each; tags count as title text), one empty position, then
 * the body.  *title_pos = positions of the title. */
int kb_tokenize_article(const kb *k, const kb_article *a, nlp_tokens *t,
                        uint32_t *title_pos, kb_diag *d);

#endif
