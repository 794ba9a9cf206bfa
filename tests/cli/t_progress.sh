#!/usr/bin/env bash
# Long operations (backup, doctor, export, import) show a progress line on
# a terminal and nothing when piped.
. "$(dirname "$0")/lib.sh"
DRIVE="python3 $(dirname "$0")/tty_drive.py"

init_store
for i in $(seq 1 30); do expect 0 customer add "客戶$i" --code "P$i"; done
# Piped: stderr stays empty.
expect 0 doctor
[ -z "$ERR" ] && ok || fail "doctor printed to a pipe: $ERR"
expect 0 backup "$T/b1.mdb"
[ -z "$ERR" ] && ok || fail "backup printed to a pipe: $ERR"
case "$OUT" in *$'\r'*) fail "a carriage return in piped output" ;; *) ok ;; esac
# On a terminal: a progress line that ends in "done".
OUT=$($DRIVE -- "$DBK" --store "$S" --passphrase-file "$PF" doctor 2>&1)
case "$OUT" in *"doctor: "*"%"*"doctor: done"*) ok ;; *) fail "doctor on a terminal: $OUT" ;; esac
OUT=$($DRIVE -- "$DBK" --store "$S" --passphrase-file "$PF" backup "$T/b2.mdb" 2>&1)
case "$OUT" in *"backup: "*"backup: done"*) ok ;; *) fail "backup on a terminal: $OUT" ;; esac
OUT=$($DRIVE -- env DEALBOOK_NO_PROGRESS=1 "$DBK" --store "$S" --passphrase-file "$PF" doctor 2>&1)
case "$OUT" in *"doctor: "*) fail "DEALBOOK_NO_PROGRESS ignored: $OUT" ;; *) ok ;; esac
# export and import of a few hundred records (dbk-gen, built beside).
GEN="$(dirname "$DBK")/tools/dbk-gen"
"$GEN" --store "$T/snd" --passphrase-file "$PF" --kdf "$KDF" \
    --customers 200 --interactions 300 --seed 5 >/dev/null || fail "dbk-gen"
"$DBK" --store "$T/rcv" --passphrase-file "$PF" init --member R --kdf "$KDF" >/dev/null
IR=$("$DBK" --store "$T/rcv" --passphrase-file "$PF" whoami | cut -d' ' -f1)
IS=$("$DBK" --store "$T/snd" --passphrase-file "$PF" whoami | cut -d' ' -f1)
"$DBK" --store "$T/snd" --passphrase-file "$PF" member add R "$IR" >/dev/null
"$DBK" --store "$T/rcv" --passphrase-file "$PF" member add S "$IS" >/dev/null
OUT=$($DRIVE -- "$DBK" --store "$T/snd" --passphrase-file "$PF" export --to R -o "$T/b.bundle" 2>&1)
case "$OUT" in *"export: "*"export: done"*) ok ;; *) fail "export on a terminal: $OUT" ;; esac
OUT=$($DRIVE -- "$DBK" --store "$T/rcv" --passphrase-file "$PF" import "$T/b.bundle" 2>&1)
case "$OUT" in *"import: "*"import: done"*) ok ;; *) fail "import on a terminal: $OUT" ;; esac
ERR=$("$DBK" --store "$T/snd" --passphrase-file "$PF" export --to R -o "$T/b2.bundle" 2>&1 >/dev/null)
[ -z "$ERR" ] && ok || fail "export printed to a pipe: $ERR"
finish
