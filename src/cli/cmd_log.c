/*
 * cmd_log.c -- log (from options, prompts on a terminal, or the editor),
 * stage, objection resolve/list, timeline, todo.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "prompt.h"

/* ---- log ---- */

/* Options and template keys, and the interaction fields they set. */
enum {
	L_SUMMARY, L_AT, L_CHANNEL, L_WITH, L_FEEDBACK, L_AGREED, L_MATERIALS,
	L_THEIR_NEXT, L_COMPETITOR, L_OPPORTUNITY, L_NEXT, L_DUE, NLOG
};

static const struct {
	const char *opt, *field;
} log_map[NLOG] = {
	[L_SUMMARY] = { "summary", "summary" }, [L_AT] = { "at", "at" },
	[L_CHANNEL] = { "channel", "channel" }, [L_WITH] = { "with", "with" },
	[L_FEEDBACK] = { "feedback", "feedback" },
	[L_AGREED] = { "agreed", "agreed" },
	[L_MATERIALS] = { "materials", "materials" },
	[L_THEIR_NEXT] = { "their-next", "their_next" },
	[L_COMPETITOR] = { "competitor", "competitor" },
	[L_OPPORTUNITY] = { "opportunity", "opportunity" },
	[L_NEXT] = { "next", "next" }, [L_DUE] = { "due", "due" },
};

/* Order of the keys in the --edit template (objection after their-next). */
static const int tpl_order[NLOG] = {
	L_AT, L_CHANNEL, L_WITH, L_SUMMARY, L_FEEDBACK, L_AGREED, L_MATERIALS,
	L_THEIR_NEXT, L_COMPETITOR, L_OPPORTUNITY, L_NEXT, L_DUE
};

#define EXIT_EMPTY 5 /* empty summary or end of input: nothing written */
#define ASK_TRIES 3

/* What one interaction says, every string owned; v[] like log_map. */
struct log_in {
	char *v[NLOG];
	char **obj;
	size_t nobj, capobj;
};

struct log_ctx {
	const char *ref;
	struct dbk_id cid;   /* already resolved when have_cid */
	int have_cid;
	struct dbk_field *f;	/* NLOG, then the --set fields */
	size_t n;
	const char *const *obj;
	size_t nobj;
	struct dbk_id id;
	int late;
};

struct log_contact {
	uint64_t hlc;        /* when it was added */
	char *name;          /* as shown (masked unless --reveal) */
	char *raw;           /* as stored */
};

/* What the prompts and the template offer: read before asking. */
struct log_dflt {
	struct cli *c;
	const char *ref;
	struct dbk_id cid;
	char *name, *code;   /* for the header */
	struct log_contact *contact; /* names as shown, as they come */
	size_t ncontacts, capcontacts;
	char *contacts;      /* "王經理, 李總監" as shown, or NULL */
	char *contacts_raw;  /* the same as stored */
	char *channel;       /* of the most recent interaction that had one */
	int64_t last_at;
	uint64_t last_hlc;
	int oom;
};

static void
log_in_free(struct log_in *in)
{
	for (size_t i = 0; i < NLOG; i++)
		free(in->v[i]);
	for (size_t i = 0; i < in->nobj; i++)
		free(in->obj[i]);
	free(in->obj);
	memset(in, 0, sizeof *in);
}

/* Append a copy of an objection: 0 or -1 (out of memory). */
static int
log_in_obj(struct log_in *in, const char *text)
{
	char **no, *dup;
	int rc = 0;

	if (in->nobj == in->capobj) {
		size_t cap = in->capobj ? in->capobj * 2 : 4;
		if ((no = realloc(in->obj, cap * sizeof *no)) == NULL) {
			rc = -1;
			goto out;
		}
		in->obj = no;
		in->capobj = cap;
	}
	if ((dup = strdup(text)) == NULL) {
		rc = -1;
		goto out;
	}
	in->obj[in->nobj++] = dup;
out:
	return rc;
}

/* The command line's values, copied.  0 or an exit code. */
static int
log_in_flags(const struct cmd_entry *e, struct optv *ov, struct log_in *in)
{
	const struct optv *objs = opt_all(e, ov, "objection");
	int rc = 0;

	for (size_t i = 0; i < NLOG && rc == 0; i++) {
		const char *v = opt_get(e, ov, log_map[i].opt);
		if (v != NULL && (in->v[i] = strdup(v)) == NULL)
			rc = cli_error(1, "out of memory");
	}
	for (size_t i = 0; objs != NULL && i < objs->n && rc == 0; i++)
		if (log_in_obj(in, objs->vals[i]) != 0)
			rc = cli_error(1, "out of memory");
	return rc;
}

static int
log_index(const char *key)
{
	for (int i = 0; i < NLOG; i++)
		if (strcmp(log_map[i].opt, key) == 0)
			return i;
	return -1;
}

static int
dflt_contact(struct dbk_record *r, void *vctx)
{
	struct log_dflt *d = vctx;
	struct log_contact *nc;
	const char *who;
	uint64_t hlc = 0;
	char *name = cli_value(d->c, r, "name"), *raw = NULL;

	if (name == NULL)
		goto out;
	if ((raw = strdup(dbk_record_str(r, "name") ? dbk_record_str(r, "name") :
	    name)) == NULL) {
		d->oom = 1;
		goto out;
	}
	if (d->ncontacts == d->capcontacts) {
		size_t cap = d->capcontacts ? d->capcontacts * 2 : 8;
		if ((nc = realloc(d->contact, cap * sizeof *nc)) == NULL) {
			d->oom = 1;
			goto out;
		}
		d->contact = nc;
		d->capcontacts = cap;
	}
	if (dbk_record_version(r, "created", &hlc, &who) != 0)
		hlc = 0;
	d->contact[d->ncontacts++] = (struct log_contact){ hlc, name, raw };
	name = NULL;
	raw = NULL;
out:
	free(name);
	return 0;
}

static int
contact_cmp(const void *a, const void *b)
{
	const struct log_contact *x = a, *y = b;

	return (x->hlc > y->hlc) - (x->hlc < y->hlc);
}

/* "王經理, 李總監": the contacts in the order they were added. */
static int
dflt_join_contacts(struct log_dflt *d)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp;
	int rc = 0;

	if (d->ncontacts == 0)
		goto out;
	qsort(d->contact, d->ncontacts, sizeof *d->contact, contact_cmp);
	if ((fp = open_memstream(&text, &len)) == NULL) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < d->ncontacts; i++)
		fprintf(fp, "%s%s", i ? ", " : "", d->contact[i].name);
	if (ferror(fp))
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	if (rc == 0)
		d->contacts = text;
	else
		free(text);
	/* The same list as stored, to save when the shown default is taken. */
	text = NULL;
	if (rc == 0 && (fp = open_memstream(&text, &len)) != NULL) {
		for (size_t i = 0; i < d->ncontacts; i++)
			fprintf(fp, "%s%s", i ? ", " : "", d->contact[i].raw);
		if (fclose(fp) == 0)
			d->contacts_raw = text;
		else
			free(text);
	}
out:
	return rc;
}

static int
dflt_interaction(struct dbk_record *r, void *vctx)
{
	struct log_dflt *d = vctx;
	const char *ch = dbk_record_str(r, "channel");
	int64_t at = dbk_event_time(r);
	uint64_t hlc = 0;
	const char *who;
	char *dup;

	/* The latest by when it happened, then by when it was recorded. */
	if (dbk_record_version(r, "created", &hlc, &who) != 0)
		hlc = 0;
	if (ch == NULL || (d->channel != NULL && (at < d->last_at ||
	    (at == d->last_at && hlc < d->last_hlc))))
		goto out;
	if ((dup = strdup(ch)) == NULL) {
		d->oom = 1;
		goto out;
	}
	free(d->channel);
	d->channel = dup;
	d->last_at = at;
	d->last_hlc = hlc;
out:
	return 0;
}

static void
dflt_clear(struct log_dflt *d)
{
	free(d->name);
	free(d->code);
	for (size_t i = 0; i < d->ncontacts; i++) {
		free(d->contact[i].name);
		free(d->contact[i].raw);
	}
	free(d->contact);
	free(d->contacts);
	free(d->contacts_raw);
	d->contacts_raw = NULL;
	free(d->channel);
	d->name = d->code = d->contacts = d->channel = NULL;
	d->contact = NULL;
	d->ncontacts = d->capcontacts = 0;
	d->oom = 0;
}

static int
dflt_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct log_dflt *d = vctx;
	struct dbk_record *r = NULL;
	int rc;

	dflt_clear(d);
	if ((rc = dbk_resolve(t, DBK_T_CUSTOMER, d->ref, &d->cid, err)) != 0 ||
	    (rc = dbk_record_load(t, &d->cid, &r, err)) != 0)
		goto out;
	d->name = cli_value(d->c, r, "name");
	if ((d->code = cli_customer_ref(r)) == NULL)
		d->oom = 1;
	if ((rc = dbk_record_children(t, &d->cid, DBK_T_CONTACT, dflt_contact, d,
	    err)) != 0)
		goto out;
	if (dflt_join_contacts(d) != 0)
		d->oom = 1;
	rc = dbk_record_children(t, &d->cid, DBK_T_INTERACTION, dflt_interaction,
	    d, err);
out:
	dbk_record_free(r);
	return rc;
}

/* ---- asking on the terminal ---- */

typedef int (*ask_check)(struct cli *c, const char *answer);

static int
check_when(struct cli *c, const char *a)
{
	int64_t t;

	if (dbk_parse_datetime(a, dbk_store_now(c->store), &t) == 0)
		return 0;
	cli_error(5, "invalid time '%s' (e.g. 2024-05-10 14:30, today, "
	    "yesterday, now)", a);
	return -1;
}

static int
check_channel(struct cli *c, const char *a)
{
	enum dbk_channel ch;

	(void)c;
	if (dbk_parse_channel(a, &ch) == 0)
		return 0;
	cli_error(5, "invalid channel '%s' (expected %s)", a,
	    dbk_channel_choices());
	return -1;
}

static int
check_due(struct cli *c, const char *a)
{
	int32_t d;

	if (dbk_parse_date(a, dbk_store_now(c->store), &d) == 0)
		return 0;
	cli_error(5, "invalid date '%s' (e.g. 2024-05-30, 2024/5/30, tomorrow)",
	    a);
	return -1;
}

/* Ask until check accepts the answer (an empty answer is never checked),
 * at most ASK_TRIES times.  0 and *out set, or an exit code after
 * printing. */
static int
ask(struct cli *c, const char *question, const char *dflt, ask_check check,
    char **out)
{
	char *a = NULL;
	int rc = 0;

	*out = NULL;
	for (int tries = 1; ; tries++) {
		int prc = prompt_line(tr(question), dflt, &a);
		if (prc == PROMPT_EOF) {
			rc = cli_error(EXIT_EMPTY, "end of input: nothing written");
			goto out;
		}
		if (prc != 0) {
			rc = cli_error(1, "reading the answer failed: %s",
			    ferror(stdin) ? strerror(errno) : "out of memory");
			goto out;
		}
		if (check == NULL || *a == '\0' || check(c, a) == 0)
			break;
		free(a);
		a = NULL;
		if (tries == ASK_TRIES) {
			rc = cli_error(EXIT_EMPTY, "no valid answer after %d tries: "
			    "nothing written", ASK_TRIES);
			goto out;
		}
	}
	*out = a;
	a = NULL;
out:
	free(a);
	return rc;
}

/* Ask for what the command line left out.  0 or an exit code. */
static int
log_ask(struct cli *c, const struct log_dflt *d, struct log_in *in)
{
	char *a = NULL;
	int rc = 0;

	if (d->name != NULL)
		fprintf(stderr, tr("Logging an interaction with %s (%s)\n"),
		    d->name, d->code);
	else
		fprintf(stderr, tr("Logging an interaction with %s\n"), d->code);
	if (in->v[L_AT] == NULL &&
	    (rc = ask(c, "When", "now", check_when, &in->v[L_AT])) != 0)
		goto out;
	if (in->v[L_CHANNEL] == NULL && (rc = ask(c, "Channel",
	    d->channel ? d->channel : "visit", check_channel,
	    &in->v[L_CHANNEL])) != 0)
		goto out;
	if (in->v[L_WITH] == NULL &&
	    (rc = ask(c, "With", d->contacts, NULL, &in->v[L_WITH])) != 0)
		goto out;
	if (in->v[L_SUMMARY] == NULL &&
	    (rc = ask(c, "Summary", NULL, NULL, &in->v[L_SUMMARY])) != 0)
		goto out;
	if (in->v[L_SUMMARY][0] == '\0') {
		rc = cli_error(EXIT_EMPTY, "empty summary: nothing written");
		goto out;
	}
	if (in->v[L_FEEDBACK] == NULL && (rc = ask(c, "Customer feedback", NULL,
	    NULL, &in->v[L_FEEDBACK])) != 0)
		goto out;
	/* Objections given as options stand for the whole list. */
	if (in->nobj == 0) {
		for (;;) {
			if ((rc = ask(c, "Objection (empty to finish)", NULL, NULL,
			    &a)) != 0)
				goto out;
			if (*a == '\0')
				break;
			if (log_in_obj(in, a) != 0) {
				rc = cli_error(1, "out of memory");
				goto out;
			}
			free(a);
			a = NULL;
		}
	}
	if (in->v[L_NEXT] == NULL &&
	    (rc = ask(c, "Next action", NULL, NULL, &in->v[L_NEXT])) != 0)
		goto out;
	if (in->v[L_NEXT][0] != '\0' && in->v[L_DUE] == NULL &&
	    (rc = ask(c, "Due (YYYY-MM-DD, empty for none)", NULL, check_due,
	    &in->v[L_DUE])) != 0)
		goto out;
out:
	free(a);
	return rc;
}

/* ---- editing a template ---- */

static char *
log_template(const struct log_dflt *d, const struct log_in *in)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int bad;

	if (fp == NULL)
		return NULL;
	if (d->name != NULL)
		fprintf(fp, "# Logging an interaction with %s (%s).\n", d->name,
		    d->code);
	else
		fprintf(fp, "# Logging an interaction with %s.\n", d->code);
	fprintf(fp, "# Lines starting with '#' are ignored. An empty summary "
	    "aborts: nothing is written.\n"
	    "# Dates: 2024-05-10 14:30, today, yesterday. Channels: %s.\n"
	    "# A value runs to the end of its line; only objection may repeat.\n",
	    dbk_channel_choices());
	for (size_t k = 0; k < NLOG; k++) {
		int i = tpl_order[k];
		const char *v = in->v[i];
		if (v == NULL && i == L_AT)
			v = "now";
		else if (v == NULL && i == L_CHANNEL)
			v = d->channel ? d->channel : "visit";
		else if (v == NULL && i == L_WITH)
			v = d->contacts;
		fprintf(fp, "%s: %s\n", log_map[i].opt, v ? v : "");
		if (i == L_THEIR_NEXT) {
			for (size_t j = 0; j < in->nobj; j++)
				fprintf(fp, "objection: %s\n", in->obj[j]);
			if (in->nobj == 0)
				fputs("objection: \n", fp);
		}
	}
	bad = ferror(fp);
	if (fclose(fp) != 0 || bad) {
		free(text);
		text = NULL;
	}
	return text;
}

static char *
trim_blanks(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Parse the edited text (modified in place) into in.  0 or an exit code
 * after printing. */
static int
log_parse(char *text, struct log_in *in)
{
	char *p = text;
	size_t lineno = 0;
	int rc = 0;

	while (*p != '\0' && rc == 0) {
		char *line = p, *nl = strchr(p, '\n'), *colon, *key, *val;
		int i;
		lineno++;
		if (nl != NULL) {
			*nl = '\0';
			p = nl + 1;
		} else {
			p += strlen(p);
		}
		line = trim_blanks(line);
		if (*line == '\0' || *line == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL) {
			rc = cli_error(5, "line %zu of the edited text is not "
			    "'key: value': nothing written", lineno);
			break;
		}
		*colon = '\0';
		key = trim_blanks(line);
		val = trim_blanks(colon + 1);
		if (strcmp(key, "objection") == 0) {
			if (*val != '\0' && log_in_obj(in, val) != 0)
				rc = cli_error(1, "out of memory");
		} else if ((i = log_index(key)) < 0) {
			rc = cli_error(5, "unknown key '%s' on line %zu of the edited "
			    "text: nothing written", key, lineno);
		} else if (in->v[i] != NULL) {
			rc = cli_error(5, "the key '%s' appears again on line %zu "
			    "(only objection may repeat): nothing written", key,
			    lineno);
		} else if ((in->v[i] = strdup(val)) == NULL) {
			rc = cli_error(1, "out of memory");
		}
	}
	return rc;
}

/* Offer everything in the editor; what comes back replaces *in. */
static int
log_edit(const struct log_dflt *d, struct log_in *in)
{
	struct log_in got = { 0 };
	char *tpl = log_template(d, in), *text = NULL;
	int rc;

	if (tpl == NULL) {
		rc = cli_error(1, "out of memory");
		goto out;
	}
	if ((rc = edit_template(tpl, &text)) != 0 ||
	    (rc = log_parse(text, &got)) != 0)
		goto out;
	if (got.v[L_SUMMARY] == NULL || got.v[L_SUMMARY][0] == '\0') {
		rc = cli_error(EXIT_EMPTY, "empty summary: nothing written");
		goto out;
	}
	log_in_free(in);
	*in = got;
	memset(&got, 0, sizeof got);
out:
	log_in_free(&got);
	free(tpl);
	free(text);
	return rc;
}

/* ---- writing ---- */

static int
log_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct log_ctx *l = vctx;
	struct dbk_id cid = l->cid;
	int rc = 0;

	if (!l->have_cid)
		rc = dbk_resolve(t, DBK_T_CUSTOMER, l->ref, &cid, err);
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
	struct log_in in = { 0 };
	struct log_dflt d = { 0 };
	struct dbk_field *sets = NULL;
	size_t nsets = 0;
	int edit = opt_has(e, ov, "edit"), asked;
	int rc;

	(void)npos;
	l.ref = pos[0];
	asked = edit || opt_get(e, ov, "summary") == NULL;
	if (!edit && opt_get(e, ov, "summary") == NULL && !isatty(STDIN_FILENO))
		return cli_usage_error(e, "an interaction needs --summary TEXT (or "
		    "run on a terminal to be asked, or --edit)");
	if (!asked && opt_get(e, ov, "due") != NULL &&
	    opt_get(e, ov, "next") == NULL)
		return cli_usage_error(e, "--due dates a next action: give --next too");
	if ((rc = log_in_flags(e, ov, &in)) != 0)
		goto out;
	if (asked) {
		d.c = c;
		d.ref = l.ref;
		if ((rc = dbk_store_read(c->store, dflt_txn, &d, &c->err)) != 0) {
			rc = cli_fail(c, rc);
			goto out;
		}
		if (d.oom) {
			rc = cli_error(1, "out of memory");
			goto out;
		}
		if ((rc = edit ? log_edit(&d, &in) : log_ask(c, &d, &in)) != 0)
			goto out;
		/* The default participants were shown masked; taking them
		 * means the contacts themselves, not the masked text. */
		if (in.v[L_WITH] != NULL && d.contacts != NULL &&
		    d.contacts_raw != NULL && strcmp(in.v[L_WITH], d.contacts) == 0) {
			char *raw = strdup(d.contacts_raw);
			if (raw == NULL) {
				rc = cli_error(1, "out of memory");
				goto out;
			}
			free(in.v[L_WITH]);
			in.v[L_WITH] = raw;
		}
		if (in.v[L_DUE] != NULL && in.v[L_DUE][0] != '\0' &&
		    (in.v[L_NEXT] == NULL || in.v[L_NEXT][0] == '\0')) {
			rc = cli_error(5, "a due date needs a next action: nothing "
			    "written");
			goto out;
		}
		l.cid = d.cid;
		l.have_cid = 1;
	}
	if ((rc = cli_parse_sets(e, ov, &sets, &nsets)) != 0)
		goto out;
	if ((l.f = calloc(NLOG + nsets, sizeof *l.f)) == NULL) {
		rc = cli_error(1, "out of memory");
		goto out;
	}
	/* Asked values left empty are simply not given. */
	for (size_t i = 0; i < NLOG; i++)
		if (in.v[i] != NULL && (!asked || in.v[i][0] != '\0'))
			l.f[l.n++] = (struct dbk_field){ log_map[i].field, in.v[i] };
	for (size_t i = 0; i < nsets; i++)
		l.f[l.n++] = sets[i];
	l.obj = (const char *const *)in.obj;
	l.nobj = in.nobj;
	if ((rc = dbk_store_write(c->store, log_txn, &l, &c->err)) != 0) {
		rc = cli_fail(c, rc);
		goto out;
	}
	cli_print_added(c, "interaction", &l.id,
	    l.late ? "(recorded more than 24 h after it happened: flagged late)" :
	    NULL);
out:
	free(l.f);
	cli_free_sets(sets, nsets);
	dflt_clear(&d);
	log_in_free(&in);
	return rc;
}

static const struct opt log_opts[] = {
	{ "summary", "TEXT", 0, "what was discussed (asked for on a terminal "
	    "when absent)" },
	{ "at", "DATETIME", 0, "when it happened (default now)" },
	{ "channel", "C", 0, "phone, visit, online, email or other (default "
	    "when asked: the last one used)" },
	{ "with", "NAMES", 0, "participants, theirs and ours (default when "
	    "asked: the customer's contacts)" },
	{ "feedback", "TEXT", 0, "the customer's feedback" },
	{ "agreed", "TEXT", 0, "what was agreed" },
	{ "materials", "TEXT", 0, "materials delivered" },
	{ "their-next", "TEXT", 0, "the customer's committed next step" },
	{ "objection", "TEXT", 1, "an objection raised" },
	{ "competitor", "TEXT", 0, "competitor moves" },
	{ "opportunity", "TEXT", 0, "new needs or opportunities" },
	{ "next", "TEXT", 0, "our next action" },
	{ "due", "DATE", 0, "when the next action is due" },
	{ "edit", NULL, 0, "write it in $VISUAL or $EDITOR on a commented "
	    "template, like git commit" },
	CLI_SET_OPT,
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_log = {
	"log", NULL, "<customer>", 1, 1, log_opts, CMD_STORE,
	"record an interaction with a customer",
	"dealbook log 20240501 --at '2024-05-10 10:00' --channel visit "
	"--summary '介紹智能倉儲解決方案' --objection '預算需審批' "
	"--next '提交客戶案例與技術白皮書' --due 2024-05-17\n"
	"  dealbook log 科技        without --summary on a terminal: asks "
	"field by field\n"
	"  dealbook log 科技 --edit  in the editor; options given fill the "
	"template\n"
	"  (an empty summary, or Ctrl-D at a prompt, aborts with exit 5: "
	"nothing is written)",
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
			if (checks[i].key == NULL) {
				for (size_t j = 0; j < i; j++)
					free((char *)checks[j].key);
				free(checks);
				return cli_error(1, "out of memory");
			}
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

	(void)e; (void)ov;
	o.c = c;
	o.ref = npos > 0 ? pos[0] : NULL;
	if ((o.tb = tbl_new(4, keys, c->zh ? zh : en)) == NULL)
		return cli_error(1, "out of memory");
	return cli_read_table(c, o.tb, objlist_txn, &o, &o.oom);
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
describe(struct cli *c, struct dbk_txn *t, const struct dbk_record *r)
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
	case DBK_T_PLAN: {
		struct dbk_error e2 = { 0 };
		int done = 0;
		if (dbk_plan_done(t, r, &done, &e2) != 0)
			done = 0;
		dbk_error_clear(&e2);
		a = cli_value(c, r, "milestone");
		b = cli_value(c, r, "owner");
		d = cli_value(c, r, "note");
		n = asprintf(&out, "%s %s%s%s%s%s %s", c->zh ? "計劃" : "planned",
		    a ? a : "", b ? (c->zh ? "，負責人 " : ", owner ") : "",
		    b ? b : "", d ? " / " : "", d ? d : "",
		    done ? (c->zh ? "[已完成]" : "[done]") :
		    (c->zh ? "[未完成]" : "[open]"));
		break;
	}
	default:
		break;
	}
	free(a);
	free(b);
	free(d);
	return n < 0 ? NULL : out;
}

static int
exec_timeline_print(struct cli *c, struct dbk_txn *t, struct dbk_list *l)
{
	static const char *const keys[] = { "at", "type", "id", "what" };
	const char *en[] = { "when", "what", "id", "details" };
	const char *zh[] = { "時間", "類型", "編號", "內容" };
	struct tbl *tb = tbl_new(4, keys, c->zh ? zh : en);
	int rc = 0;

	if (tb == NULL)
		return cli_error(1, "out of memory");
	tbl_set_color(tb, c->fmt == TBL_TABLE && cli_color_enabled());
	for (size_t i = 0; i < l->n; i++) {
		struct dbk_record *r = l->r[i];
		char secs[24], *when, *what, sid[DBK_ID_HEX];
		const char *row[4];
		snprintf(secs, sizeof secs, "%lld", (long long)dbk_event_time(r));
		when = cli_datetime(c, secs);
		what = describe(c, t, r);
		cli_id(c, dbk_record_id(r), sid);
		row[0] = when;
		row[1] = dbk_type_name(dbk_record_type(r));
		row[2] = sid;
		row[3] = what;
		{
			/* Late interactions and forced gates stand out. */
			const char *lt = dbk_record_str(r, "late");
			const char *fo = dbk_record_str(r, "forced");
			int warn = (lt != NULL && strcmp(lt, "1") == 0) ||
			    (fo != NULL && strcmp(fo, "1") == 0);
			const unsigned char style[4] = { 0, 2, 2, warn ? 1 : 0 };
			if (tbl_add_row_styled(tb, row, style) != 0)
				rc = cli_error(1, "out of memory");
		}
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
	q->rc = exec_timeline_print(q->c, t, &l);
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

/* One line of the to-do list: a customer's next action or an open plan
 * milestone.  Strings are owned. */
struct todo_row {
	char *due, *ref, *name, *next, *their;
};

static int
todo_row_cmp(const void *a, const void *b)
{
	const struct todo_row *x = a, *y = b;

	int c;

	if (x->due == NULL || y->due == NULL) {
		if (x->due != y->due)
			return x->due == NULL ? 1 : -1;
	} else if ((c = strcmp(x->due, y->due)) != 0) {
		return c; /* YYYY-MM-DD sorts as text */
	}
	if ((c = strcmp(x->ref ? x->ref : "", y->ref ? y->ref : "")) != 0)
		return c;
	return strcmp(x->next ? x->next : "", y->next ? y->next : "");
}

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
	struct dbk_list l, pl;
	struct todo_row *rows;
	struct tbl *tb;
	size_t nr = 0;
	int32_t today;
	int rc;

	if ((rc = dbk_todo(t, &l, err)) != 0)
		return rc;
	if ((rc = dbk_plan_open(t, &pl, err)) != 0) {
		dbk_list_free(&l);
		return rc;
	}
	if (dbk_parse_date("today", dbk_store_now(c->store), &today) != 0)
		today = 0;
	rows = calloc(l.n + pl.n + 1, sizeof(*rows));
	tb = tbl_new(6, keys, c->zh ? zh : en);
	if (rows == NULL || tb == NULL) {
		q->rc = cli_error(1, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++, nr++) {
		struct dbk_record *r = l.r[i];
		const char *due = dbk_record_str(r, "next_due");
		rows[nr].due = due ? strdup(due) : NULL;
		rows[nr].ref = cli_customer_ref(r);
		rows[nr].name = cli_value(c, r, "name");
		rows[nr].next = cli_value(c, r, "next");
		rows[nr].their = cli_value(c, r, "their_next");
	}
	/* Plan milestones not yet reached, under their customer. */
	for (size_t i = 0; i < pl.n; i++) {
		struct dbk_record *p = pl.r[i], *cu = NULL;
		const char *cs = dbk_record_str(p, "customer");
		const char *due = dbk_record_str(p, "due");
		char *ms = cli_value(c, p, "milestone");
		char *owner = cli_value(c, p, "owner");
		struct dbk_id cid;
		if (cs != NULL && dbk_id_parse(cs, &cid) == 0 &&
		    dbk_record_load(t, &cid, &cu, err) == 0) {
			rows[nr].due = due ? strdup(due) : NULL;
			rows[nr].ref = cli_customer_ref(cu);
			rows[nr].name = cli_value(c, cu, "name");
			if (asprintf(&rows[nr].next, "%s %s%s%s",
			    c->zh ? "計劃：" : "plan:", ms ? ms : "",
			    owner ? (c->zh ? "，負責人 " : ", owner ") : "",
			    owner ? owner : "") < 0)
				rows[nr].next = NULL;
			nr++;
		}
		dbk_error_clear(err);
		dbk_record_free(cu);
		free(ms);
		free(owner);
	}
	qsort(rows, nr, sizeof(*rows), todo_row_cmp);
	tbl_set_color(tb, c->fmt == TBL_TABLE && cli_color_enabled());
	for (size_t i = 0; i < nr; i++) {
		int32_t d;
		int over = rows[i].due && dbk_parse_date(rows[i].due, 0, &d) == 0 &&
		    d < today;
		const char *row[6] = { rows[i].due, over ? (cli_machine(c) ?
		    "true" : (c->zh ? "逾期" : "OVERDUE")) : (cli_machine(c) ?
		    "false" : ""), rows[i].ref, rows[i].name, rows[i].next,
		    rows[i].their };
		const unsigned char style[6] = { over ? 1 : 0, over ? 1 : 0, 0, 0,
		    0, 0 };
		if (tbl_add_row_styled(tb, row, style) != 0)
			q->rc = cli_error(1, "out of memory");
	}
	if (q->rc == 0 && tbl_print(tb, stdout, c->fmt) != 0)
		q->rc = cli_error(1, "writing failed");
out:
	for (size_t i = 0; rows != NULL && i < nr; i++) {
		free(rows[i].due);
		free(rows[i].ref);
		free(rows[i].name);
		free(rows[i].next);
		free(rows[i].their);
	}
	free(rows);
	tbl_free(tb);
	dbk_list_free(&l);
	dbk_list_free(&pl);
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
	"next actions and open plan milestones by due date, overdue first",
	"dealbook todo",
	exec_todo
};

/* ---- plan ---- */

struct plan_ctx {
	const char *ref, *milestone, *due, *owner, *note;
	struct dbk_id id;
};

static int
plan_add_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct plan_ctx *p = vctx;
	struct dbk_id cid;
	int rc = dbk_resolve(t, DBK_T_CUSTOMER, p->ref, &cid, err);

	if (rc != 0)
		return rc;
	return dbk_plan_add(t, &cid, p->milestone, p->due, p->owner, p->note,
	    &p->id, err);
}

static int
exec_plan_add(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	struct plan_ctx p = { 0 };
	int rc;

	(void)npos;
	p.ref = pos[0];
	p.milestone = pos[1];
	p.due = pos[2];
	p.owner = opt_get(e, ov, "owner");
	p.note = opt_get(e, ov, "note");
	if ((rc = dbk_store_write(c->store, plan_add_txn, &p, &c->err)) != 0)
		return cli_fail(c, rc);
	cli_print_added(c, "plan", &p.id, NULL);
	return 0;
}

static const struct opt plan_add_opts[] = {
	{ "owner", "M", 0, "who owns the milestone (default the customer's owner)" },
	{ "note", "T", 0, "a note" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_plan_add = {
	"plan", "add", "<customer> <milestone> <due>", 3, 3, plan_add_opts,
	CMD_STORE,
	"plan a milestone (first-contact, needs, proposal, negotiation) with a "
	"date; done when the customer reaches it",
	"dealbook plan add 20240501 proposal 2024-05-24",
	exec_plan_add
};
