# procgov — PGXS build.  `make test` and `make demo` work before pg_config
# exists: they install what is missing first (see test/run and test/demo/run).

EXTENSION  = procgov
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = procgov
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA       = $(wildcard sql/$(EXTENSION)--*.sql)
DOCS       =


# The ERP adapter's and the BI tests run last: the documents they leave
# (documents are never deleted) would change what the others count in the
# shared database.
LAST_TESTS   = bi_% erp_%
REGRESS_ALL  = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
REGRESS      = $(filter-out $(LAST_TESTS),$(REGRESS_ALL)) $(filter $(LAST_TESTS),$(REGRESS_ALL))
REGRESS_OPTS = --inputdir=test
ISOLATION      = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
# --outputdir=.: PostgreSQL 15 looks for isolation expected output in
# OUTPUTDIR/expected before INPUTDIR/expected, so both kinds share ./expected
ISOLATION_OPTS = --inputdir=test --outputdir=.

# PostgreSQL's own headers are system headers here, so -Wextra judges only our code.
PG_CPPFLAGS = -isystem $(includedir_server) -Wall -Wextra
SHLIB_LINK  = -ljson-c

# procgov-verify: the auditor's standalone ledger check, installed beside
# the server's programs (pg_config --bindir).  Pure C: audit_core.c only.
SCRIPTS_built = procgov-verify

EXTRA_CLEAN = results regression.diffs regression.out output_iso test/fuzz/bin test/unit/bin procgov-verify

# PostgreSQL 15 is what the README's commands install; override for 13-17.
PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) $(shell command -v pg_config 2>/dev/null))

.DEFAULT_GOAL := all
.PHONY: test demo bench fuzz versions

test:
	bash test/run

demo:
	bash test/demo/run

bench:
	bash test/bench/run

fuzz:
	bash test/fuzz/run long

# compile against the server headers of PostgreSQL 13-17 (test/versions)
versions:
	bash test/versions

procgov-verify: src/tools/procgov_verify.c src/audit_core.c src/audit_core.h src/parse.c src/parse.h
	$(CC) -std=c99 -O2 -Wall -Wextra -Isrc -o $@ src/tools/procgov_verify.c src/audit_core.c src/parse.c

ifneq ($(PG_CONFIG),)
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
endif
