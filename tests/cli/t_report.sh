#!/usr/bin/env bash
# The HTML report, end to end, on the source document's 2024 Q2 example
# (tests/fixtures/q2_team.sh), rendered in headless Chromium by
# report_check.py: one self-contained file (no script, nothing fetched,
# nothing logged), its sections, the funnel's counts as eval gives them,
# CJK drawn in a CJK font, amounts masked (no digit of any of them in the
# page) unless --reveal, zh and en, --by member and industry, the audited
# footer of a signed run, an A4 PDF and a screenshot; bad period (exit 5),
# no -o (exit 2), unwritable outputs (exit 1, one line) leave no file.
#
# Needs chromium and fonts-noto-cjk (bash tools/deps.sh installs them):
# without chromium the test fails, it does not skip.
. "$(dirname "$0")/lib.sh"
TESTB=${DBK_TEST_BUILD:-0}
CHECK="python3 $(cd "$(dirname "$0")" && pwd)/report_check.py"
CHROMIUM=${DBK_CHROMIUM:-chromium}
# One Chromium at a time; generous for a busy 2-core machine.
CT=${DBK_REPORT_TIMEOUT:-120}

if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
	echo "FAIL: $CHROMIUM is not installed: the report test renders the report in headless Chromium; run 'bash tools/deps.sh' (Debian packages chromium and fonts-noto-cjk)" >&2
	exit 1
fi

[ "$TESTB" = 1 ] && export DEALBOOK_TEST_NOW="2024-07-05 12:00"
init_store 王伟
d() { "$DBK" --store "$S" --passphrase-file "$PF" "$@"; }
. "$(dirname "$0")/../fixtures/q2_team.sh"
q2_team >/dev/null && ok || fail "entering the fixture failed"
R="$T/out"
mkdir "$R"

# check NAME ARGS...: report_check.py on $R/NAME; its stdout in $CHK.
check() {
	local f=$1; shift
	# (TMPDIR: Chromium's profile goes under $T, removed on exit whatever
	# happens to report_check.py.)
	CHK=$(TMPDIR="$T" $CHECK --timeout "$CT" "$@" "$R/$f" 2>"$T/check.err")
	local rc=$?
	if [ "$rc" -eq 0 ]; then
		ok
	else
		fail "report_check $f exited $rc: $(cat "$T/check.err")"
	fi
}
# no_file PATH: a failed report left nothing there.
no_file() { [ ! -e "$1" ] && ok || fail "a failed report left $1"; }
# self_contained FILE: no script, no http(s) URL but the SVG namespaces.
self_contained() {
	[ "$(grep -ci '<script' "$1")" -eq 0 ] && ok || fail "<script in $1"
	sed -e 's#xmlns\(:xlink\)\?="http://www\.w3\.org/[0-9]*/[a-z]*"##g' "$1" |
	    grep -Eqi 'https?:' && fail "a URL in $1: $(grep -Eoi '.{30}https?:.{30}' "$1" | head -3)" || ok
}

# ---- what the report must show: the funnel and the amounts, from eval ----
expect 0 --format json eval 2024Q2
FUNNEL=$(printf '%s' "$OUT" | python3 -c '
import json, sys
f = json.load(sys.stdin)["groups"][0]["funnel"]
print(json.dumps({k: int(v) for k, v in f.items()}))')
case "$FUNNEL" in *'"lead": 6'*'"won": 12'*) ok ;; *) fail "funnel from eval: $FUNNEL" ;; esac
# Every amount: deals, payments, and each money indicator of the team,
# member and industry groups (value, target, previous, median), but 0.
AMOUNTS=$(
	{
		d --reveal --format json deal list
		echo
		d --reveal --format json payment list
		echo
		for by in team member industry; do
			d --reveal --format json eval 2024Q2 --by "$by"
			echo
		done
	} | python3 -c '
import json, sys
seen = set()
for line in sys.stdin:
    if not line.strip():
        continue
    doc = json.loads(line)
    if isinstance(doc, list):
        seen.update(x["amount"] for x in doc)
        continue
    for g in doc["groups"]:
        for m in g["metrics"]:
            vals = []
            if m["unit"] == "money":
                vals = [m["value"], m["target"], m["median"],
                        (m["previous"] or {}).get("value")]
            elif m["key"] == "collection_rate" and m["num"] is not None:
                # collected and signed, in minor units
                vals = ["%.2f" % (int(m["num"]) / 100),
                        "%.2f" % (int(m["den"]) / 100)]
            for v in vals:
                if isinstance(v, dict):
                    v = v.get("value")
                if v is not None:
                    seen.add(v)
def canon(v):
    c = int(round(float(v) * 100))
    return str(c // 100) if c % 100 == 0 else "%d.%02d" % (c // 100, c % 100)
print(",".join(sorted({canon(v) for v in seen if float(v) != 0}, key=float)))')
for a in 200000 500000 600000 800000 4800000 5000000 6000000 5210000 2150000; do
	case ",$AMOUNTS," in *",$a,"*) ok ;; *) fail "amount $a not gathered: $AMOUNTS" ;; esac
done

# ---- masked (the default): nothing of any amount in the page ----
h=$(store_hash)
expect 0 report 2024Q2 -o "$R/X.html"
[ -s "$R/X.html" ] && ok || fail "report -o wrote nothing"
check X.html --funnel "$FUNNEL" --masked --amounts "$AMOUNTS" --cjk \
    --no-audit --pdf "$R/X.pdf" --screenshot "$R/X.png"
self_contained "$R/X.html"
[ "$(store_hash)" = "$h" ] && ok || fail "report changed the store"
for a in 4800000 4,800,000 6,000,000 600,000; do
	grep -q "$a" "$R/X.html" && fail "masked report holds $a" || ok
done
grep -q '••••' "$R/X.html" && ok || fail "masked report has no ••••"
# --output is -o.
expect 0 report 2024Q2 --output "$R/X2.html"
[ -s "$R/X2.html" ] && ok || fail "report --output wrote nothing"

# ---- --reveal: the amounts are there, each in a .amount ----
expect 0 --reveal report 2024Q2 -o "$R/Y.html"
check Y.html --funnel "$FUNNEL" --revealed --shown 6000000,500000 \
    --amounts "$AMOUNTS" --cjk --no-audit
grep -q '6,000,000' "$R/Y.html" && ok || fail "revealed report lacks 6,000,000"
expect 0 --reveal report 2024Q2 --by member -o "$R/YM.html"
check YM.html --funnel "$FUNNEL" --revealed --shown 4800000,5000000,1200000 \
    --amounts "$AMOUNTS" --cjk
grep -q '4,800,000' "$R/YM.html" && ok || fail "revealed report lacks 4,800,000"
grep -q '5,000,000' "$R/YM.html" && ok || fail "revealed report lacks 王伟's goal 5,000,000"

# ---- --by member and industry, masked ----
for by in member industry; do
	expect 0 report 2024Q2 --by "$by" -o "$R/B$by.html"
	check "B$by.html" --funnel "$FUNNEL" --masked --amounts "$AMOUNTS" --cjk
	self_contained "$R/B$by.html"
done
grep -q '李娜' "$R/Bmember.html" && ok || fail "--by member report lacks 李娜"
grep -q '互聯網' "$R/Bindustry.html" && ok || fail "--by industry report lacks 互聯網"

# ---- zh and en: different headings, CJK drawn either way ----
expect 0 --lang zh report 2024Q2 -o "$R/zh.html"
check zh.html --lang zh --funnel "$FUNNEL" --masked --amounts "$AMOUNTS" --cjk
HZH=$(printf '%s\n' "$CHK" | sed -n 's/^heading: //p')
expect 0 --lang en report 2024Q2 -o "$R/en.html"
check en.html --lang en --funnel "$FUNNEL" --masked --amounts "$AMOUNTS" --cjk
HEN=$(printf '%s\n' "$CHK" | sed -n 's/^heading: //p')
[ -n "$HZH" ] && [ -n "$HEN" ] && [ "$HZH" != "$HEN" ] && ok ||
    fail "zh and en headings: '$HZH' and '$HEN'"
printf '%s' "$HZH" | grep -q '[^ -~]' && ok || fail "zh heading is all ASCII: $HZH"
case "$HZH$HEN" in *2024Q2*2024Q2*) ok ;; *) fail "headings lack the period: $HZH / $HEN" ;; esac
grep -q '成交' "$R/zh.html" && ok || fail "zh report lacks 成交"

# ---- a signed run: the audited footer ----
expect 0 eval run 2024Q2
RUN=$(printf '%s\n' "$OUT" | sed -n 's/^evaluation run \([0-9a-f]\{8\}\) recorded.*/\1/p')
[ ${#RUN} -eq 8 ] && ok || fail "eval run: $OUT"
h=$(store_hash)
expect 0 report --run "$RUN" -o "$R/Z.html"
check Z.html --audit "$RUN" --funnel "$FUNNEL" --masked --amounts "$AMOUNTS" \
    --sections eval,achievement,funnel,trend,stalled,timeliness,review,audit
self_contained "$R/Z.html"
[ "$(store_hash)" = "$h" ] && ok || fail "report --run changed the store"
grep -q "dealbook eval verify $RUN" "$R/Z.html" && ok ||
    fail "Z.html lacks 'dealbook eval verify $RUN'"
expect 0 eval verify "$RUN"
has "reproduced"
# A run that no longer reproduces makes no page: 20240302's 600,000
# becomes 700,000 (exit 6, naming the run), then back.
expect 0 --format json customer list
CID=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([c["id"] for c in json.load(sys.stdin) if c["code"] == "20240302"][0])')
expect 0 --format json deal list
DEAL=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([x["id"] for x in json.load(sys.stdin) if x["customer"] == sys.argv[1]][0])' "$CID")
expect 0 edit "${DEAL:0:8}" --set amount=700000
expect 6 report --run "$RUN" -o "$R/stale.html"
err_has "$RUN"; err_one_line
no_file "$R/stale.html"
expect 0 edit "${DEAL:0:8}" --set amount=600000
expect 0 report --run "$RUN" -o "$R/stale.html"
[ -s "$R/stale.html" ] && ok || fail "report --run after the restore wrote nothing"
rm -f "$R/stale.html"

# ---- bad inputs: the exit code, one line, no file ----
for p in 2024Q5 24Q2 Q2; do
	expect 5 report "$p" -o "$R/bad-$p.html"
	err_has "'$p'"; err_one_line
	no_file "$R/bad-$p.html"
done
expect 5 report 2024Q2 --by nobody -o "$R/bad-by.html"
err_has "'nobody'"
no_file "$R/bad-by.html"
expect 4 report --run ffffffff -o "$R/bad-run.html"
no_file "$R/bad-run.html"
expect 2 report 2024Q2 --run "$RUN" -o "$R/bad-both.html"
no_file "$R/bad-both.html"
expect 2 report --run "$RUN" --by member -o "$R/bad-both.html"
no_file "$R/bad-both.html"
expect 2 report 2024Q2
expect 2 report -o "$R/noperiod.html"
no_file "$R/noperiod.html"
# A failed report leaves an existing file as it was.
cp "$R/X.html" "$R/keep.html"
expect 5 report 2024Q9 -o "$R/keep.html"
cmp -s "$R/X.html" "$R/keep.html" && ok || fail "a failed report changed keep.html"
# Unwritable: a missing directory, a directory in the way, a read-only
# directory, a full disk (a 4 KB file size limit).  Exit 1, one line,
# nothing left behind.
before=$(ls -A "$R" | sort)
expect 1 report 2024Q2 -o "$R/nodir/W.html"
err_one_line
no_file "$R/nodir"
mkdir "$R/W.html"
expect 1 report 2024Q2 -o "$R/W.html"
err_one_line
[ -d "$R/W.html" ] && [ -z "$(ls -A "$R/W.html")" ] && ok ||
    fail "report -o onto a directory changed it"
rmdir "$R/W.html"
# A directory without write permission (root writes anyway: not then).
if [ "$(id -u)" -ne 0 ]; then
	mkdir "$R/ro"
	chmod 555 "$R/ro"
	expect 1 report 2024Q2 -o "$R/ro/W.html"
	err_one_line
	no_file "$R/ro/W.html"
	chmod 755 "$R/ro"
	rmdir "$R/ro"
fi
OUT=$( (trap '' XFSZ; ulimit -f 4; exec "$DBK" --store "$S" --passphrase-file "$PF" \
    report 2024Q2 -o "$R/F.html") 2>"$T/stderr")
RC=$?
ERR=$(cat "$T/stderr")
[ "$RC" -eq 1 ] && ok || fail "report past the file size limit exited $RC: $ERR"
err_one_line
no_file "$R/F.html"
[ "$(ls -A "$R" | sort)" = "$before" ] && ok ||
    fail "failed reports left files: $(comm -13 <(printf '%s\n' "$before") <(ls -A "$R" | sort) | tr '\n' ' ')"
finish
