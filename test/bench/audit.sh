#!/usr/bin/env bash
# test/bench/audit.sh — the audit ledger's benchmarks, run by test/bench/run
# against its throwaway cluster (PGHOST etc. exported).
#
# 1. Append throughput: pgbench -M prepared, 2 clients, an insert into a
#    plain table plus procgov.audit_append() in the same transaction (one
#    statement), against the plain insert alone; with durable commits and
#    with synchronous_commit = off.  A typical PL/pgSQL hash-chain trigger
#    with one locked chain head runs beside them for scale.  Each variant
#    runs BENCH_SECONDS (default 15) three times, interleaved; medians.
# 2. verify_audit() over BENCH_AUDIT_ENTRIES (default 1 million) sealed
#    entries, against a plain sequential scan of the same table, with the
#    proof that it read the ledger by one sequential scan and no index.
set -eu
cd "$(dirname "$0")/../.."
secs=${BENCH_SECONDS:-15}
entries=${BENCH_AUDIT_ENTRIES:-1000000}
db=bench_audit

dropdb --if-exists $db
createdb $db
psql -X -q -d $db -c 'CREATE EXTENSION procgov' -f test/bench/audit/setup.sql

run_tps() {	# $1 script, $2 synchronous_commit
	PGOPTIONS="-c synchronous_commit=$2" pgbench -n -M prepared -c 2 -j 2 -T "$secs" \
		-f "test/bench/audit/$1.sql" $db 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

echo "append throughput: pgbench -M prepared -c 2 -j 2, ${secs}s per run, median of 3 interleaved runs"
printf '%-22s %12s %12s %12s %10s %10s\n' "commits" "plain tps" "audited tps" "typical tps" "audited" "typical"
for sc in on off; do
	p=(); a=(); t=()
	for i in 1 2 3; do
		p+=("$(run_tps plain $sc)"); a+=("$(run_tps audited $sc)"); t+=("$(run_tps typical $sc)")
	done
	mp=$(median "${p[@]}"); ma=$(median "${a[@]}"); mt=$(median "${t[@]}")
	label=$([ $sc = on ] && echo "durable" || echo "synchronous_commit=off")
	awk -v l="$label" -v p="$mp" -v a="$ma" -v t="$mt" \
		'BEGIN { printf "%-22s %12.0f %12.0f %12.0f %9.0f%% %9.0f%%\n", l, p, a, t, 100 * a / p, 100 * t / p }'
done
psql -X -q -At -d $db -c "SELECT 'ledger after the runs: ' || count(*) || ' entries, problems found: ' || (SELECT count(*) FROM procgov.verify_audit()) FROM procgov.audit_log"

echo
echo "verify_audit() over $entries sealed entries"
dropdb $db
createdb $db
psql -X -q -d $db -f test/bench/bench_lib.sql
psql -X -q -v ON_ERROR_STOP=1 -d $db <<SQL
CREATE EXTENSION procgov;
\\echo appending $entries entries in 10 entries per stream ...
SELECT count(procgov.audit_append('purchase_order:ACME:PO-' || (g % ($entries / 10)), 'transition',
       jsonb_build_object('from', 'submitted', 'to', 'approved', 'total', (g % 9973) * 1.25, 'currency', 'USD', 'line', g)))
  FROM generate_series(1, $entries) g;
SELECT procgov.seal_audit() AS newest_block;
VACUUM ANALYZE procgov.audit_log;
\\pset footer off
SELECT pg_size_pretty(pg_table_size('procgov.audit_log')) AS ledger_size, count(*) AS entries,
       (SELECT count(*) FROM procgov.audit_block) AS blocks
  FROM procgov.audit_log;
SELECT * FROM bench.compare('verify_audit() vs seq scan',
	'SELECT count(*) FROM procgov.verify_audit()',
	'SELECT count(*) FROM procgov.audit_log WHERE hash IS NOT NULL', 3);
SELECT round($entries / (bench.median_ms('SELECT count(*) FROM procgov.verify_audit()', 3) / 1000)) AS verify_entries_per_second;
-- how it reads the ledger: one sequential scan, no index scan
BEGIN;
SELECT count(*) AS problems FROM procgov.verify_audit();
SELECT seq_scan AS ledger_seq_scans, idx_scan AS ledger_index_scans
  FROM pg_stat_xact_user_tables WHERE relid = 'procgov.audit_log'::regclass;
COMMIT;
SQL
dropdb $db
