#!/usr/bin/env bash
# editor_script.sh -- a stand-in for $EDITOR in the tests: edits the file
# named by $1 in place as the environment says, without a terminal.
#   DBK_EDIT_SAVE=PATH    copy the file as received to PATH, its name to
#                         PATH.name
#   DBK_EDIT_EXIT=N       exit N (after saving) without changing anything
#   DBK_EDIT_SUMMARY, DBK_EDIT_FEEDBACK, DBK_EDIT_NEXT, DBK_EDIT_DUE,
#   DBK_EDIT_AT, DBK_EDIT_CHANNEL, DBK_EDIT_WITH
#                         the value of that key's line
#   DBK_EDIT_OBJECTIONS=A|B  replace the objection lines with one per item
#   DBK_EDIT_APPEND=LINE  add LINE at the end
set -eu
f=${1:?usage: editor_script.sh FILE}
if [ -n "${DBK_EDIT_SAVE:-}" ]; then
	cp "$f" "$DBK_EDIT_SAVE"
	printf '%s\n' "$f" > "$DBK_EDIT_SAVE.name"
fi
if [ -n "${DBK_EDIT_EXIT:-}" ]; then
	exit "$DBK_EDIT_EXIT"
fi
# set_key KEY VALUE: replace the value on KEY's line.
set_key() {
	local esc
	esc=$(printf '%s' "$2" | sed 's/[\\|&]/\\&/g')
	sed -i "s|^$1:.*|$1: $esc|" "$f"
}
for kv in summary:SUMMARY feedback:FEEDBACK next:NEXT due:DUE at:AT \
    channel:CHANNEL with:WITH; do
	var=DBK_EDIT_${kv#*:}
	if [ -n "${!var+x}" ]; then
		set_key "${kv%%:*}" "${!var}"
	fi
done
if [ -n "${DBK_EDIT_OBJECTIONS:-}" ]; then
	sed -i '/^objection:/d' "$f"
	rest=$DBK_EDIT_OBJECTIONS
	while :; do
		printf 'objection: %s\n' "${rest%%|*}" >> "$f"
		case $rest in *'|'*) rest=${rest#*|} ;; *) break ;; esac
	done
fi
if [ -n "${DBK_EDIT_APPEND:-}" ]; then
	printf '%s\n' "$DBK_EDIT_APPEND" >> "$f"
fi
exit 0
