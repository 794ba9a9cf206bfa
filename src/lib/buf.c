/*
 * buf.c -- growable buffer and the JSON string writer.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "fault.h"

void
dbki_buf_init(struct dbki_buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max;
}

void
dbki_buf_free(struct dbki_buf *b)
{
	if (b->p != NULL) {
		sodium_memzero(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof *b);
}

static int
grow(struct dbki_buf *b, size_t need)
{
	size_t cap;
	char *np;

	if (b->oom)
		return -1;
	if (need > b->max - b->len) {
		b->oom = 1;
		return -1;
	}
	if (b->len + need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap *= 2;
	/* Grow by copy so the old block can be wiped, never realloc'd
	 * away with plaintext left behind. */
	if ((np = malloc(cap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	if (b->p != NULL) {
		memcpy(np, b->p, b->len);
		sodium_memzero(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = cap;
	return 0;
}

int
dbki_buf_reserve(struct dbki_buf *b, size_t n)
{
	return grow(b, n);
}

void
dbki_buf_add(struct dbki_buf *b, const void *p, size_t n)
{
	if (grow(b, n) != 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
dbki_buf_adds(struct dbki_buf *b, const char *s)
{
	dbki_buf_add(b, s, strlen(s));
}

void
dbki_buf_addc(struct dbki_buf *b, char c)
{
	dbki_buf_add(b, &c, 1);
}

void
dbki_buf_add_json(struct dbki_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	dbki_buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6];
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		dbki_buf_add(b, run, (size_t)(s - run));
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
			esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
			elen = 6;
		}
		dbki_buf_add(b, esc, elen);
		run = s + 1;
	}
	dbki_buf_add(b, run, (size_t)(s - run));
	dbki_buf_addc(b, '"');
}
