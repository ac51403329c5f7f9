# test/lib.sh — shared by test/run, test/demo/run and test/bench/run.
#
# Installs the system packages procgov needs (Debian 12, as root), builds and
# installs the extension, and starts a throwaway PostgreSQL cluster in a
# temporary directory that is removed on exit.  It never touches a cluster
# the user already runs: the new one listens only on a Unix socket in its own
# directory, on a port nobody else uses.

PGVER=${PGVER:-15}
PGBIN=/usr/lib/postgresql/$PGVER/bin
PG_CONFIG=$PGBIN/pg_config
export PG_CONFIG

# Debian packages the build, the tests, the demo and the benchmarks need.
# (another distribution or version may name its own: PROCGOV_PACKAGES="...")
PROCGOV_PACKAGES=${PROCGOV_PACKAGES:-"make gcc clang libclang-rt-14-dev postgresql-$PGVER postgresql-server-dev-$PGVER postgresql-$PGVER-cron libjson-c-dev"}

log() { printf '%s\n' "$*" >&2; }

# Install whatever is missing; apt-get update runs only when something is.
ensure_packages() {
	local missing="" p
	for p in $PROCGOV_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		log "missing packages:$missing — run as root, or install them with apt-get first"
		return 1
	fi
	log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Build with the project's warning flags and install into the server.
build_and_install() {
	make -s PG_CONFIG="$PG_CONFIG" >/dev/null && make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# Run a command as the cluster's owner (the server refuses to run as root).
as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Start a throwaway cluster with pg_cron preloaded.  $1: database pg_cron
# runs in.  Exports PGHOST, PGPORT, PGUSER, PGDATABASE for the caller.
start_cluster() {
	local crondb=${1:-postgres} port
	CLUSTER_DIR=$(mktemp -d /tmp/procgov-cluster.XXXXXX)
	[ "$(id -u)" = 0 ] && chown postgres: "$CLUSTER_DIR"
	for port in $(seq 54330 54400); do
		[ -e "/tmp/.s.PGSQL.$port" ] || [ -e "/var/run/postgresql/.s.PGSQL.$port" ] || break
	done
	trap stop_cluster EXIT
	as_owner "$PGBIN/initdb" -D "$CLUSTER_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$CLUSTER_DIR/initdb.log" 2>&1 || {
		cat "$CLUSTER_DIR/initdb.log" >&2; return 1; }
	cat >>"$CLUSTER_DIR/data/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$CLUSTER_DIR'
shared_preload_libraries = 'pg_cron'
cron.database_name = '$crondb'
cron.use_background_workers = on
max_prepared_transactions = 10
fsync = ${PROCGOV_FSYNC:-on}
log_min_messages = warning
${PROCGOV_EXTRA_CONF:-}
CONF
	as_owner "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w -t 60 start >/dev/null || {
		cat "$CLUSTER_DIR/server.log" >&2; return 1; }
	export PGHOST=$CLUSTER_DIR PGPORT=$port PGUSER=postgres PGDATABASE=postgres
	export PATH="$PGBIN:$PATH"
}

stop_cluster() {
	[ -n "${CLUSTER_DIR:-}" ] || return 0
	as_owner "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1
	rm -rf "$CLUSTER_DIR"
	CLUSTER_DIR=
}
