-- procgov's ERP adapter on an Odoo-style purchase schema: the ERP's own
-- tables put under governance with procgov.govern(), rows already there
-- adopted, then the whole lifecycle through the ERP's own statements
-- (RFQ, sent, to approve, confirmed, received in two deliveries, billed,
-- matched, locked), the transitions that are refused and why, the
-- ledger and the events, an ERP login with no rights on procgov, drift
-- written behind procgov's back, procgov.ungovern(), and every misuse.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET procgov.notify = off;

INSERT INTO procgov.entity (entity_id, name, base_currency, controller) VALUES ('ODO', 'Odoo distribution', 'USD', 'carla.controller');
-- the ERP's partners, known to procgov by their id as the supplier code
INSERT INTO procgov.supplier (entity_id, code, name, status) VALUES
	('ODO', '17', 'Hexa Fasteners', 'approved'), ('ODO', '18', 'Pack & Co', 'approved'), ('ODO', '19', 'Shady Parts', 'blocked');

-- ---- the ERP's schema, as Odoo keeps it (the columns procgov needs, and some it does not) ----
CREATE SCHEMA odoo;
CREATE TABLE odoo.purchase_order (
	id				serial PRIMARY KEY,
	name			text NOT NULL UNIQUE,
	state			text NOT NULL DEFAULT 'draft',	-- draft, sent, to approve, purchase, done, cancel
	partner_id		integer NOT NULL,
	date_order		timestamp NOT NULL DEFAULT now(),
	notes			text,
	write_date		timestamp NOT NULL DEFAULT now()
);
CREATE TABLE odoo.purchase_order_line (
	id				serial PRIMARY KEY,
	order_id		integer NOT NULL REFERENCES odoo.purchase_order ON DELETE CASCADE,
	name			text NOT NULL,
	product_qty		numeric NOT NULL,
	qty_received	numeric NOT NULL DEFAULT 0,
	qty_invoiced	numeric NOT NULL DEFAULT 0,
	price_unit		numeric NOT NULL
);
-- history from before procgov: one order confirmed and part received, one RFQ
INSERT INTO odoo.purchase_order (name, state, partner_id) VALUES ('P00001', 'purchase', 17), ('P00002', 'draft', 18);
INSERT INTO odoo.purchase_order_line (order_id, name, product_qty, qty_received, price_unit) VALUES
	(1, 'Hex bolt M8', 100, 40, 0.19), (2, 'Stretch film', 6, 0, 9.80);

-- ---- misuse of govern(), each refused with what to do ----
SELECT procgov.govern('odoo.no_such_table', 'purchase_order', key => 'id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.purchase_order', 'invoice', key => 'id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('procgov.purchase_order', 'purchase_order', key => 'po_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'ident', status => '{state}',
	states => '{"draft": "draft"}', entity => 'ODO', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'date_order', status => '{state}',
	states => '{"draft": "draft"}', entity => 'ODO', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a key that does not identify a row (no unique index on it alone): two rows would share a document
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'partner_id', status => '{state}',
	states => '{"draft": "draft"}', entity => 'ODO', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{status}',
	states => '{"draft": "draft"}', entity => 'ODO', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "purchase": "confirmed"}', entity => 'ODO', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft"}', entity => 'ODO', supplier => 'partner_id', number => 'nmae');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft"}', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft"}', entity => 'NOPE', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{state}', entity => 'ODO', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.purchase_order_line', 'purchase_order_line', key => 'id', parent => 'odoo.purchase_order',
	parent_key => 'order_id', quantity => 'product_qty', unit_price => 'price_unit');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a status already in the table that the map forgot: nothing is governed
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft"}', entity => 'ODO', number => 'name', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS governed_tables FROM procgov.governed_table WHERE relid::text LIKE 'odoo.%';
-- governing is for procgov_admin, and for one who may add triggers to the table
CREATE ROLE regress_erp_admin IN ROLE procgov_admin;
CREATE ROLE regress_erp_buyer IN ROLE procgov_requester;
GRANT USAGE ON SCHEMA odoo TO regress_erp_admin, regress_erp_buyer;
SET ROLE regress_erp_buyer;
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET ROLE regress_erp_admin;
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft"}', entity => 'ODO', number => 'name', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- ---- governing the order table and its lines; the rows already there are adopted ----
GRANT TRIGGER, SELECT ON odoo.purchase_order, odoo.purchase_order_line TO regress_erp_admin;
SET ROLE regress_erp_admin;
-- (a DBA's own login is no procgov_service: it is recorded, and owns what it governs, as itself)
SET procgov.actor = 'dba.dora';
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "sent": null, "to approve": "pending_approval", "purchase": ["approved", "transmitted"],
				"done": "closed", "cancel": "cancelled"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id', currency => 'USD');
SELECT procgov.govern('odoo.purchase_order_line', 'purchase_order_line', key => 'id', parent => 'odoo.purchase_order',
	parent_key => 'order_id', quantity => 'product_qty', unit_price => 'price_unit', received => 'qty_received',
	invoiced => 'qty_invoiced', description => 'name');
-- twice is refused
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft"}', entity => 'ODO', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.purchase_order_line', 'purchase_order_line', key => 'id', parent => 'odoo.purchase_order',
	parent_key => 'order_id', quantity => 'product_qty', unit_price => 'price_unit');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT relid, local_status, state, via FROM procgov.state_map WHERE relid = 'odoo.purchase_order'::regclass ORDER BY local_status;
SELECT po.number, po.state, po.total, g.local_status, l.line_no, l.quantity, l.received_qty
  FROM procgov.governed_row g JOIN procgov.purchase_order po ON po.entity_id = g.entity_id AND po.po_id = g.po_id
  JOIN procgov.purchase_order_line l ON l.entity_id = po.entity_id AND l.po_id = po.po_id
 WHERE g.relid = 'odoo.purchase_order'::regclass ORDER BY po.number;
SELECT stream, action, payload->>'to' AS state, payload->'enforced' AS enforced
  FROM procgov.audit_log WHERE stream LIKE 'purchase_order:ODO:%' OR stream LIKE 'governance:odoo.%' ORDER BY entry_id;

-- ---- the ERP's own login: no rights on procgov's objects, only on its tables; ----
-- ---- a member of procgov_service, so that it may name its users               ----
CREATE ROLE regress_odoo IN ROLE procgov_service;
GRANT USAGE ON SCHEMA odoo TO regress_odoo;
GRANT SELECT, INSERT, UPDATE, DELETE ON odoo.purchase_order, odoo.purchase_order_line TO regress_odoo;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA odoo TO regress_odoo;
SET ROLE regress_odoo;
SELECT count(*) FROM procgov.purchase_order;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- nor may it call what the trigger calls
SELECT procgov.erp_order_changed('odoo.purchase_order', 'UPDATE', '1', 'ODO', 'P00001', 'purchase', 'done', 'closed', '{}',
	'17', NULL, NULL, 'USD', NULL, false);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ---- the lifecycle, through the ERP's statements, as the user the ERP names ----
BEGIN;
SET LOCAL procgov.actor = 'ben.buyer';
INSERT INTO odoo.purchase_order (name, partner_id) VALUES ('P00003', 17);
INSERT INTO odoo.purchase_order_line (order_id, name, product_qty, price_unit)
SELECT id, l.name, l.qty, l.price FROM odoo.purchase_order, (VALUES ('Hex nut M8', 400, 0.07), ('Washer M8', 800, 0.02)) AS l(name, qty, price)
 WHERE purchase_order.name = 'P00003';
COMMIT;
SET procgov.actor = 'ben.buyer';
-- "sent" is no canonical change: the document stays a draft, the ledger keeps the status
UPDATE odoo.purchase_order SET state = 'sent' WHERE name = 'P00003';
-- a write that touches nothing procgov maps is no change for procgov
UPDATE odoo.purchase_order SET notes = 'call before delivery', write_date = now() WHERE name = 'P00003';
UPDATE odoo.purchase_order SET state = 'to approve' WHERE name = 'P00003';
-- confirming before anyone approved: the ERP's own UPDATE is refused, naming both statuses
UPDATE odoo.purchase_order SET state = 'purchase' WHERE name = 'P00003';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT name, state FROM odoo.purchase_order WHERE name = 'P00003';
-- an approver approves the document procgov keeps for the row; then the ERP may confirm
RESET ROLE;
SET procgov.actor = 'ann.approver';
SELECT procgov.approve_document('purchase_order', 'ODO', 'P00003') ->> 'state' AS state;
SET ROLE regress_odoo;
SET procgov.actor = 'ben.buyer';
UPDATE odoo.purchase_order SET state = 'purchase' WHERE name = 'P00003';
-- a price change on the confirmed order is a new version, and goes back for approval
UPDATE odoo.purchase_order_line SET price_unit = 0.08 WHERE name = 'Hex nut M8';
RESET ROLE;
SELECT number, state, version, total, approved_total FROM procgov.purchase_order WHERE number = 'P00003';
-- the ERP's status still says confirmed while procgov's document waits for approval: drift
SELECT kind, doc_number, details->>'problem' AS problem, details->>'local_status' AS local_status, details->>'state' AS state
  FROM procgov.drift(now()) WHERE doc_number LIKE 'P0000%';
SET procgov.actor = 'ann.approver';
SELECT procgov.approve_document('purchase_order', 'ODO', 'P00003') ->> 'state' AS state;
SELECT procgov.transmit_order('ODO', 'P00003') ->> 'state' AS state;
SELECT count(*) AS drift FROM procgov.drift(now()) WHERE doc_number = 'P00003';
-- deliveries: the ERP's received quantities move the order
SET ROLE regress_odoo;
SET procgov.actor = 'rita.receiver';
UPDATE odoo.purchase_order_line SET qty_received = 400 WHERE name = 'Hex nut M8';
RESET ROLE;
SELECT number, state FROM procgov.purchase_order WHERE number = 'P00003';
SET ROLE regress_odoo;
UPDATE odoo.purchase_order_line SET qty_received = 800 WHERE name = 'Washer M8';
RESET ROLE;
SELECT number, state FROM procgov.purchase_order WHERE number = 'P00003';
-- received orders no longer change in substance
SET ROLE regress_odoo;
UPDATE odoo.purchase_order_line SET product_qty = 900 WHERE name = 'Washer M8';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the supplier's invoice, registered in procgov against the ERP's order lines, matches
RESET ROLE;
SELECT procgov.register_invoice('ODO', '17', 'HX-2026-0042', '2026-12-01',
	(SELECT jsonb_agg(jsonb_build_object('po_line', g.line_no, 'quantity', l.product_qty, 'unit_price', l.price_unit || ' USD') ORDER BY g.line_no)
	   FROM odoo.purchase_order_line l JOIN procgov.governed_row g ON g.relid = 'odoo.purchase_order_line'::regclass AND g.erp_key = l.id::text
	  WHERE l.name IN ('Hex nut M8', 'Washer M8')),
	order_number => 'P00003', number => 'INV-ODO-1') ->> 'state' AS invoice_state;
SELECT line_no, result, quantity, received, billable, unit_price, order_price FROM procgov.three_way_match('ODO', 'INV-ODO-1');
SELECT * FROM procgov.match_pending('ODO');
SELECT l.line_no, l.quantity, l.received_qty, l.invoiced_qty FROM procgov.purchase_order_line l
  JOIN procgov.purchase_order po USING (entity_id, po_id) WHERE po.number = 'P00003' ORDER BY l.line_no;
-- the BI milestones of an order received in the ERP: its move into receiving stands for the receipt
SELECT number, approved_at IS NOT NULL AS approved, first_received_at >= approved_at AS received_after_approval,
	   matched_at >= first_received_at AS matched_after_receipt
  FROM procgov.order_milestones WHERE number = 'P00003';
-- the ERP locks the order
SET ROLE regress_odoo;
SET procgov.actor = 'ben.buyer';
UPDATE odoo.purchase_order SET state = 'done' WHERE name = 'P00003';
RESET ROLE;
SELECT number, state FROM procgov.purchase_order WHERE number = 'P00003';

-- what the ledger and the outbox hold for the order: each move names the ERP's statuses
SELECT action, payload->>'from' AS "from", payload->>'to' AS "to", payload->'local'->>'from' AS local_from,
	   payload->'local'->>'to' AS local_to, actor
  FROM procgov.audit_log WHERE stream = 'purchase_order:ODO:P00003' ORDER BY entry_id;
SELECT type, payload->'local'->>'to' AS local_to, payload->'document'->>'state' AS state
  FROM procgov.outbox WHERE aggregateid = 'ODO:P00003' ORDER BY id;

-- ---- refusals and other paths ----
SET ROLE regress_odoo;
SET procgov.actor = 'ben.buyer';
-- an order to a blocked supplier can be drafted ...
INSERT INTO odoo.purchase_order (name, partner_id, state) VALUES ('P00004', 19, 'draft');
-- ... but its approval is refused by the supplier guard
INSERT INTO odoo.purchase_order_line (order_id, name, product_qty, price_unit)
SELECT id, 'Grey market bolts', 10, 1 FROM odoo.purchase_order WHERE name = 'P00004';
UPDATE odoo.purchase_order SET state = 'to approve' WHERE name = 'P00004';
RESET ROLE;
SET procgov.actor = 'ann.approver';
SELECT procgov.approve_document('purchase_order', 'ODO', 'P00004');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET ROLE regress_odoo;
SET procgov.actor = 'ben.buyer';
-- a supplier procgov does not know
INSERT INTO odoo.purchase_order (name, partner_id) VALUES ('P00005', 99);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- created straight as a confirmed order: the document would be born approved
INSERT INTO odoo.purchase_order (name, partner_id, state) VALUES ('P00005', 17, 'purchase');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a status the map does not know
UPDATE odoo.purchase_order SET state = 'approved' WHERE name = 'P00002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the hint's statement quotes what it names, so it can be pasted as it is
UPDATE odoo.purchase_order SET state = 'o''clock' WHERE name = 'P00002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the key, the number: they name the document
UPDATE odoo.purchase_order SET name = 'P00002-B' WHERE name = 'P00002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a negative quantity
UPDATE odoo.purchase_order_line SET product_qty = -1 WHERE name = 'Stretch film';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a section line (no quantity, as Odoo keeps headings and notes) is no order line;
-- a line set to zero leaves the order, and comes back with a quantity
INSERT INTO odoo.purchase_order_line (order_id, name, product_qty, price_unit)
SELECT id, '--- packaging ---', 0, 0 FROM odoo.purchase_order WHERE name = 'P00002';
UPDATE odoo.purchase_order_line SET product_qty = 0 WHERE name = 'Stretch film';
RESET ROLE;
SELECT l.line_no, l.description, l.quantity, po.total FROM procgov.purchase_order po
  LEFT JOIN procgov.purchase_order_line l USING (entity_id, po_id) WHERE po.number = 'P00002';
SET ROLE regress_odoo;
UPDATE odoo.purchase_order_line SET product_qty = 12 WHERE name IN ('Stretch film', '--- packaging ---');
RESET ROLE;
SELECT l.line_no, l.description, l.quantity, po.total FROM procgov.purchase_order po
  JOIN procgov.purchase_order_line l USING (entity_id, po_id) WHERE po.number = 'P00002' ORDER BY l.line_no;
SET ROLE regress_odoo;
-- a part-received order cannot be cancelled: its goods are here
UPDATE odoo.purchase_order SET state = 'cancel' WHERE name = 'P00001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- DELETE of a draft cancels its document, which stays
DELETE FROM odoo.purchase_order WHERE name = 'P00002';
RESET ROLE;
-- TRUNCATE is refused, even for a superuser
TRUNCATE odoo.purchase_order CASCADE;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT number, state FROM procgov.purchase_order WHERE number = 'P00002';
SELECT erp_key, deleted_at IS NOT NULL AS deleted FROM procgov.governed_row WHERE relid = 'odoo.purchase_order'::regclass ORDER BY erp_key::integer;
-- a new status, mapped by editing the map: the next statement uses it
INSERT INTO procgov.state_map (relid, local_status, state) VALUES ('odoo.purchase_order', 'approved', NULL);
SET ROLE regress_odoo;
UPDATE odoo.purchase_order SET state = 'approved' WHERE name = 'P00004';
RESET ROLE;
SELECT number, state FROM procgov.purchase_order WHERE number = 'P00004';

-- ---- written behind procgov's back: reconciliation finds it ----
SET session_replication_role = replica;
UPDATE odoo.purchase_order SET state = 'done' WHERE name = 'P00001';
INSERT INTO odoo.purchase_order (name, partner_id) VALUES ('P00006', 18);
-- and on the lines: goods booked as received that procgov never heard of (an invoice
-- would match against them), a price changed, a line added to an approved order
UPDATE odoo.purchase_order_line SET qty_received = 100, price_unit = 0.25
 WHERE order_id = (SELECT id FROM odoo.purchase_order WHERE name = 'P00001');
INSERT INTO odoo.purchase_order_line (order_id, name, product_qty, price_unit)
SELECT id, 'gold-plated bolts', 3, 2 FROM odoo.purchase_order WHERE name = 'P00004';
RESET session_replication_role;
SELECT kind, doc_number, owner, details->>'problem' AS problem, details->>'local_status' AS local_status,
	   details->>'accepted_local_status' AS accepted, details->>'state' AS state
  FROM procgov.drift(now()) WHERE doc_number LIKE 'P0000%' AND kind = 'erp_state_drift' ORDER BY doc_number;
SELECT d.kind, d.doc_number, d.owner, l.value - 'key' AS line
  FROM procgov.drift(now()) d, jsonb_array_elements(d.details->'lines') l
 WHERE d.doc_number LIKE 'P0000%' AND d.kind = 'erp_line_drift' ORDER BY d.doc_number;
SELECT (procgov.run_reconciliation('2026-12-31')).status;
SELECT kind, doc_number, status, owner FROM procgov.exception_case
 WHERE entity_id = 'ODO' AND kind IN ('erp_state_drift', 'erp_line_drift') ORDER BY kind, doc_number;
-- a row procgov never saw is refused until adopted
UPDATE odoo.purchase_order SET state = 'sent' WHERE name = 'P00006';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.adopt_rows('odoo.purchase_order');
UPDATE odoo.purchase_order SET state = 'sent' WHERE name = 'P00006';
-- putting the row right closes the case at the next run
SET session_replication_role = replica;
UPDATE odoo.purchase_order SET state = 'purchase' WHERE name = 'P00001';
UPDATE odoo.purchase_order_line SET qty_received = 40, price_unit = 0.19
 WHERE order_id = (SELECT id FROM odoo.purchase_order WHERE name = 'P00001');
DELETE FROM odoo.purchase_order_line WHERE name = 'gold-plated bolts';
RESET session_replication_role;
SELECT (procgov.run_reconciliation('2027-01-01')).status;
SELECT kind, doc_number, status, resolution FROM procgov.exception_case
 WHERE entity_id = 'ODO' AND kind IN ('erp_state_drift', 'erp_line_drift') ORDER BY kind, doc_number;
-- procgov's own receipts count beside the ERP's: goods received through the API are no drift
BEGIN;
SET LOCAL procgov.actor = 'rita.receiver';
SELECT procgov.post_receipt('ODO', 'P00001', '[{"line": 1, "quantity": 10}]') -> 'order' ->> 'state' AS p1;
SELECT l.line_no, l.received_qty, e.qty_received AS erp_received
  FROM procgov.purchase_order_line l JOIN procgov.purchase_order o USING (entity_id, po_id)
  JOIN odoo.purchase_order_line e ON e.order_id = (SELECT id FROM odoo.purchase_order WHERE name = 'P00001')
 WHERE o.entity_id = 'ODO' AND o.number = 'P00001';
SELECT count(*) AS line_drift FROM procgov.erp_line_drift() WHERE doc_number = 'P00001';
ROLLBACK;

-- ---- ungovern: the triggers go, the documents and their history stay ----
SET ROLE regress_erp_admin;
SELECT procgov.ungovern('odoo.purchase_order');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT procgov.ungovern('odoo.purchase_order_line');
SELECT procgov.ungovern('odoo.purchase_order');
SELECT procgov.ungovern('odoo.purchase_order');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT tgname FROM pg_trigger WHERE tgrelid IN ('odoo.purchase_order'::regclass, 'odoo.purchase_order_line'::regclass) AND NOT tgisinternal;
UPDATE odoo.purchase_order SET state = 'anything' WHERE name = 'P00006';
SELECT count(*) AS entries_kept FROM procgov.audit_log WHERE stream = 'purchase_order:ODO:P00003';
SELECT count(*) AS problems FROM procgov.verify_audit();
-- governed again: rows find their documents by their links, new ones get documents
UPDATE odoo.purchase_order SET state = 'sent' WHERE name = 'P00006';
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "sent": null, "to approve": "pending_approval", "purchase": ["approved", "transmitted"],
				"done": "closed", "cancel": "cancelled", "approved": null}',
	entity => 'ODO', number => 'name', supplier => 'partner_id', currency => 'USD') ->> 'adopted' AS adopted;
SELECT stream, action, payload->>'state' AS state FROM procgov.audit_log
 WHERE stream LIKE 'purchase_order:ODO:%' AND action = 'adopt' ORDER BY entry_id;
SELECT procgov.ungovern('odoo.purchase_order') ->> 'rows' AS rows;
-- the links stay with the documents
SELECT count(*) AS links_kept FROM procgov.governed_row WHERE relid = 'odoo.purchase_order'::regclass;

-- ---- more misuse: what cannot be governed, and a mapping written around govern() ----
CREATE TABLE odoo.po_part (id integer, name text NOT NULL, state text NOT NULL, partner_id integer NOT NULL) PARTITION BY RANGE (id);
CREATE TABLE odoo.po_part_1 PARTITION OF odoo.po_part FOR VALUES FROM (0) TO (1000);
SELECT procgov.govern('odoo.po_part', 'purchase_order', key => 'id', status => '{state}', states => '{"draft": "draft"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE VIEW odoo.po_view AS SELECT * FROM odoo.purchase_order;
SELECT procgov.govern('odoo.po_view', 'purchase_order', key => 'id', status => '{state}', states => '{"draft": "draft"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE TABLE odoo.po_rls (id integer PRIMARY KEY, name text NOT NULL, state text NOT NULL, partner_id integer NOT NULL);
ALTER TABLE odoo.po_rls ENABLE ROW LEVEL SECURITY;
SELECT procgov.govern('odoo.po_rls', 'purchase_order', key => 'id', status => '{state}', states => '{"draft": "draft"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an admin writing the registry directly: a view, a column it may not read, a mapping changed later
CREATE TABLE odoo.secret_po (id integer PRIMARY KEY, name text NOT NULL, state text NOT NULL, partner_id integer NOT NULL, ssn text);
GRANT TRIGGER ON odoo.secret_po TO regress_erp_admin;
GRANT SELECT (id, name, state, partner_id) ON odoo.secret_po TO regress_erp_admin;
SET ROLE regress_erp_admin;
INSERT INTO procgov.governed_table (relid, kind, key_column, status_columns, entity_id, supplier_column, governed_by)
VALUES ('pg_catalog.pg_tables', 'purchase_order', 'tablename', '{schemaname}', 'ODO', 'tableowner', 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.secret_po', 'purchase_order', key => 'id', status => '{state}', states => '{"draft": "draft"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id', requester => 'ssn');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.govern('odoo.secret_po', 'purchase_order', key => 'id', status => '{state}', states => '{"draft": "draft"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id') ->> 'adopted' AS adopted;
UPDATE procgov.governed_table SET requester_column = 'ssn' WHERE relid = 'odoo.secret_po'::regclass;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.adopt_rows('pg_catalog.pg_class');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- a governed table dropped: its mapping and links go, reconciliation goes on
DROP TABLE odoo.secret_po;
SELECT count(*) AS secret_po_mapping FROM procgov.governed_table WHERE relid::text LIKE '%secret_po%';
SELECT (procgov.run_reconciliation('2027-01-02')).status;

-- ---- orders governed by their amount (no line table) ----
CREATE TABLE odoo.po_amount (id integer PRIMARY KEY, name text NOT NULL, state text NOT NULL, partner_id integer NOT NULL,
	amount numeric);
SELECT procgov.govern('odoo.po_amount', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "to approve": "pending_approval", "purchase": ["approved", "transmitted"], "hold": null}',
	entity => 'ODO', number => 'name', supplier => 'partner_id', amount => 'amount', currency => 'USD') ->> 'adopted' AS adopted;
-- an amount that arrives after the row: the order gets its line then
INSERT INTO odoo.po_amount VALUES (1, 'A-1', 'draft', 17, NULL);
UPDATE odoo.po_amount SET amount = 500 WHERE id = 1;
SELECT po.number, po.total, count(l.line_no) AS lines FROM procgov.purchase_order po
  LEFT JOIN procgov.purchase_order_line l USING (entity_id, po_id) WHERE po.number = 'A-1' GROUP BY 1, 2;
-- and is not taken away again
UPDATE odoo.po_amount SET amount = NULL WHERE id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a change of what a status means is in the ledger, with before and after
UPDATE procgov.state_map SET state = NULL, via = '{}' WHERE relid = 'odoo.po_amount'::regclass AND local_status = 'to approve';
SELECT action, payload -> 'before' AS before, payload -> 'after' AS after FROM procgov.audit_log
 WHERE stream = 'governance:odoo.po_amount' AND action = 'state_map' ORDER BY entry_id;
UPDATE procgov.state_map SET state = 'pending_approval' WHERE relid = 'odoo.po_amount'::regclass AND local_status = 'to approve';
-- a status whose state the order is past already moves nothing, and is recorded:
-- the order held and resumed while its goods arrive
UPDATE odoo.po_amount SET state = 'to approve' WHERE id = 1;
SET procgov.actor = 'alice.approver';
SELECT procgov.approve_document('purchase_order', 'ODO', 'A-1') ->> 'state' AS approved;
RESET procgov.actor;
UPDATE odoo.po_amount SET state = 'purchase' WHERE id = 1;
SELECT procgov.post_receipt('ODO', 'A-1', '[{"line": 1, "quantity": 0.5}]') -> 'order' ->> 'state' AS after_receipt;
UPDATE odoo.po_amount SET state = 'hold' WHERE id = 1;
UPDATE odoo.po_amount SET state = 'purchase' WHERE id = 1;
SELECT po.state, g.local_status FROM procgov.purchase_order po
  JOIN procgov.governed_row g ON g.entity_id = po.entity_id AND g.po_id = po.po_id AND g.relid = 'odoo.po_amount'::regclass
 WHERE po.number = 'A-1';
SELECT action, payload ->> 'local_status' AS local_status FROM procgov.audit_log
 WHERE stream = 'purchase_order:ODO:A-1' AND action = 'update' ORDER BY entry_id;
SELECT procgov.ungovern('odoo.po_amount') ->> 'rows' AS rows;

-- an order table cannot be dropped before the governed table of its lines
CREATE TABLE odoo.h (id integer PRIMARY KEY, name text NOT NULL, state text NOT NULL, partner_id integer NOT NULL);
CREATE TABLE odoo.h_line (id integer PRIMARY KEY, h_id integer NOT NULL, qty numeric NOT NULL, price numeric NOT NULL);
SELECT procgov.govern('odoo.h', 'purchase_order', key => 'id', status => '{state}', states => '{"draft": "draft"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id') IS NOT NULL AS governed;
SELECT procgov.govern('odoo.h_line', 'purchase_order_line', key => 'id', parent => 'odoo.h', parent_key => 'h_id',
	quantity => 'qty', unit_price => 'price') IS NOT NULL AS governed;
DROP TABLE odoo.h;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- both together: the mappings go, and the ledger keeps each drop on its table's governance stream
DROP TABLE odoo.h, odoo.h_line;
SELECT count(*) AS mappings_left FROM procgov.governed_table WHERE relid::text LIKE 'odoo.h%';
SELECT stream, action, payload FROM procgov.audit_log WHERE stream IN ('governance:odoo.h', 'governance:odoo.h_line')
   AND action = 'dropped' ORDER BY stream;
-- the lines governed again find their order lines: nothing is added twice
SELECT procgov.govern('odoo.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "sent": null, "to approve": "pending_approval", "purchase": ["approved", "transmitted"],
				"done": "closed", "cancel": "cancelled", "approved": null}',
	entity => 'ODO', number => 'name', supplier => 'partner_id', currency => 'USD') ->> 'adopted' AS adopted;
SELECT procgov.govern('odoo.purchase_order_line', 'purchase_order_line', key => 'id', parent => 'odoo.purchase_order',
	parent_key => 'order_id', quantity => 'product_qty', unit_price => 'price_unit', received => 'qty_received',
	invoiced => 'qty_invoiced', description => 'name') ->> 'adopted' AS adopted;
SELECT po.number, count(l.line_no) AS lines, po.total FROM procgov.purchase_order po
  LEFT JOIN procgov.purchase_order_line l USING (entity_id, po_id) WHERE po.entity_id = 'ODO' GROUP BY po.number, po.total ORDER BY po.number;
SELECT procgov.ungovern('odoo.purchase_order_line') ->> 'rows' AS rows;
SELECT procgov.ungovern('odoo.purchase_order') ->> 'rows' AS rows;

-- what the ERP's lines may not do: a negative price (approval would judge a
-- total that matching never bills), quantities below nothing, goods received
-- before the order is out with its supplier or beyond what was ordered
CREATE TABLE odoo.r (id integer PRIMARY KEY, name text NOT NULL, state text NOT NULL, partner_id integer NOT NULL);
CREATE TABLE odoo.r_line (id integer PRIMARY KEY, r_id integer NOT NULL, qty numeric NOT NULL, price numeric NOT NULL,
	rcv numeric NOT NULL DEFAULT 0, inv numeric NOT NULL DEFAULT 0);
SELECT procgov.govern('odoo.r', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "to approve": "pending_approval", "purchase": ["approved", "transmitted"]}',
	entity => 'ODO', number => 'name', supplier => 'partner_id') IS NOT NULL AS governed;
SELECT procgov.govern('odoo.r_line', 'purchase_order_line', key => 'id', parent => 'odoo.r', parent_key => 'r_id',
	quantity => 'qty', unit_price => 'price', received => 'rcv', invoiced => 'inv') IS NOT NULL AS governed;
INSERT INTO odoo.r VALUES (1, 'R-1', 'draft', 17);
INSERT INTO odoo.r_line (id, r_id, qty, price) VALUES (1, 1, 10, 10000), (2, 1, 1, -99000);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO odoo.r_line (id, r_id, qty, price) VALUES (1, 1, 10, 5);
UPDATE odoo.r_line SET price = -1 WHERE id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE odoo.r_line SET rcv = 5 WHERE id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE odoo.r SET state = 'to approve' WHERE id = 1;
SET procgov.actor = 'ann.approver';
SELECT procgov.approve_document('purchase_order', 'ODO', 'R-1') ->> 'state' AS state;
RESET procgov.actor;
UPDATE odoo.r SET state = 'purchase' WHERE id = 1;
UPDATE odoo.r_line SET rcv = 11 WHERE id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE odoo.r_line SET inv = -10 WHERE id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE odoo.r_line SET rcv = 10 WHERE id = 1;
SELECT po.state, l.received_qty, l.invoiced_qty FROM procgov.purchase_order po
  JOIN procgov.purchase_order_line l USING (entity_id, po_id) WHERE po.entity_id = 'ODO' AND po.number = 'R-1';
-- with the rules off (a migration) history loads as it was
BEGIN;
SET LOCAL procgov.enforce = off;
INSERT INTO odoo.r VALUES (2, 'R-2', 'draft', 17);
INSERT INTO odoo.r_line (id, r_id, qty, price, rcv) VALUES (3, 2, 4, 1, 4);
ROLLBACK;
-- figures finer than procgov's four decimals (a price precision of six) are
-- kept rounded half away from zero, and reconciliation compares them so;
-- a quantity that is nothing at four decimals is refused
INSERT INTO odoo.r VALUES (9, 'R-9', 'draft', 17);
INSERT INTO odoo.r_line (id, r_id, qty, price) VALUES (9, 9, 2.00005, 1.234567);
INSERT INTO odoo.r_line (id, r_id, qty, price) VALUES (10, 9, 0.00004, 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE odoo.r_line SET qty = 2.00006, price = 1.23455 WHERE id = 9;
SELECT l.line_no, l.quantity, l.unit_price FROM procgov.purchase_order po
  JOIN procgov.purchase_order_line l USING (entity_id, po_id) WHERE po.entity_id = 'ODO' AND po.number = 'R-9';
SELECT count(*) AS line_drift FROM procgov.erp_line_drift() WHERE doc_number = 'R-9';
-- a quantity below zero by less than procgov's precision is refused too, not
-- taken for a note line
INSERT INTO odoo.r_line (id, r_id, qty, price) VALUES (10, 9, -0.00004, 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an error met applying a line names the ERP's row in its CONTEXT (as an
-- order row's names it in the message)
DO $$
DECLARE
	ctx text;
BEGIN
	UPDATE odoo.r_line SET qty = -1 WHERE id = 9;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS ctx = PG_EXCEPTION_CONTEXT;
	RAISE NOTICE '%', (SELECT string_agg(x, ' / ') FROM regexp_split_to_table(ctx, E'\n') AS x WHERE x LIKE 'procgov %');
END
$$;

-- adoption by number takes only a document that was a row of this very table,
-- to the same supplier: never an order procgov's API made
SELECT procgov.create_purchase_order('ODO', '17', '[{"description": "x", "quantity": 1, "unit_price": "5000 USD"}]',
	number => 'NATIVE-1') ->> 'state' AS native;
CREATE TABLE odoo.n (id integer PRIMARY KEY, name text NOT NULL, state text NOT NULL, partner_id integer NOT NULL);
INSERT INTO odoo.n VALUES (1, 'NATIVE-1', 'draft', 18);
SELECT procgov.govern('odoo.n', 'purchase_order', key => 'id', status => '{state}', states => '{"draft": "draft", "cancel": "cancelled"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT state FROM procgov.purchase_order WHERE entity_id = 'ODO' AND number = 'NATIVE-1';

-- the mapping written by hand is on record too, and names who wrote it
GRANT SELECT, TRIGGER ON odoo.r, odoo.r_line TO regress_erp_admin;
SELECT max(entry_id) AS mark FROM procgov.audit_log \gset
SET ROLE regress_erp_admin;
SET procgov.actor = 'dba.dora';
BEGIN;
DELETE FROM procgov.governed_table WHERE relid = 'odoo.r_line'::regclass;
INSERT INTO procgov.governed_table (relid, kind, key_column, status_columns, parent, parent_key_column, quantity_column,
	unit_price_column, governed_by)
VALUES ('odoo.r_line', 'purchase_order_line', 'id', '{}', 'odoo.r', 'r_id', 'qty', 'price', 'someone.else');
INSERT INTO procgov.state_map (relid, local_status, state, via) VALUES ('odoo.r', 'sent', NULL, '{}');
COMMIT;
RESET procgov.actor;
RESET ROLE;
SELECT governed_by FROM procgov.governed_table WHERE relid = 'odoo.r_line'::regclass;
SELECT stream, action, actor, payload ->> 'governed_by' AS governed_by, payload ->> 'local_status' AS local_status
  FROM procgov.audit_log WHERE stream IN ('governance:odoo.r', 'governance:odoo.r_line') AND entry_id > :mark ORDER BY entry_id;
-- clear errors, not the tables' own: an order with no number, a line number
-- taken twice; and a key reused after its row was deleted is a new order
ALTER TABLE odoo.r ALTER COLUMN name DROP NOT NULL;
INSERT INTO odoo.r VALUES (3, NULL, 'draft', 17);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO odoo.r VALUES (3, 'R-3', 'draft', 17);
CREATE TABLE odoo.d (id integer PRIMARY KEY, name text NOT NULL, state text NOT NULL, partner_id integer NOT NULL);
CREATE TABLE odoo.d_line (id integer PRIMARY KEY, d_id integer NOT NULL, seq integer, qty numeric NOT NULL, price numeric NOT NULL);
SELECT procgov.govern('odoo.d', 'purchase_order', key => 'id', status => '{state}', states => '{"draft": "draft"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id') IS NOT NULL AS governed;
SELECT procgov.govern('odoo.d_line', 'purchase_order_line', key => 'id', parent => 'odoo.d', parent_key => 'd_id',
	line_number => 'seq', quantity => 'qty', unit_price => 'price') IS NOT NULL AS governed;
INSERT INTO odoo.d VALUES (1, 'D-1', 'draft', 17);
INSERT INTO odoo.d_line VALUES (30, 1, 1, 1, 1), (31, 1, 1, 1, 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.ungovern('odoo.d_line') ->> 'rows' AS rows;
SELECT procgov.ungovern('odoo.d') ->> 'rows' AS rows;
DELETE FROM odoo.r WHERE id = 3;
INSERT INTO odoo.r VALUES (3, 'R-3B', 'draft', 17);
SELECT po.number, po.state FROM procgov.governed_row g JOIN procgov.purchase_order po USING (entity_id, po_id)
 WHERE g.relid = 'odoo.r'::regclass AND g.erp_key = '3';
SELECT number, state FROM procgov.purchase_order WHERE entity_id = 'ODO' AND number IN ('R-3', 'R-3B') ORDER BY number;

-- a governed table keeps its name: renamed or moved away, a new table could
-- take it ungoverned; other changes of the table are its owner's business
ALTER TABLE odoo.r RENAME TO r_old;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ALTER TABLE odoo.r SET SCHEMA public;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ALTER SCHEMA odoo RENAME TO odoo_old;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ALTER TABLE odoo.r ADD COLUMN note text;
-- a line the ERP adds while its table is not governed, to an order procgov has
-- lines of, is taken in under the rules when the table is governed again, as
-- the ERP's change made then: never quietly adopted into what was approved
SELECT state, total, version FROM procgov.purchase_order WHERE entity_id = 'ODO' AND number = 'R-1';
SELECT procgov.ungovern('odoo.r_line') ->> 'rows' AS rows;
INSERT INTO odoo.r_line (id, r_id, qty, price) VALUES (11, 1, 100, 50);
SELECT procgov.govern('odoo.r_line', 'purchase_order_line', key => 'id', parent => 'odoo.r', parent_key => 'r_id',
	quantity => 'qty', unit_price => 'price', received => 'rcv', invoiced => 'inv') ->> 'adopted' AS adopted;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- ... but a line table governed for the first time takes every line of an
-- order as history, however many and whatever the order's state; and one
-- late line does not put the rest of the adoption under the rules
CREATE TABLE odoo.m (id integer PRIMARY KEY, name text NOT NULL, state text NOT NULL, partner_id integer NOT NULL);
CREATE TABLE odoo.m_line (id integer PRIMARY KEY, m_id integer NOT NULL, qty numeric NOT NULL, price numeric NOT NULL,
	rcv numeric NOT NULL DEFAULT 0);
INSERT INTO odoo.m VALUES (1, 'M-1', 'done', 17), (2, 'M-2', 'purchase', 17), (3, 'M-3', 'draft', 17);
INSERT INTO odoo.m_line VALUES (1, 1, 10, 2.5, 10), (2, 1, 4, 1, 4), (3, 2, 1, 100, 0), (4, 2, 2, 100, 0), (5, 3, 1, 1, 0);
SELECT procgov.govern('odoo.m', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "to approve": "pending_approval", "purchase": ["approved", "transmitted"], "done": "received"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id') ->> 'adopted' AS orders;
SELECT procgov.govern('odoo.m_line', 'purchase_order_line', key => 'id', parent => 'odoo.m', parent_key => 'm_id',
	quantity => 'qty', unit_price => 'price', received => 'rcv') ->> 'adopted' AS lines;
SELECT number, state, total, version FROM procgov.purchase_order WHERE entity_id = 'ODO' AND number LIKE 'M-%' ORDER BY number;
SELECT count(*) AS late_lines FROM procgov.audit_log WHERE stream LIKE 'purchase_order:ODO:M-%' AND action = 'line_added_ungoverned';
SELECT procgov.ungovern('odoo.m_line') ->> 'rows' AS rows;
SELECT procgov.ungovern('odoo.m') ->> 'rows' AS rows;
-- meanwhile: a line for the draft M-3 (the rules allow it), a new received order M-4 with its line
INSERT INTO odoo.m_line VALUES (6, 3, 2, 1, 0);
INSERT INTO odoo.m VALUES (4, 'M-4', 'done', 17);
INSERT INTO odoo.m_line VALUES (7, 4, 5, 1, 5);
SELECT procgov.govern('odoo.m', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "to approve": "pending_approval", "purchase": ["approved", "transmitted"], "done": "received"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id') ->> 'adopted' AS orders;
SELECT procgov.govern('odoo.m_line', 'purchase_order_line', key => 'id', parent => 'odoo.m', parent_key => 'm_id',
	quantity => 'qty', unit_price => 'price', received => 'rcv') ->> 'adopted' AS lines;
SELECT number, state, total FROM procgov.purchase_order WHERE entity_id = 'ODO' AND number IN ('M-3', 'M-4') ORDER BY number;
SELECT stream, payload ->> 'key' AS line FROM procgov.audit_log WHERE stream LIKE 'purchase_order:ODO:M-%' AND action = 'line_added_ungoverned';
SHOW procgov.enforce;
-- the same within one transaction: the order's first line was linked by an
-- earlier statement, so the line added while ungoverned is not history
BEGIN;
INSERT INTO odoo.m VALUES (5, 'M-5', 'draft', 17);
INSERT INTO odoo.m_line VALUES (8, 5, 1, 10, 0);
UPDATE odoo.m SET state = 'to approve' WHERE id = 5;
SET LOCAL procgov.actor = 'ann.approver';
SELECT procgov.approve_document('purchase_order', 'ODO', 'M-5') ->> 'state' AS state;
SELECT procgov.ungovern('odoo.m_line') ->> 'rows' AS rows;
INSERT INTO odoo.m_line VALUES (9, 5, 100, 10, 0);
SELECT procgov.govern('odoo.m_line', 'purchase_order_line', key => 'id', parent => 'odoo.m', parent_key => 'm_id',
	quantity => 'qty', unit_price => 'price', received => 'rcv') ->> 'adopted' AS lines;
SELECT state, total, version FROM procgov.purchase_order WHERE entity_id = 'ODO' AND number = 'M-5';
COMMIT;
SELECT procgov.ungovern('odoo.m_line') ->> 'rows' AS rows;
SELECT procgov.ungovern('odoo.m') ->> 'rows' AS rows;
-- (a received order takes no more lines: the table stays ungoverned until the
-- ERP's row goes; an approved one goes back for approval with it)
DELETE FROM odoo.r_line WHERE id = 11;
UPDATE odoo.r SET state = 'to approve' WHERE id = 9;
SET procgov.actor = 'ann.approver';
SELECT procgov.approve_document('purchase_order', 'ODO', 'R-9') ->> 'state' AS state;
RESET procgov.actor;
UPDATE odoo.r SET state = 'purchase' WHERE id = 9;
INSERT INTO odoo.r_line (id, r_id, qty, price) VALUES (11, 9, 100, 50);
SELECT procgov.govern('odoo.r_line', 'purchase_order_line', key => 'id', parent => 'odoo.r', parent_key => 'r_id',
	quantity => 'qty', unit_price => 'price', received => 'rcv', invoiced => 'inv') ->> 'adopted' AS adopted;
SELECT number, state, total, version, approved_total FROM procgov.purchase_order WHERE entity_id = 'ODO' AND number IN ('R-1', 'R-9') ORDER BY 1;
SELECT action, payload, reason FROM procgov.audit_log WHERE stream = 'purchase_order:ODO:R-9' ORDER BY seq DESC LIMIT 2;
SELECT procgov.ungovern('odoo.r_line') ->> 'rows' AS rows;
SELECT procgov.ungovern('odoo.r') ->> 'rows' AS rows;
ALTER TABLE odoo.r RENAME TO r_old;
ALTER TABLE odoo.r_old RENAME TO r;

-- the ERP bills an approved order only; a line it billed stays on its order, and a
-- number a deleted line had is not given to another (review)
CREATE TABLE odoo.b (id integer PRIMARY KEY, name text NOT NULL, state text NOT NULL, partner_id integer NOT NULL);
CREATE TABLE odoo.b_line (id integer PRIMARY KEY, b_id integer NOT NULL, name text NOT NULL, qty numeric NOT NULL,
	price numeric NOT NULL, billed numeric NOT NULL DEFAULT 0);
SELECT procgov.govern('odoo.b', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "to approve": "pending_approval", "purchase": ["approved", "transmitted"], "cancel": "cancelled"}',
	entity => 'ODO', number => 'name', supplier => 'partner_id', currency => 'USD') IS NOT NULL AS governed;
SELECT procgov.govern('odoo.b_line', 'purchase_order_line', key => 'id', parent => 'odoo.b', parent_key => 'b_id',
	quantity => 'qty', unit_price => 'price', invoiced => 'billed', description => 'name') IS NOT NULL AS governed;
SET procgov.actor = 'ben.buyer';
INSERT INTO odoo.b VALUES (1, 'B-1', 'draft', 17);
INSERT INTO odoo.b_line VALUES (40, 1, 'consulting', 10, 2), (41, 1, 'travel', 1, 50);
UPDATE odoo.b_line SET billed = 10 WHERE id = 40;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE odoo.b SET state = 'to approve' WHERE id = 1;
SET procgov.actor = 'ann.approver';
SELECT procgov.approve_document('purchase_order', 'ODO', 'B-1') ->> 'state' AS state;
SET procgov.actor = 'ben.buyer';
UPDATE odoo.b SET state = 'purchase' WHERE id = 1;
UPDATE odoo.b_line SET billed = 10 WHERE id = 40;
DELETE FROM odoo.b_line WHERE id = 40;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE odoo.b_line SET qty = 0 WHERE id = 40;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE odoo.b SET state = 'cancel' WHERE id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM odoo.b_line WHERE id = 41;
INSERT INTO odoo.b_line VALUES (42, 1, 'hotel', 1, 50);
SELECT l.line_no, l.description, l.invoiced_qty FROM procgov.purchase_order_line l JOIN procgov.purchase_order po USING (entity_id, po_id)
 WHERE po.entity_id = 'ODO' AND po.number = 'B-1' ORDER BY l.line_no;
SELECT procgov.ungovern('odoo.b_line') ->> 'rows' AS rows;
SELECT procgov.ungovern('odoo.b') ->> 'rows' AS rows;

DROP SCHEMA odoo CASCADE;
DROP OWNED BY regress_odoo, regress_erp_admin, regress_erp_buyer;
DROP ROLE regress_odoo, regress_erp_admin, regress_erp_buyer;
