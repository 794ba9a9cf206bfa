/*
 * fault.h -- fault injection for the reliability tests (R3, R18), in the
 * manner of SQLite's: a counter per kind of fault, and the Nth call of
 * that kind fails ("once"), or the Nth and every later one ("sticky").
 *
 * Only DBK_TESTING builds have it.  In a release build every hook below
 * is the constant 0 and the allocation macros do not exist, so nothing
 * of this reaches the shipped library.
 *
 * The library's own files get the allocation macros (internal.h includes
 * this header when DBKI_LIB is defined, which only the library target
 * does): malloc, calloc, realloc, strdup, strndup, asprintf, vasprintf,
 * sodium_malloc and sodium_allocarray, and cJSON through its hooks.
 * Tests and LMDB allocate as usual.
 */
#ifndef DEALBOOK_FAULT_H
#define DEALBOOK_FAULT_H

#include <stddef.h>

enum dbk_test_fault {
	DBK_FAULT_ALLOC = 0,	/* an allocation returns NULL */
	DBK_FAULT_IO,		/* a write, sync, rename, read or LMDB call: EIO */
	DBK_FAULT_FULL,		/* an LMDB put or del: MDB_MAP_FULL */
	DBK_FAULT_KINDS
};

#ifdef DBK_TESTING

/*
 * Arm a kind: its counter restarts at 0, and call n (1-based) fails, or
 * with sticky every call from n on.  n = 0 disarms it (calls are still
 * counted).  DEALBOOK_TEST_FAULT=alloc:N[:sticky] (or io:, full:) arms
 * one kind for a whole process, for the CLI; dbk_test_fault_set wins.
 */
void dbk_test_fault_set(enum dbk_test_fault kind, unsigned long n,
    int sticky);
/* Calls of this kind since it was last set. */
unsigned long dbk_test_fault_count(enum dbk_test_fault kind);
/* How many of them were made to fail. */
unsigned long dbk_test_fault_fired(enum dbk_test_fault kind);

/* The hooks, at the call sites: nonzero when this call must fail.
 * dbki_fault_io sets errno to EIO when it fires, so the caller's usual
 * errno path reports it.  dbki_fault_lmdb returns the LMDB status to
 * fail with, 0 to go on: EIO, or MDB_MAP_FULL for a write (only a
 * write fills the map). */
int dbki_fault_alloc(void);
int dbki_fault_io(void);
int dbki_fault_lmdb(int write);

/* What the macros below call (fault.c). */
void *dbki_t_malloc(size_t n);
void *dbki_t_calloc(size_t n, size_t m);
void *dbki_t_realloc(void *p, size_t n);
char *dbki_t_strdup(const char *s);
char *dbki_t_strndup(const char *s, size_t n);
int dbki_t_asprintf(char **out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int dbki_t_vasprintf(char **out, const char *fmt, __builtin_va_list ap)
	__attribute__((format(printf, 2, 0)));
void *dbki_t_sodium_malloc(size_t n);
void *dbki_t_sodium_allocarray(size_t n, size_t m);

#if defined(DBKI_LIB) && !defined(DBKI_FAULT_IMPL)

#define malloc(n)		dbki_t_malloc(n)
#define calloc(n, m)		dbki_t_calloc(n, m)
#define realloc(p, n)		dbki_t_realloc(p, n)
#define strdup(s)		dbki_t_strdup(s)
#define strndup(s, n)		dbki_t_strndup(s, n)
#define asprintf(...)		dbki_t_asprintf(__VA_ARGS__)
#define vasprintf(o, f, a)	dbki_t_vasprintf(o, f, a)
#define sodium_malloc(n)	dbki_t_sodium_malloc(n)
#define sodium_allocarray(n, m)	dbki_t_sodium_allocarray(n, m)
#endif

#else /* !DBK_TESTING */

#define dbki_fault_alloc()	0
#define dbki_fault_io()		0
#define dbki_fault_lmdb(w)	0

#endif /* DBK_TESTING */

#endif /* DEALBOOK_FAULT_H */
