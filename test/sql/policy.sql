-- procgov policy engine: rules as rows, each condition alone and combined,
-- each outcome, the lifecycle of policy versions, segregation of duties,
-- limits, delegation, re-approval, expedite, cumulative limits, advisory
-- signals (and what they may not do), the policy as a JSON document, and
-- privileges.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET procgov.notify = off;
SET search_path = public, procgov;

-- master data
INSERT INTO procgov.entity (entity_id, name, base_currency) VALUES ('POL', 'Policy Distribution AG', 'EUR');
INSERT INTO procgov.supplier (entity_id, code, name, status, risk_tier, iban, created_at) VALUES
	('POL', 'S-OK', 'Steady Supplies', 'approved', 'low', 'DE89370400440532013000', '2020-01-01'),
	('POL', 'S-NEW', 'Newbie Trading', 'approved', 'high', NULL, now()),
	('POL', 'S-BLK', 'Blocked Ltd', 'blocked', 'medium', NULL, '2020-01-01');
INSERT INTO procgov.item (entity_id, sku, description, category_code) VALUES
	('POL', 'HX', 'Hex bolt', '31.16'), ('POL', 'PAL', 'EUR pallet', '24.11'), ('POL', 'LAP', 'Laptop', '43.21');
INSERT INTO procgov.contract (entity_id, number, supplier_id, item_id, unit_price, valid_from, valid_to)
SELECT 'POL', 'K-1', s.supplier_id, i.item_id, '10.00 EUR', '2020-01-01', '2099-12-31'
  FROM procgov.supplier s, procgov.item i WHERE s.code = 'S-OK' AND i.sku = 'HX';
INSERT INTO procgov.approver (entity_id, person, role, approval_limit) VALUES
	('POL', 'mgr1', 'manager', '10000 EUR'), ('POL', 'mgr2', 'manager', '10000 EUR'),
	('POL', 'dir1', 'director', '500000 EUR'), ('POL', 'cfo1', 'cfo', NULL),
	('POL', 'ops1', 'approver', '50000 EUR'), ('POL', 'rev1', 'reviewer', NULL),
	('POL', 'lead1', 'site_lead', '50000 EUR'), ('POL', 'lab1', 'lab_head', NULL),
	('POL', 'cat1', 'category_manager', NULL), ('POL', 'b.buyer', 'manager', '1000 EUR');

-- ---- a policy version as rows ----
INSERT INTO procgov.policy (entity_id, version, name, default_role, change_tolerance, expedite_sla)
VALUES ('POL', 1, 'matrix 2027', 'approver', '5%', '4 hours');
SELECT policy_id AS p1 FROM procgov.policy WHERE entity_id = 'POL' AND version = 1 \gset
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, doc_kind, amount_min, amount_max, cumulative, cumulative_window,
	category_prefix, supplier_risk_tiers, supplier_statuses, new_supplier_days, site, cost_center, off_contract, over_contract,
	urgent, signal_kind, signal_min_score, signal_min_confidence, outcome, role, approvers, sla, escalate_to, reason) VALUES
	('POL', :p1, 'small on contract', 'purchase_order', NULL, '500 EUR', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, NULL, 'auto_approve', NULL, 1, NULL, NULL, NULL),
	('POL', :p1, 'manager band', 'purchase_order', '500 EUR', '10000 EUR', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'require', 'manager', 1, '2 days', 'director', NULL),
	('POL', :p1, 'director band', 'purchase_order', '10000 EUR', '100000 EUR', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'require', 'director', 1, '1 day', 'cfo', NULL),
	('POL', :p1, 'cfo band', 'purchase_order', '100000 EUR', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'require', 'cfo', 1, '3 days', NULL, NULL),
	('POL', :p1, 'IT needs two managers', NULL, NULL, NULL, NULL, NULL, '43', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'require', 'manager', 2, NULL, NULL, NULL),
	('POL', :p1, 'high-risk supplier', NULL, NULL, NULL, NULL, NULL, NULL, '{high}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'require', 'director', 1, NULL, NULL, NULL),
	('POL', :p1, 'new supplier', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 90, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'require', 'reviewer', 1, NULL, NULL, NULL),
	('POL', :p1, 'blocked supplier', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{blocked,on_hold}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'block', NULL, 1, NULL, NULL, 'the supplier may not be ordered from'),
	('POL', :p1, 'east warehouse', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'WH-EAST', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'require', 'site_lead', 1, NULL, NULL, NULL),
	('POL', :p1, 'lab cost centre', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'LAB', NULL, NULL, NULL, NULL, NULL, NULL, 'require', 'lab_head', 1, NULL, NULL, NULL),
	('POL', :p1, 'off contract', 'purchase_order', '500 EUR', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, NULL, NULL, NULL, NULL, NULL, 'require', 'category_manager', 1, NULL, NULL, NULL),
	('POL', :p1, 'above contract price', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '5%', NULL, NULL, NULL, NULL, 'require', 'category_manager', 1, NULL, NULL, NULL),
	('POL', :p1, 'urgent', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true, NULL, NULL, NULL, 'require', 'director', 1, '8 hours', NULL, NULL),
	('POL', :p1, 'split orders', 'purchase_order', '10000 EUR', NULL, 'requester', '30 days', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'require', 'director', 1, NULL, NULL, NULL),
	('POL', :p1, 'fraud hold', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'fraud', 0.8, 0.7, 'block', NULL, 1, NULL, NULL, 'the fraud model flagged it'),
	('POL', :p1, 'price anomaly review', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'price_anomaly', 0.5, NULL, 'require', 'reviewer', 1, NULL, NULL, NULL);
SELECT count(*) AS rules FROM procgov.approval_rule WHERE policy_id = :p1;

-- the plan as one line: outcome role xN (rules)
CREATE FUNCTION pg_temp.plan(kind text, facts jsonb, policy bigint DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(outcome || coalesce(' ' || role, '') || coalesce(' x' || approvers, '') || coalesce(' ' || sla::text, '')
					  || ' (' || array_to_string(rules, ', ') || ')' || coalesce(' — ' || reason, ''), '; ' ORDER BY step_no)
	  FROM procgov.evaluate(kind, facts, policy) $$;

-- ---- each condition alone, and in combination (facts given directly: a what-if) ----
\set base '{"entity_id": "POL", "total": "2000.00 EUR", "requester": "b.buyer", "today": "2026-11-25", "categories": ["31.16"], "suppliers": [{"code": "S-OK", "risk_tier": "low", "status": "approved", "since": "2020-01-01"}], "lines": [{"category": "31.16", "unit_price": "10.00 EUR", "contract_price": "10.00 EUR"}]}'
SELECT c.name, pg_temp.plan('purchase_order', (:'base'::jsonb) || c.patch, :p1) AS plan
  FROM (VALUES
	('base: manager band', '{}'::jsonb),
	('below 500 on contract: auto', '{"total": "300.00 EUR"}'),
	('below 500 off contract: default role', '{"total": "300.00 EUR", "lines": [{"unit_price": "10.00 EUR"}]}'),
	('exactly 500: manager band', '{"total": "500.00 EUR"}'),
	('10000: director band', '{"total": "10000.00 EUR"}'),
	('150000: cfo band', '{"total": "150000.00 EUR"}'),
	('another currency: no band matches', '{"total": "2000.00 USD", "lines": []}'),
	('IT category: two managers, merged', '{"categories": ["43.21"]}'),
	('high-risk supplier', '{"suppliers": [{"risk_tier": "high", "status": "approved", "since": "2020-01-01"}]}'),
	('new supplier', '{"suppliers": [{"risk_tier": "low", "status": "approved", "since": "2026-10-01"}]}'),
	('blocked supplier: block beats all', '{"total": "150000.00 EUR", "suppliers": [{"risk_tier": "low", "status": "blocked", "since": "2020-01-01"}]}'),
	('east warehouse', '{"site": "WH-EAST"}'),
	('lab cost centre', '{"cost_center": "LAB"}'),
	('off contract', '{"lines": [{"unit_price": "10.00 EUR"}]}'),
	('above contract by 10%', '{"lines": [{"unit_price": "11.00 EUR", "contract_price": "10.00 EUR"}]}'),
	('above contract by 4%: within tolerance', '{"lines": [{"unit_price": "10.40 EUR", "contract_price": "10.00 EUR"}]}'),
	('urgent: the faster path', '{"urgent": true}'),
	('split orders: cumulative over the window', '{"cumulative": {"requester": {"2592000": "12000.00 EUR"}}}'),
	('cumulative below the band', '{"cumulative": {"requester": {"2592000": "9000.00 EUR"}}}'),
	('fraud signal: hold', '{"signals": [{"kind": "fraud", "score": 0.93, "confidence": 0.81}]}'),
	('fraud signal, low confidence: nothing', '{"signals": [{"kind": "fraud", "score": 0.93, "confidence": 0.4}]}'),
	('price anomaly signal: review', '{"signals": [{"kind": "price_anomaly", "score": 0.6}]}'),
	('everything at once', '{"total": "20000.00 EUR", "site": "WH-EAST", "cost_center": "LAB", "urgent": true, "categories": ["43.21", "31.16"], "suppliers": [{"risk_tier": "high", "status": "approved", "since": "2026-11-01"}]}')
  ) AS c(name, patch);

-- other kinds see only the rules for them (and those for any kind)
SELECT pg_temp.plan('requisition', :'base'::jsonb, :p1) AS requisition_plan;
SELECT pg_temp.plan('bank_change', '{"entity_id": "POL", "suppliers": [{"risk_tier": "high", "status": "approved", "since": "2020-01-01"}]}', :p1) AS bank_change_plan;
-- why: every rule, matched or not, with the first condition that failed
SELECT * FROM procgov.explain('purchase_order', (:'base'::jsonb) || '{"total": "20000.00 EUR", "site": "WH-EAST"}', :p1);
-- no active policy yet: the default of the state machine
SELECT * FROM procgov.evaluate('purchase_order', :'base'::jsonb);
-- bad facts are refused
SELECT * FROM procgov.evaluate('invoice', :'base'::jsonb, :p1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM procgov.evaluate('purchase_order', '{"total": "lots"}', :p1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM procgov.evaluate('purchase_order', '[1, 2]', :p1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ---- rules that cannot be written ----
-- a signal never approves
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, signal_kind, signal_min_score, outcome)
VALUES ('POL', :p1, 'model says fine', 'fraud', 0.0, 'auto_approve');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, outcome) VALUES ('POL', :p1, 'no role', 'require');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, outcome) VALUES ('POL', :p1, 'no reason', 'block');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, amount_min, amount_max, outcome, role)
VALUES ('POL', :p1, 'crossed band', '100 EUR', '50 USD', 'require', 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an SLA more than zero that still runs backwards from the end of January
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, outcome, role, sla)
VALUES ('POL', :p1, 'odd sla', 'require', 'x', '1 month -29 days');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ---- the lifecycle: draft -> active -> retired ----
INSERT INTO procgov.policy (entity_id, version, name, status) VALUES ('POL', 9, 'sneaky', 'active');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'c.controller';
SELECT procgov.activate_policy('POL', 1) - 'hash' AS activated;
SELECT version, status, activated_by, length(hash) AS hash_bytes, hash = procgov.policy_hash('POL', 1) AS hash_verifies
  FROM procgov.policy WHERE entity_id = 'POL';
SELECT action, payload - 'hash' AS payload FROM procgov.audit_log WHERE stream = 'policy:POL' ORDER BY seq;
SELECT type, aggregateid, payload - 'hash' AS payload FROM procgov.outbox WHERE type = 'policy.activated';
-- an active version's rules and settings are frozen; drafts only are deleted
UPDATE procgov.approval_rule SET approvers = 3 WHERE policy_id = :p1 AND name = 'manager band';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM procgov.approval_rule WHERE policy_id = :p1 AND name = 'urgent';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.policy SET change_tolerance = '50%' WHERE policy_id = :p1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM procgov.policy WHERE policy_id = :p1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- nor is the active version retired on its own: the entity would be left without rules
UPDATE procgov.policy SET status = 'retired' WHERE policy_id = :p1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.activate_policy('POL', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.activate_policy('POL', 7);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET procgov.actor;

-- ---- documents under the active policy ----
SET procgov.actor = 'b.buyer';
-- small and on contract: approved at once (the guards still ran: budget, supplier)
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 30, "unit_price": "10.00 EUR"}]') ->> 'number' AS po;
SELECT procgov.submit_order('POL', 'PO-000001') - 'correlation_id' AS submitted;
-- a change beyond the tolerance goes back for approval; when the new plan has
-- no step either (still small, still on contract), it is approved again at once
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 30, "unit_price": "10.00 EUR"}]',
	number => 'RA-1') ->> 'number' AS po;
SELECT procgov.submit_order('POL', 'RA-1') ->> 'state' AS state;
UPDATE procgov.purchase_order_line SET quantity = 40
 WHERE entity_id = 'POL' AND po_id = (SELECT po_id FROM procgov.purchase_order WHERE entity_id = 'POL' AND number = 'RA-1');
SELECT state, version, total, approved_total FROM procgov.purchase_order WHERE entity_id = 'POL' AND number = 'RA-1';
-- the manager band
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 200, "unit_price": "10.00 EUR"}]') ->> 'number' AS po;
SELECT jsonb_path_query(procgov.submit_order('POL', 'PO-000002'), '$.steps[*]') - 'due_at' AS step;
SELECT number, state, p.version AS policy_version FROM procgov.purchase_order o JOIN procgov.policy p USING (entity_id, policy_id)
 WHERE o.entity_id = 'POL' ORDER BY number;
-- the buyer may not approve it, though they hold the manager role
SELECT procgov.approve_document('purchase_order', 'POL', 'PO-000002');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- nor may someone without the role
SET procgov.actor = 'rev1';
SELECT procgov.approve_document('purchase_order', 'POL', 'PO-000002');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'mgr1';
SELECT procgov.approve_document('purchase_order', 'POL', 'PO-000002', 'ok') #>> '{step,status}' AS step_status;
SELECT state FROM procgov.purchase_order WHERE number = 'PO-000002' AND entity_id = 'POL';
SELECT a.decided_by, a.decision, s.role, p.version AS policy_version, a.policy_hash = p.hash AS hash_recorded
  FROM procgov.approval a JOIN procgov.approval_step s USING (entity_id, step_id) JOIN procgov.policy p ON p.entity_id = a.entity_id AND p.policy_id = a.policy_id
 WHERE a.entity_id = 'POL' ORDER BY a.approval_id;

-- IT for 12000: director band and two managers; manager limits are 10000
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "LAP", "quantity": 10, "unit_price": "1200.00 EUR"}]') ->> 'number' AS po;
SELECT jsonb_path_query(procgov.submit_order('POL', 'PO-000003'), '$.steps[*]') - 'due_at' AS step;
SELECT step_id AS it_mgr FROM procgov.approval_step WHERE doc_number = 'PO-000003' AND role = 'manager' AND status = 'pending' \gset
SELECT step_id AS it_dir FROM procgov.approval_step WHERE doc_number = 'PO-000003' AND role = 'director' AND status = 'pending' \gset
SET procgov.actor = 'mgr1';
SELECT procgov.approve(:it_mgr);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a manager with a higher limit approves once, and only once
UPDATE procgov.approver SET approval_limit = '20000 EUR' WHERE entity_id = 'POL' AND role = 'manager' AND person IN ('mgr1', 'mgr2');
SELECT procgov.approve(:it_mgr) - 'document' AS decided;
SELECT procgov.approve(:it_mgr);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- nor a second step of the same document
INSERT INTO procgov.approver (entity_id, person, role) VALUES ('POL', 'mgr1', 'director');
SELECT procgov.approve(:it_dir);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM procgov.approver WHERE entity_id = 'POL' AND person = 'mgr1' AND role = 'director';
SET procgov.actor = 'mgr2';
SELECT procgov.approve(:it_mgr) - 'document' AS decided;
SELECT state FROM procgov.purchase_order WHERE number = 'PO-000003' AND entity_id = 'POL';
-- delegation: dir1 delegates the director role to dep1 from tomorrow: not yet
SET procgov.actor = 'dir1';
SELECT procgov.delegate('POL', 'dep1', now() + interval '10 days', now() + interval '1 day', 'director') AS future_delegation \gset
SET procgov.actor = 'dep1';
SELECT procgov.approve(:it_dir);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a delegation in its period lets dep1 approve, within dir1's limit, on dir1's behalf
SET procgov.actor = 'dir1';
SELECT procgov.delegate('POL', 'dep1', now() + interval '7 days', now() - interval '1 hour', 'director') IS NOT NULL AS delegated;
SET procgov.actor = 'dep1';
SELECT procgov.approve(:it_dir, 'for dir1') - 'document' AS decided;
SELECT state FROM procgov.purchase_order WHERE number = 'PO-000003' AND entity_id = 'POL';
SELECT decided_by, on_behalf_of FROM procgov.approval WHERE step_id = :it_dir;
-- delegations are refused when they make no sense
SET procgov.actor = 'rev1';
SELECT procgov.delegate('POL', 'x', now() + interval '1 day', now(), 'director');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'dir1';
SELECT procgov.delegate('POL', 'dir1', now() + interval '1 day');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.delegate('POL', 'dep2', '2026-01-01 00:00+00', '2026-02-01 00:00+00');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- nor starts in the past, nor names a kind that does not exist
\set VERBOSITY terse
SELECT procgov.delegate('POL', 'dep2', now() + interval '7 days', now() - interval '30 days', 'director');
\set VERBOSITY default
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.delegate('POL', 'dep2', now() + interval '7 days', role => 'director', doc_kind => 'purchase-order');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.revoke_delegation('POL', :future_delegation);
SELECT revoked_at IS NOT NULL AS revoked FROM procgov.delegation WHERE delegation_id = :future_delegation;

-- delegation never lends an author's authority, nor counts one person twice
SET procgov.actor = 'b.buyer';
SELECT procgov.delegate('POL', 'pal1', now() + interval '7 days', now() - interval '1 hour', 'manager') IS NOT NULL AS buyer_delegated;
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 60, "unit_price": "10.00 EUR"}]', number => 'SOD-1') ->> 'number' AS po;
SELECT procgov.submit_order('POL', 'SOD-1') #>> '{steps,0,assigned_to}' AS assigned_to;
SET procgov.actor = 'pal1';
SELECT procgov.approve_document('purchase_order', 'POL', 'SOD-1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'mgr1';
SELECT procgov.delegate('POL', 'pal2', now() + interval '7 days', now() - interval '1 hour', 'manager') IS NOT NULL AS mgr1_delegated;
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "LAP", "quantity": 1, "unit_price": "900.00 EUR"}]', number => 'SOD-2') ->> 'number' AS po;
SELECT jsonb_path_query_array(procgov.submit_order('POL', 'SOD-2'), '$.steps[*].role') AS roles;
SELECT step_id AS sod2 FROM procgov.approval_step WHERE doc_number = 'SOD-2' AND role = 'manager' AND status = 'pending' \gset
SET procgov.actor = 'mgr1';
SELECT procgov.approve(:sod2) #>> '{approved}' AS approvals;
SET procgov.actor = 'pal2';
SELECT procgov.approve(:sod2);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the columns segregation of duties rests on are procgov's, not a statement's
UPDATE procgov.purchase_order SET policy_id = NULL WHERE entity_id = 'POL' AND number = 'SOD-2';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.purchase_order SET created_by = 'someone.else' WHERE entity_id = 'POL' AND number = 'SOD-2';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT number, created_by, submitted_by, submitted_at IS NOT NULL AS submitted FROM procgov.purchase_order WHERE entity_id = 'POL' AND number LIKE 'SOD-%' ORDER BY number;
-- who creates an order for someone else is its author too
SET procgov.actor = 'mgr2';
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 70, "unit_price": "10.00 EUR"}]', buyer => 'b.buyer', number => 'SOD-3') ->> 'number' AS po;
SET procgov.actor = 'b.buyer';
SELECT procgov.submit_order('POL', 'SOD-3') ->> 'state' AS state;
SET procgov.actor = 'mgr2';
SELECT procgov.approve_document('purchase_order', 'POL', 'SOD-3');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'mgr1';
SELECT procgov.approve_document('purchase_order', 'POL', 'SOD-3') ->> 'state' AS state;

-- a rejection rejects the document; a decided step is not decided again
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 100, "unit_price": "10.00 EUR"}]') ->> 'number' AS po;
SELECT procgov.submit_order('POL', 'PO-000004') ->> 'state' AS state;
SET procgov.actor = 'mgr2';
-- (b.buyer's orders add up: the split-orders rule asks a director too)
SELECT role, status FROM procgov.approval_step WHERE doc_number = 'PO-000004' ORDER BY step_id;
SELECT step_id AS rej FROM procgov.approval_step WHERE doc_number = 'PO-000004' AND role = 'manager' AND status = 'pending' \gset
SELECT procgov.reject(:rej, '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.reject(:rej, 'wrong supplier') #>> '{document,state}' AS state;
SELECT procgov.approve(:rej);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.approve(999999);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- reworked and submitted again: a fresh plan, the old steps superseded
SET procgov.actor = 'b.buyer';
UPDATE procgov.purchase_order SET state = 'draft' WHERE entity_id = 'POL' AND number = 'PO-000004';
SELECT procgov.submit_order('POL', 'PO-000004') ->> 'state' AS resubmitted;
SELECT role, status FROM procgov.approval_step WHERE doc_number = 'PO-000004' ORDER BY step_id;

-- a blocked supplier: the submit is refused with the rule's reason
SELECT procgov.create_purchase_order('POL', 'S-BLK', '[{"description": "Widgets", "quantity": 1, "unit_price": "50.00 EUR"}]') ->> 'number' AS po;
SELECT procgov.submit_order('POL', 'PO-000005');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT state FROM procgov.purchase_order WHERE entity_id = 'POL' AND number = 'PO-000005';

-- expedite: a written justification, the faster path, flagged in the ledger
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 100, "unit_price": "10.00 EUR"}]') ->> 'number' AS po;
SELECT procgov.submit('purchase_order', 'POL', 'PO-000006', urgent => true);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT jsonb_path_query(procgov.submit('purchase_order', 'POL', 'PO-000006', urgent => true, justification => 'line stopped at the east plant'),
	'$.steps[*]') - 'due_at' AS step;
SELECT role, urgent, sla, due_at - created_at = sla AS due_within_sla FROM procgov.approval_step WHERE doc_number = 'PO-000006' ORDER BY step_no;
SELECT action, payload FROM procgov.audit_log WHERE stream = 'purchase_order:POL:PO-000006' AND action IN ('update', 'expedite') ORDER BY seq;

-- re-approval: within the policy's change tolerance (5%) the approval stands
SET procgov.actor = 'b.buyer';
UPDATE procgov.purchase_order_line SET unit_price = '10.30 EUR'
 WHERE entity_id = 'POL' AND po_id = (SELECT po_id FROM procgov.purchase_order WHERE entity_id = 'POL' AND number = 'PO-000002');
SELECT state, version, total, approved_total FROM procgov.purchase_order WHERE entity_id = 'POL' AND number = 'PO-000002';
-- another site is another decision, whatever the total: a new version, back to approval
-- under the rules for that site (tried and rolled back)
BEGIN;
UPDATE procgov.purchase_order SET site = 'WH-EAST' WHERE entity_id = 'POL' AND number = 'PO-000002';
SELECT state, version FROM procgov.purchase_order WHERE entity_id = 'POL' AND number = 'PO-000002';
SELECT role FROM procgov.approval_step WHERE doc_number = 'PO-000002' AND status = 'pending' ORDER BY step_no;
ROLLBACK;
-- beyond it the order goes back to approval with a fresh plan
UPDATE procgov.purchase_order_line SET unit_price = '12.00 EUR'
 WHERE entity_id = 'POL' AND po_id = (SELECT po_id FROM procgov.purchase_order WHERE entity_id = 'POL' AND number = 'PO-000002');
SELECT state, version, total, approved_total FROM procgov.purchase_order WHERE entity_id = 'POL' AND number = 'PO-000002';
SELECT role, doc_version, status FROM procgov.approval_step WHERE doc_number = 'PO-000002' ORDER BY step_id;

-- cumulative: orders just under the director band, one after another, are judged as one
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 900, "unit_price": "10.00 EUR"}]', number => 'SPLIT-' || g) ->> 'number'
  FROM generate_series(1, 3) g;
SELECT number, jsonb_path_query_array(procgov.submit_order('POL', number), '$.steps[*].role') AS roles
  FROM (VALUES ('SPLIT-1'), ('SPLIT-2')) v(number);
SELECT procgov.document_facts('purchase_order', procgov.document_row('purchase_order', 'POL', 'SPLIT-2'), :p1) -> 'cumulative' AS cumulative;
-- naming another buyer does not split it: the creator's orders count too
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 900, "unit_price": "10.00 EUR"}]',
	buyer => 'alias.buyer', number => 'SPLIT-4') ->> 'number';
SELECT jsonb_path_query_array(procgov.submit_order('POL', 'SPLIT-4'), '$.steps[*].role') AS roles_with_another_buyer;

-- ---- advisory signals: recommendation, never authorisation ----
SET procgov.actor = 'fraud-model';
-- a low score adds nothing and takes nothing away
SELECT procgov.signal('purchase_order', 'POL', 'PO-000004', 'fraud-model', 'fraud', 0.1, 0.9, 'looks normal', 'fm-2.3');
-- a price anomaly adds a review; a confident fraud score holds the document
SELECT procgov.signal('purchase_order', 'POL', 'PO-000004', 'price-watch', 'price_anomaly', 0.62, NULL, 'unit price 2x the median', 'pw-1');
SELECT procgov.signal('purchase_order', 'POL', 'PO-000004', 'fraud-model', 'fraud', 0.91, 0.83, 'bank account changed last week', 'fm-2.3');
SELECT procgov.signal('purchase_order', 'POL', 'PO-000004', 'fraud-model', 'fraud', 0.95, 0.9, 'again', 'fm-2.3') -> 'added_steps' AS added_again;
SELECT role, status, reason, rules FROM procgov.approval_step WHERE doc_number = 'PO-000004' AND status <> 'superseded' ORDER BY step_no;
SELECT action, payload - 'signal' AS payload FROM procgov.audit_log WHERE stream = 'purchase_order:POL:PO-000004' AND action = 'signal' ORDER BY seq;
-- the manager's approval does not approve the document while review and hold are open
SET procgov.actor = 'mgr1';
SELECT procgov.approve_document('purchase_order', 'POL', 'PO-000004') ->> 'state' AS state;
SET procgov.actor = 'rev1';
SELECT procgov.approve_document('purchase_order', 'POL', 'PO-000004') ->> 'state' AS state;
-- the hold is cleared by someone of the policy's default role
-- a hold is never cleared in passing: approve_document does not pick it
SET procgov.actor = 'ops1';
SELECT procgov.approve_document('purchase_order', 'POL', 'PO-000004');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT step_id AS hold FROM procgov.approval_step WHERE doc_number = 'PO-000004' AND status = 'held' \gset
SELECT procgov.approve(:hold, 'called the supplier back') #>> '{document,state}' AS state;
-- a cleared hold is not raised again by the same signal rule
SET procgov.actor = 'fraud-model';
SELECT procgov.signal('purchase_order', 'POL', 'PO-000004', 'fraud-model', 'fraud', 0.97, 0.9, 'still odd', 'fm-2.3') -> 'added_steps' AS added_after_clearing;
-- and the director's step (split orders) is the last
SET procgov.actor = 'dir1';
SELECT procgov.approve_document('purchase_order', 'POL', 'PO-000004') ->> 'state' AS state;
-- a signal rule adds review; it never stands in for the default approver
SELECT pg_temp.plan('purchase_order', '{"entity_id": "POL", "total": "300.00 EUR", "signals": [{"kind": "price_anomaly", "score": 0.9}]}', :p1) AS signal_on_uncovered;
-- what a signal may not do
SELECT procgov.signal('purchase_order', 'POL', 'PO-000004', 'fraud-model', 'fraud', 1.5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.signal('purchase_order', 'POL', 'PO-000004', '', 'fraud', 0.5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE ROLE regress_scorer IN ROLE procgov_scorer;
INSERT INTO procgov.entity_grant (grantee, entity_id) VALUES ('regress_scorer', 'POL');
SELECT min(step_id) AS step6 FROM procgov.approval_step WHERE doc_number = 'PO-000006' \gset
SET ROLE regress_scorer;
SELECT procgov.signal('purchase_order', 'POL', 'PO-000006', 'ml', 'fraud', 0.2, 0.5) -> 'added_steps' AS added;
SELECT procgov.approve(:step6);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.purchase_order SET total = '1 EUR' WHERE number = 'PO-000006';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM procgov.approval_step WHERE doc_number = 'PO-000006';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_scorer;

-- the buyer who raised an order does not post its receipt under this policy
SET procgov.actor = 'b.buyer';
SELECT procgov.transmit_order('POL', 'PO-000001') ->> 'state' AS state;
SELECT procgov.post_receipt('POL', 'PO-000001', '[{"line": 1, "quantity": 30}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'r.receiver';
SELECT procgov.post_receipt('POL', 'PO-000001', '[{"line": 1, "quantity": 30}]') #>> '{order,state}' AS order_state;
-- nor does whoever created it while naming another buyer: every author counts
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 30, "unit_price": "10.00 EUR"}]',
	buyer => 'someone.else', number => 'RCV-1') ->> 'number';
SELECT procgov.submit_order('POL', 'RCV-1') ->> 'state' AS state;
-- (b.buyer's orders add up past the director band this month)
SET procgov.actor = 'dir1';
SELECT procgov.approve_document('purchase_order', 'POL', 'RCV-1') ->> 'state' AS state;
SET procgov.actor = 'b.buyer';
SELECT procgov.transmit_order('POL', 'RCV-1') ->> 'state' AS state;
SELECT procgov.post_receipt('POL', 'RCV-1', '[{"line": 1, "quantity": 30}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ---- a new version: evaluated from the next submit; documents keep theirs ----
SET procgov.actor = 'c.controller';
SELECT procgov.copy_policy('POL', 1, 'matrix 2027, tighter') AS v2 \gset
UPDATE procgov.approval_rule SET amount_min = '5000 EUR' WHERE entity_id = 'POL' AND policy_id = (SELECT policy_id FROM procgov.policy WHERE entity_id = 'POL' AND version = :v2) AND name = 'director band';
UPDATE procgov.approval_rule SET amount_max = '5000 EUR' WHERE entity_id = 'POL' AND policy_id = (SELECT policy_id FROM procgov.policy WHERE entity_id = 'POL' AND version = :v2) AND name = 'manager band';
SELECT pg_temp.plan('purchase_order', (:'base'::jsonb) || '{"total": "6000.00 EUR"}') AS plan_under_v1;
SELECT procgov.activate_policy('POL', :v2) ->> 'status' AS status;
SELECT pg_temp.plan('purchase_order', (:'base'::jsonb) || '{"total": "6000.00 EUR"}') AS plan_under_v2;
SELECT version, status FROM procgov.policy WHERE entity_id = 'POL' ORDER BY version;
SELECT number, p.version AS submitted_under FROM procgov.purchase_order o JOIN procgov.policy p USING (entity_id, policy_id)
 WHERE o.entity_id = 'POL' AND number LIKE 'PO-%' ORDER BY number;

-- ---- the policy as a JSON document ----
SELECT procgov.export_policy('POL') AS exported \gset
SELECT jsonb_pretty((:'exported'::jsonb) -> 'settings') AS settings, jsonb_array_length((:'exported'::jsonb) -> 'rules') AS rules,
       jsonb_array_length((:'exported'::jsonb) -> 'approvers') AS approvers;
SELECT (:'exported'::jsonb) -> 'rules' -> 13 AS split_rule, (:'exported'::jsonb) -> 'rules' -> 14 AS signal_rule;
-- it reads back as a new draft with the same content
SELECT procgov.import_policy(:'exported') AS v3 \gset
SELECT (procgov.export_policy('POL', :v3)::jsonb - 'version' - 'status') = ((:'exported'::jsonb) - 'version' - 'status') AS round_trip;
SELECT version, status, name FROM procgov.policy WHERE entity_id = 'POL' ORDER BY version;
-- an invalid document is refused with the path of its first error, and nothing is imported
SELECT count(*) AS versions_before FROM procgov.policy WHERE entity_id = 'POL';
SELECT procgov.import_policy('{"entity": "POL", "name": "x", "rules": [');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.import_policy('{"entity": "POL", "name": "x", "rules": []} {"entity": "POL"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.import_policy('{"entity": "POL", "name": "x", "rules": [{"name": "a", "then": {"outcome": "require", "role": "m"}}, {"name": "b", "when": {"amount": {"min": "ten euros"}}, "then": {"outcome": "require", "role": "m"}}]}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.import_policy('{"entity": "POL", "name": "x", "rules": [{"name": "a", "when": {"amout": {}}, "then": {"outcome": "require", "role": "m"}}]}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.import_policy('{"entity": "POL", "name": "x", "rules": [{"name": "a", "then": {"outcome": "approve"}}]}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.import_policy('{"entity": "POL", "name": "x", "rules": [{"name": "a", "when": {"supplier_risk": ["extreme"]}, "then": {"outcome": "require", "role": "m"}}]}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.import_policy('{"entity": "POL", "name": "x", "rules": [{"name": "a", "when": {"signal": {"kind": "fraud", "min_score": 0.5}}, "then": {"outcome": "auto_approve"}}]}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.import_policy('{"entity": "POL", "name": "x", "rules": [{"name": "a", "when": {"signal": {"kind": "fraud", "min_score": 2}}, "then": {"outcome": "block", "reason": "r"}}]}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.import_policy('{"entity": "NOPE", "name": "x", "rules": []}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.import_policy('{"entity": "POL", "name": "x", "rules": [], "approvers": [{"person": "a", "role": "r", "limit": 12}]}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS versions_after FROM procgov.policy WHERE entity_id = 'POL';
RESET procgov.actor;

-- ---- privileges ----
CREATE ROLE regress_req IN ROLE procgov_requester;
INSERT INTO procgov.entity_grant (grantee, entity_id) VALUES ('regress_req', 'POL');
SET ROLE regress_req;
SELECT count(*) FROM procgov.evaluate('purchase_order', 'POL', 'PO-000002');
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, outcome) VALUES ('POL', :p1, 'mine', 'auto_approve');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.activate_policy('POL', :v3);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.approve(1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_req;

SELECT count(*) AS problems FROM procgov.verify_audit();
-- the approval guard's sentence lists the open steps of the plan, in step order
RESET ROLE;
SELECT p.number, procgov.guard_approval_complete('purchase_order', procgov.row_jsonb(p)) AS why_not
  FROM procgov.purchase_order p WHERE p.policy_id IS NOT NULL ORDER BY p.number;

-- a hold is never cleared in passing (from review): once the steps a person
-- could decide are done, approve_document refuses the hold that is left
-- instead of taking it for an approval
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 5, "unit_price": "10.00 EUR"}]', number => 'HOLD-1') ->> 'number' AS po;
SELECT jsonb_path_query_array(procgov.submit_order('POL', 'HOLD-1'), '$.steps[*].role') AS roles;
SET procgov.actor = 'fraud-model';
SELECT procgov.signal('purchase_order', 'POL', 'HOLD-1', 'fraud-model', 'fraud', 0.95, 0.9, 'flagged', 'fm-2.3') -> 'added_steps' AS added;
SELECT role, status FROM procgov.approval_step WHERE doc_number = 'HOLD-1' AND status <> 'superseded' ORDER BY step_no;
SELECT DISTINCT s.role, a.person FROM procgov.approval_step s JOIN procgov.approver a ON a.entity_id = s.entity_id AND a.role = s.role
 WHERE s.doc_number = 'HOLD-1' AND s.status <> 'superseded' ORDER BY 1, 2;
SET procgov.actor = 'dir1';
SELECT procgov.approve_document('purchase_order', 'POL', 'HOLD-1') ->> 'state' AS after_director;
SET procgov.actor = 'ops1';
\set VERBOSITY sqlstate
SELECT procgov.approve_document('purchase_order', 'POL', 'HOLD-1');
\set VERBOSITY default
SELECT :'LAST_ERROR_MESSAGE' ~ '^approval step [0-9]+ of purchase order HOLD-1 is held$' AS refused_as_held;
SELECT state FROM procgov.purchase_order WHERE number = 'HOLD-1';
SELECT step_id AS hold1 FROM procgov.approval_step WHERE doc_number = 'HOLD-1' AND status = 'held' \gset
SELECT procgov.approve(:hold1, 'reviewed the flag') #>> '{document,state}' AS cleared_by_name;
RESET procgov.actor;

-- the approvers decide on the document as submitted (from review): its lines
-- do not change while it awaits approval, whoever writes them
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 5, "unit_price": "10.00 EUR"}]', number => 'PEND-1') ->> 'number' AS po;
SELECT procgov.submit_order('POL', 'PEND-1') ->> 'state' AS state;
INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price)
SELECT entity_id, po_id, 2, 'gold', 1, '20000.00 EUR' FROM procgov.purchase_order WHERE number = 'PEND-1';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.purchase_order_line l SET quantity = 500 FROM procgov.purchase_order p
 WHERE p.number = 'PEND-1' AND l.entity_id = p.entity_id AND l.po_id = p.po_id;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.purchase_order SET supplier_id = (SELECT supplier_id FROM procgov.supplier WHERE entity_id = 'POL' AND code = 'S-BLK')
 WHERE number = 'PEND-1';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.purchase_order SET total = '1.00 EUR' WHERE number = 'PEND-1';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- nor what else the rules were matched on: cost centre, site, urgency, buyer
UPDATE procgov.purchase_order SET cost_center = 'CC-CHEAP' WHERE number = 'PEND-1';
UPDATE procgov.purchase_order SET site = 'elsewhere' WHERE number = 'PEND-1';
UPDATE procgov.purchase_order SET urgent = true, expedite_reason = 'now' WHERE number = 'PEND-1';
UPDATE procgov.purchase_order SET buyer = 'ops1' WHERE number = 'PEND-1';
-- what the plan did not read may change
UPDATE procgov.purchase_order SET need_by = '2027-01-15' WHERE number = 'PEND-1';
SELECT total, cost_center, site, urgent, buyer, need_by FROM procgov.purchase_order WHERE number = 'PEND-1';
-- everyone who ever submitted a document stays its author: mgr1 submitted PEND-2, it was
-- rejected and submitted again by b.buyer; mgr1 still may not approve it
SELECT procgov.create_purchase_order('POL', 'S-OK', '[{"item": "HX", "quantity": 5, "unit_price": "10.00 EUR"}]', number => 'PEND-2') ->> 'number' AS po;
SET procgov.actor = 'mgr1';
SELECT procgov.submit_order('POL', 'PEND-2') ->> 'state' AS state;
SET procgov.actor = 'dir1';
SELECT procgov.reject_document('purchase_order', 'POL', 'PEND-2', 'wrong supplier address') ->> 'state' AS state;
SET procgov.actor = 'b.buyer';
-- (submitting a rejected order reworks it: back to draft, then submitted)
SELECT procgov.submit_order('POL', 'PEND-2') ->> 'state' AS state;
SELECT submitted_by, submitters FROM procgov.purchase_order WHERE number = 'PEND-2';
SET procgov.actor = 'mgr1';
SELECT procgov.approve_document('purchase_order', 'POL', 'PEND-2');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.doc_authors(procgov.row_jsonb(p)) AS authors FROM procgov.purchase_order p WHERE number = 'PEND-2';
-- and only procgov records them
UPDATE procgov.purchase_order SET submitters = '[]' WHERE number = 'PEND-2';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'b.buyer';
-- a requisition that is only submitted has no plan yet: submit() may still expedite it (from review)
SELECT procgov.create_requisition('POL', 'CC-1', '[{"description": "spare pump", "quantity": 1, "unit_price": "10.00 EUR", "supplier": "S-OK"}]',
	number => 'RQ-URG') ->> 'state' AS rq;
UPDATE procgov.requisition SET state = 'submitted' WHERE number = 'RQ-URG';
SELECT procgov.submit('requisition', 'POL', 'RQ-URG', true, 'the line is down') ->> 'state' AS state;
SELECT state, urgent, expedite_reason FROM procgov.requisition WHERE number = 'RQ-URG';
RESET procgov.actor;
