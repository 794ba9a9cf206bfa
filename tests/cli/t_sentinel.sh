#!/usr/bin/env bash
# A store filled from fixed inputs holds none of the sentinel plaintexts
# anywhere in its files (names, budgets, phones, summaries, in UTF-8).
. "$(dirname "$0")/lib.sh"

init_store 李娜
expect 0 customer add 金鼎精密機械SENTINEL --code 20249901 --industry 航天製造 \
    --budget 7654321 --revenue 1.2亿 --pain 倉儲週轉率極低SENTINEL --at 2024-05-01
expect 0 contact add 20249901 歐陽經理 --title 採購總監 --phone 13987654321 \
    --email ouyang.sentinel@example.com
expect 0 log 20249901 --at '2024-05-10 10:00' --channel visit \
    --summary '展示了智能倉儲方案並承諾下週二提供白皮書SENTINEL' \
    --objection '預算審批要等到第三季度SENTINEL'
expect 0 deal add 20249901 8765432 --signed 2024-05-20

sentinels=(
	'金鼎精密機械SENTINEL' '航天製造' '倉儲週轉率極低SENTINEL' '歐陽經理'
	'13987654321' 'ouyang.sentinel@example.com'
	'展示了智能倉儲方案並承諾下週二提供白皮書SENTINEL'
	'預算審批要等到第三季度SENTINEL' '20249901'
	'765432100' '876543200' '12000000000' 'SENTINEL'
)
# Sanity: the values are there when asked for (the test can fail).
expect 0 --reveal customer show 20249901
has '金鼎精密機械SENTINEL'
has '7,654,321'
for s in "${sentinels[@]}"; do
	if grep -a -r -F -q -- "$s" "$S"; then
		fail "plaintext '$s' found in the store files"
	else
		ok
	fi
done
# Also as UTF-16 or hex?  The store never holds those forms; check the
# hex of the customer code in case a key carried it.
if grep -a -r -F -q -- "$(printf '20249901' | xxd -p 2>/dev/null || echo 3230323439393031)" "$S"; then
	fail "hex of the customer code found"
else
	ok
fi
finish
