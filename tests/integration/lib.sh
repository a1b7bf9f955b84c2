# lib.sh - helpers shared by the black-box tests of the wachter binary (sourced, not run).
#
# Each test script runs with WACHTER set to the binary under test (./wachter or the
# ASan/UBSan build), works in its own temporary directory, and reports one line per check,
# "ok - what" or "not ok - what", which tests/run.sh counts. The script exits non-zero
# when any check failed.
set -u
WACHTER=${WACHTER:-./wachter}
case "$WACHTER" in /*) ;; *) WACHTER="$PWD/$WACHTER" ;; esac
T=$(mktemp -d /tmp/wachter-it-XXXXXX)
[ -n "${KEEP:-}" ] && echo "# keeping $T"
trap "[ -n \"${KEEP:-}\" ] || rm -rf \"\$T\"" EXIT
FAILED=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }
# check DESCRIPTION COMMAND...: runs the command, ok when it exits 0.
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() { exit "$FAILED"; }

# A small generated dataset in $1 (dataset/ and truth/), seed $2, employees $3.
gen_dataset() {
    "$WACHTER" gen "$1" --employees "${3:-50}" --seed "${2:-7}" >/dev/null 2>&1
}

# analyze_into DIR DATASET [extra args]: runs analyze with every output inside DIR;
# stdout/stderr go to DIR/out and DIR/err, the exit status to DIR/rc.
analyze_into() {
    local d=$1 ds=$2
    shift 2
    mkdir -p "$d"
    "$WACHTER" analyze "$ds" --db "$d/w.db" --key "${KEY:-$d/w.key}" --alerts-out "$d/alerts.jsonl" \
        --stats-out "$d/stats.json" --rejects-out "$d/rejects.jsonl" "$@" \
        >"$d/out" 2>"$d/err"
    echo $? >"$d/rc"
}
