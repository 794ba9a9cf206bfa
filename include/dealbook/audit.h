/*
 * dealbook/audit.h -- the audit trail, backups and the store check.
 *
 * Every change to the store appends one audit entry: sequence, time,
 * member, replica, action, record and the names of the changed fields
 * (never their values), chained by hash to the entry before.  The chain
 * head is signed with the member's Ed25519 key at the end of each
 * command, so a deleted, reordered, inserted, edited or truncated entry
 * is found by dbk_audit_verify.
 */
#ifndef DEALBOOK_AUDIT_H
#define DEALBOOK_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "dealbook/error.h"
#include "dealbook/record.h"
#include "dealbook/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dbk_audit_entry {
	uint64_t seq;
	int64_t time;          /* Unix seconds */
	const char *member;
	const char *replica;   /* 16 hex digits */
	const char *action;    /* create, update, delete, init, passwd, gate-override */
	const char *type;      /* record type name, or "" */
	const char *id;        /* 32-hex record id, or "" */
	const char *const *fields;
	size_t nfields;
};
typedef int (*dbk_audit_fn)(const struct dbk_audit_entry *e, void *ctx);

/* Every entry in sequence order (borrowed until fn returns). */
int dbk_audit_list(struct dbk_txn *t, dbk_audit_fn fn, void *ctx,
    struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * Walk the chain and check the signed head.  0 when intact; else
 * DBK_EINTEGRITY with a message naming the first bad entry, and *bad
 * (may be NULL) set to its sequence number (0 for the head itself).
 */
int dbk_audit_verify(struct dbk_txn *t, uint64_t *bad, uint64_t *count,
    struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * Write a compacted, still encrypted copy of the store to `path`
 * through a temporary file in the same directory, fsync and rename (an
 * existing file is replaced atomically).  It opens with the same
 * passphrase: copy it to DIR/data.mdb.  Consistent while other
 * processes write.  Errors: DBK_EIO, DBK_EFULL, DBK_ELMDB.
 */
int dbk_store_backup(struct dbk_store *s, const char *path,
    struct dbk_error *err) __attribute__((warn_unused_result));

/* One problem found by the check. */
struct dbk_problem {
	const char *where;   /* "customer 5cc2b7c5...", "audit entry 12", ... */
	const char *field;   /* the field, or NULL */
	const char *what;    /* one sentence */
};
typedef int (*dbk_problem_fn)(const struct dbk_problem *p, void *ctx);

/*
 * Decrypt every value of every database, check the indexes against the
 * records and the records against the indexes, and verify the audit
 * chain.  Calls fn for each problem; *nproblems gets the count.  Returns
 * 0 when the check ran (whatever it found), or an error that stopped it.
 */
int dbk_store_check(struct dbk_store *s, dbk_problem_fn fn, void *ctx,
    size_t *nproblems, struct dbk_error *err) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif /* DEALBOOK_AUDIT_H */
