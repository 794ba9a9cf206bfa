/*
 * test_bundle.c -- the bundle codec (src/lib/bundle.c, docs/BUNDLE.md):
 * round trips, and every way of breaking a bundle refused with its class
 * (RELIABILITY R1, R2, R5, R7, R8, R11 at the codec level).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bundle.h"
#include "internal.h"

struct keys {
	uint8_t ed_pk[32], ed_sk[64], x_pk[32], x_sk[32];
};

static void
keys_new(struct keys *k)
{
	crypto_sign_keypair(k->ed_pk, k->ed_sk);
	crypto_box_keypair(k->x_pk, k->x_sk);
}

/* A bundle from `from` to the recipients, of plen bytes of pattern. */
static void
make(const struct keys *from, const uint8_t (*rcpt)[32], size_t nr,
    size_t plen, struct dbki_buf *out)
{
	struct dbki_bundle_hdr h;
	struct dbk_error err = { 0 };
	uint8_t *plain = malloc(plen + 1);

	assert_non_null(plain);
	for (size_t i = 0; i < plen; i++)
		plain[i] = (uint8_t)(i * 7 + 3);
	memset(&h, 0, sizeof h);
	randombytes_buf(h.id, 16);
	memset(h.team, 0x11, 16);
	memcpy(h.ed_pk, from->ed_pk, 32);
	memcpy(h.x_pk, from->x_pk, 32);
	h.seq = 7;
	h.hlc = 0x0102030405060708ULL;
	h.nrcpt = nr;
	h.rcpt = rcpt;
	dbki_buf_init(out, (size_t)1 << 30);
	assert_int_equal(dbki_bundle_seal(&h, plain, plen, from->ed_sk, out,
	    &err), 0);
	free(plain);
}

struct known {
	const uint8_t *ed;
	int calls;
};

static int
sender_ok(void *ctx, const uint8_t ed[32], const uint8_t x[32])
{
	struct known *k = ctx;

	(void)x;
	k->calls++;
	return memcmp(ed, k->ed, 32) == 0;
}

/* Open for `me`; 0 and the plaintext length, or the error class. */
static int
try_open(const uint8_t *b, size_t n, const struct keys *me,
    const struct keys *sender, size_t *plen)
{
	struct dbki_bundle_info info;
	struct dbk_error err = { 0 };
	struct known k = { sender->ed_pk, 0 };
	uint8_t *plain = NULL;
	size_t pl = 0;
	int rc = dbki_bundle_open(b, n, me->x_pk, me->x_sk, sender_ok, &k,
	    &info, &plain, &pl, &err);

	dbk_error_clear(&err);
	if (rc == 0) {
		for (size_t i = 0; i < pl; i++)
			assert_int_equal(plain[i], (uint8_t)(i * 7 + 3));
		dbki_free_plain(plain, pl + 1);
		if (plen != NULL)
			*plen = pl;
		return 0;
	}
	assert_null(plain);
	assert_int_equal(pl, 0);
	assert_int_not_equal(info.cls, DBKI_B_OK);
	return (int)info.cls;
}

static void
test_round_trip(void **state)
{
	struct keys a, b, c, d;
	uint8_t r2[2][32];
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 3 * 65536 };
	size_t pl;

	(void)state;
	keys_new(&a);
	keys_new(&b);
	keys_new(&c);
	keys_new(&d);
	memcpy(r2[0], b.x_pk, 32);
	memcpy(r2[1], c.x_pk, 32);
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		struct dbki_buf out;
		make(&a, (const uint8_t (*)[32])r2, 2, sizes[i], &out);
		assert_int_equal(try_open((uint8_t *)out.p, out.len, &b, &a, &pl), 0);
		assert_int_equal(pl, sizes[i]);
		assert_int_equal(try_open((uint8_t *)out.p, out.len, &c, &a, &pl), 0);
		/* Not a recipient; an unknown sender (checked first). */
		assert_int_equal(try_open((uint8_t *)out.p, out.len, &d, &a, NULL),
		    DBKI_B_NO_RECIPIENT);
		assert_int_equal(try_open((uint8_t *)out.p, out.len, &b, &d, NULL),
		    DBKI_B_UNKNOWN_SENDER);
		dbki_buf_free(&out);
	}
}

/* R1: every single byte changed (xor 1, and a random non-zero mask) is
 * refused with one of the four classes. */
static void
test_byte_flips(void **state)
{
	struct keys a, b, c;
	uint8_t r2[2][32];
	struct dbki_buf out;
	uint8_t *copy;

	(void)state;
	keys_new(&a);
	keys_new(&b);
	keys_new(&c);
	memcpy(r2[0], b.x_pk, 32);
	memcpy(r2[1], c.x_pk, 32);
	make(&a, (const uint8_t (*)[32])r2, 2, 1800, &out);
	assert_true(out.len > 2000);
	copy = malloc(out.len);
	assert_non_null(copy);
	for (size_t i = 0; i < out.len; i++) {
		for (int m = 0; m < 2; m++) {
			uint8_t mask = m == 0 ? 1 : (uint8_t)(1 + randombytes_uniform(255));
			int cls;
			memcpy(copy, out.p, out.len);
			copy[i] ^= mask;
			cls = try_open(copy, out.len, &b, &a, NULL);
			if (cls != DBKI_B_FORMAT && cls != DBKI_B_SIGNATURE &&
			    cls != DBKI_B_NO_RECIPIENT && cls != DBKI_B_PAYLOAD &&
			    cls != DBKI_B_UNKNOWN_SENDER)
				fail_msg("byte %zu ^ %u: class %d", i, mask, cls);
		}
	}
	free(copy);
	dbki_buf_free(&out);
}

/* R2: every prefix, and appended bytes, are refused. */
static void
test_truncate_extend(void **state)
{
	struct keys a, b;
	struct dbki_buf out;
	uint8_t r1[1][32], *big;
	static const size_t extra[] = { 1, 12, 17, 70000 };

	(void)state;
	keys_new(&a);
	keys_new(&b);
	memcpy(r1[0], b.x_pk, 32);
	make(&a, (const uint8_t (*)[32])r1, 1, 70000, &out);
	for (size_t n = 0; n < out.len; n++)
		assert_int_not_equal(try_open((uint8_t *)out.p, n, &b, &a, NULL), 0);
	for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) {
		big = malloc(out.len + extra[i]);
		assert_non_null(big);
		memcpy(big, out.p, out.len);
		randombytes_buf(big + out.len, extra[i]);
		assert_int_not_equal(try_open(big, out.len + extra[i], &b, &a,
		    NULL), 0);
		free(big);
	}
	dbki_buf_free(&out);
}

/* R7/R8: lengths at and beyond their bounds are E_FORMAT, never a crash
 * or a large allocation; caps refused when sealing too. */
static void
test_caps(void **state)
{
	struct keys a, b;
	struct dbki_buf out;
	uint8_t r1[1][32], *copy;
	static const uint32_t hl[] = { 0, 113, 114, 201, 203, 0xffffffffu };
	struct dbki_bundle_hdr h;
	struct dbk_error err = { 0 };
	uint8_t dup[2][32];

	(void)state;
	keys_new(&a);
	keys_new(&b);
	memcpy(r1[0], b.x_pk, 32);
	make(&a, (const uint8_t (*)[32])r1, 1, 100, &out);
	copy = malloc(out.len);
	assert_non_null(copy);
	for (size_t i = 0; i < sizeof hl / sizeof *hl; i++) {
		memcpy(copy, out.p, out.len);
		copy[8] = (uint8_t)(hl[i] >> 24);
		copy[9] = (uint8_t)(hl[i] >> 16);
		copy[10] = (uint8_t)(hl[i] >> 8);
		copy[11] = (uint8_t)hl[i];
		assert_int_equal(try_open(copy, out.len, &b, &a, NULL),
		    DBKI_B_FORMAT);
	}
	/* Recipient count 0 and 257; a chunk length of 2^32-1. */
	memcpy(copy, out.p, out.len);
	copy[12 + 112] = 0;
	copy[12 + 113] = 0;
	assert_int_equal(try_open(copy, out.len, &b, &a, NULL), DBKI_B_FORMAT);
	copy[12 + 112] = 1;
	copy[12 + 113] = 1;
	assert_int_equal(try_open(copy, out.len, &b, &a, NULL), DBKI_B_FORMAT);
	memcpy(copy, out.p, out.len);
	{
		size_t hlen = 114 + 88, coff = 12 + hlen + 24;
		memset(copy + coff, 0xff, 4);
		assert_int_equal(try_open(copy, out.len, &b, &a, NULL),
		    DBKI_B_FORMAT);
	}
	/* Unknown version. */
	memcpy(copy, out.p, out.len);
	copy[5] = 2;
	assert_int_equal(try_open(copy, out.len, &b, &a, NULL), DBKI_B_FORMAT);
	free(copy);
	dbki_buf_free(&out);
	/* Sealing: no recipient, a recipient twice. */
	memset(&h, 0, sizeof h);
	memcpy(dup[0], b.x_pk, 32);
	memcpy(dup[1], b.x_pk, 32);
	h.rcpt = (const uint8_t (*)[32])dup;
	dbki_buf_init(&out, 1 << 20);
	assert_int_equal(dbki_bundle_seal(&h, (const uint8_t *)"x", 1, a.ed_sk,
	    &out, &err), DBK_EINVAL);
	dbk_error_clear(&err);
	h.nrcpt = 2;
	assert_int_equal(dbki_bundle_seal(&h, (const uint8_t *)"x", 1, a.ed_sk,
	    &out, &err), DBK_EINVAL);
	dbk_error_clear(&err);
	assert_int_equal(out.len, 0);
	dbki_buf_free(&out);
}

/* R4: another key re-signing the bundle is refused (the signer is the
 * sender named in the header); R5: an unknown sender is refused before
 * any stanza is tried. */
static void
test_resign(void **state)
{
	struct keys a, b, m;
	struct dbki_buf out;
	uint8_t r1[1][32], msg[14 + 64];

	(void)state;
	keys_new(&a);
	keys_new(&b);
	keys_new(&m);
	memcpy(r1[0], b.x_pk, 32);
	make(&a, (const uint8_t (*)[32])r1, 1, 500, &out);
	/* m signs a's bundle with its own key: the header still says a. */
	memcpy(msg, "dbk-bundle-v1", 14);
	crypto_generichash(msg + 14, 64, (uint8_t *)out.p, out.len - 64, NULL, 0);
	crypto_sign_detached((uint8_t *)out.p + out.len - 64, NULL, msg,
	    sizeof msg, m.ed_sk);
	assert_int_equal(try_open((uint8_t *)out.p, out.len, &b, &a, NULL),
	    DBKI_B_SIGNATURE);
	/* ... and naming m as the sender breaks the signature as well. */
	memcpy((uint8_t *)out.p + 12 + 32, m.ed_pk, 32);
	assert_int_equal(try_open((uint8_t *)out.p, out.len, &b, &m, NULL),
	    DBKI_B_SIGNATURE);
	dbki_buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_byte_flips),
		cmocka_unit_test(test_truncate_extend),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_resign),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
