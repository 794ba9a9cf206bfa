/*
 * store.c -- the encrypted LMDB environment: create, open, close,
 * passphrase change, encrypted get/put, transactions with map growth,
 * the hybrid logical clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <dirent.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "internal.h"
#include "record_int.h"

const char *const dbki_db_names[DBI_COUNT] = {
	"meta", "rec", "child", "ids", "codes", "hist", "changes", "audit",
	"csum", "fact", "blob"
};

/* In meta: the fact index is complete. */
#define FACTS_DONE "facts"

/* The plaintext header: the only value not under the DEK. */
#define HDR_MAGIC "DBKS"
#define HDR_LEN (4 + 4 + 16 + 4 + 8 + 8 + 16 + DBKI_NONCE_LEN + DBKI_KEY_LEN + DBKI_TAG_LEN)
#define HDR_AD_LEN (4 + 4 + 16 + 4 + 8 + 8 + 16)
#define KDF_ALG_ARGON2ID 2u

#define MAP_MIN ((size_t)256 << 20)

/* Forbidden environment flags (R17): each trades durability or hygiene. */
#define FORBIDDEN_FLAGS (MDB_NOSYNC | MDB_NOMETASYNC | MDB_WRITEMAP | \
	MDB_MAPASYNC | MDB_NOLOCK | MDB_NOMEMINIT)

static const struct {
	const char *name;
	uint64_t ops;
	size_t mem;
} kdf_levels[] = {
	{ "interactive", crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE },
	{ "moderate", crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE },
	{ "sensitive", crypto_pwhash_OPSLIMIT_SENSITIVE, crypto_pwhash_MEMLIMIT_SENSITIVE },
	{ "test", crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN },
};

/* Paths open in this process (R19: each env opened once per process). */
static char **open_paths;
static size_t nopen_paths;

int
dbk_is_test_build(void)
{
#ifdef DBK_TESTING
	return 1;
#else
	return 0;
#endif
}

#ifdef DBK_TESTING
/* Crash tests (R3): die here when DEALBOOK_TEST_KILL_AT names the site. */
void
dbki_test_kill(const char *site)
{
	const char *at = getenv("DEALBOOK_TEST_KILL_AT");

	if (at != NULL && strcmp(at, site) == 0)
		raise(SIGKILL);
}
#endif

/* cJSON's allocations that failed, on this thread (dbki_json_parse). */
static _Thread_local unsigned long json_nomem;

/* cJSON carries decrypted record text: wipe every block it frees (R21). */
static void *
zmalloc(size_t n)
{
	size_t *p = malloc(sizeof(size_t) * 2 + n);

	if (p == NULL) {
		json_nomem++;
		return NULL;
	}
	p[0] = n;
	return p + 2;
}

static void
zfree(void *q)
{
	size_t *p;

	if (q == NULL)
		return;
	p = (size_t *)q - 2;
	sodium_memzero(q, p[0]);
	free(p);
}

cJSON *
dbki_json_parse(const void *p, size_t n, int *nomem)
{
	unsigned long before = json_nomem;
	cJSON *o = cJSON_ParseWithLength(p, n);

	*nomem = o == NULL && json_nomem != before;
	return o;
}

int
dbk_init(struct dbk_error *err)
{
	static int done;
	struct rlimit rl = { 0, 0 };
	cJSON_Hooks hooks = { zmalloc, zfree };

	if (done)
		return 0;
	if (sodium_init() < 0)
		return dbki_error_set(err, DBK_ECRYPTO,
		    "libsodium failed to initialise");
	cJSON_InitHooks(&hooks);
	/* A core dump would write the unwrapped keys to disk. */
	(void)setrlimit(RLIMIT_CORE, &rl);
	done = 1;
	return 0;
}

int
dbk_kdf_parse(const char *s, enum dbk_kdf *out)
{
	for (size_t i = 0; i < sizeof kdf_levels / sizeof kdf_levels[0]; i++) {
		if (strcmp(s, kdf_levels[i].name) != 0)
			continue;
		if (i == DBK_KDF_TEST && !dbk_is_test_build())
			return DBK_EINVAL;
		*out = (enum dbk_kdf)i;
		return 0;
	}
	return DBK_EINVAL;
}

void *
dbk_secure_alloc(size_t n)
{
	return sodium_malloc(n);
}

void
dbk_secure_free(void *p)
{
	sodium_free(p); /* wipes; accepts NULL */
}

int
dbki_error_lmdb(struct dbk_error *err, int mrc, const char *what)
{
	if (mrc == MDB_MAP_FULL)
		return dbki_error_set(err, DBK_EFULL, "%s: the store map is full",
		    what);
	if (mrc == MDB_NOTFOUND)
		return dbki_error_set(err, DBK_ENOTFOUND, "%s: not found", what);
	if (mrc == ENOSPC)
		/* Not DBK_EFULL: growing the map cannot help a full disk. */
		return dbki_error_set(err, DBK_EIO, "%s: no space left on device",
		    what);
	if (mrc > 0)
		/* The system's errno passed on (LMDB's own codes are below
		 * zero): an I/O error, or memory, as everywhere else. */
		return dbki_error_set(err, mrc == ENOMEM ? DBK_ENOMEM : DBK_EIO,
		    "%s: %s", what, strerror(mrc));
	return dbki_error_set(err, DBK_ELMDB, "%s: %s", what, mdb_strerror(mrc));
}

int64_t
dbki_now(const struct dbk_store *s)
{
	if (s->clock_override != 0)
		return s->clock_override;
	return (int64_t)time(NULL);
}

void
dbk_store_set_progress(struct dbk_store *s, dbk_progress_fn fn, void *ctx)
{
	s->progress = fn;
	s->progress_ctx = ctx;
}

int64_t
dbk_store_now(const struct dbk_store *s)
{
	return dbki_now(s);
}

void
dbk_store_set_clock(struct dbk_store *s, int64_t t)
{
	s->clock_override = t;
}

/* ---- open / create ---- */

static char *
data_path(const char *dir)
{
	char *p = NULL;

	if (asprintf(&p, "%s/data.mdb", dir) < 0)
		return NULL;
	return p;
}

/* 1 when path holds a store's data file, 0 when not, DBK_ENOMEM when
 * there was no memory to look. */
static int
store_probe(const char *path)
{
	char *p = data_path(path);
	struct stat st;
	int ok;

	if (p == NULL)
		return DBK_ENOMEM;
	ok = stat(p, &st) == 0;
	free(p);
	return ok;
}

int
dbk_store_exists(const char *path)
{
	return store_probe(path) == 1;
}

/* Filesystems whose locking or mmap coherence LMDB cannot rely on. */
static int
remote_fs(const char *path)
{
	static const long magics[] = {
		0x6969,      /* NFS */
		0xff534d42,  /* CIFS */
		0xfe534d42,  /* SMB2 */
		0x517b,      /* SMB */
		0x65735546,  /* FUSE (sshfs, cloud drives) */
		0x564c,      /* NCP */
		0x5346414f,  /* AFS */
		0x73757245,  /* Coda */
		0x19830326,  /* fhgfs/BeeGFS */
		0x47504653,  /* GPFS */
		0x0bd00bd0,  /* Lustre */
		0x6b414653,  /* AFS (kAFS) */
		0x01021997,  /* 9p (v9fs) */
	};
	struct statfs sf;
	long magic;

	if (statfs(path, &sf) != 0)
		return 0;
	magic = (long)sf.f_type;
#ifdef DBK_TESTING
	{
		/* Tests pretend to be on a given filesystem. */
		const char *m = getenv("DEALBOOK_TEST_FSMAGIC");
		if (m != NULL && *m != '\0')
			magic = strtol(m, NULL, 0);
	}
#endif
	for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
		if ((magic & 0xffffffffL) == magics[i])
			return 1;
	return 0;
}

unsigned
dbk_store_warnings(const struct dbk_store *s)
{
	return s->warnings;
}

static int
claim_path(const char *real, struct dbk_error *err)
{
	char **np;

	for (size_t i = 0; i < nopen_paths; i++)
		if (strcmp(open_paths[i], real) == 0)
			return dbki_error_set(err, DBK_EBUSY,
			    "the store '%s' is already open in this process", real);
	np = realloc(open_paths, (nopen_paths + 1) * sizeof *np);
	if (np == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	open_paths = np;
	if ((open_paths[nopen_paths] = strdup(real)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	nopen_paths++;
	return 0;
}

static void
release_path(const char *real)
{
	for (size_t i = 0; i < nopen_paths; i++) {
		if (strcmp(open_paths[i], real) != 0)
			continue;
		free(open_paths[i]);
		open_paths[i] = open_paths[--nopen_paths];
		if (nopen_paths == 0) {
			free(open_paths);
			open_paths = NULL;
		}
		return;
	}
}

static void
store_free(struct dbk_store *s)
{
	if (s == NULL)
		return;
	if (s->env != NULL)
		mdb_env_close(s->env);
	if (s->path != NULL)
		release_path(s->path);
	sodium_free(s->sec);
	sodium_free(s->rkeys);
	free(s->path);
	free(s->member);
	free(s->team);
	free(s->team_role);
	free(s->currency);
	sodium_memzero(s, sizeof *s);
	free(s);
}

void
dbk_store_close(struct dbk_store *s)
{
	store_free(s);
}

/* Open the environment and its databases (created when `create`). */
static int
env_open(struct dbk_store *s, int create, struct dbk_error *err)
{
	MDB_txn *txn = NULL;
	unsigned int flags = 0;
	struct stat st;
	char *dp = data_path(s->path);
	int mrc, dead = 0;

	if (dp == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	s->mapsize = MAP_MIN;
	if (stat(dp, &st) == 0 && (size_t)st.st_size * 2 > s->mapsize)
		s->mapsize = (size_t)st.st_size * 2;
	free(dp);
#ifdef DBK_TESTING
	{
		/* R18: tests start from a tiny map to exercise growth. */
		const char *m = getenv("DEALBOOK_TEST_MAPSIZE");
		if (m != NULL && *m != '\0')
			s->mapsize = (size_t)strtoull(m, NULL, 10);
	}
#endif
	if ((mrc = mdb_env_create(&s->env)) != 0 ||
	    (mrc = mdb_env_set_maxdbs(s->env, DBI_COUNT + 4)) != 0 ||
	    (mrc = mdb_env_set_mapsize(s->env, s->mapsize)) != 0) {
		return dbki_error_lmdb(err, mrc, "creating the environment");
	}
	/* No NOSYNC, NOMETASYNC, WRITEMAP, MAPASYNC, NOMEMINIT or NOLOCK:
	 * every acknowledged commit is durable and freed pages are zeroed. */
	if ((mrc = dbki_fault_io() ? EIO : 0) == 0)
		mrc = mdb_env_open(s->env, s->path, 0, 0600);
	if (mrc != 0)
		return dbki_error_lmdb(err, mrc, "opening the store");
	{
		/* LMDB rounds the map up to the data already there. */
		MDB_envinfo info;
		if (mdb_env_info(s->env, &info) == 0 && info.me_mapsize > s->mapsize)
			s->mapsize = info.me_mapsize;
	}
	if ((mrc = mdb_env_get_flags(s->env, &flags)) != 0)
		return dbki_error_lmdb(err, mrc, "reading environment flags");
	{
		/* LMDB 0.9.24 leaves its file open across exec: an editor or
		 * any child would inherit the store file. */
		mdb_filehandle_t fd;
		if (mdb_env_get_fd(s->env, &fd) == 0)
			(void)fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	}
	if (flags & FORBIDDEN_FLAGS)
		return dbki_error_set(err, DBK_ELMDB,
		    "the store environment has unsafe flags 0x%x", flags);
	/* R19: clear readers left by crashed processes. */
	(void)mdb_reader_check(s->env, &dead);
	if ((mrc = mdb_txn_begin(s->env, NULL, create ? 0 : MDB_RDONLY, &txn)) != 0)
		return dbki_error_lmdb(err, mrc, "starting a transaction");
	for (int i = 0; i < DBI_COUNT; i++) {
		mrc = mdb_dbi_open(txn, dbki_db_names[i], create ? MDB_CREATE : 0,
		    &s->dbi[i]);
		if (mrc == MDB_NOTFOUND && i >= DBI_FACT) {
			/* A store from before these databases: they are made
			 * below, and the fact index filled once the key is at
			 * hand (dbki_store_open, when the "facts" mark of a
			 * complete index is missing). */
			s->dbs_added = 1;
			continue;
		}
		if (mrc == MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			return dbki_error_set(err, DBK_EFORMAT,
			    "the store '%s' lacks database '%s'", s->path,
			    dbki_db_names[i]);
		}
		if (mrc != 0) {
			mdb_txn_abort(txn);
			return dbki_error_lmdb(err, mrc, "opening a database");
		}
	}
	if (dbki_fault_io()) {
		mdb_txn_abort(txn);
		mrc = EIO;
	} else
		mrc = mdb_txn_commit(txn);
	if (mrc != 0)
		return dbki_error_lmdb(err, mrc, "opening the databases");
	if (s->dbs_added) {
		if ((mrc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
			return dbki_error_lmdb(err, mrc, "starting a transaction");
		for (int i = DBI_FACT; i < DBI_COUNT; i++) {
			if ((mrc = mdb_dbi_open(txn, dbki_db_names[i], MDB_CREATE,
			    &s->dbi[i])) != 0) {
				mdb_txn_abort(txn);
				return dbki_error_lmdb(err, mrc, "adding a database");
			}
		}
		if ((mrc = mdb_txn_commit(txn)) != 0)
			return dbki_error_lmdb(err, mrc, "adding a database");
	}
	return 0;
}

/* The fact index is complete: written by init, and by the rebuild in
 * the same transaction as the facts, so a store whose first open after an
 * upgrade failed (a wrong passphrase, a crash) is rebuilt next time. */
static int
fact_rebuild_txn(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	int rc;

	(void)ctx;
	if ((rc = dbki_fact_rebuild(t, err)) != 0)
		return rc;
	return dbki_put(t, DBI_META, FACTS_DONE, strlen(FACTS_DONE), "1", 1, 0,
	    err);
}

static void
header_ad(uint8_t ad[HDR_AD_LEN], const uint8_t *hdr)
{
	/* Everything before the wrap nonce: magic, version, store id, KDF. */
	memcpy(ad, hdr, HDR_AD_LEN);
}

static int
wrap_dek(struct dbk_store *s, uint8_t hdr[HDR_LEN], const char *pass,
    size_t passlen, uint64_t ops, size_t mem, struct dbk_error *err)
{
	uint8_t *kek = sodium_malloc(DBKI_KEY_LEN);
	uint8_t ad[HDR_AD_LEN];
	size_t n = 0;
	int rc;

	if (kek == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of secure memory");
	memcpy(hdr + n, HDR_MAGIC, 4); n += 4;
	dbki_le32(hdr + n, DBK_FORMAT_VERSION); n += 4;
	memcpy(hdr + n, s->store_id, 16); n += 16;
	dbki_le32(hdr + n, KDF_ALG_ARGON2ID); n += 4;
	dbki_le64(hdr + n, ops); n += 8;
	dbki_le64(hdr + n, (uint64_t)mem); n += 8;
	randombytes_buf(hdr + n, DBKI_SALT_LEN);
	rc = dbk_crypto_pwhash_derive(kek, pass, passlen, hdr + n, ops, mem);
	n += DBKI_SALT_LEN;
	if (rc != 0) {
		sodium_free(kek);
		return dbki_error_set(err, rc,
		    "not enough memory for the key derivation");
	}
	header_ad(ad, hdr);
	dbk_crypto_aead_seal(hdr + n, s->sec->dek, DBKI_KEY_LEN, ad, sizeof ad,
	    kek);
	sodium_free(kek);
	s->kdf_ops = ops;
	s->kdf_mem = mem;
	return 0;
}

static int
derive_subkeys(struct dbk_store *s)
{
	return crypto_kdf_derive_from_key(s->sec->idxkey, DBKI_KEY_LEN, 1,
	    "dbkindex", s->sec->dek) == 0 ? 0 : DBK_ECRYPTO;
}

/* Serialised restricted keyring: team id, current epoch, count, then per
 * key: epoch, has_sk, pk, sk. */
#define RK_ENTRY_LEN (4 + 1 + 32 + 32)

static int
save_rkeys(struct dbk_txn *t, struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	size_t n = 16 + 4 + 4 + s->nrkeys * RK_ENTRY_LEN, off = 0;
	uint8_t *b = sodium_malloc(n);
	int rc;

	if (b == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of secure memory");
	memcpy(b, s->team_id, 16); off = 16;
	dbki_le32(b + off, s->rk_current); off += 4;
	dbki_le32(b + off, (uint32_t)s->nrkeys); off += 4;
	for (size_t i = 0; i < s->nrkeys; i++) {
		dbki_le32(b + off, s->rkeys[i].epoch); off += 4;
		b[off++] = s->rkeys[i].has_sk;
		memcpy(b + off, s->rkeys[i].pk, 32); off += 32;
		memcpy(b + off, s->rkeys[i].sk, 32); off += 32;
	}
	rc = dbki_put(t, DBI_META, "rkeys", 5, b, n, 0, err);
	sodium_free(b);
	return rc;
}

static void
rkey_derive_sym(struct dbki_rkey *k)
{
	if (k->has_sk)
		crypto_generichash(k->sym, 32, (const uint8_t *)"dealbook restricted field key v1",
		    32, k->sk, 32);
	else
		sodium_memzero(k->sym, 32);
}

static int
load_rkeys(struct dbk_txn *t, struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	uint8_t *b = NULL;
	size_t n = 0, off, cnt;
	int rc = dbki_get(t, DBI_META, "rkeys", 5, &b, &n, err);

	if (rc == DBK_ENOTFOUND)
		return dbki_error_set(err, DBK_EFORMAT, "the store has no keyring");
	if (rc != 0)
		return rc;
	if (n < 24)
		goto bad;
	cnt = dbki_rd_le32(b + 20);
	if (cnt == 0 || cnt > 65536 || n != 24 + cnt * RK_ENTRY_LEN)
		goto bad;
	memcpy(s->team_id, b, 16);
	s->rk_current = dbki_rd_le32(b + 16);
	s->rkeys = sodium_allocarray(cnt, sizeof *s->rkeys);
	if (s->rkeys == NULL) {
		dbki_free_plain(b, n);
		return dbki_error_set(err, DBK_ENOMEM, "out of secure memory");
	}
	s->nrkeys = cnt;
	s->restricted_access = 0;
	off = 24;
	for (size_t i = 0; i < cnt; i++) {
		s->rkeys[i].epoch = dbki_rd_le32(b + off); off += 4;
		s->rkeys[i].has_sk = b[off++];
		memcpy(s->rkeys[i].pk, b + off, 32); off += 32;
		memcpy(s->rkeys[i].sk, b + off, 32); off += 32;
		rkey_derive_sym(&s->rkeys[i]);
		if (s->rkeys[i].epoch == s->rk_current && s->rkeys[i].has_sk)
			s->restricted_access = 1;
	}
	dbki_free_plain(b, n);
	return 0;
bad:
	dbki_free_plain(b, n);
	return dbki_error_set(err, DBK_EFORMAT, "the store keyring is malformed");
}

static int save_config(struct dbk_txn *t, struct dbk_error *err);

/*
 * Keep the keyring and team as they are before the first change a
 * transaction makes to them (dbki_rkeys_settle puts them back if it
 * aborts).  The saved keyring stays valid memory: a change replaces
 * s->rkeys with a new block rather than writing into it.
 */
static int
team_save(struct dbk_txn *t, struct dbk_error *err)
{
	struct dbk_store *s = t->s;

	if (t->rk_rotated)
		return 0;
	t->team_saved = t->role_saved = NULL;
	if ((s->team != NULL && (t->team_saved = strdup(s->team)) == NULL) ||
	    (s->team_role != NULL &&
	    (t->role_saved = strdup(s->team_role)) == NULL)) {
		free(t->team_saved);
		t->team_saved = NULL;
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	t->rk_rotated = 1;
	t->rk_saved = s->rkeys;
	t->rk_saved_n = s->nrkeys;
	t->rk_saved_current = s->rk_current;
	t->rk_saved_access = s->restricted_access;
	memcpy(t->team_id_saved, s->team_id, 16);
	return 0;
}

/*
 * A new restricted key epoch.  The new keyring is a fresh sodium_malloc
 * block (the old one is read-only during the transaction); the old one
 * is kept on the transaction until it ends, so an abort -- an error
 * later in the command, or a full map retried from the start -- puts
 * back exactly the keys that are still on disk.
 */
int
dbki_rkeys_rotate(struct dbk_txn *t, uint32_t *epoch, struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	struct dbki_rkey *nk;
	uint32_t max = 0;
	size_t n = s->nrkeys;
	int rc;

	if (!t->write)
		return dbki_error_set(err, DBK_EINVAL,
		    "rotating the restricted key needs a write transaction");
	if (!s->restricted_access)
		return dbki_error_set(err, DBK_ENOKEY, "only a member with the "
		    "restricted key can rotate it (this store does not hold "
		    "epoch %u)", s->rk_current);
	for (size_t i = 0; i < n; i++)
		if (s->rkeys[i].epoch > max)
			max = s->rkeys[i].epoch;
	/* load_rkeys accepts at most 65536 keys. */
	if (max == UINT32_MAX || n >= 65536)
		return dbki_error_set(err, DBK_EFORMAT,
		    "the restricted keyring is full");
	if ((nk = sodium_allocarray(n + 1, sizeof *nk)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of secure memory");
	memcpy(nk, s->rkeys, n * sizeof *nk);
	nk[n].epoch = max + 1;
	nk[n].has_sk = 1;
	crypto_box_keypair(nk[n].pk, nk[n].sk);
	rkey_derive_sym(&nk[n]);
	if ((rc = team_save(t, err)) != 0) {
		sodium_free(nk);
		return rc;
	}
	if (s->rkeys != t->rk_saved)
		sodium_free(s->rkeys); /* an earlier change in this txn */
	s->rkeys = nk;
	s->nrkeys = n + 1;
	s->rk_current = max + 1;
	s->restricted_access = 1;
	if ((rc = save_rkeys(t, err)) != 0 ||
	    (rc = dbki_audit_append(t, "key-rotate", 0, NULL, NULL, 0, err)) != 0)
		return rc;
	if (epoch != NULL)
		*epoch = max + 1;
	return 0;
}

void
dbki_rkeys_settle(struct dbk_txn *t, int committed)
{
	struct dbk_store *s = t->s;

	if (!t->rk_rotated)
		return;
	if (committed) {
		if (t->rk_saved != s->rkeys)
			sodium_free(t->rk_saved);
		free(t->team_saved);
		free(t->role_saved);
	} else {
		if (t->rk_saved != s->rkeys)
			sodium_free(s->rkeys);
		s->rkeys = t->rk_saved;
		s->nrkeys = t->rk_saved_n;
		s->rk_current = t->rk_saved_current;
		s->restricted_access = t->rk_saved_access;
		memcpy(s->team_id, t->team_id_saved, 16);
		free(s->team);
		free(s->team_role);
		s->team = t->team_saved;
		s->team_role = t->role_saved;
	}
	t->rk_saved = NULL;
	t->team_saved = t->role_saved = NULL;
	t->rk_rotated = 0;
}

int
dbki_rkeys_adopt(struct dbk_txn *t, const uint8_t team_id[16],
    const struct dbki_rkey *keys, size_t n, int *gained, struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	struct dbki_rkey *nk;
	size_t m = s->nrkeys;
	uint32_t cur = 0;
	int rc, got = 0, changed = memcmp(s->team_id, team_id, 16) != 0;

	if (!t->write)
		return dbki_error_set(err, DBK_EINVAL,
		    "taking keys needs a write transaction");
	if (n > 65536 || m + n > 65536)
		return dbki_error_set(err, DBK_EFORMAT,
		    "the restricted keyring is full");
	if ((nk = sodium_allocarray(m + n, sizeof *nk)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of secure memory");
	memcpy(nk, s->rkeys, m * sizeof *nk);
	for (size_t i = 0; i < n; i++) {
		size_t j;
		if (keys[i].epoch == 0) {
			sodium_free(nk);
			return dbki_error_set(err, DBK_EFORMAT, "a team key of "
			    "epoch 0 (epoch 0 is a store's own provisional key)");
		}
		for (j = 0; j < m; j++)
			if (nk[j].epoch == keys[i].epoch)
				break;
		if (j < m) {
			if (sodium_memcmp(nk[j].pk, keys[i].pk, 32) != 0) {
				sodium_free(nk);
				return dbki_error_set(err, DBK_EINTEGRITY, "the "
				    "restricted key of epoch %u arrived as a "
				    "different key from the one this store holds "
				    "(two managers rotated it at once?)",
				    keys[i].epoch);
			}
			if (keys[i].has_sk && !nk[j].has_sk) {
				uint8_t pk[32];
				crypto_scalarmult_base(pk, keys[i].sk);
				if (sodium_memcmp(pk, keys[i].pk, 32) != 0) {
					sodium_free(nk);
					return dbki_error_set(err, DBK_EINTEGRITY,
					    "the restricted key of epoch %u does "
					    "not match its public half",
					    keys[i].epoch);
				}
				memcpy(nk[j].sk, keys[i].sk, 32);
				nk[j].has_sk = 1;
				rkey_derive_sym(&nk[j]);
				got = changed = 1;
			}
			continue;
		}
		if (keys[i].has_sk) {
			uint8_t pk[32];
			crypto_scalarmult_base(pk, keys[i].sk);
			if (sodium_memcmp(pk, keys[i].pk, 32) != 0) {
				sodium_free(nk);
				return dbki_error_set(err, DBK_EINTEGRITY, "the "
				    "restricted key of epoch %u does not match its "
				    "public half", keys[i].epoch);
			}
		}
		nk[m] = keys[i];
		if (!nk[m].has_sk)
			sodium_memzero(nk[m].sk, 32);
		rkey_derive_sym(&nk[m]);
		got |= nk[m].has_sk;
		m++;
		changed = 1;
	}
	if (!changed) {
		sodium_free(nk);
		if (gained != NULL)
			*gained = 0;
		return 0;
	}
	for (size_t i = 0; i < m; i++)
		if (nk[i].epoch > cur)
			cur = nk[i].epoch;
	if ((rc = team_save(t, err)) != 0) {
		sodium_free(nk);
		return rc;
	}
	if (s->rkeys != t->rk_saved)
		sodium_free(s->rkeys);
	s->rkeys = nk;
	s->nrkeys = m;
	s->rk_current = cur;
	memcpy(s->team_id, team_id, 16);
	s->restricted_access = 0;
	for (size_t i = 0; i < m; i++)
		if (nk[i].epoch == cur && nk[i].has_sk)
			s->restricted_access = 1;
	if ((rc = save_rkeys(t, err)) != 0 ||
	    (rc = dbki_audit_append(t, "key-receive", 0, NULL, NULL, 0,
	    err)) != 0)
		return rc;
	if (gained != NULL)
		*gained = got;
	return 0;
}

int
dbki_team_config(struct dbk_txn *t, const char *team, const char *role,
    struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	char *nt = NULL, *nr = NULL;
	int rc;

	if ((team != NULL && (nt = strdup(team)) == NULL) ||
	    (role != NULL && (nr = strdup(role)) == NULL)) {
		free(nt);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	if ((rc = team_save(t, err)) != 0) {
		free(nt);
		free(nr);
		return rc;
	}
	if (nt != NULL) {
		if (s->team != t->team_saved)
			free(s->team);
		s->team = nt;
	}
	if (nr != NULL) {
		if (s->team_role != t->role_saved)
			free(s->team_role);
		s->team_role = nr;
	}
	return save_config(t, err);
}

/* Identity: ed25519 sk (64) || x25519 sk (32) || replica (8). */
#define IDENT_LEN (64 + 32 + DBKI_REPLICA_LEN)

static int
save_config(struct dbk_txn *t, struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	cJSON *o = cJSON_CreateObject();
	char *txt = NULL;
	int rc;

	if (o == NULL ||
	    cJSON_AddStringToObject(o, "member", s->member) == NULL ||
	    cJSON_AddStringToObject(o, "currency", s->currency) == NULL ||
	    cJSON_AddNumberToObject(o, "minor", s->minor_digits) == NULL ||
	    (s->team != NULL && cJSON_AddStringToObject(o, "team", s->team) == NULL) ||
	    (s->team_role != NULL &&
	    cJSON_AddStringToObject(o, "role", s->team_role) == NULL) ||
	    (txt = cJSON_PrintUnformatted(o)) == NULL) {
		cJSON_Delete(o);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	rc = dbki_put(t, DBI_META, "config", 6, txt, strlen(txt), 0, err);
	cJSON_free(txt);
	cJSON_Delete(o);
	return rc;
}

static char *
json_str_dup(const cJSON *o, const char *k, int *nomem)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	char *c;

	if (!cJSON_IsString(v))
		return NULL;
	if ((c = strdup(v->valuestring)) == NULL)
		*nomem = 1;
	return c;
}

static int
load_config(struct dbk_txn *t, struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	uint8_t *b = NULL;
	size_t n = 0;
	cJSON *o, *minor;
	int nomem;
	int rc = dbki_get(t, DBI_META, "config", 6, &b, &n, err);

	if (rc == DBK_ENOTFOUND)
		return dbki_error_set(err, DBK_EFORMAT, "the store has no config");
	if (rc != 0)
		return rc;
	o = dbki_json_parse(b, n, &nomem);
	dbki_free_plain(b, n);
	if (nomem)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (o == NULL)
		return dbki_error_set(err, DBK_EFORMAT, "the store config is malformed");
	s->member = json_str_dup(o, "member", &nomem);
	s->currency = json_str_dup(o, "currency", &nomem);
	s->team = json_str_dup(o, "team", &nomem);
	s->team_role = json_str_dup(o, "role", &nomem);
	/* A team founded before roles were recorded: its founder. */
	if (s->team != NULL && s->team_role == NULL &&
	    (s->team_role = strdup("manager")) == NULL)
		nomem = 1;
	minor = cJSON_GetObjectItemCaseSensitive(o, "minor");
	s->minor_digits = cJSON_IsNumber(minor) ? minor->valueint : 2;
	cJSON_Delete(o);
	if (nomem)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (s->member == NULL || s->currency == NULL || s->minor_digits < 0 ||
	    s->minor_digits > 4)
		return dbki_error_set(err, DBK_EFORMAT, "the store config is malformed");
	return 0;
}

static int
currency_digits(const char *c)
{
	/* ISO 4217 currencies without minor units that teams here use. */
	static const char *const zero[] = { "JPY", "KRW", "VND", "CLP", "ISK" };
	for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
		if (strcmp(c, zero[i]) == 0)
			return 0;
	return 2;
}

struct create_ctx {
	uint8_t *hdr;
	const uint8_t *ident;
};

static int
create_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct create_ctx *c = vctx;
	MDB_val k = { 6, "header" }, v = { HDR_LEN, c->hdr };
	int mrc, rc;

	if ((mrc = dbki_txn_fault(t, 1)) == 0)
		mrc = mdb_put(t->t, t->s->dbi[DBI_META], &k, &v, MDB_NOOVERWRITE);
	if (mrc != 0)
		return dbki_error_lmdb(err, mrc, "writing the store header");
	if ((rc = dbki_put(t, DBI_META, "ident", 5, c->ident, IDENT_LEN, 0,
	    err)) != 0 || (rc = save_config(t, err)) != 0 ||
	    (rc = save_rkeys(t, err)) != 0 ||
	    (rc = dbki_put(t, DBI_META, FACTS_DONE, strlen(FACTS_DONE), "1", 1,
	    0, err)) != 0 ||
	    (rc = dbki_audit_append(t, "init", 0, NULL, NULL, 0, err)) != 0)
		return rc;
	(void)dbki_hlc_next(t);
	return 0;
}

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 200)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int
dbk_store_create(const char *path, const char *pass, size_t passlen,
    const struct dbk_init_opts *opts, struct dbk_error *err)
{
	struct dbk_store *s = NULL;
	uint8_t hdr[HDR_LEN], *ident = NULL;
	struct create_ctx cc;
	struct stat st;
	char *real = NULL;
	int rc;
	uint8_t ed_sk_tmp[64];
	int made_dir = 0, opened = 0;

	if (opts == NULL || opts->member == NULL || !valid_name(opts->member))
		return dbki_error_set(err, DBK_EINVAL,
		    "invalid member name '%s' (1 to 200 printable characters)",
		    opts && opts->member ? opts->member : "");
	if (opts->team != NULL && !valid_name(opts->team))
		return dbki_error_set(err, DBK_EINVAL, "invalid team name '%s'",
		    opts->team);
	if (opts->currency != NULL && (strlen(opts->currency) != 3 ||
	    opts->currency[0] < 'A' || opts->currency[0] > 'Z' ||
	    opts->currency[1] < 'A' || opts->currency[1] > 'Z' ||
	    opts->currency[2] < 'A' || opts->currency[2] > 'Z'))
		return dbki_error_set(err, DBK_EINVAL,
		    "invalid currency '%s' (expected an ISO 4217 code like CNY)",
		    opts->currency);
	if ((unsigned)opts->kdf > DBK_KDF_TEST ||
	    (opts->kdf == DBK_KDF_TEST && !dbk_is_test_build()))
		return dbki_error_set(err, DBK_EINVAL, "invalid KDF level");
	if (passlen == 0)
		return dbki_error_set(err, DBK_EINVAL, "the passphrase is empty");
	if (dbk_store_exists(path))
		return dbki_error_set(err, DBK_EEXIST,
		    "a store already exists at '%s'", path);
	if (!dbki_fault_io() && mkdir(path, 0700) == 0) {
		made_dir = 1;
	} else if (errno != EEXIST) {
		return dbki_error_errno(err, DBK_EIO, "creating directory", path);
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return dbki_error_set(err, DBK_EIO, "'%s' is not a directory", path);
	/* An existing directory must be empty: a store never shares its
	 * directory, nor changes the permissions of one it did not make. */
	if (!made_dir) {
		DIR *d = opendir(path);
		struct dirent *de;
		int empty = 1;
		if (d == NULL)
			return dbki_error_errno(err, DBK_EIO, "reading", path);
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				empty = 0;
		closedir(d);
		if (!empty)
			return dbki_error_set(err, DBK_EEXIST, "'%s' is not empty: "
			    "choose a new directory for the store", path);
		if ((st.st_mode & 077) != 0)
			return dbki_error_set(err, DBK_EINVAL, "'%s' is readable by "
			    "others (mode %03o): make it 0700 or let init create it",
			    path, (unsigned)(st.st_mode & 0777));
	}
	if ((real = realpath(path, NULL)) == NULL)
		return dbki_error_errno(err, DBK_EIO, "resolving", path);

	if ((s = calloc(1, sizeof *s)) == NULL) {
		free(real);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	s->path = real;
	if ((rc = claim_path(real, err)) != 0) {
		s->path = NULL;
		free(real);
		store_free(s);
		return rc;
	}
	rc = DBK_ENOMEM;
	s->sec = sodium_malloc(sizeof *s->sec);
	s->rkeys = sodium_allocarray(1, sizeof *s->rkeys);
	ident = sodium_malloc(IDENT_LEN);
	s->member = strdup(opts->member);
	s->team = opts->team ? strdup(opts->team) : NULL;
	s->team_role = opts->team ? strdup("manager") : NULL;
	s->currency = strdup(opts->currency ? opts->currency : "CNY");
	if (s->sec == NULL || s->rkeys == NULL || ident == NULL ||
	    s->member == NULL || s->currency == NULL ||
	    (opts->team != NULL && (s->team == NULL || s->team_role == NULL))) {
		dbki_error_set(err, rc, "out of memory");
		goto out;
	}
	s->minor_digits = currency_digits(s->currency);
	s->clock_override = opts->clock;
	randombytes_buf(s->store_id, sizeof s->store_id);
	randombytes_buf(s->replica, sizeof s->replica);
	crypto_aead_xchacha20poly1305_ietf_keygen(s->sec->dek);
	if ((rc = derive_subkeys(s)) != 0) {
		dbki_error_set(err, rc, "key derivation failed");
		goto out;
	}
	crypto_sign_keypair(s->ed_pk, ed_sk_tmp);
	memcpy(s->sec->ed_sk, ed_sk_tmp, 64);
	sodium_memzero(ed_sk_tmp, sizeof ed_sk_tmp);
	crypto_box_keypair(s->x_pk, s->sec->x_sk);
	memcpy(ident, s->sec->ed_sk, 64);
	memcpy(ident + 64, s->sec->x_sk, 32);
	memcpy(ident + 96, s->replica, DBKI_REPLICA_LEN);

	/* The team's restricted key (epoch 1), or a provisional one (epoch 0)
	 * until this member joins a team. */
	s->nrkeys = 1;
	s->rk_current = opts->team ? 1 : 0;
	s->rkeys[0].epoch = s->rk_current;
	s->rkeys[0].has_sk = 1;
	crypto_box_keypair(s->rkeys[0].pk, s->rkeys[0].sk);
	rkey_derive_sym(&s->rkeys[0]);
	if (opts->team)
		randombytes_buf(s->team_id, 16);

	if ((rc = wrap_dek(s, hdr, pass, passlen, kdf_levels[opts->kdf].ops,
	    kdf_levels[opts->kdf].mem, err)) != 0)
		goto out;
	opened = 1;
	if ((rc = env_open(s, 1, err)) != 0)
		goto out;
	cc.hdr = hdr;
	cc.ident = ident;
	rc = dbk_store_write(s, create_txn, &cc, err);
out:
	sodium_free(ident);
	if (rc != 0 && opened && s != NULL && s->path != NULL) {
		/* Leave no half-made store behind to block the next try.
		 * Through the directory, without a path to allocate: the
		 * failure may have been memory. */
		int dfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)unlinkat(dfd, "data.mdb", 0);
			(void)unlinkat(dfd, "lock.mdb", 0);
			close(dfd);
		}
		if (made_dir)
			(void)rmdir(s->path);
	}
	store_free(s);
	return rc;
}

static int
open_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct dbk_store *s = t->s;
	uint8_t *ident = NULL;
	size_t n = 0;
	int rc;

	(void)vctx;
	rc = dbki_get(t, DBI_META, "ident", 5, &ident, &n, err);
	if (rc == DBK_ENOTFOUND)
		return dbki_error_set(err, DBK_EFORMAT, "the store has no identity");
	if (rc != 0)
		return rc;
	if (n != IDENT_LEN) {
		dbki_free_plain(ident, n);
		return dbki_error_set(err, DBK_EFORMAT, "the store identity is malformed");
	}
	memcpy(s->sec->ed_sk, ident, 64);
	memcpy(s->sec->x_sk, ident + 64, 32);
	memcpy(s->replica, ident + 96, DBKI_REPLICA_LEN);
	dbki_free_plain(ident, n);
	if ((rc = dbki_meta_u64(t, "rollback", 8, &s->rollback_seq, err)) != 0)
		return rc;
	{
		uint8_t *done = NULL;
		size_t dn = 0;
		rc = dbki_get(t, DBI_META, FACTS_DONE, strlen(FACTS_DONE), &done,
		    &dn, err);
		dbki_free_plain(done, dn);
		if (rc == DBK_ENOTFOUND)
			s->fact_rebuild = 1;
		else if (rc != 0)
			return rc;
	}
	crypto_sign_ed25519_sk_to_pk(s->ed_pk, s->sec->ed_sk);
	crypto_scalarmult_base(s->x_pk, s->sec->x_sk);
	if ((rc = load_config(t, err)) != 0)
		return rc;
	return load_rkeys(t, err);
}

int
dbk_store_open(const char *path, const char *pass, size_t passlen,
    struct dbk_store **out, struct dbk_error *err)
{
	return dbki_store_open(path, pass, passlen, NULL, out, err);
}

/* Open with the passphrase, or (sock != NULL) with the data key an
 * unlock agent serves on that socket. */
int
dbki_store_open(const char *path, const char *pass, size_t passlen,
    const char *sock, struct dbk_store **out, struct dbk_error *err)
{
	struct dbk_store *s = NULL;
	uint8_t *kek = NULL, ad[HDR_AD_LEN];
	const uint8_t *hdr;
	uint64_t ops, mem;
	MDB_txn *txn = NULL;
	MDB_val k = { 6, "header" }, v;
	char *real = NULL;
	int rc, mrc;

	*out = NULL;
	if ((rc = store_probe(path)) == DBK_ENOMEM)
		return dbki_error_set(err, rc, "out of memory");
	if (rc == 0)
		return dbki_error_set(err, DBK_ENOTFOUND,
		    "no store at '%s' (create one with 'dealbook init')", path);
	if ((real = realpath(path, NULL)) == NULL)
		return dbki_error_errno(err, DBK_EIO, "resolving", path);
	if ((s = calloc(1, sizeof *s)) == NULL) {
		free(real);
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	}
	s->path = real;
	if ((rc = claim_path(real, err)) != 0) {
		s->path = NULL;
		free(real);
		free(s);
		return rc;
	}
	if ((s->sec = sodium_malloc(sizeof *s->sec)) == NULL ||
	    (kek = sodium_malloc(DBKI_KEY_LEN)) == NULL) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of secure memory");
		goto out;
	}
	if ((rc = env_open(s, 0, err)) != 0)
		goto out;
	if ((mrc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		rc = dbki_error_lmdb(err, mrc, "starting a transaction");
		goto out;
	}
	mrc = mdb_get(txn, s->dbi[DBI_META], &k, &v);
	if (mrc != 0 || v.mv_size != HDR_LEN ||
	    memcmp(v.mv_data, HDR_MAGIC, 4) != 0) {
		rc = dbki_error_set(err, DBK_EFORMAT,
		    "'%s' does not hold a dealbook store header", path);
		goto out;
	}
	hdr = v.mv_data;
	if (dbki_rd_le32(hdr + 4) != DBK_FORMAT_VERSION) {
		rc = dbki_error_set(err, DBK_EFORMAT,
		    "store format version %u is not supported (this program reads %u)",
		    dbki_rd_le32(hdr + 4), DBK_FORMAT_VERSION);
		goto out;
	}
	memcpy(s->store_id, hdr + 8, 16);
	ops = dbki_rd_le64(hdr + 28);
	mem = dbki_rd_le64(hdr + 36);
	if (dbki_rd_le32(hdr + 24) != KDF_ALG_ARGON2ID) {
		rc = dbki_error_set(err, DBK_EFORMAT, "unknown key-derivation algorithm");
		goto out;
	}
	/* R22: refuse parameters under the interactive floor before spending
	 * anything on them (test builds accept the test level). */
	if (!dbk_is_test_build() && (ops < crypto_pwhash_OPSLIMIT_INTERACTIVE ||
	    mem < crypto_pwhash_MEMLIMIT_INTERACTIVE)) {
		rc = dbki_error_set(err, DBK_EWEAKKDF,
		    "the store's key derivation (Argon2id ops %llu, %llu KiB) is "
		    "below the floor (ops %llu, %llu KiB): refusing to open it",
		    (unsigned long long)ops, (unsigned long long)(mem >> 10),
		    (unsigned long long)crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    (unsigned long long)(crypto_pwhash_MEMLIMIT_INTERACTIVE >> 10));
		goto out;
	}
	if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > crypto_pwhash_OPSLIMIT_MAX ||
	    mem < crypto_pwhash_MEMLIMIT_MIN || mem > ((uint64_t)4 << 30)) {
		rc = dbki_error_set(err, DBK_EFORMAT,
		    "the store's key-derivation parameters are out of range");
		goto out;
	}
	if (sock != NULL) {
		/* The agent holds the unwrapped key: no derivation. */
		if ((rc = dbki_agent_fetch(sock, s->store_id, s->sec->dek, err)) != 0)
			goto out;
	} else {
		if ((rc = dbk_crypto_pwhash_derive(kek, pass, passlen, hdr + 44, ops,
		    (size_t)mem)) != 0) {
			rc = dbki_error_set(err, rc,
			    "not enough memory for the key derivation");
			goto out;
		}
		header_ad(ad, hdr);
		if (dbk_crypto_aead_open(s->sec->dek, hdr + HDR_AD_LEN,
		    DBKI_NONCE_LEN + DBKI_KEY_LEN + DBKI_TAG_LEN, ad, sizeof ad,
		    kek) != 0) {
			rc = dbki_error_set(err, DBK_EPASS,
			    "wrong passphrase for the store '%s'", path);
			goto out;
		}
	}
	s->kdf_ops = ops;
	s->kdf_mem = (size_t)mem;
	mdb_txn_abort(txn);
	txn = NULL;
	if ((rc = derive_subkeys(s)) != 0) {
		dbki_error_set(err, rc, "key derivation failed");
		goto out;
	}
	if ((rc = dbk_store_read(s, open_txn, NULL, err)) != 0) {
		if (sock != NULL && rc == DBK_EINTEGRITY)
			rc = dbki_error_set(err, DBK_EPASS, "the unlock agent's key "
			    "does not open the store '%s'", path);
		goto out;
	}
	s->guarded = 1;
	dbki_keys_close(s);
	s->gate_open = 1;	/* an index, not a change of the records */
	if (s->fact_rebuild &&
	    (rc = dbk_store_write(s, fact_rebuild_txn, NULL, err)) != 0) {
		s->gate_open = 0;
		goto out;
	}
	s->gate_open = 0;
	s->fact_rebuild = 0;
	if (remote_fs(s->path))
		s->warnings |= DBK_W_REMOTE_FS;
	*out = s;
	s = NULL;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	sodium_free(kek);
	store_free(s);
	return rc;
}

struct passwd_ctx {
	const uint8_t *hdr;
};

static int
passwd_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	struct passwd_ctx *c = vctx;
	MDB_val k = { 6, "header" }, v = { HDR_LEN, (void *)c->hdr };
	int mrc = dbki_txn_fault(t, 1);

	if (mrc == 0)
		mrc = mdb_put(t->t, t->s->dbi[DBI_META], &k, &v, 0);
	if (mrc != 0)
		return dbki_error_lmdb(err, mrc, "writing the store header");
	return dbki_audit_append(t, "passwd", 0, NULL, NULL, 0, err);
}

/* The wrapped DEK part of the current header (nonce and ciphertext). */
#define WRAP_LEN (DBKI_NONCE_LEN + DBKI_KEY_LEN + DBKI_TAG_LEN)

static int
old_wrap_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	MDB_val k = { 6, "header" }, v;
	int mrc = mdb_get(t->t, t->s->dbi[DBI_META], &k, &v);

	if (mrc != 0 || v.mv_size != HDR_LEN)
		return dbki_error_set(err, DBK_EFORMAT, "the store header is missing");
	memcpy(vctx, (const uint8_t *)v.mv_data + HDR_AD_LEN, WRAP_LEN);
	return 0;
}

static int
rewrite_header_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	MDB_val k = { 6, "header" }, v;
	uint8_t copy[HDR_LEN];
	int mrc = mdb_get(t->t, t->s->dbi[DBI_META], &k, &v);

	(void)vctx;
	if (mrc != 0 || v.mv_size != HDR_LEN)
		return dbki_error_set(err, DBK_EFORMAT, "the store header is missing");
	memcpy(copy, v.mv_data, HDR_LEN);
	v.mv_data = copy;
	if ((mrc = dbki_txn_fault(t, 1)) == 0)
		mrc = mdb_put(t->t, t->s->dbi[DBI_META], &k, &v, 0);
	return mrc == 0 ? 0 : dbki_error_lmdb(err, mrc, "rewriting the header");
}

/* 1 if the store file holds the bytes, 0 if not, -1 if unreadable. */
static int
file_contains(const struct dbk_store *s, const uint8_t *needle, size_t n)
{
	char *dp = data_path(s->path);
	FILE *fp = dp ? fopen(dp, "rb") : NULL;
	uint8_t *buf = malloc((1u << 20) + n);
	size_t have = 0, got;
	int found = 0;

	free(dp);
	if (fp == NULL || buf == NULL) {
		if (fp)
			fclose(fp);
		free(buf);
		return -1;
	}
	while (!found && (got = fread(buf + have, 1, 1u << 20, fp)) > 0) {
		size_t len = have + got;
		if (memmem(buf, len, needle, n) != NULL)
			found = 1;
		/* Keep the tail so a match across reads is seen. */
		have = len < n - 1 ? len : n - 1;
		memmove(buf, buf + len - have, have);
	}
	fclose(fp);
	free(buf);
	return found;
}

int
dbk_store_passwd(struct dbk_store *s, const char *newpass, size_t newlen,
    int kdf, struct dbk_error *err)
{
	uint8_t old[WRAP_LEN];
	uint8_t hdr[HDR_LEN];
	struct passwd_ctx c = { hdr };
	uint64_t ops = s->kdf_ops;
	size_t mem = s->kdf_mem;
	int rc;

	if (newlen == 0)
		return dbki_error_set(err, DBK_EINVAL, "the new passphrase is empty");
	if (kdf >= 0) {
		if (kdf > DBK_KDF_TEST || (kdf == DBK_KDF_TEST && !dbk_is_test_build()))
			return dbki_error_set(err, DBK_EINVAL, "invalid KDF level");
		ops = kdf_levels[kdf].ops;
		mem = kdf_levels[kdf].mem;
	}
	if ((rc = dbk_store_read(s, old_wrap_txn, old, err)) != 0)
		return rc;
	dbki_keys_open(s);
	rc = wrap_dek(s, hdr, newpass, newlen, ops, mem, err);
	dbki_keys_close(s);
	if (rc != 0)
		return rc;
	if ((rc = dbk_store_write(s, passwd_txn, &c, err)) != 0)
		return rc;
	/*
	 * LMDB copies pages on write: the page that held the old header is
	 * free but still holds the DEK wrapped under the old passphrase.
	 * Rewrite the header until LMDB reuses that page, checking the file
	 * for the old bytes (a long-running reader elsewhere can keep the
	 * page alive: then say so).
	 */
	for (int round = 0; round < 16; round++) {
		int found = file_contains(s, old, sizeof old);
		if (found <= 0)
			return 0;
		if ((rc = dbk_store_write(s, rewrite_header_txn, NULL, err)) != 0)
			return rc;
	}
	if (file_contains(s, old, sizeof old) > 0)
		s->warnings |= DBK_W_OLD_KEY;
	return 0;
}

/* Test hook (internal): re-wrap under arbitrary Argon2id parameters, with
 * no floor, so tests can build a store a release build must refuse. */
int
dbki_store_rewrap_raw(struct dbk_store *s, const char *pass, size_t len,
    uint64_t ops, size_t mem, struct dbk_error *err)
{
	uint8_t hdr[HDR_LEN];
	struct passwd_ctx c = { hdr };
	int rc;

	dbki_keys_open(s);
	rc = wrap_dek(s, hdr, pass, len, ops, mem, err);
	dbki_keys_close(s);
	if (rc != 0)
		return rc;
	return dbk_store_write(s, passwd_txn, &c, err);
}

int
dbki_store_key_blob(struct dbk_store *s, uint8_t blob[48])
{
	memcpy(blob, s->store_id, 16);
	dbki_keys_open(s);
	memcpy(blob + 16, s->sec->dek, 32);
	dbki_keys_close(s);
	return 0;
}

char *
dbk_store_identity(const struct dbk_store *s)
{
	uint8_t pk[64];
	char *b64, *out = NULL;

	memcpy(pk, s->ed_pk, 32);
	memcpy(pk + 32, s->x_pk, 32);
	if ((b64 = dbki_b64_encode(pk, sizeof pk)) == NULL)
		return NULL;
	if (asprintf(&out, "dbk1:%s", b64) < 0)
		out = NULL;
	free(b64);
	return out;
}

const char *
dbk_store_member(const struct dbk_store *s)
{
	return s->member;
}

const char *
dbk_store_currency(const struct dbk_store *s)
{
	return s->currency;
}

int
dbk_store_minor_digits(const struct dbk_store *s)
{
	return s->minor_digits;
}

int
dbk_store_has_restricted(const struct dbk_store *s)
{
	/* Not a secret: cached when the keyring loads, so this is safe
	 * inside and outside transactions. */
	return s->restricted_access;
}

const char *
dbk_store_kdf_name(const struct dbk_store *s)
{
	for (size_t i = 0; i < sizeof kdf_levels / sizeof kdf_levels[0]; i++)
		if (kdf_levels[i].ops == s->kdf_ops && kdf_levels[i].mem == s->kdf_mem)
			return kdf_levels[i].name;
	return "custom";
}

/* ---- rollback (R13) ---- */

int
dbki_meta_u64(struct dbk_txn *t, const void *key, size_t klen, uint64_t *v,
    struct dbk_error *err)
{
	uint8_t *b = NULL;
	size_t n = 0;
	int rc = dbki_get(t, DBI_META, key, klen, &b, &n, err);

	*v = rc == 0 && n == 8 ? dbki_rd_be64(b) : 0;
	dbki_free_plain(b, n);
	if (rc == DBK_ENOTFOUND) {
		dbk_error_clear(err);
		rc = 0;
	}
	return rc;
}

int
dbki_meta_put_u64(struct dbk_txn *t, const void *key, size_t klen,
    uint64_t v, struct dbk_error *err)
{
	uint8_t b[8];

	dbki_be64(b, v);
	return dbki_put(t, DBI_META, key, klen, b, 8, 0, err);
}

void
dbki_meta_peer_key(uint8_t k[DBKI_PEER_KEY], const char prefix[5],
    const uint8_t ed[32])
{
	memcpy(k, prefix, 5);
	memcpy(k + 5, ed, 32);
}

int
dbki_bseq_get(struct dbk_txn *t, uint64_t *seq, struct dbk_error *err)
{
	uint8_t *v = NULL;
	size_t n = 0;
	int rc = dbki_get(t, DBI_META, "bseq", 4, &v, &n, err);

	*seq = rc == 0 && n == 8 ? dbki_rd_le64(v) : 0;
	dbki_free_plain(v, n);
	if (rc == DBK_ENOTFOUND) {
		dbk_error_clear(err);
		rc = 0;
	}
	return rc;
}

int
dbki_bseq_put(struct dbk_txn *t, uint64_t seq, struct dbk_error *err)
{
	uint8_t b[8];

	dbki_le64(b, seq);
	return dbki_put(t, DBI_META, "bseq", 4, b, 8, 0, err);
}

static int
accept_txn(struct dbk_txn *t, void *vctx, struct dbk_error *err)
{
	uint64_t *seq = vctx, mine;
	int rc;

	if ((rc = dbki_bseq_get(t, &mine, err)) != 0)
		return rc;
	/* The next bundle gets a number no teammate has seen from us, so
	 * it cannot be taken for an equivocation. */
	if (*seq > mine && (rc = dbki_bseq_put(t, *seq, err)) != 0)
		return rc;
	if ((rc = dbki_del(t, DBI_META, "rollback", 8, err)) != 0 &&
	    rc != DBK_ENOTFOUND)
		return rc;
	dbk_error_clear(err);
	/* Teammates believe this store holds what it lost: its bundles ask
	 * them to send everything again, from the next one on (sync.c). */
	if ((rc = dbki_meta_put_u64(t, "resync", 6,
	    (*seq > mine ? *seq : mine) + 1, err)) != 0)
		return rc;
	return dbki_audit_append(t, "rollback-accept", 0, NULL, NULL, 0, err);
}

int
dbk_store_accept_rollback(struct dbk_store *s, uint64_t *seq,
    struct dbk_error *err)
{
	uint64_t at = s->rollback_seq;
	int rc;

	if (seq != NULL)
		*seq = at;
	if (at == 0)
		return 0;
	s->gate_open = 1;
	rc = dbk_store_write(s, accept_txn, &at, err);
	s->gate_open = 0;
	if (rc == 0)
		s->rollback_seq = 0;
	return rc;
}

uint64_t
dbk_store_rollback(const struct dbk_store *s)
{
	return s->rollback_seq;
}
