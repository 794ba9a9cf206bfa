#!/usr/bin/env bash
# Custom fields end to end: field add / list / retire, values set by name
# or label with --set and checked by kind, shown by show and list (JSON
# too), sensitive ones masked and sealed, a retired field refusing new
# values and keeping old ones, every refusal leaving the store as it was,
# and a field added on the lead's laptop reaching a salesperson's by a
# bundle, label and all (a sensitive one readable only with the key).
. "$(dirname "$0")/lib.sh"

# jfield STORE CODE NAME [--reveal]: a customer's field in show's JSON.
jfield() {
	run "$1" ${4:-} --format json customer show "$2"
	printf '%s' "$OUT" | python3 -c 'import json,sys; f=json.load(sys.stdin)["fields"]; v=f.get(sys.argv[1], "-"); print("null" if v is None else v)' "$3"
}

must L init --member 王伟 --team 華東銷售 --kdf "$KDF"
must A init --member 李娜 --kdf "$KDF"
must B init --member 张强 --kdf "$KDF"
must L whoami; IL=${OUT%% *}
must A whoami; IA=${OUT%% *}
must B whoami; IB=${OUT%% *}
must L member add 李娜 "$IA" --restricted
must L member add 张强 "$IB"

# ---- definitions ----
must L field add customer service_need --kind choice --choices 無,維護,培訓 \
    --label-zh 增值服務需求 --label-en 'value-added service'
has "added customer field service_need (choice)"
must L --lang zh field add 客戶 score --kind number --sensitive --label-zh 內部評分
has "已新增客戶欄位 score"
must L field add customer visit_ok --kind bool --label-en 'site visit agreed'
must L field add log followup_on --kind date --label-zh 回訪日期
must L field add contact wechat --kind text --label-zh 微信
must L field list
has "value-added service"
has "增值服務需求"
has "無,維護,培訓"
must L --lang zh field list
has "記錄類型"
has "客戶"
has "溝通"
must L --format json field list
printf '%s' "$OUT" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()] if False else json.load(sys.stdin)
byname = {r["name"]: r for r in rows}
assert byname["score"]["sensitive"] == "true", byname["score"]
assert byname["service_need"]["kind"] == "choice"
assert byname["followup_on"]["type"] == "interaction"
' && ok || fail "field list JSON: $OUT"

# Bad definitions: one sentence naming the value, exit 5, nothing written.
refuse 5 L field add customer Bad --kind text
err_has "invalid field name 'Bad'"
refuse 5 L field add customer industry --kind text
err_has "'industry' is a built-in field"
refuse 5 L field add customer service_need --kind text
err_has "already has a field 'service_need'"
refuse 5 L field add customer tier --kind choice
err_has "needs its choices"
refuse 5 L field add customer tier --kind choice --choices a,,b
err_has "invalid choices 'a,,b'"
refuse 5 L field add customer tier --kind choice --choices a,b,a
err_has "choice 'a' given twice"
refuse 5 L field add customer tier --kind text --choices a,b
err_has "only a choice field takes --choices"
refuse 5 L field add customer tier --kind colour
err_has "invalid kind 'colour'"
refuse 5 L field add goal tier --kind text
err_has "invalid record type 'goal'"
refuse 5 L field add customer tier --kind text --label-zh 行業
err_has "the label '行業' already names the customer field 'industry'"
refuse 5 L field add customer tier --kind text --label-en 'Value-Added Service'
err_has "already names the customer field 'service_need'"
refuse 2 L field add customer tier
err_has "--kind"

# ---- values ----
must L customer add 科技有限公司 --code 20240501 --set 增值服務需求=維護 \
    --set score=1,200.50 --set 'site visit agreed=是'
[ "$(jfield L 20240501 service_need)" = "維護" ] && ok || fail "choice by label: $(jfield L 20240501 service_need)"
[ "$(jfield L 20240501 visit_ok)" = "yes" ] && ok || fail "bool 是: $(jfield L 20240501 visit_ok)"
[ "$(jfield L 20240501 score)" = "null" ] && ok || fail "sensitive masked in JSON: $(jfield L 20240501 score)"
[ "$(jfield L 20240501 score --reveal)" = "1200.5" ] && ok || fail "number canonical: $(jfield L 20240501 score --reveal)"
must L customer show 20240501
has "value-added service"
has "••••"
lacks "1200.5"
must L --lang zh --reveal customer show 20240501
has "增值服務需求"
has "內部評分"
has "1200.5"
must L customer list
has "value-added service"
has "維護"
must L --format json customer list
printf '%s' "$OUT" | python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert rows[0]["service_need"] == "維護", rows
assert rows[0].get("score") is None, rows
' && ok || fail "customer list JSON custom columns: $OUT"
must L contact add 20240501 王經理 --title 采購總監 --set 微信=wx_wang
must L --lang zh contact list 20240501
has "微信"
has "wx_wang"
must L log 20240501 --summary 介紹方案 --at '2024-05-10 10:00' --set followup_on=2024/5/17
must L timeline 20240501
must L customer edit 20240501 --set service_need=培訓
has "1 field changed"
must L history 20240501
has "service_need"
lacks "x.service_need"

refuse 5 L customer edit 20240501 --set score=abc
err_has "invalid number 'abc' for score"
refuse 5 L customer edit 20240501 --set service_need=黃金
err_has "invalid choice '黃金' for service_need (expected one of 無,維護,培訓)"
refuse 5 L customer edit 20240501 --set visit_ok=maybe
err_has "invalid yes/no 'maybe'"
refuse 5 L log 20240501 --summary x --set followup_on=2024-13-40
err_has "invalid date '2024-13-40' for followup_on"
refuse 5 L customer edit 20240501 --set nosuch=1
err_has "unknown field 'nosuch' for a customer"
refuse 5 L customer edit 20240501 --set wechat=x
err_has "unknown field 'wechat' for a customer"

# ---- retire ----
must L field retire visit_ok
has "retired field visit_ok"
refuse 5 L customer edit 20240501 --set visit_ok=no
err_has "is retired"
refuse 5 L field retire visit_ok
err_has "already retired"
refuse 4 L field retire nosuch
err_has "no custom field 'nosuch'"
[ "$(jfield L 20240501 visit_ok)" = "yes" ] && ok || fail "retired value kept: $(jfield L 20240501 visit_ok)"
must L field list
lacks "visit_ok"
must L field list --all
has "visit_ok"
# A name on two types needs the type.
must L field add deal channel_fee --kind number
must L field add contact channel_fee --kind number
refuse 5 L field retire channel_fee
err_has "give the type"
must L field retire contact channel_fee
must L deal add 20240501 60万 --signed 2024-06-20 --set channel_fee=1,500
must L --format json deal list 20240501
has '"channel_fee":"1500"'
refuse 5 L deal add 20240501 10万 --set channel_fee=lots
err_has "invalid number 'lots' for channel_fee"

# ---- the definitions and values travel ----
must L export --to 李娜,张强 -o "$T/l1.bundle"
must A import --trust "$IL" "$T/l1.bundle"
must B import --trust "$IL" "$T/l1.bundle"
must A field list
has "value-added service"
has "增值服務需求"
must A --lang zh customer show 20240501
has "增值服務需求"
has "培訓"
# The restricted member reads the sensitive value; the other does not.
[ "$(jfield A 20240501 score --reveal)" = "1200.5" ] && ok || fail "A reads the sealed score: $(jfield A 20240501 score --reveal)"
must B --reveal customer show 20240501
has "[restricted]"
lacks "1200.5"
has "培訓"
# A value entered on A comes back to the lead with its field.
must A customer edit 20240501 --set service_need=無
must A export --to 王伟 -o "$T/a1.bundle"
must L import "$T/a1.bundle"
[ "$(jfield L 20240501 service_need)" = "無" ] && ok || fail "A's edit reached L: $(jfield L 20240501 service_need)"
# A field A adds itself travels to the lead too.
must A field add customer region --kind text --label-zh 區域
must A customer edit 20240501 --set 區域=華東
must A export --to 王伟 -o "$T/a2.bundle"
must L import "$T/a2.bundle"
must L --lang zh customer show 20240501
has "區域"
has "華東"

finish
