/*
 * cli.h -- what the dealbook program's files share: the command table,
 * the option parser, passphrase input, and value formatting.
 */
#ifndef DEALBOOK_CLI_H
#define DEALBOOK_CLI_H

#include <stdio.h>

#include "dealbook/dealbook.h"
#include "table.h"

#define EXIT_USAGE 2

struct cli {
	const char *store_path;
	enum tbl_format fmt;
	int zh;            /* --lang zh */
	int reveal;
	const char *passfile;
	struct dbk_store *store;
	struct dbk_error err;
	const struct cmd_entry *cmd;
	/* The read or write transaction a command is printing from, when
	 * it has one: custom fields' labels and kinds come from it. */
	struct dbk_txn *txn;
};

struct optv;

/* Command flags, checked by the dispatcher before exec runs. */
#define CMD_STORE  0x01u /* open and unlock the store first */
#define CMD_PASS   0x02u /* ... and only with the passphrase, never the
                            unlock agent (passwd proves knowledge of it) */

struct opt {
	const char *name;   /* long name without "--" (one letter: "-o") */
	const char *arg;    /* argument placeholder, NULL for a flag */
	int repeat;         /* may be given several times */
	const char *help;
};
const char *cli_dashes(const struct opt *o);

struct cmd_entry {
	const char *group;  /* "customer" */
	const char *verb;   /* "add", or NULL for one-word commands */
	const char *args;   /* positional usage: "<name>" */
	int min_pos, max_pos;
	const struct opt *opts; /* NULL-name terminated, or NULL */
	unsigned flags;
	const char *help;
	const char *example;
	int (*exec)(struct cli *c, const struct cmd_entry *e, int npos,
	    char **pos, struct optv *ov);
};

/* Parsed values of one command's options, parallel to e->opts. */
struct optv {
	const char *val;    /* last value, or "" for a flag that is set */
	const char **vals;  /* every value of a repeatable option */
	size_t n;
};

extern const struct cmd_entry *const cli_commands[];

/* Find an option's parsed value by name (NULL if absent). */
const char *opt_get(const struct cmd_entry *e, struct optv *ov,
    const char *name);
const struct optv *opt_all(const struct cmd_entry *e, struct optv *ov,
    const char *name);
int opt_has(const struct cmd_entry *e, struct optv *ov, const char *name);

/* Print "usage: dealbook ..." for a command to fp. */
void cli_usage(FILE *fp, const struct cmd_entry *e);
void cli_help(FILE *fp, const struct cmd_entry *e);

/* Report a library failure on stderr and return the exit code. */
int cli_fail(struct cli *c, int rc);
/* Report a usage error (exit 2). */
int cli_usage_error(const struct cmd_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Report an error with its own exit code. */
int cli_error(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Read a passphrase: --passphrase-file, $DEALBOOK_PASSPHRASE, else the
 * terminal without echo (twice when confirm).  Secure memory; free with
 * dbk_secure_free.  envname/fileopt choose the sources (for passwd's
 * new passphrase).  Returns 0 or an exit code after printing. */
int cli_read_pass(const char *file, const char *fileopt, const char *envname,
    const char *prompt, int confirm, char **pass, size_t *len);

/* Formatting of field values for display.  Returns a malloc'd string or
 * NULL for "no value".  machine: canonical forms for JSON/CSV. */
char *cli_value(struct cli *c, const struct dbk_record *r, const char *field);
/* The same for a raw canonical value of a field (history). */
char *cli_format(struct cli *c, enum dbk_type t, const char *field,
    const char *value, int state);
/* Heading for a field: label in the chosen language (a custom field's
 * from its definition when c->txn is set, else its name). */
const char *cli_label(struct cli *c, enum dbk_type t, const char *field);
/* The --set NAME=VALUE options of a command as input fields: *out
 * (names malloc'd, values borrowed from argv; free with cli_free_sets),
 * *n.  0, or the exit code after a message. */
int cli_parse_sets(const struct cmd_entry *e, struct optv *ov,
    struct dbk_field **out, size_t *n);
void cli_free_sets(struct dbk_field *f, size_t n);
#define CLI_SET_OPT \
	{ "set", "NAME=VALUE", 1, "set a custom field, by name or label " \
	    "(see 'dealbook field list')" }

/* The live custom fields of type t as extra list columns (copies):
 * stored name, JSON/CSV key, heading in the chosen language.  0, or the
 * exit code after a message. */
struct cli_cfield {
	char *stored, *key, *head;
};
int cli_custom_columns(struct cli *c, enum dbk_type t,
    struct cli_cfield **out, size_t *n);
void cli_custom_columns_free(struct cli_cfield *v, size_t n);
/* A table of nfixed columns (keys, headings) followed by a column per
 * custom field of cc; NULL when out of memory. */
struct tbl *cli_custom_table(size_t nfixed, const char *const keys[],
    const char *const heads[], const struct cli_cfield *cc, size_t ncc);
/* An indicator's name for people ("new customers", "新增客戶"); the key
 * itself when unknown. */
const char *cli_metric_label(struct cli *c, const char *key);
/* An indicator's key from what people type: its key, or its name in
 * English or Chinese ("新增客戶", "lead conversion"); else the text. */
const char *cli_metric_key(const char *typed);
/* A record type's name in the chosen language ("customer", "客戶"). */
const char *cli_type_label(struct cli *c, enum dbk_type t);
/* The key a field has in JSON and CSV: its name, a custom field's name
 * without the stored mark. */
const char *cli_field_key(const char *field);
/* 8-digit short id. */
void cli_short_id(const struct dbk_id *id, char out[9]);
/* An id for listings: 8 digits for people, all 32 in JSON and CSV. */
void cli_id(const struct cli *c, const struct dbk_id *id, char out[DBK_ID_HEX]);
/* A customer's code, else its short id (malloc'd). */
char *cli_customer_ref(const struct dbk_record *r);
int cli_machine(const struct cli *c);
/* Format a money value (canonical minor units string). */
char *cli_money(struct cli *c, const char *minor);
/* Format a datetime (Unix seconds string). */
char *cli_datetime(struct cli *c, const char *secs);

/*
 * Fill `tb` in a read transaction (fn adds rows, setting *oom when one
 * did not fit), print it in the chosen format and free it.  Returns the
 * exit code.  JSON, CSV and markdown rows are written as they come (a
 * failure half-way leaves a partial document and a non-zero exit).
 */
/*
 * Long lists (customers, deals, payments, the audit trail) take --all and
 * --limit N (CLI_PAGE_OPTS in their option table): a table on a terminal
 * shows the newest CLI_PAGE rows unless --all; --limit N shows the newest
 * N in any format.  *limit: that number, or 0 for every row.  0, or the
 * exit code of a bad --limit (message printed).  A command that cannot
 * read newest first gives the number to tbl_keep_last.
 */
#define CLI_PAGE 50
#define CLI_PAGE_OPTS \
	{ "limit", "N", 0, "only the newest N rows" }, \
	{ "all", NULL, 0, "every row (a table on a terminal shows the " \
	    "newest 50)" }
int cli_page(struct cli *c, const struct cmd_entry *e, struct optv *ov,
    size_t *limit);

int cli_read_table(struct cli *c, struct tbl *tb, dbk_txn_fn fn, void *ctx,
    const int *oom);
/* The same for fn adding rows newest first (to stop after a page): they
 * are shown oldest first, and nothing is streamed. */
int cli_read_table_newest(struct cli *c, struct tbl *tb, dbk_txn_fn fn,
    void *ctx, const int *oom);

/* The command argv names (group, and verb when one matches argv[1]);
 * *used words taken, *group_only set when only the group matched. */
const struct cmd_entry *cli_find_cmd(int argc, char **argv, int *used,
    int *group_only);

/* The progress line on stderr, for dbk_store_set_progress: only on a
 * terminal, at most ten times a second, cleared when done. */
void cli_progress(const char *what, uint64_t done, uint64_t total, void *ctx);

/* Print a single record as a field/value table or a JSON object. */
int cli_print_record(struct cli *c, const struct dbk_record *r);
/* With --format json, print {"k1":"v1",...} from n key/value pairs (kv
 * holds 2n strings) and return 1; otherwise print nothing and return 0. */
int cli_json_status(const struct cli *c, const char *const kv[], size_t n);

/* Print "updated <type> <id> (N fields changed)" or its JSON object. */
void cli_print_updated(struct cli *c, const char *type, const struct dbk_id *id,
    size_t changed);
/* Print "added <type> <id>" or a JSON object {"id":..., "type":...}. */
void cli_print_added(struct cli *c, const char *type, const struct dbk_id *id,
    const char *extra);

/* ---- help, manual page, completion, colour (cmd_help.c, table.c) ---- */

/* The command list that 'dealbook help' and 'dealbook --help' print. */
void cli_main_usage(FILE *fp);
/* 'dealbook help [<command>]': argv holds the words after "help". */
int cli_help_command(int argc, char **argv);
/* 'dealbook --man': the roff manual page, generated from cli_commands. */
int cli_man(FILE *fp);
/* 'dealbook --i18n-missing' (hidden, for the tests): every help text of
 * the commands and options with no Chinese in the catalog (i18n_zh.c),
 * one a line; 1 when there is one. */
int cli_i18n_missing(FILE *fp);
/* 'dealbook --complete KIND [ARGS]': words for shell completion, one a
 * line.  argv holds the words after "--complete".  Never prompts: the
 * customer codes are listed only with --passphrase-file or
 * $DEALBOOK_PASSPHRASE (c->store_path and c->passfile must be set). */
int cli_complete(struct cli *c, int argc, char **argv);
/* May stdout be coloured?  Only a terminal, $NO_COLOR unset or empty,
 * $TERM set and not "dumb". */
int cli_color_enabled(void);

/* CSV for spreadsheets (cmd_csv.c): one cell (first: no comma before
 * it), a row ending in CRLF, the UTF-8 byte-order mark. */
void cli_csv_cell(FILE *fp, const char *s, int first);
void cli_csv_row(FILE *fp, const char *const *cells, size_t n);
void cli_csv_bom(FILE *fp);
/* 'csv export evaluation PERIOD' (csv_eval.c): the exit code. */
int cli_csv_evaluation(struct cli *c, const char *period, FILE *fp);
/* A JSON string literal of s on fp. */
void cli_json_string(FILE *fp, const char *s);

/* Mask the amounts of an evaluation document (cmd_eval.c): without
 * --reveal each money metric's numbers become null. */
struct cJSON;
void cli_eval_json_mask(struct cJSON *root);
/* The UTC offset (minutes) a period's days are counted in here: the
 * local one at noon of its first day (cmd_eval.c). */
int cli_utc_offset(struct cli *c, const char *period);

/* Colour in TBL_TABLE output (other formats ignore it); off by default,
 * so tables print byte for byte as before.  Styles are per cell; the
 * escape codes never count towards the column widths. */
enum tbl_style { TBL_PLAIN = 0, TBL_WARN = 1, TBL_DIM = 2 };
void tbl_set_color(struct tbl *t, int on);
/* tbl_add_row with a style per cell (styles may be NULL: all plain). */
int tbl_add_row_styled(struct tbl *t, const char *const values[],
    const unsigned char styles[]);

/* ---- end of help, manual page, completion, colour ---- */

#endif
