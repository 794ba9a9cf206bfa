/*
 * testutil.h -- helpers shared by the library's unit tests: a throw-away
 * store in a fresh /tmp directory (created with the weak test KDF),
 * explicit transactions that must succeed, file reading and hashing, and
 * recursive removal with nftw.
 *
 * Everything is static inline so that each test program takes only what
 * it uses without unused-function warnings.  The helpers use cmocka's
 * assertions: a failure inside them fails the calling test.
 *
 * Include order: cmocka needs <stdarg.h>, <stddef.h>, <setjmp.h> and
 * <stdint.h> first; this header includes them itself.
 */
#ifndef DBK_TESTUTIL_H
#define DBK_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dealbook/dealbook.h"
#include "internal.h"

#define TU_PASS "correct horse battery staple"
#define TU_MEMBER "tester"

/*
 * A fixed "now" for tests that need one: 2024-05-10 12:00:00 UTC.
 * 1970..2023 is 54 years with 13 leap days, so 2024-01-01 is day
 * 54 * 365 + 13 = 19723; 2024 is leap, so May 1 is 19723 + 31 + 29 + 31
 * + 30 = 19844 and May 10 is 19853.  19853 * 86400 = 1715299200, plus
 * 12 h (43200 s) = 1715342400.
 */
#define TU_DAY INT64_C(86400)
#define TU_MAY10 INT64_C(1715299200)
#define TU_NOW (TU_MAY10 + 12 * 3600)

/* A store in its own temporary directory: dir/store. */
struct tu_store {
	char dir[32];
	char path[64];
	struct dbk_store *s;
};

/* Per-process setup for every test main: UTC dates, library started. */
static inline int
tu_process_init(void)
{
	struct dbk_error err = { 0 };

	if (setenv("TZ", "UTC", 1) != 0)
		return -1;
	tzset();
	if (dbk_init(&err) != 0) {
		fprintf(stderr, "dbk_init: %s\n", err.msg ? err.msg : "?");
		dbk_error_clear(&err);
		return -1;
	}
	return 0;
}

/* A fresh, private directory under /tmp. */
static inline void
tu_tmpdir(char dir[32])
{
	snprintf(dir, 32, "/tmp/dbk-unit-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static inline int
tu_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* FTW_DEPTH visits a directory after its contents (FTW_DP). */
	return (flag == FTW_DP ? rmdir(p) : unlink(p)) == 0 ? 0 : -1;
}

/* rm -rf dir, without a shell; symlinks are removed, never followed. */
static inline void
tu_rmrf(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) != 0 && errno == ENOENT)
		return;
	assert_int_equal(nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* Create a store at path with the test KDF; team may be NULL. */
static inline void
tu_create_at(const char *path, const char *team)
{
	struct dbk_error err = { 0 };
	struct dbk_init_opts o = { TU_MEMBER, team, NULL, DBK_KDF_TEST, 0 };
	int rc = dbk_store_create(path, TU_PASS, strlen(TU_PASS), &o, &err);

	if (rc != 0)
		fail_msg("dbk_store_create(%s): %d %s", path, rc,
		    err.msg ? err.msg : "");
	dbk_error_clear(&err);
}

static inline struct dbk_store *
tu_open_at(const char *path)
{
	struct dbk_error err = { 0 };
	struct dbk_store *s = NULL;
	int rc = dbk_store_open(path, TU_PASS, strlen(TU_PASS), &s, &err);

	if (rc != 0)
		fail_msg("dbk_store_open(%s): %d %s", path, rc,
		    err.msg ? err.msg : "");
	assert_non_null(s);
	dbk_error_clear(&err);
	return s;
}

/* Make dir, create dir/store (team may be NULL), and open it. */
static inline void
tu_store_new(struct tu_store *ts, const char *team)
{
	memset(ts, 0, sizeof *ts);
	tu_tmpdir(ts->dir);
	snprintf(ts->path, sizeof ts->path, "%s/store", ts->dir);
	tu_create_at(ts->path, team);
	ts->s = tu_open_at(ts->path);
}

/* Close the store (if open) and remove its directory. */
static inline void
tu_store_free(struct tu_store *ts)
{
	dbk_store_close(ts->s);
	ts->s = NULL;
	if (ts->dir[0] != '\0')
		tu_rmrf(ts->dir);
	ts->dir[0] = '\0';
}

/* cmocka setup/teardown pair: *state is a struct tu_store. */
static inline int
tu_setup_store(void **state)
{
	struct tu_store *ts = calloc(1, sizeof *ts);

	if (ts == NULL)
		return -1;
	tu_store_new(ts, NULL);
	*state = ts;
	return 0;
}

static inline int
tu_teardown_store(void **state)
{
	struct tu_store *ts = *state;

	if (ts != NULL) {
		tu_store_free(ts);
		free(ts);
	}
	*state = NULL;
	return 0;
}

/* Explicit transactions that must start and commit. */
static inline struct dbk_txn *
tu_begin(struct dbk_store *s, int write)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = NULL;
	int rc = dbk_txn_begin(s, write, &t, &err);

	if (rc != 0)
		fail_msg("dbk_txn_begin: %d %s", rc, err.msg ? err.msg : "");
	dbk_error_clear(&err);
	return t;
}

static inline void
tu_commit(struct dbk_txn *t)
{
	struct dbk_error err = { 0 };
	int rc = dbk_txn_commit(t, &err);

	if (rc != 0)
		fail_msg("dbk_txn_commit: %d %s", rc, err.msg ? err.msg : "");
	dbk_error_clear(&err);
}

/* End a write transaction by a call's status: commit on 0, else abort.
 * Returns rc. */
static inline int
tu_end(struct dbk_txn *t, int rc)
{
	if (rc == 0)
		tu_commit(t);
	else
		dbk_txn_abort(t);
	return rc;
}

/* Assert that a call returned 0, showing the library's message if not. */
#define TU_OK(call, errp) do {						\
	int rc_ = (call);						\
	if (rc_ != 0)							\
		fail_msg("%s: %d %s", #call, rc_,			\
		    (errp)->msg ? (errp)->msg : "");			\
	dbk_error_clear(errp);						\
} while (0)

/* Assert a failure with this code, and that the message is set. */
#define TU_FAILS(call, want, errp) do {					\
	int rc_ = (call);						\
	assert_int_equal(rc_, (want));					\
	assert_int_equal((errp)->code, (want));				\
	assert_non_null((errp)->msg);					\
} while (0)

/* The whole file, malloc'd (caller frees), with its length. */
static inline unsigned char *
tu_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;

	assert_non_null(fp);
	do {
		if (n == cap) {
			unsigned char *nb;
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			assert_non_null(nb);
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
	} while (got > 0);
	assert_int_equal(ferror(fp), 0);
	fclose(fp);
	*len = n;
	return buf;
}

/* BLAKE2b-256 of a file's bytes. */
static inline void
tu_hash_file(const char *path, uint8_t out[32])
{
	size_t n = 0;
	unsigned char *b = tu_read_file(path, &n);

	crypto_generichash(out, 32, b, n, NULL, 0);
	free(b);
}

/* Does needle occur in hay? */
static inline int
tu_contains(const void *hay, size_t hn, const char *needle)
{
	return memmem(hay, hn, needle, strlen(needle)) != NULL;
}

/* The restricted key of the current epoch, in the store's memory.  The
 * key pages are PROT_NONE outside transactions (R21): call this only with
 * them opened (dbki_keys_open or sodium_mprotect_readwrite). */
static inline struct dbki_rkey *
tu_current_rkey(struct dbk_store *s)
{
	for (size_t i = 0; i < s->nrkeys; i++)
		if (s->rkeys[i].epoch == s->rk_current)
			return &s->rkeys[i];
	fail_msg("no restricted key for the current epoch");
	return NULL;
}

/*
 * Take the restricted secret away in memory, as for a member who was
 * never given it: has_sk 0 and the secret and symmetric halves wiped.
 * The key is kept in *saved (caller's buffer) for tu_restore_secret.
 */
static inline void
tu_drop_secret(struct dbk_store *s, struct dbki_rkey *saved)
{
	struct dbki_rkey *k;

	/* Writable for the edit; dbki_keys_close guards it again. */
	(void)sodium_mprotect_readwrite(s->rkeys);
	k = tu_current_rkey(s);
	*saved = *k;
	k->has_sk = 0;
	sodium_memzero(k->sk, sizeof k->sk);
	sodium_memzero(k->sym, sizeof k->sym);
	s->restricted_access = 0;
	dbki_keys_close(s);
}

static inline void
tu_restore_secret(struct dbk_store *s, struct dbki_rkey *saved)
{
	(void)sodium_mprotect_readwrite(s->rkeys);
	*tu_current_rkey(s) = *saved;
	s->restricted_access = saved->has_sk;
	dbki_keys_close(s);
	sodium_memzero(saved, sizeof *saved);
}


/* A record loaded in a read transaction of its own (free it). */
static inline struct dbk_record *
tu_get(struct dbk_store *s, const struct dbk_id *id)
{
	struct dbk_error err = { 0 };
	struct dbk_record *r = NULL;
	struct dbk_txn *t = tu_begin(s, 0);

	TU_OK(dbk_record_load(t, id, &r, &err), &err);
	dbk_txn_abort(t);
	return r;
}

/* A field of a freshly loaded record, compared as a string; want NULL:
 * absent. */
static inline void
tu_field_is(struct dbk_store *s, const struct dbk_id *id, const char *name,
    const char *want)
{
	struct dbk_record *r = tu_get(s, id);
	const char *v = dbk_record_str(r, name);

	if (want == NULL && v != NULL)
		fail_msg("%s is '%s', want absent", name, v);
	if (want != NULL && (v == NULL || strcmp(v, want) != 0))
		fail_msg("%s is '%s', want '%s'", name, v ? v : "(absent)", want);
	dbk_record_free(r);
}

/* A parent's children of one type, loaded.  The walker frees each record
 * after the callback, so the callback keeps ids and copies are loaded. */
struct tu_kids {
	struct dbk_id id[32];
	struct dbk_record *r[32];
	size_t n;
};

static inline int
tu_kids_cb(struct dbk_record *r, void *vctx)
{
	struct tu_kids *k = vctx;

	assert_true(k->n < 32);
	k->id[k->n++] = *dbk_record_id(r);
	return 0;
}

static inline void
tu_kids_get(struct dbk_store *s, const struct dbk_id *parent,
    enum dbk_type type, struct tu_kids *k)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = tu_begin(s, 0);

	memset(k, 0, sizeof *k);
	TU_OK(dbk_record_children(t, parent, type, tu_kids_cb, k, &err), &err);
	dbk_txn_abort(t);
	for (size_t i = 0; i < k->n; i++)
		k->r[i] = tu_get(s, &k->id[i]);
}

static inline void
tu_kids_free(struct tu_kids *k)
{
	for (size_t i = 0; i < k->n; i++)
		dbk_record_free(k->r[i]);
	memset(k, 0, sizeof *k);
}

/* cmocka setup: a fresh store whose clock stands at TU_NOW. */
static inline int
tu_setup_store_now(void **state)
{
	struct tu_store *ts;

	if (tu_setup_store(state) != 0)
		return -1;
	ts = *state;
	dbk_store_set_clock(ts->s, TU_NOW);
	return 0;
}

/* Unix seconds as a string, for fields; four calls' results live at
 * once. */
static inline char *
tu_secs(int64_t t)
{
	static char buf[4][24];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%" PRId64, t);
	return buf[i];
}

#endif /* DBK_TESTUTIL_H */
