/*-------------------------------------------------------------------------
 * test/fuzz/fuzz_audit_chain.c
 *		libFuzzer harness for the audit ledger's checkers: the analysis of
 *		one stream's chain and the classification of a block's leaves, fed
 *		with arbitrary (tampered) ledgers.
 *
 * Each 4 input bytes make one entry: a seq (1..8), the entry its prev_hash
 * points to (zeros, or one of the entries' hashes), a flag for a broken
 * content hash, and a hash drawn from a small alphabet so that duplicates
 * and cycles happen.  Properties (abort() on violation): the checkers never
 * read outside their inputs (AddressSanitizer); an intact chain built from
 * the same seqs reports nothing; every report names a known kind and, for
 * an entry, one of the entries passed in; the count returned equals the
 * reports made.  The same bytes drive audit_block_classify, whose reports
 * must each name a real leaf or stray.
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const audit_link *cur_links;
static size_t cur_n;
static int	reports;

static void
on_chain(void *arg, audit_problem_kind kind, const audit_link *entry, int64_t seq,
		 const uint8_t *expected, const uint8_t *found, const char *detail)
{
	(void) arg;
	(void) expected;
	(void) found;
	if (kind < AP_CHANGED || kind > AP_REORDERED || detail == NULL || strlen(detail) == 0 || seq < 1)
		abort();
	if (entry && (entry < cur_links || entry >= cur_links + cur_n))
		abort();
	reports++;
}

static int64_t leaves_n;
static size_t strays_n;

static void
on_leaf(void *arg, const char *kind, int64_t leaf, long stray, int64_t below, int64_t above)
{
	(void) arg;
	if (strcmp(kind, "changed") && strcmp(kind, "deleted") && strcmp(kind, "inserted"))
		abort();
	if (leaf >= leaves_n || stray >= (long) strays_n || (leaf < 0 && stray < 0) || below >= above)
		abort();
}

static int
by_seq(const void *a, const void *b)
{
	const audit_link *x = a,
			   *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->entry_id < y->entry_id ? -1 : x->entry_id > y->entry_id;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		n = size / 4,
				i;
	audit_link *links;
	int64_t    *leaf_entry;
	int64_t    *stray_ids;
	int			got;

	if (n == 0 || n > 64)
		return 0;
	links = calloc(n, sizeof(audit_link));
	for (i = 0; i < n; i++)
	{
		const uint8_t *b = data + 4 * i;

		links[i].entry_id = (int64_t) i + 1;
		links[i].seq = 1 + b[0] % 8;
		memset(links[i].hash, 0, AUDIT_HASH_LEN);
		links[i].hash[0] = (uint8_t) (1 + b[1] % 16);	/* never all zeros */
		links[i].hash_ok = (b[2] & 1) != 0;
	}
	for (i = 0; i < n; i++)
	{
		uint8_t		p = data[4 * i + 3];

		if (p % (n + 1) == 0)
			memset(links[i].prev_hash, 0, AUDIT_HASH_LEN);
		else
			memcpy(links[i].prev_hash, links[p % (n + 1) - 1].hash, AUDIT_HASH_LEN);
	}
	qsort(links, n, sizeof(audit_link), by_seq);
	cur_links = links;
	cur_n = n;
	reports = 0;
	got = audit_stream_check(links, n, on_chain, NULL);
	if (got != reports)
		abort();

	/* the same entries as an intact chain: seq 1..n, each linked to the one before */
	for (i = 0; i < n; i++)
	{
		links[i].seq = (int64_t) i + 1;
		links[i].hash_ok = true;
		memset(links[i].hash, 0, AUDIT_HASH_LEN);
		memcpy(links[i].hash, &i, sizeof(i));
		links[i].hash[31] = 1;
		if (i == 0)
			memset(links[i].prev_hash, 0, AUDIT_HASH_LEN);
		else
			memcpy(links[i].prev_hash, links[i - 1].hash, AUDIT_HASH_LEN);
	}
	reports = 0;
	if (audit_stream_check(links, n, on_chain, NULL) != 0 || reports != 0)
		abort();

	/* block classification: leaf i matched to id 10*(i+1) unless the input says not */
	leaves_n = (int64_t) n;
	leaf_entry = calloc(n, sizeof(int64_t));
	stray_ids = calloc(n, sizeof(int64_t));
	strays_n = 0;
	for (i = 0; i < n; i++)
	{
		leaf_entry[i] = (data[4 * i] & 0x80) ? 0 : 10 * ((int64_t) i + 1);
		if (data[4 * i + 1] & 0x80)
			stray_ids[strays_n++] = 10 * ((int64_t) i + 1) + 5;
	}
	audit_block_classify(leaf_entry, leaves_n, stray_ids, strays_n, 1, 10 * (int64_t) n + 9,
						 on_leaf, NULL);
	free(leaf_entry);
	free(stray_ids);
	free(links);
	return 0;
}
