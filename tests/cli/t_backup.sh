#!/usr/bin/env bash
# Backups: taken while another process writes, each backup restores
# (copied to NEWDIR/data.mdb) into a consistent store that passes doctor
# and audit verify and opens with the same passphrase; a backup over an
# existing file replaces it by rename (atomically); a backup into a
# missing directory fails with one line and leaves no temporary file;
# the compacted backup is smaller than data.mdb, which never shrinks.
. "$(dirname "$0")/lib.sh"
TESTB=${DBK_TEST_BUILD:-0}

# dbs DIR ARGS...: db on another store.
dbs() {
	local saved=$S
	S=$1
	shift
	db "$@"
	S=$saved
}
size() { stat -c %s "$1"; }
no_temp_files() {
	local left
	left=$(find "$1" -maxdepth 1 -name '*.tmp-*' | head -3)
	[ -z "$left" ] && ok || fail "temporary files left behind: $left"
}
# restored NAME BACKUP: a new store dir holding the backup; sets R.
restored() {
	R="$T/restore-$1"
	mkdir -m 700 "$R"
	cp "$2" "$R/data.mdb"
}

init_store 王伟
expect 0 whoami
ME=$OUT
expect 0 customer add 海天精密 --code C1

# ---- backups while another process writes ----
NW=30
(
	for i in $(seq 1 "$NW"); do
		"$DBK" --store "$S" --passphrase-file "$PF" log C1 --summary "b$i" \
		    >/dev/null 2>>"$T/writer.err" || echo "$i" >>"$T/writer.fail"
	done
) &
W=$!
alive=0
for k in 1 2 3; do
	sleep 0.0$((RANDOM % 4 + 1))
	kill -0 "$W" 2>/dev/null && alive=$((alive + 1))
	expect 0 backup "$T/bk$k.mdb"
	has "backup written to $T/bk$k.mdb"
done
wait "$W"
[ ! -e "$T/writer.fail" ] && ok ||
    fail "writes failed during backups: $(cat "$T/writer.fail" "$T/writer.err" 2>/dev/null)"
[ "$alive" -ge 1 ] && ok || fail "the writer finished before any backup started"
echo "backups taken while the writer ran: $alive of 3"
expect 0 --format csv timeline C1
[ "$(printf '%s\n' "$OUT" | grep -c ',interaction,.*,b[0-9]*$')" -eq "$NW" ] && ok ||
    fail "the store lacks some of the $NW interactions: $OUT"
expect 0 doctor

prev=0
for k in 1 2 3; do
	[ "$(stat -c %a "$T/bk$k.mdb")" = 600 ] && ok || fail "backup $k mode"
	restored "$k" "$T/bk$k.mdb"
	dbs "$R" doctor
	[ "$RC" -eq 0 ] && ok || fail "restored backup $k: doctor exited $RC: $OUT $ERR"
	dbs "$R" audit verify
	[ "$RC" -eq 0 ] && ok || fail "restored backup $k: audit verify exited $RC: $ERR"
	# The same identity, the same passphrase.
	dbs "$R" whoami
	[ "$OUT" = "$ME" ] && ok || fail "restored backup $k: whoami '$OUT'"
	# A consistent snapshot: the first M interactions, no gaps.
	dbs "$R" --format csv timeline C1
	got=$(printf '%s\n' "$OUT" | sed -n 's/.*,interaction,.*,b\([0-9]*\)$/\1/p' | sort -n | tr '\n' ' ')
	m=$(printf '%s' "$got" | wc -w)
	if [ "$m" -eq 0 ]; then want=""; else want="$(seq -s ' ' 1 "$m") "; fi
	[ "$got" = "$want" ] && ok || fail "backup $k holds a gapped set: $got"
	[ "$m" -ge "$prev" ] && ok || fail "backup $k holds fewer writes ($m) than the one before ($prev)"
	prev=$m
	echo "backup $k holds $m of $NW interactions"
done
# A wrong passphrase is still refused by a restored copy.
printf 'wrong\n' >"$T/wrong"
OUT=$("$DBK" --store "$R" --passphrase-file "$T/wrong" whoami 2>&1)
[ $? -eq 3 ] && ok || fail "restored copy with a wrong passphrase: $OUT"
# A restored copy is a store of its own: writing to it leaves the
# original alone.
before=$(store_hash)
dbs "$R" log C1 --summary 只在副本
[ "$RC" -eq 0 ] && ok || fail "writing to the restored copy: $ERR"
dbs "$R" doctor
[ "$RC" -eq 0 ] && ok || fail "restored copy after a write: $OUT"
[ "$(store_hash)" = "$before" ] && ok || fail "writing the copy changed the original"

# ---- over an existing file: replaced by rename ----
printf 'old contents\n' >"$T/exist.mdb"
ln "$T/exist.mdb" "$T/exist.link"
ino=$(stat -c %i "$T/exist.mdb")
expect 0 backup "$T/exist.mdb"
[ "$(stat -c %i "$T/exist.mdb")" != "$ino" ] && ok ||
    fail "the existing file was overwritten in place, not replaced"
[ "$(cat "$T/exist.link")" = "old contents" ] && ok ||
    fail "the old file's contents changed (not an atomic replace)"
restored exist "$T/exist.mdb"
dbs "$R" doctor
[ "$RC" -eq 0 ] && ok || fail "the replacing backup does not restore: $OUT $ERR"
no_temp_files "$T"

# ---- into a missing directory, or onto a directory ----
expect 1 backup "$T/nodir/x.mdb"
err_one_line
err_has "$T/nodir/x.mdb"
[ ! -e "$T/nodir" ] && ok || fail "backup created the missing directory"
no_temp_files "$T"
mkdir "$T/adir"
expect 5 backup "$T/adir"
err_one_line
err_has "not a regular file"
[ -z "$(ls -A "$T/adir")" ] && ok || fail "backup wrote into the directory"
no_temp_files "$T"
expect 2 backup

# ---- compaction ----
# The brief's case: many customers with long text, most of it cleared.
# Clearing keeps the old text in history, so it frees little; data.mdb
# still never shrinks, and the compacted copy leaves the free pages out.
S2="$T/mass"
dbs "$S2" init --member 王伟 --kdf "$KDF"
if [ "$TESTB" = 1 ]; then NC=200; else NC=60; fi
LONG=$(head -c 4000 /dev/zero | tr '\0' m)
for i in $(seq 1 "$NC"); do
	"$DBK" --store "$S2" --passphrase-file "$PF" customer add "客戶$i" \
	    --code "M$i" --business "$LONG$i" >/dev/null || fail "adding M$i"
done
sz0=$(size "$S2/data.mdb")
for i in $(seq 1 $((NC - 20))); do
	"$DBK" --store "$S2" --passphrase-file "$PF" edit "M$i" --set business= \
	    >/dev/null || fail "clearing M$i"
done
for i in $(seq 1 $((NC * 3 / 4))); do
	"$DBK" --store "$S2" --passphrase-file "$PF" customer rm "M$i" \
	    >/dev/null || fail "removing M$i"
done
sz1=$(size "$S2/data.mdb")
dbs "$S2" backup "$T/mass.mdb"
[ "$RC" -eq 0 ] && ok || fail "backup of the mass store: $ERR"
bk=$(size "$T/mass.mdb")
echo "mass deletes: data.mdb $sz0 -> $sz1 bytes, backup $bk bytes"
[ "$sz1" -ge "$sz0" ] && ok || fail "data.mdb shrank ($sz0 -> $sz1)"
[ "$bk" -lt "$sz1" ] && ok || fail "the backup ($bk) is not smaller than data.mdb ($sz1)"
restored mass "$T/mass.mdb"
dbs "$R" doctor
[ "$RC" -eq 0 ] && ok || fail "the compacted backup does not pass doctor: $OUT $ERR"
dbs "$R" --format csv customer list
[ "$(printf '%s\n' "$OUT" | tail -n +2 | grep -c .)" -eq $((NC - NC * 3 / 4)) ] && ok ||
    fail "the compacted backup lists the wrong customers"
dbs "$R" customer show "M$NC"
has "$LONG$NC"

# Where space is really freed: a large record rewritten (every log
# updates the customer's last contact) leaves its old pages free.
S3="$T/big"
dbs "$S3" init --member 王伟 --kdf "$KDF"
BIG=$(head -c 120000 /dev/zero | tr '\0' b)
dbs "$S3" customer add 大客戶 --code B1 --business "$BIG" --pain "$BIG" --industry "$BIG"
[ "$RC" -eq 0 ] && ok || fail "adding the large customer: $ERR"
for i in 1 2 3 4 5; do
	dbs "$S3" log B1 --summary "r$i"
	[ "$RC" -eq 0 ] || fail "log r$i: $ERR"
done
dbs "$S3" backup "$T/big.mdb"
sz=$(size "$S3/data.mdb")
bk=$(size "$T/big.mdb")
echo "record rewrites: data.mdb $sz bytes, backup $bk bytes"
[ $((bk * 10)) -lt $((sz * 7)) ] && ok ||
    fail "the backup ($bk) is not well under data.mdb ($sz)"
restored big "$T/big.mdb"
dbs "$R" doctor
[ "$RC" -eq 0 ] && ok || fail "the big backup does not pass doctor: $OUT $ERR"
dbs "$R" --format csv customer show B1
has "$BIG"
no_temp_files "$T"
# R18: a backup that hits a file-size limit (like a full disk) fails
# with one clear line and leaves no file at the target, nor a temp file.
lim="$T/limited"
mkdir -p "$lim"
( ulimit -f 16; "$DBK" --store "$S" --passphrase-file "$PF" backup "$lim/b.mdb" ) \
    >"$T/o" 2>"$T/e" && RC=0 || RC=$?
[ "$RC" -ne 0 ] && ok || fail "a backup over the size limit succeeded"
[ "$(grep -c 'dealbook:' "$T/e")" -eq 1 ] && ok || fail "size-limit message: $(cat "$T/e")"
[ -z "$(ls -A "$lim")" ] && ok || fail "files left behind: $(ls -A "$lim")"
# Never into the store's own directory (it would replace data.mdb).
before=$(store_hash)
expect 5 backup "$S/data.mdb"
err_has "store's own directory"
expect 5 backup "$S/other.mdb"
[ "$(store_hash)" = "$before" ] && ok || fail "a refused backup changed the store"
[ ! -e "$S/other.mdb" ] && ok || fail "a file was left in the store directory"
finish
