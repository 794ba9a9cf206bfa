/*
 * gen.c -- generate the bundle vector corpus (the .vec files beside it),
 * in the style of age's testkit: one file per case, a text header naming
 * what it tests and the error class a reader must give, a blank line,
 * then the bundle bytes.  The keys are fixed (seeded); the sealed boxes'
 * ephemeral keys and the stream headers are random, so regenerating gives
 * other bytes with the same meaning: the committed files are the corpus.
 *
 *   gen OUTDIR
 *
 * Header lines: "expect: success|format|no-recipient|signature|
 * unknown-sender|payload", "comment: ...", and the key material a
 * reader needs: "recipient-pk", "recipient-sk", "sender-ed" (hex).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define CHUNK 65536

static uint8_t snd_ed_pk[32], snd_ed_sk[64], snd_x_pk[32];
static uint8_t oth_ed_pk[32], oth_ed_sk[64];
static uint8_t rcp_pk[32], rcp_sk[32], rcp2_pk[32], rcp2_sk[32];

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
be(struct buf *b, uint64_t v, int n)
{
	uint8_t x[8];

	for (int i = 0; i < n; i++)
		x[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	put(b, x, (size_t)n);
}

static void
keyid(const uint8_t pk[32], uint8_t id[8])
{
	crypto_generichash_state st;
	uint8_t h[32];

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"dbk-keyid-v1", 12);
	crypto_generichash_update(&st, pk, 32);
	crypto_generichash_final(&st, h, 32);
	memcpy(id, h, 8);
}

/* What to build, and what to break. */
struct spec {
	const char *name, *expect, *comment;
	size_t plen;			/* plaintext bytes */
	int nrcpt;			/* 1 or 2 (rcp, rcp2) */
	int version;
	int hdr_delta;			/* added to header_len */
	int rcpt_count_override;	/* -1: none */
	int unsorted;			/* stanzas in the wrong order */
	int zero_ephemeral, low_order;	/* my stanza's ephemeral key */
	int final_mid, no_final, two_final, empty_final_extra;
	int short_chunk, flip_tag2, wrong_ad;
	int sig_zero, sig_malleate, sig_other;
	int unknown_sender;
	size_t trailing, truncate;	/* bytes added / removed at the end */
	int chunk_len_max;
};

static void
sign(struct buf *b, const uint8_t sk[64])
{
	uint8_t msg[14 + 64], sig[64];

	memcpy(msg, "dbk-bundle-v1", 14);
	crypto_generichash(msg + 14, 64, b->p, b->n, NULL, 0);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
	put(b, sig, 64);
}

static void
build(const struct spec *s, struct buf *b)
{
	crypto_secretstream_xchacha20poly1305_state ss;
	uint8_t key[32], hh[32], ssh[24], *plain, *ct;
	struct { uint8_t id[8]; const uint8_t *pk; } st[2];
	size_t nr = (size_t)s->nrcpt, hlen, hstart;
	size_t nch = s->plen == 0 ? 1 : (s->plen + CHUNK - 1) / CHUNK;
	const uint8_t *sender_ed = s->unknown_sender ? oth_ed_pk : snd_ed_pk;

	randombytes_buf_deterministic(key, 32, (const uint8_t *)
	    "vector file key seed 0123456789a");
	st[0].pk = rcp_pk;
	st[1].pk = rcp2_pk;
	for (size_t i = 0; i < nr; i++)
		keyid(st[i].pk, st[i].id);
	if (nr == 2 && (memcmp(st[0].id, st[1].id, 8) > 0) != !!s->unsorted) {
		__typeof__(st[0]) t = st[0];
		st[0] = st[1];
		st[1] = t;
	}
	hlen = 114 + 88 * nr;
	put(b, "DBKB", 4);
	be(b, (uint64_t)s->version, 2);
	be(b, 0, 2);
	be(b, (uint64_t)((long)hlen + s->hdr_delta), 4);
	hstart = b->n;
	{
		uint8_t id[16], team[16];
		memset(id, 0x42, 16);
		memset(team, 0x11, 16);
		put(b, id, 16);
		put(b, team, 16);
		put(b, sender_ed, 32);
		put(b, snd_x_pk, 32);
		be(b, 1, 8);
		be(b, UINT64_C(0x0190000000000000), 8);
		be(b, (uint64_t)(s->rcpt_count_override >= 0 ?
		    s->rcpt_count_override : (int)nr), 2);
	}
	for (size_t i = 0; i < nr; i++) {
		uint8_t sealed[80];
		put(b, st[i].id, 8);
		crypto_box_seal(sealed, key, 32, st[i].pk);
		if (st[i].pk == rcp_pk && (s->zero_ephemeral || s->low_order)) {
			/* An order-8 point (CCTV x25519_low_order) or zeros. */
			static const uint8_t low[32] = { 0xe0, 0xeb, 0x7a, 0x7c,
				0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1,
				0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
				0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8,
				0x00 };
			if (s->zero_ephemeral)
				memset(sealed, 0, 32);
			else
				memcpy(sealed, low, 32);
		}
		put(b, sealed, 80);
	}
	(void)hstart;
	crypto_generichash(hh, 32, b->p, b->n, NULL, 0);
	if (s->wrong_ad)
		hh[0] ^= 1;
	crypto_secretstream_xchacha20poly1305_init_push(&ss, ssh, key);
	put(b, ssh, 24);
	plain = calloc(s->plen + 1, 1);
	ct = malloc(CHUNK + 17);
	for (size_t i = 0; i < s->plen; i++)
		plain[i] = (uint8_t)i;
	for (size_t c = 0; c < nch; c++) {
		size_t off = c * CHUNK;
		size_t n = c + 1 < nch ? CHUNK : s->plen - off;
		unsigned long long cl;
		int last = c + 1 == nch;
		unsigned char tag = last && !s->no_final ?
		    crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
		if (s->final_mid && c == 0 && nch > 1)
			tag = crypto_secretstream_xchacha20poly1305_TAG_FINAL;
		crypto_secretstream_xchacha20poly1305_push(&ss, ct, &cl,
		    plain + off, n, hh, 32, tag);
		if (s->flip_tag2 && c == 1)
			ct[cl - 1] ^= 1;
		if (s->chunk_len_max && c == 0)
			be(b, 0xffffffffu, 4);
		else if (s->short_chunk && c == 0)
			be(b, 10, 4);
		else
			be(b, cl, 4);
		put(b, ct, s->short_chunk && c == 0 ? 10 : (size_t)cl);
	}
	if (s->two_final || s->empty_final_extra) {
		unsigned long long cl;
		crypto_secretstream_xchacha20poly1305_push(&ss, ct, &cl, plain, 0,
		    hh, 32, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
		be(b, cl, 4);
		put(b, ct, (size_t)cl);
	}
	free(plain);
	free(ct);
	sign(b, s->sig_other ? oth_ed_sk : s->unknown_sender ? oth_ed_sk :
	    snd_ed_sk);
	if (s->sig_zero)
		memset(b->p + b->n - 64, 0, 64);
	if (s->sig_malleate) {
		/* S + L: the same signature in a non-canonical form. */
		static const uint8_t L[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63,
			0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
		uint8_t *S = b->p + b->n - 32;
		unsigned carry = 0;
		for (int i = 0; i < 32; i++) {
			unsigned v = S[i] + L[i] + carry;
			S[i] = (uint8_t)v;
			carry = v >> 8;
		}
	}
	for (size_t i = 0; i < s->trailing; i++) {
		uint8_t x = (uint8_t)(0xa5 ^ i);
		put(b, &x, 1);
	}
	if (s->truncate > 0 && s->truncate < b->n)
		b->n -= s->truncate;
}

static void
hex(FILE *fp, const char *k, const uint8_t *p, size_t n)
{
	fprintf(fp, "%s: ", k);
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%02x", p[i]);
	fputc('\n', fp);
}

int
main(int argc, char **argv)
{
#define S(...) { __VA_ARGS__ }
	static const struct spec base = { NULL, NULL, NULL, 200, 2, 1, 0, -1,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct spec v[64];
	size_t n = 0;
	uint8_t seed[32];

	if (argc != 2 || sodium_init() < 0) {
		fprintf(stderr, "usage: gen OUTDIR\n");
		return 2;
	}
	memset(seed, 1, 32);
	crypto_sign_seed_keypair(snd_ed_pk, snd_ed_sk, seed);
	memset(seed, 2, 32);
	crypto_box_seed_keypair(snd_x_pk, rcp2_sk, seed);	/* x sk unused */
	memset(seed, 3, 32);
	crypto_sign_seed_keypair(oth_ed_pk, oth_ed_sk, seed);
	memset(seed, 4, 32);
	crypto_box_seed_keypair(rcp_pk, rcp_sk, seed);
	memset(seed, 5, 32);
	crypto_box_seed_keypair(rcp2_pk, rcp2_sk, seed);
#define ADD(nm, ex, cm, field) do { v[n] = base; v[n].name = nm; \
	v[n].expect = ex; v[n].comment = cm; field; n++; } while (0)
	ADD("valid", "success", "two recipients, 200 bytes", (void)0);
	ADD("valid_empty", "success", "an empty payload: one empty final chunk",
	    v[n].plen = 0);
	ADD("valid_64k", "success", "exactly one full chunk", v[n].plen = CHUNK);
	ADD("valid_64k_plus_1", "success", "a full chunk and one byte",
	    v[n].plen = CHUNK + 1);
	ADD("version_2", "format", "an unknown version", v[n].version = 2);
	ADD("header_len_short", "format", "header length one short",
	    v[n].hdr_delta = -1);
	ADD("header_len_long", "format", "header length one long",
	    v[n].hdr_delta = 1);
	ADD("no_recipients", "format", "recipient count 0",
	    v[n].rcpt_count_override = 0);
	ADD("too_many_recipients", "format", "recipient count 257",
	    v[n].rcpt_count_override = 257);
	ADD("stanzas_unsorted", "format", "recipients out of order",
	    v[n].unsorted = 1);
	ADD("trailing_1", "format", "one byte after the signature",
	    v[n].trailing = 1);
	ADD("trailing_17", "format", "17 bytes after the signature",
	    v[n].trailing = 17);
	ADD("truncated_sig", "format", "the last byte of the signature gone",
	    v[n].truncate = 1);
	ADD("chunk_len_max", "format", "a chunk length of 2^32-1",
	    v[n].chunk_len_max = 1);
	ADD("chunk_short", "format", "a chunk shorter than its tag",
	    v[n].short_chunk = 1);
	ADD("ephemeral_zero", "no-recipient", "my stanza's ephemeral key is zero",
	    v[n].zero_ephemeral = 1);
	ADD("ephemeral_low_order", "no-recipient",
	    "my stanza's ephemeral key is a point of order 8",
	    v[n].low_order = 1);
	ADD("sig_zero", "signature", "the signature zeroed", v[n].sig_zero = 1);
	ADD("sig_malleated", "signature", "S + L: a non-canonical signature",
	    v[n].sig_malleate = 1);
	ADD("sig_other_key", "signature",
	    "signed by another key than the sender named", v[n].sig_other = 1);
	ADD("unknown_sender", "unknown-sender",
	    "a sender not on the reader's roster", v[n].unknown_sender = 1);
	ADD("stream_no_final", "payload", "no chunk tagged final",
	    v[n].no_final = 1);
	ADD("stream_final_mid", "payload", "the final tag on the first of two "
	    "chunks", (v[n].final_mid = 1, v[n].plen = CHUNK + 5));
	ADD("stream_two_final", "payload", "a second final chunk after the "
	    "final one", v[n].two_final = 1);
	ADD("stream_empty_final_after_full", "payload", "an empty final chunk "
	    "after a full one", (v[n].no_final = 1, v[n].empty_final_extra = 1,
	    v[n].plen = CHUNK));
	ADD("stream_bad_tag_chunk2", "payload", "chunk 2 does not "
	    "authenticate", (v[n].flip_tag2 = 1, v[n].plen = CHUNK + 5));
	ADD("stream_wrong_ad", "payload", "chunks bound to another header",
	    v[n].wrong_ad = 1);
	for (size_t i = 0; i < n; i++) {
		struct buf b = { NULL, 0, 0 };
		char path[512];
		FILE *fp;
		build(&v[i], &b);
		snprintf(path, sizeof path, "%s/%s.vec", argv[1], v[i].name);
		if ((fp = fopen(path, "wb")) == NULL) {
			perror(path);
			return 1;
		}
		fprintf(fp, "expect: %s\ncomment: %s\n", v[i].expect, v[i].comment);
		hex(fp, "recipient-pk", rcp_pk, 32);
		hex(fp, "recipient-sk", rcp_sk, 32);
		hex(fp, "sender-ed", snd_ed_pk, 32);
		fputc('\n', fp);
		fwrite(b.p, 1, b.n, fp);
		fclose(fp);
		free(b.p);
	}
	printf("%zu vectors written to %s\n", n, argv[1]);
	return 0;
}
