-- test/bench/policy.sql — procgov.evaluate() against the same decision
-- written as one plain SQL query over the rule table, with 10, 1,000 and
-- 10,000 active rules.
--
-- The rules are shaped like a multi-warehouse distributor's matrix: five
-- amount bands that cover every order, then rules per site (50 warehouses),
-- per category prefix (40) and per band, each asking a role.  The documents
-- are 2,000 purchase orders' facts with a random site, two random
-- categories and a random total.  Both sides give, per document, the roles
-- that must approve with the number of approvers (the baseline knows only
-- the conditions these rules use, which favours it).  Per-document time is
-- the median run over all documents divided by their number, after a
-- warm-up run (which compiles the policy into the backend's cache).
\pset footer off
SET search_path = public, procgov;
SET procgov.notify = off;

CREATE FUNCTION pg_temp.make_policy(entity text, n integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	pid bigint;
	bands text[] := ARRAY['0 EUR', '1000 EUR', '5000 EUR', '20000 EUR', '100000 EUR'];
	roles text[] := ARRAY['team_lead', 'manager', 'director', 'vp', 'cfo'];
BEGIN
	INSERT INTO procgov.entity (entity_id, name, base_currency) VALUES (entity, entity, 'EUR');
	INSERT INTO procgov.policy (entity_id, version, name) VALUES (entity, 1, n || ' rules') RETURNING policy_id INTO pid;
	-- the bands cover every order
	INSERT INTO procgov.approval_rule (entity_id, policy_id, name, doc_kind, amount_min, amount_max, outcome, role)
	SELECT entity, pid, 'band ' || b, 'purchase_order', bands[b]::procgov.amount,
		   CASE WHEN b < 5 THEN bands[b + 1]::procgov.amount END, 'require', roles[b]
	  FROM generate_series(1, least(5, n)) b;
	-- the rest by site, category prefix and band
	INSERT INTO procgov.approval_rule (entity_id, policy_id, name, doc_kind, site, category_prefix, amount_min, amount_max,
									   outcome, role, approvers)
	SELECT entity, pid, 'rule ' || i, 'purchase_order', 'WH-' || (i % 50), lpad((10 + (i / 50) % 40)::text, 2, '0'),
		   bands[1 + (i / 2000) % 5]::procgov.amount, CASE WHEN (i / 2000) % 5 < 4 THEN bands[2 + (i / 2000) % 5]::procgov.amount END,
		   'require', CASE i % 4 WHEN 0 THEN 'site_lead' WHEN 1 THEN 'category_manager' WHEN 2 THEN 'controller' ELSE 'quality' END,
		   1 + (i % 3 = 0)::integer
	  FROM generate_series(0, n - 6) i;
	PERFORM procgov.activate_policy(entity, 1);
	RETURN pid;
END $$;

CREATE TEMP TABLE bench_docs AS
SELECT g AS id, jsonb_build_object(
		'entity_id', 'X', 'total', (100 + (g * 7919) % 199900)::text || '.00 EUR', 'requester', 'buyer' || (g % 20),
		'site', 'WH-' || (g * 31 % 50), 'cost_center', 'CC-' || (g % 30), 'urgent', false, 'today', '2026-11-25',
		'categories', jsonb_build_array(lpad((10 + g * 13 % 40)::text, 2, '0') || '.' || (g % 90 + 10),
										lpad((10 + g * 17 % 40)::text, 2, '0') || '.' || (g % 70 + 10)),
		'suppliers', jsonb_build_array(jsonb_build_object('code', 'S-' || (g % 100), 'risk_tier', 'low', 'status', 'approved', 'since', '2020-01-01')),
		'lines', jsonb_build_array(jsonb_build_object('unit_price', '10.00 EUR', 'contract_price', '10.00 EUR'),
								   jsonb_build_object('unit_price', '5.00 EUR'))) AS facts
  FROM generate_series(1, 2000) g;
ALTER TABLE bench_docs ADD COLUMN site text, ADD COLUMN cost_center text, ADD COLUMN total procgov.amount;
UPDATE bench_docs SET site = facts->>'site', cost_center = facts->>'cost_center', total = (facts->>'total')::procgov.amount;
ANALYZE bench_docs;

CREATE TEMP TABLE results (rules integer, procgov_us numeric, plain_us numeric, speedup numeric, same_plans boolean);
DO $$
DECLARE
	n integer;
	pid bigint;
	ent text;
	e_ms numeric;
	p_ms numeric;
	same boolean;
	q_eval text;
	q_plain text;
	plain_plan text;
BEGIN
	FOREACH n IN ARRAY ARRAY[10, 1000, 10000] LOOP
		ent := 'B' || n;
		pid := pg_temp.make_policy(ent, n);
		UPDATE bench_docs SET facts = jsonb_set(facts, '{entity_id}', to_jsonb(ent));
		q_eval := format($q$SELECT count(*) FROM bench_docs d, LATERAL procgov.evaluate('purchase_order', d.facts, %s) e$q$, pid);
		-- the plain decision for one document d: the roles its matching rules ask, most approvers per role
		plain_plan := format($q$
				SELECT r.role, max(r.approvers)::integer AS approvers FROM procgov.approval_rule r
				 WHERE r.entity_id = %L AND r.policy_id = %s
				   AND (r.doc_kind IS NULL OR r.doc_kind = 'purchase_order')
				   AND (r.site IS NULL OR r.site = d.site)
				   AND (r.cost_center IS NULL OR r.cost_center = d.cost_center)
				   AND (r.category_prefix IS NULL OR EXISTS (SELECT FROM jsonb_array_elements_text(d.facts -> 'categories') c
															  WHERE starts_with(c, r.category_prefix)))
				   AND (r.amount_min IS NULL OR (procgov.currency(r.amount_min) = procgov.currency(d.total)
												 AND d.total OPERATOR(procgov.>=) r.amount_min))
				   AND (r.amount_max IS NULL OR (procgov.currency(r.amount_max) = procgov.currency(d.total)
												 AND d.total OPERATOR(procgov.<) r.amount_max))
				 GROUP BY r.role$q$, ent, pid);
		q_plain := format('SELECT count(*) FROM bench_docs d, LATERAL (%s) p', plain_plan);
		e_ms := bench.median_ms(q_eval, 7);
		p_ms := bench.median_ms(q_plain, CASE WHEN n >= 10000 THEN 3 ELSE 5 END);
		-- the same decision: per document, the same roles with the same number of approvers
		EXECUTE format($q$
			SELECT NOT EXISTS (
				(SELECT d.id, e.role, e.approvers FROM bench_docs d, LATERAL procgov.evaluate('purchase_order', d.facts, %1$s) e
				 EXCEPT
				 SELECT d.id, p.role, p.approvers FROM bench_docs d, LATERAL (%2$s) p)
				UNION ALL
				(SELECT d.id, p.role, p.approvers FROM bench_docs d, LATERAL (%2$s) p
				 EXCEPT
				 SELECT d.id, e.role, e.approvers FROM bench_docs d, LATERAL procgov.evaluate('purchase_order', d.facts, %1$s) e))$q$,
			pid, plain_plan) INTO same;
		INSERT INTO results VALUES (n, round(e_ms * 1000 / 2000, 2), round(p_ms * 1000 / 2000, 2), round(p_ms / e_ms, 1), same);
	END LOOP;
END $$;
SELECT rules AS active_rules, procgov_us AS "evaluate() µs/doc", plain_us AS "plain SQL µs/doc",
	   speedup AS "evaluate() speed-up", same_plans FROM results ORDER BY rules;
