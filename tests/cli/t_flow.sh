#!/usr/bin/env bash
# The entry commands end to end: customers, contacts, interactions with
# every field, objections, stages with gates, deals, payments, timeline,
# to-do, listings and their filters, JSON output.
. "$(dirname "$0")/lib.sh"

init_store 王伟
# Source document, template 1, row 1 (customer 20240501).
expect 0 customer add 科技有限公司 --code 20240501 --industry 制造业 \
    --pain '供应链效率低,仓储成本高' --at 2024-05-02 --priority 高 --budget 50万
has "added customer"
expect 0 contact add 20240501 王經理 --title 采购总监 --phone 13812345678 --role 決策者
expect 0 log 20240501 --at '2024-05-10 14:00' --channel 面谈 \
    --with '王經理; 我方销售+技术' \
    --summary '介绍智能仓储解决方案,客户对库存周转率提升30%数据感兴趣,要求提供案例' \
    --feedback '需内部讨论,下周反馈预算' --their-next '下周反馈预算' \
    --objection '预算需审批' --objection '担心与旧系统兼容' \
    --competitor '某友商报价低15%' --opportunity '增值服务需求' \
    --next '提交客户案例与技术白皮书' --due 2024-05-17
has "flagged late"
# Row 2 (customer 20240502): online meeting, stage proposal.
expect 0 customer add YY集团 --code 20240502 --industry 互联网 --at 2024-05-03
expect 0 log 20240502 --at '2024-05-12 15:00' --channel 线上会议 \
    --summary '演示系统架构方案,客户关注扩容后的响应速度' \
    --next '提供兼容性测试报告' --due 2024-05-19

# Objections are records; resolve one by id prefix.
expect 0 --format csv objection list 20240501
n=$(printf '%s\n' "$OUT" | tail -n +2 | grep -c .)
[ "$n" -eq 2 ] && ok || fail "expected 2 objections, got $n"
oid=$(printf '%s\n' "$OUT" | grep '预算需审批' | cut -d, -f1)
expect 0 objection resolve "$oid" --response '分两期付款'
expect 5 objection resolve "$oid"
err_has "already resolved"
expect 0 --format csv objection list 20240501
has "预算需审批,true,分两期付款"

# Stage gates: intent needs budget, need and authority.
expect 5 stage 20240501 意向
err_has "budget=yes"
expect 0 stage 20240501 意向 --check budget=yes --check need=yes --check authority=yes \
    --at 2024-05-10
has "lead -> intent (win probability 25%)"
# Proposal needs need_clarity and acceptance; a refused command stores
# none of its answers, a successful one keeps them for later gates.
expect 5 stage 20240501 proposal --check need_clarity=high
err_has "acceptance answered"
expect 5 stage 20240501 proposal --check acceptance=medium
err_has "need_clarity answered"
expect 0 stage 20240501 proposal --check need_clarity=high --check acceptance=medium \
    --probability 60 --at 2024-05-20
has "win probability 60%"
# The override survives the next stage change, and says so.
expect 0 stage 20240501 negotiation --at 2024-06-01
has "win probability 60%"
has "override kept"
# Jumping straight to won checks every gate on the way; --force records it.
expect 5 stage 20240502 won
err_has "budget=yes"
err_has "terms=agreed"
expect 0 stage 20240502 won --force --note '老客户直签'
has "gate overridden"
expect 0 --format json stage 20240502 service
has '"from":"won","to":"service"'

# Deals and payments.
expect 0 --format json deal add 20240501 60万 --signed 2024-06-20
did=$(printf '%s' "$OUT" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
[ ${#did} -eq 32 ] && ok || fail "deal id: $OUT"
expect 0 payment add "${did:0:8}" 30万 --at 2024-06-28
expect 0 --reveal --format csv payment list 20240501
has "300000.00"
expect 0 payment list
lacks "300,000"

# Timeline: events in time order, whatever order they were entered in.
expect 0 log 20240501 --at '2024-05-08 09:00' --channel phone --summary '首次电话'
expect 0 --format csv timeline 20240501
sorted=$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f1 | sort -c && echo yes)
[ "$sorted" = yes ] && ok || fail "timeline not in time order: $OUT"
first=$(printf '%s\n' "$OUT" | sed -n 2p)
case "$first" in 2024-05-02*stage*) ok ;; *) fail "first event: $first" ;; esac
has "interaction"
has "objection"
has "competitor"
has "deal"
has "payment"
# The back-dated phone call did not replace the newer next action.
expect 0 --format csv customer show 20240501
has "next,提交客户案例与技术白皮书"

# To-do: by due date, overdue first.
expect 0 --format csv todo
row1=$(printf '%s\n' "$OUT" | sed -n 2p)
row2=$(printf '%s\n' "$OUT" | sed -n 3p)
case "$row1" in 2024-05-17,true,20240501*) ok ;; *) fail "todo row 1: $row1" ;; esac
case "$row2" in 2024-05-19,true,20240502*) ok ;; *) fail "todo row 2: $row2" ;; esac

# Listing filters, Chinese stage names included.
expect 0 --format csv customer list --stage 談判
has "20240501"
lacks "20240502"
expect 0 --format csv customer list --industry 互联网
has "20240502"
lacks "20240501"
expect 0 --format csv customer list --owner 王伟
has "20240501"
expect 0 customer list --owner nobody
lacks "2024050"
expect 0 --format csv customer list --stalled 14
has "20240501"
lacks "20240502"
expect 5 customer list --stalled zero
err_has "'zero'"
# A customer can be found by a unique part of its name.
expect 0 timeline YY
has "演示系统架构方案"
expect 0 customer add 科技发展公司 --code 20240503
expect 5 timeline 科技
err_has "matches several records"

# JSON output is one document.
expect 0 --format json customer list
printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==3 and d[0]["code"]=="20240501"' \
    && ok || fail "customer list JSON: $OUT"
expect 0 --format md customer list
has "| id |"
# Table output aligns CJK by display width: every row is equally wide
# up to its last column.
expect 0 --lang zh customer list
has "客戶名稱"
has "談判"
finish
