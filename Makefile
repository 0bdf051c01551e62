# mlci: build, test, demo.
#
#   make              build bin/mlci-* (strict warnings)
#   make demo         install what is missing, build, run the pipeline on real data
#   make check        install what is missing, build, run every test (plain and
#                     ASan+UBSan), a short fuzz run and the valgrind leak check
#   make bench        time mlci against the Python peers on the same files, and
#                     validate-data on 1 and 2 threads on a 1M x 50 file in /tmp
#   make fuzz         libFuzzer targets (clang, ASan+UBSan) for FUZZ_SECONDS each
#   make valgrind     unit and step tests under valgrind's leak check
#   make install PREFIX=/usr/local

CC ?= cc
PREFIX ?= /usr/local
BUILD ?= build
BIN ?= bin
OPT ?= -O2 -g
SAN ?=

PKGS := libgit2 jansson libcurl libcrypto zlib libzstd openblas libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wvla -Wno-unused-parameter
CFLAGS_ALL := -std=c11 -D_GNU_SOURCE $(OPT) $(SAN) $(WARN) $(PKG_CFLAGS) \
	-Ishared $(CFLAGS)
LDLIBS_ALL := $(PKG_LIBS) -llapack -lm -lpthread $(LDLIBS)
LDFLAGS_ALL := $(SAN) $(LDFLAGS)

CORE_SRC := $(sort $(wildcard shared/*.c))
CORE_OBJ := $(CORE_SRC:shared/%.c=$(BUILD)/shared/%.o)
STEP_SRC := $(sort $(wildcard steps/*.c))
STEPS := $(STEP_SRC:steps/%.c=$(BIN)/mlci-%)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNITS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
LIB := $(BUILD)/libmlci.a

.PHONY: all deps install demo check test unit steps asan bench clean fuzz valgrind
.SUFFIXES:

all: $(STEPS)

$(BUILD)/shared/%.o: shared/%.c $(wildcard shared/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(LIB): $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/mlci-%: steps/%.c $(LIB) $(wildcard shared/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(LDFLAGS_ALL) $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(wildcard shared/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -o $@ $< $(LIB) \
		$(LDFLAGS_ALL) -lcmocka $(LDLIBS_ALL)

# libFuzzer targets tests/fuzz/fuzz_*.c, linked against a libmlci built
# for fuzzing (make fuzz sets CC, BUILD and SAN).
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
NPROC := $(shell nproc 2>/dev/null || echo 2)
FUZZ_BUILD ?= build-fuzz
VG_BUILD ?= build-valgrind
FUZZ_BINS := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/fuzz/%)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.[ch]) $(LIB) $(wildcard shared/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Wno-missing-prototypes -Itests/fuzz -o $@ $< $(LIB) \
		$(LDFLAGS_ALL) -fsanitize=fuzzer $(LDLIBS_ALL)

deps:
	@ci/install-deps

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(STEPS) $(DESTDIR)$(PREFIX)/bin/

# The whole pipeline on real data; prints where the artifacts are.
demo: deps
	@$(MAKE) --no-print-directory all
	@ci/demo

unit: $(UNITS)
	@ci/run-unit $(UNITS)

steps: all
	@MLCI_BIN=$(CURDIR)/$(BIN) ci/run-steps

test: unit steps

# (the fault-injection deploy test runs its 1000 trials plain; 300 here)
asan:
	@MLCI_FAULT_TRIALS=$${MLCI_FAULT_TRIALS:-300} $(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/bin \
		OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		unit steps

# check: the suite plain and under ASan+UBSan, each fuzz target for
# FUZZ_SECONDS (10 here) after its corpus and crashers (a target with open
# crashers, in code being rewritten, is not fuzzed here), then the suite
# (less its heavy tests, see ci/valgrind) under valgrind's leak check.
check: deps
	@rm -f tests/out/counts
	@$(MAKE) --no-print-directory test
	@$(MAKE) --no-print-directory asan
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-10} FUZZ_SKIP_OPEN=1 $(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory valgrind
	@ci/summary

# Every fuzz target: the corpora and crashers once, then FUZZ_SECONDS
# (default 60) of fuzzing each; see ci/fuzz.
fuzz: deps
	@$(MAKE) --no-print-directory -j$(NPROC) CC=clang BUILD=$(FUZZ_BUILD) \
		BIN=$(FUZZ_BUILD)/bin OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
		CFLAGS="$(CFLAGS) -Wno-format-nonliteral" \
		$(FUZZ_BINS)
	@ci/fuzz $(FUZZ_BUILD)

# The unit and step tests under valgrind (a -O1 -g build without
# sanitizers): a quick subset, or all of them with MLCI_VALGRIND_ALL=1;
# see ci/valgrind.
valgrind:
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=$(VG_BUILD) BIN=$(VG_BUILD)/bin \
		OPT="-O1 -g" SAN= all $(UNIT_SRC:tests/unit/%.c=$(VG_BUILD)/tests/%)
	@ci/valgrind $(VG_BUILD)

bench: deps
	@$(MAKE) --no-print-directory all
	@ci/bench

clean:
	rm -rf build build-asan bin
