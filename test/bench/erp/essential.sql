-- test/bench/erp/essential.sql — the ungoverned statements of plain.sql plus,
-- in the same two statements, the evidence a governed transaction must leave
-- whoever writes it: the three ledger entries (the line's received quantity,
-- the two state changes) and the two events, written by direct calls of
-- procgov.audit_append() and procgov.emit().  No canonical document, no
-- rules, no trigger: what any design that audits and announces each change
-- pays at least, beside the plain statements.  (Streams and aggregates are
-- built with chr(58), ':', because pgbench reads ":name" in a query as one of
-- its variables, inside quotes too.)
SELECT nextval('bench_plain') AS n \gset
WITH u AS (UPDATE plain.purchase_order_line SET qty_received = product_qty WHERE order_id = :n RETURNING *)
SELECT procgov.audit_append(concat('essential', chr(58), 'ERP', chr(58), u.order_id), 'line_update',
		jsonb_build_object('line', 1, 'table', 'plain.purchase_order_line', 'key', u.id::text,
						   'received_qty', jsonb_build_array(0, u.qty_received)))
  FROM u;
WITH u AS (UPDATE plain.purchase_order SET state = 'done', write_date = now() WHERE id = :n RETURNING *)
SELECT procgov.audit_append(concat('essential', chr(58), 'ERP', chr(58), u.id), 'transition',
		'{"to": "received", "from": "transmitted", "version": 1}'),
	   procgov.emit('po.received', concat('essential', chr(58), 'ERP', chr(58), u.id),
		jsonb_build_object('from', 'transmitted', 'to', 'received', 'document', to_jsonb(u)), entity => 'ERP'),
	   procgov.audit_append(concat('essential', chr(58), 'ERP', chr(58), u.id), 'transition',
		'{"to": "closed", "from": "received", "local": {"to": "done", "from": "purchase", "table": "plain.purchase_order"}, "version": 1}'),
	   procgov.emit('po.closed', concat('essential', chr(58), 'ERP', chr(58), u.id),
		jsonb_build_object('from', 'received', 'to', 'closed', 'document', to_jsonb(u)), entity => 'ERP')
  FROM u;
