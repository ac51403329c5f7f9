#!/usr/bin/env bash
# The outbox and its consumers restored into another cluster: the restored
# events carry the old cluster's transaction ids and the consumers' positions
# are the old cluster's snapshots.  poll() refuses such a position (read
# against the new cluster's ids it would skip events now and hand them out
# again later); procgov.rebase_events() works out where each consumer was and
# has it replay from its oldest event not acknowledged, then carry on: every
# event reaches every consumer, the new ones too.
set -u
cd "$(dirname "$0")/../.."
. test/tap/lib.sh
. test/lib.sh
work=$(mktemp -d)
src=tap_events_src
# (the outer cluster, test/run's, is never stopped here: CLUSTER_DIR names the new one before any trap stops it)
trap 'rm -rf "$work"; dropdb --if-exists $src >/dev/null 2>&1' EXIT
dropdb --if-exists $src >/dev/null 2>&1
createdb $src
# the old cluster is well ahead in transaction ids of a new one
q -d $src >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION procgov;
SET procgov.notify = off;
CREATE PROCEDURE pg_temp.burn(n integer) LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1 .. n LOOP
		PERFORM pg_current_xact_id();
		COMMIT;
	END LOOP;
END $$;
CALL pg_temp.burn(3000);
SELECT procgov.register_consumer(c, true) FROM unnest(ARRAY['c_done', 'c_half', 'c_idle']) c;
SELECT procgov.emit('po.approved', 'purchase_order:ACME:PO-' || g, jsonb_build_object('n', g)) FROM generate_series(1, 8) g;
SELECT procgov.emit('po.transmitted', 'purchase_order:ACME:PO-' || g, '{}') FROM generate_series(1, 6) g;
SQL
# c_done takes all 14 and acknowledges them; c_half takes 10 and acknowledges 5; c_idle nothing
q -d $src >/dev/null <<'SQL'
SELECT procgov.ack('c_done', max(id), max(claim)) FROM procgov.poll('c_done', 100);
CREATE TEMP TABLE got AS SELECT * FROM procgov.poll('c_half', 10);
SELECT procgov.ack('c_half', 5, (SELECT max(claim) FROM got));
SQL
pg_dump -Fc -f "$work/events.dump" $src
ok $? "pg_dump of a database with an outbox and three consumers"
dropdb $src

# a new cluster, whose transaction ids start over
old_host=$PGHOST old_port=$PGPORT
CLUSTER_DIR=
trap 'rm -rf "$work"' EXIT
start_cluster postgres
ok $? "a new cluster starts"
trap 'rm -rf "$work"; stop_cluster' EXIT
[ "$PGHOST" != "$old_host" ] || { echo "Bail out! the new cluster is the old one"; exit 1; }
createdb dst
PGOPTIONS='-c session_replication_role=replica' pg_restore -d dst "$work/events.dump" 2>"$work/restore.err"
ok $? "pg_restore into the new cluster $(head -c 300 "$work/restore.err")"
q -d dst -c "SET procgov.notify = off; SELECT procgov.emit('receipt.posted', 'receipt:ACME:GR-' || g, '{}') FROM generate_series(1, 2) g" >/dev/null
is "$(q -d dst -c "SELECT procgov.poll('c_idle', 100)" 2>&1 | grep -c 'the position of consumer "c_idle" is from another cluster')" 1 \
   "poll() refuses a position taken in the old cluster"
is "$(q -d dst -c "SELECT string_agg(consumer || '=' || coalesce(replays_from::text, '-') || '/' || events_restored, ' ' ORDER BY consumer) FROM procgov.rebase_events()")" \
   "c_done=-/14 c_half=6/14 c_idle=1/14" "rebase_events(): c_done had everything, c_half replays from its oldest unacknowledged event, c_idle from the first"
q -d dst -c "SET procgov.notify = off; SELECT procgov.emit('receipt.posted', 'receipt:ACME:GR-' || g, '{}') FROM generate_series(3, 4) g" >/dev/null
drain_in() {	# drain_in DATABASE CONSUMER: every event id it is handed, acknowledged as it goes
	local out ids=""
	for _ in 1 2 3 4 5 6; do
		out=$(q -d "$1" -c "CREATE TEMP TABLE b AS SELECT * FROM procgov.poll('$2', 100);
			SELECT procgov.ack('$2', max(id), max(claim)) FROM b HAVING count(*) > 0;
			SELECT string_agg(id::text, ',' ORDER BY id) FROM b" | tail -1)
		[ -n "$out" ] || break
		ids="$ids${ids:+,}$out"
	done
	echo "$ids"
}
drain() { drain_in dst "$1"; }
is "$(drain c_done)" "15,16,17,18" "c_done gets the events emitted in the new cluster, none it had"
is "$(drain c_half)" "6,7,8,9,10,11,12,13,14,15,16,17,18" "c_half gets what it had not acknowledged, then the new events"
is "$(drain c_idle)" "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18" "c_idle gets every event, once"
is "$(q -d dst -c "SELECT count(*) FROM procgov.poll('c_idle', 100)")" 0 "and nothing comes again"
is "$(q -d dst -c "SELECT count(*) FROM procgov.verify_audit()")" 0 "the ledger, with the rebase on record, verifies"
is "$(q -d dst -c "SELECT procgov.rebase_events()" 2>&1 | grep -c "are this cluster's already")" 1 "a second rebase is refused"

# and back into the first cluster, which is ahead: the old ids read as they did, nothing to rebase
q -d dst -c "SET procgov.notify = off; SELECT procgov.emit('invoice.received', 'invoice:ACME:INV-' || g, '{}') FROM generate_series(1, 3) g" >/dev/null
pg_dump -Fc -f "$work/back.dump" dst
ok $? "pg_dump of the new cluster's database"
(
	export PGHOST=$old_host PGPORT=$old_port
	dropdb --if-exists tap_events_back >/dev/null 2>&1
	createdb tap_events_back
	PGOPTIONS='-c session_replication_role=replica' pg_restore -d tap_events_back "$work/back.dump" 2>"$work/back.err"
	ok $? "pg_restore into the first cluster, ahead of it $(head -c 300 "$work/back.err")"
	is "$(drain_in tap_events_back c_done)" "19,20,21" "without a rebase, c_done gets just the three events it had not had"
	is "$(drain_in tap_events_back c_idle)" "19,20,21" "and so does c_idle"
	is "$(q -d tap_events_back -c "SELECT procgov.rebase_events()" 2>&1 | grep -c "are this cluster's already")" 1 \
	   "rebase_events() says there is nothing to do"
	dropdb tap_events_back
	echo "$n $failed" >"$work/n"
)
# (the subshell kept the first cluster's settings to itself; its count comes back)
read -r n failed <"$work/n"
done_testing
