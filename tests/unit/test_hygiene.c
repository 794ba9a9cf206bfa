/*
 * test_hygiene.c -- R21, secret hygiene.
 *
 * After a store is opened, used and closed, this process's own writable
 * memory holds neither the passphrase nor a plaintext field value; core
 * dumps are off; and the key pages fault when touched outside a
 * transaction.
 *
 * The needles are kept XOR-masked in read-only data and compared
 * unmasked on the fly, so the scan never meets a copy of its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "testutil_hygiene.h"

#define MASK 0x5a

/* "hygiene-pass-7f3a9c" and "HygieneSentinel-q2w8e" (and the Chinese
 * "保密客戶名稱" in UTF-8), each byte XOR 0x5a. */
static uint8_t pass_m[32], name_m[64], zh_m[32];
static size_t pass_len, name_len, zh_len;

static void
mask_into(uint8_t *dst, size_t *len, const char *s)
{
	*len = strlen(s);
	for (size_t i = 0; i < *len; i++)
		dst[i] = (uint8_t)s[i] ^ MASK;
}

/* Unmask into a sodium-guarded buffer the caller frees (it wipes). */
static char *
unmask(const uint8_t *m, size_t len)
{
	char *p = sodium_malloc(len + 1);

	assert_non_null(p);
	for (size_t i = 0; i < len; i++)
		p[i] = (char)(m[i] ^ MASK);
	p[len] = '\0';
	return p;
}

/* Count occurrences of the masked needle in [buf, buf+n). */
static size_t
count_in(const uint8_t *buf, size_t n, const uint8_t *m, size_t len)
{
	size_t hits = 0;
	uint8_t first = m[0] ^ MASK;

	for (size_t i = 0; i + len <= n; i++) {
		size_t j;
		if (buf[i] != first)
			continue;
		for (j = 1; j < len; j++)
			if (buf[i + j] != (m[j] ^ MASK))
				break;
		if (j == len)
			hits++;
	}
	return hits;
}

/* Scan every readable, writable private mapping of this process. */
static size_t
scan_self(const uint8_t *m, size_t len)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	int mem = open("/proc/self/mem", O_RDONLY);
	char line[512];
	size_t hits = 0;
	uint8_t *chunk = malloc(1 << 20);

	assert_non_null(maps);
	assert_true(mem >= 0);
	assert_non_null(chunk);
	while (fgets(line, sizeof line, maps) != NULL) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		if (perms[0] != 'r' || perms[1] != 'w')
			continue;
		/* Sanitizer shadow and allocator reservations span terabytes
		 * of untouched pages; nothing of ours lives in a mapping that
		 * large (the test's data is a few megabytes). */
		if (hi - lo > (1ul << 30))
			continue;
		/* Our scratch chunk is the scanner's own buffer. */
		for (unsigned long a = lo; a < hi;) {
			size_t want = hi - a < (1u << 20) ? hi - a : (1u << 20);
			ssize_t got = pread(mem, chunk, want, (off_t)a);
			if (got <= 0) {
				a += 4096;
				continue;
			}
			if ((unsigned long)(uintptr_t)chunk >= a &&
			    (unsigned long)(uintptr_t)chunk < a + (unsigned long)got) {
				a += (unsigned long)got;
				continue;
			}
			hits += count_in(chunk, (size_t)got, m, len);
			/* Overlap chunk edges by len-1 bytes. */
			a += (unsigned long)got > len ? (unsigned long)got - len + 1 :
			    (unsigned long)got;
		}
	}
	free(chunk);
	close(mem);
	fclose(maps);
	return hits;
}

static int
name_get(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	struct dbk_record *r = NULL;
	const char *v;
	int rc = dbk_record_load(t, ctx, &r, err);

	if (rc != 0)
		return rc;
	assert_int_equal(dbk_record_get(r, "name", &v), 0);
	assert_int_equal(strlen(v), name_len);
	dbk_record_free(r);
	return 0;
}

struct add { struct dbk_id id; const char *name, *zh; };

static int
add_one(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	struct add *a = ctx;
	struct dbk_field f[] = { { "name", a->name }, { "pain", a->zh },
		{ "budget", "50万" } };
	return dbk_customer_add(t, f, 3, &a->id, err);
}

static void
test_no_secrets_left(void **state)
{
	struct dbk_error err = { 0 };
	struct dbk_store *s = NULL;
	struct dbk_init_opts o = { "hygiene", NULL, NULL, DBK_KDF_TEST, 0 };
	char *dir = th_tmpdir();
	char *pass = unmask(pass_m, pass_len);
	struct add a = { .name = NULL };

	(void)state;
	/* The test itself can fail: before wiping, the needle is found. */
	assert_true(scan_self(pass_m, pass_len) >= 1);

	assert_int_equal(dbk_store_create(dir, pass, pass_len, &o, &err), 0);
	assert_int_equal(dbk_store_open(dir, pass, pass_len, &s, &err), 0);
	a.name = unmask(name_m, name_len);
	a.zh = unmask(zh_m, zh_len);
	assert_int_equal(dbk_store_write(s, add_one, &a, &err), 0);
	sodium_free((void *)a.name);
	sodium_free((void *)a.zh);
	sodium_free(pass);
	/* Read the value back (decrypt, parse, free) and lock. */
	assert_int_equal(dbk_store_read(s, name_get, &a.id, &err), 0);
	dbk_store_close(s);

	assert_int_equal(scan_self(pass_m, pass_len), 0);
	assert_int_equal(scan_self(name_m, name_len), 0);
	assert_int_equal(scan_self(zh_m, zh_len), 0);
	th_rmtree(dir);
	free(dir);
}

static void
test_core_dumps_off(void **state)
{
	struct rlimit rl;
	struct dbk_error err = { 0 };

	(void)state;
	assert_int_equal(dbk_init(&err), 0);
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_int_equal(rl.rlim_cur, 0);
	assert_int_equal(rl.rlim_max, 0);
}

/* The store's X25519 secret key, masked like the other needles. */
static uint8_t xsk_m[32];

static int
xsk_get(struct dbk_txn *t, void *ctx, struct dbk_error *err)
{
	(void)ctx; (void)err;
	for (size_t i = 0; i < sizeof xsk_m; i++)
		xsk_m[i] = t->s->sec->x_sk[i] ^ MASK;
	return 0;
}

/* Create, open, use and close a store; then: does the process still
 * hold its secret key anywhere? */
static int
key_left_behind(void)
{
	struct dbk_error err = { 0 };
	struct dbk_store *s = NULL;
	struct dbk_init_opts o = { "hygiene", NULL, NULL, DBK_KDF_TEST, 0 };
	char *dir = th_tmpdir();
	struct add a = { .name = "甲", .zh = "乙" };
	int hits;

	if (dbk_store_create(dir, "pw-key", 6, &o, &err) != 0 ||
	    dbk_store_open(dir, "pw-key", 6, &s, &err) != 0 ||
	    dbk_store_read(s, xsk_get, NULL, &err) != 0 ||
	    dbk_store_write(s, add_one, &a, &err) != 0)
		return -1;
	dbk_store_close(s);
	hits = scan_self(xsk_m, sizeof xsk_m);
	th_rmtree(dir);
	free(dir);
	return hits;
}

/*
 * The scan finds a forgotten wipe, not only a review: in a child, the
 * library's wipe of decrypted values (dbki_free_plain, which also frees
 * the stored identity keys after open) is switched off, and the key is
 * then found in freed memory; with the wipe, nowhere.
 */
static void
test_forgotten_wipe_is_found(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dbki_test_no_wipe = 1;
		_exit(key_left_behind() >= 1 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(key_left_behind(), 0);
}

/* Death test: reading the data key outside a transaction faults. */
static void
test_keys_fault_outside_txn(void **state)
{
	struct dbk_error err = { 0 };
	struct dbk_store *s = NULL;
	struct dbk_init_opts o = { "hygiene", NULL, NULL, DBK_KDF_TEST, 0 };
	char *dir = th_tmpdir();
	pid_t pid;
	int status;

	(void)state;
	assert_int_equal(dbk_store_create(dir, "pw", 2, &o, &err), 0);
	assert_int_equal(dbk_store_open(dir, "pw", 2, &s, &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		volatile uint8_t x;
		/* Keep the expected fault report out of the test log. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(3);
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		x = s->sec->dek[0];
		(void)x;
		_exit(0); /* reached only if the page was readable */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* Plainly the child dies of SIGSEGV; under AddressSanitizer its own
	 * handler reports the fault and exits non-zero instead.  Only a
	 * readable page lets the child reach _exit(0). */
	if (WIFSIGNALED(status))
		assert_true(WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS);
	else
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
	dbk_store_close(s);
	th_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_dumps_off),
		cmocka_unit_test(test_no_secrets_left),
		cmocka_unit_test(test_keys_fault_outside_txn),
		cmocka_unit_test(test_forgotten_wipe_is_found),
	};
	struct dbk_error err = { 0 };

	setenv("TZ", "UTC", 1);
	if (dbk_init(&err) != 0)
		return 1;
	mask_into(pass_m, &pass_len, "hygiene-pass-7f3a9c");
	mask_into(name_m, &name_len, "HygieneSentinel-q2w8e");
	mask_into(zh_m, &zh_len, "保密客戶名稱");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
