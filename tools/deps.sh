#!/usr/bin/env bash
# deps.sh -- install the Debian 12 packages dealbook builds and tests with.
# Installs only what is missing; needs root (or sudo) only then.
set -euo pipefail

# chromium and fonts-noto-cjk: tests/cli/t_report.sh renders the HTML
# report in headless Chromium and checks that its Chinese text is drawn.
# git: tests/cli/t_syncdir.sh runs the README's shared-repository recipe.
# clang: tools/fuzz.sh builds the libFuzzer harnesses with it.
pkgs=(build-essential cmake pkg-config libsodium-dev liblmdb-dev
      libcjson-dev libutf8proc-dev libcmocka-dev python3
      chromium fonts-noto-cjk git clang)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
	    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "deps: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	    --no-install-recommends "${missing[@]}" >/dev/null
fi
