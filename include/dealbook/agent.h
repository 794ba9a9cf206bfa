/*
 * dealbook/agent.h -- the unlock agent: a small process that keeps a
 * store's unwrapped data key in locked memory and hands it, over a Unix
 * socket only this user can reach, to dealbook commands, so that they
 * skip the passphrase and its key derivation.  Like ssh-agent.
 *
 * The socket lives in $XDG_RUNTIME_DIR/dealbook/ (else
 * /tmp/dealbook-<uid>/, created 0700 and checked), mode 0600; the agent
 * also checks each caller's credentials (SO_PEERCRED: same user only).
 * It ends on `lock`, after its lifetime, or after an idle period.
 */
#ifndef DEALBOOK_AGENT_H
#define DEALBOOK_AGENT_H

#include <stdint.h>

#include "dealbook/error.h"
#include "dealbook/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The agent socket for the store at `store_path` (malloc'd), or NULL
 * when no private directory for it can be had (*err says why). */
char *dbk_agent_socket_path(const char *store_path, struct dbk_error *err);

/* "8h", "30m", "90s", "2d", or plain seconds; at most 30 days. */
int dbk_parse_duration(const char *s, int64_t *secs)
	__attribute__((warn_unused_result));

struct dbk_agent;

/*
 * Prepare an agent for an open store: copy its key into locked memory and
 * bind the listening socket (replacing a stale one; DBK_EBUSY if an agent
 * already answers there).  Call before fork(); then close the store: the
 * agent needs nothing else from it.
 */
int dbk_agent_new(struct dbk_store *s, const char *sock, struct dbk_agent **out,
    struct dbk_error *err) __attribute__((warn_unused_result));

/*
 * Serve until `lock`, `lifetime` seconds, or `idle` seconds without a
 * request; then wipe the key, remove the socket and free the agent.
 * Run in the agent process (after fork).  Returns 0.
 */
int dbk_agent_serve(struct dbk_agent *a, int64_t lifetime, int64_t idle);

/* The agent's listening socket (to keep across closing descriptors). */
int dbk_agent_fd(const struct dbk_agent *a);

/* Free an agent that will not serve (the parent's copy after fork). */
void dbk_agent_free(struct dbk_agent *a, int remove_socket);

/*
 * Open a store with the key its agent holds.  DBK_ENOTFOUND when no
 * agent serves it (fall back to the passphrase); other errors as
 * dbk_store_open.
 */
int dbk_store_open_agent(const char *path, struct dbk_store **out,
    struct dbk_error *err) __attribute__((warn_unused_result));

/* Tell the store's agent to end.  DBK_ENOTFOUND when none runs. */
int dbk_agent_lock(const char *store_path, struct dbk_error *err)
	__attribute__((warn_unused_result));

/* Seconds the store's agent has left (lifetime), or DBK_ENOTFOUND. */
int dbk_agent_status(const char *store_path, int64_t *left,
    struct dbk_error *err) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif /* DEALBOOK_AGENT_H */
