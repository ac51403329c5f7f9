\set s random(1, 5000)
INSERT INTO bench_doc (entity, supplier, total) VALUES ('ACME', :s, :s * 1.25);
