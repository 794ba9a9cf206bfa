/*
 * test_csv.c -- the CSV reader (src/lib/csv.c, csv.h): RFC 4180 records
 * with every kind of line break, quoting, blank lines and their line
 * numbers, each error with the line it names, the limits, UTF-8 checked
 * strictly, GBK and GB18030 converted, and characters cut by the reader's
 * 64 KiB reads.
 */
#include "testutil.h"

#include "buf.h"
#include "csv.h"

/* The reader's read size (CHUNK in csv.c) and what it reads at once:
 * the boundary tests sweep across both. */
#define CHUNK 65536

/* 客戶編號 ("customer number") in UTF-8, GBK and GB18030, by
 * printf '客戶編號' | iconv -f UTF-8 -t GBK | xxd (GB18030: the same). */
#define KH_UTF8 "\xe5\xae\xa2\xe6\x88\xb6\xe7\xb7\xa8\xe8\x99\x9f"
#define KH_GBK "\xbf\xcd\x91\xf4\xbe\x8e\xcc\x96"
/* U+1F600 in GB18030: four bytes (not in GBK at all). */
#define SMILE_UTF8 "\xf0\x9f\x98\x80"
#define SMILE_GB18030 "\x94\x39\xfc\x36"
/* "，" (U+FF0C): GBK A3 AC. */
#define COMMA_UTF8 "\xef\xbc\x8c"
#define COMMA_GBK "\xa3\xac"

#define NOT_UTF8 "not UTF-8 (save as 'CSV UTF-8', or give --encoding gbk)"

/*
 * Every record of a reader as text, one line each: "LINE#INDEX:[f1][f2]"
 * and, when it stops on a failure, "ERR message".  Checks on the way that
 * a failure is sticky and the end stays the end.
 */
static char *
dump_reader(struct dbki_csv *c, int *rcp)
{
	struct dbk_error err = { 0 }, err2 = { 0 };
	struct dbki_csv_row row;
	struct dbki_buf b;
	char num[64];
	size_t lastline = 0;
	int rc;

	dbki_buf_init(&b, (size_t)1 << 30);
	while ((rc = dbki_csv_next(c, &row, &err)) == 1) {
		assert_true(row.n >= 1);
		assert_true(row.n <= DBKI_CSV_MAX_FIELDS);
		assert_true(row.line > lastline);
		lastline = row.line;
		snprintf(num, sizeof num, "%zu#%zu:", row.line, row.index);
		dbki_buf_adds(&b, num);
		for (size_t i = 0; i < row.n; i++) {
			dbki_buf_addc(&b, '[');
			dbki_buf_adds(&b, row.field[i]);
			dbki_buf_addc(&b, ']');
		}
		dbki_buf_addc(&b, '\n');
	}
	if (rc == 0) {
		/* The end, and again the end. */
		assert_int_equal(dbki_csv_next(c, &row, &err), 0);
	} else {
		assert_true(rc < 0);
		assert_int_equal(err.code, rc);
		assert_non_null(err.msg);
		dbki_buf_adds(&b, "ERR ");
		dbki_buf_adds(&b, err.msg);
		/* Sticky: the same failure once more. */
		assert_int_equal(dbki_csv_next(c, &row, &err2), rc);
		assert_string_equal(err2.msg, err.msg);
	}
	assert_int_equal(b.oom, 0);
	dbk_error_clear(&err);
	dbk_error_clear(&err2);
	*rcp = rc;
	if (b.p == NULL)
		return strdup("");
	return b.p;	/* the caller frees it, as dbki_buf_free would */
}

/* dump_reader over bytes in memory. */
static char *
dump_mem(const void *data, size_t len, enum dbki_csv_enc enc, int *rc)
{
	struct dbk_error err = { 0 };
	struct dbki_csv *c = NULL;
	size_t done, total;
	char *s;

	assert_int_equal(dbki_csv_open_mem(data, len, enc, &c, &err), 0);
	assert_non_null(c);
	s = dump_reader(c, rc);
	dbki_csv_progress(c, &done, &total);
	assert_int_equal(total, len);
	if (*rc == 0)
		assert_int_equal(done, len);
	dbki_csv_close(c);
	return s;
}

/* Expect exactly want from a string literal's bytes (NULs included). */
#define EXPECT_ENC(lit, enc, want) do {					\
	int rc_;							\
	char *s_ = dump_mem(lit, sizeof(lit) - 1, (enc), &rc_);		\
	assert_string_equal(s_, (want));				\
	free(s_);							\
} while (0)
#define EXPECT(lit, want) EXPECT_ENC(lit, DBKI_CSV_UTF8, want)

/* A file in a fresh directory with these bytes; path gets its name. */
static void
write_tmp(char dir[32], char path[64], const void *p, size_t n)
{
	FILE *fp;

	tu_tmpdir(dir);
	snprintf(path, 64, "%s/in.csv", dir);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(p, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

/* dump_reader over a file with these bytes, through dbki_csv_open. */
static char *
dump_file(const void *data, size_t len, enum dbki_csv_enc enc, int *rc)
{
	struct dbk_error err = { 0 };
	struct dbki_csv *c = NULL;
	char dir[32], path[64];
	size_t done, total;
	char *s;

	write_tmp(dir, path, data, len);
	assert_int_equal(dbki_csv_open(path, enc, &c, &err), 0);
	assert_non_null(c);
	dbki_csv_progress(c, &done, &total);
	assert_int_equal(done, 0);
	assert_int_equal(total, len);
	s = dump_reader(c, rc);
	dbki_csv_progress(c, &done, &total);
	if (*rc == 0)
		assert_int_equal(done, len);
	dbki_csv_close(c);
	tu_rmrf(dir);
	return s;
}

static void
test_plain(void **state)
{
	(void)state;
	EXPECT("a,b,c\n1,2,3\n", "1#1:[a][b][c]\n2#2:[1][2][3]\n");
	/* The last line without a line break is a record. */
	EXPECT("a,b\n1,2", "1#1:[a][b]\n2#2:[1][2]\n");
	EXPECT("x", "1#1:[x]\n");
	/* Nothing at all, or only line breaks: no records. */
	EXPECT("", "");
	EXPECT("\n", "");
	EXPECT("\r\n\r\n", "");
	/* Spaces are text. */
	EXPECT(" a , b \n", "1#1:[ a ][ b ]\n");
	EXPECT(" \n", "1#1:[ ]\n");
}

static void
test_bom(void **state)
{
	(void)state;
	EXPECT("\xef\xbb\xbf" "a,b\n", "1#1:[a][b]\n");
	EXPECT("\xef\xbb\xbf", "");
	EXPECT("\xef\xbb\xbf\n" "a\n", "2#1:[a]\n");
	/* Only the first is a BOM; a second is text (U+FEFF). */
	EXPECT("\xef\xbb\xbf\xef\xbb\xbf" "a\n", "1#1:[\xef\xbb\xbf" "a]\n");
	/* Not at the start: text. */
	EXPECT("a,\xef\xbb\xbf\n", "1#1:[a][\xef\xbb\xbf]\n");
	/* A BOM cut short is not UTF-8. */
	EXPECT("\xef\xbb", "ERR line 1: " NOT_UTF8);
}

static void
test_line_breaks(void **state)
{
	(void)state;
	EXPECT("a,b\r\nc,d\r\n", "1#1:[a][b]\n2#2:[c][d]\n");
	EXPECT("a,b\rc,d\r", "1#1:[a][b]\n2#2:[c][d]\n");
	EXPECT("a\nb\rc\r\nd", "1#1:[a]\n2#2:[b]\n3#3:[c]\n4#4:[d]\n");
	/* CR CR LF: a record, then a blank line (CR LF). */
	EXPECT("a\r\r\nb\n", "1#1:[a]\n3#2:[b]\n");
	/* LF CR: two line breaks, the second a blank line. */
	EXPECT("a\n\rb\n", "1#1:[a]\n3#2:[b]\n");
	EXPECT("a\r", "1#1:[a]\n");
}

static void
test_blank_lines(void **state)
{
	(void)state;
	/* Lines 1, 2 blank; a on 3; 4 (CRLF) and 5 (CR) blank; b on 6;
	 * 7 blank at the end. */
	EXPECT("\n\na\n\r\n\rb\n\n", "3#1:[a]\n6#2:[b]\n");
	/* A blank line inside quotes is text, and counted. */
	EXPECT("\"x\n\ny\",z\nw\n", "1#1:[x\n\ny][z]\n4#2:[w]\n");
}

static void
test_quoted(void **state)
{
	(void)state;
	EXPECT("\"a,b\",\"x\"\"y\",\"l1\nl2\"\nnext\n",
	    "1#1:[a,b][x\"y][l1\nl2]\n3#2:[next]\n");
	/* Line breaks inside quotes are kept as they are, each counted
	 * once: CRLF, CR, LF. */
	EXPECT("\"1\r\n2\r3\n4\",x\r\ny\r\n",
	    "1#1:[1\r\n2\r3\n4][x]\n5#2:[y]\n");
	/* Only quotes. */
	EXPECT("\"\"\"\"\n", "1#1:[\"]\n");
	EXPECT("\"\"\"\"\"\"\n", "1#1:[\"\"]\n");
	/* A quoted field at the end of the file, closed. */
	EXPECT("a,\"b\"", "1#1:[a][b]\n");
	/* A quote inside an unquoted field is a character. */
	EXPECT("ab\"c,d\"\n5\" screen\n",
	    "1#1:[ab\"c][d\"]\n2#2:[5\" screen]\n");
	/* Quoted and unquoted in one record. */
	EXPECT("1,\"2\",3\n", "1#1:[1][2][3]\n");
	/* A field opening a quote must close it. */
	EXPECT(" \"a\",b\n", "1#1:[ \"a\"][b]\n");
}

static void
test_empty_fields(void **state)
{
	(void)state;
	EXPECT(",,\n", "1#1:[][][]\n");
	EXPECT("a,\n", "1#1:[a][]\n");
	EXPECT("a,", "1#1:[a][]\n");
	EXPECT(",a", "1#1:[][a]\n");
	EXPECT("\"\"\n", "1#1:[]\n");
	EXPECT("a,\"\"\r\n", "1#1:[a][]\n");
	EXPECT("\"\",\"\"", "1#1:[][]\n");
	EXPECT(",\r\n,", "1#1:[][]\n2#2:[][]\n");
}

static void
test_errors(void **state)
{
	(void)state;
	EXPECT("a,b\n\"x\"y,z\n",
	    "1#1:[a][b]\nERR line 2: text after a closing quote in field 1");
	EXPECT("a,\"b\" ,c\n",
	    "ERR line 1: text after a closing quote in field 2");
	/* On the line the text is on, after a line break in the field. */
	EXPECT("h\n1,2,\"x\ny\"z\n",
	    "1#1:[h]\nERR line 3: text after a closing quote in field 3");
	/* The line the record started on. */
	EXPECT("h\n\"abc\nd\ne",
	    "1#1:[h]\nERR line 2: a quoted field is not closed before the end "
	    "of the file");
	EXPECT("h\n\n\nx,\"", "1#1:[h]\nERR line 4: a quoted field is not "
	    "closed before the end of the file");
	/* A closing quote that is a doubled one. */
	EXPECT("\"a\"\"", "ERR line 1: a quoted field is not closed before "
	    "the end of the file");
	EXPECT("a\nb\0c\n", "1#1:[a]\nERR line 2: a NUL byte");
	EXPECT("a\n\"b\n\0\"\n", "1#1:[a]\nERR line 3: a NUL byte");
	EXPECT("\0", "ERR line 1: a NUL byte");
}

/* A record of n fields "x" each, separated by commas. */
static char *
fields(size_t n)
{
	char *p = malloc(2 * n + 1);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		p[2 * i] = 'x';
		p[2 * i + 1] = ',';
	}
	p[2 * n - 1] = '\n';
	p[2 * n] = '\0';
	return p;
}

static void
test_limits(void **state)
{
	size_t n = DBKI_CSV_MAX_FIELD, len;
	char *p, *s, *want;
	int rc;

	(void)state;
	/* A field of exactly the limit, unquoted and quoted; one more is
	 * too long, named by the line its record starts on. */
	assert_non_null(p = malloc(n + 16));
	for (int quoted = 0; quoted < 2; quoted++) {
		for (size_t extra = 0; extra < 2; extra++) {
			len = 0;
			p[len++] = 'h';
			p[len++] = '\n';
			if (quoted)
				p[len++] = '"';
			memset(p + len, 'a', n + extra);
			len += n + extra;
			if (quoted)
				p[len++] = '"';
			p[len++] = '\n';
			s = dump_mem(p, len, DBKI_CSV_UTF8, &rc);
			if (extra == 0) {
				assert_int_equal(rc, 0);
				assert_int_equal(strlen(s), 8 + 5 + n + 2);
			} else {
				assert_int_equal(rc, DBK_EINVAL);
				assert_non_null(strstr(s, "ERR line 2: a field "
				    "longer than 1048576 bytes"));
			}
			free(s);
		}
	}
	free(p);

	/* 256 fields, then 257, and 256 and an empty one after a comma. */
	p = fields(DBKI_CSV_MAX_FIELDS);
	s = dump_mem(p, strlen(p), DBKI_CSV_UTF8, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(s), 4 + 3 * DBKI_CSV_MAX_FIELDS + 1);
	free(s);
	free(p);
	p = fields(DBKI_CSV_MAX_FIELDS + 1);
	s = dump_mem(p, strlen(p), DBKI_CSV_UTF8, &rc);
	assert_int_equal(rc, DBK_EINVAL);
	assert_string_equal(s, "ERR line 1: more than 256 fields");
	free(s);
	free(p);
	p = fields(DBKI_CSV_MAX_FIELDS);
	p[2 * DBKI_CSV_MAX_FIELDS - 1] = ',';
	assert_non_null(want = malloc(2 * DBKI_CSV_MAX_FIELDS + 16));
	snprintf(want, 2 * DBKI_CSV_MAX_FIELDS + 16, "a\n\n%s", p);
	s = dump_mem(want, strlen(want), DBKI_CSV_UTF8, &rc);
	assert_int_equal(rc, DBK_EINVAL);
	assert_string_equal(s, "1#1:[a]\nERR line 3: more than 256 fields");
	free(s);
	free(want);
	free(p);
}

static void
test_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff", "\xfe", "\x80", "\xbf",	/* not a start */
		"\xc0\xaf", "\xc1\xbf",		/* overlong, 2 bytes */
		"\xe0\x80\xaf", "\xe0\x9f\xbf",	/* overlong, 3 bytes */
		"\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", /* overlong, 4 */
		"\xed\xa0\x80", "\xed\xbf\xbf",	/* surrogates */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", /* > U+10FFFF */
		"\xf8\x88\x80\x80\x80",		/* 5 bytes */
		"\xc3", "\xe4\xb8", "\xf0\x9f\x98", /* cut short at the end */
		"\xc3" "a", "\xe4\xb8" ",", "\xf0\x9f\x98\n", /* cut short */
		"\xe4\xb8\xad\xad",		/* a continuation too many */
	};
	char in[64], want[128];
	char *s;
	int rc;

	(void)state;
	/* Valid: 2, 3 and 4 bytes, the edges of each. */
	EXPECT("\xc2\x80,\xdf\xbf,\xe0\xa0\x80,\xef\xbf\xbf,\xed\x9f\xbf,"
	    "\xee\x80\x80,\xf0\x90\x80\x80,\xf4\x8f\xbf\xbf," SMILE_UTF8 "\n",
	    "1#1:[\xc2\x80][\xdf\xbf][\xe0\xa0\x80][\xef\xbf\xbf]"
	    "[\xed\x9f\xbf][\xee\x80\x80][\xf0\x90\x80\x80]"
	    "[\xf4\x8f\xbf\xbf][" SMILE_UTF8 "]\n");
	EXPECT(KH_UTF8 "," COMMA_UTF8 "\n", "1#1:[" KH_UTF8 "][" COMMA_UTF8
	    "]\n");
	/* Each bad sequence on line 3, after two good records (and a
	 * good character before it on the same line): the records before
	 * it are read, then the error names line 3. */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(in, sizeof in, "h\n1\n\xc3\xa9,x%s,y\n", bad[i]);
		s = dump_mem(in, strlen(in), DBKI_CSV_UTF8, &rc);
		assert_int_equal(rc, DBK_EINVAL);
		snprintf(want, sizeof want, "1#1:[h]\n2#2:[1]\nERR line 3: "
		    NOT_UTF8);
		if (strcmp(s, want) != 0)
			fail_msg("bad[%zu]: '%s'", i, s);
		free(s);
		/* At the very end of the input too. */
		snprintf(in, sizeof in, "h\n\n%s", bad[i]);
		s = dump_mem(in, strlen(in), DBKI_CSV_UTF8, &rc);
		assert_int_equal(rc, DBK_EINVAL);
		assert_string_equal(s, "1#1:[h]\nERR line 3: " NOT_UTF8);
		free(s);
	}
	/* GBK bytes read as UTF-8: the hint to give --encoding. */
	EXPECT("id\n" KH_GBK "\n", "1#1:[id]\nERR line 2: " NOT_UTF8);
}

static void
test_gbk(void **state)
{
	(void)state;
	EXPECT_ENC(KH_GBK ",ab\r\n" "\"" COMMA_GBK "\"\"x\",1\r\n",
	    DBKI_CSV_GBK,
	    "1#1:[" KH_UTF8 "][ab]\n2#2:[" COMMA_UTF8 "\"x][1]\n");
	/* GB18030 reads GBK, and four-byte characters GBK has not; its
	 * BOM (84 31 95 33) is skipped like UTF-8's. */
	EXPECT_ENC("\x84\x31\x95\x33" KH_GBK "," SMILE_GB18030 "\n",
	    DBKI_CSV_GB18030, "1#1:[" KH_UTF8 "][" SMILE_UTF8 "]\n");
	EXPECT_ENC(SMILE_GB18030 "\n", DBKI_CSV_GBK,
	    "ERR line 1: not valid GBK text");
	/* Bytes no GBK character has, on line 2; a character cut short at
	 * the end of the file. */
	EXPECT_ENC("a\n" KH_GBK "\xff\xff\n", DBKI_CSV_GBK,
	    "1#1:[a]\nERR line 2: not valid GBK text");
	EXPECT_ENC("a\nb\n\xbf", DBKI_CSV_GBK,
	    "1#1:[a]\n2#2:[b]\nERR line 3: not valid GBK text");
	EXPECT_ENC("a\n\xbf", DBKI_CSV_GB18030,
	    "1#1:[a]\nERR line 2: not valid GB18030 text");
	EXPECT_ENC("\x94\x39\xfc", DBKI_CSV_GB18030,
	    "ERR line 1: not valid GB18030 text");
	/* A NUL is a NUL in GBK too. */
	EXPECT_ENC("a,\0\n", DBKI_CSV_GBK, "ERR line 1: a NUL byte");
	/* Quotes, newlines: all ASCII, as in UTF-8. */
	EXPECT_ENC("\"" KH_GBK "\n" KH_GBK "\",\n", DBKI_CSV_GBK,
	    "1#1:[" KH_UTF8 "\n" KH_UTF8 "][]\n");
}

/* The last 60 bytes of s, for a message. */
static const char *
tail(const char *s)
{
	size_t n = strlen(s);

	return s + (n > 60 ? n - 60 : 0);
}

/*
 * Characters and line breaks across the reader's reads: a first field of
 * k ASCII bytes, for every k around the read size, then what must not be
 * cut: a multibyte character, a CRLF, a doubled quote.  From a file (the
 * carry between reads) and from memory (windows over the buffer; iconv's
 * output filling up), in UTF-8, GBK and GB18030.
 */
static void
test_boundaries(void **state)
{
	static const struct {
		enum dbki_csv_enc enc;
		int quoted;		/* the first field opens a quote */
		const char *after;	/* after the first field's a's */
		const char *want;	/* its rest, and what follows */
	} v[] = {
		{ DBKI_CSV_UTF8, 0, KH_UTF8 "," SMILE_UTF8 "\n",
		    KH_UTF8 "][" SMILE_UTF8 "]\n" },
		{ DBKI_CSV_UTF8, 0, "\r\nb\r\n", "]\n2#2:[b]\n" },
		{ DBKI_CSV_UTF8, 1, "\"\"" KH_UTF8 "\"\r\n\r\nb",
		    "\"" KH_UTF8 "]\n3#2:[b]\n" },
		/* A CRLF inside quotes: kept, one line. */
		{ DBKI_CSV_UTF8, 1, "\r\nz\",y\r\nb\n",
		    "\r\nz][y]\n3#2:[b]\n" },
		/* U+FEFF that is not the first character: text. */
		{ DBKI_CSV_UTF8, 0, "\n\xef\xbb\xbf" "x\n",
		    "]\n2#2:[\xef\xbb\xbf" "x]\n" },
		{ DBKI_CSV_GBK, 0, KH_GBK "," KH_GBK "\r\n",
		    KH_UTF8 "][" KH_UTF8 "]\n" },
		{ DBKI_CSV_GB18030, 0, KH_GBK SMILE_GB18030 SMILE_GB18030 "\n",
		    KH_UTF8 SMILE_UTF8 SMILE_UTF8 "]\n" },
		{ DBKI_CSV_GB18030, 1, "\r\n" KH_GBK "\"\r\n\x84\x31\x95\x33",
		    "\r\n" KH_UTF8 "]\n3#2:[\xef\xbb\xbf]\n" },
	};
	size_t cap = CHUNK + 256, len, wlen, n, quoted;
	char *in, *want, *s;
	int rc;

	(void)state;
	assert_non_null(in = malloc(cap));
	assert_non_null(want = malloc(cap + 64));
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		for (size_t k = CHUNK - 16; k < CHUNK + 24; k++) {
			quoted = v[i].quoted;
			len = 0;
			if (quoted)
				in[len++] = '"';
			memset(in + len, 'a', k - len);
			len = k;
			n = strlen(v[i].after);
			memcpy(in + len, v[i].after, n);
			len += n;
			wlen = (size_t)snprintf(want, 8, "1#1:[");
			memset(want + wlen, 'a', k - quoted);
			wlen += k - quoted;
			memcpy(want + wlen, v[i].want, strlen(v[i].want) + 1);
			s = dump_file(in, len, v[i].enc, &rc);
			if (rc != 0 || strcmp(s, want) != 0)
				fail_msg("file case %zu, k %zu: ...%s", i, k,
				    tail(s));
			free(s);
			s = dump_mem(in, len, v[i].enc, &rc);
			if (rc != 0 || strcmp(s, want) != 0)
				fail_msg("memory case %zu, k %zu: ...%s", i, k,
				    tail(s));
			free(s);
		}
	}
	free(in);
	free(want);
}

/* The whole of a fixture file, through tu_read_file. */
static unsigned char *
fixture(const char *name, size_t *len)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", FIXTURE_DIR, name);
	return tu_read_file(path, len);
}

/*
 * The template's examples, in UTF-8 and as Excel on Chinese Windows
 * saves them (GBK): the same records.  Then many copies of the records,
 * a file of several reads, Chinese text cut everywhere by them.
 */
static void
test_fixture(void **state)
{
	unsigned char *u, *g, *bu, *bg, *nl;
	size_t ulen, glen, uhead, ghead, n = 600, bulen = 0, bglen = 0;
	char *su, *sg;
	int rc;

	(void)state;
	u = fixture("template1_examples.csv", &ulen);
	g = fixture("template1_examples.gbk.csv", &glen);
	su = dump_mem(u, ulen, DBKI_CSV_UTF8, &rc);
	assert_int_equal(rc, 0);
	sg = dump_mem(g, glen, DBKI_CSV_GBK, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(su, sg);
	/* Three records of 15 fields: 客戶編號 first. */
	assert_true(strncmp(su, "1#1:[" KH_UTF8 "]", 18) == 0);
	assert_non_null(strstr(su, "\n2#2:[20240501]"));
	assert_non_null(strstr(su, "\n3#3:[20240502]"));
	free(su);
	free(sg);
	su = dump_file(u, ulen, DBKI_CSV_UTF8, &rc);
	assert_int_equal(rc, 0);
	sg = dump_file(g, glen, DBKI_CSV_GB18030, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(su, sg);
	free(su);
	free(sg);

	/* The header, then the data rows n times over. */
	assert_non_null(nl = memchr(u, '\n', ulen));
	uhead = (size_t)(nl - u) + 1;
	assert_non_null(nl = memchr(g, '\n', glen));
	ghead = (size_t)(nl - g) + 1;
	assert_non_null(bu = malloc(uhead + n * ulen));
	assert_non_null(bg = malloc(ghead + n * glen));
	memcpy(bu, u, uhead);
	memcpy(bg, g, ghead);
	bulen = uhead;
	bglen = ghead;
	for (size_t i = 0; i < n; i++) {
		memcpy(bu + bulen, u + uhead, ulen - uhead);
		bulen += ulen - uhead;
		memcpy(bg + bglen, g + ghead, glen - ghead);
		bglen += glen - ghead;
	}
	assert_true(bglen > 4 * CHUNK);
	su = dump_file(bu, bulen, DBKI_CSV_UTF8, &rc);
	assert_int_equal(rc, 0);
	sg = dump_file(bg, bglen, DBKI_CSV_GBK, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(su, sg);
	/* Every record, the last on line 1 + 2n. */
	{
		char last[64];
		snprintf(last, sizeof last, "\n%zu#%zu:[", 1 + 2 * n,
		    1 + 2 * n);
		assert_non_null(strstr(su, last));
	}
	free(su);
	free(sg);
	sg = dump_mem(bg, bglen, DBKI_CSV_GBK, &rc);
	assert_int_equal(rc, 0);
	su = dump_mem(bu, bulen, DBKI_CSV_UTF8, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(su, sg);
	free(su);
	free(sg);
	free(bu);
	free(bg);
	free(u);
	free(g);
}

static void
test_open(void **state)
{
	struct dbk_error err = { 0 };
	struct dbki_csv *c = NULL;
	struct dbki_csv_row row;
	char dir[32], path[64];

	(void)state;
	assert_int_equal(dbki_csv_open("/nonexistent-dbk/dir/in.csv",
	    DBKI_CSV_UTF8, &c, &err), DBK_EIO);
	assert_null(c);
	assert_int_equal(err.code, DBK_EIO);
	assert_non_null(strstr(err.msg, "'/nonexistent-dbk/dir/in.csv'"));
	assert_non_null(strstr(err.msg, "No such file"));
	dbk_error_clear(&err);
	/* A directory is not a file. */
	tu_tmpdir(dir);
	assert_int_equal(dbki_csv_open(dir, DBKI_CSV_UTF8, &c, &err), DBK_EIO);
	assert_null(c);
	assert_non_null(strstr(err.msg, dir));
	dbk_error_clear(&err);
	tu_rmrf(dir);
	/* An encoding that is none. */
	assert_int_equal(dbki_csv_open_mem("a", 1, (enum dbki_csv_enc)7, &c,
	    &err), DBK_EINVAL);
	assert_null(c);
	dbk_error_clear(&err);
	/* An empty file; and closing NULL. */
	write_tmp(dir, path, "", 0);
	assert_int_equal(dbki_csv_open(path, DBKI_CSV_GBK, &c, &err), 0);
	assert_int_equal(dbki_csv_next(c, &row, &err), 0);
	dbki_csv_close(c);
	dbki_csv_close(NULL);
	tu_rmrf(dir);
	/* NULL bytes, zero of them, in memory. */
	assert_int_equal(dbki_csv_open_mem(NULL, 0, DBKI_CSV_UTF8, &c, &err),
	    0);
	assert_int_equal(dbki_csv_next(c, &row, &err), 0);
	dbki_csv_close(c);
}

/* Progress: bytes consumed so far of the file's size. */
static void
test_progress(void **state)
{
	struct dbk_error err = { 0 };
	struct dbki_csv *c = NULL;
	struct dbki_csv_row row;
	size_t done, total, last = 0, n = 3 * CHUNK, recs = 0;
	char dir[32], path[64], *p;

	(void)state;
	assert_non_null(p = malloc(n));
	for (size_t i = 0; i < n; i++)
		p[i] = i % 16 == 15 ? '\n' : 'a' + (char)(i % 16);
	write_tmp(dir, path, p, n);
	assert_int_equal(dbki_csv_open(path, DBKI_CSV_UTF8, &c, &err), 0);
	while (dbki_csv_next(c, &row, &err) == 1) {
		dbki_csv_progress(c, &done, &total);
		assert_int_equal(total, n);
		assert_true(done >= last);
		assert_true(done <= total);
		/* Exactly the records so far, in UTF-8. */
		assert_int_equal(done, 16 * ++recs);
		last = done;
	}
	assert_null(err.msg);
	dbki_csv_progress(c, &done, &total);
	assert_int_equal(done, n);
	dbki_csv_close(c);
	tu_rmrf(dir);
	free(p);
}

#ifdef DBK_TESTING
/*
 * Every allocation failing in turn, and every read: a clean DBK_ENOMEM
 * or DBK_EIO with a message, never a crash or a leak (ASan builds).
 */
static void
test_faults(void **state)
{
	struct dbk_error err = { 0 };
	struct dbki_csv *c;
	struct dbki_csv_row row;
	char dir[32], path[64], *p;
	size_t n = 2 * CHUNK + 100;
	unsigned long fired, tried = 0;
	int rc, kind;

	(void)state;
	assert_non_null(p = malloc(n));
	for (size_t i = 0; i < n; i++)
		p[i] = i % 100 == 99 ? '\n' : 'a';
	p[0] = '"';
	p[n / 2] = '"';
	p[n / 2 + 1] = ',';
	write_tmp(dir, path, p, n);
	for (kind = 0; kind < 2; kind++) {
		enum dbk_test_fault f = kind ? DBK_FAULT_IO : DBK_FAULT_ALLOC;
		for (unsigned long i = 1; i < 100; i++) {
			dbk_test_fault_set(f, i, 0);
			c = NULL;
			rc = dbki_csv_open(path, DBKI_CSV_GBK, &c, &err);
			if (rc == 0)
				while ((rc = dbki_csv_next(c, &row, &err)) == 1)
					;
			fired = dbk_test_fault_fired(f);
			dbk_test_fault_set(f, 0, 0);
			dbki_csv_close(c);
			if (fired == 0) {
				assert_int_equal(rc, 0);
				break;
			}
			tried++;
			assert_int_equal(rc, kind ? DBK_EIO : DBK_ENOMEM);
			assert_non_null(err.msg);
			if (kind)
				assert_non_null(strstr(err.msg, path));
			dbk_error_clear(&err);
		}
	}
	/* Both kinds were reached: the allocations of open and of the
	 * arena's growth, the reads. */
	assert_true(tried >= 5);
	tu_rmrf(dir);
	free(p);
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_line_breaks),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_gbk),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_progress),
#ifdef DBK_TESTING
		cmocka_unit_test(test_faults),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
