/*
 * team.c -- what a bundle carries besides records (docs/BUNDLE.md, "Team
 * items"): the team (id, name, the public halves of its restricted key),
 * the restricted key itself sealed to each recipient entitled to it, and
 * the manager's roster.  And joining: a store that imports its team's
 * first bundle takes the team id and keys and seals its own sensitive
 * values again under the team key, in the same transaction.
 *
 * Who may send what: anyone in the team sends the team item (public
 * halves); only a manager -- on the roster with role manager, or the
 * sender a store trusted (--trust) to found its team -- sends keys and
 * roster, and a bundle that carries them from anyone else is refused.
 * The bundle's signature already says who sent each item, so the items
 * carry no signature of their own.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dealbook/roster.h"
#include "internal.h"
#include "record_int.h"
#include "bundle.h"
#include "team.h"

#define KEY_ENTRY (4 + 32 + 32)

static int
item_json(struct dbki_buf *b, cJSON *o, struct dbk_error *err)
{
	char *txt = o != NULL ? cJSON_PrintUnformatted(o) : NULL;
	int rc = 0;

	if (txt != NULL)
		dbki_bundle_item(b, txt, strlen(txt));
	if (txt == NULL || b->oom)
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (txt != NULL) {
		sodium_memzero(txt, strlen(txt));
		cJSON_free(txt);
	}
	cJSON_Delete(o);
	return rc;
}

int
dbki_team_member(const struct dbk_store *s)
{
	return s->team != NULL;
}

int
dbki_team_manager(const struct dbk_store *s)
{
	return s->team != NULL && s->team_role != NULL &&
	    strcmp(s->team_role, "manager") == 0;
}

/* ---- export ---- */

/* {"team":{"current":"N","epochs":[["1","<pk hex>"],...],"id":"…","name":"…"}} */
static int
team_item(struct dbk_store *s, struct dbki_buf *b, struct dbk_error *err)
{
	cJSON *o = cJSON_CreateObject(), *tm, *ep;
	char hex[65], num[16];

	if (o == NULL || (tm = cJSON_AddObjectToObject(o, "team")) == NULL)
		goto nomem;
	snprintf(num, sizeof num, "%" PRIu32, s->rk_current);
	if (cJSON_AddStringToObject(tm, "current", num) == NULL ||
	    (ep = cJSON_AddArrayToObject(tm, "epochs")) == NULL)
		goto nomem;
	for (size_t i = 0; i < s->nrkeys; i++) {
		cJSON *e;
		if (s->rkeys[i].epoch == 0)
			continue;
		snprintf(num, sizeof num, "%" PRIu32, s->rkeys[i].epoch);
		dbki_hex(hex, s->rkeys[i].pk, 32);
		if ((e = cJSON_CreateArray()) == NULL ||
		    !cJSON_AddItemToArray(ep, e) ||
		    !cJSON_AddItemToArray(e, cJSON_CreateString(num)) ||
		    !cJSON_AddItemToArray(e, cJSON_CreateString(hex)))
			goto nomem;
	}
	dbki_hex(hex, s->team_id, 16);
	if (cJSON_AddStringToObject(tm, "id", hex) == NULL ||
	    cJSON_AddStringToObject(tm, "name", s->team) == NULL)
		goto nomem;
	return item_json(b, o, err);
nomem:
	cJSON_Delete(o);
	return dbki_error_set(err, DBK_ENOMEM, "out of memory");
}

/* {"keys":"<base64url sealed box>","to":"<key id hex>"}: the team id and
 * every team epoch with its secret, sealed to one recipient. */
static int
keys_item(struct dbk_store *s, const uint8_t x[32], struct dbki_buf *b,
    struct dbk_error *err)
{
	size_t n = 0, len, off = 20;
	uint8_t *pt, *ct = NULL, kid[8];
	char khex[17], *b64 = NULL;
	cJSON *o;
	int rc;

	for (size_t i = 0; i < s->nrkeys; i++)
		if (s->rkeys[i].epoch != 0 && s->rkeys[i].has_sk)
			n++;
	if (n == 0)
		return 0;
	len = 20 + n * KEY_ENTRY;
	if ((pt = sodium_malloc(len)) == NULL ||
	    (ct = malloc(len + crypto_box_SEALBYTES)) == NULL) {
		sodium_free(pt);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	memcpy(pt, s->team_id, 16);
	dbki_le32(pt + 16, (uint32_t)n);
	for (size_t i = 0; i < s->nrkeys; i++) {
		if (s->rkeys[i].epoch == 0 || !s->rkeys[i].has_sk)
			continue;
		dbki_le32(pt + off, s->rkeys[i].epoch);
		memcpy(pt + off + 4, s->rkeys[i].pk, 32);
		memcpy(pt + off + 36, s->rkeys[i].sk, 32);
		off += KEY_ENTRY;
	}
	rc = crypto_box_seal(ct, pt, len, x);
	sodium_free(pt);
	if (rc != 0 || (b64 = dbki_b64_encode(ct, len +
	    crypto_box_SEALBYTES)) == NULL) {
		free(ct);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	free(ct);
	dbki_bundle_keyid(x, kid);
	dbki_hex(khex, kid, 8);
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "keys", b64) == NULL ||
	    cJSON_AddStringToObject(o, "to", khex) == NULL) {
		cJSON_Delete(o);
		free(b64);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	free(b64);
	return item_json(b, o, err);
}

/* {"member":{"identity":…,"name":…,"removed_at":"0","restricted":"1","role":…}} */
static int
member_item(struct dbki_buf *b, const char *identity, const char *name,
    int64_t removed_at, int restricted, const char *role,
    struct dbk_error *err)
{
	cJSON *o = cJSON_CreateObject(), *m;
	char ra[24];

	snprintf(ra, sizeof ra, "%" PRId64, removed_at);
	if (o == NULL || (m = cJSON_AddObjectToObject(o, "member")) == NULL ||
	    cJSON_AddStringToObject(m, "identity", identity) == NULL ||
	    cJSON_AddStringToObject(m, "name", name) == NULL ||
	    cJSON_AddStringToObject(m, "removed_at", ra) == NULL ||
	    cJSON_AddStringToObject(m, "restricted", restricted ? "1" : "0") ==
	    NULL || cJSON_AddStringToObject(m, "role", role) == NULL) {
		cJSON_Delete(o);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	return item_json(b, o, err);
}

struct roster_out {
	struct dbki_buf *b;
	struct dbk_error *err;
};

static int
roster_cb(const struct dbk_member *m, void *vctx)
{
	struct roster_out *ro = vctx;

	return member_item(ro->b, m->identity, m->name, m->removed_at,
	    m->restricted, m->role, ro->err);
}

int
dbki_team_export(struct dbk_txn *t, const struct dbki_team_rcpt *rc_,
    size_t n, struct dbki_buf *b, struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	struct roster_out ro = { b, err };
	char *me;
	int rc;

	if (!dbki_team_member(s))
		return 0;
	if ((rc = team_item(s, b, err)) != 0)
		return rc;
	if (!dbki_team_manager(s))
		return 0;
	/* The key goes only to the members the roster says may hold it;
	 * a removed member is no recipient at all. */
	for (size_t i = 0; i < n; i++)
		if (rc_[i].restricted &&
		    (rc = keys_item(s, rc_[i].x, b, err)) != 0)
			return rc;
	if ((me = dbk_store_identity(s)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	rc = member_item(b, me, s->member, 0, s->restricted_access, "manager",
	    err);
	free(me);
	if (rc != 0)
		return rc;
	return dbk_member_walk(t, roster_cb, &ro, err);
}

/* ---- import ---- */

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

static int
refuse(struct dbk_error *err, const struct dbki_team_in *ti, const char *what)
{
	return dbki_error_set(err, DBK_EINTEGRITY, "the bundle is refused: it "
	    "carries %s, and its sender '%s' is not a manager of the team",
	    what, ti->sender_name);
}

static int
apply_team(struct dbk_txn *t, struct dbki_team_in *ti, const cJSON *tm,
    struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	const char *id = jstr(tm, "id"), *name = jstr(tm, "name");
	const cJSON *ep = cJSON_GetObjectItemCaseSensitive(tm, "epochs"), *e;
	struct dbki_rkey *keys = NULL;
	size_t n = 0, cap;
	uint8_t tid[16];
	int rc;

	if (ti->saw_team)
		return dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): it names its team twice");
	ti->saw_team = 1;
	if (id == NULL || dbki_unhex(tid, 16, id) != 0 || name == NULL ||
	    !cJSON_IsArray(ep) || (cap = (size_t)cJSON_GetArraySize(ep)) >
	    65536 || sodium_is_zero(tid, 16))
		return dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): its team item is malformed");
	if (memcmp(tid, ti->hdr_team, 16) != 0)
		return dbki_error_set(err, DBK_EINTEGRITY, "the bundle is "
		    "refused (E_SIGNATURE): the team named inside is not the "
		    "one in its header");
	memcpy(ti->team_id, tid, 16);
	if (s->team != NULL && memcmp(s->team_id, tid, 16) != 0)
		return dbki_error_set(err, DBK_EINTEGRITY, "the bundle is "
		    "refused: it comes from team '%s', and this store belongs "
		    "to team '%s'", name, s->team);
	/* New epochs only from a manager: a public half planted by anyone
	 * else would have members seal their budgets to a key its planter
	 * holds. */
	if (!ti->manager)
		return 0;
	if (s->team == NULL) {
		/* Joining: from the team's manager, or the sender trusted to
		 * be it. */
		if ((rc = dbki_team_config(t, name, "member", err)) != 0)
			return rc;
		ti->joined = 1;
	}
	if (cap > 0 && (keys = sodium_allocarray(cap, sizeof *keys)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of secure memory");
	cJSON_ArrayForEach(e, ep) {
		const cJSON *a = cJSON_GetArrayItem(e, 0);
		const cJSON *p = cJSON_GetArrayItem(e, 1);
		int64_t v;
		if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 ||
		    !cJSON_IsString(a) || !cJSON_IsString(p) ||
		    dbk_parse_int(a->valuestring, 1, UINT32_MAX, &v) != 0 ||
		    dbki_unhex(keys[n].pk, 32, p->valuestring) != 0) {
			sodium_free(keys);
			return dbki_error_set(err, DBK_EFORMAT, "the bundle is "
			    "refused (E_FORMAT): its team item is malformed");
		}
		keys[n].epoch = (uint32_t)v;
		keys[n].has_sk = 0;
		n++;
	}
	rc = dbki_rkeys_adopt(t, tid, keys, n, NULL, err);
	sodium_free(keys);
	return rc;
}

static int
apply_keys(struct dbk_txn *t, struct dbki_team_in *ti, const cJSON *o,
    struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	const char *to = jstr(o, "to"), *b64 = jstr(o, "keys");
	uint8_t kid[8], want[8], *ct = NULL, *pt = NULL;
	struct dbki_rkey *keys = NULL;
	size_t len, n;
	long got;
	int rc;

	if (to == NULL || b64 == NULL || dbki_unhex(kid, 8, to) != 0)
		return dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): a key item is malformed");
	if (!ti->manager)
		return refuse(err, ti, "the restricted key");
	dbki_bundle_keyid(s->x_pk, want);
	if (memcmp(kid, want, 8) != 0)
		return 0;	/* someone else's */
	if (!ti->saw_team || s->team == NULL)
		return dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): a key item comes before its team item");
	len = strlen(b64);
	if (len > 8 * 1024 * 1024 || (ct = malloc(len)) == NULL)
		return dbki_error_set(err, len > 8 * 1024 * 1024 ? DBK_EFORMAT :
		    DBK_ENOMEM, "the bundle's key item is too large");
	got = dbki_b64_decode(ct, len, b64, len);
	if (got < (long)(crypto_box_SEALBYTES + 20) ||
	    ((size_t)got - crypto_box_SEALBYTES - 20) % KEY_ENTRY != 0) {
		free(ct);
		return dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): a key item is malformed");
	}
	len = (size_t)got - crypto_box_SEALBYTES;
	if ((pt = sodium_malloc(len)) == NULL) {
		free(ct);
		return dbki_error_set(err, DBK_ENOMEM, "out of secure memory");
	}
	dbki_keys_open(s);
	rc = crypto_box_seal_open(pt, ct, (size_t)got, s->x_pk, s->sec->x_sk);
	free(ct);
	if (rc != 0 || memcmp(pt, ti->team_id, 16) != 0 ||
	    (n = dbki_rd_le32(pt + 16)) != (len - 20) / KEY_ENTRY || n == 0) {
		sodium_free(pt);
		return dbki_error_set(err, DBK_EINTEGRITY, "the bundle is "
		    "refused (E_PAYLOAD): the restricted key sealed to this "
		    "store does not open or is not its team's");
	}
	if ((keys = sodium_allocarray(n, sizeof *keys)) == NULL) {
		sodium_free(pt);
		return dbki_error_set(err, DBK_ENOMEM, "out of secure memory");
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = pt + 20 + i * KEY_ENTRY;
		keys[i].epoch = dbki_rd_le32(p);
		keys[i].has_sk = 1;
		memcpy(keys[i].pk, p + 4, 32);
		memcpy(keys[i].sk, p + 36, 32);
	}
	sodium_free(pt);
	rc = dbki_rkeys_adopt(t, ti->team_id, keys, n, &ti->gained, err);
	sodium_free(keys);
	return rc;
}

static int
apply_member(struct dbk_txn *t, struct dbki_team_in *ti, const cJSON *m,
    struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	const char *ident = jstr(m, "identity"), *name = jstr(m, "name");
	const char *ra = jstr(m, "removed_at"), *rs = jstr(m, "restricted");
	const char *role = jstr(m, "role");
	uint8_t ed[32];
	int64_t removed;
	int rc, changed = 0;

	if (!cJSON_IsObject(m) || ident == NULL || name == NULL || ra == NULL ||
	    rs == NULL || role == NULL ||
	    dbk_parse_int(ra, 0, INT64_MAX, &removed) != 0 ||
	    (strcmp(rs, "0") != 0 && strcmp(rs, "1") != 0) ||
	    dbk_identity_parse(ident, ed, NULL, NULL) != 0)
		return dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): a roster item is malformed");
	if (!ti->manager)
		return refuse(err, ti, "roster changes");
	/* A roster is a whole snapshot: only the manager's newest applies,
	 * so an older bundle arriving late changes nothing (R13). */
	if (!ti->roster_newer || s->team == NULL)
		return 0;
	if (sodium_memcmp(ed, s->ed_pk, 32) == 0) {
		/* This store's own entry: its role in the team. */
		if (removed == 0 && (s->team_role == NULL ||
		    strcmp(s->team_role, role) != 0))
			return dbki_team_config(t, NULL, role, err);
		return 0;
	}
	if ((rc = dbki_member_put(t, ident, name, role, rs[0] == '1', removed,
	    &changed, err)) != 0)
		return rc;
	ti->roster_changes += changed;
	return 0;
}

int
dbki_team_item(struct dbk_txn *t, struct dbki_team_in *ti, const cJSON *o,
    int *handled, struct dbk_error *err)
{
	const cJSON *x;

	*handled = 1;
	if ((x = cJSON_GetObjectItemCaseSensitive(o, "team")) != NULL)
		return cJSON_IsObject(x) ? apply_team(t, ti, x, err) :
		    dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): its team item is malformed");
	if (cJSON_GetObjectItemCaseSensitive(o, "keys") != NULL)
		return apply_keys(t, ti, o, err);
	if ((x = cJSON_GetObjectItemCaseSensitive(o, "member")) != NULL)
		return apply_member(t, ti, x, err);
	*handled = 0;
	return 0;
}

/* ---- joining: this store's own values under the team key ---- */

struct reseal_walk {
	struct dbk_id *ids;
	size_t n, cap;
};

static int
reseal_cb(struct dbk_record *r, void *vctx)
{
	struct reseal_walk *w = vctx;

	for (size_t i = 0; i < r->n; i++) {
		const char *v = r->f[i].sealed;
		if (v == NULL || (strncmp(v, "R1.0.", 5) != 0 &&
		    strncmp(v, "S1.0.", 5) != 0))
			continue;
		if (w->n == w->cap) {
			size_t nc = w->cap ? w->cap * 2 : 64;
			struct dbk_id *ni = realloc(w->ids, nc * sizeof *ni);
			if (ni == NULL)
				return DBK_ENOMEM;
			w->ids = ni;
			w->cap = nc;
		}
		w->ids[w->n++] = r->id;
		break;
	}
	return 0;
}

int
dbki_team_finish(struct dbk_txn *t, struct dbki_team_in *ti,
    struct dbk_error *err)
{
	struct reseal_walk w = { NULL, 0, 0 };
	int rc = 0;

	if (!ti->joined)
		return 0;
	/* Every type that has a sensitive field. */
	for (int ty = 1; ty <= DBK_T_MAX && rc == 0; ty++) {
		size_t nf;
		const struct dbk_fielddef *fd = dbk_type_fields(
		    (enum dbk_type)ty, &nf);
		/* Custom fields may be sensitive too. */
		int any = dbk_custom_type_ok((enum dbk_type)ty);
		for (size_t i = 0; fd != NULL && i < nf; i++)
			any |= (fd[i].flags & DBK_F_SENSITIVE) != 0;
		if (!any)
			continue;
		w.n = 0;
		rc = dbki_record_walk(t, (enum dbk_type)ty, 1, reseal_cb, &w,
		    err);
		if (rc == DBK_ENOMEM)
			rc = dbki_error_set(err, rc, "out of memory");
		for (size_t i = 0; rc == 0 && i < w.n; i++)
			rc = dbki_record_reseal(t, (enum dbk_type)ty, &w.ids[i],
			    err);
		ti->resealed += w.n;
	}
	free(w.ids);
	if (rc == 0)
		rc = dbki_audit_append(t, "team-join", 0, NULL, NULL, 0, err);
	return rc;
}
