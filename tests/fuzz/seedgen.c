/*
 * seedgen.c -- write the seed corpora of fuzz_record, fuzz_import and
 * fuzz_audit from a real store: records as the store keeps them, the
 * plaintext of a real export (its items after the sender item), and
 * the store's own audit entries.  Run by hand (docs/FUZZING.md):
 *
 *   seedgen tests/fuzz/corpus
 *
 * Keys and ids are random: regenerating gives other bytes of the same
 * shapes.  Not a fuzzer; built with them.
 */
#include "fuzz.h"
#include "bundle.h"

static void
put_file(const char *dir, const char *name, const void *pre, size_t pn,
    const void *p, size_t n)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL ||
	    (pn > 0 && fwrite(pre, 1, pn, fp) != pn) ||
	    (n > 0 && fwrite(p, 1, n, fp) != n) || fclose(fp) != 0)
		fz_die("writing %s", path);
}

static struct dbk_store *
store_at(const char *path, const char *member, const char *team)
{
	struct dbk_error err = { 0 };
	struct dbk_init_opts o = { member, team, NULL, DBK_KDF_TEST, FZ_NOW };
	struct dbk_store *s = NULL;

	if (dbk_store_create(path, FZ_PASS, strlen(FZ_PASS), &o, &err) != 0 ||
	    dbk_store_open(path, FZ_PASS, strlen(FZ_PASS), &s, &err) != 0)
		fz_die("store %s: %s", path, err.msg ? err.msg : "?");
	dbk_store_set_clock(s, FZ_NOW);
	return s;
}

#define CHECK(call) do {						\
	if ((call) != 0)						\
		fz_die("%s: %s", #call, err.msg ? err.msg : "?");	\
} while (0)

int
main(int argc, char **argv)
{
	struct dbk_error err = { 0 };
	struct dbk_store *a, *b;
	struct dbk_txn *t;
	struct dbk_id cid, kid, iid, did;
	struct dbk_export_info xi;
	struct dbki_bundle_info bi;
	char dir[512], pa[96], pb[96], bundle[96], *ib;
	const char *to[] = { "bee" };
	uint8_t *buf, *plain = NULL;
	size_t n, plen = 0;
	FILE *fp;

	if (argc != 2)
		fz_die("usage: seedgen CORPUS-DIR");
	(void)fz_store(NULL);	/* dbk_init, TZ and a scratch directory */
	snprintf(pa, sizeof pa, "%s/a", fz_dir);
	snprintf(pb, sizeof pb, "%s/b", fz_dir);
	snprintf(bundle, sizeof bundle, "%s/bundle", fz_dir);
	a = store_at(pa, "ann", "seed team");
	b = store_at(pb, "bee", NULL);
	ib = dbk_store_identity(b);

	CHECK(dbk_txn_begin(a, 1, &t, &err));
	CHECK(dbk_member_add(t, "bee", ib, "member", 0, NULL, &err));
	{
		const struct dbk_field cf[] = { { "name", "Acme 有限公司" },
			{ "code", "C-001" }, { "budget", "500万" },
			{ "industry", "manufacturing" }, { "priority", "high" } };
		CHECK(dbk_record_create(t, DBK_T_CUSTOMER, cf, 5, &cid, &err));
	}
	{
		char ref[DBK_ID_HEX];
		dbk_id_format(&cid, ref);
		const struct dbk_field kf[] = { { "customer", ref },
			{ "name", "Li \"Lee\" Wei" }, { "phone", "+86 10 1234" },
			{ "role", "decision-maker" } };
		const struct dbk_field nf[] = { { "customer", ref },
			{ "at", "2024-05-09 10:00" }, { "summary", "line 1\nline 2\t\\" },
			{ "channel", "phone" } };
		const struct dbk_field df[] = { { "customer", ref },
			{ "name", "first order" }, { "amount", "1,234.50" } };
		CHECK(dbk_record_create(t, DBK_T_CONTACT, kf, 4, &kid, &err));
		CHECK(dbk_record_create(t, DBK_T_INTERACTION, nf, 4, &iid, &err));
		if (dbk_record_create(t, DBK_T_DEAL, df, 3, &did, &err) != 0) {
			dbk_error_clear(&err);
			memset(&did, 0, sizeof did);
		}
	}
	CHECK(dbk_txn_commit(t, &err));
	{
		/* An update, for a record with two versions of a field. */
		const struct dbk_field uf[] = { { "industry", "retail" } };
		CHECK(dbk_txn_begin(a, 1, &t, &err));
		CHECK(dbk_record_update(t, &cid, uf, 1, NULL, &err));
		CHECK(dbk_txn_commit(t, &err));
	}

	/* Records as stored: type byte, mode byte, the JSON. */
	snprintf(dir, sizeof dir, "%s/record", argv[1]);
	(void)mkdir(dir, 0755);
	CHECK(dbk_txn_begin(a, 0, &t, &err));
	{
		const struct { enum dbk_type ty; struct dbk_id *id; const char *nm; }
		    rs[] = { { DBK_T_CUSTOMER, &cid, "customer" },
			{ DBK_T_CONTACT, &kid, "contact" },
			{ DBK_T_INTERACTION, &iid, "interaction" },
			{ DBK_T_DEAL, &did, "deal" } };
		for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
			uint8_t k[17], pre[2];
			char name[64];
			k[0] = (uint8_t)rs[i].ty;
			memcpy(k + 1, rs[i].id->b, 16);
			if (dbki_get(t, DBI_REC, k, 17, &buf, &n, &err) != 0) {
				dbk_error_clear(&err);
				continue;
			}
			/* The harness's type byte is (byte % max) + 1. */
			pre[0] = (uint8_t)(rs[i].ty - 1);
			for (int m = 0; m < 4; m++) {
				pre[1] = (uint8_t)m;
				snprintf(name, sizeof name, "%s-%d", rs[i].nm, m);
				put_file(dir, name, pre, 2, buf, n);
			}
			dbki_free_plain(buf, n);
		}
	}
	/* The audit trail's entries, one per line (mode 0). */
	snprintf(dir, sizeof dir, "%s/audit", argv[1]);
	(void)mkdir(dir, 0755);
	{
		struct dbki_buf lines;
		uint8_t k[8], z = 0;
		dbki_buf_init(&lines, (size_t)1 << 20);
		for (uint64_t q = 1; q < 32; q++) {
			dbki_be64(k, q);
			if (dbki_get(t, DBI_AUDIT, k, 8, &buf, &n, &err) != 0) {
				dbk_error_clear(&err);
				break;
			}
			if (q > 1)
				dbki_buf_addc(&lines, '\n');
			dbki_buf_add(&lines, buf, n);
			dbki_free_plain(buf, n);
		}
		put_file(dir, "trail", &z, 1, lines.p, lines.len);
		dbki_buf_free(&lines);
		z = 1;
		put_file(dir, "append", &z, 1, "update\nname\nphone", 17);
		z = 3;
		put_file(dir, "append-id", &z, 1, "delete\n\xe5\x90\x8d\n\"q\\", 13);
	}
	dbk_txn_abort(t);

	/* The items of a real export, after its sender item. */
	CHECK(dbk_export(a, to, 1, NULL, 1, bundle, &xi, &err));
	if ((fp = fopen(bundle, "rb")) == NULL)
		fz_die("reading the bundle");
	buf = malloc((size_t)1 << 22);
	n = fread(buf, 1, (size_t)1 << 22, fp);
	fclose(fp);
	dbki_keys_open(b);
	CHECK(dbki_bundle_open(buf, n, b->x_pk, b->sec->x_sk, NULL, NULL, &bi,
	    &plain, &plen, &err));
	dbki_keys_close(b);
	snprintf(dir, sizeof dir, "%s/import", argv[1]);
	(void)mkdir(dir, 0755);
	{
		/* fuzz_import's header names its own team: the team items must
		 * name the same (fuzz_import.c). */
		static const uint8_t team[16] = "fuzzed team id!!";
		char from[33], to_[33];
		uint8_t *p;
		dbki_hex(from, a->team_id, 16);
		dbki_hex(to_, team, 16);
		while ((p = memmem(plain, plen, from, 32)) != NULL)
			memcpy(p, to_, 32);
	}
	if (plen >= 4) {
		size_t first = 4 + ((size_t)plain[0] << 24 | (size_t)plain[1] << 16 |
		    (size_t)plain[2] << 8 | plain[3]);
		if (first <= plen)
			put_file(dir, "export", NULL, 0, plain + first,
			    plen - first);
	}
	put_file(dir, "vector-only", NULL, 0,
	    "\0\0\0\x0d{\"vector\":[]}", 17);
	dbki_free_plain(plain, plen + 1);
	free(buf);
	free(ib);
	dbk_store_close(a);
	dbk_store_close(b);
	return 0;
}
