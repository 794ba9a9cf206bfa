/*
 * audit.c -- the hash-chained, signed audit trail.
 *
 * Entry seq (LMDB key: 8-byte big-endian seq, DBI_AUDIT) is canonical
 * JSON with keys in this order:
 *   {"a":action,"f":[field,...],"id":record,"m":member,"p":prev hash hex,
 *    "r":replica hex,"s":"seq","t":"unix secs","y":type}
 * and its hash is BLAKE2b-256("dbk-audit-v1" || prev hash || be64(seq) ||
 * entry bytes).  The head, meta "audit_head", is be64(seq) || hash(32) ||
 * be64(change seq) || Ed25519 signature(64) over "dbk-audit-head-v2" ||
 * store id || be64(seq) || hash || be64(change seq), by the member's key.
 * The change sequence ties the head to the newest write in the store, so
 * an old head put back over a truncated trail no longer matches.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "internal.h"

#define HEAD_LEN (8 + 32 + 8 + 64)
#define HEAD_MSG_LEN (17 + 16 + 8 + 32 + 8)
#define MAX_ENTRY ((size_t)1 << 20)

static void
entry_hash(uint8_t out[32], const uint8_t prev[32], uint64_t seq,
    const uint8_t *entry, size_t len)
{
	crypto_generichash_state st;
	uint8_t sb[8];

	dbki_be64(sb, seq);
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"dbk-audit-v1", 12);
	crypto_generichash_update(&st, prev, 32);
	crypto_generichash_update(&st, sb, 8);
	crypto_generichash_update(&st, entry, len);
	crypto_generichash_final(&st, out, 32);
}

static void
head_message(uint8_t msg[HEAD_MSG_LEN], const struct dbk_store *s,
    uint64_t seq, const uint8_t hash[32], uint64_t chg)
{
	memcpy(msg, "dbk-audit-head-v2", 17);
	memcpy(msg + 17, s->store_id, 16);
	dbki_be64(msg + 33, seq);
	memcpy(msg + 41, hash, 32);
	dbki_be64(msg + 73, chg);
}

/* Read the stored head: 0 (with *found 0 when there is none yet). */
static int
head_read(struct dbk_txn *t, uint64_t *seq, uint8_t hash[32], uint8_t sig[64],
    uint64_t *chg, int *found, struct dbk_error *err)
{
	uint8_t *v = NULL;
	size_t n = 0;
	int rc = dbki_get(t, DBI_META, "audit_head", 10, &v, &n, err);

	*found = 0;
	*seq = 0;
	memset(hash, 0, 32);
	if (rc == DBK_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (n != HEAD_LEN) {
		dbki_free_plain(v, n);
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "the audit chain head is malformed");
	}
	*seq = dbki_rd_be64(v);
	memcpy(hash, v + 8, 32);
	if (chg != NULL)
		*chg = dbki_rd_be64(v + 40);
	if (sig != NULL)
		memcpy(sig, v + 48, 64);
	dbki_free_plain(v, n);
	*found = 1;
	return 0;
}

int
dbki_audit_append(struct dbk_txn *t, const char *action, enum dbk_type type,
    const struct dbk_id *id, const char *const *fields, size_t nfields,
    struct dbk_error *err)
{
	struct dbki_buf b;
	char hex[65], num[24], idhex[DBK_ID_HEX];
	uint8_t key[8], next[32];
	int rc, found;

	if (!t->audit_loaded) {
		if ((rc = head_read(t, &t->audit_seq, t->audit_hash, NULL, NULL,
		    &found, err)) != 0)
			return rc;
		t->audit_loaded = 1;
	}
	dbki_buf_init(&b, MAX_ENTRY);
	dbki_buf_adds(&b, "{\"a\":");
	dbki_buf_add_json(&b, action);
	dbki_buf_adds(&b, ",\"f\":[");
	for (size_t i = 0; i < nfields; i++) {
		if (i)
			dbki_buf_addc(&b, ',');
		dbki_buf_add_json(&b, fields[i]);
	}
	dbki_buf_adds(&b, "],\"id\":");
	if (id != NULL)
		dbk_id_format(id, idhex);
	else
		idhex[0] = '\0';
	dbki_buf_add_json(&b, idhex);
	dbki_buf_adds(&b, ",\"m\":");
	dbki_buf_add_json(&b, t->s->member);
	dbki_buf_adds(&b, ",\"p\":\"");
	dbki_hex(hex, t->audit_hash, 32);
	dbki_buf_adds(&b, hex);
	dbki_buf_adds(&b, "\",\"r\":\"");
	dbki_hex(hex, t->s->replica, 8);
	dbki_buf_adds(&b, hex);
	snprintf(num, sizeof num, "%" PRIu64, t->audit_seq + 1);
	dbki_buf_adds(&b, "\",\"s\":\"");
	dbki_buf_adds(&b, num);
	snprintf(num, sizeof num, "%" PRId64, dbki_now(t->s));
	dbki_buf_adds(&b, "\",\"t\":\"");
	dbki_buf_adds(&b, num);
	dbki_buf_adds(&b, "\",\"y\":");
	dbki_buf_add_json(&b, type ? dbk_type_name(type) : "");
	dbki_buf_addc(&b, '}');
	if (b.oom) {
		dbki_buf_free(&b);
		return dbki_error_set(err, DBK_ENOMEM, "audit entry too large");
	}
	dbki_be64(key, t->audit_seq + 1);
	rc = dbki_put(t, DBI_AUDIT, key, 8, b.p, b.len, MDB_NOOVERWRITE, err);
	if (rc == 0) {
		entry_hash(next, t->audit_hash, t->audit_seq + 1,
		    (const uint8_t *)b.p, b.len);
		memcpy(t->audit_hash, next, 32);
		t->audit_seq++;
		t->audit_dirty = 1;
	}
	dbki_buf_free(&b);
	return rc;
}

int
dbki_audit_seal_head(struct dbk_txn *t, struct dbk_error *err)
{
	uint8_t head[HEAD_LEN], msg[HEAD_MSG_LEN];

	head_message(msg, t->s, t->audit_seq, t->audit_hash, t->seq);
	dbki_be64(head, t->audit_seq);
	memcpy(head + 8, t->audit_hash, 32);
	dbki_be64(head + 40, t->seq);
	crypto_sign_detached(head + 48, NULL, msg, sizeof msg, t->s->sec->ed_sk);
	return dbki_put(t, DBI_META, "audit_head", 10, head, HEAD_LEN, 0, err);
}

/* Decode one entry into `e` (strings borrowed from the cJSON tree). */
static int
decode_entry(cJSON *o, struct dbk_audit_entry *e, const char ***fields,
    const char **prev)
{
	static const char *const keys[] = { "a", "f", "id", "m", "p", "r", "s",
		"t", "y" };
	const cJSON *it;
	size_t k = 0, nf;
	int64_t v;

	if (!cJSON_IsObject(o))
		return -1;
	/* Exactly these keys, in this order: one encoding per entry. */
	cJSON_ArrayForEach(it, o) {
		if (k >= 9 || strcmp(it->string, keys[k]) != 0)
			return -1;
		if (k == 1 ? !cJSON_IsArray(it) : !cJSON_IsString(it))
			return -1;
		k++;
	}
	if (k != 9)
		return -1;
	e->action = cJSON_GetObjectItemCaseSensitive(o, "a")->valuestring;
	e->id = cJSON_GetObjectItemCaseSensitive(o, "id")->valuestring;
	e->member = cJSON_GetObjectItemCaseSensitive(o, "m")->valuestring;
	*prev = cJSON_GetObjectItemCaseSensitive(o, "p")->valuestring;
	e->replica = cJSON_GetObjectItemCaseSensitive(o, "r")->valuestring;
	e->type = cJSON_GetObjectItemCaseSensitive(o, "y")->valuestring;
	if (dbk_parse_int(cJSON_GetObjectItemCaseSensitive(o, "s")->valuestring,
	    1, INT64_MAX, &v) != 0)
		return -1;
	e->seq = (uint64_t)v;
	if (dbk_parse_int(cJSON_GetObjectItemCaseSensitive(o, "t")->valuestring,
	    INT64_MIN, INT64_MAX, &e->time) != 0)
		return -1;
	it = cJSON_GetObjectItemCaseSensitive(o, "f");
	nf = (size_t)cJSON_GetArraySize(it);
	*fields = calloc(nf + 1, sizeof **fields);
	if (*fields == NULL)
		return -1;
	k = 0;
	cJSON_ArrayForEach(o, it) {
		if (!cJSON_IsString(o))
			return -1;
		(*fields)[k++] = o->valuestring;
	}
	e->fields = *fields;
	e->nfields = nf;
	return 0;
}

/* Walk the entries: fn per entry; verify mode checks the chain. */
static int
walk(struct dbk_txn *t, dbk_audit_fn fn, void *ctx, int verify, uint64_t *bad,
    uint64_t *count, struct dbk_error *err)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	uint8_t hash[32] = { 0 }, hseq_hash[32], sig[64], msg[HEAD_MSG_LEN];
	uint64_t expect = 1, hseq = 0, hchg = 0;
	int mrc, rc = 0, found = 0;

	if (bad != NULL)
		*bad = 0;
	if (verify && (rc = head_read(t, &hseq, hseq_hash, sig, &hchg, &found,
	    err)) != 0)
		return rc;
	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[DBI_AUDIT], &c)) != 0)
		return dbki_error_lmdb(err, mrc, "opening a cursor");
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT), expect++) {
		struct dbk_audit_entry e;
		const char **fields = NULL, *prev = NULL;
		uint8_t *pt = NULL, next[32], ph[32];
		size_t n = 0;
		uint64_t kseq;
		cJSON *o;
		int nomem;

		if (k.mv_size != 8) {
			rc = dbki_error_set(err, DBK_EINTEGRITY,
			    "audit entry %" PRIu64 ": a malformed key", expect);
			goto fail;
		}
		kseq = dbki_rd_be64(k.mv_data);
		if (kseq != expect) {
			rc = dbki_error_set(err, DBK_EINTEGRITY,
			    "audit entry %" PRIu64 " is missing (the next one is %"
			    PRIu64 ")", expect, kseq);
			goto fail;
		}
		if (dbki_open_value(t, DBI_AUDIT, &k, &v, &pt, &n, NULL) != 0) {
			rc = dbki_error_set(err, DBK_EINTEGRITY,
			    "audit entry %" PRIu64 " fails authentication (modified "
			    "or moved)", expect);
			goto fail;
		}
		o = dbki_json_parse(pt, n, &nomem);
		if (nomem) {
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
			dbki_free_plain(pt, n);
			goto fail;
		}
		if (o == NULL || decode_entry(o, &e, &fields, &prev) != 0 ||
		    e.seq != expect) {
			rc = dbki_error_set(err, DBK_EINTEGRITY,
			    "audit entry %" PRIu64 " is malformed or out of place",
			    expect);
			free(fields);
			cJSON_Delete(o);
			dbki_free_plain(pt, n);
			goto fail;
		}
		if (verify && (dbki_unhex(ph, 32, prev) != 0 ||
		    sodium_memcmp(ph, hash, 32) != 0)) {
			rc = dbki_error_set(err, DBK_EINTEGRITY,
			    "audit entry %" PRIu64 " does not follow entry %" PRIu64
			    " (edited, inserted or reordered)", expect, expect - 1);
			free(fields);
			cJSON_Delete(o);
			dbki_free_plain(pt, n);
			goto fail;
		}
		entry_hash(next, hash, expect, pt, n);
		memcpy(hash, next, 32);
		rc = fn != NULL ? fn(&e, ctx) : 0;
		free(fields);
		cJSON_Delete(o);
		dbki_free_plain(pt, n);
		if (rc != 0) {
			mdb_cursor_close(c);
			return rc;
		}
	}
	mdb_cursor_close(c);
	c = NULL;
	if (mrc != MDB_NOTFOUND)
		return dbki_error_lmdb(err, mrc, "walking the audit trail");
	expect--; /* the last sequence seen */
	if (count != NULL)
		*count = expect;
	if (!verify)
		return 0;
	/* init writes entry 1 and signs it: a store never has no trail. */
	if (!found && expect == 0)
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "the audit trail is gone: no entries and no signed head");
	if (!found) {
		if (bad != NULL)
			*bad = 0;
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "the audit chain has %" PRIu64 " entries but no signed head",
		    expect);
	}
	if (expect < hseq) {
		if (bad != NULL)
			*bad = expect + 1;
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "audit entries %" PRIu64 " to %" PRIu64 " are missing (the "
		    "trail was truncated)", expect + 1, hseq);
	}
	if (expect > hseq) {
		if (bad != NULL)
			*bad = hseq + 1;
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "audit entry %" PRIu64 " comes after the signed head (%" PRIu64
		    "): added behind the program's back", hseq + 1, hseq);
	}
	if (sodium_memcmp(hash, hseq_hash, 32) != 0) {
		if (bad != NULL)
			*bad = hseq;
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "audit entry %" PRIu64 " does not match the signed chain head",
		    hseq);
	}
	head_message(msg, t->s, hseq, hseq_hash, hchg);
	if (crypto_sign_verify_detached(sig, msg, sizeof msg, t->s->ed_pk) != 0)
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "the audit chain head's signature is not valid");
	/* The head must speak for the newest write: an older head (and a
	 * trail truncated to match) put back is found here. */
	{
		MDB_cursor *cc = NULL;
		MDB_val ck, cv;
		uint64_t last = 0;
		if (mdb_cursor_open(t->t, t->s->dbi[DBI_CHANGES], &cc) == 0) {
			if (mdb_cursor_get(cc, &ck, &cv, MDB_LAST) == 0 &&
			    ck.mv_size == 8)
				last = dbki_rd_be64(ck.mv_data);
			mdb_cursor_close(cc);
		}
		if (last != hchg) {
			if (bad != NULL)
				*bad = hseq;
			return dbki_error_set(err, DBK_EINTEGRITY,
			    "the signed audit head speaks for change %" PRIu64
			    " but the store holds change %" PRIu64 ": an older head "
			    "was put back, or writes were made behind the "
			    "program's back", hchg, last);
		}
	}
	return 0;
fail:
	if (bad != NULL)
		*bad = expect;
	if (c != NULL)
		mdb_cursor_close(c);
	return rc;
}

int
dbk_audit_list(struct dbk_txn *t, dbk_audit_fn fn, void *ctx,
    struct dbk_error *err)
{
	return walk(t, fn, ctx, 0, NULL, NULL, err);
}

int
dbk_audit_verify(struct dbk_txn *t, uint64_t *bad, uint64_t *count,
    struct dbk_error *err)
{
	return walk(t, NULL, NULL, 1, bad, count, err);
}
