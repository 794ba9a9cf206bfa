#!/usr/bin/env bash
# The audit trail: every change is listed (names of fields, never values)
# and the filters --record, --member and --since work; `audit verify`
# passes on an untouched store and fails with exit 6, naming the right
# entry, after each kind of tampering with the raw LMDB (dbk-tamper): a
# flipped byte, a deleted, swapped, rewritten (validly re-encrypted by an
# insider), inserted, appended or truncated entry.  `doctor` reports the
# same entry and exits 6 too.  Each case works on its own copy.
. "$(dirname "$0")/lib.sh"
TAMPER=${2:?usage: t_audit.sh dealbook dbk-tamper}
TESTB=${DBK_TEST_BUILD:-0}

[ "$TESTB" = 1 ] && export DEALBOOK_TEST_NOW="2024-05-20 10:00"
init_store 王伟
expect 0 customer add 海天精密 --code C1 --budget 50万
expect 0 customer add 華東物流 --code C2 --industry 物流
expect 0 log C1 --summary 首次拜訪 --objection 預算需審批
[ "$TESTB" = 1 ] && export DEALBOOK_TEST_NOW="2024-05-22 09:00"
expect 0 log C2 --summary 電話跟進
expect 0 customer edit C1 --industry 制造业
expect 0 deal add C2 120000
expect 0 --format csv customer list
ID1=$(printf '%s\n' "$OUT" | awk -F, '$2 == "C1" { print $1 }')
ID2=$(printf '%s\n' "$OUT" | awk -F, '$2 == "C2" { print $1 }')
[ ${#ID1} -eq 32 ] && [ ${#ID2} -eq 32 ] && ok || fail "customer ids: $OUT"

expect 0 audit verify
has "audit trail intact"
has "signed head verified"
N=$(printf '%s\n' "$OUT" | sed -n 's/.*intact: \([0-9]*\) entries.*/\1/p')
[ "${N:-0}" -ge 10 ] && ok || fail "expected at least 10 audit entries: $OUT"

# ---- the listing and its filters ----
expect 0 --format csv audit
rows() { printf '%s\n' "$OUT" | tail -n +2 | grep -c . ; }
# col NAME: that column of the CSV in $OUT, found by its header.
col() {
	printf '%s\n' "$OUT" | awk -F, -v name="$1" '
	    NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
	    c { print $c }
	    END { if (!c) print "(no column " name ")" }'
}
[ "$(rows)" -eq "$N" ] && ok || fail "audit lists $(rows) of $N entries: $OUT"
has ",create,customer,$ID1,"
has ",update,customer,$ID1,industry"
# Field names only: no value ever reaches the trail.
for v in 50万 500000 海天精密 首次拜訪 預算需審批 制造业 120000; do lacks "$v"; done
# Sequence numbers run 1..N in order.
seqs=$(col seq | tr '\n' ' ')
[ "$seqs" = "$(seq -s ' ' 1 "$N") " ] && ok || fail "audit seqs: $seqs"

expect 0 --format csv audit --record C1
n1=$(rows)
[ "$n1" -ge 3 ] && ok || fail "--record C1 listed $n1 entries: $OUT"
others=$(col id | grep -vc "^$ID1\$")
[ "$others" -eq 0 ] && ok || fail "--record C1 lists other records: $OUT"
has ",create,customer,$ID1,"
has ",update,customer,$ID1,industry"
expect 0 --format csv audit --record C2
has ",create,customer,$ID2,"
lacks "$ID1"
expect 4 audit --record NOSUCH

expect 0 --format csv audit --member 王伟
[ "$(rows)" -eq "$N" ] && ok || fail "--member 王伟 listed $(rows) of $N"
expect 0 --format csv audit --member 李四
[ "$(rows)" -eq 0 ] && ok || fail "--member 李四 listed entries: $OUT"

if [ "$TESTB" = 1 ]; then
	# Entries from the 20th are left out, those from the 22nd kept.
	expect 0 --format csv audit --since 2024-05-22
	early=$(col at | awk '$0 < "2024-05-22"' | grep -c .)
	[ "$early" -eq 0 ] && ok || fail "--since listed earlier entries: $OUT"
	lacks ",create,customer,$ID1,"
	has ",update,customer,$ID1,industry"
	has ",create,deal,"
	[ "$(rows)" -lt "$N" ] && ok || fail "--since filtered nothing"
	expect 0 --format csv audit --since 2024-05-22 --record C1
	lacks ",create,customer,"
	has ",update,customer,$ID1,industry"
else
	expect 0 --format csv audit --since "$(date -u -d '1 day ago' +%F)"
	[ "$(rows)" -eq "$N" ] && ok || fail "--since yesterday listed $(rows) of $N"
	expect 0 --format csv audit --since "$(date -u -d '2 days' +%F)"
	[ "$(rows)" -eq 0 ] && ok || fail "--since the day after tomorrow: $OUT"
fi
expect 5 audit --since notadate
err_has "invalid date"

# ---- tampering ----
H0=$(store_hash)
MAIN=$S

# case NAME OP ARG WANT: a fresh copy, one tampering, then verify and
# doctor must exit 6 naming the entry (WANT is the text verify prints;
# WHERE the entry number doctor reports it under).
case_() {
	local name=$1 op=$2 arg=$3 want=$4 where=$5
	S="$T/case-$name"
	rm -rf "$S"
	cp -a "$MAIN" "$S"
	if [ -n "$op" ]; then
		# shellcheck disable=SC2086
		if "$TAMPER" "$op" "$S" "$PF" $arg 2>"$T/tamper.err"; then
			ok
		else
			fail "$name: dbk-tamper $op $arg failed: $(cat "$T/tamper.err")"
		fi
	fi
	local before
	before=$(store_hash)
	if [ -z "$want" ]; then
		expect 0 audit verify
		has "intact: $N entries"
		expect 0 doctor
	else
		expect 6 audit verify
		err_has "$want"
		err_one_line
		lacks "intact"
		expect 6 doctor
		has "audit entry $where: "
		err_has "found 1 problem"
	fi
	# Checking never writes.
	[ "$(store_hash)" = "$before" ] && ok || fail "$name: verify/doctor changed the store"
}

case_ control "" "" "" ""
case_ flip1 audit-flip 1 "audit entry 1 fails authentication" 1
case_ flip5 audit-flip 5 "audit entry 5 fails authentication" 5
case_ flip-last audit-flip "$N" "audit entry $N fails authentication" "$N"
case_ del5 audit-del 5 "audit entry 5 is missing (the next one is 6)" 5
case_ del-last audit-del "$N" "audit entries $N to $N are missing" "$N"
# A swap moves each ciphertext under the other key: the AD binds the key.
case_ swap5 audit-swap 5 "audit entry 5 fails authentication" 5
# A valid re-encryption by an insider: entry 5 itself still decrypts and
# links back to 4, so the chain breaks at 6, whose back-link no longer
# matches; a rewritten last entry no longer matches the signed head.
case_ rewrite5 audit-rewrite 5 "audit entry 6 does not follow entry 5" 6
case_ rewrite-last audit-rewrite "$N" "audit entry $N does not match the signed chain head" "$N"
# Entries 5.. moved up (renumbered, re-encrypted) and a copy of 4 at 5.
case_ insert5 audit-insert 5 "audit entry 5 does not follow entry 4" 5
# A correctly chained entry added without re-signing the head.
case_ append audit-append "" "audit entry $((N + 1)) comes after the signed head ($N)" $((N + 1))
case_ truncate1 audit-truncate 1 "audit entries $N to $N are missing (the trail was truncated)" "$N"
case_ truncate3 audit-truncate 3 "audit entries $((N - 2)) to $N are missing (the trail was truncated)" $((N - 2))

# Later legitimate writes do not heal a broken chain: the new head
# continues from the signed one, and entry 6 still does not follow 5.
case_ rewrite-then-write audit-rewrite 5 "audit entry 6 does not follow entry 5" 6
expect 0 log C1 --summary 之後的拜訪
expect 6 audit verify
err_has "audit entry 6 does not follow entry 5"

# The original store was never touched.
S=$MAIN
[ "$(store_hash)" = "$H0" ] && ok || fail "the original store changed"
expect 0 audit verify
has "intact: $N entries"
finish
