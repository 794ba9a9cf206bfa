/*
 * fuzz_audit.c -- the audit trail's reader (audit.c): dbk_audit_verify
 * and dbk_audit_list over entries it did not write.
 *
 * The first byte picks the mode; the rest is split at newlines.
 *   0  each line is an entry's JSON, stored (encrypted, as the store
 *      keeps them) under sequence 1, 2, ... over the store's own trail;
 *      the verifier must refuse or accept without harm, and a refusal
 *      must name an entry that exists.
 *   1  the lines are an action and its field names, appended the way
 *      the library appends (dbki_audit_append) and the head sealed:
 *      whatever strings the writer is given, the verifier must accept
 *      the trail it wrote.
 * All in a write transaction that is aborted.
 */
#include "fuzz.h"

#define MAX_LINES 32

static int
touch(const struct dbk_audit_entry *e, void *ctx)
{
	size_t *n = ctx;

	*n += strlen(e->action) + strlen(e->member) + strlen(e->replica) +
	    strlen(e->type) + strlen(e->id);
	for (size_t i = 0; i < e->nfields; i++)
		*n += strlen(e->fields[i]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbk_store *s = fz_store(NULL);
	struct dbk_error err = { 0 };
	struct dbk_txn *t = NULL;
	const char *line[MAX_LINES];
	uint64_t bad = 0, count = 0;
	size_t nl = 0, total = 0;
	char *text, *p;
	int rc;

	if (size < 1)
		return 0;
	text = fz_str(data + 1, size - 1);
	for (p = text; nl < MAX_LINES; ) {
		char *nlp = strchr(p, '\n');
		line[nl++] = p;
		if (nlp == NULL)
			break;
		*nlp = '\0';
		p = nlp + 1;
	}
	if (dbk_txn_begin(s, 1, &t, &err) != 0)
		fz_die("txn: %s", err.msg ? err.msg : "?");
	if (data[0] & 1) {
		enum dbk_type type = (enum dbk_type)(data[0] >> 1) %
		    (DBK_T_MAX + 1);
		struct dbk_id id;
		memset(id.b, 0xa5, sizeof id.b);
		rc = dbki_audit_append(t, line[0], type, data[0] & 2 ? &id :
		    NULL, line + 1, nl - 1, &err);
		if (rc == 0 && (rc = dbki_audit_seal_head(t, &err)) != 0)
			fz_die("sealing the head: %s", err.msg ? err.msg : "?");
		if (rc == 0 && dbk_audit_verify(t, &bad, &count, &err) != 0)
			fz_die("the verifier refuses what the writer wrote: %s",
			    err.msg ? err.msg : "?");
	} else {
		for (size_t i = 0; i < nl; i++) {
			uint8_t key[8];
			dbki_be64(key, i + 1);
			if (dbki_put(t, DBI_AUDIT, key, 8, line[i], strlen(line[i]),
			    0, &err) != 0)
				fz_die("put: %s", err.msg ? err.msg : "?");
		}
		rc = dbk_audit_verify(t, &bad, &count, &err);
		if (rc != 0 && err.msg == NULL)
			fz_die("a refusal without a message");
		dbk_error_clear(&err);
		if (rc == 0 && count < nl)
			fz_die("verified %llu entries of at least %zu",
			    (unsigned long long)count, nl);
		(void)dbk_audit_list(t, touch, &total, &err);
	}
	dbk_error_clear(&err);
	dbk_txn_abort(t);
	free(text);
	return 0;
}
