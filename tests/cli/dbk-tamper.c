/*
 * dbk-tamper.c -- a test-only helper that does to a store what the
 * program never would, so the end-to-end tests can check it is caught.
 *
 *   dbk-tamper set-kdf DIR PASSFILE OPS MEMBYTES
 *       re-wrap the data key under Argon2id parameters of our choosing
 *       (no floor), as an attacker editing the header could.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int
read_pass(const char *file, char *buf, size_t cap, size_t *len)
{
	FILE *fp = fopen(file, "r");

	if (fp == NULL || fgets(buf, (int)cap, fp) == NULL) {
		if (fp)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	*len = strcspn(buf, "\r\n");
	buf[*len] = '\0';
	return 0;
}

int
main(int argc, char **argv)
{
	struct dbk_error err = { 0 };
	struct dbk_store *s = NULL;
	char pass[1024];
	size_t len;
	int rc;

	if (argc != 6 || strcmp(argv[1], "set-kdf") != 0) {
		fprintf(stderr, "usage: dbk-tamper set-kdf DIR PASSFILE OPS MEMBYTES\n");
		return 2;
	}
	if (dbk_init(&err) != 0 || read_pass(argv[3], pass, sizeof pass, &len) != 0) {
		fprintf(stderr, "dbk-tamper: cannot start\n");
		return 1;
	}
	if ((rc = dbk_store_open(argv[2], pass, len, &s, &err)) != 0) {
		fprintf(stderr, "dbk-tamper: %s\n", err.msg ? err.msg : "open failed");
		return 1;
	}
	rc = dbki_store_rewrap_raw(s, pass, len, strtoull(argv[4], NULL, 10),
	    (size_t)strtoull(argv[5], NULL, 10), &err);
	if (rc != 0)
		fprintf(stderr, "dbk-tamper: %s\n", err.msg ? err.msg : "rewrap failed");
	dbk_store_close(s);
	dbk_error_clear(&err);
	sodium_memzero(pass, sizeof pass);
	return rc == 0 ? 0 : 1;
}
