#!/usr/bin/env bash
# setup.sh -- install what is missing, build dealbook, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "built: build/dealbook"
bash tools/demo.sh build
