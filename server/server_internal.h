/*
 * server_internal.h — the seam between the gRPC plumbing (srv_grpc.c), which
 * knows calls, completion queues and status codes but nothing of
 * opportunities, and the handlers (srv_handlers.c), which know the store and
 * nothing of gRPC objects.  Handlers are a table of {path, request
 * descriptor, handler}; the plumbing decodes the request with the descriptor,
 * calls the handler and sends what it put in srv_reply.
 */
#ifndef OPPGRAPH_SERVER_INTERNAL_H
#define OPPGRAPH_SERVER_INTERNAL_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "server/server.h"

/* gRPC status codes (numbers fixed by the gRPC protocol, same as
 * grpc_status_code) so that handlers need not include grpc.h. */
enum srv_status {
  SRV_ST_OK = 0,
  SRV_ST_INVALID_ARGUMENT = 3,
  SRV_ST_DEADLINE_EXCEEDED = 4,
  SRV_ST_NOT_FOUND = 5,
  SRV_ST_PERMISSION_DENIED = 7,
  SRV_ST_RESOURCE_EXHAUSTED = 8,
  SRV_ST_UNIMPLEMENTED = 12,
  SRV_ST_INTERNAL = 13,
  SRV_ST_UNAUTHENTICATED = 16,
};

/* What a handler gets: the store and the caller's bearer token (NULL when the
 * call had no usable authorization metadata). */
typedef struct srv_ctx {
  store *st;
  const char *bearer;
} srv_ctx;

/* What a handler gives back.  On SRV_ST_OK, msg is the packed response
 * (malloc'd, the plumbing frees it); otherwise details says what is wrong and
 * what to do.  rm_id names the authenticated caller for the log. */
typedef struct srv_reply {
  int status;
  char details[256];
  uint8_t *msg;
  size_t len;
  char rm_id[64];
} srv_reply;

typedef void (*srv_handler_fn)(const srv_ctx *ctx, const ProtobufCMessage *req,
                               srv_reply *rep);

typedef struct srv_method {
  const char *path; /* "/package.Service/Method" */
  const ProtobufCMessageDescriptor *req_desc;
  srv_handler_fn fn;
} srv_method;

/* The handler table (srv_handlers.c). */
extern const srv_method srv_methods[];
extern const size_t srv_methods_len;

/* Sets rep to an error status with a printf-style message. */
void srv_reply_error(srv_reply *rep, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Packs msg into rep with status OK (INTERNAL when out of memory). */
void srv_reply_message(srv_reply *rep, const ProtobufCMessage *msg);

/* Hex helpers used by tokens and page tokens: 0 ok, -1 not hex / wrong size. */
void srv_hex_encode(const uint8_t *in, size_t n, char *out);
int srv_hex_decode(const char *in, size_t hexlen, uint8_t *out);

#endif
