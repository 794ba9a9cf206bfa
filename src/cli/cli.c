/*
 * cli.c -- option parsing, passphrase input and value formatting shared
 * by the command files.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "i18n.h"

#define PASS_MAX 1024

const char *
opt_get(const struct cmd_entry *e, struct optv *ov, const char *name)
{
	for (size_t i = 0; e->opts && e->opts[i].name; i++)
		if (strcmp(e->opts[i].name, name) == 0)
			return ov[i].val;
	return NULL;
}

const struct optv *
opt_all(const struct cmd_entry *e, struct optv *ov, const char *name)
{
	for (size_t i = 0; e->opts && e->opts[i].name; i++)
		if (strcmp(e->opts[i].name, name) == 0)
			return &ov[i];
	return NULL;
}

int
opt_has(const struct cmd_entry *e, struct optv *ov, const char *name)
{
	return opt_get(e, ov, name) != NULL;
}

static void
print_cmdname(FILE *fp, const struct cmd_entry *e)
{
	fprintf(fp, "dealbook %s%s%s", e->group, e->verb ? " " : "",
	    e->verb ? e->verb : "");
}

void
cli_usage(FILE *fp, const struct cmd_entry *e)
{
	fputs(tr("usage: "), fp);
	print_cmdname(fp, e);
	if (e->args && *e->args)
		fprintf(fp, " %s", e->args);
	for (size_t i = 0; e->opts && e->opts[i].name; i++) {
		const struct opt *o = &e->opts[i];
		fprintf(fp, " [%s%s%s%s]%s", cli_dashes(o), o->name,
		    o->arg ? " " : "", o->arg ? o->arg : "",
		    o->repeat ? "..." : "");
	}
	fputc('\n', fp);
}

/* "-o" for a one-letter option, "--store" for the others. */
const char *
cli_dashes(const struct opt *o)
{
	return o->name[0] != '\0' && o->name[1] == '\0' ? "-" : "--";
}

void
cli_help(FILE *fp, const struct cmd_entry *e)
{
	cli_usage(fp, e);
	fprintf(fp, "\n%s\n", tr(e->help));
	if (e->opts && e->opts[0].name) {
		fprintf(fp, "\n%s\n", tr("options:"));
		for (size_t i = 0; e->opts[i].name; i++) {
			const struct opt *o = &e->opts[i];
			char left[64];
			snprintf(left, sizeof left, "%s%s%s%s", cli_dashes(o),
			    o->name, o->arg ? " " : "", o->arg ? o->arg : "");
			fprintf(fp, "  %-24s %s%s\n", left, tr(o->help),
			    o->repeat ? tr(" (repeatable)") : "");
		}
	}
	if (e->example)
		fprintf(fp, "\n%s\n  %s\n", tr("example:"), e->example);
}

/* "dealbook: " and the message of fmt in the chosen language (the
 * catalog's format for fmt; in Chinese a system error text at the end is
 * translated too). */
static void
put_error(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));
static void
put_error(const char *fmt, va_list ap)
{
	va_list again;
	char *msg;

	va_copy(again, ap);
	msg = i18n_vformat(fmt, again);
	va_end(again);
	fputs("dealbook: ", stderr);
	if (msg != NULL)
		fputs(msg, stderr);
	else
		vfprintf(stderr, tr(fmt), ap);
	free(msg);
	fputc('\n', stderr);
}

int
cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_error(fmt, ap);
	va_end(ap);
	return code;
}

int
cli_usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put_error(fmt, ap);
	va_end(ap);
	if (e != NULL)
		cli_usage(stderr, e);
	return EXIT_USAGE;
}

/* The library's message (or the text of the code) goes out in the chosen
 * language: matched against the catalog, else as it came. */
int
cli_fail(struct cli *c, int rc)
{
	const char *msg = c->err.msg ? c->err.msg : dbk_strerror(rc);
	char *zh = i18n_message(msg);

	fprintf(stderr, "dealbook: %s\n", zh != NULL ? zh : msg);
	free(zh);
	dbk_error_clear(&c->err);
	return dbk_exit_code(rc);
}

/* ---- passphrases ---- */

static int
read_line_fd(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;

	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		if (n + 1 >= cap)
			return -1;
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* The terminal as it was, for a signal arriving mid-prompt. */
static struct termios saved_tty;
static volatile sig_atomic_t saved_fd = -1;

static void
restore_tty(int sig)
{
	if (saved_fd >= 0)
		(void)tcsetattr(saved_fd, TCSAFLUSH, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
tty_prompt(const char *prompt, char *buf, size_t cap, size_t *len)
{
	struct termios old, quiet;
	struct sigaction sa, oint, oterm, ohup, otstp;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC), rc;

	if (fd < 0)
		return -2;
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return -2;
	}
	quiet = old;
	saved_tty = old;
	saved_fd = fd;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = restore_tty;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGTERM, &sa, &oterm);
	sigaction(SIGHUP, &sa, &ohup);
	sigaction(SIGTSTP, &sa, &otstp);
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	/* Echo off before the prompt shows, so nothing typed after it is
	 * echoed or flushed away. */
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0 ||
	    write(fd, prompt, strlen(prompt)) < 0) {
		(void)tcsetattr(fd, TCSAFLUSH, &old);
		close(fd);
		return -2;
	}
	rc = read_line_fd(fd, buf, cap, len);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	saved_fd = -1;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGHUP, &ohup, NULL);
	sigaction(SIGTSTP, &otstp, NULL);
	if (write(fd, "\n", 1) < 0)
		rc = -2;
	close(fd);
	return rc;
}

int
cli_read_pass(const char *file, const char *fileopt, const char *envname,
    const char *prompt, int confirm, char **pass, size_t *len)
{
	char *buf = dbk_secure_alloc(PASS_MAX), *again = NULL;
	const char *env = envname ? getenv(envname) : NULL;
	size_t n = 0, n2 = 0;
	int rc;

	*pass = NULL;
	if (buf == NULL)
		return cli_error(1, "out of secure memory");
	if (file != NULL) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			dbk_secure_free(buf);
			return cli_error(3, "cannot read passphrase file '%s': %s",
			    file, strerror(errno));
		}
		rc = read_line_fd(fd, buf, PASS_MAX, &n);
		close(fd);
		if (rc != 0) {
			dbk_secure_free(buf);
			return cli_error(5, "the passphrase in '%s' is longer than %d bytes",
			    file, PASS_MAX - 1);
		}
	} else if (env != NULL) {
		n = strlen(env);
		if (n >= PASS_MAX) {
			dbk_secure_free(buf);
			return cli_error(5, "$%s is longer than %d bytes", envname,
			    PASS_MAX - 1);
		}
		memcpy(buf, env, n + 1);
	} else {
		rc = tty_prompt(prompt, buf, PASS_MAX, &n);
		if (rc == -2) {
			dbk_secure_free(buf);
			return cli_error(3, "no passphrase: there is no terminal to "
			    "ask on; use --%s FILE or $%s", fileopt,
			    envname ? envname : "DEALBOOK_PASSPHRASE");
		}
		if (rc != 0) {
			dbk_secure_free(buf);
			return cli_error(5, "the passphrase is longer than %d bytes",
			    PASS_MAX - 1);
		}
		if (confirm) {
			if ((again = dbk_secure_alloc(PASS_MAX)) == NULL) {
				dbk_secure_free(buf);
				return cli_error(1, "out of secure memory");
			}
			rc = tty_prompt("Repeat the passphrase: ", again, PASS_MAX, &n2);
			if (rc != 0 || n2 != n || memcmp(buf, again, n) != 0) {
				dbk_secure_free(again);
				dbk_secure_free(buf);
				return cli_error(5, "the two passphrases differ");
			}
			dbk_secure_free(again);
		}
	}
	if (n == 0) {
		dbk_secure_free(buf);
		return cli_error(5, "the passphrase is empty");
	}
	*pass = buf;
	*len = n;
	return 0;
}

/* ---- formatting ---- */

int
cli_machine(const struct cli *c)
{
	return c->fmt == TBL_JSON || c->fmt == TBL_CSV;
}

void
cli_short_id(const struct dbk_id *id, char out[9])
{
	char hex[DBK_ID_HEX];

	dbk_id_format(id, hex);
	memcpy(out, hex, 8);
	out[8] = '\0';
}

void
cli_id(const struct cli *c, const struct dbk_id *id, char out[DBK_ID_HEX])
{
	dbk_id_format(id, out);
	if (!cli_machine(c))
		out[8] = '\0';
}

char *
cli_customer_ref(const struct dbk_record *r)
{
	const char *code = dbk_record_str(r, "code");
	char sid[9];

	if (code != NULL)
		return strdup(code);
	cli_short_id(dbk_record_id(r), sid);
	return strdup(sid);
}

const char *
cli_label(struct cli *c, enum dbk_type t, const char *field)
{
	const struct dbk_fielddef *fd = dbk_field_lookup(t, field);
	const char *cname = dbk_custom_stored_name(field);

	if (fd == NULL && cname != NULL) {
		const struct dbk_custom *cd = c->txn ?
		    dbk_custom_by_stored(c->txn, t, field) : NULL;
		if (cd != NULL && c->zh && cd->label_zh != NULL)
			return cd->label_zh;
		if (cd != NULL && cd->label_en != NULL)
			return cd->label_en;
		return cname;
	}
	if (fd == NULL)
		return field;
	return c->zh ? fd->label_zh : fd->label_en;
}

/* Indicator names for people, in catalogue order (eval.h). */
static const struct {
	const char *key, *en, *zh, *zhs;	/* zhs: simplified */
} metric_names[] = {
	{ "new_customers", "new customers", "新增客戶", "新增客户" },
	{ "signed_amount", "signed amount", "簽約金額", "签约金额" },
	{ "avg_order_value", "average order value", "客單價", "客单价" },
	{ "collection_rate", "collection rate", "回款率", "回款率" },
	{ "new_customer_growth", "new-customer growth", "新客戶增長率", "新客户增长率" },
	{ "lead_conversion", "lead conversion", "線索轉化率", "线索转化率" },
	{ "avg_cycle_days", "average cycle (days)", "平均跟進周期（天）", "平均跟进周期（天）" },
	{ "need_match", "need match", "需求匹配度", "需求匹配度" },
	{ "objection_success", "objections resolved", "異議處理成功率", "异议处理成功率" },
	{ "timeliness", "recorded within 24 h", "及時錄入率", "及时录入率" },
	{ "win_rate", "win rate", "贏單率", "赢单率" },
	{ "followups_per_week", "follow-ups per customer-week",
	    "每客戶每周跟進次數", "每客户每周跟进次数" },
	{ "followups_per_week_high", "follow-ups, high priority",
	    "高優先級每周跟進次數", "高优先级每周跟进次数" },
	{ "weighted_pipeline", "weighted pipeline", "加權管道金額", "加权管道金额" },
	{ "activity_phone", "calls", "電話", "电话" },
	{ "activity_visit", "visits", "拜訪", "拜访" },
	{ "activity_online", "online meetings", "線上會議", "线上会议" },
	{ "activity_email", "e-mails", "郵件", "邮件" },
	{ "activity_other", "other contacts", "其他溝通", "其他沟通" },
	{ "activity_total", "all contacts", "溝通總數", "沟通总数" },
	{ "stalled", "stalled customers", "停滯客戶", "停滞客户" },
};

const char *
cli_metric_label(struct cli *c, const char *key)
{
	for (size_t i = 0; i < sizeof metric_names / sizeof metric_names[0]; i++)
		if (strcmp(metric_names[i].key, key) == 0)
			return c->zh ? metric_names[i].zh : metric_names[i].en;
	return key;
}

const char *
cli_metric_key(const char *typed)
{
	for (size_t i = 0; i < sizeof metric_names / sizeof metric_names[0]; i++)
		if (strcmp(metric_names[i].zh, typed) == 0 ||
		    strcmp(metric_names[i].zhs, typed) == 0 ||
		    strcasecmp(metric_names[i].en, typed) == 0)
			return metric_names[i].key;
	return typed;
}

const char *
cli_type_label(struct cli *c, enum dbk_type t)
{
	static const char *const zh[DBK_T_MAX + 1] = {
		[DBK_T_CUSTOMER] = "客戶", [DBK_T_CONTACT] = "聯系人",
		[DBK_T_INTERACTION] = "溝通", [DBK_T_OBJECTION] = "異議",
		[DBK_T_COMPETITOR] = "競爭對手", [DBK_T_STAGE] = "階段",
		[DBK_T_DEAL] = "合同", [DBK_T_PAYMENT] = "回款",
		[DBK_T_GOAL] = "目標", [DBK_T_REVIEW] = "復盤",
		[DBK_T_PLAN] = "計劃", [DBK_T_EVALRUN] = "評估",
		[DBK_T_FIELDDEF] = "自定義欄位", [DBK_T_MEMBER] = "成員",
	};

	if (c->zh && (int)t >= 1 && t <= DBK_T_MAX && zh[t] != NULL)
		return zh[t];
	return dbk_type_name(t);
}

int
cli_parse_sets(const struct cmd_entry *e, struct optv *ov,
    struct dbk_field **out, size_t *n)
{
	const struct optv *sets = opt_all(e, ov, "set");
	size_t k = sets ? sets->n : 0;
	struct dbk_field *f = calloc(k + 1, sizeof *f);

	*out = NULL;
	*n = 0;
	if (f == NULL)
		return cli_error(1, "out of memory");
	for (size_t i = 0; i < k; i++) {
		const char *eq = strchr(sets->vals[i], '=');
		if (eq == NULL || eq == sets->vals[i]) {
			cli_free_sets(f, i);
			return cli_error(5, "invalid --set '%s' (expected "
			    "FIELD=VALUE)", sets->vals[i]);
		}
		f[i].name = strndup(sets->vals[i], (size_t)(eq - sets->vals[i]));
		f[i].value = eq + 1;
		if (f[i].name == NULL) {
			cli_free_sets(f, i);
			return cli_error(1, "out of memory");
		}
	}
	*out = f;
	*n = k;
	return 0;
}

void
cli_free_sets(struct dbk_field *f, size_t n)
{
	for (size_t i = 0; f != NULL && i < n; i++)
		free((char *)f[i].name);
	free(f);
}

struct ccols {
	struct cli *c;
	enum dbk_type t;
	struct cli_cfield *v;
	size_t n;
};

static int
ccols_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct ccols *x = vctx;
	const struct dbk_custom *cv;
	size_t n;
	int rc;

	if ((rc = dbk_custom_list(t, &cv, &n, err)) != 0)
		return rc;
	if ((x->v = calloc(n + 1, sizeof *x->v)) == NULL)
		return DBK_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *head;
		if (cv[i].of != x->t || cv[i].retired)
			continue;
		head = x->c->zh && cv[i].label_zh ? cv[i].label_zh :
		    !x->c->zh && cv[i].label_en ? cv[i].label_en : cv[i].name;
		x->v[x->n].stored = strdup(cv[i].stored);
		x->v[x->n].key = strdup(cv[i].name);
		x->v[x->n].head = strdup(head);
		x->n++;
		if (x->v[x->n - 1].stored == NULL || x->v[x->n - 1].key == NULL ||
		    x->v[x->n - 1].head == NULL)
			return DBK_ENOMEM;
	}
	return 0;
}

void
cli_custom_columns_free(struct cli_cfield *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].stored);
		free(v[i].key);
		free(v[i].head);
	}
	free(v);
}

struct tbl *
cli_custom_table(size_t nfixed, const char *const keys[],
    const char *const heads[], const struct cli_cfield *cc, size_t ncc)
{
	const char **k = calloc(nfixed + ncc, sizeof *k);
	const char **h = calloc(nfixed + ncc, sizeof *h);
	struct tbl *tb = NULL;

	if (k != NULL && h != NULL) {
		for (size_t i = 0; i < nfixed + ncc; i++) {
			k[i] = i < nfixed ? keys[i] : cc[i - nfixed].key;
			h[i] = i < nfixed ? heads[i] : cc[i - nfixed].head;
		}
		tb = tbl_new(nfixed + ncc, k, h);
	}
	free(k);
	free(h);
	return tb;
}

int
cli_custom_columns(struct cli *c, enum dbk_type t, struct cli_cfield **out,
    size_t *n)
{
	struct ccols x = { c, t, NULL, 0 };
	int rc = dbk_store_read(c->store, ccols_txn, &x, &c->err);

	if (rc != 0) {
		cli_custom_columns_free(x.v, x.n);
		return rc == DBK_ENOMEM && c->err.msg == NULL ?
		    cli_error(1, "out of memory") : cli_fail(c, rc);
	}
	*out = x.v;
	*n = x.n;
	return 0;
}

const char *
cli_field_key(const char *field)
{
	const char *cname = dbk_custom_stored_name(field);

	return cname != NULL ? cname : field;
}

char *
cli_money(struct cli *c, const char *minor)
{
	int64_t v;
	char buf[64];
	int d = dbk_store_minor_digits(c->store);

	if (dbk_parse_int(minor, INT64_MIN, INT64_MAX, &v) != 0)
		return strdup(minor);
	if (cli_machine(c)) {
		/* Exact decimal in major units, no separators: "500000.00". */
		int64_t scale = 1;
		for (int i = 0; i < d; i++)
			scale *= 10;
		if (d == 0)
			snprintf(buf, sizeof buf, "%" PRId64, v);
		else
			snprintf(buf, sizeof buf, "%" PRId64 ".%0*" PRId64, v / scale,
			    d, v % scale);
		return strdup(buf);
	}
	if (dbk_format_money(v, d, buf, sizeof buf) < 0)
		return strdup(minor);
	return strdup(buf);
}

char *
cli_datetime(struct cli *c, const char *secs)
{
	int64_t v;
	char buf[32];

	if (dbk_parse_int(secs, INT64_MIN, INT64_MAX, &v) != 0)
		return strdup(secs);
	if (cli_machine(c)) {
		time_t tt = (time_t)v;
		struct tm tm;
		if (gmtime_r(&tt, &tm) == NULL)
			return strdup(secs);
		strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return strdup(buf);
	}
	dbk_format_datetime(v, buf);
	return strdup(buf);
}

static int
masked_by_default(enum dbk_type t, const char *field)
{
	/* Contact names are personal data: shown "*經理"-style unless
	 * revealed (the source document's rule). */
	return t == DBK_T_CONTACT && strcmp(field, "name") == 0;
}

char *
cli_value(struct cli *c, const struct dbk_record *r, const char *field)
{
	const char *v = NULL;
	int rc = dbk_record_get(r, field, &v);

	if (rc == DBK_ENOKEY)
		return cli_format(c, dbk_record_type(r), field, NULL,
		    DBK_FS_RESTRICTED);
	if (rc != 0 || v == NULL)
		return NULL;
	return cli_format(c, dbk_record_type(r), field, v, DBK_FS_PLAIN);
}

char *
cli_format(struct cli *c, enum dbk_type t, const char *field, const char *v,
    int state)
{
	const struct dbk_fielddef *fd = dbk_field_lookup(t, field);

	if (state == DBK_FS_RESTRICTED)
		return cli_machine(c) ? NULL : strdup("[restricted]");
	if (v == NULL)
		return NULL;
	if (fd == NULL && dbk_custom_stored_name(field) != NULL) {
		const struct dbk_custom *cd = c->txn ?
		    dbk_custom_by_stored(c->txn, t, field) : NULL;
		if (field[1] == '!' && !c->reveal)
			return cli_machine(c) ? NULL : strdup("••••");
		if (cd != NULL && cd->kind == DBK_CK_BOOL && !cli_machine(c) &&
		    c->zh)
			return strdup(strcmp(v, "yes") == 0 ? "是" : "否");
		return strdup(v);
	}
	if (fd != NULL && (fd->flags & DBK_F_SENSITIVE) && !c->reveal) {
		if (t == DBK_T_CONTACT && strcmp(field, "phone") == 0)
			return dbk_mask_phone(v);
		return cli_machine(c) ? NULL : strdup("••••");
	}
	if (masked_by_default(t, field) && !c->reveal)
		return dbk_mask_name(v);
	if (fd == NULL)
		return strdup(v);
	switch (fd->kind) {
	case DBK_K_MONEY:
		return cli_money(c, v);
	case DBK_K_DATETIME:
		return cli_datetime(c, v);
	case DBK_K_STAGE:
		if (c->zh) {
			enum dbk_stage st;
			if (dbk_parse_stage(v, &st) == 0)
				return strdup(dbk_stage_name_zh(st));
		}
		return strdup(v);
	case DBK_K_CHANNEL:
		if (c->zh && !cli_machine(c)) {
			enum dbk_channel ch;
			if (dbk_parse_channel(v, &ch) == 0)
				return strdup(dbk_channel_name_zh(ch));
		}
		return strdup(v);
	case DBK_K_ROLE:
		if (c->zh && !cli_machine(c)) {
			enum dbk_role ro;
			if (dbk_parse_role(v, &ro) == 0)
				return strdup(dbk_role_name_zh(ro));
		}
		return strdup(v);
	case DBK_K_PRIORITY:
		if (c->zh && !cli_machine(c)) {
			enum dbk_priority pr;
			if (dbk_parse_priority(v, &pr) == 0)
				return strdup(dbk_priority_name_zh(pr));
		}
		return strdup(v);
	case DBK_K_BOOL:
		if (cli_machine(c))
			return strdup(strcmp(v, "1") == 0 ? "true" : "false");
		return strdup(strcmp(v, "1") == 0 ? (c->zh ? "是" : "yes") :
		    (c->zh ? "否" : "no"));
	case DBK_K_PERCENT:
		if (!cli_machine(c)) {
			char *o = NULL;
			if (asprintf(&o, "%s%%", v) < 0)
				return NULL;
			return o;
		}
		return strdup(v);
	default:
		return strdup(v);
	}
}

static int
skip_in_show(const char *name)
{
	return strcmp(name, "_del") == 0;
}

int
cli_print_record(struct cli *c, const struct dbk_record *r)
{
	enum dbk_type t = dbk_record_type(r);
	char hex[DBK_ID_HEX];
	size_t n = dbk_record_nfields(r);
	int rc = 0;

	dbk_id_format(dbk_record_id(r), hex);
	if (c->fmt == TBL_JSON) {
		cJSON *o = cJSON_CreateObject(), *f, *hidden;
		char *txt;
		if (o == NULL)
			return -1;
		cJSON_AddStringToObject(o, "id", hex);
		cJSON_AddStringToObject(o, "type", dbk_type_name(t));
		f = cJSON_AddObjectToObject(o, "fields");
		hidden = cJSON_AddObjectToObject(o, "hidden");
		for (size_t i = 0; i < n; i++) {
			const char *name, *val;
			int state;
			char *v;
			dbk_record_field_at(r, i, &name, &val, &state);
			if (skip_in_show(name))
				continue;
			v = cli_value(c, r, name);
			name = cli_field_key(name);
			if (v != NULL) {
				cJSON_AddStringToObject(f, name, v);
				free(v);
			} else if (state == DBK_FS_RESTRICTED) {
				cJSON_AddNullToObject(f, name);
				cJSON_AddStringToObject(hidden, name, "restricted");
			} else if (val != NULL) {
				cJSON_AddNullToObject(f, name);
				cJSON_AddStringToObject(hidden, name, "masked");
			}
		}
		txt = cJSON_PrintUnformatted(o);
		if (txt != NULL) {
			puts(txt);
			cJSON_free(txt);
		} else {
			rc = -1;
		}
		cJSON_Delete(o);
		return rc;
	} else {
		static const char *const keys[] = { "field", "value" };
		const char *heads[] = { c->zh ? "欄位" : "field",
			c->zh ? "內容" : "value" };
		struct tbl *tb = tbl_new(2, keys, heads);
		const char *row[2];
		if (tb == NULL)
			return -1;
		row[0] = "id";
		row[1] = hex;
		(void)tbl_add_row(tb, row);
		for (size_t i = 0; i < n; i++) {
			const char *name, *val;
			int state;
			char *v;
			dbk_record_field_at(r, i, &name, &val, &state);
			if (skip_in_show(name))
				continue;
			v = cli_value(c, r, name);
			row[0] = c->fmt == TBL_CSV ? cli_field_key(name) :
			    cli_label(c, t, name);
			row[1] = v;
			if (tbl_add_row(tb, row) != 0)
				rc = -1;
			free(v);
		}
		if (tbl_print(tb, stdout, c->fmt) != 0)
			rc = -1;
		tbl_free(tb);
		return rc;
	}
}

int
cli_page(struct cli *c, const struct cmd_entry *e, struct optv *ov,
    size_t *limit)
{
	const char *lim = opt_get(e, ov, "limit");
	int64_t n;

	*limit = 0;
	if (lim != NULL && opt_has(e, ov, "all"))
		return cli_error(2, "--limit %s and --all contradict each other: "
		    "give one", lim);
	if (lim != NULL) {
		if (dbk_parse_int(lim, 1, 100000000, &n) != 0)
			return cli_error(5, "invalid number of rows '%s' for --limit "
			    "(expected 1 to 100000000)", lim);
		*limit = (size_t)n;
	} else if (!opt_has(e, ov, "all") && c->fmt == TBL_TABLE &&
	    isatty(STDOUT_FILENO)) {
		*limit = CLI_PAGE;
	}
	return 0;
}

static int
read_table(struct cli *c, struct tbl *tb, dbk_txn_fn fn, void *ctx,
    const int *oom, int newest_first)
{
	int rc;

	/* Rows go out as they come, unless only the newest are wanted or
	 * they come newest first. */
	if (!newest_first && !tbl_keeps_last(tb) &&
	    tbl_stream(tb, stdout, c->fmt) != 0) {
		tbl_free(tb);
		return cli_error(1, "out of memory");
	}
	rc = dbk_store_read(c->store, fn, ctx, &c->err);
	if (rc != 0) {
		rc = cli_fail(c, rc);
	} else if (*oom) {
		rc = cli_error(1, "out of memory");
	} else {
		if (newest_first)
			tbl_reverse(tb);
		if (tbl_print(tb, stdout, c->fmt) != 0)
			rc = cli_error(1, "writing failed");
	}
	/* A table cut to a page says so, on stderr (stdout stays the table). */
	if (rc == 0 && c->fmt == TBL_TABLE && tbl_partial(tb))
		fprintf(stderr, tr("only the newest %zu rows are shown; --all "
		    "shows every row\n"), tbl_shown(tb));
	tbl_free(tb);
	return rc;
}

int
cli_read_table(struct cli *c, struct tbl *tb, dbk_txn_fn fn, void *ctx,
    const int *oom)
{
	return read_table(c, tb, fn, ctx, oom, 0);
}

int
cli_read_table_newest(struct cli *c, struct tbl *tb, dbk_txn_fn fn,
    void *ctx, const int *oom)
{
	return read_table(c, tb, fn, ctx, oom, 1);
}

void
cli_progress(const char *what, uint64_t done, uint64_t total, void *ctx)
{
	static struct timespec last;
	static int shown;
	struct timespec now;
	int64_t ms;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(now.tv_sec - last.tv_sec) * 1000 +
	    (now.tv_nsec - last.tv_nsec) / 1000000;
	if (total > 0 && done >= total) {
		if (shown)
			fprintf(stderr, "\r%s: done\033[K\n", what);
		shown = 0;
		return;
	}
	if (shown && ms < 100)
		return;
	last = now;
	shown = 1;
	if (total > 0)
		fprintf(stderr, "\r%s: %3d%% (%llu of %llu)\033[K", what,
		    (int)(done * 100 / total), (unsigned long long)done,
		    (unsigned long long)total);
	else
		fprintf(stderr, "\r%s: %llu\033[K", what,
		    (unsigned long long)done);
	fflush(stderr);
}

void
cli_json_string(FILE *fp, const char *s)
{
	cJSON *o = cJSON_CreateString(s);
	char *txt = o ? cJSON_PrintUnformatted(o) : NULL;

	fputs(txt ? txt : "null", fp);
	cJSON_free(txt);
	cJSON_Delete(o);
}

int
cli_json_status(const struct cli *c, const char *const kv[], size_t n)
{
	cJSON *o;
	char *txt;

	if (c->fmt != TBL_JSON)
		return 0;
	if ((o = cJSON_CreateObject()) == NULL)
		return 1;
	for (size_t i = 0; i < n; i++)
		cJSON_AddStringToObject(o, kv[2 * i], kv[2 * i + 1]);
	if ((txt = cJSON_PrintUnformatted(o)) != NULL) {
		puts(txt);
		cJSON_free(txt);
	}
	cJSON_Delete(o);
	return 1;
}

void
cli_print_updated(struct cli *c, const char *type, const struct dbk_id *id,
    size_t changed)
{
	char hex[DBK_ID_HEX];

	dbk_id_format(id, hex);
	if (c->fmt == TBL_JSON) {
		printf("{\"type\":\"%s\",\"id\":\"%s\",\"changed\":%zu}\n",
		    type, hex, changed);
		return;
	}
	printf("updated %s %.8s (%zu field%s changed)\n", type, hex, changed,
	    changed == 1 ? "" : "s");
}

void
cli_print_added(struct cli *c, const char *type, const struct dbk_id *id,
    const char *extra)
{
	char hex[DBK_ID_HEX];

	dbk_id_format(id, hex);
	if (c->fmt == TBL_JSON) {
		cJSON *o = cJSON_CreateObject();
		char *txt;
		cJSON_AddStringToObject(o, "type", type);
		cJSON_AddStringToObject(o, "id", hex);
		if (extra != NULL)
			cJSON_AddStringToObject(o, "note", extra);
		if ((txt = cJSON_PrintUnformatted(o)) != NULL) {
			puts(txt);
			cJSON_free(txt);
		}
		cJSON_Delete(o);
		return;
	}
	printf("added %s %.8s%s%s\n", type, hex, extra ? " " : "",
	    extra ? extra : "");
}
