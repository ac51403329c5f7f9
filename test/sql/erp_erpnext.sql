-- procgov's ERP adapter on an ERPNext-style schema: quoted identifiers
-- with spaces, text keys, a status made of two columns (docstatus plus
-- status), the entity and currency read from each row, lines with their
-- own line numbers and items, and an active approval policy: the plan's
-- steps, their escalation and approval cover the ERP's orders as they do
-- procgov's own.  Then keys of other types (uuid, bigint) and the mapping
-- of a status to "no canonical change".
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET procgov.notify = off;

INSERT INTO procgov.entity (entity_id, name, base_currency, controller) VALUES ('NXT', 'Next distribution', 'EUR', 'carl.controller');
INSERT INTO procgov.supplier (entity_id, code, name, status) VALUES ('NXT', 'Hexa Fasteners GmbH', 'Hexa Fasteners GmbH', 'approved');
INSERT INTO procgov.item (entity_id, sku, description, category_code) VALUES
	('NXT', 'HX-M8', 'Hex bolt M8', '31.16'), ('NXT', 'PAL-EU', 'EUR pallet', '24.11');
-- the approval matrix: a manager up to 10,000 EUR, within a day, else the director
INSERT INTO procgov.approver (entity_id, person, role, approval_limit) VALUES
	('NXT', 'mgr.maria', 'manager', '10000 EUR'), ('NXT', 'dir.dan', 'director', NULL);
INSERT INTO procgov.policy (entity_id, version, name, default_role) VALUES ('NXT', 1, 'matrix 2027', 'manager');
INSERT INTO procgov.approval_rule (entity_id, policy_id, name, doc_kind, amount_min, outcome, role, approvers, sla, escalate_to)
SELECT 'NXT', policy_id, 'manager band', 'purchase_order', '100 EUR', 'require', 'manager', 1, '1 day', 'director'
  FROM procgov.policy WHERE entity_id = 'NXT';
SET procgov.actor = 'carl.controller';
SELECT procgov.activate_policy('NXT', 1) ->> 'status' AS policy;

-- ---- the ERP's schema, as ERPNext keeps it ----
CREATE SCHEMA "ERPNext";
CREATE TABLE "ERPNext"."tabPurchase Order" (
	name			varchar(140) PRIMARY KEY,
	docstatus		smallint NOT NULL DEFAULT 0,		-- 0 draft, 1 submitted, 2 cancelled
	status			varchar(140) NOT NULL DEFAULT 'Draft',
	supplier		varchar(140) NOT NULL,
	company			varchar(140) NOT NULL,
	currency		varchar(3) NOT NULL,
	owner			varchar(140),
	modified		timestamp NOT NULL DEFAULT now()
);
CREATE TABLE "ERPNext"."tabPurchase Order Item" (
	name			varchar(140) PRIMARY KEY,
	parent			varchar(140) NOT NULL REFERENCES "ERPNext"."tabPurchase Order",
	idx				integer NOT NULL,
	item_code		varchar(140),
	description		text,
	qty				numeric(21,9) NOT NULL,
	received_qty	numeric(21,9) NOT NULL DEFAULT 0,
	rate			numeric(21,9) NOT NULL
);

SELECT procgov.govern('"ERPNext"."tabPurchase Order"', 'purchase_order', key => 'name', status => '{docstatus,status}',
	states => '{"0/Draft": "draft",
				"1/To Receive and Bill": ["pending_approval", "approved", "transmitted"],
				"1/On Hold": null,
				"1/To Bill": "received",
				"1/Completed": "closed",
				"1/Closed": "closed",
				"2/Cancelled": "cancelled"}',
	entity_column => 'company', supplier => 'supplier', requester => 'owner', currency_column => 'currency');
SELECT procgov.govern('"ERPNext"."tabPurchase Order Item"', 'purchase_order_line', key => 'name',
	parent => '"ERPNext"."tabPurchase Order"', parent_key => 'parent', line_number => 'idx', quantity => 'qty',
	unit_price => 'rate', received => 'received_qty', item => 'item_code', description => 'description');
SELECT relid, kind, key_column, status_columns, entity_column, currency_column, parent FROM procgov.governed_table
 WHERE relid::text LIKE '"ERPNext".%' ORDER BY kind;

-- ---- an order, drafted by the ERP's user ----
SET procgov.actor = 'bea.buyer';
INSERT INTO "ERPNext"."tabPurchase Order" (name, supplier, company, currency, owner)
VALUES ('PUR-ORD-2026-00001', 'Hexa Fasteners GmbH', 'NXT', 'EUR', 'bea.buyer');
INSERT INTO "ERPNext"."tabPurchase Order Item" (name, parent, idx, item_code, qty, rate) VALUES
	('a1f3', 'PUR-ORD-2026-00001', 1, 'HX-M8', 20000, 0.19), ('b2e4', 'PUR-ORD-2026-00001', 2, 'PAL-EU', 10, 14.20);
SELECT number, state, buyer, total, created_by FROM procgov.purchase_order WHERE number = 'PUR-ORD-2026-00001';
SELECT line_no, l.description, quantity, unit_price, i.sku FROM procgov.purchase_order_line l
  JOIN procgov.purchase_order po USING (entity_id, po_id) LEFT JOIN procgov.item i USING (entity_id, item_id)
 WHERE po.number = 'PUR-ORD-2026-00001' ORDER BY line_no;
-- an item procgov does not know
INSERT INTO "ERPNext"."tabPurchase Order Item" (name, parent, idx, item_code, qty, rate) VALUES ('c3d5', 'PUR-ORD-2026-00001', 3, 'NOPE', 1, 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an entity procgov does not know
INSERT INTO "ERPNext"."tabPurchase Order" (name, supplier, company, currency) VALUES ('PUR-ORD-2026-00009', 'Hexa Fasteners GmbH', 'NOENT', 'EUR');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- submitting in the ERP before the policy's approval: the path stops at the unmet step
-- (terse: the detail names the step by its id)
\set VERBOSITY terse
UPDATE "ERPNext"."tabPurchase Order" SET docstatus = 1, status = 'To Receive and Bill' WHERE name = 'PUR-ORD-2026-00001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT number, state FROM procgov.purchase_order WHERE number = 'PUR-ORD-2026-00001';

-- the integration asks for approval through procgov's API (from the ERP's "submit for approval" hook)
SELECT procgov.submit_order('NXT', 'PUR-ORD-2026-00001') ->> 'state' AS state;
SELECT step_no, role, required, status, assigned_to, escalate_to FROM procgov.approval_step s
  JOIN procgov.purchase_order po ON po.entity_id = s.entity_id AND po.po_id = s.doc_id
 WHERE s.doc_kind = 'purchase_order' AND po.number = 'PUR-ORD-2026-00001' ORDER BY step_no;
-- nobody approved within the day: the escalation job sends the step up the chain
SELECT (procgov.run_escalations(now() + interval '2 days')).status;
SELECT step_no, role, status, assigned_to, escalations FROM procgov.approval_step s
  JOIN procgov.purchase_order po ON po.entity_id = s.entity_id AND po.po_id = s.doc_id
 WHERE s.doc_kind = 'purchase_order' AND po.number = 'PUR-ORD-2026-00001' ORDER BY step_no;
-- the buyer may not approve their own order; the director may
SET procgov.actor = 'bea.buyer';
\set VERBOSITY terse
SELECT procgov.approve_document('purchase_order', 'NXT', 'PUR-ORD-2026-00001');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SET procgov.actor = 'dir.dan';
SELECT procgov.approve_document('purchase_order', 'NXT', 'PUR-ORD-2026-00001') ->> 'state' AS state;
-- now the ERP's submit goes through: the steps already passed are skipped
SET procgov.actor = 'bea.buyer';
UPDATE "ERPNext"."tabPurchase Order" SET docstatus = 1, status = 'To Receive and Bill' WHERE name = 'PUR-ORD-2026-00001';
-- on hold and back: no canonical change, on record all the same
UPDATE "ERPNext"."tabPurchase Order" SET status = 'On Hold' WHERE name = 'PUR-ORD-2026-00001';
UPDATE "ERPNext"."tabPurchase Order" SET status = 'To Receive and Bill' WHERE name = 'PUR-ORD-2026-00001';
SELECT number, state FROM procgov.purchase_order WHERE number = 'PUR-ORD-2026-00001';
-- ERPNext writes the items' received quantities, then the status
SET procgov.actor = 'rolf.receiver';
BEGIN;
UPDATE "ERPNext"."tabPurchase Order Item" SET received_qty = qty WHERE parent = 'PUR-ORD-2026-00001';
UPDATE "ERPNext"."tabPurchase Order" SET status = 'To Bill' WHERE name = 'PUR-ORD-2026-00001';
COMMIT;
SET procgov.actor = 'bea.buyer';
UPDATE "ERPNext"."tabPurchase Order" SET status = 'Completed' WHERE name = 'PUR-ORD-2026-00001';
SELECT action, payload->>'from' AS "from", payload->>'to' AS "to", payload->'local'->>'to' AS local_to,
	   payload->'local_status' AS local_status, actor
  FROM procgov.audit_log WHERE stream = 'purchase_order:NXT:PUR-ORD-2026-00001' ORDER BY entry_id;

-- a draft cancelled in the ERP
INSERT INTO "ERPNext"."tabPurchase Order" (name, supplier, company, currency) VALUES ('PUR-ORD-2026-00002', 'Hexa Fasteners GmbH', 'NXT', 'EUR');
UPDATE "ERPNext"."tabPurchase Order" SET docstatus = 2, status = 'Cancelled' WHERE name = 'PUR-ORD-2026-00002';
-- a submitted, closed order cannot be taken back to draft in the ERP
UPDATE "ERPNext"."tabPurchase Order" SET docstatus = 0, status = 'Draft' WHERE name = 'PUR-ORD-2026-00001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the currency of a governed order does not change
UPDATE "ERPNext"."tabPurchase Order" SET currency = 'USD' WHERE name = 'PUR-ORD-2026-00002';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT number, state, total FROM procgov.purchase_order WHERE entity_id = 'NXT' ORDER BY number;
SELECT count(*) AS problems FROM procgov.verify_audit();

-- ---- other key types: uuid and bigint ----
CREATE TABLE public."Bestellung" (id uuid PRIMARY KEY, nummer text NOT NULL, zustand text NOT NULL, lieferant text NOT NULL, betrag numeric NOT NULL);
SELECT procgov.govern('public."Bestellung"', 'purchase_order', key => 'id', status => '{zustand}',
	states => '{"Entwurf": "draft", "Freigabe": "pending_approval", "Storniert": "cancelled"}',
	entity => 'NXT', number => 'nummer', supplier => 'lieferant', amount => 'betrag');
INSERT INTO public."Bestellung" VALUES ('3b241101-e2bb-4255-8caf-4136c566a962', 'B-1', 'Entwurf', 'Hexa Fasteners GmbH', 250);
-- an order governed by its amount is one line: its total
SELECT l.line_no, l.description LIKE 'total of public."Bestellung" %' AS described, l.quantity, l.unit_price, po.total
  FROM procgov.purchase_order po JOIN procgov.purchase_order_line l USING (entity_id, po_id) WHERE po.number = 'B-1';
UPDATE public."Bestellung" SET betrag = 300 WHERE nummer = 'B-1';
UPDATE public."Bestellung" SET zustand = 'Freigabe' WHERE nummer = 'B-1';
SELECT po.number, po.state, po.total FROM procgov.purchase_order po WHERE po.number = 'B-1';
-- an order table governed by its amount has no governed lines
CREATE TABLE public."Bestellposition" (id bigint PRIMARY KEY, bestellung uuid NOT NULL, menge numeric NOT NULL, preis numeric NOT NULL);
SELECT procgov.govern('public."Bestellposition"', 'purchase_order_line', key => 'id', parent => 'public."Bestellung"',
	parent_key => 'bestellung', quantity => 'menge', unit_price => 'preis');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
CREATE TABLE public.big_po (id bigint PRIMARY KEY, st text NOT NULL, sup text NOT NULL, amt numeric NOT NULL);
SELECT procgov.govern('public.big_po', 'purchase_order', key => 'id', status => '{st}', states => '{"new": "draft"}',
	entity => 'NXT', supplier => 'sup', amount => 'amt') ->> 'kind' AS kind;
INSERT INTO public.big_po VALUES (9007199254740993, 'new', 'Hexa Fasteners GmbH', 1);
SELECT number, state FROM procgov.purchase_order WHERE number = '9007199254740993';
SELECT relid, erp_key FROM procgov.governed_row WHERE relid IN ('public."Bestellung"'::regclass, 'public.big_po'::regclass) ORDER BY 1;

SELECT procgov.ungovern(t) ->> 'rows' AS rows
  FROM unnest(ARRAY['public.big_po', 'public."Bestellung"', '"ERPNext"."tabPurchase Order Item"', '"ERPNext"."tabPurchase Order"']::regclass[]) AS t;
DROP TABLE public.big_po, public."Bestellposition", public."Bestellung";
DROP SCHEMA "ERPNext" CASCADE;
