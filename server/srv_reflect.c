/*
 * srv_reflect.c — gRPC server reflection (grpc.reflection.v1 and v1alpha,
 * identical on the wire), so that grpcurl, Postman or Kreya can list and
 * call every method without the .proto files.
 *
 * The answers come from the FileDescriptorSet that the build makes with
 * `protoc --include_imports --descriptor_set_out` over every served .proto
 * and embeds as srv_descriptor_set_pb (xxd -i, Makefile).  Rather than link
 * a descriptor library, this file walks the protobuf wire format of the set
 * directly: FileDescriptorSet.file = 1; in a FileDescriptorProto name = 1,
 * package = 2, dependency = 3, message_type = 4, enum_type = 5, service = 6;
 * in a DescriptorProto name = 1, nested_type = 3, enum_type = 4; in a
 * ServiceDescriptorProto name = 1, method = 2 (MethodDescriptorProto
 * name = 1).  The set is 13 KB: walking it per request costs microseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grpc/reflection/v1/reflection.pb-c.h"
#include "server/server_internal.h"

extern const unsigned char srv_descriptor_set_pb[];
extern const unsigned int srv_descriptor_set_pb_len;

#define SRV_MAX_FILES 32

static int srv_varint(srv_span *s, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64 && s->n; shift += 7) {
    uint8_t b = *s->p++;
    s->n--;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return 0;
  }
  return -1;
}

int srv_next_field(srv_span *s, srv_field *f) {
  uint64_t key;
  if (!s->n || srv_varint(s, &key))
    return -1;
  f->num = (uint32_t)(key >> 3);
  f->wt = (int)(key & 7);
  switch (f->wt) {
  case 0:
    return srv_varint(s, &f->v);
  case 1:
  case 5: {
    size_t k = f->wt == 1 ? 8 : 4;
    if (s->n < k)
      return -1;
    s->p += k;
    s->n -= k;
    return 0;
  }
  case 2: {
    uint64_t len;
    if (srv_varint(s, &len) || len > s->n)
      return -1;
    f->ld.p = s->p;
    f->ld.n = (size_t)len;
    s->p += len;
    s->n -= len;
    return 0;
  }
  default:
    return -1;
  }
}

/* The string field `num` of a message (first occurrence). */
static srv_span srv_str(srv_span msg, uint32_t num) {
  srv_field f;
  while (!srv_next_field(&msg, &f))
    if (f.num == num && f.wt == 2)
      return f.ld;
  return (srv_span){NULL, 0};
}

static bool srv_span_eq(srv_span a, const char *s, size_t n) {
  return a.n == n && !memcmp(a.p, s, n);
}

typedef struct srv_files {
  srv_span f[SRV_MAX_FILES];
  size_t n;
} srv_files;

static void srv_files_load(srv_files *fs) {
  srv_span set = {srv_descriptor_set_pb, srv_descriptor_set_pb_len};
  srv_field f;
  fs->n = 0;
  while (fs->n < SRV_MAX_FILES && !srv_next_field(&set, &f))
    if (f.num == 1 && f.wt == 2)
      fs->f[fs->n++] = f.ld;
}

static int srv_file_by_name(const srv_files *fs, srv_span name) {
  for (size_t i = 0; i < fs->n; i++) {
    srv_span n = srv_str(fs->f[i], 1);
    if (n.n == name.n && !memcmp(n.p, name.p, n.n))
      return (int)i;
  }
  return -1;
}

/* Does `sym` (prefix already matched up to `off`) name this message or
 * something nested in it? */
static bool srv_msg_has(srv_span msg, const char *sym, size_t off, size_t len) {
  srv_span name = srv_str(msg, 1);
  if (len - off < name.n || memcmp(sym + off, name.p, name.n))
    return false;
  off += name.n;
  if (off == len)
    return true;
  if (sym[off] != '.')
    return false;
  off++;
  srv_field f;
  while (!srv_next_field(&msg, &f)) {
    if (f.wt != 2)
      continue;
    if (f.num == 3 && srv_msg_has(f.ld, sym, off, len))
      return true;
    if (f.num == 4 && srv_span_eq(srv_str(f.ld, 1), sym + off, len - off))
      return true;
  }
  return false;
}

static bool srv_file_has(srv_span file, const char *sym) {
  size_t len = strlen(sym), off = 0;
  srv_span pkg = srv_str(file, 2);
  if (pkg.n) {
    if (len <= pkg.n || memcmp(sym, pkg.p, pkg.n) || sym[pkg.n] != '.')
      return false;
    off = pkg.n + 1;
  }
  srv_field f;
  while (!srv_next_field(&file, &f)) {
    if (f.wt != 2)
      continue;
    if (f.num == 4 && srv_msg_has(f.ld, sym, off, len))
      return true;
    if (f.num == 5 && srv_span_eq(srv_str(f.ld, 1), sym + off, len - off))
      return true;
    if (f.num == 6) { /* a service or one of its methods */
      srv_span svc = f.ld, name = srv_str(svc, 1);
      if (srv_span_eq(name, sym + off, len - off))
        return true;
      if (len - off > name.n + 1 && !memcmp(sym + off, name.p, name.n) &&
          sym[off + name.n] == '.') {
        size_t m = off + name.n + 1;
        srv_field g;
        while (!srv_next_field(&svc, &g))
          if (g.num == 2 && g.wt == 2 &&
              srv_span_eq(srv_str(g.ld, 1), sym + m, len - m))
            return true;
      }
    }
  }
  return false;
}

/* Adds file i and, first, its dependencies (transitively, each once). */
static void srv_with_deps(const srv_files *fs, int i, bool *take) {
  if (take[i])
    return;
  take[i] = true;
  srv_span file = fs->f[i];
  srv_field f;
  while (!srv_next_field(&file, &f))
    if (f.num == 3 && f.wt == 2) {
      int d = srv_file_by_name(fs, f.ld);
      if (d >= 0)
        srv_with_deps(fs, d, take);
    }
}

SRV_HANDLER(srv_reflection) {
  const Grpc__Reflection__V1__ServerReflectionRequest *req =
      (const Grpc__Reflection__V1__ServerReflectionRequest *)msg;
  (void)ctx; /* reflection describes the API: no token needed, as grpcurl
                expects */
  srv_files fs;
  srv_files_load(&fs);
  Grpc__Reflection__V1__ServerReflectionResponse resp =
      GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__INIT;
  resp.valid_host = req->host;
  resp.original_request = (Grpc__Reflection__V1__ServerReflectionRequest *)req;
  Grpc__Reflection__V1__ListServiceResponse list =
      GRPC__REFLECTION__V1__LIST_SERVICE_RESPONSE__INIT;
  Grpc__Reflection__V1__ServiceResponse svcs[64];
  Grpc__Reflection__V1__ServiceResponse *psvcs[64];
  char names[64][128];
  Grpc__Reflection__V1__FileDescriptorResponse fdr =
      GRPC__REFLECTION__V1__FILE_DESCRIPTOR_RESPONSE__INIT;
  ProtobufCBinaryData files[SRV_MAX_FILES];
  Grpc__Reflection__V1__ErrorResponse er =
      GRPC__REFLECTION__V1__ERROR_RESPONSE__INIT;
  char emsg[256];
  int found = -1;

  switch (req->message_request_case) {
  case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES: {
    size_t n = 0;
    for (size_t i = 0; i < fs.n; i++) {
      srv_span file = fs.f[i], pkg = srv_str(file, 2);
      srv_field f;
      while (n < 64 && !srv_next_field(&file, &f)) {
        if (f.num != 6 || f.wt != 2)
          continue;
        srv_span name = srv_str(f.ld, 1);
        snprintf(names[n], sizeof names[n], "%.*s%s%.*s", (int)pkg.n,
                 (const char *)pkg.p, pkg.n ? "." : "", (int)name.n,
                 (const char *)name.p);
        grpc__reflection__v1__service_response__init(&svcs[n]);
        svcs[n].name = names[n];
        psvcs[n] = &svcs[n];
        n++;
      }
    }
    list.service = psvcs;
    list.n_service = n;
    resp.message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE;
    resp.list_services_response = &list;
    break;
  }
  case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME: {
    const char *fn = req->file_by_filename;
    found = srv_file_by_name(&fs, (srv_span){(const uint8_t *)fn, strlen(fn)});
    if (found < 0)
      snprintf(emsg, sizeof emsg, "no file '%.100s' (try proto/oppgraph.proto)",
               fn);
    break;
  }
  case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
    for (size_t i = 0; i < fs.n && found < 0; i++)
      if (srv_file_has(fs.f[i], req->file_containing_symbol))
        found = (int)i;
    if (found < 0)
      snprintf(emsg, sizeof emsg, "no symbol '%.100s' (list services first)",
               req->file_containing_symbol);
    break;
  default:
    snprintf(emsg, sizeof emsg, "this server defines no extensions");
    found = -2;
    break;
  }
  if (req->message_request_case !=
      GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES) {
    if (found >= 0) {
      bool take[SRV_MAX_FILES] = {false};
      srv_with_deps(&fs, found, take);
      /* The asked-for file first, as clients expect. */
      size_t n = 0;
      files[n++] =
          (ProtobufCBinaryData){fs.f[found].n, (uint8_t *)fs.f[found].p};
      for (size_t i = 0; i < fs.n; i++)
        if (take[i] && (int)i != found)
          files[n++] = (ProtobufCBinaryData){fs.f[i].n, (uint8_t *)fs.f[i].p};
      fdr.file_descriptor_proto = files;
      fdr.n_file_descriptor_proto = n;
      resp.message_response_case =
          GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE;
      resp.file_descriptor_response = &fdr;
    } else {
      er.error_code = found == -2 ? SRV_ST_UNIMPLEMENTED : SRV_ST_NOT_FOUND;
      er.error_message = emsg;
      resp.message_response_case =
          GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE;
      resp.error_response = &er;
    }
  }
  srv_reply_message(rep, &resp.base);
}
