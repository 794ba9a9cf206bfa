/*
 * test_merge.c -- merging record states between replicas (RELIABILITY R12,
 * R16): a seeded property test.  Three replicas edit the same records and
 * fields concurrently, delete and create again, and exchange their
 * records in random order with duplicates; after a full exchange every
 * replica holds byte-identical canonical state, and no replica keeps in
 * history a version newer than the current one.  DBK_MERGE_CASES (default
 * 3000: thousands per CI run) and DBK_MERGE_SEED (default 1) set the run; a failure prints the
 * case's seed.
 */
#include "testutil.h"
#include "record_int.h"

#include <cjson/cJSON.h>

#define NREP 3
#define MAXREC 64

struct rng {
	uint64_t s;
};

static uint64_t
rnd(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(2685821657736338717);
}

static size_t
pick(struct rng *r, size_t n)
{
	return (size_t)(rnd(r) % n);
}

struct world {
	struct tu_store rep[NREP];
	struct dbk_id ids[MAXREC];
	size_t nids;
};

static const char *const fields[] = { "name", "industry", "pain", "business",
	"owner" };
static const char *const words[] = { "甲", "乙", "丙", "alpha", "beta",
	"gamma", "delta", "製造業", "物流" };

/* Copy every record of `from` (tombstones too) into `to` by merging, in
 * one transaction; the order is shuffled and some records sent twice. */
static void
exchange(struct world *w, size_t from, size_t to, struct rng *r,
    struct dbki_merge_counts *mc)
{
	struct dbk_txn *tf = tu_begin(w->rep[from].s, 0);
	struct dbk_txn *tt = tu_begin(w->rep[to].s, 1);
	struct dbk_error err = { 0 };
	MDB_cursor *c;
	MDB_val k, v;
	struct { uint8_t key[17]; char *json; size_t n; } items[MAXREC * 2];
	size_t n = 0;

	assert_int_equal(mdb_cursor_open(tf->t, tf->s->dbi[DBI_REC], &c), 0);
	for (int mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint8_t *pt = NULL;
		size_t pn = 0;
		assert_int_equal(k.mv_size, 17);
		assert_int_equal(dbki_open_value(tf, DBI_REC, &k, &v, &pt, &pn,
		    &err), 0);
		assert_true(n < MAXREC * 2);
		memcpy(items[n].key, k.mv_data, 17);
		items[n].json = (char *)pt;
		items[n].n = pn;
		n++;
	}
	mdb_cursor_close(c);
	dbk_txn_abort(tf);
	/* Shuffle; send some twice. */
	for (size_t i = n; i > 1; i--) {
		size_t j = pick(r, i);
		__typeof__(items[0]) tmp = items[i - 1];
		items[i - 1] = items[j];
		items[j] = tmp;
	}
	for (size_t i = 0; i < n; i++) {
		int times = pick(r, 4) == 0 ? 2 : 1;
		struct dbk_id id;
		memcpy(id.b, items[i].key + 1, 16);
		while (times-- > 0)
			TU_OK(dbki_record_merge(tt, (enum dbk_type)items[i].key[0], &id,
			    items[i].json, items[i].n, mc, &err), &err);
	}
	tu_commit(tt);
	for (size_t i = 0; i < n; i++)
		dbki_free_plain(items[i].json, items[i].n);
}

/* One replica's state: each record's canonical form, in key order. */
static char *
state_of(struct tu_store *ts)
{
	struct dbk_txn *t = tu_begin(ts->s, 0);
	struct dbk_error err = { 0 };
	struct dbki_buf b;
	MDB_cursor *c;
	MDB_val k, v;

	dbki_buf_init(&b, (size_t)1 << 26);
	assert_int_equal(mdb_cursor_open(t->t, t->s->dbi[DBI_REC], &c), 0);
	for (int mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct dbk_record *rec = NULL;
		struct dbk_id id;
		uint8_t *pt = NULL;
		size_t pn = 0;
		char hex[35];
		memcpy(id.b, (uint8_t *)k.mv_data + 1, 16);
		assert_int_equal(dbki_open_value(t, DBI_REC, &k, &v, &pt, &pn,
		    &err), 0);
		TU_OK(dbki_record_decode(t->s, (enum dbk_type)((uint8_t *)
		    k.mv_data)[0], &id, (const char *)pt, pn, 0, &rec, &err), &err);
		dbki_free_plain(pt, pn);
		dbki_hex(hex, k.mv_data, 17);
		dbki_buf_adds(&b, hex);
		dbki_buf_addc(&b, '=');
		assert_int_equal(dbki_record_canonical(rec, &b), 0);
		dbki_buf_addc(&b, '\n');
		dbk_record_free(rec);
	}
	mdb_cursor_close(c);
	dbk_txn_abort(t);
	dbki_buf_addc(&b, '\0');
	assert_false(b.oom);
	return b.p;
}

/* A random local edit on replica i. */
static void
edit(struct world *w, size_t i, struct rng *r)
{
	struct dbk_txn *t = tu_begin(w->rep[i].s, 1);
	struct dbk_error err = { 0 };
	size_t op = pick(r, 10);

	if (w->nids == 0 || op < 3) {
		/* Create (also "create again" after a delete: a new record
		 * with the same name). */
		struct dbk_field f[] = { { "name", words[pick(r, 9)] } };
		if (w->nids < MAXREC) {
			TU_OK(dbk_customer_add(t, f, 1, &w->ids[w->nids], &err), &err);
			w->nids++;
		}
	} else {
		const struct dbk_id *id = &w->ids[pick(r, w->nids)];
		struct dbk_record *rec = NULL;
		int rc = dbk_record_load(t, id, &rec, &err);
		dbk_error_clear(&err);
		/* Not here yet (made elsewhere, not exchanged), or removed:
		 * nothing to do on this replica. */
		if (rc == 0 && !dbk_record_deleted(rec)) {
			if (op == 9) {
				TU_OK(dbk_record_delete(t, id, &err), &err);
			} else {
				struct dbk_field f[] = { { fields[pick(r, 5)],
					words[pick(r, 9)] } };
				TU_OK(dbk_record_update(t, id, f, 1, NULL, &err), &err);
			}
		}
		dbk_record_free(rec);
	}
	tu_commit(t);
}

/*
 * Last writer wins: no value in a replica's history of a field is newer
 * than the field's current version (a merge that took an older version
 * over a newer one would leave the newer one there).  Returns the number
 * of such entries.
 */
static size_t
newer_in_history(struct tu_store *ts)
{
	struct dbk_txn *t = tu_begin(ts->s, 0);
	struct dbk_error err = { 0 };
	MDB_cursor *c;
	MDB_val k, v;
	size_t bad = 0;

	assert_int_equal(mdb_cursor_open(t->t, t->s->dbi[DBI_HIST], &c), 0);
	for (int mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct dbk_record *rec = NULL;
		struct dbk_id id;
		uint8_t *pt = NULL;
		size_t pn = 0;
		cJSON *o;
		uint64_t cur = 0, old;
		const char *member = NULL;
		assert_int_equal(dbki_open_value(t, DBI_HIST, &k, &v, &pt, &pn,
		    &err), 0);
		o = cJSON_ParseWithLength((const char *)pt, pn);
		assert_non_null(o);
		memcpy(id.b, (uint8_t *)k.mv_data + 1, 16);
		old = strtoull(cJSON_GetObjectItem(o, "h")->valuestring, NULL, 16);
		if (dbki_record_load(t, (enum dbk_type)((uint8_t *)k.mv_data)[0],
		    &id, &rec, &err) == 0 &&
		    dbk_record_version(rec, cJSON_GetObjectItem(o, "f")->valuestring,
		    &cur, &member) == 0 && old > cur)
			bad++;
		dbk_error_clear(&err);
		dbk_record_free(rec);
		cJSON_Delete(o);
		dbki_free_plain(pt, pn);
	}
	mdb_cursor_close(c);
	dbk_txn_abort(t);
	return bad;
}

static int
show_problem(const struct dbk_problem *p, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "  doctor: %s%s%s: %s\n", p->where,
	    p->field ? ", field " : "", p->field ? p->field : "", p->what);
	return 0;
}

static void
one_case(uint64_t seed)
{
	struct world w;
	struct rng r = { seed * UINT64_C(0x9E3779B97F4A7C15) + 1 };
	struct dbki_merge_counts mc = { 0 };
	char *st[NREP];
	size_t steps = 5 + pick(&r, 30);

	memset(&w, 0, sizeof w);
	for (size_t i = 0; i < NREP; i++) {
		tu_store_new(&w.rep[i], NULL);
		dbk_store_set_clock(w.rep[i].s, TU_NOW);
	}
	for (size_t s = 0; s < steps; s++) {
		if (pick(&r, 4) == 0) {
			size_t a = pick(&r, NREP), b = pick(&r, NREP - 1);
			exchange(&w, a, b >= a ? b + 1 : b, &r, &mc);
		} else {
			edit(&w, pick(&r, NREP), &r);
		}
	}
	/* A full exchange: every ordered pair, in a random order, three
	 * times over (so each replica has seen every version, whatever the
	 * order; merging must not depend on it). */
	for (int round = 0; round < 3; round++) {
		size_t pairs[NREP * (NREP - 1)][2], np = 0;
		for (size_t a = 0; a < NREP; a++)
			for (size_t b = 0; b < NREP; b++)
				if (a != b) {
					pairs[np][0] = a;
					pairs[np][1] = b;
					np++;
				}
		for (size_t i = np; i > 1; i--) {
			size_t j = pick(&r, i), t0 = pairs[i - 1][0],
			    t1 = pairs[i - 1][1];
			pairs[i - 1][0] = pairs[j][0];
			pairs[i - 1][1] = pairs[j][1];
			pairs[j][0] = t0;
			pairs[j][1] = t1;
		}
		for (size_t i = 0; i < np; i++)
			exchange(&w, pairs[i][0], pairs[i][1], &r, &mc);
	}
	for (size_t i = 0; i < NREP; i++)
		st[i] = state_of(&w.rep[i]);
	for (size_t i = 1; i < NREP; i++)
		if (strcmp(st[0], st[i]) != 0)
			fail_msg("seed %llu: replica %zu differs from replica 0:\n"
			    "%s\n---\n%s", (unsigned long long)seed, i, st[0], st[i]);
	for (size_t i = 0; i < NREP; i++) {
		size_t bad = newer_in_history(&w.rep[i]);
		if (bad != 0)
			fail_msg("seed %llu: replica %zu keeps %zu newer versions in "
			    "history than the current ones", (unsigned long long)seed,
			    i, bad);
	}
	/* Merging never breaks a store's indexes. */
	for (size_t i = 0; i < NREP; i++) {
		struct dbk_error err = { 0 };
		size_t np = 99;
		assert_int_equal(dbk_store_check(w.rep[i].s, show_problem, NULL,
		    &np, &err), 0);
		if (np != 0)
			fail_msg("seed %llu: replica %zu fails doctor (%zu problems)",
			    (unsigned long long)seed, i, np);
	}
	for (size_t i = 0; i < NREP; i++) {
		free(st[i]);
		tu_store_free(&w.rep[i]);
	}
}

static void
test_converge(void **state)
{
	const char *cs = getenv("DBK_MERGE_CASES"), *ss = getenv("DBK_MERGE_SEED");
	uint64_t cases = cs != NULL ? strtoull(cs, NULL, 10) : 3000;
	uint64_t seed = ss != NULL ? strtoull(ss, NULL, 10) : 1;

	(void)state;
	for (uint64_t i = 0; i < cases; i++)
		one_case(seed + i);
}

/* Same field, both sides: the higher HLC wins everywhere, the loser is
 * in history; a replayed state changes nothing; a tombstone stays. */
static void
test_rules(void **state)
{
	struct world w;
	struct dbki_merge_counts mc = { 0 };
	struct dbk_error err = { 0 };
	struct dbk_txn *t;
	struct dbk_record *rec = NULL;
	struct rng r = { 42 };

	(void)state;
	memset(&w, 0, sizeof w);
	for (size_t i = 0; i < 2; i++) {
		tu_store_new(&w.rep[i], NULL);
		dbk_store_set_clock(w.rep[i].s, TU_NOW);
	}
	t = tu_begin(w.rep[0].s, 1);
	{
		struct dbk_field f[] = { { "name", "甲" } };
		TU_OK(dbk_customer_add(t, f, 1, &w.ids[0], &err), &err);
	}
	tu_commit(t);
	exchange(&w, 0, 1, &r, &mc);
	assert_true(mc.added >= 1);	/* the customer and its first stage */
	/* Both edit the name; replica 1 later (a later clock). */
	t = tu_begin(w.rep[0].s, 1);
	{
		struct dbk_field f[] = { { "name", "乙" } };
		TU_OK(dbk_record_update(t, &w.ids[0], f, 1, NULL, &err), &err);
	}
	tu_commit(t);
	dbk_store_set_clock(w.rep[1].s, TU_NOW + 60);
	t = tu_begin(w.rep[1].s, 1);
	{
		struct dbk_field f[] = { { "name", "丙" } };
		TU_OK(dbk_record_update(t, &w.ids[0], f, 1, NULL, &err), &err);
	}
	tu_commit(t);
	memset(&mc, 0, sizeof mc);
	exchange(&w, 0, 1, &r, &mc);	/* 乙 loses on replica 1 */
	assert_true(mc.conflicts >= 1);
	exchange(&w, 1, 0, &r, &mc);	/* 丙 wins on replica 0 */
	t = tu_begin(w.rep[0].s, 0);
	TU_OK(dbk_record_load(t, &w.ids[0], &rec, &err), &err);
	assert_string_equal(dbk_record_str(rec, "name"), "丙");
	dbk_record_free(rec);
	dbk_txn_abort(t);
	/* A replay changes nothing. */
	{
		char *before = state_of(&w.rep[0]), *after;
		memset(&mc, 0, sizeof mc);
		exchange(&w, 1, 0, &r, &mc);
		after = state_of(&w.rep[0]);
		assert_string_equal(before, after);
		assert_int_equal(mc.added + mc.updated, 0);
		free(before);
		free(after);
	}
	/* Removed on 0; an old state from 1 does not bring it back. */
	t = tu_begin(w.rep[0].s, 1);
	TU_OK(dbk_record_delete(t, &w.ids[0], &err), &err);
	tu_commit(t);
	exchange(&w, 1, 0, &r, &mc);
	t = tu_begin(w.rep[0].s, 0);
	TU_OK(dbk_record_load(t, &w.ids[0], &rec, &err), &err);
	assert_true(dbk_record_deleted(rec));
	dbk_record_free(rec);
	dbk_txn_abort(t);
	for (size_t i = 0; i < 2; i++)
		tu_store_free(&w.rep[i]);
}

/* R15: a version stamped more than a day ahead is set aside and does not
 * move the clock; one just under a day ahead is taken. */
static void
test_skew(void **state)
{
	struct world w;
	struct dbki_merge_counts mc = { 0 };
	struct dbk_error err = { 0 };
	struct dbk_txn *t;
	struct dbk_record *rec = NULL;
	struct rng r = { 7 };
	uint64_t hlc = 0;
	const char *who = NULL;

	/* Real time: the stores' clocks started from it when they were
	 * made, and a skew is measured against it. */
	int64_t now = (int64_t)time(NULL);

	(void)state;
	memset(&w, 0, sizeof w);
	for (size_t i = 0; i < 2; i++) {
		tu_store_new(&w.rep[i], NULL);
		dbk_store_set_clock(w.rep[i].s, now);
	}
	t = tu_begin(w.rep[0].s, 1);
	{
		struct dbk_field f[] = { { "name", "甲" } };
		TU_OK(dbk_customer_add(t, f, 1, &w.ids[0], &err), &err);
	}
	tu_commit(t);
	exchange(&w, 0, 1, &r, &mc);
	/* Replica 1's clock runs a day and a minute ahead. */
	dbk_store_set_clock(w.rep[1].s, now + 86400 + 60);
	t = tu_begin(w.rep[1].s, 1);
	{
		struct dbk_field f[] = { { "name", "未來" } };
		TU_OK(dbk_record_update(t, &w.ids[0], f, 1, NULL, &err), &err);
	}
	tu_commit(t);
	memset(&mc, 0, sizeof mc);
	exchange(&w, 1, 0, &r, &mc);
	assert_true(mc.quarantined >= 1);
	t = tu_begin(w.rep[0].s, 1);
	TU_OK(dbk_record_load(t, &w.ids[0], &rec, &err), &err);
	assert_string_equal(dbk_record_str(rec, "name"), "甲");
	dbk_record_free(rec);
	/* The local clock did not jump: a new local write is stamped now. */
	assert_true((dbki_hlc_next(t) >> 16) <= (uint64_t)(now + 1) * 1000);
	dbk_txn_abort(t);
	/* Just under a day ahead (a third replica: the second one's clock
	 * cannot go back): taken. */
	tu_store_new(&w.rep[2], NULL);
	dbk_store_set_clock(w.rep[2].s, now);
	exchange(&w, 0, 2, &r, &mc);
	dbk_store_set_clock(w.rep[2].s, now + 86400 - 60);
	t = tu_begin(w.rep[2].s, 1);
	{
		struct dbk_field f[] = { { "industry", "物流" } };
		TU_OK(dbk_record_update(t, &w.ids[0], f, 1, NULL, &err), &err);
	}
	tu_commit(t);
	memset(&mc, 0, sizeof mc);
	exchange(&w, 2, 0, &r, &mc);
	assert_int_equal(mc.quarantined, 0);
	t = tu_begin(w.rep[0].s, 0);
	TU_OK(dbk_record_load(t, &w.ids[0], &rec, &err), &err);
	assert_string_equal(dbk_record_str(rec, "industry"), "物流");
	assert_string_equal(dbk_record_str(rec, "name"), "甲");
	assert_int_equal(dbk_record_version(rec, "industry", &hlc, &who), 0);
	dbk_record_free(rec);
	dbk_txn_abort(t);
	for (size_t i = 0; i < 3; i++)
		tu_store_free(&w.rep[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_skew),
		cmocka_unit_test(test_converge),
	};

	if (tu_process_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
