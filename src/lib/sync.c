/*
 * sync.c -- export and import of bundles (sync.h, docs/BUNDLE.md).
 *
 * Export: in one write transaction (it takes the next bundle sequence
 * number), every record's stored state becomes an item, the items are
 * sealed to the named members and signed (bundle.c), and the file is
 * written beside its target, synced and renamed.  Import: the file's
 * size is checked before it is read, the sender against the roster
 * before any cryptography, then the codec checks and opens it; the items
 * are merged per field (record.c) in one transaction that also records
 * (sender, sequence) against replays.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "bundle.h"
#include "team.h"
#include "internal.h"
#include "record_int.h"
#include "schema.h"
#include "dealbook/roster.h"
#include "dealbook/sync.h"

#define MAX_BUNDLE ((size_t)1 << 31)
#define MAX_ITEM ((size_t)16 << 20)

static void
be32(uint8_t *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* ---- export ---- */

struct rcpt_find {
	const char *name;
	uint8_t x[32], ed[32];
	int found, removed, restricted;
};

static int
rcpt_cb(const struct dbk_member *m, void *vctx)
{
	struct rcpt_find *f = vctx;
	uint8_t ed[32];

	if (strcmp(m->name, f->name) != 0)
		return 0;
	if (m->removed_at != 0) {
		f->removed = 1;
		return 0;
	}
	if (dbk_identity_parse(m->identity, ed, f->x, NULL) != 0)
		return 0;
	memcpy(f->ed, ed, 32);
	f->found = 1;
	f->restricted = m->restricted;
	return 0;
}

/* A version vector: per replica id, the highest HLC held; sorted. */
struct vv {
	uint8_t (*e)[16];	/* replica (8) || HLC (8, BE) */
	size_t n;
};

static uint64_t
vv_get(const struct vv *v, const uint8_t rep[8])
{
	for (size_t i = 0; i < v->n; i++)
		if (memcmp(v->e[i], rep, 8) == 0)
			return dbki_rd_be64(v->e[i] + 8);
	return 0;
}

static int
vv_raise(struct vv *v, const uint8_t rep[8], uint64_t hlc)
{
	uint8_t (*ne)[16];
	size_t i;

	for (i = 0; i < v->n; i++) {
		int c = memcmp(v->e[i], rep, 8);
		if (c == 0) {
			if (hlc > dbki_rd_be64(v->e[i] + 8))
				dbki_be64(v->e[i] + 8, hlc);
			return 0;
		}
		if (c > 0)
			break;
	}
	if (v->n >= DBKI_BUNDLE_MAX_VEC ||
	    (ne = realloc(v->e, (v->n + 1) * sizeof *ne)) == NULL)
		return -1;
	v->e = ne;
	memmove(v->e + i + 1, v->e + i, (v->n - i) * sizeof *v->e);
	memcpy(v->e[i], rep, 8);
	dbki_be64(v->e[i] + 8, hlc);
	v->n++;
	return 0;
}

/* meta "vv:" || member Ed25519 key: the vector they last sent us. */
static int
vv_load(struct dbk_txn *t, const uint8_t ed[32], struct vv *v, int *known,
    struct dbk_error *err)
{
	uint8_t k[35], *b = NULL;
	size_t n = 0;
	int rc;

	memcpy(k, "vv:", 3);
	memcpy(k + 3, ed, 32);
	v->e = NULL;
	v->n = 0;
	*known = 0;
	rc = dbki_get(t, DBI_META, k, sizeof k, &b, &n, err);
	if (rc == DBK_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (n % 16 == 0 && (v->e = malloc(n + 1)) != NULL) {
		memcpy(v->e, b, n);
		v->n = n / 16;
		*known = 1;
	}
	dbki_free_plain(b, n);
	return 0;
}

/*
 * The vector travels as the last plaintext item, not in the header: it
 * is known only once every record has been walked, and the header is
 * final before the first chunk.  {"vector":[["<replica hex>","<hlc>"],
 * ...]}, sorted by replica id.
 */
static void
vv_item(struct dbki_buf *b, const struct vv *v)
{
	struct dbki_buf j;
	char rep[17], hlc[24];

	dbki_buf_init(&j, (size_t)1 << 20);
	dbki_buf_adds(&j, "{\"vector\":[");
	for (size_t i = 0; i < v->n; i++) {
		dbki_hex(rep, v->e[i], 8);
		snprintf(hlc, sizeof hlc, "%" PRIu64, dbki_rd_be64(v->e[i] + 8));
		dbki_buf_adds(&j, i ? ",[\"" : "[\"");
		dbki_buf_adds(&j, rep);
		dbki_buf_adds(&j, "\",\"");
		dbki_buf_adds(&j, hlc);
		dbki_buf_adds(&j, "\"]");
	}
	dbki_buf_adds(&j, "]}");
	if (j.oom)
		b->oom = 1;
	else
		dbki_bundle_item(b, j.p, j.len);
	dbki_buf_free(&j);
}

/* The vector item back to 16-byte entries; -1 if absent or malformed,
 * DBK_ENOMEM out of memory. */
static int
vv_parse(const cJSON *o, struct vv *v)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "vector"), *e;
	size_t n = 0;

	v->e = NULL;
	v->n = 0;
	if (!cJSON_IsArray(a) ||
	    (size_t)cJSON_GetArraySize(a) > DBKI_BUNDLE_MAX_VEC)
		return -1;
	if ((v->e = malloc((size_t)cJSON_GetArraySize(a) * 16 + 1)) == NULL)
		return DBK_ENOMEM;
	cJSON_ArrayForEach(e, a) {
		const cJSON *r = cJSON_GetArrayItem(e, 0);
		const cJSON *h = cJSON_GetArrayItem(e, 1);
		const char *d;
		uint64_t hlc = 0;
		if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 ||
		    !cJSON_IsString(r) || strlen(r->valuestring) != 16 ||
		    dbki_unhex(v->e[n], 8, r->valuestring) != 0 ||
		    !cJSON_IsString(h) || *(d = h->valuestring) == '\0' ||
		    (n > 0 && memcmp(v->e[n - 1], v->e[n], 8) >= 0))
			goto bad;
		for (; *d != '\0'; d++) {
			if (*d < '0' || *d > '9' ||
			    hlc > (UINT64_MAX - (uint64_t)(*d - '0')) / 10)
				goto bad;
			hlc = hlc * 10 + (uint64_t)(*d - '0');
		}
		dbki_be64(v->e[n] + 8, hlc);
		n++;
	}
	v->n = n;
	return 0;
bad:
	free(v->e);
	v->e = NULL;
	return -1;
}

struct export_ctx {
	const char *const *to;
	size_t nto;
	const char *customers;
	int full;
	struct dbk_id *sel;	/* selected customers, sorted; NULL: all */
	size_t nsel;
	int fd;			/* the temporary file the bundle streams to */
	const char *path;
	uint64_t written;
	struct dbk_export_info *info;
};

/* The writer's output: straight to the temporary file. */
static int
out_fd(void *vctx, const void *p, size_t n, struct dbk_error *err)
{
	struct export_ctx *x = vctx;
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = dbki_fault_io() ? -1 : write(x->fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			/* DBK_EIO even for a full disk: DBK_EFULL means a full
			 * map, which the transaction would grow and retry. */
			return dbki_error_errno(err, DBK_EIO, "writing", x->path);
		b += w;
		n -= (size_t)w;
		x->written += (uint64_t)w;
	}
	return 0;
}

/* Hand what the items so far take up to the writer, once there is a
 * chunk's worth (or at the end): memory stays a chunk or two, whatever
 * the bundle's size. */
static int
flush_plain(struct dbki_bundle_writer *w, struct dbki_buf *plain, int force,
    struct dbk_error *err)
{
	int rc;

	if (plain->oom)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (!force && plain->len < DBKI_BUNDLE_CHUNK)
		return 0;
	rc = dbki_bundle_writer_add(w, plain->p, plain->len, err);
	plain->len = 0;
	return rc;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct dbk_id));
}

static int
sel_add(struct export_ctx *x, const struct dbk_id *id)
{
	struct dbk_id *n = realloc(x->sel, (x->nsel + 1) * sizeof *n);

	if (n == NULL)
		return -1;
	x->sel = n;
	x->sel[x->nsel++] = *id;
	return 0;
}

struct owner_sel {
	struct export_ctx *x;
	const char *owner;
	int oom;
};

static int
owner_cb(const struct dbk_customer_row *r, void *vctx)
{
	struct owner_sel *o = vctx;

	if (r->owner != NULL && strcmp(r->owner, o->owner) == 0 &&
	    sel_add(o->x, &r->id) != 0) {
		o->oom = 1;
		return 1;
	}
	return 0;
}

/* The customers --customers names, sorted by id. */
static int
select_customers(struct dbk_txn *t, struct export_ctx *x,
    struct dbk_error *err)
{
	const char *spec = x->customers;
	int rc;

	if (strncmp(spec, "owner=", 6) == 0) {
		struct owner_sel o = { x, spec + 6, 0 };
		if ((rc = dbk_customer_rows(t, 0, owner_cb, &o, err)) != 0 &&
		    !o.oom)
			return rc;
		if (o.oom)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	} else {
		char *list = strdup(spec), *save = NULL, *tok;
		if (list == NULL)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		for (tok = strtok_r(list, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			struct dbk_id id;
			if (*tok == '\0')
				continue;
			if ((rc = dbk_resolve_ex(t, DBK_T_CUSTOMER, tok,
			    DBK_RESOLVE_EXACT, &id, err)) != 0 ||
			    (sel_add(x, &id) != 0 && (rc = dbki_error_set(err,
			    DBK_ENOMEM, "out of memory")) != 0)) {
				free(list);
				return rc;
			}
		}
		free(list);
	}
	if (x->nsel == 0)
		return dbki_error_set(err, DBK_EINVAL, "--customers '%s' selects "
		    "no customer", spec);
	qsort(x->sel, x->nsel, sizeof *x->sel, id_cmp);
	return 0;
}

/* A record of a selected customer (its "customer" field)? */
static int
customer_selected(const struct export_ctx *x, const struct dbk_record *r)
{
	struct dbk_id cid;
	const char *c = dbk_record_str(r, "customer");

	return c != NULL && dbk_id_parse(c, &cid) == 0 &&
	    bsearch(&cid, x->sel, x->nsel, sizeof *x->sel, id_cmp) != NULL;
}

/* meta "bmax:" || sender Ed25519 key: the highest sequence number of
 * theirs imported here (R13). */
static int
bmax_get(struct dbk_txn *t, const uint8_t ed[32], uint64_t *seq,
    struct dbk_error *err)
{
	uint8_t k[DBKI_PEER_KEY];

	dbki_meta_peer_key(k, "bmax:", ed);
	return dbki_meta_u64(t, k, sizeof k, seq, err);
}

/* ["<recipient Ed25519 key hex>","<highest seq of theirs held>"] */
static int
ack_add(struct dbk_txn *t, cJSON *acks, const uint8_t ed[32],
    struct dbk_error *err)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(acks, "acks"), *e;
	char hex[65], num[24];
	uint64_t seq;
	int rc;

	if ((rc = bmax_get(t, ed, &seq, err)) != 0 || seq == 0)
		return rc;
	dbki_hex(hex, ed, 32);
	snprintf(num, sizeof num, "%" PRIu64, seq);
	if ((e = cJSON_CreateArray()) == NULL || !cJSON_AddItemToArray(arr, e) ||
	    !cJSON_AddItemToArray(e, cJSON_CreateString(hex)) ||
	    !cJSON_AddItemToArray(e, cJSON_CreateString(num)))
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	return 0;
}

/* An acks item: does the sender hold a bundle of mine I never made? */
static int
acks_check(struct dbk_txn *t, const cJSON *o, uint64_t *seen,
    uint64_t *acked, int *resync, struct dbk_error *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "acks");
	const cJSON *rs = cJSON_GetObjectItemCaseSensitive(o, "resync");
	const cJSON *e;
	char me[65];
	uint64_t mine = 0;
	int rc;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > 256)
		return dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): its acks item is malformed");
	dbki_hex(me, t->s->ed_pk, 32);
	if ((rc = dbki_bseq_get(t, &mine, err)) != 0)
		return rc;
	cJSON_ArrayForEach(e, arr) {
		const cJSON *k = cJSON_GetArrayItem(e, 0);
		const cJSON *v = cJSON_GetArrayItem(e, 1);
		int64_t sq;
		if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 ||
		    !cJSON_IsString(k) || !cJSON_IsString(v) ||
		    dbk_parse_int(v->valuestring, 1, INT64_C(1) << 40, &sq) != 0)
			return dbki_error_set(err, DBK_EFORMAT, "the bundle is "
			    "refused (E_FORMAT): its acks item is malformed");
		if (strcmp(k->valuestring, me) == 0) {
			*acked = (uint64_t)sq;
			if ((uint64_t)sq > mine)
				*seen = (uint64_t)sq;
		}
	}
	if (rs != NULL && !cJSON_IsString(rs))
		return dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): its acks item is malformed");
	*resync = rs != NULL;
	return 0;
}

/* meta "resync": after a rollback was accepted, the sequence number of
 * our first bundle that asks teammates to resend everything; it is
 * asked until every member on the roster has answered with a bundle
 * made after seeing it ("rsok:" || their key). */
static int
resync_get(struct dbk_txn *t, uint64_t *from, struct dbk_error *err)
{
	return dbki_meta_u64(t, "resync", 6, from, err);
}

struct resync_walk {
	struct dbk_txn *t;
	uint64_t from;
	int missing;
	struct dbk_error *err;
};

static int
resync_cb(const struct dbk_member *m, void *vctx)
{
	struct resync_walk *w = vctx;
	uint8_t k[DBKI_PEER_KEY], ed[32];
	uint64_t ok;
	int rc;

	if (m->removed_at != 0 ||
	    dbk_identity_parse(m->identity, ed, NULL, NULL) != 0)
		return 0;
	dbki_meta_peer_key(k, "rsok:", ed);
	if ((rc = dbki_meta_u64(w->t, k, sizeof k, &ok, w->err)) == 0 &&
	    ok != w->from)
		w->missing = 1;
	return rc;
}

static int
resync_done(struct dbk_txn *t, const uint8_t ed[32], uint64_t acked,
    struct dbk_error *err)
{
	struct resync_walk w = { t, 0, 0, err };
	uint8_t k[DBKI_PEER_KEY];
	int rc;

	if ((rc = resync_get(t, &w.from, err)) != 0 || w.from == 0 ||
	    acked < w.from)
		return rc;
	dbki_meta_peer_key(k, "rsok:", ed);
	if ((rc = dbki_meta_put_u64(t, k, sizeof k, w.from, err)) != 0 ||
	    (rc = dbk_member_walk(t, resync_cb, &w, err)) != 0)
		return rc;
	return w.missing ? 0 : dbki_del(t, DBI_META, "resync", 6, err);
}

static int
export_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct export_ctx *x = vctx;
	struct dbk_store *s = t->s;
	struct dbki_bundle_hdr h;
	struct dbki_buf plain;
	uint8_t (*rcpt)[32] = NULL;
	struct dbki_team_rcpt *trc = NULL;
	struct dbki_bundle_writer *w = NULL;
	cJSON *acks = cJSON_CreateObject();
	MDB_cursor *c = NULL;
	MDB_val k, v;
	char *ident = NULL, hex[DBK_ID_HEX], idhex[33], *hdr = NULL;
	uint64_t seq = 0, done = 0, total = 0;
	struct vv mine = { NULL, 0 }, *theirs = NULL;
	int rc, mrc, all = 0;

	dbki_buf_init(&plain, MAX_ITEM + 2 * DBKI_BUNDLE_CHUNK);
	/* A transaction retried (the map grew) starts the file and the
	 * counts again. */
	x->written = 0;
	memset(x->info, 0, sizeof *x->info);
	if (dbki_fault_io() || ftruncate(x->fd, 0) != 0 ||
	    lseek(x->fd, 0, SEEK_SET) != 0) {
		rc = dbki_error_errno(err, DBK_EIO, "writing", x->path);
		goto out;
	}
	if (acks == NULL || cJSON_AddArrayToObject(acks, "acks") == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = dbk_roster_verify(t, NULL, err)) != 0)
		goto out;
	if (x->customers != NULL && x->sel == NULL &&
	    (rc = select_customers(t, x, err)) != 0)
		goto out;
	if ((rcpt = calloc(x->nto, sizeof *rcpt)) == NULL ||
	    (trc = calloc(x->nto, sizeof *trc)) == NULL ||
	    (theirs = calloc(x->nto, sizeof *theirs)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < x->nto; i++) {
		struct rcpt_find f = { x->to[i], { 0 }, { 0 }, 0, 0, 0 };
		int known = 0;
		if ((rc = dbk_member_walk(t, rcpt_cb, &f, err)) != 0)
			goto out;
		if (!f.found) {
			rc = dbki_error_set(err, DBK_ENOTFOUND, f.removed ?
			    "'%s' was removed from the roster: nothing goes to them "
			    "any more" : "no member '%s' on the roster ('dealbook "
			    "member list')", x->to[i]);
			goto out;
		}
		memcpy(rcpt[i], f.x, 32);
		if ((rc = ack_add(t, acks, f.ed, err)) != 0)
			goto out;
		trc[i].x = rcpt[i];
		/* A partner's bundle carries only their customers: never
		 * the key, whatever the roster says. */
		trc[i].restricted = f.restricted && x->customers == NULL;
		if ((rc = vv_load(t, f.ed, &theirs[i], &known, err)) != 0)
			goto out;
		/* Never heard from them: they get everything. */
		if (!known)
			all = 1;
	}
	if (x->full)
		all = 1;
	/* The next sequence number of this store's bundles. */
	if ((rc = dbki_bseq_get(t, &seq, err)) != 0 ||
	    (rc = dbki_bseq_put(t, ++seq, err)) != 0)
		goto out;
	memset(&h, 0, sizeof h);
	randombytes_buf(h.id, sizeof h.id);
	memcpy(h.team, s->team_id, 16);
	memcpy(h.ed_pk, s->ed_pk, 32);
	memcpy(h.x_pk, s->x_pk, 32);
	h.seq = seq;
	h.hlc = dbki_hlc_next(t);
	h.nrcpt = x->nto;
	h.rcpt = (const uint8_t (*)[32])rcpt;
	if ((rc = dbki_bundle_writer_begin(&h, s->sec->ed_sk, out_fd, x, &w,
	    err)) != 0)
		goto out;
	/* The first item names the sender again (docs/BUNDLE.md). */
	if ((ident = dbk_store_identity(s)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	dbki_hex(idhex, h.id, 16);
	{
		char team[33];
		dbki_hex(team, h.team, 16);
		if (asprintf(&hdr, "{\"bundle\":\"%s\",\"sender\":\"%s\",\"seq\":\""
		    "%" PRIu64 "\",\"team\":\"%s\"}", idhex, ident, seq, team) < 0) {
			hdr = NULL;
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
			goto out;
		}
	}
	dbki_bundle_item(&plain, hdr, strlen(hdr));
	/* The team, its key for those entitled, the manager's roster:
	 * before the records, so an importer joining the team holds the
	 * key when the records merge (docs/BUNDLE.md). */
	if (x->customers == NULL &&
	    (rc = dbki_team_export(t, trc, x->nto, &plain, err)) != 0)
		goto out;
	/* What I hold of each recipient's bundles: a recipient whose
	 * store was put back to an older copy learns it from this (R13). */
	{
		uint64_t from;
		char *a, num[24];
		if ((rc = resync_get(t, &from, err)) != 0)
			goto out;
		snprintf(num, sizeof num, "%" PRIu64, from);
		if (from != 0 &&
		    cJSON_AddStringToObject(acks, "resync", num) == NULL) {
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
			goto out;
		}
		a = cJSON_PrintUnformatted(acks);
		if (a == NULL) {
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
			goto out;
		}
		dbki_bundle_item(&plain, a, strlen(a));
		cJSON_free(a);
	}
	if ((mrc = mdb_cursor_open(t->t, s->dbi[DBI_REC], &c)) != 0) {
		rc = dbki_error_lmdb(err, mrc, "opening a cursor");
		goto out;
	}
	{
		MDB_stat st;
		total = mdb_stat(t->t, s->dbi[DBI_REC], &st) == 0 ?
		    st.ms_entries : 0;
	}
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kb = k.mv_data;
		/* A big store takes a while: a progress line on a terminal. */
		if ((++done & 0xff) == 0)
			dbki_progress(s, "export", done, total);
		struct dbk_id id;
		uint8_t *pt = NULL;
		size_t pn = 0;
		const char *tn;
		char *pre = NULL;
		int n;
		struct dbki_buf shared;
		/* The roster is each store's own (signed by it): not sent. */
		if (k.mv_size != 17 || kb[0] == DBK_T_MEMBER ||
		    (tn = dbk_type_name((enum dbk_type)kb[0])) == NULL)
			continue;
		memcpy(id.b, kb + 1, 16);
		if ((rc = dbki_open_value(t, DBI_REC, &k, &v, &pt, &pn, err)) != 0)
			goto out;
		{
			/* One decode: the selection, our vector, the recipients'
			 * need and the shared form all read the same record. */
			struct dbk_record *r = NULL;
			enum dbk_type type = (enum dbk_type)kb[0];
			int need = all, sel = x->sel != NULL;
			/* What selected() decided without decoding, first. */
			/* Custom field definitions go to everyone: a partner
			 * sees the labels of the values it receives. */
			if (sel && (type == DBK_T_CUSTOMER ? bsearch(&id, x->sel,
			    x->nsel, sizeof *x->sel, id_cmp) == NULL :
			    dbki_type_parent_field(type) == NULL &&
			    type != DBK_T_FIELDDEF)) {
				dbki_free_plain(pt, pn);
				continue;
			}
			rc = dbki_record_decode(s, type, &id, (const char *)pt, pn,
			    0, &r, err);
			dbki_free_plain(pt, pn);
			if (rc != 0 && sel && type != DBK_T_CUSTOMER) {
				/* selected() left out what did not decode. */
				dbk_error_clear(err);
				rc = 0;
				continue;
			}
			if (rc != 0)
				goto out;
			if (sel && type != DBK_T_CUSTOMER &&
			    type != DBK_T_FIELDDEF && !customer_selected(x, r)) {
				dbk_record_free(r);
				continue;
			}
			for (size_t fi = 0; fi < r->n; fi++) {
				const uint8_t *rep = r->reps[r->f[fi].rep];
				if (vv_raise(&mine, rep, r->f[fi].hlc) != 0) {
					dbk_record_free(r);
					rc = dbki_error_set(err, DBK_ENOMEM,
					    "out of memory");
					goto out;
				}
				for (size_t ri = 0; !need && ri < x->nto; ri++)
					if (r->f[fi].hlc > vv_get(&theirs[ri], rep))
						need = 1;
			}
			if (!need) {
				dbk_record_free(r);
				continue;
			}
			dbki_buf_init(&shared, (size_t)1 << 24);
			rc = dbki_record_encode_shared_decoded(r, &shared);
			dbk_record_free(r);
			if (rc != 0) {
				dbki_buf_free(&shared);
				rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
				goto out;
			}
		}
		pt = (uint8_t *)shared.p;
		pn = shared.len;
		dbk_id_format(&id, hex);
		n = asprintf(&pre, "{\"id\":\"%s\",\"s\":", hex);
		if (n < 0) {
			dbki_buf_free(&shared);
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
			goto out;
		}
		{
			/* {"id":"…","s":<stored state>,"t":"type"} */
			uint8_t len[4];
			size_t ilen = (size_t)n + pn + strlen(tn) + 8;
			be32(len, (uint32_t)ilen);
			dbki_buf_add(&plain, len, 4);
			dbki_buf_add(&plain, pre, (size_t)n);
			dbki_buf_add(&plain, pt, pn);
			dbki_buf_adds(&plain, ",\"t\":\"");
			dbki_buf_adds(&plain, tn);
			dbki_buf_adds(&plain, "\"}");
		}
		free(pre);
		dbki_buf_free(&shared);
		x->info->records++;
		/* A run's results and inputs follow it, so the recipient can
		 * verify it (docs/BUNDLE.md). */
		if (kb[0] == DBK_T_EVALRUN &&
		    (rc = dbki_evalrun_export_blobs(t, &id, &plain, err)) != 0)
			goto out;
		if ((rc = flush_plain(w, &plain, 0, err)) != 0)
			goto out;
	}
	vv_item(&plain, &mine);
	if ((rc = flush_plain(w, &plain, 1, err)) != 0)
		goto out;
	if (done >= 0x100)
		dbki_progress(s, "export", total, total);
	rc = dbki_bundle_writer_end(w, err);
	w = NULL;	/* freed by end, on failure too */
	if (rc != 0)
		goto out;
	if (dbki_fault_io() || fsync(x->fd) != 0) {
		rc = dbki_error_errno(err, DBK_EIO, "syncing", x->path);
		goto out;
	}
	rc = dbki_audit_append(t, "export", 0, NULL, NULL, 0, err);
	x->info->seq = seq;
	x->info->recipients = x->nto;
	x->info->bytes = x->written;
out:
	if (w != NULL)
		dbki_bundle_writer_free(w);
	if (c != NULL)
		mdb_cursor_close(c);
	free(hdr);
	free(ident);
	free(rcpt);
	free(trc);
	cJSON_Delete(acks);
	for (size_t i = 0; theirs != NULL && i < x->nto; i++)
		free(theirs[i].e);
	free(theirs);
	free(mine.e);
	dbki_buf_free(&plain);
	return rc;
}

int
dbk_export(struct dbk_store *s, const char *const *to, size_t nto,
    const char *customers, int full, const char *path,
    struct dbk_export_info *info, struct dbk_error *err)
{
	struct export_ctx x = { to, nto, customers, full, NULL, 0, -1, path, 0,
		info };
	char *tmp = NULL, *dcopy = NULL;
	int rc, dfd;

	memset(info, 0, sizeof *info);
	if (nto == 0 || nto > DBKI_BUNDLE_MAX_RCPT)
		return dbki_error_set(err, DBK_EINVAL, "a bundle goes to 1 to %d "
		    "members", DBKI_BUNDLE_MAX_RCPT);
	/* The bundle streams into a file beside the target, is synced with
	 * the transaction that numbers it, and takes the target's name only
	 * once that transaction committed: a failure anywhere leaves no
	 * file at the target and no sequence number spent (R18). */
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if ((x.fd = mkstemp(tmp)) < 0) {
		rc = dbki_error_errno(err, DBK_EIO, "creating a file beside", path);
		free(tmp);
		return rc;
	}
	rc = dbk_store_write(s, export_txn, &x, err);
	if (close(x.fd) != 0 && rc == 0)
		rc = dbki_error_errno(err, DBK_EIO, "closing", path);
	if (rc == 0 && (dbki_fault_io() || rename(tmp, path) != 0))
		rc = dbki_error_errno(err, DBK_EIO, "renaming into", path);
	if (rc != 0)
		(void)unlink(tmp);
	else if ((dcopy = strdup(path)) != NULL &&
	    (dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(dcopy);
	free(tmp);
	free(x.sel);
	return rc;
}

/* ---- import ---- */

struct sender_find {
	const uint8_t *ed, *x;
	const char *trust;
	char name[256];
	int found, manager;
};

static int
sender_cb(const struct dbk_member *m, void *vctx)
{
	struct sender_find *f = vctx;
	uint8_t ed[32], x[32];

	if (m->removed_at != 0 ||
	    dbk_identity_parse(m->identity, ed, x, NULL) != 0)
		return 0;
	if (memcmp(ed, f->ed, 32) == 0 && memcmp(x, f->x, 32) == 0) {
		snprintf(f->name, sizeof f->name, "%s", m->name);
		f->found = 1;
		f->manager = strcmp(m->role, "manager") == 0;
	}
	return 0;
}

struct import_ctx {
	int fd;
	int dry_run;
	const char *trust;
	struct dbk_import_report *rep;
	/* An equivocation: the two bundle ids, for the audit trail. */
	int equivocation;
	uint64_t rollback;	/* the sender holds our bundle of this seq */
	int peer_resync;	/* the sender was put back: resend it all */
	uint64_t acked_mine;	/* our highest bundle the sender holds */
	char ids[2][33];
};

struct sender_check {
	struct dbk_txn *t;
	const char *trust;
	char name[256];
	int manager;   /* on the roster as a manager */
	int trusted;   /* not on the roster: --trust named them */
	struct dbk_error err; /* why the roster could not be read */
};

static int
sender_ok(void *vctx, const uint8_t ed[32], const uint8_t x[32])
{
	struct sender_check *sc = vctx;
	struct sender_find f;
	uint8_t ted[32], tx[32];
	int rc;

	memset(&f, 0, sizeof f);
	f.ed = ed;
	f.x = x;
	rc = dbk_member_walk(sc->t, sender_cb, &f, &sc->err);
	/* A member whose signature fails is no member (the refusal as for
	 * a stranger); failing to read the roster is no verdict at all. */
	if (rc != 0 && rc != DBK_EINTEGRITY)
		return rc;
	dbk_error_clear(&sc->err);
	if (rc == 0 && f.found) {
		snprintf(sc->name, sizeof sc->name, "%s", f.name);
		sc->manager = f.manager;
		return 1;
	}
	if (sc->trust != NULL &&
	    dbk_identity_parse(sc->trust, ted, tx, NULL) == 0 &&
	    memcmp(ted, ed, 32) == 0 && memcmp(tx, x, 32) == 0) {
		snprintf(sc->name, sizeof sc->name, "%s", sc->trust);
		sc->trusted = 1;
		return 1;
	}
	return 0;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

/*
 * A record item in exactly the form export writes,
 * {"id":"<32 hex>","s":<state>,"t":"<type>"}: its type, id and the state's
 * bytes (which the merge parses and checks).  0 for anything else.
 */
static int
record_item(const uint8_t *ip, size_t len, enum dbk_type *type,
    struct dbk_id *id, const char **state, size_t *slen)
{
	static const char pre[] = "{\"id\":\"", mid[] = "\",\"s\":";
	const char *p = (const char *)ip, *end = p + len, *t;
	char hex[33], tn[32];
	size_t n;

	if (len < 8 + 32 + 6 + 2 + 9 || memcmp(p, pre, 7) != 0 ||
	    memcmp(p + 7 + 32, mid, 6) != 0 || end[-1] != '}' || end[-2] != '"')
		return 0;
	/* The type: lowercase letters back from the end to ,"t":" */
	for (t = end - 3; t > p && *t >= 'a' && *t <= 'z'; t--)
		;
	n = (size_t)(end - 2 - (t + 1));
	if (n == 0 || n >= sizeof tn || t - p < 45 + 6 ||
	    memcmp(t - 5, ",\"t\":\"", 6) != 0)
		return 0;
	memcpy(tn, t + 1, n);
	tn[n] = '\0';
	memcpy(hex, p + 7, 32);
	hex[32] = '\0';
	if (dbk_type_parse(tn, type) != 0 || *type == DBK_T_MEMBER ||
	    dbk_id_parse(hex, id) != 0 || p[45] != '{' || t[-6] != '}')
		return 0;
	*state = p + 45;
	*slen = (size_t)((t - 5) - (p + 45));
	return 1;
}

static int
import_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct import_ctx *x = vctx;
	struct dbk_store *s = t->s;
	struct dbki_bundle_info info;
	struct sender_check sc;
	struct dbki_team_in ti;
	struct dbki_merge_counts mc = { 0, 0, 0, 0, 0 };
	struct dbki_bundle_reader *rd = NULL;
	uint8_t rk[4 + 40], *prev = NULL, rsk[DBKI_PEER_KEY];
	size_t prevn = 0;
	char idhex[33];
	cJSON *o = NULL;
	uint64_t merged = 0;
	struct vv vec = { NULL, 0 };
	int rc, first = 1, gotvec = 0, nomem;

	/* A transaction retried (the map grew) counts from zero again. */
	memset(x->rep, 0, sizeof *x->rep);
	x->equivocation = 0;
	x->rollback = 0;
	x->peer_resync = 0;
	x->acked_mine = 0;
	memset(&sc, 0, sizeof sc);
	sc.t = t;
	sc.trust = x->trust;
	/* Pass 1 (caps, sender, signature, my stanza); pass 2 below reads
	 * the items one by one, authenticating every chunk again, and the
	 * transaction commits only after its clean end. */
	rc = dbki_bundle_reader_open(x->fd, s->x_pk, s->sec->x_sk, sender_ok,
	    &sc, &info, &rd, err);
	if (rc != 0 && sc.err.code == rc && sc.err.msg != NULL)
		(void)dbki_error_set(err, rc, "%s", sc.err.msg);
	dbk_error_clear(&sc.err);
	if (rc != 0)
		return rc;
	snprintf(x->rep->sender, sizeof x->rep->sender, "%s", sc.name);
	x->rep->seq = info.seq;
	/* Replays: (sender, seq) -> bundle id, in meta. */
	memcpy(rk, "bin:", 4);
	memcpy(rk + 4, info.ed_pk, 32);
	dbki_be64(rk + 36, info.seq);
	rc = dbki_get(t, DBI_META, rk, sizeof rk, &prev, &prevn, err);
	if (rc == 0) {
		int same = prevn == 16 && memcmp(prev, info.id, 16) == 0;
		if (!same && prevn == 16) {
			x->equivocation = 1;
			dbki_hex(x->ids[0], prev, 16);
			dbki_hex(x->ids[1], info.id, 16);
		}
		dbki_free_plain(prev, prevn);
		if (same) {
			x->rep->already = 1;
			rc = 0;
			goto out;
		}
		rc = dbki_error_set(err, DBK_EINTEGRITY, "the bundle is refused "
		    "(E_EQUIVOCATION): %s already sent a different bundle with "
		    "sequence number %" PRIu64, sc.name, info.seq);
		goto out;
	}
	if (rc != DBK_ENOTFOUND)
		goto out;
	dbk_error_clear(err);
	dbki_hex(idhex, info.id, 16);
	dbki_test_kill("after-verify");
	/* A bundle of another team is no business of this store. */
	if (s->team != NULL && !sodium_is_zero(info.team, 16) &&
	    memcmp(info.team, s->team_id, 16) != 0) {
		rc = dbki_error_set(err, DBK_EINTEGRITY, "the bundle is refused: "
		    "it belongs to another team than this store's ('%s')",
		    s->team);
		goto out;
	}
	memset(&ti, 0, sizeof ti);
	ti.sender_name = sc.name;
	memcpy(ti.hdr_team, info.team, 16);
	/* Keys and roster come from a manager; the sender trusted at
	 * first contact founds the team of a store that has none. */
	ti.manager = sc.manager || (sc.trusted && s->team == NULL);
	{
		/* 0 when no roster came from them yet: any seq is newer. */
		uint64_t last;
		dbki_meta_peer_key(rsk, "rseq:", info.ed_pk);
		if ((rc = dbki_meta_u64(t, rsk, sizeof rsk, &last, err)) != 0)
			goto out;
		ti.roster_newer = info.seq > last;
	}
	for (;;) {
		const uint8_t *ip;
		size_t len, sn;
		const char *tn, *idt, *sp;
		const cJSON *st;
		enum dbk_type type;
		struct dbk_id id;
		char *state;
		if ((rc = dbki_bundle_reader_next(rd, MAX_ITEM, &ip, &len,
		    err)) == 1) {
			rc = 0;
			break;
		}
		if (rc != 0)
			goto out;
		if (gotvec) {
			rc = dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
			    "(E_FORMAT): an item follows the version vector");
			goto out;
		}
		/* A record item as export writes it goes to the merge as it
		 * is: parsing it here and printing its state again cost an
		 * eighth of an import.  Anything else takes the long way. */
		if (!first && record_item(ip, len, &type, &id, &sp, &sn)) {
			state = NULL;
			goto merge;
		}
		cJSON_Delete(o);
		o = dbki_json_parse(ip, len, &nomem);
		if (nomem) {
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
			goto out;
		}
		if (o == NULL || !cJSON_IsObject(o)) {
			rc = dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
			    "(E_FORMAT): an item is not a JSON object");
			goto out;
		}
		if (first) {
			/* The sender named inside must be the signer. */
			uint8_t ed[32], xk[32];
			const char *snd = jstr(o, "sender"), *bid = jstr(o, "bundle");
			const char *sq = jstr(o, "seq");
			int64_t v;
			first = 0;
			if (snd == NULL || dbk_identity_parse(snd, ed, xk, NULL) != 0 ||
			    memcmp(ed, info.ed_pk, 32) != 0 ||
			    memcmp(xk, info.x_pk, 32) != 0 || bid == NULL ||
			    strcmp(bid, idhex) != 0 || sq == NULL ||
			    dbk_parse_int(sq, 1, INT64_MAX, &v) != 0 ||
			    (uint64_t)v != info.seq) {
				rc = dbki_error_set(err, DBK_EINTEGRITY, "the bundle is "
				    "refused (E_SIGNATURE): the sender named inside is "
				    "not the one who signed it");
				goto out;
			}
			continue;
		}
		/* The last item is the sender's version vector. */
		if (cJSON_GetObjectItemCaseSensitive(o, "vector") != NULL) {
			if ((rc = vv_parse(o, &vec)) == DBK_ENOMEM) {
				rc = dbki_error_set(err, rc, "out of memory");
				goto out;
			}
			if (rc != 0) {
				rc = dbki_error_set(err, DBK_EFORMAT, "the bundle is "
				    "refused (E_FORMAT): its version vector is missing "
				    "or malformed");
				goto out;
			}
			gotvec = 1;
			continue;
		}
		{
			int handled;
			if ((rc = dbki_team_item(t, &ti, o, &handled, err)) != 0)
				goto out;
			if (handled)
				continue;
			if (cJSON_GetObjectItemCaseSensitive(o, "blob") != NULL) {
				int taken;
				if ((rc = dbki_evalrun_import_blob(t, o, &taken,
				    err)) != 0)
					goto out;
				if (!taken)
					x->rep->rejected++;
				continue;
			}
			if (cJSON_GetObjectItemCaseSensitive(o, "acks") != NULL) {
				if ((rc = acks_check(t, o, &x->rollback,
				    &x->acked_mine, &x->peer_resync, err)) != 0)
					goto out;
				continue;
			}
		}
		tn = jstr(o, "t");
		idt = jstr(o, "id");
		st = cJSON_GetObjectItemCaseSensitive(o, "s");
		/* A roster comes only through the roster commands. */
		if (tn == NULL || idt == NULL || !cJSON_IsObject(st) ||
		    dbk_type_parse(tn, &type) != 0 || type == DBK_T_MEMBER ||
		    dbk_id_parse(idt, &id) != 0) {
			x->rep->rejected++;
			continue;
		}
		if ((state = cJSON_PrintUnformatted(st)) == NULL) {
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
			goto out;
		}
		sp = state;
		sn = strlen(state);
merge:
		if ((++merged & 0xff) == 0) {
			uint64_t done, total;
			dbki_bundle_reader_progress(rd, &done, &total);
			dbki_progress(s, "import", done, total);
		}
		if (merged == 100)
			dbki_test_kill("mid-apply");
		rc = dbki_record_merge(t, type, &id, sp, sn, &mc, err);
		if (state != NULL)
			cJSON_free(state);
		if (rc == DBK_EINTEGRITY || rc == DBK_EINVAL || rc == DBK_EFORMAT) {
			/* A record that does not decode here: counted, left. */
			dbk_error_clear(err);
			x->rep->rejected++;
			rc = 0;
			continue;
		}
		if (rc != 0)
			goto out;
	}
	if (first) {
		rc = dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): it names no sender");
		goto out;
	}
	if (!gotvec) {
		rc = dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): its version vector is missing or malformed");
		goto out;
	}
	if (merged >= 0x100) {
		uint64_t done, total;
		dbki_bundle_reader_progress(rd, &done, &total);
		dbki_progress(s, "import", total, total);
	}
	if ((rc = dbki_team_finish(t, &ti, err)) != 0)
		goto out;
	if (ti.manager && ti.roster_newer &&
	    (rc = dbki_meta_put_u64(t, rsk, sizeof rsk, info.seq, err)) != 0)
		goto out;
	{
		uint64_t had;
		uint8_t k[DBKI_PEER_KEY];
		if ((rc = bmax_get(t, info.ed_pk, &had, err)) != 0)
			goto out;
		dbki_meta_peer_key(k, "bmax:", info.ed_pk);
		if (info.seq > had && (rc = dbki_meta_put_u64(t, k, sizeof k,
		    info.seq, err)) != 0)
			goto out;
	}
	/* Only a manager's word (or, outside a team, a roster member's)
	 * puts this store under a rollback: anyone else could freeze it
	 * with a made-up number. */
	if (s->team != NULL && !ti.manager)
		x->rollback = 0;
	if (x->rollback > s->rollback_seq) {
		if ((rc = dbki_meta_put_u64(t, "rollback", 8, x->rollback,
		    err)) != 0 ||
		    (rc = dbki_audit_append(t, "rollback-seen", 0, NULL, NULL, 0,
		    err)) != 0)
			goto out;
	} else {
		x->rollback = 0;
	}
	x->rep->rollback = x->rollback;
	x->rep->joined = ti.joined;
	if (ti.joined && s->team != NULL)
		snprintf(x->rep->team, sizeof x->rep->team, "%s", s->team);
	x->rep->key_received = ti.gained;
	x->rep->roster_changes = ti.roster_changes;
	{
		/* What the sender holds: the next export to them sends only
		 * what is newer. */
		uint8_t vk[35];
		memcpy(vk, "vv:", 3);
		memcpy(vk + 3, info.ed_pk, 32);
		if ((rc = dbki_put(t, DBI_META, vk, sizeof vk, vec.n ?
		    (const uint8_t *)vec.e : (const uint8_t *)"", vec.n * 16, 0,
		    err)) != 0)
			goto out;
	}
	if (x->peer_resync) {
		/* The sender was put back to an older copy: what its vector
		 * says it holds is not to be trusted, so the next export to
		 * it sends everything. */
		uint8_t vk[35];
		memcpy(vk, "vv:", 3);
		memcpy(vk + 3, info.ed_pk, 32);
		if ((rc = dbki_del(t, DBI_META, vk, sizeof vk, err)) != 0 &&
		    rc != DBK_ENOTFOUND)
			goto out;
		dbk_error_clear(err);
	}
	if (x->acked_mine != 0 && (rc = resync_done(t, info.ed_pk,
	    x->acked_mine, err)) != 0)
		goto out;
	dbki_test_kill("before-audit-append");
	if ((rc = dbki_put(t, DBI_META, rk, sizeof rk, info.id, 16, 0,
	    err)) != 0 ||
	    (rc = dbki_audit_append(t, "import-bundle", 0, NULL, NULL, 0,
	    err)) != 0)
		goto out;
	x->rep->added = mc.added;
	x->rep->updated = mc.updated;
	x->rep->conflicts = mc.conflicts;
	x->rep->tombstoned = mc.tombstoned;
	x->rep->quarantined = mc.quarantined;
	/* A dry run stops here: the transaction is abandoned. */
	if (x->dry_run)
		rc = 1;
out:
	free(vec.e);
	cJSON_Delete(o);
	dbki_bundle_reader_free(rd);
	return rc;
}

static int
equivocation_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct import_ctx *x = vctx;
	const char *ids[2] = { x->ids[0], x->ids[1] };

	return dbki_audit_append(t, "equivocation", 0, NULL, ids, 2, err);
}

int
dbk_import(struct dbk_store *s, const char *path, int dry_run,
    const char *trust_identity, struct dbk_import_report *report,
    struct dbk_error *err)
{
	struct import_ctx x;
	struct stat st;
	int fd, rc;

	memset(report, 0, sizeof *report);
	if (dbki_fault_io() || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return dbki_error_errno(err, errno == ENOENT ? DBK_ENOTFOUND :
		    DBK_EIO, "opening", path);
	/* The size before anything else; the reader holds a chunk and an
	 * item at a time, never the file. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > MAX_BUNDLE) {
		close(fd);
		return dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): '%s' is not a regular file of at most 2 GiB",
		    path);
	}
	memset(&x, 0, sizeof x);
	x.fd = fd;
	x.dry_run = dry_run;
	x.trust = trust_identity;
	x.rep = report;
	/* Imports go on after a rollback: they bring what teammates hold. */
	s->gate_open = 1;
	rc = dbk_store_write(s, import_txn, &x, err);
	s->gate_open = 0;
	if (rc == 0 && !dry_run && x.rollback > s->rollback_seq)
		s->rollback_seq = x.rollback;
	if (rc == 1 && dry_run)
		rc = 0;
	/* Two bundles under one (sender, sequence): both ids go to the
	 * audit trail, in a transaction of their own (R14). */
	if (x.equivocation && !dry_run) {
		struct dbk_error aerr = { 0 };
		s->gate_open = 1;
		if (dbk_store_write(s, equivocation_txn, &x, &aerr) != 0)
			dbk_error_clear(&aerr);	/* the refusal stands either way */
		s->gate_open = 0;
	}
	close(fd);
	return rc;
}
