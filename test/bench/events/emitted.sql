\set s random(1, 5000)
WITH d AS (INSERT INTO bench_doc (entity, supplier, total) VALUES ('ACME', :s, :s * 1.25) RETURNING *)
SELECT procgov.emit('po.approved', concat_ws(':', 'purchase_order', d.entity, d.id), to_jsonb(d)) FROM d;
