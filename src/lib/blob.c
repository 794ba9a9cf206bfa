/*
 * blob.c -- large values that belong to a record but do not fit in one
 * (an evaluation run's results and inputs): DBI_BLOB, key = owner record
 * id (16) || tag (1) || chunk number (u32 BE), value = up to BLOB_CHUNK
 * bytes, encrypted and bound to its key like every value.  Whoever reads
 * a blob checks it against a hash the owner record carries.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "record_int.h"

#define BLOB_CHUNK ((size_t)1 << 20)
#define BLOB_KEY 21

static void
blob_key(uint8_t k[BLOB_KEY], const uint8_t id[16], uint8_t tag, uint32_t i)
{
	memcpy(k, id, 16);
	k[16] = tag;
	k[17] = (uint8_t)(i >> 24);
	k[18] = (uint8_t)(i >> 16);
	k[19] = (uint8_t)(i >> 8);
	k[20] = (uint8_t)i;
}

/* Remove every chunk of (id, tag). */
static int
blob_del(struct dbk_txn *t, const uint8_t id[16], uint8_t tag,
    struct dbk_error *err)
{
	uint8_t k[BLOB_KEY];
	int rc;

	for (uint32_t i = 0;; i++) {
		MDB_val key = { BLOB_KEY, k }, v;
		blob_key(k, id, tag, i);
		if (mdb_get(t->t, t->s->dbi[DBI_BLOB], &key, &v) != 0)
			return 0;
		if ((rc = dbki_del(t, DBI_BLOB, k, BLOB_KEY, err)) != 0)
			return rc;
	}
}

int
dbki_blob_put(struct dbk_txn *t, const uint8_t id[16], uint8_t tag,
    const void *data, size_t len, struct dbk_error *err)
{
	const uint8_t *p = data;
	uint8_t k[BLOB_KEY];
	uint32_t i = 0;
	int rc;

	if ((rc = blob_del(t, id, tag, err)) != 0)
		return rc;
	/* At least one chunk, so an empty blob is there, not missing. */
	do {
		size_t n = len > BLOB_CHUNK ? BLOB_CHUNK : len;
		blob_key(k, id, tag, i++);
		if ((rc = dbki_put(t, DBI_BLOB, k, BLOB_KEY, p, n, 0, err)) != 0)
			return rc;
		p += n;
		len -= n;
	} while (len > 0);
	return 0;
}

int
dbki_blob_get(struct dbk_txn *t, const uint8_t id[16], uint8_t tag,
    uint8_t **out, size_t *outlen, struct dbk_error *err)
{
	struct dbki_buf b;
	uint8_t k[BLOB_KEY];
	int rc = 0;
	uint32_t i;

	*out = NULL;
	*outlen = 0;
	dbki_buf_init(&b, (size_t)1 << 31);
	for (i = 0;; i++) {
		uint8_t *pt = NULL;
		size_t n = 0;
		blob_key(k, id, tag, i);
		rc = dbki_get(t, DBI_BLOB, k, BLOB_KEY, &pt, &n, err);
		if (rc == DBK_ENOTFOUND) {
			rc = i > 0 ? 0 : DBK_ENOTFOUND;
			break;
		}
		if (rc != 0)
			break;
		dbki_buf_add(&b, pt, n);
		dbki_free_plain(pt, n);
	}
	if (rc == 0 && b.oom)
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (rc == 0) {
		/* NUL-terminated for text, not counted. */
		dbki_buf_addc(&b, '\0');
		if (b.oom) {
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		} else {
			*out = (uint8_t *)b.p;
			*outlen = b.len - 1;
			return 0;
		}
	}
	dbki_buf_free(&b);
	return rc;
}
