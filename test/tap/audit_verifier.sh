#!/usr/bin/env bash
# procgov-verify, the auditor's standalone check: a good export verifies
# with its digest; edited, deleted, reordered and forged exports, and a
# digest the blocks no longer hold, are each found and the exit status says so.
set -u
cd "$(dirname "$0")/../.."
. test/tap/lib.sh
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists tap_verifier >/dev/null 2>&1' EXIT
verify=$(pg_config --bindir 2>/dev/null)/procgov-verify
[ -x "$verify" ] || verify=./procgov-verify
dropdb --if-exists tap_verifier >/dev/null 2>&1
createdb tap_verifier
q -d tap_verifier >/dev/null <<'SQL'
CREATE EXTENSION procgov;
SELECT count(procgov.audit_append('purchase_order:ACME:PO-' || (g % 5), 'step', jsonb_build_object('n', g, 'text', E'line\nbreak\ttab \\ slash'), 'r' || g))
  FROM generate_series(1, 60) g;
SELECT procgov.seal_audit(16) IS NOT NULL;
SELECT count(procgov.audit_append('purchase_order:ACME:PO-' || (g % 5), 'later', jsonb_build_object('supplier', 'Müller GmbH'))) FROM generate_series(1, 10) g;
SQL
# the documented export, from a client in another encoding: the file is UTF-8 whatever the client's
export PGCLIENTENCODING=LATIN1
q -d tap_verifier -c "\\copy (SELECT * FROM procgov.audit_export ORDER BY entry_id) TO '$work/entries.tsv' WITH (ENCODING 'UTF8')"
q -d tap_verifier -c "\\copy (SELECT * FROM procgov.audit_block_export ORDER BY block_id) TO '$work/blocks.tsv' WITH (ENCODING 'UTF8')"
unset PGCLIENTENCODING
digest=$(q -d tap_verifier -c "SELECT digest FROM procgov.audit_digest()")

out=$("$verify" --entries "$work/entries.tsv" --blocks "$work/blocks.tsv" --digest "$digest"); rc=$?
is "$rc" 0 "a good export verifies (exit 0)"
is "$(tail -1 <<<"$out")" "procgov-verify: 70 entries, 4 blocks, digest checked: intact" "the summary says intact"
is "$(grep -c '^procgov-verify: 10 entries are after the last sealed block' <<<"$out")" 1 "it says how many entries are not sealed yet"

# the blocks in another line order, and a file converted to CRLF line ends: still intact
tac "$work/blocks.tsv" >"$work/blocks-reversed.tsv"
sed 's/$/\r/' "$work/entries.tsv" >"$work/entries-crlf.tsv"
"$verify" --entries "$work/entries-crlf.tsv" --blocks "$work/blocks-reversed.tsv" --digest "$digest" >/dev/null
is "$?" 0 "blocks in reverse order and CRLF line ends verify"

# an edited payload (the export escapes the tab, newline and backslash)
sed '5s/"n": 5/"n": 6/' "$work/entries.tsv" >"$work/edited.tsv"
out=$("$verify" --entries "$work/edited.tsv" --blocks "$work/blocks.tsv"); rc=$?
is "$rc" 1 "an edited entry fails (exit 1)"
is "$(grep -c '^changed   entry 5:' <<<"$out")" 1 "the edited entry is named"

# a deleted sealed entry
sed '7d' "$work/entries.tsv" >"$work/deleted.tsv"
out=$("$verify" --entries "$work/deleted.tsv" --blocks "$work/blocks.tsv"); rc=$?
is "$rc" 1 "a deleted entry fails"
is "$(grep -c '^deleted' <<<"$out")" 2 "the gap in its stream and the orphaned leaf are both named"

# two entries of one stream swapped (seq exchanged)
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == 2 { $3 = 2 } $1 == 7 { $3 = 1 } { print }' "$work/entries.tsv" >"$work/swapped.tsv"
out=$("$verify" --entries "$work/swapped.tsv" --blocks "$work/blocks.tsv"); rc=$?
is "$rc" 1 "swapped entries fail"
is "$(grep -c '^reordered' <<<"$out")" 2 "both swapped entries are named as reordered"

# a forged duplicate of an unsealed entry
tail -1 "$work/entries.tsv" | awk -F'\t' 'BEGIN { OFS = "\t" } { $1 = 999; $8 = "forged"; print }' >"$work/forged-line"
cat "$work/entries.tsv" "$work/forged-line" >"$work/forged.tsv"
out=$("$verify" --entries "$work/forged.tsv" --blocks "$work/blocks.tsv"); rc=$?
is "$rc" 1 "a forged entry fails"
is "$(grep -c '^inserted  entry 999' <<<"$out")" 1 "the forged entry is named as inserted"

# an entry forged below the first id (id 0), chained onto a sealed entry:
# entry ids start at 1, so no seal would ever cover it
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == 1 { $1 = 0; print }' "$work/entries.tsv" >"$work/zero-line"
cat "$work/zero-line" "$work/entries.tsv" >"$work/zero.tsv"
out=$("$verify" --entries "$work/zero.tsv" --blocks "$work/blocks.tsv"); rc=$?
is "$rc" 1 "an entry with id 0 fails"
is "$(grep -c '^inserted  entry 0:' <<<"$out")" 1 "the entry with id 0 is named as inserted"

# a NUL byte in a block's sealed_by (COPY's \000): malformed, never read past
awk -F'\t' 'BEGIN { OFS = "\t" } NR == 1 { $8 = $8 "\\000" sprintf("%0500d", 0) } { print }' "$work/blocks.tsv" >"$work/nul-blocks.tsv"
out=$("$verify" --entries "$work/entries.tsv" --blocks "$work/nul-blocks.tsv"); rc=$?
is "$rc" 1 "a NUL byte in a block fails (exit 1, no crash)"
is "$(grep -c '^malformed line 1 of' <<<"$out")" 1 "the line with the NUL byte is named"

# the newest block missing: the chain inside the export is fine, the digest is not
head -n -1 "$work/blocks.tsv" >"$work/fewer-blocks.tsv"
out=$("$verify" --entries "$work/entries.tsv" --blocks "$work/fewer-blocks.tsv" --digest "$digest"); rc=$?
is "$rc" 1 "a digest the blocks no longer hold fails"
is "$(grep -c '^deleted   digest' <<<"$out")" 1 "the digest is named"

# a malformed digest and a missing file are usage errors
"$verify" --entries "$work/entries.tsv" --blocks "$work/blocks.tsv" --digest nonsense >/dev/null 2>&1
is "$?" 2 "a malformed digest is a usage error (exit 2)"
"$verify" --entries "$work/missing.tsv" >/dev/null 2>&1
is "$?" 2 "a missing file is a usage error (exit 2)"
"$verify" --entries "$work" --blocks "$work" >/dev/null 2>&1
is "$?" 2 "a directory that cannot be read as a file is an error (exit 2), not intact"

# the verifier and the extension agree on every hash
is "$(q -d tap_verifier -c "SELECT count(*) FROM procgov.verify_audit()")" 0 "the extension finds the same ledger intact"

# a database in another encoding (an ERP's LATIN1 one): hashes are over UTF-8
# text whatever the server stores, so its UTF-8 export verifies too
dropdb --if-exists tap_verifier_latin1 >/dev/null 2>&1
createdb -T template0 -E LATIN1 --locale=C tap_verifier_latin1
PGCLIENTENCODING=UTF8 q -d tap_verifier_latin1 >/dev/null <<'SQL'
CREATE EXTENSION procgov;
SET procgov.actor = 'jürgen.prüfer';
SELECT procgov.audit_append('supplier:ACME:Müller', 'änderung', '{"name": "Grüße"}', 'café');
SELECT procgov.seal_audit() IS NOT NULL;
SQL
PGCLIENTENCODING=UTF8 q -d tap_verifier_latin1 -c "\\copy (SELECT * FROM procgov.audit_export ORDER BY entry_id) TO '$work/l1.tsv' WITH (ENCODING 'UTF8')"
PGCLIENTENCODING=UTF8 q -d tap_verifier_latin1 -c "\\copy (SELECT * FROM procgov.audit_block_export ORDER BY block_id) TO '$work/l1b.tsv' WITH (ENCODING 'UTF8')"
digest=$(q -d tap_verifier_latin1 -c "SELECT digest FROM procgov.audit_digest()")
"$verify" --entries "$work/l1.tsv" --blocks "$work/l1b.tsv" --digest "$digest" >/dev/null
is "$?" 0 "a LATIN1 database's export verifies outside it"
is "$(q -d tap_verifier_latin1 -c "SELECT count(*) FROM procgov.verify_audit()")" 0 "and inside it"
dropdb --if-exists tap_verifier_latin1 >/dev/null 2>&1
done_testing
