# oppgraph — build, test, run.
#
#   make            build build/oppgraph (the CLI and server)
#   make test       unit tests (cmocka) + integration tests (python3-grpcio)
#   make asan       the same test suite under AddressSanitizer + UBSan (build-asan/)
#   make run        ingest data/sample into build/demo.db and serve it (scripts/demo.sh)
#   make eval       DuEE-Fin evaluation of the extractor (needs ../shared/data)
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (fuzz-smoke: 5 s each)
#   make valgrind   memcheck of a real `oppgraph serve` session (about a minute)
#
# Every module folder contributes its *.c files to one static library; the CLI
# links it. Unit tests are tests/unit/test_*.c, one binary each.

BUILD   ?= build
CC      ?= cc
PKGS    := libxml-2.0 libpcre2-8 igraph lmdb grpc libprotobuf-c jansson libcrypto libcgraph libgvc
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS  ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE $(WARN) -I. -I$(BUILD)/gen $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS += $(EXTRA_LDFLAGS)
LDLIBS  = $(PKG_LIBS) -lpthread -lm

MODULES := store ingest nlp graph opportunity kb server
PROTOS  := proto/oppgraph.proto
HEALTH_PROTO := /usr/share/grpc-proto/grpc/health/v1/health.proto

GEN_C   := $(BUILD)/gen/proto/oppgraph.pb-c.c $(BUILD)/gen/grpc/health/v1/health.pb-c.c \
           $(BUILD)/gen/grpc/reflection/v1/reflection.pb-c.c
# Server reflection: v1 and v1alpha messages are the same on the wire, so the
# C code of v1 serves both; the descriptor set of every served file is
# embedded as a C array (xxd -i) for the reflection answers.
REFL_DIR := /usr/share/grpc-proto
REFL_PROTOS := grpc/reflection/v1/reflection.proto grpc/reflection/v1alpha/reflection.proto
DESC_SET := $(BUILD)/gen/srv_descriptor_set
GEN_H   := $(GEN_C:.c=.h)
# Generated sources are kept: as intermediate files make deleted the headers
# after each build, and the next build then regenerated them and recompiled
# every object that includes them (the whole library).
.SECONDARY: $(GEN_C) $(GEN_H)
LIB_SRC := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(GEN_C:.c=.o) $(DESC_SET).o
CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRC))
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
# Helpers the bench programs share (bench/lib/*.c), linked into each of them.
BENCH_LIB := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard bench/lib/*.c))
.SECONDARY: $(BENCH_LIB)
ITEST_SRC := $(wildcard tests/integration/*.c)
ITEST_BIN := $(patsubst tests/integration/%.c,$(BUILD)/itest/%,$(ITEST_SRC))
PYGEN   := $(BUILD)/py/proto/oppgraph_pb2.py $(BUILD)/py/grpc/health/v1/health_pb2.py \
           $(BUILD)/py/grpc/reflection/v1alpha/reflection_pb2.py $(BUILD)/py/grpc/reflection/v1/reflection_pb2.py

.PHONY: all deps test unit integration asan run eval bench clean format
all: $(BUILD)/oppgraph $(TEST_BIN) $(BENCH_BIN) $(ITEST_BIN) $(PYGEN)

deps:
	bash scripts/install-deps.sh

$(BUILD)/gen/proto/%.pb-c.c $(BUILD)/gen/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --c_out=$(BUILD)/gen -I. $<

$(BUILD)/gen/grpc/health/v1/health.pb-c.c $(BUILD)/gen/grpc/health/v1/health.pb-c.h: $(HEALTH_PROTO)
	@mkdir -p $(BUILD)/gen
	protoc-c --c_out=$(BUILD)/gen -I/usr/share/grpc-proto $<

$(BUILD)/gen/grpc/reflection/v1/reflection.pb-c.c $(BUILD)/gen/grpc/reflection/v1/reflection.pb-c.h: $(REFL_DIR)/grpc/reflection/v1/reflection.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --c_out=$(BUILD)/gen -I$(REFL_DIR) $<

$(DESC_SET).pb: proto/oppgraph.proto $(HEALTH_PROTO) $(addprefix $(REFL_DIR)/,$(REFL_PROTOS))
	@mkdir -p $(BUILD)/gen
	protoc --include_imports --descriptor_set_out=$@ -I. -I$(REFL_DIR) proto/oppgraph.proto grpc/health/v1/health.proto $(REFL_PROTOS)

$(DESC_SET).c: $(DESC_SET).pb
	cd $(BUILD)/gen && xxd -i srv_descriptor_set.pb | sed 's/^unsigned/const unsigned/' > srv_descriptor_set.c

$(BUILD)/py/grpc/reflection/%/reflection_pb2.py: $(REFL_DIR)/grpc/reflection/%/reflection.proto
	@mkdir -p $(BUILD)/py
	protoc --python_out=$(BUILD)/py -I$(REFL_DIR) $<

$(BUILD)/py/proto/oppgraph_pb2.py: proto/oppgraph.proto
	@mkdir -p $(BUILD)/py
	protoc --python_out=$(BUILD)/py -I. $<

$(BUILD)/py/grpc/health/v1/health_pb2.py: $(HEALTH_PROTO)
	@mkdir -p $(BUILD)/py
	protoc --python_out=$(BUILD)/py -I/usr/share/grpc-proto $<

$(BUILD)/obj/%.o: %.c $(GEN_H)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c $(GEN_H)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS) -Wno-error -c -o $@ $<

$(BUILD)/liboppgraph.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR    $@"
	@ar rcs $@ $^

$(BUILD)/oppgraph: $(CLI_OBJ) $(BUILD)/liboppgraph.a
	@echo "  LINK  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/liboppgraph.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/liboppgraph.a
	@mkdir -p $(dir $@)
	@echo "  LINK  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(BUILD)/liboppgraph.a $(LDLIBS) -lcmocka

$(BUILD)/bench/%: bench/%.c $(BENCH_LIB) $(BUILD)/liboppgraph.a
	@mkdir -p $(dir $@)
	@echo "  LINK  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BENCH_LIB) $(BUILD)/liboppgraph.a $(LDLIBS)

# Helper programs the integration tests run (tests/integration/*.c).
$(BUILD)/itest/%: tests/integration/%.c $(BUILD)/liboppgraph.a
	@mkdir -p $(dir $@)
	@echo "  LINK  $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liboppgraph.a $(LDLIBS)

unit: $(TEST_BIN)
	@bash tests/run_unit.sh $(BUILD)

integration: $(BUILD)/oppgraph $(ITEST_BIN) $(PYGEN)
	@OPPGRAPH_BUILD=$(BUILD) /usr/bin/python3 -m unittest discover -s tests/integration -p 'test_*.py' -v

# The whole suite; installs what it needs, builds, and prints one closing
# line "N passed, N failed".
test: deps
	$(MAKE) all
	@bash tests/run_all.sh $(BUILD)

ASAN_VARS := BUILD=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
  EXTRA_LDFLAGS="-fsanitize=address,undefined"
asan: deps
	$(MAKE) $(ASAN_VARS) all
	@ASAN_OPTIONS=detect_leaks=1 bash tests/run_all.sh build-asan

# libFuzzer targets (tests/fuzz/fuzz_*.c) with clang in build-fuzz/: the whole
# library under ASan+UBSan with fuzzer coverage, each target run for
# FUZZ_SECONDS (fuzz) or 5 s (fuzz-smoke, for CI) by tests/fuzz/run.sh.
# -Wno-error: clang warns where gcc does not; the gcc build keeps -Werror.
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_VARS := BUILD=build-fuzz CC=clang CFLAGS="-O1 -g -fno-omit-frame-pointer" \
  EXTRA_CFLAGS="-Wno-error -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
  EXTRA_LDFLAGS="-fsanitize=address,undefined"
.PHONY: fuzz fuzz-smoke fuzz-build fuzz-targets
fuzz-build: deps
	$(MAKE) $(FUZZ_VARS) fuzz-targets
fuzz-targets: $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_common.h $(BUILD)/liboppgraph.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/liboppgraph.a $(LDLIBS)
fuzz: fuzz-build
	bash tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)
fuzz-smoke: fuzz-build
	bash tests/fuzz/run.sh build-fuzz 5

# valgrind memcheck of `oppgraph serve` through a session of every service,
# then SIGTERM (tests/integration/valgrind_server.py; valgrind.supp holds the
# reviewed library-internal reports).  Not in `make test`: it needs valgrind
# and about a minute; fails on any error or definite/indirect leak.
.PHONY: valgrind
valgrind: $(BUILD)/oppgraph $(ITEST_BIN) $(PYGEN)
	OPPGRAPH_BUILD=$(BUILD) /usr/bin/python3 tests/integration/valgrind_server.py

# The demo: ingest the bundled sample world, show a push list, serve it.
run: deps
	$(MAKE) all
	bash scripts/demo.sh $(BUILD)

eval: all
	/usr/bin/python3 bench/eval_duee.py --bin $(BUILD)/oppgraph

clean:
	rm -rf build build-asan build-fuzz

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(TEST_SRC) $(wildcard */*.h)

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)
