#!/usr/bin/env bash
# bench-peers.sh -- dealbook beside what users would pick instead, on the
# same generated data, in one invocation (issue #8, docs/BENCHMARKS.md):
#
#   bulk load       dealbook (public API)  | bare LMDB + XChaCha20-Poly1305
#                   floor | SQLite .import | SQLCipher .import
#   quarter eval    dealbook eval 2024Q2   | the same indicators in SQL on
#                   SQLite and SQLCipher
#   export+import   dealbook bundle        | age + minisign on the records
#
#   bash tools/bench-peers.sh [BUILD_DIR] [CUSTOMERS] [INTERACTIONS] [--write]
#
# Defaults: build, 100000, 1000000.  --write puts the table, the machine
# and the date into docs/BENCHMARKS.md between the "peers" markers.
# Needs sqlite3, sqlcipher, age and minisign (apt-get install sqlite3
# sqlcipher age minisign).  One run of each; eval and the SQL queries are
# medians of 3.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
NC=${2:-100000}
NI=${3:-1000000}
WRITE=0
for a in "$@"; do [ "$a" = --write ] && WRITE=1; done
for c in sqlite3 sqlcipher age minisign python3; do
	command -v "$c" >/dev/null ||
	    { echo "needs $c (apt-get install sqlite3 sqlcipher age minisign)" >&2; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/dbk-peers.XXXXXX")
export XDG_RUNTIME_DIR="$W/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
S="$W/bench/run1-lib"
trap '"$B/dealbook" --store "$S" lock >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
median3() { # command...: median wall seconds of 3 runs
	local t=() i s
	for i in 1 2 3; do
		s=$(now)
		"$@" >/dev/null
		t+=("$(since "$s")")
	done
	printf '%s\n' "${t[@]}" | sort -g | sed -n 2p
}

# 1. Bulk load: the library through its public API and the bare floor,
# from one generated plan (seed 7), in the same run (tools/dbk-bench.c).
echo "bulk load: $NC customers, $NI interactions..." >&2
mkdir "$W/bench"
"$B/tools/dbk-bench" --customers "$NC" --interactions "$NI" --runs 1 \
    --seed 7 --dir "$W/bench" --keep > "$W/bench.out"
read -r RECS LIB FLOOR < <(awk '$1 == "1" && NF == 9 { print $2, $4, $7 }' "$W/bench.out")
printf 'dbk-bench passphrase\n' > "$W/pf"

# 2. The quarter's evaluation on that store (unlocked once, as a user
# with the agent would run it).
"$B/dealbook" --store "$S" --passphrase-file "$W/pf" unlock --for 1h >/dev/null
EVAL=$(median3 "$B/dealbook" --store "$S" --format json eval 2024Q2)

# 3. Export and import of the whole store to one teammate.
R="$W/recv"
printf 'receiver passphrase\n' > "$W/rpf"
"$B/dealbook" --store "$R" --passphrase-file "$W/rpf" init --member 收件人 \
    --kdf interactive >/dev/null
IR=$("$B/dealbook" --store "$R" --passphrase-file "$W/rpf" whoami | cut -d' ' -f1)
IS=$("$B/dealbook" --store "$S" whoami | cut -d' ' -f1)
"$B/dealbook" --store "$S" member add 收件人 "$IR" >/dev/null
"$B/dealbook" --store "$R" --passphrase-file "$W/rpf" member add 發件人 "$IS" >/dev/null
echo "export and import..." >&2
s=$(now)
"$B/dealbook" --store "$S" export --full --to 收件人 -o "$W/b.bundle" >/dev/null
EXP=$(since "$s")
s=$(now)
"$B/dealbook" --store "$R" --passphrase-file "$W/rpf" import "$W/b.bundle" >/dev/null
IMP=$(since "$s")

# 4. The same rows for the peers: every record as dumped, then one CSV
# per table (not timed).
"$B/tools/dbk-gen" --store "$S" --passphrase-file "$W/pf" --dump > "$W/records.tsv"
python3 - "$W" <<'EOF'
import csv, os, sys
w = sys.argv[1]
cols = {
    "customer": ["code", "name", "industry", "owner", "stage", "lead_at",
                 "created", "expected", "priority"],
    "interaction": ["customer", "at", "channel", "by", "late"],
    "stage": ["customer", "at", "stage"],
    "deal": ["customer", "amount", "signed"],
    "payment": ["customer", "amount", "at", "deal"],
}
out = {t: csv.writer(open(os.path.join(w, t + ".csv"), "w", newline=""))
       for t in cols}
for line in open(os.path.join(w, "records.tsv"), encoding="utf-8"):
    parts = line.rstrip("\n").split("\t")
    t = parts[0]
    if t not in cols:
        continue
    f = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
    out[t].writerow([f.get(c, "") for c in cols[t]])
EOF
cat > "$W/load.sql" <<'EOF'
CREATE TABLE customer(code TEXT PRIMARY KEY, name TEXT, industry TEXT,
    owner TEXT, stage TEXT, lead_at INTEGER, created INTEGER,
    expected INTEGER, priority TEXT);
CREATE TABLE interaction(customer TEXT, at INTEGER, channel TEXT,
    by TEXT, late INTEGER);
CREATE TABLE stage(customer TEXT, at INTEGER, stage TEXT);
CREATE TABLE deal(customer TEXT, amount INTEGER, signed TEXT);
CREATE TABLE payment(customer TEXT, amount INTEGER, at TEXT, deal TEXT);
.mode csv
.import WORK/customer.csv customer
.import WORK/interaction.csv interaction
.import WORK/stage.csv stage
.import WORK/deal.csv deal
.import WORK/payment.csv payment
CREATE INDEX interaction_c ON interaction(customer, at);
CREATE INDEX stage_c ON stage(customer, at);
CREATE INDEX deal_c ON deal(customer);
CREATE INDEX payment_c ON payment(customer);
EOF
sed -i "s|WORK|$W|g" "$W/load.sql"
# The effect review's main indicators for 2024Q2 (docs/METRICS.md),
# team and per member: activity, new customers, leads and their
# conversion, signed amount and average order, collection, cycle time,
# the funnel at the period's end, and stalled customers.
cat > "$W/eval.sql" <<'EOF'
.mode list
WITH p(a, b) AS (SELECT 1711929600, 1719792000),
won AS (SELECT s.customer, MIN(s.at) AS at FROM stage s, p
    WHERE s.stage = 'won' GROUP BY s.customer HAVING MIN(s.at) >= p.a AND MIN(s.at) < p.b)
SELECT 'interactions', COUNT(*) FROM interaction, p WHERE at >= p.a AND at < p.b
UNION ALL SELECT 'interactions ' || by, COUNT(*) FROM interaction, p
    WHERE at >= p.a AND at < p.b GROUP BY by
UNION ALL SELECT 'new customers', COUNT(*) FROM won
UNION ALL SELECT 'new customers ' || c.owner, COUNT(*) FROM won JOIN customer c ON c.code = won.customer GROUP BY c.owner
UNION ALL SELECT 'leads', COUNT(*) FROM customer, p WHERE lead_at >= p.a AND lead_at < p.b
UNION ALL SELECT 'leads converted', COUNT(*) FROM customer c, p WHERE c.lead_at >= p.a AND c.lead_at < p.b
    AND EXISTS (SELECT 1 FROM stage s WHERE s.customer = c.code AND s.at < p.b
        AND s.stage IN ('intent', 'negotiation', 'won'))
UNION ALL SELECT 'signed amount', SUM(amount) FROM deal WHERE signed >= '2024-04-01' AND signed < '2024-07-01'
UNION ALL SELECT 'average order', AVG(amount) FROM deal WHERE signed >= '2024-04-01' AND signed < '2024-07-01'
UNION ALL SELECT 'signed ' || c.owner, SUM(d.amount) FROM deal d JOIN customer c ON c.code = d.customer
    WHERE d.signed >= '2024-04-01' AND d.signed < '2024-07-01' GROUP BY c.owner
UNION ALL SELECT 'collected', SUM(amount) FROM payment WHERE at >= '2024-04-01' AND at < '2024-07-01'
UNION ALL SELECT 'cycle days', AVG((won.at - c.lead_at) / 86400.0) FROM won JOIN customer c ON c.code = won.customer
UNION ALL SELECT 'funnel ' || st, COUNT(*) FROM (SELECT (SELECT s.stage FROM stage s, p
        WHERE s.customer = c.code AND s.at < p.b ORDER BY s.at DESC LIMIT 1) AS st
    FROM customer c) WHERE st IS NOT NULL GROUP BY st
UNION ALL SELECT 'stalled', COUNT(*) FROM customer c, p
    WHERE c.stage NOT IN ('won', 'lost') AND c.created < p.b
    AND COALESCE((SELECT MAX(i.at) FROM interaction i WHERE i.customer = c.code AND i.at < p.b), 0) < p.b - 30 * 86400;
EOF
echo "SQLite and SQLCipher..." >&2
s=$(now)
sqlite3 "$W/plain.db" < "$W/load.sql"
SQL_LOAD=$(since "$s")
SQL_EVAL=$(median3 sqlite3 "$W/plain.db" ".read $W/eval.sql")
# The SQL computes something: interactions and new customers in Q2.
sqlite3 "$W/plain.db" ".read $W/eval.sql" > "$W/sql.out"
awk -F'|' '$1 == "interactions" && $2 > 0 { i = 1 } $1 == "new customers" && $2 > 0 { n = 1 }
    END { exit !(i && n) }' "$W/sql.out" ||
    { echo "the SQL indicators came out empty: $(head -3 "$W/sql.out")" >&2; exit 1; }
KEY="PRAGMA key = 'peer bench passphrase';"
{ echo "$KEY"; cat "$W/load.sql"; } > "$W/load-c.sql"
{ echo "$KEY"; cat "$W/eval.sql"; } > "$W/eval-c.sql"
s=$(now)
sqlcipher "$W/cipher.db" < "$W/load-c.sql" >/dev/null
SC_LOAD=$(since "$s")
SC_EVAL=$(median3 sqlcipher "$W/cipher.db" ".read $W/eval-c.sql")
# The file is encrypted (no SQLite header in clear).
head -c 16 "$W/cipher.db" | grep -q "SQLite format" &&
    { echo "sqlcipher wrote a plain database" >&2; exit 1; }

# 5. age + minisign on the same records (the dump), end to end.
age-keygen -o "$W/age.key" 2>/dev/null
AR=$(grep -o 'age1[0-9a-z]*' "$W/age.key" | head -1)
minisign -G -W -p "$W/m.pub" -s "$W/m.key" >/dev/null
s=$(now)
age -r "$AR" -o "$W/r.age" "$W/records.tsv"
minisign -S -s "$W/m.key" -m "$W/r.age" >/dev/null
minisign -V -p "$W/m.pub" -m "$W/r.age" >/dev/null
age -d -i "$W/age.key" -o "$W/out.tsv" "$W/r.age"
AGE=$(since "$s")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.1f×" : "-"), a / b }'; }
SYNC=$(awk -v a="$EXP" -v b="$IMP" 'BEGIN { printf "%.2f", a + b }')
{
	echo "| task | dealbook | peer | peer time | dealbook ÷ peer |"
	echo "| --- | --- | --- | --- | --- |"
	echo "| bulk load ($RECS records) | ${LIB} s | LMDB + XChaCha20-Poly1305 floor | ${FLOOR} s | $(ratio "$LIB" "$FLOOR") |"
	echo "| | | SQLite \`.import\` + indexes | ${SQL_LOAD} s | $(ratio "$LIB" "$SQL_LOAD") |"
	echo "| | | SQLCipher \`.import\` + indexes | ${SC_LOAD} s | $(ratio "$LIB" "$SC_LOAD") |"
	echo "| quarter evaluation (2024Q2) | ${EVAL} s | SQLite, the same indicators in SQL | ${SQL_EVAL} s | $(ratio "$EVAL" "$SQL_EVAL") |"
	echo "| | | SQLCipher, the same SQL | ${SC_EVAL} s | $(ratio "$EVAL" "$SC_EVAL") |"
	echo "| export + import (to one teammate) | ${SYNC} s (${EXP} + ${IMP}) | age + minisign, sign, verify, decrypt | ${AGE} s | $(ratio "$SYNC" "$AGE") |"
} > "$W/table.md"
cat "$W/table.md"
if [ "$WRITE" = 1 ]; then
	M="$W/machine.md"
	{
		echo "Measured $(date -u +%Y-%m-%d) by \`bash tools/bench-peers.sh $B $NC $NI --write\`"
		echo "on $(nproc) vCPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),"
		echo "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, Linux $(uname -r);"
		echo "sqlite3 $(sqlite3 --version | cut -d' ' -f1), sqlcipher $(dpkg-query -W -f='${Version}' sqlcipher 2>/dev/null || echo '?') (SQLite $(sqlcipher --version 2>/dev/null | cut -d' ' -f1)),"
		echo "age $(age --version), minisign $(minisign -v 2>&1 | head -1 | awk '{print $2}');"
		echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). One run each; eval and SQL medians of 3."
		echo
		cat "$W/table.md"
	} > "$M"
	python3 - docs/BENCHMARKS.md "$M" <<'EOF'
import sys
doc, body = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
s = open(doc, encoding="utf-8").read()
b, e = "<!-- peers:begin -->", "<!-- peers:end -->"
i, j = s.index(b) + len(b), s.index(e)
open(doc, "w", encoding="utf-8").write(s[:i] + "\n" + body + s[j:])
EOF
	echo "written to docs/BENCHMARKS.md" >&2
fi
