#!/usr/bin/env bash
# R22: Argon2id parameters below the interactive floor are refused by a
# release build (exit 6, nothing written) and accepted by a test build;
# a wrong passphrase is its own error (exit 3).
. "$(dirname "$0")/lib.sh"
TAMPER=${2:?usage: t_weakkdf.sh dealbook dbk-tamper}

init_store
expect 0 customer add 科技有限公司 --code 20240501
"$TAMPER" set-kdf "$S" "$PF" 1 8192 && ok || fail "could not re-wrap"
before=$(store_hash)
if [ "${DBK_TEST_BUILD:-0}" = 1 ]; then
	expect 0 customer show 20240501
	has "科技有限公司"
else
	expect 6 customer show 20240501
	err_has "below the floor"
	err_one_line
	[ "$(store_hash)" = "$before" ] && ok || fail "refusal wrote to the store"
	# The refusal comes before the passphrase is even tried.
	printf 'wrong\n' > "$T/wrong"
	OUT=$("$DBK" --store "$S" --passphrase-file "$T/wrong" whoami 2>&1)
	[ $? -eq 6 ] && ok || fail "weak KDF with a wrong passphrase: $OUT"
	# The test KDF level itself is not offered by a release build.
	OUT=$("$DBK" --store "$T/other" --passphrase-file "$PF" init --member x \
	    --kdf test 2>&1)
	[ $? -eq 5 ] && ok || fail "release build accepted --kdf test: $OUT"
fi
finish
