/*
 * summary.c -- the customer list index (DBI_CSUM).
 *
 * Listing customers must not decode every customer record, nor decrypt a
 * value per customer.  Each customer has a summary (the list's fields
 * joined by 0x1f, which no stored text contains; record.c builds it), and
 * the summaries live in blocks of at most BLOCK_MAX customers in id order:
 * key = the first id in the block, value (encrypted like every value) =
 * entries id (16) || length (u32 LE) || summary.  A list walks the blocks
 * in key order -- creation order, no sorting -- with one decryption per
 * block.  A customer write rewrites its one block.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "internal.h"
#include "record_int.h"

#define BLOCK_MAX 64
#define ENTRY_HDR 20u

struct entry {
	const uint8_t *id;
	const uint8_t *bytes;
	size_t len;
};

/* Split a block into entries; -1 when malformed or out of order. */
static long
parse_block(const uint8_t *p, size_t n, struct entry *e, size_t cap)
{
	size_t off = 0, k = 0;

	while (off < n) {
		uint32_t l;
		if (k == cap || n - off < ENTRY_HDR)
			return -1;
		l = dbki_rd_le32(p + off + 16);
		if (l > n - off - ENTRY_HDR)
			return -1;
		e[k].id = p + off;
		e[k].bytes = p + off + ENTRY_HDR;
		e[k].len = l;
		if (k > 0 && memcmp(e[k - 1].id, e[k].id, 16) >= 0)
			return -1;
		k++;
		off += ENTRY_HDR + l;
	}
	return (long)k;
}

static void
add_entry(struct dbki_buf *b, const uint8_t *id, const void *bytes, size_t len)
{
	uint8_t hdr[ENTRY_HDR];

	memcpy(hdr, id, 16);
	dbki_le32(hdr + 16, (uint32_t)len);
	dbki_buf_add(b, hdr, ENTRY_HDR);
	dbki_buf_add(b, bytes, len);
}

/*
 * A space of blocks: the customer list (DBI_CSUM, key = first id) or one
 * kind of fact (DBI_FACT, key = kind byte || first id).
 */
struct space {
	enum dbki_db db;
	int has_pre;
	uint8_t pre;
};

static const struct space csum_space = { DBI_CSUM, 0, 0 };

static size_t
key_len(const struct space *sp)
{
	return 16 + (sp->has_pre ? 1 : 0);
}

static void
make_key(const struct space *sp, const uint8_t id[16], uint8_t *k)
{
	size_t o = 0;

	if (sp->has_pre)
		k[o++] = sp->pre;
	memcpy(k + o, id, 16);
}

static int
in_space(const struct space *sp, const MDB_val *k)
{
	return k->mv_size == key_len(sp) &&
	    (!sp->has_pre || ((const uint8_t *)k->mv_data)[0] == sp->pre);
}

/* The block that holds (or would hold) `id`: its first id copied to
 * first[16] and its plaintext.  DBK_ENOTFOUND when the space has no
 * blocks yet.  With lowest non-NULL, also whether it is the space's first
 * block and the first id of the block after it (*has_next 0: none) --
 * the range of ids it holds, for the cache below. */
static int
find_block(struct dbk_txn *t, const struct space *sp, const uint8_t id[16],
    uint8_t first[16], uint8_t **plain, size_t *pn, int *lowest,
    int *has_next, uint8_t next[16], struct dbk_error *err)
{
	MDB_cursor *c = NULL;
	uint8_t want[17], lo[17];
	MDB_val k = { key_len(sp), want }, v;
	int mrc, rc;

	*plain = NULL;
	*pn = 0;
	make_key(sp, id, want);
	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[sp->db], &c)) != 0)
		return dbki_error_lmdb(err, mrc, "opening a cursor");
	mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (mrc == 0 && in_space(sp, &k) &&
	    memcmp(k.mv_data, want, key_len(sp)) == 0) {
		/* The block starts with this very id. */
	} else {
		/* The block before: its first id is smaller. */
		mrc = mrc == MDB_NOTFOUND ? mdb_cursor_get(c, &k, &v, MDB_LAST) :
		    mrc == 0 ? mdb_cursor_get(c, &k, &v, MDB_PREV) : mrc;
		if (mrc == MDB_NOTFOUND || (mrc == 0 && !in_space(sp, &k))) {
			/* Smaller than every block of the space: the first.
			 * (The key was once made from lo into lo itself, an
			 * overlapping copy that gave (kind, kind, 0...) and so
			 * missed the first fact block: a new block was made in
			 * front of it instead.) */
			static const uint8_t zero[16];
			make_key(sp, zero, lo);
			k.mv_size = key_len(sp);
			k.mv_data = lo;
			mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
			if (mrc == 0 && !in_space(sp, &k))
				mrc = MDB_NOTFOUND;
		}
	}
	if (mrc == MDB_NOTFOUND) {
		mdb_cursor_close(c);
		return DBK_ENOTFOUND;
	}
	if (mrc != 0) {
		mdb_cursor_close(c);
		return dbki_error_lmdb(err, mrc, "finding an index block");
	}
	if (!in_space(sp, &k)) {
		mdb_cursor_close(c);
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "the %s index is malformed", dbki_db_names[sp->db]);
	}
	memcpy(first, (const uint8_t *)k.mv_data + (sp->has_pre ? 1 : 0), 16);
	rc = dbki_open_value(t, sp->db, &k, &v, plain, pn, err);
	if (rc == 0 && lowest != NULL) {
		MDB_val nk, nv;
		*has_next = 0;
		*lowest = 0;
		mrc = mdb_cursor_get(c, &nk, &nv, MDB_NEXT);
		if (mrc == 0 && in_space(sp, &nk)) {
			*has_next = 1;
			memcpy(next, (const uint8_t *)nk.mv_data +
			    (sp->has_pre ? 1 : 0), 16);
		}
		/* Back to the block, then one before it. */
		mrc = mrc == 0 ? mdb_cursor_get(c, &nk, &nv, MDB_PREV) :
		    mrc == MDB_NOTFOUND ? mdb_cursor_get(c, &nk, &nv, MDB_LAST) :
		    mrc;
		if (mrc == 0)
			mrc = mdb_cursor_get(c, &nk, &nv, MDB_PREV);
		if (mrc == MDB_NOTFOUND || (mrc == 0 && !in_space(sp, &nk)))
			*lowest = 1;
		else if (mrc != 0)
			rc = dbki_error_lmdb(err, mrc, "finding an index block");
		if (rc != 0) {
			dbki_free_plain(*plain, *pn);
			*plain = NULL;
			*pn = 0;
		}
	}
	mdb_cursor_close(c);
	return rc;
}

/*
 * The blocks a write transaction changes stay in memory, one per space:
 * an import in id order puts ~BLOCK_MAX records in a row into the same
 * block, and opening, rebuilding and sealing it each time was most of
 * the cost of a record.  A slot knows the range of ids its block holds
 * (from its first id, or from nothing when it is the space's first
 * block, to the next block's first id), so whether an id is its block's
 * is answered without LMDB; the other blocks of the space do not change
 * while it is held, so the range stays true.  An id outside the range
 * writes the slot out and takes the id's block instead.  The blocks
 * written, their keys and their splits are the ones writing through
 * would give: only when they are sealed changes.
 */
#define NSLOT 8	/* the customer list and each kind of fact */

struct slot {
	int used;
	struct space sp;
	uint8_t first[16];	/* the block's first id: its key when written */
	int on_disk;		/* LMDB holds an older copy under disk[] */
	uint8_t disk[16];
	int lowest;		/* no block of the space before it */
	int has_next;		/* ids from next[] on are the next block's */
	uint8_t next[16];
	int dirty;
	struct dbki_buf plain;	/* the entries, as stored */
};

struct dbki_blkcache {
	struct slot s[NSLOT];
};

static int
same_space(const struct space *a, const struct space *b)
{
	return a->db == b->db && a->has_pre == b->has_pre && a->pre == b->pre;
}

static int
slot_covers(const struct slot *sl, const uint8_t id[16])
{
	return (sl->lowest || memcmp(id, sl->first, 16) >= 0) &&
	    (!sl->has_next || memcmp(id, sl->next, 16) < 0);
}

static int
slot_write(struct dbk_txn *t, struct slot *sl, struct dbk_error *err)
{
	uint8_t k[17];
	int rc;

	if (!sl->dirty)
		return 0;
	/* A new first entry renames the block. */
	if (sl->on_disk && memcmp(sl->disk, sl->first, 16) != 0) {
		make_key(&sl->sp, sl->disk, k);
		if ((rc = dbki_del(t, sl->sp.db, k, key_len(&sl->sp), err)) != 0)
			return rc;
	}
	make_key(&sl->sp, sl->first, k);
	if ((rc = dbki_put(t, sl->sp.db, k, key_len(&sl->sp), sl->plain.p ?
	    sl->plain.p : "", sl->plain.len, 0, err)) != 0)
		return rc;
	sl->on_disk = 1;
	memcpy(sl->disk, sl->first, 16);
	sl->dirty = 0;
	return 0;
}

static void
slot_drop(struct slot *sl)
{
	dbki_buf_free(&sl->plain);
	memset(sl, 0, sizeof *sl);
}

int
dbki_index_flush(struct dbk_txn *t, struct dbk_error *err)
{
	int rc;

	if (t->blk == NULL)
		return 0;
	for (size_t i = 0; i < NSLOT; i++)
		if (t->blk->s[i].used &&
		    (rc = slot_write(t, &t->blk->s[i], err)) != 0)
			return rc;
	return 0;
}

void
dbki_index_drop(struct dbk_txn *t)
{
	if (t->blk == NULL)
		return;
	for (size_t i = 0; i < NSLOT; i++)
		slot_drop(&t->blk->s[i]);
	free(t->blk);
	t->blk = NULL;
}

/* The slot holding the block `id` belongs in, read in if need be. */
static int
slot_get(struct dbk_txn *t, const struct space *sp, const uint8_t id[16],
    struct slot **out, struct dbk_error *err)
{
	struct slot *sl = NULL;
	uint8_t *plain = NULL;
	size_t pn = 0;
	int rc;

	*out = NULL;
	if (t->blk == NULL && (t->blk = calloc(1, sizeof *t->blk)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	for (size_t i = 0; i < NSLOT; i++)
		if (t->blk->s[i].used && same_space(&t->blk->s[i].sp, sp))
			sl = &t->blk->s[i];
	if (sl != NULL && slot_covers(sl, id)) {
		*out = sl;
		return 0;
	}
	if (sl == NULL) {
		for (size_t i = 0; sl == NULL && i < NSLOT; i++)
			if (!t->blk->s[i].used)
				sl = &t->blk->s[i];
		if (sl == NULL)
			sl = &t->blk->s[0];
	}
	/* Out of its range (or the slot is wanted): written and let go. */
	if (sl->used && (rc = slot_write(t, sl, err)) != 0)
		return rc;
	slot_drop(sl);
	rc = find_block(t, sp, id, sl->first, &plain, &pn, &sl->lowest,
	    &sl->has_next, sl->next, err);
	if (rc == DBK_ENOTFOUND) {
		/* The space's first block, made by this put. */
		memcpy(sl->first, id, 16);
		sl->lowest = 1;
		sl->has_next = 0;
		rc = 0;
	} else if (rc == 0) {
		sl->on_disk = 1;
		memcpy(sl->disk, sl->first, 16);
	}
	if (rc != 0) {
		slot_drop(sl);
		return rc;
	}
	dbki_buf_init(&sl->plain, (size_t)1 << 24);
	if (plain != NULL) {
		/* open_value allocated pn + 1: the buffer adopts it whole. */
		sl->plain.p = (char *)plain;
		sl->plain.len = pn;
		sl->plain.cap = pn + 1;
	}
	sl->sp = *sp;
	sl->used = 1;
	*out = sl;
	return 0;
}

/* Put (or replace) id's entry in its block; past BLOCK_MAX the block
 * splits in two halves, the first written at once, the second kept. */
static int
block_put(struct dbk_txn *t, const struct space *sp, const uint8_t id[16],
    const struct dbki_buf *sum, struct dbk_error *err)
{
	struct entry e[BLOCK_MAX + 2];
	struct dbki_buf out[2];
	struct slot *sl = NULL;
	uint8_t first[2][16], k[17];
	size_t nb = 1;
	long n = 0;
	int rc;

	dbki_buf_init(&out[0], (size_t)1 << 24);
	dbki_buf_init(&out[1], (size_t)1 << 24);
	if ((rc = slot_get(t, sp, id, &sl, err)) != 0)
		goto out;
	if ((n = parse_block((const uint8_t *)sl->plain.p, sl->plain.len, e,
	    BLOCK_MAX + 1)) < 0) {
		rc = dbki_error_set(err, DBK_EINTEGRITY,
		    "a block of the %s index is malformed", dbki_db_names[sp->db]);
		goto out;
	}
	{
		/* Room for one more (or a replacement): edited where it lies,
		 * instead of copying every entry into a new buffer. */
		long i = 0;
		size_t off = 0, oldlen = 0, newlen = ENTRY_HDR + sum->len;
		int replace;
		while (i < n && memcmp(e[i].id, id, 16) < 0)
			i++;
		replace = i < n && memcmp(e[i].id, id, 16) == 0;
		if (n + !replace <= BLOCK_MAX) {
			uint8_t hdr[ENTRY_HDR];
			char *p;
			if (i < n)
				off = (size_t)(e[i].id - (const uint8_t *)sl->plain.p);
			else
				off = sl->plain.len;
			if (replace)
				oldlen = ENTRY_HDR + e[i].len;
			if (sum->oom || (newlen > oldlen &&
			    dbki_buf_reserve(&sl->plain, newlen - oldlen) != 0)) {
				rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
				goto out;
			}
			p = sl->plain.p;
			memmove(p + off + newlen, p + off + oldlen,
			    sl->plain.len - off - oldlen);
			memcpy(hdr, id, 16);
			dbki_le32(hdr + 16, (uint32_t)sum->len);
			memcpy(p + off, hdr, ENTRY_HDR);
			if (sum->len > 0)
				memcpy(p + off + ENTRY_HDR, sum->p, sum->len);
			sl->plain.len = sl->plain.len - oldlen + newlen;
			p[sl->plain.len] = '\0';
			if (off == 0)
				memcpy(sl->first, id, 16);
			sl->dirty = 1;
			goto out;
		}
	}
	{
		/* The block's entries with this one in its place. */
		struct entry all[BLOCK_MAX + 2];
		const uint8_t *mine = (const uint8_t *)(sum->p ? sum->p : "");
		size_t m = 0, placed = 0, half;
		for (long i = 0; i < n; i++) {
			int c = memcmp(e[i].id, id, 16);
			if (c > 0 && !placed) {
				all[m++] = (struct entry){ id, mine, sum->len };
				placed = 1;
			}
			if (c == 0) {
				all[m++] = (struct entry){ id, mine, sum->len };
				placed = 1;
			} else {
				all[m++] = e[i];
			}
		}
		if (!placed)
			all[m++] = (struct entry){ id, mine, sum->len };
		half = m > BLOCK_MAX ? m / 2 : m;
		nb = m > BLOCK_MAX ? 2 : 1;
		for (size_t i = 0; i < m; i++)
			add_entry(&out[i < half ? 0 : 1], all[i].id, all[i].bytes,
			    all[i].len);
		memcpy(first[0], all[0].id, 16);
		if (nb == 2)
			memcpy(first[1], all[half].id, 16);
	}
	if (sum->oom || out[0].oom || out[1].oom) {
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
		goto out;
	}
	if (nb == 2) {
		/* The first half goes out now (renaming the block if its
		 * first entry is new); the second, a block LMDB has not seen,
		 * takes the slot with the range from its first id on. */
		if (sl->on_disk && memcmp(sl->disk, first[0], 16) != 0) {
			make_key(sp, sl->disk, k);
			if ((rc = dbki_del(t, sp->db, k, key_len(sp), err)) != 0)
				goto out;
		}
		make_key(sp, first[0], k);
		if ((rc = dbki_put(t, sp->db, k, key_len(sp), out[0].p,
		    out[0].len, 0, err)) != 0)
			goto out;
		sl->on_disk = 0;
		sl->lowest = 0;
	}
	dbki_buf_free(&sl->plain);
	sl->plain = out[nb - 1];
	dbki_buf_init(&out[nb - 1], (size_t)1 << 24);
	memcpy(sl->first, first[nb - 1], 16);
	sl->dirty = 1;
out:
	dbki_buf_free(&out[0]);
	dbki_buf_free(&out[1]);
	return rc;
}

int
dbki_summary_put(struct dbk_txn *t, const struct dbk_record *r,
    struct dbk_error *err)
{
	struct dbki_buf sum;
	int rc;

	dbki_buf_init(&sum, (size_t)1 << 21);
	dbki_summary_build(r, &sum);
	rc = block_put(t, &csum_space, r->id.b, &sum, err);
	dbki_buf_free(&sum);
	return rc;
}

static int
block_get(struct dbk_txn *t, const struct space *sp, const uint8_t id[16],
    uint8_t **bytes, size_t *len, struct dbk_error *err)
{
	struct entry e[BLOCK_MAX + 1];
	uint8_t key[16], *plain = NULL;
	size_t pn = 0;
	long n;
	int rc;

	*bytes = NULL;
	*len = 0;
	if ((rc = dbki_index_flush(t, err)) != 0 ||
	    (rc = find_block(t, sp, id, key, &plain, &pn, NULL, NULL, NULL,
	    err)) != 0)
		return rc;
	if ((n = parse_block(plain, pn, e, BLOCK_MAX + 1)) < 0) {
		dbki_free_plain(plain, pn);
		return dbki_error_set(err, DBK_EINTEGRITY,
		    "a block of the %s index is malformed", dbki_db_names[sp->db]);
	}
	rc = DBK_ENOTFOUND;
	for (long i = 0; i < n; i++) {
		if (memcmp(e[i].id, id, 16) != 0)
			continue;
		if ((*bytes = malloc(e[i].len + 1)) == NULL) {
			rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
			break;
		}
		memcpy(*bytes, e[i].bytes, e[i].len);
		*len = e[i].len;
		rc = 0;
		break;
	}
	dbki_free_plain(plain, pn);
	return rc;
}

int
dbki_summary_get(struct dbk_txn *t, const uint8_t id[16], uint8_t **bytes,
    size_t *len, struct dbk_error *err)
{
	return block_get(t, &csum_space, id, bytes, len, err);
}

int
dbki_summary_check_block(const uint8_t *key, size_t klen, const uint8_t *p,
    size_t n, int (*exists)(void *, const uint8_t *), void *ctx)
{
	struct entry e[BLOCK_MAX + 1];
	long k;
	int bad = 0;

	if (klen != 16 || (k = parse_block(p, n, e, BLOCK_MAX + 1)) <= 0 ||
	    k > BLOCK_MAX || memcmp(key, e[0].id, 16) != 0)
		return -1;
	for (long i = 0; i < k; i++)
		if (!exists(ctx, e[i].id))
			bad++;
	return bad;
}

int
dbk_customer_rows(struct dbk_txn *t, int reveal, dbk_customer_row_fn fn,
    void *ctx, struct dbk_error *err)
{
	return dbk_customer_rows_ex(t, reveal ? DBK_ROWS_REVEAL : 0, fn, ctx,
	    err);
}

int
dbk_customer_rows_ex(struct dbk_txn *t, unsigned flags,
    dbk_customer_row_fn fn, void *ctx, struct dbk_error *err)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int mrc, rc = 0, reveal = (flags & DBK_ROWS_REVEAL) != 0;
	int newest = (flags & DBK_ROWS_NEWEST) != 0;

	if ((rc = dbki_index_flush(t, err)) != 0)
		return rc;
	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[DBI_CSUM], &c)) != 0)
		return dbki_error_lmdb(err, mrc, "opening a cursor");
	for (mrc = mdb_cursor_get(c, &k, &v, newest ? MDB_LAST : MDB_FIRST);
	    mrc == 0 && rc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, newest ? MDB_PREV : MDB_NEXT)) {
		struct entry e[BLOCK_MAX + 1];
		uint8_t *plain = NULL;
		size_t pn = 0;
		long n;

		if ((rc = dbki_open_value(t, DBI_CSUM, &k, &v, &plain, &pn,
		    err)) != 0)
			break;
		if ((n = parse_block(plain, pn, e, BLOCK_MAX + 1)) < 0) {
			dbki_free_plain(plain, pn);
			rc = dbki_error_set(err, DBK_EINTEGRITY,
			    "a customer list block is malformed");
			break;
		}
		for (long ix = 0; ix < n && rc == 0; ix++) {
			/* Each entry is cut up once, in either order: cutting
			 * one writes only into itself and the next one's first
			 * id byte, which is put back. */
			long i = newest ? n - 1 - ix : ix;
			const char *part[DBKI_NSUMMARY];
			struct dbk_customer_row row;
			char *p = (char *)e[i].bytes, *fieldplain = NULL;
			size_t np = 0;

			/* Cut the entry into strings where it lies; the byte
			 * after it (the next entry's first id byte, or the NUL
			 * after the block) is put back when done. */
			uint8_t saved = (uint8_t)p[e[i].len];
			memcpy(row.id.b, e[i].id, 16);
			p[e[i].len] = '\0';
			part[np++] = p;
			{
				char *q = p, *end = p + e[i].len, *sep;
				while (np < DBKI_NSUMMARY &&
				    (sep = memchr(q, 0x1f, (size_t)(end - q))) != NULL) {
					*sep = '\0';
					q = sep + 1;
					part[np++] = q;
				}
			}
			/* Entries written before priority was summarised have
			 * one part less. */
			if (np < DBKI_NSUMMARY - 1) {
				rc = dbki_error_set(err, DBK_EINTEGRITY,
				    "a customer summary is malformed");
				break;
			}
			for (size_t j = np; j < DBKI_NSUMMARY; j++)
				part[j] = "";
			for (size_t j = 0; j < DBKI_NSUMMARY; j++)
				if (part[j][0] == '\0')
					part[j] = NULL;
			if (part[12] != NULL && strcmp(part[12], "1") == 0) {
				p[e[i].len] = (char)saved;
				continue; /* removed */
			}
			{
				struct dbk_id keep = row.id;
				memset(&row, 0, sizeof row);
				row.id = keep;
			}
			row.code = part[0];
			row.name = part[1];
			row.industry = part[2];
			row.stage = part[3];
			row.owner = part[4];
			row.last_contact = part[5];
			row.next_due = part[6];
			row.probability = part[7];
			row.stage_at = part[8];
			row.created = part[9];
			row.lead_at = part[10];
			row.priority = part[13];
			row.expected_state = DBK_FS_PLAIN;
			if (part[11] != NULL) {
				row.expected_state = DBK_FS_RESTRICTED;
				if (reveal) {
					int frc = dbki_field_open(t->s, row.id.b, "expected",
					    part[11], &fieldplain, err);
					if (frc == 0) {
						row.expected = fieldplain;
						row.expected_state = DBK_FS_PLAIN;
					} else if (frc != DBK_ENOKEY) {
						rc = frc;
						break;
					}
					dbk_error_clear(err);
				}
			}
			rc = fn(&row, ctx);
			p[e[i].len] = (char)saved;
			if (fieldplain != NULL) {
				sodium_memzero(fieldplain, strlen(fieldplain));
				free(fieldplain);
			}
		}
		dbki_free_plain(plain, pn);
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = dbki_error_lmdb(err, mrc, "walking customers");
	mdb_cursor_close(c);
	return rc;
}

/* ---- the fact index ---- */

static struct space
fact_space(enum dbk_type type)
{
	struct space sp = { DBI_FACT, 1, (uint8_t)type };

	return sp;
}

int
dbki_fact_put(struct dbk_txn *t, const struct dbk_record *r,
    struct dbk_error *err)
{
	struct space sp = fact_space(r->type);
	struct dbki_buf b;
	int rc;

	dbki_buf_init(&b, (size_t)1 << 20);
	dbki_fact_build(r, &b);
	rc = block_put(t, &sp, r->id.b, &b, err);
	dbki_buf_free(&b);
	return rc;
}

int
dbki_fact_get(struct dbk_txn *t, enum dbk_type type, const uint8_t id[16],
    uint8_t **bytes, size_t *len, struct dbk_error *err)
{
	struct space sp = fact_space(type);

	return block_get(t, &sp, id, bytes, len, err);
}

int
dbki_fact_walk(struct dbk_txn *t, enum dbk_type type, dbki_fact_fn fn,
    void *ctx, struct dbk_error *err)
{
	const char *const *fields = dbki_fact_fields(type);
	size_t nf = 0;
	MDB_cursor *c = NULL;
	uint8_t lo[17] = { (uint8_t)type };
	MDB_val k = { 17, lo }, v;
	int mrc, rc = 0;

	while (fields != NULL && nf < DBKI_NFACT && fields[nf] != NULL)
		nf++;
	if (nf == 0)
		return dbki_error_set(err, DBK_EINVAL, "no facts for this type");
	if ((rc = dbki_index_flush(t, err)) != 0)
		return rc;
	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[DBI_FACT], &c)) != 0)
		return dbki_error_lmdb(err, mrc, "opening a cursor");
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    mrc == 0 && rc == 0 && k.mv_size == 17 &&
	    ((const uint8_t *)k.mv_data)[0] == (uint8_t)type;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct entry e[BLOCK_MAX + 1];
		uint8_t *plain = NULL;
		size_t pn = 0;
		long n;

		if ((rc = dbki_open_value(t, DBI_FACT, &k, &v, &plain, &pn,
		    err)) != 0)
			break;
		if ((n = parse_block(plain, pn, e, BLOCK_MAX + 1)) < 0) {
			dbki_free_plain(plain, pn);
			rc = dbki_error_set(err, DBK_EINTEGRITY,
			    "a block of the fact index is malformed");
			break;
		}
		for (long i = 0; i < n && rc == 0; i++) {
			const char *part[DBKI_NFACT + 1];
			char *p = (char *)e[i].bytes, *q = p, *end, *sep;
			size_t np = 0;
			uint8_t saved;
			uint8_t id[16];

			/* Cut in place, as the customer list does. */
			memcpy(id, e[i].id, 16);
			end = p + e[i].len;
			saved = (uint8_t)*end;
			*end = '\0';
			part[np++] = p;
			while (np < nf && (sep = memchr(q, 0x1f,
			    (size_t)(end - q))) != NULL) {
				*sep = '\0';
				q = sep + 1;
				part[np++] = q;
			}
			if (np != nf) {
				*end = (char)saved;
				rc = dbki_error_set(err, DBK_EINTEGRITY,
				    "a fact in the fact index is malformed");
				break;
			}
			for (size_t j = 0; j < np; j++)
				if (part[j][0] == '\0')
					part[j] = NULL;
			part[np] = NULL;
			rc = fn(id, part, ctx);
			*end = (char)saved;
		}
		dbki_free_plain(plain, pn);
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = dbki_error_lmdb(err, mrc, "walking facts");
	mdb_cursor_close(c);
	return rc;
}

int
dbki_fact_check_block(const uint8_t *key, size_t klen, const uint8_t *p,
    size_t n, int (*exists)(void *, enum dbk_type, const uint8_t *),
    void *ctx)
{
	struct entry e[BLOCK_MAX + 1];
	long k;
	int bad = 0;

	if (klen != 17 || dbki_fact_fields((enum dbk_type)key[0]) == NULL ||
	    (k = parse_block(p, n, e, BLOCK_MAX + 1)) <= 0 || k > BLOCK_MAX ||
	    memcmp(key + 1, e[0].id, 16) != 0)
		return -1;
	for (long i = 0; i < k; i++)
		if (!exists(ctx, (enum dbk_type)key[0], e[i].id))
			bad++;
	return bad;
}

int
dbki_fact_rebuild(struct dbk_txn *t, struct dbk_error *err)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int mrc, rc = 0;

	if ((mrc = mdb_cursor_open(t->t, t->s->dbi[DBI_REC], &c)) != 0)
		return dbki_error_lmdb(err, mrc, "opening a cursor");
	for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); mrc == 0 && rc == 0;
	    mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kb = k.mv_data;
		struct dbk_record *r = NULL;
		struct dbk_id id;
		uint8_t *pt = NULL;
		size_t pn = 0;

		/* Customers too: their summaries gained a field with it. */
		if (k.mv_size != 17 || (kb[0] != DBK_T_CUSTOMER &&
		    dbki_fact_fields((enum dbk_type)kb[0]) == NULL))
			continue;
		memcpy(id.b, kb + 1, 16);
		if ((rc = dbki_open_value(t, DBI_REC, &k, &v, &pt, &pn, err)) != 0)
			break;
		rc = dbki_record_decode(t->s, (enum dbk_type)kb[0], &id,
		    (const char *)pt, pn, 0, &r, err);
		dbki_free_plain(pt, pn);
		if (rc == 0)
			rc = r->type == DBK_T_CUSTOMER ? dbki_summary_put(t, r, err) :
			    dbki_fact_put(t, r, err);
		dbk_record_free(r);
	}
	if (rc == 0 && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = dbki_error_lmdb(err, mrc, "walking records");
	mdb_cursor_close(c);
	return rc;
}
