#!/usr/bin/env bash
# Team sync by bundles, end to end with four stores on one machine: two
# salespeople send to their lead, the lead merges and sends back, every
# replica converges; replays, tampering, unknown senders, bundles for
# someone else and removed members are refused with the store unchanged.
. "$(dirname "$0")/lib.sh"

# run STORE ARGS: dealbook on one of the stores.
run() {
	local st=$1; shift
	OUT=$("$DBK" --store "$T/$st" --passphrase-file "$PF" "$@" 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}
must() { run "$@"; [ "$RC" -eq 0 ] && ok || fail "dealbook --store $1 ${*:2}: exit $RC: $ERR"; }
hash_of() { sha256sum "$T/$1/data.mdb" | cut -d' ' -f1; }

for s in L A B P; do
	must "$s" init --member "$s-member" --kdf "$KDF"
done
# Names as people use them.
must L whoami; IL=${OUT%% *}
must A whoami; IA=${OUT%% *}
must B whoami; IB=${OUT%% *}
must P whoami; IP=${OUT%% *}
must L member add 李娜 "$IA" --restricted
must L member add 张强 "$IB"
must A member add 王伟 "$IL"
must B member add 王伟 "$IL"
must P member add 王伟 "$IL"

# Salespeople record, and send to the lead.
must A customer add 甲科技 --code CA --industry 制造業 --budget 50万
must A log CA --summary '介紹方案' --channel visit
must B customer add 乙集團 --code CB
must A export --to 王伟 -o "$T/a1.bundle"
has "for 1 member"
must B export --to 王伟 -o "$T/b1.bundle"
must L import "$T/a1.bundle" "$T/b1.bundle"
has "a1.bundle: imported bundle 1 from 李娜"
has "b1.bundle: imported bundle 1 from 张强"
must L customer show CA
has "甲科技"
# The budget is sensitive: it stays home until the team key travels.
must L --reveal --format json customer show CA
printf '%s' "$OUT" | python3 -c 'import json,sys; f=json.load(sys.stdin)["fields"]; assert "budget" not in f, f' &&
    ok || fail "a sensitive field travelled: $OUT"

# The lead sends everything back; both salespeople now hold both.
must L export --to 李娜,张强 -o "$T/l1.bundle"
has "for 2 members"
must A import "$T/l1.bundle"
must B import "$T/l1.bundle"
must A customer show CB
must B customer show CA

# Both edit the same field; after one more round all three agree.
must A customer edit CA --industry 物流
must B customer edit CA --industry 零售
must A export --to 王伟 -o "$T/a2.bundle"
must B export --to 王伟 -o "$T/b2.bundle"
must L import "$T/a2.bundle" "$T/b2.bundle"
must L export --to 李娜,张强 -o "$T/l2.bundle"
must A import "$T/l2.bundle"
must B import "$T/l2.bundle"
for s in L A B; do
	must "$s" --format json customer show CA
	printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fields"]["industry"])' > "$T/ind.$s"
done
[ "$(cat "$T/ind.L")" = "$(cat "$T/ind.A")" ] && [ "$(cat "$T/ind.A")" = "$(cat "$T/ind.B")" ] &&
    ok || fail "industries differ: $(cat "$T/ind.L") $(cat "$T/ind.A") $(cat "$T/ind.B")"
# The loser is in the history.
must L history CA
has "物流"
has "零售"
for s in L A B; do must "$s" doctor; done

# Only what they lack: after the round trip the lead holds everything A
# has, so A's next bundle is empty; an edit sends that one record; --full
# sends all.
must A export --to 王伟 -o "$T/a3.bundle"
has ": 0 records"
must A customer edit CB --priority high
must A export --to 王伟 -o "$T/a4.bundle"
has ": 1 records"
must A export --full --to 王伟 -o "$T/a5.bundle"
lacks ": 0 records"
lacks ": 1 records"
must L import "$T/a4.bundle"
has "1 updated"

# A replay changes nothing.
h=$(hash_of A)
must A import "$T/l2.bundle"
has "already imported"
[ "$(hash_of A)" = "$h" ] && ok || fail "a replay changed the store"
# --dry-run changes nothing either.
must B customer edit CB --industry 金融
must B export --to 王伟 -o "$T/b3.bundle"
h=$(hash_of L)
must L import --dry-run "$T/b3.bundle"
has "would import bundle"
[ "$(hash_of L)" = "$h" ] && ok || fail "a dry run changed the store"

# Any byte changed: refused, store unchanged (one sentence, exit 6).
cp "$T/b3.bundle" "$T/bad.bundle"
size=$(stat -c %s "$T/bad.bundle")
for off in 0 20 200 $((size / 2)) $((size - 30)) $((size - 1)); do
	cp "$T/b3.bundle" "$T/bad.bundle"
	printf '\x55' | dd of="$T/bad.bundle" bs=1 seek="$off" conv=notrunc 2>/dev/null
	cmp -s "$T/b3.bundle" "$T/bad.bundle" && continue
	run L import "$T/bad.bundle"
	[ "$RC" -eq 6 ] && ok || fail "byte $off changed: exit $RC ($ERR)"
	case "$ERR" in *"refused"*) ok ;; *) fail "byte $off: $ERR" ;; esac
	[ "$(hash_of L)" = "$h" ] && ok || fail "a bad bundle changed the store"
done
head -c $((size - 1)) "$T/b3.bundle" > "$T/short.bundle"
run L import "$T/short.bundle"
[ "$RC" -eq 6 ] && ok || fail "a truncated bundle: exit $RC"
run L import "$T/nowhere.bundle"
[ "$RC" -eq 4 ] && ok || fail "a missing file: exit $RC"
[ "$(hash_of L)" = "$h" ] && ok || fail "a refused import changed the store"

# A sender not on the roster: refused, unless trusted for first contact.
must P customer add 丙公司 --code CP
must P export --to 王伟 -o "$T/p1.bundle"
run L import "$T/p1.bundle"
[ "$RC" -eq 6 ] && ok || fail "an unknown sender: exit $RC"
case "$ERR" in *E_UNKNOWN_SENDER*) ok ;; *) fail "unknown sender: $ERR" ;; esac
[ "$(hash_of L)" = "$h" ] && ok || fail "an unknown sender changed the store"
must L import --trust "$IP" "$T/p1.bundle"
must L customer show CP

# A channel partner gets only their customers, with their records.
must L member add 渠道 "$IP" --role partner
must L plan add CB proposal 2024-07-20
must L export --to 渠道 --customers CB -o "$T/partner.bundle"
must P import "$T/partner.bundle"
must P customer show CB
must P timeline CB
has "plan"
run P customer show CA
[ "$RC" -eq 4 ] && ok || fail "the partner sees CA: exit $RC"
must L export --to 渠道 --customers owner=A-member -o "$T/partner2.bundle"
run L export --to 渠道 --customers NOSUCH -o "$T/partner3.bundle"
[ "$RC" -eq 4 ] && ok || fail "an unknown customer in --customers: exit $RC"
run L export --to 渠道 --customers owner=nobody -o "$T/partner3.bundle"
[ "$RC" -eq 5 ] && ok || fail "a selection of nothing: exit $RC"
[ ! -e "$T/partner3.bundle" ] && ok || fail "a refused export left a file"

# Equivocation (R14): A's store put back from a backup sends a different
# bundle under a sequence number the lead has seen: refused, both bundle
# ids in the lead's audit trail.
must A backup "$T/a-backup.mdb"
must A export --to 王伟 -o "$T/e1.bundle"
cp "$T/a-backup.mdb" "$T/A/data.mdb"
must A customer edit CA --pain 另一個痛點
must A export --full --to 王伟 -o "$T/e2.bundle"
must L import "$T/e1.bundle"
h=$(hash_of L)
run L import "$T/e2.bundle"
[ "$RC" -eq 6 ] && ok || fail "an equivocating bundle: exit $RC ($ERR)"
err_has "E_EQUIVOCATION"
must L --format json audit --limit 1
has '"action":"equivocation"'

# A bundle for someone else does not open (exit 3).
must L export --to 张强 -o "$T/onlyb.bundle"
run A import "$T/onlyb.bundle"
[ "$RC" -eq 3 ] && ok || fail "a bundle for someone else: exit $RC ($ERR)"

# Removing a member: nothing more goes to them.
must L member remove 张强
run L export --to 张强 -o "$T/x.bundle"
[ "$RC" -eq 4 ] && ok || fail "export to a removed member: exit $RC"
[ ! -e "$T/x.bundle" ] && ok || fail "a bundle was written for a removed member"
must L export --to 李娜 -o "$T/l3.bundle"
run B import "$T/l3.bundle"
[ "$RC" -eq 3 ] && ok || fail "a removed member opened the next bundle: exit $RC"
# ... and what they send is no longer taken.
must B export --to 王伟 -o "$T/b4.bundle"
run L import "$T/b4.bundle"
[ "$RC" -eq 6 ] && ok || fail "a removed member's bundle: exit $RC"
# Unknown recipients and a missing --to are refused before anything.
run A export --to 無此人 -o "$T/y.bundle"
[ "$RC" -eq 4 ] && ok || fail "unknown recipient: exit $RC"
err_has "'無此人'"
run A export -o "$T/y.bundle"
[ "$RC" -eq 2 ] && ok || fail "no --to: exit $RC"
finish
