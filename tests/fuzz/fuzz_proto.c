/*
 * fuzz_proto.c — libFuzzer target: protobuf-c decoding of every request the
 * server decodes (health check, ListPushList, GetOpportunity, GetEnterprise)
 * and of every record the store decodes, on arbitrary bytes.  A message that
 * decodes must re-encode to bytes that decode again to the same encoding
 * (protobuf-c keeps no unknown-field order surprises on a second trip).  A
 * decoded ListPushList request is also run through srv_push_page on an empty
 * store, which parses the client-supplied page token and page size.
 */
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "grpc/health/v1/health.pb-c.h"
#include "proto/oppgraph.pb-c.h"
#include "server/server.h"
#include "store/store.h"
#include "tests/fuzz/fuzz_common.h"

static const ProtobufCMessageDescriptor *const fuzz_descs[] = {
    &grpc__health__v1__health_check_request__descriptor,
    &oppgraph__v1__list_push_list_request__descriptor,
    &oppgraph__v1__get_opportunity_request__descriptor,
    &oppgraph__v1__get_enterprise_request__descriptor,
    &oppgraph__v1__enterprise__descriptor,
    &oppgraph__v1__person__descriptor,
    &oppgraph__v1__document__descriptor,
    &oppgraph__v1__event__descriptor,
    &oppgraph__v1__edge__descriptor,
    &oppgraph__v1__opportunity__descriptor,
    &oppgraph__v1__rm__descriptor,
    &oppgraph__v1__token_record__descriptor,
    &oppgraph__v1__guarantee_circle__descriptor,
};

static store *fuzz_store(void) {
  static store *st;
  if (st)
    return st;
  char dir[256], db[300];
  fuzz_tmpdir(dir);
  snprintf(db, sizeof db, "%s/db", dir);
  store_options opt = {.map_size = 16u << 20};
  if (store_open(db, &opt, &st))
    abort();
  return st;
}

/* True when m or any message nested in it carries unknown fields. */
static bool fuzz_has_unknown(const ProtobufCMessage *m) {
  if (m->n_unknown_fields)
    return true;
  const ProtobufCMessageDescriptor *d = m->descriptor;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_MESSAGE)
      continue;
    const char *base = (const char *)m + f->offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
      ProtobufCMessage *const *v = *(ProtobufCMessage *const *const *)base;
      for (size_t k = 0; k < n; k++)
        if (v[k] && fuzz_has_unknown(v[k]))
          return true;
    } else {
      const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)base;
      if (sub && fuzz_has_unknown(sub))
        return true;
    }
  }
  return false;
}

static void fuzz_roundtrip(const ProtobufCMessage *m) {
  size_t n = protobuf_c_message_get_packed_size(m);
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf)
    abort();
  if (protobuf_c_message_pack(m, buf) != n)
    abort();
  ProtobufCMessage *again =
      protobuf_c_message_unpack(m->descriptor, NULL, n, buf);
  if (!again && !fuzz_has_unknown(m))
    abort(); /* what we encode we must decode */
  if (!again) {
    /* protobuf-c 1.4 accepts an over-long tag of field 0 ("81 00") as an
     * unknown field and re-encodes it as the plain, invalid tag 0x01, which
     * it then refuses (corpus/fuzz_proto/regress_field0_overlong_tag; inside a
     * nested message: regress_nested_field0_overlong_tag).  The
     * server never re-encodes a request, so this is a library quirk, not a
     * way in; known fields are still checked. */
    free(buf);
    return;
  }
  size_t n2 = protobuf_c_message_get_packed_size(again);
  uint8_t *buf2 = malloc(n2 ? n2 : 1);
  if (!buf2)
    abort();
  protobuf_c_message_pack(again, buf2);
  if (n2 != n || memcmp(buf, buf2, n))
    abort();
  free(buf2);
  protobuf_c_message_free_unpacked(again, NULL);
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (size_t i = 0; i < sizeof fuzz_descs / sizeof fuzz_descs[0]; i++) {
    ProtobufCMessage *m =
        protobuf_c_message_unpack(fuzz_descs[i], NULL, size, data);
    if (!m)
      continue;
    fuzz_roundtrip(m);
    if (fuzz_descs[i] == &oppgraph__v1__list_push_list_request__descriptor) {
      const Oppgraph__V1__ListPushListRequest *r = (const void *)m;
      store_txn *txn = NULL;
      if (store_begin(fuzz_store(), false, &txn))
        abort();
      Oppgraph__V1__ListPushListResponse *page = NULL;
      if (srv_push_page(txn, r->rm_id ? r->rm_id : "", r->page_token,
                        (int)r->page_size, &page) == 0)
        srv_push_page_free(page);
      store_abort(txn);
    }
    protobuf_c_message_free_unpacked(m, NULL);
  }
  return 0;
}
