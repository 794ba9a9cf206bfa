/* testutil_hygiene.h -- temp directories for test_hygiene.c. */
#ifndef TESTUTIL_HYGIENE_H
#define TESTUTIL_HYGIENE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
th_tmpdir(void)
{
	char *d = strdup("/tmp/dbk-hygiene.XXXXXX");

	if (d == NULL || mkdtemp(d) == NULL)
		abort();
	return d;
}

static int
th_rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(p);
}

static void
th_rmtree(const char *d)
{
	(void)nftw(d, th_rm, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
