/*
 * backup.c -- compacted backups and the full store check (doctor).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "internal.h"
#include "record_int.h"
#include "schema.h"
#include "buf.h"

/* LMDB's compacting copy runs in a thread writing into a pipe; we copy
 * the pipe into the file, counting bytes for the progress line. */
struct copier {
	MDB_env *env;
	int wfd;
	int rc;
};

static void *
copy_thread(void *vctx)
{
	struct copier *cp = vctx;

	/* The hook is read here, on the copier's thread, while the
	 * caller's waits in read(): never two at once. */
	cp->rc = dbki_fault_io() ? EIO :
	    mdb_env_copyfd2(cp->env, cp->wfd, MDB_CP_COMPACT);
	close(cp->wfd);
	return NULL;
}

static int
copy_with_progress(struct dbk_store *s, int fd, int *werr)
{
	struct copier cp = { s->env, -1, 0 };
	pthread_t th;
	MDB_envinfo info;
	MDB_stat st;
	uint64_t total = 0, done = 0;
	int p[2];
	char *buf;

	*werr = 0;
	if (mdb_env_info(s->env, &info) == 0 && mdb_env_stat(s->env, &st) == 0)
		total = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
	if ((buf = malloc(1 << 16)) == NULL)
		return ENOMEM;
	if (pipe2(p, O_CLOEXEC) != 0) {
		free(buf);
		return errno;
	}
	cp.wfd = p[1];
	if (pthread_create(&th, NULL, copy_thread, &cp) != 0) {
		close(p[0]);
		close(p[1]);
		free(buf);
		return EAGAIN;
	}
	dbki_progress(s, "backup", 0, total);
	for (;;) {
		ssize_t r = read(p[0], buf, 1 << 16), off = 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		/* After a write error, keep draining so the copier ends. */
		while (*werr == 0 && off < r) {
			ssize_t w = dbki_fault_io() ? -1 :
			    write(fd, buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				*werr = w < 0 ? errno : EIO;
				break;
			}
			off += w;
		}
		done += (uint64_t)r;
		dbki_progress(s, "backup", done, total > done ? total : done);
	}
	close(p[0]);
	pthread_join(th, NULL);
	free(buf);
	/* Compaction makes the copy smaller than the estimate: say done. */
	dbki_progress(s, "backup", done ? done : 1, done ? done : 1);
	return cp.rc;
}

int
dbk_store_backup(struct dbk_store *s, const char *path, struct dbk_error *err)
{
	int werr = 0, anon = 0;
	char *tmp = NULL, *dircopy = NULL;
	struct stat st;
	int fd = -1, dfd = -1, rc = 0, mrc;

	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return dbki_error_set(err, DBK_EINVAL,
		    "'%s' exists and is not a regular file", path);
	{
		/* Never into the store's own directory: replacing data.mdb or
		 * lock.mdb under a running dealbook would lose data. */
		char *copy = strdup(path), *dir, *real = NULL;
		int inside = 0;
		if (copy == NULL)
			return dbki_error_set(err, DBK_ENOMEM, "out of memory");
		dir = dirname(copy);
		if ((real = realpath(dir, NULL)) != NULL &&
		    strcmp(real, s->path) == 0)
			inside = 1;
		free(real);
		free(copy);
		if (inside)
			return dbki_error_set(err, DBK_EINVAL, "'%s' is inside the "
			    "store's own directory: back up to another place", path);
	}
	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	/* An unnamed file in the target's directory (O_TMPFILE), named only
	 * once it is complete: a backup killed half-way leaves nothing.
	 * Where the filesystem cannot, a 0600 temporary name instead. */
	if ((dircopy = strdup(path)) == NULL) {
		free(tmp);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	fd = open(dirname(dircopy), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	free(dircopy);
	dircopy = NULL;
	if (fd >= 0) {
		anon = 1;
	} else if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		rc = dbki_error_set(err, DBK_EIO, "cannot write the backup '%s': %s",
		    path, strerror(errno));
		free(tmp);
		return rc;
	}
	mrc = copy_with_progress(s, fd, &werr);
	if (mrc == 0 && werr != 0)
		mrc = werr;
	if (mrc != 0) {
		rc = mrc == ENOSPC || mrc == EFBIG || mrc == EDQUOT ?
		    dbki_error_set(err, DBK_EFULL, "writing the backup '%s': %s",
		    path, strerror(mrc)) :
		    dbki_error_lmdb(err, mrc, "writing the backup");
		goto fail;
	}
	if (dbki_fault_io() || fsync(fd) != 0) {
		rc = dbki_error_errno(err, errno == ENOSPC ? DBK_EFULL : DBK_EIO,
		    "syncing", tmp);
		goto fail;
	}
	if (anon) {
		/* Complete: give it a temporary name, then the real one. */
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		for (int tries = 0;; tries++) {
			uint8_t r[6];
			char hex[13];
			randombytes_buf(r, sizeof r);
			dbki_hex(hex, r, sizeof r);
			memcpy(tmp + strlen(tmp) - 6, hex, 6);
			if (!dbki_fault_io() && linkat(AT_FDCWD, proc, AT_FDCWD,
			    tmp, AT_SYMLINK_FOLLOW) == 0)
				break;
			if (errno != EEXIST || tries >= 16) {
				rc = dbki_error_errno(err, DBK_EIO, "naming the backup", tmp);
				goto fail;
			}
		}
		anon = 0; /* from here on, a name to clean up */
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = dbki_error_errno(err, DBK_EIO, "closing", tmp);
		goto fail;
	}
	fd = -1;
	if (dbki_fault_io() || rename(tmp, path) != 0) {
		rc = dbki_error_errno(err, DBK_EIO, "renaming the backup to", path);
		goto fail;
	}
	/* Make the rename itself durable. */
	if ((dircopy = strdup(path)) != NULL &&
	    (dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(dircopy);
	free(tmp);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	if (!anon)
		(void)unlink(tmp);
	free(tmp);
	return rc;
}

/* ---- the check ---- */

struct check {
	uint64_t done, total;
	struct dbk_txn *t;
	dbk_problem_fn fn;
	void *ctx;
	size_t n;
	int stop;
};

static void
problem(struct check *c, const char *where, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
problem(struct check *c, const char *where, const char *field,
    const char *fmt, ...)
{
	struct dbk_problem p;
	char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	p.where = where;
	p.field = field;
	p.what = what ? what : "(out of memory)";
	c->n++;
	if (c->fn != NULL && c->fn(&p, c->ctx) != 0)
		c->stop = 1;
	free(what);
}

static void
record_where(char *buf, size_t n, enum dbk_type type, const uint8_t id[16])
{
	struct dbk_id rid;
	char hex[DBK_ID_HEX];

	memcpy(rid.b, id, 16);
	dbk_id_format(&rid, hex);
	snprintf(buf, n, "%s %s", dbk_type_name(type) ? dbk_type_name(type) :
	    "record", hex);
}

/* Does rec hold a live or dead record of this type and id? */
static int
rec_exists(struct dbk_txn *t, enum dbk_type type, const uint8_t id[16])
{
	uint8_t k[17];
	MDB_val key = { 17, k }, v;

	k[0] = (uint8_t)type;
	memcpy(k + 1, id, 16);
	return mdb_get(t->t, t->s->dbi[DBI_REC], &key, &v) == 0;
}

static int
check_records(struct check *c, struct dbk_error *err)
{
	struct dbk_txn *t = c->t;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int mrc;

	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[DBI_REC], &cur)) != 0)
		return dbki_error_lmdb(err, mrc, "opening a cursor");
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && !c->stop;
	    mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *kb = k.mv_data;
		char where[96];
		struct dbk_record *r = NULL;
		struct dbk_id id;
		uint8_t *pt = NULL, d[16];
		size_t n = 0;
		const char *pf, *pv;

		if (++c->done % 256 == 0)
			dbki_progress(t->s, "doctor", c->done, c->total);
		if (k.mv_size != 17 || kb[0] < 1 || kb[0] > DBK_T_MAX) {
			problem(c, "records", NULL, "a key of unknown shape");
			continue;
		}
		record_where(where, sizeof where, (enum dbk_type)kb[0], kb + 1);
		memcpy(id.b, kb + 1, 16);
		if (dbki_open_value(t, DBI_REC, &k, &v, &pt, &n, NULL) != 0) {
			problem(c, where, NULL, "fails authentication (modified, "
			    "moved or from another store)");
			continue;
		}
		if (dbki_record_decode(t->s, (enum dbk_type)kb[0], &id,
		    (const char *)pt, n, 0, &r, NULL) != 0) {
			dbki_free_plain(pt, n);
			problem(c, where, NULL, "is malformed");
			continue;
		}
		dbki_free_plain(pt, n);
		/* Sensitive fields, one by one, so the report names them. */
		for (size_t i = 0; i < r->n; i++) {
			char *val = NULL;
			int rc;
			if (r->f[i].sealed == NULL)
				continue;
			rc = dbki_field_open(t->s, id.b, r->f[i].name, r->f[i].sealed,
			    &val, NULL);
			if (rc == DBK_EINTEGRITY)
				problem(c, where, r->f[i].name, "fails authentication "
				    "(modified or moved from another field)");
			if (val != NULL) {
				sodium_memzero(val, strlen(val));
				free(val);
			}
		}
		/* The id index must name this record with its type. */
		{
			uint8_t *iv = NULL;
			size_t in = 0;
			memcpy(d, id.b + 6, 10);
			memcpy(d + 10, id.b, 6);
			if (dbki_get(t, DBI_IDS, d, 16, &iv, &in, NULL) != 0 || in != 1 ||
			    iv[0] != kb[0])
				problem(c, where, NULL, "is missing from the id index");
			dbki_free_plain(iv, in);
		}
		pf = dbki_type_parent_field(r->type);
		if (pf != NULL && (pv = dbk_record_str(r, pf)) != NULL) {
			struct dbk_id parent;
			uint8_t ck[33];
			MDB_val key = { 33, ck }, cv;
			if (dbk_id_parse(pv, &parent) != 0) {
				problem(c, where, pf, "names no valid record");
			} else {
				memcpy(ck, parent.b, 16);
				ck[16] = kb[0];
				memcpy(ck + 17, id.b, 16);
				if (mdb_get(t->t, t->s->dbi[DBI_CHILD], &key, &cv) != 0)
					problem(c, where, pf, "is missing from the "
					    "customer's index");
				if (!rec_exists(t, DBK_T_CUSTOMER, parent.b))
					problem(c, where, pf, "names a customer that "
					    "does not exist");
			}
		}
		if (r->type == DBK_T_CUSTOMER) {
			/* The list index must say what the record says. */
			struct dbki_buf want;
			uint8_t *have = NULL;
			size_t hn = 0;
			int grc = dbki_summary_get(t, id.b, &have, &hn, NULL);
			dbki_buf_init(&want, (size_t)1 << 24);
			dbki_summary_build(r, &want);
			if (grc != 0)
				problem(c, where, NULL, "is missing from the customer "
				    "list index");
			else if (hn != want.len || (hn > 0 &&
			    memcmp(have, want.p, hn) != 0))
				problem(c, where, NULL, "differs from its entry in the "
				    "customer list index");
			dbki_free_plain(have, hn);
			dbki_buf_free(&want);
		}
		if (dbki_fact_fields(r->type) != NULL) {
			/* The fact index must say what the record says. */
			struct dbki_buf want;
			uint8_t *have = NULL;
			size_t hn = 0;
			int grc = dbki_fact_get(t, r->type, id.b, &have, &hn, NULL);
			dbki_buf_init(&want, (size_t)1 << 24);
			dbki_fact_build(r, &want);
			if (grc != 0)
				problem(c, where, NULL, "is missing from the fact "
				    "index");
			else if (hn != want.len || (hn > 0 &&
			    memcmp(have, want.p, hn) != 0))
				problem(c, where, NULL, "differs from its entry in the "
				    "fact index");
			dbki_free_plain(have, hn);
			dbki_buf_free(&want);
		}
		if (r->type == DBK_T_CUSTOMER && !dbk_record_deleted(r) &&
		    dbk_record_str(r, "code") != NULL) {
			struct dbk_id found;
			if (dbk_resolve(t, DBK_T_CUSTOMER, dbk_record_str(r, "code"),
			    &found, NULL) != 0 || memcmp(found.b, id.b, 16) != 0)
				problem(c, where, "code", "is missing from the code "
				    "index");
		}
		dbk_record_free(r);
	}
	mdb_cursor_close(cur);
	return 0;
}

static int
customer_exists(void *vt, const uint8_t *id)
{
	return rec_exists(vt, DBK_T_CUSTOMER, id);
}

static int
typed_exists(void *vt, enum dbk_type type, const uint8_t *id)
{
	return rec_exists(vt, type, id);
}

/* Every value of an index or log database decrypts, and what it points
 * at exists. */
static int
check_db(struct check *c, enum dbki_db db, struct dbk_error *err)
{
	struct dbk_txn *t = c->t;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int mrc;
	uint64_t i = 0;

	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[db], &cur)) != 0)
		return dbki_error_lmdb(err, mrc, "opening a cursor");
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && !c->stop;
	    mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), i++) {
		const uint8_t *kb = k.mv_data;
		uint8_t *pt = NULL;
		size_t n = 0;
		char where[96];

		snprintf(where, sizeof where, "%s entry %" PRIu64,
		    dbki_db_names[db], i + 1);
		if (db == DBI_META && k.mv_size == 6 &&
		    memcmp(kb, "header", 6) == 0)
			continue; /* the one plaintext value, checked at open */
		if (dbki_open_value(t, db, &k, &v, &pt, &n, NULL) != 0) {
			problem(c, where, NULL, "fails authentication (modified, "
			    "moved or from another store)");
			continue;
		}
		switch (db) {
		case DBI_IDS: {
			struct dbk_id id;
			if (k.mv_size != 16 || n != 1) {
				problem(c, where, NULL, "is malformed");
				break;
			}
			memcpy(id.b + 6, kb, 10);
			memcpy(id.b, kb + 10, 6);
			if (!rec_exists(t, (enum dbk_type)pt[0], id.b))
				problem(c, where, NULL, "names a record that does not "
				    "exist");
			break;
		}
		case DBI_CHILD:
			if (k.mv_size != 33 || n != 0)
				problem(c, where, NULL, "is malformed");
			else if (!rec_exists(t, (enum dbk_type)kb[16], kb + 17))
				problem(c, where, NULL, "names a record that does not "
				    "exist");
			break;
		case DBI_CODES:
			if (k.mv_size != 16 || n != 16 ||
			    !rec_exists(t, DBK_T_CUSTOMER, pt))
				problem(c, where, NULL, "names no customer");
			break;
		case DBI_CHANGES:
			if (k.mv_size != 8 || n != 17 ||
			    !rec_exists(t, (enum dbk_type)pt[0], pt + 1))
				problem(c, where, NULL, "names a record that does not "
				    "exist");
			break;
		case DBI_CSUM: {
			int bad = dbki_summary_check_block(kb, k.mv_size, pt, n,
			    customer_exists, t);
			if (bad < 0)
				problem(c, where, NULL, "is malformed");
			else if (bad > 0)
				problem(c, where, NULL, "summarises %d customer%s that "
				    "do not exist", bad, bad == 1 ? "" : "s");
			break;
		}
		case DBI_FACT: {
			int bad = dbki_fact_check_block(kb, k.mv_size, pt, n,
			    typed_exists, t);
			if (bad < 0)
				problem(c, where, NULL, "is malformed");
			else if (bad > 0)
				problem(c, where, NULL, "holds %d fact%s of records "
				    "that do not exist", bad, bad == 1 ? "" : "s");
			break;
		}
		case DBI_BLOB:
			/* Only evaluation runs keep blobs (their results and
			 * inputs); the run checks their hashes itself. */
			if (k.mv_size != 21)
				problem(c, where, NULL, "is malformed");
			else if (!rec_exists(t, DBK_T_EVALRUN, kb))
				problem(c, where, NULL, "belongs to no evaluation run");
			break;
		case DBI_HIST:
			if (k.mv_size != 25 || !rec_exists(t, (enum dbk_type)kb[0],
			    kb + 1))
				problem(c, where, NULL, "belongs to no record");
			else {
				cJSON *o = cJSON_ParseWithLength((const char *)pt, n);
				if (o == NULL)
					problem(c, where, NULL, "is malformed");
				cJSON_Delete(o);
			}
			break;
		default:
			break;
		}
		dbki_free_plain(pt, n);
	}
	mdb_cursor_close(cur);
	return 0;
}

static int
check_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct check *c = vctx;
	static const enum dbki_db dbs[] = { DBI_META, DBI_IDS, DBI_CHILD,
		DBI_CODES, DBI_HIST, DBI_CHANGES, DBI_CSUM, DBI_FACT, DBI_BLOB };
	struct dbk_error aerr = { 0 };
	uint64_t bad = 0;
	int rc;

	c->t = t;
	{
		MDB_stat st;
		c->total = mdb_stat(t->t, t->s->dbi[DBI_REC], &st) == 0 ?
		    st.ms_entries : 0;
		c->done = 0;
		dbki_progress(t->s, "doctor", 0, c->total);
	}
	if ((rc = check_records(c, err)) != 0)
		return rc;
	dbki_progress(t->s, "doctor", c->total, c->total);
	for (size_t i = 0; i < sizeof dbs / sizeof dbs[0] && !c->stop; i++)
		if ((rc = check_db(c, dbs[i], err)) != 0)
			return rc;
	if (!c->stop && dbk_audit_verify(t, &bad, NULL, &aerr) != 0) {
		char where[48];
		snprintf(where, sizeof where, "audit entry %" PRIu64, bad);
		problem(c, bad ? where : "audit chain", NULL, "%s",
		    aerr.msg ? aerr.msg : "broken");
	}
	dbk_error_clear(&aerr);
	/* The roster's signatures: what export trusts before it encrypts. */
	if (!c->stop && dbk_roster_verify(t, NULL, &aerr) != 0)
		problem(c, "roster", NULL, "%s", aerr.msg ? aerr.msg :
		    "a member fails its signature check");
	dbk_error_clear(&aerr);
	return 0;
}

int
dbk_store_check(struct dbk_store *s, dbk_problem_fn fn, void *ctx,
    size_t *nproblems, struct dbk_error *err)
{
	struct check c = { 0, 0, NULL, fn, ctx, 0, 0 };
	int rc = dbk_store_read(s, check_txn, &c, err);

	if (nproblems != NULL)
		*nproblems = c.n;
	return rc;
}
