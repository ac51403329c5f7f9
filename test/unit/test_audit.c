/*-------------------------------------------------------------------------
 * test/unit/test_audit.c
 *		Unit tests of the audit ledger's pure-C core: SHA-256 against the
 *		FIPS 180-4 examples, the canonical serialization against hashes
 *		computed independently (Python hashlib, see docs/audit.md), the
 *		Merkle root against RFC 6962's recursive definition, the time text,
 *		and the classification of broken chains.  Prints TAP.
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_core.h"

static int	n_run = 0,
			n_failed = 0;

static void
check(int ok, const char *what, const char *got)
{
	n_run++;
	if (!ok)
		n_failed++;
	printf("%sok %d - %s%s%s\n", ok ? "" : "not ", n_run, what,
		   ok ? "" : " # got: ", ok ? "" : got);
}

static void
sha_case(const char *msg, size_t len, const char *hex, const char *what)
{
	uint8_t		h[AUDIT_HASH_LEN];
	char		got[AUDIT_HEX_LEN + 1];

	audit_sha256((const uint8_t *) msg, len, h);
	audit_hex(h, AUDIT_HASH_LEN, got);
	check(strcmp(got, hex) == 0, what, got);
}

static void
test_sha256(void)
{
	audit_sha256_ctx ctx;
	uint8_t		h[AUDIT_HASH_LEN];
	char		got[AUDIT_HEX_LEN + 1];
	char	   *million = malloc(1000000);
	size_t		i;

	sha_case("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of the empty string");
	sha_case("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of \"abc\" (FIPS 180-4 example)");
	sha_case("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
			 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "sha256 of the 448-bit example (two blocks of padding)");
	memset(million, 'a', 1000000);
	sha_case(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "sha256 of a million 'a'");

	/* the same bytes fed in uneven pieces give the same digest */
	audit_sha256_init(&ctx);
	for (i = 0; i < 1000000;)
	{
		size_t		piece = 1 + (i * 7919) % 131;

		if (piece > 1000000 - i)
			piece = 1000000 - i;
		audit_sha256_update(&ctx, million + i, piece);
		i += piece;
	}
	audit_sha256_final(&ctx, h);
	audit_hex(h, AUDIT_HASH_LEN, got);
	check(strcmp(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0,
		  "sha256 fed in uneven pieces", got);
	free(million);

	/* the CPU's SHA extensions (when present) agree with the portable code */
	{
		static uint8_t msg[3000],
					fast[400][AUDIT_HASH_LEN],
					slow[AUDIT_HASH_LEN];
		int			same = 1,
					accel;
		unsigned	x = 12345;
		char		what[120];

		for (i = 0; i < sizeof(msg); i++)
		{
			x = x * 1103515245 + 12345;
			msg[i] = (uint8_t) (x >> 16);
		}
		accel = audit_sha256_accelerated();
		for (i = 0; i < 400; i++)
			audit_sha256(msg + i, i * 7, fast[i]);
		audit_sha256_portable_only = true;
		for (i = 0; i < 400; i++)
		{
			audit_sha256(msg + i, i * 7, slow);
			if (memcmp(slow, fast[i], AUDIT_HASH_LEN) != 0)
				same = 0;
		}
		audit_sha256_portable_only = false;
		snprintf(what, sizeof(what), "sha256 with the CPU's SHA extensions (%s here) agrees with portable C on 400 messages",
				 accel ? "present" : "absent");
		check(same, what, "differs");
	}
}

static void
test_time(void)
{
	char		buf[AUDIT_TIME_LEN];

	audit_time_text(0, buf);
	check(strcmp(buf, "1970-01-01T00:00:00.000000Z") == 0, "time text of the Unix epoch", buf);
	audit_time_text(INT64_C(946684800000000), buf);
	check(strcmp(buf, "2000-01-01T00:00:00.000000Z") == 0, "time text of PostgreSQL's epoch", buf);
	audit_time_text(-1, buf);
	check(strcmp(buf, "1969-12-31T23:59:59.999999Z") == 0, "time text one microsecond before 1970", buf);
	audit_time_text(INT64_C(1709208245000042), buf);
	check(strcmp(buf, "2024-02-29T12:04:05.000042Z") == 0, "time text of a leap day", buf);
	audit_time_text(INT64_C(1795606861123456), buf);
	check(strcmp(buf, "2026-11-25T11:41:01.123456Z") == 0, "time text with microseconds", buf);
	check(!audit_time_text(INT64_C(253402300800000000), buf), "year 10000 is refused", "accepted");
}

static void
test_serialization(void)
{
	static const char tag_bytes[] = "\x00\x00\x00\x16procgov.audit.entry.v1";
	uint8_t		zero[AUDIT_HASH_LEN] = {0};
	uint8_t		buf[1024],
				h1[AUDIT_HASH_LEN],
				h2[AUDIT_HASH_LEN];
	char		hex[AUDIT_HEX_LEN + 1];
	audit_field f[AE_NFIELDS];
	size_t		len;

#define SET(i, s) (f[i].data = (s), f[i].len = strlen(s))
	f[AE_PREV_HASH].data = (const char *) zero;
	f[AE_PREV_HASH].len = AUDIT_HASH_LEN;
	SET(AE_ENTRY_ID, "1");
	SET(AE_STREAM, "po:PO-1");
	SET(AE_SEQ, "1");
	SET(AE_AT, "2026-11-25T11:41:01.123456Z");
	SET(AE_TXID, "742");
	SET(AE_ACTOR, "jdoe");
	SET(AE_DB_USER, "erp");
	SET(AE_ACTION, "submit");
	SET(AE_PAYLOAD, "{\"amount\": \"100.00 USD\"}");
	f[AE_REASON].data = NULL;
	f[AE_REASON].len = 0;

	len = audit_message(AUDIT_ENTRY_TAG, f, AE_NFIELDS, NULL);
	check(len == audit_message(AUDIT_ENTRY_TAG, f, AE_NFIELDS, buf), "measuring and writing a message agree", "differ");
	check(memcmp(buf, tag_bytes, 26) == 0, "a message starts with the length-prefixed tag", "other bytes");
	check(memcmp(buf + len - 4, "\xff\xff\xff\xff", 4) == 0, "an absent reason is written as length 0xFFFFFFFF", "other bytes");

	audit_message_hash(AUDIT_ENTRY_TAG, f, AE_NFIELDS, buf, audit_sha256, h1);
	audit_hex(h1, AUDIT_HASH_LEN, hex);
	check(strcmp(hex, "f8a6e786ec3c2d60e46e6059d192c7b7de11642ed939367239d6bd520292dac0") == 0,
		  "entry hash matches an independent computation", hex);

	f[AE_PREV_HASH].data = (const char *) h1;
	SET(AE_ENTRY_ID, "2");
	SET(AE_SEQ, "2");
	SET(AE_AT, "2026-11-25T11:41:02.000000Z");
	SET(AE_TXID, "743");
	SET(AE_ACTOR, "anna");
	SET(AE_ACTION, "approve");
	SET(AE_PAYLOAD, "{}");
	SET(AE_REASON, "within limit");
	audit_message_hash(AUDIT_ENTRY_TAG, f, AE_NFIELDS, buf, audit_sha256, h2);
	audit_hex(h2, AUDIT_HASH_LEN, hex);
	check(strcmp(hex, "a233a54a65250605d7d9ee00963f811db3a1ae9e83a439ea18b7cc605da2b384") == 0,
		  "chained second entry matches an independent computation", hex);

	/* an empty reason is not an absent one */
	SET(AE_REASON, "");
	audit_message_hash(AUDIT_ENTRY_TAG, f, AE_NFIELDS, buf, audit_sha256, h1);
	f[AE_REASON].data = NULL;
	audit_message_hash(AUDIT_ENTRY_TAG, f, AE_NFIELDS, buf, audit_sha256, h2);
	check(memcmp(h1, h2, AUDIT_HASH_LEN) != 0, "an empty field and an absent field hash differently", "same");
#undef SET
}

/* RFC 6962's recursive definition, to check the streaming builder against. */
static void
mth(const uint8_t (*leaves)[AUDIT_HASH_LEN], size_t n, uint8_t out[AUDIT_HASH_LEN])
{
	uint8_t		buf[1 + 2 * AUDIT_HASH_LEN];
	size_t		k = 1;

	if (n == 1)
	{
		buf[0] = 0;
		memcpy(buf + 1, leaves[0], AUDIT_HASH_LEN);
		audit_sha256(buf, 1 + AUDIT_HASH_LEN, out);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	buf[0] = 1;
	mth(leaves, k, buf + 1);
	mth(leaves + k, n - k, buf + 1 + AUDIT_HASH_LEN);
	audit_sha256(buf, sizeof(buf), out);
}

static void
test_merkle(void)
{
	uint8_t		leaves[300][AUDIT_HASH_LEN],
				r1[AUDIT_HASH_LEN],
				r2[AUDIT_HASH_LEN];
	char		hex[AUDIT_HEX_LEN + 1];
	audit_merkle m;
	size_t		n,
				i;
	int			all_same = 1;

	for (i = 0; i < 300; i++)
	{
		uint8_t		b = (uint8_t) i;

		audit_sha256(&b, 1, leaves[i]);
	}
	audit_merkle_init(&m, audit_sha256);
	check(!audit_merkle_root(&m, r1), "an empty tree has no root", "root");

	for (n = 1; n <= 300; n++)
	{
		audit_merkle_init(&m, audit_sha256);
		for (i = 0; i < n; i++)
			audit_merkle_add(&m, leaves[i]);
		audit_merkle_root(&m, r1);
		mth((const uint8_t (*)[AUDIT_HASH_LEN]) leaves, n, r2);
		if (memcmp(r1, r2, AUDIT_HASH_LEN) != 0)
			all_same = 0;
		if (n == 7)
		{
			audit_hex(r1, AUDIT_HASH_LEN, hex);
			check(strcmp(hex, "bee2275db16667589a4515f63e0d053a2fa602c1d9f9703e98920a5bdad59baf") == 0,
				  "root of 7 leaves matches an independent computation", hex);
		}
	}
	check(all_same, "streaming root equals RFC 6962's recursive root for 1..300 leaves", "differs");
}

/* ---- chain analysis ---- */

static char reports[1024];

static void
collect(void *arg, audit_problem_kind kind, const audit_link *entry, int64_t seq,
		const uint8_t *expected, const uint8_t *found, const char *detail)
{
	size_t		used = strlen(reports);

	(void) arg;
	(void) expected;
	(void) found;
	(void) detail;
	snprintf(reports + used, sizeof(reports) - used, "%s%s@%lld#%lld",
			 used ? " " : "", audit_problem_name(kind), (long long) seq,
			 entry ? (long long) entry->entry_id : -1LL);
}

/* A clean chain of n links: ids 10, 20, ..., seqs 1..n, hashes H(i). */
static void
make_chain(audit_link *l, int n)
{
	int			i;

	memset(l, 0, sizeof(audit_link) * n);
	for (i = 0; i < n; i++)
	{
		uint8_t		b = (uint8_t) (i + 1);

		l[i].entry_id = 10 * (i + 1);
		l[i].seq = i + 1;
		audit_sha256(&b, 1, l[i].hash);
		if (i > 0)
			memcpy(l[i].prev_hash, l[i - 1].hash, AUDIT_HASH_LEN);
		l[i].hash_ok = 1;
	}
}

static void
chain_case(audit_link *l, int n, const char *want, const char *what)
{
	reports[0] = '\0';
	audit_stream_check(l, (size_t) n, collect, NULL);
	check(strcmp(reports, want) == 0, what, reports);
}

static void
test_chain(void)
{
	audit_link l[6],
				tmp;

	make_chain(l, 5);
	chain_case(l, 5, "", "an intact chain has no problem");

	make_chain(l, 5);
	memmove(&l[2], &l[3], sizeof(audit_link) * 2);		/* seq 3 deleted */
	chain_case(l, 4, "deleted@3#-1", "a missing seq is a deletion");

	make_chain(l, 5);
	memmove(&l[1], &l[3], sizeof(audit_link) * 2);		/* seq 2 and 3 deleted */
	chain_case(l, 3, "deleted@2#-1", "a run of missing seqs is one deletion");

	make_chain(l, 5);
	memmove(&l[3], &l[2], sizeof(audit_link) * 3);		/* a forged second seq 3 */
	l[2].entry_id = 99;
	memset(l[2].prev_hash, 7, AUDIT_HASH_LEN);
	l[2].hash[0] ^= 1;
	chain_case(l, 6, "inserted@3#99", "a second entry for a seq is an insertion");

	make_chain(l, 5);
	tmp = l[1];											/* seq 2 and 3 swapped */
	l[1] = l[2];
	l[2] = tmp;
	l[1].seq = 2;
	l[2].seq = 3;
	l[1].hash_ok = l[2].hash_ok = 0;
	chain_case(l, 5, "reordered@2#30 reordered@3#20", "swapped seqs are a reordering");

	make_chain(l, 5);
	l[2].hash[0] ^= 1;									/* seq 3 rewritten and re-hashed */
	chain_case(l, 5, "changed@3#30", "a re-hashed entry is named by its successor's link");

	make_chain(l, 5);
	l[0].prev_hash[5] = 1;								/* first entry's prev_hash edited and re-hashed */
	chain_case(l, 5, "changed@1#10", "a first entry must link to zeros");

	make_chain(l, 5);
	l[3].prev_hash[0] ^= 1;								/* prev_hash edited but hash not recomputed */
	l[3].hash_ok = 0;
	chain_case(l, 5, "", "a link edit in a self-inconsistent entry is left to the content check");
}

int
main(void)
{
	test_sha256();
	test_time();
	test_serialization();
	test_merkle();
	test_chain();
	printf("1..%d\n", n_run);
	return n_failed ? 1 : 0;
}
