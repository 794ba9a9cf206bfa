#!/usr/bin/env bash
# Editing keeps every superseded value: a record edited twice shows three
# versions of the field, oldest first, with who wrote each.
. "$(dirname "$0")/lib.sh"

init_store 張敏
expect 0 customer add YY集团 --code 20240502 --industry 互联网
expect 0 customer edit 20240502 --industry 金融
has "1 field changed"
expect 0 customer edit 20240502 --industry 物流
expect 0 customer edit 20240502 --industry 物流
has "0 fields changed"
expect 0 --format csv history 20240502
lines=$(printf '%s\n' "$OUT" | grep -c '^industry,')
[ "$lines" -eq 3 ] && ok || fail "expected 3 industry versions, got $lines: $OUT"
order=$(printf '%s\n' "$OUT" | grep '^industry,' | cut -d, -f2 | tr '\n' ' ')
[ "$order" = "互联网 金融 物流 " ] && ok || fail "version order: $order"
cur=$(printf '%s\n' "$OUT" | grep '^industry,' | cut -d, -f6 | tr '\n' ' ')
[ "$cur" = "false false true " ] && ok || fail "current flags: $cur"
who=$(printf '%s\n' "$OUT" | grep '^industry,' | cut -d, -f4 | sort -u)
[ "$who" = "張敏" ] && ok || fail "author: $who"
# ... and the laptop it was written on: this store's replica, one for all.
reps=$(printf '%s\n' "$OUT" | grep '^industry,' | cut -d, -f5 | sort -u)
case "$reps" in [0-9a-f][0-9a-f][0-9a-f][0-9a-f]*) ok ;; *) fail "replica: $reps" ;; esac
[ ${#reps} -eq 16 ] && ok || fail "replica id length: $reps"

# Sensitive history is masked too, and shown with --reveal.
expect 0 customer edit 20240502 --budget 100万
expect 0 customer edit 20240502 --budget 120万
expect 0 --format csv history 20240502
lacks "1,000,000"
lacks "1000000"
expect 0 --reveal --format csv history 20240502
has "1000000.00"
has "1200000.00"
# Removal is a tombstone: gone from lists, history kept.
expect 0 customer rm 20240502
expect 0 customer list
lacks "YY集团"
expect 4 customer show 20240502
finish
