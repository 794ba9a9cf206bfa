/*
 * cmd_sync.c -- export and import of bundles (team sync).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "i18n.h"

static int
exec_export(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	const char *to = opt_get(e, ov, "to"), *out = opt_get(e, ov, "o");
	char **names = NULL, *list = NULL, *save = NULL, *tok, *def = NULL;
	struct dbk_export_info info;
	size_t n = 0;
	int rc;

	(void)npos; (void)pos;
	if (opt_get(e, ov, "output") != NULL) {
		if (out != NULL)
			return cli_error(2, "give the output file once (-o or "
			    "--output)");
		out = opt_get(e, ov, "output");
	}
	if (to == NULL || *to == '\0')
		return cli_error(2, "export needs --to MEMBER[,MEMBER...]");
	if ((list = strdup(to)) == NULL ||
	    (names = calloc(strlen(to) / 2 + 2, sizeof *names)) == NULL) {
		free(list);
		return cli_error(1, "out of memory");
	}
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if (*tok != '\0')
			names[n++] = tok;
	if (out == NULL) {
		time_t now = time(NULL);
		struct tm tm;
		char stamp[32];
		if (gmtime_r(&now, &tm) == NULL ||
		    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) == 0 ||
		    asprintf(&def, "dealbook-%s.bundle", stamp) < 0) {
			free(list);
			free(names);
			return cli_error(1, "out of memory");
		}
		out = def;
	}
	rc = dbk_export(c->store, (const char *const *)names, n,
	    opt_get(e, ov, "customers"), opt_has(e, ov, "full"), out, &info,
	    &c->err);
	free(list);
	free(names);
	if (rc != 0) {
		free(def);
		return cli_fail(c, rc);
	}
	{
		char seq[24], recs[24];
		const char *kv[] = { "bundle", out, "seq", seq, "records", recs };
		snprintf(seq, sizeof seq, "%" PRIu64, info.seq);
		snprintf(recs, sizeof recs, "%zu", info.records);
		if (cli_json_status(c, kv, 3)) {
			free(def);
			return 0;
		}
	}
	printf("bundle %" PRIu64 " written to %s: %zu records for %zu member%s, "
	    "%zu bytes\n", info.seq, out, info.records, info.recipients,
	    info.recipients == 1 ? "" : "s", info.bytes);
	free(def);
	return 0;
}

static const struct opt export_opts[] = {
	{ "to", "M[,M]", 0, "the roster members who can open it" },
	{ "customers", "SEL", 0, "only these customers and their records: "
	    "owner=NAME or CODE[,CODE] (for a channel partner)" },
	{ "full", NULL, 0, "every record, not only what they lack" },
	{ "o", "FILE", 0, "the bundle file (default dealbook-TIME.bundle)" },
	{ "output", "FILE", 0, "the same as -o" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_export = {
	"export", NULL, "", 0, 0, export_opts, CMD_STORE,
	"write every record into an encrypted, signed bundle for team members",
	"dealbook export --to 李娜,王芳 -o to-team.bundle",
	exec_export
};

static int
exec_import(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	int dry = opt_has(e, ov, "dry-run"), rc = 0;
	const char *trust = opt_get(e, ov, "trust");

	for (int i = 0; i < npos; i++) {
		struct dbk_import_report r;
		int frc = dbk_import(c->store, pos[i], dry, trust, &r, &c->err);
		if (frc != 0) {
			const char *msg = c->err.msg ? c->err.msg :
			    dbk_strerror(frc);
			char *zm = i18n_message(msg);
			fprintf(stderr, "dealbook: %s: %s\n", pos[i], zm ? zm : msg);
			free(zm);
			dbk_error_clear(&c->err);
			rc = dbk_exit_code(frc);
			break;
		}
		if (c->fmt == TBL_JSON) {
			cJSON *o = cJSON_CreateObject();
			char num[7][24], *txt;
			const size_t v[] = { r.added, r.updated, r.conflicts,
				r.tombstoned, r.quarantined, r.rejected };
			static const char *const k[] = { "added", "updated",
				"conflicts", "tombstoned", "quarantined", "rejected" };
			if (o == NULL)
				return cli_error(1, "out of memory");
			snprintf(num[6], sizeof num[6], "%" PRIu64, r.seq);
			cJSON_AddStringToObject(o, "bundle", pos[i]);
			cJSON_AddStringToObject(o, "sender", r.sender);
			cJSON_AddStringToObject(o, "seq", num[6]);
			cJSON_AddStringToObject(o, "result", r.already ?
			    "already imported" : dry ? "dry run" : "imported");
			for (size_t j = 0; j < 6; j++) {
				snprintf(num[j], sizeof num[j], "%zu", v[j]);
				cJSON_AddStringToObject(o, k[j], num[j]);
			}
			cJSON_AddBoolToObject(o, "joined_team", r.joined);
			cJSON_AddBoolToObject(o, "key_received", r.key_received);
			snprintf(num[0], sizeof num[0], "%zu", r.roster_changes);
			cJSON_AddStringToObject(o, "roster_changes", num[0]);
			if (r.rollback != 0) {
				snprintf(num[1], sizeof num[1], "%" PRIu64, r.rollback);
				cJSON_AddStringToObject(o, "rollback", num[1]);
			}
			if ((txt = cJSON_PrintUnformatted(o)) != NULL)
				puts(txt);
			cJSON_free(txt);
			cJSON_Delete(o);
		} else if (r.already) {
			printf("%s: already imported (bundle %" PRIu64 " from %s); "
			    "nothing changed\n", pos[i], r.seq, r.sender);
		} else {
			printf("%s: %s bundle %" PRIu64 " from %s: %zu added, %zu "
			    "updated, %zu conflicts, %zu tombstoned, %zu quarantined, "
			    "%zu rejected\n", pos[i], dry ? "would import" :
			    "imported", r.seq, r.sender, r.added, r.updated,
			    r.conflicts, r.tombstoned, r.quarantined, r.rejected);
			if (r.joined)
				printf("%s: %s this store to team '%s'\n", pos[i],
				    dry ? "would join" : "joined", r.team);
			if (r.key_received)
				printf("%s: the team's restricted key %s\n", pos[i],
				    dry ? "would arrive" : "arrived: sensitive "
				    "fields now open here");
			if (r.rollback != 0 && !dry)
				fprintf(stderr, tr("dealbook: warning (W_ROLLBACK): %s "
				    "holds bundle %" PRIu64 " of this store, which "
				    "it never made: the store was put back to an "
				    "older copy (a backup or snapshot), and what "
				    "was entered after that copy is here only if a "
				    "teammate sends it back; changes are refused "
				    "until 'dealbook doctor --accept-rollback'\n"),
				    r.sender, r.rollback);
			if (r.roster_changes > 0)
				printf("%s: the manager's roster %s %zu member%s\n",
				    pos[i], dry ? "would change" : "changed",
				    r.roster_changes, r.roster_changes == 1 ? "" :
				    "s");
		}
	}
	return rc;
}

static const struct opt import_opts[] = {
	{ "dry-run", NULL, 0, "check and count, write nothing" },
	{ "trust", "IDENTITY", 0, "accept this sender though not on the roster "
	    "(first contact; a store in no team joins the sender's)" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_import = {
	"import", NULL, "<file>...", 1, 1000, import_opts, CMD_STORE,
	"check and merge bundles from team members (all or nothing per file)",
	"dealbook import from-lina.bundle",
	exec_import
};

/* ---- sync DIR: a shared folder as the drop box ---- */

struct names {
	char **v;
	int *partner;
	size_t n;
	int oom;
};

static int
name_cb(const struct dbk_member *m, void *vctx)
{
	struct names *nm = vctx;
	char **nv;
	int *np;

	if (m->removed_at != 0)
		return 0;
	if ((np = realloc(nm->partner, (nm->n + 1) * sizeof *np)) == NULL) {
		nm->oom = 1;
		return 1;
	}
	nm->partner = np;
	if ((nv = realloc(nm->v, (nm->n + 1) * sizeof *nv)) == NULL ||
	    (nv[nm->n] = strdup(m->name)) == NULL) {
		if (nv != NULL)
			nm->v = nv;
		nm->oom = 1;
		return 1;
	}
	nm->v = nv;
	np[nm->n] = strcmp(m->role, "partner") == 0;
	nm->n++;
	return 0;
}

static int
names_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	return dbk_member_walk(t, name_cb, vctx, err);
}

/* "<16 hex of my Ed25519 key>-": the prefix of my bundles in DIR. */
static int
my_prefix(struct cli *c, char out[18])
{
	char *ident = dbk_store_identity(c->store);
	uint8_t ed[32], x[32];
	int rc = -1;

	if (ident != NULL && dbk_identity_parse(ident, ed, x, NULL) == 0) {
		for (int i = 0; i < 8; i++)
			snprintf(out + 2 * i, 3, "%02x", ed[i]);
		out[16] = '-';
		out[17] = '\0';
		rc = 0;
	}
	free(ident);
	return rc;
}

static int
is_bundle_name(const char *n)
{
	size_t l = strlen(n);

	return n[0] != '.' && l > 7 && strcmp(n + l - 7, ".bundle") == 0;
}

static int
exec_sync(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	const char *dir = pos[0];
	struct names nm = { NULL, NULL, 0, 0 };
	struct dbk_export_info info;
	char prefix[18], *tmp = NULL, **written = NULL;
	size_t imported = 0, already = 0, skipped = 0, pruned = 0, nwritten = 0;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	(void)e; (void)npos; (void)ov;
	if ((d = opendir(dir)) == NULL)
		return cli_error(errno == ENOENT ? 4 : 1, "cannot read the folder "
		    "'%s': %s", dir, strerror(errno));
	closedir(d);
	if (my_prefix(c, prefix) != 0)
		return cli_error(1, "out of memory");
	/* 1. Everything addressed to me that I have not imported. */
	if ((d = opendir(dir)) == NULL)
		return cli_error(1, "cannot read the folder '%s': %s", dir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		struct dbk_import_report r;
		char *path = NULL;
		int frc;
		if (!is_bundle_name(de->d_name) ||
		    strncmp(de->d_name, prefix, 17) == 0)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			rc = cli_error(1, "out of memory");
			break;
		}
		frc = dbk_import(c->store, path, 0, NULL, &r, &c->err);
		if (frc == 0 && r.already) {
			already++;
		} else if (frc == 0) {
			imported++;
			printf("%s: imported bundle %" PRIu64 " from %s: %zu added, "
			    "%zu updated, %zu conflicts\n", de->d_name, r.seq, r.sender,
			    r.added, r.updated, r.conflicts);
		} else if (frc == DBK_ENOKEY) {
			/* For others: not mine to open. */
			dbk_error_clear(&c->err);
		} else {
			/* Still being copied in, or not for this team: say so,
			 * take the rest, try again next time. */
			const char *msg = c->err.msg ? c->err.msg :
			    dbk_strerror(frc);
			char *zm = i18n_message(msg);
			fprintf(stderr, i18n_zh() ? "dealbook: %s 已跳過：%s\n" :
			    "dealbook: %s skipped: %s\n", de->d_name, zm ? zm : msg);
			free(zm);
			dbk_error_clear(&c->err);
			skipped++;
		}
		free(path);
	}
	closedir(d);
	if (rc != 0)
		return rc;
	/* 2. My bundles: one for the team, one per partner with only their
	 * customers (what a channel partner may see), each under a name no
	 * one else's can take.  Each carries every record it may, so it
	 * replaces my earlier ones, which go. */
	if ((rc = dbk_store_read(c->store, names_txn, &nm, &c->err)) != 0)
		return cli_fail(c, rc);
	if (nm.oom)
		return cli_error(1, "out of memory");
	if (nm.n == 0)
		printf("no one on the roster to send to ('dealbook member add')\n");
	if (asprintf(&tmp, "%s/.%sout.tmp", dir, prefix) < 0)
		rc = cli_error(1, "out of memory");
	if (rc == 0 && nm.n > 0 && (written = calloc(nm.n + 1,
	    sizeof *written)) == NULL)
		rc = cli_error(1, "out of memory");
	for (size_t g = 0; rc == 0 && g <= nm.n && nm.n > 0; g++) {
		/* g == 0: the team (everyone but partners); g > 0: partner
		 * g - 1 alone. */
		const char **to = calloc(nm.n, sizeof *to);
		char *filter = NULL, *final = NULL;
		size_t nto = 0;
		if (to == NULL) {
			rc = cli_error(1, "out of memory");
			break;
		}
		if (g == 0) {
			for (size_t i = 0; i < nm.n; i++)
				if (!nm.partner[i])
					to[nto++] = nm.v[i];
		} else if (nm.partner[g - 1]) {
			to[nto++] = nm.v[g - 1];
			if (asprintf(&filter, "owner=%s", nm.v[g - 1]) < 0) {
				free(to);
				rc = cli_error(1, "out of memory");
				break;
			}
		}
		if (nto == 0) {
			free(to);
			continue;
		}
		if ((rc = dbk_export(c->store, to, nto, filter, 1, tmp, &info,
		    &c->err)) != 0 && g > 0 && rc == DBK_EINVAL) {
			/* A partner who owns no customer yet: nothing for them. */
			printf("nothing for %s yet (no customer of theirs)\n",
			    nm.v[g - 1]);
			dbk_error_clear(&c->err);
			rc = 0;
		} else if (rc != 0) {
			rc = cli_fail(c, rc);
		} else if (asprintf(&final, "%s/%s%012" PRIu64 ".bundle", dir,
		    prefix, info.seq) < 0) {
			final = NULL;
			rc = cli_error(1, "out of memory");
		} else if (rename(tmp, final) != 0) {
			rc = cli_error(1, "cannot write '%s': %s", final,
			    strerror(errno));
		} else {
			printf("sent bundle %" PRIu64 " (%zu records) to %s as %s\n",
			    info.seq, info.records, g == 0 ? "the team" :
			    nm.v[g - 1], strrchr(final, '/') + 1);
			written[nwritten++] = strdup(strrchr(final, '/') + 1);
		}
		free(final);
		free(filter);
		free(to);
	}
	/* My older bundles go once the new ones are all in place. */
	if (rc == 0 && nwritten > 0 && (d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *old = NULL;
			int mine_now = 0;
			if (!is_bundle_name(de->d_name) ||
			    strncmp(de->d_name, prefix, 17) != 0)
				continue;
			for (size_t i = 0; i < nwritten; i++)
				if (written[i] != NULL &&
				    strcmp(written[i], de->d_name) == 0)
					mine_now = 1;
			if (mine_now)
				continue;
			if (asprintf(&old, "%s/%s", dir, de->d_name) >= 0 &&
			    unlink(old) == 0)
				pruned++;
			free(old);
		}
		closedir(d);
	}
	if (tmp != NULL)
		(void)unlink(tmp);
	printf("%zu imported, %zu already here, %zu skipped; %zu older "
	    "bundle%s of mine removed\n", imported, already, skipped, pruned,
	    pruned == 1 ? "" : "s");
	for (size_t i = 0; i < nm.n; i++)
		free(nm.v[i]);
	for (size_t i = 0; i < nwritten; i++)
		free(written[i]);
	free(written);
	free(nm.v);
	free(nm.partner);
	free(tmp);
	return rc;
}

const struct cmd_entry cmd_sync = {
	"sync", NULL, "<dir>", 1, 1, NULL, CMD_STORE,
	"import every bundle in DIR addressed to me, then put my bundles there: "
	"one for the team, one per partner with only their customers (safe to "
	"repeat; DIR can be a Syncthing folder, a share or a git checkout)",
	"dealbook sync ~/team-drop",
	exec_sync
};
