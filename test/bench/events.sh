#!/usr/bin/env bash
# test/bench/events.sh — the events part's benchmarks, run by test/bench/run
# against its throwaway cluster (PGHOST etc. exported).
#
# 1. Emit throughput: pgbench -M prepared, 2 clients, an insert into a plain
#    table plus procgov.emit() in the same transaction (one statement),
#    against the plain insert alone; durable commits and synchronous_commit
#    = off; with the default notification (one NOTIFY per transaction),
#    with the notification relay (procgov.notify = relay: the relay's worker,
#    which test/bench/run starts for this database, notifies once per pass)
#    and, for comparison, with procgov.notify = off; and outbox_row, the
#    insert plus the same outbox row written by plain SQL into a table of the
#    outbox's shape: what the row itself costs, whoever writes it.
# 2. Poll + ack throughput of one consumer over BENCH_EVENTS (default 1
#    million) events: poll 1000, acknowledge the last, until drained; each
#    call its own transaction, one client connection.
set -eu
cd "$(dirname "$0")/../.."
. test/bench/pgbench_lib.sh
events=${BENCH_EVENTS:-1000000}
db=bench_events

dropdb --force --if-exists $db >/dev/null 2>&1
createdb $db
psql -X -q -d $db -c 'CREATE EXTENSION procgov' \
	-c 'CREATE TABLE bench_doc (id bigserial PRIMARY KEY, entity text NOT NULL, supplier int NOT NULL, total numeric(18,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())' \
	-c 'CREATE TABLE bench_outbox (LIKE procgov.outbox INCLUDING ALL)' -c 'CREATE SEQUENCE bench_outbox_id'

echo "emit throughput: pgbench -M prepared -c $BENCH_CLIENTS -j 2, ${BENCH_SECONDS}s per run, median of $BENCH_RUNS interleaved runs"
compare_tps $db plain:test/bench/events/plain.sql emitted:test/bench/events/emitted.sql \
	"relay:test/bench/events/emitted.sql:-c procgov.notify=relay" "no_notify:test/bench/events/emitted.sql:-c procgov.notify=off" \
	outbox_row:test/bench/events/outbox_row.sql

echo
echo "poll + ack over $events events, one consumer, 1000 per poll"
dropdb --force $db
createdb $db
psql -X -q -v ON_ERROR_STOP=1 -d $db >/dev/null <<SQL
CREATE EXTENSION procgov;
SET procgov.notify = off;
SELECT count(procgov.emit('po.approved', 'purchase_order:ACME:PO-' || g,
       jsonb_build_object('line', g, 'total', g * 1.25, 'currency', 'USD'))) AS emitted
  FROM generate_series(1, $events) g;
SELECT procgov.register_consumer('bench', true);
VACUUM ANALYZE procgov.outbox;
SQL
script=$(mktemp)
for _ in $(seq 1 $(( events / 1000 + 2 ))); do
	echo "SELECT coalesce(max(id), 0) AS last FROM procgov.poll('bench', 1000) \\gset"
	echo "SELECT procgov.ack('bench', :last) WHERE :last > 0;"
done >"$script"
start=$(date +%s.%N)
psql -X -q -v ON_ERROR_STOP=1 -d $db -f "$script" >/dev/null
end=$(date +%s.%N)
rm -f "$script"
psql -X -q -At -d $db -c "SELECT 'delivered ' || delivered || ', acknowledged ' || acknowledged FROM procgov.consumer WHERE consumer = 'bench'"
awk -v n="$events" -v s="$start" -v e="$end" 'BEGIN { printf "poll + ack: %.2f s, %.0f events per second\n", e - s, n / (e - s) }'
dropdb --force $db
