/*
 * test_i18n.c -- unit tests for src/cli/i18n.c: the language switch, the
 * exact lookup of tr(), and the matcher that turns a message the library
 * formatted in English into the catalog's Chinese (i18n_apply,
 * i18n_message), with the real catalog of src/cli/i18n_zh.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dealbook/dealbook.h"
#include "i18n.h"

/* i18n_apply(en, zh, msg) must give want (NULL: no match). */
static void
check_apply(const char *en, const char *zh, const char *msg, const char *want)
{
	char *got = i18n_apply(en, zh, msg);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("'%s' matched '%s' as '%s'", msg, en, got);
		return;
	}
	if (got == NULL)
		fail_msg("'%s' does not match '%s'", msg, en);
	if (strcmp(got, want) != 0)
		fail_msg("'%s' by '%s' gave '%s', want '%s'", msg, en, got, want);
	free(got);
}

/* i18n_message(msg) in Chinese must give want (NULL: no translation). */
static void
check_message(const char *msg, const char *want)
{
	char *got = i18n_message(msg);

	if (want == NULL) {
		if (got != NULL && strcmp(got, msg) != 0)
			fail_msg("'%s' became '%s'", msg, got);
		free(got);
		return;
	}
	if (got == NULL)
		fail_msg("'%s' has no translation", msg);
	if (strcmp(got, want) != 0)
		fail_msg("'%s' gave '%s', want '%s'", msg, got, want);
	free(got);
}

/* Reset to English after each test. */
static int
teardown(void **state)
{
	(void)state;
	i18n_set_zh(0);
	return 0;
}

static void
test_tr(void **state)
{
	static const char unknown[] = "no such message %s";
	const char *oom = "out of memory";

	(void)state;
	/* English: the argument itself, whatever it is. */
	i18n_set_zh(0);
	assert_int_equal(i18n_zh(), 0);
	assert_ptr_equal(tr(oom), oom);
	assert_ptr_equal(tr(unknown), unknown);
	assert_null(i18n_message("customer 'abc' not found"));
	/* Chinese: the catalog's text, or the argument when there is none. */
	i18n_set_zh(1);
	assert_int_equal(i18n_zh(), 1);
	assert_string_equal(tr(oom), "記憶體不足");
	assert_string_equal(tr("invalid stage '%s' (expected %s)"),
	    "無效的階段 '%s'（應為 %s）");
	assert_ptr_equal(tr(unknown), unknown);
	assert_int_equal(i18n_has("list customers"), 1);
	assert_int_equal(i18n_has(unknown), 0);
}

static void
test_literal_around(void **state)
{
	(void)state;
	check_apply("invalid stage '%s' (expected %s)", "無效的階段 '%s'（應為 %s）",
	    "invalid stage 'wom' (expected lead, intent (or 線索, 意向))",
	    "無效的階段 'wom'（應為 lead, intent (or 線索, 意向)）");
	/* A conversion at the start and at the end. */
	check_apply("%s: not found", "%s：找不到", "x: y: not found",
	    "x: y：找不到");
	check_apply("no customer '%s'", "沒有客戶 '%s'", "no customer ''",
	    "沒有客戶 ''");
	/* The literal text must match all of it, from start to end. */
	check_apply("no customer '%s'", "沒有客戶 '%s'", "no customer 'a' here",
	    NULL);
	check_apply("no customer '%s'", "沒有客戶 '%s'", "a no customer 'a'",
	    NULL);
	/* The shortest run first, a longer one when the rest fails. */
	check_apply("%s.txt is %s", "%s.txt 是 %s", "a.txt.txt is big",
	    "a.txt.txt 是 big");
	check_apply("'%s' failed: %s", "'%s' 失敗：%s",
	    "'it' failed: no' failed: x", "'it' 失敗：no' failed: x");
	/* %% is a literal percent sign on both sides. */
	check_apply("rate %d%% of %s", "比率 %d%%，%s", "rate 50% of x",
	    "比率 50%，x");
}

static void
test_adjacent(void **state)
{
	(void)state;
	/* Two conversions side by side: the texts come out in order. */
	check_apply("unknown command '%s%s%s'", "未知的命令 '%s%s%s'",
	    "unknown command 'eval run'", "未知的命令 'eval run'");
	check_apply("x %s%s y", "甲 %s%s 乙", "x ab y", "甲 ab 乙");
	check_apply("%s%s", "[%s%s]", "", "[]");
	/* Numbers: %d, %zu, %" PRIu64 ", %03o never match nothing. */
	check_apply("n=%d", "n=%d", "n=", NULL);
	check_apply("audit entry %" PRIu64 " is missing (the next one is %"
	    PRIu64 ")", "審計記錄第 %" PRIu64 " 筆遺失（下一筆是第 %" PRIu64
	    " 筆）", "audit entry 12 is missing (the next one is 14)",
	    "審計記錄第 12 筆遺失（下一筆是第 14 筆）");
	check_apply("'%s' is readable by others (mode %03o)", "'%s'（權限 %03o）",
	    "'/tmp/x' is readable by others (mode 755)", "'/tmp/x'（權限 755）");
	/* %.8s and %.*s take one text each. */
	check_apply("choice '%.*s' given twice in '%s'", "'%.*s' 兩次：'%s'",
	    "choice 'a' given twice in 'a,a'", "'a' 兩次：'a,a'");
	/* %.0s in the Chinese leaves an English-only piece out. */
	check_apply("missing argument%s", "缺少參數%.0s", "missing arguments",
	    "缺少參數");
}

static void
test_no_match(void **state)
{
	(void)state;
	check_apply("invalid stage '%s' (expected %s)", "無效的階段 '%s'（應為 %s）",
	    "customer 'abc' not found", NULL);
	check_apply("", "", "x", NULL);
	check_apply("abc", "甲", "abd", NULL);
	i18n_set_zh(1);
	/* Nothing in the catalog looks like it: no translation, never a
	 * half-translated text. */
	check_message("frobnication of the widget failed", NULL);
}

static void
test_messages(void **state)
{
	char *msg = NULL, *want = NULL;

	(void)state;
	i18n_set_zh(1);
	check_message("no customer 'abc': give its code, id or whole name",
	    "沒有客戶 'abc'：請給出客戶編號、記錄編號或完整名稱");
	/* The most specific format wins: "%s: not found", not "%s: %s". */
	check_message("opening a cursor: not found", "開啟游標：找不到");
	/* Unquoted phrases and system error texts inside are translated... */
	assert_true(asprintf(&msg, "reading '/x/y' failed: %s",
	    strerror(ENOENT)) > 0);
	check_message(msg, "讀取 '/x/y' 失敗：沒有這個檔案或目錄");
	free(msg);
	check_message("the signing date '2099-01-01' lies in the future",
	    "簽約日期 '2099-01-01' 是未來的時間");
	/* ... values in quotes never, even when they look like one. */
	check_message("no customer 'reading'", "沒有客戶 'reading'");
	/* dbk_strerror's texts, for a failure without a message. */
	check_message(dbk_strerror(DBK_ENOTFOUND), "找不到");
	check_message(dbk_strerror(DBK_EPASS), "密碼錯誤");
	/* A value holding the format's own literal text: the shortest first
	 * run wins, and every character still comes out, in order. */
	assert_true(asprintf(&msg, "invalid stage '%s' (expected %s)",
	    "a' (expected b", "lead") > 0);
	assert_true(asprintf(&want, "無效的階段 '%s'（應為 %s）", "a",
	    "b' (expected lead") > 0);
	check_message(msg, want);
	free(msg);
	free(want);
}

/* i18n_vformat with arguments. */
static char *
vformat(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = i18n_vformat(fmt, ap);
	va_end(ap);
	return s;
}

static void
test_cli_format(void **state)
{
	char *s;

	(void)state;
	/* English: nothing to do, the caller prints as usual. */
	assert_null(vformat("out of memory"));
	i18n_set_zh(1);
	s = vformat("unknown option '%s' for '%s%s%s'", "--x", "customer", " ",
	    "add");
	assert_string_equal(s, "未知的選項 '--x'（命令 'customer add'）");
	free(s);
	/* A system error text at the end is translated too. */
	s = vformat("cannot read passphrase file '%s': %s", "/p",
	    strerror(ENOENT));
	assert_string_equal(s, "無法讀取密碼檔 '/p'：沒有這個檔案或目錄");
	free(s);
	/* A message without an entry comes out in English. */
	s = vformat("frobnicated %d widgets", 3);
	assert_string_equal(s, "frobnicated 3 widgets");
	free(s);
}

static void
test_nested(void **state)
{
	(void)state;
	i18n_set_zh(1);
	/* A message inside a message: the inner one is translated too. */
	check_message("a.csv: row 3: invalid stage 'x' (expected lead)",
	    "a.csv：第 3 行：無效的階段 'x'（應為 lead）");
	/* A phrase the library keeps in a variable (why = "..."). */
	check_message("invalid identity 'abc': not base64url (copy it whole "
	    "from the member's 'dealbook whoami')",
	    "無效的身份 'abc'：不是 base64url 編碼（請完整複製該成員 "
	    "'dealbook whoami' 的輸出）");
	/* An unquoted word that is no phrase stays as it is. */
	check_message("invalid text for pain (must be UTF-8 without control "
	    "characters, at most 1 MiB)", "pain 的文字無效（必須是不含控制字元的 "
	    "UTF-8，最多 1 MiB）");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_tr, teardown),
		cmocka_unit_test_teardown(test_literal_around, teardown),
		cmocka_unit_test_teardown(test_adjacent, teardown),
		cmocka_unit_test_teardown(test_no_match, teardown),
		cmocka_unit_test_teardown(test_messages, teardown),
		cmocka_unit_test_teardown(test_cli_format, teardown),
		cmocka_unit_test_teardown(test_nested, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
