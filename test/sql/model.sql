-- procgov canonical model: the SQL API, the governance trigger on direct
-- updates, material changes, supplier controls, budget, bank changes,
-- idempotency, correlation, and every refusal
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET procgov.notify = off;
SET search_path = public, procgov;

-- master data
INSERT INTO procgov.entity (entity_id, name, base_currency, controller) VALUES
	('ACME', 'Acme Distribution GmbH', 'EUR', 'c.controller'),
	('NWS', 'Northwind Supply Inc', 'USD', NULL);
INSERT INTO procgov.supplier (entity_id, code, name, status, risk_tier, iban) VALUES
	('ACME', 'S-KEY', 'Keystone Fasteners', 'approved', 'low', 'DE89370400440532013000'),
	('ACME', 'S-NEW', 'Newco Packaging', 'prospective', 'high', NULL),
	('ACME', 'S-HOLD', 'Holdover Metals', 'on_hold', 'medium', 'FR1420041010050500013M02606');
INSERT INTO procgov.item (entity_id, sku, gtin, description, category_code) VALUES
	('ACME', 'HX-M8', '4006381333931', 'Hex bolt M8, zinc', '31.16'),
	('ACME', 'PAL-EU', NULL, 'EUR pallet', '24.11');
INSERT INTO procgov.budget (entity_id, cost_center, period, amount, committed, spent) VALUES
	('ACME', 'CC-100', '2026-11', '2000 EUR', '0 EUR', '0 EUR');
SELECT count(*) AS stream_entries_before FROM procgov.audit_log WHERE stream LIKE '%:ACME:%' \gset

-- a requisition, start to finish
SET procgov.actor = 'j.doe';
SELECT procgov.create_requisition('ACME', 'CC-100',
	'[{"item": "HX-M8", "quantity": 40, "unit_price": "18.75 EUR", "supplier": "S-KEY"},
	  {"item": "PAL-EU", "quantity": 12, "unit_price": "14.20 EUR", "supplier": "S-KEY"}]',
	budget_period => '2026-11', needed_by => '2026-12-01') - 'correlation_id' AS created;
SELECT number, state, requester, total, budget_id IS NOT NULL AS budgeted FROM procgov.requisition;
SELECT line_no, description, quantity, unit_price FROM procgov.requisition_line ORDER BY line_no;
SELECT procgov.submit_requisition('ACME', 'REQ-000001') ->> 'state' AS state;
-- the requester may not approve it
SELECT procgov.approve_document('requisition', 'ACME', 'REQ-000001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('requisition', 'ACME', 'REQ-000001', 'fine') ->> 'state' AS state;
SELECT procgov.approve_document('requisition', 'ACME', 'REQ-000001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'b.buyer';
SELECT jsonb_array_length(procgov.convert_requisition('ACME', 'REQ-000001') -> 'orders') AS orders;
SELECT number, state, buyer, total, requisition_id IS NOT NULL AS from_requisition FROM procgov.purchase_order;
SELECT state FROM procgov.requisition;

-- the order: submit, approve (another person), transmit, acknowledge, receive in two parts
SELECT procgov.submit_order('ACME', 'PO-000001') ->> 'state' AS state;
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('purchase_order', 'ACME', 'PO-000001') ->> 'state' AS state;
SELECT committed, amount - committed - spent AS available FROM procgov.budget;
SELECT approved_total, approved_version FROM procgov.purchase_order;
SET procgov.actor = 'b.buyer';
SELECT procgov.transmit_order('ACME', 'PO-000001') ->> 'state' AS state;
SELECT procgov.record_acknowledgement('ACME', 'PO-000001',
	'[{"line": 1, "confirmed_qty": 40, "confirmed_date": "2026-11-28"}, {"line": 2, "confirmed_qty": 10}]',
	'two pallets short') ->> 'state' AS state;
-- a confirmation the supplier cannot have meant is refused, naming the line and the value
SELECT procgov.record_acknowledgement('ACME', 'PO-000001', '[{"line": 1, "confirmed_qty": -5}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.record_acknowledgement('ACME', 'PO-000001', '[{"line": 1, "confirmed_qty": "lots"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.record_acknowledgement('ACME', 'PO-000001', '[{"line": 1}, {"line": 2, "confirmed_qty": 1e400}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.record_acknowledgement('ACME', 'PO-000001', '[{"line": 1}, {"line": 2, "confirmed_date": "soon"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT line_no, quantity, confirmed_qty, confirmed_date FROM procgov.purchase_order_line ORDER BY line_no;
SET procgov.actor = 'r.receiver';
SELECT procgov.post_receipt('ACME', 'PO-000001', '[{"line": 1, "quantity": 30}]') #>> '{order,state}' AS order_state;
SELECT procgov.post_receipt('ACME', 'PO-000001', '[{"line": 1, "quantity": 11}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.post_receipt('ACME', 'PO-000001', '[{"line": 1, "quantity": 10}, {"line": 2, "quantity": 12}]')
	#>> '{order,state}' AS order_state;
SELECT number, state FROM procgov.receipt ORDER BY number;
SELECT line_no, received_qty FROM procgov.purchase_order_line ORDER BY line_no;
SET procgov.actor = 'b.buyer';
SELECT procgov.close_document('purchase_order', 'ACME', 'PO-000001') ->> 'state' AS state;
SELECT committed FROM procgov.budget;

-- who and when are stamped; everything is in the ledger and shares one correlation id
SELECT number, state_changed_by, state_changed_at <= now() AS stamped FROM procgov.purchase_order;
SELECT stream, seq, actor, action, payload FROM procgov.audit_log
 WHERE stream LIKE 'purchase_order:ACME:PO-0%' ORDER BY stream, seq;
SELECT count(DISTINCT correlation_id) AS correlation_ids FROM (
	SELECT correlation_id FROM procgov.requisition UNION ALL SELECT correlation_id FROM procgov.purchase_order
	UNION ALL SELECT correlation_id FROM procgov.receipt) c;
SELECT type, aggregatetype, correlation_id = (SELECT correlation_id FROM procgov.requisition) AS same_flow
  FROM procgov.outbox WHERE entity = 'ACME' ORDER BY id;
SELECT count(*) AS problems FROM procgov.verify_audit();

-- idempotency: a repeat returns the first result and changes nothing; other input is refused
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"item": "HX-M8", "quantity": 10, "unit_price": "18.75 EUR"}]',
	cost_center => 'CC-100', budget_period => '2026-11', idempotency_key => 'erp-4711') - 'correlation_id' AS first_call;
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"item": "HX-M8", "quantity": 10, "unit_price": "18.75 EUR"}]',
	cost_center => 'CC-100', budget_period => '2026-11', idempotency_key => 'erp-4711') - 'correlation_id' AS repeat;
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"item": "HX-M8", "quantity": 99, "unit_price": "18.75 EUR"}]',
	cost_center => 'CC-100', budget_period => '2026-11', idempotency_key => 'erp-4711');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the same input written differently is the same request: numbers by value, a null field as one left out
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"item": "HX-M8", "quantity": 10.0, "unit_price": "18.75 EUR", "need_by": null}]',
	cost_center => 'CC-100', budget_period => '2026-11', need_by => NULL, idempotency_key => 'erp-4711') ->> 'number' AS written_differently;
-- strings are compared as written: "18.750 EUR" is other input
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"item": "HX-M8", "quantity": 10, "unit_price": "18.750 EUR"}]',
	cost_center => 'CC-100', budget_period => '2026-11', idempotency_key => 'erp-4711');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.idempotency_form('{"b": null, "a": [1.50, 10.0, 0.000, -2.10e1, null, "1.0", {"x": null, "y": 1e2}], "c": {"d": null}}') AS form;
-- another person with the same key is refused: the first person's result is not their action
SET procgov.actor = 'c.chen';
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"item": "HX-M8", "quantity": 10, "unit_price": "18.75 EUR"}]',
	cost_center => 'CC-100', budget_period => '2026-11', idempotency_key => 'erp-4711');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'b.buyer';
SELECT count(*) AS orders FROM procgov.purchase_order;
SELECT procgov.submit_order('ACME', 'PO-000002', 'submit-1') ->> 'state' AS state;
SELECT procgov.submit_order('ACME', 'PO-000002', 'submit-1') ->> 'state' AS repeated;
SET procgov.actor = 'c.chen';
SELECT procgov.submit_order('ACME', 'PO-000002', 'submit-1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'b.buyer';
SELECT operation, key, actor, result ->> 'number' AS result_number FROM procgov.idempotency ORDER BY operation, key;

-- a material change after approval: new version, back to approval when the total grows
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('purchase_order', 'ACME', 'PO-000002') ->> 'state' AS state;
SELECT committed FROM procgov.budget;
SET procgov.actor = 'b.buyer';
UPDATE procgov.purchase_order_line SET quantity = 20 WHERE entity_id = 'ACME' AND po_id = 2;
SELECT number, state, total, version, approved_total, approved_version FROM procgov.purchase_order WHERE po_id = 2;
SELECT committed FROM procgov.budget;
SELECT version, total, (snapshot->'lines'->0->>'quantity')::numeric AS qty FROM procgov.purchase_order_version
 WHERE po_id = 2 ORDER BY version;
SELECT payload->'before'->>'version' AS before, payload->'after'->>'version' AS after,
       payload->'before'->'lines'->0->>'quantity' AS qty_before, payload->'after'->'lines'->0->>'quantity' AS qty_after,
       payload->>'reapproval' AS reapproval
  FROM procgov.outbox WHERE type = 'po.changed';
-- the first approver approves version 2 too (it is not her order)
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('purchase_order', 'ACME', 'PO-000002') ->> 'state' AS state;
-- a lower price is a new version without approval; two changes in one transaction are one version
SET procgov.actor = 'b.buyer';
BEGIN;
UPDATE procgov.purchase_order_line SET unit_price = '18.00 EUR' WHERE entity_id = 'ACME' AND po_id = 2;
UPDATE procgov.purchase_order_line SET unit_price = '17.50 EUR' WHERE entity_id = 'ACME' AND po_id = 2;
COMMIT;
SELECT state, total, version, approved_total FROM procgov.purchase_order WHERE po_id = 2;
SELECT count(*) AS versions FROM procgov.purchase_order_version WHERE po_id = 2;
-- a line added after approval is a material change too
INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price)
VALUES ('ACME', 2, 2, 'Washers', 300, '0.10 EUR');
SELECT state, total, version FROM procgov.purchase_order WHERE po_id = 2;

-- supplier controls: no approval or transmission to a blocked or on-hold supplier
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('purchase_order', 'ACME', 'PO-000002') ->> 'state' AS state;
UPDATE procgov.supplier SET status = 'blocked' WHERE code = 'S-KEY';
SET procgov.actor = 'b.buyer';
SELECT procgov.transmit_order('ACME', 'PO-000002');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.supplier SET status = 'approved' WHERE code = 'S-KEY';
SELECT procgov.create_purchase_order('ACME', 'S-HOLD', '[{"description": "Steel rod", "quantity": 5, "unit_price": "40 EUR"}]') ->> 'number' AS po;
SELECT procgov.submit_order('ACME', 'PO-000003') ->> 'state' AS state;
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('purchase_order', 'ACME', 'PO-000003');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.reject_document('purchase_order', 'ACME', 'PO-000003', 'supplier on hold') ->> 'state' AS state;

-- budget: approval beyond what is available is refused; cancel releases
SELECT amount - committed - spent AS available FROM procgov.budget;
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"item": "HX-M8", "quantity": 1000, "unit_price": "18.75 EUR"}]',
	cost_center => 'CC-100', budget_period => '2026-11') ->> 'number' AS po;
SELECT procgov.submit_order('ACME', 'PO-000004') ->> 'state' AS state;
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('purchase_order', 'ACME', 'PO-000004');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'b.buyer';
SELECT procgov.cancel_document('purchase_order', 'ACME', 'PO-000002', 'customer withdrew the order') ->> 'state' AS state;
SELECT committed FROM procgov.budget;
SELECT reason FROM procgov.audit_log WHERE stream = 'purchase_order:ACME:PO-000002' ORDER BY seq DESC LIMIT 1;
-- the master data's changes are on record: the budget line's stream holds
-- its creation, each commitment and release the documents made, and what
-- people changed; the supplier's, who blocked and released it
SET procgov.actor = 'c.controller';
BEGIN;
SET LOCAL procgov.reason = 'extra funds from Q4 reserve';
UPDATE procgov.budget SET amount = amount + '500 EUR' WHERE cost_center = 'CC-100';
COMMIT;
SELECT seq, action, CASE action WHEN 'insert' THEN '(set-up)' ELSE actor END AS actor, payload - 'budget_id' AS payload, reason
  FROM procgov.audit_log WHERE stream = 'budget:ACME:CC-100:2026-11' ORDER BY seq;
SELECT seq, action, actor, payload FROM procgov.audit_log WHERE stream = 'supplier:ACME:S-KEY' AND action = 'update' ORDER BY seq;
-- and the systems that order from and pay the supplier heard of it
SELECT type, aggregateid, payload ->> 'from' AS "from", payload ->> 'to' AS "to" FROM procgov.outbox
 WHERE type = 'supplier.status_changed' ORDER BY id;
UPDATE procgov.budget SET amount = amount - '500 EUR' WHERE cost_center = 'CC-100';
-- an edit of committed or spent by hand is recorded like any other
SELECT max(seq) AS budget_seq FROM procgov.audit_log WHERE stream = 'budget:ACME:CC-100:2026-11' \gset
UPDATE procgov.budget SET spent = spent + '1 EUR' WHERE cost_center = 'CC-100';
UPDATE procgov.budget SET spent = spent - '1 EUR' WHERE cost_center = 'CC-100';
SELECT seq - :budget_seq AS seq, action, payload FROM procgov.audit_log
 WHERE stream = 'budget:ACME:CC-100:2026-11' AND seq > :budget_seq ORDER BY seq;
-- an update names the rest of the row's key (an approver's role); a rename is
-- recorded on the old stream and the new one; a key too long for a stream
-- name ends in a hash of it
INSERT INTO procgov.approver (entity_id, person, role, approval_limit) VALUES ('ACME', 'f.finance', 'finance', '5000 EUR');
UPDATE procgov.approver SET approval_limit = '9000 EUR' WHERE person = 'f.finance';
SELECT stream, action, payload FROM procgov.audit_log WHERE stream = 'approver:ACME:f.finance' ORDER BY seq;
DELETE FROM procgov.approver WHERE person = 'f.finance';
INSERT INTO procgov.item (entity_id, sku, description) VALUES ('ACME', 'TMP:1', 'temporary');
UPDATE procgov.item SET sku = 'TMP-1' WHERE sku = 'TMP:1';
SELECT stream, action, payload FROM procgov.audit_log WHERE stream IN ('item:ACME:TMP:1', 'item:ACME:TMP-1') ORDER BY entry_id;
INSERT INTO procgov.item (entity_id, sku, description) VALUES ('ACME', repeat('x', 1200), 'long');
SELECT length(stream) AS length, left(stream, 14) AS starts, stream ~ '#[0-9a-f]{64}$' AS hashed
  FROM procgov.audit_log ORDER BY entry_id DESC LIMIT 1;

-- a supplier's bank account: only through an approved change, then held for the cooling-off period
SET procgov.actor = 'b.buyer';
UPDATE procgov.supplier SET iban = 'GB82WEST12345698765432' WHERE code = 'S-KEY';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.request_bank_change('ACME', 'S-KEY', 'GB82WEST12345698765432', 'letter of 2026-11-20, call-back verified') ->> 'state' AS state;
SELECT procgov.approve_document('bank_change', 'ACME', 'BC-000001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('bank_change', 'ACME', 'BC-000001') ->> 'state' AS state;
SELECT code, iban, iban_payable_from > now() + interval '13 days' AS held FROM procgov.supplier WHERE code = 'S-KEY';
SELECT type, payload #>> '{document,new_iban}' AS new_iban FROM procgov.outbox WHERE type = 'supplier.bank_changed';
-- an invoice to the new account cannot be posted while payments are held
SET procgov.actor = 'r.receiver';
SELECT procgov.register_invoice('ACME', 'S-KEY', 'K-2026-118', '2026-11-25',
	'[{"po_line": 1, "quantity": 40, "unit_price": "18.75 EUR"}]', 'PO-000001') ->> 'state' AS state;
SELECT number, supplier_invoice_no, state, total, pay_to_iban FROM procgov.invoice;
-- only matching moves an invoice to matched, never a plain UPDATE
UPDATE procgov.invoice SET state = 'matched' WHERE number = 'INV-000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.match_invoice('ACME', 'INV-000001') ->> 'state' AS matched;
\set VERBOSITY terse
UPDATE procgov.invoice SET state = 'posted' WHERE number = 'INV-000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- nor is the hold cut short by hand (it may be lengthened), and the change is on record
-- (the message names the hold's end: only its words are shown)
\set VERBOSITY sqlstate
UPDATE procgov.supplier SET iban_payable_from = now() WHERE code = 'S-KEY';
\set VERBOSITY default
SELECT regexp_replace(:'LAST_ERROR_MESSAGE', '[0-9]{4}-[0-9:. -]+', '<time> ', 'g') AS refused;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.supplier SET iban_payable_from = iban_payable_from + interval '1 day' WHERE code = 'S-KEY';
SELECT action, actor, jsonb_object_keys(payload) AS changed FROM procgov.audit_log
 WHERE stream = 'supplier:ACME:S-KEY' ORDER BY seq DESC LIMIT 1;
-- once the hold is over (here: as if two weeks passed) it is posted; never while the supplier is blocked
BEGIN;
ALTER TABLE procgov.supplier DISABLE TRIGGER guard_iban;
UPDATE procgov.supplier SET iban_payable_from = now() - interval '1 minute' WHERE code = 'S-KEY';
ALTER TABLE procgov.supplier ENABLE ALWAYS TRIGGER guard_iban;
UPDATE procgov.supplier SET status = 'blocked' WHERE code = 'S-KEY';
SAVEPOINT blocked;
UPDATE procgov.invoice SET state = 'posted' WHERE number = 'INV-000001';
ROLLBACK TO blocked;
UPDATE procgov.supplier SET status = 'on_hold' WHERE code = 'S-KEY';
UPDATE procgov.invoice SET state = 'posted' WHERE number = 'INV-000001' RETURNING number, state;
ROLLBACK;

-- direct updates by any client go through the same rules
UPDATE procgov.purchase_order SET state = 'approved' WHERE number = 'PO-000004';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.purchase_order SET state = 'transmitted' WHERE number = 'PO-000004';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.purchase_order SET state = 'draft' WHERE number = 'PO-000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.purchase_order (entity_id, number, state, supplier_id, buyer, total)
VALUES ('ACME', 'PO-ROGUE', 'approved', 1, 'x', '1 EUR');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM procgov.purchase_order WHERE number = 'PO-000004';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.purchase_order_line SET quantity = 1 WHERE po_id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- nor does a submitted order's line change what it buys (its rules depend on it)
UPDATE procgov.purchase_order_line SET item_id = (SELECT item_id FROM procgov.item WHERE sku = 'PAL-EU') WHERE po_id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.requisition_line SET item_id = (SELECT item_id FROM procgov.item WHERE sku = 'PAL-EU')
 WHERE requisition_id = (SELECT requisition_id FROM procgov.requisition WHERE number = 'REQ-000001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a change that is not a transition is audited with what changed
UPDATE procgov.purchase_order SET need_by = '2026-12-24' WHERE number = 'PO-000004';
SELECT action, payload FROM procgov.audit_log WHERE stream = 'purchase_order:ACME:PO-000004' ORDER BY seq DESC LIMIT 1;

-- bad input names what is wrong
SELECT procgov.create_requisition('NOPE', 'CC-100', '[]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-100', '[]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', NULL, '[{"item": "HX-M8", "quantity": 1, "unit_price": "1 EUR", "supplier": "S-KEY"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"item": "HX-M8", "quantity": 1, "unit_price": "1 EUR"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"item": "HX-M8", "quantity": "many", "unit_price": "1 EUR", "supplier": "S-KEY"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"item": "HX-M8", "quantity": -2, "unit_price": "1 EUR", "supplier": "S-KEY"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a fifth decimal would be stored rounded, and the total would disagree with the lines (review)
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"item": "HX-M8", "quantity": 2.00005, "unit_price": "1000 EUR", "supplier": "S-KEY"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"item": "HX-M8", "quantity": 0.00004, "unit_price": "1 EUR", "supplier": "S-KEY"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a requisition line needs an item or a description; a blank one is none, and a blank number is refused
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"quantity": 1, "unit_price": "1 EUR", "supplier": "S-KEY"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"description": " ", "quantity": 1, "unit_price": "1 EUR", "supplier": "S-KEY"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"description": "bolts", "quantity": 1, "unit_price": "1 EUR", "supplier": "S-KEY"}]', number => '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"item": "HX-M8", "quantity": 1, "unit_price": "1 EUR", "supplier": "S-KEY"}, {"item": "HX-M8", "quantity": 1, "unit_price": "1 USD", "supplier": "S-KEY"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"item": "HX-M8", "quantity": 1, "unit_price": "1 EUX", "supplier": "S-KEY"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"item": "NO-SUCH", "quantity": 1, "unit_price": "1 EUR", "supplier": "S-KEY"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"item": "HX-M8", "quantity": 1, "unit_price": "1 EUR", "supplier": "S-NONE"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_requisition('ACME', 'CC-999', '[{"item": "HX-M8", "quantity": 1, "unit_price": "1 EUR", "supplier": "S-KEY"}]', budget_period => '2026-11');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.submit_order('ACME', 'PO-999999');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.approve_document('contract', 'ACME', 'C-1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.reject_document('purchase_order', 'ACME', 'PO-000004', '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.cancel_document('purchase_order', 'ACME', 'PO-000004', NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.post_receipt('ACME', 'PO-000004', '[{"line": 1, "quantity": 1}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.post_receipt('ACME', 'PO-000001', '[{"line": 9, "quantity": 1}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.register_invoice('ACME', 'S-HOLD', 'X-1', '2026-11-25', '[{"quantity": 1, "unit_price": "1 EUR"}]', 'PO-000001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.request_bank_change('ACME', 'S-KEY', 'GB82WEST12345698765432', 'again');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.request_bank_change('ACME', 'S-KEY', NULL, 'no account given');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- one change of a supplier's account at a time, and a change is applied only over the account
-- it names (the approver saw it); rolled back, the later tests count the changes there are
\set ON_ERROR_ROLLBACK on
BEGIN;
SELECT procgov.request_bank_change('ACME', 'S-KEY', 'FR1420041010050500013M02606', 'email of 2026-12-01') ->> 'number' AS bc;
SELECT procgov.request_bank_change('ACME', 'S-KEY', 'DE89370400440532013000', 'email of 2026-12-02');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.bank_change SET old_iban = 'DE89370400440532013000' WHERE entity_id = 'ACME' AND number = 'BC-000002';
SET LOCAL procgov.actor = 'a.novak';
SELECT procgov.approve_document('bank_change', 'ACME', 'BC-000002');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT code, iban FROM procgov.supplier WHERE entity_id = 'ACME' AND code = 'S-KEY';
ROLLBACK;
\set ON_ERROR_ROLLBACK off
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"quantity": 1, "unit_price": "1 EUR"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"description": "x", "quantity": 1, "unit_price": "1 EUR"}]', idempotency_key => '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- with a key, a NULL entity or kind is named before the key is stored
SELECT procgov.create_purchase_order(NULL, 'S-KEY', '[{"description": "x", "quantity": 1, "unit_price": "1 EUR"}]', idempotency_key => 'k-null');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.cancel_document(NULL, 'ACME', 'PO-000004', 'why', idempotency_key => 'k-null');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.close_document(NULL, 'ACME', 'PO-000004', idempotency_key => 'k-null');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.approve_document(NULL, 'ACME', 'PO-000004', idempotency_key => 'k-null');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.submit(NULL, 'ACME', 'PO-000004', idempotency_key => 'k-null');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.transmit_order(NULL, 'PO-000004', 'k-null');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a quantity beyond what the columns hold, a date that is not one, an order line that is not there
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"item": "HX-M8", "quantity": 1e15, "unit_price": "1 EUR", "supplier": "S-KEY"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"description": "x", "quantity": 1, "unit_price": "1 EUR", "need_by": "2026-12-24"},
	{"description": "y", "quantity": 1, "unit_price": "1 EUR", "need_by": "next week"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT n, procgov.line_date('[{"need_by": "2026-12-24"}, {"need_by": null}, {}]', n, 'need_by') AS need_by FROM generate_series(0, 2) n ORDER BY n;
SELECT procgov.line_date('[{"need_by": "infinity"}]', 0, 'need_by');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT n, procgov.line_decimal('[{"confirmed_qty": 0}, {"confirmed_qty": "12.50"}, {}]', n, 'confirmed_qty') AS confirmed_qty FROM generate_series(0, 2) n ORDER BY n;
SELECT procgov.line_decimal('[{"confirmed_qty": "NaN"}]', 0, 'confirmed_qty');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.line_decimal('[{"confirmed_qty": "1e99999"}]', 0, 'confirmed_qty');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.actor = 'r.receiver';
SELECT procgov.register_invoice('ACME', 'S-KEY', 'X-2', '2026-11-25', '[{"po_line": "first", "quantity": 1, "unit_price": "1 EUR"}]', 'PO-000001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.register_invoice('ACME', 'S-KEY', 'X-2', '2026-11-25',
	'[{"po_line": 1, "quantity": 1, "unit_price": "18.75 EUR"}, {"po_line": 99, "quantity": 1, "unit_price": "1 EUR"}]', 'PO-000001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.register_invoice('ACME', 'S-KEY', 'X-2', '2026-11-25', '[{"po_line": 1, "quantity": 1, "unit_price": "1 EUR"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS invoices FROM procgov.invoice;
-- closing an approved requisition says it became orders: refused when none were made
SET procgov.actor = 'j.doe';
SELECT procgov.create_requisition('ACME', 'CC-100', '[{"item": "PAL-EU", "quantity": 1, "unit_price": "14.20 EUR", "supplier": "S-KEY"}]') ->> 'number' AS req;
SELECT procgov.submit_requisition('ACME', 'REQ-000002') ->> 'state' AS state;
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('requisition', 'ACME', 'REQ-000002') ->> 'state' AS state;
SET procgov.actor = 'j.doe';
SELECT procgov.close_document('requisition', 'ACME', 'REQ-000002');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.cancel_document('requisition', 'ACME', 'REQ-000002', 'bought at the counter') ->> 'state' AS state;
SELECT r.number, r.state, count(p.po_id) AS orders FROM procgov.requisition r
  LEFT JOIN procgov.purchase_order p ON p.entity_id = r.entity_id AND p.requisition_id = r.requisition_id
 GROUP BY r.number, r.state ORDER BY r.number;
SELECT aggregateid, type FROM procgov.outbox WHERE type = 'requisition.converted' ORDER BY id;
SET procgov.actor = 'r.receiver';

-- enforcement can be turned off only by a superuser, and even then everything is audited
SET procgov.enforce = off;
UPDATE procgov.purchase_order SET state = 'closed' WHERE number = 'PO-000003';
RESET procgov.enforce;
SELECT action, payload FROM procgov.audit_log WHERE stream = 'purchase_order:ACME:PO-000003' ORDER BY seq DESC LIMIT 1;

-- privileges: each role does its part through the API, nobody writes around it
RESET procgov.actor;
CREATE ROLE regress_req IN ROLE procgov_requester;
CREATE ROLE regress_appr IN ROLE procgov_approver;
CREATE ROLE regress_nobody;
CREATE ROLE regress_rcv IN ROLE procgov_receiver;
-- each acts on the entity granted to it (row-level security, test/sql/bi_security.sql)
INSERT INTO procgov.entity_grant (grantee, entity_id) VALUES ('regress_req', 'ACME'), ('regress_appr', 'ACME'), ('regress_rcv', 'ACME');
SET ROLE regress_nobody;
SELECT count(*) FROM procgov.purchase_order;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"description": "x", "quantity": 1, "unit_price": "1 EUR"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_req;
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"description": "Tape", "quantity": 1, "unit_price": "3 EUR"}]') ->> 'state' AS state;
SELECT procgov.submit_order('ACME', 'PO-000005') ->> 'state' AS state;
SELECT procgov.approve_document('purchase_order', 'ACME', 'PO-000005');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.purchase_order SET state = 'approved' WHERE number = 'PO-000005';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET procgov.enforce = off;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_appr;
SELECT procgov.approve_document('purchase_order', 'ACME', 'PO-000005') ->> 'state' AS state;
SELECT procgov.transmit_order('ACME', 'PO-000005');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT buyer, state_changed_by FROM procgov.purchase_order WHERE number = 'PO-000005';
-- cancelling and closing by kind: the requester its requisitions and orders,
-- the receiver receipts and invoices, procgov_admin everything (bank changes too)
SET ROLE regress_req;
SELECT procgov.cancel_document('invoice', 'ACME', 'INV-000001', 'not mine to cancel');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.close_document('invoice', 'ACME', 'INV-000001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.cancel_document('bank_change', 'ACME', 'BC-000001', 'not mine either', idempotency_key => 'bc-1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.cancel_document('contract', 'ACME', 'C-1', 'no such kind');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a requester naming an entity it may not see learns nothing of it, not even whether it exists
SELECT procgov.create_purchase_order('NOPE', 'S-KEY', '[{"description": "x", "quantity": 1, "unit_price": "1 EUR"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_rcv;
SELECT procgov.cancel_document('purchase_order', 'ACME', 'PO-000005', 'not the receiver''s');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.close_document('bank_change', 'ACME', 'BC-000001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.register_invoice('ACME', 'S-KEY', 'K-2026-131', '2026-11-26', '[{"description": "Tape", "quantity": 1, "unit_price": "3 EUR"}]') ->> 'number' AS invoice;
SELECT procgov.cancel_document('invoice', 'ACME', 'INV-000002', 'sent twice by the supplier') ->> 'state' AS state;
-- another entity's suppliers, invoices and numbers are not the receiver's to probe
SELECT procgov.register_invoice('NWS', 'S-NOPE', 'X-1', '2026-11-26', '[{"quantity": 1, "unit_price": "1 USD"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT number, state, state_changed_by FROM procgov.invoice ORDER BY number;
-- a site's own guard runs as its function's owner, never with the rights of
-- the SECURITY DEFINER API that caused the update
CREATE ROLE regress_site IN ROLE procgov_admin;
CREATE SCHEMA regress_site AUTHORIZATION regress_site;
SET ROLE regress_site;
CREATE FUNCTION regress_site.who_runs(kind text, doc jsonb) RETURNS text
	LANGUAGE sql AS $$ SELECT 'runs as ' || current_user $$;
INSERT INTO procgov.guard (guard, function, description, hint)
VALUES ('site_check', 'regress_site.who_runs(text, jsonb)', 'a site''s own check', 'Ask the site.');
UPDATE procgov.transition SET guards = guards || '{site_check}'
 WHERE kind = 'purchase_order' AND from_state = 'draft' AND to_state = 'pending_approval';
RESET ROLE;
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('ACME', 'S-KEY', '[{"description": "Glue", "quantity": 1, "unit_price": "4 EUR"}]') ->> 'number' AS number;
SELECT procgov.submit_order('ACME', 'PO-000006');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- giving the function away, or replacing it, is seen at once
ALTER FUNCTION regress_site.who_runs(text, jsonb) OWNER TO regress_req;
SELECT procgov.submit_order('ACME', 'PO-000006');
ALTER FUNCTION regress_site.who_runs(text, jsonb) OWNER TO regress_site;
CREATE OR REPLACE FUNCTION regress_site.who_runs(kind text, doc jsonb) RETURNS text
	LANGUAGE sql AS $$ SELECT NULL::text $$;
SELECT procgov.submit_order('ACME', 'PO-000006') ->> 'state' AS state;
UPDATE procgov.transition SET guards = array_remove(guards, 'site_check')
 WHERE kind = 'purchase_order' AND from_state = 'draft' AND to_state = 'pending_approval';
DELETE FROM procgov.guard WHERE guard = 'site_check';
DROP SCHEMA regress_site CASCADE;
DROP ROLE regress_site;
RESET procgov.actor;
DROP ROLE regress_req;
DROP ROLE regress_appr;
DROP ROLE regress_nobody;
DROP ROLE regress_rcv;

-- a read-only transaction cannot take a document's lock, as SELECT ... FOR UPDATE cannot
SET procgov.actor = 'a.novak';
BEGIN READ ONLY;
SELECT procgov.approve_document('purchase_order', 'ACME', 'PO-000006');
ROLLBACK;
RESET procgov.actor;

SELECT count(*) AS problems FROM procgov.verify_audit();
RESET procgov.actor;

-- budget: an order that closes moves what its invoices billed from committed to spent,
-- and gives back the rest (from review: spent was never written, and closing gave it all back)
INSERT INTO procgov.entity (entity_id, name, base_currency) VALUES ('BUD', 'Budget tests', 'EUR');
INSERT INTO procgov.supplier (entity_id, code, name, status) VALUES ('BUD', 'S1', 'Supplier', 'approved');
INSERT INTO procgov.budget (entity_id, cost_center, period, amount, committed, spent) VALUES
	('BUD', 'CC', '2026-12', '1000.00 EUR', '0 EUR', '0 EUR');
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('BUD', 'S1', '[{"description": "valves", "quantity": 10, "unit_price": "30.00 EUR"}]',
	cost_center => 'CC', budget_period => '2026-12', number => 'BUD-1') ->> 'state' AS bud1;
SELECT procgov.submit_order('BUD', 'BUD-1') ->> 'state' AS bud1;
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('purchase_order', 'BUD', 'BUD-1') ->> 'state' AS bud1;
SET procgov.actor = 'b.buyer';
SELECT procgov.transmit_order('BUD', 'BUD-1') ->> 'state' AS bud1;
SET procgov.actor = 'r.receiver';
SELECT procgov.post_receipt('BUD', 'BUD-1', '[{"line": 1, "quantity": 6}]') #>> '{order,state}' AS bud1;
SELECT procgov.register_invoice('BUD', 'S1', 'S1-77', '2026-12-05', '[{"po_line": 1, "quantity": 4, "unit_price": "30.00 EUR"}]',
	'BUD-1', number => 'BUD-INV-1') ->> 'state' AS invoice;
SELECT matched FROM procgov.match_pending('BUD');
SELECT committed, spent, amount - committed - spent AS available FROM procgov.budget WHERE entity_id = 'BUD';
SET procgov.actor = 'b.buyer';
SELECT procgov.close_document('purchase_order', 'BUD', 'BUD-1', 'the rest will not come') ->> 'state' AS bud1;
SELECT committed, spent, amount - committed - spent AS available FROM procgov.budget WHERE entity_id = 'BUD';
-- the invoice for the other two received comes after the close: billed now, spent now
SET procgov.actor = 'r.receiver';
SELECT procgov.register_invoice('BUD', 'S1', 'S1-78', '2026-12-06', '[{"po_line": 1, "quantity": 2, "unit_price": "30.00 EUR"}]',
	'BUD-1', number => 'BUD-INV-2') ->> 'state' AS invoice;
SELECT matched FROM procgov.match_pending('BUD');
SELECT committed, spent, amount - committed - spent AS available FROM procgov.budget WHERE entity_id = 'BUD';
RESET procgov.actor;
-- an approved order cut down stands without approval, and commits only its new total
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('BUD', 'S1', '[{"description": "hoses", "quantity": 10, "unit_price": "20.00 EUR"}]',
	cost_center => 'CC', budget_period => '2026-12', number => 'BUD-2') ->> 'state' AS bud2;
SELECT procgov.submit_order('BUD', 'BUD-2') ->> 'state' AS bud2;
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('purchase_order', 'BUD', 'BUD-2') ->> 'state' AS bud2;
SELECT committed FROM procgov.budget WHERE entity_id = 'BUD';
SET procgov.actor = 'b.buyer';
UPDATE procgov.purchase_order_line l SET quantity = 5 FROM procgov.purchase_order p
 WHERE p.entity_id = 'BUD' AND p.number = 'BUD-2' AND l.entity_id = p.entity_id AND l.po_id = p.po_id;
SELECT state, version, total FROM procgov.purchase_order WHERE entity_id = 'BUD' AND number = 'BUD-2';
SELECT committed, (SELECT amount FROM procgov.document_commitment c JOIN procgov.purchase_order p ON p.entity_id = c.entity_id AND p.po_id = c.doc_id
					WHERE p.number = 'BUD-2') AS order_commits
  FROM procgov.budget WHERE entity_id = 'BUD';
RESET procgov.actor;
-- a rise within the policy's change tolerance that the budget line cannot absorb goes back for approval
-- (it used to stand and commit beyond the line), one it can absorb stands and commits its new total
INSERT INTO procgov.policy (entity_id, version, name, change_tolerance) VALUES ('BUD', 1, 'half again', '50%');
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, outcome) SELECT 'BUD', policy_id, 'all small', 'auto_approve'
  FROM procgov.policy WHERE entity_id = 'BUD';
SET procgov.actor = 'c.controller';
SELECT procgov.activate_policy('BUD', 1) ->> 'status' AS policy;
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('BUD', 'S1', '[{"description": "pumps", "quantity": 10, "unit_price": "50.00 EUR"}]',
	cost_center => 'CC', budget_period => '2026-12', number => 'BUD-3') ->> 'state' AS bud3;
SELECT procgov.submit_order('BUD', 'BUD-3') ->> 'state' AS bud3;
SELECT committed, spent, amount - committed - spent AS available FROM procgov.budget WHERE entity_id = 'BUD';
UPDATE procgov.purchase_order_line l SET quantity = 12 FROM procgov.purchase_order p
 WHERE p.entity_id = 'BUD' AND p.number = 'BUD-3' AND l.entity_id = p.entity_id AND l.po_id = p.po_id;
SELECT state, version, total FROM procgov.purchase_order WHERE entity_id = 'BUD' AND number = 'BUD-3';
SELECT committed, amount - committed - spent AS available FROM procgov.budget WHERE entity_id = 'BUD';
UPDATE procgov.purchase_order_line l SET quantity = 15 FROM procgov.purchase_order p
 WHERE p.entity_id = 'BUD' AND p.number = 'BUD-3' AND l.entity_id = p.entity_id AND l.po_id = p.po_id;
SELECT state, version, total FROM procgov.purchase_order WHERE entity_id = 'BUD' AND number = 'BUD-3';
SELECT committed, amount - committed - spent AS available FROM procgov.budget WHERE entity_id = 'BUD';
-- an order approved by policy alone keeps its acknowledgement in the BI milestones
SELECT procgov.create_purchase_order('BUD', 'S1', '[{"description": "seals", "quantity": 1, "unit_price": "5.00 EUR"}]',
	number => 'BUD-4') ->> 'state' AS bud4;
SELECT procgov.submit_order('BUD', 'BUD-4') ->> 'state' AS bud4;
SELECT procgov.transmit_order('BUD', 'BUD-4') ->> 'state' AS bud4;
SELECT procgov.record_acknowledgement('BUD', 'BUD-4') ->> 'state' AS bud4;
SELECT number, approved_at IS NULL AS no_approval_decision, acknowledged_at IS NOT NULL AS acknowledged
  FROM procgov.order_milestones WHERE entity_id = 'BUD' AND number = 'BUD-4';
-- a shipped order is versioned like an acknowledged one: fifty times the quantity
-- on its way is a new version, judged again (it used to stand as version 1)
UPDATE procgov.purchase_order SET state = 'shipped' WHERE entity_id = 'BUD' AND number = 'BUD-4';
UPDATE procgov.purchase_order_line l SET quantity = 50 FROM procgov.purchase_order p
 WHERE p.entity_id = 'BUD' AND p.number = 'BUD-4' AND l.entity_id = p.entity_id AND l.po_id = p.po_id;
SELECT state, version, total, approved_version FROM procgov.purchase_order WHERE entity_id = 'BUD' AND number = 'BUD-4';
SELECT count(*) AS po_changed FROM procgov.outbox WHERE type = 'po.changed' AND aggregateid = 'BUD:BUD-4';
-- submitting an order already approved and sent is refused: it would withdraw the
-- approval and release the budget with nothing changed
SELECT procgov.create_purchase_order('BUD', 'S1', '[{"description": "gaskets", "quantity": 1, "unit_price": "5.00 EUR"}]',
	number => 'BUD-5') ->> 'state' AS bud5;
SELECT procgov.submit_order('BUD', 'BUD-5') ->> 'state' AS bud5;
SELECT procgov.transmit_order('BUD', 'BUD-5') ->> 'state' AS bud5;
SELECT procgov.submit_order('BUD', 'BUD-5');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT state, version FROM procgov.purchase_order WHERE entity_id = 'BUD' AND number = 'BUD-5';
-- what a line is stays what was approved: its number and (without an item) its description
-- do not change in place; a line swapped for another of the same value is another
-- decision, judged again (reapproval true; this policy approves it at once)
UPDATE procgov.purchase_order_line l SET line_no = 2 FROM procgov.purchase_order p
 WHERE p.entity_id = 'BUD' AND p.number = 'BUD-5' AND l.entity_id = p.entity_id AND l.po_id = p.po_id;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.purchase_order_line l SET description = 'gold bars' FROM procgov.purchase_order p
 WHERE p.entity_id = 'BUD' AND p.number = 'BUD-5' AND l.entity_id = p.entity_id AND l.po_id = p.po_id;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
BEGIN;
DELETE FROM procgov.purchase_order_line l USING procgov.purchase_order p
 WHERE p.entity_id = 'BUD' AND p.number = 'BUD-5' AND l.entity_id = p.entity_id AND l.po_id = p.po_id;
INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price)
SELECT 'BUD', po_id, 2, 'gold bars', 1, '5.00 EUR' FROM procgov.purchase_order WHERE entity_id = 'BUD' AND number = 'BUD-5';
COMMIT;
SELECT state, version, total FROM procgov.purchase_order WHERE entity_id = 'BUD' AND number = 'BUD-5';
SELECT payload ->> 'reapproval' AS reapproval FROM procgov.outbox
 WHERE type = 'po.changed' AND aggregateid = 'BUD:BUD-5' ORDER BY id DESC LIMIT 1;
RESET procgov.actor;
