#!/usr/bin/env bash
# test/bench/erp.sh — the ERP adapter's benchmark, run by test/bench/run
# against its throwaway cluster (PGHOST etc. exported).
#
# pgbench -M prepared, 2 clients: one ERP transaction of an Odoo-style
# schema, the ERP's own two statements — a line's received quantity (the
# goods arrive) and the order's status (the ERP locks it) — on a table
# governed by procgov.govern() against the same statements on an identical
# table that is not governed, with durable commits and with
# synchronous_commit = off.  Governed, the two statements move the order's
# document to received and then closed through the transition rules, with
# guards, ledger entries and events.  BENCH_ERP_ORDERS orders are prepared
# (and adopted by govern()); each governed transaction uses one up.  The
# relay variant runs the governed statements with procgov.notify = relay (the
# notification relay's worker, started by test/bench/run, notifies).  The
# essential variant is the ungoverned statements plus the three ledger entries
# and two events a governed transaction leaves, written by direct calls: the
# least any design that audits and announces each change must pay
# (docs/erp-integration.md, "Performance").
set -eu
cd "$(dirname "$0")/../.."
. test/bench/pgbench_lib.sh
db=bench_erp
# enough for twelve governed runs (two variants) at about 3,000 tps each (a governed order is used once)
orders=${BENCH_ERP_ORDERS:-$((40000 * BENCH_SECONDS))}

dropdb --force --if-exists $db >/dev/null 2>&1
createdb $db
psql -X -q -d $db -c 'CREATE EXTENSION procgov'
echo "setting up $orders orders of one line in each schema; governing adopts them:"
psql -X -q -v ON_ERROR_STOP=1 -v orders="$orders" -d $db -f test/bench/erp/setup.sql | sed -n 's/^Time: \(.*\)/  govern(): \1/p'

echo "receive and lock an order (2 statements): pgbench -M prepared -c $BENCH_CLIENTS -j 2, ${BENCH_SECONDS}s per run, median of $BENCH_RUNS interleaved runs"
compare_tps $db plain:test/bench/erp/plain.sql "governed:test/bench/erp/governed.sql:-c procgov.actor=r.receiver" \
	"relay:test/bench/erp/governed.sql:-c procgov.actor=r.receiver -c procgov.notify=relay" \
	"essential:test/bench/erp/essential.sql:-c procgov.actor=r.receiver"
psql -X -q -At -d $db <<'SQL'
SELECT format('governed orders used: %s of %s; per governed transaction: %s audit entries, %s events; all closed: %s; ledger verifies: %s',
	n, (SELECT count(*) FROM gov.purchase_order),
	round((SELECT count(*) FROM procgov.audit_log WHERE action IN ('transition', 'line_update')
									AND stream NOT LIKE 'essential:%')::numeric / n, 1),
	round((SELECT count(*) FROM procgov.outbox WHERE aggregatetype <> 'essential')::numeric / n, 1),
	(SELECT bool_and(p.state = 'closed') FROM gov.purchase_order e
	   JOIN procgov.governed_row g ON g.relid = 'gov.purchase_order'::regclass AND g.erp_key = e.id::text
	   JOIN procgov.purchase_order p ON p.entity_id = g.entity_id AND p.po_id = g.po_id WHERE e.state = 'done'),
	(SELECT count(*) = 0 FROM procgov.verify_audit()))
  FROM (SELECT count(*) AS n FROM gov.purchase_order WHERE state = 'done') o;
SELECT 'WARNING: the governed runs used every prepared order and stopped early; raise BENCH_ERP_ORDERS and run again'
 WHERE NOT EXISTS (SELECT FROM gov.purchase_order WHERE state <> 'done');
SQL
dropdb --force $db
