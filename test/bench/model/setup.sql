-- test/bench/model/setup.sql — data for the lifecycle benchmark: one entity,
-- an approved supplier, 50 budget lines large enough never to run out, and
-- plain copies of the document tables (same columns, types, defaults,
-- checks and indexes; no triggers, no foreign keys) for the baseline.
SET procgov.notify = off;
INSERT INTO procgov.entity (entity_id, name, base_currency) VALUES ('ACME', 'Acme Distribution GmbH', 'EUR');
INSERT INTO procgov.supplier (entity_id, code, name, status, iban)
VALUES ('ACME', 'S-KEY', 'Keystone Fasteners', 'approved', 'DE89370400440532013000');
INSERT INTO procgov.budget (entity_id, cost_center, period, amount, committed, spent)
SELECT 'ACME', 'CC-' || g, '2026-11', '1000000000000 EUR', '0 EUR', '0 EUR' FROM generate_series(1, 50) g;
CREATE SEQUENCE bench_no;

CREATE SCHEMA plain;
CREATE TABLE plain.purchase_order (LIKE procgov.purchase_order INCLUDING ALL);
CREATE TABLE plain.purchase_order_line (LIKE procgov.purchase_order_line INCLUDING ALL);
CREATE TABLE plain.approval (LIKE procgov.approval INCLUDING ALL);
CREATE TABLE plain.budget (LIKE procgov.budget INCLUDING ALL);
CREATE TABLE plain.acknowledgement (LIKE procgov.acknowledgement INCLUDING ALL);
CREATE TABLE plain.acknowledgement_line (LIKE procgov.acknowledgement_line INCLUDING ALL);
CREATE TABLE plain.receipt (LIKE procgov.receipt INCLUDING ALL);
CREATE TABLE plain.receipt_line (LIKE procgov.receipt_line INCLUDING ALL);
INSERT INTO plain.budget (entity_id, cost_center, period, amount, committed, spent)
SELECT entity_id, cost_center, period, amount, committed, spent FROM procgov.budget;
