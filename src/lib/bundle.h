/*
 * bundle.h -- the bundle codec (docs/BUNDLE.md, version 1): seal a
 * plaintext for recipients and sign it; check and open one, whole in
 * memory or streaming.  Internal: export and import build on it.  No
 * store; the only I/O is the streaming reader's reads of its file.
 */
#ifndef DEALBOOK_BUNDLE_H
#define DEALBOOK_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "dealbook/error.h"
#include "buf.h"

#define DBKI_BUNDLE_MAX_RCPT 256
/* The vector item's entries (the last plaintext item, docs/BUNDLE.md). */
#define DBKI_BUNDLE_MAX_VEC 4096
#define DBKI_BUNDLE_CHUNK 65536
#define DBKI_BUNDLE_MAX_CHUNKS 16384

/* The error classes of docs/BUNDLE.md. */
enum dbki_bundle_class {
	DBKI_B_OK = 0, DBKI_B_FORMAT, DBKI_B_UNKNOWN_SENDER, DBKI_B_SIGNATURE,
	DBKI_B_NO_RECIPIENT, DBKI_B_PAYLOAD
};

struct dbki_bundle_hdr {
	uint8_t id[16], team[16], ed_pk[32], x_pk[32];
	uint64_t seq, hlc;
	size_t nrcpt;
	const uint8_t (*rcpt)[32];	/* recipients' X25519 keys */
};

/*
 * What a bundle's header says: copies, so it stays valid after the
 * bundle bytes and any reader are gone.  cls names the class of a
 * refusal (DBKI_B_OK when there was none, or the failure was not a
 * refusal, e.g. DBK_EIO or DBK_ENOMEM).
 */
struct dbki_bundle_info {
	uint8_t id[16], team[16], ed_pk[32], x_pk[32];
	uint64_t seq, hlc;
	size_t nrcpt;
	enum dbki_bundle_class cls;
};

/* Append one plaintext item, len (u32 BE) || bytes, to b (docs/BUNDLE.md,
 * "Plaintext"); b->oom says whether it fit. */
void dbki_bundle_item(struct dbki_buf *b, const void *json, size_t n);

/* The recipient key id: first 8 bytes of BLAKE2b("dbk-keyid-v1" || pk). */
void dbki_bundle_keyid(const uint8_t pk[32], uint8_t id[8]);

/*
 * The streaming writer: memory is one 64 KiB chunk, whatever the size of
 * the bundle.  begin writes prelude, header and stream header; add takes
 * plaintext in pieces of any size; end seals the last chunk with the
 * final tag, signs and frees w (on failure too); free abandons a writer
 * that will not be ended.  out(ctx, p, n, err) receives the bundle's
 * bytes in order; a nonzero return (its error in err, the caller's
 * choice) stops the writer and is returned by that call and every later
 * one.  DBK_EINVAL for a header out of bounds (no recipient, too many, a
 * key twice) and for more than 1 GiB of plaintext, DBK_ENOMEM.  The
 * bytes are exactly those dbki_bundle_seal gives for the same inputs.
 */
struct dbki_bundle_writer;

int dbki_bundle_writer_begin(const struct dbki_bundle_hdr *h,
    const uint8_t ed_sk[64],
    int (*out)(void *ctx, const void *p, size_t n, struct dbk_error *err),
    void *ctx, struct dbki_bundle_writer **w, struct dbk_error *err);
int dbki_bundle_writer_add(struct dbki_bundle_writer *w, const void *p,
    size_t n, struct dbk_error *err);
int dbki_bundle_writer_end(struct dbki_bundle_writer *w,
    struct dbk_error *err);
void dbki_bundle_writer_free(struct dbki_bundle_writer *w);

/*
 * Seal plain (plen bytes) for h's recipients, signed with the sender's
 * Ed25519 secret key; the bundle is appended to out.  DBK_EINVAL for a
 * header out of bounds (no recipient, too many, a key twice), DBK_ENOMEM.
 */
int dbki_bundle_seal(const struct dbki_bundle_hdr *h, const uint8_t *plain,
    size_t plen, const uint8_t ed_sk[64], struct dbki_buf *out,
    struct dbk_error *err);

/*
 * Check and open bundle b (n bytes, in memory) for the holder of
 * my_pk/my_sk: the reader's checks, the plaintext all at once.
 * sender_ok(ctx, ed_pk, x_pk) says whether the sender may send (it runs
 * before any signature or box is checked): 1 yes, 0 no, or a DBK_E*
 * code when it could not tell, returned as it is; NULL accepts anyone.  On
 * success *plain (free with dbki_free_plain(p, len + 1)) and info.  On
 * failure info->cls names the class; the message says what was wrong.
 * Returns 0, DBK_EFORMAT, DBK_EINTEGRITY (signature, payload, unknown
 * sender) or DBK_ENOKEY (no stanza for me).
 */
int dbki_bundle_open(const uint8_t *b, size_t n, const uint8_t my_pk[32],
    const uint8_t my_sk[32],
    int (*sender_ok)(void *ctx, const uint8_t ed_pk[32],
    const uint8_t x_pk[32]), void *ctx, struct dbki_bundle_info *info,
    uint8_t **plain, size_t *plen, struct dbk_error *err);

/*
 * The streaming reader, over a regular file: memory is one chunk and one
 * item, whatever the size of the bundle.
 *
 * open is pass 1: the caps on prelude and header before any allocation,
 * sender_ok before any cryptography, the whole file hashed (in 64 KiB
 * pieces) and the signature verified, then my stanza opened; the same
 * returns and classes as dbki_bundle_open.  info must stay valid until
 * the reader is freed: next sets info->cls when it refuses.
 *
 * next is pass 2: the next item (len u32 BE || bytes) of the plaintext,
 * *item pointing into the reader (NUL after it) until the next call.
 * Returns 0 for an item; 1 at the clean end: the final chunk read, the
 * signature right after it, and every byte read in pass 2 the same as
 * those signed; or a refusal: E_PAYLOAD for a chunk that does not
 * authenticate or a final tag missing or misplaced, E_FORMAT for an item
 * longer than max_item or past the end of the stream, E_SIGNATURE when
 * the file changed since open.  A caller commits nothing before 1.
 * free wipes.
 */
struct dbki_bundle_reader;

int dbki_bundle_reader_open(int fd, const uint8_t my_pk[32],
    const uint8_t my_sk[32],
    int (*sender_ok)(void *ctx, const uint8_t ed_pk[32],
    const uint8_t x_pk[32]), void *ctx, struct dbki_bundle_info *info,
    struct dbki_bundle_reader **r, struct dbk_error *err);
int dbki_bundle_reader_next(struct dbki_bundle_reader *r, size_t max_item,
    const uint8_t **item, size_t *len, struct dbk_error *err);
void dbki_bundle_reader_free(struct dbki_bundle_reader *r);
/* How many signature checks and stanza openings readers have run, for
 * the tests of R5 (an unknown sender costs none). */
unsigned long dbki_bundle_crypto_calls(void);
/* How far pass 2 has read (bytes of the file), for a progress line. */
void dbki_bundle_reader_progress(const struct dbki_bundle_reader *r,
    uint64_t *done, uint64_t *total);

#endif
