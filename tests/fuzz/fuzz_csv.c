/*
 * fuzz_csv.c -- the CSV reader (src/lib/csv.c) over bytes in memory and
 * in a file.  The first byte picks the encoding (UTF-8, GBK, GB18030), the
 * rest is the file.  Beyond not crashing: every field handed out is valid
 * UTF-8 (by a checker of its own, not the reader's) no longer than the
 * limit, a record has 1 to DBKI_CSV_MAX_FIELDS fields, lines rise and
 * indexes count 1, 2, ...; a failure has a message and stays; the
 * progress ends at the size.  Memory and the file (which the fuzz build
 * reads 61 bytes at a time, so characters and line breaks are cut between
 * reads everywhere) give the same records and the same failure.  Text
 * that is all ASCII reads the same as GBK as it does as UTF-8.
 */
#include <errno.h>
#include <sys/mman.h>

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

/* Append n bytes to a malloc'd string. */
static void
add(char **out, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*cap - *len < n + 1) {
		*cap = (*len + n + 1) * 2;
		if ((*out = realloc(*out, *cap)) == NULL)
			fz_die("out of memory");
	}
	memcpy(*out + *len, p, n);
	*len += n;
	(*out)[*len] = '\0';
}

/*
 * Read everything from c (size bytes of input), checking as it goes;
 * returns the records as one string ("\x1f" between fields, "\x1e" after
 * a record, then the failure's message) and the final status in *rcp.
 */
static char *
read_all(struct dbki_csv *c, size_t size, int *rcp)
{
	struct dbk_error err = { 0 }, err2 = { 0 };
	struct dbki_csv_row row;
	size_t lastline = 0, n = 0, done, total, len = 0, cap = 0, fl;
	char *out = NULL;
	int rc;

	add(&out, &len, &cap, "", 0);
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
				fz_die("record %zu field %zu: %zu bytes", n, i,
				    fl);
			if (!utf8_ok((const unsigned char *)row.field[i]))
				fz_die("record %zu field %zu is not UTF-8", n,
				    i);
			add(&out, &len, &cap, row.field[i], fl);
			add(&out, &len, &cap, i + 1 < row.n ? "\x1f" : "\x1e",
			    1);
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
		add(&out, &len, &cap, err.msg, strlen(err.msg));
	}
	dbk_error_clear(&err);
	dbk_error_clear(&err2);
	*rcp = rc;
	return out;
}

/* The records of bytes in memory. */
static char *
read_mem(const uint8_t *data, size_t size, enum dbki_csv_enc enc, int *rc)
{
	struct dbk_error err = { 0 };
	struct dbki_csv *c = NULL;
	char *s;

	if (dbki_csv_open_mem(data, size, enc, &c, &err) != 0)
		fz_die("open_mem: %s", err.msg ? err.msg : "?");
	s = read_all(c, size, rc);
	dbki_csv_close(c);
	return s;
}

/*
 * The records of the same bytes in a file, read a piece at a time.  The
 * file is a memfd (no disk between runs), opened by its /proc name as
 * the import opens a path.
 */
static char *
read_file(const uint8_t *data, size_t size, enum dbki_csv_enc enc, int *rc)
{
	static char path[64];
	static int fd = -1;
	struct dbk_error err = { 0 };
	struct dbki_csv *c = NULL;
	char *s;

	if (fd < 0) {
		if ((fd = memfd_create("fuzz_csv", MFD_CLOEXEC)) < 0)
			fz_die("memfd_create: %s", strerror(errno));
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		fz_die("writing %s: %s", path, strerror(errno));
	if (dbki_csv_open(path, enc, &c, &err) != 0)
		fz_die("open: %s", err.msg ? err.msg : "?");
	s = read_all(c, size, rc);
	dbki_csv_close(c);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dbki_csv_enc encs[] = {
		DBKI_CSV_UTF8, DBKI_CSV_GBK, DBKI_CSV_GB18030
	};
	enum dbki_csv_enc enc;
	char *m, *f, *g;
	int ascii = 1, rcm, rcf, rcg;

	if (size < 1)
		return 0;
	enc = encs[data[0] % 3];
	data++;
	size--;
	/* Memory and a file: the same records and the same failure. */
	m = read_mem(data, size, enc, &rcm);
	f = read_file(data, size, enc, &rcf);
	if (rcm != rcf || strcmp(m, f) != 0)
		fz_die("memory (%d) and file (%d) read differently", rcm, rcf);
	/* ASCII is ASCII in all three. */
	for (size_t i = 0; i < size && ascii; i++)
		ascii = data[i] < 0x80;
	if (ascii) {
		g = read_mem(data, size, enc == DBKI_CSV_UTF8 ? DBKI_CSV_GBK :
		    DBKI_CSV_UTF8, &rcg);
		if (rcg != rcm || strcmp(g, m) != 0)
			fz_die("ASCII reads differently as UTF-8 and GBK");
		free(g);
	}
	free(m);
	free(f);
	return 0;
}
