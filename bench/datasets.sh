# bench/datasets.sh - sourced by the benchmark scripts (from the project root): the
# generated datasets they share, made once into bench/out/ (kept out of git) and reused.

mkdir -p bench/out
[ -f bench/out/.gitignore ] || echo '*' >bench/out/.gitignore

# dataset PREFIX N SEED [GEN OPTIONS...]: print the directory of the dataset of N
# employees and seed SEED made with those `wachter gen` options, generating it when it is
# not there yet. Its name carries the options: q600-5-norel,
# q500-32-days180-start2026-01-05. Returns 1 (the generator's messages on stderr) when
# generating fails.
dataset() {
    local prefix=$1 n=$2 seed=$3
    shift 3
    local suffix="" w
    for w in "$@"; do
        case $w in
        --no-relations) suffix+="-norel" ;;
        --*) suffix+="-${w#--}" ;;
        *) suffix+="$w" ;;
        esac
    done
    local d=bench/out/$prefix$n-$seed$suffix
    if [ ! -f "$d/truth/stats.json" ]; then
        rm -rf "$d"
        ./wachter gen "$d" --employees "$n" --seed "$seed" "$@" >/dev/null 2>"$d.gen.log" ||
            { cat "$d.gen.log" >&2; return 1; }
    fi
    echo "$d"
}

# analyze_eval DATASET-DIR WORK-DIR: analyze DATASET-DIR/dataset with its state in WORK-DIR
# and write the `wachter eval` of its alerts against DATASET-DIR/truth to WORK-DIR/e.json
# (the run's statistics to WORK-DIR/s.json). WACHTER=path uses another binary.
analyze_eval() {
    local bin=${WACHTER:-./wachter}
    "$bin" analyze "$1/dataset" --db "$2/w.db" --key "$2/w.key" --alerts-out "$2/a.jsonl" \
        --stats-out "$2/s.json" --reveal-ids --reveal-reason "detection benchmark" --quiet
    rm -f "$2"/w.db*
    "$bin" eval "$1/truth" "$2/a.jsonl" --json >"$2/e.json"
}
