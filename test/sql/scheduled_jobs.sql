-- procgov jobs with fixed as_of times: escalation along the policy's chain
-- to its end and the controller's case, drift rules one by one with re-runs
-- that change nothing and cases that close themselves, supplier rating,
-- sealing, the job record (success, failure contained, skip), scheduling
-- without pg_cron here, and the refusals.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET procgov.notify = off;
SET procgov.actor = 'tester';
SELECT now() AS t0 \gset
-- the tests before this one left documents behind: their steps never fall due, and
-- reconciliation is switched off for their entities (an entity's own drift rules may do that)
UPDATE procgov.approval_step SET due_at = 'infinity' WHERE status = 'pending';
INSERT INTO procgov.drift_rule (entity_id, kind, after, enabled)
SELECT e.entity_id, k.kind, '0', false FROM procgov.entity e, (SELECT DISTINCT kind FROM procgov.drift_rule) k;

INSERT INTO procgov.entity (entity_id, name, base_currency, controller) VALUES ('JB', 'Job tests', 'EUR', 'carla.controller');
INSERT INTO procgov.supplier (entity_id, code, name, status, iban, created_at)
VALUES ('JB', 'S1', 'Keystone', 'approved', 'DE89370400440532013000', '2019-01-01');
INSERT INTO procgov.approver (entity_id, person, role) VALUES
	('JB', 'mia.manager', 'manager'), ('JB', 'dan.director', 'director'), ('JB', 'cal.cfo', 'cfo');
INSERT INTO procgov.policy (entity_id, version, name) VALUES ('JB', 1, 'chain');
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, doc_kind, amount_min, outcome, role, sla, escalate_to)
SELECT 'JB', policy_id, r.name, 'purchase_order', '0 EUR', 'require', r.role, r.sla::interval, r.esc
  FROM procgov.policy, (VALUES ('manager approves', 'manager', '1 day', 'director')) r(name, role, sla, esc)
 WHERE entity_id = 'JB';
-- the chain's next links: rules for the escalation roles that no order meets, naming the SLA and the next role
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, doc_kind, amount_min, outcome, role, sla, escalate_to)
SELECT 'JB', policy_id, r.name, 'purchase_order', '1000000000 EUR', 'require', r.role, r.sla::interval, r.esc
  FROM procgov.policy, (VALUES ('director', 'director', '2 days', 'cfo'), ('cfo', 'cfo', '3 days', NULL)) r(name, role, sla, esc)
 WHERE entity_id = 'JB';
SELECT procgov.activate_policy('JB', 1) ->> 'status' AS policy;

SET procgov.actor = 'bob.buyer';
SELECT procgov.create_purchase_order('JB', 'S1', '[{"description": "bolts", "quantity": 10, "unit_price": "10 EUR"}]',
	number => 'PO-1') ->> 'number' AS po;
SELECT procgov.submit_order('JB', 'PO-1') ->> 'state' AS state;
SELECT step_no, role, escalate_to, escalations, assigned_to FROM procgov.approval_step WHERE entity_id = 'JB';

-- escalations ---------------------------------------------------------------
-- not yet due: nothing happens
SELECT job, status, rows_affected, detail FROM procgov.run_escalations(:'t0'::timestamptz + interval '12 hours');
-- past the manager's day: to the director, who has 2 days (the director rule's SLA)
SELECT job, status, rows_affected, detail FROM procgov.run_escalations(:'t0'::timestamptz + interval '25 hours');
SELECT role, escalate_to, escalations, assigned_to, due_at = :'t0'::timestamptz + interval '25 hours' + interval '2 days' AS due_in_2_days
  FROM procgov.approval_step WHERE entity_id = 'JB';
-- a re-run at the same time changes nothing
SELECT status, rows_affected FROM procgov.run_escalations(:'t0'::timestamptz + interval '25 hours');
-- the director lets it lapse: to the CFO, the end of the chain
SELECT status, rows_affected, detail FROM procgov.run_escalations(:'t0'::timestamptz + interval '4 days');
SELECT role, escalate_to, escalations, assigned_to FROM procgov.approval_step WHERE entity_id = 'JB';
-- the CFO lets it lapse too: the controller gets a case, once, however often the job runs
SELECT status, rows_affected, detail FROM procgov.run_escalations(:'t0'::timestamptz + interval '10 days');
SELECT status, rows_affected, detail FROM procgov.run_escalations(:'t0'::timestamptz + interval '11 days');
SELECT kind, doc_number, owner, status, details -> 'steps' -> 0 ->> 'role' AS role FROM procgov.exception_case WHERE entity_id = 'JB';
-- a run for an earlier time (a catch-up, a re-run) sees the same stall: the case stays open
SELECT status, rows_affected, detail FROM procgov.run_escalations(:'t0'::timestamptz + interval '1 day');
SELECT kind, status FROM procgov.exception_case WHERE entity_id = 'JB';
-- the escalated step is the CFO's now: the manager may no longer approve it, the CFO does
SET procgov.actor = 'mia.manager';
\set VERBOSITY terse
SELECT procgov.approve_document('purchase_order', 'JB', 'PO-1');
\set VERBOSITY default
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'cal.cfo';
SELECT procgov.approve_document('purchase_order', 'JB', 'PO-1') ->> 'state' AS state;
-- and the controller's case closes itself at the next run
SELECT status, rows_affected, detail FROM procgov.run_escalations(:'t0'::timestamptz + interval '11 days');
SELECT kind, status, resolution, resolved_by FROM procgov.exception_case WHERE entity_id = 'JB';
-- the ledger and the events tell the story
SELECT action, payload ->> 'from_role' AS from_role, payload ->> 'to_role' AS to_role
  FROM procgov.audit_log WHERE stream = 'purchase_order:JB:PO-1' AND action IN ('escalate', 'exception.opened', 'exception.cleared')
 ORDER BY seq;
SELECT type, count(*) FROM procgov.outbox WHERE aggregateid = 'JB:PO-1' AND type IN ('approval.escalated', 'exception.opened', 'exception.resolved')
 GROUP BY type ORDER BY type;

-- reconciliation ------------------------------------------------------------
-- PO-1 is approved and not transmitted; PO-2 transmitted, not acknowledged; PO-3 acknowledged
-- for a date that passes; PO-4 received and never invoiced; INV-1 disputed; a budget line drifts
SET procgov.actor = 'tester';
CREATE FUNCTION pg_temp.order_in(number text, st procgov.state, since timestamptz, need date DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	po bigint;
BEGIN
	PERFORM set_config('procgov.enforce', 'off', true);
	INSERT INTO procgov.purchase_order (entity_id, number, supplier_id, buyer, total, need_by)
	VALUES ('JB', number, (SELECT supplier_id FROM procgov.supplier WHERE entity_id = 'JB' AND code = 'S1'), 'bob.buyer',
			'100 EUR', need) RETURNING po_id INTO po;
	INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price, received_qty)
	VALUES ('JB', po, 1, 'thing', 10, '10 EUR', CASE WHEN st = 'received' THEN 10 ELSE 0 END);
	UPDATE procgov.purchase_order SET state = st WHERE entity_id = 'JB' AND po_id = po;
	PERFORM set_config('procgov.enforce', 'on', true);
	-- as a migration would date it
	ALTER TABLE procgov.purchase_order DISABLE TRIGGER govern_document;
	UPDATE procgov.purchase_order SET state_changed_at = since WHERE entity_id = 'JB' AND po_id = po;
	ALTER TABLE procgov.purchase_order ENABLE TRIGGER govern_document;
END $$;
UPDATE procgov.purchase_order SET state_changed_at = :'t0' WHERE entity_id = 'JB' AND number = 'PO-1';
SELECT pg_temp.order_in('PO-2', 'transmitted', :'t0');
SELECT pg_temp.order_in('PO-3', 'acknowledged', :'t0', (:'t0'::timestamptz + interval '5 days')::date);
SELECT pg_temp.order_in('PO-4', 'received', :'t0');
INSERT INTO procgov.budget (entity_id, cost_center, period, amount, committed, spent)
VALUES ('JB', 'CC-1', '2026-11', '1000 EUR', '250 EUR', '0 EUR');
-- what would be drift at day 1, 4, 7 and 40 (read-only)
SELECT kind, doc_kind, doc_number, owner FROM procgov.drift(:'t0'::timestamptz + interval '1 day') ORDER BY kind, doc_number;
SELECT kind, doc_number FROM procgov.drift(:'t0'::timestamptz + interval '4 days') ORDER BY kind, doc_number;
SELECT kind, doc_number FROM procgov.drift(:'t0'::timestamptz + interval '7 days') ORDER BY kind, doc_number;
SELECT kind, doc_number FROM procgov.drift(:'t0'::timestamptz + interval '40 days') ORDER BY kind, doc_number;
-- the job opens one case each, with an owner; a re-run changes nothing
SELECT status, rows_affected, detail FROM procgov.run_reconciliation(:'t0'::timestamptz + interval '7 days');
SELECT kind, doc_number, owner, status FROM procgov.exception_case
 WHERE entity_id = 'JB' AND kind <> 'approval_overdue' ORDER BY kind, doc_number;
SELECT status, rows_affected, detail FROM procgov.run_reconciliation(:'t0'::timestamptz + interval '7 days');
-- an entity's own rule overrides the default: transmitted orders get a week here
INSERT INTO procgov.drift_rule (entity_id, kind, after, owner) VALUES ('JB', 'po_not_acknowledged', '7 days', 'purchasing.lead');
SELECT kind, doc_number, owner FROM procgov.drift(:'t0'::timestamptz + interval '7 days') WHERE kind = 'po_not_acknowledged';
SELECT kind, doc_number, owner FROM procgov.drift(:'t0'::timestamptz + interval '8 days') WHERE kind = 'po_not_acknowledged';
-- the order goes out, the budget is corrected: their cases close themselves
SET procgov.actor = 'bob.buyer';
SELECT procgov.transmit_order('JB', 'PO-1') ->> 'state' AS state;
UPDATE procgov.budget SET committed = '0 EUR' WHERE entity_id = 'JB';
SELECT status, rows_affected, detail FROM procgov.run_reconciliation(:'t0'::timestamptz + interval '7 days');
SELECT kind, doc_number, status, resolution FROM procgov.exception_case
 WHERE entity_id = 'JB' AND kind IN ('po_not_transmitted', 'budget_drift', 'po_not_acknowledged') ORDER BY kind, doc_number;
SELECT type, count(*) FROM procgov.outbox WHERE aggregateid LIKE 'JB:%' AND type IN ('exception.opened', 'exception.resolved')
 GROUP BY type ORDER BY type;
SET procgov.actor = 'tester';
-- an invoice matched and not posted for payment is a case for accounts payable
-- after 10 days, saying what holds it when procgov knows (a blocked supplier)
SET procgov.enforce = off;
INSERT INTO procgov.invoice (entity_id, number, supplier_invoice_no, supplier_id, invoice_date, total, state)
SELECT 'JB', 'INV-M', 'S1-77', supplier_id, :'t0'::date, '100 EUR', 'matched' FROM procgov.supplier WHERE entity_id = 'JB' AND code = 'S1';
SET procgov.enforce = on;
ALTER TABLE procgov.invoice DISABLE TRIGGER govern_document;
UPDATE procgov.invoice SET state_changed_at = :'t0' WHERE entity_id = 'JB' AND number = 'INV-M';
ALTER TABLE procgov.invoice ENABLE TRIGGER govern_document;
SELECT count(*) AS at_day_9 FROM procgov.drift(:'t0'::timestamptz + interval '9 days') WHERE kind = 'invoice_not_posted';
SELECT kind, doc_kind, doc_number, owner, details - 'since' AS details
  FROM procgov.drift(:'t0'::timestamptz + interval '11 days') WHERE kind = 'invoice_not_posted';
UPDATE procgov.supplier SET status = 'blocked' WHERE entity_id = 'JB' AND code = 'S1';
SELECT details ->> 'held' AS held FROM procgov.drift(:'t0'::timestamptz + interval '11 days') WHERE kind = 'invoice_not_posted';
UPDATE procgov.supplier SET status = 'approved' WHERE entity_id = 'JB' AND code = 'S1';
UPDATE procgov.invoice SET pay_to_iban = 'GB82WEST12345698765432' WHERE entity_id = 'JB' AND number = 'INV-M';
SELECT details ->> 'held' AS held FROM procgov.drift(:'t0'::timestamptz + interval '11 days') WHERE kind = 'invoice_not_posted';

-- supplier performance -------------------------------------------------------
-- five orders in 90 days, three of them sent and not acknowledged within 3 days: score 0.6, high risk
SELECT pg_temp.order_in('PO-5', 'transmitted', :'t0');
SELECT code, orders, late_acknowledgements, late_receipts, short_confirmations, price_variances, score, tier, current_tier
  FROM procgov.supplier_performance(:'t0'::timestamptz + interval '40 days') WHERE entity_id = 'JB';
SELECT status, rows_affected, detail FROM procgov.run_supplier_performance(:'t0'::timestamptz + interval '40 days');
SELECT risk_tier FROM procgov.supplier WHERE entity_id = 'JB';
-- on the supplier's stream: the status changes above, the job's change of
-- the tier and its own entry with the figures behind it
SELECT action, payload ->> 'tier' AS tier, coalesce(payload -> 'status', payload -> 'risk_tier') AS change FROM procgov.audit_log
 WHERE stream = 'supplier:JB:S1' ORDER BY seq;
SELECT type, envelope #>> '{payload,from}' AS "from", envelope #>> '{payload,to}' AS "to"
  FROM procgov.outbox o, LATERAL (SELECT procgov.envelope(o) AS envelope) e WHERE aggregateid = 'JB:S1';

-- sealing, all jobs at once, the record -------------------------------------------
SELECT status, rows_affected > 0 AS sealed_some FROM procgov.run_job('seal_audit');
SELECT status, rows_affected FROM procgov.run_job('seal_audit');
SELECT job, status FROM procgov.run_jobs(:'t0'::timestamptz + interval '7 days');
SELECT count(*) AS problems FROM procgov.verify_audit();
-- a failing job records its error, keeps nothing it did, and the others still run
CREATE FUNCTION pg_temp.broken(as_of timestamptz) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'drift rules unreadable' USING ERRCODE = 'XX001';
END $$;
ALTER FUNCTION procgov.reconcile(timestamptz) RENAME TO reconcile_saved;
CREATE FUNCTION procgov.reconcile(as_of timestamptz) RETURNS jsonb LANGUAGE sql AS $$ SELECT pg_temp.broken(as_of) $$;
SELECT job, status, rows_affected, error FROM procgov.run_jobs(:'t0'::timestamptz + interval '7 days');
DROP FUNCTION procgov.reconcile(timestamptz);
ALTER FUNCTION procgov.reconcile_saved(timestamptz) RENAME TO reconcile;
SELECT job, status, count(*) FROM procgov.job_run GROUP BY job, status ORDER BY job, status;
SELECT count(*) = count(finished_at) AS all_finished FROM procgov.job_run;

-- scheduling: pg_cron is not in this database, so the commands to run where it is come back
SELECT job, jobname = 'procgov:' || current_database() || ':' || job AS stable_name, schedule,
	   command LIKE 'SELECT cron.schedule_in_database(%' AS for_the_cron_database, scheduled
  FROM procgov.schedule_jobs(supplier_performance => NULL);
SELECT count(*) AS to_unschedule FROM procgov.unschedule_jobs();

-- refusals
SELECT procgov.run_job('defragment');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.run_job('escalations', NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM procgov.schedule_jobs(escalations => ' ');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.drift_rule (entity_id, kind, after) VALUES ('JB', 'po_lost', '1 day');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.drift_rule (entity_id, kind, after) VALUES ('JB', 'po_not_acknowledged', '1 day');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE ROLE job_reader LOGIN IN ROLE procgov_reader;
SET ROLE job_reader;
SELECT procgov.run_escalations();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.escalate_overdue(now());
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a BI login reads the job_health view, not the table behind it
SELECT count(*) FROM procgov.job_run;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) = 5 AS reader_sees_job_health FROM procgov.job_health;
RESET ROLE;
DROP ROLE job_reader;

-- one bad ERP row does not stop reconciliation: the same number twice and a
-- row without one (written with the trigger off) are findings, one per number
CREATE SCHEMA jb_erp;
CREATE TABLE jb_erp.po (id serial PRIMARY KEY, name text, state text NOT NULL DEFAULT 'draft', partner text NOT NULL);
SELECT procgov.govern('jb_erp.po', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "purchase": ["approved", "transmitted"], "cancel": "cancelled"}',
	entity => 'JB', number => 'name', supplier => 'partner', currency => 'EUR') ->> 'adopted' AS adopted;
SET session_replication_role = replica;
INSERT INTO jb_erp.po (name, state, partner) VALUES ('X-9', 'draft', 'S1'), ('X-9', 'purchase', 'S1'), (NULL, 'draft', 'S1');
RESET session_replication_role;
SELECT status, detail ->> 'opened' AS opened FROM procgov.run_reconciliation(:'t0'::timestamptz + interval '41 days');
SELECT doc_number, jsonb_array_length(details -> 'findings') AS findings, details ->> 'problem' AS problem
  FROM procgov.exception_case WHERE entity_id = 'JB' AND kind = 'erp_state_drift' AND status = 'open' ORDER BY doc_number;
SELECT procgov.ungovern('jb_erp.po') ->> 'rows' AS rows;
DROP SCHEMA jb_erp CASCADE;

-- deadlines in days are UTC days, whatever the session's time zone: an order
-- approved 47.5 hours before the end of a DST weekend is not 2 days late in Berlin
SELECT pg_temp.order_in('PO-DST', 'approved', '2026-03-27 12:30+00');
SET TimeZone = 'Europe/Berlin';
SELECT count(*) AS berlin FROM procgov.drift('2026-03-29 12:00+00') WHERE doc_number = 'PO-DST';
SET TimeZone = 'UTC';
SELECT count(*) AS utc FROM procgov.drift('2026-03-29 12:00+00') WHERE doc_number = 'PO-DST';
-- (and an hour later it is late in both)
SET TimeZone = 'Europe/Berlin';
SELECT count(*) AS berlin_later FROM procgov.drift('2026-03-29 13:00+00') WHERE doc_number = 'PO-DST';
RESET TimeZone;

-- the supplier's record counts the orders it was sent: a draft does not count
SELECT orders AS before_draft FROM procgov.supplier_performance(now() + interval '1 day', '3 days') WHERE entity_id = 'JB';
SET procgov.actor = 'bob.buyer';
SELECT procgov.create_purchase_order('JB', 'S1', '[{"description": "draft only", "quantity": 1, "unit_price": "1 EUR"}]',
	number => 'PO-DRAFT') ->> 'state' AS state;
SELECT orders AS after_draft FROM procgov.supplier_performance(now() + interval '1 day', '3 days') WHERE entity_id = 'JB';

-- escalation assigns as a new step does: never an author of the document (here
-- the buyer, who also holds the director role); the step is decided whole by
-- the new role, approvals given under the old one stay on record only
INSERT INTO procgov.approver (entity_id, person, role) VALUES ('JB', 'bob.buyer', 'director');
SET procgov.actor = 'bob.buyer';
SELECT procgov.submit_order('JB', 'PO-DRAFT') ->> 'state' AS state;
-- (a step of two approvals, one given before it lapses)
UPDATE procgov.approval_step SET required = 2 WHERE entity_id = 'JB' AND doc_number = 'PO-DRAFT' AND status = 'pending';
SET procgov.actor = 'mia.manager';
SELECT procgov.approve_document('purchase_order', 'JB', 'PO-DRAFT') ->> 'state' AS state;
SELECT role, assigned_to, approved FROM procgov.approval_step WHERE entity_id = 'JB' AND doc_number = 'PO-DRAFT' AND status = 'pending';
SELECT detail ->> 'escalated' AS escalated FROM procgov.run_escalations(now() + interval '2 days');
SELECT role, assigned_to, approved FROM procgov.approval_step WHERE entity_id = 'JB' AND doc_number = 'PO-DRAFT' AND status = 'pending';
SELECT payload ->> 'approved_before' AS approved_before FROM procgov.audit_log
 WHERE stream = 'purchase_order:JB:PO-DRAFT' AND action = 'escalate';

-- a short acknowledgement whose confirmed part arrived: the rest nobody confirmed is
-- due on the date it was needed by, and then it is drift (close it short, or get it)
SELECT pg_temp.order_in('PO-SHORT', 'partially_received', :'t0', (:'t0'::timestamptz + interval '3 days')::date);
UPDATE procgov.purchase_order_line SET confirmed_qty = 6, confirmed_date = (:'t0'::timestamptz + interval '1 day')::date,
	   received_qty = 6
 WHERE entity_id = 'JB' AND po_id = (SELECT po_id FROM procgov.purchase_order WHERE entity_id = 'JB' AND number = 'PO-SHORT');
SELECT count(*) AS before_need_by FROM procgov.drift(:'t0'::timestamptz + interval '3 days') WHERE doc_number = 'PO-SHORT';
SELECT kind, details ->> 'open_lines' AS open_lines, details ->> 'unconfirmed_lines' AS unconfirmed_lines,
	   (details ->> 'expected')::date = (SELECT need_by FROM procgov.purchase_order WHERE entity_id = 'JB' AND number = 'PO-SHORT')
		   AS expected_is_need_by
  FROM procgov.drift(:'t0'::timestamptz + interval '5 days') WHERE doc_number = 'PO-SHORT';
