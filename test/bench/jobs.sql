-- test/bench/jobs.sql — the jobs at scale: run_escalations() with 1 million
-- open approval steps of which 1% are overdue, and run_reconciliation() over
-- 1 million purchase orders of which 0.5% have drifted (approved and not
-- sent, sent and not acknowledged, received and not invoiced), each against
-- a plain baseline in the same run: the same rows found and updated, or the
-- same drift found and stored, by plain statements without the ledger, the
-- events, the job record or the case semantics.  Each is timed in a
-- transaction that is rolled back (median of 3), and the re-run that finds
-- nothing new is timed too.  Target: each job under one second.
\pset footer off
\set ON_ERROR_STOP 1
\getenv job_rows BENCH_JOB_ROWS
\if :{?job_rows}
\else
\set job_rows 1000000
\endif
SET search_path = public, procgov;
SET procgov.notify = off;
SET procgov.actor = 'bench';
SELECT now() + interval '30 days' AS as_of \gset

SET session_replication_role = replica;
INSERT INTO procgov.entity (entity_id, name, base_currency, controller) VALUES ('BJ', 'Bench Jobs', 'EUR', 'carla');
INSERT INTO procgov.supplier (entity_id, supplier_id, code, name, status, iban) OVERRIDING SYSTEM VALUE
SELECT 'BJ', s, 'S' || s, 'Supplier ' || s, 'approved', 'DE89370400440532013000' FROM generate_series(1, 500) s;
INSERT INTO procgov.approver (entity_id, person, role)
SELECT 'BJ', r || '.' || n, r FROM unnest(ARRAY['manager', 'director', 'cfo']) r, generate_series(1, 20) n;
RESET session_replication_role;
INSERT INTO procgov.policy (entity_id, version, name) VALUES ('BJ', 1, 'chain');
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, amount_min, outcome, role, sla, escalate_to)
SELECT 'BJ', policy_id, r.role, '0 EUR', 'require', r.role, r.sla::interval, r.esc
  FROM procgov.policy, (VALUES ('manager', '1 day', 'director'), ('director', '2 days', 'cfo'), ('cfo', '3 days', NULL)) r(role, sla, esc)
 WHERE entity_id = 'BJ';
SELECT procgov.activate_policy('BJ', 1) IS NOT NULL AS activated;
SET session_replication_role = replica;
-- open approval steps: 1% past their SLA at as_of
INSERT INTO procgov.approval_step (entity_id, doc_kind, doc_id, doc_number, doc_version, policy_id, step_no, role, required,
	status, rules, assigned_to, sla, due_at, escalate_to)
SELECT 'BJ', 'purchase_order', g, 'PO-' || g, 1, p.policy_id, 1, 'manager', 1, 'pending', '{manager}', '{manager.1}', '1 day',
	   CASE WHEN g % 100 = 0 THEN :'as_of'::timestamptz - interval '1 hour' ELSE :'as_of'::timestamptz + (g % 1000) * interval '1 minute' END,
	   'director'
  FROM generate_series(1, :job_rows) g, procgov.policy p WHERE p.entity_id = 'BJ';
-- purchase orders: 99.5% closed, the rest drifting in three ways
INSERT INTO procgov.purchase_order (entity_id, po_id, number, state, supplier_id, buyer, total, created_by, state_changed_at)
	OVERRIDING SYSTEM VALUE
SELECT 'BJ', g, 'PO-' || g,
	   (CASE WHEN g % 200 = 1 THEN 'approved' WHEN g % 200 = 2 THEN 'transmitted' WHEN g % 200 = 3 THEN 'received'
			 WHEN g % 200 = 4 THEN 'approved' ELSE 'closed' END)::procgov.state,
	   1 + g % 500, 'buyer.' || (g % 50), procgov.amount(100 + g % 1000, 'EUR'), 'buyer',
	   CASE WHEN g % 200 = 4 THEN :'as_of'::timestamptz - interval '1 hour' ELSE :'as_of'::timestamptz - interval '40 days' END
  FROM generate_series(1, :job_rows) g;
INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price, received_qty, invoiced_qty)
SELECT 'BJ', g, 1, 'line', 10, '10 EUR', 10, CASE WHEN g % 200 = 3 THEN 0 ELSE 10 END
  FROM generate_series(1, :job_rows) g;
RESET session_replication_role;
SELECT setval(pg_get_serial_sequence('procgov.purchase_order', 'po_id'), :job_rows);
VACUUM ANALYZE procgov.approval_step, procgov.purchase_order, procgov.purchase_order_line;

CREATE TABLE bench_times (bench text, variant text, ms numeric, rows_handled bigint);
CREATE TABLE plain_found (entity_id text, kind text, doc_number text, owner text);

-- escalations: procgov's job, its re-run, and the plain update of the same steps
\set bench 'escalations'
\set variant 'procgov run_escalations()'
\set q 'SELECT rows_affected AS n FROM procgov.run_escalations(:''as_of'')'
\ir jobs_one.psql
\ir jobs_one.psql
\ir jobs_one.psql
\set variant 'plain UPDATE of the overdue steps'
\set q 'WITH u AS (UPDATE procgov.approval_step SET role = escalate_to, escalate_to = NULL, escalations = escalations + 1, due_at = :''as_of''::timestamptz + interval ''2 days'' WHERE status = ''pending'' AND due_at < :''as_of'' AND escalate_to IS NOT NULL RETURNING 1) SELECT count(*) AS n FROM u'
\ir jobs_one.psql
\ir jobs_one.psql
\ir jobs_one.psql
-- the re-run after a committed run finds nothing new
SELECT rows_affected AS escalated_and_committed FROM procgov.run_escalations(:'as_of');
\set variant 'procgov re-run (nothing new)'
\set q 'SELECT rows_affected AS n FROM procgov.run_escalations(:''as_of'')'
\ir jobs_one.psql
\ir jobs_one.psql
\ir jobs_one.psql

-- reconciliation
\set bench 'reconciliation'
\set variant 'procgov run_reconciliation()'
\set q 'SELECT rows_affected AS n FROM procgov.run_reconciliation(:''as_of'')'
\ir jobs_one.psql
\ir jobs_one.psql
\ir jobs_one.psql
\set variant 'plain INSERT of the same drift'
\set q 'WITH i AS (INSERT INTO plain_found SELECT po.entity_id, CASE po.state WHEN ''approved'' THEN ''po_not_transmitted'' WHEN ''transmitted'' THEN ''po_not_acknowledged'' ELSE ''receipt_not_invoiced'' END, po.number, po.buyer FROM procgov.purchase_order po WHERE (po.state = ''approved'' AND po.state_changed_at < :''as_of''::timestamptz - interval ''2 days'') OR (po.state = ''transmitted'' AND po.state_changed_at < :''as_of''::timestamptz - interval ''3 days'') OR (po.state = ''received'' AND po.state_changed_at < :''as_of''::timestamptz - interval ''30 days'' AND EXISTS (SELECT FROM procgov.purchase_order_line l WHERE l.entity_id = po.entity_id AND l.po_id = po.po_id AND l.invoiced_qty < l.received_qty)) RETURNING 1) SELECT count(*) AS n FROM i'
\ir jobs_one.psql
\ir jobs_one.psql
\ir jobs_one.psql
SELECT rows_affected AS cases_opened_and_committed FROM procgov.run_reconciliation(:'as_of');
\set variant 'procgov re-run (nothing new)'
\set q 'SELECT rows_affected AS n FROM procgov.run_reconciliation(:''as_of'')'
\ir jobs_one.psql
\ir jobs_one.psql
\ir jobs_one.psql

SELECT bench, variant, min(rows_handled) AS rows_handled, count(*) AS runs,
	   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric) AS median_ms
  FROM bench_times GROUP BY bench, variant ORDER BY bench, min(ms) DESC;
WITH m AS (SELECT bench, variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM bench_times GROUP BY bench, variant)
SELECT p.bench, round(p.ms::numeric) AS procgov_ms, round(b.ms::numeric) AS plain_ms, round((b.ms / p.ms)::numeric, 2) AS plain_over_procgov,
	   CASE WHEN p.ms < 1000 THEN 'under 1 s' ELSE 'over 1 s' END AS target
  FROM m p JOIN m b ON b.bench = p.bench AND b.variant LIKE 'plain%'
 WHERE p.variant LIKE 'procgov run%';
