-- procgov events: emit, the envelope, consumers (poll, ack, nack, replay),
-- dead letters, pruning, and every refusal
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET procgov.notify = off;   -- notifications are shown by the isolation spec events_delivery

-- the canonical event types
SELECT event_type, schema_version FROM procgov.event_type WHERE builtin ORDER BY event_type;

-- emit: one outbox row per event, in the caller's transaction
-- ids relative to the last id handed out (rolled-back emits use ids too)
SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS before FROM procgov.outbox_id_seq \gset
BEGIN;
SET LOCAL procgov.actor = 'jdoe';
SELECT procgov.emit('po.approved', 'purchase_order:ACME:PO-1', '{"total": "1200.00 USD"}') - :'before' AS n1;
SELECT procgov.emit('po.transmitted', 'purchase_order:ACME:PO-1', '{"channel": "edi"}',
                    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', :before + 1, 2) - :'before' AS n2;
SELECT procgov.emit('supplier.bank_changed', 'supplier:S-9', '{}', NULL, NULL, NULL, 'ACME') - :'before' AS n3;
SELECT id - :before AS n, type, schema_version, entity, aggregatetype, aggregateid, aggregate_version,
       correlation_id, causation_id - :before AS causation, actor, payload,
       txid = pg_current_xact_id() AS this_transaction, occurred_at <= clock_timestamp() AS occurred_now
  FROM procgov.outbox WHERE id > :before ORDER BY id;
COMMIT;
-- the documented envelope
SELECT jsonb_pretty(procgov.envelope(o) - 'id' - 'occurred_at' - 'causation_id') AS envelope
  FROM procgov.outbox o WHERE id = :before + 2;
SELECT (procgov.envelope(o)->>'id')::bigint = o.id AS id_ok,
       (procgov.envelope(o)->>'occurred_at')::timestamptz = o.occurred_at AS time_ok
  FROM procgov.outbox o WHERE id = :before + 2;

-- a rolled-back transaction or subtransaction emits nothing
BEGIN;
SELECT procgov.emit('po.changed', 'purchase_order:ACME:PO-1', '{}') IS NOT NULL AS emitted;
ROLLBACK;
BEGIN;
SAVEPOINT s;
SELECT procgov.emit('po.changed', 'purchase_order:ACME:PO-1', '{"lost": true}') IS NOT NULL AS emitted;
ROLLBACK TO s;
SELECT procgov.emit('po.changed', 'purchase_order:ACME:PO-1', '{"kept": true}') IS NOT NULL AS emitted;
COMMIT;
SELECT type, payload FROM procgov.outbox WHERE id > :before + 3 ORDER BY id;

-- a 1 MB payload is kept whole in the outbox
SELECT procgov.emit('invoice.received', 'invoice:ACME:INV-1', jsonb_build_object('scan', repeat('x', 1048576))) AS big \gset
SELECT length(payload->>'scan') AS scan_bytes FROM procgov.outbox WHERE id = :big;

-- bad input is refused and stores nothing
SELECT count(*) AS events_before FROM procgov.outbox;
SELECT procgov.emit('po.nonsense', 'purchase_order:ACME:PO-1', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.emit(NULL, 'purchase_order:ACME:PO-1', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.emit('po.approved', NULL, '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.emit('po.approved', 'purchase_order', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.emit('po.approved', ':PO-1', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.emit('po.approved', 'Purchase Order:PO-1', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.emit('po.approved', 'purchase_order:' || repeat('x', 501), '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.emit('po.approved', 'purchase_order:ACME:PO-1', NULL);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.emit('po.approved', 'purchase_order:ACME:PO-1', '{}', NULL, 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.emit('po.approved', 'purchase_order:ACME:PO-1', '{}', NULL, NULL, -1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.emit('po.approved', 'purchase_order:ACME:PO-1', '{}', NULL, NULL, NULL, '');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
BEGIN READ ONLY;
SELECT procgov.emit('po.approved', 'purchase_order:ACME:PO-1', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT count(*) AS events_after FROM procgov.outbox;

-- a site's own event type is accepted once added, and refused again once removed
INSERT INTO procgov.event_type (event_type, description) VALUES ('contract.renewed', 'a supplier contract was renewed');
SELECT procgov.emit('contract.renewed', 'contract:ACME:C-7', '{}') IS NOT NULL AS accepted;
DELETE FROM procgov.event_type WHERE event_type = 'contract.renewed';
SELECT procgov.emit('contract.renewed', 'contract:ACME:C-7', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO procgov.event_type (event_type, description) VALUES ('Bad Type', 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a name emit() could never take (over 63 bytes)
INSERT INTO procgov.event_type (event_type, description) VALUES ('contract.' || repeat('x', 60), 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- consumers
SELECT procgov.register_consumer('erp-sync');
SELECT procgov.register_consumer('erp-sync');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.register_consumer('bad name!');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.register_consumer('x', false, 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.register_consumer('x', false, 3, '0 s');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM procgov.poll('nobody');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM procgov.poll('erp-sync', 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- a consumer registered now sees only what commits from now on
SELECT count(*) AS nothing_yet FROM procgov.poll('erp-sync');
SELECT procgov.register_consumer('webhook', false, 2);
SELECT procgov.register_consumer('slow', false, 5, '1 millisecond');
SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS base FROM procgov.outbox_id_seq \gset
SELECT count(procgov.emit('po.approved', 'purchase_order:ACME:PO-' || g, jsonb_build_object('n', g))) AS emitted
  FROM generate_series(10, 14) g;
-- poll hands out events in id order and claims them
SELECT id - :base AS n, type, aggregateid, envelope->'payload' AS payload FROM procgov.poll('erp-sync', 3);
-- a second worker polling meanwhile gets nothing: the claim is live
SELECT count(*) AS second_worker FROM procgov.poll('erp-sync', 3);
-- ack is cumulative and idempotent; an event not handed out cannot be acked
SELECT procgov.ack('erp-sync', :base + 2) AS acked;
SELECT procgov.ack('erp-sync', :base + 1) AS acked_again;
SELECT procgov.ack('erp-sync', :base + 5);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.ack('erp-sync', :base + 3) AS acked;
SELECT id - :base AS n FROM procgov.poll('erp-sync', 3);
SELECT procgov.ack('erp-sync', :base + 5) AS acked;
SELECT count(*) AS drained FROM procgov.poll('erp-sync', 3);
SELECT delivered, acknowledged, acked_id, claimed_id FROM procgov.consumer WHERE consumer = 'erp-sync';

-- nack: the event comes again; at the retry limit it goes to the dead letters and the consumer moves on
SELECT id - :base AS n FROM procgov.poll('webhook', 2);
SELECT procgov.nack('webhook', :base + 2, 'HTTP 503 from hooks.example') AS outcome;
SELECT id - :base AS n FROM procgov.poll('webhook', 2);
SELECT procgov.nack('webhook', :base + 2, 'HTTP 503 again') AS outcome;
SELECT id - :base AS n FROM procgov.poll('webhook', 2);
SELECT consumer, event_id - :base AS n, errors, event->>'type' AS type, event->'payload' AS payload
  FROM procgov.dead_letter;
SELECT procgov.nack('webhook', :base + 1, 'x');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT dead_lettered, failures FROM procgov.consumer WHERE consumer = 'webhook';

-- replay: rewind erp-sync to the third event of the run
SELECT procgov.replay('erp-sync', :base + 3);
SELECT id - :base AS n FROM procgov.poll('erp-sync', 10);
SELECT procgov.ack('erp-sync', :base + 5) AS acked;
SELECT count(*) AS after_replay FROM procgov.poll('erp-sync', 10);
SELECT procgov.replay('erp-sync', 0);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- a lapsed claim is handed out again, and the late worker's acknowledgement is refused
SELECT id - :base AS n, claim FROM procgov.poll('slow', 1);
SELECT pg_sleep(0.01);
SELECT id - :base AS n, claim FROM procgov.poll('slow', 1);
SELECT procgov.ack('slow', :base + 1, 1);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- pruning keeps what a consumer still needs
SELECT count(*) AS kept_before FROM procgov.outbox;
SELECT procgov.prune_outbox('-1 day');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.prune_outbox('0 seconds') AS pruned_while_slow_lags;
SELECT procgov.drop_consumer('slow') AS dropped, procgov.drop_consumer('slow') AS dropped_again;
SELECT procgov.prune_outbox('1 hour') AS pruned_too_young;
SELECT procgov.prune_outbox('0 seconds') AS pruned_while_webhook_lags;
SELECT procgov.ack('webhook', :base + 4) AS acked;
SELECT id - :base AS n FROM procgov.poll('webhook', 2);
SELECT procgov.ack('webhook', :base + 5) AS acked;
SELECT count(*) AS drained FROM procgov.poll('webhook', 2);
SELECT procgov.prune_outbox('0 seconds') AS pruned;
SELECT count(*) AS left_after FROM procgov.outbox WHERE id <= :base + 5;

-- privileges: the outbox and the consumers are procgov's to write
CREATE ROLE regress_ev_plain;
CREATE ROLE regress_ev_consumer IN ROLE procgov_consumer;
SET ROLE regress_ev_plain;
SELECT procgov.emit('po.approved', 'purchase_order:ACME:PO-1', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM procgov.outbox;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM procgov.poll('erp-sync');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_ev_consumer;
SELECT count(*) AS consumer_polls FROM procgov.poll('erp-sync');
SELECT procgov.register_consumer('rogue');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT procgov.emit('po.approved', 'purchase_order:ACME:PO-1', '{}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE procgov.consumer SET acked_id = 0;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM procgov.outbox;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_ev_plain;
DROP ROLE regress_ev_consumer;

-- sealing the audit ledger announces the new digest
SELECT procgov.audit_append('purchase_order:ACME:PO-1', 'approve', '{}') IS NOT NULL AS appended;
SELECT procgov.seal_audit() AS block \gset
SELECT type, aggregatetype, aggregateid = :'block' AS this_block,
       payload->>'digest' = (SELECT digest FROM procgov.audit_digest()) AS carries_digest
  FROM procgov.outbox WHERE type = 'audit.sealed' ORDER BY id DESC LIMIT 1;

-- the notification relay: an event emitted under procgov.notify = relay is
-- marked so in the outbox and its commit sends no NOTIFY;
-- procgov.relay_events() (the relay worker's pass) announces those that
-- committed since its last pass (what listeners receive is shown by the
-- isolation spec events_relay).  A pass with nothing new writes nothing.
SELECT procgov.emit('po.approved', 'purchase_order:RELAY:PO-0', '{}') IS NOT NULL AS emitted_off;	-- under off: not the relay's
SET procgov.notify = relay;
SHOW procgov.notify;
SELECT procgov.relay_events() AS left_to_relay;	-- what the tests above emitted was not emitted under relay
SELECT procgov.relay_events() AS nothing_new;
SELECT notifications AS notifications_before, events AS events_before FROM procgov.relay_state \gset
SELECT procgov.emit('po.approved', 'purchase_order:RELAY:PO-1', '{}') IS NOT NULL AS emitted_1,
       procgov.emit('po.transmitted', 'purchase_order:RELAY:PO-1', '{}') IS NOT NULL AS emitted_2;
SELECT aggregateid, relay FROM procgov.outbox WHERE aggregateid IN ('RELAY:PO-0', 'RELAY:PO-1') GROUP BY 1, 2 ORDER BY 1;
-- what a monitor sees: no relay worker in this cluster, two events waiting for one
SELECT relay_running, waiting, oldest_waiting_since > now() - interval '1 minute' AS waiting_since_just_now
  FROM procgov.relay_status();
SELECT procgov.relay_events() AS announced;
SELECT waiting, oldest_waiting_since FROM procgov.relay_status();
SELECT notifications - :notifications_before AS new_notifications, events - :events_before AS new_events,
       relayed_at > now() - interval '1 minute' AS just_now
  FROM procgov.relay_state;
-- a pass holds the relay's lock until its transaction ends: not one to prepare
BEGIN;
SELECT procgov.relay_events() AS nothing_new;
PREPARE TRANSACTION 'regress_relay_pass';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'regress_relay_pass';
-- a pass reads what committed up to the moment it runs: not in a transaction snapshot
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT procgov.relay_events();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
SET procgov.notify = bogus;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET procgov.notify;
-- the relay's position is one row; without it a pass says how to restore it
BEGIN;
DELETE FROM procgov.relay_state;
SELECT procgov.relay_events();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
INSERT INTO procgov.relay_state (done_snapshot) VALUES (pg_current_snapshot());
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
INSERT INTO procgov.relay_state (singleton, done_snapshot) VALUES (false, pg_current_snapshot());
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- who may run a pass or read the position: procgov_admin (and the auditor reads)
CREATE ROLE regress_ev_plain;
CREATE ROLE regress_ev_admin IN ROLE procgov_admin;
CREATE ROLE regress_ev_auditor IN ROLE procgov_auditor;
SET ROLE regress_ev_plain;
SELECT procgov.relay_events();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) FROM procgov.relay_state;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM procgov.relay_status();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_ev_auditor;
SELECT count(*) AS auditor_reads FROM procgov.relay_state;
SELECT waiting AS auditor_sees_waiting FROM procgov.relay_status();
SELECT procgov.relay_events();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SET ROLE regress_ev_admin;
SELECT procgov.relay_events() AS admin_pass;
UPDATE procgov.relay_state SET notifications = 0;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_ev_plain;
DROP ROLE regress_ev_admin;
DROP ROLE regress_ev_auditor;
-- the relay's settings: the pause between passes (reloadable); the
-- databases exist only when the server loads procgov at start
SELECT name, setting, unit, context FROM pg_settings WHERE name = 'procgov.relay_naptime';

-- an aggregate id whose first part is longer than any entity code: no entity
-- is taken from it, and the event is accepted (its id may be 500 bytes)
SELECT procgov.emit('po.approved', 'purchase_order:' || repeat('y', 150) || ':PO-1', '{}') AS long_id \gset
SELECT entity IS NULL AS no_entity, length(aggregateid) FROM procgov.outbox WHERE id = :long_id;
