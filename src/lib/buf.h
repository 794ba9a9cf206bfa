/* buf.h -- a growable byte buffer with a ceiling (curl's dynbuf in
 * spirit).  Contents may be plaintext: dbki_buf_free wipes them. */
#ifndef DEALBOOK_BUF_H
#define DEALBOOK_BUF_H

#include <stddef.h>

struct dbki_buf {
	char *p;
	size_t len, cap, max;
	int oom; /* sticky: an append failed or passed max */
};

void dbki_buf_init(struct dbki_buf *b, size_t max);
void dbki_buf_free(struct dbki_buf *b);
void dbki_buf_add(struct dbki_buf *b, const void *p, size_t n);
/* Room for n more bytes (and the NUL) without adding them: 0 or -1. */
int dbki_buf_reserve(struct dbki_buf *b, size_t n);
void dbki_buf_adds(struct dbki_buf *b, const char *s);
void dbki_buf_addc(struct dbki_buf *b, char c);
/* A JSON string literal with escapes. */
void dbki_buf_add_json(struct dbki_buf *b, const char *s);

#endif
