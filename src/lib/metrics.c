/*
 * metrics.c -- the effect review: every indicator of docs/METRICS.md,
 * computed from a struct dbk_facts for one period, per group, with the
 * previous period beside it and the goals that apply.
 *
 * Pure and integer-only.  Ratios are kept as num/den and rounded once,
 * half away from zero, by a 64x64/64 multiply-divide that cannot
 * overflow on the way; a result that does not fit in 64 bits is n/a, never
 * a wrapped number.  An amount this reader cannot decrypt makes the whole
 * indicator "restricted": a sum that leaves out what it cannot see would
 * look right and be wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"
#include "dealbook/eval.h"

#define DAY 86400
#define NONE SIZE_MAX
/* Times beyond +-2^40 s (some 35,000 years) are corrupt facts; refusing
 * them keeps every difference of two times far from overflow. */
#define TIME_LIMIT (INT64_C(1) << 40)
#define STALLED_DAYS_MAX 36500

static const struct {
	const char *key;
	enum dbk_unit unit;
} catalogue[DBK_M_COUNT] = {
	[DBK_M_NEW_CUSTOMERS] =       { "new_customers", DBK_U_COUNT },
	[DBK_M_SIGNED_AMOUNT] =       { "signed_amount", DBK_U_MONEY },
	[DBK_M_AVG_ORDER_VALUE] =     { "avg_order_value", DBK_U_MONEY },
	[DBK_M_COLLECTION_RATE] =     { "collection_rate", DBK_U_PERMILLE },
	[DBK_M_NEW_CUSTOMER_GROWTH] = { "new_customer_growth", DBK_U_PERMILLE },
	[DBK_M_LEAD_CONVERSION] =     { "lead_conversion", DBK_U_PERMILLE },
	[DBK_M_AVG_CYCLE_DAYS] =      { "avg_cycle_days", DBK_U_TENTHS },
	[DBK_M_NEED_MATCH] =          { "need_match", DBK_U_TENTHS },
	[DBK_M_OBJECTION_SUCCESS] =   { "objection_success", DBK_U_PERMILLE },
	[DBK_M_TIMELINESS] =          { "timeliness", DBK_U_PERMILLE },
	[DBK_M_WIN_RATE] =            { "win_rate", DBK_U_PERMILLE },
	[DBK_M_FOLLOWUPS_PER_WEEK] =
	    { "followups_per_week", DBK_U_HUNDREDTHS },
	[DBK_M_FOLLOWUPS_PER_WEEK_HIGH] =
	    { "followups_per_week_high", DBK_U_HUNDREDTHS },
	[DBK_M_WEIGHTED_PIPELINE] =   { "weighted_pipeline", DBK_U_MONEY },
	[DBK_M_ACTIVITY_PHONE] =      { "activity_phone", DBK_U_COUNT },
	[DBK_M_ACTIVITY_VISIT] =      { "activity_visit", DBK_U_COUNT },
	[DBK_M_ACTIVITY_ONLINE] =     { "activity_online", DBK_U_COUNT },
	[DBK_M_ACTIVITY_EMAIL] =      { "activity_email", DBK_U_COUNT },
	[DBK_M_ACTIVITY_OTHER] =      { "activity_other", DBK_U_COUNT },
	[DBK_M_ACTIVITY_TOTAL] =      { "activity_total", DBK_U_COUNT },
	[DBK_M_STALLED] =             { "stalled", DBK_U_COUNT },
};

static const char all_keys[] =
    "new_customers, signed_amount, avg_order_value, collection_rate, "
    "new_customer_growth, lead_conversion, avg_cycle_days, need_match, "
    "objection_success, timeliness, win_rate, followups_per_week, "
    "followups_per_week_high, weighted_pipeline, activity_phone, "
    "activity_visit, activity_online, activity_email, activity_other, "
    "activity_total, stalled";

static const char *const conv_keys[DBK_FUNNEL_STEPS] = {
	"lead_to_intent", "intent_to_proposal", "proposal_to_negotiation",
	"negotiation_to_won"
};

/* The reasons, quoted by docs/METRICS.md: change both together. */
#define WHY_NOKEY      "amounts need the restricted key"
#define WHY_HIDDEN \
    "some amounts are under a restricted key this reader does not hold"
#define WHY_OVERFLOW   "the result does not fit in 64 bits"
#define WHY_NODEALS    "no deals signed in the period"
#define WHY_ZERODEALS  "the deals signed in the period total 0"
#define WHY_NOPREVNEW  "no new customers in the previous period"
#define WHY_NOLEADS    "no customers became leads in the period"
#define WHY_NONEW      "no new customers in the period"
#define WHY_NOSCORES \
    "no scored stage changes to proposal or later in the period"
#define WHY_NOOBJ      "no objections raised in the period"
#define WHY_NOINTER    "no interactions in the period"
#define WHY_NOCLOSED   "no pipelines closed in the period"
#define WHY_NOHIGH \
    "no interactions with high-priority customers in the period"
#define WHY_TARGET0    "target is 0"

static const char *const conv_why[DBK_FUNNEL_STEPS] = {
	WHY_NOLEADS,
	"no customer among the period's leads reached intent",
	"no customer among the period's leads reached proposal",
	"no customer among the period's leads reached negotiation",
};

/* ---- integer arithmetic ------------------------------------------------ */

/*
 * a * b / c rounded half up, for c > 0, without a 128-bit type: the
 * product as two 64-bit halves, then binary long division.  -1 when the
 * quotient does not fit.
 */
static int
mul_div_round(uint64_t a, uint64_t b, uint64_t c, uint64_t *out)
{
	uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
	uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid, hi, lo, q = 0, r, carry;

	mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
	lo = (p00 & 0xffffffffu) | (mid << 32);
	hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
	if (c == 0 || hi >= c)
		return -1;
	r = hi;
	for (int i = 63; i >= 0; i--) {
		carry = r >> 63;
		r = (r << 1) | ((lo >> i) & 1);
		q <<= 1;
		if (carry || r >= c) {
			r -= c;
			q |= 1;
		}
	}
	if (r >= c - r) {	/* 2r >= c: the fraction is at least a half */
		if (q == UINT64_MAX)
			return -1;
		q++;
	}
	*out = q;
	return 0;
}

/* round(scale * num / den), halves away from zero; den > 0. */
static int
ratio(int64_t num, int64_t den, int64_t scale, int64_t *out)
{
	uint64_t m, q;
	int neg = num < 0;

	if (den <= 0 || scale <= 0)
		return -1;
	m = neg ? (uint64_t)0 - (uint64_t)num : (uint64_t)num;
	if (mul_div_round(m, (uint64_t)scale, (uint64_t)den, &q) != 0 ||
	    q > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)q : (int64_t)q;
	return 0;
}

static int
add64(int64_t *acc, int64_t v)
{
	if ((v > 0 && *acc > INT64_MAX - v) || (v < 0 && *acc < INT64_MIN - v))
		return -1;
	*acc += v;
	return 0;
}

static int64_t
unit_scale(enum dbk_unit u)
{
	switch (u) {
	case DBK_U_PERMILLE:   return 1000;
	case DBK_U_TENTHS:     return 10;
	case DBK_U_HUNDREDTHS: return 100;
	default:               return 1;
	}
}

/* ---- values ------------------------------------------------------------ */

static void
st_ok(struct dbk_mstate *s, int64_t v)
{
	s->status = DBK_MS_OK;
	s->value = v;
	s->why = NULL;
}

static void
st_not(struct dbk_mstate *s, enum dbk_mstatus st, const char *why)
{
	s->status = st;
	s->value = 0;
	s->why = why;
}

static void
v_na(struct dbk_mvalue *v, const char *why)
{
	st_not(&v->cur, DBK_MS_NA, why);
}

static void
v_restricted(struct dbk_mvalue *v, const char *why)
{
	st_not(&v->cur, DBK_MS_RESTRICTED, why);
	v->has_ratio = 0;
	v->num = v->den = 0;
}

/* A ratio value: n/a with `why` when den is 0. */
static void
v_ratio(struct dbk_mvalue *v, int64_t num, int64_t den, const char *why)
{
	int64_t r;

	v->has_ratio = 1;
	v->num = num;
	v->den = den;
	if (den == 0)
		v_na(v, why);
	else if (ratio(num, den, unit_scale(v->unit), &r) != 0)
		v_na(v, WHY_OVERFLOW);
	else
		st_ok(&v->cur, r);
}

/* ---- the prepared facts ------------------------------------------------ */

/*
 * Ids to element indices: open addressing over the ids' random bytes (an
 * id is a 48-bit time then 80 random bits).  A million lookups through a
 * sorted order cost a third of an evaluation; this costs a few percent.
 */
struct idhash {
	uint32_t *slot;         /* element index + 1; 0 is empty */
	size_t mask;
};

struct ctx {
	const struct dbk_facts *f;
	size_t nc;
	struct idhash cix;      /* customer ids to indices */
	struct idhash dix;      /* deal ids to indices */
	/* fact -> customer (or deal) index, NONE when not among the facts */
	size_t *st_c, *in_c, *de_c, *ob_c, *pay_d;
	/* stage facts and interactions per customer, in time order:
	 * st_sorted[st_off[c] .. st_off[c + 1]) */
	size_t *st_sorted, *st_off;
	size_t *in_sorted, *in_off;
	int64_t *first_won;     /* INT64_MAX: never reached won */
	size_t *first_won_pos;  /* its position in st_sorted, or NONE */
	long *cgroup;           /* group of each customer, -1 in team scope */
	char **gname;           /* group names (not the team), by name */
	size_t ngroups;
	size_t *mark, *dmark;   /* stamps for "seen in this pass" */
	size_t stamp;
	int64_t *scratch;       /* cycle times */
};

static int
id_cmp(const struct dbk_id *a, const struct dbk_id *b)
{
	return memcmp(a->b, b->b, sizeof(a->b));
}

static size_t
id_slot(const struct dbk_id *id, size_t mask)
{
	uint64_t h;

	memcpy(&h, id->b + 6, 8);
	return (size_t)((h * UINT64_C(0x9e3779b97f4a7c15)) >> 20) & mask;
}

/* Index of the element with `id`, or NONE.  get(i) is element i's id. */
static size_t
id_find(const struct idhash *ix, const struct dbk_id *id,
    const struct dbk_id *(*get)(const struct dbk_facts *, size_t),
    const struct dbk_facts *f)
{
	for (size_t j = id_slot(id, ix->mask); ix->slot[j] != 0;
	    j = (j + 1) & ix->mask) {
		size_t i = ix->slot[j] - 1;
		if (id_cmp(get(f, i), id) == 0)
			return i;
	}
	return NONE;
}

static const struct dbk_id *
cust_id(const struct dbk_facts *f, size_t i)
{
	return &f->customers[i].id;
}

static const struct dbk_id *
deal_id(const struct dbk_facts *f, size_t i)
{
	return &f->deals[i].id;
}

/* A fact's time and index, for sorting one customer's many facts. */
struct tkey {
	int64_t at;
	size_t i;               /* fact index: id order breaks ties */
};

static int
tkey_cmp(const void *a, const void *b)
{
	const struct tkey *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

struct nkey {
	const char *s;
	size_t c;               /* customer, or NONE for a goal/review name */
};

static int
nkey_cmp(const void *a, const void *b)
{
	const struct nkey *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c != 0)
		return c;
	return x->c < y->c ? -1 : x->c > y->c;
}

static void *
xcalloc(size_t n, size_t size)
{
	return calloc(n == 0 ? 1 : n, size);
}

/* The id index of n elements; *dup set when two ids are equal.  0 or
 * DBK_ENOMEM. */
static int
index_ids(const struct dbk_facts *f, size_t n,
    const struct dbk_id *(*get)(const struct dbk_facts *, size_t),
    struct idhash *ix, int *dup)
{
	size_t size = 16;

	*dup = 0;
	if (n >= UINT32_MAX)
		return DBK_ENOMEM;
	while (size < 2 * n + 1)
		size *= 2;
	if ((ix->slot = xcalloc(size, sizeof(*ix->slot))) == NULL)
		return DBK_ENOMEM;
	ix->mask = size - 1;
	for (size_t i = 0; i < n; i++) {
		const struct dbk_id *id = get(f, i);
		size_t j = id_slot(id, ix->mask);
		for (; ix->slot[j] != 0; j = (j + 1) & ix->mask)
			if (id_cmp(get(f, ix->slot[j] - 1), id) == 0)
				*dup = 1;
		ix->slot[j] = (uint32_t)(i + 1);
	}
	return 0;
}

/*
 * Group facts of each customer in time order: sorted[off[c]..off[c+1]).
 * Counting by customer, then each customer's few facts by (time, index):
 * linear in the facts where one sort of them all was not.
 */
static int
by_customer(size_t nc, size_t n, const size_t *fc, const int64_t *at,
    size_t **sorted, size_t **off)
{
	size_t *o, *s;

	*sorted = s = xcalloc(n, sizeof(**sorted));
	*off = o = xcalloc(nc + 2, sizeof(**off));
	if (s == NULL || o == NULL)
		return DBK_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (fc[i] != NONE)
			o[fc[i] + 2]++;
	for (size_t c = 0; c < nc; c++)
		o[c + 2] += o[c + 1];
	/* o[c + 1] is now where customer c's facts start: place them. */
	for (size_t i = 0; i < n; i++)
		if (fc[i] != NONE)
			s[o[fc[i] + 1]++] = i;
	/* o[c] is where c starts, o[c + 1] where it ends.  Few facts: an
	 * insertion sort; many: qsort, so no customer costs quadratic time. */
	for (size_t c = 0; c < nc; c++) {
		if (o[c + 1] - o[c] > 32) {
			size_t m = o[c + 1] - o[c];
			struct tkey *k = xcalloc(m, sizeof(*k));
			if (k == NULL)
				return DBK_ENOMEM;
			for (size_t j = 0; j < m; j++) {
				k[j].i = s[o[c] + j];
				k[j].at = at[k[j].i];
			}
			qsort(k, m, sizeof(*k), tkey_cmp);
			for (size_t j = 0; j < m; j++)
				s[o[c] + j] = k[j].i;
			free(k);
			continue;
		}
		for (size_t k = o[c] + 1; k < o[c + 1]; k++) {
			size_t v = s[k], j = k;
			while (j > o[c] && (at[s[j - 1]] > at[v] ||
			    (at[s[j - 1]] == at[v] && s[j - 1] > v))) {
				s[j] = s[j - 1];
				j--;
			}
			s[j] = v;
		}
	}
	return 0;
}

static void
ctx_free(struct ctx *c)
{
	free(c->cix.slot);
	free(c->dix.slot);
	free(c->st_c);
	free(c->in_c);
	free(c->de_c);
	free(c->ob_c);
	free(c->pay_d);
	free(c->st_sorted);
	free(c->st_off);
	free(c->in_sorted);
	free(c->in_off);
	free(c->first_won);
	free(c->first_won_pos);
	free(c->cgroup);
	for (size_t i = 0; i < c->ngroups; i++)
		free(c->gname[i]);
	free(c->gname);
	free(c->mark);
	free(c->dmark);
	free(c->scratch);
}

static int
bad_time(int64_t t)
{
	return t < -TIME_LIMIT || t > TIME_LIMIT;
}

/* Refuse facts no gatherer should produce, rather than count them
 * somewhere arbitrary. */
static int
check_facts(const struct dbk_facts *f, struct dbk_error *err)
{
	const char *what = NULL;

	if ((f->ncustomers && !f->customers) || (f->nstages && !f->stages) ||
	    (f->ninteractions && !f->interactions) ||
	    (f->ndeals && !f->deals) || (f->npayments && !f->payments) ||
	    (f->nobjections && !f->objections) || (f->ngoals && !f->goals) ||
	    (f->nreviews && !f->reviews))
		what = "an array is NULL";
	else if (f->minor_digits < 0 || f->minor_digits > 18)
		what = "minor_digits is outside 0..18";
	for (size_t i = 0; what == NULL && i < f->ncustomers; i++) {
		const struct dbk_fact_customer *c = &f->customers[i];
		if (c->priority < -1 || c->priority >= DBK_PRIORITY_COUNT)
			what = "a customer's priority is out of range";
		else if (bad_time(c->lead_at))
			what = "a customer's lead_at is out of range";
		else if (c->expected_known && c->expected < 0)
			what = "a customer's expected amount is negative";
	}
	for (size_t i = 0; what == NULL && i < f->nstages; i++) {
		const struct dbk_fact_stage *s = &f->stages[i];
		if (s->to < 0 || s->to >= DBK_STAGE_COUNT || s->from < -1 ||
		    s->from >= DBK_STAGE_COUNT)
			what = "a stage change names no stage";
		else if (s->need_match < -1 || s->need_match > 100)
			what = "a need_match score is outside -1..100";
		else if (bad_time(s->at))
			what = "a stage change's time is out of range";
	}
	for (size_t i = 0; what == NULL && i < f->ninteractions; i++) {
		const struct dbk_fact_interaction *it = &f->interactions[i];
		if (it->channel < -1 || it->channel >= DBK_CHANNEL_COUNT)
			what = "an interaction's channel is out of range";
		else if (bad_time(it->at))
			what = "an interaction's time is out of range";
	}
	for (size_t i = 0; what == NULL && i < f->ndeals; i++)
		if (f->deals[i].amount_known && f->deals[i].amount < 0)
			what = "a deal's amount is negative";
	for (size_t i = 0; what == NULL && i < f->npayments; i++)
		if (f->payments[i].amount_known && f->payments[i].amount < 0)
			what = "a payment's amount is negative";
	for (size_t i = 0; what == NULL && i < f->nobjections; i++)
		if (bad_time(f->objections[i].at) ||
		    bad_time(f->objections[i].resolved_at))
			what = "an objection's time is out of range";
	for (size_t i = 0; what == NULL && i < f->ngoals; i++)
		if (f->goals[i].period == NULL || f->goals[i].metric == NULL)
			what = "a goal has no period or metric";
	for (size_t i = 0; what == NULL && i < f->nreviews; i++)
		if (f->reviews[i].period == NULL)
			what = "a review has no period";
	if (what != NULL)
		return dbki_error_set(err, DBK_EINVAL, "invalid facts: %s",
		    what);
	return 0;
}

/* The group name of customer c in scope by: owner or industry, "" when
 * absent. */
static const char *
scope_name(const struct dbk_fact_customer *c, enum dbk_scope by)
{
	const char *s = by == DBK_SCOPE_MEMBER ? c->owner : c->industry;

	return s != NULL ? s : "";
}

/* Groups: every name a customer has; in member scope also each member a
 * goal or review of this period names, so a member with a goal and no
 * customers still shows (at 0). */
static int
make_groups(struct ctx *c, enum dbk_scope by, const char *label)
{
	const struct dbk_facts *f = c->f;
	struct nkey *k;
	size_t n = 0, cap = c->nc + f->ngoals + f->nreviews;

	c->cgroup = xcalloc(c->nc, sizeof(*c->cgroup));
	if (c->cgroup == NULL)
		return DBK_ENOMEM;
	for (size_t i = 0; i < c->nc; i++)
		c->cgroup[i] = -1;
	if (by == DBK_SCOPE_TEAM)
		return 0;
	if ((k = xcalloc(cap, sizeof(*k))) == NULL)
		return DBK_ENOMEM;
	for (size_t i = 0; i < c->nc; i++) {
		k[n].s = scope_name(&f->customers[i], by);
		k[n++].c = i;
	}
	if (by == DBK_SCOPE_MEMBER) {
		for (size_t i = 0; i < f->ngoals; i++)
			if (f->goals[i].member != NULL &&
			    strcmp(f->goals[i].period, label) == 0) {
				k[n].s = f->goals[i].member;
				k[n++].c = NONE;
			}
		for (size_t i = 0; i < f->nreviews; i++)
			if (f->reviews[i].member != NULL &&
			    strcmp(f->reviews[i].period, label) == 0) {
				k[n].s = f->reviews[i].member;
				k[n++].c = NONE;
			}
	}
	qsort(k, n, sizeof(*k), nkey_cmp);
	if ((c->gname = xcalloc(n, sizeof(*c->gname))) == NULL) {
		free(k);
		return DBK_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(k[i - 1].s, k[i].s) != 0) {
			if ((c->gname[c->ngroups] = strdup(k[i].s)) == NULL) {
				free(k);
				return DBK_ENOMEM;
			}
			c->ngroups++;
		}
		if (k[i].c != NONE)
			c->cgroup[k[i].c] = (long)c->ngroups - 1;
	}
	free(k);
	return 0;
}

static int
ctx_init(struct ctx *c, const struct dbk_facts *f, enum dbk_scope by,
    const char *label)
{
	int64_t *at = NULL;
	size_t nmax;
	int dup, rc = DBK_ENOMEM;

	memset(c, 0, sizeof(*c));
	c->f = f;
	c->nc = f->ncustomers;
	if (index_ids(f, c->nc, cust_id, &c->cix, &dup) != 0)
		return DBK_ENOMEM;
	if (dup)
		return DBK_EINVAL;
	if (index_ids(f, f->ndeals, deal_id, &c->dix, &dup) != 0)
		return DBK_ENOMEM;
	if (dup)
		return DBK_EINVAL;
	c->st_c = xcalloc(f->nstages, sizeof(size_t));
	c->in_c = xcalloc(f->ninteractions, sizeof(size_t));
	c->de_c = xcalloc(f->ndeals, sizeof(size_t));
	c->ob_c = xcalloc(f->nobjections, sizeof(size_t));
	c->pay_d = xcalloc(f->npayments, sizeof(size_t));
	c->first_won = xcalloc(c->nc, sizeof(int64_t));
	c->first_won_pos = xcalloc(c->nc, sizeof(size_t));
	c->mark = xcalloc(c->nc, sizeof(size_t));
	c->dmark = xcalloc(f->ndeals, sizeof(size_t));
	c->scratch = xcalloc(c->nc, sizeof(int64_t));
	nmax = f->nstages > f->ninteractions ? f->nstages : f->ninteractions;
	at = xcalloc(nmax, sizeof(*at));
	if (!c->st_c || !c->in_c || !c->de_c || !c->ob_c || !c->pay_d ||
	    !c->first_won || !c->first_won_pos || !c->mark || !c->dmark ||
	    !c->scratch || !at)
		goto out;

	/* Attribution: every fact through its customer (payments through
	 * their deal, whose customer decides). */
	for (size_t i = 0; i < f->nstages; i++)
		c->st_c[i] = id_find(&c->cix, &f->stages[i].customer,
		    cust_id, f);
	for (size_t i = 0; i < f->ninteractions; i++)
		c->in_c[i] = id_find(&c->cix,
		    &f->interactions[i].customer, cust_id, f);
	for (size_t i = 0; i < f->ndeals; i++)
		c->de_c[i] = id_find(&c->cix, &f->deals[i].customer,
		    cust_id, f);
	for (size_t i = 0; i < f->nobjections; i++)
		c->ob_c[i] = id_find(&c->cix,
		    &f->objections[i].customer, cust_id, f);
	for (size_t i = 0; i < f->npayments; i++)
		c->pay_d[i] = id_find(&c->dix,
		    &f->payments[i].deal, deal_id, f);

	for (size_t i = 0; i < f->nstages; i++)
		at[i] = f->stages[i].at;
	if ((rc = by_customer(c->nc, f->nstages, c->st_c, at, &c->st_sorted,
	    &c->st_off)) != 0)
		goto out;
	for (size_t i = 0; i < f->ninteractions; i++)
		at[i] = f->interactions[i].at;
	if ((rc = by_customer(c->nc, f->ninteractions, c->in_c, at,
	    &c->in_sorted, &c->in_off)) != 0)
		goto out;

	/* First reached won: the first change, by time, into won or beyond
	 * it (service), a skipped won counting as reached. */
	for (size_t ci = 0; ci < c->nc; ci++) {
		c->first_won[ci] = INT64_MAX;
		c->first_won_pos[ci] = NONE;
		for (size_t k = c->st_off[ci]; k < c->st_off[ci + 1]; k++) {
			const struct dbk_fact_stage *s =
			    &f->stages[c->st_sorted[k]];
			if (s->to == DBK_STAGE_WON ||
			    s->to == DBK_STAGE_SERVICE) {
				c->first_won[ci] = s->at;
				c->first_won_pos[ci] = k;
				break;
			}
		}
	}
	rc = make_groups(c, by, label);
out:
	free(at);
	return rc;
}

/* ---- one group, one period -------------------------------------------- */

static int
in_group(const struct ctx *c, size_t ci, long g)
{
	return ci != NONE && (g < 0 || c->cgroup[ci] == g);
}

static int
in_period(const struct dbk_period *p, int64_t t)
{
	return t >= p->start && t < p->end;
}

static int
day_in(const struct dbk_period *p, int64_t d)
{
	return d >= p->first_day && d <= p->last_day;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
stalled_cmp(const void *a, const void *b)
{
	const struct dbk_stalled *x = a, *y = b;

	if (x->days != y->days)
		return x->days > y->days ? -1 : 1;
	return id_cmp(&x->customer, &y->customer);
}

static int64_t
count_new(const struct ctx *c, long g, const struct dbk_period *p)
{
	int64_t n = 0;

	for (size_t ci = 0; ci < c->nc; ci++)
		if (in_group(c, ci, g) && in_period(p, c->first_won[ci]))
			n++;
	return n;
}

/* The customer-based indicators: new customers and their cycle, the lead
 * cohort, closes, the funnel, the weighted pipeline and the stalled. */
static int
customers_pass(struct ctx *c, long g, const struct dbk_period *p,
    int stalled_days, struct dbk_egroup *out, int want_list)
{
	const struct dbk_facts *f = c->f;
	struct dbk_mvalue *v = out->v;
	int64_t nnew = 0, cohort = 0, reached[DBK_FUNNEL_STEPS + 1] = { 0 };
	int64_t wins = 0, losses = 0, cyc_sum = 0, nstalled = 0;
	int64_t wp_whole = 0, wp_frac = 0, t, due;
	int wp_hidden = 0, wp_over = 0, cyc_over = 0;
	size_t ncyc = 0, cap = 0;

	for (size_t ci = 0; ci < c->nc; ci++) {
		const struct dbk_fact_customer *cu = &f->customers[ci];
		int maxto = -1, at_end = -1, close = 0;

		if (!in_group(c, ci, g))
			continue;
		if (in_period(p, c->first_won[ci])) {
			int64_t d = c->first_won[ci] - cu->lead_at;
			nnew++;
			c->scratch[ncyc++] = d < 0 ? 0 : d;
			if (add64(&cyc_sum, d < 0 ? 0 : d) != 0)
				cyc_over = 1;
		}
		for (size_t k = c->st_off[ci]; k < c->st_off[ci + 1]; k++) {
			const struct dbk_fact_stage *s =
			    &f->stages[c->st_sorted[k]];
			if (s->at >= p->end)
				break;
			at_end = s->to;
			if (s->to != DBK_STAGE_LOST && s->to > maxto)
				maxto = s->to;
			if (s->at >= p->start) {
				if (k == c->first_won_pos[ci])
					close = 1;
				else if (s->to == DBK_STAGE_LOST)
					close = 2;
			}
		}
		if (close == 1)
			wins++;
		else if (close == 2)
			losses++;
		if (in_period(p, cu->lead_at)) {
			cohort++;
			reached[0]++;
			for (int s = 1; s <= DBK_FUNNEL_STEPS; s++)
				if (maxto >= s)
					reached[s]++;
		}
		if (cu->lead_at >= p->end)
			continue;	/* not a customer yet at the end */
		if (at_end < 0)
			at_end = DBK_STAGE_LEAD;
		out->funnel[at_end]++;
		if (at_end > DBK_STAGE_NEGOTIATION)
			continue;	/* closed: not in the pipeline */

		/* expected x p / 100 split as (100a + b) x p / 100 = a x p +
		 * b x p / 100, so nothing overflows and one rounding is
		 * done at the end. */
		if (cu->expected_restricted)
			wp_hidden = 1;
		else if (cu->expected_known) {
			int64_t prob = dbk_stage_default_probability(at_end);
			if (add64(&wp_whole, cu->expected / 100 * prob) != 0)
				wp_over = 1;
			wp_frac += cu->expected % 100 * prob;
		}

		/* Stalled: the last contact by the end (or lead_at when
		 * none), unless a next step is dated after the period.  The
		 * next step is the one the last interaction before the end
		 * set, so a past period sees the step it had then; the
		 * customer's own next_due_day counts only when no such
		 * interaction set one. */
		t = cu->lead_at;
		due = cu->next_due_day;
		for (size_t k = c->in_off[ci]; k < c->in_off[ci + 1]; k++) {
			const struct dbk_fact_interaction *it =
			    &f->interactions[c->in_sorted[k]];
			if (it->at >= p->end)
				break;
			t = it->at;
			if (it->due_day != INT64_MIN)
				due = it->due_day;
		}
		if (due != INT64_MIN && due > p->last_day)
			continue;
		if (p->end - t <= (int64_t)stalled_days * DAY)
			continue;
		nstalled++;
		if (!want_list)
			continue;
		if (out->nstalled == cap) {
			/* cap stays below twice the customers: no overflow. */
			size_t ncap = cap ? 2 * cap : 8;
			struct dbk_stalled *ns = realloc(out->stalled,
			    ncap * sizeof(*ns));
			if (ns == NULL)
				return DBK_ENOMEM;
			out->stalled = ns;
			cap = ncap;
		}
		out->stalled[out->nstalled].customer = cu->id;
		out->stalled[out->nstalled].days = (p->end - t) / DAY;
		out->nstalled++;
	}
	if (out->nstalled > 1)
		qsort(out->stalled, out->nstalled, sizeof(*out->stalled),
		    stalled_cmp);

	st_ok(&v[DBK_M_NEW_CUSTOMERS].cur, nnew);
	st_ok(&v[DBK_M_STALLED].cur, nstalled);
	v_ratio(&v[DBK_M_LEAD_CONVERSION], reached[1], cohort, WHY_NOLEADS);
	v_ratio(&v[DBK_M_WIN_RATE], wins, wins + losses, WHY_NOCLOSED);
	for (int i = 0; i < DBK_FUNNEL_STEPS; i++) {
		out->conv[i].key = conv_keys[i];
		out->conv[i].unit = DBK_U_PERMILLE;
		v_ratio(&out->conv[i], reached[i + 1], reached[i], conv_why[i]);
	}

	/* Cycle: mean of exact seconds, rounded once; the median of an
	 * even count is the mean of the middle two. */
	{
		struct dbk_mvalue *cy = &v[DBK_M_AVG_CYCLE_DAYS];
		int64_t m;
		cy->has_median = 1;
		if (cyc_over)
			v_na(cy, WHY_OVERFLOW);
		else
			v_ratio(cy, cyc_sum, (int64_t)ncyc * DAY, WHY_NONEW);
		if (cy->cur.status != DBK_MS_OK)
			st_not(&cy->median, cy->cur.status, cy->cur.why);
		else {
			qsort(c->scratch, ncyc, sizeof(int64_t), cmp_i64);
			if (ncyc % 2)
				m = ratio(c->scratch[ncyc / 2], DAY, 10, &t);
			else
				m = ratio(c->scratch[ncyc / 2 - 1] +
				    c->scratch[ncyc / 2], 2 * DAY, 10, &t);
			if (m != 0)
				st_not(&cy->median, DBK_MS_NA, WHY_OVERFLOW);
			else
				st_ok(&cy->median, t);
		}
	}

	{
		struct dbk_mvalue *wp = &v[DBK_M_WEIGHTED_PIPELINE];
		if (!f->restricted_key)
			v_restricted(wp, WHY_NOKEY);
		else if (wp_hidden)
			v_restricted(wp, WHY_HIDDEN);
		else if (wp_over || add64(&wp_whole, wp_frac / 100) != 0 ||
		    (wp_frac % 100 >= 50 && add64(&wp_whole, 1) != 0))
			v_na(wp, WHY_OVERFLOW);
		else
			st_ok(&wp->cur, wp_whole);
	}
	return 0;
}

static void
activity_pass(struct ctx *c, long g, const struct dbk_period *p,
    struct dbk_mvalue *v)
{
	const struct dbk_facts *f = c->f;
	int64_t n = 0, ontime = 0, high = 0, active = 0, active_high = 0;
	int64_t ch[DBK_CHANNEL_COUNT] = { 0 }, days, need = 0, nscored = 0;
	int64_t raised = 0, resolved = 0;

	c->stamp++;
	for (size_t i = 0; i < f->ninteractions; i++) {
		const struct dbk_fact_interaction *it = &f->interactions[i];
		size_t ci = c->in_c[i];
		int hp;
		if (!in_group(c, ci, g) || !in_period(p, it->at))
			continue;
		hp = f->customers[ci].priority == DBK_PRIORITY_HIGH;
		n++;
		if (!it->late)
			ontime++;
		ch[it->channel < 0 ? DBK_CHANNEL_OTHER : it->channel]++;
		if (hp)
			high++;
		if (c->mark[ci] != c->stamp) {
			c->mark[ci] = c->stamp;
			active++;
			if (hp)
				active_high++;
		}
	}
	for (int k = 0; k < DBK_CHANNEL_COUNT; k++)
		st_ok(&v[DBK_M_ACTIVITY_PHONE + k].cur, ch[k]);
	/* The activity keys follow the channels, in the channels' order. */
	_Static_assert(DBK_M_ACTIVITY_PHONE + DBK_CHANNEL_OTHER ==
	    DBK_M_ACTIVITY_OTHER && DBK_CHANNEL_PHONE == 0 &&
	    DBK_CHANNEL_VISIT == 1 && DBK_M_ACTIVITY_VISIT ==
	    DBK_M_ACTIVITY_PHONE + 1, "activity keys in channel order");
	st_ok(&v[DBK_M_ACTIVITY_TOTAL].cur, n);
	v_ratio(&v[DBK_M_TIMELINESS], ontime, n, WHY_NOINTER);
	/* per week = n / (active x days / 7) = 7n / (active x days) */
	days = (int64_t)p->last_day - p->first_day + 1;
	v_ratio(&v[DBK_M_FOLLOWUPS_PER_WEEK], 7 * n, active * days,
	    WHY_NOINTER);
	v_ratio(&v[DBK_M_FOLLOWUPS_PER_WEEK_HIGH], 7 * high, active_high * days,
	    WHY_NOHIGH);

	for (size_t i = 0; i < f->nstages; i++) {
		const struct dbk_fact_stage *s = &f->stages[i];
		if (!in_group(c, c->st_c[i], g) || !in_period(p, s->at) ||
		    s->to < DBK_STAGE_PROPOSAL || s->to == DBK_STAGE_LOST ||
		    s->need_match < 0)
			continue;
		need += s->need_match;
		nscored++;
	}
	v_ratio(&v[DBK_M_NEED_MATCH], need, nscored, WHY_NOSCORES);

	for (size_t i = 0; i < f->nobjections; i++) {
		const struct dbk_fact_objection *o = &f->objections[i];
		if (!in_group(c, c->ob_c[i], g) || !in_period(p, o->at))
			continue;
		raised++;
		if (o->resolved && (o->resolved_at == 0 ||
		    o->resolved_at < p->end))
			resolved++;
	}
	v_ratio(&v[DBK_M_OBJECTION_SUCCESS], resolved, raised, WHY_NOOBJ);
}

static void
money_pass(struct ctx *c, long g, const struct dbk_period *p,
    struct dbk_mvalue *v)
{
	const struct dbk_facts *f = c->f;
	int64_t sum = 0, paid = 0, ndeals = 0, ncust = 0;
	int hidden = 0, over = 0, pay_hidden = 0, pay_over = 0;
	size_t dstamp;

	c->stamp++;
	dstamp = c->stamp;
	for (size_t i = 0; i < f->ndeals; i++) {
		const struct dbk_fact_deal *d = &f->deals[i];
		size_t ci = c->de_c[i];
		if (!in_group(c, ci, g) || !day_in(p, d->signed_day))
			continue;
		ndeals++;
		c->dmark[i] = dstamp;
		if (c->mark[ci] != dstamp) {
			c->mark[ci] = dstamp;
			ncust++;
		}
		if (!d->amount_known)
			hidden = 1;
		else if (add64(&sum, d->amount) != 0)
			over = 1;
	}
	for (size_t i = 0; i < f->npayments; i++) {
		const struct dbk_fact_payment *pm = &f->payments[i];
		if (c->pay_d[i] == NONE || c->dmark[c->pay_d[i]] != dstamp ||
		    pm->day > p->last_day)
			continue;
		if (!pm->amount_known)
			pay_hidden = 1;
		else if (add64(&paid, pm->amount) != 0)
			pay_over = 1;
	}

	if (!f->restricted_key || hidden) {
		const char *why = !f->restricted_key ? WHY_NOKEY : WHY_HIDDEN;
		v_restricted(&v[DBK_M_SIGNED_AMOUNT], why);
		v_restricted(&v[DBK_M_AVG_ORDER_VALUE], why);
		v_restricted(&v[DBK_M_COLLECTION_RATE], why);
		return;
	}
	if (over) {
		v_na(&v[DBK_M_SIGNED_AMOUNT], WHY_OVERFLOW);
		v_na(&v[DBK_M_AVG_ORDER_VALUE], WHY_OVERFLOW);
		v_na(&v[DBK_M_COLLECTION_RATE], WHY_OVERFLOW);
		return;
	}
	st_ok(&v[DBK_M_SIGNED_AMOUNT].cur, sum);
	v_ratio(&v[DBK_M_AVG_ORDER_VALUE], sum, ncust, WHY_NODEALS);
	/* A payment we cannot read spoils only the rate it is part of. */
	if (pay_hidden)
		v_restricted(&v[DBK_M_COLLECTION_RATE], WHY_HIDDEN);
	else if (pay_over)
		v_na(&v[DBK_M_COLLECTION_RATE], WHY_OVERFLOW);
	else if (ndeals == 0)
		v_ratio(&v[DBK_M_COLLECTION_RATE], 0, 0, WHY_NODEALS);
	else
		v_ratio(&v[DBK_M_COLLECTION_RATE], paid, sum, WHY_ZERODEALS);
}

/* Every indicator of group g (-1: the team) for period p into out->v[].cur
 * (and the funnel, conversions and, with want_list, the stalled list). */
static int
compute(struct ctx *c, long g, const struct dbk_period *p, int stalled_days,
    struct dbk_egroup *out, int want_list)
{
	struct dbk_period prev;
	int64_t cur_new, prev_new;
	int rc;

	for (int i = 0; i < DBK_M_COUNT; i++) {
		out->v[i].key = catalogue[i].key;
		out->v[i].unit = catalogue[i].unit;
	}
	if ((rc = customers_pass(c, g, p, stalled_days, out, want_list)) != 0)
		return rc;
	activity_pass(c, g, p, out->v);
	money_pass(c, g, p, out->v);

	dbk_period_previous(p, &prev);
	cur_new = out->v[DBK_M_NEW_CUSTOMERS].cur.value;
	prev_new = count_new(c, g, &prev);
	v_ratio(&out->v[DBK_M_NEW_CUSTOMER_GROWTH], cur_new - prev_new,
	    prev_new, WHY_NOPREVNEW);
	return 0;
}

/* Does a goal's or review's member field select group gi? */
static int
member_match(const struct dbk_eval *e, const struct dbk_egroup *gr,
    const char *member)
{
	if (member == NULL)
		return gr->team;
	return !gr->team && e->by == DBK_SCOPE_MEMBER &&
	    strcmp(member, gr->name) == 0;
}

/* actual / target in permille; a negative target (a growth goal) flips
 * both signs so the divisor is positive. */
static int
achievement(int64_t actual, int64_t target, int64_t *out)
{
	if (target < 0) {
		if (actual == INT64_MIN || target == INT64_MIN)
			return -1;
		actual = -actual;
		target = -target;
	}
	return ratio(actual, target, 1000, out);
}

static void
apply_goals(const struct dbk_facts *f, const struct dbk_eval *e,
    struct dbk_egroup *gr)
{
	for (int i = 0; i < DBK_M_COUNT; i++) {
		struct dbk_mvalue *v = &gr->v[i];
		const struct dbk_fact_goal *goal = NULL;
		int64_t a;

		/* Goals are in id order: the last match is the newest. */
		for (size_t k = 0; k < f->ngoals; k++)
			if (strcmp(f->goals[k].period, e->period.label) == 0 &&
			    strcmp(f->goals[k].metric, v->key) == 0 &&
			    member_match(e, gr, f->goals[k].member))
				goal = &f->goals[k];
		if (goal == NULL)
			continue;
		v->has_target = 1;
		v->target = goal->target;
		v->has_benchmark = goal->has_benchmark != 0;
		v->benchmark = goal->has_benchmark ? goal->benchmark : 0;
		if (v->cur.status != DBK_MS_OK)
			st_not(&v->achievement, v->cur.status, v->cur.why);
		else if (goal->target == 0)
			st_not(&v->achievement, DBK_MS_NA, WHY_TARGET0);
		else if (achievement(v->cur.value, goal->target, &a) != 0)
			st_not(&v->achievement, DBK_MS_NA, WHY_OVERFLOW);
		else
			st_ok(&v->achievement, a);
	}
}

static int
attach_reviews(const struct dbk_facts *f, const struct dbk_eval *e,
    struct dbk_egroup *gr)
{
	size_t n = 0;

	for (size_t k = 0; k < f->nreviews; k++)
		if (strcmp(f->reviews[k].period, e->period.label) == 0 &&
		    member_match(e, gr, f->reviews[k].member))
			n++;
	if (n == 0)
		return 0;
	if ((gr->reviews = calloc(n, sizeof(*gr->reviews))) == NULL)
		return DBK_ENOMEM;
	for (size_t k = 0; k < f->nreviews; k++)
		if (strcmp(f->reviews[k].period, e->period.label) == 0 &&
		    member_match(e, gr, f->reviews[k].member))
			gr->reviews[gr->nreviews++] = &f->reviews[k];
	return 0;
}

int
dbk_eval_compute(const struct dbk_facts *f, const struct dbk_period *p,
    enum dbk_scope by, int stalled_days, struct dbk_eval **out,
    struct dbk_error *err)
{
	struct dbk_eval *e = NULL;
	struct dbk_egroup scratch;
	struct ctx c;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (f == NULL || p == NULL || out == NULL)
		return dbki_error_set(err, DBK_EINVAL,
		    "evaluation needs facts, a period and a result");
	if (by != DBK_SCOPE_TEAM && by != DBK_SCOPE_MEMBER &&
	    by != DBK_SCOPE_INDUSTRY)
		return dbki_error_set(err, DBK_EINVAL, "invalid scope %d",
		    (int)by);
	if (stalled_days < 0 || stalled_days > STALLED_DAYS_MAX)
		return dbki_error_set(err, DBK_EINVAL, "invalid stalled days "
		    "%d (expected 0..%d)", stalled_days, STALLED_DAYS_MAX);
	if ((rc = check_facts(f, err)) != 0)
		return rc;
	if ((rc = ctx_init(&c, f, by, p->label)) != 0) {
		ctx_free(&c);
		if (rc == DBK_EINVAL)
			return dbki_error_set(err, rc,
			    "invalid facts: two records share an id");
		return dbki_error_set(err, rc, "out of memory evaluating");
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->g = calloc(c.ngroups + 1, sizeof(*e->g))) == NULL) {
		rc = DBK_ENOMEM;
		goto out;
	}
	e->period = *p;
	dbk_period_previous(p, &e->previous);
	e->by = by;
	e->stalled_days = stalled_days;
	e->minor_digits = f->minor_digits;
	e->restricted_key = f->restricted_key != 0;
	e->ng = c.ngroups + 1;
	e->g[0].team = 1;
	for (size_t i = 0; i < c.ngroups; i++) {
		e->g[i + 1].name = c.gname[i];
		c.gname[i] = NULL;	/* moved */
	}
	for (size_t i = 0; i < e->ng; i++) {
		struct dbk_egroup *gr = &e->g[i];
		long gi = (long)i - 1;
		if ((rc = compute(&c, gi, p, stalled_days, gr, 1)) != 0)
			goto out;
		memset(&scratch, 0, sizeof(scratch));
		if ((rc = compute(&c, gi, &e->previous, stalled_days, &scratch,
		    0)) != 0)
			goto out;
		for (int k = 0; k < DBK_M_COUNT; k++)
			gr->v[k].prev = scratch.v[k].cur;
		apply_goals(f, e, gr);
		if ((rc = attach_reviews(f, e, gr)) != 0)
			goto out;
	}
	rc = 0;
out:
	ctx_free(&c);
	if (rc != 0) {
		dbk_eval_free(e);
		return dbki_error_set(err, rc, "out of memory evaluating");
	}
	*out = e;
	return 0;
}

void
dbk_eval_free(struct dbk_eval *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; e->g != NULL && i < e->ng; i++) {
		free(e->g[i].name);
		free(e->g[i].stalled);
		free((void *)e->g[i].reviews);
	}
	/* The values include amounts: wiped, as every decrypted amount. */
	if (e->g != NULL)
		explicit_bzero(e->g, e->ng * sizeof(*e->g));
	free(e->g);
	explicit_bzero(e, sizeof(*e));
	free(e);
}

/* ---- the catalogue, values as text ------------------------------------ */

const char *
dbk_metric_key(size_t i)
{
	return i < DBK_M_COUNT ? catalogue[i].key : NULL;
}

const char *
dbk_metric_keys(void)
{
	return all_keys;
}

int
dbk_metric_unit(const char *key, enum dbk_unit *out, struct dbk_error *err)
{
	for (size_t i = 0; key != NULL && i < DBK_M_COUNT; i++)
		if (strcmp(key, catalogue[i].key) == 0) {
			if (out != NULL)
				*out = catalogue[i].unit;
			return 0;
		}
	return dbki_error_set(err, DBK_EINVAL,
	    "unknown metric '%s' (expected one of: %s)",
	    key != NULL ? key : "", all_keys);
}

const char *
dbk_unit_name(enum dbk_unit u)
{
	switch (u) {
	case DBK_U_COUNT:      return "count";
	case DBK_U_MONEY:      return "money";
	case DBK_U_PERMILLE:   return "permille";
	case DBK_U_TENTHS:     return "tenths";
	case DBK_U_HUNDREDTHS: return "hundredths";
	}
	return NULL;
}

const char *
dbk_mstatus_name(enum dbk_mstatus s)
{
	switch (s) {
	case DBK_MS_OK:         return "ok";
	case DBK_MS_NA:         return "n/a";
	case DBK_MS_RESTRICTED: return "restricted";
	}
	return NULL;
}

const char *
dbk_scope_name(enum dbk_scope s)
{
	switch (s) {
	case DBK_SCOPE_TEAM:     return "team";
	case DBK_SCOPE_MEMBER:   return "member";
	case DBK_SCOPE_INDUSTRY: return "industry";
	}
	return NULL;
}

int
dbk_scope_parse(const char *s, enum dbk_scope *out, struct dbk_error *err)
{
	static const enum dbk_scope all[] = {
		DBK_SCOPE_TEAM, DBK_SCOPE_MEMBER, DBK_SCOPE_INDUSTRY
	};

	/* And in Chinese, as the evaluation table heads them. */
	static const struct {
		const char *zh;
		enum dbk_scope s;
	} zh[] = {
		{ "團隊", DBK_SCOPE_TEAM }, { "团队", DBK_SCOPE_TEAM },
		{ "個人", DBK_SCOPE_MEMBER }, { "个人", DBK_SCOPE_MEMBER },
		{ "成員", DBK_SCOPE_MEMBER }, { "成员", DBK_SCOPE_MEMBER },
		{ "行業", DBK_SCOPE_INDUSTRY }, { "行业", DBK_SCOPE_INDUSTRY },
	};

	for (size_t i = 0; s != NULL && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, dbk_scope_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	for (size_t i = 0; s != NULL && i < sizeof zh / sizeof zh[0]; i++)
		if (strcmp(s, zh[i].zh) == 0) {
			*out = zh[i].s;
			return 0;
		}
	return dbki_error_set(err, DBK_EINVAL,
	    "invalid scope '%s' (expected team, member or industry)",
	    s != NULL ? s : "");
}

/*
 * [-]digits[.fraction][%] as an integer scaled by 10^decimals: at most
 * `decimals` fraction digits, at most 15 integer digits (so scaling cannot
 * overflow).  -1 when malformed.
 */
static int
parse_fixed(const char *s, int decimals, int neg_ok, int pct_ok, int64_t *out)
{
	const char *p = s;
	int neg = 0, nd = 0, fd = 0;
	int64_t v = 0;

	if (neg_ok && *p == '-') {
		neg = 1;
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++nd > 15)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (nd == 0)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (++fd > decimals)
				return -1;
			v = v * 10 + (*p - '0');
		}
		if (fd == 0)
			return -1;
	}
	for (; fd < decimals; fd++)
		v *= 10;
	if (pct_ok && *p == '%')
		p++;
	if (*p != '\0')
		return -1;
	*out = neg ? -v : v;
	return 0;
}

int
dbk_metric_parse_value(const char *key, const char *text, int minor_digits,
    int64_t *out, struct dbk_error *err)
{
	enum dbk_unit u = DBK_U_COUNT;
	const char *expect = "";
	int64_t v;
	int rc;

	if ((rc = dbk_metric_unit(key, &u, err)) != 0)
		return rc;
	if (text == NULL || out == NULL)
		return dbki_error_set(err, DBK_EINVAL, "no value for %s", key);
	switch (u) {
	case DBK_U_COUNT:
		rc = dbk_parse_int(text, 0, INT64_MAX, &v);
		expect = "a whole number such as 15";
		break;
	case DBK_U_MONEY:
		rc = dbk_parse_money(text, minor_digits, &v);
		expect = "an amount such as 5,000,000 or 500万";
		break;
	case DBK_U_PERMILLE:
		rc = parse_fixed(text, 1, 1, 1, &v);
		expect = "a percentage such as 20% or 20.5%";
		break;
	case DBK_U_TENTHS:
		rc = parse_fixed(text, 1, 0, 0, &v);
		expect = "a number with one decimal at most, such as 40.5";
		break;
	case DBK_U_HUNDREDTHS:
		rc = parse_fixed(text, 2, 0, 0, &v);
		expect = "a number with at most two decimals, such as 1.25";
		break;
	default:
		rc = -1;
		break;
	}
	if (rc != 0)
		return dbki_error_set(err, DBK_EINVAL,
		    "invalid value '%s' for %s (expected %s)", text, key,
		    expect);
	*out = v;
	return 0;
}

/* v / 10^d with exactly d decimals, then suffix. */
static int
fixed(int64_t v, int d, const char *suffix, char *buf, size_t n)
{
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, p = 1;
	const char *sign = v < 0 ? "-" : "";
	int len;

	for (int i = 0; i < d; i++)
		p *= 10;
	if (d == 0)
		len = snprintf(buf, n, "%s%llu%s", sign, (unsigned long long)m,
		    suffix);
	else
		len = snprintf(buf, n, "%s%llu.%0*llu%s", sign,
		    (unsigned long long)(m / p), d, (unsigned long long)(m % p),
		    suffix);
	if (len < 0 || (size_t)len >= n) {
		if (n > 0)
			buf[0] = '\0';
		return DBK_EINVAL;
	}
	return len;
}

int
dbk_metric_format(enum dbk_unit u, enum dbk_mstatus st, int64_t value,
    int minor_digits, int machine, char *buf, size_t n)
{
	if (buf == NULL || n == 0)
		return DBK_EINVAL;
	if (minor_digits < 0 || minor_digits > 18) {
		buf[0] = '\0';
		return DBK_EINVAL;
	}
	if (st != DBK_MS_OK) {
		const char *s = st == DBK_MS_RESTRICTED ? "restricted" : "n/a";
		size_t len = strlen(s);
		if (len >= n) {
			buf[0] = '\0';
			return DBK_EINVAL;
		}
		memcpy(buf, s, len + 1);
		return (int)len;
	}
	switch (u) {
	case DBK_U_MONEY:
		if (!machine)
			return dbk_format_money(value, minor_digits, buf, n);
		return fixed(value, minor_digits, "", buf, n);
	case DBK_U_PERMILLE:
		return fixed(value, 1, machine ? "" : "%", buf, n);
	case DBK_U_TENTHS:
		return fixed(value, 1, "", buf, n);
	case DBK_U_HUNDREDTHS:
		return fixed(value, 2, "", buf, n);
	case DBK_U_COUNT:
	default:
		return fixed(value, 0, "", buf, n);
	}
}

/* ---- JSON --------------------------------------------------------------- */

struct jctx {
	int oom;
	int md;
};

/* Add to o; on any failure remember it and keep going (o may be NULL
 * after an earlier failure), so callers check once at the end. */
static cJSON *
jadd(struct jctx *j, cJSON *o, const char *k, cJSON *x)
{
	int ok;

	if (x == NULL) {
		j->oom = 1;
		return NULL;
	}
	ok = k != NULL ? cJSON_AddItemToObject(o, k, x) :
	    cJSON_AddItemToArray(o, x);
	if (!ok) {
		cJSON_Delete(x);
		j->oom = 1;
		return NULL;
	}
	return x;
}

static void
jstr(struct jctx *j, cJSON *o, const char *k, const char *v)
{
	jadd(j, o, k, v != NULL ? cJSON_CreateString(v) : cJSON_CreateNull());
}

static void
jint(struct jctx *j, cJSON *o, const char *k, int64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%lld", (long long)v);
	jstr(j, o, k, b);
}

static void
jvalue(struct jctx *j, cJSON *o, const char *k, enum dbk_unit u,
    enum dbk_mstatus st, int64_t v)
{
	char b[48];

	if (st != DBK_MS_OK ||
	    dbk_metric_format(u, st, v, j->md, 1, b, sizeof(b)) < 0)
		jstr(j, o, k, NULL);
	else
		jstr(j, o, k, b);
}

static void
jstate(struct jctx *j, cJSON *o, const char *k, enum dbk_unit u,
    const struct dbk_mstate *s)
{
	cJSON *x = jadd(j, o, k, cJSON_CreateObject());

	jstr(j, x, "status", dbk_mstatus_name(s->status));
	jvalue(j, x, "value", u, s->status, s->value);
	jstr(j, x, "why", s->why);
}

static void
jperiod(struct jctx *j, cJSON *o, const char *k, const struct dbk_period *p)
{
	cJSON *x = jadd(j, o, k, cJSON_CreateObject());
	char d[11];

	jstr(j, x, "label", p->label);
	jstr(j, x, "kind", dbk_period_kind_name(p->kind));
	dbk_format_date(p->first_day, d);
	jstr(j, x, "first_day", d);
	dbk_format_date(p->last_day, d);
	jstr(j, x, "last_day", d);
	jint(j, x, "utc_offset_min", p->utc_offset_min);
	jint(j, x, "start", p->start);
	jint(j, x, "end", p->end);
}

static void
jmetric(struct jctx *j, cJSON *arr, const struct dbk_mvalue *v, int full)
{
	cJSON *x = jadd(j, arr, NULL, cJSON_CreateObject());

	jstr(j, x, "key", v->key);
	jstr(j, x, "unit", dbk_unit_name(v->unit));
	jstr(j, x, "status", dbk_mstatus_name(v->cur.status));
	jvalue(j, x, "value", v->unit, v->cur.status, v->cur.value);
	jstr(j, x, "why", v->cur.why);
	if (v->has_ratio && v->cur.status != DBK_MS_RESTRICTED) {
		jint(j, x, "num", v->num);
		jint(j, x, "den", v->den);
	} else {
		jstr(j, x, "num", NULL);
		jstr(j, x, "den", NULL);
	}
	if (!full)
		return;
	if (v->has_median)
		jvalue(j, x, "median", v->unit, v->median.status,
		    v->median.value);
	else
		jstr(j, x, "median", NULL);
	jstate(j, x, "previous", v->unit, &v->prev);
	if (v->has_target) {
		jvalue(j, x, "target", v->unit, DBK_MS_OK, v->target);
		jstate(j, x, "achievement", DBK_U_PERMILLE, &v->achievement);
	} else {
		jstr(j, x, "target", NULL);
		jstr(j, x, "achievement", NULL);
	}
	if (v->has_benchmark)
		jvalue(j, x, "benchmark", v->unit, DBK_MS_OK, v->benchmark);
	else
		jstr(j, x, "benchmark", NULL);
}

static void
jgroup(struct jctx *j, cJSON *arr, const struct dbk_eval *e,
    const struct dbk_egroup *g, unsigned flags)
{
	cJSON *x = jadd(j, arr, NULL, cJSON_CreateObject()), *a, *o;
	char hex[DBK_ID_HEX];

	jstr(j, x, "scope", g->team ? "team" : dbk_scope_name(e->by));
	jstr(j, x, "name", g->team ? NULL : g->name);
	a = jadd(j, x, "metrics", cJSON_CreateArray());
	for (int i = 0; i < DBK_M_COUNT; i++)
		jmetric(j, a, &g->v[i], 1);
	o = jadd(j, x, "funnel", cJSON_CreateObject());
	for (int s = 0; s < DBK_STAGE_COUNT; s++)
		jint(j, o, dbk_stage_name((enum dbk_stage)s), g->funnel[s]);
	a = jadd(j, x, "conversion", cJSON_CreateArray());
	for (int i = 0; i < DBK_FUNNEL_STEPS; i++)
		jmetric(j, a, &g->conv[i], 0);
	a = jadd(j, x, "stalled", cJSON_CreateArray());
	for (size_t i = 0; i < g->nstalled; i++) {
		o = jadd(j, a, NULL, cJSON_CreateObject());
		dbk_id_format(&g->stalled[i].customer, hex);
		jstr(j, o, "customer", hex);
		jint(j, o, "days", g->stalled[i].days);
	}
	if (!(flags & DBK_EVAL_JSON_REVIEWS))
		return;
	a = jadd(j, x, "reviews", cJSON_CreateArray());
	for (size_t i = 0; i < g->nreviews; i++) {
		const struct dbk_fact_review *r = g->reviews[i];
		o = jadd(j, a, NULL, cJSON_CreateObject());
		dbk_id_format(&r->id, hex);
		jstr(j, o, "id", hex);
		jstr(j, o, "success", r->success);
		jstr(j, o, "problem", r->problem);
		jstr(j, o, "action", r->action);
	}
}

char *
dbk_eval_json(const struct dbk_eval *e, unsigned flags)
{
	struct jctx j = { 0, 0 };
	cJSON *root, *a;
	char *txt, *copy = NULL;

	if (e == NULL)
		return NULL;
	j.md = e->minor_digits;
	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	jint(&j, root, "metrics_version", DBK_METRICS_VERSION);
	jperiod(&j, root, "period", &e->period);
	jperiod(&j, root, "previous", &e->previous);
	jstr(&j, root, "by", dbk_scope_name(e->by));
	jint(&j, root, "stalled_days", e->stalled_days);
	jint(&j, root, "minor_digits", e->minor_digits);
	jint(&j, root, "restricted_key", e->restricted_key);
	a = jadd(&j, root, "groups", cJSON_CreateArray());
	for (size_t i = 0; i < e->ng; i++)
		jgroup(&j, a, e, &e->g[i], flags);
	if (!j.oom && (txt = cJSON_PrintUnformatted(root)) != NULL) {
		/* Our caller frees with free(), whatever cJSON's hooks are. */
		copy = strdup(txt);
		cJSON_free(txt);
	}
	cJSON_Delete(root);
	return copy;
}
