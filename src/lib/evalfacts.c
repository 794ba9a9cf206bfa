/*
 * evalfacts.c -- gather what an evaluation reads from the store: one
 * small fact per customer, stage change, interaction, deal, payment,
 * objection, goal and review (eval.h), in id order.
 *
 * Facts of removed customers are left out (dbk_record_foreach skips
 * records whose customer is gone).  An amount this member cannot decrypt
 * is kept as unknown, never as zero, so the indicators can say
 * "restricted" instead of a wrong number.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "civil.h"
#include "internal.h"
#include "record_int.h"
#include "dealbook/evalrun.h"

/* Owned strings, freed with the facts, and the customer index. */
struct arena {
	char **s;
	size_t n, cap;
	uint32_t *slot;		/* open addressing: customer index + 1, 0 empty */
	size_t mask;
};

struct gather {
	struct dbk_txn *t;
	struct dbk_facts *f;
	struct arena *a;
	size_t cap[8];
	int oom;
	int bad;		/* a stored value did not parse */
	uint64_t seen;		/* facts read, for the progress line */
	char what[64];
};

static const char *
keep(struct gather *g, const char *s)
{
	struct arena *a = g->a;
	char *d;

	if (s == NULL)
		return NULL;
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 64;
		char **ns = realloc(a->s, nc * sizeof(*ns));
		if (ns == NULL) {
			g->oom = 1;
			return NULL;
		}
		a->s = ns;
		a->cap = nc;
	}
	if ((d = strdup(s)) == NULL) {
		g->oom = 1;
		return NULL;
	}
	a->s[a->n++] = d;
	return d;
}

/* Room for one more element in *arr (of size sz, count *n, capacity *cap). */
static void *
grow(struct gather *g, void **arr, size_t *n, size_t *cap, size_t sz)
{
	/* A large store takes a second or two: say how far it got. */
	if ((++g->seen & 0xffff) == 0)
		dbki_progress(g->t->s, "eval", g->seen, 0);
	if (*n == *cap) {
		/* Not realloc: the old array (amounts among them) is wiped
		 * before it is freed. */
		size_t nc = *cap ? *cap * 2 : 256;
		void *na = nc > SIZE_MAX / sz ? NULL : malloc(nc * sz);
		if (na == NULL) {
			g->oom = 1;
			return NULL;
		}
		if (*arr != NULL) {
			memcpy(na, *arr, *n * sz);
			sodium_memzero(*arr, *cap * sz);
			free(*arr);
		}
		*arr = na;
		*cap = nc;
	}
	memset((char *)*arr + *n * sz, 0, sz);
	return (char *)*arr + (*n)++ * sz;
}

#define GROW(g, arr, n, capi) \
	grow((g), (void **)&(g)->f->arr, &(g)->f->n, &(g)->cap[capi], \
	    sizeof(*(g)->f->arr))

/* Lowercase hex digit values; -1 for anything else. */
static const signed char hexv[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

static int
hexval(char c)
{
	return hexv[(unsigned char)c] - 1;
}

static int
str_i64(const char *v, int64_t *out)
{
	return v != NULL && dbk_parse_int(v, INT64_MIN / 2, INT64_MAX / 2,
	    out) == 0 ? 0 : -1;
}

/* A canonical date "YYYY-MM-DD" as days since 1970-01-01: digits read
 * directly (the general parser tries every form people type), anything
 * else through dbk_parse_date. */
static int
str_day(const char *v, int32_t *out)
{
	int y = 0, m, d;

	if (v == NULL)
		return -1;
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? v[i] != '-' : (v[i] < '0' || v[i] > '9'))
			return dbk_parse_date(v, 0, out) == 0 ? 0 : -1;
	if (v[10] != '\0')
		return dbk_parse_date(v, 0, out) == 0 ? 0 : -1;
	y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 +
	    (v[3] - '0');
	m = (v[5] - '0') * 10 + (v[6] - '0');
	d = (v[8] - '0') * 10 + (v[9] - '0');
	{
		static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
			31, 30, 31 };
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
		    (m == 2 && d == 29 && !leap))
			return -1;
	}
	*out = (int32_t)dbki_days_from_civil(y, m, d);
	return 0;
}

/* A canonical channel name, or -1. */
static int
channel_of(const char *v)
{
	enum dbk_channel c;

	if (v == NULL)
		return -1;
	switch (v[0]) {
	case 'p':
		if (strcmp(v, "phone") == 0)
			return DBK_CHANNEL_PHONE;
		break;
	case 'v':
		if (strcmp(v, "visit") == 0)
			return DBK_CHANNEL_VISIT;
		break;
	case 'o':
		if (strcmp(v, "online") == 0)
			return DBK_CHANNEL_ONLINE;
		if (strcmp(v, "other") == 0)
			return DBK_CHANNEL_OTHER;
		break;
	case 'e':
		if (strcmp(v, "email") == 0)
			return DBK_CHANNEL_EMAIL;
		break;
	default:
		break;
	}
	return dbk_parse_channel(v, &c) == 0 ? (int)c : -1;
}

/* A record id as stored in a fact: 32 lowercase hex digits in display
 * order.  Ids are not secret, so a table beats sodium's constant-time
 * decoder, which was a tenth of the time over a million facts. */
static int
str_id(const char *v, struct dbk_id *out)
{
	uint8_t d[16];

	if (v == NULL)
		return -1;
	for (size_t i = 0; i < 16; i++) {
		int hi = hexval(v[2 * i]), lo;
		if (hi < 0 || (lo = hexval(v[2 * i + 1])) < 0)
			return -1;
		d[i] = (uint8_t)(hi << 4 | lo);
	}
	if (v[32] != '\0')
		return -1;
	memcpy(out->b + 6, d, 10);
	memcpy(out->b, d + 10, 6);
	return 0;
}

static int
stage_of(const char *s, int *out)
{
	enum dbk_stage st;

	if (s == NULL || dbk_parse_stage(s, &st) != 0)
		return -1;
	*out = (int)st;
	return 0;
}

static int
bad_fact(struct gather *g, const uint8_t id[16], const char *field)
{
	struct dbk_id d;
	char hex[DBK_ID_HEX];

	memcpy(d.b, id, 16);
	dbk_id_format(&d, hex);
	snprintf(g->what, sizeof g->what, "%.8s %s", hex, field);
	g->bad = 1;
	return 1;
}

/* A sealed amount: 1 known, 0 restricted, -1 an error (in g). */
static int
open_amount(struct gather *g, const uint8_t id[16], const char *sealed,
    int64_t *out)
{
	struct dbk_error e = { 0 };
	char *plain = NULL;
	int rc = dbki_field_open(g->t->s, id, "amount", sealed, &plain, &e);

	dbk_error_clear(&e);
	if (rc == DBK_ENOKEY)
		return 0;
	if (rc != 0 || dbk_parse_int(plain, 0, INT64_MAX, out) != 0) {
		if (plain != NULL) {
			sodium_memzero(plain, strlen(plain));
			free(plain);
		}
		(void)bad_fact(g, id, "amount");
		return -1;
	}
	sodium_memzero(plain, strlen(plain));
	free(plain);
	return 1;
}

/* Customers come from the customer list index: no record decoded. */
static int
customer_cb(const struct dbk_customer_row *r, void *vctx)
{
	struct gather *g = vctx;
	struct dbk_fact_customer *c = GROW(g, customers, ncustomers, 0);
	enum dbk_priority p;

	if (c == NULL)
		return 1;
	c->id = r->id;
	c->owner = keep(g, r->owner);
	c->industry = keep(g, r->industry);
	c->priority = r->priority != NULL &&
	    dbk_parse_priority(r->priority, &p) == 0 ? (int)p : -1;
	if (str_i64(r->lead_at, &c->lead_at) != 0 &&
	    str_i64(r->created, &c->lead_at) != 0)
		return bad_fact(g, r->id.b, "lead_at");
	if (stage_of(r->stage, &c->stage) != 0)
		c->stage = DBK_STAGE_LEAD;
	c->expected_known = r->expected != NULL &&
	    dbk_parse_int(r->expected, 0, INT64_MAX, &c->expected) == 0;
	c->expected_restricted = r->expected_state == DBK_FS_RESTRICTED;
	/* The current next step is not what a past period had: the
	 * evaluation takes it from the interactions that set it. */
	c->next_due_day = INT64_MIN;
	return g->oom;
}

/*
 * Every fact names its customer: a hash index over the customers (their
 * ids' random bytes are the hash) instead of a binary search per fact,
 * which was a third of the time over a million interactions.
 */
static uint64_t
id_hash(const uint8_t *id)
{
	uint64_t h;

	memcpy(&h, id + 6, 8);	/* after the 48-bit time: random */
	return h * UINT64_C(0x9e3779b97f4a7c15);
}

static int
cidx_build(struct dbk_facts *f)
{
	struct arena *a = f->arena;
	size_t size = 16;

	while (size < 2 * f->ncustomers + 1)
		size *= 2;
	if ((a->slot = calloc(size, sizeof(*a->slot))) == NULL)
		return -1;
	a->mask = size - 1;
	for (size_t i = 0; i < f->ncustomers; i++) {
		size_t j = (size_t)(id_hash(f->customers[i].id.b) >> 20) & a->mask;
		while (a->slot[j] != 0)
			j = (j + 1) & a->mask;
		a->slot[j] = (uint32_t)(i + 1);
	}
	return 0;
}

long
dbki_facts_customer(const struct dbk_facts *f, const struct dbk_id *id)
{
	const struct arena *a = f->arena;
	size_t j;

	if (a == NULL || a->slot == NULL)
		return -1;
	for (j = (size_t)(id_hash(id->b) >> 20) & a->mask; a->slot[j] != 0;
	    j = (j + 1) & a->mask) {
		size_t i = a->slot[j] - 1;
		if (memcmp(f->customers[i].id.b, id->b, 16) == 0)
			return (long)i;
	}
	return -1;
}

/* Facts of removed customers are left out, as listings leave them. */
static int
customer_live(const struct gather *g, const struct dbk_id *id)
{
	return dbki_facts_customer(g->f, id) >= 0;
}

static int
removed(const char *del)
{
	return del != NULL && strcmp(del, "1") == 0;
}

/* "need_match=80;budget=yes" -> 80, or -1. */
static int
need_match(const char *checks)
{
	const char *p = checks;
	int64_t v;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > 11 && strncmp(p, "need_match=", 11) == 0 && len - 11 < 8) {
			char num[8];
			memcpy(num, p + 11, len - 11);
			num[len - 11] = '\0';
			if (dbk_parse_int(num, 0, 100, &v) == 0)
				return (int)v;
		}
		p = end ? end + 1 : NULL;
	}
	return -1;
}

/* Stage facts: customer, at, from, stage, checks, _del. */
static int
stage_cb(const uint8_t id[16], const char *const *v, void *vctx)
{
	struct gather *g = vctx;
	struct dbk_fact_stage *s;
	struct dbk_id cid;

	if (removed(v[5]))
		return 0;
	if (str_id(v[0], &cid) != 0)
		return bad_fact(g, id, "customer");
	if (!customer_live(g, &cid))
		return 0;
	if ((s = GROW(g, stages, nstages, 1)) == NULL)
		return 1;
	memcpy(s->id.b, id, 16);
	s->customer = cid;
	if (str_i64(v[1], &s->at) != 0)
		return bad_fact(g, id, "at");
	if (stage_of(v[3], &s->to) != 0)
		return bad_fact(g, id, "stage");
	if (stage_of(v[2], &s->from) != 0)
		s->from = -1;
	s->need_match = need_match(v[4]);
	return 0;
}

/* Interaction facts: customer, at, late, channel, due, _del. */
static int
interaction_cb(const uint8_t id[16], const char *const *v, void *vctx)
{
	struct gather *g = vctx;
	struct dbk_fact_interaction *in;
	struct dbk_id cid;
	int32_t day;

	if (removed(v[5]))
		return 0;
	if (str_id(v[0], &cid) != 0)
		return bad_fact(g, id, "customer");
	if (!customer_live(g, &cid))
		return 0;
	if ((in = GROW(g, interactions, ninteractions, 2)) == NULL)
		return 1;
	memcpy(in->id.b, id, 16);
	in->customer = cid;
	if (str_i64(v[1], &in->at) != 0)
		return bad_fact(g, id, "at");
	in->late = v[2] != NULL && strcmp(v[2], "1") == 0;
	in->channel = channel_of(v[3]);
	in->due_day = str_day(v[4], &day) == 0 ? day : INT64_MIN;
	return 0;
}

/* Deal facts: customer, signed, amount, _del. */
static int
deal_cb(const uint8_t id[16], const char *const *v, void *vctx)
{
	struct gather *g = vctx;
	struct dbk_fact_deal *d;
	struct dbk_id cid;
	int rc;

	if (removed(v[3]))
		return 0;
	if (str_id(v[0], &cid) != 0)
		return bad_fact(g, id, "customer");
	if (!customer_live(g, &cid))
		return 0;
	if ((d = GROW(g, deals, ndeals, 3)) == NULL)
		return 1;
	memcpy(d->id.b, id, 16);
	d->customer = cid;
	if (str_day(v[1], &d->signed_day) != 0)
		return bad_fact(g, id, "signed");
	if (v[2] == NULL)
		return bad_fact(g, id, "amount");
	if ((rc = open_amount(g, id, v[2], &d->amount)) < 0)
		return 1;
	d->amount_known = rc;
	return 0;
}

/* Payment facts: customer, deal, at, amount, _del. */
static int
payment_cb(const uint8_t id[16], const char *const *v, void *vctx)
{
	struct gather *g = vctx;
	struct dbk_fact_payment *p;
	struct dbk_id cid;
	int rc;

	if (removed(v[4]))
		return 0;
	if (str_id(v[0], &cid) != 0)
		return bad_fact(g, id, "customer");
	if (!customer_live(g, &cid))
		return 0;
	if ((p = GROW(g, payments, npayments, 4)) == NULL)
		return 1;
	memcpy(p->id.b, id, 16);
	p->customer = cid;
	if (str_id(v[1], &p->deal) != 0)
		return bad_fact(g, id, "deal");
	if (str_day(v[2], &p->day) != 0)
		return bad_fact(g, id, "at");
	if (v[3] == NULL)
		return bad_fact(g, id, "amount");
	if ((rc = open_amount(g, id, v[3], &p->amount)) < 0)
		return 1;
	p->amount_known = rc;
	return 0;
}

/* Objection facts: customer, at, created, resolved, resolved_at, _del. */
static int
objection_cb(const uint8_t id[16], const char *const *v, void *vctx)
{
	struct gather *g = vctx;
	struct dbk_fact_objection *o;
	struct dbk_id cid;

	if (removed(v[5]))
		return 0;
	if (str_id(v[0], &cid) != 0)
		return bad_fact(g, id, "customer");
	if (!customer_live(g, &cid))
		return 0;
	if ((o = GROW(g, objections, nobjections, 5)) == NULL)
		return 1;
	memcpy(o->id.b, id, 16);
	o->customer = cid;
	/* Raised when its record was made, unless it says otherwise. */
	if (str_i64(v[1], &o->at) != 0 && str_i64(v[2], &o->at) != 0)
		return bad_fact(g, id, "at");
	o->resolved = v[3] != NULL && strcmp(v[3], "1") == 0;
	if (str_i64(v[4], &o->resolved_at) != 0)
		o->resolved_at = 0;
	return 0;
}

static int
bad(struct gather *g, const struct dbk_record *r, const char *field)
{
	return bad_fact(g, dbk_record_id(r)->b, field);
}

static int
goal_cb(struct dbk_record *r, void *vctx)
{
	struct gather *g = vctx;
	struct dbk_fact_goal *gl = GROW(g, goals, ngoals, 6);
	const char *bm = dbk_record_str(r, "benchmark");
	const char *tg = dbk_record_str(r, "target");

	if (gl == NULL)
		return 1;
	gl->id = *dbk_record_id(r);
	gl->period = keep(g, dbk_record_str(r, "period"));
	gl->metric = keep(g, dbk_record_str(r, "metric"));
	gl->member = keep(g, dbk_record_str(r, "member"));
	if (gl->period == NULL || gl->metric == NULL)
		return g->oom ? 1 : bad(g, r, "period");
	if (tg == NULL || dbk_parse_int(tg, INT64_MIN / 2, INT64_MAX / 2,
	    &gl->target) != 0)
		return bad(g, r, "target");
	if (bm != NULL) {
		if (dbk_parse_int(bm, INT64_MIN / 2, INT64_MAX / 2,
		    &gl->benchmark) != 0)
			return bad(g, r, "benchmark");
		gl->has_benchmark = 1;
	}
	return g->oom;
}

static int
review_cb(struct dbk_record *r, void *vctx)
{
	struct gather *g = vctx;
	struct dbk_fact_review *rv = GROW(g, reviews, nreviews, 7);

	if (rv == NULL)
		return 1;
	rv->id = *dbk_record_id(r);
	rv->period = keep(g, dbk_record_str(r, "period"));
	rv->member = keep(g, dbk_record_str(r, "member"));
	rv->success = keep(g, dbk_record_str(r, "success"));
	rv->problem = keep(g, dbk_record_str(r, "problem"));
	rv->action = keep(g, dbk_record_str(r, "action"));
	if (rv->period == NULL)
		return g->oom ? 1 : bad(g, r, "period");
	return g->oom;
}

int
dbk_eval_facts(struct dbk_txn *t, struct dbk_facts **out,
    struct dbk_error *err)
{
	static const struct {
		enum dbk_type type;
		dbki_fact_fn fn;
	} walks[] = {
		{ DBK_T_STAGE, stage_cb }, { DBK_T_INTERACTION, interaction_cb },
		{ DBK_T_DEAL, deal_cb }, { DBK_T_PAYMENT, payment_cb },
		{ DBK_T_OBJECTION, objection_cb },
	};
	static const struct {
		enum dbk_type type;
		dbk_record_fn fn;
	} records[] = {
		{ DBK_T_GOAL, goal_cb }, { DBK_T_REVIEW, review_cb },
	};
	struct gather g;
	int rc;

	*out = NULL;
	memset(&g, 0, sizeof g);
	g.t = t;
	if ((g.f = calloc(1, sizeof(*g.f))) == NULL ||
	    (g.a = calloc(1, sizeof(*g.a))) == NULL) {
		free(g.f);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	g.f->arena = g.a;
	g.f->restricted_key = dbk_store_has_restricted(t->s);
	g.f->minor_digits = dbk_store_minor_digits(t->s);
	rc = dbk_customer_rows_ex(t, DBK_ROWS_REVEAL, customer_cb, &g, err);
	if (rc == 0 && g.f->ncustomers >= UINT32_MAX)
		rc = dbki_error_set(err, DBK_ENOMEM, "too many customers");
	if (rc == 0 && cidx_build(g.f) != 0)
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < sizeof walks / sizeof walks[0]; i++)
		rc = dbki_fact_walk(t, walks[i].type, walks[i].fn, &g, err);
	for (size_t i = 0; rc == 0 && i < sizeof records / sizeof records[0];
	    i++)
		rc = dbk_record_foreach(t, records[i].type, records[i].fn, &g,
		    err);
	if (g.seen >= 0x10000)
		dbki_progress(t->s, "eval", g.seen, g.seen);
	if (rc > 0 && g.oom)
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
	else if (rc > 0)
		rc = dbki_error_set(err, DBK_EINTEGRITY, "record %s is malformed",
		    g.what);
	if (rc != 0) {
		dbk_facts_free(g.f);
		return rc;
	}
	*out = g.f;
	return 0;
}

void
dbk_facts_free(struct dbk_facts *f)
{
	struct arena *a;

	if (f == NULL)
		return;
	if ((a = f->arena) != NULL) {
		for (size_t i = 0; i < a->n; i++) {
			sodium_memzero(a->s[i], strlen(a->s[i]));
			free(a->s[i]);
		}
		free(a->s);
		free(a->slot);
		free(a);
	}
	/* Amounts are sensitive: wipe them with their arrays. */
	if (f->deals != NULL)
		sodium_memzero(f->deals, f->ndeals * sizeof(*f->deals));
	if (f->payments != NULL)
		sodium_memzero(f->payments, f->npayments * sizeof(*f->payments));
	if (f->customers != NULL)
		sodium_memzero(f->customers, f->ncustomers * sizeof(*f->customers));
	free(f->customers);
	free(f->stages);
	free(f->interactions);
	free(f->deals);
	free(f->payments);
	free(f->objections);
	free(f->goals);
	free(f->reviews);
	free(f);
}
