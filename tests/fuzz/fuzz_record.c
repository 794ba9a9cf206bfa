/*
 * fuzz_record.c -- the stored record form (record.c encode()) read back:
 * dbki_record_decode, whose hand-written scanner takes the exact form
 * and hands anything else to cJSON, and dbki_record_merge, which import
 * runs on every record state a bundle carries.
 *
 * Input: a type byte, a mode byte (bit 0: open sensitive values; bit
 * 1: merge too), then the JSON.  What must hold:
 *   - a record that decodes encodes to a form that decodes to itself;
 *   - the scanner and cJSON agree: the same JSON re-printed by cJSON
 *     with white space (which only cJSON reads) is accepted exactly when
 *     the original is, as the same record;
 *   - a merge that succeeds leaves a record that loads.
 * All in a write transaction that is aborted, so the store stays as it
 * was created.
 */
#include <cjson/cJSON.h>

#include "fuzz.h"
#include "record_int.h"

static int
encode_of(struct dbk_store *s, enum dbk_type type, const struct dbk_id *id,
    const char *json, size_t len, int open, struct dbki_buf *b)
{
	struct dbk_error err = { 0 };
	struct dbk_record *r = NULL;
	int rc;

	rc = dbki_record_decode(s, type, id, json, len, open, &r, &err);
	if (rc != 0) {
		if (r != NULL || err.msg == NULL)
			fz_die("a refused record gave a record or no message");
		dbk_error_clear(&err);
		return rc;
	}
	dbki_buf_init(b, (size_t)1 << 26);
	if (dbki_record_encode(r, b) != 0)
		fz_die("encode failed");
	dbk_record_free(r);
	return 0;
}

static void
merge(struct dbk_txn *t, enum dbk_type type, const struct dbk_id *id,
    const char *json, size_t len)
{
	struct dbki_merge_counts mc = { 0, 0, 0, 0, 0 };
	struct dbk_error err = { 0 };
	struct dbk_record *r = NULL;
	size_t nf = 0;
	int rc;

	/* A state without fields (after the quarantine) merges nothing. */
	if (dbki_record_decode(t->s, type, id, json, len, 1, &r, &err) == 0)
		nf = r->n;
	dbk_record_free(r);
	r = NULL;
	dbk_error_clear(&err);
	rc = dbki_record_merge(t, type, id, json, len, &mc, &err);
	dbk_error_clear(&err);
	if (rc == 0) {
		rc = dbki_record_load(t, type, id, &r, &err);
		if (rc != 0 && !(rc == DBK_ENOTFOUND && (nf == 0 ||
		    mc.quarantined == nf)))
			fz_die("a merged record does not load: %d %s", rc,
			    err.msg ? err.msg : "");
		dbk_record_free(r);
		dbk_error_clear(&err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbk_store *s = fz_store(NULL);
	struct dbk_error err = { 0 };
	struct dbk_txn *t = NULL;
	struct dbk_id id;
	struct dbki_buf e1, e2, e3;
	enum dbk_type type;
	const char *json;
	size_t len;
	cJSON *tree;
	char *pretty = NULL;
	int open, rc, rc3 = -1;

	if (size < 2)
		return 0;
	type = (enum dbk_type)(data[0] % DBK_T_MAX + 1);
	open = data[1] & 1;
	json = (const char *)data + 2;
	len = size - 2;
	memset(id.b, 0x5a, sizeof id.b);
	/* Sealed values open only inside a transaction (the key pages are
	 * closed outside, R21); this one is aborted. */
	if (dbk_txn_begin(s, 1, &t, &err) != 0)
		fz_die("txn: %s", err.msg ? err.msg : "?");

	rc = encode_of(s, type, &id, json, len, open, &e1);
	if (rc == 0) {
		if (encode_of(s, type, &id, e1.p, e1.len, open, &e2) != 0)
			fz_die("a record's own encoding does not decode");
		if (e2.len != e1.len || memcmp(e1.p, e2.p, e1.len) != 0)
			fz_die("a record's encoding is not a fixed point:\n%.*s\n"
			    "%.*s", (int)e1.len, e1.p, (int)e2.len, e2.p);
		dbki_buf_free(&e2);
	}
	/* The cJSON reader on the same content. */
	if ((tree = cJSON_ParseWithLength(json, len)) != NULL &&
	    (pretty = cJSON_Print(tree)) != NULL) {
		rc3 = encode_of(s, type, &id, pretty, strlen(pretty), open, &e3);
		if ((rc == 0) != (rc3 == 0))
			fz_die("the scanner says %d, cJSON %d", rc, rc3);
		if (rc == 0 && (e3.len != e1.len ||
		    memcmp(e1.p, e3.p, e1.len) != 0))
			fz_die("the scanner and cJSON read different records");
		if (rc3 == 0)
			dbki_buf_free(&e3);
	}
	cJSON_free(pretty);
	cJSON_Delete(tree);
	if (rc == 0)
		dbki_buf_free(&e1);
	if ((data[1] & 2) && type != DBK_T_MEMBER)
		merge(t, type, &id, json, len);
	dbk_txn_abort(t);
	return 0;
}
