#!/usr/bin/env bash
# A team by bundles, end to end: the lead founds it, salespeople join by
# importing the lead's first bundle, the restricted key reaches only the
# members entitled to it, budgets travel sealed and open only there, the
# manager's roster reaches everyone, a member who claims to be a manager
# is refused, a removed member gets no later key, and an older bundle
# never undoes a newer roster.
. "$(dirname "$0")/lib.sh"
TAMPER=${2:?usage: t_team.sh dealbook dbk-tamper}

run() {
	local st=$1; shift
	OUT=$("$DBK" --store "$T/$st" --passphrase-file "$PF" "$@" 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}
must() { run "$@"; [ "$RC" -eq 0 ] && ok || fail "dealbook --store $1 ${*:2}: exit $RC: $ERR"; }
refuse() { # CODE STORE ARGS
	local want=$1; shift
	local before; before=$(hash_of "$1")
	run "$@"
	[ "$RC" -eq "$want" ] && ok || fail "dealbook --store $1 ${*:2}: exit $RC, expected $want: $ERR"
	[ "$(hash_of "$1")" = "$before" ] && ok || fail "store $1 changed by: ${*:2}"
}
hash_of() { sha256sum "$T/$1/data.mdb" | cut -d' ' -f1; }
# field STORE CODE NAME: a customer's field as JSON shows it with --reveal.
field() {
	run "$1" --reveal --format json customer show "$2"
	printf '%s' "$OUT" | python3 -c 'import json,sys; f=json.load(sys.stdin)["fields"]; print(f.get(sys.argv[1], "-"))' "$3"
}

must L init --member 王伟 --team 華東銷售 --kdf "$KDF"
for s in A B P; do must "$s" init --member "$s-member" --kdf "$KDF"; done
must L whoami; IL=${OUT%% *}
must A whoami; IA=${OUT%% *}
must B whoami; IB=${OUT%% *}
must P whoami; IP=${OUT%% *}
must L member add 李娜 "$IA" --restricted
must L member add 张强 "$IB"
must L member add 渠道 "$IP" --role partner

# Before joining, 李娜 records a budget under her store's own key.
must A customer add 甲科技 --code CA --budget 50万
[ "$(field A CA budget)" = "500000.00" ] && ok || fail "A's budget before joining: $(field A CA budget)"

# The lead's first bundle: A and B join the team by it.
must L customer add 丙公司 --code CL --budget 80万
must L export --to 李娜,张强 -o "$T/l1.bundle"
refuse 6 A import "$T/l1.bundle"          # first contact needs --trust
err_has "not on the roster"
must A import --dry-run --trust "$IL" "$T/l1.bundle"
has "would join this store to team '華東銷售'"
must A import --trust "$IL" "$T/l1.bundle"
has "joined this store to team '華東銷售'"
has "the team's restricted key arrived"
has "the manager's roster changed 3 members"
must B import --trust "$IL" "$T/l1.bundle"
has "joined this store to team '華東銷售'"
lacks "restricted key arrived"
# The roster came with it: the lead as manager, the others as the lead set them.
must A --format json member list
printf '%s' "$OUT" | python3 -c '
import json,sys
m={x["name"]:x for x in json.load(sys.stdin)}
assert m["王伟"]["role"]=="manager", m
assert m["渠道"]["role"]=="partner", m
assert m["张强"]["restricted"]=="false", m

' && ok || fail "A's roster after joining: $OUT"
# A holds the key: the lead's budget opens, her own is still there.
[ "$(field A CL budget)" = "800000.00" ] && ok || fail "A reads the lead's budget: $(field A CL budget)"
[ "$(field A CA budget)" = "500000.00" ] && ok || fail "A's own budget after joining: $(field A CA budget)"
# B does not: the same field is restricted, and everything else is there.
[ "$(field B CL budget)" = "None" ] && ok ||
    fail "B reads a budget: $(field B CL budget)"
must B --reveal customer show CL
has "丙公司"
has "[restricted]"
lacks "800,000"
lacks "800000"
for s in A B; do must "$s" doctor; done

# A's budget, sealed again under the team key at joining, reaches the lead.
must A export --to 王伟 -o "$T/a1.bundle"
must L import "$T/a1.bundle"
[ "$(field L CA budget)" = "500000.00" ] && ok || fail "the lead reads A's budget: $(field L CA budget)"
# B enters a budget it cannot read back (sealed to the key's public half);
# the lead can.
must B customer add 乙集團 --code CB --budget 30万
must B --reveal customer show CB
has "[restricted]"
must B export --to 王伟 -o "$T/b1.bundle"
must L import "$T/b1.bundle"
[ "$(field L CB budget)" = "300000.00" ] && ok || fail "the lead reads B's deposit: $(field L CB budget)"

# A disk that fills up (here a file size limit) while the bundle streams:
# exit 1, nothing at the target, no temporary file left, and no sequence
# number spent: the next bundle takes it.
mkdir "$T/lim"
OUT=$( (trap '' XFSZ; ulimit -f 8; exec "$DBK" --store "$T/L" --passphrase-file "$PF" \
    export --full --to 李娜,张强 -o "$T/lim/big.bundle") 2>"$T/stderr")
RC=$?
ERR=$(cat "$T/stderr")
[ "$RC" -eq 1 ] && ok || fail "export past the file size limit exited $RC: $ERR"
[ -z "$(ls -A "$T/lim")" ] && ok || fail "a failed export left files: $(ls -A "$T/lim")"
must L export --to 李娜 -o "$T/lim/next.bundle"
has "bundle 2 written"

# A member added later reads the next bundle, not an earlier one.
must N init --member N-member --kdf "$KDF"
must N whoami; IN=${OUT%% *}
must L member add 新人 "$IN"
refuse 3 N import --trust "$IL" "$T/l1.bundle"
must L export --to 新人 -o "$T/n1.bundle"
must N import --trust "$IL" "$T/n1.bundle"
has "joined this store to team '華東銷售'"
must N customer show CL
has "丙公司"

# A sealed budget that does not authenticate (changed by an insider in
# his own store, where he cannot open it anyway): the lead, who holds the
# key, refuses that record and keeps the one it has; the rest lands.
must B --format csv customer list --all
CBID=$(printf '%s\n' "$OUT" | awk -F, '$2=="CB"{print $1}')
"$TAMPER" rec-flip "$T/B" "$PF" "$CBID" budget >/dev/null 2>&1 && ok || fail "rec-flip $CBID"
must B customer add 癸 --code CZ
must B export --full --to 王伟 -o "$T/flip.bundle"
must L import "$T/flip.bundle"
case "$OUT" in *"1 rejected"*) ok ;; *) fail "a forged sealed value was not rejected: $OUT" ;; esac
[ "$(field L CB budget)" = "300000.00" ] && ok || fail "the lead's CB budget: $(field L CB budget)"
must L customer show CZ
must L doctor

# A member who claims to be a manager in her own store: her keys and
# roster are refused by the lead, who knows her as a member.
cp -a "$T/A" "$T/A2"
"$TAMPER" set-role "$T/A2" "$PF" manager >/dev/null 2>&1 && ok || fail "set-role"
run A2 export --to 王伟 -o "$T/forged.bundle"
[ "$RC" -eq 0 ] && ok || fail "forged export: $ERR"
refuse 6 L import "$T/forged.bundle"
err_has "is not a manager"
rm -rf "$T/A2"
# Only the manager removes members in a team.
refuse 5 A member remove 张强
err_has "only a manager"

# A bundle from another team is refused.
must X init --member 外人 --team 別隊 --kdf "$KDF"
must X whoami; IX=${OUT%% *}
must X member add 李娜 "$IA"
must X export --to 李娜 -o "$T/x.bundle"
refuse 6 A import --trust "$IX" "$T/x.bundle"
err_has "another team"

# Removal: the key rotates; the next bundle carries the new epoch to A,
# the roster shows 张强 removed, and nothing goes to 张强 any more.
must L export --to 李娜 -o "$T/l2.bundle"       # held back: older
must L member remove 张强
must L customer add 丁實業 --code CD --budget 90万
must L export --to 李娜 -o "$T/l3.bundle"
refuse 3 B import "$T/l3.bundle"                 # not addressed to B
run L export --to 张强 -o "$T/l4.bundle"
[ "$RC" -ne 0 ] && ok || fail "export to a removed member"
must A import "$T/l3.bundle"
has "the team's restricted key arrived"
[ "$(field A CD budget)" = "900000.00" ] && ok || fail "A reads the new epoch: $(field A CD budget)"
# The older bundle arrives late: its roster (张强 still on it) changes nothing.
must A import "$T/l2.bundle"
lacks "roster changed"
must A --format json member list
printf '%s' "$OUT" | python3 -c '
import json,sys
m={x["name"]:x for x in json.load(sys.stdin)}
assert m["张强"]["removed"] is not None, m
' && ok || fail "a late bundle undid the removal: $OUT"
refuse 4 A export --to 张强 -o "$T/a2.bundle"
err_has "was removed"
for s in L A B; do must "$s" doctor; done

# Rollback (R13): A is put back to a snapshot after the lead has seen a
# newer bundle of hers; the lead's next bundle says so, and A refuses
# changes until she accepts it; her next bundle is not an equivocation.
cp -a "$T/A" "$T/A.snap"
must A customer add 戊商貿 --code CE
must A export --to 王伟 -o "$T/a3.bundle"
must L import "$T/a3.bundle"
rm -rf "$T/A" && mv "$T/A.snap" "$T/A"
must L export --to 李娜 -o "$T/l5.bundle"
must A import "$T/l5.bundle"
err_has "W_ROLLBACK"
err_has "bundle 2 of this store"
run A customer show CE                    # lost with the snapshot
[ "$RC" -eq 4 ] && ok || fail "CE before the round trip: $RC"
refuse 6 A customer add 己 --code CF
err_has "doctor --accept-rollback"
run A doctor
err_has "W_ROLLBACK"
must A doctor --accept-rollback
has "rollback accepted"
must A customer add 己 --code CF
must A export --to 王伟 -o "$T/a4.bundle"
must L import "$T/a4.bundle"
has "bundle 3 from 李娜"
# A's bundle carried her true (older) vector: the lead sends back what
# she lost.
must L export --to 李娜 -o "$T/l6.bundle"
must A import "$T/l6.bundle"
must A customer show CE
has "戊商貿"
must A doctor --accept-rollback
has "no rollback to accept"

# A partner gets only their customers, never the key.
must L customer edit CD --owner 渠道
must L export --to 渠道 --customers owner=渠道 -o "$T/p1.bundle"
must P import --trust "$IL" "$T/p1.bundle"
lacks "joined"
must P customer show CD
has "丁實業"
run P customer show CA
[ "$RC" -ne 0 ] && ok || fail "the partner sees another customer"
[ "$(field P CD budget)" != "900000.00" ] && ok || fail "the partner reads a budget"

# Evaluation runs travel: the manager verifies a salesperson's run under
# her key, with her results (sealed under the team key); a member without
# the key is told the results did not come, not that the run is bad.
must M init --member 經理 --team 華南 --kdf "$KDF"
for s in S U; do must "$s" init --member "$s-member" --kdf "$KDF"; done
must M whoami; IM=${OUT%% *}
must S whoami; IS=${OUT%% *}
must U whoami; IU=${OUT%% *}
must M member add 銷售 "$IS" --restricted
must M member add 助理 "$IU"
must M export --to 銷售,助理 -o "$T/m1.bundle"
must S import --trust "$IM" "$T/m1.bundle"
must U import --trust "$IM" "$T/m1.bundle"
must S customer add 庚科技 --code CG --budget 20万
must S log CG --summary '初次拜訪' --channel visit
must S eval run "$(date -u +%Y)"
RUN=$(printf '%s' "$OUT" | grep -o '[0-9a-f]\{8\}' | head -1)
[ ${#RUN} -eq 8 ] && ok || fail "eval run: $OUT"
must S export --to 經理 -o "$T/s1.bundle"
must M import "$T/s1.bundle"
must M eval verify "$RUN"
has "reproduced"
# The manager logs a call: the run no longer reproduces there, and says why.
must M log CG --summary '電話回訪' --channel phone
refuse 6 M eval verify "$RUN"
case "$OUT$ERR" in *"is new"*) ok ;; *) fail "verify names no new input: $OUT $ERR" ;; esac
must M export --to 助理 -o "$T/m2.bundle"
must U import "$T/m2.bundle"
refuse 3 U eval verify "$RUN"
err_has "results did not come"

[ "$FAILS" -eq 0 ] || exit 1
echo "ok: $CHECKS checks"
