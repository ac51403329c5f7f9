-- tables for the audit benchmark: the same insert with and without the ledger
CREATE TABLE bench_doc (id bigserial PRIMARY KEY, entity text NOT NULL, supplier int NOT NULL,
                        total numeric(18,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());

-- for scale: a typical PL/pgSQL hash-chain trigger with one locked chain head
CREATE TABLE typical_doc (LIKE bench_doc INCLUDING ALL);
CREATE TABLE typical_head (id int PRIMARY KEY, hash bytea NOT NULL);
INSERT INTO typical_head VALUES (1, '\x00');
CREATE TABLE typical_log (id bigserial PRIMARY KEY, doc bigint, payload jsonb, prev_hash bytea, hash bytea);
CREATE FUNCTION typical_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	prev bytea;
	h bytea;
BEGIN
	SELECT hash INTO prev FROM typical_head WHERE id = 1 FOR UPDATE;
	h := sha256(prev || convert_to(to_jsonb(NEW)::text, 'UTF8'));
	INSERT INTO typical_log (doc, payload, prev_hash, hash) VALUES (NEW.id, to_jsonb(NEW), prev, h);
	UPDATE typical_head SET hash = h WHERE id = 1;
	RETURN NEW;
END $$;
CREATE TRIGGER typical_audit AFTER INSERT ON typical_doc FOR EACH ROW EXECUTE FUNCTION typical_audit();
