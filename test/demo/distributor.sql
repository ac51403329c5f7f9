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
\echo '## What is next'
\echo 'The audit ledger, events, the canonical documents and their state machine, policy,'
\echo 'matching with exception cases, jobs on pg_cron and the BI views arrive as later chapters.'
