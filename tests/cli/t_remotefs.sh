#!/usr/bin/env bash
# R19: a store on a network or FUSE filesystem gives a warning (and still
# works); on a local disk there is none.  Test builds pretend with
# DEALBOOK_TEST_FSMAGIC; release builds check only the local case.
. "$(dirname "$0")/lib.sh"

init_store
expect 0 whoami
[ -z "$ERR" ] && ok || fail "warning on a local disk: $ERR"
if [ "${DBK_TEST_BUILD:-0}" = 1 ]; then
	for magic in 0x6969 0xff534d42 0x65735546; do
		DEALBOOK_TEST_FSMAGIC=$magic expect 0 whoami
		err_has "network or FUSE filesystem"
	done
	DEALBOOK_TEST_FSMAGIC=0xef53 expect 0 whoami   # ext4
	[ -z "$ERR" ] && ok || fail "warning for ext4: $ERR"
fi
finish
