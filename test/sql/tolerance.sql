-- procgov.tolerance, procgov.within, procgov.band and procgov.amountrange
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
SET search_path = public, procgov;
\set SHOW_CONTEXT never

-- valid forms and their canonical text
SELECT v AS input, v::tolerance AS tolerance FROM (VALUES ('0'), ('exact'), ('2%'), ('2.5 %'), ('0.0001%'),
  ('1000%'), ('0%'), ('5.00 USD'), ('5 jpy'), ('0.125 BHD'), ('2% or 5.00 USD'), ('5 USD OR 2%'),
  ('2% and 5.00 USD'), ('  1.25%   And   5 EUR  ')) t(v);

-- malformed and out-of-range tolerances
SELECT ''::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '2'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '-2%'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '-5 USD'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '2% or 3%'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '5 USD and 6 USD'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '2% or'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'or 2%'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '2%%'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '%'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '2.00001%'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '5 XYZ'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1000.0001%'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1001%'::tolerance;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- within: percent, absolute, the looser (or), the stricter (and), exact
SELECT expected, actual, tol, within(actual::amount, expected::amount, tol::tolerance)
  FROM (VALUES
    ('100.00 USD', '102.00 USD', '2%'),
    ('100.00 USD', '102.01 USD', '2%'),
    ('100.00 USD', '97.99 USD', '2%'),
    ('100.00 USD', '105.00 USD', '5 USD'),
    ('100.00 USD', '105.01 USD', '5 USD'),
    ('100.00 USD', '104.00 USD', '2% or 5 USD'),
    ('100.00 USD', '104.00 USD', '2% and 5 USD'),
    ('1000.00 USD', '1015.00 USD', '2% and 5 USD'),
    ('1000.00 USD', '1015.00 USD', '2% or 5 USD'),
    ('100.00 USD', '100.00 USD', '0'),
    ('100.00 USD', '100.0001 USD', '0'),
    ('-100.00 USD', '-102.00 USD', '2%'),
    ('0 USD', '0.0001 USD', '2%'),
    -- one minor unit either side of the edge, in 0- and 3-decimal currencies
    ('1000 JPY', '1010 JPY', '1%'),
    ('1000 JPY', '1011 JPY', '1%'),
    ('10.000 BHD', '10.200 BHD', '2%'),
    ('10.000 BHD', '10.201 BHD', '2%'),
    ('10.000 KWD', '9.999 KWD', '0.001 KWD'),
    ('10.000 KWD', '9.998 KWD', '0.001 KWD')
  ) t(expected, actual, tol);
-- the percentage is of the expected amount, exact to a ten-thousandth
SELECT allowance('100.00 USD', '2%') AS a1, allowance('10.01 USD', '2%') AS a2, allowance('1000 JPY', '1.5%') AS a3,
       allowance('100 USD', '2% or 5 USD') AS either, allowance('100 USD', '2% and 5 USD') AS both_,
       allowance('-100 USD', '2%') AS neg, allowance('922337203685477.5807 USD', '1000%') AS saturated;
-- a tolerance in another currency, and actual vs expected in different currencies
SELECT within('1 USD', '1 USD', '1 EUR');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT within('1 USD', '1 EUR', '2%');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT within(NULL, '1 USD', '2%') IS NULL AS strict_null;

-- band: the closed range of matching amounts
SELECT band('100 USD', '2%') AS pct, band('100 USD', '5 USD') AS abs_, band('100 USD', '2% or 5 USD') AS either,
       band('100 USD', '2% and 5 USD') AS both_, band('100 USD', '0') AS exact;
SELECT band('922337203685477 USD', '1 USD') AS clamped_high, band('-922337203685477 USD', '1 USD') AS clamped_low;
SELECT band('100 USD', '2%') @> '102 USD'::amount AS edge_in, band('100 USD', '2%') @> '102.0001 USD'::amount AS edge_out,
       band('100 USD', '2%') @> '100 EUR'::amount AS other_currency;
-- a range left open at one end stays in its other bound's currency
-- (in the btree order EUR sorts before USD: open, it would hold every EUR amount)
SELECT '(,100 USD]'::amountrange AS open_below, '(,100 USD]'::amountrange @> '5000000 EUR'::amount AS eur_inside,
       '(,100 USD]'::amountrange @> '-5 USD'::amount AS usd_inside, '[1 EUR,)'::amountrange @> '3 GBP'::amount AS gbp_inside,
       amountrange(NULL, '5 USD'::amount) AS constructed, '(,)'::amountrange AS unbounded;
SELECT '(,100 USD]'::amountrange && band('100 GBP', '1%') AS overlaps_gbp, '(,100 USD]'::amountrange && band('100 USD', '1%') AS overlaps_usd;
-- band agrees with within on every case
SELECT count(*) FILTER (WHERE (band(e, t) @> a) = within(a, e, t)) AS agree, count(*) AS cases
  FROM (SELECT amount(e, 'USD') e, amount(e + d, 'USD') a, t::tolerance t
          FROM generate_series(0, 200, 7) e, generate_series(-10, 10) d,
               unnest(ARRAY['0', '3%', '4 USD', '3% or 4 USD', '3% and 4 USD']) t) s;

-- "which open order lines could this invoice amount match": a GiST index on the band
CREATE TABLE tol_lines (id int PRIMARY KEY, expected amount, tol tolerance);
INSERT INTO tol_lines SELECT i, amount(i * 10, CASE WHEN i % 2 = 0 THEN 'USD' ELSE 'EUR' END),
  CASE WHEN i % 3 = 0 THEN '2%' ELSE '2% or 5 USD' END::tolerance
  FROM generate_series(1, 2000) i WHERE i % 3 = 0 OR i % 2 = 0;
CREATE INDEX tol_lines_band ON tol_lines USING gist (band(expected, tol));
ANALYZE tol_lines;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM tol_lines WHERE band(expected, tol) @> '1000 USD'::amount;
SELECT id, expected, tol FROM tol_lines WHERE band(expected, tol) @> '1000 USD'::amount ORDER BY id;
RESET enable_seqscan;
-- the index answers exactly what a scan answers
SELECT array_agg(id ORDER BY id) AS scanned FROM tol_lines
  WHERE CASE WHEN currency(expected) = 'USD' THEN within('1000 USD', expected, tol) END;

-- equality and hashing of tolerances
SELECT '2% or 5 USD'::tolerance = '5.00 USD or 2%'::tolerance AS same, '2%'::tolerance = '2% or 0 USD'::tolerance AS differ,
       '2%'::tolerance <> '3%'::tolerance AS ne;
SELECT tol, count(*) FROM tol_lines GROUP BY tol ORDER BY tol::text;

-- binary round trip
COPY (SELECT id, expected, tol, band(expected, tol) AS b FROM tol_lines ORDER BY id) TO '/tmp/procgov_regress_tol.bin' WITH (FORMAT binary);
CREATE TABLE tol_copy (id int, expected amount, tol tolerance, b amountrange);
COPY tol_copy FROM '/tmp/procgov_regress_tol.bin' WITH (FORMAT binary);
SELECT count(*) AS copied, count(*) FILTER (WHERE c.tol = t.tol AND c.b = band(t.expected, t.tol)) AS identical
  FROM tol_copy c JOIN tol_lines t USING (id);
SELECT count(*) FILTER (WHERE tol::text::tolerance = tol) AS text_round_trip, count(*) FROM tol_lines;

-- binary input is the text form, validated: a text column copied out in
-- binary reads back as crafted tolerance_recv input; refusals are 22P03
CREATE TABLE tol_raw (t text);
INSERT INTO tol_raw VALUES ('2000%');
COPY tol_raw TO '/tmp/procgov_regress_tol_raw.bin' WITH (FORMAT binary);
CREATE TABLE tol_in (t tolerance);
COPY tol_in FROM '/tmp/procgov_regress_tol_raw.bin' WITH (FORMAT binary);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE tol_raw;
INSERT INTO tol_raw VALUES ('abc');
COPY tol_raw TO '/tmp/procgov_regress_tol_raw.bin' WITH (FORMAT binary);
COPY tol_in FROM '/tmp/procgov_regress_tol_raw.bin' WITH (FORMAT binary);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM tol_in;
DROP TABLE tol_raw, tol_in;

-- a failed insert stores nothing
INSERT INTO tol_lines VALUES (5001, '1 USD', '1%'), (5002, '1 USD', '1 percent');
SELECT count(*) FROM tol_lines WHERE id > 5000;

DROP TABLE tol_lines, tol_copy;
