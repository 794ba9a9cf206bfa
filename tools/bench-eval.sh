#!/usr/bin/env bash
# bench-eval.sh -- time of `dealbook eval` by store size and by period.
#
#   bash tools/bench-eval.sh [BUILD_DIR] [RUNS] [SIZE...]
#
# SIZE is CUSTOMERS:INTERACTIONS (default 10000:100000 100000:100000
# 100000:1000000).  Each store is generated with dbk-gen (seed 7, a
# deterministic 2024), unlocked with the agent, and each period is
# evaluated RUNS times (default 5) as JSON to /dev/null: the median and
# the spread in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
RUNS=${2:-5}
shift $(( $# > 2 ? 2 : $# ))
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000:100000 100000:100000 100000:1000000)
W=$(mktemp -d "${TMPDIR:-/tmp}/dbk-evb.XXXXXX")
export XDG_RUNTIME_DIR="$W/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
trap 'for s in "$W"/s*; do "$B/dealbook" --store "$s" lock >/dev/null 2>&1 || true; done; rm -rf "$W"' EXIT
printf 'eval bench passphrase\n' > "$W/pf"

ms() {
	local t=() i s e
	for i in $(seq 1 "$RUNS"); do
		s=$(date +%s%N)
		"$@" >/dev/null
		e=$(date +%s%N)
		t+=($(( (e - s) / 1000000 )))
	done
	printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {
	    printf "%d ms (%d..%d)", a[int((NR+1)/2)], a[1], a[NR] }'
}

echo "| store | 2024W19 | 2024-05 | 2024Q2 | 2024 |"
echo "| --- | --- | --- | --- | --- |"
n=0
for size in "${SIZES[@]}"; do
	nc=${size%%:*}
	ni=${size##*:}
	n=$((n + 1))
	S="$W/s$n"
	echo "generating $nc customers, $ni interactions..." >&2
	"$B/tools/dbk-gen" --store "$S" --passphrase-file "$W/pf" \
	    --customers "$nc" --interactions "$ni" --seed 7 >/dev/null
	"$B/dealbook" --store "$S" --passphrase-file "$W/pf" unlock --for 1h >/dev/null
	row="| $nc customers, $ni interactions |"
	for p in 2024W19 2024-05 2024Q2 2024; do
		row="$row $(ms "$B/dealbook" --store "$S" --format json eval "$p") |"
	done
	echo "$row"
	"$B/dealbook" --store "$S" lock >/dev/null
	rm -rf "$S"
done
