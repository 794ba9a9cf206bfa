/*
 * fuzz.h -- what the libFuzzer harnesses share: a scratch store made
 * once per process (the weak test KDF, a fixed clock) in a private /tmp
 * directory removed at exit, and a way to stop with a message when the
 * harness itself cannot go on (a setup failure is not a finding).
 *
 * Static inline, like tests/unit/testutil.h, and without cmocka: a
 * fuzzer reports through a crash, so a broken property is abort().
 */
#ifndef DBK_FUZZ_H
#define DBK_FUZZ_H

#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dealbook/dealbook.h"
#include "internal.h"

#define FZ_PASS "correct horse battery staple"
/* 2024-05-10 12:00:00 UTC, as the unit tests' TU_NOW. */
#define FZ_NOW INT64_C(1715342400)

static char fz_dir[32];

/* A harness that cannot set up, or a property that does not hold. */
static inline void fz_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static inline void
fz_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static inline int
fz_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(p) : unlink(p)) == 0 ? 0 : -1;
}

static inline void
fz_cleanup(void)
{
	if (fz_dir[0] != '\0')
		(void)nftw(fz_dir, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The process's scratch store, created on first use (team may be NULL:
 * it founds a team when set).  Every harness leaves it as it found it:
 * its writes are in transactions it aborts.
 */
static inline struct dbk_store *
fz_store(const char *team)
{
	static struct dbk_store *s;
	struct dbk_error err = { 0 };
	struct dbk_init_opts o = { "fuzzer", team, NULL, DBK_KDF_TEST,
	    FZ_NOW };
	char path[64];

	if (s != NULL)
		return s;
	if (setenv("TZ", "UTC", 1) != 0)
		fz_die("setenv");
	tzset();
	if (dbk_init(&err) != 0)
		fz_die("dbk_init: %s", err.msg ? err.msg : "?");
	snprintf(fz_dir, sizeof fz_dir, "/tmp/dbk-fuzz-XXXXXX");
	if (mkdtemp(fz_dir) == NULL)
		fz_die("mkdtemp");
	atexit(fz_cleanup);
	snprintf(path, sizeof path, "%s/store", fz_dir);
	if (dbk_store_create(path, FZ_PASS, strlen(FZ_PASS), &o, &err) != 0 ||
	    dbk_store_open(path, FZ_PASS, strlen(FZ_PASS), &s, &err) != 0)
		fz_die("store: %s", err.msg ? err.msg : "?");
	dbk_store_set_clock(s, FZ_NOW);
	return s;
}

/* A copy of data with a NUL after it, for the parsers of C strings. */
static inline char *
fz_str(const uint8_t *data, size_t size)
{
	char *p = malloc(size + 1);

	if (p == NULL)
		fz_die("out of memory");
	memcpy(p, data, size);
	p[size] = '\0';
	return p;
}

#endif /* DBK_FUZZ_H */
