-- test/bench/types.sql — procgov.amount against numeric + a text currency column.
--
-- One table holds every value twice: as procgov.amount, and as numeric(18,4)
-- beside a text currency code (how ERPs usually store money).  Both sides
-- scan the same heap pages, so the ratio is the per-row cost of the type.
\pset footer off
SET search_path = public, procgov;
\echo building :rows rows ...
CREATE UNLOGGED TABLE money_bench AS
SELECT procgov.amount(v, 'USD') AS a, v AS n, 'USD'::text AS cur
  FROM (SELECT ((i::bigint * 7919) % 1000000)::numeric(18,4) / 100 AS v FROM generate_series(1, :rows) i) s;
VACUUM ANALYZE money_bench;
SELECT pg_size_pretty(pg_table_size('money_bench')) AS table_size, :rows AS rows;

SELECT * FROM bench.compare('sum',
	'SELECT procgov.sum(a) FROM money_bench',
	'SELECT sum(n) FROM money_bench')
UNION ALL
SELECT * FROM bench.compare('sum, checking one currency',
	'SELECT procgov.sum(a) FROM money_bench',
	'SELECT sum(n), min(cur) = max(cur) FROM money_bench')
UNION ALL
SELECT * FROM bench.compare('sum per currency',
	'SELECT procgov.currency(a), procgov.sum(a) FROM money_bench GROUP BY 1',
	'SELECT cur, sum(n) FROM money_bench GROUP BY 1')
UNION ALL
SELECT * FROM bench.compare('avg',
	'SELECT procgov.avg(a) FROM money_bench',
	'SELECT avg(n) FROM money_bench')
UNION ALL
SELECT * FROM bench.compare('compare (a > 5000.00 USD)',
	$$SELECT count(*) FROM money_bench WHERE a > '5000.00 USD'::procgov.amount$$,
	$$SELECT count(*) FROM money_bench WHERE cur = 'USD' AND n > 5000.00$$)
UNION ALL
SELECT * FROM bench.compare('sort (ORDER BY, top 10)',
	'SELECT a FROM money_bench ORDER BY a LIMIT 10',
	'SELECT n, cur FROM money_bench ORDER BY cur, n LIMIT 10');
DROP TABLE money_bench;
