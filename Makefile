# wachter build. `make` builds ./wachter; `make san` builds the ASan+UBSan binary;
# `make test` installs what the suite needs and runs it; `make demo` runs the demo.
CC      ?= cc
CFLAGS  ?= -O2 -g
WFLAGS  := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -D_GNU_SOURCE -Isrc \
           -I/usr/include/postgresql
LDLIBS  := -lsqlite3 -lsodium -lcjson -lmicrohttpd -lrdkafka -lpq -lm -lpthread

SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC := $(sort $(wildcard src/*/*.c))
MAIN    := src/main.c
OBJ     := $(LIB_SRC:src/%.c=build/rel/%.o)
SAN_OBJ := $(LIB_SRC:src/%.c=build/san/%.o)
TSAN_OBJ := $(LIB_SRC:src/%.c=build/tsan/%.o)
UNIT    := $(sort $(wildcard tests/unit/test_*.c))

.PHONY: all san tsan deps test demo bench clean format fuzz

all: wachter

wachter: build/rel/wachter
	ln -sf build/rel/wachter wachter

build/rel/wachter: $(OBJ) build/rel/main.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/rel/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WFLAGS) -c -o $@ $<

san: build/san/wachter

build/san/wachter: $(SAN_OBJ) build/san/main.o
	$(CC) -O1 -g $(SAN) -o $@ $^ $(LDLIBS)

build/san/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) -O1 -g $(SAN) $(WFLAGS) -c -o $@ $<

# ThreadSanitizer build: analyze reads events on a second thread that shares the loaded
# reference tables with the engine thread (tests/run.sh runs the golden tests with it).
tsan: build/tsan/wachter

build/tsan/wachter: $(TSAN_OBJ) build/tsan/main.o
	$(CC) -O1 -g -fsanitize=thread -o $@ $^ $(LDLIBS)

build/tsan/%.o: src/%.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -fsanitize=thread $(WFLAGS) -c -o $@ $<

# Unit tests link the library objects with one test file each (cmocka).
build/rel/unit/%: tests/unit/%.c $(OBJ) tests/unit/tmpdir.h tests/unit/xorshift.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS) -lcmocka

build/san/unit/%: tests/unit/%.c $(SAN_OBJ) tests/unit/tmpdir.h tests/unit/xorshift.h
	@mkdir -p $(dir $@)
	$(CC) -O1 -g $(SAN) $(WFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS) -lcmocka

unit: $(UNIT:tests/unit/%.c=build/rel/unit/%) $(UNIT:tests/unit/%.c=build/san/unit/%)

deps:
	bash scripts/install-deps.sh

test: deps
	$(MAKE) all san tsan unit web build/rel/mock_cluster
	bash tests/run.sh

demo: deps
	$(MAKE) all web
	bash scripts/demo.sh

bench: all
	bash bench/run.sh

fuzz:
	bash tests/fuzz/run.sh

format:
	clang-format -i src/*.c src/*/*.c src/*/*.h tests/unit/*.c

clean:
	rm -rf build wachter

# ---- benchmark and CI helpers (appended) ----
# bench/bench_ingest: the ingest path alone (reference load + read/parse/merge/dedupe).
build/rel/bench_ingest: bench/bench_ingest.c $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WFLAGS) -o $@ $^ $(LDLIBS)

bench-small: all build/rel/bench_ingest
	bash bench/run.sh small

# The web application's third-party files (Chart.js from npm) into web/vendor/.
web:
	bash web/build.sh
.PHONY: web

# ---- kafka mock cluster (tests) ----
# build/rel/mock_cluster: librdkafka's mock cluster as a program, and a keyed producer,
# for tests/live/kafka.sh (see the file's header).
build/rel/mock_cluster: tests/kafka/mock_cluster.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WFLAGS) -o $@ $< -lrdkafka
