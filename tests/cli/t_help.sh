#!/usr/bin/env bash
# Help and conventions: every command's --help and example, 'help' and
# 'help GROUP', the generated manual page, the words for shell completion
# (which never prompt), the bash completion script, and no colour where
# there must be none.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
SHARE=$HERE/../../share/completions
DRIVE="python3 $HERE/tty_drive.py"
ESC=$(printf '\033')

# run ARGS...: the binary without the test store's options.
run() {
	OUT=$("$DBK" "$@" 2>"$T/stderr" </dev/null)
	RC=$?
	ERR=$(cat "$T/stderr")
}

# ---- every command, from the completion words ----
run --complete commands
[ "$RC" -eq 0 ] && ok || fail "--complete commands exited $RC: $ERR"
mapfile -t GROUPS_ <<<"$OUT"
for w in customer stage help init; do has "$w"; done
CMDS=()
for g in "${GROUPS_[@]}"; do
	[ "$g" = help ] && continue
	# A group that is also a command on its own ("audit", "log").
	"$DBK" --complete args "$g" >/dev/null 2>&1 && CMDS+=("$g")
	while IFS= read -r v; do
		[ -n "$v" ] && CMDS+=("$g $v")
	done < <("$DBK" --complete verbs "$g")
done
[ "${#CMDS[@]}" -ge 20 ] && ok || fail "only ${#CMDS[@]} commands: ${CMDS[*]}"

run help
[ "$RC" -eq 0 ] && ok || fail "help exited $RC"
HELP=$OUT
run --man
[ "$RC" -eq 0 ] && ok || fail "--man exited $RC: $ERR"
MAN=$OUT
# The roff source as text: fonts and \& dropped, \-, "\ " and \e back.
PLAIN=$(printf '%s\n' "$MAN" | sed -e 's/\\f[BIRP]//g' -e 's/\\&//g' \
    -e 's/\\-/-/g' -e 's/\\ / /g' -e 's/\\e/\\/g')

for cmd in "${CMDS[@]}"; do
	# shellcheck disable=SC2086 # the command's words
	run $cmd --help
	[ "$RC" -eq 0 ] && ok || fail "'$cmd --help' exited $RC: $ERR"
	case "$OUT" in *"usage: dealbook $cmd"*) ok ;;
		*) fail "'$cmd --help' has no usage line: $OUT" ;; esac
	case "$OUT" in *"example:"*"dealbook "*) ok ;;
		*) fail "'$cmd --help' has no example: $OUT" ;; esac
	# The example runs this command.
	ex=$(printf '%s\n' "$OUT" | sed -n '/^example:/{n;p;}')
	case "$ex" in *"dealbook "*"$cmd"*) ok ;;
		*) fail "the example of '$cmd' does not run it: $ex" ;; esac
	usage=$(printf '%s\n' "$OUT" | sed -n 's/^usage: //p')
	# shellcheck disable=SC2086
	run help $cmd
	[ "$RC" -eq 0 ] && ok || fail "'help $cmd' exited $RC"
	case "$OUT" in "usage: $usage"*) ok ;;
		*) fail "'help $cmd' differs from --help: $OUT" ;; esac
	printf '%s\n' "$HELP" | grep -q "^  $cmd  *[^ ]" && ok ||
	    fail "'help' does not list '$cmd' with a help line"
	case "$PLAIN" in *"$usage"*) ok ;;
		*) fail "the manual page lacks '$usage'" ;; esac
	case "$PLAIN" in *".SS \"$cmd\""*) ok ;;
		*) fail "the manual page has no section for '$cmd'" ;; esac
done

# 'help GROUP' lists the group's commands; unknown ones are usage errors.
run help customer
[ "$RC" -eq 0 ] && ok || fail "help customer exited $RC"
for v in add edit list rm show; do has "customer $v"; done
run help audit
has "usage: dealbook audit"
has "audit verify"
run help customer frobnicate
[ "$RC" -eq 2 ] && ok || fail "help customer frobnicate exited $RC"
run help frobnicate
[ "$RC" -eq 2 ] && ok || fail "help frobnicate exited $RC"
run help help
[ "$RC" -eq 0 ] && ok || fail "help help exited $RC"
run --help
[ "$RC" -eq 0 ] && ok || fail "--help exited $RC"
has "--man"
run
[ "$RC" -eq 2 ] && ok || fail "no command exited $RC"
case "$ERR" in *"usage: dealbook"*) ok ;; *) fail "no usage on stderr: $ERR" ;; esac
run --version
[ "$RC" -eq 0 ] && ok || fail "--version exited $RC"
[[ $OUT =~ ^dealbook\ [0-9]+\.[0-9]+\.[0-9]+$ ]] && ok || fail "--version: $OUT"

# ---- the manual page ----
[ "$(printf '%s\n' "$MAN" | head -n 1 | cut -c1-14)" = ".TH DEALBOOK 1" ] && ok ||
    fail "the manual page does not start with .TH DEALBOOK 1"
for s in NAME SYNOPSIS DESCRIPTION '"GLOBAL OPTIONS"' COMMANDS '"EXIT STATUS"' \
    ENVIRONMENT FILES EXAMPLES SECURITY; do
	s=${s//\"/}
	printf '%s\n' "$MAN" | grep -qx "\.SH \"\{0,1\}$s\"\{0,1\}" && ok ||
	    fail "the manual page has no $s section"
done
for v in DEALBOOK_STORE DEALBOOK_PASSPHRASE DEALBOOK_NEW_PASSPHRASE \
    XDG_DATA_HOME XDG_RUNTIME_DIR NO_COLOR EDITOR VISUAL LC_ALL LANG; do
	case "$PLAIN" in *"$v"*) ok ;; *) fail "ENVIRONMENT lacks $v" ;; esac
done
for code in 0 1 2 3 4 5 6; do
	printf '%s\n' "$MAN" | grep -qx "\.B $code" && ok || fail "no exit status $code"
done
# Nothing in the text is read as a request or a bare escape.
bad=$(printf '%s\n' "$MAN" | grep -nE "^'|^\.($|[^A-Z\\])" |
    grep -vE '^[0-9]+:\.(TH|SH|SS|PP|TP|RS|RE|nf|fi|br|B|nh|ad)( |$)' || true)
[ -z "$bad" ] && ok || fail "stray requests in the manual page: $bad"
bad=$(printf '%s\n' "$MAN" | grep -n '\\[^-efI&R"B( ]' || true)
[ -z "$bad" ] && ok || fail "unknown escapes in the manual page: $bad"
if command -v groff >/dev/null 2>&1; then
	w=$(printf '%s\n' "$MAN" | groff -k -man -Tutf8 -ww -z 2>&1)
	[ -z "$w" ] && ok || fail "groff warns: $w"
fi

# ---- completion words ----
run --complete options customer add
[ "$RC" -eq 0 ] && ok || fail "--complete options customer add exited $RC"
has "--code"; has "--budget"; has "--help"
run --complete options customer list
has "--stage"
run --complete flags stage
has "--force"; lacks "--check"
run --complete options
has "--store"; has "--version"; has "--man"
run --complete verbs customer
[ "$OUT" = $'add\nedit\nlist\nrm\nshow' ] && ok || fail "verbs customer: $OUT"
run --complete args stage
[ "$OUT" = "<customer> <stage>" ] && ok || fail "args stage: $OUT"
run --complete stages
has "意向"; has "negotiation"; has "lead"
run --complete channels
has "visit"; has "電話"
run --complete roles
has "decision-maker"; has "決策者"
run --complete priorities
has "high"; has "低"
run --complete frobnicate
[ "$RC" -eq 2 ] && ok || fail "--complete frobnicate exited $RC"
run --complete options nosuchgroup
[ "$RC" -eq 2 ] && ok || fail "--complete options nosuchgroup exited $RC"

# Customer codes: only when the store opens without asking.
init_store
expect 0 customer add 海天精密 --code C-0001
expect 0 customer add 'No Code Ltd'
OUT=$(DEALBOOK_PASSPHRASE=$(cat "$PF") timeout 60 "$DBK" --store "$S" \
    --complete customers </dev/null 2>"$T/stderr")
RC=$?
[ "$RC" -eq 0 ] && ok || fail "customers with \$DEALBOOK_PASSPHRASE exited $RC: $(cat "$T/stderr")"
[ "$OUT" = "C-0001" ] && ok || fail "customers with \$DEALBOOK_PASSPHRASE: '$OUT'"
OUT=$(DEALBOOK_STORE=$S timeout 60 "$DBK" --passphrase-file "$PF" \
    --complete customers </dev/null 2>/dev/null)
[ "$OUT" = "C-0001" ] && ok || fail "customers with --passphrase-file: '$OUT'"
OUT=$(timeout 10 "$DBK" --store "$S" --complete customers </dev/null 2>"$T/stderr")
RC=$?
[ "$RC" -eq 0 ] && ok || fail "customers without a passphrase exited $RC"
[ -z "$OUT$(cat "$T/stderr")" ] && ok || fail "customers without a passphrase said: $OUT $(cat "$T/stderr")"
# Not even on a terminal, where a command would ask.
OUT=$(timeout 30 $DRIVE -- "$DBK" --store "$S" --complete customers 2>&1)
RC=$?
[ "$RC" -eq 0 ] && ok || fail "customers on a terminal exited $RC: $OUT"
[ -z "$OUT" ] && ok || fail "customers on a terminal printed: $OUT"
OUT=$(timeout 10 "$DBK" --store "$T/nostore" --passphrase-file "$PF" \
    --complete customers </dev/null 2>&1)
[ $? -eq 0 ] && [ -z "$OUT" ] && ok || fail "customers without a store: $OUT"

# ---- the bash completion script ----
# comp WORD...: complete the last word of a command line.
comp() {
	OUT=$(
		# shellcheck source=/dev/null
		. "$SHARE/dealbook.bash"
		COMP_WORDS=("$DBK" "$@")
		COMP_CWORD=$#
		COMPREPLY=()
		_dealbook 2>/dev/null
		[ "${#COMPREPLY[@]}" -gt 0 ] && printf '%s\n' "${COMPREPLY[@]}"
	)
}
comp ''
has customer; has stage; has help
comp cust
[ "$OUT" = customer ] && ok || fail "complete 'cust': $OUT"
comp -
has --store; has --format
comp --format ''
[ "$OUT" = $'table\njson\ncsv\nmd' ] && ok || fail "complete --format: $OUT"
comp customer ''
[ "$OUT" = $'add\nedit\nlist\nrm\nshow' ] && ok || fail "complete 'customer ': $OUT"
comp customer add X --bud
[ "$OUT" = --budget ] && ok || fail "complete --bud: $OUT"
comp customer list --st
has --stage; has --stalled; lacks --store
comp customer list --stage ''
has intent; has 意向
comp customer list --stage 意
[ "$OUT" = 意向 ] && ok || fail "complete --stage 意: $OUT"
comp log X --channel = ''
has visit; has 電話
comp contact add X Y --role d
[ "$OUT" = decision-maker ] && ok || fail "complete --role d: $OUT"
comp stage X ''
has negotiation; lacks C-0001
comp --store "$S" --passphrase-file "$PF" stage ''
[ "$OUT" = C-0001 ] && ok || fail "complete a customer: $OUT"
comp --store "$S" --passphrase-file "$PF" stage C-0001 --force ''
has 意向
comp --store "$S" stage ''
[ -z "$OUT" ] && ok || fail "completed customers without a passphrase: $OUT"
comp help cu
[ "$OUT" = customer ] && ok || fail "complete 'help cu': $OUT"
comp help audit ''
[ "$OUT" = verify ] && ok || fail "complete 'help audit ': $OUT"
comp audit --
has --since; has --help

# The zsh script, where there is a zsh: it must at least parse.
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$SHARE/_dealbook" && ok || fail "_dealbook does not parse"
fi
bash -n "$SHARE/dealbook.bash" && ok || fail "dealbook.bash does not parse"

# ---- no colour where there must be none ----
expect 0 log C-0001 --summary 'first visit' --next 'send the offer' \
    --due 2020-01-01
for args in "customer list" "todo" "timeline C-0001" "customer show C-0001"; do
	# shellcheck disable=SC2086
	OUT=$(NO_COLOR= TERM=xterm-256color "$DBK" --store "$S" \
	    --passphrase-file "$PF" $args 2>&1)
	case "$OUT" in *"$ESC"*) fail "escape codes in piped '$args'" ;; *) ok ;; esac
	for env in NO_COLOR=1 TERM=dumb; do
		# shellcheck disable=SC2086
		OUT=$(DEALBOOK_NO_PROGRESS=1 timeout 30 $DRIVE -- env TERM=xterm \
		    $env "$DBK" --store "$S" --passphrase-file "$PF" $args 2>&1)
		case "$OUT" in
		*"$ESC"*) fail "escape codes in '$args' on a terminal with $env" ;;
		*) ok ;;
		esac
	done
done

finish
