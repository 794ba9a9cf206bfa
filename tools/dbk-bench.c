/*
 * dbk-bench.c -- bulk-load throughput of the library against the bare
 * LMDB + XChaCha20-Poly1305 floor, measured in the same run.
 *
 *   dbk-bench [--customers N] [--interactions M] [--runs R] [--dir D]
 *             [--batch B] [--seed S] [--keep]
 *
 * Each run:
 *  (a) library: a fresh store (KDF not timed), then the generator's plan
 *      (tools/gen.c) entered through the public API, B events per write
 *      transaction.  Timed: the load only.
 *  (b) floor: a fresh LMDB environment with one database and the same
 *      durability (no NOSYNC/WRITEMAP), into which every record the
 *      library stored is written once: the same 17-byte key (type byte,
 *      48-bit time, random), a value of exactly the plaintext length the
 *      library stored for that record (its final version), sealed with
 *      crypto_aead_xchacha20poly1305_ietf_encrypt under a random nonce
 *      and the same kind of associated data, straight into MDB_RESERVE'd
 *      space, in id (time) order, with as many transactions as the
 *      library committed.  The floor leaves out everything that makes a
 *      record a record: validation, JSON, per-field versions, indexes,
 *      the change log, history, and re-writing the customer that an
 *      interaction updates.
 * Printed: per run records/s of both and their ratio, then medians.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "dealbook/dealbook.h"
#include "gen.h"

#define KEY_LEN 17
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_OVERHEAD (NONCE_LEN + TAG_LEN)
#define MAX_RUNS 100

static const char bench_pass[] = "dbk-bench passphrase";

/* The library's databases, to report how many entries a load writes. */
static const char *const db_names[] = {
	"rec", "ids", "child", "codes", "hist", "changes", "meta", "audit",
};
#define NDBS (sizeof db_names / sizeof db_names[0])

struct entry {
	uint8_t key[KEY_LEN];
	uint32_t ptlen;
};

struct run {
	double lib_s, floor_s;
	size_t records;        /* rec entries written by the library */
	size_t txns;
	uint64_t ptbytes;      /* plaintext bytes of those records */
	size_t entries[NDBS];
	size_t tcount[DBK_T_MAX + 1];   /* records per type */
	uint64_t tbytes[DBK_T_MAX + 1]; /* their plaintext bytes */
	uint64_t lib_file, floor_file;
	double kind_s[GEN_KIND_COUNT];
	size_t retries;
	double retry_s, commit_s;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dbk-bench [--customers <n>] [--interactions <m>] [--runs <r>]\n"
	    "                 [--dir <dir>] [--batch <b>] [--seed <s>] [--keep]\n\n"
	    "  --customers N      customers per load (default 20000)\n"
	    "  --interactions M   interactions per load (default 200000)\n"
	    "  --runs R           runs, each library then floor (default 3)\n"
	    "  --dir D            where the stores go (default a new directory\n"
	    "                     under $TMPDIR or /tmp); must be on the disk\n"
	    "                     you mean to measure\n"
	    "  --batch B          events per write transaction (default 10000)\n"
	    "  --seed S           generator seed (default 1)\n"
	    "  --keep             keep the stores afterwards\n");
}

static int
num_arg(const char *name, const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (s == NULL || dbk_parse_int(s, min, max, out) != 0) {
		fprintf(stderr, "dbk-bench: invalid --%s '%s' (expected %" PRId64
		    " to %" PRId64 ")\n", name, s ? s : "", min, max);
		return -1;
	}
	return 0;
}

static int
lmdb_fail(const char *what, int mrc)
{
	fprintf(stderr, "dbk-bench: %s: %s\n", what, mdb_strerror(mrc));
	return -1;
}

static uint64_t
file_size(const char *dir)
{
	char p[4096];
	struct stat st;
	int n = snprintf(p, sizeof p, "%s/data.mdb", dir);

	if (n < 0 || (size_t)n >= sizeof p || stat(p, &st) != 0)
		return 0;
	return (uint64_t)st.st_size;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = memcmp(x->key + 1, y->key + 1, KEY_LEN - 1);

	return c ? c : (int)x->key[0] - (int)y->key[0];
}

/*
 * Read back what the library wrote: every 'rec' key and its plaintext
 * length (ciphertext length minus nonce and tag), and the entry count of
 * each database.  Values stay sealed; no key is needed.
 */
static int
collect(const char *dir, struct entry **out, struct run *r)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	MDB_stat ms;
	struct entry *e = NULL;
	size_t n = 0, cap = 0;
	int mrc, rc = -1;

	*out = NULL;
	if ((mrc = mdb_env_create(&env)) != 0 ||
	    (mrc = mdb_env_set_maxdbs(env, 16)) != 0 ||
	    (mrc = mdb_env_open(env, dir, MDB_RDONLY, 0600)) != 0) {
		lmdb_fail("opening the library's store", mrc);
		goto out;
	}
	if ((mrc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0) {
		lmdb_fail("reading the library's store", mrc);
		goto out;
	}
	for (size_t i = 0; i < NDBS; i++) {
		if ((mrc = mdb_dbi_open(txn, db_names[i], 0, &dbi)) != 0 ||
		    (mrc = mdb_stat(txn, dbi, &ms)) != 0) {
			lmdb_fail(db_names[i], mrc);
			goto out;
		}
		r->entries[i] = ms.ms_entries;
	}
	if ((mrc = mdb_dbi_open(txn, "rec", 0, &dbi)) != 0 ||
	    (mrc = mdb_cursor_open(txn, dbi, &cur)) != 0) {
		lmdb_fail("walking 'rec'", mrc);
		goto out;
	}
	r->ptbytes = 0;
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
	    mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != KEY_LEN || v.mv_size < SEAL_OVERHEAD ||
		    v.mv_size - SEAL_OVERHEAD > UINT32_MAX) {
			fprintf(stderr, "dbk-bench: unexpected 'rec' entry\n");
			goto out;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			struct entry *ne = realloc(e, nc * sizeof *ne);
			if (ne == NULL) {
				fprintf(stderr, "dbk-bench: out of memory\n");
				goto out;
			}
			e = ne;
			cap = nc;
		}
		memcpy(e[n].key, k.mv_data, KEY_LEN);
		e[n].ptlen = (uint32_t)(v.mv_size - SEAL_OVERHEAD);
		r->ptbytes += e[n].ptlen;
		if (e[n].key[0] >= 1 && e[n].key[0] <= DBK_T_MAX) {
			r->tcount[e[n].key[0]]++;
			r->tbytes[e[n].key[0]] += e[n].ptlen;
		}
		n++;
	}
	if (mrc != MDB_NOTFOUND) {
		lmdb_fail("walking 'rec'", mrc);
		goto out;
	}
	/* Creation order: the id's time first, as the library inserted. */
	qsort(e, n, sizeof *e, entry_cmp);
	r->records = n;
	*out = e;
	e = NULL;
	rc = 0;
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	free(e);
	return rc;
}

/* The floor: one sealed put per record, nothing else. */
static int
floor_load(const char *dir, const struct entry *e, struct run *r)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	uint8_t *key = NULL, *pt = NULL, store_id[16], ad[64];
	size_t maxpt = 0, per_txn, mapsize, adlen;
	double t0;
	int mrc, rc = -1;

	for (size_t i = 0; i < r->records; i++)
		if (e[i].ptlen > maxpt)
			maxpt = e[i].ptlen;
	per_txn = r->txns ? (r->records + r->txns - 1) / r->txns : r->records;
	if (per_txn == 0)
		per_txn = 1;
	/* Room to spare: the floor never pays for map growth. */
	mapsize = (size_t)(r->ptbytes + (uint64_t)r->records *
	    (SEAL_OVERHEAD + KEY_LEN + 16)) * 3 + ((size_t)64 << 20);
	mapsize = (mapsize + ((size_t)1 << 20) - 1) & ~(((size_t)1 << 20) - 1);
	if ((key = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)) == NULL ||
	    (pt = malloc(maxpt + 1)) == NULL) {
		fprintf(stderr, "dbk-bench: out of memory\n");
		goto out;
	}
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	randombytes_buf(store_id, sizeof store_id);
	randombytes_buf(pt, maxpt + 1);
	if (mkdir(dir, 0700) != 0) {
		fprintf(stderr, "dbk-bench: mkdir '%s': %s\n", dir, strerror(errno));
		goto out;
	}
	if ((mrc = mdb_env_create(&env)) != 0 ||
	    (mrc = mdb_env_set_maxdbs(env, 1)) != 0 ||
	    (mrc = mdb_env_set_mapsize(env, mapsize)) != 0 ||
	    (mrc = mdb_env_open(env, dir, 0, 0600)) != 0) {
		lmdb_fail("creating the floor environment", mrc);
		goto out;
	}
	if ((mrc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (mrc = mdb_dbi_open(txn, "rec", MDB_CREATE, &dbi)) != 0 ||
	    (mrc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		lmdb_fail("creating the floor database", mrc);
		goto out;
	}
	txn = NULL;
	/* The library's AD layout: "dbk1" || store id || format || db || key. */
	memcpy(ad, "dbk1", 4);
	memcpy(ad + 4, store_id, 16);
	ad[20] = 1; ad[21] = 0; ad[22] = 0; ad[23] = 0;
	memcpy(ad + 24, "rec", 4);
	adlen = 28 + KEY_LEN;

	t0 = now_s();
	for (size_t i = 0; i < r->records; i += per_txn) {
		size_t end = i + per_txn < r->records ? i + per_txn : r->records;

		if ((mrc = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
			lmdb_fail("floor: begin", mrc);
			goto out;
		}
		for (size_t j = i; j < end; j++) {
			MDB_val k = { KEY_LEN, (void *)e[j].key };
			MDB_val v = { e[j].ptlen + SEAL_OVERHEAD, NULL };
			uint8_t *c;

			memcpy(ad + 28, e[j].key, KEY_LEN);
			if ((mrc = mdb_put(txn, dbi, &k, &v, MDB_RESERVE)) != 0) {
				lmdb_fail("floor: put", mrc);
				goto out;
			}
			c = v.mv_data;
			randombytes_buf(c, NONCE_LEN);
			crypto_aead_xchacha20poly1305_ietf_encrypt(c + NONCE_LEN,
			    NULL, pt, e[j].ptlen, ad, adlen, NULL, c, key);
		}
		mrc = mdb_txn_commit(txn);
		txn = NULL;
		if (mrc != 0) {
			lmdb_fail("floor: commit", mrc);
			goto out;
		}
	}
	r->floor_s = now_s() - t0;
	rc = 0;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	r->floor_file = file_size(dir);
	sodium_free(key);
	free(pt);
	return rc;
}

static int
lib_load(const char *dir, const struct gen_plan *plan, size_t batch,
    struct run *r)
{
	struct dbk_error err = { 0, NULL };
	struct dbk_init_opts io = { 0 };
	struct dbk_store *s = NULL;
	struct gen_load_stats st;
	double t0;
	int rc;

	io.member = "bench";
	/* The KDF is not what is measured: the cheapest allowed level. */
	io.kdf = dbk_is_test_build() ? DBK_KDF_TEST : DBK_KDF_INTERACTIVE;
	if ((rc = dbk_store_create(dir, bench_pass, sizeof bench_pass - 1, &io,
	    &err)) != 0 ||
	    (rc = dbk_store_open(dir, bench_pass, sizeof bench_pass - 1, &s,
	    &err)) != 0) {
		fprintf(stderr, "dbk-bench: %s: %s\n", dir,
		    err.msg ? err.msg : dbk_strerror(rc));
		dbk_error_clear(&err);
		return -1;
	}
	t0 = now_s();
	rc = gen_load(s, plan, batch, &st, &err);
	r->lib_s = now_s() - t0;
	dbk_store_close(s);
	if (rc != 0) {
		fprintf(stderr, "dbk-bench: loading: %s\n",
		    err.msg ? err.msg : dbk_strerror(rc));
		dbk_error_clear(&err);
		return -1;
	}
	r->txns = st.txns;
	memcpy(r->kind_s, st.kind_s, sizeof r->kind_s);
	r->retries = st.retries;
	r->retry_s = st.retry_s;
	r->commit_s = st.commit_s;
	r->lib_file = file_size(dir);
	return 0;
}

static void
remove_env(const char *dir)
{
	char p[4096];
	int n;

	n = snprintf(p, sizeof p, "%s/data.mdb", dir);
	if (n > 0 && (size_t)n < sizeof p)
		(void)unlink(p);
	n = snprintf(p, sizeof p, "%s/lock.mdb", dir);
	if (n > 0 && (size_t)n < sizeof p)
		(void)unlink(p);
	if (rmdir(dir) != 0 && errno != ENOENT)
		fprintf(stderr, "dbk-bench: warning: cannot remove '%s': %s\n",
		    dir, strerror(errno));
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(const double *v, size_t n)
{
	double s[MAX_RUNS];

	memcpy(s, v, n * sizeof *v);
	qsort(s, n, sizeof *s, dbl_cmp);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	struct dbk_error err = { 0, NULL };
	struct gen_plan plan;
	struct run runs[MAX_RUNS];
	double lib_rate[MAX_RUNS], floor_rate[MAX_RUNS], ratio[MAX_RUNS];
	double inter_rate[MAX_RUNS];
	int64_t nc = 20000, ni = 200000, nruns = 3, batch = 10000, seed = 1;
	const char *dir = NULL;
	char base[4096], libdir[4200], floordir[4200];
	int keep = 0, made_base = 0, status = 1;
	double t0, dry_s;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;

		if (strcmp(a, "--customers") == 0)
			rc = num_arg("customers", v, 1, 999999, &nc);
		else if (strcmp(a, "--interactions") == 0)
			rc = num_arg("interactions", v, 0, 100000000, &ni);
		else if (strcmp(a, "--runs") == 0)
			rc = num_arg("runs", v, 1, MAX_RUNS, &nruns);
		else if (strcmp(a, "--batch") == 0)
			rc = num_arg("batch", v, 1, 1000000, &batch);
		else if (strcmp(a, "--seed") == 0)
			rc = num_arg("seed", v, 0, INT64_MAX, &seed);
		else if (strcmp(a, "--dir") == 0 && v != NULL)
			dir = v;
		else if (strcmp(a, "--keep") == 0) {
			keep = 1;
			continue;
		} else if (strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "dbk-bench: unknown or incomplete option '%s'\n", a);
			usage(stderr);
			return 2;
		}
		if (rc != 0)
			return 2;
		i++;
	}
	if (dbk_init(&err) != 0) {
		fprintf(stderr, "dbk-bench: %s\n", err.msg ? err.msg : "init failed");
		dbk_error_clear(&err);
		return 1;
	}
	if (dir != NULL) {
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "dbk-bench: mkdir '%s': %s\n", dir,
			    strerror(errno));
			return 1;
		}
		if (snprintf(base, sizeof base, "%s", dir) >= (int)sizeof base) {
			fprintf(stderr, "dbk-bench: --dir is too long\n");
			return 2;
		}
	} else {
		const char *tmp = getenv("TMPDIR");
		int n = snprintf(base, sizeof base, "%s/dbk-bench.XXXXXX",
		    tmp && *tmp ? tmp : "/tmp");
		if (n < 0 || (size_t)n >= sizeof base || mkdtemp(base) == NULL) {
			fprintf(stderr, "dbk-bench: cannot make a directory under "
			    "'%s'\n", tmp && *tmp ? tmp : "/tmp");
			return 1;
		}
		made_base = 1;
	}

	t0 = now_s();
	if (gen_plan_build((uint64_t)seed, (uint32_t)nc, (uint64_t)ni, &plan) != 0) {
		fprintf(stderr, "dbk-bench: out of memory building the plan\n");
		return 1;
	}
	printf("plan: seed %" PRId64 ", %zu customers, %zu interactions (%zu late), "
	    "%zu stage changes, %zu deals, %zu payments, %zu objections, "
	    "%zu competitor notes: %zu events, %zu records (%.2f s to plan)\n",
	    seed, plan.count[GEN_CUSTOMER], plan.count[GEN_INTERACTION],
	    plan.nlate, plan.count[GEN_STAGE], plan.count[GEN_DEAL],
	    plan.count[GEN_PAYMENT], plan.nobjections, plan.ncompetitors,
	    plan.nev, gen_plan_records(&plan), now_s() - t0);
	t0 = now_s();
	if (gen_dry_run(&plan) != 0) {
		fprintf(stderr, "dbk-bench: the generator failed\n");
		goto out;
	}
	dry_s = now_s() - t0;
	printf("generator alone (building every input, no store): %.3f s; "
	    "included in the library times below\n", dry_s);
	printf("dir: %s; batch %" PRId64 " events per transaction\n\n", base,
	    batch);
	printf("run  records  txns   lib s     lib rec/s  lib inter/s  "
	    "floor s   floor rec/s  ratio\n");
	fflush(stdout);

	for (int64_t i = 0; i < nruns; i++) {
		struct run *r = &runs[i];
		struct entry *e = NULL;

		memset(r, 0, sizeof *r);
		if (snprintf(libdir, sizeof libdir, "%s/run%" PRId64 "-lib", base,
		    i + 1) >= (int)sizeof libdir ||
		    snprintf(floordir, sizeof floordir, "%s/run%" PRId64 "-floor",
		    base, i + 1) >= (int)sizeof floordir) {
			fprintf(stderr, "dbk-bench: path too long\n");
			goto out;
		}
		if (lib_load(libdir, &plan, (size_t)batch, r) != 0)
			goto out;
		if (collect(libdir, &e, r) != 0)
			goto out;
		if (r->records != gen_plan_records(&plan))
			fprintf(stderr, "dbk-bench: warning: %zu records stored, "
			    "%zu planned\n", r->records, gen_plan_records(&plan));
		if (floor_load(floordir, e, r) != 0) {
			free(e);
			goto out;
		}
		free(e);
		lib_rate[i] = (double)r->records / r->lib_s;
		inter_rate[i] = (double)plan.count[GEN_INTERACTION] / r->lib_s;
		floor_rate[i] = (double)r->records / r->floor_s;
		ratio[i] = r->lib_s / r->floor_s;
		printf("%3" PRId64 "  %7zu  %4zu  %7.2f  %10.0f  %11.0f  %7.2f  "
		    "%11.0f  %5.2f\n", i + 1, r->records, r->txns, r->lib_s,
		    lib_rate[i], inter_rate[i], r->floor_s, floor_rate[i], ratio[i]);
		fflush(stdout);
		if (!keep) {
			remove_env(libdir);
			remove_env(floordir);
		}
	}
	printf("\nmedian of %" PRId64 ": library %.0f records/s (%.0f "
	    "interactions/s), floor %.0f records/s, ratio %.2f\n", nruns,
	    median(lib_rate, (size_t)nruns), median(inter_rate, (size_t)nruns),
	    median(floor_rate, (size_t)nruns), median(ratio, (size_t)nruns));
	printf("\nrun 1 stored: %.1f MiB plaintext in 'rec' (mean %.0f bytes a "
	    "record); data.mdb %.1f MiB (library) vs %.1f MiB (floor)\n",
	    (double)runs[0].ptbytes / 1048576.0,
	    runs[0].records ? (double)runs[0].ptbytes / (double)runs[0].records : 0.0,
	    (double)runs[0].lib_file / 1048576.0,
	    (double)runs[0].floor_file / 1048576.0);
	{
		static const char *const kn[GEN_KIND_COUNT] = {
			"dbk_customer_add", "dbk_log_add", "dbk_stage_set",
			"dbk_deal_add", "dbk_payment_add",
		};
		double in = 0;

		printf("run 1 library time by call (calls, s, us a call):");
		for (int k = 0; k < GEN_KIND_COUNT; k++) {
			printf(" %s %zu %.2f %.1f;", kn[k], plan.count[k],
			    runs[0].kind_s[k], plan.count[k] ?
			    runs[0].kind_s[k] * 1e6 / (double)plan.count[k] : 0.0);
			in += runs[0].kind_s[k];
		}
		printf(" batches undone by map growth %zu, %.2f s; begin/commit/"
		    "grow %.2f s; building inputs and the rest %.2f s\n",
		    runs[0].retries, runs[0].retry_s, runs[0].commit_s,
		    runs[0].lib_s - in - runs[0].retry_s - runs[0].commit_s);
	}
	printf("run 1 records by type (count, mean plaintext bytes):");
	for (int ty = 1; ty <= DBK_T_MAX; ty++)
		if (runs[0].tcount[ty] > 0)
			printf(" %s %zu x %.0f", dbk_type_name((enum dbk_type)ty),
			    runs[0].tcount[ty],
			    (double)runs[0].tbytes[ty] / (double)runs[0].tcount[ty]);
	printf("\nrun 1 entries per database:");
	for (size_t d = 0; d < NDBS; d++)
		printf(" %s %zu", db_names[d], runs[0].entries[d]);
	printf("\n");
	status = 0;
out:
	gen_plan_free(&plan);
	if (made_base && !keep && rmdir(base) != 0)
		fprintf(stderr, "dbk-bench: warning: cannot remove '%s': %s\n", base,
		    strerror(errno));
	return status;
}
