/*
 * cmd_eval.c -- the effect review: goal set/list, review add/list, eval
 * PERIOD (the evaluation table), and audited runs: eval run/list/show/
 * verify.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"

/*
 * Periods are whole days on this machine's clock, at the offset in force
 * at noon of the period's first day (so a winter quarter evaluated in
 * summer keeps its winter offset).  The offset is recorded with every run,
 * so a run verifies the same anywhere.  A period that does not parse
 * keeps the current offset; the library then names the bad text.
 */
int
cli_utc_offset(struct cli *c, const char *period)
{
	time_t when = (time_t)dbk_store_now(c->store);
	struct dbk_period p;
	struct dbk_error e = { 0 };
	struct tm tm;

	if (period != NULL && dbk_period_parse(period, 0, &p, &e) == 0)
		when = (time_t)p.first_day * 86400 + 43200;
	dbk_error_clear(&e);
	if (localtime_r(&when, &tm) == NULL)
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

/* ---- goal ---- */

struct goal_ctx {
	struct cli *c;
	const char *period, *metric, *member, *target, *benchmark;
	struct dbk_id id;
	int replaced, offset;
	struct tbl *tb;
	int oom;
};

static int
goal_set_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct goal_ctx *g = vctx;

	return dbk_goal_set(t, g->period, g->metric, g->member, g->target,
	    g->benchmark, g->offset, &g->id, &g->replaced, err);
}

static int
exec_goal_set(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	struct goal_ctx g = { 0 };
	int rc;

	(void)npos;
	g.c = c;
	g.period = pos[0];
	g.metric = cli_metric_key(pos[1]);
	g.target = pos[2];
	g.member = opt_get(e, ov, "member");
	g.benchmark = opt_get(e, ov, "benchmark");
	g.offset = cli_utc_offset(c, g.period);
	if ((rc = dbk_store_write(c->store, goal_set_txn, &g, &c->err)) != 0)
		return cli_fail(c, rc);
	cli_print_added(c, "goal", &g.id, g.replaced ? "(changed the goal "
	    "set before)" : NULL);
	return 0;
}

static const struct opt goal_set_opts[] = {
	{ "member", "M", 0, "a member's goal (default the team's)" },
	{ "benchmark", "V", 0, "a reference value shown beside the result "
	    "(e.g. the industry average 20%)" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_goal_set = {
	"goal", "set", "<period> <indicator> <target>", 3, 3, goal_set_opts,
	CMD_STORE,
	"set a target for an indicator in a period (team or --member)",
	"dealbook goal set 2024Q2 new_customers 15",
	exec_goal_set
};

/* A value of indicator `key` for people or programs. */
static char *
metric_text(struct cli *c, const char *key, const char *raw)
{
	struct dbk_error e = { 0 };
	enum dbk_unit u;
	int64_t v;
	char buf[40];

	if (raw == NULL)
		return NULL;
	if (dbk_metric_unit(key, &u, &e) != 0 ||
	    dbk_parse_int(raw, INT64_MIN, INT64_MAX, &v) != 0 ||
	    dbk_metric_format(u, DBK_MS_OK, v, dbk_store_minor_digits(c->store),
	    cli_machine(c), buf, sizeof buf) < 0) {
		dbk_error_clear(&e);
		return strdup(raw);
	}
	return strdup(buf);
}

static int
goal_list_cb(struct dbk_record *r, void *vctx)
{
	struct goal_ctx *g = vctx;
	const char *metric = dbk_record_str(r, "metric");
	char sid[DBK_ID_HEX], *target, *bench;
	const char *row[6];

	cli_id(g->c, dbk_record_id(r), sid);
	target = metric_text(g->c, metric, dbk_record_str(r, "target"));
	bench = metric_text(g->c, metric, dbk_record_str(r, "benchmark"));
	row[0] = sid;
	row[1] = dbk_record_str(r, "period");
	row[2] = metric;
	row[3] = dbk_record_str(r, "member");
	if (row[3] == NULL && !cli_machine(g->c))
		row[3] = g->c->zh ? "團隊" : "team";
	row[4] = target;
	row[5] = bench;
	if (tbl_add_row(g->tb, row) != 0)
		g->oom = 1;
	free(target);
	free(bench);
	return 0;
}

static int
goal_list_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	return dbk_record_foreach(t, DBK_T_GOAL, goal_list_cb, vctx, err);
}

static int
exec_goal_list(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	static const char *const keys[] = { "id", "period", "metric", "member",
		"target", "benchmark" };
	const char *en[] = { "id", "period", "indicator", "for", "target",
		"benchmark" };
	const char *zh[] = { "編號", "評估周期", "指標", "對象", "目標",
		"參考基準" };
	struct goal_ctx g = { 0 };

	(void)e; (void)npos; (void)pos; (void)ov;
	g.c = c;
	if ((g.tb = tbl_new(6, keys, c->zh ? zh : en)) == NULL)
		return cli_error(1, "out of memory");
	return cli_read_table(c, g.tb, goal_list_txn, &g, &g.oom);
}

const struct cmd_entry cmd_goal_list = {
	"goal", "list", "", 0, 0, NULL, CMD_STORE,
	"list the goals",
	"dealbook goal list",
	exec_goal_list
};

/* ---- review ---- */

struct review_ctx {
	const char *period, *member, *success, *problem, *action;
	int offset;
	struct dbk_id id;
};

static int
review_add_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct review_ctx *r = vctx;

	return dbk_review_add(t, r->period, r->member, r->success, r->problem,
	    r->action, r->offset, &r->id, err);
}

static int
exec_review_add(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct review_ctx r = { 0 };
	int rc;

	(void)npos;
	r.period = pos[0];
	r.member = opt_get(e, ov, "member");
	r.success = opt_get(e, ov, "success");
	r.problem = opt_get(e, ov, "problem");
	r.action = opt_get(e, ov, "action");
	r.offset = cli_utc_offset(c, r.period);
	if ((rc = dbk_store_write(c->store, review_add_txn, &r, &c->err)) != 0)
		return cli_fail(c, rc);
	cli_print_added(c, "review", &r.id, NULL);
	return 0;
}

static const struct opt review_add_opts[] = {
	{ "member", "M", 0, "a member's review (default the team's)" },
	{ "success", "T", 0, "what worked (成功經驗)" },
	{ "problem", "T", 0, "problems to fix (待改進問題)" },
	{ "action", "T", 0, "improvement actions (優化措施)" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_review_add = {
	"review", "add", "<period>", 1, 1, review_add_opts, CMD_STORE,
	"record the review of a period: what worked, problems, actions",
	"dealbook review add 2024Q2 --problem \"高潛客戶每周只跟進一次\" "
	"--action \"每周一次電話加一次郵件\"",
	exec_review_add
};

/* ---- eval PERIOD: the evaluation table ---- */

struct eval_ctx {
	struct cli *c;
	const char *period;
	enum dbk_scope by;
	int stalled, offset;
	int rc;
	struct dbk_id run;	/* eval run: the run made */
};

/*
 * A value for people or programs; "" for nothing.  buf: 40 bytes.  An
 * amount is masked without --reveal, as every sensitive value is: "••••"
 * for people, nothing (null) for programs.
 */
static const char *
mtext(struct cli *c, const struct dbk_eval *e, enum dbk_unit u,
    const struct dbk_mstate *s, char *buf)
{
	if (u == DBK_U_MONEY && s->status == DBK_MS_OK && !c->reveal) {
		snprintf(buf, 40, "%s", cli_machine(c) ? "" : "••••");
		return buf;
	}
	if (dbk_metric_format(u, s->status, s->value, e->minor_digits,
	    cli_machine(c), buf, 40) < 0)
		buf[0] = '\0';
	return buf;
}

/* Amounts out of an evaluation document unless --reveal: each money
 * metric's numbers become null (its status stays), and so do the
 * numerator and denominator of a ratio of amounts (collection_rate: its
 * percentage stays). */
void
cli_eval_json_mask(cJSON *root)
{
	static const char *const nums[] = { "value", "num", "den", "median",
		"target", "benchmark" };
	const cJSON *g;

	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(root, "groups")) {
		const cJSON *m;
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(g,
		    "metrics")) {
			const cJSON *u = cJSON_GetObjectItemCaseSensitive(m, "unit");
			const cJSON *k = cJSON_GetObjectItemCaseSensitive(m, "key");
			cJSON *prev;
			if (cJSON_IsString(k) &&
			    strcmp(k->valuestring, "collection_rate") == 0) {
				cJSON_ReplaceItemInObjectCaseSensitive((cJSON *)m, "num",
				    cJSON_CreateNull());
				cJSON_ReplaceItemInObjectCaseSensitive((cJSON *)m, "den",
				    cJSON_CreateNull());
				continue;
			}
			if (!cJSON_IsString(u) || strcmp(u->valuestring, "money") != 0)
				continue;
			for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
				if (cJSON_GetObjectItemCaseSensitive(m, nums[i]))
					cJSON_ReplaceItemInObjectCaseSensitive(
					    (cJSON *)m, nums[i], cJSON_CreateNull());
			prev = cJSON_GetObjectItemCaseSensitive(m, "previous");
			if (prev != NULL &&
			    cJSON_GetObjectItemCaseSensitive(prev, "value"))
				cJSON_ReplaceItemInObjectCaseSensitive(prev, "value",
				    cJSON_CreateNull());
		}
	}
}

/* An evaluation document on stdout, amounts masked unless --reveal. */
static int
print_eval_json(struct cli *c, const char *json)
{
	cJSON *o;
	char *txt;

	if (c->reveal) {
		puts(json);
		return 0;
	}
	if ((o = cJSON_Parse(json)) == NULL)
		return cli_error(1, "out of memory");
	cli_eval_json_mask(o);
	if ((txt = cJSON_PrintUnformatted(o)) == NULL) {
		cJSON_Delete(o);
		return cli_error(1, "out of memory");
	}
	puts(txt);
	cJSON_free(txt);
	cJSON_Delete(o);
	return 0;
}

static const char *
group_name(struct cli *c, const struct dbk_egroup *g)
{
	if (g->team)
		return c->zh ? "團隊" : "team";
	if (g->name == NULL || g->name[0] == '\0')
		return c->zh ? "（未指定）" : "(none)";
	return g->name;
}

#define STALLED_SHOWN 10

/* The stalled customers of a group as "CODE name (N days)", joined. */
static char *
stalled_text(struct cli *c, struct dbk_txn *t, const struct dbk_egroup *g)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	if (fp == NULL)
		return NULL;
	/* The longest-silent first; a long tail is counted, not listed (JSON
	 * has every one). */
	for (size_t i = 0; i < g->nstalled && i < STALLED_SHOWN; i++) {
		struct dbk_record *r = NULL;
		struct dbk_error e = { 0 };
		char *ref = NULL, *name = NULL;
		if (dbk_record_load(t, &g->stalled[i].customer, &r, &e) == 0) {
			ref = cli_customer_ref(r);
			name = cli_value(c, r, "name");
		}
		dbk_error_clear(&e);
		fprintf(fp, "%s%s %s (%" PRId64 " %s)", i ? ", " : "",
		    ref ? ref : "?", name ? name : "", g->stalled[i].days,
		    c->zh ? "天" : "days");
		free(ref);
		free(name);
		dbk_record_free(r);
	}
	if (g->nstalled > STALLED_SHOWN)
		fprintf(fp, c->zh ? "，另有 %zu 位（--format json 列出全部）" :
		    ", and %zu more (--format json lists them all)",
		    g->nstalled - STALLED_SHOWN);
	if (fclose(fp) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static const char *const stage_keys[DBK_STAGE_COUNT] = { "lead", "intent",
	"proposal", "negotiation", "won", "service", "lost" };

/* n cells of a bar: full blocks, then light shade up to width. */
static void
bar(size_t n, size_t width)
{
	for (size_t i = 0; i < n; i++)
		fputs("█", stdout);
	for (size_t i = n; i < width; i++)
		fputs("░", stdout);
}

/* On a terminal: the funnel and the achievement of each goal as bars,
 * so a quick look needs no browser. */
static void
bars(struct cli *c, const struct dbk_eval *e, const struct dbk_egroup *g)
{
	const size_t width = 30;
	int64_t max = 1;
	char a[40];

	for (int s = 0; s < DBK_STAGE_COUNT; s++)
		if (g->funnel[s] > max)
			max = g->funnel[s];
	for (int s = 0; s < DBK_STAGE_COUNT; s++) {
		const char *name = c->zh ? dbk_stage_name_zh((enum dbk_stage)s) :
		    stage_keys[s];
		size_t dw = dbk_display_width(name);
		printf("  %s%*s", name, (int)(dw < 13 ? 13 - dw : 1), "");
		bar((size_t)(g->funnel[s] * (int64_t)width / max), width);
		printf(" %" PRId64 "\n", g->funnel[s]);
	}
	for (size_t i = 0; i < DBK_M_COUNT; i++) {
		const struct dbk_mvalue *v = &g->v[i];
		int64_t pm;
		if (!v->has_target)
			continue;
		pm = v->achievement.status == DBK_MS_OK ? v->achievement.value : 0;
		if (pm < 0)
			pm = 0;
		printf("  %s\n  ", v->key);
		/* The scale ends at 100 %: beyond it the bar runs on. */
		bar((size_t)((pm > 3000 ? 3000 : pm) * (int64_t)width / 1000),
		    width);
		printf(" %s\n", mtext(c, e, DBK_U_PERMILLE, &v->achievement, a));
	}
}

/* One group of the evaluation as a table, in the layout of the source
 * document's evaluation table: period, scope, target, actual, achievement,
 * the key-indicator comparisons, then the review texts. */
static int
print_group_table(struct cli *c, struct dbk_txn *t, const struct dbk_eval *e,
    const struct dbk_egroup *g)
{
	static const char *const keys[] = { "indicator", "actual", "target",
		"achievement", "benchmark", "previous", "note" };
	const char *en[] = { "indicator", "actual", "target", "achievement",
		"benchmark", "previous", "" };
	const char *zh[] = { "指標", "實際完成", "銷售目標", "達成率",
		"參考基準", "上期", "" };
	struct tbl *tb = tbl_new(7, keys, c->zh ? zh : en);
	char a[40], tg[40], ac[40], bm[40], pv[40];
	char *st;
	int rc = 0;

	if (tb == NULL)
		return cli_error(1, "out of memory");
	printf("%s: %s\n", c->zh ? "評估維度" : "scope", group_name(c, g));
	for (size_t i = 0; i < DBK_M_COUNT; i++) {
		const struct dbk_mvalue *v = &g->v[i];
		struct dbk_mstate ts = { DBK_MS_OK, v->target, NULL };
		struct dbk_mstate bs = { DBK_MS_OK, v->benchmark, NULL };
		const char *row[7];
		char note[160];
		note[0] = '\0';
		if (v->cur.status != DBK_MS_OK && v->cur.why != NULL)
			snprintf(note, sizeof note, "%s", v->cur.why);
		if (v->has_median && v->median.status == DBK_MS_OK) {
			char md[40];
			snprintf(note, sizeof note, "%s %s", c->zh ? "中位數" :
			    "median", mtext(c, e, v->unit, &v->median, md));
		}
		/* In Chinese the indicator's name; in English its key, which
		 * is what goal set and the JSON use. */
		row[0] = c->zh ? cli_metric_label(c, v->key) : v->key;
		row[1] = mtext(c, e, v->unit, &v->cur, a);
		row[2] = v->has_target ? mtext(c, e, v->unit, &ts, tg) : "";
		row[3] = v->has_target ? mtext(c, e, DBK_U_PERMILLE,
		    &v->achievement, ac) : "";
		row[4] = v->has_benchmark ? mtext(c, e, v->unit, &bs, bm) : "";
		row[5] = mtext(c, e, v->unit, &v->prev, pv);
		row[6] = note;
		if (tbl_add_row(tb, row) != 0)
			rc = cli_error(1, "out of memory");
	}
	if (rc == 0 && tbl_print(tb, stdout, TBL_TABLE) != 0)
		rc = cli_error(1, "writing failed");
	tbl_free(tb);
	if (rc != 0)
		return rc;
	/* Key indicators against their goals and benchmarks. */
	{
		int any = 0;
		for (size_t i = 0; i < DBK_M_COUNT; i++) {
			const struct dbk_mvalue *v = &g->v[i];
			struct dbk_mstate ts = { DBK_MS_OK, v->target, NULL };
			struct dbk_mstate bs = { DBK_MS_OK, v->benchmark, NULL };
			if (!v->has_target && !v->has_benchmark)
				continue;
			printf("%s%s %s", any ? "; " : (c->zh ? "關鍵指標分析：" :
			    "key indicators: "), v->key, mtext(c, e, v->unit,
			    &v->cur, a));
			if (v->has_target)
				printf(" (%s %s, %s %s)", c->zh ? "目標" : "target",
				    mtext(c, e, v->unit, &ts, tg),
				    c->zh ? "達成" : "achieved",
				    mtext(c, e, DBK_U_PERMILLE, &v->achievement, ac));
			if (v->has_benchmark)
				printf(" (%s %s)", c->zh ? "基準" : "benchmark",
				    mtext(c, e, v->unit, &bs, bm));
			printf(" (%s %s %s)", c->zh ? "上期" : "previous",
			    e->previous.label, mtext(c, e, v->unit, &v->prev, pv));
			any = 1;
		}
		if (any)
			putchar('\n');
	}
	for (size_t i = 0; i < g->nreviews; i++) {
		const struct dbk_fact_review *r = g->reviews[i];
		if (r->success != NULL)
			printf("%s%s\n", c->zh ? "成功經驗：" : "what worked: ",
			    r->success);
		if (r->problem != NULL)
			printf("%s%s\n", c->zh ? "待改進問題：" : "problems: ",
			    r->problem);
		if (r->action != NULL)
			printf("%s%s\n", c->zh ? "優化措施：" : "actions: ",
			    r->action);
	}
	/* The funnel at the period's end and the stalled customers. */
	{
		char day[11];
		dbk_format_date(e->period.last_day, day);
		printf("%s %s:", c->zh ? "漏斗，截至" : "funnel at", day);
		for (int s = 0; s < DBK_STAGE_COUNT; s++)
			printf(" %s %" PRId64, c->zh ?
			    dbk_stage_name_zh((enum dbk_stage)s) : stage_keys[s],
			    g->funnel[s]);
		printf("\n%s", c->zh ? "階段轉化：" : "conversion:");
		for (int s = 0; s < DBK_FUNNEL_STEPS; s++)
			printf(" %s->%s %s", stage_keys[s], stage_keys[s + 1],
			    mtext(c, e, DBK_U_PERMILLE, &g->conv[s].cur, a));
		putchar('\n');
	}
	if (isatty(STDOUT_FILENO))
		bars(c, e, g);
	st = stalled_text(c, t, g);
	printf("%s %d+ %s: %s\n", c->zh ? "停滯客戶（未聯系" : "stalled (no contact for",
	    e->stalled_days, c->zh ? "天）" : "days)",
	    g->nstalled == 0 ? (c->zh ? "無" : "none") : st ? st : "?");
	free(st);
	return 0;
}

/* CSV and markdown: one row per group and indicator. */
static int
print_rows(struct cli *c, const struct dbk_eval *e)
{
	static const char *const keys[] = { "period", "scope", "group",
		"metric", "status", "actual", "target", "achievement", "benchmark",
		"previous", "median", "why" };
	struct tbl *tb = tbl_new(12, keys, NULL);
	char a[40], tg[40], ac[40], bm[40], pv[40], md[40];
	int rc = 0;

	if (tb == NULL)
		return cli_error(1, "out of memory");
	for (size_t gi = 0; gi < e->ng; gi++) {
		const struct dbk_egroup *g = &e->g[gi];
		for (size_t i = 0; i < DBK_M_COUNT; i++) {
			const struct dbk_mvalue *v = &g->v[i];
			struct dbk_mstate ts = { DBK_MS_OK, v->target, NULL };
			struct dbk_mstate bs = { DBK_MS_OK, v->benchmark, NULL };
			const char *row[12] = { e->period.label,
				dbk_scope_name(e->by), g->team ? "team" : g->name,
				v->key, dbk_mstatus_name(v->cur.status),
				mtext(c, e, v->unit, &v->cur, a),
				v->has_target ? mtext(c, e, v->unit, &ts, tg) : NULL,
				v->has_target ? mtext(c, e, DBK_U_PERMILLE,
				    &v->achievement, ac) : NULL,
				v->has_benchmark ? mtext(c, e, v->unit, &bs, bm) : NULL,
				mtext(c, e, v->unit, &v->prev, pv),
				v->has_median ? mtext(c, e, v->unit, &v->median, md) :
				    NULL,
				v->cur.why };
			if (tbl_add_row(tb, row) != 0)
				rc = cli_error(1, "out of memory");
		}
	}
	if (rc == 0 && tbl_print(tb, stdout, c->fmt) != 0)
		rc = cli_error(1, "writing failed");
	tbl_free(tb);
	return rc;
}

static int
print_eval(struct cli *c, struct dbk_txn *t, const struct dbk_eval *e)
{
	char a[11], b[11];
	int rc;

	if (c->fmt == TBL_JSON) {
		char *j = dbk_eval_json(e, DBK_EVAL_JSON_REVIEWS);
		if (j == NULL)
			return cli_error(1, "out of memory");
		rc = print_eval_json(c, j);
		explicit_bzero(j, strlen(j));
		free(j);
		return rc;
	}
	if (c->fmt == TBL_CSV || c->fmt == TBL_MD)
		return print_rows(c, e);
	dbk_format_date(e->period.first_day, a);
	dbk_format_date(e->period.last_day, b);
	printf("%s: %s (%s..%s), %s %s%s%s\n", c->zh ? "評估周期" : "period",
	    e->period.label, a, b, c->zh ? "上期" : "previous",
	    e->previous.label, e->restricted_key ? "" : " ",
	    e->restricted_key ? "" : (c->zh ?
	    "（無受限密鑰：金額指標顯示 restricted）" :
	    "(no restricted key: amount indicators show 'restricted')"));
	for (size_t i = 0; i < e->ng; i++) {
		putchar('\n');
		if ((rc = print_group_table(c, t, e, &e->g[i])) != 0)
			return rc;
	}
	return 0;
}

static int
eval_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct eval_ctx *x = vctx;
	struct dbk_eval *e = NULL;
	struct dbk_facts *f = NULL;
	int rc = dbk_eval_store(t, x->period, x->by, x->stalled, x->offset, &e,
	    &f, err);

	if (rc != 0)
		return rc;
	x->rc = print_eval(x->c, t, e);
	dbk_eval_free(e);
	dbk_facts_free(f);
	return 0;
}

/* --by and --stalled, shared by eval and eval run. */
static int
eval_opts(struct cli *c, const struct cmd_entry *e, struct optv *ov,
    struct eval_ctx *x)
{
	const char *by = opt_get(e, ov, "by"), *sd = opt_get(e, ov, "stalled");
	struct dbk_error err = { 0 };
	int64_t d;

	x->c = c;
	x->by = DBK_SCOPE_TEAM;
	x->stalled = 14;
	x->offset = 0;	/* set once the period is known */
	if (by != NULL && dbk_scope_parse(by, &x->by, &err) != 0) {
		dbk_error_clear(&err);
		return cli_error(5, "invalid scope '%s' for --by (expected team, "
		    "member or industry)", by);
	}
	if (sd != NULL) {
		if (dbk_parse_int(sd, 1, 3650, &d) != 0)
			return cli_error(5, "invalid number of days '%s' for "
			    "--stalled (expected 1 to 3650)", sd);
		x->stalled = (int)d;
	}
	return 0;
}

static int
exec_eval(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	struct eval_ctx x = { 0 };
	int rc;

	(void)npos;
	if ((rc = eval_opts(c, e, ov, &x)) != 0)
		return rc;
	x.period = pos[0];
	x.offset = cli_utc_offset(c, x.period);
	if ((rc = dbk_store_read(c->store, eval_txn, &x, &c->err)) != 0)
		return cli_fail(c, rc);
	return x.rc;
}

static const struct opt eval_opts_list[] = {
	{ "by", "SCOPE", 0, "team (default), member or industry" },
	{ "stalled", "DAYS", 0, "days without contact that make an open "
	    "customer stalled (default 14)" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_eval = {
	"eval", NULL, "<period>", 1, 1, eval_opts_list, CMD_STORE,
	"the evaluation table of a period (2024, 2024Q2, 2024-05, 2024W19, "
	"2024-04-01..2024-06-30); records nothing",
	"dealbook eval 2024Q2 --by member",
	exec_eval
};

/* ---- audited runs ---- */

static const char *
jget(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* A stored run's results (canonical JSON, docs/METRICS.md) as a table per
 * group: the values as they were recorded. */
static int
print_stored_results(struct cli *c, const char *json)
{
	static const char *const keys[] = { "indicator", "status", "value",
		"target", "achievement", "benchmark", "previous" };
	cJSON *root = cJSON_Parse(json);
	const cJSON *groups, *g;
	int rc = 0;

	if (root == NULL)
		return cli_error(6, "the run's results are not readable");
	groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
	cJSON_ArrayForEach(g, groups) {
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(g, "metrics"), *m;
		struct tbl *tb = tbl_new(7, keys, NULL);
		const char *name = jget(g, "name");
		if (tb == NULL) {
			rc = cli_error(1, "out of memory");
			break;
		}
		printf("\n%s: %s\n", c->zh ? "評估維度" : "scope",
		    name != NULL ? (*name ? name : "(none)") : "team");
		cJSON_ArrayForEach(m, ms) {
			const cJSON *ach = cJSON_GetObjectItemCaseSensitive(m,
			    "achievement");
			const cJSON *prev = cJSON_GetObjectItemCaseSensitive(m,
			    "previous");
			const char *st = jget(m, "status");
			const char *row[7] = { jget(m, "key"), st,
				st != NULL && strcmp(st, "ok") == 0 ? jget(m, "value") :
				    jget(m, "why"),
				jget(m, "target"), jget(ach, "value"),
				jget(m, "benchmark"), jget(prev, "value") };
			if (tbl_add_row(tb, row) != 0)
				rc = cli_error(1, "out of memory");
		}
		if (rc == 0 && tbl_print(tb, stdout, TBL_TABLE) != 0)
			rc = cli_error(1, "writing failed");
		tbl_free(tb);
	}
	cJSON_Delete(root);
	return rc;
}


static int
run_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct eval_ctx *x = vctx;

	return dbk_evalrun_create(t, x->period, x->by, x->stalled, x->offset,
	    &x->run, err);
}

static int
exec_eval_run(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	struct eval_ctx x = { 0 };
	char hex[DBK_ID_HEX];
	int rc;

	(void)npos;
	if ((rc = eval_opts(c, e, ov, &x)) != 0)
		return rc;
	x.period = pos[0];
	x.offset = cli_utc_offset(c, x.period);
	if ((rc = dbk_store_write(c->store, run_txn, &x, &c->err)) != 0)
		return cli_fail(c, rc);
	dbk_id_format(&x.run, hex);
	{
		const char *kv[] = { "type", "evalrun", "id", hex };
		if (cli_json_status(c, kv, 2))
			return 0;
	}
	printf("evaluation run %.8s recorded and signed; 'dealbook eval verify "
	    "%.8s' checks it\n", hex, hex);
	return 0;
}

const struct cmd_entry cmd_eval_run = {
	"eval", "run", "<period>", 1, 1, eval_opts_list, CMD_STORE,
	"compute a period's evaluation and store it as a signed, verifiable run",
	"dealbook eval run 2024Q2",
	exec_eval_run
};

struct runlist_ctx {
	struct cli *c;
	struct tbl *tb;
	int oom;
};

static int
runlist_cb(const struct dbk_evalrun *run, void *vctx)
{
	struct runlist_ctx *l = vctx;
	char sid[DBK_ID_HEX], secs[24], *when, n[24];
	const char *row[7];

	cli_id(l->c, &run->id, sid);
	snprintf(secs, sizeof secs, "%" PRId64, run->at);
	when = cli_datetime(l->c, secs);
	snprintf(n, sizeof n, "%zu", run->ninputs);
	row[0] = sid;
	row[1] = run->period;
	row[2] = run->by;
	row[3] = when;
	row[4] = run->member;
	row[5] = n;
	row[6] = run->digest;
	if (tbl_add_row(l->tb, row) != 0)
		l->oom = 1;
	free(when);
	return 0;
}

static int
runlist_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	return dbk_evalrun_list(t, runlist_cb, vctx, err);
}

static int
exec_eval_list(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	static const char *const keys[] = { "id", "period", "scope", "at",
		"member", "inputs", "digest" };
	const char *en[] = { "id", "period", "scope", "when", "by", "inputs",
		"digest" };
	const char *zh[] = { "編號", "評估周期", "評估維度", "時間", "執行人",
		"輸入記錄", "摘要" };
	struct runlist_ctx l = { 0 };

	(void)e; (void)npos; (void)pos; (void)ov;
	l.c = c;
	if ((l.tb = tbl_new(7, keys, c->zh ? zh : en)) == NULL)
		return cli_error(1, "out of memory");
	return cli_read_table(c, l.tb, runlist_txn, &l, &l.oom);
}

const struct cmd_entry cmd_eval_list = {
	"eval", "list", "", 0, 0, NULL, CMD_STORE,
	"list the stored evaluation runs",
	"dealbook eval list",
	exec_eval_list
};

struct runref {
	struct cli *c;
	const char *ref;
	struct dbk_evalrun_check chk;
	int rc;
};

static int
show_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct runref *q = vctx;
	struct dbk_evalrun *run = NULL;
	struct dbk_id id;
	char hex[DBK_ID_HEX], secs[24], *when;
	int rc;

	if ((rc = dbk_resolve(t, DBK_T_EVALRUN, q->ref, &id, err)) != 0)
		return rc;
	if ((rc = dbk_evalrun_load(t, &id, &run, err)) != 0)
		return rc;
	dbk_id_format(&id, hex);
	if (q->c->fmt == TBL_JSON) {
		/* The stored results, wrapped with what identifies the run. */
		cJSON *o = cJSON_CreateObject(), *res = cJSON_Parse(run->results);
		char at[24], *txt = NULL;
		snprintf(at, sizeof at, "%" PRId64, run->at);
		if (res != NULL && !q->c->reveal)
			cli_eval_json_mask(res);
		if (o == NULL || res == NULL ||
		    !cJSON_AddStringToObject(o, "id", hex) ||
		    !cJSON_AddStringToObject(o, "period", run->period) ||
		    !cJSON_AddStringToObject(o, "scope", run->by) ||
		    !cJSON_AddStringToObject(o, "at", at) ||
		    !cJSON_AddStringToObject(o, "member",
		    run->member ? run->member : "") ||
		    !cJSON_AddStringToObject(o, "params",
		    run->params ? run->params : "") ||
		    !cJSON_AddStringToObject(o, "metrics_version",
		    run->metrics_version ? run->metrics_version : "") ||
		    !cJSON_AddStringToObject(o, "digest",
		    run->digest ? run->digest : "") ||
		    !cJSON_AddItemToObject(o, "results", res) ||
		    (txt = cJSON_PrintUnformatted(o)) == NULL) {
			if (o == NULL || cJSON_GetObjectItem(o, "results") == NULL)
				cJSON_Delete(res);
			q->rc = cli_error(1, "out of memory");
		} else {
			puts(txt);
		}
		if (txt != NULL) {
			explicit_bzero(txt, strlen(txt));
			cJSON_free(txt);
		}
		cJSON_Delete(o);
	} else {
		snprintf(secs, sizeof secs, "%" PRId64, run->at);
		when = cli_datetime(q->c, secs);
		printf("run %s\nperiod %s, scope %s, run by %s at %s\n"
		    "parameters %s; metric definitions version %s\n"
		    "inputs %zu records, digest %s\nsigned by %s\n", hex,
		    run->period, run->by, run->member ? run->member : "?",
		    when ? when : "?", run->params ? run->params : "",
		    run->metrics_version ? run->metrics_version : "?",
		    run->ninputs, run->digest ? run->digest : "?",
		    run->signer ? run->signer : "?");
		free(when);
		q->rc = print_stored_results(q->c, run->results);
	}
	dbk_evalrun_free(run);
	return 0;
}

static int
exec_eval_show(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct runref q = { 0 };
	int rc;

	(void)e; (void)npos; (void)ov;
	q.c = c;
	q.ref = pos[0];
	if ((rc = dbk_store_read(c->store, show_txn, &q, &c->err)) != 0)
		return cli_fail(c, rc);
	return q.rc;
}

const struct cmd_entry cmd_eval_show = {
	"eval", "show", "<run>", 1, 1, NULL, CMD_STORE,
	"show a stored evaluation run: what it read and what it found",
	"dealbook eval show 3f2a9c01",
	exec_eval_show
};

static int
verify_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct runref *q = vctx;
	struct dbk_id id;
	int rc;

	if ((rc = dbk_resolve(t, DBK_T_EVALRUN, q->ref, &id, err)) != 0)
		return rc;
	return dbk_evalrun_verify(t, &id, &q->chk, err);
}

static int
exec_eval_verify(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct runref q = { 0 };
	struct dbk_evalrun_check *k = &q.chk;
	int rc;

	(void)e; (void)npos; (void)ov;
	q.c = c;
	q.ref = pos[0];
	if ((rc = dbk_store_read(c->store, verify_txn, &q, &c->err)) != 0)
		return cli_fail(c, rc);
	if (c->fmt == TBL_JSON) {
		cJSON *o = cJSON_CreateObject(), *a, *b;
		char *txt;
		if (o == NULL)
			return cli_error(1, "out of memory");
		cJSON_AddStringToObject(o, "signature", "valid");
		cJSON_AddStringToObject(o, "result", k->reproduced ? "reproduced" :
		    "changed");
		a = cJSON_AddArrayToObject(o, "inputs_changed");
		b = cJSON_AddArrayToObject(o, "results_changed");
		for (size_t i = 0; i < k->ninputs_changed &&
		    i < DBK_EVALRUN_MAXLIST; i++)
			if (k->inputs_changed[i] != NULL)
				cJSON_AddItemToArray(a,
				    cJSON_CreateString(k->inputs_changed[i]));
		for (size_t i = 0; i < k->nresults_changed &&
		    i < DBK_EVALRUN_MAXLIST; i++)
			if (k->results_changed[i] != NULL)
				cJSON_AddItemToArray(b,
				    cJSON_CreateString(k->results_changed[i]));
		if ((txt = cJSON_PrintUnformatted(o)) != NULL)
			puts(txt);
		cJSON_free(txt);
		cJSON_Delete(o);
	} else if (k->reproduced) {
		printf("signature valid; reproduced: the current data give the "
		    "same results%s\n", k->digest_same ? "" :
		    " (some inputs changed without altering any result)");
	} else {
		printf("signature valid; NOT reproduced: the current data give "
		    "different results\n");
		for (size_t i = 0; i < k->ninputs_changed &&
		    i < DBK_EVALRUN_MAXLIST; i++)
			printf("  input: %s\n", k->inputs_changed[i] ?
			    k->inputs_changed[i] : "?");
		if (k->ninputs_changed > DBK_EVALRUN_MAXLIST)
			printf("  ... and %zu more inputs\n",
			    k->ninputs_changed - DBK_EVALRUN_MAXLIST);
		for (size_t i = 0; i < k->nresults_changed &&
		    i < DBK_EVALRUN_MAXLIST; i++)
			printf("  result: %s\n", k->results_changed[i] ?
			    k->results_changed[i] : "?");
		if (k->nresults_changed > DBK_EVALRUN_MAXLIST)
			printf("  ... and %zu more results\n",
			    k->nresults_changed - DBK_EVALRUN_MAXLIST);
	}
	rc = k->reproduced ? 0 : 6;
	dbk_evalrun_check_free(k);
	return rc;
}

const struct cmd_entry cmd_eval_verify = {
	"eval", "verify", "<run>", 1, 1, NULL, CMD_STORE,
	"check a run's signature and recompute it: reproduced, or what changed "
	"(exit 6 when the run was altered or the data changed its results)",
	"dealbook eval verify 3f2a9c01",
	exec_eval_verify
};
