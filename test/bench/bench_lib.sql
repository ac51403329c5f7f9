-- test/bench/bench_lib.sql — timing helpers shared by the benchmarks.
CREATE SCHEMA bench;

-- Median wall time in ms of running a query `runs` times (after one warm-up run).
CREATE FUNCTION bench.median_ms(q text, runs int DEFAULT 5) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	times numeric[] := '{}';
BEGIN
	EXECUTE q;
	FOR i IN 1..runs LOOP
		t0 := clock_timestamp();
		EXECUTE q;
		times := times || (extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric;
	END LOOP;
	RETURN (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 1) FROM unnest(times) x);
END $$;

-- One comparison row: procgov's time, the baseline's, and baseline/procgov
-- (above 1 means procgov is faster).
CREATE FUNCTION bench.compare(label text, procgov_q text, baseline_q text, runs int DEFAULT 5)
RETURNS TABLE (benchmark text, procgov_ms numeric, baseline_ms numeric, speedup numeric)
LANGUAGE plpgsql AS $$
BEGIN
	benchmark := label;
	procgov_ms := bench.median_ms(procgov_q, runs);
	baseline_ms := bench.median_ms(baseline_q, runs);
	speedup := round(baseline_ms / nullif(procgov_ms, 0), 2);
	RETURN NEXT;
END $$;
