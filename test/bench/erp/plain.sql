-- test/bench/erp/plain.sql — the same statements on the same table, not governed:
-- the goods of a confirmed order arrive (its line's received quantity) and
-- the ERP locks the order (its status), as Odoo's own statements do.
-- (plain rows may be updated again, the same work each time: its sequence cycles)
SELECT nextval('bench_plain') AS n \gset
UPDATE plain.purchase_order_line SET qty_received = product_qty WHERE order_id = :n;
UPDATE plain.purchase_order SET state = 'done', write_date = now() WHERE id = :n;
