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
	size_t keep;		/* TBL_TABLE: keep only the last keep rows (0: all) */
	size_t added;		/* rows given to tbl_add_row, kept or not */
	FILE *sfp;		/* streaming: rows are written as they come */
	enum tbl_format sfmt;
	struct out *so;		/* ... through this writer */
	int partial;		/* tbl_mark_partial */
};

struct out;
static int stream_row(struct tbl *t, const char *const values[]);

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

/* Cells may hold revealed values: wipe before freeing. */
static void free_cells(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i] != NULL)
			explicit_bzero(v[i], strlen(v[i]));
		free(v[i]);
	}
}

static void free_strv(char **v, size_t n)
{
	if (!v)
		return;
	free_cells(v, n);
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

/* Forget the n oldest rows (their styles too). */
static void drop_oldest(struct tbl *t, size_t n)
{
	size_t rest = t->nrows - n;

	free_cells(t->cells, n * t->ncols);
	memmove(t->cells, t->cells + n * t->ncols,
	    rest * t->ncols * sizeof(char *));
	if (t->styles != NULL) {
		size_t have = t->scap < t->nrows ? t->scap : t->nrows;
		if (have > n) {
			memmove(t->styles, t->styles + n * t->ncols,
			    (have - n) * t->ncols);
			memset(t->styles + (have - n) * t->ncols, 0,
			    (t->scap - (have - n)) * t->ncols);
		} else {
			memset(t->styles, 0, t->scap * t->ncols);
		}
	}
	t->nrows = rest;
}

int tbl_add_row(struct tbl *t, const char *const values[])
{
	char **row = NULL, **cells;
	size_t c, cap;
	int rc = -1;

	if (!t)
		goto out;
	if (t->sfp != NULL) {
		if (stream_row(t, values) == 0)
			t->added++;
		return 0;
	}
	if (t->keep > 0 && t->nrows == 2 * t->keep)
		drop_oldest(t, t->keep);
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
	t->added++;
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
	return t ? t->added : 0;
}

void tbl_keep_last(struct tbl *t, size_t n)
{
	if (t)
		t->keep = n;
}

int tbl_keeps_last(const struct tbl *t)
{
	return t != NULL && t->keep > 0;
}

size_t tbl_shown(const struct tbl *t)
{
	if (!t || t->sfp != NULL)
		return 0;
	return t->keep > 0 && t->nrows > t->keep ? t->keep : t->nrows;
}

void tbl_mark_partial(struct tbl *t)
{
	if (t)
		t->partial = 1;
}

int tbl_partial(const struct tbl *t)
{
	return t != NULL && (t->partial || (t->sfp == NULL && t->keep > 0 &&
	    t->added > t->keep));
}

void tbl_reverse(struct tbl *t)
{
	size_t a, b, c;
	char *tmp;
	unsigned char st;

	if (!t || t->nrows < 2)
		return;
	/* Styles cover every row before reversing (plain rows as 0). */
	if (t->styles != NULL && t->scap < t->nrows) {
		unsigned char *s = realloc(t->styles, t->nrows * t->ncols);
		if (s == NULL)
			return;
		memset(s + t->scap * t->ncols, 0, (t->nrows - t->scap) * t->ncols);
		t->styles = s;
		t->scap = t->nrows;
	}
	for (a = 0, b = t->nrows - 1; a < b; a++, b--) {
		for (c = 0; c < t->ncols; c++) {
			tmp = t->cells[a * t->ncols + c];
			t->cells[a * t->ncols + c] = t->cells[b * t->ncols + c];
			t->cells[b * t->ncols + c] = tmp;
			if (t->styles != NULL) {
				st = t->styles[a * t->ncols + c];
				t->styles[a * t->ncols + c] = t->styles[b * t->ncols + c];
				t->styles[b * t->ncols + c] = st;
			}
		}
	}
}

void tbl_free(struct tbl *t)
{
	if (!t)
		return;
	free_strv(t->keys, t->ncols);
	free_strv(t->heads, t->ncols);
	free_strv(t->cells, t->nrows * t->ncols);
	free(t->styles);
	free(t->so);
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
	size_t n;		/* bytes in buf: many small writes, one fwrite */
	char buf[16384];
};

static const char spaces[] = "                ";
static const char dashes[] = "----------------";

static void out_flush(struct out *o)
{
	if (!o->err && o->n > 0 && fwrite(o->buf, 1, o->n, o->fp) != o->n)
		o->err = 1;
	o->n = 0;
}

static void emit_raw(struct out *o, const char *s, size_t n)
{
	if (n > sizeof(o->buf) - o->n) {
		out_flush(o);
		if (n > sizeof(o->buf)) {
			if (!o->err && fwrite(s, 1, n, o->fp) != n)
				o->err = 1;
			return;
		}
	}
	memcpy(o->buf + o->n, s, n);
	o->n += n;
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

/* The first row shown: with tbl_keep_last, only the newest rows are. */
static size_t first_row(const struct tbl *t)
{
	return t->keep > 0 && t->nrows > t->keep ? t->nrows - t->keep : 0;
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
	/* Row by row, as the cells lie in memory. */
	for (c = 0; c < t->ncols; c++)
		w[c] = cell_width(t->heads[c]);
	for (r = first_row(t); r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
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
	for (r = first_row(t); r < t->nrows; r++)
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

static void md_head(const struct tbl *t, struct out *o)
{
	size_t c;

	md_line(o, t, t->heads);
	for (c = 0; c < t->ncols; c++)
		emit_str(o, "| --- ");
	emit_str(o, "|");
	end_line(o);
}

static void print_md(const struct tbl *t, struct out *o)
{
	size_t r;

	md_head(t, o);
	for (r = first_row(t); r < t->nrows; r++)
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
	for (r = first_row(t); r < t->nrows; r++)
		csv_line(o, t, t->cells + r * t->ncols);
}

/* A JSON string, escaped as cJSON escapes it (so output stays the same
 * byte for byte): '"', '\\' and the C0 controls; UTF-8 passes through. */
static void json_string(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	char esc[7];
	unsigned char ch;

	emit_raw(o, "\"", 1);
	for (; (ch = (unsigned char)*s) != '\0'; s++) {
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		emit_raw(o, run, (size_t)(s - run));
		run = s + 1;
		esc[0] = '\\';
		switch (ch) {
		case '"': case '\\': esc[1] = (char)ch; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			emit_raw(o, esc, 6);
			continue;
		}
		emit_raw(o, esc, 2);
	}
	emit_raw(o, run, (size_t)(s - run));
	emit_raw(o, "\"", 1);
}

/* One object of the array; first: no comma before it. */
static void json_row(struct out *o, const struct tbl *t,
    const char *const *cells, int first)
{
	size_t c;

	emit_raw(o, first ? "{" : ",{", first ? 1 : 2);
	for (c = 0; c < t->ncols; c++) {
		if (c > 0)
			emit_raw(o, ",", 1);
		json_string(o, t->keys[c]);
		emit_raw(o, ":", 1);
		if (cells[c] != NULL)
			json_string(o, cells[c]);
		else
			emit_raw(o, "null", 4);
	}
	emit_raw(o, "}", 1);
}

static void print_json(const struct tbl *t, struct out *o)
{
	size_t r, f = first_row(t);

	emit_raw(o, "[", 1);
	for (r = f; r < t->nrows; r++)
		json_row(o, t, (const char *const *)t->cells + r * t->ncols,
		    r == f);
	emit_raw(o, "]", 1);
	end_line(o);
}

/* ---- streaming ---------------------------------------------------------- */

int tbl_stream(struct tbl *t, FILE *fp, enum tbl_format f)
{
	struct out *o;

	if (!t || !fp || t->nrows > 0 || t->sfp != NULL)
		return -1;
	if (f == TBL_TABLE)
		return 0;	/* widths need every row: kept */
	if (f != TBL_JSON && f != TBL_CSV && f != TBL_MD)
		return -1;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return -1;
	o->fp = fp;
	if (f == TBL_JSON)
		emit_raw(o, "[", 1);
	else if (f == TBL_CSV)
		csv_line(o, t, t->keys);
	else
		md_head(t, o);
	t->sfp = fp;
	t->sfmt = f;
	t->so = o;
	return 0;
}

static int stream_row(struct tbl *t, const char *const values[])
{
	const char **blank = NULL;
	char *const *cells;

	/* NULL values: a row of empty cells, as tbl_add_row stores it. */
	if (values == NULL) {
		if ((blank = calloc(t->ncols, sizeof(*blank))) == NULL)
			return -1;
		values = blank;
	}
	cells = (char *const *)values;
	switch (t->sfmt) {
	case TBL_JSON:
		json_row(t->so, t, values, t->added == 0);
		break;
	case TBL_CSV:
		csv_line(t->so, t, cells);
		break;
	case TBL_MD:
		md_line(t->so, t, cells);
		break;
	default:
		break;
	}
	free(blank);
	return t->so->err ? -1 : 0;
}

int tbl_print(const struct tbl *t, FILE *fp, enum tbl_format f)
{
	struct out *o = NULL;
	int rc = -1;

	if (!t || !fp)
		goto out;
	if (t->sfp != NULL) {
		/* Rows went out as they came: close the document. */
		o = t->so;
		if (t->sfmt == TBL_JSON) {
			emit_raw(o, "]", 1);
			end_line(o);
		}
		o = NULL;
		out_flush(t->so);
		if (!t->so->err && fflush(t->sfp) == 0)
			rc = 0;
		goto out;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		goto out;
	o->fp = fp;
	switch (f) {
	case TBL_TABLE:
		if (print_table(t, o) != 0)
			goto out;
		break;
	case TBL_JSON:
		print_json(t, o);
		break;
	case TBL_CSV:
		print_csv(t, o);
		break;
	case TBL_MD:
		print_md(t, o);
		break;
	default:
		goto out;
	}
	out_flush(o);
	if (!o->err && fflush(fp) == 0)
		rc = 0;
out:
	free(o);
	return rc;
}
