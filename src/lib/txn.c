/*
 * txn.c -- transactions on the store: the encrypted get/put every value
 * goes through, the hybrid logical clock and change sequence, the key
 * pages opened only for the length of a transaction, and the retry with a
 * grown map after MDB_MAP_FULL.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define MAX_GROW_TRIES 8

/* ---- encrypted values ---- */

#ifdef DBK_TESTING
/*
 * A simulated LMDB failure (fault.h), at the get/put/del every value
 * goes through.  A real one leaves the transaction unusable (LMDB marks
 * it MDB_TXN_ERROR and its commit fails with MDB_BAD_TXN): so does this,
 * or a caller that swallowed the error would commit half its work in
 * tests and never in life.
 */
int
dbki_txn_fault(struct dbk_txn *t, int write)
{
	int mrc;

	if (t->fault_dead)
		return MDB_BAD_TXN;
	if ((mrc = dbki_fault_lmdb(write)) != 0)
		t->fault_dead = 1;
	return mrc;
}
#endif

/* AD = "dbk1" || store id || format || db name || NUL || key. */
static size_t
value_ad(uint8_t *ad, size_t cap, const struct dbk_store *s, enum dbki_db db,
    const void *key, size_t klen)
{
	size_t nlen = strlen(dbki_db_names[db]) + 1, n = 0;

	if (cap < 4 + 16 + 4 + nlen + klen)
		return 0;
	memcpy(ad, "dbk1", 4); n += 4;
	memcpy(ad + n, s->store_id, 16); n += 16;
	dbki_le32(ad + n, DBK_FORMAT_VERSION); n += 4;
	memcpy(ad + n, dbki_db_names[db], nlen); n += nlen;
	memcpy(ad + n, key, klen); n += klen;
	return n;
}

int
dbki_put(struct dbk_txn *t, enum dbki_db db, const void *key, size_t klen,
    const void *val, size_t vlen, unsigned flags, struct dbk_error *err)
{
	uint8_t ad[128];
	size_t adlen = value_ad(ad, sizeof ad, t->s, db, key, klen);
	MDB_val k = { klen, (void *)key }, v = { vlen + DBKI_SEAL_OVERHEAD, NULL };
	int mrc;

	if (adlen == 0)
		return dbki_error_set(err, DBK_EINVAL, "internal key too long");
	/* Reserve the page space and encrypt straight into it. */
	if ((mrc = dbki_txn_fault(t, 1)) == 0)
		mrc = mdb_put(t->t, t->s->dbi[db], &k, &v, flags | MDB_RESERVE);
	if (mrc != 0)
		return dbki_error_lmdb(err, mrc, "writing the store");
	dbk_crypto_aead_seal(v.mv_data, val, vlen, ad, adlen, t->s->sec->dek);
	return 0;
}

int
dbki_open_value(struct dbk_txn *t, enum dbki_db db, const MDB_val *k,
    const MDB_val *v, uint8_t **val, size_t *vlen, struct dbk_error *err)
{
	uint8_t ad[128], *pt;
	size_t adlen = value_ad(ad, sizeof ad, t->s, db, k->mv_data, k->mv_size);
	size_t n;

	*val = NULL;
	if (adlen == 0 || v->mv_size < DBKI_SEAL_OVERHEAD)
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "a value in database '%s' is malformed", dbki_db_names[db]);
	n = v->mv_size - DBKI_SEAL_OVERHEAD;
	if ((pt = malloc(n + 1)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (dbk_crypto_aead_open(pt, v->mv_data, v->mv_size, ad, adlen,
	    t->s->sec->dek) != 0) {
		free(pt);
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "a value in database '%s' failed authentication "
		    "(tampered, moved or from another store)", dbki_db_names[db]);
	}
	pt[n] = '\0';
	*val = pt;
	if (vlen != NULL)
		*vlen = n;
	return 0;
}

int
dbki_get(struct dbk_txn *t, enum dbki_db db, const void *key, size_t klen,
    uint8_t **val, size_t *vlen, struct dbk_error *err)
{
	MDB_val k = { klen, (void *)key }, v;
	int mrc = dbki_txn_fault(t, 0);

	if (mrc == 0)
		mrc = mdb_get(t->t, t->s->dbi[db], &k, &v);

	*val = NULL;
	if (mrc == MDB_NOTFOUND)
		return DBK_ENOTFOUND;
	if (mrc != 0)
		return dbki_error_lmdb(err, mrc, "reading the store");
	return dbki_open_value(t, db, &k, &v, val, vlen, err);
}

#ifdef DBK_TESTING
/* The hygiene test sets this in a child to prove it would notice a
 * forgotten wipe (test builds only). */
int dbki_test_no_wipe;
#endif

void
dbki_free_plain(void *p, size_t len)
{
	if (p == NULL)
		return;
#ifdef DBK_TESTING
	if (!dbki_test_no_wipe)
#endif
	sodium_memzero(p, len);
	free(p);
}

int
dbki_del(struct dbk_txn *t, enum dbki_db db, const void *key, size_t klen,
    struct dbk_error *err)
{
	MDB_val k = { klen, (void *)key };
	int mrc = dbki_txn_fault(t, 1);

	if (mrc == 0)
		mrc = mdb_del(t->t, t->s->dbi[db], &k, NULL);

	if (mrc != 0 && mrc != MDB_NOTFOUND)
		return dbki_error_lmdb(err, mrc, "deleting from the store");
	return 0;
}

/* ---- clock and sequence ---- */

void
dbki_hlc_observe(struct dbk_txn *t, uint64_t remote)
{
	if (remote > t->hlc) {
		t->hlc = remote;
		t->hlc_dirty = 1;
	}
}

uint64_t
dbki_hlc_next(struct dbk_txn *t)
{
	uint64_t phys = (uint64_t)dbki_now(t->s) * 1000u;

	/* Sub-second precision from the real clock when it is not
	 * overridden; the counter keeps the order inside one millisecond. */
	if (t->s->clock_override == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		phys = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	}
	phys = (phys & 0xffffffffffffULL) << 16;
	t->hlc = phys > t->hlc ? phys : t->hlc + 1;
	t->hlc_dirty = 1;
	return t->hlc;
}

uint64_t
dbki_seq_next(struct dbk_txn *t)
{
	t->seq_dirty = 1;
	return ++t->seq;
}

static int
load_counter(struct dbk_txn *t, const char *name, uint64_t *out,
    struct dbk_error *err)
{
	uint8_t *v = NULL;
	size_t n = 0;
	int rc = dbki_get(t, DBI_META, name, strlen(name), &v, &n, err);

	*out = 0;
	if (rc == DBK_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (n != 8) {
		dbki_free_plain(v, n);
		return dbki_error_set(err, DBK_EFORMAT, "meta '%s' is malformed",
		    name);
	}
	*out = dbki_rd_le64(v);
	dbki_free_plain(v, n);
	return 0;
}

static int
save_counter(struct dbk_txn *t, const char *name, uint64_t v,
    struct dbk_error *err)
{
	uint8_t b[8];

	dbki_le64(b, v);
	return dbki_put(t, DBI_META, name, strlen(name), b, 8, 0, err);
}

/* ---- key guarding ---- */

void
dbki_keys_open(struct dbk_store *s)
{
	if (!s->guarded)
		return;
	(void)sodium_mprotect_readonly(s->sec);
	if (s->rkeys != NULL)
		(void)sodium_mprotect_readonly(s->rkeys);
}

void
dbki_keys_close(struct dbk_store *s)
{
	if (!s->guarded)
		return;
	(void)sodium_mprotect_noaccess(s->sec);
	if (s->rkeys != NULL)
		(void)sodium_mprotect_noaccess(s->rkeys);
}

/* ---- transactions ---- */

int
dbk_txn_begin(struct dbk_store *s, int write, struct dbk_txn **out,
    struct dbk_error *err)
{
	struct dbk_txn *t = calloc(1, sizeof *t);
	int mrc, rc;

	if (t == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (write && s->rollback_seq != 0 && !s->gate_open) {
		free(t);
		return dbki_error_set(err, DBK_EINTEGRITY, "this store is older "
		    "than a copy a teammate has seen (they hold its bundle %"
		    PRIu64 "): it was put back from a backup or snapshot, so "
		    "changes are refused until you check and run 'dealbook "
		    "doctor --accept-rollback'", s->rollback_seq);
	}
	t->s = s;
	t->write = write;
	mrc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->t);
	if (mrc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size and retry. */
		MDB_envinfo info;
		if ((mrc = mdb_env_set_mapsize(s->env, 0)) == 0 &&
		    (mrc = mdb_env_info(s->env, &info)) == 0) {
			s->mapsize = info.me_mapsize;
			mrc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY,
			    &t->t);
		}
	}
	if (mrc != 0) {
		free(t);
		return dbki_error_lmdb(err, mrc, "starting a transaction");
	}
	dbki_keys_open(s);
	if (write) {
		if ((rc = load_counter(t, "clock", &t->hlc, err)) != 0 ||
		    (rc = load_counter(t, "seq", &t->seq, err)) != 0) {
			mdb_txn_abort(t->t);
			dbki_keys_close(s);
			free(t);
			return rc;
		}
	}
	*out = t;
	return 0;
}

int
dbk_txn_commit(struct dbk_txn *t, struct dbk_error *err)
{
	int rc = 0, mrc;

	if (t->write)
		rc = dbki_index_flush(t, err);
	dbki_index_drop(t);
	dbki_custom_drop(t);
	if (rc == 0 && t->write && t->audit_dirty)
		rc = dbki_audit_seal_head(t, err);
	if (rc == 0 && t->write && t->hlc_dirty)
		rc = save_counter(t, "clock", t->hlc, err);
	if (rc == 0 && t->write && t->seq_dirty)
		rc = save_counter(t, "seq", t->seq, err);
	if (rc != 0) {
		mdb_txn_abort(t->t);
		dbki_rkeys_settle(t, 0);
		dbki_keys_close(t->s);
		free(t);
		return rc;
	}
#ifdef DBK_TESTING
	if (t->fault_dead) {
		/* What LMDB answers for a transaction that failed earlier:
		 * a caller that went on past the failure is caught here. */
		mdb_txn_abort(t->t);
		mrc = MDB_BAD_TXN;
	} else if (dbki_fault_io()) {
		/* A failed commit aborts the transaction, as LMDB's does. */
		mdb_txn_abort(t->t);
		mrc = EIO;
	} else
#endif
	mrc = mdb_txn_commit(t->t);
	dbki_rkeys_settle(t, mrc == 0);
	dbki_keys_close(t->s);
	free(t);
	if (mrc != 0)
		return dbki_error_lmdb(err, mrc, "committing");
	return 0;
}

void
dbk_txn_abort(struct dbk_txn *t)
{
	if (t == NULL)
		return;
	dbki_index_drop(t);
	dbki_custom_drop(t);
	mdb_txn_abort(t->t);
	dbki_rkeys_settle(t, 0);
	dbki_keys_close(t->s);
	free(t);
}

struct dbk_store *
dbk_txn_store(struct dbk_txn *t)
{
	return t->s;
}

static int
grow_map(struct dbk_store *s, struct dbk_error *err)
{
	size_t next = s->mapsize * 2;
	int mrc;

	if (next < s->mapsize)
		return dbki_error_set(err, DBK_EFULL, "the store map cannot grow");
	mrc = mdb_env_set_mapsize(s->env, next);
	if (mrc != 0)
		return dbki_error_lmdb(err, mrc, "growing the store map");
	s->mapsize = next;
	return 0;
}

int
dbki_map_reserve(struct dbk_store *s, size_t extra, struct dbk_error *err)
{
	MDB_envinfo info;
	MDB_stat st;
	size_t used, want, next = s->mapsize;
	int mrc;

	if (mdb_env_info(s->env, &info) != 0 || mdb_env_stat(s->env, &st) != 0)
		return 0;	/* no estimate: the retries still grow it */
	used = ((size_t)info.me_last_pgno + 1) * st.ms_psize;
	if (used > SIZE_MAX - extra)
		return 0;
	want = used + extra;
	while (next < want && next <= SIZE_MAX / 2)
		next *= 2;
	if (next == s->mapsize)
		return 0;
	if ((mrc = mdb_env_set_mapsize(s->env, next)) != 0)
		return dbki_error_lmdb(err, mrc, "growing the store map");
	s->mapsize = next;
	return 0;
}

static int
run_txn(struct dbk_store *s, int write, dbk_txn_fn fn, void *ctx,
    struct dbk_error *err)
{
	struct dbk_txn *t = NULL;
	int rc;

	for (int tries = 0;; tries++) {
		if ((rc = dbk_txn_begin(s, write, &t, err)) != 0)
			return rc;
		rc = fn(t, ctx, err);
		if (rc == 0 && write)
			rc = dbk_txn_commit(t, err);
		else if (rc == 0)
			dbk_txn_abort(t); /* read-only: nothing to keep */
		else
			dbk_txn_abort(t);
		if (rc != DBK_EFULL || !write || tries >= MAX_GROW_TRIES)
			return rc;
		/* After MDB_MAP_FULL the txn is dead: grow and run again. */
		if ((rc = grow_map(s, err)) != 0)
			return rc;
		dbk_error_clear(err);
	}
}

int
dbk_store_read(struct dbk_store *s, dbk_txn_fn fn, void *ctx,
    struct dbk_error *err)
{
	return run_txn(s, 0, fn, ctx, err);
}

int
dbk_store_write(struct dbk_store *s, dbk_txn_fn fn, void *ctx,
    struct dbk_error *err)
{
	return run_txn(s, 1, fn, ctx, err);
}

