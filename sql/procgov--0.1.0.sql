-- procgov 0.1.0 install script
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION procgov" to load this file. \quit

-- Every object is schema-qualified; the schema is created by CREATE EXTENSION
-- (procgov.control: schema = procgov, not relocatable).

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
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR procgov.<= (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_le, COMMUTATOR = OPERATOR(procgov.>=), NEGATOR = OPERATOR(procgov.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR procgov.> (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_gt, COMMUTATOR = OPERATOR(procgov.<), NEGATOR = OPERATOR(procgov.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR procgov.>= (LEFTARG = procgov.amount, RIGHTARG = procgov.amount,
	FUNCTION = procgov.amount_ge, COMMUTATOR = OPERATOR(procgov.<=), NEGATOR = OPERATOR(procgov.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR procgov.= (procgov.amount, procgov.amount) IS 'equal: same currency and same value';
COMMENT ON OPERATOR procgov.<> (procgov.amount, procgov.amount) IS 'not equal';
COMMENT ON OPERATOR procgov.< (procgov.amount, procgov.amount) IS 'less than (one currency only)';
COMMENT ON OPERATOR procgov.<= (procgov.amount, procgov.amount) IS 'less than or equal (one currency only)';
COMMENT ON OPERATOR procgov.> (procgov.amount, procgov.amount) IS 'greater than (one currency only)';
COMMENT ON OPERATOR procgov.>= (procgov.amount, procgov.amount) IS 'greater than or equal (one currency only)';

CREATE OPERATOR CLASS procgov.amount_ops DEFAULT FOR TYPE procgov.amount USING btree AS
	OPERATOR 1 procgov.<,
	OPERATOR 2 procgov.<=,
	OPERATOR 3 procgov.=,
	OPERATOR 4 procgov.>=,
	OPERATOR 5 procgov.>,
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

CREATE TYPE procgov.amountrange AS RANGE (
	SUBTYPE = procgov.amount,
	SUBTYPE_OPCLASS = procgov.amount_ops,
	SUBTYPE_DIFF = procgov.amount_subdiff
);
COMMENT ON TYPE procgov.amountrange IS 'range of procgov.amount values in one currency; GiST-indexable (see procgov.band)';

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
-- END identifiers
