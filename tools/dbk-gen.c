/*
 * dbk-gen.c -- fill a new store with a deterministic, realistic 2024 of
 * field sales (tools/gen.c), or dump a store's logical content.
 *
 *   dbk-gen --store DIR --customers N --interactions M [--seed S]
 *           [--passphrase-file FILE] [--kdf LEVEL] [--member NAME]
 *           [--batch B]
 *   dbk-gen --store DIR --dump [--passphrase-file FILE]
 *
 * The passphrase comes from the file's first line, else from
 * DEALBOOK_PASSPHRASE.  The dump prints every live record's fields with
 * ids and versions left out (references become the referenced record's
 * customer code and time), sorted, so two stores made with the same seed
 * dump identically.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dealbook/dealbook.h"
#include "gen.h"

#define PASS_MAX 1024

struct opt {
	const char *name;
	const char *arg;   /* NULL: a flag */
	const char *help;
};

static const struct opt opts[] = {
	{ "store", "DIR", "the store directory (created; must not hold a store)" },
	{ "customers", "N", "customers to create (1 to 999999)" },
	{ "interactions", "M", "interactions to log, spread over the customers" },
	{ "seed", "S", "generator seed (default 1)" },
	{ "passphrase-file", "FILE", "read the passphrase from FILE's first line "
	    "(else DEALBOOK_PASSPHRASE)" },
	{ "kdf", "LEVEL", "interactive (default), moderate, sensitive; test in "
	    "test builds" },
	{ "member", "NAME", "the member who enters everything (default 王芳)" },
	{ "batch", "B", "events per write transaction (default 10000)" },
	{ "dump", NULL, "print the store's logical content instead" },
	{ "help", NULL, "show this help" },
};
#define NOPTS (sizeof opts / sizeof opts[0])

enum { O_STORE, O_CUSTOMERS, O_INTERACTIONS, O_SEED, O_PASSFILE, O_KDF,
	O_MEMBER, O_BATCH, O_DUMP, O_HELP };

static void
usage(FILE *f)
{
	fprintf(f, "usage: dbk-gen --store <dir> --customers <n> "
	    "--interactions <m> [options]\n"
	    "       dbk-gen --store <dir> --dump [--passphrase-file <file>]\n\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char left[40];
		int n = snprintf(left, sizeof left, "--%s%s%s", opts[i].name,
		    opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		if (n < 0 || (size_t)n >= sizeof left)
			left[0] = '\0';
		fprintf(f, "  %-26s %s\n", left, opts[i].help);
	}
}

/* Parse argv into vals[] (flags get ""); 0, or 2 after a usage error. */
static int
parse_args(int argc, char **argv, const char *vals[NOPTS])
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		size_t len, j;

		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "dbk-gen: unexpected argument '%s'\n", a);
			return 2;
		}
		a += 2;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		for (j = 0; j < NOPTS; j++)
			if (strlen(opts[j].name) == len &&
			    strncmp(opts[j].name, a, len) == 0)
				break;
		if (j == NOPTS) {
			fprintf(stderr, "dbk-gen: unknown option '%s'\n", argv[i]);
			return 2;
		}
		if (opts[j].arg == NULL) {
			if (eq != NULL) {
				fprintf(stderr, "dbk-gen: --%s takes no value\n",
				    opts[j].name);
				return 2;
			}
			vals[j] = "";
		} else if (eq != NULL) {
			vals[j] = eq + 1;
		} else if (i + 1 < argc) {
			vals[j] = argv[++i];
		} else {
			fprintf(stderr, "dbk-gen: --%s needs a value <%s>\n",
			    opts[j].name, opts[j].arg);
			return 2;
		}
	}
	return 0;
}

static int
num_arg(const char *name, const char *s, int64_t min, int64_t max,
    int64_t *out)
{
	if (dbk_parse_int(s, min, max, out) != 0) {
		fprintf(stderr, "dbk-gen: invalid --%s '%s' (expected %" PRId64
		    " to %" PRId64 ")\n", name, s, min, max);
		return -1;
	}
	return 0;
}

/* The passphrase in secure memory: the file's first line, else the
 * environment.  NULL (after a message) when there is none. */
static char *
get_passphrase(const char *file, size_t *len)
{
	char *p = dbk_secure_alloc(PASS_MAX + 1);
	size_t n = 0;

	if (p == NULL) {
		fprintf(stderr, "dbk-gen: out of secure memory\n");
		return NULL;
	}
	if (file != NULL) {
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		ssize_t r;

		if (fd < 0) {
			fprintf(stderr, "dbk-gen: cannot open '%s': %s\n", file,
			    strerror(errno));
			goto fail;
		}
		while (n < PASS_MAX && (r = read(fd, p + n, PASS_MAX - n)) != 0) {
			if (r < 0) {
				if (errno == EINTR)
					continue;
				fprintf(stderr, "dbk-gen: reading '%s': %s\n", file,
				    strerror(errno));
				close(fd);
				goto fail;
			}
			n += (size_t)r;
		}
		close(fd);
		p[n] = '\0';
		n = strcspn(p, "\r\n");
	} else {
		const char *env = getenv("DEALBOOK_PASSPHRASE");
		if (env == NULL) {
			fprintf(stderr, "dbk-gen: no passphrase (use "
			    "--passphrase-file or DEALBOOK_PASSPHRASE)\n");
			goto fail;
		}
		n = strlen(env);
		if (n > PASS_MAX)
			n = PASS_MAX;
		memcpy(p, env, n);
	}
	p[n] = '\0';
	if (n == 0) {
		fprintf(stderr, "dbk-gen: the passphrase is empty\n");
		goto fail;
	}
	*len = n;
	return p;
fail:
	dbk_secure_free(p);
	return NULL;
}

static int
fail(const char *what, struct dbk_error *err, int rc)
{
	fprintf(stderr, "dbk-gen: %s: %s\n", what,
	    err->msg ? err->msg : dbk_strerror(rc));
	dbk_error_clear(err);
	return 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- generate ---- */

static int
generate(const char *dir, const char *pass, size_t plen, const char *vals[NOPTS])
{
	struct dbk_error err = { 0, NULL };
	struct dbk_init_opts io = { 0 };
	struct dbk_store *s = NULL;
	struct gen_plan plan;
	struct gen_load_stats st;
	int64_t nc, ni, seed = 1, batch = 10000;
	double t0;
	int rc;

	if (vals[O_CUSTOMERS] == NULL || vals[O_INTERACTIONS] == NULL) {
		fprintf(stderr, "dbk-gen: --customers and --interactions are "
		    "required\n");
		return 2;
	}
	if (num_arg("customers", vals[O_CUSTOMERS], 1, 999999, &nc) != 0 ||
	    num_arg("interactions", vals[O_INTERACTIONS], 0, 100000000, &ni) != 0 ||
	    (vals[O_SEED] && num_arg("seed", vals[O_SEED], 0, INT64_MAX, &seed) != 0) ||
	    (vals[O_BATCH] && num_arg("batch", vals[O_BATCH], 1, 1000000, &batch) != 0))
		return 2;
	io.member = vals[O_MEMBER] ? vals[O_MEMBER] : "王芳";
	io.kdf = DBK_KDF_INTERACTIVE;
	if (vals[O_KDF] != NULL && dbk_kdf_parse(vals[O_KDF], &io.kdf) != 0) {
		fprintf(stderr, "dbk-gen: invalid --kdf '%s' (expected interactive, "
		    "moderate or sensitive%s)\n", vals[O_KDF],
		    dbk_is_test_build() ? ", or test" : "");
		return 2;
	}
	if (gen_plan_build((uint64_t)seed, (uint32_t)nc, (uint64_t)ni, &plan) != 0) {
		fprintf(stderr, "dbk-gen: out of memory building the plan\n");
		return 1;
	}
	if ((rc = dbk_store_create(dir, pass, plen, &io, &err)) != 0) {
		gen_plan_free(&plan);
		return fail("creating the store", &err, rc);
	}
	if ((rc = dbk_store_open(dir, pass, plen, &s, &err)) != 0) {
		gen_plan_free(&plan);
		return fail("opening the store", &err, rc);
	}
	t0 = now_s();
	rc = gen_load(s, &plan, (size_t)batch, &st, &err);
	dbk_store_close(s);
	if (rc != 0) {
		gen_plan_free(&plan);
		return fail("loading", &err, rc);
	}
	printf("dbk-gen: %s: seed %" PRId64 ": %zu customers, %zu interactions "
	    "(%zu entered late), %zu objections, %zu competitor notes, "
	    "%zu stage changes, %zu deals, %zu payments\n",
	    dir, seed, plan.count[GEN_CUSTOMER], plan.count[GEN_INTERACTION],
	    plan.nlate, plan.nobjections, plan.ncompetitors,
	    plan.count[GEN_STAGE], plan.count[GEN_DEAL], plan.count[GEN_PAYMENT]);
	printf("dbk-gen: %zu records in %zu transactions, %.2f s\n", st.records,
	    st.txns, now_s() - t0);
	gen_plan_free(&plan);
	return 0;
}

/* ---- dump ---- */

struct label {
	struct dbk_id id;
	char *text;
};

struct lines {
	char **v;
	size_t n, cap;
};

struct dump {
	struct label *lab;
	size_t nlab, caplab;
	size_t sorted;            /* lab[0..sorted) is in id order */
	struct lines out;
	size_t count[DBK_T_MAX + 1];
	int oom;
};

static int
label_cmp(const void *a, const void *b)
{
	return memcmp(((const struct label *)a)->id.b,
	    ((const struct label *)b)->id.b, 16);
}

static const char *
label_of(const struct dump *d, const char *hex)
{
	struct label key, *l;

	if (dbk_id_parse(hex, &key.id) != 0)
		return "?";
	l = bsearch(&key, d->lab, d->sorted, sizeof *d->lab, label_cmp);
	return l ? l->text : "?";
}

static int
add_label(struct dump *d, const struct dbk_id *id, const char *a,
    const char *sep, const char *b)
{
	char *t = NULL;

	if (d->nlab == d->caplab) {
		size_t cap = d->caplab ? d->caplab * 2 : 256;
		struct label *nl = realloc(d->lab, cap * sizeof *nl);
		if (nl == NULL)
			return -1;
		d->lab = nl;
		d->caplab = cap;
	}
	if (asprintf(&t, "%s%s%s", a ? a : "?", sep, b ? b : "?") < 0)
		return -1;
	d->lab[d->nlab].id = *id;
	d->lab[d->nlab].text = t;
	d->nlab++;
	return 0;
}

static void
sort_labels(struct dump *d)
{
	qsort(d->lab, d->nlab, sizeof *d->lab, label_cmp);
	d->sorted = d->nlab;
}

static int
label_customer(struct dbk_record *r, void *ctx)
{
	struct dump *d = ctx;

	if (add_label(d, dbk_record_id(r), dbk_record_str(r, "code"), "", "") != 0)
		d->oom = 1;
	return d->oom ? DBK_ENOMEM : 0;
}

/* Interactions and deals are named by their customer and their time. */
static int
label_child(struct dbk_record *r, void *ctx)
{
	struct dump *d = ctx;
	const char *c = dbk_record_str(r, "customer");
	const char *when = dbk_record_type(r) == DBK_T_DEAL ?
	    dbk_record_str(r, "signed") : dbk_record_str(r, "at");

	if (add_label(d, dbk_record_id(r), c ? label_of(d, c) : "?", "@",
	    when) != 0)
		d->oom = 1;
	return d->oom ? DBK_ENOMEM : 0;
}

/* Append s, with tabs, newlines and backslashes escaped when `esc`. */
static int
str_append(char **buf, size_t *len, size_t *cap, const char *s, int esc)
{
	for (; *s; s++) {
		char tmp[2];
		size_t k = 1;

		tmp[0] = *s;
		if (esc && (*s == '\t' || *s == '\n' || *s == '\\')) {
			tmp[0] = '\\';
			tmp[1] = *s == '\t' ? 't' : *s == '\n' ? 'n' : '\\';
			k = 2;
		}
		if (*len + k + 1 > *cap) {
			size_t nc = *cap ? *cap * 2 : 256;
			char *nb = realloc(*buf, nc);
			if (nb == NULL)
				return -1;
			*buf = nb;
			*cap = nc;
		}
		memcpy(*buf + *len, tmp, k);
		*len += k;
		(*buf)[*len] = '\0';
	}
	return 0;
}

static int
dump_record(struct dbk_record *r, void *ctx)
{
	struct dump *d = ctx;
	enum dbk_type type = dbk_record_type(r);
	char *line = NULL;
	size_t len = 0, cap = 0;
	int bad = 0;

	bad |= str_append(&line, &len, &cap, dbk_type_name(type), 1);
	for (size_t i = 0; i < dbk_record_nfields(r) && !bad; i++) {
		const struct dbk_fielddef *fd;
		const char *name, *value;
		int state;

		dbk_record_field_at(r, i, &name, &value, &state);
		fd = dbk_field_lookup(type, name);
		if (state == DBK_FS_RESTRICTED)
			value = "<restricted>";
		else if (value == NULL)
			value = "";
		else if (fd != NULL && fd->kind == DBK_K_REF)
			value = label_of(d, value); /* ids are random */
		bad |= str_append(&line, &len, &cap, "\t", 0);
		bad |= str_append(&line, &len, &cap, name, 1);
		bad |= str_append(&line, &len, &cap, "=", 0);
		bad |= str_append(&line, &len, &cap, value, 1);
	}
	if (!bad && d->out.n == d->out.cap) {
		size_t nc = d->out.cap ? d->out.cap * 2 : 1024;
		char **nv = realloc(d->out.v, nc * sizeof *nv);
		if (nv == NULL) {
			bad = 1;
		} else {
			d->out.v = nv;
			d->out.cap = nc;
		}
	}
	if (bad) {
		free(line);
		d->oom = 1;
		return DBK_ENOMEM;
	}
	d->out.v[d->out.n++] = line;
	d->count[type]++;
	return 0;
}

static int
dump_txn(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	struct dump *d = ctx;
	int rc;

	if ((rc = dbk_record_foreach(t, DBK_T_CUSTOMER, label_customer, d,
	    err)) != 0)
		return rc;
	sort_labels(d);
	if ((rc = dbk_record_foreach(t, DBK_T_INTERACTION, label_child, d,
	    err)) != 0 ||
	    (rc = dbk_record_foreach(t, DBK_T_DEAL, label_child, d, err)) != 0)
		return rc;
	sort_labels(d);
	for (int ty = 1; ty <= DBK_T_MAX; ty++)
		if ((rc = dbk_record_foreach(t, (enum dbk_type)ty, dump_record, d,
		    err)) != 0)
			return rc;
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
dump(const char *dir, const char *pass, size_t plen)
{
	struct dbk_error err = { 0, NULL };
	struct dbk_store *s = NULL;
	struct dump d;
	int rc, status = 0;

	memset(&d, 0, sizeof d);
	if ((rc = dbk_store_open(dir, pass, plen, &s, &err)) != 0)
		return fail("opening the store", &err, rc);
	rc = dbk_store_read(s, dump_txn, &d, &err);
	dbk_store_close(s);
	if (rc != 0) {
		if (d.oom)
			fprintf(stderr, "dbk-gen: out of memory\n");
		status = d.oom ? 1 : fail("reading the store", &err, rc);
		goto out;
	}
	qsort(d.out.v, d.out.n, sizeof *d.out.v, str_cmp);
	for (int ty = 1; ty <= DBK_T_MAX; ty++)
		if (d.count[ty] > 0)
			printf("count\t%s\t%zu\n", dbk_type_name((enum dbk_type)ty),
			    d.count[ty]);
	for (size_t i = 0; i < d.out.n; i++)
		printf("%s\n", d.out.v[i]);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "dbk-gen: writing the dump: %s\n", strerror(errno));
		status = 1;
	}
out:
	for (size_t i = 0; i < d.nlab; i++)
		free(d.lab[i].text);
	free(d.lab);
	for (size_t i = 0; i < d.out.n; i++)
		free(d.out.v[i]);
	free(d.out.v);
	return status;
}

int
main(int argc, char **argv)
{
	const char *vals[NOPTS] = { NULL };
	struct dbk_error err = { 0, NULL };
	char *pass = NULL;
	size_t plen = 0;
	int rc;

	if ((rc = parse_args(argc, argv, vals)) != 0) {
		usage(stderr);
		return rc;
	}
	if (vals[O_HELP] != NULL) {
		usage(stdout);
		return 0;
	}
	if (vals[O_STORE] == NULL) {
		fprintf(stderr, "dbk-gen: --store is required\n");
		usage(stderr);
		return 2;
	}
	if ((rc = dbk_init(&err)) != 0)
		return fail("starting the library", &err, rc);
	if ((pass = get_passphrase(vals[O_PASSFILE], &plen)) == NULL)
		return 2;
	if (vals[O_DUMP] != NULL)
		rc = dump(vals[O_STORE], pass, plen);
	else
		rc = generate(vals[O_STORE], pass, plen, vals);
	dbk_secure_free(pass);
	return rc;
}
