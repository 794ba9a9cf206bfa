/*
 * dealbook/roster.h -- the team roster: the members a store knows, their
 * public identities, roles and whether they hold the restricted key.
 *
 * A member is a record of type "member" whose every field is set by this
 * API.  Each carries an Ed25519 signature by the store's own identity
 * key over the record's id and all its other fields (docs/STORAGE.md), so
 * a member or a key written into the store some other way (a tool, a
 * bug, a future merge) is found by dbk_roster_verify: export calls it
 * before it encrypts to anyone.  Removing a member keeps the record
 * (history and old bundles still name them), stamps removed_at and
 * rotates the restricted key to a new epoch.
 *
 * The store's own member (dbk_store_member, dbk_store_identity) is on
 * the roster implicitly and has no record.
 */
#ifndef DEALBOOK_ROSTER_H
#define DEALBOOK_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "dealbook/error.h"
#include "dealbook/record.h"
#include "dealbook/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest member name, in bytes (after trimming). */
#define DBK_MEMBER_NAME_MAX 200

/* One member as the walk shows it.  Strings are borrowed until fn
 * returns. */
struct dbk_member {
	struct dbk_id id;
	const char *name;
	const char *identity;  /* "dbk1:<base64url(ed25519 pk || x25519 pk)>" */
	const char *role;      /* "member", "manager" or "partner" */
	int restricted;        /* receives the restricted key in bundles */
	int64_t added;         /* Unix seconds */
	const char *added_by;  /* the store member who added them */
	int64_t removed_at;    /* Unix seconds; 0 while on the roster */
};
typedef int (*dbk_member_fn)(const struct dbk_member *m, void *ctx);

/*
 * Check a public identity as `dealbook whoami` prints it: "dbk1:" and
 * the unpadded base64url of 64 bytes, an Ed25519 public key that is a
 * valid point of the main subgroup, then an X25519 public key that is
 * not of low order.  ed and x (may be NULL) receive the two keys.
 * Errors: DBK_EINVAL naming the value and what is wrong with it.
 */
int dbk_identity_parse(const char *identity, uint8_t ed[32], uint8_t x[32],
    struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * Add a member: name (trimmed; unique among members not removed, case
 * counts), identity (dbk_identity_parse; surrounding blanks ignored),
 * role ("member", "manager" or "partner"; NULL = "member"), restricted
 * (non-zero: later bundles carry them the restricted key).  Signs the
 * record with the store's identity key.  *out (may be NULL) receives
 * the record's id.  Errors: DBK_EINVAL (bad name, identity or role; the
 * store's own identity or member name: "that is you"), DBK_EEXIST (the
 * name, or either half of the identity, already on the roster; the
 * message names that member).
 */
int dbk_member_add(struct dbk_txn *t, const char *name, const char *identity,
    const char *role, int restricted, struct dbk_id *out,
    struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * Remove the member called `name` (exactly, after trimming) from the
 * roster: the record stays with removed_at set and is signed again, and
 * the restricted key is rotated (dbki_rkeys_rotate): values sealed from
 * now on use the new epoch, which later bundles never carry to them.
 * What they already received stays readable to them.  *out and *epoch
 * (may be NULL) receive the record's id and the new key epoch.
 * Errors: DBK_ENOTFOUND (no such member, or already removed),
 * DBK_EINVAL (the store's own member), DBK_ENOKEY (this store does not
 * hold the current restricted key, so it cannot rotate it),
 * DBK_EINTEGRITY (the roster fails dbk_roster_verify).
 */
int dbk_member_remove(struct dbk_txn *t, const char *name, struct dbk_id *out,
    uint32_t *epoch, struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * Call fn on every member, on the roster and removed (m->removed_at
 * says which), in id order: the order they were added, to the
 * millisecond.  Each record's signature
 * is checked before fn sees it: the first that fails stops the walk
 * with DBK_EINTEGRITY (fn may already have seen earlier members; call
 * dbk_roster_verify first to know before any).  A non-zero return from
 * fn stops the walk and is returned.
 */
int dbk_member_walk(struct dbk_txn *t, dbk_member_fn fn, void *ctx,
    struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * Check every member record's signature (removed ones and tombstones
 * included).  0 when all hold, with *count (may be NULL) the number of
 * records checked; else DBK_EINTEGRITY with a message naming the first
 * member that fails.  Export calls this before using any member's key.
 */
int dbk_roster_verify(struct dbk_txn *t, size_t *count, struct dbk_error *err)
	__attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif /* DEALBOOK_ROSTER_H */
