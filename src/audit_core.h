/*-------------------------------------------------------------------------
 * src/audit_core.h
 *		The audit ledger's hashing rules in pure C (no PostgreSQL headers):
 *		SHA-256, the canonical byte serialization of entries and blocks, the
 *		Merkle tree of a sealed block, and the analysis of one stream's
 *		chain.  The extension, the standalone verifier (procgov-verify) and
 *		the unit tests all use this one file, so the rules an auditor reads
 *		in docs/audit.md are the rules every checker applies.
 *
 * Serialization (docs/audit.md, "How a hash is computed"): a message is a
 * sequence of fields, each written as a 4-byte big-endian length and then
 * its bytes; an absent (SQL NULL) field is the length 0xFFFFFFFF and no
 * bytes.  The first field names the record kind and version.
 *-------------------------------------------------------------------------
 */
#ifndef PROCGOV_AUDIT_CORE_H
#define PROCGOV_AUDIT_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_LEN		32
#define AUDIT_HEX_LEN		(2 * AUDIT_HASH_LEN)

/* Record kinds, the first field of every message. */
#define AUDIT_ENTRY_TAG		"procgov.audit.entry.v1"
#define AUDIT_BLOCK_TAG		"procgov.audit.block.v1"

/* Canonical UTC time text "YYYY-MM-DDTHH:MM:SS.ffffffZ", NUL included. */
#define AUDIT_TIME_LEN		28

/* Prefix of the digest text that procgov.audit_digest() hands out. */
#define AUDIT_DIGEST_PREFIX "procgov-audit:v1:"

/*
 * ---- SHA-256 (FIPS 180-4) ----
 * Portable C, or the x86 SHA extensions when the CPU has them (chosen at
 * the first use; set audit_sha256_portable_only before it to test the
 * portable code on such a CPU).
 */
extern bool audit_sha256_portable_only;

/* Does this process hash with the CPU's SHA extensions? */
extern bool audit_sha256_accelerated(void);

typedef struct audit_sha256_ctx
{
	uint32_t	state[8];
	uint64_t	length;			/* bytes hashed so far */
	uint8_t		block[64];
	size_t		used;			/* bytes waiting in block */
} audit_sha256_ctx;

extern void audit_sha256_init(audit_sha256_ctx *ctx);
extern void audit_sha256_update(audit_sha256_ctx *ctx, const void *data, size_t len);
extern void audit_sha256_final(audit_sha256_ctx *ctx, uint8_t out[AUDIT_HASH_LEN]);

/* A one-shot SHA-256 function, as the Merkle and message helpers take it. */
typedef void (*audit_hash_fn) (const uint8_t *data, size_t len, uint8_t out[AUDIT_HASH_LEN]);

extern void audit_sha256(const uint8_t *data, size_t len, uint8_t out[AUDIT_HASH_LEN]);

/* ---- canonical serialization ---- */

/* One field of a message: data == NULL means absent (SQL NULL). */
typedef struct audit_field
{
	const char *data;
	size_t		len;
} audit_field;

/* The fields of an entry after the tag, in message order. */
typedef enum audit_entry_field
{
	AE_PREV_HASH = 0,			/* 32 raw bytes; zeros for a stream's first entry */
	AE_ENTRY_ID,				/* decimal */
	AE_STREAM,
	AE_SEQ,						/* decimal, 1 for a stream's first entry */
	AE_AT,						/* canonical UTC time text */
	AE_TXID,					/* decimal 64-bit transaction id (xid8) */
	AE_ACTOR,
	AE_DB_USER,
	AE_ACTION,
	AE_PAYLOAD,					/* jsonb text form, or absent */
	AE_REASON,					/* or absent */
	AE_NFIELDS
} audit_entry_field;

/* The fields of a block after the tag, in message order. */
typedef enum audit_block_field
{
	AB_PREV_HASH = 0,			/* 32 raw bytes; zeros for block 1 */
	AB_BLOCK_ID,				/* decimal */
	AB_FIRST_ENTRY_ID,			/* decimal */
	AB_LAST_ENTRY_ID,			/* decimal */
	AB_ENTRY_COUNT,				/* decimal */
	AB_MERKLE_ROOT,				/* 32 raw bytes */
	AB_SEALED_AT,				/* canonical UTC time text */
	AB_SEALED_BY,
	AB_NFIELDS
} audit_block_field;

/*
 * Bytes of the message made of tag and fields; write it into buf (which may
 * be NULL to only measure) and return its length.
 */
extern size_t audit_message(const char *tag, const audit_field *fields, int nfields,
							uint8_t *buf);

/* Hash of a message; buf is scratch space of audit_message()'s length. */
extern void audit_message_hash(const char *tag, const audit_field *fields, int nfields,
							   uint8_t *buf, audit_hash_fn fn,
							   uint8_t out[AUDIT_HASH_LEN]);

/* Decimal text of a signed 64-bit number into buf[21]; returns its length. */
extern size_t audit_int64_text(int64_t v, char *buf);

/* Same for an unsigned 64-bit number. */
extern size_t audit_uint64_text(uint64_t v, char *buf);

/*
 * Canonical time text of a count of microseconds since 1970-01-01 00:00 UTC
 * into buf[AUDIT_TIME_LEN]; false for years outside 0001..9999.
 */
extern bool audit_time_text(int64_t unix_usec, char *buf);

/* Lower-case hex of n bytes into out[2n + 1]. */
extern void audit_hex(const uint8_t *in, size_t n, char *out);

/* Parse exactly 2n hex digits (either case) into out[n]; false if malformed. */
extern bool audit_unhex(const char *in, size_t len, uint8_t *out, size_t n);

/* ---- Merkle tree (RFC 6962 shape) over a block's entry hashes ---- */

/*
 * Leaves are H(0x00 || entry hash), inner nodes H(0x01 || left || right),
 * and a tree of n leaves splits at the largest power of two below n.  The
 * builder takes leaves one at a time and keeps O(log n) state.
 */
typedef struct audit_merkle
{
	audit_hash_fn fn;
	int			depth;			/* subtrees on the stack */
	uint64_t	count;			/* leaves added */
	uint8_t		height[64];
	uint8_t		node[64][AUDIT_HASH_LEN];
} audit_merkle;

extern void audit_merkle_init(audit_merkle *m, audit_hash_fn fn);
extern void audit_merkle_add(audit_merkle *m, const uint8_t entry_hash[AUDIT_HASH_LEN]);

/* The root; false when no leaf was added. */
extern bool audit_merkle_root(audit_merkle *m, uint8_t out[AUDIT_HASH_LEN]);

/* Root of n consecutive 32-byte entry hashes; false when n is 0. */
extern bool audit_merkle_of(const uint8_t *hashes, size_t n, audit_hash_fn fn,
							uint8_t out[AUDIT_HASH_LEN]);

/* ---- blocks ---- */

/* A sealed block's hashed fields, as read from the table or an export. */
typedef struct audit_block_info
{
	int64_t		block_id;
	int64_t		first_id;
	int64_t		last_id;
	int64_t		count;
	uint8_t		root[AUDIT_HASH_LEN];
	uint8_t		prev[AUDIT_HASH_LEN];
	uint8_t		hash[AUDIT_HASH_LEN];	/* as stored */
	char		sealed_at[AUDIT_TIME_LEN];
	const char *sealed_by;
	size_t		sealed_by_len;
	bool		usable;			/* every field present and well formed */
} audit_block_info;

/* Hash of a block's fields. */
extern void audit_block_hash(const audit_block_info *b, audit_hash_fn fn,
							 uint8_t out[AUDIT_HASH_LEN]);

/* What the block checks report: kind is "changed", "deleted" or "inserted". */
typedef void (*audit_block_report) (void *arg, const char *kind, int64_t block_id,
									const uint8_t *expected, const uint8_t *found,
									const char *detail);

/*
 * Check the chain of blocks, sorted by block id: ids 1, 2, 3 ..., each
 * stored hash recomputed, each prev_hash the hash of the block before, each
 * range starting where the one before ended.  Returns the problem count.
 */
extern int	audit_block_chain_check(const audit_block_info *blocks, size_t n,
									audit_hash_fn fn, audit_block_report report,
									void *arg);

/*
 * After matching a block's entries to its leaves: leaf_entry[i] is the id
 * of the entry whose hash is leaf i (0 when none), strays the ids of the
 * entries in the block's range whose hash is no leaf, ascending.  An
 * unmatched leaf and a stray between the same matched neighbours are one
 * rewritten entry (changed); other unmatched leaves are deleted entries,
 * other strays inserted ones.  report() gets the leaf index (or -1) and
 * the stray's position in strays (or -1).
 */
typedef void (*audit_leaf_report) (void *arg, const char *kind, int64_t leaf,
								   long stray, int64_t below, int64_t above);

extern void audit_block_classify(const int64_t *leaf_entry, int64_t nleaves,
								 const int64_t *strays, size_t nstrays,
								 int64_t first_id, int64_t last_id,
								 audit_leaf_report report, void *arg);

/* ---- analysis of one stream's chain ---- */

/* One entry of a stream as the checker sees it. */
typedef struct audit_link
{
	int64_t		entry_id;
	int64_t		seq;
	uint8_t		prev_hash[AUDIT_HASH_LEN];
	uint8_t		hash[AUDIT_HASH_LEN];	/* as stored */
	bool		hash_ok;		/* the stored hash is the hash of the content */
} audit_link;

typedef enum audit_problem_kind
{
	AP_CHANGED,
	AP_DELETED,
	AP_INSERTED,
	AP_REORDERED
} audit_problem_kind;

extern const char *audit_problem_name(audit_problem_kind kind);

/* What audit_stream_check() reports, one call per problem. */
typedef void (*audit_chain_report) (void *arg, audit_problem_kind kind,
									const audit_link *entry,	/* NULL for a missing entry */
									int64_t seq,
									const uint8_t *expected,	/* hash expected, or NULL */
									const uint8_t *found,	/* hash found, or NULL */
									const char *detail);

/*
 * Check the links of one stream's entries, sorted by (seq, entry_id): seq
 * numbers run 1, 2, 3 ... without gap or repeat, the first prev_hash is all
 * zeros and each other one is the stored hash of the entry before.  Reports
 * each break with the kind of tampering it looks like and returns the
 * number of problems.  A stored hash that does not match its content is
 * the caller's to report (it knows the content); here hash_ok only keeps
 * one edit from being reported twice.
 */
extern int	audit_stream_check(const audit_link *links, size_t n,
							   audit_chain_report report, void *arg);

#endif							/* PROCGOV_AUDIT_CORE_H */
