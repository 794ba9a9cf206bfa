/*
 * cmd_field.c -- custom fields: field add, field list, field retire
 * (dealbook/field.h).  Values are set with --set NAME=VALUE on the
 * commands that add and edit records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* TYPE as people type it: the English type name or its Chinese. */
static int
parse_type(const char *s, enum dbk_type *out)
{
	static const struct {
		const char *zh[2];
		enum dbk_type t;
	} zh[] = {
		{ { "客戶", "客户" }, DBK_T_CUSTOMER },
		{ { "聯系人", "联系人" }, DBK_T_CONTACT },
		{ { "溝通", "沟通" }, DBK_T_INTERACTION },
		{ { "合同", "合同" }, DBK_T_DEAL },
	};

	if (strcmp(s, "log") == 0) {
		*out = DBK_T_INTERACTION;
		return 0;
	}
	if (dbk_type_parse(s, out) == 0 && dbk_custom_type_ok(*out))
		return 0;
	for (size_t i = 0; i < sizeof zh / sizeof zh[0]; i++)
		if (strcmp(s, zh[i].zh[0]) == 0 || strcmp(s, zh[i].zh[1]) == 0) {
			*out = zh[i].t;
			return 0;
		}
	return DBK_EINVAL;
}

/* ---- add ---- */

struct add_ctx {
	struct dbk_custom_spec sp;
	struct dbk_id id;
};

static int
add_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct add_ctx *a = vctx;

	return dbk_custom_add(t, &a->sp, &a->id, err);
}

static int
exec_field_add(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct add_ctx a = { 0 };
	const char *kind = opt_get(e, ov, "kind");
	int rc;

	(void)npos;
	if (parse_type(pos[0], &a.sp.of) != 0)
		return cli_error(5, "invalid record type '%s' (expected customer, "
		    "contact, interaction or deal)", pos[0]);
	if (kind == NULL)
		return cli_usage_error(e, "a field needs its kind: --kind text, "
		    "number, date, bool or choice");
	if (dbk_ckind_parse(kind, &a.sp.kind) != 0)
		return cli_error(5, "invalid kind '%s' (expected text, number, "
		    "date, bool or choice)", kind);
	a.sp.name = pos[1];
	a.sp.choices = opt_get(e, ov, "choices");
	a.sp.sensitive = opt_has(e, ov, "sensitive");
	a.sp.label_zh = opt_get(e, ov, "label-zh");
	a.sp.label_en = opt_get(e, ov, "label-en");
	if ((rc = dbk_store_write(c->store, add_txn, &a, &c->err)) != 0)
		return cli_fail(c, rc);
	if (c->fmt == TBL_JSON) {
		cli_print_added(c, "fielddef", &a.id, NULL);
		return 0;
	}
	printf(c->zh ? "已新增%s欄位 %s（%s%s）\n" :
	    "added %s field %s (%s%s)\n", c->zh ? cli_type_label(c, a.sp.of) :
	    dbk_type_name(a.sp.of), a.sp.name, dbk_ckind_name(a.sp.kind),
	    a.sp.sensitive ? (c->zh ? "，敏感：加密存儲" :
	    ", sensitive: stored encrypted") : "");
	return 0;
}

static const struct opt field_add_opts[] = {
	{ "kind", "KIND", 0, "text, number, date, bool or choice" },
	{ "choices", "A,B", 0, "the values a choice field allows" },
	{ "sensitive", NULL, 0, "encrypt the values with the restricted key, "
	    "like budgets" },
	{ "label-zh", "LABEL", 0, "the Chinese heading, e.g. 增值服務需求" },
	{ "label-en", "LABEL", 0, "the English heading" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_field_add = {
	"field", "add", "<type> <name>", 2, 2, field_add_opts, CMD_STORE,
	"add a custom field to customers, contacts, interactions or deals",
	"dealbook field add customer service_need --kind choice "
	"--choices 無,維護,培訓 --label-zh 增值服務需求 --label-en 'value-added service'",
	exec_field_add
};

/* ---- list ---- */

struct list_ctx {
	struct cli *c;
	struct tbl *tb;
	int all;
	int oom;
};

static int
list_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct list_ctx *l = vctx;
	const struct dbk_custom *v;
	size_t n;
	int rc;

	if ((rc = dbk_custom_list(t, &v, &n, err)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const char *yes = cli_machine(l->c) ? "true" : l->c->zh ? "是" :
		    "yes", *no = cli_machine(l->c) ? "false" : "";
		const char *row[8];
		if (v[i].retired && !l->all)
			continue;
		row[0] = cli_machine(l->c) || !l->c->zh ? dbk_type_name(v[i].of) :
		    cli_type_label(l->c, v[i].of);
		row[1] = v[i].name;
		row[2] = dbk_ckind_name(v[i].kind);
		row[3] = v[i].label_zh;
		row[4] = v[i].label_en;
		row[5] = v[i].choices;
		row[6] = v[i].sensitive ? yes : no;
		row[7] = v[i].retired ? yes : no;
		if (tbl_add_row(l->tb, row) != 0)
			l->oom = 1;
	}
	return 0;
}

static int
exec_field_list(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	static const char *const keys[] = { "type", "name", "kind", "label_zh",
		"label_en", "choices", "sensitive", "retired" };
	const char *en[] = { "type", "name", "kind", "Chinese label",
		"English label", "choices", "sensitive", "retired" };
	const char *zh[] = { "記錄類型", "名稱", "類型", "中文名稱", "英文名稱",
		"選項", "敏感", "已停用" };
	struct list_ctx l = { 0 };

	(void)npos; (void)pos;
	l.c = c;
	l.all = opt_has(e, ov, "all");
	if ((l.tb = tbl_new(8, keys, c->zh ? zh : en)) == NULL)
		return cli_error(1, "out of memory");
	return cli_read_table(c, l.tb, list_txn, &l, &l.oom);
}

static const struct opt field_list_opts[] = {
	{ "all", NULL, 0, "retired fields too" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_field_list = {
	"field", "list", "", 0, 0, field_list_opts, CMD_STORE,
	"list the custom fields",
	"dealbook --lang zh field list",
	exec_field_list
};

/* ---- retire ---- */

struct retire_ctx {
	enum dbk_type of;
	const char *name;
};

static int
retire_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct retire_ctx *r = vctx;

	return dbk_custom_retire(t, r->of, r->name, err);
}

static int
exec_field_retire(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct retire_ctx r = { 0 };
	int rc;

	(void)e; (void)ov;
	r.name = pos[npos - 1];
	if (npos == 2 && parse_type(pos[0], &r.of) != 0)
		return cli_error(5, "invalid record type '%s' (expected customer, "
		    "contact, interaction or deal)", pos[0]);
	if ((rc = dbk_store_write(c->store, retire_txn, &r, &c->err)) != 0)
		return cli_fail(c, rc);
	if (c->fmt == TBL_JSON) {
		const char *kv[] = { "retired", r.name };
		(void)cli_json_status(c, kv, 1);
		return 0;
	}
	printf(c->zh ? "已停用欄位 %s（已有的值保留）\n" :
	    "retired field %s (its values are kept)\n", r.name);
	return 0;
}

const struct cmd_entry cmd_field_retire = {
	"field", "retire", "[<type>] <name>", 1, 2, NULL, CMD_STORE,
	"retire a custom field: no new values, every value kept",
	"dealbook field retire service_need",
	exec_field_retire
};
