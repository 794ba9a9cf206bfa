#!/usr/bin/env bash
# The unlock agent: commands skip the passphrase while it runs; its socket
# is private (0600 in a 0700 directory) and it answers only its own user;
# lock, lifetime and idle end it, after which commands ask again.
. "$(dirname "$0")/lib.sh"
DRIVE="python3 $(dirname "$0")/tty_drive.py"
CLIENT="python3 $(dirname "$0")/agent_client.py"
export XDG_RUNTIME_DIR="$T/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
AGENT_PIDS=()
cleanup_agents() { "$DBK" --store "$S" lock >/dev/null 2>&1 || true; }
trap 'cleanup_agents; rm -rf "$T"' EXIT

# nopass ARGS: run with no passphrase source at all and no terminal.
nopass() {
	OUT=$("$DBK" --store "$S" "$@" </dev/null 2>"$T/stderr")
	RC=$?
	ERR=$(cat "$T/stderr")
}

init_store 王伟
expect 0 customer add 海天精密 --code H1
nopass whoami
[ "$RC" -eq 3 ] && ok || fail "without agent or passphrase: exit $RC"

expect 5 unlock --for forever
err_has "'forever'"
expect 5 unlock --idle 0s
printf 'wrong\n' > "$T/wrong"
OUT=$("$DBK" --store "$S" --passphrase-file "$T/wrong" unlock 2>&1) && RC=0 || RC=$?
[ "$RC" -eq 3 ] && ok || fail "unlock with a wrong passphrase: exit $RC"
[ -z "$(ls -A "$XDG_RUNTIME_DIR/dealbook" 2>/dev/null)" ] && ok || fail "a socket after a failed unlock"

expect 0 unlock --for 1h
has "unlocked for 1h00m"
sockf=$(ls "$XDG_RUNTIME_DIR"/dealbook/agent-*.sock)
[ "$(stat -c %a "$XDG_RUNTIME_DIR/dealbook")" = 700 ] && ok || fail "agent dir mode"
[ "$(stat -c %a "$sockf")" = 600 ] && ok || fail "socket mode $(stat -c %a "$sockf")"

# Commands now need no passphrase (none is given, and there is no terminal).
nopass customer list
[ "$RC" -eq 0 ] && ok || fail "with the agent: exit $RC ($ERR)"
case "$OUT" in *海天精密*) ok ;; *) fail "with the agent: $OUT" ;; esac
nopass log H1 --summary '電話跟進'
[ "$RC" -eq 0 ] && ok || fail "log with the agent: exit $RC ($ERR)"
nopass unlock
case "$OUT" in *"already unlocked"*) ok ;; *) fail "second unlock: $OUT" ;; esac

# passwd proves knowledge of the passphrase: the agent does not stand in.
printf 'another\n' > "$T/newpass"
nopass passwd --new-passphrase-file "$T/newpass"
[ "$RC" -eq 3 ] && ok || fail "passwd through the agent: exit $RC ($OUT)"
# An explicit (wrong) passphrase is checked, not bypassed by the agent.
OUT=$("$DBK" --store "$S" --passphrase-file "$T/wrong" whoami 2>&1) && RC=0 || RC=$?
[ "$RC" -eq 3 ] && ok || fail "a wrong passphrase file with the agent: exit $RC"

# The agent answers its own user: the key for this store, "E" for another.
n=$($CLIENT "$sockf" "$S")
[ "$n" = 33 ] && ok || fail "own user, right store: $n bytes"
n=$($CLIENT "$sockf" -)
[ "$n" = 1 ] && ok || fail "own user, another store: $n bytes"
# Another user cannot reach the socket; and with the modes opened up on
# purpose, the agent itself still refuses (SO_PEERCRED).
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && [ -x /usr/bin/python3 ]; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	chmod 755 "$T"
	# The script goes in on stdin: nobody may not read this tree.
	pyc=/usr/bin/python3
	n=$(as_nobody "$pyc" - "$sockf" - <"$(dirname "$0")/agent_client.py" 2>&1)
	case "$n" in connect-failed*) ok ;; *) fail "another user reached the socket: $n" ;; esac
	chmod 711 "$XDG_RUNTIME_DIR" "$XDG_RUNTIME_DIR/dealbook"
	chmod 666 "$sockf"
	n=$(as_nobody "$pyc" - "$sockf" - <"$(dirname "$0")/agent_client.py" 2>&1)
	[ "$n" = 0 ] && ok || fail "the agent answered another user: $n"
	chmod 700 "$XDG_RUNTIME_DIR" "$XDG_RUNTIME_DIR/dealbook" "$T"
	chmod 600 "$sockf"
else
	echo "(not root: the second-user checks need root and setpriv)"
fi

# lock ends it: the next command asks for the passphrase on the terminal.
expect 0 lock
has "locked"
[ -z "$(ls -A "$XDG_RUNTIME_DIR/dealbook")" ] && ok || fail "socket left after lock"
OUT=$($DRIVE 'correct horse battery staple' -- "$DBK" --store "$S" whoami 2>&1) && RC=0 || RC=$?
case "$OUT" in *"Passphrase:"*) ok ;; *) fail "no prompt after lock: $OUT" ;; esac
[ "$RC" -eq 0 ] && ok || fail "whoami after lock: exit $RC"
expect 0 lock
has "not unlocked"

# The lifetime and the idle period end it by themselves.
# (Generous margins: sanitizer builds on a loaded machine are slow.)
expect 0 unlock --for 2s
sleep 4
nopass whoami
[ "$RC" -eq 3 ] && ok || fail "agent outlived --for 2s: exit $RC"
expect 0 unlock --for 1h --idle 5s
nopass whoami
[ "$RC" -eq 0 ] && ok || fail "agent gone before its idle period: exit $RC ($ERR)"
sleep 7
nopass whoami
[ "$RC" -eq 3 ] && ok || fail "agent outlived --idle 5s: exit $RC"
# An agent left serving a store that has since been replaced at the same
# path is not taken for this store's: unlock replaces it.
expect 0 unlock --for 1h
"$DBK" --store "$S" lock >/dev/null 2>&1 || true
expect 0 unlock --for 1h
rm -rf "$S"
expect 0 init --member 新店 --kdf "$KDF"
expect 0 unlock --for 1h
has "unlocked for"
nopass whoami
case "$OUT" in *"新店"*) ok ;; *) fail "after replacing the store: $OUT ($ERR)" ;; esac
expect 0 lock
finish
