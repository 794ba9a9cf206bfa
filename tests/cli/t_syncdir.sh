#!/usr/bin/env bash
# sync DIR, and the README's recipe with a bare git repository as the
# drop box: three stores, each pulling, syncing its checkout and pushing;
# names never collide, nothing needs merging by hand, each member's older
# bundles go, a bundle still being copied in is skipped until it is whole.
. "$(dirname "$0")/lib.sh"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid
command -v git >/dev/null || { echo "git is missing: run bash tools/deps.sh" >&2; exit 1; }

run() {
	local st=$1; shift
	OUT=$("$DBK" --store "$T/$st" --passphrase-file "$PF" "$@" 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}
must() { run "$@"; [ "$RC" -eq 0 ] && ok || fail "dealbook --store $1 ${*:2}: exit $RC: $ERR"; }

for s in L A B; do must "$s" init --member "$s" --kdf "$KDF"; must "$s" whoami; eval "I$s=\${OUT%% *}"; done
must L member add A "$IA" --restricted
must L member add B "$IB"
must A member add L "$IL"
must A member add B "$IB"
must B member add L "$IL"
must B member add A "$IA"

git init -q --bare "$T/drop.git"
# The drop box starts with one commit, so everyone can pull.
git clone -q "$T/drop.git" "$T/seed" 2>/dev/null
echo "dealbook bundles" > "$T/seed/README"
git -C "$T/seed" add README && git -C "$T/seed" commit -q -m start &&
    git -C "$T/seed" push -q origin HEAD 2>/dev/null || fail "seeding the drop box"
for s in L A B; do git clone -q "$T/drop.git" "$T/co-$s" 2>/dev/null; done

# round S: pull, sync, commit, push (never a conflict).
round() {
	local s=$1
	git -C "$T/co-$s" pull -q --rebase 2>"$T/git.err" || { fail "pull $s: $(cat "$T/git.err")"; return; }
	must "$s" sync "$T/co-$s"
	git -C "$T/co-$s" add -A >/dev/null
	git -C "$T/co-$s" commit -q -m "sync $s" >/dev/null 2>&1 || true
	git -C "$T/co-$s" push -q 2>"$T/git.err" || { fail "push $s: $(cat "$T/git.err")"; return; }
	ok
}

must A customer add 甲 --code CA
must B customer add 乙 --code CB
must L customer add 丙 --code CL
for r in 1 2; do for s in A B L; do round "$s"; done; done
for s in L A B; do
	for c in CA CB CL; do must "$s" customer show "$c"; done
done
# Concurrent edits converge through the folder too.
must A customer edit CL --industry 物流
must B customer edit CL --industry 零售
for r in 1 2 3; do for s in A B L; do round "$s"; done; done
for s in L A B; do
	must "$s" --format json customer show CL
	printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fields"]["industry"])' > "$T/ind.$s"
done
[ "$(cat "$T/ind.L")" = "$(cat "$T/ind.A")" ] && [ "$(cat "$T/ind.A")" = "$(cat "$T/ind.B")" ] &&
    ok || fail "after syncing: $(cat "$T/ind.L") $(cat "$T/ind.A") $(cat "$T/ind.B")"
# One bundle per member in the drop box: the older ones were removed.
n=$(ls "$T/co-L"/*.bundle | wc -l)
[ "$n" -eq 3 ] && ok || fail "$n bundles in the drop box: $(ls "$T/co-L")"
# Safe to repeat: nothing new.
run A sync "$T/co-A"
[ "$RC" -eq 0 ] && ok || fail "a repeated sync: exit $RC"
has "0 imported"

# A bundle still being copied in (cut short) is skipped, not fatal, and
# taken once it is whole.
mkdir "$T/box"
must B customer edit CB --industry 金融
must B sync "$T/box"
f=$(ls "$T/box"/*.bundle)
mkdir "$T/box2"
head -c 300 "$f" > "$T/box2/$(basename "$f")"
run A sync "$T/box2"
[ "$RC" -eq 0 ] && ok || fail "a partial bundle made sync fail: $RC ($ERR)"
err_has "skipped"
cp "$f" "$T/box2/"
run A sync "$T/box2"
has "1 imported"
must A --format json customer show CB
case "$OUT" in *金融*) ok ;; *) fail "the whole bundle was not taken: $OUT" ;; esac
run A sync "$T/nowhere"
[ "$RC" -eq 4 ] && ok || fail "a missing folder: exit $RC"

# A partner on the roster gets a bundle of their own with only their
# customers; the team's bundle is not addressed to them.
must P init --member P --kdf "$KDF"
must P whoami; IP=${OUT%% *}
must P member add L "$IL"
must L member add 渠道 "$IP" --role partner
mkdir "$T/box3"
must L sync "$T/box3"
has "nothing for 渠道 yet"
must L customer add 渠道客戶 --code CP --owner 渠道
must L sync "$T/box3"
has "to 渠道 as"
n=$(ls "$T/box3"/*.bundle | wc -l)
[ "$n" -eq 2 ] && ok || fail "$n bundles of L's in the box: $(ls "$T/box3")"
must P sync "$T/box3"
has "1 imported"
must P customer show CP
run P customer show CA
[ "$RC" -eq 4 ] && ok || fail "the partner sees a team customer: $RC $OUT"
finish
