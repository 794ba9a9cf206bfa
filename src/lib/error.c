/*
 * error.c -- the error carrier and the status -> text / exit-code maps.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * The message when the message itself cannot be allocated: a failure
 * never comes back without text.  Static, so never freed.
 */
static char nomem_msg[] = "out of memory (the error's own message could "
    "not be allocated)";

void
dbk_error_clear(struct dbk_error *err)
{
	if (err == NULL)
		return;
	if (err->msg != nomem_msg)
		free(err->msg);
	err->msg = NULL;
	err->code = 0;
}

const char *
dbk_strerror(int code)
{
	switch (code) {
	case DBK_OK:         return "success";
	case DBK_EINVAL:     return "invalid input";
	case DBK_ENOTFOUND:  return "not found";
	case DBK_EPASS:      return "wrong passphrase";
	case DBK_ENOKEY:     return "the key needed for this is not held";
	case DBK_EINTEGRITY: return "integrity check failed";
	case DBK_EIO:        return "input/output error";
	case DBK_ENOMEM:     return "out of memory";
	case DBK_EEXIST:     return "already exists";
	case DBK_EAMBIG:     return "ambiguous reference";
	case DBK_EWEAKKDF:   return "key-derivation parameters below the floor";
	case DBK_EBUSY:      return "store already open in this process";
	case DBK_EGATE:      return "stage gate not satisfied";
	case DBK_EFORMAT:    return "unknown or malformed store format";
	case DBK_ELMDB:      return "database error";
	case DBK_EFULL:      return "storage full";
	case DBK_ECRYPTO:    return "cryptography library failed to start";
	default:             return "unknown error";
	}
}

int
dbk_exit_code(int code)
{
	switch (code) {
	case DBK_OK:
		return 0;
	case DBK_EPASS:
	case DBK_ENOKEY:
		return 3;
	case DBK_ENOTFOUND:
		return 4;
	case DBK_EINVAL:
	case DBK_EEXIST:
	case DBK_EAMBIG:
	case DBK_EGATE:
		return 5;
	case DBK_EINTEGRITY:
	case DBK_EWEAKKDF:
	case DBK_EFORMAT:
		return 6;
	default:
		return 1;
	}
}

int
dbki_error_set(struct dbk_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int n;

	if (err == NULL)
		return code;
	dbk_error_clear(err);
	err->code = code;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	err->msg = n >= 0 ? msg : nomem_msg;
	return code;
}

int
dbki_error_errno(struct dbk_error *err, int code, const char *what,
    const char *path)
{
	return dbki_error_set(err, code, "%s '%s' failed: %s", what, path,
	    strerror(errno));
}
