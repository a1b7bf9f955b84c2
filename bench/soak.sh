#!/usr/bin/env bash
# bench/soak.sh - the kill -9 test of `wachter run` at length: TRIALS (default 300) kills at
# random moments while a 400-employee dataset (about 700,000 lines) is posted; at the end
# every event must be counted once and the alerts must equal analyze's, byte for byte.
#   bash bench/soak.sh [TRIALS] [EMPLOYEES]
set -euo pipefail
cd "$(dirname "$0")/.."
make -s all >/dev/null
TRIALS=${1:-300} EMPLOYEES=${2:-400} BATCH=500 WACHTER=./wachter bash tests/live/crash.sh
