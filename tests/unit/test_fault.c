/*
 * test_fault.c -- fault injection loops (RELIABILITY R3, R18; fault.h).
 *
 * For each operation -- init, open, a logged interaction, the import of
 * a small bundle, a backup -- and each kind of fault, run it again and
 * again from the same starting store with the Nth allocation (or I/O
 * call, or LMDB write answering MAP_FULL) failing, N = 1, 2, 3, ...,
 * until a run no longer reaches the fault.  Every run must end with
 * success, or with a message and a code that says what happened
 * (DBK_ENOMEM for memory, DBK_EIO or DBK_EFULL for I/O; never
 * DBK_ELMDB, never a leaked MDB_BAD_TXN); and afterwards, with faults
 * off, the store opens, the check finds nothing, and its content is
 * exactly the state before or the state after a clean run.
 *
 * Exact comparison needs runs that are alike: libsodium's random bytes
 * come from a generator seeded again before every attempt, and the
 * stores run on a fixed clock.  The content compared is every key and
 * every decrypted value of every database, hashed.
 */
#include "testutil.h"

#include <dirent.h>

#include "fault.h"
#include "dealbook/audit.h"
#include "dealbook/pipeline.h"
#include "dealbook/roster.h"
#include "dealbook/sync.h"

/*
 * ---- a deterministic randombytes (splitmix64) ----
 *
 * Two streams: record ids (10 random bytes each) come from one, all the
 * rest from the other.  The nonce pool (crypto.c) refills 64 nonces at
 * a time and outlives a run, so where its refills fall differs between
 * runs; with one stream that would shift the ids drawn after it.
 */

static uint64_t rng_state[2];

static const char *
rng_name(void)
{
	return "fault-test";
}

static uint32_t
rng_next(int which)
{
	uint64_t z = (rng_state[which] += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint32_t
rng_random(void)
{
	return rng_next(1);
}

static void
rng_buf(void *buf, size_t n)
{
	unsigned char *p = buf;

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rng_next(n == 10 ? 0 : 1);
}

static struct randombytes_implementation rng_impl = {
	rng_name, rng_random, NULL, NULL, rng_buf, NULL
};

static void
rng_seed(uint64_t seed)
{
	rng_state[0] = seed;
	rng_state[1] = ~seed;
}

/* ---- store directories ---- */

static void
copy_file(const char *from, const char *to)
{
	size_t n = 0;
	unsigned char *b = tu_read_file(from, &n);
	int fd = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, n), (ssize_t)n);
	close(fd);
	free(b);
}

/* The store at `to` becomes a copy of the (closed) one at `from`. */
static void
restore(const char *from, const char *to)
{
	char a[256], b[256];

	tu_rmrf(to);
	assert_int_equal(mkdir(to, 0700), 0);
	snprintf(a, sizeof a, "%s/data.mdb", from);
	snprintf(b, sizeof b, "%s/data.mdb", to);
	copy_file(a, b);
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* ---- the state of a store ---- */

static int
on_problem(const struct dbk_problem *p, void *ctx)
{
	(void)ctx;
	print_message("  problem: %s %s: %s\n", p->where,
	    p->field ? p->field : "", p->what);
	return 0;
}

/*
 * Open the store with faults off, check it as doctor does, and hash
 * every key and decrypted value (the plaintext header as it is).
 */
static void
state_of(const char *path, uint8_t out[32])
{
	struct dbk_store *s = tu_open_at(path);
	struct dbk_error err = { 0 };
	crypto_generichash_state h;
	struct dbk_txn *t;
	size_t np = 0;

	if (getenv("DBK_FAULT_DEBUG") != NULL)
		print_message("STATE %s\n", path);
	TU_OK(dbk_store_check(s, on_problem, NULL, &np, &err), &err);
	assert_int_equal(np, 0);
	t = tu_begin(s, 0);
	crypto_generichash_init(&h, NULL, 0, 32);
	for (int db = 0; db < DBI_COUNT; db++) {
		MDB_cursor *c;
		MDB_val k, v;
		uint8_t len[8];
		assert_int_equal(mdb_cursor_open(t->t, s->dbi[db], &c), 0);
		for (int mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0;
		    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			uint8_t *pt = NULL;
			size_t pn = 0;
			dbki_le64(len, ((uint64_t)db << 32) | k.mv_size);
			crypto_generichash_update(&h, len, 8);
			crypto_generichash_update(&h, k.mv_data, k.mv_size);
			if (db == DBI_META && k.mv_size == 6 &&
			    memcmp(k.mv_data, "header", 6) == 0) {
				pt = v.mv_data;
				pn = v.mv_size;
			} else {
				TU_OK(dbki_open_value(t, (enum dbki_db)db, &k, &v,
				    &pt, &pn, &err), &err);
			}
			dbki_le64(len, pn);
			crypto_generichash_update(&h, len, 8);
			crypto_generichash_update(&h, pt, pn);
			if (getenv("DBK_FAULT_DEBUG") != NULL) {
				char kh[80];
				dbki_hex(kh, k.mv_data, k.mv_size < 39 ? k.mv_size : 39);
				uint8_t eh[8];
				char ehx[17];
				crypto_generichash(eh, 8, pt, pn, NULL, 0);
				dbki_hex(ehx, eh, 8);
				print_message("    %s %s %s: %.*s\n", dbki_db_names[db],
				    kh, ehx, (int)(pn < 100 ? pn : 100),
				    (const char *)pt);
			}
			if (pt != v.mv_data)
				dbki_free_plain(pt, pn);
		}
		mdb_cursor_close(c);
	}
	crypto_generichash_final(&h, out, 32);
	dbk_txn_abort(t);
	dbk_store_close(s);
}

/* ---- the operations ---- */

struct fx {
	char dir[32];
	char pre[64];      /* the starting store, closed */
	char work[64];     /* where each run happens */
	char bundle[64];   /* import: the bundle from alice */
	char bkdir[64];    /* backup: an otherwise empty directory */
	char bkpath[96];
	struct dbk_id cust;
	int (*run)(struct fx *, struct dbk_store *, struct dbk_error *);
};

static void
fx_init(struct fx *fx)
{
	memset(fx, 0, sizeof *fx);
	tu_tmpdir(fx->dir);
	snprintf(fx->pre, sizeof fx->pre, "%s/pre", fx->dir);
	snprintf(fx->work, sizeof fx->work, "%s/work", fx->dir);
	snprintf(fx->bundle, sizeof fx->bundle, "%s/b.dbk", fx->dir);
	snprintf(fx->bkdir, sizeof fx->bkdir, "%s/bk", fx->dir);
	snprintf(fx->bkpath, sizeof fx->bkpath, "%s/backup.mdb", fx->bkdir);
}

static struct dbk_id
add_customer(struct dbk_store *s, const char *name)
{
	struct dbk_error err = { 0 };
	struct dbk_field f[] = { { "name", name } };
	struct dbk_txn *t = tu_begin(s, 1);
	struct dbk_id id;

	TU_OK(dbk_customer_add(t, f, 1, &id, &err), &err);
	tu_commit(t);
	return id;
}

static int
log_txn(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	struct fx *fx = ctx;
	struct dbk_field f[] = { { "summary", "拜訪，談了報價" },
		{ "channel", "visit" }, { "next", "send the quote" } };
	const char *obj[] = { "too expensive" };
	struct dbk_id iid;
	int late = 0;

	/* Each attempt (a grown map runs it again) draws the same ids. */
	rng_seed(7);
	return dbk_log_add(t, &fx->cust, f, 3, obj, 1, &iid, &late, err);
}

/* What 'dealbook log' does: one write transaction. */
static int
run_log(struct fx *fx, struct dbk_store *s, struct dbk_error *err)
{
	return dbk_store_write(s, log_txn, fx, err);
}

static int
run_import(struct fx *fx, struct dbk_store *s, struct dbk_error *err)
{
	struct dbk_import_report rep;
	int rc = dbk_import(s, fx->bundle, 0, NULL, &rep, err);

	if (rc == 0) {
		/* A record refused is a silent partial import. */
		assert_int_equal(rep.rejected, 0);
		assert_int_equal(rep.quarantined, 0);
		assert_true(rep.added > 0);
	}
	return rc;
}

static int
run_backup(struct fx *fx, struct dbk_store *s, struct dbk_error *err)
{
	int rc = dbk_store_backup(s, fx->bkpath, err);

	if (rc == 0) {
		struct stat st;
		assert_int_equal(stat(fx->bkpath, &st), 0);
		assert_true(st.st_size > 0);
		assert_int_equal(unlink(fx->bkpath), 0);
	}
	/* Nothing at the target after a failure, no temporary left (R18). */
	assert_int_equal(count_entries(fx->bkdir), 0);
	return rc;
}

/* Opening the store, as every command does first. */
static int
run_open(struct fx *fx, struct dbk_store *s, struct dbk_error *err)
{
	int rc;

	(void)s;
	rc = dbk_store_open(fx->work, TU_PASS, strlen(TU_PASS), &s, err);
	if (rc == 0)
		dbk_store_close(s);
	return rc;
}

static void
fx_free(struct fx *fx)
{
	tu_rmrf(fx->dir);
}

/* A store with one customer to log against. */
static void
fx_log(struct fx *fx)
{
	struct dbk_store *s;

	fx_init(fx);
	tu_create_at(fx->pre, NULL);
	s = tu_open_at(fx->pre);
	dbk_store_set_clock(s, TU_NOW);
	fx->cust = add_customer(s, "華東機械");
	dbk_store_close(s);
	fx->run = run_log;
}

/* bob's store, with alice on its roster, and a bundle from alice. */
static void
fx_import(struct fx *fx)
{
	struct dbk_error err = { 0 };
	char alice[64];
	struct dbk_store *a, *b;
	struct dbk_txn *t;
	struct dbk_export_info info;
	const char *to[] = { "bob" };
	char *ia, *ib;

	fx_init(fx);
	snprintf(alice, sizeof alice, "%s/alice", fx->dir);
	tu_create_at(alice, NULL);
	tu_create_at(fx->pre, NULL);
	a = tu_open_at(alice);
	b = tu_open_at(fx->pre);
	dbk_store_set_clock(a, TU_NOW - 3600);
	ia = dbk_store_identity(a);
	ib = dbk_store_identity(b);
	t = tu_begin(a, 1);
	TU_OK(dbk_member_add(t, "bob", ib, "member", 0, NULL, &err), &err);
	tu_commit(t);
	t = tu_begin(b, 1);
	TU_OK(dbk_member_add(t, "alice", ia, "member", 0, NULL, &err), &err);
	tu_commit(t);
	for (int i = 0; i < 2; i++) {
		struct dbk_field f[] = { { "summary", "電話" } };
		struct dbk_id cid = add_customer(a, i ? "Beta Ltd" : "甲公司");
		int late = 0;
		t = tu_begin(a, 1);
		TU_OK(dbk_log_add(t, &cid, f, 1, NULL, 0, NULL, &late, &err),
		    &err);
		tu_commit(t);
	}
	TU_OK(dbk_export(a, to, 1, NULL, 0, fx->bundle, &info, &err), &err);
	free(ia);
	free(ib);
	dbk_store_close(a);
	dbk_store_close(b);
	fx->run = run_import;
}

static void
fx_open(struct fx *fx)
{
	fx_log(fx);
	fx->run = run_open;
}

static void
fx_backup(struct fx *fx)
{
	fx_log(fx);
	assert_int_equal(mkdir(fx->bkdir, 0700), 0);
	fx->run = run_backup;
}

/* ---- the loop ---- */

static int
code_ok(enum dbk_test_fault kind, int code)
{
	switch (kind) {
	case DBK_FAULT_ALLOC:
		return code == DBK_ENOMEM;
	case DBK_FAULT_IO:
		return code == DBK_EIO || code == DBK_EFULL;
	default:
		return code == DBK_EFULL;
	}
}

static const char *const kind_names[] = { "alloc", "io", "full" };

/* One run from the starting state with fault n armed (0: none).  Returns
 * the operation's status; *fired says whether the fault was reached. */
static int
run_once(struct fx *fx, enum dbk_test_fault kind, unsigned long n,
    int sticky, unsigned long *calls, int *fired, uint8_t state[32])
{
	struct dbk_error err = { 0 };
	struct dbk_store *s;
	int rc;

	restore(fx->pre, fx->work);
	s = fx->run == run_open ? NULL : tu_open_at(fx->work);
	if (s != NULL)
		dbk_store_set_clock(s, TU_NOW);
	rng_seed(7);
	dbk_test_fault_set(kind, n, sticky);
	rc = fx->run(fx, s, &err);
	*calls = dbk_test_fault_count(kind);
	*fired = dbk_test_fault_fired(kind) > 0;
	dbk_test_fault_set(kind, 0, 0);
	if (rc != 0) {
		if (!*fired || err.msg == NULL || !code_ok(kind, rc) ||
		    err.code != rc || strstr(err.msg, "MDB_BAD_TXN") != NULL)
			fail_msg("%s fault %lu%s: status %d (%s), message '%s'",
			    kind_names[kind], n, sticky ? " sticky" : "", rc,
			    dbk_strerror(rc), err.msg ? err.msg : "(none)");
	}
	dbk_error_clear(&err);
	dbk_store_close(s);
	state_of(fx->work, state);
	return rc;
}

/*
 * N = 1, 1 + stride, ... until a run does not reach the fault.  Returns
 * the number of runs.
 */
static unsigned long
loop(struct fx *fx, enum dbk_test_fault kind, int sticky, unsigned long stride)
{
	uint8_t pre[32], post[32], st[32];
	unsigned long calls = 0, runs = 0, failed = 0;
	int fired;

	state_of(fx->pre, pre);
	assert_int_equal(run_once(fx, kind, 0, 0, &calls, &fired, post), 0);
	/* Open and backup change nothing; the others must change something,
	 * or "pre or post" would prove nothing. */
	if (fx->run != run_backup && fx->run != run_open)
		assert_memory_not_equal(pre, post, 32);
	for (unsigned long n = 1;; n += stride) {
		int rc = run_once(fx, kind, n, sticky, &calls, &fired, st);
		runs++;
		if (rc == 0 && memcmp(st, post, 32) != 0)
			fail_msg("%s fault %lu%s: succeeded with a state other "
			    "than the clean run's", kind_names[kind], n,
			    sticky ? " sticky" : "");
		if (rc != 0 && memcmp(st, pre, 32) != 0 &&
		    memcmp(st, post, 32) != 0)
			fail_msg("%s fault %lu%s: failed and left a state "
			    "half-way", kind_names[kind], n, sticky ? " sticky" : "");
		failed += rc != 0;
		if (!fired)
			break;
	}
	print_message("  %s%s: %lu calls, %lu runs (stride %lu), %lu failed\n",
	    kind_names[kind], sticky ? " sticky" : "", calls, runs, stride,
	    failed);
	return runs;
}

static void
all_loops(struct fx *fx, unsigned long sticky_stride)
{
	loop(fx, DBK_FAULT_ALLOC, 0, 1);
	loop(fx, DBK_FAULT_ALLOC, 1, sticky_stride);
	loop(fx, DBK_FAULT_IO, 0, 1);
	loop(fx, DBK_FAULT_IO, 1, 1);
	loop(fx, DBK_FAULT_FULL, 0, 1);
	loop(fx, DBK_FAULT_FULL, 1, 1);
}

static void
test_log(void **state)
{
	struct fx fx;

	(void)state;
	fx_log(&fx);
	all_loops(&fx, 1);
	fx_free(&fx);
}

static void
test_import(void **state)
{
	struct fx fx;

	(void)state;
	fx_import(&fx);
	all_loops(&fx, 1);
	fx_free(&fx);
}

static void
test_open(void **state)
{
	struct fx fx;

	(void)state;
	fx_open(&fx);
	all_loops(&fx, 1);
	fx_free(&fx);
}

static void
test_backup(void **state)
{
	struct fx fx;

	(void)state;
	fx_backup(&fx);
	all_loops(&fx, 1);
	fx_free(&fx);
}

/*
 * init: a failure leaves no store behind, and init into the same path
 * then works (the directory init made is removed, or left empty and
 * private, which init accepts).
 */
static void
init_loop(enum dbk_test_fault kind, int sticky)
{
	char dir[32], path[64];
	unsigned long runs = 0, failed = 0, calls = 0;

	tu_tmpdir(dir);
	snprintf(path, sizeof path, "%s/store", dir);
	for (unsigned long n = 1;; n++) {
		struct dbk_error err = { 0 };
		struct dbk_init_opts o = { TU_MEMBER, "team", NULL, DBK_KDF_TEST,
			TU_NOW };
		int rc, fired;

		dbk_test_fault_set(kind, n, sticky);
		rc = dbk_store_create(path, TU_PASS, strlen(TU_PASS), &o, &err);
		calls = dbk_test_fault_count(kind);
		fired = dbk_test_fault_fired(kind) > 0;
		dbk_test_fault_set(kind, 0, 0);
		runs++;
		if (rc != 0) {
			failed++;
			if (!fired || err.msg == NULL || !code_ok(kind, rc) ||
			    strstr(err.msg, "MDB_BAD_TXN") != NULL)
				fail_msg("init %s fault %lu%s: status %d, '%s'",
				    kind_names[kind], n, sticky ? " sticky" : "",
				    rc, err.msg ? err.msg : "(none)");
			if (dbk_store_exists(path))
				fail_msg("init %s fault %lu%s: '%s' left a store "
				    "behind", kind_names[kind], n,
				    sticky ? " sticky" : "", err.msg);
			dbk_error_clear(&err);
			tu_create_at(path, "team");
		}
		{
			uint8_t st[32];
			state_of(path, st);
		}
		tu_rmrf(path);
		if (!fired)
			break;
	}
	print_message("  init %s%s: %lu calls, %lu runs, %lu failed\n",
	    kind_names[kind], sticky ? " sticky" : "", calls, runs, failed);
	tu_rmrf(dir);
}

static void
test_init(void **state)
{
	(void)state;
	init_loop(DBK_FAULT_ALLOC, 0);
	init_loop(DBK_FAULT_ALLOC, 1);
	init_loop(DBK_FAULT_IO, 0);
	init_loop(DBK_FAULT_IO, 1);
	init_loop(DBK_FAULT_FULL, 0);
	init_loop(DBK_FAULT_FULL, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_import),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_backup),
	};

	/* Before libsodium starts: every random byte from here on is ours. */
	if (randombytes_set_implementation(&rng_impl) != 0)
		return 1;
	rng_seed(1);
	/* DBK_FAULT_ONLY=test_import (a pattern) runs just that loop. */
	if (getenv("DBK_FAULT_ONLY") != NULL)
		cmocka_set_test_filter(getenv("DBK_FAULT_ONLY"));
	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
