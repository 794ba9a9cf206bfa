/*
 * cmd_store.c -- init, whoami, passwd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "i18n.h"

static int
exec_init(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	struct dbk_init_opts o = { 0 };
	const char *kdf = opt_get(e, ov, "kdf");
	char *pass = NULL;
	size_t len = 0;
	int rc;

	(void)npos;
	(void)pos;
	o.member = opt_get(e, ov, "member");
	if (o.member == NULL)
		o.member = getenv("USER");
	if (o.member == NULL || *o.member == '\0')
		return cli_usage_error(e, "no member name: give --member NAME");
	o.team = opt_get(e, ov, "team");
	o.currency = opt_get(e, ov, "currency");
	o.kdf = DBK_KDF_MODERATE;
#ifdef DBK_TESTING
	{
		/* Test builds only: the fixed clock, from the very first entry. */
		const char *now = getenv("DEALBOOK_TEST_NOW");
		int64_t t;
		if (now != NULL && dbk_parse_datetime(now, 0, &t) == 0)
			o.clock = t;
	}
#endif
	if (kdf != NULL && dbk_kdf_parse(kdf, &o.kdf) != 0)
		return cli_error(5, "invalid KDF level '%s' (expected interactive, "
		    "moderate or sensitive)", kdf);
	if (dbk_store_exists(c->store_path))
		return cli_error(5, "a store already exists at '%s'", c->store_path);
	if ((rc = cli_read_pass(c->passfile, "passphrase-file",
	    "DEALBOOK_PASSPHRASE", "New passphrase: ", 1, &pass, &len)) != 0)
		return rc;
	rc = dbk_store_create(c->store_path, pass, len, &o, &c->err);
	dbk_secure_free(pass);
	if (rc != 0)
		return cli_fail(c, rc);
	{
		const char *kv[] = { "store", c->store_path, "member", o.member,
			"team", o.team ? o.team : "" };
		if (cli_json_status(c, kv, 3))
			return 0;
	}
	printf("created store %s for %s%s%s\n", c->store_path, o.member,
	    o.team ? ", founding team " : "", o.team ? o.team : "");
	return 0;
}

static const struct opt init_opts[] = {
	{ "member", "NAME", 0, "your name as teammates will see it (default $USER)" },
	{ "team", "NAME", 0, "found a team (you become its manager)" },
	{ "kdf", "LEVEL", 0, "Argon2id cost: interactive, moderate (default), sensitive" },
	{ "currency", "CODE", 0, "the team's currency, ISO 4217 (default CNY)" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_init = {
	"init", NULL, "", 0, 0, init_opts, 0,
	"create an encrypted store and your identity",
	"dealbook init --member 王伟 --team 華東銷售",
	exec_init
};

static int
exec_whoami(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	char *id = dbk_store_identity(c->store);

	(void)e; (void)npos; (void)pos; (void)ov;
	if (id == NULL)
		return cli_error(1, "out of memory");
	if (c->fmt == TBL_JSON) {
		cJSON *o = cJSON_CreateObject();
		char *txt;
		cJSON_AddStringToObject(o, "member", dbk_store_member(c->store));
		cJSON_AddStringToObject(o, "identity", id);
		cJSON_AddBoolToObject(o, "restricted_access",
		    dbk_store_has_restricted(c->store));
		txt = cJSON_PrintUnformatted(o);
		if (txt)
			puts(txt);
		cJSON_free(txt);
		cJSON_Delete(o);
	} else {
		printf("%s %s\n", id, dbk_store_member(c->store));
	}
	free(id);
	return 0;
}

const struct cmd_entry cmd_whoami = {
	"whoami", NULL, "", 0, 0, NULL, CMD_STORE,
	"print your public identity, one line to hand to teammates",
	"dealbook whoami",
	exec_whoami
};

static int
exec_passwd(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	const char *kdf = opt_get(e, ov, "kdf");
	enum dbk_kdf level;
	char *pass = NULL;
	size_t len = 0;
	int rc, lv = -1;

	(void)npos; (void)pos;
	if (kdf != NULL) {
		if (dbk_kdf_parse(kdf, &level) != 0)
			return cli_error(5, "invalid KDF level '%s' (expected "
			    "interactive, moderate or sensitive)", kdf);
		lv = (int)level;
	}
	if ((rc = cli_read_pass(opt_get(e, ov, "new-passphrase-file"),
	    "new-passphrase-file", "DEALBOOK_NEW_PASSPHRASE", "New passphrase: ",
	    1, &pass, &len)) != 0)
		return rc;
	rc = dbk_store_passwd(c->store, pass, len, lv, &c->err);
	dbk_secure_free(pass);
	if (rc != 0)
		return cli_fail(c, rc);
	{
		const char *kv[] = { "passphrase", "changed", "kdf",
			dbk_store_kdf_name(c->store) };
		if (!cli_json_status(c, kv, 2))
			printf("passphrase changed (key derivation: %s)\n",
			    dbk_store_kdf_name(c->store));
	}
	if (dbk_store_warnings(c->store) & DBK_W_OLD_KEY)
		fputs(tr("dealbook: warning: another process kept an old "
		    "page alive, so the store file still holds the data key "
		    "wrapped under the old passphrase; run 'dealbook passwd' "
		    "again when no other dealbook is running\n"), stderr);
	return 0;
}

static const struct opt passwd_opts[] = {
	{ "new-passphrase-file", "FILE", 0, "read the new passphrase from FILE" },
	{ "kdf", "LEVEL", 0, "change the Argon2id cost as well" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_passwd = {
	"passwd", NULL, "", 0, 0, passwd_opts, CMD_STORE | CMD_PASS,
	"change the passphrase (re-wraps the data key only)",
	"dealbook passwd",
	exec_passwd
};
