/*
 * csv.c -- the RFC 4180 reader of csv.h.
 *
 * Two stages over one bounded buffer.  The source (a file read in
 * CHUNK-byte pieces, or bytes in memory) becomes a window of UTF-8: the
 * bytes themselves once checked to be UTF-8, or the output of iconv for
 * GBK and GB18030.  A multibyte character cut by the end of a read is
 * carried to the front of the buffer and completed by the next one.
 * Where the input stops being text, the window ends just before it and
 * the error is reported when the parser gets there, so the message
 * names the line the bad byte is on.
 *
 * The parser is a state machine that survives the end of a window: a
 * record may span any number of them.  A record's fields go, one after
 * the other and each NUL-terminated, into one growable arena kept from
 * record to record; only their offsets are stored until the record is
 * complete, when they become the pointers handed out.
 */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "csv.h"
#include "internal.h"

/* One read; the unit tests put multibyte characters across it.  The
 * fuzz build makes it tiny (DBKI_CSV_CHUNK), so every input is cut into
 * many reads and windows. */
#ifdef DBKI_CSV_CHUNK
#define CHUNK ((size_t)DBKI_CSV_CHUNK)
#else
#define CHUNK ((size_t)64 << 10)
#endif
/* A window must hold a whole character, iconv's output one too. */
_Static_assert(CHUNK >= 8, "CHUNK");
/* A read and what is carried from the last: at most 3 bytes of an
 * incomplete character (UTF-8 and GB18030 have 4 at most). */
#define RAWCAP (CHUNK + 8)
/* iconv's output per call; a full one (E2BIG) is simply continued. */
#define CVCAP CHUNK
/* Every field at its limit, each with its NUL, and the room for a
 * window that scan() makes before it looks. */
#define ARENA_MAX (DBKI_CSV_MAX_FIELDS * (DBKI_CSV_MAX_FIELD + 1) + \
    2 * RAWCAP)

/* Where the parser is. */
enum state {
	S_REC,		/* before a record's first byte */
	S_FIELD,	/* before a field's first byte, after a separator */
	S_UNQ,		/* in an unquoted field */
	S_QUO,		/* in a quoted field */
	S_QEND		/* after a quote in a quoted field: "" or the end */
};

/* Bytes that stop a run of ordinary text, per kind of field. */
#define C_UNQ 1
#define C_QUO 2
static const unsigned char cls[256] = {
	['\0'] = C_UNQ | C_QUO,
	['\n'] = C_UNQ | C_QUO,
	['\r'] = C_UNQ | C_QUO,
	[','] = C_UNQ,
	['"'] = C_QUO
};

struct dbki_csv {
	enum dbki_csv_enc enc;
	iconv_t cd;		/* (iconv_t)-1 for UTF-8 */
	int fd;			/* -1 over memory */
	char *path;		/* for messages; NULL over memory */

	/* The source: src[rpos..rlen) not yet turned into a window.  A
	 * file reads into raw (src == raw); memory is src itself. */
	const unsigned char *src;
	unsigned char *raw;
	size_t rpos, rlen;
	size_t base;		/* offset in the input of src[0] */
	size_t total;
	int eof;		/* the source has nothing more to give */
	int bad;		/* the window stops before text that is not */
	int first;		/* no window made yet: a BOM may come */

	/* The window of UTF-8 the parser reads: win[wpos..wlen). */
	const unsigned char *win;
	size_t wbase;		/* offset in the input of win[0] (UTF-8) */
	size_t wpos, wlen;
	unsigned char *cv;	/* iconv's output */

	/* The parser. */
	enum state st;
	int skip_lf;		/* an LF next ends the CR's line break */
	size_t line;		/* the line being read */
	size_t rec_line;	/* the line the record started on */
	size_t index;		/* records returned */
	struct dbki_buf arena;	/* the record's fields, NUL-terminated */
	size_t *off;		/* their offsets in the arena */
	char **field;		/* and as pointers, once complete */
	size_t nf;		/* fields complete */

	int rc;			/* sticky: the first failure */
	char *emsg;		/* and its message */
};

/* A buffer that held text from the file: wiped before it goes. */
static void
free_wiped(void *p, size_t n)
{
	if (p != NULL) {
		sodium_memzero(p, n);
		free(p);
	}
}

/* The name csv.h and the messages give an encoding. */
static const char *
enc_name(enum dbki_csv_enc enc)
{
	return enc == DBKI_CSV_GB18030 ? "GB18030" : "GBK";
}

/*
 * Fail, and keep the failure: every later dbki_csv_next returns the same
 * code and message.  Returns the code.
 */
static int csv_fail(struct dbki_csv *c, struct dbk_error *err, int code,
    const char *fmt, ...) DBK_PRINTF(4, 5);

static int
csv_fail(struct dbki_csv *c, struct dbk_error *err, int code, const char *fmt,
    ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	c->rc = code;
	free(c->emsg);
	c->emsg = msg;
	return dbki_error_set(err, code, "%s", msg != NULL ? msg :
	    dbk_strerror(code));
}

/* The failure of an earlier call, once more. */
static int
again(const struct dbki_csv *c, struct dbk_error *err)
{
	return dbki_error_set(err, c->rc, "%s", c->emsg != NULL ? c->emsg :
	    dbk_strerror(c->rc));
}

/*
 * The length of the longest prefix of p[0..n) that is whole, valid UTF-8
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
 * *partial is 1 when what stops it is a character cut short by the end
 * of p, valid as far as it goes; 0 when it is a bad byte or nothing.
 */
static size_t
utf8_prefix(const unsigned char *p, size_t n, int *partial)
{
	size_t i = 0, len, k;
	unsigned char lo, hi, b;
	uint64_t w;

	*partial = 0;
	while (i < n) {
		/* ASCII eight bytes at a time. */
		while (i + 8 <= n) {
			memcpy(&w, p + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		b = p[i];
		if (b < 0x80) {
			i++;
			continue;
		}
		/* The common case of CJK text: three bytes, E1..EC or
		 * EE..EF, with no range of its own to check. */
		if (b >= 0xe1 && b != 0xed && b <= 0xef && i + 2 < n &&
		    (p[i + 1] & 0xc0) == 0x80 && (p[i + 2] & 0xc0) == 0x80) {
			i += 3;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (b >= 0xc2 && b <= 0xdf)
			len = 2;
		else if (b >= 0xe0 && b <= 0xef) {
			len = 3;
			if (b == 0xe0)
				lo = 0xa0;	/* overlong */
			else if (b == 0xed)
				hi = 0x9f;	/* surrogates */
		} else if (b >= 0xf0 && b <= 0xf4) {
			len = 4;
			if (b == 0xf0)
				lo = 0x90;	/* overlong */
			else if (b == 0xf4)
				hi = 0x8f;	/* past U+10FFFF */
		} else
			return i;
		for (k = 1; k < len; k++) {
			if (i + k >= n) {
				*partial = 1;
				return i;
			}
			b = p[i + k];
			if (b < lo || b > hi)
				return i;
			lo = 0x80;
			hi = 0xbf;
		}
		i += len;
	}
	return i;
}

/*
 * More of the file into raw, after what is left of the last read (the
 * start of a character not yet whole).  Reads until the buffer is full or
 * the file ends, so that a window is a whole chunk when the file has one.
 */
static int
read_more(struct dbki_csv *c, struct dbk_error *err)
{
	size_t tail = c->rlen - c->rpos;
	ssize_t got;

	if (c->fd < 0) {
		c->eof = 1;
		return 0;
	}
	if (tail > 0)
		memmove(c->raw, c->raw + c->rpos, tail);
	c->base += c->rpos;
	c->rpos = 0;
	c->rlen = tail;
	while (c->rlen < RAWCAP) {
		got = dbki_fault_io() ? -1 :
		    read(c->fd, c->raw + c->rlen, RAWCAP - c->rlen);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return csv_fail(c, err, DBK_EIO, "reading '%s' failed: %s",
			    c->path, strerror(errno));
		if (got == 0) {
			c->eof = 1;
			break;
		}
		c->rlen += (size_t)got;
	}
	return 0;
}

/* The error for the text a window stopped before. */
static int
bad_text(struct dbki_csv *c, struct dbk_error *err)
{
	if (c->enc == DBKI_CSV_UTF8)
		return csv_fail(c, err, DBK_EINVAL, "line %zu: not UTF-8 (save as "
		    "'CSV UTF-8', or give --encoding gbk)", c->line);
	return csv_fail(c, err, DBK_EINVAL, "line %zu: not valid %s text",
	    c->line, enc_name(c->enc));
}

/*
 * The first window of the input: a byte-order mark (U+FEFF, which is
 * what GB18030's converts to as well) is not text.
 */
static void
skip_bom(struct dbki_csv *c)
{
	if (c->first && c->wlen >= 3 && memcmp(c->win, "\xef\xbb\xbf", 3) == 0)
		c->wpos = 3;
	c->first = 0;
}

/* The next window of UTF-8 input: its whole, valid characters. */
static int
fill_utf8(struct dbki_csv *c, struct dbk_error *err)
{
	size_t avail, n, ok;
	int partial, more, rc;

	for (;;) {
		/* Memory is checked a chunk at a time too, so the check
		 * and the parse share the cache. */
		avail = c->rlen - c->rpos;
		n = avail < RAWCAP ? avail : RAWCAP;
		more = n < avail || !c->eof;
		if (n > 0) {
			ok = utf8_prefix(c->src + c->rpos, n, &partial);
			if (ok < n && !(partial && more))
				c->bad = 1;
			/* A window of ok bytes; when there are none and
			 * the rest is a character cut by the read, read
			 * on.  (Memory never gets here: a window of 4
			 * bytes or more holds a whole character.) */
			if (ok > 0 || c->bad) {
				c->win = c->src + c->rpos;
				c->wbase = c->base + c->rpos;
				c->wpos = 0;
				c->wlen = ok;
				c->rpos += ok;
				skip_bom(c);
				return ok > 0 ? 1 : bad_text(c, err);
			}
		}
		if (c->eof)
			return 0;
		if ((rc = read_more(c, err)) != 0)
			return rc;
	}
}

/* The next window of input in GBK or GB18030, as UTF-8. */
static int
fill_iconv(struct dbki_csv *c, struct dbk_error *err)
{
	char *in, *out;
	size_t inleft, outleft, r, made;
	int rc, e, starved = 0;

	for (;;) {
		if (c->rpos < c->rlen && !starved) {
			in = (char *)(uintptr_t)(c->src + c->rpos);
			inleft = c->rlen - c->rpos;
			out = (char *)c->cv;
			outleft = CVCAP;
			r = iconv(c->cd, &in, &inleft, &out, &outleft);
			e = errno;
			c->rpos = (size_t)((const unsigned char *)in - c->src);
			made = CVCAP - outleft;
			if (r == (size_t)-1) {
				if (e == EILSEQ || (e == EINVAL && c->eof))
					c->bad = 1;
				else if (e == EINVAL)
					starved = 1; /* cut by the read */
				else if (e != E2BIG)
					return csv_fail(c, err, DBK_EIO,
					    "converting from %s failed: %s",
					    enc_name(c->enc), strerror(e));
			}
			if (made > 0 || c->bad) {
				c->win = c->cv;
				c->wpos = 0;
				c->wlen = made;
				skip_bom(c);
				return made > 0 ? 1 : bad_text(c, err);
			}
			continue;
		}
		if (c->eof)
			return 0;
		if ((rc = read_more(c, err)) != 0)
			return rc;
		starved = 0;
	}
}

/* The next window: 1, 0 at the end of the input, or a failure. */
static int
fill(struct dbki_csv *c, struct dbk_error *err)
{
	if (c->bad)
		return bad_text(c, err);
	if (c->enc == DBKI_CSV_UTF8)
		return fill_utf8(c, err);
	return fill_iconv(c, err);
}

/* Open over a file (fd >= 0, path) or memory: the common part. */
static int
csv_new(int fd, const char *path, const void *data, size_t len,
    enum dbki_csv_enc enc, struct dbki_csv **out, struct dbk_error *err)
{
	struct dbki_csv *c;
	int rc;

	if ((c = calloc(1, sizeof *c)) == NULL) {
		if (fd >= 0)
			close(fd);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	c->fd = fd;
	c->cd = (iconv_t)-1;
	c->enc = enc;
	c->first = 1;
	c->line = 1;
	c->st = S_REC;
	dbki_buf_init(&c->arena, ARENA_MAX);
	if (enc != DBKI_CSV_UTF8 && enc != DBKI_CSV_GBK &&
	    enc != DBKI_CSV_GB18030) {
		rc = dbki_error_set(err, DBK_EINVAL, "unknown encoding %d",
		    (int)enc);
		goto out;
	}
	if (enc != DBKI_CSV_UTF8 &&
	    (c->cd = iconv_open("UTF-8", enc_name(enc))) == (iconv_t)-1) {
		if (errno == EINVAL)
			rc = dbki_error_set(err, DBK_EINVAL, "this system's "
			    "iconv has no %s", enc_name(enc));
		else
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	if ((c->off = calloc(DBKI_CSV_MAX_FIELDS, sizeof *c->off)) == NULL ||
	    (c->field = calloc(DBKI_CSV_MAX_FIELDS + 1,
	    sizeof *c->field)) == NULL ||
	    (enc != DBKI_CSV_UTF8 && (c->cv = malloc(CVCAP)) == NULL) ||
	    (path != NULL && (c->path = strdup(path)) == NULL) ||
	    (fd >= 0 && (c->raw = malloc(RAWCAP)) == NULL)) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	if (fd >= 0) {
		c->src = c->raw;
	} else {
		c->src = data;
		c->rlen = len;
		c->total = len;
		c->eof = 1;
	}
	*out = c;
	c = NULL;
	rc = 0;
out:
	dbki_csv_close(c);
	return rc;
}

/* A reader over a file: csv.h. */
int
dbki_csv_open(const char *path, enum dbki_csv_enc enc,
    struct dbki_csv **out, struct dbk_error *err)
{
	struct dbki_csv *c = NULL;
	struct stat st;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return dbki_error_errno(err, DBK_EIO, "opening", path);
	if (fstat(fd, &st) != 0) {
		rc = dbki_error_errno(err, DBK_EIO, "reading", path);
		close(fd);
		return rc;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return dbki_error_set(err, DBK_EIO, "opening '%s' failed: "
		    "it is a directory", path);
	}
	if ((rc = csv_new(fd, path, NULL, 0, enc, &c, err)) != 0)
		return rc;
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		c->total = (size_t)st.st_size;
	*out = c;
	return 0;
}

/* A reader over bytes in memory: csv.h. */
int
dbki_csv_open_mem(const void *data, size_t len, enum dbki_csv_enc enc,
    struct dbki_csv **out, struct dbk_error *err)
{
	return csv_new(-1, NULL, len > 0 ? data : "", len, enc, out, err);
}

/* The current field has passed the limit. */
static int
too_long(struct dbki_csv *c, struct dbk_error *err)
{
	return csv_fail(c, err, DBK_EINVAL, "line %zu: a field longer than %zu "
	    "bytes", c->rec_line, DBKI_CSV_MAX_FIELD);
}

/* A NUL byte is not text. */
static int
nul_byte(struct dbki_csv *c, struct dbk_error *err)
{
	return csv_fail(c, err, DBK_EINVAL, "line %zu: a NUL byte", c->line);
}

/* The length so far of the field being written at o in the arena a. */
static inline size_t
flen(const struct dbki_csv *c, const unsigned char *a, const unsigned char *o)
{
	return (size_t)(o - a) - c->off[c->nf];
}

/* Room for n more bytes in the arena. */
static int
room(struct dbki_csv *c, size_t n, struct dbk_error *err)
{
	if (c->arena.cap - c->arena.len > n)
		return 0;
	if (dbki_buf_reserve(&c->arena, n) != 0)
		return csv_fail(c, err, DBK_ENOMEM, "out of memory (line %zu)",
		    c->rec_line);
	return 0;
}

/* A field begins at the arena's end, if the record has room for it. */
static int
field_start(struct dbki_csv *c, size_t at, struct dbk_error *err)
{
	if (c->nf == DBKI_CSV_MAX_FIELDS)
		return csv_fail(c, err, DBK_EINVAL, "line %zu: more than %d fields",
		    c->rec_line, DBKI_CSV_MAX_FIELDS);
	c->off[c->nf] = at;
	return 0;
}

/* The record is complete: hand it out. */
static int
emit(struct dbki_csv *c, struct dbki_csv_row *row)
{
	for (size_t i = 0; i < c->nf; i++)
		c->field[i] = c->arena.p + c->off[i];
	c->field[c->nf] = NULL;
	row->field = c->field;
	row->n = c->nf;
	row->line = c->rec_line;
	row->index = ++c->index;
	c->st = S_REC;
	return 1;
}

/* The input has ended: the record in progress, if any, is the last. */
static int
at_end(struct dbki_csv *c, struct dbki_csv_row *row, struct dbk_error *err)
{
	switch (c->st) {
	case S_REC:
		return 0;
	case S_QUO:
		return csv_fail(c, err, DBK_EINVAL, "line %zu: a quoted field is "
		    "not closed before the end of the file", c->rec_line);
	case S_FIELD:
		/* After a separator: an empty last field. */
		if (field_start(c, c->arena.len, err) != 0)
			return c->rc;
		break;
	case S_UNQ:
	case S_QEND:
		break;
	}
	if (room(c, 1, err) != 0)
		return c->rc;
	c->arena.p[c->arena.len++] = '\0';
	c->nf++;
	return emit(c, row);
}

/*
 * After a CR at p[-1]: an LF next is the same line break.  At the end of
 * the window it is not known yet: skip_lf tells the next window.
 */
static const unsigned char *
after_cr(struct dbki_csv *c, const unsigned char *p, const unsigned char *end)
{
	if (p == end)
		c->skip_lf = 1;
	else if (*p == '\n')
		p++;
	return p;
}

/*
 * Parse the window from wpos: 1 when a record is complete, 0 when the
 * window is used up first, or a failure.  The arena is made big enough
 * for the whole window first (no byte of input makes more than one of
 * output), so the loops copy without checks; the state, the position and
 * the arena's length live in locals until the end.
 */
static int
scan(struct dbki_csv *c, struct dbk_error *err)
{
	const unsigned char *p, *end;
	unsigned char *a, *o;
	enum state st = c->st;
	int rc = 0;

	if (room(c, c->wlen - c->wpos + 1, err) != 0)
		return c->rc;
	p = c->win + c->wpos;
	end = c->win + c->wlen;
	a = (unsigned char *)c->arena.p;
	o = a + c->arena.len;
	if (c->skip_lf) {
		/* The LF of a CRLF whose CR was counted. */
		c->skip_lf = 0;
		if (*p == '\n') {
			if (st == S_QUO)
				*o++ = '\n';
			p++;
		}
	}
	while (p < end) {
		switch (st) {
		case S_REC:
			if (*p == '\n' || *p == '\r') {
				/* A blank line: not a record. */
				c->line++;
				if (*p++ == '\r')
					p = after_cr(c, p, end);
				continue;
			}
			c->rec_line = c->line;
			st = S_FIELD;
			continue;
		case S_FIELD:
			if ((rc = field_start(c, (size_t)(o - a), err)) != 0)
				goto out;
			if (*p == '"') {
				st = S_QUO;
				p++;
			} else
				st = S_UNQ;
			continue;
		case S_UNQ:
			while (p < end && !(cls[*p] & C_UNQ))
				*o++ = *p++;
			if (flen(c, a, o) > DBKI_CSV_MAX_FIELD) {
				rc = too_long(c, err);
				goto out;
			}
			if (p == end)
				continue;
			if (*p == '\0') {
				rc = nul_byte(c, err);
				goto out;
			}
			*o++ = '\0';
			c->nf++;
			if (*p++ == ',') {
				st = S_FIELD;
				continue;
			}
			/* A line break: the end of the record. */
			c->line++;
			if (p[-1] == '\r')
				p = after_cr(c, p, end);
			st = S_REC;
			rc = 1;
			goto out;
		case S_QUO:
			while (p < end && !(cls[*p] & C_QUO))
				*o++ = *p++;
			if (flen(c, a, o) > DBKI_CSV_MAX_FIELD) {
				rc = too_long(c, err);
				goto out;
			}
			if (p == end)
				continue;
			if (*p == '\0') {
				rc = nul_byte(c, err);
				goto out;
			}
			if (*p++ == '"') {
				st = S_QEND;
				continue;
			}
			/* A line break, kept in the field. */
			*o++ = p[-1];
			c->line++;
			if (p[-1] == '\r' && p < end && *p == '\n')
				*o++ = *p++;
			else if (p[-1] == '\r' && p == end)
				c->skip_lf = 1;
			continue;
		case S_QEND:
			if (*p == '"') {
				/* "" is a quote. */
				*o++ = '"';
				p++;
				st = S_QUO;
				continue;
			}
			if (*p != ',' && *p != '\n' && *p != '\r') {
				rc = csv_fail(c, err, DBK_EINVAL, "line %zu: text "
				    "after a closing quote in field %zu",
				    c->line, c->nf + 1);
				goto out;
			}
			/* The end of the field, as in an unquoted one. */
			st = S_UNQ;
			continue;
		}
	}
out:
	c->wpos = (size_t)(p - c->win);
	c->arena.len = (size_t)(o - a);
	c->st = st;
	return rc;
}

/* The next record: a window at a time until scan() completes one. */
int
dbki_csv_next(struct dbki_csv *c, struct dbki_csv_row *row,
    struct dbk_error *err)
{
	int rc;

	if (c->rc != 0)
		return again(c, err);
	c->arena.len = 0;
	c->nf = 0;
	c->st = S_REC;
	for (;;) {
		if (c->wpos == c->wlen) {
			if ((rc = fill(c, err)) < 0)
				return rc;
			if (rc == 0)
				return at_end(c, row, err);
			continue;
		}
		if ((rc = scan(c, err)) != 0)
			return rc < 0 ? rc : emit(c, row);
	}
}

/* For UTF-8 the bytes parsed; for GBK and GB18030 the bytes converted,
 * up to one window ahead of the parser. */
void
dbki_csv_progress(const struct dbki_csv *c, size_t *done, size_t *total)
{
	if (c->enc == DBKI_CSV_UTF8)
		*done = c->wbase + c->wpos;
	else
		*done = c->base + c->rpos;
	*total = c->total;
}

/* Close the file and iconv, wipe every buffer that held text. */
void
dbki_csv_close(struct dbki_csv *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	if (c->cd != (iconv_t)-1)
		iconv_close(c->cd);
	free_wiped(c->raw, RAWCAP);
	free_wiped(c->cv, CVCAP);
	dbki_buf_free(&c->arena);
	free(c->off);
	free(c->field);
	free(c->path);
	free(c->emsg);
	sodium_memzero(c, sizeof *c);
	free(c);
}
