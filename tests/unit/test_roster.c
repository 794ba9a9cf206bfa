/*
 * test_roster.c -- unit tests for src/lib/roster.c (and the rotation of
 * the restricted key in store.c): adding, listing and removing members,
 * duplicate names and identities, this store's own identity, malformed
 * identities, names and roles, the key rotation on removal (a new epoch
 * for new values, older values still open, nothing left in memory when
 * the transaction aborts), and the signature check catching a member
 * changed, cloned, tombstoned or un-removed behind the API's back.
 */
#include "testutil.h"

#include <inttypes.h>

#include "record_int.h"

/* ---- identities for other members ---- */

/* "dbk1:" + base64url(ed || x), as dbk_store_identity makes it. */
static char *
ident_of(const uint8_t ed[32], const uint8_t x[32])
{
	uint8_t both[64];
	char *b64, *out = NULL;

	memcpy(both, ed, 32);
	memcpy(both + 32, x, 32);
	b64 = dbki_b64_encode(both, sizeof both);
	assert_non_null(b64);
	assert_true(asprintf(&out, "dbk1:%s", b64) > 0);
	free(b64);
	return out;
}

/* A fresh identity, as another member's `init` would make; valid until
 * 16 more have been made. */
static const char *
new_ident(void)
{
	static char ring[16][100];
	static size_t next;
	uint8_t ed[32], edsk[64], x[32], xsk[32];
	char *id;

	crypto_sign_keypair(ed, edsk);
	crypto_box_keypair(x, xsk);
	sodium_memzero(edsk, sizeof edsk);
	sodium_memzero(xsk, sizeof xsk);
	id = ident_of(ed, x);
	next = (next + 1) % 16;
	snprintf(ring[next], sizeof ring[next], "%s", id);
	free(id);
	return ring[next];
}

static void
decode_ident(const char *ident, uint8_t ed[32], uint8_t x[32])
{
	uint8_t both[66];

	assert_int_equal(dbki_b64_decode(both, sizeof both, ident + 5,
	    strlen(ident + 5)), 64);
	memcpy(ed, both, 32);
	memcpy(x, both + 32, 32);
}

static int
setup(void **state)
{
	struct tu_store *ts;

	if ((ts = calloc(1, sizeof *ts)) == NULL)
		return -1;
	/* A team store: restricted key epoch 1. */
	tu_store_new(ts, "華東銷售");
	dbk_store_set_clock(ts->s, TU_NOW);
	*state = ts;
	return 0;
}

/* ---- helpers, each in its own transaction ---- */

static int
add(struct dbk_store *s, const char *name, const char *ident,
    const char *role, int restricted, struct dbk_id *id,
    struct dbk_error *err)
{
	struct dbk_txn *t = tu_begin(s, 1);
	int rc = dbk_member_add(t, name, ident, role, restricted, id, err);

	if (rc == 0)
		tu_commit(t);
	else
		dbk_txn_abort(t);
	return rc;
}

static int
rm(struct dbk_store *s, const char *name, uint32_t *epoch,
    struct dbk_error *err)
{
	struct dbk_txn *t = tu_begin(s, 1);
	int rc = dbk_member_remove(t, name, NULL, epoch, err);

	if (rc == 0)
		tu_commit(t);
	else
		dbk_txn_abort(t);
	return rc;
}

static int
verify(struct dbk_store *s, size_t *count, struct dbk_error *err)
{
	struct dbk_txn *t = tu_begin(s, 0);
	int rc = dbk_roster_verify(t, count, err);

	dbk_txn_abort(t);
	return rc;
}

/* What the walk saw, copied out. */
#define MAXM 8
struct seen {
	size_t n;
	char name[MAXM][64], ident[MAXM][100], role[MAXM][16];
	int restricted[MAXM];
	int64_t added[MAXM], removed[MAXM];
};

static int
seen_cb(const struct dbk_member *m, void *vctx)
{
	struct seen *w = vctx;

	assert_true(w->n < MAXM);
	snprintf(w->name[w->n], 64, "%s", m->name);
	snprintf(w->ident[w->n], 100, "%s", m->identity);
	snprintf(w->role[w->n], 16, "%s", m->role);
	w->restricted[w->n] = m->restricted;
	w->added[w->n] = m->added;
	w->removed[w->n] = m->removed_at;
	assert_string_equal(m->added_by, TU_MEMBER);
	w->n++;
	return 0;
}

static void
walk(struct dbk_store *s, struct seen *w)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = tu_begin(s, 0);

	memset(w, 0, sizeof *w);
	TU_OK(dbk_member_walk(t, seen_cb, w, &err), &err);
	dbk_txn_abort(t);
}

/* ---- add, list, remove ---- */

static void
test_add_list_remove(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	const char *a = new_ident(), *b = new_ident();
	struct dbk_id ida, idb;
	struct seen w;
	size_t n = 0;
	uint32_t epoch = 0;

	TU_OK(add(ts->s, "李娜", a, "manager", 1, &ida, &err), &err);
	/* Role defaults to member; blanks around name and identity go.
	 * Ids (so the walk) follow the clock to the millisecond: each add
	 * gets its own second. */
	dbk_store_set_clock(ts->s, TU_NOW + 1);
	{
		char *padded = NULL;
		assert_true(asprintf(&padded, "  %s\n", b) > 0);
		TU_OK(add(ts->s, " 趙六\t", padded, NULL, 0, &idb, &err), &err);
		free(padded);
	}
	walk(ts->s, &w);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.name[0], "李娜");
	assert_string_equal(w.ident[0], a);
	assert_string_equal(w.role[0], "manager");
	assert_int_equal(w.restricted[0], 1);
	assert_int_equal(w.added[0], TU_NOW);
	assert_int_equal(w.removed[0], 0);
	assert_string_equal(w.name[1], "趙六");
	assert_string_equal(w.ident[1], b);
	assert_string_equal(w.role[1], "member");
	assert_int_equal(w.restricted[1], 0);
	assert_int_equal(w.added[1], TU_NOW + 1);
	TU_OK(verify(ts->s, &n, &err), &err);
	assert_int_equal(n, 2);

	/* Removal keeps the record, stamped; the key moves from 1 to 2. */
	dbk_store_set_clock(ts->s, TU_NOW + 60);
	TU_OK(rm(ts->s, "李娜", &epoch, &err), &err);
	assert_int_equal(epoch, 2);
	walk(ts->s, &w);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.name[0], "李娜");
	assert_int_equal(w.removed[0], TU_NOW + 60);
	assert_int_equal(w.removed[1], 0);
	TU_OK(verify(ts->s, &n, &err), &err);
	assert_int_equal(n, 2);

	/* Gone from the roster: a second removal is "not found". */
	TU_FAILS(rm(ts->s, "李娜", NULL, &err), DBK_ENOTFOUND, &err);
	assert_non_null(strstr(err.msg, "removed already"));
	dbk_error_clear(&err);
	TU_FAILS(rm(ts->s, "王五", NULL, &err), DBK_ENOTFOUND, &err);
	assert_non_null(strstr(err.msg, "王五"));
	dbk_error_clear(&err);
	/* Names match exactly (after trimming): case counts. */
	dbk_store_set_clock(ts->s, TU_NOW + 120);
	TU_OK(add(ts->s, "Anna", new_ident(), NULL, 0, NULL, &err), &err);
	TU_FAILS(rm(ts->s, "anna", NULL, &err), DBK_ENOTFOUND, &err);
	dbk_error_clear(&err);
	TU_OK(rm(ts->s, " Anna ", NULL, &err), &err);

	/* A removed name and identity may come back, as a new record. */
	dbk_store_set_clock(ts->s, TU_NOW + 180);
	TU_OK(add(ts->s, "李娜", a, NULL, 0, NULL, &err), &err);
	walk(ts->s, &w);
	assert_int_equal(w.n, 4);
	assert_string_equal(w.name[3], "李娜");
	assert_int_equal(w.removed[3], 0);
}

static void
test_duplicates(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	const char *a = new_ident(), *b = new_ident();
	char *mixed;
	uint8_t eda[32], xa[32], edb[32], xb[32];

	TU_OK(add(ts->s, "李娜", a, NULL, 1, NULL, &err), &err);
	/* The same name again, whatever the identity. */
	TU_FAILS(add(ts->s, "李娜", b, NULL, 0, NULL, &err), DBK_EEXIST, &err);
	assert_non_null(strstr(err.msg, "李娜"));
	dbk_error_clear(&err);
	/* The same identity under another name: the message names the
	 * member who has it. */
	TU_FAILS(add(ts->s, "Lina", a, NULL, 0, NULL, &err), DBK_EEXIST, &err);
	assert_non_null(strstr(err.msg, "as '李娜'"));
	dbk_error_clear(&err);
	/* Either half alone is enough to be the same member: b's signing
	 * key with a's encryption key, and the other way round. */
	decode_ident(a, eda, xa);
	decode_ident(b, edb, xb);
	mixed = ident_of(edb, xa);
	TU_FAILS(add(ts->s, "X", mixed, NULL, 0, NULL, &err), DBK_EEXIST, &err);
	dbk_error_clear(&err);
	free(mixed);
	mixed = ident_of(eda, xb);
	TU_FAILS(add(ts->s, "X", mixed, NULL, 0, NULL, &err), DBK_EEXIST, &err);
	dbk_error_clear(&err);
	free(mixed);
	/* A name differing only in case is another name. */
	TU_OK(add(ts->s, "lina", b, NULL, 0, NULL, &err), &err);
}

static void
test_own_identity(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	char *mine = dbk_store_identity(ts->s), *half;
	const char *other = new_ident();
	uint8_t ed[32], x[32], ed2[32], x2[32];
	size_t n = 99;

	assert_non_null(mine);
	TU_FAILS(add(ts->s, "me", mine, NULL, 0, NULL, &err), DBK_EINVAL, &err);
	assert_non_null(strstr(err.msg, "that is you"));
	dbk_error_clear(&err);
	/* Half of it is still this store. */
	decode_ident(mine, ed, x);
	decode_ident(other, ed2, x2);
	half = ident_of(ed, x2);
	TU_FAILS(add(ts->s, "me", half, NULL, 0, NULL, &err), DBK_EINVAL, &err);
	dbk_error_clear(&err);
	free(half);
	/* This store's own member name is taken by this store. */
	TU_FAILS(add(ts->s, TU_MEMBER, other, NULL, 0, NULL, &err), DBK_EINVAL,
	    &err);
	assert_non_null(strstr(err.msg, "that is you"));
	dbk_error_clear(&err);
	TU_FAILS(rm(ts->s, TU_MEMBER, NULL, &err), DBK_EINVAL, &err);
	dbk_error_clear(&err);
	TU_OK(verify(ts->s, &n, &err), &err);
	assert_int_equal(n, 0);
	free(mine);
}

/* Base64url of 64 bytes: the first 32 as given, the rest a valid X25519
 * key. */
static char *
with_ed(const uint8_t ed[32])
{
	uint8_t x[32], xsk[32];

	crypto_box_keypair(x, xsk);
	return ident_of(ed, x);
}

static void
test_bad_identities(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	const char *good = new_ident();
	char buf[128];
	uint8_t ed[32] = { 0 }, x[32];
	/* A point of order 8 (the torsion subgroup), from libsodium's list
	 * of small-order encodings. */
	static const uint8_t order8[32] = {
		0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3,
		0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05,
		0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
		0xfc, 0x05 };
	struct bad_case { const char *what, *ident, *why; } cases[8];
	size_t nc = 0;

	/* Wrong prefix: the same 86 characters after "dbk2:". */
	snprintf(buf, sizeof buf, "dbk2:%s", good + 5);
	cases[nc++] = (struct bad_case){ "prefix", strdup(buf), "dbk1:" };
	/* Not base64url: '+' is standard base64, not the URL alphabet. */
	snprintf(buf, sizeof buf, "%s", good);
	buf[10] = '+';
	cases[nc++] = (struct bad_case){ "base64", strdup(buf), "base64url" };
	/* One character short (85) and one too many (87). */
	snprintf(buf, sizeof buf, "%.90s", good);
	cases[nc++] = (struct bad_case){ "short", strdup(buf), "length" };
	snprintf(buf, sizeof buf, "%sA", good);
	cases[nc++] = (struct bad_case){ "long", strdup(buf), "length" };
	cases[nc++] = (struct bad_case){ "empty", strdup(""), "dbk1:" };
	/* y = 2: (y^2 - 1) / (d y^2 + 1) is not a square mod 2^255 - 19
	 * (its Legendre symbol is -1), so no x exists: not a point. */
	ed[0] = 2;
	cases[nc++] = (struct bad_case){ "not a point", with_ed(ed),
	    "Ed25519" };
	cases[nc++] = (struct bad_case){ "order 8", with_ed(order8),
	    "Ed25519" };
	/* A valid signing key with an all-zero encryption key: X25519's
	 * point of order 1, every shared secret zero. */
	decode_ident(good, ed, x);
	memset(x, 0, sizeof x);
	cases[nc++] = (struct bad_case){ "x25519 zero", ident_of(ed, x),
	    "low-order" };

	for (size_t i = 0; i < nc; i++) {
		int rc = add(ts->s, "X", cases[i].ident, NULL, 0, NULL, &err);
		if (rc != DBK_EINVAL || err.msg == NULL ||
		    strstr(err.msg, cases[i].why) == NULL)
			fail_msg("%s: rc %d, %s", cases[i].what, rc,
			    err.msg ? err.msg : "(no message)");
		assert_non_null(strstr(err.msg, "invalid identity"));
		dbk_error_clear(&err);
		free((char *)cases[i].ident);
	}
	/* The parser alone agrees, and hands back both keys of a good one. */
	{
		uint8_t e2[32], x2[32];
		decode_ident(good, ed, x);
		TU_OK(dbk_identity_parse(good, e2, x2, &err), &err);
		assert_memory_equal(e2, ed, 32);
		assert_memory_equal(x2, x, 32);
	}
	/* Names and roles. */
	TU_FAILS(add(ts->s, "  ", good, NULL, 0, NULL, &err), DBK_EINVAL, &err);
	dbk_error_clear(&err);
	TU_FAILS(add(ts->s, "a\001b", good, NULL, 0, NULL, &err), DBK_EINVAL,
	    &err);
	dbk_error_clear(&err);
	{
		char *longname = malloc(DBK_MEMBER_NAME_MAX + 2);
		assert_non_null(longname);
		memset(longname, 'n', DBK_MEMBER_NAME_MAX + 1);
		longname[DBK_MEMBER_NAME_MAX + 1] = '\0';
		TU_FAILS(add(ts->s, longname, good, NULL, 0, NULL, &err),
		    DBK_EINVAL, &err);
		dbk_error_clear(&err);
		longname[DBK_MEMBER_NAME_MAX] = '\0'; /* exactly the maximum */
		TU_OK(add(ts->s, longname, good, NULL, 0, NULL, &err), &err);
		free(longname);
	}
	TU_FAILS(add(ts->s, "Y", new_ident(), "boss", 0, NULL, &err),
	    DBK_EINVAL, &err);
	assert_non_null(strstr(err.msg, "'boss'"));
	dbk_error_clear(&err);
	TU_FAILS(add(ts->s, "Y", new_ident(), "Manager", 0, NULL, &err),
	    DBK_EINVAL, &err);
	dbk_error_clear(&err);
}

/* ---- the restricted key ---- */

static struct dbk_id
add_customer(struct dbk_store *s, const char *name, const char *budget)
{
	struct dbk_error err = { 0 };
	struct dbk_field f[] = { { "name", name }, { "budget", budget } };
	struct dbk_txn *t = tu_begin(s, 1);
	struct dbk_id id;

	TU_OK(dbk_customer_add(t, f, 2, &id, &err), &err);
	tu_commit(t);
	return id;
}

/* The stored (sealed) form of a sensitive field, and its plain value. */
static void
sealed_of(struct dbk_store *s, const struct dbk_id *id, const char *field,
    char *sealed, size_t cap, char *plain, size_t pcap)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = tu_begin(s, 0);
	struct dbk_record *r = NULL;
	const char *v = NULL;

	TU_OK(dbk_record_load(t, id, &r, &err), &err);
	sealed[0] = plain[0] = '\0';
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->f[i].name, field) == 0 && r->f[i].sealed != NULL)
			snprintf(sealed, cap, "%s", r->f[i].sealed);
	if (dbk_record_get(r, field, &v) == 0 && v != NULL)
		snprintf(plain, pcap, "%s", v);
	dbk_record_free(r);
	dbk_txn_abort(t);
}

static void
test_rotation(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id c1, c2;
	char sealed[512], plain[64];
	uint32_t epoch = 0;

	/* Before: team key epoch 1.  50万 = 500,000 yuan = 50,000,000 fen. */
	c1 = add_customer(ts->s, "甲公司", "50万");
	sealed_of(ts->s, &c1, "budget", sealed, sizeof sealed, plain,
	    sizeof plain);
	assert_true(strncmp(sealed, "R1.1.", 5) == 0);
	assert_string_equal(plain, "50000000");

	TU_OK(add(ts->s, "李娜", new_ident(), NULL, 1, NULL, &err), &err);
	TU_OK(rm(ts->s, "李娜", &epoch, &err), &err);
	assert_int_equal(epoch, 2);
	assert_int_equal(ts->s->rk_current, 2);
	assert_int_equal(ts->s->nrkeys, 2);
	assert_true(dbk_store_has_restricted(ts->s));

	/* The value sealed before still opens (epoch 1 is kept); a new
	 * one is sealed under epoch 2.  30万 = 30,000,000 fen. */
	sealed_of(ts->s, &c1, "budget", sealed, sizeof sealed, plain,
	    sizeof plain);
	assert_true(strncmp(sealed, "R1.1.", 5) == 0);
	assert_string_equal(plain, "50000000");
	c2 = add_customer(ts->s, "乙公司", "30万");
	sealed_of(ts->s, &c2, "budget", sealed, sizeof sealed, plain,
	    sizeof plain);
	assert_true(strncmp(sealed, "R1.2.", 5) == 0);
	assert_string_equal(plain, "30000000");

	/* The same from disk, after closing and opening again. */
	dbk_store_close(ts->s);
	ts->s = tu_open_at(ts->path);
	dbk_store_set_clock(ts->s, TU_NOW);
	assert_int_equal(ts->s->rk_current, 2);
	assert_int_equal(ts->s->nrkeys, 2);
	sealed_of(ts->s, &c1, "budget", sealed, sizeof sealed, plain,
	    sizeof plain);
	assert_string_equal(plain, "50000000");
	sealed_of(ts->s, &c2, "budget", sealed, sizeof sealed, plain,
	    sizeof plain);
	assert_string_equal(plain, "30000000");

	/* A second removal: epoch 3, the highest so far plus one. */
	TU_OK(add(ts->s, "趙六", new_ident(), NULL, 0, NULL, &err), &err);
	TU_OK(rm(ts->s, "趙六", &epoch, &err), &err);
	assert_int_equal(epoch, 3);
	assert_int_equal(ts->s->nrkeys, 3);

	/* Each rotation left an audit entry. */
	{
		struct dbk_txn *t = tu_begin(ts->s, 0);
		uint64_t count = 0;
		TU_OK(dbk_audit_verify(t, NULL, &count, &err), &err);
		dbk_txn_abort(t);
	}
}

static void
test_rotation_abort(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_txn *t;
	struct dbk_id c;
	char sealed[512], plain[64];
	uint32_t epoch = 0;
	struct seen w;

	TU_OK(add(ts->s, "李娜", new_ident(), NULL, 1, NULL, &err), &err);
	/* The removal runs, then the transaction is abandoned: the keys in
	 * memory go back to what is on disk. */
	t = tu_begin(ts->s, 1);
	TU_OK(dbk_member_remove(t, "李娜", NULL, &epoch, &err), &err);
	assert_int_equal(epoch, 2);
	assert_int_equal(ts->s->rk_current, 2);
	dbk_txn_abort(t);
	assert_int_equal(ts->s->rk_current, 1);
	assert_int_equal(ts->s->nrkeys, 1);
	c = add_customer(ts->s, "甲公司", "50万");
	sealed_of(ts->s, &c, "budget", sealed, sizeof sealed, plain,
	    sizeof plain);
	assert_true(strncmp(sealed, "R1.1.", 5) == 0);
	assert_string_equal(plain, "50000000");
	walk(ts->s, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.removed[0], 0);

	/* A store without the current restricted secret cannot rotate it,
	 * so it removes nobody. */
	{
		struct dbki_rkey saved;
		tu_drop_secret(ts->s, &saved);
		TU_FAILS(rm(ts->s, "李娜", NULL, &err), DBK_ENOKEY, &err);
		assert_non_null(strstr(err.msg, "restricted key"));
		dbk_error_clear(&err);
		assert_int_equal(ts->s->nrkeys, 1);
		tu_restore_secret(ts->s, &saved);
	}
	walk(ts->s, &w);
	assert_int_equal(w.removed[0], 0);
	TU_OK(rm(ts->s, "李娜", &epoch, &err), &err);
	assert_int_equal(epoch, 2);
}

/* ---- the signature ---- */

/* Set fields of a member record through the library, system fields
 * allowed, as a tool or a bad merge could. */
static void
tamper(struct dbk_store *s, const struct dbk_id *id, const char *field,
    const char *value)
{
	struct dbk_error err = { 0 };
	struct dbk_field f = { field, value };
	struct dbk_txn *t = tu_begin(s, 1);

	TU_OK(dbk_record_update_sys(t, id, &f, 1, NULL, &err), &err);
	tu_commit(t);
}

static void
expect_tampered(struct dbk_store *s, const char *name)
{
	struct dbk_error err = { 0 };
	struct seen w;
	struct dbk_txn *t;
	char want[80];

	TU_FAILS(verify(s, NULL, &err), DBK_EINTEGRITY, &err);
	snprintf(want, sizeof want, "member '%s'", name);
	if (strstr(err.msg, want) == NULL)
		fail_msg("message does not name %s: %s", name, err.msg);
	dbk_error_clear(&err);
	/* The walk refuses too, and adding or removing changes nothing. */
	t = tu_begin(s, 0);
	memset(&w, 0, sizeof w);
	TU_FAILS(dbk_member_walk(t, seen_cb, &w, &err), DBK_EINTEGRITY, &err);
	dbk_error_clear(&err);
	dbk_txn_abort(t);
	TU_FAILS(rm(s, "趙六", NULL, &err), DBK_EINTEGRITY, &err);
	dbk_error_clear(&err);
}

/* A store with members 李娜 (restricted) and 趙六; *ids receives them. */
static struct tu_store *
two_members(struct dbk_id ids[2])
{
	struct tu_store *ts = calloc(1, sizeof *ts);
	struct dbk_error err = { 0 };

	assert_non_null(ts);
	tu_store_new(ts, "華東銷售");
	dbk_store_set_clock(ts->s, TU_NOW);
	TU_OK(add(ts->s, "李娜", new_ident(), NULL, 1, &ids[0], &err), &err);
	TU_OK(add(ts->s, "趙六", new_ident(), NULL, 0, &ids[1], &err), &err);
	TU_OK(verify(ts->s, NULL, &err), &err);
	return ts;
}

static void
done(struct tu_store *ts)
{
	tu_store_free(ts);
	free(ts);
}

static void
test_tampered(void **state)
{
	struct dbk_error err = { 0 };
	struct dbk_id ids[2];
	struct tu_store *ts;
	const char *other = new_ident();
	char *bad = NULL;

	(void)state;
	/* Another key written into a member: the CVE-2018-12356 shape. */
	ts = two_members(ids);
	tamper(ts->s, &ids[1], "identity", other);
	expect_tampered(ts->s, "趙六");
	done(ts);

	/* Given the restricted key. */
	ts = two_members(ids);
	tamper(ts->s, &ids[1], "restricted", "1");
	expect_tampered(ts->s, "趙六");
	done(ts);

	/* Renamed, promoted. */
	ts = two_members(ids);
	tamper(ts->s, &ids[0], "name", "王五");
	expect_tampered(ts->s, "王五");
	done(ts);
	ts = two_members(ids);
	tamper(ts->s, &ids[1], "role", "manager");
	expect_tampered(ts->s, "趙六");
	done(ts);

	/* Un-removed: the removal's stamp cleared. */
	ts = two_members(ids);
	TU_OK(rm(ts->s, "李娜", NULL, &err), &err);
	TU_OK(verify(ts->s, NULL, &err), &err);
	tamper(ts->s, &ids[0], "removed_at", "");
	expect_tampered(ts->s, "李娜");
	done(ts);

	/* Tombstoned: a member hidden from the walk is still checked. */
	ts = two_members(ids);
	{
		struct dbk_txn *t = tu_begin(ts->s, 1);
		TU_OK(dbk_record_delete(t, &ids[0], &err), &err);
		tu_commit(t);
	}
	expect_tampered(ts->s, "李娜");
	done(ts);

	/* The signature field itself, malformed or another member's. */
	ts = two_members(ids);
	tamper(ts->s, &ids[1], "sig", "00");
	expect_tampered(ts->s, "趙六");
	done(ts);
	ts = two_members(ids);
	{
		struct dbk_txn *t = tu_begin(ts->s, 0);
		struct dbk_record *r = NULL;
		TU_OK(dbk_record_load(t, &ids[0], &r, &err), &err);
		bad = strdup(dbk_record_str(r, "sig"));
		dbk_record_free(r);
		dbk_txn_abort(t);
	}
	tamper(ts->s, &ids[1], "sig", bad);
	expect_tampered(ts->s, "趙六");
	done(ts);
	free(bad);

	/* A copy of a valid member under a new id (a second recipient with
	 * the same signature): the id is signed. */
	ts = two_members(ids);
	{
		struct dbk_txn *t = tu_begin(ts->s, 1);
		struct dbk_record *r = NULL;
		struct dbk_field f[8];
		size_t n = 0;
		TU_OK(dbk_record_load(t, &ids[1], &r, &err), &err);
		for (size_t i = 0; i < r->n && n < 8; i++) {
			if (strcmp(r->f[i].name, "created") == 0 ||
			    strcmp(r->f[i].name, "by") == 0)
				continue;
			f[n].name = r->f[i].name;
			f[n].value = r->f[i].value;
			n++;
		}
		TU_OK(dbki_record_create(t, DBK_T_MEMBER, f, n, 1, NULL, &err),
		    &err);
		dbk_record_free(r);
		tu_commit(t);
	}
	expect_tampered(ts->s, "趙六");
	done(ts);

	/* A member record never signed at all. */
	ts = two_members(ids);
	{
		struct dbk_txn *t = tu_begin(ts->s, 1);
		struct dbk_field f[] = { { "name", "X" }, { "identity", other },
			{ "role", "member" }, { "restricted", "1" } };
		TU_OK(dbki_record_create(t, DBK_T_MEMBER, f, 4, 1, NULL, &err),
		    &err);
		tu_commit(t);
	}
	expect_tampered(ts->s, "X");
	done(ts);

	/* Not editable by hand: every member field is a system field. */
	ts = two_members(ids);
	{
		struct dbk_txn *t = tu_begin(ts->s, 1);
		struct dbk_field f = { "identity", other };
		TU_FAILS(dbk_record_update(t, &ids[1], &f, 1, NULL, &err),
		    DBK_EINVAL, &err);
		dbk_error_clear(&err);
		dbk_txn_abort(t);
	}
	TU_OK(verify(ts->s, NULL, &err), &err);
	done(ts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_list_remove, setup,
		    tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_duplicates, setup,
		    tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_own_identity, setup,
		    tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_bad_identities, setup,
		    tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_rotation, setup,
		    tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_rotation_abort, setup,
		    tu_teardown_store),
		cmocka_unit_test(test_tampered),
	};

	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
