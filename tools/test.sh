#!/usr/bin/env bash
# test.sh -- run every test: a release build with warnings as errors, then
# the test build with AddressSanitizer and UndefinedBehaviorSanitizer,
# then each fuzzer for a short fixed time (docs/FUZZING.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
jobs=$(nproc)

echo "== release build (-Werror) =="
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DDBK_WERROR=ON >/dev/null
cmake --build build-release -j"$jobs"
(cd build-release && ctest --output-on-failure -j"$jobs")

echo "== test build (ASan + UBSan, DBK_TESTING) =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DDBK_WERROR=ON \
    -DDBK_SANITIZE=ON -DDBK_TESTING=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan &&
    ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --output-on-failure -j"$jobs")

echo "== fuzzers (20 s each) =="
bash tools/fuzz.sh 20
