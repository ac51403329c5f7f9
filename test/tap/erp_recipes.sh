#!/usr/bin/env bash
# The two recipes of docs/erp-integration.md, run as the page prints them:
# each recipe's three SQL blocks (the stand-in tables, governing them, what
# the ERP's statements then meet) are taken from the page by their first
# line and run in a fresh database; then what they should have done is
# checked: the refused confirm, the approval, the receipt, the ledger.
set -u
cd "$(dirname "$0")/../.."
. test/tap/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"; for d in tap_erp_odoo tap_erp_erpnext; do dropdb --if-exists $d >/dev/null 2>&1; done' EXIT

# block NAME: the ```sql block of the page whose first line is "-- NAME: ..."
block() {
	awk -v name="-- $1:" '
		/^```sql$/ { grab = 0; first = 1; next }
		first { first = 0; if (index($0, name) == 1) grab = 1 }
		/^```$/ { grab = 0 }
		grab { print }' docs/erp-integration.md
}

for recipe in odoo erpnext; do
	db=tap_erp_$recipe
	dropdb --if-exists $db >/dev/null 2>&1
	createdb $db
	q -d $db -c 'CREATE EXTENSION procgov' >/dev/null
	for part in tables govern session; do
		block "$recipe-$part.sql" >"$work/$recipe-$part.sql"
		[ -s "$work/$recipe-$part.sql" ] || echo "# no block $recipe-$part.sql in docs/erp-integration.md"
		# psql goes on after an error, as it does for a script; the errors are counted below
		psql -X -q -At -d $db -f "$work/$recipe-$part.sql" >"$work/$recipe-$part.out" 2>&1
		want=0
		[ "$recipe-$part" = odoo-session ] && want=1		# the confirm before approval
		is "$(grep -c 'ERROR:' "$work/$recipe-$part.out")" $want "$recipe recipe: $recipe-$part.sql runs as docs/erp-integration.md prints it ($want errors)"
		[ "$(grep -c 'ERROR:' "$work/$recipe-$part.out")" = $want ] || grep -A3 'ERROR:' "$work/$recipe-$part.out" | sed 's/^/# /'
	done
done

# Odoo: the confirm before approval was refused, naming both statuses; the rest went through
grep -q 'cannot move from pending_approval to approved: guard approval_complete does not hold (public.purchase_order row 1: status "to approve" to "purchase")' "$work/odoo-session.out"
ok $? "odoo: confirming before approval is refused with both local statuses in the message"
is "$(tail -1 "$work/odoo-session.out")" "P00042|received|520.00 USD" "odoo: the order is received with the total of its two order lines (the section line is none)"
is "$(q -d tap_erp_odoo -c "SELECT string_agg(payload->>'to', ',' ORDER BY entry_id) FROM procgov.audit_log WHERE stream = 'purchase_order:NWS:P00042' AND action IN ('create', 'transition')")" \
	"draft,pending_approval,approved,transmitted,partially_received,received" "odoo: the ledger holds each move of the document"
is "$(q -d tap_erp_odoo -c "SELECT count(*) FROM procgov.outbox WHERE aggregateid = 'NWS:P00042' AND payload->'local'->>'table' = 'public.purchase_order'")" 3 \
	"odoo: the events of the ERP's own moves carry its local statuses"
is "$(q -d tap_erp_odoo -c "SELECT count(*) FROM procgov.verify_audit()")" 0 "odoo: the ledger verifies"
# ERPNext: submitted for approval, approved, submitted in the ERP, received
is "$(grep -c '^pending_approval$\|^approved$' "$work/erpnext-session.out")" 2 "erpnext: procgov planned and granted the approval"
is "$(tail -1 "$work/erpnext-session.out")" "PUR-ORD-2026-00042|received|436.80 EUR" "erpnext: the order is received after the ERP's submit and receipt"
is "$(q -d tap_erp_erpnext -c "SELECT count(*) FROM procgov.verify_audit()")" 0 "erpnext: the ledger verifies"
done_testing
