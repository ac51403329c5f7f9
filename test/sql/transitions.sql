-- procgov state machine, table-driven: every transition of every kind, legal
-- or not, is tried on a fresh document, and the outcome is checked against
-- procgov.transition: a pair with no row is refused as illegal, a pair with
-- a row is accepted or refused by one of its guards, never otherwise.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET procgov.notify = off;
SET procgov.actor = 'tester';

INSERT INTO procgov.entity (entity_id, name, base_currency) VALUES ('TT', 'Transition tests', 'EUR');
INSERT INTO procgov.supplier (entity_id, code, name, status, iban)
VALUES ('TT', 'S-OK', 'Approved supplier', 'approved', 'DE89370400440532013000');

CREATE TEMP TABLE outcome (kind text, from_state procgov.state, to_state procgov.state, result text);

-- one fresh document of a kind in a state (rules off, as a migration would load it)
CREATE FUNCTION pg_temp.make_document(kind text, st procgov.state, n integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	sup bigint := (SELECT supplier_id FROM procgov.supplier WHERE entity_id = 'TT' AND code = 'S-OK');
	po bigint;
	id bigint;
BEGIN
	PERFORM set_config('procgov.enforce', 'off', true);
	IF kind IN ('purchase_order', 'receipt') THEN
		INSERT INTO procgov.purchase_order (entity_id, number, supplier_id, buyer, total)
		VALUES ('TT', 'PO-' || n, sup, 'buyer', '10.00 EUR') RETURNING po_id INTO po;
		INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price)
		VALUES ('TT', po, 1, 'thing', 1, '10.00 EUR');
		UPDATE procgov.purchase_order SET state = CASE WHEN kind = 'receipt' THEN 'transmitted' ELSE st END WHERE po_id = po;
		id := po;
	END IF;
	IF kind = 'receipt' THEN
		INSERT INTO procgov.receipt (entity_id, number, po_id, received_by, correlation_id)
		VALUES ('TT', 'GR-' || n, po, 'receiver', gen_random_uuid()) RETURNING receipt_id INTO id;
		INSERT INTO procgov.receipt_line (entity_id, receipt_id, line_no, quantity) VALUES ('TT', id, 1, 1);
		UPDATE procgov.receipt SET state = st WHERE receipt_id = id;
	ELSIF kind = 'requisition' THEN
		INSERT INTO procgov.requisition (entity_id, number, requester, cost_center, total)
		VALUES ('TT', 'REQ-' || n, 'requester', 'CC', '10.00 EUR') RETURNING requisition_id INTO id;
		INSERT INTO procgov.requisition_line (entity_id, requisition_id, line_no, description, quantity, unit_price, supplier_id)
		VALUES ('TT', id, 1, 'thing', 1, '10.00 EUR', sup);
		UPDATE procgov.requisition SET state = st WHERE requisition_id = id;
	ELSIF kind = 'invoice' THEN
		INSERT INTO procgov.invoice (entity_id, number, supplier_invoice_no, supplier_id, invoice_date, total)
		VALUES ('TT', 'INV-' || n, 'X-' || n, sup, '2026-11-25', '10.00 EUR') RETURNING invoice_id INTO id;
		INSERT INTO procgov.invoice_line (entity_id, invoice_id, line_no, description, quantity, unit_price)
		VALUES ('TT', id, 1, 'thing', 1, '10.00 EUR');
		UPDATE procgov.invoice SET state = st WHERE invoice_id = id;
	ELSIF kind = 'bank_change' THEN
		INSERT INTO procgov.bank_change (entity_id, number, state, supplier_id, new_iban, requested_by, reason)
		VALUES ('TT', 'BC-' || n, st, sup, 'GB82WEST12345698765432', 'requester', 'test') RETURNING bank_change_id INTO id;
	END IF;
	PERFORM set_config('procgov.enforce', 'on', true);
	RETURN id;
END $$;

-- try one transition on a fresh document, then undo everything but the outcome
DO $$
DECLARE
	k text;
	f procgov.state;
	t procgov.state;
	n integer := 0;
	id bigint;
	res text;
	msg text;
	tab text;
	id_col text;
BEGIN
	FOREACH k IN ARRAY ARRAY['requisition', 'purchase_order', 'receipt', 'invoice', 'bank_change'] LOOP
		tab := k;
		id_col := CASE k WHEN 'purchase_order' THEN 'po_id' ELSE k || '_id' END;
		FOR f IN SELECT unnest(enum_range(NULL::procgov.state)) LOOP
			FOR t IN SELECT unnest(enum_range(NULL::procgov.state)) LOOP
				CONTINUE WHEN f = t;
				n := n + 1;
				BEGIN
					id := pg_temp.make_document(k, f, n);
					EXECUTE format('UPDATE procgov.%I SET state = $1 WHERE %I = $2', tab, id_col) USING t, id;
					res := 'ok';
					RAISE EXCEPTION 'undo';
				EXCEPTION WHEN OTHERS THEN
					GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
					IF msg = 'undo' THEN
						NULL;
					ELSIF SQLSTATE = '55000' AND msg ~ ': guard \S+ does not hold$' THEN
						res := 'guard ' || substring(msg FROM ': guard (\S+) does not hold$');
					ELSIF SQLSTATE = '55000' AND msg ~ ' cannot move from ' THEN
						res := 'illegal';
					ELSE
						res := 'error ' || SQLSTATE || ': ' || msg;
					END IF;
				END;
				INSERT INTO outcome VALUES (k, f, t, res);
			END LOOP;
		END LOOP;
	END LOOP;
END $$;

-- every pair was tried: 5 kinds x 15 states x 14 other states
SELECT count(*) AS tried FROM outcome;

-- the outcome agrees with procgov.transition everywhere (expect no rows)
SELECT o.kind, o.from_state, o.to_state, o.result, tr.kind IS NOT NULL AS has_row
  FROM outcome o
  LEFT JOIN procgov.transition tr ON tr.kind = o.kind AND tr.from_state = o.from_state AND tr.to_state = o.to_state
 WHERE (tr.kind IS NULL) <> (o.result = 'illegal') OR o.result LIKE 'error%'
 ORDER BY 1, 2, 3;

-- per kind: the legal transitions and the illegal ones refused
SELECT kind, count(*) FILTER (WHERE result <> 'illegal') AS legal,
       count(*) FILTER (WHERE result = 'illegal') AS illegal_refused
  FROM outcome GROUP BY kind ORDER BY kind;

-- the legal transitions, and what a fresh document meets there
SELECT kind, from_state, to_state, result FROM outcome WHERE result <> 'illegal' ORDER BY kind, from_state, to_state;

-- creation: only the states procgov.transition allows (every other one is refused)
SET procgov.enforce = on;
DO $$
DECLARE
	st procgov.state;
	ok text[] := '{}';
BEGIN
	FOR st IN SELECT unnest(enum_range(NULL::procgov.state)) LOOP
		BEGIN
			INSERT INTO procgov.purchase_order (entity_id, number, state, supplier_id, buyer, total)
			VALUES ('TT', 'NEW-' || st, st, (SELECT supplier_id FROM procgov.supplier WHERE entity_id = 'TT' AND code = 'S-OK'), 'b', '1 EUR');
			ok := ok || st::text;
			RAISE EXCEPTION 'undo';
		EXCEPTION WHEN OTHERS THEN
			NULL;
		END;
	END LOOP;
	RAISE NOTICE 'purchase orders can be created in: %', ok;
END $$;

-- changing the rows changes the behaviour, without new code
BEGIN;
INSERT INTO procgov.transition (kind, from_state, to_state, description)
VALUES ('purchase_order', 'closed', 'draft', 'a site that reopens closed orders');
SELECT pg_temp.make_document('purchase_order', 'closed', 9001) AS po \gset
UPDATE procgov.purchase_order SET state = 'draft' WHERE po_id = :po;
SELECT state FROM procgov.purchase_order WHERE po_id = :po;
ROLLBACK;
-- a guard added to a row applies to the next document that meets it
BEGIN;
UPDATE procgov.transition SET guards = guards || '{supplier_active}'
 WHERE kind = 'purchase_order' AND from_state = 'draft' AND to_state = 'pending_approval';
SELECT pg_temp.make_document('purchase_order', 'draft', 9002) AS po \gset
UPDATE procgov.supplier SET status = 'on_hold' WHERE code = 'S-OK';
UPDATE procgov.purchase_order SET state = 'pending_approval' WHERE po_id = :po;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
-- an edit of the rules is on record: who changed which row, from what to what
BEGIN;
SET LOCAL procgov.actor = 'c.controller';
SET LOCAL procgov.reason = 'no approval for orders to suppliers on hold';
UPDATE procgov.transition SET guards = guards || '{supplier_active}'
 WHERE kind = 'purchase_order' AND from_state = 'draft' AND to_state = 'pending_approval';
SELECT stream, action, actor, payload, reason FROM procgov.audit_log
 WHERE stream LIKE 'transition:%' ORDER BY entry_id DESC LIMIT 1;
DELETE FROM procgov.transition WHERE kind = 'purchase_order' AND from_state = 'draft' AND to_state = 'pending_approval';
SELECT stream, action, payload ->> 'description' AS description FROM procgov.audit_log
 WHERE stream LIKE 'transition:%' ORDER BY entry_id DESC LIMIT 1;
ROLLBACK;
-- the rules are checked when they are edited, not when a document first meets them
UPDATE procgov.transition SET guards = '{no_such_guard}'
 WHERE kind = 'purchase_order' AND from_state = 'draft' AND to_state = 'pending_approval';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.transition (kind, from_state, to_state, effects, description)
VALUES ('purchase_order', 'closed', 'draft', '{reopen_everything}', 'a bad row');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM procgov.guard WHERE guard = 'nothing_received';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.effect SET effect = 'commit' WHERE effect = 'commit_budget';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a guard nobody names can go
BEGIN;
UPDATE procgov.transition SET guards = array_remove(guards, 'nothing_received');
DELETE FROM procgov.guard WHERE guard = 'nothing_received';
ROLLBACK;
SELECT count(*) AS guards FROM procgov.guard;

-- the built-in guards in C, called directly as the trigger calls them: each
-- holds (NULL) or says why not, with NULL and malformed documents as the
-- PL/pgSQL they replaced took them (a NULL document has no lines, no
-- supplier, no order), and a non-number id refused as the cast refuses it
BEGIN;
SELECT pg_temp.make_document('purchase_order', 'transmitted', 9101) AS po \gset
SET LOCAL procgov.enforce = off;	-- a second line, loaded as history: no new version
INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price)
VALUES ('TT', :po, 2, 'other thing', 3, '1.00 EUR');
SELECT procgov.row_jsonb(p) AS doc FROM procgov.purchase_order p WHERE po_id = :po \gset
CREATE TEMP TABLE guard_case (n serial, label text, kind text, doc jsonb, want boolean);
INSERT INTO guard_case (label, kind, doc) VALUES
	('order with lines', 'purchase_order', :'doc'),
	('order without lines', 'purchase_order', jsonb_set(:'doc', '{po_id}', '0')),
	('requisition without lines', 'requisition', '{"entity_id": "TT", "requisition_id": 1, "number": "RQ-1"}'),
	('invoice, no number', 'invoice', '{"entity_id": "TT", "invoice_id": 1}'),
	('a kind without lines', 'bank_change', '{}'),
	('an array', 'purchase_order', '[1, 2]'),
	('NULL document', 'purchase_order', NULL),
	('NULL kind', NULL, :'doc');
SELECT label, procgov.guard_has_lines(kind, doc) AS has_lines,
       procgov.guard_supplier_active(kind, doc) AS supplier_active,
       procgov.guard_order_receivable(kind, doc) AS order_receivable
  FROM guard_case ORDER BY n;
-- nothing received, then part, then all
SELECT 'none' AS received, procgov.guard_nothing_received('purchase_order', :'doc') AS nothing,
       procgov.guard_partly_received('purchase_order', :'doc') AS partly,
       procgov.guard_fully_received('purchase_order', :'doc') AS fully;
UPDATE procgov.purchase_order_line SET received_qty = quantity WHERE po_id = :po AND line_no = 1;
SELECT 'part' AS received, procgov.guard_nothing_received('purchase_order', :'doc') AS nothing,
       procgov.guard_partly_received('purchase_order', :'doc') AS partly,
       procgov.guard_fully_received('purchase_order', :'doc') AS fully;
UPDATE procgov.purchase_order_line SET received_qty = quantity + 0.0001 WHERE po_id = :po AND line_no = 2;
SELECT 'all' AS received, procgov.guard_nothing_received('purchase_order', :'doc') AS nothing,
       procgov.guard_partly_received('purchase_order', :'doc') AS partly,
       procgov.guard_fully_received('purchase_order', :'doc') AS fully;
SELECT procgov.guard_received('purchase_order', NULL, NULL) AS null_doc_nothing,
       procgov.guard_received('purchase_order', NULL, true) AS null_doc_fully,
       procgov.guard_received('purchase_order', NULL, false) AS null_doc_partly;
-- a supplier on hold, and one that does not exist
UPDATE procgov.supplier SET status = 'on_hold' WHERE code = 'S-OK';
SELECT procgov.guard_supplier_active('purchase_order', :'doc') AS on_hold,
       procgov.guard_supplier_active('purchase_order', jsonb_set(:'doc', '{supplier_id}', '0')) AS unknown;
-- the receipt guard on an order that is no longer open
UPDATE procgov.purchase_order SET state = 'received' WHERE po_id = :po;
SELECT procgov.guard_order_receivable('receipt', jsonb_build_object('entity_id', 'TT', 'po_id', :po)) AS closed_order;
ROLLBACK;
SELECT procgov.guard_has_lines('purchase_order', '{"entity_id": "TT", "po_id": "x"}');
SELECT procgov.guard_fully_received('purchase_order', '{"entity_id": "TT", "po_id": 1.5}');
-- as the cast in the PL/pgSQL did, whatever else the document lacks or its kind
SELECT procgov.guard_has_lines('purchase_order', '{"po_id": "x"}');
SELECT procgov.guard_has_lines('bank_change', '{"bank_change_id": "x"}');
SELECT procgov.guard_has_lines(NULL, '{"id": "x"}');
SELECT procgov.guard_supplier_active('purchase_order', '{"supplier_id": "x"}');
SELECT procgov.guard_order_receivable('receipt', '{"po_id": "x"}');
SELECT procgov.guard_nothing_received('purchase_order', '{"po_id": "x"}');
-- nobody but their owner may call them: they read the heap
SELECT count(*) AS callable_by_public FROM pg_proc p
 WHERE p.pronamespace = 'procgov'::regnamespace AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
   AND p.proname LIKE 'guard\_%' AND has_function_privilege('public', p.oid, 'EXECUTE');
-- the lines trigger (C) refuses what it cannot serve: a BEFORE trigger, a table
-- that holds no document lines, a statement trigger without its transition table
CREATE TABLE public.lines_misuse (entity_id text, requisition_id bigint);
CREATE TRIGGER lines_before BEFORE INSERT ON public.lines_misuse FOR EACH ROW EXECUTE FUNCTION procgov.lines_changed();
INSERT INTO public.lines_misuse VALUES ('TT', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TRIGGER lines_before ON public.lines_misuse;
CREATE TRIGGER lines_no_table AFTER INSERT ON public.lines_misuse FOR EACH STATEMENT EXECUTE FUNCTION procgov.lines_changed();
INSERT INTO public.lines_misuse VALUES ('TT', 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TABLE public.lines_misuse;
CREATE TABLE public.not_lines (x integer);
CREATE TRIGGER lines_elsewhere AFTER INSERT ON public.not_lines REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.lines_changed();
INSERT INTO public.not_lines VALUES (1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DROP TABLE public.not_lines;
SELECT has_function_privilege('public', 'procgov.lines_changed()', 'EXECUTE') AS lines_trigger_callable_by_public;
-- one statement's lines for several orders: each order's total is the sum of its lines once the statement ends
BEGIN;
INSERT INTO procgov.purchase_order (entity_id, number, supplier_id, buyer, total)
SELECT 'TT', 'PO-MULTI-' || g, supplier_id, 'buyer', '0.00 EUR' FROM procgov.supplier, generate_series(1, 3) g
 WHERE entity_id = 'TT' AND code = 'S-OK';
INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price)
SELECT 'TT', po.po_id, k, 'thing', k, '2.50 EUR' FROM procgov.purchase_order po, generate_series(1, 4) k
 WHERE po.entity_id = 'TT' AND po.number LIKE 'PO-MULTI-%';
SELECT number, total FROM procgov.purchase_order WHERE entity_id = 'TT' AND number LIKE 'PO-MULTI-%' ORDER BY number;
DELETE FROM procgov.purchase_order_line l USING procgov.purchase_order po
 WHERE po.entity_id = 'TT' AND po.number IN ('PO-MULTI-1', 'PO-MULTI-3')
   AND l.entity_id = po.entity_id AND l.po_id = po.po_id AND l.line_no > 2;
SELECT number, total FROM procgov.purchase_order WHERE entity_id = 'TT' AND number LIKE 'PO-MULTI-%' ORDER BY number;
ROLLBACK;
-- a line moved to another order: both totals follow
BEGIN;
INSERT INTO procgov.purchase_order (entity_id, number, supplier_id, buyer, total)
SELECT 'TT', 'PO-MOVE-' || g, supplier_id, 'buyer', '0.00 EUR' FROM procgov.supplier, generate_series(1, 2) g
 WHERE entity_id = 'TT' AND code = 'S-OK';
INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price)
SELECT 'TT', po.po_id, k, 'thing', 1, '4.00 EUR' FROM procgov.purchase_order po, generate_series(1, 2) k
 WHERE po.entity_id = 'TT' AND po.number LIKE 'PO-MOVE-%';
UPDATE procgov.purchase_order_line l SET po_id = (SELECT po_id FROM procgov.purchase_order WHERE entity_id = 'TT' AND number = 'PO-MOVE-2'),
	   line_no = 3
  FROM procgov.purchase_order po
 WHERE po.entity_id = 'TT' AND po.number = 'PO-MOVE-1' AND l.entity_id = po.entity_id AND l.po_id = po.po_id AND l.line_no = 2;
SELECT number, total FROM procgov.purchase_order WHERE entity_id = 'TT' AND number LIKE 'PO-MOVE-%' ORDER BY number;
ROLLBACK;

-- editing a row procgov ships makes it the site's own (pg_dump keeps it) and puts its key on
-- record, so that a restore does not bring the shipped row back (test/tap/model_dump_restore.sh)
BEGIN;
UPDATE procgov.transition SET description = 'paid, and filed' WHERE kind = 'invoice' AND from_state = 'posted' AND to_state = 'closed';
DELETE FROM procgov.transition WHERE kind = 'invoice' AND from_state = 'draft' AND to_state = 'cancelled';
SELECT builtin, description FROM procgov.transition WHERE kind = 'invoice' AND from_state = 'posted' AND to_state = 'closed';
SELECT key FROM procgov.builtin_removed WHERE tbl = 'transition' AND key ->> 'kind' = 'invoice' ORDER BY key::text;
UPDATE procgov.transition SET builtin = true WHERE kind = 'invoice' AND from_state = 'posted' AND to_state = 'closed';
ROLLBACK;
-- (nor is a row added as one: it would not be dumped, and a restore would lose it)
INSERT INTO procgov.transition (kind, from_state, to_state, description, builtin)
VALUES ('invoice', 'posted', 'cancelled', 'reversed', true);
