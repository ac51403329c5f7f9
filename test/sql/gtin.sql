-- procgov.gtin: the four GTIN lengths, separators, every refusal with its
-- SQLSTATE, boundaries, NULLs, casts, functions, ordering, hashing, indexes,
-- binary I/O.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
SET search_path = public, procgov;
\set SHOW_CONTEXT never

-- accepted: GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN), GTIN-14; always printed with 14 digits
SELECT v AS input, v::procgov.gtin AS gtin
FROM (VALUES ('96385074'), ('036000291452'), ('4006381333931'), ('10012345678902')) AS t(v)
ORDER BY 2;

-- blanks and hyphens between digits
SELECT '400-6381-33393-1'::procgov.gtin AS hyphens, ' 4 006381 333931 '::procgov.gtin AS blanks,
       E'4006381\t333931'::procgov.gtin AS tab, '4006381 - 333931'::procgov.gtin AS spaced_hyphen;

-- one GTIN in its four spellings is one value
SELECT '96385074'::procgov.gtin = '000096385074'::procgov.gtin AS gtin12_eq,
       '96385074'::procgov.gtin = '0000096385074'::procgov.gtin AS gtin13_eq,
       '96385074'::procgov.gtin = '00000096385074'::procgov.gtin AS gtin14_eq;

-- boundaries: the smallest and largest 14-digit values with a right check digit
SELECT '00000000000000'::procgov.gtin AS smallest, '99999999999997'::procgov.gtin AS largest;
SELECT 0::bigint::procgov.gtin AS from_zero, 99999999999997::procgov.gtin AS from_max;

-- refused, with DETAIL, HINT and SQLSTATE: one statement per error path
SELECT ''::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '  '::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '12345678901'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '9638507'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '123456789012345'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '4006x381333931'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '4006381.333931'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT E'4006381\n333931'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '-4006381333931'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '4006--381333931'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '4006381333931-'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '4006381333933'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '96385075'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '4006381339331'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT '99999999999999'::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- casts from bigint: range (22003) and check digit (22023)
SELECT 4006381333931::procgov.gtin AS from_bigint;
SELECT (-1)::bigint::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 100000000000000::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT 4006381333932::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- casts to bigint and text, and from text (assignment, validating)
SELECT '4006381333931'::procgov.gtin::bigint AS to_bigint, '96385074'::procgov.gtin::text AS to_text;
SELECT '0 36000 29145 2'::text::procgov.gtin AS from_text, procgov.gtin('4006381333931'::text) AS fn_text, procgov.gtin(96385074) AS fn_bigint;
SELECT '4006381333932'::text::procgov.gtin;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- the shorter spellings: NULL when a leading digit that would be dropped is not zero
SELECT g AS gtin, procgov.gtin13(g) AS gtin13, procgov.gtin_format(g, 12) AS gtin12, procgov.gtin_format(g, 8) AS gtin8,
       procgov.gtin_format(g, 14) AS gtin14
FROM (VALUES ('96385074'::procgov.gtin), ('036000291452'), ('4006381333931'), ('10012345678902')) AS t(g)
ORDER BY g;
SELECT procgov.gtin_format('4006381333931', 9);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- NULLs: STRICT functions and operators give NULL
SELECT NULL::procgov.gtin IS NULL AS null_in, procgov.gtin13(NULL) IS NULL AS gtin13,
       procgov.gtin_format(NULL, 13) IS NULL AS fmt_gtin, procgov.gtin_format('4006381333931', NULL) IS NULL AS fmt_digits,
       (NULL::procgov.gtin = '4006381333931') IS NULL AS eq_null, NULL::bigint::procgov.gtin IS NULL AS from_bigint;

-- comparison operators and the btree support function
SELECT '96385074'::procgov.gtin < '4006381333931'::procgov.gtin AS lt,
       '4006381333931'::procgov.gtin <= '4006381333931'::procgov.gtin AS le,
       '10012345678902'::procgov.gtin > '4006381333931'::procgov.gtin AS gt,
       '10012345678902'::procgov.gtin >= '10012345678902'::procgov.gtin AS ge,
       '96385074'::procgov.gtin <> '036000291452'::procgov.gtin AS ne,
       procgov.gtin_cmp('96385074', '4006381333931') AS cmp_lt,
       procgov.gtin_cmp('4006381333931', '4006381333931') AS cmp_eq,
       procgov.gtin_cmp('10012345678902', '4006381333931') AS cmp_gt;

-- a table: a UNIQUE constraint sees one GTIN in all its spellings
CREATE TABLE gtin_item (id integer PRIMARY KEY, gtin procgov.gtin UNIQUE, name text);
INSERT INTO gtin_item VALUES
	(1, '4006381333931', 'pen'), (2, '96385074', 'eraser'), (3, '036000291452', 'tissues'),
	(4, '10012345678902', 'case of 12'), (5, NULL, 'unlabelled'), (6, '5901234123457', 'chocolate');
INSERT INTO gtin_item VALUES (7, '00000096385074', 'eraser again');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO gtin_item (id, gtin, name) SELECT 8, '8711253001202'::text, 'from text';
INSERT INTO gtin_item (id, gtin, name) SELECT 9, 4012345000009::bigint, 'from bigint';
SELECT id, gtin, name FROM gtin_item ORDER BY gtin NULLS FIRST, id;
SELECT gtin, name FROM gtin_item WHERE gtin > '4006381333931' ORDER BY gtin DESC;

-- a failed INSERT stores nothing, not even its valid rows
INSERT INTO gtin_item VALUES (10, '4000417025005', 'good'), (11, '4000417025006', 'bad');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS rows, count(gtin) AS gtins FROM gtin_item;

-- GROUP BY and DISTINCT on different spellings of one GTIN
SELECT v::procgov.gtin AS gtin, count(*)
FROM (VALUES ('4006381333931'), ('04006381333931'), ('400-6381-33393-1'), ('96385074'), ('0000 0096 3850 74')) AS t(v)
GROUP BY 1 ORDER BY 1;
SELECT count(DISTINCT v::procgov.gtin) AS distinct_gtins
FROM (VALUES ('4006381333931'), ('04006381333931'), ('96385074')) AS t(v);

-- hash support: the seed-0 extended hash agrees with the 32-bit hash in its low bits
SELECT bool_and((procgov.gtin_hash_extended(gtin, 0) & 4294967295) = (procgov.gtin_hash(gtin)::bigint & 4294967295)) AS seed0_agrees,
       bool_and(procgov.gtin_hash_extended(gtin, 1) <> procgov.gtin_hash_extended(gtin, 0)) AS seed_matters,
       count(DISTINCT procgov.gtin_hash(gtin)) AS distinct_hashes
FROM gtin_item WHERE gtin IS NOT NULL;

-- a hash join and a merge join use the operator classes
CREATE TABLE gtin_price (gtin procgov.gtin, price numeric);
INSERT INTO gtin_price VALUES ('4006381333931', 1.20), ('96385074', 0.45), ('4000417025005', 2.10);
ANALYZE gtin_item;
ANALYZE gtin_price;
SET enable_nestloop = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF) SELECT i.name, p.price FROM gtin_item i JOIN gtin_price p ON i.gtin = p.gtin;
SELECT i.name, p.price FROM gtin_item i JOIN gtin_price p ON i.gtin = p.gtin ORDER BY i.id;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT i.name, p.price FROM gtin_item i JOIN gtin_price p ON i.gtin = p.gtin;
SELECT i.name, p.price FROM gtin_item i JOIN gtin_price p ON i.gtin = p.gtin ORDER BY i.id;
RESET enable_hashjoin;
RESET enable_nestloop;

-- btree index scans (equality and range) and a hash index scan
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT name FROM gtin_item WHERE gtin = '9638-5074';
SELECT name FROM gtin_item WHERE gtin = '9638-5074';
EXPLAIN (COSTS OFF) SELECT name FROM gtin_item WHERE gtin < '4006381333931' ORDER BY gtin;
SELECT name FROM gtin_item WHERE gtin < '4006381333931' ORDER BY gtin;
CREATE INDEX gtin_price_hash ON gtin_price USING hash (gtin);
EXPLAIN (COSTS OFF) SELECT price FROM gtin_price WHERE gtin = '4000417025005';
SELECT price FROM gtin_price WHERE gtin = '4000417025005';
RESET enable_bitmapscan;
RESET enable_seqscan;

-- hash partitioning needs hash support 2; each row is found in its partition
CREATE TABLE gtin_part (gtin procgov.gtin) PARTITION BY HASH (gtin);
CREATE TABLE gtin_part_0 PARTITION OF gtin_part FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE gtin_part_1 PARTITION OF gtin_part FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO gtin_part SELECT gtin FROM gtin_item WHERE gtin IS NOT NULL;
SELECT count(*) AS rows, bool_and((SELECT count(*) FROM gtin_part p WHERE p.gtin = i.gtin) = 1) AS each_found_once
FROM gtin_item i WHERE i.gtin IS NOT NULL;

-- binary round trip: COPY out and in again gives the same values
COPY gtin_item TO '/tmp/procgov_regress_gtin.bin' (FORMAT binary);
CREATE TABLE gtin_item_copy (LIKE gtin_item);
COPY gtin_item_copy FROM '/tmp/procgov_regress_gtin.bin' (FORMAT binary);
SELECT (SELECT count(*) FROM gtin_item_copy) AS copied,
       (SELECT count(*) FROM (SELECT * FROM gtin_item EXCEPT SELECT * FROM gtin_item_copy) d) AS missing,
       (SELECT count(*) FROM (SELECT * FROM gtin_item_copy EXCEPT SELECT * FROM gtin_item) d) AS extra;

-- binary input checks range and check digit (a bigint value is the same bytes)
CREATE TABLE gtin_bin (gtin procgov.gtin);
COPY (SELECT 4006381333931::bigint) TO '/tmp/procgov_regress_gtin.bin' (FORMAT binary);
COPY gtin_bin FROM '/tmp/procgov_regress_gtin.bin' (FORMAT binary);
SELECT gtin FROM gtin_bin;
COPY (SELECT 4006381333932::bigint) TO '/tmp/procgov_regress_gtin.bin' (FORMAT binary);
COPY gtin_bin FROM '/tmp/procgov_regress_gtin.bin' (FORMAT binary);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
COPY (SELECT (-40063813339310)::bigint) TO '/tmp/procgov_regress_gtin.bin' (FORMAT binary);
COPY gtin_bin FROM '/tmp/procgov_regress_gtin.bin' (FORMAT binary);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS rows_after_refusals FROM gtin_bin;

-- every function and operator on the type is documented, immutable, strict, parallel safe
SELECT p.oid::regprocedure AS undocumented_or_volatile
FROM pg_proc p
WHERE p.pronamespace = 'procgov'::regnamespace AND p.proname LIKE 'gtin%'
  AND (obj_description(p.oid, 'pg_proc') IS NULL OR p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's');
SELECT o.oid::regoperator AS undocumented_operator
FROM pg_operator o
WHERE 'procgov.gtin'::regtype IN (o.oprleft, o.oprright) AND obj_description(o.oid, 'pg_operator') IS NULL;
SELECT count(*) AS documented_functions FROM pg_proc p
WHERE p.pronamespace = 'procgov'::regnamespace AND p.proname LIKE 'gtin%' AND obj_description(p.oid, 'pg_proc') IS NOT NULL;

DROP TABLE gtin_item, gtin_item_copy, gtin_price, gtin_part, gtin_bin;
