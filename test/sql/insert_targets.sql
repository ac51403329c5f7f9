-- procgov's own inserts (ledger entries, blocks, events) keep what they
-- need for index insertion from one transaction to the next.  Whatever
-- happens in between — another transaction, a rollback, an index created,
-- dropped or rebuilt, a savepoint rolled back — every entry must reach every
-- index of its table.  amcheck's heapallindexed check proves it: it fails
-- when any heap tuple is missing from the index.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
CREATE EXTENSION IF NOT EXISTS amcheck;
RESET client_min_messages;
\set VERBOSITY terse
SET procgov.notify = off;

-- every btree index of the two tables, checked against every heap tuple
CREATE FUNCTION pg_temp.indexes_complete() RETURNS TABLE (index_name name, complete boolean)
LANGUAGE plpgsql AS $$
DECLARE
	i regclass;
BEGIN
	FOR i IN SELECT c.oid::regclass FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
			  JOIN pg_am a ON a.oid = c.relam
			 WHERE x.indrelid IN ('procgov.audit_log'::regclass, 'procgov.outbox'::regclass)
			   AND a.amname = 'btree' ORDER BY c.relname
	LOOP
		PERFORM bt_index_check(i, true);
		index_name := i::name;
		complete := true;
		RETURN NEXT;
	END LOOP;
END $$;

-- two transactions in a row: the second reuses what the first built
SELECT procgov.audit_append('target:1', 'create', '{"n": 1}') > 0 AS appended;
SELECT procgov.emit('po.approved', 'purchase_order:TGT:1', '{"n": 1}') > 0 AS emitted;
SELECT procgov.audit_append('target:1', 'approve', '{"n": 2}') > 0 AS appended;
SELECT procgov.emit('po.approved', 'purchase_order:TGT:2', '{"n": 2}') > 0 AS emitted;

-- a rolled-back transaction, then a committed one
BEGIN;
SELECT procgov.audit_append('target:2', 'create', '{"n": 3}') > 0 AS appended;
SELECT procgov.emit('po.approved', 'purchase_order:TGT:3', '{"n": 3}') > 0 AS emitted;
ROLLBACK;
SELECT procgov.audit_append('target:2', 'create', '{"n": 4}') > 0 AS appended;
SELECT procgov.emit('po.approved', 'purchase_order:TGT:4', '{"n": 4}') > 0 AS emitted;

-- a savepoint rolled back after the first insert of its transaction
BEGIN;
SAVEPOINT s;
SELECT procgov.audit_append('target:3', 'create', '{"n": 5}') > 0 AS appended;
ROLLBACK TO SAVEPOINT s;
SELECT procgov.audit_append('target:3', 'create', '{"n": 6}') > 0 AS appended;
COMMIT;

-- a new index between two transactions: the next entry is in it
CREATE INDEX audit_log_target_test ON procgov.audit_log (action) WHERE stream LIKE 'target:%';
CREATE INDEX outbox_target_test ON procgov.outbox (aggregateid) WHERE aggregateid LIKE 'TGT:%';
SELECT procgov.audit_append('target:4', 'create', '{"n": 7}') > 0 AS appended;
SELECT procgov.emit('po.approved', 'purchase_order:TGT:5', '{"n": 5}') > 0 AS emitted;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT stream, seq, action FROM procgov.audit_log WHERE stream LIKE 'target:%' AND action = 'create' ORDER BY stream, seq;
SELECT aggregateid FROM procgov.outbox WHERE aggregateid LIKE 'TGT:%' AND aggregateid >= 'TGT:' ORDER BY aggregateid;
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT * FROM pg_temp.indexes_complete();

-- the same within one transaction: built, then the index created, then used
BEGIN;
SELECT procgov.audit_append('target:5', 'create', '{"n": 8}') > 0 AS appended;
DROP INDEX procgov.audit_log_target_test;
SELECT procgov.audit_append('target:5', 'approve', '{"n": 9}') > 0 AS appended;
CREATE INDEX audit_log_target_test ON procgov.audit_log (action) WHERE stream LIKE 'target:%';
SELECT procgov.audit_append('target:5', 'receive', '{"n": 10}') > 0 AS appended;
COMMIT;
SELECT * FROM pg_temp.indexes_complete();

-- rebuilt indexes (new files) and a dropped one between transactions
REINDEX TABLE procgov.audit_log;
REINDEX TABLE procgov.outbox;
SELECT procgov.audit_append('target:6', 'create', '{"n": 11}') > 0 AS appended;
SELECT procgov.emit('po.approved', 'purchase_order:TGT:6', '{"n": 6}') > 0 AS emitted;
DROP INDEX procgov.audit_log_target_test;
DROP INDEX procgov.outbox_target_test;
SELECT procgov.audit_append('target:6', 'approve', '{"n": 12}') > 0 AS appended;
SELECT procgov.emit('po.approved', 'purchase_order:TGT:7', '{"n": 7}') > 0 AS emitted;
SELECT * FROM pg_temp.indexes_complete();

-- an index made and used inside a subtransaction that is rolled back (a
-- savepoint, or a PL/pgSQL block that catches an error): the targets give
-- it back first (no relcache warning), and the next append goes on without it
BEGIN;
SAVEPOINT s;
CREATE INDEX audit_log_savepoint_test ON procgov.audit_log (db_user);
SELECT procgov.audit_append('target:7', 'create', '{"n": 14}') > 0 AS appended;
ROLLBACK TO SAVEPOINT s;
SELECT procgov.audit_append('target:7', 'approve', '{"n": 15}') > 0 AS appended;
COMMIT;
DO $$
BEGIN
	BEGIN
		CREATE INDEX audit_log_savepoint_test ON procgov.audit_log (db_user);
		PERFORM procgov.audit_append('target:7', 'receive', '{"n": 16}');
		RAISE EXCEPTION 'undo the block';
	EXCEPTION WHEN raise_exception THEN
		NULL;
	END;
	PERFORM procgov.audit_append('target:7', 'close', '{"n": 17}');
END $$;
SELECT count(*) AS savepoint_index_left FROM pg_class WHERE relname = 'audit_log_savepoint_test';
SELECT * FROM pg_temp.indexes_complete();

-- BRIN indexes: amcheck reads btrees only, so summarize the ledger's time
-- index, append into the summarized range, and find the new entries through
-- it alone (the append must widen the range's summary)
SELECT brin_summarize_new_values('procgov.audit_log_logged_at') >= 0 AS summarized;
SELECT clock_timestamp() AS before_brin \gset
SELECT procgov.audit_append('target:8', 'create', '{"n": 16}') > 0 AS appended;
SELECT procgov.audit_append('target:8', 'approve', '{"n": 17}') > 0 AS appended;
SET enable_seqscan = off;
SET enable_indexscan = off;
SELECT count(*) AS found_through_brin FROM procgov.audit_log WHERE logged_at > :'before_brin';
EXPLAIN (COSTS OFF) SELECT count(*) FROM procgov.audit_log WHERE logged_at > now();
RESET enable_seqscan;
RESET enable_indexscan;

-- a seal in between, and the ledger still verifies, chains unbroken
SELECT procgov.seal_audit() > 0 AS sealed;
SELECT procgov.audit_append('target:6', 'close', '{"n": 13}') > 0 AS appended;
SELECT stream, string_agg(seq::text, ',' ORDER BY seq) AS seqs
  FROM procgov.audit_log WHERE stream LIKE 'target:%' GROUP BY stream ORDER BY stream;
SELECT count(*) AS problems FROM procgov.verify_audit();
