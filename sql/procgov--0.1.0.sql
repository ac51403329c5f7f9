-- procgov 0.1.0 install script
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION procgov" to load this file. \quit

-- Every object is schema-qualified; the schema is created by CREATE EXTENSION
-- (procgov.control: schema = procgov, not relocatable).

COMMENT ON SCHEMA procgov IS 'procgov: in-database procurement governance (types, policy, state machine, audit ledger, events)';

-- BEGIN amount
-- END amount

-- BEGIN tolerance
-- END tolerance

-- BEGIN identifiers
-- END identifiers
