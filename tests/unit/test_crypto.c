/*
 * test_crypto.c -- unit tests for src/lib/crypto.c: the AEAD wrappers
 * (R10: authentication of every byte, fresh nonces), the restricted-field
 * sealing (R10 field binding; the write-only deposit), and the base64url
 * and hex helpers.
 */
#include "testutil.h"

#define FIELD_PT "50000000"

static void
random_key(uint8_t key[DBKI_KEY_LEN])
{
	randombytes_buf(key, DBKI_KEY_LEN);
}

/* ---- AEAD ---- */

static void
test_aead_roundtrip(void **state)
{
	static const char pt[] = "海天精密 budget 50万";
	static const char ad[] = "dbk1 rec key";
	uint8_t key[DBKI_KEY_LEN], out[sizeof pt + DBKI_SEAL_OVERHEAD];
	uint8_t back[sizeof pt];

	(void)state;
	random_key(key);
	dbk_crypto_aead_seal(out, (const uint8_t *)pt, sizeof pt,
	    (const uint8_t *)ad, strlen(ad), key);
	/* The plaintext does not appear in nonce || ciphertext || tag. */
	assert_null(memmem(out, sizeof out, pt, 12));
	memset(back, 0xaa, sizeof back);
	assert_int_equal(dbk_crypto_aead_open(back, out, sizeof out,
	    (const uint8_t *)ad, strlen(ad), key), 0);
	assert_memory_equal(back, pt, sizeof pt);

	/* An empty plaintext still carries nonce and tag (40 bytes). */
	{
		uint8_t e[DBKI_SEAL_OVERHEAD], dummy[1];
		dbk_crypto_aead_seal(e, (const uint8_t *)"", 0, NULL, 0, key);
		assert_int_equal(dbk_crypto_aead_open(dummy, e, sizeof e, NULL, 0,
		    key), 0);
		/* Shorter than nonce + tag is refused outright. */
		assert_int_equal(dbk_crypto_aead_open(dummy, e, sizeof e - 1,
		    NULL, 0, key), DBK_EINTEGRITY);
	}
}

static void
test_aead_every_bit(void **state)
{
	static const char pt[] = "phone 13812345678";
	uint8_t ad[20], key[DBKI_KEY_LEN], other[DBKI_KEY_LEN];
	uint8_t out[sizeof pt + DBKI_SEAL_OVERHEAD], back[sizeof pt];
	size_t nbits = sizeof out * 8;

	(void)state;
	random_key(key);
	random_key(other);
	randombytes_buf(ad, sizeof ad);
	dbk_crypto_aead_seal(out, (const uint8_t *)pt, sizeof pt, ad, sizeof ad,
	    key);
	/* Each of the (18 + 40) * 8 = 464 bits of nonce, ciphertext and tag
	 * is authenticated: flipping any one of them fails. */
	for (size_t i = 0; i < nbits; i++) {
		out[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (dbk_crypto_aead_open(back, out, sizeof out, ad, sizeof ad,
		    key) != DBK_EINTEGRITY)
			fail_msg("bit %zu of the sealed value is not authenticated",
			    i);
		out[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* So is every bit of the associated data. */
	for (size_t i = 0; i < sizeof ad * 8; i++) {
		ad[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (dbk_crypto_aead_open(back, out, sizeof out, ad, sizeof ad,
		    key) != DBK_EINTEGRITY)
			fail_msg("bit %zu of the AD is not authenticated", i);
		ad[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	/* A shorter or longer AD, and another key, fail too. */
	assert_int_equal(dbk_crypto_aead_open(back, out, sizeof out, ad,
	    sizeof ad - 1, key), DBK_EINTEGRITY);
	assert_int_equal(dbk_crypto_aead_open(back, out, sizeof out, ad,
	    sizeof ad, other), DBK_EINTEGRITY);
	/* Truncating the tag fails. */
	assert_int_equal(dbk_crypto_aead_open(back, out, sizeof out - 1, ad,
	    sizeof ad, key), DBK_EINTEGRITY);
	/* Undamaged, it still opens: the flips above were all undone. */
	assert_int_equal(dbk_crypto_aead_open(back, out, sizeof out, ad,
	    sizeof ad, key), 0);
	assert_memory_equal(back, pt, sizeof pt);
}

static int
cmp_nonce(const void *a, const void *b)
{
	return memcmp(a, b, DBKI_NONCE_LEN);
}

static void
test_aead_nonces_distinct(void **state)
{
	/* R10: 100,000 seals of the same plaintext under the same key and AD
	 * give 100,000 distinct nonces.  With 192-bit random nonces a
	 * collision has probability about n^2 / 2^193, i.e. never; a fixed
	 * or counter-less nonce would collide at once. */
	enum { N = 100000 };
	uint8_t key[DBKI_KEY_LEN], out[1 + DBKI_SEAL_OVERHEAD];
	uint8_t (*nonces)[DBKI_NONCE_LEN] = malloc((size_t)N * DBKI_NONCE_LEN);
	static const uint8_t zero[DBKI_NONCE_LEN];
	size_t dups = 0, zeros = 0;

	(void)state;
	assert_non_null(nonces);
	random_key(key);
	for (size_t i = 0; i < N; i++) {
		dbk_crypto_aead_seal(out, (const uint8_t *)"x", 1,
		    (const uint8_t *)"ad", 2, key);
		memcpy(nonces[i], out, DBKI_NONCE_LEN);
	}
	qsort(nonces, N, DBKI_NONCE_LEN, cmp_nonce);
	for (size_t i = 0; i < N; i++) {
		if (i > 0 && memcmp(nonces[i - 1], nonces[i], DBKI_NONCE_LEN) == 0)
			dups++;
		if (memcmp(nonces[i], zero, DBKI_NONCE_LEN) == 0)
			zeros++;
	}
	free(nonces);
	assert_int_equal(dups, 0);
	assert_int_equal(zeros, 0);
}

static void
test_pwhash_and_index(void **state)
{
	uint8_t salt[DBKI_SALT_LEN] = { 1, 2, 3 }, k1[32], k2[32], k3[32];
	uint8_t h1[16], h2[16], h3[16], ik[32], ik2[32];
	unsigned long before = dbki_count_pwhash;

	(void)state;
	/* Same passphrase, salt and cost: the same key; another passphrase:
	 * another key.  Each derivation is counted (R5). */
	assert_int_equal(dbk_crypto_pwhash_derive(k1, "pw", 2, salt,
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	assert_int_equal(dbk_crypto_pwhash_derive(k2, "pw", 2, salt,
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	assert_int_equal(dbk_crypto_pwhash_derive(k3, "pW", 2, salt,
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	assert_memory_equal(k1, k2, 32);
	assert_memory_not_equal(k1, k3, 32);
	assert_int_equal(dbki_count_pwhash - before, 3);

	/* The index hash is keyed: same key same hash, other key other. */
	random_key(ik);
	random_key(ik2);
	dbk_crypto_index_hash(h1, (const uint8_t *)"ht-001", 6, ik);
	dbk_crypto_index_hash(h2, (const uint8_t *)"ht-001", 6, ik);
	dbk_crypto_index_hash(h3, (const uint8_t *)"ht-001", 6, ik2);
	assert_memory_equal(h1, h2, 16);
	assert_memory_not_equal(h1, h3, 16);
}

/* ---- restricted fields ---- */

static void
id_fill(uint8_t id[16], uint8_t v)
{
	memset(id, v, 16);
}

static char *
seal_ok(struct dbk_store *s, const uint8_t id[16], const char *field,
    const char *value)
{
	struct dbk_error err = { 0 };
	char *out = NULL;
	int rc;

	/* Outside a transaction the key pages are guarded (R21). */
	dbki_keys_open(s);
	rc = dbki_field_seal(s, id, field, value, &out, &err);
	dbki_keys_close(s);
	TU_OK(rc, &err);
	assert_non_null(out);
	return out;
}

static void
open_is(struct dbk_store *s, const uint8_t id[16], const char *field,
    const char *sealed, const char *want)
{
	struct dbk_error err = { 0 };
	char *out = NULL;
	int rc;

	dbki_keys_open(s);
	rc = dbki_field_open(s, id, field, sealed, &out, &err);
	dbki_keys_close(s);
	TU_OK(rc, &err);
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void
open_fails(struct dbk_store *s, const uint8_t id[16], const char *field,
    const char *sealed, int code)
{
	struct dbk_error err = { 0 };
	char *out = (char *)"untouched";
	int rc;

	dbki_keys_open(s);
	rc = dbki_field_open(s, id, field, sealed, &out, &err);
	dbki_keys_close(s);
	TU_FAILS(rc, code, &err);
	assert_null(out);
	dbk_error_clear(&err);
}

static void
test_field_roundtrip_and_binding(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_store *s = ts->s;
	uint8_t id1[16], id2[16];
	char *sealed, *copy;
	size_t n;

	id_fill(id1, 0x11);
	id_fill(id2, 0x22);
	sealed = seal_ok(s, id1, "budget", FIELD_PT);
	/* A store without a team holds the provisional key of epoch 0 and
	 * its secret, so the value is symmetric: "R1.0.<base64url>". */
	assert_int_equal(strncmp(sealed, "R1.0.", 5), 0);
	assert_null(strstr(sealed, FIELD_PT));
	open_is(s, id1, "budget", sealed, FIELD_PT);

	/* R10 field swap: the same ciphertext under another record id or
	 * another field name does not authenticate. */
	open_fails(s, id2, "budget", sealed, DBK_EINTEGRITY);
	open_fails(s, id1, "expected", sealed, DBK_EINTEGRITY);
	open_fails(s, id1, "budge", sealed, DBK_EINTEGRITY);

	/* One base64 character changed (any valid letter for another). */
	copy = strdup(sealed);
	assert_non_null(copy);
	n = strlen(copy);
	copy[n / 2] = copy[n / 2] == 'A' ? 'B' : 'A';
	open_fails(s, id1, "budget", copy, DBK_EINTEGRITY);
	/* Not a sealed value at all, or a malformed one. */
	open_fails(s, id1, "budget", FIELD_PT, DBK_EINTEGRITY);
	open_fails(s, id1, "budget", "R1.", DBK_EINTEGRITY);
	open_fails(s, id1, "budget", "R1.x.AAAA", DBK_EINTEGRITY);
	open_fails(s, id1, "budget", "R1.0.not*base64", DBK_EINTEGRITY);
	open_fails(s, id1, "budget", "R1.0.AAAA", DBK_EINTEGRITY);
	/* An epoch whose key we do not hold. */
	snprintf(copy, n + 1, "R1.7.%s", sealed + 5);
	open_fails(s, id1, "budget", copy, DBK_ENOKEY);
	free(copy);

	/* Two seals of one value differ (fresh nonce) and both open. */
	copy = seal_ok(s, id1, "budget", FIELD_PT);
	assert_string_not_equal(copy, sealed);
	open_is(s, id1, "budget", copy, FIELD_PT);
	free(copy);
	free(sealed);

	/* The empty value and non-ASCII text round-trip. */
	sealed = seal_ok(s, id1, "phone", "");
	open_is(s, id1, "phone", sealed, "");
	free(sealed);
	sealed = seal_ok(s, id1, "email", "王經理@例子.中国");
	open_is(s, id1, "email", sealed, "王經理@例子.中国");
	free(sealed);
}

static void
test_field_team_epoch(void **state)
{
	struct tu_store ts;
	uint8_t id[16];
	char *sealed;

	(void)state;
	/* A founded team starts its restricted key at epoch 1. */
	tu_store_new(&ts, "華南銷售");
	id_fill(id, 0x33);
	sealed = seal_ok(ts.s, id, "amount", FIELD_PT);
	assert_int_equal(strncmp(sealed, "R1.1.", 5), 0);
	open_is(ts.s, id, "amount", sealed, FIELD_PT);
	free(sealed);
	tu_store_free(&ts);
}

static void
test_field_write_only_deposit(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_store *s = ts->s;
	struct dbki_rkey saved;
	uint8_t id1[16], id2[16];
	char *sealed, *sym;

	id_fill(id1, 0x44);
	id_fill(id2, 0x55);
	sym = seal_ok(s, id1, "amount", FIELD_PT);

	/* Without the restricted secret a member can still deposit a value:
	 * it is sealed to the public half ("S1.0.") and cannot be read back,
	 * nor can the symmetric value written earlier. */
	tu_drop_secret(s, &saved);
	assert_int_equal(dbk_store_has_restricted(s), 0);
	sealed = seal_ok(s, id1, "amount", FIELD_PT);
	assert_int_equal(strncmp(sealed, "S1.0.", 5), 0);
	assert_null(strstr(sealed, FIELD_PT));
	open_fails(s, id1, "amount", sealed, DBK_ENOKEY);
	open_fails(s, id1, "amount", sym, DBK_ENOKEY);

	/* Whoever holds the secret reads the deposit, bound to its place. */
	tu_restore_secret(s, &saved);
	assert_int_equal(dbk_store_has_restricted(s), 1);
	open_is(s, id1, "amount", sealed, FIELD_PT);
	open_is(s, id1, "amount", sym, FIELD_PT);
	open_fails(s, id2, "amount", sealed, DBK_EINTEGRITY);
	open_fails(s, id1, "budget", sealed, DBK_EINTEGRITY);
	free(sealed);
	free(sym);
}

/* ---- encodings ---- */

static void
test_b64(void **state)
{
	uint8_t in[64], out[80];
	char *e;

	(void)state;
	/* "Man" -> 010011 010110 000101 101110 -> T W F u */
	e = dbki_b64_encode((const uint8_t *)"Man", 3);
	assert_string_equal(e, "TWFu");
	free(e);
	/* 0xfb 0xff -> 111110 111111 1111(00) -> 62 63 60: the URL-safe
	 * alphabet gives '-' '_' '8' (standard base64 would be "+/8="),
	 * and there is no padding. */
	e = dbki_b64_encode((const uint8_t *)"\xfb\xff", 2);
	assert_string_equal(e, "-_8");
	assert_int_equal(dbki_b64_decode(out, sizeof out, e, strlen(e)), 2);
	assert_memory_equal(out, "\xfb\xff", 2);
	free(e);
	e = dbki_b64_encode(in, 0);
	assert_string_equal(e, "");
	free(e);

	/* Every length 0..64 round-trips; n bytes give ceil(4n/3) chars. */
	randombytes_buf(in, sizeof in);
	for (size_t n = 0; n <= sizeof in; n++) {
		e = dbki_b64_encode(in, n);
		assert_non_null(e);
		assert_int_equal(strlen(e), (4 * n + 2) / 3);
		memset(out, 0, sizeof out);
		assert_int_equal(dbki_b64_decode(out, sizeof out, e, strlen(e)),
		    (long)n);
		assert_memory_equal(out, in, n);
		free(e);
	}

	/* Refused: characters outside the alphabet, the standard alphabet,
	 * padding, trailing junk, and output that does not fit. */
	assert_int_equal(dbki_b64_decode(out, sizeof out, "TW$u", 4), -1);
	assert_int_equal(dbki_b64_decode(out, sizeof out, "+/8", 3), -1);
	assert_int_equal(dbki_b64_decode(out, sizeof out, "TQ==", 4), -1);
	assert_int_equal(dbki_b64_decode(out, sizeof out, "TWFu\n", 5), -1);
	assert_int_equal(dbki_b64_decode(out, 2, "TWFu", 4), -1);
	assert_int_equal(dbki_b64_decode(out, 3, "TWFu", 4), 3);
}

static void
test_hex(void **state)
{
	static const uint8_t bin[3] = { 0x00, 0xab, 0xff };
	uint8_t out[3];
	char h[7];

	(void)state;
	dbki_hex(h, bin, 3);
	assert_string_equal(h, "00abff");
	assert_int_equal(dbki_unhex(out, 3, "00abff"), 0);
	assert_memory_equal(out, bin, 3);
	/* Upper case reads the same. */
	memset(out, 0, 3);
	assert_int_equal(dbki_unhex(out, 3, "00ABFF"), 0);
	assert_memory_equal(out, bin, 3);
	/* Wrong length either way, odd length, non-hex, separators. */
	assert_int_equal(dbki_unhex(out, 3, "00abf"), -1);
	assert_int_equal(dbki_unhex(out, 3, "00abff00"), -1);
	assert_int_equal(dbki_unhex(out, 3, "00abfg"), -1);
	assert_int_equal(dbki_unhex(out, 3, "00:abf"), -1);
	assert_int_equal(dbki_unhex(out, 3, ""), -1);
	assert_int_equal(dbki_unhex(out, 0, ""), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aead_roundtrip),
		cmocka_unit_test(test_aead_every_bit),
		cmocka_unit_test(test_aead_nonces_distinct),
		cmocka_unit_test(test_pwhash_and_index),
		cmocka_unit_test_setup_teardown(test_field_roundtrip_and_binding,
		    tu_setup_store, tu_teardown_store),
		cmocka_unit_test(test_field_team_epoch),
		cmocka_unit_test_setup_teardown(test_field_write_only_deposit,
		    tu_setup_store, tu_teardown_store),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_hex),
	};

	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
