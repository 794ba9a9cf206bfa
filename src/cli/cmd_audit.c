/*
 * cmd_audit.c -- audit, audit verify, backup, doctor, and the generic
 * edit of any record's fields.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"

struct audit_ctx {
	struct cli *c;
	struct tbl *tb;
	int64_t since;
	const char *member;
	const char *record_ref;
	char record[DBK_ID_HEX];
	int oom;
};

static int
audit_cb(const struct dbk_audit_entry *e, void *vctx)
{
	struct audit_ctx *a = vctx;
	char seq[24], secs[24], *when, *fields = NULL, idbuf[DBK_ID_HEX];
	const char *row[8];
	char rep[17];
	size_t len = 0;

	if (e->time < a->since)
		return 0;
	if (a->member != NULL && strcmp(e->member, a->member) != 0)
		return 0;
	if (a->record[0] != '\0' && strcmp(e->id, a->record) != 0)
		return 0;
	for (size_t i = 0; i < e->nfields; i++)
		len += strlen(e->fields[i]) + 1;
	if ((fields = calloc(len + 1, 1)) == NULL) {
		a->oom = 1;
		return 0;
	}
	{
		/* Names joined by one space; len was summed for exactly this. */
		size_t off = 0;
		for (size_t i = 0; i < e->nfields; i++) {
			size_t fl = strlen(e->fields[i]);
			if (i)
				fields[off++] = ' ';
			memcpy(fields + off, e->fields[i], fl);
			off += fl;
		}
		fields[off] = '\0';
	}
	snprintf(seq, sizeof seq, "%" PRIu64, e->seq);
	snprintf(secs, sizeof secs, "%" PRId64, e->time);
	when = cli_datetime(a->c, secs);
	snprintf(idbuf, sizeof idbuf, "%.*s", cli_machine(a->c) ? 32 : 8, e->id);
	row[0] = seq;
	row[1] = when;
	row[2] = e->member;
	snprintf(rep, sizeof rep, "%.*s", cli_machine(a->c) ? 16 : 8, e->replica);
	row[3] = rep;
	row[4] = e->action;
	row[5] = e->type;
	row[6] = idbuf;
	row[7] = fields;
	if (tbl_add_row(a->tb, row) != 0)
		a->oom = 1;
	free(when);
	free(fields);
	return 0;
}

static int
audit_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct audit_ctx *a = vctx;

	if (a->record_ref != NULL) {
		struct dbk_id id;
		int rc = dbk_resolve(t, 0, a->record_ref, &id, err);
		if (rc != 0)
			return rc;
		dbk_id_format(&id, a->record);
	}
	return dbk_audit_list(t, audit_cb, a, err);
}

static int
exec_audit(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	static const char *const keys[] = { "seq", "at", "member", "replica",
		"action", "type", "id", "fields" };
	const char *en[] = { "seq", "when", "member", "laptop", "action", "type",
		"id", "fields" };
	const char *zh[] = { "序號", "時間", "成員", "設備", "操作", "類型", "編號",
		"欄位" };
	struct audit_ctx a = { 0 };
	const char *since = opt_get(e, ov, "since");
	size_t limit;
	int rc;

	(void)npos; (void)pos;
	a.c = c;
	a.member = opt_get(e, ov, "member");
	a.record_ref = opt_get(e, ov, "record");
	a.since = INT64_MIN;
	if (since != NULL && dbk_parse_datetime(since, dbk_store_now(c->store),
	    &a.since) != 0)
		return cli_error(5, "invalid date '%s' for --since (expected "
		    "YYYY-MM-DD)", since);
	if ((a.tb = tbl_new(8, keys, c->zh ? zh : en)) == NULL)
		return cli_error(1, "out of memory");
	if ((rc = cli_page(c, e, ov, &limit)) != 0) {
		tbl_free(a.tb);
		return rc;
	}
	tbl_keep_last(a.tb, limit);
	return cli_read_table(c, a.tb, audit_txn, &a, &a.oom);
}

static const struct opt audit_opts[] = {
	{ "since", "DATE", 0, "only entries from this date on" },
	{ "member", "M", 0, "only this member's entries" },
	{ "record", "ID", 0, "only entries about this record" },
	CLI_PAGE_OPTS,
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_audit = {
	"audit", NULL, "", 0, 0, audit_opts, CMD_STORE,
	"list the audit trail: who changed which fields of what, and when",
	"dealbook audit --record 20240501",
	exec_audit
};

struct verify_ctx {
	uint64_t bad, count;
};

static int
verify_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct verify_ctx *v = vctx;

	return dbk_audit_verify(t, &v->bad, &v->count, err);
}

static int
exec_audit_verify(struct cli *c, const struct cmd_entry *e, int npos,
    char **pos, struct optv *ov)
{
	struct verify_ctx v = { 0, 0 };
	int rc;

	(void)e; (void)npos; (void)pos; (void)ov;
	if ((rc = dbk_store_read(c->store, verify_txn, &v, &c->err)) != 0)
		return cli_fail(c, rc);
	{
		char cnt[24];
		const char *kv[] = { "audit", "intact", "entries", cnt };
		snprintf(cnt, sizeof cnt, "%" PRIu64, v.count);
		if (cli_json_status(c, kv, 2))
			return 0;
	}
	printf("audit trail intact: %" PRIu64 " entries, signed head verified\n",
	    v.count);
	return 0;
}

const struct cmd_entry cmd_audit_verify = {
	"audit", "verify", "", 0, 0, NULL, CMD_STORE,
	"check the audit chain and its signed head (exit 6 at the first bad entry)",
	"dealbook audit verify",
	exec_audit_verify
};

static int
exec_backup(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	int rc;

	(void)e; (void)npos; (void)ov;
	if ((rc = dbk_store_backup(c->store, pos[0], &c->err)) != 0)
		return cli_fail(c, rc);
	{
		const char *kv[] = { "backup", pos[0] };
		if (cli_json_status(c, kv, 1))
			return 0;
	}
	printf("backup written to %s (encrypted; restore by copying it to "
	    "DIR/data.mdb)\n", pos[0]);
	return 0;
}

const struct cmd_entry cmd_backup = {
	"backup", NULL, "<file>", 1, 1, NULL, CMD_STORE,
	"write a compacted, still encrypted copy of the store",
	"dealbook backup /media/usb/dealbook-2024-06-30.mdb",
	exec_backup
};

static int
doctor_cb(const struct dbk_problem *p, void *vctx)
{
	(void)vctx;
	if (p->field != NULL)
		printf("%s, field %s: %s\n", p->where, p->field, p->what);
	else
		printf("%s: %s\n", p->where, p->what);
	return 0;
}

static int
exec_doctor(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	size_t n = 0;
	int rc;

	(void)npos; (void)pos;
	if ((rc = dbk_store_check(c->store, doctor_cb, NULL, &n, &c->err)) != 0)
		return cli_fail(c, rc);
	if (opt_has(e, ov, "accept-rollback")) {
		uint64_t seq;
		if (n > 0)
			return cli_error(6, "the store check found %zu problem%s: "
			    "the rollback is not accepted", n, n == 1 ? "" : "s");
		if ((rc = dbk_store_accept_rollback(c->store, &seq,
		    &c->err)) != 0)
			return cli_fail(c, rc);
		if (seq == 0)
			printf("no rollback to accept: the store is as new as "
			    "every teammate has seen it\n");
		else
			printf("rollback accepted: changes are allowed again; the "
			    "next bundle is numbered after %" PRIu64 ", the last "
			    "one a teammate holds\n", seq);
		return 0;
	}
	if (dbk_store_rollback(c->store) != 0)
		fprintf(stderr, tr("dealbook: warning (W_ROLLBACK): a teammate holds "
		    "bundle %" PRIu64 " of this store, which it never made: it "
		    "was put back to an older copy; changes are refused until "
		    "'dealbook doctor --accept-rollback'\n"),
		    dbk_store_rollback(c->store));
	if (n > 0)
		return cli_error(6, "the store check found %zu problem%s", n,
		    n == 1 ? "" : "s");
	{
		const char *kv[] = { "check", "passed" };
		if (cli_json_status(c, kv, 1))
			return 0;
	}
	printf("store check passed: every value decrypts, the indexes match "
	    "the records, the audit trail is intact\n");
	return 0;
}

static const struct opt doctor_opts[] = {
	{ "accept-rollback", NULL, 0, "after a W_ROLLBACK warning: accept that "
	    "the store was put back to an older copy, and allow changes again" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_doctor = {
	"doctor", NULL, "", 0, 0, doctor_opts, CMD_STORE,
	"decrypt everything, check indexes and the audit trail (exit 6 on a problem)",
	"dealbook doctor",
	exec_doctor
};

/* ---- edit any record ---- */

struct edit_ctx {
	const char *ref;
	struct dbk_field *f;
	size_t n, changed;
	struct dbk_id id;
	enum dbk_type type;
};

static int
edit_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct edit_ctx *x = vctx;
	struct dbk_record *r = NULL;
	int rc = dbk_resolve(t, 0, x->ref, &x->id, err);

	if (rc != 0)
		return rc;
	if ((rc = dbk_record_load(t, &x->id, &r, err)) != 0)
		return rc;
	x->type = dbk_record_type(r);
	dbk_record_free(r);
	return dbk_record_update(t, &x->id, x->f, x->n, &x->changed, err);
}

static int
exec_edit(struct cli *c, const struct cmd_entry *e, int npos, char **pos,
    struct optv *ov)
{
	const struct optv *sets = opt_all(e, ov, "set");
	struct edit_ctx x = { 0 };
	char sid[9];
	int rc;

	(void)npos;
	if (sets == NULL || sets->n == 0)
		return cli_usage_error(e, "nothing to change: give --set FIELD=VALUE");
	if ((x.f = calloc(sets->n, sizeof *x.f)) == NULL)
		return cli_error(1, "out of memory");
	for (size_t i = 0; i < sets->n; i++) {
		const char *eq = strchr(sets->vals[i], '=');
		if (eq == NULL || eq == sets->vals[i]) {
			rc = cli_error(5, "invalid --set '%s' (expected FIELD=VALUE)",
			    sets->vals[i]);
			goto out;
		}
		if ((x.f[i].name = strndup(sets->vals[i],
		    (size_t)(eq - sets->vals[i]))) == NULL) {
			rc = cli_error(1, "out of memory");
			goto out;
		}
		x.f[i].value = eq + 1;
		x.n++;
	}
	x.ref = pos[0];
	if ((rc = dbk_store_write(c->store, edit_txn, &x, &c->err)) != 0) {
		rc = cli_fail(c, rc);
		goto out;
	}
	(void)sid;
	cli_print_updated(c, dbk_type_name(x.type), &x.id, x.changed);
out:
	for (size_t i = 0; i < x.n; i++)
		free((char *)x.f[i].name);
	free(x.f);
	return rc;
}

static const struct opt edit_opts[] = {
	{ "set", "FIELD=VALUE", 1, "the new value (empty clears it)" },
	{ NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_edit = {
	"edit", NULL, "<record>", 1, 1, edit_opts, CMD_STORE,
	"change fields of any record (interaction, contact, deal, ...); "
	"earlier values stay in history",
	"dealbook edit 3f2a9c1b --set summary='介紹方案，客戶要求案例'",
	exec_edit
};
