/*
 * fuzz_csv.c -- the CSV reader (src/lib/csv.c) over bytes in memory.
 * The first byte picks the encoding (UTF-8, GBK, GB18030), the rest is
 * the file.  Beyond not crashing: every field handed out is valid UTF-8
 * (by a checker of its own, not the reader's) no longer than the limit,
 * a record has 1 to DBKI_CSV_MAX_FIELDS fields, lines rise and indexes
 * count 1, 2, ...; a failure has a message and stays; the progress ends
 * at the size.  Text that is all ASCII reads the same as GBK as it does
 * as UTF-8.
 */
#include "fuzz.h"

#include "csv.h"

/* Is s (NUL-terminated) UTF-8, by RFC 3629's table? */
static int
utf8_ok(const unsigned char *s)
{
	unsigned cp, n, min;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0) {
			cp = *s & 0x1f;
			n = 1;
			min = 0x80;
		} else if ((*s & 0xf0) == 0xe0) {
			cp = *s & 0x0f;
			n = 2;
			min = 0x800;
		} else if ((*s & 0xf8) == 0xf0) {
			cp = *s & 0x07;
			n = 3;
			min = 0x10000;
		} else
			return 0;
		s++;
		for (unsigned i = 0; i < n; i++, s++) {
			if ((*s & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (*s & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	}
	return 1;
}

/* Read everything; the records as one string ("\x1f" between fields,
 * "\x1e" after a record) when want is set.  Returns the final status. */
static int
read_all(const uint8_t *data, size_t size, enum dbki_csv_enc enc,
    char **want)
{
	struct dbk_error err = { 0 }, err2 = { 0 };
	struct dbki_csv *c = NULL;
	struct dbki_csv_row row;
	size_t lastline = 0, n = 0, done, total, len = 0, cap = 0, fl;
	char *out = NULL;
	int rc;

	if (dbki_csv_open_mem(data, size, enc, &c, &err) != 0)
		fz_die("open_mem: %s", err.msg ? err.msg : "?");
	while ((rc = dbki_csv_next(c, &row, &err)) == 1) {
		if (row.n < 1 || row.n > DBKI_CSV_MAX_FIELDS)
			fz_die("record %zu has %zu fields", row.index, row.n);
		if (row.line <= lastline || row.line > size + 1)
			fz_die("record %zu on line %zu after line %zu",
			    row.index, row.line, lastline);
		if (row.index != ++n)
			fz_die("record %zu is index %zu", n, row.index);
		lastline = row.line;
		for (size_t i = 0; i < row.n; i++) {
			if (row.field[i] == NULL)
				fz_die("record %zu field %zu is NULL", n, i);
			fl = strlen(row.field[i]);
			if (fl > DBKI_CSV_MAX_FIELD)
				fz_die("record %zu field %zu: %zu bytes", n, i, fl);
			if (!utf8_ok((const unsigned char *)row.field[i]))
				fz_die("record %zu field %zu is not UTF-8", n, i);
			if (want == NULL)
				continue;
			if (cap - len < fl + 2) {
				cap = (len + fl + 2) * 2;
				if ((out = realloc(out, cap)) == NULL)
					fz_die("out of memory");
			}
			memcpy(out + len, row.field[i], fl);
			len += fl;
			out[len++] = i + 1 < row.n ? '\x1f' : '\x1e';
		}
	}
	dbki_csv_progress(c, &done, &total);
	if (total != size || done > size)
		fz_die("progress %zu of %zu for %zu bytes", done, total, size);
	if (rc == 0) {
		if (done != size)
			fz_die("the end at %zu of %zu bytes", done, size);
		if (dbki_csv_next(c, &row, &err) != 0)
			fz_die("a record after the end");
	} else {
		if (rc > 0 || err.code != rc || err.msg == NULL)
			fz_die("failure %d without its message", rc);
		if (strncmp(err.msg, "line ", 5) != 0 && rc == DBK_EINVAL)
			fz_die("'%s' names no line", err.msg);
		if (dbki_csv_next(c, &row, &err2) != rc || err2.msg == NULL ||
		    strcmp(err.msg, err2.msg) != 0)
			fz_die("failure '%s' is not sticky", err.msg);
	}
	dbk_error_clear(&err);
	dbk_error_clear(&err2);
	dbki_csv_close(c);
	if (want != NULL) {
		if ((out = realloc(out, len + 1)) == NULL)
			fz_die("out of memory");
		out[len] = '\0';
		*want = out;
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dbki_csv_enc encs[] = {
		DBKI_CSV_UTF8, DBKI_CSV_GBK, DBKI_CSV_GB18030
	};
	enum dbki_csv_enc enc;
	char *a = NULL, *b = NULL;
	int ascii = 1, rca, rcb;

	if (size < 1)
		return 0;
	enc = encs[data[0] % 3];
	data++;
	size--;
	for (size_t i = 0; i < size && ascii; i++)
		ascii = data[i] < 0x80;
	if (enc != DBKI_CSV_UTF8 || !ascii) {
		(void)read_all(data, size, enc, NULL);
		return 0;
	}
	/* ASCII is ASCII in all three. */
	rca = read_all(data, size, DBKI_CSV_UTF8, &a);
	rcb = read_all(data, size, DBKI_CSV_GBK, &b);
	if (rca != rcb || strcmp(a, b) != 0)
		fz_die("ASCII reads differently as UTF-8 (%d) and GBK (%d)",
		    rca, rcb);
	free(a);
	free(b);
	return 0;
}
