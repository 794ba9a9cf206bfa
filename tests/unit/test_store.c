/*
 * test_store.c -- unit tests for src/lib/store.c: create, open, close,
 * passphrase change, identity, process hygiene (R17, R19, R21), the KDF
 * floor in test builds (R22) and map growth (R18).
 */
#include "testutil.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* Forbidden environment flags (R17). */
#define FORBIDDEN (MDB_NOSYNC | MDB_NOMETASYNC | MDB_WRITEMAP | MDB_MAPASYNC | \
	MDB_NOLOCK)

/* RLIMIT_CORE as the process had it before dbk_init (see main). */
static struct rlimit core_before;

static char *
data_file(const char *store)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/data.mdb", store) > 0);
	return p;
}

/* ---- create / open / close ---- */

static void
test_roundtrip(void **state)
{
	struct tu_store ts;
	struct dbk_error err = { 0 };
	struct dbk_init_opts o = { "王小明", NULL, "JPY", DBK_KDF_TEST, 0 };
	struct dbk_store *s = NULL;
	struct stat st;
	char path2[80], *df;

	(void)state;
	tu_store_new(&ts, NULL);
	assert_int_equal(dbk_store_exists(ts.path), 1);
	assert_int_equal(dbk_store_exists(ts.dir), 0);
	/* What create wrote, open read back. */
	assert_string_equal(dbk_store_member(ts.s), TU_MEMBER);
	assert_string_equal(dbk_store_currency(ts.s), "CNY");
	assert_int_equal(dbk_store_minor_digits(ts.s), 2);
	assert_string_equal(dbk_store_kdf_name(ts.s), "test");
	assert_int_equal(dbk_store_has_restricted(ts.s), 1);
	/* Directory 0700, data file 0600 (mode bits only). */
	assert_int_equal(stat(ts.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	df = data_file(ts.path);
	assert_int_equal(stat(df, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(df);
	dbk_store_close(ts.s);
	ts.s = NULL;
	dbk_store_close(NULL);

	/* A second store with a CJK member name and a currency without minor
	 * units: JPY has 0 digits. */
	snprintf(path2, sizeof path2, "%s/jpy", ts.dir);
	TU_OK(dbk_store_create(path2, "pw", 2, &o, &err), &err);
	TU_OK(dbk_store_open(path2, "pw", 2, &s, &err), &err);
	assert_string_equal(dbk_store_member(s), "王小明");
	assert_string_equal(dbk_store_currency(s), "JPY");
	assert_int_equal(dbk_store_minor_digits(s), 0);
	dbk_store_close(s);

	/* Reopening the first works after close. */
	ts.s = tu_open_at(ts.path);
	tu_store_free(&ts);
}

static void
test_create_refusals(void **state)
{
	char dir[32], path[64];
	struct dbk_error err = { 0 };
	struct dbk_init_opts o = { TU_MEMBER, NULL, NULL, DBK_KDF_TEST, 0 };
	struct dbk_store *s = NULL;

	(void)state;
	tu_tmpdir(dir);
	snprintf(path, sizeof path, "%s/s", dir);
	o.member = "";
	TU_FAILS(dbk_store_create(path, "pw", 2, &o, &err), DBK_EINVAL, &err);
	o.member = "bad\nname";
	TU_FAILS(dbk_store_create(path, "pw", 2, &o, &err), DBK_EINVAL, &err);
	o.member = TU_MEMBER;
	o.currency = "cny";
	TU_FAILS(dbk_store_create(path, "pw", 2, &o, &err), DBK_EINVAL, &err);
	assert_non_null(strstr(err.msg, "cny"));
	o.currency = NULL;
	TU_FAILS(dbk_store_create(path, "", 0, &o, &err), DBK_EINVAL, &err);
	o.kdf = (enum dbk_kdf)7;
	TU_FAILS(dbk_store_create(path, "pw", 2, &o, &err), DBK_EINVAL, &err);
	o.kdf = DBK_KDF_TEST;
	/* None of those left a store behind. */
	assert_int_equal(dbk_store_exists(path), 0);
	TU_FAILS(dbk_store_open(path, "pw", 2, &s, &err), DBK_ENOTFOUND, &err);
	assert_null(s);
	dbk_error_clear(&err);
	tu_rmrf(dir);
}

static void
test_create_existing(void **state)
{
	struct tu_store ts;
	struct dbk_error err = { 0 };
	struct dbk_init_opts o = { "intruder", NULL, NULL, DBK_KDF_TEST, 0 };
	uint8_t h1[32], h2[32];
	char *df;

	(void)state;
	tu_store_new(&ts, NULL);
	dbk_store_close(ts.s);
	ts.s = NULL;
	df = data_file(ts.path);
	tu_hash_file(df, h1);
	TU_FAILS(dbk_store_create(ts.path, "other", 5, &o, &err), DBK_EEXIST,
	    &err);
	assert_non_null(strstr(err.msg, ts.path));
	dbk_error_clear(&err);
	/* The existing store is untouched and still opens as before. */
	tu_hash_file(df, h2);
	assert_memory_equal(h1, h2, 32);
	ts.s = tu_open_at(ts.path);
	assert_string_equal(dbk_store_member(ts.s), TU_MEMBER);
	free(df);
	tu_store_free(&ts);
}

static void
test_wrong_passphrase(void **state)
{
	struct tu_store ts;
	struct dbk_error err = { 0 };
	/* Any non-NULL value: a failed open must leave NULL behind. */
	struct dbk_store *s = (struct dbk_store *)(uintptr_t)1;
	uint8_t h1[32], h2[32];
	char *df;

	(void)state;
	tu_store_new(&ts, NULL);
	dbk_store_close(ts.s);
	ts.s = NULL;
	df = data_file(ts.path);
	tu_hash_file(df, h1);
	/* A wrong passphrase, one differing only in case, and a prefix. */
	TU_FAILS(dbk_store_open(ts.path, "wrong", 5, &s, &err), DBK_EPASS, &err);
	assert_null(s);
	TU_FAILS(dbk_store_open(ts.path, "Correct horse battery staple",
	    strlen(TU_PASS), &s, &err), DBK_EPASS, &err);
	TU_FAILS(dbk_store_open(ts.path, TU_PASS, strlen(TU_PASS) - 1, &s, &err),
	    DBK_EPASS, &err);
	/* Its own exit code (3), distinct from an integrity failure (6). */
	assert_int_equal(dbk_exit_code(err.code), 3);
	dbk_error_clear(&err);
	/* R22: the failed opens wrote nothing to the data file. */
	tu_hash_file(df, h2);
	assert_memory_equal(h1, h2, 32);
	/* The failures released the path: the right passphrase opens. */
	ts.s = tu_open_at(ts.path);
	free(df);
	tu_store_free(&ts);
}

static void
test_open_twice_busy(void **state)
{
	struct tu_store ts;
	struct dbk_error err = { 0 };
	struct dbk_store *s2 = NULL;
	char alias[96];

	(void)state;
	tu_store_new(&ts, NULL);
	/* R19: one env per path per process. */
	TU_FAILS(dbk_store_open(ts.path, TU_PASS, strlen(TU_PASS), &s2, &err),
	    DBK_EBUSY, &err);
	assert_null(s2);
	/* The same directory spelled differently is the same store. */
	snprintf(alias, sizeof alias, "%s/./store/", ts.dir);
	TU_FAILS(dbk_store_open(alias, TU_PASS, strlen(TU_PASS), &s2, &err),
	    DBK_EBUSY, &err);
	assert_null(s2);
	dbk_error_clear(&err);
	/* The refused opens did not disturb the open store. */
	assert_string_equal(dbk_store_member(ts.s), TU_MEMBER);
	dbk_store_close(ts.s);
	/* After close it opens again, under either spelling. */
	TU_OK(dbk_store_open(alias, TU_PASS, strlen(TU_PASS), &ts.s, &err),
	    &err);
	tu_store_free(&ts);
}

static void
test_env_flags(void **state)
{
	struct tu_store *ts = *state;
	unsigned int flags = ~0u;

	/* R17: none of the flags that trade durability or hygiene. */
	assert_int_equal(mdb_env_get_flags(ts->s->env, &flags), 0);
	assert_int_equal(flags & FORBIDDEN, 0);
	assert_int_equal(flags & MDB_RDONLY, 0);
}

/* ---- R19: stale readers ---- */

struct reader_count {
	pid_t pid;
	int n;
};

/* mdb_reader_list prints one line per slot: "%10d %zx %-20s". */
static int
count_pid(const char *msg, void *vctx)
{
	struct reader_count *c = vctx;
	const char *p = msg;

	while (p != NULL && *p != '\0') {
		long pid;
		char *end;
		pid = strtol(p, &end, 10);
		if (end != p && pid == (long)c->pid)
			c->n++;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return 0;
}

static int
child_env(const char *path, MDB_env **env)
{
	return mdb_env_create(env) != 0 ||
	    mdb_env_set_maxdbs(*env, 16) != 0 ||
	    mdb_env_open(*env, path, MDB_RDONLY, 0600) != 0 ? -1 : 0;
}

/* The keeper holds the environment open (so that later openers do not
 * reset the lock file) and answers "how many reader slots does pid X
 * hold?" on request. */
static void
keeper(const char *path, int in, int out)
{
	MDB_env *env = NULL;
	char ok = 'r';
	pid_t pid;

	if (child_env(path, &env) != 0 || write(out, &ok, 1) != 1)
		_exit(2);
	while (read(in, &pid, sizeof pid) == (ssize_t)sizeof pid) {
		struct reader_count c = { pid, 0 };
		if (pid == 0)
			break;
		if (mdb_reader_list(env, count_pid, &c) < 0 ||
		    write(out, &c.n, sizeof c.n) != (ssize_t)sizeof c.n)
			_exit(3);
	}
	mdb_env_close(env);
	_exit(0);
}

/* The holder begins a read transaction and waits to be killed. */
static void
holder(const char *path, int out)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	char ok = 'r';

	/* Never outlive a test process that failed before killing us. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (child_env(path, &env) != 0 ||
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0 ||
	    write(out, &ok, 1) != 1)
		_exit(2);
	for (;;)
		pause();
}

static int
ask_keeper(int to, int from, pid_t pid)
{
	int n = -1;

	assert_int_equal(write(to, &pid, sizeof pid), (ssize_t)sizeof pid);
	assert_int_equal(read(from, &n, sizeof n), (ssize_t)sizeof n);
	return n;
}

static void
test_stale_reader_cleared(void **state)
{
	struct tu_store ts;
	int kin[2], kout[2], hout[2], status, dead = -1;
	pid_t kpid, hpid, none = 0;
	struct reader_count c;
	char ok = 0;

	(void)state;
	tu_store_new(&ts, NULL);
	dbk_store_close(ts.s);   /* no env of ours exists across fork */
	ts.s = NULL;
	assert_int_equal(pipe(kin), 0);
	assert_int_equal(pipe(kout), 0);
	assert_int_equal(pipe(hout), 0);

	/* Each child keeps only its own pipe ends, so that it sees EOF (and
	 * exits) if this process dies on a failed assertion. */
	kpid = fork();
	assert_true(kpid >= 0);
	if (kpid == 0) {
		close(kin[1]);
		close(kout[0]);
		close(hout[0]);
		close(hout[1]);
		keeper(ts.path, kin[0], kout[1]);
	}
	close(kin[0]);
	close(kout[1]);
	assert_int_equal(read(kout[0], &ok, 1), 1);

	hpid = fork();
	assert_true(hpid >= 0);
	if (hpid == 0) {
		close(kin[1]);
		close(kout[0]);
		close(hout[0]);
		holder(ts.path, hout[1]);
	}
	close(hout[1]);
	assert_int_equal(read(hout[0], &ok, 1), 1);
	/* A crash while reading: the slot stays in the reader table. */
	assert_int_equal(kill(hpid, SIGKILL), 0);
	assert_int_equal(waitpid(hpid, &status, 0), hpid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(ask_keeper(kin[1], kout[0], hpid), 1);

	/* Our open runs mdb_reader_check: afterwards a second check finds
	 * nothing dead and no slot names the dead pid. */
	ts.s = tu_open_at(ts.path);
	assert_int_equal(mdb_reader_check(ts.s->env, &dead), 0);
	assert_int_equal(dead, 0);
	c.pid = hpid;
	c.n = 0;
	assert_true(mdb_reader_list(ts.s->env, count_pid, &c) >= 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(ask_keeper(kin[1], kout[0], hpid), 0);

	assert_int_equal(write(kin[1], &none, sizeof none), (ssize_t)sizeof none);
	assert_int_equal(waitpid(kpid, &status, 0), kpid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(kin[1]);
	close(kout[0]);
	close(hout[0]);
	tu_store_free(&ts);
}

/* ---- passphrase change ---- */

static int
add_customer(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct dbk_field f[] = { { "name", "海天精密" }, { "budget", "50万" } };

	return dbk_record_create(t, DBK_T_CUSTOMER, f, 2, vctx, err);
}

static int
check_customer(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct dbk_record *r = NULL;
	int rc = dbk_record_load(t, vctx, &r, err);

	if (rc != 0)
		return rc;
	assert_string_equal(dbk_record_str(r, "name"), "海天精密");
	/* 50万 = 500,000 yuan = 50,000,000 fen */
	assert_string_equal(dbk_record_str(r, "budget"), "50000000");
	dbk_record_free(r);
	return 0;
}

static void
test_passwd(void **state)
{
	struct tu_store ts;
	struct dbk_error err = { 0 };
	struct dbk_store *s = NULL;
	struct dbk_id id;
	static const char np[] = "新的口令 2024";

	(void)state;
	tu_store_new(&ts, NULL);
	TU_OK(dbk_store_write(ts.s, add_customer, &id, &err), &err);
	TU_FAILS(dbk_store_passwd(ts.s, "", 0, -1, &err), DBK_EINVAL, &err);
	TU_FAILS(dbk_store_passwd(ts.s, np, strlen(np), 9, &err), DBK_EINVAL,
	    &err);
	TU_OK(dbk_store_passwd(ts.s, np, strlen(np), -1, &err), &err);
	/* Same level kept when kdf < 0. */
	assert_string_equal(dbk_store_kdf_name(ts.s), "test");
	/* The open handle keeps working with the same data key. */
	TU_OK(dbk_store_read(ts.s, check_customer, &id, &err), &err);
	dbk_store_close(ts.s);
	ts.s = NULL;

	TU_FAILS(dbk_store_open(ts.path, TU_PASS, strlen(TU_PASS), &s, &err),
	    DBK_EPASS, &err);
	assert_null(s);
	TU_OK(dbk_store_open(ts.path, np, strlen(np), &s, &err), &err);
	TU_OK(dbk_store_read(s, check_customer, &id, &err), &err);
	/* And back, naming the level explicitly. */
	TU_OK(dbk_store_passwd(s, TU_PASS, strlen(TU_PASS), DBK_KDF_TEST, &err),
	    &err);
	dbk_store_close(s);
	TU_FAILS(dbk_store_open(ts.path, np, strlen(np), &s, &err), DBK_EPASS,
	    &err);
	dbk_error_clear(&err);
	ts.s = tu_open_at(ts.path);
	TU_OK(dbk_store_read(ts.s, check_customer, &id, &err), &err);
	tu_store_free(&ts);
}

/* ---- R22 in the test build ---- */

static void
test_kdf_test_build(void **state)
{
	struct tu_store *ts = *state;
	enum dbk_kdf k = DBK_KDF_MODERATE;
	MDB_txn *txn = NULL;
	MDB_val key = { 6, "header" }, v;
	const uint8_t *h;

	/* "test" parses exactly because this is a test build. */
	assert_int_equal(dbk_is_test_build(), 1);
	assert_int_equal(dbk_kdf_parse("test", &k) == 0, dbk_is_test_build());
	assert_int_equal(k, DBK_KDF_TEST);
	assert_int_equal(dbk_kdf_parse("interactive", &k), 0);
	assert_int_equal(k, DBK_KDF_INTERACTIVE);
	assert_int_equal(dbk_kdf_parse("moderate", &k), 0);
	assert_int_equal(k, DBK_KDF_MODERATE);
	assert_int_equal(dbk_kdf_parse("sensitive", &k), 0);
	assert_int_equal(k, DBK_KDF_SENSITIVE);
	assert_int_equal(dbk_kdf_parse("Moderate", &k), DBK_EINVAL);
	assert_int_equal(dbk_kdf_parse("", &k), DBK_EINVAL);
	assert_int_equal(k, DBK_KDF_SENSITIVE);

	/* The store (created with the test level) opened, and its header
	 * records the parameters: magic "DBKS", version 1, store id (16),
	 * algorithm 2 = Argon2id at offset 24, ops at 28, mem at 36, then a
	 * 16-byte salt.  The test level is libsodium's minimum: ops 1 and
	 * 8 KiB = 8192 bytes, under the interactive floor (ops 2, 64 MiB). */
	assert_int_equal(mdb_txn_begin(ts->s->env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_get(txn, ts->s->dbi[DBI_META], &key, &v), 0);
	h = v.mv_data;
	assert_memory_equal(h, "DBKS", 4);
	assert_int_equal(dbki_rd_le32(h + 4), 1);
	assert_memory_equal(h + 8, ts->s->store_id, 16);
	assert_int_equal(dbki_rd_le32(h + 24), 2);
	assert_int_equal(dbki_rd_le64(h + 28), 1);
	assert_int_equal(dbki_rd_le64(h + 36), 8192);
	assert_true(dbki_rd_le64(h + 28) < crypto_pwhash_OPSLIMIT_INTERACTIVE);
	mdb_txn_abort(txn);
	assert_string_equal(dbk_store_kdf_name(ts->s), "test");
}

/* ---- identity ---- */

static void
test_identity(void **state)
{
	struct tu_store *ts = *state;
	char *id = dbk_store_identity(ts->s), *again;
	uint8_t raw[80];

	assert_non_null(id);
	assert_int_equal(strncmp(id, "dbk1:", 5), 0);
	/* 64 bytes in unpadded base64 take ceil(64 * 4 / 3) = 86 chars. */
	assert_int_equal(strlen(id), 5 + 86);
	assert_int_equal(dbki_b64_decode(raw, sizeof raw, id + 5, strlen(id + 5)),
	    64);
	/* Ed25519 public key, then X25519 public key. */
	assert_memory_equal(raw, ts->s->ed_pk, 32);
	assert_memory_equal(raw + 32, ts->s->x_pk, 32);
	/* Stable across close and open. */
	dbk_store_close(ts->s);
	ts->s = tu_open_at(ts->path);
	again = dbk_store_identity(ts->s);
	assert_string_equal(again, id);
	free(again);
	free(id);
}

/* ---- R18: map growth ---- */

#define BULK_N 2000
#define BULK_TEXT 1024

struct bulk {
	int calls;
	int made;
};

static void
bulk_text(char *buf, int i)
{
	for (int j = 0; j < BULK_TEXT; j++)
		buf[j] = (char)('a' + (i + j) % 26);
	buf[BULK_TEXT] = '\0';
}

static int
bulk_write(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct bulk *b = vctx;
	char name[32], text[BULK_TEXT + 1];
	int rc;

	/* The wrapper may run us again from the start after growing. */
	b->calls++;
	b->made = 0;
	for (int i = 0; i < BULK_N; i++) {
		struct dbk_field f[] = { { "name", name }, { "pain", text } };
		snprintf(name, sizeof name, "客戶%04d", i);
		bulk_text(text, i);
		if ((rc = dbk_record_create(t, DBK_T_CUSTOMER, f, 2, NULL, err)) != 0)
			return rc;
		b->made++;
	}
	return 0;
}

struct bulk_check {
	int n;
	char seen[BULK_N];
};

static int
bulk_cb(struct dbk_record *r, void *vctx)
{
	struct bulk_check *c = vctx;
	const char *name = dbk_record_str(r, "name");
	char want[BULK_TEXT + 1];
	int i;

	assert_non_null(name);
	/* "客戶" is 6 bytes of UTF-8, then 4 digits. */
	assert_int_equal(strncmp(name, "客戶", 6), 0);
	i = (int)strtol(name + 6, NULL, 10);
	assert_true(i >= 0 && i < BULK_N);
	assert_int_equal(c->seen[i], 0);
	c->seen[i] = 1;
	bulk_text(want, i);
	assert_string_equal(dbk_record_str(r, "pain"), want);
	c->n++;
	return 0;
}

static int
bulk_read(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	return dbk_record_foreach(t, DBK_T_CUSTOMER, bulk_cb, vctx, err);
}

static void
test_map_growth(void **state)
{
	struct tu_store ts;
	struct dbk_error err = { 0 };
	struct bulk b = { 0, 0 };
	struct bulk_check *c = calloc(1, sizeof *c);
	struct stat st;
	char *df;

	(void)state;
	assert_non_null(c);
	tu_store_new(&ts, NULL);
	dbk_store_close(ts.s);
	/* 64 KiB is 16 pages; 2000 records of over 1 KiB each need some
	 * 2.5 MB, so the write must hit MAP_FULL and grow (doubling at most
	 * 8 times: 64 KiB * 2^8 = 16 MiB is the most it may reach). */
	assert_int_equal(setenv("DEALBOOK_TEST_MAPSIZE", "65536", 1), 0);
	ts.s = tu_open_at(ts.path);
	assert_int_equal(unsetenv("DEALBOOK_TEST_MAPSIZE"), 0);
	assert_int_equal(ts.s->mapsize, 65536);
	TU_OK(dbk_store_write(ts.s, bulk_write, &b, &err), &err);
	assert_int_equal(b.made, BULK_N);
	/* Each extra run followed one doubling of the map. */
	assert_true(b.calls > 1);
	assert_int_equal(ts.s->mapsize, (size_t)65536 << (b.calls - 1));
	assert_true(ts.s->mapsize <= (size_t)65536 << 8);
	TU_OK(dbk_store_read(ts.s, bulk_read, c, &err), &err);
	assert_int_equal(c->n, BULK_N);
	dbk_store_close(ts.s);
	df = data_file(ts.path);
	assert_int_equal(stat(df, &st), 0);
	assert_true(st.st_size > (off_t)BULK_N * BULK_TEXT);
	free(df);

	/* Everything is still there after reopening at the normal size. */
	memset(c, 0, sizeof *c);
	ts.s = tu_open_at(ts.path);
	TU_OK(dbk_store_read(ts.s, bulk_read, c, &err), &err);
	assert_int_equal(c->n, BULK_N);
	free(c);
	tu_store_free(&ts);
}

/* ---- R21: no core dumps ---- */

static void
test_core_dumps_off(void **state)
{
	struct rlimit rl;

	(void)state;
	/* main raised the soft limit to the hard one before dbk_init, so a
	 * zero here is dbk_init's doing (unless the hard limit was 0). */
	if (core_before.rlim_cur == 0)
		print_message("note: RLIMIT_CORE was already 0 before dbk_init\n");
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_int_equal(rl.rlim_cur, 0);
	assert_int_equal(rl.rlim_max, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_create_refusals),
		cmocka_unit_test(test_create_existing),
		cmocka_unit_test(test_wrong_passphrase),
		cmocka_unit_test(test_open_twice_busy),
		cmocka_unit_test_setup_teardown(test_env_flags, tu_setup_store,
		    tu_teardown_store),
		cmocka_unit_test(test_stale_reader_cleared),
		cmocka_unit_test(test_passwd),
		cmocka_unit_test_setup_teardown(test_kdf_test_build,
		    tu_setup_store, tu_teardown_store),
		cmocka_unit_test_setup_teardown(test_identity, tu_setup_store,
		    tu_teardown_store),
		cmocka_unit_test(test_map_growth),
		cmocka_unit_test(test_core_dumps_off),
	};

	/* Make sure dbk_init has something to switch off. */
	if (getrlimit(RLIMIT_CORE, &core_before) == 0 &&
	    core_before.rlim_cur < core_before.rlim_max) {
		core_before.rlim_cur = core_before.rlim_max;
		(void)setrlimit(RLIMIT_CORE, &core_before);
	}
	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
