/*
 * i18n.c -- the process-wide language, catalog lookup, and the matcher
 * that turns a message the library formatted in English into Chinese.
 *
 * The catalog (i18n_zh.c) is keyed by the exact English text.  A CLI
 * message is translated before formatting: its format string is looked
 * up, and the Chinese format takes the same arguments.  A library
 * message arrives formatted; it is matched against the catalog's
 * formats, the texts its conversions printed are taken out, and put into
 * the Chinese format in the same order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

static int zh_on;

/* The language from now on: Chinese when zh. */
void
i18n_set_zh(int zh)
{
	zh_on = zh != 0;
}

/* Is the language Chinese? */
int
i18n_zh(void)
{
	return zh_on;
}

/* ---- the catalog ---- */

/* qsort/bsearch order of entries: by English text, byte-wise. */
static int
entry_cmp(const void *a, const void *b)
{
	const struct i18n_entry *x = a, *y = b;

	return strcmp(x->en, y->en);
}

/* bsearch order: the key is the English text itself. */
static int
key_cmp(const void *key, const void *b)
{
	const struct i18n_entry *y = b;

	return strcmp(key, y->en);
}

/* The tables, sorted at first use (the PRIu64-style macros of the file's
 * rows expand per platform, so the file's own order is only a guide). */
static struct i18n_entry *msgs, *phrases;
static size_t nmsgs, nphrases;

/* Load and sort the tables once. */
static void
load(void)
{
	if (msgs != NULL)
		return;
	msgs = i18n_zh_messages(&nmsgs);
	phrases = i18n_zh_phrases(&nphrases);
	qsort(msgs, nmsgs, sizeof *msgs, entry_cmp);
	qsort(phrases, nphrases, sizeof *phrases, entry_cmp);
}

/* The Chinese of en in a table, or NULL (no entry, or an empty one). */
static const char *
lookup(const struct i18n_entry *tab, size_t n, const char *en)
{
	const struct i18n_entry *e;

	e = bsearch(en, tab, n, sizeof *tab, key_cmp);
	return e != NULL && e->zh[0] != '\0' ? e->zh : NULL;
}

/* The Chinese of an exact catalog text, in Chinese; else the text. */
const char *
tr(const char *english)
{
	const char *zh;

	if (!zh_on || english == NULL)
		return english;
	load();
	zh = lookup(msgs, nmsgs, english);
	return zh != NULL ? zh : english;
}

/* Has english a Chinese text in the messages table? */
int
i18n_has(const char *english)
{
	load();
	return lookup(msgs, nmsgs, english) != NULL;
}

/* ---- system error texts ---- */

/* strerror's English for the errors a user meets, in Chinese.  Compared
 * with strerror() at run time, so they match whatever the C library says. */
static const struct {
	int code;
	const char *zh;
} errno_zh[] = {
	{ EPERM, "不允許的操作" },
	{ ENOENT, "沒有這個檔案或目錄" },
	{ EIO, "輸入／輸出錯誤" },
	{ EBADF, "無效的檔案描述符" },
	{ EAGAIN, "資源暫時無法使用" },
	{ ENOMEM, "記憶體不足" },
	{ EACCES, "沒有權限" },
	{ EBUSY, "裝置或資源忙碌中" },
	{ EEXIST, "檔案已存在" },
	{ EXDEV, "不能跨檔案系統連結" },
	{ ENOTDIR, "不是目錄" },
	{ EISDIR, "是一個目錄" },
	{ EINVAL, "無效的參數" },
	{ ENFILE, "系統開啟的檔案太多" },
	{ EMFILE, "開啟的檔案太多" },
	{ ETXTBSY, "檔案正被執行" },
	{ EFBIG, "檔案太大" },
	{ ENOSPC, "裝置上沒有剩餘空間" },
	{ EROFS, "唯讀的檔案系統" },
	{ EPIPE, "管線已斷開" },
	{ ENAMETOOLONG, "檔案名稱太長" },
	{ ENOTEMPTY, "目錄不是空的" },
	{ ELOOP, "符號連結的層數太多" },
	{ ECONNREFUSED, "連線被拒絕" },
	{ ETIMEDOUT, "連線逾時" },
	{ EDQUOT, "超出磁碟配額" },
	{ ESTALE, "檔案控制代碼已失效" },
};

/* A text inside a message in Chinese: a catalog phrase or a system error
 * text; NULL when it is neither. */
static const char *
phrase_zh(const char *s)
{
	const char *zh = lookup(phrases, nphrases, s);

	if (zh != NULL)
		return zh;
	for (size_t i = 0; i < sizeof errno_zh / sizeof errno_zh[0]; i++)
		if (strcmp(strerror(errno_zh[i].code), s) == 0)
			return errno_zh[i].zh;
	return NULL;
}

/* s (malloc'd) with a system error text at its end in Chinese; s itself
 * when it has none; NULL (s freed) when memory runs out. */
static char *
errno_suffix(char *s)
{
	size_t l = strlen(s);

	for (size_t i = 0; i < sizeof errno_zh / sizeof errno_zh[0]; i++) {
		const char *en = strerror(errno_zh[i].code);
		size_t n = strlen(en);
		char *out = NULL;
		if (n == 0 || n > l || strcmp(s + l - n, en) != 0)
			continue;
		if (asprintf(&out, "%.*s%s", (int)(l - n), s, errno_zh[i].zh) < 0)
			out = NULL;
		free(s);
		return out;
	}
	return s;
}

/* A CLI message in Chinese, or NULL in English (see i18n.h). */
char *
i18n_vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (!zh_on)
		return NULL;
	if (vasprintf(&s, tr(fmt), ap) < 0)
		return NULL;
	return errno_suffix(s);
}

/* ---- a growable string ---- */

struct sb {
	char *p;
	size_t len, cap;
	int oom;
};

/* Append n bytes of s. */
static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *np;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* The string built, or NULL after a failed allocation (freed). */
static char *
sb_done(struct sb *b)
{
	if (b->oom || b->p == NULL) {
		free(b->p);
		return b->oom ? NULL : strdup("");
	}
	return b->p;
}

/* ---- conversion specifications ---- */

/* The length of the conversion at f (which points at '%'), 0 when it is
 * none (a lone '%').  "%%" is not handled here. */
static size_t
spec_len(const char *f)
{
	const char *p = f + 1;

	p += strspn(p, "-+ #0'");
	if (*p == '*')
		p++;
	else
		p += strspn(p, "0123456789");
	if (*p == '.') {
		p++;
		if (*p == '*')
			p++;
		else
			p += strspn(p, "0123456789");
	}
	if ((p[0] == 'h' && p[1] == 'h') || (p[0] == 'l' && p[1] == 'l'))
		p += 2;
	else if (*p != '\0' && strchr("hljztLq", *p) != NULL)
		p++;
	if (*p == '\0' || strchr("diouxXeEfFgGaAcspn", *p) == NULL)
		return 0;
	return (size_t)(p - f) + 1;
}

/* Does the conversion of length n at f print a number (never nothing)? */
static int
spec_numeric(const char *f, size_t n)
{
	return f[n - 1] != 's';
}

/* How many conversions fmt has. */
static size_t
spec_count(const char *fmt)
{
	size_t n = 0, l;

	for (const char *f = fmt; *f; f++) {
		if (*f != '%')
			continue;
		if (f[1] == '%') {
			f++;
			continue;
		}
		if ((l = spec_len(f)) > 0) {
			n++;
			f += l - 1;
		}
	}
	return n;
}

/* The number of literal characters of fmt: how specific a match is. */
static size_t
literal_count(const char *fmt)
{
	size_t n = 0, l;

	for (const char *f = fmt; *f; f++) {
		if (*f == '%' && f[1] == '%') {
			n++;
			f++;
		} else if (*f == '%' && (l = spec_len(f)) > 0) {
			f += l - 1;
		} else {
			n++;
		}
	}
	return n;
}

/* Has fmt a letter outside its conversions (is it more than "%s: %s")? */
static int
has_word(const char *fmt)
{
	size_t l;

	for (const char *f = fmt; *f; f++) {
		if (*f == '%' && f[1] == '%')
			f++;
		else if (*f == '%' && (l = spec_len(f)) > 0)
			f += l - 1;
		else if ((*f >= 'a' && *f <= 'z') || (*f >= 'A' && *f <= 'Z'))
			return 1;
	}
	return 0;
}

/* ---- the matcher ---- */

struct span {
	size_t off, len;
	int quoted;        /* in '...' in the English: a value, kept as is */
};

struct mstate {
	const char *fmt;   /* the whole English format */
	const char *msg;   /* the whole message */
	struct span *sp;
	long budget;       /* steps left: a pathological case gives up */
};

/* Does the message from m on match the format from f on?  Conversion k
 * and the following fill sp[k...].  Each conversion takes the shortest
 * run that lets the rest match (trying longer ones on failure). */
static int
match_from(struct mstate *st, const char *f, const char *m, size_t k)
{
	for (;;) {
		size_t l;

		if (--st->budget < 0)
			return 0;
		if (*f == '\0')
			return *m == '\0';
		if (*f == '%' && f[1] == '%') {
			if (*m != '%')
				return 0;
			f += 2;
			m++;
			continue;
		}
		if (*f == '%' && (l = spec_len(f)) > 0) {
			const char *next = f + l;
			size_t rest = strlen(m);
			int anchor = -1; /* the literal byte after it, if any */
			if (*next == '%' && next[1] == '%')
				anchor = '%';
			else if (*next != '%' && *next != '\0')
				anchor = (unsigned char)*next;
			for (size_t j = spec_numeric(f, l) ? 1 : 0; j <= rest; j++) {
				if (*next == '\0' && j != rest)
					continue;
				if (anchor >= 0 && (unsigned char)m[j] != anchor)
					continue;
				st->sp[k].off = (size_t)(m - st->msg);
				st->sp[k].len = j;
				st->sp[k].quoted = f > st->fmt && f[-1] == '\'';
				if (match_from(st, next, m + j, k + 1))
					return 1;
				if (st->budget < 0)
					return 0;
			}
			return 0;
		}
		if (*f != *m)
			return 0;
		f++;
		m++;
	}
}

static char *translate(const char *msg, int depth);
static char *apply(const char *en_fmt, const char *zh_fmt, const char *msg,
    int depth);

/* A text an unquoted conversion printed, in Chinese: a phrase, a system
 * error text, or (a text with a space, not too deep) a message of its
 * own, like the library's message a "%s: row %zu: %s" carries.  A
 * malloc'd string, or NULL to keep it as it is. */
static char *
piece_zh(const char *s, int depth)
{
	const char *zh = phrase_zh(s);
	char *r;

	if (zh != NULL)
		return strdup(zh);
	if (depth >= 2 || strchr(s, ' ') == NULL)
		return NULL;
	if ((r = translate(s, depth + 1)) != NULL && strcmp(r, s) == 0) {
		free(r);
		r = NULL;
	}
	return r;
}

/* zh_fmt with its conversions replaced by the spans of msg, in order. */
static char *
rebuild(const char *zh_fmt, const char *msg, const struct span *sp,
    size_t nsp, int depth)
{
	struct sb b = { 0 };
	size_t k = 0, l;

	for (const char *f = zh_fmt; *f; f++) {
		if (*f == '%' && f[1] == '%') {
			sb_add(&b, "%", 1);
			f++;
		} else if (*f == '%' && (l = spec_len(f)) > 0) {
			/* "%.0s": an English-only piece the Chinese leaves out. */
			if (l == 4 && strncmp(f, "%.0s", 4) == 0) {
				/* nothing */
			} else if (k < nsp) {
				const char *piece = msg + sp[k].off;
				char *dup = NULL, *zh = NULL;
				if (!sp[k].quoted &&
				    (dup = strndup(piece, sp[k].len)) != NULL)
					zh = piece_zh(dup, depth);
				if (zh != NULL)
					sb_add(&b, zh, strlen(zh));
				else
					sb_add(&b, piece, sp[k].len);
				free(zh);
				free(dup);
			}
			k++;
			f += l - 1;
		} else {
			sb_add(&b, f, 1);
		}
	}
	return sb_done(&b);
}

/* i18n_apply, depth levels down in messages inside messages. */
static char *
apply(const char *en_fmt, const char *zh_fmt, const char *msg, int depth)
{
	size_t n = spec_count(en_fmt);
	struct span *sp = calloc(n + 1, sizeof *sp);
	struct mstate st = { en_fmt, msg, sp, 100000 };
	char *out = NULL;

	if (sp == NULL)
		return NULL;
	if (match_from(&st, en_fmt, msg, 0))
		out = rebuild(zh_fmt, msg, sp, n, depth);
	free(sp);
	return out;
}

/* msg, if en_fmt made it, in zh_fmt (see i18n.h). */
char *
i18n_apply(const char *en_fmt, const char *zh_fmt, const char *msg)
{
	load();
	return apply(en_fmt, zh_fmt, msg, 0);
}

/* msg in Chinese: a phrase, else the catalog format that matches it with
 * the most literal text (inside another message, one with words: "%s: %s"
 * would take any text with a colon).  NULL when nothing matches. */
static char *
translate(const char *msg, int depth)
{
	const char *zh;
	char *best = NULL;
	size_t bestlit = 0;

	if ((zh = phrase_zh(msg)) != NULL)
		return strdup(zh);
	for (size_t i = 0; i < nmsgs; i++) {
		size_t lit;
		char *r;
		if (msgs[i].zh[0] == '\0')
			continue;
		lit = literal_count(msgs[i].en);
		/* "%s" (a message passed on whole) would give msg back. */
		if (lit == 0 || (best != NULL && lit <= bestlit) ||
		    (depth > 0 && !has_word(msgs[i].en)))
			continue;
		if ((r = apply(msgs[i].en, msgs[i].zh, msg, depth)) == NULL)
			continue;
		free(best);
		best = r;
		bestlit = lit;
	}
	return best;
}

/* A library message in Chinese, or NULL (see i18n.h). */
char *
i18n_message(const char *msg)
{
	if (!zh_on || msg == NULL)
		return NULL;
	load();
	return translate(msg, 0);
}
