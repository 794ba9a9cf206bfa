/*
 * fuzz_import.c -- import's handling of a bundle's plaintext, behind the
 * codec: the items (len u32 BE || JSON) after the sender item -- team,
 * keys and member items (team.c), blobs (evalrun.c), acks, records in
 * export's form (the fast path) or any other (cJSON), the version
 * vector last -- through the whole of dbk_import.
 *
 * The input is the item stream.  The harness puts the sender item in
 * front (the signer, this bundle's id and sequence number: without it
 * nothing else is read), seals the lot to the scratch store, signs it
 * with a fixed sender and imports it as a dry run trusting that sender
 * (so it is taken for the manager founding the store's team and its
 * team items are acted on).  A dry run abandons its transaction: the
 * store stays as created.
 */
#include "fuzz.h"
#include "bundle.h"

static uint8_t snd_ed_pk[32], snd_ed_sk[64], snd_x_pk[32];
static char ident[128], bpath[64];
static const uint8_t bid[16] = "fuzzed bundle id";
/* The header's team: the seeds' team items name it (seedgen.c). */
static const uint8_t team[16] = "fuzzed team id!!";

static void
setup(void)
{
	uint8_t seed[32], x_sk[32], both[64];

	memset(seed, 1, 32);
	crypto_sign_seed_keypair(snd_ed_pk, snd_ed_sk, seed);
	memset(seed, 2, 32);
	crypto_box_seed_keypair(snd_x_pk, x_sk, seed);
	memcpy(both, snd_ed_pk, 32);
	memcpy(both + 32, snd_x_pk, 32);
	memcpy(ident, "dbk1:", 5);
	sodium_bin2base64(ident + 5, sizeof ident - 5, both, 64,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(bpath, sizeof bpath, "%s/bundle", fz_dir);
}

static void
item(struct dbki_buf *b, const char *json)
{
	size_t n = strlen(json);
	uint8_t l[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16),
		(uint8_t)(n >> 8), (uint8_t)n };

	dbki_buf_add(b, l, 4);
	dbki_buf_add(b, json, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dbk_store *s = fz_store(NULL);
	struct dbk_import_report rep;
	struct dbk_error err = { 0 };
	struct dbki_bundle_hdr h;
	struct dbki_buf plain, out;
	char first[256], hex[33];
	FILE *fp;
	int rc;

	if (bpath[0] == '\0')
		setup();
	dbki_hex(hex, bid, 16);
	snprintf(first, sizeof first,
	    "{\"bundle\":\"%s\",\"sender\":\"%s\",\"seq\":\"1\"}", hex, ident);
	dbki_buf_init(&plain, (size_t)1 << 30);
	item(&plain, first);
	dbki_buf_add(&plain, data, size);

	memset(&h, 0, sizeof h);
	memcpy(h.id, bid, 16);
	memcpy(h.team, team, 16);
	memcpy(h.ed_pk, snd_ed_pk, 32);
	memcpy(h.x_pk, snd_x_pk, 32);
	h.seq = 1;
	h.hlc = (uint64_t)FZ_NOW * 1000 << 16;
	h.nrcpt = 1;
	h.rcpt = (const uint8_t (*)[32])s->x_pk;
	dbki_buf_init(&out, (size_t)1 << 30);
	if (plain.oom || dbki_bundle_seal(&h, (const uint8_t *)plain.p,
	    plain.len, snd_ed_sk, &out, &err) != 0)
		fz_die("seal: %s", err.msg ? err.msg : "?");
	if ((fp = fopen(bpath, "wb")) == NULL ||
	    fwrite(out.p, 1, out.len, fp) != out.len || fclose(fp) != 0)
		fz_die("writing %s", bpath);
	dbki_buf_free(&plain);
	dbki_buf_free(&out);

	rc = dbk_import(s, bpath, 1, ident, &rep, &err);
	/* FUZZ_VERBOSE=1: what import said, when checking the seeds. */
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "import: %d %s (added %zu, rejected %zu)\n", rc,
		    err.msg ? err.msg : "ok", rep.added, rep.rejected);
	if (rc != 0 && err.msg == NULL)
		fz_die("import failed (%d) without a message", rc);
	if (rc == 0 && rep.already)
		fz_die("a dry run was taken for a bundle imported before");
	dbk_error_clear(&err);
	return 0;
}
