# zaiko — build, run, test. `make help` lists the targets.
# Sources are found by directory, so a new .c file needs no Makefile edit.

BUILD   ?= build
CC      ?= cc
V       ?= 0
Q        = $(if $(filter 1,$(V)),,@)

PKGS     = libmariadb libcurl libcjson icu-uc
WARN     = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Werror
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP -Icgi-bin \
           -I/usr/include/ClearSilver $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += -lneo_cgi -lneo_cs -lneo_utl -lz -lfcgi -lexpat -lcrypto -lcrypt \
           $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

# Layers shared by both programs; the web front and the batch each add their own.
COMMON_SRC = $(wildcard cgi-bin/core/*.c cgi-bin/db/*.c cgi-bin/users/*.c cgi-bin/stock/*.c cgi-bin/csv/*.c)
WEB_SRC    = $(wildcard cgi-bin/web/*.c cgi-bin/screens/*.c)
BATCH_SRC  = $(wildcard cgi-bin/batch/*.c cgi-bin/mall/*.c)
MAIN_OBJS  = $(BUILD)/obj/cgi-bin/web/main.o $(BUILD)/obj/cgi-bin/batch/main.o

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
COMMON_OBJ = $(call obj,$(COMMON_SRC))
WEB_OBJ    = $(call obj,$(WEB_SRC))
BATCH_OBJ  = $(call obj,$(BATCH_SRC))
# Everything but the two main()s, for unit tests and fuzz targets.
LIB_OBJ    = $(filter-out $(MAIN_OBJS),$(COMMON_OBJ) $(WEB_OBJ) $(BATCH_OBJ))

UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BIN   = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# C tests that need the private stack's database (run by tests/run.sh with ZAIKO_CONF set).
DBTEST_SRC = $(wildcard tests/db/test_*.c)
DBTEST_BIN = $(patsubst tests/db/%.c,$(BUILD)/tests/db/%,$(DBTEST_SRC))

all: $(BUILD)/zaiko.fcgi $(BUILD)/zaiko-batch

$(BUILD)/zaiko.fcgi: $(COMMON_OBJ) $(WEB_OBJ)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/zaiko-batch: $(COMMON_OBJ) $(BATCH_OBJ)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

$(BUILD)/tests/db/%: tests/db/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

unit-bin: $(UNIT_BIN) $(DBTEST_BIN)

deps:
	@tests/stack/deps.sh

# Source rules that need no database (tests/check/check.py lists them): first each rule must
# fire on its bad fixture, then the tree must pass them all. Run first by make test and CI.
$(BUILD)/tools/cs_parse: tests/check/cs_parse.c
	@mkdir -p $(dir $@)
	@echo "  TOOL    $@"
	$(Q)$(CC) -O1 -std=c11 -D_GNU_SOURCE $(WARN) -I/usr/include/ClearSilver -o $@ $< \
		-lneo_cgi -lneo_cs -lneo_utl -lz

check: $(BUILD)/tools/cs_parse
	@BUILD=$(BUILD) /usr/bin/python3 tests/check/check.py --selftest
	@BUILD=$(BUILD) /usr/bin/python3 tests/check/check.py

test: deps
	$(Q)$(MAKE) --no-print-directory check
	$(Q)$(MAKE) --no-print-directory all unit-bin
	@tests/run.sh

run: deps
	$(Q)$(MAKE) --no-print-directory all
	@tests/stack/run.sh

stop:
	@tests/stack/stack.sh stop var/run

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	@tests/bench/run.sh

fuzz: deps
	@tests/fuzz/run.sh $(or $(SECONDS_PER_TARGET),60)

# ASan/UBSan build in build-asan, then the unit tests and the integration tests against a
# stack running the sanitized zaiko.fcgi (tests/sanitize.sh).
sanitize: deps
	@tests/sanitize.sh

# make install PREFIX=/usr/local DESTDIR=/tmp/pkg: programs, templates, static files,
# migrations and example configuration. Nothing under /etc is written; copy
# $(PREFIX)/share/zaiko/conf/zaiko.conf.example to /etc/zaiko/zaiko.conf yourself.
PREFIX  ?= /usr/local
# Absolute, so a relative DESTDIR means the same inside the copy loop's subshells.
INSTROOT = $(abspath $(DESTDIR)$(PREFIX))
SHAREDIR = $(INSTROOT)/share/zaiko
CGIDIR   = $(INSTROOT)/lib/zaiko/cgi-bin

install: all
	@echo "  INSTALL $(INSTROOT)"
	$(Q)case "$(INSTROOT)/" in "$(CURDIR)"/templates/*|"$(CURDIR)"/htdocs/*|"$(CURDIR)"/sql/*) \
		echo "install: DESTDIR inside the source tree's templates/htdocs/sql" >&2; exit 1;; esac
	$(Q)install -d $(INSTROOT)/bin $(CGIDIR) $(SHAREDIR)/conf
	$(Q)install -m 0755 $(BUILD)/zaiko-batch $(INSTROOT)/bin/zaiko-batch
	$(Q)install -m 0755 $(BUILD)/zaiko.fcgi $(CGIDIR)/zaiko.fcgi
	$(Q)ln -sf ../lib/zaiko/cgi-bin/zaiko.fcgi $(INSTROOT)/bin/zaiko.fcgi
	$(Q)for d in templates htdocs sql; do \
		rm -rf $(SHAREDIR)/$$d && install -d $(SHAREDIR)/$$d && \
		files=$$(cd $$d && find . -type f) && \
		for f in $$files; do install -D -m 0644 $$d/$$f $(SHAREDIR)/$$d/$$f || exit 1; done; \
	done
	$(Q)for f in conf/*.example conf/*.service conf/*.socket conf/*.timer; do \
		[ -f "$$f" ] || continue; \
		sed 's|/usr/local|$(PREFIX)|g' "$$f" >$(SHAREDIR)/conf/$$(basename "$$f") && \
		chmod 0644 $(SHAREDIR)/conf/$$(basename "$$f") || exit 1; \
	done

.PHONY: install sanitize

clean:
	rm -rf $(BUILD) build-*

help:
	@echo "make run    start zaiko with demo shops (Ctrl-C or make stop ends it)"
	@echo "make test   install what is missing, make check, build, run every test layer"
	@echo "make check  source rules, no database (tests/check/check.py)"
	@echo "make bench  benchmarks; make fuzz  fuzz targets; make install PREFIX=… DESTDIR=…"

.PHONY: all deps check test run stop bench fuzz clean help unit-bin
.DELETE_ON_ERROR:
# What each object and test program includes (-MMD): a changed header rebuilds them, the unit
# and db tests' own headers (malltest.h, csvtest.h) too.
-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)
