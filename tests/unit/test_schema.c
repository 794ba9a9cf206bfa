/*
 * test_schema.c -- the record types' field tables and the normalisation
 * of typed input into canonical strings (schema.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "schema.h"

/* dbki_normalize only needs the store's clock and currency digits. */
static struct dbk_store fake;

static char *
norm(enum dbk_type t, const char *field, const char *in, int *rc)
{
	struct dbk_error err = { 0 };
	const struct dbk_fielddef *fd = dbk_field_lookup(t, field);
	char *out = NULL;

	assert_non_null(fd);
	*rc = dbki_normalize(&fake, fd, in, 1, &out, &err);
	if (*rc != 0) {
		/* Every refusal names the field or the value. */
		assert_non_null(err.msg);
		assert_true(strstr(err.msg, in) != NULL ||
		    strstr(err.msg, field) != NULL);
	}
	dbk_error_clear(&err);
	return out;
}

static void
expect_norm(enum dbk_type t, const char *field, const char *in,
    const char *want)
{
	int rc;
	char *out = norm(t, field, in, &rc);

	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
	free(out);
}

static void
expect_bad(enum dbk_type t, const char *field, const char *in)
{
	int rc;
	char *out = norm(t, field, in, &rc);

	assert_int_equal(rc, DBK_EINVAL);
	assert_null(out);
}

static void
test_type_tables(void **state)
{
	(void)state;
	for (int t = 1; t <= DBK_T_MAX; t++) {
		enum dbk_type back;
		size_t n;
		const struct dbk_fielddef *f = dbk_type_fields((enum dbk_type)t, &n);
		assert_non_null(dbk_type_name((enum dbk_type)t));
		assert_int_equal(dbk_type_parse(dbk_type_name((enum dbk_type)t),
		    &back), 0);
		assert_int_equal(back, t);
		/* Every type has the common system fields. */
		assert_non_null(dbk_field_lookup((enum dbk_type)t, "created"));
		assert_non_null(dbk_field_lookup((enum dbk_type)t, "by"));
		assert_non_null(dbk_field_lookup((enum dbk_type)t, "_del"));
		/* Names are unique within a type. */
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				assert_true(strcmp(f[i].name, f[j].name) != 0);
	}
	assert_null(dbk_type_name((enum dbk_type)0));
	assert_null(dbk_type_name((enum dbk_type)(DBK_T_MAX + 1)));
	assert_null(dbk_field_lookup(DBK_T_CUSTOMER, "nope"));
}

static void
test_sensitive_set(void **state)
{
	/* The list: budget, revenue, deal and payment amounts,
	 * contact phone and e-mail (and the expected first order). */
	static const struct { enum dbk_type t; const char *f; } s[] = {
		{ DBK_T_CUSTOMER, "budget" }, { DBK_T_CUSTOMER, "revenue" },
		{ DBK_T_CUSTOMER, "expected" }, { DBK_T_DEAL, "amount" },
		{ DBK_T_PAYMENT, "amount" }, { DBK_T_CONTACT, "phone" },
		{ DBK_T_CONTACT, "email" },
	};
	size_t count = 0;

	(void)state;
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		assert_true(dbk_field_lookup(s[i].t, s[i].f)->flags & DBK_F_SENSITIVE);
	/* ... and nothing else. */
	for (int t = 1; t <= DBK_T_MAX; t++) {
		size_t n;
		const struct dbk_fielddef *f = dbk_type_fields((enum dbk_type)t, &n);
		for (size_t i = 0; i < n; i++)
			count += (f[i].flags & DBK_F_SENSITIVE) != 0;
	}
	assert_int_equal(count, sizeof s / sizeof s[0]);
	assert_false(dbk_field_lookup(DBK_T_CONTACT, "name")->flags & DBK_F_SENSITIVE);
}

static void
test_normalize_kinds(void **state)
{
	(void)state;
	/* money: 50万 = 500,000 yuan = 50,000,000 fen with 2 minor digits */
	expect_norm(DBK_T_CUSTOMER, "budget", "50万", "50000000");
	expect_norm(DBK_T_DEAL, "amount", "1.2亿", "12000000000");
	expect_bad(DBK_T_DEAL, "amount", "lots");
	/* int */
	expect_norm(DBK_T_CUSTOMER, "employees", "120", "120");
	expect_bad(DBK_T_CUSTOMER, "employees", "-3");
	/* date */
	expect_norm(DBK_T_CUSTOMER, "close_by", "2024/8/31", "2024-08-31");
	expect_bad(DBK_T_CUSTOMER, "close_by", "2024-02-30");
	/* datetime in UTC: 2024-05-10 10:00 = 19853 days * 86400 + 36000
	 * = 1715335200 */
	expect_norm(DBK_T_INTERACTION, "at", "2024-05-10 10:00", "1715335200");
	expect_norm(DBK_T_INTERACTION, "at", "@1715335200", "1715335200");
	expect_bad(DBK_T_INTERACTION, "at", "@-1");
	{
		/* "@seconds" is the library's own form: refused from users. */
		struct dbk_error err = { 0 };
		char *out = NULL;
		assert_int_equal(dbki_normalize(&fake, dbk_field_lookup(
		    DBK_T_INTERACTION, "at"), "@1715335200", 0, &out, &err),
		    DBK_EINVAL);
		assert_null(out);
		dbk_error_clear(&err);
	}
	/* Moments may not lie in the future: now is 2024-05-10 10:00 UTC,
	 * so 10:09 is inside the 10-minute slack and 10:11 is not. */
	expect_norm(DBK_T_INTERACTION, "at", "2024-05-10 10:09", "1715335740");
	expect_bad(DBK_T_INTERACTION, "at", "2024-05-10 10:11");
	expect_bad(DBK_T_INTERACTION, "at", "1715335200");
	/* enums: Chinese in, canonical English out */
	expect_norm(DBK_T_STAGE, "stage", "談判", "negotiation");
	expect_norm(DBK_T_INTERACTION, "channel", "面談", "visit");
	expect_norm(DBK_T_CONTACT, "role", "決策者", "decision-maker");
	expect_norm(DBK_T_CUSTOMER, "priority", "高", "high");
	expect_bad(DBK_T_STAGE, "stage", "wom");
	/* percent */
	expect_norm(DBK_T_STAGE, "probability", "60%", "60");
	expect_bad(DBK_T_STAGE, "probability", "101");
	/* bool */
	expect_norm(DBK_T_OBJECTION, "resolved", "yes", "1");
	expect_norm(DBK_T_OBJECTION, "resolved", "否", "0");
	expect_bad(DBK_T_OBJECTION, "resolved", "perhaps");
	/* ref: a full display id only */
	expect_norm(DBK_T_CONTACT, "customer", "0123456789abcdef0123456789abcdef",
	    "0123456789abcdef0123456789abcdef");
	expect_bad(DBK_T_CONTACT, "customer", "0123");
	/* text: UTF-8, no control characters other than tab and newline */
	expect_norm(DBK_T_CUSTOMER, "name", "科技有限公司", "科技有限公司");
	expect_norm(DBK_T_INTERACTION, "summary", "a\tb\nc", "a\tb\nc");
	expect_bad(DBK_T_CUSTOMER, "name", "bell\a");
	expect_bad(DBK_T_CUSTOMER, "name", "\xc3\x28");        /* bad continuation */
	expect_bad(DBK_T_CUSTOMER, "name", "\xed\xa0\x80");    /* surrogate */
	expect_bad(DBK_T_CUSTOMER, "name", "\xc0\xaf");        /* overlong */
}

static void
test_text_cap(void **state)
{
	size_t n = DBKI_MAX_TEXT + 1;
	char *big = malloc(n + 1);
	int rc;
	char *out;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	out = norm(DBK_T_INTERACTION, "summary", big, &rc);
	assert_int_equal(rc, DBK_EINVAL);
	assert_null(out);
	big[n - 1] = '\0'; /* exactly the cap is fine */
	out = norm(DBK_T_INTERACTION, "summary", big, &rc);
	assert_int_equal(rc, 0);
	free(out);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_tables),
		cmocka_unit_test(test_sensitive_set),
		cmocka_unit_test(test_normalize_kinds),
		cmocka_unit_test(test_text_cap),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	fake.minor_digits = 2;
	fake.clock_override = 1715335200;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
