/*
 * dealbook/error.h -- status codes and the error carrier.
 *
 * Every library function that can fail returns an int status: 0 on success,
 * one of the negative DBK_E* codes below on failure.  When the caller passes
 * a non-NULL struct dbk_error, the library also fills in a one-sentence
 * message naming the bad value.  The library never prints and never exits.
 *
 * Codes are append-only: never renumber or reuse one.
 */
#ifndef DEALBOOK_ERROR_H
#define DEALBOOK_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define DBK_OK            0
#define DBK_EINVAL      (-1)  /* invalid input: bad value, enum, date, amount */
#define DBK_ENOTFOUND   (-2)  /* no such record, store or member */
#define DBK_EPASS       (-3)  /* wrong passphrase */
#define DBK_ENOKEY      (-4)  /* a key needed for this is not held (restricted) */
#define DBK_EINTEGRITY  (-5)  /* authentication failed: tampered or moved data */
#define DBK_EIO         (-6)  /* operating-system I/O error (errno in message) */
#define DBK_ENOMEM      (-7)  /* allocation failed */
#define DBK_EEXIST      (-8)  /* already exists (store, customer code) */
#define DBK_EAMBIG      (-9)  /* an id prefix or name matches several records */
#define DBK_EWEAKKDF    (-10) /* stored KDF parameters are below the floor */
#define DBK_EBUSY       (-11) /* the store is already open in this process */
#define DBK_EGATE       (-12) /* a stage gate is not satisfied */
#define DBK_EFORMAT     (-13) /* unknown or malformed store format */
#define DBK_ELMDB       (-14) /* LMDB reported an error (text in message) */
#define DBK_EFULL       (-15) /* the map or the disk is full */
#define DBK_ECRYPTO     (-16) /* libsodium failed to initialise */

/*
 * An error carrier.  Zero-initialise it (struct dbk_error e = {0};), pass it
 * to library calls, and release the message with dbk_error_clear().  A call
 * that fails overwrites any previous content.
 */
struct dbk_error {
	int code;   /* the DBK_E* status of the last failure, 0 if none */
	char *msg;  /* one-sentence message, or NULL; dbk_error_clear frees it */
};

/* Free the message and reset the carrier.  Accepts NULL. */
void dbk_error_clear(struct dbk_error *err);

/* A static description of a DBK_E* code; never NULL. */
const char *dbk_strerror(int code);

/*
 * The CLI's exit code for a status (DESIGN §8): 0 ok, 1 runtime, 2 usage,
 * 3 wrong passphrase / missing key, 4 not found, 5 invalid input,
 * 6 integrity failure.
 */
int dbk_exit_code(int code);

#ifdef __cplusplus
}
#endif
#endif /* DEALBOOK_ERROR_H */
