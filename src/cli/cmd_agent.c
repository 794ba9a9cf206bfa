/*
 * cmd_agent.c -- unlock and lock: the unlock agent that keeps a store's
 * data key so that commands skip the passphrase (like ssh-agent).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static void
fmt_duration(char *buf, size_t n, int64_t s)
{
	if (s >= 3600)
		snprintf(buf, n, "%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, n, "%" PRId64 "m", s / 60);
	else
		snprintf(buf, n, "%" PRId64 "s", s);
}

static void
close_other_fds(int keep)
{
	/* Everything above stderr except `keep`. */
	if (keep > 3)
		(void)close_range(3, (unsigned)keep - 1, 0);
	(void)close_range((unsigned)keep + 1, ~0U, 0);
}

/* Detach into the background and serve; only the parent returns. */
static int
spawn_agent(struct dbk_agent *a, int64_t life, int64_t idle)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* First child: a new session, then a grandchild that no
		 * terminal or parent waits on. */
		pid_t g;
		int nul;
		if (setsid() < 0)
			_exit(1);
		if ((g = fork()) != 0)
			_exit(g < 0 ? 1 : 0);
		if (chdir("/") != 0)
			_exit(1);
		/* Keep nothing of the caller but the key: no passphrase in
		 * the environment, no descriptors but the listening socket. */
		{
			char *pv = getenv("DEALBOOK_PASSPHRASE");
			if (pv != NULL)
				explicit_bzero(pv, strlen(pv));
			unsetenv("DEALBOOK_PASSPHRASE");
			unsetenv("DEALBOOK_NEW_PASSPHRASE");
			close_other_fds(dbk_agent_fd(a));
		}
		if ((nul = open("/dev/null", O_RDWR)) >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			if (nul > 2)
				close(nul);
		}
		dbk_agent_serve(a, life, idle);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

static int
exec_unlock(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	const char *fs = opt_get(e, ov, "for"), *is = opt_get(e, ov, "idle");
	int64_t life = 8 * 3600, idle = 3600, left;
	struct dbk_agent *a = NULL;
	char *pass = NULL, *sock = NULL, d1[24], d2[24];
	size_t len = 0;
	int rc;

	(void)npos; (void)pos;
	if (fs != NULL && dbk_parse_duration(fs, &life) != 0)
		return cli_error(5, "invalid duration '%s' for --for (expected "
		    "e.g. 8h, 30m, 1d; at most 30d)", fs);
	if (is != NULL && dbk_parse_duration(is, &idle) != 0)
		return cli_error(5, "invalid duration '%s' for --idle (expected "
		    "e.g. 1h, 30m)", is);
	if (!dbk_store_exists(c->store_path))
		return cli_error(4, "no store at '%s' (create one with 'dealbook "
		    "init')", c->store_path);
	if (dbk_agent_status(c->store_path, &left, NULL) == 0) {
		/* An agent answers here: is it this store's?  (The directory
		 * may hold a new store since.)  If not, end it and go on. */
		if (dbk_store_open_agent(c->store_path, &c->store, NULL) == 0) {
			dbk_store_close(c->store);
			c->store = NULL;
			fmt_duration(d1, sizeof d1, left);
			{
				const char *kv[] = { "agent", "running", "left", d1 };
				if (cli_json_status(c, kv, 2))
					return 0;
			}
			printf("already unlocked (%s left; 'dealbook lock' ends it)\n",
			    d1);
			return 0;
		}
		if (dbk_agent_lock(c->store_path, NULL) != 0) {
			/* It ended by itself meanwhile: nothing to do. */
		}
	}
	if ((rc = cli_read_pass(c->passfile, "passphrase-file",
	    "DEALBOOK_PASSPHRASE", "Passphrase: ", 0, &pass, &len)) != 0)
		return rc;
	rc = dbk_store_open(c->store_path, pass, len, &c->store, &c->err);
	dbk_secure_free(pass);
	if (rc != 0)
		return cli_fail(c, rc);
	if ((sock = dbk_agent_socket_path(c->store_path, &c->err)) == NULL)
		return cli_fail(c, c->err.code ? c->err.code : DBK_EIO);
	rc = dbk_agent_new(c->store, sock, &a, &c->err);
	/* The agent needs only the key: close the store before forking, so
	 * no LMDB handle crosses the fork. */
	dbk_store_close(c->store);
	c->store = NULL;
	if (rc != 0) {
		free(sock);
		return cli_fail(c, rc);
	}
	fflush(stdout);
	fflush(stderr);
	if (spawn_agent(a, life, idle) != 0) {
		dbk_agent_free(a, 1);
		free(sock);
		return cli_error(1, "could not start the unlock agent");
	}
	dbk_agent_free(a, 0); /* our copy; the agent has its own */
	fmt_duration(d1, sizeof d1, life);
	fmt_duration(d2, sizeof d2, idle);
	{
		const char *kv[] = { "agent", "started", "for", d1, "idle", d2 };
		if (cli_json_status(c, kv, 3)) {
			free(sock);
			return 0;
		}
	}
	printf("unlocked for %s (or until %s without use); 'dealbook lock' "
	    "ends it\n", d1, d2);
	free(sock);
	return 0;
}

static const struct opt unlock_opts[] = {
	{ "for", "DURATION", 0, "how long the agent keeps the key (default 8h, at most 30d)" },
	{ "idle", "DURATION", 0, "end after this long without use (default 1h)" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_unlock = {
	"unlock", NULL, "", 0, 0, unlock_opts, 0,
	"ask the passphrase once and keep the store unlocked for a while",
	"dealbook unlock --for 8h",
	exec_unlock
};

static int
exec_lock(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	int rc;

	(void)e; (void)npos; (void)pos; (void)ov;
	if (!dbk_store_exists(c->store_path))
		return cli_error(4, "no store at '%s'", c->store_path);
	rc = dbk_agent_lock(c->store_path, &c->err);
	if (rc == DBK_ENOTFOUND) {
		dbk_error_clear(&c->err);
		const char *kv[] = { "agent", "none" };
		if (!cli_json_status(c, kv, 1))
			printf("not unlocked: no agent was running\n");
		return 0;
	}
	if (rc != 0)
		return cli_fail(c, rc);
	{
		const char *kv[] = { "agent", "stopped" };
		if (!cli_json_status(c, kv, 1))
			printf("locked: the next command asks for the passphrase\n");
	}
	return 0;
}

const struct cmd_entry cmd_lock = {
	"lock", NULL, "", 0, 0, NULL, 0,
	"end the unlock agent: the key is wiped from memory",
	"dealbook lock",
	exec_lock
};
