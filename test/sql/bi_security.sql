-- procgov's BI views and its security: the views' figures on a small known
-- dataset (table-driven), then one role at a time with SET ROLE: what each
-- may not do is refused with 42501, row-level security keeps each to the
-- entities granted to it (through the tables, the views and the API), an
-- ERP service login sees what the person it names may see, and look-alike
-- functions and operators in a schema on the caller's search_path hijack
-- nothing.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET procgov.notify = off;

-- ---- a small known dataset: two entities ----
INSERT INTO procgov.entity (entity_id, name, base_currency, controller) VALUES
	('BIA', 'BI test A', 'USD', 'ctl.a'), ('BIB', 'BI test B', 'EUR', 'ctl.b');
INSERT INTO procgov.supplier (entity_id, code, name, status) VALUES ('BIA', 'SA', 'Supplier A', 'approved'), ('BIB', 'SB', 'Supplier B', 'approved');
INSERT INTO procgov.item (entity_id, sku, description, category_code) VALUES ('BIA', 'BOLT', 'Bolt', '31.16'), ('BIA', 'NUT', 'Nut', '31.17');
INSERT INTO procgov.contract (entity_id, number, supplier_id, item_id, unit_price, valid_from, valid_to)
SELECT 'BIA', 'K-BOLT', s.supplier_id, i.item_id, '1.00 USD', '2020-01-01', '2099-12-31'
  FROM procgov.supplier s, procgov.item i WHERE s.entity_id = 'BIA' AND s.code = 'SA' AND i.entity_id = 'BIA' AND i.sku = 'BOLT';
INSERT INTO procgov.budget (entity_id, cost_center, period, amount, committed, spent) VALUES
	('BIA', 'WH', '2026-12', '1000 USD', '0 USD', '0 USD'), ('BIB', 'OPS', '2026-12', '500 EUR', '0 EUR', '0 EUR');
-- BIA approves under a policy (its steps fill the approval queue); BIB without one
INSERT INTO procgov.approver (entity_id, person, role) VALUES ('BIA', 'amy.approver', 'approver'), ('BIA', 'al.approver', 'approver');
INSERT INTO procgov.policy (entity_id, version, name, default_role) VALUES ('BIA', 1, 'BI test matrix', 'approver');
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, doc_kind, outcome, role, sla)
SELECT 'BIA', policy_id, 'nuts need the approver', 'purchase_order', 'require', 'approver', '1 day' FROM procgov.policy WHERE entity_id = 'BIA';
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, doc_kind, category_prefix, outcome, role)
SELECT 'BIA', policy_id, 'laptops need IT', 'purchase_order', '43', 'require', 'it' FROM procgov.policy WHERE entity_id = 'BIA';
SET procgov.actor = 'ctl.a';
SELECT procgov.activate_policy('BIA', 1) ->> 'status' AS policy;
SET procgov.actor = 'bob.buyer';
-- A1: bolts on contract and nuts off contract, through to a matched invoice
SELECT procgov.create_purchase_order('BIA', 'SA', '[{"item": "BOLT", "quantity": 100, "unit_price": "1.00 USD"}, {"item": "NUT", "quantity": 50, "unit_price": "2.00 USD"}]',
	cost_center => 'WH', budget_period => '2026-12', number => 'A1') ->> 'state' AS a1;
SELECT procgov.submit_order('BIA', 'A1') ->> 'state' AS a1;
SET procgov.actor = 'amy.approver';
SELECT procgov.approve_document('purchase_order', 'BIA', 'A1') ->> 'state' AS a1;
SET procgov.actor = 'bob.buyer';
SELECT procgov.transmit_order('BIA', 'A1') ->> 'state' AS a1;
SELECT procgov.record_acknowledgement('BIA', 'A1') ->> 'state' AS a1;
SET procgov.actor = 'rio.receiver';
SELECT procgov.post_receipt('BIA', 'A1', '[{"line": 1, "quantity": 100}, {"line": 2, "quantity": 50}]') -> 'order' ->> 'state' AS a1;
SELECT procgov.register_invoice('BIA', 'SA', 'SA-1', '2026-12-10', '[{"po_line": 1, "quantity": 100, "unit_price": "1.00 USD"}, {"po_line": 2, "quantity": 50, "unit_price": "2.00 USD"}]',
	order_number => 'A1', number => 'IA1') ->> 'state' AS ia1;
SELECT matched FROM procgov.match_pending('BIA');
-- A2: bolts above the contract price, waiting for approval; B1 in the other entity, waiting too
SET procgov.actor = 'bob.buyer';
SELECT procgov.create_purchase_order('BIA', 'SA', '[{"item": "BOLT", "quantity": 10, "unit_price": "1.20 USD"}]', number => 'A2') ->> 'state' AS a2;
SELECT procgov.submit_order('BIA', 'A2') ->> 'state' AS a2;
SET procgov.actor = 'ben.buyer';
SELECT procgov.create_purchase_order('BIB', 'SB', '[{"description": "Pallets", "quantity": 4, "unit_price": "12.50 EUR"}]', number => 'B1') ->> 'state' AS b1;
SELECT procgov.submit_order('BIB', 'B1') ->> 'state' AS b1;
RESET procgov.actor;
-- known times for the known figures (history written as a migration would: the rules off)
SET session_replication_role = replica;
UPDATE procgov.purchase_order SET created_at = '2026-12-01 08:00+00', submitted_at = '2026-12-01 09:00+00', site = 'WH-1' WHERE entity_id = 'BIA' AND number = 'A1';
UPDATE procgov.approval SET decided_at = '2026-12-01 11:00+00' WHERE entity_id = 'BIA'
   AND doc_id = (SELECT po_id FROM procgov.purchase_order WHERE entity_id = 'BIA' AND number = 'A1');
UPDATE procgov.acknowledgement SET received_at = '2026-12-02 11:00+00' WHERE entity_id = 'BIA';
UPDATE procgov.receipt SET received_at = '2026-12-05 11:00+00' WHERE entity_id = 'BIA';
UPDATE procgov.invoice SET state_changed_at = '2026-12-05 17:00+00' WHERE entity_id = 'BIA' AND number = 'IA1';
UPDATE procgov.purchase_order SET created_at = '2026-12-03 08:00+00' WHERE entity_id = 'BIA' AND number = 'A2';
UPDATE procgov.approval_step SET created_at = now() - interval '2 days', due_at = now() - interval '1 day' WHERE entity_id = 'BIA' AND doc_number = 'A2';
RESET session_replication_role;
INSERT INTO procgov.exception_case (entity_id, kind, doc_kind, doc_number, status, owner, opened_at, due_at, resolved_at, resolved_by, resolution)
VALUES ('BIA', 'price_over', 'invoice', 'IA1', 'resolved', 'ap.team', '2026-12-05 12:00+00', '2026-12-07 12:00+00', '2026-12-05 18:00+00', 'ap.team', 'accepted'),
	   ('BIA', 'po_not_acknowledged', 'purchase_order', 'A1', 'open', 'bob.buyer', '2026-12-06 12:00+00', now() - interval '1 hour', NULL, NULL, NULL),
	   ('BIB', 'po_not_transmitted', 'purchase_order', 'B1', 'open', 'ben.buyer', '2026-12-06 12:00+00', now() + interval '1 day', NULL, NULL, NULL);
SELECT (procgov.run_job('seal_audit')).status;
SELECT procgov.register_consumer('bi-sync') IS NOT NULL AS registered;

-- ---- the views' figures, table-driven: each check with what it should be ----
CREATE TEMP TABLE bi_check (n numeric, what text, got text, want text);
INSERT INTO bi_check VALUES
	(1, 'cycle_times: submit to approval, hours', (SELECT p50_hours::text FROM procgov.cycle_times WHERE entity_id = 'BIA' AND stage = 'submit_to_approval'), '2.00'),
	(2, 'cycle_times: approval to acknowledgement', (SELECT p90_hours::text FROM procgov.cycle_times WHERE entity_id = 'BIA' AND stage = 'order_to_acknowledgement'), '24.00'),
	(3, 'cycle_times: acknowledgement to receipt', (SELECT avg_hours::text FROM procgov.cycle_times WHERE entity_id = 'BIA' AND stage = 'acknowledgement_to_receipt'), '72.00'),
	(4, 'cycle_times: receipt to match', (SELECT p50_hours::text FROM procgov.cycle_times WHERE entity_id = 'BIA' AND stage = 'receipt_to_match'), '6.00'),
	(5, 'cycle_times: the order''s site, category and month', (SELECT site || ' ' || category || ' ' || to_char(month, 'YYYY-MM-DD') FROM procgov.cycle_times WHERE entity_id = 'BIA' AND stage = 'receipt_to_match'), 'WH-1 31.16 2026-12-01'),
	(6, 'approval_queue: A2 waits for the approver role, overdue', (SELECT string_agg(DISTINCT doc_number || ' ' || role || ' ' || overdue, ',') FROM procgov.approval_queue WHERE entity_id = 'BIA'), 'A2 approver true'),
	(7, 'approval_queue: one row per person who may decide', (SELECT string_agg(approver, ',' ORDER BY approver) FROM procgov.approval_queue WHERE entity_id = 'BIA'), 'al.approver,amy.approver'),
	(7.5, 'approval_aging: A2 in amy''s 1-3 days bucket', (SELECT age_bucket || ' ' || steps || ' ' || overdue FROM procgov.approval_aging WHERE entity_id = 'BIA' AND approver = 'amy.approver'), '1-3 days 1 1'),
	(8, 'exception_rate: matching price_over resolved in 6 hours', (SELECT cases || ' ' || closed || ' ' || avg_hours_to_resolve || ' ' || supplier || ' ' || site FROM procgov.exception_rate WHERE entity_id = 'BIA' AND kind = 'price_over'), '1 1 6.00 SA WH-1'),
	(9, 'exception_rate: an open overdue ordering case', (SELECT stage || ' ' || open || ' ' || overdue FROM procgov.exception_rate WHERE entity_id = 'BIA' AND kind = 'po_not_acknowledged'), 'ordering 1 1'),
	(10, 'off_contract_spend: nuts without contract', (SELECT spend::text FROM procgov.off_contract_spend WHERE entity_id = 'BIA' AND finding = 'no contract'), '100.00 USD'),
	(11, 'off_contract_spend: A2''s bolts 2.00 above contract', (SELECT spend || ' / ' || above_contract FROM procgov.off_contract_spend WHERE entity_id = 'BIA' AND finding = 'above contract'), '12.00 USD / 2.00 USD'),
	(12, 'off_contract_spend: on-contract bolts are not listed', (SELECT count(*)::text FROM procgov.off_contract_spend WHERE entity_id = 'BIA'), '2'),
	(13, 'budget_commitment: A1 committed, 800 left', (SELECT committed || ' ' || available || ' ' || open_documents FROM procgov.budget_commitment WHERE entity_id = 'BIA'), '200.00 USD 800.00 USD 1'),
	(14, 'supplier_performance: SA on time, in full, acknowledged after 24 h', (SELECT orders || ' ' || avg_ack_delay_hours || ' ' || in_full_rate || ' ' || short_shipment_rate FROM procgov.supplier_performance WHERE entity_id = 'BIA'), '2 24.00 1.000 0.000'),
	(15, 'sync_drift: the drift cases, open and closed', (SELECT string_agg(entity_id || ' ' || kind || ' ' || status, ',' ORDER BY entity_id) FROM procgov.sync_drift WHERE entity_id IN ('BIA', 'BIB')), 'BIA po_not_acknowledged open,BIB po_not_transmitted open'),
	(16, 'job_health: seal_audit ran and succeeded', (SELECT last_status || ' ' || (runs_24h >= 1) FROM procgov.job_health WHERE job = 'seal_audit'), 'succeeded true'),
	(17, 'event_backlog: a new consumer starts after what was there', (SELECT pending::text FROM procgov.event_backlog WHERE consumer = 'bi-sync'), '0'),
	(18, 'audit_trail: A1''s moves in human terms', (SELECT string_agg(coalesce(to_state, action), ' ' ORDER BY entry_id) FROM procgov.audit_trail WHERE entity_id = 'BIA' AND doc_number = 'A1' AND action IN ('create', 'transition')), 'draft pending_approval approved transmitted acknowledged received'),
	(19, 'audit_trail: the approver by name, with the order''s correlation id', (SELECT who || ' ' || (correlation_id = (SELECT correlation_id FROM procgov.purchase_order WHERE entity_id = 'BIA' AND number = 'A1'))
		FROM procgov.audit_trail WHERE entity_id = 'BIA' AND doc_number = 'A1' AND action = 'approve'), 'amy.approver true');
SELECT n, what, got, want, got IS NOT DISTINCT FROM want AS ok FROM bi_check ORDER BY n;
SELECT procgov.emit('po.changed', 'purchase_order:BIA:A2', '{}') IS NOT NULL AS emitted;
SELECT consumer, pending, oldest_pending_age IS NOT NULL AS waits FROM procgov.event_backlog WHERE consumer = 'bi-sync';
-- the rule for laptops never fired; nothing was left to the default role
SELECT entity_id, policy_version, finding, rule FROM procgov.policy_coverage WHERE entity_id IN ('BIA', 'BIB') ORDER BY rule;

-- ---- roles, one at a time ----
CREATE ROLE regress_bi_reader IN ROLE procgov_reader;
CREATE ROLE regress_bi_req IN ROLE procgov_requester;
CREATE ROLE regress_bi_appr IN ROLE procgov_approver, procgov_service;
CREATE ROLE regress_bi_audit IN ROLE procgov_auditor;
CREATE ROLE regress_bi_erp IN ROLE procgov_service, procgov_requester;
CREATE ROLE regress_bi_plain;
INSERT INTO procgov.entity_grant (grantee, entity_id) VALUES
	('regress_bi_reader', 'BIA'), ('regress_bi_req', 'BIA'), ('regress_bi_appr', 'BIA'), ('pat.person', 'BIB');

-- the BI login: the views of its entity, nothing else
SET ROLE regress_bi_reader;
SELECT entity_id, count(*) AS cases FROM procgov.exception_rate GROUP BY 1 ORDER BY 1;
SELECT DISTINCT entity_id FROM procgov.approval_queue ORDER BY 1;
SELECT count(*) FROM procgov.purchase_order;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM procgov.audit_log;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM procgov.three_way_match('BIA', 'IA1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM procgov.drift(now());
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.approve_document('purchase_order', 'BIA', 'A2');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM procgov.entity_grant;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- its own grants only: it cannot grant itself more
INSERT INTO procgov.entity_grant (grantee, entity_id) VALUES ('regress_bi_reader', NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- a requester: its entity's documents, and only through the API for changes
SET ROLE regress_bi_req;
SELECT entity_id, number, state FROM procgov.purchase_order WHERE entity_id IN ('BIA', 'BIB') ORDER BY number;
SELECT count(*) AS other_entity_lines FROM procgov.purchase_order_line WHERE entity_id = 'BIB';
SET procgov.actor = 'bob.buyer';
SELECT procgov.create_purchase_order('BIB', 'SB', '[{"description": "x", "quantity": 1, "unit_price": "1 EUR"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.cancel_document('purchase_order', 'BIB', 'B1', 'not mine');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM procgov.evaluate('purchase_order', 'BIB', 'B1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- approving as a requester, changing policy without admin
SELECT procgov.approve_document('purchase_order', 'BIA', 'A2');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.policy (entity_id, version, name) VALUES ('BIA', 1, 'mine');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.activate_policy('BIA', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- writing the ledger, or around the rules
SELECT procgov.audit_append('purchase_order:BIA:A2', 'approve', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.purchase_order SET state = 'approved' WHERE entity_id = 'BIA' AND number = 'A2';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET procgov.actor;
RESET ROLE;

-- an approver of BIA only: BIB's order is not its to approve
SET ROLE regress_bi_appr;
SET procgov.actor = 'amy.approver';
SELECT procgov.approve_document('purchase_order', 'BIB', 'B1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT entity_id, doc_number, approver FROM procgov.approval_queue ORDER BY 1, 2;
SELECT procgov.approve_document('purchase_order', 'BIA', 'A2') ->> 'state' AS a2;
RESET procgov.actor;
RESET ROLE;

-- an approver of another entity: a step of an entity it may not see reads
-- as a step that does not exist (the same error as for an id nobody has)
CREATE ROLE regress_bi_appr_b IN ROLE procgov_approver;
INSERT INTO procgov.entity_grant (grantee, entity_id) VALUES ('regress_bi_appr_b', 'BIB');
SELECT step_id AS bia_step FROM procgov.approval_step WHERE entity_id = 'BIA' ORDER BY step_id LIMIT 1 \gset
SET ROLE regress_bi_appr_b;
SET procgov.actor = 'bert.approver';
\set VERBOSITY sqlstate
SELECT procgov.approve(:bia_step);
SELECT procgov.reject(:bia_step, 'not mine');
SELECT procgov.approve(0);
\set VERBOSITY default
RESET procgov.actor;
RESET ROLE;
DELETE FROM procgov.entity_grant WHERE grantee = 'regress_bi_appr_b';
DROP ROLE regress_bi_appr_b;

-- the auditor: every entity (procgov_auditor's grant of all, installed with procgov), reads and verifies, writes nothing
SET ROLE regress_bi_audit;
SELECT entity_id, count(*) AS entries FROM procgov.audit_trail WHERE entity_id IN ('BIA', 'BIB') GROUP BY 1 ORDER BY 1;
SELECT count(*) AS problems FROM procgov.verify_audit();
SELECT procgov.audit_append('purchase_order:BIA:A2', 'tamper', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.audit_log SET reason = 'x' WHERE stream = 'purchase_order:BIA:A1';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- the ERP's service login sees what the person it names may see, nothing without one
SET ROLE regress_bi_erp;
SELECT count(*) AS without_person FROM procgov.purchase_order WHERE entity_id IN ('BIA', 'BIB');
SET procgov.actor = 'pat.person';
SELECT entity_id, number FROM procgov.purchase_order WHERE entity_id IN ('BIA', 'BIB') ORDER BY number;
SELECT procgov.create_purchase_order('BIB', 'SB', '[{"description": "tape", "quantity": 2, "unit_price": "3 EUR"}]', number => 'B2') ->> 'state' AS b2;
SELECT procgov.submit_order('BIA', 'A2');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET procgov.actor;
RESET ROLE;
-- naming a person is for procgov_service logins: anyone else naming pat.person still sees only its own grants
SET ROLE regress_bi_req;
SET procgov.actor = 'pat.person';
SELECT DISTINCT entity_id FROM procgov.purchase_order WHERE entity_id IN ('BIA', 'BIB') ORDER BY 1;
RESET procgov.actor;
RESET ROLE;

-- a login with no procgov role at all
SET ROLE regress_bi_plain;
SELECT count(*) FROM procgov.approval_queue;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_purchase_order('BIA', 'SA', '[{"description": "x", "quantity": 1, "unit_price": "1 USD"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- ---- what a review found: each refused now ----
-- an ERP login naming a role as the person borrows nothing (procgov_auditor sees every entity)
SET ROLE regress_bi_erp;
SET procgov.actor = 'procgov_auditor';
SELECT count(*) AS seen_as_auditor FROM procgov.purchase_order WHERE entity_id IN ('BIA', 'BIB');
SELECT procgov.cancel_document('purchase_order', 'BIB', 'B1', 'spoof');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET procgov.actor;
RESET ROLE;
-- another entity's stored idempotent result, its policy through a what-if, its cases, its approvers
SET procgov.actor = 'ben.buyer';
SELECT procgov.create_purchase_order('BIB', 'SB', '[{"description": "glue", "quantity": 1, "unit_price": "2 EUR"}]',
	number => 'B3', idempotency_key => 'erp-req-77') ->> 'number' AS b3;
RESET procgov.actor;
SET ROLE regress_bi_req;
SET procgov.actor = 'bob.buyer';
SELECT procgov.create_purchase_order('BIB', 'SB', '[{"description": "glue", "quantity": 1, "unit_price": "2 EUR"}]',
	number => 'B3', idempotency_key => 'erp-req-77');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM procgov.explain('purchase_order', '{"entity_id": "BIB", "total": "100 EUR"}'::jsonb, NULL::bigint);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS other_entity_approvers FROM procgov.approver WHERE entity_id = 'BIB';
RESET procgov.actor;
RESET ROLE;
SET ROLE regress_bi_appr;
SET procgov.actor = 'amy.approver';
SELECT procgov.accept_variance('BIB', (SELECT max(case_id) FROM procgov.exception_case), 'not mine');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET procgov.actor;
RESET ROLE;
-- a leaky function in the reader's own conditions sees only its entities' rows, in every view
CREATE SCHEMA regress_bi_leak AUTHORIZATION regress_bi_reader;
SET ROLE regress_bi_reader;
CREATE FUNCTION regress_bi_leak.leak(text) RETURNS boolean LANGUAGE plpgsql COST 0.0001
	AS $$ BEGIN RAISE NOTICE 'saw %', $1; RETURN true; END $$;
SELECT count(*) FROM procgov.policy_coverage WHERE regress_bi_leak.leak(entity_id);
SELECT count(*) FROM procgov.audit_trail WHERE entity_id IN ('BIA', 'BIB') AND regress_bi_leak.leak(entity_id) AND action = 'approve';
RESET ROLE;
DROP SCHEMA regress_bi_leak CASCADE;

-- ---- search_path attacks: look-alikes in a schema of the caller's, first on its path ----
CREATE SCHEMA regress_bi_attack AUTHORIZATION regress_bi_req;
SET ROLE regress_bi_req;
CREATE FUNCTION regress_bi_attack.current_actor() RETURNS text LANGUAGE sql AS $$ SELECT 'amy.approver' $$;
CREATE FUNCTION regress_bi_attack.current_setting(text) RETURNS text LANGUAGE sql AS $$ SELECT 'pat.person' $$;
CREATE FUNCTION regress_bi_attack.pg_has_role(text, oid, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE FUNCTION regress_bi_attack.split_part(text, text, integer) RETURNS text LANGUAGE sql AS $$ SELECT 'BIA' $$;
CREATE FUNCTION regress_bi_attack.always(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR regress_bi_attack.= (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_bi_attack.always);
SET search_path = regress_bi_attack, pg_catalog, procgov, public;
SET procgov.actor = 'bob.buyer';
-- still only BIA (row-level security's predicates were bound to pg_catalog's functions when
-- procgov was installed), still refused where it was, still the login's own name (it is no
-- procgov_service login, so procgov.actor names nobody)
SELECT DISTINCT entity_id FROM procgov.purchase_order WHERE entity_id IN ('BIA', 'BIB') ORDER BY 1;
SELECT count(*) AS other_entity_cases FROM procgov.exception_case WHERE entity_id OPERATOR(pg_catalog.=) 'BIB';
SELECT procgov.submit_order('BIB', 'B1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_purchase_order('BIA', 'SA', '[{"item": "BOLT", "quantity": 1, "unit_price": "1.00 USD"}]', number => 'A3') ->> 'state' AS a3;
RESET procgov.actor;
RESET search_path;
SELECT created_by, buyer FROM procgov.purchase_order WHERE entity_id = 'BIA' AND number = 'A3';
RESET ROLE;
DROP SCHEMA regress_bi_attack CASCADE;
SELECT count(*) AS problems FROM procgov.verify_audit();

-- ---- one answer per transaction, forgotten as soon as grants, memberships, role or person change ----
BEGIN;
SET LOCAL ROLE regress_bi_req;
SELECT procgov.visible_entities() AS req_sees;
RESET ROLE;
INSERT INTO procgov.entity_grant (grantee, entity_id) VALUES ('regress_bi_req', 'BIB');
SET LOCAL ROLE regress_bi_req;
SELECT procgov.visible_entities() AS req_granted_bib, count(*) AS bib_orders FROM procgov.purchase_order WHERE entity_id = 'BIB';
RESET ROLE;
SAVEPOINT revoke_bib;
DELETE FROM procgov.entity_grant WHERE grantee = 'regress_bi_req' AND entity_id = 'BIB';
SET LOCAL ROLE regress_bi_req;
SELECT procgov.visible_entities() AS req_revoked;
SELECT procgov.submit_order('BIB', 'B1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK TO SAVEPOINT revoke_bib;
SET LOCAL ROLE regress_bi_req;
SELECT procgov.visible_entities() AS req_revoke_rolled_back;
RESET ROLE;
SAVEPOINT grant_plain;
INSERT INTO procgov.entity_grant (grantee, entity_id) VALUES ('regress_bi_plain', 'BIA');
SET LOCAL ROLE regress_bi_plain;
SELECT procgov.visible_entities() AS plain_granted;
ROLLBACK TO SAVEPOINT grant_plain;
SET LOCAL ROLE regress_bi_plain;
SELECT procgov.visible_entities() AS plain_grant_rolled_back;
RESET ROLE;
GRANT regress_bi_req TO regress_bi_plain;
SET LOCAL ROLE regress_bi_plain;
SELECT procgov.visible_entities() AS plain_member_of_req;
RESET ROLE;
SET LOCAL ROLE regress_bi_erp;
SET LOCAL procgov.actor = 'pat.person';
SELECT procgov.visible_entities() AS erp_as_pat;
SET LOCAL procgov.actor = 'nobody.known';
SELECT procgov.visible_entities() AS erp_as_nobody, procgov.sees_all_entities() AS erp_sees_all;
SELECT procgov.submit_order('BIB', 'B1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
SET ROLE regress_bi_plain;
SELECT procgov.visible_entities() AS plain_after_rollback;
RESET ROLE;

-- ---- what a second review found: each refused now ----
-- a login that is not procgov_service names nobody: it acts, and is recorded, as itself
-- (it could approve its own order by naming another approver)
SET ROLE regress_bi_req;
SET procgov.actor = 'amy.approver';
SELECT procgov.current_actor() AS recorded_as;
RESET procgov.actor;
RESET ROLE;
-- procgov's trigger functions are nobody's to attach: one on a table of one's own wrote the ledger
SET ROLE regress_bi_plain;
CREATE TEMP TABLE fake_map (relid regclass, local_status text, state text, via text);
CREATE TRIGGER fake AFTER INSERT ON fake_map FOR EACH ROW EXECUTE FUNCTION procgov.state_map_audit();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE TRIGGER fake BEFORE UPDATE ON fake_map FOR EACH ROW EXECUTE FUNCTION procgov.govern_document();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TABLE fake_map;
RESET ROLE;
-- nothing that acts with procgov's rights is PUBLIC's
SELECT count(*) AS public_definer_or_trigger_functions FROM pg_proc p
 WHERE p.pronamespace = 'procgov'::regnamespace
   AND (p.prosecdef OR p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype))
   AND has_function_privilege('public', p.oid, 'EXECUTE');
-- a guard or effect runs as its function's owner: only functions of their shape, that the writer may execute
CREATE ROLE regress_bi_admin IN ROLE procgov_admin;
SET ROLE regress_bi_admin;
INSERT INTO procgov.guard (guard, function, description, hint) VALUES ('x', 'pg_catalog.lo_import(text, oid)', 'x', 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.guard (guard, function, description, hint) VALUES ('x', 'pg_catalog.int4pl(integer, integer)', 'x', 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.effect (effect, function, description) VALUES ('x', 'procgov.guard_has_lines(text, jsonb)', 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.guard SET function = 'pg_catalog.textcat(text, text)' WHERE guard = 'has_lines';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
CREATE FUNCTION public.regress_private_guard(kind text, doc jsonb) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
REVOKE EXECUTE ON FUNCTION public.regress_private_guard(text, jsonb) FROM PUBLIC;
SET ROLE regress_bi_admin;
INSERT INTO procgov.guard (guard, function, description, hint) VALUES ('x', 'public.regress_private_guard(text, jsonb)', 'x', 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP FUNCTION public.regress_private_guard(text, jsonb);
-- and one that got there anyway (written with the rules off by a superuser) is never called
BEGIN;
ALTER TABLE procgov.guard DISABLE TRIGGER guard_function;
INSERT INTO procgov.guard (guard, function, description, hint) VALUES ('crash', 'pg_catalog.int4pl(integer, integer)', 'x', 'x');
ALTER TABLE procgov.guard ENABLE TRIGGER guard_function;
UPDATE procgov.transition SET guards = guards || '{crash}' WHERE kind = 'purchase_order' AND from_state = 'draft' AND to_state = 'cancelled';
SET LOCAL procgov.actor = 'ben.buyer';
SELECT procgov.cancel_document('purchase_order', 'BIB', 'B2', 'test');
ROLLBACK;
-- a case is settled through the API only: an admin may reassign it, not resolve it by hand
SET ROLE regress_bi_admin;
UPDATE procgov.exception_case SET status = 'resolved', resolved_at = now(), resolved_by = 'carol.controller',
	resolution = 'variance_accepted' WHERE entity_id = 'BIA';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.exception_case (entity_id, kind, doc_kind, doc_number, status, resolved_at, resolution)
VALUES ('BIA', 'price_over', 'invoice', 'IA1', 'resolved', now(), 'variance_accepted');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.exception_case SET owner = 'carol.controller', due_at = due_at + interval '1 day' WHERE entity_id = 'BIA';
RESET ROLE;
-- the matching operator reads another entity's orders and tolerances only for those who may see it
SET ROLE regress_bi_appr;
SELECT procgov.line_matches(
	jsonb_populate_record(NULL::procgov.invoice_line, '{"entity_id": "BIB", "invoice_id": 1, "line_no": 1, "description": "x", "quantity": 1, "unit_price": "10 EUR"}'),
	jsonb_populate_record(NULL::procgov.purchase_order_line, '{"entity_id": "BIB", "po_id": 1, "line_no": 1, "description": "x", "quantity": 1, "unit_price": "10 EUR"}'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_bi_admin;

-- ---- what a review of the views' figures found ----
INSERT INTO procgov.entity (entity_id, name, base_currency) VALUES ('BIC', 'BI figures', 'USD');
INSERT INTO procgov.supplier (entity_id, code, name, status) VALUES ('BIC', 'SC', 'Supplier C', 'approved');
INSERT INTO procgov.approver (entity_id, person, role) VALUES ('BIC', 'amy.approver', 'approver'), ('BIC', 'fay.finance', 'finance');
INSERT INTO procgov.policy (entity_id, version, name, default_role) VALUES ('BIC', 1, 'two in parallel', 'approver');
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, doc_kind, outcome, role)
SELECT 'BIC', policy_id, r.name, 'purchase_order', 'require', r.role FROM procgov.policy, (VALUES ('an approver', 'approver'), ('finance', 'finance')) r(name, role)
 WHERE entity_id = 'BIC';
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, category_prefix, outcome, reason)
SELECT 'BIC', policy_id, 'no gold', '99', 'block', 'gold is not bought' FROM procgov.policy WHERE entity_id = 'BIC';
SET procgov.actor = 'ctl.c';
SELECT procgov.activate_policy('BIC', 1) ->> 'status' AS policy;
SET procgov.actor = 'bob.buyer';
SELECT procgov.create_purchase_order('BIC', 'SC', '[{"description": "gloves", "quantity": 10, "unit_price": "1.00 USD"}]', number => n) ->> 'number' AS po,
	   procgov.submit_order('BIC', n) ->> 'state' AS state
  FROM unnest(ARRAY['C1', 'C2', 'C3', 'C4']) n;
-- a rejected and a withdrawn order take their open steps with them: none is left to queue or escalate
SET procgov.actor = 'amy.approver';
SELECT procgov.reject_document('purchase_order', 'BIC', 'C1', 'wrong gloves') ->> 'state' AS c1;
SET procgov.actor = 'bob.buyer';
SELECT procgov.cancel_document('purchase_order', 'BIC', 'C2', 'not needed') ->> 'state' AS c2;
SELECT doc_number, role, status FROM procgov.approval_step WHERE entity_id = 'BIC' AND doc_number IN ('C1', 'C2') ORDER BY 1, 2;
SELECT doc_number, count(*) AS queued FROM procgov.approval_queue WHERE entity_id = 'BIC' GROUP BY 1 ORDER BY 1;
-- C3 approved, acknowledged, changed and approved again, acknowledged again; C4 approved by one of its two steps only
SET procgov.actor = 'amy.approver';
SELECT procgov.approve_document('purchase_order', 'BIC', n) ->> 'state' AS state FROM unnest(ARRAY['C3', 'C4']) n;
SET procgov.actor = 'fay.finance';
SELECT procgov.approve_document('purchase_order', 'BIC', 'C3') ->> 'state' AS c3;
SET procgov.actor = 'bob.buyer';
SELECT procgov.transmit_order('BIC', 'C3') ->> 'state' AS c3;
SELECT procgov.record_acknowledgement('BIC', 'C3') ->> 'state' AS c3;
UPDATE procgov.purchase_order_line l SET unit_price = '1.50 USD' FROM procgov.purchase_order p
 WHERE p.entity_id = 'BIC' AND p.number = 'C3' AND l.entity_id = p.entity_id AND l.po_id = p.po_id;
SELECT state, version FROM procgov.purchase_order WHERE entity_id = 'BIC' AND number = 'C3';
SELECT number, approved_at IS NOT NULL AS approved, acknowledged_at IS NOT NULL AS acknowledged
  FROM procgov.order_milestones WHERE entity_id = 'BIC' AND number IN ('C3', 'C4') ORDER BY 1;
SET procgov.actor = 'amy.approver';
SELECT procgov.approve_document('purchase_order', 'BIC', 'C3') ->> 'state' AS c3;
SET procgov.actor = 'fay.finance';
SELECT procgov.approve_document('purchase_order', 'BIC', 'C3') ->> 'state' AS c3;
SET procgov.actor = 'bob.buyer';
SELECT procgov.transmit_order('BIC', 'C3') ->> 'state' AS c3;
SELECT procgov.record_acknowledgement('BIC', 'C3') ->> 'state' AS c3;
RESET procgov.actor;
SELECT number, approved_at >= submitted_at AS approved_after_submission, acknowledged_at >= approved_at AS acknowledged_after_approval,
	   (SELECT count(*) FROM procgov.acknowledgement k WHERE k.entity_id = m.entity_id AND k.po_id = m.po_id) AS acknowledgements
  FROM procgov.order_milestones m WHERE entity_id = 'BIC' AND number = 'C3';
SELECT stage, documents, avg_hours >= 0 AS never_negative FROM procgov.cycle_times
 WHERE entity_id = 'BIC' AND stage IN ('submit_to_approval', 'order_to_acknowledgement') ORDER BY stage;
-- an order's category is its lowest real one: an item without a category does not win with its empty code
INSERT INTO procgov.item (entity_id, sku, description, category_code) VALUES ('BIC', 'MISC', 'Sundries', ''), ('BIC', 'PC', 'Laptop', '43.21');
SET procgov.actor = 'bob.buyer';
SELECT procgov.create_purchase_order('BIC', 'SC', '[{"item": "MISC", "quantity": 1, "unit_price": "1.00 USD"}, {"item": "PC", "quantity": 1, "unit_price": "900.00 USD"}]',
	number => 'C5') ->> 'number' AS po;
RESET procgov.actor;
SELECT number, category FROM procgov.order_milestones WHERE entity_id = 'BIC' AND number = 'C5';
-- a block rule leaves no step, so nothing says whether it fired: it is not listed as never fired
SELECT finding, rule FROM procgov.policy_coverage WHERE entity_id = 'BIC' ORDER BY rule;

-- a table's own code that maintenance runs (an index expression under ANALYZE,
-- here a superuser's) runs as the table's owner: procgov judges that owner,
-- not the role that started the maintenance.  The reader's code sees its own
-- entity only; the requester's, calling the API, is refused
CREATE SCHEMA regress_bi_own AUTHORIZATION regress_bi_reader;
GRANT USAGE, CREATE ON SCHEMA regress_bi_own TO regress_bi_req;
SET ROLE regress_bi_reader;
CREATE TABLE regress_bi_own.seen (who text, entity text);
CREATE FUNCTION regress_bi_own.grab() RETURNS void LANGUAGE plpgsql VOLATILE AS $f$
BEGIN
	INSERT INTO regress_bi_own.seen SELECT DISTINCT procgov.calling_role(), entity_id FROM procgov.audit_trail;
END $f$;
CREATE FUNCTION regress_bi_own.look(a int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
	IF a = 1 THEN
		PERFORM regress_bi_own.grab();
	END IF;
	RETURN a;
END $f$;
CREATE TABLE regress_bi_own.t (a int);
INSERT INTO regress_bi_own.t SELECT generate_series(1, 3);
CREATE INDEX ON regress_bi_own.t (regress_bi_own.look(a));
TRUNCATE regress_bi_own.seen;
RESET ROLE;
ANALYZE regress_bi_own.t;
SELECT who, entity FROM regress_bi_own.seen ORDER BY entity;
SET ROLE regress_bi_req;
CREATE TABLE regress_bi_own.armed (on_ boolean);
CREATE FUNCTION regress_bi_own.forge() RETURNS void LANGUAGE plpgsql VOLATILE AS $f$
BEGIN
	PERFORM set_config('procgov.actor', 'ben.buyer', true);
	PERFORM procgov.create_purchase_order('BIB', 'SB', '[{"description": "forged", "quantity": 1, "unit_price": "9999 EUR"}]',
										  number => 'FORGED');
END $f$;
CREATE FUNCTION regress_bi_own.act(a int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
	IF a = 1 AND EXISTS (SELECT FROM regress_bi_own.armed) THEN
		PERFORM regress_bi_own.forge();
	END IF;
	RETURN a;
END $f$;
CREATE TABLE regress_bi_own.t2 (a int);
INSERT INTO regress_bi_own.t2 SELECT generate_series(1, 3);
CREATE INDEX ON regress_bi_own.t2 (regress_bi_own.act(a));
INSERT INTO regress_bi_own.armed VALUES (true);
RESET ROLE;
ANALYZE regress_bi_own.t2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS forged FROM procgov.purchase_order WHERE number = 'FORGED';
DROP SCHEMA regress_bi_own CASCADE;

DELETE FROM procgov.entity_grant WHERE grantee IN ('regress_bi_reader', 'regress_bi_req', 'regress_bi_appr', 'pat.person');
DROP ROLE regress_bi_reader, regress_bi_req, regress_bi_appr, regress_bi_audit, regress_bi_erp, regress_bi_plain;

-- a new session whose first statement reads a view: procgov's settings are read
-- even before its library is loaded (it used to fail: unrecognized configuration parameter)
\c -
SELECT count(*) >= 0 AS read FROM procgov.order_milestones;
SELECT procgov.visible_entities() IS NOT NULL AS answered;
