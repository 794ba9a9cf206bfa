/*
 * dealbook/store.h -- the encrypted store: create, open, close, change the
 * passphrase, public identity, and transactions.
 *
 * A store is a directory holding one LMDB environment.  Every value in it
 * is encrypted with a random data key (DEK) under XChaCha20-Poly1305; the
 * DEK is wrapped by a key derived from the passphrase with Argon2id.
 */
#ifndef DEALBOOK_STORE_H
#define DEALBOOK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "dealbook/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DBK_FORMAT_VERSION 1u

struct dbk_store;
struct dbk_txn;

/* Argon2id cost levels.  DBK_KDF_TEST exists only in builds made with
 * DBK_TESTING; release builds refuse it like any parameters under the
 * interactive floor. */
enum dbk_kdf {
	DBK_KDF_INTERACTIVE = 0, /* ops 2, 64 MiB: the floor */
	DBK_KDF_MODERATE,        /* ops 3, 256 MiB: the default */
	DBK_KDF_SENSITIVE,       /* ops 4, 1 GiB */
	DBK_KDF_TEST             /* ops 1, 8 KiB: test builds only */
};

/* Start the library (libsodium, the zeroing cJSON allocator, core dumps
 * off).  Call once before anything else; safe to call again. */
int dbk_init(struct dbk_error *err) __attribute__((warn_unused_result));

/* Non-zero when built with DBK_TESTING (weak KDF and clock override). */
int dbk_is_test_build(void);

/* Parse "interactive", "moderate", "sensitive" (and "test" in test
 * builds).  0 or DBK_EINVAL. */
int dbk_kdf_parse(const char *s, enum dbk_kdf *out)
	__attribute__((warn_unused_result));

/* Secure memory for passphrases: sodium_malloc'd, guarded, wiped on free.
 * NULL on failure.  dbk_secure_free accepts NULL. */
void *dbk_secure_alloc(size_t n);
void dbk_secure_free(void *p);

struct dbk_init_opts {
	const char *member;   /* this member's display name; required */
	const char *team;     /* non-NULL founds a team with this name */
	const char *currency; /* ISO code, NULL = "CNY" */
	enum dbk_kdf kdf;
	int64_t clock;        /* "now" for the creation (0: wall time); as
	                         dbk_store_set_clock, for tests and tools */
};

/*
 * Create a new store in directory `path` (created 0700 if missing; must
 * not already hold a store).  Generates the store id, replica id, DEK,
 * the member's Ed25519 and X25519 keys and a restricted key (the team's
 * when opts->team is set, else a provisional one).  Errors: DBK_EEXIST,
 * DBK_EINVAL, DBK_EIO, DBK_ELMDB, DBK_ENOMEM.
 */
int dbk_store_create(const char *path, const char *pass, size_t passlen,
    const struct dbk_init_opts *opts, struct dbk_error *err)
	__attribute__((warn_unused_result));

/*
 * Open the store at `path` and unlock it with the passphrase.  Clears
 * stale readers, checks the LMDB flags, refuses KDF parameters under the
 * floor (DBK_EWEAKKDF).  Errors: DBK_ENOTFOUND (no store), DBK_EPASS,
 * DBK_EFORMAT, DBK_EWEAKKDF, DBK_EBUSY (already open in this process),
 * DBK_ELMDB, DBK_EIO.  *out is set only on success.
 */
int dbk_store_open(const char *path, const char *pass, size_t passlen,
    struct dbk_store **out, struct dbk_error *err)
	__attribute__((warn_unused_result));

/* Warnings found at open (not errors: the store is usable). */
#define DBK_W_REMOTE_FS 0x01u /* on NFS, CIFS, FUSE...: locking and mmap
                                 coherence are not guaranteed (R19) */
#define DBK_W_OLD_KEY   0x02u /* after passwd: a free page still holds the
                                 data key wrapped under the old passphrase
                                 (another process kept it alive) */
unsigned dbk_store_warnings(const struct dbk_store *s);

/* Progress of long operations (backup, check; later import, export,
 * eval): fn(what, done, total, ctx) is called now and then from the
 * calling thread, with total 0 when unknown.  NULL turns it off. */
typedef void (*dbk_progress_fn)(const char *what, uint64_t done,
    uint64_t total, void *ctx);
void dbk_store_set_progress(struct dbk_store *s, dbk_progress_fn fn, void *ctx);

/* Close and wipe every key.  Accepts NULL. */
void dbk_store_close(struct dbk_store *s);

/* Does `path` hold a store?  1 yes, 0 no. */
int dbk_store_exists(const char *path);

/* Re-wrap the DEK under a new passphrase (same KDF level unless kdf >= 0
 * names another).  Data is not re-encrypted. */
int dbk_store_passwd(struct dbk_store *s, const char *newpass, size_t newlen,
    int kdf, struct dbk_error *err) __attribute__((warn_unused_result));

/* One-line public identity "dbk1:<base64url(ed25519 pk || x25519 pk)>"
 * (malloc'd, caller frees) and the member name (borrowed until close). */
char *dbk_store_identity(const struct dbk_store *s);
const char *dbk_store_member(const struct dbk_store *s);

/*
 * Rollback (RELIABILITY R13).  When an imported bundle shows that a
 * teammate holds a bundle of this store's with a higher sequence number
 * than this store ever made, the store was put back to an older copy:
 * dbk_store_rollback returns that sequence number (0 when all is well)
 * and every write except imports is refused (DBK_EINTEGRITY) until the
 * user accepts it.  Accepting moves the bundle sequence past what the
 * teammate saw, so the next bundle cannot be taken for an equivocation.
 * *seq (may be NULL) receives the sequence number accepted (0: none).
 */
uint64_t dbk_store_rollback(const struct dbk_store *s);
int dbk_store_accept_rollback(struct dbk_store *s, uint64_t *seq,
    struct dbk_error *err) __attribute__((warn_unused_result));
const char *dbk_store_currency(const struct dbk_store *s);
int dbk_store_minor_digits(const struct dbk_store *s);
/* Does this member hold the restricted key (can read sensitive fields)? */
int dbk_store_has_restricted(const struct dbk_store *s);
/* KDF level the store was created or last re-wrapped with. */
const char *dbk_store_kdf_name(const struct dbk_store *s);

/* The clock used for "now": wall time, unless overridden (test builds and
 * trusted tools such as the demo generator may set it; 0 = wall time). */
int64_t dbk_store_now(const struct dbk_store *s);
void dbk_store_set_clock(struct dbk_store *s, int64_t unix_seconds);

/*
 * Run fn inside one transaction.  Write transactions commit when fn
 * returns 0 and abort otherwise; if the map fills up, the transaction is
 * aborted, the map grown, and fn run again from the start -- so fn must
 * only act through the txn.  fn's status is returned.
 */
typedef int (*dbk_txn_fn)(struct dbk_txn *txn, void *ctx, struct dbk_error *err);
int dbk_store_read(struct dbk_store *s, dbk_txn_fn fn, void *ctx,
    struct dbk_error *err) __attribute__((warn_unused_result));
int dbk_store_write(struct dbk_store *s, dbk_txn_fn fn, void *ctx,
    struct dbk_error *err) __attribute__((warn_unused_result));

/* Explicit transactions for bulk loaders: begin, many operations, commit.
 * A DBK_EFULL status means the txn is dead: abort it and start over. */
int dbk_txn_begin(struct dbk_store *s, int write, struct dbk_txn **out,
    struct dbk_error *err) __attribute__((warn_unused_result));
int dbk_txn_commit(struct dbk_txn *txn, struct dbk_error *err)
	__attribute__((warn_unused_result));
void dbk_txn_abort(struct dbk_txn *txn);
struct dbk_store *dbk_txn_store(struct dbk_txn *txn);

#ifdef __cplusplus
}
#endif
#endif /* DEALBOOK_STORE_H */
