#!/usr/bin/env bash
# The effect review, end to end, on the source document's 2024 Q2 example
# (tests/fixtures/q2_team.sh): the exact team and member numbers against
# their goals and benchmark, --by industry, every period form and the bad
# ones, goals replaced, CSV and markdown, signed runs that verify, that
# name the changed deal and result when the data change, and that fail
# when a run is altered or re-labelled; plan milestones in todo and
# timeline.  Works on the real clock too (release builds): every date is
# in 2024.
. "$(dirname "$0")/lib.sh"
TAMPER=${2:?usage: t_eval.sh dealbook dbk-tamper}
TESTB=${DBK_TEST_BUILD:-0}

[ "$TESTB" = 1 ] && export DEALBOOK_TEST_NOW="2024-07-05 12:00"
init_store 王伟
d() { "$DBK" --store "$S" --passphrase-file "$PF" "$@"; }
. "$(dirname "$0")/../fixtures/q2_team.sh"
q2_team >/dev/null && ok || fail "entering the fixture failed"

# wants SPEC...: check values in the evaluation JSON in $OUT.  A SPEC is
# GROUP/KEY/FIELD=VALUE (GROUP "team" or a member or industry name;
# FIELD value, target, benchmark, median, achievement, previous, status;
# null for none), period/FIELD=VALUE, or ngroups=N.
wants() {
	local line n=0
	while IFS= read -r line; do
		n=$((n + 1))
		case "$line" in ok) ok ;; *) fail "$line" ;; esac
	done < <(printf '%s' "$OUT" | python3 -c '
import json, sys
try:
    e = json.load(sys.stdin)
except ValueError as x:
    e = None
    print("not JSON (%s)" % x)
for spec in sys.argv[1:]:
    path, want = spec.split("=", 1)
    p = path.split("/")
    try:
        if p[0] == "period":
            got = e["period"][p[1]]
        elif p[0] == "ngroups":
            got = str(len(e["groups"]))
        else:
            g = [g for g in e["groups"] if (g["name"] if g["scope"] != "team" else "team") == p[0]]
            m = [m for m in g[0]["metrics"] if m["key"] == p[1]][0]
            got = m[p[2]]
            if isinstance(got, dict):
                got = got["value"]
    except Exception:
        got = "(missing)"
    got = "null" if got is None else got
    print("ok" if got == want else "%s: got %s, expected %s" % (path, got, want))
' "$@")
	[ "$n" -eq $# ] || fail "checked $n of $# values in: $OUT"
}

# ---- the source document's numbers, team ----
h=$(store_hash)
expect 0 --reveal --format json eval 2024Q2
wants period/label=2024Q2 period/first_day=2024-04-01 period/last_day=2024-06-30 \
    ngroups=1 \
    team/new_customers/value=12 team/new_customers/target=15 \
    team/new_customers/achievement=80.0 \
    team/lead_conversion/value=25.0 team/lead_conversion/benchmark=20.0 \
    team/lead_conversion/target=20.0 \
    team/avg_cycle_days/value=45.0 team/avg_cycle_days/median=45.0 \
    team/avg_cycle_days/target=40.0 team/avg_cycle_days/achievement=112.5 \
    team/signed_amount/value=6000000.00 team/signed_amount/target=null \
    team/avg_order_value/value=500000.00 team/collection_rate/value=86.8 \
    team/new_customers/previous=0 team/new_customer_growth/status=n/a
printf '%s' "$OUT" | python3 -c '
import json, sys
g = json.load(sys.stdin)["groups"][0]
assert g["funnel"]["lead"] == "6" and g["funnel"]["won"] == "12", g["funnel"]
assert g["conversion"][0]["value"] == "25.0", g["conversion"][0]
r = g["reviews"]
assert len(r) == 1 and r[0]["success"] == "差異化技術方案贏得客戶", r
assert r[0]["problem"] == "高潛力客戶每周只跟進一次（應兩次）", r
assert r[0]["action"] == "制定跟進SOP：每周一次電話加一次郵件", r
' && ok || fail "funnel, conversion or review in the JSON: $OUT"
[ "$(store_hash)" = "$h" ] && ok || fail "eval changed the store"
# Without --reveal amounts are masked, as every sensitive value is: null
# in JSON (the status stays), •••• for people; ratios and counts remain.
expect 0 --format json eval 2024Q2
wants team/signed_amount/value=null team/signed_amount/status=ok \
    team/avg_order_value/value=null team/collection_rate/value=86.8 \
    team/new_customers/value=12
for a in 6000000 6,000,000 500000 500,000; do lacks "$a"; done
expect 0 eval 2024Q2
printf '%s\n' "$OUT" | grep -Eq '^signed_amount +•••• ' && ok ||
    fail "masked signed_amount row: $OUT"
for a in 6000000 6,000,000 500,000; do lacks "$a"; done
# The table: the document's layout with the goals and the review.
expect 0 --reveal eval 2024Q2
has "period: 2024Q2 (2024-04-01..2024-06-30), previous 2024Q1"
has "new_customers 12 (target 15, achieved 80.0%)"
has "lead_conversion 25.0% (target 20.0%, achieved 125.0%) (benchmark 20.0%)"
has "avg_cycle_days 45.0 (target 40.0, achieved 112.5%)"
has "median 45.0"
has "problems: 高潛力客戶每周只跟進一次（應兩次）"
has "actions: 制定跟進SOP：每周一次電話加一次郵件"
printf '%s\n' "$OUT" | grep -Eq '^new_customers +12 +15 +80\.0% ' && ok ||
    fail "new_customers row: $OUT"
printf '%s\n' "$OUT" | grep -Eq '^avg_order_value +500,000 ' && ok ||
    fail "avg_order_value row: $OUT"

# ---- per member: 王伟 against his goal, 李娜 ----
expect 0 --reveal --format json eval 2024Q2 --by member
wants ngroups=3 \
    王伟/signed_amount/value=4800000.00 王伟/signed_amount/target=5000000.00 \
    王伟/signed_amount/achievement=96.0 王伟/avg_order_value/value=600000.00 \
    王伟/collection_rate/value=95.0 王伟/new_customers/value=8 \
    王伟/new_customers/target=null 王伟/avg_cycle_days/value=45.0 \
    李娜/new_customers/value=4 李娜/signed_amount/value=1200000.00 \
    李娜/avg_order_value/value=300000.00 李娜/signed_amount/target=null \
    team/avg_order_value/value=500000.00 team/new_customers/achievement=80.0
expect 0 --reveal eval 2024Q2 --by member
has "scope: 王伟"
has "signed_amount 4,800,000 (target 5,000,000, achieved 96.0%)"

# ---- per industry ----
expect 0 --reveal --format json eval 2024Q2 --by industry
wants ngroups=5 team/new_customers/value=12 \
    制造業/new_customers/value=4 制造業/signed_amount/value=2150000.00 \
    物流/new_customers/value=3 物流/signed_amount/value=1800000.00 \
    零售/new_customers/value=3 零售/signed_amount/value=1100000.00 \
    互聯網/new_customers/value=2 互聯網/signed_amount/value=950000.00 \
    互聯網/lead_conversion/value=33.3
printf '%s' "$OUT" | python3 -c '
import json, sys
g = json.load(sys.stdin)["groups"]
assert [x["scope"] for x in g] == ["team"] + ["industry"] * 4, g
assert sorted(x["name"] for x in g[1:]) == ["互聯網", "制造業", "物流", "零售"]
' && ok || fail "industry groups: $OUT"

# ---- every period form ----
expect 0 --format json eval 2024
wants period/label=2024 period/kind=year period/first_day=2024-01-01 \
    period/last_day=2024-12-31 team/new_customers/value=12 \
    team/new_customers/target=null team/lead_conversion/value=70.0
expect 0 --format json eval 2024-05
wants period/label=2024-05 period/kind=month period/last_day=2024-05-31 \
    team/new_customers/value=1 team/lead_conversion/value=50.0
expect 0 --format json eval 2024W19
wants period/label=2024W19 period/kind=week period/first_day=2024-05-06 \
    period/last_day=2024-05-12 team/new_customers/value=0 \
    team/lead_conversion/value=100.0
expect 0 --format json eval 2024-04-01..2024-06-30
wants period/label=2024-04-01..2024-06-30 period/kind=range \
    team/new_customers/value=12 team/lead_conversion/value=25.0 \
    team/avg_cycle_days/value=45.0 team/new_customers/target=null
expect 0 --format json eval 2024Q1
wants team/new_customers/value=0 team/lead_conversion/value=0.0 \
    team/stalled/value=8

# ---- bad periods, scopes, goals: exit 5, one line naming the value ----
h=$(store_hash)
for p in 2024Q5 2024-13 24Q2 2024-06-30..2024-04-01 Q2; do
	expect 5 eval "$p"
	err_has "'$p'"; err_one_line
	[ -z "$OUT" ] && ok || fail "eval $p printed: $OUT"
	expect 5 eval run "$p"
	err_has "'$p'"
done
expect 5 eval 2024Q2 --by nobody
err_has "'nobody'"; err_one_line
expect 5 eval 2024Q2 --stalled 0
expect 5 goal set 2024Q2 happiness 15
err_has "'happiness'"; err_one_line
expect 5 goal set 2024Q5 new_customers 15
err_has "'2024Q5'"
expect 5 goal set 2024Q2 lead_conversion lots
err_has "'lots'"
expect 5 review add 2024Q9 --problem x
err_has "'2024Q9'"
[ "$(store_hash)" = "$h" ] && ok || fail "a refused command changed the store"

# ---- a goal set twice is replaced ----
expect 0 goal set 2024Q2 new_customers 16
has "changed the goal set before"
expect 0 --format csv goal list
[ "$(printf '%s\n' "$OUT" | grep -c ',2024Q2,new_customers,,')" -eq 1 ] && ok ||
    fail "two team new_customers goals: $OUT"
has ",2024Q2,new_customers,,16,"
[ "$(printf '%s\n' "$OUT" | tail -n +2 | grep -c .)" -eq 4 ] && ok ||
    fail "goal list should hold 4 goals: $OUT"
expect 0 --format json eval 2024Q2
wants team/new_customers/target=16 team/new_customers/achievement=75.0
expect 0 goal set 2024Q2 new_customers 15
expect 0 --format json eval 2024Q2
wants team/new_customers/target=15 team/new_customers/achievement=80.0
expect 0 goal list
has "王伟"
has "5,000,000"

# ---- CSV and markdown: a header, one row per group and indicator ----
expect 0 --format json eval 2024Q2 --by member
NM=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["groups"][0]["metrics"]))')
[ "${NM:-0}" -ge 20 ] && ok || fail "only $NM indicators"
expect 0 --reveal --format csv eval 2024Q2 --by member
[ "$(printf '%s\n' "$OUT" | sed -n 1p)" = "period,scope,group,metric,status,actual,target,achievement,benchmark,previous,median,why" ] &&
    ok || fail "CSV header: $(printf '%s\n' "$OUT" | sed -n 1p)"
printf '%s\n' "$OUT" | python3 -c '
import csv, sys
nm = int(sys.argv[1])
rows = list(csv.reader(sys.stdin))
assert len(rows) == 1 + 3 * nm, len(rows)
assert all(len(r) == 12 for r in rows), "ragged"
assert [r[2] for r in rows[1::nm]] == ["team", "李娜", "王伟"], [r[2] for r in rows[1::nm]]
w = {r[3]: r for r in rows if r[2] == "王伟"}
assert w["signed_amount"][5:8] == ["4800000.00", "5000000.00", "96.0"], w["signed_amount"]
assert w["collection_rate"][5] == "95.0"
t = {r[3]: r for r in rows if r[2] == "team"}
assert t["lead_conversion"][5] == "25.0" and t["lead_conversion"][8] == "20.0"
assert t["avg_cycle_days"][10] == "45.0"
' "$NM" && ok || fail "CSV rows: $OUT"
expect 0 --format md eval 2024Q2
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq $((2 + NM)) ] && ok ||
    fail "markdown lines: $(printf '%s\n' "$OUT" | wc -l), expected $((2 + NM))"
printf '%s\n' "$OUT" | sed -n 1p | grep -q '^| period | scope | group | metric |' && ok ||
    fail "markdown header: $OUT"
has "| 2024Q2 | team | team | new_customers | ok | 12 | 15 | 80.0% |"

# ---- signed runs: recorded, reproduced, changed, restored ----
expect 0 eval run 2024Q2
RUN=$(printf '%s\n' "$OUT" | sed -n 's/^evaluation run \([0-9a-f]\{8\}\) recorded.*/\1/p')
[ ${#RUN} -eq 8 ] && ok || fail "eval run: $OUT"
expect 0 --format json eval run 2024Q2 --by member
MRUN=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
[ ${#MRUN} -eq 32 ] && ok || fail "eval run JSON: $OUT"
expect 0 --format json eval list
printf '%s' "$OUT" | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert sorted((r["period"], r["scope"], r["member"]) for r in a) == \
    [("2024Q2", "member", "王伟"), ("2024Q2", "team", "王伟")], a
' && ok || fail "eval list: $OUT"
# (Runs made in the same millisecond -- a frozen test clock -- list in no
# particular order.)
RUNFULL=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin) if r["scope"] == "team"][0])')
case "$RUNFULL" in "$RUN"*) ok ;; *) fail "run ids: $RUN vs $RUNFULL" ;; esac
expect 0 eval list
has "$RUN"
has "${MRUN:0:8}"
expect 0 eval verify "$RUN"
has "reproduced"
lacks "NOT"
expect 0 eval verify "${MRUN:0:8}"
has "reproduced"
expect 0 --format json eval verify "$RUN"
has '"result":"reproduced"'
expect 0 eval show "$RUN"
has "period 2024Q2, scope team, run by 王伟"
has "signed by dbk1:"
printf '%s\n' "$OUT" | grep -Eq '^new_customers +ok +12 +15 +80\.0 ' && ok ||
    fail "eval show table: $OUT"
expect 0 --format json eval show "$RUN"
printf '%s' "$OUT" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["id"] == sys.argv[1] and r["period"] == "2024Q2" and r["scope"] == "team"
m = {x["key"]: x for x in r["results"]["groups"][0]["metrics"]}
assert m["new_customers"]["value"] == "12" and m["lead_conversion"]["value"] == "25.0"
assert m["avg_cycle_days"]["value"] == "45.0"
' "$RUNFULL" && ok || fail "eval show JSON: $OUT"
expect 4 eval verify ffffffff

# One deal's amount changes: 20240302's 600,000 becomes 700,000.
expect 0 --format json customer list
CID=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([c["id"] for c in json.load(sys.stdin) if c["code"] == "20240302"][0])')
expect 0 --format json deal list
DEAL=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([x["id"] for x in json.load(sys.stdin) if x["customer"] == sys.argv[1]][0])' "$CID")
[ ${#DEAL} -eq 32 ] && ok || fail "deal of 20240302: '$DEAL'"
D8=${DEAL:0:8}
expect 0 edit "$D8" --set amount=700000
expect 6 eval verify "$RUN"
has "NOT reproduced"
has "deal $D8 changed"
has "groups[team]/metrics[signed_amount]/value: 6000000.00 -> 6100000.00"
has "groups[team]/metrics[avg_order_value]/value: 500000.00 -> 508333.33"
expect 6 eval verify "${MRUN:0:8}"
has "deal $D8 changed"
has "groups[王伟]/metrics[signed_amount]/value: 4800000.00 -> 4900000.00"
has "groups[王伟]/metrics[signed_amount]/achievement/value: 96.0 -> 98.0"
lacks "groups[李娜]"
expect 6 --format json eval verify "$RUN"
printf '%s' "$OUT" | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert v["signature"] == "valid" and v["result"] == "changed", v
assert v["inputs_changed"] == ["deal %s changed" % sys.argv[1]], v
assert "groups[team]/metrics[signed_amount]/value: 6000000.00 -> 6100000.00" in v["results_changed"], v
' "$D8" && ok || fail "verify JSON: $OUT"
expect 0 edit "$D8" --set amount=600000
expect 0 eval verify "$RUN"
has "reproduced"
lacks "NOT"
expect 0 eval verify "${MRUN:0:8}"
has "reproduced"

# ---- altered and re-labelled runs ----
cp -a "$S" "$T/before-tamper"
"$TAMPER" rec-set "$S" "$PF" "$RUNFULL" 'period=2024Q3' >/dev/null 2>"$T/tamper.err" &&
    ok || fail "dbk-tamper rec-set: $(cat "$T/tamper.err")"
expect 6 eval verify "$RUN"
err_has "fails its signature check"
err_one_line
lacks "reproduced"
expect 0 eval verify "${MRUN:0:8}"
has "reproduced"
COPY=$("$TAMPER" rec-clone "$S" "$PF" "$MRUN" 2>"$T/tamper.err")
[ ${#COPY} -eq 32 ] && ok || fail "dbk-tamper rec-clone: $COPY $(cat "$T/tamper.err")"
expect 6 eval verify "${COPY:0:8}"
err_has "fails its signature check"
expect 0 eval verify "${MRUN:0:8}"
has "reproduced"
expect 0 --format json eval list
[ "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 3 ] &&
    ok || fail "eval list after the clone: $OUT"
# A changed metric in the stored results (kept beside the run, under the
# hash the run signed) is found too, and show refuses the altered run.
M2=$("$DBK" --store "$S" --passphrase-file "$PF" --format json eval run 2024Q2 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
expect 0 eval verify "${M2:0:8}"
"$TAMPER" blob-set "$S" "$PF" "$M2" r \
    '{"groups":[{"metrics":[{"key":"new_customers","value":"15"}]}]}' \
    >/dev/null 2>"$T/tamper.err" && ok || fail "dbk-tamper blob-set: $(cat "$T/tamper.err")"
expect 6 eval verify "${M2:0:8}"
err_has "do not match what it signed"
err_one_line
expect 6 eval show "${M2:0:8}"
err_has "do not match what it signed"
expect 6 eval show "$RUN"
err_has "fails its signature check"

# ---- plan milestones: todo and timeline, done when the stage is reached ----
S="$T/before-tamper"
h=$(store_hash)
expect 5 plan add 20240501 signing 2024-07-20
err_has "'signing'"; err_one_line
expect 4 plan add NOSUCH proposal 2024-07-20
[ "$(store_hash)" = "$h" ] && ok || fail "a refused plan changed the store"
expect 0 plan add 20240501 proposal 2024-07-20 --note 提交方案
expect 0 todo
printf '%s\n' "$OUT" | grep -q '2024-07-20 .*20240501 .*plan: proposal' && ok ||
    fail "todo lacks the plan: $OUT"
expect 0 timeline 20240501
printf '%s\n' "$OUT" | grep -q 'plan .*proposal.*\[open\]' && ok ||
    fail "timeline: open plan: $OUT"
expect 0 stage 20240501 proposal --at '2024-07-04 10:00' \
    --check need_clarity=high --check acceptance=high
expect 0 timeline 20240501
printf '%s\n' "$OUT" | grep -q 'plan .*proposal.*\[done\]' && ok ||
    fail "timeline: done plan: $OUT"
expect 0 todo
lacks "plan: proposal"
# A stage change after the period leaves the Q2 run reproduced.
expect 0 eval verify "$RUN"
has "reproduced"
# ---- a reader without the restricted key: amounts are "restricted" ----
# (dbk-tamper rkey-drop makes this store forget the current restricted
# secret, as a member without restricted access never had it.)
cp -r "$S" "$T/nokey"
"$TAMPER" rkey-drop "$T/nokey" "$PF" 2>"$T/tamper.err" && ok ||
    fail "dbk-tamper rkey-drop: $(cat "$T/tamper.err")"
S="$T/nokey"
expect 0 --reveal --format json eval 2024Q2 --by member
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["restricted_key"] == "0", d["restricted_key"]
for g in d["groups"]:
    for m in g["metrics"]:
        if m["key"] in ("signed_amount", "avg_order_value", "collection_rate", "weighted_pipeline"):
            assert m["status"] == "restricted", (g["name"], m)
            assert m["value"] is None and m["num"] is None and m["den"] is None, m
        if m["key"] == "new_customers" and g["name"] is None:
            assert m["value"] == "12", m
' && ok || fail "amounts without the key: $OUT"
# (goal targets are goals, not customer data: 5,000,000 may show)
for a in 6000000 6,000,000 4800000 4,800,000 1200000 1,200,000; do lacks "$a"; done
expect 0 --reveal eval 2024Q2
has "no restricted key"
printf '%s\n' "$OUT" | grep -Eq '^signed_amount +restricted' && ok ||
    fail "signed_amount row without the key: $OUT"
finish
