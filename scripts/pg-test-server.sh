#!/usr/bin/env bash
# scripts/pg-test-server.sh - a throwaway PostgreSQL server for the tests of the store's
# PostgreSQL backend (tests/unit/test_pgstore.c), on 127.0.0.1 only.
#
#   scripts/pg-test-server.sh start DIR PORT   prints postgresql://postgres@127.0.0.1:PORT/wachter
#   scripts/pg-test-server.sh stop DIR
#
# start: installs PostgreSQL with apt-get when no /usr/lib/postgresql/*/bin/initdb exists,
# initialises a cluster in DIR/data (owned by the `postgres` OS user: the server refuses to
# run as root, so as root initdb and pg_ctl run through runuser), with trust authentication
# on 127.0.0.1 only, the unix socket in DIR/sock and the log in DIR/server.log; starts it
# on 127.0.0.1:PORT, waits until it accepts connections and creates the database
# `wachter`. The server runs without fsync: it is for tests, its data is worth nothing.
# Only the URL goes to stdout, so `URL=$(scripts/pg-test-server.sh start DIR PORT)` works.
#
# Both commands are idempotent: start on a running cluster (same port) only makes sure the
# database exists and prints the URL; stop on a stopped or missing cluster does nothing.
# stop leaves DIR in place; remove it afterwards (rm -rf DIR) for a clean slate.
set -euo pipefail

die() {
    echo "pg-test-server: $*" >&2
    exit 1
}

usage() {
    die "usage: $0 start DIR PORT | stop DIR"
}

# The bin directory of the newest installed PostgreSQL, or "" when none is installed.
pg_bindir() {
    local d best=""
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] || continue
        if [ -z "$best" ] || [ "$(basename "$(dirname "$d")")" -gt "$(basename "$(dirname "$best")")" ]; then
            best=$d
        fi
    done
    echo "$best"
}

install_postgresql() {
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed and only root can install it (apt-get install postgresql)"
    echo "pg-test-server: installing PostgreSQL with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q postgresql >&2
}

# Run a command as the owner of the cluster: `postgres` when we are root, else ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

running() {
    as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

# The port a running cluster listens on (first line of postmaster.pid's fourth line).
running_port() {
    sed -n 4p "$DIR/data/postmaster.pid" 2>/dev/null
}

cmd_start() {
    case "$PORT" in '' | *[!0-9]*) die "PORT must be a number, not '$PORT'" ;; esac
    BIN=$(pg_bindir)
    if [ -z "$BIN" ]; then
        install_postgresql
        BIN=$(pg_bindir)
        [ -n "$BIN" ] || die "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb exists"
    fi
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "there is no 'postgres' OS user to run the server as"
    fi

    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$DIR"
        chmod 0700 "$DIR"
        as_owner test -x "$DIR" -a -w "$DIR" ||
            die "$DIR: the postgres user cannot reach it (a parent directory is private); use a directory under /tmp"
    fi

    if [ ! -f "$DIR/data/PG_VERSION" ]; then
        as_owner mkdir -p "$DIR/data" "$DIR/sock"
        as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth-host=trust --auth-local=peer \
            --encoding=UTF8 --no-locale --no-sync >"$DIR/initdb.log" 2>&1 ||
            die "initdb failed; see $DIR/initdb.log"
        # Only 127.0.0.1 over TCP (trust) and the owner over the socket inside DIR (peer).
        as_owner tee "$DIR/data/pg_hba.conf" >/dev/null <<EOF
local all postgres peer
host  all all 127.0.0.1/32 trust
EOF
        as_owner tee -a "$DIR/data/postgresql.conf" >/dev/null <<EOF
# pg-test-server.sh: a throwaway test server.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
EOF
    fi
    as_owner mkdir -p "$DIR/sock"

    if running; then
        local port
        port=$(running_port)
        [ "$port" = "$PORT" ] || die "the cluster in $DIR already runs on port $port, not $PORT"
    else
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
            -o "-p $PORT" start >/dev/null ||
            die "the server did not start on 127.0.0.1:$PORT; see $DIR/server.log"
    fi

    local i
    for i in $(seq 1 60); do
        "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" && break
        [ "$i" -lt 60 ] || die "the server on 127.0.0.1:$PORT does not accept connections; see $DIR/server.log"
        sleep 0.5
    done

    local psql=("$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres)
    if [ "$("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'wachter'")" != 1 ]; then
        "${psql[@]}" -c "CREATE DATABASE wachter" >/dev/null ||
            die "cannot create the database wachter on 127.0.0.1:$PORT"
    fi
    echo "postgresql://postgres@127.0.0.1:$PORT/wachter"
}

cmd_stop() {
    [ -f "$DIR/data/PG_VERSION" ] || return 0
    BIN=$(pg_bindir)
    [ -n "$BIN" ] || return 0
    if running; then
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 60 stop >/dev/null ||
            die "cannot stop the server of $DIR; see $DIR/server.log"
    fi
}

case "${1:-}" in
start)
    [ $# -eq 3 ] || usage
    DIR=$2 PORT=$3
    cmd_start
    ;;
stop)
    [ $# -eq 2 ] || usage
    DIR=$2
    cmd_stop
    ;;
*) usage ;;
esac
