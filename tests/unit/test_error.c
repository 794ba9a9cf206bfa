/*
 * test_error.c -- unit tests for src/lib/error.c: the error carrier, the
 * status texts and the status -> exit code map, plus the LMDB status
 * translation declared next to them in internal.h.
 *
 * Exit codes (DESIGN §8, error.h): 0 ok, 1 runtime, 2 usage, 3 wrong
 * passphrase / missing key, 4 not found, 5 invalid input, 6 integrity.
 * The library never returns the usage code: only the CLI's argument parser
 * knows about usage.
 */
#include "testutil.h"

static void
test_exit_codes(void **state)
{
	static const struct {
		int code, exit;
	} map[] = {
		{ DBK_OK, 0 },
		/* 3: the user holds the wrong secret or no secret */
		{ DBK_EPASS, 3 }, { DBK_ENOKEY, 3 },
		/* 4: nothing by that name */
		{ DBK_ENOTFOUND, 4 },
		/* 5: what the user typed is wrong */
		{ DBK_EINVAL, 5 }, { DBK_EEXIST, 5 }, { DBK_EAMBIG, 5 },
		{ DBK_EGATE, 5 },
		/* 6: the store is not what we wrote, or not safe to open */
		{ DBK_EINTEGRITY, 6 }, { DBK_EWEAKKDF, 6 }, { DBK_EFORMAT, 6 },
		/* 1: everything else is a runtime failure */
		{ DBK_EIO, 1 }, { DBK_ENOMEM, 1 }, { DBK_EBUSY, 1 },
		{ DBK_ELMDB, 1 }, { DBK_EFULL, 1 }, { DBK_ECRYPTO, 1 },
		{ -99, 1 }, { 7, 1 },
	};
	int seen[17] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (dbk_exit_code(map[i].code) != map[i].exit)
			fail_msg("dbk_exit_code(%d) = %d, want %d", map[i].code,
			    dbk_exit_code(map[i].code), map[i].exit);
		if (map[i].code <= 0 && map[i].code >= -16)
			seen[-map[i].code]++;
	}
	/* The table above covers every code from 0 to -16 exactly once. */
	for (int i = 0; i <= 16; i++)
		assert_int_equal(seen[i], 1);
	/* No library status maps to the CLI's usage code 2. */
	for (int c = -20; c <= 0; c++)
		assert_int_not_equal(dbk_exit_code(c), 2);
}

static void
test_strerror(void **state)
{
	const char *texts[17];

	(void)state;
	/* Every defined code has its own text, none "unknown". */
	for (int i = 0; i <= 16; i++) {
		texts[i] = dbk_strerror(-i);
		assert_non_null(texts[i]);
		assert_true(strlen(texts[i]) > 0);
		assert_null(strstr(texts[i], "unknown error"));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(texts[i], texts[j]);
	}
	assert_string_equal(dbk_strerror(DBK_OK), "success");
	assert_string_equal(dbk_strerror(DBK_EPASS), "wrong passphrase");
	assert_string_equal(dbk_strerror(-17), "unknown error");
	assert_string_equal(dbk_strerror(1), "unknown error");
}

static void
test_error_set_and_clear(void **state)
{
	struct dbk_error err = { 0 };

	(void)state;
	/* Returns its code, fills code and a formatted message. */
	assert_int_equal(dbki_error_set(&err, DBK_EINVAL, "bad '%s' (%d)",
	    "x", 42), DBK_EINVAL);
	assert_int_equal(err.code, DBK_EINVAL);
	assert_string_equal(err.msg, "bad 'x' (42)");
	/* Overwriting frees the previous message (ASan would see a leak). */
	assert_int_equal(dbki_error_set(&err, DBK_ENOTFOUND, "second"),
	    DBK_ENOTFOUND);
	assert_int_equal(err.code, DBK_ENOTFOUND);
	assert_string_equal(err.msg, "second");
	dbk_error_clear(&err);
	assert_int_equal(err.code, 0);
	assert_null(err.msg);
	/* Clearing twice and clearing NULL are harmless. */
	dbk_error_clear(&err);
	dbk_error_clear(NULL);
	/* A NULL carrier still gets the code back. */
	assert_int_equal(dbki_error_set(NULL, DBK_EGATE, "ignored %d", 1),
	    DBK_EGATE);
	/* UTF-8 passes through the message untouched. */
	assert_int_equal(dbki_error_set(&err, DBK_EINVAL, "無效的金額 '%s'",
	    "五十萬"), DBK_EINVAL);
	assert_string_equal(err.msg, "無效的金額 '五十萬'");
	dbk_error_clear(&err);
}

static void
test_error_errno(void **state)
{
	struct dbk_error err = { 0 };
	char want[256];

	(void)state;
	/* "<what> '<path>' failed: <strerror(errno)>" */
	errno = ENOENT;
	snprintf(want, sizeof want, "opening '/no/such' failed: %s",
	    strerror(ENOENT));
	assert_int_equal(dbki_error_errno(&err, DBK_EIO, "opening", "/no/such"),
	    DBK_EIO);
	assert_int_equal(err.code, DBK_EIO);
	assert_string_equal(err.msg, want);
	dbk_error_clear(&err);
}

static void
test_error_lmdb(void **state)
{
	struct dbk_error err = { 0 };

	(void)state;
	assert_int_equal(dbki_error_lmdb(&err, MDB_MAP_FULL, "writing"),
	    DBK_EFULL);
	assert_non_null(strstr(err.msg, "writing"));
	/* A full disk is an I/O error: growing the map cannot help it. */
	assert_int_equal(dbki_error_lmdb(&err, ENOSPC, "writing"), DBK_EIO);
	assert_int_equal(dbki_error_lmdb(&err, MDB_NOTFOUND, "reading"),
	    DBK_ENOTFOUND);
	/* Anything else is DBK_ELMDB with LMDB's own text in the message. */
	assert_int_equal(dbki_error_lmdb(&err, MDB_CORRUPTED, "reading"),
	    DBK_ELMDB);
	assert_int_equal(err.code, DBK_ELMDB);
	assert_non_null(strstr(err.msg, mdb_strerror(MDB_CORRUPTED)));
	dbk_error_clear(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_error_set_and_clear),
		cmocka_unit_test(test_error_errno),
		cmocka_unit_test(test_error_lmdb),
	};

	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
