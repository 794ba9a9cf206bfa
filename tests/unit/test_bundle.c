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

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "bundle.h"
#include "internal.h"

/*
 * A deterministic randombytes, so that two seals with the same seed are
 * byte for byte the same: the writer must give exactly dbki_bundle_seal's
 * bytes.  Every call takes the next block of a ChaCha20 stream keyed by
 * seed and counter.
 */
static uint8_t rng_seed[32];
static uint64_t rng_ctr;

static void
rng_buf(void *p, size_t n)
{
	uint8_t s[32];

	memcpy(s, rng_seed, 32);
	for (int i = 0; i < 8; i++)
		s[i] ^= (uint8_t)(rng_ctr >> (8 * i));
	rng_ctr++;
	randombytes_buf_deterministic(p, n, s);
}

static uint32_t
rng_random(void)
{
	uint32_t v;

	rng_buf(&v, sizeof v);
	return v;
}

static const char *
rng_name(void)
{
	return "test-deterministic";
}

static struct randombytes_implementation rng = {
	rng_name, rng_random, NULL, NULL, rng_buf, NULL
};

static void
rng_reset(uint8_t seed)
{
	memset(rng_seed, seed, sizeof rng_seed);
	rng_ctr = 0;
}

/* Split sizes, from a generator of their own so that they do not move
 * the randombytes stream. */
static uint64_t xs = 88172645463325252ULL;

static size_t
xs_next(size_t bound)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return bound == 0 ? 0 : (size_t)(xs % bound);
}

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

static void
header(const struct keys *from, const uint8_t (*rcpt)[32], size_t nr,
    struct dbki_bundle_hdr *h)
{
	memset(h, 0, sizeof *h);
	randombytes_buf(h->id, 16);
	memset(h->team, 0x11, 16);
	memcpy(h->ed_pk, from->ed_pk, 32);
	memcpy(h->x_pk, from->x_pk, 32);
	h->seq = 7;
	h->hlc = 0x0102030405060708ULL;
	h->nrcpt = nr;
	h->rcpt = rcpt;
}

static int
to_buf(void *ctx, const void *p, size_t n, struct dbk_error *err)
{
	struct dbki_buf *b = ctx;

	dbki_buf_add(b, p, n);
	return b->oom ? dbki_error_set(err, DBK_ENOMEM, "out of memory") : 0;
}

/* A plaintext of items: len (u32 BE) || bytes, each byte a function of
 * its place so that a misplaced piece shows. */
static void
add_item(struct dbki_buf *b, size_t n, uint8_t salt)
{
	uint8_t len[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16),
		(uint8_t)(n >> 8), (uint8_t)n }, blk[4096];

	dbki_buf_add(b, len, 4);
	for (size_t i = 0; i < n; i += sizeof blk) {
		size_t k = n - i < sizeof blk ? n - i : sizeof blk;
		for (size_t j = 0; j < k; j++)
			blk[j] = (uint8_t)((i + j) * 31 + salt + ((i + j) >> 8));
		dbki_buf_add(b, blk, k);
	}
}

/* The bundle in a temporary file, open for reading and writing. */
static int
temp_file(const struct dbki_buf *b)
{
	char path[] = "/tmp/dbk-test-bundle-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(pwrite(fd, b->p, b->len, 0), (ssize_t)b->len);
	return fd;
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
		{
			/* R5: refused before any signature check or box. */
			unsigned long before = dbki_bundle_crypto_calls();
			assert_int_equal(try_open((uint8_t *)out.p, out.len, &b, &d,
			    NULL), DBKI_B_UNKNOWN_SENDER);
			assert_int_equal(dbki_bundle_crypto_calls(), before);
			assert_int_equal(try_open((uint8_t *)out.p, out.len, &b, &a,
			    NULL), 0);
			assert_true(dbki_bundle_crypto_calls() >= before + 2);
		}
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

static void
seal_plain(const struct keys *from, const uint8_t (*rcpt)[32], size_t nr,
    const void *plain, size_t plen, struct dbki_buf *out)
{
	struct dbki_bundle_hdr h;
	struct dbk_error err = { 0 };

	header(from, rcpt, nr, &h);
	dbki_buf_init(out, (size_t)1 << 30);
	assert_int_equal(dbki_bundle_seal(&h, plain, plen, from->ed_sk, out,
	    &err), 0);
}

/*
 * Read the bundle in fd with the streaming reader; 0 and the items put
 * back together (len || bytes, the plaintext again) in got, or the class
 * of the refusal.  nitems: how many items came before the end or the
 * refusal.
 */
static int
stream_read(int fd, const struct keys *me, const struct keys *sender,
    size_t max_item, struct dbki_buf *got, size_t *nitems)
{
	struct dbki_bundle_info info;
	struct dbki_bundle_reader *r = NULL;
	struct dbk_error err = { 0 };
	struct known k = { sender->ed_pk, 0 };
	const uint8_t *item;
	size_t len, n = 0;
	int rc;

	if (got != NULL)
		dbki_buf_init(got, (size_t)1 << 30);
	rc = dbki_bundle_reader_open(fd, me->x_pk, me->x_sk, sender_ok, &k,
	    &info, &r, &err);
	if (rc != 0) {
		assert_null(r);
		dbk_error_clear(&err);
		assert_int_not_equal(info.cls, DBKI_B_OK);
		return (int)info.cls;
	}
	assert_int_equal(k.calls, 1);
	assert_memory_equal(info.ed_pk, sender->ed_pk, 32);
	while ((rc = dbki_bundle_reader_next(r, max_item, &item, &len,
	    &err)) == 0) {
		uint8_t lb[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
			(uint8_t)(len >> 8), (uint8_t)len };
		assert_true(len <= max_item);
		assert_int_equal(item[len], 0);
		if (got != NULL) {
			dbki_buf_add(got, lb, 4);
			dbki_buf_add(got, item, len);
		}
		n++;
	}
	if (nitems != NULL)
		*nitems = n;
	if (rc == 1) {
		/* The end stays the end. */
		assert_int_equal(dbki_bundle_reader_next(r, max_item, &item, &len,
		    &err), 1);
		dbki_bundle_reader_free(r);
		assert_int_equal(info.cls, DBKI_B_OK);
		return 0;
	}
	assert_int_not_equal(info.cls, DBKI_B_OK);
	dbk_error_clear(&err);
	/* A refusal sticks. */
	assert_int_equal(dbki_bundle_reader_next(r, max_item, &item, &len,
	    &err), rc);
	assert_null(item);
	dbk_error_clear(&err);
	dbki_bundle_reader_free(r);
	return (int)info.cls;
}

/* The writer gives dbki_bundle_seal's bytes, however the plaintext is
 * cut into add() calls (seal is built on the writer, but this pins the
 * bytes to the same randomness either way). */
static void
test_writer_matches_seal(void **state)
{
	static const size_t sizes[] = { 0, 1, 100, 65535, 65536, 65537,
		3 * 65536, 200001 };
	struct keys a, b, c;
	uint8_t r2[2][32];

	(void)state;
	keys_new(&a);
	keys_new(&b);
	keys_new(&c);
	memcpy(r2[0], b.x_pk, 32);
	memcpy(r2[1], c.x_pk, 32);
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		struct dbki_bundle_hdr h;
		struct dbk_error err = { 0 };
		struct dbki_buf one;
		uint8_t *plain = malloc(sizes[i] + 1);
		assert_non_null(plain);
		for (size_t j = 0; j < sizes[i]; j++)
			plain[j] = (uint8_t)(j * 7 + 3);
		header(&a, (const uint8_t (*)[32])r2, 2, &h);
		rng_reset(9);
		dbki_buf_init(&one, (size_t)1 << 30);
		assert_int_equal(dbki_bundle_seal(&h, plain, sizes[i], a.ed_sk,
		    &one, &err), 0);
		for (int mode = 0; mode < 3; mode++) {
			struct dbki_bundle_writer *w;
			struct dbki_buf two;
			size_t off = 0;
			dbki_buf_init(&two, (size_t)1 << 30);
			rng_reset(9);
			assert_int_equal(dbki_bundle_writer_begin(&h, a.ed_sk, to_buf,
			    &two, &w, &err), 0);
			while (off < sizes[i]) {
				size_t k = mode == 0 ? sizes[i] : mode == 1 ?
				    xs_next(4) : xs_next(150000);
				if (k > sizes[i] - off)
					k = sizes[i] - off;
				assert_int_equal(dbki_bundle_writer_add(w, plain + off, k,
				    &err), 0);
				off += k;
			}
			assert_int_equal(dbki_bundle_writer_end(w, &err), 0);
			assert_int_equal(two.len, one.len);
			assert_memory_equal(two.p, one.p, one.len);
			dbki_buf_free(&two);
		}
		/* Bundles with other randomness open to the same plaintext. */
		rng_reset(10);
		{
			struct dbki_buf three;
			size_t pl = 0;
			dbki_buf_init(&three, (size_t)1 << 30);
			assert_int_equal(dbki_bundle_seal(&h, plain, sizes[i], a.ed_sk,
			    &three, &err), 0);
			assert_int_equal(three.len, one.len);
			assert_memory_not_equal(three.p, one.p, one.len);
			assert_int_equal(try_open((uint8_t *)three.p, three.len, &b,
			    &a, &pl), 0);
			assert_int_equal(pl, sizes[i]);
			dbki_buf_free(&three);
		}
		dbki_buf_free(&one);
		free(plain);
	}
}

struct sink {
	size_t n, limit;
};

/* Output that fails once `limit` bytes have gone by. */
static int
to_sink(void *ctx, const void *p, size_t n, struct dbk_error *err)
{
	struct sink *k = ctx;

	(void)p;
	if (k->n + n > k->limit)
		return dbki_error_set(err, DBK_EIO, "disk full");
	k->n += n;
	return 0;
}

/* An output failure stops the writer for good; abandoning wipes and
 * frees (the sanitizer sees leaks); the 1 GiB cap holds while writing. */
static void
test_writer_failures(void **state)
{
	struct keys a, b;
	uint8_t r1[1][32], *big;
	struct dbki_bundle_hdr h;
	struct dbki_bundle_writer *w;
	struct dbk_error err = { 0 };
	struct sink k = { 0, 0 };

	(void)state;
	keys_new(&a);
	keys_new(&b);
	memcpy(r1[0], b.x_pk, 32);
	header(&a, (const uint8_t (*)[32])r1, 1, &h);
	big = calloc(1, DBKI_BUNDLE_CHUNK);
	assert_non_null(big);
	/* At once: nothing to free. */
	assert_int_equal(dbki_bundle_writer_begin(&h, a.ed_sk, to_sink, &k, &w,
	    &err), DBK_EIO);
	assert_null(w);
	dbk_error_clear(&err);
	/* On the second chunk, then every call after it. */
	k.limit = 12 + 114 + 88 + 24 + 4 + DBKI_BUNDLE_CHUNK + 17 + 10;
	assert_int_equal(dbki_bundle_writer_begin(&h, a.ed_sk, to_sink, &k, &w,
	    &err), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(dbki_bundle_writer_add(w, big, DBKI_BUNDLE_CHUNK,
		    &err), 0);
	assert_int_equal(dbki_bundle_writer_add(w, big, 1, &err), DBK_EIO);
	dbk_error_clear(&err);
	assert_int_equal(dbki_bundle_writer_add(w, big, 1, &err), DBK_EIO);
	dbk_error_clear(&err);
	assert_int_equal(dbki_bundle_writer_end(w, &err), DBK_EIO);
	dbk_error_clear(&err);
	/* Abandoned. */
	k.n = 0;
	k.limit = SIZE_MAX;
	assert_int_equal(dbki_bundle_writer_begin(&h, a.ed_sk, to_sink, &k, &w,
	    &err), 0);
	assert_int_equal(dbki_bundle_writer_add(w, big, 1000, &err), 0);
	dbki_bundle_writer_free(w);
	dbki_bundle_writer_free(NULL);
	/* 16,384 full chunks go; one byte more does not. */
	k.n = 0;
	assert_int_equal(dbki_bundle_writer_begin(&h, a.ed_sk, to_sink, &k, &w,
	    &err), 0);
	for (int i = 0; i < DBKI_BUNDLE_MAX_CHUNKS; i++)
		assert_int_equal(dbki_bundle_writer_add(w, big, DBKI_BUNDLE_CHUNK,
		    &err), 0);
	assert_int_equal(dbki_bundle_writer_add(w, big, 1, &err), DBK_EINVAL);
	assert_non_null(strstr(err.msg, "1 GiB"));
	dbk_error_clear(&err);
	assert_int_equal(dbki_bundle_writer_end(w, &err), DBK_EINVAL);
	dbk_error_clear(&err);
	free(big);
}

/* Round trips through a file at the sizes around a chunk: the items
 * come back, and as dbki_bundle_open gives them. */
static void
test_reader_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 4, 65535, 65536, 65537,
		3 * 65536 };
	struct keys a, b, c, d;
	uint8_t r2[2][32];

	(void)state;
	keys_new(&a);
	keys_new(&b);
	keys_new(&c);
	keys_new(&d);
	memcpy(r2[0], b.x_pk, 32);
	memcpy(r2[1], c.x_pk, 32);
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		struct dbki_buf plain, out, got;
		size_t n = 0;
		int fd;
		dbki_buf_init(&plain, (size_t)1 << 30);
		if (sizes[i] == 1)
			dbki_buf_add(&plain, "", 1);	/* not an item */
		else if (sizes[i] > 0)
			add_item(&plain, sizes[i] - 4, (uint8_t)i);
		assert_int_equal(plain.len, sizes[i]);
		seal_plain(&a, (const uint8_t (*)[32])r2, 2, plain.p, plain.len,
		    &out);
		fd = temp_file(&out);
		if (sizes[i] == 1) {
			assert_int_equal(stream_read(fd, &b, &a, 1 << 20, NULL, &n),
			    DBKI_B_FORMAT);
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(stream_read(fd, &b, &a, 1 << 20, &got, &n),
			    0);
			assert_int_equal(n, sizes[i] > 0);
			assert_int_equal(got.len, plain.len);
			if (plain.len > 0)
				assert_memory_equal(got.p, plain.p, plain.len);
			dbki_buf_free(&got);
			assert_int_equal(stream_read(fd, &c, &a, 1 << 20, NULL,
			    NULL), 0);
		}
		assert_int_equal(stream_read(fd, &d, &a, 1 << 20, NULL, NULL),
		    DBKI_B_NO_RECIPIENT);
		assert_int_equal(stream_read(fd, &b, &d, 1 << 20, NULL, NULL),
		    DBKI_B_UNKNOWN_SENDER);
		close(fd);
		dbki_buf_free(&out);
		dbki_buf_free(&plain);
	}
}

/* Items of every size, many across chunk boundaries; one exactly at
 * max_item goes, one byte over is E_FORMAT. */
static void
test_reader_items(void **state)
{
	struct keys a, b;
	uint8_t r1[1][32];
	struct dbki_buf plain, out, got;
	size_t n = 0, nitems = 0, biggest = 0;
	int fd;

	(void)state;
	keys_new(&a);
	keys_new(&b);
	memcpy(r1[0], b.x_pk, 32);
	dbki_buf_init(&plain, (size_t)1 << 30);
	for (int i = 0; i < 80; i++) {
		size_t len = i % 4 == 0 ? xs_next(100) : i % 4 == 1 ?
		    65530 + xs_next(12) : i % 4 == 2 ? xs_next(200000) :
		    (size_t)(DBKI_BUNDLE_CHUNK - 4 - (plain.len %
		    DBKI_BUNDLE_CHUNK)) % DBKI_BUNDLE_CHUNK;
		add_item(&plain, len, (uint8_t)i);
		nitems++;
		if (len > biggest)
			biggest = len;
	}
	seal_plain(&a, (const uint8_t (*)[32])r1, 1, plain.p, plain.len, &out);
	fd = temp_file(&out);
	assert_int_equal(stream_read(fd, &b, &a, biggest, &got, &n), 0);
	assert_int_equal(n, nitems);
	assert_int_equal(got.len, plain.len);
	assert_memory_equal(got.p, plain.p, plain.len);
	dbki_buf_free(&got);
	/* The biggest one over the cap: E_FORMAT, after the items before. */
	assert_int_equal(stream_read(fd, &b, &a, biggest - 1, NULL, &n),
	    DBKI_B_FORMAT);
	assert_true(n < nitems);
	close(fd);
	dbki_buf_free(&out);
	dbki_buf_free(&plain);
	/* An item whose length runs past the end of the stream. */
	dbki_buf_init(&plain, 1 << 20);
	add_item(&plain, 10, 1);
	add_item(&plain, 100, 2);
	plain.len -= 1;
	seal_plain(&a, (const uint8_t (*)[32])r1, 1, plain.p, plain.len, &out);
	fd = temp_file(&out);
	assert_int_equal(stream_read(fd, &b, &a, 1000, NULL, &n),
	    DBKI_B_FORMAT);
	assert_int_equal(n, 1);
	close(fd);
	dbki_buf_free(&out);
	dbki_buf_free(&plain);
}

/*
 * The file changes between pass 1 and pass 2.  A recipient holds the
 * file key, so can make chunks that authenticate: here two bundles with
 * the same randomness (file key, stream header) and the same first
 * chunk, whose final chunks differ.  Swapping the final chunk in after
 * reader_open gives chunks that all authenticate; only the second hash
 * finds it (E_SIGNATURE, before the end is reported).  Garbage is
 * E_PAYLOAD, a cut is E_FORMAT.
 */
static void
test_reader_file_changed(void **state)
{
	struct keys a, b;
	uint8_t r1[1][32];
	struct dbki_bundle_hdr h;
	struct dbk_error err = { 0 };
	struct dbki_buf pa, pb, ba, bb;
	size_t c2 = 12 + 114 + 88 + 24 + 4 + DBKI_BUNDLE_CHUNK + 17, n;
	int fd;

	(void)state;
	keys_new(&a);
	keys_new(&b);
	memcpy(r1[0], b.x_pk, 32);
	header(&a, (const uint8_t (*)[32])r1, 1, &h);
	dbki_buf_init(&pa, 1 << 20);
	add_item(&pa, DBKI_BUNDLE_CHUNK + 100 - 4, 1);
	dbki_buf_init(&pb, 1 << 20);
	dbki_buf_add(&pb, pa.p, pa.len);
	memset(pb.p + pb.len - 50, 0xee, 50);
	rng_reset(3);
	dbki_buf_init(&ba, 1 << 20);
	assert_int_equal(dbki_bundle_seal(&h, (uint8_t *)pa.p, pa.len, a.ed_sk,
	    &ba, &err), 0);
	rng_reset(3);
	dbki_buf_init(&bb, 1 << 20);
	assert_int_equal(dbki_bundle_seal(&h, (uint8_t *)pb.p, pb.len, a.ed_sk,
	    &bb, &err), 0);
	assert_int_equal(ba.len, bb.len);
	assert_memory_equal(ba.p, bb.p, c2);
	assert_memory_not_equal(ba.p + c2, bb.p + c2, ba.len - c2 - 64);
	for (int what = 0; what < 4; what++) {
		struct dbki_bundle_info info;
		struct dbki_bundle_reader *r;
		struct known k = { a.ed_pk, 0 };
		const uint8_t *item;
		int rc;
		fd = temp_file(&ba);
		assert_int_equal(dbki_bundle_reader_open(fd, b.x_pk, b.x_sk,
		    sender_ok, &k, &info, &r, &err), 0);
		if (what == 1)	/* b's final chunk, which authenticates */
			assert_int_equal(pwrite(fd, bb.p + c2, bb.len - c2 - 64,
			    (off_t)c2), (ssize_t)(bb.len - c2 - 64));
		else if (what == 2) {
			uint8_t junk[200];
			randombytes_buf(junk, sizeof junk);
			assert_int_equal(pwrite(fd, junk, sizeof junk, (off_t)c2 + 4),
			    (ssize_t)sizeof junk);
		} else if (what == 3)
			assert_int_equal(ftruncate(fd, (off_t)c2 + 30), 0);
		while ((rc = dbki_bundle_reader_next(r, 1 << 20, &item, &n,
		    &err)) == 0) {
			/* The spliced item does come out: a caller commits
			 * only after the end. */
			assert_int_equal(n, pa.len - 4);
			assert_memory_equal(item, (what == 1 ? pb.p : pa.p) + 4, n);
		}
		dbk_error_clear(&err);
		switch (what) {
		case 0:
			assert_int_equal(rc, 1);
			break;
		case 1:
			assert_int_equal(rc, DBK_EINTEGRITY);
			assert_int_equal(info.cls, DBKI_B_SIGNATURE);
			break;
		case 2:
			assert_int_equal(rc, DBK_EINTEGRITY);
			assert_int_equal(info.cls, DBKI_B_PAYLOAD);
			break;
		default:
			assert_int_equal(rc, DBK_EFORMAT);
			assert_int_equal(info.cls, DBKI_B_FORMAT);
			break;
		}
		dbki_bundle_reader_free(r);
		close(fd);
	}
	dbki_buf_free(&ba);
	dbki_buf_free(&bb);
	dbki_buf_free(&pa);
	dbki_buf_free(&pb);
}

/* The reader over a file: every byte changed and every prefix refused,
 * as dbki_bundle_open refuses them; not a regular file is E_FORMAT. */
static void
test_reader_damage(void **state)
{
	struct keys a, b, c;
	uint8_t r2[2][32];
	struct dbki_buf plain, out;
	struct dbki_bundle_info info;
	struct dbki_bundle_reader *r;
	struct dbk_error err = { 0 };
	int fd, pfd[2];

	(void)state;
	keys_new(&a);
	keys_new(&b);
	keys_new(&c);
	memcpy(r2[0], b.x_pk, 32);
	memcpy(r2[1], c.x_pk, 32);
	dbki_buf_init(&plain, 1 << 20);
	add_item(&plain, 700, 1);
	add_item(&plain, 1000, 2);
	seal_plain(&a, (const uint8_t (*)[32])r2, 2, plain.p, plain.len, &out);
	fd = temp_file(&out);
	for (size_t i = 0; i < out.len; i++) {
		uint8_t x = (uint8_t)(out.p[i] ^ 1);
		int cls;
		assert_int_equal(pwrite(fd, &x, 1, (off_t)i), 1);
		cls = stream_read(fd, &b, &a, 1 << 20, NULL, NULL);
		if (cls != DBKI_B_FORMAT && cls != DBKI_B_SIGNATURE &&
		    cls != DBKI_B_NO_RECIPIENT && cls != DBKI_B_PAYLOAD &&
		    cls != DBKI_B_UNKNOWN_SENDER)
			fail_msg("byte %zu ^ 1: class %d", i, cls);
		assert_int_equal(pwrite(fd, out.p + i, 1, (off_t)i), 1);
	}
	assert_int_equal(stream_read(fd, &b, &a, 1 << 20, NULL, NULL), 0);
	for (size_t n = 0; n < out.len; n++) {
		assert_int_equal(ftruncate(fd, (off_t)n), 0);
		assert_int_not_equal(stream_read(fd, &b, &a, 1 << 20, NULL, NULL),
		    0);
	}
	close(fd);
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(dbki_bundle_reader_open(pfd[0], b.x_pk, b.x_sk, NULL,
	    NULL, &info, &r, &err), DBK_EFORMAT);
	assert_int_equal(info.cls, DBKI_B_FORMAT);
	assert_null(r);
	dbk_error_clear(&err);
	close(pfd[0]);
	close(pfd[1]);
	dbki_buf_free(&out);
	dbki_buf_free(&plain);
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
		cmocka_unit_test(test_writer_matches_seal),
		cmocka_unit_test(test_writer_failures),
		cmocka_unit_test(test_reader_sizes),
		cmocka_unit_test(test_reader_items),
		cmocka_unit_test(test_reader_file_changed),
		cmocka_unit_test(test_reader_damage),
	};

	if (randombytes_set_implementation(&rng) != 0 || sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
