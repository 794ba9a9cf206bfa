/*
 * main.c -- the dealbook program: global options, the command table,
 * dispatch, help.  Commands live in cmd_*.c; each is a struct cmd_entry.
 */
#include <errno.h>
#include <locale.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "i18n.h"

extern const struct cmd_entry cmd_init, cmd_whoami, cmd_passwd;
extern const struct cmd_entry cmd_customer_add, cmd_customer_list,
    cmd_customer_show, cmd_customer_edit, cmd_customer_rm;
extern const struct cmd_entry cmd_contact_add, cmd_contact_list;
extern const struct cmd_entry cmd_log, cmd_timeline, cmd_todo, cmd_stage,
    cmd_objection_resolve, cmd_objection_list;
extern const struct cmd_entry cmd_deal_add, cmd_deal_list, cmd_payment_add,
    cmd_payment_list, cmd_history;
extern const struct cmd_entry cmd_audit, cmd_audit_verify, cmd_backup,
    cmd_doctor, cmd_edit;
extern const struct cmd_entry cmd_unlock, cmd_lock;
extern const struct cmd_entry cmd_field_add, cmd_field_list, cmd_field_retire;
extern const struct cmd_entry cmd_csv_import, cmd_csv_export;
extern const struct cmd_entry cmd_member_add, cmd_member_list,
    cmd_member_remove;
extern const struct cmd_entry cmd_plan_add, cmd_report, cmd_export,
    cmd_import, cmd_sync;
extern const struct cmd_entry cmd_goal_set, cmd_goal_list, cmd_review_add,
    cmd_eval, cmd_eval_run, cmd_eval_list, cmd_eval_show, cmd_eval_verify;

/* The one table, alphabetical by group then verb. */
const struct cmd_entry *const cli_commands[] = {
	/* A group's verbs come before its one-word form ("audit verify"
	 * before "audit"): lookup takes the first match. */
	&cmd_audit_verify, &cmd_audit,
	&cmd_backup,
	&cmd_contact_add, &cmd_contact_list,
	&cmd_csv_export, &cmd_csv_import,
	&cmd_customer_add, &cmd_customer_edit, &cmd_customer_list,
	&cmd_customer_rm, &cmd_customer_show,
	&cmd_deal_add, &cmd_deal_list,
	&cmd_doctor,
	&cmd_edit,
	&cmd_eval_list, &cmd_eval_run, &cmd_eval_show, &cmd_eval_verify,
	&cmd_eval,
	&cmd_export,
	&cmd_field_add, &cmd_field_list, &cmd_field_retire,
	&cmd_goal_list, &cmd_goal_set,
	&cmd_history,
	&cmd_import,
	&cmd_init,
	&cmd_lock,
	&cmd_log,
	&cmd_member_add, &cmd_member_list, &cmd_member_remove,
	&cmd_objection_list, &cmd_objection_resolve,
	&cmd_passwd,
	&cmd_payment_add, &cmd_payment_list,
	&cmd_plan_add,
	&cmd_report,
	&cmd_review_add,
	&cmd_stage,
	&cmd_sync,
	&cmd_timeline,
	&cmd_todo,
	&cmd_unlock,
	&cmd_whoami,
	NULL
};

/* Find the entry for argv[0] (and argv[1] when the group has verbs). */
const struct cmd_entry *
cli_find_cmd(int argc, char **argv, int *used, int *group_only)
{
	int group_seen = 0;

	*group_only = 0;
	for (size_t i = 0; cli_commands[i]; i++) {
		const struct cmd_entry *e = cli_commands[i];
		if (strcmp(e->group, argv[0]) != 0)
			continue;
		group_seen = 1;
		if (e->verb == NULL) {
			*used = 1;
			return e;
		}
		if (argc > 1 && strcmp(e->verb, argv[1]) == 0) {
			*used = 2;
			return e;
		}
	}
	*group_only = group_seen;
	return NULL;
}

static void
group_usage(FILE *fp, const char *group)
{
	for (size_t i = 0; cli_commands[i]; i++)
		if (strcmp(cli_commands[i]->group, group) == 0)
			cli_usage(fp, cli_commands[i]);
}

static const char *
default_store(char **owned)
{
	const char *env = getenv("DEALBOOK_STORE"), *xdg, *home;

	*owned = NULL;
	if (env != NULL && *env != '\0')
		return env;
	xdg = getenv("XDG_DATA_HOME");
	if (xdg != NULL && *xdg == '/') {
		if (asprintf(owned, "%s/dealbook", xdg) < 0)
			return NULL;
		return *owned;
	}
	home = getenv("HOME");
	if (home == NULL || *home == '\0')
		return NULL;
	if (asprintf(owned, "%s/.local/share/dealbook", home) < 0)
		return NULL;
	return *owned;
}

static int
lang_from_env(void)
{
	const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(vars[i]);
		if (v != NULL && *v != '\0')
			return strncmp(v, "zh", 2) == 0;
	}
	return 0;
}

/* Parse one command's options and positional arguments. */
static int
parse_args(const struct cmd_entry *e, int argc, char **argv, struct optv *ov,
    char **pos, int *npos)
{
	int n = 0, dashdash = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const struct opt *o = NULL;
		const char *val = NULL, *eq;
		size_t k = 0, nlen;

		if (dashdash || a[0] != '-' || a[1] == '\0' ||
		    (a[1] != '-' && !(a[1] == 'o' && a[2] == '\0'))) {
			pos[n++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = 1;
			continue;
		}
		a += a[1] == '-' ? 2 : 1;
		eq = strchr(a, '=');
		nlen = eq ? (size_t)(eq - a) : strlen(a);
		for (k = 0; e->opts && e->opts[k].name; k++)
			if (strlen(e->opts[k].name) == nlen &&
			    strncmp(e->opts[k].name, a, nlen) == 0)
				break;
		if (e->opts == NULL || e->opts[k].name == NULL) {
			static const char *const globals[] = { "store", "format",
				"lang", "passphrase-file", "reveal" };
			for (size_t g = 0; g < 5; g++)
				if (strlen(globals[g]) == nlen &&
				    strncmp(globals[g], a, nlen) == 0)
					return cli_usage_error(NULL, "'--%s' is a global "
					    "option: put it before the command, as in "
					    "'dealbook --%s%s %s%s%s ...'", globals[g],
					    globals[g], g == 4 ? "" : " VALUE", e->group,
					    e->verb ? " " : "", e->verb ? e->verb : "");
			return cli_usage_error(e, "unknown option '%s' for '%s%s%s'",
			    argv[i], e->group, e->verb ? " " : "",
			    e->verb ? e->verb : "");
		}
		o = &e->opts[k];
		if (o->arg == NULL) {
			if (eq != NULL)
				return cli_usage_error(e, "option '--%s' takes no value",
				    o->name);
			val = "";
		} else if (eq != NULL) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			return cli_usage_error(e, "option '--%s' needs a value (%s)",
			    o->name, o->arg);
		}
		if (ov[k].val != NULL && !o->repeat)
			return cli_usage_error(e, "option '--%s' given twice", o->name);
		ov[k].val = val;
		if (o->repeat) {
			const char **nv = realloc(ov[k].vals,
			    (ov[k].n + 1) * sizeof *nv);
			if (nv == NULL)
				return cli_error(1, "out of memory");
			ov[k].vals = nv;
			ov[k].vals[ov[k].n++] = val;
		}
	}
	*npos = n;
	if (n < e->min_pos)
		return cli_usage_error(e, "missing argument%s", e->min_pos > 1 ? "s" : "");
	if (e->max_pos >= 0 && n > e->max_pos)
		return cli_usage_error(e, "unexpected argument '%s'", pos[e->max_pos]);
	return 0;
}

static int
open_store(struct cli *c)
{
	char *pass = NULL;
	size_t len = 0;
	int rc;

	if (!dbk_store_exists(c->store_path))
		return cli_error(4, "no store at '%s' (create one with 'dealbook init')",
		    c->store_path);
	/* An unlock agent, when one serves this store, saves the passphrase;
	 * whatever goes wrong with it, the passphrase still works. */
	/* An explicit passphrase is what the user asked for: it is checked,
	 * not bypassed by a running agent. */
	if (getenv("DEALBOOK_NO_AGENT") == NULL && !(c->cmd->flags & CMD_PASS) &&
	    c->passfile == NULL && getenv("DEALBOOK_PASSPHRASE") == NULL) {
		rc = dbk_store_open_agent(c->store_path, &c->store, &c->err);
		dbk_error_clear(&c->err);
		if (rc == 0)
			goto opened;
	}
	if ((rc = cli_read_pass(c->passfile, "passphrase-file",
	    "DEALBOOK_PASSPHRASE", "Passphrase: ", 0, &pass, &len)) != 0)
		return rc;
	rc = dbk_store_open(c->store_path, pass, len, &c->store, &c->err);
	dbk_secure_free(pass);
	if (rc != 0)
		return cli_fail(c, rc);
opened:
	/* A progress line only where someone watches. */
	if (isatty(STDERR_FILENO) && getenv("DEALBOOK_NO_PROGRESS") == NULL)
		dbk_store_set_progress(c->store, cli_progress, c);
	if (dbk_store_warnings(c->store) & DBK_W_REMOTE_FS)
		fprintf(stderr, tr("dealbook: warning: the store '%s' is on a "
		    "network or FUSE filesystem, where its locking is not "
		    "reliable; keep it on a local disk and sync with bundles "
		    "instead\n"), c->store_path);
#ifdef DBK_TESTING
	{
		/* Test builds only: a fixed clock for deterministic tests. */
		const char *now = getenv("DEALBOOK_TEST_NOW");
		int64_t t;
		if (now != NULL && dbk_parse_datetime(now, 0, &t) == 0)
			dbk_store_set_clock(c->store, t);
	}
#endif
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli c;
	const struct cmd_entry *e;
	struct optv *ov = NULL;
	char **pos = NULL, *owned = NULL;
	int i, used, group_only, npos = 0, rc;
	size_t nopts = 0;

	memset(&c, 0, sizeof c);
	setlocale(LC_CTYPE, "");
	/* Past a file-size limit, a write should fail with EFBIG (and be
	 * reported, leaving no partial file) rather than kill us. */
	signal(SIGXFSZ, SIG_IGN);
	/* The language: the environment's until --lang says otherwise (an
	 * error in the options before --lang comes in that language). */
	c.zh = lang_from_env();
	/* A --lang among the global options counts for all of them, so
	 * that 'dealbook --help --lang zh' is in Chinese too. */
	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--lang") == 0) {
			if (strcmp(argv[i + 1], "zh") == 0)
				c.zh = 1;
			else if (strcmp(argv[i + 1], "en") == 0)
				c.zh = 0;
			break;
		}
		if (strcmp(a, "--store") == 0 || strcmp(a, "--format") == 0 ||
		    strcmp(a, "--passphrase-file") == 0)
			i++;	/* its value */
		else if (strcmp(a, "--complete") == 0)
			break;	/* the rest are its words */
	}
	i18n_set_zh(c.zh);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--version") == 0) {
			printf("dealbook %s\n", DEALBOOK_VERSION);
			return 0;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli_main_usage(stdout);
			return 0;
		} else if (strcmp(a, "--reveal") == 0) {
			c.reveal = 1;
			continue;
		} else if (strcmp(a, "--man") == 0) {
			return cli_man(stdout);
		} else if (strcmp(a, "--i18n-missing") == 0) {
			/* Hidden, for the tests: help texts with no Chinese. */
			return cli_i18n_missing(stdout);
		} else if (strcmp(a, "--complete") == 0) {
			/* Words for shell completion (cmd_help.c); never prompts. */
			if (c.store_path == NULL)
				c.store_path = default_store(&owned);
			rc = cli_complete(&c, argc - i - 1, argv + i + 1);
			dbk_error_clear(&c.err);
			free(owned);
			return rc;
		}
		if (v == NULL)
			return cli_usage_error(NULL, "option '%s' needs a value", a);
		if (strcmp(a, "--store") == 0) {
			c.store_path = v;
		} else if (strcmp(a, "--format") == 0) {
			if (tbl_parse_format(v, &c.fmt) != 0)
				return cli_usage_error(NULL, "invalid format '%s' "
				    "(expected table, json, csv or md)", v);
		} else if (strcmp(a, "--lang") == 0) {
			if (strcmp(v, "zh") == 0)
				c.zh = 1;
			else if (strcmp(v, "en") == 0)
				c.zh = 0;
			else
				return cli_usage_error(NULL, "invalid language '%s' "
				    "(expected en or zh)", v);
			i18n_set_zh(c.zh);
		} else if (strcmp(a, "--passphrase-file") == 0) {
			c.passfile = v;
		} else {
			return cli_usage_error(NULL, "unknown option '%s' (see "
			    "'dealbook --help')", a);
		}
		i++;
	}
	if (i >= argc) {
		cli_main_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return cli_help_command(argc - i - 1, argv + i + 1);
	e = cli_find_cmd(argc - i, argv + i, &used, &group_only);
	if (e == NULL) {
		if (group_only) {
			if (argc - i > 1 && strcmp(argv[i + 1], "--help") != 0)
				(void)cli_error(EXIT_USAGE, "unknown command '%s %s'",
				    argv[i], argv[i + 1]);
			group_usage(argc - i > 1 && strcmp(argv[i + 1], "--help") == 0 ?
			    stdout : stderr, argv[i]);
			return argc - i > 1 && strcmp(argv[i + 1], "--help") == 0 ?
			    0 : EXIT_USAGE;
		}
		return cli_error(EXIT_USAGE, "unknown command '%s' (see "
		    "'dealbook help')", argv[i]);
	}
	i += used;
	for (int j = i; j < argc; j++) {
		if (strcmp(argv[j], "--") == 0)
			break;
		if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0) {
			cli_help(stdout, e);
			return 0;
		}
	}
	c.cmd = e;
	if (dbk_init(&c.err) != 0)
		return cli_fail(&c, c.err.code);
	if (c.store_path == NULL && (c.store_path = default_store(&owned)) == NULL)
		return cli_error(1, "no store location: set --store, "
		    "$DEALBOOK_STORE or $HOME");
	while (e->opts && e->opts[nopts].name)
		nopts++;
	ov = calloc(nopts + 1, sizeof *ov);
	pos = calloc((size_t)(argc - i) + 1, sizeof *pos);
	if (ov == NULL || pos == NULL) {
		rc = cli_error(1, "out of memory");
		goto out;
	}
	if ((rc = parse_args(e, argc - i, argv + i, ov, pos, &npos)) != 0)
		goto out;
	if ((e->flags & CMD_STORE) && (rc = open_store(&c)) != 0)
		goto out;
	rc = e->exec(&c, e, npos, pos, ov);
	if (fflush(stdout) != 0 && rc == 0)
		rc = cli_error(1, "writing the output failed: %s", strerror(errno));
out:
	dbk_store_close(c.store);
	dbk_error_clear(&c.err);
	for (size_t k = 0; ov != NULL && k < nopts; k++)
		free(ov[k].vals);
	free(ov);
	free(pos);
	free(owned);
	return rc;
}
