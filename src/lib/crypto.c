/*
 * crypto.c -- thin wrappers over libsodium, and the encryption of
 * sensitive fields with the team's restricted key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

unsigned long dbki_count_pwhash;
unsigned long dbki_count_seal_open;

/*
 * Nonces are drawn from the system generator a batch at a time: a
 * getrandom call per sealed value was a twentieth of an import.  The
 * pool is per thread; a child after fork draws its own, so parent and
 * child never hand out the same bytes.  Nonces are not secret: the pool
 * needs no wiping.
 */
#define NONCE_BATCH 64

static _Thread_local struct {
	uint8_t b[NONCE_BATCH * DBKI_NONCE_LEN];
	size_t left;
	pid_t pid;
} nonces;

static void
nonce_next(uint8_t *out)
{
	pid_t pid = getpid();

	if (nonces.left == 0 || nonces.pid != pid) {
		randombytes_buf(nonces.b, sizeof nonces.b);
		nonces.left = NONCE_BATCH;
		nonces.pid = pid;
	}
	nonces.left--;
	memcpy(out, nonces.b + nonces.left * DBKI_NONCE_LEN, DBKI_NONCE_LEN);
	/* Used once: a later copy of the pool never shows it again. */
	memset(nonces.b + nonces.left * DBKI_NONCE_LEN, 0, DBKI_NONCE_LEN);
}

/*
 * libsodium's ChaCha20 runs the last partial 64-byte block of a message
 * through a buffer on its own stack and leaves it there: up to 63 bytes
 * of plaintext, found by the hygiene test once other calls stopped
 * happening to write over them.  Zero the stack those calls used.
 */
static void __attribute__((noinline))
scrub_stack(void)
{
	volatile uint8_t b[8192];

	sodium_memzero((void *)b, sizeof b);
}

void
dbk_crypto_aead_seal(uint8_t *out, const uint8_t *pt, size_t ptlen,
    const uint8_t *ad, size_t adlen, const uint8_t *key)
{
	/* A fresh random nonce per write: 192 bits make collisions moot. */
	nonce_next(out);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + DBKI_NONCE_LEN, NULL,
	    pt, ptlen, ad, adlen, NULL, out, key);
	scrub_stack();
}

int
dbk_crypto_aead_open(uint8_t *pt, const uint8_t *in, size_t inlen,
    const uint8_t *ad, size_t adlen, const uint8_t *key)
{
	if (inlen < DBKI_SEAL_OVERHEAD)
		return DBK_EINTEGRITY;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL,
	    in + DBKI_NONCE_LEN, inlen - DBKI_NONCE_LEN, ad, adlen, in, key) != 0)
		return DBK_EINTEGRITY;
	scrub_stack();
	return 0;
}

int
dbk_crypto_pwhash_derive(uint8_t *key, const char *pass, size_t passlen,
    const uint8_t salt[DBKI_SALT_LEN], uint64_t ops, size_t mem)
{
	dbki_count_pwhash++;
	if (crypto_pwhash(key, DBKI_KEY_LEN, pass, passlen, salt, ops, mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		return DBK_ENOMEM;
	return 0;
}

void
dbk_crypto_index_hash(uint8_t out[16], const uint8_t *data, size_t len,
    const uint8_t *key)
{
	crypto_generichash(out, 16, data, len, key, DBKI_KEY_LEN);
}

/* ---- encodings ---- */

char *
dbki_b64_encode(const uint8_t *in, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(n);

	if (out == NULL)
		return NULL;
	sodium_bin2base64(out, n, in, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

long
dbki_b64_decode(uint8_t *out, size_t cap, const char *in, size_t inlen)
{
	size_t n = 0;
	const char *end = NULL;

	if (sodium_base642bin(out, cap, in, inlen, NULL, &n, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	if (end != in + inlen)
		return -1;
	return (long)n;
}

void
dbki_hex(char *out, const uint8_t *in, size_t len)
{
	sodium_bin2hex(out, 2 * len + 1, in, len);
}

int
dbki_unhex(uint8_t *out, size_t len, const char *in)
{
	size_t n = 0;
	const char *end = NULL;

	if (strlen(in) != 2 * len)
		return -1;
	if (sodium_hex2bin(out, len, in, 2 * len, NULL, &n, &end) != 0 ||
	    n != len || *end != '\0')
		return -1;
	return 0;
}

/* ---- sensitive fields ---- */

#define FIELD_SCHEMA_VERSION 1u

/*
 * AD = "dbk-field" || team id || schema version || record id || name.
 * Epoch 0 is a store's provisional key, used before it joins a team: its
 * values keep the all-zero team id they were sealed with, so they still
 * open after the store has joined (and its team id changed).
 */
static size_t
field_ad(uint8_t *ad, size_t cap, const struct dbk_store *s, uint32_t epoch,
    const uint8_t id[16], const char *field)
{
	size_t flen = strlen(field), n = 0;

	if (cap < 9 + 16 + 4 + 16 + flen)
		return 0;
	memcpy(ad + n, "dbk-field", 9); n += 9;
	if (epoch == 0)
		memset(ad + n, 0, 16);
	else
		memcpy(ad + n, s->team_id, 16);
	n += 16;
	dbki_le32(ad + n, FIELD_SCHEMA_VERSION); n += 4;
	memcpy(ad + n, id, 16); n += 16;
	memcpy(ad + n, field, flen); n += flen;
	return n;
}

static const struct dbki_rkey *
rkey_find(const struct dbk_store *s, uint32_t epoch)
{
	for (size_t i = 0; i < s->nrkeys; i++)
		if (s->rkeys[i].epoch == epoch)
			return &s->rkeys[i];
	return NULL;
}

int
dbki_field_seal(struct dbk_store *s, const uint8_t id[16], const char *field,
    const char *value, char **out, struct dbk_error *err)
{
	const struct dbki_rkey *rk = rkey_find(s, s->rk_current);
	uint8_t ad[128], *ct = NULL, *pt = NULL;
	size_t adlen, vlen = strlen(value), ctlen;
	char *b64 = NULL, *res = NULL;
	int rc = DBK_ENOMEM;

	*out = NULL;
	if (rk == NULL)
		return dbki_error_set(err, DBK_ENOKEY,
		    "no restricted key for epoch %u", s->rk_current);
	adlen = field_ad(ad, sizeof ad, s, rk->epoch, id, field);
	if (adlen == 0)
		return dbki_error_set(err, DBK_EINVAL,
		    "field name '%s' is too long", field);
	if (rk->has_sk) {
		ctlen = vlen + DBKI_SEAL_OVERHEAD;
		if ((ct = malloc(ctlen)) == NULL)
			goto out;
		dbk_crypto_aead_seal(ct, (const uint8_t *)value, vlen, ad, adlen,
		    rk->sym);
	} else {
		/* Write-only deposit: seal H(ad) || value to the public half.
		 * Sealed boxes take no AD, so the binding rides inside. */
		size_t ptlen = 32 + vlen;
		if ((pt = malloc(ptlen)) == NULL)
			goto out;
		crypto_generichash(pt, 32, ad, adlen, NULL, 0);
		memcpy(pt + 32, value, vlen);
		ctlen = ptlen + crypto_box_SEALBYTES;
		if ((ct = malloc(ctlen)) == NULL)
			goto out;
		if (crypto_box_seal(ct, pt, ptlen, rk->pk) != 0) {
			rc = dbki_error_set(err, DBK_EINTEGRITY,
			    "sealing field '%s' failed", field);
			goto out;
		}
	}
	if ((b64 = dbki_b64_encode(ct, ctlen)) == NULL)
		goto out;
	if (asprintf(&res, "%s.%u.%s", rk->has_sk ? "R1" : "S1", rk->epoch,
	    b64) < 0) {
		res = NULL;
		goto out;
	}
	*out = res;
	rc = 0;
out:
	if (pt != NULL) {
		sodium_memzero(pt, 32 + vlen);
		free(pt);
	}
	free(ct);
	free(b64);
	if (rc == DBK_ENOMEM)
		dbki_error_set(err, rc, "out of memory sealing field '%s'", field);
	return rc;
}

int
dbki_field_open(struct dbk_store *s, const uint8_t id[16], const char *field,
    const char *sealed, char **out, struct dbk_error *err)
{
	const struct dbki_rkey *rk;
	uint8_t ad[128], *ct = NULL, *pt = NULL;
	size_t adlen, slen = strlen(sealed), cap, ptlen = 0;
	unsigned long epoch;
	char *end, *res = NULL;
	const char *b64;
	long n;
	int sealedbox, rc = DBK_EINTEGRITY;

	*out = NULL;
	if (slen < 5 || sealed[0] < 'A' || (memcmp(sealed, "R1.", 3) != 0 &&
	    memcmp(sealed, "S1.", 3) != 0))
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "field '%s' is not a sealed value", field);
	sealedbox = sealed[0] == 'S';
	epoch = strtoul(sealed + 3, &end, 10);
	if (*end != '.' || epoch > UINT32_MAX)
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "field '%s' has a malformed epoch", field);
	rk = rkey_find(s, (uint32_t)epoch);
	if (rk == NULL || !rk->has_sk)
		return dbki_error_set(err, DBK_ENOKEY,
		    "field '%s' is restricted", field);
	adlen = field_ad(ad, sizeof ad, s, rk->epoch, id, field);
	if (adlen == 0)
		return dbki_error_set(err, DBK_EINVAL,
		    "field name '%s' is too long", field);
	b64 = end + 1;
	cap = strlen(b64);
	if ((ct = malloc(cap + 1)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	n = dbki_b64_decode(ct, cap + 1, b64, strlen(b64));
	if (n < 0)
		goto bad;
	if (!sealedbox) {
		if ((size_t)n < DBKI_SEAL_OVERHEAD)
			goto bad;
		ptlen = (size_t)n - DBKI_SEAL_OVERHEAD;
		if ((pt = malloc(ptlen + 1)) == NULL)
			goto nomem;
		if (dbk_crypto_aead_open(pt, ct, (size_t)n, ad, adlen,
		    rk->sym) != 0)
			goto bad;
		pt[ptlen] = '\0';
		res = (char *)pt;
		pt = NULL;
	} else {
		uint8_t h[32];
		if ((size_t)n < crypto_box_SEALBYTES + 32)
			goto bad;
		ptlen = (size_t)n - crypto_box_SEALBYTES;
		if ((pt = malloc(ptlen + 1)) == NULL)
			goto nomem;
		dbki_count_seal_open++;
		if (crypto_box_seal_open(pt, ct, (size_t)n, rk->pk, rk->sk) != 0)
			goto bad;
		crypto_generichash(h, 32, ad, adlen, NULL, 0);
		if (sodium_memcmp(h, pt, 32) != 0)
			goto bad;
		if ((res = malloc(ptlen - 32 + 1)) == NULL)
			goto nomem;
		memcpy(res, pt + 32, ptlen - 32);
		res[ptlen - 32] = '\0';
	}
	if (strlen(res) != (sealedbox ? ptlen - 32 : ptlen)) {
		/* An embedded NUL: not something we ever wrote. */
		sodium_memzero(res, sealedbox ? ptlen - 32 : ptlen);
		free(res);
		res = NULL;
		goto bad;
	}
	*out = res;
	rc = 0;
	goto out;
nomem:
	rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
	goto out;
bad:
	rc = dbki_error_set(err, DBK_EINTEGRITY,
	    "field '%s' failed authentication", field);
out:
	if (pt != NULL) {
		sodium_memzero(pt, ptlen);
		free(pt);
	}
	free(ct);
	return rc;
}
