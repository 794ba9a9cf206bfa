/*
 * evalrun.c -- goals, reviews, evaluations against the store, and audited
 * evaluation runs (evalrun.h, DESIGN §6).
 *
 * A run's inputs are the facts that can bear on its results: customers
 * that existed by the period's end or that a fact before it names;
 * interactions, stage changes and objections before the end; deals and
 * payments up to its last day; the goals of the period and the previous
 * one and the period's reviews.  Each input is one entry: type, record id
 * and the first 8 bytes of a BLAKE2b hash of the fact's canonical bytes;
 * the digest is BLAKE2b-256 over the sorted entries.  The results and the
 * entries are kept as blobs under the run's id (blob.c), bound by hashes
 * the signature covers.  Verification recomputes both and names the
 * entries that differ.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "bundle.h"
#include "internal.h"
#include "record_int.h"
#include "dealbook/evalrun.h"
#include "dealbook/roster.h"

#define IN_HASH 8
#define IN_ENTRY (1 + 16 + IN_HASH)

/* Input kinds, in the order they sort. */
enum { IN_CUSTOMER = 1, IN_STAGE, IN_DEAL, IN_PAYMENT, IN_OBJECTION, IN_GOAL,
	IN_REVIEW, IN_INTERACTION };

static const char *const in_names[] = { "", "customer", "stage", "deal",
	"payment", "objection", "goal", "review", "interaction" };

/* ---- goals and reviews ---- */

struct goal_find {
	const char *period, *metric, *member;
	struct dbk_id id;
	int found;
};

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
goal_find_cb(struct dbk_record *r, void *vctx)
{
	struct goal_find *g = vctx;

	if (same_str(dbk_record_str(r, "period"), g->period) &&
	    same_str(dbk_record_str(r, "metric"), g->metric) &&
	    same_str(dbk_record_str(r, "member"), g->member)) {
		g->id = *dbk_record_id(r);
		g->found = 1;
	}
	return 0;
}

int
dbk_goal_set(struct dbk_txn *t, const char *period, const char *metric,
    const char *member, const char *target, const char *benchmark,
    int utc_offset_min, struct dbk_id *out, int *replaced,
    struct dbk_error *err)
{
	struct dbk_period p;
	struct goal_find gf;
	struct dbk_field f[5];
	char tbuf[24], bbuf[24];
	int64_t tv, bv;
	size_t n = 0;
	int rc, md = dbk_store_minor_digits(t->s);

	*replaced = 0;
	if ((rc = dbk_period_parse(period, utc_offset_min, &p, err)) != 0)
		return rc;
	if ((rc = dbk_metric_parse_value(metric, target, md, &tv, err)) != 0)
		return rc;
	if (benchmark != NULL && (rc = dbk_metric_parse_value(metric, benchmark,
	    md, &bv, err)) != 0)
		return rc;
	if (member != NULL && *member == '\0')
		member = NULL;
	snprintf(tbuf, sizeof tbuf, "%" PRId64, tv);
	memset(&gf, 0, sizeof gf);
	gf.period = p.label;
	gf.metric = metric;
	gf.member = member;
	if ((rc = dbk_record_foreach(t, DBK_T_GOAL, goal_find_cb, &gf, err)) != 0)
		return rc;
	f[n].name = "target";
	f[n++].value = tbuf;
	if (benchmark != NULL) {
		snprintf(bbuf, sizeof bbuf, "%" PRId64, bv);
		f[n].name = "benchmark";
		f[n++].value = bbuf;
	}
	if (gf.found) {
		*out = gf.id;
		*replaced = 1;
		return dbk_record_update(t, &gf.id, f, n, NULL, err);
	}
	f[n].name = "period";
	f[n++].value = p.label;
	f[n].name = "metric";
	f[n++].value = metric;
	if (member != NULL) {
		f[n].name = "member";
		f[n++].value = member;
	}
	return dbk_record_create(t, DBK_T_GOAL, f, n, out, err);
}

int
dbk_review_add(struct dbk_txn *t, const char *period, const char *member,
    const char *success, const char *problem, const char *action,
    int utc_offset_min, struct dbk_id *out, struct dbk_error *err)
{
	struct dbk_period p;
	struct dbk_field f[5];
	size_t n = 0;
	int rc;

	if ((rc = dbk_period_parse(period, utc_offset_min, &p, err)) != 0)
		return rc;
	if ((success == NULL || *success == '\0') &&
	    (problem == NULL || *problem == '\0') &&
	    (action == NULL || *action == '\0'))
		return dbki_error_set(err, DBK_EINVAL, "a review needs at least "
		    "one of --success, --problem and --action");
	f[n].name = "period";
	f[n++].value = p.label;
	if (member != NULL && *member != '\0') {
		f[n].name = "member";
		f[n++].value = member;
	}
	if (success != NULL && *success != '\0') {
		f[n].name = "success";
		f[n++].value = success;
	}
	if (problem != NULL && *problem != '\0') {
		f[n].name = "problem";
		f[n++].value = problem;
	}
	if (action != NULL && *action != '\0') {
		f[n].name = "action";
		f[n++].value = action;
	}
	return dbk_record_create(t, DBK_T_REVIEW, f, n, out, err);
}

/* ---- evaluating the store ---- */

static int
compute(struct dbk_txn *t, const char *period, enum dbk_scope by,
    int stalled_days, int utc_offset_min, struct dbk_facts **fout,
    struct dbk_period *pout, struct dbk_eval **out, struct dbk_error *err)
{
	struct dbk_facts *f = NULL;
	int rc;

	*out = NULL;
	if ((rc = dbk_period_parse(period, utc_offset_min, pout, err)) != 0)
		return rc;
	if ((rc = dbk_eval_facts(t, &f, err)) != 0)
		return rc;
	rc = dbk_eval_compute(f, pout, by, stalled_days > 0 ? stalled_days : 14,
	    out, err);
	if (rc != 0 || fout == NULL)
		dbk_facts_free(f);
	else
		*fout = f;
	return rc;
}

int
dbk_eval_store(struct dbk_txn *t, const char *period, enum dbk_scope by,
    int stalled_days, int utc_offset_min, struct dbk_eval **out,
    struct dbk_facts **facts, struct dbk_error *err)
{
	struct dbk_period p;

	*facts = NULL;
	return compute(t, period, by, stalled_days, utc_offset_min, facts, &p,
	    out, err);
}

/* ---- inputs ---- */

static void
hash_hex(const void *p, size_t n, char hex[65])
{
	uint8_t d[32];

	crypto_generichash(d, sizeof d, p, n, NULL, 0);
	dbki_hex(hex, d, sizeof d);
}

struct hbuf {
	crypto_generichash_state st;
};

static void
h_u64(struct hbuf *h, uint64_t v)
{
	uint8_t b[8];

	dbki_le64(b, v);
	crypto_generichash_update(&h->st, b, 8);
}

static void
h_str(struct hbuf *h, const char *s)
{
	if (s == NULL) {
		h_u64(h, UINT64_MAX);
		return;
	}
	h_u64(h, strlen(s));
	crypto_generichash_update(&h->st, (const uint8_t *)s, strlen(s));
}

static void
h_begin(struct hbuf *h, int kind, const struct dbk_id *id)
{
	uint8_t k = (uint8_t)kind;

	crypto_generichash_init(&h->st, NULL, 0, IN_HASH);
	crypto_generichash_update(&h->st, &k, 1);
	crypto_generichash_update(&h->st, id->b, 16);
}

struct inputs {
	uint8_t *e;
	size_t n, cap;
	int oom;
};

static uint8_t *
in_add(struct inputs *in, int kind, const struct dbk_id *id)
{
	uint8_t *p;

	if (in->n == in->cap) {
		size_t nc = in->cap ? in->cap * 2 : 256;
		uint8_t *ne = realloc(in->e, nc * IN_ENTRY);
		if (ne == NULL) {
			in->oom = 1;
			return NULL;
		}
		in->e = ne;
		in->cap = nc;
	}
	p = in->e + in->n++ * IN_ENTRY;
	p[0] = (uint8_t)kind;
	memcpy(p + 1, id->b, 16);
	return p + 17;
}

static int
entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 17);
}

/* The entries of every fact that can bear on a run of period p, sorted. */
static int
build_inputs(const struct dbk_facts *f, const struct dbk_period *p,
    const struct dbk_period *prev, struct inputs *in)
{
	uint8_t *used = NULL;
	struct hbuf h;
	uint8_t *o;
	long ci;

	memset(in, 0, sizeof *in);
	/* A customer is an input when it existed by the end or any fact
	 * before the end names it (its group decides where that counts). */
	if ((used = calloc(f->ncustomers + 1, 1)) == NULL)
		return -1;
	for (size_t i = 0; i < f->ncustomers; i++)
		used[i] = f->customers[i].lead_at < p->end;
#define USE(cust) do { \
	if ((ci = dbki_facts_customer(f, (cust))) >= 0) \
		used[ci] = 1; \
} while (0)
	for (size_t i = 0; i < f->ninteractions; i++)
		if (f->interactions[i].at < p->end)
			USE(&f->interactions[i].customer);
	for (size_t i = 0; i < f->nstages; i++)
		if (f->stages[i].at < p->end)
			USE(&f->stages[i].customer);
	for (size_t i = 0; i < f->nobjections; i++)
		if (f->objections[i].at < p->end)
			USE(&f->objections[i].customer);
	for (size_t i = 0; i < f->ndeals; i++)
		if (f->deals[i].signed_day <= p->last_day)
			USE(&f->deals[i].customer);
	for (size_t i = 0; i < f->npayments; i++)
		if (f->payments[i].day <= p->last_day)
			USE(&f->payments[i].customer);
#undef USE
	for (size_t i = 0; i < f->ncustomers; i++) {
		const struct dbk_fact_customer *c = &f->customers[i];
		if (!used[i])
			continue;
		h_begin(&h, IN_CUSTOMER, &c->id);
		h_str(&h, c->owner);
		h_str(&h, c->industry);
		h_u64(&h, (uint64_t)(int64_t)c->priority);
		h_u64(&h, (uint64_t)c->lead_at);
		h_u64(&h, (uint64_t)(c->expected_known ? c->expected : -1));
		h_u64(&h, (uint64_t)c->expected_restricted);
		h_u64(&h, (uint64_t)c->next_due_day);
		if ((o = in_add(in, IN_CUSTOMER, &c->id)) == NULL)
			goto oom;
		crypto_generichash_final(&h.st, o, IN_HASH);
	}
	free(used);
	used = NULL;
	for (size_t i = 0; i < f->ninteractions; i++) {
		const struct dbk_fact_interaction *x = &f->interactions[i];
		if (x->at >= p->end)
			continue;
		h_begin(&h, IN_INTERACTION, &x->id);
		crypto_generichash_update(&h.st, x->customer.b, 16);
		h_u64(&h, (uint64_t)x->at);
		h_u64(&h, (uint64_t)x->late);
		h_u64(&h, (uint64_t)(int64_t)x->channel);
		h_u64(&h, (uint64_t)x->due_day);
		if ((o = in_add(in, IN_INTERACTION, &x->id)) == NULL)
			goto oom;
		crypto_generichash_final(&h.st, o, IN_HASH);
	}
	for (size_t i = 0; i < f->nstages; i++) {
		const struct dbk_fact_stage *s = &f->stages[i];
		if (s->at >= p->end)
			continue;
		h_begin(&h, IN_STAGE, &s->id);
		crypto_generichash_update(&h.st, s->customer.b, 16);
		h_u64(&h, (uint64_t)s->at);
		h_u64(&h, (uint64_t)(int64_t)s->from);
		h_u64(&h, (uint64_t)(int64_t)s->to);
		h_u64(&h, (uint64_t)(int64_t)s->need_match);
		if ((o = in_add(in, IN_STAGE, &s->id)) == NULL)
			goto oom;
		crypto_generichash_final(&h.st, o, IN_HASH);
	}
	for (size_t i = 0; i < f->ndeals; i++) {
		const struct dbk_fact_deal *d = &f->deals[i];
		if (d->signed_day > p->last_day)
			continue;
		h_begin(&h, IN_DEAL, &d->id);
		crypto_generichash_update(&h.st, d->customer.b, 16);
		h_u64(&h, (uint64_t)(int64_t)d->signed_day);
		h_u64(&h, (uint64_t)(d->amount_known ? d->amount : -1));
		if ((o = in_add(in, IN_DEAL, &d->id)) == NULL)
			goto oom;
		crypto_generichash_final(&h.st, o, IN_HASH);
	}
	for (size_t i = 0; i < f->npayments; i++) {
		const struct dbk_fact_payment *y = &f->payments[i];
		if (y->day > p->last_day)
			continue;
		h_begin(&h, IN_PAYMENT, &y->id);
		crypto_generichash_update(&h.st, y->deal.b, 16);
		crypto_generichash_update(&h.st, y->customer.b, 16);
		h_u64(&h, (uint64_t)(int64_t)y->day);
		h_u64(&h, (uint64_t)(y->amount_known ? y->amount : -1));
		if ((o = in_add(in, IN_PAYMENT, &y->id)) == NULL)
			goto oom;
		crypto_generichash_final(&h.st, o, IN_HASH);
	}
	for (size_t i = 0; i < f->nobjections; i++) {
		const struct dbk_fact_objection *b = &f->objections[i];
		if (b->at >= p->end)
			continue;
		h_begin(&h, IN_OBJECTION, &b->id);
		crypto_generichash_update(&h.st, b->customer.b, 16);
		h_u64(&h, (uint64_t)b->at);
		h_u64(&h, (uint64_t)b->resolved);
		h_u64(&h, (uint64_t)b->resolved_at);
		if ((o = in_add(in, IN_OBJECTION, &b->id)) == NULL)
			goto oom;
		crypto_generichash_final(&h.st, o, IN_HASH);
	}
	for (size_t i = 0; i < f->ngoals; i++) {
		const struct dbk_fact_goal *g = &f->goals[i];
		if (strcmp(g->period, p->label) != 0 &&
		    strcmp(g->period, prev->label) != 0)
			continue;
		h_begin(&h, IN_GOAL, &g->id);
		h_str(&h, g->period);
		h_str(&h, g->metric);
		h_str(&h, g->member);
		h_u64(&h, (uint64_t)g->target);
		h_u64(&h, (uint64_t)(g->has_benchmark ? g->benchmark : INT64_MIN));
		if ((o = in_add(in, IN_GOAL, &g->id)) == NULL)
			goto oom;
		crypto_generichash_final(&h.st, o, IN_HASH);
	}
	for (size_t i = 0; i < f->nreviews; i++) {
		const struct dbk_fact_review *r = &f->reviews[i];
		if (strcmp(r->period, p->label) != 0)
			continue;
		h_begin(&h, IN_REVIEW, &r->id);
		h_str(&h, r->period);
		h_str(&h, r->member);
		h_str(&h, r->success);
		h_str(&h, r->problem);
		h_str(&h, r->action);
		if ((o = in_add(in, IN_REVIEW, &r->id)) == NULL)
			goto oom;
		crypto_generichash_final(&h.st, o, IN_HASH);
	}
	qsort(in->e, in->n, IN_ENTRY, entry_cmp);
	return 0;
oom:
	free(used);
	free(in->e);
	in->e = NULL;
	return -1;
}

static void
inputs_digest(const struct inputs *in, char hex[65])
{
	hash_hex(in->e, in->n * IN_ENTRY, hex);
}

/* ---- signing ---- */

static const char *const signed_fields[] = { "by", "by_scope", "created",
	"digest", "metrics_version", "ninputs", "params", "period",
	"results_hash", "signer" };

/* The run's large values, kept as blobs under its id. */
#define TAG_RESULTS 'r'
#define TAG_INPUTS 'i'


/* Everything signed: a context string, the run's id, then each field
 * as name, NUL, 64-bit length (all ones when absent) and bytes. */
static int
signed_bytes(const struct dbk_record *r, struct dbki_buf *b)
{
	return dbki_record_signed_bytes(r, "dbk-evalrun-v1", signed_fields,
	    sizeof(signed_fields) / sizeof(*signed_fields), b);
}

/* The Ed25519 public key of an identity "dbk1:<base64 of ed ‖ x>". */
static int
identity_ed(const char *ident, uint8_t pk[32])
{
	uint8_t both[64 + 3];
	long n;

	if (ident == NULL || strncmp(ident, "dbk1:", 5) != 0)
		return -1;
	n = dbki_b64_decode(both, sizeof both, ident + 5, strlen(ident + 5));
	if (n != 64)
		return -1;
	memcpy(pk, both, 32);
	return 0;
}

/* ---- runs ---- */

int
dbk_evalrun_create(struct dbk_txn *t, const char *period, enum dbk_scope by,
    int stalled_days, int utc_offset_min, struct dbk_id *out,
    struct dbk_error *err)
{
	struct dbk_facts *f = NULL;
	struct dbk_eval *e = NULL;
	struct dbk_period p, prev;
	struct dbk_record *r = NULL;
	struct inputs in = { 0 };
	struct dbki_buf sb;
	char digest[65], rhash[65], params[64], version[16], nin[24];
	char sighex[2 * 64 + 1], *results = NULL, *ident = NULL;
	uint8_t sig[64];
	int rc;

	dbki_buf_init(&sb, (size_t)1 << 20);
	if (stalled_days <= 0)
		stalled_days = 14;
	if ((rc = compute(t, period, by, stalled_days, utc_offset_min, &f, &p,
	    &e, err)) != 0)
		goto out;
	dbk_period_previous(&p, &prev);
	if ((results = dbk_eval_json(e, 0)) == NULL ||
	    build_inputs(f, &p, &prev, &in) != 0 ||
	    (ident = dbk_store_identity(t->s)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	inputs_digest(&in, digest);
	hash_hex(results, strlen(results), rhash);
	snprintf(params, sizeof params, "stalled_days=%d;utc_offset_min=%d",
	    stalled_days, p.utc_offset_min);
	snprintf(version, sizeof version, "%d", DBK_METRICS_VERSION);
	snprintf(nin, sizeof nin, "%zu", in.n);
	{
		struct dbk_field fl[] = {
			{ "period", p.label }, { "by_scope", dbk_scope_name(by) },
			{ "params", params }, { "metrics_version", version },
			{ "digest", digest }, { "ninputs", nin },
			{ "results_hash", rhash }, { "signer", ident },
		};
		if ((rc = dbki_record_create(t, DBK_T_EVALRUN, fl,
		    sizeof fl / sizeof *fl, 1, out, err)) != 0)
			goto out;
	}
	if ((rc = dbki_blob_put(t, out->b, TAG_RESULTS, results,
	    strlen(results), err)) != 0 ||
	    (rc = dbki_blob_put(t, out->b, TAG_INPUTS, in.e, in.n * IN_ENTRY,
	    err)) != 0)
		goto out;
	/* Signed as stored: read back, so created and by are included. */
	if ((rc = dbki_record_load(t, DBK_T_EVALRUN, out, &r, err)) != 0)
		goto out;
	if (signed_bytes(r, &sb) != 0) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	crypto_sign_detached(sig, NULL, (const uint8_t *)sb.p, sb.len,
	    t->s->sec->ed_sk);
	dbki_hex(sighex, sig, sizeof sig);
	{
		struct dbk_field fs[] = { { "sig", sighex } };
		rc = dbki_record_update_loaded(t, r, fs, 1, 1, NULL, err);
	}
out:
	dbk_record_free(r);
	dbki_buf_free(&sb);
	free(ident);
	free(in.e);
	if (results != NULL)
		sodium_memzero(results, strlen(results));
	free(results);
	dbk_eval_free(e);
	dbk_facts_free(f);
	return rc;
}

static int
run_from_record(const struct dbk_record *r, struct dbk_evalrun *run)
{
	const char *at = dbk_record_str(r, "created");
	const char *nin = dbk_record_str(r, "ninputs");
	int64_t v;

	memset(run, 0, sizeof *run);
	run->id = *dbk_record_id(r);
	run->period = dbk_record_str(r, "period");
	run->by = dbk_record_str(r, "by_scope");
	run->params = dbk_record_str(r, "params");
	run->metrics_version = dbk_record_str(r, "metrics_version");
	run->digest = dbk_record_str(r, "digest");
	run->signer = dbk_record_str(r, "signer");
	run->member = dbk_record_str(r, "by");
	if (at == NULL || dbk_parse_int(at, 0, INT64_MAX, &run->at) != 0)
		run->at = 0;
	run->ninputs = nin != NULL && dbk_parse_int(nin, 0, INT64_MAX, &v) == 0 ?
	    (size_t)v : 0;
	return run->period != NULL && run->by != NULL ? 0 : -1;
}

struct signer_find {
	const char *identity;
	int found;
};

static int
signer_cb(const struct dbk_member *m, void *vctx)
{
	struct signer_find *f = vctx;

	/* A removed member's key signs nothing any more: the run's own
	 * time is its maker's word. */
	if (m->removed_at == 0 && strcmp(m->identity, f->identity) == 0)
		f->found = 1;
	return 0;
}

/*
 * The run's signature over its record, and its blobs against the hashes
 * the record carries: 0, or DBK_EINTEGRITY naming the run.  *results and
 * *inputs (may be NULL) receive the blobs (free with dbki_free_plain).
 */
static int
check_run(struct dbk_txn *t, const struct dbk_record *r, uint8_t **results,
    size_t *rlen, uint8_t **inputs, size_t *ilen, struct dbk_error *err)
{
	struct dbk_evalrun run;
	struct dbki_buf sb;
	const char *sighex = dbk_record_str(r, "sig");
	const char *rhash = dbk_record_str(r, "results_hash");
	char hex[DBK_ID_HEX], h[65];
	uint8_t pk[32], sig[64], *rb = NULL, *ib = NULL;
	size_t rn = 0, in = 0;
	int rc = 0;

	dbk_id_format(dbk_record_id(r), hex);
	dbki_buf_init(&sb, (size_t)1 << 20);
	if (dbk_record_deleted(r) || run_from_record(r, &run) != 0 ||
	    sighex == NULL || strlen(sighex) != 128 ||
	    dbki_unhex(sig, 64, sighex) != 0 ||
	    identity_ed(run.signer, pk) != 0 || signed_bytes(r, &sb) != 0 ||
	    crypto_sign_verify_detached(sig, (const uint8_t *)sb.p, sb.len,
	    pk) != 0) {
		rc = dbki_error_set(err, DBK_EINTEGRITY, "evaluation run %.8s "
		    "fails its signature check: it was changed after it was "
		    "made, or it is not the run it says it is", hex);
		goto out;
	}
	/* The signer must be this store or a member of its (verified)
	 * roster: a run from a bundle verifies under its maker's key. */
	{
		char *mine = dbk_store_identity(t->s);
		struct signer_find f = { run.signer, 0 };
		int same = mine != NULL && strcmp(mine, run.signer) == 0;
		free(mine);
		if (!same && (rc = dbk_roster_verify(t, NULL, err)) != 0)
			goto out;
		if (!same && (rc = dbk_member_walk(t, signer_cb, &f, err)) != 0)
			goto out;
		if (!same && !f.found) {
			rc = dbki_error_set(err, DBK_EINTEGRITY, "evaluation run "
			    "%.8s is signed by an identity this store does not "
			    "know", hex);
			goto out;
		}
	}
	if (dbki_blob_get(t, r->id.b, TAG_RESULTS, &rb, &rn, NULL) ==
	    DBK_ENOTFOUND) {
		rc = dbki_error_set(err, DBK_ENOKEY, "evaluation run %.8s was "
		    "made on another store and its results did not come with "
		    "it (they travel sealed under the team's restricted key, "
		    "which this store does not hold)", hex);
		goto out;
	}
	if (rb != NULL) {
		dbki_free_plain(rb, rn + 1);
		rb = NULL;
	}
	if (dbki_blob_get(t, r->id.b, TAG_RESULTS, &rb, &rn, NULL) != 0 ||
	    dbki_blob_get(t, r->id.b, TAG_INPUTS, &ib, &in, NULL) != 0 ||
	    rhash == NULL || run.digest == NULL ||
	    (hash_hex(rb, rn, h), strcmp(h, rhash) != 0) ||
	    (hash_hex(ib, in, h), strcmp(h, run.digest) != 0) ||
	    in % IN_ENTRY != 0 || in / IN_ENTRY != run.ninputs) {
		rc = dbki_error_set(err, DBK_EINTEGRITY, "evaluation run %.8s: "
		    "its stored results or inputs do not match what it signed",
		    hex);
		goto out;
	}
	if (results != NULL) {
		*results = rb;
		*rlen = rn;
		rb = NULL;
	}
	if (inputs != NULL) {
		*inputs = ib;
		*ilen = in;
		ib = NULL;
	}
out:
	if (rb != NULL)
		dbki_free_plain(rb, rn + 1);
	if (ib != NULL)
		dbki_free_plain(ib, in + 1);
	dbki_buf_free(&sb);
	return rc;
}

struct list_ctx {
	dbk_evalrun_fn fn;
	void *ctx;
};

static int
list_cb(struct dbk_record *r, void *vctx)
{
	struct list_ctx *l = vctx;
	struct dbk_evalrun run;

	(void)run_from_record(r, &run);
	return l->fn(&run, l->ctx);
}

int
dbk_evalrun_list(struct dbk_txn *t, dbk_evalrun_fn fn, void *ctx,
    struct dbk_error *err)
{
	struct list_ctx l = { fn, ctx };

	return dbk_record_foreach(t, DBK_T_EVALRUN, list_cb, &l, err);
}

/* A run and the record that holds its strings. */
struct run_box {
	struct dbk_evalrun run;
	struct dbk_record *r;
	uint8_t *results;
	size_t rlen;
};

int
dbk_evalrun_load(struct dbk_txn *t, const struct dbk_id *id,
    struct dbk_evalrun **out, struct dbk_error *err)
{
	struct run_box *b;
	int rc;

	*out = NULL;
	if ((b = calloc(1, sizeof *b)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if ((rc = dbki_record_load(t, DBK_T_EVALRUN, id, &b->r, err)) != 0 ||
	    (rc = check_run(t, b->r, &b->results, &b->rlen, NULL, NULL,
	    err)) != 0) {
		dbk_record_free(b->r);
		free(b);
		return rc;
	}
	(void)run_from_record(b->r, &b->run);
	b->run.results = (const char *)b->results;
	*out = &b->run;
	return 0;
}

void
dbk_evalrun_free(struct dbk_evalrun *run)
{
	struct run_box *b = (struct run_box *)run;

	if (b == NULL)
		return;
	if (b->results != NULL)
		dbki_free_plain(b->results, b->rlen + 1);
	dbk_record_free(b->r);
	free(b);
}

static void
note(char **list, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
note(char **list, size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n < DBK_EVALRUN_MAXLIST) {
		va_start(ap, fmt);
		if (vasprintf(&list[*n], fmt, ap) < 0)
			list[*n] = NULL;
		va_end(ap);
	}
	(*n)++;
}

/* Compare stored and current input entries (both sorted). */
static void
diff_inputs(const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
    struct dbk_evalrun_check *c)
{
	size_t i = 0, j = 0;
	char hex[DBK_ID_HEX];

	while (i < na || j < nb) {
		int cmp = i == na ? 1 : j == nb ? -1 :
		    memcmp(a + i * IN_ENTRY, b + j * IN_ENTRY, 17);
		const uint8_t *e = cmp <= 0 ? a + i * IN_ENTRY : b + j * IN_ENTRY;
		const char *kind = e[0] < sizeof(in_names) / sizeof(*in_names) ?
		    in_names[e[0]] : "record";
		{
			struct dbk_id id;
			memcpy(id.b, e + 1, 16);
			dbk_id_format(&id, hex);
		}
		if (cmp == 0) {
			if (memcmp(a + i * IN_ENTRY + 17, b + j * IN_ENTRY + 17,
			    IN_HASH) != 0)
				note(c->inputs_changed, &c->ninputs_changed,
				    "%s %.8s changed", kind, hex);
			i++;
			j++;
		} else if (cmp < 0) {
			note(c->inputs_changed, &c->ninputs_changed,
			    "%s %.8s is gone", kind, hex);
			i++;
		} else {
			note(c->inputs_changed, &c->ninputs_changed,
			    "%s %.8s is new", kind, hex);
			j++;
		}
	}
}

/* Compare two result documents leaf by leaf; path names the leaf. */
static void
diff_json(const cJSON *a, const cJSON *b, const char *path,
    struct dbk_evalrun_check *c)
{
	const cJSON *x;
	char *sub;

	if (a == NULL || b == NULL || a->type != b->type) {
		const char *va = a != NULL && cJSON_IsString(a) ? a->valuestring :
		    a == NULL ? "absent" : "…";
		const char *vb = b != NULL && cJSON_IsString(b) ? b->valuestring :
		    b == NULL ? "absent" : "…";
		note(c->results_changed, &c->nresults_changed, "%s: %s -> %s",
		    path, va, vb);
		return;
	}
	if (cJSON_IsString(a)) {
		if (strcmp(a->valuestring, b->valuestring) != 0)
			note(c->results_changed, &c->nresults_changed,
			    "%s: %s -> %s", path, a->valuestring, b->valuestring);
		return;
	}
	if (cJSON_IsObject(a)) {
		cJSON_ArrayForEach(x, a) {
			if (asprintf(&sub, "%s%s%s", path, *path ? "/" : "",
			    x->string) < 0)
				return;
			diff_json(x, cJSON_GetObjectItemCaseSensitive(b, x->string),
			    sub, c);
			free(sub);
		}
		cJSON_ArrayForEach(x, b) {
			if (cJSON_GetObjectItemCaseSensitive(a, x->string) != NULL)
				continue;
			if (asprintf(&sub, "%s%s%s", path, *path ? "/" : "",
			    x->string) < 0)
				return;
			diff_json(NULL, x, sub, c);
			free(sub);
		}
		return;
	}
	if (cJSON_IsArray(a)) {
		int na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b);
		for (int i = 0; i < na || i < nb; i++) {
			const cJSON *ea = cJSON_GetArrayItem(a, i);
			const cJSON *eb = cJSON_GetArrayItem(b, i);
			const cJSON *el = ea != NULL ? ea : eb;
			const cJSON *name = cJSON_GetObjectItemCaseSensitive(el,
			    "name");
			/* Elements read by name: "groups[王芳]/metrics[win_rate]". */
			if (!cJSON_IsString(name))
				name = cJSON_GetObjectItemCaseSensitive(el, "key");
			if (!cJSON_IsString(name))
				name = cJSON_GetObjectItemCaseSensitive(el, "scope");
			if (cJSON_IsString(name)) {
				if (asprintf(&sub, "%s[%s]", path,
				    name->valuestring) < 0)
					return;
			} else if (asprintf(&sub, "%s[%d]", path, i) < 0) {
				return;
			}
			diff_json(ea, eb, sub, c);
			free(sub);
		}
		return;
	}
	if (!cJSON_Compare(a, b, 1))
		note(c->results_changed, &c->nresults_changed, "%s changed", path);
}

static int
param_int(const char *params, const char *name, int *out)
{
	size_t n = strlen(name);
	const char *p = params;
	int64_t v;

	while (p != NULL && *p) {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			const char *end = strchr(p, ';');
			char num[24];
			size_t len = end ? (size_t)(end - p - n - 1) : strlen(p + n + 1);
			if (len >= sizeof num)
				return -1;
			memcpy(num, p + n + 1, len);
			num[len] = '\0';
			if (dbk_parse_int(num, -100000, 100000, &v) != 0)
				return -1;
			*out = (int)v;
			return 0;
		}
		p = strchr(p, ';');
		if (p != NULL)
			p++;
	}
	return -1;
}

int
dbk_evalrun_verify(struct dbk_txn *t, const struct dbk_id *id,
    struct dbk_evalrun_check *c, struct dbk_error *err)
{
	struct dbk_record *r = NULL;
	struct dbk_evalrun run;
	struct dbk_facts *f = NULL;
	struct dbk_eval *e = NULL;
	struct dbk_period p, prev;
	struct inputs in = { 0 };
	enum dbk_scope by;
	uint8_t *stored = NULL, *sres = NULL;
	char digest[65], hex[DBK_ID_HEX], *results = NULL;
	cJSON *ja = NULL, *jb = NULL;
	int rc, stalled, off;
	int64_t ver;
	size_t nstored = 0, nres = 0;

	memset(c, 0, sizeof *c);
	dbk_id_format(id, hex);
	if ((rc = dbki_record_load(t, DBK_T_EVALRUN, id, &r, err)) != 0)
		goto out;
	if ((rc = check_run(t, r, &sres, &nres, &stored, &nstored, err)) != 0)
		goto out;
	c->signature_ok = 1;
	(void)run_from_record(r, &run);
	if (dbk_scope_parse(run.by, &by, err) != 0 || run.params == NULL ||
	    param_int(run.params, "stalled_days", &stalled) != 0 ||
	    param_int(run.params, "utc_offset_min", &off) != 0 ||
	    run.metrics_version == NULL) {
		dbk_error_clear(err);
		rc = dbki_error_set(err, DBK_EINTEGRITY,
		    "evaluation run %.8s has unreadable parameters", hex);
		goto out;
	}
	if (dbk_parse_int(run.metrics_version, 1, INT32_MAX, &ver) != 0 ||
	    ver != DBK_METRICS_VERSION) {
		rc = dbki_error_set(err, DBK_EFORMAT, "evaluation run %.8s uses "
		    "metric definitions version %s; this dealbook has version "
		    "%d", hex, run.metrics_version, DBK_METRICS_VERSION);
		goto out;
	}
	if ((rc = compute(t, run.period, by, stalled, off, &f, &p, &e,
	    err)) != 0)
		goto out;
	dbk_period_previous(&p, &prev);
	if ((results = dbk_eval_json(e, 0)) == NULL ||
	    build_inputs(f, &p, &prev, &in) != 0) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	inputs_digest(&in, digest);
	c->digest_same = strcmp(run.digest, digest) == 0;
	c->reproduced = strcmp(results, (const char *)sres) == 0;
	if (!c->digest_same)
		diff_inputs(stored, nstored / IN_ENTRY, in.e, in.n, c);
	if (!c->reproduced) {
		ja = cJSON_Parse((const char *)sres);
		jb = cJSON_Parse(results);
		diff_json(ja, jb, "", c);
	}
out:
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	if (stored != NULL)
		dbki_free_plain(stored, nstored + 1);
	if (sres != NULL)
		dbki_free_plain(sres, nres + 1);
	if (results != NULL)
		sodium_memzero(results, strlen(results));
	free(results);
	free(in.e);
	dbk_eval_free(e);
	dbk_facts_free(f);
	dbk_record_free(r);
	if (rc != 0)
		dbk_evalrun_check_free(c);
	return rc;
}

void
dbk_evalrun_check_free(struct dbk_evalrun_check *c)
{
	for (size_t i = 0; i < DBK_EVALRUN_MAXLIST; i++) {
		free(c->inputs_changed[i]);
		free(c->results_changed[i]);
		c->inputs_changed[i] = c->results_changed[i] = NULL;
	}
}

/* ---- runs in bundles ---- */

/*
 * A run's blobs as bundle items, after its record (docs/BUNDLE.md):
 * {"blob":"<base64url>","id":"<hex>","tag":"i"} for the input hashes, and
 * for the results, which may hold amounts, {"blob":"R1.…","id":…,"tag":"r"}
 * sealed under the team's restricted key (AD: run id, "results") -- only
 * from a store in a team; elsewhere the results stay home.
 */
int
dbki_evalrun_export_blobs(struct dbk_txn *t, const struct dbk_id *id,
    struct dbki_buf *b, struct dbk_error *err)
{
	static const uint8_t tags[] = { TAG_INPUTS, TAG_RESULTS };
	char hex[DBK_ID_HEX];
	int rc = 0;

	dbk_id_format(id, hex);
	for (size_t i = 0; i < sizeof tags && rc == 0; i++) {
		uint8_t *p = NULL;
		size_t n = 0;
		char *enc = NULL, *txt = NULL, tg[2] = { (char)tags[i], 0 };
		cJSON *o;
		if (tags[i] == TAG_RESULTS && t->s->team == NULL)
			continue;
		rc = dbki_blob_get(t, id->b, tags[i], &p, &n, err);
		if (rc == DBK_ENOTFOUND) {
			dbk_error_clear(err);
			rc = 0;
			continue;
		}
		if (rc != 0)
			break;
		if (tags[i] == TAG_RESULTS)
			rc = dbki_field_seal(t->s, id->b, "results", (const char *)p,
			    &enc, err);
		else if ((enc = dbki_b64_encode(p, n)) == NULL)
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		dbki_free_plain(p, n + 1);
		if (rc != 0)
			break;
		if ((o = cJSON_CreateObject()) == NULL ||
		    cJSON_AddStringToObject(o, "blob", enc) == NULL ||
		    cJSON_AddStringToObject(o, "id", hex) == NULL ||
		    cJSON_AddStringToObject(o, "tag", tg) == NULL ||
		    (txt = cJSON_PrintUnformatted(o)) == NULL) {
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		} else {
			dbki_bundle_item(b, txt, strlen(txt));
		}
		cJSON_free(txt);
		cJSON_Delete(o);
		free(enc);
	}
	return rc;
}

/*
 * Take a blob item: kept only when its hash is the one the run record (as
 * merged in this transaction) signed, so nobody can swap another run's
 * results.  *taken: 1 kept, 0 left out (the run is unknown, the hash does
 * not match, or the results need a restricted key this store lacks).
 */
int
dbki_evalrun_import_blob(struct dbk_txn *t, const cJSON *o, int *taken,
    struct dbk_error *err)
{
	const cJSON *jb = cJSON_GetObjectItemCaseSensitive(o, "blob");
	const cJSON *ji = cJSON_GetObjectItemCaseSensitive(o, "id");
	const cJSON *jt = cJSON_GetObjectItemCaseSensitive(o, "tag");
	struct dbk_record *r = NULL;
	struct dbk_id id;
	uint8_t *data = NULL;
	char *plain = NULL, h[65];
	const char *want;
	size_t n = 0;
	long got;
	int rc;

	*taken = 0;
	if (!cJSON_IsString(jb) || !cJSON_IsString(ji) || !cJSON_IsString(jt) ||
	    dbk_id_parse(ji->valuestring, &id) != 0 ||
	    (strcmp(jt->valuestring, "i") != 0 &&
	    strcmp(jt->valuestring, "r") != 0))
		return dbki_error_set(err, DBK_EFORMAT, "the bundle is refused "
		    "(E_FORMAT): a blob item is malformed");
	rc = dbki_record_load(t, DBK_T_EVALRUN, &id, &r, err);
	if (rc == DBK_ENOTFOUND) {
		dbk_error_clear(err);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (jt->valuestring[0] == TAG_INPUTS) {
		n = strlen(jb->valuestring);
		if ((data = malloc(n + 1)) == NULL) {
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
			goto out;
		}
		if ((got = dbki_b64_decode(data, n + 1, jb->valuestring, n)) < 0)
			goto out;
		n = (size_t)got;
		want = dbk_record_str(r, "digest");
	} else {
		rc = dbki_field_open(t->s, id.b, "results", jb->valuestring,
		    &plain, err);
		if (rc == DBK_ENOKEY || rc == DBK_EINTEGRITY) {
			dbk_error_clear(err);
			rc = 0;
			goto out;
		}
		if (rc != 0)
			goto out;
		data = (uint8_t *)plain;
		plain = NULL;
		n = strlen((const char *)data);
		want = dbk_record_str(r, "results_hash");
	}
	hash_hex(data, n, h);
	if (want == NULL || strcmp(h, want) != 0)
		goto out;
	{
		/* A run's blobs never change once here: a later record
		 * version naming other blobs (someone re-signing the run as
		 * theirs) cannot replace them, and the run then fails its
		 * check instead of verifying as the other's. */
		uint8_t *old = NULL;
		size_t on = 0;
		rc = dbki_blob_get(t, id.b, (uint8_t)jt->valuestring[0], &old,
		    &on, err);
		if (rc == 0) {
			int same = on == n && memcmp(old, data, n) == 0;
			dbki_free_plain(old, on + 1);
			*taken = same;
			goto out;
		}
		if (rc != DBK_ENOTFOUND)
			goto out;
		dbk_error_clear(err);
	}
	if ((rc = dbki_blob_put(t, id.b, (uint8_t)jt->valuestring[0], data, n,
	    err)) == 0)
		*taken = 1;
out:
	if (data != NULL) {
		sodium_memzero(data, n);
		free(data);
	}
	dbk_record_free(r);
	return rc;
}
