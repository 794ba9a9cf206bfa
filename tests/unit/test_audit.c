/*
 * test_audit.c -- the hash-chained, signed audit trail (audit.c): what
 * gets logged, the chain and head, and each kind of tampering found at
 * the right entry.
 */
#include "testutil.h"

struct collected {
	char action[16][24];
	char type[16][16];
	char fields[16][160];
	uint64_t seq[16];
	size_t n;
};

static int
collect_cb(const struct dbk_audit_entry *e, void *vctx)
{
	struct collected *c = vctx;
	size_t off = 0;

	if (c->n >= 16)
		return 0;
	c->seq[c->n] = e->seq;
	snprintf(c->action[c->n], sizeof c->action[0], "%s", e->action);
	snprintf(c->type[c->n], sizeof c->type[0], "%s", e->type);
	c->fields[c->n][0] = '\0';
	for (size_t i = 0; i < e->nfields; i++)
		off += (size_t)snprintf(c->fields[c->n] + off,
		    sizeof c->fields[0] - off, "%s%s", i ? " " : "", e->fields[i]);
	c->n++;
	return 0;
}

static int
list_txn(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	return dbk_audit_list(t, collect_cb, ctx, err);
}

struct vres { uint64_t bad, count; int rc; char msg[256]; };

static int
verify_txn(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	struct vres *v = ctx;

	v->rc = dbk_audit_verify(t, &v->bad, &v->count, err);
	snprintf(v->msg, sizeof v->msg, "%s", err->msg ? err->msg : "");
	return 0;
}

static struct vres
verify(struct dbk_store *s)
{
	struct dbk_error err = { 0 };
	struct vres v = { 0, 0, 0, "" };

	assert_int_equal(dbk_store_read(s, verify_txn, &v, &err), 0);
	dbk_error_clear(&err);
	return v;
}

struct add { struct dbk_id id; };

static int
add_and_edit(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	struct add *a = ctx;
	struct dbk_field f[] = { { "name", "海天" }, { "code", "H1" },
		{ "budget", "50万" } };
	struct dbk_field e[] = { { "industry", "制造" }, { "budget", "60万" } };
	int rc = dbk_customer_add(t, f, 3, &a->id, err);

	if (rc == 0)
		rc = dbk_record_update(t, &a->id, e, 2, NULL, err);
	if (rc == 0)
		rc = dbk_record_delete(t, &a->id, err);
	return rc;
}

/* Entries: 1 init; 2 create customer; 3 create its lead stage;
 * 4 update customer (budget industry, in input order); 5 delete. */
static void
test_entries_logged(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct collected c;
	struct add a;
	struct vres v;

	memset(&c, 0, sizeof c);
	assert_int_equal(dbk_store_write(ts->s, add_and_edit, &a, &err), 0);
	assert_int_equal(dbk_store_read(ts->s, list_txn, &c, &err), 0);
	assert_int_equal(c.n, 5);
	for (size_t i = 0; i < c.n; i++)
		assert_int_equal(c.seq[i], i + 1);
	assert_string_equal(c.action[0], "init");
	assert_string_equal(c.type[0], "");
	assert_string_equal(c.action[1], "create");
	assert_string_equal(c.type[1], "customer");
	/* Field names sorted as the record holds them; never values. */
	assert_string_equal(c.fields[1],
	    "budget code lead_at name owner stage stage_at");
	assert_string_equal(c.action[2], "create");
	assert_string_equal(c.type[2], "stage");
	assert_string_equal(c.action[3], "update");
	assert_string_equal(c.fields[3], "industry budget");
	assert_string_equal(c.action[4], "delete");
	assert_string_equal(c.fields[4], "_del");
	v = verify(ts->s);
	assert_int_equal(v.rc, 0);
	assert_int_equal(v.count, 5);
	dbk_error_clear(&err);
}

/* A refused command leaves no audit entry. */
static int
bad_add(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	struct dbk_field f[] = { { "name", "x" }, { "budget", "lots" } };
	(void)ctx;
	return dbk_customer_add(t, f, 2, NULL, err);
}

static void
test_failed_command_not_logged(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct vres v;

	assert_int_equal(dbk_store_write(ts->s, bad_add, NULL, &err), DBK_EINVAL);
	dbk_error_clear(&err);
	v = verify(ts->s);
	assert_int_equal(v.rc, 0);
	assert_int_equal(v.count, 1); /* init only */
}

/* Raw LMDB helpers on the store's own environment. */
static void
raw_del(struct dbk_store *s, uint64_t seq)
{
	struct dbk_txn *t = tu_begin(s, 1);
	uint8_t k[8];
	MDB_val key = { 8, k };

	dbki_be64(k, seq);
	assert_int_equal(mdb_del(t->t, s->dbi[DBI_AUDIT], &key, NULL), 0);
	tu_commit(t);
}

static void
raw_flip(struct dbk_store *s, uint64_t seq)
{
	struct dbk_txn *t = tu_begin(s, 1);
	uint8_t k[8], *copy;
	MDB_val key = { 8, k }, v, nv;

	dbki_be64(k, seq);
	assert_int_equal(mdb_get(t->t, s->dbi[DBI_AUDIT], &key, &v), 0);
	copy = malloc(v.mv_size);
	assert_non_null(copy);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[v.mv_size / 2] ^= 0x01;
	nv.mv_size = v.mv_size;
	nv.mv_data = copy;
	assert_int_equal(mdb_put(t->t, s->dbi[DBI_AUDIT], &key, &nv, 0), 0);
	free(copy);
	tu_commit(t);
}

/* Re-encrypt entry `from`'s plaintext under key `to` (an insider's
 * move: valid AEAD, wrong place in the chain). */
static void
reput(struct dbk_store *s, uint64_t from, uint64_t to)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = tu_begin(s, 1);
	uint8_t k[8], *pt = NULL;
	size_t n = 0;

	dbki_be64(k, from);
	assert_int_equal(dbki_get(t, DBI_AUDIT, k, 8, &pt, &n, &err), 0);
	dbki_be64(k, to);
	assert_int_equal(dbki_put(t, DBI_AUDIT, k, 8, pt, n, 0, &err), 0);
	dbki_free_plain(pt, n);
	tu_commit(t);
	dbk_error_clear(&err);
}

static void
make_entries(struct dbk_store *s)
{
	struct dbk_error err = { 0 };
	struct add a;

	/* 5 entries, as in test_entries_logged. */
	assert_int_equal(dbk_store_write(s, add_and_edit, &a, &err), 0);
	dbk_error_clear(&err);
}

static void
test_tamper_found_at_entry(void **state)
{
	struct tu_store *ts = *state;
	struct vres v;

	(void)state;
	make_entries(ts->s);

	/* Flip a byte of entry 3: it no longer authenticates. */
	raw_flip(ts->s, 3);
	v = verify(ts->s);
	assert_int_equal(v.rc, DBK_EINTEGRITY);
	assert_int_equal(v.bad, 3);
	assert_non_null(strstr(v.msg, "entry 3"));
	raw_flip(ts->s, 3); /* flip back: intact again */
	assert_int_equal(verify(ts->s).rc, 0);

	/* Swap 2 and 3 by an insider (validly re-encrypted): entry 2 now
	 * carries sequence 3. */
	reput(ts->s, 2, 99);
	reput(ts->s, 3, 2);
	reput(ts->s, 99, 3);
	raw_del(ts->s, 99);
	v = verify(ts->s);
	assert_int_equal(v.rc, DBK_EINTEGRITY);
	assert_int_equal(v.bad, 2);
	reput(ts->s, 2, 99);
	reput(ts->s, 3, 2);
	reput(ts->s, 99, 3);
	raw_del(ts->s, 99);
	assert_int_equal(verify(ts->s).rc, 0);

	/* Delete entry 4: the gap is named. */
	reput(ts->s, 4, 99);
	raw_del(ts->s, 4);
	v = verify(ts->s);
	assert_int_equal(v.rc, DBK_EINTEGRITY);
	assert_int_equal(v.bad, 4);
	assert_non_null(strstr(v.msg, "entry 4 is missing"));
	reput(ts->s, 99, 4);
	raw_del(ts->s, 99);
	assert_int_equal(verify(ts->s).rc, 0);

	/* Truncate the last two: found against the signed head. */
	raw_del(ts->s, 5);
	raw_del(ts->s, 4);
	v = verify(ts->s);
	assert_int_equal(v.rc, DBK_EINTEGRITY);
	assert_int_equal(v.bad, 4);
	assert_non_null(strstr(v.msg, "truncated"));
}

static void
test_head_signature(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_txn *t;
	uint8_t *h = NULL;
	size_t n = 0;
	struct vres v;

	make_entries(ts->s);
	/* Rewrite the head with a broken signature (valid encryption). */
	t = tu_begin(ts->s, 1);
	assert_int_equal(dbki_get(t, DBI_META, "audit_head", 10, &h, &n, &err), 0);
	/* seq (8) || hash (32) || change seq (8) || signature (64) */
	assert_int_equal(n, 8 + 32 + 8 + 64);
	h[48] ^= 0x80;
	assert_int_equal(dbki_put(t, DBI_META, "audit_head", 10, h, n, 0, &err), 0);
	dbki_free_plain(h, n);
	tu_commit(t);
	v = verify(ts->s);
	assert_int_equal(v.rc, DBK_EINTEGRITY);
	assert_non_null(strstr(v.msg, "signature"));
	dbk_error_clear(&err);
}

/* Copy the current head's ciphertext out (an attacker's snapshot). */
static MDB_val
head_snapshot(struct dbk_store *s)
{
	struct dbk_txn *t = tu_begin(s, 0);
	MDB_val k = { 10, "audit_head" }, v, copy;

	assert_int_equal(mdb_get(t->t, s->dbi[DBI_META], &k, &v), 0);
	copy.mv_size = v.mv_size;
	copy.mv_data = malloc(v.mv_size);
	assert_non_null(copy.mv_data);
	memcpy(copy.mv_data, v.mv_data, v.mv_size);
	dbk_txn_abort(t);
	return copy;
}

static void
raw_put_head(struct dbk_store *s, MDB_val *v)
{
	struct dbk_txn *t = tu_begin(s, 1);
	MDB_val k = { 10, "audit_head" };

	assert_int_equal(mdb_put(t->t, s->dbi[DBI_META], &k, v, 0), 0);
	tu_commit(t);
}

/* An old head put back over a trail truncated to match it: the head
 * speaks for an older change than the store holds. */
static void
test_old_head_replayed(void **state)
{
	struct tu_store *ts = *state;
	MDB_val old = head_snapshot(ts->s); /* after init: entry 1 only */
	struct vres v;

	make_entries(ts->s); /* entries 2..5 */
	for (uint64_t i = 5; i >= 2; i--)
		raw_del(ts->s, i);
	raw_put_head(ts->s, &old);
	v = verify(ts->s);
	assert_int_equal(v.rc, DBK_EINTEGRITY);
	assert_non_null(strstr(v.msg, "older head"));
	free(old.mv_data);
}

/* Deleting the whole trail and its head is not an empty, valid trail. */
static void
test_trail_wiped(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_txn *t;
	MDB_val k = { 10, "audit_head" };
	struct vres v;

	make_entries(ts->s);
	for (uint64_t i = 1; i <= 5; i++)
		raw_del(ts->s, i);
	t = tu_begin(ts->s, 1);
	assert_int_equal(mdb_del(t->t, ts->s->dbi[DBI_META], &k, NULL), 0);
	tu_commit(t);
	v = verify(ts->s);
	assert_int_equal(v.rc, DBK_EINTEGRITY);
	assert_non_null(strstr(v.msg, "gone"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_entries_logged,
		    tu_setup_store, tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_failed_command_not_logged,
		    tu_setup_store, tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_tamper_found_at_entry,
		    tu_setup_store, tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_head_signature,
		    tu_setup_store, tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_old_head_replayed,
		    tu_setup_store, tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_trail_wiped,
		    tu_setup_store, tu_teardown_store),
	};

	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
