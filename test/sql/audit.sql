-- procgov audit ledger: append, seal, digest, verify, and every refusal
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- an empty ledger verifies, has no digest, and has nothing to seal
SELECT count(*) AS problems FROM procgov.verify_audit();
SELECT * FROM procgov.audit_digest();
SELECT procgov.seal_audit() AS sealed;

-- appends return the entry id; each stream is its own chain
SET procgov.actor = 'jdoe';
SELECT procgov.audit_append('purchase_order:ACME:PO-1', 'create', '{"total": "1200.00 USD", "lines": 3}');
SELECT procgov.audit_append('purchase_order:ACME:PO-1', 'submit', '{"from": "draft", "to": "submitted"}');
SELECT procgov.audit_append('purchase_order:ACME:PO-2', 'create', '{"total": "80.00 EUR"}');
SELECT procgov.audit_append('purchase_order:ACME:PO-1', 'approve', '{"from": "submitted", "to": "approved"}', 'within limit');
SELECT procgov.audit_append('supplier:ACME:S-9', 'bank_changed', NULL);
SELECT entry_id, stream, seq, actor, db_user, action, payload, reason,
       prev_hash = '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea AS starts_stream,
       length(hash) AS hash_bytes, logged_at <= now() + interval '1 second' AS logged_now
  FROM procgov.audit_log ORDER BY entry_id;

-- every prev_hash is the hash of the stream's entry before it
SELECT l.entry_id, l.prev_hash = coalesce(p.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) AS linked
  FROM procgov.audit_log l LEFT JOIN procgov.audit_log p ON p.stream = l.stream AND p.seq = l.seq - 1
 ORDER BY l.entry_id;

-- the hash is recomputable with plain SQL, exactly as docs/audit.md specifies
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
SELECT entry_id, pg_temp.entry_hash(l) = l.hash AS recomputed FROM procgov.audit_log l ORDER BY entry_id;

-- the transaction id is the appending transaction's
BEGIN;
SELECT procgov.audit_append('purchase_order:ACME:PO-2', 'submit', '{}') AS entry_id \gset
SELECT txid = pg_current_xact_id() AS same_transaction FROM procgov.audit_log WHERE entry_id = :entry_id;
COMMIT;

-- the actor: SET LOCAL for one transaction, else the database user
BEGIN;
SET LOCAL procgov.actor = 'anna';
SELECT procgov.audit_append('purchase_order:ACME:PO-2', 'approve', '{}') AS entry_id \gset
COMMIT;
SELECT actor, db_user FROM procgov.audit_log WHERE entry_id = :entry_id;
RESET procgov.actor;
SELECT procgov.audit_append('purchase_order:ACME:PO-2', 'transmit', '{}') AS entry_id \gset
SELECT actor, db_user FROM procgov.audit_log WHERE entry_id = :entry_id;
SELECT repeat('x', 201) AS long_actor \gset
SET procgov.actor = :'long_actor';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SHOW procgov.actor;

-- a rolled-back append leaves nothing behind and no gap in seq
BEGIN;
SELECT procgov.audit_append('purchase_order:ACME:PO-3', 'create', '{}') IS NOT NULL AS appended;
ROLLBACK;
SELECT procgov.audit_append('purchase_order:ACME:PO-3', 'create', '{"again": true}') IS NOT NULL AS appended;
SELECT stream, seq, payload FROM procgov.audit_log WHERE stream = 'purchase_order:ACME:PO-3';

-- a large payload is kept whole (toasted) and hashed whole
SELECT procgov.audit_append('purchase_order:ACME:PO-3', 'lines', jsonb_build_object('lines', (SELECT jsonb_agg(jsonb_build_object('line', g, 'sku', 'SKU-' || g)) FROM generate_series(1, 5000) g))) AS entry_id \gset
SELECT length(payload::text) > 100000 AS large, pg_temp.entry_hash(l) = l.hash AS recomputed FROM procgov.audit_log l WHERE entry_id = :entry_id;

-- bad arguments are refused and store nothing
SELECT count(*) AS entries_before FROM procgov.audit_log;
SELECT procgov.audit_append(NULL, 'create', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.audit_append('', 'create', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.audit_append(repeat('s', 1001), 'create', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.audit_append('purchase_order:ACME:PO-1', NULL, '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.audit_append('purchase_order:ACME:PO-1', '', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.audit_append('purchase_order:ACME:PO-1', repeat('a', 101), '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
BEGIN READ ONLY;
SELECT procgov.audit_append('purchase_order:ACME:PO-1', 'create', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT count(*) AS entries_after FROM procgov.audit_log;

-- the ledger is append-only for everyone, superusers included
UPDATE procgov.audit_log SET reason = 'tidied up' WHERE entry_id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.audit_log SET reason = 'no row matches' WHERE false;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM procgov.audit_log WHERE entry_id = 1;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE procgov.audit_log;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.audit_log SELECT * FROM procgov.audit_log WHERE entry_id = 1
  ON CONFLICT (entry_id) DO UPDATE SET reason = 'upsert';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SET session_replication_role = replica;
DELETE FROM procgov.audit_log;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET session_replication_role;
UPDATE procgov.audit_block SET sealed_by = 'x';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
TRUNCATE procgov.audit_block;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS entries_still FROM procgov.audit_log;

-- privileges: nobody but procgov's roles reads the ledger, nobody writes it directly
CREATE ROLE regress_plain;
CREATE ROLE regress_auditor IN ROLE procgov_auditor;
CREATE ROLE regress_admin IN ROLE procgov_admin;
SET ROLE regress_plain;
SELECT count(*) FROM procgov.audit_log;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.audit_log (entry_id) VALUES (1000);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.audit_append('purchase_order:ACME:PO-1', 'forge', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM procgov.verify_audit();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT nextval('procgov.audit_log_entry_id_seq');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_auditor;
SELECT count(*) > 0 AS auditor_reads FROM procgov.audit_log;
SELECT count(*) AS auditor_verifies FROM procgov.verify_audit();
SELECT procgov.seal_audit();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.audit_append('purchase_order:ACME:PO-1', 'forge', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.audit_log (entry_id) VALUES (1000);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_admin;
SELECT procgov.audit_append('purchase_order:ACME:PO-1', 'receive', '{"qty": 3}') AS entry_id \gset
RESET ROLE;
SELECT actor, db_user FROM procgov.audit_log WHERE entry_id = :entry_id;

-- inside a SECURITY DEFINER function db_user is still the calling role
CREATE FUNCTION public.regress_definer_append() RETURNS bigint LANGUAGE sql SECURITY DEFINER
  SET search_path = pg_catalog, procgov, pg_temp
  AS $$ SELECT procgov.audit_append('purchase_order:ACME:PO-1', 'via_definer', '{}') $$;
GRANT EXECUTE ON FUNCTION public.regress_definer_append() TO regress_plain;
SET ROLE regress_plain;
SELECT public.regress_definer_append() AS entry_id \gset
RESET ROLE;
SELECT actor, db_user FROM procgov.audit_log WHERE entry_id = :entry_id;
DROP FUNCTION public.regress_definer_append();

-- sealing: blocks of at most max_block_entries, chained, covering every id
SELECT procgov.seal_audit(4) AS newest_block;
SELECT block_id, first_entry_id, last_entry_id, entry_count,
       length(leaves) = 32 * entry_count AS leaves_complete,
       prev_hash = coalesce((SELECT p.hash FROM procgov.audit_block p WHERE p.block_id = b.block_id - 1),
                            '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) AS chained,
       sealed_by
  FROM procgov.audit_block b ORDER BY block_id;
SELECT (SELECT sum(entry_count) FROM procgov.audit_block) = (SELECT count(*) FROM procgov.audit_log) AS all_sealed;
-- the leaves are the entry hashes in entry id order
SELECT bool_and(substring(b.leaves FROM (32 * (rn - 1) + 1)::int FOR 32) = l.hash) AS leaves_are_hashes
  FROM (SELECT l.*, row_number() OVER (PARTITION BY b.block_id ORDER BY l.entry_id) AS rn, b.block_id AS bid
          FROM procgov.audit_log l JOIN procgov.audit_block b ON l.entry_id BETWEEN b.first_entry_id AND b.last_entry_id) l
  JOIN procgov.audit_block b ON b.block_id = l.bid;
-- a block's hash recomputed with plain SQL
SELECT block_id, sha256(pg_temp.tfield('procgov.audit.block.v1') || pg_temp.field(prev_hash)
    || pg_temp.tfield(block_id::text) || pg_temp.tfield(first_entry_id::text)
    || pg_temp.tfield(last_entry_id::text) || pg_temp.tfield(entry_count::text) || pg_temp.field(merkle_root)
    || pg_temp.tfield(to_char(sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    || pg_temp.tfield(sealed_by)) = hash AS recomputed
  FROM procgov.audit_block ORDER BY block_id;
-- nothing new: nothing sealed
SELECT procgov.seal_audit() AS sealed;
SELECT procgov.seal_audit(0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a rolled-back append's id is covered by the next block all the same
BEGIN;
SELECT procgov.audit_append('purchase_order:ACME:PO-9', 'create', '{}') IS NOT NULL AS appended;
ROLLBACK;
SELECT procgov.audit_append('purchase_order:ACME:PO-9', 'create', '{}') AS entry_id \gset
SELECT procgov.seal_audit() AS newest_block;
SELECT block_id, last_entry_id - first_entry_id + 1 AS ids_covered, entry_count
  FROM procgov.audit_block ORDER BY block_id DESC LIMIT 1;

-- the digest: newest block, to keep outside the database
SELECT block_id, last_entry_id, digest = 'procgov-audit:v1:' || block_id || ':' || hash AS digest_form,
       length(hash) AS hex_digits
  FROM procgov.audit_digest();
SELECT procgov.verify_audit_digest((SELECT digest FROM procgov.audit_digest())) AS newest_ok;
SELECT procgov.verify_audit_digest('procgov-audit:v1:1:' || (SELECT encode(hash, 'hex') FROM procgov.audit_block WHERE block_id = 1)) AS older_ok;
SELECT procgov.verify_audit_digest('procgov-audit:v1:1:' || repeat('0', 64)) AS wrong_hash;
SELECT procgov.verify_audit_digest('procgov-audit:v1:99:' || (SELECT encode(hash, 'hex') FROM procgov.audit_block WHERE block_id = 1)) AS wrong_block;
SELECT procgov.verify_audit_digest('sha256:abc');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.verify_audit_digest('procgov-audit:v1:1:abc');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.verify_audit_digest('procgov-audit:v1:x:' || repeat('0', 64));
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- an intact ledger verifies with no row
SELECT count(*) AS problems FROM procgov.verify_audit();

-- the export views show what the hashes cover, as text
SELECT entry_id, stream, seq, logged_at ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS canonical_time,
       payload, length(prev_hash) AS prev_hex, length(hash) AS hash_hex
  FROM procgov.audit_export ORDER BY entry_id LIMIT 3;
SELECT block_id, entry_count, length(leaves) = 64 * entry_count AS leaves_hex
  FROM procgov.audit_block_export ORDER BY block_id;

DROP ROLE regress_plain;
DROP ROLE regress_auditor;
DROP ROLE regress_admin;
