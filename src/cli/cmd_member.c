/*
 * cmd_member.c -- the team roster: member add, member list, member remove.
 *
 * Every roster command checks the members' signatures first
 * (dbk_roster_verify, as export does): a roster changed outside dealbook
 * stops them with exit 6 and one line naming the member.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- add ---- */

struct add_ctx {
	const char *name, *identity, *role;
	int restricted;
	struct dbk_id id;
};

static int
add_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct add_ctx *a = vctx;
	int rc;

	if ((rc = dbk_roster_verify(t, NULL, err)) != 0)
		return rc;
	return dbk_member_add(t, a->name, a->identity, a->role, a->restricted,
	    &a->id, err);
}

/* A role typed in Chinese: 成員, 經理 (主管), 夥伴 (渠道). */
static const char *
member_role(const char *r)
{
	static const struct {
		const char *zh, *role;
	} map[] = {
		{ "成員", "member" }, { "成员", "member" },
		{ "經理", "manager" }, { "经理", "manager" },
		{ "主管", "manager" },
		{ "夥伴", "partner" }, { "伙伴", "partner" },
		{ "渠道", "partner" },
	};

	for (size_t i = 0; r != NULL && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(r, map[i].zh) == 0)
			return map[i].role;
	return r;
}

static int
exec_member_add(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct add_ctx a = { 0 };
	char hex[DBK_ID_HEX];
	int rc;

	(void)npos;
	a.name = pos[0];
	a.identity = pos[1];
	a.role = member_role(opt_get(e, ov, "role"));
	a.restricted = opt_has(e, ov, "restricted");
	if ((rc = dbk_store_write(c->store, add_txn, &a, &c->err)) != 0)
		return cli_fail(c, rc);
	if (c->fmt == TBL_JSON) {
		cli_print_added(c, "member", &a.id, NULL);
		return 0;
	}
	dbk_id_format(&a.id, hex);
	printf("added member %s (%s, %s) %.8s\n", pos[0],
	    a.role ? a.role : "member", a.restricted ?
	    "receives the restricted key" : "no restricted key", hex);
	return 0;
}

static const struct opt member_add_opts[] = {
	{ "role", "ROLE", 0, "member (the default), manager or partner" },
	{ "restricted", NULL, 0, "give them the restricted key (budgets and "
	    "amounts) in bundles" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_member_add = {
	"member", "add", "<name> <identity>", 2, 2, member_add_opts, CMD_STORE,
	"add a teammate to the roster by the identity their 'dealbook whoami' "
	"prints",
	"dealbook member add 李娜 dbk1:3q2-7wAAAAA... --role manager --restricted",
	exec_member_add
};

/* ---- list ---- */

struct list_ctx {
	struct cli *c;
	struct tbl *tb;
	int oom;
};

static int
list_cb(const struct dbk_member *m, void *vctx)
{
	struct list_ctx *l = vctx;
	struct cli *c = l->c;
	char sid[DBK_ID_HEX], secs[24], shortid[24], *added, *removed = NULL;
	const char *row[7];

	cli_id(c, &m->id, sid);
	snprintf(secs, sizeof secs, "%" PRId64, m->added);
	added = cli_datetime(c, secs);
	if (m->removed_at != 0) {
		snprintf(secs, sizeof secs, "%" PRId64, m->removed_at);
		removed = cli_datetime(c, secs);
	}
	/* People compare the start of an identity; programs get it all. */
	snprintf(shortid, sizeof shortid, "%.13s...", m->identity);
	row[0] = sid;
	row[1] = m->name;
	row[2] = m->role;
	if (cli_machine(c))
		row[3] = m->restricted ? "true" : "false";
	else
		row[3] = m->restricted ? (c->zh ? "是" : "yes") :
		    (c->zh ? "否" : "no");
	row[4] = cli_machine(c) ? m->identity : shortid;
	row[5] = added;
	row[6] = removed;
	if (tbl_add_row(l->tb, row) != 0)
		l->oom = 1;
	free(added);
	free(removed);
	return 0;
}

static int
list_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	int rc;

	/* All or nothing: the check runs before the first row is out. */
	if ((rc = dbk_roster_verify(t, NULL, err)) != 0)
		return rc;
	return dbk_member_walk(t, list_cb, vctx, err);
}

static int
exec_member_list(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	static const char *const keys[] = { "id", "name", "role", "restricted",
		"identity", "added", "removed" };
	const char *en[] = { "id", "name", "role", "restricted", "identity",
		"added", "removed" };
	const char *zh[] = { "編號", "姓名", "角色", "受限字段", "身份",
		"加入時間", "移除時間" };
	struct list_ctx l = { 0 };

	(void)e; (void)npos; (void)pos; (void)ov;
	l.c = c;
	if ((l.tb = tbl_new(7, keys, c->zh ? zh : en)) == NULL)
		return cli_error(1, "out of memory");
	return cli_read_table(c, l.tb, list_txn, &l, &l.oom);
}

const struct cmd_entry cmd_member_list = {
	"member", "list", "", 0, 0, NULL, CMD_STORE,
	"list the roster, removed members too, after checking its signatures "
	"(exit 6 when one fails)",
	"dealbook member list",
	exec_member_list
};

/* ---- remove ---- */

struct rm_ctx {
	const char *name;
	struct dbk_id id;
	uint32_t epoch;
};

static int
rm_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct rm_ctx *r = vctx;

	return dbk_member_remove(t, r->name, &r->id, &r->epoch, err);
}

static int
exec_member_remove(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct rm_ctx r = { 0 };
	char hex[DBK_ID_HEX], ep[16];
	int rc;

	(void)e; (void)npos; (void)ov;
	r.name = pos[0];
	if ((rc = dbk_store_write(c->store, rm_txn, &r, &c->err)) != 0)
		return cli_fail(c, rc);
	dbk_id_format(&r.id, hex);
	snprintf(ep, sizeof ep, "%" PRIu32, r.epoch);
	{
		const char *kv[] = { "type", "member", "id", hex, "removed",
			"true", "key_epoch", ep };
		if (cli_json_status(c, kv, 4))
			return 0;
	}
	printf("removed member %s %.8s; the restricted key is now epoch %s, "
	    "which later bundles never carry to them (what they already "
	    "received stays readable to them)\n", pos[0], hex, ep);
	return 0;
}

const struct cmd_entry cmd_member_remove = {
	"member", "remove", "<name>", 1, 1, NULL, CMD_STORE,
	"take a member off the roster and rotate the restricted key (needs "
	"the key: exit 3 without it)",
	"dealbook member remove 李娜",
	exec_member_remove
};
