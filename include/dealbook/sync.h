/*
 * dealbook/sync.h -- team sync by bundles (DESIGN §5, docs/BUNDLE.md):
 * export records to roster members in one sealed, signed file; import
 * such a file, merging per field.  Restricted-key distribution is still
 * to come: sensitive fields stay home.
 */
#ifndef DEALBOOK_SYNC_H
#define DEALBOOK_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "dealbook/error.h"
#include "dealbook/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dbk_export_info {
	uint64_t seq;              /* this store's bundle sequence number */
	size_t records, recipients;
	size_t bytes;
};

/*
 * Write a bundle to the named roster members (at least one) at path: the
 * records with a version any of them lacks, by the version vector each
 * last sent us (all of them with full, or for a member never heard
 * from); the bundle carries our own vector.  At path, through a temporary file in the same directory, fsync
 * and rename.  The roster is verified first (DBK_EINTEGRITY when a
 * member's signature fails).  customers (may be NULL: everything)
 * selects customers -- "owner=NAME", or customer codes separated by
 * commas -- and sends only them with their contacts, interactions,
 * objections, competitors, stages, deals, payments and plans (what a
 * channel partner may see; no goals, reviews or runs).  Errors:
 * DBK_ENOTFOUND naming an unknown or removed member or customer,
 * DBK_EINVAL for a selection that selects nothing, DBK_EIO.
 */
int dbk_export(struct dbk_store *s, const char *const *to, size_t nto,
    const char *customers, int full, const char *path,
    struct dbk_export_info *info, struct dbk_error *err)
	__attribute__((warn_unused_result));

struct dbk_import_report {
	char sender[256];          /* the sender's roster name, or identity */
	uint64_t seq;
	int already;               /* imported before: nothing changed */
	size_t added, updated, conflicts, tombstoned, quarantined, rejected;
	int joined;                /* this store joined the sender's team */
	char team[256];            /* its name, when joined */
	int key_received;          /* a restricted key it lacked arrived */
	size_t roster_changes;     /* members the manager's roster changed */
	/* W_ROLLBACK: the sender holds this store's bundle of this sequence
	 * number, which the store never made (see dbk_store_rollback); 0
	 * when all is well. */
	uint64_t rollback;
};

/*
 * Check and import the bundle at path, all or nothing, in one
 * transaction with its audit entries.  The sender must be on the roster
 * (or, for a first contact, be trust_identity).  dry_run: check and count
 * but write nothing.  Errors: DBK_EFORMAT, DBK_EINTEGRITY (signature,
 * payload, unknown sender, a sender named differently inside, the same
 * sequence number with another bundle), DBK_ENOKEY (not addressed to
 * this member), DBK_EIO.  A bundle imported before is not an error:
 * report->already is set and nothing changes.
 */
int dbk_import(struct dbk_store *s, const char *path, int dry_run,
    const char *trust_identity, struct dbk_import_report *report,
    struct dbk_error *err) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* DEALBOOK_SYNC_H */
