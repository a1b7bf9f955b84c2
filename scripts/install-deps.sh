#!/usr/bin/env bash
# Installs the Debian packages that wachter builds and tests with, only when one is missing,
# so that `make test` and `make demo` work on a fresh Debian machine (as root).
set -euo pipefail
pkgs=(build-essential pkg-config clang libclang-rt-14-dev libsqlite3-dev sqlite3 libsodium-dev
      libcjson-dev libmicrohttpd-dev libcmocka-dev tzdata curl python3 time chromium
      librdkafka-dev libpq-dev postgresql wrk bsdutils)
# Node.js (for the web application's chart library and the browser tests): Debian's
# packages only when no node is installed at all, so a newer node already present stays.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs npm)
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
