#!/usr/bin/env bash
# bench-csv.sh -- `dealbook csv import` of a generated template 1 tracking
# table beside SQLite's `.import` of the same file into a plain table, in
# the same run (docs/BENCHMARKS.md, "csv import (template 1)").
#
#   bash tools/bench-csv.sh [BUILD_DIR] [ROWS] [RUNS]
#
# Defaults: build, 1000000, 3.  The file is made once by
# tools/gen-tracking.py (seed 1: ROWS rows, ROWS/10 customers).  Each run
# then times, with a fresh store (`init --kdf interactive`, not timed):
#   - `dealbook csv import FILE`: one write transaction for every row;
#   - the same file imported again into the filled store (every row a
#     duplicate: it must add nothing);
# and, with a fresh database, `sqlite3 DB` with `.mode csv` and `.import
# FILE t` (the table made from the header, all TEXT, no index).  Both
# dealbook commands read the passphrase from a file, so each pays one
# interactive key derivation (shown as `whoami` on the same store).
# Prints every run and the medians: wall seconds, rows/s, CPU seconds
# (user + sys: steadier than wall on a shared machine), peak RSS (max
# RSS, which counts the store's file pages LMDB maps), peak anonymous
# memory (sampled every 50 ms) and the size on disk afterwards; CPU and
# max RSS need /usr/bin/time (Debian's time package), 0 without it.
# Needs python3 and sqlite3 (apt-get install sqlite3); about 25 bytes of
# disk under $TMPDIR (or /tmp) for each byte of the file, removed at the
# end.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
ROWS=${2:-1000000}
RUNS=${3:-3}
for c in sqlite3 python3; do
	command -v "$c" >/dev/null ||
	    { echo "needs $c (apt-get install sqlite3 python3)" >&2; exit 1; }
done
[ -x "$B/dealbook" ] ||
    { echo "no $B/dealbook: cmake --build $B --target dealbook_cli" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/dbk-bcsv.XXXXXX")
# No agent of the user's: every command unlocks with the passphrase file.
export XDG_RUNTIME_DIR="$W/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
trap 'rm -rf "$W"' EXIT
TIMEF=
[ -x /usr/bin/time ] && TIMEF=/usr/bin/time

F="$W/tracking.csv"
echo "generating $ROWS rows..." >&2
python3 tools/gen-tracking.py "$ROWS" "$F" --seed 1
FS=$(stat -c %s "$F")
NCUST=$(tail -n +2 "$F" | cut -d, -f1 | sort -u | wc -l)
printf 'csv bench passphrase\n' > "$W/pf"

now() { date +%s.%N; }
t() { # label, command...: "label wall_s maxrss_kB anon_kB cpu_s" on stdout
	local l=$1 s secs kb=0 cpu=0 anon=0 a p tp
	shift
	s=$(now)
	if [ -n "$TIMEF" ]; then
		"$TIMEF" -f "%M %U %S" -o "$W/time" "$@" > "$W/out" 2> "$W/err" &
	else
		"$@" > "$W/out" 2> "$W/err" &
	fi
	tp=$!
	# Max RSS counts the pages LMDB maps from the file; the anonymous
	# part is what the program allocates (and LMDB's dirty pages).
	while kill -0 "$tp" 2>/dev/null; do
		for p in $tp $(pgrep -P "$tp" 2>/dev/null); do
			a=$(awk '/^RssAnon:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)
			[ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
		done
		sleep 0.05
	done
	if ! wait "$tp"; then
		echo "$l failed:" >&2
		cat "$W/err" "$W/out" >&2
		exit 1
	fi
	secs=$(awk -v a="$s" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
	if [ -n "$TIMEF" ]; then
		read -r kb cpu < <(tail -1 "$W/time" |
		    awk '{ printf "%d %.2f\n", $1, $2 + $3 }')
	fi
	echo "$l $secs $kb $anon $cpu"
}
json_field() { # name: the number after "name": in $W/out
	grep -o "\"$1\":[0-9]*" "$W/out" | cut -d: -f2
}

: > "$W/res"
for i in $(seq 1 "$RUNS"); do
	echo "run $i of $RUNS..." >&2
	S="$W/store"
	D="$W/plain.db"
	rm -rf "$S" "$D"
	"$B/dealbook" --store "$S" --passphrase-file "$W/pf" init --member 導入 \
	    --kdf interactive >/dev/null
	DB=("$B/dealbook" --store "$S" --passphrase-file "$W/pf" --format json)
	t kdf "${DB[@]}" whoami >> "$W/res"
	t import "${DB[@]}" csv import "$F" >> "$W/res"
	# Every row became an interaction, and every customer a customer.
	[ "$(json_field rows)" = "$ROWS" ] &&
	    [ "$(json_field interactions_added)" = "$ROWS" ] &&
	    [ "$(json_field customers_added)" = "$NCUST" ] ||
	    { echo "import counted wrong: $(cat "$W/out")" >&2; exit 1; }
	[ "$i" = 1 ] && cp "$W/out" "$W/first.json"
	echo "store $(du -sk "$S" | cut -f1)" >> "$W/res"
	t again "${DB[@]}" csv import "$F" >> "$W/res"
	[ "$(json_field interactions_added)" = 0 ] &&
	    [ "$(json_field duplicates)" = "$ROWS" ] &&
	    [ "$(json_field customers_added)" = 0 ] ||
	    { echo "the second import added something: $(cat "$W/out")" >&2; exit 1; }
	echo "store2 $(du -sk "$S" | cut -f1)" >> "$W/res"
	rm -rf "$S"
	t sqlite sqlite3 "$D" ".mode csv" ".import '$F' t" >> "$W/res"
	n=$(sqlite3 "$D" "SELECT count(*) FROM t")
	[ "$n" = "$ROWS" ] || { echo "sqlite3 imported $n rows" >&2; exit 1; }
	echo "db $(du -sk "$D" | cut -f1)" >> "$W/res"
	rm -f "$D"
done

median() { # numbers on stdin: their median
	sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print 0; exit }
	    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
col() { # label, field: that field of every line with that label
	awk -v l="$1" -v f="$2" '$1 == l { print $f }' "$W/res"
}
runs() { col "$1" "${2:-2}" | paste -sd, - | sed 's/,/, /g'; }
med() { col "$1" "$2" | median; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }
rate() { awk -v n="$ROWS" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }

IM=$(med import 2)
SQ=$(med sqlite 2)
IC=$(med import 5)
SC=$(med sqlite 5)
row() { # label, step, size label: one row of the table
	local r=
	[ "$2" = kdf ] || r=$(rate "$(med "$2" 2)")
	echo "| $1 | $(runs "$2") | $(med "$2" 2) | $r |" \
	    "$(runs "$2" 5) | $(med "$2" 5) | $(mb "$(med "$2" 3)") |" \
	    "$(mb "$(med "$2" 4)") | ${3:+$(mb "$(col "$3" 2 | median)")} |"
}
echo
echo "$ROWS rows, $NCUST customers, $(awk -v b="$FS" 'BEGIN { printf "%.1f MB", b / 1e6 }') of CSV;" \
    "$RUNS runs, medians; first import: $(cat "$W/first.json")"
echo
echo "| step | wall s, each run | median wall s | rows/s | CPU s (user + sys), each run | median CPU s | peak RSS | peak anonymous | on disk after |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
row "dealbook \`csv import\` (fresh store)" import store
row "dealbook \`csv import\` again (all duplicates)" again store2
row "sqlite3 \`.import\` (plain table)" sqlite db
row "dealbook \`whoami\` (the key derivation each command pays)" kdf
echo
awk -v a="$IM" -v b="$SQ" -v c="$IC" -v d="$SC" 'BEGIN {
    printf "dealbook ÷ sqlite3: %.1f× wall, %.1f× CPU\n", (b > 0 ? a / b : 0), (d > 0 ? c / d : 0) }'
echo "machine: $(nproc) vCPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -r), sqlite3 $(sqlite3 --version | cut -d' ' -f1), load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%d)"
