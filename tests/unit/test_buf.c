/*
 * test_buf.c -- unit tests for src/lib/buf.c: the growable buffer with a
 * ceiling and its JSON string writer.
 */
#include "testutil.h"

#include <cjson/cJSON.h>

#include "buf.h"

static void
test_append(void **state)
{
	struct dbki_buf b;

	(void)state;
	dbki_buf_init(&b, 1024);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	dbki_buf_adds(&b, "abc");
	dbki_buf_addc(&b, '-');
	dbki_buf_add(&b, "xyz!", 3);
	/* "abc" + "-" + "xyz" = 7 bytes, always NUL-terminated */
	assert_int_equal(b.len, 7);
	assert_string_equal(b.p, "abc-xyz");
	assert_int_equal(b.oom, 0);
	/* Appending nothing changes nothing. */
	dbki_buf_add(&b, "", 0);
	assert_int_equal(b.len, 7);
	dbki_buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	/* Freeing an empty buffer is fine. */
	dbki_buf_free(&b);
}

static void
test_growth(void **state)
{
	struct dbki_buf b;
	char chunk[100];

	(void)state;
	/* 30 appends of 100 bytes pass the first 256-byte block several
	 * times (256 -> 512 -> 1024 -> 2048 -> 4096). */
	dbki_buf_init(&b, 1 << 20);
	for (int i = 0; i < 30; i++) {
		memset(chunk, 'a' + i % 26, sizeof chunk);
		dbki_buf_add(&b, chunk, sizeof chunk);
	}
	assert_int_equal(b.oom, 0);
	assert_int_equal(b.len, 3000);
	assert_true(b.cap >= 3001);
	assert_int_equal(b.cap, 4096);
	assert_int_equal(b.p[3000], '\0');
	for (int i = 0; i < 30; i++)
		for (int j = 0; j < 100; j++)
			assert_int_equal(b.p[i * 100 + j], 'a' + i % 26);
	dbki_buf_free(&b);
}

static void
test_ceiling(void **state)
{
	struct dbki_buf b;

	(void)state;
	/* Up to max is fine: 4 + 6 = 10 = max. */
	dbki_buf_init(&b, 10);
	dbki_buf_adds(&b, "0123");
	dbki_buf_adds(&b, "456789");
	assert_int_equal(b.oom, 0);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.p, "0123456789");
	/* One byte more passes the ceiling: oom, content unchanged. */
	dbki_buf_addc(&b, 'x');
	assert_int_equal(b.oom, 1);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.p, "0123456789");
	dbki_buf_free(&b);

	/* oom is sticky: after a refused append, even a fitting one fails. */
	dbki_buf_init(&b, 10);
	dbki_buf_adds(&b, "01234567");
	dbki_buf_adds(&b, "abc");      /* 8 + 3 = 11 > 10 */
	assert_int_equal(b.oom, 1);
	assert_int_equal(b.len, 8);
	dbki_buf_addc(&b, 'z');        /* 8 + 1 = 9 would fit */
	assert_int_equal(b.oom, 1);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.p, "01234567");
	dbki_buf_free(&b);
	assert_int_equal(b.oom, 0);

	/* A ceiling of zero refuses everything, and a huge append must not
	 * wrap the size arithmetic. */
	dbki_buf_init(&b, 0);
	dbki_buf_addc(&b, 'a');
	assert_int_equal(b.oom, 1);
	assert_null(b.p);
	dbki_buf_free(&b);
	dbki_buf_init(&b, 100);
	dbki_buf_adds(&b, "ab");
	dbki_buf_add(&b, "c", SIZE_MAX - 1);
	assert_int_equal(b.oom, 1);
	assert_int_equal(b.len, 2);
	dbki_buf_free(&b);
}

/* Render s as a JSON literal. */
static char *
json(const char *s)
{
	struct dbki_buf b;
	char *out;

	dbki_buf_init(&b, 4096);
	dbki_buf_add_json(&b, s);
	assert_int_equal(b.oom, 0);
	out = strdup(b.p);
	assert_non_null(out);
	dbki_buf_free(&b);
	return out;
}

#define JSON_IS(in, want) do {						\
	char *got_ = json(in);						\
	assert_string_equal(got_, (want));				\
	free(got_);							\
} while (0)

static void
test_json_escapes(void **state)
{
	(void)state;
	JSON_IS("", "\"\"");
	JSON_IS("plain", "\"plain\"");
	/* quote and backslash get a backslash */
	JSON_IS("a\"b\\c", "\"a\\\"b\\\\c\"");
	/* the three common controls have short forms */
	JSON_IS("l1\nl2\tx\r", "\"l1\\nl2\\tx\\r\"");
	/* other controls: \u00XX with lower-case hex (0x01, 0x1f, 0x08) */
	JSON_IS("\x01", "\"\\u0001\"");
	JSON_IS("a\x1f" "b", "\"a\\u001fb\"");
	JSON_IS("\b\f", "\"\\u0008\\u000c\"");
	/* DEL and '/' need no escape in JSON */
	JSON_IS("\x7f/", "\"\x7f/\"");
	/* UTF-8 passes through byte for byte */
	JSON_IS("海天精密 ¥50万", "\"海天精密 ¥50万\"");
	/* escapes at the start and the end of a run */
	JSON_IS("\"x\"", "\"\\\"x\\\"\"");
}

static void
test_json_roundtrip(void **state)
{
	char in[80];
	struct dbki_buf b;
	cJSON *v;

	(void)state;
	/* Every byte 0x01..0x3f (all controls and the quote), then the
	 * backslash (0x5c) and some UTF-8: cJSON must read back the same
	 * string. */
	for (int i = 1; i < 0x40; i++)
		in[i - 1] = (char)i;
	snprintf(in + 0x3f, sizeof in - 0x3f, "\\海天");
	dbki_buf_init(&b, 4096);
	dbki_buf_add_json(&b, in);
	assert_int_equal(b.oom, 0);
	v = cJSON_ParseWithLength(b.p, b.len);
	assert_non_null(v);
	assert_true(cJSON_IsString(v));
	assert_string_equal(v->valuestring, in);
	cJSON_Delete(v);
	dbki_buf_free(&b);
}

static void
test_json_ceiling(void **state)
{
	struct dbki_buf b;

	(void)state;
	/* "\"ab\\n\"" is 6 bytes: a 5-byte ceiling must set oom. */
	dbki_buf_init(&b, 5);
	dbki_buf_add_json(&b, "ab\n");
	assert_int_equal(b.oom, 1);
	dbki_buf_free(&b);
	dbki_buf_init(&b, 6);
	dbki_buf_add_json(&b, "ab\n");
	assert_int_equal(b.oom, 0);
	assert_string_equal(b.p, "\"ab\\n\"");
	dbki_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_ceiling),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_json_ceiling),
	};

	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
