/*
 * cmd_report.c -- `dealbook report`: the review meeting's page.  One
 * self-contained HTML file (inline CSS and SVG, no script, nothing
 * fetched) with the source document's evaluation table, achievement bars,
 * the funnel, the trend over earlier periods, stalled customers,
 * timeliness per member and the review texts; with --run, the audited
 * run's footer.  Amounts only with --reveal.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define TREND_PERIODS 5		/* this period and the four before it */
#define STALLED_LISTED 20

struct rep {
	struct cli *c;
	FILE *fp;
	const char *period;
	enum dbk_scope by;
	int stalled, offset;
	const char *runref;
	struct dbk_evalrun *run;
	char stale[9];		/* the run no longer reproduces: its id */
	int rc;
};

static const char *
tr(const struct rep *r, const char *en, const char *zh)
{
	return r->c->zh ? zh : en;
}

static const char *
mname(const struct rep *r, const char *key)
{
	return cli_metric_label(r->c, key);
}

/* Text for HTML: & < > " ' escaped. */
static void
esc(FILE *fp, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: fputc(*s, fp); break;
		}
	}
}

/* A value for people; amounts masked without --reveal.  buf: 40 bytes. */
static const char *
val(const struct rep *r, const struct dbk_eval *e, enum dbk_unit u,
    const struct dbk_mstate *s, char *buf)
{
	if (u == DBK_U_MONEY && s->status == DBK_MS_OK && !r->c->reveal)
		return "••••";
	if (dbk_metric_format(u, s->status, s->value, e->minor_digits, 0, buf,
	    40) < 0)
		buf[0] = '\0';
	return buf;
}

/* A value as a cell; amounts wear class "amount". */
static void
cell(const struct rep *r, const struct dbk_eval *e, enum dbk_unit u,
    const struct dbk_mstate *s)
{
	char b[40];

	fprintf(r->fp, "<td%s>", u == DBK_U_MONEY ? " class=\"amount\"" : "");
	esc(r->fp, val(r, e, u, s, b));
	fputs("</td>", r->fp);
}

static const char *
gname(const struct rep *r, const struct dbk_egroup *g)
{
	if (g->team)
		return tr(r, "team", "團隊");
	return g->name == NULL || *g->name == '\0' ? tr(r, "(none)", "（未指定）") :
	    g->name;
}

static const char css[] =
	"body{font-family:\"Noto Sans CJK TC\",\"Noto Sans CJK SC\","
	"\"Noto Sans\",\"Helvetica Neue\",Arial,sans-serif;margin:2em;"
	"color:#222;max-width:70em}"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;"
	"border-bottom:2px solid #2b6cb0;padding-bottom:.2em;margin-top:1.6em}"
	".meta{color:#555}table{border-collapse:collapse;margin:.5em 0;"
	"font-size:.92em}th,td{border:1px solid #ccc;padding:.3em .6em;"
	"vertical-align:top;text-align:left}th{background:#edf2f7}"
	"td.num,td.amount{text-align:right;white-space:nowrap}"
	".na{color:#888}.bar{fill:#2b6cb0}.bar.over{fill:#2f855a}"
	".bar.lost{fill:#c53030}.target{stroke:#222;stroke-width:2}"
	".bench{stroke:#dd6b20;stroke-width:2;stroke-dasharray:4 3}"
	"svg{max-width:100%;height:auto}"
	"svg text{font-size:12px;fill:#222}svg .axis{stroke:#999}"
	".line{fill:none;stroke:#2b6cb0;stroke-width:2}.dot{fill:#2b6cb0}"
	".trend{display:inline-block;margin:0 1em 1em 0}"
	".legend{font-size:.85em;color:#555}"
	"#audit{border:1px solid #999;padding:.6em 1em;background:#f7fafc;"
	"margin-top:2em;font-size:.9em;word-break:break-all}"
	"@media print{@page{size:A4;margin:14mm}body{margin:0;max-width:none;"
	"font-size:10.5pt}h2{break-after:avoid}section{break-inside:avoid}"
	"table,svg{break-inside:avoid}#audit{background:none}}";

static void
head(struct rep *r, const struct dbk_eval *e)
{
	char a[11], b[11], when[40];
	time_t now = (time_t)dbk_store_now(r->c->store);
	struct tm tm;

	dbk_format_date(e->period.first_day, a);
	dbk_format_date(e->period.last_day, b);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(when, sizeof when, "?");
	fprintf(r->fp, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>", r->c->zh ? "zh" : "en");
	esc(r->fp, tr(r, "Effect review ", "效果評估 "));
	esc(r->fp, e->period.label);
	fprintf(r->fp, "</title>\n<style>%s</style>\n</head>\n<body>\n"
	    "<header><h1>", css);
	esc(r->fp, tr(r, "Effect review ", "效果評估 "));
	esc(r->fp, e->period.label);
	fputs("</h1><p class=\"meta\">", r->fp);
	fprintf(r->fp, "%s .. %s · ", a, b);
	esc(r->fp, tr(r, "scope: ", "評估維度："));
	esc(r->fp, !r->c->zh ? dbk_scope_name(e->by) :
	    e->by == DBK_SCOPE_MEMBER ? "成員" :
	    e->by == DBK_SCOPE_INDUSTRY ? "行業" : "團隊");
	esc(r->fp, tr(r, " · made by ", " · 製作："));
	esc(r->fp, dbk_store_member(r->c->store));
	fprintf(r->fp, " · %s", when);
	if (!r->c->reveal)
		esc(r->fp, tr(r, " · amounts masked (--reveal shows them)",
		    " · 金額已隱藏（--reveal 顯示）"));
	if (!e->restricted_key)
		esc(r->fp, tr(r, " · no restricted key: amounts are restricted",
		    " · 無受限密鑰：金額不可見"));
	fputs("</p></header>\n", r->fp);
}

/* The source document's evaluation table: one row per goal of each
 * group (a group without goals: one row of its new customers). */
static void
eval_table(struct rep *r, const struct dbk_eval *e)
{
	char b[40], b2[40];

	fprintf(r->fp, "<section id=\"eval\"><h2>%s</h2>\n<table class=\"eval\">"
	    "<thead><tr>", tr(r, "Evaluation table", "效果評估表"));
	{
		const char *en[] = { "period", "scope", "indicator", "target",
			"actual", "achievement", "key indicators", "what worked",
			"problems", "actions" };
		const char *zh[] = { "評估周期", "評估維度", "指標", "銷售目標",
			"實際完成", "達成率", "關鍵指標分析", "成功經驗",
			"待改進問題", "優化措施" };
		for (size_t i = 0; i < 10; i++)
			fprintf(r->fp, "<th>%s</th>", r->c->zh ? zh[i] : en[i]);
	}
	fputs("</tr></thead><tbody>\n", r->fp);
	for (size_t gi = 0; gi < e->ng; gi++) {
		const struct dbk_egroup *g = &e->g[gi];
		size_t rows = 0;
		for (size_t i = 0; i < DBK_M_COUNT || rows == 0; i++) {
			const struct dbk_mvalue *v;
			struct dbk_mstate ts;
			int none = i >= DBK_M_COUNT;
			v = &g->v[none ? DBK_M_NEW_CUSTOMERS : i];
			if (!none && !v->has_target)
				continue;
			ts = (struct dbk_mstate){ DBK_MS_OK, v->target, NULL };
			fputs("<tr><td>", r->fp);
			esc(r->fp, e->period.label);
			fputs("</td><td>", r->fp);
			esc(r->fp, gname(r, g));
			fputs("</td><td>", r->fp);
			esc(r->fp, mname(r, v->key));
			fputs("</td>", r->fp);
			if (v->has_target && !none)
				cell(r, e, v->unit, &ts);
			else
				fputs("<td class=\"na\">—</td>", r->fp);
			cell(r, e, v->unit, &v->cur);
			if (v->has_target && !none)
				cell(r, e, DBK_U_PERMILLE, &v->achievement);
			else
				fputs("<td class=\"na\">—</td>", r->fp);
			/* Key indicators: every benchmark and goal of the group,
			 * with the previous period beside them. */
			fputs("<td>", r->fp);
			for (size_t k = 0, n = 0; k < DBK_M_COUNT; k++) {
				const struct dbk_mvalue *w = &g->v[k];
				struct dbk_mstate bs = { DBK_MS_OK, w->benchmark, NULL };
				if (!w->has_benchmark && !(w->has_target && k != i))
					continue;
				fputs(n++ ? "<br>" : "", r->fp);
				esc(r->fp, mname(r, w->key));
				fputs(" ", r->fp);
				esc(r->fp, val(r, e, w->unit, &w->cur, b));
				if (w->has_benchmark) {
					esc(r->fp, tr(r, " (benchmark ", "（基準 "));
					esc(r->fp, val(r, e, w->unit, &bs, b2));
					esc(r->fp, tr(r, ")", "）"));
				}
				esc(r->fp, tr(r, ", previous ", "，上期 "));
				esc(r->fp, val(r, e, w->unit, &w->prev, b2));
			}
			fputs("</td>", r->fp);
			for (int t = 0; t < 3; t++) {
				fputs("<td>", r->fp);
				for (size_t k = 0; k < g->nreviews; k++) {
					const struct dbk_fact_review *rv = g->reviews[k];
					const char *s = t == 0 ? rv->success :
					    t == 1 ? rv->problem : rv->action;
					if (s == NULL)
						continue;
					if (k > 0)
						fputs("<br>", r->fp);
					esc(r->fp, s);
				}
				fputs("</td>", r->fp);
			}
			fputs("</tr>\n", r->fp);
			rows++;
			if (none)
				break;
		}
	}
	fputs("</tbody></table>\n", r->fp);
	/* Every indicator of every group. */
	for (size_t gi = 0; gi < e->ng; gi++) {
		const struct dbk_egroup *g = &e->g[gi];
		fprintf(r->fp, "<table class=\"all\"><caption>");
		esc(r->fp, gname(r, g));
		fprintf(r->fp, "</caption><thead><tr><th>%s</th><th>%s</th>"
		    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
		    "<tbody>\n", tr(r, "indicator", "指標"),
		    tr(r, "actual", "實際"), tr(r, "target", "目標"),
		    tr(r, "achievement", "達成率"), tr(r, "benchmark", "基準"),
		    tr(r, "previous", "上期"));
		for (size_t i = 0; i < DBK_M_COUNT; i++) {
			const struct dbk_mvalue *v = &g->v[i];
			struct dbk_mstate ts = { DBK_MS_OK, v->target, NULL };
			struct dbk_mstate bs = { DBK_MS_OK, v->benchmark, NULL };
			fputs("<tr><td>", r->fp);
			esc(r->fp, mname(r, v->key));
			fputs("</td>", r->fp);
			cell(r, e, v->unit, &v->cur);
			if (v->has_target) {
				cell(r, e, v->unit, &ts);
				cell(r, e, DBK_U_PERMILLE, &v->achievement);
			} else {
				fputs("<td></td><td></td>", r->fp);
			}
			if (v->has_benchmark)
				cell(r, e, v->unit, &bs);
			else
				fputs("<td></td>", r->fp);
			cell(r, e, v->unit, &v->prev);
			fputs("</tr>\n", r->fp);
		}
		fputs("</tbody></table>\n", r->fp);
	}
	fputs("</section>\n", r->fp);
}

/* Achievement against target per goal, as bars; 100 % and the benchmark
 * marked.  The scale runs to 150 %. */
static void
achievement(struct rep *r, const struct dbk_eval *e)
{
	const int w = 360, x0 = 250, rowh = 30;
	size_t n = 0, k = 0;
	char b[40], b2[40], b3[40];

	for (size_t gi = 0; gi < e->ng; gi++)
		for (size_t i = 0; i < DBK_M_COUNT; i++)
			n += e->g[gi].v[i].has_target;
	fprintf(r->fp, "<section id=\"achievement\"><h2>%s</h2>\n",
	    tr(r, "Achievement against target", "目標達成"));
	if (n == 0) {
		fprintf(r->fp, "<p class=\"na\">%s</p></section>\n",
		    tr(r, "No goals for this period ('dealbook goal set').",
		    "本期未設目標（dealbook goal set）。"));
		return;
	}
	fprintf(r->fp, "<svg class=\"achievement\" width=\"%d\" height=\"%zu\" "
	    "viewBox=\"0 0 %d %zu\" role=\"img\">\n", x0 + w + 90,
	    n * rowh + 24, x0 + w + 90, n * rowh + 24);
	fprintf(r->fp, "<line class=\"axis\" x1=\"%d\" y1=\"0\" x2=\"%d\" "
	    "y2=\"%zu\"/>\n", x0 + w * 2 / 3, x0 + w * 2 / 3, n * rowh);
	fprintf(r->fp, "<text x=\"%d\" y=\"%zu\">100%%</text>\n",
	    x0 + w * 2 / 3 - 14, n * rowh + 16);
	for (size_t gi = 0; gi < e->ng; gi++) {
		const struct dbk_egroup *g = &e->g[gi];
		for (size_t i = 0; i < DBK_M_COUNT; i++) {
			const struct dbk_mvalue *v = &g->v[i];
			struct dbk_mstate ts = { DBK_MS_OK, v->target, NULL };
			int64_t pm = v->achievement.status == DBK_MS_OK ?
			    v->achievement.value : 0;
			int y = (int)k * rowh + 4, bw;
			if (!v->has_target)
				continue;
			if (pm < 0)
				pm = 0;
			if (pm > 1500)
				pm = 1500;
			bw = (int)(pm * w / 1500);
			fprintf(r->fp, "<g class=\"goal\" data-metric=\"%s\">"
			    "<text x=\"0\" y=\"%d\">", v->key, y + 15);
			esc(r->fp, gname(r, g));
			fputs(" · ", r->fp);
			esc(r->fp, mname(r, v->key));
			fprintf(r->fp, "</text><rect class=\"bar%s\" x=\"%d\" y=\"%d\" "
			    "width=\"%d\" height=\"18\"/>", pm >= 1000 ? " over" : "",
			    x0, y + 2, bw);
			if (v->has_benchmark && v->target > 0 && !(v->unit ==
			    DBK_U_MONEY && !r->c->reveal)) {
				int64_t bp = v->benchmark * 1000 / v->target;
				if (bp >= 0 && bp <= 1500) {
					int bx = x0 + (int)(bp * w / 1500);
					fprintf(r->fp, "<line class=\"bench\" x1=\"%d\" "
					    "y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", bx, y,
					    bx, y + 22);
				}
			}
			fprintf(r->fp, "<text x=\"%d\" y=\"%d\">", x0 + w + 6, y + 15);
			esc(r->fp, val(r, e, DBK_U_PERMILLE, &v->achievement, b));
			fprintf(r->fp, "</text><title%s>", v->unit == DBK_U_MONEY ?
			    " class=\"amount\"" : "");
			esc(r->fp, val(r, e, v->unit, &v->cur, b2));
			fputs(" / ", r->fp);
			esc(r->fp, val(r, e, v->unit, &ts, b3));
			fputs("</title></g>\n", r->fp);
			k++;
		}
	}
	fprintf(r->fp, "</svg>\n<p class=\"legend\">%s</p></section>\n",
	    tr(r, "Bar: actual / target (scale to 150 %); dashed: the "
	    "benchmark, where one is set.",
	    "條：實際／目標（刻度至 150%）；虛線：參考基準。"));
}

static void
funnel(struct rep *r, const struct dbk_eval *e)
{
	const struct dbk_egroup *g = &e->g[0];
	const int x0 = 110, w = 420, rowh = 28;
	int64_t max = 1;
	char b[40], day[11];

	for (int s = 0; s < DBK_STAGE_COUNT; s++)
		if (g->funnel[s] > max)
			max = g->funnel[s];
	dbk_format_date(e->period.last_day, day);
	fprintf(r->fp, "<section id=\"funnel\"><h2>%s %s</h2>\n",
	    tr(r, "Funnel at", "銷售漏斗，截至"), day);
	fprintf(r->fp, "<svg class=\"funnel\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\">\n", x0 + w + 80,
	    DBK_STAGE_COUNT * rowh, x0 + w + 80, DBK_STAGE_COUNT * rowh);
	for (int s = 0; s < DBK_STAGE_COUNT; s++) {
		const char *name = r->c->zh ?
		    dbk_stage_name_zh((enum dbk_stage)s) :
		    dbk_stage_name((enum dbk_stage)s);
		int bw = (int)(g->funnel[s] * w / max), y = s * rowh;
		fprintf(r->fp, "<g class=\"stage\" data-stage=\"%s\" "
		    "data-count=\"%" PRId64 "\"><rect class=\"bar%s\" x=\"%d\" "
		    "y=\"%d\" width=\"%d\" height=\"20\"/><text class=\"label\" "
		    "x=\"0\" y=\"%d\">", dbk_stage_name((enum dbk_stage)s),
		    g->funnel[s], s == DBK_STAGE_LOST ? " lost" : "",
		    x0 + (w - bw) / 2, y + 2, bw, y + 16);
		esc(r->fp, name);
		fprintf(r->fp, " %" PRId64 "</text></g>\n", g->funnel[s]);
	}
	fputs("</svg>\n<p class=\"legend\">", r->fp);
	esc(r->fp, tr(r, "Stage to stage, the period's leads: ",
	    "階段轉化（本期線索）："));
	for (int s = 0; s < DBK_FUNNEL_STEPS; s++) {
		fprintf(r->fp, "%s%s → %s ", s ? " · " : "",
		    r->c->zh ? dbk_stage_name_zh((enum dbk_stage)s) :
		    dbk_stage_name((enum dbk_stage)s),
		    r->c->zh ? dbk_stage_name_zh((enum dbk_stage)(s + 1)) :
		    dbk_stage_name((enum dbk_stage)(s + 1)));
		esc(r->fp, val(r, e, DBK_U_PERMILLE, &g->conv[s].cur, b));
	}
	fputs("</p></section>\n", r->fp);
}

/* The main indicators over this period and the ones before it. */
static void
trend(struct rep *r, struct dbk_eval *const *es, size_t n)
{
	static const enum dbk_metric keys[] = { DBK_M_NEW_CUSTOMERS,
		DBK_M_LEAD_CONVERSION, DBK_M_WIN_RATE, DBK_M_TIMELINESS,
		DBK_M_FOLLOWUPS_PER_WEEK, DBK_M_SIGNED_AMOUNT };
	const int w = 300, h = 120, pad = 24;
	char b[40];

	fprintf(r->fp, "<section id=\"trend\"><h2>%s</h2>\n",
	    tr(r, "Trend over the previous periods", "近期趨勢"));
	for (size_t ki = 0; ki < sizeof keys / sizeof keys[0]; ki++) {
		const struct dbk_mvalue *v0 = &es[0]->g[0].v[keys[ki]];
		int64_t lo = 0, hi = 1;
		int masked = v0->unit == DBK_U_MONEY && !r->c->reveal;
		for (size_t i = 0; i < n; i++) {
			const struct dbk_mstate *s = &es[i]->g[0].v[keys[ki]].cur;
			if (s->status == DBK_MS_OK && s->value > hi)
				hi = s->value;
			if (s->status == DBK_MS_OK && s->value < lo)
				lo = s->value;
		}
		fprintf(r->fp, "<div class=\"trend\"><svg width=\"%d\" height=\"%d\" "
		    "viewBox=\"0 0 %d %d\" role=\"img\" data-metric=\"%s\">"
		    "<text x=\"0\" y=\"14\">", w, h + 2 * pad, w, h + 2 * pad,
		    v0->key);
		esc(r->fp, mname(r, v0->key));
		fputs("</text>", r->fp);
		fprintf(r->fp, "<line class=\"axis\" x1=\"0\" y1=\"%d\" x2=\"%d\" "
		    "y2=\"%d\"/>", h + pad, w, h + pad);
		if (!masked) {
			fputs("<polyline class=\"line\" points=\"", r->fp);
			for (size_t i = 0; i < n; i++) {
				/* Oldest left: es[n-1] is the oldest. */
				const struct dbk_mstate *s =
				    &es[n - 1 - i]->g[0].v[keys[ki]].cur;
				int x = (int)(20 + i * (size_t)(w - 40) / (n - 1));
				if (s->status != DBK_MS_OK)
					continue;
				fprintf(r->fp, "%d,%d ", x, pad + h - (int)((s->value - lo) *
				    (h - 10) / (hi - lo)));
			}
			fputs("\"/>", r->fp);
		}
		for (size_t i = 0; i < n; i++) {
			const struct dbk_eval *ei = es[n - 1 - i];
			const struct dbk_mstate *s = &ei->g[0].v[keys[ki]].cur;
			int x = (int)(20 + i * (size_t)(w - 40) / (n - 1));
			int y = s->status == DBK_MS_OK && !masked ? pad + h -
			    (int)((s->value - lo) * (h - 10) / (hi - lo)) : pad + h;
			if (s->status == DBK_MS_OK && !masked)
				fprintf(r->fp, "<circle class=\"dot\" cx=\"%d\" cy=\"%d\" "
				    "r=\"3\"/>", x, y);
			fprintf(r->fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\""
			    "%s>", x, y - 6 < 22 ? 22 : y - 6,
			    v0->unit == DBK_U_MONEY ? " class=\"amount\"" : "");
			esc(r->fp, val(r, ei, v0->unit, s, b));
			fprintf(r->fp, "</text><text x=\"%d\" y=\"%d\" "
			    "text-anchor=\"middle\">", x, h + 2 * pad - 4);
			esc(r->fp, ei->period.label);
			fputs("</text>", r->fp);
		}
		fputs("</svg></div>\n", r->fp);
	}
	fputs("</section>\n", r->fp);
}

static void
stalled(struct rep *r, struct dbk_txn *t, const struct dbk_eval *e)
{
	const struct dbk_egroup *g = &e->g[0];

	fprintf(r->fp, "<section id=\"stalled\"><h2>%s (%d+ %s): %zu</h2>\n",
	    tr(r, "Stalled customers", "停滯客戶"), e->stalled_days,
	    tr(r, "days without contact", "天未聯系"), g->nstalled);
	if (g->nstalled == 0) {
		fputs("</section>\n", r->fp);
		return;
	}
	fprintf(r->fp, "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
	    "</tr></thead><tbody>\n", tr(r, "customer", "客戶編號"),
	    tr(r, "name", "客戶名稱"), tr(r, "days", "天數"));
	for (size_t i = 0; i < g->nstalled && i < STALLED_LISTED; i++) {
		struct dbk_record *rec = NULL;
		struct dbk_error err = { 0 };
		char *ref = NULL, *name = NULL;
		if (dbk_record_load(t, &g->stalled[i].customer, &rec, &err) == 0) {
			ref = cli_customer_ref(rec);
			name = cli_value(r->c, rec, "name");
		}
		dbk_error_clear(&err);
		fputs("<tr><td>", r->fp);
		esc(r->fp, ref ? ref : "?");
		fputs("</td><td>", r->fp);
		esc(r->fp, name ? name : "");
		fprintf(r->fp, "</td><td class=\"num\">%" PRId64 "</td></tr>\n",
		    g->stalled[i].days);
		free(ref);
		free(name);
		dbk_record_free(rec);
	}
	fputs("</tbody></table>\n", r->fp);
	if (g->nstalled > STALLED_LISTED)
		fprintf(r->fp, "<p class=\"legend\">%s %zu</p>\n",
		    tr(r, "... and more:", "……另有"), g->nstalled - STALLED_LISTED);
	fputs("</section>\n", r->fp);
}

/* Timeliness per member, from an evaluation by member. */
static void
timeliness(struct rep *r, const struct dbk_eval *em)
{
	const int x0 = 140, w = 360, rowh = 26;
	size_t n = em->ng > 1 ? em->ng - 1 : 0;
	char b[40];

	fprintf(r->fp, "<section id=\"timeliness\"><h2>%s</h2>\n",
	    tr(r, "Recorded within 24 hours, per member", "24 小時內錄入率（按成員）"));
	if (n == 0) {
		fputs("</section>\n", r->fp);
		return;
	}
	fprintf(r->fp, "<svg class=\"timeliness\" width=\"%d\" height=\"%zu\" "
	    "viewBox=\"0 0 %d %zu\" role=\"img\">\n", x0 + w + 80, n * rowh,
	    x0 + w + 80, n * rowh);
	for (size_t i = 1; i < em->ng; i++) {
		const struct dbk_egroup *g = &em->g[i];
		const struct dbk_mstate *s = &g->v[DBK_M_TIMELINESS].cur;
		int y = (int)(i - 1) * rowh;
		int bw = s->status == DBK_MS_OK ? (int)(s->value * w / 1000) : 0;
		fputs("<g class=\"member\"><text x=\"0\" y=\"", r->fp);
		fprintf(r->fp, "%d\">", y + 16);
		esc(r->fp, gname(r, g));
		fprintf(r->fp, "</text><rect class=\"bar\" x=\"%d\" y=\"%d\" "
		    "width=\"%d\" height=\"18\"/><text x=\"%d\" y=\"%d\">", x0,
		    y + 3, bw, x0 + w + 6, y + 16);
		esc(r->fp, val(r, em, DBK_U_PERMILLE, s, b));
		fputs("</text></g>\n", r->fp);
	}
	fputs("</svg></section>\n", r->fp);
}

static void
reviews(struct rep *r, const struct dbk_eval *e)
{
	size_t any = 0;

	fprintf(r->fp, "<section id=\"review\"><h2>%s</h2>\n",
	    tr(r, "Review", "復盤"));
	for (size_t gi = 0; gi < e->ng; gi++) {
		const struct dbk_egroup *g = &e->g[gi];
		for (size_t k = 0; k < g->nreviews; k++) {
			const struct dbk_fact_review *rv = g->reviews[k];
			fputs("<h3>", r->fp);
			esc(r->fp, gname(r, g));
			fputs("</h3><dl>", r->fp);
			if (rv->success != NULL) {
				fprintf(r->fp, "<dt>%s</dt><dd>",
				    tr(r, "What worked", "成功經驗"));
				esc(r->fp, rv->success);
				fputs("</dd>", r->fp);
			}
			if (rv->problem != NULL) {
				fprintf(r->fp, "<dt>%s</dt><dd>",
				    tr(r, "Problems", "待改進問題"));
				esc(r->fp, rv->problem);
				fputs("</dd>", r->fp);
			}
			if (rv->action != NULL) {
				fprintf(r->fp, "<dt>%s</dt><dd>",
				    tr(r, "Actions", "優化措施"));
				esc(r->fp, rv->action);
				fputs("</dd>", r->fp);
			}
			fputs("</dl>\n", r->fp);
			any++;
		}
	}
	if (any == 0)
		fprintf(r->fp, "<p class=\"na\">%s</p>\n",
		    tr(r, "No review recorded ('dealbook review add').",
		    "尚無復盤記錄（dealbook review add）。"));
	fputs("</section>\n", r->fp);
}

static void
audit_footer(struct rep *r)
{
	char hex[DBK_ID_HEX], secs[24], *when;

	dbk_id_format(&r->run->id, hex);
	snprintf(secs, sizeof secs, "%" PRId64, r->run->at);
	when = cli_datetime(r->c, secs);
	fprintf(r->fp, "<section id=\"audit\"><h2>%s</h2><p>",
	    tr(r, "Audited run", "審計評估"));
	esc(r->fp, tr(r, "Run ", "評估記錄 "));
	fprintf(r->fp, "<code>%s</code>", hex);
	esc(r->fp, tr(r, ", signed by ", "，簽名："));
	esc(r->fp, r->run->member ? r->run->member : "?");
	fputs(" (<code>", r->fp);
	esc(r->fp, r->run->signer ? r->run->signer : "?");
	fputs("</code>) ", r->fp);
	esc(r->fp, tr(r, "at ", "於 "));
	esc(r->fp, when ? when : "?");
	esc(r->fp, tr(r, "; input digest ", "；輸入摘要 "));
	fprintf(r->fp, "<code>%s</code> (%zu %s). ", r->run->digest ?
	    r->run->digest : "?", r->run->ninputs, tr(r, "inputs", "條"));
	esc(r->fp, tr(r, "These numbers reproduced from the store when the "
	    "page was made. To check them again: ",
	    "本頁製作時已由資料重算核對一致。再次核對："));
	fprintf(r->fp, "<code>dealbook eval verify %.8s</code></p></section>\n",
	    hex);
	free(when);
}

static int
report_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct rep *r = vctx;
	struct dbk_facts *f = NULL;
	struct dbk_eval *es[TREND_PERIODS] = { 0 }, *em = NULL;
	struct dbk_period p[TREND_PERIODS];
	int rc;

	if (r->runref != NULL) {
		/* Only a run that still reproduces is put on the page: its
		 * numbers are then exactly the ones computed below. */
		struct dbk_evalrun_check chk;
		struct dbk_id id;
		char hex[DBK_ID_HEX];
		if ((rc = dbk_resolve(t, DBK_T_EVALRUN, r->runref, &id, err)) != 0 ||
		    (rc = dbk_evalrun_verify(t, &id, &chk, err)) != 0)
			return rc;
		rc = chk.reproduced;
		dbk_evalrun_check_free(&chk);
		dbk_id_format(&id, hex);
		if (!rc) {
			snprintf(r->stale, sizeof r->stale, "%.8s", hex);
			return 0;
		}
		if ((rc = dbk_evalrun_load(t, &id, &r->run, err)) != 0)
			return rc;
	}
	if ((rc = dbk_period_parse(r->period, r->offset, &p[0], err)) != 0)
		return rc;
	for (size_t i = 1; i < TREND_PERIODS; i++)
		dbk_period_previous(&p[i - 1], &p[i]);
	if ((rc = dbk_eval_facts(t, &f, err)) != 0)
		return rc;
	for (size_t i = 0; i < TREND_PERIODS && rc == 0; i++)
		rc = dbk_eval_compute(f, &p[i], i == 0 ? r->by : DBK_SCOPE_TEAM,
		    r->stalled, &es[i], err);
	if (rc == 0)
		rc = dbk_eval_compute(f, &p[0], DBK_SCOPE_MEMBER, r->stalled, &em,
		    err);
	if (rc == 0) {
		head(r, es[0]);
		eval_table(r, es[0]);
		achievement(r, es[0]);
		funnel(r, es[0]);
		trend(r, es, TREND_PERIODS);
		stalled(r, t, es[0]);
		timeliness(r, em);
		reviews(r, es[0]);
		if (r->run != NULL)
			audit_footer(r);
		fputs("</body>\n</html>\n", r->fp);
	}
	for (size_t i = 0; i < TREND_PERIODS; i++)
		dbk_eval_free(es[i]);
	dbk_eval_free(em);
	dbk_facts_free(f);
	return rc;
}

/* Parameters of a run, as evalrun.c writes them. */
static int
run_param(const char *params, const char *name, int *out)
{
	const char *p = params;
	size_t n = strlen(name);
	int64_t v;

	while (p != NULL && *p) {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			char num[24];
			size_t len = strcspn(p + n + 1, ";");
			if (len >= sizeof num)
				return -1;
			memcpy(num, p + n + 1, len);
			num[len] = '\0';
			if (dbk_parse_int(num, -100000, 100000, &v) != 0)
				return -1;
			*out = (int)v;
			return 0;
		}
		if ((p = strchr(p, ';')) != NULL)
			p++;
	}
	return -1;
}

struct runinfo {
	const char *ref;
	char period[64];
	enum dbk_scope by;
	int stalled, offset;
};

static int
runinfo_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct runinfo *ri = vctx;
	struct dbk_evalrun *run = NULL;
	struct dbk_id id;
	int rc;

	if ((rc = dbk_resolve(t, DBK_T_EVALRUN, ri->ref, &id, err)) != 0 ||
	    (rc = dbk_evalrun_load(t, &id, &run, err)) != 0)
		return rc;
	snprintf(ri->period, sizeof ri->period, "%s", run->period);
	if (dbk_scope_parse(run->by, &ri->by, err) != 0 ||
	    run_param(run->params, "stalled_days", &ri->stalled) != 0 ||
	    run_param(run->params, "utc_offset_min", &ri->offset) != 0)
		rc = DBK_EINTEGRITY;
	dbk_evalrun_free(run);
	return rc;
}

static int
exec_report(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	const char *out = opt_get(e, ov, "o"), *out2 = opt_get(e, ov, "output");
	const char *by = opt_get(e, ov, "by"), *sd = opt_get(e, ov, "stalled");
	struct rep r = { 0 };
	struct runinfo ri = { 0 };
	char *tmp = NULL;
	int fd, rc, werr = 0;

	r.c = c;
	r.runref = opt_get(e, ov, "run");
	r.by = DBK_SCOPE_TEAM;
	r.stalled = 14;
	if (out != NULL && out2 != NULL)
		return cli_error(2, "give the output file once (-o or --output)");
	if (out == NULL)
		out = out2;
	if (out == NULL)
		return cli_error(2, "report needs an output file: -o FILE.html");
	if ((npos == 0) == (r.runref == NULL))
		return cli_error(2, "report needs a period or --run RUN, not %s",
		    npos == 0 ? "neither" : "both");
	if (r.runref != NULL && (by != NULL || sd != NULL))
		return cli_error(2, "--by and --stalled come from the run with "
		    "--run");
	if (by != NULL) {
		struct dbk_error err = { 0 };
		if (dbk_scope_parse(by, &r.by, &err) != 0) {
			dbk_error_clear(&err);
			return cli_error(5, "invalid scope '%s' for --by (expected "
			    "team, member or industry)", by);
		}
	}
	if (sd != NULL) {
		int64_t d;
		if (dbk_parse_int(sd, 1, 3650, &d) != 0)
			return cli_error(5, "invalid number of days '%s' for "
			    "--stalled (expected 1 to 3650)", sd);
		r.stalled = (int)d;
	}
	if (r.runref != NULL) {
		ri.ref = r.runref;
		if ((rc = dbk_store_read(c->store, runinfo_txn, &ri, &c->err)) != 0)
			return cli_fail(c, rc);
		r.period = ri.period;
		r.by = ri.by;
		r.stalled = ri.stalled;
		r.offset = ri.offset;
	} else {
		r.period = pos[0];
		r.offset = cli_utc_offset(c, r.period);
	}
	/* Written beside the target and renamed: never half a page. */
	if (asprintf(&tmp, "%s.XXXXXX", out) < 0)
		return cli_error(1, "out of memory");
	if ((fd = mkstemp(tmp)) < 0) {
		rc = cli_error(1, "cannot write '%s': %s", out, strerror(errno));
		free(tmp);
		return rc;
	}
	(void)fchmod(fd, 0644);
	if ((r.fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return cli_error(1, "cannot write '%s': %s", out, strerror(errno));
	}
	/* Three ways to fail, kept apart: the store's (rc), the run's
	 * (stale), the file's (werr). */
	rc = dbk_store_read(c->store, report_txn, &r, &c->err);
	if (rc == 0 && r.stale[0] == '\0') {
		if (fflush(r.fp) != 0 || fsync(fileno(r.fp)) != 0 ||
		    ferror(r.fp))
			werr = errno ? errno : EIO;
	}
	if (fclose(r.fp) != 0 && werr == 0)
		werr = errno ? errno : EIO;
	if (rc == 0 && r.stale[0] == '\0' && werr == 0 && rename(tmp, out) != 0)
		werr = errno;
	if (rc != 0 || r.stale[0] != '\0' || werr != 0) {
		unlink(tmp);
		free(tmp);
		dbk_evalrun_free(r.run);
		if (rc != 0)
			return cli_fail(c, rc);
		if (r.stale[0] != '\0')
			return cli_error(6, "evaluation run %s no longer reproduces "
			    "from the store ('dealbook eval verify %s' says what "
			    "changed): no report made from it", r.stale, r.stale);
		return cli_error(1, "cannot write '%s': %s", out,
		    strerror(werr));
	}
	free(tmp);
	dbk_evalrun_free(r.run);
	{
		const char *kv[] = { "report", out };
		if (cli_json_status(c, kv, 1))
			return 0;
	}
	printf("report written to %s (one self-contained page%s)\n", out,
	    c->reveal ? "" : "; amounts masked, --reveal shows them");
	return 0;
}

static const struct opt report_opts[] = {
	{ "o", "FILE", 0, "the HTML file to write" },
	{ "output", "FILE", 0, "the same as -o" },
	{ "by", "SCOPE", 0, "team (default), member or industry" },
	{ "stalled", "DAYS", 0, "days without contact that make an open "
	    "customer stalled (default 14)" },
	{ "run", "RUN", 0, "the page of an audited run (it must still "
	    "reproduce), with its footer" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_report = {
	"report", NULL, "[<period>]", 0, 1, report_opts, CMD_STORE,
	"write the review meeting's page: one self-contained HTML file with "
	"the evaluation table, charts and the review",
	"dealbook --lang zh report 2024Q2 -o review-2024Q2.html",
	exec_report
};
