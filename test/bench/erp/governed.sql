-- test/bench/erp/governed.sql — one ERP transaction on a governed table:
-- the goods of a confirmed order arrive (its line's received quantity) and
-- the ERP locks the order (its status), as Odoo's own statements do.
SELECT nextval('bench_gov') AS n \gset
UPDATE gov.purchase_order_line SET qty_received = product_qty WHERE order_id = :n;
UPDATE gov.purchase_order SET state = 'done', write_date = now() WHERE id = :n;
