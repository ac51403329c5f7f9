-- test/demo/distributor.sql — the distributor scenario behind `make demo`.
--
-- Northwind Supply, a distributor that buys in USD, EUR and JPY, installs
-- procgov into the database its ERP already uses.  Each part of procgov
-- adds a chapter here as it lands.
\pset footer off
\pset null '(none)'
SET client_min_messages = warning;

\echo '## 1. Installing: CREATE EXTENSION in the ERP database'
CREATE EXTENSION pg_cron;
CREATE EXTENSION procgov;
SELECT extname AS extension, extversion AS version FROM pg_extension
 WHERE extname IN ('procgov', 'pg_cron') ORDER BY 1;
-- the ERP's login finds procgov's types and operators through its search_path
SET search_path = public, procgov;

-- attempt(): run one statement and say whether procgov accepted or refused it
CREATE FUNCTION pg_temp.attempt(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	EXECUTE stmt;
	RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN format('refused (%s): %s%s', SQLSTATE, SQLERRM, coalesce(' — ' || nullif(detail, ''), ''));
END $$;

\echo
\echo '## 2. Suppliers and their bank accounts (procgov.iban: country, length and mod-97 check)'
CREATE TABLE supplier (id int PRIMARY KEY, name text NOT NULL, country text NOT NULL, bank_account iban);
INSERT INTO supplier VALUES
	(1, 'Rheinland Industriebedarf GmbH', 'DE', 'de89 3704 0044 0532 0130 00'),
	(2, 'Atlantic Fasteners Ltd', 'GB', 'GB29NWBK60161331926819'),
	(3, 'Osaka Precision KK', 'JP', NULL);
SELECT id, name, bank_account, iban_format(bank_account) AS printed FROM supplier ORDER BY id;
\echo 'A clerk mistypes one digit of a new supplier''s IBAN:'
SELECT pg_temp.attempt($$INSERT INTO supplier VALUES (4, 'Lyon Emballages SA', 'FR', 'FR14 2004 1010 0505 0001 3M02 607')$$) AS outcome;
SELECT count(*) AS suppliers_stored FROM supplier;

\echo
\echo '## 3. Items and their barcodes (procgov.gtin: GTIN-8/12/13/14 with check digit, stored as 14 digits)'
CREATE TABLE item (sku text PRIMARY KEY, description text NOT NULL, gtin gtin UNIQUE);
INSERT INTO item VALUES
	('HX-M8', 'Hex bolt M8 x 40, box of 100', '4006381333931'),
	('PAL-EU', 'Euro pallet 1200 x 800', '036000291452'),
	('SEAL-12', 'Shaft seal 12 mm', '96385074');
SELECT sku, description, gtin FROM item ORDER BY sku;
\echo 'A scanner misreads a barcode:'
SELECT pg_temp.attempt($$INSERT INTO item VALUES ('GLV-L', 'Nitrile gloves L', '4006381333932')$$) AS outcome;

\echo
\echo '## 4. Order lines in three currencies (procgov.amount: fixed point, per-currency minor units)'
CREATE TABLE order_line (
	po text, line int, supplier_id int REFERENCES supplier, sku text REFERENCES item,
	qty int NOT NULL, unit_price amount NOT NULL, price_tolerance tolerance NOT NULL DEFAULT '2% or 5.00 USD',
	PRIMARY KEY (po, line));
INSERT INTO order_line VALUES
	('PO-1001', 1, 1, 'HX-M8', 40, '18.75 EUR', '1.5%'),
	('PO-1001', 2, 1, 'PAL-EU', 12, '14.20 EUR', '2% or 0.50 EUR'),
	('PO-1002', 1, 2, 'SEAL-12', 500, '0.385 USD', '2% or 5.00 USD'),
	('PO-1002', 2, 2, 'HX-M8', 25, '21.40 USD', '2% or 5.00 USD'),
	('PO-1003', 1, 3, 'SEAL-12', 1000, '62 JPY', '3%');
SELECT po, line, qty, unit_price, unit_price * qty AS line_total, price_tolerance FROM order_line ORDER BY po, line;
\echo 'Open commitments per currency (sum refuses to add EUR to USD):'
SELECT currency(unit_price) AS currency, sum(unit_price * qty) AS committed, count(*) AS lines
  FROM order_line GROUP BY 1 ORDER BY 1;
SELECT pg_temp.attempt($$SELECT sum(unit_price * qty) FROM order_line$$) AS "sum across currencies";
SELECT pg_temp.attempt($$SELECT '18.75 EUR'::amount + '21.40 USD'::amount$$) AS "EUR + USD";

\echo
\echo '## 5. Invoices arrive: which order lines could each unit price be, within tolerance?'
-- a GiST index over the tolerance band answers "which lines could this be" without a scan
CREATE INDEX order_line_price_band ON order_line USING gist (band(unit_price, price_tolerance));
CREATE TABLE invoice_line (invoice text, supplier_id int, sku text, qty int, unit_price amount);
INSERT INTO invoice_line VALUES
	('INV-77', 1, 'HX-M8', 40, '19.00 EUR'),
	('INV-77', 1, 'PAL-EU', 12, '14.90 EUR'),
	('INV-78', 2, 'HX-M8', 25, '21.40 USD'),
	('INV-79', 3, 'SEAL-12', 1000, '64 JPY'),
	('INV-80', 3, 'SEAL-12', 1000, '63.9 JPY');
SELECT i.invoice, i.sku, i.unit_price AS invoiced, o.po || '/' || o.line AS order_line, o.unit_price AS ordered,
       o.price_tolerance, band(o.unit_price, o.price_tolerance) AS accepted_band,
       CASE WHEN within(i.unit_price, o.unit_price, o.price_tolerance) THEN 'match' ELSE 'price exception' END AS verdict
  FROM invoice_line i
  JOIN order_line o ON o.supplier_id = i.supplier_id AND o.sku = i.sku
 ORDER BY i.invoice, i.sku;
\echo 'Candidate lines for an invoiced unit price of 18.90 EUR, through the index:'
SET enable_seqscan = off;
SELECT po, line, unit_price, price_tolerance FROM order_line
 WHERE band(unit_price, price_tolerance) @> '18.90 EUR'::amount ORDER BY po, line;
EXPLAIN (COSTS OFF) SELECT po, line FROM order_line WHERE band(unit_price, price_tolerance) @> '18.90 EUR'::amount;
RESET enable_seqscan;

\echo
\echo '## 6. The audit ledger: every change provable, nobody can rewrite it unnoticed'
\echo 'The ERP shares one login; it names the end user per transaction with SET LOCAL procgov.actor.'
BEGIN;
SET LOCAL procgov.actor = 'm.weber';
SELECT procgov.audit_append('supplier:ACME:2', 'bank_changed',
       jsonb_build_object('before', 'DE89370400440532013000', 'after', 'GB82WEST12345698765432'),
       'supplier letter of 2026-11-20') AS entry_id;
COMMIT;
BEGIN;
SET LOCAL procgov.actor = 'j.doe';
SELECT po, procgov.audit_append('purchase_order:ACME:' || po, 'submit',
       jsonb_build_object('lines', lines, 'total', total::text)) AS entry_id
  FROM (SELECT po, count(*) AS lines, sum(unit_price * qty) AS total FROM order_line GROUP BY po) o
 ORDER BY po;
COMMIT;
BEGIN;
SET LOCAL procgov.actor = 'a.novak';
SELECT procgov.audit_append('purchase_order:ACME:PO-1001', 'approve', '{"from": "submitted", "to": "approved"}',
       'within approval limit') AS entry_id;
COMMIT;
SELECT entry_id, stream, seq, actor, action, payload, reason, left(encode(hash, 'hex'), 12) || '...' AS hash
  FROM procgov.audit_log ORDER BY entry_id;
\echo 'Sealing puts every entry under one Merkle block; its digest goes to the auditor, outside the database:'
SELECT procgov.seal_audit() AS block;
SELECT block_id, last_entry_id, digest FROM procgov.audit_digest();
SELECT digest AS kept_digest FROM procgov.audit_digest() \gset
\echo 'Nobody may change the ledger, superusers included:'
SELECT pg_temp.attempt($$UPDATE procgov.audit_log SET reason = 'tidied up' WHERE entry_id = 1$$) AS "UPDATE as superuser";
SELECT pg_temp.attempt($$DELETE FROM procgov.audit_log$$) AS "DELETE as superuser";
\echo 'A rogue superuser disables the guard and quietly redirects the bank change; verification names it:'
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE procgov.audit_log SET payload = jsonb_set(payload, '{after}', '"GB33BUKB20201555555555"') WHERE stream = 'supplier:ACME:2';
SELECT problem, entry_id, stream, seq, detail FROM procgov.verify_audit();
ROLLBACK;
\echo 'Rolled back: the ledger verifies again, and the digest kept outside still matches.'
SELECT count(*) AS problems, procgov.verify_audit_digest(:'kept_digest') AS digest_ok FROM procgov.verify_audit();
\echo 'The auditor exports the ledger and checks it on their own machine, without a database:'
\copy (SELECT * FROM procgov.audit_export ORDER BY entry_id) TO 'demo-entries.tsv'
\copy (SELECT * FROM procgov.audit_block_export ORDER BY block_id) TO 'demo-blocks.tsv'
\! procgov-verify --entries demo-entries.tsv --blocks demo-blocks.tsv --digest "$(psql -X -At -d distributor -c 'SELECT digest FROM procgov.audit_digest()')"
\! rm -f demo-entries.tsv demo-blocks.tsv

\echo
\echo '## 7. Events: every change reaches the systems that care, and none is ever missed'
\echo 'Two consumers are registered: the ERP sync job and an n8n workflow.'
SELECT procgov.register_consumer('erp-sync'), procgov.register_consumer('n8n-orders', false, 2);
LISTEN procgov_events;
\echo 'Purchasing approves PO-1002 and transmits it: two events, one small notification at commit.'
BEGIN;
SET LOCAL procgov.actor = 'a.novak';
SELECT procgov.emit('po.approved', 'purchase_order:ACME:PO-1002', '{"total": "727.50 USD"}',
                    'b2c1f0de-4711-4c2a-9e10-000000001002') AS event_id;
SELECT procgov.emit('po.transmitted', 'purchase_order:ACME:PO-1002', '{"channel": "edi", "supplier": "Keystone Fasteners Inc"}',
                    'b2c1f0de-4711-4c2a-9e10-000000001002') AS event_id;
COMMIT;
\echo 'Two clerks work at once: the one who started first commits last, so event ids are out of'
\echo 'commit order.  The ERP sync job polls in between and still gets every event exactly once.'
\! psql -X -q -d distributor -c "BEGIN; SELECT procgov.emit('receipt.posted', 'receipt:ACME:GR-501', '{\"po\": \"PO-1001\"}'); SELECT pg_sleep(2); COMMIT;" >/dev/null &
SELECT pg_sleep(0.5);
SELECT procgov.emit('invoice.received', 'invoice:ACME:INV-77', '{"po": "PO-1001", "total": "949.40 EUR"}') AS fast_clerk_event;
\echo 'The ERP sync job polls while the slow clerk is still working:'
SELECT id, type, aggregateid FROM procgov.poll('erp-sync', 10);
SELECT procgov.ack('erp-sync', (SELECT max(id) FROM procgov.outbox WHERE type = 'invoice.received')) AS acked;
SELECT pg_sleep(2);
\echo 'The slow clerk has committed; the next poll brings the event with the lower id that the first poll could not see:'
SELECT id, type, aggregateid FROM procgov.poll('erp-sync', 10);
SELECT procgov.ack('erp-sync', (SELECT id FROM procgov.outbox WHERE type = 'receipt.posted')) AS acked;
SELECT count(*) AS nothing_left FROM procgov.poll('erp-sync', 10);
\echo 'The n8n webhook fails twice on the invoice (its retry limit is 2): the event goes to the dead letters.'
SELECT count(*) AS handed_out FROM procgov.poll('n8n-orders', 10);
SELECT procgov.nack('n8n-orders', (SELECT id FROM procgov.outbox WHERE type = 'invoice.received'), 'HTTP 502 from n8n') AS first_try;
SELECT count(*) AS handed_out_again FROM procgov.poll('n8n-orders', 10);
SELECT procgov.nack('n8n-orders', (SELECT id FROM procgov.outbox WHERE type = 'invoice.received'), 'HTTP 502 from n8n') AS second_try;
SELECT consumer, event->>'type' AS type, event->'aggregate'->>'id' AS aggregate, errors FROM procgov.dead_letter;
SELECT consumer, delivered, acknowledged, dead_lettered FROM procgov.consumer ORDER BY consumer;
\echo 'With many writers, every notifying commit waits for one database-wide lock.  Under procgov.notify = relay'
\echo 'a writer sends nothing at commit; procgov''s relay (a background worker, procgov.relay_databases) announces'
\echo 'what such writers committed since its last pass, every 100 ms.  Three events in two transactions, one'
\echo 'notification, from the relay''s process:'
SELECT EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'procgov relay' AND datname = current_database())
	AS relay_running \gset
\if :relay_running
\else
	\echo '(the relay connects within 10 s of the database''s creation; waiting for it)'
	DO $$ BEGIN
		FOR i IN 1..150 LOOP
			EXIT WHEN EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'procgov relay' AND datname = current_database());
			PERFORM pg_sleep(0.1);
		END LOOP;
	END $$;
\endif
SET procgov.notify = relay;
SELECT procgov.emit('po.acknowledged', 'purchase_order:ACME:PO-1002', '{"confirmed": "2026-12-10"}') AS event_id;
BEGIN;
SELECT procgov.emit('receipt.posted', 'receipt:ACME:GR-502', '{"po": "PO-1002"}') AS event_id;
SELECT procgov.emit('po.received', 'purchase_order:ACME:PO-1002', '{}') AS event_id;
COMMIT;
SELECT pg_sleep(0.5);
\echo 'The relay is no superuser: it connects as distributor_relay (procgov.relay_role), a member of procgov_relay.'
SELECT pid, backend_type, usename AS connected_as, (SELECT notifications FROM procgov.relay_state) AS relay_notifications,
       (SELECT events FROM procgov.relay_state) AS relay_events
  FROM pg_stat_activity WHERE backend_type = 'procgov relay' AND datname = current_database();
RESET procgov.notify;

\echo
\echo '## 8. Requisition to received order: the state machine, in every transaction'
UNLISTEN procgov_events;
\echo 'Northwind Supply (entity NWS, books in USD) sets up its master data: suppliers, items, a budget line.'
INSERT INTO procgov.entity (entity_id, name, base_currency, controller) VALUES ('NWS', 'Northwind Supply Inc', 'USD', 'carla.controller');
INSERT INTO procgov.supplier (entity_id, code, name, status, risk_tier, iban) VALUES
	('NWS', 'KEY', 'Keystone Fasteners Inc', 'approved', 'low', 'GB29NWBK60161331926819'),
	('NWS', 'HOLD', 'Holdover Metals', 'on_hold', 'high', 'DE89370400440532013000');
INSERT INTO procgov.item (entity_id, sku, gtin, description, category_code) VALUES
	('NWS', 'HX-M8', '4006381333931', 'Hex bolt M8, zinc', '31.16'),
	('NWS', 'NUT-M8', NULL, 'Hex nut M8', '31.16');
INSERT INTO procgov.budget (entity_id, cost_center, period, amount, committed, spent)
VALUES ('NWS', 'WH-EAST', '2026-11', '2500 USD', '0 USD', '0 USD');
\echo 'Maria in the east warehouse asks for bolts and nuts (the ERP passes her name as procgov.actor):'
SET procgov.actor = 'maria.requester';
SELECT procgov.create_requisition('NWS', 'WH-EAST',
	'[{"item": "HX-M8", "quantity": 2000, "unit_price": "0.19 USD", "supplier": "KEY"},
	  {"item": "NUT-M8", "quantity": 2000, "unit_price": "0.07 USD", "supplier": "KEY"}]',
	budget_period => '2026-11') - 'correlation_id' AS requisition;
SELECT procgov.submit_requisition('NWS', 'REQ-000001') ->> 'state' AS state;
\echo 'She tries to approve her own request; segregation of duties says no:'
SELECT pg_temp.attempt($$SELECT procgov.approve_document('requisition', 'NWS', 'REQ-000001')$$) AS outcome;
SET procgov.actor = 'omar.approver';
SELECT procgov.approve_document('requisition', 'NWS', 'REQ-000001', 'stock below minimum') ->> 'state' AS state;
\echo 'Ben in purchasing turns it into an order, one per supplier, and submits it:'
SET procgov.actor = 'ben.buyer';
SELECT o ->> 'number' AS purchase_order, o ->> 'state' AS state, o ->> 'total' AS total
  FROM jsonb_array_elements(procgov.convert_requisition('NWS', 'REQ-000001') -> 'orders') AS o;
SELECT procgov.submit_order('NWS', 'PO-000001') ->> 'state' AS state;
\echo 'The ERP tries a shortcut with a direct UPDATE; the same trigger refuses it:'
SELECT pg_temp.attempt($$UPDATE procgov.purchase_order SET state = 'transmitted' WHERE number = 'PO-000001'$$) AS outcome;
SET procgov.actor = 'omar.approver';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-000001') ->> 'state' AS state;
SELECT cost_center, amount, committed, amount - committed - spent AS available FROM procgov.budget WHERE entity_id = 'NWS';
\echo 'Keystone raises the bolt price after approval: a new version, and back to approval (the total grew):'
SET procgov.actor = 'ben.buyer';
BEGIN;
SET LOCAL procgov.reason = 'supplier price increase, mail of 24 Nov';
UPDATE procgov.purchase_order_line SET unit_price = '0.21 USD'
 WHERE po_id = (SELECT po_id FROM procgov.purchase_order WHERE number = 'PO-000001') AND line_no = 1;
COMMIT;
SELECT number, state, version, total, approved_total FROM procgov.purchase_order WHERE entity_id = 'NWS';
SET procgov.actor = 'omar.approver';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-000001', 'accepted the increase') ->> 'state' AS state;
SET procgov.actor = 'ben.buyer';
SELECT procgov.transmit_order('NWS', 'PO-000001') ->> 'state' AS state;
\echo 'Keystone confirms, 200 nuts short; the goods arrive in two deliveries:'
SELECT procgov.record_acknowledgement('NWS', 'PO-000001',
	'[{"line": 1, "confirmed_qty": 2000, "confirmed_date": "2026-11-30"}, {"line": 2, "confirmed_qty": 1800}]',
	'nuts back-ordered') ->> 'state' AS state;
SET procgov.actor = 'rita.receiving';
SELECT procgov.post_receipt('NWS', 'PO-000001', '[{"line": 1, "quantity": 2000}, {"line": 2, "quantity": 1800}]') -> 'order' ->> 'state' AS order_state;
SELECT pg_temp.attempt($$SELECT procgov.post_receipt('NWS', 'PO-000001', '[{"line": 2, "quantity": 300}]')$$) AS receiving_too_much;
SELECT procgov.post_receipt('NWS', 'PO-000001', '[{"line": 2, "quantity": 200}]') -> 'order' ->> 'state' AS order_state;
SELECT line_no, quantity, confirmed_qty, received_qty, unit_price FROM procgov.purchase_order_line
 WHERE entity_id = 'NWS' ORDER BY line_no;
\echo 'Meanwhile an order to a supplier on hold cannot be approved:'
SET procgov.actor = 'ben.buyer';
SELECT procgov.create_purchase_order('NWS', 'HOLD', '[{"description": "Steel rod 12mm", "quantity": 50, "unit_price": "8.40 USD"}]') ->> 'number' AS number;
SELECT procgov.submit_order('NWS', 'PO-000002') ->> 'state' AS state;
SET procgov.actor = 'omar.approver';
SELECT pg_temp.attempt($$SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-000002')$$) AS outcome;
\echo 'The audit trail of PO-000001: who moved it, when, from what to what (hash-chained, see chapter 6):'
SELECT seq, actor, action, coalesce(payload ->> 'from', '-') AS "from", coalesce(payload ->> 'to', '-') AS "to",
       coalesce(reason, '') AS reason
  FROM procgov.audit_log WHERE stream = 'purchase_order:NWS:PO-000001' ORDER BY seq;
\echo 'One correlation id ties the requisition, the order and its receipts together:'
SELECT split_part(a.stream, ':', 1) AS document, split_part(a.stream, ':', 3) AS number, count(*) AS ledger_entries
  FROM procgov.audit_log a
 WHERE a.stream LIKE '%:NWS:%' AND split_part(a.stream, ':', 1) IN ('requisition', 'purchase_order', 'receipt')
   AND split_part(a.stream, ':', 3) IN (SELECT number FROM procgov.requisition WHERE entity_id = 'NWS'
		UNION ALL SELECT number FROM procgov.purchase_order WHERE entity_id = 'NWS' AND correlation_id = (SELECT correlation_id FROM procgov.requisition WHERE number = 'REQ-000001')
		UNION ALL SELECT number FROM procgov.receipt WHERE entity_id = 'NWS')
 GROUP BY 1, 2 ORDER BY min(a.entry_id);
\echo 'And the ERP sync job receives every state change as an event, in order, sharing that correlation id:'
SELECT id, type, aggregateid, (envelope ->> 'correlation_id') = (SELECT correlation_id::text FROM procgov.requisition WHERE number = 'REQ-000001') AS same_correlation
  FROM procgov.poll('erp-sync', 100) WHERE aggregateid LIKE 'NWS:%';
SELECT procgov.ack('erp-sync', (SELECT max(id) FROM procgov.outbox)) AS acked;
SELECT count(*) AS ledger_problems FROM procgov.verify_audit();
RESET procgov.actor;

\echo
\echo '## 9. Policy as data: the approval matrix the controller edits, enforced in every submit'
\echo 'Carla, the controller, imports the matrix from its JSON document (docs/examples/northwind_policy.json) and activates it:'
SET procgov.actor = 'carla.controller';
UPDATE procgov.supplier SET created_at = '2019-05-01' WHERE entity_id = 'NWS';	-- long-standing suppliers
INSERT INTO procgov.item (entity_id, sku, description, category_code) VALUES ('NWS', 'LAP-14', 'Laptop 14"', '43.21');
SELECT procgov.import_policy(pg_read_file(:'root' || '/docs/examples/northwind_policy.json')) AS draft_version;
SELECT procgov.activate_policy('NWS', 1) - 'hash' AS activated;
SELECT version, name, status, (SELECT count(*) FROM procgov.approval_rule r WHERE r.policy_id = p.policy_id) AS rules,
       left(encode(hash, 'hex'), 16) || '...' AS hash
  FROM procgov.policy p WHERE entity_id = 'NWS';
\echo 'A what-if for the buying screen: 12,000 USD of laptops for the east warehouse, off contract. Which rules, and why?'
SELECT rule, outcome, why FROM procgov.explain('purchase_order', jsonb_build_object('entity_id', 'NWS', 'total', '12000.00 USD',
		'site', 'WH-EAST', 'categories', jsonb_build_array('43.21'), 'lines', jsonb_build_array(jsonb_build_object('unit_price', '1200.00 USD')),
		'suppliers', jsonb_build_array(jsonb_build_object('risk_tier', 'low', 'status', 'approved', 'since', '2019-05-01')), 'today', current_date))
 WHERE matched;
\echo 'Ben orders exactly that; the submit plans the steps the matrix asks for:'
SET procgov.actor = 'ben.buyer';
SELECT procgov.create_purchase_order('NWS', 'KEY', '[{"item": "LAP-14", "quantity": 10, "unit_price": "1200.00 USD"}]', number => 'PO-IT-1') ->> 'number' AS po;
UPDATE procgov.purchase_order SET site = 'WH-EAST' WHERE entity_id = 'NWS' AND number = 'PO-IT-1';
SELECT s ->> 'step' AS step, s ->> 'role' AS role, s ->> 'required' AS approvals_needed, s -> 'assigned_to' AS who_can_approve
  FROM jsonb_array_elements(procgov.submit_order('NWS', 'PO-IT-1') -> 'steps') s;
\echo 'Ben may not approve his own order, Omar (manager, 10k) holds no director role, Ivan approves once only:'
SELECT pg_temp.attempt($$SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-IT-1')$$) AS ben;
SET procgov.actor = 'omar.approver';
SELECT pg_temp.attempt(format('SELECT procgov.approve(%s)', (SELECT step_id FROM procgov.approval_step WHERE doc_number = 'PO-IT-1' AND role = 'director'))) AS omar;
SET procgov.actor = 'ivan.it';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-IT-1') #>> '{step,role}' AS ivan_approved;
SELECT pg_temp.attempt($$SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-IT-1')$$) AS ivan_again;
\echo 'Dora, the director, is travelling: she delegates the director role to Omar for a week, and he approves on her behalf:'
SET procgov.actor = 'dora.director';
SELECT procgov.delegate('NWS', 'omar.approver', now() + interval '7 days', role => 'director') AS delegation;
SET procgov.actor = 'omar.approver';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-IT-1', 'for Dora') -> 'step' ->> 'on_behalf_of' AS on_behalf_of;
SET procgov.actor = 'iris.it';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-IT-1') ->> 'state' AS after_iris;
SET procgov.actor = 'erin.site';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-IT-1') ->> 'state' AS after_erin;
SET procgov.actor = 'cora.category';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-IT-1') ->> 'state' AS after_cora;
SELECT s.step_no, s.role, s.required, s.status, string_agg(a.decided_by || coalesce(' for ' || a.on_behalf_of, ''), ', ') AS approved_by,
       p.version AS policy_version
  FROM procgov.approval_step s JOIN procgov.policy p USING (entity_id, policy_id)
  LEFT JOIN procgov.approval a ON a.entity_id = s.entity_id AND a.step_id = s.step_id
 WHERE s.doc_number = 'PO-IT-1' GROUP BY s.step_no, s.role, s.required, s.status, p.version ORDER BY s.step_no;
\echo 'An urgent order needs a written justification, then takes the fast path (steps due in 4 hours):'
SET procgov.actor = 'ben.buyer';
SELECT procgov.create_purchase_order('NWS', 'KEY', '[{"item": "HX-M8", "quantity": 10000, "unit_price": "0.21 USD"}]', number => 'PO-RUSH') ->> 'number' AS po;
SELECT pg_temp.attempt($$SELECT procgov.submit('purchase_order', 'NWS', 'PO-RUSH', urgent => true)$$) AS without_reason;
SELECT s ->> 'role' AS role, (s ->> 'due_at')::timestamptz - now() < interval '4 hours 1 minute' AS due_within_4_hours
  FROM jsonb_array_elements(procgov.submit('purchase_order', 'NWS', 'PO-RUSH', urgent => true,
		justification => 'east line stopped: bolts out') -> 'steps') s;
\echo 'A fraud model scores the rush order: advisory only, it adds a hold a person must clear, and can approve nothing:'
SET procgov.actor = 'fraud-model';
SELECT procgov.signal('purchase_order', 'NWS', 'PO-RUSH', 'fraud-model', 'fraud', 0.91, 0.82,
	'supplier bank account changed recently', 'fm-2.3') -> 'added_steps' AS added_steps;
SELECT role, status, reason FROM procgov.approval_step WHERE doc_number = 'PO-RUSH' AND status <> 'superseded' ORDER BY step_no;
SET procgov.actor = 'omar.approver';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-RUSH') ->> 'state' AS after_manager;
SET procgov.actor = 'dora.director';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-RUSH') ->> 'state' AS after_director;
\echo 'The hold is cleared only by name, by a person of the default role who has not approved yet:'
SET procgov.actor = 'lena.manager';
SELECT procgov.approve((SELECT step_id FROM procgov.approval_step WHERE doc_number = 'PO-RUSH' AND status = 'held'),
	'called Keystone back on the known number') #>> '{document,state}' AS after_hold_cleared;
SET procgov.actor = 'cora.category';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-RUSH') ->> 'state' AS after_category_manager;
\echo 'Ben may not post the receipt of his own order; Rita in receiving does:'
SET procgov.actor = 'ben.buyer';
SELECT procgov.transmit_order('NWS', 'PO-RUSH') ->> 'state' AS state;
SELECT pg_temp.attempt($$SELECT procgov.post_receipt('NWS', 'PO-RUSH', '[{"line": 1, "quantity": 10000}]')$$) AS ben_receiving;
SET procgov.actor = 'rita.receiving';
SELECT procgov.post_receipt('NWS', 'PO-RUSH', '[{"line": 1, "quantity": 10000}]') -> 'order' ->> 'state' AS order_state;
\echo 'The ledger shows the expedite, the signal and every decision; the ERP sync job gets policy.activated too:'
SELECT seq, actor, action, coalesce(payload ->> 'to', payload ->> 'justification', payload ->> 'kind', '') AS what
  FROM procgov.audit_log WHERE stream = 'purchase_order:NWS:PO-RUSH' ORDER BY seq;
SELECT type, aggregateid FROM procgov.poll('erp-sync', 100) WHERE type LIKE 'policy.%';
SELECT procgov.ack('erp-sync', (SELECT max(id) FROM procgov.outbox)) AS acked;
SELECT count(*) AS ledger_problems FROM procgov.verify_audit();
RESET procgov.actor;

\echo
\echo '## 10. Three-way matching: order, receipt, invoice'
\echo 'The policy Carla imported carries match rules: never bill more than received, prices within 2% and'
\echo '25 USD, 1% for Keystone (who restarts its invoice numbers every year), services matched two-way:'
SELECT r.name, coalesce(r.supplier_code, '-') AS supplier, coalesce(r.category_prefix, '-') AS category,
       coalesce(r.qty_tolerance::text, '-') AS qty, coalesce(r.price_tolerance::text, '-') AS price,
       coalesce(r.two_way::text, '-') AS two_way
  FROM procgov.match_rule r JOIN procgov.policy p USING (entity_id, policy_id)
 WHERE p.entity_id = 'NWS' AND p.status = 'active' ORDER BY r.rule_id;
\echo 'Keystone''s invoices arrive through the ERP: one for PO-000001, one for the rush order at a higher'
\echo 'bolt price, and the rush invoice again, its number written differently by a second mail import:'
SET procgov.actor = 'anna.ap';
SELECT procgov.register_invoice('NWS', 'KEY', 'K-2026-311', '2026-11-26',
	'[{"po_line": 1, "quantity": 2000, "unit_price": "0.21 USD"}, {"po_line": 2, "quantity": 2000, "unit_price": "0.07 USD"}]',
	'PO-000001') ->> 'number' AS invoice;
SELECT procgov.register_invoice('NWS', 'KEY', 'K-2026-312', '2026-11-26',
	'[{"po_line": 1, "quantity": 10000, "unit_price": "0.215 USD"}]', 'PO-RUSH') ->> 'number' AS invoice;
SELECT procgov.register_invoice('NWS', 'KEY', 'K 2026/0312', '2026-11-26',
	'[{"po_line": 1, "quantity": 10000, "unit_price": "0.215 USD"}]', 'PO-RUSH') ->> 'number' AS invoice;
\echo 'What matching would say about the rush invoice, line by line, before anything happens:'
SELECT line_no, order_number, result, quantity, received, billable, unit_price, order_price, price_variance, price_allowance, price_tolerance
  FROM procgov.three_way_match('NWS', 'INV-000002');
\echo 'The nightly job matches everything waiting (pg_cron will run it; here we call it):'
SELECT * FROM procgov.match_pending('NWS');
SELECT number, supplier_invoice_no, state FROM procgov.invoice WHERE entity_id = 'NWS' ORDER BY number;
\echo 'Each mismatch is a case with an owner, a due date and the context the owner needs:'
SELECT case_id, doc_number, kind, owner, due_at::date AS due, details ->> 'order' AS order_number,
       coalesce(details ->> 'duplicate_of', '') AS duplicate_of, jsonb_array_length(details -> 'receipts') AS receipts
  FROM procgov.exception_case WHERE entity_id = 'NWS' ORDER BY case_id;
\echo 'Nobody settles a dispute around the rules: not an UPDATE of the invoice''s state (only matching marks an'
\echo 'invoice matched), and not Ben asking the supplier for a credit note on the price of his own order:'
SET procgov.actor = 'ben.buyer';
SELECT pg_temp.attempt($$UPDATE procgov.invoice SET state = 'matched' WHERE entity_id = 'NWS' AND number = 'INV-000002'$$) AS plain_update;
SELECT pg_temp.attempt(format($$SELECT procgov.request_credit_note('NWS', %s, 'supplier will credit')$$,
	(SELECT case_id FROM procgov.exception_case WHERE entity_id = 'NWS' AND kind = 'price_over'))) AS ben_credit_note;
\echo 'Ben bought the bolts, so he may not wave the price through either; Carla (controller, up to 5,000 USD) may:'
SELECT pg_temp.attempt(format($$SELECT procgov.accept_variance('NWS', %s, 'fine')$$,
	(SELECT case_id FROM procgov.exception_case WHERE entity_id = 'NWS' AND kind = 'price_over'))) AS ben;
SET procgov.actor = 'carla.controller';
SELECT r ->> 'variance' AS variance, r ->> 'resolution' AS resolution, r #>> '{invoice,state}' AS invoice_state
  FROM procgov.accept_variance('NWS', (SELECT case_id FROM procgov.exception_case WHERE entity_id = 'NWS' AND kind = 'price_over'),
	'Keystone''s zinc surcharge, agreed by phone on 25 Nov') r;
\echo 'Anna cancels the duplicate; its case closes with it:'
SET procgov.actor = 'anna.ap';
SELECT procgov.cancel_document('invoice', 'NWS', 'INV-000003', 'duplicate of INV-000002 (mail import)') ->> 'state' AS state;
SELECT case_id, kind, status, resolution, resolved_by FROM procgov.exception_case WHERE entity_id = 'NWS' ORDER BY case_id;
\echo 'The order lines now show what was billed; the ERP sync job hears about every outcome:'
SELECT o.number, l.line_no, l.quantity, l.received_qty, l.invoiced_qty
  FROM procgov.purchase_order_line l JOIN procgov.purchase_order o USING (entity_id, po_id)
 WHERE l.entity_id = 'NWS' AND o.number IN ('PO-000001', 'PO-RUSH') ORDER BY o.number, l.line_no;
SELECT type, aggregateid, coalesce(envelope #>> '{payload,kind}', '') AS kind, coalesce(envelope #>> '{payload,resolution}', '') AS resolution
  FROM procgov.poll('erp-sync', 100)
 WHERE type IN ('match.completed', 'match.exception', 'invoice.disputed', 'exception.resolved', 'invoice.cancelled');
SELECT procgov.ack('erp-sync', (SELECT max(id) FROM procgov.outbox)) AS acked;
\echo 'The rush invoice''s own audit trail, from registration to the accepted variance:'
SELECT seq, actor, action, coalesce(payload ->> 'to', payload ->> 'kind', '') AS what, coalesce(reason, '') AS reason
  FROM procgov.audit_log WHERE stream = 'invoice:NWS:INV-000002' ORDER BY seq;
SELECT count(*) AS ledger_problems FROM procgov.verify_audit();
RESET procgov.actor;

\echo
\echo '## 11. Nothing stalls unnoticed: the jobs, on pg_cron'
\echo 'pg_cron lives in this database, so procgov schedules its jobs here, under stable names:'
SELECT job, jobname, schedule, scheduled FROM procgov.schedule_jobs();
SELECT jobname, schedule, command FROM cron.job WHERE jobname LIKE 'procgov:%' ORDER BY jobid;
\echo 'Ben submits a big order; the matrix asks a manager (who escalates to the director after a day) and the'
\echo 'category manager (no escalation set). Three days on, nobody has decided: what the escalation job does'
\echo '(we pass the time instead of waiting for it):'
SET procgov.actor = 'ben.buyer';
SELECT procgov.create_purchase_order('NWS', 'KEY', '[{"item": "HX-M8", "quantity": 30000, "unit_price": "0.21 USD"}]',
	number => 'PO-BIG') ->> 'number' AS po;
SELECT procgov.submit_order('NWS', 'PO-BIG') ->> 'state' AS state;
SELECT step_no, role, coalesce(escalate_to, '(none)') AS escalates_to, due_at::date - current_date AS due_in_days
  FROM procgov.approval_step WHERE entity_id = 'NWS' AND doc_number = 'PO-BIG' ORDER BY step_no;
RESET procgov.actor;
SELECT status, rows_affected, detail FROM procgov.run_escalations(now() + interval '3 days');
SELECT step_no, role, escalations, assigned_to FROM procgov.approval_step
 WHERE entity_id = 'NWS' AND doc_number = 'PO-BIG' ORDER BY step_no;
\echo 'The category manager''s step has nowhere to go: Carla, the controller, owns a case for it:'
SELECT kind, doc_number, owner, details -> 'steps' -> 0 ->> 'role' AS stalled_role FROM procgov.exception_case
 WHERE entity_id = 'NWS' AND kind = 'approval_overdue';
\echo 'Dora (now assigned) and Cora approve; the next run closes Carla''s case by itself:'
SET procgov.actor = 'dora.director';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-BIG') ->> 'state' AS state;
SET procgov.actor = 'cora.category';
SELECT procgov.approve_document('purchase_order', 'NWS', 'PO-BIG') ->> 'state' AS state;
RESET procgov.actor;
SELECT status, rows_affected, detail FROM procgov.run_escalations(now() + interval '3 days');
\echo 'A week on, the reconciliation job finds what drifted: orders approved and never sent to the supplier,'
\echo 'each a case owned by its buyer, announced as exception.opened:'
SELECT status, rows_affected, detail FROM procgov.run_reconciliation(now() + interval '7 days');
SELECT kind, doc_number, owner, due_at::date - current_date AS due_in_days FROM procgov.exception_case
 WHERE entity_id = 'NWS' AND status = 'open' AND kind LIKE 'po_%' ORDER BY kind, doc_number;
\echo 'Ben sends both; the next run closes those cases by itself (and, judging a week on, notices that the'
\echo 'supplier has not acknowledged them: two new cases):'
SET procgov.actor = 'ben.buyer';
SELECT procgov.transmit_order('NWS', 'PO-BIG') ->> 'state' AS state;
SELECT procgov.transmit_order('NWS', 'PO-IT-1') ->> 'state' AS state;
RESET procgov.actor;
SELECT status, rows_affected, detail FROM procgov.run_reconciliation(now() + interval '7 days');
SELECT kind, doc_number, status, coalesce(resolution, '') AS resolution FROM procgov.exception_case
 WHERE entity_id = 'NWS' AND kind IN ('po_not_transmitted', 'po_not_acknowledged', 'approval_overdue') ORDER BY case_id;
\echo 'Every run is on record, with what it did (a failed run would show its error here):'
SELECT run_id, job, status, rows_affected, detail FROM procgov.job_run ORDER BY run_id;
SELECT count(*) AS ledger_problems FROM procgov.verify_audit();
SELECT count(*) AS unscheduled FROM procgov.unschedule_jobs() WHERE unscheduled;

\echo
\echo '## 12. The ERP''s own tables, governed'
\echo 'Northwind''s ERP keeps its purchase orders in its own tables (an Odoo-style schema here). Dana, the DBA,'
\echo 'puts them under governance without changing the ERP; the two orders already there are adopted as they are:'
CREATE SCHEMA erp;
CREATE TABLE erp.purchase_order (id serial PRIMARY KEY, name text NOT NULL UNIQUE, state text NOT NULL DEFAULT 'draft',
	partner_ref text NOT NULL, notes text, write_date timestamp NOT NULL DEFAULT now());
CREATE TABLE erp.purchase_order_line (id serial PRIMARY KEY, order_id integer NOT NULL REFERENCES erp.purchase_order ON DELETE CASCADE,
	product_code text, name text NOT NULL, product_qty numeric NOT NULL DEFAULT 0, qty_received numeric NOT NULL DEFAULT 0,
	qty_invoiced numeric NOT NULL DEFAULT 0, price_unit numeric NOT NULL DEFAULT 0);
INSERT INTO erp.purchase_order (name, state, partner_ref) VALUES ('E00001', 'purchase', 'KEY'), ('E00002', 'draft', 'KEY');
INSERT INTO erp.purchase_order_line (order_id, product_code, name, product_qty, qty_received, price_unit) VALUES
	(1, 'NUT-M8', 'Hex nut M8', 5000, 5000, 0.07), (2, 'HX-M8', 'Hex bolt M8', 1000, 0, 0.19);
SET procgov.actor = 'dana.dba';
SELECT procgov.govern('erp.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "sent": null, "to approve": "pending_approval", "purchase": ["approved", "transmitted"],
				"done": "closed", "cancel": "cancelled"}',
	entity => 'NWS', number => 'name', supplier => 'partner_ref', currency => 'USD') AS governed;
SELECT procgov.govern('erp.purchase_order_line', 'purchase_order_line', key => 'id', parent => 'erp.purchase_order',
	parent_key => 'order_id', quantity => 'product_qty', unit_price => 'price_unit', received => 'qty_received',
	invoiced => 'qty_invoiced', description => 'name', item => 'product_code') AS governed;
SELECT po.number, po.state, po.total, g.local_status FROM procgov.governed_row g
  JOIN procgov.purchase_order po ON po.entity_id = g.entity_id AND po.po_id = g.po_id
 WHERE g.relid = 'erp.purchase_order'::regclass ORDER BY po.number;
\echo 'Keystone''s framework contract for the bolts (0.19 USD) comes in; the ERP''s login has rights on its own tables'
\echo 'and none on procgov''s; as a member of procgov_service it names its user per transaction. Bea raises an order'
\echo 'of 3,800 USD in the ERP and asks for approval there (status "to approve"):'
INSERT INTO procgov.contract (entity_id, number, supplier_id, item_id, unit_price, valid_from, valid_to)
SELECT 'NWS', 'K-FW-2027', s.supplier_id, i.item_id, '0.19 USD', '2026-01-01', '2027-12-31'
  FROM procgov.supplier s, procgov.item i WHERE s.entity_id = 'NWS' AND s.code = 'KEY' AND i.entity_id = 'NWS' AND i.sku = 'HX-M8';
CREATE ROLE erp_app IN ROLE procgov_service;
GRANT USAGE ON SCHEMA erp TO erp_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON erp.purchase_order, erp.purchase_order_line TO erp_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA erp TO erp_app;
SET ROLE erp_app;
BEGIN;
SET LOCAL procgov.actor = 'bea.buyer';
INSERT INTO erp.purchase_order (name, partner_ref) VALUES ('E00003', 'KEY');
INSERT INTO erp.purchase_order_line (order_id, product_code, name, product_qty, price_unit)
VALUES (currval('erp.purchase_order_id_seq'), NULL, '--- fasteners ---', 0, 0),
	   (currval('erp.purchase_order_id_seq'), 'HX-M8', 'Hex bolt M8', 20000, 0.19);
UPDATE erp.purchase_order SET state = 'to approve' WHERE name = 'E00003';
COMMIT;
RESET ROLE;
\echo 'procgov''s document for it: the section line is no order line; on contract, the matrix asks a manager within a day:'
SELECT number, state, total, buyer, created_by FROM procgov.purchase_order WHERE entity_id = 'NWS' AND number = 'E00003';
SELECT step_no, role, assigned_to, sla FROM procgov.approval_step WHERE entity_id = 'NWS' AND doc_number = 'E00003' ORDER BY step_no;
\echo 'Bea, impatient, confirms the order in the ERP. The ERP''s own UPDATE is refused, and its user is told why:'
SET ROLE erp_app;
\set ON_ERROR_STOP off
\set SHOW_CONTEXT never
BEGIN;
SET LOCAL procgov.actor = 'bea.buyer';
UPDATE erp.purchase_order SET state = 'purchase' WHERE name = 'E00003';
ROLLBACK;
\set SHOW_CONTEXT errors
\set ON_ERROR_STOP on
RESET ROLE;
\echo 'Omar approves (in procgov; the ERP hears po.approved on procgov_events). Now the ERP''s confirm goes through,'
\echo 'approved and sent in one step as the state map says:'
SET procgov.actor = 'omar.approver';
SELECT procgov.approve_document('purchase_order', 'NWS', 'E00003') ->> 'state' AS state;
RESET procgov.actor;
SET ROLE erp_app;
BEGIN;
SET LOCAL procgov.actor = 'bea.buyer';
UPDATE erp.purchase_order SET state = 'purchase' WHERE name = 'E00003';
COMMIT;
\echo 'The goods arrive in two deliveries, booked in the ERP by Rita; the document follows:'
BEGIN;
SET LOCAL procgov.actor = 'rita.receiver';
UPDATE erp.purchase_order_line SET qty_received = 12000 WHERE product_code = 'HX-M8' AND order_id = (SELECT id FROM erp.purchase_order WHERE name = 'E00003');
COMMIT;
RESET ROLE;
SELECT number, state FROM procgov.purchase_order WHERE entity_id = 'NWS' AND number = 'E00003';
SET ROLE erp_app;
BEGIN;
SET LOCAL procgov.actor = 'rita.receiver';
UPDATE erp.purchase_order_line SET qty_received = product_qty WHERE order_id = (SELECT id FROM erp.purchase_order WHERE name = 'E00003');
COMMIT;
RESET ROLE;
SELECT number, state FROM procgov.purchase_order WHERE entity_id = 'NWS' AND number = 'E00003';
\echo 'A clerk books a return as a negative price on the ERP line. Refused: approval judged 3,800 USD, and a'
\echo 'negative price would let matching pay what no approver saw:'
SET ROLE erp_app;
SELECT pg_temp.attempt($$UPDATE erp.purchase_order_line SET price_unit = -0.19
	WHERE product_code = 'HX-M8' AND order_id = (SELECT id FROM erp.purchase_order WHERE name = 'E00003')$$) AS erp_update;
RESET ROLE;
\echo 'Keystone''s invoice for it is registered in procgov against the ERP''s order lines and matches:'
SET procgov.actor = 'anna.ap';
SELECT procgov.register_invoice('NWS', 'KEY', 'K-2026-0977', current_date,
	(SELECT jsonb_agg(jsonb_build_object('po_line', g.line_no, 'quantity', l.product_qty, 'unit_price', l.price_unit || ' USD') ORDER BY g.line_no)
	   FROM erp.purchase_order_line l JOIN procgov.governed_row g ON g.relid = 'erp.purchase_order_line'::regclass AND g.erp_key = l.id::text
	  WHERE l.order_id = (SELECT id FROM erp.purchase_order WHERE name = 'E00003') AND l.product_qty > 0),
	order_number => 'E00003') ->> 'number' AS invoice;
SELECT matched, disputed FROM procgov.match_pending('NWS');
RESET procgov.actor;
\echo 'The ERP locks the order; the ledger holds every move, and those the ERP made name its local statuses:'
SET ROLE erp_app;
BEGIN;
SET LOCAL procgov.actor = 'bea.buyer';
UPDATE erp.purchase_order SET state = 'done' WHERE name = 'E00003';
COMMIT;
RESET ROLE;
SELECT seq, actor, action, coalesce(payload ->> 'to', '') AS state,
	   coalesce((payload -> 'local' ->> 'from') || ' -> ' || (payload -> 'local' ->> 'to'), '') AS erp_status
  FROM procgov.audit_log WHERE stream = 'purchase_order:NWS:E00003' ORDER BY seq;
\echo 'Someone "fixes" an order in the ERP behind procgov''s back (replica mode, the trigger off). The reconciliation'
\echo 'job finds it and gives the buyer a case:'
SET session_replication_role = replica;
UPDATE erp.purchase_order SET state = 'done' WHERE name = 'E00002';
RESET session_replication_role;
SELECT status, rows_affected FROM procgov.run_reconciliation();
SELECT kind, doc_number, owner, details ->> 'problem' AS problem, details ->> 'local_status' AS erp_status,
	   details ->> 'accepted_local_status' AS accepted, details ->> 'state' AS state
  FROM procgov.exception_case WHERE entity_id = 'NWS' AND kind = 'erp_state_drift' AND status = 'open';
SELECT count(*) AS ledger_problems FROM procgov.verify_audit();

\echo
\echo '## 13. What the controller''s BI tool sees'
\echo 'Metabase connects with a read-only login: procgov_reader reads the documented views, of the entities'
\echo 'granted to it, and nothing else:'
CREATE ROLE metabase_demo IN ROLE procgov_reader;
INSERT INTO procgov.entity_grant (grantee, entity_id) VALUES ('metabase_demo', 'NWS');
SET ROLE metabase_demo;
\echo 'Cycle times this month, by stage (hours; the demo ran in minutes):'
SELECT stage, sum(documents) AS orders, max(p90_hours) AS p90_hours FROM procgov.cycle_times
 WHERE entity_id = 'NWS' AND month = procgov.utc_month(now()) GROUP BY stage ORDER BY stage;
\echo 'Exceptions by stage and kind, open and closed:'
SELECT stage, kind, sum(cases) AS cases, sum(open) AS open, sum(closed) AS closed FROM procgov.exception_rate
 WHERE entity_id = 'NWS' GROUP BY stage, kind ORDER BY stage, kind;
\echo 'Maverick spend (no contract, or above it), by supplier:'
SELECT supplier, finding, sum(lines) AS lines, procgov.sum(spend) AS spend FROM procgov.off_contract_spend
 WHERE entity_id = 'NWS' GROUP BY supplier, finding ORDER BY supplier, finding;
\echo 'Suppliers over the last 90 days, and what reconciliation found (the ERP row changed behind procgov''s back):'
SELECT supplier, orders, in_full_rate, short_shipment_rate, price_variances, risk_signal FROM procgov.supplier_performance
 WHERE entity_id = 'NWS' AND orders > 0 ORDER BY supplier;
SELECT kind, doc_number, status, owner, coalesce(problem, '') AS problem FROM procgov.sync_drift WHERE entity_id = 'NWS' ORDER BY case_id;
\echo 'The jobs and the event consumers, for the operations dashboard:'
SELECT job, last_status, runs_24h, failures_24h FROM procgov.job_health ORDER BY job;
SELECT consumer, pending, dead_lettered FROM procgov.event_backlog ORDER BY consumer;
\echo 'The tables behind the views, and procgov''s functions, are not the BI login''s to read or call:'
\set ON_ERROR_STOP off
SELECT count(*) FROM procgov.purchase_order;
SELECT procgov.approve_document('purchase_order', 'NWS', 'E00003');
\set ON_ERROR_STOP on
RESET ROLE;
\echo 'Master data is on record too: Carla blocks Holdover Metals after a failed quality audit (no invoice of'
\echo 'theirs is posted for payment while it is blocked), and its ledger stream shows who did what, and why:'
BEGIN;
SET LOCAL procgov.actor = 'carla.controller';
SET LOCAL procgov.reason = 'quality audit failed, 2026-12-07';
UPDATE procgov.supplier SET status = 'blocked' WHERE entity_id = 'NWS' AND code = 'HOLD';
COMMIT;
SELECT seq, actor, action, CASE action WHEN 'insert' THEN 'created, status ' || (payload ->> 'status') ELSE payload::text END AS change,
       coalesce(reason, '') AS reason
  FROM procgov.audit_log WHERE stream = 'supplier:NWS:HOLD' ORDER BY seq;
SELECT count(*) AS ledger_problems FROM procgov.verify_audit();

\echo
\echo '## What is next'
\echo 'The targets procgov has not met yet are in the closing notes; docs/ has every part.'
