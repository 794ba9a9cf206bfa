/*
 * record.c -- typed records with per-field versions: encoding, the
 * encrypted put/get, indexes (ids, children, customer codes), history and
 * resolution of what people type into ids.
 *
 * On disk (inside the at-rest encryption), a record is canonical JSON:
 *   {"f":{"name":["value","<hlc hex>"(,replica index)],...},"r":["<replica hex>",...]}
 * with field names in strictly increasing byte order (a duplicate or an
 * out-of-order key is a malformed record) and every value a string.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "internal.h"
#include "record_int.h"
#include "schema.h"

#define MAX_RECORD_BYTES ((size_t)8 << 20)
#define MAX_FIELDS 1024
#define MAX_SKEW 86400		/* seconds a remote clock may run ahead */
#define MAX_REPLICAS 4096

/* ---- ids ---- */

void
dbki_id_new(struct dbk_store *s, struct dbk_id *id)
{
	uint64_t ms = (uint64_t)dbki_now(s) * 1000u;

	if (s->clock_override == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	}
	for (int i = 5; i >= 0; i--) {
		id->b[i] = (uint8_t)ms;
		ms >>= 8;
	}
	randombytes_buf(id->b + 6, 10);
}

static void
id_display_bytes(const struct dbk_id *id, uint8_t out[16])
{
	memcpy(out, id->b + 6, 10);
	memcpy(out + 10, id->b, 6);
}

void
dbk_id_format(const struct dbk_id *id, char out[DBK_ID_HEX])
{
	uint8_t d[16];

	id_display_bytes(id, d);
	dbki_hex(out, d, 16);
}

int
dbk_id_parse(const char *hex, struct dbk_id *out)
{
	uint8_t d[16];

	if (dbki_unhex(d, 16, hex) != 0)
		return DBK_EINVAL;
	memcpy(out->b + 6, d, 10);
	memcpy(out->b, d + 10, 6);
	return 0;
}

int64_t
dbk_id_time_ms(const struct dbk_id *id)
{
	int64_t ms = 0;

	for (int i = 0; i < 6; i++)
		ms = (ms << 8) | id->b[i];
	return ms;
}

static void
rec_key(uint8_t k[17], enum dbk_type type, const struct dbk_id *id)
{
	k[0] = (uint8_t)type;
	memcpy(k + 1, id->b, 16);
}

/* ---- in-memory records ---- */

static void
wipe_free(char *p)
{
	if (p == NULL)
		return;
	sodium_memzero(p, strlen(p));
	free(p);
}

static void
field_clear(struct rfield *f)
{
	if (f->value != NULL) {
		sodium_memzero(f->value, strlen(f->value));
		free(f->value);
	}
	free(f->sealed);
	free(f->name);
	memset(f, 0, sizeof *f);
}

void
dbk_record_free(struct dbk_record *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		field_clear(&r->f[i]);
	free(r->f);
	free(r->reps);
	free(r);
}

static struct dbk_record *
record_new(struct dbk_store *s, enum dbk_type type, const struct dbk_id *id)
{
	struct dbk_record *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->s = s;
	r->type = type;
	r->id = *id;
	return r;
}

/* Binary search for name; returns index or -(insertion point) - 1. */
static long
field_find(const struct dbk_record *r, const char *name)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->f[mid].name, name);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

static struct rfield *
field_slot(struct dbk_record *r, const char *name)
{
	long at = field_find(r, name);
	size_t pos;

	if (at >= 0)
		return &r->f[at];
	if (r->n >= MAX_FIELDS)
		return NULL;
	pos = (size_t)(-at - 1);
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct rfield *nf = realloc(r->f, cap * sizeof *nf);
		if (nf == NULL)
			return NULL;
		r->f = nf;
		r->cap = cap;
	}
	memmove(r->f + pos + 1, r->f + pos, (r->n - pos) * sizeof *r->f);
	memset(&r->f[pos], 0, sizeof r->f[pos]);
	r->n++;
	if ((r->f[pos].name = strdup(name)) == NULL) {
		memmove(r->f + pos, r->f + pos + 1, (r->n - pos - 1) * sizeof *r->f);
		r->n--;
		return NULL;
	}
	return &r->f[pos];
}

/* Index of a replica in the record's table, adding it if needed; -1
 * when the table is full, -2 out of memory (a decoder must not call
 * that a malformed record). */
static int
replica_index(struct dbk_record *r, const uint8_t rep[8])
{
	uint8_t (*nr)[8];

	for (size_t i = 0; i < r->nreps; i++)
		if (memcmp(r->reps[i], rep, 8) == 0)
			return (int)i;
	if (r->nreps >= MAX_REPLICAS)
		return -1;
	nr = realloc(r->reps, (r->nreps + 1) * sizeof *nr);
	if (nr == NULL)
		return -2;
	r->reps = nr;
	memcpy(r->reps[r->nreps], rep, 8);
	return (int)r->nreps++;
}

enum dbk_type
dbk_record_type(const struct dbk_record *r)
{
	return r->type;
}

const struct dbk_id *
dbk_record_id(const struct dbk_record *r)
{
	return &r->id;
}

int
dbk_record_deleted(const struct dbk_record *r)
{
	const char *v = dbk_record_str(r, "_del");

	return v != NULL && strcmp(v, "1") == 0;
}

size_t
dbk_record_nfields(const struct dbk_record *r)
{
	return r->n;
}

void
dbk_record_field_at(const struct dbk_record *r, size_t i, const char **name,
    const char **value, int *state)
{
	*name = r->f[i].name;
	*value = r->f[i].value;
	*state = r->f[i].state;
}

int
dbk_record_get(const struct dbk_record *r, const char *name, const char **value)
{
	long at = field_find(r, name);

	*value = NULL;
	if (at < 0 || (r->f[at].value == NULL && r->f[at].state == DBK_FS_PLAIN))
		return DBK_ENOTFOUND;
	if (r->f[at].state == DBK_FS_RESTRICTED)
		return DBK_ENOKEY;
	*value = r->f[at].value;
	return 0;
}

const char *
dbk_record_str(const struct dbk_record *r, const char *name)
{
	const char *v;

	return dbk_record_get(r, name, &v) == 0 ? v : NULL;
}

const char *
dbki_replica_member(struct dbk_store *s, const uint8_t rep[8])
{
	if (memcmp(rep, s->replica, 8) == 0)
		return s->member;
	return "another replica";
}

int
dbk_record_version(const struct dbk_record *r, const char *name,
    uint64_t *hlc, const char **member)
{
	long at = field_find(r, name);

	if (at < 0)
		return DBK_ENOTFOUND;
	*hlc = r->f[at].hlc;
	*member = dbki_replica_member(r->s, r->reps[r->f[at].rep]);
	return 0;
}

/* ---- encoding ---- */

/* 16 lowercase hex digits, as "%016" PRIx64 would print (measured: the
 * printf call was 5% of a bulk load). */
static void
hlc_hex(char out[17], uint64_t v)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--) {
		out[i] = digits[v & 15];
		v >>= 4;
	}
	out[16] = '\0';
}

/* shared: for a bundle (dbki_record_encode_shared), without the
 * sensitive values that cannot open elsewhere. */
static int
encode(const struct dbk_record *r, int shared, struct dbki_buf *b)
{
	char hex[17];

	dbki_buf_adds(b, "{\"f\":{");
	for (size_t i = 0, first = 1; i < r->n; i++) {
		const struct rfield *f = &r->f[i];
		const char *stored = f->sealed ? f->sealed : f->value;
		const struct dbk_fielddef *fd;

		/* A sensitive value travels sealed under the team's key; one
		 * under a store's provisional key (epoch 0) opens nowhere
		 * else, and outside a team there is no key to share. */
		if (shared && (fd = dbki_field_def(r->type, f->name)) != NULL &&
		    (fd->flags & DBK_F_SENSITIVE) && (r->s->team == NULL ||
		    f->sealed == NULL || strncmp(f->sealed + 1, "1.0.", 4) == 0))
			continue;
		if (stored == NULL)
			stored = "";
		if (!first)
			dbki_buf_addc(b, ',');
		first = 0;
		dbki_buf_add_json(b, f->name);
		dbki_buf_adds(b, ":[");
		dbki_buf_add_json(b, stored);
		hlc_hex(hex, f->hlc);
		dbki_buf_adds(b, ",\"");
		dbki_buf_adds(b, hex);
		dbki_buf_addc(b, '"');
		if (f->rep != 0) {
			char ix[16];
			snprintf(ix, sizeof ix, ",%u", (unsigned)f->rep);
			dbki_buf_adds(b, ix);
		}
		dbki_buf_addc(b, ']');
	}
	dbki_buf_adds(b, "},\"r\":[");
	for (size_t i = 0; i < r->nreps; i++) {
		dbki_hex(hex, r->reps[i], 8);
		if (i)
			dbki_buf_addc(b, ',');
		dbki_buf_addc(b, '"');
		dbki_buf_adds(b, hex);
		dbki_buf_addc(b, '"');
	}
	dbki_buf_adds(b, "]}");
	return b->oom ? DBK_ENOMEM : 0;
}

int
dbki_record_encode(const struct dbk_record *r, struct dbki_buf *b)
{
	return encode(r, 0, b);
}

int
dbki_record_encode_shared_decoded(const struct dbk_record *r,
    struct dbki_buf *b)
{
	return encode(r, 1, b);
}

static int
parse_hlc(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (strlen(s) != 16)
		return -1;
	for (int i = 0; i < 16; i++) {
		int c = s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			return -1;
		v = (v << 4) | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* What decode_field and the scanners below say besides 0. */
#define DEC_BAD (-1)	/* malformed */
#define DEC_NOMEM (-2)
#define DEC_SLOW (-3)	/* not the plain form: let cJSON read it */

/*
 * One field of a stored record into r, after the caller checked the
 * name's order and the value and HLC are strings: the part of decoding
 * both readers below share.  ix < 0: no replica index.  0, DEC_BAD,
 * DEC_NOMEM, or an error set in err.
 */
static int
decode_field(struct dbk_store *s, struct dbk_record *r, const char *idhex,
    const char *name, const char *v, const char *h, long ix,
    int open_sensitive, struct dbk_error *err)
{
	const struct dbk_fielddef *fd;
	struct rfield *f;
	int rc;

	if (ix >= 0 && (ix < 1 || (size_t)ix >= r->nreps))
		return DEC_BAD;
	if (ix < 0 && r->nreps == 0)
		return DEC_BAD;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct rfield *nf;
		if (r->n >= MAX_FIELDS)
			return DEC_BAD;
		if ((nf = realloc(r->f, cap * sizeof *nf)) == NULL)
			return DEC_NOMEM;
		r->f = nf;
		r->cap = cap;
	}
	f = &r->f[r->n];
	memset(f, 0, sizeof *f);
	if ((f->name = strdup(name)) == NULL)
		return DEC_NOMEM;
	r->n++;
	if (parse_hlc(h, &f->hlc) != 0)
		return DEC_BAD;
	f->rep = ix > 0 ? (uint16_t)ix : 0;
	fd = dbki_field_def(r->type, f->name);
	if (fd != NULL && (fd->flags & DBK_F_SENSITIVE) && v[0] != '\0') {
		if ((f->sealed = strdup(v)) == NULL)
			return DEC_NOMEM;
		if (!open_sensitive) {
			f->state = DBK_FS_RESTRICTED;
			return 0;
		}
		rc = dbki_field_open(s, r->id.b, f->name, f->sealed, &f->value,
		    err);
		if (rc == DBK_ENOKEY) {
			f->state = DBK_FS_RESTRICTED;
			dbk_error_clear(err);
			return 0;
		}
		if (rc != 0)
			return dbki_error_set(err, rc,
			    "%s %s: field '%s' failed authentication",
			    dbk_type_name(r->type), idhex, f->name);
	} else if (v[0] != '\0') {
		if ((f->value = strdup(v)) == NULL)
			return DEC_NOMEM;
	}
	return 0;
}

/* The record JSON as dbki_record_encode writes it, read without cJSON
 * (which was most of the cost of reading a record): no white space,
 * strings without \u escapes or control characters, replica indexes as
 * plain decimals.  Anything else is DEC_SLOW, and cJSON reads it: what
 * is read here is what cJSON would make of it. */
struct scan {
	const char *p, *end;
	char *out;	/* where the next decoded string goes */
};

static int
scan_lit(struct scan *c, const char *lit, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return DEC_SLOW;
	c->p += n;
	return 0;
}

/* A string at c->p, decoded into c->out. */
static int
scan_str(struct scan *c, const char **str)
{
	char *o = c->out;

	if (c->p == c->end || *c->p != '"')
		return DEC_SLOW;
	c->p++;
	*str = o;
	for (;;) {
		const char *run = c->p;
		unsigned char ch = 0;
		while (c->p < c->end && (ch = (unsigned char)*c->p) >= 0x20 &&
		    ch != '"' && ch != '\\')
			c->p++;
		memcpy(o, run, (size_t)(c->p - run));
		o += c->p - run;
		if (c->p == c->end || ch < 0x20)
			return DEC_SLOW;
		c->p++;
		if (ch == '"')
			break;
		if (c->p == c->end)
			return DEC_SLOW;
		switch (*c->p++) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		default: return DEC_SLOW;
		}
	}
	*o++ = '\0';
	c->out = o;
	return 0;
}

#define FAST_FIELDS 128

struct fast_field {
	const char *name, *v, *h;
	long ix;
};

static int
decode_fast(struct dbk_store *s, enum dbk_type type, const struct dbk_id *id,
    const char *idhex, const char *json, size_t len, int open_sensitive,
    struct dbk_record **out, struct dbk_error *err)
{
	struct fast_field ff[FAST_FIELDS];
	const char *reps[MAX_REPLICAS > 256 ? 256 : MAX_REPLICAS];
	struct scan c = { json, json + len, NULL };
	struct dbk_record *r = NULL;
	char *scratch;
	size_t nf = 0, nr = 0;
	int rc;

	/* Decoded strings are never longer than their JSON. */
	if ((scratch = malloc(len + 1)) == NULL)
		return DEC_NOMEM;
	c.out = scratch;
	if ((rc = scan_lit(&c, "{\"f\":{", 6)) != 0)
		goto out;
	while (c.p < c.end && *c.p != '}') {
		struct fast_field *f = &ff[nf];
		if (nf == FAST_FIELDS || (nf > 0 && (rc = scan_lit(&c, ",",
		    1)) != 0) || (rc = scan_str(&c, &f->name)) != 0 ||
		    (rc = scan_lit(&c, ":[", 2)) != 0 ||
		    (rc = scan_str(&c, &f->v)) != 0 ||
		    (rc = scan_lit(&c, ",", 1)) != 0 ||
		    (rc = scan_str(&c, &f->h)) != 0) {
			rc = DEC_SLOW;
			goto out;
		}
		f->ix = -1;
		if (c.p < c.end && *c.p == ',') {
			/* 1 to 5 digits, no leading zero. */
			long v = 0;
			int nd = 0;
			c.p++;
			if (c.p == c.end || *c.p < '1' || *c.p > '9') {
				rc = DEC_SLOW;
				goto out;
			}
			while (c.p < c.end && *c.p >= '0' && *c.p <= '9' && nd < 6) {
				v = v * 10 + (*c.p++ - '0');
				nd++;
			}
			if (nd > 5) {
				rc = DEC_SLOW;
				goto out;
			}
			f->ix = v;
		}
		if ((rc = scan_lit(&c, "]", 1)) != 0)
			goto out;
		nf++;
	}
	if ((rc = scan_lit(&c, "},\"r\":[", 7)) != 0)
		goto out;
	while (c.p < c.end && *c.p != ']') {
		if (nr == sizeof reps / sizeof reps[0] ||
		    (nr > 0 && scan_lit(&c, ",", 1) != 0) ||
		    scan_str(&c, &reps[nr]) != 0) {
			rc = DEC_SLOW;
			goto out;
		}
		nr++;
	}
	if ((rc = scan_lit(&c, "]}", 2)) != 0)
		goto out;
	if (c.p != c.end) {
		rc = DEC_SLOW;
		goto out;
	}
	/* The form is right: from here on as the cJSON reader does it. */
	if ((r = record_new(s, type, id)) == NULL) {
		rc = DEC_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < nr; i++) {
		uint8_t rep[8];
		size_t before = r->nreps;
		int ix;
		if (dbki_unhex(rep, 8, reps[i]) != 0) {
			rc = DEC_BAD;
			goto out;
		}
		if ((ix = replica_index(r, rep)) != (int)before) {
			rc = ix == -2 ? DEC_NOMEM : DEC_BAD;
			goto out;
		}
	}
	for (size_t i = 0; i < nf; i++) {
		if (i > 0 && strcmp(ff[i - 1].name, ff[i].name) >= 0) {
			rc = DEC_BAD;
			goto out;
		}
		if ((rc = decode_field(s, r, idhex, ff[i].name, ff[i].v, ff[i].h,
		    ff[i].ix, open_sensitive, err)) != 0)
			goto out;
	}
	*out = r;
	r = NULL;
out:
	sodium_memzero(scratch, len + 1);
	free(scratch);
	dbk_record_free(r);
	return rc;
}

int
dbki_record_decode(struct dbk_store *s, enum dbk_type type,
    const struct dbk_id *id, const char *json, size_t len, int open_sensitive,
    struct dbk_record **out, struct dbk_error *err)
{
	cJSON *root = NULL, *fo, *ro, *it;
	int nomem;
	struct dbk_record *r = NULL;
	const char *prev = NULL;
	char idhex[DBK_ID_HEX];
	int rc = DBK_EINTEGRITY;

	*out = NULL;
	dbk_id_format(id, idhex);
	if (len > MAX_RECORD_BYTES)
		goto bad;
	rc = decode_fast(s, type, id, idhex, json, len, open_sensitive, out,
	    err);
	if (rc == DEC_BAD)
		goto bad;
	if (rc == DEC_NOMEM)
		goto nomem;
	if (rc != DEC_SLOW)
		return rc;
	rc = DBK_EINTEGRITY;
	root = dbki_json_parse(json, len, &nomem);
	if (nomem)
		goto nomem;
	if (root == NULL || !cJSON_IsObject(root))
		goto bad;
	fo = cJSON_GetObjectItemCaseSensitive(root, "f");
	ro = cJSON_GetObjectItemCaseSensitive(root, "r");
	if (!cJSON_IsObject(fo) || !cJSON_IsArray(ro))
		goto bad;
	if ((r = record_new(s, type, id)) == NULL)
		goto nomem;
	cJSON_ArrayForEach(it, ro) {
		uint8_t rep[8];
		size_t before = r->nreps;
		int ix;
		if (!cJSON_IsString(it) || dbki_unhex(rep, 8, it->valuestring) != 0)
			goto bad;
		/* A new replica gets index `before`; a duplicate gets its
		 * earlier one (comparing with nreps - 1 after the call let a
		 * repeat of the previous entry through). */
		if ((ix = replica_index(r, rep)) == -2)
			goto nomem;
		if (ix != (int)before)
			goto bad; /* a duplicate replica, or too many */
	}
	cJSON_ArrayForEach(it, fo) {
		cJSON *v, *h, *ix;
		size_t alen;
		long ixv = -1;

		/* Strictly increasing names: no duplicates, one encoding. */
		if (prev != NULL && strcmp(prev, it->string) >= 0)
			goto bad;
		prev = it->string;
		alen = (size_t)cJSON_GetArraySize(it);
		if (!cJSON_IsArray(it) || alen < 2 || alen > 3)
			goto bad;
		v = cJSON_GetArrayItem(it, 0);
		h = cJSON_GetArrayItem(it, 1);
		ix = alen == 3 ? cJSON_GetArrayItem(it, 2) : NULL;
		if (!cJSON_IsString(v) || !cJSON_IsString(h))
			goto bad;
		if (ix != NULL && (!cJSON_IsNumber(ix) || ix->valuedouble < 1 ||
		    ix->valuedouble >= (double)r->nreps ||
		    ix->valuedouble != (double)ix->valueint))
			goto bad;
		if (ix != NULL)
			ixv = ix->valueint;
		rc = decode_field(s, r, idhex, it->string, v->valuestring,
		    h->valuestring, ixv, open_sensitive, err);
		if (rc == DEC_BAD)
			goto bad;
		if (rc == DEC_NOMEM)
			goto nomem;
		if (rc != 0)
			goto out;
	}
	*out = r;
	r = NULL;
	rc = 0;
	goto out;
nomem:
	rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
	goto out;
bad:
	rc = dbki_error_set(err, DBK_EINTEGRITY, "%s %s is malformed",
	    dbk_type_name(type) ? dbk_type_name(type) : "record", idhex);
out:
	cJSON_Delete(root);
	dbk_record_free(r);
	return rc;
}

/* ---- reading ---- */

int
dbki_record_load(struct dbk_txn *t, enum dbk_type type, const struct dbk_id *id,
    struct dbk_record **out, struct dbk_error *err)
{
	uint8_t k[17], *v = NULL;
	size_t n = 0;
	int rc;

	rec_key(k, type, id);
	rc = dbki_get(t, DBI_REC, k, 17, &v, &n, err);
	if (rc != 0)
		return rc;
	rc = dbki_record_decode(t->s, type, id, (const char *)v, n, 1, out, err);
	dbki_free_plain(v, n);
	return rc;
}

/* The type of an id, from the ids index. */
static int
id_type(struct dbk_txn *t, const struct dbk_id *id, enum dbk_type *type,
    struct dbk_error *err)
{
	uint8_t d[16], *v = NULL;
	size_t n = 0;
	int rc;

	id_display_bytes(id, d);
	rc = dbki_get(t, DBI_IDS, d, 16, &v, &n, err);
	if (rc != 0)
		return rc;
	if (n != 1 || v[0] < 1 || v[0] > DBK_T_MAX) {
		dbki_free_plain(v, n);
		return dbki_error_set(err, DBK_EINTEGRITY, "the id index is malformed");
	}
	*type = (enum dbk_type)v[0];
	dbki_free_plain(v, n);
	return 0;
}

int
dbk_record_load(struct dbk_txn *t, const struct dbk_id *id,
    struct dbk_record **out, struct dbk_error *err)
{
	enum dbk_type type = 0;
	char hex[DBK_ID_HEX];
	int rc;

	*out = NULL;
	rc = id_type(t, id, &type, err);
	if (rc == DBK_ENOTFOUND) {
		dbk_id_format(id, hex);
		return dbki_error_set(err, rc, "no record with id '%s'", hex);
	}
	if (rc != 0)
		return rc;
	rc = dbki_record_load(t, type, id, out, err);
	if (rc == DBK_ENOTFOUND) {
		dbk_id_format(id, hex);
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "record '%s' is in the id index but missing", hex);
	}
	return rc;
}

struct walk {
	dbk_record_fn fn;
	void *ctx;
};

/* Records that belong to a customer go when it goes: is r's customer
 * (if it has one) live?  One-entry cache, as walks often repeat it. */
struct parent_cache {
	int valid, live;
	uint8_t id[16];
};

static int
parent_live(struct dbk_txn *t, const struct dbk_record *r,
    struct parent_cache *pc)
{
	const char *pf = dbki_type_parent_field(r->type), *pv;
	struct dbk_record *p = NULL;
	struct dbk_id pid;

	if (pf == NULL || (pv = dbk_record_str(r, pf)) == NULL ||
	    dbk_id_parse(pv, &pid) != 0)
		return 1;
	if (pc->valid && memcmp(pc->id, pid.b, 16) == 0)
		return pc->live;
	pc->live = dbki_record_load(t, DBK_T_CUSTOMER, &pid, &p, NULL) == 0 &&
	    !dbk_record_deleted(p);
	dbk_record_free(p);
	memcpy(pc->id, pid.b, 16);
	pc->valid = 1;
	return pc->live;
}

int
dbki_record_walk(struct dbk_txn *t, enum dbk_type type, int all,
    dbk_record_fn fn, void *ctx, struct dbk_error *err)
{
	struct parent_cache pc = { 0, 0, { 0 } };
	MDB_cursor *c = NULL;
	uint8_t start[1] = { (uint8_t)type };
	MDB_val k = { 1, start }, v;
	int mrc, rc = 0;

	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[DBI_REC], &c)) != 0)
		return dbki_error_lmdb(err, mrc, "opening a cursor");
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); mrc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kb = k.mv_data;
		struct dbk_record *r = NULL;
		struct dbk_id id;
		uint8_t *pt = NULL;
		size_t n = 0;

		if (k.mv_size != 17 || kb[0] != (uint8_t)type)
			break;
		memcpy(id.b, kb + 1, 16);
		if ((rc = dbki_open_value(t, DBI_REC, &k, &v, &pt, &n, err)) != 0)
			break;
		rc = dbki_record_decode(t->s, type, &id, (const char *)pt, n, 1,
		    &r, err);
		dbki_free_plain(pt, n);
		if (rc != 0)
			break;
		if (all || (!dbk_record_deleted(r) && parent_live(t, r, &pc)))
			rc = fn(r, ctx);
		dbk_record_free(r);
		if (rc != 0)
			break;
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = dbki_error_lmdb(err, mrc, "walking records");
	mdb_cursor_close(c);
	return rc;
}

int
dbk_record_foreach(struct dbk_txn *t, enum dbk_type type, dbk_record_fn fn,
    void *ctx, struct dbk_error *err)
{
	return dbki_record_walk(t, type, 0, fn, ctx, err);
}

int
dbk_record_children(struct dbk_txn *t, const struct dbk_id *parent,
    enum dbk_type type, dbk_record_fn fn, void *ctx, struct dbk_error *err)
{
	MDB_cursor *c = NULL;
	uint8_t start[17];
	MDB_val k = { 17, start }, v;
	int mrc, rc = 0;

	memcpy(start, parent->b, 16);
	start[16] = (uint8_t)type;
	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[DBI_CHILD], &c)) != 0)
		return dbki_error_lmdb(err, mrc, "opening a cursor");
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); mrc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct dbk_record *r = NULL;
		struct dbk_id id;

		if (k.mv_size != 33 || memcmp(k.mv_data, start, 17) != 0)
			break;
		memcpy(id.b, (const uint8_t *)k.mv_data + 17, 16);
		rc = dbki_record_load(t, type, &id, &r, err);
		if (rc == DBK_ENOTFOUND) {
			rc = dbki_error_set(err, DBK_EINTEGRITY,
			    "the child index names a missing %s", dbk_type_name(type));
			break;
		}
		if (rc != 0)
			break;
		if (!dbk_record_deleted(r))
			rc = fn(r, ctx);
		dbk_record_free(r);
		if (rc != 0)
			break;
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = dbki_error_lmdb(err, mrc, "walking records");
	mdb_cursor_close(c);
	return rc;
}

/* ---- writing ---- */

static int
log_change(struct dbk_txn *t, const uint8_t k[17], struct dbk_error *err)
{
	uint8_t sk[8];

	dbki_be64(sk, dbki_seq_next(t));
	return dbki_put(t, DBI_CHANGES, sk, 8, k, 17, MDB_APPEND, err);
}

/* The customer summary (DBI_CSUM): the list's fields joined by 0x1f,
 * which no stored text contains (control characters are refused). */
const char *const dbki_summary_fields[DBKI_NSUMMARY] = {
	"code", "name", "industry", "stage", "owner", "last_contact",
	"next_due", "probability", "stage_at", "created", "lead_at",
	"expected", "_del", "priority",
};

void
dbki_summary_build(const struct dbk_record *r, struct dbki_buf *b)
{
	for (size_t i = 0; i < DBKI_NSUMMARY; i++) {
		long at = field_find(r, dbki_summary_fields[i]);
		const char *v = NULL;
		if (at >= 0)
			v = r->f[at].sealed ? r->f[at].sealed : r->f[at].value;
		if (i)
			dbki_buf_addc(b, '\x1f');
		if (v != NULL)
			dbki_buf_adds(b, v);
	}
}

const char *const *
dbki_fact_fields(enum dbk_type t)
{
	static const char *const interaction[DBKI_NFACT] = { "customer", "at",
		"late", "channel", "due", "_del" };
	static const char *const stage[DBKI_NFACT] = { "customer", "at", "from",
		"stage", "checks", "_del" };
	static const char *const deal[DBKI_NFACT] = { "customer", "signed",
		"amount", "_del", NULL, NULL };
	static const char *const payment[DBKI_NFACT] = { "customer", "deal",
		"at", "amount", "_del", NULL };
	static const char *const objection[DBKI_NFACT] = { "customer", "at",
		"created", "resolved", "resolved_at", "_del" };

	switch (t) {
	case DBK_T_INTERACTION:
		return interaction;
	case DBK_T_STAGE:
		return stage;
	case DBK_T_DEAL:
		return deal;
	case DBK_T_PAYMENT:
		return payment;
	case DBK_T_OBJECTION:
		return objection;
	default:
		return NULL;
	}
}

void
dbki_fact_build(const struct dbk_record *r, struct dbki_buf *b)
{
	const char *const *fields = dbki_fact_fields(r->type);

	for (size_t i = 0; fields != NULL && i < DBKI_NFACT && fields[i]; i++) {
		long at = field_find(r, fields[i]);
		const char *v = NULL;
		if (at >= 0)
			v = r->f[at].sealed ? r->f[at].sealed : r->f[at].value;
		if (i)
			dbki_buf_addc(b, '\x1f');
		if (v != NULL)
			dbki_buf_adds(b, v);
	}
}

static int
record_put(struct dbk_txn *t, const struct dbk_record *r, struct dbk_error *err)
{
	struct dbki_buf b;
	uint8_t k[17];
	int rc;

	dbki_buf_init(&b, MAX_RECORD_BYTES);
	if ((rc = dbki_record_encode(r, &b)) != 0) {
		dbki_buf_free(&b);
		return dbki_error_set(err, rc, "record too large or out of memory");
	}
	rec_key(k, r->type, &r->id);
	if (r->type == DBK_T_FIELDDEF)
		dbki_custom_drop(t);
	rc = dbki_put(t, DBI_REC, k, 17, b.p, b.len, 0, err);
	dbki_buf_free(&b);
	if (rc == 0)
		rc = log_change(t, k, err);
	if (rc == 0 && r->type == DBK_T_CUSTOMER)
		rc = dbki_summary_put(t, r, err);
	if (rc == 0 && dbki_fact_fields(r->type) != NULL)
		rc = dbki_fact_put(t, r, err);
	return rc;
}

/* Set one field's value in memory with a new version. */
static int
field_set(struct dbk_txn *t, struct dbk_record *r, const char *name,
    const struct dbk_fielddef *fd, const char *canon, uint64_t hlc,
    struct dbk_error *err)
{
	struct rfield *f = field_slot(r, name);
	int ri = replica_index(r, t->s->replica);
	char *sealed = NULL, *val = NULL;
	int rc;

	if (f == NULL || ri < 0)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (canon != NULL && *canon != '\0') {
		if ((val = strdup(canon)) == NULL)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		if (fd->flags & DBK_F_SENSITIVE) {
			rc = dbki_field_seal(t->s, r->id.b, name, canon, &sealed,
			    err);
			if (rc != 0) {
				sodium_memzero(val, strlen(val));
				free(val);
				return rc;
			}
		}
	}
	if (f->value != NULL) {
		sodium_memzero(f->value, strlen(f->value));
		free(f->value);
	}
	free(f->sealed);
	f->value = val;
	f->sealed = sealed;
	f->state = DBK_FS_PLAIN;
	f->hlc = hlc;
	f->rep = (uint16_t)ri;
	return 0;
}

static int
index_put(struct dbk_txn *t, const struct dbk_record *r, struct dbk_error *err)
{
	uint8_t d[16], tb = (uint8_t)r->type;
	const char *pf = dbki_type_parent_field(r->type), *pv;
	int rc;

	id_display_bytes(&r->id, d);
	if ((rc = dbki_put(t, DBI_IDS, d, 16, &tb, 1, MDB_NOOVERWRITE, err)) != 0)
		return rc;
	if (pf != NULL && (pv = dbk_record_str(r, pf)) != NULL) {
		struct dbk_id parent;
		uint8_t ck[33];
		if (dbk_id_parse(pv, &parent) != 0)
			return dbki_error_set(err, DBK_EINVAL, "invalid parent id");
		memcpy(ck, parent.b, 16);
		ck[16] = tb;
		memcpy(ck + 17, r->id.b, 16);
		if ((rc = dbki_put(t, DBI_CHILD, ck, 33, "", 0, 0, err)) != 0)
			return rc;
	}
	return 0;
}

/* One input field, resolved: the name it is stored under, its
 * definition, and for a custom field (dealbook/field.h) the definition
 * that checks its value. */
struct rin {
	const char *name;
	const struct dbk_fielddef *fd;
	const struct dbk_custom *cd;
};

/* Check input fields and find what each one is: *out (n entries, free
 * it) on success. */
static int
resolve_input(struct dbk_txn *t, enum dbk_type type, const struct dbk_field *f,
    size_t n, int sys, struct rin **out, struct dbk_error *err)
{
	struct rin *in = calloc(n + 1, sizeof *in);

	if (in == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct dbk_fielddef *fd = dbk_field_lookup(type, f[i].name);
		const struct dbk_custom *cd = NULL;
		int rc = 0;

		if (fd == NULL && dbk_custom_type_ok(type))
			cd = dbk_custom_find(t, type, f[i].name);
		if (fd == NULL && cd == NULL)
			rc = dbki_error_set(err, DBK_EINVAL,
			    "unknown field '%s' for a %s", f[i].name,
			    dbk_type_name(type));
		else if (fd != NULL && !sys && (fd->flags & DBK_F_SYSTEM))
			rc = dbki_error_set(err, DBK_EINVAL,
			    "field '%s' is set by dealbook, not by hand%s", f[i].name,
			    strncmp(f[i].name, "stage", 5) == 0 ||
			    strncmp(f[i].name, "chk_", 4) == 0 ||
			    strcmp(f[i].name, "probability") == 0 ?
			    " (use 'dealbook stage')" : "");
		else if (cd != NULL && cd->retired)
			rc = dbki_error_set(err, DBK_EINVAL,
			    "the %s field '%s' is retired: its values are kept, "
			    "but it takes no new ones", dbk_type_name(type),
			    cd->name);
		if (rc != 0) {
			free(in);
			return rc;
		}
		in[i].name = cd != NULL ? cd->stored : fd->name;
		in[i].fd = cd != NULL ? dbki_field_def(type, cd->stored) : fd;
		in[i].cd = cd;
		for (size_t j = 0; j < i; j++)
			if (strcmp(in[j].name, in[i].name) == 0) {
				free(in);
				return dbki_error_set(err, DBK_EINVAL,
				    "field '%s' given twice", f[i].name);
			}
	}
	*out = in;
	return 0;
}

/* The canonical form of one input value (malloc'd). */
static int
input_normalize(struct dbk_txn *t, const struct rin *in, const char *value,
    int sys, char **canon, struct dbk_error *err)
{
	if (in->cd != NULL)
		return dbk_custom_normalize(t, in->cd, value, canon, err);
	return dbki_normalize(t->s, in->fd, value, sys, canon, err);
}

int
dbki_record_create(struct dbk_txn *t, enum dbk_type type,
    const struct dbk_field *f, size_t n, int sys, struct dbk_id *out,
    struct dbk_error *err)
{
	struct dbk_record *r = NULL;
	struct rin *in = NULL;
	struct dbk_id id;
	size_t nt;
	const struct dbk_fielddef *defs = dbk_type_fields(type, &nt);
	uint64_t hlc;
	char now[24];
	const char *code;
	int rc;

	if (defs == NULL)
		return dbki_error_set(err, DBK_EINVAL, "unknown record type");
	if ((rc = resolve_input(t, type, f, n, sys, &in, err)) != 0)
		return rc;
	dbki_id_new(t->s, &id);
	if ((r = record_new(t->s, type, &id)) == NULL) {
		free(in);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	hlc = dbki_hlc_next(t);
	for (size_t i = 0; i < n; i++) {
		char *canon = NULL;

		if (f[i].value == NULL || f[i].value[0] == '\0')
			continue;
		if ((rc = input_normalize(t, &in[i], f[i].value, sys, &canon,
		    err)) != 0)
			goto out;
		rc = field_set(t, r, in[i].name, in[i].fd, canon, hlc, err);
		sodium_memzero(canon, strlen(canon));
		free(canon);
		if (rc != 0)
			goto out;
	}
	for (size_t i = 0; i < nt; i++) {
		if ((defs[i].flags & DBK_F_REQUIRED) &&
		    dbk_record_str(r, defs[i].name) == NULL) {
			rc = dbki_error_set(err, DBK_EINVAL, "a %s needs a %s",
			    dbk_type_name(type), defs[i].name);
			goto out;
		}
	}
	snprintf(now, sizeof now, "%" PRId64, dbki_now(t->s));
	if ((rc = field_set(t, r, "created", dbk_field_lookup(type, "created"),
	    now, hlc, err)) != 0 ||
	    (rc = field_set(t, r, "by", dbk_field_lookup(type, "by"),
	    t->s->member, hlc, err)) != 0)
		goto out;
	if (type == DBK_T_CUSTOMER && (code = dbk_record_str(r, "code")) != NULL &&
	    (rc = dbki_code_claim(t, r, code, err)) != 0)
		goto out;
	if ((rc = record_put(t, r, err)) != 0 || (rc = index_put(t, r, err)) != 0)
		goto out;
	{
		/* The audit names the fields given, never their values. */
		const char **names = calloc(r->n + 1, sizeof *names);
		size_t k = 0;
		if (names == NULL) {
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < r->n; i++)
			if (strcmp(r->f[i].name, "created") != 0 &&
			    strcmp(r->f[i].name, "by") != 0)
				names[k++] = r->f[i].name;
		rc = dbki_audit_append(t, "create", type, &id, names, k, err);
		free(names);
		if (rc != 0)
			goto out;
	}
	if (out != NULL)
		*out = id;
out:
	free(in);
	dbk_record_free(r);
	return rc;
}

int
dbk_record_create(struct dbk_txn *t, enum dbk_type type,
    const struct dbk_field *f, size_t n, struct dbk_id *out,
    struct dbk_error *err)
{
	return dbki_record_create(t, type, f, n, 0, out, err);
}

static int
hist_put(struct dbk_txn *t, const struct dbk_record *r, const struct rfield *f,
    struct dbk_error *err)
{
	struct dbki_buf b;
	uint8_t k[25];
	char hex[17];
	int rc;

	rec_key(k, r->type, &r->id);
	dbki_be64(k + 17, dbki_seq_next(t));
	dbki_buf_init(&b, MAX_RECORD_BYTES);
	dbki_buf_adds(&b, "{\"f\":");
	dbki_buf_add_json(&b, f->name);
	dbki_buf_adds(&b, ",\"h\":\"");
	hlc_hex(hex, f->hlc);
	dbki_buf_adds(&b, hex);
	dbki_buf_adds(&b, "\",\"r\":\"");
	dbki_hex(hex, r->reps[f->rep], 8);
	dbki_buf_adds(&b, hex);
	dbki_buf_adds(&b, "\",\"v\":");
	dbki_buf_add_json(&b, f->sealed ? f->sealed : f->value ? f->value : "");
	dbki_buf_addc(&b, '}');
	if (b.oom) {
		dbki_buf_free(&b);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	rc = dbki_put(t, DBI_HIST, k, sizeof k, b.p, b.len, 0, err);
	dbki_buf_free(&b);
	return rc;
}

static int
record_update(struct dbk_txn *t, const struct dbk_id *id,
    const struct dbk_field *f, size_t n, int sys, size_t *changed,
    struct dbk_error *err)
{
	struct dbk_record *r = NULL;
	int rc;

	if ((rc = dbk_record_load(t, id, &r, err)) != 0)
		return rc;
	rc = dbki_record_update_loaded(t, r, f, n, sys, changed, err);
	dbk_record_free(r);
	return rc;
}

/* Update a record the caller has already loaded (and still owns): saves
 * decoding it again.  On failure r may hold part of the change: the
 * caller aborts the transaction and frees r. */
int
dbki_record_update_loaded(struct dbk_txn *t, struct dbk_record *r,
    const struct dbk_field *f, size_t n, int sys, size_t *changed,
    struct dbk_error *err)
{
	char *oldcode = NULL;
	const char *c, **names = NULL;
	struct rin *in = NULL;
	size_t nch = 0;
	uint64_t hlc = 0;
	int rc;

	if ((rc = resolve_input(t, r->type, f, n, sys, &in, err)) != 0)
		goto out;
	if ((names = calloc(n + 1, sizeof *names)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	if ((c = dbk_record_str(r, "code")) != NULL &&
	    (oldcode = strdup(c)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct dbk_fielddef *fd = in[i].fd;
		long at = field_find(r, in[i].name);
		char *canon = NULL;

		if (f[i].value != NULL && f[i].value[0] != '\0' &&
		    (rc = input_normalize(t, &in[i], f[i].value, sys, &canon,
		    err)) != 0)
			goto out;
		if (at >= 0 && r->f[at].state == DBK_FS_RESTRICTED && !sys) {
			/* Overwriting a value we cannot read is allowed (a
			 * deposit); it is still kept in history. */
		} else if (at >= 0 ? (r->f[at].value != NULL && canon != NULL &&
		    strcmp(r->f[at].value, canon) == 0) ||
		    (r->f[at].value == NULL && canon == NULL) : canon == NULL) {
			wipe_free(canon);
			continue;
		}
		if (at >= 0 && !(fd->flags & DBK_F_DERIVED) &&
		    (rc = hist_put(t, r, &r->f[at], err)) != 0) {
			wipe_free(canon);
			goto out;
		}
		if (hlc == 0)
			hlc = dbki_hlc_next(t);
		rc = field_set(t, r, in[i].name, fd, canon, hlc, err);
		wipe_free(canon);
		if (rc != 0)
			goto out;
		names[nch++] = in[i].name;
	}
	/* An edit may not clear what a record must have. */
	if (nch > 0) {
		size_t nt;
		const struct dbk_fielddef *defs = dbk_type_fields(r->type, &nt);
		for (size_t i = 0; i < nt; i++) {
			long at = field_find(r, defs[i].name);
			if (!(defs[i].flags & DBK_F_REQUIRED))
				continue;
			/* Present, even if restricted (unreadable), is fine. */
			if (at >= 0 && (r->f[at].value != NULL ||
			    r->f[at].state == DBK_FS_RESTRICTED))
				continue;
			rc = dbki_error_set(err, DBK_EINVAL,
			    "a %s needs a %s: it cannot be cleared",
			    dbk_type_name(r->type), defs[i].name);
			goto out;
		}
	}
	if (nch > 0) {
		const char *newcode = dbk_record_str(r, "code");
		int gone = dbk_record_deleted(r);
		if (r->type == DBK_T_CUSTOMER && oldcode != NULL &&
		    (gone || newcode == NULL || strcmp(oldcode, newcode) != 0) &&
		    (rc = dbki_code_release(t, oldcode, err)) != 0)
			goto out;
		if (r->type == DBK_T_CUSTOMER && newcode != NULL && !gone &&
		    (oldcode == NULL || strcmp(oldcode, newcode) != 0) &&
		    (rc = dbki_code_claim(t, r, newcode, err)) != 0)
			goto out;
		if ((rc = record_put(t, r, err)) != 0)
			goto out;
		if ((rc = dbki_audit_append(t, gone ? "delete" : "update", r->type,
		    &r->id, names, nch, err)) != 0)
			goto out;
	}
	if (changed != NULL)
		*changed = nch;
out:
	free(in);
	free(names);
	free(oldcode);
	return rc;
}

int
dbk_record_update(struct dbk_txn *t, const struct dbk_id *id,
    const struct dbk_field *f, size_t n, size_t *changed, struct dbk_error *err)
{
	return record_update(t, id, f, n, 0, changed, err);
}

int
dbk_record_update_sys(struct dbk_txn *t, const struct dbk_id *id,
    const struct dbk_field *f, size_t n, size_t *changed, struct dbk_error *err)
{
	return record_update(t, id, f, n, 1, changed, err);
}

int
dbk_record_delete(struct dbk_txn *t, const struct dbk_id *id,
    struct dbk_error *err)
{
	struct dbk_field del = { "_del", "1" };

	return record_update(t, id, &del, 1, 1, NULL, err);
}

/* ---- history ---- */

struct hentry {
	char *field, *value;
	int state;
	uint64_t hlc;
	uint8_t rep[8];
};

static int
hentry_cmp(const void *a, const void *b)
{
	const struct hentry *x = a, *y = b;
	int c = strcmp(x->field, y->field);

	if (c != 0)
		return c;
	return x->hlc < y->hlc ? -1 : x->hlc > y->hlc;
}

int
dbk_history(struct dbk_txn *t, const struct dbk_id *id, dbk_version_fn fn,
    void *ctx, struct dbk_error *err)
{
	struct dbk_record *r = NULL;
	struct hentry *h = NULL;
	size_t nh = 0, caph = 0;
	MDB_cursor *c = NULL;
	uint8_t start[17];
	MDB_val k, v;
	int mrc, rc;

	if ((rc = dbk_record_load(t, id, &r, err)) != 0)
		return rc;
	rec_key(start, r->type, id);
	k.mv_size = 17;
	k.mv_data = start;
	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[DBI_HIST], &c)) != 0) {
		rc = dbki_error_lmdb(err, mrc, "opening a cursor");
		goto out;
	}
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); mrc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint8_t *pt = NULL;
		size_t n = 0;
		cJSON *o;
		int nomem;
		const cJSON *jf, *jh, *jr, *jv;
		const struct dbk_fielddef *fd;

		if (k.mv_size != 25 || memcmp(k.mv_data, start, 17) != 0)
			break;
		if ((rc = dbki_open_value(t, DBI_HIST, &k, &v, &pt, &n, err)) != 0)
			goto out;
		o = dbki_json_parse(pt, n, &nomem);
		dbki_free_plain(pt, n);
		if (nomem) {
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
			goto out;
		}
		jf = cJSON_GetObjectItemCaseSensitive(o, "f");
		jh = cJSON_GetObjectItemCaseSensitive(o, "h");
		jr = cJSON_GetObjectItemCaseSensitive(o, "r");
		jv = cJSON_GetObjectItemCaseSensitive(o, "v");
		if (!cJSON_IsString(jf) || !cJSON_IsString(jh) ||
		    !cJSON_IsString(jr) || !cJSON_IsString(jv)) {
			cJSON_Delete(o);
			rc = dbki_error_set(err, DBK_EINTEGRITY,
			    "a history entry is malformed");
			goto out;
		}
		if (nh == caph) {
			size_t nc = caph ? caph * 2 : 16;
			struct hentry *nhp = realloc(h, nc * sizeof *nhp);
			if (nhp == NULL) {
				cJSON_Delete(o);
				rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
				goto out;
			}
			h = nhp;
			caph = nc;
		}
		memset(&h[nh], 0, sizeof h[nh]);
		h[nh].field = strdup(jf->valuestring);
		if (h[nh].field == NULL || parse_hlc(jh->valuestring, &h[nh].hlc) != 0 ||
		    dbki_unhex(h[nh].rep, 8, jr->valuestring) != 0) {
			free(h[nh].field);
			cJSON_Delete(o);
			rc = dbki_error_set(err, DBK_EINTEGRITY,
			    "a history entry is malformed");
			goto out;
		}
		fd = dbki_field_def(r->type, h[nh].field);
		if (jv->valuestring[0] == '\0') {
			h[nh].value = NULL;
		} else if (fd != NULL && (fd->flags & DBK_F_SENSITIVE)) {
			rc = dbki_field_open(t->s, id->b, h[nh].field,
			    jv->valuestring, &h[nh].value, err);
			if (rc == DBK_ENOKEY) {
				h[nh].state = DBK_FS_RESTRICTED;
				dbk_error_clear(err);
				rc = 0;
			} else if (rc != 0) {
				free(h[nh].field);
				cJSON_Delete(o);
				goto out;
			}
		} else {
			h[nh].value = strdup(jv->valuestring);
		}
		cJSON_Delete(o);
		nh++;
	}
	if (mrc != 0 && mrc != MDB_NOTFOUND) {
		rc = dbki_error_lmdb(err, mrc, "walking history");
		goto out;
	}
	if (nh > 1)
		qsort(h, nh, sizeof *h, hentry_cmp);
	/* Merge superseded values and current ones, field by field. */
	{
		size_t i = 0, j = 0;
		while (i < nh || j < r->n) {
			struct dbk_version ver;
			char rephex[17];
			int takeh;
			if (i < nh && j < r->n)
				takeh = strcmp(h[i].field, r->f[j].name) <= 0;
			else
				takeh = i < nh;
			if (takeh) {
				ver.field = h[i].field;
				ver.value = h[i].value;
				ver.state = h[i].state;
				ver.hlc = h[i].hlc;
				ver.member = dbki_replica_member(t->s, h[i].rep);
				dbki_hex(rephex, h[i].rep, 8);
				ver.current = 0;
				i++;
			} else {
				ver.field = r->f[j].name;
				ver.value = r->f[j].value;
				ver.state = r->f[j].state;
				ver.hlc = r->f[j].hlc;
				ver.member = dbki_replica_member(t->s,
				    r->reps[r->f[j].rep]);
				dbki_hex(rephex, r->reps[r->f[j].rep], 8);
				ver.current = 1;
				j++;
			}
			ver.replica = rephex;
			if ((rc = fn(&ver, ctx)) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	for (size_t i = 0; i < nh; i++) {
		free(h[i].field);
		if (h[i].value != NULL) {
			sodium_memzero(h[i].value, strlen(h[i].value));
			free(h[i].value);
		}
	}
	free(h);
	if (c != NULL)
		mdb_cursor_close(c);
	dbk_record_free(r);
	return rc;
}

/* ---- merging a record state from another replica (sync) ---- */

/* Who wins between two versions of one field: the higher HLC, then the
 * higher replica id, then the higher hash of the stored value -- a total
 * order every replica computes the same way (DESIGN §5). */
static int
version_cmp(const struct dbk_record *a, const struct rfield *fa,
    const struct dbk_record *b, const struct rfield *fb)
{
	const char *va = fa->sealed ? fa->sealed : fa->value ? fa->value : "";
	const char *vb = fb->sealed ? fb->sealed : fb->value ? fb->value : "";
	uint8_t ha[32], hb[32];
	int c;

	if (fa->hlc != fb->hlc)
		return fa->hlc < fb->hlc ? -1 : 1;
	if ((c = memcmp(a->reps[fa->rep], b->reps[fb->rep], 8)) != 0)
		return c;
	crypto_generichash(ha, sizeof ha, (const uint8_t *)va, strlen(va),
	    NULL, 0);
	crypto_generichash(hb, sizeof hb, (const uint8_t *)vb, strlen(vb),
	    NULL, 0);
	return memcmp(ha, hb, sizeof ha);
}

/* Copy src's version of a field into r (replica remapped). */
static int
field_take(struct dbk_record *r, const struct dbk_record *src,
    const struct rfield *sf, struct dbk_error *err)
{
	struct rfield *f = field_slot(r, sf->name);
	int ri = replica_index(r, src->reps[sf->rep]);
	char *v = NULL, *s = NULL;

	if (f == NULL || ri < 0 ||
	    (sf->value != NULL && (v = strdup(sf->value)) == NULL) ||
	    (sf->sealed != NULL && (s = strdup(sf->sealed)) == NULL)) {
		wipe_free(v);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	wipe_free(f->value);
	free(f->sealed);
	f->value = v;
	f->sealed = s;
	f->state = sf->state;
	f->hlc = sf->hlc;
	f->rep = (uint16_t)ri;
	return 0;
}

int
dbki_record_merge(struct dbk_txn *t, enum dbk_type type,
    const struct dbk_id *id, const char *json, size_t len,
    struct dbki_merge_counts *mc, struct dbk_error *err)
{
	struct dbk_record *in = NULL, *loc = NULL;
	const char **names = NULL;
	char *oldcode = NULL;
	uint64_t maxhlc = 0;
	size_t nch = 0;
	int rc, isnew, hist_only = 0;

	/* Sensitive values are opened where this store holds the key: one
	 * that does not authenticate (sealed for another record or field,
	 * or made up) refuses the record here, instead of failing every
	 * later read of it.  Values under a key not held stay sealed. */
	if ((rc = dbki_record_decode(t->s, type, id, json, len, 1, &in,
	    err)) != 0)
		return rc;
	/* A version stamped more than a day ahead of our clock is set
	 * aside (R15): it would win every conflict for as long as the
	 * sender's clock is wrong, and it does not move our clock. */
	{
		/* Our clock: the later of the wall clock and our HLC. */
		uint64_t ours = (uint64_t)dbki_now(t->s) * 1000u;
		uint64_t limit;
		if ((t->hlc >> 16) > ours)
			ours = t->hlc >> 16;
		limit = ours + (uint64_t)MAX_SKEW * 1000u;
		size_t k = 0;
		for (size_t i = 0; i < in->n; i++) {
			if ((in->f[i].hlc >> 16) > limit) {
				field_clear(&in->f[i]);
				mc->quarantined++;
				continue;
			}
			if (in->f[i].hlc > maxhlc)
				maxhlc = in->f[i].hlc;
			in->f[k++] = in->f[i];
		}
		in->n = k;
		if (k == 0)
			goto out;
	}
	dbki_hlc_observe(t, maxhlc);
	rc = dbki_record_load(t, type, id, &loc, err);
	isnew = rc == DBK_ENOTFOUND;
	if (isnew) {
		dbk_error_clear(err);
		rc = 0;
	}
	if (rc != 0)
		goto out;
	if (isnew) {
		/* As it came: every field, every version. */
		const char *code = dbk_record_str(in, "code");
		if ((rc = index_put(t, in, err)) != 0)
			goto out;
		if (type == DBK_T_CUSTOMER && code != NULL &&
		    !dbk_record_deleted(in) &&
		    dbki_code_claim(t, in, code, err) != 0) {
			/* Another customer here has that code: it keeps it. */
			dbk_error_clear(err);
			mc->conflicts++;
		}
		if ((rc = record_put(t, in, err)) != 0 ||
		    (rc = dbki_audit_append(t, "import", type, id, NULL, 0,
		    err)) != 0)
			goto out;
		mc->added++;
		if (dbk_record_deleted(in))
			mc->tombstoned++;
		goto out;
	}
	if ((names = calloc(in->n + 1, sizeof *names)) == NULL ||
	    (dbk_record_str(loc, "code") != NULL &&
	    (oldcode = strdup(dbk_record_str(loc, "code"))) == NULL)) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	{
		int was_deleted = dbk_record_deleted(loc);
		for (size_t i = 0; i < in->n; i++) {
			const struct rfield *inf = &in->f[i];
			long at = field_find(loc, inf->name);
			int c;
			if (at < 0) {
				if ((rc = field_take(loc, in, inf, err)) != 0)
					goto out;
				names[nch++] = inf->name;
				continue;
			}
			c = version_cmp(loc, &loc->f[at], in, inf);
			if (c == 0)
				continue;	/* the same version */
			if (c < 0) {
				/* Theirs wins; ours goes to history. */
				if ((rc = hist_put(t, loc, &loc->f[at], err)) != 0 ||
				    (rc = field_take(loc, in, inf, err)) != 0)
					goto out;
				names[nch++] = inf->name;
			} else {
				/* Ours wins; theirs is kept in history. */
				struct rfield copy = *inf;
				if ((rc = hist_put(t, in, &copy, err)) != 0)
					goto out;
				mc->conflicts++;
				hist_only = 1;
			}
		}
		if (!was_deleted && dbk_record_deleted(loc))
			mc->tombstoned++;
	}
	if (nch > 0) {
		const char *newcode = dbk_record_str(loc, "code");
		int gone = dbk_record_deleted(loc);
		if (type == DBK_T_CUSTOMER && oldcode != NULL &&
		    (gone || newcode == NULL || strcmp(oldcode, newcode) != 0) &&
		    (rc = dbki_code_release(t, oldcode, err)) != 0)
			goto out;
		if (type == DBK_T_CUSTOMER && newcode != NULL && !gone &&
		    (oldcode == NULL || strcmp(oldcode, newcode) != 0) &&
		    dbki_code_claim(t, loc, newcode, err) != 0) {
			dbk_error_clear(err);
			mc->conflicts++;
		}
		if ((rc = record_put(t, loc, err)) != 0 ||
		    (rc = dbki_audit_append(t, "import", type, id, names, nch,
		    err)) != 0)
			goto out;
		mc->updated++;
	} else if (hist_only) {
		/* Only its history grew: still a change of the record, and
		 * the newest sequence number must be a change (the signed
		 * audit head names it). */
		uint8_t k[17];
		rec_key(k, type, id);
		if ((rc = log_change(t, k, err)) != 0 ||
		    (rc = dbki_audit_append(t, "import", type, id, NULL, 0,
		    err)) != 0)
			goto out;
	}
out:
	free(names);
	free(oldcode);
	dbk_record_free(in);
	dbk_record_free(loc);
	return rc;
}

/* A record's state independent of where it lives: fields in name order,
 * each with its value (sealed form for sensitive ones), HLC and the
 * writer's replica id -- equal on every replica that holds the same
 * versions, whatever order they arrived in. */
int
dbki_record_canonical(const struct dbk_record *r, struct dbki_buf *b)
{
	char hex[17];

	dbki_buf_addc(b, '{');
	for (size_t i = 0; i < r->n; i++) {
		const struct rfield *f = &r->f[i];
		if (i)
			dbki_buf_addc(b, ',');
		dbki_buf_add_json(b, f->name);
		dbki_buf_adds(b, ":[");
		dbki_buf_add_json(b, f->sealed ? f->sealed : f->value ? f->value :
		    "");
		hlc_hex(hex, f->hlc);
		dbki_buf_adds(b, ",\"");
		dbki_buf_adds(b, hex);
		dbki_buf_adds(b, "\",\"");
		dbki_hex(hex, r->reps[f->rep], 8);
		dbki_buf_adds(b, hex);
		dbki_buf_adds(b, "\"]");
	}
	dbki_buf_addc(b, '}');
	return b->oom ? DBK_ENOMEM : 0;
}

/*
 * A record's stored form for a bundle: sensitive values sealed under the
 * team's key as they are, the others (a provisional key's, or any outside
 * a team) left out.  Leaving a field out is safe for merging: a field a
 * state does not carry is left as it is by the replica that merges it.
 */
int
dbki_record_encode_shared(struct dbk_store *s, enum dbk_type type,
    const struct dbk_id *id, const char *json, size_t len,
    struct dbki_buf *b, struct dbk_error *err)
{
	struct dbk_record *r = NULL;
	int rc;

	if ((rc = dbki_record_decode(s, type, id, json, len, 0, &r, err)) != 0)
		return rc;
	rc = dbki_record_encode_shared_decoded(r, b);
	dbk_record_free(r);
	return rc != 0 ? dbki_error_set(err, DBK_ENOMEM, "out of memory") : 0;
}

/*
 * Seal a record's sensitive values held under the provisional key
 * (epoch 0) again under the current key, keeping each field's version:
 * the value is the same, only its envelope changes, and it has never
 * left this store (bundles do not carry epoch-0 values).  For a store
 * joining its team.
 */
int
dbki_record_reseal(struct dbk_txn *t, enum dbk_type type,
    const struct dbk_id *id, struct dbk_error *err)
{
	struct dbk_record *r = NULL;
	const char **names = NULL;
	size_t nch = 0;
	int rc;

	if ((rc = dbki_record_load(t, type, id, &r, err)) != 0)
		return rc;
	if ((names = calloc(r->n + 1, sizeof *names)) == NULL) {
		dbk_record_free(r);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < r->n; i++) {
		struct rfield *f = &r->f[i];
		char *ns = NULL;
		if (f->sealed == NULL || f->value == NULL ||
		    strncmp(f->sealed + 1, "1.0.", 4) != 0)
			continue;
		if ((rc = dbki_field_seal(t->s, id->b, f->name, f->value, &ns,
		    err)) != 0)
			goto out;
		free(f->sealed);
		f->sealed = ns;
		names[nch++] = f->name;
	}
	if (nch > 0 && ((rc = record_put(t, r, err)) != 0 ||
	    (rc = dbki_audit_append(t, "reseal", type, id, names, nch,
	    err)) != 0))
		goto out;
out:
	free(names);
	dbk_record_free(r);
	return rc;
}

int
dbki_record_signed_bytes(const struct dbk_record *r, const char *ctx,
    const char *const *fields, size_t n, struct dbki_buf *b)
{
	dbki_buf_add(b, ctx, strlen(ctx) + 1);
	dbki_buf_add(b, dbk_record_id(r)->b, 16);
	for (size_t i = 0; i < n; i++) {
		const char *v = dbk_record_str(r, fields[i]);
		uint8_t len[8];
		dbki_buf_add(b, fields[i], strlen(fields[i]) + 1);
		dbki_le64(len, v != NULL ? strlen(v) : UINT64_MAX);
		dbki_buf_add(b, len, 8);
		if (v != NULL)
			dbki_buf_add(b, v, strlen(v));
	}
	return b->oom ? -1 : 0;
}
