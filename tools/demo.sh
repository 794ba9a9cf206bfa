#!/usr/bin/env bash
# demo.sh -- build two demo stores and show them.  ./demo-store: the
# source document's two example customers (template 1,
# tests/fixtures/template1_examples.csv) and its 2024 Q2 evaluation example
# (a team of 王伟 and 李娜, tests/fixtures/q2_team.sh), entered through the
# CLI; ./demo-big-store: a generated, realistic 2024 of a team (dbk-gen),
# kept apart so it does not change the Q2 numbers; ./demo-csv-store: the
# two example rows imported from tests/fixtures/template1_examples.csv.
# Prints customer lists, one customer's timeline, the 2024Q2 evaluation,
# records and verifies an evaluation run, then shows the spreadsheets:
# the tracking table exported back and template 2 for 2024Q2.
#
#   bash tools/demo.sh [BUILD_DIR]        (default: build)
#
# Both stores' passphrase is "demo passphrase", in ./demo-store.pass -- a
# demo convenience; real stores ask on the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
DB="$B/dealbook"
GEN="$B/tools/dbk-gen"
S=demo-store
BIG=demo-big-store
PF=demo-store.pass
export TZ=${TZ:-Asia/Shanghai}

rm -rf "$S" "$BIG"
umask 077
printf 'demo passphrase\n' > "$PF"
d() { "$DB" --store "$S" --passphrase-file "$PF" "$@"; }
big() { "$DB" --store "$BIG" --passphrase-file "$PF" "$@"; }

echo "== generating a team's 2024 into $BIG (60 customers, 400 interactions) =="
"$GEN" --store "$BIG" --passphrase-file "$PF" --kdf interactive \
    --member 王伟 --customers 60 --interactions 400 --seed 2024 >/dev/null

d init --member 王伟 --kdf interactive >/dev/null
. tests/fixtures/q2_team.sh
echo "== entering the source document's two example rows =="
q2_examples
echo
echo "== entering the team's 2024 Q2 (tests/fixtures/q2_team.sh) =="
q2_team_rest
echo "12 customers won in Q2 (8 王伟's, 4 李娜's) with their deals and payments,"
echo "6 more leads, the goals of 2024Q2 and the team's review"
echo
echo "== dealbook customer list --stage intent =="
d customer list --stage intent
echo
all=$(big customer list)
echo "== dealbook --store $BIG customer list (the generated year: first 15 of $(($(printf '%s\n' "$all" | wc -l) - 2)) customers) =="
printf '%s\n' "$all" | sed -n 1,17p
echo
echo "== dealbook timeline 20240501 =="
d timeline 20240501
echo
echo "== dealbook eval 2024Q2 =="
d eval 2024Q2
echo
echo "== dealbook --reveal eval 2024Q2 --by member (王伟's part; amounts need --reveal) =="
d --reveal eval 2024Q2 --by member | sed -n '/^scope: 王伟$/,$p'
echo
echo "== dealbook eval run 2024Q2 =="
out=$(d eval run 2024Q2)
printf '%s\n' "$out"
run=$(printf '%s\n' "$out" | sed -n 's/^evaluation run \([0-9a-f]\{8\}\) .*/\1/p')
echo
echo "== dealbook eval verify $run =="
d eval verify "$run"
echo
echo "== the spreadsheets: template 1 in, templates 1 and 2 out =="
CSV=demo-csv-store
rm -rf "$CSV"
c() { "$DB" --store "$CSV" --passphrase-file "$PF" "$@"; }
c init --member 王伟 --kdf interactive >/dev/null
echo "\$ dealbook csv import tests/fixtures/template1_examples.csv"
c csv import tests/fixtures/template1_examples.csv
echo "\$ dealbook --lang zh customer list"
c --lang zh customer list
echo "\$ dealbook --lang zh --reveal csv export tracking   (the same two rows back)"
c --lang zh --reveal csv export tracking | tr -d '\r' | sed '1s/^\xEF\xBB\xBF//'
echo "\$ dealbook --lang zh --reveal csv export evaluation 2024Q2   (template 2, on $S)"
d --lang zh --reveal csv export evaluation 2024Q2 | tr -d '\r' | sed '1s/^\xEF\xBB\xBF//'
echo
echo "Demo stores: $S (the examples and the team's Q2), $BIG (a"
echo "generated year) and $CSV (the example rows imported from CSV),"
echo "passphrase in $PF.  Try:"
echo "  $DB --store $S --passphrase-file $PF --reveal customer show 20240501"
echo "  $DB --store $S --passphrase-file $PF --format md eval 2024Q2 --by industry"
echo "  $DB --store $S --passphrase-file $PF eval show $run"
