#!/usr/bin/env bash
# The source document's two templates as spreadsheets: csv import of the
# tracking table (its two example rows, their GBK twin, simplified and
# English headers, RFC 4180 quoting, custom field columns, duplicates, a
# bad row that imports nothing), csv export tracking back to the same
# rows, and csv export evaluation in the template 2 layout.
. "$(dirname "$0")/lib.sh"
FIX="$(dirname "$0")/../fixtures"
EX="$FIX/template1_examples.csv"
GBK="$FIX/template1_examples.gbk.csv"
export TZ=Asia/Shanghai

# export STORE FILE ARGS: csv export into FILE (bytes kept as written).
export_to() {
	local st=$1 f=$2; shift 2
	"$DBK" --store "$T/$st" --passphrase-file "$PF" "$@" > "$f" 2>"$T/stderr" &&
	    ok || fail "export $*: $(cat "$T/stderr")"
}
# plain FILE: without the byte-order mark and the CR of each line.
plain() { tail -c +4 "$1" | tr -d '\r'; }

# ---- the two example rows ----
must A init --member 王伟 --kdf "$KDF"
before=$(hash_of A)
must A csv import --dry-run "$EX"
has "dry run, nothing written"
has "2 rows; customers 2 added"
[ "$(hash_of A)" = "$before" ] && ok || fail "a dry run changed the store"
must A customer list
lacks "20240501"
must A csv import "$EX"
has "customers 2 added, 0 updated; contacts 2 added, 0 updated; interactions 2 added, 0 already there; 2 stage changes"
has "flagged late"
must A --lang zh customer list
has "科技有限公司"
has "YY集團"
has "意向"
has "方案"
has "客戶編號"
must A --lang en customer list
has "intent"
has "proposal"
must A --lang en customer show 20240501
has "pain points"
has "供應鏈效率低，倉儲成本高"
must A --lang zh timeline 20240501
has "介紹智能倉儲解決方案"
must A todo
has "2024-05-17"
has "2024-05-19"
# The stage moved when the row says, the gates recorded as overridden.
must A audit
has "stage"

# Back out: the same rows, byte for byte, with --reveal (the phone column
# is sensitive); UTF-8 with BOM and CRLF for Excel.
export_to A "$T/back.csv" --lang zh --reveal csv export tracking
[ "$(plain "$T/back.csv")" = "$(cat "$EX")" ] && ok || fail "export differs from the fixture: $(diff <(plain "$T/back.csv") "$EX")"
[ "$(head -c 3 "$T/back.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] && ok || fail "no BOM"
[ "$(grep -c $'\r$' "$T/back.csv")" -eq 3 ] && ok || fail "lines not CRLF"
# Without --reveal the phone column is not written at all.
export_to A "$T/masked.csv" --lang zh csv export tracking
grep -q '聯系方式' "$T/masked.csv" && fail "phone column without --reveal" || ok
grep -q '1395678' "$T/masked.csv" && fail "phone value without --reveal" || ok
grep -q '\*經理' "$T/masked.csv" && ok || fail "contact missing: $(cat "$T/masked.csv")"
export_to A "$T/en.csv" --lang en --reveal csv export tracking
head -1 "$T/en.csv" | grep -q 'customer no.,customer,industry,contact,title,phone,pain points,contact time,channel,participants,summary,customer feedback,stage,next action,owner' && ok || fail "English headers: $(head -1 "$T/en.csv")"
grep -q ',intent,' "$T/en.csv" && ok || fail "English stage"
export_to A "$T/one.csv" --lang zh --reveal csv export tracking --customer 20240502
[ "$(plain "$T/one.csv" | wc -l)" -eq 2 ] && ok || fail "--customer: $(cat "$T/one.csv")"
grep -q 20240501 "$T/one.csv" && fail "--customer leaked another customer" || ok

# Importing the same file again adds nothing and writes nothing.
before=$(hash_of A)
must A csv import "$EX"
has "interactions 0 added, 2 already there; 0 stage changes"
[ "$(hash_of A)" = "$before" ] && ok || fail "a repeated import changed the store"
# Our own export imports as a repeat too.
must A csv import "$T/back.csv"
has "0 added, 2 already there"
must A csv import "$T/en.csv"
has "0 added, 2 already there"

# ---- the GBK twin: the same store content ----
must G init --member 王伟 --kdf "$KDF"
refuse 5 G csv import "$GBK"
err_has "not UTF-8"
err_has "--encoding gbk"
must G csv import --encoding gbk "$GBK"
has "customers 2 added"
export_to G "$T/g.csv" --lang zh --reveal csv export tracking
cmp -s "$T/g.csv" "$T/back.csv" && ok || fail "GBK import differs: $(diff <(plain "$T/g.csv") <(plain "$T/back.csv"))"
for st in A G; do
	run "$st" --reveal --format json customer list
	printf '%s' "$OUT" | python3 -c '
import json, sys
rows = json.load(sys.stdin)
for r in rows: r.pop("id", None)
print(json.dumps(sorted(rows, key=lambda r: r["code"]), ensure_ascii=False, sort_keys=True))' > "$T/list-$st.json"
	run "$st" --reveal --format json timeline 20240502
	printf '%s' "$OUT" | python3 -c '
import json, sys, re
print(re.sub(r"\"[0-9a-f]{32}\"", "ID", sys.stdin.read()))' > "$T/tl-$st.json"
done
cmp -s "$T/list-A.json" "$T/list-G.json" && ok || fail "GBK store list differs"
cmp -s "$T/tl-A.json" "$T/tl-G.json" && ok || fail "GBK store timeline differs: $(diff "$T/tl-A.json" "$T/tl-G.json")"
must G csv import --encoding gb18030 "$GBK"
has "2 already there"
refuse 5 G csv import --encoding big5 "$GBK"
err_has "invalid encoding 'big5'"

# ---- other spellings of the headers, quoting, English stages ----
must S init --member 王伟 --kdf "$KDF"
{
	printf '\xef\xbb\xbf客户编号,客户名称,行业,联系人,职位,联系方式,需求痛点,沟通时间,沟通方式,参与人员,沟通内容摘要,客户反馈,跟进阶段(线索/意向/方案/谈判/成交/服务),下一步行动,负责人\r\n'
	printf 'C1,"甲公司, 上海",制造业,*经理,采购,139,"痛点一\r\n痛点二",2024-06-01 14:30,电话,我,"他说""好""",满意,intent,2024-06-05 寄样品,*工\r\n'
	printf 'C1,"甲公司, 上海",制造业,*经理,采购,139,"痛点一\r\n痛点二",2024-06-03,拜访,我,=SUM(A1),满意,谈判,,*工\r\n'
	printf 'C2,乙公司,,,,,,,,,,,,,\r\n'
} > "$T/simp.csv"
must S csv import "$T/simp.csv"
has "3 rows; customers 2 added"
has "interactions 2 added"
has "2 stage changes"
must S --reveal --format json customer show C1
printf '%s' "$OUT" | python3 -c '
import json, sys
f = json.load(sys.stdin)["fields"]
assert f["name"] == "甲公司, 上海", f
assert f["pain"] == "痛点一\r\n痛点二" or f["pain"] == "痛点一\n痛点二", repr(f["pain"])
assert f["stage"] == "negotiation", f
' && ok || fail "quoted cells: $OUT"
must S --format json timeline C1
printf '%s' "$OUT" | grep -q '他說\|他说' && ok || fail "doubled quotes: $OUT"
must S todo
has "2024-06-05"
# A cell a spreadsheet would run is defused on the way out and restored
# on the way in.
export_to S "$T/s.csv" --reveal csv export tracking
grep -q "'=SUM(A1)" "$T/s.csv" && ok || fail "formula not defused: $(cat "$T/s.csv")"
before=$(hash_of S)
must S csv import "$T/s.csv"
has "0 added, 2 already there"
[ "$(hash_of S)" = "$before" ] && ok || fail "re-import of the defused export changed the store"
must S --format json customer show C2
has '"name":"乙公司"'
printf 'customer no.,customer,contact time,summary,stage,owner\n' > "$T/en2.csv"
printf 'E1,Acme,2024-06-02 09:00,demo,proposal,Lee\n' >> "$T/en2.csv"
must S csv import "$T/en2.csv"
must S customer show E1
has "proposal"

# ---- custom field columns ----
must S field add customer service_need --kind choice --choices 無,維護,培訓 \
    --label-zh 增值服務需求 --label-en 'value-added service'
must S field add log mood --kind choice --choices good,bad
printf 'customer no.,customer,增值服務需求,contact time,summary,mood\nE2,Beta,培訓,2024-06-02 10:00,call,good\n' > "$T/cf.csv"
must S csv import "$T/cf.csv"
must S --format json customer show E2
has '"service_need":"培訓"'
export_to S "$T/cf-out.csv" --lang zh csv export tracking --customer E2
head -1 "$T/cf-out.csv" | grep -q '增值服務需求' && ok || fail "custom column heading: $(head -1 "$T/cf-out.csv")"
grep -q ',培訓,good' "$T/cf-out.csv" && ok || fail "custom values: $(cat "$T/cf-out.csv")"
printf 'customer no.,customer,增值服務需求\nE3,Gamma,黃金\n' > "$T/cf-bad.csv"
refuse 5 S csv import "$T/cf-bad.csv"
err_has "row 2, column '增值服務需求': invalid choice '黃金'"

# ---- a bad row imports nothing and names row and column ----
{
	head -2 "$EX"
	printf '20240503,丙公司,零售,,,,,2024-13-01,電話,,詢價,,線索,,*工\n'
	sed -n 3p "$EX"
} > "$T/bad-date.csv"
refuse 5 A csv import "$T/bad-date.csv"
err_has "row 3, column '溝通時間': invalid date '2024-13-01'"
run A customer show 20240503
[ "$RC" -eq 4 ] && ok || fail "a customer of a bad file got in"
sed 's/,意向,/,完成,/' "$EX" > "$T/bad-stage.csv"
must N init --member 王伟 --kdf "$KDF"
refuse 5 N csv import "$T/bad-stage.csv"
err_has "row 2, column '跟進階段': unknown stage '完成'"
run N customer list
lacks "20240502"
sed 's/,面談,/,飛鴿傳書,/' "$EX" > "$T/bad-channel.csv"
refuse 5 N csv import "$T/bad-channel.csv"
err_has "row 2, column '溝通方式': unknown channel '飛鴿傳書'"
{ printf '客戶編號,客戶名稱,顏色\n'; printf '1,甲,紅\n'; } > "$T/bad-col.csv"
refuse 5 N csv import "$T/bad-col.csv"
err_has "unknown column '顏色'"
{ printf '客戶編號,客戶名稱,溝通內容摘要\n'; printf '1,甲,見面\n'; } > "$T/no-time.csv"
refuse 5 N csv import "$T/no-time.csv"
err_has "row 2, column '溝通內容摘要': empty: an interaction needs its time"
{ printf '客戶編號,客戶名稱\n'; printf '1,"甲\n'; } > "$T/unclosed.csv"
refuse 5 N csv import "$T/unclosed.csv"
err_has "not closed"
{ printf '客戶編號,客戶名稱,溝通時間,溝通內容摘要\n'; printf '1,甲,2099-01-01,見面\n'; } > "$T/future.csv"
refuse 5 N csv import "$T/future.csv"
err_has "lies in the future"
: > "$T/empty.csv"
refuse 5 N csv import "$T/empty.csv"
err_has "is empty"
refuse 4 N csv import "$T/nosuch.csv"
err_has "nosuch.csv"
refuse 2 N csv export
refuse 2 N csv export nonsense
err_has "unknown table 'nonsense'"
refuse 2 N csv export evaluation
err_has "needs a period"

# One customer, its number on some rows only: two groups of rows, one
# customer, whose stage follows every row.
printf '客戶編號,客戶名稱,溝通時間,溝通內容摘要,跟進階段\nC1,Foo,2024-01-01,s1,意向\n,Foo,2024-01-02,s2,方案\nC1,Foo,2024-01-03,s3,意向\n' > "$T/groups.csv"
must N csv import "$T/groups.csv"
has "customers 1 added"
has "3 stage changes"
must N --format json customer show C1
has '"stage":"intent"'
# A cell with a line break quoted in an error stays one line; a time
# before 1970 is refused with its row and column.
printf '客戶編號,客戶名稱,溝通時間,溝通內容摘要\nA1,Foo,"2024-01-01\nx",summary\n' > "$T/ml.csv"
refuse 5 N csv import "$T/ml.csv"
err_has "invalid date '2024-01-01 x'"
printf '客戶編號,客戶名稱,溝通時間,溝通內容摘要\nA2,B,1969-12-31,s\n' > "$T/old.csv"
refuse 5 N csv import "$T/old.csv"
err_has "row 2, column '溝通時間': the time '1969-12-31' is before 1970"

# ---- template 2: the evaluation table ----
must Q init --member 王伟 --kdf "$KDF"
d() { "$DBK" --store "$T/Q" --passphrase-file "$PF" "$@"; }
. "$FIX/q2_team.sh"
q2_team >/dev/null 2>"$T/q2.err" && ok || fail "q2_team: $(cat "$T/q2.err")"
export_to Q "$T/eval.csv" --lang zh --reveal csv export evaluation 2024Q2
plain "$T/eval.csv" > "$T/eval.txt"
head -1 "$T/eval.txt" | grep -q '^評估周期,評估維度,銷售目標,實際完成,達成率,關鍵指標分析,成功經驗,待改進問題,優化措施$' && ok || fail "template 2 headers: $(head -1 "$T/eval.txt")"
python3 - "$T/eval.csv" <<'EOF' && ok || fail "template 2 rows: $(cat "$T/eval.txt")"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
body = rows[1:]
team = [r for r in body if r[1] == "團隊"]
assert any(r[2] == "新增客戶 15" and r[3] == "12" and r[4] == "80.0%" for r in team), team
assert all(r[0] == "2024年Q2" for r in body), body
assert "線索轉化率 25.0%（行業平均 20.0%）" in team[0][5], team[0][5]
assert "平均跟進周期（天） 45.0（目標 40.0）" in team[0][5], team[0][5]
assert "差異化技術方案贏得客戶" in team[0][6], team[0]
assert "高潛力客戶每周只跟進一次" in team[0][7], team[0]
assert "制定跟進SOP" in team[0][8], team[0]
wang = [r for r in body if r[1] == "個人（王伟）"]
assert any(r[2] == "簽約金額 5,000,000" and r[3] == "4,800,000" and r[4] == "96.0%" for r in wang), wang
assert "客單價 600,000" in wang[0][5], wang[0][5]
assert "回款率 95.0%" in wang[0][5], wang[0][5]
assert any(r[1] == "個人（李娜）" for r in body), body
EOF
# Amounts only with --reveal; the ratios stay.
export_to Q "$T/eval-m.csv" --lang zh csv export evaluation 2024Q2
grep -q '4,800,000' "$T/eval-m.csv" && fail "an amount without --reveal" || ok
grep -q '96.0%' "$T/eval-m.csv" && ok || fail "achievement missing without --reveal"
export_to Q "$T/eval-en.csv" --lang en --reveal csv export evaluation 2024Q2
head -1 "$T/eval-en.csv" | grep -q 'period,scope,target,actual,achievement' && ok || fail "English template 2"
grep -q 'new customers 15,12,80.0%' "$T/eval-en.csv" && ok || fail "English rows: $(cat "$T/eval-en.csv")"
refuse 5 Q csv export evaluation 2024Q9

# ---- Chinese typed where a name is expected ----
must Q goal set 2024Q3 新增客户 10
must Q goal set 2024Q3 線索轉化率 30%
must Q --format json goal list
has '"new_customers"'
has '"lead_conversion"'
must Q eval 2024Q2 --by 個人
has "王伟"
must Q --lang zh eval 2024Q2 --by 行业
has "新增客戶"
must R init --member 趙六 --kdf "$KDF"
must R whoami
must Q member add 趙六 "${OUT%% *}" --role 經理
must Q --format json member list
has '"manager"'

finish
