/*
 * test_table.c -- unit tests for the CLI renderer (src/cli/table.c).
 * Each test renders into an open_memstream buffer and compares the exact
 * bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "table.h"

/* Render t as f; the caller frees the text. */
static char *render(const struct tbl *t, enum tbl_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(tbl_print(t, fp, f), 0);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

#define RENDERS(t, f, want) do {					\
	char *got_ = render((t), (f));					\
	assert_string_equal(got_, (want));				\
	free(got_);							\
} while (0)

static const char *const keys3[] = { "code", "name", "amount" };
static const char *const heads3[] = { "Code", "客戶", "Amount" };

static struct tbl *sample(void)
{
	static const char *const r1[] = { "C001", "王經理", "4,805,000" };
	static const char *const r2[] = { "C10", "Acme Ltd", NULL };
	struct tbl *t = tbl_new(3, keys3, heads3);

	assert_non_null(t);
	assert_int_equal(tbl_add_row(t, r1), 0);
	assert_int_equal(tbl_add_row(t, r2), 0);
	assert_int_equal(tbl_rows(t), 2);
	return t;
}

/*
 * Column widths (display columns, CJK = 2):
 *   code:   "Code" 4, "C001" 4, "C10" 3             -> 4
 *   name:   "客戶" 4, "王經理" 6, "Acme Ltd" 8        -> 8
 *   amount: "Amount" 6, "4,805,000" 9, empty 0      -> 9
 * A cell is padded to its width plus the two-space gap, except the last
 * cell of a line, and an empty last cell leaves no blanks behind:
 *   "Code" + 0 + 2, "客戶" + 4 + 2, "Amount"
 *   "C001" + 0 + 2, "王經理" + 2 + 2, "4,805,000"
 *   "C10" + 1 + 2, "Acme Ltd", (empty)
 */
static void test_table_cjk(void **state)
{
	struct tbl *t = sample();

	(void)state;
	RENDERS(t, TBL_TABLE,
	    "Code  客戶      Amount\n"
	    "----  --------  ---------\n"
	    "C001  王經理    4,805,000\n"
	    "C10   Acme Ltd\n");
	tbl_free(t);
}

/*
 * A newline inside a cell shows as one space, so "a\nb" takes 3 columns;
 * trailing spaces of a last cell vanish; an empty first heading still
 * takes its column from the cells.  Widths: 1 ("x"), 3 ("a\nb").
 */
static void test_table_controls(void **state)
{
	static const char *const keys[] = { "k1", "k2" };
	static const char *const heads[] = { "", "H" };
	static const char *const r1[] = { "x", "a\nb" };
	static const char *const r2[] = { NULL, "tail  " };
	static const char *const r3[] = { "x", NULL };
	struct tbl *t = tbl_new(2, keys, heads);

	(void)state;
	assert_non_null(t);
	assert_int_equal(tbl_add_row(t, r1), 0);
	assert_int_equal(tbl_add_row(t, r2), 0);
	assert_int_equal(tbl_add_row(t, r3), 0);
	/* widths: col 1 = 1 ("x"), col 2 = 6 ("tail  ") */
	RENDERS(t, TBL_TABLE,
	    "   H\n"
	    "-  ------\n"
	    "x  a b\n"
	    "   tail\n"
	    "x\n");
	tbl_free(t);
}

static void test_table_empty(void **state)
{
	struct tbl *t = tbl_new(3, keys3, heads3);

	(void)state;
	assert_non_null(t);
	assert_int_equal(tbl_rows(t), 0);
	/* widths from the headings alone: 4, 4 ("客戶"), 6 */
	RENDERS(t, TBL_TABLE,
	    "Code  客戶  Amount\n"
	    "----  ----  ------\n");
	RENDERS(t, TBL_JSON, "[]\n");
	RENDERS(t, TBL_CSV, "code,name,amount\n");
	RENDERS(t, TBL_MD, "| Code | 客戶 | Amount |\n| --- | --- | --- |\n");
	tbl_free(t);
}

/* RFC 4180: quote a field holding , " CR or LF; double inner quotes. */
static void test_csv(void **state)
{
	static const char *const keys[] = { "id", "note" };
	static const char *const rows[][2] = {
		{ "1", "plain" },
		{ "2", "a,b" },
		{ "3", "say \"hi\"" },
		{ "4", "line1\nline2" },
		{ "5", NULL },
		{ "6", "cr\r" },
		{ "7", "\"" },
	};
	struct tbl *t = tbl_new(2, keys, NULL);
	size_t i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(tbl_add_row(t, rows[i]), 0);
	RENDERS(t, TBL_CSV,
	    "id,note\n"
	    "1,plain\n"
	    "2,\"a,b\"\n"
	    "3,\"say \"\"hi\"\"\"\n"
	    "4,\"line1\nline2\"\n"
	    "5,\n"
	    "6,\"cr\r\"\n"
	    "7,\"\"\"\"\n");
	tbl_free(t);
}

/* Keys in column order, NULL as null, strings escaped by cJSON. */
static void test_json(void **state)
{
	static const char *const r1[] = { "C001", "王經理", NULL };
	static const char *const r2[] = { "C\"2", "a\nb", "5" };
	struct tbl *t = tbl_new(3, keys3, heads3);

	(void)state;
	assert_non_null(t);
	assert_int_equal(tbl_add_row(t, r1), 0);
	assert_int_equal(tbl_add_row(t, r2), 0);
	RENDERS(t, TBL_JSON,
	    "[{\"code\":\"C001\",\"name\":\"王經理\",\"amount\":null},"
	    "{\"code\":\"C\\\"2\",\"name\":\"a\\nb\",\"amount\":\"5\"}]\n");
	tbl_free(t);
}

static void test_md(void **state)
{
	static const char *const keys[] = { "name", "note" };
	static const char *const heads[] = { "Name", "Note|x" };
	static const char *const r1[] = { "a|b", "x\ny" };
	static const char *const r2[] = { NULL, "c" };
	struct tbl *t = tbl_new(2, keys, heads);

	(void)state;
	assert_non_null(t);
	assert_int_equal(tbl_add_row(t, r1), 0);
	assert_int_equal(tbl_add_row(t, r2), 0);
	RENDERS(t, TBL_MD,
	    "| Name | Note\\|x |\n"
	    "| --- | --- |\n"
	    "| a\\|b | x y |\n"
	    "|  | c |\n");
	tbl_free(t);
}

/* Many rows force the row array to grow past its first allocation. */
static void test_many_rows(void **state)
{
	static const char *const keys[] = { "n" };
	const char *v[1];
	char num[16];
	struct tbl *t = tbl_new(1, keys, NULL);
	char *out;
	int i, n;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 100; i++) {
		n = snprintf(num, sizeof(num), "%d", i);
		assert_true(n > 0 && (size_t)n < sizeof(num));
		v[0] = num;
		assert_int_equal(tbl_add_row(t, v), 0);
	}
	assert_int_equal(tbl_rows(t), 100);
	out = render(t, TBL_CSV);
	/* "n\n" + 10 * "d\n" + 90 * "dd\n" = 2 + 20 + 270 bytes */
	assert_int_equal(strlen(out), 292);
	assert_memory_equal(out, "n\n0\n1\n", 6);
	assert_string_equal(out + 289, "99\n");
	free(out);
	tbl_free(t);
}

/* Fill a table with rows that exercise every escape. */
static const char *const tricky[][3] = {
	{ "C001", "王經理", NULL },
	{ "C\"2", "a\nb\tc\x01\x7f", "5" },
	{ "=SUM(A1)", "x|y, \"q\"", "\\back\\" },
	{ "", "\r\b\f", "-3" },
};

static struct tbl *tricky_table(void)
{
	struct tbl *t = tbl_new(3, keys3, heads3);

	assert_non_null(t);
	return t;
}

/* Streamed JSON, CSV and markdown are byte for byte what a kept table
 * prints, for no rows, one row and several. */
static void test_stream_same(void **state)
{
	static const enum tbl_format fmts[] = { TBL_JSON, TBL_CSV, TBL_MD };
	size_t nrows, f, r;

	(void)state;
	for (f = 0; f < 3; f++) {
		for (nrows = 0; nrows <= 4; nrows++) {
			struct tbl *kept = tricky_table(), *st = tricky_table();
			char *want, *buf = NULL;
			size_t len = 0;
			FILE *fp = open_memstream(&buf, &len);

			assert_non_null(fp);
			assert_int_equal(tbl_stream(st, fp, fmts[f]), 0);
			for (r = 0; r < nrows; r++) {
				assert_int_equal(tbl_add_row(kept, tricky[r]), 0);
				assert_int_equal(tbl_add_row(st, tricky[r]), 0);
			}
			assert_int_equal(tbl_rows(st), nrows);
			assert_int_equal(tbl_print(st, fp, fmts[f]), 0);
			assert_int_equal(fclose(fp), 0);
			want = render(kept, fmts[f]);
			assert_string_equal(buf, want);
			free(want);
			free(buf);
			tbl_free(kept);
			tbl_free(st);
		}
	}
	/* The JSON writer escapes exactly as cJSON does (the format the
	 * documentation promises was cJSON's). */
	{
		struct tbl *t = tricky_table();
		cJSON *arr = cJSON_CreateArray(), *o;
		char *want, *got;

		assert_non_null(arr);
		for (r = 0; r < 4; r++) {
			assert_int_equal(tbl_add_row(t, tricky[r]), 0);
			assert_non_null(o = cJSON_CreateObject());
			cJSON_AddItemToArray(arr, o);
			for (f = 0; f < 3; f++) {
				if (tricky[r][f] != NULL)
					cJSON_AddStringToObject(o, keys3[f], tricky[r][f]);
				else
					cJSON_AddNullToObject(o, keys3[f]);
			}
		}
		assert_non_null(want = cJSON_PrintUnformatted(arr));
		got = render(t, TBL_JSON);
		assert_int_equal(strlen(got), strlen(want) + 1);
		assert_memory_equal(got, want, strlen(want));
		free(got);
		cJSON_free(want);
		cJSON_Delete(arr);
		tbl_free(t);
	}
	/* A table is never streamed (its widths need every row). */
	{
		struct tbl *t = sample();
		assert_int_equal(tbl_stream(t, stdout, TBL_TABLE), -1);
		tbl_free(t);
		t = tricky_table();
		assert_int_equal(tbl_stream(t, stdout, TBL_TABLE), 0);
		assert_int_equal(tbl_add_row(t, tricky[0]), 0);
		RENDERS(t, TBL_CSV, "code,name,amount\nC001,王經理,\n");
		tbl_free(t);
	}
}

/* Keeping the last n rows: only they are shown, widths from them only;
 * the table knows it is partial.  Reversing shows them the other way. */
static void test_keep_last(void **state)
{
	static const char *const keys[] = { "n", "w" };
	const char *v[2];
	char num[16];
	struct tbl *t = tbl_new(2, keys, NULL);
	int i;

	(void)state;
	assert_non_null(t);
	tbl_keep_last(t, 3);
	assert_true(tbl_keeps_last(t));
	for (i = 0; i < 10; i++) {
		snprintf(num, sizeof num, "%d", i);
		v[0] = num;
		v[1] = i == 0 ? "a very wide first cell" : "x";
		assert_int_equal(tbl_add_row(t, v), 0);
		assert_int_equal(tbl_partial(t), i >= 3);
	}
	assert_int_equal(tbl_rows(t), 10);
	assert_int_equal(tbl_shown(t), 3);
	RENDERS(t, TBL_TABLE, "n  w\n-  -\n7  x\n8  x\n9  x\n");
	RENDERS(t, TBL_CSV, "n,w\n7,x\n8,x\n9,x\n");
	tbl_free(t);

	/* Not full: everything, not partial until marked so. */
	t = tbl_new(2, keys, NULL);
	assert_non_null(t);
	tbl_keep_last(t, 5);
	for (i = 0; i < 3; i++) {
		snprintf(num, sizeof num, "%d", i);
		v[0] = num;
		v[1] = "y";
		assert_int_equal(tbl_add_row(t, v), 0);
	}
	assert_false(tbl_partial(t));
	tbl_reverse(t);
	RENDERS(t, TBL_JSON, "[{\"n\":\"2\",\"w\":\"y\"},{\"n\":\"1\","
	    "\"w\":\"y\"},{\"n\":\"0\",\"w\":\"y\"}]\n");
	tbl_mark_partial(t);
	assert_true(tbl_partial(t));
	tbl_free(t);
}

static void test_misc(void **state)
{
	enum tbl_format f = TBL_CSV;
	struct tbl *t;
	FILE *fp;

	(void)state;
	assert_int_equal(tbl_parse_format("table", &f), 0);
	assert_int_equal(f, TBL_TABLE);
	assert_int_equal(tbl_parse_format("json", &f), 0);
	assert_int_equal(f, TBL_JSON);
	assert_int_equal(tbl_parse_format("csv", &f), 0);
	assert_int_equal(f, TBL_CSV);
	assert_int_equal(tbl_parse_format("md", &f), 0);
	assert_int_equal(f, TBL_MD);
	assert_int_equal(tbl_parse_format("JSON", &f), 0);
	assert_int_equal(f, TBL_JSON);
	assert_int_equal(tbl_parse_format("xml", &f), -1);
	assert_int_equal(tbl_parse_format("", &f), -1);
	assert_int_equal(tbl_parse_format(NULL, &f), -1);
	assert_int_equal(f, TBL_JSON);

	assert_null(tbl_new(0, keys3, heads3));
	assert_null(tbl_new(3, NULL, heads3));
	assert_int_equal(tbl_rows(NULL), 0);
	tbl_free(NULL);

	/* a failing write is reported: /dev/full refuses every byte */
	t = sample();
	fp = fopen("/dev/full", "w");
	if (fp) {
		assert_int_equal(tbl_print(t, fp, TBL_CSV), -1);
		fclose(fp);
	}
	tbl_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_cjk),
		cmocka_unit_test(test_table_controls),
		cmocka_unit_test(test_table_empty),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_md),
		cmocka_unit_test(test_many_rows),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_stream_same),
		cmocka_unit_test(test_keep_last),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
