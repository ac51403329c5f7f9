-- procgov 0.1.0 install script
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION procgov" to load this file. \quit

-- Every object is schema-qualified; the schema is created by CREATE EXTENSION
-- (procgov.control: schema = procgov, not relocatable).

-- CREATE EXTENSION takes over a schema procgov that exists already, whoever
-- made it.  Made by a role that is not a superuser, its owner could later
-- rename it and put objects of its own under procgov's names, which
-- procgov's SECURITY DEFINER functions and its relay (by default a
-- superuser) call:
-- refuse such a schema.
DO $$
DECLARE
	owner name := (SELECT r.rolname FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner
					WHERE n.nspname = 'procgov' AND NOT r.rolsuper);
BEGIN
	IF owner IS NOT NULL THEN
		RAISE EXCEPTION 'schema procgov belongs to role %, which is not a superuser', owner
			USING ERRCODE = '42501',
				  DETAIL = 'CREATE EXTENSION procgov installs into the schema procgov that exists; its owner could put objects of its own under procgov''s names.',
				  HINT = 'Drop the schema (or give it to a superuser with ALTER SCHEMA procgov OWNER TO), then create the extension.';
	END IF;
END
$$;

COMMENT ON SCHEMA procgov IS 'procgov: in-database procurement governance (types, policy, state machine, audit ledger, events)';

-- BEGIN amount
-- ===================================================================
-- procgov.amount: money in an ISO 4217 currency
-- ===================================================================

CREATE TYPE procgov.amount;

CREATE FUNCTION procgov.amount_in(cstring) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_out(procgov.amount) RETURNS cstring
	AS 'MODULE_PATHNAME', 'amount_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_recv(internal) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_send(procgov.amount) RETURNS bytea
	AS 'MODULE_PATHNAME', 'amount_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE procgov.amount (
	INPUT = procgov.amount_in,
	OUTPUT = procgov.amount_out,
	RECEIVE = procgov.amount_recv,
	SEND = procgov.amount_send,
	INTERNALLENGTH = 16,
	ALIGNMENT = double,
	STORAGE = plain
);
COMMENT ON FUNCTION procgov.amount_in(cstring) IS 'text input for procgov.amount (''1234.56 USD'')';
COMMENT ON FUNCTION procgov.amount_out(procgov.amount) IS 'text output for procgov.amount, in the currency''s minor units';
COMMENT ON FUNCTION procgov.amount_recv(internal) IS 'binary input for procgov.amount: int64 ten-thousandths, then the 3-letter code';
COMMENT ON FUNCTION procgov.amount_send(procgov.amount) IS 'binary output for procgov.amount: int64 ten-thousandths, then the 3-letter code';
COMMENT ON TYPE procgov.amount IS 'money in an ISO 4217 currency: 64-bit fixed point with 4 decimals, text form ''1234.56 USD''; mixing currencies is an error';

CREATE FUNCTION procgov.amount(numeric, text) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_make' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.amount(numeric, text) IS 'build an amount from a value in major units (rounded half away from zero to 4 decimals) and an ISO 4217 code';

CREATE FUNCTION procgov.currency(procgov.amount) RETURNS text
	AS 'MODULE_PATHNAME', 'amount_currency' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.currency(procgov.amount) IS 'the amount''s ISO 4217 currency code';

CREATE FUNCTION procgov.value(procgov.amount) RETURNS numeric
	AS 'MODULE_PATHNAME', 'amount_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.value(procgov.amount) IS 'the amount in major units as numeric, with the scale it prints with';

CREATE FUNCTION procgov.minor_units(text) RETURNS integer
	AS 'MODULE_PATHNAME', 'currency_minor_units_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.minor_units(text) IS 'decimal places an ISO 4217 currency is written with (JPY 0, USD 2, BHD 3)';

CREATE FUNCTION procgov.round(procgov.amount) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_round' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.round(procgov.amount) IS 'round to the currency''s minor units, half away from zero';

CREATE FUNCTION procgov.abs(procgov.amount) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_abs' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.abs(procgov.amount) IS 'absolute value of an amount';

-- arithmetic ---------------------------------------------------------

CREATE FUNCTION procgov.amount_add(procgov.amount, procgov.amount) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_add' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_sub(procgov.amount, procgov.amount) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_sub' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_neg(procgov.amount) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_neg' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_mul(procgov.amount, numeric) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_mul_numeric' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_mul(numeric, procgov.amount) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'numeric_mul_amount' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_mul(procgov.amount, integer) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_mul_int4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_mul(integer, procgov.amount) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'int4_mul_amount' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_div(procgov.amount, numeric) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_div_numeric' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_div(procgov.amount, integer) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_div_int4' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_div(procgov.amount, procgov.amount) RETURNS numeric
	AS 'MODULE_PATHNAME', 'amount_div_amount' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.amount_add(procgov.amount, procgov.amount) IS 'implementation of + for amounts of one currency';
COMMENT ON FUNCTION procgov.amount_sub(procgov.amount, procgov.amount) IS 'implementation of - for amounts of one currency';
COMMENT ON FUNCTION procgov.amount_neg(procgov.amount) IS 'implementation of unary -';
COMMENT ON FUNCTION procgov.amount_mul(procgov.amount, numeric) IS 'implementation of amount * numeric (rounded half away from zero to 4 decimals)';
COMMENT ON FUNCTION procgov.amount_mul(numeric, procgov.amount) IS 'implementation of numeric * amount (rounded half away from zero to 4 decimals)';
COMMENT ON FUNCTION procgov.amount_mul(procgov.amount, integer) IS 'implementation of amount * integer';
COMMENT ON FUNCTION procgov.amount_mul(integer, procgov.amount) IS 'implementation of integer * amount';
COMMENT ON FUNCTION procgov.amount_div(procgov.amount, numeric) IS 'implementation of amount / numeric (rounded half away from zero to 4 decimals)';
COMMENT ON FUNCTION procgov.amount_div(procgov.amount, integer) IS 'implementation of amount / integer (rounded half away from zero to 4 decimals)';
COMMENT ON FUNCTION procgov.amount_div(procgov.amount, procgov.amount) IS 'implementation of amount / amount: the ratio of two amounts of one currency';

CREATE OPERATOR procgov.+ (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_add, COMMUTATOR = OPERATOR(procgov.+));
CREATE OPERATOR procgov.- (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_sub);
CREATE OPERATOR procgov.- (RIGHTARG = procgov.amount, FUNCTION = procgov.amount_neg);
CREATE OPERATOR procgov.* (LEFTARG = procgov.amount, RIGHTARG = numeric,
	FUNCTION = procgov.amount_mul, COMMUTATOR = OPERATOR(procgov.*));
CREATE OPERATOR procgov.* (LEFTARG = numeric, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_mul, COMMUTATOR = OPERATOR(procgov.*));
CREATE OPERATOR procgov.* (LEFTARG = procgov.amount, RIGHTARG = integer,
	FUNCTION = procgov.amount_mul, COMMUTATOR = OPERATOR(procgov.*));
CREATE OPERATOR procgov.* (LEFTARG = integer, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_mul, COMMUTATOR = OPERATOR(procgov.*));
CREATE OPERATOR procgov./ (LEFTARG = procgov.amount, RIGHTARG = numeric,
	FUNCTION = procgov.amount_div);
CREATE OPERATOR procgov./ (LEFTARG = procgov.amount, RIGHTARG = integer,
	FUNCTION = procgov.amount_div);
CREATE OPERATOR procgov./ (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_div);
COMMENT ON OPERATOR procgov.+ (procgov.amount, procgov.amount) IS 'sum of two amounts of one currency';
COMMENT ON OPERATOR procgov.- (procgov.amount, procgov.amount) IS 'difference of two amounts of one currency';
COMMENT ON OPERATOR procgov.- (NONE, procgov.amount) IS 'negated amount';
COMMENT ON OPERATOR procgov.* (procgov.amount, numeric) IS 'amount times a factor, rounded half away from zero to 4 decimals';
COMMENT ON OPERATOR procgov.* (numeric, procgov.amount) IS 'factor times an amount, rounded half away from zero to 4 decimals';
COMMENT ON OPERATOR procgov.* (procgov.amount, integer) IS 'amount times a whole number';
COMMENT ON OPERATOR procgov.* (integer, procgov.amount) IS 'whole number times an amount';
COMMENT ON OPERATOR procgov./ (procgov.amount, numeric) IS 'amount divided by a factor, rounded half away from zero to 4 decimals';
COMMENT ON OPERATOR procgov./ (procgov.amount, integer) IS 'amount divided by a whole number, rounded half away from zero to 4 decimals';
COMMENT ON OPERATOR procgov./ (procgov.amount, procgov.amount) IS 'ratio of two amounts of one currency';

-- comparison ---------------------------------------------------------

CREATE FUNCTION procgov.amount_eq(procgov.amount, procgov.amount) RETURNS boolean
	AS 'MODULE_PATHNAME', 'amount_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.amount_ne(procgov.amount, procgov.amount) RETURNS boolean
	AS 'MODULE_PATHNAME', 'amount_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.amount_lt(procgov.amount, procgov.amount) RETURNS boolean
	AS 'MODULE_PATHNAME', 'amount_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_le(procgov.amount, procgov.amount) RETURNS boolean
	AS 'MODULE_PATHNAME', 'amount_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_gt(procgov.amount, procgov.amount) RETURNS boolean
	AS 'MODULE_PATHNAME', 'amount_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_ge(procgov.amount, procgov.amount) RETURNS boolean
	AS 'MODULE_PATHNAME', 'amount_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_cmp(procgov.amount, procgov.amount) RETURNS integer
	AS 'MODULE_PATHNAME', 'amount_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.amount_total_lt(procgov.amount, procgov.amount) RETURNS boolean
	AS 'MODULE_PATHNAME', 'amount_total_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.amount_total_le(procgov.amount, procgov.amount) RETURNS boolean
	AS 'MODULE_PATHNAME', 'amount_total_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.amount_total_gt(procgov.amount, procgov.amount) RETURNS boolean
	AS 'MODULE_PATHNAME', 'amount_total_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.amount_total_ge(procgov.amount, procgov.amount) RETURNS boolean
	AS 'MODULE_PATHNAME', 'amount_total_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.amount_ltsel(internal, oid, internal, integer) RETURNS double precision
	AS 'MODULE_PATHNAME', 'amount_ltsel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_lesel(internal, oid, internal, integer) RETURNS double precision
	AS 'MODULE_PATHNAME', 'amount_lesel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_gtsel(internal, oid, internal, integer) RETURNS double precision
	AS 'MODULE_PATHNAME', 'amount_gtsel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_gesel(internal, oid, internal, integer) RETURNS double precision
	AS 'MODULE_PATHNAME', 'amount_gesel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.amount_total_lt(procgov.amount, procgov.amount) IS 'implementation of ~<~ (total order: currency code, then value)';
COMMENT ON FUNCTION procgov.amount_total_le(procgov.amount, procgov.amount) IS 'implementation of ~<=~ (total order: currency code, then value)';
COMMENT ON FUNCTION procgov.amount_total_gt(procgov.amount, procgov.amount) IS 'implementation of ~>~ (total order: currency code, then value)';
COMMENT ON FUNCTION procgov.amount_total_ge(procgov.amount, procgov.amount) IS 'implementation of ~>=~ (total order: currency code, then value)';
COMMENT ON FUNCTION procgov.amount_ltsel(internal, oid, internal, integer) IS 'selectivity of < on amounts: that of ~<~, so that planning never raises on statistics in other currencies';
COMMENT ON FUNCTION procgov.amount_lesel(internal, oid, internal, integer) IS 'selectivity of <= on amounts: that of ~<=~';
COMMENT ON FUNCTION procgov.amount_gtsel(internal, oid, internal, integer) IS 'selectivity of > on amounts: that of ~>~';
COMMENT ON FUNCTION procgov.amount_gesel(internal, oid, internal, integer) IS 'selectivity of >= on amounts: that of ~>=~';
CREATE FUNCTION procgov.amount_hash(procgov.amount) RETURNS integer
	AS 'MODULE_PATHNAME', 'amount_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.amount_hash_extended(procgov.amount, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'amount_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION procgov.amount_eq(procgov.amount, procgov.amount) IS 'implementation of = (amounts in different currencies are not equal)';
COMMENT ON FUNCTION procgov.amount_ne(procgov.amount, procgov.amount) IS 'implementation of <>';
COMMENT ON FUNCTION procgov.amount_lt(procgov.amount, procgov.amount) IS 'implementation of < (one currency only)';
COMMENT ON FUNCTION procgov.amount_le(procgov.amount, procgov.amount) IS 'implementation of <= (one currency only)';
COMMENT ON FUNCTION procgov.amount_gt(procgov.amount, procgov.amount) IS 'implementation of > (one currency only)';
COMMENT ON FUNCTION procgov.amount_ge(procgov.amount, procgov.amount) IS 'implementation of >= (one currency only)';
COMMENT ON FUNCTION procgov.amount_cmp(procgov.amount, procgov.amount) IS 'btree support: total order by currency code, then value';
COMMENT ON FUNCTION procgov.amount_hash(procgov.amount) IS 'hash support for procgov.amount';
COMMENT ON FUNCTION procgov.amount_hash_extended(procgov.amount, bigint) IS 'extended (64-bit, seeded) hash support for procgov.amount';

CREATE OPERATOR procgov.= (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_eq, COMMUTATOR = OPERATOR(procgov.=), NEGATOR = OPERATOR(procgov.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR procgov.<> (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_ne, COMMUTATOR = OPERATOR(procgov.<>), NEGATOR = OPERATOR(procgov.=),
	RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR procgov.< (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_lt, COMMUTATOR = OPERATOR(procgov.>), NEGATOR = OPERATOR(procgov.>=),
	RESTRICT = procgov.amount_ltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR procgov.<= (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_le, COMMUTATOR = OPERATOR(procgov.>=), NEGATOR = OPERATOR(procgov.>),
	RESTRICT = procgov.amount_lesel, JOIN = scalarlejoinsel);
CREATE OPERATOR procgov.> (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_gt, COMMUTATOR = OPERATOR(procgov.<), NEGATOR = OPERATOR(procgov.<=),
	RESTRICT = procgov.amount_gtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR procgov.>= (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_ge, COMMUTATOR = OPERATOR(procgov.<=), NEGATOR = OPERATOR(procgov.<),
	RESTRICT = procgov.amount_gesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR procgov.= (procgov.amount, procgov.amount) IS 'equal: same currency and same value';
COMMENT ON OPERATOR procgov.<> (procgov.amount, procgov.amount) IS 'not equal';
COMMENT ON OPERATOR procgov.< (procgov.amount, procgov.amount) IS 'less than (one currency only)';
COMMENT ON OPERATOR procgov.<= (procgov.amount, procgov.amount) IS 'less than or equal (one currency only)';
COMMENT ON OPERATOR procgov.> (procgov.amount, procgov.amount) IS 'greater than (one currency only)';
COMMENT ON OPERATOR procgov.>= (procgov.amount, procgov.amount) IS 'greater than or equal (one currency only)';

-- the total order: what the btree operator class, sorting, merge joins and
-- range scans use; < and friends stay out of it, since they raise across
-- currencies and an index scan could not
CREATE OPERATOR procgov.~<~ (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_total_lt, COMMUTATOR = OPERATOR(procgov.~>~), NEGATOR = OPERATOR(procgov.~>=~),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR procgov.~<=~ (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_total_le, COMMUTATOR = OPERATOR(procgov.~>=~), NEGATOR = OPERATOR(procgov.~>~),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR procgov.~>~ (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_total_gt, COMMUTATOR = OPERATOR(procgov.~<~), NEGATOR = OPERATOR(procgov.~<=~),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR procgov.~>=~ (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_total_ge, COMMUTATOR = OPERATOR(procgov.~<=~), NEGATOR = OPERATOR(procgov.~<~),
	RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR procgov.~<~ (procgov.amount, procgov.amount) IS 'before in the total order (currency code, then value); never raises';
COMMENT ON OPERATOR procgov.~<=~ (procgov.amount, procgov.amount) IS 'before or equal in the total order (currency code, then value); never raises';
COMMENT ON OPERATOR procgov.~>~ (procgov.amount, procgov.amount) IS 'after in the total order (currency code, then value); never raises';
COMMENT ON OPERATOR procgov.~>=~ (procgov.amount, procgov.amount) IS 'after or equal in the total order (currency code, then value); never raises';

CREATE OPERATOR CLASS procgov.amount_ops DEFAULT FOR TYPE procgov.amount USING btree AS
	OPERATOR 1 procgov.~<~,
	OPERATOR 2 procgov.~<=~,
	OPERATOR 3 procgov.=,
	OPERATOR 4 procgov.~>=~,
	OPERATOR 5 procgov.~>~,
	FUNCTION 1 procgov.amount_cmp(procgov.amount, procgov.amount);
COMMENT ON OPERATOR CLASS procgov.amount_ops USING btree IS 'btree order for procgov.amount: by currency code, then value';

CREATE OPERATOR CLASS procgov.amount_hash_ops DEFAULT FOR TYPE procgov.amount USING hash AS
	OPERATOR 1 procgov.=,
	FUNCTION 1 procgov.amount_hash(procgov.amount),
	FUNCTION 2 procgov.amount_hash_extended(procgov.amount, bigint);
COMMENT ON OPERATOR CLASS procgov.amount_hash_ops USING hash IS 'hash equality for procgov.amount';

-- aggregates -------------------------------------------------------------

CREATE FUNCTION procgov.amount_sum_accum(procgov.amount, procgov.amount) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_sum_accum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_smaller(procgov.amount, procgov.amount) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_larger(procgov.amount, procgov.amount) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_avg_accum(internal, procgov.amount) RETURNS internal
	AS 'MODULE_PATHNAME', 'amount_avg_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION procgov.amount_avg_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'amount_avg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION procgov.amount_avg_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'amount_avg_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_avg_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'amount_avg_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.amount_avg_final(internal) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'amount_avg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.amount_sum_accum(procgov.amount, procgov.amount) IS 'transition and combine function of sum(procgov.amount)';
COMMENT ON FUNCTION procgov.amount_smaller(procgov.amount, procgov.amount) IS 'the smaller of two amounts of one currency (min transition)';
COMMENT ON FUNCTION procgov.amount_larger(procgov.amount, procgov.amount) IS 'the larger of two amounts of one currency (max transition)';
COMMENT ON FUNCTION procgov.amount_avg_accum(internal, procgov.amount) IS 'transition function of avg(procgov.amount)';
COMMENT ON FUNCTION procgov.amount_avg_combine(internal, internal) IS 'combine function of avg(procgov.amount)';
COMMENT ON FUNCTION procgov.amount_avg_serialize(internal) IS 'serialise the avg(procgov.amount) state for parallel aggregation';
COMMENT ON FUNCTION procgov.amount_avg_deserialize(bytea, internal) IS 'deserialise the avg(procgov.amount) state for parallel aggregation';
COMMENT ON FUNCTION procgov.amount_avg_final(internal) IS 'final function of avg(procgov.amount)';

CREATE AGGREGATE procgov.sum(procgov.amount) (
	SFUNC = procgov.amount_sum_accum, STYPE = procgov.amount,
	COMBINEFUNC = procgov.amount_sum_accum, PARALLEL = SAFE);
CREATE AGGREGATE procgov.min(procgov.amount) (
	SFUNC = procgov.amount_smaller, STYPE = procgov.amount,
	COMBINEFUNC = procgov.amount_smaller, PARALLEL = SAFE);
CREATE AGGREGATE procgov.max(procgov.amount) (
	SFUNC = procgov.amount_larger, STYPE = procgov.amount,
	COMBINEFUNC = procgov.amount_larger, PARALLEL = SAFE);
CREATE AGGREGATE procgov.avg(procgov.amount) (
	SFUNC = procgov.amount_avg_accum, STYPE = internal, SSPACE = 24,
	FINALFUNC = procgov.amount_avg_final,
	COMBINEFUNC = procgov.amount_avg_combine,
	SERIALFUNC = procgov.amount_avg_serialize, DESERIALFUNC = procgov.amount_avg_deserialize,
	PARALLEL = SAFE);
COMMENT ON AGGREGATE procgov.sum(procgov.amount) IS 'total of amounts in one currency; mixed currencies are an error naming both';
COMMENT ON AGGREGATE procgov.min(procgov.amount) IS 'smallest amount of one currency; mixed currencies are an error';
COMMENT ON AGGREGATE procgov.max(procgov.amount) IS 'largest amount of one currency; mixed currencies are an error';
COMMENT ON AGGREGATE procgov.avg(procgov.amount) IS 'mean of amounts in one currency, rounded half away from zero to 4 decimals';
-- END amount

-- BEGIN tolerance
-- ===================================================================
-- procgov.tolerance, procgov.amountrange and the tolerance band
-- ===================================================================

CREATE TYPE procgov.tolerance;

CREATE FUNCTION procgov.tolerance_in(cstring) RETURNS procgov.tolerance
	AS 'MODULE_PATHNAME', 'tolerance_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.tolerance_out(procgov.tolerance) RETURNS cstring
	AS 'MODULE_PATHNAME', 'tolerance_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.tolerance_recv(internal) RETURNS procgov.tolerance
	AS 'MODULE_PATHNAME', 'tolerance_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.tolerance_send(procgov.tolerance) RETURNS bytea
	AS 'MODULE_PATHNAME', 'tolerance_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE procgov.tolerance (
	INPUT = procgov.tolerance_in,
	OUTPUT = procgov.tolerance_out,
	RECEIVE = procgov.tolerance_recv,
	SEND = procgov.tolerance_send,
	INTERNALLENGTH = 16,
	ALIGNMENT = double,
	STORAGE = plain
);
COMMENT ON FUNCTION procgov.tolerance_in(cstring) IS 'text input for procgov.tolerance';
COMMENT ON FUNCTION procgov.tolerance_out(procgov.tolerance) IS 'text output for procgov.tolerance, in canonical form';
COMMENT ON FUNCTION procgov.tolerance_recv(internal) IS 'binary input for procgov.tolerance (its canonical text)';
COMMENT ON FUNCTION procgov.tolerance_send(procgov.tolerance) IS 'binary output for procgov.tolerance (its canonical text)';
COMMENT ON TYPE procgov.tolerance IS 'match tolerance: ''0'' (exact), ''2%'', ''5.00 USD'', ''2% or 5.00 USD'' (the looser), ''2% and 5.00 USD'' (the stricter)';

CREATE FUNCTION procgov.tolerance_eq(procgov.tolerance, procgov.tolerance) RETURNS boolean
	AS 'MODULE_PATHNAME', 'tolerance_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.tolerance_ne(procgov.tolerance, procgov.tolerance) RETURNS boolean
	AS 'MODULE_PATHNAME', 'tolerance_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.tolerance_hash(procgov.tolerance) RETURNS integer
	AS 'MODULE_PATHNAME', 'tolerance_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.tolerance_hash_extended(procgov.tolerance, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'tolerance_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION procgov.tolerance_eq(procgov.tolerance, procgov.tolerance) IS 'implementation of = for tolerances (same rule, same figures)';
COMMENT ON FUNCTION procgov.tolerance_ne(procgov.tolerance, procgov.tolerance) IS 'implementation of <> for tolerances';
COMMENT ON FUNCTION procgov.tolerance_hash(procgov.tolerance) IS 'hash support for procgov.tolerance';
COMMENT ON FUNCTION procgov.tolerance_hash_extended(procgov.tolerance, bigint) IS 'extended (64-bit, seeded) hash support for procgov.tolerance';

CREATE OPERATOR procgov.= (LEFTARG = procgov.tolerance, RIGHTARG = procgov.tolerance,
	FUNCTION = procgov.tolerance_eq, COMMUTATOR = OPERATOR(procgov.=), NEGATOR = OPERATOR(procgov.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES);
CREATE OPERATOR procgov.<> (LEFTARG = procgov.tolerance, RIGHTARG = procgov.tolerance,
	FUNCTION = procgov.tolerance_ne, COMMUTATOR = OPERATOR(procgov.<>), NEGATOR = OPERATOR(procgov.=),
	RESTRICT = neqsel, JOIN = neqjoinsel);
COMMENT ON OPERATOR procgov.= (procgov.tolerance, procgov.tolerance) IS 'same tolerance rule with the same figures';
COMMENT ON OPERATOR procgov.<> (procgov.tolerance, procgov.tolerance) IS 'different tolerance rules or figures';

CREATE OPERATOR CLASS procgov.tolerance_hash_ops DEFAULT FOR TYPE procgov.tolerance USING hash AS
	OPERATOR 1 procgov.=,
	FUNCTION 1 procgov.tolerance_hash(procgov.tolerance),
	FUNCTION 2 procgov.tolerance_hash_extended(procgov.tolerance, bigint);
COMMENT ON OPERATOR CLASS procgov.tolerance_hash_ops USING hash IS 'hash equality for procgov.tolerance (tolerances have no useful order)';

CREATE FUNCTION procgov.amount_subdiff(procgov.amount, procgov.amount) RETURNS double precision
	AS 'MODULE_PATHNAME', 'amount_subdiff' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.amount_subdiff(procgov.amount, procgov.amount) IS 'distance between two amounts, for GiST penalties on procgov.amountrange';

CREATE TYPE procgov.amountrange;
CREATE FUNCTION procgov.amountrange_canonical(procgov.amountrange) RETURNS procgov.amountrange
	AS 'MODULE_PATHNAME', 'amountrange_canonical' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE procgov.amountrange AS RANGE (
	SUBTYPE = procgov.amount,
	SUBTYPE_OPCLASS = procgov.amount_ops,
	SUBTYPE_DIFF = procgov.amount_subdiff,
	CANONICAL = procgov.amountrange_canonical
);
COMMENT ON TYPE procgov.amountrange IS 'range of procgov.amount values in one currency; GiST-indexable (see procgov.band)';
COMMENT ON FUNCTION procgov.amountrange_canonical(procgov.amountrange) IS 'canonical form of an amountrange: a bound left open becomes the other bound''s currency''s limit, so that the range holds no other currency';

CREATE FUNCTION procgov.within(actual procgov.amount, expected procgov.amount, tol procgov.tolerance) RETURNS boolean
	AS 'MODULE_PATHNAME', 'tolerance_within_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.within(procgov.amount, procgov.amount, procgov.tolerance) IS 'true when actual differs from expected by no more than the tolerance allows (same currency required)';

CREATE FUNCTION procgov.allowance(expected procgov.amount, tol procgov.tolerance) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'tolerance_allowance_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.allowance(procgov.amount, procgov.tolerance) IS 'the largest deviation from expected that the tolerance allows';

CREATE FUNCTION procgov.band(expected procgov.amount, tol procgov.tolerance) RETURNS procgov.amountrange
	AS 'MODULE_PATHNAME', 'tolerance_band_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.band(procgov.amount, procgov.tolerance) IS 'the closed range of amounts within tolerance of expected; index it with GiST and query with band(expected, tol) @> actual';
-- END tolerance

-- BEGIN identifiers
-- ===================================================================
-- procgov.iban: International Bank Account Number (ISO 13616)
-- ===================================================================

CREATE TYPE procgov.iban;

CREATE FUNCTION procgov.iban_in(cstring) RETURNS procgov.iban
	AS 'MODULE_PATHNAME', 'iban_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.iban_out(procgov.iban) RETURNS cstring
	AS 'MODULE_PATHNAME', 'iban_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.iban_recv(internal) RETURNS procgov.iban
	AS 'MODULE_PATHNAME', 'iban_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.iban_send(procgov.iban) RETURNS bytea
	AS 'MODULE_PATHNAME', 'iban_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE procgov.iban (
	INPUT = procgov.iban_in,
	OUTPUT = procgov.iban_out,
	RECEIVE = procgov.iban_recv,
	SEND = procgov.iban_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = extended
);
COMMENT ON TYPE procgov.iban IS 'International Bank Account Number (ISO 13616): registry country, length, check digits and mod-97 checksum verified; stored and printed in electronic form (''DE89370400440532013000'')';
COMMENT ON FUNCTION procgov.iban_in(cstring) IS 'text input of procgov.iban: blanks and lower case accepted, normalised to the electronic form';
COMMENT ON FUNCTION procgov.iban_out(procgov.iban) IS 'text output of procgov.iban: the electronic form, no blanks';
COMMENT ON FUNCTION procgov.iban_recv(internal) IS 'binary input of procgov.iban: text, validated like text input';
COMMENT ON FUNCTION procgov.iban_send(procgov.iban) IS 'binary output of procgov.iban: the electronic form as text';

CREATE FUNCTION procgov.iban(text) RETURNS procgov.iban
	AS 'MODULE_PATHNAME', 'iban_from_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.iban(text) IS 'validate and normalise an IBAN given as text (the text to procgov.iban cast)';

CREATE FUNCTION procgov.iban_country(procgov.iban) RETURNS text
	AS 'MODULE_PATHNAME', 'iban_country' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.iban_country(procgov.iban) IS 'the two-letter ISO 3166 country code the IBAN starts with';

CREATE FUNCTION procgov.iban_format(procgov.iban) RETURNS text
	AS 'MODULE_PATHNAME', 'iban_format' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.iban_format(procgov.iban) IS 'the IBAN''s print form: groups of four characters separated by one space';

CREATE CAST (text AS procgov.iban) WITH FUNCTION procgov.iban(text) AS ASSIGNMENT;
CREATE CAST (procgov.iban AS text) WITHOUT FUNCTION AS ASSIGNMENT;
COMMENT ON CAST (text AS procgov.iban) IS 'validates and normalises like text input';
COMMENT ON CAST (procgov.iban AS text) IS 'the electronic form; binary coercible';

-- comparison (byte order of the electronic form, as text under COLLATE "C")

CREATE FUNCTION procgov.iban_eq(procgov.iban, procgov.iban) RETURNS boolean
	AS 'MODULE_PATHNAME', 'iban_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.iban_ne(procgov.iban, procgov.iban) RETURNS boolean
	AS 'MODULE_PATHNAME', 'iban_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.iban_lt(procgov.iban, procgov.iban) RETURNS boolean
	AS 'MODULE_PATHNAME', 'iban_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.iban_le(procgov.iban, procgov.iban) RETURNS boolean
	AS 'MODULE_PATHNAME', 'iban_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.iban_gt(procgov.iban, procgov.iban) RETURNS boolean
	AS 'MODULE_PATHNAME', 'iban_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.iban_ge(procgov.iban, procgov.iban) RETURNS boolean
	AS 'MODULE_PATHNAME', 'iban_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.iban_cmp(procgov.iban, procgov.iban) RETURNS integer
	AS 'MODULE_PATHNAME', 'iban_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.iban_hash(procgov.iban) RETURNS integer
	AS 'MODULE_PATHNAME', 'iban_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.iban_hash_extended(procgov.iban, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'iban_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION procgov.iban_eq(procgov.iban, procgov.iban) IS 'implementation of = for procgov.iban';
COMMENT ON FUNCTION procgov.iban_ne(procgov.iban, procgov.iban) IS 'implementation of <> for procgov.iban';
COMMENT ON FUNCTION procgov.iban_lt(procgov.iban, procgov.iban) IS 'implementation of < for procgov.iban';
COMMENT ON FUNCTION procgov.iban_le(procgov.iban, procgov.iban) IS 'implementation of <= for procgov.iban';
COMMENT ON FUNCTION procgov.iban_gt(procgov.iban, procgov.iban) IS 'implementation of > for procgov.iban';
COMMENT ON FUNCTION procgov.iban_ge(procgov.iban, procgov.iban) IS 'implementation of >= for procgov.iban';
COMMENT ON FUNCTION procgov.iban_cmp(procgov.iban, procgov.iban) IS 'btree support: byte order of the electronic form';
COMMENT ON FUNCTION procgov.iban_hash(procgov.iban) IS 'hash support for procgov.iban';
COMMENT ON FUNCTION procgov.iban_hash_extended(procgov.iban, bigint) IS 'extended (64-bit, seeded) hash support for procgov.iban';

CREATE OPERATOR procgov.= (LEFTARG = procgov.iban, RIGHTARG = procgov.iban,
	FUNCTION = procgov.iban_eq, COMMUTATOR = OPERATOR(procgov.=), NEGATOR = OPERATOR(procgov.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR procgov.<> (LEFTARG = procgov.iban, RIGHTARG = procgov.iban,
	FUNCTION = procgov.iban_ne, COMMUTATOR = OPERATOR(procgov.<>), NEGATOR = OPERATOR(procgov.=),
	RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR procgov.< (LEFTARG = procgov.iban, RIGHTARG = procgov.iban,
	FUNCTION = procgov.iban_lt, COMMUTATOR = OPERATOR(procgov.>), NEGATOR = OPERATOR(procgov.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR procgov.<= (LEFTARG = procgov.iban, RIGHTARG = procgov.iban,
	FUNCTION = procgov.iban_le, COMMUTATOR = OPERATOR(procgov.>=), NEGATOR = OPERATOR(procgov.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR procgov.> (LEFTARG = procgov.iban, RIGHTARG = procgov.iban,
	FUNCTION = procgov.iban_gt, COMMUTATOR = OPERATOR(procgov.<), NEGATOR = OPERATOR(procgov.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR procgov.>= (LEFTARG = procgov.iban, RIGHTARG = procgov.iban,
	FUNCTION = procgov.iban_ge, COMMUTATOR = OPERATOR(procgov.<=), NEGATOR = OPERATOR(procgov.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR procgov.= (procgov.iban, procgov.iban) IS 'equal: same electronic form';
COMMENT ON OPERATOR procgov.<> (procgov.iban, procgov.iban) IS 'not equal';
COMMENT ON OPERATOR procgov.< (procgov.iban, procgov.iban) IS 'less than, in byte order of the electronic form';
COMMENT ON OPERATOR procgov.<= (procgov.iban, procgov.iban) IS 'less than or equal, in byte order of the electronic form';
COMMENT ON OPERATOR procgov.> (procgov.iban, procgov.iban) IS 'greater than, in byte order of the electronic form';
COMMENT ON OPERATOR procgov.>= (procgov.iban, procgov.iban) IS 'greater than or equal, in byte order of the electronic form';

CREATE OPERATOR CLASS procgov.iban_ops DEFAULT FOR TYPE procgov.iban USING btree AS
	OPERATOR 1 procgov.<,
	OPERATOR 2 procgov.<=,
	OPERATOR 3 procgov.=,
	OPERATOR 4 procgov.>=,
	OPERATOR 5 procgov.>,
	FUNCTION 1 procgov.iban_cmp(procgov.iban, procgov.iban);
COMMENT ON OPERATOR CLASS procgov.iban_ops USING btree IS 'btree order for procgov.iban: byte order of the electronic form (country first)';

CREATE OPERATOR CLASS procgov.iban_hash_ops DEFAULT FOR TYPE procgov.iban USING hash AS
	OPERATOR 1 procgov.=,
	FUNCTION 1 procgov.iban_hash(procgov.iban),
	FUNCTION 2 procgov.iban_hash_extended(procgov.iban, bigint);
COMMENT ON OPERATOR CLASS procgov.iban_hash_ops USING hash IS 'hash equality for procgov.iban';

-- ===================================================================
-- procgov.gtin: GS1 Global Trade Item Number (GTIN-8, -12, -13, -14)
-- ===================================================================

CREATE TYPE procgov.gtin;

CREATE FUNCTION procgov.gtin_in(cstring) RETURNS procgov.gtin
	AS 'MODULE_PATHNAME', 'gtin_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.gtin_out(procgov.gtin) RETURNS cstring
	AS 'MODULE_PATHNAME', 'gtin_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.gtin_recv(internal) RETURNS procgov.gtin
	AS 'MODULE_PATHNAME', 'gtin_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION procgov.gtin_send(procgov.gtin) RETURNS bytea
	AS 'MODULE_PATHNAME', 'gtin_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE procgov.gtin (
	INPUT = procgov.gtin_in,
	OUTPUT = procgov.gtin_out,
	RECEIVE = procgov.gtin_recv,
	SEND = procgov.gtin_send,
	LIKE = pg_catalog.int8
);
COMMENT ON TYPE procgov.gtin IS 'GS1 Global Trade Item Number: GTIN-8, -12 (UPC-A), -13 (EAN) or -14 with a verified check digit; stored as 8 bytes, printed as 14 digits';
COMMENT ON FUNCTION procgov.gtin_in(cstring) IS 'text input of procgov.gtin: 8, 12, 13 or 14 digits, blanks or hyphens between digits accepted';
COMMENT ON FUNCTION procgov.gtin_out(procgov.gtin) IS 'text output of procgov.gtin: exactly 14 digits';
COMMENT ON FUNCTION procgov.gtin_recv(internal) IS 'binary input of procgov.gtin: an int8, checked for range and check digit';
COMMENT ON FUNCTION procgov.gtin_send(procgov.gtin) IS 'binary output of procgov.gtin: an int8';

CREATE FUNCTION procgov.gtin(bigint) RETURNS procgov.gtin
	AS 'MODULE_PATHNAME', 'gtin_from_int8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.gtin(bigint) IS 'a GTIN from the number its 14-digit form spells, check digit verified (the bigint to procgov.gtin cast)';
CREATE FUNCTION procgov.gtin(text) RETURNS procgov.gtin
	AS 'MODULE_PATHNAME', 'gtin_from_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.gtin(text) IS 'validate a GTIN given as text (the text to procgov.gtin cast)';

CREATE FUNCTION procgov.gtin_format(procgov.gtin, integer) RETURNS text
	AS 'MODULE_PATHNAME', 'gtin_format_sql' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.gtin_format(procgov.gtin, integer) IS 'the GTIN written with 8, 12, 13 or 14 digits; NULL when a dropped leading digit is not zero';
CREATE FUNCTION procgov.gtin13(procgov.gtin) RETURNS text
	AS 'MODULE_PATHNAME', 'gtin13' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.gtin13(procgov.gtin) IS 'the 13-digit (EAN-13) form; NULL for a GTIN-14 whose first digit is not zero';

CREATE CAST (bigint AS procgov.gtin) WITH FUNCTION procgov.gtin(bigint) AS ASSIGNMENT;
CREATE CAST (procgov.gtin AS bigint) WITHOUT FUNCTION AS ASSIGNMENT;
CREATE CAST (text AS procgov.gtin) WITH FUNCTION procgov.gtin(text) AS ASSIGNMENT;
CREATE CAST (procgov.gtin AS text) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (bigint AS procgov.gtin) IS 'range and check digit verified';
COMMENT ON CAST (procgov.gtin AS bigint) IS 'the number the 14-digit form spells; binary coercible';
COMMENT ON CAST (text AS procgov.gtin) IS 'validates like text input';
COMMENT ON CAST (procgov.gtin AS text) IS 'the 14-digit form';

-- comparison (numeric order, which is the order of the 14-digit forms)

CREATE FUNCTION procgov.gtin_eq(procgov.gtin, procgov.gtin) RETURNS boolean
	AS 'MODULE_PATHNAME', 'gtin_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.gtin_ne(procgov.gtin, procgov.gtin) RETURNS boolean
	AS 'MODULE_PATHNAME', 'gtin_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.gtin_lt(procgov.gtin, procgov.gtin) RETURNS boolean
	AS 'MODULE_PATHNAME', 'gtin_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.gtin_le(procgov.gtin, procgov.gtin) RETURNS boolean
	AS 'MODULE_PATHNAME', 'gtin_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.gtin_gt(procgov.gtin, procgov.gtin) RETURNS boolean
	AS 'MODULE_PATHNAME', 'gtin_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.gtin_ge(procgov.gtin, procgov.gtin) RETURNS boolean
	AS 'MODULE_PATHNAME', 'gtin_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.gtin_cmp(procgov.gtin, procgov.gtin) RETURNS integer
	AS 'MODULE_PATHNAME', 'gtin_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.gtin_hash(procgov.gtin) RETURNS integer
	AS 'MODULE_PATHNAME', 'gtin_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION procgov.gtin_hash_extended(procgov.gtin, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'gtin_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION procgov.gtin_eq(procgov.gtin, procgov.gtin) IS 'implementation of = for procgov.gtin';
COMMENT ON FUNCTION procgov.gtin_ne(procgov.gtin, procgov.gtin) IS 'implementation of <> for procgov.gtin';
COMMENT ON FUNCTION procgov.gtin_lt(procgov.gtin, procgov.gtin) IS 'implementation of < for procgov.gtin';
COMMENT ON FUNCTION procgov.gtin_le(procgov.gtin, procgov.gtin) IS 'implementation of <= for procgov.gtin';
COMMENT ON FUNCTION procgov.gtin_gt(procgov.gtin, procgov.gtin) IS 'implementation of > for procgov.gtin';
COMMENT ON FUNCTION procgov.gtin_ge(procgov.gtin, procgov.gtin) IS 'implementation of >= for procgov.gtin';
COMMENT ON FUNCTION procgov.gtin_cmp(procgov.gtin, procgov.gtin) IS 'btree support: numeric order of the 14-digit form';
COMMENT ON FUNCTION procgov.gtin_hash(procgov.gtin) IS 'hash support for procgov.gtin';
COMMENT ON FUNCTION procgov.gtin_hash_extended(procgov.gtin, bigint) IS 'extended (64-bit, seeded) hash support for procgov.gtin';

CREATE OPERATOR procgov.= (LEFTARG = procgov.gtin, RIGHTARG = procgov.gtin,
	FUNCTION = procgov.gtin_eq, COMMUTATOR = OPERATOR(procgov.=), NEGATOR = OPERATOR(procgov.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR procgov.<> (LEFTARG = procgov.gtin, RIGHTARG = procgov.gtin,
	FUNCTION = procgov.gtin_ne, COMMUTATOR = OPERATOR(procgov.<>), NEGATOR = OPERATOR(procgov.=),
	RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR procgov.< (LEFTARG = procgov.gtin, RIGHTARG = procgov.gtin,
	FUNCTION = procgov.gtin_lt, COMMUTATOR = OPERATOR(procgov.>), NEGATOR = OPERATOR(procgov.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR procgov.<= (LEFTARG = procgov.gtin, RIGHTARG = procgov.gtin,
	FUNCTION = procgov.gtin_le, COMMUTATOR = OPERATOR(procgov.>=), NEGATOR = OPERATOR(procgov.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR procgov.> (LEFTARG = procgov.gtin, RIGHTARG = procgov.gtin,
	FUNCTION = procgov.gtin_gt, COMMUTATOR = OPERATOR(procgov.<), NEGATOR = OPERATOR(procgov.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR procgov.>= (LEFTARG = procgov.gtin, RIGHTARG = procgov.gtin,
	FUNCTION = procgov.gtin_ge, COMMUTATOR = OPERATOR(procgov.<=), NEGATOR = OPERATOR(procgov.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR procgov.= (procgov.gtin, procgov.gtin) IS 'equal: same 14-digit form';
COMMENT ON OPERATOR procgov.<> (procgov.gtin, procgov.gtin) IS 'not equal';
COMMENT ON OPERATOR procgov.< (procgov.gtin, procgov.gtin) IS 'less than, in order of the 14-digit forms';
COMMENT ON OPERATOR procgov.<= (procgov.gtin, procgov.gtin) IS 'less than or equal, in order of the 14-digit forms';
COMMENT ON OPERATOR procgov.> (procgov.gtin, procgov.gtin) IS 'greater than, in order of the 14-digit forms';
COMMENT ON OPERATOR procgov.>= (procgov.gtin, procgov.gtin) IS 'greater than or equal, in order of the 14-digit forms';

CREATE OPERATOR CLASS procgov.gtin_ops DEFAULT FOR TYPE procgov.gtin USING btree AS
	OPERATOR 1 procgov.<,
	OPERATOR 2 procgov.<=,
	OPERATOR 3 procgov.=,
	OPERATOR 4 procgov.>=,
	OPERATOR 5 procgov.>,
	FUNCTION 1 procgov.gtin_cmp(procgov.gtin, procgov.gtin);
COMMENT ON OPERATOR CLASS procgov.gtin_ops USING btree IS 'btree order for procgov.gtin: numeric order of the 14-digit form';

CREATE OPERATOR CLASS procgov.gtin_hash_ops DEFAULT FOR TYPE procgov.gtin USING hash AS
	OPERATOR 1 procgov.=,
	FUNCTION 1 procgov.gtin_hash(procgov.gtin),
	FUNCTION 2 procgov.gtin_hash_extended(procgov.gtin, bigint);
COMMENT ON OPERATOR CLASS procgov.gtin_hash_ops USING hash IS 'hash equality for procgov.gtin';
-- END identifiers

-- BEGIN roles
-- ===================================================================
-- procgov's roles.  Roles belong to the cluster, not to the extension:
-- they are created when missing and left in place by DROP EXTENSION.  A DBA
-- grants them to login roles (GRANT procgov_auditor TO audit_team).
-- ===================================================================

DO $roles$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['procgov_admin', 'procgov_requester', 'procgov_approver',
							 'procgov_receiver', 'procgov_auditor', 'procgov_reader',
							 'procgov_consumer', 'procgov_scorer', 'procgov_relay']
	LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
		END IF;
	END LOOP;
END
$roles$;

-- The schema holds the types every ERP table may use; what must be guarded
-- (tables, functions that write or reveal governance data) revokes PUBLIC
-- on its own and grants to these roles.
GRANT USAGE ON SCHEMA procgov TO PUBLIC;
-- END roles

-- BEGIN audit
-- ===================================================================
-- The audit ledger: append-only, hash-chained per stream, sealed in
-- Merkle blocks.  Hashing rules: src/audit_core.c and docs/audit.md.
-- ===================================================================

CREATE SEQUENCE procgov.audit_log_entry_id_seq AS bigint NO CYCLE CACHE 1;
COMMENT ON SEQUENCE procgov.audit_log_entry_id_seq IS 'entry ids of procgov.audit_log; CACHE must stay 1 so that sealing sees every id handed out';

CREATE TABLE procgov.audit_log (
	entry_id	bigint NOT NULL,
	stream		text COLLATE "C" NOT NULL,
	seq			bigint NOT NULL,
	logged_at	timestamptz NOT NULL,
	txid		xid8 NOT NULL,
	actor		text NOT NULL,
	db_user		text NOT NULL,
	action		text NOT NULL,
	payload		jsonb,
	reason		text,
	prev_hash	bytea NOT NULL,
	hash		bytea NOT NULL,
	CONSTRAINT audit_log_pkey PRIMARY KEY (entry_id),
	CONSTRAINT audit_log_stream_seq_key UNIQUE (stream, seq)
);
ALTER SEQUENCE procgov.audit_log_entry_id_seq OWNED BY procgov.audit_log.entry_id;
COMMENT ON TABLE procgov.audit_log IS 'the audit ledger: one append-only, hash-chained entry per governed change; written only by procgov.audit_append(), verified by procgov.verify_audit()';
COMMENT ON COLUMN procgov.audit_log.entry_id IS 'entry id, increasing in append order across all streams (ids of rolled-back appends are skipped)';
COMMENT ON COLUMN procgov.audit_log.stream IS 'what the entry is about, one chain per stream, e.g. purchase_order:ACME:PO-4711';
COMMENT ON COLUMN procgov.audit_log.seq IS 'position in the stream: 1, 2, 3 ... without gaps';
COMMENT ON COLUMN procgov.audit_log.logged_at IS 'clock time of the append';
COMMENT ON COLUMN procgov.audit_log.txid IS 'the appending transaction (xid8), to group entries made together';
COMMENT ON COLUMN procgov.audit_log.actor IS 'the acting end user: procgov.actor when the application set it, else the database user';
COMMENT ON COLUMN procgov.audit_log.db_user IS 'the database role that made the change (outside any SECURITY DEFINER function)';
COMMENT ON COLUMN procgov.audit_log.action IS 'what happened, e.g. submit, approve, transition, correction';
COMMENT ON COLUMN procgov.audit_log.payload IS 'before/after values or a diff, as jsonb';
COMMENT ON COLUMN procgov.audit_log.reason IS 'why, when the actor gave a reason';
COMMENT ON COLUMN procgov.audit_log.prev_hash IS 'hash of the previous entry of the same stream; 32 zero bytes for the first';
COMMENT ON COLUMN procgov.audit_log.hash IS 'SHA-256 over the entry''s canonical serialization, prev_hash included (docs/audit.md)';
-- no planner statistics for values nobody filters on by equality or range:
-- each autovacuum ANALYZE of the growing ledger then reads and sorts only
-- the columns queries select by (stream, time, actor, action)
ALTER TABLE procgov.audit_log ALTER COLUMN payload SET STATISTICS 0,
	ALTER COLUMN prev_hash SET STATISTICS 0, ALTER COLUMN hash SET STATISTICS 0;

CREATE TABLE procgov.audit_block (
	block_id		bigint NOT NULL,
	first_entry_id	bigint NOT NULL,
	last_entry_id	bigint NOT NULL,
	entry_count		bigint NOT NULL,
	merkle_root		bytea NOT NULL,
	leaves			bytea NOT NULL,
	sealed_at		timestamptz NOT NULL,
	sealed_by		text NOT NULL,
	prev_hash		bytea NOT NULL,
	hash			bytea NOT NULL,
	CONSTRAINT audit_block_pkey PRIMARY KEY (block_id)
);
ALTER TABLE procgov.audit_block ALTER COLUMN leaves SET STORAGE EXTERNAL;
COMMENT ON TABLE procgov.audit_block IS 'sealed blocks of the audit ledger: each covers an entry id range with the Merkle root of its entry hashes and chains to the block before';
COMMENT ON COLUMN procgov.audit_block.block_id IS 'block number: 1, 2, 3 ... without gaps';
COMMENT ON COLUMN procgov.audit_block.first_entry_id IS 'lowest entry id the block covers (the previous block''s last_entry_id + 1)';
COMMENT ON COLUMN procgov.audit_block.last_entry_id IS 'highest entry id the block covers';
COMMENT ON COLUMN procgov.audit_block.entry_count IS 'entries in the range at sealing time (ids of rolled-back appends have none)';
COMMENT ON COLUMN procgov.audit_block.merkle_root IS 'Merkle root (RFC 6962 shape) of the entry hashes in entry id order';
COMMENT ON COLUMN procgov.audit_block.leaves IS 'the entry hashes in entry id order, 32 bytes each: lets verification name the very entry that changed';
COMMENT ON COLUMN procgov.audit_block.sealed_at IS 'clock time of sealing';
COMMENT ON COLUMN procgov.audit_block.sealed_by IS 'who sealed: procgov.actor, else the database user';
COMMENT ON COLUMN procgov.audit_block.prev_hash IS 'hash of the previous block; 32 zero bytes for block 1';
COMMENT ON COLUMN procgov.audit_block.hash IS 'SHA-256 over the block''s canonical serialization (docs/audit.md); the newest one is the digest to keep outside the database';

-- keep the ledger in pg_dump output; a restore verifies like the original
SELECT pg_catalog.pg_extension_config_dump('procgov.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('procgov.audit_log_entry_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('procgov.audit_block', '');

-- immutability: UPDATE, DELETE and TRUNCATE are refused for every role
CREATE FUNCTION procgov.audit_refuse_change() RETURNS trigger
	AS 'MODULE_PATHNAME', 'audit_refuse_change' LANGUAGE C;
COMMENT ON FUNCTION procgov.audit_refuse_change() IS 'trigger: refuses UPDATE, DELETE and TRUNCATE on the audit ledger tables, for every role including superusers';

CREATE TRIGGER audit_log_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON procgov.audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.audit_refuse_change();
CREATE TRIGGER audit_block_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON procgov.audit_block
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.audit_refuse_change();
-- fire even with session_replication_role = replica
ALTER TABLE procgov.audit_log ENABLE ALWAYS TRIGGER audit_log_append_only;
ALTER TABLE procgov.audit_block ENABLE ALWAYS TRIGGER audit_block_append_only;

CREATE FUNCTION procgov.audit_append(stream text, action text, payload jsonb, reason text DEFAULT NULL)
	RETURNS bigint
	AS 'MODULE_PATHNAME', 'audit_append' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION procgov.audit_append(text, text, jsonb, text) IS 'append one entry to the audit ledger in the caller''s transaction and return its entry id';

CREATE FUNCTION procgov.seal_audit(max_block_entries integer DEFAULT 65536) RETURNS bigint
	AS 'MODULE_PATHNAME', 'seal_audit' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION procgov.seal_audit(integer) IS 'seal every entry not yet sealed into new blocks of at most max_block_entries entries; returns the newest block id, or NULL when there was nothing to seal';

CREATE FUNCTION procgov.audit_digest(
	OUT block_id bigint, OUT last_entry_id bigint, OUT sealed_at timestamptz,
	OUT hash text, OUT digest text)
	RETURNS record
	LANGUAGE sql STABLE PARALLEL SAFE
	AS $$
		SELECT b.block_id, b.last_entry_id, b.sealed_at, pg_catalog.encode(b.hash, 'hex'),
			   'procgov-audit:v1:' || b.block_id || ':' || pg_catalog.encode(b.hash, 'hex')
		  FROM procgov.audit_block b
		 ORDER BY b.block_id DESC
		 LIMIT 1
	$$;
COMMENT ON FUNCTION procgov.audit_digest() IS 'the newest sealed block''s hash and position; keep the digest text outside the database and check it later with procgov.verify_audit_digest()';

CREATE FUNCTION procgov.verify_audit(
	OUT problem text, OUT block_id bigint, OUT entry_id bigint, OUT stream text, OUT seq bigint,
	OUT expected text, OUT found text, OUT detail text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'verify_audit' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION procgov.verify_audit() IS 'recompute every entry hash, stream chain, block and Merkle root; one row per problem (changed, deleted, inserted, reordered), none when the ledger is intact';

CREATE FUNCTION procgov.verify_audit_digest(digest text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'verify_audit_digest' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.verify_audit_digest(text) IS 'true when a digest from procgov.audit_digest() still names a block of an intact block chain';

-- exports for procgov-verify, the auditor's check outside the database
CREATE VIEW procgov.audit_export AS
	SELECT l.entry_id, l.stream, l.seq,
		   pg_catalog.to_char(l.logged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS logged_at,
		   l.txid, l.actor, l.db_user, l.action, l.payload::text AS payload, l.reason,
		   pg_catalog.encode(l.prev_hash, 'hex') AS prev_hash, pg_catalog.encode(l.hash, 'hex') AS hash
	  FROM procgov.audit_log l;
COMMENT ON VIEW procgov.audit_export IS E'the ledger in the canonical text form procgov-verify reads: \\copy (SELECT * FROM procgov.audit_export ORDER BY entry_id) TO ''entries.tsv'' WITH (ENCODING ''UTF8'')';
COMMENT ON COLUMN procgov.audit_export.entry_id IS 'entry id';
COMMENT ON COLUMN procgov.audit_export.stream IS 'stream';
COMMENT ON COLUMN procgov.audit_export.seq IS 'position in the stream';
COMMENT ON COLUMN procgov.audit_export.logged_at IS 'append time, canonical UTC text as hashed';
COMMENT ON COLUMN procgov.audit_export.txid IS 'appending transaction';
COMMENT ON COLUMN procgov.audit_export.actor IS 'acting end user';
COMMENT ON COLUMN procgov.audit_export.db_user IS 'database role';
COMMENT ON COLUMN procgov.audit_export.action IS 'action';
COMMENT ON COLUMN procgov.audit_export.payload IS 'payload, jsonb text form as hashed';
COMMENT ON COLUMN procgov.audit_export.reason IS 'reason';
COMMENT ON COLUMN procgov.audit_export.prev_hash IS 'previous entry''s hash, hex';
COMMENT ON COLUMN procgov.audit_export.hash IS 'entry hash, hex';

CREATE VIEW procgov.audit_block_export AS
	SELECT b.block_id, b.first_entry_id, b.last_entry_id, b.entry_count,
		   pg_catalog.encode(b.merkle_root, 'hex') AS merkle_root,
		   pg_catalog.encode(b.leaves, 'hex') AS leaves,
		   pg_catalog.to_char(b.sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sealed_at,
		   b.sealed_by,
		   pg_catalog.encode(b.prev_hash, 'hex') AS prev_hash, pg_catalog.encode(b.hash, 'hex') AS hash
	  FROM procgov.audit_block b;
COMMENT ON VIEW procgov.audit_block_export IS E'sealed blocks in the canonical text form procgov-verify reads: \\copy (SELECT * FROM procgov.audit_block_export ORDER BY block_id) TO ''blocks.tsv'' WITH (ENCODING ''UTF8'')';
COMMENT ON COLUMN procgov.audit_block_export.block_id IS 'block number';
COMMENT ON COLUMN procgov.audit_block_export.first_entry_id IS 'lowest entry id covered';
COMMENT ON COLUMN procgov.audit_block_export.last_entry_id IS 'highest entry id covered';
COMMENT ON COLUMN procgov.audit_block_export.entry_count IS 'entries sealed';
COMMENT ON COLUMN procgov.audit_block_export.merkle_root IS 'Merkle root, hex';
COMMENT ON COLUMN procgov.audit_block_export.leaves IS 'entry hashes in id order, hex';
COMMENT ON COLUMN procgov.audit_block_export.sealed_at IS 'sealing time, canonical UTC text as hashed';
COMMENT ON COLUMN procgov.audit_block_export.sealed_by IS 'who sealed';
COMMENT ON COLUMN procgov.audit_block_export.prev_hash IS 'previous block''s hash, hex';
COMMENT ON COLUMN procgov.audit_block_export.hash IS 'block hash, hex';

-- privileges: nobody writes the ledger but procgov's own functions
REVOKE ALL ON procgov.audit_log, procgov.audit_block, procgov.audit_export, procgov.audit_block_export FROM PUBLIC;
REVOKE ALL ON SEQUENCE procgov.audit_log_entry_id_seq FROM PUBLIC;
GRANT SELECT ON procgov.audit_log, procgov.audit_block, procgov.audit_export, procgov.audit_block_export
	TO procgov_auditor, procgov_admin;
REVOKE EXECUTE ON FUNCTION procgov.audit_append(text, text, jsonb, text), procgov.seal_audit(integer),
	procgov.audit_digest(), procgov.verify_audit(), procgov.verify_audit_digest(text),
	procgov.audit_refuse_change() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION procgov.audit_append(text, text, jsonb, text), procgov.seal_audit(integer)
	TO procgov_admin;
GRANT EXECUTE ON FUNCTION procgov.audit_digest(), procgov.verify_audit(), procgov.verify_audit_digest(text)
	TO procgov_auditor, procgov_admin;
-- END audit

-- BEGIN events
-- ===================================================================
-- Events: a durable outbox written in the emitting transaction, a small
-- NOTIFY on channel procgov_events at commit, and consumers that read the
-- outbox in batches of the transactions that committed between two
-- snapshots, so that none is ever skipped.  See docs/events.md.
-- ===================================================================

CREATE TABLE procgov.event_type (
	event_type		text COLLATE "C" NOT NULL,
	schema_version	integer NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
	description		text NOT NULL,
	builtin			boolean NOT NULL DEFAULT false,
	CONSTRAINT event_type_pkey PRIMARY KEY (event_type),
	CONSTRAINT event_type_name CHECK (event_type ~ '^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*)+$'),
	-- what procgov.emit() takes (src/events.c, EVENT_TYPE_MAX_LEN)
	CONSTRAINT event_type_length CHECK (octet_length(event_type) <= 63)
);
COMMENT ON TABLE procgov.event_type IS 'the event types procgov.emit() accepts; builtin rows ship with procgov, the others are a site''s own';
COMMENT ON COLUMN procgov.event_type.event_type IS 'dotted lower-case name, e.g. po.approved';
COMMENT ON COLUMN procgov.event_type.schema_version IS 'version of the payload shape; consumers branch on it';
COMMENT ON COLUMN procgov.event_type.description IS 'when the event is emitted and what its payload holds';
COMMENT ON COLUMN procgov.event_type.builtin IS 'true for the types procgov ships; false for a site''s own, which pg_dump keeps';

INSERT INTO procgov.event_type (event_type, description, builtin) VALUES
	('requisition.submitted', 'a requisition was submitted for approval', true),
	('approval.requested', 'an approval step was assigned to an approver', true),
	('approval.granted', 'an approver granted an approval step', true),
	('approval.rejected', 'an approver rejected an approval step', true),
	('approval.escalated', 'an overdue approval step went to its escalation target', true),
	('po.approved', 'a purchase order was approved', true),
	('po.transmitted', 'a purchase order was sent to the supplier', true),
	('po.acknowledged', 'the supplier acknowledged a purchase order', true),
	('po.changed', 'a material change was made to a purchase order', true),
	('receipt.posted', 'goods were received against a purchase order', true),
	('invoice.received', 'a supplier invoice was recorded', true),
	('match.completed', 'an invoice matched its order and receipts', true),
	('match.exception', 'an invoice line did not match within tolerance', true),
	('exception.opened', 'an exception case was opened', true),
	('exception.resolved', 'an exception case was resolved', true),
	('supplier.risk_changed', 'a supplier''s risk signal changed', true),
	('supplier.status_changed', 'a supplier was approved, put on hold, blocked or released', true),
	('supplier.bank_changed', 'a supplier''s bank account changed', true),
	('policy.activated', 'a policy version became active', true),
	('audit.sealed', 'audit ledger entries were sealed into a block', true);
SELECT pg_catalog.pg_extension_config_dump('procgov.event_type', 'WHERE NOT builtin');

CREATE FUNCTION procgov.config_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'config_changed' LANGUAGE C;
COMMENT ON FUNCTION procgov.config_changed() IS 'trigger on procgov''s rule tables (event types, transitions, guards, effects): makes every backend reload what it compiled from them';
CREATE TRIGGER event_type_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procgov.event_type
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.config_changed();

CREATE SEQUENCE procgov.outbox_id_seq AS bigint NO CYCLE;
COMMENT ON SEQUENCE procgov.outbox_id_seq IS 'event ids of procgov.outbox';

CREATE TABLE procgov.outbox (
	id					bigint NOT NULL,
	type				text COLLATE "C" NOT NULL,
	schema_version		integer NOT NULL,
	occurred_at			timestamptz NOT NULL,
	entity				text,
	aggregatetype		text NOT NULL,
	aggregateid			text NOT NULL,
	aggregate_version	bigint,
	correlation_id		uuid,
	causation_id		bigint,
	actor				text NOT NULL,
	payload				jsonb NOT NULL,
	txid				xid8 NOT NULL,
	relay				boolean NOT NULL DEFAULT false,
	CONSTRAINT outbox_pkey PRIMARY KEY (id)
);
ALTER SEQUENCE procgov.outbox_id_seq OWNED BY procgov.outbox.id;
-- transaction ids grow with the heap, so a BRIN index finds a batch's rows
-- and costs almost nothing at emit time (xid8 has no BRIN operator class;
-- its text form read as bigint is the same number)
CREATE INDEX outbox_txid_brin ON procgov.outbox USING brin (((txid::text)::bigint)) WITH (pages_per_range = 16);
COMMENT ON TABLE procgov.outbox IS 'durable outbox: one row per event, written in the emitting transaction; Debezium''s outbox event router reads id, aggregatetype, aggregateid, type and payload';
COMMENT ON COLUMN procgov.outbox.id IS 'event id, from a sequence: unique and increasing in emit order (not in commit order)';
COMMENT ON COLUMN procgov.outbox.type IS 'event type, one of procgov.event_type';
COMMENT ON COLUMN procgov.outbox.schema_version IS 'schema version of the payload, from procgov.event_type';
COMMENT ON COLUMN procgov.outbox.occurred_at IS 'clock time of the emit';
COMMENT ON COLUMN procgov.outbox.entity IS 'company / business unit the event belongs to, when known';
COMMENT ON COLUMN procgov.outbox.aggregatetype IS 'aggregate kind, e.g. purchase_order (Debezium routes on it)';
COMMENT ON COLUMN procgov.outbox.aggregateid IS 'aggregate id, e.g. ACME:PO-4711 (Debezium''s message key)';
COMMENT ON COLUMN procgov.outbox.aggregate_version IS 'version of the aggregate after the change, when known';
COMMENT ON COLUMN procgov.outbox.correlation_id IS 'groups the events of one business flow';
COMMENT ON COLUMN procgov.outbox.causation_id IS 'the event id that caused this one, when one did';
COMMENT ON COLUMN procgov.outbox.actor IS 'the acting end user: procgov.actor, else the database user';
COMMENT ON COLUMN procgov.outbox.payload IS 'the event''s data, whole, whatever its size';
-- as for the ledger's payload: no statistics on a column read whole, never filtered by value
ALTER TABLE procgov.outbox ALTER COLUMN payload SET STATISTICS 0;
COMMENT ON COLUMN procgov.outbox.relay IS 'true when the event was emitted under procgov.notify = relay: the notification relay announces it (procgov.relay_events()), its transaction did not';
COMMENT ON COLUMN procgov.outbox.txid IS 'the emitting transaction: consumers read events by the snapshots their transactions committed between';

CREATE TABLE procgov.consumer (
	consumer		text NOT NULL,
	retry_limit		integer NOT NULL DEFAULT 5 CHECK (retry_limit >= 1),
	lease			interval NOT NULL DEFAULT '30 seconds' CHECK (lease > '0'),
	done_snapshot	pg_snapshot NOT NULL,
	batch_snapshot	pg_snapshot,
	batch_first_id	bigint,
	batch_last_id	bigint,
	acked_id		bigint NOT NULL DEFAULT 0,
	claimed_id		bigint,
	claim_expires	timestamptz,
	claim_no		bigint NOT NULL DEFAULT 0,
	replay_snapshot	pg_snapshot,
	replay_from_id	bigint,
	failing_id		bigint,
	failures		integer NOT NULL DEFAULT 0,
	failure_errors	text[] NOT NULL DEFAULT '{}',
	delivered		bigint NOT NULL DEFAULT 0,
	acknowledged	bigint NOT NULL DEFAULT 0,
	dead_lettered	bigint NOT NULL DEFAULT 0,
	created_at		timestamptz NOT NULL DEFAULT now(),
	last_poll_at	timestamptz,
	last_ack_at		timestamptz,
	CONSTRAINT consumer_pkey PRIMARY KEY (consumer),
	CONSTRAINT consumer_name CHECK (consumer ~ '^[A-Za-z0-9_.:-]{1,100}$')
);
COMMENT ON TABLE procgov.consumer IS 'event consumers and their positions in the outbox, kept by register_consumer, poll, ack, nack and replay';
COMMENT ON COLUMN procgov.consumer.consumer IS 'consumer name, e.g. n8n-orders or erp-sync';
COMMENT ON COLUMN procgov.consumer.retry_limit IS 'failed deliveries (nack) of one event before it goes to procgov.dead_letter';
COMMENT ON COLUMN procgov.consumer.lease IS 'how long polled events stay claimed by one worker before they are handed out again';
COMMENT ON COLUMN procgov.consumer.done_snapshot IS 'every event whose transaction is visible in this snapshot has been delivered and acknowledged';
COMMENT ON COLUMN procgov.consumer.batch_snapshot IS 'the open batch: events whose transactions committed between done_snapshot and this snapshot';
COMMENT ON COLUMN procgov.consumer.batch_first_id IS 'lowest event id of the open batch';
COMMENT ON COLUMN procgov.consumer.batch_last_id IS 'highest event id of the open batch';
COMMENT ON COLUMN procgov.consumer.acked_id IS 'within the open batch or replay, every event up to this id is acknowledged';
COMMENT ON COLUMN procgov.consumer.claimed_id IS 'the last event handed to a worker and not yet acknowledged';
COMMENT ON COLUMN procgov.consumer.claim_expires IS 'when the claim lapses and its events are handed out again';
COMMENT ON COLUMN procgov.consumer.claim_no IS 'number of the last claim: poll returns it, ack and nack may pass it back so that a late worker''s acknowledgement of an older claim is refused';
COMMENT ON COLUMN procgov.consumer.replay_snapshot IS 'during a replay: the snapshot taken by replay(); its events are delivered, then batches continue from it';
COMMENT ON COLUMN procgov.consumer.replay_from_id IS 'during a replay: the first event id delivered again';
COMMENT ON COLUMN procgov.consumer.failing_id IS 'the event whose delivery failed last (nack)';
COMMENT ON COLUMN procgov.consumer.failures IS 'failed deliveries of failing_id so far';
COMMENT ON COLUMN procgov.consumer.failure_errors IS 'the errors reported with those failures';
COMMENT ON COLUMN procgov.consumer.delivered IS 'events handed out (redeliveries included)';
COMMENT ON COLUMN procgov.consumer.acknowledged IS 'events acknowledged';
COMMENT ON COLUMN procgov.consumer.dead_lettered IS 'events moved to procgov.dead_letter';
COMMENT ON COLUMN procgov.consumer.created_at IS 'when the consumer was registered';
COMMENT ON COLUMN procgov.consumer.last_poll_at IS 'last poll';
COMMENT ON COLUMN procgov.consumer.last_ack_at IS 'last acknowledgement';
SELECT pg_catalog.pg_extension_config_dump('procgov.consumer', '');

CREATE TABLE procgov.dead_letter (
	consumer		text NOT NULL,
	event_id		bigint NOT NULL,
	errors			text[] NOT NULL,
	failed_at		timestamptz NOT NULL DEFAULT now(),
	event			jsonb NOT NULL,
	CONSTRAINT dead_letter_pkey PRIMARY KEY (consumer, event_id)
);
COMMENT ON TABLE procgov.dead_letter IS 'events a consumer gave up on after its retry limit, with the errors it reported';
COMMENT ON COLUMN procgov.dead_letter.consumer IS 'the consumer that failed';
COMMENT ON COLUMN procgov.dead_letter.event_id IS 'the event';
COMMENT ON COLUMN procgov.dead_letter.errors IS 'the error of each failed delivery, oldest first';
COMMENT ON COLUMN procgov.dead_letter.failed_at IS 'when the event was given up';
COMMENT ON COLUMN procgov.dead_letter.event IS 'the event''s envelope, kept even after the outbox is pruned';
SELECT pg_catalog.pg_extension_config_dump('procgov.dead_letter', '');

-- ---- emitting ----

CREATE FUNCTION procgov.emit(event_type text, aggregate text, payload jsonb,
	correlation_id uuid DEFAULT NULL, causation_id bigint DEFAULT NULL,
	aggregate_version bigint DEFAULT NULL, entity text DEFAULT NULL)
	RETURNS bigint
	AS 'MODULE_PATHNAME', 'emit' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION procgov.emit(text, text, jsonb, uuid, bigint, bigint, text) IS 'write one event to procgov.outbox in the caller''s transaction (aggregate as kind:id) and notify procgov_events at commit; returns the event id';

CREATE FUNCTION procgov.envelope(e procgov.outbox) RETURNS jsonb
	LANGUAGE sql STABLE PARALLEL SAFE
	AS $$
		SELECT pg_catalog.jsonb_build_object(
			'id', e.id, 'type', e.type, 'schema_version', e.schema_version,
			'occurred_at', e.occurred_at, 'entity', e.entity,
			'aggregate', pg_catalog.jsonb_build_object('kind', e.aggregatetype, 'id', e.aggregateid,
													   'version', e.aggregate_version),
			'correlation_id', e.correlation_id, 'causation_id', e.causation_id,
			'actor', e.actor, 'payload', e.payload)
	$$;
COMMENT ON FUNCTION procgov.envelope(procgov.outbox) IS 'an event as its documented JSON envelope (docs/events.md)';

-- ---- consumers ----

-- the current snapshot, with this transaction itself counted as running:
-- pg_current_snapshot() leaves the caller's own transaction out of the
-- in-progress list, so events it emits later would look committed already.
-- It joins that list; the snapshot's upper bound stays, so a consumer's
-- position never moves back behind what it has acknowledged
CREATE FUNCTION procgov.consumer_snapshot() RETURNS pg_snapshot
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	snap pg_snapshot := pg_current_snapshot();
	me xid8 := pg_current_xact_id_if_assigned();
BEGIN
	IF me IS NOT NULL AND pg_visible_in_snapshot(me, snap) THEN
		snap := (least(pg_snapshot_xmin(snap), me)::text || ':' || pg_snapshot_xmax(snap)::text || ':' ||
				 (SELECT string_agg(x::text, ',' ORDER BY x)
					FROM (SELECT pg_snapshot_xip(snap) UNION SELECT me) AS s(x)))::pg_snapshot;
	END IF;
	RETURN snap;
END
$$;
COMMENT ON FUNCTION procgov.consumer_snapshot() IS 'the current snapshot with the calling transaction counted as still running (used by register_consumer, poll and replay)';

CREATE FUNCTION procgov.register_consumer(consumer text, from_beginning boolean DEFAULT false,
	retry_limit integer DEFAULT 5, lease interval DEFAULT '30 seconds')
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
BEGIN
	IF consumer IS NULL OR consumer !~ '^[A-Za-z0-9_.:-]{1,100}$' THEN
		RAISE EXCEPTION 'invalid consumer name: "%"', consumer
			USING ERRCODE = '22023',
				  DETAIL = 'A consumer name is 1 to 100 letters, digits, "_", ".", ":" or "-".',
				  HINT = 'Name the consumer after the system that reads the events, e.g. erp-sync.';
	END IF;
	IF retry_limit IS NULL OR retry_limit < 1 THEN
		RAISE EXCEPTION 'retry_limit must be at least 1'
			USING ERRCODE = '22023', DETAIL = format('retry_limit is %s.', coalesce(retry_limit::text, 'NULL')),
				  HINT = 'Give the number of failed deliveries after which an event goes to procgov.dead_letter.';
	END IF;
	IF lease IS NULL OR lease <= interval '0' THEN
		RAISE EXCEPTION 'lease must be positive'
			USING ERRCODE = '22023', DETAIL = format('lease is %s.', coalesce(lease::text, 'NULL')),
				  HINT = 'Give how long a worker may take over a polled batch, e.g. ''30 seconds''.';
	END IF;
	-- a prune waits for this registration to commit, so it sees the new consumer
	-- and keeps what the consumer has yet to read (registrations share the lock)
	PERFORM pg_advisory_xact_lock_shared(hashtext('procgov consumers'));
	INSERT INTO procgov.consumer (consumer, retry_limit, lease, done_snapshot)
	VALUES (register_consumer.consumer, register_consumer.retry_limit, register_consumer.lease,
			CASE WHEN from_beginning THEN '1:1:'::pg_snapshot ELSE procgov.consumer_snapshot() END);
EXCEPTION WHEN unique_violation THEN
	RAISE EXCEPTION 'consumer "%" already exists', consumer
		USING ERRCODE = '23505',
			  HINT = 'Pick another name, or drop the consumer with procgov.drop_consumer() first.';
END
$$;
COMMENT ON FUNCTION procgov.register_consumer(text, boolean, integer, interval) IS 'register an event consumer that reads from now on (or, with from_beginning, every event still kept), with its retry limit and lease';

CREATE FUNCTION procgov.drop_consumer(consumer text) RETURNS boolean
	LANGUAGE sql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
		WITH gone AS (DELETE FROM procgov.consumer c WHERE c.consumer = drop_consumer.consumer RETURNING 1)
		SELECT count(*) > 0 FROM gone
	$$;
COMMENT ON FUNCTION procgov.drop_consumer(text) IS 'forget an event consumer and its position (its dead letters stay); true if it existed';

-- lock a consumer's row; a clear error when there is none
CREATE FUNCTION procgov.consumer_for_update(name text) RETURNS procgov.consumer
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	c procgov.consumer;
BEGIN
	SELECT * INTO c FROM procgov.consumer k WHERE k.consumer = name FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'consumer "%" does not exist', name
			USING ERRCODE = '42704', HINT = 'Register it with procgov.register_consumer().';
	END IF;
	RETURN c;
END
$$;
COMMENT ON FUNCTION procgov.consumer_for_update(text) IS 'lock a consumer''s row for poll, ack, nack and replay (used by them)';

-- the first and last event id, and how many events, that committed between
-- two snapshots (with relayed_only, of those left to the notification relay)
CREATE FUNCTION procgov.events_between(since pg_snapshot, upto pg_snapshot, relayed_only boolean DEFAULT false,
	OUT first_id bigint, OUT last_id bigint, OUT events bigint)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
		-- the range condition on the txid's bigint form lets the BRIN index find the rows
		SELECT min(o.id), max(o.id), count(*)
		  FROM procgov.outbox o
		 WHERE (o.txid::text)::bigint >= (pg_catalog.pg_snapshot_xmin(since)::text)::bigint
		   AND (o.txid::text)::bigint < (pg_catalog.pg_snapshot_xmax(upto)::text)::bigint
		   AND NOT pg_catalog.pg_visible_in_snapshot(o.txid, since)
		   AND pg_catalog.pg_visible_in_snapshot(o.txid, upto)
		   AND (o.relay OR NOT relayed_only)
	$$;
COMMENT ON FUNCTION procgov.events_between(pg_snapshot, pg_snapshot, boolean) IS 'the lowest and highest event id whose transaction committed between two snapshots, and how many events did; with relayed_only, of the events left to the notification relay (used by poll, replay and relay_events)';

-- the events a consumer is to receive after an id, in delivery order
CREATE FUNCTION procgov.consumer_events(c procgov.consumer, after_id bigint, upto_id bigint, max integer)
	RETURNS SETOF procgov.outbox
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
		SELECT o.* FROM procgov.outbox o
		 WHERE o.id > after_id AND o.id <= upto_id
		   AND CASE WHEN c.replay_snapshot IS NOT NULL
					-- a replay: every committed event from replay_from_id on, and any not yet done
					THEN pg_catalog.pg_visible_in_snapshot(o.txid, c.replay_snapshot)
						 AND (o.id >= c.replay_from_id
							  OR NOT pg_catalog.pg_visible_in_snapshot(o.txid, c.done_snapshot))
					-- a batch: the events whose transactions committed between the two snapshots
					ELSE o.id <= c.batch_last_id
						 AND NOT pg_catalog.pg_visible_in_snapshot(o.txid, c.done_snapshot)
						 AND pg_catalog.pg_visible_in_snapshot(o.txid, c.batch_snapshot) END
		 ORDER BY o.id
		 LIMIT max
	$$;
COMMENT ON FUNCTION procgov.consumer_events(procgov.consumer, bigint, bigint, integer) IS 'the events of a consumer''s open batch or replay in an id range, in delivery order (used by poll, ack and nack)';

-- A restore from another cluster, noticed as it happens: the outbox rows and
-- consumer positions a restore brings whose transaction ids lie ahead of the
-- restoring transaction are the old cluster's (this table is not dumped: it
-- is about this cluster).  poll() refuses to read until rebase_events() has
-- translated them.
CREATE TABLE procgov.events_restored (
	restored_at	timestamptz NOT NULL DEFAULT now(),
	what		text NOT NULL CHECK (what IN ('outbox', 'consumer')),
	upto_id		bigint,
	consumer	text
);
COMMENT ON TABLE procgov.events_restored IS 'what a restore from another cluster brought into the outbox and the consumers, until procgov.rebase_events() translates it (not dumped)';
COMMENT ON COLUMN procgov.events_restored.restored_at IS 'when the restore inserted it';
COMMENT ON COLUMN procgov.events_restored.what IS 'outbox: events whose transaction ids are the old cluster''s; consumer: a restored consumer';
COMMENT ON COLUMN procgov.events_restored.upto_id IS 'outbox: the highest event id the restore inserted';
COMMENT ON COLUMN procgov.events_restored.consumer IS 'consumer: its name';
REVOKE ALL ON procgov.events_restored FROM PUBLIC;
GRANT SELECT ON procgov.events_restored TO procgov_admin, procgov_auditor;

-- the bound no transaction id of this cluster has reached: the next one to be
-- assigned, or past the caller's own (which the current snapshot leaves out)
CREATE FUNCTION procgov.xid_bound() RETURNS xid8
	LANGUAGE sql VOLATILE
	AS $$ SELECT greatest(pg_snapshot_xmax(pg_current_snapshot()),
						  ((pg_current_xact_id()::text)::bigint + 1)::text::xid8) $$;
COMMENT ON FUNCTION procgov.xid_bound() IS 'a transaction id this cluster has not reached: the current snapshot''s xmax, or one past the caller''s own id (assigns one)';

-- rows the statement inserted into the outbox (or consumer) table by SQL: only a
-- restore (or a hand) does, procgov writes its events directly
CREATE FUNCTION procgov.events_rows_restored() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	bound xid8 := procgov.xid_bound();
BEGIN
	IF TG_TABLE_NAME = 'outbox' THEN
		INSERT INTO procgov.events_restored (what, upto_id)
		SELECT 'outbox', max(n.id) FROM restored n HAVING bool_or(n.txid >= bound);
	ELSE
		-- (a restore runs in replica mode; a consumer procgov.register_consumer() makes
		-- has a position of this cluster)
		INSERT INTO procgov.events_restored (what, consumer)
		SELECT 'consumer', n.consumer FROM restored n
		 WHERE current_setting('session_replication_role') = 'replica'
			OR procgov.consumer_position_foreign(n, bound);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION procgov.events_rows_restored() IS 'trigger: notes in procgov.events_restored the outbox rows and consumers a restore from another cluster inserts';
CREATE TRIGGER outbox_restored AFTER INSERT ON procgov.outbox
	REFERENCING NEW TABLE AS restored FOR EACH STATEMENT EXECUTE FUNCTION procgov.events_rows_restored();
ALTER TABLE procgov.outbox ENABLE ALWAYS TRIGGER outbox_restored;
CREATE TRIGGER consumer_restored AFTER INSERT ON procgov.consumer
	REFERENCING NEW TABLE AS restored FOR EACH STATEMENT EXECUTE FUNCTION procgov.events_rows_restored();
ALTER TABLE procgov.consumer ENABLE ALWAYS TRIGGER consumer_restored;

-- whether a consumer's position was taken in another cluster (a restore): a
-- snapshot reaching beyond the transaction ids this cluster has had
CREATE FUNCTION procgov.consumer_position_foreign(c procgov.consumer, bound xid8) RETURNS boolean
	LANGUAGE sql STABLE
	AS $$
		SELECT pg_snapshot_xmax(c.done_snapshot) > bound
			OR coalesce(pg_snapshot_xmax(c.batch_snapshot) > bound, false)
			OR coalesce(pg_snapshot_xmax(c.replay_snapshot) > bound, false)
	$$;
COMMENT ON FUNCTION procgov.consumer_position_foreign(procgov.consumer, xid8) IS 'whether a consumer''s position was taken in another cluster, which a restore brought here (used by poll and rebase_events)';

CREATE FUNCTION procgov.poll(consumer text, max integer DEFAULT 100)
	RETURNS TABLE (id bigint, type text, aggregatetype text, aggregateid text,
				   occurred_at timestamptz, envelope jsonb, claim bigint)
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	c procgov.consumer;
	snap pg_snapshot;
	n bigint;
BEGIN
	IF max IS NULL OR max < 1 OR max > 100000 THEN
		RAISE EXCEPTION 'max must be between 1 and 100000'
			USING ERRCODE = '22023', DETAIL = format('max is %s.', coalesce(max::text, 'NULL')),
				  HINT = 'Poll a few hundred or thousand events at a time.';
	END IF;
	c := procgov.consumer_for_update(consumer);
	-- a position taken in another cluster (a restore) names transactions this one has not
	-- had yet: read against it, events would be skipped now and delivered again later
	IF EXISTS (SELECT FROM procgov.events_restored r WHERE r.what = 'outbox')
	   OR procgov.consumer_position_foreign(c, procgov.xid_bound()) THEN
		RAISE EXCEPTION 'the position of consumer "%" is from another cluster', c.consumer
			USING ERRCODE = '55000',
				  DETAIL = 'The outbox''s transaction ids or the consumers'' positions came from another cluster with a restore: read against this cluster''s ids, events would be skipped now and handed out again later.',
				  HINT = 'After a restore into a new cluster, run procgov.rebase_events() once, before new events are emitted.';
	END IF;
	UPDATE procgov.consumer k SET last_poll_at = clock_timestamp() WHERE k.consumer = c.consumer;

	-- a live claim belongs to another worker: hand out nothing meanwhile
	IF c.claimed_id IS NOT NULL AND c.claim_expires > clock_timestamp() THEN
		RETURN;
	END IF;

	FOR attempt IN 1..2 LOOP
		IF c.replay_snapshot IS NULL AND c.batch_snapshot IS NULL THEN
			-- open a batch: the transactions that committed since done_snapshot
			snap := procgov.consumer_snapshot();
			SELECT b.first_id, b.last_id INTO c.batch_first_id, c.batch_last_id
			  FROM procgov.events_between(c.done_snapshot, snap) b;
			IF c.batch_first_id IS NULL THEN
				UPDATE procgov.consumer k SET done_snapshot = snap WHERE k.consumer = c.consumer;
				RETURN;
			END IF;
			c.batch_snapshot := snap;
			c.acked_id := c.batch_first_id - 1;
			UPDATE procgov.consumer k
			   SET batch_snapshot = snap, batch_first_id = c.batch_first_id,
				   batch_last_id = c.batch_last_id, acked_id = c.acked_id
			 WHERE k.consumer = c.consumer;
		END IF;

		RETURN QUERY
			WITH b AS MATERIALIZED (
					SELECT e FROM procgov.consumer_events(c, c.acked_id, 9223372036854775807, max) e),
				 claim AS (
					UPDATE procgov.consumer k
					   SET claimed_id = (SELECT pg_catalog.max((b.e).id) FROM b),
						   claim_expires = clock_timestamp() + k.lease,
						   claim_no = k.claim_no + 1,
						   delivered = k.delivered + (SELECT count(*) FROM b)
					 WHERE k.consumer = c.consumer AND EXISTS (SELECT FROM b))
			SELECT (b.e).id, (b.e).type, (b.e).aggregatetype, (b.e).aggregateid, (b.e).occurred_at,
				   procgov.envelope(b.e), c.claim_no + 1
			  FROM b ORDER BY (b.e).id;
		GET DIAGNOSTICS n = ROW_COUNT;
		IF n > 0 THEN
			RETURN;
		END IF;

		-- nothing left: the batch (or replay) is complete
		c.done_snapshot := coalesce(c.replay_snapshot, c.batch_snapshot);
		c.replay_snapshot := NULL;
		c.batch_snapshot := NULL;
		UPDATE procgov.consumer k
		   SET done_snapshot = c.done_snapshot, batch_snapshot = NULL, batch_first_id = NULL,
			   batch_last_id = NULL, replay_snapshot = NULL, replay_from_id = NULL,
			   acked_id = 0, claimed_id = NULL, claim_expires = NULL
		 WHERE k.consumer = c.consumer;
	END LOOP;
END
$$;
COMMENT ON FUNCTION procgov.poll(text, integer) IS 'the next events for a consumer, in a stable order, claimed for this worker until acknowledged or until the consumer''s lease lapses';

-- check that an event is part of the consumer's current claim
CREATE FUNCTION procgov.claimed_event(c procgov.consumer, event_id bigint, claim bigint, verb text) RETURNS void
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
BEGIN
	IF event_id IS NULL OR c.claimed_id IS NULL OR event_id > c.claimed_id OR event_id <= c.acked_id
	   -- the id must belong to what the current claim handed out: a new batch may
	   -- hold lower ids than the last one, and an old claim's id is not in it
	   OR NOT EXISTS (SELECT FROM procgov.consumer_events(c, event_id - 1, event_id, 1)) THEN
		RAISE EXCEPTION 'event % is not awaiting acknowledgement by consumer "%"', event_id, c.consumer
			USING ERRCODE = '55000',
				  DETAIL = CASE WHEN c.claimed_id IS NULL
							   THEN 'The consumer has no events handed out.'
							   ELSE format('The consumer awaits events of its current claim, after %s up to %s.', c.acked_id, c.claimed_id) END,
				  HINT = format('%s only events that procgov.poll() handed out and that were not acknowledged yet; after the lease lapses, poll again.', verb);
	END IF;
	IF claim IS NOT NULL AND claim <> c.claim_no THEN
		RAISE EXCEPTION 'claim % of consumer "%" is over', claim, c.consumer
			USING ERRCODE = '55000',
				  DETAIL = format('The consumer''s current claim is %s: the events were handed out again after this one lapsed.', c.claim_no),
				  HINT = format('%s only what your own poll returned; poll again.', verb);
	END IF;
END
$$;
COMMENT ON FUNCTION procgov.claimed_event(procgov.consumer, bigint, bigint, text) IS 'refuse an ack or nack of an event that the current claim did not hand out, or from an older claim (used by ack and nack)';

CREATE FUNCTION procgov.ack(consumer text, event_id bigint, claim bigint DEFAULT NULL) RETURNS boolean
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	c procgov.consumer;
	n bigint;
BEGIN
	c := procgov.consumer_for_update(consumer);
	IF event_id IS NOT NULL AND event_id <= c.acked_id THEN
		RETURN false;		-- acknowledged before: nothing to do
	END IF;
	PERFORM procgov.claimed_event(c, event_id, claim, 'Acknowledge');
	SELECT count(*) INTO n FROM procgov.consumer_events(c, c.acked_id, event_id, 100000);
	UPDATE procgov.consumer k
	   SET acked_id = event_id,
		   claimed_id = CASE WHEN event_id < c.claimed_id THEN c.claimed_id END,
		   claim_expires = CASE WHEN event_id < c.claimed_id THEN c.claim_expires END,
		   failing_id = CASE WHEN k.failing_id > event_id THEN k.failing_id END,
		   failures = CASE WHEN k.failing_id > event_id THEN k.failures ELSE 0 END,
		   failure_errors = CASE WHEN k.failing_id > event_id THEN k.failure_errors ELSE '{}' END,
		   acknowledged = k.acknowledged + n,
		   last_ack_at = clock_timestamp()
	 WHERE k.consumer = c.consumer;
	RETURN true;
END
$$;
COMMENT ON FUNCTION procgov.ack(text, bigint, bigint) IS 'acknowledge a handed-out event and every event handed out before it (pass the claim poll returned to refuse a lapsed one); false when it was acknowledged already';

CREATE FUNCTION procgov.nack(consumer text, event_id bigint, error text, claim bigint DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	c procgov.consumer;
	n_failed integer;
	errs text[];
	n bigint;
BEGIN
	c := procgov.consumer_for_update(consumer);
	PERFORM procgov.claimed_event(c, event_id, claim, 'Refuse');
	-- the events handed out before this one were processed
	SELECT count(*) INTO n FROM procgov.consumer_events(c, c.acked_id, event_id - 1, 100000);
	n_failed := CASE WHEN c.failing_id = event_id THEN c.failures + 1 ELSE 1 END;
	errs := CASE WHEN c.failing_id = event_id THEN c.failure_errors ELSE '{}' END
			|| coalesce(error, '(no error given)');
	IF n_failed >= c.retry_limit THEN
		INSERT INTO procgov.dead_letter (consumer, event_id, errors, event)
		SELECT c.consumer, o.id, errs, procgov.envelope(o) FROM procgov.outbox o WHERE o.id = event_id
		ON CONFLICT ON CONSTRAINT dead_letter_pkey DO UPDATE SET errors = excluded.errors, failed_at = now();
		IF NOT FOUND THEN
			RAISE EXCEPTION 'event % is no longer in the outbox', event_id
				USING ERRCODE = '55000', HINT = 'It was pruned; replay from a later event.';
		END IF;
		UPDATE procgov.consumer k
		   SET acked_id = event_id, claimed_id = NULL, claim_expires = NULL,
			   failing_id = NULL, failures = 0, failure_errors = '{}',
			   acknowledged = k.acknowledged + n, dead_lettered = k.dead_lettered + 1,
			   last_ack_at = clock_timestamp()
		 WHERE k.consumer = c.consumer;
		RETURN 'dead_letter';
	END IF;
	UPDATE procgov.consumer k
	   SET acked_id = event_id - 1, claimed_id = NULL, claim_expires = NULL,
		   failing_id = event_id, failures = n_failed, failure_errors = errs,
		   acknowledged = k.acknowledged + n
	 WHERE k.consumer = c.consumer;
	RETURN 'retry';
END
$$;
COMMENT ON FUNCTION procgov.nack(text, bigint, text, bigint) IS 'report a failed delivery: the events handed out before it count as acknowledged, this one is handed out again, or moved to procgov.dead_letter at the retry limit; returns retry or dead_letter';

CREATE FUNCTION procgov.replay(consumer text, from_event_id bigint) RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	c procgov.consumer;
	snap pg_snapshot;
	first_undone bigint;
BEGIN
	IF from_event_id IS NULL OR from_event_id < 1 THEN
		RAISE EXCEPTION 'replay must start at an event id of 1 or more'
			USING ERRCODE = '22023', DETAIL = format('from_event_id is %s.', coalesce(from_event_id::text, 'NULL')),
				  HINT = 'Pass the id of the first event to deliver again.';
	END IF;
	c := procgov.consumer_for_update(consumer);
	snap := procgov.consumer_snapshot();		-- after the lock: a concurrent poll's progress is in it
	SELECT b.first_id INTO first_undone FROM procgov.events_between(c.done_snapshot, snap) b;
	-- from the next poll on: every event committed by now from from_event_id on,
	-- and whatever the consumer had not finished, in id order; then batches from now
	UPDATE procgov.consumer k
	   SET replay_snapshot = snap, replay_from_id = from_event_id,
		   acked_id = least(from_event_id, coalesce(first_undone, from_event_id)) - 1,
		   batch_snapshot = NULL, batch_first_id = NULL, batch_last_id = NULL,
		   claimed_id = NULL, claim_expires = NULL, failing_id = NULL, failures = 0, failure_errors = '{}'
	 WHERE k.consumer = c.consumer;
END
$$;
COMMENT ON FUNCTION procgov.replay(text, bigint) IS 'rewind a consumer: deliver again, in id order, every event from from_event_id on (and any it had not finished), then carry on';

CREATE FUNCTION procgov.prune_outbox(older_than interval) RETURNS bigint
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	n bigint;
BEGIN
	IF older_than IS NULL OR older_than < interval '0' THEN
		RAISE EXCEPTION 'older_than must not be negative'
			USING ERRCODE = '22023', DETAIL = format('older_than is %s.', coalesce(older_than::text, 'NULL')),
				  HINT = 'Give how long acknowledged events are kept, e.g. ''7 days''.';
	END IF;
	-- registrations in progress first: the delete's snapshot, taken after the
	-- lock, sees each consumer they add
	PERFORM pg_advisory_xact_lock(hashtext('procgov consumers'));
	DELETE FROM procgov.outbox o
	 WHERE o.occurred_at < now() - older_than
	   AND NOT EXISTS (SELECT FROM procgov.consumer c
						WHERE NOT pg_visible_in_snapshot(o.txid, c.done_snapshot)
						   -- a replay hands out again what done_snapshot already covers
						   OR (c.replay_snapshot IS NOT NULL AND o.id > c.acked_id))
	   -- nor one the notification relay has yet to announce (none, without its position)
	   AND (NOT o.relay OR pg_visible_in_snapshot(o.txid, (SELECT r.done_snapshot FROM procgov.relay_state r)));
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION procgov.prune_outbox(interval) IS 'delete events older than the given age that every consumer has acknowledged; returns how many';

-- After a restore into another cluster the outbox's transaction ids and the
-- consumers' snapshots are the old cluster's: read against this one's, they
-- would skip events now and hand them out again once its ids pass the old
-- ones.  rebase_events() works out, in the old cluster's terms, where each
-- consumer was; marks every restored event as committed long ago (txid 3,
-- before any snapshot of any cluster); and has each consumer replay from its
-- oldest event not done, then carry on from now.  At least once across the
-- move: what a consumer had acknowledged after its oldest pending event comes
-- again.  Run it once, right after the restore, before new events.
CREATE FUNCTION procgov.rebase_events()
	RETURNS TABLE (consumer text, replays_from bigint, events_restored bigint)
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	bound xid8;
	upto bigint;
	restored_consumers text[];
	positions jsonb;
	restored bigint;
BEGIN
	PERFORM pg_advisory_xact_lock(hashtext('procgov consumers'));
	LOCK TABLE procgov.consumer IN EXCLUSIVE MODE;
	bound := procgov.xid_bound();
	-- the restored events: all the restore inserted, noted when some of them lie ahead of
	-- this cluster; with the triggers off during the restore (nothing noted), whatever the
	-- outbox holds, which is why this runs right after the restore
	SELECT max(r.upto_id) INTO upto FROM procgov.events_restored r WHERE r.what = 'outbox';
	SELECT coalesce(array_agg(k.consumer), '{}') INTO restored_consumers FROM procgov.consumer k
	 WHERE procgov.consumer_position_foreign(k, bound);
	IF upto IS NULL AND cardinality(restored_consumers) = 0 THEN
		RAISE EXCEPTION 'the outbox and its consumers are this cluster''s already'
			USING ERRCODE = '55000',
				  DETAIL = format('No restored event and no consumer''s position lies beyond this cluster''s transaction %s: restored into a cluster that is ahead, they read as they did.', bound),
				  HINT = 'rebase_events() is for a database restored into a cluster whose transaction ids are behind the old one''s, right after the restore.';
	END IF;
	IF upto IS NULL THEN
		SELECT max(o.id) INTO upto FROM procgov.outbox o;
	END IF;
	-- the restored consumers: those the restore noted, and any whose position lies ahead
	-- (all of them, when the restore noted none)
	SELECT coalesce(array_agg(k.consumer), '{}') INTO restored_consumers FROM procgov.consumer k
	 WHERE k.consumer = ANY (restored_consumers)
		OR k.consumer IN (SELECT r.consumer FROM procgov.events_restored r WHERE r.what = 'consumer')
		OR NOT EXISTS (SELECT FROM procgov.events_restored r WHERE r.what = 'consumer');
	SELECT count(*) INTO restored FROM procgov.outbox o WHERE o.id <= upto;
	upto := coalesce(upto, 0);
	-- where each restored consumer was, in the old cluster's terms: its oldest restored
	-- event not acknowledged (a from_beginning consumer that never polled: the first)
	SELECT coalesce(jsonb_object_agg(k.consumer, least(
			(SELECT min(o.id) FROM procgov.outbox o
			  WHERE o.id <= upto
				AND NOT pg_visible_in_snapshot(o.txid, k.done_snapshot)
				AND (k.batch_snapshot IS NULL OR o.id > k.acked_id OR NOT pg_visible_in_snapshot(o.txid, k.batch_snapshot))
				AND (k.replay_snapshot IS NULL OR o.id > k.acked_id)),
			(SELECT min(o.id) FROM procgov.outbox o
			  WHERE o.id <= upto AND k.replay_snapshot IS NOT NULL AND o.id > k.acked_id))), '{}')
	  INTO positions FROM procgov.consumer k WHERE k.consumer = ANY (restored_consumers);
	-- the restored events committed long ago, before any transaction of this cluster
	UPDATE procgov.outbox o SET txid = '3' WHERE o.id <= upto;
	UPDATE procgov.purchase_order_version v SET txid = '3' WHERE v.txid >= bound;
	-- a restored consumer has had none of this cluster's events ('4:4:' counts the restored
	-- ones, all at 3, as seen) and first replays what it had not acknowledged there
	UPDATE procgov.consumer k
	   SET done_snapshot = '4:4:', batch_snapshot = NULL, batch_first_id = NULL, batch_last_id = NULL,
		   replay_snapshot = CASE WHEN positions ->> k.consumer IS NOT NULL THEN pg_current_snapshot() END,
		   replay_from_id = (positions ->> k.consumer)::bigint,
		   acked_id = coalesce((positions ->> k.consumer)::bigint - 1, 0), claimed_id = NULL, claim_expires = NULL
	 WHERE k.consumer = ANY (restored_consumers);
	DELETE FROM procgov.events_restored;
	-- the relay's position is this cluster's from its next pass (relay_state is not dumped)
	PERFORM procgov.audit_append('events', 'rebase',
		jsonb_build_object('events_restored', restored, 'restored_upto_id', upto, 'replays_from', positions),
		'outbox and consumers restored into another cluster');
	RETURN QUERY SELECT k.consumer, (positions ->> k.consumer)::bigint, restored
				   FROM procgov.consumer k WHERE k.consumer = ANY (restored_consumers) ORDER BY k.consumer;
END
$$;
COMMENT ON FUNCTION procgov.rebase_events() IS 'after a restore into another cluster: the restored events count as committed long ago, and each consumer replays from its oldest event not done (at least once across the move); run once, right after the restore';

-- ---- the notification relay ----

-- With procgov.notify = relay, emitting transactions send no NOTIFY (whose
-- database-wide lock makes notifying commits wait for one another); a relay
-- sends one notification per pass for every event that committed since the
-- last, from this one row's position.  The relay is procgov's background
-- worker (procgov.relay_databases) or anything that calls relay_events().
CREATE TABLE procgov.relay_state (
	singleton		boolean NOT NULL DEFAULT true,
	done_snapshot	pg_snapshot NOT NULL,
	relayed_at		timestamptz,
	notifications	bigint NOT NULL DEFAULT 0,
	events			bigint NOT NULL DEFAULT 0,
	CONSTRAINT relay_state_pkey PRIMARY KEY (singleton),
	CONSTRAINT relay_state_singleton CHECK (singleton)
);
-- not dumped: a snapshot names transaction ids of this cluster only; a
-- restored database starts relaying from its own present
INSERT INTO procgov.relay_state (done_snapshot) VALUES (pg_current_snapshot());
COMMENT ON TABLE procgov.relay_state IS 'the notification relay''s position (one row): the events whose transactions are visible in done_snapshot have been announced on procgov_events';
COMMENT ON COLUMN procgov.relay_state.singleton IS 'always true: the table has one row';
COMMENT ON COLUMN procgov.relay_state.done_snapshot IS 'every event whose transaction is visible in this snapshot has been announced';
COMMENT ON COLUMN procgov.relay_state.relayed_at IS 'when the relay last sent a notification';
COMMENT ON COLUMN procgov.relay_state.notifications IS 'notifications the relay has sent';
COMMENT ON COLUMN procgov.relay_state.events IS 'events those notifications announced';

CREATE FUNCTION procgov.relay_events() RETURNS bigint
	AS 'MODULE_PATHNAME', 'relay_events' LANGUAGE C VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp;
COMMENT ON FUNCTION procgov.relay_events() IS 'one pass of the notification relay: one notification on procgov_events for the events emitted under procgov.notify = relay that committed since the last pass (the first event, the count, the last id); returns the count (0 when there were none or another pass is running)';

-- for monitoring: is a relay running here, and does anything wait for it
CREATE FUNCTION procgov.relay_status(OUT relay_running boolean, OUT relayed_at timestamptz,
	OUT notifications bigint, OUT announced bigint, OUT waiting bigint, OUT oldest_waiting_since timestamptz)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
		SELECT EXISTS (SELECT FROM pg_catalog.pg_stat_activity a
						WHERE a.backend_type = 'procgov relay' AND a.datname = pg_catalog.current_database()),
			   r.relayed_at, r.notifications, r.events, b.events,
			   (SELECT o.occurred_at FROM procgov.outbox o WHERE o.id = b.first_id)
		  FROM procgov.relay_state r,
			   LATERAL procgov.events_between(r.done_snapshot, pg_catalog.pg_current_snapshot(), true) b
	$$;
COMMENT ON FUNCTION procgov.relay_status() IS 'the notification relay at a glance: whether its worker runs in this database, its last notification and counters, and the events emitted under procgov.notify = relay that committed and wait for it (how many, since when)';

-- privileges: events are written by procgov's functions only
REVOKE ALL ON procgov.outbox, procgov.consumer, procgov.dead_letter, procgov.event_type FROM PUBLIC;
REVOKE ALL ON procgov.relay_state FROM PUBLIC;
GRANT SELECT ON procgov.relay_state TO procgov_admin, procgov_auditor;
REVOKE ALL ON SEQUENCE procgov.outbox_id_seq FROM PUBLIC;
GRANT SELECT ON procgov.outbox, procgov.consumer, procgov.dead_letter, procgov.event_type
	TO procgov_admin, procgov_consumer, procgov_auditor;
GRANT INSERT, UPDATE, DELETE ON procgov.event_type TO procgov_admin;
REVOKE EXECUTE ON FUNCTION procgov.emit(text, text, jsonb, uuid, bigint, bigint, text),
	procgov.config_changed(), procgov.register_consumer(text, boolean, integer, interval),
	procgov.drop_consumer(text), procgov.consumer_for_update(text),
	procgov.events_between(pg_snapshot, pg_snapshot, boolean),
	procgov.consumer_events(procgov.consumer, bigint, bigint, integer), procgov.poll(text, integer),
	procgov.claimed_event(procgov.consumer, bigint, bigint, text), procgov.ack(text, bigint, bigint),
	procgov.nack(text, bigint, text, bigint), procgov.replay(text, bigint), procgov.prune_outbox(interval),
	procgov.consumer_snapshot(), procgov.relay_events(), procgov.relay_status()
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION procgov.relay_status() TO procgov_admin, procgov_auditor;
-- the notification relay's login (procgov.relay_role) needs this and nothing else
GRANT EXECUTE ON FUNCTION procgov.relay_events() TO procgov_relay;
GRANT EXECUTE ON FUNCTION procgov.emit(text, text, jsonb, uuid, bigint, bigint, text),
	procgov.register_consumer(text, boolean, integer, interval), procgov.drop_consumer(text),
	procgov.prune_outbox(interval), procgov.relay_events()
	TO procgov_admin;
GRANT EXECUTE ON FUNCTION procgov.poll(text, integer), procgov.ack(text, bigint, bigint),
	procgov.nack(text, bigint, text, bigint), procgov.replay(text, bigint)
	TO procgov_admin, procgov_consumer;
GRANT EXECUTE ON FUNCTION procgov.rebase_events() TO procgov_admin;
REVOKE EXECUTE ON FUNCTION procgov.xid_bound(), procgov.consumer_position_foreign(procgov.consumer, xid8) FROM PUBLIC;
-- END events

-- BEGIN model
-- ===================================================================
-- The canonical procurement model: entities, suppliers, items,
-- contracts, budgets and the documents of procure-to-pay.  Every table
-- keys on entity_id (Citus' distribution column); money is procgov.amount.
-- The documents move through procgov.state under the transitions in
-- procgov.transition, enforced by one C trigger (src/transition.c).
-- Functions here pin plan_cache_mode = force_generic_plan: their queries
-- look rows up by key, and custom plans would plan them again on every
-- call (a measured third of an order's lifecycle, test/bench/model.sh).
-- ===================================================================

CREATE FUNCTION procgov.enforcing() RETURNS boolean
	AS 'MODULE_PATHNAME', 'enforcing' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.enforcing() IS 'whether procgov''s rules are on (procgov.enforce): off only while a superuser loads history';

CREATE TYPE procgov.state AS ENUM (
	'draft', 'submitted', 'pending_approval', 'approved', 'rejected', 'transmitted',
	'acknowledged', 'shipped', 'partially_received', 'received', 'matched', 'disputed',
	'posted', 'closed', 'cancelled');
COMMENT ON TYPE procgov.state IS 'the canonical states every procurement document (and every governed ERP row) moves through';

CREATE TYPE procgov.supplier_status AS ENUM ('prospective', 'approved', 'on_hold', 'blocked');
COMMENT ON TYPE procgov.supplier_status IS 'whether a supplier may be ordered from: only approved suppliers take orders';

CREATE TABLE procgov.entity (
	entity_id		text NOT NULL,
	name			text NOT NULL,
	base_currency	text NOT NULL CHECK (base_currency ~ '^[A-Z]{3}$'),
	controller		text,
	bank_cooling_off interval NOT NULL DEFAULT '14 days' CHECK (bank_cooling_off >= '0'),
	created_at		timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT entity_pkey PRIMARY KEY (entity_id),
	CONSTRAINT entity_id_format CHECK (entity_id ~ '^[A-Za-z0-9_-]{1,30}$')
);
COMMENT ON TABLE procgov.entity IS 'companies or business units; every procgov table keys on entity_id';
COMMENT ON COLUMN procgov.entity.entity_id IS 'short code, e.g. ACME; part of every document''s stream name';
COMMENT ON COLUMN procgov.entity.name IS 'legal or display name';
COMMENT ON COLUMN procgov.entity.base_currency IS 'ISO 4217 code budgets are usually kept in';
COMMENT ON COLUMN procgov.entity.controller IS 'who owns exceptions nobody else owns';
COMMENT ON COLUMN procgov.entity.bank_cooling_off IS 'after a supplier''s bank account changes, invoices to the new account are held this long';
COMMENT ON COLUMN procgov.entity.created_at IS 'when the entity was added';

CREATE TABLE procgov.supplier (
	entity_id		text NOT NULL REFERENCES procgov.entity,
	supplier_id		bigint GENERATED ALWAYS AS IDENTITY,
	code			text NOT NULL,
	name			text NOT NULL,
	status			procgov.supplier_status NOT NULL DEFAULT 'prospective',
	risk_tier		text NOT NULL DEFAULT 'medium' CHECK (risk_tier IN ('low', 'medium', 'high')),
	iban			procgov.iban,
	iban_payable_from timestamptz,
	created_at		timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT supplier_pkey PRIMARY KEY (entity_id, supplier_id),
	CONSTRAINT supplier_code_key UNIQUE (entity_id, code),
	-- it names the supplier's ledger stream and its events' aggregate (at most 564 bytes)
	CONSTRAINT supplier_code_length CHECK (octet_length(code) BETWEEN 1 AND 200)
);
COMMENT ON TABLE procgov.supplier IS 'suppliers per entity; only approved ones take orders; their bank account changes only through procgov.request_bank_change()';
COMMENT ON COLUMN procgov.supplier.entity_id IS 'owning entity';
COMMENT ON COLUMN procgov.supplier.supplier_id IS 'internal id';
COMMENT ON COLUMN procgov.supplier.code IS 'the supplier''s code in the ERP';
COMMENT ON COLUMN procgov.supplier.name IS 'name';
COMMENT ON COLUMN procgov.supplier.status IS 'prospective, approved, on_hold or blocked';
COMMENT ON COLUMN procgov.supplier.risk_tier IS 'low, medium or high; policy may add review for high';
COMMENT ON COLUMN procgov.supplier.iban IS 'bank account invoices are paid to';
COMMENT ON COLUMN procgov.supplier.iban_payable_from IS 'after a bank change, invoices to this account are held until then';
COMMENT ON COLUMN procgov.supplier.created_at IS 'when the supplier was added';

CREATE TABLE procgov.item (
	entity_id		text NOT NULL REFERENCES procgov.entity,
	item_id			bigint GENERATED ALWAYS AS IDENTITY,
	sku				text NOT NULL,
	gtin			procgov.gtin,
	description		text NOT NULL,
	category_code	text NOT NULL DEFAULT '',
	uom				text NOT NULL DEFAULT 'EA',
	CONSTRAINT item_pkey PRIMARY KEY (entity_id, item_id),
	CONSTRAINT item_sku_key UNIQUE (entity_id, sku)
);
COMMENT ON TABLE procgov.item IS 'items bought, per entity';
COMMENT ON COLUMN procgov.item.entity_id IS 'owning entity';
COMMENT ON COLUMN procgov.item.item_id IS 'internal id';
COMMENT ON COLUMN procgov.item.sku IS 'the item''s code in the ERP';
COMMENT ON COLUMN procgov.item.gtin IS 'GS1 trade item number, when the item has one';
COMMENT ON COLUMN procgov.item.description IS 'description';
COMMENT ON COLUMN procgov.item.category_code IS 'purchasing category, e.g. 31.16 (policy matches on prefixes)';
COMMENT ON COLUMN procgov.item.uom IS 'unit of measure';

CREATE TABLE procgov.contract (
	entity_id		text NOT NULL REFERENCES procgov.entity,
	contract_id		bigint GENERATED ALWAYS AS IDENTITY,
	number			text NOT NULL,
	supplier_id		bigint NOT NULL,
	item_id			bigint,
	category_code	text,
	unit_price		procgov.amount NOT NULL,
	valid_from		date NOT NULL,
	valid_to		date NOT NULL,
	CONSTRAINT contract_pkey PRIMARY KEY (entity_id, contract_id),
	CONSTRAINT contract_number_key UNIQUE (entity_id, number),
	CONSTRAINT contract_supplier_fkey FOREIGN KEY (entity_id, supplier_id) REFERENCES procgov.supplier,
	CONSTRAINT contract_item_fkey FOREIGN KEY (entity_id, item_id) REFERENCES procgov.item,
	CONSTRAINT contract_scope CHECK ((item_id IS NULL) <> (category_code IS NULL)),
	CONSTRAINT contract_validity CHECK (valid_from <= valid_to)
);
COMMENT ON TABLE procgov.contract IS 'agreed unit prices with a supplier, for one item or a whole category, over a validity period';
COMMENT ON COLUMN procgov.contract.entity_id IS 'owning entity';
COMMENT ON COLUMN procgov.contract.contract_id IS 'internal id';
COMMENT ON COLUMN procgov.contract.number IS 'contract number';
COMMENT ON COLUMN procgov.contract.supplier_id IS 'the supplier';
COMMENT ON COLUMN procgov.contract.item_id IS 'the item, or NULL for a category contract';
COMMENT ON COLUMN procgov.contract.category_code IS 'the category, or NULL for an item contract';
COMMENT ON COLUMN procgov.contract.unit_price IS 'agreed unit price';
COMMENT ON COLUMN procgov.contract.valid_from IS 'first day the price applies';
COMMENT ON COLUMN procgov.contract.valid_to IS 'last day the price applies';

CREATE TABLE procgov.budget (
	entity_id		text NOT NULL REFERENCES procgov.entity,
	budget_id		bigint GENERATED ALWAYS AS IDENTITY,
	cost_center		text NOT NULL,
	period			text NOT NULL CHECK (period ~ '^[0-9]{4}(-[0-9]{2})?$'),
	amount			procgov.amount NOT NULL,
	committed		procgov.amount NOT NULL,
	spent			procgov.amount NOT NULL,
	CONSTRAINT budget_pkey PRIMARY KEY (entity_id, budget_id),
	CONSTRAINT budget_line_key UNIQUE (entity_id, cost_center, period),
	CONSTRAINT budget_one_currency CHECK (procgov.currency(amount) = procgov.currency(committed)
										  AND procgov.currency(amount) = procgov.currency(spent))
);
COMMENT ON TABLE procgov.budget IS 'budget lines per cost centre and period: approval commits an order''s total; cancel releases it, close releases it and counts what was invoiced as spent';
COMMENT ON COLUMN procgov.budget.entity_id IS 'owning entity';
COMMENT ON COLUMN procgov.budget.budget_id IS 'internal id';
COMMENT ON COLUMN procgov.budget.cost_center IS 'cost centre';
COMMENT ON COLUMN procgov.budget.period IS 'year (2026) or month (2026-11)';
COMMENT ON COLUMN procgov.budget.amount IS 'the budget';
COMMENT ON COLUMN procgov.budget.committed IS 'committed by approved orders and not yet spent';
COMMENT ON COLUMN procgov.budget.spent IS 'spent: what closed orders'' invoices billed';

-- document numbers: one counter per entity and kind
CREATE TABLE procgov.document_counter (
	entity_id		text NOT NULL REFERENCES procgov.entity,
	kind			text NOT NULL,
	next_number		bigint NOT NULL DEFAULT 1,
	CONSTRAINT document_counter_pkey PRIMARY KEY (entity_id, kind)
);
COMMENT ON TABLE procgov.document_counter IS 'the next number procgov gives a document of a kind, per entity, when the caller gives none';
COMMENT ON COLUMN procgov.document_counter.entity_id IS 'entity';
COMMENT ON COLUMN procgov.document_counter.kind IS 'document kind';
COMMENT ON COLUMN procgov.document_counter.next_number IS 'next number';

CREATE TABLE procgov.requisition (
	entity_id		text NOT NULL REFERENCES procgov.entity,
	requisition_id	bigint GENERATED ALWAYS AS IDENTITY,
	number			text NOT NULL,
	state			procgov.state NOT NULL DEFAULT 'draft',
	requester		text NOT NULL,
	cost_center		text NOT NULL,
	budget_id		bigint,
	needed_by		date,
	site			text,
	urgent			boolean NOT NULL DEFAULT false,
	expedite_reason	text,
	policy_id		bigint,
	created_by		text,
	submitted_by	text,
	submitted_at	timestamptz,
	submitters		jsonb,
	total			procgov.amount NOT NULL,
	correlation_id	uuid NOT NULL DEFAULT gen_random_uuid(),
	version			integer NOT NULL DEFAULT 1,
	created_at		timestamptz NOT NULL DEFAULT now(),
	state_changed_at timestamptz,
	state_changed_by text,
	CONSTRAINT requisition_pkey PRIMARY KEY (entity_id, requisition_id),
	CONSTRAINT requisition_number_key UNIQUE (entity_id, number),
	CONSTRAINT requisition_expedite_reason CHECK (NOT urgent OR coalesce(expedite_reason, '') <> ''),
	CONSTRAINT requisition_budget_fkey FOREIGN KEY (entity_id, budget_id) REFERENCES procgov.budget
);
CREATE TABLE procgov.requisition_line (
	entity_id		text NOT NULL,
	requisition_id	bigint NOT NULL,
	line_no			integer NOT NULL CHECK (line_no > 0),
	item_id			bigint,
	description		text NOT NULL,
	quantity		numeric(18,4) NOT NULL CHECK (quantity > 0),
	unit_price		procgov.amount NOT NULL,
	supplier_id		bigint NOT NULL,
	CONSTRAINT requisition_line_pkey PRIMARY KEY (entity_id, requisition_id, line_no),
	CONSTRAINT requisition_line_doc_fkey FOREIGN KEY (entity_id, requisition_id) REFERENCES procgov.requisition ON DELETE CASCADE,
	CONSTRAINT requisition_line_item_fkey FOREIGN KEY (entity_id, item_id) REFERENCES procgov.item,
	CONSTRAINT requisition_line_supplier_fkey FOREIGN KEY (entity_id, supplier_id) REFERENCES procgov.supplier
);

CREATE TABLE procgov.purchase_order (
	entity_id		text NOT NULL REFERENCES procgov.entity,
	po_id			bigint GENERATED ALWAYS AS IDENTITY,
	number			text NOT NULL,
	state			procgov.state NOT NULL DEFAULT 'draft',
	requisition_id	bigint,
	supplier_id		bigint NOT NULL,
	buyer			text NOT NULL,
	cost_center		text,
	budget_id		bigint,
	total			procgov.amount NOT NULL,
	committed		procgov.amount,
	version			integer NOT NULL DEFAULT 1,
	approved_version integer,
	approved_total	procgov.amount,
	need_by			date,
	site			text,
	urgent			boolean NOT NULL DEFAULT false,
	expedite_reason	text,
	policy_id		bigint,
	created_by		text,
	submitted_by	text,
	submitted_at	timestamptz,
	submitters		jsonb,
	correlation_id	uuid NOT NULL DEFAULT gen_random_uuid(),
	created_at		timestamptz NOT NULL DEFAULT now(),
	state_changed_at timestamptz,
	state_changed_by text,
	CONSTRAINT purchase_order_pkey PRIMARY KEY (entity_id, po_id),
	CONSTRAINT purchase_order_number_key UNIQUE (entity_id, number),
	CONSTRAINT purchase_order_supplier_fkey FOREIGN KEY (entity_id, supplier_id) REFERENCES procgov.supplier,
	CONSTRAINT purchase_order_requisition_fkey FOREIGN KEY (entity_id, requisition_id) REFERENCES procgov.requisition,
	CONSTRAINT purchase_order_expedite_reason CHECK (NOT urgent OR coalesce(expedite_reason, '') <> ''),
	CONSTRAINT purchase_order_budget_fkey FOREIGN KEY (entity_id, budget_id) REFERENCES procgov.budget
);
CREATE TABLE procgov.purchase_order_line (
	entity_id		text NOT NULL,
	po_id			bigint NOT NULL,
	line_no			integer NOT NULL CHECK (line_no > 0),
	item_id			bigint,
	description		text NOT NULL,
	quantity		numeric(18,4) NOT NULL CHECK (quantity > 0),
	unit_price		procgov.amount NOT NULL,
	need_by			date,
	confirmed_qty	numeric(18,4),
	confirmed_date	date,
	received_qty	numeric(18,4) NOT NULL DEFAULT 0 CHECK (received_qty >= 0),
	invoiced_qty	numeric(18,4) NOT NULL DEFAULT 0 CHECK (invoiced_qty >= 0),
	CONSTRAINT purchase_order_line_pkey PRIMARY KEY (entity_id, po_id, line_no),
	CONSTRAINT purchase_order_line_doc_fkey FOREIGN KEY (entity_id, po_id) REFERENCES procgov.purchase_order ON DELETE CASCADE,
	CONSTRAINT purchase_order_line_item_fkey FOREIGN KEY (entity_id, item_id) REFERENCES procgov.item
) WITH (fillfactor = 80);	-- room on the page: receipts update lines in place (HOT); matching changes invoiced_qty, which the price index's condition reads
CREATE TABLE procgov.purchase_order_version (
	entity_id		text NOT NULL,
	po_id			bigint NOT NULL,
	version			integer NOT NULL,
	total			procgov.amount NOT NULL,
	snapshot		jsonb NOT NULL,
	reason			text,
	created_at		timestamptz NOT NULL DEFAULT now(),
	created_by		text NOT NULL,
	txid			xid8 NOT NULL DEFAULT pg_current_xact_id(),
	CONSTRAINT purchase_order_version_pkey PRIMARY KEY (entity_id, po_id, version),
	CONSTRAINT purchase_order_version_doc_fkey FOREIGN KEY (entity_id, po_id) REFERENCES procgov.purchase_order ON DELETE CASCADE
);

CREATE TABLE procgov.acknowledgement (
	entity_id		text NOT NULL,
	ack_id			bigint GENERATED ALWAYS AS IDENTITY,
	po_id			bigint NOT NULL,
	received_at		timestamptz NOT NULL DEFAULT now(),
	recorded_by		text NOT NULL,
	note			text,
	CONSTRAINT acknowledgement_pkey PRIMARY KEY (entity_id, ack_id),
	CONSTRAINT acknowledgement_po_fkey FOREIGN KEY (entity_id, po_id) REFERENCES procgov.purchase_order
);
CREATE TABLE procgov.acknowledgement_line (
	entity_id		text NOT NULL,
	ack_id			bigint NOT NULL,
	line_no			integer NOT NULL,
	confirmed_qty	numeric(18,4) NOT NULL CHECK (confirmed_qty >= 0),
	confirmed_date	date,
	CONSTRAINT acknowledgement_line_pkey PRIMARY KEY (entity_id, ack_id, line_no),
	CONSTRAINT acknowledgement_line_doc_fkey FOREIGN KEY (entity_id, ack_id) REFERENCES procgov.acknowledgement ON DELETE CASCADE
);

CREATE TABLE procgov.receipt (
	entity_id		text NOT NULL,
	receipt_id		bigint GENERATED ALWAYS AS IDENTITY,
	number			text NOT NULL,
	state			procgov.state NOT NULL DEFAULT 'draft',
	po_id			bigint NOT NULL,
	received_at		timestamptz NOT NULL DEFAULT now(),
	received_by		text NOT NULL,
	correlation_id	uuid NOT NULL,
	created_at		timestamptz NOT NULL DEFAULT now(),
	state_changed_at timestamptz,
	state_changed_by text,
	CONSTRAINT receipt_pkey PRIMARY KEY (entity_id, receipt_id),
	CONSTRAINT receipt_number_key UNIQUE (entity_id, number),
	CONSTRAINT receipt_po_fkey FOREIGN KEY (entity_id, po_id) REFERENCES procgov.purchase_order
);
CREATE TABLE procgov.receipt_line (
	entity_id		text NOT NULL,
	receipt_id		bigint NOT NULL,
	line_no			integer NOT NULL,
	quantity		numeric(18,4) NOT NULL CHECK (quantity > 0),
	CONSTRAINT receipt_line_pkey PRIMARY KEY (entity_id, receipt_id, line_no),
	CONSTRAINT receipt_line_doc_fkey FOREIGN KEY (entity_id, receipt_id) REFERENCES procgov.receipt ON DELETE CASCADE
);

-- the supplier's invoice number as duplicate detection compares it
CREATE FUNCTION procgov.invoice_number_key(supplier_invoice_no text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.upper(supplier_invoice_no),
			'(^|[^0-9])0+([0-9])', E'\\1\\2', 'g'), '[^[:alnum:]]', '', 'g') $$;
COMMENT ON FUNCTION procgov.invoice_number_key(text) IS 'a supplier invoice number normalised for duplicate detection: each number without leading zeros, then letters and digits only, upper case (inv-0042 and INV42 are the same; K-2026-0312 and K2026/312 too)';

CREATE TABLE procgov.invoice (
	entity_id		text NOT NULL,
	invoice_id		bigint GENERATED ALWAYS AS IDENTITY,
	number			text NOT NULL,
	supplier_invoice_no text NOT NULL,
	supplier_invoice_key text GENERATED ALWAYS AS (procgov.invoice_number_key(supplier_invoice_no)) STORED,
	state			procgov.state NOT NULL DEFAULT 'draft',
	supplier_id		bigint NOT NULL,
	po_id			bigint,
	invoice_date	date NOT NULL,
	total			procgov.amount NOT NULL,
	pay_to_iban		procgov.iban,
	correlation_id	uuid NOT NULL DEFAULT gen_random_uuid(),
	created_at		timestamptz NOT NULL DEFAULT now(),
	state_changed_at timestamptz,
	state_changed_by text,
	CONSTRAINT invoice_pkey PRIMARY KEY (entity_id, invoice_id),
	CONSTRAINT invoice_number_key UNIQUE (entity_id, number),
	CONSTRAINT invoice_supplier_fkey FOREIGN KEY (entity_id, supplier_id) REFERENCES procgov.supplier,
	CONSTRAINT invoice_po_fkey FOREIGN KEY (entity_id, po_id) REFERENCES procgov.purchase_order
);
CREATE INDEX invoice_supplier_key ON procgov.invoice (entity_id, supplier_id, supplier_invoice_key);
CREATE INDEX invoice_supplier_total ON procgov.invoice (entity_id, supplier_id, total, invoice_date);
CREATE INDEX invoice_unmatched ON procgov.invoice (entity_id, invoice_id) WHERE state IN ('submitted', 'disputed');
-- matched invoices waiting to be posted, for reconciliation (invoice_not_posted)
CREATE INDEX invoice_unposted ON procgov.invoice (entity_id, state_changed_at) WHERE state = 'matched';
CREATE TABLE procgov.invoice_line (
	entity_id		text NOT NULL,
	invoice_id		bigint NOT NULL,
	line_no			integer NOT NULL CHECK (line_no > 0),
	po_id			bigint,
	po_line_no		integer,
	description		text NOT NULL,
	quantity		numeric(18,4) NOT NULL CHECK (quantity > 0),
	unit_price		procgov.amount NOT NULL,
	CONSTRAINT invoice_line_pkey PRIMARY KEY (entity_id, invoice_id, line_no),
	CONSTRAINT invoice_line_doc_fkey FOREIGN KEY (entity_id, invoice_id) REFERENCES procgov.invoice ON DELETE CASCADE
);

CREATE TABLE procgov.bank_change (
	entity_id		text NOT NULL,
	bank_change_id	bigint GENERATED ALWAYS AS IDENTITY,
	number			text NOT NULL,
	state			procgov.state NOT NULL DEFAULT 'draft',
	supplier_id		bigint NOT NULL,
	old_iban		procgov.iban,
	new_iban		procgov.iban NOT NULL,
	requested_by	text NOT NULL,
	reason			text NOT NULL,
	urgent			boolean NOT NULL DEFAULT false,
	expedite_reason	text,
	policy_id		bigint,
	submitted_by	text,
	submitted_at	timestamptz,
	submitters		jsonb,
	correlation_id	uuid NOT NULL DEFAULT gen_random_uuid(),
	created_at		timestamptz NOT NULL DEFAULT now(),
	state_changed_at timestamptz,
	state_changed_by text,
	CONSTRAINT bank_change_pkey PRIMARY KEY (entity_id, bank_change_id),
	CONSTRAINT bank_change_number_key UNIQUE (entity_id, number),
	CONSTRAINT bank_change_expedite_reason CHECK (NOT urgent OR coalesce(expedite_reason, '') <> ''),
	CONSTRAINT bank_change_supplier_fkey FOREIGN KEY (entity_id, supplier_id) REFERENCES procgov.supplier
);

CREATE TABLE procgov.exception_case (
	entity_id		text NOT NULL,
	case_id			bigint GENERATED ALWAYS AS IDENTITY,
	kind			text NOT NULL,
	doc_kind		text NOT NULL,
	doc_number		text NOT NULL,
	status			text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
	owner			text,
	opened_at		timestamptz NOT NULL DEFAULT now(),
	due_at			timestamptz,
	updated_at		timestamptz NOT NULL DEFAULT now(),
	resolved_at		timestamptz,
	resolved_by		text,
	resolution		text,
	details			jsonb NOT NULL DEFAULT '{}',
	correlation_id	uuid,
	acceptances		jsonb NOT NULL DEFAULT '[]',
	CONSTRAINT exception_case_pkey PRIMARY KEY (entity_id, case_id),
	CONSTRAINT exception_case_resolved CHECK ((status = 'resolved') = (resolved_at IS NOT NULL AND resolution IS NOT NULL))
);
-- one open case per document and kind: a repeated finding updates it
CREATE UNIQUE INDEX exception_case_open ON procgov.exception_case (entity_id, doc_kind, doc_number, kind) WHERE status = 'open';
CREATE INDEX exception_case_doc ON procgov.exception_case (entity_id, doc_kind, doc_number);

-- approvals recorded by procgov.approve() and procgov.reject()
CREATE TABLE procgov.approval (
	entity_id		text NOT NULL,
	approval_id		bigint GENERATED ALWAYS AS IDENTITY,
	doc_kind		text NOT NULL,
	doc_id			bigint NOT NULL,
	doc_version		integer NOT NULL DEFAULT 1,
	decision		text NOT NULL CHECK (decision IN ('approved', 'rejected')),
	decided_by		text NOT NULL,
	decided_at		timestamptz NOT NULL DEFAULT now(),
	comment			text,
	step_id			bigint,
	policy_id		bigint,
	policy_hash		bytea,
	on_behalf_of	text,
	CONSTRAINT approval_pkey PRIMARY KEY (entity_id, approval_id)
);
CREATE INDEX approval_doc ON procgov.approval (entity_id, doc_kind, doc_id, doc_version);

CREATE TABLE procgov.idempotency (
	entity_id		text NOT NULL,
	operation		text NOT NULL,
	key				text NOT NULL,
	request_hash	bytea NOT NULL,
	actor			text NOT NULL,
	result			jsonb,
	created_at		timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT idempotency_pkey PRIMARY KEY (entity_id, operation, key)
);

-- ---- transitions, guards and effects: the rules as data ----

CREATE TABLE procgov.guard (
	guard			text NOT NULL,
	function		regprocedure NOT NULL,
	description		text NOT NULL,
	hint			text NOT NULL,
	builtin			boolean NOT NULL DEFAULT false,
	CONSTRAINT guard_pkey PRIMARY KEY (guard)
);
COMMENT ON TABLE procgov.guard IS 'named conditions a transition may require; each is a function (kind text, document jsonb) returning NULL when it holds, else a sentence saying why not';
COMMENT ON COLUMN procgov.guard.guard IS 'name used in procgov.transition.guards';
COMMENT ON COLUMN procgov.guard.function IS 'the function that checks it: (kind text, document jsonb) returns text';
COMMENT ON COLUMN procgov.guard.description IS 'what it requires';
COMMENT ON COLUMN procgov.guard.hint IS 'what to do when it fails (the error''s HINT)';
COMMENT ON COLUMN procgov.guard.builtin IS 'true for the guards procgov ships; false for a site''s own, which pg_dump keeps';

CREATE TABLE procgov.effect (
	effect			text NOT NULL,
	function		regprocedure NOT NULL,
	description		text NOT NULL,
	builtin			boolean NOT NULL DEFAULT false,
	CONSTRAINT effect_pkey PRIMARY KEY (effect)
);
COMMENT ON TABLE procgov.effect IS 'named side effects of a transition; each is a function (kind text, document jsonb, from_state, to_state) returning changes to the document row as jsonb, or NULL';
COMMENT ON COLUMN procgov.effect.effect IS 'name used in procgov.transition.effects';
COMMENT ON COLUMN procgov.effect.function IS 'the function: (kind text, document jsonb, from_state procgov.state, to_state procgov.state) returns jsonb';
COMMENT ON COLUMN procgov.effect.description IS 'what it does';
COMMENT ON COLUMN procgov.effect.builtin IS 'true for the effects procgov ships';

CREATE TABLE procgov.transition (
	kind			text NOT NULL,
	from_state		procgov.state,
	to_state		procgov.state NOT NULL,
	guards			text[] NOT NULL DEFAULT '{}',
	effects			text[] NOT NULL DEFAULT '{}',
	event_type		text REFERENCES procgov.event_type,
	description		text NOT NULL,
	builtin			boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX transition_key ON procgov.transition (kind, from_state, to_state);
CREATE UNIQUE INDEX transition_creation_key ON procgov.transition (kind, to_state) WHERE from_state IS NULL;
COMMENT ON TABLE procgov.transition IS 'which state may follow which, per document kind (from_state NULL: creation), the guards that must hold, the effects to run and the event to emit; edit the rows to change behaviour';
COMMENT ON COLUMN procgov.transition.kind IS 'document kind: requisition, purchase_order, receipt, invoice, bank_change, or a governed ERP table''s kind';
COMMENT ON COLUMN procgov.transition.from_state IS 'state before; NULL for the states a document may be created in';
COMMENT ON COLUMN procgov.transition.to_state IS 'state after';
COMMENT ON COLUMN procgov.transition.guards IS 'names of procgov.guard rows, all of which must hold, checked in order';
COMMENT ON COLUMN procgov.transition.effects IS 'names of procgov.effect rows, run in order after the guards hold';
COMMENT ON COLUMN procgov.transition.event_type IS 'event emitted in the same transaction, or NULL';
COMMENT ON COLUMN procgov.transition.description IS 'what the transition means';
COMMENT ON COLUMN procgov.transition.builtin IS 'true for the rows procgov ships';

CREATE TRIGGER guard_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procgov.guard
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.config_changed();
CREATE TRIGGER effect_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procgov.effect
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.config_changed();
CREATE TRIGGER transition_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procgov.transition
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.config_changed();

-- a transition may only name guards and effects that exist, and a guard or effect
-- still named by a transition cannot be removed: caught when the rules are edited,
-- not when the first document meets them
CREATE FUNCTION procgov.check_transition_names() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
DECLARE
	missing text;
BEGIN
	IF TG_TABLE_NAME = 'transition' THEN
		SELECT g INTO missing FROM unnest(NEW.guards) AS g
		 WHERE NOT EXISTS (SELECT 1 FROM procgov.guard WHERE guard = g) LIMIT 1;
		IF missing IS NOT NULL THEN
			RAISE EXCEPTION 'transition of % from % to % names unknown guard "%"',
				NEW.kind, coalesce(NEW.from_state::text, 'creation'), NEW.to_state, missing
				USING ERRCODE = 'foreign_key_violation',
					  HINT = 'Add the guard to procgov.guard first, or use one of: '
							 || (SELECT string_agg(guard, ', ' ORDER BY guard) FROM procgov.guard) || '.';
		END IF;
		SELECT e INTO missing FROM unnest(NEW.effects) AS e
		 WHERE NOT EXISTS (SELECT 1 FROM procgov.effect WHERE effect = e) LIMIT 1;
		IF missing IS NOT NULL THEN
			RAISE EXCEPTION 'transition of % from % to % names unknown effect "%"',
				NEW.kind, coalesce(NEW.from_state::text, 'creation'), NEW.to_state, missing
				USING ERRCODE = 'foreign_key_violation',
					  HINT = 'Add the effect to procgov.effect first, or use one of: '
							 || (SELECT string_agg(effect, ', ' ORDER BY effect) FROM procgov.effect) || '.';
		END IF;
		RETURN NEW;
	ELSIF TG_TABLE_NAME = 'guard' THEN
		IF (TG_OP = 'DELETE' OR NEW.guard <> OLD.guard)
		   AND EXISTS (SELECT 1 FROM procgov.transition WHERE OLD.guard = ANY (guards)) THEN
			RAISE EXCEPTION 'guard "%" is still named by a transition', OLD.guard
				USING ERRCODE = 'foreign_key_violation',
					  DETAIL = 'Transitions naming it: '
							   || (SELECT string_agg(kind || ' ' || coalesce(from_state::text, 'creation') || '->' || to_state, ', ')
									 FROM procgov.transition WHERE OLD.guard = ANY (guards)) || '.',
					  HINT = 'Remove it from those rows of procgov.transition first.';
		END IF;
	ELSE
		IF (TG_OP = 'DELETE' OR NEW.effect <> OLD.effect)
		   AND EXISTS (SELECT 1 FROM procgov.transition WHERE OLD.effect = ANY (effects)) THEN
			RAISE EXCEPTION 'effect "%" is still named by a transition', OLD.effect
				USING ERRCODE = 'foreign_key_violation',
					  DETAIL = 'Transitions naming it: '
							   || (SELECT string_agg(kind || ' ' || coalesce(from_state::text, 'creation') || '->' || to_state, ', ')
									 FROM procgov.transition WHERE OLD.effect = ANY (effects)) || '.',
					  HINT = 'Remove it from those rows of procgov.transition first.';
		END IF;
	END IF;
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
COMMENT ON FUNCTION procgov.check_transition_names() IS 'trigger: transitions name only existing guards and effects; named guards and effects cannot be removed';
CREATE TRIGGER transition_names BEFORE INSERT OR UPDATE ON procgov.transition
	FOR EACH ROW EXECUTE FUNCTION procgov.check_transition_names();
CREATE TRIGGER guard_in_use BEFORE UPDATE OR DELETE ON procgov.guard
	FOR EACH ROW EXECUTE FUNCTION procgov.check_transition_names();
CREATE TRIGGER effect_in_use BEFORE UPDATE OR DELETE ON procgov.effect
	FOR EACH ROW EXECUTE FUNCTION procgov.check_transition_names();

-- a guard or effect runs as its function's owner: only a function of the
-- right shape, that the writer may execute, may be named (the governance
-- trigger never calls another shape either, src/transition.c)
CREATE FUNCTION procgov.check_rule_function() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	guard boolean := TG_TABLE_NAME = 'guard';
	what text := CASE WHEN guard THEN 'guard' ELSE 'effect' END;
	a_what text := CASE WHEN guard THEN 'a guard' ELSE 'an effect' END;
	shape text := CASE WHEN guard THEN '(kind text, document jsonb) returns text'
					   ELSE '(kind text, document jsonb, from_state procgov.state, to_state procgov.state) returns jsonb' END;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_proc p
					WHERE p.oid = NEW.function AND p.prokind = 'f' AND NOT p.proretset
					  AND p.prorettype = CASE WHEN guard THEN 'text' ELSE 'jsonb' END::regtype
					  AND p.proargtypes = pg_catalog.array_to_string(CASE WHEN guard THEN ARRAY['text', 'jsonb']::regtype[]::oid[]
						  ELSE ARRAY['text', 'jsonb', 'procgov.state', 'procgov.state']::regtype[]::oid[] END, ' ')::oidvector) THEN
		RAISE EXCEPTION 'function % cannot be %', NEW.function, a_what
			USING ERRCODE = 'invalid_function_definition',
				  DETAIL = format('%s is a plain function %s.', initcap(a_what), shape),
				  HINT = format('Write a function of that shape and name it in procgov.%s.', what);
	END IF;
	IF NOT pg_catalog.has_function_privilege(NEW.function, 'EXECUTE') THEN
		RAISE EXCEPTION 'permission denied to name function % as %', NEW.function, a_what
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = format('%s runs as its function''s owner; only a role that may execute the function may name it.', initcap(a_what)),
				  HINT = 'Name a function you own, or have its owner grant you EXECUTE on it.';
	END IF;
	RETURN NEW;
END $$;
COMMENT ON FUNCTION procgov.check_rule_function() IS 'trigger: a guard or effect names a function of the right signature that the writer may execute';
CREATE TRIGGER guard_function BEFORE INSERT OR UPDATE OF function ON procgov.guard
	FOR EACH ROW EXECUTE FUNCTION procgov.check_rule_function();
CREATE TRIGGER effect_function BEFORE INSERT OR UPDATE OF function ON procgov.effect
	FOR EACH ROW EXECUTE FUNCTION procgov.check_rule_function();

-- the document a guard or effect is given: the row as jsonb, as the trigger sees it
-- (columns common to documents: entity_id, number, state, total, supplier_id, ...)

-- a document row as jsonb: to_jsonb(row)'s value, with each column type's
-- handling looked up once per row type (src/rowjson.c)
CREATE FUNCTION procgov.row_jsonb(doc record) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'row_jsonb' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.row_jsonb(record) IS 'a row as jsonb, the value to_jsonb(row) gives (used for documents: the same rendering, its column types looked up once per backend)';

CREATE FUNCTION procgov.doc_id(kind text, doc jsonb) RETURNS bigint
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT (doc ->> CASE kind WHEN 'purchase_order' THEN 'po_id' WHEN 'receipt' THEN 'receipt_id'
								   WHEN 'invoice' THEN 'invoice_id' WHEN 'requisition' THEN 'requisition_id'
								   WHEN 'bank_change' THEN 'bank_change_id' ELSE 'id' END)::bigint $$;
COMMENT ON FUNCTION procgov.doc_id(text, jsonb) IS 'the internal id of a canonical document given as jsonb';

CREATE FUNCTION procgov.kind_label(kind text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT replace(kind, '_', ' ') $$;
COMMENT ON FUNCTION procgov.kind_label(text) IS 'a kind as words for messages: purchase_order becomes purchase order';

-- everyone who authored a document: its buyer, requester or requester of a
-- change, who created it and who submitted it (segregation of duties); the
-- same list guard_approval_complete reads (src/guards.c)
CREATE FUNCTION procgov.doc_authors(doc jsonb) RETURNS text[]
	AS 'MODULE_PATHNAME', 'doc_authors' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.doc_authors(jsonb) IS 'everyone who authored a document given as its row: buyer, requester, requester of a change, creator, submitter';

-- the guards nearly every lifecycle passes are C over direct index lookups (src/guards.c),
-- with the words of the PL/pgSQL they replace; like every guard they run as their owner
CREATE FUNCTION procgov.guard_has_lines(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_has_lines' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_has_lines(text, jsonb) IS 'guard has_lines: the document has at least one line';

CREATE FUNCTION procgov.guard_approval_complete(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_approval_complete' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_approval_complete(text, jsonb) IS 'guard approval_complete: the current version carries an approval given by someone other than its author (segregation of duties)';

CREATE FUNCTION procgov.guard_supplier_active(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_supplier_active' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_supplier_active(text, jsonb) IS 'guard supplier_active: the document''s supplier is approved (not prospective, on hold or blocked)';

CREATE FUNCTION procgov.guard_budget_available(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_budget_available' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION procgov.guard_budget_available(text, jsonb) IS 'guard budget_available: the budget line has the document''s total available (amount - committed - spent)';

CREATE FUNCTION procgov.guard_received(kind text, doc jsonb, want_full boolean) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_received' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_received(text, jsonb, boolean) IS 'what has been received against an order: nothing (NULL), all of it (true) or some of it (false); used by the receiving guards';

CREATE FUNCTION procgov.guard_fully_received(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_fully_received' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_fully_received(text, jsonb) IS 'guard fully_received: every order line has received at least its quantity';
CREATE FUNCTION procgov.guard_partly_received(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_partly_received' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_partly_received(text, jsonb) IS 'guard partly_received: some but not all of the order has been received';
CREATE FUNCTION procgov.guard_fully_billed(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_fully_billed' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_fully_billed(text, jsonb) IS 'guard fully_billed: matched invoices billed every order line in full (a service order matched two-way, which nothing receives)';
CREATE FUNCTION procgov.guard_billed(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_billed' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_billed(text, jsonb) IS 'guard billed: matched invoices billed some line of the order (an order that received nothing is closed on what was billed, not cancelled)';
CREATE FUNCTION procgov.guard_nothing_received(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_nothing_received' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_nothing_received(text, jsonb) IS 'guard nothing_received: no line of the order has a receipt or a billed quantity (matched invoices)';

CREATE FUNCTION procgov.guard_order_receivable(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_order_receivable' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_order_receivable(text, jsonb) IS 'guard order_receivable: the receipt''s order has been transmitted and is not fully received';
CREATE FUNCTION procgov.guard_matched_by_matching(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_matched_by_matching' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_matched_by_matching(text, jsonb) IS 'guard matched_by_matching: the invoice is moved to matched by procgov''s matching (match_pending, match_invoice, a resolution''s rematch), never by a plain UPDATE';

CREATE FUNCTION procgov.guard_bank_account_payable(kind text, doc jsonb) RETURNS text
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	s procgov.supplier;
BEGIN
	SELECT * INTO s FROM procgov.supplier WHERE entity_id = doc->>'entity_id' AND supplier_id = (doc->>'supplier_id')::bigint;
	IF s.iban IS NULL THEN
		RETURN format('Supplier %s has no bank account.', s.code);
	END IF;
	IF doc->>'pay_to_iban' IS NOT NULL AND (doc->>'pay_to_iban')::procgov.iban <> s.iban THEN
		RETURN format('The invoice is to be paid to %s, but supplier %s''s account is %s.',
					  doc->>'pay_to_iban', s.code, s.iban);
	END IF;
	IF s.iban_payable_from > now() THEN
		RETURN format('Supplier %s''s bank account changed; payments to it are held until %s.',
					  s.code, to_char(s.iban_payable_from AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'));
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION procgov.guard_bank_account_payable(text, jsonb) IS 'guard bank_account_payable: the invoice is paid to the supplier''s account on record, and its cooling-off period after a change is over';

-- a blocked supplier is paid nothing: an invoice matched before the block waits
-- until it is lifted (on hold stops new orders, not payment for what came)
CREATE FUNCTION procgov.guard_supplier_not_blocked(kind text, doc jsonb) RETURNS text
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
	SELECT format('Supplier %s is blocked.', s.code)
	  FROM procgov.supplier s
	 WHERE s.entity_id = doc->>'entity_id' AND s.supplier_id = (doc->>'supplier_id')::bigint AND s.status = 'blocked'
$$;
COMMENT ON FUNCTION procgov.guard_supplier_not_blocked(text, jsonb) IS 'guard supplier_not_blocked: the document''s supplier is not blocked (an invoice of a blocked supplier is not posted for payment)';

-- closing an approved requisition says it was converted (requisition.converted):
-- true only when orders were made from it (convert_requisition inserts them first)
CREATE FUNCTION procgov.guard_converted(kind text, doc jsonb) RETURNS text
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
BEGIN
	IF EXISTS (SELECT FROM procgov.purchase_order p
				WHERE p.entity_id = doc->>'entity_id' AND p.requisition_id = (doc->>'requisition_id')::bigint) THEN
		RETURN NULL;
	END IF;
	RETURN format('No purchase order was made from requisition %s.', doc->>'number');
END
$$;
COMMENT ON FUNCTION procgov.guard_converted(text, jsonb) IS 'guard converted: purchase orders were made from the requisition (procgov.purchase_order rows name it)';

CREATE TABLE procgov.document_commitment (
	entity_id		text NOT NULL,
	budget_id		bigint NOT NULL,
	doc_kind		text NOT NULL,
	doc_id			bigint NOT NULL,
	amount			procgov.amount NOT NULL,
	committed_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT document_commitment_pkey PRIMARY KEY (entity_id, doc_kind, doc_id),
	CONSTRAINT document_commitment_budget_fkey FOREIGN KEY (entity_id, budget_id) REFERENCES procgov.budget
);
COMMENT ON TABLE procgov.document_commitment IS 'what each approved document has committed against its budget line, until cancel or close releases it';
COMMENT ON COLUMN procgov.document_commitment.entity_id IS 'entity';
COMMENT ON COLUMN procgov.document_commitment.budget_id IS 'budget line';
COMMENT ON COLUMN procgov.document_commitment.doc_kind IS 'document kind';
COMMENT ON COLUMN procgov.document_commitment.doc_id IS 'document id';
COMMENT ON COLUMN procgov.document_commitment.amount IS 'amount committed';
COMMENT ON COLUMN procgov.document_commitment.committed_at IS 'when it was committed';

CREATE FUNCTION procgov.effect_commit_budget(kind text, doc jsonb, from_state procgov.state, to_state procgov.state)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	need procgov.amount := (doc->>'total')::procgov.amount;
BEGIN
	IF doc->>'budget_id' IS NOT NULL THEN
		INSERT INTO procgov.document_commitment (entity_id, budget_id, doc_kind, doc_id, amount)
		VALUES (doc->>'entity_id', (doc->>'budget_id')::bigint, kind, procgov.doc_id(kind, doc), need);
		UPDATE procgov.budget SET committed = committed + need
		 WHERE entity_id = doc->>'entity_id' AND budget_id = (doc->>'budget_id')::bigint;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION procgov.effect_commit_budget(text, jsonb, procgov.state, procgov.state) IS 'effect commit_budget: commits the document''s total against its budget line';

CREATE FUNCTION procgov.effect_release_budget(kind text, doc jsonb, from_state procgov.state, to_state procgov.state)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	c procgov.document_commitment;
	billed procgov.amount;
BEGIN
	DELETE FROM procgov.document_commitment
	 WHERE entity_id = doc->>'entity_id' AND doc_kind = kind AND doc_id = procgov.doc_id(kind, doc)
	RETURNING * INTO c;
	IF FOUND THEN
		-- a closed order has spent what its invoices billed: that stays used, the rest returns.
		-- Each line's billing in minor units, as matching spends what is billed after the close
		IF kind = 'purchase_order' AND to_state = 'closed' THEN
			SELECT procgov.sum(procgov.round(l.unit_price OPERATOR(procgov.*) l.invoiced_qty)) INTO billed
			  FROM procgov.purchase_order_line l
			 WHERE l.entity_id = c.entity_id AND l.po_id = c.doc_id AND l.invoiced_qty > 0;
		END IF;
		UPDATE procgov.budget b
		   SET committed = b.committed - c.amount,
			   spent = CASE WHEN billed IS NULL THEN b.spent ELSE b.spent + billed END
		 WHERE b.entity_id = c.entity_id AND b.budget_id = c.budget_id;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION procgov.effect_release_budget(text, jsonb, procgov.state, procgov.state) IS 'effect release_budget: releases what the document still commits on its budget line; an order that closes moves what its invoices billed to spent';

CREATE FUNCTION procgov.effect_apply_bank_change(kind text, doc jsonb, from_state procgov.state, to_state procgov.state)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
BEGIN
	UPDATE procgov.supplier s
	   SET iban = (doc->>'new_iban')::procgov.iban,
		   iban_payable_from = now() + (SELECT e.bank_cooling_off FROM procgov.entity e WHERE e.entity_id = s.entity_id)
	 WHERE s.entity_id = doc->>'entity_id' AND s.supplier_id = (doc->>'supplier_id')::bigint;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION procgov.effect_apply_bank_change(text, jsonb, procgov.state, procgov.state) IS 'effect apply_bank_change: puts the approved account on the supplier and holds payments to it for the entity''s cooling-off period';

CREATE FUNCTION procgov.effect_approve_version(kind text, doc jsonb, from_state procgov.state, to_state procgov.state)
	RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	AS $$ SELECT jsonb_build_object('approved_total', doc->'total', 'approved_version', doc->'version') $$;
COMMENT ON FUNCTION procgov.effect_approve_version(text, jsonb, procgov.state, procgov.state) IS 'effect approve_version: records the total and version the approval covers on the order';

INSERT INTO procgov.guard (guard, function, description, hint, builtin) VALUES
	('has_lines', 'procgov.guard_has_lines(text, jsonb)', 'the document has at least one line', 'Add lines before submitting.', true),
	('approval_complete', 'procgov.guard_approval_complete(text, jsonb)', 'the current version is approved by someone other than its author', 'Have an approver other than the author approve it with procgov.approve_document().', true),
	('supplier_active', 'procgov.guard_supplier_active(text, jsonb)', 'the supplier is approved', 'Order only from approved suppliers; release the supplier''s hold first.', true),
	('budget_available', 'procgov.guard_budget_available(text, jsonb)', 'the budget line has the total available', 'Raise the budget, reduce the document, or charge another budget line.', true),
	('fully_received', 'procgov.guard_fully_received(text, jsonb)', 'every line is fully received', 'Post receipts for the remaining quantities, or close the order short.', true),
	('partly_received', 'procgov.guard_partly_received(text, jsonb)', 'some but not all is received', 'Post a receipt first.', true),
	('fully_billed', 'procgov.guard_fully_billed(text, jsonb)', 'every line is billed in full', 'Match the invoices for the rest first; goods orders close once received.', true),
	('billed', 'procgov.guard_billed(text, jsonb)', 'some of it is billed', 'Cancel the order instead: nothing was received or billed.', true),
	('nothing_received', 'procgov.guard_nothing_received(text, jsonb)', 'nothing has been received or billed', 'Close the order instead: goods were received or invoices matched against it.', true),
	('order_receivable', 'procgov.guard_order_receivable(text, jsonb)', 'the order is transmitted and not fully received', 'Transmit the order first.', true),
	('matched_by_matching', 'procgov.guard_matched_by_matching(text, jsonb)', 'procgov''s matching moves the invoice, having found every line matched or settled', 'Run procgov.match_pending() or procgov.match_invoice(); resolve the invoice''s open exception cases first.', true),
	('supplier_not_blocked', 'procgov.guard_supplier_not_blocked(text, jsonb)', 'the supplier is not blocked', 'Lift the supplier''s block first (set its status to on_hold or approved), or cancel the invoice.', true),
	('bank_account_payable', 'procgov.guard_bank_account_payable(text, jsonb)', 'the invoice is paid to the account on record after its cooling-off period', 'Wait for the cooling-off period to end, or pay to the account on record.', true),
	('converted', 'procgov.guard_converted(text, jsonb)', 'purchase orders were made from it', 'Convert it with procgov.convert_requisition(), or cancel it.', true);
SELECT pg_catalog.pg_extension_config_dump('procgov.guard', 'WHERE NOT builtin');

INSERT INTO procgov.effect (effect, function, description, builtin) VALUES
	('commit_budget', 'procgov.effect_commit_budget(text, jsonb, procgov.state, procgov.state)', 'commit the total against the budget line', true),
	('release_budget', 'procgov.effect_release_budget(text, jsonb, procgov.state, procgov.state)', 'release what is still committed', true),
	('apply_bank_change', 'procgov.effect_apply_bank_change(text, jsonb, procgov.state, procgov.state)', 'put the new bank account on the supplier, payments held for the cooling-off period', true),
	('approve_version', 'procgov.effect_approve_version(text, jsonb, procgov.state, procgov.state)', 'record the approved total and version on the order', true);
SELECT pg_catalog.pg_extension_config_dump('procgov.effect', 'WHERE NOT builtin');

INSERT INTO procgov.event_type (event_type, description, builtin) VALUES
	('requisition.approved', 'a requisition was approved', true),
	('requisition.cancelled', 'a requisition was cancelled', true),
	('po.created', 'a purchase order was created', true),
	('po.cancelled', 'a purchase order was cancelled', true),
	('po.closed', 'a purchase order was closed', true),
	('invoice.posted', 'an invoice was approved for payment', true),
	('requisition.reworked', 'a rejected requisition went back to its requester as a draft', true),
	('requisition.converted', 'an approved requisition became purchase orders', true),
	('po.reworked', 'a rejected purchase order went back to its buyer as a draft', true),
	('po.shipped', 'the supplier shipped a purchase order', true),
	('po.partially_received', 'part of a purchase order was received', true),
	('po.received', 'all of a purchase order was received', true),
	('receipt.cancelled', 'a receipt being recorded was abandoned', true),
	('invoice.paid', 'an invoice was paid', true),
	('invoice.cancelled', 'an invoice was withdrawn or rejected', true),
	('invoice.disputed', 'an invoice did not match and waits for its exception cases', true),
	('bank_change.cancelled', 'a requested bank account change was withdrawn', true);

INSERT INTO procgov.transition (kind, from_state, to_state, guards, effects, event_type, description, builtin) VALUES
	-- requisition
	('requisition', NULL, 'draft', '{}', '{}', NULL, 'a requisition is created as a draft', true),
	('requisition', 'draft', 'submitted', '{has_lines}', '{}', 'requisition.submitted', 'the requester submits it', true),
	('requisition', 'submitted', 'pending_approval', '{}', '{}', 'approval.requested', 'it awaits approval', true),
	('requisition', 'pending_approval', 'approved', '{approval_complete,budget_available}', '{}', 'requisition.approved', 'an approver other than the requester approves it', true),
	('requisition', 'pending_approval', 'rejected', '{}', '{}', 'approval.rejected', 'an approver rejects it', true),
	('requisition', 'rejected', 'draft', '{}', '{}', 'requisition.reworked', 'the requester reworks it', true),
	('requisition', 'approved', 'closed', '{converted}', '{}', 'requisition.converted', 'it was turned into purchase orders', true),
	('requisition', 'draft', 'cancelled', '{}', '{}', 'requisition.cancelled', 'the requester withdraws it', true),
	('requisition', 'submitted', 'cancelled', '{}', '{}', 'requisition.cancelled', 'the requester withdraws it', true),
	('requisition', 'pending_approval', 'cancelled', '{}', '{}', 'requisition.cancelled', 'the requester withdraws it', true),
	('requisition', 'rejected', 'cancelled', '{}', '{}', 'requisition.cancelled', 'it is given up', true),
	('requisition', 'approved', 'cancelled', '{}', '{}', 'requisition.cancelled', 'it is given up before ordering', true),
	-- purchase order
	('purchase_order', NULL, 'draft', '{}', '{}', 'po.created', 'an order is created as a draft', true),
	('purchase_order', 'draft', 'pending_approval', '{has_lines}', '{}', 'approval.requested', 'the buyer submits it for approval', true),
	('purchase_order', 'pending_approval', 'approved', '{approval_complete,supplier_active,budget_available}', '{commit_budget,approve_version}', 'po.approved', 'an approver other than the buyer approves it; its total is committed', true),
	('purchase_order', 'pending_approval', 'rejected', '{}', '{}', 'approval.rejected', 'an approver rejects it', true),
	('purchase_order', 'rejected', 'draft', '{}', '{}', 'po.reworked', 'the buyer reworks it', true),
	('purchase_order', 'approved', 'transmitted', '{supplier_active}', '{}', 'po.transmitted', 'it is sent to the supplier', true),
	('purchase_order', 'transmitted', 'acknowledged', '{}', '{}', 'po.acknowledged', 'the supplier confirms it', true),
	('purchase_order', 'acknowledged', 'shipped', '{}', '{}', 'po.shipped', 'the supplier ships it', true),
	('purchase_order', 'transmitted', 'partially_received', '{partly_received}', '{}', 'po.partially_received', 'part of it arrives', true),
	('purchase_order', 'acknowledged', 'partially_received', '{partly_received}', '{}', 'po.partially_received', 'part of it arrives', true),
	('purchase_order', 'shipped', 'partially_received', '{partly_received}', '{}', 'po.partially_received', 'part of it arrives', true),
	('purchase_order', 'transmitted', 'received', '{fully_received}', '{}', 'po.received', 'all of it arrives', true),
	('purchase_order', 'acknowledged', 'received', '{fully_received}', '{}', 'po.received', 'all of it arrives', true),
	('purchase_order', 'shipped', 'received', '{fully_received}', '{}', 'po.received', 'all of it arrives', true),
	('purchase_order', 'partially_received', 'received', '{fully_received}', '{}', 'po.received', 'the rest arrives', true),
	('purchase_order', 'approved', 'pending_approval', '{}', '{release_budget}', 'approval.requested', 'a material change sends it back for approval', true),
	('purchase_order', 'transmitted', 'pending_approval', '{}', '{release_budget}', 'approval.requested', 'a material change sends it back for approval', true),
	('purchase_order', 'acknowledged', 'pending_approval', '{}', '{release_budget}', 'approval.requested', 'a material change sends it back for approval', true),
	('purchase_order', 'shipped', 'pending_approval', '{}', '{release_budget}', 'approval.requested', 'a material change sends it back for approval', true),
	('purchase_order', 'approved', 'closed', '{billed}', '{release_budget}', 'po.closed', 'an order billed but not received is closed: a service order billed in full, or one whose rest will not come', true),
	('purchase_order', 'transmitted', 'closed', '{billed}', '{release_budget}', 'po.closed', 'an order billed but not received is closed: a service order billed in full, or one whose rest will not come', true),
	('purchase_order', 'acknowledged', 'closed', '{billed}', '{release_budget}', 'po.closed', 'an order billed but not received is closed: a service order billed in full, or one whose rest will not come', true),
	('purchase_order', 'shipped', 'closed', '{billed}', '{release_budget}', 'po.closed', 'an order billed but not received is closed: a service order billed in full, or one whose rest will not come', true),
	('purchase_order', 'received', 'matched', '{}', '{}', 'match.completed', 'its invoices match what was ordered and received', true),
	('purchase_order', 'received', 'closed', '{}', '{release_budget}', 'po.closed', 'it is complete', true),
	('purchase_order', 'matched', 'closed', '{}', '{release_budget}', 'po.closed', 'it is complete', true),
	('purchase_order', 'partially_received', 'closed', '{}', '{release_budget}', 'po.closed', 'it is closed short: the rest will not come', true),
	('purchase_order', 'draft', 'cancelled', '{nothing_received}', '{}', 'po.cancelled', 'it is withdrawn', true),
	('purchase_order', 'pending_approval', 'cancelled', '{nothing_received}', '{}', 'po.cancelled', 'it is withdrawn', true),
	('purchase_order', 'rejected', 'cancelled', '{nothing_received}', '{}', 'po.cancelled', 'it is given up', true),
	('purchase_order', 'approved', 'cancelled', '{nothing_received}', '{release_budget}', 'po.cancelled', 'it is cancelled before anything arrives', true),
	('purchase_order', 'transmitted', 'cancelled', '{nothing_received}', '{release_budget}', 'po.cancelled', 'it is cancelled before anything arrives', true),
	('purchase_order', 'acknowledged', 'cancelled', '{nothing_received}', '{release_budget}', 'po.cancelled', 'it is cancelled before anything arrives', true),
	-- receipt
	('receipt', NULL, 'draft', '{}', '{}', NULL, 'a receipt is being recorded', true),
	('receipt', 'draft', 'posted', '{has_lines,order_receivable}', '{}', 'receipt.posted', 'goods are received', true),
	('receipt', 'draft', 'cancelled', '{}', '{}', 'receipt.cancelled', 'the receipt is abandoned', true),
	-- invoice
	('invoice', NULL, 'draft', '{}', '{}', NULL, 'an invoice is being recorded', true),
	('invoice', 'draft', 'submitted', '{has_lines}', '{}', 'invoice.received', 'the invoice is registered', true),
	('invoice', 'submitted', 'matched', '{matched_by_matching}', '{}', 'match.completed', 'it matches its order and receipts', true),
	('invoice', 'submitted', 'disputed', '{}', '{}', 'invoice.disputed', 'it does not match', true),
	('invoice', 'disputed', 'matched', '{matched_by_matching}', '{}', 'match.completed', 'the dispute is settled', true),
	('invoice', 'matched', 'posted', '{supplier_not_blocked,bank_account_payable}', '{}', 'invoice.posted', 'it is approved for payment', true),
	('invoice', 'posted', 'closed', '{}', '{}', 'invoice.paid', 'it is paid', true),
	('invoice', 'draft', 'cancelled', '{}', '{}', 'invoice.cancelled', 'it is abandoned', true),
	('invoice', 'submitted', 'cancelled', '{}', '{}', 'invoice.cancelled', 'it is withdrawn', true),
	('invoice', 'disputed', 'cancelled', '{}', '{}', 'invoice.cancelled', 'it is rejected', true),
	-- bank account change
	('bank_change', NULL, 'pending_approval', '{}', '{}', 'approval.requested', 'a change of a supplier''s bank account is requested', true),
	('bank_change', 'pending_approval', 'approved', '{approval_complete}', '{apply_bank_change}', 'supplier.bank_changed', 'an approver other than the requester approves it; the account changes, payments to it are held for the cooling-off period', true),
	('bank_change', 'pending_approval', 'rejected', '{}', '{}', 'approval.rejected', 'an approver rejects it', true),
	('bank_change', 'pending_approval', 'cancelled', '{}', '{}', 'bank_change.cancelled', 'the request is withdrawn', true);
-- a site's own rows are kept by pg_dump; procgov's are reinstalled with the extension
SELECT pg_catalog.pg_extension_config_dump('procgov.transition', 'WHERE NOT builtin');

-- ---- the governance trigger on every canonical document ----

CREATE FUNCTION procgov.govern_document() RETURNS trigger
	AS 'MODULE_PATHNAME', 'govern_document' LANGUAGE C;
COMMENT ON FUNCTION procgov.govern_document() IS 'trigger: enforces procgov.transition on a document table, stamps who and when, audits every change and emits the transition''s event';

CREATE TRIGGER govern_document BEFORE INSERT OR UPDATE ON procgov.requisition
	FOR EACH ROW EXECUTE FUNCTION procgov.govern_document('requisition');
CREATE TRIGGER govern_document BEFORE INSERT OR UPDATE ON procgov.purchase_order
	FOR EACH ROW EXECUTE FUNCTION procgov.govern_document('purchase_order');
CREATE TRIGGER govern_document BEFORE INSERT OR UPDATE ON procgov.receipt
	FOR EACH ROW EXECUTE FUNCTION procgov.govern_document('receipt');
CREATE TRIGGER govern_document BEFORE INSERT OR UPDATE ON procgov.invoice
	FOR EACH ROW EXECUTE FUNCTION procgov.govern_document('invoice');
CREATE TRIGGER govern_document BEFORE INSERT OR UPDATE ON procgov.bank_change
	FOR EACH ROW EXECUTE FUNCTION procgov.govern_document('bank_change');
-- Ordinary (origin) triggers: session_replication_role = replica, which only
-- superusers and replication apply workers set, turns them off as it does
-- every ordinary trigger, so pg_restore and a logical replication subscriber
-- load history without judging it again (docs/model.md, backup and restore).

-- documents are never deleted: cancel or close them
CREATE FUNCTION procgov.refuse_document_delete() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
BEGIN
	RAISE EXCEPTION '% documents cannot be deleted', replace(TG_ARGV[0], '_', ' ')
		USING ERRCODE = '42501',
			  DETAIL = format('%s is refused on %I.%I; documents stay for the audit trail.', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME),
			  HINT = 'Cancel or close the document instead.';
END
$$;
COMMENT ON FUNCTION procgov.refuse_document_delete() IS 'trigger: refuses DELETE and TRUNCATE on document tables';
CREATE TRIGGER refuse_delete BEFORE DELETE OR TRUNCATE ON procgov.requisition
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.refuse_document_delete('requisition');
CREATE TRIGGER refuse_delete BEFORE DELETE OR TRUNCATE ON procgov.purchase_order
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.refuse_document_delete('purchase_order');
CREATE TRIGGER refuse_delete BEFORE DELETE OR TRUNCATE ON procgov.receipt
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.refuse_document_delete('receipt');
CREATE TRIGGER refuse_delete BEFORE DELETE OR TRUNCATE ON procgov.invoice
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.refuse_document_delete('invoice');
CREATE TRIGGER refuse_delete BEFORE DELETE OR TRUNCATE ON procgov.bank_change
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.refuse_document_delete('bank_change');

-- a supplier's bank account changes only through an approved bank_change
CREATE FUNCTION procgov.guard_supplier_iban() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	applying boolean := coalesce(nullif(current_setting('procgov.applying_bank_change', true), ''), 'off')::boolean;
BEGIN
	IF NEW.iban IS DISTINCT FROM OLD.iban AND NOT applying THEN
		RAISE EXCEPTION 'the bank account of supplier % changes only through an approved bank change', OLD.code
			USING ERRCODE = '42501',
				  DETAIL = format('The account is %s; the update would make it %s.', coalesce(OLD.iban::text, 'none'), coalesce(NEW.iban::text, 'none')),
				  HINT = 'Request the change with procgov.request_bank_change(); an approver other than you approves it.';
	END IF;
	-- the cooling-off hold is lengthened by hand if need be, never cut short
	IF OLD.iban_payable_from > now() AND (NEW.iban_payable_from IS NULL OR NEW.iban_payable_from < OLD.iban_payable_from)
	   AND NOT applying THEN
		RAISE EXCEPTION 'payments to supplier % are held until %; the hold is not shortened by hand', OLD.code,
			to_char(OLD.iban_payable_from AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"')
			USING ERRCODE = '42501',
				  DETAIL = format('The update would end it %s.', coalesce(to_char(NEW.iban_payable_from AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI "UTC"'), 'now')),
				  HINT = 'Wait for the cooling-off period to end; it follows the entity''s bank_cooling_off, which applies to the next change.';
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION procgov.guard_supplier_iban() IS 'trigger: refuses a direct change of a supplier''s bank account, and cutting short the hold on payments after a change';

-- the systems that order from and pay suppliers learn when one is blocked or released
CREATE FUNCTION procgov.supplier_status_changed() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
BEGIN
	PERFORM procgov.emit('supplier.status_changed', 'supplier:' || NEW.entity_id || ':' || NEW.code,
		jsonb_build_object('supplier', NEW.code, 'name', NEW.name, 'from', OLD.status, 'to', NEW.status,
						   'reason', nullif(current_setting('procgov.reason', true), '')),
		NULL, NULL, NULL, NEW.entity_id);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION procgov.supplier_status_changed() IS 'trigger: emits supplier.status_changed when a supplier''s status changes';
CREATE TRIGGER status_changed AFTER UPDATE OF status ON procgov.supplier
	FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION procgov.supplier_status_changed();
COMMENT ON TRIGGER status_changed ON procgov.supplier IS 'announces a supplier''s change of status (supplier.status_changed)';
CREATE TRIGGER guard_iban BEFORE UPDATE OF iban, iban_payable_from ON procgov.supplier
	FOR EACH ROW EXECUTE FUNCTION procgov.guard_supplier_iban();
ALTER TABLE procgov.supplier ENABLE ALWAYS TRIGGER guard_iban;

CREATE OR REPLACE FUNCTION procgov.effect_apply_bank_change(kind text, doc jsonb, from_state procgov.state, to_state procgov.state)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	current_iban procgov.iban;
BEGIN
	-- the approver was shown which account the change replaces: that must still be the one
	SELECT s.iban INTO current_iban FROM procgov.supplier s
	 WHERE s.entity_id = doc->>'entity_id' AND s.supplier_id = (doc->>'supplier_id')::bigint
	   FOR NO KEY UPDATE;
	IF current_iban IS DISTINCT FROM (doc->>'old_iban')::procgov.iban THEN
		RAISE EXCEPTION 'bank change % replaces account %, but the supplier''s account is now %', doc->>'number',
			coalesce(doc->>'old_iban', 'none'), coalesce(current_iban::text, 'none')
			USING ERRCODE = '55000',
				  DETAIL = 'Another change of the account took effect after this one was requested.',
				  HINT = 'Reject this change; if the supplier still wants it, request it again against the current account.';
	END IF;
	PERFORM set_config('procgov.applying_bank_change', 'on', true);
	UPDATE procgov.supplier s
	   SET iban = (doc->>'new_iban')::procgov.iban,
		   iban_payable_from = now() + (SELECT e.bank_cooling_off FROM procgov.entity e WHERE e.entity_id = s.entity_id)
	 WHERE s.entity_id = doc->>'entity_id' AND s.supplier_id = (doc->>'supplier_id')::bigint;
	PERFORM set_config('procgov.applying_bank_change', 'off', true);
	RETURN NULL;
END
$$;

-- ---- lines: totals, versions after approval ----

-- a line change on an approved order is a material change: new version, maybe re-approval
CREATE FUNCTION procgov.record_order_version(old_doc jsonb, new_doc jsonb, OUT version integer, OUT reapprove boolean)
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	e text := new_doc->>'entity_id';
	id bigint := (new_doc->>'po_id')::bigint;
	snap jsonb;
	before jsonb;
	approved procgov.amount := (old_doc->>'approved_total')::procgov.amount;
	total procgov.amount := (new_doc->>'total')::procgov.amount;
BEGIN
	snap := new_doc || jsonb_build_object('lines',
		(SELECT coalesce(jsonb_agg(procgov.row_jsonb(l) ORDER BY l.line_no), '[]') FROM procgov.purchase_order_line l
		  WHERE l.entity_id = e AND l.po_id = id));
	-- one version per transaction: later changes in it revise the same version
	SELECT v.version INTO version FROM procgov.purchase_order_version v
	 WHERE v.entity_id = e AND v.po_id = id AND v.txid = pg_current_xact_id()
	 ORDER BY v.version DESC LIMIT 1;
	IF FOUND THEN
		UPDATE procgov.purchase_order_version v SET snapshot = snap || jsonb_build_object('version', version), total = total
		 WHERE v.entity_id = e AND v.po_id = id AND v.version = record_order_version.version;
	ELSE
		version := (old_doc->>'version')::integer + 1;
		INSERT INTO procgov.purchase_order_version (entity_id, po_id, version, total, snapshot, reason, created_by)
		VALUES (e, id, version, total, snap || jsonb_build_object('version', version),
				nullif(current_setting('procgov.reason', true), ''), procgov.current_actor());
	END IF;
	-- a change within the policy's change tolerance stands; without a policy any increase needs approval.
	-- Another supplier, buyer, cost centre or site is another decision: which rules apply, whose
	-- budget line, who may not approve it
	reapprove := (old_doc->>'supplier_id') IS DISTINCT FROM (new_doc->>'supplier_id')
				 OR (old_doc->>'buyer') IS DISTINCT FROM (new_doc->>'buyer')
				 OR (old_doc->>'cost_center') IS DISTINCT FROM (new_doc->>'cost_center')
				 OR (old_doc->>'site') IS DISTINCT FROM (new_doc->>'site')
				 OR approved IS NULL
				 OR procgov.currency(approved) <> procgov.currency(total)
				 OR (total > approved AND NOT procgov.within(total, approved,
						coalesce((SELECT p.change_tolerance FROM procgov.policy p
								   WHERE p.entity_id = e AND p.policy_id = (new_doc->>'policy_id')::bigint), '0')))
				 -- a line buying what the approved version did not (an item, or for a line without
				 -- one its description) is another decision: its category may have rules of its own
				 OR EXISTS (SELECT FROM procgov.purchase_order_line l, procgov.purchase_order_version v
							 WHERE l.entity_id = e AND l.po_id = id
							   AND v.entity_id = e AND v.po_id = id AND v.version = (old_doc->>'approved_version')::integer
							   AND NOT EXISTS (SELECT FROM jsonb_array_elements(v.snapshot -> 'lines') a
												WHERE coalesce(a ->> 'item_id', 'description:' || (a ->> 'description'))
													  = coalesce(l.item_id::text, 'description:' || l.description)));
	-- a version that stands without approval commits its own total on the budget line
	-- (one sent back for approval releases its commitment and commits again when approved)
	-- a rise the budget line cannot absorb goes back for approval, where budget_available decides.
	-- The line is locked before it is read, as budget_available locks it: two rises at once
	-- (or a rise and an approval) on one line each see what the other committed
	IF NOT reapprove THEN
		PERFORM FROM procgov.budget b JOIN procgov.document_commitment c ON b.entity_id = c.entity_id AND b.budget_id = c.budget_id
		  WHERE c.entity_id = e AND c.doc_kind = 'purchase_order' AND c.doc_id = id
		  ORDER BY b.entity_id, b.budget_id
		  FOR NO KEY UPDATE OF b;
	END IF;
	IF NOT reapprove AND EXISTS (
			SELECT FROM procgov.document_commitment c JOIN procgov.budget b ON b.entity_id = c.entity_id AND b.budget_id = c.budget_id
			 WHERE c.entity_id = e AND c.doc_kind = 'purchase_order' AND c.doc_id = id
			   AND total OPERATOR(procgov.>) c.amount
			   AND (b.amount OPERATOR(procgov.-) b.committed OPERATOR(procgov.-) b.spent)
				   OPERATOR(procgov.<) (total OPERATOR(procgov.-) c.amount)) THEN
		reapprove := true;
	END IF;
	IF NOT reapprove THEN
		UPDATE procgov.budget b SET committed = b.committed - c.amount + total
		  FROM procgov.document_commitment c
		 WHERE c.entity_id = e AND c.doc_kind = 'purchase_order' AND c.doc_id = id
		   AND b.entity_id = c.entity_id AND b.budget_id = c.budget_id AND c.amount OPERATOR(procgov.<>) total;
		UPDATE procgov.document_commitment c SET amount = total
		 WHERE c.entity_id = e AND c.doc_kind = 'purchase_order' AND c.doc_id = id AND c.amount OPERATOR(procgov.<>) total;
	END IF;
	SELECT v.snapshot INTO before FROM procgov.purchase_order_version v
	 WHERE v.entity_id = e AND v.po_id = id AND v.version = (old_doc->>'approved_version')::integer;
	PERFORM procgov.emit('po.changed', 'purchase_order:' || e || ':' || (new_doc->>'number'),
		jsonb_build_object('before', before, 'after', snap || jsonb_build_object('version', version),
						   'reapproval', reapprove),
		(new_doc->>'correlation_id')::uuid, NULL, version, e);
END
$$;
COMMENT ON FUNCTION procgov.record_order_version(jsonb, jsonb) IS 'records a new version of an order changed after approval (one per transaction), emits po.changed with both versions, says whether it needs approval again (used by the governance trigger), and moves the budget commitment of a version that stands to its total';

CREATE FUNCTION procgov.current_actor() RETURNS text
	AS 'MODULE_PATHNAME', 'current_actor' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.current_actor() IS 'the acting end user as the ledger records it: procgov.actor, else the calling role (outside any SECURITY DEFINER function)';

-- the version an approval covers keeps its snapshot, lines included
CREATE OR REPLACE FUNCTION procgov.effect_approve_version(kind text, doc jsonb, from_state procgov.state, to_state procgov.state)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	e text := doc->>'entity_id';
	id bigint := (doc->>'po_id')::bigint;
	v integer := (doc->>'version')::integer;
BEGIN
	INSERT INTO procgov.purchase_order_version (entity_id, po_id, version, total, snapshot, created_by)
	VALUES (e, id, v, (doc->>'total')::procgov.amount,
			doc || jsonb_build_object('lines',
				(SELECT coalesce(jsonb_agg(procgov.row_jsonb(l) ORDER BY l.line_no), '[]') FROM procgov.purchase_order_line l
				  WHERE l.entity_id = e AND l.po_id = id)),
			procgov.current_actor())
	ON CONFLICT ON CONSTRAINT purchase_order_version_pkey DO UPDATE SET snapshot = excluded.snapshot, total = excluded.total;
	RETURN jsonb_build_object('approved_total', doc->'total', 'approved_version', v);
END
$$;

-- lines of a received, closed or cancelled order no longer change in substance;
-- otherwise the order's total follows its lines (the governance trigger versions it)
CREATE FUNCTION procgov.refresh_order_total(entity text, id bigint) RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
BEGIN
	-- the order first: a concurrent change of its lines commits before the sum
	-- is taken (in its own statement, so it sees that change)
	PERFORM 1 FROM procgov.purchase_order p WHERE p.entity_id = entity AND p.po_id = id FOR NO KEY UPDATE;
	PERFORM procgov.check_lines_editable(entity, id);
	UPDATE procgov.purchase_order p SET total = s.total
	  FROM (SELECT coalesce(procgov.sum(l.quantity * l.unit_price), procgov.amount(0, procgov.currency(p0.total))) AS total
			  FROM procgov.purchase_order p0
			  LEFT JOIN procgov.purchase_order_line l ON l.entity_id = p0.entity_id AND l.po_id = p0.po_id
			 WHERE p0.entity_id = entity AND p0.po_id = id
			 GROUP BY p0.total) s
	 WHERE p.entity_id = entity AND p.po_id = id AND p.total IS DISTINCT FROM s.total;
END
$$;
COMMENT ON FUNCTION procgov.refresh_order_total(text, bigint) IS 'refuses line changes on an order being received or finished, and sets the order''s total to the sum of its lines when it differs (used by the lines trigger)';

CREATE FUNCTION procgov.refresh_requisition_total(entity text, id bigint) RETURNS void
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	req procgov.requisition;
BEGIN
	-- the document first: a concurrent change of its lines commits before the sum
	-- is taken (in its own statement, so it sees that change)
	SELECT r.* INTO req FROM procgov.requisition r WHERE r.entity_id = entity AND r.requisition_id = id FOR NO KEY UPDATE;
	-- the approvers decide on the requisition as submitted; once approved it is converted as it is
	IF req.state NOT IN ('draft', 'rejected')
	   AND procgov.enforcing() THEN
		RAISE EXCEPTION 'the lines of requisition % (%) cannot change once it is submitted', req.number, entity
			USING ERRCODE = '55000',
				  DETAIL = format('The requisition is %s.', replace(req.state::text, '_', ' ')),
				  HINT = 'Have it rejected (it goes back to its requester as a draft), or cancel it and raise a new one.';
	END IF;
	UPDATE procgov.requisition r SET total = s.total
	  FROM (SELECT coalesce(procgov.sum(l.quantity * l.unit_price), procgov.amount(0, procgov.currency(r0.total))) AS total
			  FROM procgov.requisition r0
			  LEFT JOIN procgov.requisition_line l ON l.entity_id = r0.entity_id AND l.requisition_id = r0.requisition_id
			 WHERE r0.entity_id = entity AND r0.requisition_id = id
			 GROUP BY r0.total) s
	 WHERE r.entity_id = entity AND r.requisition_id = id AND r.total IS DISTINCT FROM s.total;
END
$$;
COMMENT ON FUNCTION procgov.refresh_requisition_total(text, bigint) IS 'refuses line changes on a requisition once submitted, and sets its total to the sum of its lines when it differs (used by the lines trigger)';

-- keep an order's or requisition's total the sum of its lines (rows inserted or deleted: once per statement)
CREATE FUNCTION procgov.lines_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'lines_changed' LANGUAGE C SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp;
COMMENT ON FUNCTION procgov.lines_changed() IS 'trigger on order and requisition lines (per statement for inserts and deletes, per row for changed quantities and prices): keeps the document''s total the sum of its lines, which the governance trigger versions after approval';

CREATE FUNCTION procgov.check_lines_editable(entity text, id bigint) RETURNS void
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	po procgov.purchase_order;
BEGIN
	SELECT * INTO po FROM procgov.purchase_order WHERE entity_id = entity AND po_id = id;
	-- with the rules off (a migration, an ERP table's rows adopted) history loads as it was
	IF po.state IN ('partially_received', 'received', 'matched', 'closed', 'cancelled')
	   AND procgov.enforcing() THEN
		RAISE EXCEPTION 'the lines of purchase order % (%) can no longer change', po.number, entity
			USING ERRCODE = '55000',
				  DETAIL = format('The order is %s.', replace(po.state::text, '_', ' ')),
				  HINT = 'Order the difference on a new purchase order.';
	END IF;
	-- the approvers decide on the order as submitted: its plan was made for these lines
	IF po.state IN ('submitted', 'pending_approval')
	   AND procgov.enforcing() THEN
		RAISE EXCEPTION 'the lines of purchase order % (%) cannot change while it awaits approval', po.number, entity
			USING ERRCODE = '55000',
				  DETAIL = format('The order is %s; its approval steps were planned for the lines it was submitted with.',
								  replace(po.state::text, '_', ' ')),
				  HINT = 'Have it rejected (it goes back to its buyer as a draft), change it, and submit it again; or cancel it.';
	END IF;
END
$$;
COMMENT ON FUNCTION procgov.check_lines_editable(text, bigint) IS 'refuses quantity, price and line changes on an order that awaits approval (its plan was made for its lines), is being received or is finished';

-- what a line buys decides which rules apply (an item's category, a
-- requisition line's supplier): once the document is submitted it is not
-- changed in place, whoever writes the line; delete it and add another,
-- which a document awaiting approval refuses and an approved order versions
-- and sends back for approval.  Free while draft or rejected, and with the
-- rules off (procgov.enforce, a migration)
CREATE FUNCTION procgov.check_line_identity() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	orders boolean := TG_TABLE_NAME = 'purchase_order_line';
	st procgov.state;
	num text;
BEGIN
	IF NOT procgov.enforcing() THEN
		RETURN NULL;
	END IF;
	IF orders THEN
		SELECT p.state, p.number INTO st, num FROM procgov.purchase_order p WHERE p.entity_id = OLD.entity_id AND p.po_id = OLD.po_id;
	ELSE
		SELECT r.state, r.number INTO st, num FROM procgov.requisition r
		 WHERE r.entity_id = OLD.entity_id AND r.requisition_id = OLD.requisition_id;
	END IF;
	IF st IS NULL OR st IN ('draft', 'rejected') THEN
		RETURN NULL;
	END IF;
	RAISE EXCEPTION 'line % of % % (%) cannot change its %', OLD.line_no, CASE WHEN orders THEN 'purchase order' ELSE 'requisition' END,
		num, OLD.entity_id, CASE WHEN OLD.item_id IS DISTINCT FROM NEW.item_id THEN 'item'
								 WHEN OLD.line_no IS DISTINCT FROM NEW.line_no THEN 'line number'
								 WHEN OLD.description IS DISTINCT FROM NEW.description THEN 'description'
								 ELSE 'supplier' END
		USING ERRCODE = '55000',
			  DETAIL = format(CASE WHEN OLD.line_no IS DISTINCT FROM NEW.line_no AND OLD.item_id IS NOT DISTINCT FROM NEW.item_id
								   THEN 'The %s is %s; receipts, acknowledgements and invoices name its lines by number.'
								   ELSE 'The %s is %s; which rules apply to it depends on what its lines buy and from whom.' END,
							  CASE WHEN orders THEN 'order' ELSE 'requisition' END, replace(st::text, '_', ' ')),
			  HINT = 'Delete the line and add one for the other item (an approved order is versioned and goes back for approval), or have the document rejected and rework it as a draft.';
END
$$;
COMMENT ON FUNCTION procgov.check_line_identity() IS 'trigger: refuses changing what a line is once its document is submitted: its item (or a requisition line''s supplier), which decide the rules that apply, its number, which receipts, acknowledgements and invoices name, and the description of a line without an item';
-- AFTER, not BEFORE: a BEFORE row trigger makes every update of the table
-- fetch the old row again, column list or not (matching bills a million lines)
CREATE TRIGGER line_identity AFTER UPDATE OF item_id, line_no, description ON procgov.purchase_order_line
	FOR EACH ROW WHEN (OLD.item_id IS DISTINCT FROM NEW.item_id OR OLD.line_no <> NEW.line_no
					   OR (NEW.item_id IS NULL AND OLD.description IS DISTINCT FROM NEW.description))
	EXECUTE FUNCTION procgov.check_line_identity();
CREATE TRIGGER line_identity AFTER UPDATE OF item_id, supplier_id, line_no, description ON procgov.requisition_line
	FOR EACH ROW WHEN (OLD.item_id IS DISTINCT FROM NEW.item_id OR OLD.supplier_id IS DISTINCT FROM NEW.supplier_id
					   OR OLD.line_no <> NEW.line_no
					   OR (NEW.item_id IS NULL AND OLD.description IS DISTINCT FROM NEW.description))
	EXECUTE FUNCTION procgov.check_line_identity();

-- a material change sent an approved order back for approval, and its new plan
-- has no step (the policy approves it as it is now): it is approved again at
-- once, as procgov.submit() approves a plan with no step; the guards still run
CREATE FUNCTION procgov.reapproval_unplanned() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
BEGIN
	IF NEW.policy_id IS NOT NULL AND NOT EXISTS (
			SELECT FROM procgov.approval_step s WHERE s.entity_id = NEW.entity_id AND s.doc_kind = 'purchase_order'
			   AND s.doc_id = NEW.po_id AND s.doc_version = NEW.version AND s.status <> 'superseded') THEN
		BEGIN
			UPDATE procgov.purchase_order p SET state = 'approved' WHERE p.entity_id = NEW.entity_id AND p.po_id = NEW.po_id;
		EXCEPTION WHEN object_not_in_prerequisite_state THEN
			-- a guard does not hold (the budget line cannot take the rise): it waits,
			-- and its author submits it again once it does
			NULL;
		END;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION procgov.reapproval_unplanned() IS 'trigger: an order sent back for approval by a material change whose new plan has no step is approved again at once';
CREATE TRIGGER reapproval_unplanned AFTER UPDATE ON procgov.purchase_order
	FOR EACH ROW WHEN (NEW.state = 'pending_approval' AND OLD.state IN ('approved', 'transmitted', 'acknowledged', 'shipped'))
	EXECUTE FUNCTION procgov.reapproval_unplanned();

CREATE TRIGGER lines_inserted AFTER INSERT ON procgov.purchase_order_line
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION procgov.lines_changed();
-- updates: only those that change a quantity or a price or move a line to another
-- document, decided by the executor (receipts and confirmations update lines many
-- times a day and change no total);
-- queued row events fire after the statement, so the first recomputes the total
-- and the others find it right
CREATE TRIGGER lines_updated AFTER UPDATE OF quantity, unit_price, entity_id, po_id ON procgov.purchase_order_line
	FOR EACH ROW WHEN (OLD.quantity IS DISTINCT FROM NEW.quantity OR OLD.unit_price::text IS DISTINCT FROM NEW.unit_price::text
		OR OLD.entity_id IS DISTINCT FROM NEW.entity_id OR OLD.po_id IS DISTINCT FROM NEW.po_id)
	EXECUTE FUNCTION procgov.lines_changed();
-- a line that arrived or was billed is part of the order's history: it stays
-- (the order closes short instead); else cancelling the order after deleting
-- it would drop what was received or billed, and the budget with it
CREATE FUNCTION procgov.refuse_used_line_delete() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
BEGIN
	IF procgov.enforcing() THEN
		RAISE EXCEPTION 'line % of purchase order % (%) has been received or billed; it stays on the order', OLD.line_no,
			(SELECT p.number FROM procgov.purchase_order p WHERE p.entity_id = OLD.entity_id AND p.po_id = OLD.po_id), OLD.entity_id
			USING ERRCODE = '55000',
				  DETAIL = format('It ordered %s, received %s, billed %s.', OLD.quantity, OLD.received_qty, OLD.invoiced_qty),
				  HINT = 'Close the order short instead; a return of goods is a receipt correction.';
	END IF;
	RETURN OLD;
END
$$;
COMMENT ON FUNCTION procgov.refuse_used_line_delete() IS 'trigger: refuses deleting (or, from a governed ERP line table, zeroing) an order line that has received or billed quantities';
CREATE TRIGGER line_used BEFORE DELETE ON procgov.purchase_order_line
	FOR EACH ROW WHEN (OLD.received_qty > 0 OR OLD.invoiced_qty > 0) EXECUTE FUNCTION procgov.refuse_used_line_delete();
CREATE TRIGGER lines_deleted AFTER DELETE ON procgov.purchase_order_line
	REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION procgov.lines_changed();
CREATE TRIGGER lines_inserted AFTER INSERT ON procgov.requisition_line
	REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION procgov.lines_changed();
CREATE TRIGGER lines_updated AFTER UPDATE OF quantity, unit_price, entity_id, requisition_id ON procgov.requisition_line
	FOR EACH ROW WHEN (OLD.quantity IS DISTINCT FROM NEW.quantity OR OLD.unit_price::text IS DISTINCT FROM NEW.unit_price::text
		OR OLD.entity_id IS DISTINCT FROM NEW.entity_id OR OLD.requisition_id IS DISTINCT FROM NEW.requisition_id)
	EXECUTE FUNCTION procgov.lines_changed();
CREATE TRIGGER lines_deleted AFTER DELETE ON procgov.requisition_line
	REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION procgov.lines_changed();

-- ---- the SQL API: helpers ----
-- The API functions below are SECURITY DEFINER with a pinned search_path.
-- The helpers in this section run only inside them (EXECUTE is revoked
-- from PUBLIC and granted to nobody), so they need no rights of their own
-- and run as SECURITY INVOKER on the caller's pinned path: no second
-- privilege switch per helper call.  All SQL in them is static, so
-- PL/pgSQL plans it once per backend.

CREATE FUNCTION procgov.check_entity(entity text, to_act boolean DEFAULT true) RETURNS procgov.entity
	LANGUAGE plpgsql STABLE
	AS $$
#variable_conflict use_variable
DECLARE
	e procgov.entity;
BEGIN
	IF entity IS NULL THEN
		RAISE EXCEPTION 'no entity given'
			USING ERRCODE = '22023', DETAIL = 'The entity argument is NULL.',
				  HINT = 'Pass the code of the entity the document belongs to, as in procgov.entity.';
	END IF;
	-- access first: whether an entity the caller may not see exists is none of its business
	IF to_act THEN
		PERFORM procgov.check_entity_access(entity);
	END IF;
	SELECT * INTO e FROM procgov.entity WHERE entity_id = entity;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'entity "%" does not exist', entity
			USING ERRCODE = '42704', HINT = 'Add it to procgov.entity first, or check the entity code.';
	END IF;
	RETURN e;
END
$$;
COMMENT ON FUNCTION procgov.check_entity(text, boolean) IS 'the entity row, or an error naming the missing or unknown code; with to_act, first an error (42501) when the caller may not act on it';

-- a document kind the API knows, or the error lock_document gives for another
-- the kinds procgov.lock_document knows (src/guards.c), one list for both
CREATE FUNCTION procgov.check_kind(kind text) RETURNS text
	AS 'MODULE_PATHNAME', 'check_kind' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.check_kind(text) IS 'the document kind, or an error (22023) when it is NULL or not one of requisition, purchase_order, receipt, invoice, bank_change';

-- who may cancel or close which kind (docs/security.md): requester the
-- requisitions and orders, receiver the receipts and invoices, admin all
-- of them and bank changes; checked on the calling role, as EXECUTE is
CREATE FUNCTION procgov.check_kind_role(kind text, action text) RETURNS void
	LANGUAGE plpgsql STABLE
	AS $$
#variable_conflict use_variable
DECLARE
	who text := procgov.calling_role();
	role text := CASE procgov.check_kind(kind)
					 WHEN 'requisition' THEN 'procgov_requester' WHEN 'purchase_order' THEN 'procgov_requester'
					 WHEN 'receipt' THEN 'procgov_receiver' WHEN 'invoice' THEN 'procgov_receiver'
					 ELSE 'procgov_admin' END;
BEGIN
	IF pg_has_role(who, role, 'USAGE') OR pg_has_role(who, 'procgov_admin', 'USAGE') THEN
		RETURN;
	END IF;
	RAISE EXCEPTION 'role % may not % documents of kind %', who, action, kind
		USING ERRCODE = '42501',
			  DETAIL = format('Documents of kind %s are cancelled and closed by members of %s.', kind,
							  CASE role WHEN 'procgov_admin' THEN role ELSE role || ' or procgov_admin' END),
			  HINT = format('Have a member of %s %s it.', role, action);
END
$$;
COMMENT ON FUNCTION procgov.check_kind_role(text, text) IS 'an error (22023) for an unknown kind, else an error (42501) unless the calling role may cancel or close documents of the kind: procgov_requester requisitions and purchase orders, procgov_receiver receipts and invoices, procgov_admin all';

-- a document by kind and number, locked for the rest of the transaction: a
-- concurrent change waits, then this call sees what it did
CREATE FUNCTION procgov.lock_document(kind text, entity text, doc_number text) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'lock_document' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION procgov.lock_document(text, text, text) IS 'a document by kind, entity and number as jsonb, its row locked for the rest of the transaction; an error when there is none';

-- move a document to a state: the governance trigger decides whether it may
CREATE FUNCTION procgov.set_state(kind text, entity text, doc_number text, to_state procgov.state) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	AS $$
#variable_conflict use_variable
DECLARE
	d jsonb;
BEGIN
	PERFORM procgov.check_entity_access(entity);
	CASE kind
		WHEN 'purchase_order' THEN
			UPDATE procgov.purchase_order x SET state = to_state WHERE x.entity_id = entity AND x.number = doc_number RETURNING procgov.row_jsonb(x) INTO d;
		WHEN 'requisition' THEN
			UPDATE procgov.requisition x SET state = to_state WHERE x.entity_id = entity AND x.number = doc_number RETURNING procgov.row_jsonb(x) INTO d;
		WHEN 'receipt' THEN
			UPDATE procgov.receipt x SET state = to_state WHERE x.entity_id = entity AND x.number = doc_number RETURNING procgov.row_jsonb(x) INTO d;
		WHEN 'invoice' THEN
			UPDATE procgov.invoice x SET state = to_state WHERE x.entity_id = entity AND x.number = doc_number RETURNING procgov.row_jsonb(x) INTO d;
		WHEN 'bank_change' THEN
			UPDATE procgov.bank_change x SET state = to_state WHERE x.entity_id = entity AND x.number = doc_number RETURNING procgov.row_jsonb(x) INTO d;
		ELSE
			RAISE EXCEPTION 'unknown document kind "%"', kind
				USING ERRCODE = '22023', HINT = 'Use requisition, purchase_order, receipt, invoice or bank_change.';
	END CASE;
	IF d IS NULL THEN
		RAISE EXCEPTION '% % does not exist in entity %', procgov.kind_label(kind), coalesce(doc_number, 'NULL'), entity
			USING ERRCODE = '42704', HINT = 'Check the document number and the entity.';
	END IF;
	RETURN d;
END
$$;
COMMENT ON FUNCTION procgov.set_state(text, text, text, procgov.state) IS 'set a document''s state through the governance trigger (which refuses what the rules forbid); returns the document as it is afterwards';

-- what the API functions return about a document
CREATE FUNCTION procgov.doc_result(kind text, doc jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'doc_result' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.doc_result(text, jsonb) IS 'what the API functions return about a document: kind, entity, number, state, total, version, correlation id';

CREATE FUNCTION procgov.next_number(entity text, kind text, prefix text) RETURNS text
	LANGUAGE plpgsql VOLATILE
	AS $$
#variable_conflict use_variable
DECLARE
	n bigint;
BEGIN
	INSERT INTO procgov.document_counter AS c (entity_id, kind, next_number) VALUES (entity, kind, 2)
	ON CONFLICT ON CONSTRAINT document_counter_pkey DO UPDATE SET next_number = c.next_number + 1
	RETURNING c.next_number - 1 INTO n;
	RETURN prefix || lpad(n::text, 6, '0');
END
$$;
COMMENT ON FUNCTION procgov.next_number(text, text, text) IS 'the next document number of a kind in an entity, e.g. PO-000042 (gapless: concurrent callers in one entity wait for each other''s commit)';

-- a document's number: the one the caller gives (an ERP's own), never blank, else the next one
CREATE FUNCTION procgov.new_doc_number(entity text, kind text, prefix text, given text) RETURNS text
	LANGUAGE plpgsql VOLATILE
	AS $$
BEGIN
	IF given IS NULL THEN
		RETURN procgov.next_number(entity, kind, prefix);
	END IF;
	IF btrim(given) = '' THEN
		RAISE EXCEPTION 'a % number cannot be blank', procgov.kind_label(kind)
			USING ERRCODE = '22023', DETAIL = format('The number given is "%s".', given),
				  HINT = 'Pass the number the ERP shows, or leave it out (NULL) and procgov numbers the document.';
	END IF;
	RETURN given;
END
$$;
COMMENT ON FUNCTION procgov.new_doc_number(text, text, text, text) IS 'the number of a new document: the one given (never blank), else the next of its kind in the entity (procgov.next_number)';

-- the input of a call as its idempotency key compares it (src/api.c)
CREATE FUNCTION procgov.idempotency_form(request jsonb) RETURNS jsonb
	AS 'MODULE_PATHNAME', 'idempotency_form' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION procgov.idempotency_form(jsonb) IS 'a call''s input as its idempotency key compares it: numbers by value (10.0 is 10), object fields that are JSON null left out; strings as written';

-- Idempotency: the first call with a key does the work and stores its result
-- and who made it; a repeat by the same person with the same input returns
-- that result; other input, or another person, is refused.
-- Callers skip both calls when they have no key.
CREATE FUNCTION procgov.idempotent_begin(entity text, operation text, key text, request jsonb) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	AS $$
#variable_conflict use_variable
DECLARE
	h bytea;
	r procgov.idempotency;
	actor text := procgov.current_actor();
BEGIN
	IF key IS NULL THEN
		RETURN NULL;
	END IF;
	-- a stored result is the document's: only for whoever may act on its entity
	PERFORM procgov.check_entity(entity);
	IF length(key) NOT BETWEEN 1 AND 200 THEN
		RAISE EXCEPTION 'idempotency key must be 1 to 200 characters'
			USING ERRCODE = '22023', DETAIL = format('The key is %s characters long.', length(key)),
				  HINT = 'Use a UUID or the ERP''s own request id.';
	END IF;
	h := sha256(convert_to(procgov.idempotency_form(request)::text, 'UTF8'));
	-- a concurrent first call with the same key makes this insert wait for it
	INSERT INTO procgov.idempotency (entity_id, operation, key, request_hash, actor)
	VALUES (entity, operation, key, h, actor) ON CONFLICT DO NOTHING;
	IF FOUND THEN
		RETURN NULL;
	END IF;
	SELECT * INTO r FROM procgov.idempotency i WHERE i.entity_id = entity AND i.operation = idempotent_begin.operation AND i.key = idempotent_begin.key;
	-- another person's key: their result is not this person's action
	IF r.actor <> actor THEN
		RAISE EXCEPTION 'idempotency key "%" was first used by another person', key
			USING ERRCODE = '23505',
				  DETAIL = format('%s used it first, for %s; the caller acts as %s.', r.actor, operation, actor),
				  HINT = 'Use a key of your own for your own action (derive it from the person as well as the request); only its first user repeats a request with a key.';
	END IF;
	IF r.request_hash <> h THEN
		RAISE EXCEPTION 'idempotency key "%" was already used for a different % request', key, operation
			USING ERRCODE = '23505',
				  DETAIL = 'The key was first used with other input.',
				  HINT = 'Use a new key for a new request; repeat a request only with the same input (numbers compare by value, strings as written).';
	END IF;
	RETURN r.result;
END
$$;
COMMENT ON FUNCTION procgov.idempotent_begin(text, text, text, jsonb) IS 'start an idempotent call: NULL to go ahead, the stored result for a repeat, an error for a key reused with other input or by another person';

CREATE FUNCTION procgov.idempotent_end(entity text, operation text, key text, result jsonb) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	AS $$
#variable_conflict use_variable
BEGIN
	IF key IS NOT NULL THEN
		UPDATE procgov.idempotency i SET result = idempotent_end.result
		 WHERE i.entity_id = entity AND i.operation = idempotent_end.operation AND i.key = idempotent_end.key;
	END IF;
	RETURN result;
END
$$;
COMMENT ON FUNCTION procgov.idempotent_end(text, text, text, jsonb) IS 'finish an idempotent call: store its result for repeats, and return it';

-- a document line given as jsonb, checked field by field (src/api.c)
CREATE FUNCTION procgov.line_field(lines jsonb, i integer, field text, required boolean DEFAULT true) RETURNS text
	AS 'MODULE_PATHNAME', 'line_field' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.line_field(jsonb, integer, text, boolean) IS 'one field of one line (0-based) of a jsonb array of lines, as ->> renders it, or an error naming the line';

CREATE FUNCTION procgov.line_quantity(lines jsonb, i integer) RETURNS numeric
	AS 'MODULE_PATHNAME', 'line_quantity' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.line_quantity(jsonb, integer) IS 'the positive, finite quantity of one line (within numeric(18,4)), or an error naming the line';

CREATE FUNCTION procgov.line_decimal(lines jsonb, i integer, field text) RETURNS numeric
	AS 'MODULE_PATHNAME', 'line_decimal' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.line_decimal(jsonb, integer, text) IS 'an optional quantity field of one line (e.g. confirmed_qty): NULL when absent, else a number of zero or more within numeric(18,4), or an error naming the line and the value';

CREATE FUNCTION procgov.line_date(lines jsonb, i integer, field text) RETURNS date
	AS 'MODULE_PATHNAME', 'line_date' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.line_date(jsonb, integer, text) IS 'an optional date field of one line (need_by, confirmed_date): NULL when absent, else a finite date, or an error naming the line and the value';

CREATE FUNCTION procgov.line_price(lines jsonb, i integer, currency text DEFAULT NULL) RETURNS procgov.amount
	AS 'MODULE_PATHNAME', 'line_price' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.line_price(jsonb, integer, text) IS 'the unit price of one line as procgov.amount, not negative, and in the document''s currency when one is given';

CREATE FUNCTION procgov.check_lines(lines jsonb) RETURNS integer
	AS 'MODULE_PATHNAME', 'check_lines' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.check_lines(jsonb) IS 'the number of lines, or an error when lines is not a non-empty array';

-- the order line a receipt or acknowledgement line names, checked once per line
CREATE FUNCTION procgov.line_number(lines jsonb, i integer, order_number text, seen integer[]) RETURNS integer
	LANGUAGE plpgsql IMMUTABLE
	AS $$
#variable_conflict use_variable
DECLARE
	v text := procgov.line_field(lines, i, 'line');
BEGIN
	IF v !~ '^[[:space:]]*[0-9]{1,9}[[:space:]]*$' THEN
		RAISE EXCEPTION 'line % names order line "%"', i + 1, v
			USING ERRCODE = '22023', HINT = 'Give "line" as the order''s line number, e.g. 1.';
	END IF;
	IF v::integer = ANY (seen) THEN
		RAISE EXCEPTION 'order line % of purchase order % is given twice', v::integer, order_number
			USING ERRCODE = '22023', HINT = 'Give each order line once, with its whole quantity.';
	END IF;
	RETURN v::integer;
END
$$;
COMMENT ON FUNCTION procgov.line_number(jsonb, integer, text, integer[]) IS 'the order line number a line names, or an error when it is not a number or given twice';

CREATE FUNCTION procgov.supplier_by_code(entity text, code text) RETURNS procgov.supplier
	LANGUAGE plpgsql STABLE
	AS $$
#variable_conflict use_variable
DECLARE
	s procgov.supplier;
BEGIN
	SELECT * INTO s FROM procgov.supplier WHERE entity_id = entity AND supplier.code = supplier_by_code.code;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'supplier "%" does not exist in entity %', code, entity
			USING ERRCODE = '42704', HINT = 'Add the supplier to procgov.supplier, or check its code.';
	END IF;
	RETURN s;
END
$$;
COMMENT ON FUNCTION procgov.supplier_by_code(text, text) IS 'a supplier by its code, or an error';

CREATE FUNCTION procgov.item_by_sku(entity text, sku text) RETURNS procgov.item
	LANGUAGE plpgsql STABLE
	AS $$
#variable_conflict use_variable
DECLARE
	it procgov.item;
BEGIN
	IF sku IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT * INTO it FROM procgov.item WHERE entity_id = entity AND item.sku = item_by_sku.sku;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'item "%" does not exist in entity %', sku, entity
			USING ERRCODE = '42704', HINT = 'Add the item to procgov.item, or give a description instead.';
	END IF;
	RETURN it;
END
$$;
COMMENT ON FUNCTION procgov.item_by_sku(text, text) IS 'an item by its SKU (NULL for NULL), or an error';

CREATE FUNCTION procgov.budget_for(entity text, cost_center text, period text) RETURNS bigint
	LANGUAGE plpgsql STABLE
	AS $$
#variable_conflict use_variable
DECLARE
	id bigint;
BEGIN
	IF period IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT budget_id INTO id FROM procgov.budget b WHERE b.entity_id = entity AND b.cost_center = budget_for.cost_center AND b.period = budget_for.period;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no budget line for cost centre % in period % of entity %', coalesce(cost_center, 'NULL'), period, entity
			USING ERRCODE = '42704', HINT = 'Add the budget line to procgov.budget, or leave the budget period out.';
	END IF;
	RETURN id;
END
$$;
COMMENT ON FUNCTION procgov.budget_for(text, text, text) IS 'the budget line of a cost centre and period (NULL without a period), or an error';

-- the total of a document's lines in its currency, each line checked (item or
-- description, quantity, price) in order, so the first bad line is named
CREATE FUNCTION procgov.lines_total(entity text, lines jsonb, need_supplier boolean) RETURNS procgov.amount
	LANGUAGE plpgsql STABLE
	AS $$
#variable_conflict use_variable
DECLARE
	n integer := procgov.check_lines(lines);
	cur text := procgov.currency(procgov.line_price(lines, 0));
	total procgov.amount := procgov.amount(0, cur);
	sku text;
BEGIN
	FOR i IN 0 .. n - 1 LOOP
		IF need_supplier THEN
			PERFORM procgov.supplier_by_code(entity, procgov.line_field(lines, i, 'supplier'));
		END IF;
		sku := lines->i->>'item';
		IF sku IS NOT NULL THEN
			PERFORM procgov.item_by_sku(entity, sku);
		ELSE
			PERFORM procgov.line_field(lines, i, 'description');
		END IF;
		total := total + procgov.line_quantity(lines, i) * procgov.line_price(lines, i, cur);
	END LOOP;
	RETURN total;
END
$$;
COMMENT ON FUNCTION procgov.lines_total(text, jsonb, boolean) IS 'the total of a jsonb array of lines, checking each line (and its supplier on requisitions) and naming the first that is wrong';

-- ---- the SQL API: requisitions ----

CREATE FUNCTION procgov.create_requisition(entity text, cost_center text, lines jsonb,
	requester text DEFAULT NULL, needed_by date DEFAULT NULL, budget_period text DEFAULT NULL,
	number text DEFAULT NULL, idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	prior jsonb := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, 'create_requisition', idempotency_key,
		jsonb_build_object('cost_center', cost_center, 'lines', lines, 'requester', requester,
						   'needed_by', needed_by, 'budget_period', budget_period, 'number', number)) END;
	total procgov.amount;
	r procgov.requisition;
BEGIN
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	PERFORM procgov.check_entity(entity);
	IF cost_center IS NULL OR cost_center = '' THEN
		RAISE EXCEPTION 'a requisition needs a cost centre' USING ERRCODE = '22023', HINT = 'Pass the cost centre it is charged to.';
	END IF;
	total := procgov.lines_total(entity, lines, true);
	INSERT INTO procgov.requisition (entity_id, number, requester, cost_center, budget_id, needed_by, total)
	VALUES (entity, procgov.new_doc_number(entity, 'requisition', 'REQ-', number),
			coalesce(requester, procgov.current_actor()), cost_center,
			procgov.budget_for(entity, cost_center, budget_period), needed_by, total)
	RETURNING * INTO r;
	INSERT INTO procgov.requisition_line (entity_id, requisition_id, line_no, item_id, description, quantity, unit_price, supplier_id)
	SELECT entity, r.requisition_id, gs.k + 1, it.item_id,
		   coalesce(lines->gs.k->>'description', it.description, lines->gs.k->>'item'),
		   procgov.line_quantity(lines, gs.k), procgov.line_price(lines, gs.k), sp.supplier_id
	  FROM generate_series(0, jsonb_array_length(lines) - 1) AS gs(k)
	  JOIN procgov.supplier sp ON sp.entity_id = entity AND sp.code = lines->gs.k->>'supplier'
	  LEFT JOIN procgov.item it ON it.entity_id = entity AND it.sku = lines->gs.k->>'item';
	RETURN procgov.idempotent_end(entity, 'create_requisition', idempotency_key, procgov.doc_result('requisition', to_jsonb(r)));
END
$$;
COMMENT ON FUNCTION procgov.create_requisition(text, text, jsonb, text, date, text, text, text) IS 'create a draft requisition: lines [{"item": sku or "description", "quantity", "unit_price", "supplier": code}, ...]';

CREATE FUNCTION procgov.submit_requisition(entity text, number text, idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
BEGIN
	RETURN procgov.submit('requisition', entity, number, false, NULL, idempotency_key);
END
$$;
COMMENT ON FUNCTION procgov.submit_requisition(text, text, text) IS 'submit a draft requisition for approval';

-- ---- approvals (the policy engine assigns steps; this records the decision) ----

CREATE FUNCTION procgov.decide(kind text, entity text, number text, decision text, comment text, idempotency_key text)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	AS $$
#variable_conflict use_variable
DECLARE
	-- the kind first: it names the operation a key is stored under
	op text := CASE decision WHEN 'approved' THEN 'approve_' ELSE 'reject_' END || procgov.check_kind(kind);
	prior jsonb := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, op, idempotency_key,
		jsonb_build_object('number', number, CASE decision WHEN 'approved' THEN 'comment' ELSE 'reason' END, comment)) END;
	d jsonb;
	sid bigint;
	r jsonb;
BEGIN
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	d := procgov.lock_document(kind, entity, number);
	IF d->>'state' <> 'pending_approval' THEN
		RAISE EXCEPTION '% % (%) is not awaiting approval', procgov.kind_label(kind), number, entity
			USING ERRCODE = '55000', DETAIL = format('It is %s.', replace(d->>'state', '_', ' ')),
				  HINT = 'Only documents pending approval can be approved or rejected.';
	END IF;
	-- under a policy: the step this person may decide, with every check of procgov.approve()
	IF d->>'policy_id' IS NOT NULL THEN
		sid := procgov.step_for_actor(kind, entity, number);
		IF sid IS NULL THEN
			RAISE EXCEPTION '% % (%) has no open approval step', procgov.kind_label(kind), number, entity
				USING ERRCODE = '55000',
					  HINT = CASE WHEN d->>'state' = 'pending_approval'
								  THEN 'Its plan has no step left to decide: once its guards hold (budget, supplier), its author submits it again with procgov.submit_order().'
								  ELSE 'Its plan is complete; the guards of the transition decide whether it moves.' END;
		END IF;
		-- a hold is cleared only by name: approving the document never clears one in passing
		IF decision = 'approved' AND EXISTS (SELECT FROM procgov.approval_step s WHERE s.step_id = sid AND s.status = 'held') THEN
			RAISE EXCEPTION 'approval step % of % % is held', sid, procgov.kind_label(kind), number
				USING ERRCODE = '55000',
					  DETAIL = format('No pending step of %s is left for %s; this one holds it for review.',
									  number, procgov.current_actor()),
					  HINT = format('Review the hold and clear it by name with procgov.approve(%s), or reject the document.', sid);
		END IF;
		r := procgov.decide_step(sid, decision, comment, NULL);
		RETURN procgov.idempotent_end(entity, op, idempotency_key, (r -> 'document') || jsonb_build_object('step', r - 'document'));
	END IF;
	INSERT INTO procgov.approval (entity_id, doc_kind, doc_id, doc_version, decision, decided_by, comment)
	VALUES (entity, kind, procgov.doc_id(kind, d), coalesce((d->>'version')::integer, 1), decision,
			procgov.current_actor(), comment);
	PERFORM procgov.audit_append(kind || ':' || entity || ':' || number,
		CASE decision WHEN 'approved' THEN 'approve' ELSE 'reject' END,
		jsonb_build_object('decision', decision, 'doc_version', coalesce((d->>'version')::integer, 1)), nullif(comment, ''));
	IF decision = 'rejected' THEN
		PERFORM set_config('procgov.reason', comment, true);
	END IF;
	RETURN procgov.idempotent_end(entity, op, idempotency_key,
		procgov.doc_result(kind, procgov.set_state(kind, entity, number, decision::procgov.state)));
END
$$;
COMMENT ON FUNCTION procgov.decide(text, text, text, text, text, text) IS 'record an approval decision on a document pending approval and move it (used by approve_document and reject_document)';

CREATE FUNCTION procgov.approve_document(kind text, entity text, number text, comment text DEFAULT NULL,
	idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
BEGIN
	RETURN procgov.decide(kind, entity, number, 'approved', comment, idempotency_key);
END
$$;
COMMENT ON FUNCTION procgov.approve_document(text, text, text, text, text) IS 'approve a document pending approval as the acting user; its guards (another approver than the author, supplier, budget) decide whether it moves to approved';

CREATE FUNCTION procgov.reject_document(kind text, entity text, number text, reason text,
	idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
BEGIN
	IF reason IS NULL OR reason = '' THEN
		RAISE EXCEPTION 'a rejection needs a reason' USING ERRCODE = '22023', HINT = 'Say why, so the author can rework it.';
	END IF;
	RETURN procgov.decide(kind, entity, number, 'rejected', reason, idempotency_key);
END
$$;
COMMENT ON FUNCTION procgov.reject_document(text, text, text, text, text) IS 'reject a document pending approval, with a reason';

-- ---- the SQL API: purchase orders ----

CREATE FUNCTION procgov.insert_order(entity text, supplier procgov.supplier, lines jsonb, buyer text,
	cost_center text, budget_id bigint, need_by date, number text, requisition_id bigint, correlation_id uuid)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	AS $$
#variable_conflict use_variable
DECLARE
	total procgov.amount := procgov.lines_total(entity, lines, false);
	po procgov.purchase_order;
BEGIN
	INSERT INTO procgov.purchase_order (entity_id, number, requisition_id, supplier_id, buyer, cost_center,
										budget_id, total, need_by, correlation_id)
	VALUES (entity, procgov.new_doc_number(entity, 'purchase_order', 'PO-', number), requisition_id,
			supplier.supplier_id, coalesce(buyer, procgov.current_actor()), cost_center, budget_id, total, need_by,
			coalesce(correlation_id, gen_random_uuid()))
	RETURNING * INTO po;
	INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, item_id, description, quantity, unit_price, need_by)
	SELECT entity, po.po_id, gs.k + 1, it.item_id, coalesce(lines->gs.k->>'description', it.description),
		   procgov.line_quantity(lines, gs.k), procgov.line_price(lines, gs.k),
		   coalesce(procgov.line_date(lines, gs.k, 'need_by'), need_by)
	  FROM generate_series(0, jsonb_array_length(lines) - 1) AS gs(k)
	  LEFT JOIN procgov.item it ON it.entity_id = entity AND it.sku = lines->gs.k->>'item';
	RETURN procgov.row_jsonb(po);
END
$$;
COMMENT ON FUNCTION procgov.insert_order(text, procgov.supplier, jsonb, text, text, bigint, date, text, bigint, uuid) IS 'insert a draft order and its lines, returning the order as jsonb (used by create_purchase_order and convert_requisition)';

CREATE FUNCTION procgov.create_purchase_order(entity text, supplier text, lines jsonb, buyer text DEFAULT NULL,
	cost_center text DEFAULT NULL, budget_period text DEFAULT NULL, need_by date DEFAULT NULL,
	number text DEFAULT NULL, idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	prior jsonb := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, 'create_purchase_order', idempotency_key,
		jsonb_build_object('supplier', supplier, 'lines', lines, 'buyer', buyer, 'cost_center', cost_center,
						   'budget_period', budget_period, 'need_by', need_by, 'number', number)) END;
BEGIN
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	PERFORM procgov.check_entity(entity);
	RETURN procgov.idempotent_end(entity, 'create_purchase_order', idempotency_key,
		procgov.doc_result('purchase_order',
			procgov.insert_order(entity, procgov.supplier_by_code(entity, supplier), lines, buyer, cost_center,
								 procgov.budget_for(entity, cost_center, budget_period), need_by, number, NULL, NULL)));
END
$$;
COMMENT ON FUNCTION procgov.create_purchase_order(text, text, jsonb, text, text, text, date, text, text) IS 'create a draft purchase order to a supplier (by code): lines [{"item": sku or "description", "quantity", "unit_price"}, ...]';

CREATE FUNCTION procgov.convert_requisition(entity text, number text, buyer text DEFAULT NULL,
	idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	prior jsonb := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, 'convert_requisition',
		idempotency_key, jsonb_build_object('number', number, 'buyer', buyer)) END;
	r procgov.requisition;
	s record;
	orders jsonb := '[]';
BEGIN
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	r := jsonb_populate_record(NULL::procgov.requisition, procgov.lock_document('requisition', entity, number));
	IF r.state <> 'approved' THEN
		RAISE EXCEPTION 'requisition % (%) is not approved', number, entity
			USING ERRCODE = '55000', DETAIL = format('It is %s.', replace(r.state::text, '_', ' ')),
				  HINT = 'Only approved requisitions become purchase orders.';
	END IF;
	-- one order per supplier, sharing the requisition's correlation id
	FOR s IN
		SELECT l.supplier_id,
			   jsonb_agg(jsonb_strip_nulls(jsonb_build_object('item', i.sku, 'description', l.description,
								'quantity', l.quantity, 'unit_price', l.unit_price::text)) ORDER BY l.line_no) AS lines
		  FROM procgov.requisition_line l LEFT JOIN procgov.item i ON i.entity_id = l.entity_id AND i.item_id = l.item_id
		 WHERE l.entity_id = entity AND l.requisition_id = r.requisition_id
		 GROUP BY l.supplier_id ORDER BY min(l.line_no)
	LOOP
		orders := orders || procgov.doc_result('purchase_order', procgov.insert_order(entity,
			(SELECT sp FROM procgov.supplier sp WHERE sp.entity_id = entity AND sp.supplier_id = s.supplier_id),
			s.lines, buyer, r.cost_center, r.budget_id, r.needed_by, NULL, r.requisition_id, r.correlation_id));
	END LOOP;
	RETURN procgov.idempotent_end(entity, 'convert_requisition', idempotency_key,
		procgov.doc_result('requisition', procgov.set_state('requisition', entity, number, 'closed'))
		|| jsonb_build_object('orders', orders));
END
$$;
COMMENT ON FUNCTION procgov.convert_requisition(text, text, text, text) IS 'turn an approved requisition into draft purchase orders, one per supplier, and close it';

CREATE FUNCTION procgov.order_step(entity text, number text, operation text, to_state procgov.state,
	idempotency_key text)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	AS $$
#variable_conflict use_variable
DECLARE
	prior jsonb := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, operation,
		idempotency_key, jsonb_build_object('number', number)) END;
BEGIN
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	RETURN procgov.idempotent_end(entity, operation, idempotency_key,
		procgov.doc_result('purchase_order', procgov.set_state('purchase_order', entity, number, to_state)));
END
$$;
COMMENT ON FUNCTION procgov.order_step(text, text, text, procgov.state, text) IS 'move a purchase order to a state, idempotently (used by submit_order and transmit_order)';

CREATE FUNCTION procgov.submit_order(entity text, number text, idempotency_key text DEFAULT NULL) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
BEGIN
	RETURN procgov.submit('purchase_order', entity, number, false, NULL, idempotency_key);
END
$$;
COMMENT ON FUNCTION procgov.submit_order(text, text, text) IS 'submit a draft purchase order for approval';

CREATE FUNCTION procgov.transmit_order(entity text, number text, idempotency_key text DEFAULT NULL) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
BEGIN
	RETURN procgov.order_step(entity, number, 'transmit_order', 'transmitted', idempotency_key);
END
$$;
COMMENT ON FUNCTION procgov.transmit_order(text, text, text) IS 'record that an approved purchase order was sent to its supplier';

CREATE FUNCTION procgov.record_acknowledgement(entity text, number text, lines jsonb DEFAULT NULL,
	note text DEFAULT NULL, idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	prior jsonb := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, 'record_acknowledgement',
		idempotency_key, jsonb_build_object('number', number, 'lines', lines, 'note', note)) END;
	d jsonb;
	po_id bigint;
	ack_id bigint;
	seen integer[] := '{}';
	ln integer;
BEGIN
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	d := procgov.lock_document('purchase_order', entity, number);
	po_id := (d->>'po_id')::bigint;
	IF d->>'state' NOT IN ('transmitted', 'acknowledged', 'shipped', 'partially_received') THEN
		RAISE EXCEPTION 'purchase order % (%) cannot be acknowledged', number, entity
			USING ERRCODE = '55000', DETAIL = format('It is %s.', replace(d->>'state', '_', ' ')),
				  HINT = 'A supplier acknowledges an order that was transmitted to it.';
	END IF;
	IF lines IS NOT NULL THEN
		FOR i IN 0 .. procgov.check_lines(lines) - 1 LOOP
			ln := procgov.line_number(lines, i, number, seen);
			seen := seen || ln;
			IF NOT EXISTS (SELECT FROM procgov.purchase_order_line l WHERE l.entity_id = entity AND l.po_id = po_id AND l.line_no = ln) THEN
				RAISE EXCEPTION 'purchase order % has no line %', number, ln
					USING ERRCODE = '22023', HINT = 'Acknowledge the order''s own line numbers.';
			END IF;
			-- checked here, line by line, so the casts below cannot fail
			PERFORM procgov.line_decimal(lines, i, 'confirmed_qty'), procgov.line_date(lines, i, 'confirmed_date');
		END LOOP;
	END IF;
	INSERT INTO procgov.acknowledgement (entity_id, po_id, recorded_by, note)
	VALUES (entity, po_id, procgov.current_actor(), note) RETURNING acknowledgement.ack_id INTO ack_id;
	-- without lines: confirmed as ordered
	INSERT INTO procgov.acknowledgement_line (entity_id, ack_id, line_no, confirmed_qty, confirmed_date)
	SELECT entity, ack_id, l.line_no,
		   CASE WHEN lines IS NULL THEN l.quantity ELSE coalesce((a.j->>'confirmed_qty')::numeric, l.quantity) END,
		   CASE WHEN lines IS NULL THEN l.need_by ELSE (a.j->>'confirmed_date')::date END
	  FROM procgov.purchase_order_line l
	  LEFT JOIN jsonb_array_elements(lines) AS a(j) ON (a.j->>'line')::integer = l.line_no
	 WHERE l.entity_id = entity AND l.po_id = po_id AND (lines IS NULL OR a.j IS NOT NULL);
	UPDATE procgov.purchase_order_line l SET confirmed_qty = a.confirmed_qty, confirmed_date = a.confirmed_date
	  FROM procgov.acknowledgement_line a
	 WHERE a.entity_id = entity AND a.ack_id = ack_id
	   AND l.entity_id = entity AND l.po_id = po_id AND l.line_no = a.line_no;
	IF d->>'state' = 'transmitted' THEN
		d := procgov.set_state('purchase_order', entity, number, 'acknowledged');
	END IF;
	RETURN procgov.idempotent_end(entity, 'record_acknowledgement', idempotency_key, procgov.doc_result('purchase_order', d));
END
$$;
COMMENT ON FUNCTION procgov.record_acknowledgement(text, text, jsonb, text, text) IS 'record the supplier''s acknowledgement of an order: lines [{"line", "confirmed_qty", "confirmed_date"}, ...], or NULL when confirmed as ordered';

CREATE FUNCTION procgov.post_receipt(entity text, order_number text, lines jsonb, number text DEFAULT NULL,
	idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	prior jsonb := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, 'post_receipt',
		idempotency_key, jsonb_build_object('order', order_number, 'lines', lines, 'number', number)) END;
	d jsonb;
	po_id bigint;
	rc procgov.receipt;
	seen integer[] := '{}';
	ln integer;
	q numeric;
	l procgov.purchase_order_line;
	open_lines boolean;
BEGIN
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	d := procgov.lock_document('purchase_order', entity, order_number);
	po_id := (d->>'po_id')::bigint;
	FOR i IN 0 .. procgov.check_lines(lines) - 1 LOOP
		ln := procgov.line_number(lines, i, order_number, seen);
		seen := seen || ln;
		q := procgov.line_quantity(lines, i);
		SELECT * INTO l FROM procgov.purchase_order_line pl WHERE pl.entity_id = entity AND pl.po_id = po_id AND pl.line_no = ln;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'purchase order % has no line %', order_number, ln
				USING ERRCODE = '22023', HINT = 'Receive against the order''s own line numbers.';
		END IF;
		IF l.received_qty + q > l.quantity THEN
			RAISE EXCEPTION 'receiving % on line % of purchase order % exceeds what was ordered', q, ln, order_number
				USING ERRCODE = '22023',
					  DETAIL = format('%s ordered, %s received before.', l.quantity, l.received_qty),
					  HINT = 'Receive at most the open quantity; refuse or return the excess.';
		END IF;
	END LOOP;
	INSERT INTO procgov.receipt (entity_id, number, po_id, received_by, correlation_id)
	VALUES (entity, procgov.new_doc_number(entity, 'receipt', 'GR-', number), po_id,
			procgov.current_actor(), (d->>'correlation_id')::uuid)
	RETURNING * INTO rc;
	INSERT INTO procgov.receipt_line (entity_id, receipt_id, line_no, quantity)
	SELECT entity, rc.receipt_id, (r.j->>'line')::integer, procgov.line_quantity(lines, (r.n - 1)::integer)
	  FROM jsonb_array_elements(lines) WITH ORDINALITY AS r(j, n);
	PERFORM procgov.set_state('receipt', entity, rc.number, 'posted');
	UPDATE procgov.purchase_order_line pl SET received_qty = pl.received_qty + r.quantity
	  FROM procgov.receipt_line r
	 WHERE r.entity_id = entity AND r.receipt_id = rc.receipt_id
	   AND pl.entity_id = entity AND pl.po_id = po_id AND pl.line_no = r.line_no;
	open_lines := EXISTS (SELECT FROM procgov.purchase_order_line pl
						   WHERE pl.entity_id = entity AND pl.po_id = po_id AND pl.received_qty < pl.quantity);
	IF NOT open_lines THEN
		d := procgov.set_state('purchase_order', entity, order_number, 'received');
	ELSIF d->>'state' <> 'partially_received' THEN
		d := procgov.set_state('purchase_order', entity, order_number, 'partially_received');
	END IF;
	rc.state := 'posted';
	RETURN procgov.idempotent_end(entity, 'post_receipt', idempotency_key,
		procgov.doc_result('receipt', procgov.row_jsonb(rc)) || jsonb_build_object('order', procgov.doc_result('purchase_order', d)));
END
$$;
COMMENT ON FUNCTION procgov.post_receipt(text, text, jsonb, text, text) IS 'post a goods receipt against an order, in full or in part: lines [{"line", "quantity"}, ...]';

-- ---- the SQL API: invoices, cancel, close, bank changes ----

-- only what was approved is billed: an order from its approval on (not a draft, one
-- waiting for approval or re-approval, a rejected or a cancelled one).  One rule for
-- register_invoice(), the ERP's invoiced figures and matching (src/match.c, inlined)
CREATE FUNCTION procgov.order_billable(state procgov.state) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT state NOT IN ('draft', 'submitted', 'pending_approval', 'rejected', 'cancelled') $$;
COMMENT ON FUNCTION procgov.order_billable(procgov.state) IS 'whether an order in this state may be billed: from its approval on, not once cancelled (register_invoice, the ERP''s invoiced figures, matching)';

CREATE FUNCTION procgov.register_invoice(entity text, supplier text, supplier_invoice_no text, invoice_date date,
	lines jsonb, order_number text DEFAULT NULL, pay_to_iban procgov.iban DEFAULT NULL, number text DEFAULT NULL,
	idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	prior jsonb := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, 'register_invoice', idempotency_key,
		jsonb_build_object('supplier', supplier, 'supplier_invoice_no', supplier_invoice_no, 'invoice_date', invoice_date,
						   'lines', lines, 'order', order_number, 'pay_to_iban', pay_to_iban, 'number', number)) END;
	s procgov.supplier;
	po procgov.purchase_order;
	n integer;
	cur text;
	total procgov.amount;
	inv procgov.invoice;
	pl text;
BEGIN
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	-- the entity before anything is read in it: another entity's suppliers,
	-- invoices and numbers are not the caller's to probe
	PERFORM procgov.check_entity(entity);
	s := procgov.supplier_by_code(entity, supplier);
	n := procgov.check_lines(lines);
	cur := procgov.currency(procgov.line_price(lines, 0));
	total := procgov.amount(0, cur);
	IF supplier_invoice_no IS NULL OR supplier_invoice_no = '' OR invoice_date IS NULL THEN
		RAISE EXCEPTION 'an invoice needs the supplier''s invoice number and date'
			USING ERRCODE = '22023', HINT = 'Pass them as printed on the invoice.';
	END IF;
	IF order_number IS NOT NULL THEN
		po := jsonb_populate_record(NULL::procgov.purchase_order, procgov.lock_document('purchase_order', entity, order_number));
		IF po.supplier_id <> s.supplier_id THEN
			RAISE EXCEPTION 'purchase order % is not to supplier %', order_number, supplier
				USING ERRCODE = '22023', HINT = 'Register the invoice against an order to the same supplier.';
		END IF;
		-- only what was approved can be billed
		IF NOT procgov.order_billable(po.state) THEN
			RAISE EXCEPTION 'purchase order % is %; an invoice bills an approved order only', order_number, po.state
				USING ERRCODE = '55000',
					  DETAIL = format('Supplier %s invoices %s against it.', supplier, supplier_invoice_no),
					  HINT = CASE WHEN po.state = 'cancelled' THEN 'Register the invoice without an order (it is disputed as no_order), or against the order that replaced it.'
								  ELSE 'Have the order approved first, then register the invoice.' END;
		END IF;
	END IF;
	FOR i IN 0 .. n - 1 LOOP
		total := total + procgov.line_quantity(lines, i) * procgov.line_price(lines, i, cur);
		-- the order line it bills: a line of the invoice's order
		pl := lines->i->>'po_line';
		IF pl IS NOT NULL THEN
			IF po.po_id IS NULL THEN
				RAISE EXCEPTION 'line % bills order line %, but the invoice names no order', i + 1, pl
					USING ERRCODE = '22023', DETAIL = format('The line is %s.', lines->i),
						  HINT = 'Pass the order''s number as order_number, or leave po_line out.';
			END IF;
			IF pl !~ '^[[:space:]]*[0-9]{1,9}[[:space:]]*$' THEN
				RAISE EXCEPTION 'line % names order line "%"', i + 1, pl
					USING ERRCODE = '22023', DETAIL = format('The line is %s.', lines->i),
						  HINT = 'Give "po_line" as the order''s line number, e.g. 1.';
			END IF;
			-- matching values the line at the order's price: that must fit an amount
			IF EXISTS (SELECT FROM procgov.purchase_order_line l
						WHERE l.entity_id = entity AND l.po_id = po.po_id AND l.line_no = pl::integer
						  AND procgov.line_quantity(lines, i) * abs(procgov.value(l.unit_price)) > 922337203685477) THEN
				RAISE EXCEPTION 'line % bills more of order line % than procgov.amount can value', i + 1, pl
					USING ERRCODE = '22003', DETAIL = format('The line is %s; at the order line''s price its value is beyond 922337203685477.', lines->i),
						  HINT = 'Check the line''s quantity.';
			END IF;
			IF NOT EXISTS (SELECT FROM procgov.purchase_order_line l
							WHERE l.entity_id = entity AND l.po_id = po.po_id AND l.line_no = pl::integer) THEN
				RAISE EXCEPTION 'purchase order % has no line %', order_number, pl::integer
					USING ERRCODE = '22023', DETAIL = format('Line %s of the invoice bills it.', i + 1),
						  HINT = 'Bill the order''s own line numbers.';
			END IF;
		END IF;
	END LOOP;
	INSERT INTO procgov.invoice (entity_id, number, supplier_invoice_no, supplier_id, po_id, invoice_date, total,
								 pay_to_iban, correlation_id)
	VALUES (entity, procgov.new_doc_number(entity, 'invoice', 'INV-', number), supplier_invoice_no,
			s.supplier_id, po.po_id, invoice_date, total, coalesce(pay_to_iban, s.iban),
			coalesce(po.correlation_id, gen_random_uuid()))
	RETURNING * INTO inv;
	INSERT INTO procgov.invoice_line (entity_id, invoice_id, line_no, po_id, po_line_no, description, quantity, unit_price)
	SELECT entity, inv.invoice_id, gs.k + 1, po.po_id, (lines->gs.k->>'po_line')::integer,
		   coalesce(lines->gs.k->>'description', l.description, 'line ' || (gs.k + 1)),
		   procgov.line_quantity(lines, gs.k), procgov.line_price(lines, gs.k)
	  FROM generate_series(0, n - 1) AS gs(k)
	  LEFT JOIN procgov.purchase_order_line l
		ON l.entity_id = entity AND l.po_id = po.po_id AND l.line_no = (lines->gs.k->>'po_line')::integer;
	RETURN procgov.idempotent_end(entity, 'register_invoice', idempotency_key,
		procgov.doc_result('invoice', procgov.set_state('invoice', entity, inv.number, 'submitted')));
END
$$;
COMMENT ON FUNCTION procgov.register_invoice(text, text, text, date, jsonb, text, procgov.iban, text, text) IS 'register a supplier invoice, optionally against an order: lines [{"po_line", "description", "quantity", "unit_price"}, ...]';

CREATE FUNCTION procgov.cancel_document(kind text, entity text, number text, reason text,
	idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	prior jsonb;
BEGIN
	-- the kind and who may cancel it, before a key is looked up or stored
	PERFORM procgov.check_kind_role(kind, 'cancel');
	prior := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, 'cancel_' || kind,
		idempotency_key, jsonb_build_object('number', number, 'reason', reason)) END;
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	IF reason IS NULL OR reason = '' THEN
		RAISE EXCEPTION 'a cancellation needs a reason' USING ERRCODE = '22023', HINT = 'Say why; the reason goes into the audit ledger.';
	END IF;
	PERFORM set_config('procgov.reason', reason, true);
	RETURN procgov.idempotent_end(entity, 'cancel_' || kind, idempotency_key,
		procgov.doc_result(kind, procgov.set_state(kind, entity, number, 'cancelled')));
END
$$;
COMMENT ON FUNCTION procgov.cancel_document(text, text, text, text, text) IS 'cancel a document with a reason; an approved order releases its budget commitment';

CREATE FUNCTION procgov.close_document(kind text, entity text, number text, idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	prior jsonb;
BEGIN
	-- the kind and who may close it, before a key is looked up or stored
	PERFORM procgov.check_kind_role(kind, 'close');
	prior := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, 'close_' || kind,
		idempotency_key, jsonb_build_object('number', number)) END;
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	RETURN procgov.idempotent_end(entity, 'close_' || kind, idempotency_key,
		procgov.doc_result(kind, procgov.set_state(kind, entity, number, 'closed')));
END
$$;
COMMENT ON FUNCTION procgov.close_document(text, text, text, text) IS 'close a document; an order releases what it still commits on its budget';

CREATE FUNCTION procgov.request_bank_change(entity text, supplier text, new_iban procgov.iban, reason text,
	idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	prior jsonb := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, 'request_bank_change',
		idempotency_key, jsonb_build_object('supplier', supplier, 'new_iban', new_iban, 'reason', reason)) END;
	s procgov.supplier;
	bc procgov.bank_change;
BEGIN
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	-- the entity before its suppliers are read
	PERFORM procgov.check_entity(entity);
	s := procgov.supplier_by_code(entity, supplier);
	IF reason IS NULL OR reason = '' THEN
		RAISE EXCEPTION 'a bank account change needs a reason'
			USING ERRCODE = '22023', HINT = 'Say how the supplier asked for it (letter, call-back to a known number).';
	END IF;
	IF new_iban IS NULL THEN
		RAISE EXCEPTION 'a bank account change needs the new account'
			USING ERRCODE = '22004', HINT = 'Pass the IBAN the supplier asked for as new_iban.';
	END IF;
	IF new_iban = s.iban THEN
		RAISE EXCEPTION 'supplier % already has account %', supplier, new_iban
			USING ERRCODE = '22023', HINT = 'Request a change only to a different account.';
	END IF;
	-- one change at a time: each names the account it replaces, which the approver sees.
	-- The supplier is locked first: two requests at once each see the other's
	PERFORM FROM procgov.supplier x WHERE x.entity_id = entity AND x.supplier_id = s.supplier_id FOR NO KEY UPDATE;
	SELECT * INTO bc FROM procgov.bank_change b WHERE b.entity_id = entity AND b.supplier_id = s.supplier_id
	   AND b.state = 'pending_approval' ORDER BY b.bank_change_id LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'supplier % has a bank account change pending', supplier
			USING ERRCODE = '55000', DETAIL = format('%s asks for %s.', bc.number, bc.new_iban),
				  HINT = 'Have the pending change approved or rejected first.';
	END IF;
	INSERT INTO procgov.bank_change (entity_id, number, state, supplier_id, old_iban, new_iban, requested_by, reason)
	VALUES (entity, procgov.next_number(entity, 'bank_change', 'BC-'), 'pending_approval', s.supplier_id, s.iban,
			new_iban, procgov.current_actor(), reason)
	RETURNING * INTO bc;
	RETURN procgov.idempotent_end(entity, 'request_bank_change', idempotency_key, procgov.doc_result('bank_change', to_jsonb(bc)));
END
$$;
COMMENT ON FUNCTION procgov.request_bank_change(text, text, procgov.iban, text, text) IS 'request a change of a supplier''s bank account; it takes effect when an approver other than the requester approves it, and payments to the new account wait for the cooling-off period';
-- END model

-- BEGIN model comments
COMMENT ON TABLE procgov.requisition IS 'requisitions: a request to buy, approved before it becomes purchase orders';
COMMENT ON COLUMN procgov.requisition.entity_id IS 'owning entity';
COMMENT ON COLUMN procgov.requisition.requisition_id IS 'internal id';
COMMENT ON COLUMN procgov.requisition.number IS 'document number, e.g. REQ-000042';
COMMENT ON COLUMN procgov.requisition.state IS 'canonical state, moved only as procgov.transition allows';
COMMENT ON COLUMN procgov.requisition.requester IS 'who asks';
COMMENT ON COLUMN procgov.requisition.cost_center IS 'cost centre charged';
COMMENT ON COLUMN procgov.requisition.budget_id IS 'budget line checked at approval';
COMMENT ON COLUMN procgov.requisition.needed_by IS 'date needed';
COMMENT ON COLUMN procgov.requisition.total IS 'sum of the lines';
COMMENT ON COLUMN procgov.requisition.correlation_id IS 'shared by the requisition and every order, receipt and invoice that follows from it';
COMMENT ON COLUMN procgov.requisition.version IS 'document version';
COMMENT ON COLUMN procgov.requisition.created_at IS 'when it was created';
COMMENT ON COLUMN procgov.requisition.state_changed_at IS 'when the state last changed (stamped by the governance trigger)';
COMMENT ON COLUMN procgov.requisition.state_changed_by IS 'who changed the state last (stamped by the governance trigger)';
COMMENT ON TABLE procgov.requisition_line IS 'requisition lines: what, how many, at what price, from which supplier';
COMMENT ON TABLE procgov.purchase_order IS 'purchase orders: from draft through approval, transmission, acknowledgement and receipt to closure';
COMMENT ON COLUMN procgov.purchase_order.entity_id IS 'owning entity';
COMMENT ON COLUMN procgov.purchase_order.po_id IS 'internal id';
COMMENT ON COLUMN procgov.purchase_order.number IS 'document number, e.g. PO-000042';
COMMENT ON COLUMN procgov.purchase_order.state IS 'canonical state, moved only as procgov.transition allows';
COMMENT ON COLUMN procgov.purchase_order.requisition_id IS 'the requisition it came from, if any';
COMMENT ON COLUMN procgov.purchase_order.supplier_id IS 'the supplier';
COMMENT ON COLUMN procgov.purchase_order.buyer IS 'the buyer responsible (may not approve it)';
COMMENT ON COLUMN procgov.purchase_order.cost_center IS 'cost centre charged';
COMMENT ON COLUMN procgov.purchase_order.budget_id IS 'budget line committed at approval';
COMMENT ON COLUMN procgov.purchase_order.total IS 'sum of the lines, kept by a trigger on the lines';
COMMENT ON COLUMN procgov.purchase_order.version IS 'version: grows with each material change after approval';
COMMENT ON COLUMN procgov.purchase_order.approved_version IS 'the version the last approval covered';
COMMENT ON COLUMN procgov.purchase_order.approved_total IS 'the total the last approval covered: a larger total needs approval again';
COMMENT ON COLUMN procgov.purchase_order.need_by IS 'date needed';
COMMENT ON COLUMN procgov.purchase_order.correlation_id IS 'shared with its requisition, receipts and invoices';
COMMENT ON COLUMN procgov.purchase_order.created_at IS 'when it was created';
COMMENT ON COLUMN procgov.purchase_order.state_changed_at IS 'when the state last changed (stamped by the governance trigger)';
COMMENT ON COLUMN procgov.purchase_order.state_changed_by IS 'who changed the state last (stamped by the governance trigger)';
COMMENT ON TABLE procgov.purchase_order_line IS 'order lines with what was confirmed, received and invoiced against each';
COMMENT ON COLUMN procgov.purchase_order_line.quantity IS 'ordered quantity';
COMMENT ON COLUMN procgov.purchase_order_line.unit_price IS 'ordered unit price';
COMMENT ON COLUMN procgov.purchase_order_line.confirmed_qty IS 'quantity the supplier confirmed';
COMMENT ON COLUMN procgov.purchase_order_line.confirmed_date IS 'delivery date the supplier confirmed';
COMMENT ON COLUMN procgov.purchase_order_line.received_qty IS 'received so far, over all receipts';
COMMENT ON COLUMN procgov.purchase_order_line.invoiced_qty IS 'invoiced so far, over all invoices';
COMMENT ON TABLE procgov.purchase_order_version IS 'each approved version of an order and each material change after approval, with header and lines as they were';
COMMENT ON COLUMN procgov.purchase_order_version.snapshot IS 'the order and its lines at this version, as jsonb';
COMMENT ON COLUMN procgov.purchase_order_version.txid IS 'the transaction that made the version: changes within one transaction revise one version';
COMMENT ON TABLE procgov.acknowledgement IS 'the supplier''s acknowledgements of orders';
COMMENT ON TABLE procgov.acknowledgement_line IS 'confirmed quantity and date per order line, per acknowledgement';
COMMENT ON TABLE procgov.receipt IS 'goods receipts against orders, in full or in part';
COMMENT ON COLUMN procgov.receipt.state IS 'canonical state: draft while recorded, posted once received';
COMMENT ON TABLE procgov.receipt_line IS 'quantity received per order line';
COMMENT ON TABLE procgov.invoice IS 'supplier invoices, matched against orders and receipts before they are posted for payment';
COMMENT ON COLUMN procgov.invoice.number IS 'procgov''s document number';
COMMENT ON COLUMN procgov.invoice.supplier_invoice_no IS 'the number the supplier printed';
COMMENT ON COLUMN procgov.invoice.pay_to_iban IS 'the account the invoice asks to be paid to';
COMMENT ON COLUMN procgov.invoice.state IS 'canonical state, moved only as procgov.transition allows';
COMMENT ON TABLE procgov.invoice_line IS 'invoice lines, each optionally against an order line';
COMMENT ON TABLE procgov.bank_change IS 'requests to change a supplier''s bank account: governed documents that need another person''s approval';
COMMENT ON COLUMN procgov.bank_change.old_iban IS 'account before';
COMMENT ON COLUMN procgov.bank_change.new_iban IS 'account requested';
COMMENT ON COLUMN procgov.bank_change.requested_by IS 'who asked (may not approve it)';
COMMENT ON COLUMN procgov.bank_change.reason IS 'how the supplier asked for it';
COMMENT ON TABLE procgov.exception_case IS 'exceptions with an owner and a due date: mismatches, stalled documents, drift';
COMMENT ON COLUMN procgov.exception_case.kind IS 'what went wrong, e.g. price_over, no_receipt (docs/matching.md lists the kinds)';
COMMENT ON COLUMN procgov.exception_case.doc_kind IS 'kind of the document concerned';
COMMENT ON COLUMN procgov.exception_case.doc_number IS 'number of the document concerned';
COMMENT ON COLUMN procgov.exception_case.status IS 'open or resolved';
COMMENT ON COLUMN procgov.exception_case.owner IS 'who must resolve it';
COMMENT ON COLUMN procgov.exception_case.due_at IS 'when it must be resolved';
COMMENT ON COLUMN procgov.exception_case.updated_at IS 'when the finding last changed (a rematch with new figures updates the open case)';
COMMENT ON COLUMN procgov.exception_case.resolved_at IS 'when it was resolved';
COMMENT ON COLUMN procgov.exception_case.resolved_by IS 'who resolved it (procgov.actor), or procgov when a rematch cleared it';
COMMENT ON COLUMN procgov.exception_case.resolution IS 'variance_accepted, credit_requested, receipt_corrected, cleared or cancelled';
COMMENT ON COLUMN procgov.exception_case.details IS 'what the owner needs: the document, the order, the receipts and the figures per line';
COMMENT ON COLUMN procgov.exception_case.acceptances IS 'a variance case whose lines fall under several variance roles: the acceptances given so far, one per role (role, variance, by, at, reason); emptied when matching finds other figures';
COMMENT ON COLUMN procgov.invoice.supplier_invoice_key IS 'supplier_invoice_no normalised by procgov.invoice_number_key(), for duplicate detection';
COMMENT ON COLUMN procgov.invoice_line.po_id IS 'the order this line bills (procgov.register_invoice sets the invoice''s order); NULL: the invoice''s po_id';
COMMENT ON COLUMN procgov.invoice_line.po_line_no IS 'the order line it bills';
COMMENT ON TABLE procgov.approval IS 'approval decisions: who approved or rejected which version of which document';
COMMENT ON COLUMN procgov.approval.doc_version IS 'the document version decided on';
COMMENT ON COLUMN procgov.approval.decision IS 'approved or rejected';
COMMENT ON COLUMN procgov.approval.decided_by IS 'the acting user (procgov.actor)';
COMMENT ON TABLE procgov.idempotency IS 'idempotency keys of API calls: a repeat with the same key and input returns the first result';
COMMENT ON COLUMN procgov.idempotency.request_hash IS 'SHA-256 of the call''s input in procgov.idempotency_form() (numbers by value, null fields left out)';
COMMENT ON COLUMN procgov.idempotency.actor IS 'the person who first used the key (procgov.current_actor()): only they repeat the call with it';
COMMENT ON COLUMN procgov.idempotency.result IS 'what the first call returned';
-- END model comments

-- BEGIN model privileges
-- Tables: read by procgov's roles; written directly only by procgov_admin
-- (whose updates still pass the governance trigger); everyone else goes
-- through the API functions.
REVOKE ALL ON procgov.entity, procgov.supplier, procgov.item, procgov.contract, procgov.budget,
	procgov.document_counter, procgov.requisition, procgov.requisition_line, procgov.purchase_order,
	procgov.purchase_order_line, procgov.purchase_order_version, procgov.acknowledgement,
	procgov.acknowledgement_line, procgov.receipt, procgov.receipt_line, procgov.invoice,
	procgov.invoice_line, procgov.bank_change, procgov.exception_case, procgov.approval,
	procgov.idempotency, procgov.document_commitment, procgov.transition, procgov.guard, procgov.effect
	FROM PUBLIC;
GRANT SELECT ON procgov.entity, procgov.supplier, procgov.item, procgov.contract, procgov.budget,
	procgov.requisition, procgov.requisition_line, procgov.purchase_order, procgov.purchase_order_line,
	procgov.purchase_order_version, procgov.acknowledgement, procgov.acknowledgement_line, procgov.receipt,
	procgov.receipt_line, procgov.invoice, procgov.invoice_line, procgov.bank_change, procgov.exception_case,
	procgov.approval, procgov.document_commitment, procgov.transition, procgov.guard, procgov.effect
	TO procgov_admin, procgov_requester, procgov_approver, procgov_receiver, procgov_auditor;
GRANT INSERT, UPDATE, DELETE ON procgov.entity, procgov.supplier, procgov.item, procgov.contract,
	procgov.budget, procgov.transition, procgov.guard, procgov.effect TO procgov_admin;
GRANT INSERT, UPDATE ON procgov.requisition, procgov.requisition_line, procgov.purchase_order,
	procgov.purchase_order_line, procgov.receipt, procgov.receipt_line, procgov.invoice, procgov.invoice_line
	TO procgov_admin;
-- a case opens and closes only through matching and its resolutions (a row
-- written as resolved would settle an invoice's variance unaudited); an
-- admin may hand it to someone else or move its due date
GRANT UPDATE (owner, due_at) ON procgov.exception_case TO procgov_admin;
GRANT DELETE ON procgov.requisition_line, procgov.purchase_order_line, procgov.invoice_line TO procgov_admin;

-- Functions: nothing for PUBLIC; the API per role
DO $grants$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN
		SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
		 WHERE p.pronamespace = 'procgov'::regnamespace
		   AND p.proname IN ('govern_document', 'refuse_document_delete', 'check_line_identity', 'reapproval_unplanned', 'guard_supplier_iban', 'config_changed',
				'doc_id', 'kind_label', 'guard_has_lines', 'guard_approval_complete', 'guard_supplier_active',
				'guard_budget_available', 'guard_received', 'guard_fully_received', 'guard_partly_received', 'guard_fully_billed', 'guard_billed',
				'guard_nothing_received', 'guard_order_receivable', 'guard_matched_by_matching', 'guard_supplier_not_blocked', 'guard_bank_account_payable', 'guard_converted',
				'effect_commit_budget', 'effect_release_budget', 'effect_apply_bank_change', 'effect_approve_version',
				'record_order_version', 'lines_changed', 'refresh_order_total', 'refresh_requisition_total', 'check_lines_editable', 'check_entity',
				'lock_document', 'set_state', 'next_number', 'new_doc_number', 'idempotent_begin', 'idempotent_end', 'idempotency_form', 'check_kind', 'check_kind_role',
				'line_field', 'line_quantity', 'line_decimal', 'line_date', 'line_price', 'check_lines', 'line_number', 'lines_total',
				'supplier_by_code', 'item_by_sku', 'budget_for', 'doc_result', 'decide', 'create_requisition', 'submit_requisition', 'approve_document',
				'reject_document', 'insert_order', 'create_purchase_order', 'convert_requisition', 'order_step',
				'submit_order', 'transmit_order', 'record_acknowledgement', 'post_receipt', 'register_invoice',
				'cancel_document', 'close_document', 'request_bank_change')
	LOOP
		EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
	END LOOP;
END
$grants$;
GRANT EXECUTE ON FUNCTION procgov.create_requisition(text, text, jsonb, text, date, text, text, text),
	procgov.submit_requisition(text, text, text), procgov.create_purchase_order(text, text, jsonb, text, text, text, date, text, text),
	procgov.convert_requisition(text, text, text, text), procgov.submit_order(text, text, text),
	procgov.transmit_order(text, text, text), procgov.record_acknowledgement(text, text, jsonb, text, text),
	procgov.cancel_document(text, text, text, text, text), procgov.close_document(text, text, text, text)
	TO procgov_requester, procgov_admin;
GRANT EXECUTE ON FUNCTION procgov.approve_document(text, text, text, text, text),
	procgov.reject_document(text, text, text, text, text)
	TO procgov_approver, procgov_admin;
GRANT EXECUTE ON FUNCTION procgov.post_receipt(text, text, jsonb, text, text),
	procgov.register_invoice(text, text, text, date, jsonb, text, procgov.iban, text, text)
	TO procgov_receiver, procgov_admin;
-- accounts payable cancels and closes (pays) invoices: which kinds each role
-- may cancel or close is checked inside (procgov.check_kind_role)
GRANT EXECUTE ON FUNCTION procgov.cancel_document(text, text, text, text, text),
	procgov.close_document(text, text, text, text)
	TO procgov_receiver;
GRANT EXECUTE ON FUNCTION procgov.request_bank_change(text, text, procgov.iban, text, text) TO procgov_admin;
-- END model privileges

-- BEGIN policy
-- ===================================================================
-- Policy as data: versioned policy sets per entity, approval rules as
-- rows, approvers with limits, delegations, the approval steps a document
-- must pass, and advisory signals.  procgov.evaluate() compiles a policy
-- version once per backend and evaluates documents in C (src/policy.c);
-- the effect plan_approval turns its plan into approval steps whenever a
-- document goes to pending_approval, so no client can skip the policy.
-- ===================================================================

-- An SLA or a delay is added to timestamps: '1 month -29 days' is more than
-- zero as PostgreSQL compares intervals (a month counts 30 days), yet added
-- to 31 January it lands before it.  A duration moves every time forward:
-- more than zero, and no part of it negative.
CREATE FUNCTION procgov.forward_interval(i interval) RETURNS boolean
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT i > interval '0'
			 AND extract(year FROM i) >= 0 AND extract(month FROM i) >= 0 AND extract(day FROM i) >= 0
			 AND extract(hour FROM i) >= 0 AND extract(minute FROM i) >= 0 AND extract(second FROM i) >= 0 $$;
COMMENT ON FUNCTION procgov.forward_interval(interval) IS 'true when the interval is more than zero with no negative part, so that adding it to any timestamp moves it forward (the check on SLAs)';

CREATE TYPE procgov.policy_status AS ENUM ('draft', 'active', 'retired');
COMMENT ON TYPE procgov.policy_status IS 'lifecycle of a policy version: draft (editable), active (one per entity), retired';

CREATE TABLE procgov.policy (
	entity_id		text NOT NULL REFERENCES procgov.entity,
	policy_id		bigint GENERATED ALWAYS AS IDENTITY,
	version			integer NOT NULL CHECK (version > 0),
	name			text NOT NULL,
	status			procgov.policy_status NOT NULL DEFAULT 'draft',
	default_role	text NOT NULL DEFAULT 'approver',
	default_sla		interval NOT NULL DEFAULT '2 days' CHECK (procgov.forward_interval(default_sla)),
	change_tolerance procgov.tolerance NOT NULL DEFAULT '0',
	expedite_sla	interval NOT NULL DEFAULT '4 hours' CHECK (procgov.forward_interval(expedite_sla)),
	buyer_may_receive boolean NOT NULL DEFAULT false,
	hash			bytea,
	created_at		timestamptz NOT NULL DEFAULT now(),
	created_by		text NOT NULL DEFAULT procgov.current_actor(),
	activated_at	timestamptz,
	activated_by	text,
	retired_at		timestamptz,
	CONSTRAINT policy_pkey PRIMARY KEY (entity_id, policy_id),
	CONSTRAINT policy_version_key UNIQUE (entity_id, version)
);
CREATE UNIQUE INDEX policy_one_active ON procgov.policy (entity_id) WHERE status = 'active';
COMMENT ON TABLE procgov.policy IS 'versioned policy sets per entity: draft -> active -> retired, exactly one active per entity; a version''s rules are frozen once it leaves draft';
COMMENT ON COLUMN procgov.policy.entity_id IS 'entity the policy governs';
COMMENT ON COLUMN procgov.policy.policy_id IS 'internal id';
COMMENT ON COLUMN procgov.policy.version IS 'version number within the entity';
COMMENT ON COLUMN procgov.policy.name IS 'a name for people, e.g. FY2027 approval matrix';
COMMENT ON COLUMN procgov.policy.status IS 'draft, active or retired; set status = ''active'' (or call procgov.activate_policy) to activate';
COMMENT ON COLUMN procgov.policy.default_role IS 'role that approves a document no rule covers (one approval)';
COMMENT ON COLUMN procgov.policy.default_sla IS 'SLA of a step whose rule names none';
COMMENT ON COLUMN procgov.policy.change_tolerance IS 'a material change of an approved order within this tolerance of the approved total stands; beyond it the order is approved again';
COMMENT ON COLUMN procgov.policy.expedite_sla IS 'the faster path: an urgent document''s steps are due within this at most';
COMMENT ON COLUMN procgov.policy.buyer_may_receive IS 'false: the buyer who raised an order may not post its receipt';
COMMENT ON COLUMN procgov.policy.hash IS 'SHA-256 of the version as procgov.export_policy() writes it (without approvers), set on activation';
COMMENT ON COLUMN procgov.policy.created_at IS 'when the version was created';
COMMENT ON COLUMN procgov.policy.created_by IS 'who created it';
COMMENT ON COLUMN procgov.policy.activated_at IS 'when it became active';
COMMENT ON COLUMN procgov.policy.activated_by IS 'who activated it';
COMMENT ON COLUMN procgov.policy.retired_at IS 'when another version replaced it';

CREATE TABLE procgov.approval_rule (
	entity_id		text NOT NULL,
	policy_id		bigint NOT NULL,
	rule_id			bigint GENERATED ALWAYS AS IDENTITY,
	name			text NOT NULL,
	doc_kind		text CHECK (doc_kind IN ('requisition', 'purchase_order', 'bank_change')),
	amount_min		procgov.amount,
	amount_max		procgov.amount,
	cumulative		text CHECK (cumulative IN ('requester', 'supplier')),
	cumulative_window interval CHECK (cumulative_window > '0'),
	category_prefix	text CHECK (category_prefix <> ''),
	supplier_risk_tiers text[] CHECK (supplier_risk_tiers <@ ARRAY['low', 'medium', 'high']),
	supplier_statuses procgov.supplier_status[],
	new_supplier_days integer CHECK (new_supplier_days > 0),
	site			text,
	cost_center		text,
	off_contract	boolean,
	over_contract	procgov.tolerance,
	urgent			boolean,
	signal_kind		text,
	signal_min_score numeric CHECK (signal_min_score BETWEEN 0 AND 1),
	signal_min_confidence numeric CHECK (signal_min_confidence BETWEEN 0 AND 1),
	outcome			text NOT NULL CHECK (outcome IN ('auto_approve', 'require', 'block')),
	role			text,
	approvers		integer NOT NULL DEFAULT 1 CHECK (approvers BETWEEN 1 AND 10),
	sla				interval CHECK (procgov.forward_interval(sla)),
	escalate_to		text,
	reason			text,
	CONSTRAINT approval_rule_pkey PRIMARY KEY (entity_id, rule_id),
	CONSTRAINT approval_rule_name_key UNIQUE (entity_id, policy_id, name),
	CONSTRAINT approval_rule_policy_fkey FOREIGN KEY (entity_id, policy_id) REFERENCES procgov.policy ON DELETE CASCADE,
	CONSTRAINT approval_rule_role CHECK ((outcome = 'require') = (role IS NOT NULL)),
	CONSTRAINT approval_rule_block_reason CHECK (outcome <> 'block' OR coalesce(reason, '') <> ''),
	-- the line between recommendation and authorisation: a signal never approves
	CONSTRAINT approval_rule_signal_never_approves CHECK (signal_kind IS NULL OR outcome <> 'auto_approve'),
	CONSTRAINT approval_rule_signal_thresholds CHECK ((signal_kind IS NULL) = (signal_min_score IS NULL)),
	CONSTRAINT approval_rule_band CHECK (amount_min IS NULL OR amount_max IS NULL
		OR (procgov.currency(amount_min) = procgov.currency(amount_max) AND amount_min OPERATOR(procgov.<) amount_max)),
	CONSTRAINT approval_rule_cumulative CHECK ((cumulative IS NULL) = (cumulative_window IS NULL)
		AND (cumulative IS NULL OR amount_min IS NOT NULL OR amount_max IS NOT NULL))
);
CREATE INDEX approval_rule_policy ON procgov.approval_rule (entity_id, policy_id);
COMMENT ON TABLE procgov.approval_rule IS 'approval rules of a policy version: conditions (all that are set must hold) and an outcome (auto_approve, require a role, or block); docs/policy.md says how matching rules combine';
COMMENT ON COLUMN procgov.approval_rule.entity_id IS 'entity of the policy';
COMMENT ON COLUMN procgov.approval_rule.policy_id IS 'the policy version the rule belongs to';
COMMENT ON COLUMN procgov.approval_rule.rule_id IS 'internal id; rules are considered in this order';
COMMENT ON COLUMN procgov.approval_rule.name IS 'name shown in plans and explanations';
COMMENT ON COLUMN procgov.approval_rule.doc_kind IS 'condition: document kind (requisition, purchase_order, bank_change); NULL: any';
COMMENT ON COLUMN procgov.approval_rule.amount_min IS 'condition: total at least this (its currency: only documents in that currency match)';
COMMENT ON COLUMN procgov.approval_rule.amount_max IS 'condition: total below this';
COMMENT ON COLUMN procgov.approval_rule.cumulative IS 'requester or supplier: the amount band applies to this document plus the same requester''s (supplier''s) documents submitted within cumulative_window, so split orders are judged as one';
COMMENT ON COLUMN procgov.approval_rule.cumulative_window IS 'rolling window of the cumulative amount';
COMMENT ON COLUMN procgov.approval_rule.category_prefix IS 'condition: some line''s item category starts with this';
COMMENT ON COLUMN procgov.approval_rule.supplier_risk_tiers IS 'condition: some supplier of the document has one of these risk tiers';
COMMENT ON COLUMN procgov.approval_rule.supplier_statuses IS 'condition: some supplier has one of these statuses';
COMMENT ON COLUMN procgov.approval_rule.new_supplier_days IS 'condition: some supplier was created within this many days';
COMMENT ON COLUMN procgov.approval_rule.site IS 'condition: the document''s site or warehouse';
COMMENT ON COLUMN procgov.approval_rule.cost_center IS 'condition: the document''s cost centre';
COMMENT ON COLUMN procgov.approval_rule.off_contract IS 'condition: true when some line has no valid contract; false when every line has one';
COMMENT ON COLUMN procgov.approval_rule.over_contract IS 'condition: some line''s unit price is above its contract price by more than this tolerance';
COMMENT ON COLUMN procgov.approval_rule.urgent IS 'condition: the document is expedited (true) or not (false)';
COMMENT ON COLUMN procgov.approval_rule.signal_kind IS 'condition: an advisory signal of this kind with at least signal_min_score and signal_min_confidence; such a rule may add review or hold, never approve';
COMMENT ON COLUMN procgov.approval_rule.signal_min_score IS 'score threshold (0 to 1)';
COMMENT ON COLUMN procgov.approval_rule.signal_min_confidence IS 'confidence threshold (0 to 1); NULL: any';
COMMENT ON COLUMN procgov.approval_rule.outcome IS 'auto_approve, require (an approval step for role) or block (with reason)';
COMMENT ON COLUMN procgov.approval_rule.role IS 'role that must approve (outcome require)';
COMMENT ON COLUMN procgov.approval_rule.approvers IS 'how many different people of that role must approve';
COMMENT ON COLUMN procgov.approval_rule.sla IS 'how long the step may take; NULL: the policy''s default_sla';
COMMENT ON COLUMN procgov.approval_rule.escalate_to IS 'role an overdue step goes to (a role nobody holds is the end of the chain: the controller gets a case)';
COMMENT ON COLUMN procgov.approval_rule.reason IS 'why a document is blocked (outcome block)';

CREATE TABLE procgov.approver (
	entity_id		text NOT NULL REFERENCES procgov.entity,
	person			text NOT NULL,
	role			text NOT NULL,
	approval_limit	procgov.amount,
	active			boolean NOT NULL DEFAULT true,
	CONSTRAINT approver_pkey PRIMARY KEY (entity_id, person, role)
);
COMMENT ON TABLE procgov.approver IS 'who holds which approval role in an entity, and up to what amount';
COMMENT ON COLUMN procgov.approver.entity_id IS 'entity';
COMMENT ON COLUMN procgov.approver.person IS 'the person, as procgov.actor names them';
COMMENT ON COLUMN procgov.approver.role IS 'approval role, e.g. manager, director, cfo';
COMMENT ON COLUMN procgov.approver.approval_limit IS 'largest total the person may approve in this role (its currency only); NULL: no limit';
COMMENT ON COLUMN procgov.approver.active IS 'false: no longer assigned or allowed to approve';

CREATE TABLE procgov.delegation (
	entity_id		text NOT NULL REFERENCES procgov.entity,
	delegation_id	bigint GENERATED ALWAYS AS IDENTITY,
	from_person		text NOT NULL,
	to_person		text NOT NULL,
	valid			tstzrange NOT NULL CHECK (NOT isempty(valid) AND NOT lower_inf(valid) AND NOT upper_inf(valid)),
	role			text,
	doc_kind		text,
	created_at		timestamptz NOT NULL DEFAULT now(),
	created_by		text NOT NULL,
	revoked_at		timestamptz,
	CONSTRAINT delegation_pkey PRIMARY KEY (entity_id, delegation_id),
	CONSTRAINT delegation_not_to_self CHECK (from_person <> to_person)
);
CREATE INDEX delegation_to ON procgov.delegation (entity_id, to_person);
COMMENT ON TABLE procgov.delegation IS 'delegations of approval authority: from a person to another, for a period, optionally for one role or document kind';
COMMENT ON COLUMN procgov.delegation.entity_id IS 'entity';
COMMENT ON COLUMN procgov.delegation.delegation_id IS 'internal id';
COMMENT ON COLUMN procgov.delegation.from_person IS 'who delegates (an approver)';
COMMENT ON COLUMN procgov.delegation.to_person IS 'who may approve on their behalf, within their limit';
COMMENT ON COLUMN procgov.delegation.valid IS 'the period it holds';
COMMENT ON COLUMN procgov.delegation.role IS 'scope: only this role; NULL: every role of from_person';
COMMENT ON COLUMN procgov.delegation.doc_kind IS 'scope: only this document kind; NULL: every kind';
COMMENT ON COLUMN procgov.delegation.created_at IS 'when it was made';
COMMENT ON COLUMN procgov.delegation.created_by IS 'who made it';
COMMENT ON COLUMN procgov.delegation.revoked_at IS 'when it was revoked, if it was';

CREATE TABLE procgov.approval_step (
	entity_id		text NOT NULL,
	step_id			bigint GENERATED ALWAYS AS IDENTITY,
	doc_kind		text NOT NULL,
	doc_id			bigint NOT NULL,
	doc_number		text NOT NULL,
	doc_version		integer NOT NULL,
	policy_id		bigint NOT NULL,
	step_no			integer NOT NULL,
	role			text NOT NULL,
	required		integer NOT NULL CHECK (required BETWEEN 1 AND 10),
	approved		integer NOT NULL DEFAULT 0,
	status			text NOT NULL DEFAULT 'pending'
					CHECK (status IN ('pending', 'held', 'approved', 'rejected', 'superseded')),
	rules			text[] NOT NULL,
	reason			text,
	assigned_to		text[] NOT NULL DEFAULT '{}',
	urgent			boolean NOT NULL DEFAULT false,
	sla				interval NOT NULL,
	due_at			timestamptz NOT NULL,
	escalate_to		text,
	escalations		integer NOT NULL DEFAULT 0,
	created_at		timestamptz NOT NULL DEFAULT now(),
	decided_at		timestamptz,
	CONSTRAINT approval_step_pkey PRIMARY KEY (entity_id, step_id),
	CONSTRAINT approval_step_policy_fkey FOREIGN KEY (entity_id, policy_id) REFERENCES procgov.policy
);
CREATE INDEX approval_step_doc ON procgov.approval_step (entity_id, doc_kind, doc_id);
CREATE INDEX approval_step_open ON procgov.approval_step (entity_id, due_at) WHERE status IN ('pending', 'held');
COMMENT ON TABLE procgov.approval_step IS 'the approval steps a document must pass, from its policy''s plan; a document is approved when every current step is';
COMMENT ON COLUMN procgov.approval_step.entity_id IS 'entity';
COMMENT ON COLUMN procgov.approval_step.step_id IS 'the id procgov.approve() and procgov.reject() take';
COMMENT ON COLUMN procgov.approval_step.doc_kind IS 'document kind';
COMMENT ON COLUMN procgov.approval_step.doc_id IS 'document id';
COMMENT ON COLUMN procgov.approval_step.doc_number IS 'document number';
COMMENT ON COLUMN procgov.approval_step.doc_version IS 'the document version the step was planned for';
COMMENT ON COLUMN procgov.approval_step.policy_id IS 'the policy version that planned it';
COMMENT ON COLUMN procgov.approval_step.step_no IS 'position in the plan';
COMMENT ON COLUMN procgov.approval_step.role IS 'the role that approves it';
COMMENT ON COLUMN procgov.approval_step.required IS 'how many different people must approve';
COMMENT ON COLUMN procgov.approval_step.approved IS 'how many have';
COMMENT ON COLUMN procgov.approval_step.status IS 'pending, held (by a signal, until someone of the role clears it), approved, rejected, superseded (by a later plan)';
COMMENT ON COLUMN procgov.approval_step.rules IS 'the rules that asked for it';
COMMENT ON COLUMN procgov.approval_step.reason IS 'why it is held';
COMMENT ON COLUMN procgov.approval_step.assigned_to IS 'who could approve it when it was planned (role holders within their limit, and their delegates)';
COMMENT ON COLUMN procgov.approval_step.urgent IS 'planned for an expedited document';
COMMENT ON COLUMN procgov.approval_step.sla IS 'how long it may take';
COMMENT ON COLUMN procgov.approval_step.due_at IS 'when it is overdue';
COMMENT ON COLUMN procgov.approval_step.escalate_to IS 'role or person an overdue step goes to';
COMMENT ON COLUMN procgov.approval_step.escalations IS 'how often it was escalated';
COMMENT ON COLUMN procgov.approval_step.created_at IS 'when it was planned';
COMMENT ON COLUMN procgov.approval_step.decided_at IS 'when it was approved or rejected';

CREATE TABLE procgov.signal (
	entity_id		text NOT NULL,
	signal_id		bigint GENERATED ALWAYS AS IDENTITY,
	doc_kind		text NOT NULL,
	doc_id			bigint NOT NULL,
	doc_number		text NOT NULL,
	source			text NOT NULL CHECK (source <> ''),
	model_version	text,
	kind			text NOT NULL CHECK (kind <> ''),
	score			numeric NOT NULL CHECK (score BETWEEN 0 AND 1),
	confidence		numeric CHECK (confidence BETWEEN 0 AND 1),
	rationale		text,
	created_at		timestamptz NOT NULL DEFAULT now(),
	created_by		text NOT NULL,
	CONSTRAINT signal_pkey PRIMARY KEY (entity_id, signal_id)
);
CREATE INDEX signal_doc ON procgov.signal (entity_id, doc_kind, doc_id);
COMMENT ON TABLE procgov.signal IS 'advisory signals from outside scorers (models, agents, fraud rules): they may add review or hold a document through rules, never approve one';
COMMENT ON COLUMN procgov.signal.entity_id IS 'entity';
COMMENT ON COLUMN procgov.signal.signal_id IS 'internal id';
COMMENT ON COLUMN procgov.signal.doc_kind IS 'document kind';
COMMENT ON COLUMN procgov.signal.doc_id IS 'document id';
COMMENT ON COLUMN procgov.signal.doc_number IS 'document number';
COMMENT ON COLUMN procgov.signal.source IS 'who scored: a model, an agent, a rule engine';
COMMENT ON COLUMN procgov.signal.model_version IS 'the scorer''s version';
COMMENT ON COLUMN procgov.signal.kind IS 'what it scores, e.g. fraud, price_anomaly';
COMMENT ON COLUMN procgov.signal.score IS 'score from 0 to 1';
COMMENT ON COLUMN procgov.signal.confidence IS 'confidence from 0 to 1';
COMMENT ON COLUMN procgov.signal.rationale IS 'why, in the scorer''s words';
COMMENT ON COLUMN procgov.signal.created_at IS 'when it arrived';
COMMENT ON COLUMN procgov.signal.created_by IS 'the acting user that sent it';

COMMENT ON COLUMN procgov.requisition.site IS 'site or warehouse (policy condition)';
COMMENT ON COLUMN procgov.requisition.urgent IS 'expedited: takes the policy''s faster path; needs expedite_reason';
COMMENT ON COLUMN procgov.requisition.expedite_reason IS 'the written justification of an expedited document';
COMMENT ON COLUMN procgov.requisition.policy_id IS 'the policy version the document was last submitted under';
COMMENT ON COLUMN procgov.purchase_order.site IS 'site or warehouse (policy condition)';
COMMENT ON COLUMN procgov.purchase_order.urgent IS 'expedited: takes the policy''s faster path; needs expedite_reason';
COMMENT ON COLUMN procgov.purchase_order.expedite_reason IS 'the written justification of an expedited document';
COMMENT ON COLUMN procgov.purchase_order.policy_id IS 'the policy version the document was last submitted under';
COMMENT ON COLUMN procgov.bank_change.urgent IS 'expedited: takes the policy''s faster path; needs expedite_reason';
COMMENT ON COLUMN procgov.bank_change.expedite_reason IS 'the written justification of an expedited request';
COMMENT ON COLUMN procgov.bank_change.policy_id IS 'the policy version the request was submitted under';
COMMENT ON COLUMN procgov.requisition.submitters IS 'everyone who ever submitted it, as a jsonb array, NULL before the first submission (a re-submission or a re-plan after a change records a new submitted_by; each stays an author for segregation of duties); set by procgov';
COMMENT ON COLUMN procgov.purchase_order.submitters IS 'everyone who ever submitted it, as a jsonb array, NULL before the first submission (a re-submission or a re-plan after a change records a new submitted_by; each stays an author for segregation of duties); set by procgov';
COMMENT ON COLUMN procgov.bank_change.submitters IS 'everyone who ever submitted it, as a jsonb array, NULL before the first submission (a re-submission or a re-plan after a change records a new submitted_by; each stays an author for segregation of duties); set by procgov';
COMMENT ON COLUMN procgov.approval.step_id IS 'the approval step decided (policy mode)';
COMMENT ON COLUMN procgov.approval.policy_id IS 'the policy version the decision was given under';
COMMENT ON COLUMN procgov.approval.policy_hash IS 'that version''s hash (procgov.policy.hash)';
COMMENT ON COLUMN procgov.approval.on_behalf_of IS 'the approver a delegate acted for';

-- changed rules reach every session's next evaluation (relcache invalidation)
CREATE TRIGGER policy_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procgov.policy
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.config_changed();
CREATE TRIGGER approval_rule_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procgov.approval_rule
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.config_changed();

-- ---- the policy lifecycle ----

-- SHA-256 of a policy version as export_policy writes it (src/policy.c)
CREATE FUNCTION procgov.policy_hash(entity text, version integer) RETURNS bytea
	AS 'MODULE_PATHNAME', 'policy_hash' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION procgov.policy_hash(text, integer) IS 'SHA-256 of a policy version as procgov.export_policy() writes it without approvers: the hash approvals record';

-- A version's content is frozen once it leaves draft; activating it retires
-- the active one, computes its hash, audits and emits policy.activated.
-- Enforced by trigger, so an UPDATE ... SET status does the same as the function.
CREATE FUNCTION procgov.policy_lifecycle() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	prev procgov.policy;
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF OLD.status <> 'draft' THEN
			RAISE EXCEPTION 'policy version % of entity % is %; only drafts can be deleted', OLD.version, OLD.entity_id, OLD.status
				USING ERRCODE = '55000', HINT = 'Retire it by activating another version; its history stays.';
		END IF;
		RETURN OLD;
	END IF;
	IF TG_OP = 'INSERT' THEN
		IF NEW.status <> 'draft' THEN
			RAISE EXCEPTION 'a policy version is created as a draft'
				USING ERRCODE = '55000', DETAIL = format('Version %s of entity %s was inserted as %s.', NEW.version, NEW.entity_id, NEW.status),
					  HINT = 'Insert it as a draft, add its rules, then activate it with procgov.activate_policy().';
		END IF;
		NEW.hash := NULL;
		NEW.activated_at := NULL;
		NEW.activated_by := NULL;
		NEW.retired_at := NULL;
		RETURN NEW;
	END IF;
	-- UPDATE
	IF (NEW.entity_id, NEW.version, NEW.name, NEW.default_role, NEW.default_sla, NEW.change_tolerance::text,
		NEW.expedite_sla, NEW.buyer_may_receive)
	   IS DISTINCT FROM (OLD.entity_id, OLD.version, OLD.name, OLD.default_role, OLD.default_sla, OLD.change_tolerance::text,
		OLD.expedite_sla, OLD.buyer_may_receive)
	   AND (OLD.status <> 'draft' OR NEW.status <> 'draft') THEN
		RAISE EXCEPTION 'policy version % of entity % is %; its settings no longer change', OLD.version, OLD.entity_id,
			CASE WHEN OLD.status = 'draft' THEN 'being activated' ELSE OLD.status::text END
			USING ERRCODE = '55000', HINT = 'Copy it to a new draft with procgov.copy_policy(), change that, and activate it.';
	END IF;
	IF NEW.status = OLD.status THEN
		NEW.hash := OLD.hash;
		NEW.activated_at := OLD.activated_at;
		NEW.activated_by := OLD.activated_by;
		NEW.retired_at := OLD.retired_at;
		RETURN NEW;
	END IF;
	IF OLD.status = 'draft' AND NEW.status = 'active' THEN
		SELECT * INTO prev FROM procgov.policy p WHERE p.entity_id = NEW.entity_id AND p.status = 'active' FOR UPDATE;
		IF FOUND THEN
			UPDATE procgov.policy p SET status = 'retired' WHERE p.entity_id = prev.entity_id AND p.policy_id = prev.policy_id;
		END IF;
		NEW.hash := procgov.policy_hash(NEW.entity_id, NEW.version);
		NEW.activated_at := now();
		NEW.activated_by := procgov.current_actor();
		PERFORM procgov.audit_append('policy:' || NEW.entity_id, 'activate',
			jsonb_build_object('version', NEW.version, 'name', NEW.name, 'hash', encode(NEW.hash, 'hex'),
							   'previous_version', prev.version,
							   'rules', (SELECT count(*) FROM procgov.approval_rule r WHERE r.entity_id = NEW.entity_id AND r.policy_id = NEW.policy_id)));
		PERFORM procgov.emit('policy.activated', 'policy:' || NEW.entity_id,
			jsonb_build_object('version', NEW.version, 'name', NEW.name, 'hash', encode(NEW.hash, 'hex'), 'previous_version', prev.version),
			NULL, NULL, NEW.version, NEW.entity_id);
		RETURN NEW;
	END IF;
	IF OLD.status = 'active' AND NEW.status = 'retired' THEN
		-- only as another version is activated (this trigger, one level down):
		-- an entity without an active version would have every document approved
		-- by anyone not its author, with no role or limit
		IF pg_trigger_depth() < 2 THEN
			RAISE EXCEPTION 'the active policy version % of entity % is retired only by activating another', OLD.version, OLD.entity_id
				USING ERRCODE = '55000',
					  DETAIL = 'Without an active version every document would need one approval by anyone but its author, whatever its amount.',
					  HINT = 'Copy it with procgov.copy_policy(), change the copy, and activate that with procgov.activate_policy().';
		END IF;
		NEW.retired_at := now();
		NEW.hash := OLD.hash;
		NEW.activated_at := OLD.activated_at;
		NEW.activated_by := OLD.activated_by;
		PERFORM procgov.audit_append('policy:' || NEW.entity_id, 'retire', jsonb_build_object('version', NEW.version));
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'policy version % of entity % cannot go from % to %', OLD.version, OLD.entity_id, OLD.status, NEW.status
		USING ERRCODE = '55000', HINT = 'A version goes draft -> active -> retired; activating another version retires the active one.';
END
$$;
COMMENT ON FUNCTION procgov.policy_lifecycle() IS 'trigger on procgov.policy: drafts only are created and deleted, a version''s settings freeze when it leaves draft, activation retires the active version, hashes, audits and emits policy.activated';
CREATE TRIGGER policy_lifecycle BEFORE INSERT OR UPDATE OR DELETE ON procgov.policy
	FOR EACH ROW EXECUTE FUNCTION procgov.policy_lifecycle();

CREATE FUNCTION procgov.rules_frozen() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	r record;
	p procgov.policy;
BEGIN
	IF TG_OP = 'DELETE' THEN
		r := OLD;
	ELSE
		r := NEW;
	END IF;
	-- locked: a rule written while another session activates this version either
	-- commits before the activation reads the rules, or is refused after it
	SELECT * INTO p FROM procgov.policy WHERE entity_id = r.entity_id AND policy_id = r.policy_id FOR SHARE;
	IF p.status <> 'draft' OR (TG_OP = 'UPDATE' AND (OLD.entity_id, OLD.policy_id) IS DISTINCT FROM (NEW.entity_id, NEW.policy_id)) THEN
		RAISE EXCEPTION 'policy version % of entity % is %; its rules no longer change', p.version, p.entity_id, p.status
			USING ERRCODE = '55000', DETAIL = format('%s of rule "%s" refused.', TG_OP, r.name),
				  HINT = 'Copy it to a new draft with procgov.copy_policy(), change that, and activate it.';
	END IF;
	RETURN r;
END
$$;
COMMENT ON FUNCTION procgov.rules_frozen() IS 'trigger on procgov.approval_rule and procgov.match_rule: only a draft policy''s rules change, so an active version means one fixed set of rules';
CREATE TRIGGER rules_frozen BEFORE INSERT OR UPDATE OR DELETE ON procgov.approval_rule
	FOR EACH ROW EXECUTE FUNCTION procgov.rules_frozen();

CREATE FUNCTION procgov.activate_policy(entity text, version integer) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	p procgov.policy;
BEGIN
	UPDATE procgov.policy x SET status = 'active' WHERE x.entity_id = entity AND x.version = activate_policy.version AND x.status = 'draft'
	RETURNING * INTO p;
	IF NOT FOUND THEN
		SELECT * INTO p FROM procgov.policy x WHERE x.entity_id = entity AND x.version = activate_policy.version;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'policy version % of entity % does not exist', version, entity
				USING ERRCODE = '42704', HINT = 'List the versions in procgov.policy.';
		END IF;
		RAISE EXCEPTION 'policy version % of entity % is %, not a draft', version, entity, p.status
			USING ERRCODE = '55000', HINT = 'Only a draft can be activated; copy this one with procgov.copy_policy().';
	END IF;
	RETURN jsonb_build_object('entity', p.entity_id, 'version', p.version, 'status', p.status, 'hash', encode(p.hash, 'hex'));
END
$$;
COMMENT ON FUNCTION procgov.activate_policy(text, integer) IS 'activate a draft policy version: the active one retires; audited, emits policy.activated';

CREATE FUNCTION procgov.copy_policy(entity text, version integer, name text DEFAULT NULL) RETURNS integer
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	src procgov.policy;
	dst procgov.policy;
BEGIN
	SELECT * INTO src FROM procgov.policy x WHERE x.entity_id = entity AND x.version = copy_policy.version;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'policy version % of entity % does not exist', version, entity
			USING ERRCODE = '42704', HINT = 'List the versions in procgov.policy.';
	END IF;
	PERFORM 1 FROM procgov.entity e WHERE e.entity_id = entity FOR UPDATE;	-- one new version at a time
	INSERT INTO procgov.policy (entity_id, version, name, default_role, default_sla, change_tolerance, expedite_sla, buyer_may_receive)
	SELECT entity, (SELECT max(x.version) + 1 FROM procgov.policy x WHERE x.entity_id = entity), coalesce(name, src.name),
		   src.default_role, src.default_sla, src.change_tolerance, src.expedite_sla, src.buyer_may_receive
	RETURNING * INTO dst;
	INSERT INTO procgov.approval_rule (entity_id, policy_id, name, doc_kind, amount_min, amount_max, cumulative, cumulative_window,
		category_prefix, supplier_risk_tiers, supplier_statuses, new_supplier_days, site, cost_center, off_contract, over_contract,
		urgent, signal_kind, signal_min_score, signal_min_confidence, outcome, role, approvers, sla, escalate_to, reason)
	SELECT entity, dst.policy_id, r.name, r.doc_kind, r.amount_min, r.amount_max, r.cumulative, r.cumulative_window,
		r.category_prefix, r.supplier_risk_tiers, r.supplier_statuses, r.new_supplier_days, r.site, r.cost_center, r.off_contract,
		r.over_contract, r.urgent, r.signal_kind, r.signal_min_score, r.signal_min_confidence, r.outcome, r.role, r.approvers,
		r.sla, r.escalate_to, r.reason
	  FROM procgov.approval_rule r WHERE r.entity_id = entity AND r.policy_id = src.policy_id ORDER BY r.rule_id;
	INSERT INTO procgov.match_rule (entity_id, policy_id, name, supplier_code, category_prefix, qty_tolerance, price_tolerance,
		two_way, owner, sla, variance_role, duplicate_period, duplicate_window)
	SELECT entity, dst.policy_id, r.name, r.supplier_code, r.category_prefix, r.qty_tolerance, r.price_tolerance,
		r.two_way, r.owner, r.sla, r.variance_role, r.duplicate_period, r.duplicate_window
	  FROM procgov.match_rule r WHERE r.entity_id = entity AND r.policy_id = src.policy_id ORDER BY r.rule_id;
	RETURN dst.version;
END
$$;
COMMENT ON FUNCTION procgov.copy_policy(text, integer, text) IS 'copy a policy version with its rules to a new draft version; returns the new version number';

CREATE FUNCTION procgov.import_policy(document text) RETURNS integer
	AS 'MODULE_PATHNAME', 'import_policy' LANGUAGE C VOLATILE STRICT SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp;
COMMENT ON FUNCTION procgov.import_policy(text) IS 'import a whole policy from its JSON document as a new draft version (and, when given, the entity''s approvers); an invalid document is refused with the JSON path of its first error; returns the new version';

CREATE FUNCTION procgov.export_policy(entity text, version integer DEFAULT NULL, approvers boolean DEFAULT true) RETURNS text
	AS 'MODULE_PATHNAME', 'export_policy' LANGUAGE C STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp;
COMMENT ON FUNCTION procgov.export_policy(text, integer, boolean) IS 'a policy version (default: the active one) as a JSON document procgov.import_policy() reads back';

-- ---- evaluating documents ----

-- The facts a policy looks at, gathered from a document row (as the trigger
-- passes it): total, requester, site, cost centre, suppliers with risk tier,
-- status and age, item categories, contract prices per line, urgency,
-- signals, and the cumulative totals the policy's rules ask for.
CREATE FUNCTION procgov.document_facts(kind text, doc jsonb, policy_id bigint DEFAULT NULL) RETURNS jsonb
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	e text := doc->>'entity_id';
	id bigint := procgov.doc_id(kind, doc);
	requester text := coalesce(doc->>'buyer', doc->>'requester', doc->>'requested_by');
	-- whose documents a requester's cumulative total adds up: the one named as
	-- buyer (requester) and the one who created it, so that naming another
	-- buyer on each order does not split a purchase past the rule
	people text[] := array_remove(ARRAY[requester, doc->>'created_by'], NULL);
	total procgov.amount := (doc->>'total')::procgov.amount;
	on_date date := (coalesce((doc->>'created_at')::timestamptz, now()) AT TIME ZONE 'UTC')::date;
	lines jsonb;
	suppliers jsonb;
	cumulative jsonb := '{}';
	w record;
	s procgov.amount;
BEGIN
	IF kind = 'purchase_order' THEN
		SELECT coalesce(jsonb_agg(jsonb_build_object('category', i.category_code, 'unit_price', l.unit_price::text,
				'contract_price', (SELECT min(c.unit_price)::text FROM procgov.contract c
									WHERE c.entity_id = e AND c.supplier_id = (doc->>'supplier_id')::bigint
									  AND (c.item_id = l.item_id OR (c.item_id IS NULL AND i.category_code LIKE c.category_code || '%'))
									  AND on_date BETWEEN c.valid_from AND c.valid_to
									  AND procgov.currency(c.unit_price) = procgov.currency(l.unit_price)))
				ORDER BY l.line_no), '[]')
		  INTO lines
		  FROM procgov.purchase_order_line l LEFT JOIN procgov.item i ON i.entity_id = l.entity_id AND i.item_id = l.item_id
		 WHERE l.entity_id = e AND l.po_id = id;
		suppliers := (SELECT jsonb_agg(jsonb_build_object('code', sp.code, 'risk_tier', sp.risk_tier, 'status', sp.status,
								'since', sp.created_at::date))
						FROM procgov.supplier sp WHERE sp.entity_id = e AND sp.supplier_id = (doc->>'supplier_id')::bigint);
	ELSIF kind = 'requisition' THEN
		SELECT coalesce(jsonb_agg(jsonb_build_object('category', i.category_code, 'unit_price', l.unit_price::text,
				'contract_price', (SELECT min(c.unit_price)::text FROM procgov.contract c
									WHERE c.entity_id = e AND c.supplier_id = l.supplier_id
									  AND (c.item_id = l.item_id OR (c.item_id IS NULL AND i.category_code LIKE c.category_code || '%'))
									  AND on_date BETWEEN c.valid_from AND c.valid_to
									  AND procgov.currency(c.unit_price) = procgov.currency(l.unit_price)))
				ORDER BY l.line_no), '[]')
		  INTO lines
		  FROM procgov.requisition_line l LEFT JOIN procgov.item i ON i.entity_id = l.entity_id AND i.item_id = l.item_id
		 WHERE l.entity_id = e AND l.requisition_id = id;
		suppliers := (SELECT jsonb_agg(jsonb_build_object('code', sp.code, 'risk_tier', sp.risk_tier, 'status', sp.status,
								'since', sp.created_at::date) ORDER BY sp.code)
						FROM procgov.supplier sp WHERE sp.entity_id = e AND sp.supplier_id IN
							(SELECT l.supplier_id FROM procgov.requisition_line l WHERE l.entity_id = e AND l.requisition_id = id));
	ELSE
		lines := '[]';
		suppliers := (SELECT jsonb_agg(jsonb_build_object('code', sp.code, 'risk_tier', sp.risk_tier, 'status', sp.status,
								'since', sp.created_at::date))
						FROM procgov.supplier sp WHERE sp.entity_id = e AND sp.supplier_id = (doc->>'supplier_id')::bigint);
	END IF;
	-- cumulative totals over the windows the policy's rules name: this document
	-- and the same requester's (supplier's) documents of its kind submitted within the window
	IF policy_id IS NOT NULL AND total IS NOT NULL THEN
		FOR w IN SELECT DISTINCT r.cumulative, r.cumulative_window FROM procgov.approval_rule r
				  WHERE r.entity_id = e AND r.policy_id = document_facts.policy_id AND r.cumulative IS NOT NULL
				    AND (r.doc_kind IS NULL OR r.doc_kind = kind)
		LOOP
			IF kind = 'purchase_order' THEN
				SELECT procgov.sum(p.total) INTO s FROM procgov.purchase_order p
				 WHERE p.entity_id = e AND p.po_id <> id AND p.submitted_at >= now() - w.cumulative_window
				   AND p.state NOT IN ('draft', 'rejected', 'cancelled')
				   AND procgov.currency(p.total) = procgov.currency(total)
				   AND CASE w.cumulative WHEN 'requester' THEN (p.buyer = ANY (people) OR p.created_by = ANY (people))
										 ELSE p.supplier_id = (doc->>'supplier_id')::bigint END;
			ELSIF kind = 'requisition' AND w.cumulative = 'requester' THEN
				SELECT procgov.sum(q.total) INTO s FROM procgov.requisition q
				 WHERE q.entity_id = e AND q.requisition_id <> id AND q.submitted_at >= now() - w.cumulative_window
				   AND q.state NOT IN ('draft', 'rejected', 'cancelled')
				   AND procgov.currency(q.total) = procgov.currency(total)
				   AND (q.requester = ANY (people) OR q.created_by = ANY (people));
			ELSE
				s := NULL;
			END IF;
			cumulative := jsonb_set(cumulative, ARRAY[w.cumulative], coalesce(cumulative -> w.cumulative, '{}'), true);
			cumulative := jsonb_set(cumulative, ARRAY[w.cumulative, extract(epoch FROM w.cumulative_window)::bigint::text],
				to_jsonb((total + coalesce(s, procgov.amount(0, procgov.currency(total))))::text), true);
		END LOOP;
	END IF;
	RETURN jsonb_strip_nulls(jsonb_build_object(
		'kind', kind, 'entity_id', e, 'number', doc->>'number', 'total', doc->>'total', 'requester', requester,
		'site', doc->>'site', 'cost_center', doc->>'cost_center', 'urgent', coalesce((doc->>'urgent')::boolean, false),
		'categories', (SELECT coalesce(jsonb_agg(DISTINCT x->>'category') FILTER (WHERE x->>'category' IS NOT NULL), '[]')
						 FROM jsonb_array_elements(lines) x),
		'lines', lines, 'suppliers', coalesce(suppliers, '[]'),
		'signals', (SELECT coalesce(jsonb_agg(jsonb_build_object('kind', g.kind, 'score', g.score, 'confidence', g.confidence,
								'source', g.source) ORDER BY g.signal_id), '[]')
					  FROM procgov.signal g WHERE g.entity_id = e AND g.doc_kind = kind AND g.doc_id = id),
		'cumulative', cumulative, 'today', current_date));
END
$$;
COMMENT ON FUNCTION procgov.document_facts(text, jsonb, bigint) IS 'the facts a policy evaluates, gathered from a document row as jsonb (docs/policy.md lists them); give the policy version to include the cumulative totals its rules ask for';

CREATE FUNCTION procgov.document_row(kind text, entity text, number text) RETURNS jsonb
	LANGUAGE plpgsql STABLE
	AS $$
#variable_conflict use_variable
DECLARE
	d jsonb;
BEGIN
	PERFORM procgov.check_entity_access(entity);
	CASE kind
		WHEN 'purchase_order' THEN SELECT procgov.row_jsonb(x) INTO d FROM procgov.purchase_order x WHERE x.entity_id = entity AND x.number = document_row.number;
		WHEN 'requisition' THEN SELECT procgov.row_jsonb(x) INTO d FROM procgov.requisition x WHERE x.entity_id = entity AND x.number = document_row.number;
		WHEN 'bank_change' THEN SELECT procgov.row_jsonb(x) INTO d FROM procgov.bank_change x WHERE x.entity_id = entity AND x.number = document_row.number;
		ELSE RAISE EXCEPTION 'document kind "%" has no approval policy', kind
			USING ERRCODE = '22023', HINT = 'Policies govern requisition, purchase_order and bank_change.';
	END CASE;
	IF d IS NULL THEN
		RAISE EXCEPTION '% % does not exist in entity %', procgov.kind_label(kind), coalesce(number, 'NULL'), entity
			USING ERRCODE = '42704', HINT = 'Check the document number and the entity.';
	END IF;
	RETURN d;
END
$$;
COMMENT ON FUNCTION procgov.document_row(text, text, text) IS 'a document with an approval policy, as jsonb, or an error';

CREATE FUNCTION procgov.active_policy(entity text) RETURNS bigint
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$ SELECT policy_id FROM procgov.policy WHERE entity_id = entity AND status = 'active' $$;
COMMENT ON FUNCTION procgov.active_policy(text) IS 'the id of the entity''s active policy version, or NULL';

-- the step plan (src/policy.c): no side effects
CREATE FUNCTION procgov.evaluate(kind text, facts jsonb, policy_id bigint DEFAULT NULL,
	OUT step_no integer, OUT outcome text, OUT role text, OUT approvers integer, OUT sla interval,
	OUT escalate_to text, OUT reason text, OUT rules text[])
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'policy_evaluate' LANGUAGE C STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp;
COMMENT ON FUNCTION procgov.evaluate(text, jsonb, bigint) IS 'the step plan a policy version (default: the entity''s active one) gives for a document''s facts, with no side effects: auto_approve, require (one row per role) or block; a what-if for UIs';

CREATE FUNCTION procgov.evaluate(kind text, entity text, number text,
	OUT step_no integer, OUT outcome text, OUT role text, OUT approvers integer, OUT sla interval,
	OUT escalate_to text, OUT reason text, OUT rules text[])
	RETURNS SETOF record
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$ SELECT * FROM procgov.evaluate(kind, procgov.document_facts(kind, procgov.document_row(kind, entity, number),
										 procgov.active_policy(entity))) $$;
COMMENT ON FUNCTION procgov.evaluate(text, text, text) IS 'the step plan the entity''s active policy gives a stored document now, with no side effects';

CREATE FUNCTION procgov.explain(kind text, facts jsonb, policy_id bigint DEFAULT NULL,
	OUT rule text, OUT matched boolean, OUT outcome text, OUT why text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'policy_explain' LANGUAGE C STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp;
COMMENT ON FUNCTION procgov.explain(text, jsonb, bigint) IS 'every rule of a policy version, whether it matched the document''s facts, and why (or why not)';

CREATE FUNCTION procgov.explain(kind text, entity text, number text,
	OUT rule text, OUT matched boolean, OUT outcome text, OUT why text)
	RETURNS SETOF record
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$ SELECT * FROM procgov.explain(kind, procgov.document_facts(kind, procgov.document_row(kind, entity, number),
										procgov.active_policy(entity))) $$;
COMMENT ON FUNCTION procgov.explain(text, text, text) IS 'which rules of the entity''s active policy match a stored document, and why';

-- who may approve a step of this role for this amount now: role holders within
-- their limit and the people they delegated to, never the author
CREATE FUNCTION procgov.eligible_approvers(entity text, role text, kind text, amount procgov.amount, authors text[],
	at timestamptz DEFAULT now())
	RETURNS TABLE (person text, on_behalf_of text)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
	WITH holders AS (
		SELECT a.person FROM procgov.approver a
		 WHERE a.entity_id = entity AND a.role = eligible_approvers.role AND a.active
		   AND (a.approval_limit IS NULL OR amount IS NULL
				OR (procgov.currency(a.approval_limit) = procgov.currency(amount) AND amount OPERATOR(procgov.<=) a.approval_limit)))
	SELECT h.person, NULL::text FROM holders h WHERE h.person <> ALL (coalesce(authors, '{}'))
	UNION
	-- an author's authority is not theirs to lend on their own document
	SELECT d.to_person, d.from_person FROM procgov.delegation d JOIN holders h ON h.person = d.from_person
	 WHERE d.entity_id = entity AND d.revoked_at IS NULL AND d.valid @> at
	   AND (d.role IS NULL OR d.role = eligible_approvers.role) AND (d.doc_kind IS NULL OR d.doc_kind = kind)
	   AND d.to_person <> ALL (coalesce(authors, '{}')) AND d.from_person <> ALL (coalesce(authors, '{}'))
	$$;
COMMENT ON FUNCTION procgov.eligible_approvers(text, text, text, procgov.amount, text[], timestamptz) IS 'who may approve a step of a role for an amount at a time: active role holders within their limit, and their delegates in period and scope; never an author of the document, nor on an author''s behalf';

-- one step of a plan, for a document given as its row: assigned to who may approve it now
CREATE FUNCTION procgov.add_step(kind text, doc jsonb, policy_id bigint, step_no integer, outcome text, role text,
	approvers integer, sla interval, escalate_to text, reason text, rules text[])
	RETURNS void
	LANGUAGE sql VOLATILE
	AS $$
	INSERT INTO procgov.approval_step (entity_id, doc_kind, doc_id, doc_number, doc_version, policy_id, step_no, role,
		required, status, rules, reason, assigned_to, urgent, sla, due_at, escalate_to)
	VALUES (doc->>'entity_id', kind, procgov.doc_id(kind, doc), doc->>'number', coalesce((doc->>'version')::integer, 1),
			policy_id, step_no, role, approvers, CASE outcome WHEN 'hold' THEN 'held' ELSE 'pending' END, rules, reason,
			coalesce((SELECT array_agg(DISTINCT x.person ORDER BY x.person)
						FROM procgov.eligible_approvers(doc->>'entity_id', role, kind, (doc->>'total')::procgov.amount,
							procgov.doc_authors(doc)) x), '{}'),
			coalesce((doc->>'urgent')::boolean, false), sla, now() + sla, escalate_to)
	$$;
COMMENT ON FUNCTION procgov.add_step(text, jsonb, bigint, integer, text, text, integer, interval, text, text, text[]) IS 'record one step of a plan for a document (used by plan_approval and signal): pending, or held for a hold, assigned to who may approve it now';

-- ---- the effect that turns a plan into approval steps ----

CREATE FUNCTION procgov.effect_plan_approval(kind text, doc jsonb, from_state procgov.state, to_state procgov.state)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	e text := doc->>'entity_id';
	id bigint := procgov.doc_id(kind, doc);
	urgent boolean := coalesce((doc->>'urgent')::boolean, false);
	pol procgov.policy;
	st record;
	n integer := 0;
	me text := procgov.current_actor();
	-- everyone who submitted it stays an author
	earlier jsonb := CASE WHEN jsonb_typeof(doc->'submitters') = 'array' THEN doc->'submitters' ELSE '[]' END;
	submitters jsonb := CASE WHEN earlier ? me THEN earlier ELSE earlier || to_jsonb(me) END;
BEGIN
	-- the version active now; locked, so activation waits for this submit and
	-- the document records a version that was active when it was submitted
	FOR attempt IN 1 .. 5 LOOP
		SELECT * INTO pol FROM procgov.policy p WHERE p.entity_id = e AND p.status = 'active' FOR SHARE;
		-- an activation that committed while this waited: the version it retired no
		-- longer qualifies, and the one it activated is seen by the next statement
		EXIT WHEN FOUND OR NOT EXISTS (SELECT FROM procgov.policy p WHERE p.entity_id = e AND p.status = 'active');
		IF attempt = 5 THEN
			RAISE EXCEPTION 'the active policy of entity % kept changing while % % was submitted', e, procgov.kind_label(kind), doc->>'number'
				USING ERRCODE = '40001', HINT = 'Submit it again.';
		END IF;
	END LOOP;
	-- a new plan replaces whatever an earlier submission planned
	UPDATE procgov.approval_step s SET status = 'superseded'
	 WHERE s.entity_id = e AND s.doc_kind = kind AND s.doc_id = id AND s.status <> 'superseded';
	IF pol.policy_id IS NULL THEN
		-- no policy: one approval by someone other than the author
		RETURN jsonb_build_object('policy_id', NULL, 'submitted_by', me, 'submitted_at', now(), 'submitters', submitters);
	END IF;
	-- cumulative rules: one submit at a time per requester and per supplier, so
	-- two orders submitted at once each count the other
	IF EXISTS (SELECT FROM procgov.approval_rule r WHERE r.entity_id = e AND r.policy_id = pol.policy_id AND r.cumulative IS NOT NULL) THEN
		-- each person whose total it adds to (buyer or requester, creator), in one order
		PERFORM pg_advisory_xact_lock(hashtext('procgov cumulative ' || e || ' requester ' || x))
		   FROM (SELECT DISTINCT x FROM unnest(ARRAY[coalesce(doc->>'buyer', doc->>'requester', ''), coalesce(doc->>'created_by', '')]) x
				  ORDER BY x) p;
		PERFORM pg_advisory_xact_lock(hashtext('procgov cumulative ' || e || ' supplier ' || coalesce(doc->>'supplier_id', '')));
	END IF;
	IF urgent THEN
		PERFORM procgov.audit_append(kind || ':' || e || ':' || (doc->>'number'), 'expedite',
			jsonb_build_object('justification', doc->>'expedite_reason', 'policy_version', pol.version));
	END IF;
	FOR st IN SELECT * FROM procgov.evaluate(kind, procgov.document_facts(kind, doc, pol.policy_id), pol.policy_id) LOOP
		IF st.outcome = 'block' THEN
			RAISE EXCEPTION '% % (%) is blocked by policy version %: %', procgov.kind_label(kind), doc->>'number', e, pol.version, st.reason
				USING ERRCODE = '55000', DETAIL = format('Rules: %s.', array_to_string(st.rules, ', ')),
					  HINT = 'Change the document so the blocking rule no longer applies, or ask the controller about the policy.';
		ELSIF st.outcome IN ('require', 'hold') THEN
			n := n + 1;
			-- (as the document will be: this submitter is one of its authors)
			PERFORM procgov.add_step(kind, doc || jsonb_build_object('submitted_by', me, 'submitters', submitters),
									 pol.policy_id, n, st.outcome, st.role, st.approvers, st.sla, st.escalate_to,
									 st.reason, st.rules);
		END IF;
	END LOOP;
	RETURN jsonb_build_object('policy_id', pol.policy_id, 'submitted_by', me, 'submitted_at', now(), 'submitters', submitters);
END
$$;
COMMENT ON FUNCTION procgov.effect_plan_approval(text, jsonb, procgov.state, procgov.state) IS 'effect plan_approval: on the way to pending_approval, evaluates the active policy and records its plan as approval steps (a block refuses the move); records the policy version on the document';

INSERT INTO procgov.effect (effect, function, description, builtin) VALUES
	('plan_approval', 'procgov.effect_plan_approval(text, jsonb, procgov.state, procgov.state)',
	 'evaluate the active policy and record its plan as approval steps; a block refuses the move', true);

CREATE FUNCTION procgov.guard_receiver_not_buyer(kind text, doc jsonb) RETURNS text
	AS 'MODULE_PATHNAME', 'guard_receiver_not_buyer' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.guard_receiver_not_buyer(text, jsonb) IS 'guard receiver_not_buyer: under a policy that says so, the buyer who raised an order does not post its receipt';
INSERT INTO procgov.guard (guard, function, description, hint, builtin) VALUES
	('receiver_not_buyer', 'procgov.guard_receiver_not_buyer(text, jsonb)',
	 'the buyer who raised the order does not post its receipt, when the policy says so',
	 'Have someone in receiving post it.', true);

UPDATE procgov.transition SET effects = effects || '{plan_approval}'
 WHERE builtin AND to_state = 'pending_approval' AND kind IN ('requisition', 'purchase_order')
   AND from_state IS NOT NULL;
UPDATE procgov.transition SET effects = effects || '{plan_approval}'
 WHERE builtin AND kind = 'bank_change' AND from_state IS NULL;
UPDATE procgov.transition SET guards = guards || '{receiver_not_buyer}'
 WHERE builtin AND kind = 'receipt' AND from_state = 'draft' AND to_state = 'posted';

-- a document that stops awaiting approval without being approved (rejected,
-- withdrawn) takes its open steps with it: nobody could decide them, and the
-- approval queue, the aging view and escalation would carry them for ever
CREATE FUNCTION procgov.effect_close_steps(kind text, doc jsonb, from_state procgov.state, to_state procgov.state)
	RETURNS jsonb
	LANGUAGE sql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
	UPDATE procgov.approval_step s SET status = 'superseded'
	 WHERE s.entity_id = doc->>'entity_id' AND s.doc_kind = kind AND s.doc_id = procgov.doc_id(kind, doc)
	   AND s.status IN ('pending', 'held');
	SELECT NULL::jsonb;
	$$;
COMMENT ON FUNCTION procgov.effect_close_steps(text, jsonb, procgov.state, procgov.state) IS 'effect close_steps: the open approval steps of a document rejected or withdrawn while it awaited approval are superseded';
INSERT INTO procgov.effect (effect, function, description, builtin) VALUES
	('close_steps', 'procgov.effect_close_steps(text, jsonb, procgov.state, procgov.state)',
	 'supersede the open approval steps of a document that leaves pending_approval without approval', true);
UPDATE procgov.transition SET effects = effects || '{close_steps}'
 WHERE builtin AND from_state = 'pending_approval' AND to_state IN ('rejected', 'cancelled')
   AND kind IN ('requisition', 'purchase_order', 'bank_change');

-- ---- deciding steps ----

-- The one function every approval goes through: segregation of duties,
-- eligibility (role, limit, delegation), one approval per person and
-- document, and the document approved once its last step is.
CREATE FUNCTION procgov.decide_step(step_id bigint, decision text, comment text, idempotency_key text) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	AS $$
#variable_conflict use_variable
DECLARE
	s procgov.approval_step;
	d jsonb;
	pol procgov.policy;
	actor text := procgov.current_actor();
	authors text[];
	via record;
	amount procgov.amount;
	prior jsonb;
	op text := CASE decision WHEN 'approved' THEN 'approve_step' ELSE 'reject_step' END;
	open_steps integer;
BEGIN
	SELECT * INTO s FROM procgov.approval_step x WHERE x.step_id = decide_step.step_id;
	-- a step of an entity the caller may not see does not exist for it: the
	-- error tells it no more than for a step id nobody has
	IF NOT FOUND OR NOT (procgov.sees_all_entities() OR s.entity_id = ANY (procgov.visible_entities())) THEN
		RAISE EXCEPTION 'approval step % does not exist', step_id
			USING ERRCODE = '42704', HINT = 'Find open steps in procgov.approval_step (status pending or held).';
	END IF;
	prior := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(s.entity_id, op, idempotency_key,
		jsonb_build_object('step', step_id, 'comment', comment)) END;
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	-- the document first, then the step: the order every decision locks in
	d := procgov.lock_document(s.doc_kind, s.entity_id, s.doc_number);
	-- every live step of the document, not just this one: a decision reads the
	-- others (one approval per person, the last step approves the document), so
	-- under REPEATABLE READ a decision another transaction committed on any of
	-- them since this snapshot is a serialization failure (40001), never missed
	PERFORM FROM procgov.approval_step x
	 WHERE x.entity_id = s.entity_id AND x.doc_kind = s.doc_kind AND x.doc_id = s.doc_id AND x.status <> 'superseded'
	 ORDER BY x.step_id FOR UPDATE;
	SELECT * INTO s FROM procgov.approval_step x WHERE x.entity_id = s.entity_id AND x.step_id = decide_step.step_id FOR UPDATE;
	IF s.status NOT IN ('pending', 'held') THEN
		RAISE EXCEPTION 'approval step % of % % is %', step_id, procgov.kind_label(s.doc_kind), s.doc_number, s.status
			USING ERRCODE = '55000',
				  DETAIL = format('Step %s (%s) needed %s approval(s) and has %s.', s.step_no, s.role, s.required, s.approved),
				  HINT = 'Only pending or held steps are decided.';
	END IF;
	IF d->>'state' <> 'pending_approval' THEN
		RAISE EXCEPTION '% % (%) is not awaiting approval', procgov.kind_label(s.doc_kind), s.doc_number, s.entity_id
			USING ERRCODE = '55000', DETAIL = format('It is %s.', replace(d->>'state', '_', ' ')),
				  HINT = 'Only documents pending approval can be approved or rejected.';
	END IF;
	SELECT * INTO pol FROM procgov.policy p WHERE p.entity_id = s.entity_id AND p.policy_id = s.policy_id;
	authors := procgov.doc_authors(d);
	amount := (d->>'total')::procgov.amount;
	IF actor = ANY (authors) THEN
		RAISE EXCEPTION '% may not decide on % %: they raised it', actor, procgov.kind_label(s.doc_kind), s.doc_number
			USING ERRCODE = '42501', DETAIL = 'Segregation of duties: the requester never approves their own document (its buyer, requester, creator or submitter).',
				  HINT = format('Someone else holding role %s decides step %s.', s.role, s.step_id);
	END IF;
	SELECT * INTO via FROM procgov.eligible_approvers(s.entity_id, s.role, s.doc_kind, amount, authors) x
	 WHERE x.person = actor ORDER BY x.on_behalf_of NULLS FIRST LIMIT 1;
	-- one person, one approval per document: whether they gave it themselves or
	-- through a delegate, and whoever now acts for them
	IF decision = 'approved' AND EXISTS (SELECT FROM procgov.approval a
				WHERE a.entity_id = s.entity_id AND a.doc_kind = s.doc_kind AND a.doc_id = s.doc_id
				  AND a.step_id IN (SELECT x.step_id FROM procgov.approval_step x
									 WHERE x.entity_id = s.entity_id AND x.doc_kind = s.doc_kind AND x.doc_id = s.doc_id
									   AND x.status <> 'superseded')
				  AND a.decision = 'approved'
				  AND (a.decided_by IN (actor, via.on_behalf_of) OR a.on_behalf_of IN (actor, via.on_behalf_of))) THEN
		RAISE EXCEPTION '% already approved % %', coalesce(via.on_behalf_of, actor), procgov.kind_label(s.doc_kind), s.doc_number
			USING ERRCODE = '42501', DETAIL = 'Segregation of duties: one person gives at most one approval per document, in person or through a delegate.',
				  HINT = format('Another holder of role %s approves step %s.', s.role, s.step_id);
	END IF;
	IF NOT FOUND THEN
		IF EXISTS (SELECT FROM procgov.approver a WHERE a.entity_id = s.entity_id AND a.person = actor AND a.role = s.role AND a.active) THEN
			RAISE EXCEPTION '%''s approval limit as % does not cover % % (%)', actor, s.role, procgov.kind_label(s.doc_kind), s.doc_number, amount
				USING ERRCODE = '42501',
					  DETAIL = format('The limit is %s.', (SELECT coalesce(a.approval_limit::text, 'none') FROM procgov.approver a
														   WHERE a.entity_id = s.entity_id AND a.person = actor AND a.role = s.role)),
					  HINT = format('Someone with role %s and a higher limit decides step %s.', s.role, s.step_id);
		END IF;
		RAISE EXCEPTION '% does not hold role % in entity %, nor a delegation for it', actor, s.role, s.entity_id
			USING ERRCODE = '42501',
				  DETAIL = format('Step %s of %s %s needs role %s.', s.step_id, procgov.kind_label(s.doc_kind), s.doc_number, s.role),
				  HINT = 'Add the person to procgov.approver, or have a holder of the role delegate with procgov.delegate().';
	END IF;
	INSERT INTO procgov.approval (entity_id, doc_kind, doc_id, doc_version, decision, decided_by, comment, step_id, policy_id,
								  policy_hash, on_behalf_of)
	VALUES (s.entity_id, s.doc_kind, s.doc_id, s.doc_version, decision, actor, comment, s.step_id, s.policy_id, pol.hash,
			via.on_behalf_of);
	PERFORM procgov.audit_append(s.doc_kind || ':' || s.entity_id || ':' || s.doc_number,
		CASE decision WHEN 'approved' THEN 'approve' ELSE 'reject' END,
		jsonb_build_object('step', s.step_id, 'role', s.role, 'decision', decision, 'on_behalf_of', via.on_behalf_of,
						   'policy_version', pol.version, 'policy_hash', encode(pol.hash, 'hex'), 'doc_version', s.doc_version),
		nullif(comment, ''));
	IF decision = 'rejected' THEN
		UPDATE procgov.approval_step x SET status = 'rejected', decided_at = now()
		 WHERE x.entity_id = s.entity_id AND x.step_id = s.step_id;
		PERFORM set_config('procgov.reason', comment, true);
		d := procgov.set_state(s.doc_kind, s.entity_id, s.doc_number, 'rejected');
	ELSE
		UPDATE procgov.approval_step x
		   SET approved = x.approved + 1,
			   status = CASE WHEN x.approved + 1 >= x.required THEN 'approved' ELSE x.status END,
			   decided_at = CASE WHEN x.approved + 1 >= x.required THEN now() END
		 WHERE x.entity_id = s.entity_id AND x.step_id = s.step_id
		RETURNING * INTO s;
		SELECT count(*) INTO open_steps FROM procgov.approval_step x
		 WHERE x.entity_id = s.entity_id AND x.doc_kind = s.doc_kind AND x.doc_id = s.doc_id AND x.status IN ('pending', 'held', 'rejected');
		IF open_steps = 0 THEN
			d := procgov.set_state(s.doc_kind, s.entity_id, s.doc_number, 'approved');
		END IF;
	END IF;
	SELECT * INTO s FROM procgov.approval_step x WHERE x.entity_id = s.entity_id AND x.step_id = s.step_id;
	RETURN procgov.idempotent_end(s.entity_id, op, idempotency_key,
		jsonb_build_object('step', s.step_id, 'role', s.role, 'status', s.status, 'approved', s.approved, 'required', s.required,
						   'on_behalf_of', via.on_behalf_of, 'document', procgov.doc_result(s.doc_kind, d)));
END
$$;
COMMENT ON FUNCTION procgov.decide_step(bigint, text, text, text) IS 'approve or reject one approval step as the acting user, with every segregation-of-duties check (used by approve, reject and approve_document)';

CREATE FUNCTION procgov.approve(step_id bigint, comment text DEFAULT NULL, idempotency_key text DEFAULT NULL) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
BEGIN
	RETURN procgov.decide_step(step_id, 'approved', comment, idempotency_key);
END
$$;
COMMENT ON FUNCTION procgov.approve(bigint, text, text) IS 'approve an approval step as the acting user (procgov.actor); the document is approved when its last step is';

CREATE FUNCTION procgov.reject(step_id bigint, reason text, idempotency_key text DEFAULT NULL) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
BEGIN
	IF reason IS NULL OR reason = '' THEN
		RAISE EXCEPTION 'a rejection needs a reason' USING ERRCODE = '22023', HINT = 'Say why, so the author can rework it.';
	END IF;
	RETURN procgov.decide_step(step_id, 'rejected', reason, idempotency_key);
END
$$;
COMMENT ON FUNCTION procgov.reject(bigint, text, text) IS 'reject an approval step with a reason; the document is rejected';

-- the step of a document the acting user may decide (for approve_document)
CREATE FUNCTION procgov.step_for_actor(kind text, entity text, number text) RETURNS bigint
	LANGUAGE plpgsql STABLE
	AS $$
#variable_conflict use_variable
DECLARE
	d jsonb := procgov.document_row(kind, entity, number);
	actor text := procgov.current_actor();
	sid bigint;
BEGIN
	SELECT s.step_id INTO sid FROM procgov.approval_step s
	 WHERE s.entity_id = entity AND s.doc_kind = kind AND s.doc_id = procgov.doc_id(kind, d) AND s.status IN ('pending', 'held')
	   AND s.status = 'pending'	-- a hold is cleared only by name: procgov.approve(step_id)
	   AND EXISTS (SELECT FROM procgov.eligible_approvers(entity, s.role, kind, (d->>'total')::procgov.amount,
							procgov.doc_authors(d)) x WHERE x.person = actor)
	 ORDER BY s.step_no LIMIT 1;
	IF sid IS NULL THEN
		-- no step this person may decide: let decide_step say why, on the first open step
		SELECT s.step_id INTO sid FROM procgov.approval_step s
		 WHERE s.entity_id = entity AND s.doc_kind = kind AND s.doc_id = procgov.doc_id(kind, d) AND s.status IN ('pending', 'held')
		 ORDER BY s.step_no LIMIT 1;
	END IF;
	RETURN sid;
END
$$;
COMMENT ON FUNCTION procgov.step_for_actor(text, text, text) IS 'the first open step of a document the acting user may decide, else its first open step';

CREATE FUNCTION procgov.submit(kind text, entity text, number text, urgent boolean DEFAULT false,
	justification text DEFAULT NULL, idempotency_key text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	prior jsonb;
	d jsonb;
BEGIN
	-- not urgent unless said so (a NULL from a client's optional field)
	urgent := coalesce(urgent, false);
	-- the kind first: it names the operation a key is stored under
	IF kind IS NULL OR kind NOT IN ('requisition', 'purchase_order') THEN
		RAISE EXCEPTION 'document kind "%" is not submitted for approval', kind
			USING ERRCODE = '22023', HINT = 'Submit a requisition or a purchase_order; a bank change is pending approval when requested.';
	END IF;
	prior := CASE WHEN idempotency_key IS NOT NULL THEN procgov.idempotent_begin(entity, 'submit_' || kind, idempotency_key,
		jsonb_build_object('number', number, 'urgent', urgent, 'justification', justification)) END;
	IF prior IS NOT NULL THEN
		RETURN prior;
	END IF;
	IF urgent AND coalesce(btrim(justification), '') = '' THEN
		RAISE EXCEPTION 'an urgent % needs a written justification', procgov.kind_label(kind)
			USING ERRCODE = '22023', HINT = 'Say why it cannot take the normal path; the justification goes into the audit ledger.';
	END IF;
	d := procgov.lock_document(kind, entity, number);
	-- a draft is submitted, and a rejected document reworked by its author (back to draft
	-- first); an approved or later one goes back for approval only by a material change
	IF d->>'state' NOT IN ('draft', 'submitted', 'pending_approval', 'rejected') THEN
		RAISE EXCEPTION '% % (%) is %; only a draft or a rejected one is submitted', procgov.kind_label(kind), number, entity,
			replace(d->>'state', '_', ' ')
			USING ERRCODE = '55000',
				  DETAIL = 'Submitting it again would withdraw its approval and release its budget with nothing changed.',
				  HINT = 'Change the document instead: a material change sends it back for approval by itself.';
	END IF;
	IF d->>'state' = 'rejected' THEN
		d := procgov.set_state(kind, entity, number, 'draft');
	END IF;
	IF coalesce((d->>'urgent')::boolean, false) IS DISTINCT FROM urgent OR (d->>'expedite_reason') IS DISTINCT FROM justification THEN
		IF kind = 'purchase_order' THEN
			UPDATE procgov.purchase_order x SET urgent = submit.urgent, expedite_reason = justification
			 WHERE x.entity_id = entity AND x.number = submit.number;
		ELSIF kind = 'requisition' THEN
			UPDATE procgov.requisition x SET urgent = submit.urgent, expedite_reason = justification
			 WHERE x.entity_id = entity AND x.number = submit.number;
		END IF;
	END IF;
	IF kind = 'requisition' AND d->>'state' = 'draft' THEN
		PERFORM procgov.set_state(kind, entity, number, 'submitted');
	END IF;
	d := procgov.set_state(kind, entity, number, 'pending_approval');
	-- a plan with no step (auto-approve) approves at once; the guards still run
	IF (d->>'policy_id') IS NOT NULL AND NOT EXISTS (
			SELECT FROM procgov.approval_step s WHERE s.entity_id = entity AND s.doc_kind = kind
			   AND s.doc_id = procgov.doc_id(kind, d) AND s.status <> 'superseded') THEN
		d := procgov.set_state(kind, entity, number, 'approved');
	END IF;
	RETURN procgov.idempotent_end(entity, 'submit_' || kind, idempotency_key,
		procgov.doc_result(kind, d) || jsonb_build_object('steps',
			(SELECT coalesce(jsonb_agg(jsonb_build_object('step', s.step_id, 'role', s.role, 'required', s.required,
					'status', s.status, 'due_at', s.due_at, 'assigned_to', s.assigned_to) ORDER BY s.step_no), '[]')
			   FROM procgov.approval_step s WHERE s.entity_id = entity AND s.doc_kind = kind
				AND s.doc_id = procgov.doc_id(kind, d) AND s.status <> 'superseded')));
END
$$;
COMMENT ON FUNCTION procgov.submit(text, text, text, boolean, text, text) IS 'submit a draft (or rejected, reworked) requisition or purchase order for approval under the active policy (urgent: the faster path, with a written justification); returns the document and its approval steps; a plan with no step approves it at once';

CREATE FUNCTION procgov.delegate(entity text, to_person text, valid_until timestamptz, valid_from timestamptz DEFAULT now(),
	role text DEFAULT NULL, doc_kind text DEFAULT NULL)
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	actor text := procgov.current_actor();
	id bigint;
BEGIN
	PERFORM procgov.check_entity_access(entity);
	IF NOT EXISTS (SELECT FROM procgov.approver a WHERE a.entity_id = entity AND a.person = actor AND a.active
					  AND (delegate.role IS NULL OR a.role = delegate.role)) THEN
		RAISE EXCEPTION '% holds no approval role% in entity % to delegate', actor,
			coalesce(' ' || delegate.role, ''), entity
			USING ERRCODE = '42501', HINT = 'Only an approver delegates, and only the roles they hold.';
	END IF;
	IF to_person IS NULL OR to_person = actor THEN
		RAISE EXCEPTION 'a delegation goes to someone else' USING ERRCODE = '22023', HINT = 'Name the person who approves in your place.';
	END IF;
	-- a misspelt kind would make a delegation that never applies
	IF doc_kind IS NOT NULL THEN
		PERFORM procgov.check_kind(doc_kind);
	END IF;
	IF valid_until IS NULL OR valid_until <= valid_from THEN
		RAISE EXCEPTION 'a delegation needs an end after its start'
			USING ERRCODE = '22023', DETAIL = format('It runs from %s to %s.', valid_from, coalesce(valid_until::text, 'NULL')),
				  HINT = 'Give the date the delegation ends.';
	END IF;
	-- it counts from now on: a start in the past would read as having held when it did not
	IF valid_from IS NULL OR valid_from < now() - interval '1 day' THEN
		RAISE EXCEPTION 'a delegation starts now or later'
			USING ERRCODE = '22023', DETAIL = format('It would start %s.', coalesce(valid_from::text, 'NULL')),
				  HINT = 'Give a start from today on (the default is now).';
	END IF;
	INSERT INTO procgov.delegation (entity_id, from_person, to_person, valid, role, doc_kind, created_by)
	VALUES (entity, actor, to_person, tstzrange(valid_from, valid_until), role, doc_kind, actor)
	RETURNING delegation_id INTO id;
	PERFORM procgov.audit_append('approver:' || entity || ':' || actor, 'delegate',
		jsonb_build_object('delegation', id, 'to', to_person, 'from', valid_from, 'until', valid_until, 'role', role, 'doc_kind', doc_kind));
	RETURN id;
END
$$;
COMMENT ON FUNCTION procgov.delegate(text, text, timestamptz, timestamptz, text, text) IS 'delegate the acting approver''s authority (optionally one role or document kind) to another person for a period; audited';

CREATE FUNCTION procgov.revoke_delegation(entity text, delegation_id bigint) RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_variable
DECLARE
	actor text := procgov.current_actor();
BEGIN
	PERFORM procgov.check_entity_access(entity);
	UPDATE procgov.delegation d SET revoked_at = now()
	 WHERE d.entity_id = entity AND d.delegation_id = revoke_delegation.delegation_id AND d.revoked_at IS NULL
	   AND (d.from_person = actor OR pg_has_role(procgov.calling_role(), 'procgov_admin', 'USAGE'));
	IF NOT FOUND THEN
		RAISE EXCEPTION 'delegation % of entity % is not yours to revoke, or does not exist', delegation_id, entity
			USING ERRCODE = '42501', HINT = 'The delegating approver or procgov_admin revokes it.';
	END IF;
	PERFORM procgov.audit_append('approver:' || entity || ':' || actor, 'revoke_delegation', jsonb_build_object('delegation', delegation_id));
END
$$;
COMMENT ON FUNCTION procgov.revoke_delegation(text, bigint) IS 'end a delegation now (its author or procgov_admin); audited';

-- ---- advisory signals: recommendation, never authorisation ----

CREATE FUNCTION procgov.signal(kind text, entity text, number text, source text, signal_kind text, score numeric,
	confidence numeric DEFAULT NULL, rationale text DEFAULT NULL, model_version text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	d jsonb;
	id bigint;
	sig bigint;
	st record;
	added jsonb := '[]';
	n integer;
BEGIN
	IF source IS NULL OR source = '' OR signal_kind IS NULL OR signal_kind = '' THEN
		RAISE EXCEPTION 'a signal names its source and its kind'
			USING ERRCODE = '22023', HINT = 'Pass e.g. source => ''fraud-model'', signal_kind => ''fraud''.';
	END IF;
	IF score IS NULL OR score < 0 OR score > 1 OR confidence < 0 OR confidence > 1 THEN
		RAISE EXCEPTION 'signal score and confidence lie between 0 and 1'
			USING ERRCODE = '22003', DETAIL = format('Score %s, confidence %s.', coalesce(score::text, 'NULL'), coalesce(confidence::text, 'NULL')),
				  HINT = 'Scale the scorer''s output to 0..1.';
	END IF;
	IF kind IS NULL OR kind NOT IN ('requisition', 'purchase_order', 'bank_change') THEN
		RAISE EXCEPTION 'document kind "%" has no approval policy', kind
			USING ERRCODE = '22023', HINT = 'Signals concern requisition, purchase_order and bank_change.';
	END IF;
	d := procgov.lock_document(kind, entity, number);
	id := procgov.doc_id(kind, d);
	INSERT INTO procgov.signal (entity_id, doc_kind, doc_id, doc_number, source, model_version, kind, score, confidence, rationale, created_by)
	VALUES (entity, kind, id, number, source, model_version, signal_kind, score, confidence, rationale, procgov.current_actor())
	RETURNING signal_id INTO sig;
	PERFORM procgov.audit_append(kind || ':' || entity || ':' || number, 'signal',
		jsonb_build_object('signal', sig, 'source', source, 'model_version', model_version, 'kind', signal_kind,
						   'score', score, 'confidence', confidence, 'rationale', rationale));
	-- a pending document is judged again: the signal may add review or a hold,
	-- never take a step away, approve, or change an amount
	IF d->>'state' = 'pending_approval' AND (d->>'policy_id') IS NOT NULL THEN
		FOR st IN SELECT * FROM procgov.evaluate(kind, procgov.document_facts(kind, d, (d->>'policy_id')::bigint),
												 (d->>'policy_id')::bigint)
				   WHERE outcome IN ('require', 'hold', 'block') LOOP
			IF st.outcome = 'block' THEN
				st.outcome := 'hold';
				st.role := (SELECT p.default_role FROM procgov.policy p WHERE p.entity_id = entity AND p.policy_id = (d->>'policy_id')::bigint);
			END IF;
			-- already planned: a step for this role asking at least as much (or the same hold)
			-- already planned: a step for this role asking at least as much, or the same
			-- hold (cleared or not: a cleared hold is not raised again by the same signal rule)
			CONTINUE WHEN EXISTS (SELECT FROM procgov.approval_step s
				WHERE s.entity_id = entity AND s.doc_kind = kind AND s.doc_id = id AND s.status <> 'superseded'
				  AND CASE st.outcome WHEN 'require' THEN s.role = st.role AND s.required >= st.approvers
									  ELSE s.reason IS NOT NULL AND s.rules @> st.rules END);
			SELECT coalesce(max(s.step_no), 0) + 1 INTO n FROM procgov.approval_step s
			 WHERE s.entity_id = entity AND s.doc_kind = kind AND s.doc_id = id;
			PERFORM procgov.add_step(kind, d, (d->>'policy_id')::bigint, n, st.outcome, st.role, st.approvers, st.sla,
									 st.escalate_to, st.reason, st.rules);
			added := added || jsonb_build_object('role', st.role, 'status', CASE st.outcome WHEN 'hold' THEN 'held' ELSE 'pending' END,
												 'rules', st.rules);
		END LOOP;
	END IF;
	RETURN jsonb_build_object('signal', sig, 'added_steps', added);
END
$$;
COMMENT ON FUNCTION procgov.signal(text, text, text, text, text, numeric, numeric, text, text) IS 'attach an advisory signal (score and confidence 0..1) from an outside scorer to a document; audited with its source and model version; through the policy''s signal rules it may add review or hold a pending document, never approve, remove a step or change an amount';
-- END policy

-- BEGIN policy privileges
REVOKE ALL ON procgov.policy, procgov.approval_rule, procgov.approver, procgov.delegation, procgov.approval_step,
	procgov.signal FROM PUBLIC;
GRANT SELECT ON procgov.policy, procgov.approval_rule, procgov.approver, procgov.delegation, procgov.approval_step,
	procgov.signal TO procgov_admin, procgov_requester, procgov_approver, procgov_receiver, procgov_auditor;
GRANT INSERT, UPDATE, DELETE ON procgov.policy, procgov.approval_rule, procgov.approver TO procgov_admin;
DO $grants$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN
		SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
		 WHERE p.pronamespace = 'procgov'::regnamespace
		   AND p.proname IN ('policy_hash', 'policy_lifecycle', 'rules_frozen', 'activate_policy', 'copy_policy', 'import_policy',
				'export_policy', 'document_facts', 'document_row', 'active_policy', 'evaluate', 'explain', 'eligible_approvers',
				'effect_plan_approval', 'add_step', 'doc_authors', 'guard_receiver_not_buyer', 'decide_step', 'approve', 'reject', 'step_for_actor',
				'submit', 'delegate', 'revoke_delegation', 'signal')
	LOOP
		EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
	END LOOP;
END
$grants$;
GRANT EXECUTE ON FUNCTION procgov.activate_policy(text, integer), procgov.copy_policy(text, integer, text),
	procgov.import_policy(text), procgov.export_policy(text, integer, boolean), procgov.policy_hash(text, integer)
	TO procgov_admin;
-- a stored document's plan for whoever may see its entity; what-ifs over facts given
-- directly (any entity's policy) for the administrators and auditors, who see all
GRANT EXECUTE ON FUNCTION procgov.evaluate(text, text, text), procgov.explain(text, text, text)
	TO procgov_admin, procgov_requester, procgov_approver, procgov_receiver, procgov_auditor;
GRANT EXECUTE ON FUNCTION procgov.evaluate(text, jsonb, bigint), procgov.explain(text, jsonb, bigint),
	procgov.document_facts(text, jsonb, bigint), procgov.active_policy(text)
	TO procgov_admin, procgov_auditor;
GRANT EXECUTE ON FUNCTION procgov.submit(text, text, text, boolean, text, text) TO procgov_requester, procgov_admin;
GRANT EXECUTE ON FUNCTION procgov.approve(bigint, text, text), procgov.reject(bigint, text, text),
	procgov.delegate(text, text, timestamptz, timestamptz, text, text), procgov.revoke_delegation(text, bigint)
	TO procgov_approver, procgov_admin;
GRANT EXECUTE ON FUNCTION procgov.signal(text, text, text, text, text, numeric, numeric, text, text) TO procgov_scorer, procgov_admin;
-- END policy privileges

-- BEGIN matching
-- ===================================================================
-- Matching: invoices against orders and receipts within the tolerances
-- of the active policy's match rules, decided in C (src/match.c);
-- mismatches become owned exception cases, and their resolutions are
-- functions that audit and emit.  docs/matching.md is the reference.
-- ===================================================================

CREATE TABLE procgov.match_rule (
	entity_id		text NOT NULL,
	policy_id		bigint NOT NULL,
	rule_id			bigint GENERATED ALWAYS AS IDENTITY,
	name			text NOT NULL,
	supplier_code	text,
	category_prefix	text CHECK (category_prefix <> ''),
	qty_tolerance	procgov.tolerance,
	price_tolerance	procgov.tolerance,
	two_way			boolean,
	owner			text CHECK (owner <> ''),
	sla				interval CHECK (procgov.forward_interval(sla)),
	variance_role	text CHECK (variance_role <> ''),
	duplicate_period interval CHECK (duplicate_period > '0'),
	duplicate_window interval CHECK (duplicate_window >= '0'),
	CONSTRAINT match_rule_pkey PRIMARY KEY (entity_id, rule_id),
	CONSTRAINT match_rule_name_key UNIQUE (entity_id, policy_id, name),
	CONSTRAINT match_rule_policy_fkey FOREIGN KEY (entity_id, policy_id) REFERENCES procgov.policy ON DELETE CASCADE,
	CONSTRAINT match_rule_duplicates_per_supplier CHECK (category_prefix IS NULL OR (duplicate_period IS NULL AND duplicate_window IS NULL))
);
COMMENT ON TABLE procgov.match_rule IS 'match tolerances, modes, owners and duplicate windows of a policy version, by entity, supplier and item category; each setting comes from the most specific rule that names it (docs/matching.md)';
COMMENT ON COLUMN procgov.match_rule.entity_id IS 'entity';
COMMENT ON COLUMN procgov.match_rule.policy_id IS 'the policy version the rule belongs to (frozen once it leaves draft)';
COMMENT ON COLUMN procgov.match_rule.rule_id IS 'internal id';
COMMENT ON COLUMN procgov.match_rule.name IS 'a name for people, unique within the version';
COMMENT ON COLUMN procgov.match_rule.supplier_code IS 'only this supplier (procgov.supplier.code); NULL: every supplier';
COMMENT ON COLUMN procgov.match_rule.category_prefix IS 'only order lines whose item category starts with this; NULL: every category';
COMMENT ON COLUMN procgov.match_rule.qty_tolerance IS 'how far billed quantity may exceed what may be billed, valued at the order price (''2%'', ''50.00 EUR'', both); NULL: from a less specific rule; default ''0''';
COMMENT ON COLUMN procgov.match_rule.price_tolerance IS 'how far the line''s value at the billed price may differ from its value at the order price; NULL: from a less specific rule; default ''0''';
COMMENT ON COLUMN procgov.match_rule.two_way IS 'true: match the invoice against the order only (services without receipts); default false';
COMMENT ON COLUMN procgov.match_rule.owner IS 'who owns the exception cases (a role or a person); default accounts_payable';
COMMENT ON COLUMN procgov.match_rule.sla IS 'how soon an exception case is due; default 3 days';
COMMENT ON COLUMN procgov.match_rule.variance_role IS 'approval role that may accept a variance, within its limit; default controller';
COMMENT ON COLUMN procgov.match_rule.duplicate_period IS 'an invoice number the supplier used within this period of the invoice date is a duplicate; default 1 year';
COMMENT ON COLUMN procgov.match_rule.duplicate_window IS 'an invoice of the same amount within this many days under another number is a duplicate; default 3 days';

CREATE TRIGGER rules_frozen BEFORE INSERT OR UPDATE OR DELETE ON procgov.match_rule
	FOR EACH ROW EXECUTE FUNCTION procgov.rules_frozen();

-- A btree serves the candidate search: an order line's price is a point, the
-- search a band, so a range scan finds them.  A GiST index over
-- amountrange(unit_price, unit_price, '[]') finds the same lines, but it costs
-- every non-HOT update of a line (receipts, matching) a GiST insertion: three
-- times the plain update in test/bench/match.sql (docs/matching.md).  Only
-- open lines can be candidates, so only they are in the index: the update
-- that bills a line in full adds no entry, and the index holds the open book,
-- not the history.
CREATE INDEX purchase_order_line_price ON procgov.purchase_order_line (entity_id, unit_price)
	WHERE invoiced_qty < quantity;
COMMENT ON INDEX procgov.purchase_order_line_price IS 'open order lines (not fully invoiced) by entity and unit price, for the candidate search of unmatched invoice lines (procgov.match_candidates)';
CREATE INDEX receipt_po ON procgov.receipt (entity_id, po_id);

-- ---- the engine ----

CREATE FUNCTION procgov.match_lines(entity text, invoice_id bigint, two_way boolean,
	OUT line_no integer, OUT po_id bigint, OUT po_line_no integer, OUT result text, OUT accepted boolean,
	OUT quantity numeric, OUT unit_price procgov.amount, OUT ordered numeric, OUT order_price procgov.amount,
	OUT received numeric, OUT invoiced_before numeric, OUT billable numeric, OUT price_variance procgov.amount,
	OUT price_allowance procgov.amount, OUT quantity_tolerance procgov.tolerance, OUT price_tolerance procgov.tolerance,
	OUT two_way_match boolean, OUT duplicate_of text, OUT owner text, OUT sla interval, OUT invoice_result text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'match_lines' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.match_lines(text, bigint, boolean) IS 'the matching engine''s per-line decision for one invoice (by id), without side effects; procgov.three_way_match() is the interface';

CREATE FUNCTION procgov.match_run(entity text, invoice_number text, max_invoices integer,
	OUT invoices bigint, OUT lines bigint, OUT matched bigint, OUT disputed bigint, OUT exceptions bigint)
	RETURNS record
	AS 'MODULE_PATHNAME', 'match_run' LANGUAGE C VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	-- every statement of a run looks rows up by key for a chunk of a few thousand
	-- invoices; a hash or merge join would scan the whole table once per chunk
	SET enable_hashjoin = off
	SET enable_mergejoin = off;
COMMENT ON FUNCTION procgov.match_run(text, text, integer) IS 'lock unmatched invoices (one by number, or all that no other run holds), match them and act on the outcome; procgov.match_pending() and procgov.match_invoice() are the interface';

CREATE FUNCTION procgov.three_way_match(entity text, invoice_number text, two_way boolean DEFAULT NULL)
	RETURNS TABLE (line_no integer, order_number text, po_line_no integer, result text, accepted boolean,
		quantity numeric, unit_price procgov.amount, ordered numeric, order_price procgov.amount, received numeric,
		invoiced_before numeric, billable numeric, price_variance procgov.amount, price_allowance procgov.amount,
		quantity_tolerance procgov.tolerance, price_tolerance procgov.tolerance, two_way_match boolean,
		duplicate_of text, owner text, sla interval, invoice_result text)
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	id bigint;
BEGIN
	PERFORM procgov.check_entity_access(entity);
	SELECT i.invoice_id INTO id FROM procgov.invoice i WHERE i.entity_id = three_way_match.entity AND i.number = invoice_number;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'invoice % does not exist in entity %', coalesce(invoice_number, 'NULL'), coalesce(three_way_match.entity, 'NULL')
			USING ERRCODE = '42704', HINT = 'Check the invoice number and the entity.';
	END IF;
	RETURN QUERY
	SELECT m.line_no, po.number, m.po_line_no, m.result, m.accepted, m.quantity, m.unit_price, m.ordered, m.order_price,
		   m.received, m.invoiced_before, m.billable, m.price_variance, m.price_allowance, m.quantity_tolerance,
		   m.price_tolerance, m.two_way_match, m.duplicate_of, m.owner, m.sla, m.invoice_result
	  FROM procgov.match_lines(three_way_match.entity, id, three_way_match.two_way) m
	  LEFT JOIN procgov.purchase_order po ON po.entity_id = three_way_match.entity AND po.po_id = m.po_id
	 ORDER BY m.line_no;
END
$$;
COMMENT ON FUNCTION procgov.three_way_match(text, text, boolean) IS 'match an invoice line by line against its order and receipts, without changing anything: the result per line (matched, quantity_over_received, price_over, ...) and the figures behind it; two_way => true compares with the order only';

CREATE FUNCTION procgov.match_pending(entity text DEFAULT NULL, max_invoices integer DEFAULT NULL,
	OUT invoices bigint, OUT lines bigint, OUT matched bigint, OUT disputed bigint, OUT exceptions bigint)
	RETURNS record
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_variable
BEGIN
	-- every entity only for who may see them all
	IF entity IS NULL THEN
		IF NOT procgov.sees_all_entities() THEN
			RAISE EXCEPTION 'permission denied for all entities'
				USING ERRCODE = '42501', HINT = 'Name the entity to match, or run the job as procgov_admin.';
		END IF;
	ELSE
		PERFORM procgov.check_entity_access(entity);
	END IF;
	IF max_invoices IS NOT NULL AND max_invoices < 1 THEN
		RAISE EXCEPTION 'max_invoices must be positive, not %', max_invoices
			USING ERRCODE = '22023', HINT = 'Pass NULL to match every unmatched invoice.';
	END IF;
	SELECT r.invoices, r.lines, r.matched, r.disputed, r.exceptions
	  INTO invoices, lines, matched, disputed, exceptions
	  FROM procgov.match_run(entity, NULL, max_invoices) r;
END
$$;
COMMENT ON FUNCTION procgov.match_pending(text, integer) IS 'match every unmatched invoice (submitted or disputed) of an entity, or of all: set-based, skipping invoices another run holds; returns how many invoices and lines it matched, disputed, and the exception cases it opened or updated';

CREATE FUNCTION procgov.match_invoice(entity text, invoice_number text) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	inv procgov.invoice;
BEGIN
	PERFORM procgov.check_entity_access(entity);
	SELECT * INTO inv FROM procgov.invoice i WHERE i.entity_id = entity AND i.number = invoice_number;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'invoice % does not exist in entity %', coalesce(invoice_number, 'NULL'), coalesce(entity, 'NULL')
			USING ERRCODE = '42704', HINT = 'Check the invoice number and the entity.';
	END IF;
	IF inv.state NOT IN ('submitted', 'disputed') THEN
		RAISE EXCEPTION 'invoice % is %, not waiting to be matched', invoice_number, inv.state
			USING ERRCODE = '55000', HINT = 'Only submitted and disputed invoices are matched.';
	END IF;
	PERFORM procgov.match_run(entity, invoice_number, 1);
	SELECT * INTO inv FROM procgov.invoice i WHERE i.entity_id = entity AND i.number = invoice_number;
	RETURN procgov.doc_result('invoice', to_jsonb(inv)) ||
		jsonb_build_object('open_cases', (SELECT coalesce(jsonb_agg(jsonb_build_object('case_id', c.case_id, 'kind', c.kind,
			'owner', c.owner, 'due_at', c.due_at) ORDER BY c.case_id), '[]')
			FROM procgov.exception_case c
		   WHERE c.entity_id = entity AND c.doc_kind = 'invoice' AND c.doc_number = invoice_number AND c.status = 'open'));
END
$$;
COMMENT ON FUNCTION procgov.match_invoice(text, text) IS 'match one invoice now (waiting for a run that holds it) and act on the outcome; returns the invoice and its open exception cases';

-- ---- exception cases ----

CREATE FUNCTION procgov.match_kinds() RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT ARRAY['duplicate_invoice', 'no_order', 'currency_mismatch', 'fully_invoiced', 'no_receipt',
				 'quantity_over_received', 'quantity_over_ordered', 'price_over', 'price_under']::pg_catalog.text[] $$;
COMMENT ON FUNCTION procgov.match_kinds() IS 'the kinds of exception case matching opens';

-- the value at stake in a case: what the variance costs, in the order's currency
CREATE FUNCTION procgov.case_variance(kind text, details jsonb) RETURNS procgov.amount
	LANGUAGE sql IMMUTABLE
	AS $$ SELECT procgov.sum(procgov.abs(CASE
				WHEN kind IN ('price_over', 'price_under')
				THEN procgov.round((l->>'unit_price')::procgov.amount OPERATOR(procgov.*) (l->>'quantity')::pg_catalog.numeric)
					 OPERATOR(procgov.-)
					 procgov.round((l->>'order_price')::procgov.amount OPERATOR(procgov.*) (l->>'quantity')::pg_catalog.numeric)
				ELSE procgov.round((l->>'order_price')::procgov.amount
					 OPERATOR(procgov.*) ((l->>'quantity')::pg_catalog.numeric - (l->>'billable')::pg_catalog.numeric)) END))
			  FROM pg_catalog.jsonb_array_elements(details->'lines') l $$;
COMMENT ON FUNCTION procgov.case_variance(text, jsonb) IS 'what the variance of a price or quantity case amounts to at the order''s prices, each line''s values in the currency''s minor units as matching judges them';

CREATE FUNCTION procgov.match_exceptions(ent text[], num text[], line integer[], po bigint[], po_line integer[],
	kinds text[], qty numeric[], ordered numeric[], received numeric[], invoiced numeric[], billable numeric[],
	owners text[], slas interval[], dup text[], r_ent text[], r_num text[], price procgov.amount[],
	order_price procgov.amount[], allowance procgov.amount[], roles text[])
	RETURNS bigint
	LANGUAGE plpgsql VOLATILE
	AS $$
#variable_conflict use_variable
DECLARE
	c record;
	n bigint := 0;
BEGIN
	-- open cases of re-matched invoices whose finding is gone: cleared
	FOR c IN
		UPDATE procgov.exception_case x
		   SET status = 'resolved', resolution = 'cleared', resolved_at = now(), resolved_by = 'procgov', updated_at = now()
		  FROM unnest(r_ent, r_num) AS r(e, nm)
		 WHERE x.entity_id = r.e AND x.doc_kind = 'invoice' AND x.doc_number = r.nm AND x.status = 'open'
		   AND x.kind = ANY (procgov.match_kinds())
		   AND NOT EXISTS (SELECT FROM unnest(ent, num, kinds) AS f(e, nm, k)
							WHERE f.e = x.entity_id AND f.nm = x.doc_number AND f.k = x.kind)
		RETURNING x.*
	LOOP
		PERFORM procgov.case_resolved(c.entity_id, c.case_id, c.doc_number, c.kind, 'cleared', 'the rematch no longer finds it',
									  c.correlation_id, NULL);
	END LOOP;
	-- one open case per invoice and kind, with the lines and their figures
	FOR c IN
		WITH l AS (
			SELECT * FROM unnest(ent, num, line, po, po_line, kinds, qty, price, ordered, order_price, received, invoiced,
								 billable, allowance, owners, slas, dup, roles)
				AS x(e, nm, line_no, po_id, po_line_no, kind, quantity, unit_price, ordered, order_price, received,
					 invoiced_before, billable, price_allowance, owner, sla, duplicate_of, variance_role)),
		g AS (
			SELECT l.e, l.nm, l.kind, min(l.owner) AS owner, min(l.sla) AS sla,
				   -- one role decides a variance only when every line falls under it
				   CASE WHEN count(DISTINCT l.variance_role) = 1 THEN min(l.variance_role) END AS variance_role,
				   nullif(min(l.duplicate_of), '') AS duplicate_of,
				   jsonb_agg(jsonb_build_object('line', l.line_no, 'po_line', nullif(l.po_line_no, 0),
						'order', (SELECT o.number FROM procgov.purchase_order o WHERE o.entity_id = l.e AND o.po_id = l.po_id),
						'quantity', l.quantity, 'unit_price', l.unit_price, 'ordered', l.ordered, 'order_price', l.order_price,
						'received', l.received, 'invoiced_before', l.invoiced_before, 'billable', l.billable,
						'price_allowance', l.price_allowance, 'variance_role', l.variance_role) ORDER BY l.line_no) AS lines
			  FROM l GROUP BY l.e, l.nm, l.kind)
		INSERT INTO procgov.exception_case AS x (entity_id, kind, doc_kind, doc_number, owner, due_at, details, correlation_id)
		SELECT g.e, g.kind, 'invoice', g.nm, g.owner, now() + g.sla,
			   jsonb_build_object('invoice', i.number, 'supplier_invoice_no', i.supplier_invoice_no, 'supplier', s.code,
					'invoice_date', i.invoice_date, 'total', i.total, 'order', o.number, 'buyer', o.buyer,
					'variance_role', g.variance_role, 'duplicate_of', g.duplicate_of,
					'receipts', (SELECT coalesce(jsonb_agg(jsonb_build_object('number', r.number, 'received_at', r.received_at,
										'received_by', r.received_by) ORDER BY r.receipt_id), '[]')
								   FROM procgov.receipt r
								  WHERE r.entity_id = i.entity_id AND r.po_id = i.po_id AND r.state = 'posted'),
					'lines', g.lines),
			   i.correlation_id
		  FROM g
		  JOIN procgov.invoice i ON i.entity_id = g.e AND i.number = g.nm
		  JOIN procgov.supplier s ON s.entity_id = i.entity_id AND s.supplier_id = i.supplier_id
		  LEFT JOIN procgov.purchase_order o ON o.entity_id = i.entity_id AND o.po_id = i.po_id
		 ORDER BY i.entity_id, i.invoice_id, g.kind	-- case ids in invoice order, whatever the plan
		ON CONFLICT (entity_id, doc_kind, doc_number, kind) WHERE status = 'open'
		-- other figures: acceptances given in part were for the old ones
		DO UPDATE SET details = excluded.details, updated_at = now(), acceptances = '[]'
			WHERE x.details IS DISTINCT FROM excluded.details
		RETURNING x.*, (x.xmax = 0) AS opened
	LOOP
		PERFORM procgov.audit_append('invoice:' || c.entity_id || ':' || c.doc_number,
			CASE WHEN c.opened THEN 'exception.opened' ELSE 'exception.updated' END,
			jsonb_build_object('case_id', c.case_id, 'kind', c.kind, 'owner', c.owner, 'due_at', c.due_at, 'details', c.details));
		PERFORM procgov.emit('match.exception', 'invoice:' || c.entity_id || ':' || c.doc_number,
			jsonb_build_object('case_id', c.case_id, 'kind', c.kind, 'opened', c.opened, 'owner', c.owner, 'due_at', c.due_at,
							   'invoice', c.doc_number, 'order', c.details->'order', 'lines', c.details->'lines'),
			c.correlation_id, NULL, NULL, c.entity_id);
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
COMMENT ON FUNCTION procgov.match_exceptions(text[], text[], integer[], bigint[], integer[], text[], numeric[], numeric[], numeric[], numeric[], numeric[], text[], interval[], text[], text[], text[], procgov.amount[], procgov.amount[], procgov.amount[], text[]) IS 'the exception cases of a match run: opens or updates one case per invoice and kind (never a second open one), clears cases whose finding is gone, audits and emits match.exception';

CREATE FUNCTION procgov.case_resolved(entity text, case_id bigint, doc_number text, kind text, resolution text, reason text,
	correlation_id uuid, extra jsonb)
	RETURNS void
	LANGUAGE sql VOLATILE
	AS $$
	SELECT procgov.audit_append('invoice:' || entity || ':' || doc_number, 'exception.resolved',
		jsonb_build_object('case_id', case_id, 'kind', kind, 'resolution', resolution) || coalesce(extra, '{}'), reason);
	SELECT procgov.emit('exception.resolved', 'invoice:' || entity || ':' || doc_number,
		jsonb_build_object('case_id', case_id, 'kind', kind, 'resolution', resolution, 'reason', reason,
						   'resolved_by', procgov.current_actor()) || coalesce(extra, '{}'),
		correlation_id, NULL, NULL, entity);
	$$;
COMMENT ON FUNCTION procgov.case_resolved(text, bigint, text, text, text, text, uuid, jsonb) IS 'audit and announce (exception.resolved) the resolution of an invoice''s exception case';

-- lock an open case for a resolution and check it is one this resolution settles
CREATE FUNCTION procgov.case_for_resolution(entity text, case_id bigint, kinds text[], what text) RETURNS procgov.exception_case
	LANGUAGE plpgsql VOLATILE
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	c procgov.exception_case;
BEGIN
	PERFORM procgov.check_entity_access(entity);
	-- the invoice first, as a match run locks it: a resolution and a run take turns
	PERFORM 1 FROM procgov.invoice i JOIN procgov.exception_case x
		ON x.entity_id = i.entity_id AND x.doc_kind = 'invoice' AND x.doc_number = i.number
	 WHERE x.entity_id = entity AND x.case_id = case_id FOR UPDATE OF i;
	SELECT * INTO c FROM procgov.exception_case x WHERE x.entity_id = entity AND x.case_id = case_id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'exception case % does not exist in entity %', coalesce(case_id::text, 'NULL'), coalesce(entity, 'NULL')
			USING ERRCODE = '42704', HINT = 'List the open cases in procgov.exception_case.';
	END IF;
	IF c.status <> 'open' THEN
		RAISE EXCEPTION 'exception case % is already resolved (%)', case_id, c.resolution
			USING ERRCODE = '55000', DETAIL = format('%s resolved it.', c.resolved_by),
				  HINT = 'Nothing is left to do; a new finding opens a new case.';
	END IF;
	IF c.doc_kind <> 'invoice' OR NOT c.kind = ANY (kinds) THEN
		RAISE EXCEPTION 'exception case % is a % case; % does not settle it', case_id, c.kind, what
			USING ERRCODE = '55000', DETAIL = format('%s settles %s cases.', what, array_to_string(kinds, ', ')),
				  HINT = CASE c.kind
					WHEN 'duplicate_invoice' THEN 'Cancel the duplicate invoice with procgov.cancel_document().'
					WHEN 'no_receipt' THEN 'Post the receipt (procgov.correct_receipt) or wait for the delivery.'
					WHEN 'no_order' THEN 'Register the invoice against its order, or cancel it.'
					WHEN 'currency_mismatch' THEN 'Ask the supplier for an invoice in the order''s currency.'
					ELSE 'Use procgov.accept_variance, procgov.request_credit_note or procgov.correct_receipt as the kind allows.' END;
	END IF;
	RETURN c;
END
$$;
COMMENT ON FUNCTION procgov.case_for_resolution(text, bigint, text[], text) IS 'lock an open exception case (and its invoice) for a resolution, refusing cases of kinds the resolution does not settle';

-- every resolution says why
CREATE FUNCTION procgov.check_reason(case_id bigint, reason text) RETURNS void
	LANGUAGE plpgsql IMMUTABLE
	AS $$
BEGIN
	IF reason IS NULL OR btrim(reason) = '' THEN
		RAISE EXCEPTION 'resolving exception case % needs a reason', case_id
			USING ERRCODE = '22023', HINT = 'Say why, for the auditor: e.g. the supplier''s price list changed on 1 March.';
	END IF;
END
$$;
COMMENT ON FUNCTION procgov.check_reason(bigint, text) IS 'an error (22023) when a resolution of an exception case gives no reason';

CREATE FUNCTION procgov.settle_case(c procgov.exception_case, resolution text, reason text, extra jsonb) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	SET plan_cache_mode = force_generic_plan
	AS $$
DECLARE
	inv jsonb;
BEGIN
	PERFORM procgov.check_reason(c.case_id, reason);
	UPDATE procgov.exception_case x
	   SET status = 'resolved', resolution = settle_case.resolution, resolved_at = now(),
		   resolved_by = procgov.current_actor(), updated_at = now(),
		   details = x.details || jsonb_build_object('resolution', coalesce(extra, '{}') || jsonb_build_object('reason', reason))
	 WHERE x.entity_id = c.entity_id AND x.case_id = c.case_id;
	PERFORM procgov.case_resolved(c.entity_id, c.case_id, c.doc_number, c.kind, resolution, reason, c.correlation_id, extra);
	-- the invoice is matched again at once: it goes on when nothing else is open
	inv := procgov.match_invoice(c.entity_id, c.doc_number);
	RETURN jsonb_build_object('case_id', c.case_id, 'kind', c.kind, 'resolution', resolution) || coalesce(extra, '{}')
		|| jsonb_build_object('invoice', inv);
END
$$;
COMMENT ON FUNCTION procgov.settle_case(procgov.exception_case, text, text, jsonb) IS 'resolve a locked exception case: record, audit, emit exception.resolved, and match its invoice again';

-- the authors of every order a case's lines bill, and whoever registered the
-- invoice (its ledger's create entry names them): who may not settle it
CREATE FUNCTION procgov.case_authors(entity text, c procgov.exception_case) RETURNS text[]
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
	SELECT ARRAY(SELECT a FROM (
					SELECT a FROM procgov.purchase_order o, unnest(procgov.doc_authors(procgov.row_jsonb(o))) a
					 WHERE o.entity_id = entity
					   AND o.number IN (SELECT c.details->>'order'
										UNION SELECT l->>'order' FROM jsonb_array_elements(c.details->'lines') l)
					UNION
					SELECT x.actor FROM procgov.audit_log x
					 WHERE x.stream = 'invoice:' || entity || ':' || c.doc_number AND x.action = 'create') s
				  WHERE a IS NOT NULL ORDER BY a)
$$;
COMMENT ON FUNCTION procgov.case_authors(text, procgov.exception_case) IS 'the authors of the orders an exception case''s lines bill and whoever registered its invoice: they may not accept its variance nor request its credit note';
REVOKE ALL ON FUNCTION procgov.case_authors(text, procgov.exception_case) FROM PUBLIC;

CREATE FUNCTION procgov.accept_variance(entity text, case_id bigint, reason text) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	c procgov.exception_case := procgov.case_for_resolution(entity, case_id,
		ARRAY['price_over', 'price_under', 'quantity_over_received', 'quantity_over_ordered'], 'accepting the variance');
	me text := procgov.current_actor();
	authors text[];
	r record;
	took jsonb := '[]';
	awaiting text[] := '{}';
	awaiting_value procgov.amount;
	accepted jsonb;
BEGIN
	PERFORM procgov.check_entity_access(entity);
	PERFORM procgov.check_reason(c.case_id, reason);
	authors := procgov.case_authors(entity, c);
	-- each line's variance is decided by its match rule's role, within that role's
	-- limit for the variance of its lines; a case whose lines fall under several
	-- roles is accepted once each role has (one person holding several gives them at once)
	FOR r IN
		SELECT g.role, g.value FROM (
			SELECT coalesce(l->>'variance_role', c.details->>'variance_role', 'controller') AS role,
				   procgov.case_variance(c.kind, jsonb_build_object('lines', jsonb_agg(l))) AS value
			  FROM jsonb_array_elements(c.details->'lines') l GROUP BY 1) g
		 WHERE NOT EXISTS (SELECT FROM jsonb_array_elements(c.acceptances) a WHERE a->>'role' = g.role)
		 ORDER BY g.role
	LOOP
		IF EXISTS (SELECT FROM procgov.eligible_approvers(entity, r.role, 'invoice', r.value, authors) e WHERE e.person = me) THEN
			took := took || jsonb_build_object('role', r.role, 'variance', r.value, 'by', me, 'at', now(), 'reason', reason);
		ELSE
			awaiting := awaiting || r.role;
			awaiting_value := CASE WHEN awaiting_value IS NULL THEN r.value ELSE awaiting_value OPERATOR(procgov.+) r.value END;
		END IF;
	END LOOP;
	IF took = '[]' THEN
		RAISE EXCEPTION '% may not accept a variance of % on invoice %', me, awaiting_value, c.doc_number
			USING ERRCODE = '42501',
				  DETAIL = format('Policy gives this decision to the %s role, within its approval limit, and never to an author of the order or the invoice (%s).',
								  array_to_string(awaiting, ' and '), coalesce(array_to_string(authors, ', '), 'none')),
				  HINT = format('Ask someone with the %s role whose limit covers %s, or request a credit note instead.',
								array_to_string(awaiting, ' and someone with the '), awaiting_value);
	END IF;
	UPDATE procgov.exception_case x SET acceptances = x.acceptances || took, updated_at = now()
	 WHERE x.entity_id = c.entity_id AND x.case_id = c.case_id
	RETURNING x.acceptances INTO accepted;
	IF cardinality(awaiting) = 0 THEN
		RETURN procgov.settle_case(c, 'variance_accepted', reason,
			jsonb_build_object('variance', procgov.case_variance(c.kind, c.details),
							   'role', (SELECT string_agg(a->>'role', ' and ' ORDER BY a->>'role') FROM jsonb_array_elements(accepted) a))
			|| CASE WHEN jsonb_array_length(accepted) > 1 THEN jsonb_build_object('acceptances', accepted) ELSE '{}' END);
	END IF;
	-- in part: on record, and the case stays open for the other roles
	PERFORM procgov.audit_append('invoice:' || entity || ':' || c.doc_number, 'exception.accepted_in_part',
		jsonb_build_object('case_id', c.case_id, 'kind', c.kind, 'accepted', took, 'awaiting', to_jsonb(awaiting)), reason);
	RETURN jsonb_build_object('case_id', c.case_id, 'kind', c.kind, 'status', 'open', 'accepted', took,
							  'awaiting', to_jsonb(awaiting));
END
$$;
COMMENT ON FUNCTION procgov.accept_variance(text, bigint, text) IS 'accept the price or quantity variance of an exception case: each line''s variance by a holder of its match rule''s variance role within their limit (never an author of the order or the invoice); the case resolves, and the invoice goes on at the billed figures, once every role has accepted';

CREATE FUNCTION procgov.request_credit_note(entity text, case_id bigint, reason text) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	c procgov.exception_case := procgov.case_for_resolution(entity, case_id,
		ARRAY['price_over', 'quantity_over_received', 'quantity_over_ordered'], 'requesting a credit note');
	me text := procgov.current_actor();
	authors text[] := procgov.case_authors(entity, c);
BEGIN
	PERFORM procgov.check_entity_access(entity);
	-- a price credit lets the invoice go on at the price it bills, the difference
	-- owed back: whoever raised the order or registered the invoice does not
	-- settle that dispute, as for an accepted variance (a quantity credit bills
	-- no more than was received, and is theirs to ask for)
	IF c.kind = 'price_over' AND me = ANY (authors) THEN
		RAISE EXCEPTION '% may not request a credit note on invoice %', me, c.doc_number
			USING ERRCODE = '42501',
				  DETAIL = format('%s is an author of the order or the invoice (%s); the invoice would go on at what it bills.',
								  me, array_to_string(authors, ', ')),
				  HINT = 'Ask someone who neither raised the order nor registered the invoice, e.g. the controller.';
	END IF;
	RETURN procgov.settle_case(c, 'credit_requested', reason,
		jsonb_build_object('credit_due', procgov.case_variance(c.kind, c.details), 'supplier', c.details->'supplier'));
END
$$;
COMMENT ON FUNCTION procgov.request_credit_note(text, bigint, text) IS 'settle an overbilling case by claiming a credit note for the variance (credit_due in the exception.resolved event); the invoice goes on, billing no more than was received';

CREATE FUNCTION procgov.correct_receipt(entity text, case_id bigint, reason text, lines jsonb DEFAULT NULL) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	c procgov.exception_case := procgov.case_for_resolution(entity, case_id,
		ARRAY['no_receipt', 'quantity_over_received'], 'correcting the receipt');
	o record;
	other text;
	receipts jsonb := '[]';
BEGIN
	PERFORM procgov.check_entity_access(entity);
	PERFORM procgov.check_reason(case_id, reason);
	-- by default: receive what the invoice bills beyond what may be billed, within what is still open,
	-- on each line's own order; given lines are on the invoice's order unless they name one
	-- (invoice lines that bill the same order line make one receipt line)
	lines := coalesce(lines, (
		SELECT jsonb_agg(jsonb_build_object('order', g.o, 'line', g.line, 'quantity', g.q) ORDER BY g.o, g.line)
		  FROM (SELECT coalesce(l->>'order', c.details->>'order') AS o, (l->>'po_line')::integer AS line,
					   least(sum((l->>'quantity')::numeric - greatest((l->>'billable')::numeric, 0)),
							 max((l->>'ordered')::numeric - (l->>'received')::numeric)) AS q
				  FROM jsonb_array_elements(c.details->'lines') l
				 GROUP BY 1, 2) g
		 WHERE g.q > 0));
	IF lines IS NULL THEN
		RAISE EXCEPTION 'exception case % leaves nothing to receive', case_id
			USING ERRCODE = '55000', DETAIL = 'The order''s lines are received in full already.',
				  HINT = 'Accept the variance or request a credit note instead.';
	END IF;
	-- the receipt corrects the case's own orders, no other
	IF jsonb_typeof(lines) = 'array' THEN
		SELECT l->>'order' INTO other FROM jsonb_array_elements(lines) l
		 WHERE coalesce(l->>'order', c.details->>'order') NOT IN (
				SELECT c.details->>'order' WHERE c.details->>'order' IS NOT NULL
				UNION SELECT x->>'order' FROM jsonb_array_elements(c.details->'lines') x WHERE x->>'order' IS NOT NULL)
		 LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'exception case % is about invoice %; its receipt corrects that invoice''s orders only', case_id, c.doc_number
				USING ERRCODE = '22023', DETAIL = format('A line names order %s.', other),
					  HINT = 'Receive other orders with procgov.post_receipt().';
		END IF;
	END IF;
	FOR o IN
		SELECT coalesce(l->>'order', c.details->>'order') AS number,
			   jsonb_agg(jsonb_build_object('line', (l->>'line')::integer, 'quantity', l->'quantity')) AS received
		  FROM jsonb_array_elements(lines) l
		 GROUP BY 1 ORDER BY 1
	LOOP
		receipts := receipts || jsonb_build_object('order', o.number, 'receipt',
			procgov.post_receipt(entity, o.number, o.received)->>'number', 'received', o.received);
	END LOOP;
	RETURN procgov.settle_case(c, 'receipt_corrected', reason, jsonb_build_object('receipts', receipts, 'received', lines));
END
$$;
COMMENT ON FUNCTION procgov.correct_receipt(text, bigint, text, jsonb) IS 'settle a no_receipt or quantity case by posting the receipt that was missing (by default what the invoice bills beyond what was received, within the order), as the acting receiver; the invoice is matched again';

-- a cancelled invoice leaves no open case behind
CREATE FUNCTION procgov.invoice_cancelled() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	c procgov.exception_case;
BEGIN
	FOR c IN
		UPDATE procgov.exception_case x
		   SET status = 'resolved', resolution = 'cancelled', resolved_at = now(),
			   resolved_by = procgov.current_actor(), updated_at = now()
		 WHERE x.entity_id = NEW.entity_id AND x.doc_kind = 'invoice' AND x.doc_number = NEW.number AND x.status = 'open'
		RETURNING x.*
	LOOP
		PERFORM procgov.case_resolved(c.entity_id, c.case_id, c.doc_number, c.kind, 'cancelled', 'the invoice was cancelled',
									  c.correlation_id, NULL);
	END LOOP;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION procgov.invoice_cancelled() IS 'trigger on procgov.invoice: cancelling an invoice resolves its open exception cases as cancelled';
CREATE TRIGGER invoice_cancelled AFTER UPDATE OF state ON procgov.invoice
	FOR EACH ROW WHEN (NEW.state = 'cancelled' AND OLD.state <> 'cancelled')
	EXECUTE FUNCTION procgov.invoice_cancelled();

-- ---- the operator and the candidate search ----

CREATE FUNCTION procgov.line_matches(procgov.invoice_line, procgov.purchase_order_line) RETURNS boolean
	AS 'MODULE_PATHNAME', 'match_line_op' LANGUAGE C STABLE STRICT SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp;
COMMENT ON FUNCTION procgov.line_matches(procgov.invoice_line, procgov.purchase_order_line) IS 'implementation of ~=: same entity and currency, the line''s price within the applicable price tolerance, quantity within what was ordered (quantity tolerance applied)';

CREATE OPERATOR procgov.~= (LEFTARG = procgov.invoice_line, RIGHTARG = procgov.purchase_order_line,
	FUNCTION = procgov.line_matches);
COMMENT ON OPERATOR procgov.~= (procgov.invoice_line, procgov.purchase_order_line) IS 'the invoice line agrees with the order line within the tolerances the active policy gives that supplier and category (receipts are three_way_match''s business)';

CREATE FUNCTION procgov.match_candidates(entity text, invoice_number text)
	RETURNS TABLE (line_no integer, order_number text, po_line_no integer, description text, unit_price procgov.amount,
		open_quantity numeric, price_difference procgov.amount)
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT l.line_no, po.number, pl.line_no, pl.description, pl.unit_price, pl.quantity - pl.invoiced_qty,
		   l.unit_price OPERATOR(procgov.-) pl.unit_price
	  FROM procgov.three_way_match(match_candidates.entity, invoice_number) m
	  JOIN procgov.invoice i ON i.entity_id = match_candidates.entity AND i.number = invoice_number
	  JOIN procgov.invoice_line l ON l.entity_id = i.entity_id AND l.invoice_id = i.invoice_id AND l.line_no = m.line_no
	  CROSS JOIN LATERAL procgov.band(l.unit_price, m.price_tolerance) b
	  -- per invoice line, the open order lines priced within its band: a range scan
	  -- of the price index (the fence keeps the planner from starting at the orders)
	  CROSS JOIN LATERAL (SELECT x.* FROM procgov.purchase_order_line x
		 WHERE x.entity_id = i.entity_id
		   AND x.unit_price OPERATOR(procgov.~>=~) lower(b) AND x.unit_price OPERATOR(procgov.~<=~) upper(b)
		   AND x.invoiced_qty < x.quantity
		OFFSET 0) pl
	  JOIN procgov.purchase_order po ON po.entity_id = pl.entity_id AND po.po_id = pl.po_id AND po.supplier_id = i.supplier_id
	 WHERE m.result NOT IN ('matched', 'duplicate_invoice')
	   AND po.state IN ('approved', 'transmitted', 'acknowledged', 'shipped', 'partially_received', 'received')
	   AND l OPERATOR(procgov.~=) pl
	 ORDER BY l.line_no, procgov.abs(l.unit_price OPERATOR(procgov.-) pl.unit_price), po.number, pl.line_no;
END
$$;
COMMENT ON FUNCTION procgov.match_candidates(text, text) IS 'for each invoice line that did not match: the open order lines of the same supplier it could be, nearest price first (a range scan of the index on order line prices over the line''s tolerance band)';
-- END matching

-- BEGIN matching privileges
REVOKE ALL ON procgov.match_rule FROM PUBLIC;
GRANT SELECT ON procgov.match_rule TO procgov_auditor, procgov_admin;
GRANT INSERT, UPDATE, DELETE ON procgov.match_rule TO procgov_admin;
REVOKE EXECUTE ON FUNCTION procgov.match_lines(text, bigint, boolean), procgov.match_run(text, text, integer),
	procgov.match_kinds(), procgov.case_variance(text, jsonb),
	procgov.match_exceptions(text[], text[], integer[], bigint[], integer[], text[], numeric[], numeric[], numeric[], numeric[], numeric[], text[], interval[], text[], text[], text[], procgov.amount[], procgov.amount[], procgov.amount[], text[]),
	procgov.case_resolved(text, bigint, text, text, text, text, uuid, jsonb),
	procgov.case_for_resolution(text, bigint, text[], text),
	procgov.settle_case(procgov.exception_case, text, text, jsonb), procgov.invoice_cancelled(),
	procgov.three_way_match(text, text, boolean), procgov.match_pending(text, integer),
	procgov.match_invoice(text, text), procgov.accept_variance(text, bigint, text),
	procgov.request_credit_note(text, bigint, text), procgov.correct_receipt(text, bigint, text, jsonb),
	procgov.line_matches(procgov.invoice_line, procgov.purchase_order_line), procgov.match_candidates(text, text)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION procgov.three_way_match(text, text, boolean), procgov.match_candidates(text, text),
	procgov.line_matches(procgov.invoice_line, procgov.purchase_order_line)
	TO procgov_auditor, procgov_approver, procgov_receiver, procgov_admin;
GRANT EXECUTE ON FUNCTION procgov.match_pending(text, integer), procgov.match_invoice(text, text),
	procgov.accept_variance(text, bigint, text), procgov.request_credit_note(text, bigint, text)
	TO procgov_approver, procgov_admin;
GRANT EXECUTE ON FUNCTION procgov.correct_receipt(text, bigint, text, jsonb) TO procgov_receiver, procgov_admin;
-- END matching privileges

-- BEGIN erp
-- ===================================================================
-- The ERP adapter: an ERP's own purchase order tables under governance.
-- procgov.govern() records how a table maps onto the canonical model
-- (procgov.governed_table, procgov.state_map) and installs the
-- governance trigger on it; from then on every row of it has a canonical
-- document (procgov.purchase_order and its lines, linked by
-- procgov.governed_row) that moves only as the rules allow, so the ERP's
-- own UPDATE of a status is refused when its document may not follow.
-- Policy, approvals, the ledger, events, matching and the jobs work on
-- that document as on any other.  docs/erp-integration.md is the guide.
-- ===================================================================

CREATE TABLE procgov.governed_table (
	relid			regclass NOT NULL,
	kind			text NOT NULL CHECK (kind IN ('purchase_order', 'purchase_order_line')),
	key_column		text NOT NULL,
	status_columns	text[],
	entity_id		text REFERENCES procgov.entity,
	entity_column	text,
	number_column	text,
	supplier_column	text,
	requester_column text,
	amount_column	text,
	currency		text CHECK (currency ~ '^[A-Z]{3}$'),
	currency_column	text,
	correlation_column text,
	parent			regclass,
	parent_key_column text,
	line_number_column text,
	quantity_column	text,
	unit_price_column text,
	received_column	text,
	invoiced_column	text,
	description_column text,
	item_column		text,
	governed_at		timestamptz NOT NULL DEFAULT now(),
	governed_by		text NOT NULL,
	CONSTRAINT governed_table_pkey PRIMARY KEY (relid),
	CONSTRAINT governed_table_parent_fkey FOREIGN KEY (parent) REFERENCES procgov.governed_table,
	CONSTRAINT governed_table_order CHECK (kind <> 'purchase_order' OR (cardinality(status_columns) BETWEEN 1 AND 4
		AND (entity_id IS NULL) <> (entity_column IS NULL) AND supplier_column IS NOT NULL AND parent IS NULL
		AND (currency IS NULL OR currency_column IS NULL))),
	CONSTRAINT governed_table_line CHECK (kind <> 'purchase_order_line' OR (parent IS NOT NULL
		AND parent_key_column IS NOT NULL AND quantity_column IS NOT NULL AND unit_price_column IS NOT NULL))
);
COMMENT ON TABLE procgov.governed_table IS 'the ERP tables under governance and how their columns map onto procgov''s canonical documents (written by procgov.govern())';
COMMENT ON COLUMN procgov.governed_table.relid IS 'the ERP table';
COMMENT ON COLUMN procgov.governed_table.kind IS 'purchase_order (order headers) or purchase_order_line (their lines)';
COMMENT ON COLUMN procgov.governed_table.key_column IS 'the column that identifies a row (integer, bigint, uuid or text)';
COMMENT ON COLUMN procgov.governed_table.status_columns IS 'orders: the column(s) whose values, joined by /, are the local status procgov.state_map maps';
COMMENT ON COLUMN procgov.governed_table.entity_id IS 'orders: the entity every row belongs to (or entity_column)';
COMMENT ON COLUMN procgov.governed_table.entity_column IS 'orders: the column holding the entity code';
COMMENT ON COLUMN procgov.governed_table.number_column IS 'orders: the column with the document number (NULL: the key)';
COMMENT ON COLUMN procgov.governed_table.supplier_column IS 'orders: the column whose value is the supplier''s code in procgov.supplier';
COMMENT ON COLUMN procgov.governed_table.requester_column IS 'orders: the column naming the buyer (NULL: the acting user who created it)';
COMMENT ON COLUMN procgov.governed_table.amount_column IS 'orders whose lines are not governed: the column with the order total';
COMMENT ON COLUMN procgov.governed_table.currency IS 'orders: the currency of every row (NULL: currency_column, else the entity''s base currency)';
COMMENT ON COLUMN procgov.governed_table.currency_column IS 'orders: the column with the ISO 4217 currency code';
COMMENT ON COLUMN procgov.governed_table.correlation_column IS 'orders: a uuid column carried as the document''s correlation id';
COMMENT ON COLUMN procgov.governed_table.parent IS 'lines: the governed order table they belong to';
COMMENT ON COLUMN procgov.governed_table.parent_key_column IS 'lines: the column holding the order''s key';
COMMENT ON COLUMN procgov.governed_table.line_number_column IS 'lines: the column with the line number (NULL: procgov numbers lines in order of arrival)';
COMMENT ON COLUMN procgov.governed_table.quantity_column IS 'lines: ordered quantity';
COMMENT ON COLUMN procgov.governed_table.unit_price_column IS 'lines: unit price in the order''s currency';
COMMENT ON COLUMN procgov.governed_table.received_column IS 'lines: quantity received so far (its changes are the ERP''s receipts)';
COMMENT ON COLUMN procgov.governed_table.invoiced_column IS 'lines: quantity invoiced in the ERP (counted as billed by matching)';
COMMENT ON COLUMN procgov.governed_table.description_column IS 'lines: description';
COMMENT ON COLUMN procgov.governed_table.item_column IS 'lines: the item''s SKU in procgov.item';
COMMENT ON COLUMN procgov.governed_table.governed_at IS 'when procgov.govern() put it under governance';
COMMENT ON COLUMN procgov.governed_table.governed_by IS 'who did';

CREATE TABLE procgov.state_map (
	relid			regclass NOT NULL,
	local_status	text NOT NULL,
	state			procgov.state,
	via				procgov.state[] NOT NULL DEFAULT '{}',
	CONSTRAINT state_map_pkey PRIMARY KEY (relid, local_status),
	CONSTRAINT state_map_table_fkey FOREIGN KEY (relid) REFERENCES procgov.governed_table ON DELETE CASCADE,
	CONSTRAINT state_map_via CHECK (state IS NOT NULL OR via = '{}')
);
COMMENT ON TABLE procgov.state_map IS 'what each local status value of a governed ERP table means canonically; edit the rows to change the mapping';
COMMENT ON COLUMN procgov.state_map.relid IS 'the governed ERP table';
COMMENT ON COLUMN procgov.state_map.local_status IS 'the value of its status column(s), joined by / when there are several (e.g. 1/To Receive and Bill)';
COMMENT ON COLUMN procgov.state_map.state IS 'the canonical state a row with this status is in; NULL: the status is not a canonical change (the document stays where it is)';
COMMENT ON COLUMN procgov.state_map.via IS 'canonical states passed through on the way, each a transition with its own guards (e.g. {approved} for an ERP that confirms and sends in one step); those the document already passed are skipped';

CREATE TABLE procgov.governed_row (
	relid			regclass NOT NULL,
	erp_key			text NOT NULL,
	entity_id		text NOT NULL,
	po_id			bigint NOT NULL,
	line_no			integer,
	local_status	text,
	linked_at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	deleted_at		timestamptz,
	CONSTRAINT governed_row_pkey PRIMARY KEY (relid, erp_key)
);
CREATE INDEX governed_row_document ON procgov.governed_row (entity_id, po_id, line_no);
COMMENT ON TABLE procgov.governed_row IS 'which canonical document (order, or order line) each row of a governed ERP table is; kept when the table is ungoverned (governed again, its rows find their documents), removed when the table is dropped';
COMMENT ON COLUMN procgov.governed_row.relid IS 'the governed ERP table';
COMMENT ON COLUMN procgov.governed_row.erp_key IS 'the row''s key, as text';
COMMENT ON COLUMN procgov.governed_row.entity_id IS 'the document''s entity';
COMMENT ON COLUMN procgov.governed_row.po_id IS 'the procgov.purchase_order it is (or whose line it is)';
COMMENT ON COLUMN procgov.governed_row.line_no IS 'lines: the procgov.purchase_order_line number (invoices name it as po_line)';
COMMENT ON COLUMN procgov.governed_row.local_status IS 'orders: the local status procgov last accepted (reconciliation compares it with the row''s)';
COMMENT ON COLUMN procgov.governed_row.linked_at IS 'when the row came under governance';
COMMENT ON COLUMN procgov.governed_row.deleted_at IS 'when the ERP deleted the row (an order''s document is cancelled and stays; a line of an open order is removed from it)';

CREATE TRIGGER governed_table_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procgov.governed_table
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.config_changed();

-- a mapping is written once, by procgov.govern(), for an ordinary table whose
-- every mapped column the caller may read and to which it may add triggers:
-- procgov reads those columns as its own owner from then on
CREATE FUNCTION procgov.check_governed_table() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	who text := procgov.calling_role();
	col text;
BEGIN
	IF TG_OP = 'UPDATE' THEN
		RAISE EXCEPTION 'the mapping of governed table % cannot be changed', OLD.relid
			USING ERRCODE = '42501', HINT = 'Call procgov.ungovern() and procgov.govern() again; what statuses mean is edited in procgov.state_map.';
	END IF;
	-- who governed it is who wrote the row, whatever the row says
	NEW.governed_by := procgov.current_actor();
	IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = NEW.relid) IS DISTINCT FROM 'r' THEN
		RAISE EXCEPTION '% is not an ordinary table', NEW.relid
			USING ERRCODE = '42809', HINT = 'procgov governs ordinary tables; govern each partition of a partitioned table.';
	END IF;
	IF NOT pg_catalog.has_table_privilege(who, NEW.relid, 'TRIGGER') THEN
		RAISE EXCEPTION 'permission denied to govern %', NEW.relid
			USING ERRCODE = '42501', DETAIL = format('%s may not add triggers to it.', who),
				  HINT = 'Have the table''s owner grant TRIGGER, or govern it as its owner.';
	END IF;
	FOREACH col IN ARRAY array_remove(NEW.status_columns || ARRAY[NEW.key_column, NEW.entity_column, NEW.number_column,
			NEW.supplier_column, NEW.requester_column, NEW.amount_column, NEW.currency_column, NEW.correlation_column,
			NEW.parent_key_column, NEW.line_number_column, NEW.quantity_column, NEW.unit_price_column, NEW.received_column,
			NEW.invoiced_column, NEW.description_column, NEW.item_column], NULL) LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = NEW.relid AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped)
		   OR NOT pg_catalog.has_column_privilege(who, NEW.relid, col, 'SELECT') THEN
			RAISE EXCEPTION 'permission denied for column % of %', col, NEW.relid
				USING ERRCODE = '42501', DETAIL = format('%s may not read it, and procgov would read it for every row.', who),
					  HINT = 'Have the table''s owner grant SELECT on it, or map another column.';
		END IF;
	END LOOP;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION procgov.check_governed_table() IS 'trigger: a governed table''s mapping is written once, for an ordinary table whose mapped columns the caller may read and to which it may add triggers';
CREATE TRIGGER governed_table_check BEFORE INSERT OR UPDATE ON procgov.governed_table
	FOR EACH ROW EXECUTE FUNCTION procgov.check_governed_table();

-- a governed table dropped: its mapping and links go with it (documents and
-- ledger stay), and the ledger records the drop, so that a table dropped and
-- created again (ungoverned) is on record; an order table whose lines are
-- governed in a table that stays cannot go first
CREATE FUNCTION procgov.governed_table_dropped() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	t record;
BEGIN
	SELECT g.relid::oid AS child, p.object_identity AS parent INTO t
	  FROM pg_catalog.pg_event_trigger_dropped_objects() p
	  JOIN procgov.governed_table g ON g.parent::oid = p.objid
	 WHERE p.classid = 'pg_catalog.pg_class'::regclass AND p.objsubid = 0
	   AND NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger_dropped_objects() c
					   WHERE c.classid = 'pg_catalog.pg_class'::regclass AND c.objsubid = 0 AND c.objid = g.relid::oid)
	 LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'governed table % has its lines governed in %', t.parent, t.child::regclass
			USING ERRCODE = '2BP01',
				  HINT = format('procgov.ungovern(%L) first, or drop both tables together.', t.child::regclass::text);
	END IF;
	FOR t IN
		SELECT d.objid, d.object_identity, g.kind,
			   (SELECT count(*) FROM procgov.governed_row r WHERE r.relid = g.relid AND r.deleted_at IS NULL) AS rows,
			   (SELECT count(*) FROM procgov.governed_row r JOIN procgov.purchase_order po
						ON po.entity_id = r.entity_id AND po.po_id = r.po_id
				 WHERE r.relid = g.relid AND r.line_no IS NULL AND r.deleted_at IS NULL
				   AND po.state NOT IN ('closed', 'cancelled')) AS open_documents
		  FROM pg_catalog.pg_event_trigger_dropped_objects() d
		  JOIN procgov.governed_table g ON g.relid::oid = d.objid
		 WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
	LOOP
		PERFORM procgov.audit_append('governance:' || t.object_identity, 'dropped',
			jsonb_build_object('kind', t.kind, 'rows', t.rows, 'open_documents', t.open_documents));
		IF t.open_documents > 0 THEN
			RAISE WARNING 'governed table % was dropped with % open document(s); they are no longer governed through it',
				t.object_identity, t.open_documents
				USING HINT = 'The drop is in the audit ledger (stream governance:' || t.object_identity
							 || '); govern the table that replaces it, or cancel or close the documents.';
		END IF;
	END LOOP;
	DELETE FROM procgov.governed_row r USING pg_catalog.pg_event_trigger_dropped_objects() d
	 WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0 AND r.relid = d.objid;
	DELETE FROM procgov.governed_table g USING pg_catalog.pg_event_trigger_dropped_objects() d
	 WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0 AND g.relid = d.objid;
END
$$;
COMMENT ON FUNCTION procgov.governed_table_dropped() IS 'event trigger: when a governed ERP table is dropped, the ledger records it (stream governance:<table>, with its open documents), and its mapping and row links are removed (its documents and their ledger stay); an order table cannot be dropped before its governed line table';
CREATE EVENT TRIGGER procgov_governed_table_dropped ON sql_drop EXECUTE FUNCTION procgov.governed_table_dropped();
COMMENT ON EVENT TRIGGER procgov_governed_table_dropped IS 'removes the mapping and row links of a governed ERP table that is dropped';

-- a governed table keeps the name it was governed under: its governance
-- stream and the drift reports name it, and a table renamed away while a new
-- one takes its name would leave the ERP writing to an ungoverned table that
-- nothing watches.  ALTER TABLE ... RENAME / SET SCHEMA and ALTER SCHEMA
-- ... RENAME are refused for it (ungovern, rename, govern again)
CREATE FUNCTION procgov.governed_table_renamed() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	t record;
BEGIN
	FOR t IN
		SELECT g.relid
		  FROM procgov.governed_table g
		 WHERE (tg_tag = 'ALTER SCHEMA'
				OR g.relid::oid IN (SELECT c.objid FROM pg_catalog.pg_event_trigger_ddl_commands() c
									 WHERE c.classid = 'pg_catalog.pg_class'::regclass))
		   AND NOT EXISTS (SELECT FROM procgov.audit_log a
							WHERE a.stream = 'governance:' || g.relid::text AND a.action IN ('govern', 'mapping_added'))
	LOOP
		RAISE EXCEPTION 'a governed table cannot be renamed or moved (it would be %)', t.relid
			USING ERRCODE = '55000',
				  DETAIL = 'Its governance is on record under the name it was governed with; a table taking that name would not be governed.',
				  HINT = 'Ungovern it (procgov.ungovern()), rename or move it, then govern it again.';
	END LOOP;
END
$$;
COMMENT ON FUNCTION procgov.governed_table_renamed() IS 'event trigger: refuses renaming or moving a governed ERP table (or its schema), whose governance is on record under its name';
CREATE EVENT TRIGGER procgov_governed_table_renamed ON ddl_command_end WHEN TAG IN ('ALTER TABLE', 'ALTER SCHEMA')
	EXECUTE FUNCTION procgov.governed_table_renamed();
COMMENT ON EVENT TRIGGER procgov_governed_table_renamed IS 'refuses renaming or moving a governed ERP table, or renaming its schema';

-- procgov's ALWAYS triggers stay ALWAYS: pg_restore --disable-triggers (which
-- pg_dump recommends for a data-only restore) ends with ENABLE TRIGGER ALL,
-- which would leave them firing in origin mode only, and replica mode would
-- then write past the ledger's guard.  A trigger disabled on purpose stays so
CREATE FUNCTION procgov.always_triggers_kept() RETURNS event_trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	t record;
BEGIN
	FOR t IN
		SELECT tg.tgrelid::regclass AS rel, tg.tgname
		  FROM pg_catalog.pg_trigger tg
		  JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
		 WHERE c.relnamespace = 'procgov'::regnamespace
		   AND tg.tgname IN ('audit_log_append_only', 'audit_block_append_only', 'guard_iban', 'entity_grant_changed',
							 'builtin_rows', 'builtin_removed_restored', 'outbox_restored', 'consumer_restored')
		   AND tg.tgenabled = 'O'
		   AND tg.tgrelid IN (SELECT c.objid FROM pg_catalog.pg_event_trigger_ddl_commands() c
							   WHERE c.classid = 'pg_catalog.pg_class'::regclass)
	LOOP
		EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', t.rel, t.tgname);
		RAISE NOTICE 'procgov trigger % on % fires always again', t.tgname, t.rel;
	END LOOP;
END
$$;
COMMENT ON FUNCTION procgov.always_triggers_kept() IS 'event trigger: puts procgov''s ALWAYS triggers (the ledger''s append-only guards, the IBAN guard, the entity grant cache, the rule tables'' builtin rows, the events'' restore notes) back to ENABLE ALWAYS when an ALTER TABLE ... ENABLE TRIGGER (pg_restore --disable-triggers) made them origin-only';
CREATE EVENT TRIGGER procgov_always_triggers_kept ON ddl_command_end WHEN TAG IN ('ALTER TABLE')
	EXECUTE FUNCTION procgov.always_triggers_kept();
ALTER EVENT TRIGGER procgov_always_triggers_kept ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER procgov_always_triggers_kept IS 'keeps procgov''s ALWAYS triggers ALWAYS after ALTER TABLE ... ENABLE TRIGGER (pg_restore --disable-triggers)';
CREATE TRIGGER state_map_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procgov.state_map
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.config_changed();

-- what a status means is policy: every change of the map after govern() is
-- in the ledger, on the table's governance stream (govern() records the
-- whole map itself; ungovern() and a drop record the table's end)
CREATE FUNCTION procgov.state_map_audit() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	tbl regclass := CASE WHEN TG_OP = 'DELETE' THEN OLD.relid ELSE NEW.relid END;
BEGIN
	-- the map going with its table (ungovern, drop, a direct delete of its
	-- mapping): that is on record already, as the mapping's removal
	IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT FROM procgov.governed_table g WHERE g.relid = tbl) THEN
		RETURN NULL;
	END IF;
	-- before and after as rows of the map (a null state: no canonical change); absent for an insert or a delete
	PERFORM procgov.audit_append('governance:' || tbl::text, 'state_map',
		jsonb_build_object('local_status', CASE WHEN TG_OP = 'DELETE' THEN OLD.local_status ELSE NEW.local_status END)
		|| CASE WHEN TG_OP <> 'INSERT' THEN jsonb_build_object('before', jsonb_build_object('state', OLD.state, 'via', OLD.via))
				ELSE '{}' END
		|| CASE WHEN TG_OP <> 'DELETE' THEN jsonb_build_object('after', jsonb_build_object('state', NEW.state, 'via', NEW.via))
				ELSE '{}' END);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION procgov.state_map_audit() IS 'trigger: every change of procgov.state_map after govern() goes into the audit ledger (stream governance:<table>, action state_map, before and after)';
CREATE TRIGGER state_map_audit AFTER INSERT OR UPDATE OR DELETE ON procgov.state_map
	FOR EACH ROW EXECUTE FUNCTION procgov.state_map_audit();

-- the mapping itself: however it is written (govern() and ungovern(), or an
-- administrator's own INSERT and DELETE), each row added or removed is a
-- ledger entry with the whole row, on the table's governance stream; a
-- dropped table's removal is the drop's own entry
CREATE FUNCTION procgov.governed_table_audit() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
BEGIN
	IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = OLD.relid) THEN
		RETURN NULL;
	END IF;
	PERFORM procgov.audit_append('governance:' || CASE WHEN TG_OP = 'DELETE' THEN OLD.relid ELSE NEW.relid END::text,
		CASE WHEN TG_OP = 'DELETE' THEN 'mapping_removed' ELSE 'mapping_added' END,
		to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END));
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION procgov.governed_table_audit() IS 'trigger: every row added to or removed from procgov.governed_table goes into the audit ledger (stream governance:<table>, actions mapping_added and mapping_removed, the whole row)';
CREATE TRIGGER governed_table_audit AFTER INSERT OR DELETE ON procgov.governed_table
	FOR EACH ROW EXECUTE FUNCTION procgov.governed_table_audit();

-- ---- keeping a row's document in step ----

-- the supplier of a governed row, by its code; an error naming the row when procgov has none
CREATE FUNCTION procgov.erp_supplier(entity text, code text, tbl regclass, erp_key text) RETURNS bigint
	LANGUAGE plpgsql STABLE
	AS $$
#variable_conflict use_variable
DECLARE
	id bigint;
BEGIN
	SELECT s.supplier_id INTO id FROM procgov.supplier s WHERE s.entity_id = entity AND s.code = code;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'supplier "%" of row % of % is not in procgov.supplier (entity %)', coalesce(code, 'NULL'), erp_key, tbl, entity
			USING ERRCODE = '23503',
				  DETAIL = 'A governed order''s supplier column holds the supplier''s code in procgov.supplier.',
				  HINT = 'Add the supplier to procgov.supplier with that code first (status approved to order from it).';
	END IF;
	RETURN id;
END
$$;
COMMENT ON FUNCTION procgov.erp_supplier(text, text, regclass, text) IS 'the procgov supplier of a governed ERP row, by code, or an error naming the row';

-- the order a governed row is, locked; an error when the row has none
CREATE FUNCTION procgov.erp_link(tbl regclass, erp_key text) RETURNS procgov.governed_row
	LANGUAGE plpgsql STABLE
	AS $$
#variable_conflict use_variable
DECLARE
	g procgov.governed_row;
BEGIN
	SELECT * INTO g FROM procgov.governed_row r WHERE r.relid = tbl AND r.erp_key = erp_key;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'row % of % has no procgov document', erp_key, tbl
			USING ERRCODE = '55000',
				  DETAIL = 'It was written while its governance trigger did not fire (replica mode or a disabled trigger).',
				  HINT = format('Adopt it with SELECT procgov.adopt_rows(%L); the reconciliation job reports such rows.', tbl::text);
	END IF;
	RETURN g;
END
$$;
COMMENT ON FUNCTION procgov.erp_link(regclass, text) IS 'the link of a governed ERP row to its document, or an error';

-- an order row of a governed ERP table changed: its document follows, through
-- the canonical table and so through the governance trigger and the rules
CREATE FUNCTION procgov.erp_order_changed(tbl regclass, op text, erp_key text, entity text, doc_number text,
	local_from text, local_to text, to_state text, via text, supplier text, requester text, amount text,
	currency text, correlation text, adopt boolean)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	g procgov.governed_row;
	po procgov.purchase_order;
	sid bigint;
	cur text;
	path procgov.state[];
	pos integer;
	s procgov.state;
	line_table boolean;
	total procgov.amount;
	-- the way an order goes forward, up to its goods received
	forward constant procgov.state[] := '{draft,submitted,pending_approval,approved,transmitted,acknowledged,shipped,partially_received,received}';
BEGIN
	IF op <> 'DELETE' AND amount::numeric < 0 THEN
		RAISE EXCEPTION 'row % of % has amount %; a governed order needs an amount of zero or more', erp_key, tbl, amount
			USING ERRCODE = '23514', HINT = 'Money owed back is a credit note, not an order.';
	END IF;
	IF op = 'INSERT' THEN
		IF adopt AND EXISTS (SELECT FROM procgov.governed_row r WHERE r.relid = tbl AND r.erp_key = erp_key) THEN
			RETURN;		-- adopted before
		END IF;
		IF entity IS NULL THEN
			RAISE EXCEPTION 'row % of % has no entity', erp_key, tbl
				USING ERRCODE = '23502', HINT = 'Its entity column must hold a procgov.entity code.';
		END IF;
		IF doc_number IS NULL OR doc_number = '' THEN
			RAISE EXCEPTION 'row % of % has no order number', erp_key, tbl
				USING ERRCODE = '23502', HINT = 'Its number column must hold the order''s number: procgov names the document by it.';
		END IF;
		-- a key reused after its row was deleted is a new order: the old link goes
		-- (the ledger keeps the delete, with the key)
		DELETE FROM procgov.governed_row r WHERE r.relid = tbl AND r.erp_key = erp_key AND r.deleted_at IS NOT NULL;
		-- who may write the ERP table is the ERP's own grants' business: the entity must exist
		PERFORM procgov.check_entity(entity, false);
		sid := procgov.erp_supplier(entity, supplier, tbl, erp_key);
		cur := coalesce(currency, (SELECT e.base_currency FROM procgov.entity e WHERE e.entity_id = entity));
		line_table := EXISTS (SELECT FROM procgov.governed_table t WHERE t.parent = tbl);
		total := CASE WHEN amount IS NULL OR line_table THEN procgov.amount(0, cur) ELSE procgov.amount(amount::numeric, cur) END;
		-- a new row is created in the first state of its path; an adopted one in its state
		path := CASE WHEN to_state IS NULL THEN '{draft}'
					 WHEN adopt THEN ARRAY[to_state::procgov.state]
					 ELSE via::procgov.state[] || to_state::procgov.state END;
		SELECT * INTO po FROM procgov.purchase_order p WHERE p.entity_id = entity AND p.number = doc_number;
		IF FOUND THEN
			-- governed again after procgov.ungovern(): the row finds its document
			-- only a document a row of this table had (its ledger says so), to the same supplier:
			-- never one procgov's API or another table made
			IF NOT adopt OR EXISTS (SELECT FROM procgov.governed_row r WHERE r.entity_id = entity AND r.po_id = po.po_id)
			   OR po.supplier_id IS DISTINCT FROM sid
			   OR NOT EXISTS (SELECT FROM procgov.audit_log a WHERE a.stream = 'purchase_order:' || entity || ':' || doc_number
								 AND (a.payload->>'table' = tbl::text OR a.payload->'local'->>'table' = tbl::text)) THEN
				RAISE EXCEPTION 'purchase order % already exists in entity %', doc_number, entity
					USING ERRCODE = '23505',
						  DETAIL = format('Row %s of %s would be that document; another row, another table or procgov''s API created it.', erp_key, tbl),
						  HINT = 'Give the ERP''s order another number.';
			END IF;
			INSERT INTO procgov.governed_row (relid, erp_key, entity_id, po_id, local_status)
			VALUES (tbl, erp_key, entity, po.po_id, local_to);
			PERFORM procgov.audit_append('purchase_order:' || entity || ':' || doc_number, 'adopt',
				jsonb_build_object('table', tbl::text, 'key', erp_key, 'local_status', local_to, 'state', po.state));
			RETURN;
		END IF;
		INSERT INTO procgov.purchase_order (entity_id, number, state, supplier_id, buyer, total, correlation_id)
		VALUES (entity, doc_number, path[1], sid, coalesce(requester, procgov.current_actor()), total,
				coalesce(correlation::uuid, gen_random_uuid()))
		RETURNING * INTO po;
		-- an order whose lines are not governed is one line: its total
		IF NOT line_table AND amount IS NOT NULL THEN
			INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price)
			VALUES (entity, po.po_id, 1, format('total of %s %s', tbl, erp_key), 1, total);
		END IF;
		INSERT INTO procgov.governed_row (relid, erp_key, entity_id, po_id, local_status)
		VALUES (tbl, erp_key, entity, po.po_id, local_to);
		IF adopt THEN
			PERFORM procgov.audit_append('purchase_order:' || entity || ':' || doc_number, 'adopt',
				jsonb_build_object('table', tbl::text, 'key', erp_key, 'local_status', local_to, 'state', po.state));
		END IF;
		FOREACH s IN ARRAY path[2:] LOOP
			UPDATE procgov.purchase_order p SET state = s WHERE p.entity_id = entity AND p.po_id = po.po_id;
		END LOOP;
		RETURN;
	END IF;

	SELECT * INTO g FROM procgov.governed_row r WHERE r.relid = tbl AND r.erp_key = erp_key;
	IF NOT FOUND THEN
		g := procgov.erp_link(tbl, erp_key);	-- says what is wrong
	END IF;
	SELECT * INTO po FROM procgov.purchase_order p WHERE p.entity_id = g.entity_id AND p.po_id = g.po_id FOR UPDATE;
	IF op = 'DELETE' THEN
		-- documents stay: the ERP's delete cancels it, where the rules allow
		IF po.state <> 'cancelled' THEN
			UPDATE procgov.purchase_order p SET state = 'cancelled' WHERE p.entity_id = po.entity_id AND p.po_id = po.po_id;
		END IF;
		UPDATE procgov.governed_row r SET deleted_at = now() WHERE r.relid = tbl AND r.erp_key = erp_key;
		PERFORM procgov.audit_append('purchase_order:' || po.entity_id || ':' || po.number, 'erp_delete',
			jsonb_build_object('table', tbl::text, 'key', erp_key, 'local_status', local_from));
		RETURN;
	END IF;

	-- what the header says besides its status (op STATUS: the trigger saw only the status change)
	IF op = 'UPDATE' AND currency IS NOT NULL AND currency <> procgov.currency(po.total) THEN
		RAISE EXCEPTION 'row % of % cannot change the currency of purchase order % from % to %', erp_key, tbl,
			po.number, procgov.currency(po.total), currency
			USING ERRCODE = '55000', HINT = 'Cancel the order and create a new one in the other currency.';
	END IF;
	IF op = 'UPDATE' THEN
		sid := procgov.erp_supplier(po.entity_id, supplier, tbl, erp_key);
		UPDATE procgov.purchase_order p SET supplier_id = sid, buyer = coalesce(requester, p.buyer)
		 WHERE p.entity_id = po.entity_id AND p.po_id = po.po_id
		   AND (p.supplier_id, p.buyer) IS DISTINCT FROM (sid, coalesce(requester, p.buyer));
	END IF;
	-- an order whose lines are not governed is one line, its amount: added
	-- when the amount first arrives, changed with it, never taken away
	IF op = 'UPDATE' AND NOT EXISTS (SELECT FROM procgov.governed_table t WHERE t.parent = tbl) THEN
		line_table := EXISTS (SELECT FROM procgov.purchase_order_line l
							   WHERE l.entity_id = po.entity_id AND l.po_id = po.po_id AND l.line_no = 1);
		IF amount IS NOT NULL AND line_table THEN
			UPDATE procgov.purchase_order_line l SET unit_price = procgov.amount(amount::numeric, procgov.currency(po.total))
			 WHERE l.entity_id = po.entity_id AND l.po_id = po.po_id AND l.line_no = 1
			   AND l.unit_price::text <> procgov.amount(amount::numeric, procgov.currency(po.total))::text;
		ELSIF amount IS NOT NULL THEN
			INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, description, quantity, unit_price)
			VALUES (po.entity_id, po.po_id, 1, format('total of %s %s', tbl, erp_key), 1,
					procgov.amount(amount::numeric, procgov.currency(po.total)));
		ELSIF line_table THEN
			RAISE EXCEPTION 'row % of % cannot remove the amount of purchase order %', erp_key, tbl, po.number
				USING ERRCODE = '23502', DETAIL = format('The order is %s for %s.', po.state, po.total),
					  HINT = 'Keep the amount (set it to 0 to zero the order), or cancel the order.';
		END IF;
	END IF;

	IF local_from IS DISTINCT FROM local_to THEN
		-- a status whose state the document is past already (an order on hold
		-- and resumed while its goods arrive) moves nothing: it is recorded
		pos := array_position(forward, po.state);
		IF to_state IS NOT NULL AND pos IS NOT NULL AND array_position(forward, to_state::procgov.state) < pos THEN
			to_state := NULL;
		END IF;
		IF to_state IS NOT NULL AND to_state::procgov.state <> po.state THEN
			-- from where the document is, along the path to the mapped state
			path := via::procgov.state[] || to_state::procgov.state;
			pos := array_position(path, po.state);
			IF pos IS NOT NULL THEN
				path := path[pos + 1:];
			END IF;
			FOREACH s IN ARRAY path LOOP
				UPDATE procgov.purchase_order p SET state = s WHERE p.entity_id = po.entity_id AND p.po_id = po.po_id;
			END LOOP;
		ELSE
			-- a local status change that is no canonical one is still on record
			PERFORM procgov.audit_append('purchase_order:' || po.entity_id || ':' || po.number, 'update',
				jsonb_build_object('local_status', jsonb_build_array(local_from, local_to), 'table', tbl::text));
		END IF;
		UPDATE procgov.governed_row r SET local_status = local_to WHERE r.relid = tbl AND r.erp_key = erp_key;
	END IF;
END
$$;
COMMENT ON FUNCTION procgov.erp_order_changed(regclass, text, text, text, text, text, text, text, text, text, text, text, text, text, boolean) IS 'called by the governance trigger of a governed ERP order table (op INSERT, UPDATE, STATUS when only the status changed, DELETE): creates, updates, moves (along the state map''s path) or cancels the row''s canonical purchase order; every move passes the rules';

-- goods the ERP received on a line: the controls procgov.post_receipt() makes
-- (the order is out with its supplier, nothing beyond what was ordered);
-- with the rules off (procgov.enforce, a migration) history loads as it was
CREATE FUNCTION procgov.erp_check_receipt(tbl regclass, erp_key text, po procgov.purchase_order,
	l procgov.purchase_order_line, got_more numeric)
	RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
BEGIN
	IF coalesce(got_more, 0) <= 0 OR NOT procgov.enforcing() THEN
		RETURN;
	END IF;
	IF po.state NOT IN ('transmitted', 'acknowledged', 'shipped', 'partially_received') THEN
		RAISE EXCEPTION 'line % of % records goods received on purchase order % (%), which is %', erp_key, tbl,
			po.number, po.entity_id, replace(po.state::text, '_', ' ')
			USING ERRCODE = '55000',
				  DETAIL = format('Goods are received on an order that was approved and sent to its supplier; %s more recorded.', got_more),
				  HINT = 'Confirm the order in the ERP (its approval first), then receive the goods.';
	END IF;
	IF l.received_qty > l.quantity THEN
		RAISE EXCEPTION 'line % of % records % received on line % of purchase order % (%), more than the % ordered', erp_key, tbl,
			l.received_qty, l.line_no, po.number, po.entity_id, l.quantity
			USING ERRCODE = '22023',
				  DETAIL = format('%s more recorded; procgov''s own receipts count on top of the ERP''s.', got_more),
				  HINT = 'Receive at most the open quantity; refuse or return the excess, or order the difference.';
	END IF;
END
$$;
COMMENT ON FUNCTION procgov.erp_check_receipt(regclass, text, procgov.purchase_order, procgov.purchase_order_line, numeric) IS 'refuses goods an ERP line records as received on an order that is not out with its supplier, or beyond the ordered quantity (the controls of procgov.post_receipt())';

-- a line row of a governed ERP table changed: the order's line follows
-- the ERP bills an approved order only, as register_invoice() does
CREATE FUNCTION procgov.erp_check_billing(tbl regclass, erp_key text, po procgov.purchase_order, billed_more numeric)
	RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
BEGIN
	IF billed_more > 0 AND NOT procgov.order_billable(po.state) THEN
		RAISE EXCEPTION 'line % of % bills purchase order % (%), which is %; an order is billed once approved', erp_key, tbl,
			po.number, po.entity_id, replace(po.state::text, '_', ' ')
			USING ERRCODE = '55000',
				  DETAIL = format('The line''s invoiced quantity grows by %s.', billed_more),
				  HINT = CASE WHEN po.state = 'cancelled' THEN 'A cancelled order is billed by no invoice; bill the order that replaced it.'
							  ELSE 'Have the order approved first, then book the supplier''s bill.' END;
	END IF;
END
$$;
COMMENT ON FUNCTION procgov.erp_check_billing(regclass, text, procgov.purchase_order, numeric) IS 'refuses an ERP line''s invoiced quantity growing on an order that is not approved (draft, waiting for approval, rejected, cancelled), as register_invoice() refuses such an order';

CREATE FUNCTION procgov.erp_line_changed(tbl regclass, parent text, op text, erp_key text, parent_key text,
	line_number text, quantity text, unit_price text, received_old text, received_new text,
	invoiced_old text, invoiced_new text, description text, item text, adopt boolean)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	g procgov.governed_row;
	po procgov.purchase_order;
	l procgov.purchase_order_line;
	ln integer;
	q numeric;
	it procgov.item;
	-- procgov keeps quantities to four decimals (numeric(18,4)), rounded half away
	-- from zero as the ERP's finer figures are: the moves are between rounded
	-- figures, so the canonical line stays the ERP's figure rounded
	received_to numeric := round(coalesce(received_new::numeric, 0), 4);
	invoiced_to numeric := round(coalesce(invoiced_new::numeric, 0), 4);
	got_more numeric := trim_scale(received_to - round(coalesce(received_old::numeric, 0), 4));
	billed_more numeric := trim_scale(invoiced_to - round(coalesce(invoiced_old::numeric, 0), 4));
	diff jsonb;
	linked boolean := false;
	open_lines boolean;
	some_received boolean;
BEGIN
	-- the line's link, looked up once
	IF op <> 'INSERT' THEN
		SELECT * INTO g FROM procgov.governed_row r WHERE r.relid = tbl AND r.erp_key = erp_key AND r.deleted_at IS NULL;
		linked := FOUND;
	END IF;
	IF op <> 'DELETE' THEN
		q := round(quantity::numeric, 4);
		IF quantity::numeric < 0 THEN
			RAISE EXCEPTION 'line % of % has quantity %; a governed order line needs a positive quantity', erp_key, tbl, quantity
				USING ERRCODE = '23514', HINT = 'Order a positive quantity, or delete the line; a return is a receipt correction.';
		END IF;
		IF q = 0 AND quantity::numeric <> 0 THEN
			RAISE EXCEPTION 'line % of % has quantity %, which is zero at procgov''s four decimals', erp_key, tbl, quantity
				USING ERRCODE = '22003', HINT = 'Order at least 0.0001 of the unit, or order in a smaller unit of measure.';
		END IF;
		-- a line of no quantity (a section or note, as Odoo keeps them) is no order line:
		-- it has no canonical line, and one that drops to zero leaves the order
		IF coalesce(q, 0) = 0 THEN
			IF op = 'INSERT' OR NOT linked THEN
				RETURN;
			END IF;
			op := 'DELETE';
		ELSIF op = 'UPDATE' AND NOT linked THEN
			op := 'INSERT';		-- a note line that got a quantity
		END IF;
	END IF;
	IF op <> 'DELETE' THEN
		IF unit_price IS NULL THEN
			RAISE EXCEPTION 'line % of % has no unit price', erp_key, tbl
				USING ERRCODE = '23502', HINT = 'A governed order line needs its unit price.';
		END IF;
		-- approval decides on the order's total and matching on each line's price:
		-- a negative line would let the one be judged on a total the other never bills
		IF unit_price::numeric < 0 THEN
			RAISE EXCEPTION 'line % of % has unit price %; a governed order line needs a price of zero or more', erp_key, tbl, unit_price
				USING ERRCODE = '23514', HINT = 'Give the discount in the line''s own price; money owed back is a credit note.';
		END IF;
		-- the ERP's own received and invoiced figures: what it counts on top of procgov's
		IF received_new::numeric < 0 OR invoiced_new::numeric < 0 THEN
			RAISE EXCEPTION 'line % of % has % quantity %; a governed order line cannot go below nothing', erp_key, tbl,
				CASE WHEN received_new::numeric < 0 THEN 'received' ELSE 'invoiced' END,
				CASE WHEN received_new::numeric < 0 THEN received_new ELSE invoiced_new END
				USING ERRCODE = '23514', HINT = 'Lower the figure to what really arrived or was billed, never below zero; a return is a receipt correction.';
		END IF;
	END IF;
	IF op = 'INSERT' THEN
		IF adopt AND EXISTS (SELECT FROM procgov.governed_row r WHERE r.relid = tbl AND r.erp_key = erp_key) THEN
			RETURN;		-- adopted before
		END IF;
		SELECT * INTO g FROM procgov.governed_row r WHERE r.relid = parent::oid::regclass AND r.erp_key = parent_key;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'line % of % belongs to order % of %, which procgov does not govern', erp_key, tbl,
				coalesce(parent_key, 'NULL'), parent::oid::regclass
				USING ERRCODE = '23503', HINT = 'Write the order row first; its lines follow it.';
		END IF;
		-- locked: lines added at once get their numbers one after another
		SELECT * INTO po FROM procgov.purchase_order p WHERE p.entity_id = g.entity_id AND p.po_id = g.po_id FOR UPDATE;
		-- a line the ERP added while this table was not governed, to an order procgov
		-- had lines of from it: not history from before governance but a change made
		-- behind its back, taken in now as the ERP's change under the rules (an
		-- approved order gets a new version, and goes back for approval if it grew)
		-- (links made before this statement: this adoption's own are made during it)
		IF adopt AND EXISTS (SELECT FROM procgov.governed_row r
							  WHERE r.relid = tbl AND r.entity_id = po.entity_id AND r.po_id = po.po_id
								AND r.linked_at < statement_timestamp()) THEN
			PERFORM procgov.audit_append('purchase_order:' || po.entity_id || ':' || po.number, 'line_added_ungoverned',
				jsonb_build_object('table', tbl::text, 'key', erp_key),
				'written while ' || tbl::text || ' was not governed');
			PERFORM procgov.erp_line_under_rules(tbl, parent, op, erp_key, parent_key, line_number, quantity, unit_price,
				received_old, received_new, invoiced_old, invoiced_new, description, item);
			RETURN;
		END IF;
		-- a number once used on the order (a line deleted since included) is never another
		-- line's: invoices, receipts and acknowledgements name lines by number
		ln := coalesce(line_number::integer,
					   greatest((SELECT max(x.line_no) FROM procgov.purchase_order_line x
								  WHERE x.entity_id = po.entity_id AND x.po_id = po.po_id),
								(SELECT max(r.line_no) FROM procgov.governed_row r
								  WHERE r.relid = tbl AND r.entity_id = po.entity_id AND r.po_id = po.po_id), 0) + 1);
		IF EXISTS (SELECT FROM procgov.purchase_order_line x WHERE x.entity_id = po.entity_id AND x.po_id = po.po_id AND x.line_no = ln) THEN
			RAISE EXCEPTION 'line % of % would be line % of purchase order % (%), which another line is', erp_key, tbl, ln,
				po.number, po.entity_id
				USING ERRCODE = '23505', HINT = 'Give each line of an order its own line number.';
		END IF;
		IF item IS NOT NULL THEN
			it := procgov.item_by_sku(po.entity_id, item);
		END IF;
		IF NOT adopt THEN
			PERFORM procgov.erp_check_billing(tbl, erp_key, po, invoiced_to);
		END IF;
		INSERT INTO procgov.purchase_order_line (entity_id, po_id, line_no, item_id, description, quantity, unit_price,
			received_qty, invoiced_qty)
		VALUES (po.entity_id, po.po_id, ln, it.item_id, coalesce(description, it.description, 'line ' || ln), q,
				procgov.amount(unit_price::numeric, procgov.currency(po.total)),
				received_to, invoiced_to)
		RETURNING * INTO l;
		IF NOT adopt THEN
			PERFORM procgov.erp_check_receipt(tbl, erp_key, po, l, got_more);
		END IF;
		INSERT INTO procgov.governed_row AS r (relid, erp_key, entity_id, po_id, line_no)
		VALUES (tbl, erp_key, po.entity_id, po.po_id, ln)
		ON CONFLICT ON CONSTRAINT governed_row_pkey DO UPDATE SET line_no = excluded.line_no, deleted_at = NULL, linked_at = clock_timestamp();
		IF adopt THEN
			RETURN;		-- received before procgov was there: the adopted state says so
		END IF;
	ELSE
		IF NOT linked THEN
			IF op = 'DELETE' THEN
				RETURN;		-- a note line, or one already taken off its order
			END IF;
			g := procgov.erp_link(tbl, erp_key);	-- says what is wrong
		END IF;
		-- locked first, as the order's other lines and its header lock it: no deadlock between them
		SELECT * INTO po FROM procgov.purchase_order p WHERE p.entity_id = g.entity_id AND p.po_id = g.po_id FOR UPDATE;
		IF op = 'DELETE' THEN
			-- the line of a cancelled or closed order stays as it was (the ERP deleting its order deletes its lines)
			IF po.state NOT IN ('cancelled', 'closed') THEN
				DELETE FROM procgov.purchase_order_line x WHERE x.entity_id = g.entity_id AND x.po_id = g.po_id AND x.line_no = g.line_no;
			END IF;
			UPDATE procgov.governed_row r SET deleted_at = now() WHERE r.relid = tbl AND r.erp_key = erp_key;
			PERFORM procgov.audit_append('purchase_order:' || po.entity_id || ':' || po.number, 'line_deleted',
				jsonb_build_object('table', tbl::text, 'key', erp_key, 'line', g.line_no));
			RETURN;
		END IF;
		IF item IS NOT NULL THEN
			it := procgov.item_by_sku(po.entity_id, item);
		END IF;
		PERFORM procgov.erp_check_billing(tbl, erp_key, po, billed_more);
		-- received and invoiced quantities move by what the ERP added: procgov's own
		-- receipts and matching count on top
		UPDATE procgov.purchase_order_line x
		   SET quantity = q, unit_price = procgov.amount(unit_price::numeric, procgov.currency(x.unit_price)),
			   description = coalesce(description, it.description, x.description), item_id = coalesce(it.item_id, x.item_id),
			   received_qty = x.received_qty + got_more, invoiced_qty = x.invoiced_qty + billed_more
		 WHERE x.entity_id = g.entity_id AND x.po_id = g.po_id AND x.line_no = g.line_no
		RETURNING * INTO l;
		PERFORM procgov.erp_check_receipt(tbl, erp_key, po, l, got_more);
		-- billed after the order closed (its commitment released): that is spent too
		IF billed_more <> 0 AND po.state = 'closed' AND po.budget_id IS NOT NULL THEN
			UPDATE procgov.budget b SET spent = b.spent OPERATOR(procgov.+) procgov.round(l.unit_price OPERATOR(procgov.*) billed_more)
			 WHERE b.entity_id = po.entity_id AND b.budget_id = po.budget_id;
		END IF;
		-- the ledger keeps what the ERP changed on the line
		diff := jsonb_strip_nulls(jsonb_build_object('line', g.line_no, 'table', tbl::text, 'key', erp_key,
			'received_qty', CASE WHEN got_more <> 0 THEN jsonb_build_array(l.received_qty - got_more, l.received_qty) END,
			'invoiced_qty', CASE WHEN billed_more <> 0 THEN jsonb_build_array(l.invoiced_qty - billed_more, l.invoiced_qty) END));
		PERFORM procgov.audit_append('purchase_order:' || po.entity_id || ':' || po.number, 'line_update', diff);
	END IF;

	-- what the ERP's receipts mean for the order (locked above): partly or fully
	-- received, while it is being received; before that, the ERP's status decides
	IF got_more = 0 OR po.state NOT IN ('transmitted', 'acknowledged', 'shipped', 'partially_received') THEN
		RETURN;
	END IF;
	SELECT bool_or(x.received_qty < x.quantity), bool_or(x.received_qty > 0) INTO open_lines, some_received
	  FROM procgov.purchase_order_line x WHERE x.entity_id = po.entity_id AND x.po_id = po.po_id;
	IF NOT open_lines THEN
		UPDATE procgov.purchase_order p SET state = 'received' WHERE p.entity_id = po.entity_id AND p.po_id = po.po_id;
	ELSIF po.state <> 'partially_received' AND some_received THEN
		UPDATE procgov.purchase_order p SET state = 'partially_received' WHERE p.entity_id = po.entity_id AND p.po_id = po.po_id;
	END IF;
END
$$;
COMMENT ON FUNCTION procgov.erp_line_changed(regclass, text, text, text, text, text, text, text, text, text, text, text, text, text, boolean) IS 'called by the governance trigger of a governed ERP order line table: adds, changes or removes the order''s canonical line (quantities received and invoiced in the ERP count on top of procgov''s own) and moves the order when its goods arrive';

-- a line adopted late (added while its table was not governed) goes through the
-- rules: the setting is the function's own, restored when it returns
CREATE FUNCTION procgov.erp_line_under_rules(tbl regclass, parent text, op text, erp_key text, parent_key text,
	line_number text, quantity text, unit_price text, received_old text, received_new text,
	invoiced_old text, invoiced_new text, description text, item text)
	RETURNS void
	LANGUAGE sql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	SET procgov.enforce = on
	AS $$ SELECT procgov.erp_line_changed(tbl, parent, op, erp_key, parent_key, line_number, quantity, unit_price,
			received_old, received_new, invoiced_old, invoiced_new, description, item, false) $$;
COMMENT ON FUNCTION procgov.erp_line_under_rules(regclass, text, text, text, text, text, text, text, text, text, text, text, text, text) IS 'applies an ERP line that adoption finds was added while its table was not governed, under the rules (procgov.erp_line_changed, not adopting)';

CREATE FUNCTION procgov.adopt_rows(tbl regclass) RETURNS bigint
	AS 'MODULE_PATHNAME', 'adopt_rows' LANGUAGE C STRICT VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp;
COMMENT ON FUNCTION procgov.adopt_rows(regclass) IS 'give every row of a governed ERP table that has no document yet its document, in the state its status maps to, with the rules off (audited as adopted); procgov.govern() calls it';

-- ---- putting a table under governance ----

-- a column of the table to govern, checked; NULL passes
CREATE FUNCTION procgov.governed_column(tbl regclass, param text, col text) RETURNS text
	LANGUAGE plpgsql STABLE
	AS $$
#variable_conflict use_variable
BEGIN
	IF col IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
										WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped) THEN
		RAISE EXCEPTION 'column "%" of % does not exist', col, tbl
			USING ERRCODE = '42703', DETAIL = format('procgov.govern() was given %s => %L.', param, col),
				  HINT = format('Name a column of %s (as spelled in the table, without quotes).', tbl);
	END IF;
	RETURN col;
END
$$;
COMMENT ON FUNCTION procgov.governed_column(regclass, text, text) IS 'a column name given to procgov.govern(), checked against the table';

CREATE FUNCTION procgov.govern(tbl regclass, kind text, key text, status text[] DEFAULT NULL, states jsonb DEFAULT NULL,
	entity text DEFAULT NULL, entity_column text DEFAULT NULL, number text DEFAULT NULL, supplier text DEFAULT NULL,
	requester text DEFAULT NULL, amount text DEFAULT NULL, currency text DEFAULT NULL, currency_column text DEFAULT NULL,
	correlation text DEFAULT NULL, parent regclass DEFAULT NULL, parent_key text DEFAULT NULL,
	line_number text DEFAULT NULL, quantity text DEFAULT NULL, unit_price text DEFAULT NULL, received text DEFAULT NULL,
	invoiced text DEFAULT NULL, description text DEFAULT NULL, item text DEFAULT NULL)
	RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_variable
DECLARE
	rel pg_catalog.pg_class;
	key_type text;
	st record;
	target procgov.state;
	via procgov.state[];
	n bigint;
	mapping jsonb;
BEGIN
	SELECT * INTO rel FROM pg_catalog.pg_class c WHERE c.oid = tbl;
	IF rel.relkind IS DISTINCT FROM 'r' THEN
		RAISE EXCEPTION '% is not an ordinary table', tbl
			USING ERRCODE = '42809', HINT = 'Govern the table the ERP writes its orders to (not a view); govern each partition of a partitioned table.';
	END IF;
	IF rel.relnamespace = 'procgov'::regnamespace THEN
		RAISE EXCEPTION '% is one of procgov''s own tables', tbl
			USING ERRCODE = '42809', HINT = 'procgov''s documents are governed already; procgov.govern() is for an ERP''s tables.';
	END IF;
	IF rel.relrowsecurity THEN
		RAISE EXCEPTION '% has row-level security', tbl
			USING ERRCODE = '0A000', DETAIL = 'procgov reads a governed table''s rows as its own owner, past the table''s policies.',
				  HINT = 'Govern tables without row-level security.';
	END IF;
	IF EXISTS (SELECT FROM procgov.governed_table t WHERE t.relid = tbl) THEN
		RAISE EXCEPTION '% is already governed', tbl
			USING ERRCODE = '42710',
				  HINT = 'Edit procgov.state_map to change what its statuses mean; procgov.ungovern() it first to change anything else.';
	END IF;
	IF kind IS NULL OR kind NOT IN ('purchase_order', 'purchase_order_line') THEN
		RAISE EXCEPTION 'procgov.govern() cannot govern % tables', coalesce(kind, 'NULL')
			USING ERRCODE = '22023', HINT = 'Govern purchase_order tables (order headers) and purchase_order_line tables (their lines).';
	END IF;
	PERFORM procgov.governed_column(tbl, 'key', key);
	SELECT pg_catalog.format_type(a.atttypid, NULL) INTO key_type FROM pg_catalog.pg_attribute a
	 WHERE a.attrelid = tbl AND a.attname = key AND NOT a.attisdropped;
	IF key_type IS NULL OR key_type NOT IN ('smallint', 'integer', 'bigint', 'uuid', 'text', 'character varying') THEN
		RAISE EXCEPTION 'the key of a governed table must be integer, bigint, uuid or text, not %', coalesce(key_type, 'missing')
			USING ERRCODE = '42804', DETAIL = format('procgov.govern() was given key => %L.', key),
				  HINT = 'Name the column that identifies a row.';
	END IF;
	-- one row, one document: the key must identify a row, and always be there
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a
					 ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
					WHERE i.indrelid = tbl AND i.indisunique AND i.indisvalid AND i.indnkeyatts = 1
					  AND i.indpred IS NULL AND i.indexprs IS NULL AND a.attname = key)
	   OR NOT (SELECT a.attnotnull FROM pg_catalog.pg_attribute a WHERE a.attrelid = tbl AND a.attname = key) THEN
		RAISE EXCEPTION 'the key % of % does not identify its rows', key, tbl
			USING ERRCODE = '42830',
				  DETAIL = 'A governed table''s key column needs NOT NULL and a unique index (a primary key or unique constraint) on it alone, without a WHERE clause; otherwise two rows would share one document.',
				  HINT = format('Use the table''s primary key, or ALTER TABLE %s ADD UNIQUE (%I) and SET NOT NULL first.', tbl, key);
	END IF;

	IF kind = 'purchase_order' THEN
		IF status IS NULL OR cardinality(status) NOT BETWEEN 1 AND 4 THEN
			RAISE EXCEPTION 'a governed order table needs its status column(s)'
				USING ERRCODE = '22023', HINT = 'Pass status => ''{state}'', or up to four columns such as ''{docstatus,status}''.';
		END IF;
		PERFORM procgov.governed_column(tbl, 'status', c) FROM unnest(status) AS c;
		IF states IS NULL OR jsonb_typeof(states) <> 'object' OR states = '{}' THEN
			RAISE EXCEPTION 'a governed order table needs the canonical state of each status value'
				USING ERRCODE = '22023',
					  HINT = 'Pass states => ''{"draft": "draft", "to approve": "pending_approval", "purchase": ["approved", "transmitted"]}''.';
		END IF;
		IF (entity IS NULL) = (entity_column IS NULL) THEN
			RAISE EXCEPTION 'a governed order table needs its entity: entity or entity_column, not both'
				USING ERRCODE = '22023', HINT = 'Pass entity => ''NWS'' when every row belongs to one entity, else entity_column.';
		END IF;
		IF entity IS NOT NULL AND NOT EXISTS (SELECT FROM procgov.entity e WHERE e.entity_id = entity) THEN
			RAISE EXCEPTION 'entity "%" does not exist', entity
				USING ERRCODE = '42704', HINT = 'Add it to procgov.entity first, or check the entity code.';
		END IF;
		IF supplier IS NULL THEN
			RAISE EXCEPTION 'a governed order table needs its supplier column'
				USING ERRCODE = '22023', HINT = 'Pass supplier => the column holding the supplier''s code in procgov.supplier.';
		END IF;
		IF currency IS NOT NULL AND currency_column IS NOT NULL THEN
			RAISE EXCEPTION 'pass currency or currency_column, not both' USING ERRCODE = '22023',
				HINT = 'currency when every row is in one currency, currency_column when the table says.';
		END IF;
		IF parent IS NOT NULL OR quantity IS NOT NULL OR unit_price IS NOT NULL THEN
			RAISE EXCEPTION 'parent, quantity and unit_price are for governed line tables'
				USING ERRCODE = '22023', HINT = 'Govern the lines in their own call with kind => ''purchase_order_line''.';
		END IF;
	ELSE
		IF parent IS NULL OR NOT EXISTS (SELECT FROM procgov.governed_table t WHERE t.relid = parent AND t.kind = 'purchase_order') THEN
			RAISE EXCEPTION 'the lines of % need a governed order table as parent', tbl
				USING ERRCODE = '22023', HINT = 'Govern the order table first, then pass it as parent.';
		END IF;
		IF EXISTS (SELECT FROM procgov.governed_table t WHERE t.relid = parent AND t.amount_column IS NOT NULL) THEN
			RAISE EXCEPTION 'order table % is governed with an amount column, so its lines cannot be', parent
				USING ERRCODE = '22023',
					  HINT = 'An order''s total comes from its amount column or from its lines: ungovern the order table and govern it again without amount.';
		END IF;
		IF EXISTS (SELECT FROM procgov.governed_table t WHERE t.parent = parent) THEN
			RAISE EXCEPTION 'the lines of % are governed already', parent USING ERRCODE = '42710',
				HINT = 'An order table has one line table.';
		END IF;
		IF parent_key IS NULL OR quantity IS NULL OR unit_price IS NULL THEN
			RAISE EXCEPTION 'a governed line table needs parent_key, quantity and unit_price'
				USING ERRCODE = '22023', HINT = 'Name the column holding the order''s key, the ordered quantity and the unit price.';
		END IF;
		IF status IS NOT NULL OR states IS NOT NULL OR supplier IS NOT NULL OR entity IS NOT NULL OR entity_column IS NOT NULL THEN
			RAISE EXCEPTION 'status, states, supplier and entity are for governed order tables'
				USING ERRCODE = '22023', HINT = 'A line belongs to its order''s entity and follows its order''s status.';
		END IF;
	END IF;
	PERFORM procgov.governed_column(tbl, p.param, p.col)
	   FROM (VALUES ('entity_column', entity_column), ('number', number), ('supplier', supplier), ('requester', requester),
					('amount', amount), ('currency_column', currency_column), ('correlation', correlation),
					('parent_key', parent_key), ('line_number', line_number), ('quantity', quantity),
					('unit_price', unit_price), ('received', received), ('invoiced', invoiced),
					('description', description), ('item', item)) AS p(param, col);

	INSERT INTO procgov.governed_table (relid, kind, key_column, status_columns, entity_id, entity_column, number_column,
		supplier_column, requester_column, amount_column, currency, currency_column, correlation_column, parent,
		parent_key_column, line_number_column, quantity_column, unit_price_column, received_column, invoiced_column,
		description_column, item_column, governed_by)
	VALUES (tbl, kind, key, status, entity, entity_column, number, supplier, requester, amount, currency, currency_column,
		correlation, parent, parent_key, line_number, quantity, unit_price, received, invoiced, description, item,
		procgov.current_actor());
	FOR st IN SELECT * FROM jsonb_each(coalesce(states, '{}')) LOOP
		BEGIN
			CASE jsonb_typeof(st.value)
				WHEN 'null' THEN target := NULL; via := '{}';
				WHEN 'string' THEN target := st.value #>> '{}'; via := '{}';
				WHEN 'array' THEN
					IF jsonb_array_length(st.value) = 0 THEN
						RAISE invalid_text_representation;
					END IF;
					target := st.value ->> -1;
					via := ARRAY(SELECT x::procgov.state FROM jsonb_array_elements_text(st.value) WITH ORDINALITY AS v(x, i)
								  WHERE i < jsonb_array_length(st.value) ORDER BY i);
				ELSE RAISE invalid_text_representation;
			END CASE;
		EXCEPTION WHEN invalid_text_representation OR null_value_not_allowed THEN
			RAISE EXCEPTION 'status "%" of % maps to %, which is not a canonical state', st.key, tbl, st.value
				USING ERRCODE = '22023',
					  HINT = 'Map a status to a state (e.g. "approved"), to a path ending in one (["approved", "transmitted"]), or to null (no canonical change).';
		END;
		INSERT INTO procgov.state_map (relid, local_status, state, via) VALUES (tbl, st.key, target, via);
	END LOOP;

	EXECUTE format('CREATE TRIGGER procgov_govern AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION procgov.govern_document(%L, %L)',
				   tbl, kind, 'mapped');
	EXECUTE format('CREATE TRIGGER procgov_refuse_truncate BEFORE TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION procgov.refuse_document_delete(%L)',
				   tbl, kind);
	SELECT to_jsonb(t) - 'governed_at' - 'governed_by' || jsonb_build_object('states',
			(SELECT jsonb_object_agg(m.local_status, CASE WHEN m.state IS NULL THEN 'null'::jsonb WHEN m.via = '{}' THEN to_jsonb(m.state)
											   ELSE to_jsonb(m.via) || to_jsonb(m.state) END)
		   FROM procgov.state_map m WHERE m.relid = tbl))
	  INTO mapping FROM procgov.governed_table t WHERE t.relid = tbl;
	PERFORM procgov.audit_append('governance:' || tbl::text, 'govern', mapping);
	n := procgov.adopt_rows(tbl);
	RETURN jsonb_build_object('table', tbl::text, 'kind', kind, 'adopted', n);
END
$$;
COMMENT ON FUNCTION procgov.govern(regclass, text, text, text[], jsonb, text, text, text, text, text, text, text, text, text, regclass, text, text, text, text, text, text, text, text) IS 'put an ERP table under governance: orders (kind purchase_order: key, status columns, states map, entity, supplier, ...) or their lines (kind purchase_order_line: parent, parent_key, quantity, unit_price, ...); installs the governance trigger and adopts the rows already there';

CREATE FUNCTION procgov.ungovern(tbl regclass) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_variable
DECLARE
	t procgov.governed_table;
	n bigint;
BEGIN
	SELECT * INTO t FROM procgov.governed_table g WHERE g.relid = tbl;
	IF NOT FOUND THEN
		RAISE EXCEPTION '% is not governed', tbl USING ERRCODE = '42704', HINT = 'procgov.governed_table lists the governed tables.';
	END IF;
	IF EXISTS (SELECT FROM procgov.governed_table g WHERE g.parent = tbl) THEN
		RAISE EXCEPTION 'the lines of % are governed', tbl
			USING ERRCODE = '2BP01', DETAIL = format('%s is governed as its line table.', (SELECT g.relid FROM procgov.governed_table g WHERE g.parent = tbl)),
				  HINT = 'Ungovern the line table first.';
	END IF;
	EXECUTE format('DROP TRIGGER IF EXISTS procgov_govern ON %s', tbl);
	EXECUTE format('DROP TRIGGER IF EXISTS procgov_refuse_truncate ON %s', tbl);
	SELECT count(*) INTO n FROM procgov.governed_row r WHERE r.relid = tbl;
	-- its state map goes with it; the links stay, so governed again its rows find their documents
	DELETE FROM procgov.governed_table g WHERE g.relid = tbl;
	PERFORM procgov.audit_append('governance:' || tbl::text, 'ungovern', jsonb_build_object('kind', t.kind, 'rows', n));
	RETURN jsonb_build_object('table', tbl::text, 'kind', t.kind, 'rows', n);
END
$$;
COMMENT ON FUNCTION procgov.ungovern(regclass) IS 'take an ERP table out of governance: its triggers and mapping go; its documents, the links of its rows to them and their audit history stay';

-- ---- drift: what a governed row says against what procgov knows ----

-- one row per governed ERP order whose local status procgov did not accept
-- (changed or deleted with the trigger off) or whose document procgov moved
-- to a state the ERP has a status for, but shows another (reconciliation's
-- erp_state_drift rule)
CREATE FUNCTION procgov.erp_rows(tbl regclass, OUT erp_key text, OUT entity_id text, OUT doc_number text, OUT local_status text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'erp_rows' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION procgov.erp_rows(regclass) IS 'every row of a governed ERP order table as procgov reads it (key, entity, number, local status), read in C through the types'' output functions: no SQL runs against the table';

CREATE FUNCTION procgov.erp_drift()
	RETURNS TABLE (entity_id text, doc_number text, buyer text, details jsonb, correlation_id uuid)
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	t procgov.governed_table;
	-- the caller's entities: it reads the ERP's rows as procgov's owner
	everything boolean := procgov.sees_all_entities();
	mine text[] := procgov.visible_entities();
BEGIN
	FOR t IN SELECT * FROM procgov.governed_table g WHERE g.kind = 'purchase_order'
			   AND EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = g.relid) ORDER BY g.relid::text LOOP
		BEGIN
			RETURN QUERY
			WITH x AS MATERIALIZED (SELECT * FROM procgov.erp_rows(t.relid))
			SELECT po.entity_id, po.number, po.buyer,
				   jsonb_build_object('table', t.relid::text, 'key', g.erp_key, 'state', po.state, 'local_status', x.local_status,
					   'accepted_local_status', g.local_status, 'mapped_state', m.state,
					   'problem', CASE WHEN x.erp_key IS NULL THEN 'row deleted without procgov'
									   WHEN x.local_status IS DISTINCT FROM g.local_status THEN 'status changed without procgov'
									   ELSE 'procgov moved the document' END),
				   po.correlation_id
			  FROM procgov.governed_row g
			  JOIN procgov.purchase_order po ON po.entity_id = g.entity_id AND po.po_id = g.po_id
			  LEFT JOIN x ON x.erp_key = g.erp_key
			  LEFT JOIN procgov.state_map m ON m.relid = g.relid AND m.local_status = x.local_status
			 WHERE g.relid = t.relid AND g.line_no IS NULL AND g.deleted_at IS NULL
			   AND (everything OR po.entity_id = ANY (mine))
			   AND (x.local_status IS DISTINCT FROM g.local_status
					OR (m.state IS NOT NULL AND m.state <> po.state
						AND EXISTS (SELECT FROM procgov.state_map o WHERE o.relid = g.relid AND o.state = po.state)))
			UNION ALL
			-- a row procgov never saw: written while its trigger did not fire (one
			-- without a number is named by its key)
			SELECT x.entity_id, coalesce(nullif(x.doc_number, ''), format('(%s row %s)', t.relid, x.erp_key)), NULL,
				   jsonb_build_object('table', t.relid::text, 'key', x.erp_key, 'local_status', x.local_status,
					   'problem', 'row without a procgov document'),
				   NULL::uuid
			  FROM x
			 WHERE NOT EXISTS (SELECT FROM procgov.governed_row g WHERE g.relid = t.relid AND g.erp_key = x.erp_key)
			   AND x.entity_id IN (SELECT e.entity_id FROM procgov.entity e)
			   AND (everything OR x.entity_id = ANY (mine));
		EXCEPTION WHEN OTHERS THEN
			-- one table that cannot be read (altered since govern()) does not stop the others
			RAISE WARNING 'procgov reconciliation skips governed table %: %', t.relid, SQLERRM;
		END;
	END LOOP;
END
$$;
COMMENT ON FUNCTION procgov.erp_drift() IS 'governed ERP orders whose row disagrees with procgov: a status or delete written without the trigger, or a state procgov moved the document to while the ERP shows another status; only of the entities the caller may see';

CREATE FUNCTION procgov.erp_line_rows(tbl regclass, OUT erp_key text, OUT parent_key text, OUT quantity text,
	OUT unit_price text, OUT received text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'erp_line_rows' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION procgov.erp_line_rows(regclass) IS 'every row of a governed ERP order line table as procgov reads it (key, order key, quantity, unit price, received), read in C like procgov.erp_rows()';

-- The lines of governed ERP orders that disagree with their canonical lines:
-- quantity and unit price as the mirror keeps them, and the quantity the ERP
-- received, which with procgov's own receipts (posted through the API) makes
-- the line's received quantity; a line gone without procgov; a line procgov
-- never saw.  The quantity invoiced is not compared: matching bills on top
-- of the ERP's figure, by what each invoice may bill.  One row per order.
CREATE FUNCTION procgov.erp_line_drift()
	RETURNS TABLE (entity_id text, doc_number text, buyer text, details jsonb, correlation_id uuid)
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	t procgov.governed_table;
	everything boolean := procgov.sees_all_entities();
	mine text[] := procgov.visible_entities();
BEGIN
	FOR t IN SELECT * FROM procgov.governed_table g WHERE g.kind = 'purchase_order_line'
			   AND EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = g.relid) ORDER BY g.relid::text LOOP
		BEGIN
			RETURN QUERY
			WITH x AS MATERIALIZED (SELECT * FROM procgov.erp_line_rows(t.relid)),
			found AS (
				-- lines procgov mirrors, compared
				SELECT g.entity_id, g.po_id,
					   jsonb_strip_nulls(jsonb_build_object('line', g.line_no, 'key', g.erp_key,
						   'problem', CASE WHEN x.erp_key IS NULL THEN 'line deleted without procgov'
										   ELSE 'line changed without procgov' END,
						   'quantity', CASE WHEN round(x.quantity::numeric, 4) IS DISTINCT FROM l.quantity
											THEN jsonb_build_object('procgov', l.quantity, 'erp', x.quantity::numeric) END,
						   'unit_price', CASE WHEN round(x.unit_price::numeric, 4) IS DISTINCT FROM procgov.value(l.unit_price)
											  THEN jsonb_build_object('procgov', procgov.value(l.unit_price), 'erp', x.unit_price::numeric) END,
						   'received', CASE WHEN t.received_column IS NOT NULL
												 AND round(coalesce(x.received::numeric, 0), 4) <> l.received_qty - own.received
											THEN jsonb_build_object('procgov', l.received_qty, 'procgov_receipts', own.received,
																	'erp', coalesce(x.received::numeric, 0)) END)) AS line
				  FROM procgov.governed_row g
				  JOIN procgov.purchase_order_line l ON l.entity_id = g.entity_id AND l.po_id = g.po_id AND l.line_no = g.line_no
				  JOIN procgov.purchase_order po ON po.entity_id = g.entity_id AND po.po_id = g.po_id
				  LEFT JOIN x ON x.erp_key = g.erp_key
				 CROSS JOIN LATERAL (SELECT coalesce(sum(rl.quantity), 0) AS received
									   FROM procgov.receipt r
									   JOIN procgov.receipt_line rl ON rl.entity_id = r.entity_id AND rl.receipt_id = r.receipt_id
									  WHERE r.entity_id = g.entity_id AND r.po_id = g.po_id AND r.state = 'posted'
										AND rl.line_no = g.line_no) own
				 WHERE g.relid = t.relid AND g.deleted_at IS NULL AND g.line_no IS NOT NULL
				   AND po.state NOT IN ('cancelled', 'closed')
				   AND (everything OR g.entity_id = ANY (mine))
				   AND (x.erp_key IS NULL
						OR round(x.quantity::numeric, 4) IS DISTINCT FROM l.quantity
						OR round(x.unit_price::numeric, 4) IS DISTINCT FROM procgov.value(l.unit_price)
						OR (t.received_column IS NOT NULL AND round(coalesce(x.received::numeric, 0), 4) <> l.received_qty - own.received))
				UNION ALL
				-- a line with a quantity on a governed order, written while the trigger did not fire
				SELECT o.entity_id, o.po_id,
					   jsonb_build_object('key', x.erp_key, 'problem', 'line without a procgov document',
						   'quantity', x.quantity::numeric, 'unit_price', x.unit_price::numeric)
				  FROM x
				  JOIN procgov.governed_row o ON o.relid = t.parent AND o.erp_key = x.parent_key AND o.line_no IS NULL
				 WHERE coalesce(x.quantity::numeric, 0) <> 0
				   AND NOT EXISTS (SELECT FROM procgov.governed_row g WHERE g.relid = t.relid AND g.erp_key = x.erp_key
									 AND g.deleted_at IS NULL)
				   AND (everything OR o.entity_id = ANY (mine)))
			SELECT po.entity_id, po.number, po.buyer,
				   jsonb_build_object('table', t.relid::text, 'state', po.state,
					   'lines', jsonb_agg(f.line ORDER BY f.line->>'line', f.line->>'key')),
				   po.correlation_id
			  FROM found f
			  JOIN procgov.purchase_order po ON po.entity_id = f.entity_id AND po.po_id = f.po_id
			 GROUP BY po.entity_id, po.po_id;
		EXCEPTION WHEN OTHERS THEN
			RAISE WARNING 'procgov reconciliation skips governed table %: %', t.relid, SQLERRM;
		END;
	END LOOP;
END
$$;
COMMENT ON FUNCTION procgov.erp_line_drift() IS 'governed ERP orders whose line rows disagree with their canonical lines (quantity, unit price, quantity received beside procgov''s own receipts), or were deleted or written without procgov; one row per order, only of the entities the caller may see';
-- END erp

-- BEGIN erp privileges
REVOKE ALL ON procgov.governed_table, procgov.state_map, procgov.governed_row FROM PUBLIC;
GRANT SELECT ON procgov.governed_table, procgov.state_map, procgov.governed_row
	TO procgov_admin, procgov_auditor;
GRANT INSERT, UPDATE, DELETE ON procgov.governed_table, procgov.state_map TO procgov_admin;
REVOKE EXECUTE ON FUNCTION procgov.erp_supplier(text, text, regclass, text), procgov.erp_link(regclass, text),
	procgov.erp_order_changed(regclass, text, text, text, text, text, text, text, text, text, text, text, text, text, boolean),
	procgov.erp_line_changed(regclass, text, text, text, text, text, text, text, text, text, text, text, text, text, boolean),
	procgov.erp_check_receipt(regclass, text, procgov.purchase_order, procgov.purchase_order_line, numeric),
	procgov.adopt_rows(regclass), procgov.governed_column(regclass, text, text), procgov.erp_drift(), procgov.erp_rows(regclass),
	procgov.erp_line_drift(), procgov.erp_line_rows(regclass),
	procgov.govern(regclass, text, text, text[], jsonb, text, text, text, text, text, text, text, text, text, regclass, text, text, text, text, text, text, text, text),
	procgov.ungovern(regclass)
	FROM PUBLIC;
-- reconciliation's ERP rule, for those who may run procgov.drift()
GRANT EXECUTE ON FUNCTION procgov.erp_drift(), procgov.erp_line_drift() TO procgov_admin, procgov_auditor;
-- procgov.govern() runs as its caller, who must be allowed to add triggers to the ERP table
GRANT EXECUTE ON FUNCTION procgov.govern_document(), procgov.refuse_document_delete() TO procgov_admin;
GRANT EXECUTE ON FUNCTION procgov.adopt_rows(regclass), procgov.governed_column(regclass, text, text),
	procgov.govern(regclass, text, text, text[], jsonb, text, text, text, text, text, text, text, text, text, regclass, text, text, text, text, text, text, text, text),
	procgov.ungovern(regclass)
	TO procgov_admin;
-- END erp privileges


-- BEGIN jobs
-- ===================================================================
-- Jobs: escalation of overdue approval steps, reconciliation of drift,
-- supplier performance, audit sealing and matching, each safe to run
-- at any time and concurrently (a second run of a job skips), each
-- recorded in procgov.job_run, scheduled by pg_cron when it is there
-- (procgov.schedule_jobs) and callable directly when it is not.
-- Time-dependent rules take as_of.  docs/jobs.md is the reference.
-- ===================================================================

CREATE TABLE procgov.job_run (
	run_id			bigint GENERATED ALWAYS AS IDENTITY,
	job				text NOT NULL,
	as_of			timestamptz NOT NULL,
	started_at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	finished_at		timestamptz,
	status			text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
	rows_affected	bigint,
	detail			jsonb NOT NULL DEFAULT '{}',
	error			text,
	run_by			text NOT NULL DEFAULT session_user,
	CONSTRAINT job_run_pkey PRIMARY KEY (run_id)
);
CREATE INDEX job_run_job ON procgov.job_run (job, started_at DESC);
COMMENT ON TABLE procgov.job_run IS 'one row per run of a procgov job: when, what it did, and the error if it failed (operational, not per entity)';
COMMENT ON COLUMN procgov.job_run.run_id IS 'internal id';
COMMENT ON COLUMN procgov.job_run.job IS 'escalations, reconciliation, supplier_performance, seal_audit or match_pending';
COMMENT ON COLUMN procgov.job_run.as_of IS 'the time the run judged deadlines against';
COMMENT ON COLUMN procgov.job_run.started_at IS 'when it started';
COMMENT ON COLUMN procgov.job_run.finished_at IS 'when it ended';
COMMENT ON COLUMN procgov.job_run.status IS 'succeeded, failed (error says why; nothing it did was kept), or skipped (another run of the job was going)';
COMMENT ON COLUMN procgov.job_run.rows_affected IS 'steps escalated, cases opened, updated or closed, suppliers re-rated, entries sealed, invoices matched';
COMMENT ON COLUMN procgov.job_run.detail IS 'what it did, by kind';
COMMENT ON COLUMN procgov.job_run.error IS 'the error of a failed run, with its SQLSTATE';
COMMENT ON COLUMN procgov.job_run.run_by IS 'the database login that ran it (session_user; pg_cron runs a job as the role that scheduled it)';

-- thresholds of the reconciliation rules: a row without entity is the default
CREATE TABLE procgov.drift_rule (
	entity_id		text REFERENCES procgov.entity,
	kind			text NOT NULL CHECK (kind IN ('po_not_transmitted', 'po_not_acknowledged', 'receipt_overdue',
						'receipt_not_invoiced', 'invoice_dispute_stale', 'invoice_not_posted', 'budget_drift', 'erp_state_drift',
						'erp_line_drift')),
	after			interval NOT NULL CHECK (after >= '0'),
	owner			text CHECK (owner <> ''),
	sla				interval NOT NULL DEFAULT '2 days' CHECK (procgov.forward_interval(sla)),
	enabled			boolean NOT NULL DEFAULT true,
	builtin			boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX drift_rule_key ON procgov.drift_rule (coalesce(entity_id, ''), kind);
COMMENT ON TABLE procgov.drift_rule IS 'when procgov.run_reconciliation() calls something drift: per kind, a default (no entity) and per-entity overrides';
COMMENT ON COLUMN procgov.drift_rule.entity_id IS 'the entity it applies to; NULL: every entity without its own row';
COMMENT ON COLUMN procgov.drift_rule.kind IS 'the drift it finds (docs/jobs.md)';
COMMENT ON COLUMN procgov.drift_rule.after IS 'how long a document may stay before it is drift';
COMMENT ON COLUMN procgov.drift_rule.owner IS 'who owns the case; NULL: the document''s buyer (orders, receipts), accounts_payable (invoices), the entity''s controller (budgets)';
COMMENT ON COLUMN procgov.drift_rule.sla IS 'how soon the case is due';
COMMENT ON COLUMN procgov.drift_rule.enabled IS 'false: the kind is not looked for';
COMMENT ON COLUMN procgov.drift_rule.builtin IS 'installed with procgov (a default); sites add their own rows';
INSERT INTO procgov.drift_rule (entity_id, kind, after, owner, sla, builtin) VALUES
	(NULL, 'po_not_transmitted', '2 days', NULL, '1 day', true),
	(NULL, 'po_not_acknowledged', '3 days', NULL, '2 days', true),
	(NULL, 'receipt_overdue', '1 day', NULL, '2 days', true),
	(NULL, 'receipt_not_invoiced', '30 days', 'accounts_payable', '5 days', true),
	(NULL, 'invoice_dispute_stale', '14 days', NULL, '3 days', true),
	(NULL, 'invoice_not_posted', '10 days', NULL, '2 days', true),
	(NULL, 'budget_drift', '0', NULL, '1 day', true),
	(NULL, 'erp_state_drift', '0', NULL, '1 day', true),
	(NULL, 'erp_line_drift', '0', NULL, '1 day', true);
SELECT pg_catalog.pg_extension_config_dump('procgov.drift_rule', 'WHERE NOT builtin');

-- what the jobs look up
CREATE INDEX approval_step_overdue ON procgov.approval_step (due_at) WHERE status = 'pending';
-- partial: only the states the drift rules look at, so closed documents (most of them,
-- over time) cost nothing here, and a state change into them inserts no index entry
CREATE INDEX purchase_order_state_since ON procgov.purchase_order (entity_id, state, state_changed_at)
	WHERE state IN ('approved', 'transmitted', 'acknowledged', 'shipped', 'partially_received', 'received');
CREATE INDEX invoice_state_since ON procgov.invoice (entity_id, state, state_changed_at) WHERE state = 'disputed';
CREATE INDEX exception_case_kind_open ON procgov.exception_case (kind, entity_id) WHERE status = 'open';

-- ---- running a job: one at a time, recorded, its failure contained ----

CREATE FUNCTION procgov.run_job(job text, as_of timestamptz DEFAULT now()) RETURNS procgov.job_run
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_variable
DECLARE
	r procgov.job_run;
	result jsonb;
	state text;
	msg text;
BEGIN
	IF job IS NULL OR job NOT IN ('escalations', 'reconciliation', 'supplier_performance', 'seal_audit', 'match_pending') THEN
		RAISE EXCEPTION 'unknown job "%"', coalesce(job, 'NULL')
			USING ERRCODE = '22023', HINT = 'Jobs are escalations, reconciliation, supplier_performance, seal_audit and match_pending.';
	END IF;
	IF as_of IS NULL THEN
		RAISE EXCEPTION 'a job needs a time to judge deadlines against'
			USING ERRCODE = '22004', HINT = 'Pass as_of, or leave it out for now().';
	END IF;
	-- one run of a job at a time, cluster-wide: a second run records that it skipped
	IF NOT pg_try_advisory_xact_lock(hashtext('procgov job'), hashtext(job)) THEN
		INSERT INTO procgov.job_run (job, as_of, finished_at, status, rows_affected, detail, run_by)
		VALUES (job, as_of, clock_timestamp(), 'skipped', 0, '{"reason": "another run of this job was going"}', session_user)
		RETURNING * INTO r;
		RETURN r;
	END IF;
	INSERT INTO procgov.job_run (job, as_of, status, run_by) VALUES (job, as_of, 'running', session_user) RETURNING * INTO r;
	BEGIN
		result := CASE job
			WHEN 'escalations' THEN procgov.escalate_overdue(as_of)
			WHEN 'reconciliation' THEN procgov.reconcile(as_of)
			WHEN 'supplier_performance' THEN procgov.rate_suppliers(as_of)
			WHEN 'seal_audit' THEN procgov.seal_job()
			WHEN 'match_pending' THEN (SELECT jsonb_build_object('rows', m.invoices, 'lines', m.lines, 'matched', m.matched,
													  'disputed', m.disputed, 'exceptions', m.exceptions)
										 FROM procgov.match_pending() m)
		END;
		UPDATE procgov.job_run x SET finished_at = clock_timestamp(), status = 'succeeded',
			   rows_affected = coalesce((result->>'rows')::bigint, 0), detail = result - 'rows'
		 WHERE x.run_id = r.run_id RETURNING * INTO r;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
		UPDATE procgov.job_run x SET finished_at = clock_timestamp(), status = 'failed', rows_affected = 0,
			   error = state || ': ' || msg
		 WHERE x.run_id = r.run_id RETURNING * INTO r;
	END;
	RETURN r;
END
$$;
COMMENT ON FUNCTION procgov.run_job(text, timestamptz) IS 'run one job as of a time: skipped when another run of it is going, recorded in procgov.job_run, its failure recorded and contained (what it did is undone, the record stays)';

CREATE FUNCTION procgov.run_jobs(as_of timestamptz DEFAULT now()) RETURNS SETOF procgov.job_run
	LANGUAGE sql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
	SELECT r.* FROM unnest(ARRAY['escalations', 'reconciliation', 'supplier_performance', 'match_pending', 'seal_audit'])
		WITH ORDINALITY AS j(job, n), LATERAL procgov.run_job(j.job, as_of) r ORDER BY j.n
	$$;
COMMENT ON FUNCTION procgov.run_jobs(timestamptz) IS 'run every job once, in order (a failing one does not stop the others); for a scheduler other than pg_cron';

CREATE FUNCTION procgov.run_escalations(as_of timestamptz DEFAULT now()) RETURNS procgov.job_run
	LANGUAGE sql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$ SELECT procgov.run_job('escalations', as_of) $$;
COMMENT ON FUNCTION procgov.run_escalations(timestamptz) IS 'escalate approval steps past their SLA along the policy''s chain (a job: recorded, one run at a time)';

CREATE FUNCTION procgov.run_reconciliation(as_of timestamptz DEFAULT now()) RETURNS procgov.job_run
	LANGUAGE sql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$ SELECT procgov.run_job('reconciliation', as_of) $$;
COMMENT ON FUNCTION procgov.run_reconciliation(timestamptz) IS 'find drift (stalled orders, receipts, invoices, budgets) and open, update or close exception cases (a job)';

CREATE FUNCTION procgov.run_supplier_performance(as_of timestamptz DEFAULT now()) RETURNS procgov.job_run
	LANGUAGE sql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$ SELECT procgov.run_job('supplier_performance', as_of) $$;
COMMENT ON FUNCTION procgov.run_supplier_performance(timestamptz) IS 'rate suppliers on late acknowledgements, late or short deliveries and price variances over 90 days; a change of tier emits supplier.risk_changed (a job)';

-- ---- escalations ----

-- whether an overdue step can go further: to a different escalation role that an
-- active approver holds, within ten escalations (against loops).  One definition
-- for both sides of escalate_overdue(): escalate, or end the chain.
CREATE FUNCTION procgov.step_can_escalate(st procgov.approval_step) RETURNS boolean
	LANGUAGE sql STABLE
	AS $$
SELECT st.escalate_to IS NOT NULL AND st.escalate_to <> st.role AND st.escalations < 10
	   AND EXISTS (SELECT FROM procgov.approver a WHERE a.entity_id = st.entity_id AND a.role = st.escalate_to AND a.active)
$$;
COMMENT ON FUNCTION procgov.step_can_escalate(procgov.approval_step) IS 'whether an approval step can be escalated further: its escalate_to is another role, held by an active approver of its entity, and it has been escalated fewer than ten times; else an overdue step is the end of its chain';

CREATE FUNCTION procgov.escalate_overdue(as_of timestamptz) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	-- deadlines in days are days of UTC, not of the session's time zone (DST)
	SET TimeZone = 'UTC'
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	escalated bigint := 0;
	exhausted bigint := 0;
	cleared bigint := 0;
	s record;
BEGIN
	-- steps past their SLA that can go further: to the escalation role, whose own rule
	-- (same policy) says where it goes next and how long it has
	FOR s IN
		WITH due AS (
			SELECT st.entity_id, st.step_id, st.role, st.escalate_to, st.escalations, st.policy_id, st.doc_kind, st.doc_number,
				   st.approved
			  FROM procgov.approval_step st
			 WHERE st.status = 'pending' AND st.due_at < as_of AND procgov.step_can_escalate(st)
			 ORDER BY st.due_at
			   FOR UPDATE SKIP LOCKED),
		target AS (
			-- assigned as a new step is: who may approve it now (within their limit, their
			-- delegates), never an author of the document
			SELECT d.*, nx.escalate_to AS next_to, coalesce(nx.sla, p.default_sla) AS next_sla,
				   coalesce((SELECT array_agg(DISTINCT x.person ORDER BY x.person)
							   FROM procgov.document_row(d.doc_kind, d.entity_id, d.doc_number) dr,
									procgov.eligible_approvers(d.entity_id, d.escalate_to, d.doc_kind, (dr->>'total')::procgov.amount,
														   procgov.doc_authors(dr)) x), '{}') AS holders
			  FROM due d
			  JOIN procgov.policy p ON p.entity_id = d.entity_id AND p.policy_id = d.policy_id
			  LEFT JOIN LATERAL (SELECT r.escalate_to, r.sla FROM procgov.approval_rule r
								  WHERE r.entity_id = d.entity_id AND r.policy_id = d.policy_id AND r.role = d.escalate_to
								  ORDER BY (r.escalate_to IS NULL), r.rule_id LIMIT 1) nx ON true)
		-- the new role decides the step whole: approvals given under the former role
		-- stay in the ledger (approved_before), they do not count for the new one
		UPDATE procgov.approval_step st
		   SET role = t.escalate_to, escalate_to = t.next_to, escalations = st.escalations + 1,
			   due_at = as_of + t.next_sla, sla = t.next_sla, assigned_to = t.holders, approved = 0
		  FROM target t
		 WHERE st.entity_id = t.entity_id AND st.step_id = t.step_id
		RETURNING st.*, t.role AS from_role, t.approved AS approved_before
	LOOP
		PERFORM procgov.audit_append(s.doc_kind || ':' || s.entity_id || ':' || s.doc_number, 'escalate',
			jsonb_build_object('step_id', s.step_id, 'step', s.step_no, 'from_role', s.from_role, 'to_role', s.role,
							   'escalations', s.escalations, 'due_at', s.due_at, 'assigned_to', s.assigned_to, 'as_of', as_of)
			|| CASE WHEN s.approved_before > 0 THEN jsonb_build_object('approved_before', s.approved_before) ELSE '{}' END,
			'approval step past its SLA');
		PERFORM procgov.emit('approval.escalated', s.doc_kind || ':' || s.entity_id || ':' || s.doc_number,
			jsonb_build_object('step_id', s.step_id, 'step', s.step_no, 'from_role', s.from_role, 'to_role', s.role,
							   'escalations', s.escalations, 'due_at', s.due_at, 'assigned_to', s.assigned_to),
			NULL, NULL, s.doc_version, s.entity_id);
		escalated := escalated + 1;
	END LOOP;

	-- the end of the chain: the entity's controller gets one case per document
	FOR s IN
		INSERT INTO procgov.exception_case AS x (entity_id, kind, doc_kind, doc_number, owner, due_at, details)
		SELECT st.entity_id, 'approval_overdue', st.doc_kind, st.doc_number, coalesce(e.controller, 'controller'),
			   as_of + p.default_sla,
			   jsonb_build_object('steps', jsonb_agg(jsonb_build_object('step_id', st.step_id, 'step', st.step_no, 'role', st.role,
					'assigned_to', st.assigned_to, 'due_at', st.due_at, 'escalations', st.escalations) ORDER BY st.step_no))
		  FROM procgov.approval_step st
		  JOIN procgov.entity e ON e.entity_id = st.entity_id
		  JOIN procgov.policy p ON p.entity_id = st.entity_id AND p.policy_id = st.policy_id
		 WHERE st.status = 'pending' AND st.due_at < as_of AND NOT procgov.step_can_escalate(st)
		 GROUP BY st.entity_id, st.doc_kind, st.doc_number, e.controller, p.default_sla
		 ORDER BY st.entity_id, st.doc_number
		ON CONFLICT (entity_id, doc_kind, doc_number, kind) WHERE status = 'open'
		DO UPDATE SET details = excluded.details, updated_at = now() WHERE x.details IS DISTINCT FROM excluded.details
		RETURNING x.*, (x.xmax = 0) AS opened
	LOOP
		PERFORM procgov.case_event(s.entity_id, s.case_id, s.doc_kind, s.doc_number, s.kind,
								   CASE WHEN s.opened THEN 'opened' ELSE 'updated' END, s.owner, s.due_at, s.details, NULL);
		exhausted := exhausted + 1;
	END LOOP;

	-- decided or escalated since: the case closes itself.  Judged by the steps the
	-- case names, whatever as_of is: a run for an earlier time sees the same stall
	FOR s IN
		UPDATE procgov.exception_case x
		   SET status = 'resolved', resolution = 'cleared', resolved_at = now(), resolved_by = 'procgov', updated_at = now()
		 WHERE x.status = 'open' AND x.kind = 'approval_overdue'
		   AND NOT EXISTS (SELECT FROM jsonb_array_elements(x.details -> 'steps') c
							 JOIN procgov.approval_step st
							   ON st.entity_id = x.entity_id AND st.step_id = (c ->> 'step_id')::bigint
							WHERE st.status = 'pending' AND st.role = c ->> 'role')
		RETURNING x.*
	LOOP
		PERFORM procgov.case_event(s.entity_id, s.case_id, s.doc_kind, s.doc_number, s.kind, 'cleared', s.owner, s.due_at,
								   NULL, 'the approval went on');
		cleared := cleared + 1;
	END LOOP;
	RETURN jsonb_build_object('rows', escalated + exhausted + cleared, 'escalated', escalated,
							  'chain_ended', exhausted, 'cleared', cleared);
END
$$;
COMMENT ON FUNCTION procgov.escalate_overdue(timestamptz) IS 'the escalations job''s work: overdue steps go to their escalation role (whose own rule gives the next one and the new SLA), audited and announced; at the end of the chain the entity''s controller gets an approval_overdue case, which closes once the step is decided';

-- what the ledger and the event say of a change of an exception case (opened, updated,
-- cleared); inlined where a whole set of cases is told at once (procgov.reconcile)
CREATE FUNCTION procgov.case_change_entry(case_id bigint, kind text, owner text, due_at timestamptz, details jsonb)
	RETURNS jsonb
	LANGUAGE sql STABLE
	AS $$ SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('case_id', case_id, 'kind', kind,
			'owner', owner, 'due_at', due_at, 'details', details)) $$;
COMMENT ON FUNCTION procgov.case_change_entry(bigint, text, text, timestamptz, jsonb) IS 'the audit payload of a change of an exception case';

CREATE FUNCTION procgov.case_change_event(case_id bigint, kind text, what text, owner text, due_at timestamptz, details jsonb)
	RETURNS jsonb
	LANGUAGE sql STABLE
	AS $$ SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('case_id', case_id, 'kind', kind,
			'owner', owner, 'due_at', due_at, 'resolution', CASE WHEN what = 'cleared' THEN 'cleared' END,
			'updated', what = 'updated', 'details', details)) $$;
COMMENT ON FUNCTION procgov.case_change_event(bigint, text, text, text, timestamptz, jsonb) IS 'the event payload of a change of an exception case (exception.opened, or exception.resolved when cleared)';

-- audit and announce a change of one exception case
CREATE FUNCTION procgov.case_event(entity text, case_id bigint, doc_kind text, doc_number text, kind text, what text,
	owner text, due_at timestamptz, details jsonb, reason text)
	RETURNS void
	LANGUAGE sql VOLATILE
	AS $$
	SELECT procgov.audit_append(doc_kind || ':' || entity || ':' || doc_number, 'exception.' || what,
		procgov.case_change_entry(case_id, kind, owner, due_at, details), reason);
	SELECT procgov.emit(CASE WHEN what = 'cleared' THEN 'exception.resolved' ELSE 'exception.opened' END,
		doc_kind || ':' || entity || ':' || doc_number, procgov.case_change_event(case_id, kind, what, owner, due_at, details),
		NULL, NULL, NULL, entity)
	 WHERE what <> 'updated' OR details IS NOT NULL;
	$$;
COMMENT ON FUNCTION procgov.case_event(text, bigint, text, text, text, text, text, timestamptz, jsonb, text) IS 'write an exception case''s change to its document''s audit stream and emit exception.opened or exception.resolved';

-- ---- reconciliation ----

-- the drift rule of each kind for each entity: its own row, else the default
CREATE FUNCTION procgov.drift_rules() RETURNS TABLE (entity_id text, kind text, after interval, owner text, sla interval)
	LANGUAGE sql STABLE
	AS $$
	SELECT e.entity_id, k.kind, coalesce(o.after, d.after), coalesce(o.owner, d.owner), coalesce(o.sla, d.sla, '2 days')
	  FROM procgov.entity e
	 CROSS JOIN (SELECT DISTINCT r.kind FROM procgov.drift_rule r) k
	  LEFT JOIN procgov.drift_rule o ON o.entity_id = e.entity_id AND o.kind = k.kind
	  LEFT JOIN procgov.drift_rule d ON d.entity_id IS NULL AND d.kind = k.kind
	 WHERE coalesce(o.enabled, d.enabled, false) AND coalesce(o.after, d.after) IS NOT NULL
	$$;
COMMENT ON FUNCTION procgov.drift_rules() IS 'the reconciliation rule that applies to each entity and kind: the entity''s own row of procgov.drift_rule, else the default';

-- what is drift now, one row per document and kind
CREATE FUNCTION procgov.drift(as_of timestamptz)
	RETURNS TABLE (entity_id text, kind text, doc_kind text, doc_number text, owner text, sla interval, details jsonb,
		correlation_id uuid)
	LANGUAGE sql STABLE
	-- deadlines in days are days of UTC, not of the session's time zone (DST)
	SET TimeZone = 'UTC'
	AS $$
	WITH r AS MATERIALIZED (SELECT * FROM procgov.drift_rules())
	-- approved, not sent to the supplier
	SELECT po.entity_id, r.kind, 'purchase_order', po.number, coalesce(r.owner, po.buyer), r.sla,
		   jsonb_build_object('state', po.state, 'since', po.state_changed_at, 'buyer', po.buyer, 'total', po.total),
		   po.correlation_id
	  FROM r CROSS JOIN LATERAL (SELECT * FROM procgov.purchase_order po
		 WHERE po.entity_id = r.entity_id AND po.state = 'approved' AND po.state_changed_at < as_of - r.after) po
	 WHERE r.kind = 'po_not_transmitted'
	UNION ALL
	-- sent, not acknowledged
	SELECT po.entity_id, r.kind, 'purchase_order', po.number, coalesce(r.owner, po.buyer), r.sla,
		   jsonb_build_object('state', po.state, 'since', po.state_changed_at, 'buyer', po.buyer,
			   'supplier', (SELECT s.code FROM procgov.supplier s WHERE s.entity_id = po.entity_id AND s.supplier_id = po.supplier_id)),
		   po.correlation_id
	  FROM r CROSS JOIN LATERAL (SELECT * FROM procgov.purchase_order po
		 WHERE po.entity_id = r.entity_id AND po.state = 'transmitted' AND po.state_changed_at < as_of - r.after) po
	 WHERE r.kind = 'po_not_acknowledged'
	UNION ALL
	-- the confirmed (else needed) date passed and the goods are not all here.  What the
	-- supplier confirmed is due on the confirmed date; a rest nobody confirmed (a short
	-- acknowledgement, its confirmed part delivered) on the date it was needed by: the
	-- buyer closes the order short or gets the rest
	SELECT po.entity_id, r.kind, 'purchase_order', po.number, coalesce(r.owner, po.buyer), r.sla,
		   jsonb_build_object('state', po.state, 'expected', x.expected, 'buyer', po.buyer, 'open_lines', x.open_lines)
		   || CASE WHEN x.unconfirmed_lines > 0 THEN jsonb_build_object('unconfirmed_lines', x.unconfirmed_lines) ELSE '{}' END,
		   po.correlation_id
	  FROM r CROSS JOIN LATERAL (SELECT * FROM procgov.purchase_order po
		 WHERE po.entity_id = r.entity_id AND po.state IN ('acknowledged', 'shipped', 'partially_received')) po
	 CROSS JOIN LATERAL (
		SELECT max(CASE WHEN l.received_qty < coalesce(l.confirmed_qty, l.quantity)
						THEN coalesce(l.confirmed_date, l.need_by, po.need_by)
						ELSE coalesce(l.need_by, po.need_by, l.confirmed_date) END) AS expected,
			   count(*) AS open_lines,
			   count(*) FILTER (WHERE l.received_qty >= coalesce(l.confirmed_qty, l.quantity)) AS unconfirmed_lines
		  FROM procgov.purchase_order_line l
		 WHERE l.entity_id = po.entity_id AND l.po_id = po.po_id AND l.received_qty < l.quantity) x
	 WHERE r.kind = 'receipt_overdue' AND x.open_lines > 0 AND x.expected < ((as_of - r.after) AT TIME ZONE 'UTC')::date
	UNION ALL
	-- received long ago, not (fully) invoiced
	SELECT po.entity_id, r.kind, 'purchase_order', po.number, coalesce(r.owner, po.buyer), r.sla,
		   jsonb_build_object('state', po.state, 'since', po.state_changed_at,
			   'supplier', (SELECT s.code FROM procgov.supplier s WHERE s.entity_id = po.entity_id AND s.supplier_id = po.supplier_id)),
		   po.correlation_id
	  FROM r CROSS JOIN LATERAL (SELECT * FROM procgov.purchase_order po
		 WHERE po.entity_id = r.entity_id AND po.state = 'received' AND po.state_changed_at < as_of - r.after) po
	 WHERE r.kind = 'receipt_not_invoiced'
	   AND EXISTS (SELECT FROM procgov.purchase_order_line l
				   WHERE l.entity_id = po.entity_id AND l.po_id = po.po_id AND l.invoiced_qty < l.received_qty)
	UNION ALL
	-- in dispute for too long
	SELECT i.entity_id, r.kind, 'invoice', i.number, coalesce(r.owner, 'accounts_payable'), r.sla,
		   jsonb_build_object('since', i.state_changed_at, 'total', i.total,
			   'supplier', (SELECT s.code FROM procgov.supplier s WHERE s.entity_id = i.entity_id AND s.supplier_id = i.supplier_id),
			   'open_cases', (SELECT jsonb_agg(c.kind ORDER BY c.kind) FROM procgov.exception_case c
							   WHERE c.entity_id = i.entity_id AND c.doc_kind = 'invoice' AND c.doc_number = i.number
								 AND c.status = 'open' AND c.kind <> 'invoice_dispute_stale')),
		   i.correlation_id
	  FROM r CROSS JOIN LATERAL (SELECT * FROM procgov.invoice i
		 WHERE i.entity_id = r.entity_id AND i.state = 'disputed' AND i.state_changed_at < as_of - r.after) i
	 WHERE r.kind = 'invoice_dispute_stale'
	UNION ALL
	-- matched, not posted for payment: what holds it, when procgov knows (a blocked
	-- supplier, no account, an account still in its cooling-off period)
	SELECT i.entity_id, r.kind, 'invoice', i.number, coalesce(r.owner, 'accounts_payable'), r.sla,
		   jsonb_strip_nulls(jsonb_build_object('since', i.state_changed_at, 'total', i.total, 'supplier', s.code,
			   'held', CASE WHEN s.status = 'blocked' THEN 'the supplier is blocked'
							WHEN s.iban IS NULL THEN 'the supplier has no bank account'
							WHEN i.pay_to_iban IS NOT NULL AND i.pay_to_iban OPERATOR(procgov.<>) s.iban
							THEN 'it is to be paid to ' || i.pay_to_iban || ', not the supplier''s account ' || s.iban
							WHEN s.iban_payable_from > as_of
							THEN 'payments to the supplier''s new account are held until '
								 || to_char(s.iban_payable_from, 'YYYY-MM-DD HH24:MI "UTC"') END)),
		   i.correlation_id
	  FROM r CROSS JOIN LATERAL (SELECT * FROM procgov.invoice i
		 WHERE i.entity_id = r.entity_id AND i.state = 'matched' AND i.state_changed_at < as_of - r.after) i
	  JOIN procgov.supplier s ON s.entity_id = i.entity_id AND s.supplier_id = i.supplier_id
	 WHERE r.kind = 'invoice_not_posted'
	UNION ALL
	-- a budget line whose commitment is not what its open orders hold
	SELECT b.entity_id, r.kind, 'budget', b.cost_center || '/' || b.period, coalesce(r.owner, e.controller, 'controller'), r.sla,
		   jsonb_build_object('committed', b.committed, 'open_orders', x.open_total, 'orders', x.orders), NULL::uuid
	  FROM r JOIN procgov.budget b ON b.entity_id = r.entity_id
	  JOIN procgov.entity e ON e.entity_id = b.entity_id
	 CROSS JOIN LATERAL (
		SELECT coalesce(procgov.sum(c.amount), procgov.amount(0, procgov.currency(b.committed))) AS open_total, count(*) AS orders
		  FROM procgov.document_commitment c
		  JOIN procgov.purchase_order po ON po.entity_id = c.entity_id AND po.po_id = c.doc_id
		 WHERE c.entity_id = b.entity_id AND c.budget_id = b.budget_id AND c.doc_kind = 'purchase_order'
		   AND po.state NOT IN ('closed', 'cancelled')) x
	 WHERE r.kind = 'budget_drift' AND b.committed OPERATOR(procgov.<>) x.open_total
	UNION ALL
	-- a governed ERP order whose row and document disagree
	SELECT d.entity_id, r.kind, 'purchase_order', d.doc_number, coalesce(r.owner, d.buyer), r.sla, d.details, d.correlation_id
	  FROM r JOIN procgov.erp_drift() d ON d.entity_id = r.entity_id
	 WHERE r.kind = 'erp_state_drift'
	UNION ALL
	-- ... or whose lines and the document's lines disagree
	SELECT d.entity_id, r.kind, 'purchase_order', d.doc_number, coalesce(r.owner, d.buyer), r.sla, d.details, d.correlation_id
	  FROM r JOIN procgov.erp_line_drift() d ON d.entity_id = r.entity_id
	 WHERE r.kind = 'erp_line_drift'
	$$;
COMMENT ON FUNCTION procgov.drift(timestamptz) IS 'what procgov.run_reconciliation() would call drift as of a time: one row per document and kind, with its owner and context';

CREATE FUNCTION procgov.reconcile(as_of timestamptz) RETURNS jsonb
	LANGUAGE sql VOLATILE
	SET TimeZone = 'UTC'
	SET plan_cache_mode = force_generic_plan
	AS $$
	-- one finding per document and kind, whatever the sources say: an ERP table
	-- may hold one number twice, and one bad row must not stop the whole run
	WITH found AS MATERIALIZED (
		SELECT d.entity_id, d.kind, d.doc_kind, d.doc_number, min(d.owner) AS owner, min(d.sla) AS sla,
			   CASE WHEN count(*) = 1 THEN (array_agg(d.details))[1]
					ELSE jsonb_build_object('findings', jsonb_agg(d.details ORDER BY d.details::text)) END AS details,
			   (array_agg(d.correlation_id ORDER BY d.correlation_id) FILTER (WHERE d.correlation_id IS NOT NULL))[1] AS correlation_id
		  FROM procgov.drift(as_of) d
		 WHERE d.doc_number IS NOT NULL
		 GROUP BY d.entity_id, d.kind, d.doc_kind, d.doc_number),
	upserted AS (
		INSERT INTO procgov.exception_case AS x (entity_id, kind, doc_kind, doc_number, owner, due_at, details, correlation_id)
		SELECT f.entity_id, f.kind, f.doc_kind, f.doc_number, f.owner, as_of + f.sla, f.details, f.correlation_id
		  FROM found f
		 ORDER BY f.entity_id, f.kind, f.doc_number
		ON CONFLICT (entity_id, doc_kind, doc_number, kind) WHERE status = 'open'
		DO UPDATE SET details = excluded.details, owner = excluded.owner, updated_at = now()
			WHERE x.details IS DISTINCT FROM excluded.details OR x.owner IS DISTINCT FROM excluded.owner
		RETURNING x.*, CASE WHEN x.xmax = 0 THEN 'opened' ELSE 'updated' END AS what),
	-- what is no longer drift closes itself
	closed AS (
		UPDATE procgov.exception_case x
		   SET status = 'resolved', resolution = 'cleared', resolved_at = now(), resolved_by = 'procgov', updated_at = now()
		 WHERE x.status = 'open'
		   AND x.kind IN ('po_not_transmitted', 'po_not_acknowledged', 'receipt_overdue', 'receipt_not_invoiced',
						  'invoice_dispute_stale', 'invoice_not_posted', 'budget_drift', 'erp_state_drift', 'erp_line_drift')
		   -- NOT IN over non-null keys: one hashed lookup per open case, whatever the estimates
		   AND (x.entity_id, x.kind, x.doc_kind, x.doc_number) NOT IN
			   (SELECT f.entity_id, f.kind, f.doc_kind, f.doc_number FROM found f)
		RETURNING x.*, 'cleared' AS what),
	changes AS (
		SELECT u.entity_id, u.case_id, u.doc_kind, u.doc_number, u.kind, u.what, u.owner, u.due_at, u.details FROM upserted u
		UNION ALL
		SELECT c.entity_id, c.case_id, c.doc_kind, c.doc_number, c.kind, c.what, c.owner, c.due_at, NULL FROM closed c),
	-- every change in the document's ledger stream and announced, in case order (what
	-- procgov.case_event does for one case, here for the set without a call per case)
	told AS (
		SELECT c.what,
			   procgov.audit_append(c.doc_kind || ':' || c.entity_id || ':' || c.doc_number, 'exception.' || c.what,
					procgov.case_change_entry(c.case_id, c.kind, c.owner, c.due_at, c.details),
					CASE WHEN c.what = 'cleared' THEN 'no longer drift' END) AS entry,
			   procgov.emit(CASE WHEN c.what = 'cleared' THEN 'exception.resolved' ELSE 'exception.opened' END,
					c.doc_kind || ':' || c.entity_id || ':' || c.doc_number,
					procgov.case_change_event(c.case_id, c.kind, c.what, c.owner, c.due_at, c.details),
					NULL, NULL, NULL, c.entity_id) AS event
		  FROM changes c ORDER BY c.case_id)
	SELECT jsonb_build_object('rows', count(*), 'opened', count(*) FILTER (WHERE what = 'opened'),
							  'updated', count(*) FILTER (WHERE what = 'updated'),
							  'cleared', count(*) FILTER (WHERE what = 'cleared'))
	  FROM told WHERE entry IS NOT NULL AND event IS NOT NULL
	$$;
COMMENT ON FUNCTION procgov.reconcile(timestamptz) IS 'the reconciliation job''s work: opens or updates one case per document and drift kind (never a second), audited and announced, and closes the cases whose drift is gone';

-- ---- supplier performance ----

CREATE FUNCTION procgov.supplier_performance(as_of timestamptz, window_length interval DEFAULT '90 days')
	RETURNS TABLE (entity_id text, supplier_id bigint, code text, orders bigint, late_acknowledgements bigint,
		late_receipts bigint, short_confirmations bigint, price_variances bigint, score numeric, tier text, current_tier text)
	LANGUAGE sql STABLE
	-- deadlines in days are days of UTC, not of the session's time zone (DST)
	SET TimeZone = 'UTC'
	AS $$
	-- the orders the supplier was sent: drafts, orders awaiting or refused
	-- approval and those cancelled before they went out say nothing of it
	WITH o AS (
		SELECT * FROM (
			SELECT po.entity_id, po.supplier_id, po.po_id, po.number, po.need_by, po.state,
				   (SELECT min(a.logged_at) FROM procgov.audit_log a
					 WHERE a.stream = 'purchase_order:' || po.entity_id || ':' || po.number AND a.payload->>'to' = 'transmitted') AS sent_at
			  FROM procgov.purchase_order po
			 WHERE po.created_at > as_of - window_length AND po.created_at <= as_of) s
		 WHERE s.sent_at IS NOT NULL
			OR s.state IN ('transmitted', 'acknowledged', 'shipped', 'partially_received', 'received', 'matched', 'closed')),
	m AS (
		SELECT o.entity_id, o.supplier_id, count(*) AS orders,
			   count(*) FILTER (WHERE o.sent_at IS NOT NULL AND coalesce(
					(SELECT min(k.received_at) FROM procgov.acknowledgement k WHERE k.entity_id = o.entity_id AND k.po_id = o.po_id),
					as_of) > o.sent_at + interval '3 days') AS late_acks,
			   sum((SELECT count(DISTINCT r.receipt_id) FROM procgov.receipt r
					  JOIN procgov.receipt_line rl ON rl.entity_id = r.entity_id AND rl.receipt_id = r.receipt_id
					  JOIN procgov.purchase_order_line l ON l.entity_id = r.entity_id AND l.po_id = r.po_id AND l.line_no = rl.line_no
					 WHERE r.entity_id = o.entity_id AND r.po_id = o.po_id AND r.state = 'posted'
					   AND (r.received_at AT TIME ZONE 'UTC')::date > coalesce(l.confirmed_date, l.need_by, o.need_by))) AS late_receipts,
			   -- each line once, as its supplier confirms it now (however often it re-confirmed)
			   sum((SELECT count(*) FROM procgov.purchase_order_line l
					 WHERE l.entity_id = o.entity_id AND l.po_id = o.po_id AND l.confirmed_qty < l.quantity)) AS short
		  FROM o GROUP BY o.entity_id, o.supplier_id),
	v AS (
		SELECT i.entity_id, i.supplier_id, count(*) AS variances
		  FROM procgov.exception_case c
		  JOIN procgov.invoice i ON i.entity_id = c.entity_id AND i.number = c.doc_number
		 WHERE c.doc_kind = 'invoice' AND c.kind IN ('price_over', 'quantity_over_received', 'quantity_over_ordered')
		   AND c.opened_at > as_of - window_length AND c.opened_at <= as_of
		 GROUP BY i.entity_id, i.supplier_id)
	SELECT s.entity_id, s.supplier_id, s.code, m.orders, m.late_acks, m.late_receipts, m.short, coalesce(v.variances, 0),
		   round((m.late_acks + m.late_receipts + m.short + coalesce(v.variances, 0))::numeric / m.orders, 3),
		   CASE WHEN m.orders < 5 THEN s.risk_tier
				WHEN (m.late_acks + m.late_receipts + m.short + coalesce(v.variances, 0))::numeric / m.orders >= 0.5 THEN 'high'
				WHEN (m.late_acks + m.late_receipts + m.short + coalesce(v.variances, 0))::numeric / m.orders >= 0.2 THEN 'medium'
				ELSE 'low' END,
		   s.risk_tier
	  FROM m
	  JOIN procgov.supplier s ON s.entity_id = m.entity_id AND s.supplier_id = m.supplier_id
	  LEFT JOIN v ON v.entity_id = m.entity_id AND v.supplier_id = m.supplier_id
	$$;
COMMENT ON FUNCTION procgov.supplier_performance(timestamptz, interval) IS 'each supplier''s record over a window before as_of, of the orders it was sent: orders, acknowledgements later than 3 days, receipts after the confirmed (else needed) date, lines confirmed short, price and quantity variances; the score is their sum per order and the tier it earns (high from 0.5, medium from 0.2, unchanged under 5 orders)';

CREATE FUNCTION procgov.rate_suppliers(as_of timestamptz) RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_variable
DECLARE
	p record;
	changed bigint := 0;
	rated bigint := 0;
BEGIN
	FOR p IN SELECT * FROM procgov.supplier_performance(as_of) ORDER BY 1, 2 LOOP
		rated := rated + 1;
		CONTINUE WHEN p.tier = p.current_tier;
		UPDATE procgov.supplier s SET risk_tier = p.tier WHERE s.entity_id = p.entity_id AND s.supplier_id = p.supplier_id;
		PERFORM procgov.audit_append('supplier:' || p.entity_id || ':' || p.code, 'risk_changed',
			to_jsonb(p) || jsonb_build_object('as_of', as_of), 'supplier performance over 90 days');
		PERFORM procgov.emit('supplier.risk_changed', 'supplier:' || p.entity_id || ':' || p.code,
			jsonb_build_object('from', p.current_tier, 'to', p.tier, 'score', p.score, 'orders', p.orders,
							   'late_acknowledgements', p.late_acknowledgements, 'late_receipts', p.late_receipts,
							   'short_confirmations', p.short_confirmations, 'price_variances', p.price_variances),
			NULL, NULL, NULL, p.entity_id);
		changed := changed + 1;
	END LOOP;
	RETURN jsonb_build_object('rows', changed, 'rated', rated, 'changed', changed);
END
$$;
COMMENT ON FUNCTION procgov.rate_suppliers(timestamptz) IS 'the supplier performance job''s work: sets each supplier''s risk tier from procgov.supplier_performance(), auditing and emitting supplier.risk_changed when it changes (approval rules on supplier risk then apply)';

-- ---- sealing ----

CREATE FUNCTION procgov.seal_job() RETURNS jsonb
	LANGUAGE plpgsql VOLATILE
	AS $$
DECLARE
	before bigint := coalesce((SELECT max(block_id) FROM procgov.audit_block), 0);
	newest bigint := procgov.seal_audit();
BEGIN
	RETURN jsonb_build_object('rows', coalesce((SELECT sum(entry_count) FROM procgov.audit_block WHERE block_id > before), 0),
							  'blocks', (SELECT count(*) FROM procgov.audit_block WHERE block_id > before),
							  'newest_block', nullif(newest, 0));
END
$$;
COMMENT ON FUNCTION procgov.seal_job() IS 'the sealing job''s work: procgov.seal_audit(), reporting the entries and blocks it sealed';

-- ---- scheduling with pg_cron ----

CREATE FUNCTION procgov.job_schedule(escalations text, reconciliation text, supplier_performance text, match_pending text,
	seal_audit text)
	RETURNS TABLE (job text, jobname text, schedule text, command text)
	LANGUAGE sql STABLE
	AS $$
	SELECT v.job, 'procgov:' || current_database() || ':' || v.job, v.schedule, v.command
	  FROM (VALUES (1, 'escalations', escalations, 'SELECT procgov.run_escalations()'),
				   (2, 'reconciliation', reconciliation, 'SELECT procgov.run_reconciliation()'),
				   (3, 'supplier_performance', supplier_performance, 'SELECT procgov.run_supplier_performance()'),
				   (4, 'match_pending', match_pending, 'SELECT procgov.run_job(''match_pending'')'),
				   (5, 'seal_audit', seal_audit, 'SELECT procgov.run_job(''seal_audit'')')) v(n, job, schedule, command)
	 WHERE v.schedule IS NOT NULL
	 ORDER BY v.n
	$$;
COMMENT ON FUNCTION procgov.job_schedule(text, text, text, text, text) IS 'the pg_cron job names, schedules and commands procgov.schedule_jobs() registers';

CREATE FUNCTION procgov.schedule_jobs(escalations text DEFAULT '*/15 * * * *', reconciliation text DEFAULT '7 * * * *',
	supplier_performance text DEFAULT '30 2 * * *', match_pending text DEFAULT '*/5 * * * *',
	seal_audit text DEFAULT '*/10 * * * *')
	RETURNS TABLE (job text, jobname text, schedule text, command text, scheduled boolean)
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	here boolean := EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron');
	cron_db text := current_setting('cron.database_name', true);
	j record;
BEGIN
	FOR j IN SELECT * FROM procgov.job_schedule(escalations, reconciliation, supplier_performance, match_pending, seal_audit) LOOP
		IF btrim(j.schedule) = '' THEN
			RAISE EXCEPTION 'the schedule of job % is empty', j.job
				USING ERRCODE = '22023', HINT = 'Give a cron expression such as ''*/15 * * * *'', or NULL to leave the job out.';
		END IF;
		job := j.job;
		jobname := j.jobname;
		schedule := j.schedule;
		IF here THEN
			-- pg_cron lives here: the same name replaces an earlier schedule
			EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING j.jobname, j.schedule, j.command;
			command := j.command;
			scheduled := true;
		ELSE
			command := format('SELECT cron.schedule_in_database(%L, %L, %L, %L);', j.jobname, j.schedule, j.command,
							  current_database());
			scheduled := false;
		END IF;
		RETURN NEXT;
	END LOOP;
	IF NOT here THEN
		IF cron_db IS NULL THEN
			RAISE NOTICE 'pg_cron is not loaded in this server; nothing was scheduled'
				USING HINT = 'Add pg_cron to shared_preload_libraries and set cron.database_name, then run the returned commands '
						  || 'there; or call procgov.run_jobs() from any scheduler (every five minutes suits the defaults).';
		ELSE
			RAISE NOTICE 'pg_cron lives in database %, not here; nothing was scheduled yet', cron_db
				USING HINT = format('Run the returned commands in database %s (they schedule the jobs to run in %s).',
									cron_db, current_database());
		END IF;
	END IF;
END
$$;
COMMENT ON FUNCTION procgov.schedule_jobs(text, text, text, text, text) IS 'register procgov''s jobs with pg_cron under stable names (procgov:<database>:<job>), with the default schedules unless given (NULL leaves a job out); when pg_cron lives in another database, returns the cron.schedule_in_database() commands to run there';

CREATE FUNCTION procgov.unschedule_jobs() RETURNS TABLE (jobname text, command text, unscheduled boolean)
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	here boolean := EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron');
	j record;
BEGIN
	FOR j IN SELECT * FROM procgov.job_schedule('-', '-', '-', '-', '-') LOOP
		jobname := j.jobname;
		command := format('SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = %L;', j.jobname);
		unscheduled := false;
		IF here THEN
			EXECUTE 'SELECT count(cron.unschedule(jobid)) > 0 FROM cron.job WHERE jobname = $1' INTO unscheduled USING j.jobname;
		END IF;
		RETURN NEXT;
	END LOOP;
	IF NOT here THEN
		RAISE NOTICE 'pg_cron is not installed in this database; nothing was unscheduled here'
			USING HINT = 'Run the returned commands in the database where pg_cron lives (cron.database_name).';
	END IF;
END
$$;
COMMENT ON FUNCTION procgov.unschedule_jobs() IS 'remove procgov''s jobs from pg_cron (or return the commands to run in pg_cron''s database)';
-- END jobs

-- BEGIN jobs privileges
REVOKE ALL ON procgov.job_run, procgov.drift_rule FROM PUBLIC;
GRANT SELECT ON procgov.job_run, procgov.drift_rule TO procgov_admin, procgov_auditor;
GRANT INSERT, UPDATE, DELETE ON procgov.drift_rule TO procgov_admin;
REVOKE EXECUTE ON FUNCTION procgov.run_job(text, timestamptz), procgov.run_jobs(timestamptz),
	procgov.run_escalations(timestamptz), procgov.run_reconciliation(timestamptz),
	procgov.run_supplier_performance(timestamptz), procgov.escalate_overdue(timestamptz), procgov.step_can_escalate(procgov.approval_step),
	procgov.case_event(text, bigint, text, text, text, text, text, timestamptz, jsonb, text),
	procgov.case_change_entry(bigint, text, text, timestamptz, jsonb),
	procgov.case_change_event(bigint, text, text, text, timestamptz, jsonb),
	procgov.drift_rules(), procgov.drift(timestamptz), procgov.reconcile(timestamptz),
	procgov.supplier_performance(timestamptz, interval), procgov.rate_suppliers(timestamptz), procgov.seal_job(),
	procgov.job_schedule(text, text, text, text, text), procgov.schedule_jobs(text, text, text, text, text),
	procgov.unschedule_jobs()
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION procgov.run_job(text, timestamptz), procgov.run_jobs(timestamptz),
	procgov.run_escalations(timestamptz), procgov.run_reconciliation(timestamptz),
	procgov.run_supplier_performance(timestamptz), procgov.schedule_jobs(text, text, text, text, text),
	procgov.unschedule_jobs(), procgov.job_schedule(text, text, text, text, text)
	TO procgov_admin;
GRANT EXECUTE ON FUNCTION procgov.drift(timestamptz), procgov.drift_rules()
	TO procgov_admin, procgov_auditor;
GRANT EXECUTE ON FUNCTION procgov.supplier_performance(timestamptz, interval) TO procgov_admin, procgov_auditor;
-- END jobs privileges

-- BEGIN bi
-- ===================================================================
-- BI and security: who sees which entity (procgov.entity_grant, enforced
-- by row-level security on the documents, cases, approvals and the
-- ledger), and the views BI tools read (a documented contract: columns
-- are only ever added, in upgrade scripts).  docs/bi.md and
-- docs/security.md are the reference.
-- ===================================================================

DO $roles$
BEGIN
	-- ERP service logins that name the acting person per transaction (procgov.actor)
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'procgov_service') THEN
		CREATE ROLE procgov_service NOLOGIN;
	END IF;
END
$roles$;

CREATE TABLE procgov.entity_grant (
	grantee			text NOT NULL CHECK (grantee <> ''),
	entity_id		text REFERENCES procgov.entity,
	granted_at		timestamptz NOT NULL DEFAULT now(),
	granted_by		text NOT NULL DEFAULT procgov.current_actor(),
	builtin			boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX entity_grant_key ON procgov.entity_grant (grantee, coalesce(entity_id, ''));
-- auditors see every entity until a DBA says otherwise (delete the row, grant per entity)
INSERT INTO procgov.entity_grant (grantee, entity_id, granted_by, builtin) VALUES ('procgov_auditor', NULL, 'procgov', true);
SELECT pg_catalog.pg_extension_config_dump('procgov.entity_grant', 'WHERE NOT builtin');
COMMENT ON TABLE procgov.entity_grant IS 'which entities a person or a database role may see and act on (row-level security); a row without entity grants every entity';
COMMENT ON COLUMN procgov.entity_grant.grantee IS 'a database role (its members see the entity) or a person named by procgov.actor (through a login that is a member of procgov_service)';
COMMENT ON COLUMN procgov.entity_grant.entity_id IS 'the entity; NULL: all of them (auditors, group controllers)';
COMMENT ON COLUMN procgov.entity_grant.granted_at IS 'when it was granted';
COMMENT ON COLUMN procgov.entity_grant.granted_by IS 'who granted it';
COMMENT ON COLUMN procgov.entity_grant.builtin IS 'installed with procgov (procgov_auditor sees every entity); a DBA may delete it';

CREATE FUNCTION procgov.calling_role() RETURNS text
	AS 'MODULE_PATHNAME', 'calling_role' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION procgov.calling_role() IS 'the database role the query runs as outside any SECURITY DEFINER function: the login, or the role it SET ROLE to';

-- Who may see and act on which entity, decided in C (src/access.c) once per
-- statement (per transaction under REPEATABLE READ) for the calling role (procgov.calling_role(), never
-- current_user) and the person an ERP service login names: the grants of
-- the calling role, of every role whose privileges it has, and of that
-- person (never a role's name).  procgov_admin members and grantees of a
-- grant without entity see every entity.  The grants are read without SQL,
-- so nobody needs to read procgov.entity_grant to be filtered by it.
CREATE FUNCTION procgov.entity_grant_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'entity_grant_changed' LANGUAGE C;
COMMENT ON FUNCTION procgov.entity_grant_changed() IS 'statement trigger on procgov.entity_grant: the session forgets who it decided may see which entity';
REVOKE EXECUTE ON FUNCTION procgov.entity_grant_changed() FROM PUBLIC;
CREATE TRIGGER entity_grant_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procgov.entity_grant
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.entity_grant_changed();
-- a session in replica mode (a restore, logical replication) forgets too
ALTER TABLE procgov.entity_grant ENABLE ALWAYS TRIGGER entity_grant_changed;

CREATE FUNCTION procgov.sees_all_entities() RETURNS boolean
	AS 'MODULE_PATHNAME', 'sees_all_entities' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.sees_all_entities() IS 'true when the current query may see every entity: procgov_admin members (and superusers), and those a grant without entity applies to (the calling role, a role whose privileges it has, or the person a procgov_service login names in procgov.actor)';

CREATE FUNCTION procgov.visible_entities() RETURNS text[]
	AS 'MODULE_PATHNAME', 'visible_entities' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.visible_entities() IS 'the entities granted to the current query (the calling role, the roles whose privileges it has, and the person a procgov_service login names); procgov.sees_all_entities() says whether it sees all';

-- the API functions act only on the entities their caller may see
CREATE FUNCTION procgov.check_entity_access(entity text) RETURNS void
	AS 'MODULE_PATHNAME', 'check_entity_access' LANGUAGE C STABLE;
COMMENT ON FUNCTION procgov.check_entity_access(text) IS 'an error (42501) unless the calling role, or the person a procgov_service login names, may see and act on the entity';

-- every table with an entity: rows of the entities the query may see (the
-- two functions run once per query, as initplans); procgov's own functions
-- run as the tables' owner and see everything they need
DO $rls$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['entity', 'supplier', 'item', 'contract', 'budget', 'requisition', 'requisition_line',
			'purchase_order', 'purchase_order_line', 'purchase_order_version', 'acknowledgement', 'acknowledgement_line',
			'receipt', 'receipt_line', 'invoice', 'invoice_line', 'bank_change', 'exception_case', 'approval',
			'approval_step', 'document_commitment', 'signal', 'governed_row', 'outbox', 'policy', 'approval_rule',
			'approver', 'delegation', 'match_rule']
	LOOP
		EXECUTE pg_catalog.format('ALTER TABLE procgov.%I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE pg_catalog.format('CREATE POLICY entity_access ON procgov.%I USING ((SELECT procgov.sees_all_entities()) OR %I = ANY ((SELECT procgov.visible_entities())::text[]))',
								  t, CASE t WHEN 'outbox' THEN 'entity' ELSE 'entity_id' END);
	END LOOP;
END
$rls$;
-- tables whose rows without an entity are defaults for all (drift rules): those for everyone
ALTER TABLE procgov.drift_rule ENABLE ROW LEVEL SECURITY;
CREATE POLICY entity_access ON procgov.drift_rule
	USING (entity_id IS NULL OR (SELECT procgov.sees_all_entities()) OR entity_id = ANY ((SELECT procgov.visible_entities())::text[]));
-- the ledger: a document's stream names its entity (kind:entity:number); other streams only for who sees all
ALTER TABLE procgov.audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY entity_access ON procgov.audit_log
	USING ((SELECT procgov.sees_all_entities()) OR pg_catalog.split_part(stream, ':', 2) = ANY ((SELECT procgov.visible_entities())::text[]));

-- ---- the views ----

-- stream kind:entity:number into its parts
CREATE FUNCTION procgov.stream_part(stream text, part integer) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT CASE part
			WHEN 3 THEN pg_catalog.substr(stream, pg_catalog.length(pg_catalog.split_part(stream, ':', 1))
										  + pg_catalog.length(pg_catalog.split_part(stream, ':', 2)) + 3)
			ELSE pg_catalog.split_part(stream, ':', part) END $$;
COMMENT ON FUNCTION procgov.stream_part(text, integer) IS 'part 1 (kind), 2 (entity) or 3 (document number, which may itself hold colons) of a ledger stream name';

-- the entries a query may see, with their streams split: a security barrier,
-- so a reader's own conditions never see another entity's entries
CREATE VIEW procgov.audit_trail_entries WITH (security_barrier) AS
SELECT a.entry_id, a.logged_at, a.actor, a.db_user, s.entity_id, s.doc_kind, s.doc_number, a.action, a.payload, a.reason, a.seq
  FROM procgov.audit_log a
 -- the ledger's streams sort in "C"; the documents' columns in the database's collation (for their indexes);
 -- the parts as procgov.stream_part() gives them, spelled out so that no function call is made per entry
 CROSS JOIN LATERAL (SELECT split_part(a.stream, ':', 1) COLLATE "default" AS doc_kind,
							split_part(a.stream, ':', 2) COLLATE "default" AS entity_id,
							substr(a.stream, length(split_part(a.stream, ':', 1)) + length(split_part(a.stream, ':', 2)) + 3) COLLATE "default" AS doc_number) s
 WHERE (SELECT procgov.sees_all_entities()) OR s.entity_id = ANY ((SELECT procgov.visible_entities())::text[]);
COMMENT ON VIEW procgov.audit_trail_entries IS 'the ledger entries of the entities the query may see, streams split into kind, entity and number (behind procgov.audit_trail)';
COMMENT ON COLUMN procgov.audit_trail_entries.entry_id IS 'ledger entry id';
COMMENT ON COLUMN procgov.audit_trail_entries.logged_at IS 'when';
COMMENT ON COLUMN procgov.audit_trail_entries.actor IS 'the acting person';
COMMENT ON COLUMN procgov.audit_trail_entries.db_user IS 'the database login';
COMMENT ON COLUMN procgov.audit_trail_entries.entity_id IS 'entity (from the stream)';
COMMENT ON COLUMN procgov.audit_trail_entries.doc_kind IS 'kind (from the stream)';
COMMENT ON COLUMN procgov.audit_trail_entries.doc_number IS 'document number (from the stream)';
COMMENT ON COLUMN procgov.audit_trail_entries.action IS 'action';
COMMENT ON COLUMN procgov.audit_trail_entries.payload IS 'payload';
COMMENT ON COLUMN procgov.audit_trail_entries.reason IS 'reason';
COMMENT ON COLUMN procgov.audit_trail_entries.seq IS 'position in the stream';

-- not a barrier itself (the entries are), so the correlation id is looked up
-- after a query's sort and limit, for the rows it returns
CREATE VIEW procgov.audit_trail AS
SELECT e.entry_id, e.logged_at AS at, e.actor AS who, e.db_user AS login, e.entity_id, e.doc_kind, e.doc_number, e.action,
	   e.payload ->> 'from' AS from_state, e.payload ->> 'to' AS to_state, e.reason,
	   CASE e.doc_kind
			WHEN 'purchase_order' THEN (SELECT d.correlation_id FROM procgov.purchase_order d WHERE d.entity_id = e.entity_id AND d.number = e.doc_number)
			WHEN 'requisition' THEN (SELECT d.correlation_id FROM procgov.requisition d WHERE d.entity_id = e.entity_id AND d.number = e.doc_number)
			WHEN 'invoice' THEN (SELECT d.correlation_id FROM procgov.invoice d WHERE d.entity_id = e.entity_id AND d.number = e.doc_number)
			WHEN 'receipt' THEN (SELECT d.correlation_id FROM procgov.receipt d WHERE d.entity_id = e.entity_id AND d.number = e.doc_number)
			WHEN 'bank_change' THEN (SELECT d.correlation_id FROM procgov.bank_change d WHERE d.entity_id = e.entity_id AND d.number = e.doc_number)
	   END AS correlation_id,
	   e.payload -> 'local' ->> 'table' AS erp_table, e.payload -> 'local' ->> 'to' AS erp_status, e.seq
  FROM procgov.audit_trail_entries e;
COMMENT ON VIEW procgov.audit_trail IS 'the audit ledger in human terms: who did what to which document, from and to which state, when, why, with the document''s correlation id (heavy over the whole ledger: filter on at, or read the latest by entry_id)';
-- months of the ledger without a real index on it: entries are appended in time order
CREATE INDEX audit_log_logged_at ON procgov.audit_log USING brin (logged_at);
COMMENT ON COLUMN procgov.audit_trail.entry_id IS 'ledger entry id (procgov.audit_log)';
COMMENT ON COLUMN procgov.audit_trail.at IS 'when';
COMMENT ON COLUMN procgov.audit_trail.who IS 'the acting person (procgov.actor, else the login)';
COMMENT ON COLUMN procgov.audit_trail.login IS 'the database login that made the change';
COMMENT ON COLUMN procgov.audit_trail.entity_id IS 'entity';
COMMENT ON COLUMN procgov.audit_trail.doc_kind IS 'document kind (purchase_order, invoice, ...), or the stream''s kind (policy, governance, ...)';
COMMENT ON COLUMN procgov.audit_trail.doc_number IS 'document number';
COMMENT ON COLUMN procgov.audit_trail.action IS 'create, transition, update, approve, reject, escalate, adopt, ...';
COMMENT ON COLUMN procgov.audit_trail.from_state IS 'state before, for transitions';
COMMENT ON COLUMN procgov.audit_trail.to_state IS 'state after, for transitions';
COMMENT ON COLUMN procgov.audit_trail.reason IS 'the reason given (procgov.reason)';
COMMENT ON COLUMN procgov.audit_trail.correlation_id IS 'the document''s correlation id, shared with its events';
COMMENT ON COLUMN procgov.audit_trail.erp_table IS 'for a move made by a governed ERP table: the table';
COMMENT ON COLUMN procgov.audit_trail.erp_status IS 'for a move made by a governed ERP table: its local status after';
COMMENT ON COLUMN procgov.audit_trail.seq IS 'position in the document''s chain';

CREATE VIEW procgov.approval_queue WITH (security_barrier) AS
SELECT s.entity_id, s.step_id, s.doc_kind, s.doc_number, s.doc_version, s.step_no, s.role, a.approver, s.status,
	   s.required, s.approved, s.urgent, s.created_at AS waiting_since, now() - s.created_at AS age, s.due_at,
	   s.due_at < now() AS overdue, s.escalations, s.escalate_to,
	   coalesce(po.total, rq.total) AS amount, coalesce(po.buyer, rq.requester, bc.requested_by) AS requester, s.reason
  FROM procgov.approval_step s
 CROSS JOIN LATERAL unnest(CASE WHEN s.assigned_to = '{}' THEN ARRAY[NULL::text] ELSE s.assigned_to END) AS a(approver)
  LEFT JOIN procgov.purchase_order po ON s.doc_kind = 'purchase_order' AND po.entity_id = s.entity_id AND po.po_id = s.doc_id
  LEFT JOIN procgov.requisition rq ON s.doc_kind = 'requisition' AND rq.entity_id = s.entity_id AND rq.requisition_id = s.doc_id
  LEFT JOIN procgov.bank_change bc ON s.doc_kind = 'bank_change' AND bc.entity_id = s.entity_id AND bc.bank_change_id = s.doc_id
 WHERE s.status IN ('pending', 'held')
   AND ((SELECT procgov.sees_all_entities()) OR s.entity_id = ANY ((SELECT procgov.visible_entities())::text[]));
COMMENT ON VIEW procgov.approval_queue IS 'open approval steps, one row per step and person who may decide it (approver NULL: nobody is assigned)';
COMMENT ON COLUMN procgov.approval_queue.entity_id IS 'entity';
COMMENT ON COLUMN procgov.approval_queue.step_id IS 'approval step id';
COMMENT ON COLUMN procgov.approval_queue.doc_kind IS 'document kind';
COMMENT ON COLUMN procgov.approval_queue.doc_number IS 'document number';
COMMENT ON COLUMN procgov.approval_queue.doc_version IS 'the version the step approves';
COMMENT ON COLUMN procgov.approval_queue.step_no IS 'step number in the plan';
COMMENT ON COLUMN procgov.approval_queue.role IS 'the approving role';
COMMENT ON COLUMN procgov.approval_queue.approver IS 'a person the step was assigned to when it was planned or escalated; who may decide it is checked again when they do (limits, delegations and segregation of duties as of then: procgov.eligible_approvers)';
COMMENT ON COLUMN procgov.approval_queue.status IS 'pending, or held (an advisory hold a person must clear)';
COMMENT ON COLUMN procgov.approval_queue.required IS 'approvals required';
COMMENT ON COLUMN procgov.approval_queue.approved IS 'approvals given';
COMMENT ON COLUMN procgov.approval_queue.urgent IS 'on the expedite path';
COMMENT ON COLUMN procgov.approval_queue.waiting_since IS 'when the step was planned';
COMMENT ON COLUMN procgov.approval_queue.age IS 'how long it has waited';
COMMENT ON COLUMN procgov.approval_queue.due_at IS 'its SLA deadline';
COMMENT ON COLUMN procgov.approval_queue.overdue IS 'past its deadline';
COMMENT ON COLUMN procgov.approval_queue.escalations IS 'times escalated';
COMMENT ON COLUMN procgov.approval_queue.escalate_to IS 'where it escalates next';
COMMENT ON COLUMN procgov.approval_queue.amount IS 'the document''s total';
COMMENT ON COLUMN procgov.approval_queue.requester IS 'the document''s buyer or requester';
COMMENT ON COLUMN procgov.approval_queue.reason IS 'why the policy asks for the step';

CREATE VIEW procgov.approval_aging WITH (security_barrier) AS
SELECT q.entity_id, q.approver, q.role,
	   CASE WHEN q.age < interval '1 day' THEN '0-1 days' WHEN q.age < interval '3 days' THEN '1-3 days'
			WHEN q.age < interval '7 days' THEN '3-7 days' ELSE 'over 7 days' END AS age_bucket,
	   count(*) AS steps, count(*) FILTER (WHERE q.overdue) AS overdue, max(q.age) AS oldest
  FROM procgov.approval_queue q
 GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW procgov.approval_aging IS 'open approval steps by entity, approver, role and age bucket, with how many are overdue';
COMMENT ON COLUMN procgov.approval_aging.entity_id IS 'entity';
COMMENT ON COLUMN procgov.approval_aging.approver IS 'person who may decide (NULL: nobody assigned)';
COMMENT ON COLUMN procgov.approval_aging.role IS 'approving role';
COMMENT ON COLUMN procgov.approval_aging.age_bucket IS '0-1 days, 1-3 days, 3-7 days or over 7 days';
COMMENT ON COLUMN procgov.approval_aging.steps IS 'open steps';
COMMENT ON COLUMN procgov.approval_aging.overdue IS 'of them past their deadline';
COMMENT ON COLUMN procgov.approval_aging.oldest IS 'age of the oldest';

-- the month a time falls in, in UTC (immutable, so indexes can hold it)
CREATE FUNCTION procgov.utc_month(t timestamptz) RETURNS date
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT pg_catalog.date_trunc('month', t AT TIME ZONE 'UTC')::pg_catalog.date $$;
COMMENT ON FUNCTION procgov.utc_month(timestamptz) IS 'the first day of the UTC month a time falls in (the month column of the BI views)';
CREATE INDEX purchase_order_month ON procgov.purchase_order (entity_id, procgov.utc_month(created_at));
CREATE INDEX exception_case_month ON procgov.exception_case (entity_id, procgov.utc_month(opened_at));
CREATE INDEX acknowledgement_po ON procgov.acknowledgement (entity_id, po_id);
CREATE INDEX invoice_po ON procgov.invoice (entity_id, po_id);
CREATE INDEX purchase_order_requisition ON procgov.purchase_order (entity_id, requisition_id) WHERE requisition_id IS NOT NULL;

-- one row per order: when each stage of its life began and ended
CREATE VIEW procgov.order_milestones WITH (security_barrier) AS
SELECT po.entity_id, po.po_id, po.number, po.site, po.supplier_id, po.buyer, po.state, po.need_by,
	   (SELECT min(nullif(i.category_code, '')) FROM procgov.purchase_order_line l JOIN procgov.item i ON i.entity_id = l.entity_id AND i.item_id = l.item_id
		 WHERE l.entity_id = po.entity_id AND l.po_id = po.po_id) AS category,
	   procgov.utc_month(po.created_at) AS month,
	   rq.created_at AS requested_at, po.created_at AS ordered_at, po.submitted_at,
	   ap.approved_at,
	   -- the acknowledgement of the version approved (an order changed and approved again is acknowledged
	   -- again); an order approved by policy alone has no decision to count from
	   (SELECT min(k.received_at) FROM procgov.acknowledgement k WHERE k.entity_id = po.entity_id AND k.po_id = po.po_id
		   AND (ap.approved_at IS NULL OR k.received_at >= ap.approved_at)) AS acknowledged_at,
	   -- procgov's receipts, else (an ERP that books receipts in its own tables) the move into receiving
	   coalesce((SELECT min(r.received_at) FROM procgov.receipt r WHERE r.entity_id = po.entity_id AND r.po_id = po.po_id AND r.state = 'posted'),
				(SELECT min(x.logged_at) FROM procgov.audit_log x WHERE x.stream = 'purchase_order:' || po.entity_id || ':' || po.number
					AND x.action = 'transition' AND x.payload->>'to' IN ('partially_received', 'received'))) AS first_received_at,
	   -- when its first invoice became matched: the state change while it is matched, the ledger once it moved on
	   (SELECT min(CASE WHEN v.state = 'matched' THEN v.state_changed_at
						ELSE (SELECT min(x.logged_at) FROM procgov.audit_log x WHERE x.stream = 'invoice:' || v.entity_id || ':' || v.number
								 AND x.action = 'transition' AND x.payload->>'to' = 'matched') END)
		  FROM procgov.invoice v WHERE v.entity_id = po.entity_id AND v.po_id = po.po_id
		   AND v.state IN ('matched', 'posted', 'closed')) AS matched_at
  FROM procgov.purchase_order po
  LEFT JOIN procgov.requisition rq ON rq.entity_id = po.entity_id AND rq.requisition_id = po.requisition_id
  -- approved: the last decision that approved the version it carries (partial approvals of a
  -- plan not completed, and a version awaiting re-approval, are no approval of the order)
 CROSS JOIN LATERAL (SELECT max(a.decided_at) AS approved_at FROM procgov.approval a
		 WHERE a.entity_id = po.entity_id AND a.doc_kind = 'purchase_order' AND a.doc_id = po.po_id
		   AND a.decision = 'approved' AND a.doc_version = po.approved_version) ap
 WHERE (SELECT procgov.sees_all_entities()) OR po.entity_id = ANY ((SELECT procgov.visible_entities())::text[]);
COMMENT ON VIEW procgov.order_milestones IS 'one row per purchase order: when it was requested, ordered, submitted, approved, acknowledged, first received and matched (the facts behind cycle_times)';
COMMENT ON COLUMN procgov.order_milestones.entity_id IS 'entity';
COMMENT ON COLUMN procgov.order_milestones.po_id IS 'order id';
COMMENT ON COLUMN procgov.order_milestones.number IS 'order number';
COMMENT ON COLUMN procgov.order_milestones.site IS 'site (warehouse)';
COMMENT ON COLUMN procgov.order_milestones.supplier_id IS 'supplier id';
COMMENT ON COLUMN procgov.order_milestones.buyer IS 'buyer';
COMMENT ON COLUMN procgov.order_milestones.state IS 'current state';
COMMENT ON COLUMN procgov.order_milestones.need_by IS 'the date it is needed by';
COMMENT ON COLUMN procgov.order_milestones.category IS 'the lowest item category code among its lines (items without a category do not count; NULL when none has one)';
COMMENT ON COLUMN procgov.order_milestones.month IS 'the UTC month it was created in';
COMMENT ON COLUMN procgov.order_milestones.requested_at IS 'its requisition''s creation';
COMMENT ON COLUMN procgov.order_milestones.ordered_at IS 'its creation';
COMMENT ON COLUMN procgov.order_milestones.submitted_at IS 'its (last) submission for approval';
COMMENT ON COLUMN procgov.order_milestones.approved_at IS 'the last decision that approved the version it carries (NULL while no version is fully approved)';
COMMENT ON COLUMN procgov.order_milestones.acknowledged_at IS 'the supplier''s first acknowledgement after that approval';
COMMENT ON COLUMN procgov.order_milestones.first_received_at IS 'its first posted receipt; for an order received through a governed ERP table, its move into receiving (the ledger)';
COMMENT ON COLUMN procgov.order_milestones.matched_at IS 'when its first invoice became matched (its state change while matched, the ledger''s transition once posted or paid)';

CREATE VIEW procgov.cycle_times WITH (security_barrier) AS
SELECT m.entity_id, m.site, m.category, m.month, st.stage, count(*) AS documents,
	   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM st.took)) / 3600)::numeric, 2) AS p50_hours,
	   round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM st.took)) / 3600)::numeric, 2) AS p90_hours,
	   round((avg(extract(epoch FROM st.took)) / 3600)::numeric, 2) AS avg_hours
  FROM procgov.order_milestones m
 CROSS JOIN LATERAL (VALUES
		('requisition_to_order', m.ordered_at - m.requested_at),
		-- a version submitted again after its approval waits for its own
		('submit_to_approval', CASE WHEN m.approved_at >= m.submitted_at THEN m.approved_at - m.submitted_at END),
		('order_to_acknowledgement', m.acknowledged_at - m.approved_at),
		('acknowledgement_to_receipt', m.first_received_at - m.acknowledged_at),
		('receipt_to_match', m.matched_at - m.first_received_at)) AS st(stage, took)
 WHERE st.took IS NOT NULL
 GROUP BY m.entity_id, m.site, m.category, m.month, st.stage;
COMMENT ON VIEW procgov.cycle_times IS 'how long each stage of procure-to-pay takes, with percentiles, by entity, site, category, month (of the order''s creation) and stage (heavy unfiltered: filter on entity_id and month)';
COMMENT ON COLUMN procgov.cycle_times.entity_id IS 'entity';
COMMENT ON COLUMN procgov.cycle_times.site IS 'site';
COMMENT ON COLUMN procgov.cycle_times.category IS 'the order''s lowest item category';
COMMENT ON COLUMN procgov.cycle_times.month IS 'UTC month the orders were created in';
COMMENT ON COLUMN procgov.cycle_times.stage IS 'requisition_to_order, submit_to_approval, order_to_acknowledgement (from approval), acknowledgement_to_receipt (first receipt), receipt_to_match (first receipt to first matched invoice)';
COMMENT ON COLUMN procgov.cycle_times.documents IS 'orders that went through the stage';
COMMENT ON COLUMN procgov.cycle_times.p50_hours IS 'median duration, hours';
COMMENT ON COLUMN procgov.cycle_times.p90_hours IS '90th percentile, hours';
COMMENT ON COLUMN procgov.cycle_times.avg_hours IS 'mean duration, hours';

CREATE VIEW procgov.exception_rate WITH (security_barrier) AS
SELECT c.entity_id,
	   CASE c.doc_kind WHEN 'invoice' THEN 'matching' WHEN 'purchase_order' THEN 'ordering' WHEN 'budget' THEN 'budget'
					   ELSE c.doc_kind END AS stage,
	   c.kind, coalesce(sp.code, '') AS supplier, coalesce(pn.site, pi.site, '') AS site, procgov.utc_month(c.opened_at) AS month,
	   count(*) AS cases, count(*) FILTER (WHERE c.status = 'open') AS open, count(*) FILTER (WHERE c.status = 'resolved') AS closed,
	   count(*) FILTER (WHERE c.status = 'open' AND c.due_at < now()) AS overdue,
	   round((avg(extract(epoch FROM c.resolved_at - c.opened_at)) FILTER (WHERE c.status = 'resolved') / 3600)::numeric, 2) AS avg_hours_to_resolve
  FROM procgov.exception_case c
  LEFT JOIN procgov.invoice iv ON c.doc_kind = 'invoice' AND iv.entity_id = c.entity_id AND iv.number = c.doc_number
  LEFT JOIN procgov.purchase_order pn ON c.doc_kind = 'purchase_order' AND pn.entity_id = c.entity_id AND pn.number = c.doc_number
  LEFT JOIN procgov.purchase_order pi ON pi.entity_id = iv.entity_id AND pi.po_id = iv.po_id
  LEFT JOIN procgov.supplier sp ON sp.entity_id = c.entity_id AND sp.supplier_id = coalesce(iv.supplier_id, pn.supplier_id)
 WHERE (SELECT procgov.sees_all_entities()) OR c.entity_id = ANY ((SELECT procgov.visible_entities())::text[])
 GROUP BY 1, 2, 3, 4, 5, 6;
COMMENT ON VIEW procgov.exception_rate IS 'exception cases by entity, stage, kind, supplier, site and month opened: how many, open, closed, overdue, and the mean time to resolve';
COMMENT ON COLUMN procgov.exception_rate.entity_id IS 'entity';
COMMENT ON COLUMN procgov.exception_rate.stage IS 'ordering (order cases), matching (invoice cases), budget, or the document kind';
COMMENT ON COLUMN procgov.exception_rate.kind IS 'case kind (price_over, po_not_transmitted, erp_state_drift, ...)';
COMMENT ON COLUMN procgov.exception_rate.supplier IS 'supplier code ('''' when the case has none)';
COMMENT ON COLUMN procgov.exception_rate.site IS 'the order''s site ('''' when none)';
COMMENT ON COLUMN procgov.exception_rate.month IS 'UTC month the cases were opened in';
COMMENT ON COLUMN procgov.exception_rate.cases IS 'cases';
COMMENT ON COLUMN procgov.exception_rate.open IS 'still open';
COMMENT ON COLUMN procgov.exception_rate.closed IS 'resolved';
COMMENT ON COLUMN procgov.exception_rate.overdue IS 'open past their SLA';
COMMENT ON COLUMN procgov.exception_rate.avg_hours_to_resolve IS 'mean hours from opening to resolution, of the resolved';

CREATE INDEX purchase_order_supplier_created ON procgov.purchase_order (entity_id, supplier_id, created_at);
CREATE INDEX exception_case_kind_opened ON procgov.exception_case (entity_id, kind, opened_at);
CREATE VIEW procgov.supplier_performance WITH (security_barrier) AS
SELECT s.entity_id, s.supplier_id, s.code AS supplier, s.name, p.orders, p.avg_ack_delay_hours, p.on_time_rate,
	   p.in_full_rate, p.short_shipment_rate,
	   (SELECT count(*) FROM procgov.exception_case c JOIN procgov.invoice i ON i.entity_id = c.entity_id AND i.number = c.doc_number
		 WHERE c.entity_id = s.entity_id AND c.doc_kind = 'invoice' AND i.supplier_id = s.supplier_id
		   AND c.kind IN ('price_over', 'price_under') AND c.opened_at > now() - interval '90 days') AS price_variances,
	   s.risk_tier AS risk_signal, s.status
  FROM procgov.supplier s
 -- what each of its orders of the last 90 days says about the supplier, read per supplier
 CROSS JOIN LATERAL (
	SELECT count(*) AS orders,
		   round((avg(extract(epoch FROM o.acknowledged_at - o.approved_at)) / 3600)::numeric, 2) AS avg_ack_delay_hours,
		   round(avg(CASE WHEN o.first_received_at IS NOT NULL AND o.need_by IS NOT NULL
						  THEN ((o.first_received_at AT TIME ZONE 'UTC')::date <= o.need_by)::integer END), 3) AS on_time_rate,
		   round(avg(CASE WHEN o.finished THEN (NOT o.short)::integer END), 3) AS in_full_rate,
		   round(avg(CASE WHEN o.finished THEN o.short::integer END), 3) AS short_shipment_rate
	  FROM (SELECT po.state, po.need_by, po.state IN ('received', 'matched', 'closed') AS finished, ap.approved_at,
				   -- as procgov.order_milestones has them
				   (SELECT min(k.received_at) FROM procgov.acknowledgement k WHERE k.entity_id = po.entity_id AND k.po_id = po.po_id
					   AND (ap.approved_at IS NULL OR k.received_at >= ap.approved_at)) AS acknowledged_at,
				   coalesce((SELECT min(r.received_at) FROM procgov.receipt r WHERE r.entity_id = po.entity_id AND r.po_id = po.po_id AND r.state = 'posted'),
							(SELECT min(x.logged_at) FROM procgov.audit_log x WHERE x.stream = 'purchase_order:' || po.entity_id || ':' || po.number
								AND x.action = 'transition' AND x.payload->>'to' IN ('partially_received', 'received'))) AS first_received_at,
				   -- delivered short: a line of a finished order (closed short) not received in full
				   EXISTS (SELECT FROM procgov.purchase_order_line l WHERE l.entity_id = po.entity_id AND l.po_id = po.po_id
							  AND l.received_qty < l.quantity) AS short
			  FROM procgov.purchase_order po
			 CROSS JOIN LATERAL (SELECT max(a.decided_at) AS approved_at FROM procgov.approval a
					 WHERE a.entity_id = po.entity_id AND a.doc_kind = 'purchase_order' AND a.doc_id = po.po_id
					   AND a.decision = 'approved' AND a.doc_version = po.approved_version) ap
			 WHERE po.entity_id = s.entity_id AND po.supplier_id = s.supplier_id AND po.created_at > now() - interval '90 days'
			   AND po.state NOT IN ('draft', 'rejected', 'cancelled')
			OFFSET 0) o) p	-- OFFSET 0: each order's facts once, however often the figures use them
 WHERE (SELECT procgov.sees_all_entities()) OR s.entity_id = ANY ((SELECT procgov.visible_entities())::text[]);
COMMENT ON VIEW procgov.supplier_performance IS 'each supplier over its orders of the last 90 days: acknowledgement delay, on-time and in-full delivery, short shipments, price variances and the current risk signal (the jobs'' procgov.supplier_performance(as_of) function rates the tier)';
COMMENT ON COLUMN procgov.supplier_performance.entity_id IS 'entity';
COMMENT ON COLUMN procgov.supplier_performance.supplier_id IS 'supplier id';
COMMENT ON COLUMN procgov.supplier_performance.supplier IS 'supplier code';
COMMENT ON COLUMN procgov.supplier_performance.name IS 'supplier name';
COMMENT ON COLUMN procgov.supplier_performance.orders IS 'orders created in the last 90 days (not drafts, rejected or cancelled ones)';
COMMENT ON COLUMN procgov.supplier_performance.avg_ack_delay_hours IS 'mean hours from the approval of the order''s version to the supplier''s first acknowledgement of it';
COMMENT ON COLUMN procgov.supplier_performance.on_time_rate IS 'share of delivered orders whose first receipt came by the need-by date (0 to 1)';
COMMENT ON COLUMN procgov.supplier_performance.in_full_rate IS 'share of finished orders (received, matched or closed) with every line received in full';
COMMENT ON COLUMN procgov.supplier_performance.short_shipment_rate IS 'share of finished orders (received, matched or closed) with a line received short (closed short); orders still being delivered do not count';
COMMENT ON COLUMN procgov.supplier_performance.price_variances IS 'invoice price exception cases in the last 90 days';
COMMENT ON COLUMN procgov.supplier_performance.risk_signal IS 'current risk tier (low, medium, high), as the supplier performance job last rated it';
COMMENT ON COLUMN procgov.supplier_performance.status IS 'prospective, approved, on_hold or blocked';

CREATE VIEW procgov.off_contract_spend WITH (security_barrier) AS
SELECT x.entity_id, x.month, x.supplier, x.category, x.requester, x.finding, count(*) AS lines,
	   procgov.sum(x.spend) AS spend, procgov.sum(x.above_contract) AS above_contract
  FROM (SELECT po.entity_id, procgov.utc_month(po.created_at) AS month, sp.code AS supplier,
			   coalesce(it.category_code, '') AS category, po.buyer AS requester,
			   CASE WHEN k.price IS NULL THEN 'no contract' ELSE 'above contract' END AS finding,
			   l.quantity * l.unit_price AS spend,
			   CASE WHEN k.price IS NOT NULL THEN l.quantity * (l.unit_price - k.price) END AS above_contract
		  FROM procgov.purchase_order po
		  JOIN procgov.purchase_order_line l ON l.entity_id = po.entity_id AND l.po_id = po.po_id
		  JOIN procgov.supplier sp ON sp.entity_id = po.entity_id AND sp.supplier_id = po.supplier_id
		  LEFT JOIN procgov.item it ON it.entity_id = l.entity_id AND it.item_id = l.item_id
		  LEFT JOIN LATERAL (
			SELECT min(c.unit_price) AS price FROM procgov.contract c
			 WHERE c.entity_id = po.entity_id AND c.supplier_id = po.supplier_id
			   AND (c.item_id = l.item_id OR (c.item_id IS NULL AND it.category_code LIKE c.category_code || '%'))
			   AND (po.created_at AT TIME ZONE 'UTC')::date BETWEEN c.valid_from AND c.valid_to
			   AND procgov.currency(c.unit_price) = procgov.currency(l.unit_price)) k ON true
		 WHERE po.state NOT IN ('draft', 'rejected', 'cancelled')
		   AND ((SELECT procgov.sees_all_entities()) OR po.entity_id = ANY ((SELECT procgov.visible_entities())::text[]))) x
 WHERE x.above_contract IS NULL OR x.above_contract > procgov.amount(0, procgov.currency(x.above_contract))
 GROUP BY x.entity_id, x.month, x.supplier, x.category, x.requester, x.finding, procgov.currency(x.spend);
COMMENT ON VIEW procgov.off_contract_spend IS 'maverick spend: ordered lines (of orders past draft, not rejected or cancelled) with no contract for their item or category, or priced above it, by entity, month, supplier, category and requester (one row per currency)';
COMMENT ON COLUMN procgov.off_contract_spend.entity_id IS 'entity';
COMMENT ON COLUMN procgov.off_contract_spend.month IS 'UTC month the orders were created in';
COMMENT ON COLUMN procgov.off_contract_spend.supplier IS 'supplier code';
COMMENT ON COLUMN procgov.off_contract_spend.category IS 'item category ('''' for lines without an item)';
COMMENT ON COLUMN procgov.off_contract_spend.requester IS 'the buyer';
COMMENT ON COLUMN procgov.off_contract_spend.finding IS 'no contract, or above contract';
COMMENT ON COLUMN procgov.off_contract_spend.lines IS 'order lines';
COMMENT ON COLUMN procgov.off_contract_spend.spend IS 'their value (quantity x unit price)';
COMMENT ON COLUMN procgov.off_contract_spend.above_contract IS 'what they cost above the contract price (NULL without a contract)';

CREATE VIEW procgov.budget_commitment WITH (security_barrier) AS
SELECT b.entity_id, b.cost_center, b.period, b.amount AS budget, b.committed, b.spent,
	   b.amount - b.committed - b.spent AS available,
	   round((procgov.value(b.committed) + procgov.value(b.spent)) / nullif(procgov.value(b.amount), 0), 4) AS used_share,
	   (SELECT count(*) FROM procgov.document_commitment c WHERE c.entity_id = b.entity_id AND c.budget_id = b.budget_id) AS open_documents
  FROM procgov.budget b
 WHERE (SELECT procgov.sees_all_entities()) OR b.entity_id = ANY ((SELECT procgov.visible_entities())::text[]);
COMMENT ON VIEW procgov.budget_commitment IS 'each budget line: the budget, what approved orders commit, what is spent, and what is left';
COMMENT ON COLUMN procgov.budget_commitment.entity_id IS 'entity';
COMMENT ON COLUMN procgov.budget_commitment.cost_center IS 'cost centre';
COMMENT ON COLUMN procgov.budget_commitment.period IS 'year or month';
COMMENT ON COLUMN procgov.budget_commitment.budget IS 'the budget';
COMMENT ON COLUMN procgov.budget_commitment.committed IS 'committed by approved documents, not yet spent';
COMMENT ON COLUMN procgov.budget_commitment.spent IS 'spent';
COMMENT ON COLUMN procgov.budget_commitment.available IS 'budget - committed - spent';
COMMENT ON COLUMN procgov.budget_commitment.used_share IS '(committed + spent) / budget';
COMMENT ON COLUMN procgov.budget_commitment.open_documents IS 'documents holding a commitment on it';

CREATE VIEW procgov.sync_drift WITH (security_barrier) AS
SELECT c.entity_id, c.case_id, c.kind, c.doc_kind, c.doc_number, c.status, c.owner, c.opened_at, c.due_at,
	   c.status = 'open' AND c.due_at < now() AS overdue, c.resolved_at, c.resolution,
	   c.details ->> 'table' AS erp_table, c.details ->> 'local_status' AS erp_status, c.details ->> 'state' AS procgov_state,
	   c.details ->> 'problem' AS problem, c.details
  FROM procgov.exception_case c
 WHERE c.kind IN (SELECT DISTINCT r.kind FROM procgov.drift_rule r)
   AND ((SELECT procgov.sees_all_entities()) OR c.entity_id = ANY ((SELECT procgov.visible_entities())::text[]));
COMMENT ON VIEW procgov.sync_drift IS 'the cases the reconciliation job opened for drift (orders not sent or not acknowledged, overdue receipts, uninvoiced receipts, stale disputes, budget drift, governed ERP rows that disagree with procgov), open and closed';
COMMENT ON COLUMN procgov.sync_drift.entity_id IS 'entity';
COMMENT ON COLUMN procgov.sync_drift.case_id IS 'exception case id';
COMMENT ON COLUMN procgov.sync_drift.kind IS 'the drift rule (procgov.drift_rule)';
COMMENT ON COLUMN procgov.sync_drift.doc_kind IS 'document kind';
COMMENT ON COLUMN procgov.sync_drift.doc_number IS 'document number';
COMMENT ON COLUMN procgov.sync_drift.status IS 'open or resolved';
COMMENT ON COLUMN procgov.sync_drift.owner IS 'who owns it';
COMMENT ON COLUMN procgov.sync_drift.opened_at IS 'when it was found';
COMMENT ON COLUMN procgov.sync_drift.due_at IS 'its SLA deadline';
COMMENT ON COLUMN procgov.sync_drift.overdue IS 'open past its deadline';
COMMENT ON COLUMN procgov.sync_drift.resolved_at IS 'when it closed';
COMMENT ON COLUMN procgov.sync_drift.resolution IS 'how (cleared: the drift went away)';
COMMENT ON COLUMN procgov.sync_drift.erp_table IS 'erp_state_drift and erp_line_drift: the ERP table';
COMMENT ON COLUMN procgov.sync_drift.erp_status IS 'erp_state_drift: the row''s local status';
COMMENT ON COLUMN procgov.sync_drift.procgov_state IS 'erp_state_drift and erp_line_drift: the document''s state';
COMMENT ON COLUMN procgov.sync_drift.problem IS 'erp_state_drift: what disagrees';
COMMENT ON COLUMN procgov.sync_drift.details IS 'everything the job recorded';

CREATE VIEW procgov.policy_coverage WITH (security_barrier) AS
-- the union inside a subquery: a barrier over a bare UNION ALL would let a caller's
-- conditions into each branch ahead of the entity predicate
SELECT * FROM (
-- rules of an active or retired version that never planned a step
SELECT r.entity_id, p.version AS policy_version, p.status AS policy_status, 'rule never fired'::text AS finding,
	   r.name AS rule, NULL::text AS doc_kind, NULL::text AS doc_number, NULL::timestamptz AS at
  FROM procgov.approval_rule r JOIN procgov.policy p ON p.entity_id = r.entity_id AND p.policy_id = r.policy_id
 WHERE p.status IN ('active', 'retired')
   AND NOT EXISTS (SELECT FROM procgov.approval_step s WHERE s.entity_id = r.entity_id AND s.policy_id = r.policy_id
					  AND r.name = ANY (s.rules))
   -- an auto-approval or a block leaves no step: no trace says whether it fired
   AND r.outcome NOT IN ('auto_approve', 'block')
   AND ((SELECT procgov.sees_all_entities()) OR r.entity_id = ANY ((SELECT procgov.visible_entities())::text[]))
UNION ALL
-- documents no rule covered: the default role approved them
SELECT s.entity_id, p.version, p.status, 'no rule covered the document', NULL, s.doc_kind, s.doc_number, s.created_at
  FROM procgov.approval_step s JOIN procgov.policy p ON p.entity_id = s.entity_id AND p.policy_id = s.policy_id
 WHERE s.rules = '{}' AND s.status <> 'superseded'
   AND ((SELECT procgov.sees_all_entities()) OR s.entity_id = ANY ((SELECT procgov.visible_entities())::text[]))
) u;

COMMENT ON VIEW procgov.policy_coverage IS 'where the approval matrix does not fit: rules of active or retired versions that never planned a step (auto-approvals and blocks leave no step and are not listed), and documents no rule covered, approved by the default role';
COMMENT ON COLUMN procgov.policy_coverage.entity_id IS 'entity';
COMMENT ON COLUMN procgov.policy_coverage.policy_version IS 'policy version';
COMMENT ON COLUMN procgov.policy_coverage.policy_status IS 'active or retired';
COMMENT ON COLUMN procgov.policy_coverage.finding IS 'rule never fired, or no rule covered the document';
COMMENT ON COLUMN procgov.policy_coverage.rule IS 'the rule that never fired';
COMMENT ON COLUMN procgov.policy_coverage.doc_kind IS 'the uncovered document''s kind';
COMMENT ON COLUMN procgov.policy_coverage.doc_number IS 'the uncovered document''s number';
COMMENT ON COLUMN procgov.policy_coverage.at IS 'when the document was planned';

CREATE VIEW procgov.job_health AS
SELECT j.job, l.started_at AS last_started_at, l.finished_at AS last_finished_at, l.status AS last_status,
	   l.finished_at - l.started_at AS last_duration, l.rows_affected AS last_rows_affected, l.error AS last_error,
	   (SELECT max(x.started_at) FROM procgov.job_run x WHERE x.job = j.job AND x.status = 'succeeded') AS last_success_at,
	   (SELECT count(*) FROM procgov.job_run x WHERE x.job = j.job AND x.started_at > now() - interval '1 day') AS runs_24h,
	   (SELECT count(*) FROM procgov.job_run x WHERE x.job = j.job AND x.started_at > now() - interval '1 day' AND x.status = 'failed') AS failures_24h,
	   (SELECT avg(x.finished_at - x.started_at) FROM procgov.job_run x WHERE x.job = j.job AND x.started_at > now() - interval '7 days'
		   AND x.status = 'succeeded') AS avg_duration_7d
  FROM (VALUES ('escalations'), ('reconciliation'), ('supplier_performance'), ('seal_audit'), ('match_pending')) AS j(job)
  LEFT JOIN LATERAL (SELECT * FROM procgov.job_run x WHERE x.job = j.job ORDER BY x.started_at DESC LIMIT 1) l ON true;
COMMENT ON VIEW procgov.job_health IS 'each procgov job: its last run (when, how long, what it did, its error), its last success, and runs and failures over the last day (operational: no entity)';
COMMENT ON COLUMN procgov.job_health.job IS 'escalations, reconciliation, supplier_performance, seal_audit or match_pending';
COMMENT ON COLUMN procgov.job_health.last_started_at IS 'when its last run started (NULL: never ran)';
COMMENT ON COLUMN procgov.job_health.last_finished_at IS 'when it ended';
COMMENT ON COLUMN procgov.job_health.last_status IS 'succeeded, failed, skipped or running';
COMMENT ON COLUMN procgov.job_health.last_duration IS 'how long it took';
COMMENT ON COLUMN procgov.job_health.last_rows_affected IS 'what it did';
COMMENT ON COLUMN procgov.job_health.last_error IS 'its error, when it failed';
COMMENT ON COLUMN procgov.job_health.last_success_at IS 'when it last succeeded';
COMMENT ON COLUMN procgov.job_health.runs_24h IS 'runs started in the last day';
COMMENT ON COLUMN procgov.job_health.failures_24h IS 'of them failed';
COMMENT ON COLUMN procgov.job_health.avg_duration_7d IS 'mean duration of its successful runs over 7 days';

CREATE VIEW procgov.event_backlog AS
SELECT c.consumer, c.acked_id AS acknowledged_up_to, (SELECT max(o.id) FROM procgov.outbox o) AS latest_event,
	   p.pending, p.oldest_pending_age,
	   c.delivered, c.acknowledged, c.dead_lettered, c.failures AS current_failures, c.last_poll_at, c.last_ack_at,
	   c.claim_expires > now() AS claim_active
  FROM procgov.consumer c
 -- not yet done: committed after the consumer's done snapshot (the outbox's txid BRIN index finds them)
 CROSS JOIN LATERAL (
	SELECT count(*) AS pending, now() - min(o.occurred_at) AS oldest_pending_age FROM procgov.outbox o
	 WHERE (o.txid::text::bigint) >= pg_snapshot_xmin(c.done_snapshot)::text::bigint
	   AND NOT pg_visible_in_snapshot(o.txid, c.done_snapshot)) p;
COMMENT ON VIEW procgov.event_backlog IS 'each registered event consumer: how far it acknowledged, how many events wait for it and for how long, and its counts (operational: no entity)';
COMMENT ON COLUMN procgov.event_backlog.consumer IS 'consumer name';
COMMENT ON COLUMN procgov.event_backlog.acknowledged_up_to IS 'the highest event id it acknowledged';
COMMENT ON COLUMN procgov.event_backlog.latest_event IS 'the newest event id in the outbox';
COMMENT ON COLUMN procgov.event_backlog.pending IS 'events it has not acknowledged yet (committed after its done snapshot; in-flight claims count)';
COMMENT ON COLUMN procgov.event_backlog.oldest_pending_age IS 'how long the oldest of them has waited';
COMMENT ON COLUMN procgov.event_backlog.delivered IS 'events handed to it';
COMMENT ON COLUMN procgov.event_backlog.acknowledged IS 'events it acknowledged';
COMMENT ON COLUMN procgov.event_backlog.dead_lettered IS 'events given up after the retry limit';
COMMENT ON COLUMN procgov.event_backlog.current_failures IS 'failures of the event it is stuck on';
COMMENT ON COLUMN procgov.event_backlog.last_poll_at IS 'its last poll';
COMMENT ON COLUMN procgov.event_backlog.last_ack_at IS 'its last acknowledgement';
COMMENT ON COLUMN procgov.event_backlog.claim_active IS 'it holds a claim on events now';
-- END bi

-- BEGIN bi privileges
-- the views are the BI contract: procgov_reader reads them and nothing else
REVOKE ALL ON procgov.audit_trail, procgov.audit_trail_entries, procgov.approval_queue, procgov.approval_aging, procgov.order_milestones,
	procgov.cycle_times, procgov.exception_rate, procgov.supplier_performance, procgov.off_contract_spend,
	procgov.budget_commitment, procgov.sync_drift, procgov.policy_coverage, procgov.job_health,
	procgov.event_backlog, procgov.entity_grant FROM PUBLIC;
GRANT SELECT ON procgov.audit_trail, procgov.approval_queue, procgov.approval_aging, procgov.order_milestones,
	procgov.cycle_times, procgov.exception_rate, procgov.supplier_performance, procgov.off_contract_spend,
	procgov.budget_commitment, procgov.sync_drift, procgov.policy_coverage, procgov.job_health, procgov.event_backlog
	TO procgov_reader, procgov_auditor, procgov_admin;
GRANT SELECT ON procgov.approval_queue, procgov.approval_aging TO procgov_approver;
GRANT SELECT ON procgov.entity_grant TO procgov_admin, procgov_auditor;
GRANT INSERT, UPDATE, DELETE ON procgov.entity_grant TO procgov_admin;
-- the row-level security predicates every role evaluates (they reveal only the caller's own grants)
GRANT EXECUTE ON FUNCTION procgov.sees_all_entities(), procgov.visible_entities(),
	procgov.calling_role() TO PUBLIC;
REVOKE EXECUTE ON FUNCTION procgov.check_entity_access(text) FROM PUBLIC;
-- END bi privileges

-- BEGIN builtin rows
-- The rows procgov ships in its rule tables (builtin) are made by CREATE
-- EXTENSION, and pg_dump keeps only a site's own rows: a restore makes the
-- shipped ones again.  So that a site's edits survive a dump and restore:
-- editing a shipped row makes it the site's own (builtin false, dumped);
-- editing or deleting one records its key in procgov.builtin_removed
-- (dumped), whose rows delete the shipped row again when a restore inserts
-- them; and a restore (replica mode) inserting a site's row in place of a
-- shipped one replaces it, whatever order the tables come back in.
CREATE TABLE procgov.builtin_removed (
	tbl			text NOT NULL CHECK (tbl IN ('event_type', 'guard', 'effect', 'transition', 'drift_rule', 'entity_grant')),
	key			jsonb NOT NULL CHECK (jsonb_typeof(key) = 'object'),
	removed_at	timestamptz NOT NULL DEFAULT now(),
	removed_by	text NOT NULL DEFAULT current_user,
	CONSTRAINT builtin_removed_pkey PRIMARY KEY (tbl, key)
);
COMMENT ON TABLE procgov.builtin_removed IS 'keys of rows procgov ships (transitions, guards, effects, event types, drift rules, the auditor''s grant) that a site edited or deleted: kept by pg_dump, so a restore removes the shipped row again';
COMMENT ON COLUMN procgov.builtin_removed.tbl IS 'the rule table';
COMMENT ON COLUMN procgov.builtin_removed.key IS 'the shipped row''s key columns, as jsonb (e.g. {"kind": "purchase_order", "from_state": "draft", "to_state": "pending_approval"})';
COMMENT ON COLUMN procgov.builtin_removed.removed_at IS 'when the site edited or deleted it';
COMMENT ON COLUMN procgov.builtin_removed.removed_by IS 'the database role that did';
SELECT pg_catalog.pg_extension_config_dump('procgov.builtin_removed', '');
REVOKE ALL ON procgov.builtin_removed FROM PUBLIC;
GRANT SELECT ON procgov.builtin_removed TO procgov_admin, procgov_auditor;

-- the key of a rule table's row, from the key columns the trigger names
CREATE FUNCTION procgov.builtin_key(r jsonb, cols text[]) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	AS $$ SELECT jsonb_object_agg(c, r -> c) FROM unnest(cols) AS c $$;
COMMENT ON FUNCTION procgov.builtin_key(jsonb, text[]) IS 'the key of a rule table''s row (its key columns, NULLs included) as jsonb';
REVOKE EXECUTE ON FUNCTION procgov.builtin_key(jsonb, text[]) FROM PUBLIC;

CREATE FUNCTION procgov.builtin_rows() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	cols text[] := TG_ARGV;
	old_row jsonb;
	new_row jsonb;
BEGIN
	IF TG_OP = 'INSERT' THEN
		-- only CREATE EXTENSION makes shipped rows (before this trigger exists; an update
		-- script that adds some disables it meanwhile): a row added as builtin would not be
		-- dumped, and a restore would lose it
		IF NEW.builtin THEN
			RAISE EXCEPTION 'a row of procgov.% cannot be made builtin', TG_TABLE_NAME
				USING ERRCODE = '42501',
					  DETAIL = format('The row is %s.', procgov.builtin_key(to_jsonb(NEW), cols)),
					  HINT = 'Insert it with builtin false: a site''s own rows are kept by pg_dump.';
		END IF;
		-- a restore brings a site's row back in place of the shipped one CREATE EXTENSION made
		IF current_setting('session_replication_role') = 'replica' THEN
			EXECUTE format('DELETE FROM procgov.%I t WHERE t.builtin AND to_jsonb(t) @> $1', TG_TABLE_NAME)
			  USING procgov.builtin_key(to_jsonb(NEW), cols);
		END IF;
		RETURN NEW;
	END IF;
	old_row := to_jsonb(OLD);
	IF TG_OP = 'UPDATE' THEN
		new_row := to_jsonb(NEW);
		IF NEW.builtin AND NOT OLD.builtin THEN
			RAISE EXCEPTION 'a row of procgov.% cannot be made builtin', TG_TABLE_NAME
				USING ERRCODE = '42501',
					  DETAIL = format('The row is %s.', procgov.builtin_key(old_row, cols)),
					  HINT = 'builtin marks the rows procgov ships; a site''s own rows are kept by pg_dump only while it is false.';
		END IF;
		IF NOT OLD.builtin OR (new_row - 'builtin') = (old_row - 'builtin') THEN
			RETURN NEW;
		END IF;
		NEW.builtin := false;
	END IF;
	-- (a row a restore replaces, below and in builtin_removed_restored, is not the site's doing)
	IF OLD.builtin AND pg_trigger_depth() = 1 THEN
		INSERT INTO procgov.builtin_removed (tbl, key) VALUES (TG_TABLE_NAME, procgov.builtin_key(old_row, cols))
		ON CONFLICT (tbl, key) DO NOTHING;
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION procgov.builtin_rows() IS 'trigger on procgov''s rule tables (arguments: the key columns): an edited shipped row becomes the site''s own, an edited or deleted one is recorded in procgov.builtin_removed, and a restore''s site row replaces the shipped one';

CREATE FUNCTION procgov.builtin_removed_restored() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
BEGIN
	-- a key a restore (or a DBA) inserts; one builtin_rows records is of a row already going
	IF pg_trigger_depth() = 1 THEN
		EXECUTE format('DELETE FROM procgov.%I t WHERE t.builtin AND to_jsonb(t) @> $1', NEW.tbl) USING NEW.key;
	END IF;
	-- a key already on record stays once (a restore's COPY has no ON CONFLICT)
	IF EXISTS (SELECT FROM procgov.builtin_removed b WHERE b.tbl = NEW.tbl AND b.key = NEW.key) THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION procgov.builtin_removed_restored() IS 'trigger on procgov.builtin_removed: deletes the shipped row a recorded key names (what a restore brings back; a site''s own row of that key is left alone)';
CREATE TRIGGER builtin_removed_restored BEFORE INSERT ON procgov.builtin_removed
	FOR EACH ROW EXECUTE FUNCTION procgov.builtin_removed_restored();
ALTER TABLE procgov.builtin_removed ENABLE ALWAYS TRIGGER builtin_removed_restored;

DO $builtin$
DECLARE
	t record;
BEGIN
	FOR t IN SELECT * FROM (VALUES ('event_type', ARRAY['event_type']), ('guard', ARRAY['guard']), ('effect', ARRAY['effect']),
			('transition', ARRAY['kind', 'from_state', 'to_state']), ('drift_rule', ARRAY['entity_id', 'kind']),
			('entity_grant', ARRAY['grantee', 'entity_id'])) AS x(tbl, cols)
	LOOP
		EXECUTE format('CREATE TRIGGER builtin_rows BEFORE INSERT OR UPDATE OR DELETE ON procgov.%I FOR EACH ROW '
					   'EXECUTE FUNCTION procgov.builtin_rows(%s)', t.tbl,
					   (SELECT string_agg(quote_literal(c), ', ') FROM unnest(t.cols) AS c));
		EXECUTE format('ALTER TABLE procgov.%I ENABLE ALWAYS TRIGGER builtin_rows', t.tbl);
		EXECUTE format('COMMENT ON TRIGGER builtin_rows ON procgov.%I IS %L', t.tbl,
					   'keeps a site''s edits of the rows procgov ships through pg_dump and restore (procgov.builtin_removed)');
	END LOOP;
END
$builtin$;
-- END builtin rows

-- BEGIN recorded changes
-- Who changed the master data and the rules, and how: every insert, update
-- and delete of the tables an administrator or a controller edits is a
-- ledger entry on the row's stream (docs/audit.md, "Master data and
-- rules").  Made last, so that the rows the script ships are not entries.
-- Ordinary triggers: a restore in replica mode brings rows back without
-- new entries, as it brings documents back unjudged.
CREATE FUNCTION procgov.record_change() RETURNS trigger
	AS 'MODULE_PATHNAME', 'record_change' LANGUAGE C;
COMMENT ON FUNCTION procgov.record_change() IS 'trigger on procgov''s master data and rule tables: appends each insert, update (the columns that changed) and delete to the ledger on the row''s stream';
DO $recorded$
DECLARE
	t record;
BEGIN
	FOR t IN SELECT * FROM (VALUES
			('entity', ARRAY['entity_id']),
			('supplier', ARRAY['entity_id', 'code']),
			('item', ARRAY['entity_id', 'sku']),
			('contract', ARRAY['entity_id', 'number']),
			-- every commitment and spending too: the line's stream is its whole history
			('budget', ARRAY['entity_id', 'cost_center', 'period']),
			-- one person's stream (delegations are on it too); each update names the role
			('approver', ARRAY['entity_id', 'person', '+role']),
			-- streams read kind:entity:rest, as documents' do; the rules belong to no entity
			('transition', ARRAY['', 'kind', 'from_state', 'to_state']),
			('guard', ARRAY['', 'guard']),
			('effect', ARRAY['', 'effect']),
			('event_type', ARRAY['', 'event_type']),
			('drift_rule', ARRAY['entity_id', 'kind']),
			('entity_grant', ARRAY['entity_id', 'grantee'])) AS x(tbl, args)
	LOOP
		EXECUTE format('CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON procgov.%I FOR EACH ROW '
					   'EXECUTE FUNCTION procgov.record_change(%L, %s)', t.tbl, t.tbl,
					   (SELECT string_agg(quote_literal(c), ', ') FROM unnest(t.args) AS c));
		EXECUTE format('COMMENT ON TRIGGER record_change ON procgov.%I IS %L', t.tbl,
					   'records each change of the row in the audit ledger, on stream ' || t.tbl || ':'
					   || (SELECT string_agg(CASE c WHEN '' THEN '' ELSE '<' || c || '>' END, ':') FROM unnest(t.args) AS c
							WHERE c NOT LIKE '+%'));
	END LOOP;
END
$recorded$;
-- END recorded changes

-- BEGIN dump
-- Everything a site stores survives pg_dump: configuration and documents,
-- with the sequences behind their ids.  procgov's own rows of the rule
-- tables are reinstalled with the extension instead.  Restore into a new
-- database with PGOPTIONS='-c session_replication_role=replica' so the
-- governance triggers do not judge history again (docs/model.md).
DO $dump$
DECLARE
	t text;
	s text;
BEGIN
	FOREACH t IN ARRAY ARRAY['entity', 'supplier', 'item', 'contract', 'budget', 'document_counter', 'requisition',
			'requisition_line', 'purchase_order', 'purchase_order_line', 'purchase_order_version', 'acknowledgement',
			'acknowledgement_line', 'receipt', 'receipt_line', 'invoice', 'invoice_line', 'bank_change', 'exception_case',
			'approval', 'idempotency', 'document_commitment', 'outbox', 'policy', 'approval_rule', 'approver', 'delegation',
			'approval_step', 'signal', 'match_rule', 'job_run', 'governed_table', 'state_map', 'governed_row']
	LOOP
		PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.format('procgov.%I', t)::regclass, '');
		FOR s IN SELECT pg_catalog.pg_get_serial_sequence(pg_catalog.format('procgov.%I', t), a.attname)
				   FROM pg_catalog.pg_attribute a
				  WHERE a.attrelid = pg_catalog.format('procgov.%I', t)::regclass AND a.attnum > 0 AND NOT a.attisdropped
					AND pg_catalog.pg_get_serial_sequence(pg_catalog.format('procgov.%I', t), a.attname) IS NOT NULL
		LOOP
			PERFORM pg_catalog.pg_extension_config_dump(s::regclass, '');
		END LOOP;
	END LOOP;
END
$dump$;
-- END dump

-- BEGIN function privileges
-- Nothing that acts with procgov's rights is PUBLIC's: no SECURITY DEFINER
-- function and no trigger function (a trigger function attached to a table
-- of one's own would write the ledger and the outbox as procgov does).  The
-- roles are granted what they need above; this catches what a later change
-- forgets.
DO $functions$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN
		SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
		 WHERE p.pronamespace = 'procgov'::regnamespace
		   AND (p.prosecdef OR p.prorettype IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype))
	LOOP
		EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
	END LOOP;
END
$functions$;
-- END function privileges
