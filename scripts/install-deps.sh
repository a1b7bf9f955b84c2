#!/usr/bin/env bash
# Installs the Debian packages that wachter builds and tests with, only when one is missing,
# so that `make test` and `make demo` work on a fresh Debian machine (as root).
set -euo pipefail
pkgs=(build-essential pkg-config clang libclang-rt-14-dev libsqlite3-dev sqlite3 libsodium-dev
      libcjson-dev libmicrohttpd-dev libcmocka-dev tzdata curl python3 time)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
