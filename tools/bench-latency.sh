#!/usr/bin/env bash
# bench-latency.sh -- latency of everyday commands on a large store, with
# and without the unlock agent.
#
#   bash tools/bench-latency.sh [BUILD_DIR] [CUSTOMERS] [INTERACTIONS] [RUNS]
#
# Defaults: build, 100000 customers, 100000 interactions, 7 runs.  The
# store uses the default key derivation (moderate), as a real one would.
# Prints the median and the spread of each command, in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
NC=${2:-100000}
NI=${3:-100000}
RUNS=${4:-7}
W=$(mktemp -d "${TMPDIR:-/tmp}/dbk-lat.XXXXXX")
trap '"$B/dealbook" --store "$W/s" lock >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
export XDG_RUNTIME_DIR="$W/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
printf 'latency bench passphrase\n' > "$W/pf"

echo "generating $NC customers, $NI interactions..." >&2
"$B/tools/dbk-gen" --store "$W/s" --passphrase-file "$W/pf" --kdf moderate \
    --customers "$NC" --interactions "$NI" --seed 7 >/dev/null

ms() { # median and min..max of RUNS runs of "$@" (output discarded)
	local t=() i s e
	for i in $(seq 1 "$RUNS"); do
		s=$(date +%s%N)
		"$@" >/dev/null
		e=$(date +%s%N)
		t+=($(( (e - s) / 1000000 )))
	done
	printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {
	    printf "%d ms (min %d, max %d)\n", a[int((NR+1)/2)], a[1], a[NR] }'
}

D=("$B/dealbook" --store "$W/s")
echo "| command | without agent (passphrase, moderate KDF) | with agent |"
echo "| --- | --- | --- |"
# "customer list --limit 50" is what a terminal shows by default (the
# newest 50 rows, read newest first); the others print every row.
for cmd in "log C000042 --summary bench --channel phone" \
    "customer show C000042" "customer list --limit 50" \
    "customer list --stage negotiation" "customer list" \
    "--format json customer list" "--format csv customer list"; do
	# shellcheck disable=SC2086
	without=$(DEALBOOK_NO_AGENT=1 ms "${D[@]}" --passphrase-file "$W/pf" $cmd)
	"${D[@]}" --passphrase-file "$W/pf" unlock --for 1h >/dev/null
	# shellcheck disable=SC2086
	with=$(ms "${D[@]}" $cmd)
	"${D[@]}" lock >/dev/null
	echo "| \`$cmd\` | $without | $with |"
done
