/*-------------------------------------------------------------------------
 * src/tools/procgov_verify.c
 *		procgov-verify: the auditor's own check of an exported audit
 *		ledger, without a database.
 *
 * Reads the entries and blocks that procgov.audit_export and
 * procgov.audit_block_export give (COPY text format), recomputes every
 * entry hash, every stream chain, every block hash and Merkle root, checks
 * each sealed entry against its block's leaves, and, given a digest kept
 * earlier, checks that the digest is still part of the block chain.  The
 * hashing rules are audit_core.c's, the very code the extension runs.
 *
 *   procgov-verify --entries entries.tsv [--blocks blocks.tsv] [--digest D]
 *
 * Prints one line per problem and a summary; exits 0 when intact, 1 when
 * problems were found, 2 on bad usage or unreadable input.
 *-------------------------------------------------------------------------
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_core.h"
#include "parse.h"

#define ENTRY_COLUMNS	12
#define BLOCK_COLUMNS	10

typedef struct Entry
{
	int64_t		entry_id;
	int64_t		seq;
	char	   *stream;
	uint8_t		prev[AUDIT_HASH_LEN];
	uint8_t		hash[AUDIT_HASH_LEN];
	bool		hash_ok;
	long		line;
} Entry;

typedef struct Block
{
	audit_block_info info;
	uint8_t    *leaves;
	size_t		nleaves;
	bool		leaves_ok;
	long		line;
} Block;

static int	problems = 0;

static void
problem(const char *kind, const char *what, const char *detail)
{
	printf("%-9s %s: %s\n", kind, what, detail);
	problems++;
}

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "procgov-verify: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

static void *
xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
		die("%s", "out of memory");
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		die("%s", "out of memory");
	return p;
}

/*
 * Untrusted text for a message (pv_quote, as the extension quotes it):
 * control characters and broken UTF-8 become '?', long text is cut with "...".
 */
static const char *
shown(const char *in, char *buf, size_t buflen)
{
	return pv_quote(in, strlen(in), buf, buflen);
}

/* ---- COPY text format ---- */

/*
 * Split one line into fields in place, decoding COPY's backslash escapes;
 * a field that is exactly \N becomes NULL.  Returns the field count.
 */
static int
split_copy_line(char *line, char **fields, size_t *lens, int max)
{
	int			n = 0;
	char	   *r = line,
			   *w;

	while (n < max)
	{
		char	   *start = r;
		bool		null = (r[0] == '\\' && r[1] == 'N' && (r[2] == '\t' || r[2] == '\0'));

		w = r;
		while (*r && *r != '\t')
		{
			if (*r != '\\' || r[1] == '\0')
			{
				*w++ = *r++;
				continue;
			}
			r++;
			switch (*r)
			{
				case 'b': *w++ = '\b'; r++; break;
				case 'f': *w++ = '\f'; r++; break;
				case 'n': *w++ = '\n'; r++; break;
				case 'r': *w++ = '\r'; r++; break;
				case 't': *w++ = '\t'; r++; break;
				case 'v': *w++ = '\v'; r++; break;
				case 'x':
					{
						int			v = 0,
									k;

						r++;
						for (k = 0; k < 2 && *r && strchr("0123456789abcdefABCDEF", *r); k++, r++)
							v = v * 16 + (*r <= '9' ? *r - '0' : (*r | 32) - 'a' + 10);
						/* as PostgreSQL's COPY: \x without a hex digit is a plain x */
						*w++ = k == 0 ? 'x' : (char) v;
						break;
					}
				default:
					if (*r >= '0' && *r <= '7')
					{
						int			v = 0,
									k;

						for (k = 0; k < 3 && *r >= '0' && *r <= '7'; k++, r++)
							v = v * 8 + (*r - '0');
						*w++ = (char) v;
					}
					else
						*w++ = *r++;	/* \\ and any other escaped char */
			}
		}
		fields[n] = null ? NULL : start;
		lens[n] = null ? 0 : (size_t) (w - start);
		n++;
		if (*r == '\0')
		{
			*w = '\0';
			break;
		}
		*w = '\0';
		r++;
	}
	return n;
}

/*
 * Read a whole line of any length; NULL at end of file.  *has_nul is set
 * when the line holds a NUL byte (which no COPY output does).  A final
 * carriage return is dropped: COPY writes a carriage return in the data as
 * \r, so a bare one at the end only comes from a CRLF conversion of the
 * file.  A read error ends the program with status 2.
 */
static char *
read_line(FILE *f, const char *path, bool *has_nul)
{
	size_t		cap = 4096,
				len = 0;
	char	   *buf = xmalloc(cap);
	int			c;

	*has_nul = false;
	while ((c = fgetc(f)) != EOF && c != '\n')
	{
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		if (c == '\0')
			*has_nul = true;
		buf[len++] = (char) c;
	}
	if (c == EOF && ferror(f))
		die("cannot read %s", path);
	if (c == EOF && len == 0)
	{
		free(buf);
		return NULL;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return buf;
}

/* Split a line; false when a field held a NUL byte (no PostgreSQL text does). */
static bool
split_fields(char *line, bool has_nul, char **fields, size_t *lens, int want)
{
	int			i;

	if (has_nul || split_copy_line(line, fields, lens, want + 1) != want)
		return false;
	for (i = 0; i < want; i++)
		if (fields[i] != NULL && strlen(fields[i]) != lens[i])
			return false;
	return true;
}

static bool
parse_int64(const char *s, int64_t *out)
{
	char	   *end;
	long long	v;

	if (s == NULL || *s == '\0')
		return false;
	/* as the server prints them: an optional minus, then digits only */
	if (!((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && s[1] >= '0' && s[1] <= '9')))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

static bool
parse_hash(const char *s, size_t len, uint8_t *out)
{
	return s != NULL && audit_unhex(s, len, out, AUDIT_HASH_LEN);
}

/* ---- loading ---- */

static Entry *
load_entries(const char *path, size_t *count)
{
	FILE	   *f = fopen(path, "r");
	size_t		cap = 1024,
				n = 0;
	Entry	   *es = xmalloc(cap * sizeof(Entry));
	char	   *line;
	long		lineno = 0;
	uint8_t    *buf = NULL;
	size_t		bufcap = 0;
	bool		has_nul;

	if (f == NULL)
		die("cannot open %s", path);
	while ((line = read_line(f, path, &has_nul)) != NULL)
	{
		char	   *fl[ENTRY_COLUMNS + 1];
		size_t		ln[ENTRY_COLUMNS + 1];
		audit_field af[AE_NFIELDS];
		Entry	   *e;
		uint8_t		h[AUDIT_HASH_LEN];
		size_t		need;
		char		what[64];

		lineno++;
		if (!split_fields(line, has_nul, fl, ln, ENTRY_COLUMNS))
		{
			snprintf(what, sizeof(what), "line %ld of %s", lineno, path);
			problem("malformed", what, "The line does not have the 12 columns of procgov.audit_export, or holds a NUL byte.");
			free(line);
			continue;
		}
		if (n == cap)
			es = xrealloc(es, (cap *= 2) * sizeof(Entry));
		e = &es[n];
		e->line = lineno;
		if (!parse_int64(fl[0], &e->entry_id) || !parse_int64(fl[2], &e->seq) ||
			fl[1] == NULL || !parse_hash(fl[10], ln[10], e->prev) || !parse_hash(fl[11], ln[11], e->hash))
		{
			snprintf(what, sizeof(what), "line %ld of %s", lineno, path);
			problem("malformed", what, "An id, seq, stream or hash column is missing or malformed.");
			free(line);
			continue;
		}
		e->stream = xmalloc(ln[1] + 1);
		memcpy(e->stream, fl[1], ln[1] + 1);

		/* the hashed fields, exactly as the extension hashes them */
		af[AE_PREV_HASH].data = (const char *) e->prev;
		af[AE_PREV_HASH].len = AUDIT_HASH_LEN;
		af[AE_ENTRY_ID].data = fl[0];
		af[AE_ENTRY_ID].len = ln[0];
		af[AE_STREAM].data = fl[1];
		af[AE_STREAM].len = ln[1];
		af[AE_SEQ].data = fl[2];
		af[AE_SEQ].len = ln[2];
		af[AE_AT].data = fl[3];
		af[AE_AT].len = ln[3];
		af[AE_TXID].data = fl[4];
		af[AE_TXID].len = ln[4];
		af[AE_ACTOR].data = fl[5];
		af[AE_ACTOR].len = ln[5];
		af[AE_DB_USER].data = fl[6];
		af[AE_DB_USER].len = ln[6];
		af[AE_ACTION].data = fl[7];
		af[AE_ACTION].len = ln[7];
		af[AE_PAYLOAD].data = fl[8];
		af[AE_PAYLOAD].len = ln[8];
		af[AE_REASON].data = fl[9];
		af[AE_REASON].len = ln[9];
		need = audit_message(AUDIT_ENTRY_TAG, af, AE_NFIELDS, NULL);
		if (need > bufcap)
			buf = xrealloc(buf, bufcap = need);
		audit_message_hash(AUDIT_ENTRY_TAG, af, AE_NFIELDS, buf, audit_sha256, h);
		e->hash_ok = memcmp(h, e->hash, AUDIT_HASH_LEN) == 0;
		if (!e->hash_ok)
		{
			char		detail[256],
						hx[AUDIT_HEX_LEN + 1],
						sn[81];

			audit_hex(h, AUDIT_HASH_LEN, hx);
			snprintf(what, sizeof(what), "entry %lld", (long long) e->entry_id);
			snprintf(detail, sizeof(detail),
					 "stream %s seq %lld: its content hashes to %s, not to its stored hash (edited in place).",
					 shown(e->stream, sn, sizeof(sn)), (long long) e->seq, hx);
			problem("changed", what, detail);
		}
		if (e->entry_id < 1)
		{
			char		sn[81],
						detail[200];

			snprintf(what, sizeof(what), "entry %lld", (long long) e->entry_id);
			snprintf(detail, sizeof(detail),
					 "stream %s seq %lld: entry ids start at 1, so no append made this entry and no seal would cover it.",
					 shown(e->stream, sn, sizeof(sn)), (long long) e->seq);
			problem("inserted", what, detail);
		}
		n++;
		free(line);
	}
	if (fclose(f) != 0)
		die("cannot read %s", path);
	free(buf);
	*count = n;
	return es;
}

static Block *
load_blocks(const char *path, size_t *count)
{
	FILE	   *f = fopen(path, "r");
	size_t		cap = 64,
				n = 0;
	Block	   *bs = xmalloc(cap * sizeof(Block));
	char	   *line;
	long		lineno = 0;
	bool		has_nul;

	if (f == NULL)
		die("cannot open %s", path);
	while ((line = read_line(f, path, &has_nul)) != NULL)
	{
		char	   *fl[BLOCK_COLUMNS + 1];
		size_t		ln[BLOCK_COLUMNS + 1];
		Block	   *b;
		audit_block_info *bi;
		char		what[64];

		lineno++;
		if (n == cap)
			bs = xrealloc(bs, (cap *= 2) * sizeof(Block));
		b = &bs[n];
		memset(b, 0, sizeof(Block));
		bi = &b->info;
		b->line = lineno;
		if (!split_fields(line, has_nul, fl, ln, BLOCK_COLUMNS))
		{
			snprintf(what, sizeof(what), "line %ld of %s", lineno, path);
			problem("malformed", what, "The line does not have the 10 columns of procgov.audit_block_export, or holds a NUL byte.");
			free(line);
			continue;
		}
		bi->usable = parse_int64(fl[0], &bi->block_id) && parse_int64(fl[1], &bi->first_id) &&
			parse_int64(fl[2], &bi->last_id) && parse_int64(fl[3], &bi->count) &&
			parse_hash(fl[4], ln[4], bi->root) && parse_hash(fl[8], ln[8], bi->prev) &&
			parse_hash(fl[9], ln[9], bi->hash) && fl[6] != NULL && ln[6] == AUDIT_TIME_LEN - 1 &&
			fl[7] != NULL && fl[5] != NULL && ln[5] % 2 == 0;
		if (bi->usable)
		{
			memcpy(bi->sealed_at, fl[6], AUDIT_TIME_LEN);
			bi->sealed_by = xmalloc(ln[7] + 1);
			memcpy((char *) bi->sealed_by, fl[7], ln[7] + 1);
			bi->sealed_by_len = ln[7];
			b->nleaves = ln[5] / 2 / AUDIT_HASH_LEN;
			b->leaves = xmalloc(ln[5] / 2 + 1);
			b->leaves_ok = ln[5] % (2 * AUDIT_HASH_LEN) == 0 &&
				audit_unhex(fl[5], ln[5], b->leaves, ln[5] / 2);
		}
		n++;
		free(line);
	}
	if (fclose(f) != 0)
		die("cannot read %s", path);
	*count = n;
	return bs;
}

/* ---- checks ---- */

static int
cmp_stream_seq(const void *a, const void *b)
{
	const Entry *x = a,
			   *y = b;
	int			c = strcmp(x->stream, y->stream);

	if (c != 0)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->entry_id < y->entry_id ? -1 : x->entry_id > y->entry_id;
}

static int
cmp_id(const void *a, const void *b)
{
	const Entry *x = *(Entry *const *) a,
			   *y = *(Entry *const *) b;

	return x->entry_id < y->entry_id ? -1 : x->entry_id > y->entry_id;
}

static void
chain_report(void *arg, audit_problem_kind kind, const audit_link *entry, int64_t seq,
			 const uint8_t *expected, const uint8_t *found, const char *detail)
{
	char		what[160],
				stream[81];

	(void) expected;
	(void) found;
	shown(arg, stream, sizeof(stream));
	if (entry)
		snprintf(what, sizeof(what), "entry %lld (stream %s seq %lld)",
				 (long long) entry->entry_id, stream, (long long) seq);
	else
		snprintf(what, sizeof(what), "stream %s seq %lld", stream, (long long) seq);
	problem(audit_problem_name(kind), what, detail);
}

static void
check_streams(Entry *es, size_t n)
{
	size_t		i = 0;
	audit_link *links = xmalloc((n + 1) * sizeof(audit_link));

	qsort(es, n, sizeof(Entry), cmp_stream_seq);
	while (i < n)
	{
		size_t		j = i,
					k;

		while (j < n && strcmp(es[j].stream, es[i].stream) == 0)
			j++;
		for (k = i; k < j; k++)
		{
			audit_link *l = &links[k - i];

			l->entry_id = es[k].entry_id;
			l->seq = es[k].seq;
			memcpy(l->prev_hash, es[k].prev, AUDIT_HASH_LEN);
			memcpy(l->hash, es[k].hash, AUDIT_HASH_LEN);
			l->hash_ok = es[k].hash_ok;
		}
		audit_stream_check(links, j - i, chain_report, es[i].stream);
		i = j;
	}
	free(links);
}

static void
block_report(void *arg, const char *kind, int64_t block_id, const uint8_t *expected,
			 const uint8_t *found, const char *detail)
{
	char		what[64];

	(void) arg;
	(void) expected;
	(void) found;
	snprintf(what, sizeof(what), "block %lld", (long long) block_id);
	problem(kind, what, detail);
}

typedef struct LeafArg
{
	const Block *b;
	Entry	  **strays;
} LeafArg;

static void
leaf_report(void *arg, const char *kind, int64_t leaf, long stray, int64_t below, int64_t above)
{
	LeafArg    *a = arg;
	char		what[160],
				detail[200],
				sn[81];
	long long	bid = (long long) a->b->info.block_id;

	if (stray >= 0)
		snprintf(what, sizeof(what), "entry %lld (stream %s seq %lld)",
				 (long long) a->strays[stray]->entry_id, shown(a->strays[stray]->stream, sn, sizeof(sn)),
				 (long long) a->strays[stray]->seq);
	else
		snprintf(what, sizeof(what), "block %lld leaf %lld", bid, (long long) (leaf + 1));
	if (strcmp(kind, "changed") == 0)
		snprintf(detail, sizeof(detail), "The entry was rewritten: its hash is not leaf %lld of block %lld that sealed it.",
				 (long long) (leaf + 1), bid);
	else if (strcmp(kind, "deleted") == 0)
		snprintf(detail, sizeof(detail), "The leaf has no entry: the entry between ids %lld and %lld is gone.",
				 (long long) below, (long long) above);
	else
		snprintf(detail, sizeof(detail), "The entry lies in block %lld's id range, but the block's leaves do not include it.", bid);
	problem(kind, what, detail);
}

/* Order of leaf indices by leaf hash, for the search below. */
static const uint8_t *sort_leaves;

static int
cmp_leaf(const void *a, const void *b)
{
	return memcmp(sort_leaves + *(const size_t *) a * AUDIT_HASH_LEN,
				  sort_leaves + *(const size_t *) b * AUDIT_HASH_LEN, AUDIT_HASH_LEN);
}

/* Blocks in block id order, as the chain check reads them; a file's line order does not count. */
static int
cmp_block(const void *a, const void *b)
{
	const Block *x = a,
			   *y = b;

	if (x->info.block_id != y->info.block_id)
		return x->info.block_id < y->info.block_id ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Match each block's entries (by id range) to its leaves. */
static void
check_membership(Entry *es, size_t n, Block *bs, size_t nb)
{
	Entry	  **byid = xmalloc((n + 1) * sizeof(Entry *));
	size_t		i,
				b,
				lo = 0;

	for (i = 0; i < n; i++)
		byid[i] = &es[i];
	qsort(byid, n, sizeof(Entry *), cmp_id);
	for (b = 0; b < nb; b++)
	{
		Block	   *bl = &bs[b];
		int64_t    *leaf_entry;
		int64_t    *stray_ids;
		Entry	  **strays;
		size_t	   *order;
		size_t		nstray = 0,
					hi;
		LeafArg		arg;

		if (!bl->info.usable || !bl->leaves_ok || bl->nleaves != (size_t) bl->info.count)
			continue;			/* reported by the block checks */
		while (lo < n && byid[lo]->entry_id < bl->info.first_id)
			lo++;
		for (hi = lo; hi < n && byid[hi]->entry_id <= bl->info.last_id; hi++)
			;
		leaf_entry = xmalloc((bl->nleaves + 1) * sizeof(int64_t));
		memset(leaf_entry, 0, (bl->nleaves + 1) * sizeof(int64_t));
		order = xmalloc((bl->nleaves + 1) * sizeof(size_t));
		stray_ids = xmalloc((hi - lo + 1) * sizeof(int64_t));
		strays = xmalloc((hi - lo + 1) * sizeof(Entry *));
		sort_leaves = bl->leaves;
		for (i = 0; i < bl->nleaves; i++)
			order[i] = i;
		qsort(order, bl->nleaves, sizeof(size_t), cmp_leaf);
		for (i = lo; i < hi; i++)
		{
			size_t		a = 0,
						z = bl->nleaves;
			bool		found = false;

			/* binary search among the leaves sorted by hash, then take an unmatched equal one */
			while (a < z)
			{
				size_t		mid = a + (z - a) / 2;

				if (memcmp(bl->leaves + order[mid] * AUDIT_HASH_LEN, byid[i]->hash, AUDIT_HASH_LEN) < 0)
					a = mid + 1;
				else
					z = mid;
			}
			for (; a < bl->nleaves && !found &&
				 memcmp(bl->leaves + order[a] * AUDIT_HASH_LEN, byid[i]->hash, AUDIT_HASH_LEN) == 0; a++)
				if (leaf_entry[order[a]] == 0)
				{
					leaf_entry[order[a]] = byid[i]->entry_id;
					found = true;
				}
			if (!found)
			{
				stray_ids[nstray] = byid[i]->entry_id;
				strays[nstray++] = byid[i];
			}
		}
		arg.b = bl;
		arg.strays = strays;
		audit_block_classify(leaf_entry, (int64_t) bl->nleaves, stray_ids, nstray,
							 bl->info.first_id, bl->info.last_id, leaf_report, &arg);
		free(leaf_entry);
		free(order);
		free(stray_ids);
		free(strays);
		lo = hi;
	}
	free(byid);
}

static void
check_blocks(Block *bs, size_t nb)
{
	audit_block_info *infos = xmalloc((nb + 1) * sizeof(audit_block_info));
	size_t		i;

	for (i = 0; i < nb; i++)
		infos[i] = bs[i].info;
	audit_block_chain_check(infos, nb, audit_sha256, block_report, NULL);
	for (i = 0; i < nb; i++)
	{
		Block	   *b = &bs[i];
		uint8_t		root[AUDIT_HASH_LEN];
		char		what[64];

		if (!b->info.usable)
			continue;
		snprintf(what, sizeof(what), "block %lld", (long long) b->info.block_id);
		if (!b->leaves_ok || b->nleaves != (size_t) b->info.count || b->nleaves == 0)
			problem("changed", what, "Its leaves are not entry_count hashes of 32 bytes.");
		else if (!audit_merkle_of(b->leaves, b->nleaves, audit_sha256, root) ||
				 memcmp(root, b->info.root, AUDIT_HASH_LEN) != 0)
			problem("changed", what, "Its leaves do not give its Merkle root: the stored entry hashes were edited.");
	}
	free(infos);
}

static void
check_digest(const char *digest, Block *bs, size_t nb)
{
	size_t		plen = strlen(AUDIT_DIGEST_PREFIX);
	const char *p = digest + plen,
			   *colon;
	int64_t		id;
	uint8_t		h[AUDIT_HASH_LEN];
	char		idtext[24],
				detail[200];
	size_t		i;

	colon = strncmp(digest, AUDIT_DIGEST_PREFIX, plen) == 0 ? strchr(p, ':') : NULL;
	if (colon == NULL || (size_t) (colon - p) >= sizeof(idtext))
		die("invalid digest: %s (expected procgov-audit:v1:<block id>:<64 hex digits>)", digest);
	memcpy(idtext, p, colon - p);
	idtext[colon - p] = '\0';
	if (!parse_int64(idtext, &id) || id < 1 || !audit_unhex(colon + 1, strlen(colon + 1), h, AUDIT_HASH_LEN))
		die("invalid digest: %s (expected procgov-audit:v1:<block id>:<64 hex digits>)", digest);
	for (i = 0; i < nb; i++)
		if (bs[i].info.block_id == id)
		{
			if (!bs[i].info.usable)
				problem("changed", "digest", "The block the digest names is damaged (reported above): the digest cannot be confirmed.");
			else if (memcmp(bs[i].info.hash, h, AUDIT_HASH_LEN) != 0)
				problem("changed", "digest", "The block the digest names has another hash now: the block chain was rewritten.");
			return;
		}
	snprintf(detail, sizeof(detail), "The digest names block %lld, which the export does not hold: blocks were deleted.",
			 (long long) id);
	problem("deleted", "digest", detail);
}

int
main(int argc, char **argv)
{
	const char *entries_path = NULL,
			   *blocks_path = NULL,
			   *digest = NULL;
	Entry	   *es;
	Block	   *bs = NULL;
	size_t		n,
				nb = 0;
	int			i;

	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--entries") == 0 && i + 1 < argc)
			entries_path = argv[++i];
		else if (strcmp(argv[i], "--blocks") == 0 && i + 1 < argc)
			blocks_path = argv[++i];
		else if (strcmp(argv[i], "--digest") == 0 && i + 1 < argc)
			digest = argv[++i];
		else
		{
			fprintf(stderr,
					"usage: procgov-verify --entries FILE [--blocks FILE] [--digest DIGEST]\n"
					"  FILE from \\copy (SELECT * FROM procgov.audit_export ORDER BY entry_id) TO 'entries.tsv' WITH (ENCODING 'UTF8')\n"
					"  and \\copy (SELECT * FROM procgov.audit_block_export ORDER BY block_id) TO 'blocks.tsv' WITH (ENCODING 'UTF8');\n"
					"  DIGEST from SELECT digest FROM procgov.audit_digest(), kept outside the database.\n");
			return 2;
		}
	}
	if (entries_path == NULL)
		die("%s", "--entries is required (see --help)");
	if (digest && blocks_path == NULL)
		die("%s", "--digest needs --blocks");

	es = load_entries(entries_path, &n);
	if (blocks_path)
	{
		bs = load_blocks(blocks_path, &nb);
		qsort(bs, nb, sizeof(Block), cmp_block);
		check_blocks(bs, nb);
		check_membership(es, n, bs, nb);
		if (digest)
			check_digest(digest, bs, nb);
	}
	check_streams(es, n);

	{
		int64_t		sealed_hi = 0;
		size_t		unsealed = 0,
					k;

		for (k = 0; k < nb; k++)
			if (bs[k].info.usable && bs[k].info.last_id > sealed_hi)
				sealed_hi = bs[k].info.last_id;
		for (k = 0; k < n; k++)
			if (es[k].entry_id > sealed_hi)
				unsealed++;
		if (blocks_path == NULL)
			printf("procgov-verify: no blocks given: the chains are checked, but an entry removed from the end of a stream would not show\n");
		else if (unsealed > 0)
			printf("procgov-verify: %zu entr%s after the last sealed block: chained, not yet sealed (an entry removed from the end of a stream among them would not show)\n",
				   unsealed, unsealed == 1 ? "y is" : "ies are");
	}
	printf("procgov-verify: %zu entries, %zu blocks%s: %s\n", n, nb,
		   digest ? ", digest checked" : "",
		   problems == 0 ? "intact" : "PROBLEMS FOUND");
	if (problems > 0)
		printf("procgov-verify: %d problem%s\n", problems, problems == 1 ? "" : "s");
	return problems == 0 ? 0 : 1;
}
