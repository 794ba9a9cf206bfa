# lib.sh -- helpers for the end-to-end tests of the dealbook binary.
#
# Each test script sources this file with the binary's path as $1.  It
# gets a fresh temporary store location, a fixed passphrase and TZ=UTC.
# Test builds use the fast test KDF; release builds the interactive floor.
set -u

DBK=${1:?usage: test.sh path/to/dealbook}
T=$(mktemp -d "${TMPDIR:-/tmp}/dbk-e2e.XXXXXX")
trap 'rm -rf "$T"' EXIT
export TZ=UTC LC_ALL=C.UTF-8 LANG=C.UTF-8
unset DEALBOOK_PASSPHRASE DEALBOOK_STORE XDG_DATA_HOME LC_MESSAGES
export HOME="$T/home"
mkdir -p "$HOME"
S="$T/store"
PF="$T/pass"
printf 'correct horse battery staple\n' > "$PF"
if [ "${DBK_TEST_BUILD:-0}" = 1 ]; then KDF=test; else KDF=interactive; fi
FAILS=0
CHECKS=0

fail() { FAILS=$((FAILS + 1)); printf 'FAIL: %s\n' "$*" >&2; }
ok() { CHECKS=$((CHECKS + 1)); }

# db ARGS...: run dealbook on the test store with the passphrase file.
# Output in $OUT / $ERR, exit code in $RC.
db() {
	OUT=$("$DBK" --store "$S" --passphrase-file "$PF" "$@" 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}

# expect CODE ARGS...: run and check the exit code.
expect() {
	local want=$1; shift
	db "$@"
	if [ "$RC" -ne "$want" ]; then
		fail "dealbook $* exited $RC, expected $want (stderr: $ERR)"
	else
		ok
	fi
}

# has TEXT: stdout contains TEXT.  lacks TEXT: it does not.
has() { case "$OUT" in *"$1"*) ok ;; *) fail "stdout lacks '$1': $OUT" ;; esac; }
lacks() { case "$OUT" in *"$1"*) fail "stdout has '$1': $OUT" ;; *) ok ;; esac; }
err_has() { case "$ERR" in *"$1"*) ok ;; *) fail "stderr lacks '$1': $ERR" ;; esac; }
# The error is exactly one line.
err_one_line() {
	[ "$(printf '%s\n' "$ERR" | grep -c 'dealbook:')" -eq 1 ] && ok ||
	    fail "expected one error line, got: $ERR"
}

# Fingerprint of the store's bytes (data.mdb; the lock file holds only
# reader slots).
store_hash() { sha256sum "$S/data.mdb" | cut -d' ' -f1; }

# Tests with several stores ($T/NAME): run STORE ARGS... like db; must
# STORE ARGS... expects exit 0; hash_of STORE fingerprints its data;
# refuse CODE STORE ARGS... expects that exit code, the store unchanged
# and one error line.
run() {
	local st=$1; shift
	OUT=$("$DBK" --store "$T/$st" --passphrase-file "$PF" "$@" 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}
must() { run "$@"; [ "$RC" -eq 0 ] && ok || fail "dealbook --store $1 ${*:2}: exit $RC: $ERR"; }
hash_of() { sha256sum "$T/$1/data.mdb" | cut -d' ' -f1; }
refuse() {
	local want=$1; shift
	local before; before=$(hash_of "$1")
	run "$@"
	[ "$RC" -eq "$want" ] && ok || fail "dealbook --store $1 ${*:2}: exit $RC, expected $want: $ERR"
	[ "$(hash_of "$1")" = "$before" ] && ok || fail "store $1 changed by: ${*:2}"
	[ "$(printf '%s\n' "$ERR" | grep -c '^dealbook:')" -eq 1 ] && ok ||
	    fail "expected one error line for ${*:2}: $ERR"
}

init_store() {
	expect 0 init --member "${1:-王伟}" --kdf "$KDF" "${@:2}"
}

finish() {
	if [ "$FAILS" -ne 0 ]; then
		printf '%s: %d of %d checks failed\n' "$(basename "$0")" "$FAILS" \
		    $((CHECKS + FAILS)) >&2
		exit 1
	fi
	if [ "$CHECKS" -eq 0 ]; then
		echo "no checks ran" >&2
		exit 1
	fi
	printf '%s: %d checks passed\n' "$(basename "$0")" "$CHECKS"
	exit 0
}
