-- Catalog hygiene: every object procgov installs is documented with
-- COMMENT ON, and every SECURITY DEFINER function pins its search_path.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS procgov;
RESET client_min_messages;

-- the extension's version comes from procgov.control
SELECT extname, extversion, extrelocatable, extnamespace::regnamespace FROM pg_extension WHERE extname = 'procgov';

-- functions, aggregates, types, operators, operator classes, tables and
-- views without a comment (expect none)
WITH objs AS (
  SELECT classid, objid FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'procgov')
     AND deptype = 'e'
)
SELECT pg_describe_object(classid, objid, 0) AS undocumented
  FROM objs
 WHERE obj_description(objid, classid::regclass::text) IS NULL
   -- array and multirange types are made by the server for each type
   AND NOT (classid = 'pg_type'::regclass AND EXISTS (
         SELECT 1 FROM pg_type t WHERE t.oid = objid AND (t.typcategory = 'A' OR t.typtype = 'm')))
   -- the multirange constructors made with a range type
   AND NOT (classid = 'pg_proc'::regclass AND EXISTS (
         SELECT 1 FROM pg_proc p WHERE p.oid = objid AND p.prorettype IN (SELECT oid FROM pg_type WHERE typtype IN ('r', 'm'))
            AND p.proname IN (SELECT typname FROM pg_type WHERE typtype IN ('r', 'm'))))
   -- and the casts from each range type to its multirange
   AND NOT (classid = 'pg_cast'::regclass AND EXISTS (
         SELECT 1 FROM pg_cast c JOIN pg_type t ON t.oid = c.casttarget WHERE c.oid = objid AND t.typtype = 'm'))
   -- a table's or view's row type is described by the relation's comment
   -- (PostgreSQL 17 records it as a member of the extension as well)
   AND NOT (classid = 'pg_type'::regclass AND EXISTS (
         SELECT 1 FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid WHERE t.oid = objid AND c.relkind <> 'c'))
   -- operator families are implied by their classes
   AND classid <> 'pg_opfamily'::regclass
   -- identity columns' sequences belong to their column
   AND NOT (classid = 'pg_class'::regclass AND EXISTS (
         SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = objs.objid AND d.deptype = 'i'))
 ORDER BY 1;

-- SECURITY DEFINER functions without a pinned search_path (expect none)
SELECT p.oid::regprocedure AS unpinned_definer
  FROM pg_proc p
 WHERE p.pronamespace = 'procgov'::regnamespace AND p.prosecdef
   AND NOT coalesce(p.proconfig::text[] @> ARRAY['search_path=pg_catalog, procgov, pg_temp'], false)
 ORDER BY 1;

-- type I/O functions are immutable, strict and parallel safe
SELECT p.oid::regprocedure AS io_function_not_immutable_strict_safe
  FROM pg_type t JOIN pg_proc p ON p.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend)
 WHERE t.typnamespace = 'procgov'::regnamespace AND p.pronamespace = 'procgov'::regnamespace
   AND NOT (p.provolatile = 'i' AND p.proisstrict AND p.proparallel = 's')
 ORDER BY 1;

-- the SQL functions with quoted bodies (SQL-standard bodies are new in
-- PostgreSQL 14) are parsed when called, under the caller's settings: with
-- standard_conforming_strings off (first, before this session compiles
-- them) they answer as with it on; a backslash in their literals is
-- written E'\\' or not at all
SET standard_conforming_strings = off;
SELECT procgov.invoice_number_key('inv-0042') AS inv, procgov.invoice_number_key('K-2026/0312') AS k,
	   procgov.line_number('[{"line": " 7 "}]', 0, 'PO-1', '{}') AS line;
RESET standard_conforming_strings;
SELECT procgov.invoice_number_key('inv-0042') AS inv, procgov.invoice_number_key('K-2026/0312') AS k,
	   procgov.line_number('[{"line": " 7 "}]', 0, 'PO-1', '{}') AS line,
	   procgov.stream_part('purchase_order:ACME:PO:7', 1) AS kind, procgov.stream_part('purchase_order:ACME:PO:7', 2) AS entity,
	   procgov.stream_part('purchase_order:ACME:PO:7', 3) AS number, procgov.utc_month('2026-12-31 23:30-02') AS month,
	   array_length(procgov.match_kinds(), 1) AS kinds;
SELECT procgov.case_variance('price_over', '{"lines": [{"unit_price": "1.10 EUR", "order_price": "1.00 EUR", "quantity": 10}]}') AS price,
	   procgov.case_variance('quantity_over_received', '{"lines": [{"order_price": "2.00 EUR", "quantity": 5, "billable": 3}]}') AS quantity,
	   procgov.case_change_entry(1, 'price_over', 'c.controller', NULL, '{}') AS entry,
	   procgov.case_change_event(1, 'price_over', 'cleared', NULL, NULL, NULL) AS event;
