#!/usr/bin/env bash
# Edges found in review: empty views, removed customers, dates and
# amounts of deals and payments, required fields, back-dated stages,
# repeated checks, and personal data in error messages.
. "$(dirname "$0")/lib.sh"

init_store
# Empty views print their headings and exit 0.
expect 0 todo
has "due"
expect 0 customer add 海天精密 --code H1 --at 2024-05-01
expect 0 --format csv history H1
has "name,海天精密"

# Repeated check: refused rather than read two ways.
before=$(store_hash)
expect 5 stage H1 intent --check budget=yes --check need=yes \
    --check authority=yes --check budget=no
err_has "given twice"
[ "$(store_hash)" = "$before" ] && ok || fail "a refused stage change wrote"

# Stage changes entered late become history; the current stage stays.
expect 0 stage H1 intent --check budget=yes --check need=yes --check authority=yes \
    --at 2024-06-01
expect 0 stage H1 lost --at 2024-05-20 --note 'lost for a while'
has "recorded as history"
expect 0 --format csv customer list
has ",intent,"
expect 0 --format csv timeline H1
has "lead -> lost"
expect 5 stage H1 won --at 2024-04-01 --force
err_has "before the customer became a lead"

# Deals and payments: no future dates, no zero amounts, no payment
# before its deal was signed.
expect 5 deal add H1 100 --signed 2999-01-01
err_has "lies in the future"
expect 5 deal add H1 0
err_has "'0' is zero"
expect 0 --format json deal add H1 10万 --signed 2024-06-10
did=$(printf '%s' "$OUT" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
expect 5 payment add "$did" 5万 --at 2024-06-01
err_has "before the deal was signed"
expect 0 payment add "$did" 5万 --at 2024-06-11

# A required field cannot be cleared by an edit.
expect 5 customer edit H1 --set name=
err_has "cannot be cleared"
expect 5 edit "$did" --set amount=
err_has "cannot be cleared"
# System fields say who sets them; the library's own "@seconds" is refused.
expect 5 customer edit H1 --set stage=won
err_has "'stage'"
expect 5 customer edit H1 --at @99999999999
err_has "'@99999999999'"
expect 5 customer edit H1 --at 2999-01-01
err_has "lies in the future"

# Removing: only by code, id or whole name, never a fragment.
expect 0 customer add 海天精密二廠 --code H2
expect 4 customer rm 二廠
err_has "whole name"
expect 0 customer rm H2
has "history"
# ... and history still reaches it, by the code it had.
expect 0 --format csv history H2
has "name,海天精密二廠"
has "_del,true"
# Its deals and payments leave the listings with it.
expect 0 customer add 臨時客戶 --code H3
expect 0 --format json deal add H3 1万 --signed 2024-06-10
d3=$(printf '%s' "$OUT" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
expect 0 customer rm H3
expect 0 --format csv deal list
lacks "$d3"
expect 4 payment add "$d3" 1000
err_has "removed customer"

# CSV cells a spreadsheet would run as formulas are defused.
expect 0 customer add '=HYPERLINK("http://x","y")' --code '@SUM(A1)'
expect 0 --format csv customer list
has "'@SUM(A1)"
has "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
# Contacts with Latin names show initials only.
expect 0 contact add H1 'Wang Wei'
expect 0 contact list H1
has "W. W."
lacks "Wang"
# Status commands speak JSON when asked (docs/CLI.md).
expect 0 --format json doctor
has '{"check":"passed"}'
expect 0 --format json audit verify
has '"audit":"intact"'
expect 0 --format json backup "$T/b.mdb"
has '{"backup":"'
finish
