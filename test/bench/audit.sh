#!/usr/bin/env bash
# test/bench/audit.sh — the audit ledger's benchmarks, run by test/bench/run
# against its throwaway cluster (PGHOST etc. exported).
#
# 1. Append throughput: pgbench -M prepared, 2 clients, an insert into a
#    plain table plus procgov.audit_append() in the same transaction (one
#    statement), against the plain insert alone; with durable commits and
#    with synchronous_commit = off.  A typical PL/pgSQL hash-chain trigger
#    with one locked chain head runs beside them for scale.  Each variant
#    runs BENCH_SECONDS (default 15) BENCH_RUNS (default 5) times,
#    interleaved; medians (test/bench/pgbench_lib.sh).  Five runs, not the
#    three of the other benchmarks: with durable commits a run's figure
#    follows the VM disk's flush time, which drifts by a fifth from one run
#    to the next.
# 2. verify_audit() over BENCH_AUDIT_ENTRIES (default 1 million) sealed
#    entries, against a plain sequential scan of the same table, with the
#    proof that it read the ledger by one sequential scan and no index.
set -eu
cd "$(dirname "$0")/../.."
entries=${BENCH_AUDIT_ENTRIES:-1000000}
db=bench_audit

dropdb --if-exists $db
createdb $db
psql -X -q -d $db -c 'CREATE EXTENSION procgov' -f test/bench/audit/setup.sql

BENCH_RUNS=${BENCH_RUNS:-5}
. test/bench/pgbench_lib.sh
echo "append throughput: pgbench -M prepared -c $BENCH_CLIENTS -j 2, ${BENCH_SECONDS}s per run, median of $BENCH_RUNS interleaved runs"
compare_tps $db plain:test/bench/audit/plain.sql audited:test/bench/audit/audited.sql typical:test/bench/audit/typical.sql
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
