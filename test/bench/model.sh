#!/usr/bin/env bash
# test/bench/model.sh — the canonical model's benchmark, run by test/bench/run
# against its throwaway cluster (PGHOST etc. exported).
#
# pgbench -M prepared, 2 clients: the whole governed lifecycle of an order
# with 5 lines (create, submit, approve, transmit, acknowledge, receive; six
# transactions through procgov's API, the governance trigger, audit ledger
# and events included) against the same row writes into plain tables of the
# same shape with no triggers (test/bench/model/plain.sql), with durable
# commits and with synchronous_commit = off.  One pgbench "transaction" is
# one whole lifecycle, so tps is orders taken from creation to receipt per
# second.  The default event notification (one NOTIFY per transaction) is on;
# two variants run beside it: the notification relay (procgov.notify =
# relay, its worker started by test/bench/run) and no notification at all.
# A fourth, essential, is plain.sql's writes plus the nine ledger entries and
# seven events a governed lifecycle leaves, by direct calls: the least any
# design that audits and announces every step pays (docs/model.md).
set -eu
cd "$(dirname "$0")/../.."
. test/bench/pgbench_lib.sh
db=bench_model

dropdb --force --if-exists $db >/dev/null 2>&1
createdb $db
psql -X -q -v ON_ERROR_STOP=1 -d $db -c 'CREATE EXTENSION procgov' -f test/bench/model/setup.sql >/dev/null

echo "order lifecycle (6 transactions, 5 lines): pgbench -M prepared -c $BENCH_CLIENTS -j 2, ${BENCH_SECONDS}s per run, median of $BENCH_RUNS interleaved runs"
compare_tps $db plain:test/bench/model/plain.sql "governed:test/bench/model/governed.sql:-c procgov.actor=a.novak" \
	"relay:test/bench/model/governed.sql:-c procgov.actor=a.novak -c procgov.notify=relay" \
	"no_notify:test/bench/model/governed.sql:-c procgov.actor=a.novak -c procgov.notify=off" \
	essential:test/bench/model/essential.sql
psql -X -q -At -d $db <<'SQL'
SELECT format('per governed order: %s audit entries, %s events, %s versions; every order received: %s; ledger verifies: %s',
	round((SELECT count(*) FROM procgov.audit_log WHERE stream NOT LIKE 'essential:%')::numeric / n, 1),
	round((SELECT count(*) FROM procgov.outbox WHERE aggregatetype <> 'essential')::numeric / n, 1),
	round((SELECT count(*) FROM procgov.purchase_order_version)::numeric / n, 1),
	(SELECT bool_and(state = 'received') FROM procgov.purchase_order),
	(SELECT count(*) = 0 FROM procgov.verify_audit()))
  FROM (SELECT count(*) AS n FROM procgov.purchase_order) o;
SQL
dropdb --force $db
