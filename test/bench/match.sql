-- test/bench/match.sql — procgov.match_pending() over a million invoice lines
-- against the same rules written as one plain set-based SQL query and as a
-- PL/pgSQL loop over lines, in the same run, on the same data.
--
-- The data is a distributor's month: 125,000 purchase orders of 8 lines
-- (items in 200 categories, a tenth of them services matched two-way) to
-- 500 suppliers, received in full but for 1% of goods lines, and one
-- invoice per order billing every line; 0.5% of lines are billed above the
-- price tolerance and 0.2% below it.  Tolerances come from rules: 2% for
-- the entity, 1% for 50 suppliers, two-way for the services category.
--
-- All three read and write procgov's own tables and produce the same
-- outcome: order lines' invoiced quantities, invoice states (through the
-- governance trigger, so every state change is audited and emits an
-- event), and one exception case per invoice and kind.  The baselines read
-- through views that give prices as plain numerics and take tolerances from
-- a plain table; they do not audit or announce the cases, procgov does.  Each variant runs three times in
-- a transaction that is rolled back, with VACUUM between runs; the median
-- counts.  Set BENCH_MATCH_LINES for another size (a multiple of 8).
\pset footer off
\set ON_ERROR_STOP 1
\getenv match_lines BENCH_MATCH_LINES
\if :{?match_lines}
\else
\set match_lines 1000000
\endif
SET search_path = public, procgov;
SET procgov.notify = off;
SET procgov.actor = 'bench';
SELECT (:match_lines / 8)::integer AS orders \gset

-- ---- the data, loaded as a migration would (replica mode: no triggers) ----
SET session_replication_role = replica;
INSERT INTO procgov.entity (entity_id, name, base_currency) VALUES ('BM', 'Bench Distribution', 'EUR');
INSERT INTO procgov.supplier (entity_id, supplier_id, code, name, status, iban) OVERRIDING SYSTEM VALUE
SELECT 'BM', s, 'S' || s, 'Supplier ' || s, 'approved', 'DE89370400440532013000' FROM generate_series(1, 500) s;
INSERT INTO procgov.item (entity_id, item_id, sku, description, category_code) OVERRIDING SYSTEM VALUE
SELECT 'BM', i, 'SKU' || i, 'item ' || i,
	   CASE WHEN i % 10 = 0 THEN '81.10.' || (i % 7) ELSE (20 + i % 40) || '.' || (10 + i % 17) END
  FROM generate_series(1, 200) i;
INSERT INTO procgov.purchase_order (entity_id, po_id, number, state, supplier_id, buyer, total, created_by)
	OVERRIDING SYSTEM VALUE
SELECT 'BM', g, 'PO-' || g, 'received', 1 + g % 500, 'b.buyer', procgov.amount(1000 + g, 'EUR'), 'b.buyer'
  FROM generate_series(1, :orders) g;
INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, item_id, description, quantity, unit_price, received_qty)
SELECT 'BM', g, k, 1 + (g * 8 + k) % 200, 'line', 1 + (g + k) % 50,
	   procgov.amount(5 + (g * 7 + k * 13) % 500 + 0.25, 'EUR'),
	   CASE WHEN (g * 8 + k) % 100 = 7 AND (1 + (g * 8 + k) % 200) % 10 <> 0 THEN ((1 + (g + k) % 50) / 2)::numeric(18,4)
			ELSE 1 + (g + k) % 50 END
  FROM generate_series(1, :orders) g, generate_series(1, 8) k;
INSERT INTO procgov.invoice (entity_id, invoice_id, number, supplier_invoice_no, state, supplier_id, po_id, invoice_date, total)
	OVERRIDING SYSTEM VALUE
SELECT 'BM', g, 'INV-' || g, 'SI-' || g, 'submitted', 1 + g % 500, g, DATE '2026-01-01' + g % 300, procgov.amount(1000 + g, 'EUR')
  FROM generate_series(1, :orders) g;
INSERT INTO procgov.invoice_line (entity_id, invoice_id, line_no, po_id, po_line_no, description, quantity, unit_price)
SELECT 'BM', g, k, g, k, 'line', 1 + (g + k) % 50,
	   procgov.amount((5 + (g * 7 + k * 13) % 500 + 0.25) * CASE (g * 8 + k) % 1000 WHEN 3 THEN 1.05 WHEN 4 THEN 1.05
			WHEN 5 THEN 1.05 WHEN 6 THEN 1.05 WHEN 8 THEN 1.05 WHEN 9 THEN 0.97 WHEN 11 THEN 0.97 ELSE 1 END, 'EUR')
  FROM generate_series(1, :orders) g, generate_series(1, 8) k;
RESET session_replication_role;
INSERT INTO procgov.policy (entity_id, version, name) VALUES ('BM', 1, 'bench');
INSERT INTO procgov.match_rule (entity_id, policy_id, name, supplier_code, category_prefix, qty_tolerance, price_tolerance, two_way)
SELECT 'BM', policy_id, 'entity', NULL, NULL, '0'::procgov.tolerance, '2%'::procgov.tolerance, false FROM procgov.policy WHERE entity_id = 'BM'
UNION ALL
SELECT 'BM', policy_id, 'services', NULL, '81.', '0', '2%', true FROM procgov.policy WHERE entity_id = 'BM'
UNION ALL
SELECT 'BM', policy_id, 'supplier ' || s, 'S' || s, NULL, '0', '1%', false FROM procgov.policy, generate_series(10, 500, 10) s
 WHERE entity_id = 'BM';
SELECT procgov.activate_policy('BM', 1) IS NOT NULL AS activated;
SELECT setval(pg_get_serial_sequence('procgov.purchase_order', 'po_id'), :orders);
SELECT setval(pg_get_serial_sequence('procgov.invoice', 'invoice_id'), :orders);

-- only procgov's matching may move an invoice to matched (the guard
-- matched_by_matching), which the baselines' plain UPDATEs cannot pass: for
-- the comparison the guard is taken off those two transitions, for all three
-- variants alike (to procgov it is one flag test per invoice)
UPDATE procgov.transition SET guards = array_remove(guards, 'matched_by_matching')
 WHERE kind = 'invoice' AND to_state = 'matched';

-- ---- what the baselines read: procgov's own rows as plain numbers ----
CREATE VIEW bm_invoice AS
SELECT entity_id, invoice_id, number, supplier_id, po_id, state::text AS state, invoice_date,
	   procgov.value(total) AS total, supplier_invoice_key AS key
  FROM procgov.invoice;
CREATE VIEW bm_invoice_line AS
SELECT entity_id, invoice_id, line_no, po_id, po_line_no, quantity, procgov.value(unit_price) AS price,
	   procgov.currency(unit_price) AS cur
  FROM procgov.invoice_line;
CREATE VIEW bm_po_line AS
SELECT l.entity_id, l.po_id, l.line_no, l.quantity, procgov.value(l.unit_price) AS price, procgov.currency(l.unit_price) AS cur,
	   l.received_qty AS received, l.invoiced_qty AS invoiced, i.category_code AS category
  FROM procgov.purchase_order_line l LEFT JOIN procgov.item i ON i.entity_id = l.entity_id AND i.item_id = l.item_id;
CREATE TABLE bm_rule (entity_id text, supplier_id bigint, category_prefix text, qty_pct numeric, price_pct numeric, two_way boolean);
INSERT INTO bm_rule
SELECT 'BM', s.supplier_id, r.category_prefix, 0, CASE WHEN r.price_tolerance = '1%' THEN 1 ELSE 2 END, r.two_way
  FROM procgov.match_rule r LEFT JOIN procgov.supplier s ON s.entity_id = r.entity_id AND s.code = r.supplier_code
 WHERE r.entity_id = 'BM';
VACUUM ANALYZE;

-- ---- the plain set-based query: the same rules, the same writes ----
CREATE FUNCTION pg_temp.plain_match() RETURNS TABLE (invoices bigint, matched bigint, disputed bigint)
LANGUAGE sql AS $$
WITH pending AS MATERIALIZED (
	SELECT i.*,
		   EXISTS (SELECT FROM bm_invoice d WHERE d.entity_id = i.entity_id AND d.supplier_id = i.supplier_id AND d.key = i.key
					  AND d.invoice_id < i.invoice_id AND d.state <> 'cancelled'
					  AND d.invoice_date > i.invoice_date - interval '1 year' AND d.invoice_date < i.invoice_date + interval '1 year')
		OR EXISTS (SELECT FROM bm_invoice d WHERE d.entity_id = i.entity_id AND d.supplier_id = i.supplier_id AND d.total = i.total
					  AND d.key <> i.key AND d.invoice_id < i.invoice_id AND d.state <> 'cancelled'
					  AND d.invoice_date BETWEEN i.invoice_date - 3 AND i.invoice_date + 3) AS is_dup
	  FROM bm_invoice i WHERE i.state IN ('submitted', 'disputed')),
base AS MATERIALIZED (
	SELECT l.entity_id, l.invoice_id, l.line_no, l.po_id, l.po_line_no, l.quantity, l.price, l.cur,
		   i.number, i.supplier_id, i.is_dup, coalesce(pl.category, '') AS category,
		   pl.quantity AS ordered, pl.price AS order_price, pl.cur AS order_cur, pl.received, pl.invoiced
	  FROM pending i
	  JOIN bm_invoice_line l ON l.entity_id = i.entity_id AND l.invoice_id = i.invoice_id
	  LEFT JOIN bm_po_line pl ON pl.entity_id = l.entity_id AND pl.po_id = l.po_id AND pl.line_no = l.po_line_no),
-- the most specific rule, once per supplier and category
tol AS (
	SELECT DISTINCT ON (c.entity_id, c.supplier_id, c.category) c.entity_id, c.supplier_id, c.category,
		   r.qty_pct, r.price_pct, r.two_way
	  FROM (SELECT DISTINCT entity_id, supplier_id, category FROM base) c
	  JOIN bm_rule r ON r.entity_id = c.entity_id
	   AND (r.supplier_id IS NULL OR r.supplier_id = c.supplier_id)
	   AND (r.category_prefix IS NULL OR c.category LIKE r.category_prefix || '%')
	 ORDER BY c.entity_id, c.supplier_id, c.category, (r.supplier_id IS NOT NULL) DESC, length(r.category_prefix) DESC NULLS LAST),
lines AS (
	SELECT b.*, t.qty_pct, t.price_pct, coalesce(t.two_way, false) AS two_way,
		   b.invoiced + coalesce(sum(b.quantity) OVER (PARTITION BY b.entity_id, b.po_id, b.po_line_no
				ORDER BY b.invoice_id, b.line_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS invoiced_before
	  FROM base b LEFT JOIN tol t USING (entity_id, supplier_id, category)),
judged AS (
	SELECT l.*, CASE
		WHEN l.is_dup THEN 'duplicate_invoice'
		WHEN l.ordered IS NULL THEN 'no_order'
		WHEN l.cur <> l.order_cur THEN 'currency_mismatch'
		WHEN l.invoiced_before >= l.ordered THEN 'fully_invoiced'
		WHEN NOT l.two_way AND l.received = 0 THEN 'no_receipt'
		WHEN l.quantity > CASE WHEN l.two_way THEN l.ordered ELSE l.received END - l.invoiced_before
			 AND (l.quantity - greatest(CASE WHEN l.two_way THEN l.ordered ELSE l.received END - l.invoiced_before, 0)) * l.order_price
				 > round(greatest(CASE WHEN l.two_way THEN l.ordered ELSE l.received END - l.invoiced_before, 0) * l.order_price * l.qty_pct / 100, 2)
			 THEN CASE WHEN l.two_way THEN 'quantity_over_ordered' ELSE 'quantity_over_received' END
		WHEN round(l.quantity * l.price, 2) - round(l.quantity * l.order_price, 2)
			 > round(round(l.quantity * l.order_price, 2) * l.price_pct / 100, 2) THEN 'price_over'
		WHEN round(l.quantity * l.order_price, 2) - round(l.quantity * l.price, 2)
			 > round(round(l.quantity * l.order_price, 2) * l.price_pct / 100, 2) THEN 'price_under'
		ELSE 'matched' END AS result
	  FROM lines l),
decided AS MATERIALIZED (
	SELECT j.*, bool_and(j.result = 'matched') OVER (PARTITION BY j.entity_id, j.invoice_id) AS ok FROM judged j),
billed AS (
	UPDATE procgov.purchase_order_line pl SET invoiced_qty = pl.invoiced_qty + s.q
	  FROM (SELECT d.entity_id, d.po_id, d.po_line_no, sum(d.quantity) AS q
			  FROM decided d WHERE d.ok AND d.ordered IS NOT NULL
			 GROUP BY d.entity_id, d.po_id, d.po_line_no) s
	 WHERE pl.entity_id = s.entity_id AND pl.po_id = s.po_id AND pl.line_no = s.po_line_no
	RETURNING 1),
inv AS (
	SELECT DISTINCT entity_id, invoice_id, ok FROM decided),
states AS (
	UPDATE procgov.invoice i SET state = CASE WHEN inv.ok THEN 'matched' ELSE 'disputed' END::procgov.state
	  FROM inv WHERE i.entity_id = inv.entity_id AND i.invoice_id = inv.invoice_id
	   AND i.state <> CASE WHEN inv.ok THEN 'matched' ELSE 'disputed' END::procgov.state
	RETURNING 1),
cases AS (
	INSERT INTO procgov.exception_case AS c (entity_id, doc_kind, doc_number, kind, owner, due_at, details)
	SELECT d.entity_id, 'invoice', d.number, d.result, 'accounts_payable', now() + interval '3 days',
		   jsonb_build_object('lines', jsonb_agg(jsonb_build_object('line', d.line_no, 'po_line', d.po_line_no, 'quantity', d.quantity,
				'unit_price', d.price, 'ordered', d.ordered, 'order_price', d.order_price, 'received', d.received,
				'invoiced_before', d.invoiced_before) ORDER BY d.line_no))
	  FROM decided d WHERE d.result <> 'matched' GROUP BY d.entity_id, d.number, d.result
	ON CONFLICT (entity_id, doc_kind, doc_number, kind) WHERE status = 'open' DO UPDATE SET details = excluded.details
	RETURNING 1)
SELECT count(*), count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok)
  FROM inv, (SELECT (SELECT count(*) FROM billed) + (SELECT count(*) FROM states) + (SELECT count(*) FROM cases)) AS w(n)
$$;

-- ---- the PL/pgSQL loop over lines: the same rules, one line at a time ----
CREATE FUNCTION pg_temp.loop_match() RETURNS TABLE (invoices bigint, matched bigint, disputed bigint)
LANGUAGE plpgsql AS $$
DECLARE
	i record;
	l record;
	pl record;
	r bm_rule;
	is_dup boolean;
	ok boolean;
	result text;
	lim numeric;
	allow numeric;
	lines_of jsonb;
	results text[];
BEGIN
	invoices := 0; matched := 0; disputed := 0;
	FOR i IN SELECT * FROM bm_invoice WHERE state IN ('submitted', 'disputed') ORDER BY entity_id, invoice_id LOOP
		is_dup := EXISTS (SELECT FROM bm_invoice d WHERE d.entity_id = i.entity_id AND d.supplier_id = i.supplier_id AND d.key = i.key
							AND d.invoice_id < i.invoice_id AND d.state <> 'cancelled'
							AND d.invoice_date > i.invoice_date - interval '1 year' AND d.invoice_date < i.invoice_date + interval '1 year')
			   OR EXISTS (SELECT FROM bm_invoice d WHERE d.entity_id = i.entity_id AND d.supplier_id = i.supplier_id AND d.total = i.total
							AND d.key <> i.key AND d.invoice_id < i.invoice_id AND d.state <> 'cancelled'
							AND d.invoice_date BETWEEN i.invoice_date - 3 AND i.invoice_date + 3);
		ok := true;
		results := '{}';
		FOR l IN SELECT * FROM bm_invoice_line x WHERE x.entity_id = i.entity_id AND x.invoice_id = i.invoice_id ORDER BY line_no LOOP
			SELECT * INTO pl FROM bm_po_line x WHERE x.entity_id = l.entity_id AND x.po_id = l.po_id AND x.line_no = l.po_line_no;
			SELECT * INTO r FROM bm_rule x WHERE x.entity_id = i.entity_id AND (x.supplier_id IS NULL OR x.supplier_id = i.supplier_id)
				AND (x.category_prefix IS NULL OR coalesce(pl.category, '') LIKE x.category_prefix || '%')
			  ORDER BY (x.supplier_id IS NOT NULL) DESC, length(x.category_prefix) DESC NULLS LAST LIMIT 1;
			lim := CASE WHEN r.two_way THEN pl.quantity ELSE pl.received END - pl.invoiced;
			allow := round(round(l.quantity * pl.price, 2) * r.price_pct / 100, 2);
			result := CASE
				WHEN is_dup THEN 'duplicate_invoice'
				WHEN pl.po_id IS NULL THEN 'no_order'
				WHEN l.cur <> pl.cur THEN 'currency_mismatch'
				WHEN pl.invoiced >= pl.quantity THEN 'fully_invoiced'
				WHEN NOT r.two_way AND pl.received = 0 THEN 'no_receipt'
				WHEN l.quantity > lim AND (l.quantity - greatest(lim, 0)) * pl.price > round(greatest(lim, 0) * pl.price * r.qty_pct / 100, 2)
					THEN CASE WHEN r.two_way THEN 'quantity_over_ordered' ELSE 'quantity_over_received' END
				WHEN round(l.quantity * l.price, 2) - round(l.quantity * pl.price, 2) > allow THEN 'price_over'
				WHEN round(l.quantity * pl.price, 2) - round(l.quantity * l.price, 2) > allow THEN 'price_under'
				ELSE 'matched' END;
			results := results || result;
			IF result <> 'matched' THEN
				ok := false;
				INSERT INTO procgov.exception_case AS c (entity_id, doc_kind, doc_number, kind, owner, due_at, details)
				VALUES (i.entity_id, 'invoice', i.number, result, 'accounts_payable', now() + interval '3 days', jsonb_build_object('lines', jsonb_build_array(jsonb_build_object('line', l.line_no,
						'po_line', l.po_line_no, 'quantity', l.quantity, 'unit_price', l.price, 'ordered', pl.quantity,
						'order_price', pl.price, 'received', pl.received, 'invoiced_before', pl.invoiced))))
				ON CONFLICT (entity_id, doc_kind, doc_number, kind) WHERE status = 'open'
				DO UPDATE SET details = jsonb_set(c.details, '{lines}', (c.details->'lines') || (excluded.details->'lines'));
			END IF;
		END LOOP;
		IF ok THEN
			UPDATE procgov.purchase_order_line x SET invoiced_qty = x.invoiced_qty + l2.quantity
			  FROM procgov.invoice_line l2
			 WHERE l2.entity_id = i.entity_id AND l2.invoice_id = i.invoice_id
			   AND x.entity_id = l2.entity_id AND x.po_id = l2.po_id AND x.line_no = l2.po_line_no;
			UPDATE procgov.invoice x SET state = 'matched' WHERE x.entity_id = i.entity_id AND x.invoice_id = i.invoice_id;
			matched := matched + 1;
		ELSE
			UPDATE procgov.invoice x SET state = 'disputed' WHERE x.entity_id = i.entity_id AND x.invoice_id = i.invoice_id
			   AND x.state <> 'disputed';
			disputed := disputed + 1;
		END IF;
		invoices := invoices + 1;
	END LOOP;
	RETURN NEXT;
END $$;

CREATE TABLE bench_times (variant text, run integer, ms numeric, invoices bigint, matched bigint, disputed bigint);

\set q_procgov 'SELECT invoices, matched, disputed FROM procgov.match_pending(''BM'')'
\set q_plain 'SELECT * FROM pg_temp.plain_match()'
\set q_loop 'SELECT * FROM pg_temp.loop_match()'
\set run 1
\ir match_run.psql
\set run 2
\ir match_run.psql
\set run 3
\ir match_run.psql

SELECT variant, invoices, matched, disputed, count(*) AS runs, min(ms) AS min_ms,
	   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric) AS median_ms
  FROM bench_times GROUP BY variant, invoices, matched, disputed ORDER BY variant;
WITH m AS (SELECT variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM bench_times GROUP BY variant)
SELECT :match_lines AS invoice_lines,
	   round(:match_lines / (SELECT ms FROM m WHERE variant = 'procgov') * 1000) AS procgov_lines_per_s,
	   round(:match_lines / (SELECT ms FROM m WHERE variant = 'plain SQL') * 1000) AS plain_sql_lines_per_s,
	   round(:match_lines / (SELECT ms FROM m WHERE variant = 'PL/pgSQL loop') * 1000) AS loop_lines_per_s,
	   round(((SELECT ms FROM m WHERE variant = 'plain SQL') / (SELECT ms FROM m WHERE variant = 'procgov'))::numeric, 2) AS vs_plain_sql,
	   round(((SELECT ms FROM m WHERE variant = 'PL/pgSQL loop') / (SELECT ms FROM m WHERE variant = 'procgov'))::numeric, 2) AS vs_loop;
