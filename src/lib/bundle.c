/*
 * bundle.c -- the bundle codec of docs/BUNDLE.md, version 1.
 *
 * Sealing: a random file key, sealed to each recipient; the plaintext in
 * crypto_secretstream chunks of 64 KiB whose additional data is the hash
 * of prelude and header; an Ed25519 signature over everything before it.
 * Opening checks in the order the format page gives: lengths and caps
 * before any allocation, the sender before any cryptography, the
 * signature before any stanza, then the stream to its final tag.
 *
 * Both directions stream: the writer holds one chunk of plaintext, the
 * reader one chunk and one item, so memory does not grow with the bundle.
 * dbki_bundle_seal and dbki_bundle_open are the same code over a buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "bundle.h"
#include "internal.h"

#define MAGIC "DBKB"
#define VERSION 1
#define PRELUDE 12
#define STANZA 88			/* key id (8) || sealed file key (80) */
#define SEALED 80
#define FIXED_HDR 114
#define MAX_HDR (PRELUDE + FIXED_HDR + STANZA * DBKI_BUNDLE_MAX_RCPT)
#define SIG 64
#define KEY crypto_secretstream_xchacha20poly1305_KEYBYTES
#define SS_HDR crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL
#define FRAME (4 + DBKI_BUNDLE_CHUNK + SS_ABYTES)

static const char sig_ctx[] = "dbk-bundle-v1";

/* What may not sit in ordinary memory: sodium_malloc'd, wiped on free. */
struct secret {
	crypto_secretstream_xchacha20poly1305_state ss;
	uint8_t key[KEY];
	uint8_t ed_sk[crypto_sign_SECRETKEYBYTES];
};

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

/* The message the signature covers: context NUL || BLAKE2b-512(body),
 * the hash taken from a state fed with the body piece by piece. */
static void
sig_message(crypto_generichash_state *hs, uint8_t msg[sizeof sig_ctx + 64])
{
	memcpy(msg, sig_ctx, sizeof sig_ctx);
	crypto_generichash_final(hs, msg + sizeof sig_ctx, 64);
}

/* Plaintext buffers: wiped before they go back. */
static void
free_wiped(void *p, size_t n)
{
	if (p != NULL) {
		sodium_memzero(p, n);
		free(p);
	}
}

/*
 * The writer and reader hold a crypto_generichash_state, which libsodium
 * declares 64-byte aligned: more than malloc promises.
 */
static void *
zalloc_aligned(size_t n, size_t align)
{
	void *p;

	n = (n + align - 1) / align * align;
	if ((p = aligned_alloc(align, n)) != NULL)
		memset(p, 0, n);
	return p;
}

/* ---- Writing ---- */

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

struct dbki_bundle_writer {
	int (*out)(void *, const void *, size_t, struct dbk_error *);
	void *ctx;
	struct secret *sec;
	crypto_generichash_state hs;	/* the signature's hash, so far */
	uint8_t hh[32];			/* each chunk's additional data */
	uint8_t *pt;			/* plaintext not yet sealed */
	uint8_t *ct;			/* one frame: len (4) || ciphertext */
	size_t fill, nchunks;
	int rc;				/* sticky: the first failure */
};

/* Bytes of the bundle before the signature: hashed, then passed on. */
static int
emit(struct dbki_bundle_writer *w, const void *p, size_t n,
    struct dbk_error *err)
{
	int rc;

	crypto_generichash_update(&w->hs, p, n);
	if ((rc = w->out(w->ctx, p, n, err)) != 0)
		w->rc = rc;
	return rc;
}

/*
 * Seal the buffered plaintext as the next chunk.  A full chunk is held
 * back until more plaintext arrives: only then is it known not to be the
 * last, and the last chunk must carry TAG_FINAL and be empty only when
 * the whole plaintext is (docs/BUNDLE.md, Stream).
 */
static int
push(struct dbki_bundle_writer *w, int final, struct dbk_error *err)
{
	unsigned long long clen;

	/* This chunk, and the final one still to come. */
	if (!final && w->nchunks + 2 > DBKI_BUNDLE_MAX_CHUNKS)
		return w->rc = dbki_error_set(err, DBK_EINVAL, "the bundle would "
		    "exceed 1 GiB of plaintext (%d chunks of 64 KiB)",
		    DBKI_BUNDLE_MAX_CHUNKS);
	crypto_secretstream_xchacha20poly1305_push(&w->sec->ss, w->ct + 4,
	    &clen, w->pt, w->fill, w->hh, sizeof w->hh, final ? TAG_FINAL : 0);
	be32(w->ct, (uint32_t)clen);
	w->nchunks++;
	w->fill = 0;
	return emit(w, w->ct, 4 + (size_t)clen, err);
}

void
dbki_bundle_writer_free(struct dbki_bundle_writer *w)
{
	if (w == NULL)
		return;
	sodium_free(w->sec);
	free_wiped(w->pt, DBKI_BUNDLE_CHUNK);
	free(w->ct);
	sodium_memzero(w, sizeof *w);
	free(w);
}

int
dbki_bundle_writer_begin(const struct dbki_bundle_hdr *h,
    const uint8_t ed_sk[64],
    int (*out)(void *, const void *, size_t, struct dbk_error *), void *ctx,
    struct dbki_bundle_writer **wp, struct dbk_error *err)
{
	struct stanza st[DBKI_BUNDLE_MAX_RCPT];
	struct dbki_bundle_writer *w;
	uint8_t *p, ssh[SS_HDR];
	size_t hlen;

	*wp = NULL;
	if (h->nrcpt == 0 || h->nrcpt > DBKI_BUNDLE_MAX_RCPT)
		return dbki_error_set(err, DBK_EINVAL,
		    "a bundle needs 1 to %d recipients", DBKI_BUNDLE_MAX_RCPT);
	for (size_t i = 0; i < h->nrcpt; i++) {
		dbki_bundle_keyid(h->rcpt[i], st[i].id);
		st[i].pk = h->rcpt[i];
	}
	qsort(st, h->nrcpt, sizeof *st, stanza_cmp);
	for (size_t i = 1; i < h->nrcpt; i++)
		if (memcmp(st[i - 1].id, st[i].id, 8) == 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "a recipient is named twice");
	if ((w = zalloc_aligned(sizeof *w, _Alignof(struct dbki_bundle_writer)))
	    == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	w->out = out;
	w->ctx = ctx;
	/* The frame buffer is large enough to build the header in. */
	if ((w->sec = sodium_malloc(sizeof *w->sec)) == NULL ||
	    (w->pt = malloc(DBKI_BUNDLE_CHUNK)) == NULL ||
	    (w->ct = malloc(FRAME > MAX_HDR ? FRAME : MAX_HDR)) == NULL) {
		dbki_bundle_writer_free(w);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	memcpy(w->sec->ed_sk, ed_sk, sizeof w->sec->ed_sk);
	crypto_secretstream_xchacha20poly1305_keygen(w->sec->key);
	hlen = FIXED_HDR + STANZA * h->nrcpt;
	p = w->ct;
	memcpy(p, MAGIC, 4);
	be16(p + 4, VERSION);
	be16(p + 6, 0);
	be32(p + 8, (uint32_t)hlen);
	p += PRELUDE;
	memcpy(p, h->id, 16);
	memcpy(p + 16, h->team, 16);
	memcpy(p + 32, h->ed_pk, 32);
	memcpy(p + 64, h->x_pk, 32);
	be64(p + 96, h->seq);
	be64(p + 104, h->hlc);
	be16(p + 112, (uint16_t)h->nrcpt);
	p += FIXED_HDR;
	for (size_t i = 0; i < h->nrcpt; i++, p += STANZA) {
		memcpy(p, st[i].id, 8);
		if (crypto_box_seal(p + 8, w->sec->key, KEY, st[i].pk) != 0) {
			dbki_bundle_writer_free(w);
			return dbki_error_set(err, DBK_EINVAL,
			    "a recipient's key is not usable");
		}
	}
	/* Every chunk's additional data: the hash of prelude and header. */
	crypto_generichash(w->hh, sizeof w->hh, w->ct, PRELUDE + hlen, NULL, 0);
	crypto_generichash_init(&w->hs, NULL, 0, 64);
	crypto_secretstream_xchacha20poly1305_init_push(&w->sec->ss, ssh,
	    w->sec->key);
	sodium_memzero(w->sec->key, sizeof w->sec->key);
	if (emit(w, w->ct, PRELUDE + hlen, err) != 0 ||
	    emit(w, ssh, sizeof ssh, err) != 0) {
		int rc = w->rc;
		dbki_bundle_writer_free(w);
		return rc;
	}
	*wp = w;
	return 0;
}

int
dbki_bundle_writer_add(struct dbki_bundle_writer *w, const void *p, size_t n,
    struct dbk_error *err)
{
	const uint8_t *b = p;

	if (w->rc != 0)
		return dbki_error_set(err, w->rc, "the bundle writer failed "
		    "before");
	while (n > 0) {
		size_t take;
		if (w->fill == DBKI_BUNDLE_CHUNK && push(w, 0, err) != 0)
			return w->rc;
		take = DBKI_BUNDLE_CHUNK - w->fill;
		if (take > n)
			take = n;
		memcpy(w->pt + w->fill, b, take);
		w->fill += take;
		b += take;
		n -= take;
	}
	return 0;
}

int
dbki_bundle_writer_end(struct dbki_bundle_writer *w, struct dbk_error *err)
{
	uint8_t msg[sizeof sig_ctx + 64], sig[SIG];
	int rc;

	if ((rc = w->rc) != 0)
		dbki_error_set(err, rc, "the bundle writer failed before");
	else if ((rc = push(w, 1, err)) == 0) {
		sig_message(&w->hs, msg);
		crypto_sign_detached(sig, NULL, msg, sizeof msg, w->sec->ed_sk);
		rc = w->out(w->ctx, sig, sizeof sig, err);
	}
	dbki_bundle_writer_free(w);
	return rc;
}

static int
buf_out(void *ctx, const void *p, size_t n, struct dbk_error *err)
{
	struct dbki_buf *b = ctx;

	dbki_buf_add(b, p, n);
	return b->oom ? dbki_error_set(err, DBK_ENOMEM, "out of memory") : 0;
}

int
dbki_bundle_seal(const struct dbki_bundle_hdr *h, const uint8_t *plain,
    size_t plen, const uint8_t ed_sk[64], struct dbki_buf *out,
    struct dbk_error *err)
{
	struct dbki_bundle_writer *w;
	size_t start = out->len;
	int rc;

	/* Refused before a gigabyte is encrypted for nothing. */
	if (plen > (size_t)DBKI_BUNDLE_MAX_CHUNKS * DBKI_BUNDLE_CHUNK)
		return dbki_error_set(err, DBK_EINVAL, "the bundle would exceed "
		    "1 GiB of plaintext (%d chunks of 64 KiB)",
		    DBKI_BUNDLE_MAX_CHUNKS);
	if ((rc = dbki_bundle_writer_begin(h, ed_sk, buf_out, out, &w,
	    err)) != 0)
		return rc;
	if ((rc = dbki_bundle_writer_add(w, plain, plen, err)) != 0)
		dbki_bundle_writer_free(w);
	else
		rc = dbki_bundle_writer_end(w, err);
	if (rc != 0)
		out->len = start;
	return rc;
}

/* ---- Reading ---- */

/* Where the bytes come from: a file by its descriptor, or memory. */
struct src {
	int fd;
	const uint8_t *mem;
	uint64_t size;
};

/* Public-key operations run by readers (R5: none for an unknown sender;
 * read by the unit tests). */
static unsigned long crypto_calls;

unsigned long
dbki_bundle_crypto_calls(void)
{
	return crypto_calls;
}

struct dbki_bundle_reader {
	struct src src;
	struct dbki_bundle_info *info;	/* the caller's: cls on failure */
	struct secret *sec;
	crypto_generichash_state hs;	/* pass 2: the bytes once more */
	uint8_t digest[64];		/* pass 1's hash, the one signed */
	uint8_t hh[32];
	uint64_t pos, end;		/* the next frame; the signature */
	uint64_t total;			/* plaintext bytes by pass 1's frames */
	size_t nchunks;			/* chunks pulled so far */
	uint8_t *ct, *pt;		/* one frame; its plaintext */
	size_t ptlen, ptoff;
	uint8_t *item;			/* the current item, NUL after it */
	size_t itemcap;
	int final, done, rc;
};

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

/* A refusal that sticks: the reader answers it from then on. */
static int
rfail(struct dbki_bundle_reader *r, enum dbki_bundle_class cls, int code,
    struct dbk_error *err, const char *what)
{
	return r->rc = fail(r->info, cls, code, err, what);
}

/*
 * n bytes at off.  The caller has checked off + n against the size
 * fstat gave; a file that shrank since is cut short (E_FORMAT).
 */
static int
rd(struct dbki_bundle_reader *r, uint64_t off, void *p, size_t n,
    struct dbk_error *err)
{
	uint8_t *b = p;

	if (r->src.mem != NULL) {
		if (off > r->src.size || n > r->src.size - off)
			return rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
			    "it is cut short");
		memcpy(b, r->src.mem + off, n);
		return 0;
	}
	while (n > 0) {
		ssize_t got = dbki_fault_io() ? -1 :
		    pread(r->src.fd, b, n, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return r->rc = dbki_error_set(err, DBK_EIO,
			    "reading the bundle failed: %s", strerror(errno));
		if (got == 0)
			return rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
			    "it is cut short");
		b += got;
		off += (uint64_t)got;
		n -= (size_t)got;
	}
	return 0;
}

/* Feed n bytes at off to a hash, a frame buffer at a time. */
static int
rd_hash(struct dbki_bundle_reader *r, uint64_t off, uint64_t n,
    crypto_generichash_state *hs, struct dbk_error *err)
{
	if (r->src.mem != NULL) {
		if (off > r->src.size || n > r->src.size - off)
			return rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
			    "it is cut short");
		crypto_generichash_update(hs, r->src.mem + off, n);
		return 0;
	}
	while (n > 0) {
		size_t k = n < DBKI_BUNDLE_CHUNK ? (size_t)n : DBKI_BUNDLE_CHUNK;
		if (rd(r, off, r->ct, k, err) != 0)
			return r->rc;
		crypto_generichash_update(hs, r->ct, k);
		off += k;
		n -= k;
	}
	return 0;
}

void
dbki_bundle_reader_free(struct dbki_bundle_reader *r)
{
	if (r == NULL)
		return;
	sodium_free(r->sec);
	free(r->ct);
	free_wiped(r->pt, DBKI_BUNDLE_CHUNK);
	free_wiped(r->item, r->itemcap + 1);
	sodium_memzero(r, sizeof *r);
	free(r);
}

/*
 * Pass 1 over src: everything up to the stream, which it leaves for
 * pass 2.  The order is the format page's: caps before any allocation,
 * the sender before any cryptography, the signature before any stanza.
 */
static int
reader_open(const struct src *src, const uint8_t my_pk[32],
    const uint8_t my_sk[32],
    int (*sender_ok)(void *, const uint8_t *, const uint8_t *), void *ctx,
    struct dbki_bundle_info *info, struct dbki_bundle_reader **rp,
    struct dbk_error *err)
{
	struct dbki_bundle_reader *r;
	crypto_generichash_state hs;
	uint8_t pre[PRELUDE], msg[sizeof sig_ctx + 64], sig[SIG], myid[8];
	uint8_t ssh[SS_HDR], *hdr = NULL, *p;
	const uint8_t *mine = NULL;
	uint64_t n = src->size, off;
	size_t hlen, nr;
	int rc;

	memset(info, 0, sizeof *info);
	*rp = NULL;
	/* 1. Lengths, before anything else. */
	if (n < PRELUDE)
		return fail(info, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "not a dealbook bundle");
	if ((r = zalloc_aligned(sizeof *r, _Alignof(struct dbki_bundle_reader)))
	    == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	r->src = *src;
	r->info = info;
	if ((rc = rd(r, 0, pre, PRELUDE, err)) != 0)
		goto out;
	if (memcmp(pre, MAGIC, 4) != 0) {
		rc = rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "not a dealbook bundle");
		goto out;
	}
	if (rd_be(pre + 4, 2) != VERSION || rd_be(pre + 6, 2) != 0) {
		rc = rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "unknown version or flags");
		goto out;
	}
	hlen = (size_t)rd_be(pre + 8, 4);
	if (hlen < FIXED_HDR || hlen > FIXED_HDR + STANZA *
	    DBKI_BUNDLE_MAX_RCPT || n - PRELUDE < hlen + SS_HDR + 4 + SIG) {
		rc = rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "header length out of bounds");
		goto out;
	}
	if ((hdr = malloc(PRELUDE + hlen)) == NULL ||
	    (r->sec = sodium_malloc(sizeof *r->sec)) == NULL ||
	    (r->ct = malloc(FRAME)) == NULL ||
	    (r->pt = malloc(DBKI_BUNDLE_CHUNK)) == NULL) {
		rc = r->rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	/* From here on the header is this copy: what is checked, signed
	 * and used is one and the same, whatever the file does. */
	memcpy(hdr, pre, PRELUDE);
	if ((rc = rd(r, PRELUDE, hdr + PRELUDE, hlen, err)) != 0)
		goto out;
	p = hdr + PRELUDE;
	nr = (size_t)rd_be(p + 112, 2);
	if (nr == 0 || nr > DBKI_BUNDLE_MAX_RCPT) {
		rc = rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "recipient count out of bounds");
		goto out;
	}
	if (hlen != FIXED_HDR + STANZA * nr) {
		rc = rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "header length does not match its contents");
		goto out;
	}
	for (size_t i = 1; i < nr; i++)
		if (memcmp(p + FIXED_HDR + STANZA * (i - 1),
		    p + FIXED_HDR + STANZA * i, 8) >= 0) {
			rc = rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
			    "recipients out of order or repeated");
			goto out;
		}
	memcpy(info->id, p, 16);
	memcpy(info->team, p + 16, 16);
	memcpy(info->ed_pk, p + 32, 32);
	memcpy(info->x_pk, p + 64, 32);
	info->seq = rd_be(p + 96, 8);
	info->hlc = rd_be(p + 104, 8);
	info->nrcpt = nr;
	r->end = n - SIG;
	/* The chunk frames: lengths only, nothing decrypted yet. */
	off = PRELUDE + hlen + SS_HDR;
	while (off < r->end) {
		uint8_t lb[4];
		uint64_t cl;
		if (r->end - off < 4) {
			rc = rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
			    "a chunk is cut short");
			goto out;
		}
		if ((rc = rd(r, off, lb, 4, err)) != 0)
			goto out;
		cl = rd_be(lb, 4);
		if (cl < SS_ABYTES || cl > DBKI_BUNDLE_CHUNK + SS_ABYTES ||
		    cl > r->end - off - 4 ||
		    ++r->nchunks > DBKI_BUNDLE_MAX_CHUNKS) {
			rc = rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
			    "a chunk length is out of bounds");
			goto out;
		}
		r->total += cl - SS_ABYTES;
		off += 4 + cl;
	}
	if (r->nchunks == 0) {
		rc = rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err, "no payload");
		goto out;
	}
	r->nchunks = 0;
	/* 2. The sender, before any cryptography. */
	if (sender_ok != NULL &&
	    (rc = sender_ok(ctx, info->ed_pk, info->x_pk)) <= 0) {
		if (rc < 0)
			/* The check itself failed (memory, the store): no
			 * verdict on the bundle, the caller has the cause. */
			r->rc = dbki_error_set(err, rc, "checking the sender "
			    "against the roster failed: %s", dbk_strerror(rc));
		else
			rc = rfail(r, DBKI_B_UNKNOWN_SENDER, DBK_EINTEGRITY, err,
			    "the sender is not on the roster");
		goto out;
	}
	/* 3. The signature over everything before it, the file read once
	 * through in frame-sized pieces. */
	crypto_generichash_init(&hs, NULL, 0, 64);
	crypto_generichash_update(&hs, hdr, PRELUDE + hlen);
	if ((rc = rd_hash(r, PRELUDE + hlen, r->end - PRELUDE - hlen, &hs,
	    err)) != 0 || (rc = rd(r, r->end, sig, SIG, err)) != 0)
		goto out;
	sig_message(&hs, msg);
	memcpy(r->digest, msg + sizeof sig_ctx, sizeof r->digest);
	crypto_calls++;
	if (crypto_sign_verify_detached(sig, msg, sizeof msg, info->ed_pk)
	    != 0) {
		rc = rfail(r, DBKI_B_SIGNATURE, DBK_EINTEGRITY, err,
		    "the signature does not verify");
		goto out;
	}
	/* 4. My stanza. */
	dbki_bundle_keyid(my_pk, myid);
	for (size_t i = 0; i < nr; i++)
		if (memcmp(p + FIXED_HDR + STANZA * i, myid, 8) == 0)
			mine = p + FIXED_HDR + STANZA * i + 8;
	if (mine == NULL) {
		rc = rfail(r, DBKI_B_NO_RECIPIENT, DBK_ENOKEY, err,
		    "it is not addressed to this member");
		goto out;
	}
	/* libsodium refuses small-order ephemeral keys here. */
	crypto_calls++;
	if (crypto_box_seal_open(r->sec->key, mine, SEALED, my_pk, my_sk)
	    != 0) {
		rc = rfail(r, DBKI_B_NO_RECIPIENT, DBK_ENOKEY, err,
		    "its key does not open for this member");
		goto out;
	}
	/* 5. Ready for the stream: pass 2 hashes it again as it goes. */
	crypto_generichash(r->hh, sizeof r->hh, hdr, PRELUDE + hlen, NULL, 0);
	if ((rc = rd(r, PRELUDE + hlen, ssh, sizeof ssh, err)) != 0)
		goto out;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&r->sec->ss, ssh,
	    r->sec->key) != 0) {
		rc = rfail(r, DBKI_B_PAYLOAD, DBK_EINTEGRITY, err,
		    "the stream header is invalid");
		goto out;
	}
	sodium_memzero(r->sec->key, sizeof r->sec->key);
	crypto_generichash_init(&r->hs, NULL, 0, 64);
	crypto_generichash_update(&r->hs, hdr, PRELUDE + hlen);
	crypto_generichash_update(&r->hs, ssh, sizeof ssh);
	r->pos = PRELUDE + hlen + SS_HDR;
	*rp = r;
	r = NULL;
	rc = 0;
out:
	free(hdr);
	dbki_bundle_reader_free(r);
	return rc;
}

int
dbki_bundle_reader_open(int fd, const uint8_t my_pk[32],
    const uint8_t my_sk[32],
    int (*sender_ok)(void *, const uint8_t *, const uint8_t *), void *ctx,
    struct dbki_bundle_info *info, struct dbki_bundle_reader **r,
    struct dbk_error *err)
{
	struct src src = { fd, NULL, 0 };
	struct stat st;

	memset(info, 0, sizeof *info);
	*r = NULL;
	if (fstat(fd, &st) != 0)
		return dbki_error_set(err, DBK_EIO, "reading the bundle failed: "
		    "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(info, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "it is not a regular file");
	src.size = (uint64_t)st.st_size;
	return reader_open(&src, my_pk, my_sk, sender_ok, ctx, info, r, err);
}

/*
 * Pass 2: the next chunk into r->pt.  Every chunk is authenticated here
 * again, not trusted from pass 1, because the file may have changed
 * since.  That alone is not enough: the AEAD proves a chunk was made
 * under the file key and this header, and every recipient holds the file
 * key, so a recipient could splice in chunks of their own.  Hence the
 * bytes are hashed once more on the way, and the end of the stream is
 * reported only when that hash is the one the signature covered.
 */
static int
pull(struct dbki_bundle_reader *r, struct dbk_error *err)
{
	unsigned long long ml;
	unsigned char tag;
	uint64_t cl;

	if (r->pos == r->end)
		return rfail(r, DBKI_B_PAYLOAD, DBK_EINTEGRITY, err,
		    "the stream has no final chunk");
	if (r->end - r->pos < 4)
		return rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "a chunk is cut short");
	if (rd(r, r->pos, r->ct, 4, err) != 0)
		return r->rc;
	cl = rd_be(r->ct, 4);
	if (cl < SS_ABYTES || cl > DBKI_BUNDLE_CHUNK + SS_ABYTES ||
	    cl > r->end - r->pos - 4 || r->nchunks >= DBKI_BUNDLE_MAX_CHUNKS)
		return rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "a chunk length is out of bounds");
	if (rd(r, r->pos + 4, r->ct + 4, (size_t)cl, err) != 0)
		return r->rc;
	crypto_generichash_update(&r->hs, r->ct, 4 + (size_t)cl);
	if (crypto_secretstream_xchacha20poly1305_pull(&r->sec->ss, r->pt, &ml,
	    &tag, r->ct + 4, cl, r->hh, sizeof r->hh) != 0)
		return rfail(r, DBKI_B_PAYLOAD, DBK_EINTEGRITY, err,
		    "a chunk does not authenticate");
	r->pos += 4 + cl;
	r->final = tag == TAG_FINAL;
	/* Full chunks but the last; the final tag on the last only; an
	 * empty final chunk only for an empty payload. */
	if ((!r->final && (ml != DBKI_BUNDLE_CHUNK || r->pos == r->end)) ||
	    (r->final && (r->pos != r->end || (ml == 0 && r->nchunks > 0))))
		return rfail(r, DBKI_B_PAYLOAD, DBK_EINTEGRITY, err,
		    "the chunks are not in their order");
	r->nchunks++;
	r->ptlen = (size_t)ml;
	r->ptoff = 0;
	return 0;
}

/* After the final chunk: the bytes read in pass 2 are those signed. */
static int
finish(struct dbki_bundle_reader *r, struct dbk_error *err)
{
	uint8_t d[64];

	crypto_generichash_final(&r->hs, d, sizeof d);
	if (sodium_memcmp(d, r->digest, sizeof d) != 0)
		return rfail(r, DBKI_B_SIGNATURE, DBK_EINTEGRITY, err,
		    "it changed while it was read");
	r->done = 1;
	return 0;
}

/* Up to n plaintext bytes into dst across chunks: how many, fewer only
 * at the end of the stream; -1 on failure. */
static long
take(struct dbki_bundle_reader *r, uint8_t *dst, size_t n,
    struct dbk_error *err)
{
	size_t got = 0;

	while (got < n) {
		size_t k;
		if (r->ptoff == r->ptlen) {
			if (r->final)
				break;
			if (pull(r, err) != 0)
				return -1;
			continue;
		}
		k = r->ptlen - r->ptoff;
		if (k > n - got)
			k = n - got;
		memcpy(dst + got, r->pt + r->ptoff, k);
		r->ptoff += k;
		got += k;
	}
	return (long)got;
}

int
dbki_bundle_reader_next(struct dbki_bundle_reader *r, size_t max_item,
    const uint8_t **item, size_t *len, struct dbk_error *err)
{
	uint8_t lb[4];
	size_t n;
	long got;

	*item = NULL;
	*len = 0;
	if (r->rc != 0)
		return dbki_error_set(err, r->rc, "the bundle was refused before");
	if (r->done)
		return 1;
	if ((got = take(r, lb, 4, err)) < 0)
		return r->rc;
	if (got == 0)
		return finish(r, err) != 0 ? r->rc : 1;
	if (got < 4)
		return rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "an item runs past the end of the stream");
	n = (size_t)rd_be(lb, 4);
	if (n > max_item)
		return rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "an item is longer than allowed");
	if (n > r->itemcap || r->item == NULL) {
		/* Doubling, never past max_item: one item's worth at most. */
		size_t cap = r->itemcap < 256 ? 256 : r->itemcap;
		uint8_t *b;
		while (cap < n)
			cap = cap > max_item / 2 ? max_item : cap * 2;
		if ((b = malloc(cap + 1)) == NULL)
			return r->rc = dbki_error_set(err, DBK_ENOMEM,
			    "out of memory");
		free_wiped(r->item, r->itemcap + 1);
		r->item = b;
		r->itemcap = cap;
	}
	if ((got = take(r, r->item, n, err)) < 0)
		return r->rc;
	if ((size_t)got < n)
		return rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
		    "an item runs past the end of the stream");
	r->item[n] = '\0';
	*item = r->item;
	*len = n;
	return 0;
}

int
dbki_bundle_open(const uint8_t *b, size_t n, const uint8_t my_pk[32],
    const uint8_t my_sk[32],
    int (*sender_ok)(void *, const uint8_t *, const uint8_t *), void *ctx,
    struct dbki_bundle_info *info, uint8_t **plain, size_t *plen,
    struct dbk_error *err)
{
	struct src src = { -1, b, n };
	struct dbki_bundle_reader *r;
	uint8_t *pt = NULL;
	size_t got = 0, total;
	int rc;

	*plain = NULL;
	*plen = 0;
	if (b == NULL)
		src.mem = (const uint8_t *)"";
	if ((rc = reader_open(&src, my_pk, my_sk, sender_ok, ctx, info, &r,
	    err)) != 0)
		return rc;
	/* Pass 1 counted the frames: at most 1 GiB. */
	total = (size_t)r->total;
	if ((pt = malloc(total + 1)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	while (!r->final) {
		if ((rc = pull(r, err)) != 0)
			goto out;
		if (r->ptlen > total - got) {
			rc = rfail(r, DBKI_B_FORMAT, DBK_EFORMAT, err,
			    "a chunk length is out of bounds");
			goto out;
		}
		memcpy(pt + got, r->pt, r->ptlen);
		got += r->ptlen;
	}
	if ((rc = finish(r, err)) != 0)
		goto out;
	pt[got] = '\0';
	*plain = pt;
	*plen = got;
	pt = NULL;
out:
	free_wiped(pt, total + 1);
	dbki_bundle_reader_free(r);
	return rc;
}

void
dbki_bundle_reader_progress(const struct dbki_bundle_reader *r, uint64_t *done,
    uint64_t *total)
{
	*done = r->pos;
	*total = r->end;
}

void
dbki_bundle_item(struct dbki_buf *b, const void *json, size_t n)
{
	uint8_t len[4];

	be32(len, (uint32_t)n);
	dbki_buf_add(b, len, 4);
	dbki_buf_add(b, json, n);
}
