/*
 * cmd_log.c -- log, stage, objection resolve/list, timeline, todo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- log ---- */

static const struct {
	const char *opt, *field;
} log_map[] = {
	{ "summary", "summary" }, { "at", "at" }, { "channel", "channel" },
	{ "with", "with" }, { "feedback", "feedback" }, { "agreed", "agreed" },
	{ "materials", "materials" }, { "their-next", "their_next" },
	{ "competitor", "competitor" }, { "opportunity", "opportunity" },
	{ "next", "next" }, { "due", "due" },
};
#define NLOG (sizeof log_map / sizeof log_map[0])

struct log_ctx {
	const char *ref;
	struct dbk_field f[NLOG];
	size_t n;
	const char *const *obj;
	size_t nobj;
	struct dbk_id id;
	int late;
};

static int
log_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct log_ctx *l = vctx;
	struct dbk_id cid;
	int rc = dbk_resolve(t, DBK_T_CUSTOMER, l->ref, &cid, err);

	if (rc != 0)
		return rc;
	return dbk_log_add(t, &cid, l->f, l->n, l->obj, l->nobj, &l->id,
	    &l->late, err);
}

static int
exec_log(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	struct log_ctx l = { 0 };
	const struct optv *objs = opt_all(e, ov, "objection");
	int rc;

	(void)npos;
	l.ref = pos[0];
	if (opt_get(e, ov, "summary") == NULL)
		return cli_usage_error(e, "an interaction needs --summary TEXT");
	if (opt_get(e, ov, "due") != NULL && opt_get(e, ov, "next") == NULL)
		return cli_usage_error(e, "--due dates a next action: give --next too");
	for (size_t i = 0; i < NLOG; i++) {
		const char *v = opt_get(e, ov, log_map[i].opt);
		if (v != NULL)
			l.f[l.n++] = (struct dbk_field){ log_map[i].field, v };
	}
	l.obj = objs && objs->n ? objs->vals : NULL;
	l.nobj = objs ? objs->n : 0;
	if ((rc = dbk_store_write(c->store, log_txn, &l, &c->err)) != 0)
		return cli_fail(c, rc);
	cli_print_added(c, "interaction", &l.id,
	    l.late ? "(recorded more than 24 h after it happened: flagged late)" :
	    NULL);
	return 0;
}

static const struct opt log_opts[] = {
	{ "summary", "TEXT", 0, "what was discussed (required)" },
	{ "at", "DATETIME", 0, "when it happened (default now)" },
	{ "channel", "C", 0, "phone, visit, online, email or other" },
	{ "with", "NAMES", 0, "participants, theirs and ours" },
	{ "feedback", "TEXT", 0, "the customer's feedback" },
	{ "agreed", "TEXT", 0, "what was agreed" },
	{ "materials", "TEXT", 0, "materials delivered" },
	{ "their-next", "TEXT", 0, "the customer's committed next step" },
	{ "objection", "TEXT", 1, "an objection raised" },
	{ "competitor", "TEXT", 0, "competitor moves" },
	{ "opportunity", "TEXT", 0, "new needs or opportunities" },
	{ "next", "TEXT", 0, "our next action" },
	{ "due", "DATE", 0, "when the next action is due" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_log = {
	"log", NULL, "<customer>", 1, 1, log_opts, CMD_STORE,
	"record an interaction with a customer",
	"dealbook log 20240501 --at '2024-05-10 10:00' --channel visit "
	"--summary '介紹智能倉儲解決方案' --objection '預算需審批' "
	"--next '提交客戶案例與技術白皮書' --due 2024-05-17",
	exec_log
};

/* ---- stage ---- */

struct stage_ctx {
	const char *ref, *stage;
	struct dbk_stage_opts o;
	struct dbk_stage_result res;
};

static int
stage_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct stage_ctx *s = vctx;
	struct dbk_id cid;
	int rc = dbk_resolve(t, DBK_T_CUSTOMER, s->ref, &cid, err);

	if (rc != 0)
		return rc;
	return dbk_stage_set(t, &cid, s->stage, &s->o, &s->res, err);
}

static int
exec_stage(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	struct stage_ctx s = { 0 };
	const struct optv *chk = opt_all(e, ov, "check");
	struct dbk_check *checks = NULL;
	int rc;

	(void)npos;
	s.ref = pos[0];
	s.stage = pos[1];
	if (chk != NULL && chk->n > 0) {
		if ((checks = calloc(chk->n, sizeof *checks)) == NULL)
			return cli_error(1, "out of memory");
		for (size_t i = 0; i < chk->n; i++) {
			const char *eq = strchr(chk->vals[i], '=');
			if (eq == NULL || eq == chk->vals[i]) {
				for (size_t j = 0; j < i; j++)
					free((char *)checks[j].key);
				free(checks);
				return cli_error(5, "invalid --check '%s' (expected "
				    "KEY=VALUE)", chk->vals[i]);
			}
			checks[i].key = strndup(chk->vals[i],
			    (size_t)(eq - chk->vals[i]));
			checks[i].value = eq + 1;
		}
		s.o.checks = checks;
		s.o.nchecks = chk->n;
	}
	s.o.at = opt_get(e, ov, "at");
	s.o.probability = opt_get(e, ov, "probability");
	s.o.note = opt_get(e, ov, "note");
	s.o.force = opt_has(e, ov, "force");
	rc = dbk_store_write(c->store, stage_txn, &s, &c->err);
	for (size_t i = 0; i < s.o.nchecks; i++)
		free((char *)checks[i].key);
	free(checks);
	if (rc != 0)
		return cli_fail(c, rc);
	if (c->fmt == TBL_JSON) {
		printf("{\"from\":\"%s\",\"to\":\"%s\",\"probability\":%d,"
		    "\"forced\":%s}\n", dbk_stage_name(s.res.from),
		    dbk_stage_name(s.res.to), s.res.probability,
		    s.res.forced ? "true" : "false");
		return 0;
	}
	if (s.res.backdated) {
		printf("%s -> %s recorded as history at that date; the current "
		    "stage is unchanged\n",
		    c->zh ? dbk_stage_name_zh(s.res.from) : dbk_stage_name(s.res.from),
		    c->zh ? dbk_stage_name_zh(s.res.to) : dbk_stage_name(s.res.to));
		return 0;
	}
	printf("%s -> %s (win probability %d%%%s)%s\n",
	    c->zh ? dbk_stage_name_zh(s.res.from) : dbk_stage_name(s.res.from),
	    c->zh ? dbk_stage_name_zh(s.res.to) : dbk_stage_name(s.res.to),
	    s.res.probability,
	    s.res.override_kept ? ", the customer's own override kept" : "",
	    s.res.forced ? " -- gate overridden with --force, recorded" : "");
	return 0;
}

static const struct opt stage_opts[] = {
	{ "at", "DATE", 0, "when the change happened (default now)" },
	{ "check", "KEY=VALUE", 1, "a checklist answer, e.g. budget=yes" },
	{ "probability", "P", 0, "this customer's own win probability (0-100)" },
	{ "note", "TEXT", 0, "why" },
	{ "force", NULL, 0, "move despite a failed gate (recorded)" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_stage = {
	"stage", NULL, "<customer> <stage>", 2, 2, stage_opts, CMD_STORE,
	"move a customer along lead > intent > proposal > negotiation > won > service (or lost)",
	"dealbook stage 20240501 意向 --check budget=yes --check need=yes "
	"--check authority=yes",
	exec_stage
};

/* ---- objections ---- */

struct obj_ctx {
	struct cli *c;
	const char *ref, *response;
	struct dbk_id id;
	struct tbl *tb;
	int oom;
};

static int
resolve_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct obj_ctx *o = vctx;
	int rc = dbk_resolve(t, DBK_T_OBJECTION, o->ref, &o->id, err);

	if (rc != 0)
		return rc;
	return dbk_objection_resolve(t, &o->id, o->response, err);
}

static int
exec_objection_resolve(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct obj_ctx o = { 0 };
	char sid[9];
	int rc;

	(void)npos;
	o.ref = pos[0];
	o.response = opt_get(e, ov, "response");
	if ((rc = dbk_store_write(c->store, resolve_txn, &o, &c->err)) != 0)
		return cli_fail(c, rc);
	cli_short_id(&o.id, sid);
	if (c->fmt == TBL_JSON)
		cli_print_updated(c, "objection", &o.id, 1);
	else
		printf("objection %s resolved\n", sid);
	return 0;
}

static const struct opt resolve_opts[] = {
	{ "response", "TEXT", 0, "how it was handled" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_objection_resolve = {
	"objection", "resolve", "<objection>", 1, 1, resolve_opts, CMD_STORE,
	"mark an objection resolved",
	"dealbook objection resolve 3f2a9c1b --response '增加免費維護3個月'",
	exec_objection_resolve
};

static int
obj_cb(struct dbk_record *r, void *vctx)
{
	struct obj_ctx *o = vctx;
	char sid[DBK_ID_HEX], *text = cli_value(o->c, r, "text");
	char *resolved = cli_value(o->c, r, "resolved");
	char *resp = cli_value(o->c, r, "response");
	const char *row[4] = { sid, text, resolved, resp };

	cli_id(o->c, dbk_record_id(r), sid);
	if (tbl_add_row(o->tb, row) != 0)
		o->oom = 1;
	free(text);
	free(resolved);
	free(resp);
	return 0;
}

static int
objlist_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct obj_ctx *o = vctx;
	struct dbk_id cid;
	int rc;

	if (o->ref == NULL)
		return dbk_record_foreach(t, DBK_T_OBJECTION, obj_cb, o, err);
	if ((rc = dbk_resolve(t, DBK_T_CUSTOMER, o->ref, &cid, err)) != 0)
		return rc;
	return dbk_record_children(t, &cid, DBK_T_OBJECTION, obj_cb, o, err);
}

static int
exec_objection_list(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	static const char *const keys[] = { "id", "text", "resolved", "response" };
	const char *en[] = { "id", "objection", "resolved", "our response" };
	const char *zh[] = { "編號", "異議", "已解決", "應對" };
	struct obj_ctx o = { 0 };
	int rc;

	(void)e; (void)ov;
	o.c = c;
	o.ref = npos > 0 ? pos[0] : NULL;
	if ((o.tb = tbl_new(4, keys, c->zh ? zh : en)) == NULL)
		return cli_error(1, "out of memory");
	rc = dbk_store_read(c->store, objlist_txn, &o, &c->err);
	if (rc != 0) {
		tbl_free(o.tb);
		return cli_fail(c, rc);
	}
	rc = o.oom ? cli_error(1, "out of memory") :
	    tbl_print(o.tb, stdout, c->fmt) != 0 ? cli_error(1, "writing failed") : 0;
	tbl_free(o.tb);
	return rc;
}

const struct cmd_entry cmd_objection_list = {
	"objection", "list", "[<customer>]", 0, 1, NULL, CMD_STORE,
	"list objections, of one customer or all",
	"dealbook objection list 20240501",
	exec_objection_list
};

/* ---- timeline ---- */

struct tl_ctx {
	struct cli *c;
	const char *ref;
	struct tbl *tb;
	int oom;
};

/* One line of text describing an event. */
static char *
describe(struct cli *c, const struct dbk_record *r)
{
	char *a = NULL, *b = NULL, *d = NULL, *out = NULL;
	int n = -1;

	switch (dbk_record_type(r)) {
	case DBK_T_INTERACTION:
		a = cli_value(c, r, "summary");
		b = cli_value(c, r, "feedback");
		d = cli_value(c, r, "next");
		n = asprintf(&out, "%s%s%s%s%s%s", a ? a : "",
		    b ? (c->zh ? " / 反饋：" : " / feedback: ") : "", b ? b : "",
		    d ? (c->zh ? " / 下一步：" : " / next: ") : "", d ? d : "",
		    dbk_record_str(r, "late") &&
		    strcmp(dbk_record_str(r, "late"), "1") == 0 ?
		    (c->zh ? " [逾時錄入]" : " [late]") : "");
		break;
	case DBK_T_OBJECTION:
		a = cli_value(c, r, "text");
		n = asprintf(&out, "%s%s", a ? a : "",
		    dbk_record_str(r, "resolved") &&
		    strcmp(dbk_record_str(r, "resolved"), "1") == 0 ?
		    (c->zh ? " [已解決]" : " [resolved]") :
		    (c->zh ? " [未解決]" : " [open]"));
		break;
	case DBK_T_COMPETITOR:
		a = cli_value(c, r, "name");
		n = asprintf(&out, "%s", a ? a : "");
		break;
	case DBK_T_STAGE:
		a = cli_value(c, r, "from");
		b = cli_value(c, r, "stage");
		d = cli_value(c, r, "checks");
		n = asprintf(&out, "%s%s%s%s%s%s", a ? a : "", a ? " -> " : "",
		    b ? b : "", d ? " (" : "", d ? d : "", d ? ")" : "");
		if (n >= 0 && dbk_record_str(r, "forced") &&
		    strcmp(dbk_record_str(r, "forced"), "1") == 0) {
			char *o2 = NULL;
			n = asprintf(&o2, "%s [forced]", out);
			free(out);
			out = o2;
		}
		break;
	case DBK_T_DEAL:
		a = cli_value(c, r, "amount");
		n = asprintf(&out, "%s %s", c->zh ? "簽約" : "signed",
		    a ? a : "");
		break;
	case DBK_T_PAYMENT:
		a = cli_value(c, r, "amount");
		n = asprintf(&out, "%s %s", c->zh ? "回款" : "received",
		    a ? a : "");
		break;
	default:
		break;
	}
	free(a);
	free(b);
	free(d);
	return n < 0 ? NULL : out;
}

static int
exec_timeline_print(struct cli *c, struct dbk_list *l)
{
	static const char *const keys[] = { "at", "type", "id", "what" };
	const char *en[] = { "when", "what", "id", "details" };
	const char *zh[] = { "時間", "類型", "編號", "內容" };
	struct tbl *tb = tbl_new(4, keys, c->zh ? zh : en);
	int rc = 0;

	if (tb == NULL)
		return cli_error(1, "out of memory");
	for (size_t i = 0; i < l->n; i++) {
		struct dbk_record *r = l->r[i];
		char secs[24], *when, *what, sid[DBK_ID_HEX];
		const char *row[4];
		snprintf(secs, sizeof secs, "%lld", (long long)dbk_event_time(r));
		when = cli_datetime(c, secs);
		what = describe(c, r);
		cli_id(c, dbk_record_id(r), sid);
		row[0] = when;
		row[1] = dbk_type_name(dbk_record_type(r));
		row[2] = sid;
		row[3] = what;
		if (tbl_add_row(tb, row) != 0)
			rc = cli_error(1, "out of memory");
		free(when);
		free(what);
	}
	if (rc == 0 && tbl_print(tb, stdout, c->fmt) != 0)
		rc = cli_error(1, "writing failed");
	tbl_free(tb);
	return rc;
}

struct tlq {
	struct cli *c;
	const char *ref;
	int rc;
};

static int
timeline_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct tlq *q = vctx;
	struct dbk_list l;
	struct dbk_id cid;
	int rc = dbk_resolve(t, DBK_T_CUSTOMER, q->ref, &cid, err);

	if (rc != 0)
		return rc;
	if ((rc = dbk_timeline(t, &cid, &l, err)) != 0)
		return rc;
	q->rc = exec_timeline_print(q->c, &l);
	dbk_list_free(&l);
	return 0;
}

static int
exec_timeline(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	struct tlq q = { c, pos[0], 0 };
	int rc;

	(void)e; (void)npos; (void)ov;
	if ((rc = dbk_store_read(c->store, timeline_txn, &q, &c->err)) != 0)
		return cli_fail(c, rc);
	return q.rc;
}

const struct cmd_entry cmd_timeline = {
	"timeline", NULL, "<customer>", 1, 1, NULL, CMD_STORE,
	"a customer's interactions, stage changes, deals and payments in time order",
	"dealbook timeline 20240501",
	exec_timeline
};

/* ---- todo ---- */

static int
todo_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	static const char *const keys[] = { "due", "overdue", "customer", "name",
		"next", "their_next" };
	const char *en[] = { "due", "", "customer", "name", "next action",
		"their next step" };
	const char *zh[] = { "期限", "", "客戶編號", "客戶名稱", "下一步行動",
		"客戶承諾" };
	struct tlq *q = vctx;
	struct cli *c = q->c;
	struct dbk_list l;
	struct tbl *tb;
	int32_t today;
	int rc;

	if ((rc = dbk_todo(t, &l, err)) != 0)
		return rc;
	if (dbk_parse_date("today", dbk_store_now(c->store), &today) != 0)
		today = 0;
	if ((tb = tbl_new(6, keys, c->zh ? zh : en)) == NULL) {
		dbk_list_free(&l);
		q->rc = cli_error(1, "out of memory");
		return 0;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct dbk_record *r = l.r[i];
		const char *due = dbk_record_str(r, "next_due");
		char *ref = cli_customer_ref(r), *name = cli_value(c, r, "name");
		char *next = cli_value(c, r, "next");
		char *their = cli_value(c, r, "their_next");
		int32_t d;
		int over = due && dbk_parse_date(due, 0, &d) == 0 && d < today;
		const char *row[6] = { due, over ? (cli_machine(c) ? "true" :
		    (c->zh ? "逾期" : "OVERDUE")) : (cli_machine(c) ? "false" : ""),
		    ref, name, next, their };
		if (tbl_add_row(tb, row) != 0)
			q->rc = cli_error(1, "out of memory");
		free(ref);
		free(name);
		free(next);
		free(their);
	}
	if (q->rc == 0 && tbl_print(tb, stdout, c->fmt) != 0)
		q->rc = cli_error(1, "writing failed");
	tbl_free(tb);
	dbk_list_free(&l);
	return 0;
}

static int
exec_todo(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	struct tlq q = { c, NULL, 0 };
	int rc;

	(void)e; (void)npos; (void)pos; (void)ov;
	if ((rc = dbk_store_read(c->store, todo_txn, &q, &c->err)) != 0)
		return cli_fail(c, rc);
	return q.rc;
}

const struct cmd_entry cmd_todo = {
	"todo", NULL, "", 0, 0, NULL, CMD_STORE,
	"next actions by due date, overdue first",
	"dealbook todo",
	exec_todo
};
