/*
 * test_sheet.c -- unit tests for src/lib/sheet.c: the import of the
 * template 1 tracking table (dealbook/sheet.h).  The source document's two
 * example rows (tests/fixtures, in UTF-8 and GBK), headers in traditional
 * and simplified Chinese and English, refusals naming row, column and
 * value with nothing imported, rows grouped per customer, due dates taken
 * from the next action, stages, duplicates on a second import, defused
 * formulas, and custom field columns.
 *
 * All times are UTC (tu_process_init sets TZ=UTC).  The store's clock is
 * TU_NOW = 2024-05-10 12:00:00 UTC = 1715342400, except for the fixture,
 * whose second row is dated 2024-05-12 (in the future of TU_NOW, which
 * test_fixture_in_the_future checks): those tests run at
 *   T_0520 = 2024-05-20 12:00 = TU_MAY10 + 10 d + 12 h  = 1716206400
 * Other moments used below:
 *   2023-12-20 00:00 = 2024-01-01 (1704067200) - 12 d   = 1703030400
 *   2024-05-03 00:00 = TU_MAY10 - 7 d                   = 1714694400
 *   2024-05-03 09:00 = 1714694400 + 9 h                 = 1714726800
 *   2024-05-08 00:00 = TU_MAY10 - 2 d                   = 1715126400
 *   2024-05-09 00:00 = TU_MAY10 - 1 d                   = 1715212800
 *   2024-05-10 00:00 = TU_MAY10                         = 1715299200
 *   2024-05-12 00:00 = TU_MAY10 + 2 d                   = 1715472000
 */
#include "testutil.h"

#include <inttypes.h>

#define T_0520 INT64_C(1716206400)
#define T_20231220 INT64_C(1703030400)
#define T_0503 INT64_C(1714694400)
#define T_0503_0900 INT64_C(1714726800)
#define T_0508 INT64_C(1715126400)
#define T_0509 INT64_C(1715212800)
#define T_0512 INT64_C(1715472000)

/* The template's header, as the source document has it. */
#define HEAD_ZH "客戶編號,客戶名稱,行業,聯系人,職位,聯系方式,需求痛點," \
	"溝通時間,溝通方式,參與人員,溝通內容摘要,客戶反饋,跟進階段,下一步行動,負責人"
/* The columns most tests need. */
#define HEAD_SHORT "客戶編號,客戶名稱,行業,聯系人,職位,溝通時間,溝通方式," \
	"溝通內容摘要,跟進階段,下一步行動"

static void
fixture(const char *name, char out[512])
{
	snprintf(out, 512, "%s/%s", FIXTURE_DIR, name);
}

static void
hash_store(const struct tu_store *ts, uint8_t out[32])
{
	char p[96];

	snprintf(p, sizeof p, "%s/data.mdb", ts->path);
	tu_hash_file(p, out);
}

/* Write a file into the test's directory: out receives its path. */
static void
put_file(const struct tu_store *ts, const char *name, const char *text,
    char out[128])
{
	FILE *fp;
	size_t n = strlen(text);

	snprintf(out, 128, "%s/%s", ts->dir, name);
	fp = fopen(out, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

/* ---- helpers ---- */

static int
import(struct tu_store *ts, const char *path, enum dbk_sheet_encoding enc,
    int dry, struct dbk_sheet_report *rep, struct dbk_error *err)
{
	memset(rep, 0xA5, sizeof *rep);	/* the import must set every count */
	return dbk_sheet_import(ts->s, path, enc, dry, rep, err);
}

/* An import that must succeed. */
static void
import_ok(struct tu_store *ts, const char *path, struct dbk_sheet_report *rep)
{
	struct dbk_error err = { 0 };

	TU_OK(import(ts, path, DBK_SHEET_UTF8, 0, rep, &err), &err);
}

static size_t
count_cb_n;

static int
count_cb(struct dbk_record *r, void *ctx)
{
	(void)r;
	(void)ctx;
	count_cb_n++;
	return 0;
}

static size_t
count_type(struct dbk_store *s, enum dbk_type type)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = tu_begin(s, 0);

	count_cb_n = 0;
	TU_OK(dbk_record_foreach(t, type, count_cb, NULL, &err), &err);
	dbk_txn_abort(t);
	return count_cb_n;
}

/*
 * An import that must fail with want, its message naming each of the
 * (up to 3, NULL-terminated) needles; the store file is left as it was.
 */
static void
import_fails(struct tu_store *ts, const char *path, int want,
    const char *n1, const char *n2, const char *n3)
{
	struct dbk_error err = { 0 };
	struct dbk_sheet_report rep;
	const char *needle[3] = { n1, n2, n3 };
	uint8_t before[32], after[32];
	size_t ncust = count_type(ts->s, DBK_T_CUSTOMER);
	size_t nint = count_type(ts->s, DBK_T_INTERACTION);

	hash_store(ts, before);
	TU_FAILS(import(ts, path, DBK_SHEET_UTF8, 0, &rep, &err), want, &err);
	for (int i = 0; i < 3; i++)
		if (needle[i] != NULL && strstr(err.msg, needle[i]) == NULL)
			fail_msg("message '%s' does not name '%s'", err.msg,
			    needle[i]);
	dbk_error_clear(&err);
	hash_store(ts, after);
	assert_memory_equal(before, after, 32);
	assert_int_equal(count_type(ts->s, DBK_T_CUSTOMER), ncust);
	assert_int_equal(count_type(ts->s, DBK_T_INTERACTION), nint);
}

/* The counts of a report, in the header's order. */
struct counts {
	size_t rows, cadd, cupd, kadd, kupd, iadd, dup, stages, late;
};

static void
report_is(const struct dbk_sheet_report *r, struct counts w)
{
	if (r->rows != w.rows || r->customers_added != w.cadd ||
	    r->customers_updated != w.cupd || r->contacts_added != w.kadd ||
	    r->contacts_updated != w.kupd || r->interactions_added != w.iadd ||
	    r->duplicates != w.dup || r->stage_changes != w.stages ||
	    r->late != w.late)
		fail_msg("report rows %zu customers +%zu ~%zu contacts +%zu ~%zu "
		    "interactions +%zu dup %zu stages %zu late %zu; want rows %zu "
		    "customers +%zu ~%zu contacts +%zu ~%zu interactions +%zu dup "
		    "%zu stages %zu late %zu", r->rows, r->customers_added,
		    r->customers_updated, r->contacts_added, r->contacts_updated,
		    r->interactions_added, r->duplicates, r->stage_changes,
		    r->late, w.rows, w.cadd, w.cupd, w.kadd, w.kupd, w.iadd, w.dup,
		    w.stages, w.late);
}

/* The customer a person would name by ref (code or whole name). */
static struct dbk_id
customer(struct dbk_store *s, const char *ref)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = tu_begin(s, 0);
	struct dbk_id id;

	TU_OK(dbk_resolve_ex(t, DBK_T_CUSTOMER, ref, DBK_RESOLVE_EXACT, &id,
	    &err), &err);
	dbk_txn_abort(t);
	return id;
}

static void
str_is(const struct dbk_record *r, const char *name, const char *want)
{
	const char *v = dbk_record_str(r, name);

	if (want == NULL && v != NULL)
		fail_msg("%s is '%s', want absent", name, v);
	if (want != NULL && (v == NULL || strcmp(v, want) != 0))
		fail_msg("%s is '%s', want '%s'", name, v ? v : "(absent)", want);
}

/* The one child whose field `name` is `value`. */
static const struct dbk_record *
kid_with(const struct tu_kids *k, const char *name, const char *value)
{
	const struct dbk_record *hit = NULL;

	for (size_t i = 0; i < k->n; i++) {
		const char *v = dbk_record_str(k->r[i], name);
		if (v != NULL && strcmp(v, value) == 0) {
			if (hit != NULL)
				fail_msg("two children with %s '%s'", name, value);
			hit = k->r[i];
		}
	}
	if (hit == NULL)
		fail_msg("no child with %s '%s'", name, value);
	return hit;
}

static size_t
nkids(struct dbk_store *s, const struct dbk_id *parent, enum dbk_type type)
{
	struct tu_kids k;
	size_t n;

	tu_kids_get(s, parent, type, &k);
	n = k.n;
	tu_kids_free(&k);
	return n;
}

static struct dbk_id
define(struct dbk_store *s, const struct dbk_custom_spec *sp)
{
	struct dbk_error err = { 0 };
	struct dbk_txn *t = tu_begin(s, 1);
	struct dbk_id id;

	TU_OK(dbk_custom_add(t, sp, &id, &err), &err);
	tu_commit(t);
	return id;
}

/* ---- the module's small functions ---- */

static void
test_headers_and_encodings(void **state)
{
	enum dbk_sheet_encoding e = DBK_SHEET_GB18030;
	static const char *const zh[DBK_COL_COUNT] = { "客戶編號", "客戶名稱",
		"行業", "聯系人", "職位", "聯系方式", "需求痛點", "溝通時間",
		"溝通方式", "參與人員", "溝通內容摘要", "客戶反饋", "跟進階段",
		"下一步行動", "負責人" };
	static const char *const en[DBK_COL_COUNT] = { "customer no.",
		"customer", "industry", "contact", "title", "phone", "pain points",
		"contact time", "channel", "participants", "summary",
		"customer feedback", "stage", "next action", "owner" };

	(void)state;
	for (int c = 0; c < DBK_COL_COUNT; c++) {
		assert_string_equal(dbk_sheet_header((enum dbk_sheet_col)c, 1),
		    zh[c]);
		assert_string_equal(dbk_sheet_header((enum dbk_sheet_col)c, 0),
		    en[c]);
	}
	assert_null(dbk_sheet_header(DBK_COL_COUNT, 1));
	assert_null(dbk_sheet_header(DBK_COL_COUNT, 0));

	assert_int_equal(dbk_sheet_encoding_parse("utf-8", &e), 0);
	assert_int_equal(e, DBK_SHEET_UTF8);
	assert_int_equal(dbk_sheet_encoding_parse("GBK", &e), 0);
	assert_int_equal(e, DBK_SHEET_GBK);
	assert_int_equal(dbk_sheet_encoding_parse("UTF8", &e), 0);
	assert_int_equal(e, DBK_SHEET_UTF8);
	assert_int_equal(dbk_sheet_encoding_parse("cp936", &e), 0);
	assert_int_equal(e, DBK_SHEET_GBK);
	assert_int_equal(dbk_sheet_encoding_parse("Gb18030", &e), 0);
	assert_int_equal(e, DBK_SHEET_GB18030);
	assert_int_equal(dbk_sheet_encoding_parse("latin1", &e), DBK_EINVAL);
	assert_int_equal(dbk_sheet_encoding_parse("", &e), DBK_EINVAL);
	assert_int_equal(dbk_sheet_encoding_parse("gb2312", &e), DBK_EINVAL);
	assert_int_equal(e, DBK_SHEET_GB18030);
}

/* ---- the source document's example rows ---- */

/* The two customers of the example rows, as imported. */
static void
check_examples(struct tu_store *ts)
{
	struct dbk_id c1 = customer(ts->s, "20240501");
	struct dbk_id c2 = customer(ts->s, "20240502");
	struct dbk_record *r;
	struct tu_kids k, kc, ks;
	const struct dbk_record *st;
	char hex[DBK_ID_HEX];

	r = tu_get(ts->s, &c1);
	str_is(r, "code", "20240501");
	str_is(r, "name", "科技有限公司");
	str_is(r, "industry", "制造業");
	str_is(r, "pain", "供應鏈效率低，倉儲成本高");
	str_is(r, "owner", "*工");
	str_is(r, "stage", "intent");
	str_is(r, "lead_at", tu_secs(TU_MAY10));
	str_is(r, "next", "5月17日提交客戶案例與技術白皮書");
	dbk_record_free(r);

	tu_kids_get(ts->s, &c1, DBK_T_CONTACT, &kc);
	assert_int_equal(kc.n, 1);
	str_is(kc.r[0], "name", "*經理");
	str_is(kc.r[0], "title", "采購總監");
	str_is(kc.r[0], "phone", "138");
	dbk_id_format(&kc.id[0], hex);
	tu_kids_free(&kc);

	tu_kids_get(ts->s, &c1, DBK_T_INTERACTION, &k);
	assert_int_equal(k.n, 1);
	str_is(k.r[0], "at", tu_secs(TU_MAY10));
	str_is(k.r[0], "channel", "visit");
	str_is(k.r[0], "with", "工（銷售）、工（技術）");
	str_is(k.r[0], "summary", "介紹智能倉儲解決方案，客戶對“庫存周轉率提升30%”數據感"
	    "興趣，要求提供案例");
	str_is(k.r[0], "feedback", "“需內部討論，下周反饋預算”");
	str_is(k.r[0], "next", "5月17日提交客戶案例與技術白皮書");
	str_is(k.r[0], "due", "2024-05-17");
	str_is(k.r[0], "contact", hex);
	tu_kids_free(&k);

	/* lead (on entry) and intent (from the row, forced, dated as the
	 * row, noting where it came from). */
	tu_kids_get(ts->s, &c1, DBK_T_STAGE, &ks);
	assert_int_equal(ks.n, 2);
	st = kid_with(&ks, "stage", "intent");
	str_is(st, "from", "lead");
	str_is(st, "at", tu_secs(TU_MAY10));
	str_is(st, "forced", "1");
	assert_non_null(dbk_record_str(st, "note"));
	assert_non_null(strstr(dbk_record_str(st, "note"), "row 2"));
	tu_kids_free(&ks);

	r = tu_get(ts->s, &c2);
	str_is(r, "name", "YY集團");
	str_is(r, "industry", "互聯網");
	str_is(r, "stage", "proposal");
	str_is(r, "lead_at", tu_secs(T_0512));
	dbk_record_free(r);
	tu_kids_get(ts->s, &c2, DBK_T_INTERACTION, &k);
	assert_int_equal(k.n, 1);
	str_is(k.r[0], "at", tu_secs(T_0512));
	str_is(k.r[0], "channel", "online");
	str_is(k.r[0], "due", "2024-05-19");
	tu_kids_free(&k);
	tu_kids_get(ts->s, &c2, DBK_T_CONTACT, &kc);
	assert_int_equal(kc.n, 1);
	str_is(kc.r[0], "name", "*總監");
	str_is(kc.r[0], "phone", "1395678");
	tu_kids_free(&kc);
}

static void
test_fixture(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_sheet_report rep;
	uint8_t before[32], after[32];
	char path[512];

	dbk_store_set_clock(ts->s, T_0520);
	fixture("template1_examples.csv", path);
	import_ok(ts, path, &rep);
	/* Both entered more than 24 hours after they happened. */
	report_is(&rep, (struct counts){ .rows = 2, .cadd = 2, .kadd = 2,
	    .iadd = 2, .stages = 2, .late = 2 });
	assert_int_equal(count_type(ts->s, DBK_T_CUSTOMER), 2);
	assert_int_equal(count_type(ts->s, DBK_T_CONTACT), 2);
	assert_int_equal(count_type(ts->s, DBK_T_INTERACTION), 2);
	check_examples(ts);

	/* Again: nothing added, nothing written. */
	hash_store(ts, before);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 2, .dup = 2 });
	hash_store(ts, after);
	assert_memory_equal(before, after, 32);
	assert_int_equal(count_type(ts->s, DBK_T_INTERACTION), 2);
	assert_int_equal(count_type(ts->s, DBK_T_STAGE), 4);
}

static void
test_fixture_dry_run(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_sheet_report rep;
	uint8_t before[32], after[32];
	char path[512];
	const struct counts want = { .rows = 2, .cadd = 2, .kadd = 2, .iadd = 2,
		.stages = 2, .late = 2 };

	dbk_store_set_clock(ts->s, T_0520);
	fixture("template1_examples.csv", path);
	hash_store(ts, before);
	TU_OK(import(ts, path, DBK_SHEET_UTF8, 1, &rep, &err), &err);
	report_is(&rep, want);
	hash_store(ts, after);
	assert_memory_equal(before, after, 32);
	assert_int_equal(count_type(ts->s, DBK_T_CUSTOMER), 0);
	assert_int_equal(count_type(ts->s, DBK_T_INTERACTION), 0);

	/* The real import does what the dry run said. */
	import_ok(ts, path, &rep);
	report_is(&rep, want);
	/* A dry run of it again: all duplicates, still nothing written. */
	hash_store(ts, before);
	TU_OK(import(ts, path, DBK_SHEET_UTF8, 1, &rep, &err), &err);
	report_is(&rep, (struct counts){ .rows = 2, .dup = 2 });
	hash_store(ts, after);
	assert_memory_equal(before, after, 32);
}

static void
test_fixture_gbk(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_sheet_report rep;
	char path[512];

	dbk_store_set_clock(ts->s, T_0520);
	fixture("template1_examples.gbk.csv", path);
	TU_OK(import(ts, path, DBK_SHEET_GBK, 0, &rep, &err), &err);
	report_is(&rep, (struct counts){ .rows = 2, .cadd = 2, .kadd = 2,
	    .iadd = 2, .stages = 2, .late = 2 });
	check_examples(ts);
	/* The UTF-8 twin is the same table. */
	fixture("template1_examples.csv", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 2, .dup = 2 });
	/* GB18030 is a superset of GBK. */
	fixture("template1_examples.gbk.csv", path);
	TU_OK(import(ts, path, DBK_SHEET_GB18030, 0, &rep, &err), &err);
	report_is(&rep, (struct counts){ .rows = 2, .dup = 2 });
}

/* At TU_NOW the second example row (2024-05-12) lies in the future. */
static void
test_fixture_in_the_future(void **state)
{
	struct tu_store *ts = *state;
	char path[512];

	fixture("template1_examples.csv", path);
	import_fails(ts, path, DBK_EINVAL, "row 3", "溝通時間", "2024-05-12");
	/* The GBK bytes read as UTF-8 are not text. */
	fixture("template1_examples.gbk.csv", path);
	import_fails(ts, path, DBK_EINVAL, NULL, NULL, NULL);
	assert_int_equal(count_type(ts->s, DBK_T_CUSTOMER), 0);
}

/* ---- headers ---- */

static void
test_headers_simplified_and_english(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_sheet_report rep;
	struct dbk_record *r;
	struct tu_kids k;
	struct dbk_id id;
	char path[128];

	put_file(ts, "simplified.csv",
	    "客户编号,客户名称,行业,联系人,职位,联系方式,需求痛点,沟通时间,"
	    "沟通方式,参与人员,沟通内容摘要,客户反馈,跟进阶段,下一步行动,负责人\n"
	    "S1,简体公司,物流,李经理,经理,139,成本高,2024-05-08,电话,小王,"
	    "电话介绍,有兴趣,意向,下周回访,小王\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 1, .cadd = 1, .kadd = 1,
	    .iadd = 1, .stages = 1, .late = 1 });
	id = customer(ts->s, "S1");
	r = tu_get(ts->s, &id);
	str_is(r, "name", "简体公司");
	str_is(r, "industry", "物流");
	str_is(r, "pain", "成本高");
	str_is(r, "owner", "小王");
	str_is(r, "stage", "intent");
	dbk_record_free(r);
	tu_kids_get(ts->s, &id, DBK_T_INTERACTION, &k);
	assert_int_equal(k.n, 1);
	str_is(k.r[0], "at", tu_secs(T_0508));
	str_is(k.r[0], "channel", "phone");
	str_is(k.r[0], "with", "小王");
	str_is(k.r[0], "feedback", "有兴趣");
	str_is(k.r[0], "due", NULL);
	tu_kids_free(&k);

	put_file(ts, "english.csv",
	    "Customer No.,CUSTOMER NAME,Industry,Contact,Title,Phone,Pain Points,"
	    "Contact Time,Channel,Participants,Summary,Customer Feedback,Stage,"
	    "Next Action,Owner\n"
	    "E1,English Ltd,Retail,Ann Lee,CTO,555-0100,Slow checkout,"
	    "2024-05-09 14:30,Email,Bob,Sent the deck,Will read,proposal,"
	    "2024-05-20 call back,Bob\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 1, .cadd = 1, .kadd = 1,
	    .iadd = 1, .stages = 1 });
	id = customer(ts->s, "E1");
	r = tu_get(ts->s, &id);
	str_is(r, "name", "English Ltd");
	str_is(r, "industry", "Retail");
	str_is(r, "stage", "proposal");
	str_is(r, "owner", "Bob");
	dbk_record_free(r);
	tu_kids_get(ts->s, &id, DBK_T_INTERACTION, &k);
	assert_int_equal(k.n, 1);
	str_is(k.r[0], "at", tu_secs(T_0509 + 14 * 3600 + 30 * 60));
	str_is(k.r[0], "channel", "email");
	str_is(k.r[0], "summary", "Sent the deck");
	str_is(k.r[0], "due", "2024-05-20");
	tu_kids_free(&k);
	tu_kids_get(ts->s, &id, DBK_T_CONTACT, &k);
	assert_int_equal(k.n, 1);
	str_is(k.r[0], "name", "Ann Lee");
	str_is(k.r[0], "title", "CTO");
	str_is(k.r[0], "phone", "555-0100");
	tu_kids_free(&k);

	/* Other English spellings, and the fewest columns: a name only. */
	put_file(ts, "short.csv", "name,date,summary,next\n"
	    "Short Co,2024-05-09,hello,none yet\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 1, .cadd = 1, .iadd = 1,
	    .late = 1 });
	id = customer(ts->s, "Short Co");
	tu_field_is(ts->s, &id, "code", NULL);
	tu_field_is(ts->s, &id, "next", "none yet");
}

static void
test_header_variants(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_sheet_report rep;
	struct dbk_id id;
	char path[128];

	/* The stage's header with its choices, cells with blanks (also
	 * U+3000) around, a full-width bracket tail, a byte-order mark and
	 * CRLF line breaks. */
	put_file(ts, "variants.csv",
	    "\xef\xbb\xbf 客戶編號 ,\t客戶名稱,\xe3\x80\x80溝通時間\xe3\x80\x80,"
	    "溝通內容摘要（必填）,跟進階段(線索/意向/方案/談判/成交/服務)\r\n"
	    "V1,Variant Co,2024-05-08,met,談判\r\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 1, .cadd = 1, .iadd = 1,
	    .stages = 1, .late = 1 });
	id = customer(ts->s, "V1");
	tu_field_is(ts->s, &id, "name", "Variant Co");
	tu_field_is(ts->s, &id, "stage", "negotiation");
	assert_int_equal(nkids(ts->s, &id, DBK_T_INTERACTION), 1);
}

static void
test_header_refusals(void **state)
{
	struct tu_store *ts = *state;
	char path[128];

	put_file(ts, "unknown.csv", "客戶名稱,溝通時間,溝通內容摘要,Budget Plan\n"
	    "A,2024-05-08,x,1\n", path);
	import_fails(ts, path, DBK_EINVAL, "unknown column", "'Budget Plan'",
	    NULL);
	/* The same column twice, in two languages or two spellings. */
	put_file(ts, "twice.csv", "客戶名稱,溝通時間,溝通內容摘要,customer name\n"
	    "A,2024-05-08,x,A\n", path);
	import_fails(ts, path, DBK_EINVAL, "twice", "customer name", NULL);
	put_file(ts, "twice2.csv", "客戶名稱,溝通時間,跟進階段,溝通內容摘要,"
	    "跟进阶段(线索/意向)\n", path);
	import_fails(ts, path, DBK_EINVAL, "twice", "跟进阶段(线索/意向)", NULL);
	/* An empty header cell. */
	put_file(ts, "hole.csv", "客戶名稱,,溝通內容摘要\nA,,x\n", path);
	import_fails(ts, path, DBK_EINVAL, "column 2", "empty", NULL);
	/* Neither number nor name. */
	put_file(ts, "nokey.csv", "溝通時間,溝通內容摘要\n2024-05-08,x\n", path);
	import_fails(ts, path, DBK_EINVAL, "客戶編號", "客戶名稱", NULL);
}

/* ---- bad cells ---- */

static void
test_bad_cells(void **state)
{
	struct tu_store *ts = *state;
	char path[128];

	/* The spreadsheet's row 4 (header row 1), column as headed. */
	put_file(ts, "date.csv", HEAD_SHORT "\n"
	    "C1,One,,,,2024-05-08,電話,a,,\n"
	    "C2,Two,,,,2024-05-08,電話,b,,\n"
	    "C3,Three,,,,2024-13-01,電話,c,,\n", path);
	import_fails(ts, path, DBK_EINVAL, "row 4", "'溝通時間'", "'2024-13-01'");
	put_file(ts, "stage.csv", HEAD_SHORT "\n"
	    "C1,One,,,,2024-05-08,電話,a,意向,\n"
	    "C2,Two,,,,2024-05-08,電話,b,,\n"
	    "C3,Three,,,,2024-05-08,電話,c,簽約中,\n", path);
	import_fails(ts, path, DBK_EINVAL, "row 4", "'跟進階段'", "'簽約中'");
	put_file(ts, "channel.csv", HEAD_SHORT "\n"
	    "C1,One,,,,2024-05-08,電話,a,,\n"
	    "C2,Two,,,,2024-05-08,pigeon,b,,\n"
	    "C3,Three,,,,2024-05-08,電話,c,,\n", path);
	import_fails(ts, path, DBK_EINVAL, "row 3", "'溝通方式'", "'pigeon'");
	/* The header as written in the file, tail and all. */
	put_file(ts, "date2.csv", "客戶名稱,溝通時間(YYYY-MM-DD),溝通內容摘要\n"
	    "One,2024-05-08,a\n"
	    "Two,5/8/2024,b\n", path);
	import_fails(ts, path, DBK_EINVAL, "row 3", "溝通時間(YYYY-MM-DD)",
	    "'5/8/2024'");
	/* A time in the future, a time without a summary, a summary without
	 * a time, a row without its customer. */
	put_file(ts, "future.csv", HEAD_SHORT "\n"
	    "C1,One,,,,2024-05-11,電話,a,,\n", path);
	import_fails(ts, path, DBK_EINVAL, "row 2", "future", "2024-05-11");
	put_file(ts, "nosummary.csv", HEAD_SHORT "\n"
	    "C1,One,,,,2024-05-08,電話,,,\n", path);
	import_fails(ts, path, DBK_EINVAL, "row 2", "summary", NULL);
	put_file(ts, "notime.csv", HEAD_SHORT "\n"
	    "C1,One,,,,,電話,talked,,\n", path);
	import_fails(ts, path, DBK_EINVAL, "row 2", "time", NULL);
	put_file(ts, "nokey.csv", HEAD_SHORT "\n"
	    "C1,One,,,,2024-05-08,電話,a,,\n"
	    ",,制造業,,,2024-05-08,電話,b,,\n", path);
	import_fails(ts, path, DBK_EINVAL, "row 3", "'客戶編號'", NULL);
	/* More cells than the header has. */
	put_file(ts, "wide.csv", "客戶名稱,溝通時間,溝通內容摘要\n"
	    "One,2024-05-08,a,extra\n", path);
	import_fails(ts, path, DBK_EINVAL, "row 2", NULL, NULL);
	/* A new customer no row of which names it. */
	put_file(ts, "noname.csv", HEAD_SHORT "\n"
	    "C9,,,,,2024-05-08,電話,a,,\n", path);
	import_fails(ts, path, DBK_EINVAL, "C9", "客戶名稱", NULL);
	assert_int_equal(count_type(ts->s, DBK_T_CUSTOMER), 0);
}

/* ---- grouping ---- */

static void
test_group_by_number(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_sheet_report rep;
	struct dbk_record *r;
	struct tu_kids k;
	struct dbk_id id;
	char path[128], hex[DBK_ID_HEX];

	/* Three rows of C1 (values changing, some cells empty on the last
	 * row), two of its contacts, one row of C2 between them. */
	put_file(ts, "group.csv", HEAD_SHORT "\n"
	    "C1,Old Name,制造業,王經理,經理,2024-05-03,電話,first,,\n"
	    "C2,Other,零售,,,2024-05-03,電話,other,,\n"
	    "C1,New Name,物流,王經理,總監,2024-05-08,面談,second,,\n"
	    "C1,,,李工,,2024-05-09,電話,third,,\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 4, .cadd = 2, .kadd = 2,
	    .iadd = 4, .late = 4 });
	assert_int_equal(count_type(ts->s, DBK_T_CUSTOMER), 2);
	id = customer(ts->s, "C1");
	r = tu_get(ts->s, &id);
	str_is(r, "name", "New Name");	/* the last row that gives it */
	str_is(r, "industry", "物流");
	/* In the pipeline since its earliest row. */
	str_is(r, "lead_at", tu_secs(T_0503));
	str_is(r, "last_contact", tu_secs(T_0509));
	dbk_record_free(r);
	tu_kids_get(ts->s, &id, DBK_T_CONTACT, &k);
	assert_int_equal(k.n, 2);
	str_is(kid_with(&k, "name", "王經理"), "title", "總監");
	str_is(kid_with(&k, "name", "李工"), "title", NULL);
	dbk_id_format(dbk_record_id(kid_with(&k, "name", "李工")), hex);
	tu_kids_free(&k);
	tu_kids_get(ts->s, &id, DBK_T_INTERACTION, &k);
	assert_int_equal(k.n, 3);
	str_is(kid_with(&k, "summary", "first"), "at", tu_secs(T_0503));
	str_is(kid_with(&k, "summary", "second"), "channel", "visit");
	str_is(kid_with(&k, "summary", "third"), "contact", hex);
	tu_kids_free(&k);
	id = customer(ts->s, "C2");
	assert_int_equal(nkids(ts->s, &id, DBK_T_INTERACTION), 1);
	assert_int_equal(nkids(ts->s, &id, DBK_T_CONTACT), 0);

	/* Later: C1's values change in a new file; its contact is found. */
	put_file(ts, "group2.csv", HEAD_SHORT "\n"
	    "C1,,快遞,王經理,副總,2024-05-09 10:00,電話,fourth,,\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 1, .cupd = 1, .kupd = 1,
	    .iadd = 1, .late = 1 });
	id = customer(ts->s, "C1");
	tu_field_is(ts->s, &id, "industry", "快遞");
	tu_field_is(ts->s, &id, "name", "New Name");
	tu_kids_get(ts->s, &id, DBK_T_CONTACT, &k);
	assert_int_equal(k.n, 2);
	str_is(kid_with(&k, "name", "王經理"), "title", "副總");
	tu_kids_free(&k);
	assert_int_equal(nkids(ts->s, &id, DBK_T_INTERACTION), 4);
}

static void
test_group_by_name(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_sheet_report rep;
	struct dbk_id id;
	char path[128];

	put_file(ts, "names.csv", HEAD_SHORT "\n"
	    ",無號公司,制造業,,,2024-05-03,電話,one,,\n"
	    ",Another Co,,,,2024-05-03,電話,two,,\n"
	    ",無號公司,,,,2024-05-08,電話,three,,\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 3, .cadd = 2, .iadd = 3,
	    .late = 3 });
	id = customer(ts->s, "無號公司");
	tu_field_is(ts->s, &id, "code", NULL);
	tu_field_is(ts->s, &id, "industry", "制造業");
	assert_int_equal(nkids(ts->s, &id, DBK_T_INTERACTION), 2);
	id = customer(ts->s, "Another Co");
	assert_int_equal(nkids(ts->s, &id, DBK_T_INTERACTION), 1);

	/* The next file finds them by name again. */
	put_file(ts, "names2.csv", HEAD_SHORT "\n"
	    ",無號公司,,,,2024-05-08,電話,three,,\n"
	    ",無號公司,,,,2024-05-09,電話,four,,\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 2, .iadd = 1, .dup = 1,
	    .late = 1 });
	assert_int_equal(count_type(ts->s, DBK_T_CUSTOMER), 2);
	id = customer(ts->s, "無號公司");
	assert_int_equal(nkids(ts->s, &id, DBK_T_INTERACTION), 3);
}

/* ---- next actions and stages ---- */

static void
test_next_due(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_sheet_report rep;
	struct tu_kids k;
	struct dbk_id id;
	char path[128];

	put_file(ts, "due.csv", HEAD_SHORT "\n"
	    "D1,Due Co,,,,2024-05-03 09:00,電話,a,,5月17日提交報價\n"
	    "D1,,,,,2023-12-20,電話,b,,1月5日回訪\n"
	    "D1,,,,,2024-05-03,電話,c,,2024-06-01 簽約\n"
	    "D1,,,,,2024-05-03,電話,d,,5/20 call\n"
	    "D1,,,,,2024-05-03,電話,e,,下周回訪\n"
	    "D1,,,,,2024-05-03,電話,f,,3 calls this week\n"
	    "D1,,,,,2024-05-03,電話,g,,13月1日\n"
	    "D1,,,,,2024-05-08,電話,h,,12月31日 年末回訪\n", path);
	import_ok(ts, path, &rep);
	assert_int_equal(rep.interactions_added, 8);
	id = customer(ts->s, "D1");
	tu_kids_get(ts->s, &id, DBK_T_INTERACTION, &k);
	assert_int_equal(k.n, 8);
	str_is(kid_with(&k, "summary", "a"), "at", tu_secs(T_0503_0900));
	str_is(kid_with(&k, "summary", "a"), "due", "2024-05-17");
	/* After a December contact, January is the next year's. */
	str_is(kid_with(&k, "summary", "b"), "at", tu_secs(T_20231220));
	str_is(kid_with(&k, "summary", "b"), "due", "2024-01-05");
	str_is(kid_with(&k, "summary", "b"), "next", "1月5日回訪");
	str_is(kid_with(&k, "summary", "c"), "due", "2024-06-01");
	str_is(kid_with(&k, "summary", "d"), "due", "2024-05-20");
	str_is(kid_with(&k, "summary", "e"), "due", NULL);
	str_is(kid_with(&k, "summary", "e"), "next", "下周回訪");
	str_is(kid_with(&k, "summary", "f"), "due", NULL);
	str_is(kid_with(&k, "summary", "g"), "due", NULL);
	str_is(kid_with(&k, "summary", "h"), "due", "2024-12-31");
	tu_kids_free(&k);
}

static void
test_stage_alone(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_sheet_report rep;
	struct dbk_id id;
	char path[128];

	/* G1: a stage alone on a row that is not its last is ignored.
	 * G2: on its last row it applies.  G3: a stage equal to the current
	 * one is no change.  G4: a stage on an interaction row moves it. */
	put_file(ts, "stages.csv", HEAD_SHORT "\n"
	    "G1,First,,,,2024-05-03,電話,a,,\n"
	    "G1,,,,,,,,方案,\n"
	    "G2,Second,,,,2024-05-03,電話,b,,\n"
	    "G1,,,,,2024-05-08,電話,c,,\n"
	    "G2,,,,,,,,談判,\n"
	    "G3,Third,,,,2024-05-03,電話,d,,\n"
	    "G3,,,,,,,,線索,\n"
	    "G4,Fourth,,,,2024-05-03,電話,e,intent,\n"
	    "G4,,,,,2024-05-08,電話,f,lead,\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 9, .cadd = 4, .iadd = 6,
	    .stages = 3, .late = 6 });
	id = customer(ts->s, "G1");
	tu_field_is(ts->s, &id, "stage", "lead");
	assert_int_equal(nkids(ts->s, &id, DBK_T_STAGE), 1);
	id = customer(ts->s, "G2");
	tu_field_is(ts->s, &id, "stage", "negotiation");
	id = customer(ts->s, "G3");
	tu_field_is(ts->s, &id, "stage", "lead");
	assert_int_equal(nkids(ts->s, &id, DBK_T_STAGE), 1);
	id = customer(ts->s, "G4");
	tu_field_is(ts->s, &id, "stage", "lead");
	assert_int_equal(nkids(ts->s, &id, DBK_T_STAGE), 3);

	/* Again: every interaction a duplicate, every stage in force. */
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 9, .dup = 6 });
}

/* ---- duplicates ---- */

static void
test_duplicates_of_existing(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_sheet_report rep;
	struct dbk_txn *t;
	struct dbk_id id;
	char path[128];

	/* Entered by hand: customer X1 with a visit on 2024-05-03 09:00. */
	{
		struct dbk_field f[] = { { "name", "Existing" }, { "code", "X1" },
			{ "industry", "能源" } };
		struct dbk_field l[] = { { "at", "2024-05-03 09:00" },
			{ "summary", "拜訪" } };
		int late = 0;
		t = tu_begin(ts->s, 1);
		TU_OK(dbk_customer_add(t, f, 3, &id, &err), &err);
		TU_OK(dbk_log_add(t, &id, l, 2, NULL, 0, NULL, &late, &err), &err);
		tu_commit(t);
	}
	/* The same visit, one at another time, one with another summary,
	 * and a row repeated within the file. */
	put_file(ts, "dup.csv", HEAD_SHORT "\n"
	    "X1,Existing,能源,,,2024-05-03 09:00,面談,拜訪,,\n"
	    "X1,Existing,能源,,,2024-05-03 10:00,面談,拜訪,,\n"
	    "X1,Existing,能源,,,2024-05-03 09:00,面談,拜訪客戶,,\n"
	    "X1,Existing,能源,,,2024-05-03 10:00,面談,拜訪,,\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 4, .iadd = 2, .dup = 2,
	    .late = 2 });
	assert_int_equal(nkids(ts->s, &id, DBK_T_INTERACTION), 3);
	assert_int_equal(count_type(ts->s, DBK_T_CUSTOMER), 1);
}

static void
test_apostrophe(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_sheet_report rep;
	struct tu_kids k;
	struct dbk_id id;
	char path[128];

	put_file(ts, "formula.csv", HEAD_SHORT "\n"
	    "'=A1,'-Minus Co,'@ind,,,2024-05-08,電話,'=SUM(A1),,'+1 day\n"
	    "'=A1,,,,,2024-05-08,電話,'plain,,\n"
	    "'=A1,,,,,2024-05-08,電話,'',,\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 3, .cadd = 1, .iadd = 3,
	    .late = 3 });
	id = customer(ts->s, "=A1");
	tu_field_is(ts->s, &id, "code", "=A1");
	tu_field_is(ts->s, &id, "name", "-Minus Co");
	tu_field_is(ts->s, &id, "industry", "@ind");
	tu_kids_get(ts->s, &id, DBK_T_INTERACTION, &k);
	assert_int_equal(k.n, 3);
	str_is(kid_with(&k, "summary", "=SUM(A1)"), "next", "+1 day");
	(void)kid_with(&k, "summary", "'plain");	/* kept: not a formula */
	(void)kid_with(&k, "summary", "''");
	tu_kids_free(&k);
}

/* ---- custom field columns ---- */

static void
test_custom_columns(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_custom_spec sp;
	struct dbk_sheet_report rep;
	struct tu_kids k;
	struct dbk_id id;
	struct dbk_txn *t;
	char path[128];

	memset(&sp, 0, sizeof sp);
	sp.of = DBK_T_CUSTOMER;
	sp.name = "service_need";
	sp.kind = DBK_CK_CHOICE;
	sp.choices = "basic,premium";
	sp.label_zh = "增值服務需求";
	(void)define(ts->s, &sp);
	memset(&sp, 0, sizeof sp);
	sp.of = DBK_T_INTERACTION;
	sp.name = "minutes";
	sp.kind = DBK_CK_NUMBER;
	sp.label_en = "Visit minutes";
	(void)define(ts->s, &sp);
	memset(&sp, 0, sizeof sp);
	sp.of = DBK_T_CONTACT;
	sp.name = "wechat";
	sp.kind = DBK_CK_TEXT;
	sp.sensitive = 1;
	(void)define(ts->s, &sp);

	put_file(ts, "custom.csv", "客戶編號,客戶名稱,聯系人,溝通時間,"
	    "溝通內容摘要,增值服務需求,visit MINUTES,wechat\n"
	    "K1,Custom Co,張三,2024-05-08,a,Premium,\"1,200\",zs_01\n"
	    "K1,,,2024-05-09,b,,45,\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ .rows = 2, .cadd = 1, .kadd = 1,
	    .iadd = 2, .late = 2 });
	id = customer(ts->s, "K1");
	tu_field_is(ts->s, &id, "x.service_need", "premium");
	tu_kids_get(ts->s, &id, DBK_T_INTERACTION, &k);
	str_is(kid_with(&k, "summary", "a"), "x.minutes", "1200");
	str_is(kid_with(&k, "summary", "b"), "x.minutes", "45");
	tu_kids_free(&k);
	tu_kids_get(ts->s, &id, DBK_T_CONTACT, &k);
	assert_int_equal(k.n, 1);
	str_is(k.r[0], "x!wechat", "zs_01");
	tu_kids_free(&k);

	/* A bad value names row, column and value. */
	put_file(ts, "badcustom.csv", "客戶編號,客戶名稱,溝通時間,溝通內容摘要,"
	    "增值服務需求\n"
	    "K2,Bad Co,2024-05-08,a,basic\n"
	    "K2,,2024-05-09,b,gold\n", path);
	import_fails(ts, path, DBK_EINVAL, "row 3", "'增值服務需求'", "gold");

	/* Retired: its column is refused, by name or label. */
	t = tu_begin(ts->s, 1);
	TU_OK(dbk_custom_retire(t, DBK_T_CUSTOMER, "service_need", &err), &err);
	tu_commit(t);
	put_file(ts, "retired.csv", "客戶編號,客戶名稱,溝通時間,溝通內容摘要,"
	    "增值服務需求\n"
	    "K3,Retired Co,2024-05-08,a,basic\n", path);
	import_fails(ts, path, DBK_EINVAL, "retired", "增值服務需求", NULL);
	put_file(ts, "retired2.csv", "客戶名稱,service_need\nR,basic\n", path);
	import_fails(ts, path, DBK_EINVAL, "retired", "service_need", NULL);
	/* The kept value is still there. */
	tu_field_is(ts->s, &id, "x.service_need", "premium");
	/* The same custom column twice. */
	put_file(ts, "twice.csv", "客戶名稱,minutes,Visit minutes\nR,1,2\n", path);
	import_fails(ts, path, DBK_EINVAL, "twice", "Visit minutes", NULL);
}

/* ---- files ---- */

static void
test_files(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_sheet_report rep;
	uint8_t before[32], after[32];
	char path[128];

	put_file(ts, "empty.csv", "", path);
	import_fails(ts, path, DBK_EINVAL, "empty", NULL, NULL);

	hash_store(ts, before);
	put_file(ts, "header.csv", HEAD_ZH "\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ 0 });
	put_file(ts, "header2.csv", HEAD_ZH, path);	/* no line break */
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ 0 });
	/* Blank rows are no rows. */
	put_file(ts, "blank.csv", HEAD_SHORT "\n,,,,,,,,,\n\n , ,,,,,,,,\n", path);
	import_ok(ts, path, &rep);
	report_is(&rep, (struct counts){ 0 });
	hash_store(ts, after);
	assert_memory_equal(before, after, 32);

	snprintf(path, sizeof path, "%s/no-such.csv", ts->dir);
	TU_FAILS(import(ts, path, DBK_SHEET_UTF8, 0, &rep, &err), DBK_ENOTFOUND,
	    &err);
	assert_non_null(strstr(err.msg, "no-such.csv"));
	dbk_error_clear(&err);
	TU_FAILS(import(ts, path, DBK_SHEET_UTF8, 1, &rep, &err), DBK_ENOTFOUND,
	    &err);
	dbk_error_clear(&err);
	/* A directory is not a file. */
	TU_FAILS(import(ts, ts->dir, DBK_SHEET_UTF8, 0, &rep, &err), DBK_EIO,
	    &err);
	dbk_error_clear(&err);
	assert_int_equal(count_type(ts->s, DBK_T_CUSTOMER), 0);
}

/* ---- found while writing these tests: skipped until fixed ---- */

static void
test_bug_name_equal_to_a_code(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_error err = { 0 };
	struct dbk_sheet_report rep;
	struct dbk_txn *t;
	struct dbk_id acme;
	char path[128];

	/* Fixed (found by this test): sheet.c write_customers finds a customer without a number by
	 * dbk_resolve_ex(..., DBK_RESOLVE_EXACT), which tries the name as a
	 * customer code (and as an id prefix when it is 4+ hex digits) before
	 * names.  A row with an empty 客戶編號 and 客戶名稱 "ACME" is matched
	 * to the customer whose *code* is ACME (named "Acme Corporation"):
	 * that customer is renamed to "ACME" (customers_updated 1) and gets
	 * the interaction, instead of a new customer "ACME" being added.
	 * (A name such as "1688" likewise lands on any customer whose id
	 * starts with 1688.) */
	{
		struct dbk_field f[] = { { "name", "Acme Corporation" },
			{ "code", "ACME" } };
		t = tu_begin(ts->s, 1);
		TU_OK(dbk_customer_add(t, f, 2, &acme, &err), &err);
		tu_commit(t);
	}
	put_file(ts, "acme.csv", "客戶編號,客戶名稱,溝通時間,溝通內容摘要\n"
	    ",ACME,2024-05-10 09:00,hello\n", path);
	import_ok(ts, path, &rep);
	tu_field_is(ts->s, &acme, "name", "Acme Corporation");
	assert_int_equal(nkids(ts->s, &acme, DBK_T_INTERACTION), 0);
	report_is(&rep, (struct counts){ .rows = 1, .cadd = 1, .iadd = 1 });
	assert_int_equal(count_type(ts->s, DBK_T_CUSTOMER), 2);
}

static void
test_bug_custom_label_with_brackets(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_custom_spec sp;
	struct dbk_sheet_report rep;
	struct dbk_id id;
	char path[128];

	/* Fixed (found by this test): sheet.c head_norm cuts every header at its first "(" or "（"
	 * (meant for "跟進階段(線索/意向/...)") before looking for a custom
	 * field, so a custom field whose label has brackets -- common in
	 * Chinese sheets, e.g. label_zh "預算（萬元）", which dbk_custom_add
	 * accepts -- cannot be a column by its label: the import fails with
	 * "unknown column '預算（萬元）'" although sheet.h says a header may
	 * name a custom field by a label. */
	memset(&sp, 0, sizeof sp);
	sp.of = DBK_T_CUSTOMER;
	sp.name = "budget_wan";
	sp.kind = DBK_CK_NUMBER;
	sp.label_zh = "預算（萬元）";
	sp.label_en = "Budget (10k CNY)";
	(void)define(ts->s, &sp);
	put_file(ts, "label.csv", "客戶編號,客戶名稱,預算（萬元）\n"
	    "B1,Bracket Co,120\n", path);
	import_ok(ts, path, &rep);
	id = customer(ts->s, "B1");
	tu_field_is(ts->s, &id, "x.budget_wan", "120");
	put_file(ts, "label2.csv", "客戶編號,客戶名稱,Budget (10k CNY)\n"
	    "B1,Bracket Co,150\n", path);
	import_ok(ts, path, &rep);
	tu_field_is(ts->s, &id, "x.budget_wan", "150");
}

static void
test_bug_next_due_year_month_day(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_sheet_report rep;
	struct tu_kids k;
	struct dbk_id id;
	char path[128];

	/* Fixed (found by this test): sheet.c next_due tries a full date only in the first 8 to 10
	 * bytes, so a next action that begins with "2024年5月17日" (16 bytes,
	 * a form dbk_parse_date accepts) gets no due date, while
	 * "5月17日..." and "2024-05-17 ..." do. */
	put_file(ts, "ymd.csv", HEAD_SHORT "\n"
	    "Y1,Ymd Co,,,,2024-05-03,電話,a,,2024年5月17日提交報價\n", path);
	import_ok(ts, path, &rep);
	id = customer(ts->s, "Y1");
	tu_kids_get(ts->s, &id, DBK_T_INTERACTION, &k);
	assert_int_equal(k.n, 1);
	str_is(k.r[0], "due", "2024-05-17");
	tu_kids_free(&k);
}

static void
test_bug_contact_twice_when_number_omitted(void **state)
{
	struct tu_store *ts = *state;
	struct dbk_sheet_report rep;
	struct dbk_id id;
	char path[128];

	/* Fixed (found by this test): rows of one customer, the number given on the first row only
	 * (as people fill sheets), form two groups: "C1" and the name "Acme".
	 * write_customers creates C1, then finds it again by name for the
	 * second group, but contacts are keyed by group ("C1\x1fWang" and
	 * "Acme\x1fWang") and the new customer's contacts are only written
	 * later (write_contacts), so contact_cb cannot see the first: the
	 * customer gets two contacts named Wang (contacts_added 2), against
	 * sheet.h's "one contact per customer and contact name". */
	put_file(ts, "mix.csv", HEAD_SHORT "\n"
	    "C1,Acme,,Wang,,2024-05-08,電話,a,,\n"
	    ",Acme,,Wang,,2024-05-09,電話,b,,\n", path);
	import_ok(ts, path, &rep);
	id = customer(ts->s, "C1");
	assert_int_equal(count_type(ts->s, DBK_T_CUSTOMER), 1);
	assert_int_equal(nkids(ts->s, &id, DBK_T_INTERACTION), 2);
	assert_int_equal(nkids(ts->s, &id, DBK_T_CONTACT), 1);
	assert_int_equal(rep.contacts_added, 1);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tu_setup_store_now, tu_teardown_store)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers_and_encodings),
		T(test_fixture),
		T(test_fixture_dry_run),
		T(test_fixture_gbk),
		T(test_fixture_in_the_future),
		T(test_headers_simplified_and_english),
		T(test_header_variants),
		T(test_header_refusals),
		T(test_bad_cells),
		T(test_group_by_number),
		T(test_group_by_name),
		T(test_next_due),
		T(test_stage_alone),
		T(test_duplicates_of_existing),
		T(test_apostrophe),
		T(test_custom_columns),
		T(test_files),
		T(test_bug_name_equal_to_a_code),
		T(test_bug_custom_label_with_brackets),
		T(test_bug_next_due_year_month_day),
		T(test_bug_contact_twice_when_number_omitted),
	};
#undef T

	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
