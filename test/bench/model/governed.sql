-- test/bench/model/governed.sql — one governed lifecycle of a 5-line order,
-- each step its own transaction through procgov's API: create, submit, approve, transmit,
-- acknowledge, receive in full.  Numbers come from the client, as an ERP's do.
-- The buyer creates and submits, the approver approves (segregation of duties
-- counts whoever created the order as its author), as an ERP names its users.
\set cc random(1, 50)
SELECT nextval('bench_no') AS n \gset
SET procgov.actor = 'b.buyer';
SELECT procgov.create_purchase_order('ACME', 'S-KEY',
	'[{"description": "Hex bolt M8", "quantity": 400, "unit_price": "0.19 EUR"},
	  {"description": "Hex nut M8", "quantity": 400, "unit_price": "0.07 EUR"},
	  {"description": "Washer M8", "quantity": 800, "unit_price": "0.02 EUR"},
	  {"description": "EUR pallet", "quantity": 4, "unit_price": "14.20 EUR"},
	  {"description": "Stretch film", "quantity": 6, "unit_price": "9.80 EUR"}]',
	buyer => 'b.buyer', cost_center => 'CC-' || :cc, budget_period => '2026-11', number => 'PO-' || :n);
SELECT procgov.submit_order('ACME', 'PO-' || :n);
SET procgov.actor = 'a.novak';
SELECT procgov.approve_document('purchase_order', 'ACME', 'PO-' || :n);
SET procgov.actor = 'b.buyer';
SELECT procgov.transmit_order('ACME', 'PO-' || :n);
SELECT procgov.record_acknowledgement('ACME', 'PO-' || :n);
SELECT procgov.post_receipt('ACME', 'PO-' || :n,
	'[{"line": 1, "quantity": 400}, {"line": 2, "quantity": 400}, {"line": 3, "quantity": 800},
	  {"line": 4, "quantity": 4}, {"line": 5, "quantity": 6}]',
	number => 'GR-' || :n);
