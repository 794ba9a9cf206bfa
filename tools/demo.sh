#!/usr/bin/env bash
# demo.sh -- build a demo store: the source document's two example
# customers (template 1, tests/fixtures/template1_examples.csv) entered
# through the CLI, plus a generated, realistic 2024 Q2 of a team, then
# print the customer list and one customer's timeline.
#
#   bash tools/demo.sh [BUILD_DIR]        (default: build)
#
# The store is ./demo-store, its passphrase "demo passphrase" in
# ./demo-store.pass -- a demo convenience; real stores ask on the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
DB="$B/dealbook"
GEN="$B/tools/dbk-gen"
S=demo-store
PF=demo-store.pass
export TZ=${TZ:-Asia/Shanghai}

rm -rf "$S"
umask 077
printf 'demo passphrase\n' > "$PF"
d() { "$DB" --store "$S" --passphrase-file "$PF" "$@"; }

echo "== generating a team's 2024 (60 customers, 400 interactions) =="
"$GEN" --store "$S" --passphrase-file "$PF" --kdf interactive \
    --member 王伟 --customers 60 --interactions 400 --seed 2024 >/dev/null

echo "== entering the source document's two example rows =="
d customer add 科技有限公司 --code 20240501 --industry 制造業 \
    --pain '供應鏈效率低，倉儲成本高' --priority high --at 2024-05-06 \
    --budget 50万 --expected 50万 --close-by 2024-08-31
d contact add 20240501 王經理 --title 采購總監 --phone 13800138000 --role decision-maker
d log 20240501 --at '2024-05-10 10:00' --channel 面談 --with '*工（銷售）、*工（技術）' \
    --summary '介紹智能倉儲解決方案，客戶對“庫存周轉率提升30%”數據感興趣，要求提供案例' \
    --feedback '需內部討論，下周反饋預算' --their-next '下周反饋預算' \
    --objection '預算需審批' --next '提交客戶案例與技術白皮書' --due 2024-05-17
d stage 20240501 意向 --at '2024-05-10 12:00' \
    --check budget=yes --check need=yes --check authority=yes

d customer add YY集團 --code 20240502 --industry 互聯網 \
    --pain '系統穩定性不足，需擴容' --at 2024-05-08
d contact add 20240502 李總監 --title 技術負責人 --phone 13956785678 --role influencer
d stage 20240502 意向 --at 2024-05-09 \
    --check budget=yes --check need=yes --check authority=yes
d log 20240502 --at '2024-05-12 15:00' --channel 線上會議 --with '*工、*工（產品）' \
    --summary '演示系統架構方案，客戶關注“擴容后的響應速度”，提出需兼容舊系統' \
    --feedback '技術團隊評估後，下周安排二次溝通' --their-next '下周安排二次溝通' \
    --next '提供兼容性測試報告' --due 2024-05-19
d stage 20240502 方案 --at '2024-05-12 16:00' \
    --check need_clarity=high --check acceptance=medium

echo
echo "== dealbook customer list --stage intent =="
d customer list --stage intent
echo
all=$(d customer list)
echo "== dealbook customer list (first 15 of $(($(printf '%s\n' "$all" | wc -l) - 2)) customers) =="
printf '%s\n' "$all" | sed -n 1,17p
echo
echo "== dealbook timeline 20240501 =="
d timeline 20240501
echo
echo "Demo store: $S (passphrase in $PF).  Try:"
echo "  $DB --store $S --passphrase-file $PF --reveal customer show 20240501"
