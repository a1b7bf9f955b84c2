#!/usr/bin/env bash
# web/build.sh - puts the web application's third-party files into web/vendor/ (gitignored).
#
# The application itself (web/*.js, *.html, *.css) is plain ES modules and needs no build.
# Its one runtime dependency, Chart.js, comes from npm (package-lock.json pins it):
# `npm ci` installs it into node_modules/ when that is missing or stale, and this script
# copies its UMD build to web/vendor/chart.umd.js, which index.html loads.
# Browsers are never downloaded (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD): the tests use Debian's
# chromium. Exits non-zero when npm or the copy fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -f node_modules/chart.js/dist/chart.umd.js ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p web/vendor
cp node_modules/chart.js/dist/chart.umd.js web/vendor/chart.umd.js
cp node_modules/chart.js/LICENSE.md web/vendor/chart.js.LICENSE.md
echo "web/build.sh: web/vendor/chart.umd.js ($(node -p "require('./node_modules/chart.js/package.json').version"))"
