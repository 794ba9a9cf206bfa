#!/usr/bin/env bash
# The team roster: member add / list / remove with identities from other
# stores' whoami, the list in every format, each refusal with its exit
# code and one line naming the value (store unchanged), removal rotating
# the restricted key, and a roster changed behind the program's back
# (dbk-tamper rec-set / rec-clone) stopping every roster command and
# doctor with exit 6.  Without the restricted key a removal exits 3.
. "$(dirname "$0")/lib.sh"
TAMPER=${2:?usage: t_member.sh dealbook dbk-tamper}

# ident DIR NAME: make a store and print its identity, as whoami does.
ident() {
	"$DBK" --store "$1" --passphrase-file "$PF" init --member "$2" \
	    --kdf "$KDF" >/dev/null 2>&1 || { fail "init $1"; return; }
	"$DBK" --store "$1" --passphrase-file "$PF" --format json whoami |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["identity"])'
}

init_store 王伟 --team 華東銷售
I2=$(ident "$T/s2" 李娜)
I3=$(ident "$T/s3" 趙六)
I4=$(ident "$T/s4" 錢七)
case "$I2" in dbk1:*) ok ;; *) fail "no identity from whoami: $I2" ;; esac
[ ${#I2} -eq 91 ] && ok || fail "identity of ${#I2} characters: $I2"
db --format json whoami
ME=$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["identity"])')

# ---- an empty roster ----
expect 0 --format json member list
[ "$OUT" = "[]" ] && ok || fail "empty roster in JSON: $OUT"
expect 0 --format csv member list
[ "$OUT" = "id,name,role,restricted,identity,added,removed" ] && ok ||
    fail "empty roster in CSV: $OUT"

# ---- adding ----
expect 0 member add 李娜 "$I2" --role manager --restricted
has "added member 李娜"
has "manager"
expect 0 --format json member add " 趙六 " "$I3"
printf '%s' "$OUT" | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["type"] == "member" and len(o["id"]) == 32, o
' && ok || fail "member add JSON: $OUT"

# ---- the list ----
expect 0 member list
has 李娜
has 趙六
has manager
# The table shortens identities to their first 13 characters.
has "${I2:0:13}..."
lacks "$I2"
expect 0 --lang zh member list
has 角色
has 是
expect 0 --format json member list
printf '%s' "$OUT" | python3 -c '
import json, re, sys
rows = json.load(sys.stdin)
i2, i3 = sys.argv[1:3]
assert [list(r) for r in rows] == [["id", "name", "role", "restricted",
    "identity", "added", "removed"]] * 2, rows
a, b = rows
assert (a["name"], a["role"], a["restricted"], a["identity"]) == \
    ("李娜", "manager", "true", i2), a
assert (b["name"], b["role"], b["restricted"], b["identity"]) == \
    ("趙六", "member", "false", i3), b
for r in rows:
    assert re.fullmatch(r"[0-9a-f]{32}", r["id"]), r
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["added"]), r
    assert r["removed"] is None, r
' "$I2" "$I3" && ok || fail "member list JSON: $OUT"
M3=$(printf '%s' "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)[1]["id"])')
expect 0 --format csv member list
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 3 ] && ok || fail "CSV rows: $OUT"
has "趙六,member,false,$I3,"

# ---- refusals: exit code, one line naming the value, store unchanged ----
# refuse CODE TEXT ARGS...: the command exits CODE, says TEXT on one
# line, and leaves the store's bytes as they were.
refuse() {
	local code=$1 text=$2 h
	shift 2
	h=$(store_hash)
	expect "$code" "$@"
	err_has "$text"
	err_one_line
	[ "$(store_hash)" = "$h" ] && ok || fail "dealbook $* changed the store"
}
BODY=${I4#dbk1:}
refuse 5 "'dbk1:abc'" member add X dbk1:abc
refuse 5 "does not start with 'dbk1:'" member add X "dbk2:$BODY"
refuse 5 "not base64url" member add X "dbk1:+${BODY:1}"
refuse 5 "wrong length" member add X "${I4}A"
# y = 2 encodes no point of Ed25519 ((y^2 - 1) / (d y^2 + 1) is not a
# square mod 2^255 - 19); the X25519 half is I4's own.
NOPOINT=$(python3 -c '
import base64, sys
b = base64.urlsafe_b64decode(sys.argv[1] + "==")
print("dbk1:" + base64.urlsafe_b64encode(bytes([2]) + bytes(31) + b[32:]).decode().rstrip("="))
' "$BODY")
refuse 5 "not a valid Ed25519 public key" member add X "$NOPOINT"
refuse 5 "invalid role 'boss'" member add X "$I4" --role boss
refuse 5 "that is you" member add X "$ME"
refuse 5 "that is you" member add 王伟 "$I4"
refuse 5 "a member named '李娜'" member add 李娜 "$I4"
refuse 5 "as '李娜'" member add 孫八 "$I2"
refuse 4 "no member named '孫八'" member remove 孫八
refuse 5 "that is you" member remove 王伟
refuse 2 "usage" member add 孫八
# Member fields are set by dealbook only.
refuse 5 "set by dealbook" edit "$M3" --set identity="$I4"

# ---- removal rotates the restricted key ----
expect 0 member remove 李娜
has "removed member 李娜"
has "epoch 2"
has "stays readable to them"
expect 0 --format json member list
printf '%s' "$OUT" | python3 -c '
import json, re, sys
a, b = json.load(sys.stdin)
assert a["name"] == "李娜" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
    a["removed"] or ""), a
assert b["removed"] is None, b
' && ok || fail "removed member in the list: $OUT"
expect 0 --format json audit
printf '%s' "$OUT" | python3 -c '
import json, sys
acts = [e["action"] for e in json.load(sys.stdin)]
assert acts.count("key-rotate") == 1, acts
' && ok || fail "no key-rotate in the audit: $OUT"
refuse 4 "removed already" member remove 李娜
# The name is free again, and the same person may come back.
expect 0 --format json member add 李娜 "$I2"
expect 0 --format json member remove 李娜
printf '%s' "$OUT" | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["removed"] == "true" and o["key_epoch"] == "3", o
' && ok || fail "member remove JSON: $OUT"
expect 0 doctor
expect 0 audit verify

# ---- without the restricted key ----
cp -a "$S" "$T/nokey"
"$TAMPER" rkey-drop "$T/nokey" "$PF" 2>"$T/tamper.err" && ok ||
    fail "dbk-tamper rkey-drop: $(cat "$T/tamper.err")"
SAVED=$S
S="$T/nokey"
refuse 3 "only a member with the restricted key can rotate it" member remove 趙六
expect 0 member add 錢七 "$I4"
S=$SAVED

# ---- a roster changed behind the program's back ----
cp -a "$S" "$T/clean"
"$TAMPER" rec-set "$S" "$PF" "$M3" "identity=$I4" >/dev/null \
    2>"$T/tamper.err" && ok || fail "dbk-tamper rec-set: $(cat "$T/tamper.err")"
refuse 6 "member '趙六'" member list
err_has "fails its signature check"
refuse 6 "member '趙六'" --format json member list
[ -z "$OUT" ] && ok || fail "a failed check still printed: $OUT"
refuse 6 "member '趙六'" member add 孫八 "$(ident "$T/s5" 孫八)"
refuse 6 "member '趙六'" member remove 趙六
db doctor
[ "$RC" -eq 6 ] && ok || fail "doctor exited $RC on a tampered roster"
has "roster"
has "member '趙六'"

# Given the restricted key by hand, or copied under a new id.
S="$T/clean"
cp -a "$S" "$T/clean2"
"$TAMPER" rec-set "$S" "$PF" "$M3" restricted=1 >/dev/null 2>"$T/tamper.err" &&
    ok || fail "dbk-tamper rec-set: $(cat "$T/tamper.err")"
refuse 6 "member '趙六'" member list
S="$T/clean2"
"$TAMPER" rec-clone "$S" "$PF" "$M3" >/dev/null 2>"$T/tamper.err" &&
    ok || fail "dbk-tamper rec-clone: $(cat "$T/tamper.err")"
refuse 6 "member '趙六'" member list
S=$SAVED

finish
