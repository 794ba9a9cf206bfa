/*
 * internal.h -- what the library's files share and nobody else sees.
 */
#ifndef DEALBOOK_INTERNAL_H
#define DEALBOOK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>
#include <sodium.h>

#include "dealbook/dealbook.h"
#include "fault.h"

#define DBK_UNUSED __attribute__((unused))
#define DBK_WUR __attribute__((warn_unused_result))
#define DBK_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ---- errors (error.c) ---- */
int dbki_error_set(struct dbk_error *err, int code, const char *fmt, ...)
	DBK_PRINTF(3, 4);
int dbki_error_errno(struct dbk_error *err, int code, const char *what,
    const char *path);
/* Translate an LMDB status: MAP_FULL -> DBK_EFULL, NOTFOUND ->
 * DBK_ENOTFOUND, else DBK_ELMDB with mdb_strerror in the message. */
int dbki_error_lmdb(struct dbk_error *err, int mrc, const char *what);

/* cJSON_ParseWithLength that tells a failed allocation (*nomem = 1)
 * from text that is not JSON: only the second is malformed data. */
struct cJSON;
struct cJSON *dbki_json_parse(const void *p, size_t n, int *nomem);

/* ---- fixed sizes, pinned to libsodium's constants ---- */
#define DBKI_KEY_LEN    32u
#define DBKI_NONCE_LEN  24u
#define DBKI_TAG_LEN    16u
#define DBKI_SALT_LEN   16u
#define DBKI_ID_LEN     16u
#define DBKI_REPLICA_LEN 8u
#define DBKI_STORE_ID_LEN 16u
_Static_assert(DBKI_KEY_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key");
_Static_assert(DBKI_NONCE_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce");
_Static_assert(DBKI_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag");
_Static_assert(DBKI_SALT_LEN == crypto_pwhash_SALTBYTES, "salt");
_Static_assert(crypto_box_SEALBYTES == 48, "seal");
_Static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64, "sign");
_Static_assert(crypto_box_PUBLICKEYBYTES == 32 && crypto_box_SECRETKEYBYTES == 32, "box");

/* ---- crypto wrappers (crypto.c): outputs first, key last ---- */
/* out = nonce || ciphertext || tag; out must hold ptlen + DBKI_SEAL_OVERHEAD. */
#define DBKI_SEAL_OVERHEAD (DBKI_NONCE_LEN + DBKI_TAG_LEN)
void dbk_crypto_aead_seal(uint8_t *out, const uint8_t *pt, size_t ptlen,
    const uint8_t *ad, size_t adlen, const uint8_t *key);
/* pt must hold inlen - DBKI_SEAL_OVERHEAD; 0 or DBK_EINTEGRITY. */
int dbk_crypto_aead_open(uint8_t *pt, const uint8_t *in, size_t inlen,
    const uint8_t *ad, size_t adlen, const uint8_t *key) DBK_WUR;
int dbk_crypto_pwhash_derive(uint8_t *key, const char *pass, size_t passlen,
    const uint8_t salt[DBKI_SALT_LEN], uint64_t ops, size_t mem) DBK_WUR;
/* Keyed BLAKE2b-128 of data, for index keys on user text. */
void dbk_crypto_index_hash(uint8_t out[16], const uint8_t *data, size_t len,
    const uint8_t *key);
/* Test counters (R5): how often the expensive primitives ran. */
extern unsigned long dbki_count_pwhash;
extern unsigned long dbki_count_seal_open;

/* base64url without padding; malloc'd result or NULL. */
char *dbki_b64_encode(const uint8_t *in, size_t len);
/* Decode into out (cap bytes); returns decoded length or -1. */
long dbki_b64_decode(uint8_t *out, size_t cap, const char *in, size_t inlen);
void dbki_hex(char *out, const uint8_t *in, size_t len); /* out: 2*len+1 */
int dbki_unhex(uint8_t *out, size_t len, const char *in); /* 0 or -1 */

/* Named crash sites for the kill tests (R3): test builds only. */
#ifdef DBK_TESTING
void dbki_test_kill(const char *site);
#else
#define dbki_test_kill(site) ((void)0)
#endif

/* ---- the store (store.c) ---- */
enum dbki_db {
	DBI_META = 0, DBI_REC, DBI_CHILD, DBI_IDS, DBI_CODES, DBI_HIST,
	DBI_CHANGES, DBI_AUDIT, DBI_CSUM, DBI_FACT, DBI_BLOB, DBI_COUNT
};
extern const char *const dbki_db_names[DBI_COUNT];

/* One restricted key epoch.  sk is all-zero when has_sk is 0. */
struct dbki_rkey {
	uint32_t epoch;
	uint8_t has_sk;
	uint8_t pk[32];
	uint8_t sk[32];
	uint8_t sym[32]; /* derived from sk: the symmetric field key */
};

/* Secrets, in one sodium_malloc'd block. */
struct dbki_secrets {
	uint8_t dek[DBKI_KEY_LEN];
	uint8_t idxkey[DBKI_KEY_LEN];
	uint8_t ed_sk[64];
	uint8_t x_sk[32];
};

struct dbk_store {
	char *path;
	MDB_env *env;
	MDB_dbi dbi[DBI_COUNT];
	uint8_t store_id[DBKI_STORE_ID_LEN];
	uint8_t replica[DBKI_REPLICA_LEN];
	uint8_t ed_pk[32];
	uint8_t x_pk[32];
	struct dbki_secrets *sec;   /* sodium_malloc */
	struct dbki_rkey *rkeys;    /* sodium_malloc, nrkeys entries */
	size_t nrkeys;
	uint32_t rk_current;
	uint8_t team_id[16];
	char *member;
	char *team;
	char *team_role;            /* "manager" or "member"; NULL outside a team */
	char *currency;
	int minor_digits;
	uint64_t kdf_ops;
	size_t kdf_mem;
	int64_t clock_override;
	size_t mapsize;
	int guarded;                /* keys are PROT_NONE outside transactions */
	int fact_rebuild;           /* the fact index was just added: fill it */
	int dbs_added;              /* databases newer than the store: made */
	unsigned warnings;          /* DBK_W_* found at open */
	int restricted_access;      /* holds the current restricted secret */
	/* A peer has seen a bundle of ours with this sequence number, which
	 * this store never made: it was put back to an older copy (R13).
	 * Writes are refused until the user accepts it; 0 = none. */
	uint64_t rollback_seq;
	int gate_open;              /* writes allowed despite rollback_seq */
	dbk_progress_fn progress;
	void *progress_ctx;
};

/* Make the key pages readable for a transaction, and inaccessible again
 * after it (R21): a stray read of a key outside a transaction faults. */
void dbki_keys_open(struct dbk_store *s);
void dbki_keys_close(struct dbk_store *s);

struct dbk_txn {
	struct dbk_store *s;
	MDB_txn *t;
	int write;
	uint64_t hlc;      /* last HLC handed out or loaded */
	int hlc_dirty;
	uint64_t seq;      /* last change sequence */
	int seq_dirty;
	int audit_loaded;  /* audit head read into the fields below */
	int audit_dirty;   /* entries appended: sign a new head at commit */
	uint64_t audit_seq;
	uint8_t audit_hash[32];
	/* The restricted keyring and team as they were before the first
	 * change in this transaction (a rotation, a key or team arriving in
	 * a bundle): put back when it aborts, freed when it commits, so what
	 * is in memory always matches what is on disk. */
	int rk_rotated;
	struct dbki_rkey *rk_saved;
	size_t rk_saved_n;
	uint32_t rk_saved_current;
	int rk_saved_access;
	uint8_t team_id_saved[16];
	char *team_saved, *role_saved;
	/* Index blocks changed in this transaction, kept in memory and
	 * written once (summary.c): a bulk import rewrote and re-sealed a
	 * whole block per record. */
	struct dbki_blkcache *blk;
	/* Custom field definitions, read at first use (custom.c) and
	 * dropped when one is written. */
	struct dbki_custom_cache *custom;
#ifdef DBK_TESTING
	int fault_dead;    /* a simulated LMDB failure happened (txn.c) */
#endif
};

/* A simulated LMDB failure for this transaction's next get, or put or
 * del (write), in test builds: 0 to go on, else the LMDB status to fail
 * with; the transaction is dead after it, as after a real one. */
#ifdef DBK_TESTING
int dbki_txn_fault(struct dbk_txn *t, int write);
#else
#define dbki_txn_fault(t, write) 0
#endif

/* Settle the keyring at the end of a transaction (txn.c): keep the
 * rotated one (committed) or put the saved one back. */
void dbki_rkeys_settle(struct dbk_txn *t, int committed);

/* Write the index blocks a transaction holds in memory (summary.c):
 * before it commits, and before anything reads the index in it.  drop
 * forgets them (wiped), written or not. */
int dbki_index_flush(struct dbk_txn *t, struct dbk_error *err) DBK_WUR;
void dbki_index_drop(struct dbk_txn *t);
/* Grow the map ahead of a large write transaction to hold `extra` more
 * bytes than the store uses now, so that the transaction does not run
 * out of map and start again (each retry redoes the whole work).  Call
 * with no transaction open.  0 or an LMDB error. */
int dbki_map_reserve(struct dbk_store *s, size_t extra, struct dbk_error *err)
	DBK_WUR;
/* Forget the transaction's custom field definitions (custom.c). */
void dbki_custom_drop(struct dbk_txn *t);

/* ---- the audit chain (audit.c) ---- */
/* Append one entry: action ("create", "update", "delete", ...), the
 * record (type 0 and id NULL for store-level actions) and the names of
 * the fields involved (never values). */
int dbki_audit_append(struct dbk_txn *t, const char *action,
    enum dbk_type type, const struct dbk_id *id, const char *const *fields,
    size_t nfields, struct dbk_error *err) DBK_WUR;
/* Sign and store the chain head; called by dbk_txn_commit. */
int dbki_audit_seal_head(struct dbk_txn *t, struct dbk_error *err) DBK_WUR;

/* Encrypted put/get on database `db`.  The AD binds store id, format
 * version, database name and key.  get returns a malloc'd plaintext
 * (wipe it with dbki_free_plain) and DBK_ENOTFOUND when absent. */
int dbki_put(struct dbk_txn *t, enum dbki_db db, const void *key,
    size_t klen, const void *val, size_t vlen, unsigned flags,
    struct dbk_error *err) DBK_WUR;
int dbki_get(struct dbk_txn *t, enum dbki_db db, const void *key,
    size_t klen, uint8_t **val, size_t *vlen, struct dbk_error *err) DBK_WUR;
/* Decrypt a value already read (for cursor walks). */
int dbki_open_value(struct dbk_txn *t, enum dbki_db db, const MDB_val *k,
    const MDB_val *v, uint8_t **val, size_t *vlen, struct dbk_error *err) DBK_WUR;
void dbki_free_plain(void *p, size_t len);
#ifdef DBK_TESTING
extern int dbki_test_no_wipe;	/* skip the wipe: the hygiene test's mutant */
#endif
int dbki_del(struct dbk_txn *t, enum dbki_db db, const void *key,
    size_t klen, struct dbk_error *err) DBK_WUR;

/* The hybrid logical clock: 48-bit ms << 16 | counter. */
uint64_t dbki_hlc_next(struct dbk_txn *t);
/* A remote HLC seen (merge): later local ones come after it. */
void dbki_hlc_observe(struct dbk_txn *t, uint64_t remote);
int64_t dbki_now(const struct dbk_store *s);
/* Next change sequence number. */
uint64_t dbki_seq_next(struct dbk_txn *t);

/* Big-endian helpers for sortable LMDB keys, little-endian for formats. */
static inline void dbki_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) { p[i] = (uint8_t)v; v >>= 8; }
}
static inline uint64_t dbki_rd_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
	return v;
}
static inline void dbki_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++) { p[i] = (uint8_t)v; v >>= 8; }
}
static inline uint32_t dbki_rd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}
static inline void dbki_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++) { p[i] = (uint8_t)v; v >>= 8; }
}
static inline uint64_t dbki_rd_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
	return v;
}

/* Test hook: re-wrap the DEK under any Argon2id parameters (no floor). */
int dbki_store_rewrap_raw(struct dbk_store *s, const char *pass, size_t len,
    uint64_t ops, size_t mem, struct dbk_error *err) DBK_WUR;

/* Report progress if anyone listens. */
static inline void
dbki_progress(const struct dbk_store *s, const char *what, uint64_t done,
    uint64_t total)
{
	if (s->progress != NULL)
		s->progress(what, done, total, s->progress_ctx);
}

/* ---- the unlock agent (agent.c, store.c) ---- */
int dbki_store_open(const char *path, const char *pass, size_t passlen,
    const char *sock, struct dbk_store **out, struct dbk_error *err) DBK_WUR;
/* Ask the agent on `sock` for the key of store `id`: DBK_ENOTFOUND when
 * no agent answers or it holds another store's key. */
int dbki_agent_fetch(const char *sock, const uint8_t id[16], uint8_t dek[32],
    struct dbk_error *err) DBK_WUR;
/* store id || DEK, into secure memory the caller owns. */
int dbki_store_key_blob(struct dbk_store *s, uint8_t blob[48]);

/* Rotate the restricted key (store.c): a fresh X25519 key pair with
 * epoch = the highest so far + 1 becomes current, older epochs are kept
 * so values sealed under them still open, the keyring is saved and an
 * audit entry "key-rotate" appended.  *epoch (may be NULL) receives the
 * new epoch.  Only a store holding the current secret can do it
 * (DBK_ENOKEY otherwise).  The change in memory is undone if the
 * transaction aborts. */
int dbki_rkeys_rotate(struct dbk_txn *t, uint32_t *epoch,
    struct dbk_error *err) DBK_WUR;

/*
 * Take restricted keys that arrived from the team's manager (team.c):
 * keys[0..n) (epochs >= 1; has_sk says whether the secret came too)
 * join the keyring, current becomes the highest epoch known, team_id
 * becomes the store's team.  An epoch already held under another public
 * key is DBK_EINTEGRITY (two rotations of one epoch).  *gained (may be
 * NULL) is set when a secret the store lacked arrived.  Undone in
 * memory if the transaction aborts, like a rotation.
 */
int dbki_rkeys_adopt(struct dbk_txn *t, const uint8_t team_id[16],
    const struct dbki_rkey *keys, size_t n, int *gained,
    struct dbk_error *err) DBK_WUR;

/* The last bundle sequence number this store made (meta "bseq", u64
 * LE; 0 before the first), and setting it (store.c). */
int dbki_bseq_get(struct dbk_txn *t, uint64_t *seq, struct dbk_error *err) DBK_WUR;
int dbki_bseq_put(struct dbk_txn *t, uint64_t seq, struct dbk_error *err) DBK_WUR;

/* A u64 kept big-endian in meta under key, 0 when absent; and setting
 * one (store.c).  Keys about a teammate are a 5-byte ASCII prefix
 * ("bmax:", "rseq:", "rsok:") and their Ed25519 key. */
#define DBKI_PEER_KEY (5 + 32)
int dbki_meta_u64(struct dbk_txn *t, const void *key, size_t klen,
    uint64_t *v, struct dbk_error *err) DBK_WUR;
int dbki_meta_put_u64(struct dbk_txn *t, const void *key, size_t klen,
    uint64_t v, struct dbk_error *err) DBK_WUR;
void dbki_meta_peer_key(uint8_t k[DBKI_PEER_KEY], const char prefix[5],
    const uint8_t ed[32]);

/* A member as the team's manager sent it (roster.c): matched by
 * identity, created or updated, signed again by this store.  removed_at
 * in Unix seconds, 0 while on the roster. */
int dbki_member_put(struct dbk_txn *t, const char *identity, const char *name,
    const char *role, int restricted, int64_t removed_at, int *changed,
    struct dbk_error *err) DBK_WUR;

/* Set the store's team name and this member's role in it (either may be
 * NULL to keep it) and save the config; undone on abort. */
int dbki_team_config(struct dbk_txn *t, const char *team, const char *role,
    struct dbk_error *err) DBK_WUR;

/* ---- restricted fields (crypto.c) ---- */
/* Encrypt a sensitive value: "R1.<epoch>.<b64>" with the symmetric key
 * when held, else "S1.<epoch>.<b64>" sealed to the public half.  AD binds
 * record id and field name.  malloc'd result. */
int dbki_field_seal(struct dbk_store *s, const uint8_t id[16],
    const char *field, const char *value, char **out, struct dbk_error *err) DBK_WUR;
/* Decrypt; DBK_ENOKEY when the key is not held, DBK_EINTEGRITY when the
 * ciphertext does not belong here. */
int dbki_field_open(struct dbk_store *s, const uint8_t id[16],
    const char *field, const char *sealed, char **out, struct dbk_error *err) DBK_WUR;

#endif /* DEALBOOK_INTERNAL_H */
