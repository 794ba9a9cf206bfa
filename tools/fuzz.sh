#!/usr/bin/env bash
# fuzz.sh [SECONDS] -- build the libFuzzer harnesses (tests/fuzz, clang,
# ASan + UBSan) in build-fuzz and run each for SECONDS (default 60) from
# its seed corpus (docs/FUZZING.md).  New inputs the fuzzers find go to
# build-fuzz/corpus/NAME, never into the checked-in seeds.  Fails on the
# first crash, naming the input that crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
jobs=${FUZZ_JOBS:-2}

CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug \
    -DDBK_FUZZ=ON -DDBK_TESTING=ON -DDBK_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzzers

# Inputs beyond these sizes buy little but slowness: a bundle of two
# chunks (the 64 KiB + 1 vectors), a plaintext or a CSV of a few records.
declare -A maxlen=([bundle]=70000 [import]=16384 [record]=8192
    [parse]=256 [audit]=8192 [csv]=8192 [sheet]=4096)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for name in bundle import record parse audit csv sheet; do
	work=build-fuzz/corpus/$name
	art=build-fuzz/artifacts/$name/
	mkdir -p "$work" "$art"
	echo "== fuzz_$name: ${secs}s =="
	if ! build-fuzz/tests/fuzz/fuzz_"$name" -max_total_time="$secs" \
	    -max_len="${maxlen[$name]}" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$art" \
	    "$work" tests/fuzz/corpus/"$name" >"build-fuzz/fuzz_$name.log" 2>&1; then
		tail -n 60 "build-fuzz/fuzz_$name.log"
		echo "fuzz_$name: FAILED; crashing input:" \
		    "$(ls -t "$art"* 2>/dev/null | head -n 1)"
		status=1
		continue
	fi
	grep -E '^stat::number_of_executed_units|^Done' \
	    "build-fuzz/fuzz_$name.log" || true
done
exit $status
