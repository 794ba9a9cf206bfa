/*
 * fault.c -- the fault counters and the allocation wrappers behind
 * fault.h.  Test builds only: in a release build this file is empty.
 */
#ifdef DBK_TESTING

#define DBKI_FAULT_IMPL 1

#include <errno.h>
#include <execinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <sodium.h>

#include "fault.h"

/*
 * One counter per kind.  Plain variables, not atomics: the only thread
 * the library starts (backup's copier) runs inside LMDB and never
 * reaches a hook.
 */
static struct {
	unsigned long n;	/* the call that fails; 0 = none */
	int sticky;
	unsigned long count;
	unsigned long fired;
} faults[DBK_FAULT_KINDS];
static int env_done;

/* ASan's, when the build has it. */
extern void __sanitizer_print_stack_trace(void) __attribute__((weak));

static const char *const kind_names[DBK_FAULT_KINDS] = {
	"alloc", "io", "full"
};

/* DEALBOOK_TEST_FAULT=kind:N[:sticky], read at the first hook. */
static void
env_read(void)
{
	const char *v = getenv("DEALBOOK_TEST_FAULT");
	char *end;

	env_done = 1;
	if (v == NULL)
		return;
	for (int k = 0; k < DBK_FAULT_KINDS; k++) {
		size_t len = strlen(kind_names[k]);
		unsigned long n;
		if (strncmp(v, kind_names[k], len) != 0 || v[len] != ':')
			continue;
		n = strtoul(v + len + 1, &end, 10);
		faults[k].n = n;
		faults[k].sticky = strcmp(end, ":sticky") == 0;
		faults[k].count = faults[k].fired = 0;
	}
}

void
dbk_test_fault_set(enum dbk_test_fault kind, unsigned long n, int sticky)
{
	env_done = 1;
	if ((unsigned)kind >= DBK_FAULT_KINDS)
		return;
	faults[kind].n = n;
	faults[kind].sticky = sticky;
	faults[kind].count = 0;
	faults[kind].fired = 0;
}

unsigned long
dbk_test_fault_count(enum dbk_test_fault kind)
{
	return (unsigned)kind < DBK_FAULT_KINDS ? faults[kind].count : 0;
}

unsigned long
dbk_test_fault_fired(enum dbk_test_fault kind)
{
	return (unsigned)kind < DBK_FAULT_KINDS ? faults[kind].fired : 0;
}

static int
hit(enum dbk_test_fault kind)
{
	unsigned long c;

	if (!env_done)
		env_read();
	c = ++faults[kind].count;
	if (faults[kind].n == 0 || c < faults[kind].n ||
	    (c > faults[kind].n && !faults[kind].sticky))
		return 0;
	faults[kind].fired++;
	{
		/* Where call N fired, for whoever is chasing a finding:
		 * DEALBOOK_TEST_FAULT_TRACE=N (symbolized under ASan). */
		const char *tr = getenv("DEALBOOK_TEST_FAULT_TRACE");
		if (tr != NULL && strtoul(tr, NULL, 10) == c) {
			if (__sanitizer_print_stack_trace != NULL) {
				__sanitizer_print_stack_trace();
			} else {
				void *pc[32];
				int depth = backtrace(pc, 32);
				backtrace_symbols_fd(pc, depth, 2);
			}
		}
	}
	return 1;
}

int
dbki_fault_alloc(void)
{
	return hit(DBK_FAULT_ALLOC);
}

int
dbki_fault_io(void)
{
	if (!hit(DBK_FAULT_IO))
		return 0;
	errno = EIO;
	return 1;
}

int
dbki_fault_lmdb(int write)
{
	if (hit(DBK_FAULT_IO))
		return EIO;
	return write && hit(DBK_FAULT_FULL) ? MDB_MAP_FULL : 0;
}

/* ---- the allocation wrappers: what the library's macros call ---- */

void *
dbki_t_malloc(size_t n)
{
	if (dbki_fault_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	return malloc(n);
}

void *
dbki_t_calloc(size_t n, size_t m)
{
	if (dbki_fault_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	return calloc(n, m);
}

void *
dbki_t_realloc(void *p, size_t n)
{
	if (dbki_fault_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n);
}

char *
dbki_t_strdup(const char *s)
{
	if (dbki_fault_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	return strdup(s);
}

char *
dbki_t_strndup(const char *s, size_t n)
{
	if (dbki_fault_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	return strndup(s, n);
}

int
dbki_t_vasprintf(char **out, const char *fmt, va_list ap)
{
	if (dbki_fault_alloc()) {
		/* Like glibc's: *out is left alone, callers test the count. */
		errno = ENOMEM;
		return -1;
	}
	return vasprintf(out, fmt, ap);
}

int
dbki_t_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = dbki_t_vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

void *
dbki_t_sodium_malloc(size_t n)
{
	if (dbki_fault_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	return sodium_malloc(n);
}

void *
dbki_t_sodium_allocarray(size_t n, size_t m)
{
	if (dbki_fault_alloc()) {
		errno = ENOMEM;
		return NULL;
	}
	return sodium_allocarray(n, m);
}

#else
/* ISO C wants something in a translation unit. */
typedef int dbki_fault_unused;
#endif /* DBK_TESTING */
