/*
 * dbk-tamper.c -- a test-only helper that does to a store what the
 * program never would, so the end-to-end tests can check it is caught.
 *
 *   dbk-tamper set-kdf DIR PASSFILE OPS MEMBYTES
 *       re-wrap the data key under Argon2id parameters of our choosing
 *       (no floor), as an attacker editing the header could.
 *
 * The audit trail (LMDB database 'audit', key = 8-byte big-endian seq):
 *
 *   audit-flip DIR PASSFILE SEQ
 *       flip one byte of entry SEQ's raw ciphertext (an outsider).
 *   audit-del DIR PASSFILE SEQ
 *       delete entry SEQ (raw).
 *   audit-swap DIR PASSFILE SEQ
 *       swap the raw values of entries SEQ and SEQ+1.
 *   audit-rewrite DIR PASSFILE SEQ
 *       an insider with the passphrase: decrypt entry SEQ, change its
 *       action ("a") to "update" ("create" if it already was "update") and
 *       re-encrypt it validly.  Entry SEQ itself still authenticates and
 *       still links to SEQ-1, so the chain breaks one entry later: verify
 *       names SEQ+1 ("does not follow entry SEQ"), or, when SEQ is the last
 *       entry, SEQ as not matching the signed head.
 *   audit-insert DIR PASSFILE SEQ
 *       an insider: move entries SEQ.. up by one (re-encrypted under their
 *       new keys, their "s" renumbered to match) and put a copy of entry
 *       SEQ-1 at SEQ, renumbered to SEQ.  Every entry authenticates and is
 *       in place; only the hash chain shows it: verify names SEQ.
 *   audit-append DIR PASSFILE
 *       an insider: append one correctly chained entry through the
 *       library but leave the signed head as it was; verify names the
 *       new entry as coming after the signed head.
 *   audit-truncate DIR PASSFILE K
 *       delete the last K entries (raw).
 *
 * Records:
 *
 *   rec-flip DIR PASSFILE IDHEX FIELD
 *       decrypt record IDHEX (32 hex digits, as shown by --format csv),
 *       change one character of the sealed value of its sensitive FIELD
 *       and re-encrypt the record validly: only the inner restricted-key
 *       layer fails.
 *   rec-rawflip DIR PASSFILE IDHEX
 *       flip one byte of the record's raw ciphertext.
 *   rec-set DIR PASSFILE IDHEX FIELD=VALUE
 *       an insider: set any field, system fields included, through the
 *       library (a valid record, history and audit entry).
 *   rec-clone DIR PASSFILE IDHEX
 *       an insider: a new record of the same type with every field of
 *       IDHEX copied; prints the new id.
 *   blob-set DIR PASSFILE IDHEX TAG TEXT
 *       an insider: replace record IDHEX's blob TAG (one character, e.g.
 *       'r' for an evaluation run's results) with TEXT, validly encrypted.
 *
 * Keys:
 *
 *   rkey-drop DIR PASSFILE
 *       forget the secret half of the current restricted key (its public
 *       half stays), as in the store of a member who was never given it;
 *       the keyring is rewritten in the layout of docs/STORAGE.md.
 *
 * Team:
 *
 *   set-role DIR PASSFILE ROLE
 *       an insider with their own passphrase: make the store believe
 *       its member holds ROLE in the team (e.g. claim "manager").
 *
 * Raw edits go through a write transaction of the library, which signs
 * a new audit head only when entries were appended through the API: so
 * the head is left as it was.  Exit 0 done, 1 failure, 2 usage.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "record_int.h"

#define USAGE \
	"usage: dbk-tamper set-kdf DIR PASSFILE OPS MEMBYTES\n" \
	"       dbk-tamper audit-flip|audit-del|audit-swap|audit-rewrite|" \
	"audit-insert DIR PASSFILE SEQ\n" \
	"       dbk-tamper audit-append DIR PASSFILE\n" \
	"       dbk-tamper audit-truncate DIR PASSFILE K\n" \
	"       dbk-tamper rec-flip DIR PASSFILE IDHEX FIELD\n" \
	"       dbk-tamper rec-set DIR PASSFILE IDHEX FIELD=VALUE\n" \
	"       dbk-tamper rec-clone DIR PASSFILE IDHEX\n" \
	"       dbk-tamper blob-set DIR PASSFILE IDHEX TAG TEXT\n" \
	"       dbk-tamper rec-rawflip DIR PASSFILE IDHEX\n" \
	"       dbk-tamper rkey-drop DIR PASSFILE\n" \
	"       dbk-tamper set-role DIR PASSFILE ROLE\n"

static int
read_pass(const char *file, char *buf, size_t cap, size_t *len)
{
	FILE *fp = fopen(file, "r");

	if (fp == NULL || fgets(buf, (int)cap, fp) == NULL) {
		if (fp)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	*len = strcspn(buf, "\r\n");
	buf[*len] = '\0';
	return 0;
}

static int fail(const char *fmt, ...) DBK_PRINTF(1, 2);

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dbk-tamper: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int
fail_err(struct dbk_error *err, const char *what)
{
	fprintf(stderr, "dbk-tamper: %s: %s\n", what,
	    err->msg ? err->msg : "failed");
	return 1;
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* A raw copy of a value (mdb_get's data points into the map). */
static int
raw_get(MDB_txn *mt, MDB_dbi dbi, const void *key, size_t klen, uint8_t **out,
    size_t *n)
{
	MDB_val k = { klen, (void *)key }, v;

	*out = NULL;
	if (mdb_get(mt, dbi, &k, &v) != 0)
		return -1;
	if ((*out = malloc(v.mv_size ? v.mv_size : 1)) == NULL)
		return -1;
	memcpy(*out, v.mv_data, v.mv_size);
	*n = v.mv_size;
	return 0;
}

static int
raw_put(MDB_txn *mt, MDB_dbi dbi, const void *key, size_t klen,
    const uint8_t *val, size_t n)
{
	MDB_val k = { klen, (void *)key }, v = { n, (void *)val };
	int mrc = mdb_put(mt, dbi, &k, &v, 0);

	if (mrc != 0)
		fprintf(stderr, "dbk-tamper: mdb_put: %s\n", mdb_strerror(mrc));
	return mrc == 0 ? 0 : -1;
}

/* Flip one bit of a sealed value, inside the ciphertext proper (past the
 * nonce), or in the tag when the plaintext is empty. */
static void
flip_sealed(uint8_t *v, size_t n)
{
	size_t at = n > DBKI_SEAL_OVERHEAD ?
	    DBKI_NONCE_LEN + (n - DBKI_SEAL_OVERHEAD) / 2 : n - 1;

	v[at] ^= 0x01;
}

/* The last audit sequence number, 0 when the trail is empty. */
static int
audit_last(struct dbk_txn *t, uint64_t *last)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int mrc;

	*last = 0;
	if (mdb_cursor_open(t->t, t->s->dbi[DBI_AUDIT], &c) != 0)
		return -1;
	mrc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (mrc == 0 && k.mv_size == 8)
		*last = dbki_rd_be64(k.mv_data);
	mdb_cursor_close(c);
	return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : -1;
}

/* Entry text with its "s" member replaced by seq: malloc'd. */
static char *
renumber(const char *pt, size_t n, uint64_t seq, size_t *outn)
{
	static const char tag[] = ",\"s\":\"";
	const char *p = NULL, *end;
	char num[24], *out;
	size_t head, tail;

	/* Inside JSON strings every quote is escaped, so the first raw
	 * occurrence of ,"s":" is the member itself. */
	for (size_t i = 0; i + sizeof tag - 1 <= n; i++)
		if (memcmp(pt + i, tag, sizeof tag - 1) == 0) {
			p = pt + i + sizeof tag - 1;
			break;
		}
	if (p == NULL || (end = memchr(p, '"', n - (size_t)(p - pt))) == NULL)
		return NULL;
	snprintf(num, sizeof num, "%" PRIu64, seq);
	head = (size_t)(p - pt);
	tail = n - (size_t)(end - pt);
	if ((out = malloc(head + strlen(num) + tail + 1)) == NULL)
		return NULL;
	memcpy(out, pt, head);
	memcpy(out + head, num, strlen(num));
	memcpy(out + head + strlen(num), end, tail);
	*outn = head + strlen(num) + tail;
	out[*outn] = '\0';
	return out;
}

/* Decrypt entry `from` and store it, renumbered, under key `to`. */
static int
audit_move(struct dbk_txn *t, uint64_t from, uint64_t to, struct dbk_error *err)
{
	uint8_t kf[8], kt[8], *pt = NULL;
	size_t n = 0, nn = 0;
	char *moved;
	int rc;

	dbki_be64(kf, from);
	dbki_be64(kt, to);
	if ((rc = dbki_get(t, DBI_AUDIT, kf, 8, &pt, &n, err)) != 0)
		return rc;
	moved = renumber((const char *)pt, n, to, &nn);
	dbki_free_plain(pt, n);
	if (moved == NULL)
		return dbki_error_set(err, DBK_EFORMAT, "entry %" PRIu64
		    " has no sequence member", from);
	rc = dbki_put(t, DBI_AUDIT, kt, 8, moved, nn, 0, err);
	dbki_free_plain(moved, nn);
	return rc;
}

static int
audit_op(struct dbk_store *s, const char *op, const char *arg)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = NULL;
	MDB_dbi dbi = s->dbi[DBI_AUDIT];
	uint64_t seq = 0, last = 0;
	uint8_t key[8], key2[8], *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	int rc = 1;

	if (arg != NULL && parse_u64(arg, &seq) != 0)
		return fail("not a number: '%s'", arg);
	if (dbk_txn_begin(s, 1, &t, &err) != 0)
		return fail_err(&err, "starting a transaction");
	if (audit_last(t, &last) != 0) {
		fail("%s", "cannot read the audit trail");
		goto out;
	}
	dbki_be64(key, seq);
	dbki_be64(key2, seq + 1);
	if (strcmp(op, "audit-flip") == 0) {
		if (raw_get(t->t, dbi, key, 8, &a, &na) != 0) {
			fail("no audit entry %s", arg);
			goto out;
		}
		flip_sealed(a, na);
		if (raw_put(t->t, dbi, key, 8, a, na) != 0)
			goto out;
	} else if (strcmp(op, "audit-del") == 0) {
		MDB_val k = { 8, key };
		if (mdb_del(t->t, dbi, &k, NULL) != 0) {
			fail("no audit entry %s", arg);
			goto out;
		}
	} else if (strcmp(op, "audit-swap") == 0) {
		if (raw_get(t->t, dbi, key, 8, &a, &na) != 0 ||
		    raw_get(t->t, dbi, key2, 8, &b, &nb) != 0) {
			fail("entries %s and the next must exist", arg);
			goto out;
		}
		if (raw_put(t->t, dbi, key, 8, b, nb) != 0 ||
		    raw_put(t->t, dbi, key2, 8, a, na) != 0)
			goto out;
	} else if (strcmp(op, "audit-rewrite") == 0) {
		static const char pre[] = "{\"a\":\"";
		const char *q, *act;
		char *text;
		size_t n;
		if (dbki_get(t, DBI_AUDIT, key, 8, &a, &na, &err) != 0) {
			fail_err(&err, "reading the entry");
			goto out;
		}
		if (na < sizeof pre || memcmp(a, pre, sizeof pre - 1) != 0 ||
		    (q = memchr(a + sizeof pre - 1, '"', na - (sizeof pre - 1))) ==
		    NULL) {
			fail("entry %s does not start with an action", arg);
			goto out;
		}
		act = strncmp((const char *)a + sizeof pre - 1, "update", 6) == 0 &&
		    q == (const char *)a + sizeof pre - 1 + 6 ? "create" : "update";
		n = (sizeof pre - 1) + strlen(act) + (na - (size_t)(q - (char *)a));
		if ((text = malloc(n + 1)) == NULL)
			goto out;
		snprintf(text, n + 1, "%s%s%.*s", pre, act,
		    (int)(na - (size_t)(q - (char *)a)), q);
		rc = dbki_put(t, DBI_AUDIT, key, 8, text, n, 0, &err);
		dbki_free_plain(text, n);
		if (rc != 0) {
			rc = 1;
			fail_err(&err, "writing the entry");
			goto out;
		}
		rc = 1;
	} else if (strcmp(op, "audit-insert") == 0) {
		if (seq < 2 || seq > last) {
			fail("SEQ must be between 2 and the last entry, not %s", arg);
			goto out;
		}
		for (uint64_t i = last; i >= seq; i--)
			if (audit_move(t, i, i + 1, &err) != 0) {
				fail_err(&err, "moving an entry");
				goto out;
			}
		if (audit_move(t, seq - 1, seq, &err) != 0) {
			fail_err(&err, "copying an entry");
			goto out;
		}
	} else if (strcmp(op, "audit-append") == 0) {
		if (dbki_audit_append(t, "update", 0, NULL, NULL, 0, &err) != 0) {
			fail_err(&err, "appending");
			goto out;
		}
		t->audit_dirty = 0; /* the head is not re-signed */
	} else if (strcmp(op, "audit-truncate") == 0) {
		if (seq == 0 || seq > last) {
			fail("cannot truncate %s entries", arg);
			goto out;
		}
		for (uint64_t i = last - seq + 1; i <= last; i++) {
			MDB_val k = { 8, key };
			dbki_be64(key, i);
			if (mdb_del(t->t, dbi, &k, NULL) != 0) {
				fail("%s", "deleting failed");
				goto out;
			}
		}
	} else {
		fail("unknown operation '%s'", op);
		goto out;
	}
	if (dbk_txn_commit(t, &err) != 0) {
		t = NULL;
		fail_err(&err, "committing");
		goto out;
	}
	t = NULL;
	rc = 0;
out:
	if (t != NULL)
		dbk_txn_abort(t);
	free(a);
	free(b);
	dbk_error_clear(&err);
	return rc;
}

/* Find record IDHEX's key (type byte + internal id) through the id index. */
static int
rec_key(struct dbk_txn *t, const char *idhex, uint8_t k[17])
{
	struct dbk_error err = { 0 };
	struct dbk_id id;
	uint8_t d[16], *tv = NULL;
	size_t tn = 0;

	if (strlen(idhex) != 32 || dbk_id_parse(idhex, &id) != 0)
		return fail("not a full record id: '%s'", idhex);
	memcpy(d, id.b + 6, 10);
	memcpy(d + 10, id.b, 6);
	if (dbki_get(t, DBI_IDS, d, 16, &tv, &tn, &err) != 0 || tn != 1) {
		dbki_free_plain(tv, tn);
		dbk_error_clear(&err);
		return fail("no record '%s' in the id index", idhex);
	}
	k[0] = tv[0];
	memcpy(k + 1, id.b, 16);
	dbki_free_plain(tv, tn);
	return 0;
}

static int
rec_op(struct dbk_store *s, const char *op, const char *idhex,
    const char *field)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = NULL;
	uint8_t k[17], *v = NULL;
	size_t n = 0;
	int rc = 1;

	if (dbk_txn_begin(s, 1, &t, &err) != 0)
		return fail_err(&err, "starting a transaction");
	if (rec_key(t, idhex, k) != 0)
		goto out;
	if (strcmp(op, "rec-rawflip") == 0) {
		if (raw_get(t->t, s->dbi[DBI_REC], k, 17, &v, &n) != 0) {
			fail("record '%s' is not stored", idhex);
			goto out;
		}
		flip_sealed(v, n);
		if (raw_put(t->t, s->dbi[DBI_REC], k, 17, v, n) != 0)
			goto out;
		free(v);
		v = NULL;
	} else {
		/* rec-flip: the JSON holds "FIELD":["R1.<epoch>.<b64>",...]. */
		char pat[160], *p, *dot;
		if (dbki_get(t, DBI_REC, k, 17, &v, &n, &err) != 0) {
			fail_err(&err, "reading the record");
			goto out;
		}
		snprintf(pat, sizeof pat, "\"%s\":[\"", field);
		if ((p = strstr((char *)v, pat)) == NULL) {
			fail("the record has no field '%s'", field);
			goto out;
		}
		p += strlen(pat);
		if ((strncmp(p, "R1.", 3) != 0 && strncmp(p, "S1.", 3) != 0) ||
		    (dot = strchr(p + 3, '.')) == NULL || strlen(dot) < 12) {
			fail("field '%s' is not sealed", field);
			goto out;
		}
		/* A character in the middle of the nonce: still valid base64
		 * of the same length, so only the AEAD check can catch it. */
		dot[8] = dot[8] == 'A' ? 'B' : 'A';
		if (dbki_put(t, DBI_REC, k, 17, v, n, 0, &err) != 0) {
			fail_err(&err, "writing the record");
			goto out;
		}
		dbki_free_plain(v, n);
		v = NULL;
	}
	if (dbk_txn_commit(t, &err) != 0) {
		t = NULL;
		fail_err(&err, "committing");
		goto out;
	}
	t = NULL;
	rc = 0;
out:
	if (t != NULL)
		dbk_txn_abort(t);
	if (v != NULL)
		dbki_free_plain(v, n);
	dbk_error_clear(&err);
	return rc;
}

/* rec-set and rec-clone: valid records, as the library would write them
 * for someone who bypassed the command line. */
static int
rec_insider(struct dbk_store *s, const char *op, const char *idhex,
    const char *arg)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = NULL;
	struct dbk_record *r = NULL;
	struct dbk_field *f = NULL;
	struct dbk_id id, nid;
	uint8_t k[17];
	size_t nf = 0;
	int rc = 1;

	if (dbk_txn_begin(s, 1, &t, &err) != 0)
		return fail_err(&err, "starting a transaction");
	if (rec_key(t, idhex, k) != 0)
		goto out;
	memcpy(id.b, k + 1, 16);
	if (dbki_record_load(t, (enum dbk_type)k[0], &id, &r, &err) != 0) {
		fail_err(&err, "loading the record");
		goto out;
	}
	if (strcmp(op, "rec-set") == 0) {
		char *name = strdup(arg), *eq;
		struct dbk_field one;
		if (name == NULL || (eq = strchr(name, '=')) == NULL) {
			free(name);
			fail("expected FIELD=VALUE, got '%s'", arg);
			goto out;
		}
		*eq = '\0';
		one.name = name;
		one.value = eq + 1;
		if (dbki_record_update_loaded(t, r, &one, 1, 1, NULL, &err) != 0) {
			free(name);
			fail_err(&err, "updating");
			goto out;
		}
		free(name);
	} else {
		size_t n = dbk_record_nfields(r);
		if ((f = calloc(n + 1, sizeof(*f))) == NULL)
			goto out;
		for (size_t i = 0; i < n; i++) {
			const char *name, *val;
			int st;
			dbk_record_field_at(r, i, &name, &val, &st);
			if (val == NULL || strcmp(name, "created") == 0 ||
			    strcmp(name, "by") == 0 || strcmp(name, "_del") == 0)
				continue;
			f[nf].name = name;
			f[nf++].value = val;
		}
		if (dbki_record_create(t, (enum dbk_type)k[0], f, nf, 1, &nid,
		    &err) != 0) {
			fail_err(&err, "creating the copy");
			goto out;
		}
	}
	if (dbk_txn_commit(t, &err) != 0) {
		t = NULL;
		fail_err(&err, "committing");
		goto out;
	}
	t = NULL;
	if (strcmp(op, "rec-clone") == 0) {
		char hex[DBK_ID_HEX];
		dbk_id_format(&nid, hex);
		printf("%s\n", hex);
	}
	rc = 0;
out:
	free(f);
	dbk_record_free(r);
	if (t != NULL)
		dbk_txn_abort(t);
	dbk_error_clear(&err);
	return rc;
}

static int
blob_set(struct dbk_store *s, const char *idhex, const char *tag,
    const char *text)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = NULL;
	uint8_t k[17];
	int rc = 1;

	if (strlen(tag) != 1)
		return fail("a tag is one character, not '%s'", tag);
	if (dbk_txn_begin(s, 1, &t, &err) != 0)
		return fail_err(&err, "starting a transaction");
	if (rec_key(t, idhex, k) != 0)
		goto out;
	if (dbki_blob_put(t, k + 1, (uint8_t)tag[0], text, strlen(text),
	    &err) != 0) {
		fail_err(&err, "writing the blob");
		goto out;
	}
	if (dbk_txn_commit(t, &err) != 0) {
		t = NULL;
		fail_err(&err, "committing");
		goto out;
	}
	t = NULL;
	rc = 0;
out:
	if (t != NULL)
		dbk_txn_abort(t);
	dbk_error_clear(&err);
	return rc;
}

/* rkey-drop: keyring = team id (16) || current epoch (u32 LE) || count
 * (u32 LE) || per key: epoch (u32 LE) || has secret (1) || public (32)
 * || secret (32). */
static int
rkey_drop(struct dbk_store *s)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = NULL;
	uint8_t *b = NULL;
	size_t n = 0, cnt;
	uint32_t cur;
	int rc = 1, hit = 0;

	if (dbk_txn_begin(s, 1, &t, &err) != 0)
		return fail_err(&err, "starting a transaction");
	if (dbki_get(t, DBI_META, "rkeys", 5, &b, &n, &err) != 0) {
		fail_err(&err, "reading the keyring");
		goto out;
	}
	if (n < 24 || (cnt = dbki_rd_le32(b + 20), n != 24 + cnt * 69)) {
		fail("the keyring is malformed");
		goto out;
	}
	cur = dbki_rd_le32(b + 16);
	for (size_t i = 0; i < cnt; i++) {
		uint8_t *e = b + 24 + i * 69;
		if (dbki_rd_le32(e) != cur)
			continue;
		e[4] = 0;
		sodium_memzero(e + 5 + 32, 32);
		hit = 1;
	}
	if (!hit) {
		fail("no key for the current epoch %u", cur);
		goto out;
	}
	if (dbki_put(t, DBI_META, "rkeys", 5, b, n, 0, &err) != 0) {
		fail_err(&err, "writing the keyring");
		goto out;
	}
	rc = dbk_txn_commit(t, &err) != 0 ? fail_err(&err, "committing") : 0;
	t = NULL;
out:
	dbki_free_plain(b, n);
	if (t != NULL)
		dbk_txn_abort(t);
	dbk_error_clear(&err);
	return rc;
}

static int
set_role(struct dbk_store *s, const char *role)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = NULL;
	int rc;

	if (dbk_txn_begin(s, 1, &t, &err) != 0)
		return fail_err(&err, "starting a transaction");
	if (dbki_team_config(t, NULL, role, &err) != 0) {
		dbk_txn_abort(t);
		return fail_err(&err, "setting the role");
	}
	rc = dbk_txn_commit(t, &err) != 0 ? fail_err(&err, "committing") : 0;
	dbk_error_clear(&err);
	return rc;
}

int
main(int argc, char **argv)
{
	struct dbk_error err = { 0 };
	struct dbk_store *s = NULL;
	const char *op = argc > 1 ? argv[1] : "";
	char pass[1024];
	size_t len;
	int rc, want;

	if (strcmp(op, "set-kdf") == 0 || strcmp(op, "rec-flip") == 0 ||
	    strcmp(op, "rec-set") == 0)
		want = 6;
	else if (strcmp(op, "blob-set") == 0)
		want = 7;
	else if (strcmp(op, "rkey-drop") == 0)
		want = 4;
	else if (strcmp(op, "set-role") == 0)
		want = 5;
	else if (strcmp(op, "rec-rawflip") == 0 ||
	    strcmp(op, "rec-clone") == 0 || strncmp(op, "audit-", 6) == 0)
		want = strcmp(op, "audit-append") == 0 ? 4 : 5;
	else
		want = -1;
	if (argc != want) {
		fputs(USAGE, stderr);
		return 2;
	}
	if (dbk_init(&err) != 0 || read_pass(argv[3], pass, sizeof pass, &len) != 0) {
		fprintf(stderr, "dbk-tamper: cannot start\n");
		return 1;
	}
	if ((rc = dbk_store_open(argv[2], pass, len, &s, &err)) != 0) {
		fprintf(stderr, "dbk-tamper: %s\n", err.msg ? err.msg : "open failed");
		sodium_memzero(pass, sizeof pass);
		dbk_error_clear(&err);
		return 1;
	}
	if (strcmp(op, "set-kdf") == 0) {
		rc = dbki_store_rewrap_raw(s, pass, len, strtoull(argv[4], NULL, 10),
		    (size_t)strtoull(argv[5], NULL, 10), &err);
		if (rc != 0)
			fprintf(stderr, "dbk-tamper: %s\n",
			    err.msg ? err.msg : "rewrap failed");
		rc = rc != 0;
	} else if (strncmp(op, "audit-", 6) == 0) {
		rc = audit_op(s, op, argc > 4 ? argv[4] : NULL);
	} else if (strcmp(op, "blob-set") == 0) {
		rc = blob_set(s, argv[4], argv[5], argv[6]);
	} else if (strcmp(op, "rkey-drop") == 0) {
		rc = rkey_drop(s);
	} else if (strcmp(op, "set-role") == 0) {
		rc = set_role(s, argv[4]);
	} else if (strcmp(op, "rec-set") == 0 || strcmp(op, "rec-clone") == 0) {
		rc = rec_insider(s, op, argv[4], argc > 5 ? argv[5] : NULL);
	} else {
		rc = rec_op(s, op, argv[4], argc > 5 ? argv[5] : NULL);
	}
	dbk_store_close(s);
	dbk_error_clear(&err);
	sodium_memzero(pass, sizeof pass);
	return rc == 0 ? 0 : 1;
}
