/*
 * table.c -- render rows of text as an aligned table, JSON, CSV or
 * markdown.  Widths come from dbk_display_width (CJK counts 2 columns).
 * Cells may carry a style (tbl_add_row_styled, declared in cli.h), shown
 * in TBL_TABLE as SGR colour only once tbl_set_color turned it on.
 */
#include "table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "dealbook/parse.h"

#include "cli.h"	/* tbl_set_color, tbl_add_row_styled */

struct tbl {
	size_t ncols;
	char **keys;
	char **heads;
	char **cells;		/* nrows * ncols; NULL is an empty cell */
	size_t nrows;
	size_t cap;		/* rows allocated in cells */
	unsigned char *styles;	/* scap * ncols tbl_style values, or NULL */
	size_t scap;		/* rows allocated in styles; later rows plain */
	int color;		/* TBL_TABLE shows the styles */
};

/* ---- construction ----------------------------------------------------- */

static char **dup_strv(size_t n, const char *const v[])
{
	char **r = calloc(n, sizeof(*r));
	size_t i;

	if (!r)
		return NULL;
	for (i = 0; i < n; i++) {
		r[i] = strdup(v[i] ? v[i] : "");
		if (!r[i])
			goto fail;
	}
	return r;
fail:
	while (i > 0)
		free(r[--i]);
	free(r);
	return NULL;
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++) {
		/* Cells may hold revealed values: wipe before freeing. */
		if (v[i] != NULL)
			explicit_bzero(v[i], strlen(v[i]));
		free(v[i]);
	}
	free(v);
}

struct tbl *tbl_new(size_t ncols, const char *const keys[],
    const char *const heads[])
{
	struct tbl *t = NULL;

	if (ncols == 0 || !keys)
		goto out;
	t = calloc(1, sizeof(*t));
	if (!t)
		goto out;
	t->ncols = ncols;
	t->keys = dup_strv(ncols, keys);
	t->heads = dup_strv(ncols, heads ? heads : keys);
	if (!t->keys || !t->heads) {
		tbl_free(t);
		t = NULL;
	}
out:
	return t;
}

int tbl_add_row(struct tbl *t, const char *const values[])
{
	char **row = NULL, **cells;
	size_t c, cap;
	int rc = -1;

	if (!t)
		goto out;
	if (t->nrows == t->cap) {
		cap = t->cap ? t->cap * 2 : 8;
		if (cap < t->cap || cap > SIZE_MAX / sizeof(char *) / t->ncols)
			goto out;
		cells = realloc(t->cells, cap * t->ncols * sizeof(char *));
		if (!cells)
			goto out;
		t->cells = cells;
		t->cap = cap;
	}
	row = t->cells + t->nrows * t->ncols;
	for (c = 0; c < t->ncols; c++)
		row[c] = NULL;
	for (c = 0; c < t->ncols; c++) {
		if (values && values[c] && !(row[c] = strdup(values[c])))
			goto out;
	}
	t->nrows++;
	rc = 0;
out:
	if (rc != 0 && row) {
		for (c = 0; c < t->ncols; c++) {
			free(row[c]);
			row[c] = NULL;
		}
	}
	return rc;
}

void tbl_set_color(struct tbl *t, int on)
{
	if (t)
		t->color = on != 0;
}

int tbl_add_row_styled(struct tbl *t, const char *const values[],
    const unsigned char styles[])
{
	unsigned char *st;
	size_t cap, c;

	if (!t)
		return -1;
	if (styles && t->nrows >= t->scap) {
		/* Room first, so a failure leaves the table unchanged. */
		cap = t->scap ? t->scap * 2 : 8;
		if (cap <= t->nrows)
			cap = t->nrows + 1;
		if (cap > SIZE_MAX / t->ncols)
			return -1;
		st = realloc(t->styles, cap * t->ncols);
		if (!st)
			return -1;
		memset(st + t->scap * t->ncols, 0, (cap - t->scap) * t->ncols);
		t->styles = st;
		t->scap = cap;
	}
	if (tbl_add_row(t, values) != 0)
		return -1;
	for (c = 0; styles && c < t->ncols; c++)
		t->styles[(t->nrows - 1) * t->ncols + c] = styles[c];
	return 0;
}

size_t tbl_rows(const struct tbl *t)
{
	return t ? t->nrows : 0;
}

void tbl_free(struct tbl *t)
{
	if (!t)
		return;
	free_strv(t->keys, t->ncols);
	free_strv(t->heads, t->ncols);
	free_strv(t->cells, t->nrows * t->ncols);
	free(t->styles);
	free(t);
}

int tbl_parse_format(const char *s, enum tbl_format *out)
{
	static const struct {
		const char *name;
		enum tbl_format f;
	} fmts[] = {
		{ "table", TBL_TABLE }, { "json", TBL_JSON },
		{ "csv", TBL_CSV }, { "md", TBL_MD },
	};
	size_t i;

	if (!s || !out)
		return -1;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		if (strcasecmp(s, fmts[i].name) == 0) {
			*out = fmts[i].f;
			return 0;
		}
	}
	return -1;
}

/* ---- output ----------------------------------------------------------- */

/*
 * A writer with sticky errors and pending spaces: blanks are only written
 * once something visible follows them on the line, so no line ends in
 * blanks.
 */
struct out {
	FILE *fp;
	size_t pend;
	int err;
};

static const char spaces[] = "                ";
static const char dashes[] = "----------------";

static void emit_raw(struct out *o, const char *s, size_t n)
{
	if (!o->err && n > 0 && fwrite(s, 1, n, o->fp) != n)
		o->err = 1;
}

/* n copies of chunk's character; chunk holds sizeof(spaces) - 1 of it. */
static void emit_fill(struct out *o, const char *chunk, size_t n)
{
	size_t k;

	for (; n > 0; n -= k) {
		k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		emit_raw(o, chunk, k);
	}
}

static void emit(struct out *o, const char *s, size_t n)
{
	if (n == 0)
		return;
	emit_fill(o, spaces, o->pend);
	o->pend = 0;
	emit_raw(o, s, n);
}

static void emit_str(struct out *o, const char *s)
{
	emit(o, s, strlen(s));
}

static void end_line(struct out *o)
{
	o->pend = 0;
	emit_raw(o, "\n", 1);
}

/* Bytes of the control character at p: C0 and DEL are 1, C1 (U+0080 to
 * U+009F, UTF-8 C2 80..C2 9F) is 2; 0 when p is not a control. */
static size_t ctl_len(const char *p)
{
	unsigned char c = (unsigned char)p[0], d = (unsigned char)p[1];

	if (c < 0x20 || c == 0x7f)
		return 1;
	if (c == 0xc2 && d >= 0x80 && d <= 0x9f)
		return 2;
	return 0;
}

/* Columns a cell takes once each control shows as one space (display
 * width gives controls none). */
static size_t cell_width(const char *s)
{
	size_t w, n;
	const unsigned char *a = (const unsigned char *)s;

	/* Printable ASCII (ids, codes, dates, numbers): one column each. */
	while (*a >= 0x20 && *a < 0x7f)
		a++;
	if (*a == '\0')
		return (size_t)(a - (const unsigned char *)s);
	w = dbk_display_width(s);

	for (; *s; s += n ? n : 1) {
		n = ctl_len(s);
		w += n != 0;
	}
	return w;
}

/*
 * A cell for a terminal or markdown: controls become a space; in a table,
 * spaces are deferred (so trailing ones vanish); in markdown '|' -> "\|".
 */
static void emit_cell(struct out *o, const char *s, int md)
{
	const char *run = s;
	size_t n;

	while (*s) {
		n = ctl_len(s);
		if (!n && !(md ? *s == '|' : *s == ' ')) {
			s++;
			continue;
		}
		emit(o, run, (size_t)(s - run));
		if (md)
			emit_str(o, *s == '|' ? "\\|" : " ");
		else
			o->pend++;
		s += n ? n : 1;
		run = s;
	}
	emit(o, run, (size_t)(s - run));
}

/* Something other than blanks and controls to show? */
static int visible(const char *s)
{
	size_t n;

	for (; *s; s += n ? n : 1) {
		n = ctl_len(s);
		if (!n && *s != ' ')
			return 1;
	}
	return 0;
}

/* The SGR sequence that starts a style, or NULL for plain. */
static const char *style_on(unsigned char style)
{
	switch (style) {
	case TBL_WARN:
		return "\033[1;31m";
	case TBL_DIM:
		return "\033[2m";
	default:
		return NULL;
	}
}

/* styles: this row's, or NULL (plain; always so without colour). */
/* cw: the cells' widths, already measured (NULL: measure here). */
static void table_line(struct out *o, const struct tbl *t,
    char *const *cells, const unsigned char *styles, const size_t *w,
    const size_t *cw)
{
	size_t c;
	const char *s, *on;

	for (c = 0; c < t->ncols; c++) {
		s = cells[c] ? cells[c] : "";
		on = styles ? style_on(styles[c]) : NULL;
		if (on && visible(s)) {
			/* Padding before stays outside the colour; deferred
			 * blanks after it too, so no line ends in them. */
			emit(o, on, strlen(on));
			emit_cell(o, s, 0);
			emit_raw(o, "\033[0m", 4);
		} else {
			emit_cell(o, s, 0);
		}
		if (c + 1 < t->ncols)
			o->pend += w[c] - (cw ? cw[c] : cell_width(s)) + 2;
	}
	end_line(o);
}

static int print_table(const struct tbl *t, struct out *o)
{
	size_t *w, *cws, c, r, cw;
	const char *s;

	w = calloc(t->ncols, sizeof(*w));
	/* Each cell measured once, for the column widths and its padding. */
	cws = calloc(t->nrows * t->ncols + 1, sizeof(*cws));
	if (!w || !cws) {
		free(w);
		free(cws);
		return -1;
	}
	for (c = 0; c < t->ncols; c++) {
		w[c] = cell_width(t->heads[c]);
		for (r = 0; r < t->nrows; r++) {
			s = t->cells[r * t->ncols + c];
			cw = s ? cell_width(s) : 0;
			cws[r * t->ncols + c] = cw;
			if (cw > w[c])
				w[c] = cw;
		}
	}
	table_line(o, t, t->heads, NULL, w, NULL);
	for (c = 0; c < t->ncols; c++) {
		if (c > 0)
			o->pend += 2;
		if (w[c] > 0) {
			emit(o, dashes, 1);
			emit_fill(o, dashes, w[c] - 1);
		}
	}
	end_line(o);
	for (r = 0; r < t->nrows; r++)
		table_line(o, t, t->cells + r * t->ncols,
		    t->color && r < t->scap ? t->styles + r * t->ncols : NULL, w,
		    cws + r * t->ncols);
	free(w);
	free(cws);
	return 0;
}

static void md_line(struct out *o, const struct tbl *t, char *const *cells)
{
	size_t c;

	for (c = 0; c < t->ncols; c++) {
		emit_str(o, "| ");
		emit_cell(o, cells[c] ? cells[c] : "", 1);
		emit_str(o, " ");
	}
	emit_str(o, "|");
	end_line(o);
}

static void print_md(const struct tbl *t, struct out *o)
{
	size_t c, r;

	md_line(o, t, t->heads);
	for (c = 0; c < t->ncols; c++)
		emit_str(o, "| --- ");
	emit_str(o, "|");
	end_line(o);
	for (r = 0; r < t->nrows; r++)
		md_line(o, t, t->cells + r * t->ncols);
}

static void csv_field(struct out *o, const char *s)
{
	const char *q;

	/* A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR
	 * first) is defused with a leading apostrophe (OWASP's advice). */
	if (strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0') {
		char *safe = malloc(strlen(s) + 2);
		if (safe != NULL) {
			safe[0] = '\'';
			memcpy(safe + 1, s, strlen(s) + 1);
			csv_field(o, safe);
			free(safe);
			return;
		}
	}

	if (!strpbrk(s, ",\"\r\n")) {
		emit_str(o, s);
		return;
	}
	emit_str(o, "\"");
	while ((q = strchr(s, '"')) != NULL) {
		emit(o, s, (size_t)(q - s) + 1);
		emit_str(o, "\"");
		s = q + 1;
	}
	emit_str(o, s);
	emit_str(o, "\"");
}

static void csv_line(struct out *o, const struct tbl *t, char *const *cells)
{
	size_t c;

	for (c = 0; c < t->ncols; c++) {
		if (c > 0)
			emit_str(o, ",");
		csv_field(o, cells[c] ? cells[c] : "");
	}
	end_line(o);
}

static void print_csv(const struct tbl *t, struct out *o)
{
	size_t r;

	csv_line(o, t, t->keys);
	for (r = 0; r < t->nrows; r++)
		csv_line(o, t, t->cells + r * t->ncols);
}

static int print_json(const struct tbl *t, struct out *o)
{
	cJSON *arr, *obj, *v;
	char *txt = NULL;
	const char *s;
	size_t r, c;
	int rc = -1;

	arr = cJSON_CreateArray();
	if (!arr)
		goto out;
	for (r = 0; r < t->nrows; r++) {
		obj = cJSON_CreateObject();
		if (!obj)
			goto out;
		if (!cJSON_AddItemToArray(arr, obj)) {
			cJSON_Delete(obj);
			goto out;
		}
		for (c = 0; c < t->ncols; c++) {
			s = t->cells[r * t->ncols + c];
			v = s ? cJSON_CreateString(s) : cJSON_CreateNull();
			if (!v)
				goto out;
			if (!cJSON_AddItemToObject(obj, t->keys[c], v)) {
				cJSON_Delete(v);
				goto out;
			}
		}
	}
	txt = cJSON_PrintUnformatted(arr);
	if (!txt)
		goto out;
	emit_str(o, txt);
	end_line(o);
	rc = 0;
out:
	cJSON_free(txt);
	cJSON_Delete(arr);
	return rc;
}

int tbl_print(const struct tbl *t, FILE *fp, enum tbl_format f)
{
	struct out o = { fp, 0, 0 };
	int rc = -1;

	if (!t || !fp)
		goto out;
	switch (f) {
	case TBL_TABLE:
		if (print_table(t, &o) != 0)
			goto out;
		break;
	case TBL_JSON:
		if (print_json(t, &o) != 0)
			goto out;
		break;
	case TBL_CSV:
		print_csv(t, &o);
		break;
	case TBL_MD:
		print_md(t, &o);
		break;
	default:
		goto out;
	}
	if (!o.err && fflush(fp) == 0)
		rc = 0;
out:
	return rc;
}
