#!/usr/bin/env bash
# All-or-nothing import (RELIABILITY R3): an import of a bundle of a few
# hundred records is killed with SIGKILL at random points; every time the
# store is either exactly as before (no customer of the bundle, no mark of
# it) or holds all of it, doctor passes, and importing again then gives
# the full result.  Kills: 30 in test builds, 10 in release builds
# (DBK_IMPORT_KILLS=N overrides).
. "$(dirname "$0")/lib.sh"
if [ "${DBK_TEST_BUILD:-0}" = 1 ]; then KILLS=${DBK_IMPORT_KILLS:-30}; else KILLS=${DBK_IMPORT_KILLS:-10}; fi
GEN="$(dirname "$DBK")/tools/dbk-gen"
[ -x "$GEN" ] || { echo "dbk-gen not built beside $DBK" >&2; exit 1; }

run() {
	local st=$1; shift
	OUT=$("$DBK" --store "$st" --passphrase-file "$PF" "$@" 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}
now_ms() { date +%s%3N; }

# The sender: a generated team (300 customers, 900 interactions).
"$GEN" --store "$T/snd" --passphrase-file "$PF" --kdf "$KDF" \
    --customers 300 --interactions 900 --seed 3 >/dev/null || fail "dbk-gen"
run "$T/rcv0" init --member 收件人 --kdf "$KDF"
run "$T/rcv0" whoami; IR=${OUT%% *}
run "$T/snd" whoami; IS=${OUT%% *}
run "$T/snd" member add 收件人 "$IR"
run "$T/rcv0" member add 發件人 "$IS"
run "$T/snd" export --to 收件人 -o "$T/b.bundle"
[ "$RC" -eq 0 ] && ok || fail "export: $ERR"
# The full result, and how long it takes.
cp -r "$T/rcv0" "$T/full"
t0=$(now_ms)
run "$T/full" import "$T/b.bundle"
dur=$(( $(now_ms) - t0 ))
[ "$RC" -eq 0 ] && ok || fail "import: $ERR"
run "$T/full" --format csv customer list --all
want=$(printf '%s\n' "$OUT" | wc -l)
[ "$want" -gt 300 ] && ok || fail "only $want lines after a full import"

# The named sites (test builds): killed after the bundle is verified, in
# the middle of the merge, and just before the audit entry; each time the
# store is as before, doctor passes and a new import completes.
if [ "${DBK_TEST_BUILD:-0}" = 1 ]; then
	for site in after-verify mid-apply before-audit-append; do
		rm -rf "$T/rcv"
		cp -r "$T/rcv0" "$T/rcv"
		DEALBOOK_TEST_KILL_AT=$site "$DBK" --store "$T/rcv" \
		    --passphrase-file "$PF" import "$T/b.bundle" >/dev/null 2>&1
		rc=$?
		[ "$rc" -eq 137 ] && ok || fail "$site: exit $rc, not killed"
		run "$T/rcv" doctor
		[ "$RC" -eq 0 ] && ok || fail "$site: doctor: $OUT $ERR"
		run "$T/rcv" --format csv customer list --all
		n=$(printf '%s\n' "$OUT" | grep -c . || true)
		[ "$n" -le 1 ] && ok || fail "$site: $n lines landed"
		run "$T/rcv" import "$T/b.bundle"
		[ "$RC" -eq 0 ] && ok || fail "$site: re-import: $ERR"
		run "$T/rcv" --format csv customer list --all
		n=$(printf '%s\n' "$OUT" | wc -l)
		[ "$n" -eq "$want" ] && ok || fail "$site: $n lines after re-import"
	done
fi

befores=0 afters=0
for k in $(seq 1 "$KILLS"); do
	rm -rf "$T/rcv"
	cp -r "$T/rcv0" "$T/rcv"
	delay=$(( RANDOM % (dur + 20) ))
	"$DBK" --store "$T/rcv" --passphrase-file "$PF" import "$T/b.bundle" \
	    >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' "$delay")" 2>/dev/null || sleep 0
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	run "$T/rcv" doctor
	[ "$RC" -eq 0 ] && ok || fail "kill $k after ${delay} ms: doctor: $OUT $ERR"
	run "$T/rcv" --format csv customer list --all
	n=$(printf '%s\n' "$OUT" | grep -c . || true)
	if [ "$n" -le 1 ]; then
		befores=$((befores + 1))
		# Nothing landed: importing again gives everything.
		run "$T/rcv" import "$T/b.bundle"
		[ "$RC" -eq 0 ] && ok || fail "re-import after kill $k: $ERR"
		run "$T/rcv" --format csv customer list --all
		n=$(printf '%s\n' "$OUT" | wc -l)
	else
		afters=$((afters + 1))
		run "$T/rcv" import "$T/b.bundle"
		case "$OUT" in *"already imported"*) ok ;; *) fail "kill $k: a landed import not marked: $OUT" ;; esac
	fi
	[ "$n" -eq "$want" ] && ok || fail "kill $k after ${delay} ms: $n lines, not 1 or $want"
done
echo "kills: $KILLS ($befores before the commit, $afters after)"
finish
