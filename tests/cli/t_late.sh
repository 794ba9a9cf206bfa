#!/usr/bin/env bash
# Timeliness: an interaction recorded more than 24 h after it happened is
# flagged late (log says so, timeline shows "[late]", the audit trail
# lists its create entry with the field "late" and a late-entry entry);
# one recorded within 24 h is not.  An edit made days later keeps both
# versions in history with who wrote each and when.
#
# Test builds run on a fixed clock (DEALBOOK_TEST_NOW).  The dates are
# in 2099 on purpose: `init` stamps the store's hybrid logical clock with
# the real time (the fixed clock is applied only to an opened store), and
# the clock never runs backwards, so a fixed date before today would make
# every later "written" time read as the moment of init.  Release builds
# skip the fixed-clock parts and back-date a log by 3 days instead.
. "$(dirname "$0")/lib.sh"
TESTB=${DBK_TEST_BUILD:-0}

# col NAME: that column of the CSV in $OUT, found by its header.
col() {
	printf '%s\n' "$OUT" | awk -F, -v name="$1" '
	    NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
	    c { print $c }
	    END { if (!c) print "(no column " name ")" }'
}
# rows_where FIELD VALUE: the CSV rows of $OUT whose column FIELD is VALUE.
rows_where() {
	printf '%s\n' "$OUT" | awk -F, -v name="$1" -v want="$2" '
	    NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; print; next }
	    c && $c == want'
}

if [ "$TESTB" = 1 ]; then
	export DEALBOOK_TEST_NOW="2099-05-20 10:00"
	LATE_AT="2099-05-17 10:00"       # 3 days before
	EDGE_OK="2099-05-19 10:00"       # exactly 24 h: not late
	EDGE_LATE="2099-05-19 09:59"     # 24 h and a minute: late
else
	LATE_AT=$(date -u -d '3 days ago' '+%Y-%m-%d %H:%M')
	EDGE_OK=$(date -u -d '23 hours ago' '+%Y-%m-%d %H:%M')
	EDGE_LATE=$(date -u -d '25 hours ago' '+%Y-%m-%d %H:%M')
fi

init_store 王伟
expect 0 customer add 海天精密 --code C1
expect 0 log C1 --summary 補錄拜訪 --at "$LATE_AT" --channel visit
has "flagged late"
expect 0 log C1 --summary 準時記錄 --at "$EDGE_OK"
lacks "late"
expect 0 log C1 --summary 剛過期限 --at "$EDGE_LATE"
has "flagged late"
expect 0 log C1 --summary 當場記錄
lacks "late"

expect 0 --format csv timeline C1
LID=$(rows_where what "補錄拜訪 [late]" | tail -n +2 | cut -d, -f3)
OID=$(rows_where what "準時記錄" | tail -n +2 | cut -d, -f3)
[ ${#LID} -eq 32 ] && ok || fail "timeline lacks '補錄拜訪 [late]': $OUT"
[ ${#OID} -eq 32 ] && ok || fail "timeline lacks an unflagged '準時記錄': $OUT"
[ "$(rows_where what "剛過期限 [late]" | grep -c .)" -eq 2 ] && ok ||
    fail "timeline lacks '剛過期限 [late]': $OUT"
[ "$(rows_where what "當場記錄" | grep -c .)" -eq 2 ] && ok ||
    fail "timeline flags the interaction logged on the spot: $OUT"
[ "$(col what | grep -c '\[late\]')" -eq 2 ] && ok ||
    fail "expected exactly 2 late interactions: $OUT"
expect 0 timeline C1
has "補錄拜訪 [late]"
expect 0 --lang zh timeline C1
has "補錄拜訪 [逾時錄入]"

# The flag is a stored field, set by the program and not by hand.
expect 0 --format csv history "$LID"
[ "$(rows_where field late | tail -n +2 | cut -d, -f2)" = true ] && ok ||
    fail "history of the late interaction: $OUT"
expect 5 edit "$LID" --set late=0
expect 0 --format csv history "$OID"
[ "$(rows_where field late | tail -n +2 | cut -d, -f2)" = false ] && ok ||
    fail "history of the on-time interaction: $OUT"

# The audit trail: the create entry names the field "late", and a late
# entry gets its own late-entry record; an on-time one does not.
expect 0 --format csv audit --record "$LID"
create=$(rows_where action create | tail -n +2)
case "$create" in
*",interaction,$LID,"*late*) ok ;;
*) fail "audit lacks the create entry with field late: $OUT" ;;
esac
[ "$(rows_where action late-entry | tail -n +2 | grep -c .)" -eq 1 ] && ok ||
    fail "audit lacks the late-entry entry: $OUT"
expect 0 --format csv audit --record "$OID"
has ",create,interaction,$OID,"
lacks "late-entry"

# ---- an edit two and a half days later ----
[ "$TESTB" = 1 ] && export DEALBOOK_TEST_NOW="2099-05-22 15:30"
expect 0 edit "$LID" --set summary=補錄拜訪：客戶要求案例
has "updated interaction"
has "1 field changed"
expect 0 --format csv history "$LID"
sums=$(rows_where field summary)
[ "$(printf '%s\n' "$sums" | tail -n +2 | grep -c .)" -eq 2 ] && ok ||
    fail "history should keep both summaries: $OUT"
OUT=$sums
[ "$(col value | tr '\n' '|')" = "補錄拜訪|補錄拜訪：客戶要求案例|" ] && ok ||
    fail "summary versions (oldest first): $OUT"
[ "$(col by | sort -u)" = 王伟 ] && ok || fail "who wrote the versions: $OUT"
[ "$(col current | tr '\n' '|')" = "false|true|" ] && ok ||
    fail "current flags: $OUT"
if [ "$TESTB" = 1 ]; then
	[ "$(col written_at | tr '\n' '|')" = \
	    "2099-05-20T10:00:00Z|2099-05-22T15:30:00Z|" ] && ok ||
	    fail "when the versions were written: $OUT"
else
	w=$(col written_at | tr '\n' '|')
	case "$w" in
	[0-9][0-9][0-9][0-9]-*Z\|[0-9][0-9][0-9][0-9]-*Z\|) ok ;;
	*) fail "when the versions were written: $OUT" ;;
	esac
fi
# The table view shows the same, with the superseded version unmarked.
expect 0 history "$LID"
has "補錄拜訪："
[ "$TESTB" = 1 ] && has "2099-05-22 15:30"
# Still late, still at the time it happened.
expect 0 --format csv timeline C1
[ "$(rows_where what "補錄拜訪：客戶要求案例 [late]" | grep -c .)" -eq 2 ] && ok ||
    fail "the edited interaction in the timeline: $OUT"
# The edit is in the audit trail, at its own time.
expect 0 --format csv audit --record "$LID"
upd=$(rows_where action update | tail -n +2)
case "$upd" in
*",interaction,$LID,summary") ok ;;
*) fail "audit lacks the summary update: $OUT" ;;
esac
if [ "$TESTB" = 1 ]; then
	case "$upd" in 2099-05-22T15:30:00Z*|*,2099-05-22T15:30:00Z,*) ok ;;
	*) fail "the update's time: $upd" ;; esac
fi
expect 0 audit verify
finish
