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
							 'procgov_receiver', 'procgov_auditor', 'procgov_reader',
							 'procgov_consumer']
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
	CONSTRAINT event_type_name CHECK (event_type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$')
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
	('supplier.bank_changed', 'a supplier''s bank account changed', true),
	('policy.activated', 'a policy version became active', true),
	('audit.sealed', 'audit ledger entries were sealed into a block', true);
SELECT pg_catalog.pg_extension_config_dump('procgov.event_type', 'WHERE NOT builtin');

CREATE FUNCTION procgov.event_type_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'event_type_changed' LANGUAGE C;
COMMENT ON FUNCTION procgov.event_type_changed() IS 'trigger: makes every backend reload its cache of event types';
CREATE TRIGGER event_type_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON procgov.event_type
	FOR EACH STATEMENT EXECUTE FUNCTION procgov.event_type_changed();

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
	INSERT INTO procgov.consumer (consumer, retry_limit, lease, done_snapshot)
	VALUES (register_consumer.consumer, register_consumer.retry_limit, register_consumer.lease,
			CASE WHEN from_beginning THEN '1:1:'::pg_snapshot ELSE pg_current_snapshot() END);
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

-- the first and last event id that committed between two snapshots
CREATE FUNCTION procgov.events_between(since pg_snapshot, upto pg_snapshot,
	OUT first_id bigint, OUT last_id bigint)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
		-- the range condition on the txid's bigint form lets the BRIN index find the rows
		SELECT min(o.id), max(o.id)
		  FROM procgov.outbox o
		 WHERE (o.txid::text)::bigint >= (pg_catalog.pg_snapshot_xmin(since)::text)::bigint
		   AND (o.txid::text)::bigint < (pg_catalog.pg_snapshot_xmax(upto)::text)::bigint
		   AND NOT pg_catalog.pg_visible_in_snapshot(o.txid, since)
		   AND pg_catalog.pg_visible_in_snapshot(o.txid, upto)
	$$;
COMMENT ON FUNCTION procgov.events_between(pg_snapshot, pg_snapshot) IS 'the lowest and highest event id whose transaction committed between two snapshots (used by poll and replay)';

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

CREATE FUNCTION procgov.poll(consumer text, max integer DEFAULT 100)
	RETURNS TABLE (id bigint, type text, aggregatetype text, aggregateid text,
				   occurred_at timestamptz, envelope jsonb)
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
	UPDATE procgov.consumer k SET last_poll_at = clock_timestamp() WHERE k.consumer = c.consumer;

	-- a live claim belongs to another worker: hand out nothing meanwhile
	IF c.claimed_id IS NOT NULL AND c.claim_expires > clock_timestamp() THEN
		RETURN;
	END IF;

	FOR attempt IN 1..2 LOOP
		IF c.replay_snapshot IS NULL AND c.batch_snapshot IS NULL THEN
			-- open a batch: the transactions that committed since done_snapshot
			snap := pg_current_snapshot();
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
						   delivered = k.delivered + (SELECT count(*) FROM b)
					 WHERE k.consumer = c.consumer AND EXISTS (SELECT FROM b))
			SELECT (b.e).id, (b.e).type, (b.e).aggregatetype, (b.e).aggregateid, (b.e).occurred_at,
				   procgov.envelope(b.e)
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
CREATE FUNCTION procgov.claimed_event(c procgov.consumer, event_id bigint, verb text) RETURNS void
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
BEGIN
	IF event_id IS NULL OR c.claimed_id IS NULL OR event_id > c.claimed_id OR event_id <= c.acked_id THEN
		RAISE EXCEPTION 'event % is not awaiting acknowledgement by consumer "%"', event_id, c.consumer
			USING ERRCODE = '55000',
				  DETAIL = CASE WHEN c.claimed_id IS NULL
							   THEN 'The consumer has no events handed out.'
							   ELSE format('The consumer awaits events after %s up to %s.', c.acked_id, c.claimed_id) END,
				  HINT = format('%s only events that procgov.poll() handed out and that were not acknowledged yet; after the lease lapses, poll again.', verb);
	END IF;
END
$$;
COMMENT ON FUNCTION procgov.claimed_event(procgov.consumer, bigint, text) IS 'refuse an ack or nack of an event that is not awaiting acknowledgement (used by ack and nack)';

CREATE FUNCTION procgov.ack(consumer text, event_id bigint) RETURNS boolean
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
	PERFORM procgov.claimed_event(c, event_id, 'Acknowledge');
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
COMMENT ON FUNCTION procgov.ack(text, bigint) IS 'acknowledge a handed-out event and every event handed out before it; false when it was acknowledged already';

CREATE FUNCTION procgov.nack(consumer text, event_id bigint, error text) RETURNS text
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
	PERFORM procgov.claimed_event(c, event_id, 'Refuse');
	-- the events handed out before this one were processed
	SELECT count(*) INTO n FROM procgov.consumer_events(c, c.acked_id, event_id - 1, 100000);
	n_failed := CASE WHEN c.failing_id = event_id THEN c.failures + 1 ELSE 1 END;
	errs := CASE WHEN c.failing_id = event_id THEN c.failure_errors ELSE '{}' END
			|| coalesce(error, '(no error given)');
	IF n_failed >= c.retry_limit THEN
		INSERT INTO procgov.dead_letter (consumer, event_id, errors, event)
		SELECT c.consumer, o.id, errs, procgov.envelope(o) FROM procgov.outbox o WHERE o.id = event_id
		ON CONFLICT ON CONSTRAINT dead_letter_pkey DO UPDATE SET errors = excluded.errors, failed_at = now();
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
COMMENT ON FUNCTION procgov.nack(text, bigint, text) IS 'report a failed delivery: the events handed out before it count as acknowledged, this one is handed out again, or moved to procgov.dead_letter at the retry limit; returns retry or dead_letter';

CREATE FUNCTION procgov.replay(consumer text, from_event_id bigint) RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = pg_catalog, procgov, pg_temp
	AS $$
DECLARE
	c procgov.consumer;
	snap pg_snapshot := pg_current_snapshot();
	first_undone bigint;
BEGIN
	IF from_event_id IS NULL OR from_event_id < 1 THEN
		RAISE EXCEPTION 'replay must start at an event id of 1 or more'
			USING ERRCODE = '22023', DETAIL = format('from_event_id is %s.', coalesce(from_event_id::text, 'NULL')),
				  HINT = 'Pass the id of the first event to deliver again.';
	END IF;
	c := procgov.consumer_for_update(consumer);
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
	DELETE FROM procgov.outbox o
	 WHERE o.occurred_at < now() - older_than
	   AND NOT EXISTS (SELECT FROM procgov.consumer c
						WHERE NOT pg_visible_in_snapshot(o.txid, c.done_snapshot));
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION procgov.prune_outbox(interval) IS 'delete events older than the given age that every consumer has acknowledged; returns how many';

-- privileges: events are written by procgov's functions only
REVOKE ALL ON procgov.outbox, procgov.consumer, procgov.dead_letter, procgov.event_type FROM PUBLIC;
REVOKE ALL ON SEQUENCE procgov.outbox_id_seq FROM PUBLIC;
GRANT SELECT ON procgov.outbox, procgov.consumer, procgov.dead_letter, procgov.event_type
	TO procgov_admin, procgov_consumer, procgov_auditor;
GRANT INSERT, UPDATE, DELETE ON procgov.event_type TO procgov_admin;
REVOKE EXECUTE ON FUNCTION procgov.emit(text, text, jsonb, uuid, bigint, bigint, text),
	procgov.event_type_changed(), procgov.register_consumer(text, boolean, integer, interval),
	procgov.drop_consumer(text), procgov.consumer_for_update(text),
	procgov.events_between(pg_snapshot, pg_snapshot),
	procgov.consumer_events(procgov.consumer, bigint, bigint, integer), procgov.poll(text, integer),
	procgov.claimed_event(procgov.consumer, bigint, text), procgov.ack(text, bigint),
	procgov.nack(text, bigint, text), procgov.replay(text, bigint), procgov.prune_outbox(interval)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION procgov.emit(text, text, jsonb, uuid, bigint, bigint, text),
	procgov.register_consumer(text, boolean, integer, interval), procgov.drop_consumer(text),
	procgov.prune_outbox(interval)
	TO procgov_admin;
GRANT EXECUTE ON FUNCTION procgov.poll(text, integer), procgov.ack(text, bigint),
	procgov.nack(text, bigint, text), procgov.replay(text, bigint)
	TO procgov_admin, procgov_consumer;
-- END events
