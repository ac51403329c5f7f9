-- test/bench/events/outbox_row.sql — the insert of plain.sql plus, in the same
-- statement, the row procgov.emit() writes, inserted by plain SQL into a
-- table of the outbox's shape (its columns, primary key and BRIN index; no
-- privileges checked against procgov, no event-type check, no notification):
-- what keeping an outbox row costs whoever writes it.
\set s random(1, 5000)
WITH d AS (INSERT INTO bench_doc (entity, supplier, total) VALUES ('ACME', :s, :s * 1.25) RETURNING *)
INSERT INTO bench_outbox (id, type, schema_version, occurred_at, entity, aggregatetype, aggregateid, actor, payload, txid)
SELECT nextval('bench_outbox_id'), 'po.approved', 1, clock_timestamp(), d.entity, 'purchase_order', concat_ws(':', d.entity, d.id),
	   current_user, to_jsonb(d), pg_current_xact_id()
  FROM d;
