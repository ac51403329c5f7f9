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
							 'procgov_receiver', 'procgov_auditor', 'procgov_reader']
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
COMMENT ON VIEW procgov.audit_export IS 'the ledger in the canonical text form procgov-verify reads: \copy (SELECT * FROM procgov.audit_export ORDER BY entry_id) TO ''entries.tsv''';
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
COMMENT ON VIEW procgov.audit_block_export IS 'sealed blocks in the canonical text form procgov-verify reads: \copy (SELECT * FROM procgov.audit_block_export ORDER BY block_id) TO ''blocks.tsv''';
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
