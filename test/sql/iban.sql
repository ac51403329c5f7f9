-- procgov.iban: accepted forms, normalisation, every refusal with its
-- SQLSTATE, NULLs, casts, functions, ordering, hashing, indexes, binary I/O.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
SET search_path = public, procgov;
\set SHOW_CONTEXT never

-- SQLSTATE, message and detail of a statement, or 'ok' (errors stay one line)
CREATE FUNCTION pg_temp.outcome(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	det text;
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
	RETURN st || ' ' || msg || ' / ' || det;
END $$;

-- accepted: electronic form, print form, lower case, tabs and blanks anywhere
SELECT 'DE89370400440532013000'::procgov.iban;
SELECT 'de89 3704 0044 0532 0130 00'::procgov.iban;
SELECT E'\tGB29 NWBK\t6016 1331 9268 19  '::procgov.iban;
SELECT 'F R 1 4 2004 1010 0505 0001 3m02 606'::procgov.iban;

-- one IBAN per length extreme and several countries, with the accessors
SELECT v::procgov.iban AS iban,
       procgov.iban_country(v::procgov.iban) AS country,
       length(v::procgov.iban::text) AS len,
       procgov.iban_format(v::procgov.iban) AS print
FROM (VALUES ('NO9386011117947'), ('BE68539007547034'), ('NL91ABNA0417164300'),
             ('CH9300762011623852957'), ('GB29NWBK60161331926819'),
             ('IT60X0542811101000000123456'), ('FR1420041010050500013M02606'),
             ('MT84MALT011000012345MTLCAST001S'), ('LC55HEMM000100010012001200023015'),
             ('RU0304452522540817810538091310419')) AS t(v)
ORDER BY len, iban;

-- the print form reads back to the same value
SELECT procgov.iban_format('LC55HEMM000100010012001200023015')::procgov.iban = 'LC55HEMM000100010012001200023015'::procgov.iban AS print_round_trip;

-- refused, with DETAIL, HINT and SQLSTATE: one statement per error path
SELECT ''::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '   '::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'DE89 3704-0044 0532 0130 00'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'DE89 3704 0044 0532 0130 0#'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT E'DE89\n370400440532013000'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'D'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '1E89370400440532013000'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'XX89370400440532013000'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'US12345678901234567890'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'DE8937040044053201300'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'DE893704004405320130000'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'DE89370400440532013000DE89370400440532013000'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'DEAB370400440532013000'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'DE00370400440532013000'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'DE01370400440532013000'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'DE99370400440532013000'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'DE88370400440532013000'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 'DE89370400440523013000'::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- a long refused input is quoted short in the message
SELECT repeat('DE89 ', 40)::procgov.iban;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- text input and the text cast refuse alike, with the same SQLSTATE and words
SELECT v AS input,
       left(pg_temp.outcome(format('SELECT %L::procgov.iban', v)), 5) AS text_input,
       pg_temp.outcome(format('SELECT %L::text::procgov.iban', v)) = pg_temp.outcome(format('SELECT %L::procgov.iban', v)) AS cast_agrees
FROM (VALUES (''), ('DE89 3704-0044'), ('D'), ('1E89370400440532013000'), ('XX89370400440532013000'),
             ('DE8937040044053201300'), ('DEAB370400440532013000'), ('DE00370400440532013000'),
             ('DE88370400440532013000'), ('DE89370400440532013000')) AS t(v)
ORDER BY v COLLATE "C";

-- NULLs: STRICT functions and operators give NULL
SELECT NULL::procgov.iban IS NULL AS null_in;
SELECT procgov.iban_country(NULL) IS NULL AS country, procgov.iban_format(NULL) IS NULL AS format, procgov.iban(NULL) IS NULL AS cast_fn;
SELECT (NULL::procgov.iban = 'DE89370400440532013000') IS NULL AS eq_null;

-- casts: text to iban (assignment, validating), iban to text (binary coercible)
SELECT procgov.iban('gb29 nwbk 6016 1331 9268 19');
SELECT ' ch93 0076 2011 6238 5295 7'::text::procgov.iban;
SELECT ('NL91ABNA0417164300'::procgov.iban)::text || ' is text' AS as_text;
SELECT pg_typeof('NL91ABNA0417164300'::procgov.iban::text);

-- comparison operators
SELECT 'DE89370400440532013000'::procgov.iban = 'de89 3704 0044 0532 0130 00'::procgov.iban AS eq,
       'DE89370400440532013000'::procgov.iban <> 'GB29NWBK60161331926819'::procgov.iban AS ne,
       'DE89370400440532013000'::procgov.iban < 'GB29NWBK60161331926819'::procgov.iban AS lt,
       'DE89370400440532013000'::procgov.iban <= 'DE89370400440532013000'::procgov.iban AS le,
       'NO9386011117947'::procgov.iban > 'NL91ABNA0417164300'::procgov.iban AS gt,
       'NO9386011117947'::procgov.iban >= 'NO9386011117947'::procgov.iban AS ge;
SELECT procgov.iban_cmp('BE68539007547034', 'BE68539007547034') AS same,
       procgov.iban_cmp('BE68539007547034', 'DE89370400440532013000') AS before,
       procgov.iban_cmp('NO9386011117947', 'NL91ABNA0417164300') AS after;

-- a table: normalised on the way in, a UNIQUE constraint sees through spelling
CREATE TABLE iban_acct (id integer PRIMARY KEY, iban procgov.iban UNIQUE);
INSERT INTO iban_acct VALUES
	(1, 'DE89 3704 0044 0532 0130 00'), (2, 'gb29nwbk60161331926819'), (3, 'NL91ABNA0417164300'),
	(4, 'BE68 5390 0754 7034'), (5, 'FR14 2004 1010 0505 0001 3M02 606'), (6, NULL), (7, 'NO93 8601 1117 947');
INSERT INTO iban_acct VALUES (8, 'de89370400440532013000');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO iban_acct (id, iban) SELECT 9, 'CH93 0076 2011 6238 5295 7'::text;
SELECT id, iban FROM iban_acct ORDER BY iban NULLS FIRST, id;
SELECT iban FROM iban_acct WHERE iban > 'DE89370400440532013000' ORDER BY iban DESC;

-- a failed INSERT stores nothing, not even its valid rows
INSERT INTO iban_acct VALUES (10, 'IT60X0542811101000000123456'), (11, 'IT60X0542811101000000123457');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS rows, count(iban) AS ibans FROM iban_acct;
SELECT count(*) AS it_rows FROM iban_acct WHERE procgov.iban_country(iban) = 'IT';

-- GROUP BY and DISTINCT on different spellings of one IBAN
SELECT v::procgov.iban AS iban, count(*)
FROM (VALUES ('DE89370400440532013000'), ('de89 3704 0044 0532 0130 00'), ('DE89370400440532013000 '),
             ('GB29NWBK60161331926819'), ('gb29 nwbk 6016 1331 9268 19')) AS t(v)
GROUP BY 1 ORDER BY 1;
SELECT count(DISTINCT v::procgov.iban) AS distinct_ibans
FROM (VALUES ('DE89370400440532013000'), ('de89 3704 0044 0532 0130 00'), ('GB29NWBK60161331926819')) AS t(v);
SELECT procgov.iban_country(iban) AS country, count(*) FROM iban_acct WHERE iban IS NOT NULL GROUP BY 1 ORDER BY 1;

-- hash support: the seed-0 extended hash agrees with the 32-bit hash in its low bits
SELECT bool_and((procgov.iban_hash_extended(iban, 0) & 4294967295) = (procgov.iban_hash(iban)::bigint & 4294967295)) AS seed0_agrees,
       bool_and(procgov.iban_hash_extended(iban, 1) <> procgov.iban_hash_extended(iban, 0)) AS seed_matters,
       count(DISTINCT procgov.iban_hash(iban)) AS distinct_hashes
FROM iban_acct WHERE iban IS NOT NULL;

-- a hash join and a merge join use the operator classes
CREATE TABLE iban_payee (iban procgov.iban, name text);
INSERT INTO iban_payee VALUES ('gb29 nwbk 6016 1331 9268 19', 'Northwind Ltd'), ('NL91 ABNA 0417 1643 00', 'Tulip BV'),
	('AT61 1904 3002 3457 3201', 'Alpen GmbH');
ANALYZE iban_acct;
ANALYZE iban_payee;
SET enable_nestloop = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF) SELECT a.id, p.name FROM iban_acct a JOIN iban_payee p ON a.iban = p.iban;
SELECT a.id, p.name FROM iban_acct a JOIN iban_payee p ON a.iban = p.iban ORDER BY a.id;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT a.id, p.name FROM iban_acct a JOIN iban_payee p ON a.iban = p.iban;
SELECT a.id, p.name FROM iban_acct a JOIN iban_payee p ON a.iban = p.iban ORDER BY a.id;
RESET enable_hashjoin;
RESET enable_nestloop;

-- btree index scans (equality and range) and a hash index scan
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM iban_acct WHERE iban = 'nl91 abna 0417 1643 00';
SELECT id FROM iban_acct WHERE iban = 'nl91 abna 0417 1643 00';
EXPLAIN (COSTS OFF) SELECT id FROM iban_acct WHERE iban < 'DE89370400440532013000' ORDER BY iban;
SELECT id, iban FROM iban_acct WHERE iban < 'DE89370400440532013000' ORDER BY iban;
CREATE INDEX iban_payee_hash ON iban_payee USING hash (iban);
EXPLAIN (COSTS OFF) SELECT name FROM iban_payee WHERE iban = 'AT611904300234573201';
SELECT name FROM iban_payee WHERE iban = 'AT611904300234573201';
RESET enable_bitmapscan;
RESET enable_seqscan;

-- hash partitioning needs hash support 2; each row is found in its partition
CREATE TABLE iban_part (iban procgov.iban) PARTITION BY HASH (iban);
CREATE TABLE iban_part_0 PARTITION OF iban_part FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE iban_part_1 PARTITION OF iban_part FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO iban_part SELECT iban FROM iban_acct WHERE iban IS NOT NULL;
SELECT count(*) AS rows, bool_and((SELECT count(*) FROM iban_part p WHERE p.iban = a.iban) = 1) AS each_found_once
FROM iban_acct a WHERE a.iban IS NOT NULL;

-- binary round trip: COPY out and in again gives the same values
COPY iban_acct TO '/tmp/procgov_regress_iban.bin' (FORMAT binary);
CREATE TABLE iban_acct_copy (LIKE iban_acct);
COPY iban_acct_copy FROM '/tmp/procgov_regress_iban.bin' (FORMAT binary);
SELECT (SELECT count(*) FROM iban_acct_copy) AS copied,
       (SELECT count(*) FROM (SELECT * FROM iban_acct EXCEPT SELECT * FROM iban_acct_copy) d) AS missing,
       (SELECT count(*) FROM (SELECT * FROM iban_acct_copy EXCEPT SELECT * FROM iban_acct) d) AS extra;

-- binary input validates and normalises like text input (a text value is the same bytes)
CREATE TABLE iban_bin (iban procgov.iban);
COPY (SELECT 'de89 3704 0044 0532 0130 00'::text) TO '/tmp/procgov_regress_iban.bin' (FORMAT binary);
COPY iban_bin FROM '/tmp/procgov_regress_iban.bin' (FORMAT binary);
SELECT iban FROM iban_bin;
COPY (SELECT 'DE88370400440532013000'::text) TO '/tmp/procgov_regress_iban.bin' (FORMAT binary);
COPY iban_bin FROM '/tmp/procgov_regress_iban.bin' (FORMAT binary);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
COPY (SELECT 'XX89370400440532013000'::text) TO '/tmp/procgov_regress_iban.bin' (FORMAT binary);
SELECT pg_temp.outcome($$COPY iban_bin FROM '/tmp/procgov_regress_iban.bin' (FORMAT binary)$$) AS binary_input;
SELECT count(*) AS rows_after_refusals FROM iban_bin;

-- every function and operator on the type is documented, immutable, strict, parallel safe
SELECT p.oid::regprocedure AS undocumented_or_volatile
FROM pg_proc p
WHERE p.pronamespace = 'procgov'::regnamespace AND p.proname LIKE 'iban%'
  AND (obj_description(p.oid, 'pg_proc') IS NULL OR p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's');
SELECT o.oid::regoperator AS undocumented_operator
FROM pg_operator o
WHERE 'procgov.iban'::regtype IN (o.oprleft, o.oprright) AND obj_description(o.oid, 'pg_operator') IS NULL;
SELECT count(*) AS documented_functions FROM pg_proc p
WHERE p.pronamespace = 'procgov'::regnamespace AND p.proname LIKE 'iban%' AND obj_description(p.oid, 'pg_proc') IS NOT NULL;

DROP TABLE iban_acct, iban_acct_copy, iban_payee, iban_part, iban_bin;
