#!/usr/bin/env bash
# doctor: exit 0 on a healthy store; a record tampered with in the raw
# LMDB (dbk-tamper) is named, by type and full id, with exit 6:
#   - a validly re-encrypted record whose sealed sensitive field was
#     changed (only the inner restricted-key layer fails) is named with
#     the field ("field budget", "field amount");
#   - a flipped byte of a record's outer ciphertext names the record;
#   - several problems are all reported, not just the first.
# doctor never writes: the store's bytes are the same before and after.
. "$(dirname "$0")/lib.sh"
TAMPER=${2:?usage: t_doctor.sh dealbook dbk-tamper}

init_store 王伟
expect 0 customer add 海天精密 --code C1 --budget 50万 --revenue 3000万
expect 0 customer add 華東物流 --code C2 --budget 10万
expect 0 customer add 明達電子 --code C3
expect 0 contact add C1 李經理 --phone 13800000000 --role decision-maker
expect 0 log C1 --summary 首次拜訪 --objection 預算需審批
expect 0 deal add C2 120000
expect 0 --format csv customer list
ID1=$(printf '%s\n' "$OUT" | awk -F, '$2 == "C1" { print $1 }')
ID2=$(printf '%s\n' "$OUT" | awk -F, '$2 == "C2" { print $1 }')
ID3=$(printf '%s\n' "$OUT" | awk -F, '$2 == "C3" { print $1 }')
expect 0 --format csv deal list C2
DID=$(printf '%s\n' "$OUT" | awk -F, 'NR == 2 { print $1 }')
expect 0 --format csv timeline C1
IID=$(printf '%s\n' "$OUT" | awk -F, '$2 == "interaction" { print $3 }')
expect 0 --format csv contact list C1
CID=$(printf '%s\n' "$OUT" | awk -F, 'NR == 2 { print $1 }')
for v in "$ID1" "$ID2" "$ID3" "$DID" "$IID" "$CID"; do
	[ ${#v} -eq 32 ] && ok || fail "could not read the record ids ('$v')"
done

# Healthy: exit 0, nothing written.
before=$(store_hash)
expect 0 doctor
has "store check passed"
[ "$(store_hash)" = "$before" ] && ok || fail "doctor changed a healthy store"
MAIN=$S

# on NAME OP ARGS...: a fresh copy of the store with one more tampering
# (a NAME already used adds to that copy).
on() {
	local name=$1
	shift
	S="$T/case-$name"
	[ -d "$S" ] || cp -a "$MAIN" "$S"
	if "$TAMPER" "$1" "$S" "$PF" "${@:2}" 2>"$T/tamper.err"; then
		ok
	else
		fail "$name: dbk-tamper $* failed: $(cat "$T/tamper.err")"
	fi
}
# doctor_finds N: doctor exits 6 reporting N problems, leaving the bytes.
doctor_finds() {
	local h
	h=$(store_hash)
	expect 6 doctor
	err_has "the store check found $1 problem"
	err_one_line
	lacks "store check passed"
	[ "$(printf '%s\n' "$OUT" | grep -c .)" -eq "$1" ] && ok ||
	    fail "expected $1 problem lines: $OUT"
	[ "$(store_hash)" = "$h" ] && ok || fail "doctor changed the store"
}

# A sensitive field's inner ciphertext, the record itself re-encrypted.
on budget rec-flip "$ID1" budget
doctor_finds 1
has "customer $ID1, field budget: fails authentication"
lacks "revenue"
# The outer layer and the audit trail are intact: only doctor (and
# reading the field) can tell.
expect 0 audit verify
expect 6 --reveal customer show C1
err_has "field 'budget' failed authentication"
expect 0 customer show C2

# A deal's amount is in the fact index too (sealed the same way), so the
# record no longer matches its entry there either.
on amount rec-flip "$DID" amount
doctor_finds 2
has "deal $DID, field amount: fails authentication"
has "deal $DID: differs from its entry in the fact index"

on phone rec-flip "$CID" phone
doctor_finds 1
has "contact $CID, field phone: fails authentication"

# The record's own ciphertext: named by type and id, no field.
on raw rec-rawflip "$ID2"
doctor_finds 1
has "customer $ID2: fails authentication"
lacks "field"
expect 6 customer show C2

on rawint rec-rawflip "$IID"
doctor_finds 1
has "interaction $IID: fails authentication"

# Everything is reported, not just the first problem.
on many rec-flip "$ID1" budget
on many rec-flip "$ID1" revenue
on many rec-rawflip "$ID3"
on many rec-rawflip "$IID"
doctor_finds 4
has "customer $ID1, field budget: fails"
has "customer $ID1, field revenue: fails"
has "customer $ID3: fails authentication"
has "interaction $IID: fails authentication"

# The untouched original still passes.
S=$MAIN
expect 0 doctor
[ "$(store_hash)" = "$before" ] && ok || fail "the original store changed"
finish
