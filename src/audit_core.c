/*-------------------------------------------------------------------------
 * src/audit_core.c
 *		The audit ledger's hashing rules in pure C: SHA-256, canonical
 *		serialization, Merkle roots and the analysis of one stream's chain.
 *		See audit_core.h and docs/audit.md.
 *-------------------------------------------------------------------------
 */
#include "audit_core.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define AUDIT_HAVE_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ===================================================================
 * SHA-256, written from FIPS 180-4 section 6.2
 * =================================================================== */

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROTR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

/* Process one 64-byte block into the state. */
static void
sha256_compress(uint32_t state[8], const uint8_t *p)
{
	uint32_t	w[64],
				a, b, c, d, e, f, g, h;
	int			t;

	for (t = 0; t < 16; t++)
		w[t] = ((uint32_t) p[4 * t] << 24) | ((uint32_t) p[4 * t + 1] << 16) |
			((uint32_t) p[4 * t + 2] << 8) | (uint32_t) p[4 * t + 3];
	for (t = 16; t < 64; t++)
	{
		uint32_t	s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t	s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);

		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	a = state[0];
	b = state[1];
	c = state[2];
	d = state[3];
	e = state[4];
	f = state[5];
	g = state[6];
	h = state[7];
	for (t = 0; t < 64; t++)
	{
		uint32_t	t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) +
			((e & f) ^ (~e & g)) + sha256_k[t] + w[t];
		uint32_t	t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) +
			((a & b) ^ (a & c) ^ (b & c));

		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
}

#ifdef AUDIT_HAVE_SHANI
/*
 * The same compression with the x86 SHA extensions (Intel SHA-NI, AMD Zen):
 * SHA256RNDS2 does two rounds on the state kept as ABEF/CDGH, and
 * SHA256MSG1/MSG2 extend the message schedule four words at a time.
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void
sha256_compress_shani(uint32_t state[8], const uint8_t *p)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i		st0,
				st1,
				tmp,
				msg,
				abef,
				cdgh,
				w[4];
	int			i;

	tmp = _mm_loadu_si128((const __m128i *) &state[0]);
	st1 = _mm_loadu_si128((const __m128i *) &state[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);		/* CDAB */
	st1 = _mm_shuffle_epi32(st1, 0x1B);		/* EFGH */
	st0 = _mm_alignr_epi8(tmp, st1, 8);		/* ABEF */
	st1 = _mm_blend_epi16(st1, tmp, 0xF0);	/* CDGH */
	abef = st0;
	cdgh = st1;

	for (i = 0; i < 16; i++)
	{
		if (i < 4)
			w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (p + 16 * i)), bswap);
		msg = _mm_add_epi32(w[i & 3], _mm_loadu_si128((const __m128i *) &sha256_k[4 * i]));
		st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
		if (i >= 3 && i < 15)
		{
			/* W[4(i+1) .. 4(i+1)+3] from the words before */
			tmp = _mm_alignr_epi8(w[i & 3], w[(i + 3) & 3], 4);
			w[(i + 1) & 3] = _mm_add_epi32(w[(i + 1) & 3], tmp);
			w[(i + 1) & 3] = _mm_sha256msg2_epu32(w[(i + 1) & 3], w[i & 3]);
		}
		msg = _mm_shuffle_epi32(msg, 0x0E);
		st0 = _mm_sha256rnds2_epu32(st0, st1, msg);
		if (i >= 1 && i < 13)
			w[(i + 3) & 3] = _mm_sha256msg1_epu32(w[(i + 3) & 3], w[i & 3]);
	}
	st0 = _mm_add_epi32(st0, abef);
	st1 = _mm_add_epi32(st1, cdgh);

	tmp = _mm_shuffle_epi32(st0, 0x1B);		/* FEBA */
	st1 = _mm_shuffle_epi32(st1, 0xB1);		/* DCHG */
	st0 = _mm_blend_epi16(tmp, st1, 0xF0);	/* DCBA */
	st1 = _mm_alignr_epi8(st1, tmp, 8);		/* HGFE */
	_mm_storeu_si128((__m128i *) &state[0], st0);
	_mm_storeu_si128((__m128i *) &state[4], st1);
}
#endif

bool		audit_sha256_portable_only = false;

/* The compression function this CPU runs best, chosen once. */
static void (*sha256_block) (uint32_t state[8], const uint8_t *p) = NULL;
static bool chosen_portable_only = false;

static void
choose_compress(void)
{
	chosen_portable_only = audit_sha256_portable_only;
	sha256_block = sha256_compress;
#ifdef AUDIT_HAVE_SHANI
	{
		unsigned int a,
					b,
					c,
					d;

		if (!audit_sha256_portable_only &&
			__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) && (c & bit_SSSE3) &&
			__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29)))
			sha256_block = sha256_compress_shani;
	}
#endif
}

bool
audit_sha256_accelerated(void)
{
	if (sha256_block == NULL || chosen_portable_only != audit_sha256_portable_only)
		choose_compress();
	return sha256_block != sha256_compress;
}

void
audit_sha256_init(audit_sha256_ctx *ctx)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	if (sha256_block == NULL || chosen_portable_only != audit_sha256_portable_only)
		choose_compress();
	memcpy(ctx->state, iv, sizeof(iv));
	ctx->length = 0;
	ctx->used = 0;
}

void
audit_sha256_update(audit_sha256_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;

	ctx->length += len;
	if (ctx->used > 0)
	{
		size_t		take = 64 - ctx->used;

		if (take > len)
			take = len;
		memcpy(ctx->block + ctx->used, p, take);
		ctx->used += take;
		p += take;
		len -= take;
		if (ctx->used < 64)
			return;
		sha256_block(ctx->state, ctx->block);
		ctx->used = 0;
	}
	while (len >= 64)
	{
		sha256_block(ctx->state, p);
		p += 64;
		len -= 64;
	}
	memcpy(ctx->block, p, len);
	ctx->used = len;
}

void
audit_sha256_final(audit_sha256_ctx *ctx, uint8_t out[AUDIT_HASH_LEN])
{
	uint64_t	bits = ctx->length * 8;
	int			i;

	ctx->block[ctx->used++] = 0x80;
	if (ctx->used > 56)
	{
		memset(ctx->block + ctx->used, 0, 64 - ctx->used);
		sha256_block(ctx->state, ctx->block);
		ctx->used = 0;
	}
	memset(ctx->block + ctx->used, 0, 56 - ctx->used);
	for (i = 0; i < 8; i++)
		ctx->block[56 + i] = (uint8_t) (bits >> (56 - 8 * i));
	sha256_block(ctx->state, ctx->block);
	for (i = 0; i < 8; i++)
	{
		out[4 * i] = (uint8_t) (ctx->state[i] >> 24);
		out[4 * i + 1] = (uint8_t) (ctx->state[i] >> 16);
		out[4 * i + 2] = (uint8_t) (ctx->state[i] >> 8);
		out[4 * i + 3] = (uint8_t) ctx->state[i];
	}
}

void
audit_sha256(const uint8_t *data, size_t len, uint8_t out[AUDIT_HASH_LEN])
{
	audit_sha256_ctx ctx;

	audit_sha256_init(&ctx);
	audit_sha256_update(&ctx, data, len);
	audit_sha256_final(&ctx, out);
}

/* ===================================================================
 * Canonical serialization
 * =================================================================== */

/* Append one length-prefixed field (or the absent marker) at buf + off. */
static size_t
put_field(uint8_t *buf, size_t off, const char *data, size_t len)
{
	uint32_t	n = data ? (uint32_t) len : UINT32_C(0xFFFFFFFF);

	if (buf)
	{
		buf[off] = (uint8_t) (n >> 24);
		buf[off + 1] = (uint8_t) (n >> 16);
		buf[off + 2] = (uint8_t) (n >> 8);
		buf[off + 3] = (uint8_t) n;
		if (data && len > 0)
			memcpy(buf + off + 4, data, len);
	}
	return off + 4 + (data ? len : 0);
}

size_t
audit_message(const char *tag, const audit_field *fields, int nfields, uint8_t *buf)
{
	size_t		off = put_field(buf, 0, tag, strlen(tag));
	int			i;

	for (i = 0; i < nfields; i++)
		off = put_field(buf, off, fields[i].data, fields[i].len);
	return off;
}

void
audit_message_hash(const char *tag, const audit_field *fields, int nfields,
				   uint8_t *buf, audit_hash_fn fn, uint8_t out[AUDIT_HASH_LEN])
{
	size_t		len = audit_message(tag, fields, nfields, buf);

	fn(buf, len, out);
}

size_t
audit_uint64_text(uint64_t v, char *buf)
{
	char		tmp[21];
	size_t		n = 0,
				i;

	do
	{
		tmp[n++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

size_t
audit_int64_text(int64_t v, char *buf)
{
	if (v < 0)
	{
		buf[0] = '-';
		/* negate in unsigned arithmetic so INT64_MIN is fine */
		return 1 + audit_uint64_text((uint64_t) 0 - (uint64_t) v, buf + 1);
	}
	return audit_uint64_text((uint64_t) v, buf);
}

/* Two decimal digits of v (0..99) at p. */
static void
put2(char *p, int v)
{
	p[0] = (char) ('0' + v / 10);
	p[1] = (char) ('0' + v % 10);
}

/*
 * Civil date of a day count since 1970-01-01 (proleptic Gregorian), by the
 * era arithmetic of "days from civil" run backwards.
 */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t		era,
				yoe,
				doy,
				mp;
	int64_t		doe;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

bool
audit_time_text(int64_t unix_usec, char *buf)
{
	const int64_t usec_per_day = INT64_C(86400000000);
	int64_t		days,
				rem,
				year;
	int			month,
				day,
				secs,
				usec;

	/* floor division, so times before 1970 come out right */
	days = unix_usec / usec_per_day;
	rem = unix_usec % usec_per_day;
	if (rem < 0)
	{
		rem += usec_per_day;
		days--;
	}
	civil_from_days(days, &year, &month, &day);
	if (year < 1 || year > 9999)
		return false;
	secs = (int) (rem / 1000000);
	usec = (int) (rem % 1000000);

	put2(buf, (int) (year / 100));
	put2(buf + 2, (int) (year % 100));
	buf[4] = '-';
	put2(buf + 5, month);
	buf[7] = '-';
	put2(buf + 8, day);
	buf[10] = 'T';
	put2(buf + 11, secs / 3600);
	buf[13] = ':';
	put2(buf + 14, secs / 60 % 60);
	buf[16] = ':';
	put2(buf + 17, secs % 60);
	buf[19] = '.';
	put2(buf + 20, usec / 10000);
	put2(buf + 22, usec / 100 % 100);
	put2(buf + 24, usec % 100);
	buf[26] = 'Z';
	buf[27] = '\0';
	return true;
}

void
audit_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t		i;

	for (i = 0; i < n; i++)
	{
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Value of one hex digit, or -1. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
audit_unhex(const char *in, size_t len, uint8_t *out, size_t n)
{
	size_t		i;

	if (len != 2 * n)
		return false;
	for (i = 0; i < n; i++)
	{
		int			hi = hexval(in[2 * i]),
					lo = hexval(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t) (hi << 4 | lo);
	}
	return true;
}

/* ===================================================================
 * Merkle tree
 * =================================================================== */

void
audit_merkle_init(audit_merkle *m, audit_hash_fn fn)
{
	m->fn = fn;
	m->depth = 0;
	m->count = 0;
}

/* H(0x01 || left || right) into out (which may alias left). */
static void
merkle_node(audit_hash_fn fn, const uint8_t *left, const uint8_t *right, uint8_t *out)
{
	uint8_t		buf[1 + 2 * AUDIT_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, left, AUDIT_HASH_LEN);
	memcpy(buf + 1 + AUDIT_HASH_LEN, right, AUDIT_HASH_LEN);
	fn(buf, sizeof(buf), out);
}

/*
 * Push the leaf, then merge the two top subtrees while they have the same
 * height: the stack holds the perfect subtrees of the binary expansion of
 * the leaf count, largest first.
 */
void
audit_merkle_add(audit_merkle *m, const uint8_t entry_hash[AUDIT_HASH_LEN])
{
	uint8_t		buf[1 + AUDIT_HASH_LEN];

	buf[0] = 0x00;
	memcpy(buf + 1, entry_hash, AUDIT_HASH_LEN);
	m->fn(buf, sizeof(buf), m->node[m->depth]);
	m->height[m->depth] = 0;
	m->depth++;
	m->count++;
	while (m->depth >= 2 && m->height[m->depth - 1] == m->height[m->depth - 2])
	{
		merkle_node(m->fn, m->node[m->depth - 2], m->node[m->depth - 1], m->node[m->depth - 2]);
		m->height[m->depth - 2]++;
		m->depth--;
	}
}

/* Fold the stack from the right: that is RFC 6962's split at the largest power of two. */
bool
audit_merkle_root(audit_merkle *m, uint8_t out[AUDIT_HASH_LEN])
{
	uint8_t		acc[AUDIT_HASH_LEN];
	int			i;

	if (m->depth == 0)
		return false;
	memcpy(acc, m->node[m->depth - 1], AUDIT_HASH_LEN);
	for (i = m->depth - 2; i >= 0; i--)
		merkle_node(m->fn, m->node[i], acc, acc);
	memcpy(out, acc, AUDIT_HASH_LEN);
	return true;
}

bool
audit_merkle_of(const uint8_t *hashes, size_t n, audit_hash_fn fn, uint8_t out[AUDIT_HASH_LEN])
{
	audit_merkle m;
	size_t		i;

	audit_merkle_init(&m, fn);
	for (i = 0; i < n; i++)
		audit_merkle_add(&m, hashes + i * AUDIT_HASH_LEN);
	return audit_merkle_root(&m, out);
}

/* ===================================================================
 * Blocks
 * =================================================================== */

void
audit_block_hash(const audit_block_info *b, audit_hash_fn fn, uint8_t out[AUDIT_HASH_LEN])
{
	audit_field f[AB_NFIELDS];
	char		id[24],
				first[24],
				last[24],
				count[24];
	uint8_t		stackbuf[512];
	uint8_t    *buf = stackbuf;
	size_t		len;

	f[AB_PREV_HASH].data = (const char *) b->prev;
	f[AB_PREV_HASH].len = AUDIT_HASH_LEN;
	f[AB_BLOCK_ID].len = audit_int64_text(b->block_id, id);
	f[AB_BLOCK_ID].data = id;
	f[AB_FIRST_ENTRY_ID].len = audit_int64_text(b->first_id, first);
	f[AB_FIRST_ENTRY_ID].data = first;
	f[AB_LAST_ENTRY_ID].len = audit_int64_text(b->last_id, last);
	f[AB_LAST_ENTRY_ID].data = last;
	f[AB_ENTRY_COUNT].len = audit_int64_text(b->count, count);
	f[AB_ENTRY_COUNT].data = count;
	f[AB_MERKLE_ROOT].data = (const char *) b->root;
	f[AB_MERKLE_ROOT].len = AUDIT_HASH_LEN;
	f[AB_SEALED_AT].data = b->sealed_at;
	f[AB_SEALED_AT].len = strlen(b->sealed_at);
	f[AB_SEALED_BY].data = b->sealed_by;
	f[AB_SEALED_BY].len = b->sealed_by_len;
	len = audit_message(AUDIT_BLOCK_TAG, f, AB_NFIELDS, NULL);
	if (len > sizeof(stackbuf) && (buf = malloc(len)) == NULL)
	{
		memset(out, 0, AUDIT_HASH_LEN);		/* cannot match a stored hash */
		return;
	}
	audit_message_hash(AUDIT_BLOCK_TAG, f, AB_NFIELDS, buf, fn, out);
	if (buf != stackbuf)
		free(buf);
}

static const uint8_t zero_hash[AUDIT_HASH_LEN];

/* a + 1 and a - 1 without signed overflow on hostile values */
static inline int64_t
succ(int64_t a)
{
	return a < INT64_MAX ? a + 1 : INT64_MAX;
}

static inline int64_t
pred(int64_t a)
{
	return a > INT64_MIN ? a - 1 : INT64_MIN;
}

int
audit_block_chain_check(const audit_block_info *blocks, size_t n, audit_hash_fn fn,
						audit_block_report report, void *arg)
{
	const audit_block_info *before = NULL;
	int64_t		want_id = 1;
	int			problems = 0;
	bool		after_damage = false;
	size_t		i;
	char		detail[200];

	for (i = 0; i < n; i++)
	{
		const audit_block_info *b = &blocks[i];
		uint8_t		h[AUDIT_HASH_LEN];
		bool		in_place;

		if (!b->usable)
		{
			report(arg, "changed", b->block_id, NULL, NULL,
				   "A column of the block is NULL, malformed, or a hash column is not 32 bytes.");
			problems++;
			/* the next block cannot be compared with this one: no verdict on its link */
			before = NULL;
			after_damage = true;
			want_id = succ(b->block_id);
			continue;
		}
		in_place = (b->block_id == want_id);
		if (b->block_id > want_id)
		{
			if (pred(b->block_id) == want_id)
				snprintf(detail, sizeof(detail), "Block %lld is missing.", (long long) want_id);
			else
				snprintf(detail, sizeof(detail), "Blocks %lld to %lld are missing.",
						 (long long) want_id, (long long) pred(b->block_id));
			report(arg, "deleted", want_id, NULL, NULL, detail);
			problems++;
		}
		else if (b->block_id < want_id)
		{
			snprintf(detail, sizeof(detail), "A second block claims id %lld.", (long long) b->block_id);
			report(arg, "inserted", b->block_id, NULL, b->hash, detail);
			problems++;
			continue;
		}
		audit_block_hash(b, fn, h);
		if (memcmp(h, b->hash, AUDIT_HASH_LEN) != 0)
		{
			report(arg, "changed", b->block_id, b->hash, h,
				   "The block's fields do not hash to its stored hash: it was edited in place.");
			problems++;
		}
		else if (in_place && !after_damage &&
				 memcmp(b->prev, before ? before->hash : zero_hash, AUDIT_HASH_LEN) != 0)
		{
			report(arg, before ? "changed" : "inserted", b->block_id,
				   before ? before->hash : zero_hash, b->prev,
				   "Its prev_hash is not the hash of the block before it: that block was rewritten, or this one forged.");
			problems++;
		}
		if (in_place && b->block_id == 1 && b->first_id != 1)
		{
			snprintf(detail, sizeof(detail),
					 "The first block starts at entry %lld; sealing starts at entry 1.", (long long) b->first_id);
			report(arg, "changed", b->block_id, NULL, NULL, detail);
			problems++;
		}
		if (in_place && before && b->first_id != succ(before->last_id))
		{
			snprintf(detail, sizeof(detail),
					 "It starts at entry %lld, but the block before it ends at entry %lld.",
					 (long long) b->first_id, (long long) before->last_id);
			report(arg, "changed", b->block_id, NULL, NULL, detail);
			problems++;
		}
		before = b;
		after_damage = false;
		want_id = succ(b->block_id);
	}
	return problems;
}

/*
 * Name what happened to each leaf without an entry, in one pass: the
 * matched leaves around it bound the ids an entry rewritten in its place
 * would have; the strays (sorted by id) are paired with the leaves in
 * order, since both windows and strays only move up.
 */
void
audit_block_classify(const int64_t *leaf_entry, int64_t nleaves,
					 const int64_t *strays, size_t nstrays,
					 int64_t first_id, int64_t last_id,
					 audit_leaf_report report, void *arg)
{
	int64_t    *next_matched = malloc(((size_t) nleaves + 1) * sizeof(int64_t));
	bool	   *paired = calloc(nstrays ? nstrays : 1, sizeof(bool));
	int64_t		i,
				below = pred(first_id),
				above = succ(last_id);
	size_t		s = 0;

	if (next_matched == NULL || paired == NULL)
	{
		/* out of memory: report every unmatched leaf and stray unpaired */
		for (i = 0; i < nleaves; i++)
			if (leaf_entry[i] == 0)
				report(arg, "deleted", i, -1, pred(first_id), succ(last_id));
		for (s = 0; s < nstrays; s++)
			report(arg, "inserted", -1, (long) s, pred(first_id), succ(last_id));
		free(next_matched);
		free(paired);
		return;
	}
	for (i = nleaves - 1; i >= 0; i--)
	{
		next_matched[i] = above;
		if (leaf_entry[i] > 0)
			above = leaf_entry[i];
	}
	for (i = 0; i < nleaves; i++)
	{
		long		pair = -1;

		if (leaf_entry[i] > 0)
		{
			below = leaf_entry[i];
			continue;
		}
		if (leaf_entry[i] != 0)
			continue;
		/* strays at or below this window's floor can pair with no later leaf */
		while (s < nstrays && strays[s] <= below)
			s++;
		if (s < nstrays && strays[s] < next_matched[i])
		{
			pair = (long) s;
			paired[s++] = true;
		}
		report(arg, pair >= 0 ? "changed" : "deleted", i, pair, below, next_matched[i]);
	}
	for (s = 0; s < nstrays; s++)
		if (!paired[s])
			report(arg, "inserted", -1, (long) s, pred(first_id), succ(last_id));
	free(next_matched);
	free(paired);
}

/* ===================================================================
 * Stream chain analysis
 * =================================================================== */

const char *
audit_problem_name(audit_problem_kind kind)
{
	switch (kind)
	{
		case AP_CHANGED:
			return "changed";
		case AP_DELETED:
			return "deleted";
		case AP_INSERTED:
			return "inserted";
		case AP_REORDERED:
			return "reordered";
	}
	return "unknown";
}

/* For the lookup of an entry by one of its hashes. */
typedef struct hash_index
{
	const uint8_t *hash;
	size_t		pos;
} hash_index;

static int
cmp_hash_index(const void *a, const void *b)
{
	return memcmp(((const hash_index *) a)->hash, ((const hash_index *) b)->hash, AUDIT_HASH_LEN);
}

/* Position of the first entry (in idx order) keyed by h, or -1. */
static long
find_by_hash(const hash_index *idx, size_t n, const uint8_t *h)
{
	size_t		lo = 0,
				hi = n;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (memcmp(idx[mid].hash, h, AUDIT_HASH_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo < n && memcmp(idx[lo].hash, h, AUDIT_HASH_LEN) == 0) ? (long) lo : -1;
}

/* Does some entry of seq+1 (in links[from..n)) record h as its prev_hash? */
static bool
successor_links(const audit_link *links, size_t from, size_t n, int64_t seq, const uint8_t *h)
{
	size_t		i;

	if (seq == INT64_MAX)
		return false;
	for (i = from; i < n && links[i].seq <= seq + 1; i++)
		if (links[i].seq == seq + 1 && memcmp(links[i].prev_hash, h, AUDIT_HASH_LEN) == 0)
			return true;
	return false;
}

/* An entry other than skip whose prev_hash is the hash of e, or NULL. */
static const audit_link *
linked_successor(const audit_link *links, size_t n, const audit_link *e, const audit_link *skip)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if (&links[i] != skip && &links[i] != e &&
			memcmp(links[i].prev_hash, e->hash, AUDIT_HASH_LEN) == 0)
			return &links[i];
	return NULL;
}

/*
 * The order the links themselves give: from prev_hash zeros, follow each
 * entry to the one that records its hash as prev_hash.  pos[i] is entry i's
 * place in that order (1-based), or 0 when no link reaches it.  This is the
 * order the entries were appended in, whatever seq they claim now.
 */
static void
link_order(const audit_link *links, size_t n, int64_t *pos)
{
	hash_index *by_prev = malloc(n * sizeof(hash_index));
	const uint8_t *cur = zero_hash;
	int64_t		p = 1;
	size_t		i;

	memset(pos, 0, n * sizeof(int64_t));
	if (by_prev == NULL)
		return;
	for (i = 0; i < n; i++)
	{
		by_prev[i].hash = links[i].prev_hash;
		by_prev[i].pos = i;
	}
	qsort(by_prev, n, sizeof(hash_index), cmp_hash_index);
	for (;;)
	{
		long		at = find_by_hash(by_prev, n, cur);
		size_t		e;

		/* of several entries linking to cur, take the first not yet placed */
		while (at >= 0 && (size_t) at < n && pos[by_prev[at].pos] != 0 &&
			   memcmp(by_prev[at].hash, cur, AUDIT_HASH_LEN) == 0)
			at++;
		if (at < 0 || (size_t) at >= n || memcmp(by_prev[at].hash, cur, AUDIT_HASH_LEN) != 0)
			break;
		e = by_prev[at].pos;
		pos[e] = p++;
		cur = links[e].hash;
	}
	free(by_prev);
}

int
audit_stream_check(const audit_link *links, size_t n, audit_chain_report report, void *arg)
{
	int64_t    *pos;
	const audit_link *succ;
	const audit_link *last = NULL;	/* the entry accepted at expected - 1 */
	int64_t		expected = 1;
	bool		after_gap = false;
	int			problems = 0;
	size_t		i = 0;
	char		detail[256];

	if (n == 0)
		return 0;
	pos = malloc(n * sizeof(int64_t));
	if (pos == NULL)
		return -1;
	link_order(links, n, pos);

	i = 0;
	while (i < n)
	{
		const uint8_t *want = last ? last->hash : zero_hash;
		size_t		j,
					best = i;
		int			best_score = -1;

		if (links[i].seq < expected)
		{
			/* a second entry for a seq already taken */
			snprintf(detail, sizeof(detail),
					 "A second entry claims seq %lld of the stream.", (long long) links[i].seq);
			report(arg, AP_INSERTED, &links[i], links[i].seq, NULL, links[i].hash, detail);
			problems++;
			i++;
			continue;
		}
		if (links[i].seq > expected)
		{
			if (links[i].seq - 1 == expected)
				snprintf(detail, sizeof(detail), "No entry has seq %lld.", (long long) expected);
			else
				snprintf(detail, sizeof(detail), "No entries have seq %lld to %lld.",
						 (long long) expected, (long long) (links[i].seq - 1));
			report(arg, AP_DELETED, NULL, expected, NULL, NULL, detail);
			problems++;
			expected = links[i].seq;
			after_gap = true;
		}

		/* entries links[i..j) share this seq: keep the best-linked one */
		for (j = i; j < n && links[j].seq == expected; j++)
		{
			int			score = 0;

			if (memcmp(links[j].prev_hash, want, AUDIT_HASH_LEN) == 0)
				score += 4;
			if (successor_links(links, j + 1, n, expected, links[j].hash))
				score += 2;
			if (links[j].hash_ok)
				score += 1;
			if (score > best_score)
			{
				best_score = score;
				best = j;
			}
		}
		for (size_t k = i; k < j; k++)
		{
			if (k == best)
				continue;
			snprintf(detail, sizeof(detail),
					 "A second entry claims seq %lld of the stream.", (long long) expected);
			report(arg, AP_INSERTED, &links[k], expected, NULL, links[k].hash, detail);
			problems++;
		}

		if (memcmp(links[best].prev_hash, want, AUDIT_HASH_LEN) != 0 && !after_gap)
		{
			int64_t		p = pos[best];

			if (p != 0 && p != expected)
			{
				snprintf(detail, sizeof(detail),
						 "Its prev_hash places it at seq %lld of the chain, but it claims seq %lld.",
						 (long long) p, (long long) expected);
				report(arg, AP_REORDERED, &links[best], expected, want, links[best].prev_hash, detail);
				problems++;
			}
			else if (p != 0)
			{
				/* in its place by its own link: the break is a displaced neighbour's */
			}
			else if (last == NULL)
			{
				snprintf(detail, sizeof(detail),
						 "The stream's first entry must have a prev_hash of zeros.");
				report(arg, AP_CHANGED, &links[best], expected, want, links[best].prev_hash, detail);
				problems++;
			}
			else if ((succ = linked_successor(links, n, last, &links[best])) != NULL)
			{
				/* the entry before has its true successor elsewhere in the stream */
				snprintf(detail, sizeof(detail),
						 "It claims seq %lld, but the entry with seq %lld is followed by the entry with seq %lld (id %lld).",
						 (long long) expected, (long long) last->seq, (long long) succ->seq,
						 (long long) succ->entry_id);
				report(arg, AP_REORDERED, &links[best], expected, want, links[best].prev_hash, detail);
				problems++;
			}
			else if (links[best].hash_ok)
			{
				/*
				 * Nothing links to the entry before, and this one is
				 * self-consistent: the entry before was rewritten and
				 * re-hashed, so it is the first bad one.
				 */
				snprintf(detail, sizeof(detail),
						 "Its hash is not the prev_hash that the next entry (seq %lld, id %lld) recorded.",
						 (long long) expected, (long long) links[best].entry_id);
				report(arg, AP_CHANGED, last, last->seq, links[best].prev_hash, last->hash, detail);
				problems++;
			}
			/* else: the successor's own content check names it */
		}
		last = &links[best];
		after_gap = false;
		if (expected == INT64_MAX)
			break;				/* no seq can follow; hostile input only */
		expected++;
		i = j;
	}
	free(pos);
	return problems;
}
