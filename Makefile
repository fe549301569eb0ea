# kafkapg: a Kafka broker inside PostgreSQL 15 (PGXS build)
#
#   make run / make stop / make psql   local instance (scripts/run.sh)
#   make test                          every test layer, ends "N passed, M failed"
#   make unitcheck | installcheck | prove | clientcheck   one layer
#   make bench                         benchmarks (bench/)

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config

EXTENSION = kafkapg
MODULE_big = kafkapg
DATA = $(wildcard sql/kafkapg--*.sql)
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c)))

PG_CPPFLAGS = -Iinclude
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers -Wno-clobbered
SHLIB_LINK = -lzstd -llz4 -lsnappy -lz

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Headers are shared by many objects: rebuild everything when one changes.
$(OBJS): $(wildcard include/kafkapg/*.h include/kafkapg/*/*.h include/kafkapg/*/*.def)

.PHONY: run stop psql deps test unitcheck kp-installcheck prove clientcheck bench

deps:
	scripts/install-deps.sh

run: deps
	scripts/run.sh start

stop:
	scripts/run.sh stop

psql:
	scripts/run.sh psql

# ---- tests -----------------------------------------------------------------
# The codec (src/protocol) and the record-batch library (src/record) never
# call into the server, so they link into a plain executable; CRC32C comes
# from PostgreSQL's libpgport.
UNIT_SRCS = $(wildcard test/unit/*.c) $(wildcard src/protocol/*.c) $(wildcard src/record/*.c)
UNIT_BIN = test/unit/kp_unit
UNIT_LIBS = -L$(shell $(PG_CONFIG) --pkglibdir) -L$(shell $(PG_CONFIG) --libdir) -lpgport -lzstd -llz4 -lsnappy -lz

$(UNIT_BIN): $(UNIT_SRCS) $(wildcard include/kafkapg/protocol/* include/kafkapg/record/*) $(wildcard test/unit/*.h)
	$(CC) -std=gnu99 -g -O1 -Wall -Wextra -Werror -fno-strict-aliasing \
		-Iinclude -Itest/unit -I$(shell $(PG_CONFIG) --includedir-server) \
		$(UNIT_SRCS) $(UNIT_LIBS) -o $@

unitcheck: $(UNIT_BIN)
	scripts/run-layer.sh unit $(UNIT_BIN) $(T)

installcheck: kp-installcheck
kp-installcheck:
	scripts/run-layer.sh regress test/regress/run.sh $(T)

prove:
	scripts/run-layer.sh tap test/t/run.sh $(T)

clientcheck:
	scripts/run-layer.sh client test/client/run.sh $(T)

test:
	scripts/test-all.sh

bench: all
	bench/run.sh

clean: kp-clean
kp-clean:
	rm -rf $(UNIT_BIN) test/results bench/bin
