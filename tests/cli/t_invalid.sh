#!/usr/bin/env bash
# Invalid stage, date, amount and enum values exit 5, name the value in
# one sentence, and leave the store's bytes exactly as they were.
. "$(dirname "$0")/lib.sh"

init_store
expect 0 customer add 科技有限公司 --code 20240501
expect 0 log 20240501 --summary first --at '2024-05-10 10:00'
before=$(store_hash)

check_bad() { # value-that-must-be-named ARGS...
	local v=$1; shift
	expect 5 "$@"
	err_has "'$v'"
	err_one_line
	[ "$(store_hash)" = "$before" ] && ok || fail "store changed by: $*"
}

check_bad wom        stage 20240501 wom
check_bad 談崩       stage 20240501 談崩
check_bad 2024-13-01 log 20240501 --summary x --at 2024-13-01
check_bad 2023-02-29 customer add Z --at 2023-02-29
check_bad yesterdayish deal add 20240501 100 --signed yesterdayish
check_bad 5,00,000   deal add 20240501 5,00,000
check_bad abc        customer add Z --budget abc
check_bad -5         customer add Z --expected -5
check_bad 1.234      deal add 20240501 1.234
check_bad carrier-pigeon log 20240501 --summary x --channel carrier-pigeon
check_bad urgent     customer add Z --priority urgent
check_bad boss       contact add 20240501 王經理 --role boss
check_bad 120        stage 20240501 intent --check budget=yes --check need=yes \
    --check authority=yes --probability 120
check_bad maybe      stage 20240501 intent --check budget=maybe
check_bad colour     stage 20240501 intent --check colour=red
check_bad nosuchfield customer add Z --set nosuchfield=1
check_bad stage      customer add Z --set stage=won
check_bad 2999-01-01 log 20240501 --summary x --at 2999-01-01
check_bad lots       customer add Z --employees lots
check_bad 20240501   customer add Dup --code 20240501
check_bad lead       stage 20240501 lead
# A gate that fails is invalid input too (exit 5), naming what is missing.
expect 5 stage 20240501 proposal
err_has "budget=yes"
err_has "need_clarity answered"
[ "$(store_hash)" = "$before" ] && ok || fail "store changed by a failed gate"

# Unknown records exit 4.
expect 4 timeline NOPE
err_has "'NOPE'"
expect 4 history ffffffff
expect 4 payment add deadbeef 100
[ "$(store_hash)" = "$before" ] && ok || fail "store changed by a lookup"
finish
