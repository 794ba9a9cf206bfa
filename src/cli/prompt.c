/*
 * prompt.c -- line prompts on the terminal and editing in $EDITOR.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "prompt.h"

/* Drop ASCII blanks and line ends at both ends, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

int
prompt_line(const char *question, const char *dflt, char **out)
{
	char *line = NULL;
	const char *ans;
	size_t cap = 0;
	int rc = 0;

	*out = NULL;
	/* stderr is unbuffered: the prompt leaves in one write, so a
	 * program driving the terminal sees it whole. */
	if (dflt != NULL && *dflt != '\0')
		fprintf(stderr, "%s [%s]: ", question, dflt);
	else
		fprintf(stderr, "%s: ", question);
	if (getline(&line, &cap, stdin) < 0) {
		rc = feof(stdin) && !ferror(stdin) ? PROMPT_EOF : PROMPT_ERR;
		if (rc == PROMPT_EOF)
			fputc('\n', stderr);
		goto out;
	}
	ans = trim(line);
	if (*ans == '\0')
		ans = dflt != NULL ? dflt : "";
	if ((*out = strdup(ans)) == NULL)
		rc = PROMPT_ERR;
out:
	free(line);
	return rc;
}

/* ---- the editor ---- */

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Run the editor on path and wait for it.  0 or an exit code. */
static int
run_editor(const char *path)
{
	const char *ed = getenv("VISUAL");
	struct sigaction ign, oint, oquit;
	char *script = NULL;
	pid_t pid;
	int status = 0, rc = 0;

	if (ed == NULL || *ed == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || *ed == '\0')
		ed = "vi";
	if (asprintf(&script, "%s \"$1\"", ed) < 0) {
		script = NULL;
		rc = cli_error(1, "out of memory");
		goto out;
	}
	/* While the editor runs, Ctrl-C is its business, not ours. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "sh", "-c", script, "sh", (char *)path, NULL };
		sigaction(SIGINT, &oint, NULL);
		sigaction(SIGQUIT, &oquit, NULL);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0) {
		rc = cli_error(1, "cannot start the editor: %s", strerror(errno));
	} else {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				rc = cli_error(1, "waiting for the editor failed: %s",
				    strerror(errno));
				break;
			}
		}
		if (rc == 0 && WIFSIGNALED(status))
			rc = cli_error(1, "the editor '%s' was killed by signal %d: "
			    "nothing written", ed, WTERMSIG(status));
		else if (rc == 0 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 127)
			rc = cli_error(1, "the editor '%s' could not be run (set "
			    "$VISUAL or $EDITOR): nothing written", ed);
		else if (rc == 0 && (!WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0))
			rc = cli_error(1, "the editor '%s' exited with status %d: "
			    "nothing written", ed, WIFEXITED(status) ?
			    WEXITSTATUS(status) : -1);
	}
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
out:
	free(script);
	return rc;
}

/* Read a whole file (editors may have replaced it: open it by name). */
static int
read_back(const char *path, char **text)
{
	FILE *fp = fopen(path, "re");
	char *buf = NULL, *nb;
	size_t n = 0, cap = 0;
	int rc = 0;

	*text = NULL;
	if (fp == NULL) {
		rc = cli_error(1, "cannot read the edited file '%s' back: %s",
		    path, strerror(errno));
		goto out;
	}
	for (;;) {
		size_t got;
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL) {
				rc = cli_error(1, "out of memory");
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		rc = cli_error(1, "cannot read the edited file '%s' back: %s",
		    path, strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		rc = cli_error(5, "the edited text holds a NUL byte: nothing written");
		goto out;
	}
	*text = buf;
	buf = NULL;
out:
	if (fp != NULL)
		fclose(fp);
	free(buf);
	return rc;
}

/* The template being edited, removed if we are told to end meanwhile:
 * it holds what the user typed in the clear. */
static char *volatile pending_tmp;

static void
drop_tmp(int sig)
{
	if (pending_tmp != NULL)
		(void)unlink(pending_tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

int
edit_template(const char *text, char **edited)
{
	const char *dir = getenv("TMPDIR");
	char *path = NULL;
	struct sigaction sa, ohup, oterm;
	int fd = -1, rc = 0, made = 0, bad;

	*edited = NULL;
	/* $TMPDIR if the user chose one, else the private runtime directory
	 * (memory, not disk), else /tmp. */
	if (dir == NULL || *dir == '\0')
		dir = getenv("XDG_RUNTIME_DIR");
	if (dir == NULL || *dir != '/')
		dir = "/tmp";
	if (asprintf(&path, "%s/dealbook-log-XXXXXX", dir) < 0) {
		path = NULL;
		rc = cli_error(1, "out of memory");
		goto out;
	}
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0) {
		rc = cli_error(1, "cannot create a temporary file in '%s': %s", dir,
		    strerror(errno));
		goto out;
	}
	made = 1;
	pending_tmp = path;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = drop_tmp;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, &ohup);
	sigaction(SIGTERM, &sa, &oterm);
	bad = fchmod(fd, S_IRUSR | S_IWUSR) != 0 ||
	    write_all(fd, text, strlen(text)) != 0;
	if (close(fd) != 0)
		bad = 1;
	fd = -1;
	if (bad) {
		rc = cli_error(1, "cannot write the temporary file '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if ((rc = run_editor(path)) != 0)
		goto out;
	rc = read_back(path, edited);
out:
	if (fd >= 0)
		close(fd);
	if (made && unlink(path) != 0 && errno != ENOENT)
		fprintf(stderr, tr("dealbook: warning: cannot remove the "
		    "temporary file '%s': %s\n"), path, strerror(errno));
	if (made) {
		sigaction(SIGHUP, &ohup, NULL);
		sigaction(SIGTERM, &oterm, NULL);
		pending_tmp = NULL;
	}
	free(path);
	return rc;
}
