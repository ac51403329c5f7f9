-- test/bench/erp/setup.sql — the ERP adapter's benchmark: two copies of one
-- Odoo-style order schema, gov (governed by procgov) and plain (not), each
-- with :orders confirmed orders of one line, ready to be received.
SET procgov.notify = off;
INSERT INTO procgov.entity (entity_id, name, base_currency) VALUES ('ERP', 'Bench distribution', 'USD');
INSERT INTO procgov.supplier (entity_id, code, name, status)
SELECT 'ERP', s::text, 'supplier ' || s, 'approved' FROM generate_series(1, 50) s;
-- a governed order is received and locked once: running out stops the run with an error
CREATE SEQUENCE bench_gov MAXVALUE :orders;
CREATE SEQUENCE bench_plain MAXVALUE :orders CYCLE;
CREATE SCHEMA gov;
CREATE SCHEMA plain;
CREATE TABLE gov.purchase_order (id integer PRIMARY KEY, name text NOT NULL UNIQUE, state text NOT NULL,
	partner_id integer NOT NULL, write_date timestamp NOT NULL DEFAULT now());
CREATE TABLE gov.purchase_order_line (id integer PRIMARY KEY, order_id integer NOT NULL REFERENCES gov.purchase_order,
	name text NOT NULL, product_qty numeric NOT NULL, qty_received numeric NOT NULL DEFAULT 0,
	qty_invoiced numeric NOT NULL DEFAULT 0, price_unit numeric NOT NULL);
CREATE INDEX ON gov.purchase_order_line (order_id);
CREATE TABLE plain.purchase_order (LIKE gov.purchase_order INCLUDING ALL);
CREATE TABLE plain.purchase_order_line (LIKE gov.purchase_order_line INCLUDING ALL);
ALTER TABLE plain.purchase_order_line ADD FOREIGN KEY (order_id) REFERENCES plain.purchase_order;
INSERT INTO gov.purchase_order (id, name, state, partner_id)
SELECT i, 'P' || lpad(i::text, 7, '0'), 'purchase', 1 + i % 50 FROM generate_series(1, :orders) i;
INSERT INTO gov.purchase_order_line (id, order_id, name, product_qty, price_unit)
SELECT i, i, 'Hex bolt M8', 400, 0.19 FROM generate_series(1, :orders) i;
INSERT INTO plain.purchase_order SELECT * FROM gov.purchase_order;
INSERT INTO plain.purchase_order_line SELECT * FROM gov.purchase_order_line;
-- governing adopts every order and line (audited, with the rules off)
\timing on
SELECT procgov.govern('gov.purchase_order', 'purchase_order', key => 'id', status => '{state}',
	states => '{"draft": "draft", "sent": null, "to approve": "pending_approval", "purchase": ["approved", "transmitted"],
				"done": "closed", "cancel": "cancelled"}',
	entity => 'ERP', number => 'name', supplier => 'partner_id', currency => 'USD');
SELECT procgov.govern('gov.purchase_order_line', 'purchase_order_line', key => 'id', parent => 'gov.purchase_order',
	parent_key => 'order_id', quantity => 'product_qty', unit_price => 'price_unit', received => 'qty_received',
	invoiced => 'qty_invoiced', description => 'name');
\timing off
VACUUM ANALYZE;
