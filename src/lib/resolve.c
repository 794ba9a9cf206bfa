/*
 * resolve.c -- from what people type to record ids: customer codes (a
 * keyed-hash index), id prefixes (the ids index), and parts of customer
 * names; and keeping the code index in step with customers.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "internal.h"
#include "record_int.h"

/* ---- customer codes ---- */

/* Codes compare after trimming blanks and folding ASCII case. */
static int
code_key(struct dbk_store *s, const char *code, uint8_t out[16])
{
	size_t n = strlen(code), a = 0;
	char *tmp;

	while (a < n && isspace((unsigned char)code[a]))
		a++;
	while (n > a && isspace((unsigned char)code[n - 1]))
		n--;
	if (n == a)
		return -1;
	if ((tmp = malloc(n - a)) == NULL)
		return -1;
	for (size_t i = a; i < n; i++)
		tmp[i - a] = (char)tolower((unsigned char)code[i]);
	dbk_crypto_index_hash(out, (const uint8_t *)tmp, n - a, s->sec->idxkey);
	sodium_memzero(tmp, n - a);
	free(tmp);
	return 0;
}

static int
code_lookup(struct dbk_txn *t, const char *code, struct dbk_id *out,
    struct dbk_error *err)
{
	uint8_t k[16], *v = NULL;
	size_t n = 0;
	int rc;

	if (code_key(t->s, code, k) != 0)
		return DBK_ENOTFOUND;
	rc = dbki_get(t, DBI_CODES, k, 16, &v, &n, err);
	if (rc != 0)
		return rc;
	if (n != 16) {
		dbki_free_plain(v, n);
		return dbki_error_set(err, DBK_EINTEGRITY, "the code index is malformed");
	}
	memcpy(out->b, v, 16);
	dbki_free_plain(v, n);
	return 0;
}

int
dbki_code_lookup(struct dbk_txn *t, const char *code, struct dbk_id *out,
    struct dbk_error *err)
{
	return code_lookup(t, code, out, err);
}

/* ---- resolution ---- */

static int
is_hex_prefix(const char *s)
{
	size_t n = strlen(s);

	if (n < 4 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

struct cand {
	struct dbk_id id[6];
	size_t n;
};

static int
prefix_lookup(struct dbk_txn *t, enum dbk_type want, const char *pfx,
    int deleted_too, struct cand *cand, struct dbk_error *err)
{
	size_t hl = strlen(pfx), bl = hl / 2;
	uint8_t lo[16] = { 0 };
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int mrc, rc = 0;

	for (size_t i = 0; i < hl; i++) {
		int d = isdigit((unsigned char)pfx[i]) ? pfx[i] - '0' :
		    tolower((unsigned char)pfx[i]) - 'a' + 10;
		lo[i / 2] |= (uint8_t)(i % 2 ? d : d << 4);
	}
	k.mv_size = 16;
	k.mv_data = lo;
	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[DBI_IDS], &c)) != 0)
		return dbki_error_lmdb(err, mrc, "opening a cursor");
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); mrc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kb = k.mv_data;
		uint8_t *pt = NULL;
		size_t n = 0;
		struct dbk_id id;
		struct dbk_record *r = NULL;

		if (k.mv_size != 16 || memcmp(kb, lo, bl) != 0 ||
		    (hl % 2 && (kb[bl] & 0xf0) != lo[bl]))
			break;
		if ((rc = dbki_open_value(t, DBI_IDS, &k, &v, &pt, &n, err)) != 0)
			break;
		if (n != 1) {
			dbki_free_plain(pt, n);
			rc = dbki_error_set(err, DBK_EINTEGRITY, "the id index is malformed");
			break;
		}
		memcpy(id.b + 6, kb, 10);
		memcpy(id.b, kb + 10, 6);
		if (want != 0 && pt[0] != (uint8_t)want) {
			dbki_free_plain(pt, n);
			continue;
		}
		rc = dbki_record_load(t, (enum dbk_type)pt[0], &id, &r, err);
		dbki_free_plain(pt, n);
		if (rc != 0)
			break;
		if ((deleted_too || !dbk_record_deleted(r)) && cand->n < 6)
			cand->id[cand->n++] = id;
		dbk_record_free(r);
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = dbki_error_lmdb(err, mrc, "walking the id index");
	mdb_cursor_close(c);
	return rc;
}

struct name_match {
	const char *needle;
	struct cand exact, part;
};

/* Case-insensitive (ASCII) substring test; CJK compares bytewise. */
static int
contains_fold(const char *hay, const char *needle)
{
	size_t hn = strlen(hay), nn = strlen(needle);

	if (nn == 0 || nn > hn)
		return 0;
	for (size_t i = 0; i + nn <= hn; i++) {
		size_t j = 0;
		while (j < nn && tolower((unsigned char)hay[i + j]) ==
		    tolower((unsigned char)needle[j]))
			j++;
		if (j == nn)
			return 1;
	}
	return 0;
}

static int
name_cb(struct dbk_record *r, void *vctx)
{
	struct name_match *m = vctx;
	const char *name = dbk_record_str(r, "name");

	if (name == NULL)
		return 0;
	if (strcasecmp(name, m->needle) == 0) {
		if (m->exact.n < 6)
			m->exact.id[m->exact.n++] = r->id;
	} else if (contains_fold(name, m->needle)) {
		if (m->part.n < 6)
			m->part.id[m->part.n++] = r->id;
	}
	return 0;
}

static int
ambiguous(struct dbk_txn *t, const char *ref, const struct cand *c,
    struct dbk_error *err)
{
	struct dbki_buf b;
	int rc;

	dbki_buf_init(&b, 4096);
	for (size_t i = 0; i < c->n && i < 5; i++) {
		struct dbk_record *r = NULL;
		char hex[DBK_ID_HEX];
		const char *label;

		dbk_id_format(&c->id[i], hex);
		hex[8] = '\0';
		if (i)
			dbki_buf_adds(&b, ", ");
		dbki_buf_adds(&b, hex);
		if (dbk_record_load(t, &c->id[i], &r, NULL) == 0) {
			/* Only customers are named: other records may hold
			 * personal data (a contact's name) that is masked. */
			label = NULL;
			if (dbk_record_type(r) == DBK_T_CUSTOMER) {
				label = dbk_record_str(r, "code");
				if (label == NULL)
					label = dbk_record_str(r, "name");
			} else {
				label = dbk_type_name(dbk_record_type(r));
			}
			if (label != NULL) {
				dbki_buf_adds(&b, " (");
				dbki_buf_adds(&b, label);
				dbki_buf_adds(&b, ")");
			}
			dbk_record_free(r);
		}
	}
	if (c->n > 5)
		dbki_buf_adds(&b, ", ...");
	rc = dbki_error_set(err, DBK_EAMBIG, "'%s' matches several records: %s",
	    ref, b.p ? b.p : "");
	dbki_buf_free(&b);
	return rc;
}

/* A removed customer by the code it had (its index entry is gone). */
struct dead_code {
	const char *code;
	struct cand c;
};

static int
dead_code_walk(struct dbk_txn *t, struct dead_code *d, struct dbk_error *err)
{
	MDB_cursor *c = NULL;
	uint8_t start[1] = { DBK_T_CUSTOMER };
	MDB_val k = { 1, start }, v;
	int mrc, rc = 0;

	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[DBI_REC], &c)) != 0)
		return dbki_error_lmdb(err, mrc, "opening a cursor");
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); mrc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct dbk_record *r = NULL;
		struct dbk_id id;
		uint8_t *pt = NULL;
		size_t n = 0;
		const char *code;

		if (k.mv_size != 17 || ((uint8_t *)k.mv_data)[0] != DBK_T_CUSTOMER)
			break;
		memcpy(id.b, (uint8_t *)k.mv_data + 1, 16);
		if ((rc = dbki_open_value(t, DBI_REC, &k, &v, &pt, &n, err)) != 0)
			break;
		rc = dbki_record_decode(t->s, DBK_T_CUSTOMER, &id, (const char *)pt,
		    n, 0, &r, err);
		dbki_free_plain(pt, n);
		if (rc != 0)
			break;
		code = dbk_record_str(r, "code");
		if (dbk_record_deleted(r) && code != NULL &&
		    strcasecmp(code, d->code) == 0 && d->c.n < 6)
			d->c.id[d->c.n++] = id;
		dbk_record_free(r);
	}
	mdb_cursor_close(c);
	return rc;
}

int
dbk_resolve(struct dbk_txn *t, enum dbk_type want, const char *ref,
    struct dbk_id *out, struct dbk_error *err)
{
	return dbk_resolve_ex(t, want, ref, 0, out, err);
}

int
dbk_resolve_ex(struct dbk_txn *t, enum dbk_type want, const char *ref,
    unsigned flags, struct dbk_id *out, struct dbk_error *err)
{
	struct cand cand = { .n = 0 };
	const char *what = want ? dbk_type_name(want) : "record";
	int rc;

	if (ref == NULL || *ref == '\0')
		return dbki_error_set(err, DBK_EINVAL, "an empty %s reference", what);
	if (want == 0 || want == DBK_T_CUSTOMER) {
		rc = code_lookup(t, ref, out, err);
		if (rc != DBK_ENOTFOUND)
			return rc;
	}
	if (is_hex_prefix(ref)) {
		if ((rc = prefix_lookup(t, want, ref,
		    (flags & DBK_RESOLVE_DELETED) != 0, &cand, err)) != 0)
			return rc;
		if (cand.n == 1) {
			*out = cand.id[0];
			return 0;
		}
		if (cand.n > 1)
			return ambiguous(t, ref, &cand, err);
	}
	if ((flags & DBK_RESOLVE_DELETED) && (want == 0 || want == DBK_T_CUSTOMER)) {
		struct dead_code d = { .code = ref };
		if ((rc = dead_code_walk(t, &d, err)) != 0)
			return rc;
		if (d.c.n == 1) {
			*out = d.c.id[0];
			return 0;
		}
		if (d.c.n > 1)
			return ambiguous(t, ref, &d.c, err);
	}
	if (want == DBK_T_CUSTOMER) {
		struct name_match m = { .needle = ref };
		rc = dbk_record_foreach(t, DBK_T_CUSTOMER, name_cb, &m, err);
		if (rc != 0)
			return rc;
		if (m.exact.n == 1 || (m.exact.n == 0 && m.part.n == 1 &&
		    !(flags & DBK_RESOLVE_EXACT))) {
			*out = m.exact.n ? m.exact.id[0] : m.part.id[0];
			return 0;
		}
		if (m.exact.n > 1)
			return ambiguous(t, ref, &m.exact, err);
		if (m.part.n > 1 && !(flags & DBK_RESOLVE_EXACT))
			return ambiguous(t, ref, &m.part, err);
		if (m.part.n > 0)
			return dbki_error_set(err, DBK_ENOTFOUND, "no customer '%s': "
			    "give its code, id or whole name", ref);
		return dbki_error_set(err, DBK_ENOTFOUND,
		    "no customer '%s' (not a customer code, id or name)", ref);
	}
	return dbki_error_set(err, DBK_ENOTFOUND, "no %s '%s'", what, ref);
}

int
dbki_code_claim(struct dbk_txn *t, const struct dbk_record *r, const char *code,
    struct dbk_error *err)
{
	struct dbk_id other;
	uint8_t k[16];
	int rc = code_lookup(t, code, &other, err);

	if (rc == 0 && memcmp(other.b, r->id.b, 16) != 0)
		return dbki_error_set(err, DBK_EEXIST,
		    "customer code '%s' is already used", code);
	if (rc != 0 && rc != DBK_ENOTFOUND)
		return rc;
	if (code_key(t->s, code, k) != 0)
		return dbki_error_set(err, DBK_EINVAL, "invalid customer code '%s'",
		    code);
	return dbki_put(t, DBI_CODES, k, 16, r->id.b, 16, 0, err);
}

int
dbki_code_release(struct dbk_txn *t, const char *code, struct dbk_error *err)
{
	uint8_t k[16];

	if (code_key(t->s, code, k) != 0)
		return 0;
	return dbki_del(t, DBI_CODES, k, 16, err);
}

