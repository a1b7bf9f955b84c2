#!/usr/bin/env bash
# tests/api/run.sh - black-box tests of `wachter serve` with curl (docs/api.md).
#
#   bash tests/api/run.sh PATH/TO/wachter
#
# Builds nothing. In a temporary directory it generates a small dataset with the given
# binary, analyses it into a fresh database, adds one user per role (two analysts, two
# VIK users, two supervisors), starts `wachter serve` on a free loopback port and checks:
# every endpoint answers 401 without a session and 403 for a wrong role; the indicator
# catalogue matches docs/config.md; state changes without the CSRF token, malformed JSON
# and oversized bodies are refused, and no refusal changes the database; dismiss;
# escalate through triage to a registered outcome and closed; the supervisor's view of
# their own team only; four-eyes reveal; exceptions; trends and council figures with CSV
# export; users; static files without traversal; the login rate limit; logout; and
# `wachter audit verify` before and after an UPDATE or a DELETE of one audit row.
#
# Prints "ok - ..." / "not ok - ..." per check and ends with "N passed, N failed"; exits
# non-zero when anything failed. VERBOSE=1 prints response bodies of failures.
set -u
BIN=$(realpath "${1:?usage: tests/api/run.sh PATH/TO/wachter}")
DOCS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../docs" && pwd)
TMP=$(mktemp -d /tmp/wachter-api-XXXXXX)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP" || exit 1
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
nok() {
    failed=$((failed + 1)); echo "not ok - $1"
    [ "${VERBOSE:-0}" = 1 ] && echo "    code=$CODE body=$(head -c 400 "$TMP/body")"
}
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

# ---- data and users --------------------------------------------------------------------
"$BIN" gen ds --employees 300 --days 30 --seed 7 >/dev/null 2>&1 || { echo "gen failed"; exit 1; }
"$BIN" analyze ds/dataset --db w.db --quiet >/dev/null 2>&1 || { echo "analyze failed"; exit 1; }
n_alerts=$(sqlite3 w.db "SELECT count(*) FROM alerts")
[ "$n_alerts" -ge 6 ] || { echo "too few alerts ($n_alerts)"; exit 1; }
# The supervisor's team: that of the employee of the third alert by score.
read -r SUP_UNIT SUP_TEAM < <(sqlite3 -separator ' ' w.db \
    "SELECT p.unit, p.team FROM alerts a JOIN pseudonyms p USING (pseudonym) ORDER BY a.score DESC, a.id LIMIT 1 OFFSET 2")
adduser() { # NAME ROLE [--unit U --team T]
    local name=$1 role=$2; shift 2
    echo "pw-$name-secret" | "$BIN" user add "$name" --role "$role" --db w.db "$@" 2>/dev/null
}
adduser ana analyst && adduser ana2 analyst && adduser viki vik && adduser vik2 vik &&
    adduser priv privacy && adduser adm admin && adduser cou council &&
    adduser sup supervisor --unit "$SUP_UNIT" --team "$SUP_TEAM" &&
    adduser sup2 supervisor --unit "ELSEWHERE" --team "ELSEWHERE-T1"
check "user add stores 9 users" '[ "$(sqlite3 w.db "SELECT count(*) FROM users")" = 9 ]'
check "user add stores Argon2id hashes" \
    '[ "$(sqlite3 w.db "SELECT count(*) FROM users WHERE pwhash LIKE '"'"'\$argon2id\$%'"'"'")" = 9 ]'
echo "short" | "$BIN" user add bad --role analyst --db w.db 2>/dev/null
check "user add refuses a short password" '[ $? -ne 0 ]'
echo "long-enough-pw" | "$BIN" user add bad --role supervisor --db w.db 2>/dev/null
check "user add refuses a supervisor without unit and team" '[ $? -ne 0 ]'

mkdir web && echo '<!doctype html><title>wachter</title>' >web/index.html && echo 'x' >web/app.js
echo "secret" >outside.txt

# ---- server ----------------------------------------------------------------------------
"$BIN" serve --db w.db --listen 127.0.0.1:0 --web web >serve.log 2>&1 &
SERVER_PID=$!
PORT=
for _ in $(seq 1 100); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' serve.log | grep -o '[0-9]*$')
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "$PORT" ] || { echo "server did not start"; cat serve.log; exit 1; }
B=http://127.0.0.1:$PORT

# req METHOD PATH USER [BODY] [nocsrf]: sets CODE, body in $TMP/body. USER "-" = no session.
declare -A CSRF
req() {
    local method=$1 path=$2 user=$3 data=${4:-} mode=${5:-}
    local args=(-s -o "$TMP/body" -w '%{http_code}' -X "$method")
    if [ "$user" != - ]; then
        args+=(-b "$TMP/$user.jar")
        [ "$mode" != nocsrf ] && [ "$method" != GET ] && args+=(-H "X-CSRF-Token: ${CSRF[$user]}")
    fi
    [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
    CODE=$(curl "${args[@]}" "$B$path")
}
jget() { python3 -c "import json,sys; d=json.load(open('$TMP/body')); print($1)" 2>/dev/null; }
# jall EXPR...: the values of the Python expressions over the body d, joined with "|".
jall() {
    local e=$(printf '%s,' "$@")
    python3 -c "import json; d=json.load(open('$TMP/body')); print('|'.join(str(v) for v in ($e)))" 2>/dev/null
}
login() {
    CODE=$(curl -s -o "$TMP/body" -w '%{http_code}' -c "$TMP/$1.jar" \
        -H 'Content-Type: application/json' -d "{\"user\":\"$1\",\"password\":\"pw-$1-secret\"}" \
        "$B/api/session")
    CSRF[$1]=$(jget 'd["csrf"]')
}
for u in ana ana2 viki vik2 priv adm cou sup sup2; do login $u; done
check "login answers 200 with user, role, csrf, lang" \
    '[ "$CODE" = 200 ] && [ "$(jall "d[\"user\"]" "d[\"role\"]" "len(d[\"csrf\"])" "d[\"lang\"]")" = "sup2|supervisor|64|nl" ]'
check "session cookie is HttpOnly and SameSite=Strict" \
    'curl -s -D - -o /dev/null -H "Content-Type: application/json" -d "{\"user\":\"cou\",\"password\":\"pw-cou-secret\"}" $B/api/session | grep -qi "^set-cookie: wachter_session=[0-9a-f]\{64\}; HttpOnly; SameSite=Strict; Path=/"'
check "sessions are stored hashed, never the cookie value" \
    '! sqlite3 w.db "SELECT hex(id_hash) FROM sessions" | grep -qi "$(grep wachter_session $TMP/ana.jar | awk "{print \$7}")"'
req GET /api/me ana
check "GET /api/me answers the login object" '[ "$CODE" = 200 ] && [ "$(jget "d[\"role\"]")" = analyst ]'
# The catalogue is the registry's: the same names, order and titles as the generated
# settings reference, for any role (the council's report names indicators too).
req GET /api/indicators cou
catalogue=$(python3 -c 'import json,sys
for i in json.load(open(sys.argv[1]))["indicators"]:
    print("### `%s` - %s / %s" % (i["name"], i["title_en"], i["title_nl"]))' "$TMP/body" 2>/dev/null)
check "GET /api/indicators lists every indicator with the titles of docs/config.md" \
    '[ "$CODE" = 200 ] && [ -n "$catalogue" ] && [ "$catalogue" = "$(grep "^### \`" "$DOCS/config.md")" ]'
check "GET /api/indicators says what each indicator means" \
    '[ "$(jget "min(len(i[\"help\"]) for i in d[\"indicators\"])")" -ge 40 ]'

A1=$(sqlite3 w.db "SELECT id FROM alerts ORDER BY score DESC, id LIMIT 1")
A2=$(sqlite3 w.db "SELECT id FROM alerts ORDER BY score DESC, id LIMIT 1 OFFSET 1")
A3=$(sqlite3 w.db "SELECT id FROM alerts ORDER BY score DESC, id LIMIT 1 OFFSET 2")
A4=$(sqlite3 w.db "SELECT id FROM alerts ORDER BY score DESC, id LIMIT 1 OFFSET 3")
PSEUDO=$(sqlite3 w.db "SELECT pseudonym FROM alerts WHERE id = $A1")

# ---- refusals: 401, 403 (role), 403 (CSRF), 400, 413; nothing changes -------------------
snapshot() {
    sqlite3 w.db "SELECT * FROM alerts; SELECT * FROM cases; SELECT * FROM alert_history;
        SELECT * FROM case_history; SELECT * FROM reveal_requests; SELECT * FROM exceptions;
        SELECT id, name, role FROM users; SELECT count(*) FROM audit_log; SELECT * FROM reveal_log;
        SELECT hex(id_hash), last_ms FROM sessions ORDER BY 1" | md5sum
}
before=$(snapshot)
# METHOD PATH WRONG-ROLE-USER RIGHT-ROLE-USER BODY
endpoints=(
    "DELETE /api/session - - -"
    "GET /api/me - - -"
    "GET /api/indicators - - -"
    "GET /api/alerts cou ana -"
    "GET /api/alerts/$A1 cou ana -"
    "GET /api/alerts/$A1/activity priv ana -"
    "POST /api/alerts/$A1/dismiss viki ana {\"reason\":\"explained\"}"
    "POST /api/alerts/$A1/escalate viki ana {\"to\":\"triage\"}"
    "GET /api/cases ana viki -"
    "GET /api/cases/1 ana viki -"
    "POST /api/cases/1/transition ana viki {\"to\":\"closed\",\"note\":\"x\"}"
    "POST /api/reveal priv ana {\"pseudonym\":\"$PSEUDO\",\"reason\":\"r\"}"
    "GET /api/reveal ana priv -"
    "POST /api/reveal/1/approve ana priv -"
    "GET /api/reveal/1 priv ana -"
    "GET /api/audit adm priv -"
    "GET /api/exceptions viki ana -"
    "POST /api/exceptions viki ana {\"pseudonym\":\"$PSEUDO\",\"indicator\":\"off_duty\",\"reason\":\"r\",\"expires\":\"2099-01-01\"}"
    "GET /api/stats/trends cou ana -"
    "GET /api/stats/council ana cou -"
    "GET /api/users priv adm -"
    "POST /api/users priv adm {\"name\":\"zz\",\"role\":\"analyst\",\"password\":\"0123456789ab\"}"
)
for ep in "${endpoints[@]}"; do
    read -r m p wrong right body <<<"$ep"
    [ "$body" = - ] && body=
    req "$m" "$p" - "$body"
    check "$m $p without session: 401" '[ "$CODE" = 401 ]'
    if [ "$wrong" != - ]; then
        req "$m" "$p" "$wrong" "$body"
        check "$m $p as $wrong: 403" '[ "$CODE" = 403 ]'
    fi
    if [ "$m" != GET ] && [ "$right" != - ]; then
        req "$m" "$p" "$right" "$body" nocsrf
        check "$m $p without CSRF token: 403" '[ "$CODE" = 403 ]'
        if [ -n "$body" ]; then
            req "$m" "$p" "$right" '{"reason": "explained",'
            check "$m $p with malformed JSON: 400" '[ "$CODE" = 400 ] && grep -q error "$TMP/body"'
        fi
    fi
done
req POST "/api/alerts/$A1/dismiss" ana '{"reason":"not-a-reason"}'
check "dismiss with an unknown reason: 400" '[ "$CODE" = 400 ]'
req POST "/api/alerts/$A1/dismiss" ana '[1,2]'
check "a JSON body that is not an object: 400" '[ "$CODE" = 400 ]'
req POST "/api/alerts/$A1/dismiss" ana '{"reason":"explained"}' nocsrf
CODE_WRONG=$(curl -s -o /dev/null -w '%{http_code}' -b "$TMP/ana.jar" -H "X-CSRF-Token: ${CSRF[viki]}" \
    -X POST -d '{"reason":"explained"}' "$B/api/alerts/$A1/dismiss")
check "another session's CSRF token: 403" '[ "$CODE_WRONG" = 403 ]'
head -c 70000 /dev/zero | tr '\0' a >big.txt
CODE=$(curl -s -o /dev/null -w '%{http_code}' -b "$TMP/ana.jar" -H "X-CSRF-Token: ${CSRF[ana]}" \
    -X POST --data-binary @big.txt "$B/api/alerts/$A1/dismiss")
check "a body over 64 KiB: 413" '[ "$CODE" = 413 ]'
CODE=$(curl -s -o /dev/null -w '%{http_code}' -b "$TMP/ana.jar" -H "X-CSRF-Token: ${CSRF[ana]}" \
    -H 'Transfer-Encoding: chunked' -X POST --data-binary @big.txt "$B/api/alerts/$A1/dismiss")
check "a chunked body over 64 KiB: 413" '[ "$CODE" = 413 ]'
req GET /api/alerts/999999 ana
check "unknown alert: 404" '[ "$CODE" = 404 ]'
req GET /api/nothing ana
check "unknown endpoint: 404" '[ "$CODE" = 404 ]'
req GET "/api/alerts?limit=0" ana
check "bad query argument: 400" '[ "$CODE" = 400 ]'
req POST /api/cases/1/transition viki '{"to":"closed","note":"x"}'
check "transition of a case that does not exist: 404" '[ "$CODE" = 404 ]'
check "no refusal changed the database" '[ "$(snapshot)" = "$before" ]'

# ---- the queue ----------------------------------------------------------------------------
req GET "/api/alerts?limit=3" ana
check "queue: total and 3 alerts by score desc" \
    '[ "$CODE" = 200 ] && [ "$(jget "d[\"total\"]")" = "$n_alerts" ] && [ "$(jget "len(d[\"alerts\"])")" = 3 ] && [ "$(jget "d[\"alerts\"][0][\"id\"]")" = "$A1" ]'
check "queue items carry the fields of docs/api.md" \
    '[ "$(jget "sorted(d[\"alerts\"][0].keys())")" = "['"'"'first_ts'"'"', '"'"'group'"'"', '"'"'id'"'"', '"'"'indicators'"'"', '"'"'last_ts'"'"', '"'"'pseudonym'"'"', '"'"'ref'"'"', '"'"'role'"'"', '"'"'score'"'"', '"'"'status'"'"', '"'"'unit'"'"']" ]'
IND=$(jget 'd["alerts"][0]["indicators"][0]')
UNIT=$(jget 'd["alerts"][0]["unit"]')
req GET "/api/alerts?status=new&unit=$UNIT&indicator=$IND&from=2000-01-01&to=2100-01-01&limit=50" ana
check "queue filters by status, unit, indicator, from, to" \
    '[ "$CODE" = 200 ] && [ "$(jget "all(a[\"unit\"]==\"$UNIT\" and \"$IND\" in a[\"indicators\"] for a in d[\"alerts\"]) and d[\"total\"]>=1")" = True ]'
req GET "/api/alerts/$A1" viki
check "detail: indicators with events, history, case_id" \
    '[ "$CODE" = 200 ] && [ "$(jget "len(d[\"indicators\"][0][\"events\"])>0 and d[\"history\"]==[] and d[\"case_id\"] is None")" = True ]'
req GET "/api/alerts/$A1/activity" ana
check "activity answers {days:[...]}" '[ "$CODE" = 200 ] && [ "$(jget "type(d[\"days\"]).__name__")" = list ]'

# ---- dismiss -----------------------------------------------------------------------------
req POST "/api/alerts/$A4/dismiss" ana '{"reason":"false_positive","note":"explained by the roster"}'
check "dismiss: 200, status dismissed" '[ "$CODE" = 200 ] && [ "$(sqlite3 w.db "SELECT status, disposition FROM alerts WHERE id=$A4")" = "dismissed|false_positive" ]'
req POST "/api/alerts/$A4/dismiss" ana '{"reason":"explained"}'
check "dismissing twice: 409" '[ "$CODE" = 409 ]'
req POST "/api/alerts/$A4/escalate" ana '{"to":"triage"}'
check "escalating a dismissed alert: 409" '[ "$CODE" = 409 ]'
req GET "/api/alerts/$A4" ana
check "history records who, when, why" \
    '[ "$(jall "d[\"history\"][0][\"actor\"]" "d[\"history\"][0][\"action\"]" "d[\"history\"][0][\"note\"]" "len(d[\"history\"][0][\"ts\"])")" = "ana|dismissed:false_positive|explained by the roster|24" ]'

# ---- escalate to triage and through the VIK process --------------------------------------
req POST "/api/alerts/$A1/escalate" ana '{"to":"triage","note":"relatives looked up"}'
CASE=$(jget 'd["case_id"]')
check "escalate to triage: 200 with case_id" '[ "$CODE" = 200 ] && [ -n "$CASE" ]'
req GET "/api/cases/$CASE" viki
check "case in triage, next lists the options" \
    '[ "$CODE" = 200 ] && [ "$(jall "d[\"state\"]" "len(d[\"next\"])")" = "triage|6" ]'
t() { req POST "/api/cases/$CASE/transition" "$1" "$2"; }
t viki '{"to":"do_vik","note":"x","checklist":{"melding":"alert"}}'
check "triage -> do_vik with an incomplete checklist: 400" '[ "$CODE" = 400 ] && grep -q aanwijzingen "$TMP/body"'
t viki '{"to":"do_vik"}'
check "a step without a note: 400" '[ "$CODE" = 400 ]'
t viki '{"to":"besluit","note":"x"}'
check "triage -> besluit (illegal): 409" '[ "$CODE" = 409 ]'
t sup '{"to":"do_vik","note":"x"}'
check "supervisor cannot see a triage case: 403" '[ "$CODE" = 403 ]'
CL='{"melding":"alert","aanwijzingen":"7 lookups","advies_vik":"DO","advies_juridisch":"ok","oordeel_teamchef":"agree","beoogd_onderzoek":"DO VIK","beoogd_doel":"clarity","contact_sectorhoofd":"yes","contact_bevoegd_gezag":"yes","ordemaatregelen":"none"}'
t viki '{"to":"do_vik","note":"triage meeting 3 March","checklist":'"$CL"'}'
check "triage -> do_vik with the checklist: 200" '[ "$CODE" = 200 ] && [ "$(jall "d[\"state\"]" "d[\"checklist\"][\"aanwijzingen\"]")" = "do_vik|7 lookups" ]'
t viki '{"to":"registered","note":"x","misconduct":"overig","outcome":"gesprek"}'
check "do_vik -> registered (illegal): 409" '[ "$CODE" = 409 ]'
t viki '{"to":"afdoeningsoverleg","note":"findings discussed"}'
check "do_vik -> afdoeningsoverleg: 200" '[ "$CODE" = 200 ]'
t viki '{"to":"besluit","note":"decided"}'
check "besluit without the decision: 400" '[ "$CODE" = 400 ]'
t viki '{"to":"besluit","note":"decided","decided_by":"unit chief","vik_advice_followed":false}'
check "besluit deviating from VIK advice without explanation: 400" '[ "$CODE" = 400 ]'
t viki '{"to":"besluit","note":"decided","decided_by":"unit chief","vik_advice_followed":false,"deviation":"first offence"}'
check "afdoeningsoverleg -> besluit: 200" '[ "$CODE" = 200 ] && [ "$(jall "d[\"decision\"][\"vik_advice_followed\"]" "d[\"decision\"][\"deviation\"]")" = "False|first offence" ]'
t viki '{"to":"registered","note":"registered","misconduct":"made_up","outcome":"gesprek"}'
check "registration with an unknown kind: 400" '[ "$CODE" = 400 ]'
t viki '{"to":"registered","note":"registered","misconduct":"onrechtmatig_raadplegen","outcome":"schriftelijke_berisping"}'
check "besluit -> registered: 200" '[ "$CODE" = 200 ] && [ "$(jget "d[\"outcome\"][\"outcome\"]")" = schriftelijke_berisping ]'
t viki '{"to":"closed","note":"done"}'
check "registered -> closed: 200" '[ "$CODE" = 200 ]'
t viki '{"to":"triage","note":"again"}'
check "closed -> triage: 409" '[ "$CODE" = 409 ]'
req GET "/api/cases/$CASE" viki
check "case history has every step with actor and note" \
    '[ "$(jget "[h[\"to\"] for h in d[\"history\"]]")" = "['"'"'triage'"'"', '"'"'do_vik'"'"', '"'"'afdoeningsoverleg'"'"', '"'"'besluit'"'"', '"'"'registered'"'"', '"'"'closed'"'"']" ] && [ "$(jget "all(h[\"actor\"] and h[\"note\"] and h[\"ts\"] for h in d[\"history\"])")" = True ]'

# ---- supervisor: own team only -------------------------------------------------------------
req POST "/api/alerts/$A3/escalate" ana '{"to":"supervisor","note":"a talk should do"}'
SCASE=$(jget 'd["case_id"]')
check "escalate to supervisor: 200" '[ "$CODE" = 200 ]'
req GET /api/cases sup
check "supervisor lists the case of their team" '[ "$CODE" = 200 ] && [ "$(jget "[c[\"id\"] for c in d[\"cases\"]]")" = "[$SCASE]" ]'
req GET /api/cases sup2
check "another team's supervisor lists nothing" '[ "$CODE" = 200 ] && [ "$(jget "len(d[\"cases\"])")" = 0 ]'
req GET "/api/alerts/$A3" sup
check "supervisor reads the alert of their case" '[ "$CODE" = 200 ]'
req GET "/api/alerts/$A3" sup2
check "another team's supervisor may not: 403" '[ "$CODE" = 403 ]'
req GET "/api/alerts/$A2" sup
check "supervisor may not read an alert not escalated to them: 403" '[ "$CODE" = 403 ]'
req POST "/api/cases/$SCASE/transition" sup2 '{"to":"closed","note":"x"}'
check "another team's supervisor cannot close it: 403" '[ "$CODE" = 403 ]'
req POST "/api/cases/$SCASE/transition" viki '{"to":"closed","note":"x"}'
check "vik may not close a supervisor conversation: 403" '[ "$CODE" = 403 ]'
req POST "/api/cases/$SCASE/transition" sup '{"to":"closed","note":"talked on 4 March; lookups were for a case of a colleague"}'
check "supervisor records the conversation and closes: 200" '[ "$CODE" = 200 ] && [ "$(jget "d[\"state\"]")" = closed ]'

# ---- four-eyes reveal ----------------------------------------------------------------------
req POST /api/reveal ana '{"pseudonym":"'"$PSEUDO"'","reason":""}'
check "reveal without reason: 400" '[ "$CODE" = 400 ]'
req POST /api/reveal ana '{"pseudonym":"P-aaaaaaaaaa","reason":"case"}'
check "reveal of an unknown pseudonym: 404" '[ "$CODE" = 404 ]'
req POST /api/reveal viki '{"pseudonym":"'"$PSEUDO"'","reason":"DO VIK needs the name"}'
RV=$(jget 'd["id"]')
check "reveal request: 201 pending" '[ "$CODE" = 201 ] && [ "$(jget "d[\"status\"]")" = pending ]'
req POST "/api/reveal/$RV/approve" viki
check "the requester cannot approve: 403" '[ "$CODE" = 403 ]'
req POST "/api/reveal/$RV/approve" vik2
check "another user of the same role cannot approve: 403" '[ "$CODE" = 403 ]'
req GET "/api/reveal/$RV" viki
check "pending: no employee number" '[ "$CODE" = 200 ] && [ "$(jall "d[\"status\"]" "\"user\" in d")" = "pending|False" ]'
req POST "/api/reveal/$RV/approve" priv
check "approval by the privacy officer: 200" '[ "$CODE" = 200 ] && [ "$(jget "d[\"status\"]")" = approved ]'
req POST "/api/reveal/$RV/approve" adm
check "approving twice: 409" '[ "$CODE" = 409 ]'
req GET "/api/reveal/$RV" vik2
check "only the requester reads it: 403" '[ "$CODE" = 403 ]'
req GET "/api/reveal/$RV" viki
USERNO=$(jget 'd["user"]')
check "approved: the requester reads the unsealed employee number" \
    '[ "$CODE" = 200 ] && [ -n "$USERNO" ] && grep -rqs "$USERNO" ds/dataset'
check "the reveal is in reveal_log" '[ "$(sqlite3 w.db "SELECT count(*) FROM reveal_log WHERE actor='"'"'viki'"'"'")" = 1 ]'
sqlite3 w.db "UPDATE reveal_requests SET expires_ms = 1 WHERE id = $RV"
req GET "/api/reveal/$RV" viki
check "expired: no employee number" '[ "$(jall "d[\"status\"]" "\"user\" in d")" = "expired|False" ]'
req GET /api/reveal priv
check "approvers list requests" '[ "$CODE" = 200 ] && [ "$(jget "len(d[\"requests\"])")" = 1 ]'

# ---- exceptions ----------------------------------------------------------------------------
req POST /api/exceptions ana '{"pseudonym":"'"$PSEUDO"'","indicator":"off_duty","reason":"night shifts","expires":"2099-01-01"}'
check "exception beyond one year: 400" '[ "$CODE" = 400 ]'
req POST /api/exceptions ana '{"pseudonym":"'"$PSEUDO"'","reason":"night shifts","expires":"'"$(date -u -d '+30 days' +%F)"'"}'
check "exception without indicator or subject: 400" '[ "$CODE" = 400 ]'
req POST /api/exceptions ana '{"pseudonym":"'"$PSEUDO"'","indicator":"off_duty","reason":"night shifts","expires":"'"$(date -u -d '+300 days' +%F)"'"}'
check "scoped exception within a year: 201" '[ "$CODE" = 201 ]'
req GET /api/exceptions ana
check "exceptions list it as active" '[ "$CODE" = 200 ] && [ "$(jget "d[\"exceptions\"][0][\"active\"]")" = True ]'

# ---- statistics ----------------------------------------------------------------------------
req GET /api/stats/trends viki
check "trends: alerts, precision, outcomes" \
    '[ "$CODE" = 200 ] && [ "$(jget "sorted(d.keys())")" = "['"'"'alerts'"'"', '"'"'outcomes'"'"', '"'"'precision'"'"']" ]'
check "precision counts the false positive" '[ "$(jget "sum(r[\"false_positive\"] for r in d[\"precision\"])>=1")" = True ]'
CT=$(curl -s -o "$TMP/body" -w '%{content_type}' -b "$TMP/ana.jar" "$B/api/stats/trends?format=csv")
check "trends CSV export" '[ "${CT%%;*}" = text/csv ] && head -1 "$TMP/body" | grep -q "^month,unit,indicator,alerts"'
req GET /api/stats/council cou
check "council figures carry no pseudonyms" '[ "$CODE" = 200 ] && ! grep -q "P-" "$TMP/body" && [ "$(jget "d[\"suppressed_below\"]")" = 5 ]'
check "council counts of 1..4 are suppressed" '[ "$(jget "all(r[\"alerts\"] is None or r[\"alerts\"]==0 or r[\"alerts\"]>=5 for r in d[\"alerts\"])")" = True ]'
req GET "/api/stats/council?format=csv&table=use" adm
check "council CSV export" '[ "$CODE" = 200 ] && head -1 "$TMP/body" | grep -q "^month,action,count"'

# ---- users -----------------------------------------------------------------------------------
req POST /api/users adm '{"name":"newbie","role":"analyst","password":"0123456789ab"}'
check "admin adds a user: 201" '[ "$CODE" = 201 ]'
req POST /api/users adm '{"name":"newbie","role":"analyst","password":"0123456789ab"}'
check "adding the same user twice: 409" '[ "$CODE" = 409 ]'
req POST /api/users adm '{"name":"chief","role":"supervisor","password":"0123456789ab"}'
check "a supervisor without unit and team: 400" '[ "$CODE" = 400 ]'
req GET /api/users adm
check "users list without password hashes" '[ "$CODE" = 200 ] && ! grep -q argon2 "$TMP/body"'

# ---- audit log -------------------------------------------------------------------------------
req GET "/api/audit?limit=1000&verify=1" priv
check "privacy officer reads the audit log, chain intact" '[ "$CODE" = 200 ] && [ "$(jget "d[\"chain\"][\"intact\"]")" = True ]'
for a in alert.view alert.dismiss alert.escalate case.view case.transition reveal.request reveal.approve reveal.view exception.add export.csv user.add; do
    check "audit log holds $a" '[ "$(jget "any(x[\"action\"]==\"$a\" for x in d[\"entries\"])")" = True ]'
done

# ---- static files ----------------------------------------------------------------------------
CT=$(curl -s -o "$TMP/body" -w '%{http_code} %{content_type}' "$B/")
check "GET / serves index.html as text/html" '[ "$CT" = "200 text/html; charset=utf-8" ]'
CT=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$B/app.js")
check "JavaScript as text/javascript" '[ "$CT" = "200 text/javascript; charset=utf-8" ]'
check "no traversal with .." '[ "$(curl -s -o /dev/null -w "%{http_code}" --path-as-is "$B/../outside.txt")" = 404 ]'
check "no traversal with %2e%2e" '[ "$(curl -s -o /dev/null -w "%{http_code}" --path-as-is "$B/%2e%2e/outside.txt")" = 404 ]'
ln -s "$TMP/outside.txt" web/link.txt
check "no way out through a symbolic link" '[ "$(curl -s -o /dev/null -w "%{http_code}" "$B/link.txt")" = 404 ]'
ETAG=$(curl -s -D - -o /dev/null "$B/app.js" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
check "ETag revalidation answers 304" '[ "$(curl -s -o /dev/null -w "%{http_code}" -H "If-None-Match: $ETAG" "$B/app.js")" = 304 ]'

# ---- rate limit and logout -------------------------------------------------------------------
for i in 1 2 3 4 5; do
    CODE=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -d '{"user":"ana2","password":"wrong-password"}' "$B/api/session")
done
check "wrong password: 401" '[ "$CODE" = 401 ]'
CODE=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"user":"ana2","password":"pw-ana2-secret"}' "$B/api/session")
check "sixth try within 5 minutes, even with the right password: 429" '[ "$CODE" = 429 ]'
req DELETE /api/session ana
check "logout: 200" '[ "$CODE" = 200 ]'
req GET /api/me ana
check "after logout: 401" '[ "$CODE" = 401 ]'
sqlite3 w.db "UPDATE sessions SET last_ms = last_ms - 31*60*1000 WHERE user_id = (SELECT id FROM users WHERE name='adm')"
req GET /api/me adm
check "after 30 idle minutes: 401" '[ "$CODE" = 401 ]'

# ---- audit verify ----------------------------------------------------------------------------
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
"$BIN" audit verify --db w.db >verify.out 2>&1
check "audit verify: exit 0 on the intact chain" '[ $? = 0 ] && grep -q intact verify.out'
cp w.db upd.db && cp w.db del.db
sqlite3 upd.db "UPDATE audit_log SET detail = 'x' WHERE seq = 5" 2>/dev/null
check "the schema refuses UPDATE of an audit row" '[ "$(sqlite3 upd.db "SELECT detail FROM audit_log WHERE seq=5")" != x ]'
sqlite3 upd.db "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'x' WHERE seq = 5"
"$BIN" audit verify --db upd.db >verify.out 2>&1
check "audit verify after an UPDATE: non-zero, names entry 5" '[ $? -ne 0 ] && grep -q "entry 5 " verify.out'
sqlite3 del.db "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 7"
"$BIN" audit verify --db del.db >verify.out 2>&1
check "audit verify after a DELETE: non-zero, names entry 7" '[ $? -ne 0 ] && grep -q "entry 7 " verify.out'
cp w.db tail.db
sqlite3 tail.db "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)"
"$BIN" audit verify --db tail.db >verify.out 2>&1
check "audit verify after deleting the last entry: non-zero" '[ $? -ne 0 ]'
if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error' serve.log; then nok "server ran clean under the sanitizers"; cat serve.log | head -30; else ok "server log has no sanitizer report"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
