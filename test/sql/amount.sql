-- procgov.amount: money in an ISO 4217 currency
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
SET search_path = public, procgov;
\set SHOW_CONTEXT never

-- valid input: minor units per currency (JPY 0, USD 2, BHD 3, CLF 4)
SELECT v::amount AS amount FROM (VALUES ('1234.56 USD'), ('1234.5 USD'), ('1234 USD'),
  ('0 USD'), ('-0.01 USD'), ('+7 EUR'), ('12.5 JPY'), ('1000 JPY'), ('1.2 BHD'),
  ('1.2345 BHD'), ('0.0001 CLF'), ('  42.00   gbp  '), ('.5 CHF'), ('5. CHF'),
  ('12.340000 USD'), ('-0 USD'), ('7USD')) t(v);

-- boundaries: the largest and smallest values
SELECT '922337203685477.5807 USD'::amount AS max, '-922337203685477.5808 USD'::amount AS min;
SELECT '922337203685477.5807 JPY'::amount AS max_jpy;

-- malformed input: 22P02 with the bad part named
SELECT ''::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '   '::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '12.50'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '12.50 US'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '12.50 USDX'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '12.50 XYZ'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '12.50 XAU'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '12.34567 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1,000.00 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1e5 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '12.50 USD extra'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '--1 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1.2.3 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- out of range: 22003
SELECT '922337203685477.5808 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '-922337203685477.5809 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '99999999999999999999999 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- constructor and accessors
SELECT amount(1234.5, 'usd') AS a, amount(-0.00005, 'EUR') AS rounded_away, amount(0.00004, 'EUR') AS rounded_down;
SELECT currency('12.50 EUR'::amount), value('12.50 EUR'::amount), value('1000 JPY'::amount), value('0.0001 USD'::amount);
SELECT minor_units('JPY') AS jpy, minor_units('usd') AS usd, minor_units('BHD') AS bhd, minor_units('CLF') AS clf;
SELECT amount(922337203685477.5808, 'USD');
SELECT amount('NaN', 'USD');
SELECT amount(1, 'XXX');
SELECT minor_units('dollars');
-- NULL in, NULL out (all functions are strict)
SELECT amount(NULL, 'USD') IS NULL AS n1, amount(1, NULL) IS NULL AS n2, currency(NULL) IS NULL AS n3,
       (NULL::amount + '1 USD') IS NULL AS n4, NULL::amount IS NULL AS n5;

-- arithmetic within one currency
SELECT '10.25 USD'::amount + '0.75 USD' AS add, '10 USD'::amount - '12.5 USD' AS sub, -'3 EUR'::amount AS neg,
       abs('-3 EUR'::amount) AS abs;
SELECT '10 USD'::amount * 3 AS times_int, 3 * '10 USD'::amount AS int_times,
       '10 USD'::amount * 1.23456 AS times_num, 0.5 * '0.0001 USD'::amount AS half_unit_away,
       '10 USD'::amount / 3 AS div_int, '-10 USD'::amount / 3 AS div_neg, '10 USD'::amount / 4.0 AS div_num,
       '10 USD'::amount / '4 USD'::amount AS ratio;
SELECT round('1.005 USD'::amount) AS r1, round('-1.005 USD'::amount) AS r2, round('2.5 JPY'::amount) AS r3,
       round('1.0005 BHD'::amount) AS r4, round('1.2345 CLF'::amount) AS r5;
-- mixed currencies are refused, never a silent result
SELECT '1 USD'::amount + '1 EUR'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1 USD'::amount - '1 EUR'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1 USD'::amount / '1 EUR'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- overflow and division by zero
SELECT '922337203685477 USD'::amount + '1 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '-922337203685477 USD'::amount - '1 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT -'-922337203685477.5808 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '922337203685477 USD'::amount * 2;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '922337203685477 USD'::amount * 1.5;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1 USD'::amount * 'NaN'::numeric;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1 USD'::amount / 0;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1 USD'::amount / 0.0;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1 USD'::amount / '0 USD'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- factors and divisors that are not finite numbers
SELECT '1 USD'::amount / 'NaN'::numeric;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '0 USD'::amount * 'NaN'::numeric;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- (numeric infinity is new in PostgreSQL 14: expected/amount_1.out is 13's output)
SELECT '1 USD'::amount / 'Infinity'::numeric;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '0 USD'::amount * '-Infinity'::numeric;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- division by a numeric rounds the exact quotient once, half away from zero
-- (5000000001 / 1.0000000001 is 5000000000.4999999999..., so 500000.0000)
SELECT '500000.0001 CLF'::amount / 1.0000000001 AS below_half, '0.0003 CLF'::amount / 2.0 AS half,
       '-0.0003 CLF'::amount / 2.0 AS neg_half, '0.0003 CLF'::amount / -2.0 AS neg_divisor,
       '-0.0003 CLF'::amount / -2.0 AS both_neg, '20 CLF'::amount / 3.0 AS two_thirds,
       '-922337203685477.5808 CLF'::amount / 2.0 AS min_half, '1 CLF'::amount / 1e-14 AS tiny_divisor;
-- the same rule as division by an integer, for every remainder of 7
SELECT count(*) FILTER (WHERE amount(n, 'CLF') / 7 = amount(n, 'CLF') / 7.0) AS agree, count(*) AS cases
  FROM generate_series(-0.0050, 0.0050, 0.0001) n;

-- comparison: within a currency; across currencies = is false, < is an error
SELECT '1 USD'::amount < '2 USD' AS lt, '2 USD'::amount <= '2.00 USD' AS le, '3 USD'::amount > '2 USD' AS gt,
       '2 USD'::amount >= '3 USD' AS ge, '2 USD'::amount = '2.0000 USD' AS eq, '2 USD'::amount <> '2 USD' AS ne;
SELECT '1 USD'::amount = '1 EUR'::amount AS eq_mixed, '1 USD'::amount <> '1 EUR'::amount AS ne_mixed;
SELECT '1 USD'::amount < '2 EUR'::amount;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- ordering groups currencies, then values; DISTINCT and GROUP BY by hash and sort
CREATE TABLE amount_t (id int PRIMARY KEY, a amount);
INSERT INTO amount_t VALUES (1, '10 USD'), (2, '5 EUR'), (3, '-2.5 USD'), (4, '1000 JPY'),
  (5, '10.00 USD'), (6, '0.125 BHD'), (7, NULL), (8, '5 EUR');
SELECT id, a FROM amount_t ORDER BY a, id;
SELECT a, count(*) FROM amount_t GROUP BY a ORDER BY a;
SET enable_sort = off;
SELECT count(DISTINCT a) AS distinct_amounts FROM amount_t;
RESET enable_sort;
SET enable_hashagg = off;
SELECT a, count(*) FROM amount_t GROUP BY a ORDER BY a;
RESET enable_hashagg;

-- aggregates per currency; mixing is an error that names both
SELECT currency(a), sum(a), min(a), max(a), avg(a), count(a) FROM amount_t GROUP BY 1 ORDER BY 1;
SELECT sum(a) FROM amount_t WHERE false;
SELECT avg(a) FROM (VALUES ('1 USD'::amount), ('2 USD'), ('2 USD')) v(a);
SELECT avg(a) FROM (VALUES ('-1 USD'::amount), ('-2 USD'), ('-2 USD')) v(a);
SELECT sum(a) FROM amount_t;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT min(a) FROM amount_t;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT avg(a) FROM amount_t;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT sum(a) FROM (VALUES ('922337203685477 USD'::amount), ('1 USD')) v(a);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- in-place sum state does not leak into the inputs
SELECT a, sum(a) OVER (ORDER BY id) FROM amount_t WHERE currency(a) = 'USD' ORDER BY id;

-- a failed insert stores nothing
BEGIN;
INSERT INTO amount_t VALUES (9, '1 USD'), (10, '1 ZZZ');
ROLLBACK;
SELECT count(*) FROM amount_t WHERE id >= 9;
INSERT INTO amount_t VALUES (11, '1 USD'), (12, '1.00001 USD');
SELECT count(*) FROM amount_t WHERE id >= 9;

-- btree index: equality and range scans within a currency
CREATE INDEX amount_t_a ON amount_t (a);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM amount_t WHERE a = '10 USD';
SELECT id FROM amount_t WHERE a = '10 USD' ORDER BY id;
SELECT id FROM amount_t WHERE a IN ('5 EUR', '1000 JPY') ORDER BY id;
-- a range scan uses the total order (~<~ and friends: currency code, then
-- value), with both bounds in one currency; an index scan and a sequential
-- scan give the same rows
EXPLAIN (COSTS OFF) SELECT id FROM amount_t WHERE a ~>=~ '-5 USD' AND a ~<=~ '10 USD';
SELECT array_agg(id ORDER BY id) AS index_scan FROM amount_t WHERE a ~>=~ '-5 USD' AND a ~<=~ '10 USD';
RESET enable_seqscan;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT array_agg(id ORDER BY id) AS seq_scan FROM amount_t WHERE a ~>=~ '-5 USD' AND a ~<=~ '10 USD';
RESET enable_indexscan;
RESET enable_bitmapscan;
SELECT '1 EUR'::amount ~<~ '1 USD' AS eur_first, '5 USD'::amount ~>~ '1000 JPY' AS usd_after_jpy,
       '2 USD'::amount ~<=~ '2.00 USD' AS le, '2 USD'::amount ~>=~ '3 USD' AS ge;
-- < raises across currencies whatever the plan: it is no index strategy, so
-- an index scan never answers it silently in the total order
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM amount_t WHERE a > '5 USD';
SELECT id FROM amount_t WHERE a > '5 USD';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET enable_seqscan;
-- planning never calls a raising operator on statistics in other
-- currencies (EXPLAIN of < on an analysed mixed column plans), and the
-- currency condition with a total-order bound is right under any plan
ANALYZE amount_t;
EXPLAIN (COSTS OFF) SELECT id FROM amount_t WHERE a > '5 USD';
SELECT array_agg(id ORDER BY id) AS usd_over_5 FROM amount_t WHERE currency(a) = 'USD' AND a ~>~ '5 USD';
SELECT array_agg(id ORDER BY id) AS usd_over_5 FROM amount_t WHERE CASE WHEN currency(a) = 'USD' THEN a > '5 USD' END;
-- the extended hash with seed 0 has the standard hash in its low 32 bits
SELECT count(*) FILTER (WHERE amount_hash(a) = (amount_hash_extended(a, 0) & 4294967295)::bit(32)::int) AS agree,
       count(a) AS amounts
  FROM amount_t;
-- hash index and hash join
CREATE INDEX amount_t_h ON amount_t USING hash (a);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM amount_t WHERE a = '5 EUR';
SELECT id FROM amount_t WHERE a = '5 EUR' ORDER BY id;
RESET enable_seqscan;
RESET enable_bitmapscan;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT x.id, y.id FROM amount_t x JOIN amount_t y ON x.a = y.a AND x.id < y.id;
SELECT x.id, y.id FROM amount_t x JOIN amount_t y ON x.a = y.a AND x.id < y.id ORDER BY 1, 2;
RESET enable_mergejoin;
RESET enable_nestloop;

-- binary round trip through COPY
COPY (SELECT id, a FROM amount_t ORDER BY id) TO '/tmp/procgov_regress_amount.bin' WITH (FORMAT binary);
CREATE TABLE amount_copy (id int, a amount);
COPY amount_copy FROM '/tmp/procgov_regress_amount.bin' WITH (FORMAT binary);
SELECT count(*) AS copied, count(*) FILTER (WHERE c.a IS NOT DISTINCT FROM t.a) AS identical
  FROM amount_copy c JOIN amount_t t USING (id);
SELECT amount_send('1234.56 USD') AS wire;
-- binary input is validated: bytea's binary form is its raw bytes, so a
-- bytea column copied out in binary reads back as crafted amount_recv input
CREATE TABLE amount_raw (b bytea);
INSERT INTO amount_raw VALUES ('\x00000000000004d2555344');
COPY amount_raw TO '/tmp/procgov_regress_amount_raw.bin' WITH (FORMAT binary);
CREATE TABLE amount_in (a amount);
COPY amount_in FROM '/tmp/procgov_regress_amount_raw.bin' WITH (FORMAT binary);
SELECT a FROM amount_in;
TRUNCATE amount_raw;
INSERT INTO amount_raw VALUES ('\x0000000000000001585858');
COPY amount_raw TO '/tmp/procgov_regress_amount_raw.bin' WITH (FORMAT binary);
COPY amount_in FROM '/tmp/procgov_regress_amount_raw.bin' WITH (FORMAT binary);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM amount_in;
DROP TABLE amount_raw, amount_in;
-- text round trip: every stored value prints and reads back unchanged
SELECT count(*) FILTER (WHERE a::text::amount = a) AS round_trip, count(a) AS total FROM amount_t;

DROP TABLE amount_t, amount_copy;

-- a long bad input is cut between characters in the message, so a client
-- in another encoding still gets the error rather than a conversion failure
DO $$
DECLARE
	m text;
BEGIN
	PERFORM ('x' || repeat(U&'\00e9', 30))::amount;
EXCEPTION WHEN invalid_text_representation THEN
	GET STACKED DIAGNOSTICS m = MESSAGE_TEXT;
	RAISE NOTICE 'converts to LATIN1: %; ends with: %',
		convert(convert_to(m, 'UTF8'), 'UTF8', 'LATIN1') IS NOT NULL, right(m, 6);
END
$$;
