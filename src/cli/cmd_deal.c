/*
 * cmd_deal.c -- deal add/list, payment add/list.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct deal_ctx {
	struct cli *c;
	const char *ref, *amount, *date;
	struct dbk_field *sets;
	size_t nsets;
	struct cli_cfield *cc;	/* deal list: a column per custom field */
	size_t ncc;
	struct dbk_id id;
	struct tbl *tb;
	enum dbk_type type;
	int oom;
};

static int
deal_add_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct deal_ctx *d = vctx;
	struct dbk_id cid;
	int rc = dbk_resolve(t, DBK_T_CUSTOMER, d->ref, &cid, err);

	if (rc != 0)
		return rc;
	if ((rc = dbk_deal_add(t, &cid, d->amount, d->date, &d->id, err)) != 0)
		return rc;
	/* Custom fields go on in the same transaction. */
	return d->nsets > 0 ? dbk_record_update(t, &d->id, d->sets, d->nsets,
	    NULL, err) : 0;
}

static int
exec_deal_add(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	struct deal_ctx d = { 0 };
	int rc;

	(void)npos;
	d.ref = pos[0];
	d.amount = pos[1];
	d.date = opt_get(e, ov, "signed");
	if ((rc = cli_parse_sets(e, ov, &d.sets, &d.nsets)) != 0)
		return rc;
	rc = dbk_store_write(c->store, deal_add_txn, &d, &c->err);
	cli_free_sets(d.sets, d.nsets);
	if (rc != 0)
		return cli_fail(c, rc);
	cli_print_added(c, "deal", &d.id, NULL);
	return 0;
}

static const struct opt deal_add_opts[] = {
	{ "signed", "DATE", 0, "when the contract was signed (default today)" },
	CLI_SET_OPT,
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_deal_add = {
	"deal", "add", "<customer> <amount>", 2, 2, deal_add_opts, CMD_STORE,
	"record a signed contract (the amount is sensitive)",
	"dealbook deal add 20240501 60万 --signed 2024-06-20",
	exec_deal_add
};

static int
payment_add_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct deal_ctx *d = vctx;
	struct dbk_id did;
	int rc = dbk_resolve(t, DBK_T_DEAL, d->ref, &did, err);

	if (rc != 0)
		return rc;
	return dbk_payment_add(t, &did, d->amount, d->date, &d->id, err);
}

static int
exec_payment_add(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct deal_ctx d = { 0 };
	int rc;

	(void)npos;
	d.ref = pos[0];
	d.amount = pos[1];
	d.date = opt_get(e, ov, "at");
	if ((rc = dbk_store_write(c->store, payment_add_txn, &d, &c->err)) != 0)
		return cli_fail(c, rc);
	cli_print_added(c, "payment", &d.id, NULL);
	return 0;
}

static const struct opt payment_add_opts[] = {
	{ "at", "DATE", 0, "when it was received (default today)" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_payment_add = {
	"payment", "add", "<deal> <amount>", 2, 2, payment_add_opts, CMD_STORE,
	"record a payment received on a deal (the amount is sensitive)",
	"dealbook payment add 5c1e07aa 30万 --at 2024-06-28",
	exec_payment_add
};

static int
row_cb(struct dbk_record *r, void *vctx)
{
	struct deal_ctx *d = vctx;
	const char *cust = dbk_record_str(r, "customer");
	char sid[DBK_ID_HEX], *amount = cli_value(d->c, r, "amount");
	char *date = cli_value(d->c, r, d->type == DBK_T_DEAL ? "signed" : "at");
	char dsid[DBK_ID_HEX] = "", **cv = calloc(d->ncc + 1, sizeof *cv);
	int w = cli_machine(d->c) ? 32 : 8;
	const char **row = calloc(4 + d->ncc, sizeof *row);

	if (cv == NULL || row == NULL) {
		free(cv);
		free(row);
		free(amount);
		free(date);
		d->oom = 1;
		return 0;
	}

	cli_id(d->c, dbk_record_id(r), sid);
	if (d->type == DBK_T_PAYMENT) {
		const char *deal = dbk_record_str(r, "deal");
		if (deal != NULL)
			snprintf(dsid, sizeof dsid, "%.*s", w, deal);
	} else if (cust != NULL) {
		snprintf(dsid, sizeof dsid, "%.*s", w, cust);
	}
	row[0] = sid;
	row[1] = dsid;
	row[2] = date;
	row[3] = amount;
	for (size_t i = 0; i < d->ncc; i++)
		row[4 + i] = cv[i] = cli_value(d->c, r, d->cc[i].stored);
	if (tbl_add_row(d->tb, row) != 0)
		d->oom = 1;
	for (size_t i = 0; i < d->ncc; i++)
		free(cv[i]);
	free(cv);
	free(row);
	free(amount);
	free(date);
	return 0;
}

static int
list_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct deal_ctx *d = vctx;
	struct dbk_id cid;
	int rc;

	d->c->txn = t;
	if (d->ref == NULL)
		rc = dbk_record_foreach(t, d->type, row_cb, d, err);
	else if ((rc = dbk_resolve(t, DBK_T_CUSTOMER, d->ref, &cid, err)) == 0)
		rc = dbk_record_children(t, &cid, d->type, row_cb, d, err);
	d->c->txn = NULL;
	return rc;
}

static int
exec_list(struct cli *c, enum dbk_type type, int npos, char **pos,
    const struct cmd_entry *e, struct optv *ov)
{
	static const char *const dkeys[] = { "id", "customer", "signed", "amount" };
	static const char *const pkeys[] = { "id", "deal", "at", "amount" };
	const char *den[] = { "id", "customer", "signed", "amount" };
	const char *dzh[] = { "編號", "客戶", "簽約日期", "金額" };
	const char *pen[] = { "id", "deal", "received", "amount" };
	const char *pzh[] = { "編號", "合同", "回款日期", "金額" };
	struct deal_ctx d = { 0 };
	size_t limit;
	int rc;

	d.c = c;
	d.type = type;
	d.ref = npos > 0 ? pos[0] : NULL;
	/* Deals have custom fields (a column each); payments none. */
	if (type == DBK_T_DEAL &&
	    (rc = cli_custom_columns(c, DBK_T_DEAL, &d.cc, &d.ncc)) != 0)
		return rc;
	d.tb = cli_custom_table(4, type == DBK_T_DEAL ? dkeys : pkeys,
	    type == DBK_T_DEAL ? (c->zh ? dzh : den) : (c->zh ? pzh : pen),
	    d.cc, d.ncc);
	if (d.tb == NULL) {
		cli_custom_columns_free(d.cc, d.ncc);
		return cli_error(1, "out of memory");
	}
	if ((rc = cli_page(c, e, ov, &limit)) != 0) {
		tbl_free(d.tb);
		cli_custom_columns_free(d.cc, d.ncc);
		return rc;
	}
	tbl_keep_last(d.tb, limit);
	rc = cli_read_table(c, d.tb, list_txn, &d, &d.oom);
	cli_custom_columns_free(d.cc, d.ncc);
	return rc;
}

static int
exec_deal_list(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	return exec_list(c, DBK_T_DEAL, npos, pos, e, ov);
}

static int
exec_payment_list(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	return exec_list(c, DBK_T_PAYMENT, npos, pos, e, ov);
}

static const struct opt list_opts[] = {
	CLI_PAGE_OPTS,
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_deal_list = {
	"deal", "list", "[<customer>]", 0, 1, list_opts, CMD_STORE,
	"list deals, of one customer or all",
	"dealbook --reveal deal list 20240501",
	exec_deal_list
};

const struct cmd_entry cmd_payment_list = {
	"payment", "list", "[<customer>]", 0, 1, list_opts, CMD_STORE,
	"list payments, of one customer or all",
	"dealbook --reveal payment list",
	exec_payment_list
};
