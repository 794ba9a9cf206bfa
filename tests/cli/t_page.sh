#!/usr/bin/env bash
# Long lists: a table on a terminal shows the newest page and says so;
# pipes get every row; JSON, CSV and markdown stream and stay valid;
# --limit and --all work in every format; bad values exit 5 or 2.
. "$(dirname "$0")/lib.sh"
DRIVE="python3 $(dirname "$0")/tty_drive.py"
export XDG_RUNTIME_DIR="$T/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
trap '"$DBK" --store "$S" lock >/dev/null 2>&1 || true; rm -rf "$T"' EXIT

# q ARGS: run through the unlock agent (no passphrase, no terminal).
q() {
	OUT=$("$DBK" --store "$S" "$@" </dev/null 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}

init_store 王伟
expect 0 unlock --for 1h
# 120 customers: two list blocks (64 each at most); every tenth is 李娜's.
for i in $(seq -w 1 120); do
	if [ $((10#$i % 10)) -eq 0 ]; then o=(--owner 李娜); else o=(); fi
	q customer add "客戶$i" --code "C$i" "${o[@]}"
	[ "$RC" -eq 0 ] || fail "adding C$i: $ERR"
done
expect 0 deal add C010 1000 --signed 2024-05-01
expect 0 deal add C020 2000 --signed 2024-05-02

# Piped: every row, oldest first, nothing on stderr.
q customer list
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 122 ] && ok || fail "piped table: $(printf '%s\n' "$OUT" | wc -l) lines"
[ -z "$ERR" ] && ok || fail "a piped list wrote to stderr: $ERR"
[ "$(printf '%s\n' "$OUT" | sed -n 3p | awk '{print $2}')" = C001 ] && ok || fail "first row: $(printf '%s\n' "$OUT" | sed -n 3p)"

# A terminal: the newest 50 (C071..C120, oldest first) and a note.
OUT=$($DRIVE -- "$DBK" --store "$S" customer list 2>&1)
n=$(printf '%s\n' "$OUT" | grep -c ' C[0-9][0-9][0-9] ')
[ "$n" -eq 50 ] && ok || fail "terminal page has $n rows"
case "$OUT" in *C070*) fail "C070 on the page" ;; *) ok ;; esac
first=$(printf '%s\n' "$OUT" | grep -m1 -o ' C[0-9][0-9][0-9] ')
last=$(printf '%s\n' "$OUT" | grep -o ' C[0-9][0-9][0-9] ' | tail -1)
[ "$first" = " C071 " ] && [ "$last" = " C120 " ] && ok || fail "page runs $first..$last"
case "$OUT" in *"only the newest 50 rows are shown; --all shows every row"*) ok ;;
	*) fail "no page note: $OUT" ;; esac
OUT=$($DRIVE -- "$DBK" --store "$S" customer list --all 2>&1)
n=$(printf '%s\n' "$OUT" | grep -c ' C[0-9][0-9][0-9] ')
[ "$n" -eq 120 ] && ok || fail "--all on a terminal: $n rows"
case "$OUT" in *"only the newest"*) fail "note with --all" ;; *) ok ;; esac
# A filter pages too: 李娜 has 12; the newest 3 of them.
OUT=$($DRIVE -- "$DBK" --store "$S" customer list --owner 李娜 --limit 3 2>&1)
[ "$(printf '%s\n' "$OUT" | grep -o ' C[0-9][0-9][0-9] ' | tr -d ' ' | paste -sd,)" = C100,C110,C120 ] && ok ||
    fail "owner page: $OUT"
# A short list on a terminal: everything, no note.
OUT=$($DRIVE -- "$DBK" --store "$S" customer list --owner 李娜 2>&1)
n=$(printf '%s\n' "$OUT" | grep -c ' C[0-9][0-9][0-9] ')
[ "$n" -eq 12 ] && ok || fail "short list on a terminal: $n rows"
case "$OUT" in *"only the newest"*) fail "note on a short list" ;; *) ok ;; esac

# JSON and CSV stream every row, valid, in creation order.
q --format json customer list
printf '%s' "$OUT" | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert len(a) == 120, len(a)
assert [r["code"] for r in a] == ["C%03d" % i for i in range(1, 121)]
assert list(a[0].keys())[:3] == ["id", "code", "name"]
' && ok || fail "streamed JSON"
q --format csv customer list
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 121 ] && ok || fail "CSV lines"
printf '%s\n' "$OUT" | python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
assert rows[0][:3] == ["id", "code", "name"] and len(rows) == 121
assert rows[120][1] == "C120"
' && ok || fail "streamed CSV"
q --format md customer list
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 122 ] && ok || fail "markdown lines"
# --limit in JSON: the newest N, oldest first; nothing matching: [].
q --format json customer list --limit 2
[ "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(",".join(r["code"] for r in json.load(sys.stdin)))')" = C119,C120 ] &&
    ok || fail "--limit 2 in JSON: $OUT"
[ -z "$ERR" ] && ok || fail "a note outside a table: $ERR"
q --format json customer list --owner nobody
[ "$OUT" = "[]" ] && [ "$RC" -eq 0 ] && ok || fail "empty JSON list: $OUT"
q --format json customer list --owner nobody --limit 4
[ "$OUT" = "[]" ] && ok || fail "empty JSON page: $OUT"

# Deals and the audit trail page the same way.
q --format json deal list --limit 1
printf '%s' "$OUT" | python3 -c 'import json,sys; a=json.load(sys.stdin); assert len(a)==1' && ok || fail "deal page: $OUT"
q --format json audit
all=$(printf '%s' "$OUT" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(len(a), a[-1]["seq"])')
q --format json audit --limit 2
got=$(printf '%s' "$OUT" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(len(a), a[-1]["seq"])')
[ "${got% *}" = 2 ] && [ "${got#* }" = "${all#* }" ] && ok || fail "audit --limit 2: $got (all: $all)"
OUT=$($DRIVE -- "$DBK" --store "$S" audit 2>&1)
case "$OUT" in *"only the newest 50 rows are shown"*) ok ;; *) fail "audit page on a terminal" ;; esac

# Bad values: one sentence naming the value, nothing changed.
h=$(store_hash)
q customer list --limit 0
[ "$RC" -eq 5 ] && ok || fail "--limit 0: exit $RC"
err_has "'0'"; err_one_line
q customer list --limit lots
[ "$RC" -eq 5 ] && ok || fail "--limit lots: exit $RC"
err_has "'lots'"
q customer list --limit 3 --all
[ "$RC" -eq 2 ] && ok || fail "--limit with --all: exit $RC"
err_one_line
[ "$(store_hash)" = "$h" ] && ok || fail "the store changed"
# A write failure half-way is an error, not a silent short list.
"$DBK" --store "$S" --format json customer list >/dev/full 2>"$T/stderr"
RC=$?
[ "$RC" -eq 1 ] && ok || fail "writing to a full device: exit $RC"
grep -q "writing failed" "$T/stderr" && ok || fail "no write error: $(cat "$T/stderr")"
finish
