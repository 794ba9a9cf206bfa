#!/usr/bin/env bash
# bench-sync.sh -- export and import of a whole store, beside age (to the
# same one recipient) plus minisign (signing and verifying) over the same
# records as JSON, in the same run.
#
#   bash tools/bench-sync.sh [BUILD_DIR] [CUSTOMERS] [INTERACTIONS]
#
# Defaults: build, 100000, 1000000.  BENCH_STORE=DIR BENCH_PASS=FILE use an
# existing store (made with dbk-gen) instead of generating one.  Needs the
# Debian packages age and minisign (apt-get install age minisign).
# Prints wall time, MB/s of bundle, records/s, peak memory (max RSS, which
# counts the store's file pages LMDB maps) and peak anonymous memory.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
NC=${2:-100000}
NI=${3:-1000000}
W=$(mktemp -d "${TMPDIR:-/tmp}/dbk-bsync.XXXXXX")
trap 'rm -rf "$W"' EXIT
command -v age >/dev/null && command -v minisign >/dev/null ||
    { echo "needs age and minisign (apt-get install age minisign)" >&2; exit 1; }
if [ -n "${BENCH_STORE:-}" ]; then
	S=$BENCH_STORE
	PF=$BENCH_PASS
else
	S="$W/s"
	PF="$W/pf"
	printf 'sync bench passphrase\n' > "$PF"
	echo "generating $NC customers, $NI interactions..." >&2
	"$B/tools/dbk-gen" --store "$S" --passphrase-file "$PF" \
	    --customers "$NC" --interactions "$NI" --seed 7 >/dev/null
fi
R="$W/r"
printf 'receiver passphrase\n' > "$W/rpf"
"$B/dealbook" --store "$R" --passphrase-file "$W/rpf" init --member 收件人 \
    --kdf interactive >/dev/null
IR=$("$B/dealbook" --store "$R" --passphrase-file "$W/rpf" whoami | cut -d' ' -f1)
IS=$("$B/dealbook" --store "$S" --passphrase-file "$PF" whoami | cut -d' ' -f1)
"$B/dealbook" --store "$S" --passphrase-file "$PF" member add 收件人 "$IR" \
    >/dev/null 2>&1 || true
"$B/dealbook" --store "$R" --passphrase-file "$W/rpf" member add 發件人 "$IS" \
    >/dev/null

t() { # label, command...: wall seconds, max RSS, peak anonymous memory
	local l=$1; shift
	/usr/bin/time -f "%e %M" -o "$W/time" "$@" >/dev/null &
	local tp=$! anon=0 a p
	# Max RSS counts the store's pages mapped from the file (LMDB); the
	# anonymous part is what the program allocates: sampled every 50 ms.
	while kill -0 "$tp" 2>/dev/null; do
		for p in $(pgrep -P "$tp" 2>/dev/null); do
			a=$(awk '/^RssAnon:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)
			[ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
		done
		sleep 0.05
	done
	wait "$tp"
	read -r secs kb < "$W/time"
	printf '%s %s %s %s\n' "$l" "$secs" "$kb" "$anon"
}

t export "$B/dealbook" --store "$S" --passphrase-file "$PF" export --full \
    --to 收件人 -o "$W/b.bundle" > "$W/res"
t import "$B/dealbook" --store "$R" --passphrase-file "$W/rpf" import \
    "$W/b.bundle" >> "$W/res"
# The peer: the same records as JSON, encrypted with age to one recipient,
# signed and verified with minisign, decrypted.
"$B/tools/dbk-gen" --store "$S" --passphrase-file "$PF" --dump > "$W/records.json"
age-keygen -o "$W/age.key" 2>/dev/null
AR=$(grep -o 'age1[0-9a-z]*' "$W/age.key" | head -1)
minisign -G -W -p "$W/m.pub" -s "$W/m.key" >/dev/null
t age-encrypt age -r "$AR" -o "$W/r.age" "$W/records.json" >> "$W/res"
t minisign-sign minisign -S -s "$W/m.key" -m "$W/r.age" >> "$W/res"
t minisign-verify minisign -V -p "$W/m.pub" -m "$W/r.age" >> "$W/res"
t age-decrypt age -d -i "$W/age.key" -o "$W/out.json" "$W/r.age" >> "$W/res"
BS=$(stat -c %s "$W/b.bundle")
JS=$(stat -c %s "$W/records.json")
REC=$(grep -c . "$W/records.json" || true)
echo "bundle $BS bytes; records as JSON $JS bytes ($REC lines)"
echo "| step | seconds | MB/s | records/s | peak RSS | peak anonymous |"
echo "| --- | --- | --- | --- | --- | --- |"
while read -r l secs kb anon; do
	case $l in age*|minisign*) size=$JS ;; *) size=$BS ;; esac
	awk -v l="$l" -v s="$secs" -v b="$size" -v k="$kb" -v r="$REC" -v a="$anon" 'BEGIN {
	    printf "| %s | %.2f | %.1f | %.0f | %.0f MB | %.0f MB |\n", l, s,
	        (s > 0 ? b / s / 1e6 : 0), (s > 0 ? r / s : 0), k / 1024, a / 1024 }'
done < "$W/res"
