#!/usr/bin/env bash
# make run / make stop / make psql: a local PostgreSQL with the kafkapg broker.
#
#   KAFKAPG_HOME  where the cluster lives (default ./.kafkapg)
#   PGPORT        PostgreSQL port (default 5432)
#   KAFKAPG_PORT  Kafka port (default 9092)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

KAFKAPG_HOME=${KAFKAPG_HOME:-./.kafkapg}
mkdir -p "$KAFKAPG_HOME"
KAFKAPG_HOME=$(cd "$KAFKAPG_HOME" && pwd)
PGPORT=${PGPORT:-5432}
KAFKAPG_PORT=${KAFKAPG_PORT:-9092}
DATA=$KAFKAPG_HOME/data
LOG=$KAFKAPG_HOME/postgresql.log

running() {
	[ -f "$DATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

# the server's OS user must reach KAFKAPG_HOME (e.g. not inside /root)
check_access() {
	if [ "$(id -u)" -eq 0 ]; then
		chown "$PG_OS_USER": "$KAFKAPG_HOME"
		if ! runuser -u "$PG_OS_USER" -- test -w "$KAFKAPG_HOME"; then
			echo "make run: user $PG_OS_USER cannot reach $KAFKAPG_HOME (a parent directory is private)." >&2
			echo "make run: set KAFKAPG_HOME to a reachable place, e.g. KAFKAPG_HOME=/var/tmp/kafkapg make run" >&2
			exit 1
		fi
	fi
}

port_settings() {
	local port kport
	port=$(sed -n "s/^port = \([0-9]*\)$/\1/p" "$DATA/postgresql.conf" | tail -1)
	kport=$(sed -n "s/^kafkapg.port = \([0-9]*\)$/\1/p" "$DATA/postgresql.conf" | tail -1)
	PGPORT=${port:-$PGPORT}
	KAFKAPG_PORT=${kport:-$KAFKAPG_PORT}
}

print_howto() {
	port_settings
	echo
	echo "kafkapg is running."
	echo "  Kafka bootstrap:  localhost:$KAFKAPG_PORT   (e.g. kcat -L -b localhost:$KAFKAPG_PORT)"
	echo "  SQL:              psql -h localhost -p $PGPORT -U postgres postgres   (or: make psql)"
	echo "  Log:              $LOG"
	echo "  Stop:             make stop"
}

start() {
	if running; then
		echo "kafkapg is already running in $KAFKAPG_HOME; nothing changed."
		print_howto
		return 0
	fi
	make -s all
	make -s install >/dev/null
	check_access
	if [ ! -f "$DATA/PG_VERSION" ]; then
		for p in "$PGPORT" "$KAFKAPG_PORT"; do
			if port_in_use "$p"; then
				echo "make run: port $p is already in use (a Debian 15/main cluster? stop it with: pg_ctlcluster 15 main stop)." >&2
				echo "make run: or choose other ports: PGPORT=5433 KAFKAPG_PORT=9093 make run" >&2
				exit 1
			fi
		done
		echo "Creating a PostgreSQL cluster in $DATA"
		kp_initdb "$DATA" "$PGPORT" "$KAFKAPG_PORT" localhost
	fi
	port_settings
	as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -w start >/dev/null
	as_pg "$PGBIN/psql" -X -q -h localhost -p "$PGPORT" -U postgres -d postgres \
		-c "CREATE EXTENSION IF NOT EXISTS kafkapg" -c "ALTER EXTENSION kafkapg UPDATE" >/dev/null
	if ! kp_wait_broker "$KAFKAPG_PORT" 30; then
		echo "make run: the broker did not answer on port $KAFKAPG_PORT; see $LOG" >&2
		exit 1
	fi
	print_howto
}

stop() {
	if running; then
		as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
		echo "kafkapg stopped."
	else
		echo "kafkapg is not running."
	fi
}

psql_shell() {
	port_settings
	exec "$PGBIN/psql" -h localhost -p "$PGPORT" -U postgres postgres
}

case "${1:-start}" in
	start) start ;;
	stop) stop ;;
	psql) psql_shell ;;
	*) echo "usage: $0 start|stop|psql" >&2; exit 2 ;;
esac
