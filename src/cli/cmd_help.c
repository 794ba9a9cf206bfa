/*
 * cmd_help.c -- help, the manual page and shell completion, all generated
 * from the command table; and whether output may be coloured.
 *
 *   dealbook help [<command>]        the command list, a group's commands,
 *                                    or one command's options and example
 *   dealbook --man                   dealbook(1) in roff, for the build
 *   dealbook --complete KIND [ARGS]  words for share/completions/
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"

/* The options that come before the command (parsed in main.c). */
static const struct opt global_opts[] = {
	{ "store", "DIR", 0, "the store directory (default $DEALBOOK_STORE, "
	    "else $XDG_DATA_HOME/dealbook, else ~/.local/share/dealbook)" },
	{ "format", "FORMAT", 0, "output format: table (the default), json, "
	    "csv or md" },
	{ "lang", "LANG", 0, "headings, value names, help and error messages "
	    "in en or zh (default from $LC_ALL, $LC_MESSAGES or $LANG)" },
	{ "passphrase-file", "FILE", 0, "read the passphrase from the first "
	    "line of FILE instead of the terminal" },
	{ "reveal", NULL, 0, "show sensitive values (budgets, amounts, "
	    "phones, e-mails, contact names) instead of masking them" },
	{ NULL, NULL, 0, NULL }
};

/* The options that stand alone instead of a command. */
static const struct opt solo_opts[] = {
	{ "help", NULL, 0, "list the commands (also -h)" },
	{ "version", NULL, 0, "print the version" },
	{ "man", NULL, 0, "print this manual page (roff)" },
	{ "complete", "KIND", 0, "print words for shell completion (see "
	    "COMPLETION)" },
	{ NULL, NULL, 0, NULL }
};

static const char *const exit_codes[] = {
	"success",
	"runtime error: I/O, out of memory, a database error",
	"usage error: unknown command or option, missing argument",
	"wrong passphrase, or the restricted key is missing",
	"not found: no store, no such record",
	"invalid input: a value that does not parse, an ambiguous reference, "
	    "a failed stage gate",
	"integrity failure: a value that does not authenticate, a broken "
	    "audit chain, a store below the key-derivation floor",
};

int
cli_color_enabled(void)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	/* https://no-color.org: any non-empty NO_COLOR disables colour. */
	if (no != NULL && *no != '\0')
		return 0;
	if (term == NULL || *term == '\0' || strcmp(term, "dumb") == 0)
		return 0;
	return isatty(STDOUT_FILENO);
}

/* ---- the command table ---- */

static const char *
verb_or_empty(const struct cmd_entry *e)
{
	return e->verb ? e->verb : "";
}

/* Does any command belong to group? Does the group have verbs? */
static int
group_known(const char *group, int *has_verbs, int *has_solo)
{
	int seen = 0;

	*has_verbs = *has_solo = 0;
	for (size_t i = 0; cli_commands[i]; i++) {
		const struct cmd_entry *e = cli_commands[i];
		if (strcmp(e->group, group) != 0)
			continue;
		seen = 1;
		if (e->verb != NULL)
			*has_verbs = 1;
		else
			*has_solo = 1;
	}
	return seen;
}

/* The command named by argv, as main.c's dispatch finds it. */
static const struct cmd_entry *
lookup(int argc, char **argv, int *used)
{
	int group_only;

	if (argc <= 0)
		return NULL;
	return cli_find_cmd(argc, argv, used, &group_only);
}

/* Has this group been seen before index i of the table? */
static int
group_before(const char *group, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (strcmp(cli_commands[k]->group, group) == 0)
			return 1;
	return 0;
}

/* ---- help ---- */

/* "  customer add         add a customer ...": the name padded to 20. */
static void
put_line(FILE *fp, const struct cmd_entry *e)
{
	size_t n = strlen(e->group) + (e->verb ? 1 + strlen(e->verb) : 0);

	fprintf(fp, "  %s%s%s%*s %s\n", e->group, e->verb ? " " : "",
	    verb_or_empty(e), n < 20 ? (int)(20 - n) : 0, "", tr(e->help));
}

void
cli_main_usage(FILE *fp)
{
	fputs(tr("usage: dealbook [--store DIR] [--format table|json|csv|md] "
	    "[--lang en|zh]\n"
	    "                [--passphrase-file FILE] [--reveal] <command> "
	    "[<args>]\n"), fp);
	fprintf(fp, "\n%s\n", tr("commands:"));
	for (size_t i = 0; cli_commands[i]; i++)
		put_line(fp, cli_commands[i]);
	fputs(tr("\n'dealbook help <command>' shows a command's options and an "
	    "example.\nExit codes: 0 ok, 1 runtime error, 2 usage, 3 wrong "
	    "passphrase or missing key,\n4 not found, 5 invalid input, 6 "
	    "integrity failure.\n"), fp);
	fputs(tr("Also: 'dealbook --version', 'dealbook --man' (the manual page) "
	    "and\n'dealbook --complete KIND' (words for shell completion).\n"),
	    fp);
}

/* A group's commands with their help lines. */
static void
group_list(FILE *fp, const char *group)
{
	fprintf(fp, tr("usage: dealbook %s <command> [<args>]\n"), group);
	fprintf(fp, "\n%s\n", tr("commands:"));
	for (size_t i = 0; cli_commands[i]; i++)
		if (strcmp(cli_commands[i]->group, group) == 0)
			put_line(fp, cli_commands[i]);
	fprintf(fp, tr("\n'dealbook help %s <command>' shows a command's options "
	    "and an example.\n"), group);
}

int
cli_help_command(int argc, char **argv)
{
	const struct cmd_entry *e;
	int used = 0, has_verbs, has_solo;

	if (argc == 0) {
		cli_main_usage(stdout);
		return 0;
	}
	if (strcmp(argv[0], "help") == 0) {
		printf("%sdealbook help [<command>]\n\n%s\n\n%s\n"
		    "  dealbook help customer add\n", tr("usage: "),
		    tr("list the commands, a group's commands, or one command's "
		    "options"), tr("example:"));
		return 0;
	}
	if (!group_known(argv[0], &has_verbs, &has_solo))
		return cli_error(EXIT_USAGE, "unknown command '%s' (see "
		    "'dealbook help')", argv[0]);
	e = lookup(argc, argv, &used);
	if (e == NULL && argc > 1) {
		(void)cli_error(EXIT_USAGE, "unknown command '%s %s'", argv[0],
		    argv[1]);
		group_list(stderr, argv[0]);
		return EXIT_USAGE;
	}
	if (e == NULL) {
		group_list(stdout, argv[0]);
		return 0;
	}
	cli_help(stdout, e);
	if (e->verb == NULL && has_verbs) {
		/* "audit" also names "audit verify". */
		printf("\n%s\n", tr("see also:"));
		for (size_t i = 0; cli_commands[i]; i++)
			if (cli_commands[i]->verb != NULL &&
			    strcmp(cli_commands[i]->group, e->group) == 0)
				put_line(stdout, cli_commands[i]);
	}
	return 0;
}

/* ---- the Chinese help texts ---- */

/* Print the help texts of opts with no Chinese, after what names them;
 * return how many. */
static size_t
missing_opts(FILE *fp, const char *what, const struct opt *opts)
{
	size_t n = 0;

	for (size_t i = 0; opts && opts[i].name; i++)
		if (!i18n_has(opts[i].help)) {
			fprintf(fp, "%s --%s: %s\n", what, opts[i].name, opts[i].help);
			n++;
		}
	return n;
}

/* 'dealbook --i18n-missing': help texts without Chinese, one a line. */
int
cli_i18n_missing(FILE *fp)
{
	size_t n = 0;

	for (size_t i = 0; cli_commands[i]; i++) {
		const struct cmd_entry *e = cli_commands[i];
		char *name = NULL;
		if (asprintf(&name, "%s%s%s", e->group, e->verb ? " " : "",
		    verb_or_empty(e)) < 0)
			return cli_error(1, "out of memory");
		if (!i18n_has(e->help)) {
			fprintf(fp, "%s: %s\n", name, e->help);
			n++;
		}
		n += missing_opts(fp, name, e->opts);
		free(name);
	}
	n += missing_opts(fp, "global option", global_opts);
	n += missing_opts(fp, "option", solo_opts);
	return n > 0;
}

/* ---- the manual page ---- */

/* Text for roff: a backslash as \e and '-' as \- (so options copy as
 * typed).  Never at the start of a line: see roff_line. */
static void
roff_esc(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-')
			fputs("\\-", fp);
		else if (*s == '\n')
			fputs("\n\\&", fp); /* a following '.' is no request */
		else
			fputc(*s, fp);
	}
}

/* A line of text: \& keeps a leading '.' or '\'' from being a request. */
static void
roff_line(FILE *fp, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", fp);
	roff_esc(fp, s);
	fputc('\n', fp);
}

/* A help line as a sentence: capitalised, ending in a full stop. */
static void
roff_sentence(FILE *fp, const char *s)
{
	size_t n = strlen(s);

	if (*s >= 'a' && *s <= 'z') {
		fputc(*s - 'a' + 'A', fp);
		s++;
		n--;
	} else if (*s == '.' || *s == '\'') {
		fputs("\\&", fp);
	}
	roff_esc(fp, s);
	fputs(n > 0 && s[n - 1] == '.' ? "\n" : ".\n", fp);
}

/* \fB--name\fR \fIARG\fR, no newline */
static void
roff_opt(FILE *fp, const struct opt *o)
{
	fputs(o->name[0] != '\0' && o->name[1] == '\0' ? "\\fB\\-" :
	    "\\fB\\-\\-", fp);
	roff_esc(fp, o->name);
	fputs("\\fR", fp);
	if (o->arg != NULL) {
		fputs("\\ \\fI", fp); /* unbreakable: "--code C" stays whole */
		roff_esc(fp, o->arg);
		fputs("\\fR", fp);
	}
}

static void
roff_opts(FILE *fp, const struct opt *opts)
{
	for (size_t i = 0; opts && opts[i].name; i++) {
		fputs(".TP\n", fp);
		roff_opt(fp, &opts[i]);
		fputs("\n\\&", fp);
		roff_esc(fp, opts[i].help);
		fputs(opts[i].repeat ? " (repeatable)\n" : "\n", fp);
	}
}

/* The usage line, as cli_usage prints it, with fonts. */
static void
roff_usage(FILE *fp, const struct cmd_entry *e)
{
	fputs("\\fBdealbook ", fp);
	roff_esc(fp, e->group);
	if (e->verb != NULL) {
		fputc(' ', fp);
		roff_esc(fp, e->verb);
	}
	fputs("\\fR", fp);
	if (e->args && *e->args) {
		fputs(" \\fI", fp);
		roff_esc(fp, e->args);
		fputs("\\fR", fp);
	}
	for (size_t i = 0; e->opts && e->opts[i].name; i++) {
		fputs(" [", fp);
		roff_opt(fp, &e->opts[i]);
		fputs(e->opts[i].repeat ? "]..." : "]", fp);
	}
	fputc('\n', fp);
}

static void
roff_example(FILE *fp, const char *ex)
{
	fputs(".RS 4\n.nf\n", fp);
	roff_line(fp, ex);
	fputs(".fi\n.RE\n", fp);
}

static void
roff_command(FILE *fp, const struct cmd_entry *e)
{
	fputs(".SS \"", fp);
	roff_esc(fp, e->group);
	if (e->verb != NULL) {
		fputc(' ', fp);
		roff_esc(fp, e->verb);
	}
	fputs("\"\n", fp);
	roff_usage(fp, e);
	fputs(".PP\n", fp);
	roff_sentence(fp, e->help);
	roff_opts(fp, e->opts);
	if (e->example != NULL) {
		fputs(".PP\nExample:\n.PP\n", fp);
		roff_example(fp, e->example);
	}
}

/* Text of the fixed sections: each string is one roff source line. */
static const char *const man_description[] = {
	".B dealbook",
	"keeps a field sales team's records: customers with their decision "
	    "chain, contacts, every interaction, stage changes, deals and "
	    "payments.",
	"Everything is stored encrypted on the laptop and works without a "
	    "network; sensitive fields are encrypted a second time with a key "
	    "only some team members hold.",
	"Every change is kept: edits leave the earlier values in the history, "
	    "removal leaves a tombstone, and each command appends to a "
	    "hash-chained, signed audit trail.",
	".PP",
	"A customer is named by its code (20240501), by an id prefix of at "
	    "least four hex digits as listings show it, or by a unique part of "
	    "its name; other records by id prefix.",
	"Amounts are written as people write them (500000, 500,000, 50万, "
	    "480.5万, 1.2亿) and kept as integer minor units of the store's one "
	    "currency.",
	"Dates are 2024-05-10, 2024/5/10, 2024年5月10日, today or yesterday; "
	    "times 2024-05-10 14:30.",
	"Stages are lead, intent, proposal, negotiation, won, service and lost, "
	    "or 線索, 意向, 方案, 談判, 成交, 服務 and 流失; moving forward "
	    "passes the stage gates (see stage).",
	".PP",
	"Budgets, revenue, expected and deal amounts, phones and e-mails are "
	    "masked, and contact names shown without the family name, unless",
	".B \\-\\-reveal",
	"is given.",
	"Output is a table for people, or JSON or CSV with stable keys for "
	    "programs (docs/CLI.md in the source describes them).",
	"Colour is used only on a terminal, and never when NO_COLOR is set to "
	    "anything.",
	NULL
};

static const char *const man_environment[] = {
	"DEALBOOK_STORE", "the store directory, when --store is not given",
	"DEALBOOK_PASSPHRASE", "the passphrase, for scripts, when "
	    "--passphrase-file is not given (less safe than the terminal: the "
	    "environment of a process can be read by the same user)",
	"DEALBOOK_NEW_PASSPHRASE", "the new passphrase for passwd, when "
	    "--new-passphrase-file is not given",
	"XDG_DATA_HOME", "the default store is $XDG_DATA_HOME/dealbook (an "
	    "absolute path; else ~/.local/share/dealbook)",
	"XDG_RUNTIME_DIR", "the private directory for per-session files such "
	    "as the unlock agent's socket ($XDG_RUNTIME_DIR/dealbook/, else "
	    "/tmp/dealbook-UID/)",
	"NO_COLOR", "any non-empty value turns colour off (colour is used only "
	    "when standard output is a terminal and TERM is not dumb)",
	"VISUAL, EDITOR", "the editor for text written in one (log --edit): "
	    "$VISUAL, else $EDITOR, else vi",
	"LC_ALL, LC_MESSAGES, LANG", "the first one set chooses the default of "
	    "--lang: zh when it begins with zh, else en",
	"HOME", "for the default store location",
	"USER", "the default member name for init",
	"TMPDIR", "where the text for the editor is written (a private file, "
	    "removed afterwards; default /tmp)",
	"DEALBOOK_NO_AGENT", "when set, commands do not ask the unlock agent "
	    "for the key",
	"DEALBOOK_NO_PROGRESS", "when set, no progress line is shown on a "
	    "terminal",
	NULL
};

static const char *const man_files[] = {
	"$XDG_DATA_HOME/dealbook/, ~/.local/share/dealbook/", "the default "
	    "store directory (STORE below), mode 0700",
	"STORE/data.mdb", "the LMDB environment, mode 0600: every record, "
	    "index, history entry and audit entry, each value encrypted; and "
	    "the store header with the data key wrapped under the passphrase. "
	    "A backup is a compacted copy of this file: to restore it, put it "
	    "in an empty directory as data.mdb and open that directory with "
	    "--store",
	"STORE/lock.mdb", "LMDB's table of readers; holds no data",
	NULL
};

static const char *const man_examples[] = {
	"dealbook init \\-\\-member 王伟 \\-\\-team 華東銷售",
	"dealbook customer add 科技有限公司 \\-\\-code 20240501 \\-\\-budget 50万",
	"dealbook contact add 20240501 王經理 \\-\\-phone 13812345678 "
	    "\\-\\-role decision\\-maker",
	"dealbook log 20240501 \\-\\-channel visit \\-\\-summary "
	    "'介紹智能倉儲解決方案' \\e",
	"    \\-\\-next '提交客戶案例' \\-\\-due 2024\\-05\\-17",
	"dealbook stage 20240501 意向 \\-\\-check budget=yes "
	    "\\-\\-check need=yes \\-\\-check authority=yes",
	"dealbook deal add 20240501 60万 \\-\\-signed 2024\\-06\\-20",
	"dealbook todo",
	"dealbook timeline 20240501",
	"dealbook \\-\\-format json customer list \\-\\-stage intent",
	"dealbook backup /media/usb/dealbook.mdb",
	"dealbook doctor",
	NULL
};

static void
man_lines(FILE *fp, const char *const *lines)
{
	for (size_t i = 0; lines[i]; i++) {
		fputs(lines[i], fp);
		fputc('\n', fp);
	}
}

/* Pairs of term and text as .TP paragraphs (terms in bold). */
static void
man_terms(FILE *fp, const char *const *pairs)
{
	for (size_t i = 0; pairs[i]; i += 2) {
		fputs(".TP\n\\fB", fp);
		roff_esc(fp, pairs[i]);
		fputs("\\fR\n", fp);
		roff_sentence(fp, pairs[i + 1]);
	}
}

int
cli_man(FILE *fp)
{
	fprintf(fp, ".TH DEALBOOK 1 \"\" \"dealbook %s\" \"User Commands\"\n",
	    DEALBOOK_VERSION);
	fputs(".\\\" Generated by 'dealbook --man' from the command table; "
	    "do not edit.\n", fp);
	/* No hyphenation or justification: names must stay whole. */
	fputs(".nh\n.ad l\n", fp);
	fputs(".SH NAME\ndealbook \\- encrypted, offline\\-first records for "
	    "field sales\n", fp);

	fputs(".SH SYNOPSIS\n.B dealbook\n", fp);
	for (size_t i = 0; global_opts[i].name; i++) {
		fputs("[", fp);
		roff_opt(fp, &global_opts[i]);
		fputs("]\n", fp);
	}
	fputs("\\fIcommand\\fR [\\fIargs\\fR]\n.br\n"
	    ".B dealbook help\n[\\fIcommand\\fR]\n.br\n"
	    ".B dealbook\n\\fB\\-\\-version\\fR | \\fB\\-\\-man\\fR | "
	    "\\fB\\-\\-complete\\fR \\fIkind\\fR [\\fIargs\\fR]\n", fp);

	fputs(".SH DESCRIPTION\n", fp);
	man_lines(fp, man_description);

	fputs(".SH GLOBAL OPTIONS\nThese come before the command.\n", fp);
	roff_opts(fp, global_opts);
	roff_opts(fp, solo_opts);

	fputs(".SH COMMANDS\n"
	    "Each command also takes \\fB\\-\\-help\\fR, which prints its usage, "
	    "options and an example.\n", fp);
	for (size_t i = 0; cli_commands[i]; i++) {
		const char *group = cli_commands[i]->group;
		if (group_before(group, i))
			continue;
		/* A group's one-word form first, then its verbs. */
		for (size_t k = i; cli_commands[k]; k++)
			if (cli_commands[k]->verb == NULL &&
			    strcmp(cli_commands[k]->group, group) == 0)
				roff_command(fp, cli_commands[k]);
		for (size_t k = i; cli_commands[k]; k++)
			if (cli_commands[k]->verb != NULL &&
			    strcmp(cli_commands[k]->group, group) == 0)
				roff_command(fp, cli_commands[k]);
	}

	fputs(".SH COMPLETION\n"
	    "Shell completion comes from the program itself:\n"
	    ".B dealbook \\-\\-complete\n"
	    "\\fIkind\\fR prints one word a line, where \\fIkind\\fR is "
	    "commands, verbs \\fIgroup\\fR, options [\\fIgroup\\fR "
	    "[\\fIverb\\fR]], flags [\\fIgroup\\fR [\\fIverb\\fR]], args "
	    "\\fIgroup\\fR [\\fIverb\\fR], stages, channels, roles, priorities, "
	    "formats, langs, kdfs or customers.\n"
	    "Customer codes are listed only when the store can be opened "
	    "without asking: with \\fB\\-\\-passphrase\\-file\\fR or "
	    "DEALBOOK_PASSPHRASE; otherwise nothing is printed.\n"
	    "Completion never prompts.\n"
	    "The bash and zsh completion files are installed under "
	    "share/bash\\-completion/completions and share/zsh/site\\-functions.\n",
	    fp);

	fputs(".SH EXIT STATUS\n", fp);
	for (size_t i = 0; i < sizeof exit_codes / sizeof exit_codes[0]; i++) {
		fprintf(fp, ".TP\n.B %zu\n", i);
		roff_sentence(fp, exit_codes[i]);
	}
	fputs(".PP\nErrors are one line on standard error naming the bad value; "
	    "a command that fails changes nothing.\n", fp);

	fputs(".SH ENVIRONMENT\n", fp);
	man_terms(fp, man_environment);

	fputs(".SH FILES\n", fp);
	man_terms(fp, man_files);

	fputs(".SH EXAMPLES\n.RS 4\n.nf\n", fp);
	man_lines(fp, man_examples);
	fputs(".fi\n.RE\n", fp);

	fputs(".SH SECURITY\n"
	    "The store is encrypted with a data key wrapped under a key derived "
	    "from the passphrase (Argon2id); a lost laptop without the "
	    "passphrase gives away no customer name, amount or note, and an "
	    "altered value is detected (exit 6).\n"
	    "Encryption hides contents, not the number, size and creation "
	    "times of records.\n"
	    ".PP\n"
	    "Passphrase sources, safest first: the terminal (no echo), "
	    "\\fB\\-\\-passphrase\\-file\\fR (keep it mode 0600), "
	    "DEALBOOK_PASSPHRASE.\n"
	    "\\fB\\-\\-reveal\\fR puts sensitive values on the screen.\n"
	    "An old copy of a store still opens with its old passphrase: after "
	    "a passphrase leaks, change it with \\fBpasswd\\fR and destroy old "
	    "copies.\n"
	    ".PP\n"
	    "The threat model, the keys and what each encrypts, and what "
	    "still leaks are described in SECURITY.md in the dealbook "
	    "sources.\n", fp);

	fputs(".SH SEE ALSO\n"
	    "SECURITY.md and docs/CLI.md (the JSON and CSV output forms) in "
	    "the dealbook sources.\n", fp);
	if (fflush(fp) != 0 || ferror(fp))
		return cli_error(1, "writing the manual page failed");
	return 0;
}

/* ---- completion ---- */

static void
put_opts(const struct opt *opts, int flags_only)
{
	for (size_t i = 0; opts && opts[i].name; i++)
		if (!flags_only || opts[i].arg == NULL)
			printf("%s%s\n", cli_dashes(&opts[i]), opts[i].name);
}

/* The names after "(or " in a choices string: "..., x (or 甲, 乙)". */
static void
put_zh_choices(const char *choices)
{
	const char *p = strstr(choices, "(or ");

	if (p == NULL)
		return;
	for (p += 4; *p && *p != ')';) {
		size_t n = strcspn(p, ",)");
		printf("%.*s\n", (int)n, p);
		p += n;
		if (*p == ',')
			p++;
		while (*p == ' ')
			p++;
	}
}

struct codes_ctx {
	size_t n;
};

static int
code_cb(struct dbk_record *r, void *vctx)
{
	struct codes_ctx *cc = vctx;
	const char *code = dbk_record_str(r, "code");

	if (code == NULL || *code == '\0')
		return 0;
	for (const char *p = code; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0; /* would break the one-a-line output */
	puts(code);
	cc->n++;
	return 0;
}

static int
codes_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	return dbk_record_foreach(t, DBK_T_CUSTOMER, code_cb, vctx, err);
}

/* Customer codes, only when the store opens without a prompt. */
static int
complete_customers(struct cli *c)
{
	const char *env = getenv("DEALBOOK_PASSPHRASE");
	struct codes_ctx cc = { 0 };
	char *pass = NULL;
	size_t len = 0;
	int rc;

	if (c->store_path == NULL || !dbk_store_exists(c->store_path))
		return 0;
	if (dbk_init(&c->err) != 0)
		return cli_fail(c, c->err.code);
	/* An unlock agent answers without asking anything. */
	if (getenv("DEALBOOK_NO_AGENT") == NULL &&
	    dbk_store_open_agent(c->store_path, &c->store, &c->err) == 0)
		goto opened;
	dbk_error_clear(&c->err);
	if (c->passfile == NULL && (env == NULL || *env == '\0'))
		return 0; /* it would have to ask: say nothing */
	if ((rc = cli_read_pass(c->passfile, "passphrase-file",
	    "DEALBOOK_PASSPHRASE", "", 0, &pass, &len)) != 0)
		return rc;
	rc = dbk_store_open(c->store_path, pass, len, &c->store, &c->err);
	dbk_secure_free(pass);
	if (rc != 0)
		return cli_fail(c, rc);
opened:
	rc = dbk_store_read(c->store, codes_txn, &cc, &c->err);
	dbk_store_close(c->store);
	c->store = NULL;
	if (rc != 0)
		return cli_fail(c, rc);
	return 0;
}

static int
complete_usage(void)
{
	return cli_usage_error(NULL, "usage: dealbook --complete commands | "
	    "verbs GROUP | options [GROUP [VERB]] | flags [GROUP [VERB]] | "
	    "args GROUP [VERB] | stages | channels | roles | priorities | "
	    "formats | langs | kdfs | customers");
}

int
cli_complete(struct cli *c, int argc, char **argv)
{
	const char *kind = argc > 0 ? argv[0] : "";
	const struct cmd_entry *e = NULL;
	int used = 0, has_verbs, has_solo;

	if (strcmp(kind, "commands") == 0) {
		for (size_t i = 0; cli_commands[i]; i++)
			if (!group_before(cli_commands[i]->group, i))
				puts(cli_commands[i]->group);
		puts("help");
	} else if (strcmp(kind, "verbs") == 0) {
		if (argc < 2)
			return complete_usage();
		for (size_t i = 0; cli_commands[i]; i++)
			if (cli_commands[i]->verb != NULL &&
			    strcmp(cli_commands[i]->group, argv[1]) == 0)
				puts(cli_commands[i]->verb);
	} else if (strcmp(kind, "options") == 0 || strcmp(kind, "flags") == 0 ||
	    strcmp(kind, "args") == 0) {
		int flags = kind[0] == 'f';
		if (argc < 2) {
			if (kind[0] == 'a')
				return complete_usage();
			/* Before the command. */
			put_opts(global_opts, flags);
			put_opts(solo_opts, flags);
			return 0;
		}
		if (!group_known(argv[1], &has_verbs, &has_solo) ||
		    (e = lookup(argc - 1, argv + 1, &used)) == NULL)
			return cli_error(EXIT_USAGE, "unknown command '%s%s%s'",
			    argv[1], argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
		if (kind[0] == 'a') {
			puts(e->args ? e->args : "");
			return 0;
		}
		put_opts(e->opts, flags);
		puts("--help");
		if (!flags)
			put_opts(global_opts, 0);
	} else if (strcmp(kind, "stages") == 0) {
		for (int i = 0; i < DBK_STAGE_COUNT; i++)
			puts(dbk_stage_name((enum dbk_stage)i));
		for (int i = 0; i < DBK_STAGE_COUNT; i++)
			puts(dbk_stage_name_zh((enum dbk_stage)i));
	} else if (strcmp(kind, "channels") == 0) {
		for (int i = 0; i < DBK_CHANNEL_COUNT; i++)
			puts(dbk_channel_name((enum dbk_channel)i));
		put_zh_choices(dbk_channel_choices());
	} else if (strcmp(kind, "roles") == 0) {
		for (int i = 0; i < DBK_ROLE_COUNT; i++)
			puts(dbk_role_name((enum dbk_role)i));
		put_zh_choices(dbk_role_choices());
	} else if (strcmp(kind, "priorities") == 0) {
		for (int i = 0; i < DBK_PRIORITY_COUNT; i++)
			puts(dbk_priority_name((enum dbk_priority)i));
		put_zh_choices(dbk_priority_choices());
	} else if (strcmp(kind, "formats") == 0) {
		fputs("table\njson\ncsv\nmd\n", stdout);
	} else if (strcmp(kind, "langs") == 0) {
		fputs("en\nzh\n", stdout);
	} else if (strcmp(kind, "kdfs") == 0) {
		fputs("interactive\nmoderate\nsensitive\n", stdout);
	} else if (strcmp(kind, "customers") == 0) {
		return complete_customers(c);
	} else {
		return complete_usage();
	}
	return 0;
}
