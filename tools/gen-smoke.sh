#!/bin/sh
# gen-smoke.sh DBK_GEN -- the generator is deterministic: two stores made
# with the same seed dump the same logical content, a third made with
# another seed does not, and the dump holds what was asked for.
set -eu

gen=${1:?usage: gen-smoke.sh path/to/dbk-gen}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dbk-gen-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "gen-smoke: FAIL: $*" >&2; exit 1; }

printf 'smoke passphrase\n' > "$tmp/pass"
run() { # dir seed batch [mapsize]
	env ${4:+DEALBOOK_TEST_MAPSIZE=$4} "$gen" --store "$tmp/$1" \
	    --customers 50 --interactions 300 --seed "$2" --kdf test \
	    --passphrase-file "$tmp/pass" --batch "$3" >/dev/null ||
	    fail "dbk-gen exited $? for $1"
	"$gen" --store "$tmp/$1" --dump --passphrase-file "$tmp/pass" \
	    > "$tmp/$1.dump" || fail "dbk-gen --dump exited $? for $1"
}
run a 7 10000
# b: other batches, and a map so small (test builds honour
# DEALBOOK_TEST_MAPSIZE) that batches fill it and are run again.
run b 7 64 131072
run c 8 10000

cmp -s "$tmp/a.dump" "$tmp/b.dump" || {
	diff "$tmp/a.dump" "$tmp/b.dump" | head -20 >&2
	fail "the same seed gave different content"
}
cmp -s "$tmp/a.dump" "$tmp/c.dump" && fail "seeds 7 and 8 gave the same content"

# Exactly what was asked for: 50 customers (codes C000001..C000050) and
# 300 interactions, every interaction naming one of those customers.
grep -qx "$(printf 'count\tcustomer\t50')" "$tmp/a.dump" ||
	fail "expected 50 customers"
grep -qx "$(printf 'count\tinteraction\t300')" "$tmp/a.dump" ||
	fail "expected 300 interactions"
n=$(grep -c "^customer	.*	code=C0000[0-5][0-9]	" "$tmp/a.dump" || true)
[ "$n" -eq 50 ] || fail "expected codes C000001..C000050, found $n"
n=$(grep -c "^interaction	.*	customer=C0000[0-5][0-9]	" "$tmp/a.dump" || true)
[ "$n" -eq 300 ] || fail "expected 300 interactions with a customer, found $n"
# Some interactions were typed in late and flagged so; most were not.
late=$(grep -c "^interaction	.*	late=1	" "$tmp/a.dump" || true)
[ "$late" -ge 1 ] && [ "$late" -le 60 ] ||
	fail "expected a few late interactions (about 5%), found $late"
echo "gen-smoke: ok ($late of 300 interactions late)"
