-- test/bench/model/essential.sql — plain.sql's row writes plus, in the same
-- statements, the evidence a governed lifecycle leaves: its nine ledger
-- entries (create, submitted, the approval and approved, transmitted,
-- acknowledged, the receipt created and posted, received) and seven events
-- with the document as payload, written by direct calls of
-- procgov.audit_append() and procgov.emit().  No rules, no trigger, no
-- approval plan, no version snapshot: what any design that audits and
-- announces every step pays at least.  (Streams are built with chr(58),
-- ':', because pgbench reads ":name" in a query as one of its variables,
-- inside quotes too.)
\set cc random(1, 50)
SELECT nextval('bench_no') AS n \gset
WITH po AS (
	INSERT INTO plain.purchase_order (entity_id, number, supplier_id, buyer, cost_center, budget_id, total)
	VALUES ('ACME', 'PO-' || :n, 1, 'b.buyer', 'CC-' || :cc, :cc, '159.20 EUR') RETURNING *),
	 l AS (
	INSERT INTO plain.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price)
	SELECT 'ACME', po.po_id, l.line_no, l.description, l.quantity, l.unit_price::procgov.amount
	  FROM po, (VALUES (1, 'Hex bolt M8', 400, '0.19 EUR'), (2, 'Hex nut M8', 400, '0.07 EUR'), (3, 'Washer M8', 800, '0.02 EUR'),
					   (4, 'EUR pallet', 4, '14.20 EUR'), (5, 'Stretch film', 6, '9.80 EUR')) AS l(line_no, description, quantity, unit_price))
SELECT procgov.audit_append(concat_ws(chr(58), 'essential', 'ACME', po.number), 'create', jsonb_build_object('state', po.state, 'total', po.total)),
	   procgov.emit('po.created', concat_ws(chr(58), 'essential', 'ACME', po.number), to_jsonb(po), entity => 'ACME')
  FROM po;
WITH u AS (
	UPDATE plain.purchase_order SET state = 'pending_approval', state_changed_at = now(), state_changed_by = 'b.buyer'
	 WHERE entity_id = 'ACME' AND number = 'PO-' || :n RETURNING *)
SELECT procgov.audit_append(concat_ws(chr(58), 'essential', 'ACME', u.number), 'transition', '{"from": "draft", "to": "pending_approval", "version": 1}'),
	   procgov.emit('approval.requested', concat_ws(chr(58), 'essential', 'ACME', u.number),
		jsonb_build_object('from', 'draft', 'to', 'pending_approval', 'document', to_jsonb(u)), entity => 'ACME')
  FROM u;
WITH po AS (SELECT * FROM plain.purchase_order WHERE entity_id = 'ACME' AND number = 'PO-' || :n FOR UPDATE),
	 ap AS (INSERT INTO plain.approval (entity_id, doc_kind, doc_id, decision, decided_by)
			SELECT 'ACME', 'purchase_order', po.po_id, 'approved', 'a.novak' FROM po),
	 b AS (UPDATE plain.budget b SET committed = b.committed OPERATOR(procgov.+) po.total FROM po
			WHERE b.entity_id = 'ACME' AND b.budget_id = po.budget_id),
	 u AS (UPDATE plain.purchase_order p SET state = 'approved', committed = po.total, approved_total = po.total, approved_version = 1,
			   state_changed_at = now(), state_changed_by = 'a.novak'
		  FROM po WHERE p.entity_id = 'ACME' AND p.po_id = po.po_id RETURNING p.*)
SELECT procgov.audit_append(concat_ws(chr(58), 'essential', 'ACME', u.number), 'approve', '{"decision": "approved", "version": 1}'),
	   procgov.audit_append(concat_ws(chr(58), 'essential', 'ACME', u.number), 'transition', '{"from": "pending_approval", "to": "approved", "version": 1}'),
	   procgov.emit('po.approved', concat_ws(chr(58), 'essential', 'ACME', u.number),
		jsonb_build_object('from', 'pending_approval', 'to', 'approved', 'document', to_jsonb(u)), entity => 'ACME')
  FROM u;
WITH u AS (
	UPDATE plain.purchase_order SET state = 'transmitted', state_changed_at = now(), state_changed_by = 'b.buyer'
	 WHERE entity_id = 'ACME' AND number = 'PO-' || :n RETURNING *)
SELECT procgov.audit_append(concat_ws(chr(58), 'essential', 'ACME', u.number), 'transition', '{"from": "approved", "to": "transmitted", "version": 1}'),
	   procgov.emit('po.transmitted', concat_ws(chr(58), 'essential', 'ACME', u.number),
		jsonb_build_object('from', 'approved', 'to', 'transmitted', 'document', to_jsonb(u)), entity => 'ACME')
  FROM u;
WITH po AS (SELECT * FROM plain.purchase_order WHERE entity_id = 'ACME' AND number = 'PO-' || :n FOR UPDATE),
	 ak AS (INSERT INTO plain.acknowledgement (entity_id, po_id, recorded_by) SELECT 'ACME', po.po_id, 'b.buyer' FROM po RETURNING *),
	 al AS (INSERT INTO plain.acknowledgement_line (entity_id, ack_id, line_no, confirmed_qty)
			SELECT 'ACME', ak.ack_id, l.line_no, l.quantity FROM ak JOIN plain.purchase_order_line l ON l.entity_id = 'ACME' AND l.po_id = ak.po_id),
	 ul AS (UPDATE plain.purchase_order_line l SET confirmed_qty = l.quantity FROM po WHERE l.entity_id = 'ACME' AND l.po_id = po.po_id),
	 u AS (UPDATE plain.purchase_order p SET state = 'acknowledged', state_changed_at = now(), state_changed_by = 'b.buyer'
		  FROM po WHERE p.entity_id = 'ACME' AND p.po_id = po.po_id RETURNING p.*)
SELECT procgov.audit_append(concat_ws(chr(58), 'essential', 'ACME', u.number), 'transition', '{"from": "transmitted", "to": "acknowledged", "version": 1}'),
	   procgov.emit('po.acknowledged', concat_ws(chr(58), 'essential', 'ACME', u.number),
		jsonb_build_object('from', 'transmitted', 'to', 'acknowledged', 'document', to_jsonb(u)), entity => 'ACME')
  FROM u;
WITH po AS (SELECT * FROM plain.purchase_order WHERE entity_id = 'ACME' AND number = 'PO-' || :n FOR UPDATE),
	 rc AS (INSERT INTO plain.receipt (entity_id, number, state, po_id, received_by, correlation_id)
			SELECT 'ACME', 'GR-' || :n, 'posted', po.po_id, 'r.receiver', po.correlation_id FROM po RETURNING *),
	 rl AS (INSERT INTO plain.receipt_line (entity_id, receipt_id, line_no, quantity)
			SELECT 'ACME', rc.receipt_id, l.line_no, l.quantity FROM rc JOIN plain.purchase_order_line l ON l.entity_id = 'ACME' AND l.po_id = rc.po_id),
	 ul AS (UPDATE plain.purchase_order_line l SET received_qty = l.quantity FROM po WHERE l.entity_id = 'ACME' AND l.po_id = po.po_id),
	 u AS (UPDATE plain.purchase_order p SET state = 'received', state_changed_at = now(), state_changed_by = 'r.receiver'
		  FROM po WHERE p.entity_id = 'ACME' AND p.po_id = po.po_id RETURNING p.*)
SELECT procgov.audit_append(concat_ws(chr(58), 'essential', 'ACME', rc.number), 'create', jsonb_build_object('state', 'draft', 'order', u.number)),
	   procgov.audit_append(concat_ws(chr(58), 'essential', 'ACME', rc.number), 'transition', '{"from": "draft", "to": "posted"}'),
	   procgov.emit('receipt.posted', concat_ws(chr(58), 'essential', 'ACME', rc.number),
		jsonb_build_object('from', 'draft', 'to', 'posted', 'document', to_jsonb(rc)), entity => 'ACME'),
	   procgov.audit_append(concat_ws(chr(58), 'essential', 'ACME', u.number), 'transition', '{"from": "acknowledged", "to": "received", "version": 1}'),
	   procgov.emit('po.received', concat_ws(chr(58), 'essential', 'ACME', u.number),
		jsonb_build_object('from', 'acknowledged', 'to', 'received', 'document', to_jsonb(u)), entity => 'ACME')
  FROM u, rc;
