#!/usr/bin/env bash
# The notification relay's background worker, in a cluster of its own that
# loads procgov at start (shared_preload_libraries) with
# procgov.relay_databases naming two databases: one with procgov, one
# without.  A listener gets the events of producers under procgov.notify =
# relay from the relay's process, none from the producers'; a relay ended by
# an administrator comes back and announces what committed meanwhile; a
# database without procgov costs its relay nothing but a connection; and a
# malformed setting is refused with a warning that says why (no relay runs);
# and with procgov.relay_role the relay connects as a login of its own, which
# must be a member of procgov_relay.
set -u
cd "$(dirname "$0")/../.."
. test/tap/lib.sh
. test/lib.sh
PY=${PYTHON:-/usr/bin/python3}

PROCGOV_EXTRA_CONF="shared_preload_libraries = 'pg_cron,procgov'
procgov.relay_databases = 'tap_relay, tap_relay_none'
procgov.relay_naptime = 50" start_cluster postgres >/dev/null || { echo "not ok 1 - start a cluster with the relay"; echo "1..1"; exit 1; }
ok 0 "a cluster that loads procgov at start with procgov.relay_databases starts"
createdb tap_relay
createdb tap_relay_none
q -d tap_relay -c "SET client_min_messages = warning; CREATE EXTENSION procgov" -c "ALTER DATABASE tap_relay SET procgov.notify = relay"

# the workers tried the databases before they existed; they come back within their restart delay
relays() { q -d postgres -c "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_stat_activity WHERE backend_type = 'procgov relay'"; }
for _ in $(seq 1 40); do [ "$(relays)" = "tap_relay,tap_relay_none" ] && break; sleep 0.5; done
is "$(relays)" "tap_relay,tap_relay_none" "one relay per database in procgov.relay_databases (pg_stat_activity backend_type 'procgov relay')"
relay_pid() { q -d postgres -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'procgov relay' AND datname = 'tap_relay'"; }

# listen, emit three events in two transactions, collect for 3 seconds
listen_and_emit() {
	"$PY" - "host=$PGHOST port=$PGPORT user=$PGUSER dbname=tap_relay" "$1" <<'PY'
import select, sys, time
import psycopg2
dsn, prefix = sys.argv[1], sys.argv[2]
lc = psycopg2.connect(dsn); lc.autocommit = True
lc.cursor().execute("LISTEN procgov_events")
pc = psycopg2.connect(dsn); pc.autocommit = True
cur = pc.cursor()
cur.execute("SELECT pg_backend_pid(), current_setting('procgov.notify')")
producer, mode = cur.fetchone()
start = time.time()
cur.execute("SELECT procgov.emit('po.approved', 'purchase_order:ACME:%s-1', '{}')" % prefix)
cur.execute("BEGIN")
cur.execute("SELECT procgov.emit('po.approved', 'purchase_order:ACME:%s-2', '{}')" % prefix)
cur.execute("SELECT procgov.emit('po.transmitted', 'purchase_order:ACME:%s-2', '{}')" % prefix)
cur.execute("COMMIT")
first, senders, events = None, set(), 0
import json
while time.time() - start < 3:
    if select.select([lc], [], [], 0.2)[0]:
        lc.poll()
        while lc.notifies:
            n = lc.notifies.pop(0)
            first = first or time.time() - start
            senders.add("producer" if n.pid == producer else str(n.pid))
            events += json.loads(n.payload)["count"]
print(mode, events, ",".join(sorted(senders)), "fast" if first is not None and first < 2 else "slow:%s" % first)
PY
}
pid=$(relay_pid)
is "$(listen_and_emit PO)" "relay 3 $pid fast" "a listener gets the three events from the relay's process, within 2 s, none from the producer"
is "$(q -d tap_relay -c "SELECT events >= 3 AND notifications BETWEEN 1 AND 2 FROM procgov.relay_state")" "t" "procgov.relay_state counts them in one or two notifications"
is "$(q -d tap_relay -c "SELECT relay_running || ' ' || waiting FROM procgov.relay_status()")" "true 0" "procgov.relay_status(): the relay runs, nothing waits"

# an administrator ends the relay: it is started again and catches up
q -d postgres -c "SELECT pg_terminate_backend($pid)" >/dev/null
q -d tap_relay -c "SELECT procgov.emit('po.acknowledged', 'purchase_order:ACME:PO-1', '{}')" >/dev/null
for _ in $(seq 1 40); do new=$(relay_pid); [ -n "$new" ] && [ "$new" != "$pid" ] && break; sleep 0.5; done
ok $([ -n "$new" ] && [ "$new" != "$pid" ] && echo 0 || echo 1) "a terminated relay is started again within 20 s"
for _ in $(seq 1 20); do [ "$(q -d tap_relay -c "SELECT events FROM procgov.relay_state")" -ge 4 ] && break; sleep 0.2; done
is "$(q -d tap_relay -c "SELECT events FROM procgov.relay_state")" "4" "the new relay announces the event committed while none ran"
is "$(listen_and_emit GR)" "relay 3 $new fast" "and goes on relaying"

# a session may still notify at its own commit
got=$(PGOPTIONS="-c procgov.notify=transaction" listen_and_emit IN | cut -d' ' -f1-3)
is "$got" "transaction 3 producer" "a session on procgov.notify = transaction notifies at its commits, and the relay leaves its events alone"

# a database without procgov: its relay connects and does nothing
is "$(q -d postgres -c "SELECT state FROM pg_stat_activity WHERE backend_type = 'procgov relay' AND datname = 'tap_relay_none'")" "idle" \
	"the relay of a database without procgov waits idle"
is "$(grep -c 'ERROR' "$CLUSTER_DIR/server.log")" "0" "no error in the server log so far"
# ... not even run a procgov.relay_events() that someone else wrote there (the relay is a superuser)
q -d postgres -c "CREATE ROLE tap_relay_evil LOGIN" -c "GRANT CREATE ON DATABASE tap_relay_none TO tap_relay_evil" >/dev/null
q -d tap_relay_none -U tap_relay_evil -c "CREATE SCHEMA procgov" \
	-c "CREATE FUNCTION procgov.relay_events() RETURNS bigint LANGUAGE plpgsql AS \$\$ BEGIN EXECUTE 'ALTER ROLE tap_relay_evil SUPERUSER'; RETURN 0; END \$\$" >/dev/null
sleep 1
is "$(q -d postgres -c "SELECT rolsuper FROM pg_roles WHERE rolname = 'tap_relay_evil'")" "f" \
	"the relay calls no relay_events() but procgov's own (a schema named procgov is not procgov)"
# ... and procgov is not installed into that role's schema procgov
got=$(q -d tap_relay_none -c "CREATE EXTENSION procgov" 2>&1)
case "$got" in *"schema procgov belongs to role tap_relay_evil, which is not a superuser"*) r=0 ;; *) r=1 ;; esac
ok $r "CREATE EXTENSION refuses a schema procgov that a role other than a superuser made"
is "$(q -d tap_relay_none -c "SELECT count(*) FROM pg_extension WHERE extname = 'procgov'")" "0" "and procgov is not installed there"

# DROP DATABASE waits for no relay when forced: the relay's session ends with the others
q -d postgres -c "DROP DATABASE tap_relay_none WITH (FORCE)" >/dev/null
ok $? "DROP DATABASE ... WITH (FORCE) ends the relay's session and drops the database"
q -d postgres -c "DROP ROLE tap_relay_evil" >/dev/null

# a cancelled pass (pg_cancel_backend) is not the end of the worker
pid=$(relay_pid)
q -d postgres -c "SELECT pg_cancel_backend($pid)" >/dev/null
sleep 1
is "$(relay_pid)" "$pid" "a relay whose pass is cancelled keeps running"

# procgov dropped under a running relay, then created again: the relay goes on
q -d tap_relay -c "DROP EXTENSION procgov" -c "SET client_min_messages = warning; CREATE EXTENSION procgov" >/dev/null
sleep 11	# a pass that failed meanwhile waits 10 s before the next
is "$(listen_and_emit DR | cut -d' ' -f1,2,4)" "relay 3 fast" "after DROP and CREATE EXTENSION the relay announces again"

# a malformed list: the server starts without a relay and its log says why
as_owner "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null
echo "procgov.relay_databases = 'tap_relay, tap_relay'" >>"$CLUSTER_DIR/data/postgresql.conf"
as_owner "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w -t 20 start >/dev/null 2>&1
ok $? "the server starts with procgov.relay_databases naming a database twice"
is "$(grep -c 'Database "tap_relay" is named twice' "$CLUSTER_DIR/server.log")" "1" "its log says which database is named twice"
sleep 1
is "$(relays)" "" "and no relay runs"

# the relay as a login of its own (procgov.relay_role): a member of procgov_relay runs the passes
q -d postgres -c "CREATE ROLE tap_relayer LOGIN IN ROLE procgov_relay" -c "CREATE ROLE tap_relay_plain LOGIN" >/dev/null
restart_with() {
	as_owner "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null
	printf '%s\n' "$@" >>"$CLUSTER_DIR/data/postgresql.conf"
	as_owner "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w -t 20 start >/dev/null 2>&1
}
restart_with "procgov.relay_databases = 'tap_relay'" "procgov.relay_role = 'tap_relayer'"
for _ in $(seq 1 40); do [ "$(relays)" = "tap_relay" ] && break; sleep 0.5; done
is "$(q -d postgres -c "SELECT usename FROM pg_stat_activity WHERE backend_type = 'procgov relay'")" "tap_relayer" \
	"with procgov.relay_role set, the relay connects as that login"
is "$(listen_and_emit RR | cut -d' ' -f1,2,4)" "relay 3 fast" "a relay whose login is a member of procgov_relay announces"
is "$(q -d tap_relay -U tap_relayer -c "SELECT count(*) FROM procgov.outbox" 2>&1 | grep -c 'permission denied for table outbox')" "1" \
	"and procgov_relay may not read the outbox itself"

# a login that may not run the pass: an error in the log naming the GRANT, and the events wait
restart_with "procgov.relay_role = 'tap_relay_plain'"
for _ in $(seq 1 40); do grep -q 'procgov relay role "tap_relay_plain" may not run procgov.relay_events()' "$CLUSTER_DIR/server.log" && break; sleep 0.5; done
sleep 2
is "$(grep -c 'procgov relay role "tap_relay_plain" may not run procgov.relay_events()' "$CLUSTER_DIR/server.log")" "1" \
	"a relay login without procgov_relay: the log says it may not run procgov.relay_events(), once per 10 s"
ok "$(grep -q 'HINT:  GRANT procgov_relay TO tap_relay_plain; or set procgov.relay_role' "$CLUSTER_DIR/server.log"; echo $?)" "and names the GRANT"
q -d tap_relay -c "SELECT procgov.emit('po.approved', 'purchase_order:ACME:NP-1', '{}')" >/dev/null
sleep 1
is "$(q -d tap_relay -c "SELECT waiting FROM procgov.relay_status()")" "1" "its events wait unannounced (procgov.relay_status())"

# a name too long to be a role's: no relay at all, never one left to the superuser
long=$(printf 'r%.0s' $(seq 1 64))
restart_with "procgov.relay_role = '$long'"
ok $? "the server starts with a procgov.relay_role longer than a role name"
is "$(grep -c "procgov.relay_role \"$long\" is longer than a role name can be; no notification relay runs" "$CLUSTER_DIR/server.log")" "1" \
	"its log says so"
sleep 1
is "$(relays)" "" "and no relay runs"
done_testing
