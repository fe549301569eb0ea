# Shell helpers shared by make run and the test runners (sourced, not run).
#
# PostgreSQL refuses to run as root: when we are root, server commands run
# as the "postgres" account through runuser, on directories it owns.

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PYTHON=${PYTHON:-/usr/bin/python3}
KP_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PG_OS_USER=${PG_OS_USER:-postgres}

# Runs a command as the server's OS user.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PG_OS_USER" -- "$@"
	else
		"$@"
	fi
}

# Makes a directory owned by the server's OS user.
mkdir_pg() {
	mkdir -p "$1"
	if [ "$(id -u)" -eq 0 ]; then chown "$PG_OS_USER": "$1"; fi
}

# Prints a free TCP port on 127.0.0.1 (the kernel picks it).
free_port() {
	"$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# True if something listens on 127.0.0.1:$1.
port_in_use() {
	"$PYTHON" -c 'import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(("127.0.0.1",int(sys.argv[1])))==0 else 1)' "$1"
}

# Creates a cluster in $1 preloading kafkapg; $2 = PG port, $3 = Kafka port,
# $4 = kafkapg.listen_addresses (default 127.0.0.1).
kp_initdb() {
	local data=$1 pgport=$2 kport=$3 klisten=${4:-127.0.0.1}
	mkdir_pg "$data"
	as_pg "$PGBIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
	cat >> "$data/postgresql.conf" <<CONF
# --- kafkapg ---
shared_preload_libraries = 'kafkapg'
port = $pgport
listen_addresses = '127.0.0.1'
unix_socket_directories = '$data'
kafkapg.port = $kport
kafkapg.listen_addresses = '$klisten'
# tests: a new group's first rebalance waits 100 ms, not Kafka's 3 s, and
# members may ask for session timeouts down to 1 s
kafkapg.group_initial_rebalance_delay_ms = 100
kafkapg.group_min_session_timeout_ms = 1000
CONF
}

# Waits up to $2 seconds (default 30) for the broker on 127.0.0.1:$1.
kp_wait_broker() {
	"$PYTHON" "$KP_SCRIPTS/kp-ping.py" --wait "${2:-30}" 127.0.0.1 "$1"
}
