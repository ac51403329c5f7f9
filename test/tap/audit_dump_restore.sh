#!/usr/bin/env bash
# The audit ledger survives pg_dump and restore into a new database: the
# restored ledger verifies, a digest kept from the original still verifies,
# the entry id sequence continues, and appends chain onto the restored heads.
set -u
cd "$(dirname "$0")/../.."
. test/tap/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists tap_ledger_src >/dev/null 2>&1; dropdb --if-exists tap_ledger_dst >/dev/null 2>&1' EXIT
dropdb --if-exists tap_ledger_src >/dev/null 2>&1; dropdb --if-exists tap_ledger_dst >/dev/null 2>&1
createdb tap_ledger_src
q -d tap_ledger_src >/dev/null <<'SQL'
CREATE EXTENSION procgov;
SET procgov.actor = 'jdoe';
SELECT count(procgov.audit_append('purchase_order:ACME:PO-' || (g % 7), 'step ' || g,
       jsonb_build_object('n', g, 'note', E'tab\there, quote " and backslash \\ and ünïcödé'), CASE WHEN g % 3 = 0 THEN 'why ' || g END))
  FROM generate_series(1, 200) g;
SELECT procgov.seal_audit(64) IS NOT NULL;
SELECT count(procgov.audit_append('invoice:ACME:INV-' || g, 'received', NULL)) FROM generate_series(1, 5) g;
SQL
digest=$(q -d tap_ledger_src -c "SELECT digest FROM procgov.audit_digest()")
is "$(q -d tap_ledger_src -c "SELECT count(*) FROM procgov.verify_audit()")" 0 "the original ledger verifies"

pg_dump -Fc -f "$work/ledger.dump" tap_ledger_src
ok $? "pg_dump of a database with a ledger"
createdb tap_ledger_dst
pg_restore -d tap_ledger_dst "$work/ledger.dump" 2>"$work/restore.err"
ok $? "pg_restore into a new database $(head -c 300 "$work/restore.err")"

is "$(q -d tap_ledger_dst -c "SELECT count(*) FROM procgov.audit_log")" 205 "every entry is restored"
is "$(q -d tap_ledger_dst -c "SELECT count(*) FROM procgov.audit_block")" 4 "every block is restored"
is "$(q -d tap_ledger_dst -c "SELECT count(*) FROM procgov.verify_audit()")" 0 "the restored ledger verifies"
is "$(q -d tap_ledger_dst -c "SELECT procgov.verify_audit_digest('$digest')")" t "a digest kept from the original verifies against the restore"
is "$(q -d tap_ledger_dst -c "SELECT (SELECT string_agg(encode(hash, 'hex'), ',' ORDER BY entry_id) FROM procgov.audit_log)")" \
   "$(q -d tap_ledger_src -c "SELECT (SELECT string_agg(encode(hash, 'hex'), ',' ORDER BY entry_id) FROM procgov.audit_log)")" \
   "the restored hashes are the original ones"
is "$(q -d tap_ledger_dst -c "SELECT procgov.audit_append('purchase_order:ACME:PO-1', 'after restore', '{}') > 205")" t \
   "the entry id sequence continues after the restore"
is "$(q -d tap_ledger_dst -c "SELECT seq FROM procgov.audit_log WHERE action = 'after restore'")" \
   "$(( $(q -d tap_ledger_src -c "SELECT max(seq) FROM procgov.audit_log WHERE stream = 'purchase_order:ACME:PO-1'") + 1 ))" \
   "an append chains onto the restored stream head"
is "$(q -d tap_ledger_dst -c "SELECT procgov.seal_audit() IS NOT NULL; SELECT count(*) FROM procgov.verify_audit()" | tail -1)" 0 \
   "sealing continues the restored block chain"
is "$(q -d tap_ledger_dst -c "UPDATE procgov.audit_log SET reason = 'x'" 2>&1 | grep -c 'append-only')" 1 \
   "the restored ledger is still append-only"
done_testing
