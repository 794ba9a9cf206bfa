/*
 * i18n.h -- the program's messages in Chinese: a catalog keyed by the
 * exact English text (src/cli/i18n_zh.c), no gettext (which needs the
 * locale generated on the machine).
 *
 * The language is process-wide: main.c sets it from the environment
 * first, then from --lang, before anything can be printed.  In English
 * every function here hands its argument back unchanged.
 *
 * tools/check-i18n.py checks that every message of the sources has an
 * entry; run it after adding or changing a message.
 */
#ifndef DEALBOOK_I18N_H
#define DEALBOOK_I18N_H

#include <stdarg.h>
#include <stddef.h>

/* One catalog row: the English text (a format string for messages) and
 * its Chinese, with the same conversions in the same order.  An empty
 * Chinese text counts as no translation. */
struct i18n_entry {
	const char *en;
	const char *zh;
};

/* The catalog tables (i18n_zh.c).  Messages: CLI formats, help texts
 * and the library's formats.  Phrases: texts the library puts inside its
 * messages ("opening a cursor") and dbk_strerror's texts.  The tables may
 * be sorted in place (i18n.c does at first use). */
struct i18n_entry *i18n_zh_messages(size_t *n);
struct i18n_entry *i18n_zh_phrases(size_t *n);

/* Choose Chinese (1) or English (0) for everything printed from now on. */
void i18n_set_zh(int zh);
int i18n_zh(void);

/* The Chinese of an exact catalog text when the language is Chinese,
 * else english itself.  For formats: the Chinese keeps the conversions,
 * so the result takes the same arguments. */
const char *tr(const char *english) __attribute__((format_arg(1)));

/* A CLI message in Chinese: fmt's catalog format with the arguments of
 * ap, and a system error text (strerror) that ends it in Chinese too.  A
 * malloc'd string; NULL when the language is English or memory ran out
 * (then format it as usual: ap may have been used, so va_start again). */
char *i18n_vformat(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

/* Has english a (non-empty) Chinese entry in the messages table?
 * Whatever the language. */
int i18n_has(const char *english);

/*
 * A message the library formatted (struct dbk_error's msg, or a
 * dbk_strerror text) in Chinese: a phrase of the catalog, else the
 * catalog format that matches it with the most literal text, its
 * arguments carried over in order.  A malloc'd string, or NULL when the
 * language is English, nothing matches, or memory ran out: then print
 * the message as it is.
 */
char *i18n_message(const char *msg);

/*
 * The matcher underneath (also for tests): if msg is what the printf
 * format en_fmt produces for some arguments, the same arguments (as the
 * texts they printed as) put into zh_fmt, in order, as a malloc'd string.
 * A conversion (%s, %d, %zu, %.8s, %" PRIu64 "...) matches any run of
 * characters (a numeric one at least one), as short as the literal text
 * around it allows, with backtracking.  Arguments not in quotes in
 * en_fmt that are catalog phrases or system error texts are translated
 * too.  NULL when msg does not match (or memory ran out).
 */
char *i18n_apply(const char *en_fmt, const char *zh_fmt, const char *msg);

#endif
