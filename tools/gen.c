/*
 * gen.c -- the deterministic generator: a plan of events over 2024 and
 * the field values of each event, and the loader that enters them
 * through the public API (see gen.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"

#define DAY 86400
#define HOUR 3600
#define CST (8 * HOUR)
/* 2024-01-01 00:00 China Standard Time, and the last moment we let an
 * event happen: 2024-12-31 17:00 CST (2024 is a leap year). */
#define BASE ((int64_t)1704067200 - CST)
#define LAST (BASE + 365 * (int64_t)DAY + 17 * HOUR)
/* Customers enter the pipeline from January to June. */
#define CREATE_DAYS 182
#define LATE_PERCENT 5
#define OBJECTION_PERCENT 10
#define COMPETITOR_PERCENT 5

/* ---- randomness: splitmix64 streams keyed by what they describe ---- */

static uint64_t
sm_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* An independent stream for (kind, a, b): the values of one event do not
 * depend on the order in which events are generated or loaded. */
static uint64_t
stream(uint64_t seed, unsigned kind, uint64_t a, uint64_t b)
{
	uint64_t s = seed;
	uint64_t h = sm_next(&s);

	s = h ^ ((uint64_t)kind << 56) ^ a;
	h = sm_next(&s);
	s = h ^ b;
	return sm_next(&s);
}

/* Uniform in [0, n), n > 0 (multiply-shift; the bias is negligible). */
static uint32_t
below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((sm_next(s) >> 32) * (uint64_t)n) >> 32);
}

#define PICK(s, arr) ((arr)[below((s), (uint32_t)(sizeof(arr) / sizeof((arr)[0])))])

/* ---- per-customer decisions shared by the plan and the inputs ---- */

struct deal_terms {
	int64_t amount;   /* yuan */
	uint32_t npay;    /* planned instalments */
};

static struct deal_terms
deal_terms(uint64_t seed, uint32_t c)
{
	uint64_t s = stream(seed, 100 + GEN_DEAL, c, 0);
	struct deal_terms d;

	/* 50,000 to 3,000,000 yuan in steps of 1,000. */
	d.amount = (int64_t)(50 + below(&s, 2951)) * 1000;
	d.npay = 1 + below(&s, 3);
	return d;
}

/* Does interaction (c, i) raise an objection or name a competitor?
 * The first draws of the interaction's stream, so gen_input agrees. */
static void
inter_flags(uint64_t *s, int *obj, int *comp)
{
	*obj = below(s, 100) < OBJECTION_PERCENT;
	*comp = below(s, 100) < COMPETITOR_PERCENT;
}

/* ---- the plan ---- */

struct evbuf {
	struct gen_event *ev;
	size_t n, cap;
};

static int
ev_push(struct evbuf *b, const struct gen_event *e)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		struct gen_event *ne = realloc(b->ev, cap * sizeof *ne);
		if (ne == NULL)
			return -1;
		b->ev = ne;
		b->cap = cap;
	}
	b->ev[b->n++] = *e;
	return 0;
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct gen_event *x = a, *y = b;

	if (x->entered != y->entered)
		return x->entered < y->entered ? -1 : 1;
	if (x->cust != y->cust)
		return x->cust < y->cust ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int64_t
day_start(int64_t t)
{
	int64_t d = (t - BASE) / DAY;

	return BASE + d * DAY;
}

/* A moment during office hours (09:00 to 18:00 CST) `days` after t's day. */
static int64_t
office_time(uint64_t *s, int64_t t, uint32_t days)
{
	return day_start(t) + (int64_t)days * DAY + 9 * HOUR + below(s, 9 * HOUR);
}

/* Stage path of a customer: the stages entered after lead, in order. */
static size_t
stage_path(uint64_t *s, uint8_t path[5])
{
	uint32_t f = below(s, 100);
	size_t n = 0, reach;

	if (f < 20)
		reach = 0;                  /* still a lead */
	else if (f < 35)
		reach = 1;                  /* intent */
	else if (f < 47)
		reach = 2;                  /* proposal */
	else if (f < 55)
		reach = 3;                  /* negotiation */
	else if (f < 80)
		reach = 4;                  /* won */
	else
		reach = below(s, 4);        /* lost from lead..negotiation */
	for (size_t i = 1; i <= reach; i++)
		path[n++] = (uint8_t)(DBK_STAGE_LEAD + i);
	if (f >= 80)
		path[n++] = DBK_STAGE_LOST;
	return n;
}

static int
plan_customer(struct gen_plan *p, struct evbuf *b, uint32_t c, uint32_t k,
    int64_t *times)
{
	uint64_t s = stream(p->seed, GEN_CUSTOMER, c, 0);
	struct gen_event e;
	uint8_t path[5];
	size_t nst;
	int64_t created, left, avg, t, prev_entered = 0, won_entered = 0;
	int64_t won_at = 0;

	memset(&e, 0, sizeof e);
	e.cust = c;
	created = office_time(&s, BASE,
	    (uint32_t)(((uint64_t)c * CREATE_DAYS) / p->ncust));
	e.kind = GEN_CUSTOMER;
	e.at = created;
	e.entered = created + 120 + below(&s, 2 * HOUR);
	if (ev_push(b, &e) != 0)
		return -1;
	p->count[GEN_CUSTOMER]++;

	/* Interactions spread over the following weeks, roughly evenly
	 * until the end of the year. */
	left = (LAST - created) / DAY - 1;
	avg = left / ((int64_t)k + 2);
	if (avg < 1)
		avg = 1;
	if (avg > 14)
		avg = 14;
	t = created;
	for (uint32_t i = 0; i < k; i++) {
		uint64_t is = stream(p->seed, GEN_INTERACTION, c, i);
		int obj, comp;

		t = office_time(&s, t, 1 + below(&s, (uint32_t)(2 * avg - 1)));
		if (t > LAST - (int64_t)(k - i) * 60)
			t = LAST - (int64_t)(k - i) * 60;
		times[i] = t;
		memset(&e, 0, sizeof e);
		e.cust = c;
		e.idx = i;
		e.kind = GEN_INTERACTION;
		e.at = t;
		if (below(&s, 100) < LATE_PERCENT) {
			/* Typed in from notes a day or more later. */
			e.late = 1;
			e.entered = t + 26 * HOUR + below(&s, 6 * DAY);
			p->nlate++;
		} else {
			e.entered = t + 300 + below(&s, 3 * HOUR);
		}
		inter_flags(&is, &obj, &comp);
		p->nobjections += (size_t)obj;
		p->ncompetitors += (size_t)comp;
		if (ev_push(b, &e) != 0)
			return -1;
		p->count[GEN_INTERACTION]++;
	}

	/* Stage changes follow the conversations that earned them, in
	 * order (each entered after the previous one). */
	nst = stage_path(&s, path);
	for (size_t j = 0; j < nst; j++) {
		int64_t anchor;

		if (k > 0) {
			size_t at = (size_t)k * (j + 1) / (nst + 1);
			if (path[j] == DBK_STAGE_LOST || at >= k)
				at = k - 1;
			anchor = times[at];
		} else {
			anchor = created + (int64_t)(j + 1) * 10 * DAY;
		}
		memset(&e, 0, sizeof e);
		e.cust = c;
		e.idx = (uint32_t)j;
		e.kind = GEN_STAGE;
		e.stage = path[j];
		e.at = anchor + HOUR + (int64_t)j * 600;
		if (e.at > LAST)
			e.at = LAST + (int64_t)j * 600;
		e.entered = e.at + 300 + below(&s, 2 * HOUR);
		if (e.entered <= prev_entered)
			e.entered = prev_entered + 60;
		prev_entered = e.entered;
		if (path[j] == DBK_STAGE_WON) {
			won_at = e.at;
			won_entered = e.entered;
		}
		if (ev_push(b, &e) != 0)
			return -1;
		p->count[GEN_STAGE]++;
	}

	if (won_at != 0) {
		struct deal_terms d = deal_terms(p->seed, c);
		int64_t signed_at = won_at + 1800 + (int64_t)below(&s, 4) * DAY;
		int64_t pay;

		if (signed_at > LAST)
			signed_at = won_at + 1800;
		memset(&e, 0, sizeof e);
		e.cust = c;
		e.kind = GEN_DEAL;
		e.at = signed_at;
		e.entered = signed_at + 300 + below(&s, HOUR);
		if (e.entered <= won_entered)
			e.entered = won_entered + 60;
		if (ev_push(b, &e) != 0)
			return -1;
		p->count[GEN_DEAL]++;
		pay = signed_at;
		for (uint32_t q = 0; q < d.npay; q++) {
			pay = office_time(&s, pay, 15 + below(&s, 60));
			if (pay > LAST)
				break; /* not received yet at the end of 2024 */
			memset(&e, 0, sizeof e);
			e.cust = c;
			e.idx = q;
			e.kind = GEN_PAYMENT;
			e.at = pay;
			e.entered = pay + 300 + below(&s, HOUR);
			if (ev_push(b, &e) != 0)
				return -1;
			p->count[GEN_PAYMENT]++;
		}
	}
	return 0;
}

int
gen_plan_build(uint64_t seed, uint32_t ncust, uint64_t ninter,
    struct gen_plan *out)
{
	struct evbuf b = { NULL, 0, 0 };
	uint32_t *counts = NULL, maxk = 0;
	int64_t *times = NULL;
	uint64_t s;

	memset(out, 0, sizeof *out);
	if (ncust == 0 || ncust > 999999 || ninter > UINT64_C(100000000))
		return -1;
	out->seed = seed;
	out->ncust = ncust;
	out->ninter = ninter;
	if ((counts = calloc(ncust, sizeof *counts)) == NULL)
		goto fail;
	/* Each interaction goes to a customer drawn uniformly. */
	s = stream(seed, 200, 0, 0);
	for (uint64_t i = 0; i < ninter; i++)
		counts[below(&s, ncust)]++;
	for (uint32_t c = 0; c < ncust; c++)
		if (counts[c] > maxk)
			maxk = counts[c];
	if ((times = calloc((size_t)maxk + 1, sizeof *times)) == NULL)
		goto fail;
	for (uint32_t c = 0; c < ncust; c++)
		if (plan_customer(out, &b, c, counts[c], times) != 0)
			goto fail;
	qsort(b.ev, b.n, sizeof *b.ev, ev_cmp);
	out->ev = b.ev;
	out->nev = b.n;
	free(counts);
	free(times);
	return 0;
fail:
	free(counts);
	free(times);
	free(b.ev);
	memset(out, 0, sizeof *out);
	return -1;
}

void
gen_plan_free(struct gen_plan *p)
{
	if (p == NULL)
		return;
	free(p->ev);
	memset(p, 0, sizeof *p);
}

size_t
gen_plan_records(const struct gen_plan *p)
{
	/* dbk_customer_add also writes the customer's first stage record. */
	return 2 * p->count[GEN_CUSTOMER] + p->count[GEN_INTERACTION] +
	    p->nobjections + p->ncompetitors + p->count[GEN_STAGE] +
	    p->count[GEN_DEAL] + p->count[GEN_PAYMENT];
}

/* ---- field values ---- */

static const char *const industries[] = {
	"制造业", "互联网", "金融", "零售", "医疗", "教育", "物流", "能源",
};

static const char *const business[8][3] = {
	{ "精密零部件加工", "工业自动化设备", "汽车配件" },
	{ "电商平台", "企业SaaS服务", "在线广告" },
	{ "供应链金融", "财富管理", "保险经纪" },
	{ "连锁便利店", "服装零售", "生鲜超市" },
	{ "医疗器械", "民营医院", "体外诊断试剂" },
	{ "职业培训", "K12在线辅导", "国际学校" },
	{ "冷链运输", "城市配送", "跨境物流" },
	{ "光伏组件", "储能系统", "燃气供应" },
};

static const char *const cities[] = {
	"上海", "北京", "深圳", "杭州", "成都", "苏州", "武汉", "南京", "广州",
	"西安", "天津", "重庆", "青岛", "厦门", "合肥", "长沙",
};

static const char *const zh_words[] = {
	"华信", "恒通", "星辰", "博远", "鼎盛", "瑞丰", "天成", "启明", "安泰",
	"宏达", "金桥", "远航", "中科", "新元", "卓越", "长风", "嘉禾", "东方",
	"汇智", "云帆",
};

static const char *const zh_suffix[8] = {
	"制造有限公司", "网络科技有限公司", "投资管理有限公司", "商贸有限公司",
	"医疗科技有限公司", "教育科技有限公司", "物流有限公司", "能源集团",
};

static const char *const en_words[] = {
	"Northwind", "Blue Harbor", "Silverline", "Redwood", "Summit",
	"Evergreen", "Brightpath", "Pacific Rim", "Golden Gate", "Ironbridge",
	"Lotus", "Jade River",
};

static const char *const en_suffix[8] = {
	"Manufacturing Ltd", "Digital Co.", "Capital", "Retail Group",
	"Medical Devices", "Learning", "Logistics Ltd", "Energy Corp",
};

static const char *const pains[] = {
	"销售过程不透明，管理层看不到进度",
	"客户信息分散在个人手机和表格里",
	"回款周期长，应收账款难追踪",
	"多个门店库存无法统一",
	"Manual reporting takes two days every month",
	"现有系统太贵，续费压力大",
	"数据安全合规要求提高",
	"Field team has no offline access to customer history",
};

static const char *const priorities[] = { "high", "medium", "low", "高", "中", "低" };

static const char *const zh_open[] = {
	"与客户", "和采购负责人", "同IT部门", "与总经理", "和财务总监",
};
static const char *const zh_topic[] = {
	"沟通了项目需求", "演示了产品功能", "讨论了实施方案", "确认了预算范围",
	"交流了报价细节", "梳理了现有流程", "介绍了成功案例", "讨论了合同条款",
};
static const char *const zh_detail[] = {
	"客户对移动端离线功能很感兴趣",
	"对方希望下周安排技术交流",
	"客户担心数据迁移的工作量",
	"决策需要上报集团审批",
	"对价格比较敏感，希望有阶梯折扣",
	"已有两家供应商在比较",
	"客户认可方案，准备内部立项",
	"需要补充安全合规材料",
};
static const char *const en_summary[] = {
	"Demoed the mobile app to the operations team; they liked offline sync.",
	"Call with procurement about the pricing tiers and the annual discount.",
	"Walked through the rollout plan with IT; data migration is the main risk.",
	"Met the GM, who wants a pilot in two branches before committing.",
	"Reviewed the security questionnaire answers with their compliance lead.",
	"Follow-up email with the revised quote and two customer references.",
};
static const char *const feedbacks[] = {
	"整体满意，等内部评估", "觉得价格偏高", "希望增加定制报表",
	"认可产品，关注售后服务", "Positive, waiting for budget approval",
	"需要和现有ERP对接",
};
static const char *const nexts[] = {
	"发送正式报价", "安排技术交流", "提供试用账号", "准备合同草稿",
	"Send the revised proposal", "约见决策人", "补充案例资料",
};
static const char *const withs[] = {
	"张总", "李经理", "王工、赵经理", "陈总监", "Ms. Liu (IT)", "刘总、孙主管",
};
static const char *const their_nexts[] = {
	"内部评审后给答复", "下周提交预算申请", "安排现场考察", "Send us their data sample",
};
static const char *const agreeds[] = {
	"先做两个门店试点", "按季度付款", "下月启动项目", "Pilot for 30 days",
};
static const char *const competitors[] = {
	"用友", "金蝶", "Salesforce", "纷享销客", "销售易", "HubSpot",
};
static const char *const objections[] = {
	"价格偏高", "实施周期太长", "已有供应商", "担心数据安全",
	"Needs approval from headquarters", "功能不满足定制需求",
};
static const char *const notes[] = {
	"客户高层已认可", "根据最新沟通推进", "Moved after the pilot review",
};

/* Append a formatted string to in->buf; NULL if it does not fit. */
static const char *
put(struct gen_input *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *
put(struct gen_input *in, const char *fmt, ...)
{
	size_t room = sizeof in->buf - in->used;
	char *p = in->buf + in->used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return NULL;
	in->used += (size_t)n + 1;
	return p;
}

static int
field(struct gen_input *in, const char *name, const char *value)
{
	if (value == NULL || in->n >= GEN_MAX_FIELDS)
		return -1;
	in->f[in->n].name = name;
	in->f[in->n].value = value;
	in->n++;
	return 0;
}

/* "2024-05-10T06:30:00Z" */
static const char *
put_utc(struct gen_input *in, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return NULL;
	return put(in, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The CST calendar date of t: "2024-05-10". */
static const char *
put_date(struct gen_input *in, int64_t t)
{
	time_t tt = (time_t)(t + CST);
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL)
		return NULL;
	return put(in, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
}

/* Money written the ways people write it: 480000, 480,000, 48万. */
static const char *
put_money(struct gen_input *in, uint64_t *s, int64_t yuan)
{
	switch (below(s, 3)) {
	case 0:
		return put(in, "%" PRId64, yuan);
	case 1:
		if (yuan >= 1000000)
			return put(in, "%" PRId64 ",%03" PRId64 ",%03" PRId64,
			    yuan / 1000000, yuan / 1000 % 1000, yuan % 1000);
		return put(in, "%" PRId64 ",%03" PRId64, yuan / 1000,
		    yuan % 1000);
	default:
		if (yuan % 10000 == 0)
			return put(in, "%" PRId64 "万", yuan / 10000);
		if (yuan % 1000 == 0)
			return put(in, "%" PRId64 ".%" PRId64 "万", yuan / 10000,
			    yuan / 1000 % 10);
		return put(in, "%" PRId64, yuan);
	}
}

static int
customer_input(const struct gen_plan *p, const struct gen_event *e,
    struct gen_input *in)
{
	uint64_t s = stream(p->seed, GEN_CUSTOMER, e->cust, 1);
	uint32_t ind = below(&s, 8);
	const char *name;
	int rc = 0;

	if (below(&s, 100) < 70)
		name = put(in, "%s%s%s", PICK(&s, cities), PICK(&s, zh_words),
		    zh_suffix[ind]);
	else
		name = put(in, "%s %s", PICK(&s, en_words), en_suffix[ind]);
	rc |= field(in, "code", put(in, "C%06" PRIu32, e->cust + 1));
	rc |= field(in, "name", name);
	rc |= field(in, "industry", industries[ind]);
	rc |= field(in, "business", business[ind][below(&s, 3)]);
	rc |= field(in, "employees", put(in, "%" PRIu32, 20 + below(&s, 4980)));
	rc |= field(in, "expected", put_money(in, &s,
	    (int64_t)(5 + below(&s, 296)) * 10000));
	rc |= field(in, "close_by", put_date(in,
	    e->at + (int64_t)(60 + below(&s, 120)) * DAY));
	rc |= field(in, "priority", PICK(&s, priorities));
	rc |= field(in, "pain", PICK(&s, pains));
	rc |= field(in, "lead_at", put_utc(in, e->at));
	return rc ? -1 : 0;
}

static int
interaction_input(const struct gen_plan *p, const struct gen_event *e,
    struct gen_input *in)
{
	static const char *const ch_en[] = { "phone", "visit", "online", "email", "other" };
	static const char *const ch_zh[] = { "电话", "拜访", "线上会议", "邮件", "其他" };
	uint64_t s = stream(p->seed, GEN_INTERACTION, e->cust, e->idx);
	uint32_t w;
	size_t ch;
	int obj, comp, rc = 0;

	inter_flags(&s, &obj, &comp);
	w = below(&s, 100);
	ch = w < 35 ? 0 : w < 60 ? 1 : w < 80 ? 2 : w < 95 ? 3 : 4;
	rc |= field(in, "at", put_utc(in, e->at));
	rc |= field(in, "channel", below(&s, 2) ? ch_zh[ch] : ch_en[ch]);
	if (below(&s, 100) < 75)
		rc |= field(in, "summary", put(in, "%s%s，%s。", PICK(&s, zh_open),
		    PICK(&s, zh_topic), PICK(&s, zh_detail)));
	else
		rc |= field(in, "summary", PICK(&s, en_summary));
	if (below(&s, 100) < 60)
		rc |= field(in, "feedback", PICK(&s, feedbacks));
	if (below(&s, 100) < 80) {
		rc |= field(in, "next", PICK(&s, nexts));
		rc |= field(in, "due", put_date(in,
		    e->at + (int64_t)(2 + below(&s, 12)) * DAY));
	}
	if (below(&s, 100) < 50)
		rc |= field(in, "with", PICK(&s, withs));
	if (below(&s, 100) < 30)
		rc |= field(in, "their_next", PICK(&s, their_nexts));
	if (below(&s, 100) < 20)
		rc |= field(in, "agreed", PICK(&s, agreeds));
	if (comp)
		rc |= field(in, "competitor", PICK(&s, competitors));
	in->obj = obj ? PICK(&s, objections) : NULL;
	return rc ? -1 : 0;
}

static int
check(struct gen_input *in, const char *key, const char *value)
{
	if (in->nchecks >= GEN_MAX_CHECKS)
		return -1;
	in->checks[in->nchecks].key = key;
	in->checks[in->nchecks].value = value;
	in->nchecks++;
	return 0;
}

static int
stage_input(const struct gen_plan *p, const struct gen_event *e,
    struct gen_input *in)
{
	static const char *const hml[] = { "high", "medium", "low" };
	uint64_t s = stream(p->seed, GEN_STAGE, e->cust, e->idx);
	enum dbk_stage to = (enum dbk_stage)e->stage;
	int rc = 0;

	/* Half the time the way a Chinese-speaking rep would type it. */
	in->stage = below(&s, 2) ? dbk_stage_name_zh(to) : dbk_stage_name(to);
	switch (to) {
	case DBK_STAGE_INTENT:
		rc |= check(in, "budget", "yes");
		rc |= check(in, "need", "yes");
		rc |= check(in, "authority", "yes");
		break;
	case DBK_STAGE_PROPOSAL:
		rc |= check(in, "need_clarity", hml[below(&s, 2)]);
		rc |= check(in, "acceptance", hml[below(&s, 2)]);
		break;
	case DBK_STAGE_NEGOTIATION:
		rc |= check(in, "price_sensitivity", PICK(&s, hml));
		rc |= check(in, "signing_risk", PICK(&s, hml));
		break;
	case DBK_STAGE_WON:
		rc |= check(in, "terms", "agreed");
		rc |= check(in, "payment_plan", "agreed");
		break;
	default:
		break;
	}
	if (below(&s, 100) < 30)
		in->note = PICK(&s, notes);
	in->when = put_utc(in, e->at);
	return rc || in->stage == NULL || in->when == NULL ? -1 : 0;
}

static int
deal_input(const struct gen_plan *p, const struct gen_event *e,
    struct gen_input *in)
{
	uint64_t s = stream(p->seed, GEN_DEAL, e->cust, 0);
	struct deal_terms d = deal_terms(p->seed, e->cust);

	in->amount = put_money(in, &s, d.amount);
	in->date = put_date(in, e->at);
	return in->amount == NULL || in->date == NULL ? -1 : 0;
}

static int
payment_input(const struct gen_plan *p, const struct gen_event *e,
    struct gen_input *in)
{
	uint64_t s = stream(p->seed, GEN_PAYMENT, e->cust, e->idx);
	struct deal_terms d = deal_terms(p->seed, e->cust);
	int64_t part = d.amount / d.npay;

	/* The last instalment takes the remainder. */
	if (e->idx + 1 == d.npay)
		part = d.amount - part * (d.npay - 1);
	in->amount = put_money(in, &s, part);
	in->date = put_date(in, e->at);
	return in->amount == NULL || in->date == NULL ? -1 : 0;
}

int
gen_input(const struct gen_plan *p, const struct gen_event *e,
    struct gen_input *in)
{
	in->n = 0;
	in->obj = NULL;
	in->stage = NULL;
	in->nchecks = 0;
	in->amount = NULL;
	in->date = NULL;
	in->when = NULL;
	in->note = NULL;
	in->used = 0;
	switch (e->kind) {
	case GEN_CUSTOMER:
		return customer_input(p, e, in);
	case GEN_INTERACTION:
		return interaction_input(p, e, in);
	case GEN_STAGE:
		return stage_input(p, e, in);
	case GEN_DEAL:
		return deal_input(p, e, in);
	case GEN_PAYMENT:
		return payment_input(p, e, in);
	default:
		return -1;
	}
}

int
gen_dry_run(const struct gen_plan *p)
{
	struct gen_input *in = malloc(sizeof *in);
	int rc = 0;

	if (in == NULL)
		return -1;
	for (size_t i = 0; i < p->nev && rc == 0; i++)
		rc = gen_input(p, &p->ev[i], in);
	free(in);
	return rc;
}

/* ---- loading ---- */

struct load_ctx {
	const struct gen_plan *p;
	size_t from, to;
	struct dbk_id *cid;   /* per customer */
	struct dbk_id *did;   /* per customer: its deal */
	struct gen_input *in;
	int bad_input;
	double kind_s[GEN_KIND_COUNT]; /* this attempt of the batch */
	double cb_s;                   /* this attempt, whole callback */
	double cb_total;               /* every attempt of this batch */
	size_t attempts;
};

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
apply(struct dbk_txn *t, struct load_ctx *c, const struct gen_event *e,
    struct dbk_error *err)
{
	struct gen_input *in = c->in;
	struct dbk_stage_result res;
	int late;

	switch (e->kind) {
	case GEN_CUSTOMER:
		return dbk_customer_add(t, in->f, in->n, &c->cid[e->cust], err);
	case GEN_INTERACTION:
		return dbk_log_add(t, &c->cid[e->cust], in->f, in->n,
		    in->obj ? &in->obj : NULL, in->obj ? 1 : 0, NULL, &late, err);
	case GEN_STAGE: {
		struct dbk_stage_opts o = {
			.at = in->when, .checks = in->checks,
			.nchecks = in->nchecks, .note = in->note, .force = 1,
		};
		return dbk_stage_set(t, &c->cid[e->cust], in->stage, &o, &res, err);
	}
	case GEN_DEAL:
		return dbk_deal_add(t, &c->cid[e->cust], in->amount, in->date,
		    &c->did[e->cust], err);
	case GEN_PAYMENT:
		return dbk_payment_add(t, &c->did[e->cust], in->amount, in->date,
		    NULL, err);
	default:
		return DBK_EINVAL;
	}
}

static int
load_batch(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct load_ctx *c = vctx;
	struct dbk_store *s = dbk_txn_store(t);
	double start = mono_s();
	int rc = 0;

	/* Run again from the start after a map growth: every id this batch
	 * hands out is written before it is read. */
	memset(c->kind_s, 0, sizeof c->kind_s);
	c->attempts++;
	for (size_t i = c->from; i < c->to && rc == 0; i++) {
		const struct gen_event *e = &c->p->ev[i];
		double t0;

		if (gen_input(c->p, e, c->in) != 0) {
			c->bad_input = 1;
			rc = DBK_EINVAL;
			break;
		}
		dbk_store_set_clock(s, e->entered);
		t0 = mono_s();
		rc = apply(t, c, e, err);
		c->kind_s[e->kind] += mono_s() - t0;
	}
	c->cb_s = mono_s() - start;
	c->cb_total += c->cb_s;
	return rc;
}

int
gen_load(struct dbk_store *s, const struct gen_plan *p, size_t batch,
    struct gen_load_stats *st, struct dbk_error *err)
{
	struct load_ctx c;
	int rc = 0;

	memset(&c, 0, sizeof c);
	memset(st, 0, sizeof *st);
	if (batch == 0)
		batch = 1;
	c.p = p;
	c.cid = calloc(p->ncust, sizeof *c.cid);
	c.did = calloc(p->ncust, sizeof *c.did);
	c.in = malloc(sizeof *c.in);
	if (c.cid == NULL || c.did == NULL || c.in == NULL) {
		rc = DBK_ENOMEM;
		goto out;
	}
	for (c.from = 0; c.from < p->nev; c.from = c.to) {
		double t0 = mono_s();

		c.to = c.from + batch < p->nev ? c.from + batch : p->nev;
		c.cb_total = 0;
		c.attempts = 0;
		if ((rc = dbk_store_write(s, load_batch, &c, err)) != 0)
			goto out;
		st->txns++;
		st->retries += c.attempts - 1;
		st->retry_s += c.cb_total - c.cb_s;
		st->commit_s += mono_s() - t0 - c.cb_total;
		for (int k = 0; k < GEN_KIND_COUNT; k++)
			st->kind_s[k] += c.kind_s[k];
	}
	st->records = gen_plan_records(p);
out:
	dbk_store_set_clock(s, 0);
	if (rc == DBK_ENOMEM && err != NULL && err->msg == NULL)
		err->code = rc;
	if (c.bad_input && err != NULL) {
		/* Not the library's error: a value outgrew its buffer. */
		dbk_error_clear(err);
		err->code = rc;
		err->msg = strdup("the generator built a value too long for "
		    "its buffer (a bug in tools/gen.c)");
	}
	free(c.cid);
	free(c.did);
	free(c.in);
	return rc;
}
