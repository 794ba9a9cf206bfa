/*
 * test_backup.c -- compacted backups and the store check (backup.c).
 */
#include "testutil.h"

struct probs { size_t n; char where[8][128]; char field[8][32]; };

static int
prob_cb(const struct dbk_problem *p, void *ctx)
{
	struct probs *pr = ctx;

	if (pr->n < 8) {
		snprintf(pr->where[pr->n], sizeof pr->where[0], "%s", p->where);
		snprintf(pr->field[pr->n], sizeof pr->field[0], "%s",
		    p->field ? p->field : "");
	}
	pr->n++;
	return 0;
}

struct one { struct dbk_id id; const char *budget; };

static int
add_cust(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	struct one *o = ctx;
	struct dbk_field f[] = { { "name", "海天精密" }, { "budget", o->budget },
		{ "code", "H1" } };
	return dbk_customer_add(t, f, 3, &o->id, err);
}

static void
test_check_healthy_and_backup_restores(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct probs pr = { 0 };
	struct one o = { .budget = "50万" };
	char bpath[96], rdir[96], rdata[128];
	struct dbk_store *r;
	size_t n = 99;

	assert_int_equal(dbk_store_write(ts->s, add_cust, &o, &err), 0);
	assert_int_equal(dbk_store_check(ts->s, prob_cb, &pr, &n, &err), 0);
	assert_int_equal(n, 0);
	snprintf(bpath, sizeof bpath, "%s/backup.mdb", ts->dir);
	assert_int_equal(dbk_store_backup(ts->s, bpath, &err), 0);
	/* Restore: the backup file is a data.mdb of its own. */
	snprintf(rdir, sizeof rdir, "%s/restored", ts->dir);
	assert_int_equal(mkdir(rdir, 0700), 0);
	snprintf(rdata, sizeof rdata, "%s/data.mdb", rdir);
	assert_int_equal(rename(bpath, rdata), 0);
	r = tu_open_at(rdir);
	assert_int_equal(dbk_store_check(r, prob_cb, &pr, &n, &err), 0);
	assert_int_equal(n, 0);
	dbk_store_close(r);
	dbk_error_clear(&err);
}

static void
test_backup_to_missing_dir_leaves_nothing(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	char bpath[128];
	struct stat st;

	snprintf(bpath, sizeof bpath, "%s/no/such/dir/b.mdb", ts->dir);
	assert_int_equal(dbk_store_backup(ts->s, bpath, &err), DBK_EIO);
	assert_non_null(err.msg);
	assert_int_not_equal(stat(bpath, &st), 0);
	dbk_error_clear(&err);
}

/* Flip one character inside the sealed budget, re-encrypting the record
 * validly: only the restricted-key layer fails, and the check names the
 * field. */
static void
test_check_names_field(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct probs pr = { 0 };
	struct one o = { .budget = "50万" };
	struct dbk_txn *t;
	uint8_t k[17], *pt = NULL;
	size_t n = 0, np = 0;
	char *p, hex[DBK_ID_HEX];

	assert_int_equal(dbk_store_write(ts->s, add_cust, &o, &err), 0);
	t = tu_begin(ts->s, 1);
	k[0] = DBK_T_CUSTOMER;
	memcpy(k + 1, o.id.b, 16);
	assert_int_equal(dbki_get(t, DBI_REC, k, 17, &pt, &n, &err), 0);
	p = strstr((char *)pt, "\"budget\":[\"R1.");
	assert_non_null(p);
	p += strlen("\"budget\":[\"R1.0.") + 10; /* inside the base64 */
	*p = *p == 'A' ? 'B' : 'A';
	assert_int_equal(dbki_put(t, DBI_REC, k, 17, pt, n, 0, &err), 0);
	dbki_free_plain(pt, n);
	tu_commit(t);
	assert_int_equal(dbk_store_check(ts->s, prob_cb, &pr, &np, &err), 0);
	assert_int_equal(np, 1);
	dbk_id_format(&o.id, hex);
	assert_non_null(strstr(pr.where[0], hex));
	assert_string_equal(pr.field[0], "budget");
	dbk_error_clear(&err);
}

/* An older list-index entry put back (valid ciphertext, stale content)
 * is found: the list would show a name the record no longer has. */
static int
rename_cust(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	struct dbk_field f[] = { { "name", "Beta" } };
	return dbk_record_update(t, ctx, f, 1, NULL, err);
}

static void
test_check_stale_summary(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct probs pr = { 0 };
	struct one o = { .budget = "1" };
	struct dbk_txn *t;
	MDB_val k, v, copy;
	size_t np = 0;

	assert_int_equal(dbk_store_write(ts->s, add_cust, &o, &err), 0);
	t = tu_begin(ts->s, 0);
	k.mv_size = 16;
	k.mv_data = o.id.b;
	assert_int_equal(mdb_get(t->t, ts->s->dbi[DBI_CSUM], &k, &v), 0);
	copy.mv_size = v.mv_size;
	copy.mv_data = malloc(v.mv_size);
	assert_non_null(copy.mv_data);
	memcpy(copy.mv_data, v.mv_data, v.mv_size);
	dbk_txn_abort(t);
	assert_int_equal(dbk_store_write(ts->s, rename_cust, &o.id, &err), 0);
	assert_int_equal(dbk_store_check(ts->s, prob_cb, &pr, &np, &err), 0);
	assert_int_equal(np, 0);
	t = tu_begin(ts->s, 1);
	assert_int_equal(mdb_put(t->t, ts->s->dbi[DBI_CSUM], &k, &copy, 0), 0);
	tu_commit(t);
	assert_int_equal(dbk_store_check(ts->s, prob_cb, &pr, &np, &err), 0);
	assert_int_equal(np, 1);
	free(copy.mv_data);
	dbk_error_clear(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_healthy_and_backup_restores,
		    tu_setup_store, tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_backup_to_missing_dir_leaves_nothing,
		    tu_setup_store, tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_check_names_field,
		    tu_setup_store, tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_check_stale_summary,
		    tu_setup_store, tu_teardown_store),
	};

	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
