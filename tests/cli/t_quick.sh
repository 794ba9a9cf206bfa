#!/usr/bin/env bash
# Quick entry: 'log CUSTOMER' without --summary asks field by field on a
# terminal (defaults: now, the last channel used, the customer's
# contacts), or with --edit opens $EDITOR on a commented template.  An
# empty summary, Ctrl-D, a failed editor or a bad template write nothing.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
DRIVE="python3 $HERE/tty_drive.py"
ED="$HERE/editor_script.sh"
unset VISUAL EDITOR
# Dates: a fixed clock in test builds; relative ones on the wall clock in
# release builds (which ignore DEALBOOK_TEST_NOW).
if [ "${DBK_TEST_BUILD:-0}" = 1 ]; then
	export DEALBOOK_TEST_NOW="2024-05-20 12:00"
	WHEN="2024-05-10 10:00"
	WHEN_ISO="2024-05-10T10:00:00Z"
	DUE=2024-05-30
else
	WHEN=yesterday
	WHEN_ISO="$(date -u -d yesterday +%F)T00:00:00Z"
	DUE=$(date -u -d '+10 days' +%F)
fi

# drive ANSWER... : run 'dealbook ... log' on a terminal answering the
# prompts; everything it showed in $OUT, its status in $RC.
drive() {
	local answers=()
	while [ "$1" != -- ]; do answers+=("$1"); shift; done
	shift
	OUT=$($DRIVE "${answers[@]}" -- "$DBK" --store "$S" --passphrase-file "$PF" \
	    "$@" 2>&1) && RC=0 || RC=$?
}
# The id of what 'added interaction XXXXXXXX' reported.
added_id() { printf '%s\n' "$OUT" | sed -n 's/.*added interaction \([0-9a-f]\{8\}\).*/\1/p'; }
tmp_empty() {
	[ -z "$(ls -A "$T/tmp")" ] && ok || fail "$1: temporary files left: $(ls -A "$T/tmp")"
}
unchanged() { [ "$(store_hash)" = "$1" ] && ok || fail "$2: the store changed"; }

init_store
expect 0 customer add 科技有限公司 --code 20240501 --at 2024-05-01
expect 0 contact add 20240501 王經理 --title 采购总监
expect 0 contact add 20240501 李總監
expect 0 log 20240501 --at '2024-05-08 09:00' --channel phone --summary '首次電話'

# Asked on a terminal: the channel defaults to the last one used, the
# participants to the contacts (masked as everywhere without --reveal).
drive "$WHEN" '' '' '介紹方案' '客戶要求案例' '預算需審批' '' '送白皮書' "$DUE" \
    -- log 20240501
[ "$RC" -eq 0 ] && ok || fail "log on a terminal exited $RC: $OUT"
for p in "Logging an interaction with 科技有限公司 (20240501)" "When [now]: " \
    "Channel [phone]: " "With [*經理, *總監]: " "Summary: " \
    "Customer feedback: " "Objection (empty to finish): " "Next action: " \
    "Due (YYYY-MM-DD, empty for none): " "added interaction"; do
	has "$p"
done
lacks "王經理"
iid=$(added_id)
[ -n "$iid" ] && ok || fail "no interaction id in: $OUT"
expect 0 --format csv history "$iid"
has "at,$WHEN_ISO,"
has "channel,phone,"
# The default was shown masked; taking it stores the contacts themselves.
has 'with,"王經理, 李總監",'
has "summary,介紹方案,"
has "feedback,客戶要求案例,"
has "next,送白皮書,"
has "due,$DUE,"
lacks "materials,"
expect 0 --format csv timeline 20240501
has "$WHEN_ISO,interaction,"
has "介紹方案 / feedback: 客戶要求案例 / next: 送白皮書"
has "$WHEN_ISO,objection,"
expect 0 --format csv objection list 20240501
has ",預算需審批,false,"
n=$(printf '%s\n' "$OUT" | tail -n +2 | grep -c .)
[ "$n" -eq 1 ] && ok || fail "expected 1 objection, got $n: $OUT"
expect 0 --format csv customer show 20240501
has "next,送白皮書"
has "next_due,$DUE"

# Options given are used, not asked; no next action, no due date.
drive '' '電話跟進' '' '' '' -- log 20240501 --channel email --at "$WHEN"
[ "$RC" -eq 0 ] && ok || fail "log with options on a terminal exited $RC: $OUT"
lacks "When ["
lacks "Channel ["
lacks "Due ("
has "With [*經理, *總監]: "
expect 0 --format csv history "$(added_id)"
has "channel,email,"
has "summary,電話跟進,"
lacks "next,"

# A bad channel is asked again, with the choices; three bad answers give up.
h=$(store_hash)
drive '' fax 面談 '' '面談確認' '' '' '' -- log 20240501
[ "$RC" -eq 0 ] && ok || fail "log after a bad channel exited $RC: $OUT"
has "invalid channel 'fax' (expected phone, visit"
has "Channel [email]: "
expect 0 --format csv history "$(added_id)"
has "channel,visit,"
h=$(store_hash)
drive '' fax fax fax '' -- log 20240501
[ "$RC" -eq 5 ] && ok || fail "three bad channels exited $RC: $OUT"
has "no valid answer after 3 tries: nothing written"
lacks "Summary:"
unchanged "$h" "three bad channels"

# An empty summary writes nothing (exit 5), nor does Ctrl-D at any prompt.
drive '' '' '' '' -- log 20240501
[ "$RC" -eq 5 ] && ok || fail "an empty summary exited $RC: $OUT"
has "dealbook: empty summary: nothing written"
lacks "Customer feedback"
unchanged "$h" "empty summary"
drive '' '' '^D' -- log 20240501
[ "$RC" -eq 5 ] && ok || fail "Ctrl-D at With exited $RC: $OUT"
has "end of input: nothing written"
lacks "Summary:"
unchanged "$h" "Ctrl-D at With"
drive '' '' '' '寫了一半' '' '半個異議' '^D' -- log 20240501
[ "$RC" -eq 5 ] && ok || fail "Ctrl-D at an objection exited $RC: $OUT"
has "end of input: nothing written"
unchanged "$h" "Ctrl-D at an objection"

# A customer by a unique part of its name; an ambiguous one lists the
# candidates before anything is asked.
drive '' '' '' '名稱找到' '' '' '' -- log 有限
[ "$RC" -eq 0 ] && ok || fail "log by a name part exited $RC: $OUT"
has "Logging an interaction with 科技有限公司 (20240501)"
expect 0 customer add 科技发展公司 --code 20240503
h=$(store_hash)
drive '' '' '' 'x' -- log 科技
[ "$RC" -eq 5 ] && ok || fail "an ambiguous customer exited $RC: $OUT"
has "matches several records"
has "20240501"
has "20240503"
lacks "When"
unchanged "$h" "ambiguous customer"

# Without a terminal and without --summary or --edit: a usage error.
OUT=$("$DBK" --store "$S" --passphrase-file "$PF" log 20240501 </dev/null \
    2>"$T/stderr") && RC=0 || RC=$?
ERR=$(cat "$T/stderr")
[ "$RC" -eq 2 ] && ok || fail "log without --summary off a terminal exited $RC"
err_has "an interaction needs --summary TEXT (or run on a terminal to be asked, or --edit)"
unchanged "$h" "no terminal"

# --edit: the template carries the defaults and the options given; what
# the editor leaves is recorded.  The temporary file is always removed.
mkdir "$T/tmp"
TMPDIR="$T/tmp" EDITOR="$ED" DBK_EDIT_SAVE="$T/tpl" \
    DBK_EDIT_SUMMARY='電話確認方案: 試點' DBK_EDIT_FEEDBACK='同意試點' \
    DBK_EDIT_OBJECTIONS='交期太長|價格偏高' DBK_EDIT_NEXT='安排試點' \
    DBK_EDIT_DUE="$DUE" expect 0 log 20240501 --edit --channel online </dev/null
has "added interaction"
iid=$(added_id)
tpl=$(cat "$T/tpl")
for l in "# Logging an interaction with 科技有限公司 (20240501)." \
    "# Lines starting with '#' are ignored. An empty summary aborts: nothing is written." \
    "# Dates: 2024-05-10 14:30, today, yesterday. Channels: phone, visit" \
    "at: now" "channel: online" "with: *經理, *總監" "summary: " \
    "feedback: " "their-next: " "objection: " "competitor: " "next: " "due: "; do
	case "$tpl" in *"$l"*) ok ;; *) fail "template lacks '$l': $tpl" ;; esac
done
case "$(cat "$T/tpl.name")" in "$T/tmp/"*) ok ;;
	*) fail "the template was not in \$TMPDIR: $(cat "$T/tpl.name")" ;; esac
[ ! -e "$(cat "$T/tpl.name")" ] && ok || fail "the template file was left behind"
tmp_empty "a successful edit"
expect 0 --format csv history "$iid"
has "summary,電話確認方案: 試點,"
has "feedback,同意試點,"
has "channel,online,"
has 'with,"王經理, 李總監",'
has "next,安排試點,"
has "due,$DUE,"
expect 0 --format csv objection list 20240501
has ",交期太長,false,"
has ",價格偏高,false,"

# $VISUAL comes before $EDITOR.
TMPDIR="$T/tmp" VISUAL="$ED" EDITOR=false DBK_EDIT_SUMMARY='看VISUAL' \
    expect 0 log 20240501 --edit
tmp_empty "VISUAL"

# Failures write nothing and leave no file.
h=$(store_hash)
TMPDIR="$T/tmp" EDITOR="$ED" expect 5 log 20240501 --edit
err_has "empty summary: nothing written"
err_one_line
unchanged "$h" "an edit leaving the summary empty"
tmp_empty "empty summary"
TMPDIR="$T/tmp" EDITOR="$ED" DBK_EDIT_SUMMARY='x' DBK_EDIT_EXIT=1 \
    expect 1 log 20240501 --edit
err_has "exited with status 1: nothing written"
err_one_line
unchanged "$h" "a failing editor"
tmp_empty "failing editor"
TMPDIR="$T/tmp" EDITOR="$T/no-such-editor" expect 1 log 20240501 --edit
err_has "could not be run"
unchanged "$h" "a missing editor"
tmp_empty "missing editor"
TMPDIR="$T/tmp" EDITOR="$ED" DBK_EDIT_SAVE="$T/tpl" DBK_EDIT_SUMMARY='x' \
    DBK_EDIT_APPEND='budget: 50万' expect 5 log 20240501 --edit
line=$(( $(wc -l < "$T/tpl") + 1 ))
err_has "unknown key 'budget' on line $line"
err_has "nothing written"
err_one_line
unchanged "$h" "an unknown key"
tmp_empty "unknown key"
TMPDIR="$T/tmp" EDITOR="$ED" DBK_EDIT_SUMMARY='x' \
    DBK_EDIT_APPEND='summary: again' expect 5 log 20240501 --edit
err_has "the key 'summary' appears again on line $line"
unchanged "$h" "a repeated key"
TMPDIR="$T/tmp" EDITOR="$ED" DBK_EDIT_SUMMARY='x' DBK_EDIT_APPEND='no colon' \
    expect 5 log 20240501 --edit
err_has "line $line of the edited text is not 'key: value'"
unchanged "$h" "a line without a key"
# The library still checks the values: a bad channel names itself.
TMPDIR="$T/tmp" EDITOR="$ED" DBK_EDIT_SUMMARY='x' DBK_EDIT_CHANNEL='fax' \
    expect 5 log 20240501 --edit
err_has "fax"
unchanged "$h" "a bad channel in the template"
tmp_empty "all failures"

# The help says how it asks.
expect 0 help log
has "--edit"
has "on a terminal: asks"
has "exit 5"
finish
