/*
 * roster.c -- the team roster: member records signed by the store's own
 * identity key, their checks, and removal with a rotation of the
 * restricted key.
 *
 * Each member record's "sig" is the hex of an Ed25519 signature over
 *   "dbk-member-v1" NUL || record id (16)
 * then, for every other field in name order (_del, by, created,
 * identity, name, removed_at, restricted, role): name NUL || length
 * (u64 LE; all ones when absent) || bytes -- the layout of evalrun.c.
 * Signing with this store's key makes the roster its owner's view of
 * the team; a roster shared by a manager would be signed with theirs
 * (see SECURITY.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "internal.h"
#include "record_int.h"

#define IDENT_PREFIX "dbk1:"
#define IDENT_B64_LEN 86 /* unpadded base64 of 64 bytes: ceil(64 * 4 / 3) */

static const char *const signed_fields[] = { "_del", "by", "created",
	"identity", "name", "removed_at", "restricted", "role" };
#define NSIGNED (sizeof signed_fields / sizeof signed_fields[0])

static const char *const roles[] = { "member", "manager", "partner" };

/* ---- identities ---- */

int
dbk_identity_parse(const char *identity, uint8_t ed[32], uint8_t x[32],
    struct dbk_error *err)
{
	uint8_t both[64 + 3], curve[32], scalar[32], shared[32];
	size_t len = strlen(identity);
	const char *why = NULL;
	long n;

	if (len > 120) {
		return dbki_error_set(err, DBK_EINVAL, "invalid identity "
		    "'%.40s...' (%zu characters; an identity as 'dealbook "
		    "whoami' prints it has %d)", identity, len,
		    (int)(sizeof IDENT_PREFIX - 1) + IDENT_B64_LEN);
	}
	if (strncmp(identity, IDENT_PREFIX, sizeof IDENT_PREFIX - 1) != 0)
		why = "it does not start with 'dbk1:'";
	else if (len != sizeof IDENT_PREFIX - 1 + IDENT_B64_LEN)
		why = "wrong length: 'dbk1:' and 86 characters expected";
	else if ((n = dbki_b64_decode(both, sizeof both, identity + 5,
	    len - 5)) < 0 || n != 64)
		why = "not base64url";
	else if (crypto_sign_ed25519_pk_to_curve25519(curve, both) != 0)
		/* Refuses small-order points and points off the main
		 * subgroup, as well as bytes that are no point at all. */
		why = "its signing key is not a valid Ed25519 public key";
	else {
		/* A low-order X25519 key makes every shared secret zero:
		 * crypto_scalarmult says so by failing. */
		randombytes_buf(scalar, sizeof scalar);
		if (crypto_scalarmult(shared, scalar, both + 32) != 0)
			why = "its encryption key is a low-order X25519 point";
		sodium_memzero(scalar, sizeof scalar);
		sodium_memzero(shared, sizeof shared);
	}
	if (why != NULL)
		return dbki_error_set(err, DBK_EINVAL, "invalid identity '%s': "
		    "%s (copy it whole from the member's 'dealbook whoami')",
		    identity, why);
	if (ed != NULL)
		memcpy(ed, both, 32);
	if (x != NULL)
		memcpy(x, both + 32, 32);
	return 0;
}

/* ---- signatures ---- */

static int
signed_bytes(const struct dbk_record *r, struct dbki_buf *b)
{
	return dbki_record_signed_bytes(r, "dbk-member-v1", signed_fields,
	    NSIGNED, b);
}

/* Sign r as it is stored now and store the signature (r is updated). */
static int
sign_member(struct dbk_txn *t, struct dbk_record *r, struct dbk_error *err)
{
	struct dbki_buf sb;
	uint8_t sig[64];
	char hex[2 * 64 + 1];
	int rc;

	dbki_buf_init(&sb, (size_t)1 << 20);
	if (signed_bytes(r, &sb) != 0) {
		dbki_buf_free(&sb);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	crypto_sign_detached(sig, NULL, (const uint8_t *)sb.p, sb.len,
	    t->s->sec->ed_sk);
	dbki_buf_free(&sb);
	dbki_hex(hex, sig, sizeof sig);
	{
		struct dbk_field fs[] = { { "sig", hex } };
		rc = dbki_record_update_loaded(t, r, fs, 1, 1, NULL, err);
	}
	return rc;
}

/* 0 when r's signature is this store's over what r holds, -1 when it
 * is not, DBK_ENOMEM when there was no memory to tell. */
static int
check_member(const struct dbk_store *s, const struct dbk_record *r)
{
	const char *hex = dbk_record_str(r, "sig");
	struct dbki_buf sb;
	uint8_t sig[64];
	int rc;

	if (hex == NULL || dbki_unhex(sig, sizeof sig, hex) != 0)
		return -1;
	dbki_buf_init(&sb, (size_t)1 << 20);
	if (signed_bytes(r, &sb) != 0)
		rc = DBK_ENOMEM;
	else if (crypto_sign_verify_detached(sig, (const uint8_t *)sb.p,
	    sb.len, s->ed_pk) != 0)
		rc = -1;
	else
		rc = 0;
	dbki_buf_free(&sb);
	return rc;
}

/* ---- walking ---- */

/* Called for every member record, tombstones included, after its
 * signature held. */
typedef int (*raw_fn)(const struct dbk_record *r, void *ctx);

struct raw_walk {
	struct dbk_store *s;
	raw_fn fn;
	void *ctx;
	size_t n;
	struct dbk_error *err;
};

static int
raw_cb(struct dbk_record *r, void *vctx)
{
	struct raw_walk *w = vctx;
	int rc;

	w->n++;
	if ((rc = check_member(w->s, r)) == DBK_ENOMEM)
		return dbki_error_set(w->err, rc, "out of memory");
	if (rc != 0) {
		char hex[DBK_ID_HEX];
		const char *name = dbk_record_str(r, "name");
		dbk_id_format(dbk_record_id(r), hex);
		return dbki_error_set(w->err, DBK_EINTEGRITY, "member '%s' "
		    "(record %.8s) fails its signature check: the roster was "
		    "changed outside dealbook, so no key in it can be trusted",
		    name ? name : "?", hex);
	}
	return w->fn != NULL ? w->fn(r, w->ctx) : 0;
}

static int
walk_records(struct dbk_txn *t, raw_fn fn, void *ctx, size_t *count,
    struct dbk_error *err)
{
	struct raw_walk w = { t->s, fn, ctx, 0, err };
	int rc = dbki_record_walk(t, DBK_T_MEMBER, 1, raw_cb, &w, err);

	if (rc == 0 && count != NULL)
		*count = w.n;
	return rc;
}

int
dbk_roster_verify(struct dbk_txn *t, size_t *count, struct dbk_error *err)
{
	return walk_records(t, NULL, NULL, count, err);
}

static int64_t
secs_of(const char *v)
{
	int64_t x;

	return v != NULL && dbk_parse_int(v, 0, INT64_MAX, &x) == 0 ? x : 0;
}

struct walk_ctx {
	dbk_member_fn fn;
	void *ctx;
};

static int
walk_cb(const struct dbk_record *r, void *vctx)
{
	struct walk_ctx *w = vctx;
	struct dbk_member m;
	const char *rs = dbk_record_str(r, "restricted");

	if (dbk_record_deleted(r))
		return 0;
	memset(&m, 0, sizeof m);
	m.id = *dbk_record_id(r);
	m.name = dbk_record_str(r, "name");
	m.identity = dbk_record_str(r, "identity");
	m.role = dbk_record_str(r, "role");
	m.restricted = rs != NULL && strcmp(rs, "1") == 0;
	m.added = secs_of(dbk_record_str(r, "created"));
	m.added_by = dbk_record_str(r, "by");
	m.removed_at = secs_of(dbk_record_str(r, "removed_at"));
	if (m.role == NULL)
		m.role = "member";
	if (m.name == NULL || m.identity == NULL)
		return 0; /* signed, so ours: cannot happen */
	return w->fn(&m, w->ctx);
}

int
dbk_member_walk(struct dbk_txn *t, dbk_member_fn fn, void *ctx,
    struct dbk_error *err)
{
	struct walk_ctx w = { fn, ctx };

	return walk_records(t, walk_cb, &w, NULL, err);
}

/* ---- adding and removing ---- */

/* A trimmed copy of s (blanks, tabs, newlines at either end). */
static char *
trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return strndup(s, n);
}

static int
check_name(const char *name, struct dbk_error *err)
{
	size_t n = strlen(name);

	if (n == 0)
		return dbki_error_set(err, DBK_EINVAL,
		    "a member needs a name (it is empty)");
	if (n > DBK_MEMBER_NAME_MAX)
		return dbki_error_set(err, DBK_EINVAL, "member name '%.40s...' "
		    "is too long (%zu bytes; at most %d)", name, n,
		    DBK_MEMBER_NAME_MAX);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return dbki_error_set(err, DBK_EINVAL, "member name "
			    "'%s' contains a control character", name);
	return 0;
}

static int
role_valid(const char *role)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(role, roles[i]) == 0)
			return 1;
	return 0;
}

/* What add and remove look for among the records. */
struct find_ctx {
	const char *name;        /* a live member of this name */
	const uint8_t *ed, *x;   /* a live member with either key */
	struct dbk_id id;
	char *found_name;        /* the member matched (malloc'd) */
	int by_key;              /* matched on a key, not the name */
	int64_t removed_at;      /* a removed member of that name, latest */
};

static int
find_cb(const struct dbk_record *r, void *vctx)
{
	struct find_ctx *f = vctx;
	const char *name = dbk_record_str(r, "name");
	const char *ident = dbk_record_str(r, "identity");
	int64_t removed = secs_of(dbk_record_str(r, "removed_at"));
	uint8_t ed[32], x[32];

	if (dbk_record_deleted(r) || name == NULL || ident == NULL)
		return 0;
	if (removed != 0) {
		if (f->name != NULL && strcmp(name, f->name) == 0 &&
		    removed > f->removed_at)
			f->removed_at = removed;
		return 0;
	}
	if (f->name != NULL && strcmp(name, f->name) == 0) {
		f->by_key = 0;
	} else if (f->ed != NULL &&
	    dbk_identity_parse(ident, ed, x, NULL) == 0 &&
	    (sodium_memcmp(ed, f->ed, 32) == 0 ||
	    sodium_memcmp(x, f->x, 32) == 0)) {
		f->by_key = 1;
	} else {
		return 0;
	}
	f->id = *dbk_record_id(r);
	if ((f->found_name = strdup(name)) == NULL)
		return DBK_ENOMEM;
	return 1; /* stop: found */
}

/* 1 found (f filled), 0 not found, or a negative error. */
static int
find_member(struct dbk_txn *t, struct find_ctx *f, struct dbk_error *err)
{
	int rc = walk_records(t, find_cb, f, NULL, err);

	if (rc == DBK_ENOMEM)
		return dbki_error_set(err, rc, "out of memory");
	return rc;
}

int
dbk_member_add(struct dbk_txn *t, const char *name, const char *identity,
    const char *role, int restricted, struct dbk_id *out,
    struct dbk_error *err)
{
	struct find_ctx f;
	struct dbk_record *r = NULL;
	struct dbk_id id;
	uint8_t ed[32], x[32];
	char *nm = NULL, *ident = NULL;
	int rc;

	memset(&f, 0, sizeof f);
	if (role == NULL)
		role = "member";
	if ((nm = trimmed(name)) == NULL || (ident = trimmed(identity)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = check_name(nm, err)) != 0 ||
	    (rc = dbk_identity_parse(ident, ed, x, err)) != 0)
		goto out;
	if (!role_valid(role)) {
		rc = dbki_error_set(err, DBK_EINVAL, "invalid role '%s' "
		    "(expected member, manager or partner)", role);
		goto out;
	}
	if (sodium_memcmp(ed, t->s->ed_pk, 32) == 0 ||
	    sodium_memcmp(x, t->s->x_pk, 32) == 0) {
		rc = dbki_error_set(err, DBK_EINVAL, "that is you: identity "
		    "'%.16s...' is this store's own (member '%s'), which is on "
		    "the roster already", ident, t->s->member);
		goto out;
	}
	if (strcmp(nm, t->s->member) == 0) {
		rc = dbki_error_set(err, DBK_EINVAL, "that is you: '%s' is this "
		    "store's own member name; give the other member another "
		    "name", nm);
		goto out;
	}
	f.name = nm;
	f.ed = ed;
	f.x = x;
	if ((rc = find_member(t, &f, err)) < 0)
		goto out;
	if (rc == 1) {
		rc = f.by_key ?
		    dbki_error_set(err, DBK_EEXIST, "identity '%.16s...' is on "
		    "the roster already, as '%s'", ident, f.found_name) :
		    dbki_error_set(err, DBK_EEXIST, "a member named '%s' is on "
		    "the roster already", nm);
		goto out;
	}
	{
		struct dbk_field fl[] = {
			{ "name", nm }, { "identity", ident }, { "role", role },
			{ "restricted", restricted ? "1" : "0" },
		};
		if ((rc = dbki_record_create(t, DBK_T_MEMBER, fl,
		    sizeof fl / sizeof fl[0], 1, &id, err)) != 0)
			goto out;
	}
	/* Signed as stored: read back, so created and by are covered. */
	if ((rc = dbki_record_load(t, DBK_T_MEMBER, &id, &r, err)) != 0 ||
	    (rc = sign_member(t, r, err)) != 0)
		goto out;
	if (out != NULL)
		*out = id;
out:
	dbk_record_free(r);
	free(f.found_name);
	free(nm);
	free(ident);
	return rc;
}

int
dbk_member_remove(struct dbk_txn *t, const char *name, struct dbk_id *out,
    uint32_t *epoch, struct dbk_error *err)
{
	struct find_ctx f;
	struct dbk_record *r = NULL;
	char *nm = NULL, now[24];
	int rc;

	memset(&f, 0, sizeof f);
	if ((nm = trimmed(name)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (strcmp(nm, t->s->member) == 0) {
		rc = dbki_error_set(err, DBK_EINVAL, "that is you: '%s' is this "
		    "store's own member and cannot be removed from its roster",
		    nm);
		goto out;
	}
	/* In a team the roster and the key are the manager's: a member
	 * who rotated the key alone would split the team's epochs. */
	if (t->s->team != NULL && (t->s->team_role == NULL ||
	    strcmp(t->s->team_role, "manager") != 0)) {
		rc = dbki_error_set(err, DBK_EINVAL, "only a manager of team "
		    "'%s' removes members (this store's member '%s' is a %s)",
		    t->s->team, t->s->member,
		    t->s->team_role ? t->s->team_role : "member");
		goto out;
	}
	/* Nothing is trusted, or changed, on a roster that fails its
	 * check. */
	if ((rc = dbk_roster_verify(t, NULL, err)) != 0)
		goto out;
	f.name = nm;
	if ((rc = find_member(t, &f, err)) < 0)
		goto out;
	if (rc == 0) {
		char when[24];
		if (f.removed_at != 0) {
			int32_t day = (int32_t)(f.removed_at / 86400);
			dbk_format_date(day, when);
			rc = dbki_error_set(err, DBK_ENOTFOUND, "member '%s' was "
			    "removed already (on %s)", nm, when);
		} else {
			rc = dbki_error_set(err, DBK_ENOTFOUND, "no member named "
			    "'%s' on the roster ('dealbook member list' shows "
			    "them)", nm);
		}
		goto out;
	}
	/* The key first: a store that cannot rotate it removes nobody. */
	if ((rc = dbki_rkeys_rotate(t, epoch, err)) != 0)
		goto out;
	if ((rc = dbki_record_load(t, DBK_T_MEMBER, &f.id, &r, err)) != 0)
		goto out;
	snprintf(now, sizeof now, "@%" PRId64, dbki_now(t->s));
	{
		struct dbk_field fl[] = { { "removed_at", now } };
		if ((rc = dbki_record_update_loaded(t, r, fl, 1, 1, NULL,
		    err)) != 0)
			goto out;
	}
	if ((rc = sign_member(t, r, err)) != 0)
		goto out;
	if (out != NULL)
		*out = f.id;
out:
	dbk_record_free(r);
	free(f.found_name);
	free(nm);
	return rc;
}

/* ---- the manager's roster, arriving in a bundle ---- */

struct ident_find {
	const uint8_t *ed;
	struct dbk_id id;
	int found;
};

static int
ident_cb(const struct dbk_record *r, void *vctx)
{
	struct ident_find *f = vctx;
	const char *ident = dbk_record_str(r, "identity");
	uint8_t ed[32];

	if (dbk_record_deleted(r) || ident == NULL ||
	    dbk_identity_parse(ident, ed, NULL, NULL) != 0 ||
	    sodium_memcmp(ed, f->ed, 32) != 0)
		return 0;
	f->id = *dbk_record_id(r);
	f->found = 1;
	return 1;
}

/*
 * Set the member with this identity as the team's manager sent it (the
 * caller checked the sender may): name, role, restricted, removed_at
 * (Unix seconds; 0 while on the roster).  The member is matched by identity, so a member
 * this store added itself becomes the manager's; the record is signed
 * again with this store's key, which vouches for what it accepted.
 * *changed (may be NULL) says whether anything changed.
 */
int
dbki_member_put(struct dbk_txn *t, const char *identity, const char *name,
    const char *role, int restricted, int64_t removed_at, int *changed,
    struct dbk_error *err)
{
	struct ident_find f;
	struct dbk_record *r = NULL;
	uint8_t ed[32], x[32];
	int rc, upd = 0;
	const char *rs = restricted ? "1" : "0";
	char rat[24];

	if (changed != NULL)
		*changed = 0;
	if ((rc = dbk_identity_parse(identity, ed, x, err)) != 0 ||
	    (rc = check_name(name, err)) != 0)
		return rc;
	if (!role_valid(role))
		return dbki_error_set(err, DBK_EINVAL, "invalid role '%s' "
		    "(expected member, manager or partner)", role);
	if (removed_at < 0)
		return dbki_error_set(err, DBK_EINVAL, "invalid removal time");
	snprintf(rat, sizeof rat, "@%" PRId64, removed_at);
	/* Ourselves: the store's own member has no record. */
	if (sodium_memcmp(ed, t->s->ed_pk, 32) == 0)
		return 0;
	memset(&f, 0, sizeof f);
	f.ed = ed;
	if ((rc = walk_records(t, ident_cb, &f, NULL, err)) < 0)
		return rc;
	if (!f.found) {
		struct dbk_field fl[] = {
			{ "name", name }, { "identity", identity },
			{ "role", role }, { "restricted", rs },
		};
		if ((rc = dbki_record_create(t, DBK_T_MEMBER, fl,
		    sizeof fl / sizeof fl[0], 1, &f.id, err)) != 0)
			return rc;
		upd = 1;
	}
	if ((rc = dbki_record_load(t, DBK_T_MEMBER, &f.id, &r, err)) != 0)
		return rc;
	{
		struct dbk_field fl[4];
		size_t n = 0;
		const char *cur;
		if ((cur = dbk_record_str(r, "name")) == NULL ||
		    strcmp(cur, name) != 0)
			fl[n++] = (struct dbk_field){ "name", name };
		if ((cur = dbk_record_str(r, "role")) == NULL ||
		    strcmp(cur, role) != 0)
			fl[n++] = (struct dbk_field){ "role", role };
		if ((cur = dbk_record_str(r, "restricted")) == NULL ||
		    strcmp(cur, rs) != 0)
			fl[n++] = (struct dbk_field){ "restricted", rs };
		if (secs_of(dbk_record_str(r, "removed_at")) != removed_at)
			fl[n++] = (struct dbk_field){ "removed_at",
			    removed_at != 0 ? rat : "" };
		if (n > 0 && (rc = dbki_record_update_loaded(t, r, fl, n, 1,
		    NULL, err)) != 0)
			goto out;
		upd |= n > 0;
	}
	if (upd && (rc = sign_member(t, r, err)) != 0)
		goto out;
	if (changed != NULL)
		*changed = upd;
out:
	dbk_record_free(r);
	return rc;
}
