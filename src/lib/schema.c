/*
 * schema.c -- the built-in record types, their fields, and the
 * normalisation of typed input into canonical strings.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "schema.h"

#define S DBK_F_SENSITIVE
#define R DBK_F_REQUIRED
#define Y DBK_F_SYSTEM
#define U DBK_F_UNIQUE
#define D (DBK_F_SYSTEM | DBK_F_DERIVED)

/* Every type carries created/by (system) and _del (tombstone). */
#define COMMON \
	{ "_del", DBK_K_BOOL, Y, "deleted", "已刪除" }, \
	{ "by", DBK_K_TEXT, Y, "entered by", "錄入人" }, \
	{ "created", DBK_K_DATETIME, Y, "entered at", "錄入時間" }

static const struct dbk_fielddef customer_fields[] = {
	COMMON,
	{ "budget", DBK_K_MONEY, S, "budget", "預算" },
	{ "chk_acceptance", DBK_K_TEXT, D, "check: solution acceptance", "評估：方案認可度" },
	{ "chk_authority", DBK_K_TEXT, D, "check: decision authority", "評估：決策權" },
	{ "chk_budget", DBK_K_TEXT, D, "check: budget", "評估：預算" },
	{ "chk_decision_chain", DBK_K_TEXT, D, "check: decision chain", "評估：決策鏈" },
	{ "chk_need", DBK_K_TEXT, D, "check: need", "評估：需求" },
	{ "chk_need_clarity", DBK_K_TEXT, D, "check: need clarity", "評估：需求明確度" },
	{ "chk_need_match", DBK_K_TEXT, D, "check: need match", "評估：需求匹配度" },
	{ "chk_payment_plan", DBK_K_TEXT, D, "check: payment plan", "評估：回款計劃" },
	{ "chk_price_sensitivity", DBK_K_TEXT, D, "check: price sensitivity", "評估：價格敏感度" },
	{ "chk_satisfaction", DBK_K_TEXT, D, "check: satisfaction", "評估：滿意度" },
	{ "chk_signing_risk", DBK_K_TEXT, D, "check: signing risk", "評估：簽約風險" },
	{ "chk_terms", DBK_K_TEXT, D, "check: contract terms", "評估：合同條款" },
	{ "business", DBK_K_TEXT, 0, "main business", "主營業務" },
	{ "close_by", DBK_K_DATE, 0, "target close date", "目標簽約日期" },
	{ "code", DBK_K_TEXT, U, "customer no.", "客戶編號" },
	{ "employees", DBK_K_INT, 0, "employees", "員工數" },
	{ "expected", DBK_K_MONEY, S, "expected first order", "預期首單金額" },
	{ "industry", DBK_K_TEXT, 0, "industry", "行業" },
	{ "last_contact", DBK_K_DATETIME, D, "last contact", "最近溝通" },
	{ "lead_at", DBK_K_DATETIME, 0, "lead since", "線索日期" },
	{ "name", DBK_K_TEXT, R, "name", "客戶名稱" },
	{ "next", DBK_K_TEXT, D, "next action", "下一步行動" },
	{ "next_due", DBK_K_DATE, D, "next action due", "下一步期限" },
	{ "owner", DBK_K_TEXT, 0, "owner", "負責人" },
	{ "pain", DBK_K_TEXT, 0, "pain points", "需求痛點" },
	{ "priority", DBK_K_PRIORITY, 0, "priority", "優先級" },
	{ "probability", DBK_K_PERCENT, Y, "win probability override", "成交概率" },
	{ "revenue", DBK_K_MONEY, S, "annual revenue", "年營收" },
	{ "stage", DBK_K_STAGE, D, "stage", "跟進階段" },
	{ "stage_at", DBK_K_DATETIME, D, "stage since", "階段日期" },
	{ "their_next", DBK_K_TEXT, D, "their committed next step", "客戶承諾下一步" },
};

static const struct dbk_fielddef contact_fields[] = {
	COMMON,
	{ "customer", DBK_K_REF, R, "customer", "客戶" },
	{ "email", DBK_K_TEXT, S, "e-mail", "郵箱" },
	{ "name", DBK_K_TEXT, R, "name", "聯系人" },
	{ "phone", DBK_K_TEXT, S, "phone", "聯系方式" },
	{ "role", DBK_K_ROLE, 0, "decision-chain role", "決策鏈角色" },
	{ "title", DBK_K_TEXT, 0, "title", "職位" },
};

static const struct dbk_fielddef interaction_fields[] = {
	COMMON,
	{ "agreed", DBK_K_TEXT, 0, "agreed", "達成共識" },
	{ "at", DBK_K_DATETIME, R, "time", "溝通時間" },
	{ "channel", DBK_K_CHANNEL, 0, "channel", "溝通方式" },
	{ "competitor", DBK_K_TEXT, 0, "competitor moves", "競爭對手動態" },
	{ "contact", DBK_K_REF, 0, "contact", "聯系人" },
	{ "customer", DBK_K_REF, R, "customer", "客戶" },
	{ "due", DBK_K_DATE, 0, "next action due", "下一步期限" },
	{ "feedback", DBK_K_TEXT, 0, "customer feedback", "客戶反饋" },
	{ "late", DBK_K_BOOL, Y, "recorded late", "逾時錄入" },
	{ "materials", DBK_K_TEXT, 0, "materials delivered", "提交物料" },
	{ "next", DBK_K_TEXT, 0, "next action", "下一步行動" },
	{ "opportunity", DBK_K_TEXT, 0, "opportunity", "機會點" },
	{ "summary", DBK_K_TEXT, R, "summary", "溝通內容摘要" },
	{ "their_next", DBK_K_TEXT, 0, "their committed next step", "客戶承諾下一步" },
	{ "with", DBK_K_TEXT, 0, "participants", "參與人員" },
};

static const struct dbk_fielddef objection_fields[] = {
	COMMON,
	{ "at", DBK_K_DATETIME, 0, "raised at", "提出時間" },
	{ "category", DBK_K_TEXT, 0, "category", "類別" },
	{ "customer", DBK_K_REF, R, "customer", "客戶" },
	{ "interaction", DBK_K_REF, 0, "raised in", "來源溝通" },
	{ "resolved", DBK_K_BOOL, 0, "resolved", "已解決" },
	{ "resolved_at", DBK_K_DATETIME, 0, "resolved at", "解決時間" },
	{ "response", DBK_K_TEXT, 0, "our response", "應對" },
	{ "text", DBK_K_TEXT, R, "objection", "異議" },
};

static const struct dbk_fielddef competitor_fields[] = {
	COMMON,
	{ "at", DBK_K_DATETIME, 0, "seen at", "時間" },
	{ "customer", DBK_K_REF, R, "customer", "客戶" },
	{ "interaction", DBK_K_REF, 0, "seen in", "來源溝通" },
	{ "name", DBK_K_TEXT, R, "competitor", "競爭對手" },
	{ "strengths", DBK_K_TEXT, 0, "strengths", "優勢" },
	{ "weaknesses", DBK_K_TEXT, 0, "weaknesses", "劣勢" },
};

static const struct dbk_fielddef stage_fields[] = {
	COMMON,
	{ "at", DBK_K_DATETIME, R, "time", "時間" },
	{ "checks", DBK_K_TEXT, 0, "checklist", "評估項" },
	{ "customer", DBK_K_REF, R, "customer", "客戶" },
	{ "forced", DBK_K_BOOL, 0, "gate overridden", "強制推進" },
	{ "from", DBK_K_STAGE, 0, "from stage", "原階段" },
	{ "note", DBK_K_TEXT, 0, "note", "備註" },
	{ "probability", DBK_K_PERCENT, 0, "win probability", "成交概率" },
	{ "stage", DBK_K_STAGE, R, "stage", "階段" },
};

static const struct dbk_fielddef deal_fields[] = {
	COMMON,
	{ "amount", DBK_K_MONEY, S | R, "amount", "金額" },
	{ "customer", DBK_K_REF, R, "customer", "客戶" },
	{ "signed", DBK_K_DATE, R, "signed on", "簽約日期" },
};

static const struct dbk_fielddef payment_fields[] = {
	COMMON,
	{ "amount", DBK_K_MONEY, S | R, "amount", "金額" },
	{ "at", DBK_K_DATE, R, "received on", "回款日期" },
	{ "customer", DBK_K_REF, R, "customer", "客戶" },
	{ "deal", DBK_K_REF, R, "deal", "合同" },
};

/* A goal of the effect review: a target for one indicator, period and
 * scope (member absent: the team).  target/benchmark are integers in the
 * indicator's unit (eval.h, dbk_metric_unit). */
static const struct dbk_fielddef goal_fields[] = {
	COMMON,
	{ "benchmark", DBK_K_TEXT, 0, "benchmark", "參考基準" },
	{ "member", DBK_K_TEXT, 0, "member", "成員" },
	{ "metric", DBK_K_TEXT, R, "indicator", "指標" },
	{ "period", DBK_K_TEXT, R, "period", "評估周期" },
	{ "target", DBK_K_TEXT, R, "target", "目標" },
};

/* The evaluation table's text columns for a period and scope. */
static const struct dbk_fielddef review_fields[] = {
	COMMON,
	{ "action", DBK_K_TEXT, 0, "improvement actions", "優化措施" },
	{ "member", DBK_K_TEXT, 0, "member", "成員" },
	{ "period", DBK_K_TEXT, R, "period", "評估周期" },
	{ "problem", DBK_K_TEXT, 0, "problems", "待改進問題" },
	{ "success", DBK_K_TEXT, 0, "what worked", "成功經驗" },
};

/* A customer's follow-up plan milestone: done when its stage is reached. */
static const struct dbk_fielddef plan_fields[] = {
	COMMON,
	{ "customer", DBK_K_REF, R, "customer", "客戶" },
	{ "due", DBK_K_DATE, R, "due", "計劃日期" },
	{ "milestone", DBK_K_TEXT, R, "milestone", "里程碑" },
	{ "note", DBK_K_TEXT, 0, "note", "備註" },
	{ "owner", DBK_K_TEXT, 0, "owner", "負責人" },
};

/* An audited evaluation run (eval.c): every field is covered by the
 * signature, which is made over them all but itself. */
static const struct dbk_fielddef evalrun_fields[] = {
	COMMON,
	{ "by_scope", DBK_K_TEXT, Y, "scope", "評估維度" },
	{ "digest", DBK_K_TEXT, Y, "input digest", "輸入摘要" },
	{ "metrics_version", DBK_K_TEXT, Y, "metric definitions", "指標定義版本" },
	{ "ninputs", DBK_K_TEXT, Y, "input entries", "輸入記錄數" },
	{ "params", DBK_K_TEXT, Y, "parameters", "參數" },
	{ "period", DBK_K_TEXT, Y, "period", "評估周期" },
	{ "results_hash", DBK_K_TEXT, Y, "results hash", "結果摘要" },
	{ "sig", DBK_K_TEXT, Y, "signature", "簽名" },
	{ "signer", DBK_K_TEXT, Y, "signed by", "簽名人" },
};

/* A member of the team roster (roster.c): every field is set by the
 * library and covered by the signature, which is made over them all but
 * itself. */
static const struct dbk_fielddef member_fields[] = {
	COMMON,
	{ "identity", DBK_K_TEXT, R | Y, "public identity", "公開身份" },
	{ "name", DBK_K_TEXT, R | Y, "name", "姓名" },
	{ "removed_at", DBK_K_DATETIME, Y, "removed at", "移除時間" },
	{ "restricted", DBK_K_BOOL, Y, "restricted access", "受限字段權限" },
	{ "role", DBK_K_TEXT, R | Y, "role", "角色" },
	{ "sig", DBK_K_TEXT, Y, "signature", "簽名" },
};

/* A custom field's definition (custom.c, dealbook/field.h). */
static const struct dbk_fielddef fielddef_fields[] = {
	COMMON,
	{ "choices", DBK_K_TEXT, 0, "choices", "選項" },
	{ "kind", DBK_K_TEXT, R, "kind", "類型" },
	{ "label_en", DBK_K_TEXT, 0, "English label", "英文名稱" },
	{ "label_zh", DBK_K_TEXT, 0, "Chinese label", "中文名稱" },
	{ "name", DBK_K_TEXT, R, "name", "名稱" },
	{ "of", DBK_K_TEXT, R, "record type", "記錄類型" },
	{ "retired", DBK_K_BOOL, 0, "retired", "已停用" },
	{ "sensitive", DBK_K_BOOL, 0, "sensitive", "敏感" },
};

/* What storage needs of a custom field's value. */
static const struct dbk_fielddef custom_plain = {
	"", DBK_K_TEXT, 0, "custom field", "自定義欄位"
};
static const struct dbk_fielddef custom_sensitive = {
	"", DBK_K_TEXT, DBK_F_SENSITIVE, "custom field", "自定義欄位"
};

#undef S
#undef R
#undef Y
#undef U
#undef D

#define N(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(N(customer_fields) <= 64, "raise MAX_TYPE_FIELDS");

static const struct {
	const char *name;
	const struct dbk_fielddef *fields;
	size_t n;
	const char *parent; /* field naming the owning record, for the index */
} types[] = {
	[0] = { NULL, NULL, 0, NULL },
	[DBK_T_CUSTOMER] = { "customer", customer_fields, N(customer_fields), NULL },
	[DBK_T_CONTACT] = { "contact", contact_fields, N(contact_fields), "customer" },
	[DBK_T_INTERACTION] = { "interaction", interaction_fields, N(interaction_fields), "customer" },
	[DBK_T_OBJECTION] = { "objection", objection_fields, N(objection_fields), "customer" },
	[DBK_T_COMPETITOR] = { "competitor", competitor_fields, N(competitor_fields), "customer" },
	[DBK_T_STAGE] = { "stage", stage_fields, N(stage_fields), "customer" },
	[DBK_T_DEAL] = { "deal", deal_fields, N(deal_fields), "customer" },
	[DBK_T_PAYMENT] = { "payment", payment_fields, N(payment_fields), "customer" },
	[DBK_T_GOAL] = { "goal", goal_fields, N(goal_fields), NULL },
	[DBK_T_REVIEW] = { "review", review_fields, N(review_fields), NULL },
	[DBK_T_PLAN] = { "plan", plan_fields, N(plan_fields), "customer" },
	[DBK_T_EVALRUN] = { "evalrun", evalrun_fields, N(evalrun_fields), NULL },
	[DBK_T_FIELDDEF] = { "fielddef", fielddef_fields, N(fielddef_fields), NULL },
	[DBK_T_MEMBER] = { "member", member_fields, N(member_fields), NULL },
};

const char *
dbk_type_name(enum dbk_type t)
{
	if ((int)t < 1 || t > DBK_T_MAX)
		return NULL;
	return types[t].name;
}

int
dbk_type_parse(const char *s, enum dbk_type *out)
{
	for (int t = 1; t <= DBK_T_MAX; t++) {
		if (strcmp(s, types[t].name) == 0) {
			*out = (enum dbk_type)t;
			return 0;
		}
	}
	return DBK_EINVAL;
}

const struct dbk_fielddef *
dbk_type_fields(enum dbk_type t, size_t *n)
{
	if ((int)t < 1 || t > DBK_T_MAX) {
		*n = 0;
		return NULL;
	}
	*n = types[t].n;
	return types[t].fields;
}

/* Field definitions by name, sorted once per type: lookups run for every
 * field of every record decoded and every cell printed. */
#define MAX_TYPE_FIELDS 64
static const struct dbk_fielddef *by_name[DBK_T_MAX + 1][MAX_TYPE_FIELDS];
static size_t nby_name[DBK_T_MAX + 1];
static int sorted_ready;

static int
def_cmp(const void *a, const void *b)
{
	const struct dbk_fielddef *x = *(const struct dbk_fielddef *const *)a;
	const struct dbk_fielddef *y = *(const struct dbk_fielddef *const *)b;

	return strcmp(x->name, y->name);
}

static void
sort_fields(void)
{
	for (int t = 1; t <= DBK_T_MAX; t++) {
		size_t n = types[t].n < MAX_TYPE_FIELDS ? types[t].n : MAX_TYPE_FIELDS;
		for (size_t i = 0; i < n; i++)
			by_name[t][i] = &types[t].fields[i];
		qsort(by_name[t], n, sizeof by_name[t][0], def_cmp);
		nby_name[t] = n;
	}
	sorted_ready = 1;
}

const struct dbk_fielddef *
dbk_field_lookup(enum dbk_type t, const char *name)
{
	size_t lo = 0, hi;

	if ((int)t < 1 || t > DBK_T_MAX)
		return NULL;
	if (!sorted_ready)
		sort_fields();
	hi = nby_name[t];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(by_name[t][mid]->name, name);
		if (c == 0)
			return by_name[t][mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *
dbki_type_parent_field(enum dbk_type t)
{
	if ((int)t < 1 || t > DBK_T_MAX)
		return NULL;
	return types[t].parent;
}

const struct dbk_fielddef *
dbki_field_def(enum dbk_type t, const char *name)
{
	const struct dbk_fielddef *fd = dbk_field_lookup(t, name);

	if (fd != NULL || name[0] != 'x' || (name[1] != '.' &&
	    name[1] != '!') || name[2] == '\0')
		return fd;
	if (name[1] == '.')
		return &custom_plain;
	if (name[1] == '!')
		return &custom_sensitive;
	return NULL;
}

/* UTF-8 well-formedness (no overlongs, no surrogates) and no control
 * characters other than tab and newline. */
int
dbki_valid_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p) {
		unsigned c = *p;
		size_t len;
		uint32_t cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				return 0;
			len = 1;
			cp = c;
		} else if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		p += len;
		n += len;
		if (n > max)
			return 0;
	}
	return 1;
}

int
dbki_normalize(struct dbk_store *s, const struct dbk_fielddef *fd,
    const char *in, int sys, char **out, struct dbk_error *err)
{
	int64_t v, now = dbki_now(s);
	int32_t days;
	char buf[64];
	const char *canon = NULL;
	int n = -1;

	*out = NULL;
	switch (fd->kind) {
	case DBK_K_TEXT:
		if (!dbki_valid_text(in, DBKI_MAX_TEXT))
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid text for %s (must be UTF-8 without control "
			    "characters, at most 1 MiB)", fd->name);
		canon = in;
		break;
	case DBK_K_INT:
		if (dbk_parse_int(in, 0, INT64_C(1000000000000), &v) != 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid number '%s' for %s (expected a whole number "
			    "from 0)", in, fd->name);
		n = snprintf(buf, sizeof buf, "%" PRId64, v);
		break;
	case DBK_K_MONEY:
		if (dbk_parse_money(in, s->minor_digits, &v) != 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid amount '%s' for %s (expected e.g. 500000, "
			    "500,000, 50万 or 1.2亿)", in, fd->name);
		n = snprintf(buf, sizeof buf, "%" PRId64, v);
		break;
	case DBK_K_DATE:
		if (dbk_parse_date(in, now, &days) != 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid date '%s' for %s (expected YYYY-MM-DD)", in,
			    fd->name);
		dbk_format_date(days, buf);
		n = (int)strlen(buf);
		break;
	case DBK_K_DATETIME:
		/* "@<seconds>" is the library's own canonical input. */
		if (in[0] == '@' && sys) {
			if (dbk_parse_int(in + 1, 0, INT64_C(253402300799), &v) != 0)
				return dbki_error_set(err, DBK_EINVAL,
				    "invalid timestamp '%s' for %s", in, fd->name);
		} else if (dbk_parse_datetime(in, now, &v) != 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid date and time '%s' for %s (expected "
			    "YYYY-MM-DD or YYYY-MM-DD HH:MM)", in, fd->name);
		if (v > now + DBKI_FUTURE_SLACK)
			return dbki_error_set(err, DBK_EINVAL,
			    "the %s '%s' lies in the future", fd->label_en, in);
		n = snprintf(buf, sizeof buf, "%" PRId64, v);
		break;
	case DBK_K_STAGE: {
		enum dbk_stage st;
		if (dbk_parse_stage(in, &st) != 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid stage '%s' (expected %s)", in, dbk_stage_choices());
		canon = dbk_stage_name(st);
		break;
	}
	case DBK_K_CHANNEL: {
		enum dbk_channel c;
		if (dbk_parse_channel(in, &c) != 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid channel '%s' (expected %s)", in,
			    dbk_channel_choices());
		canon = dbk_channel_name(c);
		break;
	}
	case DBK_K_ROLE: {
		enum dbk_role r;
		if (dbk_parse_role(in, &r) != 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid role '%s' (expected %s)", in, dbk_role_choices());
		canon = dbk_role_name(r);
		break;
	}
	case DBK_K_PRIORITY: {
		enum dbk_priority p;
		if (dbk_parse_priority(in, &p) != 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid priority '%s' (expected %s)", in,
			    dbk_priority_choices());
		canon = dbk_priority_name(p);
		break;
	}
	case DBK_K_PERCENT: {
		size_t l = strlen(in);
		char tmp[16];
		if (l == 0 || l >= sizeof tmp)
			goto badpct;
		memcpy(tmp, in, l + 1);
		if (tmp[l - 1] == '%')
			tmp[l - 1] = '\0';
		if (dbk_parse_int(tmp, 0, 100, &v) != 0)
			goto badpct;
		n = snprintf(buf, sizeof buf, "%" PRId64, v);
		break;
badpct:
		return dbki_error_set(err, DBK_EINVAL,
		    "invalid percentage '%s' for %s (expected 0 to 100)", in,
		    fd->name);
	}
	case DBK_K_BOOL:
		if (strcmp(in, "1") == 0 || strcmp(in, "yes") == 0 ||
		    strcmp(in, "true") == 0 || strcmp(in, "是") == 0)
			canon = "1";
		else if (strcmp(in, "0") == 0 || strcmp(in, "no") == 0 ||
		    strcmp(in, "false") == 0 || strcmp(in, "否") == 0)
			canon = "0";
		else
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid yes/no value '%s' for %s", in, fd->name);
		break;
	case DBK_K_REF: {
		struct dbk_id id;
		if (dbk_id_parse(in, &id) != 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid record id '%s' for %s", in, fd->name);
		canon = in;
		break;
	}
	}
	if (canon == NULL) {
		if (n < 0 || (size_t)n >= sizeof buf)
			return dbki_error_set(err, DBK_EINVAL, "value too long");
		canon = buf;
	}
	if ((*out = strdup(canon)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	return 0;
}
