// app.js - the single-page application: session, role-aware navigation, hash routing.
//
// Routes are "#/name/param?query". Each view module exports render(root, ctx) and builds
// its screen with dom.js. The server enforces every role; the navigation only hides what
// a role cannot use. Any 401 sends the user to the login screen (and back afterwards);
// a 403 shows a "geen toegang" message in place of the screen.

import { api, ApiError, setCsrf, onUnauthorized } from './api.js';
import { h, clear } from './dom.js';
import { t, getLang, setLang, LANGS } from './i18n.js';
import { loadIndicators } from './indicators.js';
import * as login from './views/login.js';
import * as queue from './views/queue.js';
import * as alert from './views/alert.js';
import * as cases from './views/cases.js';
import * as kase from './views/case.js';
import * as reveal from './views/reveal.js';
import * as audit from './views/audit.js';
import * as trends from './views/trends.js';
import * as council from './views/council.js';
import * as exceptions from './views/exceptions.js';
import * as users from './views/users.js';

const ROUTES = {
    login: { view: login, public: true },
    queue: { view: queue, nav: ['analyst', 'vik'] },
    alerts: { view: alert },
    cases: { view: cases, nav: ['vik', 'supervisor'] },
    case: { view: kase },
    reveal: { view: reveal, nav: ['analyst', 'vik', 'privacy', 'admin'] },
    exceptions: { view: exceptions, nav: ['analyst'] },
    trends: { view: trends, nav: ['analyst', 'vik', 'admin'] },
    audit: { view: audit, nav: ['privacy'] },
    council: { view: council, nav: ['council', 'admin'] },
    users: { view: users, nav: ['admin'] },
};
const NAV_ORDER = ['queue', 'cases', 'reveal', 'exceptions', 'trends', 'audit', 'council', 'users'];
const HOME = { analyst: 'queue', vik: 'queue', supervisor: 'cases', privacy: 'audit', council: 'council', admin: 'users' };

const state = { session: null, renderSeq: 0 };

export function session() {
    return state.session;
}

// go(hash) navigates; the hashchange listener renders.
export function go(hash) {
    if (location.hash === hash) render();
    else location.hash = hash;
}

function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [path, query = ''] = raw.split('?');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    return { name: parts[0] || '', args: parts.slice(1), query: new URLSearchParams(query), raw };
}

async function loadSession() {
    try {
        const me = await api('GET', '/api/me');
        setSession(me);
    } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 401) throw e;
        setSession(null);
    }
}

export function setSession(me) {
    state.session = me;
    setCsrf(me ? me.csrf : null);
    if (me && me.lang && !localStorage.getItem('wachter.lang')) setLang(me.lang, false);
    renderChrome();
}

function renderChrome() {
    document.documentElement.lang = getLang();
    document.title = t('app.title');
    const nav = clear(document.getElementById('nav'));
    const me = state.session;
    const current = parseHash().name;
    if (me) {
        for (const name of NAV_ORDER) {
            if (!ROUTES[name].nav.includes(me.role)) continue;
            nav.append(h('a', { href: '#/' + name, class: current === name ? 'active' : null,
                'aria-current': current === name ? 'page' : null }, t('nav.' + name)));
        }
    }
    const who = clear(document.getElementById('who'));
    if (me) {
        who.append(h('span', { class: 'user', 'data-testid': 'current-user' }, me.user),
            h('span', { class: 'role' }, t('role.' + me.role)),
            h('button', { type: 'button', class: 'link', id: 'logout', onclick: logout }, t('nav.logout')));
    }
    const langs = clear(document.getElementById('lang'));
    for (const l of LANGS) {
        langs.append(h('button', { type: 'button', class: 'lang' + (l === getLang() ? ' active' : ''),
            'aria-pressed': String(l === getLang()), lang: l, onclick: () => { setLang(l, true); renderChrome(); render(); } },
            l.toUpperCase()));
    }
    document.getElementById('brand').textContent = t('app.title');
    document.getElementById('tagline').textContent = t('app.tagline');
}

async function logout() {
    try {
        await api('DELETE', '/api/session');
    } catch {
        /* the session may already be gone */
    }
    setSession(null);
    go('#/login');
}

// showError(root, err) renders what went wrong instead of the screen.
export function showError(root, err) {
    clear(root);
    if (err instanceof ApiError && err.status === 403) {
        root.append(h('section', { class: 'panel denied', role: 'alert', 'data-testid': 'forbidden' },
            h('h1', null, t('err.forbidden.title')),
            h('p', null, t('err.forbidden.text')),
            state.session ? h('p', { class: 'muted' }, t('err.forbidden.role', { role: t('role.' + state.session.role) })) : null,
            state.session ? h('p', null, h('a', { href: '#/' + (HOME[state.session.role] || '') }, t('err.home'))) : null));
    } else if (err instanceof ApiError && err.status === 404) {
        root.append(h('section', { class: 'panel', role: 'alert', 'data-testid': 'not-found' },
            h('h1', null, t('err.notfound.title')), h('p', null, t('err.notfound.text'))));
    } else if (err instanceof ApiError && err.status === 401) {
        /* onUnauthorized already went to the login screen */
    } else {
        root.append(h('section', { class: 'panel error', role: 'alert', 'data-testid': 'error' },
            h('h1', null, t('err.general')), h('p', null, err && err.message ? err.message : String(err))));
    }
}

// errorText(err): one line for an error shown next to a form.
export function errorText(err) {
    if (err instanceof ApiError) {
        const key = { 0: 'err.network', 400: 'err.bad', 403: 'err.forbidden.title', 409: 'err.conflict', 429: 'err.ratelimit' }[err.status];
        const base = key ? t(key) : t('err.general');
        return err.message && err.status !== 0 ? base + ': ' + err.message : base;
    }
    return String(err && err.message ? err.message : err);
}

async function render() {
    const seq = ++state.renderSeq;
    const root = document.getElementById('app');
    const route = parseHash();
    const hash = location.hash;
    if (!state.session && route.name !== 'login') {
        const next = route.raw && route.name ? '#/' + route.raw : '';
        location.replace('#/login' + (next ? '?next=' + encodeURIComponent(next) : ''));
        return;
    }
    if (!route.name || !ROUTES[route.name]) {
        location.replace('#/' + (state.session ? HOME[state.session.role] || 'queue' : 'login'));
        return;
    }
    renderChrome();
    clear(root);
    root.setAttribute('aria-busy', 'true');
    const ctx = {
        args: route.args,
        query: route.query,
        session: state.session,
        stale: () => seq !== state.renderSeq,
        go,
        rerender: render,
    };
    try {
        if (state.session) await loadIndicators(); // titles and filters of every screen
        await ROUTES[route.name].view.render(root, ctx);
    } catch (e) {
        if (seq === state.renderSeq) showError(root, e);
        if (!(e instanceof ApiError)) console.error(e);
    } finally {
        // data-shown tells a waiting reader (the browser tests) which address the screen
        // belongs to: aria-busy alone cannot, as hashchange reaches render() a task later.
        if (seq === state.renderSeq) {
            root.dataset.shown = hash;
            root.removeAttribute('aria-busy');
        }
    }
}

export function homeOf(role) {
    return HOME[role] || 'queue';
}

onUnauthorized(() => {
    const cur = parseHash();
    if (cur.name === 'login') return;
    const had = !!state.session;
    setSession(null);
    const q = new URLSearchParams();
    if (had) q.set('expired', '1');
    if (cur.name) q.set('next', '#/' + cur.raw);
    const qs = q.toString();
    location.replace('#/login' + (qs ? '?' + qs : ''));
});

async function start() {
    window.addEventListener('hashchange', render);
    try {
        await loadSession();
    } catch (e) {
        showError(document.getElementById('app'), e);
        return;
    }
    await render();
}

start();
