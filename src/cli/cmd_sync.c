/*
 * cmd_sync.c -- export and import of bundles (team sync).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli.h"

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
	rc = dbk_export(c->store, (const char *const *)names, n, out, &info,
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
			fprintf(stderr, "dealbook: %s: %s\n", pos[i], c->err.msg ?
			    c->err.msg : dbk_strerror(frc));
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
		}
	}
	return rc;
}

static const struct opt import_opts[] = {
	{ "dry-run", NULL, 0, "check and count, write nothing" },
	{ "trust", "IDENTITY", 0, "accept this sender though not on the roster "
	    "(first contact)" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_import = {
	"import", NULL, "<file>...", 1, 1000, import_opts, CMD_STORE,
	"check and merge bundles from team members (all or nothing per file)",
	"dealbook import from-lina.bundle",
	exec_import
};
