-- test/bench/bi.sql — the BI views over a generated year of a mid-size
-- distributor: 10 entities, 200,000 purchase orders with 1,000,000 order
-- lines, their approvals, acknowledgements, receipts and invoices, 10,000
-- open approval steps, 20,000 exception cases and 540,000 ledger entries
-- (two per order, one per paid invoice: its match).
-- Each view is read as a BI login would (procgov_reader, granted every
-- entity, so row-level security is in the path): the time of a full SELECT
-- and of a typical BI filter (one entity, and one month where the view has
-- months), median of 3 after a warm-up, each against the plain baseline of
-- the same filter on the base table it starts from.  Target: every typical
-- filter under 200 ms.
\pset footer off
\set ON_ERROR_STOP 1
SET search_path = public, procgov;
SET procgov.notify = off;
SET procgov.actor = 'bench';

SET session_replication_role = replica;
INSERT INTO procgov.entity (entity_id, name, base_currency, controller)
SELECT 'BI' || lpad(e::text, 2, '0'), 'BI entity ' || e, 'USD', 'controller' FROM generate_series(1, 10) e;
INSERT INTO procgov.supplier (entity_id, supplier_id, code, name, status, risk_tier) OVERRIDING SYSTEM VALUE
SELECT 'BI' || lpad(e::text, 2, '0'), 9000000 + e * 100 + s, 'S' || s, 'Supplier ' || s, 'approved',
	   (ARRAY['low', 'medium', 'high'])[1 + s % 3]
  FROM generate_series(1, 10) e, generate_series(1, 20) s;
INSERT INTO procgov.item (entity_id, item_id, sku, description, category_code) OVERRIDING SYSTEM VALUE
SELECT 'BI' || lpad(e::text, 2, '0'), 9000000 + e * 1000 + i, 'I' || i, 'Item ' || i, '31.1' || (i % 10)
  FROM generate_series(1, 10) e, generate_series(1, 100) i;
-- half the items are on contract with one supplier
INSERT INTO procgov.contract (entity_id, number, supplier_id, item_id, unit_price, valid_from, valid_to)
SELECT 'BI' || lpad(e::text, 2, '0'), 'K' || i, 9000000 + e * 100 + 1 + i % 20, 9000000 + e * 1000 + i, '1.00 USD', '2026-01-01', '2026-12-31'
  FROM generate_series(1, 10) e, generate_series(2, 100, 2) i;
INSERT INTO procgov.budget (entity_id, cost_center, period, amount, committed, spent)
SELECT 'BI' || lpad(e::text, 2, '0'), 'CC' || c, '2026-' || lpad(m::text, 2, '0'), '100000 USD', '20000 USD', '50000 USD'
  FROM generate_series(1, 10) e, generate_series(1, 10) c, generate_series(1, 12) m;
INSERT INTO procgov.policy (entity_id, policy_id, version, name, status, default_role) OVERRIDING SYSTEM VALUE
SELECT 'BI' || lpad(e::text, 2, '0'), 9000000 + e, 1, 'bench', 'active', 'manager' FROM generate_series(1, 10) e;
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, outcome, role, sla)
SELECT 'BI' || lpad(e::text, 2, '0'), 9000000 + e, r, 'require', r, '1 day'
  FROM generate_series(1, 10) e, unnest(ARRAY['manager', 'director', 'never_used']) r;

-- orders: 20,000 per entity over 2026, most of them closed
CREATE TEMP TABLE o AS
SELECT i, 'BI' || lpad((1 + (i / 7) % 10)::text, 2, '0') AS entity_id, 9000000 + i AS po_id,
	   9000000 + (1 + (i / 7) % 10) * 100 + 1 + (i / 70) % 20 AS supplier_id,
	   timestamptz '2026-01-01 08:00+00' + ((i * 7919) % 365) * interval '1 day' + (i % 9) * interval '1 hour' AS created_at,
	   CASE WHEN i % 20 = 0 THEN 'pending_approval' WHEN i % 20 = 1 THEN 'approved' WHEN i % 10 = 2 THEN 'transmitted'
			WHEN i % 10 = 3 THEN 'received' ELSE 'closed' END::procgov.state AS state
  FROM generate_series(1, 200000) i;
INSERT INTO procgov.purchase_order (entity_id, po_id, number, state, supplier_id, buyer, total, site, created_at, submitted_at,
	state_changed_at, policy_id, need_by, approved_version) OVERRIDING SYSTEM VALUE
SELECT entity_id, po_id, 'PO-' || i, state, supplier_id, 'buyer' || (i % 50), '52.50 USD', 'WH-' || (i % 3),
	   created_at, created_at + interval '1 hour', created_at + interval '5 days', 9000000 + 1 + (i / 7) % 10,
	   (created_at + interval '6 days')::date, CASE WHEN state <> 'pending_approval' THEN 1 END
  FROM o;
INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, item_id, description, quantity, unit_price, received_qty, invoiced_qty)
SELECT o.entity_id, o.po_id, l, 9000000 + (1 + (o.i / 7) % 10) * 1000 + 1 + (o.i * 5 + l) % 100, 'line', 10,
	   CASE WHEN l = 5 THEN '1.10 USD' ELSE '1.00 USD' END::procgov.amount,
	   CASE WHEN o.state IN ('received', 'closed') THEN 10 ELSE 0 END, CASE WHEN o.state = 'closed' THEN 10 ELSE 0 END
  FROM o, generate_series(1, 5) l;
INSERT INTO procgov.approval (entity_id, doc_kind, doc_id, decision, decided_by, decided_at)
SELECT entity_id, 'purchase_order', po_id, 'approved', 'manager' || (i % 7), created_at + (1 + i % 48) * interval '1 hour'
  FROM o WHERE state <> 'pending_approval';
INSERT INTO procgov.acknowledgement (entity_id, po_id, received_at, recorded_by)
SELECT entity_id, po_id, created_at + interval '2 days', 'buyer' FROM o WHERE state NOT IN ('pending_approval', 'approved');
INSERT INTO procgov.receipt (entity_id, number, state, po_id, received_at, received_by, correlation_id)
SELECT entity_id, 'GR-' || i, 'posted', po_id, created_at + (4 + i % 4) * interval '1 day', 'receiver', gen_random_uuid()
  FROM o WHERE state IN ('received', 'closed');
INSERT INTO procgov.invoice (entity_id, number, supplier_invoice_no, state, supplier_id, po_id, invoice_date, total, state_changed_at)
SELECT entity_id, 'INV-' || i, 'SI-' || i, 'closed', supplier_id, po_id, (created_at + interval '8 days')::date, '52.50 USD',
	   created_at + interval '8 days'
  FROM o WHERE state = 'closed';
INSERT INTO procgov.approval_step (entity_id, doc_kind, doc_id, doc_number, doc_version, policy_id, step_no, role, required,
	status, rules, assigned_to, sla, due_at, created_at)
SELECT entity_id, 'purchase_order', po_id, 'PO-' || i, 1, 9000000 + 1 + (i / 7) % 10, s, CASE s WHEN 1 THEN 'manager' ELSE 'director' END, 1,
	   'pending', ARRAY[CASE s WHEN 1 THEN 'manager' ELSE 'director' END], ARRAY['manager' || (i % 7), 'manager' || ((i + 1) % 7)],
	   '1 day', timestamptz '2026-12-20 08:00+00' + (i % 10) * interval '1 day', timestamptz '2026-12-19 08:00+00' + (i % 10) * interval '1 day'
  FROM o CROSS JOIN generate_series(1, 1) s WHERE state = 'pending_approval';
INSERT INTO procgov.exception_case (entity_id, kind, doc_kind, doc_number, status, owner, opened_at, due_at, resolved_at, resolution)
SELECT entity_id, (ARRAY['price_over', 'quantity_over_received', 'po_not_acknowledged', 'receipt_overdue'])[1 + i % 4],
	   CASE WHEN i % 4 < 2 THEN 'invoice' ELSE 'purchase_order' END, CASE WHEN i % 4 < 2 THEN 'INV-' || i ELSE 'PO-' || i END,
	   CASE WHEN i % 3 = 0 THEN 'open' ELSE 'resolved' END, 'owner', created_at + interval '8 days', created_at + interval '10 days',
	   CASE WHEN i % 3 = 0 THEN NULL ELSE created_at + interval '9 days' END, CASE WHEN i % 3 = 0 THEN NULL ELSE 'accepted' END
  FROM o WHERE i % 10 = 4;
RESET session_replication_role;
-- the ledger: two entries for each order (all of today: entries are hashed with their real time)
SELECT count(procgov.audit_append('purchase_order:' || entity_id || ':PO-' || i, a,
	jsonb_build_object('from', CASE a WHEN 'create' THEN NULL ELSE 'draft' END, 'to', CASE a WHEN 'create' THEN 'draft' ELSE 'pending_approval' END)))
	AS ledger_entries
  FROM o, unnest(ARRAY['create', 'transition']) a;
-- and each paid invoice's match (the milestone of an invoice that moved on)
SELECT count(procgov.audit_append('invoice:' || entity_id || ':INV-' || i, 'transition',
	jsonb_build_object('from', 'submitted', 'to', 'matched'))) AS invoice_entries
  FROM o WHERE state = 'closed';
VACUUM ANALYZE;
SELECT (SELECT count(*) FROM procgov.purchase_order WHERE entity_id LIKE 'BI%') AS orders,
	   (SELECT count(*) FROM procgov.purchase_order_line WHERE entity_id LIKE 'BI%') AS order_lines;

-- timing and counting as another role (SET ROLE inside, reset after)
CREATE OR REPLACE FUNCTION bench.median_ms_as(who text, q text, runs int DEFAULT 3) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
	ms numeric;
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', who);
	ms := bench.median_ms(q, runs);
	RESET ROLE;
	RETURN ms;
END $$;
CREATE OR REPLACE FUNCTION bench.rows_as(who text, q text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	EXECUTE format('SET LOCAL ROLE %I', who);
	EXECUTE format('SELECT count(*) FROM (%s) x', q) INTO n;
	RESET ROLE;
	RETURN n;
END $$;

-- a BI login, granted every entity (row-level security evaluated, not bypassed)
DO $$ BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bench_bi') THEN CREATE ROLE bench_bi IN ROLE procgov_reader; END IF;
END $$;
INSERT INTO procgov.entity_grant (grantee, entity_id) VALUES ('bench_bi', NULL) ON CONFLICT DO NOTHING;
GRANT USAGE ON SCHEMA bench TO bench_bi;
CREATE TEMP TABLE v (view text, full_sql text, filter_sql text, baseline_sql text);
INSERT INTO v VALUES
	('audit_trail', 'SELECT * FROM procgov.audit_trail',
	 $q$SELECT * FROM procgov.audit_trail WHERE entity_id = 'BI03' ORDER BY entry_id DESC LIMIT 100$q$,
	 $q$SELECT * FROM procgov.audit_log WHERE stream LIKE 'purchase\_order:BI03:%' ORDER BY entry_id DESC LIMIT 100$q$),
	('approval_queue', 'SELECT * FROM procgov.approval_queue', $q$SELECT * FROM procgov.approval_queue WHERE entity_id = 'BI03'$q$,
	 $q$SELECT * FROM procgov.approval_step WHERE entity_id = 'BI03' AND status IN ('pending', 'held')$q$),
	('approval_aging', 'SELECT * FROM procgov.approval_aging', $q$SELECT * FROM procgov.approval_aging WHERE entity_id = 'BI03'$q$,
	 $q$SELECT role, count(*) FROM procgov.approval_step WHERE entity_id = 'BI03' AND status = 'pending' GROUP BY 1$q$),
	('cycle_times', 'SELECT * FROM procgov.cycle_times', $q$SELECT * FROM procgov.cycle_times WHERE entity_id = 'BI03' AND month = '2026-06-01'$q$,
	 $q$SELECT site, percentile_cont(0.5) WITHIN GROUP (ORDER BY submitted_at - created_at) FROM procgov.purchase_order
		 WHERE entity_id = 'BI03' AND procgov.utc_month(created_at) = '2026-06-01' GROUP BY 1$q$),
	('exception_rate', 'SELECT * FROM procgov.exception_rate', $q$SELECT * FROM procgov.exception_rate WHERE entity_id = 'BI03' AND month = '2026-06-01'$q$,
	 $q$SELECT kind, count(*) FROM procgov.exception_case WHERE entity_id = 'BI03' AND procgov.utc_month(opened_at) = '2026-06-01' GROUP BY 1$q$),
	('supplier_performance', 'SELECT * FROM procgov.supplier_performance', $q$SELECT * FROM procgov.supplier_performance WHERE entity_id = 'BI03'$q$,
	 $q$SELECT supplier_id, count(*) FROM procgov.purchase_order WHERE entity_id = 'BI03' AND created_at > now() - interval '90 days' GROUP BY 1$q$),
	('off_contract_spend', 'SELECT * FROM procgov.off_contract_spend', $q$SELECT * FROM procgov.off_contract_spend WHERE entity_id = 'BI03' AND month = '2026-06-01'$q$,
	 $q$SELECT po.buyer, count(*) FROM procgov.purchase_order po JOIN procgov.purchase_order_line l USING (entity_id, po_id)
		 WHERE po.entity_id = 'BI03' AND procgov.utc_month(po.created_at) = '2026-06-01' GROUP BY 1$q$),
	('budget_commitment', 'SELECT * FROM procgov.budget_commitment', $q$SELECT * FROM procgov.budget_commitment WHERE entity_id = 'BI03' AND period = '2026-06'$q$,
	 $q$SELECT * FROM procgov.budget WHERE entity_id = 'BI03' AND period = '2026-06'$q$),
	('sync_drift', 'SELECT * FROM procgov.sync_drift', $q$SELECT * FROM procgov.sync_drift WHERE entity_id = 'BI03' AND status = 'open'$q$,
	 $q$SELECT * FROM procgov.exception_case WHERE entity_id = 'BI03' AND status = 'open' AND kind IN ('po_not_acknowledged', 'receipt_overdue')$q$),
	('policy_coverage', 'SELECT * FROM procgov.policy_coverage', $q$SELECT * FROM procgov.policy_coverage WHERE entity_id = 'BI03'$q$,
	 $q$SELECT * FROM procgov.approval_rule WHERE entity_id = 'BI03'$q$),
	('job_health', 'SELECT * FROM procgov.job_health', $q$SELECT * FROM procgov.job_health WHERE job = 'reconciliation'$q$,
	 $q$SELECT * FROM procgov.job_run WHERE job = 'reconciliation' ORDER BY started_at DESC LIMIT 1$q$),
	('event_backlog', 'SELECT * FROM procgov.event_backlog', 'SELECT * FROM procgov.event_backlog', 'SELECT * FROM procgov.consumer');
-- the baselines read the base tables as the benchmark's superuser (no row-level security)
SELECT view, full_rows, full_ms, filter_rows, filter_ms, baseline_ms,
	   CASE WHEN filter_ms < 200 THEN 'yes' ELSE 'NO' END AS filter_under_200ms
  FROM (SELECT v.view,
			   bench.rows_as('bench_bi', v.full_sql) AS full_rows,
			   bench.median_ms_as('bench_bi', v.full_sql, 3) AS full_ms,
			   bench.rows_as('bench_bi', v.filter_sql) AS filter_rows,
			   bench.median_ms_as('bench_bi', v.filter_sql, 3) AS filter_ms,
			   bench.median_ms(v.baseline_sql, 3) AS baseline_ms
		  FROM v) r;
