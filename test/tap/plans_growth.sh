#!/usr/bin/env bash
# Plans cached while procgov's tables were empty do not outlive the tables'
# growth.  On a fresh install a session's generic plans see tables the
# planner believes tiny, and to it any index leading with entity_id is as
# good as the document's key: a lookup by number becomes a scan of the whole
# entity.  The governance trigger replans the session as a governed table
# doubles, so a bulk load through the API in one transaction (where no
# ANALYZE can help) stays linear, and the last lookup of a large load reads
# one order, not all of them.
set -u
cd "$(dirname "$0")/../.."
. test/tap/lib.sh
db=tap_plans_growth
trap 'dropdb --if-exists $db >/dev/null 2>&1' EXIT
dropdb --if-exists $db >/dev/null 2>&1
createdb $db
q -d $db >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION procgov;
INSERT INTO procgov.entity (entity_id, name, base_currency) VALUES ('GRO', 'Growth', 'EUR');
INSERT INTO procgov.supplier (entity_id, code, name, status, iban)
VALUES ('GRO', 'S1', 'Supplier', 'approved', 'DE89370400440532013000');
SQL

orders=4000
out=$(q -d $db <<SQL
SET procgov.notify = off;
SET procgov.actor = 'b.buyer';
-- this session plans while the tables are empty
SELECT count(*) FROM procgov.purchase_order;
SELECT (procgov.create_purchase_order('GRO', 'S1', '[{"description": "bolt", "quantity": 1, "unit_price": "1.00 EUR"}]',
	number => 'PO-0'))->>'state';
SELECT (procgov.submit_order('GRO', 'PO-0'))->>'state';
-- order rows this transaction read by any scan: sequential, bitmap or index
CREATE FUNCTION pg_temp.rows_read() RETURNS bigint LANGUAGE sql AS \$\$
	SELECT pg_stat_get_xact_tuples_returned(c) + pg_stat_get_xact_tuples_fetched(c)
		   + (SELECT coalesce(sum(pg_stat_get_xact_tuples_fetched(i.indexrelid)), 0) FROM pg_index i WHERE i.indrelid = c)
	  FROM (SELECT 'procgov.purchase_order'::regclass::oid AS c) t
\$\$;
BEGIN;
-- a bulk load in one transaction: no ANALYZE sees it
SELECT count(procgov.create_purchase_order('GRO', 'S1', '[{"description": "bolt", "quantity": 1, "unit_price": "1.00 EUR"}]',
	number => 'PO-' || g)) FROM generate_series(1, $orders) g;
SELECT count(procgov.submit_order('GRO', 'PO-' || g)) FROM generate_series(1, $orders - 1) g;
SELECT pg_temp.rows_read() AS before \gset
SELECT (procgov.submit_order('GRO', 'PO-$orders'))->>'state';
SELECT pg_temp.rows_read() - :before;
COMMIT;
SELECT count(*) FILTER (WHERE state = 'pending_approval') FROM procgov.purchase_order;
SQL
)
set -- $out
is "$2" draft "the first order is created while the tables are empty"
is "$3" pending_approval "and submitted: the session has planned its lookups"
is "$4" "$orders" "$orders orders created through the API in one transaction"
is "$5" "$((orders - 1))" "and all but one submitted"
is "$6" pending_approval "the last order is submitted"
fetched=${7:-missing}
[ "$fetched" != missing ] && [ "$fetched" -lt 50 ]
ok $? "its submission read a handful of order rows, not the whole entity (read $fetched)"
is "${8:-}" "$((orders + 1))" "every order is pending approval"
done_testing
