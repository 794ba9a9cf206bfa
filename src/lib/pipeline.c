/*
 * pipeline.c -- the sales workflow: customers, interactions, stage
 * changes with checklist gates, deals, payments, and the views.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "internal.h"
#include "record_int.h"
#include "schema.h"

#define DAY 86400
#define LATE_AFTER (24 * 3600)
/* A little slack for clocks: an interaction may be "now" on a laptop
 * whose clock is a few minutes behind the customer's. */
#define FUTURE_SLACK (10 * 60)

static const int default_prob[DBK_STAGE_COUNT] = {
	[DBK_STAGE_LEAD] = 10, [DBK_STAGE_INTENT] = 25,
	[DBK_STAGE_PROPOSAL] = 50, [DBK_STAGE_NEGOTIATION] = 75,
	[DBK_STAGE_WON] = 100, [DBK_STAGE_SERVICE] = 100, [DBK_STAGE_LOST] = 0,
};

int
dbk_stage_default_probability(enum dbk_stage s)
{
	return (unsigned)s < DBK_STAGE_COUNT ? default_prob[s] : 0;
}

static int
record_stage(const struct dbk_record *c, enum dbk_stage *st)
{
	const char *v = dbk_record_str(c, "stage");

	if (v == NULL || dbk_parse_stage(v, st) != 0) {
		*st = DBK_STAGE_LEAD;
		return -1;
	}
	return 0;
}

int
dbk_customer_probability(const struct dbk_record *c)
{
	const char *p = dbk_record_str(c, "probability");
	enum dbk_stage st;
	int64_t v;

	if (p != NULL && dbk_parse_int(p, 0, 100, &v) == 0)
		return (int)v;
	(void)record_stage(c, &st);
	return default_prob[st];
}

static int64_t
str_i64(const char *s, int64_t dflt)
{
	int64_t v;

	if (s == NULL || dbk_parse_int(s, INT64_MIN, INT64_MAX, &v) != 0)
		return dflt;
	return v;
}

/* A moment in the normaliser's canonical input form, "@<seconds>". */
static void
fmt_at(char buf[24], int64_t v)
{
	snprintf(buf, 24, "@%" PRId64, v);
}

/* Look up an input field's value by name (NULL when absent). */
static const char *
input(const struct dbk_field *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return f[i].value;
	return NULL;
}

/* Copy of the input with extra fields appended (names must not repeat). */
static struct dbk_field *
with_extra(const struct dbk_field *f, size_t n, const struct dbk_field *x,
    size_t nx, size_t *total)
{
	struct dbk_field *o = calloc(n + nx, sizeof *o);
	size_t k = 0;

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		o[k++] = f[i];
	for (size_t i = 0; i < nx; i++) {
		size_t j;
		for (j = 0; j < n; j++)
			if (strcmp(f[j].name, x[i].name) == 0)
				break;
		if (j == n)
			o[k++] = x[i];
	}
	*total = k;
	return o;
}

static int
normalize_one(struct dbk_txn *t, enum dbk_type type, const char *field,
    const char *in, char **out, struct dbk_error *err)
{
	return dbki_normalize(t->s, dbk_field_lookup(type, field), in, 1, out,
	    err);
}


/* When something happened: the given text (validated) or now, not in the
 * future; *secs gets Unix seconds and buf the canonical "@<seconds>". */
static int
moment(struct dbk_txn *t, enum dbk_type type, const char *field,
    const char *given, const char *what, int64_t *secs, char buf[24],
    struct dbk_error *err)
{
	int64_t now = dbki_now(t->s);
	char *canon = NULL;
	int rc;

	*secs = now;
	if (given != NULL && *given != '\0') {
		if ((rc = normalize_one(t, type, field, given, &canon, err)) != 0)
			return rc;
		*secs = str_i64(canon, now);
		free(canon);
		if (*secs > now + FUTURE_SLACK)
			return dbki_error_set(err, DBK_EINVAL,
			    "the %s '%s' lies in the future", what, given);
	}
	fmt_at(buf, *secs);
	return 0;
}

int
dbk_customer_add(struct dbk_txn *t, const struct dbk_field *f, size_t n,
    struct dbk_id *out, struct dbk_error *err)
{
	struct dbk_field extra[4], *all = NULL;
	struct dbk_id id, sid;
	char lead_at[24], idhex[DBK_ID_HEX];
	const char *given = input(f, n, "lead_at");
	int64_t secs;
	size_t total;
	int rc;

	for (size_t i = 0; i < n; i++) {
		const struct dbk_fielddef *fd = dbk_field_lookup(DBK_T_CUSTOMER,
		    f[i].name);
		if (fd != NULL && (fd->flags & DBK_F_SYSTEM))
			return dbki_error_set(err, DBK_EINVAL,
			    "field '%s' is set by dealbook, not by hand", f[i].name);
	}
	if ((rc = moment(t, DBK_T_CUSTOMER, "lead_at", given, "lead date",
	    &secs, lead_at, err)) != 0)
		return rc;
	extra[0] = (struct dbk_field){ "lead_at", lead_at };
	extra[1] = (struct dbk_field){ "owner", t->s->member };
	extra[2] = (struct dbk_field){ "stage", "lead" };
	extra[3] = (struct dbk_field){ "stage_at", lead_at };
	if ((all = with_extra(f, n, extra, 4, &total)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	/* The caller's lead_at string was validated above; use ours. */
	for (size_t i = 0; i < total; i++)
		if (strcmp(all[i].name, "lead_at") == 0)
			all[i].value = lead_at;
	if ((rc = dbki_record_create(t, DBK_T_CUSTOMER, all, total, 1, &id,
	    err)) != 0)
		goto out;
	dbk_id_format(&id, idhex);
	{
		struct dbk_field sf[] = {
			{ "customer", idhex }, { "stage", "lead" }, { "at", lead_at },
		};
		rc = dbki_record_create(t, DBK_T_STAGE, sf, 3, 1, &sid, err);
	}
	if (rc == 0 && out != NULL)
		*out = id;
out:
	free(all);
	return rc;
}

static int
load_customer(struct dbk_txn *t, const struct dbk_id *id,
    struct dbk_record **out, struct dbk_error *err)
{
	char hex[DBK_ID_HEX];
	int rc = dbk_record_load(t, id, out, err);

	if (rc != 0)
		return rc;
	if (dbk_record_type(*out) != DBK_T_CUSTOMER || dbk_record_deleted(*out)) {
		dbk_record_free(*out);
		*out = NULL;
		dbk_id_format(id, hex);
		return dbki_error_set(err, DBK_ENOTFOUND, "no customer '%s'", hex);
	}
	return 0;
}

int
dbk_log_add(struct dbk_txn *t, const struct dbk_id *cid,
    const struct dbk_field *f, size_t n, const char *const *obj, size_t nobj,
    struct dbk_id *out, int *late, struct dbk_error *err)
{
	struct dbk_record *c = NULL;
	struct dbk_field extra[3], *all = NULL;
	struct dbk_id iid, oid;
	char chex[DBK_ID_HEX], ihex[DBK_ID_HEX], at[24];
	const char *given = input(f, n, "at");
	int64_t when, now = dbki_now(t->s), last;
	size_t total;
	int rc, islate;

	if ((rc = load_customer(t, cid, &c, err)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct dbk_fielddef *fd = dbk_field_lookup(DBK_T_INTERACTION,
		    f[i].name);
		if (fd != NULL && (fd->flags & DBK_F_SYSTEM)) {
			rc = dbki_error_set(err, DBK_EINVAL,
			    "field '%s' is set by dealbook, not by hand", f[i].name);
			goto out;
		}
	}
	if ((rc = moment(t, DBK_T_INTERACTION, "at", given, "interaction time",
	    &when, at, err)) != 0)
		goto out;
	islate = now - when > LATE_AFTER;
	dbk_id_format(cid, chex);
	extra[0] = (struct dbk_field){ "customer", chex };
	extra[1] = (struct dbk_field){ "at", at };
	extra[2] = (struct dbk_field){ "late", islate ? "1" : "0" };
	if ((all = with_extra(f, n, extra, 3, &total)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < total; i++)
		if (strcmp(all[i].name, "at") == 0)
			all[i].value = at;
	if ((rc = dbki_record_create(t, DBK_T_INTERACTION, all, total, 1, &iid,
	    err)) != 0)
		goto out;
	dbk_id_format(&iid, ihex);
	if (islate) {
		/* Kept, never refused, and visible in the audit trail. */
		static const char *const atf[] = { "at" };
		if ((rc = dbki_audit_append(t, "late-entry", DBK_T_INTERACTION,
		    &iid, atf, 1, err)) != 0)
			goto out;
	}
	for (size_t i = 0; i < nobj; i++) {
		struct dbk_field of[] = {
			{ "customer", chex }, { "interaction", ihex },
			{ "text", obj[i] }, { "resolved", "0" }, { "at", at },
		};
		if (obj[i] == NULL || obj[i][0] == '\0') {
			rc = dbki_error_set(err, DBK_EINVAL, "an empty objection");
			goto out;
		}
		if ((rc = dbki_record_create(t, DBK_T_OBJECTION, of, 5, 1, &oid,
		    err)) != 0)
			goto out;
	}
	{
		const char *comp = input(f, n, "competitor");
		if (comp != NULL && *comp != '\0') {
			struct dbk_field cf[] = {
				{ "customer", chex }, { "interaction", ihex },
				{ "name", comp }, { "at", at },
			};
			if ((rc = dbki_record_create(t, DBK_T_COMPETITOR, cf, 4, 1,
			    &oid, err)) != 0)
				goto out;
		}
	}
	/* The customer follows its newest interaction. */
	last = str_i64(dbk_record_str(c, "last_contact"), INT64_MIN);
	if (when >= last) {
		/* A newer interaction without a next action leaves the
		 * pending one in place; one with it replaces it. */
		struct dbk_field cu[4];
		const char *nx = input(f, n, "next"), *tn = input(f, n, "their_next");
		size_t k = 0;
		cu[k++] = (struct dbk_field){ "last_contact", at };
		if (nx != NULL && *nx != '\0') {
			cu[k++] = (struct dbk_field){ "next", nx };
			cu[k++] = (struct dbk_field){ "next_due", input(f, n, "due") };
		}
		if (tn != NULL && *tn != '\0')
			cu[k++] = (struct dbk_field){ "their_next", tn };
		if ((rc = dbki_record_update_loaded(t, c, cu, k, 1, NULL, err)) != 0)
			goto out;
	}
	if (out != NULL)
		*out = iid;
	if (late != NULL)
		*late = islate;
out:
	free(all);
	dbk_record_free(c);
	return rc;
}

/* ---- stages ---- */

static const struct dbk_checkdef checkdefs[] = {
	{ "acceptance", "high|medium|low", "solution acceptance", "方案認可度" },
	{ "authority", "yes|no", "decision authority", "決策權" },
	{ "budget", "yes|no", "budget", "預算" },
	{ "decision_chain", "complete|partial|unknown", "decision chain", "決策鏈完整性" },
	{ "need", "yes|no", "need", "需求" },
	{ "need_clarity", "high|medium|low", "need clarity", "需求明確度" },
	{ "need_match", "0-100", "need-match score", "需求匹配度" },
	{ "payment_plan", "agreed|open", "payment plan", "回款計劃" },
	{ "price_sensitivity", "high|medium|low", "price sensitivity", "價格敏感度" },
	{ "satisfaction", "1-5", "delivery satisfaction", "交付滿意度" },
	{ "signing_risk", "high|medium|low", "signing risk", "簽約風險" },
	{ "terms", "agreed|open", "contract terms", "合同條款" },
};

const struct dbk_checkdef *
dbk_checks(size_t *n)
{
	*n = sizeof checkdefs / sizeof checkdefs[0];
	return checkdefs;
}

static const struct dbk_checkdef *
check_lookup(const char *key)
{
	for (size_t i = 0; i < sizeof checkdefs / sizeof checkdefs[0]; i++)
		if (strcmp(checkdefs[i].key, key) == 0)
			return &checkdefs[i];
	return NULL;
}

/* Is value one of def->values?  Ranges "a-b" take integers. */
static int
check_value_ok(const struct dbk_checkdef *d, const char *v)
{
	const char *p = d->values, *dash = strchr(p, '-');

	if (dash != NULL && strchr(p, '|') == NULL) {
		int64_t lo = str_i64(p, 0), hi = str_i64(dash + 1, 0), x;
		char tmp[8];
		size_t l = (size_t)(dash - p);
		if (l >= sizeof tmp)
			return 0;
		memcpy(tmp, p, l);
		tmp[l] = '\0';
		lo = str_i64(tmp, 0);
		return dbk_parse_int(v, lo, hi, &x) == 0;
	}
	while (*p) {
		const char *e = strchr(p, '|');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (strlen(v) == l && strncmp(p, v, l) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

struct gate_item {
	const char *key;
	const char *need; /* required value, or NULL for "answered" */
};

static const struct {
	enum dbk_stage stage;
	struct gate_item items[3];
} gates[] = {
	{ DBK_STAGE_INTENT, { { "budget", "yes" }, { "need", "yes" }, { "authority", "yes" } } },
	{ DBK_STAGE_PROPOSAL, { { "need_clarity", NULL }, { "acceptance", NULL }, { NULL, NULL } } },
	{ DBK_STAGE_WON, { { "terms", "agreed" }, { "payment_plan", "agreed" }, { NULL, NULL } } },
};

/* The answer to a check: this command's, else the customer's stored one. */
static const char *
answer(const struct dbk_record *c, const struct dbk_stage_opts *o,
    const char *key)
{
	char field[64];

	for (size_t i = 0; i < o->nchecks; i++)
		if (strcmp(o->checks[i].key, key) == 0)
			return o->checks[i].value;
	snprintf(field, sizeof field, "chk_%s", key);
	return dbk_record_str(c, field);
}

/* The stage in force at `when`, from the customer's stage records. */
struct stage_at_ctx {
	int64_t when, best;
	enum dbk_stage st;
};

static int
stage_at_cb(struct dbk_record *r, void *vctx)
{
	struct stage_at_ctx *s = vctx;
	int64_t at = str_i64(dbk_record_str(r, "at"), INT64_MIN);
	const char *v = dbk_record_str(r, "stage");
	enum dbk_stage st;

	if (at <= s->when && at >= s->best && v != NULL &&
	    dbk_parse_stage(v, &st) == 0) {
		s->best = at;
		s->st = st;
	}
	return 0;
}

static int
stage_at_time(struct dbk_txn *t, const struct dbk_id *cid, int64_t when,
    enum dbk_stage *out, struct dbk_error *err)
{
	struct stage_at_ctx s = { when, INT64_MIN, DBK_STAGE_LEAD };
	int rc = dbk_record_children(t, cid, DBK_T_STAGE, stage_at_cb, &s, err);

	*out = s.st;
	return rc;
}

int
dbk_stage_set(struct dbk_txn *t, const struct dbk_id *cid, const char *stage,
    const struct dbk_stage_opts *o, struct dbk_stage_result *res,
    struct dbk_error *err)
{
	static const struct dbk_stage_opts none;
	struct dbk_record *c = NULL;
	struct dbk_field *cu = NULL;
	struct dbki_buf checks, missing;
	enum dbk_stage from, to;
	char at[24], chex[DBK_ID_HEX], *prob = NULL, **chkf = NULL;
	int64_t when;
	int backdated = 0, kept_prob = 0;
	size_t k = 0, nmiss = 0;
	const char *miss[16];
	int rc, forced = 0;

	if (o == NULL)
		o = &none;
	memset(res, 0, sizeof *res);
	dbki_buf_init(&checks, 1 << 16);
	dbki_buf_init(&missing, 1 << 16);
	if (dbk_parse_stage(stage, &to) != 0)
		return dbki_error_set(err, DBK_EINVAL,
		    "invalid stage '%s' (expected %s)", stage, dbk_stage_choices());
	if ((rc = load_customer(t, cid, &c, err)) != 0)
		return rc;
	(void)record_stage(c, &from);
	for (size_t i = 0; i < o->nchecks; i++) {
		const struct dbk_checkdef *d = check_lookup(o->checks[i].key);
		if (d == NULL) {
			size_t nd;
			const struct dbk_checkdef *all = dbk_checks(&nd);
			struct dbki_buf keys;
			dbki_buf_init(&keys, 4096);
			for (size_t j = 0; j < nd; j++) {
				if (j)
					dbki_buf_adds(&keys, ", ");
				dbki_buf_adds(&keys, all[j].key);
			}
			rc = dbki_error_set(err, DBK_EINVAL,
			    "unknown check '%s' (expected one of %s)",
			    o->checks[i].key, keys.p ? keys.p : "");
			dbki_buf_free(&keys);
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(o->checks[j].key, d->key) == 0) {
				rc = dbki_error_set(err, DBK_EINVAL,
				    "check '%s' given twice", d->key);
				goto out;
			}
		}
		if (!check_value_ok(d, o->checks[i].value)) {
			rc = dbki_error_set(err, DBK_EINVAL,
			    "invalid value '%s' for check %s (expected %s)",
			    o->checks[i].value, d->key, d->values);
			goto out;
		}
		if (checks.len)
			dbki_buf_addc(&checks, ';');
		dbki_buf_adds(&checks, d->key);
		dbki_buf_addc(&checks, '=');
		dbki_buf_adds(&checks, o->checks[i].value);
	}
	if ((rc = moment(t, DBK_T_STAGE, "at", o->at, "stage date", &when, at,
	    err)) != 0)
		goto out;
	/*
	 * A change dated before the current stage began is history being
	 * entered late: it moves from the stage in force at that moment and
	 * leaves the current stage alone.
	 */
	if (when < str_i64(dbk_record_str(c, "lead_at"), INT64_MIN)) {
		rc = dbki_error_set(err, DBK_EINVAL, "the stage date '%s' is before "
		    "the customer became a lead", o->at);
		goto out;
	}
	if (when < str_i64(dbk_record_str(c, "stage_at"), INT64_MIN)) {
		if ((rc = stage_at_time(t, cid, when, &from, err)) != 0)
			goto out;
		backdated = 1;
	}
	if (to == from && o->same_ok) {
		res->from = res->to = to;
		res->backdated = backdated;
		goto out;
	}
	if (to == from) {
		rc = dbki_error_set(err, DBK_EINVAL,
		    "the customer is already at stage '%s'%s", dbk_stage_name(to),
		    backdated ? " at that date" : "");
		goto out;
	}
	/* Gates of every stage entered on the way forward. */
	if (to != DBK_STAGE_LOST) {
		enum dbk_stage base = from == DBK_STAGE_LOST ? DBK_STAGE_LEAD : from;
		for (size_t g = 0; g < sizeof gates / sizeof gates[0]; g++) {
			if (!(gates[g].stage > base && gates[g].stage <= to))
				continue;
			for (size_t i = 0; i < 3 && gates[g].items[i].key; i++) {
				const char *key = gates[g].items[i].key;
				const char *want = gates[g].items[i].need;
				const char *have = answer(c, o, key);
				if (have != NULL && (want == NULL || strcmp(have, want) == 0))
					continue;
				if (nmiss < sizeof miss / sizeof miss[0])
					miss[nmiss++] = key;
				if (missing.len)
					dbki_buf_adds(&missing, ", ");
				dbki_buf_adds(&missing, key);
				dbki_buf_adds(&missing, want ? "=" : " answered");
				if (want)
					dbki_buf_adds(&missing, want);
				if (have != NULL) {
					dbki_buf_adds(&missing, " (is ");
					dbki_buf_adds(&missing, have);
					dbki_buf_adds(&missing, ")");
				}
			}
		}
	}
	if (missing.len > 0) {
		if (!o->force) {
			rc = dbki_error_set(err, DBK_EGATE,
			    "cannot move to stage '%s': the gate needs %s (answer "
			    "with --check KEY=VALUE, or override with --force)",
			    dbk_stage_name(to), missing.p);
			goto out;
		}
		forced = 1;
	}
	if (o->probability != NULL &&
	    (rc = normalize_one(t, DBK_T_STAGE, "probability", o->probability,
	    &prob, err)) != 0)
		goto out;
	dbk_id_format(cid, chex);
	{
		struct dbk_field sf[] = {
			{ "customer", chex }, { "stage", dbk_stage_name(to) },
			{ "from", dbk_stage_name(from) }, { "at", at },
			{ "checks", checks.p }, { "note", o->note },
			{ "forced", forced ? "1" : NULL }, { "probability", prob },
		};
		if ((rc = dbki_record_create(t, DBK_T_STAGE, sf, 8, 1, &res->id,
		    err)) != 0)
			goto out;
	}
	/* An overridden gate is its own audit entry, naming what was
	 * missing. */
	if (forced && (rc = dbki_audit_append(t, "gate-override", DBK_T_STAGE,
	    &res->id, miss, nmiss, err)) != 0)
		goto out;
	/* Customer: stage, when, accumulated answers, override. */
	cu = calloc(3 + o->nchecks, sizeof *cu);
	chkf = calloc(o->nchecks + 1, sizeof *chkf);
	if (cu == NULL || chkf == NULL)
		goto nomem;
	if (!backdated) {
		cu[k++] = (struct dbk_field){ "stage", dbk_stage_name(to) };
		cu[k++] = (struct dbk_field){ "stage_at", at };
	}
	if (prob != NULL)
		cu[k++] = (struct dbk_field){ "probability", prob };
	for (size_t i = 0; i < o->nchecks; i++) {
		if (asprintf(&chkf[i], "chk_%s", o->checks[i].key) < 0) {
			chkf[i] = NULL;
			goto nomem;
		}
		/* Each check is answered once (repeats were refused above). */
		cu[k++] = (struct dbk_field){ chkf[i], o->checks[i].value };
	}
	/* Read what the result reports before the update changes c. */
	res->override_kept = prob == NULL && dbk_record_str(c, "probability") != NULL;
	kept_prob = res->override_kept ?
	    (int)str_i64(dbk_record_str(c, "probability"), 0) : 0;
	if ((rc = dbki_record_update_loaded(t, c, cu, k, 1, NULL, err)) != 0)
		goto out;
	res->from = from;
	res->backdated = backdated;
	res->to = to;
	res->forced = forced;
	res->probability = prob != NULL ? (int)str_i64(prob, 0) :
	    res->override_kept ? kept_prob : default_prob[to];
	rc = 0;
	goto out;
nomem:
	rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
out:
	if (chkf != NULL)
		for (size_t i = 0; i < o->nchecks; i++)
			free(chkf[i]);
	free(chkf);
	free(cu);
	free(prob);
	dbki_buf_free(&checks);
	dbki_buf_free(&missing);
	dbk_record_free(c);
	return rc;
}

/* ---- deals, payments, objections ---- */

/* Amounts of deals and payments are more than nothing. */
static int
check_amount(struct dbk_txn *t, enum dbk_type type, const char *amount,
    struct dbk_error *err)
{
	char *canon = NULL;
	int rc;

	if (amount == NULL || *amount == '\0')
		return dbki_error_set(err, DBK_EINVAL, "an amount is needed");
	if ((rc = normalize_one(t, type, "amount", amount, &canon, err)) != 0)
		return rc;
	rc = strcmp(canon, "0") == 0 ? dbki_error_set(err, DBK_EINVAL,
	    "the amount '%s' is zero", amount) : 0;
	sodium_memzero(canon, strlen(canon));
	free(canon);
	return rc;
}

/* A day something happened: not after today, not before `floor` (a
 * YYYY-MM-DD, may be NULL). */
static int
check_day(struct dbk_txn *t, enum dbk_type type, const char *field,
    const char *given, const char *what, const char *floor,
    struct dbk_error *err)
{
	char *canon = NULL;
	int32_t d, today;
	int rc;

	if (given == NULL || *given == '\0')
		given = "today";
	if ((rc = normalize_one(t, type, field, given, &canon, err)) != 0)
		return rc;
	if (dbk_parse_date(canon, 0, &d) != 0 ||
	    dbk_parse_date("today", dbki_now(t->s), &today) != 0)
		rc = dbki_error_set(err, DBK_EINVAL, "invalid %s '%s'", what, given);
	else if (d > today)
		rc = dbki_error_set(err, DBK_EINVAL, "the %s '%s' lies in the "
		    "future", what, given);
	else if (floor != NULL && strcmp(canon, floor) < 0)
		rc = dbki_error_set(err, DBK_EINVAL, "the %s '%s' is before the "
		    "deal was signed (%s)", what, given, floor);
	free(canon);
	return rc;
}

int
dbk_deal_add(struct dbk_txn *t, const struct dbk_id *cid, const char *amount,
    const char *signed_on, struct dbk_id *out, struct dbk_error *err)
{
	struct dbk_record *c = NULL;
	char chex[DBK_ID_HEX];
	int rc;

	if ((rc = load_customer(t, cid, &c, err)) != 0)
		return rc;
	dbk_record_free(c);
	if ((rc = check_amount(t, DBK_T_DEAL, amount, err)) != 0 ||
	    (rc = check_day(t, DBK_T_DEAL, "signed", signed_on, "signing date",
	    NULL, err)) != 0)
		return rc;
	dbk_id_format(cid, chex);
	{
		struct dbk_field f[] = {
			{ "customer", chex }, { "amount", amount },
			{ "signed", signed_on && *signed_on ? signed_on : "today" },
		};
		return dbki_record_create(t, DBK_T_DEAL, f, 3, 1, out, err);
	}
}

int
dbk_payment_add(struct dbk_txn *t, const struct dbk_id *did, const char *amount,
    const char *at, struct dbk_id *out, struct dbk_error *err)
{
	struct dbk_record *d = NULL;
	char dhex[DBK_ID_HEX];
	const char *cust;
	int rc;

	if ((rc = dbk_record_load(t, did, &d, err)) != 0)
		return rc;
	dbk_id_format(did, dhex);
	if (dbk_record_type(d) != DBK_T_DEAL || dbk_record_deleted(d) ||
	    (cust = dbk_record_str(d, "customer")) == NULL) {
		dbk_record_free(d);
		return dbki_error_set(err, DBK_ENOTFOUND, "no deal '%s'", dhex);
	}
	{
		/* The deal's customer must still be there. */
		struct dbk_record *c = NULL;
		struct dbk_id cid;
		if (dbk_id_parse(cust, &cid) != 0 ||
		    load_customer(t, &cid, &c, NULL) != 0) {
			dbk_record_free(d);
			return dbki_error_set(err, DBK_ENOTFOUND,
			    "deal '%.8s' belongs to a removed customer", dhex);
		}
		dbk_record_free(c);
	}
	if ((rc = check_amount(t, DBK_T_PAYMENT, amount, err)) != 0 ||
	    (rc = check_day(t, DBK_T_PAYMENT, "at", at, "payment date",
	    dbk_record_str(d, "signed"), err)) != 0) {
		dbk_record_free(d);
		return rc;
	}
	{
		struct dbk_field f[] = {
			{ "deal", dhex }, { "customer", cust }, { "amount", amount },
			{ "at", at && *at ? at : "today" },
		};
		rc = dbki_record_create(t, DBK_T_PAYMENT, f, 4, 1, out, err);
	}
	dbk_record_free(d);
	return rc;
}

int
dbk_objection_resolve(struct dbk_txn *t, const struct dbk_id *oid,
    const char *response, struct dbk_error *err)
{
	struct dbk_record *o = NULL;
	char hex[DBK_ID_HEX], now[24];
	int rc;

	if ((rc = dbk_record_load(t, oid, &o, err)) != 0)
		return rc;
	dbk_id_format(oid, hex);
	if (dbk_record_type(o) != DBK_T_OBJECTION || dbk_record_deleted(o)) {
		dbk_record_free(o);
		return dbki_error_set(err, DBK_ENOTFOUND, "no objection '%s'", hex);
	}
	if (dbk_record_str(o, "resolved") != NULL &&
	    strcmp(dbk_record_str(o, "resolved"), "1") == 0) {
		dbk_record_free(o);
		return dbki_error_set(err, DBK_EINVAL,
		    "objection '%.8s' is already resolved", hex);
	}
	dbk_record_free(o);
	fmt_at(now, dbki_now(t->s));
	{
		struct dbk_field f[] = {
			{ "resolved", "1" }, { "resolved_at", now },
			{ "response", response },
		};
		return dbk_record_update_sys(t, oid, f, response ? 3 : 2, NULL,
		    err);
	}
}

/* ---- views ---- */

void
dbk_list_free(struct dbk_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		dbk_record_free(l->r[i]);
	free(l->r);
	memset(l, 0, sizeof *l);
}

static int
list_push(struct dbk_list *l, struct dbk_record *r)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct dbk_record **nr = realloc(l->r, cap * sizeof *nr);
		if (nr == NULL)
			return -1;
		l->r = nr;
		l->cap = cap;
	}
	l->r[l->n++] = r;
	return 0;
}

static int64_t
date_time(const char *d)
{
	int32_t days;
	int64_t t;
	char buf[32];

	/* A date means local midnight. */
	if (d == NULL || dbk_parse_date(d, 0, &days) != 0)
		return INT64_MIN;
	snprintf(buf, sizeof buf, "%s", d);
	if (dbk_parse_datetime(buf, 0, &t) != 0)
		return (int64_t)days * DAY;
	return t;
}

int64_t
dbk_event_time(const struct dbk_record *r)
{
	switch (dbk_record_type(r)) {
	case DBK_T_INTERACTION:
	case DBK_T_STAGE:
	case DBK_T_OBJECTION:
	case DBK_T_COMPETITOR:
		return str_i64(dbk_record_str(r, "at"),
		    str_i64(dbk_record_str(r, "created"), 0));
	case DBK_T_DEAL:
		return date_time(dbk_record_str(r, "signed"));
	case DBK_T_PAYMENT:
		return date_time(dbk_record_str(r, "at"));
	case DBK_T_PLAN:
		return date_time(dbk_record_str(r, "due"));
	default:
		return str_i64(dbk_record_str(r, "created"), 0);
	}
}

/* The walk callbacks hand over records that the walker then frees, so
 * keep a loaded copy instead. */
struct collect {
	struct dbk_txn *t;
	struct dbk_list *l;
	struct dbk_error *err;
	int rc;
};

static int
collect_cb(struct dbk_record *r, void *vctx)
{
	struct collect *c = vctx;
	struct dbk_record *copy = NULL;
	int rc = dbki_record_load(c->t, r->type, &r->id, &copy, c->err);

	if (rc != 0)
		return rc;
	if (list_push(c->l, copy) != 0) {
		dbk_record_free(copy);
		return dbki_error_set(c->err, DBK_ENOMEM, "out of memory");
	}
	return 0;
}

static int
event_cmp(const void *a, const void *b)
{
	const struct dbk_record *x = *(const struct dbk_record *const *)a;
	const struct dbk_record *y = *(const struct dbk_record *const *)b;
	int64_t tx = dbk_event_time(x), ty = dbk_event_time(y);

	uint64_t hx = 0, hy = 0;
	const char *who;

	if (tx != ty)
		return tx < ty ? -1 : 1;
	/* At the same moment, the order they were entered in: ids made in
	 * the same millisecond order by chance, versions never do. */
	(void)dbk_record_version(x, "created", &hx, &who);
	(void)dbk_record_version(y, "created", &hy, &who);
	if (hx != hy)
		return hx < hy ? -1 : 1;
	return memcmp(x->id.b, y->id.b, 16);
}

int
dbk_timeline(struct dbk_txn *t, const struct dbk_id *cid, struct dbk_list *out,
    struct dbk_error *err)
{
	static const enum dbk_type kinds[] = {
		DBK_T_INTERACTION, DBK_T_OBJECTION, DBK_T_COMPETITOR, DBK_T_STAGE,
		DBK_T_DEAL, DBK_T_PAYMENT, DBK_T_PLAN,
	};
	struct dbk_record *c = NULL;
	struct collect cc = { t, out, err, 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = load_customer(t, cid, &c, err)) != 0)
		return rc;
	dbk_record_free(c);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if ((rc = dbk_record_children(t, cid, kinds[i], collect_cb, &cc,
		    err)) != 0) {
			dbk_list_free(out);
			return rc;
		}
	}
	if (out->n > 1)
		qsort(out->r, out->n, sizeof *out->r, event_cmp);
	return 0;
}

static int
todo_cb(struct dbk_record *r, void *vctx)
{
	const char *next = dbk_record_str(r, "next");

	if (next == NULL || *next == '\0')
		return 0;
	return collect_cb(r, vctx);
}

static int
due_cmp(const void *a, const void *b)
{
	const struct dbk_record *x = *(const struct dbk_record *const *)a;
	const struct dbk_record *y = *(const struct dbk_record *const *)b;
	const char *dx = dbk_record_str(x, "next_due");
	const char *dy = dbk_record_str(y, "next_due");
	int c;

	if (dx == NULL || dy == NULL) {
		if (dx != dy)
			return dx == NULL ? 1 : -1;
	} else if ((c = strcmp(dx, dy)) != 0) {
		return c; /* YYYY-MM-DD sorts as text */
	}
	return memcmp(x->id.b, y->id.b, 16);
}

int
dbk_todo(struct dbk_txn *t, struct dbk_list *out, struct dbk_error *err)
{
	struct collect cc = { t, out, err, 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = dbk_record_foreach(t, DBK_T_CUSTOMER, todo_cb, &cc, err)) != 0) {
		dbk_list_free(out);
		return rc;
	}
	if (out->n > 1)
		qsort(out->r, out->n, sizeof *out->r, due_cmp);
	return 0;
}

int
dbk_customer_open(const struct dbk_record *c)
{
	enum dbk_stage st;

	(void)record_stage(c, &st);
	return st <= DBK_STAGE_NEGOTIATION;
}

/* The stalled rule on canonical values: open, no committed next step
 * dated today or later, and no interaction for more than `days` days. */
static int
stalled(const char *stage, const char *due, const char *last_contact,
    const char *stage_at, const char *created, int64_t now, int days)
{
	enum dbk_stage st;
	int64_t last;

	if (stage == NULL || dbk_parse_stage(stage, &st) != 0)
		st = DBK_STAGE_LEAD;
	if (st > DBK_STAGE_NEGOTIATION)
		return 0;
	if (due != NULL) {
		int32_t d, today;
		if (dbk_parse_date(due, now, &d) == 0 &&
		    dbk_parse_date("today", now, &today) == 0 && d >= today)
			return 0;
	}
	last = str_i64(last_contact, INT64_MIN);
	if (last == INT64_MIN)
		last = str_i64(stage_at, str_i64(created, now));
	return now - last > (int64_t)days * DAY;
}

int
dbk_customer_stalled(const struct dbk_record *c, int64_t now, int days)
{
	return stalled(dbk_record_str(c, "stage"), dbk_record_str(c, "next_due"),
	    dbk_record_str(c, "last_contact"), dbk_record_str(c, "stage_at"),
	    dbk_record_str(c, "created"), now, days);
}

int
dbk_customer_row_stalled(const struct dbk_customer_row *row, int64_t now,
    int days)
{
	return stalled(row->stage, row->next_due, row->last_contact,
	    row->stage_at, row->created, now, days);
}

int
dbk_customer_row_probability(const struct dbk_customer_row *row)
{
	enum dbk_stage st;
	int64_t v;

	if (row->probability != NULL &&
	    dbk_parse_int(row->probability, 0, 100, &v) == 0)
		return (int)v;
	if (row->stage == NULL || dbk_parse_stage(row->stage, &st) != 0)
		st = DBK_STAGE_LEAD;
	return default_prob[st];
}


/* ---- follow-up plan milestones ---- */

static const struct {
	const char *key, *zh;
	int stage;		/* reached: done; -1: the first interaction */
} milestones[] = {
	{ "first-contact", "首次接觸", -1 },
	{ "needs", "需求挖掘", DBK_STAGE_INTENT },
	{ "proposal", "方案", DBK_STAGE_PROPOSAL },
	{ "negotiation", "談判", DBK_STAGE_NEGOTIATION },
};
#define NMILESTONES (sizeof milestones / sizeof milestones[0])

const char *
dbk_milestone_choices(void)
{
	return "first-contact, needs, proposal, negotiation (首次接觸, 需求挖掘, "
	    "方案, 談判)";
}

static int
milestone_find(const char *s)
{
	for (size_t i = 0; i < NMILESTONES; i++)
		if (strcmp(s, milestones[i].key) == 0 ||
		    strcmp(s, milestones[i].zh) == 0)
			return (int)i;
	/* Simplified forms and the stage names themselves. */
	if (strcmp(s, "首次接触") == 0)
		return 0;
	if (strcmp(s, "谈判") == 0)
		return 3;
	return -1;
}

int
dbk_plan_add(struct dbk_txn *t, const struct dbk_id *cid,
    const char *milestone, const char *due, const char *owner,
    const char *note, struct dbk_id *out, struct dbk_error *err)
{
	struct dbk_record *c = NULL;
	char hex[DBK_ID_HEX];
	struct dbk_field f[5];
	size_t n = 0;
	int m, rc;

	if ((m = milestone_find(milestone)) < 0)
		return dbki_error_set(err, DBK_EINVAL, "invalid milestone '%s' "
		    "(expected %s)", milestone, dbk_milestone_choices());
	if ((rc = load_customer(t, cid, &c, err)) != 0)
		return rc;
	if (owner == NULL || *owner == '\0')
		owner = dbk_record_str(c, "owner");
	dbk_id_format(cid, hex);
	f[n].name = "customer";
	f[n++].value = hex;
	f[n].name = "milestone";
	f[n++].value = milestones[m].key;
	f[n].name = "due";
	f[n++].value = due;
	if (owner != NULL) {
		f[n].name = "owner";
		f[n++].value = owner;
	}
	if (note != NULL && *note != '\0') {
		f[n].name = "note";
		f[n++].value = note;
	}
	rc = dbk_record_create(t, DBK_T_PLAN, f, n, out, err);
	dbk_record_free(c);
	return rc;
}

struct reach {
	int want;		/* stage, or -1 for any interaction */
	int found;
};

static int
reach_cb(struct dbk_record *r, void *vctx)
{
	struct reach *q = vctx;
	enum dbk_stage st;
	const char *s;

	if (q->want < 0) {
		q->found = 1;
		return 1;
	}
	s = dbk_record_str(r, "stage");
	if (s != NULL && dbk_parse_stage(s, &st) == 0 && st != DBK_STAGE_LOST &&
	    (int)st >= q->want) {
		q->found = 1;
		return 1;
	}
	return 0;
}

int
dbk_plan_done(struct dbk_txn *t, const struct dbk_record *plan, int *done,
    struct dbk_error *err)
{
	const char *ms = dbk_record_str(plan, "milestone");
	const char *cs = dbk_record_str(plan, "customer");
	struct reach q = { 0, 0 };
	struct dbk_id cid;
	int m, rc;

	*done = 0;
	if (ms == NULL || (m = milestone_find(ms)) < 0 || cs == NULL ||
	    dbk_id_parse(cs, &cid) != 0)
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "a plan milestone is malformed");
	q.want = milestones[m].stage;
	/* Reached once is done, whatever came after (a backward move or a
	 * loss does not undo a proposal that was made). */
	rc = dbk_record_children(t, &cid, q.want < 0 ? DBK_T_INTERACTION :
	    DBK_T_STAGE, reach_cb, &q, err);
	if (rc < 0)
		return rc;
	*done = q.found;
	return 0;
}

static int
plan_open_cb(struct dbk_record *r, void *vctx)
{
	struct collect *c = vctx;
	int done;
	int rc = dbk_plan_done(c->t, r, &done, c->err);

	if (rc != 0)
		return rc;
	return done ? 0 : collect_cb(r, vctx);
}

int
dbk_plan_open(struct dbk_txn *t, struct dbk_list *out, struct dbk_error *err)
{
	struct collect cc = { t, out, err, 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = dbk_record_foreach(t, DBK_T_PLAN, plan_open_cb, &cc,
	    err)) != 0) {
		dbk_list_free(out);
		return rc;
	}
	/* Only customers still in play. */
	for (size_t i = 0; i < out->n; ) {
		const char *cs = dbk_record_str(out->r[i], "customer");
		struct dbk_record *c = NULL;
		struct dbk_id cid;
		int keep = cs != NULL && dbk_id_parse(cs, &cid) == 0 &&
		    load_customer(t, &cid, &c, err) == 0 && dbk_customer_open(c);
		dbk_error_clear(err);
		dbk_record_free(c);
		if (keep) {
			i++;
			continue;
		}
		dbk_record_free(out->r[i]);
		out->r[i] = out->r[--out->n];
	}
	if (out->n > 1)
		qsort(out->r, out->n, sizeof *out->r, event_cmp);
	return 0;
}
