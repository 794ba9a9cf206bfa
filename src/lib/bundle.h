/*
 * bundle.h -- the bundle codec (docs/BUNDLE.md, version 1): seal a
 * plaintext for recipients and sign it; check and open one.  Internal:
 * export and import build on it.  Pure: no store, no I/O.
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

/* What a bundle's header says (pointers into the bundle bytes). */
struct dbki_bundle_info {
	const uint8_t *id, *team, *ed_pk, *x_pk;
	uint64_t seq, hlc;
	size_t nrcpt;
	enum dbki_bundle_class cls;
};

/* The recipient key id: first 8 bytes of BLAKE2b("dbk-keyid-v1" || pk). */
void dbki_bundle_keyid(const uint8_t pk[32], uint8_t id[8]);

/*
 * Seal plain (plen bytes) for h's recipients, signed with the sender's
 * Ed25519 secret key; the bundle is appended to out.  DBK_EINVAL for a
 * header out of bounds (no recipient, too many, a key twice), DBK_ENOMEM.
 */
int dbki_bundle_seal(const struct dbki_bundle_hdr *h, const uint8_t *plain,
    size_t plen, const uint8_t ed_sk[64], struct dbki_buf *out,
    struct dbk_error *err);

/*
 * Check and open bundle b (n bytes) for the holder of my_pk/my_sk.
 * sender_ok(ctx, ed_pk, x_pk) says whether the sender may send (it runs
 * before any signature or box is checked); NULL accepts anyone.  On
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

#endif
