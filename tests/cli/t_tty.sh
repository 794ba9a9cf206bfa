#!/usr/bin/env bash
# The passphrase from the terminal: init asks twice without echo, a
# mismatch changes nothing, later commands ask once.
. "$(dirname "$0")/lib.sh"
DRIVE="python3 $(dirname "$0")/tty_drive.py"

OUT=$($DRIVE 'tty secret 1' 'tty secret 2' -- "$DBK" --store "$S" init \
    --member 趙六 --kdf "$KDF" 2>&1) && RC=0 || RC=$?
[ "$RC" -eq 5 ] && ok || fail "mismatched passphrases exited $RC: $OUT"
case "$OUT" in *"differ"*) ok ;; *) fail "mismatch message: $OUT" ;; esac
[ ! -e "$S/data.mdb" ] && ok || fail "a store was created despite the mismatch"

OUT=$($DRIVE 'tty secret' 'tty secret' -- "$DBK" --store "$S" init \
    --member 趙六 --kdf "$KDF" 2>&1) && RC=0 || RC=$?
[ "$RC" -eq 0 ] && ok || fail "init on a terminal exited $RC: $OUT"
case "$OUT" in *"New passphrase:"*"Repeat the passphrase:"*) ok ;;
	*) fail "prompts: $OUT" ;; esac
case "$OUT" in *"tty secret"*) fail "the passphrase was echoed: $OUT" ;; *) ok ;; esac

OUT=$($DRIVE 'tty secret' -- "$DBK" --store "$S" whoami 2>&1) && RC=0 || RC=$?
[ "$RC" -eq 0 ] && ok || fail "whoami on a terminal exited $RC: $OUT"
case "$OUT" in *"dbk1:"*"趙六"*) ok ;; *) fail "whoami: $OUT" ;; esac
OUT=$($DRIVE 'wrong' -- "$DBK" --store "$S" whoami 2>&1) && RC=0 || RC=$?
[ "$RC" -eq 3 ] && ok || fail "a wrong passphrase on a terminal exited $RC"
finish
