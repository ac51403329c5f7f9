#!/usr/bin/env bash
# Documents, policies, approvals, governed ERP tables and the ledger survive pg_dump and restore:
# restored with session_replication_role = replica (so the governance
# triggers do not judge history again), every row is back, the ledger
# verifies, the id sequences and document numbers continue, and the restored
# database governs new documents under the restored policy.  Restored without
# it, the governance trigger refuses the history loudly: nothing half-restores
# in silence.
set -u
cd "$(dirname "$0")/../.."
. test/tap/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"; for d in tap_model_src tap_model_dst tap_model_bad; do dropdb --if-exists $d >/dev/null 2>&1; done' EXIT
for d in tap_model_src tap_model_dst tap_model_bad; do dropdb --if-exists $d >/dev/null 2>&1; done
createdb tap_model_src
q -d tap_model_src >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION procgov;
SET procgov.notify = off;
INSERT INTO procgov.entity (entity_id, name, base_currency) VALUES ('NWS', 'Northwind', 'USD');
INSERT INTO procgov.supplier (entity_id, code, name, status, iban, created_at)
VALUES ('NWS', 'KEY', 'Keystone', 'approved', 'GB29NWBK60161331926819', '2019-01-01');
INSERT INTO procgov.budget (entity_id, cost_center, period, amount, committed, spent) VALUES ('NWS', 'WH', '2026-11', '50000 USD', '0 USD', '0 USD');
INSERT INTO procgov.approver (entity_id, person, role) VALUES ('NWS', 'omar', 'manager'), ('NWS', 'dora', 'director');
INSERT INTO procgov.policy (entity_id, version, name) VALUES ('NWS', 1, 'matrix');
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, amount_min, outcome, role)
SELECT 'NWS', policy_id, 'director above 5k', '5000 USD', 'require', 'director' FROM procgov.policy;
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, amount_max, outcome, role)
SELECT 'NWS', policy_id, 'manager below 5k', '5000 USD', 'require', 'manager' FROM procgov.policy;
SELECT procgov.activate_policy('NWS', 1);
SET procgov.actor = 'ben';
SELECT procgov.create_purchase_order('NWS', 'KEY', jsonb_build_array(jsonb_build_object('description', 'bolts', 'quantity', 100, 'unit_price', '12.00 USD')),
	cost_center => 'WH', budget_period => '2026-11');
SELECT procgov.submit_order('NWS', 'PO-000001');
SET procgov.actor = 'omar';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-000001');
SET procgov.actor = 'ben';
SELECT procgov.transmit_order('NWS', 'PO-000001');
SET procgov.actor = 'rita';
SELECT procgov.post_receipt('NWS', 'PO-000001', '[{"line": 1, "quantity": 40}]');
SET procgov.actor = 'ben';
SELECT procgov.create_purchase_order('NWS', 'KEY', jsonb_build_array(jsonb_build_object('description', 'racks', 'quantity', 10, 'unit_price', '900.00 USD')));
SELECT procgov.submit_order('NWS', 'PO-000002');
-- an ERP's own table under governance, with an order waiting for approval
CREATE SCHEMA erp;
CREATE TABLE erp.po (id integer PRIMARY KEY, name text NOT NULL, state text NOT NULL, vendor text NOT NULL, amount numeric NOT NULL);
SELECT procgov.govern('erp.po', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "to approve": "pending_approval", "purchase": ["approved", "transmitted"]}',
	entity => 'NWS', number => 'name', supplier => 'vendor', amount => 'amount');
INSERT INTO erp.po VALUES (1, 'E-1', 'draft', 'KEY', 400);
UPDATE erp.po SET state = 'to approve' WHERE id = 1;
SELECT procgov.seal_audit() IS NOT NULL;
-- the site's own rules, made by editing and deleting rows procgov ships (docs/model.md)
RESET procgov.actor;
UPDATE procgov.transition SET guards = guards || '{supplier_active}'
 WHERE kind = 'purchase_order' AND from_state = 'draft' AND to_state = 'pending_approval';
DELETE FROM procgov.transition WHERE kind = 'purchase_order' AND from_state = 'partially_received' AND to_state = 'closed';
DELETE FROM procgov.transition WHERE kind = 'purchase_order' AND from_state = 'received' AND to_state = 'closed';
INSERT INTO procgov.transition (kind, from_state, to_state, effects, event_type, description)
VALUES ('purchase_order', 'received', 'closed', '{release_budget}', 'po.closed', 'closed by the controller only');
UPDATE procgov.drift_rule SET enabled = false WHERE kind = 'erp_state_drift' AND entity_id IS NULL;
DELETE FROM procgov.entity_grant WHERE grantee = 'procgov_auditor';
INSERT INTO procgov.supplier (entity_id, code, name, status, iban) VALUES ('NWS', 'HOLD', 'On hold', 'on_hold', 'DE89370400440532013000');
SQL
counts="SELECT (SELECT count(*) FROM procgov.purchase_order) || '/' || (SELECT count(*) FROM procgov.purchase_order_line) || '/' ||
	(SELECT count(*) FROM procgov.receipt) || '/' || (SELECT count(*) FROM procgov.approval_step) || '/' ||
	(SELECT count(*) FROM procgov.approval) || '/' || (SELECT count(*) FROM procgov.policy) || '/' ||
	(SELECT count(*) FROM procgov.approval_rule) || '/' || (SELECT count(*) FROM procgov.audit_log) || '/' ||
	(SELECT count(*) FROM procgov.outbox) || '/' || (SELECT committed FROM procgov.budget)"
src_counts=$(q -d tap_model_src -c "$counts")
rules="SELECT (SELECT string_agg(kind || ':' || coalesce(from_state::text, '-') || ':' || to_state || ':' || guards::text || ':' || description, ','
		ORDER BY kind, from_state NULLS FIRST, to_state) FROM procgov.transition) || '|' ||
	(SELECT string_agg(coalesce(entity_id, '*') || ':' || kind || ':' || enabled, ',' ORDER BY entity_id NULLS FIRST, kind) FROM procgov.drift_rule) || '|' ||
	(SELECT count(*) FROM procgov.entity_grant)"
src_rules=$(q -d tap_model_src -c "$rules")
is "$(q -d tap_model_src -c "SELECT count(*) FROM procgov.verify_audit()")" 0 "the original ledger verifies"

pg_dump -Fc -f "$work/model.dump" tap_model_src
ok $? "pg_dump of a database with documents and a policy"

createdb tap_model_dst
PGOPTIONS='-c session_replication_role=replica' pg_restore -d tap_model_dst "$work/model.dump" 2>"$work/restore.err"
ok $? "pg_restore with session_replication_role = replica $(head -c 300 "$work/restore.err")"
is "$(q -d tap_model_dst -c "$counts")" "$src_counts" "every order, line, receipt, step, approval, policy, rule, ledger entry and event is back, and the budget's commitment"
is "$(q -d tap_model_dst -c "SELECT count(*) FROM procgov.verify_audit()")" 0 "the restored ledger verifies"
is "$(q -d tap_model_dst -c "$rules")" "$src_rules" \
   "the site's edits of procgov's own rules are back: a guard added, transitions deleted and replaced, a drift rule off, the auditor's grant gone"
is "$(q -d tap_model_dst -c "SET procgov.notify = off; SET procgov.actor = 'ben';
	SELECT procgov.create_purchase_order('NWS', 'HOLD', jsonb_build_array(jsonb_build_object('description', 'x', 'quantity', 1, 'unit_price', '1.00 USD')), number => 'H-1');
	SELECT procgov.submit_order('NWS', 'H-1')" 2>&1 | grep -c 'guard supplier_active does not hold')" 1 \
   "the restored rules govern: the added guard refuses an order to a supplier on hold"
is "$(q -d tap_model_dst -c "SELECT string_agg(number || ':' || state, ',' ORDER BY number) FROM procgov.purchase_order")" \
   "E-1:pending_approval,PO-000001:partially_received,PO-000002:pending_approval" "the documents keep their states"
is "$(q -d tap_model_dst -c "SELECT status || ':' || (hash = procgov.policy_hash('NWS', 1)) FROM procgov.policy")" "active:true" \
   "the policy is still active and its hash still verifies"

# the restored database governs: numbers and ids continue, the policy plans, the rules refuse
is "$(q -d tap_model_dst -c "SET procgov.notify = off; SET procgov.actor = 'ben';
	SELECT procgov.create_purchase_order('NWS', 'KEY', jsonb_build_array(jsonb_build_object('description', 'tape', 'quantity', 1, 'unit_price', '9.00 USD'))) ->> 'number'" | tail -1)" \
   "PO-000003" "document numbers continue after the restore"
is "$(q -d tap_model_dst -c "SELECT (SELECT max(po_id) FROM procgov.purchase_order) > 2")" t "identity sequences continue after the restore"
is "$(q -d tap_model_dst -c "SET procgov.notify = off; SET procgov.actor = 'ben';
	SELECT procgov.submit_order('NWS', 'PO-000003') #>> '{steps,0,role}'" | tail -1)" manager "the restored policy plans the next submit"
is "$(q -d tap_model_dst -c "SET procgov.notify = off; SET procgov.actor = 'dora';
	SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-000002') ->> 'state'" | tail -1)" approved \
   "a step planned before the dump is approved after the restore"
is "$(q -d tap_model_dst -c "UPDATE procgov.purchase_order SET state = 'closed' WHERE number = 'PO-000003'" 2>&1 | grep -c 'cannot move from pending_approval to closed')" 1 \
   "the restored tables are governed again"
is "$(q -d tap_model_dst -c "SELECT relid::text || ':' || (SELECT count(*) FROM procgov.state_map m WHERE m.relid = t.relid) || ':' ||
	(SELECT string_agg(erp_key || '=' || local_status, ',') FROM procgov.governed_row r WHERE r.relid = t.relid) FROM procgov.governed_table t")" \
   "erp.po:3:1=to approve" "the governed ERP table's mapping and links are back"
is "$(q -d tap_model_dst -c "UPDATE erp.po SET state = 'purchase' WHERE id = 1" 2>&1 | grep -c 'guard approval_complete does not hold (erp.po row 1: status "to approve" to "purchase")')" 1 \
   "the restored ERP table is governed again: its confirm before approval is refused"
is "$(q -d tap_model_dst -c "SET procgov.notify = off; SET procgov.actor = 'omar';
	SELECT procgov.approve_document('purchase_order', 'NWS', 'E-1') ->> 'state'; UPDATE erp.po SET state = 'purchase' WHERE id = 1;
	SELECT state FROM procgov.purchase_order WHERE number = 'E-1'" | tail -1)" transmitted "and once approved, the ERP's confirm moves it on"
is "$(q -d tap_model_dst -c "SELECT count(*) FROM procgov.verify_audit()")" 0 "the ledger verifies after new entries"

# without replica mode the trigger refuses to judge history as new documents
createdb tap_model_bad
pg_restore -d tap_model_bad "$work/model.dump" 2>"$work/bad.err"
is "$(grep -c 'cannot be created in state' "$work/bad.err" | awk '{print ($1 > 0)}')" 1 "a restore without replica mode is refused loudly by the governance trigger"
done_testing
