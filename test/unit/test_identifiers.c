/*-------------------------------------------------------------------------
 * test/unit/test_identifiers.c
 *		TAP unit tests of the IBAN and GTIN parsers, without a server.
 *
 * Build and run:
 *   cc -Wall -Wextra -Isrc test/unit/test_identifiers.c \
 *      src/identifiers_core.c src/parse.c && ./a.out
 * Prints "ok N - description" or "not ok N - description" per case and
 * "1..N" at the end; exits 1 if any case failed.
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identifiers_core.h"

static int	ntests = 0;
static int	nfailed = 0;

/* Print one TAP line; a failure also prints a diagnostic comment. */
static void
report(int ok, const char *desc, const char *diag)
{
	ntests++;
	if (!ok)
		nfailed++;
	printf("%sok %d - %s\n", ok ? "" : "not ", ntests, desc);
	if (!ok && diag && diag[0])
		printf("# %s\n", diag);
}

/* An input with its expected result: the normalised form, or the status and a detail fragment. */
typedef struct id_case
{
	const char *input;
	pv_status	status;
	const char *expect;			/* compact form if PV_OK, else detail fragment */
	const char *message;		/* message fragment, or NULL */
} id_case;

static const id_case iban_cases[] = {
	{"DE89370400440532013000", PV_OK, "DE89370400440532013000", NULL},
	{"de89 3704 0044 0532 0130 00", PV_OK, "DE89370400440532013000", NULL},
	{"  GB29\tNWBK 6016 1331 9268 19  ", PV_OK, "GB29NWBK60161331926819", NULL},
	{"fr14 2004 1010 0505 0001 3m02 606", PV_OK, "FR1420041010050500013M02606", NULL},
	{"NO9386011117947", PV_OK, "NO9386011117947", NULL},
	{"LC55HEMM000100010012001200023015", PV_OK, "LC55HEMM000100010012001200023015", NULL},
	{"RU0304452522540817810538091310419", PV_OK, "RU0304452522540817810538091310419", NULL},
	{"", PV_MALFORMED, "The IBAN is empty.", "invalid input syntax for type procgov.iban: \"\""},
	{" \t ", PV_MALFORMED, "The IBAN is empty.", NULL},
	{"DE89 3704-0044", PV_MALFORMED, "Character \"-\" at position 10 is not a letter (A-Z) or digit.", NULL},
	{"DE89#370400440532013000", PV_MALFORMED, "Character \"#\" at position 5 is not", NULL},
	{"DE89\n370400440532013000", PV_MALFORMED, "The character at position 5 (byte 0x0A)", NULL},
	{"D\xc3\xa9" "89370400440532013000", PV_MALFORMED, "Character \"\xc3\xa9\" at position 2", NULL},
	{"D", PV_MALFORMED, "two-letter country code, not \"D\"", NULL},
	{"1E89370400440532013000", PV_MALFORMED, "two-letter country code, not \"1E\"", NULL},
	{"XX89370400440532013000", PV_MALFORMED, "\"XX\" is not a country in the SWIFT IBAN registry.", "unknown IBAN country code \"XX\""},
	{"US89370400440532013000", PV_MALFORMED, "\"US\" is not a country", NULL},
	{"DE8937040044053201300", PV_MALFORMED, "The IBAN has 21 characters, but DE IBANs have 22.", NULL},
	{"DE893704004405320130000", PV_MALFORMED, "The IBAN has 23 characters, but DE IBANs have 22.", NULL},
	{"DE89370400440532013000000000000000000", PV_MALFORMED, "The IBAN has 37 characters, but DE IBANs have 22.", NULL},
	{"DEAB370400440532013000", PV_MALFORMED, "are \"AB\", not two digits", NULL},
	{"DE00370400440532013000", PV_MALFORMED, "Check digits \"00\" are never issued", "invalid check digits for IBAN"},
	{"DE01370400440532013000", PV_MALFORMED, "Check digits \"01\" are never issued", NULL},
	{"DE99370400440532013000", PV_MALFORMED, "Check digits \"99\" are never issued", NULL},
	{"DE88370400440532013000", PV_MALFORMED, "Check digits \"88\" do not verify: the mod-97 remainder is 0, not 1.", "invalid check digits for IBAN"},
	{"DE89370400440532013001", PV_MALFORMED, "the mod-97 remainder is 28, not 1.", NULL},
	{"DE89370400440523013000", PV_MALFORMED, "do not verify", NULL},	/* swapped digits */
};

static const id_case gtin_cases[] = {
	{"96385074", PV_OK, "00000096385074", NULL},	/* GTIN-8 */
	{"036000291452", PV_OK, "00036000291452", NULL},	/* GTIN-12, UPC-A */
	{"4006381333931", PV_OK, "04006381333931", NULL},	/* GTIN-13, EAN */
	{"10012345678902", PV_OK, "10012345678902", NULL},	/* GTIN-14 */
	{"400-6381-33393-1", PV_OK, "04006381333931", NULL},
	{" 4 006381 333931 ", PV_OK, "04006381333931", NULL},
	{"4006381 - 333931", PV_OK, "04006381333931", NULL},
	{"00000000000000", PV_OK, "00000000000000", NULL},
	{"99999999999997", PV_OK, "99999999999997", NULL},
	{"", PV_MALFORMED, "The GTIN is empty.", "invalid input syntax for type procgov.gtin: \"\""},
	{"   ", PV_MALFORMED, "The GTIN is empty.", NULL},
	{"12345678901", PV_MALFORMED, "The GTIN has 11 digits; a GTIN has 8, 12, 13 or 14.", NULL},
	{"9638507", PV_MALFORMED, "The GTIN has 7 digits", NULL},
	{"123456789012345", PV_MALFORMED, "The GTIN has 15 digits", NULL},
	{"4006x381333931", PV_MALFORMED, "Character \"x\" at position 5 is not a digit.", NULL},
	{"-4006381333931", PV_MALFORMED, "The hyphen at position 1 does not follow a digit.", NULL},
	{"4006--381333931", PV_MALFORMED, "The hyphen at position 6 does not follow a digit.", NULL},
	{"4006381333931-", PV_MALFORMED, "The hyphen at position 14 is not followed by a digit.", NULL},
	{"4006381333933", PV_MALFORMED, "Check digit 3 is wrong: the digits before it call for 1.", "invalid check digit for GTIN: \"4006381333933\""},
	{"96385075", PV_MALFORMED, "Check digit 5 is wrong: the digits before it call for 4.", NULL},
	{"4006381339331", PV_MALFORMED, "Check digit 1 is wrong", NULL},	/* swapped digits */
};

/* Run one IBAN case: accepted with the right compact form, or refused with the right words. */
static void
run_iban(const id_case *c)
{
	char		out[IBAN_MAX_LEN + 1],
				desc[160],
				diag[800];
	size_t		n = 0;
	pv_error	err;
	int			ok;

	memset(&err, 0, sizeof(err));
	ok = iban_parse(c->input, strlen(c->input), out, &n, &err);
	snprintf(desc, sizeof(desc), "iban \"%.40s\" %s", c->input,
			 c->status == PV_OK ? "is accepted" : "is refused");
	for (char *p = desc; *p; p++)
		if ((unsigned char) *p < 0x20)
			*p = '?';
	if (c->status == PV_OK)
	{
		snprintf(diag, sizeof(diag), "got %s: %s", ok ? out : "error", ok ? "" : err.detail);
		report(ok && n == strlen(c->expect) && strcmp(out, c->expect) == 0, desc, diag);
	}
	else
	{
		snprintf(diag, sizeof(diag), "got %s | %s | %s | %s", ok ? "accepted" : "refused",
				 err.message, err.detail, err.hint);
		report(!ok && err.status == c->status && strstr(err.detail, c->expect) != NULL &&
			   err.hint[0] != '\0' &&
			   (c->message == NULL || strstr(err.message, c->message) != NULL), desc, diag);
	}
}

/* Run one GTIN case: accepted with the right 14-digit form, or refused with the right words. */
static void
run_gtin(const id_case *c)
{
	uint64_t	v = 0;
	char		out[GTIN_DIGITS + 1],
				desc[160],
				diag[800];
	pv_error	err;
	int			ok;

	memset(&err, 0, sizeof(err));
	ok = gtin_parse(c->input, strlen(c->input), &v, &err);
	snprintf(desc, sizeof(desc), "gtin \"%s\" %s", c->input,
			 c->status == PV_OK ? "is accepted" : "is refused");
	if (c->status == PV_OK)
	{
		ok = ok && gtin_format(v, GTIN_DIGITS, out);
		snprintf(diag, sizeof(diag), "got %s", ok ? out : err.detail);
		report(ok && strcmp(out, c->expect) == 0, desc, diag);
	}
	else
	{
		snprintf(diag, sizeof(diag), "got %s | %s | %s | %s", ok ? "accepted" : "refused",
				 err.message, err.detail, err.hint);
		report(!ok && err.status == c->status && strstr(err.detail, c->expect) != NULL &&
			   err.hint[0] != '\0' &&
			   (c->message == NULL || strstr(err.message, c->message) != NULL), desc, diag);
	}
}

/* The example IBAN the SWIFT IBAN registry gives for each of its 89 countries. */
static const char *const registry_examples =
"AD1200012030200359100100 AE070331234567890123456 AL47212110090000000235698741 "
"AT611904300234573201 AZ21NABZ00000000137010001944 BA391290079401028494 "
"BE68539007547034 BG80BNBG96611020345678 BH67BMAG00001299123456 "
"BI4210000100010000332045181 BR1800360305000010009795493C1 "
"BY13NBRB3600900000002Z00AB00 CH9300762011623852957 CR05015202001026284066 "
"CY17002001280000001200527600 CZ6508000000192000145399 DE89370400440532013000 "
"DJ2100010000000154000100186 DK5000400440116243 DO28BAGR00000001212453611324 "
"EE382200221020145685 EG380019000500000000263180002 ES9121000418450200051332 "
"FI2112345600000785 FK88SC123456789012 FO6264600001631634 "
"FR1420041010050500013M02606 GB29NWBK60161331926819 GE29NB0000000101904917 "
"GI75NWBK000000007099453 GL8964710001000206 GR1601101250000000012300695 "
"GT82TRAJ01020000001210029690 HN88CABF00000000000250005469 HR1210010051863000160 "
"HU42117730161111101800000000 IE29AIBK93115212345678 IL620108000000099999999 "
"IQ98NBIQ850123456789012 IS140159260076545510730339 IT60X0542811101000000123456 "
"JO94CBJO0010000000000131000302 KW81CBKU0000000000001234560101 "
"KZ86125KZT5004100100 LB62099900000001001901229114 "
"LC55HEMM000100010012001200023015 LI21088100002324013AA LT121000011101001000 "
"LU280019400644750000 LV80BANK0000435195001 LY83002048000020100120361 "
"MC5811222000010123456789030 MD24AG000225100013104168 ME25505000012345678951 "
"MK07250120000058984 MN121234123456789123 MR1300020001010000123456753 "
"MT84MALT011000012345MTLCAST001S MU17BOMM0101101030300200000MUR "
"NI45BAPR00000013000003558124 NL91ABNA0417164300 NO9386011117947 "
"OM810180000001299123456 PK36SCBL0000001123456702 PL61109010140000071219812874 "
"PS92PALS000000000400123456702 PT50000201231234567890154 "
"QA58DOHB00001234567890ABCDEFG RO49AAAA1B31007593840000 RS35260005601001611379 "
"RU0304452522540817810538091310419 SA0380000000608010167519 "
"SC18SSCB11010000000000001497USD SD2129010501234001 SE4550000000058398257466 "
"SI56263300012039086 SK3112000000198742637541 SM86U0322509800000000270100 "
"SO211000001001000100141 ST23000100010051845310146 SV62CENR00000000000000700025 "
"TL380080012345678910157 TN5910006035183598478831 TR330006100519786457841326 "
"UA213223130000026007233566001 VA59001123000012345678 VG96VPVG0000012345678901 "
"XK051212012345678906 YE15CBYE0001018861234567891234";

/* Every registry example verifies, and there is exactly one per table entry, in table order. */
static void
test_registry_examples(void)
{
	const char *p = registry_examples;
	int			i = 0,
				bad = 0;
	char		diag[200] = "";

	while (*p)
	{
		size_t		len = strcspn(p, " ");
		char		out[IBAN_MAX_LEN + 1],
					cc[3];
		size_t		n;
		pv_error	err;

		if (i >= IBAN_COUNTRIES || iban_country_at(i, cc) != (int) len ||
			memcmp(cc, p, 2) != 0 || !iban_parse(p, len, out, &n, &err))
		{
			if (!bad)
				snprintf(diag, sizeof(diag), "first failure: %.*s (entry %d)", (int) len, p, i);
			bad++;
		}
		i++;
		p += len;
		p += strspn(p, " ");
	}
	if (i != IBAN_COUNTRIES && !bad)
		snprintf(diag, sizeof(diag), "%d examples for %d countries", i, IBAN_COUNTRIES);
	report(bad == 0 && i == IBAN_COUNTRIES,
		   "the registry example IBAN of each of the 89 countries verifies", diag);
}

/* The registry table is sorted and unique, and its lengths lie in 15..34. */
static void
test_registry_table(void)
{
	char		prev[3] = "",
				cc[3];
	int			i,
				ok = 1;

	for (i = 0; i < IBAN_COUNTRIES; i++)
	{
		int			len = iban_country_at(i, cc);

		if (len < 15 || len > IBAN_MAX_LEN || strcmp(prev, cc) >= 0 ||
			iban_country_length(cc) != len)
			ok = 0;
		memcpy(prev, cc, 3);
	}
	report(ok && iban_country_length("ZZ") == 0 && iban_country_length("de") == 0,
		   "the registry table is sorted, unique, 15..34 long, and looked up exactly", NULL);
}

/*
 * For every country: an IBAN built with computed check digits verifies, one
 * character more or less is a length error naming the country's length, and
 * every wrong pair of check digits is refused.
 */
static void
test_generated(void)
{
	int			i,
				ok = 1;
	char		diag[400] = "";

	for (i = 0; i < IBAN_COUNTRIES; i++)
	{
		char		buf[IBAN_MAX_LEN + 2],
					out[IBAN_MAX_LEN + 1],
					want[64];
		int			len = iban_country_at(i, buf),
					j,
					cd,
					good;
		size_t		n;
		pv_error	err;

		buf[2] = '0';
		buf[3] = '0';
		for (j = 4; j < len; j++)
			buf[j] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(j * 7 + i) % 36];
		good = 98 - iban_mod97(buf, (size_t) len);
		buf[2] = (char) ('0' + good / 10);
		buf[3] = (char) ('0' + good % 10);
		if (!iban_parse(buf, (size_t) len, out, &n, &err) || n != (size_t) len)
		{
			ok = 0;
			snprintf(diag, sizeof(diag), "%.*s refused: %s", len, buf, err.detail);
		}
		snprintf(want, sizeof(want), "%.2s IBANs have %d.", buf, len);
		buf[len] = '7';
		if (iban_parse(buf, (size_t) len + 1, out, &n, &err) || strstr(err.detail, want) == NULL)
			ok = 0;
		if (iban_parse(buf, (size_t) len - 1, out, &n, &err) || strstr(err.detail, want) == NULL)
			ok = 0;
		for (cd = 0; cd <= 99; cd++)
		{
			if (cd == good)
				continue;
			buf[2] = (char) ('0' + cd / 10);
			buf[3] = (char) ('0' + cd % 10);
			if (iban_parse(buf, (size_t) len, out, &n, &err))
			{
				ok = 0;
				snprintf(diag, sizeof(diag), "%.*s accepted", len, buf);
			}
		}
	}
	report(ok, "generated IBANs of every country verify; wrong length and every wrong check pair are refused", diag);
}

/* The print form groups by four, and the print form parses back to the same IBAN. */
static void
test_iban_print(void)
{
	char		print[IBAN_PRINT_MAX],
				out[IBAN_MAX_LEN + 1];
	size_t		n;
	pv_error	err;
	const char *lc = "LC55HEMM000100010012001200023015";

	iban_format_print("GB29NWBK60161331926819", 22, print);
	report(strcmp(print, "GB29 NWBK 6016 1331 9268 19") == 0, "iban print form of a GB IBAN", print);
	n = iban_format_print(lc, strlen(lc), print);
	report(n == 39 && strcmp(print, "LC55 HEMM 0001 0001 0012 0012 0002 3015") == 0,
		   "iban print form of a 32-character IBAN", print);
	report(iban_parse(print, n, out, &n, &err) && strcmp(out, lc) == 0,
		   "iban print form parses back to the electronic form", err.detail);
	report(IBAN_PRINT_MAX == 43, "IBAN_PRINT_MAX holds 34 characters, 8 blanks and a NUL", NULL);
}

/* Long input is quoted short in the message, never cut inside a UTF-8 character. */
static void
test_quoting(void)
{
	char		in[301],
				out[IBAN_MAX_LEN + 1];
	size_t		n,
				i;
	pv_error	err;
	const char *q;

	/* "X" then 150 two-byte characters: a cut after an even byte count splits one */
	in[0] = 'X';
	for (i = 1; i + 1 < sizeof(in); i += 2)
	{
		in[i] = '\xc3';
		in[i + 1] = '\xa9';
	}
	memset(&err, 0, sizeof(err));
	iban_parse(in, sizeof(in), out, &n, &err);
	q = strstr(err.message, "...\"");
	report(q != NULL && strlen(err.message) < 100 && (unsigned char) q[-1] == 0xa9,
		   "a long input is cut in the message, never inside a UTF-8 character", err.message);
}

/* GTIN check digits, shorter forms and numeric validation. */
static void
test_gtin_numbers(void)
{
	char		out[GTIN_DIGITS + 1];
	pv_error	err;

	report(gtin_check_digit(4006381333931ULL) == 1 && gtin_check_digit(96385074ULL) == 4 &&
		   gtin_check_digit(36000291452ULL) == 2 && gtin_check_digit(10012345678902ULL) == 2,
		   "gtin check digits of known GTIN-13, -8, -12 and -14", NULL);
	report(gtin_format(96385074ULL, 8, out) && strcmp(out, "96385074") == 0,
		   "gtin_format writes a GTIN-8 with 8 digits", out);
	report(gtin_format(4006381333931ULL, 13, out) && strcmp(out, "4006381333931") == 0,
		   "gtin_format writes an EAN with 13 digits", out);
	report(!gtin_format(4006381333931ULL, 12, out) && !gtin_format(10012345678902ULL, 13, out),
		   "gtin_format refuses to drop a non-zero digit", NULL);
	report(!gtin_format(96385074ULL, 9, out) && !gtin_format(GTIN_MAX + 1, 14, out),
		   "gtin_format refuses a digit count that is not a GTIN length, and a value over 14 digits", NULL);
	report(gtin_validate(4006381333931LL, &err) && gtin_validate(0, &err),
		   "gtin_validate accepts valid numbers", NULL);
	report(!gtin_validate(-1, &err) && err.status == PV_OUT_OF_RANGE &&
		   strstr(err.detail, "-1 is not between 0 and 99999999999999.") != NULL,
		   "gtin_validate refuses a negative number with 22003", err.detail);
	report(!gtin_validate(GTIN_MAX + 1, &err) && err.status == PV_OUT_OF_RANGE,
		   "gtin_validate refuses 15 digits with 22003", err.detail);
	report(!gtin_validate(4006381333932LL, &err) && err.status == PV_BAD_PARAMETER &&
		   strstr(err.message, "\"04006381333932\"") != NULL &&
		   strstr(err.detail, "Check digit 2 is wrong: the digits before it call for 1.") != NULL,
		   "gtin_validate refuses a wrong check digit with 22023", err.detail);
}

int
main(void)
{
	size_t		i;

	for (i = 0; i < sizeof(iban_cases) / sizeof(iban_cases[0]); i++)
		run_iban(&iban_cases[i]);
	test_registry_table();
	test_registry_examples();
	test_generated();
	test_iban_print();
	test_quoting();
	for (i = 0; i < sizeof(gtin_cases) / sizeof(gtin_cases[0]); i++)
		run_gtin(&gtin_cases[i]);
	test_gtin_numbers();
	printf("1..%d\n", ntests);
	return nfailed == 0 ? 0 : 1;
}
