/*
 * cmd_customer.c -- customer add/list/show/edit/rm, contact add/list,
 * history.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Options that map one-to-one onto customer fields. */
static const struct {
	const char *opt, *field;
} customer_map[] = {
	{ "code", "code" }, { "at", "lead_at" }, { "industry", "industry" },
	{ "employees", "employees" }, { "revenue", "revenue" },
	{ "business", "business" }, { "pain", "pain" },
	{ "priority", "priority" }, { "owner", "owner" }, { "budget", "budget" },
	{ "expected", "expected" }, { "close-by", "close_by" }, { "name", "name" },
};

#define CUSTOMER_OPTS \
	{ "code", "C", 0, "your own customer number, e.g. 20240501" }, \
	{ "at", "DATE", 0, "when it entered the pipeline as a lead (default now)" }, \
	{ "industry", "X", 0, "industry" }, \
	{ "employees", "N", 0, "number of employees" }, \
	{ "revenue", "AMT", 0, "annual revenue (sensitive)" }, \
	{ "business", "TEXT", 0, "main business" }, \
	{ "pain", "TEXT", 0, "pain points" }, \
	{ "priority", "P", 0, "high, medium or low" }, \
	{ "owner", "M", 0, "owning salesperson (default you)" }, \
	{ "budget", "AMT", 0, "budget (sensitive), e.g. 50万" }, \
	{ "expected", "AMT", 0, "expected first-order amount (sensitive)" }, \
	{ "close-by", "DATE", 0, "target signing date" }, \
	{ "set", "NAME=VALUE", 1, "set a custom field by name or label (see " \
	    "'dealbook field list'), or any other field" }

static void
free_fields(struct dbk_field *f, size_t n, size_t nfixed)
{
	for (size_t i = nfixed; i < n; i++)
		free((char *)f[i].name);
	free(f);
}

/* Collect field inputs from options; *n receives the count. */
static struct dbk_field *
customer_fields(const struct cmd_entry *e, struct optv *ov, const char *name,
    size_t *n, size_t *nfixed, int *bad)
{
	const struct optv *sets = opt_all(e, ov, "set");
	size_t cap = sizeof customer_map / sizeof customer_map[0] + 1 +
	    (sets ? sets->n : 0), k = 0;
	struct dbk_field *f = calloc(cap, sizeof *f);

	*bad = 0;
	if (f == NULL)
		return NULL;
	if (name != NULL)
		f[k++] = (struct dbk_field){ "name", name };
	for (size_t i = 0; i < sizeof customer_map / sizeof customer_map[0]; i++) {
		const char *v = opt_get(e, ov, customer_map[i].opt);
		if (v != NULL)
			f[k++] = (struct dbk_field){ customer_map[i].field, v };
	}
	*nfixed = k;
	for (size_t i = 0; sets && i < sets->n; i++) {
		const char *eq = strchr(sets->vals[i], '=');
		if (eq == NULL || eq == sets->vals[i]) {
			*bad = (int)i + 1;
			free_fields(f, k, *nfixed);
			return NULL;
		}
		/* The name is the part before '='; keep it in a copy. */
		f[k].name = strndup(sets->vals[i], (size_t)(eq - sets->vals[i]));
		f[k].value = eq + 1;
		if (f[k].name == NULL) {
			free_fields(f, k, *nfixed);
			return NULL;
		}
		k++;
	}
	*n = k;
	return f;
}

struct add_ctx {
	struct dbk_field *f;
	size_t n;
	struct dbk_id id;
	const char *ref;
	size_t changed;
};

static int
add_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct add_ctx *a = vctx;

	return dbk_customer_add(t, a->f, a->n, &a->id, err);
}

static int
exec_customer_add(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct add_ctx a = { 0 };
	int bad, rc;
	size_t nf;

	(void)npos;
	if ((a.f = customer_fields(e, ov, pos[0], &a.n, &nf, &bad)) == NULL)
		return bad ? cli_error(5, "invalid --set '%s' (expected FIELD=VALUE)",
		    opt_all(e, ov, "set")->vals[bad - 1]) :
		    cli_error(1, "out of memory");
	rc = dbk_store_write(c->store, add_txn, &a, &c->err);
	free_fields(a.f, a.n, nf);
	if (rc != 0)
		return cli_fail(c, rc);
	cli_print_added(c, "customer", &a.id, opt_get(e, ov, "code"));
	return 0;
}

static const struct opt customer_add_opts[] = {
	CUSTOMER_OPTS,
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_customer_add = {
	"customer", "add", "<name>", 1, 1, customer_add_opts, CMD_STORE,
	"add a customer (it starts as a lead)",
	"dealbook customer add 科技有限公司 --code 20240501 --industry 制造业 "
	"--pain '供應鏈效率低,倉儲成本高' --budget 50万",
	exec_customer_add
};

static int
edit_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct add_ctx *a = vctx;
	int rc = dbk_resolve(t, DBK_T_CUSTOMER, a->ref, &a->id, err);

	if (rc != 0)
		return rc;
	return dbk_record_update(t, &a->id, a->f, a->n, &a->changed, err);
}

static int
exec_customer_edit(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct add_ctx a = { 0 };
	int bad, rc;
	size_t nf;
	char sid[9];

	(void)npos;
	a.ref = pos[0];
	if ((a.f = customer_fields(e, ov, NULL, &a.n, &nf, &bad)) == NULL)
		return bad ? cli_error(5, "invalid --set '%s' (expected FIELD=VALUE)",
		    opt_all(e, ov, "set")->vals[bad - 1]) :
		    cli_error(1, "out of memory");
	if (a.n == 0) {
		free(a.f);
		return cli_usage_error(e, "nothing to change");
	}
	rc = dbk_store_write(c->store, edit_txn, &a, &c->err);
	free_fields(a.f, a.n, nf);
	if (rc != 0)
		return cli_fail(c, rc);
	(void)sid;
	cli_print_updated(c, "customer", &a.id, a.changed);
	return 0;
}

static const struct opt customer_edit_opts[] = {
	{ "name", "NAME", 0, "new name" },
	CUSTOMER_OPTS,
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_customer_edit = {
	"customer", "edit", "<customer>", 1, 1, customer_edit_opts, CMD_STORE,
	"change a customer's fields (every earlier value stays in history)",
	"dealbook customer edit 20240501 --priority high",
	exec_customer_edit
};

static int
rm_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct add_ctx *a = vctx;
	int rc = dbk_resolve_ex(t, DBK_T_CUSTOMER, a->ref, DBK_RESOLVE_EXACT,
	    &a->id, err);

	if (rc != 0)
		return rc;
	return dbk_record_delete(t, &a->id, err);
}

static int
exec_customer_rm(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct add_ctx a = { 0 };
	char sid[9];
	int rc;

	(void)e; (void)npos; (void)ov;
	a.ref = pos[0];
	if ((rc = dbk_store_write(c->store, rm_txn, &a, &c->err)) != 0)
		return cli_fail(c, rc);
	{
		char hex[DBK_ID_HEX];
		dbk_id_format(&a.id, hex);
		if (c->fmt == TBL_JSON) {
			printf("{\"type\":\"customer\",\"id\":\"%s\",\"removed\":true}\n",
			    hex);
		} else {
			printf("removed customer %s (kept as a tombstone: "
			    "'dealbook history %s' still shows it)\n", hex, hex);
		}
	}
	(void)sid;
	return 0;
}

const struct cmd_entry cmd_customer_rm = {
	"customer", "rm", "<customer>", 1, 1, NULL, CMD_STORE,
	"remove a customer (a tombstone: nothing is physically deleted)",
	"dealbook customer rm 20240502",
	exec_customer_rm
};

/* ---- list ---- */

struct list_ctx {
	struct cli *c;
	struct tbl *tb;
	int has_stage;
	enum dbk_stage stage;
	const char *owner, *industry;
	int stalled;
	int64_t now;
	size_t limit;		/* a page of the newest: stop when full */
	size_t rows;
	int oom;
	struct dbk_txn *t;
	struct cli_cfield *cc;	/* custom fields: a column each */
	size_t ncc;
	struct dbk_error *err;
	int rc;
};

static int
list_cb(const struct dbk_customer_row *r, void *vctx)
{
	struct list_ctx *l = vctx;
	const char *fields[] = { "code", "name", "industry", "stage", "owner",
		"last_contact", "next_due" };
	const char *values[] = { r->code, r->name, r->industry, r->stage,
		r->owner, r->last_contact, r->next_due };
	char *vals[8] = { 0 }, sid[DBK_ID_HEX], pct[8], **cvals = NULL;
	const char **row = NULL;

	/* Summaries hold canonical stage names: a plain comparison. */
	if (l->has_stage && (r->stage == NULL ||
	    strcmp(r->stage, dbk_stage_name(l->stage)) != 0))
		return 0;
	if (l->owner != NULL && (r->owner == NULL || strcmp(r->owner, l->owner) != 0))
		return 0;
	if (l->industry != NULL && (r->industry == NULL ||
	    strcasecmp(r->industry, l->industry) != 0))
		return 0;
	if (l->stalled > 0 && !dbk_customer_row_stalled(r, l->now, l->stalled))
		return 0;
	if (l->limit > 0 && l->rows == l->limit) {
		tbl_mark_partial(l->tb);
		return DBK_ROWS_STOP;
	}
	l->rows++;
	if ((row = calloc(10 + l->ncc, sizeof *row)) == NULL ||
	    (cvals = calloc(l->ncc + 1, sizeof *cvals)) == NULL) {
		free(row);
		l->oom = 1;
		return DBK_ROWS_STOP;
	}
	/* Custom fields are not in the list index: read the record. */
	if (l->ncc > 0) {
		struct dbk_record *rec = NULL;
		int rc = dbk_record_load(l->t, &r->id, &rec, l->err);
		if (rc != 0) {
			free(row);
			free(cvals);
			l->rc = rc;
			return DBK_ROWS_STOP;
		}
		for (size_t i = 0; i < l->ncc; i++) {
			cvals[i] = cli_value(l->c, rec, l->cc[i].stored);
			row[10 + i] = cvals[i];
		}
		dbk_record_free(rec);
	}
	cli_id(l->c, &r->id, sid);
	row[0] = sid;
	for (size_t i = 0; i < 7; i++) {
		vals[i] = cli_format(l->c, DBK_T_CUSTOMER, fields[i], values[i],
		    DBK_FS_PLAIN);
		row[i + 1] = vals[i];
	}
	/* The expected amount: shown only with --reveal (and the key). */
	if (r->expected != NULL)
		vals[7] = cli_format(l->c, DBK_T_CUSTOMER, "expected", r->expected,
		    DBK_FS_PLAIN);
	else if (r->expected_state == DBK_FS_RESTRICTED)
		vals[7] = cli_machine(l->c) ? NULL : strdup(l->c->reveal ?
		    "[restricted]" : "••••");
	row[8] = vals[7];
	snprintf(pct, sizeof pct, cli_machine(l->c) ? "%d" : "%d%%",
	    dbk_customer_row_probability(r));
	row[9] = pct;
	/* Dates only in the list: the time of day is noise here. */
	if (vals[5] != NULL && !cli_machine(l->c) && strlen(vals[5]) > 10)
		vals[5][10] = '\0';
	if (tbl_add_row(l->tb, row) != 0)
		l->oom = 1;
	for (size_t i = 0; i < 8; i++)
		free(vals[i]);
	for (size_t i = 0; i < l->ncc; i++)
		free(cvals[i]);
	free(cvals);
	free(row);
	return 0;
}

static int
list_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct list_ctx *l = vctx;
	unsigned flags = (l->c->reveal ? DBK_ROWS_REVEAL : 0) |
	    (l->limit > 0 ? DBK_ROWS_NEWEST : 0);
	int rc;

	l->t = t;
	l->err = err;
	l->c->txn = t;
	rc = dbk_customer_rows_ex(t, flags, list_cb, vctx, err);
	l->c->txn = NULL;
	if (l->rc != 0)
		return l->rc;
	return rc == DBK_ROWS_STOP ? 0 : rc;
}

static int
exec_customer_list(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	static const char *const keys[] = { "id", "code", "name", "industry",
		"stage", "owner", "last_contact", "next_due", "expected",
		"probability" };
	const char *en[] = { "id", "code", "name", "industry", "stage", "owner",
		"last contact", "next due", "expected", "prob." };
	const char *zh[] = { "編號", "客戶編號", "客戶名稱", "行業", "跟進階段",
		"負責人", "最近溝通", "下一步期限", "預期金額", "概率" };
	struct list_ctx l = { 0 };
	const char *st = opt_get(e, ov, "stage"), *sd = opt_get(e, ov, "stalled");
	int rc;

	(void)npos; (void)pos;
	l.c = c;
	l.owner = opt_get(e, ov, "owner");
	l.industry = opt_get(e, ov, "industry");
	l.now = dbk_store_now(c->store);
	if (st != NULL) {
		if (dbk_parse_stage(st, &l.stage) != 0)
			return cli_error(5, "invalid stage '%s' (expected %s)", st,
			    dbk_stage_choices());
		l.has_stage = 1;
	}
	if (sd != NULL) {
		int64_t d;
		if (dbk_parse_int(sd, 1, 3650, &d) != 0)
			return cli_error(5, "invalid number of days '%s' for --stalled "
			    "(expected 1 to 3650)", sd);
		l.stalled = (int)d;
	}
	if ((rc = cli_custom_columns(c, DBK_T_CUSTOMER, &l.cc, &l.ncc)) != 0)
		return rc;
	l.tb = cli_custom_table(10, keys, c->zh ? zh : en, l.cc, l.ncc);
	if (l.tb == NULL) {
		cli_custom_columns_free(l.cc, l.ncc);
		return cli_error(1, "out of memory");
	}
	if ((rc = cli_page(c, e, ov, &l.limit)) != 0) {
		tbl_free(l.tb);
		cli_custom_columns_free(l.cc, l.ncc);
		return rc;
	}
	/* A page is read newest first and stops when full. */
	if (l.limit > 0)
		rc = cli_read_table_newest(c, l.tb, list_txn, &l, &l.oom);
	else
		rc = cli_read_table(c, l.tb, list_txn, &l, &l.oom);
	cli_custom_columns_free(l.cc, l.ncc);
	return rc;
}

static const struct opt customer_list_opts[] = {
	{ "stage", "S", 0, "only customers at this stage" },
	{ "owner", "M", 0, "only this salesperson's customers" },
	{ "industry", "X", 0, "only this industry" },
	{ "stalled", "DAYS", 0, "only open customers without contact for DAYS days" },
	CLI_PAGE_OPTS,
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_customer_list = {
	"customer", "list", "", 0, 0, customer_list_opts, CMD_STORE,
	"list customers",
	"dealbook customer list --stage 意向",
	exec_customer_list
};

/* ---- show ---- */

struct show_ctx {
	struct cli *c;
	const char *ref;
	enum dbk_type want;
	int rc;
};

static int
show_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct show_ctx *s = vctx;
	struct dbk_record *r = NULL;
	struct dbk_id id;
	int rc;

	if ((rc = dbk_resolve(t, s->want, s->ref, &id, err)) != 0)
		return rc;
	if ((rc = dbk_record_load(t, &id, &r, err)) != 0)
		return rc;
	s->c->txn = t;
	s->rc = cli_print_record(s->c, r);
	s->c->txn = NULL;
	dbk_record_free(r);
	return 0;
}

static int
exec_customer_show(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct show_ctx s = { c, pos[0], DBK_T_CUSTOMER, 0 };
	int rc;

	(void)e; (void)npos; (void)ov;
	if ((rc = dbk_store_read(c->store, show_txn, &s, &c->err)) != 0)
		return cli_fail(c, rc);
	return s.rc ? cli_error(1, "writing failed") : 0;
}

const struct cmd_entry cmd_customer_show = {
	"customer", "show", "<customer>", 1, 1, NULL, CMD_STORE,
	"show every field of a customer (sensitive ones masked unless --reveal)",
	"dealbook --reveal customer show 20240501",
	exec_customer_show
};

/* ---- contacts ---- */

struct contact_ctx {
	const char *ref;
	struct dbk_field *f;	/* name, the options, --set, the customer */
	size_t n;
	struct cli_cfield *cc;	/* contact list: a column per custom field */
	size_t ncc;
	struct dbk_id id;
	struct cli *c;
	struct tbl *tb;
	int oom;
};

static int
contact_add_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct contact_ctx *a = vctx;
	struct dbk_id cid;
	char hex[DBK_ID_HEX];
	int rc = dbk_resolve(t, DBK_T_CUSTOMER, a->ref, &cid, err);

	if (rc != 0)
		return rc;
	dbk_id_format(&cid, hex);
	a->f[a->n++] = (struct dbk_field){ "customer", hex };
	rc = dbk_record_create(t, DBK_T_CONTACT, a->f, a->n, &a->id, err);
	a->n--; /* hex dies with this frame; a retry re-adds it */
	return rc;
}

static int
exec_contact_add(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	static const char *const names[] = { "title", "phone", "email", "role" };
	struct contact_ctx a = { 0 };
	int rc;

	struct dbk_field *sets = NULL;
	size_t nsets = 0;

	(void)npos;
	a.ref = pos[0];
	if ((rc = cli_parse_sets(e, ov, &sets, &nsets)) != 0)
		return rc;
	if ((a.f = calloc(6 + nsets, sizeof *a.f)) == NULL) {
		cli_free_sets(sets, nsets);
		return cli_error(1, "out of memory");
	}
	a.f[a.n++] = (struct dbk_field){ "name", pos[1] };
	for (size_t i = 0; i < 4; i++) {
		const char *v = opt_get(e, ov, names[i]);
		if (v != NULL)
			a.f[a.n++] = (struct dbk_field){ names[i], v };
	}
	for (size_t i = 0; i < nsets; i++)
		a.f[a.n++] = sets[i];
	rc = dbk_store_write(c->store, contact_add_txn, &a, &c->err);
	free(a.f);
	cli_free_sets(sets, nsets);
	if (rc != 0)
		return cli_fail(c, rc);
	cli_print_added(c, "contact", &a.id, NULL);
	return 0;
}

static const struct opt contact_add_opts[] = {
	{ "title", "T", 0, "job title" },
	{ "phone", "P", 0, "phone (sensitive)" },
	{ "email", "E", 0, "e-mail (sensitive)" },
	{ "role", "R", 0, "decision-maker, influencer, user, gatekeeper or champion" },
	CLI_SET_OPT,
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_contact_add = {
	"contact", "add", "<customer> <name>", 2, 2, contact_add_opts, CMD_STORE,
	"add a contact to a customer's decision chain",
	"dealbook contact add 20240501 王經理 --title 採購總監 --phone 13812345678 "
	"--role decision-maker",
	exec_contact_add
};

static int
contact_cb(struct dbk_record *r, void *vctx)
{
	struct contact_ctx *l = vctx;
	static const char *const fields[] = { "name", "title", "role", "phone",
		"email" };
	char **vals = calloc(5 + l->ncc, sizeof *vals), sid[DBK_ID_HEX];
	const char **row = calloc(6 + l->ncc, sizeof *row);

	if (vals == NULL || row == NULL) {
		free(vals);
		free(row);
		l->oom = 1;
		return 0;
	}
	cli_id(l->c, dbk_record_id(r), sid);
	row[0] = sid;
	for (size_t i = 0; i < 5 + l->ncc; i++) {
		vals[i] = cli_value(l->c, r, i < 5 ? fields[i] : l->cc[i - 5].stored);
		row[i + 1] = vals[i];
	}
	if (tbl_add_row(l->tb, row) != 0)
		l->oom = 1;
	for (size_t i = 0; i < 5 + l->ncc; i++)
		free(vals[i]);
	free(vals);
	free(row);
	return 0;
}

static int
contact_list_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct contact_ctx *l = vctx;
	struct dbk_id cid;
	int rc = dbk_resolve(t, DBK_T_CUSTOMER, l->ref, &cid, err);

	if (rc != 0)
		return rc;
	l->c->txn = t;
	rc = dbk_record_children(t, &cid, DBK_T_CONTACT, contact_cb, l, err);
	l->c->txn = NULL;
	return rc;
}

static int
exec_contact_list(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	static const char *const keys[] = { "id", "name", "title", "role",
		"phone", "email" };
	const char *en[] = { "id", "name", "title", "role", "phone", "e-mail" };
	const char *zh[] = { "編號", "聯系人", "職位", "角色", "聯系方式", "郵箱" };
	struct contact_ctx l = { 0 };
	int rc;

	(void)e; (void)npos; (void)ov;
	l.ref = pos[0];
	l.c = c;
	if ((rc = cli_custom_columns(c, DBK_T_CONTACT, &l.cc, &l.ncc)) != 0)
		return rc;
	l.tb = cli_custom_table(6, keys, c->zh ? zh : en, l.cc, l.ncc);
	if (l.tb == NULL) {
		cli_custom_columns_free(l.cc, l.ncc);
		return cli_error(1, "out of memory");
	}
	rc = cli_read_table(c, l.tb, contact_list_txn, &l, &l.oom);
	cli_custom_columns_free(l.cc, l.ncc);
	return rc;
}

const struct cmd_entry cmd_contact_list = {
	"contact", "list", "<customer>", 1, 1, NULL, CMD_STORE,
	"list a customer's contacts (names and phones masked unless --reveal)",
	"dealbook contact list 20240501",
	exec_contact_list
};

/* ---- history ---- */

struct hist_ctx {
	struct cli *c;
	const char *ref;
	struct tbl *tb;
	enum dbk_type type;
	int oom;
};

static int
hist_cb(const struct dbk_version *v, void *vctx)
{
	struct hist_ctx *h = vctx;
	char *val, when[24], secs[24], *whens;
	const char *row[6];
	char rep[17];

	if (strcmp(v->field, "_del") == 0 && v->value == NULL)
		return 0;
	val = cli_format(h->c, h->type, v->field, v->value, v->state);
	snprintf(secs, sizeof secs, "%" PRIu64, (v->hlc >> 16) / 1000u);
	whens = cli_datetime(h->c, secs);
	snprintf(when, sizeof when, "%s", whens ? whens : "");
	free(whens);
	row[0] = cli_field_key(v->field);
	row[1] = val;
	row[2] = when;
	row[3] = v->member;
	snprintf(rep, sizeof rep, "%.*s", cli_machine(h->c) ? 16 : 8, v->replica);
	row[4] = rep;
	row[5] = v->current ? (cli_machine(h->c) ? "true" : "*") :
	    (cli_machine(h->c) ? "false" : "");
	if (tbl_add_row(h->tb, row) != 0)
		h->oom = 1;
	free(val);
	return 0;
}

static int
hist_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct hist_ctx *h = vctx;
	struct dbk_record *r = NULL;
	struct dbk_id id;
	int rc;

	/* History reaches removed records too: that is what it is for. */
	if ((rc = dbk_resolve_ex(t, 0, h->ref, DBK_RESOLVE_DELETED, &id,
	    err)) != 0)
		return rc;
	if ((rc = dbk_record_load(t, &id, &r, err)) != 0)
		return rc;
	h->type = dbk_record_type(r);
	dbk_record_free(r);
	h->c->txn = t;
	rc = dbk_history(t, &id, hist_cb, h, err);
	h->c->txn = NULL;
	return rc;
}

static int
exec_history(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	static const char *const keys[] = { "field", "value", "written_at",
		"by", "replica", "current" };
	const char *en[] = { "field", "value", "written", "by", "laptop",
		"current" };
	const char *zh[] = { "欄位", "內容", "寫入時間", "寫入人", "設備", "現值" };
	struct hist_ctx h = { 0 };

	(void)e; (void)npos; (void)ov;
	h.c = c;
	h.ref = pos[0];
	if ((h.tb = tbl_new(6, keys, c->zh ? zh : en)) == NULL)
		return cli_error(1, "out of memory");
	return cli_read_table(c, h.tb, hist_txn, &h, &h.oom);
}

const struct cmd_entry cmd_history = {
	"history", NULL, "<record>", 1, 1, NULL, CMD_STORE,
	"every version of every field of a record, with who and when",
	"dealbook history 20240501",
	exec_history
};
