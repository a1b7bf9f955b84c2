// tests/web/mock-server.mjs - a small stand-in for `wachter serve`, implementing
// docs/api.md with generated fixture data, so that the web application can be developed
// and its browser tests run without the C server.
//
//   node tests/web/mock-server.mjs [--listen 127.0.0.1:8090] [--web web] [--alerts N]
//                                  [--seed S] [--password PW]
//
// Users (all with --password, default "wachter-test-pw"): analyst1, analyst2 (analyst),
// vik1 (vik), sup1 (supervisor of UNIT-01-T03), priv1 (privacy), council1 (council),
// admin1 (admin). State lives in memory and is lost when the process ends. Alert 1 cites
// an evidence event whose fields hold HTML, to check that the UI never renders it as markup.
// The case workflow follows web/workflow.js (the mirror of src/workflow/workflow.c). Prints "listening on URL" once ready.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { TRANSITIONS, CHECKLIST, MISCONDUCT, OUTCOMES, next } from '../../web/workflow.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
    return acc;
}, []));
const [HOST, PORT] = (args.listen || '127.0.0.1:8090').split(':');
const WEB = path.resolve(args.web || 'web');
const N_ALERTS = parseInt(args.alerts || '240', 10);
const PASSWORD = args.password || 'wachter-test-pw';
const IDLE_MS = 30 * 60 * 1000;

// ---- fixture data ------------------------------------------------------------------------

let seed = parseInt(args.seed || '5', 10) >>> 0 || 5;
function rnd() {
    seed ^= seed << 13; seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5; seed >>>= 0;
    return seed / 4294967296;
}
const pick = (a) => a[Math.floor(rnd() * a.length)];
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const pseudo = () => 'P-' + Array.from({ length: 10 }, () => pick(B32)).join('');

const INDS = {
    relative_lookup: ['looked up relatives or household members without a case: {n} lookups of {k} distinct records', 'familie of huisgenoten geraadpleegd zonder zaak: {n} raadplegingen van {k} verschillende registraties'],
    neighbour_lookup: ['looked up neighbours without a case: {n} lookups', 'buren geraadpleegd zonder zaak: {n} raadplegingen'],
    colleague_lookup: ['looked up colleagues without a case: {n} lookups', 'collega’s geraadpleegd zonder zaak: {n} raadplegingen'],
    curiosity_wave: ['took part in a curiosity wave: a person looked up by {n} unrelated employees within 72 hours', 'deed mee aan een nieuwsgierigheidsgolf: een persoon door {n} niet-betrokken medewerkers geraadpleegd binnen 72 uur'],
    off_duty: ['looked up records while off duty on {k} days: {n} lookups', 'registraties geraadpleegd buiten dienst op {k} dagen: {n} raadplegingen'],
    criminal_network: ['looked up {n} persons from the criminal environment without a case', '{n} personen uit het criminele milieu geraadpleegd zonder zaak'],
    sensitive_subject: ['looked up {n} sensitive records (protected persons)', '{n} gevoelige registraties geraadpleegd (afgeschermde personen)'],
    volume_breadth: ['{n} lookups of {k} distinct records, far above peers', '{n} raadplegingen van {k} verschillende registraties, ver boven collega’s'],
    bulk_export: ['exported {n} records in one day', '{n} registraties geëxporteerd op één dag'],
    bogus_legitimation: ['{n} lookups cite a case the employee does not work on', '{n} raadplegingen noemen een zaak waar de medewerker niet aan werkt'],
    rare_access: ['used {k} systems never used by peers', '{k} systemen gebruikt die collega’s nooit gebruiken'],
    self_lookup: ['looked up own record {n} times', 'eigen registratie {n} keer geraadpleegd'],
};
const IND_NAMES = Object.keys(INDS);
// GET /api/indicators: the catalogue as docs/config.md, generated from the C registry,
// gives it: "### `name` - English title / Dutch title" and the paragraph after it.
const CATALOGUE = [...fs.readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8')
    .matchAll(/^### `([a-z_]+)` - (.+?) \/ (.+)\n\n(.+)$/gm)]
    .map(([, name, en, nl, help]) => ({ name, title_en: en, title_nl: nl, help }));
const SYSTEMS = ['BlueView', 'BVH', 'MEOS', 'GMS', 'BRP', 'RDW', 'Summ-IT'];
const ROLES = ['patrol', 'detective', 'intake', 'student', 'intelligence', 'dispatcher'];
const DAY = 86400000;
const T0 = Date.parse('2025-02-03T00:00:00Z');

function makeEvents(n, start, span) {
    const out = [];
    for (let i = 0; i < n; i++) {
        const ts = new Date(start + Math.floor(rnd() * span)).toISOString();
        const type = pick(['person', 'person', 'vehicle', 'address']);
        out.push({
            event_id: pick(['bv', 'bvh', 'meos']) + '-' + Math.floor(1e6 + rnd() * 9e6),
            ts, system: pick(SYSTEMS), action: pick(['query', 'view', 'view', 'export']),
            subject_type: type,
            subject: type === 'vehicle' ? Math.floor(10 + rnd() * 89) + '-XKS-' + Math.floor(rnd() * 9) : 'P' + String(Math.floor(rnd() * 1e8)).padStart(8, '0'),
            legitimation: rnd() < 0.2 ? 'ZAAK-2025-' + Math.floor(rnd() * 9999) : '',
            note: pick(['', 'outside the rostered shift', 'during leave or sickness', 'household member']),
        });
    }
    return out.sort((a, b) => a.ts.localeCompare(b.ts));
}

const alerts = [];
const employees = new Map(); // pseudonym -> {number, unit, team, role}
for (let i = 0; i < N_ALERTS; i++) {
    const unit = 'UNIT-0' + (1 + Math.floor(rnd() * 3));
    const team = unit + '-T0' + (1 + Math.floor(rnd() * 5));
    const role = pick(ROLES);
    const p = i === 0 ? 'P-76tgefrcia' : pseudo();
    employees.set(p, { number: 'U' + String(1000 + Math.floor(rnd() * 9000)).padStart(6, '0'), unit, team: i === 0 ? 'UNIT-01-T03' : team, role });
    const first = T0 + Math.floor(rnd() * 60 * DAY);
    const span = Math.floor(DAY + rnd() * 30 * DAY);
    const names = [...new Set([pick(IND_NAMES), pick(IND_NAMES), pick(IND_NAMES)])].slice(0, 1 + Math.floor(rnd() * 3));
    const indicators = names.map((name) => {
        const n = 2 + Math.floor(rnd() * 10);
        const k = 1 + Math.floor(rnd() * n);
        const avg = (rnd() * 0.3).toFixed(2);
        const me = (1 + rnd() * 6).toFixed(2);
        const events = makeEvents(Math.min(n, 8), first, span);
        return {
            name, score: Math.round((0.2 + rnd() * 0.7) * 1e4) / 1e4,
            text_en: INDS[name][0].replace('{n}', n).replace('{k}', k),
            text_nl: INDS[name][1].replace('{n}', n).replace('{k}', k),
            baseline_en: `peers in role ${role}: ${avg} on average (n=20); this employee: ${me}`,
            baseline_nl: `collega's in rol ${role}: gemiddeld ${avg.replace('.', ',')} (n=20); deze medewerker: ${me.replace('.', ',')}`,
            events,
        };
    });
    const score = Math.round((0.35 + rnd() * 0.6) * 1e4) / 1e4;
    alerts.push({
        id: i + 1, ref: 'A-' + String(i + 1).padStart(6, '0'), pseudonym: p, score,
        first_ts: new Date(first).toISOString(), last_ts: new Date(first + span).toISOString(),
        status: 'new', unit: employees.get(p).unit, team: employees.get(p).team, role, group: null,
        indicators, history: [], case_id: null,
    });
}
if (alerts.length) {
    // The top alert: realistic and with hostile evidence fields.
    const a = alerts[0];
    a.score = 0.9712;
    a.indicators[0].events.push({
        event_id: 'bv-<b>9999</b>', ts: a.first_ts, system: 'BlueView<script>', action: 'query',
        subject_type: 'person', subject: '<img src=x onerror="window.__xss=1">',
        legitimation: '"><svg onload="window.__xss=1">', note: '<i>injected</i>',
    });
    a.indicators[0].events.sort((x, y) => x.ts.localeCompare(y.ts));
}
alerts.sort((x, y) => y.score - x.score);

function activity(a) {
    const out = [];
    const start = Date.parse(a.first_ts) - 14 * DAY;
    const end = Date.parse(a.last_ts) + 7 * DAY;
    let s = a.id * 7919;
    const r = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
    for (let d = start; d <= end; d += DAY) {
        const inAlert = d >= Date.parse(a.first_ts) - DAY && d <= Date.parse(a.last_ts);
        const accesses = Math.floor(10 + r() * 25 + (inAlert ? r() * 30 : 0));
        out.push({ date: new Date(d).toISOString().slice(0, 10), accesses, unexplained: inAlert ? Math.floor(r() * accesses * 0.3) : Math.floor(r() * 2), peer_median: 18 + Math.round(r() * 40) / 10 });
    }
    return out;
}

// ---- users, sessions, audit --------------------------------------------------------------

const users = new Map(Object.entries({
    analyst1: 'analyst', analyst2: 'analyst', vik1: 'vik', sup1: 'supervisor', priv1: 'privacy', council1: 'council', admin1: 'admin',
}).map(([u, role]) => [u, { user: u, role, password: PASSWORD, unit: role === 'supervisor' ? 'UNIT-01' : '', team: role === 'supervisor' ? 'UNIT-01-T03' : null, lang: 'nl' }]));
const sessions = new Map();
const audit = [];
let lastHash = '0'.repeat(64);
function log(actor, action, target, detail = '') {
    const entry = { seq: audit.length + 1, ts: new Date().toISOString(), actor, action, object: String(target), detail };
    const hash = crypto.createHash('sha256').update(lastHash + JSON.stringify(entry)).digest('hex');
    audit.push({ ...entry, hash });
    lastHash = hash;
}

const cases = [];
const reveals = [];
const exceptions = [];

// ---- HTTP ----------------------------------------------------------------------------------

class HttpError extends Error {
    constructor(status, msg) { super(msg); this.status = status; }
}
const fail = (status, msg) => { throw new HttpError(status, msg); };

function send(res, status, body, headers = {}) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/csv; charset=utf-8' : 'application/json', 'Cache-Control': 'no-store', ...headers });
    res.end(text);
}

function cookie(req, name) {
    for (const part of (req.headers.cookie || '').split(';')) {
        const [k, ...v] = part.trim().split('=');
        if (k === name) return v.join('=');
    }
    return null;
}

function auth(req, roles) {
    const tok = cookie(req, 'wachter_session');
    const s = tok && sessions.get(tok);
    if (!s || Date.now() - s.last > IDLE_MS) {
        if (s) sessions.delete(tok);
        fail(401, 'not logged in');
    }
    s.last = Date.now();
    if (req.method !== 'GET' && req.headers['x-csrf-token'] !== s.csrf) fail(403, 'missing or invalid CSRF token');
    if (roles && !roles.includes(s.role)) fail(403, 'role ' + s.role + ' may not do this');
    return s;
}

async function body(req) {
    const chunks = [];
    let n = 0;
    for await (const c of req) {
        n += c.length;
        if (n > 1 << 20) fail(413, 'body too large');
        chunks.push(c);
    }
    if (n === 0) return {};
    try {
        const v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (!v || typeof v !== 'object' || Array.isArray(v)) fail(400, 'expected a JSON object');
        return v;
    } catch (e) {
        if (e instanceof HttpError) throw e;
        fail(400, 'malformed JSON');
    }
}

const summary = (a) => ({ id: a.id, ref: a.ref, pseudonym: a.pseudonym, score: a.score, first_ts: a.first_ts, last_ts: a.last_ts, status: a.status, unit: a.unit, team: a.team, role: a.role, group: a.group, indicators: a.indicators.map((i) => i.name) });

function alertFor(s, id) {
    const a = alerts.find((x) => String(x.id) === String(id));
    if (!a) fail(404, 'no such alert');
    if (s.role === 'supervisor') {
        const c = a.case_id && cases.find((x) => x.id === a.case_id);
        if (!c || c.escalated_to !== 'supervisor' || a.team !== s.team) fail(403, 'not your team');
    } else if (!['analyst', 'vik'].includes(s.role)) fail(403, 'role ' + s.role + ' may not see alerts');
    return a;
}

function caseFor(s, id) {
    const c = cases.find((x) => String(x.id) === String(id));
    if (!c) fail(404, 'no such case');
    if (s.role === 'supervisor' && !(c.escalated_to === 'supervisor' && c.team === s.team)) fail(403, 'not your team');
    if (!['vik', 'supervisor'].includes(s.role)) fail(403, 'role ' + s.role + ' may not see cases');
    return c;
}

// A case as the API shows it, with "next": the states this user may move it to.
function caseView(c, role) {
    const { escalated_to, ...rest } = c;
    void escalated_to;
    return { ...rest, next: next(c.state, role) };
}

function csv(rows) {
    if (!rows.length) return '';
    const keys = Object.keys(rows[0]);
    const q = (v) => { const s = v === null || v === undefined ? '' : String(v); return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
    return [keys.join(','), ...rows.map((r) => keys.map((k) => q(r[k])).join(','))].join('\n') + '\n';
}

// The statistics tables of the store (src/store/schema.h): trends and the works council's.
function trends() {
    const rows = new Map();
    for (const a of alerts) {
        for (const i of a.indicators) {
            const key = [a.first_ts.slice(0, 7), a.unit, i.name].join('|');
            const r = rows.get(key) || { month: a.first_ts.slice(0, 7), unit: a.unit, indicator: i.name, alerts: 0, open: 0, dismissed: 0, false_positive: 0, escalated: 0 };
            r.alerts++;
            if (a.status === 'new') r.open++;
            if (a.status === 'dismissed') r.dismissed++;
            if (a.disposition === 'false_positive') r.false_positive++;
            if (a.status === 'escalated') r.escalated++;
            rows.set(key, r);
        }
    }
    const prec = new Map();
    for (const r of rows.values()) {
        const p = prec.get(r.indicator) || { indicator: r.indicator, alerts: 0, escalated: 0, false_positive: 0, confirmed: 0, precision: null };
        p.alerts += r.alerts;
        p.escalated += r.escalated;
        p.false_positive += r.false_positive;
        prec.set(r.indicator, p);
    }
    for (const c of cases) {
        if (!c.outcome || c.outcome.misconduct === 'geen_plichtsverzuim') continue;
        for (const i of alerts.find((a) => a.id === c.alert_id).indicators) prec.get(i.name).confirmed++;
    }
    for (const p of prec.values()) p.precision = p.escalated + p.false_positive ? Math.round((p.escalated / (p.escalated + p.false_positive)) * 1000) / 1000 : null;
    const out = new Map();
    for (const c of cases) {
        if (!c.outcome) continue;
        const key = [c.updated.slice(0, 7), c.unit, c.outcome.misconduct, c.outcome.outcome].join('|');
        const r = out.get(key) || { month: c.updated.slice(0, 7), unit: c.unit, misconduct: c.outcome.misconduct, outcome: c.outcome.outcome, cases: 0 };
        r.cases++;
        out.set(key, r);
    }
    const sort = (m) => [...m.values()].sort((x, y) => JSON.stringify(Object.values(x)).localeCompare(JSON.stringify(Object.values(y))));
    return { alerts: sort(rows), precision: sort(prec), outcomes: sort(out) };
}

function council() {
    const sup = (n) => (n >= 1 && n <= 4 ? null : n);
    const al = new Map();
    for (const a of alerts) {
        const key = a.first_ts.slice(0, 7) + '|' + a.unit;
        const r = al.get(key) || { month: a.first_ts.slice(0, 7), unit: a.unit, alerts: 0, dismissed: 0, escalated: 0 };
        r.alerts++;
        if (a.status === 'dismissed') r.dismissed++;
        if (a.status === 'escalated') r.escalated++;
        al.set(key, r);
    }
    const oc = new Map();
    for (const c of cases) {
        if (!c.outcome) continue;
        const key = c.updated.slice(0, 7) + '|' + c.outcome.outcome;
        const r = oc.get(key) || { month: c.updated.slice(0, 7), outcome: c.outcome.outcome, cases: 0 };
        r.cases++;
        oc.set(key, r);
    }
    const use = new Map();
    for (const e of audit) {
        const key = e.ts.slice(0, 7) + '|' + e.action;
        const r = use.get(key) || { month: e.ts.slice(0, 7), action: e.action, count: 0 };
        r.count++;
        use.set(key, r);
    }
    return {
        alerts: [...al.values()].map((r) => ({ ...r, alerts: sup(r.alerts), dismissed: sup(r.dismissed), escalated: sup(r.escalated) })),
        outcomes: [...oc.values()].map((r) => ({ ...r, cases: sup(r.cases) })),
        use: [...use.values()].map((r) => ({ ...r, count: sup(r.count) })),
    };
}

async function api(req, res, url) {
    const p = url.pathname.split('/').filter(Boolean).slice(1); // after "api"
    const m = req.method;
    const route = m + ' /' + p.map((x) => (/^\d+$/.test(x) ? ':id' : x)).join('/');
    const id = p.find((x) => /^\d+$/.test(x));
    switch (route) {
    case 'POST /session': {
        const b = await body(req);
        const u = users.get(String(b.user || ''));
        if (!u || u.password !== b.password) fail(401, 'wrong user or password');
        const tok = crypto.randomBytes(24).toString('base64url');
        const s = { user: u.user, role: u.role, csrf: crypto.randomBytes(16).toString('hex'), lang: u.lang, team: u.team, last: Date.now() };
        sessions.set(tok, s);
        log(u.user, 'login', u.user);
        return send(res, 200, { user: s.user, role: s.role, csrf: s.csrf, lang: s.lang }, { 'Set-Cookie': `wachter_session=${tok}; HttpOnly; SameSite=Strict; Path=/` });
    }
    case 'DELETE /session': {
        const s = auth(req);
        sessions.delete(cookie(req, 'wachter_session'));
        log(s.user, 'logout', s.user);
        return send(res, 200, {}, { 'Set-Cookie': 'wachter_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0' });
    }
    case 'GET /me': {
        const s = auth(req);
        return send(res, 200, { user: s.user, role: s.role, csrf: s.csrf, lang: s.lang });
    }
    case 'GET /indicators': {
        auth(req);
        return send(res, 200, { indicators: CATALOGUE });
    }
    case 'GET /alerts': {
        auth(req, ['analyst', 'vik']);
        const q = url.searchParams;
        const limit = Math.min(Math.max(parseInt(q.get('limit') || '50', 10) || 50, 1), 500);
        const offset = Math.max(parseInt(q.get('offset') || '0', 10) || 0, 0);
        const from = q.get('from') ? Date.parse(q.get('from')) : null;
        const to = q.get('to') ? Date.parse(q.get('to')) : null;
        if ((q.get('from') && isNaN(from)) || (q.get('to') && isNaN(to))) fail(400, 'bad from/to');
        const st = q.get('status'); const unit = q.get('unit'); const ind = q.get('indicator');
        const hits = alerts.filter((a) => (!st || a.status === st) && (!unit || a.unit === unit)
            && (!ind || a.indicators.some((i) => i.name === ind))
            && (from === null || Date.parse(a.last_ts) >= from) && (to === null || Date.parse(a.first_ts) <= to));
        return send(res, 200, { total: hits.length, alerts: hits.slice(offset, offset + limit).map(summary) });
    }
    case 'GET /alerts/:id': {
        const s = auth(req);
        const a = alertFor(s, id);
        log(s.user, 'view', a.ref, a.pseudonym);
        return send(res, 200, { ...summary(a), indicators: a.indicators, history: a.history, case_id: a.case_id });
    }
    case 'GET /alerts/:id/activity': {
        const s = auth(req);
        return send(res, 200, { days: activity(alertFor(s, id)) });
    }
    case 'POST /alerts/:id/dismiss': {
        const s = auth(req, ['analyst']);
        const b = await body(req);
        const a = alertFor(s, id);
        if (!['explained', 'false_positive', 'duplicate'].includes(b.reason)) fail(400, 'bad reason');
        if (a.status !== 'new') fail(409, 'alert is ' + a.status);
        a.status = 'dismissed';
        a.disposition = b.reason;
        a.history.push({ ts: new Date().toISOString(), actor: s.user, action: 'dismissed', note: b.reason + (b.note ? ': ' + b.note : '') });
        log(s.user, 'dismiss', a.ref, b.reason);
        return send(res, 200, summary(a));
    }
    case 'POST /alerts/:id/escalate': {
        const s = auth(req, ['analyst']);
        const b = await body(req);
        const a = alertFor(s, id);
        if (!['supervisor', 'triage'].includes(b.to)) fail(400, 'bad "to"');
        if (a.status !== 'new') fail(409, 'alert is ' + a.status);
        const now = new Date().toISOString();
        const state = b.to === 'supervisor' ? 'supervisor_conversation' : 'triage';
        const c = {
            id: cases.length + 1, alert_id: a.id, ref: a.ref, pseudonym: a.pseudonym, unit: a.unit, team: a.team,
            state, escalated_to: b.to, checklist: {}, decision: null, outcome: null, created: now, updated: now,
            history: [{ ts: now, actor: s.user, from: null, to: state, note: b.note || '', detail: null }],
        };
        cases.push(c);
        a.status = 'escalated';
        a.case_id = c.id;
        a.history.push({ ts: now, actor: s.user, action: 'escalated', note: b.to + (b.note ? ': ' + b.note : '') });
        log(s.user, 'escalate', a.ref, b.to);
        return send(res, 200, { ...summary(a), case_id: c.id });
    }
    case 'GET /cases': {
        const s = auth(req, ['vik', 'supervisor']);
        const mine = cases.filter((c) => s.role === 'vik' || (c.escalated_to === 'supervisor' && c.team === s.team));
        return send(res, 200, { cases: mine.map((c) => ({ id: c.id, alert_id: c.alert_id, ref: c.ref, pseudonym: c.pseudonym, unit: c.unit, team: c.team, state: c.state, created: c.created, updated: c.updated })) });
    }
    case 'GET /cases/:id': {
        const s = auth(req);
        return send(res, 200, caseView(caseFor(s, id), s.role));
    }
    case 'POST /cases/:id/transition': {
        const s = auth(req, ['vik', 'supervisor']);
        const b = await body(req);
        const c = caseFor(s, id);
        if (typeof b.to !== 'string') fail(400, 'missing "to"');
        const row = TRANSITIONS.find(([f, t]) => f === c.state && t === b.to);
        if (!row) fail(409, `no step from ${c.state} to ${b.to}`);
        if (!row[2].includes(s.role)) fail(403, `role ${s.role} may not take this step`);
        if (b.checklist !== undefined) {
            if (c.state !== 'triage') fail(400, 'the checklist belongs to the triage step');
            if (typeof b.checklist !== 'object' || b.checklist === null || Array.isArray(b.checklist)) fail(400, 'bad checklist');
            for (const [k, v] of Object.entries(b.checklist)) if (!CHECKLIST.includes(k) || typeof v !== 'string') fail(400, 'bad checklist item ' + k);
        }
        const checklist = { ...c.checklist, ...(b.checklist || {}) };
        if (row[3] === 'checklist') {
            const missing = CHECKLIST.filter((k) => !checklist[k]);
            if (missing.length) fail(400, 'checklist incomplete: ' + missing.join(', '));
        }
        let decision = c.decision;
        if (row[3] === 'decision') {
            if (typeof b.decided_by !== 'string' || !b.decided_by || typeof b.vik_advice_followed !== 'boolean') fail(400, 'decided_by and vik_advice_followed are required');
            if (!b.vik_advice_followed && !b.deviation) fail(400, 'a deviation from the VIK advice needs an explanation');
            decision = { decided_by: b.decided_by, vik_advice_followed: b.vik_advice_followed, deviation: b.vik_advice_followed ? null : b.deviation };
        }
        let outcome = c.outcome;
        if (row[3] === 'outcome') {
            if (!MISCONDUCT.includes(b.misconduct) || !OUTCOMES.includes(b.outcome)) fail(400, 'bad misconduct or outcome');
            outcome = { misconduct: b.misconduct, outcome: b.outcome };
        }
        const now = new Date().toISOString();
        c.checklist = checklist;
        c.decision = decision;
        c.outcome = outcome;
        c.history.push({ ts: now, actor: s.user, from: c.state, to: b.to, note: String(b.note || ''), detail: null });
        c.state = b.to;
        c.updated = now;
        log(s.user, 'case_step', 'case ' + c.id, b.to);
        return send(res, 200, caseView(c, s.role));
    }
    case 'POST /reveal': {
        const s = auth(req, ['analyst', 'vik']);
        const b = await body(req);
        if (typeof b.pseudonym !== 'string' || !employees.has(b.pseudonym)) fail(404, 'unknown pseudonym');
        if (typeof b.reason !== 'string' || b.reason.trim().length < 5) fail(400, 'a reason is required');
        const r = { id: reveals.length + 1, pseudonym: b.pseudonym, reason: b.reason, requester: s.user, requester_role: s.role, ts: new Date().toISOString(), status: 'pending', approver: null, approved: null };
        reveals.push(r);
        log(s.user, 'reveal_request', b.pseudonym, b.reason);
        return send(res, 200, { id: r.id, status: r.status });
    }
    case 'GET /reveal': {
        const s = auth(req, ['vik', 'privacy', 'admin']);
        void s;
        return send(res, 200, { requests: reveals.slice().reverse().map((r) => ({ id: r.id, pseudonym: r.pseudonym, reason: r.reason, requester: r.requester, requester_role: r.requester_role, requested: r.ts, approver: r.approver, status: r.status, expires: new Date((r.approved || Date.parse(r.ts)) + DAY).toISOString() })) });
    }
    case 'POST /reveal/:id/approve': {
        const s = auth(req, ['vik', 'privacy', 'admin']);
        const r = reveals.find((x) => String(x.id) === id) || fail(404, 'no such request');
        if (r.requester === s.user || r.requester_role === s.role) fail(403, 'approval needs a second person in another role');
        if (r.status !== 'pending') fail(409, 'request is ' + r.status);
        r.status = 'approved';
        r.approver = s.user;
        r.approved = Date.now();
        log(s.user, 'reveal_approve', r.pseudonym, 'request ' + r.id);
        return send(res, 200, { id: r.id, status: r.status });
    }
    case 'GET /reveal/:id': {
        const s = auth(req);
        const r = reveals.find((x) => String(x.id) === id) || fail(404, 'no such request');
        if (r.requester !== s.user) fail(403, 'only the requester');
        const expired = r.status === 'approved' && Date.now() - r.approved > DAY;
        const out = { id: r.id, pseudonym: r.pseudonym, status: expired ? 'expired' : r.status };
        if (r.status === 'approved' && !expired) {
            out.user = employees.get(r.pseudonym).number;
            out.expires = new Date(r.approved + DAY).toISOString();
            log(s.user, 'reveal_view', r.pseudonym, 'request ' + r.id);
        }
        return send(res, 200, out);
    }
    case 'GET /audit': {
        auth(req, ['privacy']);
        return send(res, 200, { total: audit.length, entries: audit.slice().reverse() });
    }
    case 'GET /exceptions': {
        auth(req, ['analyst']);
        return send(res, 200, { exceptions });
    }
    case 'POST /exceptions': {
        const s = auth(req, ['analyst']);
        const b = await body(req);
        if (!employees.has(b.pseudonym)) fail(400, 'unknown pseudonym');
        if (!b.indicator && !b.subject) fail(400, 'an indicator or a subject is required');
        if (!b.reason) fail(400, 'a reason is required');
        const exp = Date.parse(b.expires);
        if (isNaN(exp) || exp > Date.now() + 366 * DAY) fail(400, 'expiry must be within one year');
        exceptions.push({ id: exceptions.length + 1, pseudonym: b.pseudonym, indicator: b.indicator || null, subject: b.subject || null, reason: b.reason, expires: b.expires, created_by: s.user });
        log(s.user, 'exception', b.pseudonym, b.reason);
        return send(res, 200, exceptions[exceptions.length - 1]);
    }
    case 'GET /stats/trends': {
        const s = auth(req, ['analyst', 'vik', 'admin']);
        const t = trends();
        if (url.searchParams.get('format') === 'csv') {
            log(s.user, 'export', 'trends');
            return send(res, 200, csv(t.alerts), { 'Content-Disposition': 'attachment; filename="trends.csv"' });
        }
        return send(res, 200, t);
    }
    case 'GET /stats/council': {
        const s = auth(req, ['council', 'admin']);
        const c = council();
        if (url.searchParams.get('format') === 'csv') {
            log(s.user, 'export', 'council');
            return send(res, 200, csv(c.alerts), { 'Content-Disposition': 'attachment; filename="council.csv"' });
        }
        return send(res, 200, c);
    }
    case 'GET /users': {
        auth(req, ['admin']);
        return send(res, 200, { users: [...users.values()].map((u, i) => ({ id: i + 1, name: u.user, role: u.role, unit: u.unit || '', team: u.team || '', lang: u.lang })) });
    }
    case 'POST /users': {
        const s = auth(req, ['admin']);
        const b = await body(req);
        if (!/^[a-z0-9_.-]{2,32}$/i.test(b.user || '') || !['analyst', 'supervisor', 'vik', 'privacy', 'council', 'admin'].includes(b.role) || String(b.password || '').length < 12) fail(400, 'bad user, role or password');
        if (users.has(b.user)) fail(409, 'user exists');
        if (b.role === 'supervisor' && (!b.unit || !b.team)) fail(400, 'a supervisor needs a unit and a team');
        users.set(b.user, { user: b.user, role: b.role, password: b.password, unit: b.unit || '', team: b.team || null, lang: 'nl' });
        log(s.user, 'settings', 'user ' + b.user, b.role);
        return send(res, 200, { user: b.user, role: b.role });
    }
    default:
        fail(404, 'no such endpoint');
    }
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json', '.md': 'text/plain; charset=utf-8' };

function serveStatic(req, res, url) {
    let rel = decodeURIComponent(url.pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(WEB, '.' + rel);
    if (!file.startsWith(WEB + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return send(res, 404, { error: 'not found' });
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'" });
    fs.createReadStream(file).pipe(res);
}

const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    try {
        if (url.pathname.startsWith('/api/')) await api(req, res, url);
        else if (req.method === 'GET' || req.method === 'HEAD') serveStatic(req, res, url);
        else fail(405, 'method not allowed');
    } catch (e) {
        if (e instanceof HttpError) send(res, e.status, { error: e.message });
        else {
            console.error(e);
            send(res, 500, { error: 'internal error' });
        }
    }
});
server.listen(parseInt(PORT, 10), HOST, () => {
    const addr = server.address();
    console.log(`listening on http://${addr.address}:${addr.port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
