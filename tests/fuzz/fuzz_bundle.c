/*
 * fuzz_bundle.c -- the bundle codec (docs/BUNDLE.md) on hostile bytes:
 * prelude, header, recipient stanzas, signature and the chunked stream,
 * whole in memory (dbki_bundle_open) and streamed from a file
 * (dbki_bundle_reader_open and _next), with the keys of the vector
 * corpus (tests/vectors/gen.c) so that mutated vectors meet a reader
 * that can open them.
 *
 * The first byte picks the mode:
 *   0  the rest as it is;
 *   1  the rest re-signed by the vectors' sender first: the signature
 *      covers every byte, so without this nearly every mutation stops
 *      there and the header and stanza checks behind it go unfuzzed;
 *   2  the rest as a plaintext, sealed to the vector recipient and
 *      opened again: it must come back byte for byte.
 * In modes 0 and 1 both readers must agree: a plaintext that is a whole
 * number of items is read to its clean end by the streaming reader,
 * item by item the same, exactly when the in-memory open accepts it.
 */
#include <sys/mman.h>

#include "fuzz.h"
#include "bundle.h"

static uint8_t snd_ed_pk[32], snd_ed_sk[64], snd_x_pk[32];
static uint8_t rcp_pk[32], rcp_sk[32];
static int memfd = -1;

static int
sender_is(void *ctx, const uint8_t ed[32], const uint8_t x[32])
{
	(void)ctx;
	(void)x;
	return memcmp(ed, snd_ed_pk, 32) == 0;
}

static void
setup(void)
{
	uint8_t seed[32], x_sk[32];

	if (sodium_init() < 0)
		fz_die("sodium_init");
	/* As tests/vectors/gen.c. */
	memset(seed, 1, 32);
	crypto_sign_seed_keypair(snd_ed_pk, snd_ed_sk, seed);
	memset(seed, 2, 32);
	crypto_box_seed_keypair(snd_x_pk, x_sk, seed);
	memset(seed, 4, 32);
	crypto_box_seed_keypair(rcp_pk, rcp_sk, seed);
	if ((memfd = memfd_create("fuzz-bundle", MFD_CLOEXEC)) < 0)
		fz_die("memfd_create");
}

/* Sign b (n bytes, the last 64 the signature) again, as gen.c signs. */
static void
resign(uint8_t *b, size_t n)
{
	uint8_t msg[14 + 64];

	if (n < 64)
		return;
	memcpy(msg, "dbk-bundle-v1", 14);
	crypto_generichash(msg + 14, 64, b, n - 64, NULL, 0);
	crypto_sign_detached(b + n - 64, NULL, msg, sizeof msg, snd_ed_sk);
}

/* Is p a whole number of items (len u32 BE || bytes)? */
static int
whole_items(const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t len;
		if (n < 4)
			return 0;
		len = (size_t)p[0] << 24 | (size_t)p[1] << 16 |
		    (size_t)p[2] << 8 | p[3];
		if (len > n - 4)
			return 0;
		p += 4 + len;
		n -= 4 + len;
	}
	return 1;
}

static void
both_readers(const uint8_t *b, size_t n)
{
	struct dbki_bundle_info info, rinfo;
	struct dbki_bundle_reader *r = NULL;
	struct dbk_error err = { 0 };
	uint8_t *plain = NULL;
	size_t plen = 0, at = 0;
	int rc, rrc, items;

	rc = dbki_bundle_open(b, n, rcp_pk, rcp_sk, sender_is, NULL, &info,
	    &plain, &plen, &err);
	if (rc != 0 && (plain != NULL || plen != 0 || err.msg == NULL))
		fz_die("a refused bundle gave a plaintext or no message");
	dbk_error_clear(&err);
	items = rc == 0 && whole_items(plain, plen);

	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, b, n, 0) != (ssize_t)n)
		fz_die("memfd write");
	rrc = dbki_bundle_reader_open(memfd, rcp_pk, rcp_sk, sender_is, NULL,
	    &rinfo, &r, &err);
	dbk_error_clear(&err);
	if (rrc == 0) {
		const uint8_t *item;
		size_t len;
		for (;;) {
			rrc = dbki_bundle_reader_next(r, (size_t)1 << 24, &item,
			    &len, &err);
			if (rrc != 0)
				break;
			/* Each item must be the next one of the plaintext. */
			if (items && (at + 4 + len > plen ||
			    memcmp(plain + at + 4, item, len) != 0))
				fz_die("the streaming reader's item at %zu differs",
				    at);
			at += 4 + len;
		}
		dbk_error_clear(&err);
		dbki_bundle_reader_free(r);
	}
	/* rrc is 1 at the clean end of the stream. */
	if (rrc == 1 && rc != 0)
		fz_die("the streaming reader accepts what the open refuses "
		    "(class %d)", (int)info.cls);
	if (items && rrc != 1)
		fz_die("the streaming reader refuses what the open accepts "
		    "(%d)", rrc);
	if (items && at != plen)
		fz_die("the streaming reader read %zu of %zu bytes", at, plen);
	if (plain != NULL)
		dbki_free_plain(plain, plen + 1);
}

static void
roundtrip(const uint8_t *p, size_t n)
{
	struct dbki_bundle_hdr h;
	struct dbki_bundle_info info;
	struct dbki_buf out;
	struct dbk_error err = { 0 };
	const uint8_t (*rc_pk)[32] = (const uint8_t (*)[32])rcp_pk;
	uint8_t *plain = NULL;
	size_t plen = 0;

	memset(&h, 0, sizeof h);
	memset(h.id, 7, 16);
	memcpy(h.ed_pk, snd_ed_pk, 32);
	memcpy(h.x_pk, snd_x_pk, 32);
	h.seq = 1;
	h.hlc = 1;
	h.nrcpt = 1;
	h.rcpt = rc_pk;
	dbki_buf_init(&out, (size_t)1 << 30);
	if (dbki_bundle_seal(&h, p, n, snd_ed_sk, &out, &err) != 0)
		fz_die("seal: %s", err.msg ? err.msg : "?");
	if (dbki_bundle_open((const uint8_t *)out.p, out.len, rcp_pk, rcp_sk,
	    sender_is, NULL, &info, &plain, &plen, &err) != 0)
		fz_die("a sealed bundle does not open: %s",
		    err.msg ? err.msg : "?");
	if (plen != n || (n > 0 && memcmp(plain, p, n) != 0))
		fz_die("a sealed bundle opens to other bytes");
	dbki_free_plain(plain, plen + 1);
	dbki_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b;

	if (memfd < 0)
		setup();
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		both_readers(data + 1, size - 1);
		break;
	case 1:
		if ((b = malloc(size)) == NULL)
			fz_die("out of memory");
		memcpy(b, data + 1, size - 1);
		resign(b, size - 1);
		both_readers(b, size - 1);
		free(b);
		break;
	case 2:
		roundtrip(data + 1, size - 1);
		break;
	}
	return 0;
}
