/*
 * team.h -- the team items of a bundle (team.c): the team and its
 * restricted key's public halves, the key sealed to each entitled
 * recipient, the manager's roster; and joining a team on import.
 */
#ifndef DEALBOOK_TEAM_H
#define DEALBOOK_TEAM_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "internal.h"

/* The store is in a team / is one of its managers. */
int dbki_team_member(const struct dbk_store *s);
int dbki_team_manager(const struct dbk_store *s);

/* One recipient of an export: X25519 key, may hold the restricted key. */
struct dbki_team_rcpt {
	const uint8_t *x;
	int restricted;
};

/* Append the team items for these recipients to an export's plaintext:
 * nothing outside a team; the team item from every member; keys and
 * roster from a manager. */
int dbki_team_export(struct dbk_txn *t, const struct dbki_team_rcpt *r,
    size_t n, struct dbki_buf *b, struct dbk_error *err) DBK_WUR;

/* An import's view of the team items (zero it, then fill the inputs). */
struct dbki_team_in {
	/* inputs */
	const char *sender_name;
	uint8_t hdr_team[16];  /* the team id in the bundle's header */
	int manager;           /* the sender may send keys and roster */
	int roster_newer;      /* the sender's newest bundle so far */
	/* found on the way */
	int saw_team, joined, gained;
	uint8_t team_id[16];
	size_t roster_changes, resealed;
};

/* Apply o if it is a team item (*handled = 1), else leave it
 * (*handled = 0).  Keys or roster from a sender who is not a manager
 * refuse the bundle (DBK_EINTEGRITY). */
int dbki_team_item(struct dbk_txn *t, struct dbki_team_in *ti, const cJSON *o,
    int *handled, struct dbk_error *err) DBK_WUR;

/* After every item: a store that joined seals its own sensitive values
 * (epoch 0) again under the team's key. */
int dbki_team_finish(struct dbk_txn *t, struct dbki_team_in *ti,
    struct dbk_error *err) DBK_WUR;

#endif
