/*
 * bundle.c -- the bundle codec of docs/BUNDLE.md, version 1.
 *
 * Sealing: a random file key, sealed to each recipient; the plaintext in
 * crypto_secretstream chunks of 64 KiB whose additional data is the hash
 * of prelude and header; an Ed25519 signature over everything before it.
 * Opening checks in the order the format page gives: lengths and caps
 * before any allocation, the sender before any cryptography, the
 * signature before any stanza, then the stream to its final tag.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bundle.h"
#include "internal.h"

#define MAGIC "DBKB"
#define VERSION 1
#define PRELUDE 12
#define STANZA 88			/* key id (8) || sealed file key (80) */
#define SEALED 80
#define FIXED_HDR 114
#define SIG 64
#define SS_HDR crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

static const char sig_ctx[] = "dbk-bundle-v1";

static void
be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
be32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void
be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t
rd_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

void
dbki_bundle_keyid(const uint8_t pk[32], uint8_t id[8])
{
	crypto_generichash_state st;
	uint8_t h[32];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const uint8_t *)"dbk-keyid-v1", 12);
	crypto_generichash_update(&st, pk, 32);
	crypto_generichash_final(&st, h, sizeof h);
	memcpy(id, h, 8);
}

/* The message the signature covers: context NUL || BLAKE2b-512(body). */
static void
sig_message(const uint8_t *body, size_t n, uint8_t msg[sizeof sig_ctx + 64])
{
	memcpy(msg, sig_ctx, sizeof sig_ctx);
	crypto_generichash(msg + sizeof sig_ctx, 64, body, n, NULL, 0);
}

struct stanza {
	uint8_t id[8];
	const uint8_t *pk;
};

static int
stanza_cmp(const void *a, const void *b)
{
	return memcmp(((const struct stanza *)a)->id,
	    ((const struct stanza *)b)->id, 8);
}

int
dbki_bundle_seal(const struct dbki_bundle_hdr *h, const uint8_t *plain,
    size_t plen, const uint8_t ed_sk[64], struct dbki_buf *out,
    struct dbk_error *err)
{
	crypto_secretstream_xchacha20poly1305_state ss;
	struct stanza st[DBKI_BUNDLE_MAX_RCPT];
	uint8_t *key = NULL, hh[32], buf[SEALED > 32 ? SEALED : 32];
	uint8_t msg[sizeof sig_ctx + 64], sig[SIG], *ct = NULL;
	size_t start = out->len, hlen, nchunks;
	int rc = 0;

	if (h->nrcpt == 0 || h->nrcpt > DBKI_BUNDLE_MAX_RCPT)
		return dbki_error_set(err, DBK_EINVAL,
		    "a bundle needs 1 to %d recipients", DBKI_BUNDLE_MAX_RCPT);
	/* Full chunks, the last one tagged final; one empty chunk only for
	 * an empty plaintext. */
	nchunks = plen == 0 ? 1 : (plen + DBKI_BUNDLE_CHUNK - 1) /
	    DBKI_BUNDLE_CHUNK;
	if (nchunks > DBKI_BUNDLE_MAX_CHUNKS)
		return dbki_error_set(err, DBK_EINVAL, "a bundle holds at most "
		    "%d chunks of plaintext", DBKI_BUNDLE_MAX_CHUNKS);
	for (size_t i = 0; i < h->nrcpt; i++) {
		dbki_bundle_keyid(h->rcpt[i], st[i].id);
		st[i].pk = h->rcpt[i];
	}
	qsort(st, h->nrcpt, sizeof *st, stanza_cmp);
	for (size_t i = 1; i < h->nrcpt; i++)
		if (memcmp(st[i - 1].id, st[i].id, 8) == 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "a recipient is named twice");
	if ((key = sodium_malloc(crypto_secretstream_xchacha20poly1305_KEYBYTES))
	    == NULL || (ct = malloc(DBKI_BUNDLE_CHUNK + SS_ABYTES)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	crypto_secretstream_xchacha20poly1305_keygen(key);
	hlen = FIXED_HDR + STANZA * h->nrcpt;
	{
		uint8_t pre[PRELUDE], fixed[FIXED_HDR];
		memcpy(pre, MAGIC, 4);
		be16(pre + 4, VERSION);
		be16(pre + 6, 0);
		be32(pre + 8, (uint32_t)hlen);
		dbki_buf_add(out, pre, sizeof pre);
		memcpy(fixed, h->id, 16);
		memcpy(fixed + 16, h->team, 16);
		memcpy(fixed + 32, h->ed_pk, 32);
		memcpy(fixed + 64, h->x_pk, 32);
		be64(fixed + 96, h->seq);
		be64(fixed + 104, h->hlc);
		be16(fixed + 112, (uint16_t)h->nrcpt);
		dbki_buf_add(out, fixed, sizeof fixed);
	}
	for (size_t i = 0; i < h->nrcpt; i++) {
		dbki_buf_add(out, st[i].id, 8);
		if (crypto_box_seal(buf, key,
		    crypto_secretstream_xchacha20poly1305_KEYBYTES, st[i].pk) != 0) {
			rc = dbki_error_set(err, DBK_EINVAL,
			    "a recipient's key is not usable");
			goto out;
		}
		dbki_buf_add(out, buf, SEALED);
	}
	if (out->oom) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	/* Every chunk's additional data: the hash of prelude and header. */
	crypto_generichash(hh, sizeof hh, (const uint8_t *)out->p + start,
	    PRELUDE + hlen, NULL, 0);
	{
		uint8_t ssh[SS_HDR];
		crypto_secretstream_xchacha20poly1305_init_push(&ss, ssh, key);
		dbki_buf_add(out, ssh, sizeof ssh);
	}
	for (size_t c = 0; c < nchunks; c++) {
		size_t off = c * DBKI_BUNDLE_CHUNK;
		size_t n = c + 1 < nchunks ? DBKI_BUNDLE_CHUNK : plen - off;
		unsigned long long clen;
		uint8_t lenb[4];
		crypto_secretstream_xchacha20poly1305_push(&ss, ct, &clen,
		    plain + off, n, hh, sizeof hh, c + 1 < nchunks ? 0 :
		    crypto_secretstream_xchacha20poly1305_TAG_FINAL);
		be32(lenb, (uint32_t)clen);
		dbki_buf_add(out, lenb, 4);
		dbki_buf_add(out, ct, (size_t)clen);
	}
	if (out->oom) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	sig_message((const uint8_t *)out->p + start, out->len - start, msg);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, ed_sk);
	dbki_buf_add(out, sig, sizeof sig);
	if (out->oom)
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
out:
	sodium_memzero(&ss, sizeof ss);
	sodium_free(key);
	free(ct);
	if (rc != 0)
		out->len = start;
	return rc;
}

static int
fail(struct dbki_bundle_info *info, enum dbki_bundle_class cls, int code,
    struct dbk_error *err, const char *what)
{
	static const char *const names[] = { "", "E_FORMAT",
		"E_UNKNOWN_SENDER", "E_SIGNATURE", "E_NO_RECIPIENT",
		"E_PAYLOAD" };

	info->cls = cls;
	return dbki_error_set(err, code, "the bundle is refused (%s): %s",
	    names[cls], what);
}

int
dbki_bundle_open(const uint8_t *b, size_t n, const uint8_t my_pk[32],
    const uint8_t my_sk[32],
    int (*sender_ok)(void *, const uint8_t *, const uint8_t *), void *ctx,
    struct dbki_bundle_info *info, uint8_t **plain, size_t *plen,
    struct dbk_error *err)
{
	crypto_secretstream_xchacha20poly1305_state ss;
	uint8_t msg[sizeof sig_ctx + 64], hh[32], myid[8], *key = NULL;
	const uint8_t *p, *stanzas, *stream, *sig;
	size_t hlen, nr, off, total = 0, nchunks = 0;
	uint8_t *pt = NULL;
	int rc = 0, final = 0;

	memset(info, 0, sizeof *info);
	*plain = NULL;
	*plen = 0;
	/* 1. Lengths, before anything else. */
	if (n < PRELUDE || memcmp(b, MAGIC, 4) != 0)
		return fail(info, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "not a dealbook bundle");
	if (rd_be(b + 4, 2) != VERSION || rd_be(b + 6, 2) != 0)
		return fail(info, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "unknown version or flags");
	hlen = (size_t)rd_be(b + 8, 4);
	if (hlen < FIXED_HDR || hlen > FIXED_HDR + STANZA *
	    DBKI_BUNDLE_MAX_RCPT ||
	    n - PRELUDE < hlen + SS_HDR + 4 + SIG)
		return fail(info, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "header length out of bounds");
	p = b + PRELUDE;
	nr = (size_t)rd_be(p + 112, 2);
	if (nr == 0 || nr > DBKI_BUNDLE_MAX_RCPT)
		return fail(info, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "recipient count out of bounds");
	stanzas = p + FIXED_HDR;
	if (hlen != FIXED_HDR + STANZA * nr)
		return fail(info, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "header length does not match its contents");
	for (size_t i = 1; i < nr; i++)
		if (memcmp(stanzas + STANZA * (i - 1), stanzas + STANZA * i, 8) >= 0)
			return fail(info, DBKI_B_FORMAT, DBK_EFORMAT, err,
			    "recipients out of order or repeated");
	info->id = p;
	info->team = p + 16;
	info->ed_pk = p + 32;
	info->x_pk = p + 64;
	info->seq = rd_be(p + 96, 8);
	info->hlc = rd_be(p + 104, 8);
	info->nrcpt = nr;
	stream = p + hlen;
	sig = b + n - SIG;
	/* The chunk frames: lengths only, nothing decrypted yet. */
	off = (size_t)(stream - b) + SS_HDR;
	while (off < n - SIG) {
		size_t cl;
		if (n - SIG - off < 4)
			return fail(info, DBKI_B_FORMAT, DBK_EFORMAT, err,
			    "a chunk is cut short");
		cl = (size_t)rd_be(b + off, 4);
		if (cl < SS_ABYTES || cl > DBKI_BUNDLE_CHUNK + SS_ABYTES ||
		    cl > n - SIG - off - 4 || ++nchunks > DBKI_BUNDLE_MAX_CHUNKS)
			return fail(info, DBKI_B_FORMAT, DBK_EFORMAT, err,
			    "a chunk length is out of bounds");
		total += cl - SS_ABYTES;
		off += 4 + cl;
	}
	if (nchunks == 0)
		return fail(info, DBKI_B_FORMAT, DBK_EFORMAT, err, "no payload");
	/* 2. The sender, before any cryptography. */
	if (sender_ok != NULL && !sender_ok(ctx, info->ed_pk, info->x_pk))
		return fail(info, DBKI_B_UNKNOWN_SENDER, DBK_EINTEGRITY, err,
		    "the sender is not on the roster");
	/* 3. The signature over everything before it. */
	sig_message(b, (size_t)(sig - b), msg);
	if (crypto_sign_verify_detached(sig, msg, sizeof msg, info->ed_pk) != 0)
		return fail(info, DBKI_B_SIGNATURE, DBK_EINTEGRITY, err,
		    "the signature does not verify");
	/* 4. My stanza. */
	dbki_bundle_keyid(my_pk, myid);
	{
		const uint8_t *mine = NULL;
		for (size_t i = 0; i < nr; i++)
			if (memcmp(stanzas + STANZA * i, myid, 8) == 0)
				mine = stanzas + STANZA * i + 8;
		if (mine == NULL)
			return fail(info, DBKI_B_NO_RECIPIENT, DBK_ENOKEY, err,
			    "it is not addressed to this member");
		if ((key = sodium_malloc(
		    crypto_secretstream_xchacha20poly1305_KEYBYTES)) == NULL)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		/* libsodium refuses small-order ephemeral keys here. */
		if (crypto_box_seal_open(key, mine, SEALED, my_pk, my_sk) != 0) {
			sodium_free(key);
			return fail(info, DBKI_B_NO_RECIPIENT, DBK_ENOKEY, err,
			    "its key does not open for this member");
		}
	}
	/* 5. The stream, to its final tag and no further. */
	crypto_generichash(hh, sizeof hh, b, PRELUDE + hlen, NULL, 0);
	if (crypto_secretstream_xchacha20poly1305_init_pull(&ss, stream, key)
	    != 0) {
		rc = fail(info, DBKI_B_PAYLOAD, DBK_EINTEGRITY, err,
		    "the stream header is invalid");
		goto out;
	}
	if ((pt = malloc(total + 1)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	off = (size_t)(stream - b) + SS_HDR;
	*plen = 0;
	for (size_t c = 0; c < nchunks; c++) {
		size_t cl = (size_t)rd_be(b + off, 4);
		unsigned long long ml;
		unsigned char tag;
		if (crypto_secretstream_xchacha20poly1305_pull(&ss, pt + *plen, &ml,
		    &tag, b + off + 4, cl, hh, sizeof hh) != 0) {
			rc = fail(info, DBKI_B_PAYLOAD, DBK_EINTEGRITY, err,
			    "a chunk does not authenticate");
			goto out;
		}
		final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
		/* Full chunks but the last; the final tag on the last only;
		 * an empty final chunk only for an empty payload. */
		if (final != (c + 1 == nchunks) ||
		    (!final && ml != DBKI_BUNDLE_CHUNK) ||
		    (final && ml == 0 && c > 0)) {
			rc = fail(info, DBKI_B_PAYLOAD, DBK_EINTEGRITY, err,
			    "the chunks are not in their order");
			goto out;
		}
		*plen += (size_t)ml;
		off += 4 + cl;
	}
	pt[*plen] = '\0';
	*plain = pt;
	pt = NULL;
out:
	sodium_memzero(&ss, sizeof ss);
	sodium_free(key);
	if (pt != NULL) {
		sodium_memzero(pt, total + 1);
		free(pt);
	}
	if (rc != 0)
		*plen = 0;
	return rc;
}
