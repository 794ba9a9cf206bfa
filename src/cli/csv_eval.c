/*
 * csv_eval.c -- 'csv export evaluation PERIOD': the source document's
 * template 2, the effectiveness evaluation table, for a spreadsheet.
 *
 * Columns as the template heads them: 評估周期, 評估維度, 銷售目標,
 * 實際完成, 達成率, 關鍵指標分析, 成功經驗, 待改進問題, 優化措施.  One row
 * per goal of the period (the team's, then each member's), as the
 * template's example rows ("新簽客戶 15 / 12 / 80%", "銷售額 5,000,000 /
 * 4,800,000 / 96%"); a scope without goals still gets one row, so its
 * analysis and review are there.  The key-indicator analysis is the
 * template's sentence: conversion against its benchmark, the cycle
 * against its target, order value, collection rate.  Amounts appear only
 * with --reveal; without it their cells are empty (a ratio such as the
 * achievement or the collection rate is not an amount and stays).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct ev_ctx {
	struct cli *c;
	const char *period;
	int offset;
	FILE *fp;
	int rc;
};

/* A value as the sheet shows it, or "" (an amount without --reveal). */
static const char *
val(struct cli *c, const struct dbk_eval *e, enum dbk_unit u,
    const struct dbk_mstate *s, char buf[40])
{
	buf[0] = '\0';
	if (u == DBK_U_MONEY && !c->reveal && s->status == DBK_MS_OK)
		return buf;
	if (dbk_metric_format(u, s->status, s->value, e->minor_digits, 0, buf,
	    40) < 0)
		buf[0] = '\0';
	return buf;
}

/* The template's key-indicator sentence for a group. */
static char *
analysis(struct cli *c, const struct dbk_eval *e, const struct dbk_egroup *g,
    size_t skip)
{
	static const size_t keys[] = { DBK_M_NEW_CUSTOMERS,
		DBK_M_LEAD_CONVERSION, DBK_M_AVG_CYCLE_DAYS, DBK_M_SIGNED_AMOUNT,
		DBK_M_AVG_ORDER_VALUE, DBK_M_COLLECTION_RATE, DBK_M_WIN_RATE,
		DBK_M_OBJECTION_SUCCESS, DBK_M_TIMELINESS };
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	int first = 1;

	if (fp == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const struct dbk_mvalue *v = &g->v[keys[i]];
		char a[40], b[40];
		if (keys[i] == skip || v->cur.status != DBK_MS_OK)
			continue;
		if (v->unit == DBK_U_MONEY && !c->reveal)
			continue;
		fprintf(fp, "%s%s %s", first ? "" : c->zh ? "；" : "; ",
		    cli_metric_label(c, v->key), val(c, e, v->unit, &v->cur, a));
		first = 0;
		if (v->has_benchmark) {
			struct dbk_mstate bs = { DBK_MS_OK, v->benchmark, NULL };
			fprintf(fp, c->zh ? "（行業平均 %s）" : " (industry %s)",
			    val(c, e, v->unit, &bs, b));
		} else if (v->has_target) {
			struct dbk_mstate ts = { DBK_MS_OK, v->target, NULL };
			fprintf(fp, c->zh ? "（目標 %s）" : " (target %s)",
			    val(c, e, v->unit, &ts, b));
		}
	}
	if (fclose(fp) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The group's review texts, several joined by a line break. */
static char *
review(const struct dbk_egroup *g, int which)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	int first = 1;

	if (fp == NULL)
		return NULL;
	for (size_t i = 0; i < g->nreviews; i++) {
		const struct dbk_fact_review *r = g->reviews[i];
		const char *t = which == 0 ? r->success : which == 1 ? r->problem :
		    r->action;
		if (t == NULL || *t == '\0')
			continue;
		fprintf(fp, "%s%s", first ? "" : "\n", t);
		first = 0;
	}
	if (fclose(fp) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int
group_rows(struct ev_ctx *x, const struct dbk_eval *e,
    const struct dbk_egroup *g, const char *period)
{
	struct cli *c = x->c;
	char *scope = NULL, *an, *rv[3];
	int rows = 0;

	if (g->team)
		scope = strdup(c->zh ? "團隊" : "team");
	else if (asprintf(&scope, c->zh ? "個人（%s）" : "member: %s",
	    g->name && *g->name ? g->name : "?") < 0)
		scope = NULL;
	for (int k = 0; k < 3; k++)
		rv[k] = review(g, k);
	if (scope == NULL || rv[0] == NULL || rv[1] == NULL || rv[2] == NULL) {
		free(scope);
		for (int k = 0; k < 3; k++)
			free(rv[k]);
		return cli_error(1, "out of memory");
	}
	for (size_t i = 0; i <= DBK_M_COUNT; i++) {
		const struct dbk_mvalue *v = i < DBK_M_COUNT ? &g->v[i] : NULL;
		char t[40], a[40], ac[40], *tcell = NULL, *acell = NULL;
		const char *cell[9];
		if (v != NULL && !v->has_target)
			continue;
		if (v == NULL && rows > 0)
			break;
		if ((an = analysis(c, e, g, v ? i : DBK_M_COUNT)) == NULL)
			break;
		if (v != NULL) {
			struct dbk_mstate ts = { DBK_MS_OK, v->target, NULL };
			const char *name = cli_metric_label(c, v->key);
			if (asprintf(&tcell, "%s %s", name, val(c, e, v->unit, &ts,
			    t)) < 0 || asprintf(&acell, "%s", val(c, e, v->unit,
			    &v->cur, a)) < 0) {
				free(an);
				break;
			}
		}
		cell[0] = period;
		cell[1] = scope;
		cell[2] = tcell;
		cell[3] = acell;
		cell[4] = v ? val(c, e, DBK_U_PERMILLE, &v->achievement, ac) : NULL;
		cell[5] = an;
		cell[6] = rv[0];
		cell[7] = rv[1];
		cell[8] = rv[2];
		cli_csv_row(x->fp, cell, 9);
		free(an);
		free(tcell);
		free(acell);
		rows++;
	}
	free(scope);
	for (int k = 0; k < 3; k++)
		free(rv[k]);
	return 0;
}

static int
eval_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	static const char *const zh[] = { "評估周期", "評估維度", "銷售目標",
		"實際完成", "達成率", "關鍵指標分析", "成功經驗", "待改進問題",
		"優化措施" };
	static const char *const en[] = { "period", "scope", "target",
		"actual", "achievement", "key-indicator analysis", "what worked",
		"problems", "improvement actions" };
	struct ev_ctx *x = vctx;
	struct dbk_eval *team = NULL, *mem = NULL;
	struct dbk_facts *ft = NULL, *fm = NULL;
	char *period = NULL;
	int rc;

	if ((rc = dbk_eval_store(t, x->period, DBK_SCOPE_TEAM, 0, x->offset,
	    &team, &ft, err)) != 0)
		return rc;
	if ((rc = dbk_eval_store(t, x->period, DBK_SCOPE_MEMBER, 0, x->offset,
	    &mem, &fm, err)) != 0)
		goto out;
	/* "2024年Q2" as the template writes it; the label otherwise. */
	if (x->c->zh && strlen(team->period.label) == 6 &&
	    team->period.label[4] == 'Q') {
		if (asprintf(&period, "%.4s年%s", team->period.label,
		    team->period.label + 4) < 0)
			period = NULL;
	} else {
		period = strdup(team->period.label);
	}
	if (period == NULL) {
		x->rc = cli_error(1, "out of memory");
		goto out;
	}
	cli_csv_bom(x->fp);
	cli_csv_row(x->fp, x->c->zh ? zh : en, 9);
	for (size_t i = 0; i < team->ng && x->rc == 0; i++)
		x->rc = group_rows(x, team, &team->g[i], period);
	/* The member evaluation's first group is the team again. */
	for (size_t i = 0; i < mem->ng && x->rc == 0; i++)
		if (!mem->g[i].team)
			x->rc = group_rows(x, mem, &mem->g[i], period);
out:
	free(period);
	dbk_eval_free(team);
	dbk_eval_free(mem);
	dbk_facts_free(ft);
	dbk_facts_free(fm);
	return rc;
}

int
cli_csv_evaluation(struct cli *c, const char *period, FILE *fp)
{
	struct ev_ctx x = { c, period, cli_utc_offset(c, period), fp, 0 };
	int rc;

	if ((rc = dbk_store_read(c->store, eval_txn, &x, &c->err)) != 0)
		return cli_fail(c, rc);
	if (x.rc != 0)
		return x.rc;
	if (fflush(fp) != 0 || ferror(fp))
		return cli_error(1, "writing the CSV failed");
	return 0;
}
