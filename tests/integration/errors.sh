#!/usr/bin/env bash
# errors.sh - a dataset that cannot be analysed: exit non-zero, exactly one line on stderr
# naming the file (and the column or key), and nothing written: no alerts, stats, rejects,
# database or key file (cli.md: "writes nothing").
. "$(dirname "$0")/lib.sh"

gen_dataset "$T/g" 11 50 || { not_ok "gen"; finish; }

# expect_refusal NAME DATASET PATTERN [extra args]
expect_refusal() {
    local name=$1 ds=$2 pat=$3
    shift 3
    local d="$T/run-$name"
    analyze_into "$d" "$ds" "$@"
    local rc lines
    rc=$(cat "$d/rc")
    lines=$(grep -c '' "$d/err")
    check "$name: exits non-zero" test "$rc" -ne 0
    check "$name: one line on stderr (got $lines)" test "$lines" -eq 1
    check "$name: stderr names $pat" grep -q -- "$pat" "$d/err"
    local left
    left=$(cd "$d" && ls -A | grep -v -x -e out -e err -e rc | tr '\n' ' ')
    check "$name: writes nothing (found: ${left:-none})" test -z "$left"
}

cp -r "$T/g/dataset" "$T/no-emp" && rm "$T/no-emp/employees.csv"
expect_refusal missing-employees "$T/no-emp" 'employees.csv'

cp -r "$T/g/dataset" "$T/no-user" && sed -i '1s/^user,/usr,/' "$T/no-user/employees.csv"
expect_refusal missing-user-column "$T/no-user" "employees.csv.*user"

cp -r "$T/g/dataset" "$T/no-case-col" && sed -i '1s/^case,/kase,/' "$T/no-case-col/case_members.csv"
expect_refusal missing-case-column "$T/no-case-col" "case_members.csv.*case"

cp -r "$T/g/dataset" "$T/no-events" && rm -r "$T/no-events/events"
expect_refusal missing-events-dir "$T/no-events" 'events'

# Root can read any directory, so "unreadable" is made by putting a file where the
# directory should be.
cp -r "$T/g/dataset" "$T/file-events" && rm -r "$T/file-events/events" && echo x >"$T/file-events/events"
expect_refusal unreadable-events-dir "$T/file-events" 'events'

cp -r "$T/g/dataset" "$T/bad-date" && sed -i '2s/,20[0-9][0-9]-[0-9][0-9]-[0-9][0-9],/,2020-13-45,/' "$T/bad-date/employees.csv"
expect_refusal bad-start-date "$T/bad-date" 'employees.csv:2'

expect_refusal missing-dataset "$T/does-not-exist" 'does-not-exist'

echo '{"no_such_setting": 1}' >"$T/bad.json"
expect_refusal config-unknown-key "$T/g/dataset" 'no_such_setting' --config "$T/bad.json"
echo '{"engine": {"alert_treshold": 0.4}}' >"$T/typo.json"
expect_refusal config-unknown-nested-key "$T/g/dataset" 'alert_treshold' --config "$T/typo.json"
echo '{"engine": {"corroboration": 1.5}}' >"$T/range.json"
expect_refusal config-out-of-range "$T/g/dataset" 'corroboration must lie between 0 and 1' \
    --config "$T/range.json"
echo '{"indicators": {"colleague_lookup": {"volume_norm": 2}}}' >"$T/norm.json"
expect_refusal config-volume-norm-out-of-range "$T/g/dataset" 'volume_norm must lie between 0 and 1' \
    --config "$T/norm.json"
echo '{"indicators": {"colleague_lookup": {"team_days": 1e300}}}' >"$T/huge.json"
expect_refusal config-setting-too-large "$T/g/dataset" 'team_days must be a number from 0 to' \
    --config "$T/huge.json"
echo '{"engine": ' >"$T/broken.json"
expect_refusal config-not-json "$T/g/dataset" 'broken.json' --config "$T/broken.json"

finish
