-- procgov audit ledger: what a superuser who gets around the guard can do,
-- and how verification names each kind of tampering.  Each case runs in a
-- transaction that is rolled back, so the next starts from the intact ledger.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- a few entries beyond the last sealed block
SELECT procgov.audit_append('invoice:ACME:INV-7', a, jsonb_build_object('step', a)) IS NOT NULL AS appended
  FROM unnest(ARRAY['received', 'matched', 'approved', 'posted']) a;
SELECT count(*) AS problems FROM procgov.verify_audit();
SELECT max(last_entry_id) AS last_sealed FROM procgov.audit_block;

CREATE VIEW pg_temp.findings AS
  SELECT problem, block_id, entry_id, stream, seq, expected IS NOT NULL AS has_expected,
         found IS NOT NULL AS has_found, detail
    FROM procgov.verify_audit();

-- the same hash rules in SQL, for a forger who recomputes hashes
CREATE FUNCTION pg_temp.field(b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT CASE WHEN b IS NULL THEN '\xffffffff'::bytea ELSE int4send(length(b)) || b END $$;
CREATE FUNCTION pg_temp.tfield(s text) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT pg_temp.field(convert_to(s, 'UTF8')) $$;
CREATE FUNCTION pg_temp.entry_hash(l procgov.audit_log) RETURNS bytea LANGUAGE sql STABLE AS $$
  SELECT sha256(pg_temp.tfield('procgov.audit.entry.v1') || pg_temp.field(l.prev_hash)
    || pg_temp.tfield(l.entry_id::text) || pg_temp.tfield(l.stream) || pg_temp.tfield(l.seq::text)
    || pg_temp.tfield(to_char(l.logged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    || pg_temp.tfield(l.txid::text) || pg_temp.tfield(l.actor) || pg_temp.tfield(l.db_user)
    || pg_temp.tfield(l.action) || pg_temp.tfield(l.payload::text) || pg_temp.tfield(l.reason)) $$;

-- 1. a payload changed in place (sealed entry): the entry's content no longer hashes to its hash
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE procgov.audit_log SET payload = '{"total": "12.00 USD", "lines": 3}' WHERE entry_id = 1;
SELECT * FROM pg_temp.findings;
ROLLBACK;

-- 2. a payload changed in place (unsealed entry): the same, without a block
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE procgov.audit_log SET reason = 'approved by phone' WHERE stream = 'invoice:ACME:INV-7' AND seq = 3;
SELECT * FROM pg_temp.findings;
ROLLBACK;

-- 3. a sealed entry deleted: a gap in its stream and a leaf of its block with no entry
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
DELETE FROM procgov.audit_log WHERE stream = 'purchase_order:ACME:PO-1' AND seq = 2;
SELECT * FROM pg_temp.findings;
ROLLBACK;

-- 4. an unsealed entry deleted from the middle of its stream
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
DELETE FROM procgov.audit_log WHERE stream = 'invoice:ACME:INV-7' AND seq = 2;
SELECT * FROM pg_temp.findings;
ROLLBACK;

-- 5. a forged entry with a correct hash slipped into a sealed id range
--    (id 14 was handed to an append that rolled back)
BEGIN;
INSERT INTO procgov.audit_log (entry_id, stream, seq, logged_at, txid, actor, db_user, action, payload, reason, prev_hash, hash)
  VALUES (14, 'supplier:ACME:S-4', 1, now(), pg_current_xact_id(), 'jdoe', 'postgres', 'bank_changed',
          '{"iban": "DE89370400440532013000"}', NULL, '\x0000000000000000000000000000000000000000000000000000000000000000', '\x00');
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE procgov.audit_log l SET hash = pg_temp.entry_hash(l) WHERE entry_id = 14;
SELECT * FROM pg_temp.findings;
ROLLBACK;

-- 6. a forged second entry for a seq that is taken, hash recomputed
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
ALTER TABLE procgov.audit_log DROP CONSTRAINT audit_log_stream_seq_key;
CREATE INDEX audit_log_stream_seq_key ON procgov.audit_log (stream, seq);
INSERT INTO procgov.audit_log
  SELECT 1000, stream, seq, logged_at, txid, actor, db_user, 'approved', '{"step": "approved", "by": "mallory"}', reason, prev_hash, hash
    FROM procgov.audit_log WHERE stream = 'invoice:ACME:INV-7' AND seq = 3;
UPDATE procgov.audit_log l SET hash = pg_temp.entry_hash(l) WHERE entry_id = 1000;
SELECT * FROM pg_temp.findings;
ROLLBACK;

-- 7. two entries of a stream swapped (their seq exchanged)
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE procgov.audit_log SET seq = -seq WHERE stream = 'invoice:ACME:INV-7' AND seq IN (2, 3);
UPDATE procgov.audit_log SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE stream = 'invoice:ACME:INV-7' AND seq IN (-2, -3);
SELECT * FROM pg_temp.findings;
ROLLBACK;

-- 8. the same swap with every hash recomputed to look consistent
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE procgov.audit_log SET seq = -seq WHERE stream = 'invoice:ACME:INV-7' AND seq IN (2, 3);
UPDATE procgov.audit_log SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE stream = 'invoice:ACME:INV-7' AND seq IN (-2, -3);
UPDATE procgov.audit_log l SET hash = pg_temp.entry_hash(l) WHERE stream = 'invoice:ACME:INV-7' AND seq IN (2, 3);
SELECT * FROM pg_temp.findings;
ROLLBACK;

-- 9. one sealed entry rewritten and re-hashed: its successor's link and its block name it
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE procgov.audit_log SET payload = '{"from": "draft", "to": "approved"}' WHERE stream = 'purchase_order:ACME:PO-1' AND seq = 2;
UPDATE procgov.audit_log l SET hash = pg_temp.entry_hash(l) WHERE stream = 'purchase_order:ACME:PO-1' AND seq = 2;
SELECT * FROM pg_temp.findings;
ROLLBACK;

-- 10. a stream's whole tail rewritten with every hash and link recomputed:
--     the chain is consistent again, but the sealed blocks still name each entry
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
DO $$
DECLARE
  r procgov.audit_log;
  prev bytea;
BEGIN
  FOR r IN SELECT * FROM procgov.audit_log WHERE stream = 'purchase_order:ACME:PO-1' ORDER BY seq LOOP
    IF r.seq >= 2 THEN
      r.prev_hash := prev;
      r.payload := '{"rewritten": true}';
      r.hash := pg_temp.entry_hash(r);
      UPDATE procgov.audit_log SET payload = r.payload, prev_hash = r.prev_hash, hash = r.hash
       WHERE entry_id = r.entry_id;
    END IF;
    prev := r.hash;
  END LOOP;
END $$;
SELECT bool_and(pg_temp.entry_hash(l) = l.hash) AS hashes_consistent FROM procgov.audit_log l;
SELECT * FROM pg_temp.findings;
ROLLBACK;

-- 11. a block edited in place, a block's leaves edited, a block deleted
BEGIN;
ALTER TABLE procgov.audit_block DISABLE TRIGGER audit_block_append_only;
UPDATE procgov.audit_block SET sealed_by = 'mallory' WHERE block_id = 2;
SELECT * FROM pg_temp.findings;
SELECT procgov.verify_audit_digest((SELECT digest FROM procgov.audit_digest())) AS digest_still_good;
ROLLBACK;
BEGIN;
ALTER TABLE procgov.audit_block DISABLE TRIGGER audit_block_append_only;
UPDATE procgov.audit_block SET leaves = overlay(leaves PLACING '\xff'::bytea FROM 1) WHERE block_id = 1;
SELECT * FROM pg_temp.findings;
ROLLBACK;
SELECT digest AS kept_digest FROM procgov.audit_digest() \gset
BEGIN;
ALTER TABLE procgov.audit_block DISABLE TRIGGER audit_block_append_only;
DELETE FROM procgov.audit_block WHERE block_id = 2;
SELECT * FROM pg_temp.findings;
SELECT procgov.verify_audit_digest(:'kept_digest') AS digest_still_good;
ROLLBACK;

-- 12. the newest block dropped and everything re-sealed by a forger: the
--     chain inside the database is consistent, the digest kept outside is not
BEGIN;
ALTER TABLE procgov.audit_block DISABLE TRIGGER audit_block_append_only;
DELETE FROM procgov.audit_block WHERE block_id = (SELECT max(block_id) FROM procgov.audit_block);
SELECT procgov.seal_audit() IS NOT NULL AS resealed;
SELECT count(*) AS problems FROM procgov.verify_audit();
SELECT procgov.verify_audit_digest(:'kept_digest') AS digest_still_good;
ROLLBACK;

-- 13. an entry forged below the first id (0), chained onto a sealed entry of
--     the end of its stream with its hash recomputed: entry ids start at 1, so no
--     seal would ever cover it, and it is named as inserted
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
INSERT INTO procgov.audit_log (entry_id, stream, seq, logged_at, txid, actor, db_user, action, payload, reason, prev_hash, hash)
  SELECT 0, l.stream, l.seq + 1, now(), pg_current_xact_id(), 'mallory', 'postgres', 'forged', '{}', NULL, l.hash, '\x00'
    FROM procgov.audit_log l
   WHERE l.stream = (SELECT stream FROM procgov.audit_log WHERE entry_id = 1)
   ORDER BY l.seq DESC LIMIT 1;
UPDATE procgov.audit_log l SET hash = pg_temp.entry_hash(l) WHERE entry_id = 0;
SELECT problem, block_id, entry_id, detail FROM pg_temp.findings WHERE entry_id = 0;
ROLLBACK;

-- 14. a block in the middle damaged (its Merkle root no hash): it is named,
--     and the blocks after it are still read, their entries still found
BEGIN;
ALTER TABLE procgov.audit_block DISABLE TRIGGER audit_block_append_only;
UPDATE procgov.audit_block SET merkle_root = '\x00' WHERE block_id = 2;
SELECT count(*) > 2 AS blocks_after_it FROM procgov.audit_block;
SELECT problem, block_id, entry_id, detail FROM pg_temp.findings;
ROLLBACK;

-- the ledger is intact again
SELECT count(*) AS problems FROM procgov.verify_audit();
SELECT procgov.verify_audit_digest(:'kept_digest') AS digest_still_good;

-- a data-only pg_restore --disable-triggers ends with ALTER TABLE ... ENABLE TRIGGER ALL, which
-- would leave the guard firing in origin mode only: procgov makes it fire always again, so
-- replica mode does not write past it
ALTER TABLE procgov.audit_log DISABLE TRIGGER ALL;
ALTER TABLE procgov.audit_log ENABLE TRIGGER ALL;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'procgov.audit_log'::regclass AND NOT tgisinternal;
SET session_replication_role = replica;
UPDATE procgov.audit_log SET reason = 'rewritten' WHERE entry_id = 1;
RESET session_replication_role;
-- (one disabled on purpose stays disabled, as the tamper cases above need)
BEGIN;
ALTER TABLE procgov.audit_log DISABLE TRIGGER audit_log_append_only;
SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'procgov.audit_log'::regclass AND tgname = 'audit_log_append_only';
ROLLBACK;
