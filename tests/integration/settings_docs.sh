#!/usr/bin/env bash
# settings_docs.sh - the settings reference and the example file shipped in docs/ are what
# the binary says: a changed default or a new setting that the docs miss fails here, so
# that an analyst who copies the example does not silently run other settings than the
# defaults. The same for the web application's list of indicators (the queue's filter and
# the exceptions form) and their labels in both languages.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."

"$WACHTER" config --doc >"$T/config.md"
check "docs/config.md equals wachter config --doc" diff -u docs/config.md "$T/config.md"
"$WACHTER" config --defaults >"$T/example.json"
check "docs/wachter.example.json equals wachter config --defaults" \
    diff -u docs/wachter.example.json "$T/example.json"
check "wachter config --check accepts docs/wachter.example.json" \
    "$WACHTER" config --check docs/wachter.example.json

# What differs between the binary's indicators and the web's; nothing when equal.
web_differs=$(python3 - "$T/example.json" <<'PY'
import json, re, sys
names = list(json.load(open(sys.argv[1]))["indicators"])
queue = open("web/views/queue.js").read()
listed = re.findall(r"'([a-z_]+)'", re.search(r"INDICATORS = \[(.*?)\]", queue, re.S).group(1))
i18n = open("web/i18n.js").read()
for n in sorted(set(names) ^ set(listed)):
    print("web/views/queue.js INDICATORS:", n, "missing" if n in names else "is no indicator")
for n in names:
    if i18n.count("'ind.%s':" % n) != 2:
        print("web/i18n.js: ind.%s needs a Dutch and an English label" % n)
PY
)
check "the web lists every indicator, with labels in both languages" test -z "$web_differs"
[ -z "$web_differs" ] || echo "$web_differs"
finish
