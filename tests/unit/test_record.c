/*
 * test_record.c -- unit tests for src/lib/record.c: records at rest (R10:
 * every value is bound to its store, database and key, and no plaintext
 * reaches the file), the record API (versions, history, tombstones,
 * customer codes, resolution, input validation) and the decoder's refusal
 * of malformed records.
 *
 * Money: 50万 = 50 * 10,000 = 500,000 yuan; in fen (2 minor digits) that
 * is 500,000 * 100 = 50,000,000, stored as the text "50000000".
 */
#include "testutil.h"

#include "record_int.h"

#define BUDGET_FEN "50000000"

/* ---- helpers ---- */

static struct dbk_id
create(struct dbk_txn *t, enum dbk_type type, const struct dbk_field *f,
    size_t n)
{
	struct dbk_error err = { 0 };
	struct dbk_id id;

	memset(&id, 0, sizeof id);
	TU_OK(dbk_record_create(t, type, f, n, &id, &err), &err);
	return id;
}

static struct dbk_id
customer(struct dbk_store *s, const char *name, const char *code)
{
	struct dbk_field f[] = { { "name", name }, { "code", code } };
	struct dbk_txn *t = tu_begin(s, 1);
	struct dbk_id id = create(t, DBK_T_CUSTOMER, f, code ? 2 : 1);

	tu_commit(t);
	return id;
}

static struct dbk_record *
load(struct dbk_txn *t, const struct dbk_id *id)
{
	struct dbk_error err = { 0 };
	struct dbk_record *r = NULL;

	TU_OK(dbk_record_load(t, id, &r, &err), &err);
	assert_non_null(r);
	return r;
}

/* Load in its own read transaction; expect failure `code`, no record. */
static void
load_fails(struct dbk_store *s, const struct dbk_id *id, int code,
    const char *must_not_show)
{
	struct dbk_error err = { 0 };
	struct dbk_record *r = (struct dbk_record *)(uintptr_t)1;
	struct dbk_txn *t = tu_begin(s, 0);

	TU_FAILS(dbk_record_load(t, id, &r, &err), code, &err);
	assert_null(r);
	if (must_not_show != NULL)
		assert_null(strstr(err.msg, must_not_show));
	dbk_error_clear(&err);
	dbk_txn_abort(t);
}

static void
update(struct dbk_store *s, const struct dbk_id *id, const char *name,
    const char *value, size_t want_changed)
{
	struct dbk_error err = { 0 };
	struct dbk_field f = { name, value };
	struct dbk_txn *t = tu_begin(s, 1);
	size_t changed = 99;

	TU_OK(dbk_record_update(t, id, &f, 1, &changed, &err), &err);
	assert_int_equal(changed, want_changed);
	tu_commit(t);
}

/* A create that must fail with `code`, naming `needle` (if not NULL) in
 * its message; the transaction is aborted. */
static void
create_fails(struct dbk_store *s, enum dbk_type type,
    const struct dbk_field *f, size_t n, int code, const char *needle)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = tu_begin(s, 1);
	struct dbk_id id;
	int rc = dbk_record_create(t, type, f, n, &id, &err);

	/* Abort before asserting: a write txn left open by a failed test
	 * would break the tests after it. */
	dbk_txn_abort(t);
	TU_FAILS(rc, code, &err);
	if (needle != NULL && strstr(err.msg, needle) == NULL)
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
	dbk_error_clear(&err);
}

#define CREATE_FAILS(s, type, f, code, needle) \
	create_fails((s), (type), (f), sizeof(f) / sizeof((f)[0]), (code), \
	    (needle))

static void
rec_key(uint8_t k[17], enum dbk_type type, const struct dbk_id *id)
{
	k[0] = (uint8_t)type;
	memcpy(k + 1, id->b, 16);
}

/* The ids index is keyed by the display order: random part, then time. */
static void
ids_key(uint8_t k[16], const struct dbk_id *id)
{
	memcpy(k, id->b + 6, 10);
	memcpy(k + 10, id->b, 6);
}

/* Raw LMDB access to a store's databases, outside any dbk transaction. */
static void *
raw_get(struct dbk_store *s, enum dbki_db db, const void *key, size_t klen,
    size_t *vlen)
{
	MDB_txn *txn = NULL;
	MDB_val k = { klen, (void *)key }, v;
	void *copy;

	assert_int_equal(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_get(txn, s->dbi[db], &k, &v), 0);
	copy = malloc(v.mv_size);
	assert_non_null(copy);
	memcpy(copy, v.mv_data, v.mv_size);
	*vlen = v.mv_size;
	mdb_txn_abort(txn);
	return copy;
}

static void
raw_put(struct dbk_store *s, enum dbki_db db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	MDB_txn *txn = NULL;
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };

	assert_int_equal(mdb_txn_begin(s->env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_put(txn, s->dbi[db], &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
}

/* ---- creating and reading ---- */

static void
test_create_and_read(void **state)
{
	struct tu_store *ts = *state;
	static const char *const order[] = {
		"budget", "by", "close_by", "code", "created", "employees",
		"industry", "name", "priority",
	};
	struct dbk_field f[] = {
		{ "name", "海天精密" }, { "industry", "machinery" },
		{ "employees", "120" }, { "budget", "50万" },
		{ "priority", "高" }, { "close_by", "2024/6/30" },
		{ "code", "HT-001" },
	};
	struct dbk_field cf[] = {
		{ "customer", NULL }, { "name", "王經理" },
		{ "phone", "13812345678" }, { "role", "決策人" },
	};
	char hex[DBK_ID_HEX], created[24];
	struct dbk_id id, cid, back;
	struct dbk_record *r;
	struct dbk_txn *t;
	const char *v;

	dbk_store_set_clock(ts->s, TU_NOW);
	t = tu_begin(ts->s, 1);
	id = create(t, DBK_T_CUSTOMER, f, 7);
	dbk_id_format(&id, hex);
	cf[0].value = hex;
	cid = create(t, DBK_T_CONTACT, cf, 4);
	tu_commit(t);

	/* The id carries creation time in ms and prints as 32 hex digits
	 * that parse back to the same id. */
	assert_int_equal(dbk_id_time_ms(&id), TU_NOW * 1000);
	assert_int_equal(strlen(hex), 32);
	assert_int_equal(dbk_id_parse(hex, &back), 0);
	assert_memory_equal(back.b, id.b, 16);

	t = tu_begin(ts->s, 0);
	r = load(t, &id);
	assert_int_equal(dbk_record_type(r), DBK_T_CUSTOMER);
	assert_memory_equal(dbk_record_id(r)->b, id.b, 16);
	assert_int_equal(dbk_record_deleted(r), 0);
	/* Canonical forms: text as entered, amounts in fen, enums in
	 * English, dates YYYY-MM-DD, datetimes in Unix seconds. */
	assert_string_equal(dbk_record_str(r, "name"), "海天精密");
	assert_string_equal(dbk_record_str(r, "employees"), "120");
	assert_string_equal(dbk_record_str(r, "budget"), BUDGET_FEN);
	assert_string_equal(dbk_record_str(r, "priority"), "high");
	assert_string_equal(dbk_record_str(r, "close_by"), "2024-06-30");
	assert_string_equal(dbk_record_str(r, "code"), "HT-001");
	snprintf(created, sizeof created, "%lld", (long long)TU_NOW);
	assert_string_equal(dbk_record_str(r, "created"), created);
	assert_string_equal(dbk_record_str(r, "by"), TU_MEMBER);
	/* 7 given + created + by, in name order. */
	assert_int_equal(dbk_record_nfields(r), 9);
	for (size_t i = 0; i < 9; i++) {
		const char *name, *value;
		int st;
		dbk_record_field_at(r, i, &name, &value, &st);
		assert_string_equal(name, order[i]);
		assert_non_null(value);
		assert_int_equal(st, DBK_FS_PLAIN);
	}
	assert_int_equal(dbk_record_get(r, "revenue", &v), DBK_ENOTFOUND);
	assert_null(v);
	assert_null(dbk_record_str(r, "revenue"));
	dbk_record_free(r);

	r = load(t, &cid);
	assert_int_equal(dbk_record_type(r), DBK_T_CONTACT);
	assert_string_equal(dbk_record_str(r, "customer"), hex);
	assert_string_equal(dbk_record_str(r, "phone"), "13812345678");
	assert_string_equal(dbk_record_str(r, "role"), "decision-maker");
	dbk_record_free(r);
	dbk_txn_abort(t);

	/* An unknown id is not found. */
	memset(back.b, 0x5a, 16);
	load_fails(ts->s, &back, DBK_ENOTFOUND, NULL);
}

/* ---- versions and history ---- */

static void
version_of(struct dbk_store *s, const struct dbk_id *id, const char *field,
    uint64_t *hlc)
{
	struct dbk_txn *t = tu_begin(s, 0);
	struct dbk_record *r = load(t, id);
	const char *member = NULL;

	assert_int_equal(dbk_record_version(r, field, hlc, &member), 0);
	assert_string_equal(member, TU_MEMBER);
	dbk_record_free(r);
	dbk_txn_abort(t);
}

static void
test_versions(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_id id;
	uint64_t name1, ind1, ind2, name2, bud1, bud2, x;
	const char *m;
	struct dbk_txn *t;
	struct dbk_record *r;

	/* A clock a year ahead of the wall clock is past every HLC the
	 * store has handed out (at its creation, just now), so the next one
	 * is exactly that time in ms, shifted left 16 with counter 0. */
	int64_t ahead = (int64_t)time(NULL) + 365 * TU_DAY;

	dbk_store_set_clock(ts->s, ahead);
	{
		struct dbk_field f[] = {
			{ "name", "海天精密" }, { "industry", "machinery" },
			{ "budget", "50万" },
		};
		t = tu_begin(ts->s, 1);
		id = create(t, DBK_T_CUSTOMER, f, 3);
		tu_commit(t);
	}
	version_of(ts->s, &id, "name", &name1);
	version_of(ts->s, &id, "industry", &ind1);
	version_of(ts->s, &id, "budget", &bud1);
	/* One HLC for all fields of one write. */
	assert_true(name1 == ind1 && ind1 == bud1);
	assert_int_equal(name1, (uint64_t)ahead * 1000 << 16);

	/* Changing one field moves only its version forward (the clock is
	 * frozen, so the HLC counter does the ordering). */
	update(ts->s, &id, "industry", "robotics", 1);
	version_of(ts->s, &id, "industry", &ind2);
	version_of(ts->s, &id, "name", &name2);
	assert_true(ind2 > ind1);
	assert_int_equal(name2, name1);

	/* Unchanged values change nothing, also when spelled differently
	 * but equal once canonical: 500,000 yuan is 50万. */
	update(ts->s, &id, "industry", "robotics", 0);
	update(ts->s, &id, "budget", "500,000", 0);
	update(ts->s, &id, "budget", "¥50萬", 0);
	version_of(ts->s, &id, "industry", &x);
	assert_int_equal(x, ind2);
	version_of(ts->s, &id, "budget", &x);
	assert_int_equal(x, bud1);

	/* A different amount does change. */
	update(ts->s, &id, "budget", "60万", 1);
	version_of(ts->s, &id, "budget", &bud2);
	assert_true(bud2 > ind2);

	/* Clearing a field is a change; it then reads as absent. */
	update(ts->s, &id, "industry", "", 1);
	update(ts->s, &id, "industry", NULL, 0);
	t = tu_begin(ts->s, 0);
	r = load(t, &id);
	assert_null(dbk_record_str(r, "industry"));
	assert_int_equal(dbk_record_version(r, "industry", &x, &m), 0);
	assert_true(x > bud2);
	assert_int_equal(dbk_record_version(r, "revenue", &x, &m),
	    DBK_ENOTFOUND);
	/* 60万 = 600,000 yuan = 60,000,000 fen */
	assert_string_equal(dbk_record_str(r, "budget"), "60000000");
	dbk_record_free(r);
	dbk_txn_abort(t);
}

struct hist {
	const char *field;
	size_t n;
	char *value[8];
	int current[8], state[8];
	uint64_t hlc[8];
	size_t total;
};

static int
hist_cb(const struct dbk_version *v, void *vctx)
{
	struct hist *h = vctx;

	h->total++;
	if (strcmp(v->field, h->field) != 0)
		return 0;
	assert_true(h->n < 8);
	assert_string_equal(v->member, TU_MEMBER);
	h->value[h->n] = v->value ? strdup(v->value) : NULL;
	h->current[h->n] = v->current;
	h->state[h->n] = v->state;
	h->hlc[h->n] = v->hlc;
	h->n++;
	return 0;
}

static void
history(struct dbk_store *s, const struct dbk_id *id, struct hist *h,
    const char *field)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = tu_begin(s, 0);

	memset(h, 0, sizeof *h);
	h->field = field;
	TU_OK(dbk_history(t, id, hist_cb, h, &err), &err);
	dbk_txn_abort(t);
}

static void
hist_free(struct hist *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->value[i]);
}

static void
test_history(void **state)
{
	struct tu_store *ts = *state;
	struct dbki_rkey saved;
	struct hist h;
	struct dbk_id id;

	{
		struct dbk_field f[] = {
			{ "name", "海天精密" }, { "industry", "machinery" },
			{ "budget", "50万" },
		};
		struct dbk_txn *t = tu_begin(ts->s, 1);
		id = create(t, DBK_T_CUSTOMER, f, 3);
		tu_commit(t);
	}
	update(ts->s, &id, "industry", "robotics", 1);
	update(ts->s, &id, "industry", "automation", 1);
	update(ts->s, &id, "budget", "60万", 1);

	/* Two edits leave three versions, oldest first, only the last one
	 * current, each newer than the one before. */
	history(ts->s, &id, &h, "industry");
	assert_int_equal(h.n, 3);
	assert_string_equal(h.value[0], "machinery");
	assert_string_equal(h.value[1], "robotics");
	assert_string_equal(h.value[2], "automation");
	assert_int_equal(h.current[0], 0);
	assert_int_equal(h.current[1], 0);
	assert_int_equal(h.current[2], 1);
	assert_true(h.hlc[0] < h.hlc[1] && h.hlc[1] < h.hlc[2]);
	/* Fields: budget 2 versions, by 1, created 1, industry 3, name 1. */
	assert_int_equal(h.total, 8);
	hist_free(&h);

	/* Sensitive history is decrypted for a holder of the key ... */
	history(ts->s, &id, &h, "budget");
	assert_int_equal(h.n, 2);
	assert_string_equal(h.value[0], BUDGET_FEN);
	assert_string_equal(h.value[1], "60000000");
	assert_int_equal(h.state[0], DBK_FS_PLAIN);
	hist_free(&h);
	/* ... and restricted for anyone else. */
	tu_drop_secret(ts->s, &saved);
	history(ts->s, &id, &h, "budget");
	assert_int_equal(h.n, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_null(h.value[i]);
		assert_int_equal(h.state[i], DBK_FS_RESTRICTED);
	}
	assert_int_equal(h.current[1], 1);
	hist_free(&h);
	tu_restore_secret(ts->s, &saved);
}

/* A member without the restricted key may edit other fields of a record:
 * the sensitive values it cannot read are kept as they were. */
static void
test_update_keeps_restricted(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_field f[] = { { "name", "海天精密" }, { "budget", "50万" } };
	struct dbki_rkey saved;
	struct dbk_record *r;
	struct dbk_txn *t;
	struct dbk_id id;
	uint64_t h1, h2;
	const char *m, *v;

	t = tu_begin(ts->s, 1);
	id = create(t, DBK_T_CUSTOMER, f, 2);
	tu_commit(t);
	version_of(ts->s, &id, "budget", &h1);

	tu_drop_secret(ts->s, &saved);
	update(ts->s, &id, "industry", "machinery", 1);
	t = tu_begin(ts->s, 0);
	r = load(t, &id);
	assert_int_equal(dbk_record_get(r, "budget", &v), DBK_ENOKEY);
	assert_string_equal(dbk_record_str(r, "industry"), "machinery");
	dbk_record_free(r);
	dbk_txn_abort(t);
	tu_restore_secret(ts->s, &saved);

	/* The budget survived the rewrite, version and all. */
	t = tu_begin(ts->s, 0);
	r = load(t, &id);
	assert_string_equal(dbk_record_str(r, "budget"), BUDGET_FEN);
	assert_int_equal(dbk_record_version(r, "budget", &h2, &m), 0);
	assert_int_equal(h2, h1);
	dbk_record_free(r);
	dbk_txn_abort(t);
}

/* ---- tombstones ---- */

static int
count_cb(struct dbk_record *r, void *vctx)
{
	size_t *n = vctx;

	assert_int_equal(dbk_record_deleted(r), 0);
	(*n)++;
	return 0;
}

static size_t
count_live(struct dbk_store *s, enum dbk_type type)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = tu_begin(s, 0);
	size_t n = 0;

	TU_OK(dbk_record_foreach(t, type, count_cb, &n, &err), &err);
	dbk_txn_abort(t);
	return n;
}

static int
resolve(struct dbk_store *s, enum dbk_type want, const char *ref,
    struct dbk_id *out, struct dbk_error *err)
{
	struct dbk_txn *t = tu_begin(s, 0);
	int rc = dbk_resolve(t, want, ref, out, err);

	dbk_txn_abort(t);
	return rc;
}

static void
resolves_to(struct dbk_store *s, enum dbk_type want, const char *ref,
    const struct dbk_id *id)
{
	struct dbk_error err = { 0 };
	struct dbk_id got;

	memset(&got, 0, sizeof got);
	TU_OK(resolve(s, want, ref, &got, &err), &err);
	if (memcmp(got.b, id->b, 16) != 0)
		fail_msg("'%s' resolved to another record", ref);
}

static void
resolve_fails(struct dbk_store *s, enum dbk_type want, const char *ref,
    int code)
{
	struct dbk_error err = { 0 };
	struct dbk_id got;

	TU_FAILS(resolve(s, want, ref, &got, &err), code, &err);
	dbk_error_clear(&err);
}

static void
test_tombstone(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id a, b, c1, c2;
	struct dbk_txn *t;
	struct dbk_record *r;
	char hex[DBK_ID_HEX], pfx[9];
	size_t n = 0;

	a = customer(ts->s, "海天精密", "HT-001");
	b = customer(ts->s, "東方機電", NULL);
	dbk_id_format(&a, hex);
	memcpy(pfx, hex, 8);
	pfx[8] = '\0';
	{
		char bhex[DBK_ID_HEX];
		struct dbk_field f1[] = { { "customer", bhex }, { "name", "甲" } };
		struct dbk_field f2[] = { { "customer", bhex }, { "name", "乙" } };
		dbk_id_format(&b, bhex);
		t = tu_begin(ts->s, 1);
		c1 = create(t, DBK_T_CONTACT, f1, 2);
		c2 = create(t, DBK_T_CONTACT, f2, 2);
		tu_commit(t);
	}
	assert_int_equal(count_live(ts->s, DBK_T_CUSTOMER), 2);
	resolves_to(ts->s, DBK_T_CUSTOMER, "海天", &a);
	resolves_to(ts->s, DBK_T_CUSTOMER, pfx, &a);

	t = tu_begin(ts->s, 1);
	TU_OK(dbk_record_delete(t, &a, &err), &err);
	TU_OK(dbk_record_delete(t, &c1, &err), &err);
	tu_commit(t);

	/* Still loadable (never physically deleted), marked deleted. */
	t = tu_begin(ts->s, 0);
	r = load(t, &a);
	assert_int_equal(dbk_record_deleted(r), 1);
	assert_string_equal(dbk_record_str(r, "name"), "海天精密");
	dbk_record_free(r);
	/* Gone from walks: one customer left, and b has one live contact. */
	TU_OK(dbk_record_children(t, &b, DBK_T_CONTACT, count_cb, &n, &err),
	    &err);
	assert_int_equal(n, 1);
	dbk_txn_abort(t);
	assert_int_equal(count_live(ts->s, DBK_T_CUSTOMER), 1);
	(void)c2;
	/* ... and from resolution by name, id prefix and code. */
	resolve_fails(ts->s, DBK_T_CUSTOMER, "海天", DBK_ENOTFOUND);
	resolve_fails(ts->s, DBK_T_CUSTOMER, pfx, DBK_ENOTFOUND);
	resolve_fails(ts->s, 0, pfx, DBK_ENOTFOUND);
	resolve_fails(ts->s, DBK_T_CUSTOMER, "HT-001", DBK_ENOTFOUND);
	/* The tombstone released the code for reuse. */
	b = customer(ts->s, "海天精密二厂", "ht-001");
	resolves_to(ts->s, DBK_T_CUSTOMER, "HT-001", &b);
}

/* ---- customer codes ---- */

static void
test_codes(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_field dup1[] = { { "name", "B" }, { "code", "ht-001" } };
	struct dbk_field dup2[] = { { "name", "B" }, { "code", "  HT-001\t" } };
	struct dbk_id a, b;
	struct dbk_txn *t;
	size_t changed;

	a = customer(ts->s, "海天精密", "HT-001");
	/* Codes compare trimmed and case-folded (ASCII). */
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, dup1, DBK_EEXIST, "ht-001");
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, dup2, DBK_EEXIST, NULL);
	resolves_to(ts->s, DBK_T_CUSTOMER, "HT-001", &a);
	resolves_to(ts->s, DBK_T_CUSTOMER, "ht-001", &a);
	resolves_to(ts->s, 0, " Ht-001 ", &a);

	/* Changing the code frees the old one and claims the new one. */
	update(ts->s, &a, "code", "HT-002", 1);
	resolve_fails(ts->s, DBK_T_CUSTOMER, "HT-001", DBK_ENOTFOUND);
	resolves_to(ts->s, DBK_T_CUSTOMER, "ht-002", &a);
	b = customer(ts->s, "東方機電", "HT-001");
	resolves_to(ts->s, DBK_T_CUSTOMER, "ht-001", &b);
	/* Taking a used code by update is refused too. */
	{
		struct dbk_field f = { "code", "hT-002" };
		t = tu_begin(ts->s, 1);
		TU_FAILS(dbk_record_update(t, &b, &f, 1, &changed, &err),
		    DBK_EEXIST, &err);
		dbk_error_clear(&err);
		dbk_txn_abort(t);
	}
	resolves_to(ts->s, DBK_T_CUSTOMER, "HT-002", &a);
	resolves_to(ts->s, DBK_T_CUSTOMER, "HT-001", &b);
}

/* ---- resolution ---- */

static void
test_resolve(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id a, b, c, d, got;
	char ha[DBK_ID_HEX], hb[DBK_ID_HEX], hc[DBK_ID_HEX], ref[40];
	size_t plen;

	a = customer(ts->s, "海天精密", NULL);
	b = customer(ts->s, "海天重工", NULL);
	c = customer(ts->s, "Acme Trading", NULL);
	dbk_id_format(&a, ha);
	dbk_id_format(&b, hb);
	dbk_id_format(&c, hc);

	/* By id prefix: 8 digits; upper case; all 32. */
	snprintf(ref, sizeof ref, "%.8s", ha);
	resolves_to(ts->s, DBK_T_CUSTOMER, ref, &a);
	resolves_to(ts->s, 0, ref, &a);
	for (char *p = ref; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	resolves_to(ts->s, DBK_T_CUSTOMER, ref, &a);
	resolves_to(ts->s, DBK_T_CUSTOMER, ha, &a);
	/* The shortest prefix that no other record shares (4 digits unless
	 * the random parts happen to agree) resolves too. */
	for (plen = 4; plen < 32; plen++)
		if (strncmp(ha, hb, plen) != 0 && strncmp(ha, hc, plen) != 0)
			break;
	snprintf(ref, sizeof ref, "%.*s", (int)plen, ha);
	resolves_to(ts->s, DBK_T_CUSTOMER, ref, &a);
	/* A customer's prefix is no contact. */
	snprintf(ref, sizeof ref, "%.8s", ha);
	resolve_fails(ts->s, DBK_T_CONTACT, ref, DBK_ENOTFOUND);

	/* By a unique part of the name, CJK or ASCII (case-insensitive). */
	resolves_to(ts->s, DBK_T_CUSTOMER, "精密", &a);
	resolves_to(ts->s, DBK_T_CUSTOMER, "重工", &b);
	resolves_to(ts->s, DBK_T_CUSTOMER, "acme", &c);
	resolves_to(ts->s, DBK_T_CUSTOMER, "ACME TRADING", &c);

	/* A shared part is ambiguous, and the message names both. */
	TU_FAILS(resolve(ts->s, DBK_T_CUSTOMER, "海天", &got, &err), DBK_EAMBIG,
	    &err);
	snprintf(ref, sizeof ref, "%.8s", ha);
	assert_non_null(strstr(err.msg, ref));
	snprintf(ref, sizeof ref, "%.8s", hb);
	assert_non_null(strstr(err.msg, ref));
	assert_non_null(strstr(err.msg, "海天重工"));
	assert_null(strstr(err.msg, "Acme"));
	dbk_error_clear(&err);
	/* An exact name wins over partial matches. */
	d = customer(ts->s, "海天", NULL);
	resolves_to(ts->s, DBK_T_CUSTOMER, "海天", &d);

	/* Nothing, and an empty reference. */
	resolve_fails(ts->s, DBK_T_CUSTOMER, "nobody", DBK_ENOTFOUND);
	resolve_fails(ts->s, DBK_T_CUSTOMER, "", DBK_EINVAL);
	resolve_fails(ts->s, 0, "zzzz", DBK_ENOTFOUND);
}

/* ---- input validation ---- */

static void
test_invalid_input(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_field unknown[] = { { "name", "A" }, { "colour", "red" } };
	struct dbk_field sys[] = { { "name", "A" }, { "stage", "won" } };
	struct dbk_field twice[] = { { "name", "A" }, { "name", "B" } };
	struct dbk_field noname[] = { { "industry", "x" } };
	struct dbk_field amount[] = { { "name", "A" }, { "budget", "abc万" } };
	struct dbk_field negative[] = { { "name", "A" }, { "budget", "-5" } };
	struct dbk_field date[] = { { "name", "A" }, { "close_by", "2024-02-30" } };
	struct dbk_field prio[] = { { "name", "A" }, { "priority", "urgent" } };
	struct dbk_field emp[] = { { "name", "A" }, { "employees", "12x" } };
	struct dbk_field utf[] = { { "name", "bad\xff" } };
	struct dbk_field ctl[] = { { "name", "bell\a" } };
	struct dbk_field role[] = { { "customer", NULL }, { "name", "王" },
	    { "role", "boss" } };
	struct dbk_field ref[] = { { "customer", "xyz" }, { "name", "王" } };
	char hex[DBK_ID_HEX];
	struct dbk_id a, missing;
	struct dbk_txn *t;

	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, unknown, DBK_EINVAL, "colour");
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, sys, DBK_EINVAL, "stage");
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, twice, DBK_EINVAL, "name");
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, noname, DBK_EINVAL, "name");
	/* The message names the bad value as typed. */
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, amount, DBK_EINVAL, "abc万");
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, negative, DBK_EINVAL, "-5");
	/* 2024 is leap, but February still has no 30th. */
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, date, DBK_EINVAL, "2024-02-30");
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, prio, DBK_EINVAL, "urgent");
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, emp, DBK_EINVAL, "12x");
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, utf, DBK_EINVAL, "name");
	CREATE_FAILS(ts->s, DBK_T_CUSTOMER, ctl, DBK_EINVAL, "name");
	CREATE_FAILS(ts->s, DBK_T_CONTACT, ref, DBK_EINVAL, "xyz");
	a = customer(ts->s, "A", NULL);
	dbk_id_format(&a, hex);
	role[0].value = hex;
	CREATE_FAILS(ts->s, DBK_T_CONTACT, role, DBK_EINVAL, "boss");
	/* None of the refused records exists. */
	assert_int_equal(count_live(ts->s, DBK_T_CUSTOMER), 1);
	assert_int_equal(count_live(ts->s, DBK_T_CONTACT), 0);

	/* Updates check the same way, and need an existing record. */
	t = tu_begin(ts->s, 1);
	TU_FAILS(dbk_record_update(t, &a, &unknown[1], 1, NULL, &err),
	    DBK_EINVAL, &err);
	TU_FAILS(dbk_record_update(t, &a, &sys[1], 1, NULL, &err), DBK_EINVAL,
	    &err);
	TU_FAILS(dbk_record_update(t, &a, &date[1], 1, NULL, &err), DBK_EINVAL,
	    &err);
	assert_non_null(strstr(err.msg, "2024-02-30"));
	memset(missing.b, 0x77, 16);
	TU_FAILS(dbk_record_update(t, &missing, &noname[0], 1, NULL, &err),
	    DBK_ENOTFOUND, &err);
	dbk_error_clear(&err);
	dbk_txn_abort(t);
}

/* ---- the decoder ---- */

#define REP1 "\"0011223344556677\""
#define REP2 "\"8899aabbccddeeff\""
#define H1 "\"0000000000000001\""
#define H2 "\"0000000000000002\""

static int
decode(struct dbk_store *s, const char *json, int open_sensitive,
    struct dbk_record **out)
{
	struct dbk_error err = { 0 };
	struct dbk_id id;
	int rc;

	memset(id.b, 0x42, 16);
	*out = NULL;
	/* Sensitive fields need the key pages, guarded outside txns. */
	dbki_keys_open(s);
	rc = dbki_record_decode(s, DBK_T_CUSTOMER, &id, json, strlen(json),
	    open_sensitive, out, &err);
	dbki_keys_close(s);
	if (rc != 0) {
		assert_int_equal(err.code, rc);
		assert_non_null(err.msg);
	}
	dbk_error_clear(&err);
	return rc;
}

static void
test_decode(void **state)
{
	struct tu_store *ts = *state;
	static const char *const bad[] = {
		"not json",
		"[]",
		"{\"f\":[],\"r\":[" REP1 "]}",
		"{\"f\":{}}",
		"{\"r\":[" REP1 "]}",
		"{\"f\":{},\"r\":{}}",
		/* duplicate and out-of-order field names */
		"{\"f\":{\"name\":[\"x\"," H1 "],\"name\":[\"y\"," H2 "]},\"r\":[" REP1 "]}",
		"{\"f\":{\"pain\":[\"x\"," H1 "],\"name\":[\"y\"," H2 "]},\"r\":[" REP1 "]}",
		/* shapes and types of a field */
		"{\"f\":{\"name\":\"x\"},\"r\":[" REP1 "]}",
		"{\"f\":{\"name\":[\"x\"]},\"r\":[" REP1 "]}",
		"{\"f\":{\"name\":[1," H1 "]},\"r\":[" REP1 "]}",
		"{\"f\":{\"name\":[null," H1 "]},\"r\":[" REP1 "]}",
		"{\"f\":{\"name\":[\"x\",1]},\"r\":[" REP1 "]}",
		"{\"f\":{\"name\":[\"x\"," H1 ",1,2]},\"r\":[" REP1 "," REP2 "]}",
		/* HLCs: 16 lower-case hex digits, nothing else */
		"{\"f\":{\"name\":[\"x\",\"000000000000000g\"]},\"r\":[" REP1 "]}",
		"{\"f\":{\"name\":[\"x\",\"000000000000000A\"]},\"r\":[" REP1 "]}",
		"{\"f\":{\"name\":[\"x\",\"00000000000000001\"]},\"r\":[" REP1 "]}",
		"{\"f\":{\"name\":[\"x\",\"000000000000001\"]},\"r\":[" REP1 "]}",
		"{\"f\":{\"name\":[\"x\",\"\"]},\"r\":[" REP1 "]}",
		/* replica indexes: 1 .. nreps-1 as integers; 0 is implicit */
		"{\"f\":{\"name\":[\"x\"," H1 ",1]},\"r\":[" REP1 "]}",
		"{\"f\":{\"name\":[\"x\"," H1 ",0]},\"r\":[" REP1 "," REP2 "]}",
		"{\"f\":{\"name\":[\"x\"," H1 ",2]},\"r\":[" REP1 "," REP2 "]}",
		"{\"f\":{\"name\":[\"x\"," H1 ",-1]},\"r\":[" REP1 "," REP2 "]}",
		"{\"f\":{\"name\":[\"x\"," H1 ",1.5]},\"r\":[" REP1 "," REP2 ",\"0102030405060708\"]}",
		"{\"f\":{\"name\":[\"x\"," H1 ",\"1\"]},\"r\":[" REP1 "," REP2 "]}",
		"{\"f\":{\"name\":[\"x\"," H1 ",1e400]},\"r\":[" REP1 "," REP2 "]}",
		/* a value nested 33 deep instead of a string */
		"{\"f\":{\"name\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"x\"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]," H1 "]},\"r\":[" REP1 "]}",
		"{\"f\":{\"name\":[\"x\"," H1 "]},\"r\":[]}",
		/* the replica table */
		"{\"f\":{},\"r\":[\"00112233445566\"]}",
		"{\"f\":{},\"r\":[\"zz11223344556677\"]}",
		"{\"f\":{},\"r\":[1]}",
		"{\"f\":{},\"r\":[" REP1 "," REP1 "]}",
		/* a sensitive field that is not a sealed value of ours */
		"{\"f\":{\"budget\":[\"50000000\"," H1 "]},\"r\":[" REP1 "]}",
		"{\"f\":{\"budget\":[\"R1.0.AAAA\"," H1 "]},\"r\":[" REP1 "]}",
	};
	struct dbk_record *r;
	uint64_t hlc;
	const char *member;

	/* Well-formed: two fields in order, the second by replica 1. */
	assert_int_equal(decode(ts->s, "{\"f\":{\"industry\":[\"x\"," H1 "],"
	    "\"name\":[\"海天\"," H2 ",1]},\"r\":[" REP1 "," REP2 "]}", 1, &r), 0);
	assert_int_equal(dbk_record_nfields(r), 2);
	assert_string_equal(dbk_record_str(r, "name"), "海天");
	assert_int_equal(dbk_record_version(r, "name", &hlc, &member), 0);
	assert_int_equal(hlc, 2);
	assert_string_equal(member, "another replica");
	dbk_record_free(r);
	/* An empty value is an absent one; an empty record is fine. */
	assert_int_equal(decode(ts->s, "{\"f\":{\"name\":[\"\"," H1 "]},\"r\":["
	    REP1 "]}", 1, &r), 0);
	assert_null(dbk_record_str(r, "name"));
	dbk_record_free(r);
	assert_int_equal(decode(ts->s, "{\"f\":{},\"r\":[]}", 1, &r), 0);
	assert_int_equal(dbk_record_nfields(r), 0);
	dbk_record_free(r);
	/* Not opening sensitive fields leaves them restricted, unread. */
	assert_int_equal(decode(ts->s, "{\"f\":{\"budget\":[\"R1.0.AAAA\"," H1
	    "]},\"r\":[" REP1 "]}", 0, &r), 0);
	assert_int_equal(dbk_record_get(r, "budget", &member), DBK_ENOKEY);
	dbk_record_free(r);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = decode(ts->s, bad[i], 1, &r);
		if (rc != DBK_EINTEGRITY)
			fail_msg("decode accepted (rc %d): %s", rc, bad[i]);
		assert_null(r);
	}
}

/* ---- R10 at rest: tampering with raw LMDB ---- */

static void
test_tamper_swap(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_id a, b;
	uint8_t ka[17], kb[17];
	void *va;
	size_t na;
	struct dbk_txn *t;
	struct dbk_record *r;

	a = customer(ts->s, "海天精密SWAP", NULL);
	b = customer(ts->s, "東方機電", NULL);
	rec_key(ka, DBK_T_CUSTOMER, &a);
	rec_key(kb, DBK_T_CUSTOMER, &b);
	/* Record a's ciphertext stored under record b's key. */
	va = raw_get(ts->s, DBI_REC, ka, 17, &na);
	raw_put(ts->s, DBI_REC, kb, 17, va, na);
	load_fails(ts->s, &b, DBK_EINTEGRITY, "海天");
	/* A walk over customers meets it and stops with the same error. */
	{
		struct dbk_error err = { 0 };
		size_t n = 0;
		t = tu_begin(ts->s, 0);
		TU_FAILS(dbk_record_foreach(t, DBK_T_CUSTOMER, count_cb, &n, &err),
		    DBK_EINTEGRITY, &err);
		dbk_error_clear(&err);
		dbk_txn_abort(t);
	}
	/* Record a itself is untouched. */
	t = tu_begin(ts->s, 0);
	r = load(t, &a);
	assert_string_equal(dbk_record_str(r, "name"), "海天精密SWAP");
	dbk_record_free(r);
	dbk_txn_abort(t);
	free(va);
}

static void
test_tamper_other_db(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_id a, b;
	uint8_t ka[17], kh[25], ib[16], tb = DBK_T_CUSTOMER;
	void *va, *vh, *vi, *vx;
	size_t na, nh, ni, nx;
	struct dbk_txn *t;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;

	a = customer(ts->s, "海天精密", NULL);
	b = customer(ts->s, "東方機電", NULL);
	update(ts->s, &a, "name", "海天精密股份", 1);
	rec_key(ka, DBK_T_CUSTOMER, &a);
	va = raw_get(ts->s, DBI_REC, ka, 17, &na);

	/* The history entry just written: key = rec key || seq (be64). */
	assert_int_equal(mdb_txn_begin(ts->s->env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, ts->s->dbi[DBI_HIST], &c), 0);
	assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
	assert_int_equal(k.mv_size, 25);
	assert_memory_equal(k.mv_data, ka, 17);
	memcpy(kh, k.mv_data, 25);
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	vh = raw_get(ts->s, DBI_HIST, kh, 25, &nh);

	/* A 'rec' value moved into 'hist' under a history key of a. */
	raw_put(ts->s, DBI_HIST, kh, 25, va, na);
	t = tu_begin(ts->s, 0);
	TU_FAILS(dbk_history(t, &a, hist_cb, &(struct hist){ .field = "x" },
	    &err), DBK_EINTEGRITY, &err);
	assert_non_null(strstr(err.msg, "hist"));
	dbk_error_clear(&err);
	dbk_txn_abort(t);
	raw_put(ts->s, DBI_HIST, kh, 25, vh, nh);

	/* A 'hist' value moved into 'rec' under a's own key. */
	raw_put(ts->s, DBI_REC, ka, 17, vh, nh);
	load_fails(ts->s, &a, DBK_EINTEGRITY, "海天");
	raw_put(ts->s, DBI_REC, ka, 17, va, na);

	/* A 'rec' value moved into the id index under b's id. */
	ids_key(ib, &b);
	vi = raw_get(ts->s, DBI_IDS, ib, 16, &ni);
	raw_put(ts->s, DBI_IDS, ib, 16, va, na);
	load_fails(ts->s, &b, DBK_EINTEGRITY, "海天");

	/* The same key bytes in another database: a well-formed id-index
	 * value (type customer) written to 'rec' under b's id-index key,
	 * then copied to 'ids' under that key.  Only the database name in
	 * the AD tells them apart ("rec" and "ids" are even of one length).
	 * The stray 'rec' entry is removed again. */
	t = tu_begin(ts->s, 1);
	TU_OK(dbki_put(t, DBI_REC, ib, 16, &tb, 1, 0, &err), &err);
	tu_commit(t);
	vx = raw_get(ts->s, DBI_REC, ib, 16, &nx);
	t = tu_begin(ts->s, 1);
	TU_OK(dbki_del(t, DBI_REC, ib, 16, &err), &err);
	tu_commit(t);
	raw_put(ts->s, DBI_IDS, ib, 16, vx, nx);
	load_fails(ts->s, &b, DBK_EINTEGRITY, NULL);
	raw_put(ts->s, DBI_IDS, ib, 16, vi, ni);

	/* Put back where they belong, all reads work again. */
	{
		struct dbk_txn *w = tu_begin(ts->s, 0);
		struct dbk_record *r = load(w, &a);
		assert_string_equal(dbk_record_str(r, "name"), "海天精密股份");
		dbk_record_free(r);
		r = load(w, &b);
		assert_string_equal(dbk_record_str(r, "name"), "東方機電");
		dbk_record_free(r);
		dbk_txn_abort(w);
	}
	free(va);
	free(vh);
	free(vi);
	free(vx);
}

static void
test_tamper_other_store(void **state)
{
	struct tu_store *ts = *state, other;
	struct dbk_error err = { 0 };
	struct dbk_id a;
	struct dbk_record *r = NULL;
	uint8_t ka[17], ia[16], tb = DBK_T_CUSTOMER;
	uint8_t dek[DBKI_KEY_LEN], sid[DBKI_STORE_ID_LEN];
	void *va;
	size_t na;
	struct dbk_txn *t;

	tu_store_new(&other, NULL);
	a = customer(ts->s, "海天精密", NULL);
	rec_key(ka, DBK_T_CUSTOMER, &a);
	ids_key(ia, &a);
	va = raw_get(ts->s, DBI_REC, ka, 17, &na);

	/* The other store gets a's ciphertext under the same key, and an
	 * honest id-index entry (its own keys) pointing at it. */
	raw_put(other.s, DBI_REC, ka, 17, va, na);
	t = tu_begin(other.s, 1);
	TU_OK(dbki_put(t, DBI_IDS, ia, 16, &tb, 1, 0, &err), &err);
	tu_commit(t);
	load_fails(other.s, &a, DBK_EINTEGRITY, "海天");

	/* Even with the first store's data key (a copied store that kept
	 * its DEK), the store id in the AD refuses the value ...  (The key
	 * pages are PROT_NONE outside transactions, R21: unguard them for
	 * the swap.) */
	dbki_keys_open(ts->s);
	(void)sodium_mprotect_readwrite(other.s->sec);
	memcpy(dek, other.s->sec->dek, sizeof dek);
	memcpy(other.s->sec->dek, ts->s->sec->dek, sizeof dek);
	dbki_keys_close(other.s);
	dbki_keys_close(ts->s);
	memcpy(sid, other.s->store_id, sizeof sid);
	t = tu_begin(other.s, 0);
	TU_FAILS(dbki_record_load(t, DBK_T_CUSTOMER, &a, &r, &err),
	    DBK_EINTEGRITY, &err);
	assert_null(r);
	dbk_error_clear(&err);
	/* ... and only the store id is in the way: with it too, it opens. */
	memcpy(other.s->store_id, ts->s->store_id, sizeof sid);
	TU_OK(dbki_record_load(t, DBK_T_CUSTOMER, &a, &r, &err), &err);
	assert_string_equal(dbk_record_str(r, "name"), "海天精密");
	dbk_record_free(r);
	dbk_txn_abort(t);
	(void)sodium_mprotect_readwrite(other.s->sec);
	memcpy(other.s->sec->dek, dek, sizeof dek);
	dbki_keys_close(other.s);
	memcpy(other.s->store_id, sid, sizeof sid);
	sodium_memzero(dek, sizeof dek);
	free(va);
	tu_store_free(&other);
}

static void
test_tamper_flip(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_id a;
	uint8_t ka[17];
	uint8_t *va;
	size_t na, at[3];

	a = customer(ts->s, "海天精密", NULL);
	rec_key(ka, DBK_T_CUSTOMER, &a);
	va = raw_get(ts->s, DBI_REC, ka, 17, &na);
	/* One byte of the nonce, of the ciphertext, of the tag. */
	at[0] = 0;
	at[1] = na / 2;
	at[2] = na - 1;
	for (size_t i = 0; i < 3; i++) {
		va[at[i]] ^= 0x01;
		raw_put(ts->s, DBI_REC, ka, 17, va, na);
		load_fails(ts->s, &a, DBK_EINTEGRITY, "海天");
		va[at[i]] ^= 0x01;
	}
	/* A truncated value, and one shorter than nonce + tag. */
	raw_put(ts->s, DBI_REC, ka, 17, va, na - 1);
	load_fails(ts->s, &a, DBK_EINTEGRITY, NULL);
	raw_put(ts->s, DBI_REC, ka, 17, va, 10);
	load_fails(ts->s, &a, DBK_EINTEGRITY, NULL);
	/* Restored, it loads. */
	raw_put(ts->s, DBI_REC, ka, 17, va, na);
	{
		struct dbk_txn *t = tu_begin(ts->s, 0);
		dbk_record_free(load(t, &a));
		dbk_txn_abort(t);
	}
	free(va);
}

/* ---- R10 at rest: no plaintext in the file or in keys ---- */

static const char *const sentinels[] = {
	"海天精密SENTINEL", "13812345678", BUDGET_FEN, "50万",
	"王經理SENTINEL", "wang@sentinel.example", "HTSENTINEL-9",
	"SENTINEL-PAIN",
};
#define NSENT (sizeof sentinels / sizeof sentinels[0])

static void
scan_keys(const char *path, size_t *ndbs, size_t *nrec)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_cursor *mc = NULL;
	MDB_dbi main_dbi;
	MDB_val k, v;
	char names[16][16];
	size_t nn = 0;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, path, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	/* The main database's keys are the names of the named ones. */
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &main_dbi), 0);
	assert_int_equal(mdb_cursor_open(txn, main_dbi, &mc), 0);
	while (mdb_cursor_get(mc, &k, &v, MDB_NEXT) == 0) {
		assert_true(nn < 16 && k.mv_size < 16);
		memcpy(names[nn], k.mv_data, k.mv_size);
		names[nn][k.mv_size] = '\0';
		nn++;
	}
	mdb_cursor_close(mc);
	*ndbs = nn;
	*nrec = 0;
	for (size_t i = 0; i < nn; i++) {
		MDB_dbi dbi;
		MDB_cursor *c = NULL;
		assert_int_equal(mdb_dbi_open(txn, names[i], 0, &dbi), 0);
		assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
		while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
			for (size_t j = 0; j < NSENT; j++)
				if (tu_contains(k.mv_data, k.mv_size, sentinels[j]))
					fail_msg("a key in '%s' holds '%s'", names[i],
					    sentinels[j]);
			if (strcmp(names[i], "rec") == 0)
				(*nrec)++;
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

static void
test_no_plaintext_at_rest(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_field cf[] = {
		{ "name", "海天精密SENTINEL" }, { "budget", "50万" },
		{ "code", "HTSENTINEL-9" }, { "pain", "SENTINEL-PAIN" },
	};
	struct dbk_field kf[] = {
		{ "customer", NULL }, { "name", "王經理SENTINEL" },
		{ "phone", "13812345678" }, { "email", "wang@sentinel.example" },
	};
	char hex[DBK_ID_HEX], *df;
	struct dbk_id a;
	struct dbk_txn *t;
	struct dbk_record *r;
	unsigned char *file;
	size_t n, ndbs, nrec;

	t = tu_begin(ts->s, 1);
	a = create(t, DBK_T_CUSTOMER, cf, 4);
	dbk_id_format(&a, hex);
	kf[0].value = hex;
	(void)create(t, DBK_T_CONTACT, kf, 4);
	tu_commit(t);
	/* Superseded values go to the history database: scan those too. */
	update(ts->s, &a, "name", "海天精密SENTINEL股份", 1);
	update(ts->s, &a, "budget", "60万", 1);
	/* Self-check: the values really are stored (and 50万 really is
	 * stored as "50000000", now in history). */
	t = tu_begin(ts->s, 0);
	r = load(t, &a);
	assert_string_equal(dbk_record_str(r, "name"), "海天精密SENTINEL股份");
	dbk_record_free(r);
	dbk_txn_abort(t);
	{
		struct hist h;
		history(ts->s, &a, &h, "budget");
		assert_int_equal(h.n, 2);
		assert_string_equal(h.value[0], BUDGET_FEN);
		hist_free(&h);
	}
	dbk_store_close(ts->s);
	ts->s = NULL;

	assert_true(asprintf(&df, "%s/data.mdb", ts->path) > 0);
	file = tu_read_file(df, &n);
	free(df);
	/* Self-check of the scanner: the header magic is the one plaintext
	 * value in the file. */
	assert_true(tu_contains(file, n, "DBKS"));
	for (size_t j = 0; j < NSENT; j++)
		if (tu_contains(file, n, sentinels[j]))
			fail_msg("data.mdb holds the plaintext '%s'", sentinels[j]);
	free(file);

	/* And no key in any database carries them either. */
	scan_keys(ts->path, &ndbs, &nrec);
	assert_int_equal(ndbs, DBI_COUNT);
	/* customer, contact (the customer updates rewrite, not add) */
	assert_int_equal(nrec, 2);
	ts->s = tu_open_at(ts->path);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tu_setup_store, \
	tu_teardown_store)
	const struct CMUnitTest tests[] = {
		T(test_create_and_read),
		T(test_versions),
		T(test_history),
		T(test_update_keeps_restricted),
		T(test_tombstone),
		T(test_codes),
		T(test_resolve),
		T(test_invalid_input),
		T(test_decode),
		T(test_tamper_swap),
		T(test_tamper_other_db),
		T(test_tamper_other_store),
		T(test_tamper_flip),
		T(test_no_plaintext_at_rest),
	};
#undef T

	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
