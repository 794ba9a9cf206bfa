/*
 * custom.c -- custom fields (dealbook/field.h): their definitions, kept
 * as fielddef records and read once per transaction, and the checking of
 * values against a definition's kind.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "record_int.h"
#include "schema.h"

#define MAX_NAME 32
#define MAX_LABEL 64
#define MAX_CHOICES 64
#define MAX_NUMBER_DIGITS 30

/* The definitions of one transaction, loaded at first use. */
struct dbki_custom_cache {
	struct dbk_custom *v;
	size_t n;
};

static const char *const kind_names[DBK_CK_COUNT] = {
	"text", "number", "date", "bool", "choice"
};

const char *
dbk_ckind_name(enum dbk_ckind k)
{
	return (unsigned)k < DBK_CK_COUNT ? kind_names[k] : "?";
}

int
dbk_ckind_parse(const char *s, enum dbk_ckind *out)
{
	for (int k = 0; k < DBK_CK_COUNT; k++)
		if (strcmp(s, kind_names[k]) == 0) {
			*out = (enum dbk_ckind)k;
			return 0;
		}
	return DBK_EINVAL;
}

int
dbk_custom_type_ok(enum dbk_type t)
{
	return t == DBK_T_CUSTOMER || t == DBK_T_CONTACT ||
	    t == DBK_T_INTERACTION || t == DBK_T_DEAL;
}

const char *
dbk_custom_stored_name(const char *field)
{
	if (field[0] == 'x' && (field[1] == '.' || field[1] == '!') &&
	    field[2] != '\0')
		return field + 2;
	return NULL;
}

static void
entry_clear(struct dbk_custom *c)
{
	free((char *)c->name);
	free((char *)c->stored);
	free((char *)c->choices);
	free((char *)c->label_zh);
	free((char *)c->label_en);
	memset(c, 0, sizeof *c);
}

void
dbki_custom_drop(struct dbk_txn *t)
{
	if (t->custom == NULL)
		return;
	for (size_t i = 0; i < t->custom->n; i++)
		entry_clear(&t->custom->v[i]);
	free(t->custom->v);
	free(t->custom);
	t->custom = NULL;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

/* What load() gathers before ordering: each definition with the version
 * of its creation. */
struct pending {
	struct dbk_custom c;
	uint64_t hlc;
};

struct gather {
	struct pending *v;
	size_t n;
};

/* One fielddef record, kept for ordering. */
static int
load_cb(struct dbk_record *r, void *ctx)
{
	struct gather *g = ctx;
	const char *of = dbk_record_str(r, "of"), *name = dbk_record_str(r, "name");
	const char *kind = dbk_record_str(r, "kind"), *sens, *who;
	struct pending p;
	enum dbk_type ty;
	void *nv;

	memset(&p, 0, sizeof p);
	if (of == NULL || name == NULL || kind == NULL ||
	    dbk_type_parse(of, &ty) != 0 || dbk_ckind_parse(kind, &p.c.kind) != 0)
		return 0;	/* a definition this version cannot use */
	(void)dbk_record_version(r, "created", &p.hlc, &who);
	sens = dbk_record_str(r, "sensitive");
	p.c.id = *dbk_record_id(r);
	p.c.of = ty;
	/* Booleans are stored as "1" and "0". */
	p.c.sensitive = sens != NULL && strcmp(sens, "1") == 0;
	p.c.retired = (sens = dbk_record_str(r, "retired")) != NULL &&
	    strcmp(sens, "1") == 0;
	p.c.name = strdup(name);
	p.c.choices = dup_or_null(dbk_record_str(r, "choices"));
	p.c.label_zh = dup_or_null(dbk_record_str(r, "label_zh"));
	p.c.label_en = dup_or_null(dbk_record_str(r, "label_en"));
	if (p.c.name != NULL) {
		size_t n = strlen(p.c.name) + 3;
		char *st = malloc(n);
		if (st != NULL) {
			memcpy(st, p.c.sensitive ? DBK_CUSTOM_SENSITIVE :
			    DBK_CUSTOM_PLAIN, 2);
			memcpy(st + 2, p.c.name, n - 2);
		}
		p.c.stored = st;
	}
	if (p.c.name == NULL || p.c.stored == NULL ||
	    (nv = realloc(g->v, (g->n + 1) * sizeof *g->v)) == NULL) {
		entry_clear(&p.c);
		return DBK_ENOMEM;
	}
	g->v = nv;
	g->v[g->n++] = p;
	return 0;
}

/* Definition order: the version of each creation (an HLC orders what
 * one laptop did, and orders laptops the same way everywhere), then the
 * id. */
static int
pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->hlc != y->hlc)
		return x->hlc < y->hlc ? -1 : 1;
	return memcmp(x->c.id.b, y->c.id.b, 16);
}

static int
load(struct dbk_txn *t, struct dbk_error *err)
{
	struct dbki_custom_cache *cc;
	struct gather g = { NULL, 0 };
	int rc;

	if (t->custom != NULL)
		return 0;
	if ((cc = calloc(1, sizeof *cc)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	rc = dbk_record_foreach(t, DBK_T_FIELDDEF, load_cb, &g, err);
	if (rc == DBK_ENOMEM)
		rc = dbki_error_set(err, rc, "out of memory");
	if (rc == 0 && g.n > 0 && (cc->v = calloc(g.n, sizeof *cc->v)) == NULL)
		rc = dbki_error_set(err, DBK_ENOMEM, "out of memory");
	if (rc == 0 && g.n > 1)
		qsort(g.v, g.n, sizeof *g.v, pending_cmp);
	/* The first definition of a name on a type wins on every replica
	 * alike; a later one (another laptop's) is left out. */
	for (size_t i = 0; i < g.n; i++) {
		int dup = 0;
		for (size_t j = 0; rc == 0 && j < cc->n; j++)
			if (cc->v[j].of == g.v[i].c.of &&
			    strcmp(cc->v[j].name, g.v[i].c.name) == 0)
				dup = 1;
		if (rc == 0 && !dup)
			cc->v[cc->n++] = g.v[i].c;
		else
			entry_clear(&g.v[i].c);
	}
	free(g.v);
	t->custom = cc;
	if (rc != 0)
		dbki_custom_drop(t);
	return rc;
}

int
dbk_custom_list(struct dbk_txn *t, const struct dbk_custom **out, size_t *n,
    struct dbk_error *err)
{
	int rc;

	if ((rc = load(t, err)) != 0)
		return rc;
	*out = t->custom->v;
	*n = t->custom->n;
	return 0;
}

/* ASCII letters without case; other bytes exactly. */
static int
same_label(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

const struct dbk_custom *
dbk_custom_find(struct dbk_txn *t, enum dbk_type of, const char *name)
{
	struct dbk_error err = { 0 };

	if (dbk_custom_stored_name(name) != NULL)
		return dbk_custom_by_stored(t, of, name);
	if (load(t, &err) != 0) {
		dbk_error_clear(&err);
		return NULL;
	}
	for (size_t i = 0; i < t->custom->n; i++) {
		const struct dbk_custom *c = &t->custom->v[i];
		if (c->of == of && strcmp(c->name, name) == 0)
			return c;
	}
	for (size_t i = 0; i < t->custom->n; i++) {
		const struct dbk_custom *c = &t->custom->v[i];
		if (c->of == of && ((c->label_zh && strcmp(c->label_zh, name) == 0) ||
		    (c->label_en && same_label(c->label_en, name))))
			return c;
	}
	return NULL;
}

const struct dbk_custom *
dbk_custom_by_stored(struct dbk_txn *t, enum dbk_type of, const char *stored)
{
	const char *name = dbk_custom_stored_name(stored);
	struct dbk_error err = { 0 };

	if (name == NULL)
		return NULL;
	if (load(t, &err) != 0) {
		dbk_error_clear(&err);
		return NULL;
	}
	for (size_t i = 0; i < t->custom->n; i++) {
		const struct dbk_custom *c = &t->custom->v[i];
		if (c->of == of && strcmp(c->stored, stored) == 0)
			return c;
	}
	return NULL;
}

/* A label: 1..MAX_LABEL bytes of UTF-8 text, no control characters, not
 * only blanks. */
static int
valid_label(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MAX_LABEL || !dbki_valid_text(s, MAX_LABEL))
		return 0;
	/* A heading: one line, no blanks around it (a spreadsheet's
	 * headers are trimmed, so such a label could never match). */
	if (strpbrk(s, "\t\n") != NULL || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	return 1;
}

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MAX_NAME || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_'))
			return 0;
	return 1;
}

/* Is `label` already a name or label of a field of type `of`, built in
 * or custom? */
static const char *
label_taken(struct dbk_txn *t, enum dbk_type of, const char *label)
{
	size_t nf;
	const struct dbk_fielddef *fd = dbk_type_fields(of, &nf);

	for (size_t i = 0; i < nf; i++)
		if (strcmp(fd[i].name, label) == 0 ||
		    same_label(fd[i].label_en, label) ||
		    strcmp(fd[i].label_zh, label) == 0)
			return fd[i].name;
	for (size_t i = 0; i < t->custom->n; i++) {
		const struct dbk_custom *c = &t->custom->v[i];
		if (c->of == of && (strcmp(c->name, label) == 0 ||
		    (c->label_zh && strcmp(c->label_zh, label) == 0) ||
		    (c->label_en && same_label(c->label_en, label))))
			return c->name;
	}
	return NULL;
}

/* Check a comma-separated choice list. */
static int
check_choices(const char *s, struct dbk_error *err)
{
	size_t n = 0;
	const char *p = s;

	for (;;) {
		const char *e = strchr(p, ','), *q;
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0 || len > MAX_LABEL)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid choices '%s' (expected a,b,c: none empty, "
			    "each at most %d bytes)", s, MAX_LABEL);
		if (++n > MAX_CHOICES)
			return dbki_error_set(err, DBK_EINVAL,
			    "too many choices in '%s' (at most %d)", s, MAX_CHOICES);
		/* Repeated? Compare with each earlier choice. */
		for (q = s; q < p;) {
			const char *qe = strchr(q, ',');
			size_t ql = (size_t)(qe - q);
			/* Values match ignoring ASCII case: "vip" and
			 * "VIP" would be one choice. */
			if (ql == len && strncasecmp(q, p, len) == 0)
				return dbki_error_set(err, DBK_EINVAL,
				    "choice '%.*s' given twice in '%s'", (int)len, p,
				    s);
			q = qe + 1;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	if (!dbki_valid_text(s, (size_t)MAX_CHOICES * (MAX_LABEL + 1)))
		return dbki_error_set(err, DBK_EINVAL,
		    "invalid choices '%s' (control characters)", s);
	return 0;
}

int
dbk_custom_add(struct dbk_txn *t, const struct dbk_custom_spec *sp,
    struct dbk_id *out, struct dbk_error *err)
{
	struct dbk_field f[8];
	size_t n = 0;
	const char *tn = dbk_type_name(sp->of), *clash;
	int rc;

	if (tn == NULL || !dbk_custom_type_ok(sp->of))
		return dbki_error_set(err, DBK_EINVAL,
		    "custom fields are for customer, contact, interaction or "
		    "deal, not '%s'", tn ? tn : "?");
	if (!valid_name(sp->name))
		return dbki_error_set(err, DBK_EINVAL,
		    "invalid field name '%s' (expected 1 to %d of a-z, 0-9 and _, "
		    "starting with a letter; a Chinese name goes in --label-zh)",
		    sp->name, MAX_NAME);
	if ((unsigned)sp->kind >= DBK_CK_COUNT)
		return dbki_error_set(err, DBK_EINVAL, "invalid field kind");
	if (sp->kind == DBK_CK_CHOICE && (sp->choices == NULL ||
	    *sp->choices == '\0'))
		return dbki_error_set(err, DBK_EINVAL,
		    "a choice field needs its choices (--choices a,b)");
	if (sp->kind != DBK_CK_CHOICE && sp->choices != NULL)
		return dbki_error_set(err, DBK_EINVAL,
		    "only a choice field takes --choices (this one is %s)",
		    dbk_ckind_name(sp->kind));
	if (sp->choices != NULL && (rc = check_choices(sp->choices, err)) != 0)
		return rc;
	if ((rc = load(t, err)) != 0)
		return rc;
	if (dbk_field_lookup(sp->of, sp->name) != NULL)
		return dbki_error_set(err, DBK_EEXIST,
		    "'%s' is a built-in field of a %s", sp->name, tn);
	for (size_t i = 0; i < t->custom->n; i++)
		if (t->custom->v[i].of == sp->of &&
		    strcmp(t->custom->v[i].name, sp->name) == 0)
			return dbki_error_set(err, DBK_EEXIST,
			    "a %s already has a field '%s'%s", tn, sp->name,
			    t->custom->v[i].retired ? " (retired)" : "");
	if ((clash = label_taken(t, sp->of, sp->name)) != NULL)
		return dbki_error_set(err, DBK_EEXIST,
		    "'%s' already names the %s field '%s'", sp->name, tn, clash);
	for (int i = 0; i < 2; i++) {
		const char *l = i == 0 ? sp->label_zh : sp->label_en;
		if (l == NULL)
			continue;
		if (!valid_label(l))
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid label '%s' (expected 1 to %d bytes of text on "
			    "one line, without blanks around it)", l, MAX_LABEL);
		if ((clash = label_taken(t, sp->of, l)) != NULL)
			return dbki_error_set(err, DBK_EEXIST,
			    "the label '%s' already names the %s field '%s'", l, tn,
			    clash);
	}
	/* A name or label that is a column of the tracking table would be
	 * read as that column by csv import. */
	for (int i = 0; i < 3; i++) {
		const char *l = i == 0 ? sp->name : i == 1 ? sp->label_zh :
		    sp->label_en;
		if (l != NULL && sp->of != DBK_T_DEAL &&
		    dbki_sheet_column(l) >= 0)
			return dbki_error_set(err, DBK_EEXIST,
			    "'%s' is a column of the tracking table (csv import): "
			    "choose another name or label", l);
	}
	f[n++] = (struct dbk_field){ "of", tn };
	f[n++] = (struct dbk_field){ "name", sp->name };
	f[n++] = (struct dbk_field){ "kind", dbk_ckind_name(sp->kind) };
	if (sp->choices)
		f[n++] = (struct dbk_field){ "choices", sp->choices };
	if (sp->label_zh)
		f[n++] = (struct dbk_field){ "label_zh", sp->label_zh };
	if (sp->label_en)
		f[n++] = (struct dbk_field){ "label_en", sp->label_en };
	if (sp->sensitive)
		f[n++] = (struct dbk_field){ "sensitive", "yes" };
	return dbk_record_create(t, DBK_T_FIELDDEF, f, n, out, err);
}

int
dbk_custom_retire(struct dbk_txn *t, enum dbk_type of, const char *name,
    struct dbk_error *err)
{
	const struct dbk_custom *hit = NULL;
	struct dbk_field f = { "retired", "yes" };
	struct dbk_id id;
	int rc;

	if ((rc = load(t, err)) != 0)
		return rc;
	for (int ty = 1; ty <= DBK_T_MAX; ty++) {
		const struct dbk_custom *c;
		if ((of != 0 && ty != (int)of) ||
		    (c = dbk_custom_find(t, (enum dbk_type)ty, name)) == NULL)
			continue;
		if (hit != NULL)
			return dbki_error_set(err, DBK_EAMBIG,
			    "'%s' is a field of a %s and of a %s: give the type, "
			    "as in 'field retire %s %s'", name, dbk_type_name(hit->of),
			    dbk_type_name(c->of), dbk_type_name(hit->of), name);
		hit = c;
	}
	if (hit == NULL)
		return dbki_error_set(err, DBK_ENOTFOUND,
		    "no custom field '%s' (see 'dealbook field list')", name);
	if (hit->retired)
		return dbki_error_set(err, DBK_EINVAL,
		    "the %s field '%s' is already retired",
		    dbk_type_name(hit->of), hit->name);
	id = hit->id;	/* the update drops the cache hit points into */
	return dbk_record_update(t, &id, &f, 1, NULL, err);
}

/* A decimal number: optional sign, digits with optional thousands
 * commas (in groups of three), an optional fraction; canonical form
 * without commas, leading zeros or a trailing fraction of zeros. */
static int
norm_number(const char *in, char *out, size_t cap)
{
	const char *p = in;
	size_t k = 0, digits = 0, group = 0;
	int neg = 0, commas = 0, lead = 1;

	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return -1;
	if (neg)
		out[k++] = '-';
	for (; isdigit((unsigned char)*p) || *p == ','; p++) {
		if (*p == ',') {
			if ((commas && group != 3) || (!commas && (group == 0 ||
			    group > 3)))
				return -1;
			commas = 1;
			group = 0;
			continue;
		}
		group++;
		if (lead && *p == '0')
			continue;
		lead = 0;
		if (++digits > MAX_NUMBER_DIGITS || k + 2 >= cap)
			return -1;
		out[k++] = *p;
	}
	if (commas && group != 3)
		return -1;
	if (lead)
		out[k++] = '0';
	if (*p == '.') {
		size_t dot = k, last = k;
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		out[k++] = '.';
		for (; isdigit((unsigned char)*p); p++) {
			if (++digits > MAX_NUMBER_DIGITS || k + 2 >= cap)
				return -1;
			out[k++] = *p;
			if (*p != '0')
				last = k;
		}
		k = last == dot ? dot : last;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0')
		return -1;
	out[k] = '\0';
	if (strcmp(out, "-0") == 0)
		memcpy(out, "0", 2);
	return 0;
}

static const char *const yes_words[] = { "yes", "y", "true", "1", "是", "有",
	"對", "对", NULL };
static const char *const no_words[] = { "no", "n", "false", "0", "否", "無",
	"无", "不是", NULL };

static int
word_in(const char *s, const char *const *w)
{
	for (; *w; w++)
		if (same_label(s, *w))
			return 1;
	return 0;
}

int
dbk_custom_normalize(struct dbk_txn *t, const struct dbk_custom *c,
    const char *in, char **out, struct dbk_error *err)
{
	char buf[MAX_NUMBER_DIGITS + 8];
	const char *canon = NULL;
	int32_t days;

	*out = NULL;
	switch (c->kind) {
	case DBK_CK_TEXT:
		if (!dbki_valid_text(in, DBKI_MAX_TEXT))
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid text for %s (must be UTF-8 without control "
			    "characters, at most 1 MiB)", c->name);
		canon = in;
		break;
	case DBK_CK_NUMBER:
		if (norm_number(in, buf, sizeof buf) != 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid number '%s' for %s (expected e.g. 12, -3.5 or "
			    "1,200)", in, c->name);
		canon = buf;
		break;
	case DBK_CK_DATE:
		if (dbk_parse_date(in, dbki_now(t->s), &days) != 0)
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid date '%s' for %s (expected YYYY-MM-DD)", in,
			    c->name);
		dbk_format_date(days, buf);
		canon = buf;
		break;
	case DBK_CK_BOOL:
		if (word_in(in, yes_words))
			canon = "yes";
		else if (word_in(in, no_words))
			canon = "no";
		else
			return dbki_error_set(err, DBK_EINVAL,
			    "invalid yes/no '%s' for %s (expected yes or no, 是 or "
			    "否)", in, c->name);
		break;
	case DBK_CK_CHOICE: {
		const char *p = c->choices ? c->choices : "";
		size_t il = strlen(in);
		for (;;) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (len == il && strncasecmp(p, in, il) == 0) {
				if ((*out = strndup(p, len)) == NULL)
					return dbki_error_set(err, DBK_ENOMEM,
					    "out of memory");
				return 0;
			}
			if (e == NULL)
				break;
			p = e + 1;
		}
		return dbki_error_set(err, DBK_EINVAL,
		    "invalid choice '%s' for %s (expected one of %s)", in,
		    c->name, c->choices ? c->choices : "");
	}
	default:
		return dbki_error_set(err, DBK_EINVAL, "invalid field kind");
	}
	if ((*out = strdup(canon)) == NULL)
		return dbki_error_set(err, DBK_ENOMEM, "out of memory");
	return 0;
}
