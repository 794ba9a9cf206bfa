/*
 * test_vectors.c -- replay the bundle vector corpus (tests/vectors, made
 * by tests/vectors/gen.c): each file's header says what a reader must
 * answer; the codec must answer exactly that, and give nothing back for
 * a refused bundle (RELIABILITY R1, R2, R4, R7, R8, R9, R11).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bundle.h"
#include "internal.h"

#ifndef VECTOR_DIR
#error "VECTOR_DIR must name tests/vectors"
#endif

static int
unhex32(const char *s, uint8_t out[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int
sender_is(void *ctx, const uint8_t ed[32], const uint8_t x[32])
{
	(void)x;
	return memcmp(ctx, ed, 32) == 0;
}

static const char *
class_name(int cls)
{
	switch (cls) {
	case DBKI_B_OK: return "success";
	case DBKI_B_FORMAT: return "format";
	case DBKI_B_UNKNOWN_SENDER: return "unknown-sender";
	case DBKI_B_SIGNATURE: return "signature";
	case DBKI_B_NO_RECIPIENT: return "no-recipient";
	case DBKI_B_PAYLOAD: return "payload";
	default: return "?";
	}
}

static void
replay(const char *path, size_t *count)
{
	FILE *fp = fopen(path, "rb");
	char line[512], expect[64] = "";
	uint8_t pk[32], sk[32], ed[32], *b, *plain = NULL;
	size_t n, cap = 1 << 20, plen = 0;
	struct dbki_bundle_info info;
	struct dbk_error err = { 0 };
	int have = 0, rc;

	assert_non_null(fp);
	while (fgets(line, sizeof line, fp) != NULL && strcmp(line, "\n") != 0) {
		if (sscanf(line, "expect: %63s", expect) == 1)
			have |= 1;
		else if (strncmp(line, "recipient-pk: ", 14) == 0 &&
		    unhex32(line + 14, pk) == 0)
			have |= 2;
		else if (strncmp(line, "recipient-sk: ", 14) == 0 &&
		    unhex32(line + 14, sk) == 0)
			have |= 4;
		else if (strncmp(line, "sender-ed: ", 11) == 0 &&
		    unhex32(line + 11, ed) == 0)
			have |= 8;
	}
	if (have != 15)
		fail_msg("%s: incomplete header", path);
	b = malloc(cap);
	assert_non_null(b);
	n = 0;
	for (size_t r; (r = fread(b + n, 1, cap - n, fp)) > 0; n += r)
		if (n + r == cap && (b = realloc(b, cap *= 2)) == NULL)
			fail();
	fclose(fp);
	rc = dbki_bundle_open(b, n, pk, sk, sender_is, ed, &info, &plain, &plen,
	    &err);
	if (strcmp(class_name(rc == 0 ? DBKI_B_OK : (int)info.cls), expect) != 0)
		fail_msg("%s: expected %s, got %s (%s)", path, expect,
		    class_name(rc == 0 ? DBKI_B_OK : (int)info.cls),
		    err.msg ? err.msg : "no message");
	if (rc != 0) {
		assert_null(plain);
		assert_int_equal(plen, 0);
	}
	if (plain != NULL)
		dbki_free_plain(plain, plen + 1);
	dbk_error_clear(&err);
	free(b);
	(*count)++;
}

static void
test_corpus(void **state)
{
	DIR *d = opendir(VECTOR_DIR);
	struct dirent *de;
	size_t count = 0;
	char path[1024];

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".vec") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", VECTOR_DIR, de->d_name);
		replay(path, &count);
	}
	closedir(d);
	/* The corpus is there, all of it. */
	assert_true(count >= 27);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
