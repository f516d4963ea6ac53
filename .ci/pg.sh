#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for the tests and prints the lines
# to export (eval "$(.ci/pg.sh start)"): ENCOURS_TEST_PG_DSN, a superuser DSN
# of the cluster (each test creates and drops its own database in it), and
# ENCOURS_TEST_PG_BIN, the folder of initdb/pg_ctl (for the tests that need
# a private cluster they can restart). `.ci/pg.sh stop` stops it.
#
# Installs Debian's postgresql when initdb is missing (apt-get, as root).
# initdb and pg_ctl refuse to run as root: as root the cluster belongs to
# the `postgres` user (created by the package), otherwise to the caller.
set -euo pipefail

state=${ENCOURS_TEST_PG_STATE:-${TMPDIR:-/tmp}/encours-test-pg}

pgbin() {
	local d
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	done
	return 1
}

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

start() {
	if ! bin=$(pgbin); then
		if [ "$(id -u)" != 0 ]; then
			echo "pg.sh: PostgreSQL is not installed; run: sudo apt-get install -y postgresql" >&2
			exit 1
		fi
		echo "pg.sh: installing Debian's postgresql" >&2
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
		bin=$(pgbin)
	fi
	stop >/dev/null 2>&1 || true
	rm -rf "$state"
	mkdir -p "$state"
	[ "$(id -u)" = 0 ] && chown postgres: "$state"
	port=$(free_port)
	as_owner "$bin/initdb" -D "$state/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1 ||
		{ cat "$state/initdb.log" >&2; exit 1; }
	# Tests create many databases and replicas open many connections;
	# fsync off: a throw-away cluster needs no durability, unless
	# ENCOURS_PG_DURABLE=1 (the benchmark compares with SQLite's FULL sync).
	opts="-p $port -k $state -c listen_addresses=127.0.0.1 -c max_connections=300"
	[ "${ENCOURS_PG_DURABLE:-0}" = 1 ] || opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	as_owner "$bin/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 60 -o "$opts" \
		start >&2 || { cat "$state/server.log" >&2; exit 1; }
	echo "$port" >"$state/port"
	echo "export ENCOURS_TEST_PG_DSN='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
	echo "export ENCOURS_TEST_PG_BIN='$bin'"
}

stop() {
	bin=$(pgbin) || return 0
	[ -d "$state/data" ] && as_owner "$bin/pg_ctl" -D "$state/data" -m immediate -w stop >&2
	rm -rf "$state"
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
*) echo "usage: pg.sh start|stop" >&2; exit 2 ;;
esac
